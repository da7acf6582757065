"""The job that makes a post-processed edition (the booklet) from the paper edition's PDF (no layout)."""
from __future__ import annotations

import importlib
import time
from pathlib import Path

from handout.config import editions


def post_process_job(edition: str, source: str, target: str):
    """Make a post-processed edition (the booklet) from the paper edition's PDF."""
    start = time.perf_counter()
    module, _, name = editions.edition(edition).post_process.partition(":")
    pages = getattr(importlib.import_module(module), name)(Path(source), Path(target))
    return pages, None, time.perf_counter() - start
