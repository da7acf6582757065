"""A chapter's Markdown source as the rules read it: its words as a reader sees them (`prose`), its units
(paragraphs, list items, tables, headings, box titles) with their lines, and their sentences (split as
`handout/core/text.py` splits them, for the readability scores too)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from handout.check.findings import relative
from handout.core.sourcelines import line_at, line_of_any
from handout.core.text import sentence_spans

CITATION = re.compile(r"\[@[^\]\n]*\]")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_ATTRIBUTES = re.compile(r"\{\s*[#.:][^}\n]*\}")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_DEFINITION = re.compile(r"^:\s+")
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def prose(text: str, citations: bool = False, alt: bool = True) -> str:
    """Markdown source as a reader sees its words, line breaks kept: no link targets, attribute lists or
    HTML tags; image alt text kept (`alt`) or dropped; citations kept or dropped."""
    text = _IMAGE.sub(lambda m: m.group(1) if alt else "", text)
    if not citations:
        text = CITATION.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _ATTRIBUTES.sub("", text)
    return _TAG.sub("", text)


@dataclass
class Unit:
    """A paragraph, list item, definition, table, heading or box title of a chapter's source, with its lines."""
    kind: str                       # paragraph, item, table, heading, title (a box's title)
    first_line: int
    lines: list[str]
    lead: "Unit | None" = None      # a list's lead-in paragraph ("... studies show:"), a table's paragraph before
    after: "Unit | None" = None     # a table's paragraph right after; a heading's or box title's first text

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def units(chapter) -> list[Unit]:
    """Split a chapter's Markdown into units, each with the line it starts on. A box's `:::` lines end units
    and are a boundary: a list or table inside a box takes no lead-in from outside it."""
    found: list[Unit] = []
    current: Unit | None = None
    previous: Unit | None = None  # a table just ended by a blank line: the next paragraph is its "after"
    boundary = 0                  # units before this index are outside the current box
    opened: list[Unit] = []       # headings and box titles waiting for their first text

    def close():
        nonlocal current
        if current is not None:
            found.append(current)
        current = None

    def last(*kinds: str) -> Unit | None:
        return found[-1] if len(found) > boundary and found[-1].kind in kinds else None

    def start(unit: Unit) -> Unit:
        for waiting in opened:
            waiting.after = unit
        opened.clear()
        return unit

    for offset, raw in enumerate(chapter.body.split("\n")):
        number = chapter.body_line + offset
        stripped = raw.strip()
        if raw.startswith(":::"):
            close()
            previous, opened[:] = None, [u for u in opened if u.kind == "heading"]
            box = re.match(r':::\s*[\w-]+\s*"([^"]*)"', stripped)
            if box and box.group(1).strip():
                found.append(Unit("title", number, [box.group(1)]))
                opened.append(found[-1])
            boundary = len(found)
            continue
        if not stripped:
            if current is not None and current.kind == "table":
                previous = current
            close()
            continue
        heading = HEADING.match(stripped)
        if heading and not raw.startswith((" ", "\t")):
            close()
            found.append(Unit("heading", number, [heading.group(2)]))
            opened[:] = [found[-1]]
            previous = None
            continue
        if stripped.startswith("|"):
            if current is None or current.kind != "table":
                close()
                current = start(Unit("table", number, [], lead=last("paragraph")))
            current.lines.append("" if TABLE_RULE.match(stripped) else stripped)  # keep the line count
            continue
        if LIST_ITEM.match(raw) or _DEFINITION.match(raw):
            lead = None
            if current is not None and current.kind == "item":
                lead = current.lead
            elif current is None and last("item"):
                lead = found[-1].lead
            else:
                before = current if current is not None else last("paragraph")
                if before is not None and before.kind == "paragraph" and before.text.rstrip().endswith(":"):
                    lead = before
            close()
            current = start(Unit("item", number, [raw], lead=lead))
            continue
        if current is None or current.kind == "table":
            table = current if current is not None else previous
            close()
            current = start(Unit("paragraph", number, [raw]))
            if table is not None and table.after is None:
                table.after = current
            previous = None
            continue
        current.lines.append(raw)
    close()
    return found


def sentences(unit: Unit) -> list[tuple[int, str]]:
    """(line, sentence) pairs of a unit's source; a citation after a full stop stays with its sentence.
    A table's rows are its sentences."""
    if unit.kind == "table":
        return [(unit.first_line + offset, row) for offset, row in enumerate(unit.lines) if row]
    text = unit.text
    return [(line_at(text, start, unit.first_line), text[start:end].strip())
            for start, end in sentence_spans(text) if text[start:end].strip()]


def locate(chapter, sentence: str) -> int:
    """The source line of a sentence taken from the rendered text: its first words, markup allowed between."""
    source = prose(chapter.body)
    words = re.findall(r"\w+", sentence)
    for count in (8, 5, 3, 2, 1):
        if len(words) < count and count != 1:
            continue
        pattern = r"\W+".join(re.escape(w) for w in words[:count])
        if not pattern:
            break
        match = re.search(r"(?<!\w)" + pattern, source)
        if match:
            return line_at(source, match.start(), chapter.body_line)
    return chapter.body_line


def chapter_path(chapter, book) -> str:
    return relative(chapter.path, book.root)


def source_line(chapter, needle: str) -> int:
    """The line of `needle` in the chapter's source (as written, or with `&` written `&amp;`); its first line
    when it is not there."""
    return line_of_any(chapter.body, (needle, needle.replace("&", "&amp;")), chapter.body_line) or chapter.body_line

