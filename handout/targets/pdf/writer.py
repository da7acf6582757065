"""Print HTML -> PDF with WeasyPrint, reading only what the sandbox allows."""
from __future__ import annotations

import functools
import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from handout.config.strings import REFERENCE
from handout.config.strings import load as load_strings
from handout.core.errors import InputError, SandboxError
from handout.core.limits import time_limit
from handout.core.sandbox import Sandbox, check_data_svg, check_svg, decode_data_url, mentioning_line, referring_line
from handout.core.theme import find
from handout.render.figure_fonts import in_family
from handout.targets.pdf import relayout
from handout.targets.pdf.pagemap import page_start_words
from handout.targets.pdf.press import finish_press_pdf
from handout.targets.pdf.tablewidth import check_table_widths
from handout.targets.pdf.tags import finish_pdf, tag_languages

# The largest file WeasyPrint may load (a stylesheet, a font, an image a layout names): chapter images have
# their own, configurable, limit (limits.image_mb), checked when the chapter is read.
FETCH_BYTES = 64_000_000


def _from_theme(url: str, project: Path) -> str:
    """A `file:` URL of a project file the project does not have, as the URL of the built-in theme's file of
    the same path (`assets/css/base.css`), when the theme has one; any other URL as it is."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    path = Path(os.path.normpath(unquote(parts.path)))
    if path.exists() or path.is_symlink() or not path.is_relative_to(project):
        return url
    own = project / path.relative_to(project)
    found = find(project, path.relative_to(project).as_posix())
    if found == own:
        return url
    return found.as_uri() + (f"#{parts.fragment}" if parts.fragment else "")


def _fetcher_class():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Refused(FatalURLFetchingError):
        def __init__(self, error: SandboxError):
            super().__init__(error.message)
            self.error = error

    class SandboxedFetcher(URLFetcher):
        """WeasyPrint's fetcher, restricted to data: URLs and files the sandbox allows; SVGs are checked, and the
        figures' (`figures`: the font-family of their text and their files) have their text in that family."""

        def __init__(self, sandbox: Sandbox, figures: tuple[str, frozenset[Path]] | None = None):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, fail_on_errors=True)
            self.sandbox = sandbox
            self.figures = figures

        def fetch(self, url, headers=None):
            try:
                if url.startswith("data:"):
                    kind, data = decode_data_url(url)
                    if kind == "image/svg+xml":
                        check_data_svg(data)
                    return super().fetch(url, headers)
                path = self.sandbox.file_for_url(_from_theme(url, self.sandbox.roots[0]))  # base URL: resolved
                size = path.stat().st_size
                if size > FETCH_BYTES:
                    raise SandboxError(f"refused: the file is {size / 1e6:.0f} MB, over the limit of "
                                       f"{FETCH_BYTES / 1e6:.0f} MB for a file a layout or stylesheet loads", path)
                if path.suffix.lower() == ".svg":
                    check_svg(path)
            except SandboxError as error:
                raise Refused(error if error.url else SandboxError(error.message, error.path, error.line, url)) \
                    from None
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data = path.read_bytes()
            if self.figures is not None and path.resolve() in self.figures[1]:
                data = in_family(data, self.figures[0])
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

    return SandboxedFetcher, Refused


# The press edition's output intent: a CMYK printing profile from Debian's libgs-common (scripts/system-deps.sh).
PRESS_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def pdf_options(variant: str = "pdf/ua-1") -> dict:
    """WeasyPrint's PDF options for an edition's variant (editions.py): PDF/UA-1, or PDF/X-4 still tagged."""
    if variant == "pdf/x-4":
        return {"pdf_variant": "pdf/x-4", "pdf_tags": True}
    return {"pdf_variant": variant}


