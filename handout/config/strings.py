"""The words the layouts add, per language: the theme's string tables (layouts/i18n/<language>.toml), a
project's overrides, dates written for the language (Babel).

A book's language is a BCP 47 tag (`book.config.language`, "es-US"). Its table is made of layers, each read
through the project's sandbox and merged key by key, later ones winning:

    the theme's layouts/i18n/es.toml, the library's es.toml, the project's es.toml, then the same three es-US.toml

(the library's: a handout in a library, `<library>/layouts/i18n/`; a handout's own table wins over the library's,
which wins over the theme's).

A table has every key of the English one (the theme's en.toml, with the project's own en.toml keys): a key a
language lacks stops the build (exit 2) naming the key, the language and the file to add it to, never a silent
English word in a Spanish handout. A value's `{name}` placeholders are the English value's, or fewer.

Layouts read a table as plain data: `t("headings.contents")`, `t("labels.logo", name=clinic.name)` or
`strings["headings.contents"]`; the code reads it with `strings_for(book)`. Dates: `long_date(value, language)`.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from handout.core.errors import InputError, decode_utf8
from handout.core.inherit import library_theme_roots
from handout.core.language_record import record
from handout.core.sandbox import Sandbox
from handout.core.sourcelines import TomlLocator
from handout.core.theme import theme_folder

STRINGS_DIR = "layouts/i18n"
REFERENCE = "en"  # the table whose keys every language must have
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def primary(language: str) -> str:
    """A tag's primary language subtag, as the tables are named: "es-US" -> "es"."""
    return language.split("-", 1)[0].lower()


def _names(language: str) -> list[str]:
    """The table files of a language, the most general first: es.toml, then es-US.toml."""
    first = primary(language)
    return [first] + ([language] if language.lower() != first else [])


def _folders(root: Path) -> list[Path]:
    """The folders of string tables, the least particular first: the theme's, the library's (a handout in a
    library: `<library>/layouts/i18n/`), the project's own."""
    folders = [theme_folder() / STRINGS_DIR]
    folders += [folder / STRINGS_DIR.split("/", 1)[1] for folder in library_theme_roots(root)
                if folder.name == STRINGS_DIR.split("/", 1)[0]]
    own = root / STRINGS_DIR
    if own.resolve() != folders[0].resolve():
        folders.append(own)
    return folders


def _layer_paths(root: Path, language: str) -> list[Path]:
    return [folder / f"{name}.toml" for name in _names(language) for folder in _folders(root)]


def _flatten(table: dict, path: Path, locator: TomlLocator, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path, locator, f"{dotted}."))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise InputError(f"layout string '{dotted}' must be text in quotes, not {type(value).__name__}", path,
                             locator.line(dotted))
    return flat


def _read_layer(path: Path, sandbox: Sandbox) -> dict[str, str]:
    text = decode_utf8(sandbox.read_bytes(path), path)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_of_toml_error(str(error))
        raise InputError(f"layout strings are not valid TOML ({str(error).split(' (at line')[0]})", path,
                         line) from None
    return _flatten(table, path, TomlLocator(text))


def _line_of_toml_error(message: str) -> int | None:
    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else None


def _layers(root: Path, language: str) -> list[tuple[Path, dict[str, str]]]:
    sandbox = Sandbox(root)
    return [(path, _read_layer(path, sandbox)) for path in _layer_paths(root, language)
            if path.exists() or path.is_symlink()]


def _stamp(root: Path, languages: tuple[str, ...]) -> tuple:
    """What the cached tables depend on: each layer file's size and time (a changed file is read again)."""
    stamps = []
    for language in languages:
        for path in _layer_paths(root, language):
            try:
                status = path.stat()
                stamps.append((str(path), status.st_size, status.st_mtime_ns))
            except OSError:
                stamps.append((str(path), None, None))
    return tuple(stamps)


@dataclass(frozen=True)
class Strings:
    """One language's table: every key of the reference table, each value text."""
    language: str
    table: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.table[key]

    def get(self, key: str, **values) -> str:
        """The string `key` with its placeholders filled in (`{phone}`); an unknown key is our bug (the
        layouts' unknown keys are refused by `layout_helper`)."""
        return fill(self.table[key], values)


def fill(text: str, values: dict) -> str:
    """`text` with each `{name}` replaced by values[name] (only those: no attribute or index lookups, as
    `str.format` would do on a translator's text); a placeholder with no value is kept as it is."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def load(root: Path, language: str) -> Strings:
    """The table of `language` for the project at `root`, complete or an InputError."""
    return _load(root.resolve(), language, _stamp(root.resolve(), (REFERENCE, language)))


@lru_cache(maxsize=32)
def _load(root: Path, language: str, _stamp: tuple) -> Strings:
    reference: dict[str, str] = {}
    for _, layer in _layers(root, REFERENCE):
        reference.update(layer)
    if primary(language) == REFERENCE:
        table = dict(reference)
        layers = _layers(root, language) if language.lower() != REFERENCE else []
        for _, layer in layers:
            table.update(layer)
        return Strings(language, table)
    layers = _layers(root, language)
    where = root / STRINGS_DIR / f"{primary(language)}.toml"
    if not layers:
        raise InputError(f"no layout strings for the language {language}: add {STRINGS_DIR}/{primary(language)}.toml "
                         f"to the project, with every key of the theme's {STRINGS_DIR}/{REFERENCE}.toml translated",
                         where)
    table: dict[str, str] = {}
    for _, layer in layers:
        table.update(layer)
    missing = [key for key in reference if key not in table]
    if missing:
        key, english = missing[0], reference[missing[0]]
        section, _, name = key.rpartition(".")
        more = f" ({len(missing) - 1} more missing: {', '.join(missing[1:4])}{', ...' if len(missing) > 4 else ''})" \
            if len(missing) > 1 else ""
        raise InputError(f"the layout string '{key}' is missing for the language {language}: add "
                         f"{name} = \"...\"{f' under [{section}]' if section else ''} (in English: \"{english}\")"
                         f"{more}", layers[-1][0] if not layers[-1][0].is_relative_to(_folders(root)[0]) else where)
    for path, layer in layers:
        for key, value in layer.items():
            unknown = set(PLACEHOLDER.findall(value)) - set(PLACEHOLDER.findall(reference.get(key, value)))
            if unknown:
                raise InputError(f"the layout string '{key}' has {{{sorted(unknown)[0]}}}, which the layouts do not "
                                 f"fill in (the English one has {', '.join(PLACEHOLDER.findall(reference[key])) or 'none'})",
                                 path, _line_in(path, key))
    return Strings(language, table)


def _line_in(path: Path, key: str) -> int | None:
    try:
        return TomlLocator(path.read_text(encoding="utf-8")).line(key)
    except (OSError, UnicodeDecodeError):
        return None


def strings_for(book) -> Strings:
    """The table of a book's language."""
    return load(book.root, book.config.language)


