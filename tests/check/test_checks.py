"""`publish.py check`: one small fixture per rule, asserting the file, line, rule and level of what it finds;
the default handout passes --strict; the JSON report has the shape README.md documents; the build refuses a
handout with an error finding, and --draft builds it marked as a draft on every page."""
from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, epubcheck, make_project, outputs, run_publish, snapshot
from handout import check as checks
from handout.check import Finding, check_project, jargon, numbers

TODAY = dt.date(2027, 1, 1)  # before the default handout's next review (2027-11-01)


def epoch(day: dt.date) -> str:
    return str(calendar.timegm(day.timetuple()))


@pytest.fixture
def project(tmp_path) -> Path:
    """The small fixture handout: 01-welcome (key points, figure, warning), 02-steps (table, checklist,
    callout), 03-words (glossary), 04-sources."""
    return make_project(tmp_path / "p")


def write(project: Path, name: str, text: str) -> Path:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def replace_in(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1))


def chapter(title: str, body: str) -> str:
    """A chapter file: front matter on lines 1-3, the body from line 4."""
    return f"---\ntitle: {title}\n---\n{body}"


def run(project: Path, today: dt.date = TODAY) -> list[Finding]:
    return check_project(project, today).findings


def only(findings: list[Finding], rule: str, level: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and (level is None or f.level == level)]


def at(findings: list[Finding], path: str, line: int, rule: str, level: str) -> Finding:
    matches = [f for f in findings if (f.path, f.line, f.rule, f.level) == (path, line, rule, level)]
    assert matches, "\n".join(f.format() for f in findings)
    return matches[0]


def test_the_fixture_handout_has_nothing_above_info(project):
    findings = run(project)
    assert [f.format() for f in findings if f.level != "info"] == []


# ---- one test per rule -------------------------------------------------------------------------------------

HARD = ("Pharmacological interventions demonstrating considerable heterogeneity necessitate individualized "
        "therapeutic considerations, particularly regarding contraindications, comorbidities and "
        "concomitant medications.")


def test_reading_level_over_the_limit_is_an_error_with_the_hardest_sentences_at_their_lines(project):
    write(project, "chapters/05-hard.md", chapter("Hard words", f"\n## Why\n\nYou can read this.\n{HARD}\n"))
    findings = run(project)
    error = at(findings, "chapters/05-hard.md", 4, "reading-level", "error")
    assert "Flesch-Kincaid" in error.message and "SMOG" in error.message and "Coleman-Liau" in error.message
    assert "limit of grade 8" in error.message
    hardest = at(findings, "chapters/05-hard.md", 8, "reading-level", "info")
    assert "Pharmacological interventions" in hardest.message
    # Each chapter's grade is reported, at info level, when it is within the limit.
    assert at(findings, "chapters/01-welcome.md", 6, "reading-level", "info").message.startswith("reading grade")
    assert not any("You can read this" in f.message for f in findings)  # only sentences over the limit


def test_reading_level_limit_comes_from_publish_toml(project):
    write(project, "chapters/05-hard.md", chapter("Hard words", f"\n{HARD}\n"))
    replace_in(project, "publish.toml", "[crisis]", "[check]\nreading_grade_max = 60\n\n[crisis]")
    assert only(run(project), "reading-level", "error") == []


def test_jargon_undefined_at_first_use_and_unused_glossary_entries(project):
    write(project, "chapters/jargon.txt", "# terms\nNMDA\nglutamate\nreceptor\nmedicine  # in the glossary\n")
    write(project, "chapters/05-brain.md", chapter("The brain", (
        "\n"
        "Ketamine acts on a messenger called glutamate.\n"   # line 5: defined where first used
        "It blocks the NMDA site on nerve cells.\n"          # line 6: not defined, no glossary entry
        "A receptor is a docking spot on a cell.\n"          # line 7: defined
        "The NMDA site matters.\n")))
    replace_in(project, "chapters/03-words.md", "Medicine\n", "Receptor\n:   A docking spot.\n\nMedicine\n")
    replace_in(project, "chapters/03-words.md", "Receptor\n", "Placebo\n:   A dummy pill.\n\nReceptor\n")
    findings = only(run(project), "jargon")
    nmda = at(findings, "chapters/05-brain.md", 6, "jargon", "warning")
    assert "'NMDA'" in nmda.message and "glossary" in nmda.hint
    unused = at(findings, "chapters/03-words.md", 8, "jargon", "warning")
    assert unused.message == "glossary entry 'Placebo' is not used in any chapter"
    # glutamate is defined; receptor and medicine have glossary entries (both used): nothing else.
    assert len([f for f in findings if f.level != "info"]) == 2, [f.format() for f in findings]


