"""A figure's words in the language's fonts (handout/render/figure_fonts.py): an icon array's labels and a
project's own SVG figure (a translated timeline) name the families of the language's record, and the
font-coverage check reads their text, naming the SVG file and line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, run_publish
from test_scripts import scripts_project

CJK = "Noto Sans CJK SC, sans-serif"
TIMELINE = REPO / "assets" / "figures" / "treatment-timeline.svg"
# A figure of the Chinese chapter: its own file under translations/zh-Hans/assets, labels in Chinese.
FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60" width="200" height="60" role="img"
     font-family="Atkinson Hyperlegible, sans-serif" font-size="20">
  <style>.note { font-family: 'Atkinson Hyperlegible'; }</style>
  <rect width="200" height="60" fill="#ffffff"/>
  <text x="4" y="24" font-weight="bold">几小时内</text>
  <text x="4" y="50" class="note" style="font-family: Arial; fill: #1a1a1a">4 到 8 周</text>
</svg>
"""
ICON_ARRAY = '''
::: icon-array "四周后有多少人好转"
outcome: 好转
- 59 用艾司氯胺酮 [@guide]
- 45 用安慰剂 [@guide]
:::

![一条时间线](../assets/figures/timeline-zh.svg "每种治疗什么时候开始起作用")
'''


def _families(svg: bytes) -> list[str]:
    """The font-family each text of an SVG is drawn in: its own style's, else its own or nearest attribute's."""
    from lxml import etree

    root = etree.fromstring(svg)
    css = {m.group(1): m.group(2).strip() for m in re.finditer(r"\.(\w+)\s*\{\s*font-family:\s*([^;}]*)",
                                                                "".join(root.itertext()))}
    found = []
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        style = re.search(r"font-family:\s*([^;]*)", text.get("style") or "")
        if style:
            found.append(style.group(1).strip())
        elif text.get("class") in css:
            found.append(css[text.get("class")])
        else:
            found.append(next(e.get("font-family") for e in (text, *text.iterancestors()) if e.get("font-family")))
    return found


def test_an_svg_figure_is_given_the_languages_families():
    from handout.render.figure_fonts import in_family

    changed = in_family(FIGURE.encode(), CJK)
    assert _families(changed) == [CJK, CJK] and b"Atkinson" not in changed and b"Arial" not in changed
    assert "几小时内".encode() in changed and b"fill: #1a1a1a" in changed  # the words and other styles kept
    # A text naming no family gets the language's from the root (the system's sans-serif is never reached).
    bare = b'<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="9">\xe5\x91\xa8</text></svg>'
    assert _families(in_family(bare, CJK)) == [CJK]


def test_a_figure_already_in_the_languages_families_is_unchanged_byte_for_byte():
    from handout.core.language_record import record
    from handout.render.figure_fonts import document_in_family, in_family
    from handout.load import iconarray

    data = TIMELINE.read_bytes()
    assert in_family(data, record("en-US").figure_fonts) is data
    assert in_family(data, record("es-US").figure_fonts) is data
    figure = iconarray.figure("got better", [iconarray.Group(59, "with esketamine [@x]", 0)], "How many", "",
                              "ia")
    assert document_in_family(figure, record("en-US").figure_fonts) == figure
    chinese = document_in_family(figure, record("zh-Hans").figure_fonts)
    assert f'font-family="{CJK}"' in chinese and "Atkinson" not in chinese


def test_the_languages_figure_fonts_are_its_families():
    from handout.core.language_record import record

    assert record("zh-Hans").figure_fonts == CJK
    assert record("vi").figure_fonts == "Noto Sans, sans-serif"
    assert record("ar").figure_fonts == "IBM Plex Sans Arabic, Atkinson Hyperlegible, sans-serif"
    assert record("en-US").figure_fonts == "Atkinson Hyperlegible, sans-serif"  # as the theme's figures name it


