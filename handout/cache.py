"""The build cache in .cache/ (git-ignored): converted chapters and what the last good build made.

Everything here is an optimisation: a missing, corrupt or foreign cache is
ignored and rebuilt, so deleting .cache/ is always safe.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

CACHE_DIR = ".cache"
# Libraries whose version changes what a build makes.
TOOLCHAIN_PACKAGES = ("markdown", "nh3", "jinja2", "weasyprint", "ebooklib", "pypdf", "segno", "pyphen",
                      "fontpkg-atkinson-hyperlegible")


@lru_cache(maxsize=1)
def toolchain_fingerprint() -> str:
    """Changes whenever the toolchain's own code or a library it renders with changes."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for package in TOOLCHAIN_PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=missing".encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(name, path)


class ChapterCache:
    """Converted chapters, keyed by the chapter's bytes, name and the toolchain."""

    def __init__(self, root: Path):
        self.folder = root / CACHE_DIR / "chapters"

    def key(self, path: Path, raw: bytes) -> str:
        return hashlib.sha256(toolchain_fingerprint().encode() + str(path).encode() + b"\0" + raw).hexdigest()

    def get(self, key: str):
        try:
            return pickle.loads((self.folder / f"{key}.pickle").read_bytes())
        except Exception:  # missing or unreadable: convert again
            return None

    def put(self, key: str, value) -> None:
        try:
            _atomic_write(self.folder / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only project still builds, only slower


class BuildState:
    """What the last good build wrote: for each output, the digest of its inputs and of its bytes."""

    def __init__(self, root: Path):
        self.path = root / CACHE_DIR / "build.json"
        try:
            self.data = json.loads(self.path.read_text())
            if self.data.get("toolchain") != toolchain_fingerprint():
                self.data = {}
        except Exception:
            self.data = {}
        self.data.setdefault("outputs", {})
        self.data.setdefault("page_starts", {})
        self.data["toolchain"] = toolchain_fingerprint()

    def is_current(self, output: Path, inputs: str) -> bool:
        """True when `output` was made from these inputs and is still the file that build wrote."""
        entry = self.data["outputs"].get(str(output))
        if not entry or entry["inputs"] != inputs or not output.is_file():
            return False
        stat = output.stat()
        if entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
            return True  # unchanged since written: no need to read it again
        return file_digest(output) == entry["sha256"]

    def record(self, output: Path, inputs: str) -> None:
        stat = output.stat()
        self.data["outputs"][str(output)] = {"inputs": inputs, "sha256": file_digest(output),
                                             "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    def page_starts(self, inputs: str):
        return self.data["page_starts"].get(inputs)

    def record_page_starts(self, inputs: str, starts) -> None:
        self.data["page_starts"][inputs] = starts

    def save(self) -> None:
        try:
            _atomic_write(self.path, json.dumps(self.data, indent=1, sort_keys=True).encode())
        except OSError:
            pass