def test_jargon_definitions_the_heuristic_accepts():
    for sentence, term in [("Nerve cells soak it back up. This is called **reuptake**.", "reuptake"),
                           ("**SSRIs** (selective serotonin reuptake inhibitors) block it.", "SSRI"),
                           ("Cognitive behavioral therapy (CBT) helps.", "CBT"),
                           ("Dissociation is a feeling of being cut off.", "dissociation"),
                           ("It blocks a spot called the NMDA receptor.", "receptor"),
                           ("REMS: a safety program for risky medicines.", "REMS")]:
        assert jargon.defines(sentence, term), (sentence, term)
    for sentence, term in [("The NMDA site matters.", "NMDA"), ("This use is off-label.", "off-label"),
                           ("nmda is not the abbreviation.", "NMDA")]:
        assert not jargon.defines(sentence, term), (sentence, term)
    assert jargon.glossary_names("ECT (electroconvulsive therapy)")[:3] == [
        "ECT (electroconvulsive therapy)", "ECT", "electroconvulsive therapy"]
    assert {"SSRI", "SNRI"} <= set(jargon.glossary_names("SSRI and SNRI"))


def test_jargon_definitions_that_only_look_like_one(project):
    write(project, "chapters/jargon.txt", "glutamate\nNMDA\nreceptor\nIV\nsedation\ndissociation\n")
    write(project, "chapters/05-brain.md", chapter("The brain", body(
        "",
        "Doctors may use glutamate. It is a long word.",                         # 5: not a definition
        "The NMDA (anything) site matters.",                                      # 6: not a definition
        "A receptor (a docking spot on a cell) holds it.",                        # 7: defined
        "Staff may give an IV (intravenous) drip.",                               # 8: the expansion
        "Some people feel sedation. That means they feel very sleepy for a while.",  # 9: defined
        "Some feel dissociation. It is a hard word that doctors use a lot.",      # 10: about the word
    )))
    findings = [f for f in only(run(project), "jargon") if f.level == "warning"]
    assert [(f.path, f.line) for f in findings] == [("chapters/05-brain.md", 5), ("chapters/05-brain.md", 6),
                                                    ("chapters/05-brain.md", 10)]
    assert ["'glutamate'" in findings[0].message, "'NMDA'" in findings[1].message,
            "'dissociation'" in findings[2].message] == [True, True, True]


def test_jargon_what_counts_as_a_definition():
    assert not jargon.defines("The NMDA (anything) site matters.", "NMDA")
    assert not jargon.defines("Doctors may use glutamate (anything).", "glutamate")
    assert not jargon.defines("Glutamate is a long word.", "glutamate")
    assert jargon.defines("Glutamate (a chemical messenger) helps.", "glutamate")
    assert jargon.defines("Glutamate is the name of a chemical messenger.", "glutamate")
    assert jargon.defines("NMDA (N-methyl-D-aspartate) receptors.", "NMDA")
    assert jargon.defines("Staff give it by IV (intravenous).", "IV")
    assert not jargon.defines("ECT (brain) helps.", "ECT")
    for sentence in ("It is a long word.", "It is a long word that doctors use.", "This is a big word.",
                     "It is a word doctors use a lot.", "That means it.", "It stands for nothing."):
        assert not jargon.follows_with_definition(sentence, "IV"), sentence
    for sentence in ("It is a chemical messenger in the brain.", "That means a clinician uses it another way.",
                     "It is a medical term for a feeling of being cut off.", "It stands for intravenous.",
                     "This is a slow drip into a vein, also called IV."):
        assert jargon.follows_with_definition(sentence, "IV"), sentence
    assert jargon.expands("CBT", "cognitive behavioral therapy") and not jargon.expands("IV", "vein")


def test_numbers_need_a_citation_and_percentages_get_a_hint(project):
    write(project, "chapters/05-numbers.md", chapter("Numbers", (
        "\n"
        "Most people do well.\n"                                  # line 5
        "About 25% of people feel sick.\n"                        # line 6: no citation anywhere
        "\n"
        "About 1 in 5 people feel dizzy [@guide].\n"              # line 8: cited
        "\n"
        "In studies lasting 8 weeks [@survey]:\n"                 # line 10: the list's lead-in is cited
        "\n"
        "- about 40 out of 100 people got better\n"
        "- about 20 out of 100 people got better with a placebo\n"
        "\n"
        "Other studies:\n"                                          # line 15: a lead-in with no citation
        "\n"
        "- 3 in 10 people stopped.\n"                               # line 17
        "\n"
        "| Group | Better |\n|---|---|\n| Medicine | 12.5% |\n")))   # line 21: table with no source nearby
    findings = only(run(project), "numbers")
    assert [(f.line, f.level) for f in findings if f.level == "error"] == [(6, "error"), (17, "error"), (21, "error")]
    error = at(findings, "chapters/05-numbers.md", 6, "numbers", "error")
    assert "'25%'" in error.message and "citation" in error.message
    assert at(findings, "chapters/05-numbers.md", 6, "numbers", "info").hint == "say \u201cabout 25 out of 100\u201d"
    assert at(findings, "chapters/05-numbers.md", 21, "numbers", "info").hint == "say \u201cabout 13 out of 100\u201d"


