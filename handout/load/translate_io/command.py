"""The command line of `translations export` and `translations import` (light: the command line's parser
imports it)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from handout.config.settings import config_line
from handout.core.atomic import atomic_write
from handout.core.errors import InputError


def add_exchange_commands(actions) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    exporting = actions.add_parser(
        "export", help="write a language's text to an XLIFF 1.2 or PO file for a translation tool",
        description="Write one file for a language: a unit per block of the source chapters (headings, paragraphs, "
        "list items, table cells, box titles, figure text, the front matter's title, short title and summary), "
        "inline markup as placeholders, each with its translation when there is one and its state (new, needs "
        "review because its source changed, translated).")
    exporting.add_argument("language", help="the translation's language tag, as in publish.toml (es-US)")
    exporting.add_argument("--format", choices=("xliff", "po"), default="xliff", help="XLIFF 1.2 (default) or PO")
    exporting.add_argument("--changed", action="store_true", help="only the new units and those whose source changed")
    exporting.add_argument("-o", "--output", type=Path, help="the file to write (default: the standard output)")
    importing = actions.add_parser(
        "import", help="write the translated chapters of a translated XLIFF or PO file",
        description="Write each chapter whose units are all translated (only the blocks that changed) and record "
        "the source it translates. Nothing is written when a unit lost, repeated or misplaced a placeholder, "
        "or a chapter was edited since the export (unless --force).")
    importing.add_argument("language", help="the translation's language tag, as in publish.toml (es-US)")
    importing.add_argument("file", type=Path, help="the translated .xlf or .po file")
    importing.add_argument("--force", action="store_true", help="write over chapters edited since the export")
    return exporting, importing


def run_exchange(args, config, tags: tuple[str, ...]) -> int:
    # The chapters' reader and the Translate Toolkit: off the path of every other command.
    from handout.load.translate_io.exchange import export, import_file

    if args.language not in tags:
        raise InputError(f"'{args.language}' is not a translation of this handout (publish.toml lists "
                         f"{', '.join(tags) or 'none'} in translations)", config.path,
                         config_line(config, "translations"))
    if args.action == "export":
        title = str(dict(dict(config.languages).get(args.language, {})).get("title", config.title))
        data, count = export(args.project, args.language, config.language, title, args.format, args.changed)
        if args.output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            atomic_write(args.output, data)
            print(f"wrote {args.output}: {count} unit(s) in {args.format.upper() if args.format == 'po' else 'XLIFF 1.2'}",
                  file=sys.stderr)
        return 0
    if not args.file.is_file():
        raise InputError("no such file to import", args.file, code="translations.import-file")
    for line in import_file(args.project, args.language, args.file, args.force):
        print(line)
    return 0
