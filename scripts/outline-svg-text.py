#!/usr/bin/env python3
"""Turn a figure's text labels into outlines, shaped as the language's text is, for a right-to-left figure.

    .venv/bin/python scripts/outline-svg-text.py --language ar \\
        translations/ar/figures/treatment-timeline.svg translations/ar/assets/figures/treatment-timeline.svg

WeasyPrint 70 draws an SVG's <text> itself, without a right-to-left paragraph: an Arabic label comes out with
its words in the wrong order, its vowel marks on dotted circles and its anchor misplaced, and a reader that
shows the figure as an <img> draws it in whatever font it has. So an Arabic figure is kept in two files: the
labelled drawing (the one to edit, outside assets/, which no build reads) and the drawing the handout shows,
where each <text> is replaced by the outlines of its glyphs. Each label is laid out by WeasyPrint as HTML text
(Pango and HarfBuzz: joined letters, marks, the right-to-left order of the paragraph) in the language's first
font family (handout/core/language_record.py) at the label's size and weight, drawn to PDF, and the glyphs'
paths read back with poppler's pdftocairo. The label's anchor keeps its meaning: "end" puts the label's right
end at x, "start" its left end, "middle" its centre; its baseline is at y. The figure's <title> and <desc>
stay text, so a screen reader reads it as before.

Needs poppler-utils (pdftocairo; scripts/system-deps.sh) and the project installed (.venv). Not run by a build.
"""
from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
PT_TO_PX = 4 / 3  # the PDF is in points; the figure's units are CSS pixels
INHERITED = ("text-anchor", "font-weight", "font-size", "direction")


def _inherited(element, parents: dict, name: str, default: str) -> str:
    while element is not None:
        if element.get(name) is not None:
            return element.get(name)
        element = parents.get(element)
    return default


def _faces_css(family: str) -> str:
    from handout.core.script_fonts import sources

    return "".join(f"@font-face{{font-family:'{family}';src:url({face.path.as_uri()});font-weight:{face.weight};"
                   f"font-style:{face.style}}}" for face in sources(family) if not face.variable)


def _outline(label: str, size: float, weight: str, rtl: bool, family: str, faces: str, scratch: Path):
    """The label's outline as one path, its origin at the label's left end on its baseline, and its width."""
    from weasyprint import HTML

    page = (f"<style>{faces}@page{{size:4000px 200px;margin:0}}body{{margin:0;font-family:'{family}';"
            f"font-size:{size}px;font-weight:{weight}}}span{{display:inline-block;white-space:nowrap}}</style>"
            f"<body><span dir=\"{'rtl' if rtl else 'ltr'}\">{html.escape(label)}</span></body>")
    document = HTML(string=page).render()
    width = next(box.width for box in _boxes(document.pages[0]._page_box) if type(box).__name__ == "InlineBlockBox")
    pdf, svg = scratch / "label.pdf", scratch / "label.svg"
    document.write_pdf(pdf)
    subprocess.run(["pdftocairo", "-svg", str(pdf), str(svg)], check=True)
    tree = ET.parse(svg).getroot()
    glyphs = {symbol.get("id"): " ".join(path.get("d", "") for path in symbol.iter(f"{{{SVG}}}path"))
              for symbol in tree.iter(f"{{{SVG}}}symbol")}
    uses = [(use.get(f"{{{XLINK}}}href")[1:], float(use.get("x")), float(use.get("y")))
            for use in tree.iter(f"{{{SVG}}}use")]
    if not uses:
        raise SystemExit(f"no glyphs drawn for {label!r}")
    baseline = uses[0][2]
    parts = []
    for ident, x, y in uses:
        numbers = iter(re.split(r"(\s+)", glyphs[ident]))
        out, pair = [], []
        for token in numbers:
            try:
                pair.append(float(token))
            except ValueError:
                out.append(token)
                continue
            if len(pair) == 2:
                px, py = (pair[0] + x) * PT_TO_PX, (pair[1] + y - baseline) * PT_TO_PX
                out.append(f"{px:.1f} {py:.1f}".replace(".0 ", " ").removesuffix(".0"))
                pair = []
        parts.append(re.sub(r"\s+", " ", "".join(out)).strip())
    return " ".join(part for part in parts if part), width


def _boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", required=True, help="the figure's language tag (its fonts and direction)")
    parser.add_argument("source", type=Path, help="the figure with <text> labels")
    parser.add_argument("output", type=Path, help="the figure with outlined labels")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from handout.core.language_record import record

    language = record(args.language)
    family = language.fonts[0]
    faces = _faces_css(family)
    ET.register_namespace("", SVG)
    text = args.source.read_text(encoding="utf-8")
    tree = ET.fromstring(text)
    parents = {child: parent for parent in tree.iter() for child in parent}
    labels = []
    with tempfile.TemporaryDirectory() as scratch:
        for element in tree.iter(f"{{{SVG}}}text"):
            label = "".join(element.itertext()).strip()
            size = float(_inherited(element, parents, "font-size", "16"))
            weight = _inherited(element, parents, "font-weight", "normal")
            anchor = _inherited(element, parents, "text-anchor", "start")
            path, width = _outline(label, size, weight, language.rtl, family, faces, Path(scratch))
            x, y = float(element.get("x", "0")), float(element.get("y", "0"))
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            labels.append((label, f'<path transform="translate({left:.2f} {y:g})" d="{path}"/>'))
    # Replace each <text ...>...</text> of the source, in order, by its outline; everything else is kept as written.
    found = iter(labels)

    def outline(match: re.Match) -> str:
        label, path = next(found)
        return f"{match.group(1)}<!-- {label} -->\n{match.group(1)}{path}"

    result = re.sub(r"(?m)^([ \t]*)<text\b[^>]*>.*?</text>", outline, text)
    result = re.sub(r' (?:font-family|direction|text-anchor)="[^"]*"', "", result)
    args.output.write_text(result, encoding="utf-8")
    print(f"wrote {args.output}: {len(labels)} labels outlined in {family}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
