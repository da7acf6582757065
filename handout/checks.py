"""Editorial checks of a handout: what a patient handout most needs before it is printed.

`python publish.py check` and the build run these over the same `Book` the outputs are rendered from
(never over the outputs' text). Each rule is one function that returns `Finding`s; nothing here
prints. Line numbers come from the chapters' Markdown source (`chapter.body`, `chapter.body_line`).

Rules (README "Checks" documents each, its level and its settings):

- reading-level: Flesch-Kincaid grade per chapter (SMOG and Coleman-Liau beside it) against
  `check.reading_grade_max`; the hardest sentences of a chapter over the limit, at their lines.
- jargon: terms of the jargon list must be defined where first used or have a glossary entry;
  glossary entries no chapter uses.
- numbers: a sentence (a table row, a heading, a box title) with a percentage or a statistic, in digits or
  in words, needs a citation in that sentence (or its list's lead-in, its table's caption or sentence before
  it, the first sentence under a heading or in a box); percentages get a hint.
- citations: every reference is cited; every citation key has a reference (the loader stops at the first
  unknown key; `check` then reports them all: `source_problems`).
- structure: a key-points box, at least one checklist or numbered list, no section over
  `check.section_words_max` words.
- links, images: web, mail and phone addresses are well formed, DOIs look like DOIs; figures have captions;
  in-book links, image files and alt text as `source_problems` reads them when the book does not load.
- review: the next review date has passed (error) or is within `check.review_warning_days` (warning).
- input: what else stops the book from loading (bad input), and the loader's own warnings.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .config import CONFIG_NAME, SCHEMA, Config, config_line
from .errors import InputError
from .readability import measure, plain_text_from_html
from .sandbox import Sandbox
from .weburl import url_problem

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
    from .config import source_date_epoch

    moment = source_date_epoch()  # InputError when it is not a usable time
    return moment.date() if moment else dt.date.today()


def run_checks(book, today: dt.date) -> list[Finding]:
    """Every rule over a loaded book, in report order. Raises InputError when a check setting is unusable."""
    findings: list[Finding] = []
    for rule in (check_input_warnings, check_review, check_reading_level, check_jargon, check_numbers,
                 check_citations, check_structure, check_wide_tables, check_links, check_images):
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
    status 2) becomes one error finding of its own; but when what stops the book from loading is a citation
    key, an image or a link (`SOURCE_PROBLEM`), every such problem is reported, each at its line, as an error
    finding (exit status 1), with the review date: `unloaded_run`."""
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
        if config is None or not SOURCE_PROBLEM.search(error.message):
            return CheckRun([input_finding(error, root)], config, today, True)
        return unloaded_run(config, error, today)


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
    """A finding's file, relative to the project as the user wrote it (see errors.shown_path)."""
    from .errors import shown_path

    return shown_path(path, root)


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
    """A paragraph, list item, definition, table, heading or box title of a chapter's source, with its lines."""
    kind: str                       # paragraph, item, table, heading, title (a box's title)
    first_line: int
    lines: list[str]
    lead: "Unit | None" = None      # a list's lead-in paragraph ("... studies show:"), a table's paragraph before
    after: "Unit | None" = None     # a table's paragraph right after; a heading's or box title's first text

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def units(chapter) -> list[Unit]:
    """Split a chapter's Markdown into units, each with the line it starts on. A box's `:::` lines end units
    and are a boundary: a list or table inside a box takes no lead-in from outside it."""
    found: list[Unit] = []
    current: Unit | None = None
    previous: Unit | None = None  # a table just ended by a blank line: the next paragraph is its "after"
    boundary = 0                  # units before this index are outside the current box
    opened: list[Unit] = []       # headings and box titles waiting for their first text

    def close():
        nonlocal current
        if current is not None:
            found.append(current)
        current = None

    def last(*kinds: str) -> Unit | None:
        return found[-1] if len(found) > boundary and found[-1].kind in kinds else None

    def start(unit: Unit) -> Unit:
        for waiting in opened:
            waiting.after = unit
        opened.clear()
        return unit

    for offset, raw in enumerate(chapter.body.split("\n")):
        number = chapter.body_line + offset
        stripped = raw.strip()
        if raw.startswith(":::"):
            close()
            previous, opened[:] = None, [u for u in opened if u.kind == "heading"]
            box = re.match(r':::\s*[\w-]+\s*"([^"]*)"', stripped)
            if box and box.group(1).strip():
                found.append(Unit("title", number, [box.group(1)]))
                opened.append(found[-1])
            boundary = len(found)
            continue
        if not stripped:
            if current is not None and current.kind == "table":
                previous = current
            close()
            continue
        heading = _HEADING.match(stripped)
        if heading and not raw.startswith((" ", "\t")):
            close()
            found.append(Unit("heading", number, [heading.group(2)]))
            opened[:] = [found[-1]]
            previous = None
            continue
        if stripped.startswith("|"):
            if current is None or current.kind != "table":
                close()
                current = start(Unit("table", number, [], lead=last("paragraph")))
            current.lines.append("" if _TABLE_RULE.match(stripped) else stripped)  # keep the line count
            continue
        if _LIST_ITEM.match(raw) or _DEFINITION.match(raw):
            lead = None
            if current is not None and current.kind == "item":
                lead = current.lead
            elif current is None and last("item"):
                lead = found[-1].lead
            else:
                before = current if current is not None else last("paragraph")
                if before is not None and before.kind == "paragraph" and before.text.rstrip().endswith(":"):
                    lead = before
            close()
            current = start(Unit("item", number, [raw], lead=lead))
            continue
        if current is None or current.kind == "table":
            table = current if current is not None else previous
            close()
            current = start(Unit("paragraph", number, [raw]))
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


