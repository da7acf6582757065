"""The print editions: one entry each in EDITIONS. Nothing else in the code names an edition.

An edition is a PDF of the handout. It is laid out from the print layout with the print stylesheets and its
own (`assets/css/editions/<name>.css`), on its own page size (`letter`, `a4`: these are also the values of
`print.paper`) or on the configured paper (the others). An edition can instead be made from the paper
edition's PDF by a post-processing step (the booklet: imposed two-up). An edition that has no pages of its
own numbers its pages as the paper edition does, so the EPUB's page list and the preview use the paper's.

To add an edition: one entry below, and its stylesheet in assets/css/editions/ (or a project's).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    name: str                       # as publish.toml's print.editions and --edition write it
    label: str = ""                 # how the EPUB's page list names its pages ("": the paper's label)
    paper: bool = False             # a page size of its own, and a value of print.paper
    own_pages: bool = True          # False: its pages are the paper edition's (same breaks, same numbers)
    # Made from the paper edition's PDF instead of laid out: "module:function", imported when the build runs it
    # (the editions are settings; the function is the PDF target's): (source PDF, target PDF) -> pages written.
    post_process: str = ""
    post_process_step: str = ""     # the step's name in the build's timings
    pdf_variant: str = "pdf/ua-1"   # WeasyPrint's pdf_variant (the press edition: PDF/X-4, still tagged)
    cost: int = 2                   # 0 starts first: the editions with the most pages
    unit: str = "pages"             # what the build's summary counts
    summary: str = ""               # one line for the README's table of outputs
    # What it holds: its top layout (the whole handout, or the desk sheet's marked parts: handout/targets/pdf/sheet.py),
    # the pages it may take at most (0: any; more is an error naming the marked parts) and the editions whose
    # stylesheets it adds before its own (the large-print sheet: large print's).
    layout: str = "print.html"
    max_pages: int = 0
    layers: tuple[str, ...] = ()
    icon_label_size: float = 0      # an icon array's labels, in its SVG units, when the edition's type is larger
    # An icon array's words as text of the page beside its drawings (a drawing narrower than the column would
    # shrink words drawn inside it below the edition's type size)
    icon_labels_as_text: bool = False

    @property
    def stylesheet(self) -> str:
        return f"assets/css/editions/{self.name}.css"


EDITIONS: dict[str, Edition] = {edition.name: edition for edition in (
    Edition("letter", label="Letter", paper=True, summary="US Letter pages, PDF/UA-1"),
    Edition("a4", label="A4", paper=True, summary="A4 pages, PDF/UA-1"),
    Edition("large-print", label="large print", cost=0, icon_label_size=8.8,
            summary="18 pt body text, for low-vision readers, on the paper of print.paper"),
    Edition("booklet", own_pages=False, post_process="handout.targets.pdf.impose:impose_booklet",
            post_process_step="impose booklet",
            unit="sheet sides", summary="the paper's pages two-up on sheets twice as wide, saddle-stitch order"),
    Edition("press", own_pages=False, pdf_variant="pdf/x-4",
            summary="for a print shop: PDF/X-4, CMYK, bleed and crop marks, on the paper of print.paper"),
    Edition("sheet", cost=3, layout="sheet.html", max_pages=2,
            summary="the desk sheet: the parts marked {sheet}, on one sheet (2 pages) of the paper of print.paper"),
    Edition("large-print-sheet", cost=3, layout="sheet.html", max_pages=4, layers=("large-print", "sheet"),
            icon_labels_as_text=True,
            summary="the desk sheet at 18 pt, on two sheets (4 pages) at most"),
)}

def register(entry: Edition) -> Edition:
    """Add an edition (a plug-in, or a test); publish.toml's print.editions and --edition accept it."""
    if entry.name in EDITIONS:
        raise ValueError(f"an edition named {entry.name!r} is registered already")
    EDITIONS[entry.name] = entry
    return entry


NAMES = tuple(EDITIONS)
PAPERS = tuple(name for name, edition in EDITIONS.items() if edition.paper)  # the page sizes


def edition(name: str) -> Edition:
    return EDITIONS[name]


def stylesheets(name: str, paper: str) -> tuple[str, ...]:
    """The edition stylesheets an edition's layout uses: the paper's for an edition without a page size of its
    own, then its own. A post-processed edition is laid out as the paper edition is."""
    entry = EDITIONS[name]
    if entry.post_process:
        return stylesheets(paper, paper)
    return (*(() if entry.paper else (EDITIONS[paper].stylesheet,)),
            *(EDITIONS[layer].stylesheet for layer in entry.layers), entry.stylesheet)


def pages_of(name: str, paper: str) -> str:
    """The edition whose page breaks and numbers edition `name` has: itself, or the paper's."""
    return name if EDITIONS[name].own_pages else paper


def page_label(name: str, paper: str) -> str:
    """How the EPUB's page list names the printed pages of edition `name` ("Letter", "A4", "large print")."""
    return EDITIONS[pages_of(name, paper)].label


def page_words(name: str, paper: str, strings=None) -> str:
    """How the printed pages of edition `name` are named to a reader: the layout strings' `paper.<edition>`
    in the book's language when `strings` (handout/config/strings.py) name it, else the edition's label."""
    words = strings.table.get(f"paper.{pages_of(name, paper)}") if strings is not None else None
    return words or page_label(name, paper)
