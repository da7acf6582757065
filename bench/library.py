#!/usr/bin/env python3
"""Benchmark: a library of handouts built by one `handout build`, against the same handouts built one by one.

    .venv/bin/python bench/library.py [--handouts 20] [--status-handouts 100] [--runs 1]

- a library of N short handouts (the sample library's "first weeks" handout, English, one clinic, the Letter
  PDF, the EPUB and the web page each), built cold by one `handout build` at its root, against the same N
  handouts as N separate projects, each built by its own `publish.py build` process, one after the other:
  the ratio of the wall times (goal: at most 0.6);
- `handout status --format json` on a library of 100 handouts, as a command (Python's start-up included) and
  in-process (goal: under 1 s).

Timings are wall-clock on this machine; nothing here is asserted by the tests.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "library" / "first-weeks"
PUBLISH = [sys.executable, str(REPO / "publish.py")]
TARGETS = {"library build vs one by one": ("<=", 0.6), "status on 100 handouts s": ("<", 1.0)}

SHARED = '''language = "en-US"
authors = ["Handout editorial team"]
publisher = "Sample Health Network"
sample = true

[print]
editions = ["letter"]

[clinic]
name = "Sample Clinic Portland"
phone = "(555) 010-0101"
'''


def own(index: int) -> str:
    return f'''title = "Starting a tablet: the first weeks ({index})"
identifier = "urn:uuid:00000000-0000-4000-8000-{index:012d}"
output_name = "handout-{index:03d}"

[review]
last_reviewed = 2026-11-01
next_review_due = 2027-11-01
reviewed_by = "Clinical review panel (sample)"
'''


def handout(folder: Path, index: int, standalone: bool) -> None:
    """One short handout: the sample's English chapters and, standalone, the library's references."""
    folder.mkdir(parents=True)
    shutil.copytree(SAMPLE / "chapters", folder / "chapters")
    if standalone:
        shutil.copy2(SAMPLE.parent / "references.yaml", folder / "chapters" / "references.yaml")
        shutil.copy2(SAMPLE.parent / "jargon.txt", folder / "chapters" / "jargon.txt")
        (folder / "publish.toml").write_text(_standalone(index))
    else:
        (folder / "publish.toml").write_text(own(index))


def _standalone(index: int) -> str:
    # The handout's own keys first, then the shared ones (review is a table: it must come after the top keys).
    top, _, tables = SHARED.partition("\n[print]")
    first, _, review = own(index).partition("\n[review]")
    return f"{first}{top}\n[review]{review}\n[print]{tables}"


def make_library(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "library.toml").write_text(SHARED + '\n[library]\ntitle = "Benchmark library"\n')
    shutil.copy2(SAMPLE.parent / "references.yaml", folder / "references.yaml")
    shutil.copy2(SAMPLE.parent / "jargon.txt", folder / "jargon.txt")
    for index in range(count):
        handout(folder / f"handout-{index:03d}", index, standalone=False)
    return folder


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1794700800"})
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)} in {cwd}\n{result.stderr[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handouts", type=int, default=20)
    parser.add_argument("--status-handouts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median reported)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-library-") as scratch:
        base = Path(scratch)
        together, apart = [], []
        for attempt in range(args.runs):
            library = make_library(base / f"library-{attempt}", args.handouts)
            together.append(run([*PUBLISH, "build"], library))
            separate = base / f"separate-{attempt}"
            for index in range(args.handouts):
                handout(separate / f"handout-{index:03d}", index, standalone=True)
            apart.append(sum(run([*PUBLISH, "--project", str(separate / f"handout-{index:03d}"), "build"], REPO)
                             for index in range(args.handouts)))
        one, each = statistics.median(together), statistics.median(apart)
        print(f"{args.handouts} handouts: one library build {one:.1f} s, one by one {each:.1f} s "
              f"({each / args.handouts:.2f} s each)")
        results["library build vs one by one"] = one / each
        big = make_library(base / "status", args.status_handouts)
        command = run([*PUBLISH, "status", "--format", "json"], big)
        sys.path.insert(0, str(REPO))
        from handout.library import load_library
        from handout.library.status import library_rows
        import datetime as dt

        start = time.perf_counter()
        loaded = load_library(big)
        rows = library_rows({name: loaded.handout(name) for name in loaded.handouts}, dt.date(2026, 11, 15))
        inside = time.perf_counter() - start
        print(f"status on {args.status_handouts} handouts ({len(rows)} rows): {command:.2f} s as a command, "
              f"{inside:.2f} s in-process")
        results["status on 100 handouts s"] = command
    for name, value in results.items():
        sign, goal = TARGETS[name]
        met = value <= goal if sign == "<=" else value < goal
        print(f"  {name:<32} {value:6.2f}   goal {sign} {goal}   {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
