"""`publish.py new DIR`: a new handout project that builds at once with the built-in theme.

It writes `publish.toml` (a fresh identifier, today's review date, the next review a cycle later, a
placeholder clinic), three short sample chapters that show the parts of the format (key points in a box, a
section with a table and a checklist, the sources), `chapters/references.yaml` with one example entry, and
`chapters/jargon.txt`. It never writes into a folder that holds anything.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

from handout.config.settings import source_date_epoch
from handout.core.errors import CONTROL_CHARACTER, InputError

DEFAULT_REVIEW_MONTHS = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved on by `months`, on the last day of the month where that month is shorter (Jan 31 + 1:
    Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def today() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH sets (reproducible projects in tests)."""
    epoch = source_date_epoch()
    return epoch.date() if epoch is not None else dt.date.today()


def _quoted(text: str) -> str:
    """`text` as a quoted string: a JSON string is a valid TOML basic string and a valid YAML scalar."""
    return json.dumps(text, ensure_ascii=False)


def output_name_for(title: str) -> str:
    """A plain file name from a title: `Sleep After Surgery` -> `sleep-after-surgery`."""
    words = "".join(c.lower() if c.isascii() and c.isalnum() else " " for c in title).split()
    return "-".join(words)[:60].strip("-") or "handout"


def project_files(title: str, day: dt.date, review_months: int) -> dict[str, str]:
    """The files of a new project, by path relative to it."""
    identifier = f"urn:uuid:{uuid.uuid4()}"
    due = add_months(day, review_months)
    config = f"""# The handout's settings. Every key is documented in the toolchain's README ("Configuration").

title = {_quoted(title)}
subtitle = ""
language = "en-US"
authors = ["Your name or team"]
publisher = "Sample Clinic"
identifier = "{identifier}"
description = {_quoted(f"A plain-language patient handout: {title}.")}
rights = "You may copy and share this handout for patient education without changes."
output_name = "{output_name_for(title)}"
# A sample: every page says "SAMPLE" until the placeholders below (the clinic, the reviewer) are replaced. Then
# remove this line: `publish.py check` names each placeholder left, and the build refuses to print one.
sample = true
# Where patients can find this handout online: printed on the last page with a QR code.
# online_url = "https://www.example.org/handouts/{output_name_for(title)}"

[review]
last_reviewed = {day.isoformat()}
# The next clinical review, {review_months} months after the last: the build refuses to print the handout
# once this date has passed.
next_review_due = {due.isoformat()}
reviewed_by = "Name of the clinician who reviewed it (sample)"

[clinic]
name = "Sample Clinic"
address = \"\"\"1 Main Street
Your Town, ST 00000\"\"\"
phone = "(555) 010-0100"
website = "www.example.org"

[print]
# PDF editions: letter, a4, large-print, booklet, press. The first is dist/<output_name>.pdf.
editions = ["letter", "large-print"]
"""
    key_points = f"""---
title: {_quoted(title)}
short_title: Key points
---
::: key-points
- Say here the one thing a reader must remember.
- Keep each point short: one idea in each line.
- Tell readers what to do, and when to call the clinic.
:::

## What this handout is about

Write a short opening here. Say who the handout is for and what it helps
them decide or do. Use short words and short sentences.
"""
    steps = """---
title: What to do
---
## Before your visit

| What | When |
| --- | --- |
| Stop eating | The night before |
| Take your usual pills | In the morning, with a sip of water |

Most people need about one hour for the visit [@example].

::: checklist "Questions to ask your care team"
- [ ] How long will it take?
- [ ] Can I drive home after?
- [ ] Who do I call if I have a problem?
:::
"""
    sources = """---
title: Sources
role: sources
---
This handout is based on these sources.
"""
    references = """# One entry per source. Cite it in a chapter as [@example].
example:
  authors: "Health Agency"
  title: "Replace this with the title of your source"
  publisher: "Health Agency"
  year: 2026
  url: "https://www.example.org/your-source"
"""
    jargon = """# Medical words that a reader may not know, one a line. `publish.py check` asks that each one is explained
# where it is first used, or listed in a glossary chapter.
"""
    return {"publish.toml": config, "chapters/01-key-points.md": key_points, "chapters/02-what-to-do.md": steps,
            "chapters/03-sources.md": sources, "chapters/references.yaml": references,
            "chapters/jargon.txt": jargon}


def new_project(folder: Path, title: str = "Your Handout Title", review_months: int = DEFAULT_REVIEW_MONTHS
                ) -> list[Path]:
    """Make a new project in `folder` (which must not exist or be empty); returns the files written."""
    title = title.strip()
    if not title:
        raise InputError("--title must not be empty")
    if CONTROL_CHARACTER.search(title) or any(c in title for c in "\t\n\r"):  # the title is one line
        raise InputError("--title may not hold control characters or line breaks")
    if review_months < 1 or review_months > 120:
        raise InputError("--review-months must be between 1 and 120")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InputError("is not a folder: choose a new folder name", folder)
    if folder.is_dir() and any(folder.iterdir()):
        raise InputError("the folder is not empty: `new` makes a project only in a new or empty folder", folder)
    files = project_files(title, today(), review_months)
    written = []
    try:
        for name, text in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as out:
                out.write(text)
            written.append(path)
    except OSError as error:
        for path in written:  # no half-made project left behind
            path.unlink(missing_ok=True)
        raise InputError(f"cannot write the new project: {error.strerror or error}", folder) from None
    return written


def next_steps(folder: Path) -> str:
    """What to do after `new`, as the command prints it."""
    shown = os.path.relpath(folder)
    shown = shown if not shown.startswith("..") else str(folder)
    return (f"Made a new handout in {shown}/. Next:\n"
            f"  1. Edit {shown}/publish.toml (title, clinic, reviewer) and the chapters in {shown}/chapters/;\n"
            f"     until you delete its `sample = true` line, every page says SAMPLE.\n"
            f"  2. Check it:  handout --project {shown} check\n"
            f"  3. Build it:  handout --project {shown} build    (or `watch` for a live preview)")
