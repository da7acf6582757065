"""Layout strings per language (layouts/i18n/, handout/config/strings.py): the theme's tables, a project's overrides,
a missing string, dates with Babel, smart quotes per language, the language assistance notice; and a Spanish
handout built from the Spanish chapters, whose PDF and EPUB say nothing of the layout in English."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from conftest import REPO, epubcheck, make_project, run_publish
from handout.core.errors import InputError
from handout.load.markdown_ext import ChapterState, new_markdown
from handout.config.strings import css_content, css_string, language_assistance, load, long_date

I18N = REPO / "layouts" / "i18n"
ENGLISH_LAYOUT_WORDS = ("Page", "Contents", "Key points", "Last reviewed", "Next review due", "Sources", "Phone",
                        "About this handout", "Good to know", "Warning", "Checklist", "Back to text",
                        "Patient handout", "DRAFT", "SAMPLE", "out of 100", "of 100 people", "Did not")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _keys(path: Path) -> set[str]:
    def flat(table, prefix=""):
        for key, value in table.items():
            yield from flat(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]
    return set(flat(tomllib.loads(path.read_text(encoding="utf-8"))))


# ---- the tables, in process ---------------------------------------------------------------------------------

def test_the_theme_ships_english_and_spanish_complete():
    assert _keys(I18N / "es.toml") == _keys(I18N / "en.toml")
    spanish = load(REPO, "es-US")
    assert spanish["headings.contents"] == "Contenido"
    assert spanish["print.page_of"] == "Página {page} de {pages}"
    assert load(REPO, "en-US")["headings.contents"] == "Contents"


def test_a_project_overrides_one_string_key_by_key(tmp_path):
    (tmp_path / "layouts" / "i18n").mkdir(parents=True)
    (tmp_path / "layouts" / "i18n" / "es.toml").write_text('[labels]\npatient_handout = "Folleto informativo"\n')
    (tmp_path / "layouts" / "i18n" / "es-MX.toml").write_text('[headings]\ncontents = "Índice"\n')
    strings = load(tmp_path, "es-MX")
    assert strings["labels.patient_handout"] == "Folleto informativo"
    assert strings["headings.contents"] == "Índice"          # the country's own file wins
    assert strings["headings.key_points"] == "Puntos clave"  # the rest stays the theme's
    assert load(tmp_path, "es-US")["headings.contents"] == "Contenido"


def test_a_missing_string_names_the_key_the_language_and_the_file(tmp_path):
    (tmp_path / "layouts" / "i18n").mkdir(parents=True)
    own = tmp_path / "layouts" / "i18n" / "fr.toml"
    own.write_text('[headings]\ncontents = "Sommaire"\n')
    with pytest.raises(InputError) as raised:
        load(tmp_path, "fr-CA")
    assert "'typography.quote_open' is missing for the language fr-CA" in raised.value.message
    assert "more missing" in raised.value.message
    assert "under [typography]" in raised.value.message and raised.value.path == own.resolve()
    with pytest.raises(InputError, match="no layout strings for the language de"):
        load(tmp_path, "de")


def test_a_placeholder_the_layouts_do_not_fill_is_refused_at_its_line(tmp_path):
    (tmp_path / "layouts" / "i18n").mkdir(parents=True)
    own = tmp_path / "layouts" / "i18n" / "es.toml"
    own.write_text('[print]\npage_of = "Página {pagina} de {pages}"\n')
    with pytest.raises(InputError, match=r"\{pagina\}") as raised:
        load(tmp_path, "es")
    assert raised.value.line == 2


def test_dates_are_written_for_the_language():
    assert long_date("2026-10-15", "en-US") == "October 15, 2026"
    assert long_date("2026-10-15", "es-US") == "15 de octubre de 2026"
    with pytest.raises(ValueError, match="is not a date"):
        long_date("soon", "es")


def test_no_month_name_is_written_by_strftime():
    sources = [*Path(REPO, "handout").rglob("*.py"), *Path(REPO, "layouts").rglob("*.*")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"strftime\([^)]*%[Bb]", text) and "\"January\"" not in text, path


def test_strings_in_css_are_escaped():
    assert "<" not in css_string("</style><script>") and '"' not in css_string('a"b')[1:-1]
    assert str(css_content("Página {page} de {pages}", page="counter(page)", pages="counter(pages)")) == \
        '"Página " counter(page) " de " counter(pages)'
    with pytest.raises(ValueError):
        css_content("{page}", page="url(http://example.org)")


@pytest.mark.parametrize("quotes, expected", [
    (("\u201c", "\u201d"), "<p>¿“Ya”? Dijo: “¿Qué?” y O’Brien.</p>"),
    (("«", "»"), "<p>¿«Ya»? Dijo: «¿Qué?» y O’Brien.</p>"),
])
def test_smart_quotes_follow_the_language_and_open_after_inverted_marks(tmp_path, quotes, expected):
    state = ChapterState(slug="x", chapter_path=tmp_path / "x.md", root=tmp_path, quotes=quotes)
    assert new_markdown(state).convert('¿"Ya"? Dijo: "¿Qué?" y O\'Brien.') == expected


def test_language_assistance_taglines_from_the_tables_or_the_clinic(tmp_path):
    clinic = SimpleNamespace(phone="(555) 010-0100",
                             language_assistance=("es", "en", "vi: CHÚ Ý: Gọi số {phone}."))
    taglines = language_assistance(REPO, clinic)
    assert [t["lang"] for t in taglines] == ["es", "en", "vi"]
    assert taglines[0]["text"].startswith("ATENCIÓN") and "(555) 010-0100" in taglines[0]["text"]
    assert taglines[2]["text"] == "CHÚ Ý: Gọi số (555) 010-0100."
    with pytest.raises(InputError, match="no language assistance tagline for ko"):
        language_assistance(tmp_path, SimpleNamespace(phone="1", language_assistance=("ko",)))
    with pytest.raises(InputError, match="needs the clinic's phone"):
        language_assistance(REPO, SimpleNamespace(phone="", language_assistance=("es",)))


# ---- a Spanish handout, built -------------------------------------------------------------------------------

def _spanish_project(destination: Path) -> Path:
    """The default handout with the Spanish chapters as its own, in es-US, a project override of one string, a
    language assistance notice in three languages, and references without English month names (the sources'
    own details are English data, not layout words)."""
    project = make_project(destination, fixture=None)
    shutil.rmtree(project / "translations", ignore_errors=True)
    chapters = project / "chapters"
    for path in chapters.glob("*.md"):
        path.unlink()
    spanish = REPO / "translations" / "es-US"
    for path in (spanish / "chapters").iterdir():
        shutil.copy2(path, chapters / path.name)
    shutil.copytree(spanish / "assets", project / "assets", dirs_exist_ok=True)
    references = chapters / "references.yaml"
    references.write_text(re.sub("|".join(MONTHS), "", references.read_text(encoding="utf-8")), encoding="utf-8")
    text = (project / "publish.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^language = ".*"$', 'language = "es-US"', text)
    text = re.sub(r"(?m)^translations = \[.*\]\n", "", text)
    text = re.sub(r"(?ms)^\[languages\.[^\]]+\].*?(?=^\[(?!languages)|\Z)", "", text)
    text = re.sub(r'(?m)^title = ".*"$', 'title = "Ketamina, esketamina y antidepresivos"', text, count=1)
    text = re.sub(r'(?m)^subtitle = ".*"$', 'subtitle = "Cómo se comparan para tratar la depresión"', text, count=1)
    text = re.sub(r'(?m)^heading = ".*"$', 'heading = "Si está en crisis, busque ayuda ahora"', text)
    text = re.sub(r"(?ms)^lines = \[.*?^\]", 'lines = ["Llame o envíe un mensaje de texto al 988. Si llama, marque 2 '
                  'para español.", "Llame al 911 si está en peligro inmediato."]', text)
    text = text.replace('logo = ""', 'logo = ""\nlanguage_assistance = ["es", "en", "vi: CHÚ Ý: Gọi số {phone}."]')
    text = re.sub(r'(?m)^editions = \[.*\]$', 'editions = ["letter"]', text)
    (project / "publish.toml").write_text(text, encoding="utf-8")
    (project / "layouts" / "i18n" / "es.toml").write_text(
        '# This project calls its handouts "folletos informativos".\n'
        '[labels]\npatient_handout = "Folleto informativo"\n', encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def spanish_build(tmp_path_factory) -> Path:
    project = _spanish_project(tmp_path_factory.mktemp("spanish"))
    result = run_publish(project, "--draft")
    assert result.returncode == 0, result.stderr
    return project


def _pdf_lines(path: Path) -> list[str]:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout.splitlines()
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages).splitlines()


def _one(project: Path, pattern: str) -> Path:
    [path] = [p for p in (project / "dist").rglob(pattern)]
    return path


@pytest.mark.slow
def test_the_spanish_pdf_has_no_english_layout_words(spanish_build):
    lines = _pdf_lines(_one(spanish_build, "*.pdf"))
    text = "\n".join(lines)
    for word in (*ENGLISH_LAYOUT_WORDS, *MONTHS):
        assert not re.search(rf"\b{word}\b", text), word
    assert "Página 2 de" in text
    assert "1 de noviembre de 2026" in text and "1 de noviembre de 2027" in text  # the review dates
    assert "Contenido" in text and "Sobre este folleto" in text and "BORRADOR" in text
    assert "Folleto informativo" in text  # the project's own string
    assert re.search(r"«[a-záéíóúñ]", text) and re.search(r"[a-záéíóúñ]»", text)  # "quotes" become « »


@pytest.mark.slow
def test_the_spanish_pdf_breaks_no_word_of_its_text_with_a_hyphen(spanish_build):
    """Plain-language print for readers with little schooling: whole words, a ragged right edge (the Letter
    edition; large print keeps its own hyphenation). The chapters' text, up to the sources, whose titles hold
    hyphenated words of their own ("dose-ranging")."""
    lines = _pdf_lines(_one(spanish_build, "*.pdf"))
    lines = lines[:next(i for i, line in enumerate(lines) if line.strip() == "Fuentes")]
    broken = [(line, after) for line, after in zip(lines, lines[1:])
              if re.search(r"[a-záéíóúñ][\u2010-]$", line) and re.match(r"\s*[a-záéíóúñ]", after)
              and "http" not in line and "www." not in line]
    assert not broken, broken[:5]


@pytest.mark.slow
def test_the_spanish_pdf_prints_the_taglines_in_the_document_language(spanish_build):
    import pikepdf

    text = "\n".join(_pdf_lines(_one(spanish_build, "*.pdf")))
    assert "Ayuda con el idioma" in text
    assert "ATENCIÓN" in text and "ATTENTION" in text and "CHÚ Ý" in text
    with pikepdf.open(_one(spanish_build, "*.pdf")) as pdf:
        assert str(pdf.Root.Lang) == "es-US"
        # Each tagline is a paragraph of the tag tree with its own language (a screen reader switches voice).
        own = [(str(element.get("/S")), str(element.Lang)) for element in _struct_elements(pdf.Root.StructTreeRoot)
               if "/Lang" in element]
        assert sorted(item for item in own if item[0] == "/P") == [("/P", "en"), ("/P", "es"), ("/P", "vi")], own
        # Beside them, only words marked as English (names and titles of the English sources, [..]{lang=en}).
        assert all(language.startswith("en") for kind, language in own if kind != "/P"), own


def _struct_elements(node):
    import pikepdf

    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR" and "/MCID" not in kid:
            yield kid
            yield from _struct_elements(kid)


@pytest.mark.slow
def test_the_spanish_pdf_tells_a_screen_reader_in_spanish_where_links_go_and_what_tables_hold(spanish_build):
    import pikepdf

    with pikepdf.open(_one(spanish_build, "*.pdf")) as pdf:
        links = [str(a.get("/Contents")) for page in pdf.pages for a in page.get("/Annots", [])
                 if a.get("/Subtype") == "/Link"]
        summaries = [str(e.A.Summary) for e in _struct_elements(pdf.Root.StructTreeRoot)
                     if e.get("/S") == "/Table" and isinstance(e.get("/A"), pikepdf.Dictionary) and "/Summary" in e.A]
    assert any(link.startswith("Fuente 1: ") for link in links), links[:20]
    assert any(link.startswith("Llamar al ") for link in links), links[:20]
    assert summaries and all(re.search(r"\d+ filas?\b", summary) and "con las columnas" in summary
                             for summary in summaries), summaries
    english = ("Source ", "Call ", "Email ", "Web page: ", "Place in this handout", " rows", " with the columns")
    assert not [text for text in links + summaries if any(word in text for word in english)]


def _documents(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.slow
def test_the_spanish_epub_is_spanish_and_valid(spanish_build, tmp_path):
    epub = _one(spanish_build, "*.epub")
    assert epubcheck(epub) == []
    files = _documents(epub)
    package = etree.fromstring(next(data for name, data in files.items() if name.endswith(".opf")))
    assert package.get(XML_LANG) == "es-US"
    assert package.findtext(".//{http://purl.org/dc/elements/1.1/}language") == "es-US"
    summary = package.xpath("//*[@property='schema:accessibilitySummary']")[0].text
    assert summary.startswith("Este folleto tiene")
    for name, data in files.items():
        if name.endswith(".xhtml"):
            root = etree.fromstring(data)
            assert (root.get("lang"), root.get(XML_LANG)) == ("es-US", "es-US"), name
            words = " ".join(root.itertext())
            for word in ("Contents", "About this handout", "Key points", "Back to text", "Last reviewed",
                         "out of 100", "of 100 people", "Did not"):
                assert word not in words, (name, word)
    nav = etree.fromstring(next(data for name, data in files.items() if name.endswith("nav.xhtml")))
    assert nav.findtext(f".//{XHTML}title") == "Contenido"
    assert ["".join(h.itertext()) for h in nav.iter(f"{XHTML}h2")][:2] == ["Contenido", "Puntos de referencia"]
    landmarks = [a.text for a in nav.xpath("//*[@id='landmarks']//*[local-name()='a']")]
    assert landmarks[:3] == ["Portada", "Portadilla", "Contenido"] and landmarks[-1] == "Sobre este folleto"
    back = etree.fromstring(next(data for name, data in files.items() if name.endswith("back.xhtml")))
    taglines = {p.get("lang"): (p.get(XML_LANG), "".join(p.itertext()))
                for p in back.iter(f"{XHTML}p") if p.get("class") == "tagline"}
    assert set(taglines) == {"es", "en", "vi"} and all(lang == tag for tag, (lang, _) in taglines.items())
    assert taglines["en"][1].startswith("ATTENTION")
    title = etree.fromstring(next(data for name, data in files.items() if name.endswith("title.xhtml")))
    assert "Folleto informativo" in " ".join(title.itertext())


@pytest.mark.slow
def test_the_spanish_epub_passes_daisy_ace(spanish_build, tmp_path):
    import ace
    from test_ace_runner import require_ace

    require_ace()
    report = ace.run_ace(_one(spanish_build, "*.epub"), tmp_path / "ace")
    assert ace.violations(report) == []


@pytest.mark.slow
def test_a_language_with_no_strings_stops_the_build_naming_it(tmp_path):
    project = make_project(tmp_path / "fr")
    config = project / "publish.toml"
    config.write_text(re.sub(r'(?m)^language = ".*"$', 'language = "fr-CA"', config.read_text()))
    (project / "layouts" / "i18n").mkdir(parents=True, exist_ok=True)
    (project / "layouts" / "i18n" / "fr.toml").write_text('[headings]\ncontents = "Table des matières"\n')
    result = run_publish(project)
    assert result.returncode == 2, result.stderr
    assert "fr.toml" in result.stderr and "is missing for the language fr-CA" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_spanish_web_page_has_no_english_layout_words(spanish_build):
    import lxml.html

    page = lxml.html.parse(str(_one(spanish_build, "index*.html"))).getroot()
    for element in page.xpath("//style|//script"):
        element.drop_tree()
    words = " ".join(page.itertext()) + " " + " ".join(
        value for element in page.iter() for name, value in element.attrib.items() if name in ("aria-label", "alt"))
    for word in ("Skip to the handout", "Print it or keep a copy", "E-book", "To print", *ENGLISH_LAYOUT_WORDS):
        assert word not in words, word
    assert "Ir al folleto" in words and "Para imprimirlo o guardar una copia" in words
    assert "Libro electrónico, para un lector o una aplicación de lectura" in words
    assert page.get("lang") == "es-US"
