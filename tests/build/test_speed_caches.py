"""What the build and `check` keep so as not to do work twice: the EPUB's pages rendered and mapped once, pyphen's
dictionaries loaded per language on first use, the desk sheet's fit verdict, the no-op build's stamp."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import last_build_outputs, make_project
from handout.config.settings import load_config
from handout.load.book import load_book


@pytest.fixture()
def mini(tmp_path) -> Path:
    return make_project(tmp_path / "mini")


# ---- the EPUB: its pages rendered once, the printed pages mapped once ------------------------------------------

def test_the_epub_pages_are_rendered_and_mapped_once_with_the_page_list_in_the_nav(mini, monkeypatch):
    from handout.targets.epub import writer as epub
    from handout.targets.epub.render import render_epub, render_epub_nav
    from handout.targets.pdf import pagemap

    config = load_config(mini)
    book = load_book(config, use_cache=False)
    plain, _, _ = render_epub(book, config.clinic)
    # A printed page for the first words of each chapter.
    titles = [pagemap.parse(page.content).findtext(f".//{{{pagemap.XHTML_NS}}}h1").split()
              for page in plain if page.kind == "chapter"]
    starts = [words[:3] for words in titles if len(words) > 1]
    assert len(starts) > 1
    calls = {"render": 0, "mark": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(epub, "render_epub", counted("render", epub.render_epub))
    monkeypatch.setattr(epub, "mark_pages", counted("mark", epub.mark_pages))
    pages, _, _, listed = epub._pages_with_page_list(book, config.clinic, starts)
    assert listed and calls == {"render": 1, "mark": 1}

    # The same pages as rendering them again with the page list and marking those.
    first = 1
    _, holders = pagemap.mark_pages([page.content for page in plain[first:]], starts)
    page_list = [(str(number), plain[first + holder].file_name) for number, holder in enumerate(holders, 1)]
    again, _, _ = render_epub(book, config.clinic, page_list)
    expected, _ = pagemap.mark_pages([page.content for page in again[first:]], starts)
    assert [page.content for page in pages[first:]] == expected
    nav = next(page for page in pages if page.kind == "nav")
    assert nav.content == expected[[p.kind for p in again[first:]].index("nav")]
    assert b'id="page-list"' in nav.content and nav.content.count(b"#page-") == len(starts)
    assert render_epub_nav(book, config.clinic, page_list) == again[2].content


def test_a_revised_page_whose_text_differs_is_marked_from_scratch(mini):
    from handout.targets.epub.render import render_epub
    from handout.targets.pdf import pagemap

    config = load_config(mini)
    pages, _, _ = render_epub(load_book(config, use_cache=False), config.clinic)
    contents = [page.content for page in pages[1:]]
    title = pagemap.parse(contents[0]).findtext(f".//{{{pagemap.XHTML_NS}}}h1")
    starts = [title.split()[:2]]
    changed = contents[0].replace(title.encode(), f"Other words {title}".encode(), 1)
    marked, holders = pagemap.mark_pages(contents, starts, lambda holders: {0: changed})
    assert holders == [0]
    assert marked[0] == pagemap.mark_pages([changed, *contents[1:]], starts)[0][0]
    assert b"Other words" in marked[0]


# ---- pyphen: one dictionary per language, loaded when first needed ---------------------------------------------

def test_pyphen_dictionaries_load_per_language_on_first_use(monkeypatch):
    import pyphen

    from handout.check import readability

    loaded = []
    real = pyphen.Pyphen

    def recording(*args, **kwargs):
        loaded.append(kwargs.get("lang"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pyphen, "Pyphen", recording)
    readability.hyphenator.cache_clear()
    readability._heuristic_syllables.cache_clear()
    readability._spanish_rule_syllables.cache_clear()
    try:
        assert loaded == []  # nothing is loaded before a word is counted
        assert readability.count_syllables("medicine") == 3
        assert loaded == ["en_US"]  # English only: the Spanish dictionary is not parsed
        readability.count_syllables("anxiety")
        assert loaded == ["en_US"]  # once per process
        assert readability.spanish_syllables("medicina") == 4
        assert loaded == ["en_US", "es"]
    finally:
        readability.hyphenator.cache_clear()


# ---- the desk sheet's fit verdict, by the digest of its inputs ------------------------------------------------

@pytest.fixture()
def handout(tmp_path) -> Path:
    return make_project(tmp_path / "handout", fixture=None)


@pytest.fixture()
def judged(monkeypatch):
    """Counts the sheets `check` lays out (each judged too long, with a message naming its edition)."""
    from handout.targets.pdf import sheetfit as sheet

    laid_out: list[str] = []

    def judge(book, name, html):
        laid_out.append(name)
        return (f"the {name} edition takes 3 pages", "chapters/05-side-effects.md", 15)

    monkeypatch.setattr(sheet, "_judged", judge)
    monkeypatch.setattr(sheet, "_SEEN", {})
    monkeypatch.setattr(sheet, "COUNTS", {"laid out": 0, "cached": 0})
    return laid_out


def _sheet_findings(project: Path):
    import datetime as dt

    from handout.check.sheet import check_sheet
    from handout.targets.pdf import sheetfit

    sheetfit._SEEN.clear()  # as a new process would
    book = load_book(load_config(project), use_cache=False)
    return [(f.path, f.line, f.message) for f in check_sheet(book, dt.date(2026, 11, 15), sheetfit.sheet_problem)]


def test_check_lays_out_a_sheet_only_when_the_digest_of_its_inputs_is_new(handout, judged):
    from handout.targets.pdf import sheetfit as sheet

    first = _sheet_findings(handout)
    assert judged == ["sheet", "large-print-sheet"] and sheet.COUNTS == {"laid out": 2, "cached": 0}
    assert first == [("chapters/05-side-effects.md", 15, "the sheet edition takes 3 pages"),
                     ("chapters/05-side-effects.md", 15, "the large-print-sheet edition takes 3 pages")]
    # Unchanged inputs: the verdicts come from .cache/sheets/, nothing is laid out.
    assert _sheet_findings(handout) == first
    assert judged == ["sheet", "large-print-sheet"] and sheet.COUNTS == {"laid out": 2, "cached": 2}
    # A stylesheet the sheet reads (no chapter changed, so its HTML is the same): laid out again.
    css = handout / "assets" / "css" / "print.css"
    css.write_text(css.read_text() + "\n/* narrower */\n")
    assert _sheet_findings(handout) == first
    assert judged == ["sheet", "large-print-sheet"] * 2
    # A chapter's text: laid out again.
    chapter = handout / "chapters" / "05-side-effects.md"
    chapter.write_text(chapter.read_text() + "\nOne more sentence.\n")
    _sheet_findings(handout)
    assert len(judged) == 6 and sheet.COUNTS == {"laid out": 6, "cached": 2}


def test_a_sheet_verdict_changed_by_hand_is_not_trusted(handout, judged):
    _sheet_findings(handout)
    for entry in (handout / ".cache" / "sheets").iterdir():
        entry.write_bytes(entry.read_bytes().replace(b'"fits":false', b'"fits":true'))
    _sheet_findings(handout)
    assert len(judged) == 4  # the signatures fail: laid out again


@pytest.mark.slow
def test_the_build_records_the_verdict_of_the_sheet_it_lays_out_for_check(handout, tmp_path, monkeypatch):
    from handout.targets.pdf.job import pdf_job
    from handout.targets.pdf import sheetfit as sheet

    monkeypatch.setattr(sheet, "_SEEN", {})
    monkeypatch.setattr(sheet, "COUNTS", {"laid out": 0, "cached": 0})
    config = load_config(handout)
    book = load_book(config, use_cache=False)
    pdf_job(book, config.clinic, "sheet", str(tmp_path / "sheet.pdf"), False)
    monkeypatch.setattr(sheet, "_judged", lambda *args: pytest.fail("laid out again"))
    assert sheet.sheet_problem(book, "sheet") is None  # fits, known from the build
    assert sheet.COUNTS == {"laid out": 0, "cached": 1}


# ---- the no-op stamp: a build with nothing to do, decided before the build is imported ------------------------

@pytest.fixture()
def stamped(mini, monkeypatch, capsys):
    """A project whose last build made nothing: its outputs, its build state and the no-op stamp."""
    from handout.app import noop

    monkeypatch.chdir(mini)
    outputs = last_build_outputs(mini)
    dist = mini / "dist"
    (dist / ".build.lock").write_bytes(b"")
    argv = ["build", "--jobs", "1"]
    before = noop.snapshot(argv)
    noop.record(before, outputs, str(dist), ["  EPUB: up to date", "Everything is up to date (2 outputs): nothing "
                                             "was rebuilt."], ["warning: a warning of that build"])
    return argv


def _replayed(argv, capsys):
    from handout.app import noop

    status = noop.replay(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_an_unchanged_project_is_a_no_op_said_from_the_stamp(stamped, capsys):
    status, out, err = _replayed(stamped, capsys)
    assert status == 0
    assert out.startswith("  EPUB: up to date\nEverything is up to date (2 outputs): nothing was rebuilt.\ntimings:\n")
    assert "check what changed (no-op stamp)" in out and err == "warning: a warning of that build\n"
    # --jobs changes nothing that is made; other options are other builds, unknown ones go to the real build.
    assert _replayed(["--jobs", "2", "build"], capsys)[0] == 0
    assert _replayed(["build", "--jobs=2"], capsys)[0] == 0
    for other in (["build", "--force"], ["build", "--edition", "a4"], ["check"], ["build", "--proj", "."]):
        assert _replayed(other, capsys)[0] is None, other


def test_a_file_changed_with_the_same_size_and_time_is_found_by_its_digest(stamped, mini, capsys):
    chapter = next((mini / "chapters").glob("01-*.md"))
    text = chapter.read_bytes()
    info = chapter.stat()
    changed = text.replace(b"e", b"a", 1)
    assert changed != text and len(changed) == len(text)
    chapter.write_bytes(changed)
    os.utime(chapter, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same size and modification time
    assert _replayed(stamped, capsys)[0] is None
    chapter.write_bytes(text)  # back as it was, with a new time: the digest says it is the same
    assert _replayed(stamped, capsys)[0] == 0


def test_a_touched_input_an_added_entry_a_changed_output_or_a_held_lock_are_looked_at(stamped, mini, capsys):
    import fcntl

    chapter = next((mini / "chapters").glob("02-*.md"))
    os.utime(chapter)  # touched, content unchanged
    assert _replayed(stamped, capsys)[0] == 0
    (mini / "chapters" / "09-new.md").mkdir()  # a folder named like a chapter: the build says what it is
    assert _replayed(stamped, capsys)[0] is None
    (mini / "chapters" / "09-new.md").rmdir()
    assert _replayed(stamped, capsys)[0] == 0
    output = mini / "dist" / "ketamine-handout.pdf"
    output.write_bytes(b"damaged")
    assert _replayed(stamped, capsys)[0] is None
    output.write_bytes(b"made by the last build ketamine-handout.pdf")
    assert _replayed(stamped, capsys)[0] == 0  # the same bytes again
    with open(mini / "dist" / ".build.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert _replayed(stamped, capsys)[0] is None  # another build runs: the real build says so
    (mini / ".cache" / "build.json").unlink()
    assert _replayed(stamped, capsys)[0] is None


def test_no_stamp_is_kept_when_an_input_changes_while_the_build_runs(mini, monkeypatch):
    from handout.app import noop

    monkeypatch.chdir(mini)
    (mini / "dist").mkdir()
    (mini / ".cache").mkdir()
    (mini / ".cache" / "build.json").write_text("{}")
    before = noop.snapshot(["build"])
    chapter = next((mini / "chapters").glob("01-*.md"))
    chapter.write_text(chapter.read_text() + "\nAn edit during the build.\n")
    noop.record(before, [], str(mini / "dist"), ["Everything is up to date (0 outputs)"], [])
    assert not (mini / ".cache" / "noop").exists()


@pytest.mark.slow
def test_the_command_line_says_a_no_op_from_the_stamp_and_builds_after_a_same_size_edit(mini):
    from conftest import run_publish

    assert run_publish(mini).returncode == 0
    looked = run_publish(mini)  # nothing to do, found by the build: it keeps the stamp
    assert "Everything is up to date" in looked.stdout and "no-op stamp" not in looked.stdout
    fast = run_publish(mini)
    assert fast.returncode == 0 and "check what changed (no-op stamp)" in fast.stdout
    assert fast.stdout.split("timings:")[0] == looked.stdout.split("timings:")[0]
    assert fast.stderr == looked.stderr
    chapter = next((mini / "chapters").glob("01-*.md"))
    text = chapter.read_text()
    last = text.rindex("e")  # in the last paragraph
    chapter.write_text(text[:last] + "a" + text[last + 1:])
    rebuilt = run_publish(mini)
    assert rebuilt.returncode == 0 and "wrote " in rebuilt.stdout, rebuilt.stdout
