"""Front matter problems are reported at the line of their key (the file's line 1 is `---`)."""
from __future__ import annotations

import pytest

from handout.load.book import convert_chapter
from handout.core.errors import InputError


def write(tmp_path, text: str):
    (tmp_path / "chapters").mkdir(exist_ok=True)
    path = tmp_path / "chapters" / "01-intro.md"
    path.write_text(text)
    return path


def test_a_bad_role_is_reported_at_its_own_line(tmp_path):
    path = write(tmp_path, "---\ntitle: Intro\nrole: poem\n---\nText.\n")
    with pytest.raises(InputError) as caught:
        convert_chapter(path, 1, "intro", tmp_path)
    assert caught.value.line == 3 and "'role' must be one of" in caught.value.message


@pytest.mark.parametrize("text, line", [
    ("---\ntitle: [a, b]\n---\nText.\n", 2),                       # not text: its key's line
    ("---\ntitle: Intro\nsummary: One.\nshort_title: 3\n---\nText.\n", 4),
    ("---\ntitle: '  '\n---\nText.\n", 2),                          # empty
])
def test_other_front_matter_values_are_reported_at_their_key(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        convert_chapter(path, 1, "intro", tmp_path)
    assert caught.value.line == line


def test_unknown_keys_are_warned_at_their_lines(tmp_path):
    path = write(tmp_path, "---\ntitle: Intro\nauthor: Me\n\ntags: x\n---\nText.\n")
    chapter = convert_chapter(path, 1, "intro", tmp_path)
    assert chapter.unknown_keys == (("author", 3), ("tags", 5))
