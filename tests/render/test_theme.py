"""The built-in theme and `new`: a project of only publish.toml and chapters/ builds, a project's file overrides
the theme's file of the same path, and nothing outside the project but the theme is read."""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH, epubcheck, pdf_text, run_publish
from handout.core.errors import InputError
from handout.app.scaffold import add_months, new_project
from handout.core.theme import find, theme_folder


def _new(tmp_path: Path, title: str = "Sleep After Surgery") -> Path:
    folder = tmp_path / "my-handout"
    result = run_publish(tmp_path, "new", str(folder), "--title", title)
    assert result.returncode == 0, result.stderr
    assert "Next:" in result.stdout and "check" in result.stdout and "build" in result.stdout
    return folder


@pytest.mark.slow
def test_new_makes_a_project_that_builds_with_the_built_in_theme(tmp_path):
    project = _new(tmp_path)
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        "chapters/01-key-points.md", "chapters/02-what-to-do.md", "chapters/03-sources.md", "chapters/jargon.txt",
        "chapters/references.yaml", "publish.toml"]
    config = (project / "publish.toml").read_text()
    assert re.search(r'identifier = "urn:uuid:[0-9a-f-]{36}"', config)
    today = dt.datetime.fromtimestamp(int(TEST_EPOCH), dt.timezone.utc).date()
    assert f"last_reviewed = {today.isoformat()}" in config
    assert f"next_review_due = {add_months(today, 12).isoformat()}" in config
    result = run_publish(project, "check", "--strict")
    assert result.returncode == 0, result.stdout
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    pdf, epub = project / "dist" / "sleep-after-surgery.pdf", project / "dist" / "sleep-after-surgery.epub"
    assert "Sleep After Surgery" in pdf_text(pdf) and "Questions to ask your care team" in pdf_text(pdf)
    assert epubcheck(epub) == []
    assert not (project / "layouts").exists() and not (project / "assets").exists()


def test_two_new_projects_get_different_identifiers(tmp_path):
    first, second = new_project(tmp_path / "a"), new_project(tmp_path / "b")
    assert first[0].read_text() != second[0].read_text()
    ids = {re.search(r"urn:uuid:[0-9a-f-]+", p[0].read_text()).group() for p in (first, second)}
    assert len(ids) == 2


@pytest.mark.slow
def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = run_publish(tmp_path, "new", str(tmp_path / "busy"))
    assert result.returncode == 2 and "not empty" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]
    with pytest.raises(InputError):
        new_project(tmp_path / "x", review_months=0)


def test_the_review_cycle_is_configurable_and_month_ends_are_kept_real():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2026, 12, 1), 6) == dt.date(2027, 6, 1)


@pytest.mark.slow
def test_a_project_file_overrides_the_theme_file_of_the_same_path_in_both_outputs(tmp_path):
    project = _new(tmp_path)
    partial = project / "layouts" / "partials" / "clinic.html"
    partial.parent.mkdir(parents=True)
    partial.write_text((theme_folder() / "layouts" / "partials" / "clinic.html").read_text()
                       .replace("<p class=\"clinic-name\">", "<p class=\"clinic-name\">Overridden: ", 1))
    assert "Overridden: " in partial.read_text()
    sheet = project / "assets" / "css" / "base.css"
    sheet.parent.mkdir(parents=True)
    sheet.write_text((theme_folder() / "assets" / "css" / "base.css").read_text()
                     + "\n.clinic-name { letter-spacing: 0.31em; }\n")
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    pdf, epub = project / "dist" / "sleep-after-surgery.pdf", project / "dist" / "sleep-after-surgery.epub"
    text = pdf_text(pdf)
    assert "Overridden:" in re.sub(r"\s+", "", text)  # the template
    assert "S a m p l e  C l i n i c" in text  # the stylesheet's letter spacing, which text extraction shows as spaces
    with zipfile.ZipFile(epub) as archive:
        assert b"Overridden: " in archive.read("EPUB/title.xhtml")
        assert b"letter-spacing: 0.31em" in archive.read("EPUB/assets/css/base.css")
    # The theme's other files are still used: the print stylesheet, the EPUB's own.
    with zipfile.ZipFile(epub) as archive:
        assert archive.read("EPUB/assets/css/epub.css") == (theme_folder() / "assets/css/epub.css").read_bytes()


@pytest.mark.slow
def test_an_edit_to_an_override_rebuilds_and_removing_it_falls_back_to_the_theme(tmp_path):
    project = _new(tmp_path)
    assert run_publish(project, "--no-pdf").returncode == 0
    sheet = project / "assets" / "css" / "epub.css"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("body { margin: 0 2em; }\n")
    result = run_publish(project, "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert "EPUB: up to date" not in result.stdout and "Everything is up to date" not in result.stdout
    epub = project / "dist" / "sleep-after-surgery.epub"
    with zipfile.ZipFile(epub) as archive:
        assert archive.read("EPUB/assets/css/epub.css") == b"body { margin: 0 2em; }\n"
    sheet.unlink()
    assert run_publish(project, "--no-pdf").returncode == 0
    with zipfile.ZipFile(epub) as archive:
        assert archive.read("EPUB/assets/css/epub.css") == (theme_folder() / "assets/css/epub.css").read_bytes()


@pytest.mark.slow
def test_the_sandbox_admits_the_theme_and_nothing_else_outside_the_project(tmp_path):
    from handout.core.sandbox import Sandbox

    project = _new(tmp_path)
    sandbox = Sandbox(project)
    assert sandbox.allows(find(project, "layouts/base.html"))
    assert find(project, "layouts/base.html") == theme_folder() / "layouts" / "base.html"
    assert not sandbox.allows(REPO / "publish.toml") or REPO.resolve() == project.resolve()
    assert not sandbox.allows(tmp_path / "elsewhere.txt")
    # A layout of the project that links out of it is still refused, theme or not.
    (tmp_path / "outside.html").write_text("{{ config.title }}")
    (project / "layouts" / "partials").mkdir(parents=True)
    (project / "layouts" / "partials" / "clinic.html").symlink_to(tmp_path / "outside.html")
    result = run_publish(project)
    assert result.returncode == 2 and "layouts/partials/clinic.html" in result.stderr and "outside" in result.stderr


def test_the_repository_sample_is_its_own_theme():
    assert theme_folder().resolve() in {REPO.resolve(), (REPO / "handout" / "builtin_theme").resolve()}
    assert find(REPO, "assets/css/base.css") == REPO / "assets" / "css" / "base.css"
