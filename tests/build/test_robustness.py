"""Builds that are killed, run twice at once, or fed generated chapters: nothing lost, never a traceback."""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import handout.app.progress  # noqa: F401  (imported now: its default stream is the session's, not one test's capsys)
from conftest import REPO, TEST_EPOCH, epubcheck, make_project, outputs, run_publish, snapshot


def _valid(project: Path) -> None:
    pdf, epub = outputs(project)
    assert len(PdfReader(pdf).pages) > 1
    assert epubcheck(epub) == []


@pytest.mark.slow
def test_a_build_killed_mid_write_leaves_the_previous_outputs_whole(mini_build, tmp_path):
    project = tmp_path / "killed"
    shutil.copytree(mini_build, project)
    before = snapshot(project / "dist")
    (project / "chapters" / "02-steps.md").write_text(
        (project / "chapters" / "02-steps.md").read_text() + "\nA new sentence for the next build.\n")
    killed_while_writing = False
    # Kills at fixed moments, then one as soon as a temporary file shows (on a loaded machine the fixed moments
    # can all come before the build starts writing).
    for delay in (0.3, 0.8, 1.5, 2.5, None):
        process = subprocess.Popen([sys.executable, str(REPO / "publish.py"), "--project", str(project)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + (delay if delay is not None else 300)
        while time.monotonic() < deadline and process.poll() is None:
            writing = any(p.name.endswith(".tmp") for p in (project / "dist").iterdir())
            killed_while_writing |= writing
            if writing and delay is None:
                break
            time.sleep(0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert snapshot(project / "dist").keys() >= before.keys()
            for name, content in before.items():
                current = (project / "dist" / name).read_bytes()
                assert current == content, name  # killed before the rename: the old file, whole
            _valid(project)
    assert killed_while_writing, "the kills landed while temporary files were being written"
    # The next build cleans up what the killed ones left and succeeds.
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert not any(p.name.endswith(".tmp") for p in (project / "dist").iterdir())
    _valid(project)


@pytest.mark.slow
def test_a_second_build_while_one_runs_is_told_to_wait(mini_build, tmp_path):
    from handout.build.outfolder import LOCK_NAME

    project = tmp_path / "locked"
    shutil.copytree(mini_build, project)
    with open(project / "dist" / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a build in progress holds
        before = snapshot(project / "dist")  # with the running build's lock file (it goes when that build ends)
        result = run_publish(project, "--force")
    assert result.returncode == 2
    assert "another build is writing to dist/" in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    assert snapshot(project / "dist") == before


def _command(project: Path, *args: str) -> tuple[list[str], dict]:
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    return [sys.executable, str(REPO / "publish.py"), "--project", str(project), *args], environment


@pytest.mark.slow
def test_a_build_started_while_another_writes_is_refused_and_the_first_finishes(mini_build, tmp_path):
    """Proven overlap: the second build starts after the first made its temporary files (which it does
    holding the lock) and ends before the first does."""
    project = tmp_path / "overlap"
    shutil.copytree(mini_build, project)
    dist = project / "dist"
    expected = set(snapshot(dist))
    command, environment = _command(project, "--force", "--jobs", "1")
    for _ in range(3):
        first = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while first.poll() is None and time.monotonic() < deadline and \
                not any(p.name.endswith(".tmp") for p in dist.iterdir()):
            time.sleep(0.01)
        second = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
        overlapped = first.poll() is None
        first_stderr = first.communicate(timeout=300)[1]
        if overlapped:
            break
    assert overlapped, "the first build ended before the second could start"
    assert first.returncode == 0, first_stderr
    assert second.returncode == 2, second.stderr
    assert "another build is writing to dist/" in second.stderr and "Traceback" not in second.stderr
    assert set(snapshot(dist)) == expected  # exactly the outputs: nothing half-written, nothing left over
    _valid(project)


@pytest.mark.slow
def test_two_builds_started_together_do_not_corrupt_each_other(mini_build, tmp_path):
    project = tmp_path / "together"
    shutil.copytree(mini_build, project)
    expected = set(snapshot(project / "dist"))
    command, environment = _command(project, "--force")
    first = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in (first, second)]
    assert any(code == 0 for code, _ in results)
    for code, stderr in results:
        assert code == 0 or (code == 2 and "another build is writing" in stderr), stderr
        assert "Traceback" not in stderr
    assert set(snapshot(project / "dist")) == expected
    _valid(project)


def _broken(*args, **kwargs):
    raise RuntimeError("a bug in the toolchain")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["handout.build.run.build", "handout.targets.pdf.job.render_print"])
@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_exits_1_with_one_line_and_the_trace_only_with_debug(where, debug, mini_build, tmp_path,
                                                                                 monkeypatch, capsys):
    """An error that is not the user's: in the command line's own process, or in a build job (whose error
    carries the job's trace in its message)."""
    import importlib

    from handout.app.cli import main

    project = tmp_path / "bug"
    shutil.copytree(mini_build, project)
    module, name = where.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(module), name, _broken)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TEST_EPOCH)
    status = main(["--project", str(project), *(["--debug"] if debug else []), "--force", "--jobs", "1"])
    stderr = capsys.readouterr().err
    assert status == 1
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("internal error: RuntimeError: ") and "a bug in the toolchain" in lines[-1]
    if debug:
        assert "Traceback" in stderr and "_broken" in stderr
    else:
        assert lines == [lines[-1]], stderr
        assert lines[-1].endswith("(run with --debug for the trace)")


