"""The toolchain end to end, checked on real outputs: EPUBCheck, PDF text and metadata."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from pypdf import PdfReader

from conftest import REPO, epubcheck, make_project, outputs, pdf_text, run_publish, snapshot


@pytest.mark.slow
def test_epub_passes_epubcheck_with_no_errors_or_warnings(mini_build):
    _, epub = outputs(mini_build)
    assert epubcheck(epub) == []


@pytest.mark.slow
def test_pdf_text_has_title_and_chapter_titles_in_order(mini_build):
    pdf, _ = outputs(mini_build)
    pages = [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(pdf).pages]
    assert "Ketamine, Esketamine and Antidepressants" in pages[0]
    body = " ".join(pages[1:])
    # Each title is found after the one before it, in both the contents (if printed) and the chapters.
    position = 0
    for title in ["Welcome to the test handout", "The steps to follow", "Words to know", "Sources"]:
        position = body.find(title, position)
        assert position >= 0, title


@pytest.mark.slow
def test_pdf_metadata_carries_title_author_and_language(mini_build):
    pdf, _ = outputs(mini_build)
    reader = PdfReader(pdf)
    assert reader.metadata.title == "Ketamine, Esketamine and Antidepressants"
    assert reader.metadata.author == "Handout editorial team"
    assert str(reader.trailer["/Root"]["/Lang"]) == "en-US"


@pytest.mark.slow
def test_body_font_is_embedded_in_both_outputs(mini_build):
    pdf, epub = outputs(mini_build)
    fonts = {str(f["/BaseFont"]) for page in PdfReader(pdf).pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts and all("Atkinson-Hyperlegible" in name for name in fonts), fonts
    names = zipfile.ZipFile(epub).namelist()
    assert "EPUB/assets/fonts/AtkinsonHyperlegible-Regular.ttf" in names


@pytest.mark.slow
def test_cross_chapter_links_work_in_both_outputs(mini_build):
    pdf, epub = outputs(mini_build)
    with zipfile.ZipFile(epub) as archive:
        welcome = archive.read("EPUB/welcome.xhtml").decode()
        steps = archive.read("EPUB/steps.xhtml").decode()
    assert 'href="steps.xhtml#steps--the-steps"' in welcome
    assert 'id="steps--the-steps"' in steps
    reader = PdfReader(pdf)
    targets = {str(a.get("/Dest")) for page in reader.pages for a in
               (annot.get_object() for annot in page.get("/Annots") or [])}
    assert "steps--the-steps" in targets


@pytest.mark.slow
def test_a_shared_partial_change_shows_in_both_outputs(tmp_path):
    project = make_project(tmp_path / "project")
    partial = project / "layouts" / "partials" / "chapter.html"
    text = partial.read_text()
    partial.write_text(text.replace('<h1 class="chapter-title"',
                                    '<p class="marker">Shared partial marker</p>\n<h1 class="chapter-title"', 1))
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    pdf, epub = outputs(project)
    assert pdf_text(pdf).count("Shared partial marker") == 4
    with zipfile.ZipFile(epub) as archive:
        assert "Shared partial marker" in archive.read("EPUB/welcome.xhtml").decode()


@pytest.mark.slow
def test_two_builds_are_byte_identical(mini_build, tmp_path):
    project = tmp_path / "again"
    shutil.copytree(mini_build, project)
    first = snapshot(project / "dist")
    result = run_publish(project, "--force")  # really made again, not skipped as up to date
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("wrote ") == len([name for name in first if not name.startswith(".")])
    assert snapshot(project / "dist") == first


@pytest.mark.slow
def test_two_builds_without_source_date_epoch_are_byte_identical_and_dated_by_the_review(tmp_path):
    project = make_project(tmp_path / "project")
    toml = project / "publish.toml"
    # The review gate compares the next review with today's date: far enough ahead that it never fails.
    toml.write_text(re.sub(r"next_review_due = .*", "next_review_due = 2999-01-01", toml.read_text()))
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    command = [sys.executable, str(REPO / "publish.py"), "--project", str(project)]
    first = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
    assert first.returncode == 0, first.stderr
    built = snapshot(project / "dist")
    again = subprocess.run([*command, "--force"], capture_output=True, text=True, env=environment, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "wrote " in again.stdout
    assert snapshot(project / "dist") == built
    pdf, epub = outputs(project)
    assert PdfReader(pdf).metadata["/CreationDate"].startswith("D:20261101")  # review.last_reviewed
    assert "<dc:date>2026-11-01</dc:date>" in zipfile.ZipFile(epub).read("EPUB/content.opf").decode()


@pytest.mark.slow
def test_source_date_epoch_sets_the_dates(tmp_path):
    project = make_project(tmp_path / "project")
    result = run_publish(project, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    pdf, epub = outputs(project)
    assert PdfReader(pdf).metadata["/CreationDate"].startswith("D:20231114")
    opf = zipfile.ZipFile(epub).read("EPUB/content.opf").decode()
    assert "2023-11-14T22:13:20Z" in opf


@pytest.mark.slow
def test_build_prints_outputs_page_count_and_timings(mini_build, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(mini_build, project)
    result = run_publish(project)
    assert re.search(r"wrote .*ketamine-handout\.pdf \(\d+ pages", result.stdout)
    assert "ketamine-handout.epub" in result.stdout
    assert re.search(r"write PDF letter\s+\d+\.\d\d s", result.stdout)


def _commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """(the words that reach a command, its parser), for the top level and every subcommand."""
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*words, name))


@pytest.mark.slow
def test_help_documents_every_option():
    from handout.app.cli import parser

    checked = 0
    for words, command in _commands(parser()):
        shown = run_publish(REPO, *words, "--help")
        assert shown.returncode == 0, shown.stderr
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name in action.choices:
                    assert re.search(rf"^\s+{name}\s", shown.stdout, re.M), (words, name)
                continue
            assert action.help and action.help != argparse.SUPPRESS, (words, action.option_strings)
            for option in action.option_strings:
                assert re.search(rf"(^|[\s,]){re.escape(option)}\b", shown.stdout), (words, option)
                checked += 1
    assert checked > 15


def test_without_source_date_epoch_the_date_is_the_last_review(monkeypatch):
    from handout.load.book import build_date
    from handout.config.settings import load_config

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    config = load_config(REPO)
    assert build_date(config).date() == config.review.last_reviewed
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_date(config).isoformat() == "2023-11-14T22:13:20+00:00"
