"""chapters/ -> Book: the one immutable model both outputs are rendered from.

All validation of the chapters happens here, with `file:line` in every
message. Nothing after this step reads chapters/.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import ChapterCache
from .config import Config, Limits, source_date_epoch
from .errors import CONTROL_CHARACTER, InputError, SandboxError, decode_utf8, line_of, refuse_control_characters
from .sandbox import Sandbox, check_data_image, check_image
from .sanitize import describe_allowed, refused_markup, refused_raw_html
from .markdown_ext import CHAPTER_FILE, CITE_PLACEHOLDER, ChapterState, Image, Link, new_markdown
from .mdguard import CONVERT_SECONDS, MAX_NESTING, check_markdown
from .pdf import time_limit
from .safeyaml import MAX_REFERENCES_BYTES, load_yaml

CHAPTERS_DIR = "chapters"
REFERENCES_FILE = "references.yaml"
ROLES = {"chapter", "glossary", "sources"}
FRONT_MATTER_KEYS = {"title", "short_title", "summary", "role"}
COMPONENTS = {"key-points", "callout", "warning", "checklist", "crisis"}
CONTAINER_OPEN = re.compile(r'^:::\s*([A-Za-z][\w-]*)\s*(?:"([^"]*)")?\s*$')
VOID_TAG = re.compile(r"<(br|wbr|hr)(\s[^<>]*?)?\s*/?>", re.I)
REFERENCE_FIELDS = {"authors": True, "title": True, "publisher": True, "year": True,
                    "details": False, "doi": False, "url": False, "accessed": False}


@dataclass(frozen=True)
class Block:
    """A run of chapter content: plain Markdown, or a component a layout partial draws."""
    kind: str            # "markdown" or one of COMPONENTS
    html: str
    title: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Chapter:
    path: Path
    number: int
    slug: str
    title: str
    short_title: str
    summary: str
    role: str
    blocks: tuple[Block, ...]
    headings: tuple[Heading, ...]
    images: tuple[Image, ...]
    ids: tuple[str, ...]
    glossary_terms: tuple[tuple[str, str], ...]
    body: str            # the Markdown source, for checks
    body_line: int       # line of the body's first line in the file
    links: tuple[Link, ...] = ()                  # in-book links, checked against the whole book
    citations: tuple[tuple[str, str], ...] = ()   # (reference key, note reference id), in reading order
    warnings: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        """The chapter's document in the EPUB."""
        return f"{self.slug}.xhtml"

    @property
    def title_id(self) -> str:
        return f"{self.slug}--title"


@dataclass(frozen=True)
class Reference:
    key: str
    number: int
    authors: str
    title: str
    publisher: str
    year: str
    details: str
    doi: str
    url: str
    accessed: str
    cited_at: tuple[str, ...]  # ids of the note references that cite it

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.url


@dataclass(frozen=True)
class Book:
    root: Path
    config: Config
    chapters: tuple[Chapter, ...]
    references: tuple[Reference, ...]
    uncited: tuple[str, ...]
    date: dt.datetime
    warnings: tuple[str, ...] = field(default=(), compare=False)
    draft: bool = False  # built with --draft despite failed checks: the layouts mark every page

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(image for chapter in self.chapters for image in chapter.images)

    def chapter_of(self, anchor: str) -> Chapter | None:
        """The chapter that holds an in-book id (for splitting links across EPUB files)."""
        for chapter in self.chapters:
            if anchor in (chapter.slug, chapter.title_id) or anchor in chapter.ids:
                return chapter
        return None


def read_text(path: Path, sandbox: Sandbox) -> str:
    """Read a UTF-8 text file through the sandbox, naming the line of the first bad byte otherwise."""
    text = decode_utf8(sandbox.read_bytes(path), path)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    control = CONTROL_CHARACTER.search(text)
    if control:
        raise InputError(f"the file holds an invisible control character (U+{ord(control.group()):04X}); "
                         "delete it (it often comes from pasted text)", path, text.count("\n", 0, control.start()) + 1)
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
        raise InputError("missing YAML front matter: start the file with a '---' line, then 'title: ...'", path, 1)
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            break
    else:
        raise InputError("front matter is not closed: add a '---' line after it", path, 1)
    data, _ = load_yaml("\n".join(lines[1:end]), path, 2, "invalid YAML front matter")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("front matter must be 'key: value' lines", path, 2)
    return data, "\n".join(lines[end + 1:]), end + 2


