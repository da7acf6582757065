"""A build with nothing to do, decided before anything costly is imported: the no-op stamp.

After a build that found every output up to date, the command line keeps a stamp in .cache/noop/ (signed like
every entry of the cache, handout/core/store.py): the size, times and inode of every input the build reads (publish.toml,
chapters/, translations/, layouts/, assets/, the built-in theme, the toolchain's own modules, the folders of
installed libraries), with each file's digest; the same for the outputs and the build's state; and what that
build printed. The next `publish.py` or installed `handout` (both start in app/entry.py) with the same command
line, in the same folder, on the same day (review dates), finds the stamp, looks at those files again (no digest
unless a file moved: then its digest decides) and prints the same report, without importing the build, the
checks, WeasyPrint or the loaders.

Anything it does not know for certain (another command, --force, a link among the inputs, an entry added or
removed, a digest that differs, another build holding the lock, an unreadable stamp) sends it to the real
build, which decides as it always did. Only the standard library is imported here.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import sys
import time

from handout.core.regularfile import read_regular

STAMP_FOLDER = os.path.join(".cache", "noop")
INPUT_FOLDERS = ("chapters", "translations", "layouts", "assets")  # core/inputs.py
THEME_FOLDERS = ("layouts", "assets")                               # core/theme.py
LOCK_NAME = ".build.lock"                                           # build/outfolder.py
STAMP_BYTES = 4_000_000
# Options that never change what a build makes, or that it says: left out of the stamp's key.
NEUTRAL = {"--jobs"}
# What the fast path understands; any other argument goes to the real build.
WITH_VALUE = {"--project", "--jobs", "--language", "--edition", "--paper", "--out"}
FLAGS = {"build", "--no-pdf", "--no-epub", "--no-web", "--draft"}


# ---- what the stamp looks at -----------------------------------------------------------------------------

def _package_folder() -> str:
    """The package's folder, handout/ (this module is in handout/app/)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _theme_folder() -> str:
    """The built-in theme's folder, as handout/core/theme.py finds it."""
    here = _package_folder()
    for candidate in (os.path.join(here, "builtin_theme"), os.path.dirname(here)):
        if os.path.isfile(os.path.join(candidate, "layouts", "base.html")):
            return candidate
    return here


def _walk(folder: str, shown: str, found: dict, skip_hidden: bool = True) -> bool:
    """Every file and folder under `folder` into `found` (name -> stat tuple, or "folder"); False when an entry
    is neither (a link, a pipe): the real build judges those."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return True
    except NotADirectoryError:
        return False
    for entry in entries:
        if (skip_hidden and entry.name.startswith(".")) or entry.name == "__pycache__":
            continue
        name = f"{shown}/{entry.name}"
        if entry.is_symlink():
            return False
        if entry.is_dir(follow_symlinks=False):
            found[name] = "folder"
            if not _walk(entry.path, name, found, skip_hidden):
                return False
        elif entry.is_file(follow_symlinks=False):
            found[name] = _stat(entry.stat(follow_symlinks=False))
        else:
            return False
    return True


def _stat(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def watched(root: str, outputs: list[str], out_dir: str) -> dict | None:
    """name -> stat (or "folder") of everything a no-op depends on; None when something there is not a plain file
    or folder. Names: `project:` the project's inputs, `theme:`, `code:` the toolchain, `lib:` the folders
    libraries are installed in, `out:` the outputs and the build's state."""
    found: dict = {}
    try:
        config = os.stat(os.path.join(root, "publish.toml"), follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(config.st_mode):
        return None
    found["project:publish.toml"] = _stat(config)
    for folder in INPUT_FOLDERS:
        if not _walk(os.path.join(root, folder), f"project:{folder}", found):
            return None
    theme = _theme_folder()
    for folder in THEME_FOLDERS:
        if not _walk(os.path.join(theme, folder), f"theme:{folder}", found):
            return None
    if not _walk(_package_folder(), "code:handout", found):
        return None
    for folder in sorted({path for path in sys.path if path and os.path.isdir(path)}):
        found[f"lib:{folder}"] = _stat(os.stat(folder))[1:]  # a library installed or removed changes its folder
    for path in [*outputs, os.path.join(root, ".cache", "build.json")]:
        try:
            info = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        found[f"out:{path}"] = _stat(info)
    found["out:folder"] = out_dir
    return found


def _real(name: str, root: str) -> str | None:
    """The file behind a watched name, for its digest (None: a folder's or library folder's, no digest)."""
    kind, _, rest = name.partition(":")
    if kind == "project":
        return os.path.join(root, rest)
    if kind == "theme":
        return os.path.join(_theme_folder(), rest)
    if kind == "code":
        return os.path.join(os.path.dirname(_package_folder()), rest)
    if kind == "out" and rest != "folder":
        return rest
    return None


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


# ---- the stamp's key and signature -------------------------------------------------------------------------

def stamp_key(argv: list[str], cwd: str) -> str | None:
    """The stamp's name for this command line in this folder; None when the fast path does not apply."""
    kept, index = [], 0
    while index < len(argv):
        word = argv[index]
        option, equals, value = word.partition("=")
        if option in WITH_VALUE:
            if not equals:
                if index + 1 >= len(argv):
                    return None
                value = argv[index + 1]
                index += 1
            if option not in NEUTRAL:
                kept.append([option, value])
        elif word in FLAGS and not equals:
            kept.append([word])
        else:
            return None  # --force, --help, another command, a prefix of an option: the real command line
        index += 1
    environment = [os.environ.get(name, "") for name in ("SOURCE_DATE_EPOCH", "XDG_CACHE_HOME")]
    text = json.dumps([cwd, kept, sys.executable, sys.version, environment])
    return hashlib.sha256(text.encode()).hexdigest()


def project_root(argv: list[str], cwd: str) -> str:
    """The project folder the command line names (its last --project; default: the current folder)."""
    project = "."
    for index, word in enumerate(argv):
        if word == "--project" and index + 1 < len(argv):
            project = argv[index + 1]
        elif word.startswith("--project="):
            project = word.partition("=")[2]
    path = os.path.join(cwd, project)
    if os.path.basename(path) == "publish.toml" and not os.path.isdir(path):
        path = os.path.dirname(path)
    return os.path.realpath(path)


def _key_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "handout", "cache-key")  # core/store.py: key_folder() / KEY_NAME


