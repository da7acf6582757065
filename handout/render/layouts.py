"""The Jinja environment over layouts/, shared by the print and EPUB targets.

Layouts are untrusted input (a theme from a colleague, a handout from another clinic), so they are rendered
in a sandbox that gives them plain data and nothing else:

- the context holds only strings, numbers, lists and mappings (`plain`): no `Path`, no object with methods
  that touch files; a template reads a mapping's keys as attributes (`config.title`);
- a template may call only the project's globals (`link`), Jinja's own helpers (`range`, `dict`, `cycler`,
  `joiner`, `namespace`, macros, `super()`, `loop.cycle()`) and filters; no method of any value, no
  attribute starting with `_`;
- sizes are capped (`*`, `**` and `+` on strings and lists, filter arguments, namespace values) and every
  render runs under `limits.layout_seconds`;
- templates are read only from the project's layouts/, through the project's sandbox; their compiled code
  is kept only in this user's own cache folder, signed (never in the project, which could ship bytecode).

A template that tries anything else is refused, naming the template and line (exit status 2).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
import traceback
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.runtime import BlockReference, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from handout.config.strings import REFERENCE, Strings, css_content, css_string, layout_helper, load, long_date
from handout.core.errors import InputError
from handout.core.limits import time_limit
from handout.core.sandbox import Sandbox
from handout.core.store import bytecode_cache
from handout.core.theme import theme_folder

if TYPE_CHECKING:  # a target is given to the layouts, never imported by them (targets are the layer above)
    from handout.targets.base import Target
from handout.core.inherit import library_theme_roots

LAYOUTS_DIR = "layouts"
HREF = re.compile(r'href="#([^"]+)"')
TEMPLATE_SUFFIXES = {".html", ".xhtml", ".xml", ".svg", ".css"}
# The largest string or list a template may make with `*`, `+` or a namespace, and the largest number a
# filter may be given (a width, a count): far above anything a layout needs, far below a machine's memory.
MAX_SIZE = 1_000_000
MAX_FILTER_NUMBER = 100_000
PLAIN = (str, int, float, bool, type(None), list, tuple, dict)


# ---- plain data -------------------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """`value` as the plain data a template may see: dataclasses become mappings of their fields and public
    properties, dates ISO strings, tuples lists; paths are left out (a template has no use for one)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value  # Markup is a str: kept as it is, so it is not escaped again
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value if not isinstance(item, Path)]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items() if not isinstance(item, Path)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        for name, member in vars(type(value)).items():
            if isinstance(member, property) and not name.startswith("_"):
                data[name] = getattr(value, name)
        return plain({key: item for key, item in data.items() if not isinstance(item, Path)})
    raise TypeError(f"a layout may be given only plain data, not {type(value).__name__}")


def lines(value: str) -> list[str]:
    """A text's lines (an address written over several lines)."""
    return str(value).splitlines()


def stop(value) -> str:
    """The full stop a part of a source's entry needs after it: none when it ends in its own (an author
    "et al.", a title that asks "...?"), even inside a closing quote; an empty part needs none. After a closing
    bracket it needs its own: "A guide (2nd ed.)."."""
    text = str(value if value is not None else "").rstrip()
    return "" if not text or text.rstrip("\"'\u201d\u2019\u00bb").endswith((".", "?", "!", "\u2026")) else "."


# ---- the sandbox ------------------------------------------------------------------------------------------

