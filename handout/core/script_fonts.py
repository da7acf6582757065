"""The font families of every script a handout is written in, their character maps, and the faces a document
embeds: only the characters it uses (fontTools' subsetter), as static regular and bold faces (and italic where
the family has one), so a Chinese EPUB carries a few hundred glyphs, not a 20 MB font.

Families: Atkinson Hyperlegible (fontpkg-atkinson-hyperlegible), Noto Sans for the Latin letters it lacks, such
as Vietnamese (fontpkg-noto-sans), IBM Plex Sans Arabic (fontpkg-ibm-plex-sans-arabic), Noto Sans CJK SC (Debian's
fonts-noto-cjk, scripts/system-deps.sh). The English and Spanish handouts keep Atkinson Hyperlegible's files
whole, as handout/fonts.py embeds them.

A character that none of a language's families covers stops the build (`uncovered`): no system font is ever
drawn in its place.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from handout.core.fonts import FAMILY as ATKINSON
from handout.core.fonts import FontFile, font_files
from handout.core.store import key_folder

CJK_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
WEIGHTS = (400, 700)
# The families installed as Python packages (pyproject.toml), by the module that holds them.
PACKAGES = {"Noto Sans": "fontpkg_noto_sans", "IBM Plex Sans Arabic": "fontpkg_ibm_plex_sans_arabic"}


@dataclass(frozen=True)
class Source:
    """One face of a family as shipped: a file, the face's index in a collection, and whether it varies."""
    path: Path
    weight: int
    style: str
    index: int = 0
    variable: bool = False


class MissingFont(Exception):
    """A family's files are not installed."""


def _package(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingFont(f"the font package {module.replace('_', '-')} is not installed: run "
                          "`pip install -e .` again") from None


def _packaged(module: str) -> tuple[Source, ...]:
    """The regular and bold faces (and italics) of a fontpkg package: its static files at those weights, else
    its variable files, to be instanced at each."""
    import json

    package = _package(module)
    meta = json.loads((package.ROOT / "metadata.json").read_text(encoding="utf-8"))
    static = [Source(package.ROOT / entry["path"], int(entry["weight"]), entry["style"])
              for entry in meta["files"] if not entry.get("variable") and int(entry["weight"]) in WEIGHTS]
    return tuple(static) or tuple(Source(package.ROOT / entry["path"], weight, entry["style"], variable=True)
                                  for entry in meta["files"] for weight in WEIGHTS)


def _cjk(family: str) -> tuple[Source, ...]:
    from fontTools.ttLib import TTCollection

    sources = []
    for weight, name in ((400, "NotoSansCJK-Regular.ttc"), (700, "NotoSansCJK-Bold.ttc")):
        path = next((folder / name for folder in CJK_DIRS if (folder / name).exists()), None)
        if path is None:
            raise MissingFont(f"{family} is not installed: run scripts/system-deps.sh (Debian's fonts-noto-cjk)")
        collection = TTCollection(str(path), lazy=True)
        index = next(i for i, font in enumerate(collection.fonts) if font["name"].getBestFamilyName() == family)
        sources.append(Source(path, weight, "normal", index))
    return tuple(sources)


@lru_cache(maxsize=None)
def sources(family: str) -> tuple[Source, ...]:
    """The faces of a family as installed."""
    if family == ATKINSON:
        return tuple(Source(face.path, face.weight, face.style) for face in font_files())
    if family in PACKAGES:
        return _packaged(PACKAGES[family])
    if family.startswith("Noto Sans CJK"):
        return _cjk(family)
    raise MissingFont(f"no font family '{family}' is known")


def folders() -> tuple[Path, ...]:
    """The folders the families' files are in (the sandbox lets documents read them), and the subsets'."""
    found = []
    for module in PACKAGES.values():
        try:
            found.append(_package(module).ROOT)
        except MissingFont:
            pass
    return (*found, *(folder for folder in CJK_DIRS if folder.exists()), subset_folder())


@lru_cache(maxsize=None)
def cmap(family: str) -> frozenset[int]:
    """Every code point the family's regular face draws."""
    from fontTools.ttLib import TTFont

    source = next(s for s in sources(family) if s.style == "normal")
    return frozenset(TTFont(str(source.path), fontNumber=source.index, lazy=True).getBestCmap())


def covers(family: str, text: str) -> bool:
    table = cmap(family)
    return all(ord(c) in table for c in text)


def drawn(character: str) -> bool:
    """Whether a character is drawn with a glyph (not white space, a control or a format character such as
    the bidirectional isolates, which a font need not have)."""
    import unicodedata

    return not character.isspace() and unicodedata.category(character) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}


