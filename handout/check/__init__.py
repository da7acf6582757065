"""Editorial checks of a handout: what a patient handout most needs before it is printed.

`python publish.py check` and the build run these over the same `Book` the outputs are rendered from (never
over the outputs' text). Each rule is one module here that registers one function (`registry.rule`: its name,
levels, settings and documentation in one place) returning `Finding`s; nothing here prints or opens a file:
the rules read the Book (its chapters' Markdown source and blocks, its source map of publish.toml's and
references.yaml's lines, its jargon list).

- `registry`: the rules and `[check.rules]` of publish.toml (a rule off, or at another level);
- `findings`: a Finding (a rule's Diagnostic), the build's gate, --strict, the order and the exit status;
- `source`: a chapter's Markdown source as the rules read it (units, sentences, prose);
- `project`: running the rules over a Book or a project (the loader's problems, all of them, as findings);
- `report`: the text and JSON reports;
- one module per rule, in report order: input, reading_level, jargon, numbers, citations, structure, links,
  images, review, placeholders, sheet, translations.
"""
from __future__ import annotations

# The rules register themselves in this order, the order of the README's table and of the JSON's list.
# isort: off  (the order of registration is the order of the report)
from handout.check import (input, reading_level, jargon, numbers, citations, structure, links,  # noqa: F401
                           images, review, placeholders, sheet, translations)
# isort: on
from handout.check.findings import ChecksFailed, Finding, counts, exit_status, gate, sort_findings, strict
from handout.check.project import (FINDING_CODES, CheckRun, check_date, check_project, run_checks,
                                   translation_refusal, unloaded_run)
from handout.check.registry import REGISTRY, Rule, rule, rule_table
from handout.check.report import JSON_VERSION, report_json, report_text
from handout.check.review import review_findings
from handout.check.translations import translation_problems
from handout.core.errors import LEVELS
from handout.core.weburl import url_problem

RULES = tuple(REGISTRY)

__all__ = ["CheckRun", "ChecksFailed", "FINDING_CODES", "Finding", "JSON_VERSION", "LEVELS", "REGISTRY", "RULES",
           "Rule", "check_date", "check_project", "counts", "exit_status", "gate", "report_json", "report_text",
           "review_findings", "rule", "rule_table", "run_checks", "sort_findings", "strict", "translation_problems",
           "translation_refusal", "unloaded_run", "url_problem"]
