"""`translations export` and `translations import`: a language's units to an XLIFF 1.2 or PO file for a
translator's own tool, and the translated file back into the translated chapters.

Import checks the whole file before it writes anything: every unit must be one of the source's blocks now, keep
each of its placeholders once and in order, and have a target when marked translated; a chapter edited since
the export (its digest is not the one the file records) is not written over without `force`. A chapter whose
units are all translated is written (only the blocks that changed; the rest of the file byte for byte) and
marked as translating its source as it is now (`translations.mark`).
"""
from __future__ import annotations

from pathlib import Path

from handout.config.settings import load_config
from handout.core.atomic import atomic_write
from handout.core.errors import InputError, shown_path
from handout.load.translations import mark, translation_folder
from handout.load.translate_io import formats
from handout.load.translate_io.settings import CONFIG, settings_units, write_settings
from handout.load.translate_io.units import TRANSLATED, ChapterUnits, language_units, raw_text, render


def _all_units(root: Path, tag: str) -> list[ChapterUnits]:
    """The units of every source chapter, then those of publish.toml's words."""
    return [*language_units(root, tag), settings_units(root.resolve(), load_config(root), tag)]


def export(root: Path, tag: str, source_language: str, title: str, fmt: str = "xliff",
           changed: bool = False) -> tuple[bytes, int]:
    """The file's bytes and the number of units in it."""
    chapters = _all_units(root, tag)
    count = sum(1 for c in chapters for u in c.units if not changed or u.state != TRANSLATED)
    if fmt == "po":
        return formats.write_po(chapters, source_language, tag, title, changed), count
    return formats.write_xliff(chapters, source_language, tag, root.name, changed), count


def _problems(unit, found: formats.FileUnit) -> list[str]:
    """What is wrong with a unit's target: its placeholders missing, repeated, unknown or out of order."""
    problems = list(found.problems)
    if found.empty:
        return ["its target is empty but it is marked translated"] if found.translated else problems
    codes = {**unit.source.codes, **unit.target_codes}
    numbers = [p for p in found.parts if isinstance(p, int)]
    for number in sorted(set(numbers)):
        if number not in codes:
            problems.append(f"placeholder {number} is not one of the source's")
        elif numbers.count(number) > 1:
            problems.append(f"placeholder {number} ({codes[number]}) is there {numbers.count(number)} times, "
                            "keep it once")
    for number, code in unit.source.codes.items():
        if number not in numbers:
            problems.append(f"placeholder {number} ({code}) is missing")
    for first, second in unit.source.pairs:
        if first in numbers and second in numbers and numbers.index(first) > numbers.index(second):
            problems.append(f"placeholders {first} and {second} ({codes[first]}...{codes[second]}) are in the "
                            "wrong order")
    return problems


def import_file(root: Path, tag: str, path: Path, force: bool = False) -> list[str]:
    """Write the chapters of a translated file; the lines to print. InputError (nothing written) when the file
    has a unit that cannot be used or a chapter changed since the export."""
    root = root.resolve()
    data = path.read_bytes()
    fmt = "po" if data.lstrip().startswith((b"#", b"msgid", b"msgctxt")) or path.suffix.lower() in (".po", ".pot") \
        else "xliff"
    found, digests = (formats.read_po if fmt == "po" else formats.read_xliff)(data, path)
    chapters = {c.name: c for c in _all_units(root, tag)}
    units = {u.id: (c, u) for c in chapters.values() for u in c.units}
    refusals, chosen = [], {}
    shown = shown_path(path, root) if path.resolve().is_relative_to(root) else str(path)
    seen: dict[str, int] = {}
    for item in found:
        if item.id in seen:
            refusals.append((item.line, f"unit {item.id} is in the file twice (first at line {seen[item.id]}): keep "
                                        "one"))
            continue
        seen[item.id] = item.line
        if item.id not in units:
            refusals.append((item.line, f"unit {item.id or '(no id)'} is not a block of the source chapters now "
                                        "(the source changed since the export?): export again and translate that"))
            continue
        chapter, unit = units[item.id]
        for problem in _problems(unit, item):
            refusals.append((item.line, f"unit {item.id}: {problem}"))
        chosen[item.id] = item
    if refusals:
        first_line, first = refusals[0]
        more = "".join(f"\n  {shown}:{line}: {message}" for line, message in refusals[1:])
        raise InputError(f"{first}{more}\nnothing was imported: correct the file and import it again", path,
                         first_line or None, code="translations.import-unit")
    touched = {units[i][0].name for i in chosen}
    written, skipped = [], []
    plans: list[tuple[ChapterUnits, str]] = []
    for name in sorted(touched):
        chapter = chapters[name]
        recorded = digests.get(name)
        now = chapter.translation_digest or "none"
        if recorded is not None and recorded != now and not force:
            raise InputError(f"{chapter.translation_path.relative_to(root).as_posix()} was changed since the "
                             f"export (its digest was {recorded}, it is now {now}): nothing was imported; export "
                             "again, or give --force to write over it", chapter.translation_path,
                             code="translations.import-edited")
        targets, waiting = {}, []
        for unit in chapter.units:
            item = chosen.get(unit.id)
            if item is not None and not item.empty:
                targets[unit.index] = item.parts
            elif unit.target is not None:
                targets[unit.index] = unit.target.parts
            translated = item.translated if item is not None else unit.state == TRANSLATED
            if not translated or unit.index not in targets:
                waiting.append(unit)
        if waiting:
            skipped.append(f"not written: {chapter.translation_path.relative_to(root).as_posix()}: {len(waiting)} "
                           f"unit(s) not yet translated (the first: {waiting[0].id})")
            continue
        if name == CONFIG:
            plans.append((chapter, {unit.id.split("#", 1)[1]: raw_text(targets[unit.index], {
                **unit.source.codes, **unit.target_codes}) for unit in chapter.units}))
            continue
        plans.append((chapter, render(chapter, targets)))
    for chapter, text in plans:
        if chapter.name == CONFIG:
            lines = [value for key, value in sorted(text.items()) if key.startswith("crisis_lines.")]
            values = {key: value for key, value in text.items() if not key.startswith("crisis_lines.")}
            changed = write_settings(root, tag, values, [text[f"crisis_lines.{n}"] for n in
                                                         range(1, len(lines) + 1)] if lines else None)
            written.append(f"{'written' if changed else 'unchanged'}: {CONFIG} [languages.{tag}]")
            continue
        path_out = chapter.translation_path
        data_out = text.encode("utf-8")
        if chapter.translation_text is None or data_out != chapter.translation_text.encode("utf-8"):
            path_out.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path_out, data_out)
            state = "written"
        else:
            state = "unchanged"
        before, now = mark(root, tag, chapter.name)
        written.append(f"{state}: {path_out.relative_to(root).as_posix()} (source {chapter.name}@{now})")
    return [*written, *skipped]


def default_name(root: Path, tag: str, fmt: str) -> Path:
    return translation_folder(root.resolve(), tag) / f"{tag}.{'xlf' if fmt == 'xliff' else 'po'}"