def uncovered(families: tuple[str, ...], text: str) -> list[str]:
    """The characters of `text` that none of `families` draws, each once, in order."""
    tables = [cmap(family) for family in families]
    missing = []
    for character in dict.fromkeys(text):
        if drawn(character) and not any(ord(character) in table for table in tables):
            missing.append(character)
    return missing


@lru_cache(maxsize=1)
def subset_folder() -> Path:
    """Where the cut fonts are kept between builds: this user's own cache folder (beside the cache key), never a
    shared one such as /tmp, where another user could leave a font for a build to embed. A folder that is not
    this user's alone is not used: the cuts then go to a private folder of this process."""
    folder = key_folder() / "fonts"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.lstat()
        if stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o022:
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="handout-fonts-"))


def _subset(source: Source, family: str, characters: str) -> Path:
    """The face cut down to `characters` (with the glyphs its shaping rules reach from them), static at its
    weight; named by what it holds, so the same text gives the same file and the same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    codes = sorted({ord(c) for c in characters} | {0x20})
    key = hashlib.sha256(f"{source}|{codes}".encode()).hexdigest()[:12]
    suffix = ".otf" if source.path.suffix.lower() in {".otf", ".ttc"} else ".ttf"
    stem = family.replace(" ", "") + f"-{source.weight}{'i' if source.style == 'italic' else ''}"
    out = subset_folder() / f"{stem}-{key}{suffix}"
    if out.exists():
        return out
    font = TTFont(str(source.path), fontNumber=source.index, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    if source.variable and "fvar" in font:
        from fontTools.varLib import instancer

        axes = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
        axes["wght"] = source.weight
        font = instancer.instantiateVariableFont(font, axes)
    temporary = out.with_name(f".{out.name}.{os.getpid()}")
    font.save(str(temporary))
    os.replace(temporary, out)
    return out


@dataclass(frozen=True)
class Face:
    family: str
    path: Path
    weight: int
    style: str


def faces(families: tuple[str, ...], characters: str) -> tuple[Face, ...]:
    """The faces a document embeds: Atkinson Hyperlegible's files whole, the other families cut to the
    characters of the document that they draw (and that no family before them does)."""
    out, left = [], "".join(dict.fromkeys(characters))
    for family in families:
        table = cmap(family)
        own = "".join(c for c in left if ord(c) in table)
        left = "".join(c for c in left if ord(c) not in table)
        if family == ATKINSON:
            out += [Face(family, face.path, face.weight, face.style) for face in font_files()]
            continue
        out += [Face(family, _subset(source, family, own), source.weight, source.style)
                for source in sources(family)]
    return tuple(out)


def font_face_css(found: tuple[Face, ...], url_for) -> str:
    """`@font-face` rules for `found`, each file's URL given by the target (`url_for(path)`)."""
    rules = []
    for face in found:
        kind = "opentype" if face.path.suffix == ".otf" else "truetype"
        rules.append("@font-face {\n"
                     f'  font-family: "{face.family}";\n'
                     f"  font-weight: {face.weight};\n"
                     f"  font-style: {face.style};\n"
                     f'  src: url("{url_for(face.path)}") format("{kind}");\n'
                     "}\n")
    return "".join(rules)


def as_font_file(face: Face) -> FontFile:
    return FontFile(face.path, face.weight, face.style)
