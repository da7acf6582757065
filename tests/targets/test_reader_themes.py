"""The EPUB under a reading system's own theme: many readers (calibre's colour schemes, epub.js themes, Kindle)
theme a book by setting only the body's colours, not `prefers-color-scheme`. Chromium opens every document of the
built EPUB with such a theme added after the book's stylesheets (as epub.js and calibre inject theirs), dark
(`body { color: #eee; background: #000 }`) and light (`body { color: #111; background: #fff }`), under both
colour schemes, and every piece of text must contrast at least 4.5:1 with what is behind it.

Also what Kindle cannot show: checklist boxes drawn with `position: absolute`, note numbers raised by a relative
offset instead of `vertical-align: super`.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import outputs
from test_epub_reader import CONTRAST_SCRIPT
from test_watch import CHROMIUM, CHROMIUM_FLAGS, require_browser

THEMES = {"dark": "body { color: #eee; background: #000 }", "light": "body { color: #111; background: #fff }"}

POSITIONING_SCRIPT = """() => {
  const found = [];
  for (const el of document.querySelectorAll('li.task')) {
    const box = getComputedStyle(el, '::before');
    found.push({what: 'checklist box', position: box.position, display: box.display,
                own: getComputedStyle(el).position});
  }
  // A line that only lists sources ("Sources: 4, 2, 14") prints its numbers on the line, by design.
  for (const el of document.querySelectorAll(':not(.source-line) > sup.cite')) {
    const style = getComputedStyle(el);
    found.push({what: 'note number', position: style.position, verticalAlign: style.verticalAlign,
                top: style.top});
  }
  return found;
}"""


@pytest.fixture(scope="module")
def documents(default_build, tmp_path_factory) -> list[Path]:
    """The EPUB's documents in spine order, unpacked."""
    folder = tmp_path_factory.mktemp("themed-epub")
    with zipfile.ZipFile(outputs(default_build)[1]) as archive:
        archive.extractall(folder)
    opf = (folder / "EPUB" / "content.opf").read_text(encoding="utf-8")
    items = [dict(re.findall(r'([\w:-]+)="([^"]*)"', tag)) for tag in re.findall(r"<item\b[^>]*>", opf)]
    hrefs = {item["id"]: item["href"] for item in items if item.get("href", "").endswith(".xhtml")}
    spine = re.findall(r'<itemref\b[^>]*?\bidref="([^"]+)"', opf)
    found = [folder / "EPUB" / hrefs[idref] for idref in spine if idref in hrefs]
    assert len(found) >= 10 and any(p.name == "side-effects.xhtml" for p in found)
    return found


def render(documents, theme: str, scheme: str, script: str) -> dict[str, list]:
    require_browser()
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 600, "height": 900}, color_scheme=scheme)
            for path in documents:
                page.goto(path.as_uri())
                if theme:
                    page.add_style_tag(content=THEMES[theme])
                page.evaluate("document.fonts.ready")
                results[path.name] = page.evaluate(script)
        finally:
            browser.close()
    return results


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("theme", list(THEMES))
def test_every_text_contrasts_under_a_body_colour_theme(documents, theme, scheme):
    results = render(documents, theme, scheme, CONTRAST_SCRIPT)
    ratios = [(item["ratio"], name, item["tag"], item["text"]) for name, items in results.items() for item in items]
    assert len(ratios) > 300
    lowest = min(ratios)
    print(f"{theme} theme, {scheme} scheme: {len(ratios)} texts, lowest contrast {lowest[0]:.2f}:1 ({lowest[1:]})")
    problems = [(name, tag, text, round(ratio, 2)) for ratio, name, tag, text in ratios if ratio < 4.5]
    assert problems == []


@pytest.mark.slow
def test_checklist_boxes_and_note_numbers_need_no_positioning(documents):
    results = render(documents, None, "light", POSITIONING_SCRIPT)
    items = [item for found in results.values() for item in found]
    boxes = [item for item in items if item["what"] == "checklist box"]
    notes = [item for item in items if item["what"] == "note number"]
    assert boxes and notes
    assert all(box["position"] == "static" and box["own"] == "static" and box["display"] == "inline-block"
               for box in boxes), boxes[:3]
    assert all(note["position"] == "static" and note["verticalAlign"] == "super" for note in notes), notes[:3]
