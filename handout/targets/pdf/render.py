"""Book -> the print HTML WeasyPrint lays out, for one clinic and edition (the desk sheet: its marked parts)."""
from __future__ import annotations

from markupsafe import Markup

from handout.config import editions
from handout.config.settings import Clinic
from handout.config.strings import strings_for
from handout.core.fonts import font_face_css
from handout.core.language_record import record
from handout.load.iconarray import with_label_size
from handout.model import DRAFT_STYLESHEET, SAMPLE_STYLESHEET, Book
from handout.render.context import context as shared_context
from handout.render.figure_fonts import document_in_family
from handout.render.layouts import Layouts
from handout.render.script_style import (document_faces, document_font_css, is_default, isolate_ltr_runs,
                                         keep_citations)
from handout.targets.pdf import PRINT
from handout.targets.pdf.sheet import layout_context


def render_print(book: Book, clinic: Clinic, edition: str = "letter") -> str:
    """The whole handout as one HTML document for WeasyPrint, for one clinic and edition."""
    entry = editions.edition(edition)
    link, extra = (lambda anchor: f"#{anchor}"), {}
    if entry.layout != "print.html":  # the desk sheet: its marked parts (handout/targets/pdf/sheet.py)
        link, extra = layout_context(book)
    layouts = Layouts(book.root, PRINT, link=link, seconds=book.config.limits.layout_seconds,
                      strings=strings_for(book))
    font_css = font_face_css(lambda face: face.path.as_uri())
    context = {**shared_context(book, PRINT, clinic), **extra}
    context["icon_labels_as_text"] = entry.icon_labels_as_text or context["icon_labels_as_text"]
    # An edition without a page size of its own is on the configured paper (editions.py).
    context["stylesheets"] = (*PRINT.stylesheets, *editions.stylesheets(edition, book.config.print.paper),
                              *((SAMPLE_STYLESHEET,) if book.config.sample else ()),
                              *((DRAFT_STYLESHEET,) if book.draft else ()))
    show_toc = len(book.chapters) > book.config.print.toc_min_chapters
    language = record(book.config.language)
    if not is_default(language):  # the language's fonts, cut to the characters the document draws
        marker = "/* the language's fonts */"
        html = layouts.render(entry.layout, font_css=Markup(marker), edition=edition, show_toc=show_toc, **context)
        found = document_faces(language, html, book=book)
        html = html.replace(marker, document_font_css(language, found, lambda path: path.as_uri(), paged=True), 1)
        if language.rtl:
            html = isolate_ltr_runs(html)
        if language.counts == "characters":  # a citation stays on its word's line
            html = keep_citations(html)
    else:
        html = layouts.render(entry.layout, font_css=Markup(font_css), edition=edition, show_toc=show_toc,
                              **context)
    if entry.icon_label_size:  # large print: an icon array's words at its type size too
        html = with_label_size(html, entry.icon_label_size)
    return document_in_family(html, language.figure_fonts)  # an icon array's words in the language's fonts