def _front_matter_line(text: str, key: str) -> int:
    return line_of(text, f"\n{key}:", 0) or 1


def split_blocks(body: str, path: Path, body_line: int) -> list[tuple[str, str, str, int]]:
    """Split a body into (kind, title, markdown, first line) runs at `::: kind "title"` fences."""
    runs: list[tuple[str, str, str, int]] = []
    current: list[str] = []
    kind, title, start = "markdown", "", body_line
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
            runs.append((kind, title, "\n".join(current), start))
            kind, title, current, start = opened.group(1), opened.group(2) or "", [], number + 1
        elif stripped == ":::" and line.startswith(":::"):
            if kind == "markdown":
                raise InputError("':::' closes a box that was never opened", path, number)
            runs.append((kind, title, "\n".join(current), start))
            kind, title, current, start = "markdown", "", [], number + 1
        elif line.startswith(":::"):
            raise InputError(f"malformed box line '{stripped}': write '::: kind \"Title\"' or ':::'", path, number)
        else:
            current.append(line)
    if kind != "markdown":
        raise InputError(f"'::: {kind}' is never closed: add a ':::' line", path, start - 1)
    runs.append((kind, title, "\n".join(current), start))
    return [run for run in runs if run[0] != "markdown" or run[2].strip()]


def _line_of_markup(source: str, needle: str, first_line: int) -> int:
    index = source.lower().find(needle.lower())
    return source.count("\n", 0, index) + first_line if index >= 0 else first_line


def _check_well_formed(html: str, path: Path, line: int) -> None:
    # The EPUB needs XHTML; raw HTML typed into a chapter must not break it.
    try:
        ET.fromstring(f'<div xmlns:epub="http://www.idpf.org/2007/ops">{html}</div>')
    except ET.ParseError as error:
        raise InputError(f"the chapter's HTML is not well-formed ({error.msg}): close every tag, "
                         "and write <br/> rather than <br>", path, line + error.position[0] - 1) from None


def load_chapter(path: Path, number: int, slug: str, root: Path, limits: Limits,
                 cache: ChapterCache | None = None) -> Chapter:
    """Read one chapter, reusing its cached conversion when the file has not changed."""
    sandbox = Sandbox(root)
    size = sandbox.check_file(path).stat().st_size
    if size > limits.chapter_kb * 1000:
        raise InputError(f"chapter is {size // 1000} kB, over the limit of {limits.chapter_kb} kB "
                         "(limits.chapter_kb in publish.toml): split it into several chapters", path)
    raw = sandbox.read_bytes(path)
    key = cache.key(path, raw) if cache else ""
    chapter = cache.get(key) if cache else None
    if not isinstance(chapter, Chapter) or (chapter.number, chapter.slug) != (number, slug):
        chapter = convert_chapter(path, number, slug, root, limits.markdown_seconds)
        if cache:
            cache.put(key, chapter)
    # Images are files of their own: check them on every build, cached conversion or not.
    for image in chapter.images:
        if image.path is None:  # a data: URL: its image is checked as a file would be, named by the chapter
            line = line_of(chapter.body, image.src[:80], chapter.body_line) or \
                line_of(chapter.body, "](data:", chapter.body_line)
            try:
                check_data_image(image.src, limits.image_bytes, limits.image_pixels)
            except SandboxError as error:
                raise SandboxError(error.message, path, line) from None
            continue
        line = line_of(chapter.body, image.src.rsplit("/", 1)[-1], chapter.body_line)
        if not image.path.is_file():
            raise InputError(f"image '{image.src}' not found", path, line)
        try:
            check_image(image.path, limits.image_bytes, limits.image_pixels)
        except SandboxError as error:
            raise SandboxError(f"{error.message} (used in {path.relative_to(root)}"
                               f"{f':{line}' if line else ''})", error.path, error.line) from None
    return chapter


