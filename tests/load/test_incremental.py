"""Regenerating after edits: nothing changed renders nothing; a change rebuilds what depends on it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, TEST_EPOCH, run_publish, snapshot

NAMES = {"letter": "ketamine-handout.pdf", "a4": "ketamine-handout-a4.pdf",
         "large-print": "ketamine-handout-large-print.pdf", "booklet": "ketamine-handout-booklet.pdf",
         "sheet": "ketamine-handout-sheet.pdf", "large-print-sheet": "ketamine-handout-large-print-sheet.pdf",
         "epub": "ketamine-handout.epub", "web": "index.html"}


@pytest.fixture
def project(mini_build, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(mini_build, copy)
    result = run_publish(copy)  # the copy's first build: its own paths, its own state
    assert result.returncode == 0, result.stderr
    return copy


def rebuilt(result) -> set[str]:
    return {name for name, file in NAMES.items() if f"/{file} (" in result.stdout}


@pytest.mark.slow
def test_an_unchanged_rebuild_renders_nothing_and_keeps_the_bytes(project):
    before = snapshot(project / "dist")
    code = ("import sys; from pathlib import Path; from handout.build.run import build; "
            f"report = build(Path({str(project)!r})); "
            "print(len(report.outputs), len(report.up_to_date), 'weasyprint' in sys.modules, "
            "'handout.load.book' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH})
    assert result.stdout.split() == ["0", str(len(NAMES)), "False", "False"], result.stderr
    assert snapshot(project / "dist") == before
    cli = run_publish(project)
    assert cli.returncode == 0 and f"Everything is up to date ({len(NAMES)} outputs)" in cli.stdout


@pytest.mark.slow
def test_editing_one_chapter_rebuilds_every_output(project):
    chapter = project / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nOne more plain sentence.\n")
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert rebuilt(result) == set(NAMES)
    assert "read chapters" in result.stdout


@pytest.mark.slow
def test_an_unchanged_chapter_is_not_converted_again(project):
    from handout.load.book import load_book
    from handout.config.settings import load_config
    import handout.load.book as book_module

    calls = []
    original = book_module.convert_chapter
    book_module.convert_chapter = lambda *args: calls.append(args[0].name) or original(*args)
    try:
        chapter = project / "chapters" / "02-steps.md"
        chapter.write_text(chapter.read_text() + "\nOne more plain sentence.\n")
        load_book(load_config(project))
    finally:
        book_module.convert_chapter = original
    assert calls == ["02-steps.md"]


@pytest.mark.slow
def test_a_layout_change_rebuilds_and_shows(project):
    partial = project / "layouts" / "partials" / "back_page.html"
    partial.write_text(partial.read_text().replace('{{ t("headings.about") }}</h2>', "About this booklet</h2>"))
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert rebuilt(result) == set(NAMES)


@pytest.mark.slow
@pytest.mark.parametrize("sheet, output", [("epub.css", "epub"), ("web.css", "web")])
def test_a_targets_own_stylesheet_change_rebuilds_only_that_output(project, sheet, output):
    css = project / "assets" / "css" / sheet
    css.write_text(css.read_text() + "\n.summary { font-style: normal; }\n")
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert rebuilt(result) == {output}
    assert "lay out" not in result.stdout  # the printed pages' first words came from the cache


@pytest.mark.slow
def test_an_edition_stylesheet_change_rebuilds_only_that_edition(project):
    css = project / "assets" / "css" / "editions" / "a4.css"
    css.write_text(css.read_text() + "\nh2 { letter-spacing: 0.01em; }\n")
    result = run_publish(project)
    assert rebuilt(result) == {"a4"}
    # The large-print sheet is laid out over large print's stylesheet (editions.py: its layers): both rebuild.
    css = project / "assets" / "css" / "editions" / "large-print.css"
    css.write_text(css.read_text() + "\nh2 { letter-spacing: 0.01em; }\n")
    result = run_publish(project)
    assert rebuilt(result) == {"large-print", "large-print-sheet"}


@pytest.mark.slow
def test_deleting_the_cache_rebuilds_the_same_bytes(project):
    before = snapshot(project / "dist")
    shutil.rmtree(project / ".cache")
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    assert rebuilt(result) == set(NAMES)
    assert snapshot(project / "dist") == before


@pytest.mark.slow
def test_a_changed_output_file_is_rebuilt(project):
    (project / "dist" / "ketamine-handout-a4.pdf").write_bytes(b"damaged")
    result = run_publish(project)
    assert rebuilt(result) == {"a4"}


@pytest.mark.slow
def test_serial_and_parallel_builds_make_the_same_files(project, tmp_path):
    serial = run_publish(project, "--force", "--jobs", "1")
    first = snapshot(project / "dist")
    parallel = run_publish(project, "--force", "--jobs", "2")
    assert serial.returncode == parallel.returncode == 0
    assert snapshot(project / "dist") == first


@pytest.mark.slow
def test_plain_progress_lines_when_not_a_terminal(project):
    result = run_publish(project, "--force")
    assert "  building PDF letter ..." in result.stdout
    assert re_search(r"  built EPUB in \d+\.\d\d s", result.stdout)
    assert "timings:" in result.stdout


def re_search(pattern, text):
    import re
    return re.search(pattern, text)


@pytest.mark.slow
def test_the_build_state_lives_in_the_git_ignored_cache(project):
    signature, payload = (project / ".cache" / "build.json").read_text().split("\n", 1)  # signed JSON
    state = json.loads(payload)
    assert len([path for path in state["outputs"] if path.startswith(str(project))]) == len(NAMES)
    assert ".cache/" in (REPO / ".gitignore").read_text().split()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["folder", "broken link", "link outside"])
def test_a_new_entry_named_like_a_chapter_is_looked_at_not_called_up_to_date(project, tmp_path, kind):
    entry = project / "chapters" / "05-new.md"
    if kind == "folder":
        entry.mkdir()
    elif kind == "broken link":
        entry.symlink_to(project / "chapters" / "gone.md")
    else:
        secret = tmp_path / "outside.md"
        secret.write_text("---\ntitle: Outside\n---\nNot part of the project.\n")
        entry.symlink_to(secret)
    before = snapshot(project / "dist")
    result = run_publish(project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "chapters/05-new.md" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(project / "dist") == before
