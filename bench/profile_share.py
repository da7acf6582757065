#!/usr/bin/env python3
"""Where one cold build's time goes: the project's own work against WeasyPrint and imports (cProfile).

    .venv/bin/python bench/profile_share.py [--code DIR] [--runs N]

Builds the default handout's Letter PDF and EPUB in English, in one process (`--jobs 1`), with no cache (after
one build that is not profiled, so that imports are left out), under cProfile, and prints the shares of its CPU
time: WeasyPrint's layout and writing (HTML.render, write_pdf), imports, and the rest, which is the project's own work (loading, checks, templates, the EPUB, the page map,
finishing the PDF's tags) with the library calls it makes. `--code DIR` profiles the toolchain in DIR (another
checkout, say the one before a change) on the same project. Nothing here is asserted by the tests.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# (file part, function name) whose cumulative time is WeasyPrint's layout and writing.
WEASYPRINT = (("weasyprint/__init__.py", "render"), ("weasyprint/document.py", "write_pdf"))
IMPORT = ("<frozen importlib._bootstrap>", "_find_and_load")
# The project's steps worth naming.
STEPS = ("load_book", "run_checks", "render_print", "render_epub", "render_epub_nav", "mark_pages",
         "page_start_words", "write_epub", "render_web", "finish_tags", "count_syllables", "spanish_syllables")


def profile(code: Path, runs: int) -> None:
    sys.path.insert(0, str(code))
    sys.path.insert(1, str(REPO / "bench"))
    from bench import copy_project

    from handout.build.run import build  # noqa: E402  (the toolchain under `code`)

    assert Path(sys.modules["handout.build.run"].__file__).is_relative_to(code), sys.modules["handout.build.run"].__file__
    os.environ["SOURCE_DATE_EPOCH"] = "1794700800"
    rows = []
    for run in range(runs + 1):  # the first run, not profiled, imports what the build needs
        with tempfile.TemporaryDirectory(prefix="handout-profile-") as scratch:
            project = copy_project(Path(scratch) / "handout")
            profiler = cProfile.Profile()
            if run:
                profiler.enable()
            build(project, jobs=1, editions=("letter",), languages_=("en-US",), skip={"web"})
            profiler.disable()
            shutil.rmtree(project / ".cache", ignore_errors=True)
            if run:
                rows.append(shares(pstats.Stats(profiler)))
    best = min(rows, key=lambda row: row["total"])
    print(f"toolchain: {code}  (best of {runs} runs by total CPU, after a run that imports the libraries)")
    total = best["total"]
    for name in ("WeasyPrint (render, write_pdf)", "imports", "the project's own work"):
        print(f"  {name:<34} {best[name]:6.2f} s  {best[name] / total:6.1%}")
    print(f"  {'total':<34} {total:6.2f} s")
    print("  the project's steps (cumulative, calls):")
    for name, (seconds, calls) in best["steps"].items():
        print(f"    {name:<32} {seconds:6.2f} s  {seconds / total:6.1%}  x{calls}")


def shares(stats: pstats.Stats) -> dict:
    total = stats.total_tt
    weasy = imports = 0.0
    steps: dict[str, tuple[float, int]] = {}
    for (filename, _, function), (_, calls, _, cumulative, _) in stats.stats.items():
        if any(filename.endswith(part) and function == name for part, name in WEASYPRINT):
            weasy += cumulative
        elif (filename, function) == IMPORT:
            imports += cumulative
        elif function in STEPS and "/handout/" in filename:
            seconds, count = steps.get(function, (0.0, 0))
            steps[function] = (seconds + cumulative, count + calls)
    return {"total": total, "WeasyPrint (render, write_pdf)": weasy, "imports": imports,
            "the project's own work": total - weasy - imports, "steps": dict(sorted(steps.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose toolchain is profiled")
    parser.add_argument("--runs", type=int, default=3, help="runs (the one with the least CPU is shown)")
    args = parser.parse_args()
    profile(args.code.resolve(), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
