"""review: the next clinical review date against the day of the check (`project.check_date`)."""
from __future__ import annotations

import datetime as dt

from handout.check.findings import Finding
from handout.check.registry import applied, rule
from handout.config.settings import CONFIG_NAME, Config, config_line


@rule("review", levels=("error", "warning", "info"), settings=("review_warning_days",), doc="""
      `review.next_review_due` has passed (error), is within the warning window (warning); otherwise the
      dates (info). Every report prints last reviewed and next review due""")
def check_review(book, today: dt.date) -> list[Finding]:
    """The next review date: passed is an error, within `review_warning_days` a warning; the dates always."""
    return review_dates(book.config, today, book.source.config_line("review.next_review_due") or 0)


def review_findings(config: Config, today: dt.date) -> list[Finding]:
    """The review rule over the configuration alone, as publish.toml's `[check.rules]` wants it (the build
    runs it even when nothing else changed, and `check` when the book does not load)."""
    line = config_line(config, "review.next_review_due") or 0
    return applied("review", review_dates(config, today, line), config)


def review_dates(config: Config, today: dt.date, line: int) -> list[Finding]:
    review = config.review
    left = (review.next_review_due - today).days
    dates = (f"last reviewed {review.last_reviewed.isoformat()}, next review due "
             f"{review.next_review_due.isoformat()}, checked on {today.isoformat()}")
    window = config.check.review_warning_days
    if left < 0:
        return [Finding("review", "error", CONFIG_NAME, line,
                        f"the clinical review is overdue by {-left} day{'s' * (-left != 1)} ({dates})",
                        "have the handout reviewed, then update review.last_reviewed and "
                        "review.next_review_due in publish.toml", code="review.overdue")]
    if left <= window:
        return [Finding("review", "warning", CONFIG_NAME, line,
                        f"the next clinical review is due in {left} day{'s' * (left != 1)} ({dates})",
                        "plan the review now; the build refuses to print the handout once the date has passed",
                        code="review.due-soon")]
    return [Finding("review", "info", CONFIG_NAME, line, f"{dates}: {left} days until the next review",
                    code="review.dates")]
