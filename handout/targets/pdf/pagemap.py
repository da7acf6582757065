"""Print page numbers in the EPUB: where each printed page starts, marked in the EPUB's text.

The print layout (WeasyPrint) says which words open each page; the same
words are found, in reading order, in the EPUB's XHTML pages, and a page
break marker is put right before them. "See page 3 of your handout" then
leads an EPUB reader to the same place.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable

from lxml import etree

from handout.model import DRAFT_MARK

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SVG_NS = "http://www.w3.org/2000/svg"
WORDS_PER_START = 8
FIGURE_FIRST = "\u2063figure"  # a page's first words start with this when an image comes before them


def page_start_words(document, words: int = WORDS_PER_START) -> list[list[str]]:
    """The first words of each page of a rendered WeasyPrint document, skipping footers and generated text."""
    from weasyprint.formatting_structure import boxes

    starts = []
    tables_seen: set[int] = set()  # tables begun on an earlier page
    for page in document.pages:
        lines: list[str] = []
        figure_first: list[bool] = []

        def walk(box) -> bool:
            if isinstance(box, boxes.MarginBox):
                return False
            if isinstance(box, boxes.ReplacedBox) and not lines and not figure_first:
                figure_first.append(True)  # the page opens with a figure: its caption's words come first
            children = getattr(box, "children", []) or []
            if isinstance(box, boxes.TableBox):
                if id(box.element) in tables_seen:  # a continued table repeats its header: skip it
                    children = [child for child in children if not getattr(child, "is_header", False)]
            if isinstance(box, boxes.LineBox):
                text = "".join(child.text for child in box.descendants()
                               if isinstance(child, boxes.TextBox) and "::" not in (child.element_tag or ""))
                if text.strip():
                    lines.append(text)
                return len(" ".join(lines).split()) >= words
            return any(walk(child) for child in children)

        walk(page._page_box)
        starts.append([FIGURE_FIRST] * bool(figure_first) + " ".join(lines).split()[:words])
        tables_seen |= {id(box.element) for box in page._page_box.descendants() if isinstance(box, boxes.TableBox)}
    return starts


@dataclass
class _TextNode:
    document: int
    element: etree._Element
    kind: str  # "text" or "tail"


# Text the EPUB has and the printed pages do not: a draft's mark at the top of each EPUB document (print
# editions carry it in the page margin, which page_start_words skips).
EPUB_ONLY_CLASSES = {"draft-mark"}
NOT_SPACE = re.compile(r"\S")


def _text_nodes(element, hidden: bool = False):
    """Text nodes in reading order, leaving out hidden elements, EPUB-only text and comments."""
    if element.get("hidden") is not None or EPUB_ONLY_CLASSES & set((element.get("class") or "").split()):
        hidden = True
    if element.text and not hidden:
        yield element, "text"
    for child in element:
        if isinstance(child.tag, str):
            yield from _text_nodes(child, hidden)
        if child.tail and not hidden:
            yield child, "tail"


def _in_draft_mark(element, kind: str) -> bool:
    """Whether a text node is the words of a draft's mark (layouts/base.html: <p class="draft-mark">), which the
    printed pages show in their margin, not in the text."""
    node = element if kind == "text" else element.getparent()
    while node is not None:
        if "draft-mark" in (node.get("class") or "").split():
            return True
        node = node.getparent()
    return False


class _Stream:
    """All body text of the EPUB's pages without white space, mapped back to its text nodes."""

    def __init__(self, trees: list[etree._Element]):
        self.nodes: list[_TextNode] = []
        self.texts: list[str] = []   # each node's text
        self.starts: list[int] = []  # each node's first character in the compact text
        parts: list[str] = []
        length = 0
        for number, tree in enumerate(trees):
            for element, kind, text in _document_nodes(tree):
                compact = "".join(text.split())
                if not compact:
                    continue
                self.nodes.append(_TextNode(number, element, kind))
                self.texts.append(text)
                self.starts.append(length)
                parts.append(compact)
                length += len(compact)
        self.text = "".join(parts)

    def where(self, position: int) -> tuple[int, int]:
        """(node index, offset in the node's text) of the compact text's character at `position`."""
        index = bisect_right(self.starts, position) - 1
        skip = position - self.starts[index]
        for count, match in enumerate(NOT_SPACE.finditer(self.texts[index])):
            if count == skip:
                return index, match.start()
        raise IndexError(position)

    def replace_document(self, number: int, tree: etree._Element) -> bool:
        """Take document `number`'s text nodes from `tree` instead, when its text is the same (hidden parts
        may differ); False, and nothing changed, when it is not."""
        kept = [index for index, node in enumerate(self.nodes) if node.document == number]
        fresh = [(element, kind, text) for element, kind, text in _document_nodes(tree)
                 if "".join(text.split())]
        if [text for _, _, text in fresh] != [self.texts[index] for index in kept]:
            return False
        for index, (element, kind, _) in zip(kept, fresh):
            self.nodes[index] = _TextNode(number, element, kind)
        return True

    def find(self, words: list[str], start: int) -> int:
        for count in range(len(words), 1, -1):  # fewer words where the layouts differ (the contents page)
            found = self.text.find("".join(words[:count]), start)
            if found >= 0:
                return found
        return -1


