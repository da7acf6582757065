"""The installed `handout` command (pyproject.toml's [project.scripts]) says a no-op from its stamp before anything
costly is imported, as publish.py does, and hands everything it cannot vouch for to the real command line."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, last_build_outputs, make_project

# Run in a fresh process, as the installed command starts: the console script's target, found in pyproject.toml,
# called with the command line's words; then what it imported, written to a file.
ENTRY = """
import importlib, json, sys
target, argv, report = json.loads(sys.argv[1])
module, _, function = target.partition(":")
sys.argv = ["handout", *argv]
try:
    status = getattr(importlib.import_module(module), function)()
except SystemExit as exit:
    status = exit.code
with open(report, "w") as handle:
    json.dump(sorted(sys.modules), handle)
sys.exit(status)
"""
# The stamp a build that made nothing leaves (its outputs, its build state), kept from a process started the same
# way, so that it looked at the same folders of installed libraries.
RECORD = """
import json, sys
from handout.app import noop
argv, outputs, dist = json.loads(sys.argv[1])
noop.record(noop.snapshot(argv), outputs, dist, ["Everything is up to date (2 outputs): nothing was rebuilt."],
            ["warning: a warning of that build"])
"""
COSTLY = ("weasyprint", "jinja2", "markdown", "ebooklib", "pyphen", "handout.app.cli", "handout.build.run",
          "handout.check", "handout.load.book")
ARGV = ["build", "--jobs", "1"]


def _script_target() -> str:
    with open(REPO / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["scripts"]["handout"]


def _run(project: Path, code: str, *words) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, json.dumps(words)], cwd=project, capture_output=True,
                          text=True, timeout=300)


def _command(project: Path, argv: list[str]) -> tuple[subprocess.CompletedProcess, set[str]]:
    report = project.parent / "imported.json"
    result = _run(project, ENTRY, _script_target(), argv, str(report))
    return result, set(json.loads(report.read_text())) if report.exists() else set()


@pytest.fixture()
def stamped(tmp_path) -> Path:
    project = make_project(tmp_path / "mini")
    outputs = last_build_outputs(project)
    recorded = _run(project, RECORD, ARGV, outputs, str(project / "dist"))
    assert recorded.returncode == 0, recorded.stderr
    assert list((project / ".cache" / "noop").glob("*.json")), "no stamp was kept"
    return project


@pytest.mark.slow
def test_the_installed_command_says_a_no_op_without_importing_the_build(stamped):
    assert _script_target() == "handout.app.entry:main"  # the same start as publish.py's
    result, imported = _command(stamped, ARGV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Everything is up to date (2 outputs): nothing was rebuilt.\ntimings:\n")
    assert "check what changed (no-op stamp)" in result.stdout
    assert result.stderr == "warning: a warning of that build\n"
    assert imported, "the command did not say what it imported"
    assert not {name for name in imported if name.split(".")[0] in COSTLY or name in COSTLY}, sorted(imported)


@pytest.mark.slow
def test_what_the_stamp_cannot_vouch_for_goes_to_the_real_command_line(stamped):
    # An option the fast path does not know: the real command line says what is wrong with it.
    result, imported = _command(stamped, [*ARGV, "--no-such-option"])
    assert result.returncode == 2 and "--no-such-option" in result.stderr, result.stderr
    assert "handout.app.cli" in imported and "check what changed" not in result.stdout
    # A chapter added since the stamp: the real build reads it, and refuses it as it always does (exit 2, the
    # file named, dist/ untouched).
    before = {path.name: path.read_bytes() for path in (stamped / "dist").iterdir()}
    (stamped / "chapters" / "09-added.md").write_bytes(b"# Added\n\nNot UTF-8: \xff\xfe\n")
    result, imported = _command(stamped, ARGV)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "09-added.md" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "handout.build.run" in imported and "check what changed" not in result.stdout
    assert {path.name: path.read_bytes() for path in (stamped / "dist").iterdir()} == before