def body(*lines: str) -> str:
    """A chapter body from its lines: the first is line 4 of the file (after the front matter)."""
    return "\n".join(lines) + "\n"


def numbers_errors(findings: list[Finding], path: str) -> list[int]:
    return [f.line for f in findings if f.path == path and f.rule == "numbers" and f.level == "error"]


def test_numbers_a_citation_sources_only_its_own_sentence(project):
    write(project, "chapters/05-cited.md", chapter("Sources of numbers", body(
        "",
        "About 30% of people felt dizzy. Most people feel better [@guide].",     # 5: cited later: error
        "",
        "About 1 in 5 people felt sick [@guide]. Most people feel better.",      # 7: cited in the sentence
        "",
        "Most people feel better. About 2 in 10 felt sick. [@guide]",             # 9: citation after its stop
        "",
        "Studies show this [@survey]. Here are the results:",                     # 11: lead-in sentence uncited
        "",
        "- 3 in 10 people stopped.",                                              # 13: error
        "- 4 in 10 people felt sick. They got better [@guide].",                  # 14: error
        "",
        "In studies lasting 8 weeks [@survey]:",                                  # 16: lead-in sentence cited
        "",
        "- about 40 out of 100 people got better",                               # 18
        "- 3 in 10 people stopped. Most came back.",                              # 19
    )))
    findings = run(project)
    assert numbers_errors(findings, "chapters/05-cited.md") == [5, 13, 14]
    error = at(findings, "chapters/05-cited.md", 5, "numbers", "error")
    assert error.message == "'30%' is a number a patient will rely on, with no citation"
    assert "same sentence" in error.hint
    assert "lead-in sentence ending with ':'" in at(findings, "chapters/05-cited.md", 13, "numbers", "error").hint


def test_numbers_a_table_row_is_sourced_by_its_row_the_sentence_before_or_a_caption(project):
    write(project, "chapters/05-tables.md", chapter("Tables", body(
        "",
        "Here is what people said.",                                              # 5: no citation
        "",
        "| Group | Better |",                                                     # 7
        "|---|---|",
        "| Medicine | 40% |",                                                     # 9: error
        "| Placebo | 20% [@guide] |",                                             # 10: cited in its row
        "",
        "Most people feel better [@guide].",                                     # 12: not a caption
        "",
        "The results of one study [@survey]:",                                   # 14: the sentence before
        "",
        "| Group | Better |",
        "|---|---|",
        "| Medicine | 3 in 10 |",                                                 # 18
        "",
        "| Group | Better |",                                                     # 20
        "|---|---|",
        "| Medicine | 2 in 10 |",                                                 # 22
        "",
        "Source: a survey of care [@survey].",                                    # 24: a caption
    )))
    findings = run(project)
    assert numbers_errors(findings, "chapters/05-tables.md") == [9]
    assert "caption" in at(findings, "chapters/05-tables.md", 9, "numbers", "error").hint


@pytest.mark.parametrize("sentence,statistic", [
    ("About 2 of 3 people felt sick.", "2 of 3"),
    ("Two of every three patients got better.", "Two of every three"),
    ("Half of people felt sick.", "Half of people"),
    ("Of those who got better, half had it come back.", "half"),
    ("Three quarters stopped.", "Three quarters"),
    ("Fifty percent got better.", "Fifty percent"),
    ("Twenty-five per cent felt dizzy.", "Twenty-five per cent"),
    ("One in five people felt dizzy.", "One in five"),
    ("One in a hundred had a rash.", "One in a hundred"),
    ("About 61 to 84 out of 100 people had this.", "61 to 84 out of 100"),
    ("It helped 20 more people out of 100.", "20 more people out of 100"),
])
def test_numbers_statistics_in_words(sentence, statistic):
    assert numbers._statistic(sentence) == statistic


@pytest.mark.parametrize("sentence", [
    "Wait half an hour after a dose.", "Take half a tablet.", "Ask one of the nurses.", "Two of these messengers.",
    "You may feel better in 2 weeks.", "Take 2 in 2 weeks.", "The FDA approved it on 5 March 2019.",
    "Studies gave 0.5 mg for each kilogram.", "It is a Schedule III drug.", "1. Weeks 1 to 4: twice a week.",
    "This is step 2 of 3.", "Page 1 of 2.", "Take one in the morning.", "You get one of two medicines.",
    "Call 988 and press 1.", "It is open 24 hours a day.", "Symptoms dropped by at least half.",
    "1 in 5,000 days.",
])
def test_numbers_ordinary_phrases_are_not_statistics(sentence):
    assert numbers._statistic(sentence) is None


