"""The reports of `publish.py check`: text for people, JSON for CI (README "Checks" documents its shape)."""
from __future__ import annotations

import datetime as dt

from handout.check.findings import Finding, counts
from handout.config.settings import Config

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


