"""Text pasted from a word processor, and Markdown written for other tools: what the chapter dialect makes of
it, and what it refuses, each at its line.

`normalise(source, first_line, title)` reads one Markdown run of a chapter (its lines as they are in the file,
the first at `first_line`) and returns the text the Markdown converter is given, with a `Remark` for each thing
it understood (info), printed differently from how it was typed (warning) or refused (error):

- lines that start with a pasted bullet (`•`, `◦`, `▪`, `–`, `·` and a space or tab) are list items, and
  `1)` or `1.` followed by a tab a numbered list (info, once a list); a list after a paragraph line needs no
  blank line before it;
- text indented by a tab or four spaces that Markdown would print as a code block is printed as a paragraph
  (warning: a handout has no code), and so is the text between ``` or ~~~ fences;
- a level-1 heading (`# Title`, or a line underlined with `===`) is printed as a section heading (warning: the
  layout prints the chapter's title); the body's first line repeating the front matter's title is left out
  (warning);
- two or more spaces after a full stop are one; citations written `[@a, @b]` are read as `[@a; @b]` (info);
- footnotes (`[^1]`) and `~~strikethrough~~` are refused (error), saying what to write instead.

The converter's own share (markdown_ext registers them): `CodeAsText` prints whatever Markdown still makes a
code block as a paragraph and inline code as text (no code font is ever used), `PlainAutomail` makes
`<help@example.org>` a plain mailto: link, `named_entities_as_characters` turns `&nbsp;` and `&copy;` into the
characters (the EPUB's XHTML knows no named entities but the XML five). The lines that are changed keep their
place: a Remark's line is the file's.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.entities import html5
from typing import NamedTuple

from markdown.extensions import Extension
from markdown.inlinepatterns import AUTOMAIL_RE, InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from handout.core.sourcelines import line_at
from handout.load.mdguard import indent_width


@dataclass
class Problem:
    """Something wrong in the source; `needle` is the text to look for to find its line."""
    message: str
    needle: str
    sandbox: bool = False
    code: str = "input"  # the Diagnostic's code (errors.Diagnostic)


class Remark(NamedTuple):
    """What was made of a line of pasted or foreign text: a Diagnostic's code, level, line and message. A
    tuple, so that a Chapter carrying them is plain data (and cached as such)."""
    code: str
    level: str
    line: int
    message: str


BULLETS = "•◦▪–·"
BULLET = re.compile(rf"^([ \t]*)[{BULLETS}][ \t\u00a0]+(?=\S)")
NUMBER_TAB = re.compile(r"^([ \t]*)(\d{1,9})[.)]\t[ \t\u00a0]*(?=\S)")
LIST_ITEM = re.compile(r"^[ ]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_DEFINITION = re.compile(r"^[ ]{0,3}:[ \t]")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_H1 = re.compile(r"^([ ]{0,3})#(?!#)(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^[ ]{0,3}=+[ \t]*$")
_SENTENCE_GAP = re.compile(r"([.!?][\"”’)]?)[ \u00a0]{2,}(?=\S)")
_KEY = r"@[A-Za-z0-9_-]+"
_COMMA_CITATION = re.compile(rf"\[{_KEY}(?:\s*[,;]\s*{_KEY})+\]")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_STRIKE = re.compile(r"~~(?=\S)[^~\n]*?(?<=\S)~~")
_UNREAD_CITATION = re.compile(rf"\[@(?![A-Za-z0-9_-]+(?:\s*[;,]\s*{_KEY})*\])")

PASTED_LIST = ("input.pasted-list", "info")
INDENTED = ("input.indented-text", "warning")
FENCED = ("input.code-fence", "warning")
HEADING_1 = ("input.heading-level-1", "warning")
TITLE_AGAIN = ("input.title-repeated", "warning")
CITATION_COMMAS = ("input.citation-commas", "info")
FOOTNOTE = ("input.footnote", "error")
STRIKETHROUGH = ("input.strikethrough", "error")
INLINE_CODE = ("input.inline-code", "info")
CITATION_SYNTAX = "citations.syntax"   # an error: the loader refuses a citation it cannot read
ENTITY = "input.entity"                # an error: a named character it does not know
# The level of each code the converter's share reports that is no error (book.py: the chapter's notes).
LEVELS = dict((INDENTED, INLINE_CODE))
# The codes of what this module reports, for the input rule's documentation.
CODES = tuple(kind[0] for kind in (PASTED_LIST, INDENTED, FENCED, HEADING_1, TITLE_AGAIN, CITATION_COMMAS,
                                   FOOTNOTE, STRIKETHROUGH, INLINE_CODE)) + (CITATION_SYNTAX, ENTITY)

CODE_MESSAGE = ("text indented by a tab or four spaces would be printed as code, and a handout has no code: it "
                "is printed as a paragraph; remove the indentation (indent a list item's next paragraph under it)")


def _remark(kind: tuple[str, str], line: int, message: str) -> Remark:
    return Remark(kind[0], kind[1], line, message)


def _same_title(heading: str, title: str) -> bool:
    words = lambda text: " ".join(re.sub(r"[*_`]", "", text).split()).casefold()  # noqa: E731
    return bool(title) and words(heading) == words(title)


def normalise(source: str, first_line: int, title: str = "") -> tuple[str, list[Remark]]:
    """One Markdown run of a chapter as the converter reads it, and what was made of its pasted or foreign
    lines. `title`: the front matter's title, when this run is the start of the body (its first line may
    repeat it)."""
    out: list[str] = []
    remarks: list[Remark] = []
    fence = ""              # the marker of an open ``` or ~~~ block
    blank_before = True     # the line starts a block (Markdown's unit: lines between blank lines)
    in_list = False         # the current block is a list (its next line may be an item without a blank line)
    list_open = False       # the last block was a list or glossary entry: an indented block continues it
    as_text = False         # the current block is indented text printed as a paragraph
    indented_before = False  # the block before was such text (one warning for several paragraphs)
    pasted_list = False     # the line before was a pasted list item
    first_content = True
    lines = source.split("\n")
    for offset, line in enumerate(lines):
        number = first_line + offset
        fenced = _FENCE.match(line)
        if fenced and (not fence or fenced.group(1)[0] == fence[0] and line.strip() == fenced.group(1)
                       and len(fenced.group(1)) >= len(fence)):
            if not fence:
                fence = fenced.group(1)
                remarks.append(_remark(FENCED, number, f"'{fence}' fences a code block, and a handout has no code: "
                                       f"its lines are printed as ordinary text; delete the '{fence}' lines (for "
                                       "text set apart, use a box: ::: callout \"Title\")"))
            else:
                fence = ""
            out.append("")
            blank_before, in_list, pasted_list = True, False, False
            continue
        if fence:
            line = line.lstrip(" \t")
        if not line.strip():
            out.append(line)
            if not blank_before:
                indented_before = as_text
            blank_before, pasted_list = True, False
            continue
        if blank_before:
            indent = indent_width(line)
            as_text = indent >= 4 and not list_open
            if as_text and not indented_before:
                remarks.append(_remark(INDENTED, number, CODE_MESSAGE))
            if not as_text and indent < 4:
                list_open = bool(LIST_ITEM.match(line) or BULLET.match(line) or NUMBER_TAB.match(line))
            in_list = list_open
            indented_before = indented_before and as_text
        if as_text:
            line = line.lstrip(" \t")
        line, item = _pasted_item(line)
        if item:
            if not pasted_list:
                remarks.append(_remark(PASTED_LIST, number, f"pasted {item} read as a list: in Markdown write "
                                       f"'{'- ' if item == 'bullets' else '1. '}' at the start of each item"))
            if not blank_before and not in_list:
                out.append("")  # a list cannot interrupt a paragraph in Markdown; this one does
                list_open = in_list = True
        elif LIST_ITEM.match(line) and blank_before:
            in_list = True
        pasted_list = bool(item)
        if _DEFINITION.match(line):
            list_open = True
        heading = _H1.match(line)
        if heading and not in_list:
            text = (heading.group(2) or "").strip()
            if first_content and _same_title(text, title):
                remarks.append(_remark(TITLE_AGAIN, number, f"'# {text}' repeats the chapter's title, which the "
                                       "layout prints from the front matter ('title:'): delete this line"))
                line = ""
            else:
                remarks.append(_remark(HEADING_1, number, f"'# {text}' is a level-1 heading, but the layout prints "
                                       f"the chapter's title as its only one: write '## {text}' for a section (it "
                                       "is printed as one)"))
                line = heading.group(1) + "#" + line[len(heading.group(1)):]
        elif _SETEXT_H1.match(line) and not blank_before and not in_list and out and out[-1].strip():
            text = out[-1].strip()
            remarks.append(_remark(HEADING_1, number - 1, f"'{text}' underlined with '=' is a level-1 heading, but "
                                   "the layout prints the chapter's title as its only one: write "
                                   f"'## {text}' for a section (it is printed as one)"))
            line = "-" * max(3, len(line.strip()))
        remarks.extend(_refused(line, number))
        line = _SENTENCE_GAP.sub(r"\1 ", line)
        line = _comma_citations(line, number, remarks)
        out.append(line)
        blank_before, first_content = False, False
    return "\n".join(out), remarks


def _pasted_item(line: str) -> tuple[str, str]:
    """A line starting with a pasted bullet or `1)<tab>` as a Markdown list item; what it was ('' if none)."""
    bullet = BULLET.match(line)
    if bullet:
        return f"{bullet.group(1)}- {line[bullet.end():]}", "bullets"
    number = NUMBER_TAB.match(line)
    if number:
        return f"{number.group(1)}{number.group(2)}. {line[number.end():]}", "numbering"
    return line, ""


def _refused(line: str, number: int) -> list[Remark]:
    found = []
    if _FOOTNOTE.search(line):
        found.append(_remark(FOOTNOTE, number, f"footnote '{_FOOTNOTE.search(line).group()}': a handout has no "
                             "footnotes; cite a source with [@key] (its entry in chapters/references.yaml), or say "
                             "the note in the sentence itself"))
    if _STRIKE.search(line):
        found.append(_remark(STRIKETHROUGH, number, f"'{_STRIKE.search(line).group()[:40]}' would be struck "
                             "through, which a screen reader does not say: delete the old words, or say in words "
                             "what changed"))
    return found


def _comma_citations(line: str, number: int, remarks: list[Remark]) -> str:
    def semicolons(match: re.Match) -> str:
        if "," not in match.group():
            return match.group()
        read = re.sub(r"\s*[,;]\s*", "; ", match.group())
        remarks.append(_remark(CITATION_COMMAS, number, f"citation '{match.group()}' read as '{read}': in this "
                               "dialect separate several sources with ';'"))
        return read

    return _COMMA_CITATION.sub(semicolons, line)


def unread_citation_line(source: str, first_line: int) -> int:
    """The line of the first `[@` in a run that is no citation the dialect reads (`[@smith 2020]`)."""
    found = _UNREAD_CITATION.search(source) or re.search(r"\[@", source)
    return line_at(source, found.start(), first_line) if found else first_line


UNREAD_CITATION_MESSAGE = ("a citation this dialect cannot read: write [@key] for one source or [@key1; @key2] "
                           "for several (keys of letters, digits, '-' and '_', as in chapters/references.yaml)")


# ---- the converter's share --------------------------------------------------------------------------------------

class ForeignMarkdown(Extension):
    """The converter's share of reading pasted and foreign Markdown. What it reports goes to the chapter's
    problems (markdown_ext.Problem); those whose code is in `LEVELS` are no errors."""

    def __init__(self, state):
        super().__init__()
        self.state = state

    def extendMarkdown(self, md):

        def report(message: str, needle: str, level: str, code: str) -> None:
            self.state.problems.append(Problem(message, needle, code=code))

        md.inlinePatterns.register(PlainAutomail(md), "automail", 110)  # replaces Markdown's own
        md.treeprocessors.register(CodeAsText(md, report), "code-as-text", 22)  # after "shape", before "inline"
        md.treeprocessors.register(CodeAsText(md, report, inline=True), "inline-code-as-text", 4)


class CodeAsText(Treeprocessor):
    """Before the inline pass: a code block Markdown still made (in a quote, say) becomes a paragraph whose text
    is read as Markdown. After it (`inline=True`): inline code becomes plain text. `report(message, needle,
    level, code)` is told of each."""

    def __init__(self, md, report, inline: bool = False):
        super().__init__(md)
        self.report, self.inline = report, inline

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if not self.inline and child.tag == "pre":
                    code = child[0] if len(child) and child[0].tag == "code" else child
                    text = html.unescape(code.text or "").strip("\n")
                    self.report(CODE_MESSAGE, text.split("\n")[0].strip()[:40], *INDENTED[::-1])
                    paragraph = ET.Element("p")
                    paragraph.text = text  # a plain str: the inline pass reads it
                    paragraph.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, paragraph)
                elif self.inline and child.tag == "code":
                    text = child.text or ""
                    self.report(f"'`{html.unescape(text)[:40]}`' is inline code, and a handout has no code: it is printed as "
                                "ordinary text; delete the backticks", f"`{text[:30]}", *INLINE_CODE[::-1])
                    _unwrap(parent, child, text)


def _unwrap(parent, child, text: str) -> None:
    """Replace `child` by its text (it has no children of its own)."""
    index = list(parent).index(child)
    joined = text + (child.tail or "")
    if index == 0:
        parent.text = (parent.text or "") + joined
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + joined
    parent.remove(child)


class PlainAutomail(InlineProcessor):
    """`<help@example.org>` as a plain mailto: link (Markdown's own hides the address in character
    references, which a link check cannot read and a printed page does not need)."""

    def __init__(self, md):
        super().__init__(AUTOMAIL_RE, md)

    def handleMatch(self, m, data):
        address = m.group(1).removeprefix("mailto:")
        link = ET.Element("a", {"href": f"mailto:{address}"})
        link.text = AtomicString(address)
        return link, m.start(0), m.end(0)


_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def named_entities_as_characters(text: str) -> str:
    """`&nbsp;`, `&copy;` and the other HTML named characters as the characters (the XML five stay)."""
    def character(match: re.Match) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES or f"{name};" not in html5:
            return match.group()
        return html5[f"{name};"]

    return _NAMED_ENTITY.sub(character, text)


def unknown_entity(text: str) -> str | None:
    """The first `&name;` that is no HTML named character, or None."""
    for match in _NAMED_ENTITY.finditer(text):
        if match.group(1) not in _XML_ENTITIES and f"{match.group(1)};" not in html5:
            return match.group()
    return None
