"""The body font, Atkinson Hyperlegible, from the fontpkg-atkinson-hyperlegible package.

Both outputs embed it, so the text face never depends on the fonts a machine has.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import fontpkg_atkinson_hyperlegible as package

FAMILY = package.FAMILY
FONT_DIR = package.ROOT / "files"


@dataclass(frozen=True)
class FontFile:
    path: Path
    weight: int
    style: str


def font_files() -> tuple[FontFile, ...]:
    """Every static face of the family, as the package's metadata lists them."""
    meta = json.loads((package.ROOT / "metadata.json").read_text(encoding="utf-8"))
    return tuple(FontFile(package.ROOT / entry["path"], int(entry["weight"]), entry["style"])
                 for entry in meta["files"] if not entry.get("variable"))


def font_face_css(url_for: Callable[[FontFile], str]) -> str:
    """`@font-face` rules for the family, with each file's URL given by the target."""
    rules = []
    for face in font_files():
        rules.append(
            "@font-face {\n"
            f'  font-family: "{FAMILY}";\n'
            f"  font-weight: {face.weight};\n"
            f"  font-style: {face.style};\n"
            f'  src: url("{url_for(face)}") format("truetype");\n'
            "}\n")
    return "".join(rules)
