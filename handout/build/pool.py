"""Where the build's jobs run: worker processes forked before the chapters are read (WeasyPrint imported in them
meanwhile), or this process; and the wrapper that turns a job's failure into the user's error or ours."""
from __future__ import annotations

import os
import signal
import threading
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context, parent_process
from pathlib import Path
from typing import Callable

from handout.build.outfolder import filesystem_error, shown_outside_staging
from handout.build.staging import _HELD_LOCKS, _inside
from handout.core.errors import InputError


def _call(job: Callable, output: str, *args):
    """Run a job for the output file `output`; errors leave a worker as InputError (the user's) or
    RuntimeError (ours), which both survive the trip back to the build, unlike some library exceptions."""
    try:
        return job(*args)
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


def _worker_start(starts_queue, warm) -> None:
    """In a worker: let go of the parent's build lock, die with the parent if it is killed, and import
    WeasyPrint while the parent is still reading the chapters, if it is one of the first `warm.value`
    workers (as many as there are layouts to make: an EPUB-only worker does not need it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the workers
    try:  # first of all: a parent killed while this worker imports must not leave it waiting forever
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a killed parent's workers finish their page and exit
    parent = parent_process()
    if parent is not None and os.getppid() != parent.pid:  # killed before the line above
        os._exit(1)
    from handout.targets.pdf import job as pdf_jobs  # a worker lays out: it imports the renderers (heavy)

    pdf_jobs.STARTS_CHANNEL = starts_queue  # where a PDF job sends the page starts of its layout (see _Pool)
    for descriptor in list(_HELD_LOCKS):
        try:
            os.close(descriptor)  # the lock belongs to the build, which ends with the parent
        except OSError:
            pass
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
        # (the handout's folder, language, clinic id) -> the page starts of its layout
        self.early_starts: dict[tuple[str, str, str], Future] = {}
        self._listener = threading.Thread(target=self._listen, daemon=True)
        self._listener.start()

    def submit(self, function, /, *args, **kwargs) -> Future:
        self.busy = True
        return super().submit(function, *args, **kwargs)

    def starts_for(self, root: str, language: str, clinic_id: str) -> Future:
        return self.early_starts.setdefault((root, language, clinic_id), Future())

    def _listen(self) -> None:
        while True:
            message = self.starts_queue.get()
            if message is None:
                return
            (root, language, clinic_id), starts = message
            self.starts_for(root, language, clinic_id).set_result(starts)

    def shutdown(self, wait=True, cancel_futures=False):
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self.starts_queue.put(None)

    def stop(self) -> None:
        """Ctrl-C: the queued jobs cancelled, the workers ended at once (not after their layout)."""
        for process in list((self._processes or {}).values()):
            process.kill()
        self.shutdown(wait=False, cancel_futures=True)
