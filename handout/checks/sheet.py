"""sheet: the parts marked for the desk sheet ({sheet}, handout/sheet.py) fit its pages. The only rule that
needs a layout: it lays out each edition of publish.toml's print.editions that has a page limit (the sheet, 2
pages; the large-print sheet, 4), as the build does, for the first clinic. The build lays them out itself
and stops at the same error, so its gate skips this rule (`run_checks(layout=False)`)."""
from __future__ import annotations

import hashlib

from .findings import Finding
from .registry import rule
from .. import editions
from ..errors import InputError

# Laid out once per process for the same document (the tests check many copies of one handout).
_SEEN: dict[str, tuple[str, int] | None] = {}


@rule("sheet", levels=("error",), layout=True, doc="""the parts marked `{sheet}` for the desk sheet do not
      fit its pages (2, large print 4): the edition, the pages it reached and each marked part in order with
      its size. Needs a layout of the sheet editions listed in `print.editions`""")
def check_sheet(book, today) -> list[Finding]:
    if not any(chapter.sheet for chapter in book.chapters):
        return []  # nothing is marked for the sheet: nothing to lay out (its own title and foot always fit)
    found = []
    for name in book.config.print.editions:
        entry = editions.EDITIONS.get(name)
        if entry is None or not entry.max_pages:
            continue
        problem = _laid_out(book, name)
        if problem is not None:
            message, path, line = problem
            found.append(Finding("sheet", "error", path, line, message,
                                 "remove {sheet} from a part, or shorten the parts marked for the sheet",
                                 code="sheet.too-long"))
    return found


def _laid_out(book, name: str):
    """(message, file, line) when edition `name` is longer than its limit, else None."""
    from ..pdf import RenderedPdf
    from ..render import render_print
    from ..sheet import fit_problem

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
