"""The desk sheet (the `sheet` and `large-print-sheet` editions, handout/targets/pdf/sheet.py): what it holds, that it fits,
the fit check's error naming the marked parts, and the page numbers of cross-references in print."""
from __future__ import annotations

import re
from collections import Counter

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import make_project, pdf_text, run_publish
from handout.load.book import convert_chapter

ONLINE = "https://www.example.org/handouts/ketamine-esketamine"


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """The default handout's Letter edition and both sheets (no EPUB, no web page)."""
    project = make_project(tmp_path_factory.mktemp("sheet"), fixture=None)
    result = run_publish(project, "--edition", "letter", "--edition", "sheet", "--edition", "large-print-sheet",
                         "--no-epub", "--no-web")
    assert result.returncode == 0, result.stderr
    return project / "dist"


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
def test_the_default_sheet_is_one_sheet_with_the_key_points_crisis_lines_and_online_address(sheets):
    path = sheets / "ketamine-handout-sheet.pdf"
    reader = PdfReader(path)
    assert 1 <= len(reader.pages) <= 2
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(612, 792)}
    # A web address broken over two lines ("https://" and "www...") is one address.
    text = re.sub(r"(?<=/) (?=\S)", "", _words(pdf_text(path)))
    for words in ("Key points", "The full effect usually takes 4 to 8 weeks", "call or text 988, or call 911",
                  "Call or text 988", "Call 911", ONLINE, "Questions to ask your clinician",
                  "Do not use esketamine or ketamine if you have", "Last reviewed", "Next review due"):
        assert words in text, words
    # A link to a part that is not on the sheet points to the full handout online, and says so.
    assert "Who should not use it (in the full handout)" in text
    links = {str(a.get_object().get("/A", {}).get("/URI", "")) for page in reader.pages
             for a in page.get("/Annots") or []}
    assert f"{ONLINE}#who-should-not" in links


@pytest.mark.slow
def test_the_sheet_is_tagged_like_the_other_editions(sheets):
    reader = PdfReader(sheets / "ketamine-handout-sheet.pdf")
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or str(root["/MarkInfo"]["/Marked"]) == "True"
    assert str(root["/Lang"]) == "en-US"
    assert "/StructTreeRoot" in root
    from test_print import struct_elements

    kinds = {str(node["/S"]) for node in struct_elements(reader, {"/H1", "/H2", "/L", "/Table", "/Figure"})}
    # The default sheet holds no table since the third edition (its room went to the safety parts); a sheet's
    # table is tagged as the Letter edition's are (test_print.py).
    assert {"/H1", "/H2", "/L", "/Figure"} <= kinds


def _body_size(path) -> float:
    """The most common character size of a PDF's text (its body text), in points."""
    sizes = Counter()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            sizes.update(round(char["size"], 1) for char in page.chars)
    return sizes.most_common(1)[0][0]


@pytest.mark.slow
def test_the_sheet_body_is_at_least_11_pt_and_the_large_print_sheet_18_pt_on_4_pages_at_most(sheets):
    assert _body_size(sheets / "ketamine-handout-sheet.pdf") >= 11
    large = sheets / "ketamine-handout-large-print-sheet.pdf"
    assert len(PdfReader(large).pages) <= 4
    assert _body_size(large) >= 18
    assert "Key points" in pdf_text(large) and "988" in pdf_text(large)


@pytest.mark.slow
def test_the_sheet_on_a4_is_one_sheet_too(tmp_path):
    project = make_project(tmp_path / "a4", fixture=None)
    result = run_publish(project, "--edition", "sheet", "--paper", "a4", "--no-epub", "--no-web")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(project / "dist" / "ketamine-handout-sheet.pdf")
    assert 1 <= len(reader.pages) <= 2
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(595, 842)}


