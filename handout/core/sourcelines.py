"""Source lines: which line of a file a problem is on, worked out one way for every kind of file.

Lines count from 1. A text that is part of a file (a chapter's body, front matter) is given with the line it
starts on (`first_line`), so the line returned is the file's.

- `line_at(text, index)`: the line a character (or byte) offset is on.
- `line_of(text, needle)`: the line of the first occurrence of `needle`, None when there is none;
  `line_of_any` tries several needles in turn, `line_of_folded` ignores case.
- `Occurrences(text).line(needle)`: the line of a needle's next occurrence each time it is asked for (the
  loader's problems, found in reading order, each at its own line).
- `key_lines(text)`: the line of each top-level `key:` of a YAML mapping (references.yaml).
- `TomlLocator(text).line("table.key")`: the line that sets a key of a TOML file (publish.toml).
"""
from __future__ import annotations

import re
from typing import Iterable


def line_at(text: str | bytes, index: int, first_line: int = 1) -> int:
    """The line of `text` that offset `index` is on, counting `text`'s first line as `first_line`."""
    return text.count(b"\n" if isinstance(text, bytes) else "\n", 0, index) + first_line


def line_of(text: str, needle: str, first_line: int = 1) -> int | None:
    """The line of the first occurrence of `needle` in `text`, None when it does not occur."""
    index = text.find(needle)
    return None if index < 0 else line_at(text, index, first_line)


def line_of_any(text: str, needles: Iterable[str], first_line: int = 1) -> int | None:
    """The line of the first of `needles` (skipping empty ones) that occurs in `text`, None when none does."""
    for needle in needles:
        line = line_of(text, needle, first_line) if needle else None
        if line:
            return line
    return None


def line_of_folded(text: str, needle: str, first_line: int = 1) -> int | None:
    """`line_of` ignoring case (`<IMG` finds `<img`)."""
    return line_of(text.lower(), needle.lower(), first_line)


class Occurrences:
    """Lines of a text's needles in order: the k-th time a needle is asked for, the line of its k-th
    occurrence (the last one when there are fewer); `first_line` when it does not occur. The first time is
    the line of the first occurrence, as `line_of` finds it. The first of several needles that occurs is
    used."""

    def __init__(self, text: str, first_line: int = 1):
        self.text, self.first_line, self.asked = text, first_line, {}

    def line(self, *needles: str) -> int:
        for needle in needles:
            starts = [m.start() for m in re.finditer(re.escape(needle), self.text)] if needle else []
            if starts:
                index = self.asked[needle] = self.asked.get(needle, -1) + 1
                return line_at(self.text, starts[min(index, len(starts) - 1)], self.first_line)
        return self.first_line


_YAML_KEY = re.compile(r"^['\"]?([A-Za-z0-9_-]+)['\"]?\s*:", re.M)


def key_lines(text: str) -> dict[str, int]:
    """The line of each key that starts a line of a YAML mapping (`key:`, `'key':`), by key."""
    return {match.group(1): line_at(text, match.start()) for match in _YAML_KEY.finditer(text)}


class TomlLocator:
    """Finds the line of a key in a TOML text, so errors can point at it: `line("clinic.logo")` is the line
    that sets `logo` under `[clinic]` (or `[[clinic]]`), `line("review")` the line of the `[review]` header;
    None when the text does not set it."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line(self, dotted: str, index: int = 0) -> int | None:
        """`index`: in an array of tables ([[clinic]]), the line in its `index`-th table (0: the first)."""
        *tables, key = dotted.split(".")
        table = ".".join(tables)
        current, seen = "", {}
        for number, raw in enumerate(self.lines, 1):
            stripped = raw.strip()
            header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
            if header:
                current = header.group(1)
                seen[current] = seen.get(current, -1) + 1
                if current == dotted and seen[current] == index:
                    return number
                continue
            if current == table and seen.get(current, 0) == index and re.match(rf"{re.escape(key)}\s*=", stripped):
                return number
        return None
