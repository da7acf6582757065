"""Hostile and awkward input, third round: a script link through an address setting, the preview server as a web
server on the author's machine (allowed hosts, allowed paths, no tracebacks), Ctrl-C during a build, a refused
build that lists every problem, messages without internals, a refused translation, and what a new user meets."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH, make_project, run_publish, snapshot
from handout.app import cli
from handout.load.book import load_book
from handout.config.settings import load_config
from handout.core.errors import InputError

# ---- 1. every setting that holds an address: http and https only, refused at its line -----------------------

HOSTILE_ADDRESSES = [
    "javascript:alert(1)",
    "javascript://%0aalert(1)",
    "JaVaScRiPt://%0Aalert(document.domain)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "java&#x09;script:alert(1)",
    "https://example.org/\"><script>alert(1)</script>",
    "file:///etc/passwd",
    "//evil.example/x",
]


def _second_clinic(text: str, setting: str) -> str:
    """publish.toml with two clinics ([[clinic]]), the second with `setting`."""
    text = text.replace("[clinic]\n", '[[clinic]]\nid = "north"\n', 1)
    return text + f'\n[[clinic]]\nid = "south"\nname = "South Clinic"\n{setting}\n'


# Each setting that becomes a link: how to put a value there, and the key its error names.
ADDRESS_SETTINGS = {
    "clinic.website": (lambda text, value: re.sub(r'(?m)^website = .*$', f"website = {json.dumps(value)}", text),
                       "clinic.website"),
    "second clinic's website": (lambda text, value: _second_clinic(text, f"website = {json.dumps(value)}"),
                                "clinic.website"),
    "online_url": (lambda text, value: re.sub(r'(?m)^online_url = .*$', f"online_url = {json.dumps(value)}", text),
                   "online_url"),
    "languages.<tag>.online_url": (
        lambda text, value: re.sub(r"(?m)^\[languages\.es-US\]$",
                                   f"[languages.es-US]\nonline_url = {json.dumps(value)}", text),
        "languages.es-US.online_url"),
}


@pytest.fixture(scope="module")
def plain_project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("plain"))


@pytest.mark.parametrize("setting", ADDRESS_SETTINGS)
@pytest.mark.parametrize("value", HOSTILE_ADDRESSES)
def test_every_address_setting_refuses_what_is_not_http_at_its_line(plain_project, tmp_path, setting, value):
    project = tmp_path / "p"
    shutil.copytree(plain_project, project)
    put, key = ADDRESS_SETTINGS[setting]
    config = project / "publish.toml"
    text = put(config.read_text(), value)
    assert json.dumps(value) in text, setting
    config.write_text(text)
    with pytest.raises(InputError) as refused:
        load_config(project)
    error = refused.value
    line = next(number for number, written in enumerate(text.splitlines(), 1) if json.dumps(value) in written)
    assert (error.path.name, error.line) == ("publish.toml", line), error.format()
    assert f"'{key}'" in error.message and "web address" in error.message, error.message


def test_an_address_becomes_a_link_in_python_not_in_a_template(plain_project):
    from handout.core.weburl import web_href

    theme = "".join(path.read_text() for path in (REPO / "layouts").rglob("*") if path.is_file()
                    and path.suffix in {".html", ".xhtml", ".svg"})
    assert "'://' in" not in theme and "'https://' ~" not in theme  # no href put together in a layout
    config = load_config(plain_project)
    assert config.clinic.website_href == "https://www.example.org"
    assert config.online_href == config.online_url
    assert web_href("HTTPS://Example.org/a?b=1&c=2") == "HTTPS://Example.org/a?b=1&c=2"
    for value in HOSTILE_ADDRESSES:
        assert web_href(value) == "", value


ALLOWED_LINK_SCHEMES = {"http", "https", "mailto", "tel"}


def _schemes(hrefs) -> set[str]:
    """The schemes of `hrefs` that are not an in-document anchor or a relative file."""
    found = set()
    for href in hrefs:
        match = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", href)
        if match:
            found.add(match.group(1).lower())
    return found


@pytest.mark.slow
def test_the_built_outputs_link_only_to_the_web_mail_and_phones(tmp_path):
    """A hostile website is refused by the build at its line; with a website written without its scheme the
    built index.html, EPUB and PDFs hold no link whose scheme is not http, https, mailto or tel."""
    project = make_project(tmp_path / "p")
    config = project / "publish.toml"
    text = config.read_text()
    config.write_text(re.sub(r'(?m)^website = .*$', 'website = "javascript://%0aalert(1)"', text))
    refused = run_publish(project, "--edition", "letter", "--no-epub")
    line = next(n for n, l in enumerate(config.read_text().splitlines(), 1) if l.startswith("website ="))
    assert refused.returncode == 2, refused.stdout
    assert f"publish.toml:{line}: 'clinic.website'" in refused.stderr
    assert not (project / "dist" / "index.html").exists()

    config.write_text(re.sub(r'(?m)^website = .*$', 'website = "WWW.Example.org/clinic"', text))
    built = run_publish(project, "--edition", "letter", "--edition", "sheet")
    assert built.returncode == 0, built.stderr
    dist = project / "dist"
    page = (dist / "index.html").read_text()
    hrefs = re.findall(r'\b(?:href|src|action|formaction|xlink:href)\s*=\s*"([^"]*)"', page)
    assert "https://WWW.Example.org/clinic" in hrefs
    assert _schemes(hrefs) - {"data"} <= ALLOWED_LINK_SCHEMES
    assert all(h.startswith("data:image/") for h in hrefs if h.lower().startswith("data:"))
    with zipfile.ZipFile(dist / "ketamine-handout.epub") as epub:
        documents = [epub.read(name).decode() for name in epub.namelist() if name.endswith((".xhtml", ".svg"))]
    epub_hrefs = [h for d in documents for h in re.findall(r'\b(?:href|xlink:href)\s*=\s*"([^"]*)"', d)]
    assert "https://WWW.Example.org/clinic" in epub_hrefs
    assert _schemes(epub_hrefs) <= ALLOWED_LINK_SCHEMES
    import pdfplumber

    for pdf in dist.glob("*.pdf"):
        raw = pdf.read_bytes()
        assert b"/JavaScript" not in raw and b"/Launch" not in raw, pdf.name
        with pdfplumber.open(pdf) as document:
            uris = [link.get("uri") or "" for p in document.pages for link in p.hyperlinks]
        assert uris, pdf.name
        assert _schemes(uris) <= ALLOWED_LINK_SCHEMES, (pdf.name, _schemes(uris))
        assert "https://WWW.Example.org/clinic" in uris, pdf.name


# ---- 2, 3, 5. the preview server, and the new user's watch log ------------------------------------------------

class LoggedWatcher:
    """`publish.py watch` with its output sent to a file inside the project, as `watch > watch.log` would."""

    def __init__(self, project: Path):
        self.log = project / "watch.log"
        self.handle = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "publish.py"), "--project", str(project), "watch", "--port", "0"],
            stdout=self.handle, stderr=subprocess.STDOUT, env={**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH})
        self.port = int(self.wait_for(r"preview: http://127\.0\.0\.1:(\d+)/").group(1))

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def wait_for(self, pattern: str, timeout: float = 180, start: int = 0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines()[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + self.log.read_text())

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, body

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.handle.close()


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("watched") / "project")
    config = project / "publish.toml"
    config.write_text(re.sub(r"(?m)^editions = .*$", 'editions = ["letter"]', config.read_text()))
    watcher = LoggedWatcher(project)
    try:
        watcher.wait_for(r"^first build: ")
        yield project, watcher
    finally:
        watcher.stop()


PREVIEW_PATHS = ["/", "/index.html", "/_status", "/web/", "/dist/ketamine-handout.pdf", "/assets/css/base.css",
                 "/assets/figures/steps.svg", "/publish.toml", "/chapters/01-welcome.md", "/_fonts/x.ttf",
                 "/?clinic=x&language=en-US", "/nothing-here"]


@pytest.mark.slow
def test_the_preview_answers_no_other_host(watched):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reads nothing."""
    project, watcher = watched
    assert watcher.get("/")[0] == 200
    for host in (f"localhost:{watcher.port}", f"LOCALHOST:{watcher.port}", f"[::1]:{watcher.port}"):
        assert watcher.get("/", host)[0] == 200, host
    for host in ("evil.example", f"evil.example:{watcher.port}", "127.0.0.1", f"127.0.0.1:{watcher.port + 1}",
                 f"localhost.evil.example:{watcher.port}", "", f"127.0.0.1:{watcher.port}.evil.example"):
        for path in PREVIEW_PATHS:
            status, body = watcher.get(path, host)
            assert status == 421, (host, path, status)
            assert b"ketamine" not in body.lower() and b"[clinic]" not in body


