"""Languages of a project: a translation beside the source, its own words in publish.toml, its outputs in their
own folder, its own identifier, language and online address; refused alone when it is not ready."""
from __future__ import annotations

import re
import shutil
import uuid
import zipfile

import pytest

from conftest import make_project, run_publish
from handout.build.run import plan_outputs
from handout.config.settings import load_config
from handout.core.errors import InputError
from handout.config.languages import language_config, languages, review_problem, translation_identifier

WORDS = '''
[languages.en-GB]
title = "Sleep after surgery (UK)"
crisis_heading = "If you are in crisis, get help now"
crisis_lines = ["Call 111 or 999 in an emergency."]
translated_by = "Editorial team"
'''


def _translated(tmp_path, words: str = WORDS, tag: str = "en-GB"):
    """The mini handout with a translation (a British English copy of its chapters, so the checks of an
    English text apply to it)."""
    project = make_project(tmp_path / "project")
    shutil.copytree(project / "chapters", project / "translations" / tag / "chapters")
    (project / "translations" / tag / "chapters" / "references.yaml").unlink()  # shared with the source
    shutil.copytree(project / "assets", project / "translations" / tag / "assets")
    config = project / "publish.toml"
    text = config.read_text()
    text = text.replace('language = "en-US"\n', f'language = "en-US"\ntranslations = ["{tag}"]\n', 1)
    assert f'translations = ["{tag}"]' in text
    config.write_text(text + words)
    if (project / "publish.toml").read_text().count(f"[languages.{tag}]"):
        from handout.load.translations import mark

        for chapter in sorted((project / "chapters").glob("*.md")):  # each translates its source as it is
            mark(project, tag, chapter.name)
    return project


def test_a_translation_is_planned_in_its_own_folder_with_the_same_names(tmp_path):
    project = _translated(tmp_path)
    config = load_config(project)
    assert languages(config) == ("en-US", "en-GB")
    plan = plan_outputs(config, project / "dist")
    names = {(item.language, item.final.relative_to(project / "dist").as_posix()) for item in plan}
    assert ("en-US", "ketamine-handout.pdf") in names and ("en-US", "index.html") in names
    assert ("en-GB", "en-GB/ketamine-handout.pdf") in names and ("en-GB", "en-GB/ketamine-handout.epub") in names
    assert ("en-GB", "en-GB/index.html") in names
    assert len([n for n in names if n[0] == "en-GB"]) == len([n for n in names if n[0] == "en-US"])
    only = plan_outputs(config, project / "dist", only=("en-GB",))
    assert {item.language for item in only} == {"en-GB"}
    # A change to the translation's chapters touches only its outputs' inputs.
    before = {item.final: item.inputs for item in plan}
    chapter = project / "translations" / "en-GB" / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nOne more sentence.\n")
    after = {item.final: item.inputs for item in plan_outputs(config, project / "dist")}
    changed = {final for final in before if before[final] != after[final]}
    assert changed and all("en-GB" in final.parts for final in changed)


def test_a_translations_config_has_its_words_identifier_address_and_chapters(tmp_path):
    project = _translated(tmp_path)
    source = load_config(project)
    own = language_config(source, "en-GB")
    assert own.language == "en-GB" and own.source_language == "en-US"
    assert own.title == "Sleep after surgery (UK)" and own.subtitle == ""
    assert own.crisis.lines == ("Call 111 or 999 in an emergency.",)
    assert own.chapters_dir == "translations/en-GB/chapters"
    assert own.check.jargon_file == "translations/en-GB/chapters/jargon.txt"
    assert own.identifier == translation_identifier(source.identifier, "en-GB") != source.identifier
    assert uuid.UUID(own.identifier.removeprefix("urn:uuid:")).version == 5
    assert own.online_url == source.online_url.rstrip("/") + "/en-GB/"
    assert dict(own.translation) == {"translated_by": "Editorial team"}
    assert language_config(source, "en-US") is source


@pytest.mark.parametrize("words, says", [
    ('\n[languages.en-GB]\ncrisis_lines = ["Call 999."]\n', "needs its own title"),
    ('\n[languages.en-GB]\ntitle = "UK"\n', "needs its own crisis lines"),
    ('\n[languages.en-GB]\ntitle = "UK"\ncolour = "red"\n', "unknown key 'colour'"),
    ('\n[languages.en-GB]\ntitle = 3\n', "must be a string"),
])
def test_a_translation_without_its_words_is_refused_naming_what_to_add(tmp_path, words, says):
    project = _translated(tmp_path, words)
    with pytest.raises(InputError) as caught:
        language_config(load_config(project), "en-GB")
    assert says in caught.value.message
    assert caught.value.path is not None and caught.value.path.name == "publish.toml" and caught.value.line


