"""A language's translation units: one per translatable block of each source chapter, with its stable id (the
chapter's file name and the block's digest), the translation it has (from the translated chapter, block by block),
its state (new, needs review because its source changed since it was translated, translated) and its notes for the
translator; and the translated chapter a set of targets makes (`render`), every other byte of the chapter kept.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from handout.core.errors import decode_utf8, shown_path
from handout.core.sandbox import Sandbox
from handout.load.translations import (MISSING, SOURCES_DIR, UP_TO_DATE, _chapters, digest, recorded_source, statuses,
                            translation_folder)
from handout.load.translate_io.segments import Inline, Segment, aligned, block_digest, inline, segments

NEW, NEEDS_REVIEW, TRANSLATED = "new", "needs-review", "translated"
SHEET_SLACK = 1.2  # a desk-sheet item's translation: at most this many times the source's length


@dataclass
class Unit:
    id: str
    chapter: str                   # the file name, NN-slug.md
    index: int                     # its segment in the current source
    kind: str
    line: int                      # its line in the source chapter
    source: Inline
    target: Inline | None          # the translation it has (None: none)
    state: str
    previous: str = ""             # the source as translated, when it changed since
    notes: list[str] = field(default_factory=list)
    target_codes: dict = field(default_factory=dict)   # placeholders of the target that the source does not have


@dataclass
class ChapterUnits:
    name: str
    source_path: Path
    translation_path: Path
    source_text: str
    source_segments: list[Segment]
    translation_text: str | None
    translation_segments: list[Segment]
    pairs: dict[int, int] | None           # current source segment -> translation segment, same blocks
    targets: dict[int, str]                # current source segment -> the translation's raw text of it
    units: list[Unit]
    translation_digest: str                # the translated chapter's digest now ("" when there is none)
    note: str = ""                         # why the translation's blocks are not used


def _ids(name: str, found: list[Segment]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for segment in found:
        base = f"{name}#{segment.anchor if segment.kind in ('title', 'short_title', 'summary') else block_digest(segment.kind + chr(0) + segment.text)}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def match_target(source: Inline, raw: str) -> tuple[Inline, dict]:
    """The translation's text as parts numbered like the source's placeholders (the same markup gets the same
    number; markup of the same kind in order after that; anything else new numbers), and the markup of the
    numbers the source does not have or writes differently."""
    parsed = inline(raw)
    free = dict(source.codes)
    renumber, codes = {}, {}
    for number, code in parsed.codes.items():
        for wanted, have in free.items():
            if have == code:
                renumber[number] = wanted
                del free[wanted]
                break
    for number, code in parsed.codes.items():
        if number in renumber:
            continue
        for wanted in list(free):
            if source.kinds[wanted] == parsed.kinds[number]:
                renumber[number], codes[wanted] = wanted, code
                del free[wanted]
                break
    extra = max(source.codes, default=0)
    for number, code in parsed.codes.items():
        if number not in renumber:
            extra += 1
            renumber[number], codes[extra] = extra, code
    parts = tuple(renumber[p] if isinstance(p, int) else p for p in parsed.parts)
    return Inline(parts, {**source.codes, **codes}, {}, ()), codes


def _glossary(root: Path, sources: dict[str, Path], sandbox: Sandbox) -> dict[str, str]:
    """The source glossary's terms and definitions (a chapter with `role: glossary`)."""
    for path in sources.values():
        text = decode_utf8(sandbox.read_bytes(path), path)
        if not re.search(r"^role[ \t]*:[ \t]*glossary[ \t]*$", text[:2000], re.M):
            continue
        found, term = {}, None
        for segment in segments(text):
            if segment.kind == "term":
                term = segment.text
            elif segment.kind == "definition" and term:
                found[term] = segment.text
                term = None
        return found
    return {}


