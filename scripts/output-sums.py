#!/usr/bin/env python3
"""The sums of the default handout's outputs, built from a copy of the repository with a fixed date.

    .venv/bin/python scripts/output-sums.py > before.txt     # on one commit
    .venv/bin/python scripts/output-sums.py --compare before.txt   # on another: exit 1 when any output differs

A change that must not change any output (a refactoring) is shown so: the sums before and after are equal.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EPOCH = "1794700800"  # 2026-11-15, as the tests use
PROJECT_FILES = ("publish.toml", "chapters", "translations", "layouts", "assets", "references.yaml", "jargon.txt")


def sums() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        for name in PROJECT_FILES:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, project / name)
            elif source.is_file():
                shutil.copy2(source, project / name)
        environment = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(project), "build", "--force"],
                       check=True, env=environment, stdout=subprocess.DEVNULL)
        dist = project / "dist"
        return {path.relative_to(dist).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(dist.rglob("*")) if path.is_file() and not path.name.startswith(".")}


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--compare", type=Path, help="a file of sums printed before: say which outputs differ")
    options = arguments.parse_args()
    now = sums()
    if options.compare is None:
        for name, digest in now.items():
            print(f"{digest}  {name}")
        return 0
    before = dict(reversed(line.split(None, 1)) for line in options.compare.read_text().splitlines() if line.strip())
    before = {name.strip().removeprefix("./"): digest for name, digest in before.items()}
    before = {name: digest for name, digest in before.items() if not Path(name).name.startswith(".")}
    differ = sorted(name for name in set(now) | set(before) if now.get(name) != before.get(name))
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(now) - len(differ)} of {len(set(now) | set(before))} outputs identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
