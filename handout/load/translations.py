"""Stale translations: which version of its source chapter each translated chapter translates, and what changed
in the source since.

A project's source chapters are `chapters/NN-slug.md`; a translation's are `translations/<tag>/chapters/NN-slug.md`,
the same file names. Each translated chapter's front matter records the source it translates:

    source: 03-how-well.md@05c444edde65

the source file's name, `@`, and the first 12 hex digits of the SHA-256 of its bytes (`sha256sum
chapters/03-how-well.md | cut -c1-12`). `publish.py translations mark <tag> 03` writes that line (in place,
every other byte of the file kept) and a copy of the source as translated, `translations/<tag>/.sources/NN-slug.md`,
so that when the source changes the changed paragraphs can be shown: the diff is between that copy and the
current source (nothing is kept in, or read from, git).

Each chapter of a language is:
- up to date: the recorded digest is the source's current digest;
- out of date: the source changed since it was translated (or the translation records no `source:`, or another
  file's): the changed paragraphs of the source, with the sentences that are new;
- missing: a source chapter with no translation;
- extra: a translated chapter with no source chapter of its name.

`check` reports an out-of-date or missing translation as a warning (`handout/check/translations.py`);
`translation_problems` gives the same at error level, for the build of that language (a draft builds anyway).
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from handout.core.atomic import atomic_write
from handout.core.errors import InputError, decode_utf8, shown_path
from handout.core.sandbox import Sandbox
from handout.core.text import split_sentences
from handout.load.markdown_ext import CHAPTER_FILE

TRANSLATIONS_DIR = "translations"
SOURCES_DIR = ".sources"           # translations/<tag>/.sources/NN-slug.md: each source as it was translated
DIGEST_LENGTH = 12
UP_TO_DATE, OUT_OF_DATE, MISSING, EXTRA = "up to date", "out of date", "missing", "extra"

# The front matter's `source:` line (its value: file@digest, possibly quoted).
_SOURCE_LINE = re.compile(r"^source[ \t]*:[ \t]*(?P<value>.*?)[ \t]*(?P<end>\r?\n|$)", re.M)
_SOURCE_VALUE = re.compile(r"^[\"']?(?P<file>[^@\s\"']+)@(?P<digest>[0-9a-fA-F]+)[\"']?$")


def digest(data: bytes) -> str:
    """The short digest a translation records: the first 12 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def translation_folder(root: Path, tag: str) -> Path:
    return root / TRANSLATIONS_DIR / tag


@dataclass(frozen=True)
class Change:
    """One changed place of a source chapter: its paragraphs as translated (`old`) and now (`new`), the line of
    the new ones in the current source (of the place they were, when removed), and the sentences that are new."""
    line: int
    old: tuple[str, ...]
    new: tuple[str, ...]
    sentences: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ChapterStatus:
    language: str
    name: str                       # the file name, NN-slug.md
    status: str                     # UP_TO_DATE, OUT_OF_DATE, MISSING or EXTRA
    source: str                     # chapters/NN-slug.md, relative to the project
    translation: str                # translations/<tag>/chapters/NN-slug.md, relative to the project
    recorded: str = ""              # the digest the translation records ("" when none)
    current: str = ""               # the source's digest now ("" when there is no source)
    line: int = 0                   # the `source:` line of the translation's front matter (1: none)
    reason: str = ""                # why it is out of date, when not because the source changed
    note: str = ""                  # why no diff is shown (the copy in .sources/ is missing or not the one)
    changes: tuple[Change, ...] = field(default=())

    @property
    def new_sentences(self) -> tuple[tuple[int, str], ...]:
        return tuple(s for change in self.changes for s in change.sentences)


