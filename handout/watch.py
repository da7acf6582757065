"""`publish.py watch`: rebuild on every save and serve a live preview on localhost.

One process: WeasyPrint stays imported and its fonts loaded between builds, and the chapter cache keeps
unchanged chapters converted. The preview is the print layout as HTML, with a link to the latest PDF;
the page asks the server for the build number twice a second and reloads itself when it changes. A
broken edit shows its error in the terminal and on the page; the last good outputs stay in dist/.
"""
from __future__ import annotations

import html
import json
import mimetypes
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import InputError
from .fonts import FONT_DIR
from .sandbox import Sandbox
from .targets import PRINT, TARGETS, WEB

WEB_PAGE = WEB.stem + WEB.extension  # the web edition's page in a clinic's folder of the outputs

RELOAD_SCRIPT = """<script>
(function () {
  var version = %d;
  setInterval(function () {
    fetch('/_status', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== version) { location.reload(); }
    }).catch(function () {});
  }, 500);
})();
</script>"""

BANNER_STYLE = ("position:sticky;top:0;z-index:10;margin:0;padding:0.5em 1em;font:14px/1.4 sans-serif;"
                "background:#12324a;color:#fff")
ERROR_STYLE = ("margin:0;padding:0.75em 1em;font:15px/1.4 monospace;white-space:pre-wrap;background:#fff3f3;"
               "color:#7a0f0f;border-bottom:3px solid #7a0f0f")


class Preview:
    """What the server shows: the last good preview HTML, the last error, and a build number."""

    def __init__(self):
        self.lock = threading.Lock()
        self.html = "<p>Building…</p>"
        self.pdf_name = ""
        self.error = ""
        self.version = 0

    def update(self, page: str | None, pdf_name: str, error: str) -> None:
        with self.lock:
            if page is not None:
                self.html = page
                self.pdf_name = pdf_name
            self.error = error
            self.version += 1

    def page(self, web_page: str | None = None) -> str:
        """The print preview, or with `web_page` the web edition as built: either with the banner, the last
        error and the script that reloads it after each build."""
        with self.lock:
            banner = (f'<div id="preview-banner" style="{BANNER_STYLE}">Live preview (build {self.version}) · '
                      f'<a style="color:#fff" href="/dist/{html.escape(self.pdf_name)}">latest PDF</a> · '
                      f'<a style="color:#fff" href="{"/" if web_page else "/web/"}">'
                      f'{"print preview" if web_page else "web edition"}</a></div>')
            error = (f'<pre id="preview-error" style="{ERROR_STYLE}">Build failed: {html.escape(self.error)}\n'
                     "The preview and dist/ still show the last good build.</pre>" if self.error else "")
            shown = self.html if web_page is None else web_page
            body_at = shown.find(">", shown.find("<body")) + 1
            return (shown[:body_at] + banner + error + shown[body_at:]).replace(
                "</body>", RELOAD_SCRIPT % self.version + "</body>")


def _handler(preview: Preview, root: Path, out_dir: Path):
    sandbox = Sandbox(root)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            path = unquote(urlsplit(self.path).path)
            if path in {"/", "/index.html"}:
                return self._send(preview.page().encode(), "text/html; charset=utf-8")
            if path == "/_status":
                with preview.lock:
                    status = {"version": preview.version, "error": preview.error}
                return self._send(json.dumps(status).encode(), "application/json")
            if path.startswith("/_fonts/"):
                return self._file(FONT_DIR / Path(path).name, FONT_DIR)
            if path.startswith("/dist/"):
                return self._file(out_dir / path.removeprefix("/dist/"), out_dir)
            if path.startswith("/web/"):  # the web edition as built, and the files beside it that it links to
                folder = (out_dir / preview.pdf_name).parent
                name = path.removeprefix("/web/") or WEB_PAGE
                page = folder / name
                if name == WEB_PAGE and page.is_file():
                    return self._send(preview.page(page.read_text(encoding="utf-8")).encode(),
                                      "text/html; charset=utf-8")
                return self._file(page, out_dir)
            return self._file(root / path.lstrip("/"), root, sandbox)

        def _file(self, file: Path, base: Path, check: Sandbox | None = None):
            resolved = file.resolve()
            allowed = resolved.is_relative_to(base.resolve()) and (check is None or check.allows(resolved))
            hidden = any(part.startswith(".") for part in resolved.relative_to(base.resolve()).parts) \
                if resolved.is_relative_to(base.resolve()) else True
            if not allowed or hidden or not resolved.is_file():
                return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            kind = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
            return self._send(resolved.read_bytes(), kind)

        def _send(self, body: bytes, kind: str, status=HTTPStatus.OK):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # the terminal shows builds, not requests
            pass

    return Handler


