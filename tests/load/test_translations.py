"""Stale translations (handout/load/translations.py, the `translations` rule and `publish.py translations`): each
translated chapter records the digest of the source it translates; a changed source makes it out of date, naming
both files and quoting the new sentence; `translations mark` clears it, changing only the `source:` line."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from conftest import REPO, make_project
from handout.app import cli
from handout.load import translations as tr
from handout.check import run_checks, translation_problems
from handout.check.translations import status_findings

# Each test loads the default handout in two languages (a copy of the whole project): `make test` runs them,
# `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 12, 1)
NEW = "Ask your clinician about this new sentence before the next visit."


def small_project(tmp_path, chapters=None, translated=None):
    """A project with only what the translation status reads: chapters/ and translations/es-US/chapters/."""
    root = tmp_path / "p"
    (root / "chapters").mkdir(parents=True)
    (root / "translations" / "es-US" / "chapters").mkdir(parents=True)
    for name, text in (chapters or {}).items():
        (root / "chapters" / name).write_text(text)
    for name, text in (translated or {}).items():
        (root / "translations" / "es-US" / "chapters" / name).write_text(text)
    return root


def digest_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def spanish_book(project):
    from handout.load.book import load_book
    from handout.config.settings import load_config
    from handout.config.languages import language_config

    return load_book(language_config(load_config(project), "es-US"), collect=True)


def main(project, *args) -> int:
    return cli.main(["--project", str(project), *args])


@pytest.mark.slow
def test_the_repository_keeps_the_source_of_each_spanish_chapter_as_translated():
    folder = REPO / "translations" / "es-US"
    for chapter in sorted((folder / "chapters").glob("[0-9]*.md")):
        name, recorded, _, problem = tr.recorded_source(chapter.read_text())
        assert not problem and name == chapter.name
        copy = folder / tr.SOURCES_DIR / chapter.name
        assert digest_of(copy) == recorded, chapter.name


@pytest.fixture(scope="module")
def marked_handout(tmp_path_factory):
    """The default handout with its Spanish translation marked as up to date with the English chapters."""
    project = make_project(tmp_path_factory.mktemp("translations") / "p", fixture=None)
    assert main(project, "translations", "mark", "es-US", "--all") == 0
    return project


@pytest.mark.slow
def test_a_sentence_added_to_an_english_chapter_makes_the_spanish_one_out_of_date(marked_handout, capsys):
    project = marked_handout
    assert {s.status for s in tr.statuses(project, "es-US")} == {tr.UP_TO_DATE}
    assert not [f for f in run_checks(spanish_book(project), TODAY) if f.rule == "translation"]
    source = project / "chapters" / "03-how-well.md"
    original = source.read_bytes()
    translation = project / "translations" / "es-US" / "chapters" / "03-how-well.md"
    before = translation.read_bytes()
    try:
        source.write_bytes(original + f"\n{NEW}\n".encode())

        # check: a warning on the Spanish chapter, naming both files and quoting the new sentence
        found = [f for f in run_checks(spanish_book(project), TODAY) if f.rule == "translation"]
        assert [(f.path, f.level, f.code) for f in found] == [
            ("translations/es-US/chapters/03-how-well.md", "warning", "translation.out-of-date")]
        assert "chapters/03-how-well.md changed" in found[0].message and NEW in found[0].message
        assert found[0].line == before.decode().splitlines().index(
            next(line for line in before.decode().splitlines() if line.startswith("source:"))) + 1
        assert "translations mark es-US 03" in found[0].hint
        # the build of Spanish: the same at error level
        assert [(f.path, f.level) for f in translation_problems(project, "es-US")] == [
            ("translations/es-US/chapters/03-how-well.md", "error")]

        # publish.py translations: the status of every chapter and the changed paragraph
        capsys.readouterr()
        assert main(project, "translations") == 0
        shown = capsys.readouterr().out
        assert "es-US (translations/es-US/chapters): 9 up to date, 1 out of date" in shown
        assert "03-how-well.md: out of date: chapters/03-how-well.md changed since it was translated" in shown
        assert f"      + {NEW}" in shown and "02-treatments.md: up to date" in shown

        # mark clears it, changing only the digest in the source: line, and keeps the source as translated
        assert main(project, "translations", "mark", "es-US", "03") == 0
        assert "marked es-US 03-how-well.md" in capsys.readouterr().out
        after = translation.read_bytes()
        assert after.replace(digest_of(source).encode(), b"@") == before.replace(
            before.split(b"03-how-well.md@")[1][:12], b"@")
        assert (project / "translations" / "es-US" / ".sources" / "03-how-well.md").read_bytes() == source.read_bytes()
        assert not translation_problems(project, "es-US")
        assert not [f for f in run_checks(spanish_book(project), TODAY) if f.rule == "translation"]
    finally:
        source.write_bytes(original)
        main(project, "translations", "mark", "es-US", "03")


@pytest.mark.slow
def test_the_english_handout_has_no_translation_findings(marked_handout):
    from handout.check import check_project

    assert not [f for f in check_project(marked_handout, TODAY).findings if f.rule == "translation"]


@pytest.mark.slow
def test_mark_changes_only_the_digest_and_adds_a_missing_source_line(tmp_path):
    root = small_project(tmp_path, {"01-a.md": "---\ntitle: A\n---\n\nText.\n", "02-b.md": "---\ntitle: B\n---\n\nMore.\n"},
                         {"01-a.md": "---\r\ntitle: Á\r\nsource: \"01-a.md@000000000000\"  \r\n---\r\n\r\nTexto.\r\n",
                          "02-b.md": "---\ntitle: Be\nsummary: S\n---\n\nMás.\n"})
    folder = root / "translations" / "es-US"
    (folder / "chapters" / "01-a.md").chmod(0o640)
    assert tr.mark(root, "es-US", "01-a.md") == ("000000000000", digest_of(root / "chapters" / "01-a.md"))
    assert (folder / "chapters" / "01-a.md").read_bytes() == (
        f"---\r\ntitle: Á\r\nsource: 01-a.md@{digest_of(root / 'chapters' / '01-a.md')}  \r\n---\r\n\r\nTexto.\r\n"
        .encode())
    assert (folder / "chapters" / "01-a.md").stat().st_mode & 0o777 == 0o640
    assert tr.mark(root, "es-US", "02-b.md")[0] == ""
    assert (folder / "chapters" / "02-b.md").read_text() == (
        f"---\ntitle: Be\nsummary: S\nsource: 02-b.md@{digest_of(root / 'chapters' / '02-b.md')}\n---\n\nMás.\n")
    assert {s.status for s in tr.statuses(root, "es-US")} == {tr.UP_TO_DATE}


@pytest.mark.slow
def test_missing_extra_unmarked_and_no_copy_of_the_source(tmp_path):
    root = small_project(tmp_path, {"01-a.md": "---\ntitle: A\n---\n\nOne.\n", "02-b.md": "---\ntitle: B\n---\n\nTwo.\n",
                                    "03-c.md": "---\ntitle: C\n---\n\nThree.\n"},
                         {"01-a.md": "---\ntitle: A\nsource: 01-a.md@0123456789ab\n---\n\nUno.\n",
                          "02-b.md": "---\ntitle: B\n---\n\nDos.\n", "04-d.md": "---\ntitle: D\n---\n\nCuatro.\n"})
    found = {s.name: s for s in tr.statuses(root, "es-US")}
    assert {name: s.status for name, s in found.items()} == {
        "01-a.md": tr.OUT_OF_DATE, "02-b.md": tr.OUT_OF_DATE, "03-c.md": tr.MISSING, "04-d.md": tr.EXTRA}
    assert "translations/es-US/.sources/01-a.md (the source as translated) is missing" in found["01-a.md"].note
    assert not found["01-a.md"].changes
    assert found["02-b.md"].reason == "records no source: (file@digest)"
    codes = {(f.path, f.code, f.level) for f in status_findings(root, "es-US")}
    assert codes == {("translations/es-US/chapters/01-a.md", "translation.out-of-date", "warning"),
                     ("translations/es-US/chapters/02-b.md", "translation.unmarked", "warning"),
                     ("translations/es-US/chapters/03-c.md", "translation.missing", "warning"),
                     ("translations/es-US/chapters/04-d.md", "translation.extra", "warning")}
    missing = next(f for f in status_findings(root, "es-US") if f.code == "translation.missing")
    assert "chapters/03-c.md has no es-US translation" in missing.message
    # the build: out of date, unmarked and missing stop it; extra is a warning
    assert sorted(f.level for f in translation_problems(root, "es-US")) == ["error", "error", "error", "warning"]


@pytest.mark.slow
def test_the_diff_shows_the_changed_lines_of_a_list_and_the_new_sentences():
    old = "---\ntitle: A\n---\n\nIntro.\n\n- one\n- two\n- three\n- four\n\nLast. Kept.\n"
    new = "---\ntitle: A\n---\n\nIntro.\n\n- one\n- two, changed\n- three\n- four\n\nLast. Kept. Added here.\n"
    changes = tr.changes(old, new)
    assert [c.line for c in changes] == [7]  # two paragraphs in a row: one place
    assert tr.diff_lines(changes[0]) == ["  - one", "- - two", "+ - two, changed", "  - three", "  ...", "",
                                         "- Last. Kept.", "+ Last. Kept. Added here."]
    assert changes[0].sentences == ((8, "two, changed"), (12, "Added here."))
    assert tr.changes(new, new) == ()
    removed = tr.changes(old, old.replace("\nIntro.\n", ""))
    assert [(c.old, c.new, c.sentences) for c in removed] == [(("Intro.",), (), ())]


@pytest.mark.slow
def test_mark_refuses_what_it_cannot_mark(marked_handout, capsys):
    assert main(marked_handout, "translations", "mark", "fr-FR", "03") == 2
    assert "publish.toml:" in capsys.readouterr().err
    assert main(marked_handout, "translations", "mark", "es-US", "42") == 2
    err = capsys.readouterr().err
    assert "no translated chapter '42'" in err and "03-how-well.md" in err
    assert main(marked_handout, "translations", "mark", "es-US") == 2
    assert "or give --all" in capsys.readouterr().err
