"""A library of handouts: library.toml at a folder's root, one handout per subfolder; what a handout inherits
(and what it sets itself wins), `handout build` building them all with the catalog pages, the OPDS feeds and
the FHIR bundle, `handout status`, and dist/ holding only what the configuration builds."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import REPO, TEST_EPOCH, make_project, run_publish
from librarytools import built_library, make_library, output_files
from handout.config.settings import load_config
from handout.core.errors import InputError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_library(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line run at the library's root, as a user would."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    return subprocess.run([sys.executable, str(REPO / "publish.py"), *args], cwd=folder, capture_output=True,
                          text=True, env=environment, timeout=900)


# ---- inheritance ------------------------------------------------------------------------------------------

@pytest.fixture
def library(tmp_path) -> Path:
    return make_library(tmp_path / "library")


def test_a_handout_inherits_the_librarys_clinics_and_its_own_win(library):
    config = load_config(library / "get-help")
    assert [clinic.id for clinic in config.clinics] == ["portland", "salem"]
    assert config.publisher == "Sample Health Network" and config.print.editions == ("letter",)
    # Tables merge key by key: the library's Spanish crisis lines beside the handout's own Spanish title.
    assert dict(config.languages)["es-US"]["title"] == "Cuándo pedir ayuda de inmediato"
    assert dict(config.languages)["es-US"]["crisis_lines"][0].startswith("Llame")
    # The library's online_url is the base of its handouts' addresses.
    assert config.online_url == "https://www.example.org/handouts/get-help/"
    own = library / "first-weeks" / "publish.toml"
    own.write_text(own.read_text() + '\n[clinic]\nname = "Eugene Sample Clinic"\n')
    mine = load_config(library / "first-weeks")
    assert [clinic.name for clinic in mine.clinics] == ["Eugene Sample Clinic"]  # a list replaces the library's
    assert load_config(library / "get-help").clinics[1].name == "Salem Sample Clinic"


def test_a_handout_cites_the_librarys_references_and_its_own_entry_wins(library):
    from handout.load.book import load_book, load_references

    root = library / "get-help"
    entries, lines, _ = load_references(root)
    assert entries["guide"]["title"] == "A guide to medicines" and lines == {}  # only the library's
    (root / "chapters" / "references.yaml").write_text('guide:\n  authors: "Own Agency"\n  title: "Our own guide"\n'
                                                       '  publisher: "Own Agency"\n  year: 2025\n'
                                                       '  url: "https://example.org/own"\n')
    entries, lines, _ = load_references(root)
    assert entries["guide"]["title"] == "Our own guide" and entries["survey"]["year"] == 2020
    book = load_book(load_config(root))
    assert "Our own guide" in str(book.references)
    # A shared entry that this handout does not cite is no warning of its own (another handout may cite it).
    assert "survey" not in book.uncited
    (library / "references.yaml").unlink()
    with pytest.raises(InputError, match="survey"):
        load_book(load_config(root))


def test_the_librarys_theme_overrides_the_builtin_and_a_handouts_own_file_wins(library):
    from handout.core.theme import find

    root = library / "get-help"
    builtin = find(root, "assets/css/web.css")
    assert "builtin_theme" in str(builtin) or builtin.is_relative_to(REPO)
    (library / "assets" / "css").mkdir(parents=True)
    (library / "assets" / "css" / "web.css").write_text("/* the library's */\n")
    assert find(root, "assets/css/web.css") == library / "assets" / "css" / "web.css"
    (root / "assets" / "css").mkdir(parents=True)
    (root / "assets" / "css" / "web.css").write_text("/* the handout's */\n")
    assert find(root, "assets/css/web.css") == root / "assets" / "css" / "web.css"
    assert find(library / "first-weeks", "assets/css/web.css") == library / "assets" / "css" / "web.css"
    # The library's files are inputs of its handouts' builds: a change there rebuilds them.
    from handout.core.inputs import input_digests

    before = input_digests(library / "first-weeks")
    (library / "assets" / "css" / "web.css").write_text("/* changed */\n")
    assert input_digests(library / "first-weeks")["assets/css/web.css"] != before["assets/css/web.css"]
    (library / "library.toml").write_text((library / "library.toml").read_text().replace("Sample Health", "Other"))
    assert input_digests(library / "first-weeks")["../library.toml"] != before["../library.toml"]


def test_the_librarys_layout_strings_are_inherited_and_a_handouts_own_win(library):
    """layouts/i18n/ at the library's root: its keys over the built-in theme's, a handout's own over the
    library's, key by key; a library may add a language the theme has no table for."""
    from handout.config.strings import load, tagline
    from handout.core.inputs import input_digests
    from handout.core.theme import theme_folder

    root = library / "get-help"
    builtin = load(root, "en-US")
    strings = library / "layouts" / "i18n"
    strings.mkdir(parents=True)
    (strings / "en.toml").write_text('[headings]\nkey_points = "What to remember"\n\n'
                                     '[download]\nepub = "Our e-book"\n')
    (strings / "es.toml").write_text('[headings]\nkey_points = "Lo que hay que recordar"\n\n'
                                     '[language_assistance]\ntagline = "Ayuda gratis en español: {phone}."\n')
    english, spanish = load(root, "en-US"), load(root, "es-US")
    assert english["headings.key_points"] == "What to remember" and english["download.epub"] == "Our e-book"
    assert english["headings.sources"] == builtin["headings.sources"]  # the theme's, where the library is silent
    assert spanish["headings.key_points"] == "Lo que hay que recordar"
    assert spanish["headings.contents"] == "Contenido"
    assert tagline(root, "es", "(555) 010-0102") == "Ayuda gratis en español: (555) 010-0102."
    (root / "layouts" / "i18n").mkdir(parents=True)
    (root / "layouts" / "i18n" / "en.toml").write_text('[headings]\nkey_points = "In short"\n')
    english = load(root, "en-US")
    assert english["headings.key_points"] == "In short" and english["download.epub"] == "Our e-book"
    assert load(library / "first-weeks", "en-US")["headings.key_points"] == "What to remember"
    # A language the theme has no table for, given to every handout by the library.
    with pytest.raises(InputError, match="no layout strings for the language fr"):
        load(root, "fr")
    french = (theme_folder() / "layouts" / "i18n" / "en.toml").read_text().replace('"Contents"', '"Sommaire"')
    (strings / "fr.toml").write_text(french)
    assert load(library / "first-weeks", "fr")["headings.contents"] == "Sommaire"
    # A missing key in the library's table is named in the library's file.
    (strings / "fr.toml").write_text(french.replace('contents = "Sommaire"\n', ""))
    with pytest.raises(InputError) as caught:
        load(library / "first-weeks", "fr")
    assert caught.value.path == strings / "fr.toml" and "headings.contents" in caught.value.message
    # The library's tables are inputs of its handouts' builds: a change there rebuilds them.
    before = input_digests(library / "first-weeks")["layouts/i18n/en.toml"]
    (strings / "en.toml").write_text('[headings]\nkey_points = "Remember"\n')
    assert input_digests(library / "first-weeks")["layouts/i18n/en.toml"] != before
    assert load(library / "first-weeks", "en-US")["headings.key_points"] == "Remember"


