"""What the web edition embeds: its stylesheets with the font as WOFF2 data, its figures (SVG drawn inline, so
their labels use the page's font; other images as data: URLs), the clinic's logo; and its list of downloads.

Everything is read through the sandbox (project files, or the built-in theme's): the page makes no request
of its own, so it works from any static host, from a file on a phone, and with JavaScript off.
"""
from __future__ import annotations

import base64
import io
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from handout.config.editions import page_words
from handout.config.languages import languages, output_subfolder, own_names
from handout.config.strings import load
from handout.core.errors import InputError, SandboxError
from handout.core.fonts import FontFile, font_face_css
from handout.core.language_record import record
from handout.core.sandbox import Sandbox, check_epub_stylesheet, check_svg_bytes, css_references
from handout.core.theme import find
from handout.render.figure_fonts import document_in_family
from handout.targets.base import output_file
from handout.targets.epub import EPUB
from handout.targets.epub.images import inline_svg_figures
from handout.targets.pdf import PRINT
from handout.targets.web import WEB

IMAGE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def data_url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=None)
def _woff2(path: Path) -> bytes:
    """A face of the font as WOFF2 (about half the TrueType's size), the same bytes every time."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), recalcTimestamp=False)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


def _font_url(face: FontFile) -> str:
    return data_url(_woff2(face.path), "font/woff2")


def woff2_url(path: Path) -> str:
    return data_url(_woff2(path), "font/woff2")


def web_stylesheet(root: Path, sheets: tuple[str, ...], fonts: str | None = None) -> str:
    """The page's one stylesheet: the font's faces, then each of `sheets` (the project's file, else the
    theme's), checked as the EPUB's are, with each `url()` to a project file embedded as a data: URL."""
    parts = [fonts if fonts is not None else font_face_css(_font_url).replace('format("truetype")', 'format("woff2")')]
    sandbox = Sandbox(root)
    for sheet in sheets:
        path = find(root, sheet)
        text = check_epub_stylesheet(path, root)
        for kind, url, line in css_references(text):
            written = url.strip()
            if written.startswith("#") or written.lower().startswith("data:"):
                continue
            target = (path.parent / unquote(written.split("#", 1)[0])).resolve()
            if not sandbox.allows(target):
                raise SandboxError(f"refused: url({written}) is outside the project", path, line, written)
            media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            data = sandbox.read_bytes(target)
            if media_type == "image/svg+xml":
                check_svg_bytes(data, target)
            text = text.replace(url, data_url(data, media_type))
        parts.append(f"/* {sheet} */\n{text}")
    # Closing a <style> element early is the only way CSS text could break out of it.
    css = "\n".join(parts)
    if re.search(r"</style", css, re.I):
        raise InputError("a web stylesheet holds '</style': remove it", root / sheets[-1])
    return css


def embedded_images(html: str, book, clinic) -> str:
    """The page with its figures' SVG drawn inline and every other image (a PNG figure, the logo) as a data:
    URL. Every file was checked when the book was read; it is checked again here, as the EPUB does."""
    sandbox = Sandbox(book.root)
    files = {image.src: image.path for image in book.images if image.path is not None}
    if clinic.logo:
        files[clinic.logo] = book.root / clinic.logo
    for src, path in files.items():
        if not sandbox.allows(path):
            raise InputError(f"refused to embed '{path}' in the web edition: it is outside the project", path)
    svg = {src: path for src, path in files.items() if path.suffix.lower() == ".svg"}
    html = inline_svg_figures(html.encode("utf-8"), svg, "figure").decode("utf-8")
    html = document_in_family(html, record(book.config.language).figure_fonts)  # their text in its fonts

    def embed(match: re.Match) -> str:
        src = match.group(2).replace("&amp;", "&")
        path = files.get(src)
        if path is None:
            return match.group(0)
        data = sandbox.read_bytes(path)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type == "image/svg+xml":
            check_svg_bytes(data, path)
        return match.group(1) + data_url(data, media_type) + match.group(3)

    return IMAGE_SRC.sub(embed, html)


# A heading with an id, or a whole table: in one pass, each table is named by the last heading before it.
_HEADING_OR_TABLE = re.compile(r"<h[2-6]\b[^>]*\bid=\"(?P<heading>[^\"]+)\"|(?P<table><table\b[^>]*>.*?</table>)", re.S)


def scrolling_tables(html: str) -> str:
    """Each table in a region of its own that scrolls sideways when the table is wider than the screen (a
    phone, or text enlarged to 200 %): the page itself never does (WCAG 1.4.10 lets a data table scroll).
    The region is named by the heading the table is under and can be reached and scrolled by keyboard."""
    heading = ""

    def wrap(match: re.Match) -> str:
        nonlocal heading
        if match.group("heading"):
            heading = match.group("heading")
            return match.group(0)
        label = f' aria-labelledby="{heading}"' if heading else ""
        return f'<div class="table-scroll" role="region" tabindex="0"{label}>{match.group("table")}</div>'
    return _HEADING_OR_TABLE.sub(wrap, html)


def language_links(config, clinic, suffix: str = "") -> list[dict]:
    """The web edition's links to its other languages: each language's page, by a relative link from this
    one's folder (`dist/`, `dist/es-US/`, with a clinic's folder inside when there are several)."""
    import os


    def folder(tag: str) -> Path:
        return output_subfolder(config, tag) / (clinic.id if len(config.clinics) > 1 else "")

    here = folder(config.language)
    page = f"{WEB.stem}{suffix}.html"
    names = own_names(languages(config))
    return [{"tag": tag, "name": names[tag], "current": tag == config.language,
             "href": Path(os.path.relpath(folder(tag) / page, here if str(here) != "." else ".")).as_posix()}
            for tag in languages(config)]


def downloads(config, suffix: str = "") -> list[dict]:
    """The other outputs the page offers, as publish.toml lists them (they are built beside the page, in the
    same folder): each print edition, then the EPUB."""
    listed = config.print.editions
    words = load(config.root, config.language)  # the labels in the page's language (layouts/i18n/: download.*)
    files = []
    for name in listed:
        paper = page_words(name, config.print.paper, words)
        label = words.table.get(f"download.{name}") or words.get("download.pdf", paper=paper)
        files.append({"href": output_file(PRINT.name, config.output_name, name, listed, suffix),
                      "label": label, "kind": "PDF"})
    files.append({"href": output_file(EPUB.name, config.output_name, listed[0], listed, suffix),
                  "label": words["download.epub"], "kind": "EPUB"})
    return files

