"""What no validator's default run catches: the accessible name of a link that does not contain its visible
words (axe's `label-content-name-mismatch`, WCAG 2.5.3, an experimental rule axe leaves out unless asked), words
meant for a screen ("Back to text") printed on paper, a fallback font in a PDF (`pdffonts`), and type under
18 pt in a large-print edition."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import pdf_text
from test_watch import CHROMIUM, CHROMIUM_FLAGS, require_browser
from webtools import AXE

RULE = "label-content-name-mismatch"


def name_mismatches(pages: list[Path]) -> dict[str, list]:
    require_browser()
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            for path in pages:
                page.goto(path.as_uri())
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("""async (rule) => {
                  const r = await axe.run(document, {runOnly: {type: 'rule', values: [rule]}});
                  return {violations: r.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' '))),
                          checked: r.passes.concat(r.violations).reduce((n, v) => n + v.nodes.length, 0)};
                }""", RULE)
                found[str(path)] = result
        finally:
            browser.close()
    return found


@pytest.mark.slow
def test_no_link_name_leaves_out_its_visible_words(default_build, tmp_path):
    pages = [default_build / "dist" / "index.html", default_build / "dist" / "es-US" / "index.html"]
    for language, dist in (("en", default_build / "dist"), ("es", default_build / "dist" / "es-US")):
        with zipfile.ZipFile(dist / "ketamine-handout.epub") as archive:
            archive.extract("EPUB/sources.xhtml", tmp_path / language)
        pages.append(tmp_path / language / "EPUB" / "sources.xhtml")
    found = name_mismatches(pages)
    print({Path(k).parent.name + "/" + Path(k).name: (len(v["violations"]), v["checked"]) for k, v in found.items()})
    assert all(result["checked"] >= 19 for result in found.values()), found  # the rule looked at the links
    assert {page: result["violations"] for page, result in found.items() if result["violations"]} == {}


def _pdfs(default_build) -> list[Path]:
    return sorted((default_build / "dist").rglob("*.pdf"))


@pytest.mark.slow
def test_no_pdf_prints_a_link_back_to_the_text(default_build):
    pdfs = _pdfs(default_build)
    assert len(pdfs) >= 12
    for path in pdfs:
        text = " ".join(pdf_text(path).split())
        assert "Back to text" not in text and "Volver al texto" not in text, path


@pytest.mark.slow
def test_no_spanish_pdf_needs_a_fallback_font(default_build):
    pdfs = sorted((default_build / "dist" / "es-US").glob("*.pdf"))
    assert len(pdfs) >= 6
    for path in pdfs:
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        names = {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in fonts.splitlines()[2:] if line.strip()}
        assert names and all(name.startswith("Atkinson-Hyperlegible") for name in names), (path.name, names)


def _small_characters(path: Path) -> list[tuple[int, str, float]]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [(number, c["text"], round(c["size"], 1)) for number, page in enumerate(pdf.pages, 1)
                for c in page.chars if c["text"].strip() and c["size"] < 17.95]


@pytest.mark.slow
@pytest.mark.parametrize("language", ["", "es-US"])
def test_every_character_of_the_large_print_edition_is_18_pt_or_more(default_build, language):
    path = default_build / "dist" / language / "ketamine-handout-large-print.pdf"
    assert _small_characters(path) == []


@pytest.mark.slow
@pytest.mark.parametrize("language", ["", "es-US"])
def test_every_character_of_the_large_print_sheet_is_18_pt_or_more(default_build, language):
    path = default_build / "dist" / language / "ketamine-handout-large-print-sheet.pdf"
    assert _small_characters(path) == []


@pytest.mark.slow
def test_every_link_annotation_prints_and_the_booklet_keeps_its_xmp(default_build):
    import tomllib

    from pypdf import PdfReader

    settings = tomllib.loads((default_build / "publish.toml").read_text(encoding="utf-8"))
    titles = [settings["title"], *(words["title"] for words in settings.get("languages", {}).values())]
    for path in _pdfs(default_build):
        reader = PdfReader(path)
        links = [annotation.get_object() for page in reader.pages for annotation in page.get("/Annots", [])
                 if annotation.get_object().get("/Subtype") == "/Link"]
        if "booklet" in path.name:
            xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
            assert any(f">{title}<" in xmp for title in titles), path  # the handout's title, in its language
            assert "pdfuaid" not in xmp.replace('xmlns:pdfuaid="', ""), path  # the sheets are not tagged
            continue
        assert links and all(int(link.get("/F", 0)) & 4 for link in links), path


@pytest.mark.slow
def test_the_epub_cover_says_sample_as_the_title_page_does(default_build):
    for dist, mark in ((default_build / "dist", "SAMPLE"), (default_build / "dist" / "es-US", "MUESTRA")):
        with zipfile.ZipFile(dist / "ketamine-handout.epub") as archive:
            cover = archive.read("EPUB/cover.xhtml").decode("utf-8")
            title = archive.read("EPUB/title.xhtml").decode("utf-8")
        assert mark in title and mark in re.sub(r"<[^>]+>", "", cover), dist
