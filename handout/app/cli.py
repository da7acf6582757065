"""The command line: `python publish.py [build]`."""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from handout.app import noop
from handout.build.outfolder import filesystem_error, output_folder_for
from handout.build.queue import run_worker
from handout.build.shards import parse_shard
from handout.build.store import cache_location
from handout.config.editions import EDITIONS, PAPERS
from handout.config.settings import source_date_epoch
from handout.core.environment import is_ours, missing_module
from handout.core.errors import InputError
from handout.library import commands, is_library
from handout.load.translate_io.command import add_exchange_commands, run_exchange
from handout.targets import TARGETS, unit

DESCRIPTION = """Build a patient handout from Markdown chapters into a print-ready PDF and an EPUB 3.

Reads publish.toml, chapters/, layouts/ and assets/ in the project folder and
writes dist/<output_name>.pdf and dist/<output_name>.epub. Outputs are
replaced only when the whole build succeeds.

The build first runs the error-level checks of `publish.py check` and refuses to
print a handout that fails them (exit 2); --draft builds it anyway, marked as a
draft on every page.

exit status: 0 built, 1 internal error, 2 bad input (the message names the file and line)"""

CHECK_DESCRIPTION = """Check what a patient handout most needs before it is printed: reading level,
jargon, sourced numbers, citations, structure, links and images, review dates.
Reads the same chapters as the build, never its outputs; needs no network.

exit status: 0 no errors, 1 errors (warnings too with --strict), 2 bad input"""


