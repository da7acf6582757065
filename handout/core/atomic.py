"""Atomic writes: a file is written whole under a temporary name, then renamed over its final name, so a
reader (or a build that was killed) sees the old file or the new one, never half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, temporary: Path | None = None) -> None:
    """Write `data` to `path` through `temporary` (by default a new hidden file in the same folder, made
    with the folder if need be) and a rename; the temporary file is removed when the write fails."""
    if temporary is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        temporary = Path(name)
    else:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
