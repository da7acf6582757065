"""The default handout's third edition: each harm-level and misleading finding of the independent review of the
second edition (H1, M1-M8), and the minor ones a reader sees, checked in the BUILT outputs of both languages:
the Letter PDF's text, the desk sheet and the large-print desk sheet, and the EPUB.

Text is compared in lower case, with curly quotes made straight and every run of white space one space.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import make_project, run_publish

pytestmark = pytest.mark.slow

NAME = "ketamine-handout"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The repository's handout in English and Spanish: the Letter edition, both desk sheets and the EPUB."""
    project = make_project(tmp_path_factory.mktemp("third"), fixture=None)
    result = run_publish(project, "--edition", "letter", "--edition", "sheet", "--edition", "large-print-sheet",
                         "--no-web")
    assert result.returncode == 0, result.stderr
    return project / "dist"


def squash(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("«", '"').replace("»", '"').replace("\u00ad", "")
    return " ".join(text.split()).lower()


MARKS = ("sample – replace the clinic details before giving this to patients",
         "muestra – cambie los datos de la clínica antes de dárselo a los pacientes")
FOOTER = re.compile(r"^(?:Page \d+ of \d+|Página \d+ de \d+)$")


def pdf_pages(path: Path, running: bool = True) -> list[str]:
    """Each page's text, in reading order (pdftotext when it is there); without `running`, without the sample mark
    in the top margin and the footer (its running title and page number), so that a sentence going on over the
    page reads on."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        pages = out.split("\f")[: len(PdfReader(path).pages)]
    else:
        pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    if not running:
        kept = []
        for number, page in enumerate(pages):
            lines = [line for line in page.splitlines() if line.strip()]
            # The mark in the top margin, on one line or two.
            top = ""
            while number and lines and any(mark.startswith(squash(top + " " + lines[0])) for mark in MARKS):
                top += " " + lines.pop(0)
            if len(lines) >= 2 and FOOTER.match(lines[-1].strip()):
                lines = lines[:-2]
            kept.append("\n".join(lines))
        pages = kept
    return [squash(page) for page in pages]


def pdf(dist: Path, language: str, edition: str = "") -> str:
    """The text of an edition, read on over the pages (no running marks or footers between them)."""
    folder = dist / "es-US" if language == "es" else dist
    return " ".join(pdf_pages(folder / f"{NAME}{'-' + edition if edition else ''}.pdf", running=False))


def epub(dist: Path, language: str, document: str | None = None) -> str:
    path = (dist / "es-US" if language == "es" else dist) / f"{NAME}.epub"
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".xhtml") and (document is None or name.endswith(document)):
                parts.append(" ".join(etree.fromstring(archive.read(name)).itertext()))
    assert parts, (path, document)
    return squash(" ".join(parts))


SHEETS = ("sheet", "large-print-sheet")


def everywhere(dist: Path, language: str) -> dict[str, str]:
    """The full handout's texts: the Letter PDF and the EPUB."""
    return {"letter": pdf(dist, language), "epub": epub(dist, language)}


# ---- H1: the visit day's nasal-spray step ---------------------------------------------------------------------

def test_h1_the_nasal_spray_step_is_only_for_someone_who_already_uses_one(built):
    for language, needed, bare in (
            ("en", ["at least 1 hour before only if you already use a steroid or decongestant nasal spray: use it "
                    "now. do not start one for this visit"],
             re.compile(r"use any steroid or decongestant nasal spray")),
            ("es", ["al menos 1 hora antes solo si ya usa un aerosol nasal con esteroide o descongestionante: úselo "
                    "ahora. no empiece a usar uno para esta visita"],
             re.compile(r"(?<!ya )usa? (?:cualquier|un) aerosol nasal con esteroide[^.]*\. (?!no empiece)"))):
        for where, text in everywhere(built, language).items():
            assert not bare.search(text), (language, where)
            for words in needed:
                assert words in text, (language, where, words)


# ---- M1: Spanish crisis text and chat reach Spanish-speaking counselors ----------------------------------------

SPANISH_CRISIS = ("ayuda", "988lineadevida.org", "hola", "741741", "marque 2")


def test_m1_the_spanish_crisis_text_names_ayuda_988lineadevida_and_hola_in_chapter_cover_and_sheets(built):
    letter = pdf(built, "es")
    start = letter.index("si está pensando en el suicidio o está en crisis")
    chapter_pdf = letter[start:letter.index("señales de alarma: busque ayuda", start)]
    cover = pdf_pages(built / "es-US" / f"{NAME}.pdf")[0]
    places = {"chapter (pdf)": chapter_pdf, "chapter (epub)": epub(built, "es", "getting-help.xhtml"),
              "cover crisis box": cover}
    places.update({edition: pdf(built, "es", edition) for edition in SHEETS})
    for where, text in places.items():
        for word in SPANISH_CRISIS:
            assert re.search(rf"(?<![a-z]){re.escape(word)}", text), (where, word)
        # AYUDA goes to 988 by text, HOLA to 741741: never the English keyword, never the English chat.
        assert re.search(r"ayuda[^.]{0,40}mensaje de texto al 988|ayuda al 988 por mensaje de texto", text), where
        assert re.search(r"hola[^.]{0,40}mensaje de texto al 741741", text), where
        assert not re.search(r"\bhome\b", text), where
    assert "988lifeline.org" not in epub(built, "es", "getting-help.xhtml")


def test_m1_the_english_crisis_chapter_also_names_the_spanish_ways_in(built):
    text = epub(built, "en", "getting-help.xhtml")
    assert "text ayuda to 988" in text and "988lineadevida.org" in text and "or hola for spanish" in text


# ---- M2 and M3: a desk sheet that stands alone -------------------------------------------------------------------

ICON_NOTE = {
    "en": ["who was studied: people whose depression had not improved with at least 2 tablets",
           "everyone also started a new antidepressant tablet", '"got better" means their symptoms dropped by at least half',
           "about 14 more out of 100 got better with esketamine"],
    "es": ["a quiénes se estudió: personas cuya depresión no había mejorado con al menos 2 pastillas",
           "todas empezaron también un nuevo antidepresivo en pastillas",
           '"mejoraron" quiere decir que sus síntomas bajaron a la mitad o menos',
           "unas 14 más de cada 100 mejoraron con esketamina"],
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("edition", SHEETS)
def test_m2_each_sheet_says_under_its_icon_array_who_was_studied_the_tablet_got_better_and_14_more(built, language,
                                                                                                 edition):
    text = pdf(built, language, edition)
    array = text.find("59 ")
    assert array != -1
    for words in ICON_NOTE[language]:
        assert words in text, words
        assert text.find(words) > array, words  # under the array, not before it


SHEET_SAFETY = {
    "en": {"911 warning signs": ["call 911 or go to the emergency room right away if you have", "very bad headache",
                                 "chest pain", "trouble breathing", "serotonin syndrome"],
           "interactions": ["do not mix without asking your clinician first", "alcohol", "opioid pain medicines",
                            "sleep or calming medicines", "maoi (an older type of antidepressant)", "triptans",
                            "tramadol", "linezolid", "st. john's wort"],
           "never stop a medicine": ["never stop, start or change the dose of a medicine without your prescriber"],
           "purpose": ["the main points, to get ready to talk with your clinician"],
           "at-home ketamine": ["warns against ketamine sold for use at home"],
           "pregnancy": ["neither medicine is advised in pregnancy or while breastfeeding"],
           "questions": ["questions to ask your clinician"]},
    "es": {"911 warning signs": ["llame al 911 o vaya a emergencias de inmediato si tiene", "dolor de cabeza muy fuerte",
                                 "dolor en el pecho", "dificultad para respirar", "síndrome serotoninérgico"],
           "interactions": ["no los mezcle sin preguntarle a su médico", "alcohol", "opioides para el dolor",
                            "pastillas para dormir o calmantes", "imao (un tipo antiguo de antidepresivo)",
                            "triptanes", "tramadol", "linezolid", "hierba de san juan"],
           "never stop a medicine": ["nunca deje, empiece ni cambie la dosis de un medicamento"],
           "purpose": ["lo más importante, para prepararse a hablar con su médico"],
           "at-home ketamine": ["advierte contra la que se vende para usar en casa"],
           "pregnancy": ["ninguna de las dos se recomienda en el embarazo ni al dar el pecho"],
           "questions": ["preguntas para su médico", "¿mi depresión es resistente?"]},
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("edition", SHEETS)
def test_m3_each_sheet_carries_the_911_signs_the_interactions_and_the_other_safety_lines(built, language, edition):
    path = (built / "es-US" if language == "es" else built) / f"{NAME}-{edition}.pdf"
    assert len(PdfReader(path).pages) <= (2 if edition == "sheet" else 4)
    text = pdf(built, language, edition)
    for topic, words in SHEET_SAFETY[language].items():
        for word in words:
            assert word in text, (topic, word)


# ---- M4-M8 ----------------------------------------------------------------------------------------------------

FULL = {
    "M4 IV ketamine in pregnancy": {
        "en": (["iv ketamine: not advised during pregnancy or while breastfeeding either",
                "may harm the growing brain of an unborn baby"], ["the fda has not reviewed its use"]),
        "es": (["ketamina iv: tampoco se recomienda durante el embarazo ni mientras da el pecho",
                "puede dañar el cerebro de un bebé"], ["la fda no ha revisado su uso para la depresión, ni en el embarazo"])},
    "M5 insurance": {
        "en": (["insurance often does not pay for iv ketamine for depression",
                "ask the clinic for the total price of the whole course", "your plan may have to approve it first"],
               ["some insurance plans do not pay"]),
        "es": (["el seguro médico a menudo no paga la ketamina iv para la depresión",
                "pida a la clínica el precio total de todo el tratamiento", "su plan tenga que aprobarla antes"],
               ["algunos planes de seguro no pagan"])},
    "M6 nausea, vomiting and vertigo among the common side effects": {
        # Words of one table cell: a PDF's text may run a wrapped cell's lines between its neighbours'.
        "en": (["spinning", "(nausea)", "throwing up", "this makes you less likely to feel sick"], []),
        "es": (["vueltas", "náuseas o", "vómitos", "así es menos probable que sienta náuseas"], [])},
    "M7 dissociation and poor sleep in Spanish": {
        "en": ([], []),
        "es": (["como desconectada de su cuerpo o de lo que la rodea", "dormir mal"],
               ["en las nubes", "mal sueño"])},
    "M8 uncontrolled blood pressure; the self-harm warning for everyone": {
        "en": (["high blood pressure that is not under control",
                "anyone taking these medicines: tell your clinician right away",
                "anyone who takes an antidepressant, esketamine too: tell your clinician right away"], []),
        "es": (["presión arterial alta que no está bajo control",
                "cualquier persona que tome un antidepresivo, también la esketamina"], [])},
}


@pytest.mark.parametrize("finding", sorted(FULL))
@pytest.mark.parametrize("language", ["en", "es"])
def test_misleading_findings_are_fixed_in_the_letter_pdf_and_the_epub(built, finding, language):
    needed, gone = FULL[finding][language]
    for where, text in everywhere(built, language).items():
        for words in needed:
            assert words in text, (where, words)
        for words in gone:
            assert words not in text, (where, words)


def test_m6_the_common_row_of_the_side_effect_table_names_them(built):
    for language, row in (("en", "common upset stomach, headache, poor sleep feeling cut off, sleepiness, dizziness or "
                                 "spinning, feeling sick (nausea) or throwing up, higher blood pressure"),
                          ("es", "comunes estómago revuelto, dolor de cabeza, dormir mal sentirse desconectado, mucho "
                                 "sueño, mareo o sentir que todo da vueltas, náuseas o vómitos, presión arterial más "
                                 "alta")):
        assert row in epub(built, language, "side-effects.xhtml"), language


def test_m6_the_sheets_name_nausea_among_the_side_effects(built):
    for edition in SHEETS:
        assert "many feel dizzy or sick (nausea)" in pdf(built, "en", edition)
        assert "muchas sienten mareo o náuseas" in pdf(built, "es", edition)


# ---- minor findings a reader sees -----------------------------------------------------------------------------

def _words(text: str) -> re.Pattern:
    """The words in order, a note number (a raised "4" a PDF's text may put anywhere in the line) allowed between."""
    return re.compile(r"\s+(?:[\d,]+\s+)?".join(re.escape(word) for word in text.split()))


DRIVING = {"en": _words("do not drive or use machines until the next day, after a restful night's sleep"),
           "es": _words("no maneje ni use máquinas hasta el día siguiente, tras una noche de buen descanso")}


@pytest.mark.parametrize("language", ["en", "es"])
def test_minor_1_the_driving_rule_names_machines_and_a_restful_sleep(built, language):
    texts = {**everywhere(built, language), **{edition: pdf(built, language, edition) for edition in SHEETS}}
    for where, text in texts.items():
        assert DRIVING[language].search(text), where
        assert "restful" in text if language == "en" else "descanso" in text
    assert "you cannot drive until the next day" not in texts["letter"]


def test_minor_findings_in_the_english_letter_edition(built):
    text = pdf(built, "en")
    assert "within about 18 days after the last one" in text  # 2
    assert "ect is still often the first choice" in text and "ect still works best" not in text  # 3
    assert "the range comes from two large reviews" in text  # 4
    assert "who stayed in them for 4 weeks" in text  # 5
    assert "maois (an older type of antidepressant)" in text or "maoi (an older type of antidepressant)" in text  # 6
    assert "schedule iii" in text  # 7
    assert "unless a trained person is with you to watch you" in text  # 8
    assert "back to text" not in text  # 11: no links back on paper
    assert re.search(r"sources: \d+, \d+, \d+\.", text)  # 16: "Sources: 4, 2, 14", not raised after the colon


def test_minor_findings_in_the_spanish_letter_edition(built):
    text = pdf(built, "es")
    assert "compuesta" not in text and "ketamina preparada en una farmacia (en inglés, compounded)" in text  # 9
    assert "actuar según" not in text and "envíe un texto" not in text  # 10
    assert "tdah (trastorno por déficit de atención e hiperactividad)" in text  # 6
    assert "volver al texto" not in text  # 11
    assert re.search(r"fuentes: \d+, \d+, \d+\.", text)  # 16


@pytest.mark.parametrize("language", ["en", "es"])
def test_minor_14_no_word_of_the_letter_body_is_broken_with_a_hyphen(built, language):
    """The chapters' text, up to the sources (whose titles hold hyphenated words of their own: "dose-ranging")."""
    path = (built / "es-US" if language == "es" else built) / f"{NAME}.pdf"
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    sources = next(i for i, page in enumerate(pages) if i > 2
                   and any(line.strip() in {"Sources", "Fuentes"} for line in page.splitlines()))
    lines = "\n".join(pages[:sources]).splitlines()
    broken = [(line.strip(), after.strip()) for line, after in zip(lines, lines[1:])
              if re.search(r"[a-záéíóúñ][\u2010-]$", line) and re.match(r"\s*[a-záéíóúñ]", after)
              and "http" not in line and "www." not in line and "doi" not in line]
    assert not broken, broken[:5]


@pytest.mark.parametrize("language", ["en", "es"])
def test_minor_15_the_sample_mark_is_read_once_before_the_title_never_inside_it(built, language):
    subtitle = {"en": "how they compare for depression", "es": "cómo se comparan para tratar la depresión"}[language]
    mark = {"en": "sample – replace the clinic details", "es": "muestra – cambie los datos de la clínica"}[language]
    for edition in ("", "sheet"):
        first = pdf_pages((built / "es-US" if language == "es" else built)
                          / f"{NAME}{'-' + edition if edition else ''}.pdf")[0]
        assert subtitle in first, edition
        assert first.count(mark) == 1 and first.find(mark) < first.find(subtitle), edition


def test_minor_12_the_english_letter_edition_is_20_pages_at_most(built):
    assert len(PdfReader(built / f"{NAME}.pdf").pages) <= 20
