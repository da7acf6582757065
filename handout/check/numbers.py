"""numbers: a sentence with a percentage or a statistic needs a citation in that sentence (or the places that
stand in for it); percentages get a hint to use whole numbers."""
from __future__ import annotations

import re

from handout.check.findings import Finding
from handout.check.jargon import DEFINITION_LANGUAGES, not_applied, primary_language
from handout.check.registry import rule
from handout.check.source import CITATION, Unit, chapter_path, prose, sentences, units

_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_VALUES = {**{w: n for n, w in enumerate(_ONES, 1)}, **{w: n for n, w in enumerate(_TEENS, 10)},
                **{w: 10 * n for n, w in enumerate(_TENS, 2)}}
# A number in words up to a hundred: "five", "fifteen", "twenty-five", "a hundred".
_SPELLED = (rf"(?:(?:a|one)[\s-]+hundred|(?:{'|'.join(_TENS)})(?:[\s-]+(?:{'|'.join(_ONES)}))?|"
            rf"{'|'.join(_TEENS)}|{'|'.join(_ONES)})")
_COUNT = rf"(?:\d[\d,]*|{_SPELLED})"
_BIG = rf"(?:\d[\d,]*|{_SPELLED}|(?:a\s+|one\s+)?(?:hundred|thousand|million))(?![\w-]|[,.]\d)"
_PEOPLE = (r"(?:people|persons?|patients?|adults?|children|kids|teens?|teenagers?|users?|participants?|women|"
           r"men|volunteers?|veterans?|parents?|those|them|us|you|who)")
_VERB = (r"(?:[a-z]+ed|had|got|felt|were|was|did|saw|said|became|went|have|has|get|gets|feel|feels|need|"
         r"needs|will|would|may|might|can|could|should|do|does|stop|stops|report|reports)")
_FRACTION = (rf"(?:half|(?:a|one|two|three|four|five|six|seven|eight|nine)[\s-]+(?:thirds?|quarters?|fourths?|"
             rf"fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?))")
# "Step 2 of 3", "week 1 of 4": a count of things in order, not of people.
_IN_ORDER = ("step", "steps", "page", "pages", "part", "parts", "section", "chapter", "question", "item", "day",
             "days", "week", "weeks", "month", "year", "dose", "doses", "visit", "session", "infusion", "number",
             "no.", "box", "figure", "table", "card", "level", "grade", "stage", "round", "phase", "time")
_NOT_IN_ORDER = "".join(rf"(?<!\b{re.escape(word)}\s)" for word in _IN_ORDER)
_TIME = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|mornings?|evenings?)"
PERCENT = re.compile(rf"(?<![\w.-])(\d+(?:\.\d+)?|{_SPELLED})(?:\s?%|[\s-]?(?:percent|per\s?cent)\b)", re.I)
STATISTICS = (
    PERCENT,                                                                          # 25%, fifty percent
    re.compile(rf"(?:(?<![\w.-]){_COUNT}(?:\s+(?:to|or)\s+{_COUNT})?\s+(?:[\w-]+\s+){{0,2}}?)?\bout\s+of\s+"
               rf"(?:every\s+)?{_BIG}", re.I),                                          # (20 to 40) out of 100
    re.compile(rf"(?<![\w.-]){_COUNT}\s+in\s+(?:every\s+)?{_BIG}(?!\s*{_TIME}\b)", re.I),  # 1 in 5, one in five
    re.compile(rf"(?<![\w.-]){_COUNT}(?:\.\d+)?\s+per\s+{_BIG}", re.I),               # 3 per 1,000
    re.compile(rf"{_NOT_IN_ORDER}(?<![\w.-]){_COUNT}\s+of\s+(?:every\s+|each\s+)?{_BIG}(?=\s*(?:[,.;:!?)]|$)|"
               rf"\s+(?:[\w-]+\s+)?{_PEOPLE}\b|\s+{_VERB}\b)", re.I),                 # 2 of 3 people
    re.compile(rf"\b{_FRACTION}\s+(?:of\s+)?(?:(?:the|these|those|all)\s+)?(?:[\w-]+\s+)?{_PEOPLE}\b", re.I),
    re.compile(rf"(?:^[\s>*+\-\d.)_\"“]*|[,;:(]\s*|\b(?:and|but|while|so)\s+)(?:(?:about|around|nearly|almost|"
               rf"roughly|over|under|only|just|some|more\s+than|less\s+than|fewer\s+than|at\s+least)\s+)?"
               rf"(?P<stat>{_FRACTION})\s+{_VERB}\b", re.I),                                  # Half felt sick
    re.compile(rf"\b(?:\d+(?:\.\d+)?|{_SPELLED})[\s-]*(?:times|fold)\s+(?:more|less|higher|lower|greater|"
               r"as)\b|\b(?:twice|half)\s+as\s+(?:likely|many|much|often)\b", re.I),  # 3 times more likely
    re.compile(r"\b(?:odds ratio|relative risk|risk ratio|hazard ratio|number needed to treat|"
               r"confidence interval|p\s*[<=]\s*0?\.\d+)", re.I),
)


