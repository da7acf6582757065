"""The desk sheet's fit, for `publish.py check` (the `sheet` rule, handout/check/sheet.py, is given this function):
an edition with a page limit laid out as the build lays it out, for the first clinic."""
from __future__ import annotations

import hashlib

from handout.config import editions
from handout.core.errors import InputError
from handout.targets.pdf.render import render_print
from handout.targets.pdf.sheet import fit_problem
from handout.targets.pdf.writer import RenderedPdf

# Laid out once per process for the same document (the tests check many copies of one handout).
_SEEN: dict[str, tuple[str, str, int] | None] = {}


def sheet_problem(book, name: str) -> tuple[str, str, int] | None:
    """(message, file, line) when edition `name` is longer than its limit, else None."""
    html = render_print(book, book.config.clinics[0], name)
    key = hashlib.sha256(f"{name}\0{book.root}\0{html}".encode()).hexdigest()
    if key not in _SEEN:
        document = RenderedPdf(html, book.root, book.config.limits.render_seconds, f"laying out the {name} edition",
                               editions.edition(name).pdf_variant).document
        problem: InputError | None = fit_problem(book, editions.edition(name), document)
        _SEEN[key] = None if problem is None else (problem.message, _shown(problem.path, book), problem.line or 0)
    return _SEEN[key]


def _shown(path, book) -> str:
    try:
        return path.relative_to(book.root).as_posix()
    except ValueError:
        return str(path)
