"""Images the EPUB needs beyond the chapters' own: a raster cover, the QR code as a file, inline SVG figures.

Reading systems differ in what they show well (calibre 6, Foliate, epub.js, Kindle): a cover-image must be a
raster of at least 1600 px for Kindle; a QR code in a `data:` URL is dropped by some converters; an SVG loaded
through `<img>` draws its labels in the reader's fallback font. So the EPUB gets a PNG cover rendered from the
layout's cover SVG, the QR code as a packaged PNG, and its SVG figures inlined in the chapter documents, where
the book's embedded font applies to their labels.
"""
from __future__ import annotations

import io
import re
from html import escape, unescape
from pathlib import Path

from handout.core.errors import InputError
from handout.core.fonts import font_face_css
from handout.core.limits import time_limit
from handout.core.sandbox import Sandbox, check_svg_bytes
from handout.core.script_fonts import MissingFont, sources
from handout.targets.pdf.writer import _fetcher_class

COVER_HEIGHT = 1600  # pixels: Kindle's minimum for a cover image
COVER_FILE = "assets/cover.png"
SVG_NS = "http://www.w3.org/2000/svg"


def raster_cover(svg: bytes, root: Path, seconds: int, font_css: str | None = None) -> bytes:
    """The cover SVG (rendered from layouts/epub/cover.svg) as a PNG, COVER_HEIGHT pixels tall.

    WeasyPrint lays the SVG out on a page of its own size, with the bundled font and the build's sandboxed
    fetcher; pdfium turns that page into pixels.
    """
    import pypdfium2
    import weasyprint
    from lxml import etree


    check_svg_bytes(svg, root / "layouts" / "epub" / "cover.svg")
    tree = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    width, height = _size(tree)
    over = _rtl_text_as_html(tree, width)
    body = etree.tostring(tree, encoding="unicode") + over
    # The bundled font, or the book's language's faces (`font_css`, handout/script_style.py).
    fonts = font_face_css(lambda face: face.path.as_uri()) if font_css is None else font_css
    html = (f"<html><head><style>{fonts} @page {{ size: {width}px {height}px; margin: 0 }} "
            f"html, body {{ margin: 0 }} body {{ position: relative }} "
            f"svg {{ display: block; width: {width}px; height: {height}px }}</style>"
            f"</head><body>{body}</body></html>")
    fetcher_class, refused = _fetcher_class()
    try:
        with time_limit(seconds, "rendering the EPUB cover", "limits.render_seconds"):
            pdf = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/",
                                  url_fetcher=fetcher_class(Sandbox(root))).write_pdf()
    except refused as error:
        raise error.error from None
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=COVER_HEIGHT / page.get_height()).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _rtl_text_as_html(tree, width: float) -> str:
    """The SVG's right-to-left text (direction="rtl") taken out of the drawing and laid out as HTML over it, in
    the same place, size, weight and colour: WeasyPrint 70 draws an SVG's text letter by letter, so Arabic
    letters would not join and the words would run left to right. A line's baseline stays at its y; "start"
    is its right end (SVG's meaning in a right-to-left text), "end" its left end, "middle" its centre."""
    lines = []
    for text in list(tree.iter(f"{{{SVG_NS}}}text")):
        if text.get("direction") != "rtl":
            continue
        size, x, y = (float(text.get(name, default)) for name, default in (("font-size", "16"), ("x", "0"),
                                                                           ("y", "0")))
        families = text.get("font-family", "sans-serif")
        ascent = 0.9  # of the font size, when the family is none the toolchain ships
        for family in (name.strip().strip("'\"") for name in families.split(",")):
            try:
                ascent = _ascent(sources(family)[0].path)
                break
            except MissingFont:
                continue
        anchor = text.get("text-anchor", "start")
        place = {"middle": f"left: {x - width:g}px; width: {2 * width:g}px; text-align: center",
                 "end": f"left: {x:g}px"}.get(anchor, f"right: {width - x:g}px")
        style = (f"position: absolute; top: {y - ascent * size:.2f}px; {place}; direction: rtl; "
                 f"white-space: nowrap; line-height: normal; font-family: {families}; font-size: {size:g}px; "
                 f"font-weight: {text.get('font-weight', 'normal')}; color: {text.get('fill', '#000')}")
        lines.append(f'<div style="{escape(style)}">{escape("".join(text.itertext()))}</div>')
        text.getparent().remove(text)
    return "".join(lines)


def _ascent(path: Path) -> float:
    """A font's ascent (its horizontal header's, as Pango places a line's baseline), in font sizes."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    return font["hhea"].ascent / font["head"].unitsPerEm


def _size(svg) -> tuple[float, float]:
    """The drawing size of an SVG: its width and height, else its viewBox."""
    try:
        box = [float(v) for v in re.split(r"[\s,]+", (svg.get("viewBox") or "").strip())]
        width = float(re.sub(r"px$", "", svg.get("width") or str(box[2])))
        height = float(re.sub(r"px$", "", svg.get("height") or str(box[3])))
    except (ValueError, IndexError):
        raise InputError("the cover SVG needs a width and height, or a viewBox, in pixels",
                         Path("layouts/epub/cover.svg")) from None
    if not (0 < width <= 10_000 and 0 < height <= 10_000):
        raise InputError("the cover SVG must be between 1 and 10,000 pixels wide and tall",
                         Path("layouts/epub/cover.svg"))
    return width, height


def qr_png(url: str) -> bytes:
    """The QR code of `url` as a PNG (dark on white, for scanners; 10 pixels a module)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=10, border=2, dark="#000000", light="#ffffff")
    return out.getvalue()


# ---- SVG figures, inline ----------------------------------------------------------------------------------

FIGURE_IMAGE = re.compile(r'(<figure\b[^>]*>\s*)<img\b([^>]*?)/>', re.S)
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
ID_REFERENCE = re.compile(r"url\(#([^)]+)\)")


def inline_svg_figures(content: bytes, files: dict[str, Path], prefix: str) -> bytes:
    """A chapter document with each figure's SVG `<img>` replaced by the SVG itself, so its labels use the
    book's font. `files` maps an `src` as written in the document to the (checked) SVG file. Ids inside each
    SVG are prefixed (`prefix`, the figure's number) to stay unique in the document; the image's alt text
    becomes the SVG's accessible name."""
    text = content.decode("utf-8")
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        attributes = dict(ATTRIBUTE.findall(match.group(2)))
        path = files.get(unescape(attributes.get("src", "")))
        if path is None or path.suffix.lower() != ".svg":
            return match.group(0)
        count += 1
        return match.group(1) + _inline(path.read_bytes(), unescape(attributes.get("alt", "")),
                                        f"{prefix}-{count}-")

    changed = FIGURE_IMAGE.sub(replace, text)
    return changed.encode("utf-8") if count else content


def _inline(data: bytes, alt: str, prefix: str) -> str:
    from lxml import etree

    check_svg_bytes(data)
    svg = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True))
    for element in svg.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in list(element.attrib.items()):
            if name == "id":
                element.set(name, prefix + value)
            elif name in {"href", "{http://www.w3.org/1999/xlink}href"} and value.startswith("#"):
                element.set(name, "#" + prefix + value[1:])
            elif "url(#" in value:
                element.set(name, ID_REFERENCE.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))
    for name in ("width", "height", "aria-labelledby", "aria-describedby"):
        svg.attrib.pop(name, None)
    svg.set("role", "img")
    svg.set("aria-label", alt)
    svg.set("class", " ".join(filter(None, [svg.get("class"), "figure-svg"])))
    etree.cleanup_namespaces(svg)
    return etree.tostring(svg, encoding="unicode")
