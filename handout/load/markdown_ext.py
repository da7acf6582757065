"""The Markdown dialect of a chapter: citations, stable anchors, sandboxed links and images.

One `ChapterMarkdown` converts the Markdown parts of one chapter. It prefixes
every id with the chapter slug (so anchors are unique across the book and
stable across builds), turns `NN-slug.md#anchor` links into in-book anchors,
checks image paths against the project sandbox, makes captioned figures and
marks citations for numbering. Problems are collected with the text that caused them and
their code; book.py turns them into `file:line` errors (or, collecting, into Diagnostics).
"""
from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import render_inner_html, strip_tags
from markdown.extensions.toc import slugify as toc_slugify
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from handout.core.theme import find
from handout.core.weburl import EXTERNAL_SCHEMES, WEB_SCHEMES, split
from handout.load.mdguard import MAX_CHILDREN, MAX_ELEMENTS, MAX_TREE_DEPTH
from handout.load.pasted import ForeignMarkdown, Problem
from handout.load.tables import table_id
from handout.model import Image, Link

CHAPTER_FILE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)\.md$")
CITATION = r"\[@([A-Za-z0-9_-]+(?:\s*;\s*@[A-Za-z0-9_-]+)*)\]"
# Typographic quotes and dashes as characters: named entities are not valid XHTML in an EPUB.
SMARTY = {"left-single-quote": "\u2018", "right-single-quote": "\u2019", "left-double-quote": "\u201c",
          "right-double-quote": "\u201d", "ndash": "\u2013", "mdash": "\u2014", "ellipsis": "\u2026",
          "left-angle-quote": "\u00ab", "right-angle-quote": "\u00bb"}


_ESCAPED = re.compile("\x02([0-9]{1,3})\x03")  # Python-Markdown's placeholder for a backslash-escaped character
_PLACEHOLDER = re.compile("\x02[^\x03]*\x03")


def _as_written(address: str, escaped: bool = True) -> str:
    """A link's or image's address with Python-Markdown's placeholders put back (`\\>` is held as STX 62 ETX
    until the end): as the author wrote it (`escaped`: `<foo\\>`, for messages and to find its line), or as it
    reads (`<foo>`, to judge it). No placeholder byte reaches a message."""
    if "\x02" not in address:
        return address
    character = (lambda match: "\\" + chr(int(match.group(1)))) if escaped else \
        (lambda match: chr(int(match.group(1))))
    return _PLACEHOLDER.sub("", _ESCAPED.sub(character, address))