def preview_html(root: Path, out_dir: Path) -> tuple[str, str]:
    """The first clinic's default edition as HTML, with fonts served by the preview server."""
    from .book import load_book
    from .build import output_folder
    from .config import load_config
    from .editions import pages_of
    from .render import render_print
    from .targets import output_file

    config = load_config(root)
    book = load_book(config)
    edition = config.print.editions[0]
    page = render_print(book, config.clinic, pages_of(edition, config.print.paper))
    page = page.replace(FONT_DIR.as_uri() + "/", "/_fonts/")
    folder = output_folder(Path(""), config.clinic, len(config.clinics))
    return page, (folder / output_file(PRINT.name, config.output_name, edition, config.print.editions)).as_posix()


def _ignored(root: Path, out_dir: Path):
    skip = [out_dir.resolve(), (root / ".cache").resolve(), (root / ".git").resolve(), (root / ".venv").resolve(),
            (root / "node_modules").resolve()]
    skip = [folder for folder in skip if not root.is_relative_to(folder)]  # an output folder around the project

    def keep(change, path: str) -> bool:
        resolved = Path(path).resolve()
        if any(resolved == s or resolved.is_relative_to(s) for s in skip):
            return False
        name = resolved.name
        return not (name.startswith(".") or name.endswith(("~", ".swp", ".tmp")) or "__pycache__" in path)
    return keep


def watch(root: Path, out_dir: Path | None = None, host: str = "127.0.0.1", port: int = 8000,
          stop: threading.Event | None = None, log=print) -> int:
    """Build, serve the preview, and rebuild on every change until Ctrl-C (or `stop`)."""
    import watchfiles

    from .build import build

    from .outfolder import output_folder_for

    root = root.resolve()
    if not (root / "publish.toml").is_file():
        raise InputError(f"no publish.toml found in {root}: run watch in a project folder, or name one with "
                         "--project", root / "publish.toml")
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port: use one from 1 to 65535, or 0 for any free port")
    requested, out_dir = out_dir, output_folder_for(root, out_dir)  # the same rules as every build
    preview = Preview()
    try:
        server = ThreadingHTTPServer((host, port), _handler(preview, root, out_dir))
    except OSError as error:
        raise InputError(f"cannot serve the preview on {host}:{port}: {error.strerror} (try --port 0)") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://{host}:{server.server_port}/"

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        try:
            # The PDF an editor looks at first, then everything else that changed: two builds, each atomic.
            from .config import load_config
            main = load_config(root).print.editions[:1]
            report = build(root, requested, jobs=1, editions=main, skip=set(TARGETS) - {PRINT.name})
            page, pdf = preview_html(root, out_dir)
            preview.update(page, pdf, "")
            rest = build(root, requested, jobs=1)
            report.outputs += rest.outputs
        except InputError as error:
            message = error.format(root)
            log(f"error: {message}")
            preview.update(None, "", message)
            return
        except Exception as error:  # keep watching: the next save may fix it
            message = f"internal error: {type(error).__name__}: {error}"
            log(message)
            preview.update(None, "", message)
            return
        made = ", ".join(output.path.name for output in report.outputs) or "nothing changed"
        log(f"{reason}: {made} ({time.perf_counter() - started:.2f} s)")

    log(f"preview: {address}  (the web edition: {address}web/; Ctrl-C to stop)")
    rebuild("first build")
    try:
        for changes in watchfiles.watch(root, watch_filter=_ignored(root, out_dir), stop_event=stop,
                                        debounce=150, step=50, rust_timeout=500, yield_on_timeout=False):
            names = sorted({Path(path).relative_to(root).as_posix() for _, path in changes})
            rebuild("changed " + ", ".join(names[:3]) + (" …" if len(names) > 3 else ""))
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        log("stopped")
    sys.stdout.flush()
    return 0
