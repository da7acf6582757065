"""The toolchain installed as a user installs it: a wheel in a fresh virtual environment outside the repository,
then `handout new`, `handout check` and `handout build` in an empty folder."""
from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH


def _run(command: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_the_wheel_installs_and_builds_a_new_handout(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "SOURCE_DATE_EPOCH"}}
    env["SOURCE_DATE_EPOCH"] = TEST_EPOCH
    # The wheel, built from the repository as `pip wheel .` does (offline: this environment's setuptools).
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "--quiet", "-w", str(wheels), str(REPO)], tmp_path, env)
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("handout-*.whl"))
    # A fresh environment outside the repository. Tests may not reach the network, so it borrows the libraries
    # this environment installed from PyPI (a .pth line: the handout package itself is not among them; the
    # editable install's own hook is not read from there) and installs the wheel with no dependencies.
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env).returncode == 0
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env)
    (Path(purelib.stdout.strip()) / "borrowed-libraries.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n")
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                     tmp_path, env)
    assert installed.returncode == 0, installed.stderr
    handout = venv / "bin" / "handout"
    where = _run([str(python), "-c", "import handout; print(handout.__file__)"], tmp_path, env)
    assert str(venv) in where.stdout, f"handout was imported from {where.stdout}, not the fresh environment"

    work = tmp_path / "work"
    work.mkdir()
    new = _run([str(handout), "new", "sleep"], work, env)
    assert new.returncode == 0, new.stdout + new.stderr
    project = work / "sleep"
    check = _run([str(handout), "check"], project, env)
    assert check.returncode == 0, check.stdout + check.stderr
    build = _run([str(handout), "build"], project, env)
    assert build.returncode == 0, build.stdout + build.stderr
    dist = project / "dist"
    assert list(dist.glob("*.pdf")) and list(dist.glob("*.epub")) and (dist / "index.html").is_file()
    # Nothing changed: the build finds it and keeps its stamp; the next `handout build` says so from the stamp.
    looked = _run([str(handout), "build"], project, env)
    assert looked.returncode == 0 and "Everything is up to date" in looked.stdout, looked.stdout + looked.stderr
    replayed = _run([str(handout), "build"], project, env)
    assert replayed.returncode == 0 and "check what changed (no-op stamp)" in replayed.stdout, replayed.stdout
    assert replayed.stdout.split("timings:")[0] == looked.stdout.split("timings:")[0]
    usage = _run([str(handout), "check", "--help"], project, env)
    assert usage.stdout.startswith("usage: handout check"), usage.stdout
