"""Parts of a chapter marked for the desk sheet (handout/targets/pdf/sheet.py lays them out and checks they fit).

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
from html import unescape

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
