"""Editorial checks of a handout: what a patient handout most needs before it is printed.

`python publish.py check` and the build run these over the same `Book` the outputs are rendered from
(never over the outputs' text). Each rule is one function that returns `Finding`s; nothing here
prints. Line numbers come from the chapters' Markdown source (`chapter.body`, `chapter.body_line`).

Rules (README "Checks" documents each, its level and its settings):

- reading-level: Flesch-Kincaid grade per chapter (SMOG and Coleman-Liau beside it) against
  `check.reading_grade_max`; the hardest sentences of a chapter over the limit, at their lines.
- jargon: terms of the jargon list must be defined where first used or have a glossary entry;
  glossary entries no chapter uses.
- numbers: a sentence with a percentage or a statistic needs a citation; percentages get a hint.
- citations: every reference is cited (unknown keys already stop loading: see `input`).
- structure: a key-points box, at least one checklist or numbered list, no section over
  `check.section_words_max` words.
- links, images: web, mail and phone addresses are well formed, DOIs look like DOIs; figures have captions.
- review: the next review date has passed (error) or is within `check.review_warning_days` (warning).
- input: what stops the book from loading (bad input), and the loader's own warnings.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import CONFIG_NAME, SCHEMA, Config, _Locator
from .errors import InputError
from .readability import measure, plain_text_from_html

LEVELS = ("error", "warning", "info")
RULES = ("input", "reading-level", "jargon", "numbers", "citations", "structure", "links", "images", "review")


@dataclass(frozen=True)
class Finding:
    """One thing a check found: `path` is relative to the project; `line` is 1-based (0: the whole file)."""
    rule: str
    level: str
    path: str
    line: int
    message: str
    hint: str = ""

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        """`file:line: level: [rule] message`, the line of the text report."""
        return f"{self.where()}: {self.level}: [{self.rule}] {self.message}"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "level": self.level, "path": self.path, "line": self.line,
                "message": self.message, "hint": self.hint}


def check_date() -> dt.date:
    """The day the review dates are checked against: SOURCE_DATE_EPOCH when set (reproducible runs and
    tests), otherwise today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise InputError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'")
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def run_checks(book, today: dt.date) -> list[Finding]:
    """Every rule over a loaded book, in report order. Raises InputError when a check setting is unusable."""
    findings: list[Finding] = []
    for rule in (check_input_warnings, check_review, check_reading_level, check_jargon, check_numbers,
                 check_citations, check_structure, check_links, check_images):
        findings.extend(rule(book, today))
    return sort_findings(findings, book)


@dataclass
class CheckRun:
    findings: list[Finding]
    config: Config | None
    today: dt.date | None
    bad_input: bool

    @property
    def status(self) -> int:
        return exit_status(self.findings, self.bad_input)


def check_project(root: Path, today: dt.date | None = None) -> CheckRun:
    """Load the project as the build does and run every check. Bad input (what stops a build with exit
    status 2) becomes one error finding of its own."""
    from .book import load_book
    from .config import load_config

    root = root.resolve()
    config = None
    try:
        today = today or check_date()
        config = load_config(root)
        book = load_book(config)
        return CheckRun(run_checks(book, today), config, today, False)
    except InputError as error:
        return CheckRun([input_finding(error, root)], config, today, True)


def input_finding(error: InputError, root: Path) -> Finding:
    """A load error as a finding; the rule names what it is about when the message says so."""
    path, line = ".", 0
    if error.path is not None:
        path = _relative(error.path, root)
        line = error.line or 0
    return Finding(_input_rule(error.message), "error", path, line, error.message)


_INPUT_RULES = (
    (re.compile(r"^citation '@|^reference '|cite sources but no chapter"), "citations"),
    (re.compile(r"^link '|malformed web address"), "links"),
    (re.compile(r"^(?:raw <img> )?image '|^image "), "images"),
)


def _input_rule(message: str) -> str:
    for pattern, rule in _INPUT_RULES:
        if pattern.search(message):
            return rule
    return "input"


