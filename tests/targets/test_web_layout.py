"""The web page as a browser lays it out, measured in Chromium: the title on a 320 px screen breaks only between
words, and the page printed from the browser (its print stylesheet) leaves no heading at the foot of a page."""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from test_watch import CHROMIUM, CHROMIUM_FLAGS, require_browser

# Each line box of an element's text, from the positions of its characters: the words that open each line and
# whether the line starts inside a word (no white space, hyphen or soft hyphen between it and the line before).
LINES = """(selector) => {
  const element = document.querySelector(selector);
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const lines = [];
  let top = null, gap = true, previous = "";
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.length; i++) {
      const character = node.data[i];
      if (!character.trim()) { gap = true; continue; }
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (top === null || box.top > top + box.height / 2) {
        lines.push({text: "", midWord: top !== null && !gap && !"-\\u2010\\u00ad".includes(previous)});
        top = box.top;
      } else if (gap && lines.length) {
        lines[lines.length - 1].text += " ";
      }
      lines[lines.length - 1].text += character;
      gap = false; previous = character;
    }
  }
  return lines;
}"""


def _browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


def title_lines(page_path: Path, width: int = 320) -> list[dict]:
    """The title's lines on a screen `width` CSS pixels wide."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(page_path.as_uri())
            return page.evaluate(LINES, ".book-title")
        finally:
            browser.close()


def printed_page_ends(page_path: Path, pdf_path: Path) -> tuple[list[str], list[str]]:
    """The page printed from Chromium (Letter, as a reader's Print would): the last line of text of every printed
    page but the last, and the text of every heading of the page (h1 to h6 and the boxes' titles)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            headings = page.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, .box-title')]
                .filter((e) => e.offsetParent !== null || getComputedStyle(e).display !== 'none')
                .map((e) => e.innerText)""")
            page.pdf(path=str(pdf_path), format="Letter")
        finally:
            browser.close()
    with pdfplumber.open(pdf_path) as document:
        ends = [((p.extract_text() or "").strip().splitlines() or [""])[-1] for p in document.pages[:-1]]
    return ends, headings


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def stranded_headings(ends: list[str], headings: list[str]) -> list[tuple[int, str]]:
    """(page, heading) for each page whose last line is a heading (or its last line, for one on two lines)."""
    found = []
    for number, end in enumerate(ends, 1):
        line = _squash(end)
        found += [(number, heading) for heading in headings if line and _squash(heading).endswith(line)]
    return found


@pytest.fixture(scope="module")
def web_pages(default_build) -> list[Path]:
    return [default_build / "dist" / "index.html", default_build / "dist" / "es-US" / "index.html"]


@pytest.mark.slow
def test_the_title_breaks_only_between_words_on_a_320_px_screen(web_pages):
    for path in web_pages:
        lines = title_lines(path)
        assert len(lines) >= 2, lines  # it does wrap at this width: the test looks at real line breaks
        assert [line["text"] for line in lines if line["midWord"]] == [], (path, lines)


@pytest.mark.slow
def test_the_page_printed_from_the_browser_leaves_no_heading_at_a_page_foot(web_pages, tmp_path):
    for path in web_pages:
        ends, headings = printed_page_ends(path, tmp_path / f"{path.parent.name}.pdf")
        assert len(ends) >= 5 and len(headings) >= 20, (len(ends), len(headings))
        assert stranded_headings(ends, headings) == [], path