def check_wide_tables(book, today) -> list[Finding]:
    """structure: a table whose columns cannot fit the narrowest print edition (print editions refuse it)."""
    from .tablewidth import wide_tables

    return [Finding("structure", "warning", _chapter_path(chapter, book), line,
                    f"a table of {columns} columns needs at least {least:.0f} em, more than the large print page's "
                    "text is wide: print editions will refuse it", "split it into narrower tables or make it a list")
            for chapter in book.chapters for line, columns, least in wide_tables(chapter.body, chapter.body_line)]


# ---- input: the loader's own warnings ----------------------------------------------------------------------

_WARNING = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): (?P<message>.*)$")


def check_input_warnings(book, today) -> list[Finding]:
    """Unknown keys in publish.toml and in front matter: the loader warns; so does the report.
    (Uncited references, also a loader warning, are reported by the citations rule.)"""
    return warning_findings(book.warnings)


def warning_findings(warnings) -> list[Finding]:
    found = []
    for warning in warnings:
        match = _WARNING.match(warning)
        if not match or "is never cited" in warning:
            continue
        found.append(Finding("input", "warning", match["path"], int(match["line"]), match["message"]))
    return found


# ---- input: citation keys, images and links, all of them --------------------------------------------------

# What stops the book from loading at its first occurrence (book.load_book), but `check` reports in full.
SOURCE_PROBLEM = re.compile(r"^citation '@[^']*' has no entry|^image '.*' (?:not found|has no alt text)|"
                            r"^link '.*' points to (?:a chapter|an anchor) that does not exist")


def unloaded_run(config: Config, error: InputError, today: dt.date) -> CheckRun:
    """The report when the loader stopped at a SOURCE_PROBLEM: every such problem of every chapter (error
    findings, exit status 1), what else is bad input (exit status 2), the review date and publish.toml's
    warnings; the rules that need the loaded book say that they did not run."""
    problems, bad = source_problems(config)
    first = input_finding(error, config.root)
    if not any((f.path, f.message) == (first.path, first.message) for f in problems):
        problems.append(first)
    waiting = Finding("input", "info", "chapters", 0, "reading level, jargon, numbers, structure, links and "
                      "images are checked once the book loads: fix the errors in this report first")
    findings = [*review_findings(config, today), *warning_findings(config.warnings), *problems, *bad, waiting]
    return CheckRun(sort_findings(list(dict.fromkeys(findings))), config, today, bool(bad))


