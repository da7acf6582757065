"""Reading level per language: Spanish chapters are measured by Szigriszt-Pazos on the INFLESZ scale (with
Fernández-Huerta), syllables from pyphen's `es` dictionary; a short plain sentence is not hard, a deliberately
hard paragraph is; a language with no formula gets one info finding and no grade. In process."""
from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from conftest import REPO, make_project
from handout.check import readability as R
from handout.load.book import load_book
from handout.check import run_checks
from handout.config.settings import load_config

# Each test loads the default handout in two languages (a copy of the whole project): `make test` runs them,
# `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 12, 1)
SLEEP = "Acuéstese solamente cuando tenga sueño."
PLAIN = ("Estas son ideas para dormir mejor. " + SLEEP + " Levántese a la misma hora todos los días. No tome café "
         "en la tarde. No vea la tele en la cama. Si no puede dormir, salga de la cama un rato. Lea algo fácil con "
         "poca luz. Vuelva a la cama cuando tenga sueño otra vez. Haga algo de ejercicio por la mañana. Coma poco en "
         "la noche. Apague el teléfono una hora antes de dormir. Tenga el cuarto oscuro, fresco y en silencio. Si "
         "tiene un problema para dormir por más de un mes, hable con su médico. Él le puede ayudar. No tome "
         "pastillas para dormir sin hablar antes con su médico.")
HARD = ("La administración concomitante de antidepresivos inhibidores selectivos de la recaptación de serotonina "
        "con determinados medicamentos antiinflamatorios no esteroideos incrementa considerablemente la "
        "probabilidad de complicaciones hemorrágicas gastrointestinales, particularmente en pacientes "
        "pertenecientes a grupos poblacionales de edad avanzada con antecedentes patológicos relevantes. "
        "Consecuentemente, la evaluación farmacoterapéutica individualizada, considerando simultáneamente las "
        "características clínicas, las interacciones farmacológicas potenciales y las preferencias terapéuticas "
        "manifestadas por el paciente, constituye un requisito imprescindible previamente a la instauración del "
        "tratamiento farmacológico correspondiente. Adicionalmente, la monitorización periódica de los "
        "parámetros hematológicos, hepáticos y renales resulta especialmente recomendable durante las primeras "
        "semanas de tratamiento, cuando la susceptibilidad individual a las reacciones adversas "
        "medicamentosas es habitualmente más pronunciada.")


@pytest.mark.slow
def test_spanish_syllables_come_from_pyphen_and_the_vowel_rule():
    counts = {w: R.spanish_syllables(w) for w in ("acuéstese", "solamente", "cuando", "sueño", "día", "poeta",
                                                 "guitarra", "que", "muy", "ciudad", "esketamina", "cognitivo-conductual")}
    assert counts == {"acuéstese": 4, "solamente": 4, "cuando": 2, "sueño": 2, "día": 2, "poeta": 3, "guitarra": 3,
                      "que": 1, "muy": 1, "ciudad": 2, "esketamina": 5, "cognitivo-conductual": 7}


@pytest.mark.slow
def test_the_formulas_and_the_inflesz_scale():
    # 100 words, 10 sentences, 200 syllables
    assert R.szigriszt_pazos(100, 10, 200) == pytest.approx(206.835 - 124.6 - 10)
    assert R.fernandez_huerta(100, 10, 200) == pytest.approx(206.84 - 120 - 10.2)
    assert [R.inflesz_band(s) for s in (85, 70, 60, 50, 30)] == [
        "very easy", "fairly easy", "normal", "somewhat difficult", "very difficult"]
    assert R.formula_for("es-US") == "Szigriszt-Pazos (INFLESZ)" and R.formula_for("EN") == "Flesch-Kincaid"
    assert R.formula_for("fr-FR") is None
    sleep = R.measure_spanish(SLEEP)
    assert (sleep.words, sleep.sentences, sleep.syllables, sleep.sample) == (5, 1, 14, False)
    assert R.measure_spanish(PLAIN).szigriszt_pazos > 65 > R.measure_spanish(HARD).szigriszt_pazos


@pytest.fixture
def spanish_project(tmp_path):
    """The Spanish translation as a project of its own: language = "es-US", its chapters in chapters/."""
    project = make_project(tmp_path / "p", fixture=None)
    config = project / "publish.toml"
    text = re.sub(r'(?m)^language = "en-US"$', 'language = "es-US"', config.read_text())
    config.write_text(re.sub(r"(?m)^translations = \[.*\]\n", "", text))
    for path in (project / "chapters").glob("[0-9]*.md"):
        path.unlink()
    for path in (REPO / "translations" / "es-US" / "chapters").iterdir():
        shutil.copy2(path, project / "chapters" / path.name)
    shutil.copytree(REPO / "translations" / "es-US" / "assets", project / "assets", dirs_exist_ok=True)
    return project


def reading(project):
    return [f for f in run_checks(load_book(load_config(project), collect=True), TODAY) if f.rule == "reading-level"]


TRIAL = "chapters/11-prueba.md"


def one_chapter(project, body: str) -> None:
    """A chapter of its own whose text is `body`."""
    (project / TRIAL).write_text(f"---\ntitle: Prueba\n---\n\n{body}\n")