def _program() -> str:
    """How help and usage name the command: `handout` when installed, `publish.py` in a checkout."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name in {"handout", "publish.py"} else "handout"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=_program(), description=DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(top, default=True)
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the PDF and the EPUB (the default command)",
                                description="Build the PDF and the EPUB into dist/. At the root of a library "
                                "(a folder with library.toml): build every handout (or those named), then the "
                                "catalog pages, the OPDS feeds and the FHIR bundle.")
    build.add_argument("names", nargs="*", metavar="NAME",
                       help="in a library: build only these handouts (their folder names)")
    plan = commands.add_parser("plan", help="print the build's jobs: key, digest of inputs, what each needs",
                               description="Print every job the build would run on a machine that has made "
                               "nothing yet: its key (handout, clinic, language, target, edition, step), the "
                               "digest of its inputs and the jobs it needs first. It is the build's own plan; "
                               "--shard I/N prints one shard's share.")
    plan.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    plan.add_argument("names", nargs="*", metavar="NAME", help="in a library: plan only these handouts")
    for target in (top, build, plan):
        target.add_argument("--out", type=Path, default=None,
                            help="output folder (default: dist/ in the project folder)")
        for output in TARGETS.values():  # --no-pdf, --no-epub: one per target
            target.add_argument(f"--no-{output.name}", action="append_const", const=output.name, dest="skip",
                                default=[], help=output.help)
        target.add_argument("--edition", action="append", choices=tuple(EDITIONS), default=None,
                            help="build this PDF edition instead of those in publish.toml (repeatable): "
                                 + ", ".join(EDITIONS))
        target.add_argument("--paper", choices=PAPERS, default=None,
                            help=f"paper of the {', '.join(n for n, e in EDITIONS.items() if not e.paper)} "
                                 "editions, instead of print.paper in publish.toml: " + ", ".join(PAPERS))
        target.add_argument("--language", action="append", default=None, metavar="TAG",
                            help="build only this language of the handout (repeatable; default: the source "
                                 "language and every translation publish.toml lists)")
        target.add_argument("--draft", action="store_true",
                            help="build even when checks fail at error level; every page is marked as a draft")
        target.add_argument("--shard", default=None, metavar="I/N",
                            help="only shard I of N: a stable share of the jobs (one handout, language and "
                                 "clinic together); a build writes them to the cache, not to dist/")
        if target is plan:
            continue
        target.add_argument("--jobs", type=int, default=None, metavar="N",
                            help="worker processes for the editions (default: one per core; 1: no workers)")
        target.add_argument("--force", action="store_true",
                            help="rebuild every output, even those whose inputs have not changed")
        target.add_argument("--cache", type=cache_location, default=None, metavar="DIR",
                            help="keep outputs by the digest of their inputs in DIR, shared by several machines "
                                 "if you like, or in a Redis (redis://HOST:PORT/DB) (signed with "
                                 "HANDOUT_CACHE_KEY); a hit is copied, not made (default with --shard and "
                                 "--from-cache: .cache/outputs)")
        target.add_argument("--from-cache", action="store_true",
                            help="put every output in place from the cache, making none (after the shards)")
        target.add_argument("--queue", default=None, metavar="redis://HOST:PORT/DB",
                            help="have `handout worker` processes run the jobs, through this Redis")
    check = commands.add_parser("check", help="check reading level, jargon, numbers, sources, structure, "
                                "links and review dates", description=CHECK_DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text for people (default), json for CI (shape in README.md)")
    watch = commands.add_parser("watch", help="rebuild on every save and serve a live preview on localhost",
                                description="Build, then rebuild whenever a file in chapters/, layouts/, "
                                "assets/ or publish.toml changes, and serve a preview that reloads itself "
                                "after each build. Ctrl-C stops it.")
    watch.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    watch.add_argument("--port", type=int, default=8000, help="preview port on 127.0.0.1 (0: any free port)")
    new = commands.add_parser("new", help="start a new handout in a new folder, with the built-in theme",
                              description="Make a new handout project in FOLDER (which must not exist or be "
                              "empty): publish.toml with a fresh identifier and today's review date, three short "
                              "sample chapters, references.yaml and jargon.txt. It builds at once with the "
                              "built-in theme; copy a file of the theme into layouts/ or assets/ to change it.")
    translations = commands.add_parser(
        "translations", help="which translated chapters are out of date, missing or extra; mark them as updated",
        description="Print, per language of publish.toml's translations, each translated chapter's status: up to "
        "date, out of date (with the paragraphs of the source that changed since it was translated), missing or "
        "extra. `translations mark es-US 03` records that the translation of chapter 03 is up to date with its "
        "source: run it after updating the translation.", formatter_class=argparse.RawDescriptionHelpFormatter)
    marking = translations.add_subparsers(dest="action", metavar="ACTION")
    mark = marking.add_parser("mark", help="record that translated chapters translate their sources as they are now",
                              description="Write the source chapter's digest into each named translated chapter's "
                              "front matter (source: NN-slug.md@digest, the rest of the file unchanged) and keep a "
                              "copy of the source in translations/<tag>/.sources/ for the next diff.")
    mark.add_argument("language", help="the translation's language tag, as in publish.toml (es-US)")
    mark.add_argument("chapters", nargs="*", help="chapters by number (03) or file name (03-how-well.md)")
    mark.add_argument("--all", action="store_true", help="every translated chapter")
    worker = commands.add_parser("worker", help="run the jobs builds send to a queue (--queue redis://...)",
                                 description="Run an RQ worker that makes the outputs `handout build --queue` "
                                 "sends: each job in a work horse of its own (WeasyPrint is imported there). "
                                 "The worker needs the toolchain installed and the project's files at the same "
                                 "path as the build that sends them. Ctrl-C stops it.")
    worker.add_argument("--queue", required=True, metavar="redis://HOST:PORT/DB", help="the Redis to take jobs from")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    exporting, importing = add_exchange_commands(marking)
    status = commands.add_parser(
        "status", help="the review dashboard: review dates, translations and reviewers, per handout and language",
        description="List, per handout (every handout of a library, at its root) and language: the last review, "
        "the next review due (overdue, due within check.review_warning_days), the translation's state (up to "
        "date, out of date, missing), the reviewer, and whether it is a sample or a draft. Reads the sources "
        "only. exit status: 0, or 2 with --strict when a review is overdue or a translation is out of date or "
        "missing", formatter_class=argparse.RawDescriptionHelpFormatter)
    status.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="a table for people (default), json for scripts, csv for a spreadsheet")
    status.add_argument("--strict", action="store_true",
                        help="exit 2 when a review is overdue or a translation is out of date or missing")
    for command in (build, plan, check, watch, new, translations, mark, exporting, importing, worker,
                    status):  # `--project X` too
        _common(command)
    new.add_argument("folder", type=Path, help="the new project's folder")
    new.add_argument("--title", default="Your Handout Title", help="the handout's title")
    new.add_argument("--review-months", type=int, default=12, metavar="N",
                     help="months from today's review to the next one due (default: 12)")
    return top


PROJECT_HELP = "project folder holding publish.toml, or publish.toml itself (default: the current folder)"


def _common(command: argparse.ArgumentParser, default: bool = False) -> None:
    """--project and --debug, accepted before the command and after it. After it they leave the value given
    before it (or the default) alone unless they are given there too."""
    command.add_argument("--project", type=Path, default=Path(".") if default else argparse.SUPPRESS,
                         help=PROJECT_HELP)
    command.add_argument("--debug", action="store_true", default=False if default else argparse.SUPPRESS,
                         help="show the full trace of internal errors")


def run_new(args) -> int:
    from handout.app.scaffold import new_project, next_steps

    folder = args.folder if args.folder.is_absolute() else Path.cwd() / args.folder
    new_project(folder, args.title, args.review_months)
    print(next_steps(folder))
    return 0


def run_watch(args) -> int:
    from handout.app.watch import watch

    return watch(args.project, args.out, port=args.port, log=lambda line: print(line, flush=True))


def run_check(args) -> int:
    import json

    from handout.check import check_project, exit_status, report_json, report_text, strict
    from handout.targets.pdf.sheetfit import COUNTS, sheet_problem  # lays out: imports the renderers (heavy)

    started = time.perf_counter()
    run = check_project(args.project, lay_out=sheet_problem)
    findings = strict(run.findings) if args.strict else run.findings
    status = exit_status(findings, run.bad_input)
    if args.format == "json":
        print(json.dumps(report_json(findings, run.config, run.today, status, args.strict), indent=2,
                         ensure_ascii=False))
    else:
        print(report_text(findings, run.today, args.strict))
        sys.stdout.flush()
        # The only layouts `check` makes are the desk sheets' whose inputs are new (handout/sheetfit.py).
        print(f"timing: {time.perf_counter() - started:.2f} s; desk sheets laid out: {COUNTS['laid out']}, "
              f"known from the cache: {COUNTS['cached']}", file=sys.stderr)
    return status


def run_translations(args) -> int:
    from handout.config.settings import config_line, load_config
    from handout.load.translations import chapter_names, mark, report

    config = load_config(args.project)
    tags = tuple(getattr(config, "translations", ()))
    if getattr(args, "action", None) in ("export", "import"):
        return run_exchange(args, config, tags)
    if getattr(args, "action", None) != "mark":
        print(report(args.project, tags) if tags else "no translations: publish.toml lists none "
              "(translations = [\"es-US\"] names one)")
        return 0
    if args.language not in tags:
        raise InputError(f"'{args.language}' is not a translation of this handout (publish.toml lists "
                         f"{', '.join(tags) or 'none'} in translations)", config.path,
                         config_line(config, "translations"))
    if bool(args.chapters) == args.all:
        raise InputError("name the chapters to mark (by number, 03, or file name) or give --all, not both")
    for name in chapter_names(args.project, args.language, tuple(args.chapters), args.all):
        before, now = mark(args.project, args.language, name)
        change = f"{before} -> {now}" if before and before != now else f"{now}, unchanged" if before else now
        print(f"marked {args.language} {name}: source {name}@{change}")
    return 0


def run_plan(args) -> int:
    import json

    from handout.build.plan import plan_data, plan_text  # the planner: build.run, as a build imports it

    editions = tuple(dict.fromkeys(args.edition)) if args.edition else None
    data = plan_data(args.project, args.out, skip=set(args.skip), editions=editions,
                     only=tuple(dict.fromkeys(args.language or ())), draft=args.draft, paper=args.paper,
                     shard=parse_shard(args.shard) if args.shard else None)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.format == "json" else plan_text(data))
    return 0


def run_build(args) -> int:
    from handout.app.progress import progress_for
    from handout.build.run import build

    started = time.perf_counter()
    editions = tuple(dict.fromkeys(args.edition)) if args.edition else None
    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be 1 or more")
    shard = parse_shard(args.shard) if args.shard else None
    if shard and (args.from_cache or args.queue):
        raise InputError("--shard builds into the cache: give --from-cache in a later build, and --queue without it")
    # For the no-op stamp (handout/app/noop.py); a command line with --shard, --cache, --from-cache or --queue
    # has none (noop.stamp_key does not know those options).
    before = noop.snapshot(args.argv) if not args.force else None
    skipped: list[str] = []
    refused = None
    with progress_for() as shown_progress:
        def progress(event: str, name: str) -> None:
            if event == "skip":
                skipped.append(f"  {name}: up to date")
            shown_progress(event, name)

        try:
            report = build(args.project, args.out, skip=set(args.skip), editions=editions,
                           languages_=tuple(dict.fromkeys(args.language or ())), jobs=args.jobs, force=args.force, progress=progress, draft=args.draft, paper=args.paper,
                           cache=args.cache, shard=shard, from_cache=args.from_cache, queue=args.queue)
        except InputError as error:  # some languages refused, the others built (README.md, Languages)
            if error.code != "build.language-refused":
                raise
            refused, report = error, error.report
    for path in report.removed:
        print(f"removed {_shown(path)} (the configuration no longer builds it)")
    if shard and not report.outputs:
        print(f"Shard {shard[0]}/{shard[1]}: its outputs were in the cache already ({len(report.up_to_date)}).")
    elif not report.outputs and refused is None:
        print(f"Everything is up to date ({len(report.up_to_date)} outputs): nothing was rebuilt.")
        _stamp_no_op(args, before, report, [*skipped, f"Everything is up to date ({len(report.up_to_date)} outputs): "
                                            "nothing was rebuilt."])
    for output in report.outputs:
        shown = _shown(output.path)
        detail = f"{output.pages} {unit(output.kind, output.edition)}"
        print(f"{'cached' if shard else 'wrote'} {shown} ({detail}, {output.size / 1024:.0f} KiB)")
    print("timings:")
    width = max([32, *(len(name) for name, _ in report.timings)])  # a clinic's id lengthens a step's name
    for name, seconds in report.timings:
        print(f"  {name:<{width}} {seconds:6.2f} s")
    print(f"  {'total':<{width}} {time.perf_counter() - started:6.2f} s")
    sys.stdout.flush()  # the warnings come last, after every progress line and the timings
    print_warnings(report.warnings)
    if refused is not None:
        return _partly_built(refused, args.project)
    return 0


def _partly_built(refused: InputError, root: Path) -> int:
    """After what was written: why the refused languages were not, and last a line naming the languages
    written and those not. Exit status 2: the refused languages are the user's to fix."""
    print(f"error: {error_line(refused, root)}", file=sys.stderr)
    written = ", ".join(refused.written) or "none"
    print(f"error: languages written: {written}; not written: {', '.join(refused.languages)} (their previous "
          "outputs are kept)", file=sys.stderr)
    return 2


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except (ValueError, OSError):  # elsewhere, or the current folder was deleted
        return path