def source_problems(config: Config) -> tuple[list[Finding], list[Finding]]:
    """Read from every chapter's Markdown the way the loader reads it: (each citation key with no reference,
    image that does not exist or has no alt text, and link to a chapter or anchor that does not exist, at
    its line; whatever else stops a chapter from loading, as bad input)."""
    from .book import discover_chapters, load_chapter, load_references
    from .markdown_ext import CITATION as CITATION_KEYS

    root = config.root
    problems: list[Finding] = []
    bad: list[Finding] = []
    try:
        references = load_references(root)[0]
        chapters = discover_chapters(root)
    except InputError as error:
        return problems, [input_finding(error, root)]
    read, unread = [], set()
    for number, slug, path in chapters:
        where = _relative(path, root)
        try:
            chapter = load_chapter(path, number, slug, root, config.limits)  # no cache: nothing is written
            read.append((where, chapter.body, chapter.body_line, chapter.ids, chapter.links))
        except InputError as error:
            if not SOURCE_PROBLEM.search(error.message):
                bad.append(input_finding(error, root))
                unread.add(slug)  # its anchors are unknown: links to it are not judged
                continue
            # The file was read and its front matter is valid: the problem is in its Markdown.
            body, body_line, state = _convert_collecting(path, slug, root)
            read.append((where, body, body_line, state.ids, state.links))
            at = _Occurrences(body, body_line)
            for problem in state.problems:
                finding = Finding(_input_rule(problem.message), "error", where, at.line(problem.needle),
                                  problem.message)
                (problems if SOURCE_PROBLEM.search(problem.message) else bad).append(finding)
    ids = {name for *_, names, _ in read for name in names}
    for where, body, body_line, _, links in read:
        for match in re.finditer(CITATION_KEYS, body):
            line = body_line + body.count("\n", 0, match.start())
            problems.extend(Finding("citations", "error", where, line,
                                    f"citation '@{key}' has no entry in chapters/references.yaml")
                            for key in re.findall(r"@([\w-]+)", match.group(0)) if key not in references)
        at = _Occurrences(body, body_line)
        for link in links:
            line = at.line(f"({link.written}", link.written)
            if link.target not in ids and link.target.split("--")[0] not in unread:
                kind = "a chapter" if "--" not in link.target else "an anchor"
                problems.append(Finding("links", "error", where, line,
                                        f"link '{link.written}' points to {kind} that does not exist"))
    return problems, bad


def _convert_collecting(path: Path, slug: str, root: Path):
    """A chapter's Markdown converted as book.convert_chapter converts it, its problems collected in the
    ChapterState (all of them: convert_chapter stops at the first): (body, body line, state)."""
    from .book import read_text, split_blocks, split_front_matter
    from .markdown_ext import ChapterState, new_markdown
    from .sandbox import Sandbox

    text = read_text(path, Sandbox(root))  # as the loader reads it: through the sandbox, UTF-8, no BOM
    meta, body, body_line = split_front_matter(text, path)
    state = ChapterState(slug=slug, chapter_path=path, root=root, role=str(meta.get("role", "chapter")))
    state.ids.extend([slug, f"{slug}--title"])
    md = new_markdown(state)
    for block in split_blocks(body, path, body_line):
        md.reset().convert(block[2])
    return body, body_line, state