class ChecksFailed(InputError):
    """The build refuses a handout with error-level findings: exit status 2, the input is what is wrong."""

    def __init__(self, errors: list[Finding]):
        lines = "\n".join(f"  {f.where()}: [{f.rule}] {f.message}" for f in errors)
        count = f"{len(errors)} check{'s' * (len(errors) != 1)}"
        super().__init__(f"the handout fails {count} at error level, so it is not printed (fix them, or build "
                         f"a draft with --draft):\n{lines}")
        self.findings = errors


def gate(findings: list[Finding], draft: bool = False) -> tuple[str, ...]:
    """What the build does with findings: error-level ones raise ChecksFailed, unless `draft`, when they
    come back as warning lines and the build goes on (marking every page as a draft)."""
    errors = [f for f in findings if f.level == "error"]
    if errors and not draft:
        raise ChecksFailed(errors)
    return tuple(f"draft: {f.where()}: [{f.rule}] {f.message}" for f in errors)


def strict(findings: list[Finding]) -> list[Finding]:
    """`--strict`: warnings count as errors."""
    return [replace(f, level="error") if f.level == "warning" else f for f in findings]


def counts(findings: list[Finding]) -> dict[str, int]:
    return {level: sum(1 for f in findings if f.level == level) for level in LEVELS}


def sort_findings(findings: list[Finding], book=None) -> list[Finding]:
    """Grouped by file (publish.toml, the chapters in book order, then the rest), then by line and level."""
    order = {CONFIG_NAME: 0}
    if book is not None:
        for index, chapter in enumerate(book.chapters, 1):
            order[_relative(chapter.path, book.root)] = index
    last = len(order) + 1
    return sorted(findings, key=lambda f: (order.get(f.path, last), f.path if f.path not in order else "",
                                           f.line, LEVELS.index(f.level), f.rule))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# ---- reading the Markdown source -------------------------------------------------------------------------

CITATION = re.compile(r"\[@[^\]\n]*\]")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_ATTRIBUTES = re.compile(r"\{\s*[#.:][^}\n]*\}")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_DEFINITION = re.compile(r"^:\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’./\-][A-Za-z0-9]+)*")


def prose(text: str, citations: bool = False, alt: bool = True) -> str:
    """Markdown source as a reader sees its words, line breaks kept: no link targets, attribute lists or
    HTML tags; image alt text kept (`alt`) or dropped; citations kept or dropped."""
    text = _IMAGE.sub(lambda m: m.group(1) if alt else "", text)
    if not citations:
        text = CITATION.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _ATTRIBUTES.sub("", text)
    return _TAG.sub("", text)


@dataclass
class Unit:
    """A paragraph, list item, definition, table or heading of a chapter's source, with its lines."""
    kind: str                       # paragraph, item, table, heading
    first_line: int
    lines: list[str]
    lead: "Unit | None" = None      # a list's or table's lead-in paragraph ("... studies show:")
    after: "Unit | None" = None     # the paragraph right after a table

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def units(chapter) -> list[Unit]:
    """Split a chapter's Markdown into units, each with the line it starts on."""
    found: list[Unit] = []
    current: Unit | None = None
    previous: Unit | None = None  # a table just ended by a blank line: the next paragraph is its "after"

    def close():
        nonlocal current
        if current is not None:
            found.append(current)
        current = None

    for offset, raw in enumerate(chapter.body.split("\n")):
        number = chapter.body_line + offset
        stripped = raw.strip()
        if not stripped or raw.startswith(":::"):
            if current is not None and current.kind == "table":
                previous = current
            close()
            continue
        heading = _HEADING.match(stripped)
        if heading and not raw.startswith((" ", "\t")):
            close()
            found.append(Unit("heading", number, [heading.group(2)]))
            previous = None
            continue
        if stripped.startswith("|"):
            if current is None or current.kind != "table":
                close()
                lead = found[-1] if found and found[-1].kind == "paragraph" else None
                current = Unit("table", number, [], lead=lead)
            current.lines.append("" if _TABLE_RULE.match(stripped) else stripped)  # keep the line count
            continue
        if _LIST_ITEM.match(raw) or _DEFINITION.match(raw):
            lead = None
            if current is not None and current.kind == "item":
                lead = current.lead
            elif found and found[-1].kind == "item" and current is None:
                lead = found[-1].lead
            else:
                before = current if current is not None else (found[-1] if found else None)
                if before is not None and before.kind == "paragraph" and before.text.rstrip().endswith(":"):
                    lead = before
            close()
            current = Unit("item", number, [raw], lead=lead)
            continue
        if current is None or current.kind == "table":
            table = current if current is not None else previous
            close()
            current = Unit("paragraph", number, [raw])
            if table is not None and table.after is None:
                table.after = current
            previous = None
            continue
        current.lines.append(raw)
    close()
    return found


