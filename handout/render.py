"""Book -> documents, through the shared layouts: one HTML for print, XHTML pages for the EPUB."""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from . import __version__, editions
from .book import Book
from .config import Clinic
from .fonts import FontFile, font_face_css
from .layouts import LAYOUTS_DIR, Layouts
from .sandbox import check_svg_bytes
from .strings import language_assistance, strings_for
from .targets import EPUB, PRINT, WEB, Target

QR_FILE = "assets/qr-code.png"  # the QR code's file in the EPUB

EPUB_FONT_DIR = "assets/fonts"
# Added to the print stylesheets of a draft (`publish.py build --draft`): a mark in every page's top margin.
# The marks' words are the layout strings' (marks.draft, marks.sample: layouts/i18n/); these are the English.
DRAFT_STYLESHEET = "assets/css/draft.css"
DRAFT_MARK = "DRAFT \u2013 not for patients"
# A sample (`sample = true` in publish.toml): the same mark in every print page's top margin, and its words on
# the title page (print and EPUB: layouts/partials/title_block.html), so that screen readers say it too.
SAMPLE_STYLESHEET = "assets/css/sample.css"
SAMPLE_MARK = "SAMPLE \u2013 replace the clinic details before giving this to patients"


def _context(book: Book, target: Target, clinic: Clinic) -> dict:
    config = book.config
    strings = strings_for(book)
    return {
        "book": book,
        "config": config,
        "clinic": clinic,
        "chapters": book.chapters,
        "date_iso": book.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "version": __version__,
        "stylesheets": target.stylesheets,
        # A translation's review record (each key, "" when not given); empty for the source language.
        "translation": ({key: dict(config.translation).get(key, "")
                         for key in ("translated_by", "reviewed_by", "reviewed_on")} if config.source_language else {}),
        "draft": book.draft,          # layouts mark a draft on every page (print: DRAFT_STYLESHEET)
        "draft_mark": strings["marks.draft"],
        "sample": config.sample,      # layouts mark a sample's title page (print: SAMPLE_STYLESHEET too)
        "sample_mark": strings["marks.sample"],
        "qr_code": Markup(qr_svg_data_url(config.online_url)) if config.online_url else "",
        # The back page's notice that language assistance is free, a tagline per language the clinic lists.
        "language_assistance": language_assistance(book.root, clinic),
    }