def test_an_unlisted_language_is_refused(tmp_path):
    project = _translated(tmp_path)
    with pytest.raises(InputError) as caught:
        language_config(load_config(project), "fr-CA")
    assert "'fr-CA' is not a language of this handout" in caught.value.message


def test_a_final_build_of_a_translation_needs_its_reviewer_unless_a_sample(tmp_path):
    project = _translated(tmp_path)
    config = project / "publish.toml"
    config.write_text(config.read_text().replace("sample = true", "sample = false"))
    own = language_config(load_config(project), "en-GB")
    problem = review_problem(own)
    assert problem is not None and "the en-GB translation has no reviewer" in problem.message
    assert "--draft" in problem.message and problem.code == "review.translation"
    config.write_text(config.read_text().replace('translated_by = "Editorial team"',
                                                 'translated_by = "Editorial team"\nreviewed_by = "A. Reviewer"'))
    assert review_problem(language_config(load_config(project), "en-GB")) is None
    assert review_problem(load_config(project)) is None  # the source language has its own review


@pytest.mark.slow
def test_both_languages_build_each_with_its_own_language_and_identifier(tmp_path):
    from pypdf import PdfReader

    project = _translated(tmp_path)
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    dist = project / "dist"
    for folder, tag in ((dist, "en-US"), (dist / "en-GB", "en-GB")):
        pdf = PdfReader(folder / "ketamine-handout.pdf")
        assert pdf.trailer["/Root"]["/Lang"] == tag
        with zipfile.ZipFile(folder / "ketamine-handout.epub") as epub:
            opf = epub.read("EPUB/content.opf").decode()
        assert f"<dc:language>{tag}</dc:language>" in opf
        assert f'lang="{tag}"' in (folder / "index.html").read_text()
    assert "Sleep after surgery (UK)" in (dist / "en-GB" / "index.html").read_text()
    # The translation's own review record is printed beside the source's (the source has none of its own).
    page = (dist / "en-GB" / "index.html").read_text()
    assert "<dt>Translated by</dt><dd>Editorial team</dd>" in page
    assert "not yet reviewed by a qualified medical translator" in page
    assert "Translated by" not in (dist / "index.html").read_text()
    # Each web edition links to the other language's page by a relative link, with hreflang and its own name.
    assert re.search(r'<a href="en-GB/index.html" hreflang="en-GB" lang="en-GB">', (dist / "index.html").read_text())
    assert re.search(r'<a href="../index.html" hreflang="en-US" lang="en-US">',
                     (dist / "en-GB" / "index.html").read_text())
    with zipfile.ZipFile(dist / "en-GB" / "ketamine-handout.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode()
    assert re.search(r"<dc:identifier[^>]*>urn:uuid:[0-9a-f-]{36}</dc:identifier>", opf)
    assert load_config(project).identifier not in opf
    # --language builds one; an unknown one is refused.
    only = run_publish(project, "--edition", "letter", "--language", "en-GB", "--force")
    assert only.returncode == 0 and "en-GB/ketamine-handout.pdf" in only.stdout
    assert "wrote dist/ketamine-handout.pdf" not in only.stdout
    unknown = run_publish(project, "--language", "fr-CA")
    assert unknown.returncode == 2 and "'fr-CA' is not a language of this handout" in unknown.stderr


@pytest.mark.slow
def test_a_translation_refused_by_its_checks_leaves_the_other_language_built(tmp_path):
    project = _translated(tmp_path)
    chapter = project / "translations" / "en-GB" / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nThis cites a source that is not there [@nobody2020].\n")
    result = run_publish(project, "--edition", "letter", "--no-epub", "--no-web")
    assert result.returncode == 2, result.stdout
    assert "the en-GB handout was not built" in result.stderr and "nobody2020" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "dist" / "ketamine-handout.pdf").is_file()
    assert not (project / "dist" / "en-GB" / "ketamine-handout.pdf").exists()


def test_check_reports_each_translation_as_its_own_handout(tmp_path):
    from handout.check import check_project

    project = _translated(tmp_path)
    chapter = project / "translations" / "en-GB" / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text().replace("](", "](nowhere-", 1) if "](" in chapter.read_text()
                       else chapter.read_text() + "\nSee [the steps](#no-such-place).\n")
    run = check_project(project)
    translated = [f for f in run.findings if f.path.startswith("translations/en-GB/")]
    assert translated and any(f.level == "error" for f in translated), run.findings
    assert not any(f.path.startswith("translations/") and f.rule == "review" and f.code != "review.translation"
                   for f in run.findings)  # the review dates are the source's, reported once