def _pair_changed(old: list[Segment], new: list[Segment]) -> dict[int, tuple[int, bool]]:
    """Each new segment's segment in `old` it continues: (index, changed)."""
    keys = lambda found: [f"{s.kind}\0{s.anchor}\0{s.text}" for s in found]  # noqa: E731
    found = {}
    matcher = difflib.SequenceMatcher(None, keys(old), keys(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            found.update({j1 + k: (i1 + k, False) for k in range(j2 - j1)})
        elif tag == "replace":
            olds = list(range(i1, i2))
            for j in range(j1, j2):
                same = [i for i in olds if old[i].kind == new[j].kind and old[i].anchor == new[j].anchor]
                if same:
                    found[j] = (same[0], True)
                    olds.remove(same[0])
    return found


def chapter_units(root: Path, tag: str, name: str, status, glossary: dict[str, str],
                  sandbox: Sandbox) -> ChapterUnits:
    folder = translation_folder(root, tag)
    source_path, translation_path = root / "chapters" / name, folder / "chapters" / name
    source_text = decode_utf8(sandbox.read_bytes(source_path), source_path)
    source_segments = segments(source_text)
    ids = _ids(name, source_segments)
    translation_text, translation_segments, pairs, note = None, [], None, ""
    targets: dict[int, str] = {}
    changed: dict[int, str] = {}      # current segment -> its source as translated, when it changed
    unknown = False                   # which source the translation translates is not known
    translation_digest = ""
    if status.status != MISSING:
        data = sandbox.read_bytes(translation_path)
        translation_digest = digest(data)
        translation_text = decode_utf8(data, translation_path)
        translation_segments = segments(translation_text)
        pairs = aligned(source_segments, translation_segments)
        base_segments = source_segments
        if status.status != UP_TO_DATE:
            copy = folder / SOURCES_DIR / name
            _, recorded, _, problem = recorded_source(translation_text)
            if not problem and copy.is_file() and digest(kept := sandbox.read_bytes(copy)) == recorded:
                base_segments = segments(decode_utf8(kept, copy))
            else:
                unknown = True
        old_pairs = aligned(base_segments, translation_segments)
        if old_pairs is None:
            note = (f"the blocks of {shown_path(translation_path, root)} do not match those of its source (a "
                    "heading, paragraph, list item or table cell more or fewer): its text is not offered")
        else:
            continued = ({j: (j, False) for j in range(len(source_segments))} if base_segments is source_segments
                         else _pair_changed(base_segments, source_segments))
            for j, (i, was_changed) in continued.items():
                if i in old_pairs:
                    targets[j] = translation_segments[old_pairs[i]].text
                    if was_changed:
                        changed[j] = base_segments[i].text
    units = []
    for index, (segment, unit_id) in enumerate(zip(source_segments, ids)):
        if not segment.translatable:
            continue
        source = inline(segment.text)
        target, codes = (match_target(source, targets[index]) if index in targets else (None, {}))
        state = NEW if target is None else NEEDS_REVIEW if (index in changed or unknown) else TRANSLATED
        notes = [f"{shown_path(source_path, root)}:{segment.line} ({segment.kind.replace('_', ' ')})"]
        lowered = segment.text.lower()
        notes += [f"glossary: {term}: {definition}" for term, definition in glossary.items()
                  if segment.kind not in ("term", "definition") and re.search(rf"\b{re.escape(term.lower())}\b",
                                                                              lowered)]
        if segment.sheet:
            length = len("".join(p for p in source.parts if isinstance(p, str)))
            notes.append(f"desk sheet: keep it as short as the source, at most about {round(length * SHEET_SLACK)} "
                         f"characters of text (the source has {length})")
        if index in changed:
            notes.append(f"the source changed since it was translated; before: {changed[index]}")
        elif unknown and target is not None:
            notes.append("the translation records no source it translates (source: in its front matter): check it")
        units.append(Unit(unit_id, name, index, segment.kind, segment.line, source, target, state,
                          changed.get(index, ""), notes, codes))
    return ChapterUnits(name, source_path, translation_path, source_text, source_segments, translation_text,
                        translation_segments, pairs, targets, units, translation_digest, note)


def language_units(root: Path, tag: str) -> list[ChapterUnits]:
    """Every source chapter's units for the language `tag`, in file-name order."""
    root = root.resolve()
    sandbox = Sandbox(root, extra=())
    sources = _chapters(root, root / "chapters", sandbox)
    glossary = _glossary(root, sources, sandbox)
    return [chapter_units(root, tag, status.name, status, glossary, sandbox)
            for status in statuses(root, tag) if status.name in sources]


def raw_text(parts, codes: dict) -> str:
    return "".join(codes[p] if isinstance(p, int) else p for p in parts)


def render(chapter: ChapterUnits, targets: dict[int, tuple]) -> str:
    """The translated chapter with these targets (segment index -> parts): the translated chapter with its
    blocks replaced where the target differs from its text, when it has the source's blocks; else the source
    chapter with every block replaced (and its untranslatable blocks kept as they are)."""
    units = {unit.index: unit for unit in chapter.units}

    def text_of(index: int, old: str) -> str:
        unit = units.get(index)
        if unit is None or index not in targets:
            return old
        parts = targets[index]
        if unit.target is not None and tuple(parts) == unit.target.parts and index in chapter.targets:
            return chapter.targets[index]  # unchanged: its bytes as they are
        return raw_text(parts, {**unit.source.codes, **unit.target_codes})

    if chapter.translation_text is not None and chapter.pairs is not None:
        text, spans = chapter.translation_text, []
        for index, other in chapter.pairs.items():
            segment = chapter.translation_segments[other]
            spans.append((segment.start, segment.end, text_of(index, segment.text)))
    else:
        text, spans = chapter.source_text, []
        for index, segment in enumerate(chapter.source_segments):
            spans.append((segment.start, segment.end, text_of(index, chapter.targets.get(index, segment.text))))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text
