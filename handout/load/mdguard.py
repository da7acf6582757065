"""Limits on the shape of a chapter's Markdown, checked in one linear pass before it is converted.

Python-Markdown is fast on prose but slow (quadratic or worse) on some shapes no handout has: thousands of
unclosed brackets, parentheses or tags, one paragraph holding thousands of emphasis or code marks, and
containers nested hundreds deep (which also end in a RecursionError). `check_markdown` refuses those shapes at
the line where a limit is passed, so that every chapter under `limits.chapter_kb` converts in a bounded time;
`CONVERT_SECONDS` stops a conversion that would still run long. The numbers are far above what any real
handout holds (README: "Hostile input").
"""
from __future__ import annotations

import re
import string
from pathlib import Path

from handout.core.errors import InputError

MAX_NESTING = 20            # lists, blockquotes and definition lists inside each other; raw HTML elements too
MAX_RUN = 200               # one punctuation character repeated (`-----`, `=====`, a code fence)
MAX_UNCLOSED = 50           # brackets or parentheses left open in one paragraph
# (raw '<tag' starts never closed by '>') x (the chapter's length): HTML parsing scans to the end for each
MAX_UNCLOSED_TAG_WORK = 5_000_000
MAX_ELEMENTS = 10_000       # blocks, list items, table cells and raw HTML elements in one chapter
MAX_CHILDREN = 2_500        # items of one list, cells of one table row... (the inline pass is quadratic in them)
MAX_TREE_DEPTH = 50         # elements inside each other, however made
# The sum over a chapter's paragraphs of (Markdown marks in it) x (its length): its inline pass rebuilds the
# paragraph's text at each mark, so this is what that pass costs (about 4 ns a unit).
MAX_MARKUP_WORK = 50_000_000
# The sum over a chapter's blocks (lines between blank lines) of (lines in it) squared: the block parser
# re-reads the rest of a block at each heading or rule it splits off (about 0.1 us a unit).
MAX_BLOCK_WORK = 10_000_000
# The sum over a chapter's paragraphs of ('[' and '(' in it) x (its length): each one is matched by a Python
# loop that reads on to its closing bracket, wherever escapes and code spans put it (about 35 ns a unit).
MAX_BRACKET_WORK = 20_000_000
MAX_MARKS = 30_000          # Markdown marks in one chapter: links, emphasis, code... (the inline pass's cost)
CONVERT_SECONDS = 30        # the longest Markdown conversion of one chapter

_PUNCTUATION = re.escape(string.punctuation)
_RUN = re.compile(rf"([{_PUNCTUATION}])\1{{{MAX_RUN},}}")
_CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")
_DEFINITION = re.compile(r"^[ ]{0,3}:[ \t]")
_HEADING = re.compile(r"^[ ]{0,3}(?:#|=+[ \t]*$|-+[ \t]*$)")
# A line that starts a new inline run (a heading, a definition) rather than continuing a paragraph; a list
# item does only in a block that starts as a list (a list cannot interrupt a paragraph). A quote's lines
# continue its paragraph; a line with '|' is a run of its own only in a table.
_NEW_RUN = re.compile(r"^[ \t]*[#:]")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_MARKS = frozenset("*_`[]()<>!&\\'\"@{}")  # @: a citation key; {}: an attribute list
# A citation key costs about six other marks: its note reference is a link whose text is converted again.
_WEIGHT = {"@": 6}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
_OPEN_TAG = re.compile(r"<[A-Za-z/!?]")
VOID_ELEMENTS = {"br", "hr", "wbr", "img", "input", "meta", "link", "col", "area", "base", "embed", "source",
                 "track", "param"}


