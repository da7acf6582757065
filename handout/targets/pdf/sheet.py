"""The desk sheet: the parts of the handout its editor marks, laid out on at most two pages (editions.py: the
`sheet` and `large-print-sheet` editions), and the check that they fit.

Marking (`{sheet}` in the Markdown) is read by the loader: handout/load/sheetmarks.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from handout.core.errors import InputError
from handout.load.sheetmarks import part_name


@dataclass(frozen=True)
class Part:
    """One marked part of the book, in reading order, as the sheet's layout draws it."""
    id: str
    chapter: object   # the Chapter (plain data, for the layout)
    name: str
    line: int
    blocks: tuple     # its Blocks

    @property
    def path(self) -> Path:
        return self.chapter.path


def parts(book) -> list[Part]:
    """Every marked part of the book, in reading order."""
    found: list[Part] = []
    for chapter in book.chapters:
        for block in chapter.sheet:
            ident = f"sheet-part-{chapter.slug}-{block.part}"
            if found and found[-1].id == ident:
                found[-1] = Part(found[-1].id, chapter, found[-1].name, found[-1].line, (*found[-1].blocks, block))
                continue
            name = block.title if block.kind == "markdown" else part_name(block.kind, block.title, block.html)
            found.append(Part(ident, chapter, name, block.line, (block,)))
    return found


def anchors(parts_: list[Part]) -> set[str]:
    """The ids the sheet holds (links to any other go to the full handout)."""
    ids = set()
    for part in parts_:
        for block in part.blocks:
            ids.update(re.findall(r'\sid="([^"]+)"', block.html))
    return ids


# ---- the fit check -------------------------------------------------------------------------------------------

def _part_boxes(document):
    """(page number, part id, box) for each box of a marked part in a laid-out document (WeasyPrint's)."""
    for number, page in enumerate(document.pages, 1):
        stack = [page._page_box]
        while stack:
            current = stack.pop()
            element = getattr(current, "element", None)
            ident = element.get("id", "") if element is not None and hasattr(element, "get") else ""
            if ident.startswith("sheet-part-") and getattr(current, "element_tag", "") == "div":
                yield number, ident, current
                continue
            stack.extend(getattr(current, "children", ()))


def measure(document) -> tuple[dict[str, float], dict[str, int], float]:
    """Each part's size in a laid-out document (its area, summed over the pages and columns it is on), the
    last page it reaches, and the area of a page's content (CSS pixels squared)."""
    heights: dict[str, float] = {}
    last_page: dict[str, int] = {}
    for number, ident, box in _part_boxes(document):
        heights[ident] = heights.get(ident, 0.0) + box.margin_height() * box.margin_width()
        last_page[ident] = number
    area = max((page._page_box.height * page._page_box.width for page in document.pages), default=1.0)
    return heights, last_page, area


def fit_problem(book, edition, document) -> InputError | None:
    """The error of an edition whose pages are too many for it (`edition.max_pages`): it names the edition, the
    pages it reached and each marked part, in order, with its size; at the first part that does not fit."""
    pages = len(document.pages)
    if not edition.max_pages or pages <= edition.max_pages:
        return None
    found = parts(book)
    sizes_, last_page, area = measure(document)
    sizes = ", ".join(f"{_where(part, book)} {part.name} ({sizes_.get(part.id, 0) / area:.2f} page)"
                      for part in found) or "none"
    first = next((part for part in found if last_page.get(part.id, 0) > edition.max_pages),
                 found[-1] if found else None)
    message = (f"the {edition.name} edition takes {pages} pages, more than its {edition.max_pages}: the parts "
               f"marked for it, in order: {sizes}. Mark fewer parts (remove {{sheet}}) or shorten them")
    if first is None:
        return InputError(message, book.config.path, code="sheet.too-long")
    return InputError(message, first.path, first.line, code="sheet.too-long")


def _where(part: Part, book) -> str:
    try:
        shown = part.path.relative_to(book.root).as_posix()
    except ValueError:
        shown = part.path.name
    return f"{shown}:{part.line}"


# ---- what the sheet's layout gets ----------------------------------------------------------------------------

def layout_context(book) -> tuple[object, dict]:
    """The link function and the layout context of the desk sheet: its parts (each flagged when it needs its
    chapter's title above it: a table, list or paragraph, first of its chapter), the sources its parts cite,
    in the book's numbering. A link to anything not on the sheet goes to the full handout online (the web
    edition has the same anchors), or stays an anchor when the handout has no online address."""
    found = parts(book)
    on_sheet = anchors(found)
    online = book.config.online_url

    def link(anchor: str) -> str:
        if anchor in on_sheet or anchor.startswith("ref-") or not online:
            return f"#{anchor}"
        return f"{online}#{anchor}"

    cited = set()
    for part in found:
        for block in part.blocks:
            cited.update(re.findall(r'href="#ref-([^"]+)"', block.html))
    shown = []
    previous = None
    for part in found:
        first = part.blocks[0]
        heading = part.chapter is not previous and first.kind == "markdown" and not part.name.startswith("section ")
        shown.append({"id": part.id, "chapter": part.chapter, "blocks": part.blocks, "chapter_heading": heading})
        previous = part.chapter
    references = [{"key": r.key, "number": r.number, "publisher": r.publisher, "year": r.year,
                   "short_authors": _short_authors(r.authors), "foreign": r.foreign}
                  for r in book.references if r.key in cited]
    return link, {"sheet_parts": shown, "sheet_references": references}


def _short_authors(authors: str) -> str:
    """"Cipriani A, Furukawa TA, Salanti G" -> "Cipriani A et al."; one author (or an agency) as it is."""
    first, _, rest = authors.partition(",")
    return f"{first.strip()} et al." if rest.strip() else f"{first.strip().rstrip('.')}."
