"""The built-in theme: the layouts, stylesheets and default figures that ship with the toolchain.

A project needs only `publish.toml` and `chapters/`. Any file of the theme (`layouts/...`, `assets/...`) can be
overridden file by file: a file of the same path in the project wins (the Hugo and MkDocs convention). The
theme is the repository's own top-level `layouts/` and `assets/`, installed with the package as
`handout/builtin_theme/` (pyproject.toml); in a checkout (or an editable install) it is read from the repository.
Builds read the theme's folder read-only, through the same sandbox as the project's files.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handout.core.inherit import library_theme_roots

THEME_FOLDERS = ("layouts", "assets")


@lru_cache(maxsize=1)
def theme_folder() -> Path:
    """The folder holding the built-in theme's `layouts/` and `assets/`."""
    here = Path(__file__).resolve().parent.parent  # the package's folder, handout/
    for candidate in (here / "builtin_theme", here.parent):  # installed package data; a checkout of the repository
        if (candidate / "layouts" / "base.html").is_file() and (candidate / "assets" / "css" / "base.css").is_file():
            return candidate
    raise RuntimeError(f"the built-in theme is missing from {here} (reinstall the package)")


def theme_roots() -> tuple[Path, ...]:
    """The theme's folders, for the sandbox to admit (read-only)."""
    return tuple(theme_folder() / name for name in THEME_FOLDERS)


def find(root: Path, relative: str) -> Path:
    """The file a project-relative path (`assets/css/base.css`) names: the project's own when it has one (or
    something in its way: a link, a folder, which the sandbox then judges), else the theme's, else the project
    path (for the error to name)."""
    own = root / relative
    if own.exists() or own.is_symlink():
        return own
    for folder in library_theme_roots(root):  # a handout in a library: the library's theme file next
        shared = folder.parent / relative
        if relative.split("/", 1)[0] == folder.name and shared.is_file():
            return shared
    builtin = theme_folder() / relative
    if relative.split("/", 1)[0] in THEME_FOLDERS and builtin.is_file():
        return builtin
    return own


def theme_files() -> dict[str, Path]:
    """Every file of the theme, by its project-relative name."""
    base = theme_folder()
    return {path.relative_to(base).as_posix(): path for folder in THEME_FOLDERS
            for path in sorted((base / folder).rglob("*")) if path.is_file()
            and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(base).parts)}