@pytest.mark.slow
def test_the_preview_serves_no_source_of_the_project(watched):
    project, watcher = watched
    translated = project / "translations" / "es-US" / "chapters"
    start = len(watcher.lines())
    translated.mkdir(parents=True)
    (translated / "01-welcome.md").write_text("---\ntitle: Bienvenida\n---\nHola.\n")
    watcher.wait_for(r"^changed translations", start=start)
    for path in ("/publish.toml", "/chapters/01-welcome.md", "/chapters/references.yaml", "/chapters/jargon.txt",
                 "/translations/es-US/chapters/01-welcome.md", "/watch.log", "/chapters/", "/dist/.build.lock",
                 "/%2e%2e/%2e%2e/etc/passwd", "/assets/../publish.toml", "/assets/%2e%2e/publish.toml",
                 "/handout/watch.py", "/layouts/base.html"):
        status, body = watcher.get(path)
        assert status == 404, (path, status)
        assert b"identifier" not in body and b"title:" not in body
    # What the preview page needs is served: its stylesheets, the chapters' figure, the outputs.
    for path in ("/", "/assets/css/base.css", "/assets/figures/steps.svg", "/dist/ketamine-handout.pdf", "/web/"):
        assert watcher.get(path)[0] == 200, path
    status, _ = watcher.get("/" + "a" * 5000)
    assert status in (404, 414)