class LayoutNamespace(Namespace):
    """Jinja's `namespace()`, whose values may not grow past MAX_SIZE (a string doubled in a loop)."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(value)
        super().__setitem__(name, value)


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_SIZE:
        raise SecurityError(f"a layout made a value of {len(value):,} items, over the limit of {MAX_SIZE:,}")
    return value


def _capped(function: Callable) -> Callable:
    """A filter that refuses numbers (widths, counts) over MAX_FILTER_NUMBER, and results over MAX_SIZE."""

    @wraps(function)
    def filter_(*args, **kwargs):
        for argument in (*args[1:], *kwargs.values()):
            if isinstance(argument, (int, float)) and not isinstance(argument, bool) \
                    and abs(argument) > MAX_FILTER_NUMBER:
                raise SecurityError(f"filter '{function.__name__.removeprefix('do_')}' was given {argument:,}, "
                                    f"over the limit of {MAX_FILTER_NUMBER:,}")
        return _check_size(function(*args, **kwargs))

    return filter_


class LayoutEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, stricter: plain data only, no method calls, capped sizes."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, **options):
        super().__init__(**options)
        del self.globals["lipsum"]  # text generated by the page: no use to a handout
        self.globals["namespace"] = LayoutNamespace
        self.filters = {name: _capped(function) for name, function in self.filters.items()}
        self.filters.update(long_date=lambda value: long_date(value, REFERENCE), lines=lines, stop=stop,
                            css_string=css_string,
                            css_content=css_content)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PLAIN):
            return False  # plain data has keys, not attributes: `"text".upper`, `{}.items` are refused
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, (Macro, BlockReference)):  # the template's own macros, super() and self.block()
            return True
        if isinstance(getattr(obj, "__self__", None), (LoopContext, Cycler, Joiner)):  # loop.cycle(), ...
            return True
        return any(obj is helper for helper in self.globals.values())

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, PLAIN):
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, PLAIN):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=argument)
        return super().getitem(obj, argument)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and right > 0 and abs(left) > 1 and abs(left).bit_length() * right > 4096:
            raise SecurityError(f"{left} ** {right} is too large a number for a layout")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > MAX_SIZE:
                    raise SecurityError(f"a layout made a value of {len(sequence) * count:,} items, over the "
                                        f"limit of {MAX_SIZE:,}")
        return _check_size(super().call_binop(context, operator, left, right))


class SandboxedLoader(jinja2.FileSystemLoader):
    """Jinja's loader over the project's layouts/, then the built-in theme's, reading only what the sandbox
    allows: a template (or an include) that is a link leading out of the project is refused, naming the link.
    A project's file overrides the theme's of the same name."""

    def __init__(self, folders: list[Path], root: Path):
        super().__init__([str(folder) for folder in folders])
        self.sandbox = Sandbox(root)

    def get_source(self, environment, template):
        pieces = jinja2.loaders.split_template_path(template)
        path = None
        for folder in self.searchpath:
            candidate = Path(folder, *pieces)
            if candidate.exists() or candidate.is_symlink():
                path = candidate
                break
        if path is not None:
            self.sandbox.check_file(path)
            size = path.stat().st_size
            if size > LAYOUT_BYTES:
                raise InputError(f"layout is {size / 1e6:.1f} MB, over the limit of {LAYOUT_BYTES / 1e6:.0f} MB "
                                 "for a template", path)
        source, filename, uptodate = super().get_source(environment, template)
        # A file later replaced by a link leading out is read again, and so refused.
        return source, filename, lambda: uptodate() and self.sandbox.allows(Path(filename))


LAYOUT_BYTES = 1_000_000  # a template larger than this is not a layout
_ENVIRONMENTS: dict[tuple[tuple[Path, ...], str], LayoutEnvironment] = {}


def _environment(folders: list[Path], root: Path, target: str) -> LayoutEnvironment:
    """One environment per set of layout folders and target, kept for the process (watch mode builds many times).

    Templates are recompiled when their file changes (Jinja checks modification times). Compiled templates
    are also kept in this user's cache folder, signed (`cache.bytecode_cache`): never in the project's, where
    bytecode would be code a shared project could ship.
    """
    key = (tuple(folder.resolve() for folder in folders), target)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = LayoutEnvironment(
            loader=SandboxedLoader(folders, root),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=True,
            bytecode_cache=bytecode_cache(),
        )
    return _ENVIRONMENTS[key]


def _template_frame(error: BaseException, folders: list[Path]) -> tuple[Path | None, int | None]:
    """The innermost template line in a traceback (Jinja maps template code to its source lines)."""
    found: tuple[Path | None, int | None] = (None, None)
    bases = [folder.resolve() for folder in folders]
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.suffix in TEMPLATE_SUFFIXES and any(path.resolve().is_relative_to(base) for base in bases):
            found = (path, frame.lineno)
    return found


def _interrupted_template(frame, folders: list[Path]) -> tuple[Path | None, int | None]:
    """The template line the time limit's alarm stopped, from the frame it interrupted. The alarm may land
    in an including template's frame while the included one is suspended between two pieces of output
    (Jinja's `{% include %}` loops over the partial's generator, kept in a local): follow such suspended
    generators inward, so the template named is the one doing the work, whichever frame the alarm hit."""
    bases = [folder.resolve() for folder in folders]

    def is_template(code_frame) -> bool:
        path = Path(code_frame.f_code.co_filename)
        return path.suffix in TEMPLATE_SUFFIXES and any(path.resolve().is_relative_to(b) for b in bases)

    while frame is not None and not is_template(frame):
        frame = frame.f_back
    if frame is None:
        return None, None
    for _ in range(100):  # includes nest far less deeply than this
        inner = next((value.gi_frame for value in frame.f_locals.values()
                      if inspect.isgenerator(value) and value.gi_frame is not None
                      and not value.gi_running and is_template(value.gi_frame)), None)
        if inner is None:
            break
        frame = inner
    return Path(frame.f_code.co_filename), frame.f_lineno


class Layouts:
    """Renders a template of layouts/ for one target, turning template mistakes into InputErrors."""

    def __init__(self, root: Path, target: Target, link: Callable[[str], str], seconds: int = 60,
                 strings: Strings | None = None):
        self.folder = root / LAYOUTS_DIR
        # The project's layouts first, then the built-in theme's (the same folder when the project is the
        # toolchain's own repository).
        builtin = theme_folder() / LAYOUTS_DIR
        self.folders = [self.folder] + [folder for folder in library_theme_roots(root) if folder.name == LAYOUTS_DIR] \
            + ([builtin] if builtin.resolve() != self.folder.resolve() else [])
        self.link = link
        self.seconds = seconds
        self.env = _environment(self.folders, root, target.layouts)
        # Layouts ask what the target can do (`paged`), not which it is; `target` stays for a project's own
        # layouts written before the capabilities.
        self.env.globals.update(target=target.layouts, link=link, **target.capabilities)
        self.env.filters["resolve_links"] = self.resolve_links
        # The words the layouts add, in the book's language (handout/config/strings.py): `t("headings.contents")`,
        # `strings["headings.contents"]`; dates written for the language.
        self.strings = strings if strings is not None else load(root, REFERENCE)
        self.env.globals["t"] = layout_helper(self.strings)
        self.env.filters["long_date"] = lambda value: long_date(value, self.strings.language)
        self._plain: dict[int, tuple[Any, Any]] = {}  # id -> (object, its plain data): the book, once

    def resolve_links(self, html: str) -> Markup:
        """Point a chapter's in-book links (`#id`) at the document that holds the id."""
        return Markup(HREF.sub(lambda m: f'href="{self.link(m.group(1))}"', str(html)))

    def _as_plain(self, value: Any) -> Any:
        if isinstance(value, (str, int, float, bool, type(None))):
            return value
        kept = self._plain.get(id(value))
        if kept is None or kept[0] is not value:
            kept = self._plain[id(value)] = (value, plain(value))
        return kept[1]

    def _stopped_at(self, error: BaseException) -> tuple[Path | None, int | None]:
        """The template line a stopped render was on. Jinja maps its compiled code's lines back to the
        template's only for exceptions it handles, which the time limit's is not: map them here."""
        path, line = getattr(error, "where", None) or (None, None)
        if path is None:
            path, line = _template_frame(error, self.folders)
        if path is None or line is None:
            return path, line
        try:
            folder = next(f for f in self.folders if path.resolve().is_relative_to(f.resolve()))
            template = self.env.get_template(path.resolve().relative_to(folder.resolve()).as_posix())
            return path, template.get_corresponding_lineno(line)
        except Exception:  # a template that no longer loads: its file is still the one to name
            return path, None

    def render(self, name: str, **context) -> str:

        data = {key: self._as_plain(value) for key, value in context.items()}
        data.setdefault("strings", dict(self.strings.table))
        try:
            with time_limit(self.seconds, f"rendering the layout {name}", "limits.layout_seconds",
                            locate=lambda frame: _interrupted_template(frame, self.folders)):
                return self.env.get_template(name).render(**data)
        except jinja2.TemplateSyntaxError as error:
            raise InputError(f"template syntax error: {error.message}", error.filename or self.folder / name,
                             error.lineno) from None
        except jinja2.TemplateNotFound as error:
            path, line = _template_frame(error, self.folders)
            raise InputError(f"template '{error.name}' not found in layouts/", path or self.folder / name,
                             line) from None
        except SecurityError as error:
            path, line = _template_frame(error, self.folders)
            raise InputError(f"refused: {error} (layouts get plain data: they may read values and call the "
                             "filters and link(), nothing else)", path or self.folder / name, line) from None
        except jinja2.UndefinedError as error:
            path, line = _template_frame(error, self.folders)
            raise InputError(f"undefined layout variable: {error.message}", path or self.folder / name,
                             line) from None
        except InputError as error:
            if error.path is None:  # the time limit: name the template line it was on (the alarm's trace)
                path, line = self._stopped_at(error.__context__ or error)
                raise InputError(error.message, path or self.folder / name, line) from None
            raise
        except (RecursionError, MemoryError) as error:
            path, line = _template_frame(error, self.folders)
            what = ("nests too deeply (a macro or include that calls itself?)" if isinstance(error, RecursionError)
                    else "ran out of memory")
            raise InputError(f"the layout {what}", path or self.folder / name, line) from None
        except Exception as error:  # a filter or test failing on the data a layout gave it
            path, line = _template_frame(error, self.folders)
            if path is None:
                raise
            raise InputError(f"layout error: {_fault(error)}", path, line) from None


# What a filter or an operation failing on a layout's data did, in words (no Python exception names).
_FAULTS = ((OverflowError, "a number too large"), (ZeroDivisionError, "a division by zero"),
           (KeyError, "a key that is not there"), (IndexError, "an item past the end of a list"),
           (TypeError, "a value of the wrong kind"), (ValueError, "a value it cannot use"),
           (ArithmeticError, "a calculation that failed"))


def _fault(error: Exception) -> str:
    """A layout's failing operation as the author can act on it: `range(10**9)` is over the sandbox's limit."""
    from jinja2.sandbox import MAX_RANGE

    if isinstance(error, OverflowError) and "range" in str(error).lower():
        return f"range() counts to at most {MAX_RANGE:,} in a layout: ask for fewer numbers"
    what = next((words for kind, words in _FAULTS if isinstance(error, kind)), "an operation that failed")
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{what}" + (f" ({detail})" if detail else "")
