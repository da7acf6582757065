#!/usr/bin/env python3
"""Benchmark: each added language's cold build against English alone, and what it adds to English's build.

    .venv/bin/python bench/languages.py [--runs N] [--reading alone|added|both] [--language TAG ...]
                                        [--from PROJECT ...] [--empty-font-cache]

For each added language of the default handout (publish.toml's `translations`, or the tags given with
--language), two readings against a cold build of English alone, in alternating pairs (English, then the
language's builds, English, ...: on a shared machine every side of a pair sees the same load):

- alone: a cold build of the language alone / English alone;
- added: what the language costs inside one build of both, as a clinic builds (`--language en-US --language
  TAG`: one process, the imports and the shared work done once): (English + the language - English alone) /
  English alone.

With `--reading both` (the default) each pair is a round of three builds (English, the language, both) and
both readings share its English build. Every side makes the same outputs per language: the Letter PDF and the
EPUB (`--edition letter --no-web`). Cold means no build cache and no outputs, as in bench.py: the fonts cut to a book's characters
are kept in the user's cache folder between builds (README, "Languages"), and a cold build finds them there.
With --empty-font-cache each build gets an empty one (a fresh XDG_CACHE_HOME), so the language's fonts are cut
in its run, as on a machine's first build. Prints, per language, the min and median of the per-pair ratios
(language / English; added: the difference / English), the medians of each side and the Letter PDF's pages;
the goal is at most 0.9 for each language, in each reading.

--from PROJECT takes a translation that is not in this repository's translations/ from another copy of the
project (a folder with publish.toml and translations/<tag>/): each of its languages that this repository does
not have is copied, with its [languages.<tag>] table, into the temporary project measured here (nothing is
written in this repository). The code measured is always this repository's.

Timings are wall-clock on this machine; nothing here is asserted by the tests.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (PUBLISH, clean, compile_toolchain, copy_project, machine_line, pairs, pdf_pages,  # noqa: E402
                   timed)

GOAL = 0.9
SOURCE = "en-US"


def listed(config: Path) -> list[str]:
    return tomllib.loads(config.read_text(encoding="utf-8")).get("translations", [])


def language_table(config: Path, tag: str) -> str:
    """The [languages.<tag>] table of a publish.toml, as written (up to the next table or the end)."""
    text = config.read_text(encoding="utf-8")
    found = re.search(rf"(?ms)^\[languages\.{re.escape(tag)}\]\n.*?(?=^\[|\Z)", text)
    if found is None:
        raise SystemExit(f"{config}: no [languages.{tag}] table")
    return found.group(0)


def add_language(project: Path, other: Path, tag: str) -> None:
    """Copy `tag`'s translation and its [languages.<tag>] table from the project `other` into `project`."""
    shutil.copytree(other / "translations" / tag, project / "translations" / tag)
    config = project / "publish.toml"
    text = config.read_text(encoding="utf-8")
    tags = [*listed(config), tag]
    text = re.sub(r"(?m)^translations = \[.*\]$", "translations = [" + ", ".join(f'"{t}"' for t in tags) + "]",
                  text, count=1)
    config.write_text(text.rstrip("\n") + "\n\n" + language_table(other / "publish.toml", tag), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating pairs per language (default 5)")
    parser.add_argument("--language", action="append", default=[], metavar="TAG",
                        help="measure this added language (repeatable; default: every one publish.toml lists)")
    parser.add_argument("--from", dest="others", action="append", default=[], metavar="PROJECT", type=Path,
                        help="another copy of the project whose translations this one lacks (repeatable)")
    parser.add_argument("--reading", choices=("alone", "added", "both"), default="both",
                        help="the language built alone, added to English's build, or both (default)")
    parser.add_argument("--empty-font-cache", action="store_true",
                        help="an empty font cache for every build: the fonts are cut in each run")
    args = parser.parse_args()

    print(machine_line())
    compile_toolchain()
    rows = []
    with tempfile.TemporaryDirectory(prefix="handout-bench-languages-") as scratch:
        scratch = Path(scratch)
        handout = copy_project(scratch / "handout")
        for other in args.others:
            for tag in listed(other / "publish.toml"):
                if tag not in listed(handout / "publish.toml") and (other / "translations" / tag).is_dir():
                    add_language(handout, other.resolve(), tag)
        tags = args.language or listed(handout / "publish.toml")
        unknown = sorted(set(tags) - set(listed(handout / "publish.toml")))
        if unknown:
            raise SystemExit(f"not a language of the handout: {', '.join(unknown)} (add --from PROJECT)")
        runs = iter(range(10**6))
        pages: dict[str, int] = {}

        def cold(*built: str):
            def build() -> float:
                clean(handout)
                # an empty font cache: the cuts are made in this run
                env = {"XDG_CACHE_HOME": str(scratch / f"cache-{next(runs)}")} if args.empty_font_cache else None
                languages = [option for tag in built for option in ("--language", tag)]
                seconds = timed([*PUBLISH, "--project", str(handout), *languages, "--edition", "letter",
                                 "--no-web"], env=env)[0]
                for tag in built:
                    folder = handout / "dist" if tag == SOURCE else handout / "dist" / tag
                    pages[tag] = pdf_pages(folder / "ketamine-handout.pdf")
                return seconds
            return build

        readings = ("alone", "added") if args.reading == "both" else (args.reading,)
        for tag in tags:
            sides = {"alone": cold(tag), "added": cold(SOURCE, tag)}
            print(f"{tag}, Letter PDF + EPUB, cold: {SOURCE} alone / "
                  + " / ".join({"alone": f"{tag} alone", "added": f"{SOURCE} + {tag}"}[r] for r in readings),
                  flush=True)
            if not args.empty_font_cache:  # the fonts cut once, as any build before this one would have
                cold(tag)()
            measured = pairs(cold(SOURCE), sides[readings[0]], args.runs, *(sides[r] for r in readings[1:]))
            for column, reading in enumerate(readings, start=1):
                english = [pair[0] for pair in measured]
                own = [pair[column] for pair in measured]
                ratios = [(b if reading == "alone" else b - a) / a for a, b in zip(english, own)]
                rows.append((tag, reading, min(ratios), statistics.median(ratios), statistics.median(own),
                             statistics.median(english), pages[tag]))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{args.runs} alternating pairs each, against English alone ({pages.get(SOURCE)} pages), cold Letter "
          f"PDF + EPUB{', empty font cache' if args.empty_font_cache else ''}; alone: language / English, added: "
          f"(English + language - English) / English: ratio min / median, medians of each side, the language's "
          "pages\n")
    for tag, reading, low, middle, own, english, count in rows:
        verdict = "meets" if middle <= GOAL else "MISSES"
        print(f"  {tag:<8} {reading:<6} {low:5.2f} / {middle:5.2f}   {own:7.2f} s / {english:7.2f} s   "
              f"{count:3d} pages   {verdict} <= {GOAL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