@pytest.mark.slow
def test_clients_that_go_away_print_nothing(watched):
    """50 half-open connections closed by a reset, and clients that leave mid-answer: no traceback, no line."""
    project, watcher = watched
    before = len(watcher.lines())
    sockets = []
    for index in range(50):
        client = socket.create_connection(("127.0.0.1", watcher.port), timeout=10)
        client.sendall(b"GET /dist/ketamine-handout.pdf HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % watcher.port
                       if index % 2 else b"GET / HT")
        sockets.append(client)
    time.sleep(0.5)
    for client in sockets:  # closed with a reset (SO_LINGER 0), as a killed tab does
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    for _ in range(20):  # a whole request, then gone before the answer is read
        client = socket.create_connection(("127.0.0.1", watcher.port), timeout=10)
        client.sendall(b"GET /dist/ketamine-handout.pdf HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n" % watcher.port)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    time.sleep(2)
    assert watcher.get("/")[0] == 200  # still serving
    assert watcher.lines()[before:] == []
    assert "Traceback" not in watcher.log.read_text()


@pytest.mark.slow
def test_watch_logs_each_rebuild_and_error_to_a_file_inside_the_project(watched):
    """`watch > watch.log` in the project: each save is one line, each error too, and writing the log is no
    edit that rebuilds (it rebuilt for every line it wrote, forever)."""
    project, watcher = watched
    chapter = project / "chapters" / "02-steps.md"
    original = chapter.read_text()
    start = len(watcher.lines())
    chapter.write_text(original + "\nOne more sentence.\n")
    watcher.wait_for(r"^changed chapters/02-steps\.md: .*ketamine-handout\.pdf", start=start)
    chapter.write_text(original.replace("title: The steps to follow", "title: [broken"))
    watcher.wait_for(r"^error: chapters/02-steps\.md:\d+: invalid YAML front matter", start=start)
    chapter.write_text(original)
    time.sleep(3)
    logged = watcher.lines()[start:]
    assert not [line for line in logged if "watch.log" in line], logged
    assert sum(line.startswith("error:") for line in logged) == 1, logged


def test_the_watch_line_names_each_clinic_and_language():
    from handout.build.run import Output
    from handout.app.watch import Choice, made_line

    out = Path("/tmp/out")
    choices = [Choice(clinic, name, language, language, f"{prefix}{clinic}", f"{prefix}{clinic}/h.pdf")
               for clinic, name in (("north", "North Clinic"), ("south", "South Clinic"))
               for language, prefix in (("en-US", ""), ("es-US", "es-US/"))]
    outputs = [Output(out / choice.folder / name, "pdf", 1, 1, "letter") for choice in choices
               for name in ("h.pdf", "h-a4.pdf", "h.epub", "index.html", "h-sheet.pdf")]
    line = made_line(outputs, out, choices)
    for expected in ("North Clinic (en-US): 5 files", "South Clinic (es-US): 5 files"):
        assert expected in line, line
    assert "h.pdf" not in line
    one = made_line(outputs[:3], out, choices[:1])
    assert one == "h.pdf, h-a4.pdf, h.epub"


