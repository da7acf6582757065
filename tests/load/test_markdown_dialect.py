"""The chapters' Markdown dialect in process, through its public converter (`new_markdown`) and the loader's
`convert_chapter`: ids, links between chapters, images, citations, checklists, figures, typography, tables and
glossaries, and each refusal with its message and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from handout.load.book import convert_chapter
from handout.core.errors import InputError, SandboxError
from handout.load.markdown_ext import CITE_CLOSE, CITE_OPEN, ChapterState, new_markdown


@pytest.fixture
def root(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.png").write_bytes(b"not read here")
    return tmp_path


def convert(root: Path, markdown: str, slug: str = "intro") -> tuple[str, ChapterState]:
    state = ChapterState(slug=slug, chapter_path=root / "chapters" / f"01-{slug}.md", root=root)
    return new_markdown(state).convert(markdown), state


def problems(root: Path, markdown: str) -> list[tuple[str, str, bool]]:
    return [(p.message, p.needle, p.sandbox) for p in convert(root, markdown)[1].problems]


def chapter(root: Path, body: str, front: str = "title: Intro\n"):
    path = root / "chapters" / "01-intro.md"
    path.write_text(f"---\n{front}---\n{body}")
    return convert_chapter(path, 1, "intro", root)


# ---- what the dialect makes ----------------------------------------------------------------------------------

def test_heading_ids_are_prefixed_with_the_chapter_and_unique(root):
    html, state = convert(root, "## Why it matters {#why}\n\n## Why it matters\n\n## Why it matters\n")
    assert [id_ for _, id_, _ in state.headings] == ["intro--why", "intro--why-it-matters", "intro--why-it-matters_1"]
    assert '<h2 id="intro--why">Why it matters</h2>' in html


def test_links_to_chapters_and_anchors_become_in_book_ids(root):
    html, state = convert(root, "[steps](02-steps.md#dose), [top](02-steps.md), [here](#why), "
                                "[web](https://example.org/a), [mail](mailto:a@example.org), [call](tel:+15550100)")
    assert '<a href="#steps--dose">' in html and '<a href="#steps">' in html and '<a href="#intro--why">' in html
    assert '<a href="https://example.org/a">' in html and '<a href="mailto:a@example.org">' in html
    assert [(link.target, link.written) for link in state.links] == [
        ("steps--dose", "02-steps.md#dose"), ("steps", "02-steps.md"), ("intro--why", "#why")]
    assert not state.problems


def test_citations_become_note_references_with_placeholders_hugging_the_word(root):
    html, state = convert(root, "Within weeks [@smith2020; @lee].")
    assert state.citations == [("smith2020", "cite-intro-1"), ("lee", "cite-intro-2")]
    assert f'weeks<sup class="cite"><a class="noteref" epub:type="noteref" href="#ref-smith2020" ' \
           f'id="cite-intro-1" role="doc-noteref">{CITE_OPEN}smith2020{CITE_CLOSE}</a>' in html


def test_typography_is_characters_not_entities(root):
    html, _ = convert(root, "\"Quotes\" and 'single' -- a dash... ---")
    assert "\u201cQuotes\u201d" in html and "\u2018single\u2019" in html and "\u2013" in html
    assert "\u2026" in html and "\u2014" in html and "&" not in html


def test_checklists_figures_glossaries_and_tables(root):
    html, state = convert(root, "- [ ] call\n- [x] done\n\n![A chart](../assets/a.png \"What it shows\")\n\n"
                                "Term\n: Its meaning\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n")
    assert '<li class="task">call</li>' in html and '<li class="task done">done</li>' in html
    assert '<figure class="figure"><img alt="A chart" src="assets/a.png" /><figcaption>What it shows</figcaption>' \
           '</figure>' in html
    assert "<dt>Term</dt>\n<dd>Its meaning</dd>" in html
    assert '<table id="intro--table-1">' in html and '<th scope="col" style="text-align: center;">b</th>' in html
    assert [(image.src, image.alt, image.caption) for image in state.images] == [
        ("assets/a.png", "A chart", "What it shows")]
    assert state.images[0].path == (root / "assets" / "a.png").resolve()


def test_a_data_image_is_kept_as_it_is(root):
    html, state = convert(root, "![dot](data:image/png;base64,iVBORw0KGgo=)")
    assert state.images[0].path is None and 'src="data:image/png;base64,iVBORw0KGgo="' in html


def test_backtick_fences_are_not_code_blocks(root):
    html, _ = convert(root, "```\nnot code\n```\n")
    assert "<pre>" not in html


# ---- what the dialect refuses --------------------------------------------------------------------------------

@pytest.mark.parametrize("markdown,message,sandbox", [
    ("[bad](javascript:alert(1))", "link 'javascript:alert(1)' is not allowed: only https:, http:, mailto:, tel: "
                                   "and links to other chapters", True),
    ("[x](ftp://example.org/f)", "link 'ftp://example.org/f' is not allowed", True),
    ("[x](https:nohost)", "malformed web address 'https:nohost'", False),
    ("[x](https://example.org[)", "malformed address 'https://example.org['", False),
    ("[x](notes.txt)", "link 'notes.txt' does not point to a chapter (NN-slug.md)", False),
    ("![](../assets/a.png)", "image '../assets/a.png' has no alt text: write ![what it shows](../assets/a.png)", False),
    ("![x](https://example.org/a.png)", "image 'https://example.org/a.png' is outside the project sandbox: use a file "
                                        "inside the project or a data: URL", True),
    ("![x](/etc/a.png)", "image '/etc/a.png' is outside the project sandbox", True),
    ("![x](../../a.png)", "image '../../a.png' is outside the project sandbox", True),
    ("![x](none.png)", "image 'none.png' not found", False),
])
def test_each_refusal_names_what_and_how_to_find_it(root, markdown, message, sandbox):
    found = problems(root, markdown)
    assert found and found[0][0].startswith(message) and found[0][2] is sandbox
    assert found[0][1] in markdown


def test_every_problem_of_a_chapter_is_collected(root):
    found = problems(root, "[a](javascript:x)\n\n![](none.png)\n\n[b](notes.txt)\n")
    assert sorted(message.split(":")[0] for message, _, _ in found) == [
        "image 'none.png' has no alt text", "image 'none.png' not found", "link 'javascript",
        "link 'notes.txt' does not point to a chapter (NN-slug.md)"]


def test_too_many_blocks_are_refused_before_the_inline_pass(root):
    found = problems(root, "\n\n".join(["para"] * 2_600))
    assert found and "blocks in a row (at most 2500" in found[0][0]


# ---- through the loader: the problem's line ------------------------------------------------------------------

def test_the_loader_raises_the_first_problem_at_its_line(root):
    with pytest.raises(SandboxError, match="link 'javascript:x' is not allowed") as caught:
        chapter(root, "# Intro\n\nFine.\n\n[bad](javascript:x)\n")
    assert caught.value.line == 8 and caught.value.path == root / "chapters" / "01-intro.md"
    with pytest.raises(InputError, match="image 'none.png' not found") as caught:
        chapter(root, "Text.\n\n![a](none.png)\n")
    assert caught.value.line == 6


def test_the_loader_converts_a_chapter_of_the_dialect(root):
    converted = chapter(root, "Some *text* with a [link](02-steps.md#dose).\n\n## A section\n")
    assert converted.title == "Intro" and converted.slug == "intro"
    html = "".join(block.html for block in converted.blocks)
    assert "<em>text</em>" in html and 'href="#steps--dose"' in html
    assert [heading.id for heading in converted.headings][-1] == "intro--a-section"


@pytest.mark.parametrize("front,message", [
    ("short_title: Intro\n", "front matter has no 'title'"),
    ("title: ''\n", "front matter 'title' is empty"),
    ("title: [a]\n", "front matter 'title' must be text"),
    ("title: Intro\nrole: poem\n", "front matter 'role' must be one of"),
    ("title: Intro\nsummary: \"a\\x07b\"\n", "front matter 'summary' holds an invisible control character (U+0007)"),
])
def test_bad_front_matter_is_refused(root, front, message):
    with pytest.raises(InputError) as caught:
        chapter(root, "Text.\n", front)
    assert message in caught.value.message


def test_a_control_character_in_the_file_is_refused_at_its_line(root):
    with pytest.raises(InputError, match=r"the file holds an invisible control character \(U\+0001\)") as caught:
        chapter(root, "Line.\n\nA \x01 here.\n")
    assert caught.value.line == 6


@pytest.mark.parametrize("line", ["Sources: [@a; @b]", "Fuentes: [@a; @b].", "资料来源：[@a; @b]"])
def test_a_line_listing_only_sources_prints_its_numbers_on_the_line_in_each_language(root, line):
    html, _ = convert(root, f"| A | B |\n|---|---|\n| 1 | 2 |\n\n{line}\n")
    assert '<p class="source-line">' in html, html
