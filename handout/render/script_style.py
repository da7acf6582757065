"""What a language's record (handout/language_record.py) changes in the documents: the fonts they embed and
name, the emphasis a script can show, the line breaking of Chinese, and a refusal to build a handout with a
character none of its fonts draws.

English and Spanish (Atkinson Hyperlegible, left to right, italic emphasis) add nothing: their documents are
the theme's as they always were.
"""
from __future__ import annotations

import html as html_module
import re
from pathlib import Path

from handout.config.strings import strings_for
from handout.core.errors import InputError
from handout.core.language_record import Language, record
from handout.core.script_fonts import ATKINSON, Face, faces, font_face_css, uncovered
from handout.render.figure_fonts import figure_words

# The EPUB's stylesheet of a language's own rules (after the theme's, so it wins).
LANGUAGE_STYLESHEET = "assets/css/language.css"
# The rules of an icon array with its words as text: every PDF reads them (the PDF target's stylesheets), an EPUB
# and a web page only in a language whose script an SVG's text cannot draw (`figure_stylesheets`).
ICON_ARRAY_TEXT_STYLESHEET = "assets/css/icon-array-text.css"


def figure_stylesheets(language: Language) -> tuple[str, ...]:
    """The stylesheets a screen's document adds for the language's figures: an icon array's words are text of the
    page where its script cannot be an SVG's text (language_record.py: svg_text)."""
    return () if language.svg_text else (ICON_ARRAY_TEXT_STYLESHEET,)


def is_default(language: Language) -> bool:
    """Whether the theme's documents need nothing for the language."""
    return language.fonts == (ATKINSON,) and not language.rtl and language.italic


def font_stack(language: Language) -> str:
    return ", ".join(f'"{family}"' for family in language.fonts) + ", sans-serif"


def language_rules(language: Language, paged: bool) -> str:
    """The rules a language adds after the theme's stylesheets."""
    stack = font_stack(language)
    rules = [f"html {{ font-family: {stack}; }}"]
    if paged:
        rules.append("@page { @bottom-left { font-family: %s; } @bottom-right { font-family: %s; } "
                     "@top-center { font-family: %s; } }" % (stack, stack, stack))
    if not language.italic:  # no italic in the script: emphasis is bold
        rules.append("em, i, cite, .summary { font-style: normal; }\nem, i { font-weight: 700; }")
    if not language.hyphenation:
        rules.append("body, p, li, dd { hyphens: manual; }")
    if language.counts == "characters":  # lines break between characters; punctuation never starts a line
        rules.append("body { line-break: strict; word-break: normal; }")
        rules.append(".cite-hold { white-space: nowrap; }")  # a citation stays with its word (keep_citations)
    if language.rtl:  # a source written left to right (references.html: its note has dir="ltr") hangs its
        # number on its own start side, in the list's padding, which is on the right in this direction
        rules.append('[dir="rtl"] ol.references .note[dir="ltr"] { margin-right: -1.8em; padding-left: 1.8em; }\n'
                     '[dir="rtl"] ol.references .note[dir="ltr"] .note-number { margin-right: 0; margin-left: -1.8em; }')
    if language.rtl and paged:  # left-to-right runs (isolate_ltr_runs) keep their order; browsers isolate a
        # <bdi> on their own, and an EPUB's stylesheet may not say unicode-bidi (EPUBCheck CSS-001)
        rules.append("bdi { unicode-bidi: isolate; }")
    return "\n".join(rules) + "\n"


# What the stylesheets draw that no document's text holds: list bullets, list and page numbers.
GENERATED = "•◦▪0123456789.()–-"


def document_characters(*documents: str | bytes) -> str:
    """Every character a set of documents may draw (markup included: a superset is safe), with those the
    stylesheets generate."""
    text = GENERATED + "".join(d.decode("utf-8") if isinstance(d, bytes) else d for d in documents)
    return "".join(dict.fromkeys(html_module.unescape(text)))


def document_faces(language: Language, *documents: str | bytes, book=None) -> tuple[Face, ...]:
    """The faces for `documents`: cut to the book's characters (`book_characters`) when it has all of theirs,
    so every output of a language shares one cut of each face (made once, kept by its contents' name)."""
    wanted = document_characters(*documents)
    if book is not None:
        known = book_characters(book)
        wanted = known + "".join(c for c in wanted if c not in known)
    return faces(language.fonts, wanted)


def book_characters(book) -> str:
    """The characters any output of the book may draw, from its files: its chapters and their SVG figures, its
    references, its settings, the language's layout strings and Babel's month names, printable ASCII and what
    stylesheets draw."""
    key = (str(book.root), book.config.language, tuple(str(c.path) for c in book.chapters))
    if key not in _BOOK_CHARACTERS:
        parts = [GENERATED, "".join(map(chr, range(0x20, 0x7F)))]
        for path in (*(c.path for c in book.chapters), book.config.path,
                     Path(book.root) / "chapters" / "references.yaml"):
            try:
                parts.append(Path(path).read_text(encoding="utf-8", errors="ignore"))
            except (OSError, TypeError):
                pass
        parts.extend(words for _, _, words in figure_words(book))  # a figure's labels (an SVG file's too)
        strings = strings_for(book)
        parts.append("".join(strings.table.values()))
        parts.append(_month_names(book.config.language))
        _BOOK_CHARACTERS[key] = "".join(dict.fromkeys(html_module.unescape("".join(parts))))
    return _BOOK_CHARACTERS[key]