# A sentence ends at . ! ? (and closing quotes or brackets) before white space and a capital or digit.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]*_]*\s+(?=[\"'“‘(\[*_]*[A-Z0-9])")


def sentences(unit: Unit) -> list[tuple[int, str]]:
    """(line, sentence) pairs of a unit's source; a citation after a full stop stays with its sentence.
    A table's rows are its sentences."""
    if unit.kind == "table":
        return [(unit.first_line + offset, row) for offset, row in enumerate(unit.lines) if row]
    text = unit.text
    result, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if re.search(r"(?:\b(?:e\.g|i\.e|Dr|Mr|Mrs|Ms|vs|approx|U\.S|St|No|Fig)|\b[A-Z])\.$",
                     text[start:match.start() + 1]):
            continue
        result.append((unit.first_line + text.count("\n", 0, start), text[start:match.end()].strip()))
        start = match.end()
    if text[start:].strip():
        result.append((unit.first_line + text.count("\n", 0, start), text[start:].strip()))
    return result


def _locate(chapter, sentence: str) -> int:
    """The source line of a sentence taken from the rendered text: its first words, markup allowed between."""
    source = prose(chapter.body)
    words = re.findall(r"\w+", sentence)
    for count in (8, 5, 3, 2, 1):
        if len(words) < count and count != 1:
            continue
        pattern = r"\W+".join(re.escape(w) for w in words[:count])
        if not pattern:
            break
        match = re.search(r"(?<!\w)" + pattern, source)
        if match:
            return chapter.body_line + source.count("\n", 0, match.start())
    return chapter.body_line


def _chapter_path(chapter, book) -> str:
    return _relative(chapter.path, book.root)


# ---- input: the loader's own warnings ----------------------------------------------------------------------

_WARNING = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): (?P<message>.*)$")


def check_input_warnings(book, today) -> list[Finding]:
    """Unknown keys in publish.toml and in front matter: the loader warns; so does the report.
    (Uncited references, also a loader warning, are reported by the citations rule.)"""
    found = []
    for warning in book.warnings:
        match = _WARNING.match(warning)
        if not match or "is never cited" in warning:
            continue
        found.append(Finding("input", "warning", match["path"], int(match["line"]), match["message"]))
    return found


# ---- review dates ------------------------------------------------------------------------------------------

def check_review(book, today: dt.date) -> list[Finding]:
    """The next review date: passed is an error, within `review_warning_days` a warning; the dates always."""
    return review_findings(book.config, today)


def review_findings(config: Config, today: dt.date) -> list[Finding]:
    """The review rule over the configuration alone (the build runs it even when nothing else changed)."""
    review = config.review
    line = _config_line(config, "review.next_review_due")
    left = (review.next_review_due - today).days
    dates = (f"last reviewed {review.last_reviewed.isoformat()}, next review due "
             f"{review.next_review_due.isoformat()}, checked on {today.isoformat()}")
    window = config.check.review_warning_days
    if left < 0:
        return [Finding("review", "error", CONFIG_NAME, line,
                        f"the clinical review is overdue by {-left} day{'s' * (-left != 1)} ({dates})",
                        "have the handout reviewed, then update review.last_reviewed and "
                        "review.next_review_due in publish.toml")]
    if left <= window:
        return [Finding("review", "warning", CONFIG_NAME, line,
                        f"the next clinical review is due in {left} day{'s' * (left != 1)} ({dates})",
                        "plan the review now; the build refuses to print the handout once the date has passed")]
    return [Finding("review", "info", CONFIG_NAME, line, f"{dates}: {left} days until the next review")]


def _config_line(config: Config, dotted: str) -> int:
    try:
        return _Locator(config.path.read_text(encoding="utf-8")).line(dotted) or 0
    except OSError:
        return 0


