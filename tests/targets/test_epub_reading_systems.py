"""What real reading systems need beyond what EPUBCheck checks: a raster cover, figures whose words never
depend on the reader's fonts, the QR code as a file, and an NCX that lists what the nav lists."""
from __future__ import annotations

import pytest

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from PIL import Image

from conftest import outputs

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
OPF = "{http://www.idpf.org/2007/opf}"


def _package(default_build):
    archive = zipfile.ZipFile(outputs(default_build)[1])
    opf = ET.fromstring(archive.read("EPUB/content.opf"))
    return archive, opf


@pytest.mark.slow
def test_the_cover_image_is_a_raster_of_at_least_1600_pixels_and_the_cover_page_draws_it_inline(default_build):
    archive, opf = _package(default_build)
    covers = [item for item in opf.iter(f"{OPF}item") if "cover-image" in (item.get("properties") or "").split()]
    assert len(covers) == 1 and covers[0].get("media-type") == "image/png"
    with Image.open(io.BytesIO(archive.read("EPUB/" + covers[0].get("href")))) as image:
        image.load()
        assert image.height >= 1600 and image.width >= 1000, image.size
        # Not a blank page: the title's dark ink is drawn on it.
        assert image.convert("L").getextrema()[0] < 80
    cover = ET.fromstring(archive.read("EPUB/cover.xhtml"))
    assert cover.find(f".//{XHTML}img") is None
    drawing = cover.find(f".//{SVG}svg")
    assert drawing is not None and drawing.get("role") == "img"
    title = drawing.find(f"{SVG}title")
    assert title is not None and "Ketamine" in "".join(title.itertext())


def _declared_families(archive) -> set[str]:
    css = archive.read("EPUB/assets/css/fonts.css").decode()
    return {name.strip().strip("'\"") for name in re.findall(r"font-family:\s*([^;]+);", css)}


def _inherited_family(element, parents) -> str:
    while element is not None:
        if element.get("font-family"):
            return element.get("font-family")
        element = parents.get(element)
    return ""


@pytest.mark.slow
def test_no_svg_text_depends_on_the_readers_fonts(default_build):
    """An SVG drawn through <img> cannot use the book's fonts: every SVG with words is inline in its document
    and names a font the EPUB embeds; no packed SVG file holds a <text>."""
    archive, _ = _package(default_build)
    families = _declared_families(archive)
    assert "Atkinson Hyperlegible" in families
    inline_texts = 0
    for name in archive.namelist():
        if name.endswith(".svg"):
            assert ET.fromstring(archive.read(name)).find(f".//{SVG}text") is None, name
        if not name.endswith(".xhtml"):
            continue
        tree = ET.fromstring(archive.read(name))
        for image in tree.iter(f"{XHTML}img"):
            assert not image.get("src", "").lower().endswith(".svg"), (name, image.get("src"))
        parents = {child: parent for parent in tree.iter() for child in parent}
        for text in tree.iter(f"{SVG}text"):
            family = _inherited_family(text, parents).split(",")[0].strip().strip("'\"")
            assert family in families, (name, family, "".join(text.itertext()))
            inline_texts += 1
    assert inline_texts >= 10  # the cover and the timeline figure


@pytest.mark.slow
def test_inline_figures_keep_their_alt_text_and_unique_ids(default_build):
    archive, _ = _package(default_build)
    timeline = ET.fromstring(archive.read("EPUB/timeline.xhtml"))
    figure = timeline.find(f".//{XHTML}figure")
    drawing = figure.find(f"{SVG}svg")
    assert drawing.get("role") == "img" and drawing.get("aria-label", "").startswith("A timeline from hours")
    ids = [element.get("id") for element in timeline.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    fills = {element.get("fill") for element in drawing.iter() if "url(#" in (element.get("fill") or "")}
    assert all(fill[5:-1] in ids for fill in fills)  # any reference inside the drawing is found under its new id


@pytest.mark.slow
def test_the_qr_code_is_a_packaged_png_and_no_document_uses_a_data_url(default_build):
    archive, opf = _package(default_build)
    back = archive.read("EPUB/back.xhtml").decode()
    source = re.search(r'<img class="qr-code" src="([^"]+)"', back).group(1)
    assert not source.startswith("data:")
    with Image.open(io.BytesIO(archive.read("EPUB/" + source))) as image:
        assert image.format == "PNG" and image.width >= 250
    assert source in {item.get("href") for item in opf.iter(f"{OPF}item")}
    for name in archive.namelist():
        if name.endswith((".xhtml", ".css")):
            assert b"data:" not in archive.read(name), name


def _nav_entries(element, depth=1):
    for item in element.findall(f"{XHTML}li"):
        link = item.find(f"{XHTML}a")
        yield depth, " ".join("".join(link.itertext()).split()), link.get("href")
        sub = item.find(f"{XHTML}ol")
        if sub is not None:
            yield from _nav_entries(sub, depth + 1)


def _ncx_entries(element, depth=1):
    for point in element.findall(f"{NCX}navPoint"):
        yield depth, point.find(f"{NCX}navLabel/{NCX}text").text, point.find(f"{NCX}content").get("src")
        yield from _ncx_entries(point, depth + 1)


@pytest.mark.slow
def test_the_ncx_lists_what_the_nav_lists_about_this_handout_included(default_build):
    archive, _ = _package(default_build)
    nav = ET.fromstring(archive.read("EPUB/nav.xhtml"))
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get("id") == "toc")
    nav_entries = list(_nav_entries(toc.find(f"{XHTML}ol")))
    ncx = ET.fromstring(archive.read("EPUB/toc.ncx"))
    ncx_entries = list(_ncx_entries(ncx.find(f"{NCX}navMap")))
    assert nav_entries == ncx_entries
    assert nav_entries[-1] == (1, "About this handout", "back.xhtml#about")
    assert max(depth for depth, _, _ in nav_entries) == 2
    depth = next(m for m in ncx.iter(f"{NCX}meta") if m.get("name") == "dtb:depth")
    assert depth.get("content") == "2"
