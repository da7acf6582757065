"""Markdown tables as the loader and the checks see them: each table's id (`<slug>--table-<n>`, given by the
Markdown dialect), the line of each, and which cannot fit the narrowest print edition however they are drawn
(`publish.py check` warns of those; handout/targets/pdf/tablewidth.py refuses a laid-out table past the page)."""
from __future__ import annotations

import re

TABLE_ID = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)--table-(?P<number>\d+)$")
SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
# The narrowest text area of the print editions (large print: about 26 em of its 18 pt text) and the least a
# column takes (its longest word, plus cell padding), in em of the body text.
NARROWEST_TEXT_EM = 26
CELL_PADDING_EM = 1.0
CHARACTER_EM = 0.55
# Wide characters (Chinese, Japanese, Korean, full-width punctuation) are about 1 em each, and a line may break
# between any two of them (Unicode line breaking, UAX #14): each is a piece of its own, as a word is elsewhere.
WIDE = "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3" \
       "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
UNBROKEN = re.compile(f"[{WIDE}]|[^\\s{WIDE}]+")
WIDE_EM = 1.0


def _em(piece: str) -> float:
    """The width of a piece no line breaks inside, in em: a wide character, or a word."""
    return WIDE_EM if re.fullmatch(f"[{WIDE}]", piece) else len(piece) * CHARACTER_EM


def table_id(slug: str, number: int) -> str:
    return f"{slug}--table-{number}"


def table_lines(body: str, first_line: int) -> list[int]:
    """The line of each Markdown table of a chapter body (its header row), in order."""
    lines = body.split("\n")
    return [first_line + index - 1 for index in range(1, len(lines))
            if "|" in lines[index] and "-" in lines[index] and SEPARATOR.match(lines[index]) and lines[index - 1].strip()]


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
        widths: dict[int, float] = {}
        for row in rows:
            for column, cell in enumerate(_cells(row)):
                longest = max((_em(piece) for piece in UNBROKEN.findall(cell)), default=0)
                widths[column] = max(widths.get(column, 0), longest)
        least = sum(width + CELL_PADDING_EM for width in widths.values())
        if least > NARROWEST_TEXT_EM:
            found.append((line, len(widths), least))
    return found
