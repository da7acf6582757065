"""Signed stores in .cache/ (git-ignored): what a build keeps between runs, as data that only this user's toolchain
can have written.

Everything kept is an optimisation: a missing, corrupt or foreign entry is ignored and made again, so deleting
.cache/ is always safe.

A project folder is untrusted (it may come from another clinic, .cache/ included), so a store holds data,
never code: JSON only (no pickle, no marshalled bytecode), and each entry is signed with a key that lives
outside every project, in the user's own cache folder (`$XDG_CACHE_HOME/handout/cache-key`, by default
`~/.cache/handout/`). An entry that another machine or user wrote, or that was changed by hand, fails the
signature and is made again. Entries are read only when they are regular files of a sane size.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from handout.core.atomic import atomic_write
from handout.core.regularfile import read_regular as _read_regular

CACHE_DIR = ".cache"
# Libraries whose version changes what a build makes.
TOOLCHAIN_PACKAGES = ("markdown", "nh3", "jinja2", "weasyprint", "ebooklib", "pypdf", "segno", "pyphen",
                      "fontpkg-atkinson-hyperlegible")
ENTRY_BYTES = 64_000_000  # a cached chapter is at most a few MB: anything larger is not ours
KEY_NAME = "cache-key"


@lru_cache(maxsize=1)
def toolchain_fingerprint() -> str:
    """Changes whenever the toolchain's own code or a library it renders with changes."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent  # every module of handout/, in every layer
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    for package in TOOLCHAIN_PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=missing".encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the signing key, outside every project ------------------------------------------------------------

def key_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "handout"


@lru_cache(maxsize=1)
def signing_key() -> bytes | None:
    """This user's cache key, made on first use (readable by the user only); None when it cannot be had,
    and then nothing is cached."""
    path = key_folder() / KEY_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_hex(32))
        key = _read_regular(path, 1000)
    except OSError:
        return None
    return key if key and len(key) >= 32 else None


def _signature(key: bytes, name: str, payload: bytes) -> str:
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def read_signed(path: Path, key: bytes) -> bytes | None:
    """The payload of a file `write_signed` wrote with `key`; None for anything else (missing, not a regular
    file, too large, or signed otherwise)."""
    raw = _read_regular(path, ENTRY_BYTES)
    if raw is None or b"\n" not in raw:
        return None
    signature, payload = raw.split(b"\n", 1)
    if not hmac.compare_digest(signature.decode("ascii", "replace"), _signature(key, path.name, payload)):
        return None  # written elsewhere or changed: not ours
    return payload


def write_signed(path: Path, key: bytes, payload: bytes) -> None:
    """Write `payload` to `path` with its signature on the first line; a folder that cannot be written is
    left alone (a read-only project still builds, only slower)."""
    try:
        atomic_write(path, _signature(key, path.name, payload).encode() + b"\n" + payload)
    except OSError:
        pass


class SignedStore:
    """Files of JSON in one folder of .cache/, each signed with this user's key. Nothing is stored or read
    when the key cannot be had or the folder leads out of the project."""

    def __init__(self, root: Path, folder: Path):
        self.folder = folder
        self.key = signing_key()
        # A .cache/ that is a link out of the project is not written through, nor read.
        if self.key is not None and not _inside(folder, root):
            self.key = None

    def load(self, name: str) -> Any:
        payload = read_signed(self.folder / name, self.key) if self.key is not None else None
        try:
            return json.loads(payload) if payload is not None else None
        except ValueError:
            return None

    def save(self, name: str, value: Any) -> None:
        if self.key is not None:
            write_signed(self.folder / name, self.key,
                         json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())


def _inside(folder: Path, root: Path) -> bool:
    """Whether `folder` (which may not exist yet) lies inside the project after every symlink."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():
            return False  # a broken link: where it would lead is not ours to decide
        probe = probe.parent
    return probe.resolve().is_relative_to(root.resolve())


def bytecode_cache():
    """Jinja's compiled templates, kept between processes in this user's cache folder (never a project's) and
    signed like the cache entries: bytecode is code, so only what this user's toolchain compiled is loaded.
    None when there is no key (templates are then compiled in each process)."""
    import jinja2

    key = signing_key()
    if key is None:
        return None
    folder = key_folder() / "jinja"

    class SignedBytecodeCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket) -> None:
            payload = read_signed(folder / f"{bucket.key}.cache", key)
            if payload is not None:
                bucket.bytecode_from_string(payload)

        def dump_bytecode(self, bucket) -> None:
            write_signed(folder / f"{bucket.key}.cache", key, bucket.bytecode_to_string())

    return SignedBytecodeCache()