def chinese_figure_project(destination: Path, figure: str = FIGURE) -> Path:
    """The scripts fixture with an icon array and an SVG figure of its own in the Chinese chapter 02."""
    project = scripts_project(destination)
    chinese = project / "translations" / "zh-Hans"
    chapter = chinese / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + ICON_ARRAY, encoding="utf-8")
    (chinese / "assets" / "figures").mkdir(parents=True)
    (chinese / "assets" / "figures" / "timeline-zh.svg").write_text(figure, encoding="utf-8")
    return project


def _chinese_book(project: Path):
    from handout.config.languages import language_config
    from handout.config.settings import load_config
    from handout.load.book import load_book

    return load_book(language_config(load_config(project), "zh-Hans"), use_cache=False)


def test_the_coverage_check_reads_an_svg_figures_text_naming_its_file_and_line(tmp_path):
    from handout.core.errors import InputError
    from handout.render.script_style import book_characters, check_coverage

    project = chinese_figure_project(tmp_path / "p", FIGURE.replace("4 到 8 周", "4 到 8 周 \U00013000"))
    book = _chinese_book(project)
    with pytest.raises(InputError) as raised:
        check_coverage(book)
    error = raised.value
    assert error.code == "input.uncovered-character" and "U+13000" in error.message and "zh-Hans" in error.message
    assert Path(error.path).name == "timeline-zh.svg" and "translations/zh-Hans/assets" in Path(error.path).as_posix()
    assert error.line == 6
    # Covered, it passes, and the fonts are cut with the figure's characters (which no chapter holds).
    (project / "translations" / "zh-Hans" / "assets" / "figures" / "timeline-zh.svg").write_text(FIGURE)
    book = _chinese_book(project)
    check_coverage(book)
    assert "几" not in "".join(Path(c.path).read_text() for c in book.chapters)
    assert {"几", "周"} <= set(book_characters(book))


def test_an_icon_arrays_words_are_read_by_the_coverage_check(tmp_path):
    from handout.render.figure_fonts import figure_words

    book = _chinese_book(chinese_figure_project(tmp_path / "p"))
    words = [(Path(path).name, line, text) for path, line, text in figure_words(book)]
    assert ("timeline-zh.svg", 5, "几小时内") in words
    icon = [entry for entry in words if entry[0] == "02-steps.md"]
    assert any("用艾司氯胺酮" in text for _, _, text in icon) and all(line > 20 for _, line, _ in icon)


@pytest.mark.slow
def test_the_chinese_pdf_draws_its_figures_labels_in_the_cjk_font(tmp_path):
    import pdfplumber

    project = chinese_figure_project(tmp_path / "p")
    result = run_publish(project, "build", "--language", "zh-Hans", "--no-epub", "--no-web", "--edition", "letter")
    assert result.returncode == 0, result.stderr
    with pdfplumber.open(project / "dist" / "zh-Hans" / "ketamine-handout.pdf") as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    fonts = {c["fontname"].split("+", 1)[-1] for c in chars}
    assert fonts and all(name.startswith("Noto-Sans-CJK-SC") or name.startswith("NotoSansCJK") for name in fonts), fonts
    for label in ("几", "周", "艾", "慰"):  # the SVG's labels, and the icon array's
        drawn = {c["fontname"].split("+", 1)[-1] for c in chars if c["text"] == label}
        assert drawn and all("CJK" in name for name in drawn), (label, drawn)


@pytest.mark.slow
def test_a_character_no_font_covers_in_an_svg_figure_stops_the_build(tmp_path):
    project = chinese_figure_project(tmp_path / "p", FIGURE.replace("几小时内", "几小时内\U00013000"))
    result = run_publish(project, "build", "--language", "zh-Hans", "--no-epub", "--no-web", "--edition", "letter")
    assert result.returncode == 2, result.stderr
    assert re.search(r"translations/zh-Hans/assets/figures/timeline-zh\.svg:5\b.*U\+13000", result.stderr), \
        result.stderr
    assert "Traceback" not in result.stderr
