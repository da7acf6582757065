"""The handout as data: a Book of Chapters made of Blocks, with its References, Images and in-book Links.

Loading (handout/load/) makes it from the chapters; everything after reads it and never the chapters. Plain,
immutable data: the layouts may be given it. The marks a book's pages may carry (a draft, a sample) are named here
because the layouts print them and the EPUB's page map leaves them out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from handout.config.settings import Config, Locator
from handout.core.language_record import record

# Added to the print stylesheets of a draft (`publish.py build --draft`): a mark in every page's top margin.
# The marks' words are the layout strings' (marks.draft, marks.sample: layouts/i18n/); these are the English.
DRAFT_STYLESHEET = "assets/css/draft.css"
DRAFT_MARK = "DRAFT \u2013 not for patients"
# A sample (`sample = true` in publish.toml): the same mark in every print page's top margin, and its words on
# the title page (print and EPUB: layouts/partials/title_block.html), so that screen readers say it too.
SAMPLE_STYLESHEET = "assets/css/sample.css"
SAMPLE_MARK = "SAMPLE \u2013 replace the clinic details before giving this to patients"

@dataclass(frozen=True)
class Image:
    src: str          # project-relative posix path, or a data: URL
    alt: str
    caption: str
    path: Path | None  # resolved file, None for data: URLs


@dataclass(frozen=True)
class Link:
    target: str       # an in-book id
    written: str      # the href as the author wrote it


@dataclass(frozen=True)
class Block:
    """A run of chapter content: plain Markdown, or a component a layout partial draws."""
    kind: str            # "markdown" or one of COMPONENTS
    html: str
    title: str = ""      # a box's title; for a marked part of Markdown on the sheet, how messages name it
    part: int = 0        # on the desk sheet: the chapter's part it belongs to (handout/targets/pdf/sheet.py); 0: not on it
    line: int = 0        # the line its box (or its marked part) starts on
    # An icon array: the figure again with every word as text of the page, not of the drawing
    # (handout/load/iconarray.py text_labelled_figure), for an edition whose type is too large for the drawing.
    text_labels: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Chapter:
    path: Path
    number: int
    slug: str
    title: str
    short_title: str
    summary: str
    role: str
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    images: tuple[Image, ...]
    ids: tuple[str, ...]
    glossary_terms: tuple[tuple[str, str], ...]
    body: str            # the Markdown source, for checks
    body_line: int       # line of the body's first line in the file
    links: tuple[Link, ...] = ()                  # in-book links, checked against the whole book
    citations: tuple[tuple[str, str], ...] = ()   # (reference key, note reference id), in reading order
    unknown_keys: tuple[tuple[str, int], ...] = ()  # front matter keys that are not ours, and their lines
    # (code, level, line, message): what was made of pasted or foreign text (handout/load/pasted.py), no errors
    notes: tuple[tuple[str, str, int, str], ...] = ()
    sheet: tuple[Block, ...] = ()  # the parts marked for the desk sheet, in order (Block.part numbers them)
    lang: str = ""       # a draft translation's chapter not yet translated: the source language it is in

    @property
    def file_name(self) -> str:
        """The chapter's document in the EPUB."""
        return f"{self.slug}.xhtml"

    @property
    def title_id(self) -> str:
        return f"{self.slug}--title"


@dataclass(frozen=True)
class Reference:
    key: str
    number: int
    authors: str
    title: str
    publisher: str
    year: str
    details: str
    doi: str
    url: str
    accessed: str
    cited_at: tuple[str, ...]  # ids of the note references that cite it
    # The source's language (its `language`, else the handout's source language), and the same when it is not
    # the language of this book (a Spanish edition citing English sources): the layouts mark its title with it.
    language: str = ""
    foreign: str = ""

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.url

    @property
    def direction(self) -> str:
        """The direction of the source's language ("ltr" or "rtl"): an English source in an Arabic book is one
        left-to-right run, its full stops and year in their places."""
        return record(self.language).direction if self.language else "ltr"


@dataclass(frozen=True)
class SourceMap:
    """Where the book's settings and sources are written, for messages about them: the line of a key of
    publish.toml (`config_line("review.next_review_due")`) and of a reference's key in references.yaml.
    Plain data (the layouts may be given the Book)."""
    config_text: str
    reference_lines: tuple[tuple[str, int], ...]
    references_path: Path

    def config_line(self, dotted: str) -> int | None:
        return Locator(self.config_text).line(dotted)

    def reference_line(self, key: str) -> int | None:
        return dict(self.reference_lines).get(key)


@dataclass(frozen=True)
class Book:
    root: Path
    config: Config
    chapters: tuple[Chapter, ...]
    references: tuple[Reference, ...]
    uncited: tuple[str, ...]
    date: dt.datetime
    warnings: tuple[str, ...] = field(default=(), compare=False)  # errors.Note: each carries its Diagnostic
    infos: tuple[str, ...] = field(default=(), compare=False)  # errors.Note at info level: for check, not printed
    draft: bool = False  # built with --draft despite failed checks: the layouts mark every page
    source: SourceMap | None = field(default=None, compare=False)
    jargon: tuple[str, ...] = ()     # the terms of the jargon list (check.jargon_file), in its order
    jargon_list: str | None = None   # its path relative to the project; None when the default list is absent

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(image for chapter in self.chapters for image in chapter.images)