# ---- reading level -----------------------------------------------------------------------------------------

def check_reading_level(book, today) -> list[Finding]:
    """Flesch-Kincaid grade of each chapter's rendered text (SMOG and Coleman-Liau beside it); over the
    limit is an error, and the chapter's hardest sentences are listed at their lines."""
    limit = book.config.check.reading_grade_max
    found = []
    for chapter in book.chapters:
        score = measure(plain_text_from_html("".join(block.html for block in chapter.blocks)))
        if not score.words:
            continue
        path = _chapter_path(chapter, book)
        grade = score.flesch_kincaid_grade
        scores = (f"reading grade {_one(grade)} (Flesch-Kincaid; SMOG {_one(score.smog)}, Coleman-Liau "
                  f"{_one(score.coleman_liau)}; {score.words} words)")
        if round(grade, 1) <= limit:
            found.append(Finding("reading-level", "info", path, chapter.body_line, f"{scores}, limit {limit}"))
            continue
        found.append(Finding("reading-level", "error", path, chapter.body_line,
                             f"{scores} is over the limit of grade {limit} (check.reading_grade_max)",
                             "shorten the hardest sentences listed below first: fewer words per sentence, "
                             "and shorter words"))
        # The sentences over the limit on their own, hardest first (or the three hardest, when none is).
        for sentence, sentence_grade in [h for h in score.hardest if h[1] > limit] or score.hardest[:3]:
            shown = sentence if len(sentence) <= 120 else sentence[:117] + "..."
            found.append(Finding("reading-level", "info", path, _locate(chapter, sentence),
                                 f"hard sentence (grade {_one(sentence_grade)}): \u201c{shown}\u201d"))
    return found


def _one(value: float) -> str:
    return f"{value:.1f}".replace("-0.0", "0.0")


# ---- jargon ------------------------------------------------------------------------------------------------

def jargon_terms(book) -> tuple[list[str], str | None]:
    """The jargon list (one term per line, # comments) and its project-relative path; ([], None) when the
    default list does not exist. A list named in publish.toml must exist inside the project."""
    config = book.config
    name = config.check.jargon_file
    path = (book.root / name).resolve()
    where = _config_line(config, "check.jargon_file") or None
    if not path.is_relative_to(book.root.resolve()):
        raise InputError(f"'check.jargon_file' points outside the project: {name}", config.path, where)
    if not path.is_file():
        if name == DEFAULT_JARGON_FILE:
            return [], None
        raise InputError(f"'check.jargon_file' file not found: {name}", config.path, where)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("the jargon list is not UTF-8 text", path) from None
    terms = []
    for raw in text.splitlines():
        term = raw.split("#", 1)[0].strip()
        if term and term not in terms:
            terms.append(term)
    return terms, _relative(path, book.root)


DEFAULT_JARGON_FILE = SCHEMA["check"]["jargon_file"].default


def term_regex(term: str) -> str:
    """A term as a whole word or phrase, plural or possessive allowed, for a pattern compiled with re.I:
    an all-capital abbreviation (NMDA, REMS) keeps its case."""
    body = r"[\s*_]+".join(re.escape(w) for w in term.split())
    if re.fullmatch(r"[A-Z0-9-]+", term) and re.search(r"[A-Z]", term):
        body = f"(?-i:{body})"
    return rf"(?<![\w-]){body}(?:e?s|['’]s)?(?![\w-])"


def term_pattern(term: str) -> re.Pattern:
    return re.compile(term_regex(term), re.I)


def glossary_names(term: str) -> list[str]:
    """The names a glossary entry covers: 'ECT (electroconvulsive therapy)' covers ECT and
    electroconvulsive therapy; 'SSRI and SNRI' covers SSRI and SNRI."""
    names = [term]
    outside = re.sub(r"\s*\([^)]*\)", "", term).strip()
    inside = re.findall(r"\(([^)]*)\)", term)
    for name in [outside, *inside]:
        names.append(name)
        names.extend(part.strip() for part in re.split(r"\s+(?:and|or)\s+|\s*[,/]\s*", name))
    return [n for n in dict.fromkeys(n.strip() for n in names) if n]


