"""The outputs' content-addressed cache: entries keyed by their inputs' digest, each checked against the sha256
of its bytes and an HMAC before it is used; a mismatch is refused once, by name."""
from __future__ import annotations

import hashlib
import json

import pytest

from handout.build.store import KEY_VARIABLE, OutputCache, cache_key
from handout.core.errors import InputError

DIGEST = hashlib.sha256(b"inputs").hexdigest()
KEY = b"k" * 32


def _cache(tmp_path, key=KEY):
    warnings = []
    return OutputCache(tmp_path / "cache", key=key, warn=warnings.append), warnings


def test_an_entry_is_found_by_its_inputs_with_what_the_build_needs(tmp_path):
    cache, warnings = _cache(tmp_path)
    assert cache.get(DIGEST) is None
    cache.put(DIGEST, b"%PDF-1.7 bytes", target="pdf", edition="letter", pages=4, page_starts=[["1", "Intro"]])
    entry = cache.get(DIGEST)
    assert entry.data == b"%PDF-1.7 bytes"
    assert entry.meta["pages"] == 4 and entry.meta["page_starts"] == [["1", "Intro"]]
    assert entry.meta["sha256"] == hashlib.sha256(b"%PDF-1.7 bytes").hexdigest()
    assert not warnings


@pytest.mark.parametrize("tamper", ["byte", "signature", "description", "key"])
def test_a_changed_entry_is_refused_once_naming_it(tmp_path, tamper):
    cache, warnings = _cache(tmp_path)
    cache.put(DIGEST, b"%PDF-1.7 bytes", target="pdf", edition="letter", pages=4)
    data, meta = cache.paths(DIGEST)
    if tamper == "byte":
        raw = bytearray(data.read_bytes())
        raw[3] ^= 1
        data.write_bytes(bytes(raw))
    elif tamper == "signature":
        record = json.loads(meta.read_text())
        record["hmac"] = "0" * 64
        meta.write_text(json.dumps(record))
    elif tamper == "description":  # more pages than it has, signature kept
        record = json.loads(meta.read_text())
        record["fields"]["pages"] = 5
        meta.write_text(json.dumps(record))
    else:  # written by someone with another key
        cache, warnings = _cache(tmp_path, key=b"x" * 32)
    assert cache.get(DIGEST) is None
    assert cache.get(DIGEST) is None
    assert len(warnings) == 1 and DIGEST in warnings[0] and "ignored" in warnings[0]
    cache.put(DIGEST, b"%PDF-1.7 bytes", target="pdf", edition="letter", pages=4)  # made again
    assert cache.get(DIGEST).data == b"%PDF-1.7 bytes"


def test_an_entry_that_is_a_link_is_refused(tmp_path):
    cache, warnings = _cache(tmp_path)
    cache.put(DIGEST, b"bytes", target="web", edition="letter", pages=1)
    data, _ = cache.paths(DIGEST)
    (tmp_path / "elsewhere").write_bytes(b"bytes")
    data.unlink()
    data.symlink_to(tmp_path / "elsewhere")
    assert cache.get(DIGEST) is None and len(warnings) == 1


def test_the_key_comes_from_the_environment_and_a_short_one_is_refused(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "a-shared-secret-of-the-clinic")
    assert cache_key() == b"a-shared-secret-of-the-clinic"
    monkeypatch.setenv(KEY_VARIABLE, "short")
    with pytest.raises(InputError, match=KEY_VARIABLE):
        cache_key()
