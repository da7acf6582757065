"""The machinery of publish.toml's schema: an `Option` (a setting's type, default or that it is required, help
and validation, with advice for a date written another way) and a `Table` of options, the settings class it
becomes. The settings themselves are declared in settings.py (`SCHEMA`), which also loads a project's file."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handout.core.errors import InputError, refuse_control_characters

REQUIRED = object()  # the default of an option that must be set


@dataclass(frozen=True)
class Option:
    """One setting: its type, its default (REQUIRED: none), its help and its check."""
    kind: type | tuple[type, ...]
    default: Any = REQUIRED
    help: str = ""
    check: Any = None  # callable(value) -> error message or None
    fallback: str = ""  # when empty, the settings object holds this top-level setting's value instead

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def annotation(self) -> str:
        return "tuple[str, ...]" if self.kind is list else getattr(self.kind, "__name__", "object")

    def validate(self, value: Any, dotted: str, path: Path, line: int | None) -> Any:
        """`value` as the settings object holds it (a list as a tuple), or InputError naming `dotted`."""
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        # TOML datetimes are dates too, but a date must not carry a time of day.
        ok = isinstance(value, kinds) and not (dt.date in kinds and isinstance(value, dt.datetime))
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        if not ok:
            raise InputError(f"'{dotted}' must be {_type_name(self.kind)}, not {type(value).__name__}"
                             + _date_advice(self.kind, value, dotted), path, line)
        if self.kind is list and not all(isinstance(item, str) for item in value):
            raise InputError(f"'{dotted}' must be a list of strings", path, line)
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                refuse_control_characters(text, f"'{dotted}'", path, line)
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise InputError(f"'{dotted}' {problem}" if problem.startswith("must") else f"'{dotted}': {problem}",
                                 path, line)
        return _held(value)


def _date_advice(kind, value: Any, dotted: str) -> str:
    """What to write instead when a date is given as text ("2026-10-15" in quotes, 15/10/2026)."""
    if kind is not dt.date or not isinstance(value, str):
        return ""
    return f": write it without quotes, as {dotted.rsplit('.', 1)[-1]} = {_iso_guess(value)}"


def _iso_guess(text: str) -> str:
    """A date as TOML writes it (YYYY-MM-DD) from the ways people write dates: 2026-9-1, 15/10/2026,
    10/15/2026 (when the day and month cannot be told apart, both readings)."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _valid_iso(year, month, day) or "2026-10-15 (year, month, day)"
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        readings = [iso for iso in (_valid_iso(year, second, first), _valid_iso(year, first, second)) if iso]
        if readings:
            return " or ".join(dict.fromkeys(readings)) + " (year, month, day)"
    return "2026-10-15 (year, month, day)"


def _valid_iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def _held(value: Any) -> Any:
    if isinstance(value, dict):  # a free-form table ([check.rules]): its (key, value) pairs, in file order
        return tuple(value.items())
    return tuple(value) if isinstance(value, list) else value


class Table(dict):
    """A table of options ([name]) and the settings class it becomes: `name` the class, `attribute` the
    field of the enclosing settings that holds it (default: the key), `many` when it may also be an array of
    tables ([[name]]), held as a tuple of objects. `properties` are added to the class as they are."""

    def __init__(self, name: str, options: dict[str, Any], doc: str = "", *, attribute: str = "",
                 many: bool = False, properties: dict[str, property] | None = None):
        super().__init__(options)
        self.name, self.doc, self.attribute, self.many = name, doc, attribute, many
        self.properties = properties or {}


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", list: "a list", dt.date: "a date (YYYY-MM-DD)", int: "a whole number",
             bool: "true or false", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
