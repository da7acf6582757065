"""The output folder belongs to the build, and only the build touches what it made there.

- Which folders may hold outputs (`output_folder_for`): not the project itself, nothing inside its
  chapters/, layouts/, assets/, .cache/ or .git/; a `dist/` that is a symbolic link out of the project is
  followed only when the user names the folder with `--out`; a clinic's folder under the output folder
  may not be a link that leads out of it.
- What the build writes there: a lock file (`.build.lock`), the outputs, in a folder given with --out a
  list of the outputs builds wrote there (`.handout-outputs.json`; the project's own dist/ needs none),
  and while it runs one staging folder (`.handout-tmp-<pid>-<random>.tmp/`, marked by a
  `.handout-staging` file) holding its temporary files. A build cleans up only staging folders that carry
  the marker, and only the files in them named as it names them; a user's file is never deleted, and in
  a folder given with --out an output is written over only when a build made it.
- File-system trouble (a full or read-only disk, a name too long, a file where a folder goes) is the
  user's to fix, so it is an InputError naming the path and what to do (`filesystem_error`).
"""
from __future__ import annotations

import errno
import json
import os
import re
import secrets
from pathlib import Path

from handout.core.errors import InputError

LOCK_NAME = ".build.lock"
MANIFEST_NAME = ".handout-outputs.json"
STAGING_PREFIX = ".handout-tmp-"
STAGING_MARKER = ".handout-staging"
MARKER_TEXT = "handout build staging folder: deleted by the next build into this folder\n"
# The names of the build's own files in a staging folder: `<number>.part`, `<number>.old`, `manifest.part`.
STAGED_FILE = re.compile(r"(\d+\.(part|old)|manifest\.part)")
MANIFEST_LIMIT = 1 << 20
# Folders of the project that are inputs (or the build's own): never an output folder.
PROTECTED = {"chapters": "the build reads it: outputs there would be taken for inputs",
             "layouts": "the build reads it: outputs there would be taken for inputs",
             "assets": "the build reads it: outputs there would be taken for inputs",
             ".cache": "the build's cache", ".git": "the project's history"}

_WHAT_TO_DO = {
    errno.ENOSPC: "no space left on the disk: free some space, or choose a folder on another disk with --out, "
                  "and build again",
    errno.EDQUOT: "the disk quota is used up: free some space, or choose another folder with --out, and build again",
    errno.EFBIG: "the file is larger than the file system (or a size limit) allows: free some space or choose "
                 "another folder with --out",
    errno.EROFS: "the file system is read-only: choose a writable folder with --out",
    errno.EACCES: "permission denied: make it writable for this user, or choose another folder with --out",
    errno.EPERM: "the operation is not permitted here: choose another folder with --out",
    errno.ENAMETOOLONG: "the name is too long for the file system: choose a shorter folder with --out, or a "
                        "shorter output_name in publish.toml",
    errno.ENOTDIR: "a part of this path is a file, not a folder: move that file away or choose another folder "
                   "with --out",
    errno.EEXIST: "this is a file, not a folder: move it away or choose another folder with --out",
    errno.EISDIR: "this is a folder where the build writes a file: move the folder away, or choose another "
                  "folder with --out",
    errno.ENOENT: "no such file or folder (was it moved or deleted during the build?): check the path and build "
                  "again",
    errno.ELOOP: "too many symbolic links (or a link where the build allows none): remove the link",
    errno.EIO: "the disk reported an input/output error: check the disk, then build again",
    errno.EBUSY: "the file or folder is busy: close what uses it and build again",
    errno.ETXTBSY: "the file is in use: close what uses it and build again",
    errno.EMLINK: "the folder holds too many entries: choose another folder with --out",
    errno.EXDEV: "the output folder spans two file systems: choose a folder on one disk with --out",
}
USER_ERRNOS = frozenset(_WHAT_TO_DO)
# For a file the build reads rather than writes, another folder for the outputs is no help.
_WHAT_TO_DO_READING = {
    errno.EACCES: "permission denied: give this user access to it",
    errno.EPERM: "the operation is not permitted on this file: check its permissions",
    errno.ENAMETOOLONG: "the name is too long for the file system: give it a shorter name",
    errno.ENOTDIR: "a part of this path is a file, not a folder: check the path",
    errno.EEXIST: "this is a file where a folder is expected: check the path",
    errno.EISDIR: "this is a folder where a file is expected: check the path",
}


