"""Icon arrays: "N out of 100" drawn as 100 people, in a `::: icon-array` box of a chapter.

    ::: icon-array "How many people got better after 4 weeks"
    outcome: got better
    - 59 with esketamine [@turkoz2021]
    - 45 with a placebo spray [@turkoz2021]
    :::

The box's title is the figure's visible caption; `outcome:` says what the shaded people did; each list item is
one group (its count of 100, its label and the citation of its number), drawn side by side, at most
MAX_GROUPS. The figure is one inline SVG (vectors in the PDF, inline in the EPUB and on the web page) whose
`<title>` is the text alternative made from the numbers ("59 of 100 people got better with esketamine, 45 of
100 with a placebo spray."): WeasyPrint tags it as a Figure with that /Alt, reading systems read it as the
image's name. Shaded people are a solid dark fill, the others white with an outline: solid fills, never an SVG
<pattern>, so a grey photocopy, a rasterising e-book converter (MOBI, AZW3) and a dark reading mode all keep the
meaning. The drawing has its own white mat (a rectangle under everything), so its dark labels stay readable
whatever colour the page behind it is: a CSS background would be lost where a converter turns it into a bitmap. Under it, the numbers in words with their citations, as a list a reader (and the checks) can read.
An edition whose drawing would be narrower than its large type (the large-print desk sheet), and every output
of a language whose script WeasyPrint cannot draw as an SVG's text (language_record.py: svg_text; Arabic, whose
letters it would set unjoined and left to right), prints `text_labelled_figure` instead: the same people, with
every word as text of the page, the groups in the page's direction (the first at the right in Arabic).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from handout.config.strings import REFERENCE, fill, load
from handout.core.theme import theme_folder

MAX_GROUPS = 4
OUTCOME = re.compile(r"^outcome:\s*(.*?)\s*$", re.I)
GROUP = re.compile(r"^[-*+]\s+(.*?)\s*$")
COUNT = re.compile(r"^(\S+)(?:\s+(.*))?$")
CITATIONS = re.compile(r"\s*\[@[^\]\n]*\]")

CELL = 10          # one person's square, in SVG units
GAP = 18           # between two groups
LINE = 9           # a line of the labels
LABEL_CHARS = 22   # a group's label wraps at about this many characters
LABEL_SIZE = 7.5   # the labels' type size, in SVG units
SHADE = "#12324a"  # the shaded people: a solid dark blue (about 12:1 against the white ones and the mat)
MAT = "#ffffff"    # the drawing's own ground
LABELS = f'<g font-family="Atkinson Hyperlegible, sans-serif" font-size="{LABEL_SIZE}" fill="#1a1a1a">'


class IconArrayError(ValueError):
    """A problem in an icon array's source; `offset` is its line within the box (0: the box's first line)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message, self.offset = message, offset


@dataclass(frozen=True)
class Group:
    count: int
    label: str       # as written, with its citations ("with esketamine [@turkoz2021]")
    offset: int      # its line in the box

    @property
    def plain(self) -> str:
        return CITATIONS.sub("", self.label).strip()


def parse(source: str, title: str) -> tuple[str, list[Group]]:
    """The outcome and the groups of an icon array's box; IconArrayError at the line of the first problem."""
    if not title.strip():
        raise IconArrayError('an icon array needs a caption: write ::: icon-array "What the numbers show"', -1)
    outcome, groups = "", []
    for offset, raw in enumerate(source.split("\n")):
        line = raw.strip()
        if not line:
            continue
        found = OUTCOME.match(line)
        if found:
            outcome = found.group(1)
            if not outcome:
                raise IconArrayError("'outcome:' is empty: say what the shaded people did, "
                                     "for example 'outcome: got better'", offset)
            continue
        item = GROUP.match(line)
        if not item:
            raise IconArrayError(f"an icon array holds 'outcome: ...' and one '- N label [@source]' line per group, "
                                 f"not '{line[:60]}'", offset)
        number, label = COUNT.match(item.group(1)).groups()
        if not re.fullmatch(r"\d+", number):
            raise IconArrayError(f"'{number[:20]}' is not a whole number of people out of 100: "
                                 "write '- 47 with the medicine [@source]'", offset)
        if not 0 <= int(number) <= 100:
            raise IconArrayError(f"{int(number)} is outside 0 to 100: an icon array shows how many people out of "
                                 "100", offset)
        label = (label or "").strip()
        if not CITATIONS.sub("", label).strip():
            raise IconArrayError(f"the group of {int(number)} has no label: say who they are, "
                                 f"'- {int(number)} with the medicine [@source]'", offset)
        if not CITATIONS.search(label):
            raise IconArrayError(f"the number {int(number)} has no source beside it: add its citation, "
                                 f"'- {int(number)} {label} [@source]'", offset)
        groups.append(Group(int(number), label, offset))
    if not outcome:
        raise IconArrayError("the icon array says nothing about what the shaded people did: add a line "
                             "'outcome: got better' (or what they did)", 0)
    if not groups:
        raise IconArrayError("the icon array has no groups: add a line '- 47 with the medicine [@source]'", 0)
    if len(groups) > MAX_GROUPS:
        raise IconArrayError(f"an icon array shows at most {MAX_GROUPS} groups side by side, not {len(groups)}: "
                             "split it", groups[MAX_GROUPS].offset)
    return outcome, groups


