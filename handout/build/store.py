"""The outputs' content-addressed cache: each output stored under the digest of its inputs (`run.output_inputs`),
so any machine that plans the same inputs finds it, whatever folder or shard made it.

An entry is the output's bytes and its description: what the build needs to know of it (its target, edition,
size, pages, the printed pages' first words for an EPUB's page list), the sha256 of the bytes and an HMAC-SHA256
of all that. Where entries are kept (`--cache`): a folder, by default `.cache/outputs` (shared by several
machines if you like), two files in `<cache>/<first two hex digits>/`, `<digest>.out` and `<digest>.json`; or a
Redis (`--cache redis://HOST:PORT/DB`, the queue's or any), a hash `handout:output:<digest>` with the fields
`out` and `json`, written in one command. The HMAC's key is HANDOUT_CACHE_KEY when it is set (every machine
sharing a cache sets the same one); otherwise this user's own cache key (handout/core/store.py), which suits a
cache only this user writes.

Nothing read from a cache is trusted unchecked, whichever store holds it (one verification, `OutputCache.get`):
an entry whose signature or hash does not match, or that is not a regular file (a Redis field) of a sane size,
is ignored, reported once by name, and made again (the new entry replaces it). A hit
is copied; nothing is laid out for it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from handout.build.queue import connect
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


REDIS_SCHEMES = ("redis://", "rediss://")
REDIS_PREFIX = "handout:output:"


def cache_location(text: str) -> Path | str:
    """What `--cache` names: a Redis address (kept as text) or a folder."""
    return text if text.startswith(REDIS_SCHEMES) else Path(text)


class FolderEntries:
    """Entries as files in a folder: `<folder>/<ab>/<digest>.out` and `.json`."""

    def __init__(self, folder: Path):
        self.folder = Path(os.path.abspath(folder))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot use this cache folder ({error.strerror}): choose another with --cache",
                             self.folder) from None
        if not self.folder.is_dir():
            raise InputError("the cache folder is not a folder: choose another with --cache", self.folder)
        self.location = str(self.folder)

    def paths(self, digest: str) -> tuple[Path, Path]:
        base = self.folder / digest[:2] / digest
        return base.with_suffix(".out"), base.with_suffix(".json")

    def name(self, digest: str) -> str:
        return str(self.folder / digest[:2] / digest)

    def present(self, digest: str) -> bool:
        return any(os.path.lexists(path) for path in self.paths(digest))

    def description(self, digest: str) -> bytes | None:
        return _read_regular(self.paths(digest)[1], META_BYTES)

    def data(self, digest: str) -> bytes | None:
        return _read_regular(self.paths(digest)[0], OUTPUT_BYTES)

    def write(self, digest: str, data: bytes, description: bytes) -> None:
        """The bytes first, so a description is never there without them."""
        data_path, meta_path = self.paths(digest)
        try:
            data_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(data_path, data)
            atomic_write(meta_path, description)
        except OSError as error:
            raise InputError(f"cannot write to the cache ({error.strerror}): free space, or choose another "
                             "folder with --cache", data_path.parent) from None


class RedisEntries:
    """Entries in a Redis: the hash `handout:output:<digest>`, fields `out` (the bytes) and `json` (the
    description). Redis may evict an entry (maxmemory): that is a miss, made again."""

    def __init__(self, url: str):
        self.connection = connect(url, option="--cache", purpose="cache")
        self.location = _shown_url(url)

    def name(self, digest: str) -> str:
        return f"{self.location} {REDIS_PREFIX}{digest}"

    def _field(self, digest: str, field: str, limit: int) -> bytes | None:
        key = REDIS_PREFIX + digest
        size = self._call(lambda: self.connection.hstrlen(key, field))
        return self._call(lambda: self.connection.hget(key, field)) if 0 < size <= limit else None

    def present(self, digest: str) -> bool:
        return bool(self._call(lambda: self.connection.exists(REDIS_PREFIX + digest)))

    def description(self, digest: str) -> bytes | None:
        return self._field(digest, "json", META_BYTES)

    def data(self, digest: str) -> bytes | None:
        return self._field(digest, "out", OUTPUT_BYTES)

    def write(self, digest: str, data: bytes, description: bytes) -> None:
        self._call(lambda: self.connection.hset(REDIS_PREFIX + digest, mapping={"out": data, "json": description}))

    def _call(self, command):
        from redis.exceptions import RedisError

        try:
            return command()
        except RedisError as error:
            raise InputError(f"the cache's Redis at {self.location} failed ({error}): check that redis-server is "
                             "running there, or give another cache with --cache") from None


def _shown_url(url: str) -> str:
    """A Redis address without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else ""))\
        .geturl()


class OutputCache:
    """Entries keyed by input digest, in a folder or a Redis (`where`: a folder, or a redis:// address), shared
    or not. `warn(message)` hears each refused entry once."""

    def __init__(self, where: Path | str, key: bytes | None = None, warn=None):
        self.key = key if key is not None else cache_key()
        self.entries = RedisEntries(where) if isinstance(where, str) and where.startswith(REDIS_SCHEMES) \
            else FolderEntries(Path(where))
        self.location = self.entries.location
        self.warn = warn or (lambda message: None)
        self.refused: set[str] = set()

    def paths(self, digest: str) -> tuple[Path, Path]:
        """A folder's entry's files (its bytes, its description)."""
        return self.entries.paths(_checked(digest))

    def get(self, digest: str) -> Entry | None:
        """The verified entry for `digest`, or None (missing, or refused: reported once, to be made again)."""
        digest = _checked(digest)
        if not self.entries.present(digest):
            return None
        raw = self.entries.description(digest)
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
        data = self.entries.data(digest)
        if data is None or hashlib.sha256(data).hexdigest() != fields.get("sha256"):
            return self._refuse(digest, "its bytes do not match their sha256")
        return Entry(digest, data, fields)

    def _refuse(self, digest: str, why: str) -> None:
        if digest not in self.refused:
            self.refused.add(digest)
            self.warn(f"{self.entries.name(digest)}: cache entry ignored, {why}; the output is made again")
        return None

    def put(self, digest: str, data: bytes, **fields) -> None:
        """Store `data` under `digest` with `fields` (JSON values), signed."""
        digest = _checked(digest)
        fields = {**fields, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        self.entries.write(digest, data, json.dumps({"fields": fields, "hmac": _signature(self.key, digest, fields)},
                                                    sort_keys=True).encode())
        self.refused.discard(digest)


def _checked(digest: str) -> str:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not an input digest: {digest!r}")
    return digest
