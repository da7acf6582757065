"""`handout status`: the review dashboard of a library (or of one handout), read from the sources only.

One row per handout and language: when it was last reviewed and when the next review is due (overdue, due
within `check.review_warning_days`, or due later), whether a translation is up to date with its source, out of
date or missing, whether it has its reviewer, and whether it is a sample or a draft. No chapter is laid out or
converted, so it takes a fraction of a second per handout.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from handout.config.settings import Config, load_config
from handout.config.languages import language_config, languages
from handout.load.translations import EXTRA, MISSING, OUT_OF_DATE, UP_TO_DATE, statuses

OVERDUE, DUE_SOON, CURRENT = "overdue", "due soon", "current"
SOURCE = "source"


@dataclass(frozen=True)
class StatusRow:
    handout: str
    language: str
    title: str
    last_reviewed: str
    next_review_due: str
    review: str          # OVERDUE, DUE_SOON or CURRENT
    days_left: int       # negative when overdue
    translation: str     # SOURCE, or the translation's UP_TO_DATE / OUT_OF_DATE / MISSING
    reviewer: str        # who reviewed it ("" when nobody has)
    stage: str           # "sample", "draft" (no reviewer yet) or "final"

    @property
    def stale(self) -> bool:
        """What `--strict` refuses: an overdue review, or a translation behind its source or missing."""
        return self.review == OVERDUE or self.translation in (OUT_OF_DATE, MISSING)

    def problems(self) -> list[str]:
        found = []
        if self.review == OVERDUE:
            found.append(f"review overdue since {self.next_review_due}")
        if self.translation in (OUT_OF_DATE, MISSING):
            found.append(f"translation {self.translation}")
        return found


def translation_state(root: Path, tag: str) -> str:
    """A translation's state: MISSING when none of its chapters is translated, OUT_OF_DATE when any is behind
    its source or missing, else UP_TO_DATE."""
    found = [status.status for status in statuses(root, tag) if status.status != EXTRA]
    if not found or all(status == MISSING for status in found):
        return MISSING
    return UP_TO_DATE if all(status == UP_TO_DATE for status in found) else OUT_OF_DATE


def handout_rows(name: str, config: Config, today: dt.date) -> list[StatusRow]:
    rows = []
    review = config.review
    days = (review.next_review_due - today).days
    state = OVERDUE if days < 0 else DUE_SOON if days <= config.check.review_warning_days else CURRENT
    for tag in languages(config):
        own = language_config(config, tag)
        if tag == config.language:
            translation, reviewer = SOURCE, review.reviewed_by
        else:
            translation, reviewer = translation_state(config.root, tag), dict(own.translation).get("reviewed_by", "")
        stage = "sample" if config.sample else "final" if reviewer else "draft"
        rows.append(StatusRow(name, tag, own.title, review.last_reviewed.isoformat(),
                              review.next_review_due.isoformat(), state, days, translation, reviewer, stage))
    return rows


def library_rows(roots: dict[str, Path], today: dt.date) -> list[StatusRow]:
    """The rows of each handout (name -> its folder), in order."""
    return [row for name, root in roots.items() for row in handout_rows(name, load_config(root), today)]


FIELDS = tuple(StatusRow.__dataclass_fields__)


def as_json(rows: list[StatusRow], today: dt.date) -> str:
    return json.dumps({"today": today.isoformat(), "rows": [{**asdict(row), "stale": row.stale} for row in rows],
                       "stale": sum(row.stale for row in rows)}, indent=2, ensure_ascii=False)


def as_csv(rows: list[StatusRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([getattr(row, name) for name in FIELDS])
    return out.getvalue()


def print_table(rows: list[StatusRow], today: dt.date, file=None) -> None:
    """The dashboard as a table in the terminal (rich); plain columns when the output is not a terminal."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Review status on {today.isoformat()}", title_justify="left")
    for column in ("handout", "language", "last reviewed", "next review due", "review", "translation",
                   "reviewer", "stage"):
        table.add_column(column)
    style = {OVERDUE: "bold red", DUE_SOON: "yellow", OUT_OF_DATE: "bold red", MISSING: "bold red"}
    for row in rows:
        due = f"{row.review} ({-row.days_left} days ago)" if row.review == OVERDUE else \
            f"{row.review} (in {row.days_left} days)"
        table.add_row(row.handout, row.language, row.last_reviewed, row.next_review_due,
                      f"[{style[row.review]}]{due}[/]" if row.review in style else due,
                      f"[{style[row.translation]}]{row.translation}[/]" if row.translation in style else row.translation,
                      row.reviewer or "[bold red]none[/]", row.stage)
    console = Console(file=file)
    if not console.is_terminal:
        console = Console(file=file, width=160)  # piped: whole rows, not the 80 columns of a guess
    console.print(table)
