"""The figures in dark reading modes and in e-book converters.

Readers read the EPUB and the web page in dark modes of two kinds: a reading system's own stylesheet that sets
only the body's colours (calibre, epub.js, Kindle) and `prefers-color-scheme: dark`. Chromium renders the EPUB
chapters that hold the figures (the icon array and the timeline) and the web page in both languages under each,
and every SVG `text` must contrast at least 4.5:1 with what is really behind it: the filled rectangle under it
in the drawing (a mat), else the CSS background of the drawing or of what holds it, else the page. axe does not
look at SVG fills, hence this measure.

No figure the project makes tells its categories apart by an SVG <pattern>: converters (MOBI, AZW3, calibre's
PDF) drop or flatten patterns. Solid fills or different shapes survive them all.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import outputs
from test_reader_themes import THEMES
from test_watch import CHROMIUM, CHROMIUM_FLAGS, require_browser

SVG_CONTRAST_SCRIPT = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const opaque = (c) => c && c.startsWith('rgb') && parse(c)[3] > 0.5;
  const rootBg = getComputedStyle(document.documentElement).backgroundColor;
  const bodyBg = getComputedStyle(document.body).backgroundColor;
  const canvas = opaque(bodyBg) ? parse(bodyBg) : opaque(rootBg) ? parse(rootBg)
    : (matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1]);
  const cssBehind = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (opaque(bg)) return [parse(bg), node.tagName.toLowerCase() + (node.getAttribute('class') ? '.' + node.getAttribute('class') : '')];
    }
    return [canvas, 'page'];
  };
  const found = [];
  for (const text of document.querySelectorAll('svg text')) {
    if (!text.textContent.trim()) continue;
    const svg = text.ownerSVGElement;
    const box = text.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    let bg = null, what = '';
    for (const rect of svg.querySelectorAll('rect')) {  // the last filled rectangle painted before it, under it
      if (!(rect.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      const r = rect.getBoundingClientRect(), fill = getComputedStyle(rect).fill;
      if (opaque(fill) && r.left <= cx && cx <= r.right && r.top <= cy && cy <= r.bottom) {
        bg = parse(fill); what = 'rect in the drawing';
      }
    }
    if (!bg) [bg, what] = cssBehind(svg);
    const fg = parse(getComputedStyle(text).fill);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    found.push({text: text.textContent.trim().slice(0, 40), fill: getComputedStyle(text).fill, behind: what,
                ratio: (a + 0.05) / (b + 0.05), figure: svg.getAttribute('class') || ''});
  }
  return found;
}"""


def _unpack(epub: Path, folder: Path) -> Path:
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(folder)
    return folder / "EPUB"


@pytest.fixture(scope="module")
def pages(default_build, tmp_path_factory) -> dict[str, Path]:
    """The EPUB chapters with the figures and the web page, in both languages."""
    found = {}
    for language, dist in (("en", default_build / "dist"), ("es", default_build / "dist" / "es-US")):
        unpacked = _unpack(dist / "ketamine-handout.epub", tmp_path_factory.mktemp(f"dark-{language}"))
        for name in ("how-well.xhtml", "timeline.xhtml"):
            found[f"{language} EPUB {name}"] = unpacked / name
        found[f"{language} web page"] = dist / "index.html"
    return found


def svg_contrasts(pages: dict[str, Path], theme: str | None, scheme: str) -> list[dict]:
    require_browser()
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 600, "height": 900}, color_scheme=scheme)
            for name, path in pages.items():
                page.goto(path.as_uri())
                if theme:
                    page.add_style_tag(content=THEMES[theme])
                page.evaluate("document.fonts.ready")
                results += [{**item, "page": name} for item in page.evaluate(SVG_CONTRAST_SCRIPT)]
        finally:
            browser.close()
    return results


@pytest.mark.parametrize("theme, scheme", [("dark", "light"), ("dark", "dark"), (None, "dark"), (None, "light")])
def test_every_figure_label_contrasts_with_what_is_behind_it(pages, theme, scheme):
    found = svg_contrasts(pages, theme, scheme)
    icon = [item for item in found if "icon-array" in item["figure"]]
    timeline = [item for item in found if "icon-array" not in item["figure"]]
    # Both figures on every page: at least 2 labels, 2 counts and the 2 words of the key; 14 timeline labels.
    assert len(icon) >= 4 * 6 and len(timeline) >= 4 * 14, (len(icon), len(timeline))
    lowest = min(found, key=lambda item: item["ratio"])
    print(f"theme {theme}, scheme {scheme}: {len(found)} SVG texts, lowest {lowest['ratio']:.2f}:1 ({lowest})")
    assert [item for item in found if item["ratio"] < 4.5] == []


