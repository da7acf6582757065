"""The EPUB, checked as readers and validators see it: EPUBCheck, page list, notes, metadata, semantics."""
from __future__ import annotations

import re
import shutil
import zipfile

import pdfplumber
import pytest
from lxml import etree

from conftest import epubcheck, make_project, outputs, run_publish
from handout.model import SAMPLE_MARK

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
SVG = "http://www.w3.org/2000/svg"


def documents(epub) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as archive:
        return {name.removeprefix("EPUB/"): etree.fromstring(archive.read(name))
                for name in archive.namelist() if name.endswith(".xhtml")}


def opf(epub) -> etree._Element:
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read("EPUB/content.opf"))


@pytest.mark.slow
def test_default_handout_passes_epubcheck(default_build):
    assert epubcheck(outputs(default_build)[1]) == []


@pytest.mark.slow
def test_every_document_has_lang_and_title(default_build):
    for name, tree in documents(outputs(default_build)[1]).items():
        assert tree.get("lang") == "en-US" and tree.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US", name
        assert tree.findtext("x:head/x:title", namespaces=NS).strip(), name


def _text_after(element) -> str:
    """The text that follows an element in reading order (its tail, then what comes after its ancestors)."""
    parts = []
    node = element
    while node is not None and len(" ".join(parts).split()) < 12:
        parts.append(node.tail or "")
        following = node.getnext()
        while following is not None and len(" ".join(parts).split()) < 12:
            # (a source's links back to the text are the EPUB's own: print leaves them out)
            shown = "backlinks" not in (following.get("class") or "").split()
            parts.append("".join(following.itertext()) * shown + (following.tail or ""))
            following = following.getnext()
        node = node.getparent()
    return " ".join(" ".join(parts).split())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.slow
def test_page_list_maps_every_printed_page_to_its_first_words(default_build):
    pdf, epub = outputs(default_build)
    docs = documents(epub)
    page_list = docs["nav.xhtml"].find(".//x:nav[@id='page-list']", NS)
    links = page_list.findall(".//x:a", NS)
    with pdfplumber.open(pdf) as document:
        # Without the mark at the top of every page of a sample (the default handout is one).
        first_words = [(page.extract_text() or "").replace(SAMPLE_MARK, "").split() for page in document.pages]
    # The same pages' words in the order the PDF draws them (pypdf), which is the reading order of a page set in
    # two columns (the words to know), where pdfplumber reads each line across both columns.
    from pypdf import PdfReader

    drawn_words = [(page.extract_text() or "").replace(SAMPLE_MARK, "").split() for page in PdfReader(pdf).pages]
    assert [a.text for a in links] == [str(n) for n in range(1, len(first_words) + 1)]
    # The drawings' own words (an icon array's labels): a page that prints them first opens with their figure.
    drawings = [(figure, " ".join(t for e in figure.iter(f"{{{SVG}}}text") for t in e.itertext()).split())
                for tree in docs.values() for figure in tree.iterfind(".//x:figure", NS)]
    drawings = [(figure, words) for figure, words in drawings if words]
    assert drawings
    for number, link in enumerate(links, 1):
        file, anchor = link.get("href").split("#")
        marker = docs[file].find(f".//*[@id='{anchor}']", NS)
        assert marker is not None and marker.get(EPUB_TYPE) == "pagebreak"
        assert marker.get("role") == "doc-pagebreak" and marker.get("aria-label") == str(number)
        for figure, drawn in drawings:
            if sorted(first_words[number - 1][:len(drawn)]) == sorted(drawn):
                assert marker.getnext() is figure and not (marker.tail or "").strip(), (number, drawn)
        figure = marker.getnext()
        if figure is not None and figure.tag == f"{{{NS['x']}}}figure" and not (marker.tail or "").strip():
            # The printed page opens with this figure (its drawing's words come first in the PDF's text).
            caption = " ".join("".join(figure.find("x:figcaption", NS).itertext()).split())
            # (without the printed list markers of a caption's list: the icon array's numbers in words)
            printed = [w for w in first_words[number - 1][:80] if not re.fullmatch(r"\d+\.|\u2022", w)]
            assert _squash(caption) in _squash(" ".join(printed)), (number, caption)
            # A drawing's own words (the icon array's labels) are the first the page prints (in the order of
            # their places on the page, not of the drawing's source).
            drawn = " ".join(t for e in figure.iter(f"{{{SVG}}}text") for t in e.itertext()).split()
            assert sorted(printed[:len(drawn)]) == sorted(drawn), (number, drawn, printed[:len(drawn)])
            continue
        readings = (first_words[number - 1], drawn_words[number - 1])
        words = [w for w in readings[0] if not re.fullmatch(r"\d+\.|\u2022", w)][:6]
        # A number and a full stop printed may also be the text's own: a citation's number at the end of a
        # sentence ("press 1" and note 19: "119."). Compared with them kept too.
        found = [[w for w in reading if not re.fullmatch(r"\d+\.|\u2022", w)][:6] for reading in readings]
        found += [[w for w in reading if w != "\u2022"][:6] for reading in readings]
        # The contents page differs between print (chapters) and EPUB (chapters and sections): compare less.
        expected = {_squash(" ".join(start if number != 2 else start[:1])) for start in found}
        # A page may start with a numbered source, whose number the EPUB writes as text: not compared either.
        after = re.sub(r"^\d+\.", "", _squash(_text_after(marker)))
        # A page that opens inside a word (a web address broken over two pages) is marked before the whole word.
        first = len(re.sub(r"^\d+\.", "", (_text_after(marker).split() or [""])[0]))
        assert any(0 <= after.find(start) < max(first, 1) for start in expected), \
            (number, words, _text_after(marker)[:80])


