"""reading-level: each chapter's reading level by the formula made for the book's language, over its rendered
text: Flesch-Kincaid (SMOG and Coleman-Liau beside it) for English, Szigriszt-Pazos on the INFLESZ scale
(Fernández-Huerta beside it) for Spanish; the hardest sentences of a chapter past the limit. A language with no
formula is measured by its sentence lengths only, and says so once."""
from __future__ import annotations

from handout.check.findings import Finding
from handout.check.registry import rule
from handout.check.source import chapter_path, locate
from handout.config.settings import CONFIG_NAME
from handout.core.language_record import FORMULAS, record

FORMULA_ENGLISH, FORMULA_SPANISH = FORMULAS["en"], FORMULAS["es"]


@rule("reading-level", levels=("error", "info"), settings=("reading_grade_max", "inflesz_min"), doc="""each
      chapter's reading level by its language's formula, over its rendered text as `handout/check/readability.py`
      measures it: English, the Flesch-Kincaid grade (SMOG and Coleman-Liau beside it), an error over the
      limit; Spanish, the Szigriszt-Pazos score on the INFLESZ scale (Fernández-Huerta beside it), an error
      under the limit, in a chapter of 100 words or more. The chapter's hardest sentences are then listed at
      their lines (info). Within the limit: the scores, as info. A language with no formula: its sentence
      lengths, as info, and one finding that says so""")
def check_reading_level(book, today) -> list[Finding]:
    """Each chapter measured by the formula of the book's language (`book.config.language`)."""
    language = record(book.config.language)  # its formula, from the language's record
    if language.formula == FORMULA_SPANISH:
        return _spanish(book)
    if language.formula != FORMULA_ENGLISH:
        return _lengths_only(book, language)
    return _english(book)


def _texts(book):
    """(chapter, its path, its rendered text) of each chapter."""
    from handout.check.readability import plain_text_from_html

    for chapter in book.chapters:
        yield chapter, chapter_path(chapter, book), plain_text_from_html("".join(b.html for b in chapter.blocks))


def _scored(book, measure):
    """(chapter, its path, `measure` of its rendered text) of each chapter that has words."""
    for chapter, path, text in _texts(book):
        score = measure(text)
        if score.words:
            yield chapter, path, score


def _quoted(sentence: str) -> str:
    return f"\u201c{sentence if len(sentence) <= 120 else sentence[:117] + '...'}\u201d"


def _spanish(book) -> list[Finding]:
    """Szigriszt-Pazos (INFLESZ) of each chapter, at least `check.inflesz_min` in a chapter long enough for the
    formula; the sentences that lower a chapter under the limit the most."""
    from handout.check.readability import SAMPLE_WORDS, measure_spanish

    limit = book.config.check.inflesz_min
    found = []
    for chapter, path, score in _scored(book, measure_spanish):
        scores = (f"INFLESZ {_one(score.szigriszt_pazos)}, {score.inflesz} (Szigriszt-Pazos; Fernández-Huerta "
                  f"{_one(score.fernandez_huerta)}; {score.words} words)")
        if not score.sample:
            found.append(Finding("reading-level", "info", path, chapter.body_line,
                                 f"{scores}: too few words for the formula to decide (it measures samples of "
                                 f"{SAMPLE_WORDS} words or more), so the limit of {limit} is not applied",
                                 code="reading-level.short-text"))
            continue
        within = round(score.szigriszt_pazos, 1) >= limit
        found.append(_verdict(chapter, path, scores, within, limit, f"is under the limit of {limit} "
                              "(check.inflesz_min)", "reading-level.inflesz", "reading-level.under-limit"))
        if within:
            continue
        for sentence, own, gain in score.hardest[:3]:
            found.append(Finding("reading-level", "info", path, locate(chapter, sentence),
                                 f"hard sentence (INFLESZ {_one(own)} on its own; the chapter's score rises "
                                 f"{_one(gain)} without it): {_quoted(sentence)}", code="reading-level.hard-sentence"))
    return found


def _lengths_only(book, language) -> list[Finding]:
    """No formula made for the language: one finding that says so, and each chapter's sentence lengths, split
    at the record's sentence-ending punctuation (in characters where words have no spaces between them)."""
    from handout.check.readability import sentence_lengths

    found = [Finding("reading-level", "info", CONFIG_NAME, book.source.config_line("language") or 0,
                     f"no reading-level formula for {language.primary}; measured sentence length only",
                     "keep sentences short; have a reader of the language check the text",
                     code="reading-level.no-formula")]
    unit = language.counts
    for chapter, path, lengths in _scored(book, lambda text: sentence_lengths(text, language.sentence_ends, unit)):
        found.append(Finding("reading-level", "info", path, chapter.body_line,
                             f"{lengths.words} {unit} in {lengths.sentences} sentences: {_one(lengths.average)} "
                             f"{unit} per sentence (longest {lengths.longest[0][1]})",
                             code="reading-level.sentence-length"))
    return found


def _english(book) -> list[Finding]:
    """Flesch-Kincaid grade of each chapter's rendered text (SMOG and Coleman-Liau beside it); over the
    limit is an error, and the chapter's hardest sentences are listed at their lines."""
    from handout.check.readability import measure

    limit = book.config.check.reading_grade_max
    found = []
    for chapter, path, score in _scored(book, measure):
        grade = score.flesch_kincaid_grade
        scores = (f"reading grade {_grade(grade)} (Flesch-Kincaid; SMOG {_grade(score.smog)}, Coleman-Liau "
                  f"{_grade(score.coleman_liau)}; {score.words} words)")
        within = round(grade, 1) <= limit
        found.append(_verdict(chapter, path, scores, within, limit, f"is over the limit of grade {limit} "
                              "(check.reading_grade_max)", "reading-level.grade", "reading-level.over-limit"))
        if within:
            continue
        # The sentences over the limit on their own, hardest first (or the three hardest, when none is).
        for sentence, sentence_grade in [h for h in score.hardest if h[1] > limit] or score.hardest[:3]:
            found.append(Finding("reading-level", "info", path, locate(chapter, sentence),
                                 f"hard sentence (grade {_grade(sentence_grade)}): {_quoted(sentence)}",
                                 code="reading-level.hard-sentence"))
    return found


def _verdict(chapter, path: str, scores: str, within: bool, limit: int, past: str, within_code: str,
             past_code: str) -> Finding:
    """A chapter's scores: info within the limit, an error past it (the hardest sentences follow)."""
    if within:
        return Finding("reading-level", "info", path, chapter.body_line, f"{scores}, limit {limit}", code=within_code)
    return Finding("reading-level", "error", path, chapter.body_line, f"{scores} {past}",
                   "shorten the hardest sentences listed below first: fewer words per sentence, and shorter words",
                   code=past_code)


def _grade(value: float) -> str:
    """A school grade as printed: the formulas give less than 0 for very short, plain words; no grade is."""
    return _one(max(value, 0.0))


def _one(value: float) -> str:
    return f"{value:.1f}".replace("-0.0", "0.0")
