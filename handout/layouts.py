"""The Jinja environment over layouts/, shared by the print and EPUB targets."""
from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from .cache import CACHE_DIR
from .errors import InputError
from .sandbox import Sandbox

LAYOUTS_DIR = "layouts"
HREF = re.compile(r'href="#([^"]+)"')


def _template_frame(error: BaseException, layouts: Path) -> tuple[Path | None, int | None]:
    """The innermost template line in a traceback (Jinja maps template code to its source lines)."""
    found: tuple[Path | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.suffix in {".html", ".xhtml", ".xml", ".css"} and path.resolve().is_relative_to(layouts.resolve()):
            found = (path, frame.lineno)
    return found


class SandboxedLoader(jinja2.FileSystemLoader):
    """Jinja's loader over layouts/, reading only what the sandbox allows: a template (or an include) that is
    a link leading out of the project is refused, naming the link."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.sandbox = Sandbox(folder.parent)

    def get_source(self, environment, template):
        path = Path(self.searchpath[0], *jinja2.loaders.split_template_path(template))
        if path.exists() or path.is_symlink():
            self.sandbox.check_file(path)
        source, filename, uptodate = super().get_source(environment, template)
        # A file later replaced by a link leading out is read again, and so refused.
        return source, filename, lambda: uptodate() and self.sandbox.allows(path)


_ENVIRONMENTS: dict[tuple[Path, str], jinja2.Environment] = {}


def _environment(folder: Path, target: str) -> jinja2.Environment:
    """One environment per layouts folder and target, kept for the process (watch mode builds many times).

    Templates are recompiled when their file changes (Jinja checks modification times); compiled
    templates are also kept in .cache/jinja/ so a fresh process does not compile them again.
    """
    key = (folder.resolve(), target)
    if key not in _ENVIRONMENTS:
        cache = folder.parent / CACHE_DIR / "jinja"
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache))
        except OSError:
            bytecode = None  # a read-only project still builds
        _ENVIRONMENTS[key] = jinja2.Environment(
            loader=SandboxedLoader(folder),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=bytecode,
            auto_reload=True,
        )
    return _ENVIRONMENTS[key]


class Layouts:
    """Renders a template of layouts/ for one target, turning template mistakes into InputErrors."""

    def __init__(self, root: Path, target: str, link: Callable[[str], str]):
        self.folder = root / LAYOUTS_DIR
        if not self.folder.is_dir():
            raise InputError("no layouts/ folder", self.folder)
        self.link = link
        self.env = _environment(self.folder, target)
        self.env.globals.update(target=target, link=link)
        self.env.filters["resolve_links"] = self.resolve_links

    def resolve_links(self, html: str) -> Markup:
        """Point a chapter's in-book links (`#id`) at the document that holds the id."""
        return Markup(HREF.sub(lambda m: f'href="{self.link(m.group(1))}"', str(html)))

    def render(self, name: str, **context) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as error:
            raise InputError(f"template syntax error: {error.message}", error.filename or self.folder / name,
                             error.lineno) from None
        except jinja2.TemplateNotFound as error:
            path, line = _template_frame(error, self.folder)
            raise InputError(f"template '{error.name}' not found in layouts/", path or self.folder / name,
                             line) from None
        except jinja2.UndefinedError as error:
            path, line = _template_frame(error, self.folder)
            raise InputError(f"undefined layout variable: {error.message}", path or self.folder / name,
                             line) from None
        except InputError:
            raise
        except Exception as error:  # a filter or test failing on the data a layout gave it
            path, line = _template_frame(error, self.folder)
            if path is None:
                raise
            raise InputError(f"layout error: {type(error).__name__}: {error}", path, line) from None
