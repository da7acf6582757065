"""The build's jobs on RQ workers over Redis: a Debian redis-server on a free loopback port and two `handout worker`
processes; outputs byte-identical to a local build, a worker killed with SIGKILL mid-job, bad input and Redis down
reported as a local build reports them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH, make_project, run_publish
from handout.app.cli import main
from librarytools import built_library, library_sources, output_files

EDITIONS = ("--edition", "letter", "--edition", "booklet")  # a layout, a job that needs it, the EPUB and web page


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}


@pytest.fixture
def redis_url():
    """A redis-server of its own on a free loopback port, keeping nothing on disk; stopped after the test."""
    if not Path("/usr/bin/redis-server").exists():
        pytest.fail("redis-server is missing (scripts/system-deps.sh --test installs it)")
    port = _free_port()
    server = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--daemonize", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        from redis import Redis

        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(url).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _start_workers(url: str, count: int = 2) -> list[subprocess.Popen]:
    # Each in a session of its own: killing its group kills the worker and the work horse it forked.
    return [subprocess.Popen([sys.executable, str(REPO / "publish.py"), "worker", "--queue", url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
            for _ in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
            horses = children.read_text().split() if children.exists() else []
            os.killpg(worker.pid, signal.SIGKILL)
            for horse in horses:  # a work horse has a process group of its own
                try:
                    os.kill(int(horse), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        worker.wait(timeout=10)


@pytest.fixture
def workers(redis_url):
    started = _start_workers(redis_url)
    yield started
    _stop(started)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The project and its local build."""
    base = tmp_path_factory.mktemp("queue")
    project = make_project(base / "project")
    local = run_publish(project, "build", *EDITIONS, "--out", str(base / "local"))
    assert local.returncode == 0, local.stderr
    return project, base / "local"


@pytest.mark.slow
def test_two_workers_build_what_a_local_build_makes_byte_for_byte(reference, redis_url, workers, tmp_path):
    project, local = reference
    result = run_publish(project, "build", *EDITIONS, "--queue", redis_url, "--out", str(tmp_path / "queued"))
    assert result.returncode == 0, result.stderr
    assert _files(tmp_path / "queued") == _files(local)
    assert len(_files(local)) == 4
    assert "write PDF letter" in result.stdout and "impose booklet" in result.stdout
    for worker in workers:  # WeasyPrint (and Pango with it) was loaded in the work horses, never in a worker
        maps = Path(f"/proc/{worker.pid}/maps").read_text()
        assert "libpango" not in maps and worker.poll() is None


@pytest.mark.slow
def test_two_workers_build_the_test_library_as_a_local_build_does(redis_url, workers, tmp_path_factory, tmp_path):
    """The library's one plan through the queue: every handout's outputs, the catalog pages, the feeds and the
    bundle byte for byte what a local build of the same library makes."""
    local = built_library(tmp_path_factory)
    library = library_sources(local, tmp_path / "library")
    result = run_publish(library, "build", "--queue", redis_url)
    assert result.returncode == 0, result.stderr
    made = output_files(library / "dist")
    assert made == output_files(local / "dist")
    assert len([name for name in made if name.endswith((".pdf", ".epub"))]) == 3 * 2 * 2 * 2
    assert {"index.html", "es-US/index.html", "opds/index.xml", "fhir/bundle.json"} <= set(made)
    assert "36 outputs written" in result.stdout
    from redis import Redis
    from rq import Worker

    done = {worker.pid: worker.successful_job_count for worker in Worker.all(connection=Redis.from_url(redis_url))}
    assert sum(done.values()) >= 36 and all(done.get(worker.pid) for worker in workers), done  # the workers made them
    for worker in workers:
        assert worker.poll() is None
        assert "libpango" not in Path(f"/proc/{worker.pid}/maps").read_text()


@pytest.mark.slow
def test_a_worker_killed_mid_job_has_its_job_made_again(reference, redis_url, tmp_path):
    from redis import Redis
    from rq import Worker

    project, local = reference
    started = _start_workers(redis_url)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    build = subprocess.Popen([sys.executable, str(REPO / "publish.py"), "--project", str(project), "build",
                              *EDITIONS, "--queue", redis_url, "--out", str(tmp_path / "queued")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    killed = None
    try:
        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline:  # a worker in the middle of a job: kill it
            for worker in Worker.all(connection=connection):
                if worker.get_current_job_id() and worker.pid in {p.pid for p in started}:
                    time.sleep(1)  # well into the job (its work horse is laying out)
                    # The worker and its work horse (RQ puts the horse in a process group of its own): as when
                    # the machine dies, neither finishes the job.
                    horses = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
                    os.kill(worker.pid, signal.SIGKILL)
                    for horse in horses:
                        os.kill(int(horse), signal.SIGKILL)
                    killed = worker.pid
                    break
            time.sleep(0.1)
        assert killed is not None, "no worker took a job"
        out, err = build.communicate(timeout=300)
    finally:
        if build.poll() is None:
            build.kill()
        _stop(started)
    assert build.returncode == 0, err
    assert "was sent to the queue again" in err, err  # the killed worker's job
    assert _files(tmp_path / "queued") == _files(local)  # whole, and the same


@pytest.mark.slow
def test_bad_input_through_the_queue_is_the_local_builds_message(redis_url, workers, tmp_path):
    project = make_project(tmp_path / "project")
    chapter = project / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\n![A missing figure.](../assets/figures/missing.svg)\n")
    local = run_publish(project, "build", *EDITIONS, "--out", str(tmp_path / "local"))
    queued = run_publish(project, "build", *EDITIONS, "--queue", redis_url, "--out", str(tmp_path / "queued"))
    assert local.returncode == queued.returncode == 2
    assert "02-steps.md" in local.stderr
    assert queued.stderr == local.stderr
    assert not (tmp_path / "queued").exists() or not _files(tmp_path / "queued")


def test_redis_down_is_exit_2_naming_the_address_quickly(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    address = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    start = time.monotonic()
    assert main(["--project", str(project), "build", "--queue", address]) == 2
    elapsed = time.monotonic() - start
    error = capsys.readouterr().err
    assert address in error and "redis-server" in error, error
    assert elapsed < 5, elapsed
    assert not (project / "dist").exists()
    assert main(["worker", "--queue", address]) == 2
    assert address in capsys.readouterr().err