def test_numbers_statistics_in_words_need_a_citation_and_ordinary_phrases_do_not(project):
    write(project, "chapters/05-spelled.md", chapter("Numbers in words", body(
        "",
        "About 2 of 3 people felt sick.",       # 5
        "",
        "Half of people felt sick.",            # 7
        "",
        "Three quarters stopped.",              # 9
        "",
        "Fifty percent got better.",            # 11
        "",
        "One in five people felt dizzy.",       # 13
    )))
    write(project, "chapters/06-plain.md", chapter("Plain numbers", body(
        "",
        "Wait half an hour after a dose. Ask one of the nurses. You may feel better in 2 weeks.",
        "The FDA approved it on 5 March 2019. Studies gave 0.5 mg for each kilogram. It is a Schedule III drug.",
        "This is step 2 of 3.",
        "",
        "1. Weeks 1 to 4: twice a week.",
        "2. Take half a tablet.",
    )))
    findings = run(project)
    assert numbers_errors(findings, "chapters/05-spelled.md") == [5, 7, 9, 11, 13]
    assert at(findings, "chapters/05-spelled.md", 11, "numbers", "info").hint == "say \u201cabout 50 out of 100\u201d"
    assert [f.format() for f in findings if f.path == "chapters/06-plain.md" and f.rule == "numbers"] == []


def test_numbers_in_headings_and_box_titles(project):
    write(project, "chapters/05-headings.md", chapter("Headings", body(
        "",
        "## 30% of people improve",                      # 5: error, nothing cited under it
        "",
        "Most people feel better.",
        "",
        "## 40% feel better",                            # 9: the first sentence under it is cited
        "",
        "In one study, most did [@guide]. More text.",
        "",
        '::: callout "40% feel dizzy"',                  # 13: error, the box's first sentence is uncited
        "Most people feel dizzy at first.",
        ":::",
        "",
        '::: callout "Half of people felt sick"',        # 17: the box's first sentence is cited
        "This comes from a survey of care [@survey].",
        ":::",
        "",
        '::: callout "Two thirds stopped"',              # 21: error, only a later sentence is cited
        "Most stopped early. They felt sick [@survey].",
        ":::",
        "",
        '::: callout "30% feel sick [@guide]"',          # 25: error, a box title is not Markdown
        "Most people feel better.",
        ":::",
    )))
    findings = run(project)
    assert numbers_errors(findings, "chapters/05-headings.md") == [5, 13, 21, 25]
    heading = at(findings, "chapters/05-headings.md", 5, "numbers", "error")
    assert heading.message == "'30%' in a heading is a number a patient will rely on, with no citation"
    assert "first sentence under the heading" in heading.hint
    title = at(findings, "chapters/05-headings.md", 13, "numbers", "error")
    assert title.message == "'40%' in a box title is a number a patient will rely on, with no citation"
    assert "box's first sentence" in title.hint


def test_citations_every_reference_is_cited(project):
    references = project / "chapters" / "references.yaml"
    references.write_text(references.read_text() + (
        "unused:\n  authors: \"Nobody\"\n  title: \"Never cited\"\n  publisher: \"Nowhere\"\n  year: 2020\n"
        "  url: \"https://example.org/unused\"\n"))
    line = references.read_text().splitlines().index("unused:") + 1
    finding = at(run(project), "chapters/references.yaml", line, "citations", "warning")
    assert finding.message == "reference 'unused' is never cited"


def errors(findings: list[Finding]) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.rule) for f in findings if f.level == "error"]


def test_citations_an_unknown_key_is_an_error_finding(project):
    replace_in(project, "chapters/02-steps.md", "[@guide; @survey]", "[@guide; @nobody]")
    run_ = check_project(project, TODAY)
    assert not run_.bad_input and run_.status == 1
    assert errors(run_.findings) == [("chapters/02-steps.md", 18, "citations")]
    assert "'@nobody' has no entry" in only(run_.findings, "citations")[0].message


