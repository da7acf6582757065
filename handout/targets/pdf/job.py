"""The PDF target's job: lay out one edition and write it (postprocess.py makes the booklet from it)."""
from __future__ import annotations

import time
from pathlib import Path

from handout.config import editions
from handout.targets.pdf import spill
from handout.targets.pdf.render import render_print
from handout.targets.pdf.sheet import fit_problem
from handout.targets.pdf.writer import RenderedPdf

# In a worker process: where a PDF job sends the page starts of its layout early (set by the build).
STARTS_CHANNEL = None


def pdf_job(book, clinic, edition: str, target: str, want_starts: bool):
    """Lay out one edition and write it (or, with no `target`, only find where its pages start)."""
    start = time.perf_counter()
    html = render_print(book, clinic, edition)
    document, level = None, 0
    most = editions.edition(edition).max_pages
    while document is None or (spill.needs_fitting(document.document, most) and level < spill.FIT_LEVELS):
        level += document is not None  # a near-empty last page: again with the next fitting rules (spill.py)
        document = RenderedPdf(spill.fitting(html, level), book.root, book.config.limits.render_seconds,
                               f"laying out the {edition} edition", editions.edition(edition).pdf_variant)
    notes = (spill.warning(edition, book.config.language, document.document),) \
        if target and spill.spilled(document.document) else ()
    if editions.edition(edition).max_pages:  # the desk sheet: its marked parts must fit (sheet.py)
        problem = fit_problem(book, editions.edition(edition), document.document)
        if problem is not None:
            raise problem
    starts = document.page_starts() if want_starts else None
    if starts is not None and STARTS_CHANNEL is not None:
        # Hand the page starts over now, so the EPUB is packed while this PDF is still being written.
        STARTS_CHANNEL.put(((book.config.language, clinic.id), starts))
        starts = None
    pages = document.write(Path(target)) if target else document.page_count
    return pages, starts, time.perf_counter() - start, notes