def convert_chapter(path: Path, number: int, slug: str, root: Path, seconds: float = CONVERT_SECONDS) -> Chapter:
    """Front matter and Markdown -> a Chapter, validating everything that depends on the file alone."""
    text = read_text(path, Sandbox(root))
    meta, body, body_line = split_front_matter(text, path)
    warnings = [f"{path.relative_to(root)}:{_front_matter_line(text, key)}: unknown front matter key '{key}' "
                "(ignored)" for key in meta if key not in FRONT_MATTER_KEYS]
    if "title" not in meta:
        raise InputError("front matter has no 'title'", path, 2)
    for key in ("title", "short_title", "summary", "role"):
        if key in meta and not isinstance(meta[key], str):
            raise InputError(f"front matter '{key}' must be text", path, _front_matter_line(text, key))
    for key in ("title", "short_title", "summary"):
        if key in meta:
            refuse_control_characters(meta[key], f"front matter '{key}'", path, _front_matter_line(text, key))
    if not meta["title"].strip():
        raise InputError("front matter 'title' is empty", path, _front_matter_line(text, "title"))
    role = meta.get("role", "chapter")
    if role not in ROLES:
        raise InputError(f"front matter 'role' must be one of {', '.join(sorted(ROLES))}, not '{role}'",
                         path, _front_matter_line(text, "role"))
    state = ChapterState(slug=slug, chapter_path=path, root=root, role=role)
    state.ids.extend([slug, f"{slug}--title"])
    check_markdown(body, path, body_line)  # shapes that would convert too slowly or recurse too deep
    md = new_markdown(state)
    try:
        with time_limit(seconds, "converting the chapter's Markdown", "limits.markdown_seconds"):
            blocks = _convert_blocks(md, state, split_blocks(body, path, body_line), path)
    except RecursionError:
        raise InputError(f"the chapter nests too deeply to convert (lists, quotes or HTML at most {MAX_NESTING} "
                         "deep): flatten it", path) from None
    except InputError as error:
        if error.path is not None:
            raise
        raise InputError(f"converting the chapter's Markdown took longer than {seconds:g} s "
                         "(limits.markdown_seconds in publish.toml): split the chapter, or simplify its longest "
                         "paragraphs", path) from None
    return Chapter(
        path=path, number=number, slug=slug, title=meta["title"].strip(),
        short_title=(meta.get("short_title") or meta["title"]).strip(), summary=(meta.get("summary") or "").strip(),
        role=role, blocks=tuple(blocks),
        headings=tuple(Heading(*h) for h in state.headings), images=tuple(state.images), ids=tuple(state.ids),
        glossary_terms=tuple(state.glossary_terms), body=body, body_line=body_line,
        links=tuple(state.links), citations=tuple(state.citations), warnings=tuple(warnings),
    )


def _convert_blocks(md, state: ChapterState, runs, path: Path) -> list[Block]:
    """Each (kind, title, markdown, first line) run of a chapter -> a Block of checked XHTML."""
    blocks = []
    for kind, title, source, first_line in runs:
        md.reset()
        before = len(state.problems)
        html = md.convert(source)
        for problem in state.problems[before:]:
            error = SandboxError if problem.sandbox else InputError
            raise error(problem.message, path, line_of(source, problem.needle, first_line) or first_line)
        refused = refused_raw_html(md.htmlStash.rawHtmlBlocks)
        if refused:
            what, needle = refused
            raise InputError(f"raw HTML not allowed: {what}", path, _line_of_markup(source, needle, first_line))
        refused = refused_markup(html)
        if refused:
            what, needle = refused
            raise InputError(f"raw HTML not allowed: {what} (allowed: {describe_allowed()}, with class; "
                             "web and mailto links; images inside the project)", path,
                             _line_of_markup(source, needle, first_line))
        known_images = {image.src for image in state.images}
        for src in re.findall(r'<img\b[^>]*\bsrc=["\']([^"\']*)["\']', html):
            if src not in known_images:
                raise InputError(f"raw <img> '{src[:60]}' is not allowed: write images in Markdown, "
                                 "![what it shows](path)", path, _line_of_markup(source, "<img", first_line))
        html = VOID_TAG.sub(r"<\1\2 />", html)  # <br> typed by hand, as XHTML
        _check_well_formed(html, path, first_line)
        blocks.append(Block(kind, html, title))
    return blocks