@pytest.mark.slow
def test_marking_too_much_fails_with_exit_2_naming_the_edition_the_pages_and_the_parts(tmp_path):
    project = make_project(tmp_path / "much", fixture=None)
    for name, heading in (("04-timeline.md", "## A visit day for esketamine {#visit-day}"),
                          ("08-getting-help.md", "## Warning signs: get help right away {#warning-signs}"),
                          ("05-side-effects.md", "## Dissociation {#dissociation}")):
        path = project / "chapters" / name
        path.write_text(path.read_text().replace(heading, heading[:-1] + " sheet}"))
    chapter = project / "chapters" / "02-treatments.md"
    chapter.write_text(chapter.read_text().replace("## Antidepressant tablets", "## Antidepressant tablets {sheet}")
                       .replace("## What the FDA has approved", "## What the FDA has approved {sheet}"))
    result = run_publish(project, "--edition", "sheet", "--no-epub", "--no-web")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr
    found = re.search(r"the sheet edition takes (\d+) pages, more than its 2", message)
    assert found and int(found.group(1)) > 2
    order = ["chapters/01-key-points.md:7 key-points box", 'chapters/02-treatments.md:6 section "Antidepressant '
             'tablets"', 'section "What the FDA has approved"', "icon-array box", 'paragraph "Who was studied: people '
             'whose depression..."', 'section "A visit day for esketamine"', 'section "Dissociation"',
             'paragraph "Do not mix without asking your..."', "checklist box \"Do not use esketamine",
             "checklist box \"Questions to ask your clinician\"", 'section "Warning signs: get help right away"']
    places = [message.find(part) for part in order]
    assert -1 not in places and places == sorted(places), list(zip(order, places))
    assert re.search(r'section "A visit day for esketamine" \(\d\.\d\d page\)', message)
    assert re.search(r"^error: chapters/\S+\.md:\d+: ", message, re.M)
    # check reports it too, at error level (it lays the sheet out).
    checked = run_publish(project, "check")
    assert checked.returncode == 1
    assert "error: [sheet] the sheet edition takes" in checked.stdout


def test_a_mark_with_nothing_before_it_and_a_sheet_flag_without_key_points_are_refused(tmp_path):
    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True)
    path = root / "chapters" / "01-x.md"
    path.write_text("---\ntitle: X\n---\n{sheet}\n\nText.\n")
    with pytest.raises(Exception) as caught:
        convert_chapter(path, 1, "x", root)
    assert "'{sheet}' marks the table, list or paragraph right before it" in caught.value.message
    assert caught.value.line == 4
    path.write_text("---\ntitle: X\nsheet: true\n---\nText.\n")
    with pytest.raises(Exception) as caught:
        convert_chapter(path, 1, "x", root)
    assert "has none" in caught.value.message and caught.value.line == 3


def test_marks_select_sections_boxes_tables_and_lists_and_change_nothing_else(tmp_path):
    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True)
    path = root / "chapters" / "01-x.md"
    body = ("## One {sheet}\n\nIn one.\n\n::: callout \"Inside\"\nBoxed.\n:::\n\nStill one.\n\n## Two\n\nNot.\n\n"
            "- a\n- b\n\n{sheet}\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n{sheet}\n\n::: warning \"W\" {sheet}\nCare.\n:::\n")
    path.write_text("---\ntitle: X\n---\n" + body)
    chapter = convert_chapter(path, 1, "x", root)
    parts = [(block.part, block.kind, block.line) for block in chapter.sheet]
    assert parts == [(1, "markdown", 4), (1, "callout", 8), (1, "markdown", 4), (2, "markdown", 21),
                     (3, "markdown", 27), (4, "warning", 29)]
    assert "Not." not in "".join(block.html for block in chapter.sheet)
    assert "data-sheet" not in "".join(block.html for block in chapter.blocks)
    assert "{sheet}" not in "".join(block.html for block in chapter.blocks)
    marked = "".join(block.html for block in chapter.sheet)
    assert "<ul>" in marked and "<table" in marked and "Still one." in marked


@pytest.mark.slow
def test_a_print_cross_reference_shows_the_page_its_target_starts_on(sheets):
    path = sheets / "ketamine-handout.pdf"
    pages = [_words(page.extract_text() or "") for page in PdfReader(path).pages]
    text = " ".join(pages)
    found = re.search(r"See Who should not use it \(page (\d+)\)", text)
    assert found, "the key points' link to the chapter prints its page"
    target = int(found.group(1))
    assert pages[target - 1].find("Who should not use it, and what to tell your clinician first") >= 0
    assert all("Who should not use it, and what to tell your clinician first" not in page
               for page in pages[1:target - 1] if "Contents" not in page)
    # A section too: the side effects' link to the warning signs.
    found = re.search(r"The warning signs \(page (\d+)\)", text)
    assert found and "Warning signs: get help right away" in pages[int(found.group(1)) - 1]
