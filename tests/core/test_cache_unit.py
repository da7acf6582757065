"""The build cache in process: atomic writes, signed entries (a foreign or changed one is ignored), chapters as
JSON data that rebuilds only our classes, and the record of what the last good build made."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from handout.core import store as cache
from handout.core.atomic import atomic_write
from handout.build.state import BuildState
from handout.load.cache import ChapterCache, decode, encode
from handout.core.store import SignedStore, read_signed, write_signed

KEY = b"k" * 32


@pytest.fixture(autouse=True)
def own_key_folder(tmp_path, monkeypatch):
    """A cache key of this test's own, outside the project."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache.signing_key.cache_clear()
    yield
    cache.signing_key.cache_clear()


def test_an_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "b.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two" and os.listdir(target.parent) == ["b.json"]


def test_an_atomic_write_through_a_given_temporary_file(tmp_path):
    temporary = tmp_path / "staging.part"
    atomic_write(tmp_path / "final", b"data", temporary)
    assert (tmp_path / "final").read_bytes() == b"data" and not temporary.exists()


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "b.json"
    target.write_bytes(b"old")

    def failing_replace(source, destination):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["b.json"]


def test_signed_entries_round_trip_and_anything_else_is_ignored(tmp_path):
    entry = tmp_path / "e.json"
    write_signed(entry, KEY, b'{"a": 1}')
    assert read_signed(entry, KEY) == b'{"a": 1}'
    assert read_signed(entry, b"x" * 32) is None  # another user's key
    signature, payload = entry.read_bytes().split(b"\n", 1)
    entry.write_bytes(signature + b"\n" + payload.replace(b"1", b"2"))  # changed by hand
    assert read_signed(entry, KEY) is None
    (tmp_path / "f.json").write_bytes(signature + b"\n" + payload)  # copied under another name
    assert read_signed(tmp_path / "f.json", KEY) is None
    assert read_signed(tmp_path / "missing.json", KEY) is None
    (tmp_path / "link.json").symlink_to(entry)
    assert read_signed(tmp_path / "link.json", KEY) is None  # not a regular file


def test_the_signing_key_lives_outside_the_project_and_is_private(tmp_path):
    key = cache.signing_key()
    path = tmp_path / "user-cache" / "handout" / cache.KEY_NAME
    assert key and len(key) >= 32 and path.read_bytes() == key
    assert path.stat().st_mode & 0o077 == 0


def test_a_store_is_not_written_through_a_cache_folder_that_leads_out(tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / ".cache").symlink_to(elsewhere, target_is_directory=True)
    store = SignedStore(project, project / ".cache" / "chapters")
    store.save("x.json", {"a": 1})
    assert store.load("x.json") is None and not any(elsewhere.rglob("*"))
    inside = SignedStore(project, project / "real-cache")
    inside.save("x.json", {"a": 1})
    assert inside.load("x.json") == {"a": 1}


def test_chapters_are_cached_as_data_and_rebuilt(tmp_path):
    from handout.model import Block, Heading
    from handout.model import Image

    value = (Block("markdown", "", "<p>x</p>"), Heading(2, "a--b", "B"), Image("a.png", "alt", "", Path("/p/a.png")))
    data = encode(value)
    assert json.loads(json.dumps(data)) == data
    types = {kind.__name__: kind for kind in (Block, Heading, Image)}
    assert decode(data, types) == value


def test_decoding_rebuilds_only_the_classes_it_is_given():
    with pytest.raises(ValueError, match="not a cached value"):
        decode({"$type": "Popen", "args": "x"}, {})
    with pytest.raises(ValueError, match="not a Image"):
        from handout.model import Image
        decode({"$type": "Image", "src": "a"}, {"Image": Image})
    with pytest.raises(TypeError, match="cannot cache a set"):
        encode({1})


def test_a_damaged_chapter_entry_is_converted_again(tmp_path):
    chapters = ChapterCache(tmp_path)
    key = chapters.key(tmp_path / "01-a.md", b"text")
    assert chapters.get(key) is None
    chapters.store.save(f"{key}.json", {"$type": "Chapter"})  # signed, but not a chapter
    assert chapters.get(key) is None
    assert chapters.key(tmp_path / "01-a.md", b"text") == key != chapters.key(tmp_path / "01-a.md", b"text!")


def test_the_build_state_knows_an_output_made_from_the_same_inputs(tmp_path):
    output = tmp_path / "dist" / "a.pdf"
    output.parent.mkdir()
    output.write_bytes(b"%PDF")
    state = BuildState(tmp_path)
    state.record(output, "inputs-1")
    state.record_page_starts("inputs-1", [["a", "b"]])
    state.save()
    again = BuildState(tmp_path)
    assert again.is_current(output, "inputs-1") and not again.is_current(output, "inputs-2")
    assert again.page_starts("inputs-1") == [["a", "b"]]
    output.write_bytes(b"%PDF changed")
    assert not again.is_current(output, "inputs-1")
    output.unlink()
    assert not again.is_current(output, "inputs-1")


def test_a_build_state_of_another_toolchain_is_forgotten(tmp_path, monkeypatch):
    state = BuildState(tmp_path)
    state.data["outputs"]["x"] = {"inputs": "i"}
    state.save()
    import handout.build.state

    monkeypatch.setattr(handout.build.state, "toolchain_fingerprint", lambda: "another")
    assert BuildState(tmp_path).data["outputs"] == {}