def qr_svg_data_url(url: str) -> str:
    """A QR code for `url` as an SVG data: URL (drawn as vectors in the PDF, packed in the EPUB)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000000", light="#ffffff")


def render_print(book: Book, clinic: Clinic, edition: str = "letter") -> str:
    """The whole handout as one HTML document for WeasyPrint, for one clinic and edition."""
    entry = editions.edition(edition)
    link, extra = (lambda anchor: f"#{anchor}"), {}
    if entry.layout != "print.html":  # the desk sheet: its marked parts (handout/sheet.py)
        from .sheet import layout_context
        link, extra = layout_context(book)
    layouts = Layouts(book.root, PRINT, link=link, seconds=book.config.limits.layout_seconds,
                      strings=strings_for(book))
    font_css = font_face_css(lambda face: face.path.as_uri())
    context = {**_context(book, PRINT, clinic), **extra}
    # An edition without a page size of its own is on the configured paper (editions.py).
    context["stylesheets"] = (*PRINT.stylesheets, *editions.stylesheets(edition, book.config.print.paper),
                              *((SAMPLE_STYLESHEET,) if book.config.sample else ()),
                              *((DRAFT_STYLESHEET,) if book.draft else ()))
    show_toc = len(book.chapters) > book.config.print.toc_min_chapters
    html = layouts.render(entry.layout, font_css=Markup(font_css), edition=edition, show_toc=show_toc, **context)
    if entry.icon_label_size:  # large print: an icon array's words at its type size too
        from .iconarray import with_label_size
        html = with_label_size(html, entry.icon_label_size)
    return html


@dataclass(frozen=True)
class EpubPage:
    file_name: str
    title: str
    content: bytes
    kind: str  # cover, title, nav, chapter, back


def epub_font_name(face: FontFile) -> str:
    return f"{EPUB_FONT_DIR}/{face.path.name}"


def render_epub(book: Book, clinic: Clinic, page_list: list[tuple[str, str]] = ()
                ) -> tuple[tuple[EpubPage, ...], str, bytes]:
    """The EPUB's XHTML pages (cover, title, nav, one per chapter, back), its font CSS and its cover SVG.

    `page_list` holds (page label, document file) pairs for the nav's page list.
    """
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
    context = _context(book, EPUB, clinic)
    if book.config.online_url:
        context["qr_code"] = QR_FILE  # a packaged PNG: some reading systems drop data: URLs
    context["page_list"] = list(page_list)
    cover = layouts.render("epub/cover.svg", **context).encode()
    # The cover page draws the cover inline, so its words are in the book's font (an <img> would use the
    # reader's); the layout's SVG is checked like any SVG first.
    check_svg_bytes(cover, book.root / LAYOUTS_DIR / "epub" / "cover.svg")
    context["cover_svg"] = Markup(re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", cover.decode()))
    pages = [
        EpubPage("cover.xhtml", strings["labels.cover"], layouts.render("epub/cover.xhtml", **context).encode(), "cover"),
        EpubPage("title.xhtml", book.config.title, layouts.render("epub/title.xhtml", **context).encode(), "title"),
        EpubPage("nav.xhtml", strings["headings.contents"], layouts.render("epub/nav.xhtml", **context).encode(), "nav"),
    ]
    for chapter in book.chapters:
        html = layouts.render("epub/chapter.xhtml", chapter=chapter, **context)
        pages.append(EpubPage(chapter.file_name, chapter.title, html.encode(), "chapter"))
    pages.append(EpubPage("back.xhtml", strings["headings.about"],
                          layouts.render("epub/back.xhtml", **context).encode(), "back"))
    # Fonts sit in assets/fonts/, the CSS in assets/css/.
    font_css = font_face_css(lambda face: "../fonts/" + face.path.name)
    return tuple(pages), font_css, cover



# ---- the web edition: one self-contained page --------------------------------------------------------------

# What makes the shared layouts' XHTML into HTML: the XML namespaces and the EPUB's semantic attributes (the
# ARIA roles beside them carry the same meaning for browsers).
XHTML_ONLY = re.compile(r'\s(?:xmlns(?::\w+)?|xml:lang|epub:type)="[^"]*"')


def render_web(book: Book, clinic: Clinic, downloads: list[dict], language_links: list[dict] = ()) -> str:
    """The web edition for one clinic: the whole handout as one HTML page, its stylesheets, font and figures
    embedded, so it makes no request and can be put on any host as it is. `downloads` lists the other
    outputs beside it (file name, label, what it is)."""
    from .web import embedded_images, scrolling_tables, web_stylesheet

    layouts = Layouts(book.root, WEB, link=lambda anchor: f"#{anchor}", seconds=book.config.limits.layout_seconds,
                      strings=strings_for(book))
    context = _context(book, WEB, clinic)
    context.update(stylesheets=(), qr_code="", downloads=downloads, language_links=list(language_links),
                   web_css=Markup(web_stylesheet(book.root, WEB.stylesheets)))
    html = layouts.render(WEB.templates[0], **context)
    return XHTML_ONLY.sub("", embedded_images(scrolling_tables(_one_outline(html)), book, clinic))


def _one_outline(html: str) -> str:
    """One page, one outline: the handout's title is its only level-1 heading, so in <main> each chapter's
    title becomes level 2 and each heading under it one level lower (print and the EPUB keep a chapter per
    level-1 heading, as a chapter starts a page or a document there)."""
    start, end = html.find("<main", max(html.find("</head>"), 0)), html.rfind("</main>")
    if start < 0 or end < start:
        return html
    shifted = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html[start:end])
    return html[:start] + shifted + html[end:]
