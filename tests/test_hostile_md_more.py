"""Hostile input, second round, beyond the Markdown itself: drafts' page lists, YAML, names, images, SVG
cost and tables wider than the page. In-process where possible."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from handout.book import load_book
from handout.config import load_config
from handout.errors import InputError

from conftest import make_project


@pytest.fixture()
def mini(tmp_path) -> Path:
    return make_project(tmp_path / "mini")


# ---- --draft: the page list ignores the draft mark ---------------------------------------------------------

def test_a_draft_page_starting_with_a_chapters_last_words_is_found_in_the_epub(mini):
    from handout.pagemap import mark_pages
    from handout.render import DRAFT_MARK, render_epub

    config = load_config(mini)
    book = replace(load_book(config, use_cache=False), draft=True)
    pages, _, _ = render_epub(book, config.clinic)
    chapter_two = next(page for page in pages if page.file_name == "steps.xhtml")
    assert DRAFT_MARK.encode() in chapter_two.content  # each EPUB document of a draft says so at its top
    # A printed page that starts with the last words of chapter 1 and goes on into chapter 2's title.
    starts = [["medicine.", "The", "steps", "to", "follow", "The", "steps", "Step"]]
    contents, holders = mark_pages([page.content for page in pages], starts)
    assert 'id="page-1"' in contents[holders[0]].decode()
    assert holders[0] < [p.file_name for p in pages].index("steps.xhtml")  # before "medicine."


# ---- rasters are decoded in full before use -------------------------------------------------------------------

def _png(width: int = 120, height: int = 80) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _garbage_png() -> bytes:
    """A PNG whose header and chunk checksums are valid but whose image data is not a zlib stream."""
    import struct
    import zlib

    good = _png()
    data = b"\x00garbage" * 200
    chunk = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return good[:good.index(b"IDAT") - 4] + chunk + good[good.index(b"IEND") - 4:]


def _add_figure(project: Path, name: str, content: bytes) -> Path:
    figure = project / "assets" / "figures" / name
    figure.write_bytes(content)
    steps = project / "chapters" / "02-steps.md"
    steps.write_text(steps.read_text() + f"\n![A red box]({Path('../assets/figures', name).as_posix()})\n")
    return figure


@pytest.mark.parametrize("content", [_garbage_png, lambda: _png()[:len(_png()) // 2]], ids=["garbage data", "truncated"])
def test_a_raster_that_does_not_decode_is_refused_naming_it(mini, content):
    _add_figure(mini, "box.png", content())
    with pytest.raises(InputError) as caught:
        load_book(load_config(mini), use_cache=False)
    error = caught.value
    assert error.path.name == "box.png" and "does not decode" in error.message
    assert "chapters/02-steps.md" in error.message  # and where it is used


def test_a_raster_that_decodes_is_accepted(mini):
    _add_figure(mini, "box.png", _png())
    book = load_book(load_config(mini), use_cache=False)
    assert any(image.src.endswith("box.png") for image in book.images)


def test_a_data_url_raster_that_does_not_decode_is_refused_at_its_line(mini):
    import base64

    steps = mini / "chapters" / "02-steps.md"
    url = "data:image/png;base64," + base64.b64encode(_garbage_png()).decode()
    steps.write_text(steps.read_text() + f"\n![A red box]({url})\n")
    with pytest.raises(InputError) as caught:
        load_book(load_config(mini), use_cache=False)
    assert caught.value.path.name == "02-steps.md" and caught.value.line and "does not decode" in caught.value.message
