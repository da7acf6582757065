#!/usr/bin/env python3
"""Benchmark: beyond one machine.

    .venv/bin/python bench/beyond.py --plan [--sizes 10,100,1000]
    .venv/bin/python bench/beyond.py --queue [--runs 3]

--plan: the plan's time and size for a generated LIBRARY of N handouts x 15 languages (a source and 14
translations), planning alone (no layout): a library.toml and N handout folders (each the repository's
publish.toml, the test fixture's chapters, 14 translations of them as hard links; the theme is the built-in one),
planned as `handout plan --format json` plans it at the library's root (handout/library/plan.py: the build's own
planner, one plan of every handout's jobs and the catalog's, feeds' and bundle's), and how it grows from 10 to
100 to 1,000 handouts.

--queue: the queue's overhead on this machine: the test fixture built from nothing (--force, letter, booklet,
EPUB, web page) by the local pool (two workers, as many as cores) and by two `handout worker` processes over a
redis-server on a free loopback port, alternating runs; the ratio of their medians.

Timings are wall-clock on this machine; nothing here is asserted by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
FIXTURE = REPO / "tests" / "fixtures" / "mini"
TAGS = ("en-GB", "en-AU", "en-CA", "en-NZ", "en-IE", "en-IN", "en-ZA", "en-SG", "en-PH", "en-JM", "en-KE",
        "en-NG", "en-MT", "en-HK")  # with the source (en-US): 15 languages, all with the theme's English strings
EPOCH = "1794700800"


def _project(folder: Path, number: int) -> None:
    """One handout with 15 languages: the fixture's publish.toml and chapters, each translation a set of hard
    links to them (planning digests every file; it reads no chapter)."""
    (folder / "chapters").mkdir(parents=True)
    chapters = sorted((FIXTURE / "chapters").iterdir())
    for chapter in chapters:
        os.link(chapter, folder / "chapters" / chapter.name)
    (folder / "assets" / "figures").mkdir(parents=True)
    os.link(FIXTURE / "assets" / "figures" / "steps.svg", folder / "assets" / "figures" / "steps.svg")
    # The repository's publish.toml without its translation (its [languages.es-US] table and what follows
    # it go: every table after it is a language's).
    text = (REPO / "publish.toml").read_text().split("\n[languages.", 1)[0] + "\n"
    text = text.replace('output_name = "', f'output_name = "h{number:04d}-', 1)
    identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'handout-{number}')}"
    lines = [line for line in text.splitlines() if not line.startswith(("identifier", "translations"))]
    text = "\n".join(lines) + "\n"
    text = text.replace('language = "en-US"\n',
                        f'language = "en-US"\nidentifier = "{identifier}"\ntranslations = '
                        f'[{", ".join(repr(t).replace(chr(39), chr(34)) for t in TAGS)}]\n', 1)
    for tag in TAGS:
        target = folder / "translations" / tag / "chapters"
        target.mkdir(parents=True)
        for chapter in chapters:
            if chapter.name != "references.yaml":
                os.link(chapter, target / chapter.name)
        text += (f'\n[languages.{tag}]\ntitle = "Handout {number} ({tag})"\ncrisis_heading = "Get help now"\n'
                 'crisis_lines = ["Call 999."]\ntranslated_by = "Editorial team"\n')
    (folder / "publish.toml").write_text(text)


def bench_plan(sizes: list[int]) -> None:
    from handout.core.store import toolchain_fingerprint
    from handout.library import load_library
    from handout.library.plan import library_plan_data

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    from handout.targets import TARGETS

    toolchain_fingerprint()  # once per process, as in a build
    for entry in TARGETS.values():  # the job graph names the jobs' functions: import them once, untimed
        entry.job_function()
    rows = []
    with tempfile.TemporaryDirectory(prefix="handout-plan-bench-") as base:
        root = Path(base) / "library"
        root.mkdir()
        (root / "library.toml").write_text('online_url = "https://www.example.org/handouts"\n\n[library]\n'
                                           'title = "Benchmark library"\n')
        made = 0
        for size in sizes:
            while made < size:  # the library grows: its first handouts are the smaller size's
                _project(root / f"h{made:04d}", made)
                made += 1
            start = time.perf_counter()
            library = load_library(root)
            data = library_plan_data(library, library.handouts)
            text = json.dumps(data, indent=2, ensure_ascii=False)  # as `handout plan --format json` prints it
            seconds = time.perf_counter() - start
            outputs, jobs, size_bytes = data["outputs"], len(data["jobs"]), len(text.encode())
            assert len(library.handouts) == size
            rows.append((size, outputs, jobs, seconds, size_bytes))
            print(f"{size:>5} handouts x 15 languages: {outputs} outputs, {jobs} jobs, plan {seconds:.2f} s "
                  f"({seconds / size * 1000:.0f} ms a handout), JSON {size_bytes / 1e6:.1f} MB", flush=True)
    print("\n| Handouts x 15 languages (one library) | Outputs | Jobs | Plan time | Per handout | Plan as JSON |")
    print("| --- | --- | --- | --- | --- | --- |")
    for size, outputs, jobs, seconds, size_bytes in rows:
        print(f"| {size:,} | {outputs:,} | {jobs:,} | {seconds:.1f} s | {seconds / size * 1000:.0f} ms | "
              f"{size_bytes / 1e6:.1f} MB |")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_queue(runs: int) -> None:
    environment = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    publish = [sys.executable, str(REPO / "publish.py")]
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    workers = []
    try:
        time.sleep(1)
        workers = [subprocess.Popen([*publish, "worker", "--queue", url], stdout=subprocess.DEVNULL,
                                    start_new_session=True) for _ in range(2)]
        with tempfile.TemporaryDirectory(prefix="handout-queue-bench-") as base:
            project = Path(base) / "project"
            sys.path.insert(0, str(REPO / "tests"))
            from conftest import make_project

            make_project(project)
            times: dict[str, list[float]] = {"local": [], "queue": []}
            for run in range(runs):
                for way, extra in (("local", ["--jobs", "2"]), ("queue", ["--queue", url])):
                    start = time.perf_counter()
                    result = subprocess.run([*publish, "--project", str(project), "build", "--force", "--edition",
                                             "letter", "--edition", "booklet", "--out", str(Path(base) / way),
                                             *extra], capture_output=True, text=True, env=environment)
                    times[way].append(time.perf_counter() - start)
                    if result.returncode:
                        raise SystemExit(result.stderr)
                    print(f"run {run + 1} {way}: {times[way][-1]:.1f} s", flush=True)
            local, queued = statistics.median(times["local"]), statistics.median(times["queue"])
            print(f"\nlocal pool (2 workers) median {local:.1f} s; 2 RQ workers median {queued:.1f} s; "
                  f"queue / local = {queued / local:.2f}")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", action="store_true")
    parser.add_argument("--queue", action="store_true")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.plan:
        bench_plan([int(size) for size in args.sizes.split(",")])
    if args.queue:
        bench_queue(args.runs)


if __name__ == "__main__":
    main()