def indent_width(line: str) -> int:
    """The columns of a line's leading spaces and tabs (a tab to the next multiple of four, as Markdown reads it)."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def container_depth(line: str) -> int:
    """How many lists and blockquotes a line opens or sits in, at the least: its list and quote markers, and
    one level per four columns of indentation before a marker."""
    depth, position = 0, 0
    while True:
        match = _CONTAINER.match(line, position)
        if not match or match.end() == position:
            return depth
        depth += 1 + (indent_width(line[position:match.end()]) // 4 if depth == 0 else 0)
        position = match.end()


def check_markdown(body: str, path: Path, first_line: int) -> None:
    """Refuse a chapter body (starting at line `first_line` of `path`) whose shape Python-Markdown cannot
    convert in a bounded time or without deep recursion; one pass, linear in the body's length."""
    budget = _Budget(path)
    definitions = 0
    run_lines: list[tuple[int, str]] = []
    tags: list[str] = []
    unclosed_tags = 0
    allowed_unclosed_tags = max(1, MAX_UNCLOSED_TAG_WORK // max(1, len(body)))
    elements = 0
    block_lines, block_start = 0, first_line
    in_list = False  # in a block that starts with a list item
    table = False  # in a table (a header row, then a separator row): each row's cells are converted alone
    lines = body.split("\n")
    for offset, line in enumerate(lines):
        number = first_line + offset
        run = _RUN.search(line)
        if run:
            raise InputError(f"'{run.group(1)}' is repeated {len(run.group())} times in a row (at most {MAX_RUN}): "
                             "shorten it", path, number)
        if not line.strip():
            budget.block(block_lines, block_start)
            block_lines, block_start = 0, number + 1
        else:
            block_lines += 1
        if not line.strip():
            budget.run(run_lines)
            run_lines, definitions, table = [], 0, False
            continue
        following = lines[offset + 1] if offset + 1 < len(lines) else ""
        table = table or ("|" in line + following and "-" in following and bool(_TABLE_SEPARATOR.match(following)))
        row = table and "|" in line
        depth = container_depth(line)
        if depth > MAX_NESTING:
            raise InputError(f"lists or quotes nested {depth} deep (at most {MAX_NESTING}): flatten them", path, number)
        if _DEFINITION.match(line):
            definitions += 1
            if definitions > MAX_NESTING:
                raise InputError(f"{definitions} definitions without a blank line between them nest inside each "
                                 f"other (at most {MAX_NESTING}): put a blank line between glossary entries",
                                 path, number)
        if block_lines == 1:
            in_list = bool(_LIST_ITEM.match(line))
        if _NEW_RUN.match(line) or row or (in_list and _LIST_ITEM.match(line)):
            budget.run(run_lines)
            run_lines = []
        run_lines.append((number, line))
        # A heading costs about three paragraphs: its text is rendered again for its id and the contents.
        elements += 1 + depth + line.count("|") + line.count("<") + 2 * bool(_HEADING.match(line))
        if elements > MAX_ELEMENTS:
            raise InputError(f"the chapter has more than {MAX_ELEMENTS} paragraphs, list items, table cells and "
                             "other blocks: split it into several chapters", path, number)
        if row:
            budget.run(run_lines)
            run_lines = []
        unclosed_tags += _unclosed_tags(line)
        if unclosed_tags > allowed_unclosed_tags:
            raise InputError(f"more than {allowed_unclosed_tags} '<' start tags that are never closed with '>' (in a "
                             f"chapter of this length): write '&lt;' for a '<' that is not a tag", path, number)
        _raw_html_depth(line, tags, path, number)
    budget.run(run_lines)
    budget.block(block_lines, block_start)


def _unclosed_tags(line: str) -> int:
    """`<tag` starts not closed by a '>' before the next '<' (HTML parsing scans to the end for each)."""
    count = 0
    for match in _OPEN_TAG.finditer(line):
        following = line.find("<", match.end())
        close = line.find(">", match.end())
        if close < 0 or (0 <= following < close):
            count += 1
    return count


def _raw_html_depth(line: str, stack: list[str], path: Path, number: int) -> None:
    for match in _TAG.finditer(line):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in VOID_ELEMENTS or self_closing:
            continue
        if closing:
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name):]
            continue
        stack.append(name)
        if len(stack) > MAX_NESTING:
            raise InputError(f"HTML elements nested {len(stack)} deep (at most {MAX_NESTING}): flatten them",
                             path, number)


class _Budget:
    """What a chapter's paragraphs and blocks cost to convert so far, against MAX_MARKUP_WORK and
    MAX_BLOCK_WORK."""

    def __init__(self, path: Path):
        self.path = path
        self.markup = 0
        self.blocks = 0
        self.marks = 0
        self.brackets = 0

    def block(self, lines: int, number: int) -> None:
        self.blocks += lines * lines
        if self.blocks > MAX_BLOCK_WORK:
            raise InputError(f"a block of {lines} lines without a blank line between them (with the blocks before "
                             "it, more than the chapter may hold): put blank lines between paragraphs, headings "
                             "and lists, or split the chapter", self.path, number)

    def run(self, run_lines: list[tuple[int, str]]) -> None:
        """One paragraph (or list item, table row...): brackets and parentheses that stay open or nest deep, and
        its Markdown marks."""
        if not run_lines:
            return
        length = sum(len(line) + 1 for _, line in run_lines)
        marks = 0
        open_at: dict[str, list[int]] = {"[": [], "(": []}
        closer = {"]": "[", ")": "("}
        for number, line in run_lines:
            marks += line.count("--") + line.count("...")  # dashes and ellipses (smart punctuation)
            escaped = False
            for char in line:
                if char not in _MARKS:
                    escaped = False
                    continue
                marks += _WEIGHT.get(char, 1)
                if escaped:  # `\]` closes nothing (and `\[` opens nothing)
                    escaped = False
                    continue
                escaped = char == "\\"
                if char in open_at:
                    stack = open_at[char]
                    stack.append(number)
                    if len(stack) > MAX_NESTING + MAX_UNCLOSED:
                        _too_many_open(char, number, self.path)
                elif char in closer and open_at[closer[char]]:
                    open_at[closer[char]].pop()
        for char, stack in open_at.items():
            if len(stack) > MAX_UNCLOSED:
                _too_many_open(char, stack[MAX_UNCLOSED], self.path)
        self.markup += marks * length
        self.brackets += sum(line.count("[") + line.count("(") for _, line in run_lines) * length
        if self.brackets > MAX_BRACKET_WORK:
            raise InputError(f"a paragraph of {length} characters with many '[' and '(': with the paragraphs before "
                             "it, more brackets than a chapter may hold; split it into shorter paragraphs, or the "
                             "chapter into several", self.path, run_lines[0][0])
        self.marks += marks
        if self.marks > MAX_MARKS:
            raise InputError(f"the chapter holds more than {MAX_MARKS} Markdown marks (such as * _ ` [ ] < & '): "
                             "split it into several chapters", self.path, run_lines[0][0])
        if self.markup > MAX_MARKUP_WORK:
            raise InputError(f"a paragraph of {length} characters holding {marks} Markdown marks (such as * _ ` [ ] "
                             "< & '): with the paragraphs before it, more markup than a chapter may hold; split it "
                             "into shorter paragraphs, or the chapter into several", self.path, run_lines[0][0])


def _too_many_open(char: str, number: int, path: Path) -> None:
    closing = "]" if char == "[" else ")"
    raise InputError(f"too many '{char}' left open in one paragraph (at most {MAX_UNCLOSED}): close each with "
                     f"'{closing}' or write '\\{char}'", path, number)
