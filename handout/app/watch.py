"""`publish.py watch`: rebuild on every save and serve a live preview on localhost.

One process: WeasyPrint stays imported and its fonts loaded between builds, the chapter cache keeps
unchanged chapters converted, and the first edition's PDF is laid out again only from the page before the
edited chapter (handout/targets/pdf/relayout.py: the same bytes as a cold build). The preview is the print layout as HTML, with a link to the latest PDF;
the page asks the server for the build number twice a second and reloads itself when it changes. A
broken edit shows its error in the terminal and on the page; the last good outputs stay in dist/.
With several clinics or languages, the banner picks the one shown (`/?clinic=ID&language=TAG` for the
print preview; the web editions are served from `/web/` as they lie in the output folder, so their own
language switchers work too).
"""
from __future__ import annotations

import html
import json
import mimetypes
import os
import posixpath
import re
import stat
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from handout.build.outfolder import output_folder_for
from handout.build.run import build, output_folder
from handout.config.editions import pages_of
from handout.config.languages import language_config, languages, output_subfolder, own_names
from handout.config.settings import load_config
from handout.core.errors import InputError
from handout.core.fonts import FONT_DIR
from handout.core.script_fonts import subset_folder
from handout.core.sandbox import Sandbox
from handout.core.theme import find, theme_folder
from handout.load.book import load_book
from handout.targets import PRINT, TARGETS, WEB, output_file
from handout.targets.pdf.relayout import kept_layouts
from handout.targets.pdf.render import render_print

WEB_PAGE = WEB.stem + WEB.extension  # the web edition's page in a clinic's folder of the outputs
# Where the preview serves a language's fonts cut to the book (handout/core/script_fonts.py), by file name: only
# those its pages name. The bundled fonts are served from /_fonts/.
CUT_FONTS = "/_fonts/cut/"

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


class Choice(NamedTuple):
    """One clinic in one language: what the preview can show."""
    clinic: str  # the clinic's id
    clinic_name: str
    language: str
    language_name: str  # in the language itself
    folder: str  # where its outputs lie in the output folder ("" for the output folder itself)
    pdf: str  # its first edition's PDF, relative to the output folder

    def query(self) -> str:
        return "/?" + urlencode({"clinic": self.clinic, "language": self.language})

    def web(self) -> str:
        return "/web/" + (quote(self.folder) + "/" if self.folder else "")


def choices_of(config) -> list[Choice]:
    """Every clinic in every language of the project, the source language's first clinic first."""

    found = []
    names = own_names(languages(config))
    for language in languages(config):
        own = language_config(config, language)
        edition = own.print.editions[0]
        for clinic in own.clinics:
            folder = output_folder(output_subfolder(config, language), clinic, len(own.clinics))
            pdf = folder / output_file(PRINT.name, own.output_name, edition, own.print.editions)
            found.append(Choice(clinic.id, clinic.name, language, names[language],
                                "" if folder == Path("") else folder.as_posix(), pdf.as_posix()))
    return found


