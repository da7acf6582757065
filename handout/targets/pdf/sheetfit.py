"""The desk sheet's fit, for `publish.py check` (the `sheet` rule, handout/check/sheet.py, is given this function):
an edition with a page limit laid out as the build lays it out, for the first clinic; and its verdict, kept in
.cache/sheets/ by the digest of what its layout is made from, so that `check` lays out a sheet only when that
digest is new: the build records the verdict of every sheet it lays out (it lays them out anyway, to write them,
job.py), and `check` records those it had to lay out itself.

What the digest covers: the toolchain, the edition and its paper, the sheet's HTML (chapters, layouts,
publish.toml and strings as rendered) and every input file of that edition's PDF (stylesheets, figures, of the
project or the built-in theme), as the build's own up-to-date test counts them. A verdict is data: the error's
message, file and line, or none. Like every entry of the cache it is signed (handout/core/store.py); an entry
that is missing, foreign or damaged means a new layout.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from handout.config import editions
from handout.core.errors import InputError
from handout.core.inputs import input_digests
from handout.core.language_record import record
from handout.core.store import CACHE_DIR, SignedStore, toolchain_fingerprint
from handout.render.figure_fonts import figure_files
from handout.targets.base import depends
from handout.targets.pdf import PRINT, spill
from handout.targets.pdf.render import render_print
from handout.targets.pdf.sheet import fit_problem
from handout.targets.pdf.writer import RenderedPdf

Verdict = tuple[str, str, int] | None  # (message, file relative to the project, line), or None: it fits

# Laid out once per process for the same document (the tests check many copies of one handout), and judged once
# for the same inputs across processes.
_SEEN: dict[str, Verdict] = {}
# How the sheets of this process were judged: laid out here, or known from .cache/ (for `check`'s timing line).
COUNTS = {"laid out": 0, "cached": 0}


def sheet_problem(book, name: str) -> Verdict:
    """(message, file, line) when edition `name` is longer than its limit, else None."""
    html = render_print(book, book.config.clinics[0], name)
    key = verdict_key(book, name, html)
    if key not in _SEEN:
        verdicts = SheetVerdicts(book.root)
        known, verdict = verdicts.get(key)
        if known:
            COUNTS["cached"] += 1
        else:
            verdict = _judged(book, name, html)
            verdicts.put(key, verdict)
            COUNTS["laid out"] += 1
        _SEEN[key] = verdict
    return _SEEN[key]


def _judged(book, name: str, html: str) -> Verdict:
    problem: InputError | None = fit_problem(book, editions.edition(name), laid_out(book, name, html).document)
    return as_verdict(problem, book.root)


def laid_out(book, edition: str, html: str) -> RenderedPdf:
    """The edition laid out as the build prints it: when its last page is nearly empty, again with the next
    fitting rules (spill.py)."""
    document = None
    most = editions.edition(edition).max_pages
    # The SVG figures' text in the language's fonts (handout/render/figure_fonts.py).
    figures = (record(book.config.language).figure_fonts, frozenset(p.resolve() for p in figure_files(book)))

    def layout(source: str, level: int) -> RenderedPdf:
        return RenderedPdf(spill.fitting(source, level), book.root, book.config.limits.render_seconds,
                           f"laying out the {edition} edition", editions.edition(edition).pdf_variant,
                           figures=figures)

    # A translation's longer back page: the level it needs found from the back page alone (spill.py).
    level = _first_level(html, layout) if book.config.source_language and not most else 0
    while document is None or (spill.needs_fitting(document.document, most) and level < spill.FIT_LEVELS):
        level += document is not None  # a near-empty last page: again with the next fitting rules
        document = layout(html, level)
    return document


def _first_level(html: str, layout) -> int:
    """The first fitting level at which the back page of `html`, laid out alone, does not spill."""
    alone, level = spill.back_page_alone(html), 0
    while alone is not None and level < spill.FIT_LEVELS and spill.spilled(layout(alone, level).document):
        level += 1
    return level


def verdict_key(book, edition: str, html: str) -> str:
    """The digest of everything the layout of `edition` (a sheet) from `html` depends on."""
    paper = book.config.print.paper
    digest = hashlib.sha256()
    digest.update(f"{toolchain_fingerprint()}\0{edition}\0{paper}\0{os.environ.get('SOURCE_DATE_EPOCH', '')}\0"
                  .encode())
    digest.update(html.encode())
    for path, value in input_digests(book.root).items():
        if depends(path, PRINT.name, edition, paper):
            digest.update(f"\0{path}={value}".encode())
    return digest.hexdigest()


def as_verdict(problem: InputError | None, root: Path) -> Verdict:
    if problem is None:
        return None
    path = problem.path
    try:
        shown = Path(path).relative_to(root).as_posix() if path is not None else ""
    except ValueError:
        shown = str(path)
    return problem.message, shown, problem.line or 0


class SheetVerdicts:
    """The fit verdicts of laid-out sheets, by verdict_key."""

    def __init__(self, root: Path):
        self.store = SignedStore(root, root / CACHE_DIR / "sheets")

    def get(self, key: str) -> tuple[bool, Verdict]:
        """(known, verdict): whether a layout of these inputs was judged before, and what it found."""
        entry = self.store.load(f"{key}.json")
        if not isinstance(entry, dict) or "fits" not in entry:
            return False, None
        if entry["fits"] is True:
            return True, None
        problem = entry.get("problem")
        if entry["fits"] is False and isinstance(problem, list) and len(problem) == 3 \
                and isinstance(problem[0], str) and isinstance(problem[1], str) and isinstance(problem[2], int):
            return True, (problem[0], problem[1], problem[2])
        return False, None

    def put(self, key: str, verdict: Verdict) -> None:
        self.store.save(f"{key}.json", {"fits": verdict is None, "problem": list(verdict) if verdict else None})
