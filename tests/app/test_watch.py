"""`publish.py watch`: a real browser sees the preview reload after a save; broken edits keep the last good build."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, snapshot

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "") if p and
                 os.access(p, os.X_OK)), None)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"]


def require_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        CHROMIUM_MISSING = "the playwright package is not installed"
    else:
        CHROMIUM_MISSING = None if CHROMIUM else "Debian's chromium is not installed"
    if CHROMIUM_MISSING:
        message = f"{CHROMIUM_MISSING}: run `make test` (it installs both)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class Watcher:
    """`publish.py watch` in its own process, its output collected line by line."""

    def __init__(self, project: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "publish.py"), "--project", str(project), "watch", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"preview: (http://127\.0\.0\.1:\d+/)").group(1)

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 120, start: int = 0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None and not any(re.search(pattern, l) for l in self.lines[start:]):
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))


@pytest.fixture
def project(mini_build, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(mini_build, copy)
    return copy


@pytest.mark.slow
def test_preview_reloads_after_a_save_and_survives_a_broken_edit(project):
    require_browser()
    from playwright.sync_api import sync_playwright

    watcher = Watcher(project)
    try:
        watcher.wait_for(r"^first build: ")
        chapter = project / "chapters" / "02-steps.md"
        original = chapter.read_text()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.goto(watcher.url)
            assert page.locator("h1.chapter-title", has_text="The steps to follow").count() == 1
            assert page.locator("#preview-banner a").first.get_attribute("href") == "/dist/ketamine-handout.pdf"
            page.evaluate("window.beforeReload = true")

            # A save: the page reloads by itself and shows the new text.
            mark = len(watcher.lines)
            chapter.write_text(original + "\nA sentence added while the preview was open.\n")
            watcher.wait_for(r"^changed chapters/02-steps\.md: .*ketamine-handout\.pdf", start=mark)
            page.wait_for_selector("text=A sentence added while the preview was open.", timeout=30_000)
            assert page.evaluate("window.beforeReload === undefined"), "the page itself reloaded"
            # The web edition as built, at /web/, with the same banner, after the same save.
            web = browser.new_page()
            web.goto(watcher.url + "web/")
            web.wait_for_selector("text=A sentence added while the preview was open.", timeout=60_000)
            assert web.locator("h2.chapter-title", has_text="The steps to follow").count() == 1
            assert web.locator("#preview-banner").count() == 1
            web.close()
            good = snapshot(project / "dist")

            # A broken edit: the error shows in the terminal and on the page; dist/ keeps the last good build.
            mark = len(watcher.lines)
            chapter.write_text(original.replace("title: The steps to follow", "title: [broken"))
            watcher.wait_for(r"^error: chapters/02-steps\.md:\d+: invalid YAML front matter", start=mark)
            page.wait_for_selector("#preview-error", timeout=30_000)
            assert "invalid YAML front matter" in page.inner_text("#preview-error")
            assert page.locator("text=A sentence added while the preview was open.").count() == 1
            assert snapshot(project / "dist") == good
            assert watcher.process.poll() is None, "the watcher keeps running"

            # Fixed again: the error goes away.
            mark = len(watcher.lines)
            chapter.write_text(original)
            watcher.wait_for(r"^changed chapters/02-steps\.md: ", start=mark)
            page.wait_for_function("document.getElementById('preview-error') === null", timeout=30_000)
            assert page.locator("text=A sentence added while the preview was open.").count() == 0
            browser.close()

        # Ctrl-C stops it cleanly.
        watcher.process.send_signal(signal.SIGINT)
        assert watcher.process.wait(timeout=30) == 0
        watcher.wait_for(r"^stopped$")
        assert not any("Traceback" in line for line in watcher.lines)
    finally:
        if watcher.process.poll() is None:
            watcher.process.kill()


@pytest.mark.slow
def test_the_preview_picks_the_clinic_and_the_language(tmp_path):
    """Two clinics in two languages: the banner links to each clinic and each language, in the view shown
    (print preview or web edition), and each link shows that clinic's details in that language."""
    import urllib.request

    from test_config import two_clinics
    from test_languages import _translated

    from handout.config.settings import load_config

    project = _translated(tmp_path)
    two_clinics(project, '\nid = "north"', '\nid = "east"')
    watcher = Watcher(project)

    def get(path: str, text: bool = True):
        with urllib.request.urlopen(watcher.url.rstrip("/") + path, timeout=120) as response:
            body = response.read()
        return body.decode() if text else body

    def banner(page: str) -> str:
        return re.search(r'<div id="preview-banner".*?</div>', page, re.S).group(0)

    try:
        watcher.wait_for(r"^first build: ", timeout=300)
        first = get("/")
        clinic = load_config(project).clinics[1].name
        links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', banner(first))
        assert ("/?clinic=east&amp;language=en-US", clinic) in links
        assert ("/?clinic=north&amp;language=en-GB", "English (United Kingdom)") in links
        assert ("/?clinic=north&amp;language=en-US", "English (United States)") in links
        assert 'aria-current="page"' in banner(first) and 'hreflang="en-GB"' in banner(first)
        assert "latest PDF" in banner(first) and 'href="/dist/north/ketamine-handout.pdf"' in banner(first)

        east_uk = get("/?clinic=east&language=en-GB")
        assert "Sleep after surgery (UK)" in east_uk and clinic in east_uk
        assert 'href="/dist/en-GB/east/ketamine-handout.pdf"' in banner(east_uk)
        assert "Sleep after surgery (UK)" not in get("/?clinic=east&language=en-US")

        # The web editions, as they lie in the output folder: /web/ opens the first clinic's; the banner's
        # picker links to the others' web editions, and back to the same choice's print preview.
        with urllib.request.urlopen(watcher.url + "web/", timeout=60) as response:
            assert response.url.endswith("/web/north/")
            web = response.read().decode()
        assert 'href="/web/en-GB/north/"' in banner(web) and 'href="/web/east/"' in banner(web)
        assert 'href="/?clinic=north&amp;language=en-US">print preview' in banner(web)
        uk_web = get("/web/en-GB/east/")
        assert "Sleep after surgery (UK)" in uk_web and 'href="/?clinic=east&amp;language=en-GB"' in banner(uk_web)
        assert get("/web/en-GB/east/ketamine-handout.pdf", text=False).startswith(b"%PDF")

        # An edit of the source puts the translation behind it: that language is refused, and the source's
        # preview and outputs are still new (the error says so, in the terminal and on the page).
        chapter = project / "chapters" / "02-steps.md"
        mark = len(watcher.lines)
        chapter.write_text(chapter.read_text() + "\nA sentence the translation does not have yet.\n")
        # With several clinics and languages the line counts each clinic's files in each language.
        watcher.wait_for(r"^changed chapters/02-steps\.md: .*Sample Community Clinic \(en-US\): \d+ files", start=mark,
                         timeout=300)
        watcher.wait_for(r"^error: the en-GB handout was not built: ", start=mark)
        watcher.wait_for(r"^error: .*02-steps\.md:\d+: \[translation\] out of date", start=mark)
        page = get("/")
        assert "A sentence the translation does not have yet." in page
        assert "The other languages were built: their preview and outputs are new." in page
    finally:
        watcher.process.kill()
    assert not any("Traceback" in line for line in watcher.lines)


