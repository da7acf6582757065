"""Print HTML -> PDF with WeasyPrint, reading only what the sandbox allows."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from .errors import SandboxError, line_of
from .sandbox import Sandbox


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
            except SandboxError as error:
                raise Refused(error) from None
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return SandboxedFetcher, Refused


def write_pdf(html: str, root: Path, target: Path) -> int:
    """Render `html` (base URL: the project folder) to `target`; returns the page count."""
    import weasyprint  # costly import: only when a PDF is really made

    fetcher_class, refused = _fetcher_class()
    fetcher = fetcher_class(Sandbox(root))
    try:
        document = weasyprint.HTML(string=html, base_url=root.resolve().as_uri() + "/",
                                   url_fetcher=fetcher).render(pdf_variant="pdf/ua-1")
        document.write_pdf(target, pdf_variant="pdf/ua-1", url_fetcher=fetcher)
    except refused as error:
        raise _locate(error.error, root) from None
    return len(document.pages)


def _locate(error: SandboxError, root: Path) -> SandboxError:
    """Name the layout or stylesheet that asked for a refused URL, when its text says so."""
    needle = error.url.removeprefix("file://")
    for folder in ("layouts", "assets"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".css", ".html", ".xhtml", ".svg"} and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                line = line_of(text, needle)
                if line:
                    return SandboxError(error.message, path, line)
    return error