class Preview:
    """What the server shows: the last good print preview of each choice (rendered when first asked for,
    by `render`), the last error, and a build number."""

    def __init__(self, render: Callable[[Choice], str] | None = None):
        self.lock = threading.Lock()  # the fields below
        self.rendering = threading.Lock()  # one build or preview render at a time
        self.render = render
        self.choices: list[Choice] = []
        self.pages: dict[Choice, str] = {}
        self.error = ""
        self.partial = False
        self.version = 0
        self.figures: set[str] = set()  # the images the chapters show (project-relative), which it serves
        self.fonts: set[str] = set()  # the cut fonts its pages name (file names in the cut fonts' folder)

    def update(self, choices: list[Choice] | None, pages: dict[Choice, str] | None, error: str,
               partial: bool = False) -> None:
        """After a build: with `choices` the new good build (its pages rendered so far), with None a
        failed one (the last good pages stay); `partial` when some languages were built and `error` says
        which were not."""
        with self.lock:
            if choices is not None:
                self.choices = choices
                self.pages = dict(pages or {})
            self.error = error
            self.partial = partial
            self.version += 1

    def choose(self, clinic: str = "", language: str = "", folder: str | None = None) -> Choice | None:
        """The choice asked for (by clinic and language, or by its folder of the outputs), else the first."""
        with self.lock:
            choices = list(self.choices)
        for choice in choices:
            if (folder is not None and choice.folder == folder) or \
                    (folder is None and choice.clinic == (clinic or choice.clinic)
                     and choice.language == (language or choice.language)):
                return choice
        return choices[0] if choices else None

    def print_page(self, choice: Choice | None) -> str:
        """The print preview of `choice`, rendered once per build."""
        if choice is None:
            return "<html><body><p>Building…</p></body></html>"
        with self.lock:
            page, version = self.pages.get(choice), self.version
        if page is not None or self.render is None:
            return page or "<html><body><p>Building…</p></body></html>"
        with self.rendering:
            try:
                page = self.render(choice)
            except InputError as error:
                return (f"<html><body><p>The preview of {html.escape(choice.clinic_name)} in "
                        f"{html.escape(choice.language_name)} could not be made: "
                        f"{html.escape(error.format())}</p></body></html>")
        with self.lock:
            if self.version == version:
                self.pages[choice] = page
        return page

    def _picker(self, current: Choice, web: bool) -> str:
        """Links to the other clinics and languages, in the same view (print preview or web edition)."""
        def links(label: str, options: list[Choice], language: bool) -> str:
            items = []
            for option in options:
                here = option == current
                attributes = ' aria-current="page"' if here else ""
                if language:
                    attributes += f' lang="{html.escape(option.language)}" hreflang="{html.escape(option.language)}"'
                style = "color:#fff;font-weight:bold" if here else "color:#fff"
                href = option.web() if web else option.query()
                text = option.language_name if language else option.clinic_name
                items.append(f'<a style="{style}" href="{html.escape(href)}"{attributes}>{html.escape(text)}</a>')
            return f' · <span>{label}: {" | ".join(items)}</span>'

        out = ""
        clinics = [c for c in self.choices if c.language == current.language]
        if len(clinics) > 1:
            out += links("Clinic", clinics, language=False)
        languages = [c for c in self.choices if c.clinic == current.clinic]
        if len(languages) > 1:
            out += links("Language", languages, language=True)
        return out

    def page(self, choice: Choice | None = None, web_page: str | None = None) -> str:
        """The print preview of `choice`, or with `web_page` its web edition as built: either with the
        banner (the latest PDF, the other view, the picker), the last error and the script that reloads it
        after each build."""
        shown = self.print_page(choice) if web_page is None else web_page
        with self.lock:
            pdf = choice.pdf if choice else ""
            other = (choice.query() if web_page else choice.web()) if choice else "/"
            picker = self._picker(choice, web_page is not None) if choice else ""
            banner = (f'<div id="preview-banner" style="{BANNER_STYLE}">Live preview (build {self.version}) · '
                      f'<a style="color:#fff" href="/dist/{html.escape(quote(pdf))}">latest PDF</a> · '
                      f'<a style="color:#fff" href="{html.escape(other)}">'
                      f'{"print preview" if web_page else "web edition"}</a>{picker}</div>')
            after = ("The other languages were built: their preview and outputs are new." if self.partial
                     else "The preview and dist/ still show the last good build.")
            error = (f'<pre id="preview-error" style="{ERROR_STYLE}">Build failed: {html.escape(self.error)}\n'
                     f"{after}</pre>" if self.error else "")
            body_at = shown.find(">", shown.find("<body")) + 1
            return (shown[:body_at] + banner + error + shown[body_at:]).replace(
                "</body>", RELOAD_SCRIPT % self.version + "</body>")


REQUEST_SECONDS = 10  # a client that sends nothing, or too slowly, is let go after this
PATH_LIMIT = 2048     # the longest address the preview answers


def allowed_hosts(port: int) -> set[str]:
    """The Host headers the preview answers: the loopback addresses it listens on, with their port. Any other
    (a site's name pointed at 127.0.0.1, DNS rebinding) gets 421, so no web page can read the handout."""
    return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}


class PreviewServer(ThreadingHTTPServer):
    """The preview's web server: a client that goes away (a closed tab, a reload mid-answer) ends its
    connection quietly, instead of printing a traceback in the author's terminal."""
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # reset, broken pipe, timed out: the client's doing
            return
        print(f"preview: internal error answering a request: {type(error).__name__}: {error}", file=sys.stderr,
              flush=True)


