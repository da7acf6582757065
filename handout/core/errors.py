"""Errors a user can cause, reported as one line naming the file (and line), and the Diagnostic they carry.

A `Diagnostic` is a problem as data: a stable code (`citations.unknown-key`, `config.bad-value`), a level,
the file and line, the message and what to do. The loader, the sandbox, the configuration and the checks all
produce them; nothing reads a message's text to learn what kind of problem it is.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from handout.core.sourcelines import line_at

LEVELS = ("error", "warning", "info")

# Control characters other than tab and new line: not allowed in XML, so they would break the EPUB.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a project: what kind (`code`), how bad (`level`), where, and what to do."""
    code: str
    level: str
    message: str
    path: Path | None = None
    line: int | None = None
    hint: str = ""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}")


class Note(str):
    """A warning as its `file:line: message` text that also carries its Diagnostic (`.diagnostic`), so whoever
    reports it as data never reads the text. `shown` is the file as the user knows it (relative to the
    project)."""

    diagnostic: Diagnostic

    def __new__(cls, diagnostic: Diagnostic, shown: str):
        where = f"{shown}:{diagnostic.line}" if diagnostic.line else shown
        note = super().__new__(cls, f"{where}: {diagnostic.message}")
        note.diagnostic = diagnostic
        return note

    def __reduce__(self):
        return (_rebuild_note, (self.diagnostic, str(self)))


def _rebuild_note(diagnostic: Diagnostic, text: str) -> "Note":
    note = str.__new__(Note, text)
    note.diagnostic = diagnostic
    return note


class InputError(Exception):
    """Bad input: exits with status 2 and a `file:line: message` line, never a traceback. It carries a
    Diagnostic's fields: `code` says what kind of problem it is (default `input`), `hint` what to do when the
    message does not say it already."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 code: str = "input", hint: str = ""):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.code = code
        self.hint = hint

    def __reduce__(self):
        # Keep the file, line and code when the error crosses from a worker process to the build.
        return (_rebuild_input_error, (type(self), self.message, self.path, self.line, self.code, self.hint,
                                       self._extra()))

    def _extra(self) -> dict:
        return {}

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, "error", self.message, self.path, self.line, self.hint)

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

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None, url: str = "",
                 code: str = "sandbox.outside", hint: str = ""):
        super().__init__(message, path, line, code, hint)
        self.url = url

    def _extra(self) -> dict:
        return {"url": self.url}


def _rebuild_input_error(kind, message, path, line, code, hint, extra):
    error = kind.__new__(kind)
    InputError.__init__(error, message, path, line, code, hint)
    error.__dict__.update(extra)
    return error


def decode_utf8(raw: bytes, path: Path | str | None) -> str:
    """A file's bytes as text, or an InputError naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("file is not UTF-8 text (save it as UTF-8)", path, line_at(raw, error.start)) from None


def refuse_control_characters(value: str, what: str, path: Path | str | None, line: int | None = None, *,
                              whole_file: bool = False) -> None:
    """Refuse text holding an invisible control character (it often comes from pasted text): a setting or a
    value at `line`, or (`whole_file`) a file's text, naming the line the character is on."""
    found = CONTROL_CHARACTER.search(value)
    if found:
        raise InputError(f"{what} holds an invisible control character (U+{ord(found.group()):04X}): delete it "
                         "(it often comes from pasted text)", path, line_at(value, found.start()) if whole_file else line)
