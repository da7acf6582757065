"""Markdown written for other tools, and pasted text, in process through the loader (`convert_chapter`,
`load_book`): each construct is either printed properly or refused at its line with what to write instead, and
nothing is printed as typed. One test a message: the input, its level (or the exit status), the words."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_project
from handout.load.book import BookProblems, Problems, convert_chapter, load_book
from handout.check import check_project
from handout.config.settings import load_config
from handout.core.errors import InputError


@pytest.fixture
def root(tmp_path):
    (tmp_path / "chapters").mkdir()
    return tmp_path


def convert(root, body: str, title: str = "Intro"):
    """(the chapter's HTML, its notes as (line, level, code, message), its errors as (line, code, message))."""
    path = root / "chapters" / "01-intro.md"
    path.write_text(f"---\ntitle: {title}\n---\n{body}")  # the body starts on line 4
    problems = Problems(collect=True)
    chapter = convert_chapter(path, 1, "intro", root, problems=problems)
    notes = [(line, level, code, message) for code, level, line, message in chapter.notes]
    errors = [(d.line, d.code, d.message) for d in problems.found]
    return "".join(block.html for block in chapter.blocks), notes, errors


def only(items: list) -> tuple:
    assert len(items) == 1, items
    return items[0]


# ---- pasted text -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bullet", ["\u2022", "\u25e6", "\u25aa", "\u2013", "\u00b7"])
@pytest.mark.parametrize("gap", [" ", "\t"])
def test_pasted_bullets_are_a_list_with_an_info_at_its_first_line(root, bullet, gap):
    html, notes, errors = convert(root, f"Bring:\n{bullet}{gap}a list\n{bullet}{gap}your card\n")
    assert "<ul>\n<li>a list</li>\n<li>your card</li>\n</ul>" in html and bullet not in html and not errors
    line, level, code, message = only(notes)
    assert (line, level, code) == (5, "info", "input.pasted-list") and "write '- ' at the start" in message


@pytest.mark.parametrize("mark", ["1)", "1."])
def test_numbers_followed_by_a_tab_are_a_numbered_list(root, mark):
    html, notes, _ = convert(root, f"{mark}\tCall us.\n{mark.replace('1', '2')}\tSay your name.\n")
    assert "<ol>\n<li>Call us.</li>\n<li>Say your name.</li>\n</ol>" in html
    assert only(notes)[:3] == (4, "info", "input.pasted-list") and "write '1. '" in only(notes)[3]


@pytest.mark.parametrize("indent", ["\t", "    "])
def test_indented_text_is_a_paragraph_with_a_warning_never_code(root, indent):
    html, notes, _ = convert(root, f"Text.\n\n{indent}Keep *this* [@a].\n{indent}And this.\n")
    assert "<pre" not in html and "<code" not in html and "<p>Keep <em>this</em><sup" in html
    line, level, code, message = only(notes)
    assert (line, level, code) == (6, "warning", "input.indented-text")
    assert "a handout has no code" in message and "remove the indentation" in message


def test_a_list_items_indented_paragraph_is_no_code(root):
    html, notes, _ = convert(root, "- item\n\n    more of it\n")
    assert "<li>\n<p>item</p>\n<p>more of it</p>\n</li>" in html and not notes


def test_code_markdown_still_makes_is_printed_as_text(root):
    html, notes, _ = convert(root, "> Quoted.\n>\n>     indented in a quote\n\nUse `yes` here.\n")
    assert "<pre" not in html and "<code" not in html and "<p>indented in a quote</p>" in html
    assert "Use yes here." in html
    assert [note[:3] for note in notes] == [(6, "warning", "input.indented-text"), (8, "info", "input.inline-code")]
    assert "delete the backticks" in notes[1][3]


def test_double_spaces_after_a_full_stop_are_one(root):
    html, _, _ = convert(root, "One.  Two!\u00a0 Three?   Four. \u00a0Five.\n")
    assert "One. Two! Three? Four. Five." in html


@pytest.mark.parametrize("written", ["[@a, @b]", "[@a,@b]", "[@a , @b; @c]"])
def test_citations_with_commas_are_read_as_several(root, written):
    html, notes, errors = convert(root, f"It helps {written}.\n")
    assert "[@" not in html and html.count('class="noteref"') == written.count("@") and not errors
    line, level, code, message = only(notes)
    assert (line, level, code) == (4, "info", "input.citation-commas") and "separate several sources with ';'" in message


@pytest.mark.parametrize("written", ["[@smith 2020]", "[@ smith]", "[@a: p. 4]"])
def test_a_citation_the_dialect_cannot_read_is_refused_at_its_line(root, written):
    _, _, errors = convert(root, f"Fine [@a].\n\nIt helps {written}.\n")
    line, code, message = only(errors)
    assert (line, code) == (6, "citations.syntax") and "write [@key] for one source or [@key1; @key2]" in message


# ---- Markdown from elsewhere -------------------------------------------------------------------------------

def test_footnotes_are_refused_at_each_line_saying_to_cite(root):
    _, _, errors = convert(root, "It helps[^1].\n\n[^1]: A study said so.\n")
    assert [(line, code) for line, code, _ in errors] == [(4, "input.footnote"), (6, "input.footnote")]
    assert "cite a source with [@key]" in errors[0][2] and "say the note in the sentence" in errors[0][2]


def test_a_footnote_stops_the_build_with_its_line(root):
    (root / "chapters" / "01-intro.md").write_text("---\ntitle: Intro\n---\nIt helps[^1].\n")
    with pytest.raises(InputError) as caught:
        convert_chapter(root / "chapters" / "01-intro.md", 1, "intro", root)
    assert caught.value.line == 4 and caught.value.code == "input.footnote"


def test_fenced_code_is_printed_as_text_with_a_warning(root):
    html, notes, errors = convert(root, "Before.\n\n```text\nCall 911.\n    Then wait.\n```\n\nAfter.\n")
    assert "<p>Call 911.\nThen wait.</p>" in html and "```" not in html and "<code" not in html and not errors
    line, level, code, message = only(notes)
    assert (line, level, code) == (6, "warning", "input.code-fence") and "delete the '```' lines" in message


def test_strikethrough_is_refused_saying_what_to_write(root):
    _, _, errors = convert(root, "Text.\n\nTake ~~two~~ one tablet.\n")
    line, code, message = only(errors)
    assert (line, code) == (6, "input.strikethrough")
    assert "a screen reader does not say" in message and "delete the old words" in message


def test_an_email_autolink_is_a_plain_mailto_link(root):
    html, notes, errors = convert(root, "Write to <help@clinic.org>.\n")
    assert '<a href="mailto:help@clinic.org">help@clinic.org</a>' in html and not errors and not notes


def test_html_entities_are_characters(root):
    html, _, errors = convert(root, "Dr&nbsp;Lee &copy; 2026 &mdash; A &amp; B, 1 &lt; 2.\n")
    assert "Dr\u00a0Lee \u00a9 2026 \u2014 A &amp; B, 1 &lt; 2." in html and not errors


def test_an_unknown_entity_is_refused_at_its_line(root):
    _, _, errors = convert(root, "Text.\n\nA &bogus; B.\n")
    line, code, message = only(errors)
    assert (line, code) == (6, "input.entity") and "type the character itself" in message


def test_a_first_line_repeating_the_title_is_left_out_with_a_warning(root):
    html, notes, _ = convert(root, "# Intro\n\nText.\n")
    assert "Intro" not in html and "<h" not in html
    line, level, code, message = only(notes)
    assert (line, level, code) == (4, "warning", "input.title-repeated") and "delete this line" in message


@pytest.mark.parametrize("body, line", [("Text.\n\n# Other part\n\nMore.\n", 6), ("Other part\n==========\n\nMore.\n", 4)])
def test_a_level_1_heading_is_a_section_with_a_warning(root, body, line):
    html, notes, _ = convert(root, body)
    assert '<h2 id="intro--other-part">Other part</h2>' in html and "<h1" not in html
    assert only(notes)[:3] == (line, "warning", "input.heading-level-1")
    assert "write '## Other part' for a section" in only(notes)[3]


def test_a_file_starting_with_a_title_heading_is_told_how_to_write_front_matter(root):
    path = root / "chapters" / "01-intro.md"
    path.write_text("# How to prepare\n\nText.\n")
    with pytest.raises(InputError) as caught:
        convert_chapter(path, 1, "intro", root)
    assert caught.value.line == 1 and "missing YAML front matter" in caught.value.message
    assert "write three lines: '---', 'title: How to prepare' and '---'" in caught.value.message


# ---- every problem at once, and through check ----------------------------------------------------------------

def test_every_html_and_link_problem_of_a_chapter_is_reported_at_once(root):
    _, _, errors = convert(root, 'A <span style="color: red">red</span> word.\n\n<script>x</script>\n\n'
                                 '[bad](javascript:alert) and [gone](09-nowhere.txt).\n\nA &bogus; one.\n')
    assert [(line, code) for line, code, _ in errors] == [
        (8, "links.not-allowed"), (8, "links.not-a-chapter"), (4, "input.raw-html"), (6, "input.raw-html")]


def test_a_tag_left_open_or_closing_nothing_is_named_at_its_line_and_nothing_else_is_refused_for_it(root):
    """An HTML parser rebuilds the tree around an unclosed <b>: the tags Markdown made after it must not be
    reported as typed HTML, and what is really refused in the same part is still reported."""
    _, _, errors = convert(root, "Some <b>bold never ends.\n\nA stray </em> and a <div>box</div>.\n\n"
                                 "Fine <b>bold</b>, <i>italic</i> and a<br>break.\n\nText with <span>two <i>open.\n")
    errors = sorted(errors)  # a report lists them by line
    assert [(line, code) for line, code, _ in errors] == [
        (4, "input.xhtml"), (6, "input.raw-html"), (6, "input.xhtml"), (10, "input.xhtml"), (10, "input.xhtml")]
    messages = [message for _, _, message in errors]
    assert messages[0] == "<b> is never closed: end it with </b> in the same paragraph, or remove it"
    assert messages[1].startswith("raw HTML not allowed: <div> element")
    assert messages[2].startswith("</em> closes nothing: remove it, or open it with <em>")
    assert sorted(messages[3:]) == ["<i> is never closed: end it with </i> in the same paragraph, or remove it",
                                    "<span> is never closed: end it with </span> in the same paragraph, or remove it"]


def test_check_reports_the_loaders_notes_with_codes_and_levels(tmp_path):
    project = make_project(tmp_path / "p")
    chapter = project / "chapters" / "05-more.md"
    chapter.write_text("---\ntitle: More\n---\n# More\n\n\u2022 one\n\u2022 two\n\n# Part\n\nText.\n")
    run = check_project(project, dt.date(2027, 1, 1))
    found = [(f.line, f.level, f.code) for f in run.findings if f.path == "chapters/05-more.md" and f.rule == "input"]
    assert found == [(4, "warning", "input.title-repeated"), (6, "info", "input.pasted-list"),
                     (9, "warning", "input.heading-level-1")]
    assert run.status == 0


def test_refusals_are_bad_input_for_check_and_the_notes_are_reported_beside_them(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-more.md").write_text("---\ntitle: More\n---\n# More\n\n\u2022 one\n\u2022 two\n\n"
                                                     "Text[^1] and ~~old~~.\n")
    run = check_project(project, dt.date(2027, 1, 1))
    found = [(f.line, f.level, f.code) for f in run.findings if f.path == "chapters/05-more.md"]
    # The refusals, and beside them what the loader noticed in the same chapter: everything at once.
    assert found == [(4, "warning", "input.title-repeated"), (6, "info", "input.pasted-list"),
                     (9, "error", "input.footnote"), (9, "error", "input.strikethrough")]
    assert run.status == 2  # bad input
    with pytest.raises(BookProblems) as caught:
        load_book(load_config(project), use_cache=False, collect=True)
    assert {note.diagnostic.code for note in caught.value.notes} >= {"input.title-repeated", "input.pasted-list"}
