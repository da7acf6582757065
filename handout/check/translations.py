"""translation: a translated chapter whose source chapter changed since it was translated, or a source chapter
with no translation (`handout/load/translations.py` says which, from each translation's `source: file@digest`)."""
from __future__ import annotations

from pathlib import Path

from handout.check.findings import Finding
from handout.check.registry import rule

_SHOWN = 120  # longest new sentence quoted whole in a finding


def _quote(sentence: str) -> str:
    return f"\u201c{sentence if len(sentence) <= _SHOWN else sentence[:_SHOWN - 3] + '...'}\u201d"


def _mark_command(tag: str, name: str) -> str:
    return f"`publish.py translations mark {tag} {name.split('-', 1)[0]}`"


def status_findings(root: Path, tag: str, level: str = "warning") -> list[Finding]:
    """One finding per chapter of language `tag` that is out of date or missing (at `level`) or extra (a
    warning), naming the translation and its source, with the source's new sentences."""
    from handout.load.translations import EXTRA, MISSING, UP_TO_DATE, statuses

    found = []
    for status in statuses(root, tag):
        if status.status == UP_TO_DATE:
            continue
        if status.status == MISSING:
            found.append(Finding("translation", level, status.translation, 0,
                                 f"missing: {status.source} has no {tag} translation ({status.translation})",
                                 f"translate it into {status.translation} (with a front matter), then run "
                                 f"{_mark_command(tag, status.name)}", code="translation.missing"))
            continue
        if status.status == EXTRA:
            found.append(Finding("translation", "warning", status.translation, 0,
                                 f"extra: {status.translation} has no source chapter ({status.source})",
                                 "give it the file name of the chapter it translates, or remove it",
                                 code="translation.extra"))
            continue
        if status.reason:
            found.append(Finding("translation", level, status.translation, status.line,
                                 f"out of date: it {status.reason}, so which version of {status.source} it "
                                 "translates is not known",
                                 f"check it against {status.source}, then run {_mark_command(tag, status.name)}",
                                 code="translation.unmarked"))
            continue
        new = status.new_sentences
        if new:
            more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
            what = f"; new at {status.source}:{new[0][0]}: {_quote(new[0][1])}{more}"
        else:
            what = f"; {status.note}" if status.note else ""
        found.append(Finding("translation", level, status.translation, status.line,
                             f"out of date: {status.source} changed since this translation was made "
                             f"({status.recorded}, now {status.current}){what}",
                             f"translate the change (`publish.py translations` shows the changed paragraphs), then "
                             f"run {_mark_command(tag, status.name)}", code="translation.out-of-date"))
    return found


def translation_problems(root: Path, lang: str) -> list[Finding]:
    """What stops a final build of the language `lang`: each out-of-date or missing chapter, at error level (an
    extra chapter is a warning). A draft of that language builds anyway; the other languages are not concerned."""
    return status_findings(root, lang, level="error")


@rule("translation", levels=("warning",), doc="""in a translation (`translations/<tag>/chapters/`), a chapter
      whose source chapter changed since it was translated (its front matter's `source: NN-slug.md@digest` is not
      the source's digest now; the new sentences are quoted), a source chapter with no translation, or a
      translated chapter with no source chapter; a final build of that language stops at the first two, a
      draft does not""")
def check_translations(book, today) -> list[Finding]:
    """A translation's Book (its Config has a `source_language`): the status of its chapters. The source
    language's Book has nothing to report."""
    if not getattr(book.config, "source_language", ""):
        return []
    return status_findings(book.root, book.config.language)