class _Occurrences:
    """Lines of a chapter body's texts in order: the k-th time a text is asked for, the line of its k-th
    occurrence (the last one when there are fewer); the body's first line when it does not occur."""

    def __init__(self, body: str, first_line: int):
        self.body, self.first_line, self.asked = body, first_line, {}

    def line(self, *needles: str) -> int:
        for needle in needles:
            starts = [m.start() for m in re.finditer(re.escape(needle), self.body)] if needle else []
            if starts:
                index = self.asked[needle] = self.asked.get(needle, -1) + 1
                return self.first_line + self.body.count("\n", 0, starts[min(index, len(starts) - 1)])
        return self.first_line


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
    return config_line(config, dotted) or 0


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
    sandbox = Sandbox(book.root)
    sandbox.check_file(path)
    if path.stat().st_size > JARGON_BYTES:
        raise InputError(f"the jargon list is over {JARGON_BYTES // 1000} kB: keep it to the terms a patient "
                         "may not know", path)
    try:
        text = sandbox.read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the jargon list is not UTF-8 text", path) from None
    terms = []
    for raw in text.splitlines():
        term = raw.split("#", 1)[0].strip()
        if term and term not in terms:
            terms.append(term)
    return terms, _relative(path, book.root)


JARGON_BYTES = 1_000_000
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
# How a sentence defines a term X; {t} is the term. A form with a test has its text checked (see `defines`).
_DEFINING = (
    ("parenthesis", r"{t}{m}\s*\(([^()]*)\)?"),                          # X (what it is)
    ("", r"\(\s*{m}{t}{m}\s*\)"),                                        # what it is (X)
    ("is", r"{t}{m},?\s+(?:is|are|means|mean|refers to|stands for)\b(.*)"),  # X is ..., X means ...
    ("", r"\b(?:called|known as|named)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}{m}{t}"),  # called (the NMDA) X
    ("", r"{t}{m}\s*[:\u2013\u2014]\s"),                                 # X: what it is
    ("", r"{t}{m},\s+(?:an?|the)\s+\w"),                                 # X, a thing that ...
)
# "... a long word", "... a hard term doctors use": about the word itself, not what it means.
_ABOUT_THE_WORD = re.compile(
    r"^[\s*_\"“]*(?:(?:an?|the|just|only|one|another|very|really|quite|rather|so|too)\s+)*(?:[\w-]+\s+){0,2}?"
    r"(?:word|term|name|phrase|expression|abbreviation|acronym|label)s?\b(?!\s+(?:for|of|that\s+means|"
    r"which\s+means|meaning|describing|that\s+describes|used\s+for|to\s+describe)\b)", re.I)


def _abbreviation(term: str) -> bool:
    return bool(re.fullmatch(r"[A-Z0-9-]+", term) and re.search(r"[A-Z]", term))


