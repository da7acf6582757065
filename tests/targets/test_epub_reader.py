"""The EPUB in a second, independent reader: Chromium opens its XHTML documents with their CSS and fonts,
in a light and a dark colour scheme, as a browser-based reading system would.

Checks what a reader sees: every piece of text contrasts at least 4.5:1 with what is behind it, in both
schemes; no element is wider than a phone's screen; the embedded Atkinson Hyperlegible is the face in use.
Screenshots land in the test's temporary folder (HANDOUT_SCREENSHOTS=folder keeps them, to look at).
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from conftest import outputs
from test_watch import CHROMIUM, CHROMIUM_FLAGS, require_browser

# For each element with its own text: its colour and the first opaque background behind it.
CONTRAST_SCRIPT = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const canvas = parse(getComputedStyle(document.documentElement).backgroundColor)[3] > 0
    ? parse(getComputedStyle(document.documentElement).backgroundColor)
    : (matchMedia('(prefers-color-scheme: dark)').matches ? [18, 18, 18, 1] : [255, 255, 255, 1]);
  const behind = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0.5) return bg;
    }
    return canvas;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('[hidden]')) continue;
    const fg = parse(getComputedStyle(el).color), bg = behind(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    found.push({tag: el.tagName, text: el.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05)});
  }
  return found;
}"""

WIDEST_SCRIPT = """() => Math.max(...[...document.body.querySelectorAll('*')].map((el) => el.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def unpacked(default_build, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("epub")
    with zipfile.ZipFile(outputs(default_build)[1]) as archive:
        archive.extractall(folder)
    return folder / "EPUB"


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_contrasts_and_fits_a_phone_screen_in_chromium(unpacked, scheme, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("HANDOUT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    documents = ["key-points.xhtml", "timeline.xhtml", "side-effects.xhtml", "is-it-right-for-me.xhtml",
                 "getting-help.xhtml", "title.xhtml", "back.xhtml"]
    problems, fonts = [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
            for name in documents:
                page.goto((unpacked / name).as_uri())
                page.evaluate("document.fonts.ready")
                for item in page.evaluate(CONTRAST_SCRIPT):
                    if item["ratio"] < 4.5:
                        problems.append((name, item["tag"], item["text"], round(item["ratio"], 2)))
                widest = page.evaluate(WIDEST_SCRIPT)
                if widest > 390 + 1:
                    problems.append((name, "wider than the screen", widest))
                fonts |= set(page.evaluate(
                    "() => [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family)"))
                page.screenshot(path=str(shots / f"{scheme}-{name}.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert any("Atkinson Hyperlegible" in family for family in fonts), fonts
