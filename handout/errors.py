"""Errors a user can cause, reported as one line naming the file (and line)."""
from __future__ import annotations

import os
import re
from pathlib import Path

# Control characters other than tab and new line: not allowed in XML, so they would break the EPUB.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class InputError(Exception):
    """Bad input: exits with status 2 and a `file:line: message` line, never a traceback."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __reduce__(self):
        # Keep the file and line when the error crosses from a worker process to the build.
        return (type(self), (self.message, self.path, self.line))

    def where(self, root: Path | None = None) -> str:
        """The `file:line` prefix, with the file relative to the project when possible."""
        if self.path is None:
            return ""
        shown = shown_path(self.path, root) if root is not None else str(self.path)
        return f"{shown}:{self.line}" if self.line else shown

    def format(self, root: Path | None = None) -> str:
        where = self.where(root)
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.format()


def shown_path(path: Path, root: Path) -> str:
    """`path` as a user knows it: relative to the project folder `root` as written (a link is named, not
    where it leads), else after resolving symlinks, else as it is."""
    for base, candidate in ((Path(os.path.normpath(root.absolute())), Path(os.path.normpath(path.absolute()))),
                            (root.resolve(), path.resolve())):
        if candidate.is_relative_to(base):
            return candidate.relative_to(base).as_posix() or "."
    return str(path)


class SandboxError(InputError):
    """A chapter, layout or asset asked for something outside the project."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None, url: str = ""):
        super().__init__(message, path, line)
        self.url = url

    def __reduce__(self):
        return (type(self), (self.message, self.path, self.line, self.url))


def decode_utf8(raw: bytes, path: Path | str | None) -> str:
    """A file's bytes as text, or an InputError naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("file is not UTF-8 text (save it as UTF-8)", path,
                         raw.count(b"\n", 0, error.start) + 1) from None


def line_of(text: str, needle: str, start_line: int = 1) -> int | None:
    """The 1-based line of the first occurrence of `needle` in `text`, offset by `start_line`."""
    index = text.find(needle)
    if index < 0:
        return None
    return text.count("\n", 0, index) + start_line


def refuse_control_characters(value: str, what: str, path: Path | str | None, line: int | None) -> None:
    """Refuse text holding an invisible control character (it often comes from pasted text)."""
    found = CONTROL_CHARACTER.search(value)
    if found:
        raise InputError(f"{what} holds an invisible control character (U+{ord(found.group()):04X}): delete it",
                         path, line)