def _load(path: str) -> dict | None:
    """The stamp at `path`, when this user's key signed it (cache.read_signed's format)."""
    key = read_regular(_key_file(), 1000)
    raw = read_regular(path, STAMP_BYTES)
    if not key or len(key) < 32 or raw is None or b"\n" not in raw:
        return None
    signature, payload = raw.split(b"\n", 1)
    expected = hmac.new(key, os.path.basename(path).encode() + b"\0" + payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.decode("ascii", "replace"), expected):
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# ---- the fast path ---------------------------------------------------------------------------------------

def _today() -> str:
    return time.strftime("%Y-%m-%d")


def _unchanged(stamp: dict, root: str) -> bool:
    files, digests = stamp.get("files"), stamp.get("digests")
    outputs, out_dir = stamp.get("outputs"), stamp.get("out_dir")
    if not isinstance(files, dict) or not isinstance(digests, dict) or not isinstance(outputs, list) \
            or not isinstance(out_dir, str):
        return False
    now = watched(root, [str(path) for path in outputs], out_dir)
    if now is None or now.keys() != files.keys():
        return False  # an entry added, removed, or not a plain file
    for name, value in now.items():
        if value == files[name]:
            continue
        path = _real(name, root)
        if path is None or value == "folder" or files[name] == "folder" or digests.get(name) is None \
                or _digest(path) != digests[name]:
            return False  # moved, and its content too (or nothing to compare)
    return True


def _lock_free(out_dir: str) -> bool:
    """Whether no other build holds the output folder's lock (the real build says so when one does)."""
    import fcntl

    try:
        descriptor = os.open(os.path.join(out_dir, LOCK_NAME), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:  # a build takes the lock file with it when it ends: none runs now
        return True
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def replay(argv: list[str]) -> int | None:
    """Print what the no-op build this command line made last time printed, and return its exit status (0), when
    nothing it depends on changed; None otherwise (the real build then runs)."""
    started = time.perf_counter()
    try:
        cwd = os.getcwd()
        key = stamp_key(argv, cwd)
        if key is None:
            return None
        root = project_root(argv, cwd)
        stamp = _load(os.path.join(root, STAMP_FOLDER, f"{key}.json"))
        if stamp is None or stamp.get("root") != root or stamp.get("today") != _today() \
                or not _unchanged(stamp, root) or not _lock_free(stamp["out_dir"]):
            return None
        stdout, stderr = stamp.get("stdout"), stamp.get("stderr")
        if not isinstance(stdout, list) or not isinstance(stderr, list):
            return None
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    checked = time.perf_counter() - started
    lines = [str(line) for line in stdout]
    lines += ["timings:", f"  {'check what changed (no-op stamp)':<32} {checked:6.2f} s",
              f"  {'total':<32} {time.perf_counter() - started:6.2f} s"]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    for line in stderr:
        print(str(line), file=sys.stderr)
    return 0


# ---- after a no-op build: the stamp ------------------------------------------------------------------------

def snapshot(argv: list[str]) -> tuple[str, str, dict | None] | None:
    """Before the build: the stamp's key, the project folder and what it depends on now (outputs not yet known)."""
    cwd = os.getcwd()
    key = stamp_key(argv, cwd)
    if key is None:
        return None
    root = project_root(argv, cwd)
    return key, root, watched(root, [], "")


def record(before, outputs: list[str], out_dir: str, stdout: list[str], stderr: list[str]) -> None:
    """After a build that made nothing: keep its stamp, when nothing it read moved while it ran."""
    from pathlib import Path

    from handout.core.store import SignedStore

    if before is None or before[2] is None:
        return
    key, root, seen = before
    now = watched(root, outputs, out_dir)
    if now is None or {name: value for name, value in now.items() if not name.startswith("out:")} != \
            {name: value for name, value in seen.items() if not name.startswith("out:")}:
        return  # something changed while the build looked at it: no stamp
    digests = {}
    for name, value in now.items():
        path = _real(name, root)
        if path is not None and value != "folder":
            digests[name] = _digest(path)
    SignedStore(Path(root), Path(root) / STAMP_FOLDER).save(f"{key}.json", {
        "root": root, "today": _today(), "files": now, "digests": digests, "outputs": outputs, "out_dir": out_dir,
        "stdout": stdout, "stderr": stderr})