def _handler(preview: Preview, root: Path, out_dir: Path):
    sandbox = Sandbox(root)

    class Handler(BaseHTTPRequestHandler):
        timeout = REQUEST_SECONDS  # each read of the socket waits at most this long
        protocol_version = "HTTP/1.0"  # one request per connection: no idle connections kept open

        def do_GET(self):  # noqa: N802 (the http.server name)
            host = (self.headers.get("Host") or "").strip().lower()
            if host not in allowed_hosts(self.server.server_address[1]):
                return self._send(b"misdirected request: open the preview at http://127.0.0.1:PORT/",
                                  "text/plain", HTTPStatus.MISDIRECTED_REQUEST)
            if len(self.path) > PATH_LIMIT:
                return self._send(b"address too long", "text/plain", HTTPStatus.REQUEST_URI_TOO_LONG)
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            if path in {"/", "/index.html"}:
                asked = {key: values[0] for key, values in parse_qs(parts.query).items()}
                choice = preview.choose(asked.get("clinic", ""), asked.get("language", ""))
                return self._send(preview.page(choice).encode(), "text/html; charset=utf-8")
            if path == "/_status":
                with preview.lock:
                    status = {"version": preview.version, "error": preview.error}
                return self._send(json.dumps(status).encode(), "application/json")
            if path.startswith(CUT_FONTS):
                name = path.removeprefix(CUT_FONTS)
                with preview.lock:
                    named = name in preview.fonts
                if not named:
                    return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
                return self._file(subset_folder() / name, subset_folder())
            if path.startswith("/_fonts/"):
                return self._file(FONT_DIR / Path(path).name, FONT_DIR)
            if path.startswith("/dist/"):
                return self._file(out_dir / path.removeprefix("/dist/"), out_dir)
            if path.startswith("/web/"):  # the web editions as built, and the files beside them they link to
                name = path.removeprefix("/web/")
                first = preview.choose()
                if not name and first is not None and first.folder:  # several clinics: the first one's
                    return self._redirect(first.web())
                page = out_dir / name
                if name.endswith("/") or not name or page.is_dir():
                    if not (name.endswith("/") or not name):
                        return self._redirect(path + "/")
                    page = page / WEB_PAGE
                if page.name == WEB_PAGE and page.is_file() and page.resolve().is_relative_to(out_dir.resolve()):
                    folder = page.parent.resolve().relative_to(out_dir.resolve()).as_posix()
                    choice = preview.choose(folder="" if folder == "." else folder)
                    return self._send(preview.page(choice, page.read_text(encoding="utf-8")).encode(),
                                      "text/html; charset=utf-8")
                return self._file(page, out_dir)
            # The print preview's stylesheets and figures: assets (the project's own, else the built-in theme's)
            # and the images the chapters show. Never the sources: publish.toml, chapters, references.
            relative = posixpath.normpath(path).lstrip("/")
            with preview.lock:
                figure = relative in preview.figures
            if not (relative.startswith("assets/") or figure) or ".." in relative.split("/"):
                return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            found = find(root, relative)
            own = found == root / relative
            base = root if figure and own else (root if own else theme_folder()) / "assets"
            return self._file(found, base, sandbox)

        def _file(self, file: Path, base: Path, check: Sandbox | None = None):
            resolved = file.resolve()
            allowed = resolved.is_relative_to(base.resolve()) and (check is None or check.allows(resolved))
            hidden = any(part.startswith(".") for part in resolved.relative_to(base.resolve()).parts) \
                if resolved.is_relative_to(base.resolve()) else True
            if not allowed or hidden or not resolved.is_file():
                return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            kind = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
            return self._send(resolved.read_bytes(), kind)

        def _redirect(self, location: str):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

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


def preview_html(root: Path, choice: Choice, figures: set[str] | None = None, fonts: set[str] | None = None) -> str:
    """One clinic's first edition in one language as HTML, with fonts served by the preview server (the bundled
    ones, and the language's fonts cut to the book, as the PDF embeds them); the images its chapters show are
    added to `figures` and the cut fonts it names to `fonts` (what the server may send)."""
    config = language_config(load_config(root), choice.language)
    book = load_book(config)
    clinic = next(c for c in config.clinics if c.id == choice.clinic)
    page = render_print(book, clinic, pages_of(config.print.editions[0], config.print.paper))
    if figures is not None:
        figures.update(image.src for image in book.images if image.path is not None)
    cut = subset_folder().as_uri() + "/"
    if fonts is not None:
        fonts.update(unquote(name) for name in re.findall(re.escape(cut) + r'([^/"\')\s]+)', page))
    return page.replace(FONT_DIR.as_uri() + "/", "/_fonts/").replace(cut, CUT_FONTS)


# Files editors write beside the one being saved, which are no edit of the handout: hidden files (vim's
# .name.swp, emacs' .#name, gedit's .goutputstream-*), backups (name~), emacs' #name#, vim's 4913 (its test
# that the folder is writable), Kate's .kate-swp, JetBrains' ___jb_tmp___ and ___jb_old___, Office's ~$name.
EDITOR_TEMPORARY = re.compile(r"^(?:\.|#.*#$|~\$|4913$)|(?:~|\.swp|\.swx|\.tmp|\.kate-swp|___jb_(?:tmp|old)___)$")


def _own_log_files() -> set[tuple[int, int]]:
    """The files this process writes its lines to (`watch > watch.log`): a change to them is no edit."""
    found = set()
    for descriptor in (1, 2):
        try:
            status = os.fstat(descriptor)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode):
            found.add((status.st_dev, status.st_ino))
    return found


