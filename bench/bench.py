#!/usr/bin/env python3
"""Benchmark: how fast a handout regenerates, against Pandoc and a bare WeasyPrint render.

    .venv/bin/python bench/bench.py [--runs N] [--quick]

Prints medians over several runs and the ratios the project aims for:

- cold build of the default handout (Letter PDF + EPUB, no cache) vs Pandoc making the same two files
  from the same Markdown (`--pdf-engine=weasyprint`), and vs a bare WeasyPrint render of the same HTML;
- a 100-chapter book: its per-chapter cost vs the 10-chapter handout's;
- a no-op rebuild;
- a one-chapter edit in watch mode (WeasyPrint already imported) to a new PDF, vs a bare render;
- all editions serial (--jobs 1) vs parallel;
- peak memory (largest resident set of the build's processes).

    .venv/bin/python bench/bench.py --pairs [--runs N]

measures the ratios of issue "lay out each document once" from alternating runs (A, B, A, B, ...: on a shared
machine both sides of a pair see the same load), and prints the min and median of the per-pair ratios:

- cold Letter PDF + EPUB in English (no cache) vs Pandoc making both from the same Markdown, and per printed page;
- `check` (English and Spanish, second run: the desk sheets' verdicts known) vs that cold Letter build;
- a no-op build vs `python -c pass` (Python's own start-up), from publish.py and from the `handout` command of a
  fresh environment where the toolchain is pip-installed (`--only installed`);
- in watch mode (the process alive, WeasyPrint imported), a one-paragraph edit to the new Letter PDF in dist/ vs
  a bare render of the same document, on the default handout and on a generated 100-chapter book.

    .venv/bin/python bench/bench.py --hostile

times only the hostile-Markdown shapes instead (no Pandoc needed, under a minute): each runaway shape of
tests/test_hostile_markdown.py converted at 30 kB and at the full 512 kB chapter limit (refused, or
converted, and how long that took), and the slowest shapes that stay within every limit.

Needs the `bench` extra: `.venv/bin/pip install -e ".[bench]"` (pypandoc-binary ships Pandoc itself).
Timings are wall-clock on this machine; nothing here is asserted by the tests.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PUBLISH = [PYTHON, str(REPO / "publish.py")]
TARGETS = {
    "cold vs pandoc": ("<=", 0.8),
    "cold vs pandoc, per page": ("<=", 0.8),
    "no-op rebuild s": ("<", 0.3),
    "watch edit vs bare render": ("<=", 1.3),
    "100-chapter per-chapter vs 10": ("<=", 1.2),
    "parallel speed-up": (">=", 1.6),
    "peak memory MB": ("<", 400),
    "both languages vs English alone": ("<=", 2.0),
}


def copy_project(destination: Path, chapters: Path | None = None) -> Path:
    """The repository's project (with its translations), or with other `chapters` (and no translation)."""
    destination.mkdir(parents=True)
    for name in ("publish.toml", "layouts", "assets"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, destination / name)
    shutil.copytree(chapters or REPO / "chapters", destination / "chapters")
    if chapters is None and (REPO / "translations").is_dir():
        shutil.copytree(REPO / "translations", destination / "translations")
    elif chapters is not None:
        config = destination / "publish.toml"
        config.write_text(re.sub(r"(?m)^translations = \[.*\]\n", "", config.read_text()))
    return destination


def timed(command: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr}")
    return elapsed, result


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(path).pages)


def median(values: list[float]) -> float:
    return statistics.median(values)


def clean(project: Path) -> None:
    shutil.rmtree(project / ".cache", ignore_errors=True)
    shutil.rmtree(project / "dist", ignore_errors=True)


def cold_build(project: Path, runs: int, *extra: str) -> float:
    times = []
    for _ in range(runs):
        clean(project)
        seconds, _ = timed([*PUBLISH, "--project", str(project), "--edition", "letter", *extra])
        times.append(seconds)
    return median(times)


