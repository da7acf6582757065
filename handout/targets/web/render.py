"""Book -> the web edition: the whole handout as one self-contained HTML page, for one clinic."""
from __future__ import annotations

import re

from markupsafe import Markup

from handout.config.settings import Clinic
from handout.config.strings import strings_for
from handout.core.language_record import record
from handout.core.script_fonts import font_face_css as script_font_face_css
from handout.model import Book
from handout.render.context import context as shared_context
from handout.render.layouts import Layouts
from handout.targets.web import WEB
from handout.render.script_style import (document_faces, figure_stylesheets, is_default, isolate_ltr_runs,
                                         keep_citations, language_rules)
from handout.targets.web.writer import embedded_images, scrolling_tables, web_stylesheet, woff2_url

# What makes the shared layouts' XHTML into HTML: the XML namespaces and the EPUB's semantic attributes (the
# ARIA roles beside them carry the same meaning for browsers).
XHTML_ONLY = re.compile(r'\s(?:xmlns(?::\w+)?|xml:lang|epub:type)="[^"]*"')


def render_web(book: Book, clinic: Clinic, downloads: list[dict], language_links: list[dict] = ()) -> str:
    """The web edition for one clinic: the whole handout as one HTML page, its stylesheets, font and figures
    embedded, so it makes no request and can be put on any host as it is. `downloads` lists the other
    outputs beside it (file name, label, what it is)."""
    layouts = Layouts(book.root, WEB, link=lambda anchor: f"#{anchor}", seconds=book.config.limits.layout_seconds,
                      strings=strings_for(book))
    context = shared_context(book, WEB, clinic)
    context.update(stylesheets=(), qr_code="", downloads=downloads, language_links=list(language_links),
                   web_css=Markup(web_stylesheet(book.root, WEB.stylesheets)))
    language = record(book.config.language)
    if not is_default(language):  # the language's faces, cut to the page's characters, as WOFF2 data
        marker = "/* the language's fonts */"
        sheets = (*WEB.stylesheets, *figure_stylesheets(language))  # an icon array's words as text, where needed
        context["web_css"] = Markup(web_stylesheet(book.root, sheets, fonts=marker))
        html = layouts.render(WEB.templates[0], **context)
        found = document_faces(language, html, book=book)
        css = script_font_face_css(found, woff2_url).replace('format("truetype")', 'format("woff2")').replace(
            'format("opentype")', 'format("woff2")')
        html = html.replace(marker, css, 1).replace("</style>", language_rules(language, paged=False) + "</style>", 1)
        if language.rtl:
            html = isolate_ltr_runs(html)
        if language.counts == "characters":  # a citation stays on its word's line
            html = keep_citations(html)
    else:
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
