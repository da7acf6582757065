"""The outputs' content-addressed cache: entries keyed by their inputs' digest, each checked against the sha256
of its bytes and an HMAC before it is used; a mismatch is refused once, by name."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, TEST_EPOCH

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


# ---- the same cache in a Redis (--cache redis://HOST:PORT/DB) ------------------------------------------------

from test_queue import _free_port, redis_url  # noqa: E402,F401  (the fixture: a redis-server of its own)


def _redis_cache(url, key=KEY):
    warnings = []
    return OutputCache(url, key=key, warn=warnings.append), warnings


@pytest.mark.parametrize("tamper", ["byte", "signature", "description", "key"])
def test_a_redis_entry_is_verified_as_a_folders_is(redis_url, tamper):
    """The same checks (one verification path) whichever store holds the entry: a changed byte, signature or
    description, or another key, is refused once by name, and the entry made again replaces it."""
    from redis import Redis

    cache, warnings = _redis_cache(redis_url)
    assert cache.get(DIGEST) is None and not warnings
    cache.put(DIGEST, b"%PDF-1.7 bytes", target="pdf", edition="letter", pages=4, page_starts=[["1", "Intro"]])
    entry = cache.get(DIGEST)
    assert entry.data == b"%PDF-1.7 bytes" and entry.meta["page_starts"] == [["1", "Intro"]]
    redis, name = Redis.from_url(redis_url), f"handout:output:{DIGEST}"
    assert redis.hget(name, "out") == b"%PDF-1.7 bytes"
    if tamper == "byte":
        raw = bytearray(redis.hget(name, "out"))
        raw[3] ^= 1
        redis.hset(name, "out", bytes(raw))
    elif tamper in ("signature", "description"):
        record = json.loads(redis.hget(name, "json"))
        if tamper == "signature":
            record["hmac"] = "0" * 64
        else:
            record["fields"]["pages"] = 5
        redis.hset(name, "json", json.dumps(record))
    else:
        cache, warnings = _redis_cache(redis_url, key=b"x" * 32)
    assert cache.get(DIGEST) is None
    assert cache.get(DIGEST) is None
    assert len(warnings) == 1 and "ignored" in warnings[0], warnings
    assert warnings[0].startswith(f"{redis_url} handout:output:{DIGEST}: cache entry ignored")
    cache.put(DIGEST, b"%PDF-1.7 bytes", target="pdf", edition="letter", pages=4)  # made again
    assert cache.get(DIGEST).data == b"%PDF-1.7 bytes"


def test_an_unreachable_redis_cache_is_named_at_once():
    port = _free_port()
    with pytest.raises(InputError, match=f"cannot reach the cache's Redis at redis://127.0.0.1:{port}/0") as caught:
        OutputCache(f"redis://127.0.0.1:{port}/0", key=KEY)
    assert "--cache" in caught.value.message


def test_a_redis_entry_with_a_missing_field_is_refused(redis_url):
    from redis import Redis

    cache, warnings = _redis_cache(redis_url)
    cache.put(DIGEST, b"bytes", target="web", edition="letter", pages=1)
    Redis.from_url(redis_url).hdel(f"handout:output:{DIGEST}", "out")
    assert cache.get(DIGEST) is None and len(warnings) == 1 and "sha256" in warnings[0]


@pytest.mark.slow
def test_a_build_keeps_its_outputs_in_redis_and_a_tampered_one_is_made_again(redis_url, tmp_path):
    """`--cache redis://...`: a build stores its outputs there; one changed byte in the EPUB's entry is refused
    with one warning naming it, and only the EPUB is made again; `--from-cache` then puts every output in place
    from Redis, byte for byte the first build's, without laying anything out."""
    from redis import Redis

    from conftest import make_project, run_publish

    key = {"HANDOUT_CACHE_KEY": "a-test-key-shared-by-the-machines"}
    project = make_project(tmp_path / "project", translations=())
    first = run_publish(project, "build", "--edition", "letter", "--cache", redis_url, "--out",
                        str(tmp_path / "first"), env=key)
    assert first.returncode == 0, first.stderr
    built = {path.name: path.read_bytes() for path in (tmp_path / "first").iterdir() if path.is_file()
             and not path.name.startswith(".")}
    assert sorted(built) == ["index.html", "ketamine-handout.epub", "ketamine-handout.pdf"]
    redis = Redis.from_url(redis_url)
    entries = {json.loads(redis.hget(name, "json"))["fields"]["target"]: name
               for name in redis.scan_iter("handout:output:*")}
    assert sorted(entries) == ["epub", "pdf", "web"]
    assert redis.hget(entries["pdf"], "out") == built["ketamine-handout.pdf"]
    raw = bytearray(redis.hget(entries["epub"], "out"))
    raw[len(raw) // 2] ^= 0xFF
    redis.hset(entries["epub"], "out", bytes(raw))
    again = run_publish(project, "build", "--edition", "letter", "--force", "--cache", redis_url, "--out",
                        str(tmp_path / "again"), env=key)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("cache entry ignored") == 1, again.stderr
    assert f"{redis_url} {entries['epub'].decode()}: cache entry ignored, its bytes do not match" in again.stderr
    made = [line.split()[1] for line in again.stdout.splitlines() if line.startswith(("  write", "  lay out"))]
    assert made == ["EPUB"], again.stdout  # the PDF and the web page were copied from Redis
    for name, data in built.items():
        assert (tmp_path / "again" / name).read_bytes() == data, name
    code = ("import sys; from handout.app.cli import main; status = main(sys.argv[1:]); "
            "print('weasyprint imported' if 'weasyprint' in sys.modules else 'no layout'); sys.exit(status)")
    assembled = subprocess.run([sys.executable, "-c", code, "--project", str(project), "build", "--edition",
                                "letter", "--from-cache", "--force", "--cache", redis_url, "--out",
                                str(tmp_path / "assembled")], capture_output=True, text=True, timeout=600,
                               env={**os.environ, **key, "SOURCE_DATE_EPOCH": TEST_EPOCH}, cwd=REPO)
    assert assembled.returncode == 0 and "cache entry ignored" not in assembled.stderr, assembled.stderr
    assert assembled.stdout.strip().endswith("no layout")
    for name, data in built.items():
        assert (tmp_path / "assembled" / name).read_bytes() == data, name
    down = run_publish(project, "build", "--cache", f"redis://127.0.0.1:{_free_port()}/0", "--out",
                       str(tmp_path / "down"), env=key)
    assert down.returncode == 2 and "cannot reach the cache's Redis at redis://127.0.0.1:" in down.stderr
    assert "Traceback" not in down.stderr
