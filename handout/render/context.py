"""What every target's layouts are given (the shared context): each target renders its own documents with it
(handout/targets/<name>/render.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from handout import __version__
from handout.config.settings import Clinic
from handout.config.strings import language_assistance, strings_for
from handout.core.language_record import record
from handout.model import Book

if TYPE_CHECKING:  # a target is given to the context, never imported by it (targets are the layer above)
    from handout.targets.base import Target

def context(book: Book, target: Target, clinic: Clinic) -> dict:
    """What every layout of every target is given: the book, its clinic, the marks, the QR code, the words."""
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
        # A draft translation's chapter not yet translated: printed in the source language, under this note.
        "untranslated_note": strings["marks.untranslated"],
        "qr_code": Markup(qr_svg_data_url(config.online_url)) if config.online_url else "",
        # The back page's notice that language assistance is free, a tagline per language the clinic lists.
        "language_assistance": language_assistance(book.root, clinic),
        # The language's record (handout/core/language_record.py): its direction for dir="rtl", its fonts.
        "rtl": record(config.language).rtl,
        # The family names SVG text is drawn in (the EPUB's cover): the language's fonts, then any sans-serif.
        "cover_fonts": record(config.language).figure_fonts,
        # An icon array's words as text of the page (layouts/partials/icon-array.html) where the language's script
        # cannot be an SVG's text; an edition may ask for them too (editions.py: icon_labels_as_text).
        "icon_labels_as_text": not record(config.language).svg_text,
    }


def qr_svg_data_url(url: str) -> str:
    """A QR code for `url` as an SVG data: URL (drawn as vectors in the PDF, packed in the EPUB)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000000", light="#ffffff")
