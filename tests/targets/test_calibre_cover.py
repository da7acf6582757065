"""The EPUB's cover as calibre shows it after a conversion (MOBI for a Kindle, PDF): once, as the first page.

calibre takes the cover-image for the cover it makes itself, and keeps the book's first page as well unless the
package's guide names that page as the cover; a reader then paged past the same cover twice."""
from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import PurePosixPath

import pdfplumber
import pytest
from lxml import etree, html

from test_dark_figures import _ebook_convert

OPF = {"opf": "http://www.idpf.org/2007/opf"}


def _convert(source, target, home) -> None:
    environment = {**os.environ, "HOME": str(home), "CALIBRE_CONFIG_DIRECTORY": str(home / "calibre"),
                   "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    result = subprocess.run([_ebook_convert(), str(source), str(target)], capture_output=True, text=True,
                            timeout=600, env=environment)
    assert result.returncode == 0 and target.is_file(), result.stdout[-2000:] + result.stderr[-2000:]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _picture_pages(epub) -> list[str]:
    """The documents of an EPUB's spine that show a picture and no words (what a cover page is)."""
    pages = []
    with zipfile.ZipFile(epub) as archive:
        opf_name = next(name for name in archive.namelist() if name.endswith(".opf"))
        opf = etree.fromstring(archive.read(opf_name))
        hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", OPF)}
        folder = PurePosixPath(opf_name).parent
        for itemref in opf.iterfind(".//opf:spine/opf:itemref", OPF):
            name = str(folder / hrefs[itemref.get("idref")]).lstrip("./")
            document = html.fromstring(archive.read(name))
            words = _squash(" ".join(document.xpath("//body//text()[not(ancestor::*[local-name()='title'])]")))
            if not words and document.xpath("//*[local-name()='img' or local-name()='image' or local-name()='svg']"):
                pages.append(name)
    return pages


@pytest.mark.slow
def test_calibre_shows_the_cover_once_in_mobi_and_in_pdf(default_build, tmp_path):
    epub = default_build / "dist" / "ketamine-handout.epub"
    mobi, back, pdf = tmp_path / "handout.mobi", tmp_path / "back.epub", tmp_path / "handout.pdf"
    _convert(epub, mobi, tmp_path)
    _convert(mobi, back, tmp_path)  # to read what the MOBI holds: calibre's cover page, then the book's pages
    covers = _picture_pages(back)
    assert len(covers) == 1, covers

    _convert(epub, pdf, tmp_path)
    with zipfile.ZipFile(epub) as archive:
        drawing = etree.fromstring(archive.read("EPUB/cover.xhtml"))
    cover_words = _squash("".join(text for element in drawing.iter("{http://www.w3.org/2000/svg}text")
                                  for text in element.itertext()))
    assert cover_words
    shown = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, 1):
            words = _squash(page.extract_text() or "")
            # The cover-image drawn over the page, or the cover page's drawing with its words.
            image = any(i["width"] * i["height"] > 0.5 * page.width * page.height for i in page.images)
            if (image and not words) or words == cover_words:
                shown.append(number)
    assert shown == [1], shown