@pytest.mark.slow
def test_every_citation_image_and_link_problem_is_reported_at_its_line_and_the_build_still_refuses(project):
    replace_in(project, "chapters/01-welcome.md", "[@guide]", "[@nobody]")                      # line 7
    replace_in(project, "chapters/01-welcome.md", "02-steps.md#the-steps", "02-steps.md#nope")  # line 12
    replace_in(project, "chapters/01-welcome.md", "steps.svg", "missing.svg")                   # line 14
    write(project, "chapters/05-more.md", chapter("More", body(
        "",
        "See [the steps](02-steps.md#gone).",                          # 5: no such anchor
        "",
        '![](../assets/figures/steps.svg "The three steps.")',        # 7: no alt text
        "",
        "Most people feel better [@guide; @other].",                  # 9: @other is unknown, @guide is not
        "",
        "See [the welcome](01-welcome.md) and [more](06-nothing.md).",  # 11: no chapter 06
    )))
    run_ = check_project(project, TODAY)
    assert not run_.bad_input and run_.status == 1
    assert errors(run_.findings) == [
        ("chapters/01-welcome.md", 7, "citations"), ("chapters/01-welcome.md", 12, "links"),
        ("chapters/01-welcome.md", 14, "images"), ("chapters/05-more.md", 5, "links"),
        ("chapters/05-more.md", 7, "images"), ("chapters/05-more.md", 9, "citations"),
        ("chapters/05-more.md", 11, "links")]
    messages = [f.message for f in run_.findings if f.level == "error"]
    assert "citation '@other' has no entry in chapters/references.yaml" in messages
    assert "link '06-nothing.md' points to a chapter that does not exist" in messages
    assert any("has no alt text" in m for m in messages)
    # The rules that need the loaded book say so; the review date is still checked.
    assert at(run_.findings, "chapters", 0, "input", "info").message.startswith("reading level, jargon, numbers")
    assert only(run_.findings, "review")
    env = {"SOURCE_DATE_EPOCH": epoch(TODAY)}
    assert run_publish(project, "check", env=env).returncode == 1
    build = run_publish(project, env=env)
    assert build.returncode == 2 and "chapters/01-welcome.md:14: image '../assets/figures/missing.svg' not found" \
        in build.stderr


def test_other_bad_input_beside_a_missing_image_is_still_bad_input(project):
    replace_in(project, "chapters/01-welcome.md", "steps.svg", "missing.svg")                   # line 14
    replace_in(project, "chapters/02-steps.md", "short_title: Steps", "short_title: [Steps")     # line 3
    run_ = check_project(project, TODAY)
    assert run_.bad_input and run_.status == 2
    assert errors(run_.findings) == [("chapters/01-welcome.md", 14, "images"), ("chapters/02-steps.md", 3, "input")]


def test_structure_key_points_checklist_and_section_length(project):
    replace_in(project, "chapters/01-welcome.md", "::: key-points\n", "::: callout\n")
    replace_in(project, "chapters/02-steps.md", "::: checklist \"Questions to ask\"\n", "::: callout\n")
    replace_in(project, "publish.toml", "[crisis]", "[check]\nsection_words_max = 20\n\n[crisis]")
    findings = only(run(project), "structure")
    messages = [f.message for f in findings if (f.path, f.line) == ("chapters/01-welcome.md", 6)]
    assert "no chapter has a key-points summary" in messages
    assert any("no checklist and no numbered steps" in m for m in messages)
    section = [f for f in findings if "section" in f.message]
    assert [(f.path, f.line) for f in section] == [("chapters/01-welcome.md", 6), ("chapters/02-steps.md", 5)]
    assert "section '(opening)' has 45 words, over the limit of 20" in section[0].message
    assert "section 'The steps' has" in section[1].message


def test_structure_numbered_steps_count_as_actionable(project):
    replace_in(project, "chapters/02-steps.md", "::: checklist \"Questions to ask\"\n- [ ] What",
               "::: callout\n1. What")
    replace_in(project, "chapters/02-steps.md", "- [ ] When", "2. When")
    assert not any("numbered steps" in f.message for f in run(project))


def test_structure_long_section_at_its_heading(project):
    write(project, "chapters/05-long.md", chapter("Long", "\n## A long part\n\n" + "Plain short words. " * 110))
    finding = at(run(project), "chapters/05-long.md", 5, "structure", "warning")
    assert "section 'A long part' has 330 words, over the limit of 300" in finding.message


def test_links_web_mail_and_phone_addresses_are_well_formed(project):
    write(project, "chapters/05-links.md", chapter("Links", (
        "\n"
        "Read [the guide](https://example.org/guide).\n"   # line 5: fine
        "Read [more](https://example/more).\n"             # line 6: no real site name
        "Write to [us](mailto:clinic.example.org).\n"      # line 7: no @
        "Call [us](tel:call-us).\n")))                     # line 8: not a number
    findings = only(run(project), "links")
    assert sorted((f.path, f.line, f.level) for f in findings) == [
        ("chapters/05-links.md", 6, "error"), ("chapters/05-links.md", 7, "error"),
        ("chapters/05-links.md", 8, "error")]
    assert "site name 'example'" in findings[0].message


def test_links_to_missing_anchors_are_error_findings_in_the_links_rule(project):
    replace_in(project, "chapters/01-welcome.md", "02-steps.md#the-steps", "02-steps.md#nope")
    run_ = check_project(project, TODAY)
    assert run_.status == 1
    assert errors(run_.findings) == [("chapters/01-welcome.md", 12, "links")]


