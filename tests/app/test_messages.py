"""Messages that say what to do, for the mistakes a new user makes (issue: a clinic's own handout). Each test
gives the input, the exit status and the words that tell the user what to do. In process: `publish.py check`
through `cli.main`, and the configuration through `load_config`."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from handout.app import cli
from handout.config.settings import load_config
from handout.core.errors import InputError
from handout.app.scaffold import new_project


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "sleep"
    new_project(folder, "Sleep after surgery")
    return folder


def edit(project: Path, old: str, new: str, name: str = "publish.toml") -> None:
    path = project / name
    text = path.read_text()
    assert re.search(old, text, re.M), (name, old)
    path.write_text(re.sub(old, new, text, count=1, flags=re.M))


def check(project: Path, capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["--project", str(project), "check", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("written,advice", [
    ("15/10/2026", "last_reviewed = 2026-10-15 (year, month, day)"),
    ("10/15/2026", "last_reviewed = 2026-10-15 (year, month, day)"),
    ("2026-9-1", "last_reviewed = 2026-09-01"),
    ("03/04/2026", "last_reviewed = 2026-04-03 or 2026-03-04 (year, month, day)"),
])
def test_a_date_written_another_way_says_how_to_write_it(project, capsys, written, advice):
    edit(project, r"^last_reviewed = .*$", f"last_reviewed = {written}")
    status, out, _ = check(project, capsys)
    assert status == 2
    assert "publish.toml:" in out and "write dates as YYYY-MM-DD, without quotes" in out and advice in out


def test_a_quoted_date_says_to_remove_the_quotes(project, capsys):
    edit(project, r"^last_reviewed = (.*)$", r'last_reviewed = "\1"')
    status, out, _ = check(project, capsys)
    assert status == 2
    assert "'review.last_reviewed' must be a date (YYYY-MM-DD), not str: write it without quotes, as " \
           "last_reviewed = 20" in out


@pytest.mark.parametrize("old,new,words", [
    (r"^output_name", "ouput_name",
     "missing required key 'output_name' (Base name of the files in dist/); this line has the unknown key "
     "'ouput_name': did you mean 'output_name'?"),
    (r"^\[review\]", "[reveiw]",
     "missing required key 'review.last_reviewed' (Date of the last clinical review); this line has the unknown "
     "key 'reveiw': did you mean 'review'?"),
])
def test_a_misspelt_required_key_is_named_beside_the_missing_key(project, old, new, words):
    edit(project, old, new)
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert words in caught.value.message
    misspelt = new.strip("[]")
    line = next(n for n, text in enumerate((project / "publish.toml").read_text().splitlines(), 1)
                if text.startswith((misspelt, f"[{misspelt}]")))
    assert caught.value.line == line  # the error is at the misspelt key's line


def test_a_misspelt_optional_key_is_a_warning_that_says_which_was_meant(project, capsys):
    edit(project, r"^editions =", "edition =")
    status, out, _ = check(project, capsys)
    assert status == 0
    assert re.search(r"publish.toml:\d+: warning: \[input\] unknown key 'print.edition' \(ignored\): did you "
                     r"mean 'print.editions'\?", out)
    # At the top level, where no table holds it, the key of any table it looks like.
    edit(project, r"^edition =", "editions =")
    edit(project, r"^\[review\]", 'edition = ["a4"]\n\n[review]')
    assert any(w.endswith("unknown key 'edition' (ignored): did you mean 'print.editions'?")
               for w in load_config(project).warnings)


def test_an_unknown_key_like_no_setting_gets_no_guess(project):
    edit(project, r"^\[review\]", 'colour = "blue"\n\n[review]')
    assert load_config(project).warnings[0].endswith("unknown key 'colour' (ignored)")


def test_the_build_repeats_its_warnings_after_the_timings(capsys):
    from handout.core.errors import Diagnostic, Note

    note = Note(Diagnostic("config.unknown-key", "warning", "unknown key 'ouput' (ignored)", Path("publish.toml"),
                           3), "publish.toml")
    cli.print_warnings((note, "chapters/notes.txt:1: 'notes.txt' is not part of the book"))
    err = capsys.readouterr().err.splitlines()
    assert err == ["warning: publish.toml:3: unknown key 'ouput' (ignored)",
                   "warning: chapters/notes.txt:1: 'notes.txt' is not part of the book",
                   "1 unknown key in publish.toml was ignored: check the spelling (README.md, Configuration, "
                   "lists every key)"]


def test_a_bad_identifier_says_how_to_make_one(project, capsys):
    edit(project, r"^identifier = .*$", 'identifier = "urn:uuid:1234"')
    status, out, _ = check(project, capsys)
    assert status == 2
    assert "is not a urn:uuid: identifier: `publish.py new` writes a fresh one, or make one with " \
           "python -c \"import uuid; print(uuid.uuid4())\"" in out


def test_the_samples_identifier_copied_is_a_warning(project, capsys):
    from handout.check.placeholders import SAMPLE_IDENTIFIER

    edit(project, r"^identifier = .*$", f'identifier = "{SAMPLE_IDENTIFIER}"')
    edit(project, r"^sample = true\n", "")
    status, out, _ = check(project, capsys)
    assert status == 1  # the placeholders are errors once the project is no sample
    assert re.search(r"publish.toml:\d+: warning: \[placeholders\] 'identifier' is the repository's sample's: "
                     r"each handout needs its own", out)
    assert "python -c \"import uuid; print(uuid.uuid4())\"" in out


def test_files_in_chapters_that_are_no_chapter_are_named(project, capsys):
    (project / "chapters" / "04-more.markdown").write_text("---\ntitle: More\n---\nText.\n")
    (project / "chapters" / "notes.txt").write_text("to do\n")
    status, out, _ = check(project, capsys, "--strict")
    assert status == 1
    assert "chapters/04-more.markdown:1: error: [input] '04-more.markdown' is not part of the book" in out
    assert "rename it to '04-more.md' to include it, or move it out of chapters/" in out
    assert "chapters/notes.txt:1: error: [input] 'notes.txt' is not part of the book" in out


# ---- the command line ------------------------------------------------------------------------------------

def test_project_is_accepted_after_the_command_and_may_name_publish_toml(project, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for argv in (["check", "--project", str(project)], ["check", "--project", str(project / "publish.toml")],
                 ["--project", str(project / "publish.toml"), "check"],
                 ["--project", str(tmp_path / "nowhere"), "check", "--project", str(project)]):
        assert cli.main(argv) == 0, argv
        assert "checked on" in capsys.readouterr().out


def test_watch_with_no_project_stops_at_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["watch"]) == 2
    assert "no publish.toml found" in capsys.readouterr().err


def test_a_missing_library_says_to_use_the_toolchains_environment(project, capsys, monkeypatch):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'weasyprint'", name="weasyprint")

    monkeypatch.setattr(cli, "run_check", missing)
    assert cli.main(["--project", str(project), "check"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "the Python module 'weasyprint' is missing" in err and "publish.py" in err and "`make`" in err


def test_a_missing_module_of_our_own_is_still_our_bug(project, capsys, monkeypatch):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'handout.nothing'", name="handout.nothing")

    monkeypatch.setattr(cli, "run_check", missing)
    assert cli.main(["--project", str(project), "check"]) == 1
    assert "internal error" in capsys.readouterr().err


# ---- chapters ----------------------------------------------------------------------------------------------

def test_a_front_matter_title_with_a_colon_says_to_quote_it(project, capsys):
    edit(project, r"^title: What to do$", "title: What to do: before and after", "chapters/02-what-to-do.md")
    status, out, _ = check(project, capsys)
    assert status == 2
    assert "chapters/02-what-to-do.md:2: error: [input] the value of 'title' holds a colon, which YAML reads as a " \
           "new key: put the value in quotes, title: \"What to do: before and after\"" in out


@pytest.mark.parametrize("found,instead", [
    ("references.yml", "found chapters/references.yml: rename it to references.yaml"),
    ("references.json", "found chapters/references.json: write its entries in chapters/references.yaml, in YAML"),
    (None, "there is no chapters/references.yaml: make it, with one entry per source"),
])
def test_a_references_file_under_another_name_or_none_says_which_file_is_expected(project, capsys, found, instead):
    references = project / "chapters" / "references.yaml"
    if found:
        references.rename(references.with_name(found))
    else:
        references.unlink()
    status, out, _ = check(project, capsys)
    assert status == 1
    assert "citation '@example' has no entry in chapters/references.yaml" in out and instead in out


def test_an_image_path_written_from_the_project_folder_says_the_path_from_the_chapter(project, capsys):
    (project / "assets").mkdir()
    (project / "assets" / "plan.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    chapter = project / "chapters" / "02-what-to-do.md"
    chapter.write_text(chapter.read_text() + "\n![The plan](assets/plan.svg)\n")
    status, out, _ = check(project, capsys)
    assert status == 1
    assert "error: [images] image 'assets/plan.svg' not found: image paths are relative to the chapter's file, " \
           "so write '../assets/plan.svg'" in out
    # The theme's figures too: the project has none of its own.
    chapter.write_text(chapter.read_text().replace("assets/plan.svg", "assets/figures/treatment-timeline.svg"))
    status, out, _ = check(project, capsys)
    assert "so write '../assets/figures/treatment-timeline.svg'" in out
    # A file that exists nowhere gets no guess.
    chapter.write_text(chapter.read_text().replace("treatment-timeline.svg", "none.svg"))
    status, out, _ = check(project, capsys)
    assert "image 'assets/figures/none.svg' not found\n" in out


@pytest.mark.parametrize("href", ["www.nhs.uk/sleep", "nhs.uk", "cdc.gov/sleep/index.html"])
def test_a_web_link_without_https_says_to_add_it(project, capsys, href):
    chapter = project / "chapters" / "02-what-to-do.md"
    chapter.write_text(chapter.read_text() + f"\nRead [more about sleep]({href}).\n")
    status, out, _ = check(project, capsys)
    assert status == 2
    assert f"link '{href}' does not point to a chapter (NN-slug.md): for a web address, write it with https:// " \
           f"in front: [...](https://{href})" in out


def test_a_link_to_a_file_that_is_no_chapter_gets_no_web_advice(project, capsys):
    chapter = project / "chapters" / "02-what-to-do.md"
    chapter.write_text(chapter.read_text() + "\nRead [the notes](notes.md).\n")
    status, out, _ = check(project, capsys)
    assert "link 'notes.md' does not point to a chapter (NN-slug.md)\n" in out