@pytest.mark.slow
def test_every_note_reference_leads_to_its_note_and_back(default_build):
    docs = documents(outputs(default_build)[1])
    ids = {(name, element.get("id")): element for name, tree in docs.items() for element in tree.iter()
           if element.get("id")}
    refs = [(name, a) for name, tree in docs.items() for a in tree.iterfind(".//x:a[@class='noteref']", NS)]
    items = {id(child): li for tree in docs.values() for li in tree.iterfind(".//x:li", NS) for child in li}
    assert len(refs) > 20
    for name, ref in refs:
        assert ref.get(EPUB_TYPE) == "noteref" and ref.get("role") == "doc-noteref"
        file, anchor = ref.get("href").split("#")
        # The link leads to the note alone (what a reading system's pop-up shows): its number, then the source;
        # the links back follow it in the same endnote.
        note = ids[(file, anchor)]
        assert _squash("".join(note.itertext())).startswith(f"{ref.text}."), "".join(note.itertext())[:40]
        assert note.find(".//x:a[@role='doc-backlink']", NS) is None
        endnote = items[id(note)]
        assert endnote.get(EPUB_TYPE) == "endnote"
        backs = [a.get("href").split("#") for a in endnote.iterfind(".//x:a[@role='doc-backlink']", NS)]
        for back_file, back_anchor in backs:
            assert ids[(back_file, back_anchor)].get("class") == "noteref"
            assert ids[(back_file, back_anchor)].text == ref.text  # each back link leads to this source's number
        # and one of the note's links leads back to this very reference
        assert [name, ref.get("id")] in backs, (name, ref.get("id"))


@pytest.mark.slow
def test_semantics_of_chapters_glossary_notes_tables_and_figures(default_build):
    docs = documents(outputs(default_build)[1])
    chapters = [tree.find(".//x:section[@class]", NS) for name, tree in docs.items()
                if tree.find(".//x:section[@aria-labelledby]", NS) is not None]
    types = {section.get(EPUB_TYPE) for section in chapters if section is not None}
    assert {"chapter", "glossary", "endnotes"} <= types
    glossary = docs["words-to-know.xhtml"]
    assert glossary.find(".//x:section", NS).get("role") == "doc-glossary"
    assert len(glossary.findall(".//x:dt[@epub:type='glossterm']", NS)) >= 10
    sources = docs["sources.xhtml"].find(".//x:section[@epub:type='endnotes']", NS)
    assert sources.get("role") == "doc-endnotes" and sources.findall(".//x:li[@epub:type='endnote']", NS)
    tables = [t for tree in docs.values() for t in tree.iterfind(".//x:table", NS)]
    assert tables and all(t.findall(".//x:th[@scope='col']", NS) for t in tables)
    figures = [f for tree in docs.values() for f in tree.iterfind(".//x:figure", NS)]
    # A figure is an image with alt text, or an SVG drawn inline (its words in the book's font) named by it:
    # by aria-label, or by its <title> through aria-labelledby (an icon array's generated text alternative).
    svg, title = "{http://www.w3.org/2000/svg}svg", "{http://www.w3.org/2000/svg}title"

    def named(drawing) -> bool:
        if drawing.get("aria-label"):
            return True
        label = drawing.find(title)
        return label is not None and drawing.get("aria-labelledby") == label.get("id") and bool(label.text)

    assert figures and all(f.find("x:figcaption", NS) is not None
                           and ((f.find("x:img", NS) is not None and f.find("x:img", NS).get("alt"))
                                or (f.find(svg) is not None and named(f.find(svg))))
                           for f in figures)


