"""EPUB XHTML pages -> an EPUB 3 file with ebooklib, byte-identical from build to build.

Pages are packaged as plain EpubItems, because ebooklib's EpubHtml
re-serialises documents and loses attributes. The navigation document is
the layouts' own; ebooklib writes only the NCX for older readers.
"""
from __future__ import annotations

import io
import mimetypes
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape as xml_escape

from ebooklib import epub

from handout.config import editions
from handout.config.settings import Clinic
from handout.config.strings import strings_for
from handout.core.errors import InputError
from handout.core.fonts import font_files
from handout.core.language_record import record
from handout.core.script_fonts import as_font_file
from handout.core.script_fonts import font_face_css as script_font_face_css
from handout.core.sandbox import Sandbox, check_epub_stylesheet
from handout.core.theme import find
from handout.model import Book
from handout.render.figure_fonts import document_in_family
from handout.render.script_style import (LANGUAGE_STYLESHEET, document_faces, figure_stylesheets, is_default,
                                         language_rules)
from handout.targets.epub import EPUB
from handout.targets.epub.images import COVER_FILE, inline_svg_figures, qr_png, raster_cover
from handout.targets.epub.render import QR_FILE, EpubPage, epub_font_name, render_epub, render_epub_nav
from handout.targets.pdf.pagemap import mark_pages

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
XHTML = "application/xhtml+xml"


def _check_xhtml(page: EpubPage, book: Book) -> None:
    # A layout edit can break well-formedness; say which layout page before a reader does.
    try:
        ET.fromstring(page.content)
    except ET.ParseError as error:
        raise InputError(f"the EPUB page {page.file_name} is not well-formed XHTML ({error.msg}, "
                         f"line {error.position[0]} of the rendered page): check the layouts",
                         book.root / "layouts") from None


def _asset_item(uid: str, name: str, content: bytes) -> epub.EpubItem:
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".svg"):
        media_type = "image/svg+xml"
    return epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content)


def _pages_with_page_list(book: Book, clinic: Clinic, page_starts: list[list[str]] | None):
    """Render the pages; with page starts, mark each printed page in the text and list them in the nav."""
    pages, font_css, cover = render_epub(book, clinic)
    if not page_starts:
        return pages, font_css, cover, False
    # The cover page is no printed page (and its drawing's words are no text to mark): it is left out.
    first = 1 if pages[0].kind == "cover" else 0
    nav = next(index for index, page in enumerate(pages) if page.kind == "nav") - first

    def with_page_list(holders: list[int]) -> dict[int, bytes]:
        # The nav's page list names the page holding each marker; the rest of the nav is the same.
        page_list = [(str(number), pages[first + holder].file_name) for number, holder in enumerate(holders, 1)]
        return {nav: render_epub_nav(book, clinic, page_list)}

    try:
        contents, _ = mark_pages([page.content for page in pages[first:]], page_starts, with_page_list)
    except ValueError as error:
        raise RuntimeError(f"page list: {error}") from None
    pages = (*pages[:first], *(replace(page, content=content) for page, content in zip(pages[first:], contents)))
    return pages, font_css, cover, True


