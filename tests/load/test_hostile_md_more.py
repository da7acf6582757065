"""Hostile input, second round, beyond the Markdown itself: drafts' page lists, YAML, names, images, SVG
cost and tables wider than the page. In-process where possible."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handout.load.book import load_book
from handout.config.settings import load_config
from handout.core.errors import InputError

from conftest import FIXTURES, REPO, make_project


@pytest.fixture()
def mini(tmp_path) -> Path:
    return make_project(tmp_path / "mini")


# ---- --draft: the page list ignores the draft mark ---------------------------------------------------------

def test_a_draft_page_starting_with_a_chapters_last_words_is_found_in_the_epub(mini):
    from handout.targets.pdf.pagemap import mark_pages
    from handout.model import DRAFT_MARK
    from handout.targets.epub.render import render_epub

    config = load_config(mini)
    book = replace(load_book(config, use_cache=False), draft=True)
    pages, _, _ = render_epub(book, config.clinic)
    chapter_two = next(page for page in pages if page.file_name == "steps.xhtml")
    assert DRAFT_MARK.encode() in chapter_two.content  # each EPUB document of a draft says so at its top
    # A printed page that starts with the last words of chapter 1 and goes on into chapter 2's title.
    starts = [["medicine.", "The", "steps", "to", "follow", "The", "steps", "Step"]]
    contents, holders = mark_pages([page.content for page in pages], starts)
    assert 'id="page-1"' in contents[holders[0]].decode()
    assert holders[0] < [p.file_name for p in pages].index("steps.xhtml")  # before "medicine."


# ---- rasters are decoded in full before use -------------------------------------------------------------------

def _png(width: int = 120, height: int = 80) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _garbage_png() -> bytes:
    """A PNG whose header and chunk checksums are valid but whose image data is not a zlib stream."""
    import struct
    import zlib

    good = _png()
    data = b"\x00garbage" * 200
    chunk = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return good[:good.index(b"IDAT") - 4] + chunk + good[good.index(b"IEND") - 4:]


def _add_figure(project: Path, name: str, content: bytes) -> Path:
    figure = project / "assets" / "figures" / name
    figure.write_bytes(content)
    steps = project / "chapters" / "02-steps.md"
    steps.write_text(steps.read_text() + f"\n![A red box]({Path('../assets/figures', name).as_posix()})\n")
    return figure


@pytest.mark.parametrize("content", [_garbage_png, lambda: _png()[:len(_png()) // 2]], ids=["garbage data", "truncated"])
def test_a_raster_that_does_not_decode_is_refused_naming_it(mini, content):
    _add_figure(mini, "box.png", content())
    with pytest.raises(InputError) as caught:
        load_book(load_config(mini), use_cache=False)
    error = caught.value
    assert error.path.name == "box.png" and "does not decode" in error.message
    assert "chapters/02-steps.md" in error.message  # and where it is used


def test_a_raster_that_decodes_is_accepted(mini):
    _add_figure(mini, "box.png", _png())
    book = load_book(load_config(mini), use_cache=False)
    assert any(image.src.endswith("box.png") for image in book.images)


def test_a_data_url_raster_that_does_not_decode_is_refused_at_its_line(mini):
    import base64

    steps = mini / "chapters" / "02-steps.md"
    url = "data:image/png;base64," + base64.b64encode(_garbage_png()).decode()
    steps.write_text(steps.read_text() + f"\n![A red box]({url})\n")
    with pytest.raises(InputError) as caught:
        load_book(load_config(mini), use_cache=False)
    assert caught.value.path.name == "02-steps.md" and caught.value.line and "does not decode" in caught.value.message


# ---- SVG cost: <use> depth and expanded element count -----------------------------------------------------------

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _use_laughs(levels: int, fan: int = 10) -> str:
    """Each group uses the previous one `fan` times: fan ** levels rectangles from a few hundred bytes."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        groups.append(f'<g id="l{level}">' + "".join(f'<use xlink:href="#l{level - 1}"/>' for _ in range(fan))
                      + "</g>")
    return (f'<svg {SVG_NS} viewBox="0 0 10 10" role="img"><title>Boxes</title>\n<defs>\n' + "\n".join(groups)
            + f'\n</defs>\n<use href="#l{levels}"/>\n</svg>\n')


