"""chapters/ -> Book: the one immutable model both outputs are rendered from.

All validation of the chapters happens here, with `file:line` in every
message. Nothing after this step reads chapters/ (nor the jargon list, which
the Book carries for the checks, with the lines of publish.toml's keys and of
references.yaml's keys: `Book.source`).

`load_book` stops at the first problem (the build); `load_book(collect=True)`
goes on and raises `BookProblems` at the end with every problem of the book as
a Diagnostic, each with the code given where it is found (`publish.py check`).
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from handout.config.settings import SCHEMA, Config, Limits, read_config_text, source_date_epoch
from handout.config.strings import load
from handout.core.errors import (
    Diagnostic,
    InputError,
    Note,
    SandboxError,
    decode_utf8,
    refuse_control_characters,
    shown_path,
)
from handout.core.limits import time_limit
from handout.core.safeyaml import MAX_REFERENCES_BYTES, load_yaml
from handout.core.sandbox import Sandbox, check_data_image, check_image
from handout.core.sourcelines import Occurrences, line_of, line_of_any
from handout.core.weburl import is_web_address
from handout.load import iconarray
from handout.load.cache import ChapterCache
from handout.load.markdown_ext import CHAPTER_FILE, CITE_PLACEHOLDER, ChapterState, new_markdown
from handout.load.mdguard import CONVERT_SECONDS, MAX_NESTING, check_markdown
from handout.load.pasted import (
    CITATION_SYNTAX,
    ENTITY,
    LEVELS,
    UNREAD_CITATION_MESSAGE,
    Remark,
    named_entities_as_characters,
    normalise,
    unknown_entity,
    unread_citation_line,
)
from handout.load.sanitize import all_refused_markup, all_refused_raw_html, describe_allowed, unbalanced_tags
from handout.load.sheetmarks import mark_lines, part_name, split_marked
from handout.model import Block, Book, Chapter, Heading, Reference, SourceMap
from handout.core.inherit import library_jargon, library_references

CHAPTERS_DIR = "chapters"
REFERENCES_FILE = "references.yaml"
ROLES = {"chapter", "glossary", "sources"}
FRONT_MATTER_KEYS = {"title", "short_title", "summary", "role", "sheet", "source"}  # source: translations.py
COMPONENTS = {"key-points", "callout", "warning", "checklist", "crisis", "icon-array"}
# `::: kind "title"`, and `{sheet}` after it for a box on the desk sheet (handout/targets/pdf/sheet.py).
CONTAINER_OPEN = re.compile(r'^:::\s*([A-Za-z][\w-]*)\s*(?:"([^"]*)")?\s*(\{\s*sheet\s*\})?\s*$')
VOID_TAG = re.compile(r"<(br|wbr|hr)(\s[^<>]*?)?\s*/?>", re.I)
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")  # a BCP 47 tag, as `lang` takes it
REFERENCE_FIELDS = {"authors": True, "title": True, "publisher": True, "year": True,
                    "details": False, "doi": False, "url": False, "accessed": False, "language": False}


class BookProblems(InputError):
    """`load_book(collect=True)` found problems: `diagnostics` holds every one (errors, in the order found),
    `notes` the warnings met on the way. As an InputError it is the first problem."""

    def __init__(self, diagnostics, notes=()):
        first = diagnostics[0]
        super().__init__(first.message, first.path, first.line, first.code, first.hint)
        self.diagnostics = tuple(diagnostics)
        self.notes = tuple(notes)

    def _extra(self) -> dict:
        return {"diagnostics": self.diagnostics, "notes": self.notes}

    def format(self, root: Path | None = None) -> str:
        """Every problem, one a line, each at its file and line (as `check` lists them): a refused build
        names them all at once."""
        shown = [InputError(d.message, d.path, d.line).format(root) for d in dict.fromkeys(self.diagnostics)]
        if len(shown) == 1:
            return shown[0]
        return f"{len(shown)} problems in the handout:\n" + "\n".join(f"  {line}" for line in shown)


class Problems:
    """Where the loader's problems go: raised at once (`collect` false: the build stops at the first), or
    kept, each as a Diagnostic, so that loading goes on and finds the rest."""

    def __init__(self, collect: bool = False):
        self.collect = collect
        self.found: list[Diagnostic] = []

    def add(self, error: InputError) -> None:
        if not self.collect:
            raise error
        self.found.append(error.diagnostic)


def read_text(path: Path, sandbox: Sandbox) -> str:
    """Read a UTF-8 text file through the sandbox, naming the line of the first bad byte otherwise."""
    text = decode_utf8(sandbox.read_bytes(path), path)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    refuse_control_characters(text, "the file", path, whole_file=True)
    return text


def build_date(config: Config) -> dt.datetime:
    """The date stamped into outputs: SOURCE_DATE_EPOCH if set, else the last review date; never the clock."""
    epoch = source_date_epoch()
    if epoch is not None:
        return epoch
    day = config.review.last_reviewed
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Return (front matter, body, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        heading = re.match(r"#[ \t]+(.+?)[ \t#]*$", lines[0].strip()) if lines else None
        instead = (f" (here: in place of '{lines[0].strip()}', write three lines: '---', 'title: {heading.group(1)}' "
                   "and '---')") if heading else ""
        raise InputError(f"missing YAML front matter: start the file with a '---' line, then 'title: ...'{instead}",
                         path, 1)
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            break
    else:
        raise InputError("front matter is not closed: add a '---' line after it", path, 1)
    try:
        data, _ = load_yaml("\n".join(lines[1:end]), path, 2, "invalid YAML front matter")
    except InputError as error:
        raise _colon_advice(lines[1:end], path) or error from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("front matter must be 'key: value' lines", path, 2)
    return data, "\n".join(lines[end + 1:]), end + 2


def _colon_advice(lines: list[str], path: Path) -> InputError | None:
    """When front matter does not read because a value holds ': ' (`title: Sleep: what helps`), what to write."""
    for number, line in enumerate(lines, 2):
        match = re.match(r"([A-Za-z_][\w-]*):[ \t]+([^'\"\s\[{|>].*?:(?=[ \t]|$).*?)\s*$", line)
        if match:
            key, value = match.groups()
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            return InputError(f"the value of '{key}' holds a colon, which YAML reads as a new key: put the value in "
                              f"quotes, {key}: \"{quoted}\"", path, number, code="input.front-matter")
    return None


def _front_matter_line(text: str, key: str) -> int:
    """The line of a front matter key (the file's first line is `---`, so a key is on line 2 or after)."""
    return line_of(text, f"\n{key}:", 2) or 1


def split_blocks(body: str, path: Path, body_line: int) -> list[tuple[str, str, str, int, bool]]:
    """Split a body into (kind, title, markdown, first line, marked for the sheet) runs at `::: kind "title"`
    fences."""
    runs: list[tuple[str, str, str, int, bool]] = []
    current: list[str] = []
    kind, title, start, marked = "markdown", "", body_line, False
    for offset, line in enumerate(body.split("\n")):
        number = body_line + offset
        stripped = line.strip()
        opened = CONTAINER_OPEN.match(stripped) if line.startswith(":::") else None
        if opened:
            if kind != "markdown":
                raise InputError(f"'::: {opened.group(1)}' inside '::: {kind}': boxes cannot be nested; "
                                 f"close the box opened on line {start - 1} with ':::' first", path, number)
            if opened.group(1) not in COMPONENTS:
                raise InputError(f"unknown box '::: {opened.group(1)}' (use one of: {', '.join(sorted(COMPONENTS))})",
                                 path, number)
            runs.append((kind, title, "\n".join(current), start, marked))
            kind, title, current, start = opened.group(1), opened.group(2) or "", [], number + 1
            marked = bool(opened.group(3))
        elif stripped == ":::" and line.startswith(":::"):
            if kind == "markdown":
                raise InputError("':::' closes a box that was never opened", path, number)
            runs.append((kind, title, "\n".join(current), start, marked))
            kind, title, current, start, marked = "markdown", "", [], number + 1, False
        elif line.startswith(":::"):
            raise InputError(f"malformed box line '{stripped}': write '::: kind \"Title\"' or ':::'", path, number)
        else:
            current.append(line)
    if kind != "markdown":
        raise InputError(f"'::: {kind}' is never closed: add a ':::' line", path, start - 1)
    runs.append((kind, title, "\n".join(current), start, marked))
    return [run for run in runs if run[0] != "markdown" or run[2].strip()]


def _check_well_formed(html: str, path: Path, line: int) -> None:
    # The EPUB needs XHTML; raw HTML typed into a chapter must not break it.
    try:
        ET.fromstring(f'<div xmlns:epub="http://www.idpf.org/2007/ops">{html}</div>')
    except ET.ParseError as error:
        raise InputError(f"the chapter's HTML is not well-formed ({error.msg}): close every tag, "
                         "and write <br/> rather than <br>", path, line + error.position[0] - 1,
                         code="input.xhtml") from None


def load_chapter(path: Path, number: int, slug: str, root: Path, limits: Limits,
                 cache: ChapterCache | None = None, problems: Problems | None = None,
                 words: tuple[tuple[str, str], ...] = ()) -> Chapter:
    """Read one chapter, reusing its cached conversion when the file has not changed. Problems go to
    `problems` (by default: raised at the first); what stops the chapter from being read at all is raised."""
    problems = problems if problems is not None else Problems()
    sandbox = Sandbox(root)
    size = sandbox.check_file(path).stat().st_size
    if size > limits.chapter_kb * 1000:
        raise InputError(f"chapter is {size // 1000} kB, over the limit of {limits.chapter_kb} kB "
                         "(limits.chapter_kb in publish.toml): split it into several chapters", path,
                         code="input.too-large")
    raw = sandbox.read_bytes(path)
    key = chapter_key(cache, path, raw, words) if cache else ""
    chapter = cache.get(key) if cache else None
    if not isinstance(chapter, Chapter) or (chapter.number, chapter.slug) != (number, slug) \
            or _figures_moved(chapter, path, root):
        before = len(problems.found)
        chapter = convert_chapter(path, number, slug, root, limits.markdown_seconds, problems, words)
        if cache and len(problems.found) == before:
            cache.put(key, chapter)
    # Images are files of their own: check them on every build, cached conversion or not.
    at = Occurrences(chapter.body, chapter.body_line)
    for image in chapter.images:
        if image.path is None:  # a data: URL: its image is checked as a file would be, named by the chapter
            line = line_of_any(chapter.body, (image.src[:80], "](data:"), chapter.body_line)
            try:
                check_data_image(image.src, limits.image_bytes, limits.image_pixels)
            except SandboxError as error:
                problems.add(SandboxError(error.message, path, line, code=error.code))
            continue
        line = at.line(image.src.rsplit("/", 1)[-1])
        if not image.path.is_file():
            problems.add(InputError(f"image '{image.src}' not found", path, line, code="images.missing"))
            continue
        try:
            check_image(image.path, limits.image_bytes, limits.image_pixels)
        except SandboxError as error:
            problems.add(SandboxError(f"{error.message} (used in {path.relative_to(root)}"
                                      f"{f':{line}' if line else ''})", error.path, error.line, code=error.code))
    return chapter


def _figures_moved(chapter: Chapter, path: Path, root: Path) -> bool:
    """A translated chapter's cached figures that are no longer where they were found: the translation has its
    own now where it used the source's, or no longer has the one it used (markdown_ext's figure fallback)."""
    folder = re.match(r"translations/[^/]+/", shown_path(path, root))
    if folder is None:
        return False
    return any(image.path is not None and (not image.path.is_file() if image.src.startswith(folder.group(0))
                                           else (root / (folder.group(0) + image.src)).is_file())
               for image in chapter.images)


def chapter_key(cache: ChapterCache, path: Path, raw: bytes, words: tuple[tuple[str, str], ...]) -> str:
    """A chapter's key in the cache: its bytes and the language's conversion words (quotes, icon arrays)."""
    return cache.key(path, repr(words).encode() + b"\0" + raw)


def conversion_words(root: Path, language: str, problems: Problems) -> tuple[tuple[str, str], ...]:
    """The layout strings a chapter's conversion writes, in the book's language (handout/config/strings.py): the
    characters "double quotes" become (typography.*) and an icon array's words (icon_array.*)."""

    try:
        strings = load(root, language)
    except InputError as error:
        problems.add(error)
        return ()
    return tuple((key, value) for key, value in strings.table.items() if key.startswith(("typography.", "icon_array.")))


def convert_chapter(path: Path, number: int, slug: str, root: Path, seconds: float = CONVERT_SECONDS,
                    problems: Problems | None = None, words: tuple[tuple[str, str], ...] = ()) -> Chapter:
    """Front matter and Markdown -> a Chapter, validating everything that depends on the file alone. Problems
    in the Markdown go to `problems` (by default: raised at the first); those of the file and its front matter,
    which stop it from being read, are raised."""
    problems = problems if problems is not None else Problems()
    text = read_text(path, Sandbox(root))
    meta, body, body_line = split_front_matter(text, path)
    unknown = tuple((str(key), _front_matter_line(text, key)) for key in meta if key not in FRONT_MATTER_KEYS)
    if "title" not in meta:
        raise InputError("front matter has no 'title'", path, 2, code="input.front-matter")
    for key in ("title", "short_title", "summary", "role"):
        if key in meta and not isinstance(meta[key], str):
            raise InputError(f"front matter '{key}' must be text", path, _front_matter_line(text, key),
                             code="input.front-matter")
    for key in ("title", "short_title", "summary"):
        if key in meta:
            refuse_control_characters(meta[key], f"front matter '{key}'", path, _front_matter_line(text, key))
    if not meta["title"].strip():
        raise InputError("front matter 'title' is empty", path, _front_matter_line(text, "title"),
                         code="input.front-matter")
    role = meta.get("role", "chapter")
    if role not in ROLES:
        raise InputError(f"front matter 'role' must be one of {', '.join(sorted(ROLES))}, not '{role}'",
                         path, _front_matter_line(text, "role"), code="input.front-matter")
    if "sheet" in meta and not isinstance(meta["sheet"], bool):
        raise InputError("front matter 'sheet' must be true or false (true: the chapter's key-points box goes on "
                         "the desk sheet)", path, _front_matter_line(text, "sheet"), code="input.front-matter")
    state = ChapterState(slug=slug, chapter_path=path, root=root, role=role, sheet_key_points=bool(meta.get("sheet")),
                         words=words)
    state.ids.extend([slug, f"{slug}--title"])
    check_markdown(body, path, body_line)  # shapes that would convert too slowly or recurse too deep
    md = new_markdown(state)
    try:
        with time_limit(seconds, "converting the chapter's Markdown", "limits.markdown_seconds"):
            notes: list[Remark] = []
            blocks = _convert_blocks(md, state, split_blocks(body, path, body_line), path, problems,
                                     (meta["title"], body_line, notes))
    except RecursionError:
        raise InputError(f"the chapter nests too deeply to convert (lists, quotes or HTML at most {MAX_NESTING} "
                         "deep): flatten it", path, code="input.too-complex") from None
    except InputError as error:
        if error.path is not None:
            raise
        raise InputError(f"converting the chapter's Markdown took longer than {seconds:g} s "
                         "(limits.markdown_seconds in publish.toml): split the chapter, or simplify its longest "
                         "paragraphs", path, code="input.too-complex") from None
    if state.sheet_key_points and not any(block.kind == "key-points" for block in blocks):
        problems.add(InputError("'sheet: true' puts the chapter's key-points box on the desk sheet, and the chapter "
                                "has none: add a '::: key-points' box, or mark parts with {sheet}", path,
                                _front_matter_line(text, "sheet"), code="sheet.mark"))
    return Chapter(
        path=path, number=number, slug=slug, title=meta["title"].strip(),
        short_title=(meta.get("short_title") or meta["title"]).strip(), summary=(meta.get("summary") or "").strip(),
        role=role, blocks=tuple(blocks),
        headings=tuple(Heading(*h) for h in state.headings), images=tuple(state.images), ids=tuple(state.ids),
        glossary_terms=tuple(state.glossary_terms), body=body, body_line=body_line,
        links=tuple(state.links), citations=tuple(state.citations), unknown_keys=unknown, sheet=tuple(state.sheet),
        notes=tuple(notes),
    )


def _convert_blocks(md, state: ChapterState, runs, path: Path, problems: Problems,
                    chapter: tuple[str, int, list[Remark]] = ("", 0, [])) -> list[Block]:
    """Each (kind, title, markdown, first line) run of a chapter -> a Block of checked XHTML. Each problem the
    Markdown dialect found goes to `problems`; markup that is refused ends its block's checks. `chapter`: its
    title, its body's first line, and the list its notes go to (what was made of pasted or foreign text, as
    `pasted.normalise` and the dialect found it)."""
    chapter_title, body_line, notes = chapter
    blocks = []
    for kind, title, source, first_line, marked in runs:
        md.reset()
        before = len(state.problems)
        if kind == "icon-array":
            _icon_array(md, state, blocks, (title, source, first_line, marked), path, problems)
            continue
        text = _read_pasted(source, first_line, chapter_title if (kind, first_line) == ("markdown", body_line) else "",
                            path, problems, notes)
        html, parts = split_marked(md.convert(text))
        at = Occurrences(source, first_line)  # lines are looked for in the run as written
        for problem in state.problems[before:]:
            if problem.code in LEVELS:
                notes.append(Remark(problem.code, LEVELS[problem.code], at.line(problem.needle), problem.message))
                continue
            error = SandboxError if problem.sandbox else InputError
            problems.add(error(problem.message, path, at.line(problem.needle), code=problem.code))
        if "[@" in html:  # a citation the dialect did not read: never printed as typed
            problems.add(InputError(UNREAD_CITATION_MESSAGE, path, unread_citation_line(source, first_line),
                                    code=CITATION_SYNTAX))
        reported = {problem.needle for problem in state.problems[before:]}  # images already refused
        try:
            blocks.append(Block(kind, _checked_html(md, state, html, source, first_line, path, reported, problems),
                                title, line=first_line - (kind != "markdown")))
        except InputError as error:
            problems.add(error)
            continue
        _mark_for_sheet(state, blocks, marked, parts, source, first_line)
    return blocks


def _mark_for_sheet(state: ChapterState, blocks: list[Block], marked: bool, parts: dict[int, str], source: str,
                    first_line: int) -> None:
    """The desk sheet's share of the block just converted (handout/targets/pdf/sheet.py): its marked parts of Markdown, or
    the box itself when it is marked, or inside a marked section."""
    block = blocks[-1]
    if block.kind != "markdown":
        if state.sheet_section:
            number = state.sheet_section[0]
        elif marked or (block.kind == "key-points" and state.sheet_key_points):
            state.sheet_parts += 1
            number = state.sheet_parts
        else:
            return
        blocks[-1] = replace(block, part=number)
        state.sheet.append(blocks[-1])
        return
    known = {b.part for b in state.sheet}
    lines = iter(mark_lines(source, first_line))
    for number, html in parts.items():
        html = VOID_TAG.sub(r"<\1\2 />", html)
        line = next(lines, first_line) if number not in known else next(b.line for b in state.sheet if b.part == number)
        name = next((b.title for b in state.sheet if b.part == number), "") or part_name("markdown", "", html)
        state.sheet.append(Block("markdown", html, name, part=number, line=line))


def _icon_array(md, state: ChapterState, blocks: list[Block], run, path: Path, problems: Problems) -> None:
    """An `::: icon-array` box (handout/load/iconarray.py) -> its figure: the numbers in words are Markdown (their
    citations too), checked as any block; the SVG is drawn from the numbers."""
    title, source, first_line, marked = run
    try:
        outcome, groups = iconarray.parse(source, title)
    except iconarray.IconArrayError as error:
        problems.add(InputError(error.message, path, first_line + error.offset, code="input.icon-array"))
        return
    words = iconarray.numbers_markdown(outcome, groups, dict(state.words))
    before = len(state.problems)
    html = md.convert(words)
    for problem in state.problems[before:]:
        error = SandboxError if problem.sandbox else InputError
        problems.add(error(problem.message, path, first_line + groups[0].offset, code=problem.code))
    try:
        html = _checked_html(md, state, html, words, first_line, path, set())
    except InputError as error:
        problems.add(error)
        return
    ident = state.unique(state.anchor("icon-array"))
    figure = iconarray.figure(outcome, groups, title, html, ident, dict(state.words))
    text_labels = iconarray.text_labelled_figure(outcome, groups, title, html, ident, dict(state.words))
    blocks.append(Block("icon-array", figure, title, line=first_line - 1, text_labels=text_labels))
    _mark_for_sheet(state, blocks, marked, {}, "", first_line)


def _read_pasted(source: str, first_line: int, title: str, path: Path, problems: Problems,
                 notes: list[Remark]) -> str:
    """A run as the converter reads it (`pasted.normalise`): what it refuses goes to `problems`, what it made
    of pasted or foreign lines to `notes`."""
    text, remarks = normalise(source, first_line, title)
    for remark in remarks:
        if remark.level == "error":
            problems.add(InputError(remark.message, path, remark.line, code=remark.code))
        else:
            notes.append(remark)
    return text


def _tag_line(lines: Occurrences, needles: tuple[str, ...], written: str) -> int:
    """The line of an unbalanced tag: that of the first needle found, moved down to the tag when the needle
    ends with it (a stray </div> is found by the lines before it, which may start on an earlier line)."""
    for needle in (needle.lower() for needle in needles):
        if needle and needle in lines.text:
            tag = written.lower()
            return lines.line(needle) + (needle[:-len(tag)].count("\n") if needle.endswith(tag) else 0)
    return lines.first_line


def _checked_html(md, state: ChapterState, html: str, source: str, first_line: int, path: Path,
                  reported: set[str], problems: Problems | None = None) -> str:
    """A block's HTML, as XHTML, once no raw HTML in it is refused. What is refused raises InputError; with
    `problems`, every refusal of the block goes there (the last one raised, so that they keep their order)."""
    # A tag typed open and never closed (or closed and never opened) first: the sanitiser's parser would
    # rebuild the tree around it and refuse tags the author never typed. What else is refused is judged
    # without it, so that every problem of the block is reported at once.
    lines = Occurrences(source.lower(), first_line)
    unbalanced = unbalanced_tags(html)
    refusals = [InputError(what, path, _tag_line(lines, needles, written), code="input.xhtml")
                for what, needles, written in unbalanced]
    balanced = html
    for _, _, written in unbalanced:
        balanced = balanced.replace(written, "", 1)
    refusals += _refusals(md, state, balanced, source, first_line, path, reported)
    if refusals:
        for error in refusals[:-1] if problems is not None else ():
            problems.add(error)
        raise refusals[-1] if problems is not None else refusals[0]
    html = VOID_TAG.sub(r"<\1\2 />", html)  # <br> typed by hand, as XHTML
    html = named_entities_as_characters(html)  # &nbsp; as the character: XHTML knows only the XML five
    unknown = unknown_entity(html)
    if unknown:
        raise InputError(f"'{unknown}' is not a character HTML knows: type the character itself, or write '&amp;' "
                         "for an '&'", path, line_of(source, unknown, first_line) or first_line, code=ENTITY)
    _check_well_formed(html, path, first_line)
    return html


def _refusals(md, state: ChapterState, html: str, source: str, first_line: int, path: Path,
              reported: set[str]) -> list[InputError]:
    """Every piece of a block's raw HTML that is not allowed, in the order found."""
    def at(needle: str) -> int:
        return lines.line(needle.lower())

    lines = Occurrences(source.lower(), first_line)
    found = [InputError(f"raw HTML not allowed: {what}", path, at(needle), code="input.raw-html")
             for what, needle in all_refused_raw_html(md.htmlStash.rawHtmlBlocks)]
    # An attribute refused there, or a link the dialect refused (`reported`), is not refused twice.
    raw = " ".join(error.message for error in found)
    found += [InputError(f"raw HTML not allowed: {what} (allowed: {describe_allowed()}, with class; web and mailto "
                         "links; images inside the project)", path, at(needle), code="input.raw-html")
              for what, needle in all_refused_markup(html)
              if what.removeprefix("attribute ") not in raw and not any(n.startswith(needle) for n in reported)]
    known_images = {image.src for image in state.images} | reported
    found += [InputError(f"raw <img> '{src[:60]}' is not allowed: write images in Markdown, ![what it shows](path)",
                         path, at("<img"), code="images.raw-img")
              for src in re.findall(r'<img\b[^>]*\bsrc=["\']([^"\']*)["\']', html) if src not in known_images]
    return found


def load_references(root: Path) -> tuple[dict[str, dict], dict[str, int], Path]:
    """The entries a handout may cite, the line of each of its own, and its references.yaml. A handout in a
    library may also cite the library's references.yaml (handout/core/inherit.py); its own entry of a key wins."""
    path = root / CHAPTERS_DIR / REFERENCES_FILE
    shared = library_references(root)
    library = _references_file(shared, root)[0] if shared is not None else {}
    if not path.exists() and not path.is_symlink():
        return library, {}, path
    data, lines = _references_file(path, root)
    return {**library, **data}, lines, path


def _references_file(path: Path, root: Path) -> tuple[dict[str, dict], dict[str, int]]:
    size = Sandbox(root).check_file(path).stat().st_size
    if size > MAX_REFERENCES_BYTES:
        raise InputError(f"the file is {size / 1e6:.1f} MB, over the limit of {MAX_REFERENCES_BYTES / 1e6:.0f} MB: "
                         "keep only the sources the handout cites", path, code="input.references")
    text = read_text(path, Sandbox(root))
    data, node = load_yaml(text, path)
    data = data or {}
    if not isinstance(data, dict):
        raise InputError("references must be a mapping of key: entry", path, 1, code="input.references")
    pairs = node.value if getattr(node, "id", "") == "mapping" else []  # an empty file or a lone `~`: none
    lines = {key_node.value: key_node.start_mark.line + 1 for key_node, _ in pairs}
    for key, entry in data.items():
        line = lines.get(str(key))
        if not re.fullmatch(r"[A-Za-z0-9_-]+", str(key)):
            raise InputError(f"reference key '{key}' may hold only letters, digits, '-' and '_'", path, line,
                             code="input.references")
        if not isinstance(entry, dict):
            raise InputError(f"reference '{key}' must be a mapping of fields", path, line,
                             code="citations.bad-reference")
        for name, required in REFERENCE_FIELDS.items():
            if required and not entry.get(name):
                raise InputError(f"reference '{key}' has no '{name}'", path, line,
                                 code="citations.bad-reference")
        for name in entry:
            if name not in REFERENCE_FIELDS:
                raise InputError(f"reference '{key}' has an unknown field '{name}' "
                                 f"(fields: {', '.join(REFERENCE_FIELDS)})", path, line,
                                 code="citations.bad-reference")
        if not entry.get("doi") and not entry.get("url"):
            raise InputError(f"reference '{key}' needs a 'doi' or a 'url'", path, line,
                             code="citations.bad-reference")
        language = entry.get("language")
        if language is not None and not (isinstance(language, str) and LANGUAGE_TAG.fullmatch(language)):
            raise InputError(f"reference '{key}' has a language '{language}' that is not a language tag: write "
                             "one such as \"en\", \"en-US\" or \"es\"", path, line, code="citations.bad-reference")
        url = str(entry.get("url", ""))
        if url and not is_web_address(url):
            raise InputError(f"reference '{key}' has a malformed url '{url}'", path, line,
                             code="citations.bad-reference")
    return data, lines


def _reference_language(entry: dict, config: Config) -> dict[str, str]:
    """A source's language (its `language`, else the handout's source language), and as `foreign` the same when
    its primary language is not the book's."""
    language = str(entry.get("language") or config.source_language or config.language)
    other = language.split("-")[0].lower() != config.language.split("-")[0].lower()
    return {"language": language, "foreign": language if other else ""}


def references_advice(root: Path) -> str:
    """Beside a citation with no entry, when chapters/references.yaml is missing: what was found instead."""
    folder = root / CHAPTERS_DIR
    if (folder / REFERENCES_FILE).exists():
        return ""
    found = sorted(p.name for p in folder.glob("*") if p.stem.lower() in {"references", "reference", "refs",
                                                                            "bibliography", "sources"}
                   and p.suffix.lower() in {".yml", ".yaml", ".json", ".bib", ".txt", ".md"} and not p.name[:1].isdigit())
    if found:
        instead = (f"rename it to {REFERENCES_FILE}" if found[0].lower().endswith((".yml", ".yaml"))
                   else f"write its entries in chapters/{REFERENCES_FILE}, in YAML")
        return f" (there is no chapters/{REFERENCES_FILE}; found chapters/{found[0]}: {instead})"
    return f" (there is no chapters/{REFERENCES_FILE}: make it, with one entry per source, as `publish.py new` does)"


def check_jargon_file(config: Config) -> None:
    """The jargon list must be a file of the project, not a link leading out of it. (A name outside the
    project, or a missing list, `load_jargon` reports.)"""
    sandbox = Sandbox(config.root)
    path = config.root / config.check.jargon_file
    if sandbox.in_project(path) and (path.exists() or path.is_symlink()):
        sandbox.check_file(path)


JARGON_BYTES = 1_000_000
DEFAULT_JARGON_FILE = SCHEMA["check"]["jargon_file"].default


def load_jargon(config: Config, source: SourceMap) -> tuple[tuple[str, ...], str | None]:
    """The jargon list (one term per line, # comments), read through the sandbox, and its project-relative
    path; ((), None) when the default list does not exist. A list named in publish.toml must exist inside the
    project."""
    root = config.root
    name = config.check.jargon_file
    path = (root / name).resolve()
    where = source.config_line("check.jargon_file")
    if not path.is_relative_to(root.resolve()):
        raise InputError(f"'check.jargon_file' points outside the project: {name}", config.path, where,
                         code="input.jargon-list")
    if not path.is_file():
        if name in (DEFAULT_JARGON_FILE, f"{config.chapters_dir}/jargon.txt"):  # the default, or a translation's
            shared = library_jargon(root, config.language if config.source_language else "")
            if shared is None:
                return (), None
            path = shared  # a handout in a library with a list: the library's (handout/core/inherit.py)
        else:
            raise InputError(f"'check.jargon_file' file not found: {name}", config.path, where, code="input.jargon-list")
    sandbox = Sandbox(root)
    sandbox.check_file(path)
    if path.stat().st_size > JARGON_BYTES:
        raise InputError(f"the jargon list is over {JARGON_BYTES // 1000} kB: keep it to the terms a patient "
                         "may not know", path, code="input.jargon-list")
    try:
        text = sandbox.read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the jargon list is not UTF-8 text", path, code="input.jargon-list") from None
    terms = (raw.split("#", 1)[0].strip() for raw in text.splitlines())
    return tuple(dict.fromkeys(term for term in terms if term)), shown_path(path, root)


def discover_chapters(root: Path, chapters_dir: str = CHAPTERS_DIR) -> list[tuple[int, str, Path]]:
    """The chapter files of `chapters_dir` (chapters/, or a translation's translations/<tag>/chapters/)."""
    folder = root / chapters_dir
    if not folder.is_dir():
        raise InputError(f"no {chapters_dir}/ folder", folder, code="input.chapters")
    sandbox = Sandbox(root)
    found, numbers = [], {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".md":
            continue
        sandbox.check_file(path)  # not a folder, nor a link leading out of the project
        match = CHAPTER_FILE.match(path.name)
        if not match:
            raise InputError("chapter file names must look like NN-slug.md (digits, '-', lower-case slug)", path,
                             code="input.chapter-name")
        number = int(match.group(1))
        if number in numbers:
            raise InputError(f"chapter number {match.group(1)} is used twice (also {numbers[number].name})", path,
                             code="input.chapter-name")
        numbers[number] = path
        found.append((number, match.group(2), path))
    if not found:
        raise InputError("no chapters: add Markdown files named like 01-introduction.md", folder,
                         code="input.chapters")
    return sorted(found)


# Extensions that Markdown (or plain text meant as a chapter) has, other than the chapters' own lower-case `.md`.
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".txt", ".text"}


def stray_chapter_files(root: Path, keep: tuple[Path, ...] = (), chapters_dir: str = CHAPTERS_DIR) -> list[Note]:
    """Warnings (`errors.Note`: "path:line: text" and its Diagnostic) for files in chapters/ that look like chapters but are not read as one: a
    Markdown or text extension other than `.md` (`11-extra.MD`, `.markdown`, `notes.txt`), or a numbered name
    (`12-more.rst`). `keep` are files the project names for another use (the jargon list)."""
    folder = root / chapters_dir
    if not folder.is_dir():
        return []  # discover_chapters says so
    warnings = []
    kept = {path.resolve() for path in keep}
    for path in sorted(folder.iterdir()):
        name = path.name
        if path.suffix == ".md" or name.startswith((".", "#")) or name.endswith("~") or path.resolve() in kept \
                or not path.is_file():
            continue
        if path.suffix.lower() in MARKDOWN_SUFFIXES or re.match(r"\d+-", name):
            message = (f"'{name}' is not part of the book: only files named like NN-slug.md (with '.md' in lower "
                       f"case) are chapters; rename it to '{path.stem}.md' to include it, or move it out of chapters/")
            warnings.append(Note(Diagnostic("input.stray-file", "warning", message, path, 1),
                                 path.relative_to(root).as_posix()))
    return warnings


def untranslated_chapters(config: Config) -> list[tuple[str, Path]]:
    """A translation's source chapters that it has no translation of yet, (slug, source path): the translation's
    status names each as missing (handout/check/translations.py), so links into them and a sources chapter
    not yet translated are not reported again as broken."""
    if not getattr(config, "source_language", ""):
        return []
    return [(slug, path) for _, slug, path in discover_chapters(config.root)
            if not (config.root / config.chapters_dir / path.name).exists()]


def _is_sources_chapter(path: Path) -> bool:
    head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    return re.search(r"^role[ \t]*:[ \t]*[\"']?sources[\"']?[ \t]*$", head, re.M) is not None


def load_book(config: Config, use_cache: bool = True, collect: bool = False, untranslated: bool = False) -> Book:
    """Read every chapter and the references into a validated Book. The first problem raises InputError;
    with `collect`, loading goes on and every problem of the book is raised at the end together, as
    Diagnostics (`BookProblems`): a chapter that cannot be read is left out and links into it are not judged,
    an unusable references.yaml leaves the citation keys unjudged."""
    root = config.root
    problems = Problems(collect)
    warnings = list(config.warnings)
    infos: list[Note] = []
    try:
        config_text = read_config_text(root)
    except InputError:  # read a moment ago by load_config; gone since
        config_text = ""
    try:
        check_jargon_file(config)
    except InputError as error:
        problems.add(error)
    try:
        entries, reference_lines, references_path = load_references(root)
    except InputError as error:
        problems.add(error)
        entries, reference_lines, references_path = None, {}, root / CHAPTERS_DIR / REFERENCES_FILE
    source = SourceMap(config_text, tuple(reference_lines.items()), references_path)
    warnings.extend(stray_chapter_files(root, (root / config.check.jargon_file,), config.chapters_dir))
    cache = ChapterCache(root) if use_cache else None
    try:
        found = discover_chapters(root, config.chapters_dir)
    except InputError as error:
        problems.add(error)
        found = []
    chapters, unread = [], set()
    words = conversion_words(root, config.language, problems)
    if untranslated and getattr(config, "source_language", ""):
        # A draft translation: each chapter not yet translated in the source language (Chapter.lang).
        found = sorted([*found, *((n, s, p) for n, s, p in discover_chapters(root) if s in
                                  {slug for slug, _ in untranslated_chapters(config)})], key=lambda c: c[0])
    for number, slug, path in found:
        try:
            if any(c.slug == slug for c in chapters):
                raise InputError(f"two chapters share the slug '{slug}'", path, code="input.chapter-name")
            original = bool(untranslated and config.source_language
                            and not path.is_relative_to(root / config.chapters_dir))
            chapter = load_chapter(path, number, slug, root, config.limits, cache, problems,
                                   conversion_words(root, config.source_language, problems) if original else words)
            if original:
                chapter = replace(chapter, lang=config.source_language)
        except InputError as error:
            problems.add(error)
            unread.add(slug)  # its anchors are unknown: links to it are not judged
            continue
        chapters.append(chapter)
        shown = shown_path(path, root)
        warnings.extend(Note(Diagnostic("input.front-matter-key", "warning", f"unknown front matter key '{key}' "
                                        "(ignored)", path, line), shown) for key, line in chapter.unknown_keys)
        for code, level, line, message in chapter.notes:
            (infos if level == "info" else warnings).append(Note(Diagnostic(code, level, message, path, line), shown))
    for clinic in config.clinics:
        if clinic.logo:
            try:
                check_image(root / clinic.logo, config.limits.image_bytes, config.limits.image_pixels)
            except InputError as error:
                problems.add(error)
    # Citations are numbered book-wide in order of first use.
    order: list[str] = []
    occurrences: dict[str, list[str]] = {}
    for chapter in chapters:
        # In reading order: Markdown's inline processing meets a list's citations after the paragraphs'.
        html = "".join(block.html for block in chapter.blocks)
        at = Occurrences(chapter.body, chapter.body_line)
        for key, cite_id in sorted(chapter.citations, key=lambda c: html.find(f'id="{c[1]}"')):
            line = at.line(f"@{key}")
            if entries is None:
                continue
            if key not in entries:
                problems.add(InputError(f"citation '@{key}' has no entry in chapters/references.yaml"
                                        f"{references_advice(root)}", chapter.path, line,
                                        code="citations.unknown-key"))
                continue
            if key not in order:
                order.append(key)
            occurrences.setdefault(key, []).append(cite_id)
    not_translated = untranslated_chapters(config)
    if order and not any(c.role == "sources" for c in chapters) and not unread \
            and not any(_is_sources_chapter(path) for _, path in not_translated):
        problems.add(InputError("chapters cite sources but no chapter has 'role: sources' to list them",
                                root / CHAPTERS_DIR, code="citations.no-sources-chapter"))
    all_ids = {i for c in chapters for i in (c.slug, c.title_id, *c.ids)}
    for chapter in chapters:
        at = Occurrences(chapter.body, chapter.body_line)
        for link in chapter.links:
            line = at.line(f"({link.written}", link.written)
            if link.target not in all_ids and link.target.split("--")[0] not in unread \
                    and link.target.split("--")[0] not in {slug for slug, _ in not_translated}:
                kind = "a chapter" if "--" not in link.target else "an anchor"
                problems.add(InputError(f"link '{link.written}' points to {kind} that does not exist", chapter.path,
                                        line, code="links.unknown-target"))
    try:
        jargon, jargon_list = load_jargon(config, source)
    except InputError as error:
        problems.add(error)
    entries = entries or {}
    # A library's shared entries are cited by some of its handouts: only a handout's own count as uncited.
    uncited = tuple(key for key in entries if key not in occurrences and key in reference_lines)
    shown = shown_path(references_path, root)
    for key in uncited:
        warnings.append(Note(Diagnostic("citations.uncited", "warning", f"reference '{key}' is never cited",
                                        references_path, reference_lines.get(key, 1)), shown))
    if problems.found:
        raise BookProblems(problems.found, [*warnings, *infos])
    numbers = {key: str(n) for n, key in enumerate(order, 1)}
    def numbered(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
        def number(html: str) -> str:
            return CITE_PLACEHOLDER.sub(lambda m: numbers[m.group(1)], html)
        return tuple(replace(b, html=number(b.html), text_labels=number(b.text_labels)) for b in blocks)

    chapters = [replace(c, blocks=numbered(c.blocks), sheet=numbered(c.sheet)) if c.citations else c
                for c in chapters]
    references = tuple(
        Reference(key=key, number=n, authors=str(entries[key]["authors"]), title=str(entries[key]["title"]),
                  publisher=str(entries[key]["publisher"]), year=str(entries[key]["year"]),
                  details=str(entries[key].get("details", "")), doi=str(entries[key].get("doi", "")),
                  url=str(entries[key].get("url", "")), accessed=str(entries[key].get("accessed", "")),
                  cited_at=tuple(occurrences[key]), **_reference_language(entries[key], config))
        for n, key in enumerate(order, 1))
    return Book(root=root, config=config, chapters=tuple(chapters), references=references, uncited=uncited,
                date=build_date(config), warnings=tuple(warnings), source=source, jargon=jargon,
                jargon_list=jargon_list, infos=tuple(infos))
