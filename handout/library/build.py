"""`handout build` at a library's root: every handout (or those named) built by the build (handout/build/run.py)
into `dist/<handout>/`, in this one process with one pool of workers (WeasyPrint imported once, before they are
forked), then what covers the whole collection: the catalog pages, the OPDS feeds and the FHIR bundle.

dist/ holds what the configuration builds: each handout's folder keeps the list of the outputs the build wrote
there (handout/build/outfolder.py), and so does dist/ itself for the catalog, the feeds and the bundle; a build
removes those it wrote and no longer makes, never a file it did not write.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from handout.core.atomic import atomic_write
from handout.build.run import BuildReport, build
from handout.build.staging import build_lock
from handout.build.pool import worker_pool
from handout.build.outfolder import MANIFEST_NAME, manifest_bytes, read_manifest, remove_stale
from handout.library import Library
from handout.library.catalog import catalog_languages, page_path, render_catalog
from handout.library.fhir import write_bundle
from handout.library.opds import library_id, write_feeds
from handout.library.published import published


@dataclass
class LibraryReport:
    handouts: dict[str, BuildReport] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)   # the catalog pages, feeds and bundle
    removed: list[Path] = field(default_factory=list)


def build_library(library: Library, names: tuple[str, ...], jobs: int | None = None, force: bool = False,
                  draft: bool = False, progress: Callable[[str, str], None] | None = None,
                  started: Callable[[str], None] | None = None) -> LibraryReport:
    """Build the handouts `names` of `library`, then its catalog, feeds and bundle (from every handout's
    outputs that exist). A handout's bad input stops the build there (exit status 2): the handouts built before
    it keep their new outputs, the others and the catalog their previous ones."""
    report = LibraryReport()
    shared = {}

    def pool():  # made when a handout first has something to build: an up-to-date library imports nothing
        if "pool" not in shared:
            shared["pool"] = worker_pool(jobs)
        return shared["pool"]

    try:
        for name in names:
            if started is not None:
                started(name)
            report.handouts[name] = build(library.handout(name), library.dist / name, jobs=jobs, force=force,
                                          progress=progress, draft=draft,
                                          pool=pool if (jobs or os.cpu_count() or 1) > 1 else None)
    finally:
        if "pool" in shared:
            shared["pool"].shutdown(wait=True, cancel_futures=True)
    with build_lock(library.dist):
        write_collection(library, report, draft)
    return report


def write_collection(library: Library, report: LibraryReport, draft: bool = False) -> None:
    """The catalog pages, the OPDS feeds and the FHIR bundle of every handout of the library, in dist/."""
    dist = library.dist
    handouts = [published(name, library.handout(name), dist, draft) for name in library.handouts]
    tags = catalog_languages(handouts)
    written = []
    for tag in tags:
        relative = page_path(tag, tags[0])
        atomic_write(dist / relative, render_catalog(library.title, library.description, handouts, tag,
                                                     tags).encode("utf-8"))
        written.append(relative)
    identifier = library_id(library.title, library.online_url)
    written += write_feeds(dist, library.title, library.online_url, handouts, tags)
    written += write_bundle(dist, handouts, identifier)
    _record(dist, set(written))
    report.written = [dist / name for name in written]
    report.removed = remove_stale(dist, set(written))


def _record(dist: Path, names: set[str]) -> None:
    """Add what was written to dist/'s list of outputs before the stale ones are judged."""
    recorded = read_manifest(dist)
    if not names <= recorded:
        atomic_write(dist / MANIFEST_NAME, manifest_bytes(recorded | names))

