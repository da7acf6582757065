"""A library of handouts: a folder with a `library.toml` at its root and one handout project per subfolder.

This layer sits above the build: it finds a library's handouts, builds them all through the build
(handout/build/run.py, one pool of workers), reads their review state (`status`), and writes what covers the
whole collection: the catalog pages, the OPDS feeds and the FHIR bundle. What a handout inherits from the
library (settings, references, theme) is read where a handout's settings are read (handout/core/inherit.py).

Nothing below this package imports it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from handout.config.settings import CONFIG_NAME, check_library
from handout.core.errors import InputError
from handout.core.inherit import LIBRARY_FILE, LIBRARY_TABLE, read_library
from handout.core.sourcelines import TomlLocator

LIBRARY_KEYS = {"title": "the library's name, on its catalog pages and feeds",
                "description": "one line about the collection, under its name on the catalog pages"}
DIST = "dist"
NOT_HANDOUTS = {DIST, "layouts", "assets", "node_modules"}


@dataclass(frozen=True)
class Library:
    root: Path
    title: str
    description: str
    online_url: str
    handouts: tuple[str, ...]   # the handouts' folder names, in order
    warnings: tuple[str, ...] = ()

    def handout(self, name: str) -> Path:
        return self.root / name

    @property
    def dist(self) -> Path:
        return self.root / DIST


def is_library(folder: Path) -> bool:
    """A folder with a library.toml and no publish.toml of its own."""
    return (folder / LIBRARY_FILE).is_file() and not (folder / CONFIG_NAME).exists()


def load_library(root: Path) -> Library:
    """The library in folder `root`: its own settings ([library] in library.toml) and its handouts (each
    subfolder with a publish.toml, in name order)."""
    data, text = read_library(root)
    path = root / LIBRARY_FILE
    # The settings its handouts inherit, checked once at their lines: a bad one stops every command at the
    # library's root before anything is planned or written (not once per handout, and no catalog of nothing).
    check_library(path)
    where = TomlLocator(text)
    own = data.get(LIBRARY_TABLE, {})
    if not isinstance(own, dict):
        raise InputError(f"'{LIBRARY_TABLE}' must be a table ([{LIBRARY_TABLE}])", path, where.line(LIBRARY_TABLE))
    warnings = [f"{LIBRARY_FILE}:{where.line(f'{LIBRARY_TABLE}.{key}') or 1}: unknown key '{LIBRARY_TABLE}.{key}' "
                f"(ignored; [library] takes {', '.join(LIBRARY_KEYS)})" for key in own if key not in LIBRARY_KEYS]
    for key in LIBRARY_KEYS:
        if not isinstance(own.get(key, ""), str):
            raise InputError(f"'{LIBRARY_TABLE}.{key}' must be a string ({LIBRARY_KEYS[key]})", path,
                             where.line(f"{LIBRARY_TABLE}.{key}"))
    online = data.get("online_url", "")
    if not isinstance(online, str):
        raise InputError("'online_url' must be a string: the web address the library's dist/ is put at", path,
                         where.line("online_url"))
    handouts = tuple(sorted(entry.name for entry in root.iterdir()
                            if entry.is_dir() and not entry.name.startswith(".") and entry.name not in NOT_HANDOUTS
                            and (entry / CONFIG_NAME).is_file()))
    return Library(root=root, title=own.get("title") or root.name, description=own.get("description", ""),
                   online_url=online, handouts=handouts, warnings=tuple(warnings))


def chosen(library: Library, names: tuple[str, ...]) -> tuple[str, ...]:
    """The handouts named (all when none is), each checked to be one of the library's."""
    for name in names:
        if name.rstrip("/") not in library.handouts:
            raise InputError(f"'{name}' is not a handout of this library (a subfolder with a {CONFIG_NAME}); its "
                             f"handouts: {', '.join(library.handouts) or 'none yet (handout new NAME makes one)'}",
                             library.root / LIBRARY_FILE)
    return tuple(dict.fromkeys(name.rstrip("/") for name in names)) or library.handouts


def handout_name_problem(name: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        return "a handout's folder name takes lower-case letters, digits and '-' (it is part of its web address)"
    if name in NOT_HANDOUTS:
        return f"'{name}' is a folder the library keeps for itself"
    return None


def check_names(library: Library) -> None:
    if not library.handouts:
        raise InputError("this library has no handouts yet: make one with `handout new NAME` (a subfolder with "
                         "its own publish.toml)", library.root / LIBRARY_FILE)