def _figures(default_build) -> dict[str, str]:
    """Every SVG the project made, by where it is: in the EPUBs (inline or files) and on the web pages."""
    found = {}
    for dist in (default_build / "dist", default_build / "dist" / "es-US"):
        with zipfile.ZipFile(dist / "ketamine-handout.epub") as archive:
            for name in archive.namelist():
                if name.endswith((".xhtml", ".svg")):
                    text = archive.read(name).decode("utf-8")
                    for number, svg in enumerate(re.findall(r"<svg\b.*?</svg>", text, re.S)):
                        found[f"{dist.name} {name} #{number}"] = svg
        web = (dist / "index.html").read_text(encoding="utf-8")
        for number, svg in enumerate(re.findall(r"<svg\b.*?</svg>", web, re.S)):
            found[f"{dist.name} web #{number}"] = svg
    return found


def test_no_figure_tells_categories_apart_by_a_pattern(default_build):
    figures = _figures(default_build)
    assert sum("icon-array-svg" in svg for svg in figures.values()) >= 4
    assert sum("timeline" in svg or "8 weeks" in svg or "8 semanas" in svg for svg in figures.values()) >= 4
    for where, svg in figures.items():
        assert "<pattern" not in svg and "url(#" not in svg, where
        if "icon-array-svg" in svg:  # the shaded and the other people: two different solid fills
            fills = set(re.findall(r'<path d="M[^"]*" fill="(#[0-9a-f]{6})"', svg))
            assert len(fills) == 2, (where, fills)
    for source in [*Path(default_build / "assets").rglob("*.svg"), *Path(default_build / "translations").rglob("*.svg")]:
        assert "<pattern" not in source.read_text(encoding="utf-8"), source


def _ebook_convert() -> str:
    """calibre's converter (Debian's `calibre`, scripts/system-deps.sh --test): without it a test skips, except
    under CI (CI=true), where it fails."""
    import os
    import shutil

    found = shutil.which("ebook-convert")
    if found is None:
        message = "calibre's ebook-convert is missing: run `bash scripts/system-deps.sh --test` as root"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_calibre_converts_the_epub_to_azw3_keeping_the_figures_solid_and_matted(default_build, tmp_path, language):
    """The EPUB converted to AZW3 as a Kindle reader would get it (and back to EPUB to read what calibre made):
    calibre makes each inline SVG an image file, so a stylesheet's mat is lost; the drawing's own mat and its
    solid fills must survive. Every figure image must be drawn on a white rectangle as large as itself, under
    all its text, with no pattern fill; the icon array's two kinds of people in two solid fills."""
    import os
    import subprocess

    convert = _ebook_convert()
    dist = default_build / "dist" / ("" if language == "en-US" else language)
    environment = {**os.environ, "HOME": str(tmp_path), "CALIBRE_CONFIG_DIRECTORY": str(tmp_path / "calibre"),
                   "QT_QPA_PLATFORM": "offscreen"}
    azw3, back = tmp_path / "handout.azw3", tmp_path / "back.epub"
    for source, target in ((dist / "ketamine-handout.epub", azw3), (azw3, back)):
        result = subprocess.run([convert, str(source), str(target)], capture_output=True, text=True, timeout=600,
                                env=environment)
        assert result.returncode == 0 and target.is_file(), result.stdout[-2000:] + result.stderr[-2000:]
    with zipfile.ZipFile(back) as archive:
        images = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".svg")}
    figures = {name: svg for name, svg in images.items() if "<text" in svg and "cover" not in svg}
    icon = [svg for svg in figures.values() if 'class="icon-array-svg"' in svg]
    assert len(icon) == 1 and len(figures) >= 2, sorted(images)
    for name, svg in figures.items():
        assert "<pattern" not in svg and "url(#" not in svg, name
        viewbox = [float(n) for n in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
        mat = re.search(r'<rect\b[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"[^>]*fill="#ffffff"', svg)
        assert mat and [float(mat.group(1)), float(mat.group(2))] == viewbox[2:], name
        assert svg.index(mat.group(0)) < svg.index("<text"), name  # painted first, under every label
    fills = set(re.findall(r'<path d="M[^"]*" fill="(#[0-9a-fA-F]{6})"', icon[0]))
    assert len(fills) == 2, fills
