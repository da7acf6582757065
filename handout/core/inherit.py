"""What a handout inherits from the library it lies in.

A library is a folder with a `library.toml` at its root and one handout (a project folder with its own
`publish.toml`) per subfolder. The library holds what its handouts share; a handout's own setting wins:

- settings: `library.toml` takes any key of publish.toml. A handout inherits every key it leaves out; a table
  it sets (`[check]`, `[crisis]`) is merged key by key with the library's, its own keys winning; a value that
  is not a table (a string, a list, `[[clinic]]`: the list of clinics) replaces the library's whole.
  `online_url` is the exception: the library's is the base of its handouts' addresses, and a handout that
  sets none is at `<library online_url>/<handout folder>/`.
- sources: the library's `references.yaml` holds entries every handout may cite; a handout's
  `chapters/references.yaml` adds its own, and its entry wins over the library's of the same key.
- the jargon list: a handout (or a translation) with no list of its own (`check.jargon_file`, by default
  `chapters/jargon.txt`) uses the library's `jargon.txt` (a translation: `translations/<tag>/jargon.txt`).
- the theme: the library's `layouts/` and `assets/` override the built-in theme file by file, and a
  handout's own file overrides the library's (`find` in handout/core/theme.py).

The library's own table `[library]` (its title, for the catalog) is not a handout's setting: handout/library/
reads it. This module only finds the library and merges; the commands that act on a whole library live in
handout/library/, above the build.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from handout.core.errors import InputError, decode_utf8
from handout.core.sourcelines import TomlLocator

LIBRARY_FILE = "library.toml"
LIBRARY_TABLE = "library"        # the library's own settings: not inherited
LIBRARY_REFERENCES = "references.yaml"
LIBRARY_BYTES = 1_000_000


def library_of(root: Path) -> Path | None:
    """The library folder a handout folder lies in (its parent, holding library.toml), or None."""
    parent = Path(root).absolute().parent
    return parent if (parent / LIBRARY_FILE).is_file() else None


def read_library(folder: Path) -> tuple[dict, str]:
    """The parsed library.toml of a library folder and its text; InputError naming it when it is not TOML."""
    path = folder / LIBRARY_FILE
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read it: {error.strerror}", path) from None
    if len(raw) > LIBRARY_BYTES:
        raise InputError(f"{LIBRARY_FILE} is {len(raw) / 1e6:.1f} MB: it holds settings only", path)
    text = decode_utf8(raw, path).removeprefix("\ufeff")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        line = next((int(word) for word in str(error).replace(",", " ").split() if word.isdigit()), None)
        raise InputError(f"invalid TOML: {error}", path, line) from None


def merge(library: dict, own: dict) -> dict:
    """`own` over `library`: tables merged key by key (recursively), any other value of `own` replacing."""
    merged = dict(library)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def inherited(root: Path, own: dict) -> tuple[dict, Path | None]:
    """A handout's settings (parsed publish.toml) with what it inherits from its library, and the library's
    library.toml (None when the handout is in no library)."""
    folder = library_of(root)
    if folder is None:
        return own, None
    library, _ = read_library(folder)
    library = {key: value for key, value in library.items() if key != LIBRARY_TABLE}
    base = library.pop("online_url", "")
    merged = merge(library, own)
    if "online_url" not in own and isinstance(base, str) and base:
        merged["online_url"] = f"{base.rstrip('/')}/{Path(root).absolute().name}/"
    return merged, folder / LIBRARY_FILE


def library_theme_roots(root: Path) -> tuple[Path, ...]:
    """The library's `layouts/` and `assets/` folders (those that exist), for a handout in a library."""
    folder = library_of(root)
    if folder is None:
        return ()
    return tuple(folder / name for name in ("layouts", "assets") if (folder / name).is_dir())


def library_references(root: Path) -> Path | None:
    """The library's shared references.yaml, for a handout in a library that has one."""
    folder = library_of(root)
    if folder is None or not (folder / LIBRARY_REFERENCES).is_file():
        return None
    return folder / LIBRARY_REFERENCES


def library_jargon(root: Path, language: str = "") -> Path | None:
    """The library's jargon list for a handout's source language (`language` empty) or for a translation."""
    folder = library_of(root)
    if folder is None:
        return None
    path = folder / ("jargon.txt" if not language else f"translations/{language}/jargon.txt")
    return path if path.is_file() else None


def library_files(root: Path) -> tuple[Path, ...]:
    """The library's single files a handout may read: its references and its jargon lists."""
    folder = library_of(root)
    if folder is None:
        return ()
    lists = [folder / "jargon.txt", *sorted((folder / "translations").glob("*/jargon.txt"))]
    return tuple(path for path in [folder / LIBRARY_REFERENCES, *lists] if path.is_file())


def blame_library(error: InputError, own: dict, library: Path | None) -> InputError:
    """An error about a setting the handout inherited names library.toml and its line, not publish.toml."""
    found = re.search(r"'([A-Za-z0-9_.-]+)'", error.message)
    if library is None or found is None:
        return error
    keys, here = found.group(1).split("."), own
    for key in keys:
        if not isinstance(here, dict) or key not in here:
            break
        here = here[key]
    else:
        return error  # the handout sets it itself
    _, text = read_library(library.parent)
    error.path, error.line = library, TomlLocator(text).line(found.group(1))
    return error
