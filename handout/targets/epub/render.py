"""Book -> the EPUB's XHTML pages, through the shared layouts."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from markupsafe import Markup

from handout.config.settings import Clinic
from handout.config.strings import strings_for
from handout.core.fonts import FontFile, font_face_css
from handout.core.language_record import record
from handout.core.sandbox import check_svg_bytes
from handout.model import Book
from handout.render.context import context as shared_context
from handout.render.layouts import LAYOUTS_DIR, Layouts
from handout.render.script_style import LANGUAGE_STYLESHEET, is_default, isolate_ltr_runs, keep_citations
from handout.targets.epub import EPUB

QR_FILE = "assets/qr-code.png"  # the QR code's file in the EPUB

EPUB_FONT_DIR = "assets/fonts"


@dataclass(frozen=True)
class EpubPage:
    file_name: str
    title: str
    content: bytes
    kind: str  # cover, title, nav, chapter, back


def epub_font_name(face: FontFile) -> str:
    return f"{EPUB_FONT_DIR}/{face.path.name}"


START_TAG = re.compile(r"<[A-Za-z][^<>]*>")
LANG = re.compile(r'\slang="([^"]*)"')


def with_xml_lang(xhtml: str) -> str:
    """Each element marked with a language by `lang` alone (a source's title, `[words]{lang=en}` in a chapter)
    also marked with `xml:lang`, as EPUB's XHTML wants both."""
    def one(tag):
        text = tag.group(0)
        found = LANG.search(text)
        if found is None or "xml:lang=" in text:
            return text
        return f'{text[:found.end()]} xml:lang="{found.group(1)}"{text[found.end():]}'
    return START_TAG.sub(one, xhtml)


def render_epub(book: Book, clinic: Clinic, page_list: list[tuple[str, str]] = ()
                ) -> tuple[tuple[EpubPage, ...], str, bytes]:
    """The EPUB's XHTML pages (cover, title, nav, one per chapter, back), its font CSS and its cover SVG.

    `page_list` holds (page label, document file) pairs for the nav's page list.
    """
    layouts, context, cover, language = _epub_context(book, clinic, page_list)
    strings = layouts.strings
    pages = [
        EpubPage("cover.xhtml", strings["labels.cover"], layouts.render("epub/cover.xhtml", **context).encode(), "cover"),
        EpubPage("title.xhtml", book.config.title, layouts.render("epub/title.xhtml", **context).encode(), "title"),
        EpubPage("nav.xhtml", strings["headings.contents"], layouts.render("epub/nav.xhtml", **context).encode(), "nav"),
    ]
    for chapter in book.chapters:
        html = with_xml_lang(layouts.render("epub/chapter.xhtml", chapter=chapter, **context))
        pages.append(EpubPage(chapter.file_name, chapter.title, html.encode(), "chapter"))
    pages.append(EpubPage("back.xhtml", strings["headings.about"],
                          with_xml_lang(layouts.render("epub/back.xhtml", **context)).encode(), "back"))
    # Fonts sit in assets/fonts/, the CSS in assets/css/.
    if language.rtl:  # left-to-right runs keep their order inside right-to-left text
        pages = [replace(page, content=isolate_ltr_runs(page.content.decode()).encode()) for page in pages]
    if language.counts == "characters":  # a citation stays on its word's line
        pages = [replace(page, content=keep_citations(page.content.decode()).encode()) for page in pages]
    # (Another language's faces are cut to the characters of the finished pages: targets/epub/writer.py.)
    font_css = font_face_css(lambda face: "../fonts/" + face.path.name)
    return tuple(pages), font_css, cover


def render_epub_nav(book: Book, clinic: Clinic, page_list: list[tuple[str, str]]) -> bytes:
    """The EPUB's navigation page alone, as render_epub makes it with this `page_list`."""
    layouts, context, _, language = _epub_context(book, clinic, page_list)
    content = layouts.render("epub/nav.xhtml", **context)
    return (isolate_ltr_runs(content) if language.rtl else content).encode()


def _epub_context(book: Book, clinic: Clinic, page_list: list[tuple[str, str]]):
    """The EPUB's layouts (links resolved to the page that holds each anchor), their context, the cover and the
    book's language record."""
    owners: dict[str, str] = {}
    for chapter in book.chapters:
        for anchor in (chapter.slug, chapter.title_id, *chapter.ids):
            owners[anchor] = chapter.file_name
    sources = next((c for c in book.chapters if c.role == "sources"), None)
    for reference in book.references:
        owners[f"ref-{reference.key}"] = sources.file_name if sources else "back.xhtml"

    def link(anchor: str) -> str:
        owner = owners.get(anchor)
        if owner is None:
            return f"#{anchor}"
        return owner if anchor == owner.removesuffix(".xhtml") else f"{owner}#{anchor}"

    owners["about"] = "back.xhtml"
    strings = strings_for(book)
    layouts = Layouts(book.root, EPUB, link=link, seconds=book.config.limits.layout_seconds, strings=strings)
    context = shared_context(book, EPUB, clinic)
    if book.config.online_url:
        context["qr_code"] = QR_FILE  # a packaged PNG: some reading systems drop data: URLs
    context["page_list"] = list(page_list)
    language = record(book.config.language)
    if not is_default(language):  # its own rules after the theme's (handout/render/script_style.py)
        context["stylesheets"] = (*context["stylesheets"], LANGUAGE_STYLESHEET)
    cover = layouts.render("epub/cover.svg", **context).encode()
    # The cover page draws the cover inline, so its words are in the book's font (an <img> would use the
    # reader's); the layout's SVG is checked like any SVG first.
    check_svg_bytes(cover, book.root / LAYOUTS_DIR / "epub" / "cover.svg")
    context["cover_svg"] = Markup(re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", cover.decode()))
    return layouts, context, cover, language
