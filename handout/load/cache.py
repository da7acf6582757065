"""The chapter cache in .cache/chapters/: converted chapters, as signed JSON data (handout/core/store.py), keyed
by the chapter's bytes, name, the language's conversion words and the toolchain."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from handout.core.store import CACHE_DIR, SignedStore, toolchain_fingerprint
from handout.model import Block, Chapter, Heading, Image, Link


def _cached_types() -> dict[str, type]:
    """The only classes a cache entry may rebuild."""
    return {kind.__name__: kind for kind in (Chapter, Block, Heading, Image, Link)}


def encode(value: Any) -> Any:
    """A chapter (dataclasses, tuples, paths, strings, numbers) as JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$type": type(value).__name__,
                **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Path):
        return {"$path": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(data: Any, types: dict[str, type]) -> Any:
    """The inverse of `encode`, rebuilding only `types`; ValueError for anything else."""
    if isinstance(data, dict):
        if "$path" in data and len(data) == 1:
            return Path(data["$path"])
        if "$tuple" in data and len(data) == 1 and isinstance(data["$tuple"], list):
            return tuple(decode(item, types) for item in data["$tuple"])
        kind = types.get(data.get("$type")) if isinstance(data.get("$type"), str) else None
        if kind is None:
            raise ValueError("not a cached value")
        fields = {name: decode(item, types) for name, item in data.items() if name != "$type"}
        if set(fields) != {f.name for f in dataclasses.fields(kind)}:
            raise ValueError(f"not a {kind.__name__}")
        return kind(**fields)
    if isinstance(data, list):
        return [decode(item, types) for item in data]
    if isinstance(data, (str, int, float, bool, type(None))):
        return data
    raise ValueError("not a cached value")


class ChapterCache:
    """Converted chapters, keyed by the chapter's bytes, name and the toolchain."""

    def __init__(self, root: Path):
        self.store = SignedStore(root, root / CACHE_DIR / "chapters")

    def key(self, path: Path, raw: bytes) -> str:
        return hashlib.sha256(toolchain_fingerprint().encode() + str(path).encode() + b"\0" + raw).hexdigest()

    def get(self, key: str):
        data = self.store.load(f"{key}.json")
        if data is None:
            return None
        try:
            return decode(data, _cached_types())
        except (ValueError, TypeError, RecursionError):  # damaged: convert again
            return None

    def put(self, key: str, value) -> None:
        self.store.save(f"{key}.json", encode(value))
