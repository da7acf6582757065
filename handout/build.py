"""The build: load -> render -> write, with atomic outputs and per-step timings."""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .book import Book, load_book
from .config import load_config


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

    def temporary(self, final: Path) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=self.out_dir)
        os.close(handle)
        self.pending.append((Path(name), final))
        return Path(name)

    def commit(self) -> None:
        for temporary, final in self.pending:
            os.chmod(temporary, 0o644)
            os.replace(temporary, final)
        self.pending.clear()

    def discard(self) -> None:
        for temporary, _ in self.pending:
            temporary.unlink(missing_ok=True)
        self.pending.clear()


def build(root: Path, out_dir: Path | None = None, pdf: bool = True, epub: bool = True) -> BuildReport:
    """Build the handout in project folder `root` into `out_dir` (default: root/dist)."""
    root = root.resolve()
    out_dir = (out_dir or root / "dist").resolve()
    report = BuildReport()
    with report.step("load"):
        config = load_config(root)
        book: Book = load_book(config)
    report.warnings = book.warnings
    staging = Staging(out_dir)
    try:
        if pdf:
            from .pdf import write_pdf
            from .render import render_print
            with report.step("render print HTML"):
                html = render_print(book)
            final = out_dir / f"{config.output_name}.pdf"
            temporary = staging.temporary(final)
            with report.step("write PDF"):
                pages = write_pdf(html, root, temporary)
            report.outputs.append(Output(final, "pdf", temporary.stat().st_size, pages))
        if epub:
            from .epub import write_epub
            final = out_dir / f"{config.output_name}.epub"
            temporary = staging.temporary(final)
            with report.step("write EPUB"):
                documents = write_epub(book, temporary)
            report.outputs.append(Output(final, "epub", temporary.stat().st_size, documents))
        staging.commit()
    finally:
        staging.discard()
    return report
