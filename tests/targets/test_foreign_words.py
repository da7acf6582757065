"""Words in another language than the book's (WCAG 3.1.2): `[off-label]{lang=en}` in a chapter, and each source
in another language (references.yaml `language`, else the handout's source language) are marked with it:
`lang` on the web page, `lang` and `xml:lang` in the EPUB, `/Lang` in the PDF's structure. The Spanish edition
marks every English source title and the English terms of its chapters. Also: a page-break marker of the EPUB
never sits inside a word."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import make_project
from handout.load.book import load_references
from handout.core.errors import InputError
from handout.load.markdown_ext import ChapterState, new_markdown
from handout.targets.pdf.pagemap import mark_pages
from handout.targets.epub.render import with_xml_lang

XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_a_bracketed_term_with_a_language_becomes_a_marked_span(tmp_path):
    md = new_markdown(ChapterState("x", tmp_path / "x.md", tmp_path))
    html = md.convert('Es un uso *[off-label]{lang=en}* o [Crisis Text Line]{lang="en-US"} [@a], no [x]{.y}.')
    assert '<em><span lang="en">off-label</span></em>' in html
    assert '<span lang="en-US">Crisis Text Line</span><sup class="cite">' in html
    assert "[x]{.y}" in html  # anything else in braces is left as written


def test_the_epub_marks_each_lang_with_xml_lang_too():
    assert with_xml_lang('<p>Es <span lang="en">off-label</span> y <p lang="vi" xml:lang="vi">x</p></p>') == \
        '<p>Es <span lang="en" xml:lang="en">off-label</span> y <p lang="vi" xml:lang="vi">x</p></p>'


def test_a_references_language_must_be_a_language_tag(tmp_path):
    project = make_project(tmp_path / "p")
    path = project / "chapters" / "references.yaml"
    path.write_text(path.read_text().replace('  year: 2024\n', '  year: 2024\n  language: "English!"\n', 1))
    with pytest.raises(InputError) as caught:
        load_references(project)
    assert "not a language tag" in caught.value.message and caught.value.line == 1


def _page_marked(text: str, starts: list[list[str]]) -> str:
    page = (f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>t'
            f'</title></head><body><p>{text}</p></body></html>').encode()
    contents, _ = mark_pages([page], starts)
    return re.sub(r'<span[^>]*id="page-(\d+)"[^>]*/>', r"|\1|", contents[0].decode())


def test_a_page_that_opens_with_the_end_of_a_hyphenated_word_is_marked_before_the_word():
    # Printed: "... la dosis empie-" at the foot of page 1, "ce a tomar" at the top of page 2.
    marked = _page_marked("Uno dos tres. Cuando la dosis empiece a tomar efecto.", [["Uno", "dos"], ["ce", "a", "tomar"]])
    assert "la dosis |2|empiece a tomar" in marked, marked


@pytest.fixture(scope="module")
def spanish(default_build, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("es-epub")
    with zipfile.ZipFile(default_build / "dist" / "es-US" / "ketamine-handout.epub") as archive:
        archive.extractall(folder)
    return {"epub": folder / "EPUB", "web": default_build / "dist" / "es-US" / "index.html",
            "pdf": default_build / "dist" / "es-US" / "ketamine-handout.pdf"}


ENGLISH_TERMS = ("off-label", "compounded", "Crisis Text Line")


@pytest.mark.slow
def test_the_spanish_epub_marks_every_source_title_and_english_term_as_english(spanish):
    sources = etree.parse(str(spanish["epub"] / "sources.xhtml"))
    titles = sources.xpath("//*[@class='ref-title']")
    assert len(titles) >= 19
    for title in titles:
        assert title.get("lang", "").startswith("en") and title.get(XML_LANG) == title.get("lang"), \
            etree.tostring(title)
    terms = {}
    for path in spanish["epub"].glob("*.xhtml"):
        for span in etree.parse(str(path)).iter(f"{XHTML}span"):
            if span.get("lang"):
                terms["".join(span.itertext())] = (span.get("lang"), span.get(XML_LANG))
    for term in ENGLISH_TERMS:
        assert terms.get(term) == ("en", "en"), (term, terms)
    back = etree.parse(str(spanish["epub"] / "back.xhtml"))
    named = [("".join(dd.itertext()), dd.get("lang"), dd.get(XML_LANG)) for dd in back.iter(f"{XHTML}dd")]
    # Prepared by, reviewed by, published by: the names publish.toml gives, in its language.
    assert ("Handout editorial team", "en-US", "en-US") in named
    assert ("Clinical review panel (sample)", "en-US", "en-US") in named
    assert ("Sample Community Clinic", "en-US", "en-US") in named


@pytest.mark.slow
def test_the_spanish_web_page_marks_them_with_lang(spanish):
    page = spanish["web"].read_text(encoding="utf-8")
    assert len(re.findall(r'<span class="ref-title" lang="en-US">', page)) >= 19
    assert 'class="ref-title">' not in page  # no source title left unmarked
    for term in ENGLISH_TERMS:
        assert f'<span lang="en">{term}</span>' in page, term
    assert "xml:lang" not in page


@pytest.mark.slow
def test_the_spanish_pdf_structure_carries_lang_en(spanish, default_build):
    from pypdf import PdfReader

    def marked(path):
        reader = PdfReader(path)
        found = []
        stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
        while stack:
            node = stack.pop()
            node = node.get_object() if hasattr(node, "get_object") else node
            if isinstance(node, dict):
                if str(node.get("/Lang", "")).startswith("en"):
                    found.append(str(node.get("/S")))
                kids = node.get("/K")
                if kids is not None:
                    stack.extend(kids if isinstance(kids, list) else [kids])
            elif isinstance(node, list):
                stack.extend(node)
        return found

    spans = marked(spanish["pdf"])
    print(f"Spanish PDF: {len(spans)} structure elements with /Lang en: {sorted(set(spans))}")
    # 19 source titles and their publishers (/Span), the English terms (/Span), the names on the back page (/LI).
    assert spans.count("/Span") >= 2 * 19 + len(ENGLISH_TERMS) and spans.count("/LI") + spans.count("/LBody") >= 3
    english = marked(default_build / "dist" / "ketamine-handout.pdf")
    assert english == []  # in the English edition English is the document's language


@pytest.mark.slow
def test_no_page_break_marker_sits_inside_a_word(default_build, tmp_path):
    for dist in (default_build / "dist", default_build / "dist" / "es-US"):
        with zipfile.ZipFile(dist / "ketamine-handout.epub") as archive:
            markers = 0
            for name in archive.namelist():
                if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
                    continue
                text = archive.read(name).decode("utf-8")
                for found in re.finditer(r'(.{0,1})<span[^>]*epub:type="pagebreak"[^>]*/>(.{0,1})', text):
                    markers += 1
                    before, after = found.group(1), found.group(2)
                    assert not (before.isalnum() and after.isalnum()), (dist.name, name, found.group(0))
            assert markers >= 15, (dist, markers)
