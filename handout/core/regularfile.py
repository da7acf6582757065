"""Reading a file only when it is a regular file of a sane size (standard library only: the no-op stamp reads
with it before anything else is imported)."""
from __future__ import annotations

import os
import stat


def read_regular(path, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a link, pipe or device) of at most `limit` bytes."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return handle.read(limit + 1)