@pytest.mark.slow
def test_spanish_chapters_are_measured_by_the_spanish_formula(spanish_project):
    found = reading(spanish_project)
    chapters = {f.path for f in found}
    assert len(chapters) == 10
    for finding in found:
        assert "Szigriszt-Pazos" in finding.message and "INFLESZ" in finding.message, finding.message
        assert "Fernández-Huerta" in finding.message and "Flesch-Kincaid" not in finding.message
        assert finding.level == "info"
    assert {f.code for f in found} == {"reading-level.inflesz", "reading-level.short-text"}


@pytest.mark.slow
def test_a_short_plain_spanish_sentence_is_not_hard(spanish_project):
    one_chapter(spanish_project, SLEEP)
    found = [f for f in reading(spanish_project) if f.path == TRIAL]
    assert [(f.level, f.code) for f in found] == [("info", "reading-level.short-text")]
    assert "too few words for the formula to decide" in found[0].message
    one_chapter(spanish_project, PLAIN)
    found = [f for f in reading(spanish_project) if f.path == TRIAL]
    assert [(f.level, f.code) for f in found] == [("info", "reading-level.inflesz")]


@pytest.mark.slow
def test_a_deliberately_hard_spanish_paragraph_is_reported(spanish_project):
    one_chapter(spanish_project, HARD + "\n\n" + SLEEP)
    found = [f for f in reading(spanish_project) if f.path == TRIAL]
    error = next(f for f in found if f.level == "error")
    assert error.code == "reading-level.under-limit"
    assert "Szigriszt-Pazos" in error.message and "under the limit of 65 (check.inflesz_min)" in error.message
    hard = [f for f in found if f.code == "reading-level.hard-sentence"]
    assert hard and all("Acuéstese" not in f.message for f in hard)
    assert any("La administración concomitante" in f.message for f in hard)


@pytest.mark.slow
def test_the_spanish_limit_is_its_own_setting(spanish_project):
    config = spanish_project / "publish.toml"
    config.write_text(config.read_text().replace("[crisis]", "[check]\ninflesz_min = 75\n\n[crisis]", 1))
    errors = [f for f in reading(spanish_project) if f.level == "error"]
    assert errors and all("under the limit of 75 (check.inflesz_min)" in f.message for f in errors)
    assert "chapters/04-timeline.md" not in {f.path for f in errors}  # 81.8: very easy


@pytest.mark.slow
def test_a_language_with_no_formula_gets_sentence_lengths_only(spanish_project):
    config = spanish_project / "publish.toml"
    config.write_text(config.read_text().replace('language = "es-US"', 'language = "fr-FR"'))
    strings = spanish_project / "layouts" / "i18n"  # the layout's words: a stand-in, they are not measured
    strings.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "layouts" / "i18n" / "es.toml", strings / "fr.toml")
    every = run_checks(load_book(load_config(spanish_project), collect=True), TODAY)
    found = [f for f in every if f.rule == "reading-level"]
    assert [f.message for f in found if f.code == "reading-level.no-formula"] == [
        "no reading-level formula for fr; measured sentence length only"]
    assert [(f.code, f.level) for f in every if f.rule in {"jargon", "numbers"}] == [
        ("jargon.not-applied", "info"), ("numbers.not-applied", "info")]
    assert all(f.level == "info" for f in found)
    assert not any(re.search(r"grade|INFLESZ|Flesch", f.message) for f in found)
    assert {f.code for f in found} == {"reading-level.no-formula", "reading-level.sentence-length"}


@pytest.mark.slow
def test_spanish_definitions_and_statistics():
    from handout.check.jargon import defines, follows_with_definition, glossary_names
    from handout.check.numbers import STATISTICS_ES, _out_of, _statistic

    assert defines("Bloquea un punto de las células nerviosas llamado receptor NMDA.", "NMDA", "es")
    assert defines("Unas 48 a 61 de cada 100 tuvieron mucho sueño, lo que se llama sedación.", "sedación", "es")
    assert defines("Con un placebo, una pastilla falsa que no tiene medicamento.", "placebo", "es")
    assert defines("La disociación es sentirse desconectado de usted mismo.", "disociación", "es")
    assert not defines("La disociación es una palabra difícil.", "disociación", "es")
    assert not defines("La disociación pasa pronto.", "disociación", "es")
    assert follows_with_definition("Eso quiere decir que la FDA no lo ha aprobado para este uso.", "off-label", "es")
    assert "IRSN" in glossary_names("ISRS e IRSN")
    assert _statistic("Unas 61 a 84 de cada 100 personas la tuvieron.", STATISTICS_ES) == "61 a 84 de cada 100"
    assert _statistic("El 12,5 % de las personas.", STATISTICS_ES) == "12,5 %"
    assert _statistic("Tome 2 de las pastillas en 2 semanas.", STATISTICS_ES) is None
    assert _out_of(12.5, spanish=True) == "unas 13 de cada 100"


@pytest.mark.slow
def test_the_spanish_translation_has_its_numbers_sourced_and_its_terms_defined(spanish_project):
    found = [f for f in run_checks(load_book(load_config(spanish_project), collect=True), TODAY)
             if f.rule in {"jargon", "numbers"} and f.level != "info"]
    # Every Spanish term is defined where it is used or in the glossary ("se llama serotonina" in 02).
    assert [(f.path, f.code) for f in found] == []