def _chapters(root: Path, folder: Path, sandbox: Sandbox) -> dict[str, Path]:
    """The chapter files (NN-slug.md) of a folder, by name; none when it does not exist."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        if CHAPTER_FILE.match(path.name):
            sandbox.check_file(path)  # a regular file of the project, not a link out of it
            found[path.name] = path
    return found


def _front_matter(text: str) -> tuple[int, int] | None:
    """(start, end) offsets of the front matter's lines between its two `---` lines; None without one."""
    first = re.match(r"---[ \t]*\r?\n", text)
    if not first:
        return None
    closing = re.compile(r"^---[ \t]*(?:\r?\n|$)", re.M).search(text, first.end())
    return (first.end(), closing.start()) if closing else None


def recorded_source(text: str) -> tuple[str, str, int, str]:
    """(file, digest, line, problem) of a translated chapter's `source:` line; the problem is "" when it
    names a file and a digest. Line 1 and a problem when there is no such line."""
    span = _front_matter(text)
    if span is None:
        return "", "", 1, "has no front matter"
    match = _SOURCE_LINE.search(text, span[0], span[1])
    if match is None:
        return "", "", 1, "records no source: (file@digest)"
    line = text.count("\n", 0, match.start()) + 1
    value = _SOURCE_VALUE.match(match.group("value"))
    if value is None:
        return "", "", line, f"has a source: that is not file@digest ({match.group('value')!r})"
    return value["file"], value["digest"].lower(), line, ""


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each block of non-blank lines."""
    found, lines, start = [], [], 0
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            if not lines:
                start = number
            lines.append(raw.rstrip())
        elif lines:
            found.append((start, "\n".join(lines)))
            lines = []
    if lines:
        found.append((start, "\n".join(lines)))
    return found


# What starts a line besides its sentences: a list item's mark (and checkbox), a number, a quote, a heading.
_LINE_MARKS = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+|>\s*|#{1,6}\s+)")


def _sentences(paragraph: tuple[int, str]) -> list[tuple[int, str]]:
    """(line, sentence) of a paragraph's sentences, one line of it at a time (a list item, a table row)."""
    first, text = paragraph
    return [(first + offset, sentence) for offset, raw in enumerate(text.split("\n"))
            for sentence in split_sentences(_LINE_MARKS.sub("", raw))]


def changes(old: str, new: str) -> tuple[Change, ...]:
    """The paragraphs of `new` that differ from `old`, with their sentences that `old` does not have."""
    before, after = _paragraphs(old), _paragraphs(new)
    known = {sentence for paragraph in before for _, sentence in _sentences(paragraph)}
    matcher = difflib.SequenceMatcher(None, [p[1] for p in before], [p[1] for p in after], autojunk=False)
    found = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        added = after[j1:j2]
        line = added[0][0] if added else (after[j1][0] if j1 < len(after) else (after[-1][0] if after else 1))
        sentences = tuple((number, s) for paragraph in added for number, s in _sentences(paragraph)
                          if s not in known)
        found.append(Change(line, tuple(p[1] for p in before[i1:i2]), tuple(p[1] for p in added), sentences))
    return tuple(found)


