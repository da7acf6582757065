"""Icon arrays (`::: icon-array`, handout/load/iconarray.py): the figure and its text alternative from the Markdown's
numbers, each refusal at its line, and the figure in the PDF (a Figure with the /Alt) and the EPUB (an svg with
the same alternative)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import make_project, run_publish
from handout.load.book import convert_chapter
from handout.core.errors import InputError
from test_print import struct_elements

ARRAY = """Some text.

::: icon-array "How many people improved"
outcome: improved
- 47 with the medicine [@a]
- 33 with a placebo [@a]
:::
"""
ALT = "47 of 100 people improved with the medicine, 33 of 100 with a placebo."
DEFAULT_ALT = "59 of 100 people got better with esketamine, 45 of 100 with a placebo spray."


def _convert(tmp_path: Path, body: str):
    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    path = root / "chapters" / "01-x.md"
    path.write_text("---\ntitle: X\n---\n" + body, encoding="utf-8")
    return convert_chapter(path, 1, "x", root)


def test_an_icon_array_draws_100_people_per_group_with_its_alternative_and_caption(tmp_path):
    chapter = _convert(tmp_path, ARRAY)
    block = next(b for b in chapter.blocks if b.kind == "icon-array")
    assert f"<title id=\"x--icon-array-alt\">{ALT}</title>" in block.html
    assert 'role="img"' in block.html and 'aria-labelledby="x--icon-array-alt"' in block.html
    assert "<figcaption>" in block.html and "How many people improved" in block.html
    # The numbers in words, each with its citation beside it.
    assert re.search(r"<strong>47 out of 100</strong> improved with the medicine<sup class=\"cite\">", block.html)
    # 100 people in each group: shaded (a solid dark fill) and outlined (white), on the drawing's white mat.
    shaded, empty = re.findall(r'<path d="([^"]*)" fill="#12324a"', block.html), \
        re.findall(r'<path d="([^"]*)" fill="#ffffff"', block.html)
    heads = [path.count("a1.9,1.9 0 1,0 3.8,0") for path in shaded[:2]] + \
            [path.count("a1.9,1.9 0 1,0 3.8,0") for path in empty[:2]]
    assert heads == [47, 33, 53, 67]
    assert "<pattern" not in block.html and "url(#" not in block.html
    assert re.search(r'<title [^>]*>[^<]*</title><rect class="icon-array-mat" width="\d+" height="\d+" fill="#ffffff"/>',
                     block.html)


def test_an_icon_array_also_comes_with_its_words_as_text_for_large_type(tmp_path):
    """The form the large-print desk sheet prints (editions.py: icon_labels_as_text): no word inside a drawing,
    so that none is scaled down with it; each group's people with their own alternative, the same caption."""
    chapter = _convert(tmp_path, ARRAY)
    block = next(b for b in chapter.blocks if b.kind == "icon-array")
    large = block.text_labels
    assert "<text" not in large and "<pattern" not in large
    drawings = re.findall(r"<svg\b.*?</svg>", large)
    assert len(drawings) == 2
    assert [re.search(r"<title [^>]*>([^<]*)</title>", svg).group(1) for svg in drawings] == [
        "47 of 100 people improved with the medicine.", "33 of 100 people improved with a placebo."]
    assert [svg.count("a1.9,1.9 0 1,0 3.8,0") for svg in drawings] == [100, 100]
    text = re.sub(r"<svg\b.*?</svg>|<[^>]+>", " ", large)
    for words in ("With the medicine", "With a placebo", "47 out of 100", "33 out of 100", "Improved", "Did not"):
        assert words in " ".join(text.split()), words
    assert large[large.index("<figcaption>"):] == block.html[block.html.index("<figcaption>"):]


@pytest.mark.parametrize("line, text, message", [
    (8, "- 101 with the medicine [@a]", "101 is outside 0 to 100"),
    (8, "- -3 with the medicine [@a]", "'-3' is not a whole number"),
    (8, "- 40 [@a]", "the group of 40 has no label"),
    (8, "- 40 with the medicine", "the number 40 has no source beside it"),
])
def test_a_bad_group_is_refused_at_its_line(tmp_path, line, text, message):
    with pytest.raises(InputError) as caught:
        _convert(tmp_path, ARRAY.replace("- 47 with the medicine [@a]", text))
    assert message in caught.value.message
    assert caught.value.path.name == "01-x.md" and caught.value.line == line  # the group's line in the file


def test_an_icon_array_needs_a_caption_and_an_outcome(tmp_path):
    with pytest.raises(InputError) as caught:
        _convert(tmp_path, ARRAY.replace(' "How many people improved"', ""))
    assert "needs a caption" in caught.value.message and caught.value.line == 6
    with pytest.raises(InputError) as caught:
        _convert(tmp_path, ARRAY.replace("outcome: improved\n", ""))
    assert "what the shaded people did" in caught.value.message


@pytest.mark.slow
def test_a_bad_count_stops_the_build_with_exit_2_at_the_line(tmp_path):
    project = make_project(tmp_path / "p", fixture=None)
    chapter = project / "chapters" / "03-how-well.md"
    text = chapter.read_text()
    chapter.write_text(text.replace("- 59 with esketamine [@turkoz2021]", "- 159 with esketamine [@turkoz2021]"))
    line = text.split("\n").index("- 59 with esketamine [@turkoz2021]") + 1
    result = run_publish(project, "--edition", "letter", "--no-epub", "--no-web")
    assert result.returncode == 2
    assert f"chapters/03-how-well.md:{line}: 159 is outside 0 to 100" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("icon-array"), fixture=None)
    result = run_publish(project, "--edition", "letter", "--no-web")
    assert result.returncode == 0, result.stderr
    return project


@pytest.mark.slow
def test_the_pdf_holds_a_figure_with_the_generated_alt(default_build):
    reader = PdfReader(default_build / "dist" / "ketamine-handout.pdf")
    alts = [str(node.get("/Alt", "")) for node in struct_elements(reader, {"/Figure"})]
    assert DEFAULT_ALT in alts


@pytest.mark.slow
def test_the_epub_holds_an_svg_with_the_same_alternative(default_build):
    with zipfile.ZipFile(default_build / "dist" / "ketamine-handout.epub") as epub:
        name = next(n for n in epub.namelist() if n.endswith("how-well.xhtml"))
        page = epub.read(name).decode()
        opf = epub.read(next(n for n in epub.namelist() if n.endswith(".opf"))).decode()
    svg = re.search(r'<svg[^>]*class="icon-array-svg"[^>]*>\s*<title id="([^"]+)">([^<]*)</title>', page)
    assert svg and svg.group(2) == DEFAULT_ALT
    assert f'aria-labelledby="{svg.group(1)}"' in page
    assert re.search(r'href="[^"]*how-well.xhtml"[^>]*properties="svg"|properties="svg"[^>]*href="[^"]*how-well',
                     opf)
