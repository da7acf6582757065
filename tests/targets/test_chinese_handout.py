"""The default handout in Simplified Chinese (translations/zh-Hans: machine-drafted, not yet reviewed by a
qualified medical translator), as the build writes it: only the declared family, embedded, drawing every
character; an EPUB under 2 MB that EPUBCheck passes; the figures' Chinese labels in the CJK font; the crisis
lines that exist for a Chinese reader."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import epubcheck, pdf_text
from test_scripts import assert_declared_fonts_cover_the_text

LANGUAGE = "zh-Hans"
PDFS = ("ketamine-handout.pdf", "ketamine-handout-sheet.pdf", "ketamine-handout-booklet.pdf",
        "ketamine-handout-large-print.pdf")


def chinese(default_build: Path, name: str) -> Path:
    return default_build / "dist" / LANGUAGE / name


def pdffonts(path: Path) -> list[dict[str, str]]:
    """`pdffonts`' rows as {column: value}, its columns cut where the dashes under its header are."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header, dashes, rows = lines[0], lines[1], lines[2:]
    spans = [match.span() for match in re.finditer(r"-+", dashes)]
    names = [header[start:end + 1].strip() or header[start:].split()[0] for start, end in spans]
    return [{name: row[start:end + 1].strip() for name, (start, end) in zip(names, spans)} for row in rows]


@pytest.mark.slow
@pytest.mark.parametrize("name", PDFS)
def test_pdffonts_lists_only_the_cjk_family_every_font_embedded(default_build, name):
    rows = pdffonts(chinese(default_build, name))
    assert rows
    for row in rows:
        assert re.fullmatch(r"[A-Z]{6}\+Noto-Sans-CJK-SC(-Bold)?", row["name"]), row
        assert (row["emb"], row["sub"]) == ("yes", "yes"), row


@pytest.mark.slow
@pytest.mark.parametrize("name", PDFS[:2])
def test_every_extracted_character_is_in_the_cmap_of_its_embedded_font(default_build, name):
    assert_declared_fonts_cover_the_text(chinese(default_build, name), LANGUAGE)


@pytest.mark.slow
def test_the_chinese_epub_is_small_and_valid(default_build):
    path = chinese(default_build, "ketamine-handout.epub")
    assert path.stat().st_size < 2_000_000
    with zipfile.ZipFile(path) as book:
        fonts = [name for name in book.namelist() if name.endswith((".otf", ".ttf"))]
        assert fonts and all("NotoSansCJKSC" in name for name in fonts), fonts
    assert epubcheck(path) == []


def _drawn(path: Path, label: str) -> list[set[str]]:
    """The fonts each time `label` is drawn in a PDF (its characters in a row, as the page draws them)."""
    import pdfplumber

    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            text = "".join(c["text"] for c in chars)
            for match in re.finditer(re.escape(label), text):
                found.append({c["fontname"].split("+", 1)[-1] for c in chars[match.start():match.end()]})
    return found


@pytest.mark.slow
def test_the_figures_chinese_labels_are_drawn_in_the_cjk_font(default_build):
    letter, sheet = chinese(default_build, PDFS[0]), chinese(default_build, PDFS[1])
    # The timeline (translations/zh-Hans/assets/figures/treatment-timeline.svg) and the icon array's labels.
    for path, label in ((letter, "开始治疗以后的时间"), (letter, "几小时"), (letter, "（使用艾司氯胺酮）"),
                        (sheet, "（使用安慰剂喷雾）")):
        drawn = _drawn(path, label)
        assert drawn, (path.name, label)
        assert all(fonts <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"} for fonts in drawn), (label, drawn)


@pytest.mark.slow
def test_the_chinese_crisis_lines_say_what_exists_in_chinese(default_build):
    for name in PDFS[:2]:
        text = re.sub(r"\s+", "", pdf_text(chinese(default_build, name)))
        assert "拨打988（自杀与危机生命线），可以要求中文口译" in text, name
        assert "只有英语和西班牙语" in text and "911" in text, name
        assert "2026年11月1日" in text, name
