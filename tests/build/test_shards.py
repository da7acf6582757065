"""A build split over machines: `--shard I/N` in separate processes sharing one cache folder, then
`--from-cache` assembling dist/ without laying out anything; a tampered entry refused and made again; the example
CI workflow valid against GitHub's schema."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH, add_translations, make_project, run_publish
from librarytools import built_library, library_sources, output_files

KEY = {"HANDOUT_CACHE_KEY": "a-test-key-shared-by-the-shards"}
# A letter PDF, its booklet, the EPUB and the web page, in two languages: 8 outputs.
EDITIONS = ("--edition", "letter", "--edition", "booklet")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The project built locally, and by two shards into one cache folder."""
    base = tmp_path_factory.mktemp("shards")
    project = add_translations(make_project(base / "project"), ("en-GB",))
    local = run_publish(project, "build", *EDITIONS, "--out", str(base / "local"), env=KEY)
    assert local.returncode == 0, local.stderr
    for shard in ("1/2", "2/2"):
        result = run_publish(project, "build", *EDITIONS, "--shard", shard, "--cache", str(base / "cache"), env=KEY)
        assert result.returncode == 0, result.stderr
        assert not (project / "dist").exists()  # a shard writes to the cache only
    return project, base / "local", base / "cache"


def _from_cache(project: Path, cache: Path, *extra: str,
                editions: tuple[str, ...] = EDITIONS) -> subprocess.CompletedProcess:
    """`build --from-cache` in a separate process that says whether it imported WeasyPrint (it must not:
    nothing is laid out)."""
    code = ("import sys; from handout.app.cli import main; status = main(sys.argv[1:]); "
            "print('weasyprint imported' if 'weasyprint' in sys.modules else 'no layout'); sys.exit(status)")
    environment = {**os.environ, **KEY, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    return subprocess.run([sys.executable, "-c", code, "--project", str(project), "build", *editions, *extra,
                           "--cache", str(cache)], capture_output=True, text=True, env=environment, cwd=REPO,
                          timeout=600)


@pytest.mark.slow
def test_two_shards_then_the_cache_give_the_local_build_without_laying_out(sharded):
    project, local, cache = sharded
    entries = sorted(cache.rglob("*.out"))
    assert len(entries) == 8  # every output once: the shards did not overlap
    result = _from_cache(project, cache, "--from-cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("no layout")
    assert _files(project / "dist") == _files(local)
    assert len(_files(local)) == 8


@pytest.mark.slow
def test_a_tampered_entry_is_refused_named_once_and_made_again(sharded, tmp_path):
    project, local, shared = sharded
    cache = tmp_path / "cache"
    shutil.copytree(shared, cache)
    metas = {json.loads(path.read_text())["fields"]["target"] + json.loads(path.read_text())["fields"]["edition"]:
             path for path in cache.rglob("*.json")}
    # One byte of an EPUB changed; a booklet's signature replaced (both of the source language or not: any).
    epub = metas["epubletter"].with_suffix(".out")
    raw = bytearray(epub.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    epub.write_bytes(bytes(raw))
    record = json.loads(metas["pdfbooklet"].read_text())
    record["hmac"] = "f" * 64
    metas["pdfbooklet"].write_text(json.dumps(record))
    shutil.rmtree(project / "dist", ignore_errors=True)
    result = run_publish(project, "build", *EDITIONS, "--cache", str(cache), env=KEY)
    assert result.returncode == 0, result.stderr
    for path in (epub, metas["pdfbooklet"]):
        assert result.stderr.count(path.stem) == 1, result.stderr  # one warning naming each entry
        assert "cache entry ignored" in result.stderr
    # Only those two were made again; the rest were copied.
    made = [line for line in result.stdout.splitlines() if line.startswith(("  write", "  impose", "  lay out"))]
    assert sorted(line.split()[0] for line in made) == ["impose", "write"], result.stdout
    assert _files(project / "dist") == _files(local)
    again = _from_cache(project, cache, "--from-cache", "--force")  # the entries made again are whole
    assert again.returncode == 0 and "cache entry ignored" not in again.stderr, again.stderr


@pytest.mark.slow
def test_from_cache_with_an_output_missing_names_it_and_builds_nothing(sharded, tmp_path):
    project, _, shared = sharded
    empty = tmp_path / "empty"
    result = _from_cache(project, empty, "--from-cache", "--force")
    assert result.returncode == 2
    assert "not in the cache" in result.stderr and "--shard" in result.stderr


@pytest.mark.slow
def test_a_librarys_two_shards_then_the_cache_give_its_local_build_without_laying_out(tmp_path_factory, tmp_path):
    """The library as one plan split in two: the shards share out every handout's outputs (no overlap, dist/
    untouched), and --from-cache puts them in place with the catalog, the feeds and the bundle, laying out
    nothing: byte for byte the local build."""
    local = built_library(tmp_path_factory)
    library = library_sources(local, tmp_path / "library")
    cache = tmp_path / "cache"
    shares = []
    for shard in ("1/2", "2/2"):
        plan = run_publish(library, "plan", "--format", "json", "--shard", shard)
        assert plan.returncode == 0, plan.stderr
        shares.append({job["id"] for job in json.loads(plan.stdout)["jobs"] if job["output"]})
        result = run_publish(library, "build", "--shard", shard, "--cache", str(cache), env=KEY)
        assert result.returncode == 0, result.stderr
        assert not (library / "dist").exists()  # a shard writes to the cache only
    assert shares[0] and shares[1] and not shares[0] & shares[1]
    whole = json.loads(run_publish(library, "plan", "--format", "json").stdout)
    outputs = {job["id"] for job in whole["jobs"] if job["key"]["step"] == ""}
    assert shares[0] | shares[1] == outputs and len(outputs) == 36
    collect = [job for job in whole["jobs"] if job["key"]["step"] == "collect"]
    assert len(collect) == 1 and set(collect[0]["needs"]) == outputs  # the catalog, feeds and bundle: last
    assert len(list(cache.rglob("*.out"))) == 36  # every output once
    result = _from_cache(library, cache, "--from-cache", editions=())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("no layout")
    assert output_files(library / "dist") == output_files(local / "dist")
    assert (library / "dist" / "fhir" / "bundle.json").is_file()


@pytest.mark.slow
def test_the_example_ci_workflow_passes_githubs_schema(tmp_path):
    workflow = REPO / "examples" / "ci" / "github-actions.yml"
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"  # the check can fail
    broken.write_text(workflow.read_text().replace("runs-on:", "runs_on:"))
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(broken)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    text = workflow.read_text()
    assert "--shard" in text and "--from-cache" in text and "HANDOUT_CACHE_KEY" in text
