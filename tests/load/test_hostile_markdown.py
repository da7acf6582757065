"""Hostile Markdown: deep nesting and runaway shapes are refused at their line (exit 2), fast; nothing
recurses too deep or runs for minutes. In-process: the loader's own functions on a scratch project."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handout.load import book as book_module
from handout.load.book import convert_chapter, discover_chapters
from handout.config.settings import load_config
from handout.core.errors import InputError
from handout.load.mdguard import CONVERT_SECONDS, MAX_NESTING, check_markdown

from conftest import REPO, make_project, run_publish, snapshot

KB = 1000
FULL = 512 * KB  # limits.chapter_kb by default
PROSE = ("Ketamine can help some people feel better within hours. Ask your care team what to expect, "
         "and write down your questions before the visit. ")


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def hostile_shapes(size: int) -> dict[str, str]:
    """Chapter bodies of about `size` bytes built to be slow for Python-Markdown (or to recurse deeply)."""
    n = size
    return {
        "brackets": "[" * n,
        "brackets then text": "[" * n + "x",
        "image brackets": "![" * (n // 2),
        "spaced brackets": "[ " * (n // 2),
        "nested links": "[" * (n // 2) + "]" * (n // 2),
        "unclosed link targets": "[a](" * (n // 4),
        "unclosed image targets": "![a](" * (n // 5),
        "citations left open": "[@a; " * (n // 5),
        "angle brackets": "<" * n,
        "unclosed tags": "<a " * (n // 3),
        "unclosed comments": "<!--" * (n // 4),
        "unclosed autolinks": "<http://" * (n // 8),
        "stars": "*" * n,
        "emphasis": "*a" * (n // 2),
        "strong": "**a" * (n // 3),
        "underscores": "_" * n,
        "underscore words": "_a " * (n // 3),
        "backticks": "`" * n,
        "code spans": "` x" * (n // 3),
        "entities": "&#" * (n // 2),
        "smart quotes": "'\"" * (n // 2),
        "backslashes": "\\" * n,
        "definition lines": "term\n: def\n" * (n // 11),
        "definition entries": "term\n\n: def\n\n" * (n // 13),
        "blockquotes on one line": "> " * (n // 2) + "x",
        "blockquote lines": "".join("> " * i + "x\n" for i in range(1, 200)) * (n // 40000 + 1),
        "nested lists": "".join("    " * i + "- x\n" for i in range(500)),
        "list markers on one line": "1. " * (n // 3),
        "headings": "#\n" * (n // 2),
        "heading lines": "# x\n" * (n // 4),
        "setext headings": "a\n=\n" * (n // 4),
        "rules": "---\n" * (n // 4),
        "list items": "- x\n" * (n // 4),
        "table rows": "|a|b|\n|-|-|\n" + "|a|b|\n" * (n // 6),
        "table columns": "|" + "a|" * (n // 4) + "\n|" + "-|" * (n // 4) + "\n",
        "raw html nesting": "<span>" * (n // 13) + "x" + "</span>" * (n // 13),
        "fences": "```\n" * (n // 4),
        "links": _fill("See [the guide](https://example.org/a) and *this* and **that**.\n\n", n),
        "prose": _fill(PROSE * 2 + "\n\n", n),
    }


def worst_accepted_shapes() -> dict[str, str]:
    """The slowest chapters we could build that stay within every shape limit (each near one cap)."""
    return {
        "2,400 headings": ("".join(f"## Heading {i}\n" for i in range(32)) + "\n") * 75,
        "4,800 list items": ("".join("- x\n\n" for _ in range(2400)) + "Text.\n\n") * 2,
        "2,000-column table, 4 rows": "|" + "a|" * 2000 + "\n|" + "-|" * 2000 + "\n" + ("|" + "b|" * 2000 + "\n") * 2,
        "3,200 definitions": ("Term\n\n:   Definition of the term.\n\n" * 800 + "Text.\n\n") * 4,
        "raw HTML 20 deep, 240 times": ("<span>" * 20 + "x" + "</span>" * 20 + "\n\n") * 240,
        "quotes 20 deep, 450 times": ("> " * 20 + "x\n\n") * 450,
        "brackets 70 deep, 210 times": ("[" * 70 + "x" + "]" * 70 + "\n\n") * 210,
        "links at the markup cap": "[a](https://example.org/b) *c* `d` **e**\n\n" * 2400,
        "citations at the markup cap": "Text [@a; @b; @c; @d; @e].\n\n" * 900,
        "attribute lists": "Para {: .a #b}\n\n" * 2400,
        "headings with links": "## [a](#b) *c*\n\n" * 2400,
        "2,400 paragraphs in each of 4 parts": ("\n\n&" * 2400 + '\n\n::: callout "T"\nx\n:::\n') * 4,
        "boxes": '::: callout "T"\nText *a*.\n:::\n\n' * 3300,
        "512 kB of prose": _fill(PROSE * 2 + "\n\n", FULL - 1000),
    }


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True)
    return root


def _convert(root: Path, body: str):
    path = root / "chapters" / "01-x.md"
    path.write_text("---\ntitle: X\n---\n" + body + "\n", encoding="utf-8")
    return convert_chapter(path, 1, "x", root)


BODY_LINE = 4  # the first body line of the chapters _convert writes


def _refused(root: Path, body: str) -> InputError:
    with pytest.raises(InputError) as caught:
        _convert(root, body)
    error = caught.value
    assert error.path is not None and error.path.name == "01-x.md"
    return error


@pytest.mark.parametrize("lines", [False, True], ids=["one line", "one level a line"])
def test_5000_nested_blockquotes_are_refused_at_the_line(tmp_path, lines):
    root = _project(tmp_path)
    body = "".join("> " * i + "x\n" for i in range(1, 5001)) if lines else "> " * 5000 + "x"
    start = time.perf_counter()
    error = _refused(root, body)
    assert time.perf_counter() - start < 5
    assert "nested" in error.message and f"at most {MAX_NESTING}" in error.message
    assert error.line == BODY_LINE + (MAX_NESTING if lines else 0)


def test_500_nested_list_levels_are_refused_where_the_limit_is_passed(tmp_path):
    root = _project(tmp_path)
    error = _refused(root, "".join("    " * i + "- level\n" for i in range(500)))
    assert "nested 21 deep" in error.message
    assert error.line == BODY_LINE + MAX_NESTING  # the 21st level


def test_nesting_up_to_the_limit_converts(tmp_path):
    root = _project(tmp_path)
    chapter = _convert(root, "".join("    " * i + "- level\n" for i in range(MAX_NESTING)) + "\n"
                       + "> " * MAX_NESTING + "quote\n\n" + "<span>" * MAX_NESTING + "x" + "</span>" * MAX_NESTING)
    html = "".join(block.html for block in chapter.blocks)
    assert html.count("<ul>") == MAX_NESTING and html.count("<blockquote>") == MAX_NESTING


def test_raw_html_nested_too_deep_is_refused_at_its_line(tmp_path):
    root = _project(tmp_path)
    error = _refused(root, "Text.\n\n" + "".join(f"<span>\n" for _ in range(30)))
    assert "HTML elements nested 21 deep" in error.message
    assert error.line == BODY_LINE + 2 + MAX_NESTING


def test_definitions_without_blank_lines_nest_and_are_refused(tmp_path):
    root = _project(tmp_path)
    error = _refused(root, "term\n: def\n" * 100)
    assert "blank line between glossary entries" in error.message
    assert error.line == BODY_LINE + 2 * MAX_NESTING + 1


def test_a_recursion_error_in_conversion_is_bad_input_naming_the_chapter(tmp_path, monkeypatch):
    root = _project(tmp_path)

    def recurse(*args):
        return recurse(*args)
    monkeypatch.setattr(book_module, "_convert_blocks", recurse)
    error = _refused(root, "Some text.")
    assert "nests too deeply" in error.message


def test_a_conversion_past_the_time_limit_is_stopped_naming_the_chapter(tmp_path, monkeypatch):
    root = _project(tmp_path)

    def forever(*args):
        while True:
            time.sleep(0.01)
    monkeypatch.setattr(book_module, "_convert_blocks", forever)
    path = root / "chapters" / "01-x.md"
    path.write_text("---\ntitle: X\n---\nSome text.\n")
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        book_module.load_chapter(path, 1, "x", root, replace(load_config(REPO).limits, markdown_seconds=1))
    assert time.perf_counter() - start < 3
    error = caught.value
    assert error.path == path and "took longer than 1 s (limits.markdown_seconds" in error.message


@pytest.mark.parametrize("size", [30 * KB, FULL], ids=["30kB", "512kB"])
@pytest.mark.parametrize("shape", list(hostile_shapes(100)))
def test_hostile_shapes_convert_or_are_refused_in_bounded_time(tmp_path, shape, size):
    root = _project(tmp_path)
    body = hostile_shapes(size)[shape]
    start = time.perf_counter()
    try:
        _convert(root, body)
        refused = None
    except InputError as error:
        refused = error
    elapsed = time.perf_counter() - start
    if refused is not None:
        assert refused.path is not None and refused.line, refused.format()
        assert elapsed < 2, (shape, elapsed)  # refused by the linear pre-scan (or the tree check), not by the clock
    else:
        assert shape in {"prose", "links", "definition entries", "table columns"}, f"{shape} was accepted"
        assert elapsed < CONVERT_SECONDS + 5, (shape, elapsed)


@pytest.mark.parametrize("shape", list(worst_accepted_shapes()))
def test_the_worst_accepted_shapes_convert_well_within_the_time_limit(tmp_path, shape):
    root = _project(tmp_path)
    start = time.perf_counter()
    _convert(root, worst_accepted_shapes()[shape])
    assert time.perf_counter() - start < CONVERT_SECONDS / 2


def test_the_repository_handout_and_fixture_chapters_pass_the_shape_limits():
    for folder in (REPO, REPO / "tests" / "fixtures" / "mini"):
        for _, _, path in discover_chapters(folder):
            text = path.read_text(encoding="utf-8")
            check_markdown(text, path, 1)


def test_backtick_fences_are_not_code_blocks_in_this_dialect_and_do_not_hide_shapes(tmp_path):
    # Without the fenced_code extension, ``` opens an inline code span: what follows is converted like any text.
    root = _project(tmp_path)
    error = _refused(root, "```\n" + "[[[[ " * 100 + "\n```\n")
    assert "left open" in error.message


def test_equal_headings_get_unique_ids_in_linear_time(tmp_path):
    root = _project(tmp_path)
    start = time.perf_counter()
    chapter = _convert(root, "".join("## Same\n\n" for _ in range(2400)))
    assert time.perf_counter() - start < 10
    ids = [heading.id for heading in chapter.headings]
    assert len(set(ids)) == 2400 and ids[0] == "x--same"


@pytest.mark.slow
def test_publish_refuses_5000_nested_blockquotes_with_exit_2(mini_build, tmp_path):
    import shutil

    project = tmp_path / "deep"
    shutil.copytree(mini_build, project)
    before = snapshot(project / "dist")
    steps = project / "chapters" / "02-steps.md"
    steps.write_text(steps.read_text() + "\n" + "> " * 5000 + "deep\n")
    start = time.perf_counter()
    result = run_publish(project)
    assert time.perf_counter() - start < 30
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "chapters/02-steps.md:" in errors[0] and "nested" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project / "dist") == before


_MARKDOWN_PIECES = st.sampled_from([
    "[", "]", "(", ")", "![", "](", "<", ">", "<a ", "</a>", "<span>", "</span>", "<!--", "-->", "*", "**", "_",
    "`", "```", "~~~", "&", "&#", "&amp;", "\\", "'", '"', "--", "...", "{: #x}", "{#x}", "#", "## ", "> ", "- ",
    "1. ", "    ", "\t", ": ", "|", "|-|", "---", "===", "\n", "\n\n", " ", "x", "word", "[@a]", "[@a; @b]",
    "https://example.org", "mailto:a@b.c", "[^1]", "::: callout", ":::", "<br>", "<br/>", "\u00e9", "\u200b",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_MARKDOWN_PIECES, max_size=300), repeat=st.integers(1, 60))
@example(pieces=[">", "<", "https://example.org", "["], repeat=2)  # found by this test: "Invalid IPv6 URL"
def test_generated_markdown_converts_or_is_refused_as_bad_input_quickly(tmp_path_factory, pieces, repeat):
    root = _project(tmp_path_factory.mktemp("md"))
    start = time.perf_counter()
    try:
        _convert(root, "".join(pieces) * repeat)
    except InputError:
        pass
    assert time.perf_counter() - start < 5
