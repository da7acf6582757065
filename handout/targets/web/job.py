"""The web target's job: render the page for one clinic and write it."""
from __future__ import annotations

import time
from pathlib import Path

from handout.targets.web.render import render_web
from handout.targets.web.writer import downloads, language_links


def web_job(book, clinic, edition: str, target: str, starts):
    start = time.perf_counter()
    suffix = "-draft" if book.draft else ""
    html = render_web(book, clinic, downloads(book.config, suffix), language_links(book.config, clinic, suffix))
    Path(target).write_bytes(html.encode("utf-8"))
    return 1, None, time.perf_counter() - start
