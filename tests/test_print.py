"""Print editions, checked on the real PDFs: sizes, footers, outline, PDF/UA structure, large print, booklet."""
from __future__ import annotations

import math
import re

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import outputs, pdf_text
from handout.impose import saddle_stitch_order

EDITION_SIZES = {"": (612, 792), "-a4": (595.28, 841.89), "-large-print": (612, 792)}


def edition(project, suffix: str):
    return project / "dist" / f"ketamine-handout{suffix}.pdf"


@pytest.mark.parametrize("suffix", list(EDITION_SIZES))
def test_page_size_of_each_edition(mini_build, suffix):
    reader = PdfReader(edition(mini_build, suffix))
    width, height = EDITION_SIZES[suffix]
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


def test_booklet_sheets_are_twice_the_page_width(mini_build):
    for page in PdfReader(edition(mini_build, "-booklet")).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((1224, 792))


def test_first_page_has_no_footer_and_second_says_page_2_of_n(mini_build):
    reader = PdfReader(edition(mini_build, ""))
    total = len(reader.pages)
    first, second = (reader.pages[i].extract_text() for i in (0, 1))
    assert "Page 1 of" not in first
    assert f"Page 2 of {total}" in second


def test_outline_lists_every_chapter_in_order(mini_build):
    reader = PdfReader(edition(mini_build, ""))
    top = [item["/Title"] for item in reader.outline if not isinstance(item, list)]
    chapters = ["Welcome to the test handout", "The steps to follow", "Words to know", "Sources"]
    assert [t for t in top if t in chapters] == chapters
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert any(entry["/Title"] == "The steps" for group in nested for entry in group)


@pytest.mark.parametrize("suffix", list(EDITION_SIZES))
def test_pdf_ua_structure_and_embedded_fonts(mini_build, suffix):
    reader = PdfReader(edition(mini_build, suffix))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-US"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


def figure_alts(reader) -> list[str]:
    """The alt text of every Figure in a tagged PDF's structure tree."""
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
                if hasattr(kid, "get_object") or isinstance(kid, dict):
                    walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


def test_images_carry_alt_text_in_the_structure_tree(mini_build):
    alts = figure_alts(PdfReader(edition(mini_build, "")))
    assert "Three boxes in a row, labelled Ask, Plan and Check." in alts
    assert all(alts), alts


def test_large_print_body_text_is_at_least_18pt(mini_build):
    with pdfplumber.open(edition(mini_build, "-large-print")) as pdf:
        sizes = []
        for page in pdf.pages:
            # Body text: everything inside the page's content area (the footer sits in the bottom margin).
            body = [c for c in page.chars if c["bottom"] < page.height - 0.75 * 72 and c["text"].strip()]
            sizes += [round(c["size"], 1) for c in body]
    assert sizes and min(sizes) >= 18, min(sizes)


def test_letter_body_text_is_at_least_12pt(mini_build):
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        sizes = [c["size"] for page in pdf.pages for c in page.chars
                 if c["bottom"] < page.height - 0.9 * 72 and c["text"].strip() and c["text"] not in "0123456789,"]
    # Note numbers (digits and commas in superscript) are the only smaller text.
    assert min(sizes) >= 12


def test_saddle_stitch_order():
    assert saddle_stitch_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert saddle_stitch_order(5) == [(0, 1), (2, 0), (0, 3), (4, 5)]


def test_booklet_sheets_hold_pages_in_saddle_stitch_order(mini_build):
    with pdfplumber.open(edition(mini_build, "")) as letter:
        count = len(letter.pages)
        letter_text = [words(p.extract_text()) for p in letter.pages]
    padded = math.ceil(count / 4) * 4

    def page_text(number):
        return letter_text[number - 1] if number <= count else ""

    with pdfplumber.open(edition(mini_build, "-booklet")) as booklet:
        assert len(booklet.pages) == math.ceil(count / 4) * 2
        halves = []
        for sheet in booklet.pages[:2]:
            width = sheet.width / 2
            halves.append([words(sheet.crop((x, 0, x + width, sheet.height)).extract_text())
                           for x in (0, width)])
    front, back = halves
    expected = [[page_text(padded), page_text(1)], [page_text(2), page_text(padded - 1)]]
    for got, want in zip(front + back, expected[0] + expected[1]):
        assert got[:12] == want[:12]


def words(text: str | None) -> list[str]:
    """The words of a page, without list bullets (pdfplumber and pypdf differ there)."""
    return [w for w in (text or "").replace("\u2022", " ").split()]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_text_colour_contrasts_4_5_to_1_with_every_background():
    from conftest import REPO
    css = (REPO / "assets" / "css" / "base.css").read_text() + (REPO / "assets" / "css" / "print.css").read_text()
    texts = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css))
    backgrounds = set(re.findall(r"background:\s*(#[0-9a-fA-F]{6})", css)) | {"#ffffff"}
    assert len(texts) >= 3 and len(backgrounds) >= 3
    for text in texts:
        for background in backgrounds:
            light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
            ratio = (light + 0.05) / (dark + 0.05)
            assert ratio >= 4.5, (text, background, round(ratio, 2))


def test_press_edition_has_bleed_and_crop_marks(mini_build, tmp_path):
    import shutil
    from conftest import run_publish
    project = tmp_path / "press"
    shutil.copytree(mini_build, project)
    result = run_publish(project, "--edition", "press", "--no-epub")
    assert result.returncode == 0, result.stderr
    page = PdfReader(project / "dist" / "ketamine-handout-press.pdf").pages[0]
    media, trim = page.mediabox, page.trimbox
    assert float(trim.width) == pytest.approx(612, abs=0.5) and float(trim.height) == pytest.approx(792, abs=0.5)
    assert float(media.width) > float(trim.width) + 17  # 1/8 in bleed plus room for the marks on each side


def test_qr_code_and_address_on_the_last_page(mini_build):
    with pdfplumber.open(edition(mini_build, "")) as pdf:
        last = pdf.pages[-1]
        assert "https://www.example.org/handouts/ketamine-esketamine" in last.extract_text().replace("\n", "")
        assert last.curves or last.images or last.rects
    alts = figure_alts(PdfReader(edition(mini_build, "")))
    assert "QR code that opens https://www.example.org/handouts/ketamine-esketamine" in alts


def test_title_page_shows_the_clinic_logo_with_alt_text(tmp_path):
    from conftest import make_project, run_publish
    project = make_project(tmp_path / "logo")
    (project / "assets" / "images").mkdir(parents=True, exist_ok=True)
    (project / "assets" / "images" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><rect width="200" height="60" '
        'fill="#12324a"/><text x="20" y="40" fill="#fff" font-size="28">SCC</text></svg>')
    toml = project / "publish.toml"
    toml.write_text(toml.read_text().replace('logo = ""', 'logo = "assets/images/logo.svg"'))
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    first = PdfReader(project / "dist" / "ketamine-handout.pdf").pages[0]
    assert "Sample Community Clinic" in first.extract_text()
    import zipfile
    title = zipfile.ZipFile(project / "dist" / "ketamine-handout.epub").read("EPUB/title.xhtml").decode()
    assert 'src="assets/images/logo.svg" alt="Sample Community Clinic logo"' in title