_MARK = r"[*_\"“”’]*"
# How a sentence defines a term X; {t} is the term.
_DEFINING = (
    r"{t}{m}\s*\(",                                               # X (what it is)
    r"\(\s*{m}{t}{m}\s*\)",                                      # what it is (X)
    r"{t}{m},?\s+(?:is|are|means|mean|refers to|stands for)\b",  # X is ..., X means ...
    r"\b(?:called|known as|named)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}{m}{t}",  # ... called (the NMDA) X
    r"{t}{m}\s*[:\u2013\u2014]\s",                                # X: what it is
    r"{t}{m},\s+(?:an?|the)\s+\w",                                # X, a thing that ...
)


def defines(sentence: str, term: str) -> bool:
    """Whether a sentence defines a term it uses ("X is ...", "called X", "X (...)", "(X)", "X: ...")."""
    t = term_regex(term)
    return any(re.search(test.format(t=t, m=_MARK), sentence, re.I) for test in _DEFINING)


# A sentence right after the first use that explains it: "That means ...", "This is a ...".
_FOLLOWING_DEFINITION = re.compile(r"^[*_\"“]*(?:That|This|It)\s+(?:means|is short for|stands for|is an?)\b")


def check_jargon(book, today) -> list[Finding]:
    """Each jargon term a chapter uses must be defined where it is first used in the book, or have a
    glossary entry; each glossary entry must be used by some chapter."""
    terms, list_path = jargon_terms(book)
    found = []
    glossary = [(chapter, term) for chapter in book.chapters if chapter.role == "glossary"
                for term, _ in chapter.glossary_terms]
    covered = [name for _, term in glossary for name in glossary_names(term)]
    text_chapters = [chapter for chapter in book.chapters if chapter.role != "glossary"]
    # The chapters' sentences in reading order, with lines, once.
    reading = [(chapter, line, prose(text)) for chapter in text_chapters for unit in units(chapter)
               for line, text in sentences(unit)]
    if list_path is None:
        found.append(Finding("jargon", "info", CONFIG_NAME, _config_line(book.config, "check.jargon_file"),
                             f"no jargon list at {DEFAULT_JARGON_FILE}: jargon is not checked",
                             "list the medical terms your handouts use there, one per line"))
    for term in terms:
        pattern = term_pattern(term)
        if any(pattern.search(name) for name in covered):
            continue
        for index, (chapter, line, sentence_text) in enumerate(reading):
            if not pattern.search(sentence_text):
                continue
            following = reading[index + 1][2] if index + 1 < len(reading) and reading[index + 1][0] is chapter \
                else ""
            defined = defines(sentence_text, term) or (
                bool(following) and (defines(following, term) or bool(_FOLLOWING_DEFINITION.match(following))))
            if not defined:
                found.append(Finding(
                    "jargon", "warning", _chapter_path(chapter, book), line,
                    f"'{term}' is a medical term (from {list_path}) used here without a definition and with no "
                    "glossary entry",
                    f"say what it means where it is first used (\u201c{term} is ...\u201d, \u201c... called "
                    f"{term}\u201d or \u201c{term} (...)\u201d), or add it to the glossary"))
            break
    used_text = "\n".join(prose(chapter.body) for chapter in text_chapters)
    for chapter, term in glossary:
        if not any(term_pattern(name).search(used_text) for name in glossary_names(term)):
            found.append(Finding("jargon", "warning", _chapter_path(chapter, book), _glossary_line(chapter, term),
                                 f"glossary entry '{term}' is not used in any chapter",
                                 "remove the entry, or use the term where it helps the reader"))
    return found


def _glossary_line(chapter, term: str) -> int:
    for offset, raw in enumerate(chapter.body.split("\n")):
        if prose(raw).strip() == term.strip() or raw.strip().startswith(term):
            return chapter.body_line + offset
    return chapter.body_line


# ---- numbers -----------------------------------------------------------------------------------------------

