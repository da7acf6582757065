"""The build's jobs on RQ workers over Redis: `handout build --queue redis://HOST:PORT/DB` and `handout worker`.

The submitting build plans, reads and checks the chapters as a local build does, then hands each job of its graph
(handout/build/run.py) to the queue instead of a local process, and waits with the same progress display. A job
carries its arguments (the Book, the clinic, the edition) and the bytes of the files it reads (a booklet's letter
PDF); the worker writes the output in a folder of its own and sends the bytes back, and the submitting build stages
them into the output folder and renames them into place when every job succeeded, as a local build does.

A worker is `handout worker`: an RQ worker that forks a work horse per job (which bounds each job's memory).
WeasyPrint is imported in the work horse, when the job's function is unpickled, never before the fork.

Failures: a job that fails on bad input comes back as the same InputError a local build raises (exit 2, naming
the file and line). A job whose worker dies is made again: its work horse killed (RQ marks it failed), or the whole
worker gone (the job's heartbeat, refreshed every HEARTBEAT_SECONDS by the worker, stops for LOST_AFTER seconds of
the submitter's clock). After ATTEMPTS tries the build fails, naming the output.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from handout.core.errors import InputError

QUEUE_NAME = "handout"
CONNECT_SECONDS = 3        # Redis that does not answer: the build says so within this (and under 5 s in all)
HEARTBEAT_SECONDS = 2      # how often a `handout worker` refreshes the heartbeat of the job it runs
LOST_AFTER = 20            # a started job whose heartbeat has not moved for this long has lost its worker
ATTEMPTS = 3               # tries of a job whose worker died, before the build gives up
POLL_SECONDS = 0.1
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)  # what the submitter's environment says about outputs, given to the job


def connect(url: str, option: str = "--queue", purpose: str = "queue"):
    """A connection to the queue's Redis (or the cache's: `option` and `purpose` say which, for the messages),
    tried at once: an address that does not answer is the user's to fix."""
    from redis import Redis
    from redis.exceptions import RedisError

    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InputError(f"{option} takes a Redis address, redis://HOST:PORT/DB (redis://127.0.0.1:6379/0), not "
                         f"'{url}'")
    try:
        connection = Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS,
                                    retry_on_timeout=False, retry=None)
        connection.ping()
    except (RedisError, ValueError, OSError) as error:
        raise InputError(f"cannot reach the {purpose}'s Redis at {url} ({error}): start redis-server there, or "
                         f"give the address it listens on with {option}") from None
    return connection


# ---- in the work horse -------------------------------------------------------------------------------------

def run_job(call, function, output: str, args: tuple, inputs: dict[int, bytes], outputs: list[int],
            environment: dict[str, str]):
    """Run one job of a build (in an RQ work horse) as the build runs it, `call(function, output, *args)`
    (pool._call, which turns failures into InputError or RuntimeError): the files it reads are written from `inputs`, those it
    writes (`outputs`, argument positions) are made in a folder of its own and sent back as bytes.

    -> ("ok", the job's result, {position: bytes}) | ("input", InputError) | ("ours", message)
    Errors are results, not raised: a failed RQ job means only that its worker died, and it is tried again."""
    for name in ENVIRONMENT:
        if name in environment:
            os.environ[name] = environment[name]
        else:
            os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="handout-job-") as folder:
        args = list(args)
        for position, data in inputs.items():
            path = Path(folder) / f"{position}.in"
            path.write_bytes(data)
            args[position] = str(path)
        for position in outputs:
            path = Path(folder) / f"{position}.part"
            path.touch()
            args[position] = str(path)
        try:
            result = call(function, output, *args)
        except InputError as error:
            return "input", error
        except RuntimeError as error:
            return "ours", str(error)
        return "ok", result, {position: Path(args[position]).read_bytes() for position in outputs}


def run_worker(url: str, burst: bool = False) -> int:
    """`handout worker`: take jobs from the queue until stopped (with `burst`, until the queue is empty)."""
    from rq import Worker

    connection = connect(url)
    if "weasyprint" in sys.modules:  # a work horse forked after it would share its state (WeasyPrint #684)
        raise RuntimeError("WeasyPrint was imported before the worker forks its work horses")
    worker = Worker([QUEUE_NAME], connection=connection, job_monitoring_interval=HEARTBEAT_SECONDS)
    worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
    return 0


# ---- in the submitting build --------------------------------------------------------------------------------

@dataclass
class _Sent:
    future: Future
    payload: tuple
    destinations: dict[int, Path]    # argument position -> where the submitter stages the bytes
    output: str
    job: object = None
    attempts: int = 0
    heartbeat: bytes | None = None
    seen: float = field(default_factory=time.monotonic)
    why: list[str] = field(default_factory=list)