@pytest.mark.parametrize("svg, message, line", [
    (_use_laughs(9), "more than 50000 elements", 8),       # 10**9 rectangles: refused where the count passes
    (_use_laughs(30, fan=1), "nest 11 deep (at most 10)", 14),
    (f'<svg {SVG_NS}><title>Loop</title>\n<g id="a">\n<use href="#a"/></g></svg>', "'#a' draws itself", 3),
], ids=["billion laughs of use", "deep use chain", "use of itself"])
def test_an_svg_that_expands_too_far_is_refused_with_the_file_and_line(mini, svg, message, line):
    import time

    figure = mini / "assets" / "figures" / "steps.svg"  # the figure the fixture's first chapter shows
    figure.write_text(svg)
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_book(load_config(mini), use_cache=False)
    assert time.perf_counter() - start < 5
    error = caught.value
    assert error.path == figure and message in error.message and error.line == line, error.format()


def test_svgs_with_modest_use_and_shared_gradients_pass():
    from handout.core.sandbox import check_svg_bytes

    check_svg_bytes(_use_laughs(3).encode())  # 1,000 rectangles
    shapes = "".join(f'<rect x="{i}" width="1" height="1" fill="url(#g)"/>' for i in range(30_000))
    check_svg_bytes(f'<svg {SVG_NS}><defs><linearGradient id="g"><stop offset="0"/><stop offset="1"/>'
                    f'</linearGradient></defs>{shapes}</svg>'.encode())


# ---- YAML: aliases, size, dates, and fuzzing -------------------------------------------------------------------