_SMALL = r"(?:one|two|three|four|five|six|seven|eight|nine|ten)"
_BIG = r"(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|(?:a\s+)?hundred|(?:a\s+)?thousand)"
PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b|per\s?cent\b)", re.I)
STATISTICS = (
    PERCENT,
    re.compile(rf"\bout\s+of\s+(?:every\s+)?{_BIG}\b", re.I),                       # 20 out of 100
    re.compile(rf"\b(?:\d[\d,]*|{_SMALL})\s+in\s+(?:every\s+)?{_BIG}\b(?!\s*(?:weeks?|days?|hours?|"
               r"months?|years?|minutes?)\b)", re.I),                                 # 1 in 5
    re.compile(rf"\b\d[\d,.]*\s+per\s+{_BIG}\b", re.I),                               # 3 per 1,000
    re.compile(rf"\b(?:\d+(?:\.\d+)?|{_SMALL})[\s-]*(?:times|fold)\s+(?:more|less|higher|lower|greater|"
               r"as)\b|\b(?:twice|half)\s+as\s+(?:likely|many|much|often)\b", re.I),  # 3 times more likely
    re.compile(r"\b(?:odds ratio|relative risk|risk ratio|hazard ratio|number needed to treat|"
               r"confidence interval|p\s*[<=]\s*0?\.\d+)", re.I),
)


def _statistic(sentence: str) -> str | None:
    for pattern in STATISTICS:
        match = pattern.search(sentence)
        if match:
            return match.group(0)
    return None


def _cited(unit: Unit | None) -> bool:
    return unit is not None and bool(CITATION.search(unit.text))


def check_numbers(book, today) -> list[Finding]:
    """A sentence with a percentage or a statistic needs a citation: in the sentence, in its paragraph or list
    item, in the lead-in paragraph of its list ("In studies lasting 8 weeks [@x]:") or, for a table, in the
    table or the paragraphs right before and after it. Percentages also get a hint to use whole numbers."""
    found = []
    for chapter in book.chapters:
        path = _chapter_path(chapter, book)
        for unit in units(chapter):
            if unit.kind == "heading":
                continue
            sourced = _cited(unit) or _cited(unit.lead) or (unit.kind == "table" and _cited(unit.after))
            for line, sentence_text in sentences(unit):
                text = prose(sentence_text, citations=True)
                statistic = _statistic(text)
                if statistic and not sourced:
                    found.append(Finding("numbers", "error", path, line,
                                         f"'{statistic.strip()}' is a number a patient will rely on, with no "
                                         "citation", "add the source: [@key] at the end of the sentence"))
                for match in PERCENT.finditer(text):
                    found.append(Finding("numbers", "info", path, line,
                                         f"'{match.group(0)}': whole numbers read more easily than percentages",
                                         f"say \u201c{_out_of(float(match.group(1)))}\u201d"))
    return found


def _out_of(value: float) -> str:
    for base in (100, 1000, 10000, 100000):
        count = int(value * base / 100 + 0.5)  # half up: 12.5% is about 13 out of 100
        if count >= 1 or base == 100000:
            return f"about {max(1, count):,} out of {base:,}"
    return ""


# ---- citations ---------------------------------------------------------------------------------------------

REFERENCES = "chapters/references.yaml"


def check_citations(book, today) -> list[Finding]:
    """Every reference is cited somewhere (a citation of a missing reference stops loading: rule input)."""
    found = []
    lines = _reference_lines(book)
    for key in book.uncited:
        found.append(Finding("citations", "warning", REFERENCES, lines.get(key, 0),
                             f"reference '{key}' is never cited",
                             f"cite it with [@{key}] where the handout relies on it, or remove it"))
    return found


def _reference_lines(book) -> dict[str, int]:
    path = book.root / REFERENCES
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {match.group(1): text.count("\n", 0, match.start()) + 1
            for match in re.finditer(r"^['\"]?([A-Za-z0-9_-]+)['\"]?\s*:", text, re.M)}


# ---- structure ---------------------------------------------------------------------------------------------