def statuses(root: Path, tag: str) -> list[ChapterStatus]:
    """Each chapter's status for one language, in file-name order: every source chapter, then the extra ones."""
    root = root.resolve()
    sandbox = Sandbox(root, extra=())
    folder = translation_folder(root, tag)
    sources = _chapters(root, root / "chapters", sandbox)
    translated = _chapters(root, folder / "chapters", sandbox)
    found = []
    for name in sorted(set(sources) | set(translated)):
        source_path, translation_path = root / "chapters" / name, folder / "chapters" / name
        paths = dict(language=tag, name=name, source=shown_path(source_path, root),
                     translation=shown_path(translation_path, root))
        if name not in translated:
            found.append(ChapterStatus(status=MISSING, **paths))
            continue
        if name not in sources:
            found.append(ChapterStatus(status=EXTRA, **paths))
            continue
        source_bytes = sandbox.read_bytes(source_path)
        current = digest(source_bytes)
        text = decode_utf8(sandbox.read_bytes(translation_path), translation_path)
        file, recorded, line, problem = recorded_source(text)
        if not problem and file != name:
            problem = f"records the source {file}, not {name}"
        if not problem and recorded == current:
            found.append(ChapterStatus(status=UP_TO_DATE, recorded=recorded, current=current, line=line, **paths))
            continue
        note, changed = "", ()
        copy = folder / SOURCES_DIR / name
        if problem:
            note = "no diff: the translation does not say which version of the source it translates"
        elif not copy.is_file():
            note = f"no diff: {shown_path(copy, root)} (the source as translated) is missing"
        else:
            kept = sandbox.read_bytes(copy)
            if digest(kept) != recorded:
                note = (f"no diff: {shown_path(copy, root)} is not the source as translated (its digest is "
                        f"{digest(kept)}, the translation records {recorded})")
            else:
                changed = changes(decode_utf8(kept, copy), decode_utf8(source_bytes, source_path))
        found.append(ChapterStatus(status=OUT_OF_DATE, recorded=recorded, current=current, line=line,
                                   reason=problem, note=note, changes=changed, **paths))
    return found


def diff_lines(change: Change, context: int = 1) -> list[str]:
    """A changed place as lines, "-" as translated, "+" now, and up to `context` unchanged lines around each
    change ("  "; "  ..." for those left out): a changed list shows its changed items, not the whole list."""
    old = "\n\n".join(change.old).split("\n") if change.old else []
    new = "\n\n".join(change.new).split("\n") if change.new else []
    shown: list[str] = []
    groups = list(difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context))
    for index, group in enumerate(groups):
        if index or (group[0][1] > 0 or group[0][3] > 0):
            shown.append("  ...")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                shown.extend(f"  {raw}".rstrip() for raw in old[i1:i2])
                continue
            shown.extend(f"- {raw}" for raw in old[i1:i2])
            shown.extend(f"+ {raw}" for raw in new[j1:j2])
    if groups and (groups[-1][-1][2] < len(old) or groups[-1][-1][4] < len(new)):
        shown.append("  ...")
    return shown


def describe(status: ChapterStatus) -> list[str]:
    """The lines `publish.py translations` prints for one chapter: its status, and for an out-of-date one
    what changed in the source (each changed place at its line, "-" as translated, "+" now)."""
    if status.status == UP_TO_DATE:
        return [f"  {status.name}: up to date ({status.recorded})"]
    if status.status == MISSING:
        return [f"  {status.name}: missing: {status.source} has no translation ({status.translation})"]
    if status.status == EXTRA:
        return [f"  {status.name}: extra: {status.translation} has no source chapter ({status.source})"]
    why = status.reason or f"{status.source} changed since it was translated ({status.recorded}, now {status.current})"
    lines = [f"  {status.name}: out of date: {status.translation} {why}" if status.reason
             else f"  {status.name}: out of date: {why}"]
    if status.reason:
        lines.append(f"    once it translates {status.source} as it is now, `publish.py translations mark "
                     f"{status.language} {status.name.split('-', 1)[0]}` records that (source: {status.name}@digest)")
    if status.note:
        lines.append(f"    {status.note}")
    for change in status.changes:
        kind = "changed" if change.old and change.new else ("added" if change.new else "removed")
        lines.append(f"    {status.source}:{change.line}: {kind}")
        lines.extend(f"      {raw}" for raw in diff_lines(change))
    return lines


def report(root: Path, tags: tuple[str, ...]) -> str:
    """Per language, each chapter's status, with the changed paragraphs of out-of-date ones."""
    out = []
    for tag in tags:
        found = statuses(root, tag)
        counts = {kind: sum(1 for s in found if s.status == kind) for kind in (UP_TO_DATE, OUT_OF_DATE, MISSING, EXTRA)}
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count) or "no chapters"
        out.append(f"{tag} ({shown_path(translation_folder(root.resolve(), tag) / 'chapters', root.resolve())}): "
                   f"{summary}")
        for status in found:
            out.extend(describe(status))
    return "\n".join(out)