ALIAS_BOMB = ('lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
              + "".join(f"l{n}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 9) + "]\n" for n in range(8)))


def _references(project: Path) -> Path:
    return project / "chapters" / "references.yaml"


def _front_matter(project: Path, extra: str) -> Path:
    chapter = project / "chapters" / "01-welcome.md"
    chapter.write_text(chapter.read_text().replace("---\n", f"---\n{extra}", 1))
    return chapter


def _load_error(project: Path) -> InputError:
    import time

    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_book(load_config(project), use_cache=False)
    assert time.perf_counter() - start < 2
    return caught.value


def test_a_yaml_alias_bomb_in_references_is_refused_at_once(mini):
    _references(mini).write_text(ALIAS_BOMB)
    error = _load_error(mini)
    assert error.path.name == "references.yaml" and error.line == 1 and "aliases" in error.message


def test_anchors_and_aliases_in_front_matter_are_refused_at_their_line(mini):
    chapter = _front_matter(mini, "short_title: &t Welcome\nsummary: *t\n")
    error = _load_error(mini)
    assert error.path == chapter and error.line == 2 and "anchors" in error.message


def test_an_oversized_references_file_is_refused_before_it_is_parsed(mini):
    from handout.core.safeyaml import MAX_REFERENCES_BYTES

    references = _references(mini)
    references.write_text(references.read_text() + ("# padding\n" * (MAX_REFERENCES_BYTES // 10 * 20)))
    error = _load_error(mini)
    assert error.path == references and "over the limit of 1 MB" in error.message


@pytest.mark.parametrize("where", ["references", "front matter"])
def test_an_impossible_date_is_refused_at_its_line(mini, where):
    if where == "references":
        path = _references(mini)
        text = path.read_text()
        path.write_text(text.replace("  year: 2024\n", "  year: 2024\n  accessed: 2026-02-30\n", 1))
        line = text.splitlines().index("  year: 2024") + 2
    else:
        path, line = _front_matter(mini, "reviewed: 2026-02-30\n"), 2
    error = _load_error(mini)
    assert error.path == path and error.line == line and "'2026-02-30' is not a date that exists" in error.message


def test_deeply_nested_yaml_is_refused_not_a_recursion_error(mini):
    _references(mini).write_text("guide: " + "[" * 3000 + "]" * 3000 + "\n")
    error = _load_error(mini)
    assert "nested more than 20 deep" in error.message and error.line == 1


# YAML text built from YAML's own punctuation, keywords and the fields the loader knows.
_YAML_PIECES = st.sampled_from([
    "\n", " ", "  ", ": ", "- ", "[", "]", "{", "}", ",", "&a", "*a", "!!", "!!str ", "!!int ", "!!float ",
    "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!python/object:os.system ", "? ", "|", ">", "'", '"', "#",
    "%YAML 1.1\n", "---\n", "...\n", "<<: ", "~", "null", "true", "no", "0x1F", "0o17", "1_000", "1:30:00",
    ".inf", "-.nan", "1e400", "9" * 40, "2026-02-30", "2026-02-28", "2026-02-28T25:00:00", "2026-1-1 10:00:00 +99",
    "title", "short_title", "summary", "role", "glossary", "sources", "authors", "publisher", "year", "details",
    "doi", "url", "accessed", "https://example.org/x", "10.1000/x", "\t", "\u00e9", "\u2028", "\ufeff", "x",
])
yaml_text = st.lists(_YAML_PIECES, max_size=40).map("".join)
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates()
    | st.datetimes(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8) | st.integers(),
                                                                     children, max_size=4),
    max_leaves=12)


def _dumped(value) -> str:
    import yaml

    return yaml.safe_dump(value, allow_unicode=True)


def _only_input_errors(call) -> None:
    try:
        call()
    except InputError:
        pass


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=yaml_text | yaml_values.map(_dumped)
       | st.dictionaries(st.sampled_from(["title", "short_title", "summary", "role", "x"]), yaml_values,
                         max_size=4).map(_dumped))
@example(text="!!int ")  # found by this test: an IndexError inside PyYAML
@example(text="accessed: 2026-02-30")
def test_fuzzed_front_matter_is_loaded_or_refused_as_bad_input(tmp_path_factory, text):
    from handout.load.book import convert_chapter

    root = tmp_path_factory.mktemp("fm")
    (root / "chapters").mkdir()
    chapter = root / "chapters" / "01-x.md"
    chapter.write_text(f"---\n{text}\n---\nSome text.\n", encoding="utf-8")
    _only_input_errors(lambda: convert_chapter(chapter, 1, "x", root))


_REFERENCE = st.fixed_dictionaries({"authors": yaml_values, "title": yaml_values, "publisher": yaml_values,
                                    "year": yaml_values},
                                   optional={"details": yaml_values, "doi": yaml_values, "url": yaml_values,
                                             "accessed": yaml_values})


@FUZZ
@given(text=yaml_text | st.dictionaries(st.sampled_from(["guide", "survey", "other key", "x"]),
                                        _REFERENCE | yaml_values, max_size=3).map(_dumped))
@example(text="~")  # found by this test: a lone null has no keys to number
def test_fuzzed_references_are_loaded_or_refused_as_bad_input(tmp_path_factory, text):
    from handout.load.book import load_references

    root = tmp_path_factory.mktemp("refs")
    (root / "chapters").mkdir()
    (root / "chapters" / "references.yaml").write_text(text, encoding="utf-8")
    _only_input_errors(lambda: load_references(root))


# ---- names: stray chapter-like files, asset names that need encoding -----------------------------------------

@pytest.mark.parametrize("name", ["11-extra.MD", "12-more.markdown", "13-notes.txt", "notes.Markdown", "extra.txt",
                                  "14-more.rst"])
def test_a_chapter_like_file_that_is_not_read_is_a_warning_naming_it(mini, name):
    (mini / "chapters" / name).write_text("---\ntitle: Extra\n---\nLeft out.\n")
    book = load_book(load_config(mini), use_cache=False)
    stray = [warning for warning in book.warnings if name in warning]
    assert len(stray) == 1 and stray[0].startswith(f"chapters/{name}:1: ") and "is not part of the book" in stray[0]
    assert len(book.chapters) == 4


def test_the_jargon_list_and_editor_files_are_not_warned_about(mini):
    for name in ("jargon.txt", ".01-welcome.md.swp", "01-welcome.md~"):
        (mini / "chapters" / name).write_text("x\n")
    book = load_book(load_config(mini), use_cache=False)
    assert not [warning for warning in book.warnings if "is not part of the book" in warning]


def test_check_reports_a_stray_chapter_file_as_a_warning(mini):
    from handout.check import run_checks

    (mini / "chapters" / "11-extra.MD").write_text("---\ntitle: Extra\n---\nLeft out.\n")
    config = load_config(mini)
    findings = run_checks(load_book(config, use_cache=False), dt.date(2026, 11, 15))
    assert any(f.path == "chapters/11-extra.MD" and f.level == "warning" for f in findings)


ACCENTED = "sch\u00e9ma \u00fc.svg"


@pytest.mark.slow
def test_an_asset_named_with_spaces_and_accents_is_percent_encoded_in_the_epub(mini):
    import zipfile
    from urllib.parse import quote

    from conftest import epubcheck, outputs, run_publish

    figures = mini / "assets" / "figures"
    shutil.copy(figures / "steps.svg", figures / ACCENTED)
    steps = mini / "chapters" / "02-steps.md"
    encoded = quote(ACCENTED)
    packed = "sch\u00e9ma_\u00fc.svg"  # EPUBCheck warns of spaces in file names (PKG-010)
    steps.write_text(steps.read_text() + f"\n![The three steps again](../assets/figures/{encoded})\n"
                     f"\n![And once more](<../assets/figures/{ACCENTED}>)\n")
    result = run_publish(mini)
    assert result.returncode == 0, result.stderr
    _, epub_path = outputs(mini)
    with zipfile.ZipFile(epub_path) as epub:
        names = epub.namelist()
        opf = epub.read("EPUB/content.opf").decode()
        chapter = epub.read("EPUB/steps.xhtml").decode()
    assert f"EPUB/assets/figures/{packed}" in names
    assert f'href="assets/figures/{quote(packed)}"' in opf and "sch\u00e9ma" not in opf
    assert chapter.count(f'src="assets/figures/{quote(packed)}"') == 2 and "sch\u00e9ma" not in chapter
    assert epubcheck(epub_path) == []


def test_packed_image_names_have_no_spaces_and_stay_unique():
    from handout.targets.epub.writer import encode_image_urls, packed_names

    packed = packed_names({"assets/a b.png": None, "assets/a_b.png": None, "assets/plain.png": None})
    assert packed == {"assets/a b.png": "assets/2-a_b.png", "assets/a_b.png": "assets/a_b.png",
                      "assets/plain.png": "assets/plain.png"}
    page = b'<img src="assets/a b.png"/><img src="assets/plain.png"/>'
    assert encode_image_urls(page, packed) == b'<img src="assets/2-a_b.png"/><img src="assets/plain.png"/>'


# ---- tables wider than the page -----------------------------------------------------------------------------

def _add_table(project: Path, columns: int) -> int:
    """Append a table of `columns` columns to the steps chapter; returns the line of its header row."""
    steps = project / "chapters" / "02-steps.md"
    text = steps.read_text()
    steps.write_text(text + "\n| " + " | ".join(f"column{i}" for i in range(columns)) + " |\n|" + "---|" * columns
                     + "\n| " + " | ".join("x" for _ in range(columns)) + " |\n")
    return text.count("\n") + 2


def _print_error(project: Path) -> InputError:
    from handout.targets.pdf.writer import RenderedPdf
    from handout.targets.pdf.render import render_print

    config = load_config(project)
    html = render_print(load_book(config, use_cache=False), config.clinic, "letter")
    with pytest.raises(InputError) as caught:
        RenderedPdf(html, project)
    return caught.value


def test_a_table_wider_than_the_page_is_refused_at_its_chapter_line(mini):
    line = _add_table(mini, 60)
    error = _print_error(mini)
    assert error.path == mini / "chapters" / "02-steps.md" and error.line == line, error.format()
    assert "a table of 60 columns" in error.message and "wider than the page's text" in error.message


def test_check_warns_of_a_table_too_wide_to_print(mini):
    from handout.check import run_checks

    line = _add_table(mini, 60)
    findings = run_checks(load_book(load_config(mini), use_cache=False), dt.date(2026, 11, 15))
    wide = [f for f in findings if "columns needs at least" in f.message]
    assert [(f.path, f.line, f.level, f.rule) for f in wide] == [("chapters/02-steps.md", line, "warning",
                                                                   "structure")]


def test_tables_that_fit_are_neither_refused_nor_warned_about():
    from handout.load.tables import wide_tables

    for folder in (REPO / "chapters", FIXTURES / "mini" / "chapters", *(REPO / "translations").glob("*/chapters")):
        for path in folder.glob("*.md"):
            assert wide_tables(path.read_text(encoding="utf-8"), 1) == [], path


def test_a_chinese_table_breaks_between_characters_but_still_counts_its_columns():
    """A line breaks between two Chinese characters (each about 1 em), so a cell without spaces is not one
    word as long as itself; a table of too many columns is still too wide."""
    from handout.load.tables import wide_tables

    long_cell = "| 治疗 | 多久一次 |\n|---|---|\n| 静脉注射氯胺酮，在诊所 | " + "没有经过批准的方案；研究中是每周" * 3 + " |\n"
    assert wide_tables(long_cell, 1) == []
    many = "| " + " | ".join(["治疗方法"] * 14) + " |\n|" + "---|" * 14 + "\n| " + " | ".join(["每天"] * 14) + " |\n"
    assert [(line, columns) for line, columns, _ in wide_tables(many, 1)] == [(1, 14)]


@pytest.mark.slow
def test_a_2000_column_table_stops_the_print_build_and_check_warns(mini_build, tmp_path):
    from conftest import run_publish, snapshot

    project = tmp_path / "wide"
    shutil.copytree(mini_build, project)
    before = snapshot(project / "dist")
    line = _add_table(project, 2000)
    result = run_publish(project, "--draft")  # 2,000 header words read as one sentence: the reading level fails
    assert result.returncode == 2, result.stderr
    errors = [row for row in result.stderr.splitlines() if row.startswith("error:")]
    assert errors and f"chapters/02-steps.md:{line}: a table of 2000 columns" in errors[0], result.stderr
    assert "Traceback" not in result.stderr and snapshot(project / "dist") == before
    check = run_publish(project, "check")
    assert f"chapters/02-steps.md:{line}: warning: [structure] a table of 2000 columns" in check.stdout, check.stdout