def check_structure(book, today) -> list[Finding]:
    """PEMAT-P items a program can check: a key-points summary, a checklist or numbered steps, and sections
    of at most `section_words_max` words."""
    found = []
    first = next((c for c in book.chapters if c.role == "chapter"), book.chapters[0])
    first_path = _chapter_path(first, book)
    if not any(block.kind == "key-points" for chapter in book.chapters for block in chapter.blocks):
        found.append(Finding("structure", "warning", first_path, first.body_line,
                             "no chapter has a key-points summary",
                             "add a '::: key-points' box with the main messages near the start"))
    if not any(block.kind == "checklist" or "<ol" in block.html
               for chapter in book.chapters for block in chapter.blocks):
        found.append(Finding("structure", "warning", first_path, first.body_line,
                             "the handout has no checklist and no numbered steps: nothing tells the reader "
                             "what to do", "add a '::: checklist' of questions to ask, or number the steps "
                             "the reader should take (1. 2. 3.)"))
    limit = book.config.check.section_words_max
    for chapter in book.chapters:
        if chapter.role != "chapter":
            continue
        for line, title, words in sections(chapter):
            if words > limit:
                found.append(Finding("structure", "warning", _chapter_path(chapter, book), line,
                                     f"section '{title}' has {words} words, over the limit of {limit} "
                                     "(check.section_words_max)",
                                     "split it under more headings, or shorten it"))
    return found


def sections(chapter) -> list[tuple[int, str, int]]:
    """(line, title, words) of each section: the text under a heading up to the next heading; the text
    before the first heading is the chapter's opening section."""
    result: list[list] = [[chapter.body_line, "(opening)", 0]]
    for offset, raw in enumerate(chapter.body.split("\n")):
        heading = _HEADING.match(raw)
        if heading:
            result.append([chapter.body_line + offset, prose(heading.group(2)).strip(), 0])
            continue
        if raw.startswith(":::"):  # a box: only its title is read
            result[-1][2] += len(_WORD.findall(" ".join(re.findall(r'"([^"]*)"', raw))))
            continue
        if _TABLE_RULE.match(raw.strip()):
            continue
        result[-1][2] += len(_WORD.findall(prose(raw, alt=False)))
    return [(line, title, words) for line, title, words in result if words or title != "(opening)"]


# ---- links and images --------------------------------------------------------------------------------------

_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_HREF = re.compile(r'\bhref="([^"]*)"')
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def url_problem(url: str) -> str | None:
    """What is wrong with a web, mail or phone address, without fetching it; None when it is well formed."""
    if re.search(r"\s", url):
        return "has a space in it"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"cannot be read ({error})"
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"}:
        host = parts.hostname or ""
        if not host:
            return "has no site name after //"
        if not (_HOST.fullmatch(host) or _IPV4.fullmatch(host)) and host != "localhost":
            return f"has a site name '{host}' that is not a web address (like example.org)"
        if port == 0:
            return "has port 0"
        if re.search(r"[<>\"{}|\\^`]", url):
            return "has characters that are not allowed in a web address"
        return None
    if scheme == "mailto":
        address = unquote(parts.path)
        if not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+", address) or not _HOST.fullmatch(address.split("@")[1]):
            return "is not an email address (name@example.org)"
        return None
    if scheme == "tel":
        number = unquote(parts.path)
        if not re.fullmatch(r"\+?[0-9][0-9 ().-]*[0-9]", number) or len(re.sub(r"\D", "", number)) < 3:
            return "is not a phone number (digits, spaces, - ( ) and a leading +)"
        return None
    return None  # other schemes never load: markdown_ext refuses them


def check_links(book, today) -> list[Finding]:
    """Web, mail and phone links in the chapters, and the sources' addresses and DOIs, are well formed (no
    network access). Links inside the book are checked when it loads (rule input or links, exit 2)."""
    import html as html_module

    found = []
    for chapter in book.chapters:
        path = _chapter_path(chapter, book)
        seen = set()
        for block in chapter.blocks:
            for href in _HREF.findall(block.html):
                href = html_module.unescape(href)
                if href.startswith("#") or href in seen:
                    continue
                seen.add(href)
                problem = url_problem(href)
                if problem:
                    line = _source_line(chapter, href)
                    found.append(Finding("links", "error", path, line, f"link '{href}' {problem}",
                                         "correct the address (it is not fetched: check it in a browser)"))
    lines = _reference_lines(book)
    for reference in book.references:
        line = lines.get(reference.key, 0)
        if reference.url:
            problem = url_problem(reference.url)
            if problem:
                found.append(Finding("links", "error", REFERENCES, line,
                                     f"reference '{reference.key}' url '{reference.url}' {problem}"))
        if reference.doi and not _DOI.fullmatch(reference.doi.removeprefix("https://doi.org/")):
            found.append(Finding("links", "error", REFERENCES, line,
                                 f"reference '{reference.key}' doi '{reference.doi}' is not a DOI",
                                 "a DOI looks like 10.1016/S0140-6736(17)32802-7 (without https://doi.org/)"))
    return found


