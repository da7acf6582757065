"""Staging and the lock: outputs are written beside their final names and renamed into place together, and one
build at a time writes to an output folder."""
from __future__ import annotations

import errno
import fcntl
import os
import stat
from contextlib import contextmanager
from pathlib import Path

from handout.build.outfolder import (
    LOCK_NAME,
    MANIFEST_NAME,
    StagingFolder,
    clean_stale_staging,
    filesystem_error,
    manifest_bytes,
    read_manifest,
)
from handout.core.errors import InputError

# The lock files this process holds open (a forked worker closes them: the lock is the build's).
_HELD_LOCKS: set[int] = set()


def _inside(path: Path | str, folder: Path) -> bool:
    """Whether `path` is `folder` or in it (a clinic's folder of the outputs, say)."""
    try:
        return Path(os.path.abspath(path)).is_relative_to(folder)
    except (TypeError, ValueError):
        return False


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


_ABSENT = object()  # a final file that did not exist before the commit


class Staging:
    """Outputs are written to temporary files in the build's staging folder (inside the output folder) and
    renamed into place only when every one succeeded.

    What `commit` guarantees: each output is at every moment either the previous file, whole, or the new
    one, whole (a rename is atomic). In a folder given with --out (`record`), the list of outputs builds
    made there is updated before the first rename, so they are known as the build's after a kill. When a rename fails midway, the
    outputs already replaced are put back (each previous file is kept as a hard link until the commit
    ends) and those that did not exist are removed: the folder holds the previous outputs, and the error
    says so. Only where the file system refuses hard links, or when the process is killed between two
    renames, can some outputs be the new ones and others the previous ones; the build state is saved
    only after the commit, so the next build makes them again.
    """

    def __init__(self, out_dir: Path, record: bool = True):
        self.out_dir = out_dir
        self.record = record  # keep the folder's list of outputs (dist/ needs none: it is the build's)
        self.files = StagingFolder(out_dir)
        self.pending: list[tuple[Path, Path]] = []

    def temporary(self, final: Path) -> Path:
        path = self.files.new_file()
        self.pending.append((path, final))
        return path

    def scratch(self) -> Path:
        """A temporary file that is never renamed into place."""
        return self.files.new_file()

    def commit(self) -> None:
        if not self.pending:
            return
        previous = read_manifest(self.out_dir)
        if self.record:
            self._write_manifest(previous | {_relative(final, self.out_dir) for _, final in self.pending})
        done: list[tuple[Path, object]] = []
        final = self.out_dir
        try:
            for temporary, final in self.pending:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temporary, 0o644)
                backup = self._keep(final)
                os.replace(temporary, final)
                done.append((final, backup))
        except KeyboardInterrupt:  # Ctrl-C between two renames: the previous outputs go back
            if self._roll_back(done) and self.record:
                self._write_manifest(previous, quiet=True)
            raise
        except OSError as error:
            restored = self._roll_back(done)
            if restored and self.record:
                self._write_manifest(previous, quiet=True)
            kept = ("the previous outputs are kept" if restored else
                    "some outputs of this build are in place, the others are the previous ones; build again")
            mapped = filesystem_error(error, final, "could not be put in place")
            if mapped is None:
                raise
            mapped.message = f"{mapped.message} ({kept})"
            raise mapped from None
        self.pending.clear()

    def _keep(self, final: Path) -> object:
        """A hard link to the file `final` replaces, to put it back if a later rename fails."""
        if not os.path.lexists(final):
            return _ABSENT
        backup = self.files.new_name("old")
        try:
            os.link(final, backup, follow_symlinks=False)
        except OSError:
            return None  # no hard links here: this one cannot be put back
        return backup

    @staticmethod
    def _roll_back(done: list[tuple[Path, object]]) -> bool:
        restored = True
        for final, backup in reversed(done):
            try:
                if backup is _ABSENT:
                    os.unlink(final)
                elif backup is not None:
                    os.replace(backup, final)
                else:
                    restored = False
            except OSError:
                restored = False
        return restored

    def _write_manifest(self, names: set[str], quiet: bool = False) -> None:
        temporary = self.files.path("manifest.part")
        try:
            temporary.write_bytes(manifest_bytes(names))
            os.replace(temporary, self.out_dir / MANIFEST_NAME)
        except OSError as error:
            mapped = filesystem_error(error, self.out_dir / MANIFEST_NAME, "could not be written")
            if quiet:
                return
            if mapped is None:
                raise
            mapped.message += " (the previous outputs are kept)"
            raise mapped from None

    def discard(self) -> None:
        self.pending.clear()
        self.files.remove()


@contextmanager
def build_lock(out_dir: Path):
    """One build at a time per output folder; a second one is told so instead of mixing files."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise (filesystem_error(error, out_dir, "cannot make the output folder")
               if error.errno not in {errno.ENOENT, errno.EEXIST} else
               InputError(f"cannot make the output folder here ({error.strerror}): choose another folder with "
                          "--out", out_dir)) from None
    # Never through a link (a lock file that leads elsewhere would create a file there), never waiting on a
    # named pipe put in its place.
    path = out_dir / LOCK_NAME
    for _attempt in range(5):  # a build that ends removes its lock file: lock the file that is there now
        handle = _open_lock(path)
        _HELD_LOCKS.add(handle.fileno())
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _HELD_LOCKS.discard(handle.fileno())
            handle.close()
            raise InputError(f"another build is writing to {out_dir.name}/ right now: wait for it to finish "
                             "and run this one again", out_dir) from None
        if _same_file(handle, path):
            break
        _HELD_LOCKS.discard(handle.fileno())
        handle.close()
    else:
        raise InputError(f"another build is writing to {out_dir.name}/ right now: wait for it to finish "
                         "and run this one again", out_dir)
    with handle:
        # What killed builds left behind: only their own marked staging folders, never a user's file.
        clean_stale_staging(out_dir)
        try:
            yield
        finally:
            _HELD_LOCKS.discard(handle.fileno())
            if _same_file(handle, path):  # the lock file goes with the build (dist/ keeps outputs only)
                try:
                    os.unlink(path)
                except OSError:
                    pass
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_lock(path: Path):
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as error:
        raise (filesystem_error(error, path, "cannot open the build's lock file") or
               InputError(f"cannot open the build's lock file ({error.strerror}): delete it and build again",
                          path)) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InputError("the build's lock file is not a regular file: delete it and build again", path)
    return os.fdopen(descriptor, "a")


def _same_file(handle, path: Path) -> bool:
    """Whether the lock file open in `handle` is still the one at `path` (not removed by a build that ended)."""
    try:
        here = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(handle.fileno())
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)