def _ignored(root: Path, out_dir: Path):
    skip = [out_dir.resolve(), (root / ".cache").resolve(), (root / ".git").resolve(), (root / ".venv").resolve(),
            (root / "node_modules").resolve()]
    skip = [folder for folder in skip if not root.is_relative_to(folder)]  # an output folder around the project
    project = root.resolve()
    logs = _own_log_files()  # else each line logged would be a change, and a rebuild, and a line, ...

    def keep(change, path: str) -> bool:
        resolved = Path(path).resolve()
        if any(resolved == s or resolved.is_relative_to(s) for s in skip):
            return False
        if resolved.is_relative_to(project) and resolved.relative_to(project).parts[:3:2] == ("translations",
                                                                                              ".sources"):
            return False  # translations/<tag>/.sources/: each source as translated, which no build reads
        if logs:
            try:
                status = os.stat(resolved)
            except OSError:
                status = None
            if status is not None and (status.st_dev, status.st_ino) in logs:
                return False
        return not (EDITOR_TEMPORARY.search(resolved.name) or "__pycache__" in path)
    return keep


def made_line(outputs: list, out_dir: Path, choices: list[Choice]) -> str:
    """What a build wrote: the files' names for one clinic in one language; with several, how many files for
    each clinic in each language (the folder when no clinic and language lie there)."""
    if not outputs:
        return "nothing changed"
    if len(choices) <= 1:
        return ", ".join(output.path.name for output in outputs)
    named = {choice.folder: f"{choice.clinic_name} ({choice.language})" for choice in choices}
    counts: dict[str, int] = {}
    for output in outputs:
        try:
            folder = output.path.parent.resolve().relative_to(out_dir.resolve()).as_posix()
        except ValueError:
            folder = output.path.parent.as_posix()
        label = named.get("" if folder == "." else folder, folder + "/")
        counts[label] = counts.get(label, 0) + 1
    return "; ".join(f"{label}: {count} file{'s' * (count != 1)}" for label, count in counts.items())


def watch(root: Path, out_dir: Path | None = None, host: str = "127.0.0.1", port: int = 8000,
          stop: threading.Event | None = None, log=print) -> int:
    """Build, serve the preview, and rebuild on every change until Ctrl-C (or `stop`)."""
    import watchfiles



    root = root.resolve()
    if not (root / "publish.toml").is_file():
        raise InputError(f"no publish.toml found in {root} or any folder above it: run watch in a project "
                         "folder (or a folder inside one), or name one with --project", root / "publish.toml")
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port: use one from 1 to 65535, or 0 for any free port")
    requested, out_dir = out_dir, output_folder_for(root, out_dir)  # the same rules as every build
    preview = Preview(render=lambda choice: preview_html(root, choice, preview.figures, preview.fonts))
    try:
        server = PreviewServer((host, port), _handler(preview, root, out_dir))
    except OSError as error:
        raise InputError(f"cannot serve the preview on {host}:{port}: {error.strerror} (try --port 0)") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://{host}:{server.server_port}/"

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        refusals: list[InputError] = []

        def attempt(**options) -> list:
            """One build's outputs; a language it refused (the others built) is kept in `refusals`."""
            try:
                return build(root, requested, jobs=1, **options).outputs
            except InputError as error:
                if error.code != "build.language-refused":
                    raise
                refusals.append(error)
                return error.report.outputs

        try:
            # The PDF an editor looks at first, then everything else that changed: two builds, each atomic.
            with preview.rendering:
                config = load_config(root)
                with kept_layouts():  # laid out again from the edited chapter on (relayout.py)
                    outputs = attempt(editions=config.print.editions[:1], skip=set(TARGETS) - {PRINT.name})
                choices = choices_of(config)
                shown = next((c for c in choices if not any(c.language in e.languages for e in refusals)), None)
                message = refusals[0].format(root) if refusals else ""
                pages = {shown: preview_html(root, shown, preview.figures, preview.fonts)} if shown else {}
                preview.update(choices, pages, message, partial=bool(refusals))
                outputs += attempt()
        except InputError as error:
            message = error.format(root)
            log(f"error: {message}")
            preview.update(None, None, message)
            return
        except Exception as error:  # keep watching: the next save may fix it
            message = f"internal error: {type(error).__name__}: {error}"
            log(message)
            preview.update(None, None, message)
            return
        made = made_line(outputs, out_dir, choices)
        log(f"{reason}: {made} ({time.perf_counter() - started:.2f} s)")
        if refusals:  # the languages that did build are in the preview; say which did not, once
            for line in dict.fromkeys(refusals[-1].format(root).splitlines()):
                log(f"error: {line}")

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