def test_url_problems():
    assert checks.url_problem("https://www.example.org/a?b=c#d") is None
    assert checks.url_problem("mailto:help@example.org") is None
    assert checks.url_problem("tel:+1-555-010-0100") is None
    assert "site name" in checks.url_problem("https://localhost.")
    assert "Port out of range" in checks.url_problem("https://example.org:99999/")
    assert checks.url_problem("https://exa mple.org") == "has a space in it"


def test_references_with_a_malformed_doi(project):
    replace_in(project, "chapters/references.yaml", 'doi: "10.1000/example.2020.123"', 'doi: "example-123"')
    finding = at(run(project), "chapters/references.yaml", 7, "links", "error")
    assert "doi 'example-123' is not a DOI" in finding.message


def test_images_need_a_caption(project):
    replace_in(project, "chapters/01-welcome.md", ' "The three steps.")', ")")
    finding = at(run(project), "chapters/01-welcome.md", 14, "images", "warning")
    assert finding.message == "image 'assets/figures/steps.svg' has no caption"


def test_images_alt_text_that_is_a_file_name(project):
    replace_in(project, "chapters/01-welcome.md", "![Three boxes in a row, labelled Ask, Plan and Check.]",
               "![steps.svg]")
    finding = at(run(project), "chapters/01-welcome.md", 14, "images", "warning")
    assert "does not say what it shows" in finding.message


def test_images_that_do_not_exist_are_error_findings_in_the_images_rule(project):
    replace_in(project, "chapters/01-welcome.md", "steps.svg", "missing.svg")
    run_ = check_project(project, TODAY)
    assert run_.status == 1
    assert errors(run_.findings) == [("chapters/01-welcome.md", 14, "images")]


@pytest.mark.parametrize("today,level,words", [
    (dt.date(2027, 11, 2), "error", "overdue by 1 day"),
    (dt.date(2027, 11, 1), "warning", "due in 0 days"),
    (dt.date(2027, 9, 2), "warning", "due in 60 days"),
    (dt.date(2027, 9, 1), "info", "61 days until the next review"),
])
def test_review_dates(project, today, level, words):
    [finding] = only(run(project, today), "review")
    assert (finding.path, finding.line, finding.level) == ("publish.toml", 19, level)
    assert words in finding.message
    assert "last reviewed 2026-11-01, next review due 2027-11-01" in finding.message


def test_review_warning_days_from_publish_toml(project):
    replace_in(project, "publish.toml", "[crisis]", "[check]\nreview_warning_days = 5\n\n[crisis]")
    [finding] = only(run(project, dt.date(2027, 10, 1)), "review")
    assert finding.level == "info"


def test_input_warnings_and_bad_input(project):
    replace_in(project, "publish.toml", 'version = "1.0"', 'version = "1.0"\ncolour = "blue"')
    finding = at(run(project), "publish.toml", 12, "input", "warning")
    assert "unknown key 'colour'" in finding.message
    replace_in(project, "chapters/02-steps.md", "short_title: Steps", "short_title: [Steps")
    run_ = check_project(project, TODAY)
    # The chapter that cannot be read, and beside it what else the loader noticed (the unknown key).
    assert run_.bad_input and [(f.path, f.line, f.rule, f.level) for f in run_.findings] == [
        ("publish.toml", 12, "input", "warning"), ("chapters/02-steps.md", 3, "input", "error")]


def test_a_jargon_list_named_in_publish_toml_must_exist(project):
    replace_in(project, "publish.toml", "[crisis]", "[check]\njargon_file = \"chapters/terms.txt\"\n\n[crisis]")
    run_ = check_project(project, TODAY)
    assert run_.bad_input
    assert "'check.jargon_file' file not found" in run_.findings[0].message
    assert run_.findings[0].path == "publish.toml"


@pytest.mark.slow
def test_bad_check_settings_are_bad_input(project):
    replace_in(project, "publish.toml", "[crisis]", "[check]\nreading_grade_max = \"eight\"\n\n[crisis]")
    result = run_publish(project, "check")
    assert result.returncode == 2
    assert "publish.toml:32: error: [input] 'check.reading_grade_max' must be a whole number" in result.stdout