def _say(words: dict | None, key: str, **values) -> str:
    """One of an icon array's words (layout strings icon_array.*: layouts/i18n/) in the book's language, which
    book.py passes as `words`; without them, the theme's English."""

    text = (words or {}).get(key) or load(theme_folder(), REFERENCE)[key]
    return fill(text, values)


def alternative(outcome: str, groups: list[Group], words: dict | None = None) -> str:
    """The text alternative: "47 of 100 people improved with the medicine, 33 of 100 with a placebo." """
    first, *rest = groups
    text = _say(words, "icon_array.first", count=first.count, outcome=outcome, group=first.plain)
    text += "".join(", " + _say(words, "icon_array.other", count=group.count, group=group.plain) for group in rest)
    return text.rstrip(".") + "."


def numbers_markdown(outcome: str, groups: list[Group], words: dict | None = None) -> str:
    """The numbers in words, with their citations, as the Markdown list drawn under the figure."""
    return "\n".join(f"- **{_say(words, 'icon_array.count', count=group.count)}** {outcome} {group.label}"
                     for group in groups)


def _wrap(text: str) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > LABEL_CHARS:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def _person(x: float, y: float) -> str:
    """One person in the square at (x, y): a head and shoulders, as one closed path."""
    return (f"M{x + 3.1:g},{y + 2.6:g}a1.9,1.9 0 1,0 3.8,0a1.9,1.9 0 1,0 -3.8,0Z"
            f"M{x + 2.2:g},{y + 9.3:g}V{y + 6.6:g}Q{x + 2.2:g},{y + 4.9:g} {x + 4:g},{y + 4.9:g}"
            f"H{x + 6:g}Q{x + 7.8:g},{y + 4.9:g} {x + 7.8:g},{y + 6.6:g}V{y + 9.3:g}Z")


def svg(outcome: str, groups: list[Group], ident: str, words: dict | None = None) -> str:
    """The figure: the groups side by side, each 10 by 10 people, the first `count` shaded (row by row), a
    label above each and its count below, a key under them all. `ident` makes its ids unique in a document."""
    width = len(groups) * 10 * CELL + (len(groups) - 1) * GAP
    labels = [_wrap(group.plain[:1].upper() + group.plain[1:]) for group in groups]
    top = max(len(lines) for lines in labels) * LINE + 3
    grid_bottom = top + 10 * CELL
    key_top = grid_bottom + LINE + 8
    height = key_top + CELL + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="icon-array-svg" role="img" viewBox="0 0 {width} {height}"'
        f' aria-labelledby="{ident}-alt">',
        f'<title id="{ident}-alt">{escape(alternative(outcome, groups, words))}</title>',
        f'<rect class="icon-array-mat" width="{width}" height="{height}" fill="{MAT}"/>',
        LABELS,
    ]
    for index, (group, lines) in enumerate(zip(groups, labels)):
        left = index * (10 * CELL + GAP)
        middle = left + 5 * CELL
        for number, text in enumerate(lines):
            parts.append(f'<text x="{middle}" y="{top - 4 - (len(lines) - 1 - number) * LINE}" text-anchor="middle"'
                         f' font-weight="bold">{escape(text)}</text>')
        parts.append(_people(group, left, top))
        parts.append(f'<text x="{middle}" y="{grid_bottom + LINE}" text-anchor="middle">'
                     f'{escape(_say(words, "icon_array.count", count=group.count))}</text>')
    parts.append(f'<path d="{_person(0, key_top)}" fill="{SHADE}" stroke="{SHADE}" stroke-width="0.5"/>'
                 f'<text x="{CELL + 2}" y="{key_top + 8}">{escape(outcome[:1].upper() + outcome[1:])}</text>')
    other = min(width - 60, len(outcome) * 4 + 40)
    parts.append(f'<path d="{_person(other, key_top)}" fill="#ffffff" stroke="#4d4d4d" stroke-width="0.6"/>'
                 f'<text x="{other + CELL + 2}" y="{key_top + 8}">{escape(_say(words, "icon_array.others"))}</text>')
    parts.append("</g></svg>")
    return "".join(parts)


