"""The PDF target's job: lay out one edition and write it (postprocess.py makes the booklet from it)."""
from __future__ import annotations

import time
from pathlib import Path

from handout.config import editions
from handout.targets.pdf import spill
from handout.targets.pdf.render import render_print
from handout.targets.pdf.sheet import fit_problem
from handout.targets.pdf.sheetfit import SheetVerdicts, as_verdict, laid_out, verdict_key

# In a worker process: where a PDF job sends the page starts of its layout early (set by the build).
STARTS_CHANNEL = None


def pdf_job(book, clinic, edition: str, target: str, want_starts: bool):
    """Lay out one edition and write it (or, with no `target`, only find where its pages start)."""
    start = time.perf_counter()
    html = render_print(book, clinic, edition)
    document = laid_out(book, edition, html)
    notes = (spill.warning(edition, book.config.language, document.document),) \
        if target and spill.spilled(document.document) else ()
    if editions.edition(edition).max_pages:  # the desk sheet: its marked parts must fit (sheet.py)
        problem = fit_problem(book, editions.edition(edition), document.document)
        # Kept for `check`, which then need not lay this sheet out again (sheetfit.py).
        SheetVerdicts(book.root).put(verdict_key(book, edition, html), as_verdict(problem, book.root))
        if problem is not None:
            raise problem
    starts = document.page_starts() if want_starts else None
    if starts is not None and STARTS_CHANNEL is not None:
        # Hand the page starts over now, so the EPUB is packed while this PDF is still being written.
        STARTS_CHANNEL.put(((str(book.root), book.config.language, clinic.id), starts))
        starts = None
    pages = document.write(Path(target)) if target else document.page_count
    return pages, starts, time.perf_counter() - start, notes
