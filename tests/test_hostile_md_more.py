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
