"""reading-level: each chapter's Flesch-Kincaid grade (SMOG and Coleman-Liau beside it) over its rendered
text, and the hardest sentences of a chapter over the limit."""
from __future__ import annotations

from .findings import Finding
from .registry import rule
from .source import chapter_path, locate


@rule("reading-level", levels=("error", "info"), settings=("reading_grade_max",), doc="""each chapter's
      Flesch-Kincaid grade (SMOG and Coleman-Liau beside it), over its rendered text as
      `handout/readability.py` measures it; over the limit is an error, and the chapter's sentences over the
      limit (or its 3 hardest) are listed at their lines (info). Within the limit: the grades, as info""")
def check_reading_level(book, today) -> list[Finding]:
    """Flesch-Kincaid grade of each chapter's rendered text (SMOG and Coleman-Liau beside it); over the
    limit is an error, and the chapter's hardest sentences are listed at their lines."""
    from ..readability import measure, plain_text_from_html  # costly import: only when chapters are read

    limit = book.config.check.reading_grade_max
    found = []
    for chapter in book.chapters:
        score = measure(plain_text_from_html("".join(block.html for block in chapter.blocks)))
        if not score.words:
            continue
        path = chapter_path(chapter, book)
        grade = score.flesch_kincaid_grade
        scores = (f"reading grade {_one(grade)} (Flesch-Kincaid; SMOG {_one(score.smog)}, Coleman-Liau "
                  f"{_one(score.coleman_liau)}; {score.words} words)")
        if round(grade, 1) <= limit:
            found.append(Finding("reading-level", "info", path, chapter.body_line, f"{scores}, limit {limit}",
                                 code="reading-level.grade"))
            continue
        found.append(Finding("reading-level", "error", path, chapter.body_line,
                             f"{scores} is over the limit of grade {limit} (check.reading_grade_max)",
                             "shorten the hardest sentences listed below first: fewer words per sentence, "
                             "and shorter words", code="reading-level.over-limit"))
        # The sentences over the limit on their own, hardest first (or the three hardest, when none is).
        for sentence, sentence_grade in [h for h in score.hardest if h[1] > limit] or score.hardest[:3]:
            shown = sentence if len(sentence) <= 120 else sentence[:117] + "..."
            found.append(Finding("reading-level", "info", path, locate(chapter, sentence),
                                 f"hard sentence (grade {_one(sentence_grade)}): \u201c{shown}\u201d",
                                 code="reading-level.hard-sentence"))
    return found


def _one(value: float) -> str:
    return f"{value:.1f}".replace("-0.0", "0.0")