def pandoc_build(project: Path, runs: int, out: Path) -> float:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    chapters = sorted(str(p) for p in (project / "chapters").glob("*.md"))
    env = {"PATH": f"{Path(PYTHON).parent}:{os.environ['PATH']}"}  # the venv's weasyprint command
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        timed([pandoc, *chapters, "--resource-path", str(project / "chapters"), "--metadata",
               "title=Handout", "--pdf-engine=weasyprint", "-o", str(out / "pandoc.pdf")], env)
        timed([pandoc, *chapters, "--resource-path", str(project / "chapters"), "--metadata",
               "title=Handout", "-o", str(out / "pandoc.epub")], env)
        times.append(time.perf_counter() - start)
    return median(times)


BARE_RENDER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from handout.load.book import load_book
from handout.config.settings import load_config
from handout.targets.pdf.render import render_print
project = Path({project!r})
config = load_config(project)
html = render_print(load_book(config, use_cache=False), config.clinic, "letter")
import weasyprint
times = []
for _ in range({runs}):
    start = time.perf_counter()
    weasyprint.HTML(string=html, base_url=project.as_uri() + "/").write_pdf({out!r}, pdf_variant="pdf/ua-1")
    times.append(time.perf_counter() - start)
print(sorted(times)[len(times) // 2])
"""


def bare_render(project: Path, runs: int, out: Path) -> float:
    """A bare WeasyPrint render of the same print HTML, WeasyPrint already imported (median seconds)."""
    code = BARE_RENDER.format(repo=str(REPO), project=str(project), runs=runs, out=str(out / "bare.pdf"))
    _, result = timed([PYTHON, "-c", code])
    return float(result.stdout.strip())


def bare_fresh_process(project: Path, out: Path):
    """A function timing one bare WeasyPrint render (PDF/UA-1) of the project's Letter print HTML in a fresh
    process, import included, as a command-line render would: the HTML is written once, before."""
    html_file = out / "handout.html"
    code = ("import sys; from pathlib import Path; sys.path.insert(0, %r)\n"
            "from handout.load.book import load_book; from handout.config.settings import load_config\n"
            "from handout.targets.pdf.render import render_print\n"
            "c = load_config(Path(%r)); Path(%r).write_text(render_print(load_book(c, use_cache=False), "
            "c.clinic, 'letter'))") % (str(REPO), str(project), str(html_file))
    timed([PYTHON, "-c", code])
    render = [PYTHON, "-c", "import weasyprint, sys; weasyprint.HTML(filename=sys.argv[1], "
              f"base_url={project.as_uri() + '/'!r}).write_pdf(sys.argv[2], pdf_variant='pdf/ua-1')",
              str(html_file), str(out / "bare-cold.pdf")]
    return lambda: timed(render)[0]


def bare_render_cold(project: Path, runs: int, out: Path) -> float:
    """A bare WeasyPrint render in a fresh process (import included), from an HTML file (median seconds)."""
    render = bare_fresh_process(project, out)
    return median([render() for _ in range(runs)])


WATCH_EDIT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from handout.build.run import build
from handout.config.settings import load_config
from handout.targets import PRINT, TARGETS
project = Path({project!r})
config = load_config(project)
main, source = config.print.editions[:1], [config.language]
pdf_only = set(TARGETS) - {{PRINT.name}}
build(project, jobs=1)                      # what `watch` does first
chapter = sorted((project / "chapters").glob("0*.md"))[1]
original = chapter.read_text()
times = []
for run in range({runs}):
    chapter.write_text(original + "\\nAn edit, number %d.\\n" % run)
    start = time.perf_counter()
    # save -> new PDF, as `watch` does (the source language's: the edit puts a translation behind it,
    # which the build of that language refuses until `translations mark`)
    report = build(project, jobs=1, editions=main, skip=pdf_only, languages_=source)
    times.append(time.perf_counter() - start)
    assert [o.path.name for o in report.outputs] == ["ketamine-handout.pdf"], report.outputs
    build(project, jobs=1, languages_=source)  # and the rest, after the PDF is there
chapter.write_text(original)
print(sorted(times)[len(times) // 2])
"""


def watch_edit(project: Path, runs: int) -> float:
    _, result = timed([PYTHON, "-c", WATCH_EDIT.format(repo=str(REPO), project=str(project), runs=runs)])
    return float(result.stdout.strip())


def make_long_book(destination: Path, chapters: int = 100) -> Path:
    """A book of `chapters` chapters cut from the default handout's text, plus its glossary and sources."""
    source = sorted((REPO / "chapters").glob("*.md"))
    body_chapters = [p for p in source if "role:" not in p.read_text().split("---")[1]]
    folder = destination / "chapters"
    folder.mkdir(parents=True)
    shutil.copy2(REPO / "chapters" / "references.yaml", folder / "references.yaml")
    for number in range(1, chapters + 1):
        text = body_chapters[(number - 1) % len(body_chapters)].read_text()
        text = re.sub(r"\]\((\d+-[a-z0-9-]+\.md)?#[^)]*\)", "]", text)   # in-book links point elsewhere now
        text = re.sub(r"\]\(\d+-[a-z0-9-]+\.md\)", "]", text)
        text = re.sub(r"(?m)^title: (.*)$", rf"title: \1 (part {number})", text, count=1)
        (folder / f"{number:03d}-part-{number}.md").write_text(text)
    for extra, path in enumerate(p for p in source if p not in body_chapters):
        shutil.copy2(path, folder / f"{chapters + 1 + extra:03d}-{path.name.split('-', 1)[1]}")
    return folder


def peak_memory(project: Path, *extra: str) -> float:
    """Largest resident set of the build and its workers, in MB (ru_maxrss of waited-for children)."""
    clean(project)
    code = ("import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    _, result = timed([PYTHON, "-c", code, *PUBLISH, "--project", str(project), *extra])
    return int(result.stdout.strip()) / 1024


def hostile_markdown() -> int:
    """Time every hostile shape's conversion in this process (the loader's own convert_chapter)."""
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    from test_hostile_markdown import FULL, KB, hostile_shapes, worst_accepted_shapes

    from handout.load.book import convert_chapter
    from handout.core.errors import InputError

    def convert(root: Path, body: str) -> tuple[float, str]:
        path = root / "chapters" / "01-x.md"
        path.write_text("---\ntitle: X\n---\n" + body + "\n", encoding="utf-8")
        start = time.perf_counter()
        try:
            convert_chapter(path, 1, "x", root)
            outcome = "converted"
        except InputError as error:
            outcome = f"refused at line {error.line}: {error.message[:60]}"
        return time.perf_counter() - start, outcome

    with tempfile.TemporaryDirectory(prefix="handout-hostile-") as scratch:
        root = Path(scratch)
        (root / "chapters").mkdir()
        rows = []
        for size in (30 * KB, FULL):
            for name, body in hostile_shapes(size).items():
                rows.append((f"{name} ({size // KB} kB)", *convert(root, body)))
        for name, body in worst_accepted_shapes().items():
            rows.append((f"worst accepted: {name} ({len(body.encode()) // KB} kB)", *convert(root, body)))
    width = max(len(name) for name, *_ in rows)
    for name, seconds, outcome in rows:
        print(f"  {name:<{width}}  {seconds:6.2f} s  {outcome}")
    refused = [seconds for _, seconds, outcome in rows if outcome.startswith("refused")]
    converted = [seconds for _, seconds, outcome in rows if outcome == "converted"]
    print(f"\n{len(rows)} conversions: {len(refused)} refused, slowest refusal {max(refused):.2f} s; "
          f"{len(converted)} converted, slowest {max(converted):.2f} s")
    return 0


# ---- alternating pairs (--pairs) -------------------------------------------------------------------------

PAIR_GOALS = {"cold Letter PDF + EPUB / Pandoc": 1.0, "  per printed page": 0.5,
              "check (en + es, sheets known) / cold Letter build": 0.3, "no-op build / python -c pass": 3.0,
              "watch edit / bare render, default handout": 0.3, "watch edit / bare render, 100-chapter book": 0.3,
              # what WeasyPrint alone takes, against the same goals: below them, no work of ours can meet them
              "  floor: bare WeasyPrint render of our print HTML, fresh process / Pandoc": 1.0,
              "  floor: parse, styles, drawing and writing every page / bare render": 0.3}


def pairs(first, second, runs: int, *more) -> list[tuple[float, ...]]:
    """`runs` pairs of (first(), second()) seconds, run alternately (each printed as it is measured); with `more`
    sides, each pair is a round of (first(), second(), *more()) in that order."""
    measured = []
    for _ in range(runs):
        measured.append(tuple(side() for side in (first, second, *more)))
        print(f"  pair {len(measured)}: {' / '.join(f'{s:.2f} s' for s in measured[-1])}", flush=True)
    return measured


def ratio_row(name: str, measured: list[tuple[float, float]], scale: float = 1.0) -> tuple[str, str, str, str]:
    ratios = [a / b * scale for a, b in measured]
    first, second = zip(*measured)
    goal = PAIR_GOALS.get(name)
    met = "" if goal is None else ("meets" if statistics.median(ratios) <= goal else "MISSES") + f" <= {goal}"
    return (name, f"{min(ratios):.2f} / {statistics.median(ratios):.2f}",
            f"{statistics.median(first):.2f} s / {statistics.median(second):.2f} s", met)


WATCH_PAIRS = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from handout.load.book import load_book
from handout.build.run import build
from handout.config.settings import load_config
from handout.targets.pdf.render import render_print
from handout.targets import PRINT, TARGETS
from handout.targets.pdf.relayout import LAST, kept_layouts
import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
project = Path({project!r})
config = load_config(project)
main, source = config.print.editions[:1], [config.language]
pdf_only = set(TARGETS) - {{PRINT.name}}
with kept_layouts():  # as `watch` builds the PDF an editor looks at: its layout kept
    build(project, jobs=1, languages_=source, editions=main, skip=pdf_only)   # what `watch` does first
chapter = sorted((project / "chapters").glob("0*.md"))[1]
original = chapter.read_text()
result = []
for run in range({runs}):
    chapter.write_text(original + "\\nAn edit, number %d.\\n" % run)
    start = time.perf_counter()
    with kept_layouts():
        report = build(project, jobs=1, editions=main, skip=pdf_only, languages_=source)  # save -> new PDF
    edit = time.perf_counter() - start
    print("  laid out " + LAST["how"], flush=True)
    assert [o.path.name for o in report.outputs] == ["ketamine-handout.pdf"], report.outputs
    html = render_print(load_book(config), config.clinic, main[0])
    start = time.perf_counter()
    parsed = weasyprint.HTML(string=html, base_url=project.as_uri() + "/")
    parse = time.perf_counter() - start
    document = parsed.render(pdf_variant="pdf/ua-1")
    laid_out = time.perf_counter()
    document.write_pdf({out!r}, pdf_variant="pdf/ua-1")
    written = time.perf_counter()
    # The floor of any edit under WeasyPrint 70: the new HTML parsed, the styles of the whole document
    # computed, every page drawn and written (the writer draws each page into the one PDF it makes).
    options = dict(weasyprint.DEFAULT_OPTIONS, pdf_variant="pdf/ua-1")
    again = weasyprint.HTML(string=html, base_url=project.as_uri() + "/")
    styled = time.perf_counter()
    Document._build_layout_context(again, FontConfiguration(), CounterStyle(), {{}}, options)
    styles = time.perf_counter() - styled
    result.append((edit, written - start, parse + styles + (written - laid_out)))
    print("  round %d: edit %.2f s / bare render %.2f s / its parse, styles and writing %.2f s"
          % (run + 1, *result[-1]), flush=True)
chapter.write_text(original)
print(result)
"""


def watch_pairs(project: Path, runs: int, out: Path) -> list[tuple[float, float, float]]:
    """Rounds of (the watch edit, a bare render of the same HTML, the part of that bare render no edit can skip
    under WeasyPrint 70: parsing, the whole document's styles, drawing and writing every page)."""
    import ast

    code = WATCH_PAIRS.format(repo=str(REPO), project=str(project), runs=runs, out=str(out / "bare-watch.pdf"))
    process = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(("  round", "  laid out")):
            print(line, end="", flush=True)
    if process.wait() != 0:
        raise SystemExit("the watch measurement failed")
    return ast.literal_eval(lines[-1].strip())


def installed_command(scratch: Path) -> tuple[Path, Path]:
    """`handout` and `python` of a fresh environment where the toolchain is installed as a user installs it (a
    wheel of this checkout, `pip install` of it), not from the checkout: its libraries borrowed from this
    environment (a .pth line), so that nothing is downloaded."""
    import site

    wheels, venv = scratch / "wheels", scratch / "venv"
    timed([PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet", "-w",
           str(wheels), str(REPO)])
    timed([PYTHON, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    purelib = timed([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])[1]
    (Path(purelib.stdout.strip()) / "borrowed-libraries.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    timed([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
           str(next(wheels.glob("handout-*.whl")))])
    return venv / "bin" / "handout", python


PAIR_GOALS["installed `handout build` no-op / python -c pass"] = 3.0
PAIR_SECTIONS = ("pandoc", "check", "noop", "installed", "watch", "long")


def compile_toolchain() -> None:
    """The toolchain's bytecode, written once as `pip install` writes it: with PYTHONDONTWRITEBYTECODE set (as
    on some shared machines), a checkout's modules would be compiled again in every process of every run, while
    the libraries (WeasyPrint for Pandoc too) were compiled when they were installed."""
    import compileall

    compileall.compile_dir(str(REPO / "handout"), quiet=1)


def machine_line() -> str:
    """The machine a run was measured on, and its load before the run."""
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def pair_ratios(runs: int, only: tuple[str, ...] = PAIR_SECTIONS) -> int:
    """The ratios of alternating runs (--pairs), of the sections in `only`."""
    print(machine_line())
    compile_toolchain()
    rows = []
    with tempfile.TemporaryDirectory(prefix="handout-bench-") as scratch:
        scratch = Path(scratch)
        out = scratch / "out"
        out.mkdir()
        handout = copy_project(scratch / "handout")
        letter = [*PUBLISH, "--project", str(handout), "--edition", "letter", "--language", "en-US", "--no-web"]

        def cold() -> float:
            clean(handout)
            return timed(letter)[0]

        def cold_keeping_sheets() -> float:
            """A cold Letter build (no chapters, no outputs, no build state), the sheets' verdicts kept for check."""
            sheets = scratch / "sheets"
            shutil.move(handout / ".cache" / "sheets", sheets)
            seconds = cold()
            (handout / ".cache").mkdir(exist_ok=True)
            shutil.rmtree(handout / ".cache" / "sheets", ignore_errors=True)
            shutil.move(sheets, handout / ".cache" / "sheets")
            return seconds

        def pandoc() -> float:
            return pandoc_build(handout, 1, out)

        if "pandoc" in only:
            bare_pdf = bare_fresh_process(handout, out)
            rounds = pairs(cold, pandoc, runs, bare_pdf)
            measured = [(ours, theirs) for ours, theirs, _ in rounds]
            rows.append(ratio_row("cold Letter PDF + EPUB / Pandoc", measured))
            pages = pdf_pages(handout / "dist" / "ketamine-handout.pdf") / pdf_pages(out / "pandoc.pdf")
            rows.append(ratio_row("  per printed page", measured, 1 / pages))
            # The floor: WeasyPrint alone, in a fresh process, on the print HTML the build lays out.
            rows.append(ratio_row("  floor: bare WeasyPrint render of our print HTML, fresh process / Pandoc",
                                  [(bare, theirs) for _, theirs, bare in rounds]))
            rows.append(ratio_row("  cold Letter PDF + EPUB / that bare render", [(ours, bare) for ours, _, bare in rounds]))

        if "check" in only:
            # The goal is for English and Spanish: the handout with its Spanish translation only.
            config = handout / "publish.toml"
            every_language = config.read_text()
            config.write_text(re.sub(r"(?m)^translations = \[.*\]$", 'translations = ["es-US"]', every_language))
            check = [*PUBLISH, "--project", str(handout), "check"]
            timed(check)  # the first run lays out the sheets whose verdicts are not known yet
            rows.append(ratio_row("check (en + es, sheets known) / cold Letter build",
                                  pairs(lambda: timed(check)[0], cold_keeping_sheets, runs)))
            config.write_text(every_language)  # and with every language the handout has
            timed(check)
            languages = 1 + len(re.search(r"(?m)^translations = \[(.*)\]$", every_language).group(1).split(","))
            rows.append(ratio_row(f"  check of all {languages} languages (sheets known) / cold Letter build",
                                  pairs(lambda: timed(check)[0], cold_keeping_sheets, runs)))

        if "noop" in only:
            noop = [*PUBLISH, "--project", str(handout)]
            timed(noop)
            timed(noop)  # the second no-op keeps its stamp
            rows.append(ratio_row("no-op build / python -c pass",
                                  pairs(lambda: timed(noop)[0], lambda: timed([PYTHON, "-c", "pass"])[0], runs)))

        if "installed" in only:
            handout_command, python = installed_command(scratch)
            noop = [str(handout_command), "build", "--project", str(handout)]
            timed(noop)
            timed(noop)  # the second no-op keeps its stamp
            assert "(no-op stamp)" in timed(noop)[1].stdout, "the installed command did not replay its stamp"
            rows.append(ratio_row("installed `handout build` no-op / python -c pass",
                                  pairs(lambda: timed(noop)[0], lambda: timed([str(python), "-c", "pass"])[0], runs)))

        def watch_rows(name: str, project: Path) -> None:
            clean(project)  # the first build lays out (and keeps) the PDF, as `watch` does, not a no-op
            rounds = watch_pairs(project, runs, out)
            rows.append(ratio_row(f"watch edit / bare render, {name}", [(edit, bare) for edit, bare, _ in rounds]))
            rows.append(ratio_row("  floor: parse, styles, drawing and writing every page / bare render",
                                  [(floor, bare) for _, bare, floor in rounds]))

        if "watch" in only:
            watch_rows("default handout", handout)
        if "long" in only:
            long_book = scratch / "long"
            copy_project(long_book, make_long_book(scratch / "long-chapters"))
            with (long_book / "publish.toml").open("a") as config:  # 187 pages on a loaded machine take a while
                config.write("\n[limits]\nrender_seconds = 3600\n")
            watch_rows("100-chapter book", long_book)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{runs} alternating pairs each: ratio min / median, and the medians of each side\n")
    width = max(len(row[0]) for row in rows)
    for name, ratio, sides, met in rows:
        print(f"  {name:<{width}}  {ratio:>12}  {sides:>22}  {met}")
    return 0


def verdict(name: str, value: float) -> str:
    comparison, limit = TARGETS[name]
    ok = {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[comparison]
    return f"{'meets' if ok else 'MISSES'} target {comparison} {limit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--quick", action="store_true", help="3 runs, 2 for the 100-chapter book")
    parser.add_argument("--hostile", action="store_true",
                        help="only time the hostile Markdown shapes (refused or converted, and how fast)")
    parser.add_argument("--pairs", action="store_true",
                        help="only the ratios of alternating runs (min and median of --runs pairs, at least 5)")
    parser.add_argument("--only", default=",".join(PAIR_SECTIONS),
                        help=f"with --pairs, these measurements (comma-separated): {', '.join(PAIR_SECTIONS)}")
    args = parser.parse_args()
    if args.hostile:
        return hostile_markdown()
    if args.pairs:
        return pair_ratios(max(5, args.runs), tuple(args.only.split(",")))
    runs = 3 if args.quick else args.runs
    compile_toolchain()
    long_runs = 2 if args.quick else max(2, runs // 2)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="handout-bench-") as scratch:
        scratch = Path(scratch)
        out = scratch / "out"
        out.mkdir()
        handout = copy_project(scratch / "handout")
        chapter_count = len(list((handout / "chapters").glob("*.md")))
        rows = []

        ours = cold_build(handout, runs, "--language", "en-US")
        languages = cold_build(handout, runs)
        pandoc = pandoc_build(handout, runs, out)
        bare_cold = bare_render_cold(handout, runs, out)
        rows.append(("cold build, default handout in English (Letter PDF, EPUB, web page)", f"{ours:.2f} s"))
        rows.append(("  Pandoc, same Markdown (PDF via weasyprint + EPUB)", f"{pandoc:.2f} s"))
        rows.append(("  bare WeasyPrint render of the same HTML, fresh process", f"{bare_cold:.2f} s"))
        # The same Markdown makes different documents: say how big each is, and the time per printed page.
        our_pages, pandoc_pages = pdf_pages(handout / "dist" / "ketamine-handout.pdf"), pdf_pages(out / "pandoc.pdf")
        rows.append(("  pages: ours (Letter, 13.5 pt, tagged PDF/UA-1) / Pandoc's (A4, untagged)",
                     f"{our_pages} / {pandoc_pages}"))
        rows.append(("  per printed page: ours / Pandoc's",
                     f"{ours / our_pages * 1000:.0f} ms / {pandoc / pandoc_pages * 1000:.0f} ms"))
        ratios = {"cold vs pandoc": ours / pandoc, "cold vs pandoc, per page": (ours / our_pages) / (pandoc / pandoc_pages)}
        rows.append(("cold build, every language of the handout (English and Spanish)", f"{languages:.2f} s"))
        ratios["both languages vs English alone"] = languages / ours

        # No-op rebuild: a build with nothing changed.
        timed([*PUBLISH, "--project", str(handout)])
        noop = median([timed([*PUBLISH, "--project", str(handout)])[0] for _ in range(runs)])
        ratios["no-op rebuild s"] = noop
        rows.append(("no-op rebuild (nothing changed)", f"{noop:.3f} s"))

        bare = bare_render(handout, runs, out)
        edit = watch_edit(handout, runs)
        rows.append(("watch mode: one-chapter edit to a new PDF", f"{edit:.2f} s"))
        rows.append(("  bare WeasyPrint render, already imported", f"{bare:.2f} s"))
        ratios["watch edit vs bare render"] = edit / bare

        # All editions: serial vs parallel.
        serial = median([timed([*PUBLISH, "--project", str(handout), "--force", "--jobs", "1"])[0]
                         for _ in range(runs)])
        parallel = median([timed([*PUBLISH, "--project", str(handout), "--force"])[0] for _ in range(runs)])
        rows.append(("every output of every language, serial (--jobs 1)", f"{serial:.2f} s"))
        rows.append((f"every output of every language, parallel ({os.cpu_count()} workers)", f"{parallel:.2f} s"))
        ratios["parallel speed-up"] = serial / parallel

        # 100 chapters vs the 10 of the default handout.
        long_book = scratch / "long"
        copy_project(long_book, make_long_book(scratch / "long-chapters"))
        long_count = len(list((long_book / "chapters").glob("*.md")))
        long_time = cold_build(long_book, long_runs)
        rows.append((f"cold build, {long_count}-chapter book (Letter PDF + EPUB)", f"{long_time:.2f} s"))
        rows.append(("  per chapter: 100-chapter book / default handout",
                     f"{long_time / long_count * 1000:.0f} ms / {ours / chapter_count * 1000:.0f} ms"))
        ratios["100-chapter per-chapter vs 10"] = (long_time / long_count) / (ours / chapter_count)

        memory_serial = peak_memory(handout, "--jobs", "1")
        memory_parallel = peak_memory(handout)
        rows.append(("peak memory, all outputs, serial (largest process)", f"{memory_serial:.0f} MB"))
        rows.append(("peak memory, all outputs, parallel (largest process)", f"{memory_parallel:.0f} MB"))
        ratios["peak memory MB"] = max(memory_serial, memory_parallel)

    width = max(len(name) for name, _ in rows)
    print(f"\nmedians over {runs} runs ({long_runs} for the long book)\n")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>16}")
    print("\nratios and targets\n")
    for name, value in ratios.items():
        print(f"  {name:<32} {value:8.2f}   {verdict(name, value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
