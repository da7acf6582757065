"""DAISY Ace runs offline through tests/ace.py, on a tiny hand-made EPUB 3 that has nothing to report.

This proves the runner itself (install, browser, environment, report parsing), so that a test of the real
handout can trust a clean Ace report. Without Ace the test skips, except under CI (CI=true), where it fails and
says to run scripts/install-ace.sh.
"""
from __future__ import annotations

import base64
import os
import time
import zipfile
from pathlib import Path

import pytest

import ace  # tests/ace.py (pytest puts tests/ on sys.path, as for conftest)

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

# EPUB Accessibility 1.1 discovery metadata; the schema:, a11y: and dcterms: prefixes are reserved in EPUB 3.
PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:6f1c2a52-0c8e-4d0a-9a51-3c2b9f0e7a11</dc:identifier>
    <dc:title>Ace runner check</dc:title>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>
    <meta property="schema:accessMode">textual</meta>
    <meta property="schema:accessModeSufficient">textual</meta>
    <meta property="schema:accessibilityFeature">structuralNavigation</meta>
    <meta property="schema:accessibilityFeature">tableOfContents</meta>
    <meta property="schema:accessibilityFeature">readingOrder</meta>
    <meta property="schema:accessibilityHazard">none</meta>
    <meta property="schema:accessibilitySummary">Text only, with headings and a table of contents.</meta>
    <meta property="dcterms:conformsTo" id="conformance">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>
    <meta property="a11y:certifiedBy" refines="#conformance">Handout test suite</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="chapter" href="chapter.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine>
    <itemref idref="chapter"/>
  </spine>
</package>
"""

NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><title>Contents</title></head>
<body>
  <nav epub:type="toc" role="doc-toc" aria-labelledby="toc-title">
    <h1 id="toc-title">Contents</h1>
    <ol><li><a href="chapter.xhtml">Before your appointment</a></li></ol>
  </nav>
</body>
</html>
"""

CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
<head><title>Before your appointment</title></head>
<body>
  <main>
    <section aria-labelledby="heading">
      <h1 id="heading">Before your appointment</h1>
      <p>Bring a list of the medicines you take, and someone who can drive you home.</p>
    </section>
  </main>
</body>
</html>
"""

ACCESSIBILITY_PROPERTIES = [
    "schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
    "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo", "a11y:certifiedBy",
]


# A 1x1 PNG, for the image without a text alternative.
DOT_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def make_epub(path: Path, package: str = PACKAGE, chapter: str = CHAPTER, extra: dict | None = None) -> Path:
    """A minimal valid EPUB 3 (EPUBCheck 5 finds nothing): the mimetype stored first and uncompressed, then
    the rest deflated. `extra` adds files under EPUB/ (to be listed in `package`'s manifest)."""
    files = {"META-INF/container.xml": CONTAINER, "EPUB/package.opf": package, "EPUB/nav.xhtml": NAV,
             "EPUB/chapter.xhtml": chapter, **{f"EPUB/{name}": data for name, data in (extra or {}).items()}}
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            book.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def require_ace() -> None:
    if ace.ace_command() is not None:
        return
    message = f"DAISY Ace is not installed: {ace.INSTALL_HINT}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_ace_finds_nothing_in_a_clean_epub_and_reads_its_a11y_metadata(tmp_path):
    require_ace()
    epub = make_epub(tmp_path / "clean.epub")

    started = time.monotonic()
    report = ace.run_ace(epub, tmp_path / "ace")
    elapsed = time.monotonic() - started

    assert ace.violations(report) == [], ace.violations(report)
    assert report["earl:result"]["earl:outcome"] == "pass"
    assert report["earl:assertedBy"]["doap:release"]["doap:revision"] == ace.ace_version()

    found = ace.metadata(report)
    assert set(ACCESSIBILITY_PROPERTIES) <= set(found["present"]), found
    assert not set(ACCESSIBILITY_PROPERTIES) & set(found["missing"] + found["empty"]), found
    values = found["values"]
    assert values["schema:accessMode"] == "textual"
    assert values["schema:accessModeSufficient"] == "textual"
    assert sorted(values["schema:accessibilityFeature"]) == ["readingOrder", "structuralNavigation",
                                                             "tableOfContents"]
    assert values["schema:accessibilityHazard"] == "none"
    assert values["dcterms:conformsTo"] == "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    assert values["a11y:certifiedBy"] == "Handout test suite"
    assert elapsed < ace.DEFAULT_TIMEOUT


def test_ace_reports_what_is_wrong_in_a_broken_epub(tmp_path):
    """The other side: a clean report above means Ace really checked (package metadata and, through chromium
    and axe-core, the content documents)."""
    require_ace()
    package = PACKAGE.replace('    <meta property="schema:accessMode">textual</meta>\n', "").replace(
        '<item id="chapter"', '<item id="dot" href="dot.png" media-type="image/png"/>\n    <item id="chapter"')
    chapter = CHAPTER.replace(' lang="en" xml:lang="en"', "").replace("</p>", '</p>\n      <img src="dot.png"/>')
    epub = make_epub(tmp_path / "broken.epub", package, chapter, {"dot.png": DOT_PNG})

    report = ace.run_ace(epub, tmp_path / "ace")

    found = {(v["rule"], v["impact"], v["file"]) for v in ace.violations(report)}
    assert found == {("metadata-accessmode", "serious", "EPUB/package.opf"),
                     ("html-has-lang", "serious", "chapter.xhtml"),
                     ("image-alt", "critical", "chapter.xhtml")}, ace.violations(report)
    assert report["earl:result"]["earl:outcome"] == "fail"
    assert "schema:accessMode" in ace.metadata(report)["missing"]


def test_violations_are_flattened_from_an_ace_report():
    """The flattening, on the shape of a real report.json (no Ace needed)."""
    report = {"assertions": [{
        "earl:testSubject": {"url": "EPUB/chapter.xhtml", "dct:title": "Chapter"},
        "assertions": [{
            "earl:assertedBy": "aXe",
            "earl:test": {"dct:title": "image-alt", "earl:impact": "critical", "rulesetTags": ["wcag2a"],
                          "help": {"url": "https://dequeuniversity.com/rules/axe/4.10/image-alt",
                                   "dct:description": "Images must have alternative text"}},
            "earl:result": {"earl:outcome": "fail", "dct:description": "Element does not have an alt attribute",
                            "earl:pointer": {"cfi": ["/4/2/2"], "css": ["img"]}, "html": "<img src=\"a.png\">"},
        }],
    }]}
    [violation] = ace.violations(report)
    assert violation["rule"] == "image-alt"
    assert violation["impact"] == "critical"
    assert violation["file"] == "EPUB/chapter.xhtml"
    assert violation["location"] == "EPUB/chapter.xhtml#epubcfi(/4/2/2)"
    assert "alt attribute" in violation["description"] and "alternative text" in violation["description"]
