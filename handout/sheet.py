"""The desk sheet: the parts of the handout its editor marks, laid out on at most two pages (editions.py: the
`sheet` and `large-print-sheet` editions), and the check that they fit.

Marking, in the Markdown itself (never a copy of the text):

- a box: `::: checklist "Questions to ask" {sheet}` (any box: key points, callout, warning, checklist, icon
  array);
- a chapter's key-points box: `sheet: true` in its front matter;
- a section: `## A visit day {sheet}` (or `{#visit-day sheet}`): the heading and everything under it, boxes
  too, up to the next heading of the same or a higher level;
- a table, a list or a paragraph: a line `{sheet}` alone, after a blank line, right after it.

The loader (book.py) keeps each chapter's marked parts in `Chapter.sheet`, blocks numbered by part (`part`),
with the line each part starts on; the sheet's layout (layouts/sheet.html) draws them in reading order, each in
a `<div class="sheet-part" id="sheet-part-<slug>-<n>">`, so that the fit check can measure them.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from .errors import InputError

EPUB_NS = "http://www.idpf.org/2007/ops"
MARK = re.compile(r'\sdata-sheet="(\d+)"')
# A source line that marks something: `{sheet}` alone, or an attribute list holding the word sheet.
MARK_LINE = re.compile(r"\{[^}\n]*(?<![\w-])sheet(?![\w-])[^}\n]*\}\s*$")
BOX_MARK = re.compile(r"\s*\{\s*sheet\s*\}\s*$")
TAG = re.compile(r"<[^>]+>")


def split_marked(html: str) -> tuple[str, dict[int, str]]:
    """A block's HTML with the loader's `data-sheet` marks taken out, and each marked part's HTML (its
    top-level elements, in order) by part number."""
    if 'data-sheet="' not in html:
        return html, {}
    ET.register_namespace("epub", EPUB_NS)
    tree = ET.fromstring(f'<div xmlns:epub="{EPUB_NS}">{html}</div>')
    parts: dict[int, list[str]] = {}
    for element in tree:
        number = element.attrib.pop("data-sheet", None)
        if number is None:
            continue
        element.tail = None
        text = ET.tostring(element, encoding="unicode")
        parts.setdefault(int(number), []).append(text.replace(f' xmlns:epub="{EPUB_NS}"', "", 1))
    return MARK.sub("", html), {number: "\n".join(texts) for number, texts in parts.items()}


def mark_lines(source: str, first_line: int) -> list[int]:
    """The lines of a Markdown run's marks, in order."""
    return [first_line + offset for offset, line in enumerate(source.split("\n")) if MARK_LINE.search(line)]


def part_name(kind: str, title: str, html: str) -> str:
    """How a message names a marked part: `section "A visit day"`, `checklist "Questions"`, `table`."""
    if kind != "markdown":
        return f'{kind} box "{title}"' if title else f"{kind} box"
    start = re.match(r"\s*<(\w+)", html)
    tag = start.group(1) if start else ""
    first = re.sub(r'<sup class="cite">.*?</sup>', "", html.split("\n", 1)[0])
    text = " ".join(unescape(TAG.sub("", first)).split())
    if re.fullmatch(r"h[1-6]", tag):
        return f'section "{text}"'
    if tag == "table":
        return "table"
    if tag in {"ul", "ol"}:
        return "list"
    words = text.split()
    return f'paragraph "{" ".join(words[:6])}{"..." if len(words) > 6 else ""}"'


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
                   "short_authors": _short_authors(r.authors)} for r in book.references if r.key in cited]
    return link, {"sheet_parts": shown, "sheet_references": references}


def _short_authors(authors: str) -> str:
    """"Cipriani A, Furukawa TA, Salanti G" -> "Cipriani A et al."; one author (or an agency) as it is."""
    first, _, rest = authors.partition(",")
    return f"{first.strip()} et al." if rest.strip() else f"{first.strip().rstrip('.')}."
