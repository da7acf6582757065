"""The spill check (handout/targets/pdf/spill.py): an edition whose last page holds less than a fifth of a page is laid out
again with the fitting rules (print.css: html[data-fit]), and a warning names what still spills; the default
handout has no such page in any edition of either language, and the Spanish booklet's outside back cover is
"About this handout"."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from handout.targets.pdf import job, sheetfit, spill

PARAGRAPH = "<p>" + "Words that fill the page from top to bottom, line after line. " * 8 + "</p>"


def _document(html: str):
    import weasyprint

    return weasyprint.HTML(string=f"<html><head><style>@page {{ size: letter; margin: 1in }} "
                                  f"p {{ margin: 0 0 1em; font-size: 12pt }}</style></head><body>{html}</body></html>"
                           ).render()


@pytest.mark.slow
def test_a_last_page_with_a_few_lines_has_spilled_and_is_named():
    filled = _document(PARAGRAPH * 7)
    pages = len(filled.pages)
    assert pages == 1 or spill.share(filled) > 0  # the calibration: how much a page holds
    spilled = _document(PARAGRAPH * 40 + "<p>Scan the code to read it on your phone.</p>")
    assert len(spilled.pages) >= 2
    last = [spill.share(_document(PARAGRAPH * n)) for n in (10, 11, 12, 13, 14, 15, 16, 17)]
    assert any(share < spill.LEAST for share in last) and any(share > spill.LEAST for share in last), last
    small = next(n for n, share in zip(range(10, 18), last) if share < spill.LEAST and
                 len(_document(PARAGRAPH * n).pages) > 1)
    document = _document(PARAGRAPH * small)
    assert spill.spilled(document)
    message = spill.warning("letter", "es-US", document)
    assert f"page {len(document.pages)} holds 0." in message and "the letter edition (es-US)" in message
    assert "Words that fill the page" in message
    assert not spill.spilled(_document(PARAGRAPH))  # one page cannot spill


def test_the_fitting_level_is_set_on_the_root_element():
    html = '<!DOCTYPE html>\n<html lang="es-US" class="x"><body><p>Hola</p></body></html>'
    assert spill.fitting(html, 0) == html
    assert spill.fitting(html, 2).startswith('<!DOCTYPE html>\n<html data-fit="2" lang="es-US"')


def test_a_spilling_edition_is_laid_out_with_each_fitting_level_then_warned(monkeypatch, tmp_path):
    laid_out = []

    class Spilling:
        def __init__(self, html, root, seconds, what, variant, figures=None):
            laid_out.append(re.search(r'data-fit="(\d)"', html).group(1) if "data-fit" in html else "0")
            self.document = SimpleNamespace(pages=[None, None])
            self.page_count = 2

        def page_starts(self):
            return []

        def write(self, target):
            return 2

    monkeypatch.setattr(sheetfit, "RenderedPdf", Spilling)  # the layouts the job makes (sheetfit.laid_out)
    monkeypatch.setattr(job, "render_print", lambda book, clinic, edition: "<html><body></body></html>")
    monkeypatch.setattr(spill, "share", lambda document: 0.05)
    monkeypatch.setattr(spill, "last_words", lambda document, length=70: "Scan the code")
    book = SimpleNamespace(config=SimpleNamespace(limits=SimpleNamespace(render_seconds=60), language="es-US",
                                                  source_language=None), root=tmp_path, chapters=())
    pages, starts, seconds, notes = job.pdf_job(book, None, "letter", str(tmp_path / "x.pdf"), False)
    assert laid_out == ["0", "1", "2"]
    assert notes == ("the letter edition (es-US) spills onto a near-empty last page: page 2 holds 0.05 of a page "
                     "('Scan the code'): shorten the text before it, or the back page's, so the edition ends a "
                     "page earlier",)
    # Laid out for its page starts only (no file): the same layouts, no warning (the written edition gives it).
    laid_out.clear()
    assert job.pdf_job(book, None, "letter", "", False)[3] == ()
    assert laid_out == ["0", "1", "2"]


PRINT_HTML = ('<!DOCTYPE html>\n<html lang="es-US"><head><link rel="stylesheet" href="print.css"/></head>\n'
              '<body class="edition-letter">\n<header class="title-block"><h1>Ketamina</h1></header>\n'
              '<nav class="toc"><ol><li>1</li></ol></nav>\n<main>\n<section class="chapter"><p>Texto</p></section>\n'
              '</main>\n<section class="back-page" id="about"><h2>Sobre este folleto</h2></section>\n</body></html>')


def test_the_back_page_alone_keeps_the_head_and_drops_what_comes_before_it():
    alone = spill.back_page_alone(PRINT_HTML)
    assert alone == ('<!DOCTYPE html>\n<html lang="es-US"><head><link rel="stylesheet" href="print.css"/></head>\n'
                     '<body class="edition-letter"><section class="back-page" id="about"><h2>Sobre este folleto</h2>'
                     '</section>\n</body></html>')
    assert spill.back_page_alone('<html><body class="edition-sheet"><p>Hoja</p></body></html>') is None


def _layouts(monkeypatch, tmp_path, source_language, spills_at):
    """The layouts laid_out makes of PRINT_HTML, as (what, level): the whole edition or its back page alone; a
    layout spills below level `spills_at[what]`."""
    made = []

    class Layout:
        def __init__(self, html, root, seconds, what, variant, figures=None):
            level = int(re.search(r'data-fit="(\d)"', html).group(1)) if "data-fit" in html else 0
            kind = "whole" if "<main>" in html else "alone"
            made.append((kind, level))
            self.document = SimpleNamespace(pages=[None, None], spilled=level < spills_at[kind])

    monkeypatch.setattr(sheetfit, "RenderedPdf", Layout)
    monkeypatch.setattr(spill, "share", lambda document: 0.05 if document.spilled else 0.8)
    book = SimpleNamespace(config=SimpleNamespace(limits=SimpleNamespace(render_seconds=60), language="es-US",
                                                  source_language=source_language), root=tmp_path, chapters=())
    sheetfit.laid_out(book, "letter", PRINT_HTML)
    return made


def test_a_translation_whose_back_page_spills_is_laid_out_whole_once(monkeypatch, tmp_path):
    # Its back page alone spills at level 0, not at level 1: the edition is laid out once, at level 1.
    assert _layouts(monkeypatch, tmp_path, "en-US", {"alone": 1, "whole": 1}) == \
        [("alone", 0), ("alone", 1), ("whole", 1)]
    # A back page that fits: level 0, as before.
    assert _layouts(monkeypatch, tmp_path, "en-US", {"alone": 0, "whole": 0}) == [("alone", 0), ("whole", 0)]
    # The whole edition is still checked: spilling where its back page alone did not, it goes on fitting.
    assert _layouts(monkeypatch, tmp_path, "en-US", {"alone": 0, "whole": 2}) == \
        [("alone", 0), ("whole", 0), ("whole", 1), ("whole", 2)]
    # The source language's back page has no translation rows: no layout of it alone.
    assert _layouts(monkeypatch, tmp_path, None, {"alone": 1, "whole": 1}) == [("whole", 0), ("whole", 1)]


def _last_page_share(path: Path) -> float:
    """Independently of WeasyPrint's boxes: how much of the last page's height between its margins (the running
    header and footer left out) lies between its first and its last word or image, measured in the PDF."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        page = pdf.pages[-1]
        top, bottom = page.height * 0.09, page.height * 0.91  # the running header and footer lie outside
        spans = [(c["top"], c["bottom"]) for c in page.chars if top < c["top"] < bottom] + \
                [(i["top"], i["bottom"]) for i in page.images if top < i["top"] < bottom]
    return (max(end for _, end in spans) - min(start for start, _ in spans)) / (bottom - top) if spans else 0.0


@pytest.mark.slow
def test_no_edition_of_the_default_handout_spills_in_either_language(default_build):
    log = (default_build.parent / f"{default_build.name}.stderr").read_text()
    assert "spills onto" not in log, log
    found = {}
    for path in sorted((default_build / "dist").rglob("*.pdf")):
        if "booklet" in path.name:
            continue
        import pypdf
        if len(pypdf.PdfReader(path).pages) > 1:
            found[str(path.relative_to(default_build / "dist"))] = round(_last_page_share(path), 2)
    print(found)
    assert len(found) >= 10 and min(found.values()) >= spill.LEAST, found


@pytest.mark.slow
def test_the_spanish_booklets_outside_back_cover_is_about_this_handout(default_build):
    import pdfplumber

    with pdfplumber.open(default_build / "dist" / "es-US" / "ketamine-handout-booklet.pdf") as pdf:
        first = pdf.pages[0]  # sheet 1's front: the back cover on the left, the front cover on the right
        back_cover = first.crop((0, 0, first.width / 2, first.height)).extract_text()
    words = " ".join(back_cover.split())
    assert "Sobre este folleto" in words and "Si está en crisis" in words, words[:300]