@pytest.mark.slow
def test_navigation_has_toc_with_sections_landmarks_and_ncx(default_build):
    epub = outputs(default_build)[1]
    nav = documents(epub)["nav.xhtml"]
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert len(toc.findall("x:ol/x:li", NS)) == 11  # the ten chapters, then "About this handout"
    assert toc.findall("x:ol/x:li/x:ol/x:li", NS), "sections are listed under their chapters"
    landmarks = {a.get(EPUB_TYPE) for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    assert {"cover", "toc", "bodymatter", "endnotes", "backmatter"} <= landmarks
    assert "EPUB/toc.ncx" in zipfile.ZipFile(epub).namelist()


@pytest.mark.slow
def test_cover_image_is_declared(default_build):
    package = opf(outputs(default_build)[1])
    cover = package.find(".//opf:item[@properties='cover-image']", NS)
    assert cover is not None and cover.get("media-type") == "image/png"  # a raster, as Kindle wants
    # The cover page draws the same cover inline, with the title and the clinic as words.
    page = zipfile.ZipFile(outputs(default_build)[1]).read("EPUB/cover.xhtml").decode()
    assert "<svg" in page and "Ketamine, Esketamine" in page and "Sample Community Clinic" in page


def _meta(package, prop):
    return [m.text for m in package.iterfind(f".//opf:meta[@property='{prop}']", NS)]


@pytest.mark.slow
def test_accessibility_metadata_is_derived_from_the_content(default_build, mini_build, tmp_path):
    package = opf(outputs(default_build)[1])
    assert _meta(package, "schema:accessMode") == ["textual", "visual"]
    assert "textual" in _meta(package, "schema:accessModeSufficient")
    features = _meta(package, "schema:accessibilityFeature")
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability",
            "alternativeText", "printPageNumbers", "pageNavigation"} <= set(features)
    assert _meta(package, "schema:accessibilityHazard") == ["none"]
    summary = _meta(package, "schema:accessibilitySummary")[0]
    assert "10 chapters" in summary and "Each of its 2 figures" in summary  # the timeline and the icon array
    assert "Its QR code has a text description" in summary
    assert _meta(package, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    certifier = package.find(".//opf:meta[@property='a11y:certifiedBy']", NS)
    assert certifier.get("refines") == "#conformance" and certifier.text == "Handout editorial team"
    assert "declared by Handout editorial team" in summary

    # Without images, the EPUB claims neither a visual access mode nor alternative text.
    project = tmp_path / "plain"
    shutil.copytree(mini_build, project)
    welcome = project / "chapters" / "01-welcome.md"
    welcome.write_text(re.sub(r"!\[.*\n", "", welcome.read_text()))
    toml = project / "publish.toml"
    toml.write_text(re.sub(r'online_url = ".*"', 'online_url = ""', toml.read_text()))
    assert run_publish(project, "--no-pdf").returncode == 0
    package = opf(outputs(project)[1])
    assert _meta(package, "schema:accessMode") == ["textual"]
    assert _meta(package, "schema:accessModeSufficient") == ["textual"]
    assert "alternativeText" not in _meta(package, "schema:accessibilityFeature")
    summary = _meta(package, "schema:accessibilitySummary")[0]
    chapters = len(list((project / "chapters").glob("[0-9]*.md")))
    assert f"This handout has {chapters} chapters" in summary and "figure" not in summary
    assert "QR code" not in summary


@pytest.mark.slow
def test_every_clinic_gets_a_valid_epub(tmp_path):
    project = make_project(tmp_path / "clinics")
    toml = project / "publish.toml"
    text = toml.read_text()
    clinic = text[text.index("[clinic]"):text.index("[crisis]")]
    second = clinic.replace("[clinic]", "[[clinic]]\nid = \"north\"").replace("Sample Community Clinic",
                                                                               "North Valley Health")
    text = text.replace(clinic, clinic.replace("[clinic]", "[[clinic]]\nid = \"sample\"") + second)
    toml.write_text(text.replace('editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]', 'editions = ["a4"]'))
    result = run_publish(project)
    assert result.returncode == 0, result.stderr
    for folder, name in (("sample", "Sample Community Clinic"), ("north", "North Valley Health")):
        epub = project / "dist" / folder / "ketamine-handout.epub"
        pdf = project / "dist" / folder / "ketamine-handout.pdf"
        assert epubcheck(epub) == []
        assert name in documents(epub)["title.xhtml"].findtext(".//x:p[@class='clinic-name']", namespaces=NS)
        with pdfplumber.open(pdf) as document:
            assert name in document.pages[0].extract_text()
            assert document.pages[0].width == pytest.approx(595.28, abs=0.5)


@pytest.mark.slow
def test_daisy_ace_reports_no_violations_and_all_metadata(default_build, tmp_path):
    import ace
    from test_ace_runner import require_ace

    require_ace()
    report = ace.run_ace(outputs(default_build)[1], tmp_path / "ace")
    assert ace.violations(report) == []
    present = set(ace.metadata(report)["present"])
    for name in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo"):
        assert name in present, name


@pytest.mark.slow
def test_page_list_marks_a_continued_table_at_its_next_row_not_its_repeated_header(mini_build, tmp_path):
    project = tmp_path / "long-table"
    shutil.copytree(mini_build, project)
    rows = "\n".join(f"| Row {n} of the dose table | {n} mg |" for n in range(1, 61))
    steps = project / "chapters" / "02-steps.md"
    steps.write_text(steps.read_text() + f"\n## A long table\n\n| Dose step | Amount |\n| --- | --- |\n{rows}\n")
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    pdf, epub = outputs(project)
    docs = documents(epub)
    with pdfplumber.open(pdf) as document:
        texts = [(page.extract_text() or "").replace(SAMPLE_MARK, "") for page in document.pages]
    first_rows = [(number, int(re.search(r"Row (\d+) of", text).group(1)))
                  for number, text in enumerate(texts, 1) if text.lstrip().startswith("Dose step")]
    continued = [(number, row) for number, row in first_rows if row != 1]
    assert continued, "the table goes on over at least one more page, under its repeated header"
    for number, row in continued:
        marker = docs["steps.xhtml"].find(f".//*[@id='page-{number}']", NS)
        assert marker is not None, number
        assert marker.getparent().getparent().getparent().tag == f"{{{NS['x']}}}tbody", number
        assert _text_after(marker).startswith(f"Row {row} of the dose table"), (number, _text_after(marker)[:40])


@pytest.mark.slow
def test_an_epub_stylesheet_that_reaches_outside_stops_the_build(mini_build, tmp_path):
    from conftest import snapshot

    project = tmp_path / "css"
    shutil.copytree(mini_build, project)
    sheet = project / "assets" / "css" / "epub.css"
    sheet.write_text(sheet.read_text() + '\n@import url("http://tracker.example.com/x.css");\n')
    before = snapshot(project / "dist")
    result = run_publish(project, "--no-pdf")
    assert result.returncode == 2 and "assets/css/epub.css:" in result.stderr, result.stderr
    assert snapshot(project / "dist") == before


@pytest.mark.slow
def test_sources_are_numbered_in_the_order_a_reader_first_meets_them(default_build):
    docs = documents(outputs(default_build)[1])
    spine = [item.get("href") for item in opf(outputs(default_build)[1]).iterfind(".//opf:item", NS)]
    order = [name for name in spine if name in docs]
    first_uses = []
    for name in order:
        for ref in docs[name].iterfind(".//x:a[@class='noteref']", NS):
            if int(ref.text) not in first_uses:
                first_uses.append(int(ref.text))
    assert first_uses == list(range(1, len(first_uses) + 1))


@pytest.mark.slow
def test_a_list_cited_before_a_paragraph_gets_the_lower_number(mini_build, tmp_path):
    project = tmp_path / "order"
    shutil.copytree(mini_build, project)
    keys = re.findall(r"(?m)^([a-z0-9_-]+):\s*$", (project / "chapters" / "references.yaml").read_text())
    welcome = project / "chapters" / "01-welcome.md"
    head, body = welcome.read_text().split("---\n", 2)[1:]
    welcome.write_text(f"---\n{head}---\nThese come first:\n\n- A listed fact [@{keys[-1]}].\n\n"
                       f"A later sentence [@{keys[-2]}].\n\n{body}")
    assert run_publish(project, "--no-pdf").returncode == 0
    refs = documents(outputs(project)[1])["welcome.xhtml"].findall(".//x:a[@class='noteref']", NS)
    assert [ref.get("href").split("#")[1] for ref in refs[:2]] == [f"ref-{keys[-1]}", f"ref-{keys[-2]}"]
    assert [ref.text for ref in refs[:2]] == ["1", "2"]
