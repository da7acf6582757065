"""The output formats: one Target each in TARGETS. Planning, the cache's digests, the command line's
`--no-<name>` flags, progress labels and the README's table of outputs all come from here.

A target owns its top templates and stylesheets, the capabilities its layouts may ask about (a layout asks
`{% if paged %}`, never which target it is), the inputs only it reads, the file it writes and the job that
writes it. A target is made once per print edition (`per_edition`, the PDF) or once per clinic (the EPUB).

To add a target: one entry below with its job (a function here), and its layouts under layouts/.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import editions


@dataclass(frozen=True)
class Target:
    name: str                     # "pdf": its flag is --no-pdf
    label: str                    # in progress lines and timings: "PDF letter", "EPUB"
    layouts: str                  # the layouts' name for it (templates see it as `target`)
    templates: tuple[str, ...]    # its top templates, under layouts/
    stylesheets: tuple[str, ...]  # what its documents link to, in order (editions add theirs to the PDF's)
    extension: str
    per_edition: bool             # one file per print edition, else one per clinic
    own_inputs: tuple[str, ...]   # inputs only this target reads: paths, or folders ending in "/"
    capabilities: dict = field(default_factory=dict)  # what its layouts may ask about
    page_list: bool = False       # maps the printed pages (the EPUB's page list): it needs their first words
    unit: str = "pages"           # what the build's summary counts
    help: str = ""                # the --no-<name> flag's help
    summary: str = ""             # one line for the README's table of outputs
    job: Callable | None = None   # (book, clinic, edition, file, page starts) -> (count, page starts, seconds)
    stem: str = ""                # its file's name before the extension ("": publish.toml's output_name)
    enabled: Callable | None = None  # (config) -> whether publish.toml asks for it ("None": always)

    def reads(self, path: str) -> bool:
        return any(path == own or (own.endswith("/") and path.startswith(own)) for own in self.own_inputs)


def _pdf_job(book, clinic, edition: str, target: str, want_starts: bool):
    """Lay out one edition and write it (or, with no `target`, only find where its pages start)."""
    from .pdf import RenderedPdf
    from .render import render_print

    start = time.perf_counter()
    document = RenderedPdf(render_print(book, clinic, edition), book.root, book.config.limits.render_seconds,
                           f"laying out the {edition} edition", editions.edition(edition).pdf_variant)
    if editions.edition(edition).max_pages:  # the desk sheet: its marked parts must fit (handout/sheet.py)
        from .sheet import fit_problem

        problem = fit_problem(book, editions.edition(edition), document.document)
        if problem is not None:
            raise problem
    starts = document.page_starts() if want_starts else None
    if starts is not None and STARTS_CHANNEL is not None:
        # Hand the page starts over now, so the EPUB is packed while this PDF is still being written.
        STARTS_CHANNEL.put(((book.config.language, clinic.id), starts))
        starts = None
    pages = document.write(Path(target)) if target else document.page_count
    return pages, starts, time.perf_counter() - start


def _epub_job(book, clinic, edition: str, target: str, starts):
    from .epub import write_epub

    start = time.perf_counter()
    return write_epub(book, clinic, Path(target), starts), None, time.perf_counter() - start


def _web_job(book, clinic, edition: str, target: str, starts):
    from .render import render_web
    from .web import downloads, language_links

    start = time.perf_counter()
    suffix = "-draft" if book.draft else ""
    html = render_web(book, clinic, downloads(book.config, suffix), language_links(book.config, clinic, suffix))
    Path(target).write_bytes(html.encode("utf-8"))
    return 1, None, time.perf_counter() - start


def post_process_job(edition: str, source: str, target: str):
    """Make a post-processed edition (the booklet) from the paper edition's PDF."""
    start = time.perf_counter()
    pages = editions.edition(edition).post_process(Path(source), Path(target))
    return pages, None, time.perf_counter() - start