def expands(short: str, long: str) -> bool:
    """Whether `long` spells out the abbreviation `short`: its letters in order, the first one starting a
    word ("IV" in "intravenous", "NMDA" in "N-methyl-D-aspartate", "CBT" in "cognitive behavioral therapy")."""
    letters, text = [c for c in short.lower() if c.isalnum()], long.lower().strip()
    at = len(text) - 1
    for index in range(len(letters) - 1, -1, -1):
        while at >= 0 and (text[at] != letters[index] or (index == 0 and at > 0 and text[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return False
        at -= 1
    return bool(letters)


def _explains(written: str, term: str) -> bool:
    """What a parenthesis or "stands for" gives is an explanation: two words or more, or the abbreviation's
    expansion."""
    words = _WORD.findall(prose(written))
    return len(words) >= 2 or (len(words) == 1 and _abbreviation(term) and expands(term, words[0]))


def defines(sentence: str, term: str) -> bool:
    """Whether a sentence defines a term it uses ("X is ...", "called X", "X (...)", "(X)", "X: ..."): "X (...)"
    only with an explanation in it (`_explains`), "X is ..." only when not about the word itself ("X is a long
    word")."""
    t = term_regex(term)
    for test, pattern in _DEFINING:
        for match in re.finditer(pattern.format(t=t, m=_MARK), sentence, re.I):
            if test == "parenthesis" and not _explains(match.group(1) or "", term):
                continue
            if test == "is" and _ABOUT_THE_WORD.match(match.group(1)):
                continue
            return True
    return False


# A sentence right after the first use that explains it: "That means ...", "This is a ...", "It stands for ...".
_FOLLOWING_DEFINITION = re.compile(r"^[*_\"“]*(?:That|This|It)\s+(?P<opener>means|is short for|stands for|is an?)"
                                   r"\b(?P<rest>.*)", re.S)


def follows_with_definition(sentence: str, term: str) -> bool:
    """Whether a sentence right after a term's first use explains it: "That means", "This is a", "It is a"
    with at least 4 words after the opener that are not about the word itself ("It is a long word doctors
    use"); "It stands for" or "It is short for" with an explanation (`_explains`)."""
    match = _FOLLOWING_DEFINITION.match(sentence)
    if not match:
        return False
    if match["opener"] in {"is short for", "stands for"}:
        return _explains(match["rest"], term)
    return len(_WORD.findall(match["rest"])) >= 4 and not _ABOUT_THE_WORD.match(match["rest"])


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
               if unit.kind != "title" for line, text in sentences(unit)]
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
                bool(following) and (defines(following, term) or follows_with_definition(following, term)))
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


def _statistic(sentence: str) -> str | None:
    """The first statistic in a sentence, as written; None when it has none."""
    for pattern in STATISTICS:
        match = pattern.search(sentence)
        if match:
            return (match.group("stat") if "stat" in pattern.groupindex else match.group(0)).strip()
    return None


def _number(written: str) -> float:
    """A number written in digits or in words ("12.5", "twenty-five", "a hundred")."""
    if written[0].isdigit():
        return float(written.replace(",", ""))
    words = re.split(r"[\s-]+", written.lower())
    return 100.0 if words[-1] == "hundred" else float(sum(_WORD_VALUES[w] for w in words))


_CAPTION = re.compile(r"^(?:Table|Source|Sources|Note)\s*:|^This\s+table\b", re.I)


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


def check_numbers(book, today) -> list[Finding]:
    """A sentence with a percentage or a statistic needs a citation in that sentence; only a list's lead-in
    sentence, a table's sentence before it or caption, and for a heading or box title the first sentence under
    it, stand in for it (`_sources_beside`). Percentages also get a hint to use whole numbers."""
    found = []
    for chapter in book.chapters:
        path = _chapter_path(chapter, book)
        for unit in units(chapter):
            beside = _sources_beside(unit)
            for line, sentence_text in sentences(unit):
                text = prose(sentence_text)
                statistic = _statistic(text)
                cited = CITATION.search(beside) or (unit.kind != "title" and CITATION.search(sentence_text))
                if statistic and not cited:
                    place = {"heading": " in a heading", "title": " in a box title"}.get(unit.kind, "")
                    found.append(Finding("numbers", "error", path, line,
                                         f"'{statistic}'{place} is a number a patient will rely on, with no "
                                         "citation", _WHERE_TO_CITE[unit.kind]))
                for match in PERCENT.finditer(text):
                    found.append(Finding("numbers", "info", path, line,
                                         f"'{match.group(0)}': whole numbers read more easily than percentages",
                                         f"say \u201c{_out_of(_number(match.group(1)))}\u201d"))
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
    """Every reference is cited somewhere. (A citation of a missing reference stops loading; `check` then
    reports every such citation: `source_problems`.)"""
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

_HREF = re.compile(r'\bhref="([^"]*)"')
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def check_links(book, today) -> list[Finding]:
    """Web, mail and phone links in the chapters, and the sources' addresses and DOIs, are well formed (no
    network access). Links inside the book are checked when it loads (`source_problems`)."""
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
    loading; `check` then reports each: `source_problems`)."""
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
