"""The build: load -> render -> write, with atomic outputs and per-step timings."""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .book import Book, load_book
from .config import Clinic, load_config
from .errors import InputError


@dataclass
class Output:
    path: Path
    kind: str
    size: int
    pages: int | None = None


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: tuple[str, ...] = ()

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        yield
        self.timings.append((name, time.perf_counter() - start))


class Staging:
    """Outputs are written to temporary files and renamed into place only when every one succeeded."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.pending: list[tuple[Path, Path]] = []
        self.scratches: list[Path] = []

    def temporary(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(handle)
        self.pending.append((Path(name), final))
        return Path(name)

    def scratch(self, folder: Path, name: str) -> Path:
        """A temporary file that is never renamed into place."""
        folder.mkdir(parents=True, exist_ok=True)
        handle, path = tempfile.mkstemp(prefix=f".scratch-{name}.", suffix=".tmp", dir=folder)
        os.close(handle)
        self.scratches.append(Path(path))
        return Path(path)

    def commit(self) -> None:
        for temporary, final in self.pending:
            os.chmod(temporary, 0o644)
            os.replace(temporary, final)
        self.pending.clear()

    def discard(self) -> None:
        for temporary in [t for t, _ in self.pending] + self.scratches:
            temporary.unlink(missing_ok=True)
        self.pending.clear()
        self.scratches.clear()


def output_folder(out_dir: Path, clinic: Clinic, clinic_count: int) -> Path:
    """One folder per clinic when several are configured; dist/ itself otherwise."""
    return out_dir / clinic.id if clinic_count > 1 else out_dir


def pdf_name(output_name: str, edition: str, editions: tuple[str, ...]) -> str:
    """The first listed edition is `<name>.pdf`; the others are `<name>-<edition>.pdf`."""
    return f"{output_name}.pdf" if edition == editions[0] else f"{output_name}-{edition}.pdf"


def build(root: Path, out_dir: Path | None = None, pdf: bool = True, epub: bool = True,
          editions: tuple[str, ...] | None = None) -> BuildReport:
    """Build the handout in project folder `root` into `out_dir` (default: root/dist)."""
    root = root.resolve()
    out_dir = (out_dir or root / "dist").resolve()
    with build_lock(out_dir):
        return _build(root, out_dir, pdf, epub, editions)


LOCK_NAME = ".build.lock"


@contextmanager
def build_lock(out_dir: Path):
    """One build at a time per output folder; a second one is told so instead of mixing files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_NAME, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another build is writing to {out_dir.name}/ right now: wait for it to finish "
                             "and run this one again", out_dir) from None
        # Temporary files a killed build left behind are of no use to anyone.
        for stale in [*out_dir.glob(".*.tmp"), *out_dir.glob("*/.*.tmp")]:
            stale.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(root: Path, out_dir: Path, pdf: bool, epub: bool, editions: tuple[str, ...] | None) -> BuildReport:
    report = BuildReport()
    with report.step("load"):
        config = load_config(root)
        book: Book = load_book(config)
    report.warnings = book.warnings
    editions = editions or config.print.editions
    staging = Staging(out_dir)
    try:
        for clinic in config.clinics:
            folder = output_folder(out_dir, clinic, len(config.clinics))
            label = f" [{clinic.id}]" if len(config.clinics) > 1 else ""
            page_source = page_source_edition(config.print.editions)
            rendered = _write_editions(book, clinic, editions if pdf else (), folder, staging, report, label,
                                       keep=page_source if epub else None)
            if epub:
                from .epub import write_epub
                if page_source not in rendered:
                    with report.step(f"lay out {page_source} for page list{label}"):
                        rendered[page_source] = _render(book, clinic, page_source)
                final = folder / f"{config.output_name}.epub"
                temporary = staging.temporary(final)
                with report.step(f"write EPUB{label}"):
                    documents = write_epub(book, clinic, temporary, rendered[page_source].page_starts())
                report.outputs.append(Output(final, "epub", temporary.stat().st_size, documents))
        staging.commit()
    finally:
        staging.discard()
    return report


def page_source_edition(editions: tuple[str, ...]) -> str:
    """The edition whose page numbers the EPUB's page list carries: the default one (booklet and press pages
    are Letter pages)."""
    return "letter" if editions[0] in {"booklet", "press"} else editions[0]


def _render(book: Book, clinic: Clinic, edition: str):
    from .pdf import RenderedPdf
    from .render import render_print
    return RenderedPdf(render_print(book, clinic, edition), book.root, book.config.limits.render_seconds,
                       f"laying out the {edition} edition")


def _write_editions(book: Book, clinic: Clinic, editions: tuple[str, ...], folder: Path, staging: Staging,
                    report: BuildReport, label: str, keep: str | None) -> dict:
    """Write each PDF edition; returns the laid-out document of edition `keep`, if built, for the EPUB."""
    from .impose import impose_booklet

    rendered: dict = {}
    written: dict[str, Path] = {}
    for edition in editions:
        final = folder / pdf_name(book.config.output_name, edition, editions)
        temporary = staging.temporary(final)
        document = None
        if edition == "booklet":
            letter = written.get("letter")
            if letter is None:  # the booklet needs Letter pages even when no Letter edition is wanted
                letter = staging.scratch(folder, "letter.pdf")
                with report.step(f"write PDF letter (for booklet){label}"):
                    document = _render(book, clinic, "letter")
                    document.write(letter)
            with report.step(f"impose booklet{label}"):
                pages = impose_booklet(letter, temporary)
        else:
            with report.step(f"write PDF {edition}{label}"):
                document = _render(book, clinic, edition)
                pages = document.write(temporary)
            written[edition] = temporary
        if document is not None and (edition == keep or (edition == "booklet" and keep == "letter")):
            rendered[keep] = document
        report.outputs.append(Output(final, "pdf", temporary.stat().st_size, pages))
    return rendered
