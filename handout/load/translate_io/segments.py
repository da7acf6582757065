"""The translatable text of a chapter file, as spans of its bytes: one segment per block (a heading, a paragraph,
a list item, a table cell, a box title, an icon array's outcome and group labels, a figure's alt text and caption,
a glossary term and its definition, the front matter's title, short title and summary).

Each segment is a span (start, end) of the file's text, so that a translated file is made by replacing spans and
every other byte is kept. Inline markup inside a segment (emphasis, links, citations, attribute marks such as
`{sheet}` or `{#id}`, inline code, HTML, escapes, line breaks) becomes placeholders (`inline`), which a
translation must keep.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from handout.load.translations import _front_matter

FRONT_MATTER_WORDS = ("title", "short_title", "summary")

_FENCE = re.compile(r"^(?P<indent>\s*):::+[ \t]*(?P<kind>[\w-]*)[ \t]*(?:\"(?P<title>[^\"\n]*)\")?")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(?P<mark>#{1,6}[ \t]+)(?P<text>.*?)(?P<attrs>[ \t]*\{[^{}\n]*\})?[ \t]*$")
_ITEM = re.compile(r"^(?P<mark>\s*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(?P<text>.*?)[ \t]*$")
_QUOTE = re.compile(r"^(?P<mark>\s*>[ \t]?)(?P<text>.*?)[ \t]*$")
_DEFINITION = re.compile(r"^(?P<mark>:[ \t]+)(?P<text>.*?)[ \t]*$")
_TERM = re.compile(r"^(?P<text>[^\s:|#>!-].*?)(?P<attrs>[ \t]*\{#(?P<id>[^{}\s]+)\})[ \t]*$")
_IMAGE = re.compile(r"^\s*!\[(?P<alt>[^\]\n]*)\]\((?P<src>[^)\s\"]+)(?:[ \t]+\"(?P<caption>[^\"\n]*)\")?\)"
                    r"(?P<rest>.*)$")
_OUTCOME = re.compile(r"^(?P<mark>\s*outcome:[ \t]*)(?P<text>.*?)[ \t]*$", re.I)
_GROUP = re.compile(r"^(?P<mark>\s*[-*+][ \t]+\d+[ \t]+)(?P<text>.*?)[ \t]*$")
_COMMENT_START, _COMMENT_END = "<!--", "-->"
_ATTRS_ONLY = re.compile(r"^\s*\{[^{}\n]*\}\s*$")
_FRONT_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")

# Inline markup that a translation keeps as it is: each match is one placeholder.
INLINE = re.compile(r"""
    (?P<cite>\[-?@[^\]\n]*\])                     # citations [@key; @other]
  | (?P<image>!\[[^\]\n]*\]\([^)\n]*\))           # an inline image, whole
  | (?P<linkend>\]\([^)\n]*\))                    # the end of a link: ](target "title")
  | (?P<linkstart>\[)(?=[^\]\n]*\]\()             # the start of a link
  | (?P<spanend>\]\{[^{}\n]*\})                  # the end of a marked span: ]{lang=en}
  | (?P<spanstart>\[)(?=[^\]\n]*\]\{)             # its start
  | (?P<code>`+[^`\n]*`+)                         # inline code
  | (?P<html><[^>\n]+>)                           # HTML
  | (?P<attrs>\{[^{}\n]*\})                       # attribute marks: {sheet} {#id} {.class}
  | (?P<brace>[{}])                               # a lone brace (numbered markers use braces)
  | (?P<escape>\\[^\sA-Za-z0-9])                  # an escaped character
  | (?P<hardbreak>(?:\\|[ ]{2,})\n[ \t]*)          # a hard line break
  | (?P<strong>\*\*|__)                           # strong emphasis
  | (?P<em>\*|(?<![\w])_|_(?![\w]))               # emphasis
""", re.X)
PAIRED = {"strong", "em"}
_SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def block_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Segment:
    kind: str                 # "title", "heading", "paragraph", "item", "cell", "box-title", "outcome", "label",
                              # "alt", "caption", "term", "definition", "quote", "short_title", "summary"
    start: int
    end: int
    line: int
    anchor: str = ""          # an explicit id that pairs it with its translation whatever the order (glossary)
    sheet: bool = False       # in a block of the desk sheet ({sheet})
    text: str = ""            # the file's text of the span

    @property
    def translatable(self) -> bool:
        return any(ch.isalpha() for ch in INLINE.sub("", self.text))


@dataclass(frozen=True)
class Inline:
    """A segment's text as words and placeholders: `parts` alternates text (str) and placeholder numbers (int);
    `codes` are the placeholders' markup; `pairs` the (open, close) numbers of emphasis."""
    parts: tuple
    codes: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    pairs: tuple = ()


def inline(text: str) -> Inline:
    """Split a segment's text into words and numbered placeholders (1, 2, ...); a soft line break is a space."""
    parts, codes, kinds, opened, pairs, link = [], {}, {}, {}, [], None
    position = 0
    for match in INLINE.finditer(text):
        if match.start() > position:
            parts.append(_SOFT_BREAK.sub(" ", text[position:match.start()]))
        number = len(codes) + 1
        codes[number], kinds[number] = match.group(0), match.lastgroup
        if match.lastgroup in ("linkstart", "spanstart"):
            link = number
        elif match.lastgroup in ("linkend", "spanend") and link is not None:
            pairs.append((link, number))
            link = None
        if match.lastgroup in PAIRED:
            token = match.group(0)
            if token in opened:
                pairs.append((opened.pop(token), number))
            else:
                opened[token] = number
        parts.append(number)
        position = match.end()
    if position < len(text):
        parts.append(_SOFT_BREAK.sub(" ", text[position:]))
    return Inline(tuple(parts), codes, kinds, tuple(pairs))


def plain(parts) -> str:
    """The text of parts with each placeholder as its markup (what a chapter holds)."""
    return "".join(p for p in parts if isinstance(p, str))


def _lines(text: str, start: int, end: int):
    """(offset, line number, line without its end) of the lines of text[start:end]."""
    number = text.count("\n", 0, start) + 1
    offset = start
    while offset < end:
        stop = text.find("\n", offset, end)
        stop = end if stop < 0 else stop
        line = text[offset:stop]
        yield offset, number, line.removesuffix("\r")
        offset, number = stop + 1, number + 1


def segments(text: str) -> list[Segment]:
    """The segments of a chapter file's text, in the file's order."""
    found: list[Segment] = []

    def add(kind, start, end, line, anchor="", sheet=False):
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
        while start < end and text[start] in " \t":
            start += 1
        if end > start:
            found.append(Segment(kind, start, end, line, anchor, sheet, text[start:end]))

    body_start = 0
    span = _front_matter(text)
    if span is not None:
        for offset, number, line in _lines(text, span[0], span[1]):
            match = _FRONT_KEY.match(line)
            if match and match["key"] in FRONT_MATTER_WORDS and match["value"]:
                start, end = offset + match.start("value"), offset + match.end("value")
                value = match["value"]
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" and "\\" not in value \
                        and value.count(value[0]) == 2:
                    start, end = start + 1, end - 1
                add(match["key"], start, end, number, anchor=match["key"])
        closing = text.find("\n", span[1])
        body_start = len(text) if closing < 0 else closing + 1

    lines = list(_lines(text, body_start, len(text)))
    paragraph: list[tuple[int, int, str]] = []   # (offset, line number, line) of the open paragraph
    item: list | None = None                     # [kind, start, end, line, sheet] of an open list item
    fences: list[tuple[str, bool]] = []          # the open boxes: (kind, sheet)
    in_code, in_comment = False, False

    def sheet_now() -> bool:
        return any(sheet for _, sheet in fences)

    def close():
        nonlocal paragraph, item
        if paragraph:
            first_offset, first_number, _ = paragraph[0]
            last_offset, _, last = paragraph[-1]
            sheet = sheet_now() or _next_is_sheet(index)
            add("paragraph", first_offset, last_offset + len(last), first_number, sheet=sheet)
            paragraph = []
        if item:
            add(item[0], item[1], item[2], item[3], sheet=item[4] or _next_is_sheet(index))
            item = None

    def _next_is_sheet(at: int) -> bool:
        """A block followed by a line `{sheet}` (after a blank line) is on the desk sheet."""
        for _, _, line in lines[at:at + 3]:
            if line.strip():
                return line.strip() == "{sheet}"
        return False

    index = 0
    while index < len(lines):
        offset, number, line = lines[index]
        index += 1
        stripped = line.strip()
        if in_comment:
            in_comment = _COMMENT_END not in line
            continue
        if in_code:
            in_code = not _CODE_FENCE.match(line)
            continue
        if not stripped:
            close()
            continue
        if _CODE_FENCE.match(line):
            close()
            in_code = True
            continue
        if stripped.startswith(_COMMENT_START):
            close()
            in_comment = _COMMENT_END not in stripped
            continue
        fence = _FENCE.match(line)
        if fence:
            close()
            if fence["kind"]:
                sheet = "{sheet}" in line
                fences.append((fence["kind"], sheet))
                if fence["title"] is not None:
                    add("box-title", offset + fence.start("title"), offset + fence.end("title"), number,
                        sheet=sheet or sheet_now())
            elif fences:
                fences.pop()
            continue
        if _ATTRS_ONLY.match(line):
            close()
            continue
        if fences and fences[-1][0] == "icon-array":
            close()
            for pattern, kind in ((_OUTCOME, "outcome"), (_GROUP, "label")):
                match = pattern.match(line)
                if match:
                    add(kind, offset + match.start("text"), offset + match.end("text"), number, sheet=sheet_now())
                    break
            continue
        heading = _HEADING.match(line)
        if heading:
            close()
            add("heading", offset + heading.start("text"), offset + heading.end("text"), number,
                sheet=sheet_now())
            continue
        image = _IMAGE.match(line)
        if image and not image["rest"].strip(" \t{}sheet#.-_"):
            close()
            add("alt", offset + image.start("alt"), offset + image.end("alt"), number, sheet=sheet_now())
            if image["caption"] is not None:
                add("caption", offset + image.start("caption"), offset + image.end("caption"), number,
                    sheet=sheet_now())
            continue
        if stripped.startswith("|"):
            close()
            if re.fullmatch(r"\|?[\s:|-]+\|?", stripped):
                continue  # the row under a table's header
            cells = [m for m in re.finditer(r"(?<=\|)([^|\n]*?)(?=\|)", line)]
            rest = index
            while rest < len(lines) and lines[rest][2].strip().startswith("|"):
                rest += 1  # the table's last row: a line {sheet} after it puts the table on the desk sheet
            for cell in cells:
                add("cell", offset + cell.start(1), offset + cell.end(1), number,
                    sheet=sheet_now() or _next_is_sheet(rest))
            continue
        definition = _DEFINITION.match(line)
        if definition:
            close()
            anchor = _last_anchor(found)
            add("definition", offset + definition.start("text"), offset + definition.end("text"), number,
                anchor=anchor, sheet=sheet_now())
            continue
        list_item = _ITEM.match(line)
        if list_item and not (paragraph and line[:1] in " \t"):
            close()
            item = ["item", offset + list_item.start("text"), offset + len(line), number, sheet_now()]
            continue
        quote = _QUOTE.match(line)
        if quote and not paragraph:
            close()
            add("quote", offset + quote.start("text"), offset + quote.end("text"), number, sheet=sheet_now())
            continue
        if item is not None and line[:1] in " \t":
            item[2] = offset + len(line)  # a list item's next line
            continue
        if item is not None:
            close()
        term = _TERM.match(line)
        if term and not paragraph and index < len(lines) and _DEFINITION.match(lines[index][2]):
            add("term", offset + term.start("text"), offset + term.end("text"), number, anchor=term["id"],
                sheet=sheet_now())
            continue
        paragraph.append((offset, number, line))
    close()
    return found


def _last_anchor(found: list[Segment]) -> str:
    return found[-1].anchor if found and found[-1].kind == "term" else ""


def key(segment: Segment) -> tuple[str, str]:
    return segment.kind, segment.anchor


def aligned(source: list[Segment], translation: list[Segment]) -> dict[int, int] | None:
    """Which translation segment translates each source segment (by index), when the two files have the same
    blocks: segments with an anchor (the front matter's words, glossary entries) pair by it whatever their
    order, the others by their order. None when the blocks differ."""
    by_anchor = {key(s): i for i, s in enumerate(translation) if s.anchor}
    plain_source = [i for i, s in enumerate(source) if not s.anchor]
    plain_translation = [i for i, s in enumerate(translation) if not s.anchor]
    if [source[i].kind for i in plain_source] != [translation[i].kind for i in plain_translation]:
        return None
    anchored = [i for i, s in enumerate(source) if s.anchor]
    pairs = dict(zip(plain_source, plain_translation))
    for i in anchored:
        if key(source[i]) not in by_anchor:
            if source[i].kind in FRONT_MATTER_WORDS:
                continue  # a word the translation leaves out (a summary): no pair
            return None
        pairs[i] = by_anchor[key(source[i])]
    if len(by_anchor) > len(anchored):
        extra = set(by_anchor) - {key(source[i]) for i in anchored}
        if any(k not in FRONT_MATTER_WORDS for k, _ in extra):
            return None
    return pairs