# ---- the command line --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_default_handout_passes_check_strict(tmp_path):
    project = make_project(tmp_path / "default", fixture=None)
    result = run_publish(project, "check", "--strict", env={"SOURCE_DATE_EPOCH": epoch(TODAY)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r": (error|warning): ", result.stdout), result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("checked on 2027-01-01 (--strict): 0 errors, 0 warnings")
    # The report prints the review dates and every chapter's reading grade.
    assert "last reviewed 2026-11-01, next review due 2027-11-01" in result.stdout
    assert len(re.findall(r"info: \[reading-level\] reading grade", result.stdout)) == 10


@pytest.mark.slow
def test_text_report_is_grouped_by_file_and_sorted_by_line(project):
    write(project, "chapters/05-numbers.md", chapter("Numbers", "\nAbout 25% feel sick.\n\nAbout 30% do not.\n"))
    result = run_publish(project, "check", env={"SOURCE_DATE_EPOCH": epoch(TODAY)})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    group = lines.index("chapters/05-numbers.md (2 errors, 0 warnings, 3 info)")
    body = lines[group + 1:lines.index("", group)]
    located = [line for line in body if not line.startswith("    hint:")]
    assert located[0] == "chapters/05-numbers.md:4: info: [reading-level] " + located[0].split("[reading-level] ")[1]
    assert [re.match(r"chapters/05-numbers.md:(\d+): (\w+)", line).groups() for line in located] == [
        ("4", "info"), ("5", "error"), ("5", "info"), ("7", "error"), ("7", "info")]
    # 9 info, and 9 more for the sample's placeholders (its publish.toml is the default handout's, a sample).
    assert lines[-1] == "checked on 2027-01-01: 2 errors, 0 warnings, 18 info"


@pytest.mark.slow
def test_exit_status_strict_and_bad_input(project):
    env = {"SOURCE_DATE_EPOCH": epoch(TODAY)}
    assert run_publish(project, "check", env=env).returncode == 0
    replace_in(project, "chapters/01-welcome.md", ' "The three steps.")', ")")  # a warning
    assert run_publish(project, "check", env=env).returncode == 0
    strict = run_publish(project, "check", "--strict", env=env)
    assert strict.returncode == 1
    assert "chapters/01-welcome.md:14: error: [images] image 'assets/figures/steps.svg' has no caption" in strict.stdout
    replace_in(project, "chapters/02-steps.md", "short_title: Steps", "short_title: [Steps")
    bad = run_publish(project, "check", env=env)
    assert bad.returncode == 2
    assert "chapters/02-steps.md:3: error: [input] invalid YAML front matter" in bad.stdout
    assert "Traceback" not in bad.stderr


def readme_json_shape() -> dict:
    """The JSON Schema-like shape documented in README.md, after the line naming it."""
    lines = (REPO / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "shape of `check --format json`" in line)
    block = []
    for line in lines[start + 1:]:
        if line.strip() and not line.startswith("    "):
            if block:
                break
            continue
        block.append(line[4:])
    return json.loads("\n".join(block))


def conforms(value, shape: dict, where: str = "$") -> None:
    """A small validator for the README's shape: type (with null), enum, minimum, properties, required,
    additionalProperties false, items."""
    kinds = shape["type"] if isinstance(shape["type"], list) else [shape["type"]]
    python = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
              "boolean": bool, "null": type(None)}
    assert any(isinstance(value, python[k]) and not (k in {"integer", "number"} and isinstance(value, bool))
               for k in kinds), (where, value, kinds)
    if "enum" in shape:
        assert value in shape["enum"], (where, value)
    if "minimum" in shape and isinstance(value, int):
        assert value >= shape["minimum"], (where, value)
    if isinstance(value, dict) and "properties" in shape:
        for key in shape.get("required", []):
            assert key in value, (where, key)
        if shape.get("additionalProperties") is False:
            assert set(value) <= set(shape["properties"]), (where, set(value) - set(shape["properties"]))
        for key, item in value.items():
            if key in shape["properties"]:
                conforms(item, shape["properties"][key], f"{where}.{key}")
    if isinstance(value, list) and "items" in shape:
        for index, item in enumerate(value):
            conforms(item, shape["items"], f"{where}[{index}]")


@pytest.mark.slow
def test_json_output_has_the_shape_documented_in_the_readme(project):
    shape = readme_json_shape()
    assert shape["type"] == "object" and "findings" in shape["properties"]
    assert shape["properties"]["findings"]["items"]["properties"]["rule"]["enum"] == list(checks.RULES)
    write(project, "chapters/05-numbers.md", chapter("Numbers", "\nAbout 25% feel sick.\n"))
    env = {"SOURCE_DATE_EPOCH": epoch(TODAY)}
    result = run_publish(project, "check", "--format", "json", env=env)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    conforms(report, shape)
    assert report["exit_status"] == 1 and report["counts"]["error"] == 1
    assert report["review"] == {"last_reviewed": "2026-11-01", "next_review_due": "2027-11-01", "days_left": 304}
    error = next(f for f in report["findings"] if f["level"] == "error")
    assert (error["path"], error["line"], error["rule"]) == ("chapters/05-numbers.md", 5, "numbers")
    # Bad input has the same shape, with no review dates when publish.toml itself is what is wrong.
    replace_in(project, "publish.toml", 'version = "1.0"', "version = 1.0")
    bad = run_publish(project, "check", "--format", "json", env=env)
    assert bad.returncode == 2
    report = json.loads(bad.stdout)
    conforms(report, shape)
    assert report["review"] is None and report["findings"][0]["rule"] == "input"