def print_warnings(warnings) -> None:
    """The build's warnings, at its end where they are seen, and what the unknown keys among them mean."""
    for line in warning_lines(warnings):
        print(line, file=sys.stderr)


def warning_lines(warnings) -> list[str]:
    lines = [f"warning: {warning}" for warning in warnings]
    unknown = sum(getattr(getattr(w, "diagnostic", None), "code", "") == "config.unknown-key" for w in warnings)
    if unknown:
        lines.append(f"{unknown} unknown key{'s' * (unknown != 1)} in publish.toml {'were' if unknown != 1 else 'was'} "
                     "ignored: check the spelling (README.md, Configuration, lists every key)")
    return lines


def _stamp_no_op(args, before, report, stdout: list[str]) -> None:
    """Keep what this no-op build looked at and said, for the next one to say at once (handout/app/noop.py)."""
    if before is None or not report.up_to_date:
        return
    noop.record(before, [str(path) for path in report.up_to_date], str(output_folder_for(args.project, args.out)),
                stdout, warning_lines(report.warnings))


def project_folder(path: Path, look_up: bool = True) -> Path:
    """The project folder as given, resolved (`path/to/publish.toml`: its folder), or with `look_up` the nearest
    one above it when it has no publish.toml; a loop of links or a name the system refuses is the user's."""
    if path.name == "publish.toml" and not path.is_dir():
        path = path.parent
    try:
        resolved = path.resolve()
    except FileNotFoundError:
        raise InputError("the current folder no longer exists: change to the project folder, or name it with "
                         "--project", path) from None
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of symbolic links (Python 3.11)
        raise _unusable(path, error) from None
    try:
        os.stat(resolved / "publish.toml")
    except FileNotFoundError:
        if look_up and is_library(resolved):  # a library's root (examples/library/ in a project): the library
            return resolved
        return _project_above(resolved) if look_up else resolved
    except OSError as error:  # a name too long, a file where a folder should be
        raise _unusable(path, error) from None
    return resolved


