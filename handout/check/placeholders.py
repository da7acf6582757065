"""placeholders: the stand-in values of the repository's sample and of `publish.py new` (a 555 phone number,
example.org addresses, "Sample ..." clinic names, "(sample)" reviewers, a 00000 ZIP code, the sample's own
identifier) must never be printed as final. In a project marked `sample = true` every page already says it
is a sample, so they are info findings there; otherwise each is an error at its key and line, and the build
refuses to print the handout."""
from __future__ import annotations

import re

from handout.check.findings import Finding, relative
from handout.check.registry import rule
from handout.check.source import chapter_path, source_line
from handout.config.settings import CONFIG_NAME, SCHEMA
from handout.config.schema import Table

# Each stand-in: what it looks like, and what it is called in the message.
PLACEHOLDERS = (
    (re.compile(r"\(555\)|(?<![\d-])555[-. ]\d"), "a 555 phone number (kept for fiction)"),
    (re.compile(r"\bexample\.(?:org|com|net)\b", re.IGNORECASE), "an example.org or example.com address"),
    (re.compile(r"^Sample\b"), "a \"Sample ...\" name"),
    (re.compile(r"\(sample\)", re.IGNORECASE), "a \"(sample)\" name"),
    (re.compile(r"(?<!\d)00000(?!\d)"), "a 00000 ZIP code"),
)

# The identifier of the repository's default handout: a copy of it makes two handouts one book to a reader.
SAMPLE_IDENTIFIER = "urn:uuid:420243d3-bc9b-5d33-9f07-bbd3bed721af"

FIX = "replace it with the clinic's real details before giving the handout to patients"
IN_A_SAMPLE = "fine in a sample (every page says SAMPLE); replace it, then remove `sample = true` from publish.toml"


@rule("placeholders", levels=("error", "warning", "info"), doc="""a stand-in value of the sample or of
      `publish.py new` still in `publish.toml`, `references.yaml` or a chapter's links: a 555 phone number, an
      `example.org` or `example.com` address, a "Sample ..." name, a "(sample)" reviewer, a 00000 ZIP code
      (error; info in a project with `sample = true`, whose every page says SAMPLE); the default handout's
      identifier copied (warning; info in a sample)""")
def check_placeholders(book, today) -> list[Finding]:
    sample = book.config.sample
    level = "info" if sample else "error"
    hint = IN_A_SAMPLE if sample else FIX
    found = []
    for dotted, value in setting_values(book.config):
        what = placeholder_in(value)
        if what:
            found.append(Finding("placeholders", level, CONFIG_NAME, book.source.config_line(dotted) or 0,
                                 f"'{dotted}' holds a placeholder, {what}: {_shown(value)}", hint,
                                 code="placeholders.setting"))
    if book.config.identifier.lower() == SAMPLE_IDENTIFIER:
        found.append(Finding("placeholders", "info" if sample else "warning", CONFIG_NAME,
                             book.source.config_line("identifier") or 0,
                             "'identifier' is the repository's sample's: each handout needs its own",
                             "make one with `publish.py new` or python -c \"import uuid; print(uuid.uuid4())\" "
                             "and write identifier = \"urn:uuid:<it>\"", code="placeholders.identifier"))
    references = relative(book.source.references_path, book.root)
    for reference in book.references:
        for value in (reference.url, *reference_names(reference)):
            what = placeholder_in(value or "")
            if what:
                found.append(Finding("placeholders", level, references, book.source.reference_line(reference.key) or 0,
                                     f"reference '{reference.key}' holds a placeholder, {what}: {_shown(value)}",
                                     "cite a real source" if not sample else IN_A_SAMPLE,
                                     code="placeholders.reference"))
                break
    for chapter in book.chapters:
        seen = set()
        for block in chapter.blocks:
            for href in re.findall(r'\bhref="([^"]*)"', block.html):
                if href in seen or not PLACEHOLDERS[1][0].search(href):
                    continue
                seen.add(href)
                found.append(Finding("placeholders", level, chapter_path(chapter, book), source_line(chapter, href),
                                     f"link '{href}' is a placeholder, {PLACEHOLDERS[1][1]}", hint,
                                     code="placeholders.link"))
    return found


def placeholder_in(value: str) -> str:
    """What kind of stand-in `value` holds ("a 555 phone number"), or ""."""
    for pattern, what in PLACEHOLDERS:
        if pattern.search(value):
            return what
    return ""


def setting_values(config, table: Table = SCHEMA, prefix: str = "", settings=None):
    """(dotted key, text) for every string setting of publish.toml (each clinic's too), in SCHEMA's order."""
    settings = config if settings is None else settings
    for key, option in table.items():
        if isinstance(option, Table):
            held = getattr(settings, option.attribute or key)
            for item in (held if isinstance(held, tuple) else (held,)):
                yield from setting_values(config, option, f"{prefix}{key}.", item)
            continue
        value = getattr(settings, key, None)
        for text in (value if isinstance(value, tuple) else (value,)):
            if isinstance(text, str):
                yield prefix + key, text


def reference_names(reference) -> tuple[str, ...]:
    return tuple(str(getattr(reference, name, "") or "") for name in ("authors", "publisher", "title"))


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return repr(value if len(value) <= 60 else value[:57] + "...")