def _source_line(chapter, needle: str) -> int:
    for candidate in (needle, needle.replace("&", "&amp;")):
        index = chapter.body.find(candidate)
        if index >= 0:
            return chapter.body_line + chapter.body.count("\n", 0, index)
    return chapter.body_line


_FILE_NAME_ALT = re.compile(r"^[\w .-]+\.(?:png|jpe?g|gif|svg|webp|tiff?)$|^(?:image|picture|figure|photo|"
                            r"graphic|img)\s*\d*$", re.I)


def check_images(book, today) -> list[Finding]:
    """Figures have a caption and alt text that describes them (missing files and missing alt text stop
    loading: rule images, exit 2)."""
    found = []
    for chapter in book.chapters:
        path = _chapter_path(chapter, book)
        for image in chapter.images:
            line = _source_line(chapter, image.src.rsplit("/", 1)[-1]) if not image.src.startswith("data:") \
                else _source_line(chapter, "](data:")
            if not image.caption:
                found.append(Finding("images", "warning", path, line, f"image '{_short(image.src)}' has no caption",
                                     'add one as the image title: ![alt text](path "What the picture shows.")'))
            if _FILE_NAME_ALT.match(image.alt.strip()):
                found.append(Finding("images", "warning", path, line,
                                     f"image '{_short(image.src)}' has alt text '{image.alt}' that does not say "
                                     "what it shows", "describe the picture for someone who cannot see it"))
    return found


def _short(src: str) -> str:
    return src if len(src) <= 60 else src[:57] + "..."


# ---- reports -----------------------------------------------------------------------------------------------

JSON_VERSION = 1


def report_text(findings: list[Finding], today: dt.date | None, strict_mode: bool = False) -> str:
    """The text report: findings grouped by file (a heading line per file), one `file:line: level: [rule]
    message` line each, hints indented below, and a summary line."""
    out: list[str] = []
    current = None
    for finding in findings:
        if finding.path != current:
            if current is not None:
                out.append("")
            current = finding.path
            here = counts([f for f in findings if f.path == current])
            out.append(f"{current} ({_counted(here)})")
        out.append(finding.format())
        if finding.hint:
            out.append(f"    hint: {finding.hint}")
    total = counts(findings)
    if out:
        out.append("")
    when = f" on {today.isoformat()}" if today else ""
    out.append(f"checked{when}{' (--strict)' if strict_mode else ''}: {_counted(total)}")
    return "\n".join(out)


def _counted(numbers: dict[str, int]) -> str:
    names = {"error": ("error", "errors"), "warning": ("warning", "warnings"), "info": ("info", "info")}
    return ", ".join(f"{n} {names[level][n != 1]}" for level, n in numbers.items())


def report_json(findings: list[Finding], config: Config | None, today: dt.date | None, status: int,
                strict_mode: bool = False) -> dict:
    """The machine-readable report; README "Checks" documents its shape."""
    review = None
    if config is not None:
        review = {"last_reviewed": config.review.last_reviewed.isoformat(),
                  "next_review_due": config.review.next_review_due.isoformat(),
                  "days_left": (config.review.next_review_due - today).days if today else None}
    return {
        "version": JSON_VERSION,
        "checked_on": today.isoformat() if today else None,
        "strict": strict_mode,
        "review": review,
        "findings": [finding.as_dict() for finding in findings],
        "counts": counts(findings),
        "exit_status": status,
    }


def exit_status(findings: list[Finding], bad_input: bool) -> int:
    """0 no errors, 1 errors, 2 bad input."""
    if bad_input:
        return 2
    return 1 if any(f.level == "error" for f in findings) else 0