_BOOK_CHARACTERS: dict = {}


def _month_names(tag: str) -> str:
    try:
        from babel import Locale

        locale = Locale.parse(tag.replace("-", "_"))
        return "".join(name for width in locale.months.values() for names in width.values()
                       for name in names.values())
    except Exception:
        return ""


def document_font_css(language: Language, found: tuple[Face, ...], url_for, paged: bool) -> str:
    """`@font-face` rules for the faces, then the language's own rules."""
    return font_face_css(found, url_for) + language_rules(language, paged)


def check_coverage(book) -> None:
    """Stop the build at the first character of a chapter, of the text of its SVG figures (an icon array, a
    project's SVG file), or of the language's words in publish.toml, that none of the language's fonts draws
    (exit 2, naming it, its file and line and the language)."""
    language = record(book.config.language)
    for chapter in book.chapters:
        text = Path(chapter.path).read_text(encoding="utf-8", errors="replace")
        missing = uncovered(language.fonts, text)
        if missing:
            _refuse(language, missing[0], chapter.path, text)
    for path, line, words in figure_words(book):
        missing = uncovered(language.fonts, words)
        if missing:
            _refuse(language, missing[0], path, Path(path).read_text(encoding="utf-8", errors="replace"), line)
    config = book.config
    words = "\n".join(str(v) for v in (config.title, config.subtitle, config.description,
                                         *getattr(config.crisis, "lines", ())))
    missing = uncovered(language.fonts, words)
    if missing and config.path:
        text = Path(config.path).read_text(encoding="utf-8", errors="replace")
        _refuse(language, missing[0], config.path, text)


def _refuse(language: Language, character: str, path, text: str, line: int = 1) -> None:
    """Refuse `character`, named at its first line in `text` (the file's) from `line` on, else at `line`."""
    start = sum(len(piece) + 1 for piece in text.split("\n")[:max(line, 1) - 1])
    index = text.find(character, start)
    line = text.count("\n", 0, index) + 1 if index >= 0 else (line if line > 1 else None)
    import unicodedata

    name = unicodedata.name(character, "unnamed character")
    raise InputError(f"U+{ord(character):04X} '{character}' ({name}) is in no font of the {language.tag} handout "
                     f"({', '.join(language.fonts)}): remove it or write it another way; no other font is drawn "
                     "in its place", path, line, code="input.uncovered-character")


# A citation's number and the character before it (not a space, nor the end of a tag or an entity).
_CITED = re.compile(r'([^\s<>;])(<sup class="cite"[^>]*>.*?</sup>)', re.S)


def keep_citations(document: str) -> str:
    """The document with each citation held on the line of the character before it (`.cite-hold`, which
    language_rules keeps from breaking), for a script whose lines break between any two characters: there a
    line could start with a citation's number, and the full stop after it."""
    return _CITED.sub(r'<span class="cite-hold">\1\2</span>', document)


# A left-to-right run inside right-to-left text: a phone number, a date written with Latin digits, a web
# address, a drug name. It starts with a Latin letter, a digit or a "+" and goes on over Latin letters, digits
# and the punctuation inside such runs; it ends with a letter, a digit or a closing bracket.
_LTR_RUN = re.compile(r"[+(]?[A-Za-z0-9][A-Za-z0-9 ./:()\-+@_%,]*[A-Za-z0-9)%]|[A-Za-z0-9]")
_ENTITY = re.compile(r"(&#?\w+;)")
_SKIPPED = ("style", "script", "svg", "title", "bdi", "code", "head")


def isolate_ltr_runs(document: str) -> str:
    """The document with each left-to-right run of its body's text in a `<bdi>` (so a phone number or a date
    keeps its order in Arabic text), outside tags, attribute values and the elements that cannot hold one."""
    start = document.find("<body")
    if start < 0:
        return document
    out, depth, position = [document[:start]], [], start
    for match in re.finditer(r"<(/?)([A-Za-z][\w:-]*)[^>]*?(/?)>|<!--.*?-->", document[start:], re.S):
        text = document[position:start + match.start()]
        out.append(text if any(depth) else "".join(
            piece if index % 2 else _LTR_RUN.sub(_wrap, piece) for index, piece in enumerate(_ENTITY.split(text))))
        out.append(match.group(0))
        position = start + match.end()
        name = (match.group(2) or "").lower()
        if name and not match.group(3):
            if match.group(1):
                if depth:
                    depth.pop()
            elif name not in VOID:
                depth.append(name in _SKIPPED)
    out.append(document[position:])
    return "".join(out)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _wrap(match: re.Match) -> str:
    run = match.group(0)
    if run.isdigit() and len(run) <= 2:  # a short number reads the same either way
        return run
    return f"<bdi dir=\"ltr\">{run}</bdi>"
