"""The build: plan the outputs, skip the ones whose inputs have not changed, make the rest in parallel.

load -> plan -> (nothing to do: stop, without importing WeasyPrint) -> read the book -> jobs -> rename
into place -> remember what was made. Outputs are written to temporary files and renamed only when every
job of the build succeeded.

The output folder is the build's (see handout/build/outfolder.py): the build deletes or replaces only files it
made there, and file-system trouble is the user's to fix (exit status 2, naming the path).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Callable, Collection, NamedTuple

from handout.build.outfolder import (
    check_clinic_folder,
    filesystem_error,
    output_folder_for,
    read_manifest,
    remove_stale,
    shown_outside_staging,
)
from handout.build.pool import _call, _Inline, _Pool, job_error
from handout.build.queue import QueuePool, connect
from handout.build.shards import shard_of
from handout.build.staging import Staging, _inside, _relative, build_lock
from handout.build.state import BuildState
from handout.build.store import OutputCache
from handout.config.editions import EDITIONS, pages_of
from handout.config.languages import TRANSLATIONS_DIR, language_config, languages, output_subfolder, review_problem
from handout.config.settings import Clinic, Config, load_config
from handout.core.errors import InputError
from handout.render.script_style import check_coverage
from handout.core.inputs import INPUT_FOLDERS, input_digests
from handout.core.store import CACHE_DIR, toolchain_fingerprint
from handout.targets import PRINT, TARGETS, depends, label, output_file
from handout.targets.pdf.postprocess import post_process_job

WATCHED_FOLDERS = INPUT_FOLDERS


@dataclass
class Output:
    path: Path
    kind: str           # the target's name
    size: int
    pages: int | None = None  # what the target and edition count (targets.unit)
    edition: str = ""


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    up_to_date: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # outputs of an earlier configuration, deleted

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        yield
        self.timings.append((name, time.perf_counter() - start))


def output_folder(out_dir: Path, clinic: Clinic, clinic_count: int) -> Path:
    """One folder per clinic when several are configured; dist/ itself otherwise."""
    return out_dir / clinic.id if clinic_count > 1 else out_dir


def clinic_book(book, clinic: Clinic):
    """`book` for one clinic's outputs: with several clinics, each clinic's online copy is in its own folder, as
    under dist/ (`<online_url>/<clinic id>/`; a translation's online_url already ends in `<tag>/`), and its PDFs'
    QR code and printed address lead there."""
    url = clinic_online_url(book.config, clinic)
    return book if url == book.config.online_url else replace(book, config=replace(book.config, online_url=url))


def clinic_online_url(config: Config, clinic: Clinic) -> str:
    """The address of a clinic's online copy of one language (`config`: that language's)."""
    if len(config.clinics) < 2 or not config.online_url:
        return config.online_url
    return f"{config.online_url.rstrip('/')}/{clinic.id}/"


def page_source_edition(listed: tuple[str, ...], paper: str = "letter") -> str:
    """The edition whose page numbers the EPUB's page list carries: the first one listed, or the paper's when
    its pages are the paper's (editions.py)."""
    return pages_of(listed[0], paper)


# ---- what each output depends on --------------------------------------------------------------------------

