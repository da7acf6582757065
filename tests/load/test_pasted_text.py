"""Text pasted from a word processor (tests/fixtures/pasted: CRLF line ends, curly quotes, non-breaking spaces,
`•` and `•<tab>` bullets, `1)<tab>` numbering, tab-indented lines, `[@a, @b]`): real lists, no code, the
citations read, and what was made of each line reported by `check` at its line, with its code and level."""
from __future__ import annotations

import pytest

import datetime as dt
import re
import subprocess
import zipfile

import pikepdf

from conftest import FIXTURES, make_project, outputs, run_publish
from handout.load.book import load_book
from handout.check import check_project
from handout.config.settings import load_config

PASTED = "chapters/02-pasted.md"


def test_the_fixture_is_pasted_text():
    raw = (FIXTURES / "pasted" / PASTED).read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 10
    text = raw.decode()
    assert all(mark in text for mark in ("\u201c", "\u00a0", "\u2022 ", "\u2022\t", "1)\t", "\n\t", "[@a, @b]"))


def test_pasted_lines_load_as_lists_paragraphs_and_citations(tmp_path):
    book = load_book(load_config(make_project(tmp_path / "p", "pasted")), use_cache=False)
    html = "".join(block.html for block in book.chapters[1].blocks)
    assert re.findall(r"<li>([^<]*)</li>", html) == [
        "Eat a light meal.", "Bring your list of medicines.", "Ask someone to drive you home.",
        "Call the clinic.", "Say your name and date of birth."]
    assert html.count("<ul>") == html.count("<ol>") == 1
    assert "<pre" not in html and "<code" not in html and "[@" not in html and "\u2022" not in html
    assert "<p>Keep your phone near you.\nThe nurse\u2019s call" in html  # the tab-indented lines: a paragraph
    assert "come. Please read them. Ask us" in html  # double spaces after a full stop, one
    assert [r.key for r in book.references] == ["a", "b"]


def test_check_reports_what_was_made_of_each_pasted_line(tmp_path):
    run = check_project(make_project(tmp_path / "p", "pasted"), dt.date(2027, 1, 1))
    found = [(f.line, f.level, f.code) for f in run.findings if f.path == PASTED and f.rule == "input"]
    assert found == [(6, "info", "input.pasted-list"), (12, "info", "input.pasted-list"),
                     (17, "warning", "input.indented-text"), (20, "info", "input.citation-commas")]
    messages = {f.line: f.message for f in run.findings if f.path == PASTED and f.rule == "input"}
    assert "bullets read as a list" in messages[6] and "write '- ' at the start of each item" in messages[6]
    assert "numbering read as a list" in messages[12] and "write '1. '" in messages[12]
    assert "printed as a paragraph" in messages[17] and "remove the indentation" in messages[17]
    assert "read as '[@a; @b]'" in messages[20] and "separate several sources with ';'" in messages[20]
    assert run.status == 0


@pytest.mark.slow
def test_the_pasted_fixture_builds_real_lists_and_no_code_font(tmp_path):
    project = make_project(tmp_path / "p", "pasted")
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    assert "02-pasted.md:17: text indented by a tab" in result.stderr  # the build's warning
    assert "pasted bullets" not in result.stderr  # info: for check, not the build
    pdf_path, epub_path = outputs(project)
    with zipfile.ZipFile(epub_path) as epub:
        name = next(n for n in epub.namelist() if n.endswith("pasted.xhtml"))
        xhtml = epub.read(name).decode()
    assert len(re.findall(r"<ul>\s*(?:<li>[^<]*</li>\s*){3}</ul>", xhtml)) == 1
    assert len(re.findall(r"<ol>\s*(?:<li>[^<]*</li>\s*){2}</ol>", xhtml)) == 1
    assert "[@" not in xhtml and "<code" not in xhtml and "<pre" not in xhtml
    with pikepdf.open(pdf_path) as pdf:
        tags = [str(obj.get("/S")) for obj in pdf.objects
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem"]
        items = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/L":
                kids = obj.get("/K")
                kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
                items[obj.objgen] = [str(k.get("/S")) for k in kids if isinstance(k, pikepdf.Dictionary)]
    assert "/L" in tags and "/LI" in tags
    counts = sorted(kids.count("/LI") for kids in items.values())
    assert counts.count(3) == 1 and counts.count(2) >= 2  # the bullets; the numbers and the key points
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert not re.search(r"mono|courier|code", fonts, re.I), fonts
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    assert "[@" not in text and "Eat a light meal." in text
