"""Print HTML -> PDF with WeasyPrint, reading only what the sandbox allows."""
from __future__ import annotations

import mimetypes
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError, SandboxError, line_of
from .sandbox import Sandbox, check_svg


def _fetcher_class():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Refused(FatalURLFetchingError):
        def __init__(self, error: SandboxError):
            super().__init__(error.message)
            self.error = error

    class SandboxedFetcher(URLFetcher):
        """WeasyPrint's fetcher, restricted to data: URLs and files the sandbox allows."""

        def __init__(self, sandbox: Sandbox):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, fail_on_errors=True)
            self.sandbox = sandbox

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = self.sandbox.file_for_url(url)
                if path.suffix.lower() == ".svg" and path.is_relative_to(self.sandbox.roots[0]):
                    check_svg(path)
            except SandboxError as error:
                raise Refused(error) from None
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return SandboxedFetcher, Refused


@contextmanager
def time_limit(seconds: int, what: str):
    """Stop a layout that runs too long (a hostile or runaway document); only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise InputError(f"{what} took longer than {seconds} s (limits.render_seconds in publish.toml)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class RenderedPdf:
    """A laid-out print document: written to PDF, and read for where each page starts."""

    def __init__(self, html: str, root: Path, seconds: int = 300, what: str = "laying out the PDF"):
        import weasyprint  # costly import: only when a PDF is really laid out

        fetcher_class, self._refused = _fetcher_class()
        self._fetcher = fetcher_class(Sandbox(root))
        self.root = root
        self.seconds = seconds
        try:
            with time_limit(seconds, what):
                self.document = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/",
                                                url_fetcher=self._fetcher).render(pdf_variant="pdf/ua-1")
        except self._refused as error:
            raise _locate(error.error, root) from None

    @property
    def page_count(self) -> int:
        return len(self.document.pages)

    def page_starts(self) -> list[list[str]]:
        from .pagemap import page_start_words
        return page_start_words(self.document)

    def write(self, target: Path) -> int:
        """Write the PDF/UA-1 file; returns the page count."""
        try:
            with time_limit(self.seconds, "writing the PDF"):
                self.document.write_pdf(target, pdf_variant="pdf/ua-1", url_fetcher=self._fetcher)
        except self._refused as error:
            raise _locate(error.error, self.root) from None
        return self.page_count


def write_pdf(html: str, root: Path, target: Path) -> int:
    """Render `html` (base URL: the project folder) to `target`; returns the page count."""
    return RenderedPdf(html, root).write(target)


def _locate(error: SandboxError, root: Path) -> SandboxError:
    """Name the layout or stylesheet that asked for a refused URL, when its text says so."""
    needle = error.url.removeprefix("file://")
    for folder in ("layouts", "assets", "chapters"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".css", ".html", ".xhtml", ".svg", ".md"} and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                line = line_of(text, needle)
                if line:
                    return SandboxError(error.message, path, line)
    return error
