"""publish.toml -> typed, validated settings.

Every setting is declared once, in SCHEMA: an `Option` carries its type, its default (or that it is
required), its help and its validation, and each table of options (a `Table`) names the settings class it
becomes. The classes (`Config`, `Review`, `Clinic`, `PrintSettings`, `Limits`, ...) are built from SCHEMA, so a
new setting is one line there and nothing else. Loading checks the file against SCHEMA and names the bad key
(and its line) in the error. Unknown keys are warnings, not errors, so an old toolchain can read a newer file.

Where a key is set: `Locator(text).line("review.next_review_due")` finds its line in a publish.toml's text
(None when it is not set), and `config_line(config, dotted)` in a loaded project's publish.toml.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import field
from pathlib import Path
from typing import Any

from handout.config import editions as edition_registry
from handout.config.schema import Option, Table, _held, _iso_guess, _type_name
from handout.core.errors import Diagnostic, InputError, Note, decode_utf8, refuse_control_characters
from handout.core.inherit import LIBRARY_FILE, LIBRARY_TABLE, blame_library, inherited, read_library
from handout.core.sandbox import Sandbox
from handout.core.sourcelines import TomlLocator
from handout.core.weburl import setting_problem, web_href

CONFIG_NAME = "publish.toml"

# Public: the line of a key in a publish.toml's text (`Locator(text).line("clinic.logo")`); see sourcelines.
Locator = TomlLocator

# A date as people often write it, which TOML cannot read: 15/10/2026, 10/15/2026, 2026-9-1.
LOOSE_DATE = re.compile(r"=\s*(\d{1,2}[/.]\d{1,2}[/.]\d{4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*(?:#.*)?$")


def _toml_advice(text: str, line: int | None) -> str:
    """What to write instead, when the line TOML could not read holds a date written another way."""
    lines = text.splitlines()
    if not line or line > len(lines):
        return ""
    found = LOOSE_DATE.search(lines[line - 1])
    if not found or re.fullmatch(r"\d{4}-\d{2}-\d{2}", found.group(1)):
        return ""
    key = lines[line - 1].split("=", 1)[0].strip() or "the key"
    return f": write dates as YYYY-MM-DD, without quotes: {key} = {_iso_guess(found.group(1))}"


def _bcp47(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        return f"'{value}' is not a BCP 47 language tag (for example en-US)"
    return None


def _urn_uuid(value: str) -> str | None:
    if not re.fullmatch(r"urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value):
        return (f"'{value}' is not a urn:uuid: identifier: `publish.py new` writes a fresh one, or make one "
                "with python -c \"import uuid; print(uuid.uuid4())\" and write identifier = \"urn:uuid:<it>\"")
    return None


def _name(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
        return f"'{value}' must be a plain file name (letters, digits, '.', '_', '-')"
    return None


def _positive(value: int) -> str | None:
    return "must be more than 0" if value <= 0 else None


def _nonempty(value) -> str | None:
    return "must not be empty" if not value else None


def _taglines(value: list) -> str | None:
    """[clinic] language_assistance: language tags, or "tag: tagline" (the clinic's own words)."""
    for item in value:
        tag = item.split(":", 1)[0].strip()
        if _bcp47(tag):
            return f"'{item[:40]}' must start with a language tag (es, or es: followed by the tagline's text)"
        if ":" in item and not item.split(":", 1)[1].strip():
            return f"'{item}' has no tagline after the colon"
    return None


def _web_address(value: str) -> str | None:
    """An address setting (online_url, per language too): http or https only (weburl.setting_problem)."""
    return setting_problem(value)


# What `[languages.<tag>]` may give, for one translation: the settings that are words, its online address,
# and its own review record (handout/config/languages.py uses them).
LANGUAGE_WORDS = {"title": str, "subtitle": str, "description": str, "rights": str, "topic": str, "online_url": str,
                  "crisis_heading": str, "crisis_lines": list, "clinic_address": (str, dict),
                  "translated_by": str, "reviewed_by": str, "reviewed_on": dt.date}


def _language_list(value: list) -> str | None:
    for tag in value:
        problem = _bcp47(tag)
        if problem:
            return problem
    return "lists a language twice" if len(set(value)) != len(value) else None


def _check_languages(languages: tuple, path: Path, where: Locator) -> None:
    """`[languages.<tag>]`: per translation, only the keys of LANGUAGE_WORDS, each of its type; the error names
    the key's line."""
    for tag, settings in languages:
        if _bcp47(tag) or not isinstance(settings, dict):
            raise InputError(f"'languages.{tag}' must be a table named by a language tag ([languages.es-US])",
                             path, where.line(f"languages.{tag}") or where.line("languages"))
        for key, setting in settings.items():
            line = where.line(f"languages.{tag}.{key}") or where.line(f"languages.{tag}")
            kind = LANGUAGE_WORDS.get(key)
            if kind is None:
                raise InputError(f"[languages.{tag}] has the unknown key '{key}' (choose from "
                                 f"{', '.join(LANGUAGE_WORDS)})", path, line)
            if not isinstance(setting, kind) or (kind is list and not all(isinstance(x, str) for x in setting)):
                raise InputError(f"'languages.{tag}.{key}' must be {_type_name(kind)}", path, line)
            if isinstance(setting, str):
                refuse_control_characters(setting, f"'languages.{tag}.{key}'", path, line)
            if key == "online_url" and _web_address(setting):
                raise InputError(f"'languages.{tag}.online_url': {_web_address(setting)}", path, line)


def _rule_settings(value: dict) -> str | None:
    """`[check.rules]`: each value true, false or a level (the rule names are the checks' to know)."""
    for name, setting in value.items():
        if not isinstance(setting, bool) and setting not in ("error", "warning", "info"):
            return (f"'{name}' must be true, false or a level (\"error\", \"warning\" or \"info\"), "
                    f"not {setting!r}")
    return None


EDITIONS = edition_registry.NAMES  # the built-in print editions (editions.py: one entry each)
PAPERS = edition_registry.PAPERS   # the page sizes: the editions that have one of their own


def _editions(value: list) -> str | None:
    known = tuple(edition_registry.EDITIONS)  # what is registered now (editions.register)
    unknown = [v for v in value if v not in known]
    if unknown:
        return f"has unknown editions {unknown} (choose from {', '.join(known)})"
    if len(set(value)) != len(value):
        return "lists an edition twice"
    return "must list at least one edition" if not value else None


CLINIC = Table("Clinic", {
    "id": Option(str, "", "Folder name under dist/ when several clinics are listed", check=lambda v: _name(v) if v else None),
    "name": Option(str, help="Clinic name shown on the title page", check=_nonempty),
    "address": Option(str, "", "Postal address; new lines are kept"),
    "phone": Option(str, "", "Phone number"),
    "website": Option(str, "", "Website address: https://... or a site name (www.example.org)",
                      check=lambda v: setting_problem(v, bare=True) if v else None),
    "logo": Option(str, "", "Path to a logo image inside the project"),
    "language_assistance": Option(list, [], "Languages of the back page's notice that language assistance is free "
                                  "(e.g. [\"en\", \"es\"]): each a language tag, whose tagline comes from the layout "
                                  "strings (layouts/i18n/<language>.toml, [language_assistance] tagline, with {phone}), "
                                  "or \"tag: the clinic's own tagline\"; empty: no notice", check=_taglines),
}, "A clinic the handout is made for: a table, or an array of tables ([[clinic]]) for one set of outputs per clinic",
    attribute="clinics", many=True, properties={
        "website_href": property(lambda self: web_href(self.website), doc="The website's link (https:// added)."),
    })

SCHEMA: Table = Table("Config", {
    "title": Option(str, help="Title of the handout", check=_nonempty),
    "subtitle": Option(str, "", "Subtitle shown under the title"),
    "language": Option(str, help="BCP 47 language tag, e.g. en-US", check=_bcp47),
    "translations": Option(list, [], "Languages the handout is translated into (BCP 47 tags, e.g. es-US); each "
                           "has its chapters in translations/<tag>/chapters/", check=_language_list),
    "languages": Option(dict, {}, "Per translation ([languages.es-US]): its title, subtitle, description, "
                        "rights, online_url, crisis_heading, crisis_lines, clinic_address, and its review record "
                        "(translated_by, reviewed_by, reviewed_on)"),
    "authors": Option(list, help="List of authors (strings)", check=_nonempty),
    "publisher": Option(str, help="Who publishes the handout"),
    "identifier": Option(str, help="Stable urn:uuid: identifier", check=_urn_uuid),
    "description": Option(str, "", "One-paragraph description for metadata"),
    "rights": Option(str, "", "Copyright or licence statement"),
    "version": Option(str, "1.0", "Edition or version label"),
    "output_name": Option(str, help="Base name of the files in dist/", check=_name),
    "keywords": Option(list, [], "Subject keywords for metadata"),
    "topic": Option(str, "", "The handout's topic in a few words, as a library's catalog and feeds list it"),
    "online_url": Option(str, "", "Where patients can get the EPUB or an online copy (printed with a QR code)",
                         check=lambda v: _web_address(v) if v else None),
    "sample": Option(bool, False, "A sample, not for patients yet: every page says so, and the placeholders "
                     "(555 numbers, example.org, Sample clinic names) are info findings instead of errors"),
    "review": Table("Review", {
        "last_reviewed": Option(dt.date, help="Date of the last clinical review"),
        "next_review_due": Option(dt.date, help="Date the next review is due"),
        "reviewed_by": Option(str, help="Who reviewed the content"),
        "prepared_by": Option(str, "", "Who prepared the handout"),
    }, "The clinical review of the content"),
    "clinic": CLINIC,
    "print": Table("PrintSettings", {
        "editions": Option(list, ["letter"], "PDF editions to build: " + ", ".join(EDITIONS),
                           check=lambda v: _editions(v)),
        "toc_min_chapters": Option(int, 4, "Print a table of contents when there are more chapters than this"),
        "paper": Option(str, "letter", "Paper of the large-print, booklet and press editions: " + ", ".join(PAPERS),
                        check=lambda v: None if v in PAPERS else f"must be one of {', '.join(PAPERS)}"),
    }, "The PDF editions"),
    "accessibility": Table("Accessibility", {
        "conforms_to": Option(str, "EPUB Accessibility 1.1 - WCAG 2.2 Level AA",
                              "Accessibility standard the EPUB claims (dcterms:conformsTo)"),
        "certified_by": Option(str, "", "Who checked the claim (a11y:certifiedBy); default: the publisher",
                               fallback="publisher"),
        "hazards": Option(list, [], "Hazards the content has (flashing, motionSimulation, sound); empty: none"),
    }, "The EPUB's accessibility claim"),
    "limits": Table("Limits", {
        "chapter_kb": Option(int, 512, "Largest chapter file, in kilobytes", check=_positive),
        "image_mb": Option(int, 10, "Largest image file, in megabytes", check=_positive),
        "image_megapixels": Option(int, 40, "Largest image, in millions of pixels", check=_positive),
        "render_seconds": Option(int, 300, "Longest a PDF edition may take to lay out, in seconds", check=_positive),
        "layout_seconds": Option(int, 60, "Longest one layout template may take to render, in seconds",
                                 check=_positive),
        "markdown_seconds": Option(int, 30, "Longest one chapter's Markdown may take to convert, in seconds",
                                   check=_positive),
    }, "How large an input and how long a step may be", properties={
        "image_bytes": property(lambda self: self.image_mb * 1_000_000),
        "image_pixels": property(lambda self: self.image_megapixels * 1_000_000),
    }),
    "crisis": Table("Crisis", {
        "show": Option(bool, True, "Show the crisis box (false, or an empty list of lines, leaves it out)"),
        "heading": Option(str, "If you are in crisis, get help now", "Heading of the crisis box"),
        "lines": Option(list, [
            "Call or text 988 (Suicide & Crisis Lifeline), or chat at 988lifeline.org.",
            "Call 911 or go to the nearest emergency department if you are in immediate danger.",
        ], "Lines of the crisis box shown at the start and the end"),
    }, "The crisis box shown at the start and the end", properties={
        "shown": property(lambda self: self.show and bool(self.lines), doc="Whether the layouts print the box."),
    }),
    "web": Table("WebSettings", {
        "enabled": Option(bool, True, "Build the web edition: index.html beside the PDFs and the EPUB, to put at "
                          "online_url"),
    }, "The web edition"),
    "check": Table("CheckSettings", {
        "reading_grade_max": Option(int, 8, "Highest Flesch-Kincaid grade a chapter may read at", check=_positive),
        "inflesz_min": Option(int, 65, "Lowest Szigriszt-Pazos score (INFLESZ scale: 55-65 normal, above 65 fairly "
                              "easy) a Spanish chapter may have", check=lambda v: None if 0 <= v <= 100 else
                              "must be from 0 to 100"),
        "section_words_max": Option(int, 300, "Most words a section may have before `check` warns",
                                    check=_positive),
        "review_warning_days": Option(int, 60, "Warn this many days before the next review is due",
                                      check=lambda v: "must be 0 or more" if v < 0 else None),
        "jargon_file": Option(str, "chapters/jargon.txt", "The list of medical terms to check, one per line",
                              check=_nonempty),
        "rules": Option(dict, {}, "Rules of `publish.py check` switched off (`name = false`) or reported at "
                        "another level (`name = \"warning\"`, \"error\" or \"info\")", check=_rule_settings),
    }, "Settings of `publish.py check`"),
}, "The settings of one handout project (publish.toml)", properties={
    "root": property(lambda self: self.path.parent, doc="The project folder."),
    "online_href": property(lambda self: web_href(self.online_url), doc="The online address's link."),
    "clinic": property(lambda self: self.clinics[0], doc="The first (usually the only) clinic."),
})


def settings_class(table: Table, first: tuple = (), last: tuple = ()) -> type:
    """The frozen dataclass a table's options become: one field per option (with its default unless it is
    required) and per inner table, plus the `first` and `last` fields given."""
    fields: list = list(first)
    for key, option in table.items():
        if isinstance(option, Table):
            fields.append((option.attribute or key, f"tuple[{option.name}, ...]" if option.many else option.name))
        elif option.required:
            fields.append((key, option.annotation))
        else:
            fields.append((key, option.annotation, field(default=_held(option.default))))
    cls = dataclasses.make_dataclass(table.name, [*fields, *last], frozen=True, kw_only=True,
                                     namespace=dict(table.properties))
    cls.__module__, cls.__doc__ = __name__, table.doc
    globals()[table.name] = cls  # so that pickle finds it (a build's worker processes), for every table
    return cls


def _classes(table: Table) -> dict[str, type]:
    """The settings class of `table` and of each table inside it, by class name."""
    classes = {}
    for option in table.values():
        if isinstance(option, Table):
            classes.update(_classes(option))
    first = (("path", Path),) if table is SCHEMA else ()
    # Beside the settings: the warnings, and for a translation's Config (handout/config/languages.py) where its
    # chapters are, the source's language and its review record.
    last = (("warnings", "tuple[str, ...]", field(default=(), compare=False)),
            ("chapters_dir", str, field(default="chapters")), ("source_language", str, field(default="")),
            ("translation", "tuple", field(default=()))) if table is SCHEMA else ()
    classes[table.name] = settings_class(table, first, last)
    return classes


SETTINGS_CLASSES = _classes(SCHEMA)
Review = SETTINGS_CLASSES["Review"]
Clinic = SETTINGS_CLASSES["Clinic"]
PrintSettings = SETTINGS_CLASSES["PrintSettings"]
Accessibility = SETTINGS_CLASSES["Accessibility"]
Limits = SETTINGS_CLASSES["Limits"]
Crisis = SETTINGS_CLASSES["Crisis"]
CheckSettings = SETTINGS_CLASSES["CheckSettings"]
WebSettings = SETTINGS_CLASSES["WebSettings"]
Config = SETTINGS_CLASSES["Config"]


def _settings(table: Table, values: dict, top: dict) -> Any:
    """The settings object of `table` from its validated `values`; `top` holds the top-level values (for an
    option's fallback)."""
    fields = {}
    for key, option in table.items():
        value = values[key]
        if isinstance(option, Table):
            if option.many:
                value = tuple(_settings(option, item, top) for item in (value if isinstance(value, list) else [value]))
            else:
                value = _settings(option, value, top)
            key = option.attribute or key
        elif option.fallback and not value:
            value = top[option.fallback]
        fields[key] = value
    return SETTINGS_CLASSES[table.name](**fields) if table is not SCHEMA else fields


def _validate(data: dict, schema: Table, prefix: str, path: Path, where: Locator, warnings: list,
              misspelt: dict[str, tuple[str, int]] | None = None, index: int = 0) -> dict:
    """`data` checked against `schema`; unknown keys become warnings in `warnings`, and `misspelt` maps the
    setting each likely misspells to the unknown key and its line (for the missing-key error). `index`: which
    table of an array of tables ([[clinic]]) `data` is, for the lines named."""
    misspelt = {} if misspelt is None else misspelt
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in schema:
            dotted = prefix + key
            line = where.line(dotted, index)
            meant = _meant(key, schema, prefix)
            advice = f": did you mean '{meant}'?" if meant else ""
            if meant:
                misspelt.setdefault(meant, (dotted, line or 1))
            warnings.append(Note(Diagnostic("config.unknown-key", "warning",
                                            f"unknown key '{dotted}' (ignored){advice}", path, line or 1), path.name))
    for key, option in schema.items():
        dotted = prefix + key
        if isinstance(option, Table) and option.many and isinstance(data.get(key), list):
            tables = data[key]
            if not tables or not all(isinstance(t, dict) for t in tables):
                raise InputError(f"'{dotted}' must be a table or an array of tables ([[{dotted}]])", path,
                                 where.line(dotted))
            out[key] = [_validate(t, option, dotted + ".", path, where, warnings, misspelt, number)
                        for number, t in enumerate(tables)]
            continue
        if isinstance(option, Table):
            table = data.get(key, {})
            if not isinstance(table, dict):
                raise InputError(f"'{dotted}' must be a table ([{dotted}])", path, where.line(dotted))
            out[key] = _validate(table, option, dotted + ".", path, where, warnings, misspelt)
            continue
        if key not in data:
            if option.required:
                advice, line = _misspelt(dotted, misspelt)
                raise InputError(f"missing required key '{dotted}' ({option.help}){advice}", path,
                                 line or (where.line(prefix.rstrip("."), index) if prefix else None))
            out[key] = _held(option.default)
            continue
        out[key] = option.validate(data[key], dotted, path, where.line(dotted, index))
    return out


def _option_keys(table: Table, prefix: str = "") -> dict[str, str]:
    """Every key of `table` and the tables in it, by dotted name (`review`, `review.last_reviewed`)."""
    keys = {}
    for key, option in table.items():
        keys[prefix + key] = key
        if isinstance(option, Table):
            keys.update(_option_keys(option, prefix + key + "."))
    return keys


def _meant(key: str, schema: Table, prefix: str) -> str:
    """The setting an unknown key most likely misspells (`ouput_name`: `output_name`; `reveiw`: `review`;
    `edition`: `print.editions`): a key of the same table first, else any key of publish.toml."""
    near = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.75)
    if near:
        return prefix + near[0]
    everywhere = _option_keys(SCHEMA)
    by_name: dict[str, str] = {}
    for dotted, name in everywhere.items():
        by_name.setdefault(name, dotted)
    near = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.8)
    return by_name[near[0]] if near else ""