def filesystem_error(error: OSError, path: Path | str | None = None, doing: str = "",
                     writing: bool = True) -> InputError | None:
    """The user-facing error for a file-system failure, naming `path` (or the error's own file), or None
    when the failure is not one a user can fix (then it is ours). `writing`: the path is the build's to
    write (then the advice may be another output folder)."""
    if error.errno not in USER_ERRNOS:
        return None
    what = _WHAT_TO_DO[error.errno] if writing else _WHAT_TO_DO_READING.get(error.errno, _WHAT_TO_DO[error.errno])
    if doing:
        what = f"{doing}: {what}"
    return InputError(what, path if path is not None else (error.filename or None))


def shown_outside_staging(path: Path | str | None, out_dir: Path) -> Path | str | None:
    """A path inside a staging folder means nothing to a user: name the output folder instead."""
    if path is not None and STAGING_PREFIX in str(path):
        return out_dir
    return path


# ---- which folder ----------------------------------------------------------------------------------------

def output_folder_for(root: Path, requested: Path | None) -> Path:
    """The resolved output folder for project `root` (resolved) and `--out` (None: dist/), or an InputError
    saying why it cannot be one."""
    explicit = requested is not None
    asked = Path(os.path.abspath(requested)) if explicit else root / "dist"
    shown = asked if explicit else Path("dist")
    try:
        resolved = asked.resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise InputError("the output folder is a loop of symbolic links: remove the link, or choose another "
                         "folder with --out", asked) from None
    if not explicit and not resolved.is_relative_to(root):
        raise InputError(f"dist/ is a symbolic link to {resolved}, outside the project: the build writes there "
                         f"only when asked; remove the link, or build there with --out {resolved}",
                         root / "dist")
    refuse_protected(root, resolved, shown)
    if os.path.lexists(resolved) and not resolved.is_dir():
        raise InputError("the output folder is a file, not a folder: move the file away or choose another "
                         "folder with --out", asked)
    return resolved


def refuse_protected(root: Path, folder: Path, shown: Path | str) -> None:
    """Refuse an output folder that is the project itself or inside one of its input folders."""
    if folder == root:
        raise InputError("the output folder is the project folder itself: the outputs would mix with the "
                         "sources; build into dist/ (leave out --out) or choose another folder with --out",
                         shown)
    for name, why in PROTECTED.items():
        base = root / name
        for protected in {base, base.resolve()}:
            if folder == protected or folder.is_relative_to(protected):
                raise InputError(f"the output folder is inside the project's {name}/ folder ({why}): choose "
                                 "another folder with --out", shown)


def check_clinic_folder(root: Path, out_dir: Path, folder: Path) -> None:
    """A clinic's folder under the output folder: a real folder in it, not a link that leads elsewhere."""
    if folder == out_dir:
        return
    if os.path.islink(folder) or not folder.resolve().is_relative_to(out_dir):
        raise InputError(f"this folder is a symbolic link to {folder.resolve()}, out of the output folder: "
                         "remove the link (the build makes the folder itself)", folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise InputError("this is a file where the build makes a clinic's folder: move it away or choose "
                         "another folder with --out", folder)
    refuse_protected(root, folder.resolve(), folder)


# ---- what the build made -----------------------------------------------------------------------------------

def read_manifest(out_dir: Path) -> set[str]:
    """The names (relative to the output folder) of the outputs builds wrote there; empty when unreadable."""
    path = out_dir / MANIFEST_NAME
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MANIFEST_LIMIT:
            return set()
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name for name in data.get("outputs", []) if isinstance(name, str)}
    except (OSError, ValueError, AttributeError):
        return set()


def manifest_bytes(names: set[str]) -> bytes:
    return (json.dumps({"written by": "handout (publish.py): the outputs a build made in this folder",
                        "outputs": sorted(names)}, indent=1) + "\n").encode()


