"""input: the loader's own warnings (unknown keys in publish.toml and in front matter, files in chapters/ that
are no chapter, pasted or foreign Markdown printed otherwise than typed), its info findings (what it made of
pasted text: `handout/load/pasted.py`) and rule names in `[check.rules]` that are no rule. What stops the book from loading is
reported from the loader's Diagnostics (`project.check_project`)."""
from __future__ import annotations

from handout.check.findings import Finding
from handout.check.registry import REGISTRY, rule, unknown_rules
from handout.config.settings import CONFIG_NAME, config_line


@rule("input", levels=("error", "warning", "info"), doc="""whatever else stops the book from loading (bad input,
      exit 2), such as footnotes (`input.footnote`), `~~strikethrough~~` (`input.strikethrough`), a citation it
      cannot read (`citations.syntax`) or an unknown `&name;` (`input.entity`); unknown keys in `publish.toml` or
      in front matter (warning); text Markdown would print as code, indented (`input.indented-text`) or fenced
      (`input.code-fence`), printed as paragraphs, and a level-1 heading (`input.heading-level-1`) printed as a
      section, or left out when it repeats the title (`input.title-repeated`) (warning); pasted bullets and
      `1)<tab>` numbering read as lists (`input.pasted-list`), `[@a, @b]` read as `[@a; @b]`
      (`input.citation-commas`), inline code printed as text (`input.inline-code`) (info)""")
def check_input_warnings(book, today) -> list[Finding]:
    """Unknown keys in publish.toml and in front matter, and what the loader made of pasted or foreign text:
    the loader warns (or notes it, at info level); so does the report. (Uncited references, also a loader
    warning, are reported by the citations rule.)"""
    return [*warning_findings((*book.warnings, *book.infos), book.root),
            *rule_name_findings(book.config, book.source)]


def warning_findings(warnings, root) -> list[Finding]:
    """The loader's warnings (errors.Note) that no other rule reports, as findings."""
    found = []
    for warning in warnings:
        diagnostic = getattr(warning, "diagnostic", None)
        if diagnostic is None:  # a plain text warning: the whole project's
            found.append(Finding("input", "warning", ".", 0, str(warning)))
            continue
        finding = Finding.of(diagnostic, root)
        if finding.rule == "input":
            found.append(finding)
    return found


def rule_name_findings(config, source=None) -> list[Finding]:
    """A name in `[check.rules]` that is no rule: a warning at its line (an older toolchain may not know a
    newer rule)."""

    found = []
    for name in unknown_rules(config):
        dotted = f"check.rules.{name}"
        line = (source.config_line(dotted) if source is not None else config_line(config, dotted)) or 0
        found.append(Finding("input", "warning", CONFIG_NAME, line,
                             f"unknown rule '{name}' in check.rules (ignored)",
                             f"the rules are: {', '.join(REGISTRY)}", code="config.unknown-rule"))
    return found
