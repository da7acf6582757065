"""The settings that are words, as units: publish.toml's title, subtitle, description, rights, topic, crisis heading and
crisis lines, with the translation's values in `[languages.<tag>]`; and publish.toml with new values written in
that table (only the values that changed; every other byte of the file kept)."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from handout.core.errors import InputError
from handout.load.translations import digest
from handout.load.translate_io.segments import inline
from handout.core.atomic import atomic_write
from handout.load.translate_io.units import NEW, TRANSLATED, ChapterUnits, Unit, match_target

CONFIG = "publish.toml"
WORDS = ("title", "subtitle", "description", "rights", "topic", "crisis_heading")


def _source_words(config) -> list[tuple[str, str]]:
    values = {"title": config.title, "subtitle": config.subtitle, "description": config.description,
              "rights": config.rights, "topic": config.topic,
              "crisis_heading": config.crisis.heading if config.crisis.shown else ""}
    found = [(key, str(values[key])) for key in WORDS if values[key]]
    if config.crisis.shown:
        found += [(f"crisis_lines.{n}", line) for n, line in enumerate(config.crisis.lines, 1)]
    return found


def _target(words: dict, key: str) -> str | None:
    if key.startswith("crisis_lines."):
        lines = words.get("crisis_lines") or []
        index = int(key.split(".")[1]) - 1
        return str(lines[index]) if index < len(lines) else None
    value = words.get(key)
    return str(value) if value else None


def settings_units(root: Path, config, tag: str) -> ChapterUnits:
    """A pseudo-chapter `publish.toml` holding a unit per setting that is words."""
    words = dict(dict(config.languages).get(tag, {}))
    text = (root / CONFIG).read_text(encoding="utf-8")
    units, targets = [], {}
    for index, (key, value) in enumerate(_source_words(config)):
        source = inline(value)
        raw = _target(words, key)
        target = None
        if raw is not None:
            target, codes = match_target(source, raw)
            targets[index] = raw
        else:
            codes = {}
        units.append(Unit(f"{CONFIG}#{key}", CONFIG, index, "setting", 0, source, target,
                          TRANSLATED if target is not None else NEW, "",
                          [f"{CONFIG} [languages.{tag}] {key.split('.')[0]}"], codes))
    return ChapterUnits(CONFIG, root / CONFIG, root / CONFIG, text, [], text, [], None, targets, units, digest(
        text.encode("utf-8")))


def _basic(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value, ensure_ascii=False)


def _table(text: str, tag: str) -> tuple[int, int] | None:
    """(start, end) of the body of `[languages.<tag>]`: after its header line, to the next table's header."""
    header = re.search(rf'(?m)^[ \t]*\[[ \t]*languages\.(?:"{re.escape(tag)}"|{re.escape(tag)})[ \t]*\][^\n]*\n?', text)
    if header is None:
        return None
    following = re.compile(r"(?m)^[ \t]*\[").search(text, header.end())
    return header.end(), following.start() if following else len(text)


def _array_end(text: str, start: int) -> int:
    """The offset after the `]` closing the array that opens at text[start] == "["."""
    position, depth = start, 0
    while position < len(text):
        char = text[position]
        if char in "\"'":
            triple = text[position:position + 3] == char * 3
            quote = char * 3 if triple else char
            position += len(quote)
            while position < len(text) and not text.startswith(quote, position):
                position += 2 if char == '"' and text[position] == "\\" else 1
            position += len(quote)
            continue
        if char == "#":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    raise ValueError("unclosed array")


def write_settings(root: Path, tag: str, values: dict[str, str], lines: list[str] | None) -> bool:
    """Write the translation's words into publish.toml's `[languages.<tag>]`; True when the file changed."""
    path = root / CONFIG
    text = path.read_text(encoding="utf-8")
    updated = text
    span = _table(updated, tag)
    if span is None:
        updated = updated.rstrip("\n") + f"\n\n[languages.{tag}]\n"
        span = (len(updated), len(updated))
    wanted = dict(values)
    if lines is not None:
        wanted["crisis_lines"] = lines
    current = tomllib.loads(text).get("languages", {}).get(tag, {})
    for key, value in wanted.items():
        if current.get(key) == value:
            continue
        span = _table(updated, tag) or span
        body = updated[span[0]:span[1]]
        match = re.search(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*=[ \t]*", body)
        new = _basic(value) if isinstance(value, str) else \
            "[\n" + "".join(f"  {_basic(line)},\n" for line in value) + "]"
        if match is None:  # a new key: at the end of the table
            if body.strip():
                end = span[0] + len(body.rstrip("\n"))
                updated = updated[:end] + f"\n{key} = {new}" + updated[end:]
            else:
                updated = updated[:span[0]] + f"{key} = {new}\n" + updated[span[0]:]
            continue
        start = span[0] + match.end()
        if updated[start:start + 1] == "[":
            end = _array_end(updated, start)
        else:
            value_match = re.match(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'', updated[start:])
            if value_match is None:
                raise InputError(f"the {key} of [languages.{tag}] is not a one-line string: write the translation "
                                 "in by hand", path, updated.count("\n", 0, start) + 1,
                                 code="translations.import-settings")
            end = start + value_match.end()
        updated = updated[:start] + new + updated[end:]
    if updated == text:
        return False
    written = tomllib.loads(updated).get("languages", {}).get(tag, {})
    if any(written.get(key) != value for key, value in wanted.items()):  # our own check of what we wrote
        raise RuntimeError("publish.toml's translated words were not written as meant")
    atomic_write(path, updated.encode("utf-8"))
    return True