def tagline(root: Path, language: str, phone: str) -> str:
    """The language assistance tagline of `language` (its table's `language_assistance.tagline`, the
    project's first), with the clinic's phone; an InputError saying where to write one when there is none."""
    text = ""
    for _, layer in _layers(root.resolve(), language):
        text = layer.get("language_assistance.tagline", text)
    if not text:
        raise InputError(f"no language assistance tagline for {language}: add it to the project's "
                         f"{STRINGS_DIR}/{primary(language)}.toml as [language_assistance] tagline = \"... {{phone}} "
                         "...\", or write it in publish.toml's [clinic] language_assistance as "
                         f"\"{language}: ... {{phone}} ...\"", root / "publish.toml")
    return fill(text, {"phone": phone})


def language_assistance(root: Path, clinic) -> list[dict]:
    """The taglines of a clinic's language assistance notice, in the order it lists them: each
    {"lang": tag, "text": tagline with the clinic's phone, "rtl": whether it is written right to left}."""
    taglines = []
    for item in clinic.language_assistance:
        tag, _, own = item.partition(":")
        tag = tag.strip()
        if not clinic.phone:
            raise InputError("[clinic] language_assistance needs the clinic's phone (phone = \"...\"): each "
                             "tagline says which number to call", root / "publish.toml")
        text = fill(own.strip(), {"phone": clinic.phone}) if own.strip() else tagline(root, tag, clinic.phone)
        taglines.append({"lang": tag, "text": text, "rtl": record(tag).rtl})  # dir="rtl" for Arabic
    return taglines


# ---- dates ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _locale(language: str):
    from babel import Locale, UnknownLocaleError

    for tag in (language, primary(language)):
        try:
            return Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return None


def long_date(value: str, language: str) -> str:
    """An ISO date (`2026-10-15`) as a reader of `language` writes it: October 15, 2026; 15 de octubre de 2026."""
    from babel.dates import format_date

    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)") from None
    locale = _locale(language)
    if locale is None:
        raise InputError(f"no date format for the language {language} (Babel does not know it): use a BCP 47 tag "
                         "such as es-US", "publish.toml")
    return format_date(day, format="long", locale=locale)


# ---- in the layouts ---------------------------------------------------------------------------------------

def layout_helper(strings: Strings):
    """The layouts' `t(key, **values)`: the string, placeholders filled in; an unknown key names itself and
    the language (the template's line is added by the renderer)."""

    def t(key: str, **values) -> str:
        if not isinstance(key, str) or key not in strings.table:
            raise ValueError(f"no layout string '{key}' for the language {strings.language} (the keys are those of "
                           f"{STRINGS_DIR}/{REFERENCE}.toml)")
        return fill(strings.table[key], {name: value for name, value in values.items()
                                         if isinstance(value, (str, int, float))})

    return t


# A CSS function a layout may put between a string's words: counter(page), target-counter(attr(href), page),
# string(book-title). Nothing else (no url(), no closing brace or quote).
CSS_FUNCTION = re.compile(r"[a-z-]+\((?:[a-z-]+|[a-z-]+\([a-z-]+\))(?:,\s*[a-z-]+)*\)")


def css_string(text: str) -> Markup:
    """`text` as a CSS string, for a layout's <style>: quoted, with backslashes, quotes, new lines and `<`, `>`,
    `&` escaped (so nothing in it can close the string, the rule or the <style> element)."""
    escaped = "".join(f"\\{ord(char):x} " if char in '\\"\'<>&' or ord(char) < 32 or ord(char) == 127 else char
                      for char in str(text))
    return Markup(f'"{escaped}"')


def css_content(template: str, **functions: str) -> Markup:
    """A layout string with placeholders as a CSS `content` value: "Page {page} of {pages}" with
    page="counter(page)", pages="counter(pages)" -> "Page " counter(page) " of " counter(pages)."""
    for name, function in functions.items():
        if not isinstance(function, str) or not CSS_FUNCTION.fullmatch(function):
            raise ValueError(f"css_content: {name}={function!r} is not a CSS function such as counter(page)")
    parts, last = [], 0
    template = str(template)
    for match in PLACEHOLDER.finditer(template):
        if match.group(1) not in functions:
            continue
        if match.start() > last:
            parts.append(css_string(template[last:match.start()]))
        parts.append(functions[match.group(1)])
        last = match.end()
    if last < len(template):
        parts.append(css_string(template[last:]))
    return Markup(" ".join(parts) or '""')