def clean_stale_staging(out_dir: Path) -> None:
    """Delete what killed builds left: staging folders that carry the marker, and in them only files named
    as the build names them. Anything else (a user's file, a folder without the marker) stays."""
    try:
        entries = list(out_dir.iterdir())
    except OSError:
        return
    for folder in entries:
        if folder.name.startswith(STAGING_PREFIX):
            remove_staging_folder(folder)


def remove_staging_folder(folder: Path, made_here: bool = False) -> None:
    """Remove a staging folder a build made (it carries the marker, or this process made it): its files
    named as the build names them, the marker, then the folder if nothing else is in it."""
    marker = folder / STAGING_MARKER
    try:
        if folder.is_symlink() or not folder.is_dir():
            return
        if not os.path.lexists(marker):
            folder.rmdir()  # killed before it wrote the marker: removed only when empty
            return
        if marker.is_symlink() or not marker.is_file():
            return
        if not made_here and (marker.stat().st_size != len(MARKER_TEXT)
                              or marker.read_text(errors="replace") != MARKER_TEXT):
            return
        for entry in folder.iterdir():
            if STAGED_FILE.fullmatch(entry.name) and not entry.is_symlink() and entry.is_file():
                entry.unlink()
        marker.unlink()
        folder.rmdir()  # fails, and keeps the folder, when anything else is in it
    except OSError:
        pass


class StagingFolder:
    """One build's temporary files, in a marked folder inside the output folder (so renames stay on one
    file system)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.folder: Path | None = None
        self.count = 0

    def _ensure(self) -> Path:
        if self.folder is None:
            folder = self.out_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
            folder.mkdir()
            self.folder = folder
            (folder / STAGING_MARKER).write_text(MARKER_TEXT)
        return self.folder

    def new_name(self, suffix: str) -> Path:
        """A name in the staging folder that nothing has yet."""
        self.count += 1
        return self._ensure() / f"{self.count}.{suffix}"

    def new_file(self, suffix: str = "part") -> Path:
        path = self.new_name(suffix)
        with open(path, "xb"):
            pass
        return path

    def path(self, name: str) -> Path:
        return self._ensure() / name

    def remove(self) -> None:
        if self.folder is not None:
            remove_staging_folder(self.folder, made_here=True)  # even if its marker could not be written
            self.folder = None


# ---- outputs no longer planned ------------------------------------------------------------------------------

_DRAFT = re.compile(r"-draft(\.[^./]+)$")


def _final_name(name: str) -> str:
    """An output's name without the draft mark (`x-draft.pdf`: `x.pdf`): a draft and a final build of the same
    configuration plan the same outputs, each leaving the other's files alone."""
    return _DRAFT.sub(r"\1", name)


def remove_stale(out_dir: Path, planned: set[str]) -> list[Path]:
    """Delete the outputs a build recorded in `out_dir`'s list (MANIFEST_NAME) that the configuration no longer
    plans (`planned`: names relative to `out_dir`), then the folders they leave empty; record the planned
    outputs that exist. A file the list does not name (a user's) is never touched. Returns what was removed."""
    recorded = read_manifest(out_dir)
    wanted = {_final_name(name) for name in planned}
    removed: list[Path] = []
    kept = set()
    for name in sorted(recorded):
        path = out_dir / name
        if _final_name(name) in wanted or ".." in Path(name).parts or Path(name).is_absolute():
            kept.add(name)
            continue
        try:
            if os.path.islink(path) or path.is_file():
                os.unlink(path)
                removed.append(path)
            elif os.path.lexists(path):
                kept.add(name)  # a folder now stands there: not ours to remove
                continue
        except OSError:
            kept.add(name)
            continue
        folder = path.parent
        while folder != out_dir and folder.is_relative_to(out_dir):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    names = kept | {name for name in planned if os.path.lexists(out_dir / name)}
    if names != recorded:
        path = out_dir / MANIFEST_NAME
        temporary = out_dir / (MANIFEST_NAME + ".part")
        try:
            temporary.write_bytes(manifest_bytes(names))
            os.replace(temporary, path)
        except OSError as error:
            raise filesystem_error(error, path, "could not be written") or error from None
    return removed
