"""links: web, mail and phone links in the chapters, and the sources' addresses and DOIs, are well formed (no
network access). Links inside the book are checked when it loads (`links.unknown-target`)."""
from __future__ import annotations

import html as html_module
import re

from handout.check.findings import Finding, relative
from handout.check.registry import rule
from handout.check.source import chapter_path, source_line
from handout.core.weburl import url_problem

_HREF = re.compile(r'\bhref="([^"]*)"')
_DOI = re.compile(r"10\.\d{4,9}/\S+")


@rule("links", levels=("error",), doc="""a web (`http:`, `https:`), mail (`mailto:`) or phone (`tel:`) link that
      is malformed; a source's `url` or `doi` that is malformed; each link to a chapter or anchor that does not
      exist (error; the build stops at it)""")
def check_links(book, today) -> list[Finding]:
    found = []
    for chapter in book.chapters:
        path = chapter_path(chapter, book)
        seen = set()
        for block in chapter.blocks:
            for href in _HREF.findall(block.html):
                href = html_module.unescape(href)
                if href.startswith("#") or href in seen:
                    continue
                seen.add(href)
                problem = url_problem(href)
                if problem:
                    found.append(Finding("links", "error", path, source_line(chapter, href),
                                         f"link '{href}' {problem}",
                                         "correct the address (it is not fetched: check it in a browser)",
                                         code="links.malformed"))
    references = relative(book.source.references_path, book.root)
    for reference in book.references:
        line = book.source.reference_line(reference.key) or 0
        if reference.url:
            problem = url_problem(reference.url)
            if problem:
                found.append(Finding("links", "error", references, line,
                                     f"reference '{reference.key}' url '{reference.url}' {problem}",
                                     code="links.reference-url"))
        if reference.doi and not _DOI.fullmatch(reference.doi.removeprefix("https://doi.org/")):
            found.append(Finding("links", "error", references, line,
                                 f"reference '{reference.key}' doi '{reference.doi}' is not a DOI",
                                 "a DOI looks like 10.1016/S0140-6736(17)32802-7 (without https://doi.org/)",
                                 code="links.doi"))
    return found