# Spanish: numbers in words up to a hundred ("cinco", "veinticinco", "treinta y cinco", "cien").
_ONES_ES = ("uno", "una", "un", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
_UNDER_30_ES = ("diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho",
                "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco",
                "veintiséis", "veintisiete", "veintiocho", "veintinueve")
_TENS_ES = ("treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa")
_WORD_VALUES_ES = {**{w: n for n, w in enumerate(_ONES_ES[2:], 1)}, "uno": 1, "una": 1, "un": 1,
                   **{w: n for n, w in enumerate(_UNDER_30_ES, 10)}, **{w: 10 * n for n, w in enumerate(_TENS_ES, 3)},
                   "cien": 100, "ciento": 100}
_SPELLED_ES = (rf"(?:cien|(?:{'|'.join(_TENS_ES)})(?:\s+y\s+(?:{'|'.join(_ONES_ES)}))?|{'|'.join(_UNDER_30_ES)}|"
               rf"{'|'.join(_ONES_ES)})")
_COUNT_ES = rf"(?:\d[\d,.]*|{_SPELLED_ES})"
_BIG_ES = rf"(?:\d[\d,.]*|{_SPELLED_ES}|mil|un\s+millón)(?![\w-]|[,.]\d)"
_PEOPLE_ES = r"(?:personas|pacientes|adultos|adultas|niños|niñas|mujeres|hombres|usuarios|participantes)"
PERCENT_ES = re.compile(rf"(?<![\w.-])(\d+(?:[.,]\d+)?|{_SPELLED_ES})(?:\s?%|\s+por\s+ciento\b)", re.I)
STATISTICS_ES = (
    PERCENT_ES,                                                                       # 25 %, cincuenta por ciento
    re.compile(rf"(?<![\w.-]){_COUNT_ES}(?:\s+(?:a|o)\s+{_COUNT_ES})?\s+(?:[\w-]+\s+){{0,2}}?de\s+cada\s+{_BIG_ES}",
               re.I),                                                                 # (61 a 84) de cada 100
    re.compile(rf"(?<![\w.-]){_COUNT_ES}\s+de\s+{_BIG_ES}\s+(?:[\w-]+\s+)?{_PEOPLE_ES}\b", re.I),  # 2 de 3 personas
    re.compile(rf"\b(?:la\s+mitad|un\s+tercio|dos\s+tercios|un\s+cuarto|tres\s+cuartos|una\s+cuarta\s+parte)\s+"
               rf"de\s+(?:(?:las|los|todas|todos)\s+)?(?:[\w-]+\s+)?{_PEOPLE_ES}\b", re.I),  # la mitad de las personas
    re.compile(rf"\b(?:\d+(?:[.,]\d+)?|{_SPELLED_ES})\s+veces\s+(?:más|menos)\b|\bel\s+doble\s+de\b", re.I),
    re.compile(r"\b(?:razón\s+de\s+(?:probabilidades|momios)|riesgo\s+relativo|cociente\s+de\s+riesgos|"
               r"número\s+necesario\s+(?:a|para)\s+tratar|intervalo\s+de\s+confianza|p\s*[<=]\s*0?[.,]\d+)", re.I),
)


def _statistic(sentence: str, patterns: tuple = STATISTICS) -> str | None:
    """The first statistic in a sentence, as written; None when it has none."""
    for pattern in patterns:
        match = pattern.search(sentence)
        if match:
            return (match.group("stat") if "stat" in pattern.groupindex else match.group(0)).strip()
    return None


def _number(written: str) -> float:
    """A number written in digits or in words ("12.5", "twenty-five", "a hundred"; "treinta y cinco")."""
    if written[0].isdigit():
        return float(written.replace(",", ""))
    if written.lower().split()[0] in _WORD_VALUES_ES and written.lower() not in _WORD_VALUES:
        return float(sum(_WORD_VALUES_ES.get(w, 0) for w in written.lower().split()))
    words = re.split(r"[\s-]+", written.lower())
    return 100.0 if words[-1] == "hundred" else float(sum(_WORD_VALUES[w] for w in words))


_CAPTION = re.compile(r"^(?:Table|Source|Sources|Note|Tabla|Fuente|Fuentes|Nota)\s*:|^(?:This\s+table|Esta\s+tabla)\b",
                      re.I)


def _sentence(unit: Unit | None, index: int) -> str:
    found = sentences(unit) if unit is not None else []
    return found[index][1] if found else ""


def _sources_beside(unit: Unit) -> str:
    """The text besides a sentence itself whose citation sources the sentence's numbers: a list's lead-in
    sentence (ending with ':'); a table's sentence right before it and its caption; the first sentence under a
    heading or in a box."""
    if unit.kind == "item":
        return _sentence(unit.lead, -1)
    if unit.kind == "table":
        caption = unit.after.text if unit.after and _CAPTION.match(prose(unit.after.text).lstrip(" *_")) else ""
        return f"{_sentence(unit.lead, -1)}\n{caption}"
    if unit.kind in {"heading", "title"}:
        return _sentence(unit.after, 0)
    return ""


_WHERE_TO_CITE = {
    "paragraph": "add the source in the same sentence: [@key] before its full stop",
    "item": "add the source in the same sentence, or in the list's lead-in sentence ending with ':' "
            "(\u201cIn studies lasting 8 weeks [@key]:\u201d)",
    "table": "add the source to the row, to the sentence right before the table, or to a caption right after it "
             "(a paragraph starting \u201cTable:\u201d, \u201cSource:\u201d or \u201cThis table\u201d)",
    "heading": "cite the source in the first sentence under the heading, or move the number into the text",
    "title": "a box title cannot hold a citation: cite the source in the box's first sentence, or move the "
             "number into the text",
}


@rule("numbers", levels=("error", "info"), doc="""a sentence, table row, heading or box title with a percentage
      or a statistic (in digits or in words) and no citation in that sentence (or in the places listed
      below); every percentage gets a hint to say "about N out of 100" (in Spanish "N de cada 100"). English and
      Spanish statistics; in another language the rule says once that it does not apply (info)\"""")
def check_numbers(book, today) -> list[Finding]:
    """A sentence with a percentage or a statistic needs a citation in that sentence; only a list's lead-in
    sentence, a table's sentence before it or caption, and for a heading or box title the first sentence under
    it, stand in for it (`_sources_beside`). Percentages also get a hint to use whole numbers."""
    language = primary_language(book.config.language)
    if language not in DEFINITION_LANGUAGES:
        return [not_applied("numbers", language, book, "how statistics are written")]
    spanish = language == "es"
    patterns, percent = (STATISTICS_ES, PERCENT_ES) if spanish else (STATISTICS, PERCENT)
    found = []
    for chapter in book.chapters:
        path = chapter_path(chapter, book)
        for unit in units(chapter):
            beside = _sources_beside(unit)
            for line, sentence_text in sentences(unit):
                text = prose(sentence_text)
                statistic = _statistic(text, patterns)
                cited = CITATION.search(beside) or (unit.kind != "title" and CITATION.search(sentence_text))
                if statistic and not cited:
                    place = {"heading": " in a heading", "title": " in a box title"}.get(unit.kind, "")
                    found.append(Finding("numbers", "error", path, line,
                                         f"'{statistic}'{place} is a number a patient will rely on, with no "
                                         "citation", _WHERE_TO_CITE[unit.kind], code="numbers.unsourced"))
                for match in percent.finditer(text):
                    found.append(Finding("numbers", "info", path, line,
                                         f"'{match.group(0)}': whole numbers read more easily than percentages",
                                         f"say \u201c{_out_of(_number(match.group(1).replace(',', '.') if spanish else match.group(1)), spanish)}\u201d",
                                         code="numbers.percentage"))
    return found


def _out_of(value: float, spanish: bool = False) -> str:
    for base in (100, 1000, 10000, 100000):
        count = int(value * base / 100 + 0.5)  # half up: 12.5% is about 13 out of 100
        if count >= 1 or base == 100000:
            if spanish:
                return f"unas {max(1, count):,} de cada {base:,}"
            return f"about {max(1, count):,} out of {base:,}"
    return ""


