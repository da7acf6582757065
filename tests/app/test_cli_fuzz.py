"""The command line, fuzzed: random combinations of the real flags with odd values, subcommands and unknown
flags, against real projects and odd places. Never an internal error (exit 1) or a traceback, never a
server left running, and the project's sources are never written to."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, TEST_EPOCH, make_project, snapshot

pytestmark = pytest.mark.slow  # about 30-60 s: each example is a process


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """A scratch folder (the processes' current folder) with a built project and odd places beside it."""
    scratch = tmp_path_factory.mktemp("fuzz")
    good = make_project(scratch / "good")
    toml = good / "publish.toml"
    toml.write_text(toml.read_text().replace('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]',
                                             'editions = ["letter"]'))
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    built = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(good)], cwd=scratch,
                           capture_output=True, text=True, env=environment, timeout=300)
    assert built.returncode == 0, built.stderr
    (scratch / "empty").mkdir()
    (scratch / "a file").write_text("not a project\n")
    (scratch / "broken").mkdir()
    (scratch / "broken" / "publish.toml").write_text("title = [\n")
    (scratch / "loop").symlink_to(scratch / "loop")
    (scratch / "to-chapters").symlink_to(good / "chapters")
    (scratch / "downloads").mkdir()
    (scratch / "downloads" / "ketamine-handout.pdf").write_bytes(b"a user's own copy\n")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    yield scratch, good, busy.getsockname()[1]
    busy.close()


ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).map(
    lambda text: "./" + text.replace("..", "__").lstrip("/~"))  # stays inside the scratch folder
PROJECTS = st.one_of(st.sampled_from(["good", "good", "good", "empty", "a file", "broken", "missing", "loop", "",
                                      "good/chapters", "/proc/self/nonexistent", "x" * 300]), ODD_TEXT)
OUTS = st.one_of(st.sampled_from([".", "good", "good/chapters", "good/chapters/x", "good/layouts", "good/assets",
                                  "good/.cache", "good/dist", "good/publish.toml", "to-chapters", "loop",
                                  "downloads", "a file", "/proc/handout", "/dev/null", "x" * 300,
                                  "new/" + "y" * 256, "out é ü", "good/dist/../assets"]), ODD_TEXT)
EDITIONS = st.sampled_from(["letter", "a4", "large-print", "booklet", "press", "tabloid", ""])
JOBS = st.sampled_from(["1", "2", "0", "-3", "99999999999999999999", "two", "1.5", ""])
BAD_PORTS = st.sampled_from(["-1", "65536", "99999999999999999999", "http", "", "busy"])
UNKNOWN = st.sampled_from(["--outt", "-x", "--edition=", "--project", "--no-pdfs", "--strict", "--port", "extra"])


@st.composite
def command_lines(draw):
    argv = []
    if draw(st.booleans()):
        argv += ["--project", draw(PROJECTS)]
    if draw(st.integers(0, 4)) == 0:
        argv.append("--debug")
    command = draw(st.sampled_from(["", "build", "build", "check", "watch", "bulid"]))
    if command:
        argv.append(command)
    if command == "check":
        argv += draw(st.lists(st.sampled_from(["--strict", "--format=json", "--format", "text", "--format=xml"]),
                              max_size=3))
    elif command == "watch":
        if draw(st.booleans()):
            argv += ["--out", draw(OUTS)]
    else:
        flags = draw(st.lists(st.sampled_from(["--out", "--no-pdf", "--no-epub", "--edition", "--paper", "--jobs",
                                               "--force", "--draft"]), max_size=5))
        for flag in flags:
            argv.append(flag)
            argv += {"--out": [draw(OUTS)], "--edition": [draw(EDITIONS)], "--jobs": [draw(JOBS)],
                     "--paper": [draw(st.sampled_from(["letter", "a4", "a5"]))]}.get(flag, [])
    if draw(st.integers(0, 5)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(UNKNOWN))
    if command == "watch":
        argv += ["--port", draw(BAD_PORTS)]  # last, so it wins: watch fails fast, no server keeps running
    return argv


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_the_command_line_never_ends_in_an_internal_error(places, argv):
    scratch, good, busy_port = places
    argv = [str(busy_port) if value == "busy" else value for value in argv]
    sources = {name: snapshot(good / name) for name in ("chapters", "layouts", "assets")}
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    try:
        result = subprocess.run([sys.executable, str(REPO / "publish.py"), *argv], cwd=scratch, capture_output=True,
                                text=True, env=environment, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"publish.py {argv} did not end within 120 s")
    shown = f"publish.py {argv}\nstdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, shown
    # `check` exits 1 when the handout has error-level findings; everything else 1 is an internal error.
    allowed = {0, 1, 2} if "check" in argv and "build" not in argv else {0, 2}
    assert result.returncode in allowed, shown
    if result.returncode == 2:  # `check` reports bad input in its report, on stdout
        assert "error: " in result.stderr or "usage: " in result.stderr or "check" in argv, shown
    for name, before in sources.items():
        assert snapshot(good / name) == before, f"{shown}\n{name}/ was written to"
    for leftover in scratch.rglob(".handout-tmp-*"):
        shutil.rmtree(leftover)
        pytest.fail(f"{shown}\na staging folder was left: {leftover}")


@pytest.mark.slow
@pytest.mark.parametrize("port", ["-1", "65536"])
def test_watch_with_a_port_out_of_range_fails_fast(places, port):
    scratch, good, _ = places
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(good), "watch", "--port", port],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"error: --port {port} is not a port: use one from 1 to 65535, or 0 for any free port"


@pytest.mark.slow
def test_a_reader_that_goes_away_is_not_an_internal_error(places):
    """`publish.py check | head -1`: the pipe closes while the report is printed."""
    scratch, good, _ = places
    read, write = os.pipe()
    os.close(read)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    try:
        result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(good), "check"],
                                stdout=write, stderr=subprocess.PIPE, text=True, env=environment, timeout=120)
    finally:
        os.close(write)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""


@pytest.mark.slow
def test_a_current_folder_that_was_deleted_is_exit_2(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    for command in ("build", "check"):
        result = subprocess.run(["sh", "-c", f'cd "{gone}" && rmdir "{gone}" && exec "$0" "$1" {command}',
                                 sys.executable, str(REPO / "publish.py")], capture_output=True, text=True,
                                env=environment, timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == ("error: .: the current folder no longer exists: change to the project "
                                         "folder, or name it with --project")
        gone.mkdir()