def _project_above(folder: Path) -> Path:
    """The nearest folder above `folder` that holds a publish.toml, as git finds its repository from a
    subfolder: the project it found is named on stderr. None above: `folder` itself (the build and check say
    that publish.toml is missing)."""
    for above in folder.parents:
        try:
            if (above / "publish.toml").is_file():
                print(f"using the project in {above} (publish.toml found above {folder})", file=sys.stderr,
                      flush=True)
                return above
        except OSError:
            break
    return folder


def _unusable(path: Path, error: Exception) -> InputError:
    return InputError(f"cannot use this folder: {getattr(error, 'strerror', None) or error}: name the project "
                      "folder with --project", path)


def error_line(error: InputError, root: Path) -> str:
    """The error's line, its file relative to the project when the project's path can be resolved."""
    try:
        return error.format(root)
    except (OSError, RuntimeError):  # the project folder is a loop of links
        return error.format()


def run_library(args) -> int | None:
    """The commands at a library's root (handout/library/), or None when the folder is not a library."""
    folder = args.project
    if args.command == "new" and is_library(Path.cwd()) and not args.folder.is_absolute() \
            and len(args.folder.parts) == 1:
        folder = Path.cwd().resolve()
    if args.command == "status":
        return commands.run_status(folder, args, is_library(folder))
    if not is_library(folder):
        if getattr(args, "names", None):
            raise InputError(f"handouts are named ({', '.join(args.names)}) only at the root of a library (a "
                             "folder with library.toml); here, build the project with `build`")
        return None
    if args.command == "new":  # a handout that inherits the library: publish.toml without what library.toml sets
        from handout.app.scaffold import new_project, next_steps

        made = folder / commands.new_name(args.folder)
        new_project(made, args.title, args.review_months)
        inherited, translations = commands.inherit_library(folder, made)
        print(next_steps(made))
        print(f"It inherits from library.toml: {', '.join(inherited) or 'nothing yet'}; build the library with "
              "`handout build` here.")
        if translations:
            tables = ", ".join(f"[languages.{tag}]" for tag in translations)
            print(f"Its translations ({', '.join(translations)}) are not written yet: `check` lists each missing "
                  f"chapter, and {tables} in its publish.toml holds the title to translate.")
        return 0
    if args.command == "check":
        return commands.run_check(folder, args)
    if args.command in (None, "build", "plan"):
        if args.out is not None:
            raise InputError("a library builds into its own dist/ folder: --out names one handout's folder, with "
                             "--project NAME")
        if args.command == "plan":
            return commands.run_plan(folder, args)
        if not hasattr(args, "names"):
            args.names = []
        from handout.app.progress import progress_for

        return commands.run_build(folder, args, progress_for())
    raise InputError(f"`{args.command}` works on one handout: name it with --project NAME")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args.project = project_folder(args.project, look_up=args.command != "new")
        source_date_epoch()  # a bad value is refused before anything reads the date
        library_status = run_library(args)
        if library_status is not None:
            return library_status
        if args.command == "new":
            return run_new(args)
        if args.command == "watch":
            return run_watch(args)
        if args.command == "translations":
            return run_translations(args)
        if args.command == "plan":
            return run_plan(args)
        if args.command == "worker":
            return run_worker(args.queue, burst=args.burst)
        return run_check(args) if args.command == "check" else run_build(args)
    except InputError as error:
        print(f"error: {error_line(error, args.project)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for it (128 + SIGINT)
        stopped = "the build stopped; the previous outputs are kept" if args.command in (None, "build") else \
            "stopped"
        print(f"interrupted: {stopped}", file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:  # the reader of the output went away (`publish.py check | head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141  # as if killed by SIGPIPE, like other command-line tools
    except OSError as error:  # a full disk, a name too long, no permission: the user's to fix, when named
        mapped = filesystem_error(error, writing=False)  # the build names its own writes itself
        if mapped is None or mapped.path is None:
            return internal_error(error, args.debug)
        print(f"error: {error_line(mapped, args.project)}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:  # a library missing in this Python: the wrong environment
        if is_ours(error):
            return internal_error(error, args.debug)
        print(f"error: {missing_module(error.name)}", file=sys.stderr)
        return 2
    except Exception as error:  # anything else is our bug, not the user's input
        return internal_error(error, args.debug)


def internal_error(error: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()  # a worker's error carries the worker's trace in its message too
    # One line: the message's first (a worker's error carries the worker's trace below it).
    summary = (str(error).strip().splitlines() or [""])[0]
    hint = "" if debug else " (run with --debug for the trace)"
    print(f"internal error: {type(error).__name__}: {summary}{hint}", file=sys.stderr)
    return 1
