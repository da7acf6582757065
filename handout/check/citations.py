"""citations: every reference is cited. (A citation of a missing reference stops the book from loading; the
loader reports each one, `citations.unknown-key`, and `check` reports them all.)"""
from __future__ import annotations

from handout.check.findings import Finding, relative
from handout.check.registry import rule


@rule("citations", levels=("warning", "error"), doc="""a reference in `references.yaml` no chapter cites
      (warning); each citation whose key has no reference (error; the build stops at it)""")
def check_citations(book, today) -> list[Finding]:
    """Every reference is cited somewhere."""
    where = relative(book.source.references_path, book.root)
    return [Finding("citations", "warning", where, book.source.reference_line(key) or 0,
                    f"reference '{key}' is never cited",
                    f"cite it with [@{key}] where the handout relies on it, or remove it", code="citations.uncited")
            for key in book.uncited]
