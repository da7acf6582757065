"""Running the checks: every rule of the registry over a loaded Book (`run_checks`, also the build's gate), and
over a project (`check_project`, `publish.py check`), which loads the book collecting every problem
(`book.load_book(collect=True)`) and reports those too."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from handout.check.findings import ChecksFailed, Finding, exit_status, sort_findings
from handout.check.input import rule_name_findings, warning_findings
from handout.check.registry import REGISTRY, applied
from handout.check.review import review_findings
from handout.check.translations import status_findings
from handout.config.languages import language_config, review_problem
from handout.config.settings import CONFIG_NAME, Config, config_line, load_config, source_date_epoch
from handout.core.codes import REPORTED_AS_FINDINGS
from handout.core.errors import InputError

# What stops the book from loading at its first occurrence (the build) but `check` reports as error findings of
# their rules (exit status 1), declared with every code in core/codes.py.
FINDING_CODES = REPORTED_AS_FINDINGS


def check_date() -> dt.date:
    """The day the review dates are checked against: SOURCE_DATE_EPOCH when set (reproducible runs and
    tests), otherwise today."""

    moment = source_date_epoch()  # InputError when it is not a usable time
    return moment.date() if moment else dt.date.today()


def run_checks(book, today: dt.date, lay_out: Callable | None = None) -> list[Finding]:
    """Every rule over a loaded book, as publish.toml's `[check.rules]` wants it, in report order. The rules that
    lay out a print edition (the desk sheet's fit) are given `lay_out` (`(book, edition) -> (message, file,
    line) | None`, from the PDF target); without it they do not run (the build's gate: the build lays out)."""
    findings: list[Finding] = []
    for entry in REGISTRY.values():
        if entry.layout and lay_out is None:
            continue
        found = entry.function(book, today, lay_out) if entry.layout else entry.function(book, today)
        findings.extend(applied(entry.name, found, book.config))
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


def check_project(root: Path, today: dt.date | None = None, lay_out: Callable | None = None) -> CheckRun:
    """Load the project as the build does, collecting every problem, and run every check. Bad input (what
    stops a build with exit status 2) becomes error findings of its own; but when the book does not load
    because of citation keys, images or links (`FINDING_CODES`), every problem is reported, each at its
    line, with the review date: `unloaded_run`."""
    from handout.load.book import BookProblems, load_book

    root = root.resolve()
    config = None
    try:
        today = today or check_date()
        config = load_config(root)
        book = load_book(config, collect=True)
        run = CheckRun(run_checks(book, today, lay_out), config, today, False)
    except BookProblems as problems:
        run = unloaded_run(config, problems, today)
    except InputError as error:
        return CheckRun([Finding.of(error.diagnostic, root)], config, today, True)
    for language in config.translations:  # each translation is a handout of its own, checked as the build does
        run = _merged(run, _check_translation(config, language, today, lay_out))
    return run


def _check_translation(config: Config, language: str, today: dt.date, lay_out: Callable | None) -> CheckRun:
    from handout.load.book import BookProblems, load_book

    # Every gap of a translation in one report: its words (crisis lines), its chapters (missing, out of date),
    # what stops its book from loading (figures), its reviewer.
    gaps: list[InputError] = []
    try:
        own = language_config(config, language, gaps)
    except InputError as error:
        return CheckRun([Finding.of(error.diagnostic, config.root)], config, today, True)
    gap_findings = [Finding.of(error.diagnostic, config.root) for error in gaps]
    # `new` in a library writes the source's title for the translator to replace (en-GB may keep en-US's).
    if own.title == config.title and language.split("-")[0].lower() != config.language.split("-")[0].lower():
        gap_findings.append(Finding("translation", "warning", CONFIG_NAME,
                                    config_line(config, f"languages.{language}.title") or 0,
                                    f"the {language} title is the {config.language} one, word for word: "
                                    f"'{own.title}'", f"translate it: title = \"...\" in [languages.{language}]",
                                    code="config.translation-words"))
    problem = review_problem(own)
    if problem is not None:  # the build refuses it; say so here too
        gap_findings.append(Finding.of(problem.diagnostic, config.root))
    chapters = status_findings(config.root, language)
    if chapters and all(finding.code == "translation.missing" for finding in chapters):
        # Not started: no chapter of it written yet, so there is no book to load. Each chapter is missing (a
        # warning, as `handout status` lists it), and a final build of the language stops at them.
        return CheckRun([*gap_findings, *chapters], own, today, bool(gaps))
    try:
        book = load_book(own, collect=True)
    except BookProblems as problems:
        run = unloaded_run(own, problems, today)
        return _merged(run, CheckRun([*gap_findings, *chapters], own, today, bool(gaps)))
    except InputError as error:
        return CheckRun([Finding.of(error.diagnostic, config.root), *gap_findings], config, today, True)
    found = run_checks(book, today, lay_out)
    # The source's review dates and publish.toml's keys are the source's findings: not twice.
    found = [finding for finding in found if not (finding.rule == "review" and finding.code != "review.translation")
             and not (finding.rule == "input" and finding.path == "publish.toml")]
    return CheckRun([*found, *gap_findings], own, today, bool(gaps))


def translation_refusal(config: Config, language: str, today: dt.date, error: InputError) -> InputError:
    """Why a translation that does not load is not built: every gap `check` finds in it at once (its missing
    and out-of-date chapters among them), or `error` itself when the check finds nothing more."""
    run = _check_translation(config, language, today, None)
    chapters = ("translation.missing", "translation.out-of-date", "translation.unmarked")
    errors = [replace(f, level="error") if f.code in chapters else f for f in run.findings
              if f.level == "error" or f.code in chapters]
    if errors and error.code not in {f.code for f in errors}:  # what the check does not look for (a font's coverage)
        errors.append(Finding.of(error.diagnostic, config.root))
    return ChecksFailed(sort_findings(errors)) if len(errors) > 1 else error


def _merged(run: CheckRun, other: CheckRun) -> CheckRun:
    return CheckRun(sort_findings(list(dict.fromkeys([*run.findings, *other.findings]))), run.config, run.today,
                    run.bad_input or other.bad_input)


def unloaded_run(config: Config, problems, today: dt.date) -> CheckRun:
    """The report when the book did not load (`book.BookProblems`): its problems as error findings with the
    loader's warnings and notes (what it made of pasted lists, a repeated title: all of a chapter's problems
    at once); when some are in FINDING_CODES, also the review date, and the rules that need the loaded book
    say that they did not run."""
    found = [Finding.of(diagnostic, config.root) for diagnostic in problems.diagnostics]
    bad = [finding for finding in found if finding.code not in FINDING_CODES]
    notes = applied("input", warning_findings(problems.notes, config.root), config)
    if len(bad) == len(found):
        return CheckRun(sort_findings(list(dict.fromkeys([*bad, *notes]))), config, today, True)
    waiting = Finding("input", "info", "chapters", 0, "reading level, jargon, numbers, structure, links and "
                      "images are checked once the book loads: fix the errors in this report first",
                      code="input.not-loaded")
    findings = [*review_findings(config, today), *notes, *applied("input", rule_name_findings(config), config),
                *found, waiting]
    return CheckRun(sort_findings(list(dict.fromkeys(findings))), config, today, bool(bad))