def press_profiles() -> dict:
    """The press edition's CMYK output profile, for WeasyPrint's `color_profiles`; a clear error when missing."""
    from weasyprint.css import ColorProfile

    if not PRESS_PROFILE.is_file():
        raise InputError(f"the press edition needs the CMYK profile {PRESS_PROFILE} (Debian package libgs-common): "
                         "run `bash scripts/system-deps.sh` as root")
    with PRESS_PROFILE.open("rb") as handle:
        return {"device-cmyk": ColorProfile(handle, PRESS_PROFILE.as_uri(), "relative-colorimetric",
                                            (["c"], ["m"], ["y"], ["k"]))}


class RenderedPdf:
    """A laid-out print document: written to PDF, and read for where each page starts."""

    def __init__(self, html: str, root: Path, seconds: int = 300, what: str = "laying out the PDF",
                 variant: str = "pdf/ua-1", figures: tuple[str, frozenset[Path]] | None = None):
        import weasyprint  # costly import: only when a PDF is really laid out

        fetcher_class, self._refused = _fetcher_class()
        self._fetcher = fetcher_class(Sandbox(root), figures)
        self.root = root
        self.seconds = seconds
        try:
            with time_limit(seconds, what):
                self.options = pdf_options(variant)
                profiles = press_profiles() if self.options["pdf_variant"] == "pdf/x-4" else None
                source = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/",
                                         url_fetcher=self._fetcher)
                # Under `watch`, laid out again only where the HTML changed (relayout.py); else whole.
                self.document = relayout.render(source, html, (str(root), what, variant, html[:html.find("<body")]),
                                                profiles, self.options)
        except self._refused as error:
            raise _locate(error.error, root) from None
        check_table_widths(self.document, root)

    @property
    def page_count(self) -> int:
        return len(self.document.pages)

    def page_starts(self) -> list[list[str]]:
        return page_start_words(self.document)

    def write(self, target: Path) -> int:
        """Write the PDF (PDF/UA-1, or PDF/X-4 for the press edition); returns the page count."""
        try:
            with time_limit(self.seconds, "writing the PDF"):
                press = self.options["pdf_variant"] == "pdf/x-4"
                # What the tag tree says and the page does not print, in the document's language.
                strings = load_strings(self.root, self.document.metadata.lang or REFERENCE)
                finisher = functools.partial(finish_press_pdf if press else finish_pdf, strings=strings)
                tag_languages()
                self.document.write_pdf(target, url_fetcher=self._fetcher, **self.options, finisher=finisher)
        except self._refused as error:
            raise _locate(error.error, self.root) from None
        return self.page_count


# Files that can ask for a URL, and whether they are stylesheets (else markup or Markdown).
REFERRERS = {".css": True, ".html": False, ".xhtml": False, ".xml": False, ".svg": False, ".md": False}


def _locate(error: SandboxError, root: Path) -> SandboxError:
    """Name the layout, stylesheet, chapter or SVG that asked for a refused URL.

    An error that already names a file (a link of the project leading out of it) is kept. Otherwise each
    file's references are resolved as WeasyPrint resolves them (layouts against the project folder, the
    others against their own place) and compared with the refused URL; failing that, the first file that
    mentions the URL, its path or the path's tail is named.
    """
    if error.path is not None or not error.url:
        return error
    sandbox = Sandbox(root)
    texts = []
    for folder in ("layouts", "assets", "chapters"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in REFERRERS and path.is_file() and sandbox.allows(path):
                texts.append((path, path.read_text(encoding="utf-8", errors="replace")))
    project = root.resolve().as_uri() + "/"
    for path, text in texts:
        markup = path.suffix in {".html", ".xhtml", ".xml"}  # a layout: its URLs land in the document
        base = project if markup else project + path.relative_to(root).as_posix()
        line = referring_line(text, error.url, base, REFERRERS[path.suffix])
        if line:
            return SandboxError(error.message, path, line, error.url)
    for path, text in texts:
        line = mentioning_line(text, error.url)
        if line:
            return SandboxError(error.message, path, line, error.url)
    return error