def chapter_names(root: Path, tag: str, chosen: tuple[str, ...], every: bool) -> list[str]:
    """The translated chapters `mark` names: by number ("03", "3"), file name ("03-how-well.md") or name without
    ".md"; `every`: all the translated chapters that have a source chapter. Bad input names what exists."""
    root = root.resolve()
    sandbox = Sandbox(root, extra=())
    translated = _chapters(root, translation_folder(root, tag) / "chapters", sandbox)
    sources = _chapters(root, root / "chapters", sandbox)
    if not translated:
        raise InputError(f"no translated chapters in {TRANSLATIONS_DIR}/{tag}/chapters/: is {tag} the right "
                         "language tag?", translation_folder(root, tag), code="translations.no-chapters")
    if every:
        return [name for name in translated if name in sources]
    names = []
    for wanted in chosen:
        key = wanted.removesuffix(".md")
        matches = [name for name in translated if name.removesuffix(".md") == key
                   or (key.isdigit() and int(CHAPTER_FILE.match(name).group(1)) == int(key))]
        if len(matches) != 1:
            raise InputError(f"no translated chapter '{wanted}' in {TRANSLATIONS_DIR}/{tag}/chapters/ (name one by "
                             f"number or file name: {', '.join(translated)}), or use --all",
                             translation_folder(root, tag) / "chapters", code="translations.unknown-chapter")
        if matches[0] not in sources:
            raise InputError(f"{matches[0]} has no source chapter (chapters/{matches[0]}) to mark it against",
                             translation_folder(root, tag) / "chapters" / matches[0], code="translations.extra")
        names.append(matches[0])
    return list(dict.fromkeys(names))


def _write(path: Path, data: bytes, like: Path) -> None:
    """Write a file whole, with the permissions of `like` (a temporary file is made private)."""
    mode = stat.S_IMODE(like.stat().st_mode)
    atomic_write(path, data)
    os.chmod(path, mode)


def mark(root: Path, tag: str, name: str) -> tuple[str, str]:
    """Record that the translated chapter `name` translates its source as it is now: its front matter's
    `source:` line gets the source's current digest (added before the closing `---` when it has none; every
    other byte of the file kept) and `translations/<tag>/.sources/<name>` a copy of the source. Returns the
    digests (before, now); before is "" when none was recorded."""
    root = root.resolve()
    sandbox = Sandbox(root, extra=())
    source_path = root / "chapters" / name
    translation_path = translation_folder(root, tag) / "chapters" / name
    source_bytes = sandbox.read_bytes(source_path)
    data = sandbox.read_bytes(translation_path)
    text = decode_utf8(data, translation_path)
    span = _front_matter(text)
    if span is None:
        raise InputError("a translated chapter must start with front matter (a line '---', its keys, a line '---') "
                         "to record its source in", translation_path, 1, code="translations.front-matter")
    value = f"{name}@{digest(source_bytes)}"
    match = _SOURCE_LINE.search(text, span[0], span[1])
    _, before, _, _ = recorded_source(text)
    if match is not None:
        start, end = match.start("value"), match.end("value")
    else:
        newline = "\r\n" if "\r\n" in text[:span[1]] else "\n"
        start = end = span[1]
        value = f"source: {value}{newline}"
    updated = text[:start] + value + text[end:]
    copy = translation_folder(root, tag) / SOURCES_DIR / name
    for path in (translation_path, copy):
        if not sandbox.in_project(path) or (path.exists() and not sandbox.allows(path)):
            raise InputError("refused: it is a link leading out of the project", path, code="translations.link")
    _write(copy, source_bytes, source_path)
    if updated != text:
        _write(translation_path, updated.encode("utf-8"), translation_path)
    return before, digest(source_bytes)