@pytest.mark.slow
def test_a_project_with_the_built_in_theme_gets_its_stylesheets_in_the_preview(tmp_path):
    """A project of `new` has no assets/ of its own: the print preview's stylesheets and figures come from the
    built-in theme, as in the build (a project's own file, when it has one, comes first)."""
    import urllib.error
    import urllib.request

    project = tmp_path / "own"
    made = subprocess.run([sys.executable, str(REPO / "publish.py"), "new", str(project)], capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stderr
    assert not (project / "assets").exists()
    watcher = Watcher(project)
    try:
        watcher.wait_for(r"^first build: ", timeout=300)
        page = urllib.request.urlopen(watcher.url, timeout=60).read().decode()
        sheets = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', page)
        assert "assets/css/base.css" in sheets
        for sheet in sheets:
            body = urllib.request.urlopen(watcher.url + sheet, timeout=60).read()
            assert body == (REPO / sheet).read_bytes(), sheet
        (project / "assets" / "css").mkdir(parents=True)
        (project / "assets" / "css" / "base.css").write_text("/* the project's own */\n")
        assert urllib.request.urlopen(watcher.url + "assets/css/base.css", timeout=60).read() == \
            b"/* the project's own */\n"
        with pytest.raises(urllib.error.HTTPError):  # nothing else of the toolchain is served
            urllib.request.urlopen(watcher.url + "handout/app/watch.py", timeout=60)
    finally:
        watcher.process.kill()


@pytest.mark.slow
def test_the_preview_serves_the_cut_fonts_its_page_names_and_no_other_file(tmp_path):
    """A language whose fonts are cut to the book (Vietnamese, Arabic): the print preview's @font-face rules
    point at the preview server, which sends the cut files the page names, as the PDF embeds them, and nothing
    else of their folder."""
    import urllib.error
    import urllib.request

    from fontTools.ttLib import TTFont
    from test_scripts import scripts_project

    from handout.app.watch import Preview, PreviewServer, _handler, choices_of, preview_html
    from handout.config.settings import load_config
    from handout.core.script_fonts import subset_folder

    CUT_FONTS = "/_fonts/cut/"  # noqa: N806 (where the preview serves them)

    project = scripts_project(tmp_path / "project")
    choices = choices_of(load_config(project))
    preview = Preview(render=lambda choice: preview_html(project, choice, preview.figures, preview.fonts))
    preview.update(choices, {}, "")
    server = PreviewServer(("127.0.0.1", 0), _handler(preview, project, project / "dist"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        page = urllib.request.urlopen(url + "/?language=vi", timeout=60).read().decode()
        sources = re.findall(r'src: url\("([^"]+)"\)', page)
        assert sources and not [s for s in sources if not s.startswith("/_fonts/")], sources
        cut = [s for s in sources if s.startswith(CUT_FONTS)]
        assert cut, sources
        vietnamese = "".join(c for c in (project / "translations" / "vi" / "chapters" / "01-welcome.md")
                             .read_text(encoding="utf-8") if ord(c) > 0x7F and c.isalpha())
        drawn = set()
        for source in cut:
            body = urllib.request.urlopen(url + source, timeout=60).read()
            assert body == (subset_folder() / source.removeprefix(CUT_FONTS)).read_bytes(), source
            (tmp_path / "font").write_bytes(body)
            drawn |= set(TTFont(str(tmp_path / "font")).getBestCmap())
        assert vietnamese and {ord(c) for c in vietnamese} <= drawn
        # The Arabic cuts exist once the Arabic preview is made, and are served only after a page named them.
        arabic = next(c for c in choices if c.language == "ar")
        unnamed = set(re.findall(re.escape(CUT_FONTS) + r'([^"]+)"', preview_html(project, arabic))) - preview.fonts
        assert unnamed
        for name in unnamed:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url + CUT_FONTS + name, timeout=60)
            assert refused.value.code == 404
        urllib.request.urlopen(url + "/?language=ar", timeout=60).read()
        for name in unnamed:
            assert urllib.request.urlopen(url + CUT_FONTS + name, timeout=60).read() == \
                (subset_folder() / name).read_bytes()
        for path in (CUT_FONTS + "..%2f..%2fpublish.toml", CUT_FONTS + "%2e%2e/x.ttf", CUT_FONTS, CUT_FONTS + "x.ttf"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url + path, timeout=60)
            assert refused.value.code == 404, path
    finally:
        server.shutdown()
        server.server_close()