def _document_nodes(tree: etree._Element):
    """(element, "text" or "tail", its text) of a document's body, in reading order, without a draft's mark."""
    for element, kind in _text_nodes(tree.find(f"{{{XHTML_NS}}}body")):
        text = element.text if kind == "text" else element.tail
        if text.strip() == DRAFT_MARK or _in_draft_mark(element, kind):  # a draft's mark, in any language
            continue
        yield element, kind, text


def _marker(number: int) -> etree._Element:
    marker = etree.Element(f"{{{XHTML_NS}}}span", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("id", f"page-{number}")
    marker.set("aria-label", str(number))
    return marker


def _insert(node: _TextNode, offset: int, marker: etree._Element) -> None:
    element = node.element
    if node.kind == "text":
        before, after = element.text[:offset], element.text[offset:]
        element.text = before
        marker.tail = after
        element.insert(0, marker)
    else:
        before, after = element.tail[:offset], element.tail[offset:]
        element.tail = before
        marker.tail = after
        parent = element.getparent()
        parent.insert(parent.index(element) + 1, marker)


def _word_start(node: _TextNode, offset: int) -> int:
    """`offset`, or the start of the word it falls inside: a printed page that opens with the second half of a
    hyphenated word ("ce" of "empie-ce") is marked before the whole word, never inside it, where a screen
    reader would announce the page in the middle of the word."""
    text = node.element.text if node.kind == "text" else node.element.tail
    while offset > 0 and not text[offset - 1].isspace():
        offset -= 1
    return offset


def _figure_around(element: etree._Element) -> etree._Element | None:
    """The figure whose caption holds `element`, if it has an image or an inline drawing (an icon array, an SVG
    figure drawn inline): the figure is one unit, and a page that opens with its picture is marked before it."""
    for ancestor in element.iterancestors(f"{{{XHTML_NS}}}figure"):
        pictures = (ancestor.find(f".//{{{XHTML_NS}}}img"), ancestor.find(f".//{{{SVG_NS}}}svg"))
        return ancestor if any(picture is not None for picture in pictures) else None
    return None


def parse(content: bytes) -> etree._Element:
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def serialise(tree: etree._Element) -> bytes:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


def mark_pages(contents: list[bytes], starts: list[list[str]],
               revise: Callable[[list[int]], dict[int, bytes]] | None = None) -> tuple[list[bytes], list[int]]:
    """Put a page break marker before each page's first words.

    Returns the new page contents and, for each printed page, the index of the
    EPUB page that holds its marker. Raises ValueError when a page's words are
    not found (the print and EPUB text disagree).

    `revise(holders)` may give new contents for some pages once the holders are known (the navigation page,
    whose page list names them): each must hold the same text outside its hidden parts, and is marked in
    place of the first; a page whose text differs is marked from scratch.
    """
    trees = [parse(content) for content in contents]
    stream = _Stream(trees)
    found_at: list[int] = []
    cursor = 0
    for number, words in enumerate(starts, 1):
        words = [word for word in words if word != FIGURE_FIRST]
        if not words:  # a blank page: mark it where the previous one began
            found = min(cursor, len(stream.text) - 1)
        else:
            found = stream.find(words, cursor)
        if found < 0:
            raise ValueError(f"page {number} starts with '{' '.join(words)}', which the EPUB text does not hold")
        found_at.append(found)
        cursor = found + 1
    places = [stream.where(found) for found in found_at]
    holders = [stream.nodes[node_index].document for node_index, _ in places]
    if revise is not None:
        revised = revise(holders)
        for number, content in revised.items():
            tree = parse(content)
            if not stream.replace_document(number, tree):
                contents = [revised.get(index, content) for index, content in enumerate(contents)]
                return mark_pages(contents, starts)
            trees[number] = tree
    # Insert from the last marker back, so the text positions found above stay valid while nodes are split.
    for number in range(len(starts), 0, -1):
        node_index, offset = places[number - 1]
        node = stream.nodes[node_index]
        figure = _figure_around(node.element) if starts[number - 1][:1] == [FIGURE_FIRST] else None
        if figure is not None:  # the printed page opens with this figure: mark the page before it
            marker = _marker(number)
            marker.tail = figure.getprevious().tail if figure.getprevious() is not None else None
            figure.addprevious(marker)
        else:
            _insert(node, _word_start(node, offset), _marker(number))
    return [serialise(tree) for tree in trees], holders
