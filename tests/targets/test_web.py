"""The web edition: one accessible page, from the shared layouts, beside the PDFs and the EPUB it links to.

Checked by real validators: axe-core (WCAG 2.x A and AA rules) in chromium at 320 and 1280 px, light and dark,
and the Nu Html Checker; and by reading the page as a browser would."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import webtools
from conftest import make_project, run_publish, snapshot

CHAPTER_TITLE = re.compile(r'<h2 class="chapter-title" id="[^"]+"[^>]*>(.*?)</h2>', re.S)


class _Page(HTMLParser):
    """The page's ids, links, text, and what it would fetch."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.fetches: list[str] = []
        self.text: list[str] = []
        self.scripts = 0
        self._style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        if tag in {"img", "script", "iframe", "source", "video", "audio"} and attributes.get("src"):
            self.fetches.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.fetches.append(attributes["href"])
        self.scripts += tag == "script"
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if not self._style:
            self.text.append(data)


def _read(path: Path) -> tuple[str, _Page]:
    html = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return html, page


@pytest.fixture(scope="module")
def web_page(default_build) -> Path:
    return default_build / "dist" / "index.html"


@pytest.mark.slow
def test_the_page_holds_every_chapter_in_order_the_crisis_lines_and_links_to_the_files_beside_it(default_build,
                                                                                                 web_page):
    from handout.load.book import load_book
    from handout.config.settings import load_config

    book = load_book(load_config(default_build))
    html, page = _read(web_page)
    titles = [re.sub(r"\s+", " ", title).strip() for title in CHAPTER_TITLE.findall(html)]
    assert titles == [chapter.title for chapter in book.chapters]
    text = re.sub(r"\s+", " ", "".join(page.text))
    assert "Call or text 988" in text and "Call 911" in text
    files = [link for link in page.links if link.endswith((".pdf", ".epub")) and "://" not in link]
    names = {Path(link).name for link in files}
    assert "ketamine-handout.pdf" in names and "ketamine-handout.epub" in names
    for link in files:
        assert "/" not in link and (web_page.parent / link).is_file(), link  # relative, and built beside it
    assert page.scripts == 0  # works with JavaScript off: there is none


@pytest.mark.slow
def test_the_page_makes_no_request_and_every_link_inside_it_lands(web_page):
    html, page = _read(web_page)
    assert all(fetch.startswith("data:") for fetch in page.fetches), page.fetches
    assert not re.search(r"url\((?!\s*['\"]?(data:|#))", html), "a stylesheet asks for a file"
    assert "@import" not in html
    inside = [link[1:] for link in page.links if link.startswith("#")]
    assert inside and all(anchor in page.ids for anchor in inside), set(inside) - page.ids
    # Citations both ways: each note reference leads to its source, and each source back to the text.
    notes = [link for link in inside if link.startswith("ref-")]
    backs = re.findall(r'<a class="backlink" href="#([^"]+)"', html)
    assert notes and backs and all(back in page.ids for back in backs)
    # One outline: the handout's title is the only level-1 heading.
    assert len(re.findall(r"<h1\b", html)) == 1
    # HTML, not XHTML: no XML namespaces or EPUB attributes left.
    assert not re.search(r'\s(xmlns(:\w+)?|xml:lang|epub:type)=', html)


@pytest.mark.slow
def test_axe_finds_no_wcag_a_or_aa_violation_at_320_and_1280_px_in_light_and_dark(web_page, tmp_path):
    webtools.require()
    report = webtools.webcheck(web_page, widths=(320, 1280), schemes=("light", "dark"),
                               screenshots=[(390, "light", tmp_path / "390.png")])
    assert len(report["runs"]) == 4
    for run in report["runs"]:
        assert run["violations"] == [], (run["scheme"], run["width"], run["violations"])
        assert run["scrollWidth"] <= run["clientWidth"], f"scrolls sideways at {run['width']} px ({run['scheme']})"
    dark = next(run for run in report["runs"] if run["scheme"] == "dark")
    light = next(run for run in report["runs"] if run["scheme"] == "light")
    assert dark["background"] != light["background"]  # the reader's dark mode is followed
    assert report["outside"] == []  # no request leaves the page
    assert (tmp_path / "390.png").stat().st_size > 10_000


@pytest.mark.slow
def test_text_at_200_percent_still_fits(web_page):
    """Even on a phone with text at 200 %, the page does not scroll sideways: a table wider than the screen
    scrolls in its own region, named by its heading and reachable by keyboard."""
    webtools.require()
    report = webtools.webcheck(web_page, widths=(320, 640, 1280), schemes=("light",), text_zoom=2)
    for run in report["runs"]:
        assert run["violations"] == []
        assert run["scrollWidth"] <= run["clientWidth"], run["width"]
    page = web_page.read_text()
    regions = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-labelledby="([^"]+)"><table\b',
                         page)
    assert regions and len(regions) == page.count("<table")
    assert all(re.search(rf'<h[2-6][^>]*\bid="{re.escape(ident)}"', page) for ident in regions)