# ---- 4. Ctrl-C during a build; the lock file does not stay -------------------------------------------------

@pytest.mark.slow
def test_ctrl_c_during_a_build_stops_at_once_and_leaves_dist_as_it_was(tmp_path):
    project = make_project(tmp_path / "p")
    config = project / "publish.toml"
    config.write_text(re.sub(r"(?m)^editions = .*$", 'editions = ["letter", "a4", "large-print", "booklet"]',
                             config.read_text()))
    long = project / "chapters" / "05-more.md"
    paragraph = "Take the medicine as your team says. Ask them when you are not sure what to do next. "
    long.write_text("---\ntitle: More to read\n---\n" + "".join(f"## Part {n}\n\n{paragraph * 4}\n\n"
                                                                 for n in range(60)))
    first = run_publish(project)
    assert first.returncode == 0, first.stderr
    dist = project / "dist"
    assert not (dist / ".build.lock").exists(), "the lock file stays behind"
    before = snapshot(dist)
    long.write_text(long.read_text() + "\nA new last line.\n")

    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    process = subprocess.Popen([sys.executable, str(REPO / "publish.py"), "--project", str(project), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(p.name.startswith(".handout-tmp-") for p in dist.iterdir()):
        time.sleep(0.05)
    time.sleep(1.5)  # the workers are laying out the PDFs
    assert process.poll() is None, "the build ended before it could be interrupted"
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    took = time.monotonic() - interrupted
    assert took < 3, f"Ctrl-C took {took:.1f} s"
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Traceback" not in out
    assert [line for line in err.splitlines() if line.strip()] == \
        ["interrupted: the build stopped; the previous outputs are kept"], err
    time.sleep(1)  # a worker left behind would still write
    assert snapshot(dist) == before
    assert not [p for p in dist.iterdir() if p.name.startswith(".handout-tmp-")]


# ---- 6. a refused build lists every problem it can find -----------------------------------------------------

def test_a_refused_build_lists_every_problem_as_check_does(tmp_path):
    from handout.build.run import build
    from handout.check import check_project

    project = make_project(tmp_path / "p")
    chapters = project / "chapters"
    (chapters / "01-welcome.md").write_text((chapters / "01-welcome.md").read_text()
                                            + "\nSee [the missing one](07-missing.md).\n")
    (chapters / "02-steps.md").write_text((chapters / "02-steps.md").read_text()
                                          + "\n![A chart](../assets/figures/nowhere.png)\n")
    (chapters / "03-words.md").write_text((chapters / "03-words.md").read_text()
                                          + "\nAs shown before [@nobody2020].\n\n<script>alert(1)</script>\n")
    with pytest.raises(InputError) as refused:
        build(project, jobs=1)
    message = refused.value.format(project)
    for expected in ("chapters/01-welcome.md", "07-missing.md", "chapters/02-steps.md", "nowhere.png",
                     "chapters/03-words.md", "nobody2020", "<script>"):
        assert expected in message, message
    checked = check_project(project)
    errors = [f for f in checked.findings if f.level == "error"]
    assert len(errors) >= 4
    for finding in errors:
        assert f"{finding.path}:{finding.line}" in message, (finding, message)
    assert not (project / "dist" / "ketamine-handout.pdf").exists()


# ---- 7. messages without internals -------------------------------------------------------------------------

def test_a_link_message_quotes_the_link_as_written(tmp_path):
    project = make_project(tmp_path / "p")
    chapter = project / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nA [strange link](<foo\\>) here.\n")
    with pytest.raises(InputError) as refused:
        load_book(load_config(project), use_cache=False)
    message = refused.value.format(project)
    assert "\x02" not in message and "\x03" not in message, repr(message)
    assert "link '<foo\\>'" in message, message  # as written
    line = len(chapter.read_text().splitlines())
    assert f"chapters/02-steps.md:{line}:" in message


def test_a_layout_with_a_huge_range_gets_a_plain_message(tmp_path):
    from handout.targets.pdf.render import render_print

    project = make_project(tmp_path / "p")
    layout = project / "layouts" / "partials" / "title_block.html"
    layout.write_text("{% for n in range(10**9) %}{% endfor %}\n" + layout.read_text())
    book = load_book(load_config(project), use_cache=False)
    with pytest.raises(InputError) as refused:
        render_print(book, book.config.clinic)
    message = refused.value.format(project)
    assert "layouts/partials/title_block.html:1:" in message, message
    assert "range()" in message and "100,000" in message, message
    assert not re.search(r"\b[A-Z][a-z]+(Error|Exception)\b|MAX_RANGE", message), message


def test_a_stray_closing_div_is_reported_at_its_own_line(tmp_path):
    project = make_project(tmp_path / "p")
    chapter = project / "chapters" / "02-steps.md"
    text = chapter.read_text() + "\n<div>\n<div>\n<p>Inside.</p>\n</div>\n</div>\n</div>\n\nAfter.\n"
    chapter.write_text(text)
    with pytest.raises(InputError) as refused:
        load_book(load_config(project), use_cache=False)
    stray = len(text.splitlines()) - 2  # the third </div>
    assert "</div> closes nothing" in refused.value.message
    assert refused.value.line == stray, refused.value.format(project)


# ---- 8. a refused translation while the source language builds --------------------------------------------

@pytest.mark.slow
def test_a_refused_translation_says_which_languages_were_written_and_keeps_its_own_outputs(tmp_path):
    from test_languages import _translated

    project = _translated(tmp_path)
    options = ("--edition", "letter", "--no-epub", "--no-web")
    good = run_publish(project, *options)
    assert good.returncode == 0, good.stderr
    translated = project / "dist" / "en-GB"
    kept = snapshot(translated)
    source_pdf = (project / "dist" / "ketamine-handout.pdf").read_bytes()
    (project / "chapters" / "01-welcome.md").write_text((project / "chapters" / "01-welcome.md").read_text()
                                                         + "\nOne more line for the source.\n")
    chapter = project / "translations" / "en-GB" / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\nThis cites a source that is not there [@nobody2020].\n")
    result = run_publish(project, *options)
    assert result.returncode == 2
    assert re.search(r"^wrote \S*dist/ketamine-handout\.pdf", result.stdout, re.M), result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last == "error: languages written: en-US; not written: en-GB (their previous outputs are kept)", last
    assert "nobody2020" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(translated) == kept
    assert (project / "dist" / "ketamine-handout.pdf").read_bytes() != source_pdf
    readme = (REPO / "README.md").read_text()
    assert readme.count("**A refused language**") == 1


# ---- what a new user met -------------------------------------------------------------------------------------

def test_a_command_in_a_subfolder_finds_the_project_above(tmp_path, monkeypatch, capsys):
    project = make_project(tmp_path / "p")
    (project / "chapters" / "drafts").mkdir()
    monkeypatch.chdir(project / "chapters" / "drafts")
    status = cli.main(["check"])
    captured = capsys.readouterr()
    assert status in (0, 1), captured.err
    assert "checked on" in captured.out
    assert f"using the project in {project.resolve()}" in captured.err
    status = cli.main(["check", "--project", str(project / "assets" / "figures")])
    captured = capsys.readouterr()
    assert status in (0, 1) and f"using the project in {project.resolve()}" in captured.err
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--project", str(tmp_path)]) == 2  # none above
    captured = capsys.readouterr()
    assert "no publish.toml found in" in captured.out + captured.err


def test_no_project_anywhere_above_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["watch"]) == 2
    assert "or any folder above it" in capsys.readouterr().err


def test_a_misspelt_key_in_a_second_clinic_is_named_at_its_own_line(plain_project, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(plain_project, project)
    config = project / "publish.toml"
    text = _second_clinic(config.read_text(), 'phon = "(555) 010-0199"')
    text = text.replace('phone = "(555) 010-0100"', 'phon = "(555) 010-0100"', 1)
    config.write_text(text)
    lines = [n for n, l in enumerate(text.splitlines(), 1) if l.startswith("phon =")]
    warnings = [str(w) for w in load_config(project).warnings]
    for line in lines:
        assert f"publish.toml:{line}: unknown key 'clinic.phon' (ignored): did you mean 'clinic.phone'?" \
            in warnings, warnings


def test_no_negative_grade_is_printed(tmp_path):
    from handout.check import check_project

    project = make_project(tmp_path / "p")
    (project / "chapters" / "05-go.md").write_text(
        "---\ntitle: Go\n---\nGo on. Sit. We go. It is OK. I am in. Go to bed. Eat. Do it now. He is up.\n")
    messages = [f.message for f in check_project(project).findings if f.rule == "reading-level"]
    assert any("Coleman-Liau" in m for m in messages), messages
    assert not [m for m in messages if re.search(r"(grade|SMOG|Coleman-Liau) -\d", m)], messages