def load_references(root: Path) -> tuple[dict[str, dict], dict[str, int], Path]:
    path = root / CHAPTERS_DIR / REFERENCES_FILE
    if not path.exists() and not path.is_symlink():
        return {}, {}, path
    size = Sandbox(root).check_file(path).stat().st_size
    if size > MAX_REFERENCES_BYTES:
        raise InputError(f"the file is {size / 1e6:.1f} MB, over the limit of {MAX_REFERENCES_BYTES / 1e6:.0f} MB: "
                         "keep only the sources the handout cites", path)
    text = read_text(path, Sandbox(root))
    data, node = load_yaml(text, path)
    data = data or {}
    if not isinstance(data, dict):
        raise InputError("references must be a mapping of key: entry", path, 1)
    pairs = node.value if getattr(node, "id", "") == "mapping" else []  # an empty file or a lone `~`: none
    lines = {key_node.value: key_node.start_mark.line + 1 for key_node, _ in pairs}
    for key, entry in data.items():
        line = lines.get(str(key))
        if not re.fullmatch(r"[A-Za-z0-9_-]+", str(key)):
            raise InputError(f"reference key '{key}' may hold only letters, digits, '-' and '_'", path, line)
        if not isinstance(entry, dict):
            raise InputError(f"reference '{key}' must be a mapping of fields", path, line)
        for name, required in REFERENCE_FIELDS.items():
            if required and not entry.get(name):
                raise InputError(f"reference '{key}' has no '{name}'", path, line)
        for name in entry:
            if name not in REFERENCE_FIELDS:
                raise InputError(f"reference '{key}' has an unknown field '{name}' "
                                 f"(fields: {', '.join(REFERENCE_FIELDS)})", path, line)
        if not entry.get("doi") and not entry.get("url"):
            raise InputError(f"reference '{key}' needs a 'doi' or a 'url'", path, line)
        url = str(entry.get("url", ""))
        if url and not re.fullmatch(r"https?://[^\s/]+\.[^\s]+", url):
            raise InputError(f"reference '{key}' has a malformed url '{url}'", path, line)
    return data, lines, path


def check_jargon_file(config: Config) -> None:
    """The jargon list `publish.py check` reads (the build's gate too) must be a file of the project, not a link
    leading out of it. (A name outside the project, or a missing list, is the check's to report.)"""
    sandbox = Sandbox(config.root)
    path = config.root / config.check.jargon_file
    if sandbox.in_project(path) and (path.exists() or path.is_symlink()):
        sandbox.check_file(path)


def discover_chapters(root: Path) -> list[tuple[int, str, Path]]:
    folder = root / CHAPTERS_DIR
    if not folder.is_dir():
        raise InputError("no chapters/ folder", folder)
    sandbox = Sandbox(root)
    found, numbers = [], {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".md":
            continue
        sandbox.check_file(path)  # not a folder, nor a link leading out of the project
        match = CHAPTER_FILE.match(path.name)
        if not match:
            raise InputError("chapter file names must look like NN-slug.md (digits, '-', lower-case slug)", path)
        number = int(match.group(1))
        if number in numbers:
            raise InputError(f"chapter number {match.group(1)} is used twice (also {numbers[number].name})", path)
        numbers[number] = path
        found.append((number, match.group(2), path))
    if not found:
        raise InputError("no chapters: add Markdown files named like 01-introduction.md", folder)
    return sorted(found)


# Extensions that Markdown (or plain text meant as a chapter) has, other than the chapters' own lower-case `.md`.
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".txt", ".text"}