def figure(outcome: str, groups: list[Group], caption: str, numbers_html: str, ident: str,
           words: dict | None = None) -> str:
    """The whole component's XHTML: the SVG, and a caption holding the title and the numbers in words."""
    return (f'<figure class="icon-array icon-array-{len(groups)}" id="{ident}">'
            f'{svg(outcome, groups, ident, words)}'
            f'<figcaption><span class="icon-array-caption">{escape(caption)}</span>'
            f'{numbers_html}</figcaption></figure>')


def _people(group: Group, left: float = 0, top: float = 0) -> str:
    """A group's 100 people, 10 to a row from (left, top), the first `count` shaded."""
    shaded = "".join(_person(left + (i % 10) * CELL, top + (i // 10) * CELL) for i in range(group.count))
    empty = "".join(_person(left + (i % 10) * CELL, top + (i // 10) * CELL) for i in range(group.count, 100))
    return ((f'<path d="{shaded}" fill="{SHADE}" stroke="{SHADE}" stroke-width="0.5"/>' if shaded else "")
            + (f'<path d="{empty}" fill="#ffffff" stroke="#4d4d4d" stroke-width="0.6"/>' if empty else ""))


def text_labelled_figure(outcome: str, groups: list[Group], caption: str, numbers_html: str, ident: str,
                         words: dict | None = None) -> str:
    """The figure for an edition whose type is too large for words inside the drawing (the large-print desk
    sheet): each group's people drawn alone, its label above and its count below as text of the page, and the
    key as a line of text after the groups, so every word is set at the edition's type size. Each group's
    drawing has its own text alternative (its number in words); the caption is the same as `figure`'s."""
    columns = []
    for index, group in enumerate(groups, 1):
        label = group.plain[:1].upper() + group.plain[1:]
        alt = alternative(outcome, [group], words)
        columns.append(
            f'<div class="icon-array-group"><p class="icon-array-label"><strong>{escape(label)}</strong></p>'
            f'<svg xmlns="http://www.w3.org/2000/svg" class="icon-array-people" role="img"'
            f' viewBox="0 0 {10 * CELL} {10 * CELL}" aria-labelledby="{ident}-alt-{index}">'
            f'<title id="{ident}-alt-{index}">{escape(alt)}</title>'
            f'<rect class="icon-array-mat" width="{10 * CELL}" height="{10 * CELL}" fill="{MAT}"/>'
            f'{_people(group)}</svg>'
            f'<p class="icon-array-count">{escape(_say(words, "icon_array.count", count=group.count))}</p></div>')
    key = (f'<p class="icon-array-key"><span class="icon-array-person icon-array-shaded"></span>'
           f'{escape(outcome[:1].upper() + outcome[1:])} <span class="icon-array-person"></span>'
           f'{escape(_say(words, "icon_array.others"))}</p>')
    return (f'<figure class="icon-array icon-array-{len(groups)} icon-array-text-labels" id="{ident}">'
            f'<div class="icon-array-groups">{"".join(columns)}</div>{key}'
            f'<figcaption><span class="icon-array-caption">{escape(caption)}</span>'
            f'{numbers_html}</figcaption></figure>')


def with_label_size(html: str, size: float) -> str:
    """A document's icon arrays with their labels set at `size` SVG units (an edition whose type is larger:
    the drawing is as wide as the column, so its words must be larger in its own units to stay readable)."""
    return html.replace(LABELS, LABELS.replace(f'font-size="{LABEL_SIZE}"', f'font-size="{size:g}"'))