class QueuePool:
    """The build's jobs on the queue, with the interface of a process pool (`submit` -> Future, `shutdown`).

    `folders`: where the build's files are (its output folder, its staging folder): an argument naming a file
    there is a file the job reads (sent as bytes) or, empty or missing, one it writes (brought back)."""

    def __init__(self, url: str, folders: tuple[Path, ...]):
        from rq import Queue

        self.url = url
        self.connection = connect(url)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)
        self.folders = tuple(Path(os.path.abspath(folder)) for folder in folders)
        self.busy = False
        self.notes: list[str] = []  # jobs made again, for the build's warnings
        self.sent: list[_Sent] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.environment = {name: os.environ[name] for name in ENVIRONMENT if name in os.environ}
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _ours(self, value) -> bool:
        return isinstance(value, str) and os.path.isabs(value) and any(
            Path(os.path.abspath(value)).is_relative_to(folder) for folder in self.folders)

    def submit(self, call, *args) -> Future:
        """`call` is pool._call: args are (the job's function, the output it is for, its arguments...)."""
        job_function, output, *job_args = args
        inputs, destinations = {}, {}
        for position, value in enumerate(job_args):
            if not self._ours(value):
                continue
            path = Path(value)
            if path.is_file() and path.stat().st_size > 0:
                inputs[position] = path.read_bytes()
            else:
                destinations[position] = path
        payload = (call, job_function, output, tuple(job_args), inputs, sorted(destinations), self.environment)
        sent = _Sent(Future(), payload, destinations, output)
        self.busy = True
        self._enqueue(sent)
        with self.lock:
            self.sent.append(sent)
        return sent.future

    def _enqueue(self, sent: _Sent) -> None:
        sent.attempts += 1
        sent.heartbeat, sent.seen = None, time.monotonic()
        sent.job = self.queue.enqueue(run_job, args=sent.payload, job_timeout=-1, result_ttl=600,
                                      failure_ttl=600, description=f"handout: {Path(sent.output).name}")

    def _watch(self) -> None:
        from redis.exceptions import RedisError

        while not self.stopping.wait(POLL_SECONDS):
            with self.lock:
                waiting = [sent for sent in self.sent if not sent.future.done()]
            for sent in waiting:
                try:
                    self._look(sent)
                except RedisError as error:
                    sent.future.set_exception(InputError(f"lost the queue's Redis at {self.url} ({error}): start "
                                                         "redis-server again and build again"))
                except Exception as error:  # our bug: the build says so rather than waiting for ever
                    sent.future.set_exception(RuntimeError(f"{type(error).__name__}: {error}"))

    def _look(self, sent: _Sent) -> None:
        from rq.job import JobStatus

        job = sent.job
        status = job.get_status(refresh=True) if self.connection.exists(job.key) else None
        if status == JobStatus.FINISHED:
            self._finished(sent, job.return_value())
        elif status in (None, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            result = job.latest_result() if status is not None else None
            self._again(sent, (getattr(result, "exc_string", None) or f"the job is {status or 'gone'}").strip())
        elif status == JobStatus.STARTED:
            beat = self.connection.hget(job.key, "last_heartbeat")
            if sent.heartbeat is None or beat != sent.heartbeat:
                sent.heartbeat, sent.seen = beat or b"started", time.monotonic()
            elif time.monotonic() - sent.seen > LOST_AFTER:
                self._again(sent, f"its worker sent no heartbeat for {LOST_AFTER} s")
        else:  # queued: waiting for a worker is not a failure
            sent.seen = time.monotonic()

    def _again(self, sent: _Sent, why: str) -> None:
        sent.why.append(why.splitlines()[-1] if why else "")
        try:
            sent.job.cancel()
        except Exception:
            pass  # a dead worker's job is left to expire
        if sent.attempts >= ATTEMPTS:
            sent.future.set_exception(RuntimeError(
                f"the job for {sent.output} failed on the queue's workers {sent.attempts} times: "
                + "; ".join(sent.why)))
            return
        self.notes.append(f"the job for {sent.output} was sent to the queue again ({sent.why[-1]})")
        self._enqueue(sent)

    def _finished(self, sent: _Sent, result) -> None:
        if not isinstance(result, tuple) or not result:
            self._again(sent, f"the job returned {type(result).__name__}")
            return
        if result[0] == "input":
            sent.future.set_exception(result[1])
        elif result[0] == "ours":
            sent.future.set_exception(RuntimeError(result[1]))
        else:
            _, value, files = result
            for position, path in sent.destinations.items():
                path.write_bytes(files[position])
            sent.future.set_result(value)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.stopping.set()
        self.watcher.join()
        with self.lock:
            left = [sent for sent in self.sent if not sent.future.done()]
        for sent in left:  # the build failed: nothing it waits for is left on the queue
            try:
                sent.job.cancel()
            except Exception:
                pass
            sent.future.cancel()
        self.connection.close()
