"""The commands at a library's root (handout/app/cli.py hands them over when the folder holds a library.toml and
no publish.toml): `build [NAME...]`, `check` (grouped by handout), `new NAME` and `status`."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
import tomllib
from contextlib import nullcontext
from pathlib import Path

from handout.build.shards import parse_shard
from handout.config.settings import source_date_epoch
from handout.core.errors import InputError
from handout.core.inherit import LIBRARY_TABLE, read_library
from handout.library import check_names, chosen, handout_name_problem, load_library


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _options(args) -> dict:
    """The build's options given on the command line, as the library's plan takes them."""
    return {"skip": set(getattr(args, "skip", None) or ()),
            "editions": tuple(dict.fromkeys(args.edition)) if getattr(args, "edition", None) else None,
            "only": tuple(dict.fromkeys(getattr(args, "language", None) or ())),
            "paper": getattr(args, "paper", None), "draft": getattr(args, "draft", False),
            "shard": parse_shard(args.shard) if getattr(args, "shard", None) else None}


def run_plan(root: Path, args) -> int:
    """`handout plan` at the library's root: the whole library's one plan (handout/library/plan.py)."""
    import json

    from handout.library.plan import library_plan_data, plan_text  # the build's planner, as a build imports it

    library = load_library(root)
    check_names(library)
    data = library_plan_data(library, chosen(library, tuple(getattr(args, "names", None) or ())), **_options(args))
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.format == "json" else plan_text(data))
    return 0


def run_build(root: Path, args, progress=None) -> int:
    """`handout build` at the library's root; `progress`: the display (a context giving progress(event, name))."""
    from handout.library.build import build_library

    started = time.perf_counter()
    library = load_library(root)
    check_names(library)
    names = chosen(library, tuple(args.names or ()))
    for warning in library.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be 1 or more")
    options = _options(args)
    shard = options["shard"]
    if shard and (args.from_cache or args.queue):
        raise InputError("--shard builds into the cache: give --from-cache in a later build, and --queue without it")
    with progress if progress is not None else nullcontext() as shown:  # the command's display, as for a project
        report = build_library(library, names, jobs=args.jobs, force=args.force, progress=shown,
                               cache=args.cache, from_cache=args.from_cache, queue=args.queue, **options)
    outputs = 0
    for path in report.removed:
        print(f"removed {_shown(path)} (the configuration no longer builds it)")
    for name, built in report.handouts.items():
        for path in built.removed:
            print(f"removed {_shown(path)} (the configuration no longer builds it)")
        for output in built.outputs:
            print(f"{'cached' if shard else 'wrote'} {_shown(output.path)} ({output.size / 1024:.0f} KiB)")
        outputs += len(built.outputs)
        for warning in built.warnings:
            print(f"warning: {name}: {warning}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if shard:
        print(f"shard {shard[0]}/{shard[1]}: {outputs} outputs made into the cache, "
              f"{time.perf_counter() - started:.2f} s")
    else:
        print(f"catalog: {_shown(library.dist / 'index.html')}, OPDS: "
              f"{_shown(library.dist / 'opds' / 'index.xml')}, FHIR: {_shown(library.dist / 'fhir' / 'bundle.json')}")
        print(f"{len(report.handouts)} handouts, {outputs} outputs written, {len(report.written)} catalog files, "
              f"{time.perf_counter() - started:.2f} s")
    sys.stdout.flush()
    for name, error in report.failed.items():  # the others are built; these keep their previous outputs
        print(f"error: {_error_line(error, library.root)}", file=sys.stderr)
    if report.failed:
        print(f"error: handouts not built: {', '.join(report.failed)} (their previous outputs are kept); the "
              f"others are built", file=sys.stderr)
        return 2
    return 0


def _error_line(error: InputError, root: Path) -> str:
    """The error's line, its file named from the library's root (`first-weeks/chapters/02-steps.md:12`)."""
    try:
        return error.format(root)
    except (OSError, RuntimeError):
        return error.format()


def run_check(root: Path, args) -> int:
    """`check` over every handout, each one's findings under its name; the worst exit status wins."""
    import json

    from handout.check import check_project, exit_status, report_json, report_text, strict

    library = load_library(root)
    check_names(library)
    worst, documents = 0, {}
    for name in library.handouts:
        run = check_project(library.handout(name))
        findings = strict(run.findings) if args.strict else run.findings
        status = exit_status(findings, run.bad_input)
        worst = max(worst, status)
        if args.format == "json":
            documents[name] = report_json(findings, run.config, run.today, status, args.strict)
        else:
            print(f"== {name} ==")
            print(report_text(findings, run.today, args.strict))
            print()
    if args.format == "json":
        print(json.dumps({"library": library.title, "status": worst, "handouts": documents}, indent=2,
                         ensure_ascii=False))
    return worst


def run_status(root: Path, args, library_root: bool) -> int:
    from handout.library.status import as_csv, as_json, library_rows, print_table

    moment = source_date_epoch()  # as `check` has it (checks/project.py), without importing every rule
    today = moment.date() if moment else dt.date.today()
    if library_root:
        library = load_library(root)
        roots = {name: library.handout(name) for name in library.handouts}
    else:
        roots = {root.name: root}
    rows = library_rows(roots, today)
    if args.format == "json":
        print(as_json(rows, today))
    elif args.format == "csv":
        print(as_csv(rows), end="")
    else:
        print_table(rows, today)
    stale = [row for row in rows if row.stale]
    if args.strict and stale:
        for row in stale:
            print(f"error: {row.handout} ({row.language}): {'; '.join(row.problems())}", file=sys.stderr)
        return 2
    return 0


def new_name(folder: Path) -> str:
    """The name `handout new NAME` gives in a library: a subfolder's name, checked."""
    name = str(folder).rstrip("/")
    problem = handout_name_problem(name)
    if problem or "/" in name:
        raise InputError(f"'{name}': {problem or 'name a subfolder of the library, not a path'}")
    return name


def inherit_library(root: Path, folder: Path) -> tuple[list[str], list[str]]:
    """A new handout of the library (made by `new`) inherits it: its publish.toml leaves out what library.toml
    sets, and it has no jargon list of its own when the library has one. In a library with translations, the
    new handout has each of them, not written yet: a `[languages.<tag>]` table with the source's title for the
    translator to replace (`check` warns while it is the same), and no chapters, which `check` and `status`
    report as missing (warnings), as for any translation not yet written. Returns the keys it inherits and the
    languages it is to be translated into."""
    data, _ = read_library(root)
    inherited = [key for key in data if key != LIBRARY_TABLE]
    path = folder / "publish.toml"
    text = without_keys(path.read_text(encoding="utf-8"), inherited)
    tags = [tag for tag in data.get("translations", []) if isinstance(tag, str)] \
        if isinstance(data.get("translations"), list) else []
    title = tomllib.loads(text).get("title", "")
    text = text.rstrip("\n") + "\n"
    for tag in tags:
        text += (f"\n# The {tag} translation (library.toml lists it), not written yet: its chapters go in "
                 f"translations/{tag}/chapters/\n# (the same file names; `handout translations` lists what is "
                 f"missing), and its own title here.\n[languages.{tag}]\n"
                 f"title = {json.dumps(title, ensure_ascii=False)}\n")
    path.write_text(text, encoding="utf-8")
    own_jargon = folder / "chapters" / "jargon.txt"
    if (root / "jargon.txt").is_file() and own_jargon.is_file():  # the scaffold's list, comments only
        own_jargon.unlink()  # the library's list applies (a handout's own would replace it)
    return inherited, tags


def without_keys(text: str, keys: list[str]) -> str:
    """A publish.toml's text without the top-level keys and tables named (each with the comment lines just
    above it), so that the library's settings apply."""
    out: list[str] = []
    pending: list[str] = []   # comment lines, kept only if what follows stays
    skipping = False
    for line in text.splitlines(keepends=True):
        header = re.match(r"\s*\[\[?\s*([A-Za-z0-9_-]+)", line)
        key = re.match(r"([A-Za-z0-9_-]+)\s*=", line)
        if line.lstrip().startswith("#"):
            pending.append(line)
            continue
        if header:
            skipping = header.group(1) in keys
        elif key and not skipping and key.group(1) in keys:
            pending = []
            continue
        if skipping:
            pending = []
            continue
        out += pending + [line]
        pending = []
    return "".join(out + ([] if skipping else pending))