def test_a_library_layout_is_rendered_through_the_sandbox(library):
    from handout.render.layouts import Layouts
    from handout.targets import TARGETS

    (library / "layouts" / "partials").mkdir(parents=True)
    (library / "layouts" / "partials" / "extra.html").write_text("from the library")
    layouts = Layouts(library / "get-help", TARGETS["web"], link=lambda anchor: anchor)
    assert layouts.env.get_template("partials/extra.html").render() == "from the library"


def test_a_plain_project_is_no_library(tmp_path):
    project = make_project(tmp_path / "project")
    assert load_config(project).online_url == "https://www.example.org/handouts/ketamine-esketamine"


def test_a_bad_inherited_setting_names_library_toml_and_its_line(library):
    text = (library / "library.toml").read_text()
    (library / "library.toml").write_text(text.replace('editions = ["letter"]', 'editions = ["letterr"]'))
    with pytest.raises(InputError) as caught:
        load_config(library / "get-help")
    line = (library / "library.toml").read_text().splitlines().index('editions = ["letterr"]') + 1
    assert (caught.value.path, caught.value.line) == (library / "library.toml", line)
    # A bad value in library.toml is refused even where a handout sets its own (the others inherit it).
    own = library / "get-help" / "publish.toml"
    own.write_text(own.read_text() + '\n[print]\neditions = ["a5"]\n')
    with pytest.raises(InputError) as caught:
        load_config(library / "get-help")
    assert caught.value.path == library / "library.toml"
    (library / "library.toml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_config(library / "get-help")
    assert caught.value.path == own  # its own setting: its own file


@pytest.mark.parametrize("written, wrong, says", [
    ('publsher = "Other"', "publsher", "unknown key 'publsher' in library.toml, which every handout of the library "
                                       "would ignore: did you mean 'publisher'?"),
    ('paperr = "a4"', "paperr", "unknown key 'print.paperr'"),
    ('logoo = "logo.png"', "logoo", "unknown key 'clinic.logoo'"),
    ('sample = "yes"', "sample", "'sample' must be true or false"),
    ("phone = 5550102", "phone = 555", "'clinic.phone' must be a string"),
    ('titel = "Otro"', "titel", "[languages.es-US] has the unknown key 'titel'"),
])
def test_an_unknown_or_invalid_key_in_library_toml_is_refused_at_its_own_line(library, written, wrong, says):
    """Each at its own line of library.toml (in the second [[clinic]], the second's line), not at a handout's
    publish.toml: a misspelt key there would be ignored by every handout without a word."""
    text = (library / "library.toml").read_text()
    text = {"paperr": text.replace("[print]\n", f"[print]\n{written}\n"),
            "logoo": text + f"{written}\n", "phone = 555": text.replace('phone = "(555) 010-0102"', written),
            "titel": text.replace("[languages.es-US]\n", f"[languages.es-US]\n{written}\n"),
            "sample": text.replace("sample = true", written)}.get(wrong, text.replace("sample = true\n",
                                                                                      f"sample = true\n{written}\n"))
    (library / "library.toml").write_text(text)
    line = next(number for number, row in enumerate(text.splitlines(), 1) if row.startswith(wrong))
    with pytest.raises(InputError) as caught:
        load_config(library / "get-help")
    assert (caught.value.path, caught.value.line) == (library / "library.toml", line)
    assert says in caught.value.message


@pytest.mark.slow
def test_an_unknown_key_in_library_toml_stops_a_library_build_at_its_line(library):
    text = (library / "library.toml").read_text()
    (library / "library.toml").write_text(text.replace("[print]\n", "[print]\neditons = [\"a4\"]\n"))
    line = (library / "library.toml").read_text().splitlines().index('editons = ["a4"]') + 1
    for command in (["build"], ["check"], ["status"]):
        result = run_library(library, *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        said = result.stdout + result.stderr
        assert f"library.toml:{line}:" in said and "'print.editons'" in said and "did you mean 'print.editions'" in said
        assert "Traceback" not in said and "publish.toml" not in said
    assert not (library / "dist").exists()


def test_a_library_toml_that_is_not_toml_is_named(library):
    (library / "library.toml").write_text("title = \n")
    with pytest.raises(InputError) as caught:
        load_config(library / "get-help")
    assert caught.value.path == library / "library.toml" and "invalid TOML" in caught.value.message


def test_the_catalogs_topic_is_the_topic_setting_in_each_language(library):
    """`topic` (a handout's or its library's), a translation's own `[languages.<tag>] topic`; a translation
    without one shows the source's, marked as written in the source language; no topic, none shown (the
    first keyword is a search term, not a topic)."""
    from handout.library.catalog import render_catalog
    from handout.library.published import published

    def handouts():
        return [published(name, library / name, library / "dist") for name in ("first-weeks", "get-help",
                                                                                 "treatment-day")]

    first_weeks, get_help, treatment_day = handouts()
    assert get_help.topic("en-US") == ("Safety", "en-US") and get_help.topic("es-US") == ("Seguridad", "es-US")
    assert first_weeks.topic("es-US") == ("Medicines", "en-US")  # no Spanish topic: the English, marked
    tags = ["en-US", "es-US"]
    english = render_catalog("Library", "", handouts(), "en-US", tags)
    spanish = render_catalog("Library", "", handouts(), "es-US", tags)
    assert "<dt>Topic</dt><dd>Safety</dd>" in english and "<dt>Topic</dt><dd>Medicines</dd>" in english
    assert "<dt>Tema</dt><dd>Seguridad</dd>" in spanish and "<dt>Tema</dt><dd>Tratamiento</dd>" in spanish
    assert '<dt>Tema</dt><dd lang="en-US">Medicines</dd>' in spanish
    # No topic of its own: the library's, for every handout that sets none.
    own = library / "treatment-day" / "publish.toml"
    own.write_text(own.read_text().replace('topic = "Treatment"\n', "").replace('topic = "Tratamiento"\n', ""))
    assert load_config(library / "treatment-day").keywords == ("treatment",)
    assert handouts()[2].topic("en-US") == ("", "")
    english = render_catalog("Library", "", handouts(), "en-US", tags)
    assert english.count("<dt>Topic</dt>") == 2 and ">treatment<" not in english
    text = (library / "library.toml").read_text()
    (library / "library.toml").write_text(text.replace("[library]", 'topic = "Depression care"\n\n[library]'))
    assert handouts()[2].topic("es-US") == ("Depression care", "en-US")
    assert handouts()[1].topic("en-US") == ("Safety", "en-US")  # its own wins


# ---- status -------------------------------------------------------------------------------------------------

def test_status_lists_each_handout_and_language_and_strict_names_the_overdue_one(library):
    import datetime as dt

    from handout.library import load_library
    from handout.library.status import as_csv, as_json, library_rows

    today = dt.date(2027, 1, 2)
    lib = load_library(library)
    rows = library_rows({name: lib.handout(name) for name in lib.handouts}, today)
    assert [(row.handout, row.language) for row in rows] == [
        (name, tag) for name in ("first-weeks", "get-help", "treatment-day") for tag in ("en-US", "es-US")]
    assert {row.translation for row in rows} == {"source", "up to date"}
    assert not any(row.stale for row in rows)
    # An overdue review in one handout, a chapter changed since its translation in another.
    own = library / "get-help" / "publish.toml"
    own.write_text(own.read_text().replace("next_review_due = 2027-11-01", "next_review_due = 2026-12-01"))
    chapter = library / "first-weeks" / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nA new sentence.\n")
    rows = library_rows({name: lib.handout(name) for name in lib.handouts}, today)
    stale = {(row.handout, row.language): row.problems() for row in rows if row.stale}
    assert stale == {("get-help", "en-US"): ["review overdue since 2026-12-01"],
                     ("get-help", "es-US"): ["review overdue since 2026-12-01"],
                     ("first-weeks", "es-US"): ["translation out of date"]}
    data = json.loads(as_json(rows, today))
    assert len(data["rows"]) == 6 and data["stale"] == 3
    assert as_csv(rows).splitlines()[0].startswith("handout,language,title,last_reviewed,next_review_due")


@pytest.mark.slow
def test_status_command_json_csv_and_strict(library):
    result = run_library(library, "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["rows"]) == 6
    assert run_library(library, "status", "--format", "csv").stdout.count("\n") == 7
    assert run_library(library, "status", "--strict").returncode == 0
    own = library / "treatment-day" / "publish.toml"
    own.write_text(own.read_text().replace("next_review_due = 2027-11-01", "next_review_due = 2026-06-01")
                   .replace("last_reviewed = 2026-11-01", "last_reviewed = 2025-06-01"))
    strict = run_library(library, "status", "--strict")
    assert strict.returncode == 2
    assert "treatment-day (en-US): review overdue since 2026-06-01" in strict.stderr
    assert "get-help" not in strict.stderr


# ---- one build of the whole library --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The test library (3 handouts, 2 clinics, 2 languages), built once by one `handout build`."""
    folder = make_library(tmp_path_factory.mktemp("lib") / "library")
    (folder / "dist").mkdir()
    (folder / "dist" / "notes.txt").write_text("a user's own file")
    result = run_library(folder, "build")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.slow
def test_one_build_makes_every_handout_the_catalog_the_feeds_and_the_bundle(built):
    dist = built / "dist"
    for name in ("treatment-day", "first-weeks", "get-help"):
        for folder in ("portland", "salem", "es-US/portland", "es-US/salem"):
            for file in (f"{name}.pdf", f"{name}.epub", "index.html"):
                assert (dist / name / folder / file).is_file(), (name, folder, file)
    for file in ("index.html", "es-US/index.html", "opds/index.xml", "opds/en-US.xml", "opds/es-US.xml",
                 "fhir/bundle.json"):
        assert (dist / file).is_file(), file
    assert (dist / "notes.txt").read_text() == "a user's own file"
    page = (dist / "es-US" / "index.html").read_text()
    assert '<html lang="es-US">' in page and "Cuándo pedir ayuda de inmediato" in page and "Español" in page


def _links(page: Path) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page.read_text())


@pytest.mark.slow
def test_the_catalog_pages_links_resolve_and_pass_axe_and_vnu(built):
    import webtools

    dist = built / "dist"
    for page in (dist / "index.html", dist / "es-US" / "index.html"):
        links = _links(page)
        assert len(links) >= 3 * 2 * 3  # each handout's PDF, EPUB and web copy for each clinic
        for link in links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, link  # nothing outside the folder
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and target.is_relative_to(dist.resolve()), link
    webtools.require()
    for page in (dist / "index.html", dist / "es-US" / "index.html"):
        report = webtools.webcheck(page, widths=(320, 1280), schemes=("light",))
        for run in report["runs"]:
            assert run["violations"] == [], (page, run["width"], run["violations"])
            assert run["scrollWidth"] <= run["clientWidth"], (page, run["width"])
        assert webtools.vnu(page) == [], page


@pytest.mark.slow
def test_the_opds_feeds_are_valid_opds_1_2(built):
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(str(FIXTURES / "opds" / "opds.rng")))
    dist = built / "dist"
    feeds = sorted((dist / "opds").glob("*.xml"))
    assert [feed.name for feed in feeds] == ["en-US.xml", "es-US.xml", "index.xml"]
    for feed in feeds:
        document = etree.parse(str(feed))
        assert schema.validate(document), (feed.name, str(schema.error_log))
        for href in document.xpath("//a:link/@href", namespaces={"a": "http://www.w3.org/2005/Atom"}):
            assert (feed.parent / href).resolve().is_file(), (feed.name, href)
    spanish = etree.parse(str(dist / "opds" / "es-US.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
    entries = spanish.xpath("//a:entry", namespaces=ns)
    assert len(entries) == 3 * 2  # each handout for each clinic
    assert set(spanish.xpath("//a:entry/dc:language/text()", namespaces=ns)) == {"es-US"}
    assert "Salem Sample Clinic" in spanish.xpath("//a:entry/a:author/a:name/text()", namespaces=ns)
    # Each handout's topic as its category, in the feed's language where it has one (medicines has none).
    categories = {(c.get("term"), c.get("{http://www.w3.org/XML/1998/namespace}lang"))
                  for c in spanish.xpath("//a:entry/a:category", namespaces=ns)}
    assert categories == {("Tratamiento", None), ("Seguridad", None), ("Medicines", "en-US")}
    kinds = spanish.xpath("//a:entry[1]/a:link/@type", namespaces=ns)
    assert {"application/epub+zip", "application/pdf", "image/png"} <= set(kinds)
    # The schema is no rubber stamp: a feed without its id is refused.
    broken = etree.parse(str(dist / "opds" / "index.xml"))
    broken.getroot().remove(broken.getroot().find("{http://www.w3.org/2005/Atom}id"))
    assert not schema.validate(broken)


@pytest.mark.slow
def test_the_fhir_bundle_is_valid_r4b_and_each_hash_and_size_match_the_file(built):
    from fhir.resources.R4B.bundle import Bundle

    dist = built / "dist"
    data = json.loads((dist / "fhir" / "bundle.json").read_text())
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection" and len(bundle.entry) == 3 * 2 * 2 * 3  # handouts, languages, clinics, files
    full_urls = {entry.fullUrl for entry in bundle.entry}
    for entry in data["entry"]:
        resource = entry["resource"]
        attachment = resource["content"][0]["attachment"]
        url = attachment["url"]
        assert url.startswith("https://www.example.org/handouts/")
        relative = url.removeprefix("https://www.example.org/handouts/")
        file = dist / relative
        assert file.is_file(), url
        assert attachment["size"] == file.stat().st_size
        assert attachment["hash"] == base64.b64encode(hashlib.sha1(file.read_bytes()).digest()).decode()
        assert resource["type"]["coding"][0] == {"system": "http://loinc.org", "code": "34895-3",
                                                 "display": "Education note"}
        if resource["language"] == "es-US":
            assert resource["relatesTo"][0]["code"] == "transforms"
            assert resource["relatesTo"][0]["target"]["reference"] in full_urls
        else:
            assert "relatesTo" not in resource
    with pytest.raises(Exception):
        broken = json.loads((dist / "fhir" / "bundle.json").read_text())
        del broken["entry"][0]["resource"]["content"]  # a DocumentReference needs its content
        Bundle.model_validate(broken)


@pytest.mark.slow
def test_salems_qr_code_and_address_lead_to_salems_copy(built, tmp_path):
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg is missing (scripts/system-deps.sh --test installs zbar-tools)")
    dist = built / "dist" / "get-help"
    for folder, address in (("salem", "https://www.example.org/handouts/get-help/salem/"),
                            ("es-US/salem", "https://www.example.org/handouts/get-help/es-US/salem/"),
                            ("portland", "https://www.example.org/handouts/get-help/portland/")):
        pdf = dist / folder / "get-help.pdf"
        prefix = tmp_path / folder.replace("/", "-")
        subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(prefix)], check=True)
        found = set()
        for image in sorted(tmp_path.glob(prefix.name + "-*.png")):
            result = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
            found |= set(result.stdout.split())
        assert found == {address}, (folder, found)
        # The web copy the address names is the one in that clinic's folder.
        assert (built / "dist" / address.removeprefix("https://www.example.org/handouts/") / "index.html").is_file()


# ---- dist/ holds what the configuration builds ----------------------------------------------------------

@pytest.mark.slow
def test_switching_from_one_clinic_to_two_removes_the_stale_outputs_and_keeps_the_users_file(tmp_path):
    project = make_project(tmp_path / "project")
    config = project / "publish.toml"
    config.write_text(config.read_text().replace(
        'editions = ["letter", "a4", "large-print", "booklet", "sheet", "large-print-sheet"]', 'editions = ["letter"]'))
    first = run_publish(project)
    assert first.returncode == 0, first.stderr
    dist = project / "dist"
    (dist / "my-notes.txt").write_text("mine")
    single = {"ketamine-handout.pdf", "ketamine-handout.epub", "index.html"}
    assert single <= {path.name for path in dist.iterdir()}
    text = config.read_text()
    clinic = text[text.index("[clinic]"):text.index("[crisis]")]
    two = clinic.replace("[clinic]", '[[clinic]]\nid = "portland"') + \
        clinic.replace("[clinic]", '[[clinic]]\nid = "salem"').replace("Sample Community Clinic", "Salem Clinic")
    config.write_text(text.replace(clinic, two))
    second = run_publish(project)
    assert second.returncode == 0, second.stderr
    for name in single:
        assert not (dist / name).exists(), name
        assert f"removed dist/{name}" in second.stdout or f"removed {dist / name}" in second.stdout
        assert (dist / "portland" / name).is_file() and (dist / "salem" / name).is_file()
    assert (dist / "my-notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_a_handouts_bad_input_stops_it_alone_and_a_removed_handouts_outputs_go(tmp_path_factory, tmp_path):
    """One library build after three changes: a handout's chapter is broken (its previous outputs kept, its
    file and line named, exit 2), another is removed from the library (the outputs its list names removed, a
    user's file in its folder kept), and the third is changed (built and put in place all the same)."""
    library = tmp_path / "library"  # the built library, its outputs with it
    shutil.copytree(built_library(tmp_path_factory), library, ignore=shutil.ignore_patterns(".cache"))
    dist = library / "dist"
    before = output_files(dist)
    (dist / "get-help" / "my-notes.txt").write_text("mine")
    shutil.rmtree(library / "get-help")  # removed from the library
    broken = library / "first-weeks" / "chapters" / "02-steps.md"
    broken.write_text(broken.read_text() + "\n![A missing figure.](../assets/figures/missing.svg)\n")
    changed = library / "treatment-day" / "publish.toml"
    changed.write_text(changed.read_text().replace('title = "Your treatment day"', 'title = "Your day of treatment"'))
    second = run_library(library, "build")
    assert second.returncode == 2, second.stdout + second.stderr
    assert re.search(r"first-weeks/chapters/02-steps\.md:\d+: .*missing\.svg", second.stderr), second.stderr
    assert "handouts not built: first-weeks" in second.stderr and "Traceback" not in second.stderr
    after = output_files(dist)
    old = {name: data for name, data in before.items() if name.startswith("first-weeks/")}
    assert old and {name: data for name, data in after.items() if name.startswith("first-weeks/")} == old
    day = [name for name in before if name.startswith(("treatment-day/portland/", "treatment-day/salem/"))
           and name.endswith(".pdf")]
    assert len(day) == 2 and all(after[name] != before[name] for name in day)  # built, with its new title
    assert b"Your day of treatment" in after["treatment-day/portland/index.html"]
    assert [name for name in after if name.startswith("get-help/")] == ["get-help/my-notes.txt"]
    gone = [name for name in before if name.startswith("get-help/")]
    assert len(gone) == 12
    for name in gone:
        assert f"removed dist/{name} " in second.stdout, second.stdout
    assert "get-help" not in (dist / "index.html").read_text()
    assert "Your day of treatment" in (dist / "index.html").read_text()


def test_stale_outputs_are_only_those_a_build_recorded(tmp_path):
    from handout.build.outfolder import MANIFEST_NAME, manifest_bytes, read_manifest, remove_stale

    dist = tmp_path / "dist"
    (dist / "old").mkdir(parents=True)
    for name in ("a.pdf", "old/b.pdf", "kept.pdf", "kept-draft.pdf", "mine.txt"):
        (dist / name).write_text(name)
    (dist / MANIFEST_NAME).write_bytes(manifest_bytes({"a.pdf", "old/b.pdf", "kept.pdf", "kept-draft.pdf",
                                                       "../outside.pdf"}))
    (tmp_path / "outside.pdf").write_text("not ours to remove")
    removed = remove_stale(dist, {"kept.pdf", "new.pdf"})
    assert sorted(path.relative_to(dist).as_posix() for path in removed) == ["a.pdf", "old/b.pdf"]
    assert not (dist / "old").exists()  # emptied, so removed
    assert (dist / "mine.txt").exists() and (dist / "kept-draft.pdf").exists()
    assert (tmp_path / "outside.pdf").exists()
    assert "kept.pdf" in read_manifest(dist) and "a.pdf" not in read_manifest(dist)


# ---- commands --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_new_in_a_library_makes_a_handout_that_inherits_and_names_are_checked(library):
    result = run_library(library, "new", "sleep-well", "--title", "Sleep well")
    assert result.returncode == 0, result.stderr
    text = (library / "sleep-well" / "publish.toml").read_text()
    assert not re.search(r"(?m)^(\[clinic\]|publisher =|sample =)", text)  # the library's, inherited
    config = load_config(library / "sleep-well")
    assert [clinic.id for clinic in config.clinics] == ["portland", "salem"] and config.title == "Sleep well"
    unknown = run_library(library, "build", "no-such-handout")
    assert unknown.returncode == 2 and "'no-such-handout' is not a handout of this library" in unknown.stderr
    assert "Traceback" not in unknown.stderr


@pytest.mark.slow
def test_new_in_a_bilingual_library_makes_a_handout_whose_check_has_no_error(library):
    """The library lists es-US: the new handout has it too, not written yet. `check` finds no error (before,
    "the es-US translation needs its own title" and "no translations/es-US/chapters/ folder"); it warns of
    each missing chapter and of the title still in English, and `status` lists the translation as missing."""
    (library / "jargon.txt").write_text("ketamine\n")
    made = run_library(library, "new", "sleep-well", "--title", "Sleep well")
    assert made.returncode == 0, made.stderr
    assert "Its translations (es-US) are not written yet" in made.stdout
    text = (library / "sleep-well" / "publish.toml").read_text()
    assert '[languages.es-US]\ntitle = "Sleep well"\n' in text
    assert not (library / "sleep-well" / "chapters" / "jargon.txt").exists()  # the library's list applies
    result = run_library(library, "--project", "sleep-well", "check", "--format", "json")
    assert result.returncode == 0, (result.stdout, result.stderr)
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if f["level"] == "error"] == []
    warned = {(f["code"], f["path"]) for f in findings if f["level"] == "warning"}
    chapters = sorted(path.name for path in (library / "sleep-well" / "chapters").glob("*.md"))
    assert warned == {("config.translation-words", "publish.toml"),
                      *(("translation.missing", f"translations/es-US/chapters/{name}") for name in chapters)}
    title = next(f for f in findings if f["code"] == "config.translation-words")
    assert title["line"] == text.splitlines().index("[languages.es-US]") + 2  # its title's line
    rows = json.loads(run_library(library, "status", "--format", "json").stdout)["rows"]
    assert [(r["language"], r["translation"]) for r in rows if r["handout"] == "sleep-well"] == \
        [("en-US", "source"), ("es-US", "missing")]
    # The whole library's check: no error either.
    assert run_library(library, "check").returncode == 0


@pytest.mark.slow
def test_check_at_the_library_root_groups_findings_by_handout(library):
    result = run_library(library, "check", "--format", "json")
    data = json.loads(result.stdout)
    assert list(data["handouts"]) == ["first-weeks", "get-help", "treatment-day"]
    text = run_library(library, "check").stdout
    assert text.index("== first-weeks ==") < text.index("== get-help ==") < text.index("== treatment-day ==")


# ---- the sample library ------------------------------------------------------------------------------------

SAMPLE = REPO / "examples" / "library"


@pytest.mark.slow  # check lays out each desk sheet to see that it fits
def test_the_sample_library_passes_check_strict():
    from handout.check import check_project, exit_status, strict
    from handout.library import load_library

    library = load_library(SAMPLE)
    assert library.handouts == ("esketamine-day", "first-weeks", "get-help")
    for name in library.handouts:
        config = load_config(SAMPLE / name)
        assert [clinic.id for clinic in config.clinics] == ["portland", "salem"]
        assert config.translations == ("es-US",) and "sheet" in config.print.editions
        assert not (SAMPLE / name / "chapters" / "references.yaml").exists()  # the library's, shared
        run = check_project(SAMPLE / name)
        findings = strict(run.findings)
        assert exit_status(findings, run.bad_input) == 0, [f.format() for f in findings if f.level != "info"]


@pytest.mark.slow  # lays out six desk sheets
def test_the_sample_librarys_spanish_desk_sheets_fit_one_page_as_the_english():
    """Each handout's desk sheet laid out as the build lays it out (fitting rules included), for the first
    clinic: one page in English and in Spanish. (The Spanish first-weeks sheet ran to a second page holding
    only the review dates and the QR code: its title took two lines, its table and questions more than the
    English.)"""
    from handout.config.languages import language_config
    from handout.load.book import load_book
    from handout.targets.pdf.render import render_print
    from handout.targets.pdf.sheetfit import laid_out

    pages = {}
    for name in ("esketamine-day", "first-weeks", "get-help"):
        config = load_config(SAMPLE / name)
        for tag in ("en-US", "es-US"):
            book = load_book(language_config(config, tag))
            html = render_print(book, book.config.clinics[0], "sheet")
            pages[name, tag] = len(laid_out(book, "sheet", html).document.pages)
    assert set(pages.values()) == {1}, pages


def test_the_sample_librarys_chapters_are_in_our_own_words():
    tool = REPO.parent / "shared" / "tools" / "seed_overlap.py"
    if not tool.is_file():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("the shared editorial tools are not beside the project (../shared/tools/seed_overlap.py)")
        pytest.skip("the shared editorial tools are not beside the project")
    for folder in sorted(SAMPLE.glob("*/chapters")) + sorted(SAMPLE.glob("*/translations/*/chapters")):
        result = subprocess.run([sys.executable, str(tool), str(folder)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stdout == "", (folder, result.stdout)


def test_a_library_inside_a_project_folder_is_the_library_not_the_project_above(tmp_path, monkeypatch, capsys):
    """`make library` runs `handout build` in examples/library/, inside the repository's own project: the
    library's root is the library, not the nearest publish.toml above it."""
    from handout.app.cli import main

    project = make_project(tmp_path / "project")
    make_library(project / "examples" / "library")
    monkeypatch.chdir(project / "examples" / "library")
    assert main(["status", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert sorted({row["handout"] for row in rows}) == ["first-weeks", "get-help", "treatment-day"]
    monkeypatch.chdir(project / "examples")  # an ordinary subfolder still finds the project above
    assert main(["status", "--format", "json"]) == 0
    assert {row["handout"] for row in json.loads(capsys.readouterr().out)["rows"]} == {"project"}