@dataclass
class ChapterState:
    """What converting one chapter collects; shared by all its Markdown parts."""
    slug: str
    chapter_path: Path
    root: Path
    citations: list[tuple[str, str]] = field(default_factory=list)  # (reference key, note reference id)
    ids: list[str] = field(default_factory=list)
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    glossary_terms: list[tuple[str, str]] = field(default_factory=list)
    role: str = "chapter"
    elements: int = 0  # block elements so far, over all the chapter's Markdown parts
    tables: int = 0
    sheet_parts: int = 0         # parts marked for the desk sheet so far (handout/targets/pdf/sheet.py)
    sheet_section: tuple[int, int] | None = None  # (part, heading level) of a marked section still open
    sheet_key_points: bool = False  # `sheet: true` in the front matter: its key-points boxes are marked
    sheet: list = field(default_factory=list)     # the marked parts' blocks, in order (book.py)
    # The characters "double quotes" become, in the book's language (layout strings typography.quote_open and
    # quote_close: “ ” in English, « » in Spanish); single quotes and apostrophes are ‘ ’ in every language.
    quotes: tuple[str, str] = ("\u201c", "\u201d")
    # The layout strings a conversion writes ((key, text) pairs: typography.*, icon_array.*); empty: English.
    words: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        found = dict(self.words)
        if "typography.quote_open" in found:
            self.quotes = (found["typography.quote_open"], found["typography.quote_close"])
    _seen: set[str] = field(default_factory=set, repr=False)
    _synced: int = field(default=0, repr=False)
    _counters: dict[str, int] = field(default_factory=dict, repr=False)

    def anchor(self, local: str) -> str:
        return f"{self.slug}--{local}"

    def unique(self, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `wanted-3`... if taken; added to the ids. Constant time per id (a chapter
        of thousands of equal headings must not take quadratic time)."""
        self._seen.update(self.ids[self._synced:])
        n = self._counters.get(wanted, 1)
        candidate = wanted if n == 1 else f"{wanted}-{n}"
        while candidate in self._seen:
            n += 1
            candidate = f"{wanted}-{n}"
        self._counters[wanted] = n
        self.ids.append(candidate)
        self._seen.add(candidate)
        self._synced = len(self.ids)
        return candidate


# A citation's number depends on the whole book (order of first use), so a chapter's HTML carries a
# placeholder that the book fills in; the chapter's conversion can then be cached on its own.
CITE_OPEN, CITE_CLOSE = "\ue000", "\ue001"
CITE_PLACEHOLDER = re.compile(f"{CITE_OPEN}([A-Za-z0-9_-]+){CITE_CLOSE}")
# The words that open a line listing a table's sources (checks/numbers.py knows them as a table's caption).
SOURCE_LINE = re.compile(r"(?:Source|Sources|Fuente|Fuentes|资料来源|来源)\s*[:：]", re.I)


class CitationProcessor(InlineProcessor):
    def __init__(self, pattern, md, state: ChapterState):
        super().__init__(pattern, md)
        self.state = state

    def handleMatch(self, m, data):
        sup = ET.Element("sup", {"class": "cite"})
        keys = [k.strip().lstrip("@") for k in m.group(1).split(";")]
        for index, key in enumerate(keys):
            cite_id = f"cite-{self.state.slug}-{len(self.state.citations) + 1}"
            self.state.citations.append((key, cite_id))
            self.state.ids.append(cite_id)
            if index:
                sup[-1].tail = ","
            link = ET.SubElement(sup, "a", {"class": "noteref", "href": f"#ref-{key}", "id": cite_id,
                                            "epub:type": "noteref", "role": "doc-noteref"})
            link.text = f"{CITE_OPEN}{key}{CITE_CLOSE}"
        return sup, m.start(0), m.end(0)


# Words in another language than the chapter's: `[off-label]{lang=en}`, a span marked with that language so a
# screen reader reads them with its sounds (and the PDF's structure carries its /Lang).
LANGUAGE_SPAN = r"\[([^\[\]\n]+)\]\{\s*lang=([\"']?)([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\2\s*\}"


class LanguageSpanProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        span = ET.Element("span", {"lang": m.group(3)})
        span.text = m.group(1)
        return span, m.start(0), m.end(0)


class ChapterTreeprocessor(Treeprocessor):
    """Runs after toc and attr_list have assigned ids."""

    def __init__(self, md, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root):
        self._sheet_marks(root)
        self._figures(root)
        self._hug_citations(root)
        for element in root.iter():
            self._ids(element)
            if element.tag == "a" and "href" in element.attrib and "noteref" not in element.get("class", ""):
                self._link(element)
            elif element.tag == "img":
                self._image(element)
            elif element.tag == "li":
                self._task(element)
            elif element.tag == "th":
                element.set("scope", "col")
            elif element.tag == "table" and not element.get("id"):
                # Named, so that a print edition can say at which line a table too wide for the page is.
                self.state.tables += 1
                element.set("id", self._unique(table_id(self.state.slug, self.state.tables)))
            elif element.tag in {"h2", "h3", "h4"}:
                text = self._text(element)
                self.state.headings.append((int(element.tag[1]), element.get("id", ""), text))
            elif element.tag == "dt" and self.state.role == "glossary":
                term = self._text(element)
                if not element.get("id"):
                    element.set("id", self._unique(self.state.anchor("glossary-" + toc_slugify(term, "-"))))
                element.set("epub:type", "glossterm")
                self.state.glossary_terms.append((term, element.get("id")))
            elif element.tag == "dd" and self.state.role == "glossary":
                element.set("epub:type", "glossdef")

    def _sheet_marks(self, root):
        """Parts marked for the desk sheet (handout/targets/pdf/sheet.py) get a `data-sheet="<part>"` attribute, which the
        loader takes out again: a `{sheet}` paragraph marks the element before it (and goes), a heading with
        `{sheet}` its section, up to the next heading of the same or a higher level (in later runs too)."""
        state = self.state
        previous = None
        for child in list(root):
            if child.tag == "p" and not len(child) and (child.text or "").strip() == "{sheet}":
                root.remove(child)
                if previous is None:
                    state.problems.append(Problem("'{sheet}' marks the table, list or paragraph right before it, "
                                                  "and there is none: put it on its own line after a blank line, "
                                                  "right after what goes on the sheet", "{sheet}", code="sheet.mark"))
                elif previous.get("data-sheet") is None:
                    state.sheet_parts += 1
                    previous.set("data-sheet", str(state.sheet_parts))
                continue
            level = int(child.tag[1]) if re.fullmatch(r"h[1-6]", child.tag) else 0
            if state.sheet_section and level and level <= state.sheet_section[1]:
                state.sheet_section = None
            # `{sheet}` right under a list's last line lands on that item: it marks the whole list.
            marked = [element for element in child.iter() if "sheet" in element.attrib]  # attr_list: value None
            for element in marked:
                del element.attrib["sheet"]
            if marked and not state.sheet_section:
                state.sheet_parts += 1
                if level:
                    state.sheet_section = (state.sheet_parts, level)
                else:
                    child.set("data-sheet", str(state.sheet_parts))
            if state.sheet_section:
                child.set("data-sheet", str(state.sheet_section[0]))
            previous = child

    def _text(self, element) -> str:
        """Plain text of an element, with Markdown's placeholders (smart quotes, entities) put back."""
        return html.unescape(strip_tags(render_inner_html(element, self.md)))

    def _unique(self, wanted: str) -> str:
        return self.state.unique(wanted)

    def _ids(self, element):
        current = element.get("id")
        if current and not current.startswith(("cite-", f"{self.state.slug}--")):
            element.set("id", self._unique(self.state.anchor(current)))

    def _link(self, element):
        href = _as_written(element.get("href"))
        parts = split(_as_written(element.get("href"), escaped=False))
        if parts is None:
            self.state.problems.append(Problem(f"malformed address '{href}'", href, code="links.malformed"))
            return
        scheme = parts.scheme.lower()
        if scheme in EXTERNAL_SCHEMES:
            if scheme in WEB_SCHEMES and not parts.netloc:
                self.state.problems.append(Problem(f"malformed web address '{href}'", href, code="links.malformed"))
            return
        if scheme or parts.netloc:
            self.state.problems.append(Problem(f"link '{href}' is not allowed: only https:, http:, mailto:, "
                                               "tel: and links to other chapters", href, sandbox=True,
                                               code="links.not-allowed"))
            return
        if not parts.path:  # same-chapter anchor
            target = self.state.anchor(unquote(parts.fragment)) if parts.fragment else self.state.slug
        else:
            name = Path(unquote(parts.path)).name
            match = CHAPTER_FILE.match(name)
            if not match:
                self.state.problems.append(Problem(f"link '{href}' does not point to a chapter (NN-slug.md)"
                                                   f"{_web_address_advice(href)}", href,
                                                   code="links.not-a-chapter"))
                return
            slug = match.group(2)
            target = f"{slug}--{unquote(parts.fragment)}" if parts.fragment else slug
        self.state.links.append(Link(target, href))
        element.set("href", "#" + target)

    def _image(self, element):
        src = _as_written(element.get("src", ""))
        alt = element.get("alt", "").strip()
        caption = element.attrib.pop("title", "").strip()
        if not alt:
            self.state.problems.append(Problem(f"image '{src}' has no alt text: write ![what it shows]({src})",
                                               src or "![]", code="images.no-alt"))
        if src.startswith("data:"):
            self.state.images.append(Image(src, alt, caption, None))
            return
        parts = split(_as_written(element.get("src", ""), escaped=False))
        if parts is None:
            self.state.problems.append(Problem(f"malformed image address '{src}'", src, code="images.malformed"))
            return
        if parts.scheme or parts.netloc or src.startswith("/"):
            self.state.problems.append(Problem(f"image '{src}' is outside the project sandbox: use a file inside "
                                               "the project or a data: URL", src, sandbox=True,
                                               code="images.outside"))
            return
        resolved = (self.state.chapter_path.parent / unquote(parts.path)).resolve()
        root = self.state.root.resolve()
        if not resolved.is_relative_to(root):
            self.state.problems.append(Problem(f"image '{src}' is outside the project sandbox", src, sandbox=True,
                                               code="images.outside"))
            return
        relative = resolved.relative_to(root).as_posix()
        looked = [relative]
        translated = re.match(r"translations/[^/]+/", relative)
        if translated and not resolved.exists() and not (root / relative).is_symlink():
            # A translation overrides a figure of its source only by having its own: else the source's.
            relative = relative[translated.end():]
            looked.append(f"then the source language's {relative}")
            resolved = (root / relative).resolve()
        if not resolved.exists() and not (root / relative).is_symlink():
            resolved = find(root, relative)  # a figure of the built-in theme, which the project does not override
        if not resolved.is_file():
            where = f" (looked for {', '.join(looked)})" if translated else ""
            self.state.problems.append(Problem(f"image '{src}' not found{where}{self._image_path_advice(parts.path)}",
                                               src, code="images.missing"))
            return
        element.set("src", relative)
        self.state.images.append(Image(relative, alt, caption, resolved))

    def _image_path_advice(self, path: str) -> str:
        """When an image path names a file of the project but is written from the project's folder rather than
        from the chapter's (`assets/x.png` in chapters/01-a.md): the path to write."""
        root = self.state.root.resolve()
        meant = (root / unquote(path)).resolve()
        if not meant.is_relative_to(root):
            return ""
        if not meant.is_file() and not find(root, meant.relative_to(root).as_posix()).is_file():  # nor the theme's
            return ""
        written = Path(os.path.relpath(meant, self.state.chapter_path.parent.resolve())).as_posix()
        return f": image paths are relative to the chapter's file, so write '{written}'"

    def _figures(self, root):
        """A paragraph holding only an image with a title becomes a figure with a caption."""
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag != "p" or len(child) != 1 or (child.text or "").strip():
                    continue
                image = child[0]
                if image.tag != "img" or (image.tail or "").strip() or not image.get("title"):
                    continue
                figure = ET.Element("figure", {"class": "figure"})
                image.tail = None
                figure.append(image)
                caption = ET.SubElement(figure, "figcaption")
                caption.text = image.get("title")
                figure.tail = child.tail
                parent.remove(child)
                parent.insert(index, figure)

    def _hug_citations(self, root):
        """`weeks [@x].` reads `weeks¹.`: no space between a word and its note number."""
        for parent in root.iter():
            for index, child in enumerate(parent):
                if child.tag == "sup" and child.get("class") == "cite":
                    if index == 0 and self._source_line(parent, child):
                        continue
                    if index == 0:
                        parent.text = (parent.text or "").rstrip(" ")
                    else:
                        parent[index - 1].tail = (parent[index - 1].tail or "").rstrip(" ")

    @staticmethod
    def _source_line(paragraph, sup) -> bool:
        """A line that only lists sources, `Sources: [@a; @b]` under a table, prints its numbers on the line,
        "Sources: 4, 2, 14", not raised after the colon: the paragraph gets the class `source-line`."""
        if not (paragraph.tag == "p" and len(paragraph) == 1 and SOURCE_LINE.fullmatch((paragraph.text or "").strip())
                and not (sup.tail or "").strip(" .")):
            return False
        paragraph.set("class", "source-line")
        paragraph.text = paragraph.text.strip() + " "
        for link in sup[:-1]:
            link.tail = ", "
        return True

    def _task(self, element):
        """`- [ ] item` becomes a checklist item with a printable box (not a form control)."""
        holder = element[0] if len(element) and element[0].tag == "p" and not (element.text or "").strip() else element
        text = holder.text or ""
        match = re.match(r"\s*\[([ xX])\]\s+", text)
        if not match:
            return
        holder.text = text[match.end():]
        element.set("class", "task done" if match.group(1) in "xX" else "task")


class ShapeTreeprocessor(Treeprocessor):
    """Runs after block parsing, before inline patterns: a chapter of more elements than MAX_ELEMENTS, or
    nested deeper than MAX_TREE_DEPTH, is refused before the costly inline pass (and before anything
    recursive walks it)."""

    def __init__(self, md, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root):
        stack = [(root, 0)]
        deepest = widest = 0
        while stack:
            element, depth = stack.pop()
            deepest = max(deepest, depth)
            if element is not root:  # the chapter's own paragraphs are not one list
                widest = max(widest, len(element))
            self.state.elements += len(element)
            stack.extend((child, depth + 1) for child in element)
        problem = None
        if len(root) > MAX_CHILDREN:  # the inline pass is quadratic in these too
            problem = (f"{len(root)} paragraphs, headings, lists and other blocks in a row (at most {MAX_CHILDREN}, "
                       "or as many in each box): split the chapter into several chapters")
        elif widest > MAX_CHILDREN:
            problem = (f"a list, table or definition list of {widest} items, rows or cells (at most "
                       f"{MAX_CHILDREN} in one): split it")
        elif self.state.elements > MAX_ELEMENTS:
            problem = (f"the chapter has more than {MAX_ELEMENTS} paragraphs, list items, table cells and other "
                       "blocks: split it into several chapters")
        elif deepest > MAX_TREE_DEPTH:
            problem = f"the chapter nests blocks {deepest} deep (at most {MAX_TREE_DEPTH}): flatten it"
        if problem:
            self.state.problems.append(Problem(problem, "", code="input.shape"))
            root.clear()  # nothing left for the inline pass


class ChapterExtension(Extension):
    def __init__(self, state: ChapterState):
        super().__init__()
        self.state = state

    def extendMarkdown(self, md):
        md.inlinePatterns.register(CitationProcessor(CITATION, md, self.state), "citation", 175)
        md.inlinePatterns.register(LanguageSpanProcessor(LANGUAGE_SPAN, md), "language-span", 176)
        md.treeprocessors.register(ChapterTreeprocessor(md, self.state), "chapter", 3)
        md.treeprocessors.register(ShapeTreeprocessor(md, self.state), "shape", 25)  # before "inline" (20)


# A web address written without its scheme: `www.nhs.uk/sleep`, `nhs.uk`, `cdc.gov/sleep/index.html`.
_BARE_WEB_ADDRESS = re.compile(r"(?:www\.)?(?:[A-Za-z0-9-]+\.)+(?:com|org|net|gov|edu|uk|ca|au|nz|ie|int|info|health|"
                               r"nhs|us|eu|de|fr|[a-z]{2})(?:[/?#].*)?", re.IGNORECASE)


def _web_address_advice(href: str) -> str:
    """Beside a link that is no chapter: when it looks like a web address without https://, what to write."""
    if href.lower().endswith(".md") or not _BARE_WEB_ADDRESS.fullmatch(href):
        return ""
    return f": for a web address, write it with https:// in front: [...](https://{href})"


def new_markdown(state: ChapterState) -> markdown.Markdown:
    """A Markdown converter configured with the chapter dialect."""
    opening, closing = state.quotes
    md = markdown.Markdown(
        output_format="xhtml",
        extensions=["tables", "attr_list", "def_list", "toc", "sane_lists", "smarty", ChapterExtension(state),
                    ForeignMarkdown(state)],
        extension_configs={"smarty": {"substitutions": {**SMARTY, "left-double-quote": opening,
                                                        "right-double-quote": closing}},
                           "toc": {"permalink": False}},
    )
    _open_quotes_after_inverted_marks(md, opening)
    return md


def _open_quotes_after_inverted_marks(md: markdown.Markdown, opening: str) -> None:
    """A quote right after Spanish ¿ or ¡ opens (¿"Ya"? -> ¿«Ya»?): smarty, which knows only English
    punctuation, would close it. Checked before smarty's own quote patterns (priorities 30 and below)."""
    from markdown.extensions.smarty import SubstituteTextPattern

    patterns = md.treeprocessors["smarty"].inlinePatterns
    patterns.register(SubstituteTextPattern(r'(?<=[\u00bf\u00a1])"(?=\S)', (opening,), md), "smarty-inverted-double", 32)
    patterns.register(SubstituteTextPattern(r"(?<=[\u00bf\u00a1])'(?=\S)", (SMARTY["left-single-quote"],), md),
                      "smarty-inverted-single", 31)
