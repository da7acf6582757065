"""sheet: the parts marked for the desk sheet ({sheet}) fit its pages. The only rule that needs a layout: each
edition of publish.toml's print.editions that has a page limit (the sheet, 2 pages; the large-print sheet, 4) is
laid out as the build does, for the first clinic, by the function the caller gives (`lay_out`: the PDF target's
`handout.targets.pdf.sheetfit.sheet_problem`, a layer above the checks). The build lays the sheets out itself
and stops at the same error, so its gate gives none and this rule does not run there."""
from __future__ import annotations

from handout.check.findings import Finding
from handout.check.registry import rule
from handout.config import editions


@rule("sheet", levels=("error",), layout=True, doc="""the parts marked `{sheet}` for the desk sheet do not
      fit its pages (2, large print 4): the edition, the pages it reached and each marked part in order with
      its size. Needs a layout of the sheet editions listed in `print.editions`""")
def check_sheet(book, today, lay_out) -> list[Finding]:
    if not any(chapter.sheet for chapter in book.chapters):
        return []  # nothing is marked for the sheet: nothing to lay out (its own title and foot always fit)
    found = []
    for name in book.config.print.editions:
        entry = editions.EDITIONS.get(name)
        if entry is None or not entry.max_pages:
            continue
        problem = lay_out(book, name)
        if problem is not None:
            message, path, line = problem
            found.append(Finding("sheet", "error", path, line, message,
                                 "remove {sheet} from a part, or shorten the parts marked for the sheet",
                                 code="sheet.too-long"))
    return found
