"""The cut fonts are kept in this user's own cache folder, never in a folder another user can write to."""
from __future__ import annotations

import os

from handout.core import script_fonts


def test_cut_fonts_are_kept_in_the_users_own_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    script_fonts.subset_folder.cache_clear()
    try:
        folder = script_fonts.subset_folder()
        assert folder == tmp_path / "cache" / "handout" / "fonts"
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        script_fonts.subset_folder.cache_clear()


def test_a_folder_others_can_write_to_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "cache" / "handout" / "fonts"
    shared.mkdir(parents=True)
    os.chmod(shared, 0o777)
    (shared / "planted.ttf").write_bytes(b"not ours")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    script_fonts.subset_folder.cache_clear()
    try:
        folder = script_fonts.subset_folder()
        assert folder != shared and not (folder / "planted.ttf").exists()
        assert folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077 == 0
    finally:
        script_fonts.subset_folder.cache_clear()