# Generated chapters: Markdown building blocks, some of them broken, and random front matter.
WORDS = st.sampled_from(["care", "dose", "week", "you", "nurse", "plan", "sleep", "ask", "help", "safe"])
SENTENCE = st.lists(WORDS, min_size=2, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")
BLOCKS = st.one_of(
    SENTENCE,
    SENTENCE.map(lambda s: "## " + s.rstrip(".")),
    st.lists(SENTENCE, min_size=1, max_size=4).map(lambda items: "\n".join("- " + i for i in items)),
    st.lists(SENTENCE, min_size=1, max_size=3).map(lambda items: "\n".join(f"{n}. {i}" for n, i in
                                                                        enumerate(items, 1))),
    SENTENCE.map(lambda s: f"::: callout \"Note\"\n{s}\n:::"),
    SENTENCE.map(lambda s: f"::: warning\n{s}\n:::"),
    SENTENCE.map(lambda s: f"::: checklist\n- [ ] {s}\n:::"),
    SENTENCE.map(lambda s: f"| A | B |\n|---|---|\n| {s} | {s} |"),
    SENTENCE.map(lambda s: f"{s} [@guide]"),
    SENTENCE.map(lambda s: f"{s} [@nobody]"),
    st.just("See [the steps](02-steps.md#the-steps)."),
    st.just("See [nowhere](09-nowhere.md)."),
    st.just("![Three boxes in a row.](../assets/figures/steps.svg \"Steps.\")"),
    st.just("![](../assets/figures/steps.svg)"),
    st.just("::: key-points\n- unclosed box"),
    st.just("Text with <abbr title=\"Food and Drug Administration\">FDA</abbr> and H<sub>2</sub>O."),
    st.just("<script>alert(1)</script>"),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
FRONT_MATTER = st.fixed_dictionaries(
    {"title": st.one_of(SENTENCE, st.just(""), st.integers(), st.text(max_size=20))},
    optional={"short_title": SENTENCE, "summary": SENTENCE,
              "role": st.sampled_from(["chapter", "glossary", "appendix"]), "colour": st.just("blue")},
)


def _front_matter(data: dict) -> str:
    import yaml
    return "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"


@pytest.fixture(scope="module")
def base_project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("generated"))


CHECKED = {"epubs": 0}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=FRONT_MATTER, blocks=st.lists(BLOCKS, min_size=1, max_size=6))
def test_generated_chapters_build_or_fail_cleanly(base_project, tmp_path_factory, front, blocks):
    project = tmp_path_factory.mktemp("case")
    shutil.copytree(base_project, project, dirs_exist_ok=True)
    toml = project / "publish.toml"
    toml.write_text(toml.read_text().replace('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]',
                                             'editions = ["letter"]'))
    (project / "chapters" / "05-generated.md").write_text(_front_matter(front) + "\n\n".join(blocks) + "\n")
    result = run_publish(project)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        pdf, epub = outputs(project)
        assert len(PdfReader(pdf).pages) >= 1
        if CHECKED["epubs"] < 2:  # EPUBCheck takes seconds: validate a sample
            assert epubcheck(epub) == []
            CHECKED["epubs"] += 1
    else:
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and len(errors[0]) > 10, result.stderr
