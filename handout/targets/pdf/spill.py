"""Near-empty last pages: the spill check, and the layout rules that keep a handout from spilling.

A PDF edition whose last page holds only a little (a block pushed over from the page before: the QR code and a
sentence) wastes a sheet, and in the booklet the outside back cover becomes that near-empty page instead of
"About this handout". After an edition is laid out, `share` measures how much of its last page's content area
its lines and images cover (the running headers and footers are not counted). Under a fifth of a page, the
edition is laid out again with the print stylesheets' fitting rules (`html[data-fit="1"]`, then "2": print.css
and the desk sheet's sheet.css), which close up the back page and then the space between blocks; what still
spills after the last level is a warning naming the edition and the words that spilled. A document of one page
cannot spill. A desk sheet longer than its pages is fitted the same way before it is refused.

A translation's back page is longer than the source's (its crisis lines, and two more rows: the translator and
the translation's reviewer), so a translation's edition is first laid out at the level at which its back page
alone does not spill (`back_page_alone`, sheetfit.py): one layout of the edition instead of two.
"""
from __future__ import annotations

import re

LEAST = 0.2       # a last page holding less than this share of a page has spilled
FIT_LEVELS = 2    # the fitting rules tried, in order, before the warning (print.css: html[data-fit])


def _content(page_box):
    """The boxes of a page's content (not its margin boxes: running headers and footers)."""
    from weasyprint.formatting_structure import boxes

    stack = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
    while stack:
        box = stack.pop()
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)):
            yield box
            continue
        stack.extend(getattr(box, "children", ()))


def _words(box) -> str:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return box.text
    return " ".join(_words(child) for child in getattr(box, "children", ()))


def share(document) -> float:
    """How much of the last page's content area (its height) its lines and images cover, from 0 to 1."""
    page = document.pages[-1]._page_box
    spans = sorted((box.position_y, box.position_y + box.margin_height()) for box in _content(page))
    covered, reach = 0.0, None
    for top, bottom in spans:
        if reach is None or top > reach:
            covered += bottom - top
            reach = bottom
        elif bottom > reach:
            covered += bottom - reach
            reach = bottom
    return covered / page.height if page.height else 1.0


def spilled(document) -> bool:
    return len(document.pages) > 1 and share(document) < LEAST


def needs_fitting(document, max_pages: int = 0) -> bool:
    """Whether to lay the edition out again more tightly: its last page spilled, or it has more pages than the
    edition may take (a desk sheet: `max_pages`, editions.py)."""
    return spilled(document) or bool(max_pages and len(document.pages) > max_pages)


def last_words(document, length: int = 70) -> str:
    """The words on the last page, in reading order, shortened to about `length` characters."""
    lines = sorted(_content(document.pages[-1]._page_box), key=lambda box: (box.position_y, box.position_x))
    text = re.sub(r"\s+", " ", " ".join(_words(box) for box in lines)).strip()
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def fitting(html: str, level: int) -> str:
    """The print document with fitting level `level` (a class on its root element: print.css's rules)."""
    return re.sub(r"<html\b", f'<html data-fit="{level}"', html, count=1) if level else html


def back_page_alone(html: str) -> str | None:
    """The print document with nothing before its back page (the title block, the contents, the chapters), or
    None when it has no back page. The back page starts a page of its own and ends the document (print.css), so
    whether an edition spills is whether its back page, laid out alone on the same pages, spills: a layout of one
    or two pages instead of the whole edition's."""
    found = re.search(r"(<body\b[^>]*>).*?(?=<section class=\"back-page\")", html, flags=re.S)
    return html[:found.end(1)] + html[found.end():] if found else None


def warning(edition: str, language: str, document) -> str:
    """What the build says of an edition that still spills after every fitting level."""
    pages = len(document.pages)
    return (f"the {edition} edition ({language}) spills onto a near-empty last page: page {pages} holds "
            f"{share(document):.2f} of a page ('{last_words(document) or 'an image'}'): shorten the text "
            f"before it, or the back page's, so the edition ends a page earlier")