# In a worker process: where a PDF job sends the page starts of its layout early (set by the build).
STARTS_CHANNEL = None


TARGETS: dict[str, Target] = {target.name: target for target in (
    Target("pdf", "PDF", "print", ("print.html",), ("assets/css/base.css", "assets/css/print.css"), ".pdf",
           per_edition=True, own_inputs=("assets/css/print.css", "layouts/print.html", "assets/css/editions/"),
           capabilities={"paged": True}, help="skip the PDF", job=_pdf_job,
           summary="one per edition listed in print.editions (below)"),
    Target("epub", "EPUB", "epub", ("epub/cover.svg", "epub/cover.xhtml", "epub/title.xhtml", "epub/nav.xhtml",
                                    "epub/chapter.xhtml", "epub/back.xhtml"),
           ("assets/css/fonts.css", "assets/css/base.css", "assets/css/epub.css"), ".epub",
           per_edition=False, own_inputs=("assets/css/epub.css", "layouts/epub/"), capabilities={"paged": False},
           page_list=True, unit="documents", help="skip the EPUB", job=_epub_job,
           summary="EPUB 3, with a page list mapping the first edition's printed pages"),
    Target("web", "web page", "web", ("web/index.html",), ("assets/css/base.css", "assets/css/web.css"), ".html",
           per_edition=False, own_inputs=("assets/css/web.css", "layouts/web/"), capabilities={"paged": False},
           unit="page", help="skip the web edition", job=_web_job, stem="index",
           enabled=lambda config: config.web.enabled,
           summary="the online copy: one accessible page, everything embedded, linking to the files beside it"),
)}

PRINT = TARGETS["pdf"]
EPUB = TARGETS["epub"]
WEB = TARGETS["web"]


def target(name: str) -> Target:
    return TARGETS[name]


def depends(path: str, target_name: str, edition: str, paper: str) -> bool:
    """Whether the input file `path` can change the output of `target_name` (for a PDF: of `edition`)."""
    if path.startswith("assets/css/editions/"):
        return TARGETS[target_name].per_edition and path in editions.stylesheets(edition, paper)
    owners = [t.name for t in TARGETS.values() if t.reads(path)]
    return not owners or target_name in owners


def output_file(target_name: str, output_name: str, edition: str, listed: tuple[str, ...], suffix: str = "") -> str:
    """The output's file name: the first edition publish.toml lists is `<name>.pdf`, any other
    `<name>-<edition>.pdf`; a target made once per clinic is `<name>.<extension>`. `suffix` (`-draft`) goes
    before the extension."""
    entry = TARGETS[target_name]
    stem = entry.stem or output_name
    stem = stem if not entry.per_edition or edition == listed[0] else f"{stem}-{edition}"
    return f"{stem}{suffix}{entry.extension}"


def label(target_name: str, edition: str) -> str:
    entry = TARGETS[target_name]
    return f"{entry.label} {edition}" if entry.per_edition else entry.label


def outputs_table(output_name: str = "<output_name>") -> str:
    """The README's table of outputs, from the registries (a test keeps the README equal to it)."""
    rows = ["| Output | File in dist/ | What it is |", "| --- | --- | --- |"]
    for entry in TARGETS.values():
        if not entry.per_edition:
            rows.append(f"| {entry.label[0].upper()}{entry.label[1:]} | `{output_file(entry.name, output_name, '', ('',))}` "
                        f"| {entry.summary} |")
            continue
        for name, edition in editions.EDITIONS.items():
            rows.append(f"| {entry.label} `{name}` | `{output_file(entry.name, output_name, name, ('',))}` "
                        f"| {edition.summary} |")
    return "\n".join(rows)


def unit(target_name: str, edition: str) -> str:
    """What an output's count counts: pages, sheet sides (a booklet), documents (the EPUB)."""
    entry = TARGETS[target_name]
    return editions.edition(edition).unit if entry.per_edition else entry.unit