def accessibility_metadata(book: Book, clinic: Clinic, has_page_list: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 properties, derived from what the handout holds."""
    config = book.config
    images = [*book.images]
    has_logo = bool(clinic.logo)
    visual = bool(images) or has_logo or bool(config.online_url)
    # The logo and the QR code get their alt text from the layouts; the figures from the chapters.
    every_image_described = all(image.alt for image in images)
    tables = sum(block.html.count("<table") for chapter in book.chapters for block in chapter.blocks)
    properties = [("schema:accessMode", "textual")]
    if visual:
        properties.append(("schema:accessMode", "visual"))
    if every_image_described:
        properties.append(("schema:accessModeSufficient", "textual"))
    if visual:
        properties.append(("schema:accessModeSufficient", "textual,visual"))
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if images and every_image_described:
        features.append("alternativeText")
    if has_page_list:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    properties += [("schema:accessibilityFeature", feature) for feature in features]
    hazards = list(config.accessibility.hazards) or ["none"]
    properties += [("schema:accessibilityHazard", hazard) for hazard in hazards]
    sections = sum(len(chapter.headings) for chapter in book.chapters)
    words = strings_for(book)
    sentences = [words.get("accessibility.structure", chapters=len(book.chapters), sections=sections)]
    # The figures: the chapters' images and their icon arrays (drawn, each with its text alternative).
    drawn = sum(block.kind == "icon-array" for chapter in book.chapters for block in chapter.blocks)
    figures = len(images) + drawn
    if figures:
        described = sum(1 for image in images if image.alt) + drawn
        if every_image_described:
            sentences.append(words.get("accessibility.figure") if figures == 1 else
                             words.get("accessibility.figures", count=figures))
        else:
            sentences.append(words.get("accessibility.figures_undescribed", missing=figures - described,
                                       count=figures))
    if config.online_url:
        sentences.append(words.get("accessibility.qr_code"))
    if tables:
        sentences.append(words.get("accessibility.table") if tables == 1 else
                         words.get("accessibility.tables", count=tables))
    if has_page_list:
        sentences.append(words.get("accessibility.page_list"))
    sentences.append(words.get("accessibility.transformable"))
    sentences.append(words.get("accessibility.no_hazards") if hazards == ["none"] else
                     words.get("accessibility.hazards", hazards=", ".join(hazards)))
    sentences.append(words.get("accessibility.conformance",
                               standard=config.accessibility.conforms_to.split(" - ")[-1],
                               certifier=config.accessibility.certified_by))
    properties.append(("schema:accessibilitySummary", " ".join(sentences)))
    return properties


def build_epub(book: Book, clinic: Clinic, page_starts: list[list[str]] | None = None) -> epub.EpubBook:
    """Assemble the ebooklib book: metadata, pages, styles, fonts and images."""
    config = book.config
    pages, font_css, cover, has_page_list = _pages_with_page_list(book, clinic, page_starts)
    sandbox = Sandbox(book.root)
    item = epub.EpubBook()
    item.set_identifier(config.identifier)
    item.set_title(config.title)
    item.set_language(config.language)
    if record(config.language).rtl:  # the spine's page-progression-direction: pages turn to the left
        item.set_direction("rtl")
    for index, author in enumerate(config.authors):
        item.add_author(author, uid=f"creator{index + 1}")
    item.add_metadata("DC", "publisher", config.publisher)
    if config.description:
        item.add_metadata("DC", "description", config.description)
    if config.rights:
        item.add_metadata("DC", "rights", config.rights)
    item.add_metadata("DC", "date", book.date.strftime("%Y-%m-%d"))
    for keyword in config.keywords:
        item.add_metadata("DC", "subject", keyword)
    for name, value in accessibility_metadata(book, clinic, has_page_list):
        item.add_metadata(None, "meta", value, {"property": name})
    item.add_metadata(None, "meta", config.accessibility.conforms_to, {"property": "dcterms:conformsTo",
                                                                      "id": "conformance"})
    item.add_metadata(None, "meta", config.accessibility.certified_by, {"property": "a11y:certifiedBy",
                                                                        "refines": "#conformance"})
    if has_page_list:
        item.add_metadata(None, "meta", strings_for(book).get("paper.page_source", title=config.title,
                                                              paper=page_source_name(config, strings_for(book))),
                          {"property": "pageBreakSource"})

    images = {image.src: image.path for image in book.images if image.path is not None}
    if clinic.logo:
        images[clinic.logo] = book.root / clinic.logo
    packed = packed_names(images)
    pages = tuple(replace(page, content=encode_image_urls(page.content, packed)) for page in pages)
    # SVG figures inline, so their labels are drawn in the book's font (an <img> would use the reader's).
    svg_files = {url_path(packed[name]): path for name, path in images.items() if path.suffix.lower() == ".svg"}
    # Their text, and an icon array's, in the language's fonts (handout/render/figure_fonts.py).
    family = record(config.language).figure_fonts
    pages = tuple(replace(page, content=document_in_family(
        inline_svg_figures(page.content, svg_files, Path(page.file_name).stem).decode("utf-8"), family).encode("utf-8"))
                  if page.kind == "chapter" else page for page in pages)
    documents = {}
    for page in pages:
        _check_xhtml(page, book)
        uid = page.kind if page.kind in {"nav", "title", "cover"} else f"doc-{Path(page.file_name).stem}"
        doc = epub.EpubItem(uid=uid,
                            file_name=page.file_name, media_type=XHTML, content=page.content)
        doc.properties = ["nav"] if page.kind == "nav" else []
        if b"<svg" in page.content:
            doc.properties.append("svg")
        item.add_item(doc)
        documents[page.file_name] = doc

    # The cover: a PNG as the cover-image (Kindle wants a raster of 1600 px or more), the SVG for the cover page.
    language = record(config.language)
    cover_fonts = None if is_default(language) else script_font_face_css(
        document_faces(language, cover, book=book), lambda path: path.as_uri())
    cover_item = _asset_item("cover-image", COVER_FILE, raster_cover(cover, book.root, config.limits.render_seconds,
                                                                     cover_fonts))
    cover_item.properties = ["cover-image"]
    item.add_item(cover_item)
    if config.online_url:
        item.add_item(_asset_item("qr-code", QR_FILE, qr_png(config.online_url)))
    embedded = font_files()
    if not is_default(language):  # the faces cut to the book's characters; the language's rules after the theme's
        found = document_faces(language, cover, *(page.content for page in pages), book=book)
        embedded = tuple(as_font_file(face) for face in found)
        font_css = script_font_face_css(found, lambda path: "../fonts/" + path.name)
        rules = language_rules(language, paged=False)
        for sheet in figure_stylesheets(language):  # an icon array's words as text, in a script SVG cannot draw
            rules += check_epub_stylesheet(find(book.root, sheet), book.root)
        item.add_item(_asset_item("css-language", LANGUAGE_STYLESHEET, rules.encode()))
    item.add_item(_asset_item("css-fonts", "assets/css/fonts.css", font_css.encode()))
    for sheet in EPUB.stylesheets:
        if sheet.endswith("fonts.css"):
            continue
        # Through the sandbox: no @import, and url() only to data: or files inside the project.
        css = check_epub_stylesheet(find(book.root, sheet), book.root).encode()  # the project's, or the theme's
        item.add_item(_asset_item("css-" + Path(sheet).stem, sheet, css))
    for index, face in enumerate(embedded):
        media_type = "font/otf" if face.path.suffix == ".otf" else "font/ttf"
        item.add_item(epub.EpubItem(uid=f"font{index}", file_name=epub_font_name(face),
                                    media_type=media_type, content=face.path.read_bytes()))
    in_use = b"".join(page.content for page in pages)
    for index, (name, path) in enumerate(sorted(images.items())):
        if f'src="{url_path(packed[name])}"'.encode() not in in_use:
            continue  # drawn inline in every document that shows it
        if not sandbox.allows(path):  # load checked this; packaging checks again
            raise InputError(f"refused to pack '{path}': it is outside the project", path)
        # ebooklib writes the manifest href and the zip entry from one name: give it the URL (percent-encoded);
        # normalise_zip names the entry by the file's real name again.
        item.add_item(_asset_item(f"image{index}", url_path(packed[name]), path.read_bytes()))

    # The NCX (for older reading systems) lists what the nav's contents list: each chapter with its sections,
    # then the back page.
    item.toc = [*(((epub.Link(c.file_name, c.title, c.slug),
                    [epub.Link(f"{c.file_name}#{h.id}", h.text, h.id) for h in c.headings if h.level == 2])
                   if any(h.level == 2 for h in c.headings) else epub.Link(c.file_name, c.title, c.slug))
                  for c in book.chapters),
                epub.Link("back.xhtml#about", "About this handout", "about")]
    item.add_item(epub.EpubNcx())
    item.spine = [documents["cover.xhtml"], documents["title.xhtml"], documents["nav.xhtml"],
                  *(documents[c.file_name] for c in book.chapters), documents["back.xhtml"]]
    # The cover page named in the package's guide as well as in the nav's landmarks: calibre (MOBI, AZW3, PDF)
    # reads only the guide to know that the first page is the cover, and without it printed the cover twice (the
    # cover-image, then this page).
    item.guide.append({"type": "cover", "href": "cover.xhtml", "title": strings_for(book).get("labels.cover")})
    return item


def url_path(name: str) -> str:
    """A project-relative file name as a URL path: spaces, accents and reserved characters percent-encoded."""
    return quote(name, safe="/")


def packed_names(images) -> dict[str, str]:
    """Each image's name in the EPUB: its project name, with spaces as '_' (EPUBCheck warns of spaces in file
    names, PKG-010), made unique."""
    packed: dict[str, str] = {}
    for name in sorted(images):
        wanted = candidate = name.replace(" ", "_")
        number = 1
        while candidate in packed.values() or (candidate != name and candidate in images):
            number += 1
            folder, _, file = wanted.rpartition("/")
            candidate = f"{folder}/{number}-{file}" if folder else f"{number}-{file}"
        packed[name] = candidate
    return packed


def encode_image_urls(content: bytes, packed: dict[str, str]) -> bytes:
    """An EPUB document with each image's `src` written as the URL of its packed name (`schéma ü.svg` ->
    `sch%C3%A9ma_%C3%BC.svg`)."""
    for name, packed_name in packed.items():
        encoded = url_path(packed_name)
        if encoded == name:
            continue
        for written in {name, xml_escape(name, {'"': "&quot;"})}:
            content = content.replace(f'src="{written}"'.encode(), f'src="{encoded}"'.encode())
    return content


def normalise_zip(data: bytes, language: str) -> bytes:
    """Rewrite an EPUB with fixed entry times and `mimetype` first and stored, for identical bytes.

    The package document also gets its `xml:lang` (ebooklib writes none; reading systems and Ace want it).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = ["mimetype"] + [n for n in source.namelist() if n != "mimetype"]
        for name in names:
            # Entries ebooklib named by a URL (url_path) get the file's real name; the manifest keeps the URL.
            info = zipfile.ZipInfo(unquote(name) if name.startswith("EPUB/assets/") else name,
                                   date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            content = source.read(name)
            if name.endswith(".ncx"):  # ebooklib writes a depth of 0 whatever the nesting
                content = content.replace(b'content="0" name="dtb:depth"',
                                          f'content="{ncx_depth(content)}" name="dtb:depth"'.encode())
            if name.endswith(".opf"):
                content = content.replace(b"<package ", f'<package xml:lang="{language}" '.encode(), 1)
            target.writestr(info, content, compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()


def ncx_depth(ncx: bytes) -> int:
    """How deep the NCX's navPoints nest (1: a flat list)."""
    root = ET.fromstring(ncx)
    point = "{http://www.daisy.org/z3986/2005/ncx/}navPoint"

    def depth(element) -> int:
        return max((1 + depth(child) for child in element if child.tag == point), default=0)

    return max(1, depth(root.find("{http://www.daisy.org/z3986/2005/ncx/}navMap")))


def page_source_name(config, strings=None) -> str:
    """How the page list names the pages it maps: those of the first edition publish.toml lists (in the
    layout strings' words, `paper.<edition>`, when `strings` are given and name it)."""
    return editions.page_words(config.print.editions[0], config.print.paper, strings)


def write_epub(book: Book, clinic: Clinic, target: Path, page_starts: list[list[str]] | None = None) -> int:
    """Write the EPUB for `clinic` to `target`; returns the number of XHTML documents.

    `page_starts` (the first words of each printed page) adds a page list mapping the print edition.
    """
    item = build_epub(book, clinic, page_starts)
    scratch = io.BytesIO()
    options = {"mtime": book.date.replace(tzinfo=None), "epub3_pages": False, "epub3_landmark": False,
               "raise_exceptions": True}
    epub.write_epub(scratch, item, options)
    target.write_bytes(normalise_zip(scratch.getvalue(), book.config.language))
    return sum(1 for i in item.get_items() if i.media_type == XHTML)


def epub_job(book, clinic, edition: str, target: str, starts):
    start = time.perf_counter()
    return write_epub(book, clinic, Path(target), starts), None, time.perf_counter() - start
