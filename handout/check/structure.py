"""structure: the PEMAT-P items a program can check (a key-points summary, a checklist or numbered steps,
sections of at most `check.section_words_max` words), and tables too wide for the print editions."""
from __future__ import annotations

import re

from handout.check.findings import Finding
from handout.check.registry import rule
from handout.check.source import HEADING, TABLE_RULE, chapter_path, prose
from handout.core.text import WORD
from handout.load.tables import wide_tables


@rule("structure", levels=("warning",), settings=("section_words_max",), doc="""no `::: key-points` box; no
      checklist and no numbered list; a section longer than the limit""")
def check_structure(book, today) -> list[Finding]:
    return [*_structure(book), *_wide_tables(book)]


def _structure(book) -> list[Finding]:
    """PEMAT-P items a program can check: a key-points summary, a checklist or numbered steps, and sections
    of at most `section_words_max` words."""
    found = []
    first = next((c for c in book.chapters if c.role == "chapter"), book.chapters[0])
    first_path = chapter_path(first, book)
    if not any(block.kind == "key-points" for chapter in book.chapters for block in chapter.blocks):
        found.append(Finding("structure", "warning", first_path, first.body_line,
                             "no chapter has a key-points summary",
                             "add a '::: key-points' box with the main messages near the start",
                             code="structure.no-key-points"))
    if not any(block.kind == "checklist" or "<ol" in block.html
               for chapter in book.chapters for block in chapter.blocks):
        found.append(Finding("structure", "warning", first_path, first.body_line,
                             "the handout has no checklist and no numbered steps: nothing tells the reader "
                             "what to do", "add a '::: checklist' of questions to ask, or number the steps "
                             "the reader should take (1. 2. 3.)", code="structure.no-actions"))
    limit = book.config.check.section_words_max
    for chapter in book.chapters:
        if chapter.role != "chapter":
            continue
        for line, title, words in sections(chapter):
            if words > limit:
                found.append(Finding("structure", "warning", chapter_path(chapter, book), line,
                                     f"section '{title}' has {words} words, over the limit of {limit} "
                                     "(check.section_words_max)",
                                     "split it under more headings, or shorten it", code="structure.long-section"))
    return found


def sections(chapter) -> list[tuple[int, str, int]]:
    """(line, title, words) of each section: the text under a heading up to the next heading; the text
    before the first heading is the chapter's opening section."""
    result: list[list] = [[chapter.body_line, "(opening)", 0]]
    for offset, raw in enumerate(chapter.body.split("\n")):
        heading = HEADING.match(raw)
        if heading:
            result.append([chapter.body_line + offset, prose(heading.group(2)).strip(), 0])
            continue
        if raw.startswith(":::"):  # a box: only its title is read
            result[-1][2] += len(WORD.findall(" ".join(re.findall(r'"([^"]*)"', raw))))
            continue
        if TABLE_RULE.match(raw.strip()):
            continue
        result[-1][2] += len(WORD.findall(prose(raw, alt=False)))
    return [(line, title, words) for line, title, words in result if words or title != "(opening)"]




def _wide_tables(book) -> list[Finding]:
    """structure: a table whose columns cannot fit the narrowest print edition (print editions refuse it)."""

    return [Finding("structure", "warning", chapter_path(chapter, book), line,
                    f"a table of {columns} columns needs at least {least:.0f} em, more than the large print page's "
                    "text is wide: print editions will refuse it", "split it into narrower tables or make it a list",
                    code="structure.wide-table")
            for chapter in book.chapters for line, columns, least in wide_tables(chapter.body, chapter.body_line)]