@pytest.mark.slow
def test_the_nu_html_checker_reports_no_error(web_page):
    webtools.require()
    assert webtools.vnu(web_page) == []


@pytest.mark.slow
def test_the_web_edition_is_incremental_and_reproducible(tmp_path):
    project = make_project(tmp_path / "project")
    assert run_publish(project, "--no-pdf", "--no-epub").returncode == 0
    first = (project / "dist" / "index.html").read_bytes()
    again = run_publish(project, "--no-pdf", "--no-epub")
    assert again.returncode == 0 and "nothing was rebuilt" in again.stdout
    forced = run_publish(project, "--no-pdf", "--no-epub", "--force")
    assert forced.returncode == 0
    assert (project / "dist" / "index.html").read_bytes() == first


@pytest.mark.slow
def test_no_web_and_web_enabled_false_leave_it_out(tmp_path):
    project = make_project(tmp_path / "project")
    assert run_publish(project, "--no-pdf", "--no-epub", "--no-web").returncode == 0
    assert not (project / "dist" / "index.html").exists()
    config = project / "publish.toml"
    config.write_text(config.read_text() + "\n[web]\nenabled = false\n")
    assert run_publish(project, "--no-pdf", "--no-epub").returncode == 0
    assert not (project / "dist" / "index.html").exists()


@pytest.mark.slow
def test_a_change_to_a_shared_partial_shows_in_print_the_epub_and_the_web_edition(tmp_path):
    import zipfile

    from pypdf import PdfReader

    project = make_project(tmp_path / "project")
    crisis = project / "layouts" / "partials" / "crisis.html"
    crisis.write_text(crisis.read_text().replace("<ul>", "<p>Shared-partial marker.</p>\n<ul>", 1))
    result = run_publish(project, "--edition", "letter")
    assert result.returncode == 0, result.stderr
    pdf_text = "".join(page.extract_text() for page in PdfReader(project / "dist" / "ketamine-handout.pdf").pages)
    assert "Shared-partial marker." in pdf_text
    with zipfile.ZipFile(project / "dist" / "ketamine-handout.epub") as epub:
        assert any(b"Shared-partial marker." in epub.read(name) for name in epub.namelist())
    assert "Shared-partial marker." in (project / "dist" / "index.html").read_text()


@pytest.mark.slow
def test_each_clinic_gets_its_own_web_edition(tmp_path):
    project = make_project(tmp_path / "project")
    config = project / "publish.toml"
    text = config.read_text()
    block = re.search(r"(?ms)^\[clinic\]\n.*?(?=^\[|\Z)", text).group(0)
    second = block.replace("[clinic]", "[[clinic]]", 1)
    text = text.replace(block, "[[clinic]]\nid = \"north\"\n" + block.split("\n", 1)[1]
                        + "\n" + second.replace("[[clinic]]", "[[clinic]]\nid = \"south\"", 1)
                        .replace('name = "', 'name = "South ', 1))
    config.write_text(text)
    result = run_publish(project, "--no-pdf", "--no-epub")
    assert result.returncode == 0, result.stderr
    north = (project / "dist" / "north" / "index.html").read_text()
    south = (project / "dist" / "south" / "index.html").read_text()
    assert 'class="clinic-name">South ' in south and 'class="clinic-name">South ' not in north


@pytest.mark.slow
def test_a_chapter_image_outside_the_project_is_refused_for_the_web_edition(tmp_path):
    project = make_project(tmp_path / "project")
    shutil.copy(project / "assets" / "figures" / "steps.svg", tmp_path / "outside.svg")
    chapter = project / "chapters" / "02-steps.md"
    chapter.write_text(chapter.read_text() + "\n![A drawing](../../outside.svg)\n")
    (project / "dist").mkdir()
    (project / "dist" / "kept.txt").write_text("previous output")
    result = run_publish(project, "--no-pdf", "--no-epub")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "02-steps.md" in result.stderr and "outside" in result.stderr
    assert {name: data for name, data in snapshot(project / "dist").items() if not name.startswith(".")} \
        == {"kept.txt": b"previous output"}  # nothing made, nothing lost


def test_the_web_stylesheet_embeds_a_project_image_and_refuses_one_outside(tmp_path):
    from handout.core.errors import InputError
    from handout.targets.web.writer import web_stylesheet

    project = make_project(tmp_path / "project")
    css = project / "assets" / "css" / "web.css"
    shutil.copy(project / "assets" / "figures" / "steps.svg", project / "assets" / "figures" / "mark.svg")
    css.write_text(css.read_text() + "\n.box { background-image: url(../figures/mark.svg); }\n")
    embedded = web_stylesheet(project, ("assets/css/base.css", "assets/css/web.css"))
    assert "url(data:image/svg+xml;base64," in embedded and "../figures/mark.svg" not in embedded
    assert 'format("woff2")' in embedded and "font/woff2" in embedded
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    css.write_text(css.read_text() + "\n.x { background: url(../../../secret.png); }\n")
    with pytest.raises(InputError) as caught:
        web_stylesheet(project, ("assets/css/base.css", "assets/css/web.css"))
    assert caught.value.path is not None and caught.value.path.name == "web.css"
