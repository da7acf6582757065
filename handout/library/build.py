"""`handout build` at a library's root: every handout (or those named) as ONE plan of the build
(handout/build/run.py): one `plan_outputs` per handout, their jobs one graph on one pool of workers (or the
queue's, or a shard's share into the cache, or put in place from the cache), then what covers the whole
collection: the catalog pages, the OPDS feeds and the FHIR bundle (made from the outputs in dist/: nothing is
laid out for them).

One handout's bad input stops that handout only: the others are built and put in place, its previous outputs are
kept, and the build ends with its message (exit status 2).

dist/ holds what the configuration builds: each handout's folder keeps the list of the outputs the build wrote
there (handout/build/outfolder.py), and dist/ itself the catalog, the feeds, the bundle and each handout's list;
a handout removed from the library has the outputs its list names removed by the next build, never a file a build
did not write.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Collection

from handout.build.outfolder import (
    MANIFEST_NAME,
    manifest_bytes,
    read_manifest,
    remove_stale,
)
from handout.build.run import (
    BuildReport,
    Part,
    Planned,
    _Beyond,
    _Inline,
    _Pool,
    beyond_options,
    finish_idle,
    make_pool,
    output_folder_error,
    plan_part,
    planned,
    read_part,
    release,
    run_graph,
    settle,
    whole_plan,
)
from handout.build.shards import shard_of
from handout.build.staging import Staging, build_lock
from handout.config.settings import Config, load_config
from handout.core.atomic import atomic_write
from handout.core.errors import InputError
from handout.core.inherit import LIBRARY_FILE
from handout.core.store import toolchain_fingerprint
from handout.library import Library
from handout.library.catalog import catalog_languages, page_path, render_catalog
from handout.library.fhir import write_bundle
from handout.library.opds import library_id, write_feeds
from handout.library.published import published

# What covers the whole collection (the catalog pages, the OPDS feeds, the FHIR bundle): the plan's last job,
# which needs every output, made by the build that puts the outputs in place (a local one, a queue's, or
# --from-cache), never by a shard.
COLLECTION = "collection"


@dataclass
class LibraryReport:
    handouts: dict[str, BuildReport] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)   # the catalog pages, feeds and bundle
    removed: list[Path] = field(default_factory=list)   # outputs no longer built (a handout removed, ...)
    failed: dict[str, InputError] = field(default_factory=dict)  # handouts not built: previous outputs kept
    warnings: list[str] = field(default_factory=list)   # the build's own (the queue's, the cache's)


def plan_library(library: Library, names: tuple[str, ...], skip: Collection[str] = (),
                 editions: tuple[str, ...] | None = None, only: tuple[str, ...] = (), draft: bool = False,
                 paper: str | None = None, failed: dict | None = None) -> dict[str, tuple[Config, list[Planned]]]:
    """Each named handout's configuration and plan (`run.planned`: the build's own planner), its jobs keyed by
    the handout's folder name. With `failed`, a handout whose settings are refused is put there and left out;
    without, its error is raised."""
    plans = {}
    for name in names:
        try:
            config = load_config(library.handout(name))
            config, plan = planned(config, library.dist / name, skip, editions, only, draft, paper)
        except InputError as error:
            if failed is None:
                raise
            failed[name] = error
            continue
        plans[name] = (config, [replace(item, handout=name) for item in plan])
    return plans


def collection_digest(library: Library, plans: dict[str, tuple[Config, list[Planned]]]) -> str:
    """What the catalog, the feeds and the bundle are made from: the library's settings and every output's
    inputs (the outputs are byte-reproducible from them)."""
    digest = hashlib.sha256(toolchain_fingerprint().encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    try:
        digest.update((library.root / LIBRARY_FILE).read_bytes())
    except OSError:
        pass
    for name in sorted(plans):
        for item in plans[name][1]:
            digest.update(f"{name}:{item.final.relative_to(library.dist).as_posix()}={item.inputs}\n".encode())
    return digest.hexdigest()


def shard_share(plans: dict[str, tuple[Config, list[Planned]]], shard: tuple[int, int]) -> dict:
    """Shard I of N of the whole library's plan (handout/build/shards.py: one handout, language and clinic
    together), split back by handout."""
    share = {id(item) for item in shard_of([item for _, plan in plans.values() for item in plan], *shard)}
    return {name: (config, [item for item in plan if id(item) in share]) for name, (config, plan) in plans.items()}


def build_library(library: Library, names: tuple[str, ...], jobs: int | None = None, force: bool = False,
                  draft: bool = False, progress: Callable[[str, str], None] | None = None,
                  started: Callable[[str], None] | None = None, cache: Path | None = None,
                  shard: tuple[int, int] | None = None, from_cache: bool = False, queue: str | None = None,
                  skip: Collection[str] = (), editions: tuple[str, ...] | None = None,
                  only: tuple[str, ...] = (), paper: str | None = None) -> LibraryReport:
    """Build the handouts `names` of `library` as one plan, then its catalog, feeds and bundle (from every
    handout's outputs that exist). The options are the build's (handout/build/run.py `build`): `shard` makes
    its share of the whole library's outputs into the cache and writes nothing in dist/; `from_cache` puts
    every output in place from the cache and makes the collection, laying nothing out."""
    begun = time.perf_counter()
    progress = progress or (lambda event, name: None)
    report = LibraryReport()
    beyond = beyond_options(library.root, cache, shard, from_cache, queue, report.warnings)
    whole = whole_plan(skip, editions, only, paper, shard)
    try:
        plans = plan_library(library, names, skip, editions, only, draft, paper, report.failed)
        if shard is not None:
            plans = shard_share(plans, shard)
        with ExitStack() as locks:
            if shard is None:  # a shard writes to the cache only: dist/ is left alone
                locks.enter_context(build_lock(library.dist))
                for name in plans:
                    locks.enter_context(build_lock(library.dist / name))
            _run(library, plans, jobs, force, draft, progress, begun, beyond, whole, report)
            if shard is None:
                report.removed += removed_handouts(library)
                write_collection(library, report, draft)
    except RecursionError:
        raise InputError("a handout is nested too deeply to process (lists, quotes or boxes inside one another): "
                         "reduce the nesting in its chapters", library.root) from None
    except OSError as error:
        raise output_folder_error(error, library.dist) from None
    return report


def _run(library: Library, plans: dict, jobs: int | None, force: bool, draft: bool, progress, begun: float,
         beyond: _Beyond, whole: bool, report: LibraryReport) -> None:
    """Every handout's part of the plan: what is current is skipped, what the cache holds copied, and the jobs
    of all the others run as one graph on one pool. A part's bad input stops that part only."""
    parts: list[Part] = []
    for name, (config, plan) in plans.items():
        try:
            parts.append(plan_part(config, plan, library.dist / name, True, whole, force, progress, begun, beyond,
                                   name))
        except InputError as error:
            report.failed[name] = error
    busy = []
    for part in parts:
        if part.todo:
            busy.append(part)
            continue
        try:
            report.handouts[part.name] = finish_idle(part, draft)
        except InputError as error:
            report.failed[part.name] = error
    if not busy:
        return
    if beyond.shard is not None:  # its outputs go to the cache only: staged outside the output folder
        for part in busy:
            part.staging = Staging(Path(tempfile.mkdtemp(prefix="handout-shard-")))
    pool = make_pool(busy, jobs, beyond)
    try:
        for part in busy:  # while the workers import WeasyPrint
            try:
                read_part(part, draft)
            except InputError as error:
                part.failed = error
        active = [part for part in busy if part.failed is None]
        run_graph(active, pool, progress, tolerant=True)
        report.warnings += getattr(pool, "notes", ())
        for part in active:
            if part.failed is not None:
                continue
            try:
                report.handouts[part.name] = settle(part, beyond)
            except InputError as error:  # some languages refused: the others are in place
                report.handouts[part.name] = getattr(error, "report", part.report)
                report.failed[part.name] = error
    except KeyboardInterrupt:
        if isinstance(pool, _Pool):
            pool.stop()
        pool = _Inline()  # nothing left to wait for
        raise
    finally:
        release(pool, busy, beyond)
    for part in busy:
        if part.failed is not None:
            report.failed[part.name] = part.failed


def removed_handouts(library: Library) -> list[Path]:
    """The outputs of handouts no longer in the library: those each one's list of outputs names (dist/ lists
    every handout's list, so only folders a library build made are looked at). A user's file stays."""
    removed = []
    for name in sorted(read_manifest(library.dist)):
        parts = Path(name).parts
        if len(parts) != 2 or parts[1] != MANIFEST_NAME or parts[0] in library.handouts or parts[0] in ("..", "."):
            continue
        folder = library.dist / parts[0]
        if folder.is_symlink() or not folder.is_dir():
            continue
        removed += remove_stale(folder, set())
    return removed


def write_collection(library: Library, report: LibraryReport, draft: bool = False) -> None:
    """The catalog pages, the OPDS feeds and the FHIR bundle of every handout of the library, in dist/ (from
    the outputs there: nothing is laid out)."""
    dist = library.dist
    handouts = []
    for name in library.handouts:
        try:
            handouts.append(published(name, library.handout(name), dist, draft))
        except InputError as error:  # its settings are refused: named, and left out of the collection
            report.failed.setdefault(name, error)
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
    # Each handout's list of outputs too: when the handout leaves the library, its outputs go with it.
    lists = {f"{name}/{MANIFEST_NAME}" for name in library.handouts if (dist / name / MANIFEST_NAME).is_file()}
    _record(dist, set(written) | lists)
    report.written = [dist / name for name in written]
    report.removed += [path for path in remove_stale(dist, set(written) | lists) if path.name != MANIFEST_NAME]


def _record(dist: Path, names: set[str]) -> None:
    """Add what was written to dist/'s list of outputs before the stale ones are judged."""
    recorded = read_manifest(dist)
    if not names <= recorded:
        atomic_write(dist / MANIFEST_NAME, manifest_bytes(recorded | names))
