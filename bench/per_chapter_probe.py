#!/usr/bin/env python3
"""Probe for re-laying out only the edited chapter: are per-part layouts joined with WeasyPrint's Document.copy
byte-identical to one layout of the whole document?

    .venv/bin/python bench/per_chapter_probe.py

A contents page and three chapters (each starting a new page, a running head from string-set, an h1 bookmark
each, contents links to the chapters, "Page X of Y" in the footer), tagged PDF/UA-1. The whole document uses
counter(page) and counter(pages); each part is laid out alone with its first page number set
(`@page:first { counter-reset: page N }`) and the total and the contents' page numbers written in as text, from
the whole layout. Prints whether the joined PDF's bytes equal the whole one's, and what the parts give when the
numbers are left to WeasyPrint (counter(pages) and target-counter() count within one part only).
"""
from __future__ import annotations

import os

import weasyprint

FOOT = '@page {{ size: letter; margin: 2cm; @bottom-center {{ content: "Page " counter(page) " of " {total} }} }}'
CSS = ("section, nav { break-before: page } h1 { string-set: head content(text) } "
       "@page { @top-center { content: string(head) } }")
CHAPTERS = [f"<section id='c{i}'><h1>Chapter {i}</h1>" + "<p>Words of a paragraph. </p>" * (30 * i) + "</section>"
            for i in (1, 2, 3)]
OPTIONS = {"pdf_variant": "pdf/ua-1"}


def contents(numbers) -> str:
    return "<nav>" + "".join(f"<p><a href='#c{i}'>Chapter {i}</a> <span>{numbers[i - 1]}</span></p>"
                             for i in (1, 2, 3)) + "</nav>"


def html(body: str, total: str, first: int | None = None) -> str:
    start = f"@page:first {{ counter-reset: page {first} }}" if first else ""
    return (f"<html lang='en'><head><title>T</title><style>{FOOT.format(total=total)} {CSS} {start}</style>"
            f"</head><body>{body}</body></html>")


def joined(starts: list, total: str, numbered: bool) -> bytes:
    parts, page = [], 1
    for body in [contents(starts), *CHAPTERS]:
        document = weasyprint.HTML(string=html(body, total, page if numbered else None)).render(**OPTIONS)
        parts.append(document)
        page += len(document.pages)
    return parts[0].copy([p for document in parts for p in document.pages]).write_pdf(**OPTIONS)


def main() -> int:
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1794700800")
    draft = weasyprint.HTML(string=html(contents(["?"] * 3) + "".join(CHAPTERS), "counter(pages)")).render(**OPTIONS)
    starts = [next(n for n, page in enumerate(draft.pages, 1) if f"c{i}" in page.anchors) for i in (1, 2, 3)]
    whole = weasyprint.HTML(string=html(contents(starts) + "".join(CHAPTERS), "counter(pages)")).render(**OPTIONS)
    reference = whole.write_pdf(**OPTIONS)
    written_in = joined(starts, f'"{len(whole.pages)}"', numbered=True)
    left_to_weasyprint = joined(starts, "counter(pages)", numbered=False)
    print(f"whole: {len(whole.pages)} pages, {len(reference)} bytes")
    print(f"parts joined, page numbers written in: same bytes {written_in == reference}")
    print(f"parts joined, counters left to each part: same bytes {left_to_weasyprint == reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