def _misspelt(dotted: str, misspelt: dict[str, tuple[str, int]]) -> tuple[str, int | None]:
    """Beside a missing key: the unknown key that looks like it (or like the table that holds it), and its
    line."""
    for meant, (unknown, line) in misspelt.items():
        if dotted == meant or dotted.startswith(meant + "."):
            return f"; this line has the unknown key '{unknown}': did you mean '{meant}'?", line
    return "", None


def source_date_epoch() -> dt.datetime | None:
    """The time SOURCE_DATE_EPOCH sets (reproducible builds), None when it is not set; InputError when it is
    not a whole number of seconds since 1970 that falls in a year a date can hold (up to 9999)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    if not re.fullmatch(r"[0-9]+", epoch):
        raise InputError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not '{epoch[:40]}'")
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"SOURCE_DATE_EPOCH {epoch[:40]} is out of range: it must fall before the year 10000 "
                         "(seconds since 1970, not milliseconds)") from None


CONFIG_BYTES = 1_000_000  # far above any real publish.toml; checked before parsing
CONFIG_DEPTH = 8          # tables and arrays nested deeper than this are no setting of ours


def read_config_text(root: Path) -> str:
    """The text of `publish.toml`, read through the project's sandbox: a regular file inside the project
    (after symlinks), at most CONFIG_BYTES, UTF-8."""

    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        raise InputError(f"no {CONFIG_NAME} found in {root} or any folder above it: run this in a project "
                         "folder (or a folder inside one), name one with --project, or start one with "
                         "`publish.py new FOLDER`", path)
    Sandbox(root).check_file(path)
    size = path.stat().st_size
    if size > CONFIG_BYTES:
        raise InputError(f"{CONFIG_NAME} is {size / 1e6:.1f} MB, over the limit of {CONFIG_BYTES / 1e6:.0f} MB: "
                         "it holds settings only", path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read it: {error.strerror}", path) from None
    return decode_utf8(raw, path).removeprefix("\ufeff")


def config_line(config: Config, dotted: str) -> int | None:
    """The line of publish.toml that sets `dotted` (for example `review.next_review_due`), if any."""
    try:
        return Locator(read_config_text(config.root)).line(dotted)
    except InputError:
        return None


def _nesting(data: dict) -> tuple[int, str]:
    """The deepest nesting of tables and arrays in parsed TOML, and the dotted key where it is."""
    deepest, where = 0, ""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > deepest:
            deepest, where = depth, key
        if isinstance(value, dict):
            stack.extend((item, depth + 1, f"{key}.{name}" if key else name) for name, item in value.items()
                         if isinstance(item, (dict, list)))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, key) for item in value if isinstance(item, (dict, list)))
    return deepest, where


def load_config(root: Path) -> Config:
    """Read and validate `publish.toml` in the project folder `root`."""
    path = root / CONFIG_NAME
    text = read_config_text(root)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        line = int(match.group(1)) if match else None
        raise InputError(f"invalid TOML: {message}{_toml_advice(text, line)}", path, line) from None
    except RecursionError:
        raise InputError(f"arrays or tables are nested too deeply (more than {CONFIG_DEPTH} levels): settings "
                         "are never nested like that", path) from None
    depth, deepest = _nesting(data)
    if depth > CONFIG_DEPTH:
        top = deepest.split(".")[0]
        raise InputError(f"'{deepest[:80]}' is nested {depth} levels deep, more than the {CONFIG_DEPTH} any setting "
                         "needs: remove the extra levels", path, Locator(text).line(top) or None)
    own, (data, library) = data, inherited(root, data)  # a handout in a library: what it leaves out, the library's
    if library is not None:
        check_library(library)
    warnings: list[str] = []
    where = Locator(text)
    try:
        values = _validate(data, SCHEMA, "", path, where, warnings)
        _check_together(values, root, path, where)
    except InputError as error:
        raise blame_library(error, own, library) from None
    return Config(path=path, **_settings(SCHEMA, values, values), warnings=tuple(warnings))


def check_library(library: Path) -> None:
    """library.toml's settings, checked at their own lines before any handout inherits them: a key no setting
    of publish.toml has (a misspelling every handout would ignore) and a value of the wrong kind are refused
    there (exit 2), not reported at each handout's publish.toml. `[library]` is the library's own table
    (handout/library/ reads it); what a handout leaves out of a required setting is its own to set."""
    data, text = read_library(library.parent)
    where = Locator(text)
    _check_library_table({k: v for k, v in data.items() if k != LIBRARY_TABLE}, SCHEMA, "", library, where)
    languages = data.get("languages")
    if isinstance(languages, dict):
        _check_languages(tuple(languages.items()), library, where)


def _check_library_table(data: dict, schema: Table, prefix: str, path: Path, where: Locator, index: int = 0) -> None:
    for key, value in data.items():
        dotted, option = prefix + key, schema.get(key)
        if option is None:
            meant = _meant(key, schema, prefix)
            advice = (f"did you mean '{meant}'? Correct it" if meant else
                      "it is no setting of publish.toml (README.md, Configuration): correct it or remove it")
            raise InputError(f"unknown key '{dotted}' in {LIBRARY_FILE}, which every handout of the library would "
                             f"ignore: {advice}", path, where.line(dotted, index) or 1, code="config.unknown-key")
        if not isinstance(option, Table):
            option.validate(value, dotted, path, where.line(dotted, index))
        elif isinstance(value, dict):
            _check_library_table(value, option, dotted + ".", path, where)
        elif option.many and isinstance(value, list) and value and all(isinstance(t, dict) for t in value):
            for number, table in enumerate(value):
                _check_library_table(table, option, dotted + ".", path, where, number)
        else:
            kind = f"a table or an array of tables ([[{dotted}]])" if option.many else f"a table ([{dotted}])"
            raise InputError(f"'{dotted}' must be {kind}", path, where.line(dotted))


def _check_together(values: dict, root: Path, path: Path, where: Locator) -> None:
    """What no single option can check: the review dates' order, the logo's file, the clinics' ids."""
    _check_languages(values["languages"], path, where)
    if values["review"]["next_review_due"] < values["review"]["last_reviewed"]:
        raise InputError("'review.next_review_due' is before 'review.last_reviewed'", path,
                         where.line("review.next_review_due"))
    clinics = values["clinic"] if isinstance(values["clinic"], list) else [values["clinic"]]
    seen = set()
    for clinic in clinics:
        logo = clinic["logo"]
        if logo:
            logo_path = (root / logo).resolve()
            if not logo_path.is_relative_to(root.resolve()):
                raise InputError(f"'clinic.logo' points outside the project: {logo}", path, where.line("clinic.logo"))
            if not logo_path.is_file():
                raise InputError(f"'clinic.logo' file not found: {logo}", path, where.line("clinic.logo"))
        if len(clinics) > 1:
            if not clinic["id"]:
                raise InputError(f"clinic '{clinic['name']}' needs an 'id' (its folder under dist/) when several "
                                 "clinics are listed", path, where.line("clinic"))
            if clinic["id"] in seen:
                raise InputError(f"two clinics share the id '{clinic['id']}'", path, where.line("clinic"))
            seen.add(clinic["id"])
