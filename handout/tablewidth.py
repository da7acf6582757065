"""Tables wider than the printed page: refused at the chapter line of the table, never cut off silently.

Each Markdown table carries the id `<slug>--table-<n>` (markdown_ext): after WeasyPrint lays out a print
edition, `check_table_widths` looks for a table box that reaches past the right edge of its page's text area
and names the chapter and line of that table. `publish.py check` warns earlier, from the Markdown alone, of a
table whose columns cannot fit however they are drawn (`wide_table_warnings`).
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import InputError

TABLE_ID = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)--table-(?P<number>\d+)$")
SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
TOLERANCE_PX = 1.0
# The narrowest text area of the print editions (large print: about 26 em of its 18 pt text) and the least a
# column takes (its longest word, plus cell padding), in em of the body text.
NARROWEST_TEXT_EM = 26
CELL_PADDING_EM = 1.0
CHARACTER_EM = 0.55


def table_id(slug: str, number: int) -> str:
    return f"{slug}--table-{number}"


def table_lines(body: str, first_line: int) -> list[int]:
    """The line of each Markdown table of a chapter body (its header row), in order."""
    lines = body.split("\n")
    return [first_line + index - 1 for index in range(1, len(lines))
            if "|" in lines[index] and "-" in lines[index] and SEPARATOR.match(lines[index]) and lines[index - 1].strip()]


def _chapter_of(root: Path, slug: str) -> Path | None:
    from .markdown_ext import CHAPTER_FILE

    for path in sorted((root / "chapters").glob("*.md")):
        match = CHAPTER_FILE.match(path.name)
        if match and match.group(2) == slug:
            return path
    return None


def _where(root: Path, element_id: str) -> tuple[Path | None, int | None]:
    """The chapter file and line of the table with this id (the project's chapters/ as it is on disk)."""
    from .book import split_front_matter

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


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return re.split(r"(?<!\\)\|", row)


def wide_tables(body: str, first_line: int) -> list[tuple[int, int, float]]:
    """(line, columns, least width in em) of each table whose columns cannot fit the narrowest print
    edition's text even at their longest word each."""
    lines = body.split("\n")
    found = []
    for line in table_lines(body, first_line):
        index = line - first_line
        rows = [lines[index]]
        for row in lines[index + 2:]:
            if "|" not in row or not row.strip():
                break
            rows.append(row)
        widths: dict[int, int] = {}
        for row in rows:
            for column, cell in enumerate(_cells(row)):
                longest = max((len(word) for word in cell.split()), default=0)
                widths[column] = max(widths.get(column, 0), longest)
        least = sum(width * CHARACTER_EM + CELL_PADDING_EM for width in widths.values())
        if least > NARROWEST_TEXT_EM:
            found.append((line, len(widths), least))
    return found