@pytest.mark.slow
def test_check_reads_no_outputs_and_writes_nothing(project):
    before = {p for p in project.rglob("*")}
    result = run_publish(project, "check")
    assert result.returncode == 0, result.stdout
    assert {p for p in project.rglob("*")} - before <= {project / ".cache"} | set((project / ".cache").rglob("*"))
    assert not (project / "dist").exists()


# ---- the build ---------------------------------------------------------------------------------------------

UNSOURCED = "\nAbout 25% of people feel sick after a dose.\n"


@pytest.mark.slow
def test_the_build_refuses_a_handout_with_an_error_finding(mini_build, tmp_path):
    project = tmp_path / "refused"
    shutil.copytree(mini_build, project)
    before = snapshot(project / "dist")
    (project / "chapters" / "02-steps.md").write_text((project / "chapters" / "02-steps.md").read_text() + UNSOURCED)
    result = run_publish(project)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "fails 1 check at error level" in errors[0] and "--draft" in errors[0]
    assert "  chapters/02-steps.md:23: [numbers] '25%' is a number a patient will rely on, with no citation" \
        in result.stderr.splitlines()
    # The same message as `check` gives for it.
    check = run_publish(project, "check")
    assert "chapters/02-steps.md:23: error: [numbers] '25%' is a number a patient will rely on, with no citation" \
        in check.stdout
    assert snapshot(project / "dist") == before


@pytest.mark.slow
def test_the_build_refuses_once_the_review_is_overdue_even_when_nothing_changed(mini_build, tmp_path, monkeypatch):
    from handout.build.run import build
    from handout.check import ChecksFailed

    project = tmp_path / "overdue"
    shutil.copytree(mini_build, project)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build(project, jobs=1).outputs  # its own first build
    monkeypatch.setattr(checks, "check_date", lambda: dt.date(2027, 11, 2))
    with pytest.raises(ChecksFailed) as refused:
        build(project, jobs=1)
    assert "publish.toml:19: [review] the clinical review is overdue by 1 day" in refused.value.message
    result = run_publish(project, env={"SOURCE_DATE_EPOCH": epoch(dt.date(2027, 11, 2))})
    assert result.returncode == 2 and "[review]" in result.stderr


@pytest.mark.slow
def test_a_draft_builds_anyway_and_says_so_on_every_page(mini_build, tmp_path):
    project = tmp_path / "draft"
    shutil.copytree(mini_build, project)
    (project / "chapters" / "02-steps.md").write_text((project / "chapters" / "02-steps.md").read_text() + UNSOURCED)
    final = snapshot(project / "dist")
    result = run_publish(project, "build", "--draft")
    assert result.returncode == 0, result.stderr
    assert "warning: draft: chapters/02-steps.md:23: [numbers]" in result.stderr
    # Drafts are written beside the final files, which stay as the last good build made them (the folder's list
    # of the build's outputs, .handout-outputs.json, now names the drafts too).
    kept = {name: data for name, data in snapshot(project / "dist").items()
            if "-draft" not in name and name != ".handout-outputs.json"}
    assert kept == {name: data for name, data in final.items() if name != ".handout-outputs.json"}
    pdf, epub = (project / "dist" / "ketamine-handout-draft.pdf", project / "dist" / "ketamine-handout-draft.epub")
    for name in ("ketamine-handout-draft.pdf", "ketamine-handout-a4-draft.pdf",
                 "ketamine-handout-large-print-draft.pdf", "ketamine-handout-booklet-draft.pdf"):
        pages = PdfReader(project / "dist" / name).pages
        assert len(pages) > 1
        for number, page in enumerate(pages, 1):
            assert "DRAFT \u2013 not for patients" in (page.extract_text() or ""), (name, number)
    with zipfile.ZipFile(epub) as archive:
        documents = [n for n in archive.namelist() if n.endswith(".xhtml")]
        assert len(documents) >= 6
        for name in documents:
            assert '<p class="draft-mark"><strong>DRAFT \u2013 not for patients</strong></p>' in \
                archive.read(name).decode(), name
    assert epubcheck(epub) == []
    # Without --draft the same handout is refused again, and the draft files stay as they were.
    drafted = snapshot(project / "dist")
    again = run_publish(project)
    assert again.returncode == 2
    assert snapshot(project / "dist") == drafted


@pytest.mark.slow
def test_a_final_build_has_no_draft_mark(mini_build):
    pdf, epub = outputs(mini_build)
    assert all("DRAFT" not in (page.extract_text() or "") for page in PdfReader(pdf).pages)
    with zipfile.ZipFile(epub) as archive:
        assert not any(b"draft-mark" in archive.read(n) for n in archive.namelist() if n.endswith(".xhtml"))


@pytest.mark.slow
def test_help_documents_check_and_draft():
    assert "--draft" in run_publish(REPO, "build", "--help").stdout
    text = run_publish(REPO, "check", "--help").stdout
    for option in ("--strict", "--format", "exit status"):
        assert option in text
