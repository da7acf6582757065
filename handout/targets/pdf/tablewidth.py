"""Tables wider than the printed page: refused at the chapter line of the table, never cut off silently.

Each Markdown table carries the id `<slug>--table-<n>` (markdown_ext): after WeasyPrint lays out a print
edition, `check_table_widths` looks for a table box that reaches past the right edge of its page's text area
and names the chapter and line of that table. `publish.py check` warns earlier, from the Markdown alone, of a
table whose columns cannot fit however they are drawn (handout/load/tables.py: `wide_tables`).
"""
from __future__ import annotations

from pathlib import Path

from handout.core.errors import InputError
from handout.load.book import split_front_matter
from handout.load.markdown_ext import CHAPTER_FILE
from handout.load.tables import TABLE_ID, table_lines

TOLERANCE_PX = 1.0


def _chapter_of(root: Path, slug: str) -> Path | None:
    for path in sorted((root / "chapters").glob("*.md")):
        match = CHAPTER_FILE.match(path.name)
        if match and match.group(2) == slug:
            return path
    return None


def _where(root: Path, element_id: str) -> tuple[Path | None, int | None]:
    """The chapter file and line of the table with this id (the project's chapters/ as it is on disk)."""
    match = TABLE_ID.match(element_id or "")
    path = _chapter_of(root, match["slug"]) if match else None
    if path is None:
        return None, None
    try:
        _, body, body_line = split_front_matter(path.read_text(encoding="utf-8-sig").replace("\r\n", "\n"), path)
    except (InputError, OSError, UnicodeDecodeError):
        return path, None
    lines = table_lines(body, body_line)
    number = int(match["number"])
    return path, lines[number - 1] if number <= len(lines) else None


def check_table_widths(document, root: Path) -> None:
    """Refuse a laid-out print document with a table wider than its page's text area."""
    from weasyprint.formatting_structure import boxes

    for page_number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        right_edge = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            if not isinstance(box, boxes.TableBox):
                continue
            right = box.border_box_x() + box.border_width()
            if right <= right_edge + TOLERANCE_PX:
                continue
            element_id = box.element.get("id") if box.element is not None else None
            path, line = _where(root, element_id)
            columns = len(box.column_widths or ())
            raise InputError(f"a table of {columns} columns is {box.border_width() * 0.75:.0f} pt wide, wider than "
                             f"the page's text ({page_box.width * 0.75:.0f} pt, printed page {page_number}): the "
                             "columns past the edge would be cut off; split it into narrower tables or make it a "
                             "list", path or root / ("chapters" if TABLE_ID.match(element_id or "") else "layouts"), line)