def output_inputs(digests: dict[str, str], kind: str, edition: str, extra: str = "", paper: str = "letter",
                  memo: dict | None = None) -> str:
    """One digest of everything an output is made from, the toolchain and the date rule included. `memo`
    keeps which files an output depends on across the outputs of one plan (the theme's files are every
    language's)."""
    memo = {} if memo is None else memo
    digest = hashlib.sha256()
    digest.update(toolchain_fingerprint().encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(f"{kind}:{edition}:{paper}:{extra}".encode())
    for path, value in digests.items():
        key = (path, kind, edition, paper)
        wanted = memo.get(key)
        if wanted is None:
            wanted = memo[key] = depends(path, kind, edition, paper)
        if wanted:
            digest.update(f"{path}={value}\n".encode())
    return digest.hexdigest()


@dataclass
class Planned:
    kind: str          # the target's name (targets.py)
    edition: str       # the PDF edition; for a target made once per clinic, the edition its page list maps
    clinic: Clinic
    final: Path
    inputs: str
    page_key: str = ""  # for a target with a page list: the inputs of the PDF whose pages it maps
    language: str = ""
    handout: str = ""   # the handout's identifier (publish.toml), so a plan of many handouts keeps them apart

    @property
    def key(self) -> JobKey:
        return JobKey(self.clinic.id, self.language, self.kind, self.edition, handout=self.handout)


class JobKey(NamedTuple):
    """What a job makes: for one clinic and language, a target's output (for a PDF: of one edition); `step`
    names a job that serves others (the pages a booklet is imposed from, the first words of printed pages)."""
    clinic: str
    language: str
    target: str
    edition: str
    step: str = ""
    handout: str = ""


def plan_outputs(config: Config, out_dir: Path, skip: Collection[str] = (), editions: tuple[str, ...] = (),
                 draft: bool = False, only: Collection[str] = ()) -> list[Planned]:
    """Every output of the build, with the digest of what it is made from: for each language (`only`: those
    languages), each clinic and each target not in `skip` (a target made per edition: each of `editions`).
    A translation's outputs go in its own folder (handout/config/languages.py)."""
    digests = input_digests(config.root)
    memo: dict = {}
    paper = config.print.paper
    page_source = page_source_edition(config.print.editions, paper)
    plan = []
    handout = config.identifier or config.output_name
    # A draft is written beside the final files, never over them: `<name>-draft.pdf`, `<name>-a4-draft.pdf`.
    suffix = "-draft" if draft else ""
    for language in languages(config):
        if only and language not in only:
            continue
        own = language_config(config, language, [])  # its missing words are refused with its chapters
        mine = {name: value for name, value in digests.items() if _reads(name, language, config.language)}
        for clinic in own.clinics:
            folder = output_folder(out_dir / output_subfolder(config, language), clinic, len(own.clinics))
            # A draft and a final build make different files; so do two languages.
            tag = clinic.id + (f":{language}" if language != config.language else "") + (":draft" if draft else "")
            for target in TARGETS.values():
                if target.name in skip or (target.enabled is not None and not target.enabled(own)):
                    continue
                for edition in (editions or own.print.editions) if target.per_edition else (page_source,):
                    # Names follow publish.toml, so `--edition a4` never writes the A4 pages under the Letter
                    # file's name.
                    final = folder / output_file(target.name, own.output_name, edition, own.print.editions,
                                                 suffix)
                    if not target.page_list:
                        plan.append(Planned(target.name, edition, clinic, final,
                                            output_inputs(mine, target.name, edition, tag, paper, memo),
                                            language=language, handout=handout))
                        continue
                    # The page list maps the printed pages, so it depends on the page-source edition's inputs.
                    source = output_inputs(mine, PRINT.name, edition, tag, paper, memo)
                    plan.append(Planned(target.name, edition, clinic, final,
                                        output_inputs(mine, target.name, edition, tag + source, paper, memo), source,
                                        language=language, handout=handout))
    return plan


def _reads(name: str, language: str, source_language: str) -> bool:
    """Whether a language's outputs read the input file `name`: a translation's files only its own language
    (the source's chapters are read by every language: a translation is checked against them)."""
    if not name.startswith(f"{TRANSLATIONS_DIR}/"):
        return True
    return language != source_language and name.startswith(f"{TRANSLATIONS_DIR}/{language}/")


# ---- the build ----------------------------------------------------------------------------------------------

def build(root: Path, out_dir: Path | None = None, skip: Collection[str] = (),
          editions: tuple[str, ...] | None = None, languages_: Collection[str] = (), jobs: int | None = None, force: bool = False,
          progress: Callable[[str, str], None] | None = None, draft: bool = False,
          paper: str | None = None, cache: Path | str | None = None, shard: tuple[int, int] | None = None,
          from_cache: bool = False, queue: str | None = None) -> BuildReport:
    """Build the handout in project folder `root` into `out_dir` (default: root/dist).

    The error-level checks of `publish.py check` run first: a handout that fails them is refused
    (`checks.ChecksFailed`, exit status 2) unless `draft`, which builds it with every page marked as a draft.

    Every target (targets.py) is built but those named in `skip` (`{"epub"}`: the PDFs only), in every language
    of the project, or those of `languages_` (handout/config/languages.py). Outputs whose inputs have not changed since the last good build are left alone (`force` rebuilds them). `jobs` worker processes make the rest (default: one per core; 1 builds in this process).
    `progress(event, name)` hears "start", "done" and "skip" for each output. `paper` ("letter" or "a4")
    overrides `print.paper` for this build. A library's handouts are one plan of these same steps
    (handout/library/build.py: `planned`, `plan_part`, `read_part`, `run_graph`, `settle`).

    Beyond one machine (handout/build/store.py, shards.py, queue.py): `cache`, a folder of outputs kept by the
    digest of their inputs, or a Redis (a redis:// address; a hit is copied, not made again); `shard` (I, N)
    makes only that share of the outputs, into the cache (default: .cache/outputs), leaving the output folder
    alone; `from_cache` puts the outputs in place from the cache only, making none; `queue`
    (redis://HOST:PORT/DB) has the jobs run by `handout worker` processes instead of local ones.
    """
    started = time.perf_counter()
    root = root.resolve()
    folder = root / "dist"
    try:
        config = load_config(root)  # a folder that is not a project gets no dist/
        folder = output_folder_for(root, out_dir)
        options = beyond_options(root, cache, shard, from_cache, queue, [])
        own_folder = out_dir is None or folder == (root / "dist").resolve()
        if shard is not None:  # the output folder is not touched: no lock on it
            return _build(config, folder, own_folder, skip, editions, tuple(languages_), jobs, force,
                          progress or (lambda event, name: None), draft, paper, started, options)
        with build_lock(folder):
            return _build(config, folder, own_folder, skip, editions, tuple(languages_), jobs, force,
                          progress or (lambda event, name: None), draft, paper, started, options)
    except RecursionError:
        raise InputError("the handout is nested too deeply to process (lists, quotes or boxes inside one "
                         "another): reduce the nesting in the chapters", root / "chapters") from None
    except OSError as error:
        raise output_folder_error(error, folder) from None


def output_folder_error(error: OSError, folder: Path) -> OSError | InputError:
    """A file-system failure of a build writing into `folder`, as the user's error naming the file (a full disk, a
    folder that refuses writes); the failure itself when it is not one."""
    about = shown_outside_staging(error.filename, folder) or folder
    return filesystem_error(error, about, writing=_inside(about, folder)) or error


def beyond_options(root: Path, cache: Path | str | None, shard: tuple[int, int] | None, from_cache: bool,
                   queue: str | None, warnings: list[str]) -> _Beyond:
    """A build's options beyond one machine (see `build`): the queue's address tried first (one that answers
    nothing is refused before anything is read); a shard and --from-cache use root/.cache/outputs unless given a
    cache; the cache's refused entries go to `warnings`."""
    if queue is not None:
        connect(queue)
    if cache is None and (shard is not None or from_cache):
        cache = root / CACHE_DIR / "outputs"
    outputs = OutputCache(cache, warn=warnings.append) if cache is not None else None
    return _Beyond(outputs, shard, from_cache, queue, warnings)


def whole_plan(skip: Collection[str], editions: tuple[str, ...] | None, only: tuple[str, ...], paper: str | None,
               shard: tuple[int, int] | None) -> bool:
    """Whether everything the configuration builds is planned, so that outputs it no longer plans can go (not
    when some targets, editions, languages or another paper were asked for, nor for a shard)."""
    return not skip and editions is None and not only and paper is None and shard is None


def _label(item: Planned, clinics: int, source_language: str = "") -> str:
    """"PDF letter", with the clinic when there are several, and the language when it is a translation."""
    name = label(item.kind, item.edition)
    where = [*([item.clinic.id] if clinics > 1 else []),
             *([item.language] if source_language and item.language != source_language else [])]
    return f"{name} [{' '.join(where)}]" if where else name


@dataclass
class _Beyond:
    """A build's options beyond one machine (see `build`)."""
    cache: OutputCache | None = None
    shard: tuple[int, int] | None = None
    from_cache: bool = False
    queue: str | None = None
    warnings: list[str] = field(default_factory=list)  # the cache's refused entries


@dataclass
class Part:
    """One handout's share of a build: its plan, what is left to make, where it goes and what came of it. A
    project's build has one; a library's has one per handout, and their jobs run as one graph (`run_graph`)."""
    config: Config
    out_dir: Path
    plan: list[Planned]
    todo: list[Planned]
    state: BuildState
    staging: Staging
    report: BuildReport
    whole: bool           # everything the configuration builds is planned: outputs it no longer plans can go
    today: object
    name: str = ""        # in a library: the handout's folder name, named in its progress lines
    hits: dict = field(default_factory=dict)      # outputs copied from the cache -> their staged files
    books: dict = field(default_factory=dict)     # language -> Book
    refused: dict = field(default_factory=dict)   # language -> InputError (not built; the others are)
    failed: InputError | None = None              # a job's bad input: nothing of this handout is put in place

    def label(self, item: Planned) -> str:
        shown = _label(item, len(self.config.clinics), self.config.language)
        return f"{self.name}: {shown}" if self.name else shown


def planned(config: Config, out_dir: Path, skip: Collection[str], editions: tuple[str, ...] | None,
            only: tuple[str, ...], draft: bool, paper: str | None) -> tuple[Config, list[Planned]]:
    """The configuration as this build sees it (`paper` overriding print.paper) and its plan."""
    if paper:
        config = replace(config, print=replace(config.print, paper=paper))
    for language in only:
        language_config(config, language, [])  # a language publish.toml does not list is refused, naming it
    return config, plan_outputs(config, out_dir, skip, editions or config.print.editions, draft, only)


def plan_part(config: Config, plan: list[Planned], out_dir: Path, own_folder: bool, whole: bool, force: bool,
              progress, started: float, beyond: _Beyond, name: str = "") -> Part:
    """What is left to make of `plan` (for a shard: what the cache lacks), checked to be able to go where it
    goes, and the outputs the cache holds staged (copied: nothing is laid out for them)."""
    from handout.check import check_date

    report = BuildReport()
    state = BuildState(config.root)
    cache = beyond.cache
    if beyond.shard is not None:
        # A shard makes its share of what the cache lacks, into the cache.
        todo = [item for item in plan if cache.get(item.inputs) is None]
    else:
        # An output that is a link is never current: the build makes a file of its own in its place.
        todo = [item for item in plan if force or os.path.islink(item.final)
                or not state.is_current(item.final, item.inputs)]
        check_targets(config.root, out_dir, own_folder, plan, todo, state)
    report.timings.append(("check what changed", time.perf_counter() - started))
    report.warnings = config.warnings
    # dist/ too keeps the list of its outputs: a later build removes those it drops.
    part = Part(config, out_dir, plan, todo, state, Staging(out_dir), report, whole, check_date(), name)
    for item in plan:
        if item not in todo:
            report.up_to_date.append(item.final)
            progress("skip", part.label(item))
    if beyond.shard is None:
        part.hits = _from_cache(cache, part, progress, beyond.from_cache)
        part.todo = [item for item in todo if item.key not in part.hits]
    return part


def finish_idle(part: Part, draft: bool, notes=()) -> BuildReport:
    """A part with nothing to make: no chapter read, no WeasyPrint imported. Only the review date can have passed
    since; what the cache gave is put in place."""
    from handout.check import gate, review_findings

    report = part.report
    report.warnings = (*part.config.warnings, *gate(review_findings(part.config, part.today), draft), *notes)
    try:
        _put_in_place(part)
    finally:
        part.staging.discard()
    return report


def _put_in_place(part: Part) -> None:
    """The staged outputs put in place and recorded in the build state (those made, those the cache gave); with a
    whole plan and no language refused, the outputs of an earlier configuration removed."""
    part.staging.commit()
    placed = [item for item in part.plan if item in part.todo or item.key in part.hits]
    for item in placed:
        part.state.record(item.final, item.inputs)
    if placed:
        part.state.save()
    if part.whole and not part.refused:
        part.report.removed = remove_stale(part.out_dir,
                                           {_relative(item.final, part.out_dir) for item in part.plan})


def read_part(part: Part, draft: bool) -> None:
    """Read and check the chapters of each language left to make: a language refused is not built, the others
    are (with one language, its refusal is the part's error)."""
    from handout.load.book import load_book

    config, report, today = part.config, part.report, part.today
    with report.step("read chapters"):
        wanted = tuple(dict.fromkeys(item.language for item in part.todo))
        books, refused = {}, {}
        for language in wanted:
            try:
                # Every problem the loader finds, not the first only (book.BookProblems lists them).
                books[language] = load_book(language_config(config, language), untranslated=draft, collect=True)
                check_coverage(books[language])  # a character no font of the language draws stops it
            except InputError as error:  # that language is not built; the others are
                if language != config.language:  # a translation: every gap of it at once
                    from handout.check import translation_refusal

                    error = translation_refusal(config, language, today, error)
                if len(wanted) == 1:
                    raise error from None
                refused[language] = error
    with report.step("check"):
        books, warnings, not_ready = _gate(books, today, draft, refused)
        refused.update(not_ready)
    report.warnings = tuple(warnings)
    part.todo = [item for item in part.todo if item.language in books]
    part.books, part.refused = books, refused


def settle(part: Part, beyond: _Beyond, notes=()) -> BuildReport:
    """After the jobs: what was made into the cache, and (not for a shard) into place with the build state;
    the outputs of an earlier configuration removed. Languages refused are the part's error, after the others
    are in place."""
    report = part.report
    if beyond.cache is not None:
        _to_cache(beyond.cache, part.todo, part.staging, part.state, report)
    report.warnings = (*report.warnings, *notes)
    if beyond.shard is None:  # a shard's outputs are in the cache: the output folder is left alone
        _put_in_place(part)
    if part.refused:  # the other languages are built; these are not
        error = InputError("\n".join(f"the {language} handout was not built: {error.format(part.config.root)}"
                                      for language, error in part.refused.items()), code="build.language-refused")
        error.report, error.languages = report, tuple(part.refused)  # what was built, for `watch`
        error.written = tuple(part.books)  # the languages whose outputs are new (the command's last line)
        raise error
    return report


def make_pool(parts: list[Part], jobs: int | None, beyond: _Beyond):
    """Where the jobs run: the queue's workers, a pool of workers forked now
    (before the chapters are read: they import WeasyPrint in the meantime), or this process."""
    from handout.targets.pdf.render import render_print  # noqa: F401  (imported before the fork, so workers share it)

    todo = [item for part in parts for item in part.todo]
    layouts = sum(not TARGETS[item.kind].page_list or part.state.page_starts(item.page_key) is None
                  for part in parts for item in part.todo)
    cold = layouts > 0 and "weasyprint" not in sys.modules
    # A lone job gets one worker too when WeasyPrint is not imported yet, unless `jobs=1` asks for one process.
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if beyond.queue is not None:
        return QueuePool(beyond.queue, tuple(dict.fromkeys(folder for part in parts
                                                           for folder in (part.out_dir, part.staging.out_dir))))
    return _Pool(workers, layouts) if workers > 1 or (cold and jobs != 1) else _Inline()


def _build(config: Config, out_dir: Path, own_folder: bool, skip: Collection[str],
           editions: tuple[str, ...] | None, only: tuple[str, ...], jobs: int | None, force: bool, progress, draft: bool,
           paper: str | None, started: float, beyond: _Beyond | None = None) -> BuildReport:
    beyond = beyond or _Beyond()
    config, plan = planned(config, out_dir, skip, editions, only, draft, paper)
    if beyond.shard is not None:
        plan = shard_of(plan, *beyond.shard)
    whole = whole_plan(skip, editions, only, paper, beyond.shard)
    part = plan_part(config, plan, out_dir, own_folder, whole, force, progress, started, beyond)
    if not part.todo:
        return finish_idle(part, draft, beyond.warnings)
    if beyond.shard is not None:  # its outputs go to the cache only: staged outside the output folder
        part.staging = Staging(Path(tempfile.mkdtemp(prefix="handout-shard-")))
    pool = make_pool([part], jobs, beyond)
    try:
        read_part(part, draft)
        run_graph([part], pool, progress)
        return settle(part, beyond, (*getattr(pool, "notes", ()), *beyond.warnings))
    except KeyboardInterrupt:
        if isinstance(pool, _Pool):
            pool.stop()
        pool = _Inline()  # nothing left to wait for
        raise
    finally:
        release(pool, [part], beyond)


def release(pool, parts: list[Part], beyond: _Beyond) -> None:
    """Wait for jobs that may still write; workers that only imported WeasyPrint (the chapters were refused)
    are left to exit on their own, and die with this process anyway. Staged files that were not put in place
    go."""
    pool.shutdown(wait=getattr(pool, "busy", True), cancel_futures=True)
    for part in parts:
        part.staging.discard()
        if beyond.shard is not None:
            shutil.rmtree(part.staging.out_dir, ignore_errors=True)


def _gate(books: dict, today, draft: bool, refused: dict) -> tuple[dict, list[str], dict]:
    """The checks of each language's Book: error-level findings (and, for a translation, a missing reviewer
    or a translation behind its source) stop that language, unless a draft; the others still build. With
    one language, its refusal is the build's error, as it always was."""
    from handout.check import gate, run_checks

    kept, warnings, not_ready = {}, [], {}
    for language, book in books.items():
        try:
            found = run_checks(book, today)
            found += _translation_findings(book)
            problem = None if draft else review_problem(book.config)
            if problem is not None and any(f.level == "error" for f in found):  # with the others, at once
                from handout.check import Finding

                found.append(Finding.of(problem.diagnostic, book.config.root))
            marks = gate(found, draft)  # error-level findings stop here unless a draft
            if problem is not None:
                raise problem
        except InputError as error:
            if len(books) == 1 and not refused:
                raise
            not_ready[language] = error
            continue
        warnings += [*book.warnings, *marks]
        kept[language] = replace(book, draft=True) if draft else book
    if not kept:
        raise next(iter((*refused.values(), *not_ready.values())))
    return kept, warnings, not_ready


def _translation_findings(book) -> list:
    """A translation's chapters that are out of date with their source, or missing (handout/load/translations.py)."""
    if not book.config.source_language:
        return []
    try:
        from handout.check.translations import translation_problems
    except ImportError:
        return []
    return list(translation_problems(book.config.root, book.config.language))


def check_targets(root: Path, out_dir: Path, own_folder: bool, plan: list[Planned], todo: list[Planned],
                  state: BuildState) -> None:
    """Before anything is made: every output can go where it goes, and replaces only a file a build made.

    In the project's own dist/ every file named like an output is one. In a folder given with --out, a
    file at an output's name is replaced only when a build wrote it there (the folder's list of outputs,
    or this project's build state); a user's file is never written over.
    """
    for folder in sorted({item.final.parent for item in plan}):
        check_clinic_folder(root, out_dir, folder)
    ours = read_manifest(out_dir)
    recorded = getattr(state, "data", {}).get("outputs", {})
    name_max = _name_max(out_dir)
    for item in todo:
        final = item.final
        size = len(os.fsencode(final.name))
        if size > name_max:
            raise InputError(f"the output's name is {size} bytes long, more than the file system allows "
                             f"({name_max}): choose a shorter output_name in publish.toml", final)
        if final.is_dir() and not final.is_symlink():
            raise InputError("a folder is where the build writes this output: move the folder away, or choose "
                             "another folder with --out", final)
        if not own_folder and os.path.lexists(final) and _relative(final, out_dir) not in ours \
                and str(final) not in recorded:
            raise InputError("a file the build did not make is where this output goes: move it away (a build "
                             "replaces only its own outputs), or choose another folder with --out", final)


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


@dataclass
class _Job:
    """A node of the build's graph: one job, what it needs first, and what it makes."""
    key: JobKey
    name: str                    # its step in the timings
    function: Callable
    args: Callable[[], tuple]    # its arguments, made when it starts (what it needs exists by then)
    needs: tuple[JobKey, ...] = ()
    item: Planned | None = None  # the output it makes, if it makes one
    file: Path | None = None     # the file it writes
    serves: Path | None = None   # the output a failure is reported for
    cost: int = 2                # among the jobs ready together, lower starts first


def _pages_key(item: Planned) -> JobKey:
    """The graph's node for the first words of the printed pages a page list maps: it is done when they
    arrive (from the build state, a PDF job's early message, or a job's result), not by a job of its own."""
    return item.key._replace(target=PRINT.name, step="pages")


def plan_jobs(books: dict, plan: list[Planned], todo: list[Planned], staging: Staging, state: BuildState,
              starts: dict[JobKey, list], paper: str | None = None,
              ready: dict[JobKey, Path] | None = None) -> dict[JobKey, _Job]:
    """The jobs that make `todo`, as a graph: a PDF edition is laid out and written; a post-processed edition
    (the booklet) is made from the paper edition's PDF (this build's, the current one, or one laid out for
    it); a target with a page list (the EPUB) waits for the printed pages' first words (from the build
    state, from the PDF of its edition being made, or from a layout made for them alone). `ready`: outputs
    already staged (copied from the cache), which a post-processed edition can be made from."""
    paper = paper or next(iter(books.values())).config.print.paper
    ready = ready or {}
    jobs: dict[JobKey, _Job] = {}
    pages_needed = {_pages_key(item) for item in todo if TARGETS[item.kind].page_list} - set(starts)
    waited_for = {paper} | {key.edition for key in pages_needed}  # editions other jobs wait for: start them soon
    made_pdf: dict[JobKey, Path] = {}  # (clinic, language, "pdf", edition) -> its file in this build
    clinic_books: dict[tuple[str, str], object] = {}

    def book_for(item: Planned):
        """The language's Book as the clinic's outputs see it: its online address is the clinic's own copy."""
        key = (item.language, item.clinic.id)
        if key not in clinic_books:
            clinic_books[key] = clinic_book(books[item.language], item.clinic)
        return clinic_books[key]

    def write_job(item: Planned, temporary: Path, want: bool) -> _Job:
        entry = EDITIONS[item.edition]
        cost = min(entry.cost, 1) if item.edition in waited_for else entry.cost
        if not TARGETS[item.kind].per_edition:
            cost = 5  # a page or a file made once per clinic: quick, after the layouts
        return _Job(item.key, f"write {label(item.kind, item.edition)}", TARGETS[item.kind].job_function(),
                    lambda: (book_for(item), item.clinic, item.edition, str(temporary), want), item=item, file=temporary,
                    cost=cost)

    for item in todo:
        if TARGETS[item.kind].per_edition and not EDITIONS[item.edition].post_process:
            want = _pages_key(item) in pages_needed  # its layout gives the page list's first words
            temporary = staging.temporary(item.final)
            made_pdf[item.key] = temporary
            jobs[item.key] = write_job(item, temporary, want)
    for item in todo:
        if not TARGETS[item.kind].per_edition and not TARGETS[item.kind].page_list:  # needs nothing first
            jobs[item.key] = write_job(item, staging.temporary(item.final), False)
    for item in todo:
        if not TARGETS[item.kind].page_list:
            continue
        pages = _pages_key(item)
        if pages in pages_needed and item.key._replace(target=PRINT.name) not in made_pdf:
            # Its edition is not being built: lay it out for its pages only.
            key = pages._replace(step="lay out")
            jobs[key] = _Job(key, f"lay out {item.edition} for the page list", PRINT.job_function(),
                             lambda item=item: (book_for(item), item.clinic, item.edition, "", True), serves=item.final,
                             cost=3)
        temporary = staging.temporary(item.final)
        jobs[item.key] = _Job(item.key, f"write {label(item.kind, item.edition)}", TARGETS[item.kind].job_function(),
                              lambda item=item, temporary=temporary, pages=pages:
                              (book_for(item), item.clinic, item.edition, str(temporary), starts[pages]),
                              needs=(pages,) if pages in pages_needed else (), item=item, file=temporary, cost=5)
    for item in todo:
        entry = EDITIONS[item.edition]
        if not TARGETS[item.kind].per_edition or not entry.post_process:
            continue
        source_key = item.key._replace(edition=paper)
        needs: tuple[JobKey, ...] = (source_key,)
        source = made_pdf.get(source_key)
        if source is None and source_key in ready:  # copied from the cache: there already
            source, needs = ready[source_key], ()
        if source is None:  # no PDF of the paper in this build: use the current one, or make its pages
            source = next((p.final for p in plan if p.key == source_key and p not in todo), None)
            needs = ()
        if source is None:
            source = staging.scratch()
            key = source_key._replace(step=f"for {item.edition}")
            jobs[key] = _Job(key, f"write {label(item.kind, paper)} (for {item.edition})", PRINT.job_function(),
                             lambda item=item, source=source: (book_for(item), item.clinic, paper, str(source),
                                                                False),
                             file=source, serves=item.final, cost=4)
            needs = (key,)
        temporary = staging.temporary(item.final)
        jobs[item.key] = _Job(item.key, entry.post_process_step, post_process_job,
                              lambda item=item, source=source, temporary=temporary:
                              (item.edition, str(source), str(temporary)),
                              needs=needs, item=item, file=temporary, cost=5)
    return jobs


def run_graph(parts: list[Part], pool, progress, tolerant: bool = False) -> None:
    """Run the jobs of every part as one graph (graphlib), each part's made by `plan_jobs`: each starts as soon
    as what it needs exists, the longest first among those ready together. With `tolerant` (a library's
    handouts), a job's bad input stops its own part only (`Part.failed`): the other parts' jobs go on."""
    starts: dict[JobKey, list] = {}  # a page list's node -> the printed pages' first words
    page_items: dict[JobKey, Planned] = {}
    jobs: dict[JobKey, _Job] = {}
    owner: dict[str, Part] = {}  # a job key's handout -> its part
    for part in parts:
        items = {_pages_key(item): item for item in part.plan if TARGETS[item.kind].page_list}
        for key, item in items.items():
            cached = part.state.page_starts(item.page_key)
            if cached is not None and item in part.todo:
                starts[key] = cached
        page_items.update(items)
        owner.update({item.handout: part for item in part.plan})
    for part in parts:
        jobs.update(plan_jobs(part.books, part.plan, part.todo, part.staging, part.state, starts, ready=part.hits))
    graph = TopologicalSorter({key: job.needs for key, job in jobs.items()})
    graph.prepare()
    order = {key: index for index, key in enumerate(jobs)}
    running: dict[Future, _Job | JobKey] = {}
    handed_out: set[JobKey] = set()   # page-list nodes the graph gave: done when their pages arrive
    finished: set[JobKey] = set()

    def done(key: JobKey) -> None:
        if key not in finished:
            finished.add(key)
            graph.done(key)

    def arrived(key: JobKey, page_starts: list) -> None:
        starts[key] = page_starts
        owner[key.handout].state.record_page_starts(page_items[key].page_key, page_starts)
        if key in handed_out:
            done(key)

    def fail(part: Part, error: InputError) -> None:
        """A part's bad input: its jobs not yet started are passed over, what waits for its pages too."""
        part.failed = part.failed or error
        for future, waiting in list(running.items()):
            if not isinstance(waiting, _Job) and owner[waiting.handout] is part:
                del running[future]
        for key in handed_out:
            if owner[key.handout] is part:
                done(key)

    def launch() -> None:
        while ready := sorted(graph.get_ready(), key=lambda k: (jobs[k].cost if k in jobs else 0, order.get(k, 0))):
            for key in ready:
                part = owner[key.handout]
                if part.failed is not None:
                    done(key)
                    continue
                if key not in jobs:  # a page list's node
                    handed_out.add(key)
                    if key in starts:
                        done(key)
                    continue
                job = jobs[key]
                if job.item is not None:
                    progress("start", part.label(job.item))
                output = job.item.final if job.item is not None else job.serves  # named when it fails
                running[pool.submit(_call, job.function, str(output), *job.args())] = job

    if isinstance(pool, _Pool):  # page starts a PDF job sends before it writes its file
        for key in {node for job in jobs.values() for node in job.needs if node not in jobs}:
            running[pool.starts_for(str(owner[key.handout].config.root), key.language, key.clinic)] = key
    launch()
    while running:
        ended, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for future in ended:
            if future not in running:  # its part failed meanwhile
                continue
            job = running.pop(future)
            part = owner[job.key.handout if isinstance(job, _Job) else job.handout]
            output = job.item.final if isinstance(job, _Job) and job.item is not None else (
                job.serves if isinstance(job, _Job) else page_items[job].final)
            try:
                result = future.result()  # re-raises an InputError from the worker
            except InputError as error:
                if not tolerant:
                    raise
                fail(part, error)
                done(job.key)
                continue
            except (RecursionError, OSError) as error:  # failed on the way to or from a worker
                mapped = job_error(error, output)
                if not tolerant or mapped is None:
                    raise mapped or error from None
                fail(part, mapped)
                done(job.key)
                continue
            if not isinstance(job, _Job):  # early page starts, not a job
                arrived(job, result)
                continue
            if part.failed is not None:
                done(job.key)
                continue
            report = part.report
            count, page_starts, seconds, *notes = result
            report.warnings = (*report.warnings, *(notes[0] if notes else ()))  # a job's own (handout/targets/pdf/spill.py)
            if page_starts is not None:
                arrived(job.key._replace(target=PRINT.name, step="pages"), page_starts)
            done(job.key)
            where = [*([job.key.clinic] if len(part.config.clinics) > 1 else []),
                     *([job.key.language] if job.key.language != part.config.language else [])]
            report.timings.append((f"{job.name} [{' '.join(where)}]" if where else job.name, seconds))
            if job.item is not None:
                report.outputs.append(Output(job.item.final, job.item.kind, job.file.stat().st_size, count,
                                             job.item.edition))
                progress("done", part.label(job.item))
        launch()
    if graph.is_active() or any(item.key not in jobs for part in parts for item in part.todo):
        raise RuntimeError(f"the build's graph has jobs that never ran: {sorted(graph.get_ready())}")


# ---- the outputs' cache (handout/build/store.py) --------------------------------------------------------------

def _from_cache(cache: OutputCache | None, part: Part, progress, required: bool) -> dict[JobKey, Path]:
    """Stage every output of the part's todo the cache holds (copied: nothing is laid out for it) -> its staged
    file. The printed pages' first words a PDF's entry carries are remembered for its EPUB's page list. With
    `required` (--from-cache) an output the cache lacks is the user's error: no job makes it."""
    if cache is None:
        return {}
    todo, report = part.todo, part.report
    hits: dict[JobKey, Path] = {}
    missing = []
    for item in todo:
        entry = cache.get(item.inputs)
        if entry is None:
            missing.append(item)
            continue
        if required and missing:
            continue
        temporary = part.staging.temporary(item.final)
        temporary.write_bytes(entry.data)
        hits[item.key] = temporary
        if isinstance(entry.meta.get("page_starts"), list):
            part.state.record_page_starts(item.inputs, entry.meta["page_starts"])
        pages = entry.meta.get("pages")
        report.outputs.append(Output(item.final, item.kind, len(entry.data),
                                     pages if isinstance(pages, int) else None, item.edition))
        progress("start", part.label(item))
        progress("done", part.label(item))
    if required and missing:
        first = missing[0]
        raise InputError(f"{len(missing)} of the {len(todo)} outputs to put in place are not in the cache "
                         f"{cache.location} ({part.label(first)}, inputs {first.inputs[:12]}, "
                         f"first): build every shard into this cache first (--shard I/N --cache DIR)", first.final)
    return hits


def _to_cache(cache: OutputCache, made: list[Planned], staging: Staging, state: BuildState,
              report: BuildReport) -> None:
    """Store what this build made under its inputs' digest, with its page count and, for a PDF, the printed
    pages' first words (an EPUB made from a cached PDF needs them)."""
    staged = {final: temporary for temporary, final in staging.pending}
    pages = {output.path: output.pages for output in report.outputs}
    for item in made:
        starts = state.page_starts(item.inputs) if item.kind == PRINT.name else None
        cache.put(item.inputs, staged[item.final].read_bytes(), target=item.kind, edition=item.edition,
                  pages=pages.get(item.final), page_starts=starts)