def stray_chapter_files(root: Path, keep: tuple[Path, ...] = ()) -> list[str]:
    """Warnings ("path:line: text") for files in chapters/ that look like chapters but are not read as one: a
    Markdown or text extension other than `.md` (`11-extra.MD`, `.markdown`, `notes.txt`), or a numbered name
    (`12-more.rst`). `keep` are files the project names for another use (the jargon list)."""
    folder = root / CHAPTERS_DIR
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
            warnings.append(f"{path.relative_to(root).as_posix()}:1: '{name}' is not part of the book: only files "
                            f"named like NN-slug.md (with '.md' in lower case) are chapters; rename it to "
                            f"'{path.stem}.md' to include it, or move it out of chapters/")
    return warnings


def load_book(config: Config, use_cache: bool = True) -> Book:
    """Read every chapter and the references into a validated Book."""
    root = config.root
    warnings = list(config.warnings)
    check_jargon_file(config)
    entries, reference_lines, references_path = load_references(root)
    warnings.extend(stray_chapter_files(root, (root / config.check.jargon_file,)))
    cache = ChapterCache(root) if use_cache else None
    chapters = []
    for number, slug, path in discover_chapters(root):
        if any(c.slug == slug for c in chapters):
            raise InputError(f"two chapters share the slug '{slug}'", path)
        chapter = load_chapter(path, number, slug, root, config.limits, cache)
        chapters.append(chapter)
        warnings.extend(chapter.warnings)
    for clinic in config.clinics:
        if clinic.logo:
            check_image(root / clinic.logo, config.limits.image_bytes, config.limits.image_pixels)
    # Citations are numbered book-wide in order of first use.
    order: list[str] = []
    occurrences: dict[str, list[str]] = {}
    for chapter in chapters:
        # In reading order: Markdown's inline processing meets a list's citations after the paragraphs'.
        html = "".join(block.html for block in chapter.blocks)
        for key, cite_id in sorted(chapter.citations, key=lambda c: html.find(f'id="{c[1]}"')):
            if key not in entries:
                raise InputError(f"citation '@{key}' has no entry in chapters/references.yaml", chapter.path,
                                 line_of(chapter.body, f"@{key}", chapter.body_line))
            if key not in order:
                order.append(key)
            occurrences.setdefault(key, []).append(cite_id)
    if order and not any(c.role == "sources" for c in chapters):
        raise InputError("chapters cite sources but no chapter has 'role: sources' to list them",
                         root / CHAPTERS_DIR)
    numbers = {key: str(n) for n, key in enumerate(order, 1)}
    chapters = [replace(c, blocks=tuple(replace(b, html=CITE_PLACEHOLDER.sub(lambda m: numbers[m.group(1)], b.html))
                                        for b in c.blocks)) if c.citations else c for c in chapters]
    all_ids = {i for c in chapters for i in (c.slug, c.title_id, *c.ids)}
    for chapter in chapters:
        for link in chapter.links:
            if link.target not in all_ids:
                kind = "a chapter" if "--" not in link.target else "an anchor"
                raise InputError(f"link '{link.written}' points to {kind} that does not exist", chapter.path,
                                 line_of(chapter.body, f"({link.written}", chapter.body_line)
                                 or line_of(chapter.body, link.written, chapter.body_line))
    references = tuple(
        Reference(key=key, number=n, authors=str(entries[key]["authors"]), title=str(entries[key]["title"]),
                  publisher=str(entries[key]["publisher"]), year=str(entries[key]["year"]),
                  details=str(entries[key].get("details", "")), doi=str(entries[key].get("doi", "")),
                  url=str(entries[key].get("url", "")), accessed=str(entries[key].get("accessed", "")),
                  cited_at=tuple(occurrences[key]))
        for n, key in enumerate(order, 1))
    uncited = tuple(key for key in entries if key not in occurrences)
    for key in uncited:
        warnings.append(f"{references_path.relative_to(root)}:{reference_lines.get(key, 1)}: "
                        f"reference '{key}' is never cited")
    return Book(root=root, config=config, chapters=tuple(chapters), references=references, uncited=uncited,
                date=build_date(config), warnings=tuple(warnings))
