"""A figure's words in the language's fonts: the text of every SVG figure (an icon array drawn from a chapter, a
project's own SVG such as a translated timeline) names the families of the language's record
(handout/core/language_record.py, `Language.figure_fonts`), and the font-coverage check reads that text.

An SVG that names another family (the theme's timeline names Atkinson Hyperlegible) would otherwise have its
Chinese, Vietnamese or Arabic labels drawn in whatever font the system has: the silent fallback the coverage
check forbids. Each `font-family` attribute, and each `font-family` declaration of a `style` attribute or
`<style>` element, is given the language's families; a text that inherits no family gets them from the root.
An SVG already in the language's families is returned as it was, byte for byte (an English or Spanish
figure). The `font` shorthand is not read.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

SVG_NS = "http://www.w3.org/2000/svg"
TEXTS = {"text"}                      # the elements whose words are drawn (with their tspan, textPath)
SVG_SPAN = re.compile(r"<svg\b.*?</svg>", re.S)
CSS_FAMILY = re.compile(r"(?<![\w-])font-family\s*:[^;}]*")


def _parse(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def in_family(data: bytes, family: str) -> bytes:
    """The SVG with its text in `family` (a font-family value: "Noto Sans CJK SC, sans-serif"); unchanged, the
    same bytes, when it names no other family; unchanged when it cannot be read (the sandbox refuses it)."""
    from lxml import etree

    root = _parse(data)
    if root is None or _local(root) != "svg":
        return data
    changed = False
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("font-family") not in (None, family):
            element.set("font-family", family)
            changed = True
        style = element.get("style")
        if style and CSS_FAMILY.search(style):
            element.set("style", CSS_FAMILY.sub(f"font-family: {family}", style))
            changed = changed or element.get("style") != style
        if _local(element) == "style" and element.text and CSS_FAMILY.search(element.text):
            text = CSS_FAMILY.sub(f"font-family: {family}", element.text)
            changed = changed or text != element.text
            element.text = text
    if root.get("font-family") is None and any(_local(element) in TEXTS and not _named(element)
                                               for element in root.iter()):
        root.set("font-family", family)  # a text that names no family would be drawn in the system's
        changed = True
    if not changed:
        return data
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n' if data.lstrip().startswith(b"<?xml") else b""
    return declaration + etree.tostring(root, encoding="utf-8")


def _named(element) -> bool:
    """Whether the element, or one around it, names its family (by attribute or style)."""
    return any(e.get("font-family") or CSS_FAMILY.search(e.get("style") or "")
               for e in (element, *element.iterancestors()))


def document_in_family(document: str, family: str) -> str:
    """A document (XHTML) with each SVG drawn inside it (an icon array, an inlined figure) in `family`."""

    def one(match: re.Match) -> str:
        span = match.group(0)
        changed = in_family(span.encode("utf-8"), family)
        return span if changed == span.encode("utf-8") else changed.decode("utf-8")

    return SVG_SPAN.sub(one, document)


def svg_words(data: bytes) -> Iterator[tuple[int, str]]:
    """(line, words) of each text an SVG draws; nothing when it cannot be read (the sandbox refuses it)."""
    root = _parse(data)
    if root is None:
        return
    for element in root.iter():
        if _local(element) in TEXTS and not any(_local(a) in TEXTS for a in element.iterancestors()):
            yield element.sourceline or 1, "".join(element.itertext())


def figure_files(book) -> tuple[Path, ...]:
    """The SVG files the book's chapters draw as figures (a translation's own or, failing it, the source's)."""
    found = [image.path for chapter in book.chapters for image in chapter.images
             if image.path is not None and image.path.suffix.lower() == ".svg"]
    return tuple(dict.fromkeys(found))


def figure_words(book) -> Iterator[tuple[Path, int, str]]:
    """(file, line, words) of every text of the book's SVG figures: each SVG file's, and each icon array's, named
    by its chapter and the line of its box."""
    for path in figure_files(book):
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        for line, words in svg_words(data):
            yield path, line, words
    for chapter in book.chapters:
        for block in chapter.blocks:
            for match in SVG_SPAN.finditer(block.html if block.kind == "icon-array" else ""):
                for _, words in svg_words(match.group(0).encode("utf-8")):
                    yield chapter.path, block.line + 1, words
