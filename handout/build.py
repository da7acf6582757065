"""The build: plan the outputs, skip the ones whose inputs have not changed, make the rest in parallel.

load -> plan -> (nothing to do: stop, without importing WeasyPrint) -> read the book -> jobs -> rename
into place -> remember what was made. Outputs are written to temporary files and renamed only when every
job of the build succeeded.

The output folder is the build's (see handout/outfolder.py): the build deletes or replaces only files it
made there, and file-system trouble is the user's to fix (exit status 2, naming the path).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import signal
import stat
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from .cache import CACHE_DIR, BuildState, toolchain_fingerprint
from .config import PAPERS, Clinic, Config, load_config
from .errors import InputError
from .outfolder import (LOCK_NAME, MANIFEST_NAME, StagingFolder, check_clinic_folder, clean_stale_staging,
                        filesystem_error, manifest_bytes, output_folder_for, read_manifest, shown_outside_staging)
from .sandbox import Sandbox
from .theme import theme_files

WATCHED_FOLDERS = ("chapters", "layouts", "assets")


@dataclass
class Output:
    path: Path
    kind: str
    size: int
    pages: int | None = None


@dataclass
class BuildReport:
    outputs: list[Output] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    up_to_date: list[Path] = field(default_factory=list)

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        yield
        self.timings.append((name, time.perf_counter() - start))


_ABSENT = object()  # a final file that did not exist before the commit


class Staging:
    """Outputs are written to temporary files in the build's staging folder (inside the output folder) and
    renamed into place only when every one succeeded.

    What `commit` guarantees: each output is at every moment either the previous file, whole, or the new
    one, whole (a rename is atomic). In a folder given with --out (`record`), the list of outputs builds
    made there is updated before the first rename, so they are known as the build's after a kill. When a rename fails midway, the
    outputs already replaced are put back (each previous file is kept as a hard link until the commit
    ends) and those that did not exist are removed: the folder holds the previous outputs, and the error
    says so. Only where the file system refuses hard links, or when the process is killed between two
    renames, can some outputs be the new ones and others the previous ones; the build state is saved
    only after the commit, so the next build makes them again.
    """

    def __init__(self, out_dir: Path, record: bool = True):
        self.out_dir = out_dir
        self.record = record  # keep the folder's list of outputs (dist/ needs none: it is the build's)
        self.files = StagingFolder(out_dir)
        self.pending: list[tuple[Path, Path]] = []

    def temporary(self, final: Path) -> Path:
        path = self.files.new_file()
        self.pending.append((path, final))
        return path

    def scratch(self) -> Path:
        """A temporary file that is never renamed into place."""
        return self.files.new_file()

    def commit(self) -> None:
        if not self.pending:
            return
        previous = read_manifest(self.out_dir)
        if self.record:
            self._write_manifest(previous | {_relative(final, self.out_dir) for _, final in self.pending})
        done: list[tuple[Path, object]] = []
        final = self.out_dir
        try:
            for temporary, final in self.pending:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temporary, 0o644)
                backup = self._keep(final)
                os.replace(temporary, final)
                done.append((final, backup))
        except OSError as error:
            restored = self._roll_back(done)
            if restored and self.record:
                self._write_manifest(previous, quiet=True)
            kept = ("the previous outputs are kept" if restored else
                    "some outputs of this build are in place, the others are the previous ones; build again")
            mapped = filesystem_error(error, final, "could not be put in place")
            if mapped is None:
                raise
            mapped.message = f"{mapped.message} ({kept})"
            raise mapped from None
        self.pending.clear()

    def _keep(self, final: Path) -> object:
        """A hard link to the file `final` replaces, to put it back if a later rename fails."""
        if not os.path.lexists(final):
            return _ABSENT
        backup = self.files.new_name("old")
        try:
            os.link(final, backup, follow_symlinks=False)
        except OSError:
            return None  # no hard links here: this one cannot be put back
        return backup

    @staticmethod
    def _roll_back(done: list[tuple[Path, object]]) -> bool:
        restored = True
        for final, backup in reversed(done):
            try:
                if backup is _ABSENT:
                    os.unlink(final)
                elif backup is not None:
                    os.replace(backup, final)
                else:
                    restored = False
            except OSError:
                restored = False
        return restored

    def _write_manifest(self, names: set[str], quiet: bool = False) -> None:
        temporary = self.files.path("manifest.part")
        try:
            temporary.write_bytes(manifest_bytes(names))
            os.replace(temporary, self.out_dir / MANIFEST_NAME)
        except OSError as error:
            mapped = filesystem_error(error, self.out_dir / MANIFEST_NAME, "could not be written")
            if quiet:
                return
            if mapped is None:
                raise
            mapped.message += " (the previous outputs are kept)"
            raise mapped from None

    def discard(self) -> None:
        self.pending.clear()
        self.files.remove()


def _inside(path: Path | str, folder: Path) -> bool:
    """Whether `path` is `folder` or in it (a clinic's folder of the outputs, say)."""
    try:
        return Path(os.path.abspath(path)).is_relative_to(folder)
    except (TypeError, ValueError):
        return False


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def output_folder(out_dir: Path, clinic: Clinic, clinic_count: int) -> Path:
    """One folder per clinic when several are configured; dist/ itself otherwise."""
    return out_dir / clinic.id if clinic_count > 1 else out_dir


def pdf_name(output_name: str, edition: str, editions: tuple[str, ...]) -> str:
    """The first edition publish.toml lists is `<name>.pdf`; any other is `<name>-<edition>.pdf`."""
    return f"{output_name}.pdf" if edition == editions[0] else f"{output_name}-{edition}.pdf"


def page_source_edition(editions: tuple[str, ...], paper: str = "letter") -> str:
    """The edition whose page numbers the EPUB's page list carries: the default one (booklet and press pages
    are the plain pages of the configured paper)."""
    return paper if editions[0] in {"booklet", "press"} else editions[0]


# ---- what each output depends on --------------------------------------------------------------------------

def input_digests(root: Path) -> dict[str, str]:
    """Digest of every input: publish.toml and everything under chapters/, layouts/ and assets/.

    A file whose real location is outside the project is not read (the build refuses it and says so); its
    link target is digested instead. So are folders and broken links, so that one named like a chapter makes
    the next build look, and refuse it, instead of calling the outputs up to date.
    """
    sandbox = Sandbox(root)
    digests = {"publish.toml": _digest((root / "publish.toml").read_bytes())}
    for folder in WATCHED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            name = path.relative_to(root).as_posix()
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            if path.is_file() and sandbox.allows(path):
                digests[name] = _digest(path.read_bytes())
            elif path.is_symlink() or not path.is_dir():
                digests[name] = _digest(f"not a file of the project: {os.path.realpath(path)}".encode())
            elif path.suffix:  # a folder named like a file (`05-notes.md/`)
                digests[name] = _digest(b"a folder")
    # The built-in theme's files the project does not override (a toolchain update changes them too).
    for name, path in theme_files().items():
        digests.setdefault(name, _digest(path.read_bytes()))
    return digests


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _depends(path: str, kind: str, edition: str, paper: str = "letter") -> bool:
    """Whether an input file can change an output (a PDF of `edition`, or the EPUB)."""
    if path.startswith("assets/css/editions/"):
        # Large print and press use the paper's stylesheet and their own; a booklet is the paper's pages.
        sheets = {edition, paper} if edition not in PAPERS else {edition}
        return kind == "pdf" and path in {f"assets/css/editions/{name}.css" for name in sheets - {"booklet"}}
    if path == "assets/css/epub.css" or path.startswith("layouts/epub/"):
        return kind == "epub"
    if path in {"assets/css/print.css", "layouts/print.html"}:
        return kind == "pdf"
    return True


def output_inputs(digests: dict[str, str], kind: str, edition: str, extra: str = "", paper: str = "letter") -> str:
    """One digest of everything an output is made from, the toolchain and the date rule included."""
    digest = hashlib.sha256()
    digest.update(toolchain_fingerprint().encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(f"{kind}:{edition}:{paper}:{extra}".encode())
    for path, value in digests.items():
        if _depends(path, kind, edition, paper):
            digest.update(f"{path}={value}\n".encode())
    return digest.hexdigest()


@dataclass
class Planned:
    kind: str          # "pdf" or "epub"
    edition: str       # the PDF edition; for the EPUB, the edition its page list maps
    clinic: Clinic
    final: Path
    inputs: str
    page_key: str = ""  # for the EPUB: the inputs of the PDF whose pages its page list maps


def plan_outputs(config: Config, out_dir: Path, pdf: bool, epub: bool, editions: tuple[str, ...],
                 draft: bool = False) -> list[Planned]:
    digests = input_digests(config.root)
    paper = config.print.paper
    page_source = page_source_edition(config.print.editions, paper)
    plan = []
    # A draft is written beside the final files, never over them: `<name>-draft.pdf`, `<name>-a4-draft.pdf`.
    suffix = "-draft" if draft else ""
    for clinic in config.clinics:
        folder = output_folder(out_dir, clinic, len(config.clinics))
        tag = clinic.id + (":draft" if draft else "")  # a draft and a final build make different files
        for edition in editions if pdf else ():
            # Names follow publish.toml, so `--edition a4` never writes the A4 pages under the Letter file's name.
            name = pdf_name(config.output_name, edition, config.print.editions).replace(".pdf", f"{suffix}.pdf")
            plan.append(Planned("pdf", edition, clinic, folder / name,
                                output_inputs(digests, "pdf", edition, tag, paper)))
        if epub:
            # The page list maps the printed pages, so the EPUB depends on the page-source edition's inputs too.
            source = output_inputs(digests, "pdf", page_source, tag, paper)
            plan.append(Planned("epub", page_source, clinic, folder / f"{config.output_name}{suffix}.epub",
                                output_inputs(digests, "epub", page_source, tag + source, paper), source))
    return plan


# ---- the jobs, run in worker processes (or inline) --------------------------------------------------------

def _call(job: str, output: str, *args):
    """Run a job by name for the output file `output`; errors leave a worker as InputError (the user's) or
    RuntimeError (ours), which both survive the trip back to the build, unlike some library exceptions."""
    try:
        return globals()[job](*args)
    except InputError:
        raise
    except Exception as error:
        mapped = job_error(error, Path(output))
        if mapped is not None:
            raise mapped from None
        raise RuntimeError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}") from None


def job_error(error: BaseException, output: Path) -> InputError | None:
    """The user's error behind a job's failure, naming the output being made: a document nested too deeply
    to lay out, or a file-system failure (a full disk, a folder that refuses writes)."""
    if isinstance(error, RecursionError):
        return InputError("the document is nested too deeply to lay out (lists, quotes or boxes inside one "
                          "another): reduce the nesting in the chapters", output)
    if isinstance(error, OSError):
        about = shown_outside_staging(error.filename, output.parent)
        if about is None or about == output.parent:  # the output's own temporary file
            return filesystem_error(error, output, "could not be written")
        return filesystem_error(error, about, writing=_inside(about, output.parent))
    return None


def _pdf_job(book, clinic: Clinic, edition: str, target: str, want_starts: bool):
    from .pdf import RenderedPdf
    from .render import render_print

    start = time.perf_counter()
    document = RenderedPdf(render_print(book, clinic, edition), book.root, book.config.limits.render_seconds,
                           f"laying out the {edition} edition")
    starts = document.page_starts() if want_starts else None
    if starts is not None and _STARTS is not None:
        # Hand the page starts over now, so the EPUB is packed while this PDF is still being written.
        _STARTS.put((clinic.id, starts))
        starts = None
    pages = document.write(Path(target)) if target else document.page_count
    return pages, starts, time.perf_counter() - start


def _booklet_job(letter: str, target: str):
    from .impose import impose_booklet

    start = time.perf_counter()
    return impose_booklet(Path(letter), Path(target)), None, time.perf_counter() - start


def _epub_job(book, clinic: Clinic, target: str, starts):
    from .epub import write_epub

    start = time.perf_counter()
    return write_epub(book, clinic, Path(target), starts), None, time.perf_counter() - start


class _Inline:
    """Runs jobs in this process, one after the other, with the same interface as a process pool."""

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to the caller, as a pool would
            future.set_exception(error)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


# ---- the build ----------------------------------------------------------------------------------------------

def build(root: Path, out_dir: Path | None = None, pdf: bool = True, epub: bool = True,
          editions: tuple[str, ...] | None = None, jobs: int | None = None, force: bool = False,
          progress: Callable[[str, str], None] | None = None, draft: bool = False,
          paper: str | None = None) -> BuildReport:
    """Build the handout in project folder `root` into `out_dir` (default: root/dist).

    The error-level checks of `publish.py check` run first: a handout that fails them is refused
    (`checks.ChecksFailed`, exit status 2) unless `draft`, which builds it with every page marked as a draft.

    Outputs whose inputs have not changed since the last good build are left alone (`force` rebuilds
    them). `jobs` worker processes make the rest (default: one per core; 1 builds in this process).
    `progress(event, name)` hears "start", "done" and "skip" for each output. `paper` ("letter" or "a4")
    overrides `print.paper` for this build.
    """
    started = time.perf_counter()
    root = root.resolve()
    folder = root / "dist"
    try:
        config = load_config(root)  # a folder that is not a project gets no dist/
        folder = output_folder_for(root, out_dir)
        with build_lock(folder):
            own_folder = out_dir is None or folder == (root / "dist").resolve()
            return _build(config, folder, own_folder, pdf, epub, editions, jobs, force,
                          progress or (lambda event, name: None), draft, paper, started)
    except RecursionError:
        raise InputError("the handout is nested too deeply to process (lists, quotes or boxes inside one "
                         "another): reduce the nesting in the chapters", root / "chapters") from None
    except OSError as error:
        about = shown_outside_staging(error.filename, folder) or folder
        mapped = filesystem_error(error, about, writing=_inside(about, folder))
        if mapped is None:
            raise
        raise mapped from None


@contextmanager
def build_lock(out_dir: Path):
    """One build at a time per output folder; a second one is told so instead of mixing files."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise (filesystem_error(error, out_dir, "cannot make the output folder")
               if error.errno not in {errno.ENOENT, errno.EEXIST} else
               InputError(f"cannot make the output folder here ({error.strerror}): choose another folder with "
                          "--out", out_dir)) from None
    # Never through a link (a lock file that leads elsewhere would create a file there), never waiting on a
    # named pipe put in its place.
    path = out_dir / LOCK_NAME
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as error:
        raise (filesystem_error(error, path, "cannot open the build's lock file") or
               InputError(f"cannot open the build's lock file ({error.strerror}): delete it and build again",
                          path)) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InputError("the build's lock file is not a regular file: delete it and build again", path)
    with os.fdopen(descriptor, "a") as handle:
        _HELD_LOCKS.add(handle.fileno())
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another build is writing to {out_dir.name}/ right now: wait for it to finish "
                             "and run this one again", out_dir) from None
        # What killed builds left behind: only their own marked staging folders, never a user's file.
        clean_stale_staging(out_dir)
        try:
            yield
        finally:
            _HELD_LOCKS.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


_HELD_LOCKS: set[int] = set()


_STARTS = None  # in a worker: where a PDF job sends the page starts of its layout (see _Pool)


def _worker_start(starts_queue, warm) -> None:
    """In a worker: let go of the parent's build lock, die with the parent if it is killed, and import
    WeasyPrint while the parent is still reading the chapters, if it is one of the first `warm.value`
    workers (as many as there are layouts to make: an EPUB-only worker does not need it)."""
    global _STARTS
    _STARTS = starts_queue
    for descriptor in list(_HELD_LOCKS):
        try:
            os.close(descriptor)  # the lock belongs to the build, which ends with the parent
        except OSError:
            pass
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a killed parent's workers finish their page and exit
    with warm.get_lock():
        warm.value -= 1
        needed = warm.value >= 0
    if needed:
        import weasyprint  # noqa: F401  (the costliest import: off the critical path, in parallel)


def _nothing() -> None:
    """A job that makes the pool start its workers."""


class _Pool(ProcessPoolExecutor):
    """Worker processes, started at once; page starts that PDF jobs send early arrive as futures."""

    def __init__(self, workers: int, layouts: int):
        context = get_context("fork")
        self.starts_queue = context.SimpleQueue()
        super().__init__(workers, mp_context=context, initializer=_worker_start,
                         initargs=(self.starts_queue, context.Value("i", layouts)))
        super().submit(_nothing)  # forks the workers now: they import WeasyPrint while the chapters are read
        self.busy = False
        self.early_starts: dict[str, Future] = {}
        self._listener = threading.Thread(target=self._listen, daemon=True)
        self._listener.start()

    def submit(self, function, /, *args, **kwargs) -> Future:
        self.busy = True
        return super().submit(function, *args, **kwargs)

    def starts_for(self, clinic_id: str) -> Future:
        return self.early_starts.setdefault(clinic_id, Future())

    def _listen(self) -> None:
        while True:
            message = self.starts_queue.get()
            if message is None:
                return
            clinic_id, starts = message
            self.starts_for(clinic_id).set_result(starts)

    def shutdown(self, wait=True, cancel_futures=False):
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self.starts_queue.put(None)


def _label(item: Planned, clinics: int) -> str:
    name = f"PDF {item.edition}" if item.kind == "pdf" else "EPUB"
    return f"{name} [{item.clinic.id}]" if clinics > 1 else name


def _build(config: Config, out_dir: Path, own_folder: bool, pdf: bool, epub: bool,
           editions: tuple[str, ...] | None, jobs: int | None, force: bool, progress, draft: bool,
           paper: str | None, started: float) -> BuildReport:
    from .checks import check_date, gate, review_findings, run_checks

    report = BuildReport()
    root = config.root
    if paper:
        config = replace(config, print=replace(config.print, paper=paper))
    editions = editions or config.print.editions
    plan = plan_outputs(config, out_dir, pdf, epub, editions, draft)
    state = BuildState(root)
    # An output that is a link is never current: the build makes a file of its own in its place.
    todo = [item for item in plan if force or os.path.islink(item.final)
            or not state.is_current(item.final, item.inputs)]
    check_targets(root, out_dir, own_folder, plan, todo, state)
    report.timings.append(("check what changed", time.perf_counter() - started))
    report.warnings = config.warnings
    clinics = len(config.clinics)
    for item in plan:
        if item not in todo:
            report.up_to_date.append(item.final)
            progress("skip", _label(item, clinics))
    today = check_date()
    if not todo:
        # Nothing changed: no chapter read, no WeasyPrint imported. Only the review date can have passed since.
        report.warnings = (*config.warnings, *gate(review_findings(config, today), draft))
        return report

    from .book import load_book
    from .render import render_print  # noqa: F401  (imported before the fork, so workers share it)

    layouts = sum(item.kind == "pdf" or state.page_starts(item.page_key) is None for item in todo)
    cold = layouts > 0 and "weasyprint" not in sys.modules
    # A pool of workers, forked before the chapters are read: they import WeasyPrint in the meantime. A lone
    # job gets one worker too when WeasyPrint is not imported yet, unless `jobs=1` asks for one process.
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    pool = _Pool(workers, layouts) if workers > 1 or (cold and jobs != 1) else _Inline()
    staging = Staging(out_dir, record=not own_folder)
    try:
        with report.step("read chapters"):
            book = load_book(config)
        with report.step("check"):
            refused = gate(run_checks(book, today), draft)  # error-level findings stop here unless a draft
        report.warnings = (*book.warnings, *refused)
        if draft:
            book = replace(book, draft=True)
        _run(book, plan, todo, pool, staging, state, report, progress, clinics)
        staging.commit()
        for item in todo:
            state.record(item.final, item.inputs)
        state.save()
    finally:
        # Wait for jobs that may still write; workers that only imported WeasyPrint (the chapters were
        # refused) are left to exit on their own, and die with this process anyway.
        pool.shutdown(wait=getattr(pool, "busy", True), cancel_futures=True)
        staging.discard()
    return report


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


def _run(book, plan: list[Planned], todo: list[Planned], pool, staging: Staging, state: BuildState,
         report: BuildReport, progress, clinics: int) -> None:
    """Submit every job as soon as what it needs exists: PDFs first, then booklets and EPUBs."""
    running: dict[Future, tuple[Planned | None, str, Path | None, str, Path | None]] = {}
    paper = book.config.print.paper    # the plain edition a booklet's pages come from
    letters: dict[str, Path] = {}     # clinic id -> the PDF (of `paper`) a booklet is imposed from
    letters_ready: set[str] = set()
    starts: dict[str, list] = {}      # clinic id -> the printed pages' first words, for its EPUB
    booklets = [item for item in todo if item.kind == "pdf" and item.edition == "booklet"]
    epubs = [item for item in todo if item.kind == "epub"]
    epub_of = {item.clinic.id: item for item in plan if item.kind == "epub"}

    def submit(item: Planned | None, clinic: Clinic, name: str, function, *args, file: Path | None = None,
               serves: Path | None = None):
        if item is not None:
            progress("start", _label(item, clinics))
        output = item.final if item is not None else serves  # the output a failure is reported for
        running[pool.submit(_call, function.__name__, str(output), *args)] = (item, name, file, clinic.id, output)

    for item in epubs:
        cached = state.page_starts(item.page_key)
        if cached is not None:
            starts[item.clinic.id] = cached
    # Longest first, so that no worker is left with a long job at the end: large print has the most pages; then
    # the pages a booklet is imposed from and the EPUB's page list is taken from, which other jobs wait for.
    def cost(item: Planned) -> int:
        return 0 if item.edition == "large-print" else 1 if item.edition in {paper, epub_edition} else 2

    epub_edition = next((item.edition for item in epubs), paper)
    for item in sorted(todo, key=cost):
        if item.kind == "pdf" and item.edition != "booklet":
            epub = epub_of.get(item.clinic.id)
            want = epub in epubs and epub.edition == item.edition and item.clinic.id not in starts
            temporary = staging.temporary(item.final)
            if item.edition == paper:
                letters[item.clinic.id] = temporary
            submit(item, item.clinic, f"write PDF {item.edition}", _pdf_job, book, item.clinic, item.edition,
                   str(temporary), want, file=temporary)
    for item in epubs:  # the page-source edition is not being built: lay it out for its pages only
        laid_out = any(p.kind == "pdf" and p.clinic.id == item.clinic.id and p.edition == item.edition
                       for p in todo)
        if item.clinic.id not in starts and not laid_out:
            submit(None, item.clinic, f"lay out {item.edition} for the page list", _pdf_job, book, item.clinic,
                   item.edition, "", True, serves=item.final)
    for item in booklets:  # no PDF of the paper in this build: use the current one, or make its pages
        if item.clinic.id in letters:
            continue
        current = next((p.final for p in plan if p.kind == "pdf" and p.edition == paper
                        and p.clinic.id == item.clinic.id and p not in todo), None)
        if current is not None:
            letters[item.clinic.id] = current
            letters_ready.add(item.clinic.id)
        else:
            scratch = staging.scratch()
            letters[item.clinic.id] = scratch
            submit(None, item.clinic, f"write PDF {paper} (for booklet)", _pdf_job, book, item.clinic, paper,
                   str(scratch), False, file=scratch, serves=item.final)

    def launch_ready():
        for item in [e for e in epubs if e.clinic.id in starts]:
            epubs.remove(item)
            temporary = staging.temporary(item.final)
            submit(item, item.clinic, "write EPUB", _epub_job, book, item.clinic, str(temporary),
                   starts[item.clinic.id], file=temporary)
        for item in [b for b in booklets if b.clinic.id in letters_ready]:
            booklets.remove(item)
            temporary = staging.temporary(item.final)
            submit(item, item.clinic, "impose booklet", _booklet_job, str(letters[item.clinic.id]),
                   str(temporary), file=temporary)

    if isinstance(pool, _Pool):  # page starts a PDF job sends before it writes its file
        for item in epubs:
            if item.clinic.id not in starts:
                running[pool.starts_for(item.clinic.id)] = (None, "", None, item.clinic.id, item.final)
    launch_ready()
    while running:
        finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for future in finished:
            item, name, file, clinic_id, output = running.pop(future)
            try:
                result = future.result()  # re-raises an InputError from the worker
            except (RecursionError, OSError) as error:  # failed on the way to or from a worker
                raise job_error(error, output) or error from None
            if not name:  # early page starts, not a job
                starts[clinic_id] = result
                state.record_page_starts(epub_of[clinic_id].page_key, result)
                continue
            pages, page_starts, seconds = result
            if page_starts is not None:
                starts[clinic_id] = page_starts
                state.record_page_starts(epub_of[clinic_id].page_key, page_starts)
            if file is not None and letters.get(clinic_id) == file:
                letters_ready.add(clinic_id)
            report.timings.append((f"{name} [{clinic_id}]" if clinics > 1 else name, seconds))
            if item is not None:
                report.outputs.append(Output(item.final, item.kind, file.stat().st_size, pages))
                progress("done", _label(item, clinics))
        launch_ready()
