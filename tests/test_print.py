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


def test_images_carry_alt_text_in_the_structure_tree(mini_build):
    reader = PdfReader(edition(mini_build, ""))
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
