"""The outputs' content-addressed cache: each output stored under the digest of its inputs (`run.output_inputs`),
so any machine that plans the same inputs finds it, whatever folder or shard made it.

An entry is two files in `<cache>/<first two hex digits>/`: `<digest>.out`, the output's bytes, and
`<digest>.json`, what the build needs to know of it (its target, edition, size, pages, the printed pages' first
words for an EPUB's page list), the sha256 of the bytes and an HMAC-SHA256 of all that. The HMAC's key is
HANDOUT_CACHE_KEY when it is set (every machine sharing a cache sets the same one); otherwise this user's own
cache key (handout/core/store.py), which suits a cache only this user writes.

Nothing read from a cache is trusted unchecked: an entry whose signature or hash does not match, or that is not a
regular file of a sane size, is ignored, reported once by name, and made again (the new entry replaces it). A hit
is copied; nothing is laid out for it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from handout.core.atomic import atomic_write
from handout.core.errors import InputError
from handout.core.store import _read_regular, signing_key

KEY_VARIABLE = "HANDOUT_CACHE_KEY"
OUTPUT_BYTES = 512_000_000   # no output of a handout is near this: anything larger is not an entry
META_BYTES = 4_000_000
MIN_KEY_LENGTH = 16


@dataclass
class Entry:
    digest: str
    data: bytes
    meta: dict


def cache_key() -> bytes:
    """The key entries are signed with: HANDOUT_CACHE_KEY, or this user's own key."""
    value = os.environ.get(KEY_VARIABLE)
    if value is not None:
        if len(value.strip()) < MIN_KEY_LENGTH:
            raise InputError(f"{KEY_VARIABLE} must be at least {MIN_KEY_LENGTH} characters (a shared secret, e.g. "
                             "python -c \"import secrets; print(secrets.token_hex(32))\"); it is "
                             f"{len(value.strip())}")
        return value.strip().encode()
    key = signing_key()
    if key is None:
        raise InputError(f"no key to sign the cache with: set {KEY_VARIABLE} (the same on every machine sharing "
                         "the cache), or make ~/.cache/handout/ writable")
    return key


def _signature(key: bytes, digest: str, fields: dict) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key, digest.encode() + b"\0" + body, hashlib.sha256).hexdigest()


class OutputCache:
    """A folder of entries keyed by input digest, shared or not. `warn(message)` hears each refused entry once."""

    def __init__(self, folder: Path, key: bytes | None = None, warn=None):
        self.folder = Path(os.path.abspath(folder))
        self.key = key if key is not None else cache_key()
        self.warn = warn or (lambda message: None)
        self.refused: set[str] = set()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot use this cache folder ({error.strerror}): choose another with --cache",
                             self.folder) from None
        if not self.folder.is_dir():
            raise InputError("the cache folder is not a folder: choose another with --cache", self.folder)

    def paths(self, digest: str) -> tuple[Path, Path]:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not an input digest: {digest!r}")
        base = self.folder / digest[:2] / digest
        return base.with_suffix(".out"), base.with_suffix(".json")

    def get(self, digest: str) -> Entry | None:
        """The verified entry for `digest`, or None (missing, or refused: reported once, to be made again)."""
        data_path, meta_path = self.paths(digest)
        if not os.path.lexists(meta_path) and not os.path.lexists(data_path):
            return None
        raw = _read_regular(meta_path, META_BYTES)
        try:
            record = json.loads(raw) if raw is not None else None
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
            return self._refuse(digest, "its description is missing or unreadable")
        fields, signature = record["fields"], record.get("hmac")
        if not isinstance(signature, str) or not hmac.compare_digest(signature,
                                                                     _signature(self.key, digest, fields)):
            return self._refuse(digest, "its signature does not match (another key, or changed by hand)")
        data = _read_regular(data_path, OUTPUT_BYTES)
        if data is None or hashlib.sha256(data).hexdigest() != fields.get("sha256"):
            return self._refuse(digest, "its bytes do not match their sha256")
        return Entry(digest, data, fields)

    def _refuse(self, digest: str, why: str) -> None:
        if digest not in self.refused:
            self.refused.add(digest)
            shown = self.folder / digest[:2] / digest
            self.warn(f"{shown}: cache entry ignored, {why}; the output is made again")
        return None

    def put(self, digest: str, data: bytes, **fields) -> None:
        """Store `data` under `digest` with `fields` (JSON values), signed; the bytes first, so a description
        is never there without them."""
        data_path, meta_path = self.paths(digest)
        fields = {**fields, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        try:
            data_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(data_path, data)
            atomic_write(meta_path, json.dumps({"fields": fields, "hmac": _signature(self.key, digest, fields)},
                                               sort_keys=True).encode())
        except OSError as error:
            raise InputError(f"cannot write to the cache ({error.strerror}): free space, or choose another "
                             "folder with --cache", data_path.parent) from None
        self.refused.discard(digest)
