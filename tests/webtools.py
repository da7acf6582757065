"""The web edition's validators, as installed by scripts/install-ace.sh: axe-core run in Debian's chromium
through puppeteer-core (tests/tools/webcheck.js), and the Nu Html Checker (vnu-jar) run with Java.

No pytest here but `require`: without the tools a test skips, except under CI (CI=true), where it fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEBCHECK = REPO / "tests" / "tools" / "webcheck.js"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = "/usr/lib/chromium/chromium"
INSTALL_HINT = "run `bash scripts/install-ace.sh` (chromium, node/npm, axe-core, puppeteer-core and vnu-jar)"


def missing() -> str | None:
    """What is missing to check a web page, or None."""
    for path in (AXE, VNU, REPO / "node_modules" / "puppeteer-core" / "package.json"):
        if not path.is_file():
            return f"{path.relative_to(REPO)} is not installed: {INSTALL_HINT}"
    if shutil.which("node") is None or not os.access(CHROMIUM, os.X_OK):
        return f"node or chromium is missing: {INSTALL_HINT}"
    if shutil.which("java") is None:
        return "java is missing (scripts/system-deps.sh --test installs it)"
    return None


def require() -> None:
    import pytest

    problem = missing()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(problem)
    pytest.skip(problem)


def webcheck(page: Path, widths=(320, 1280), schemes=("light", "dark"), screenshots=(), text_zoom=None,
             boxes: str = "") -> dict:
    """axe-core's WCAG 2.x A/AA violations, the page's overflow and its outside requests, per width and scheme;
    with `boxes` (a CSS selector), each run's boxes of the elements it matches and of their text. A screenshot is
    (width, scheme, file) or (width, scheme, file, selector): that element alone."""
    command = ["node", str(WEBCHECK), page.resolve().as_uri(), "--widths", ",".join(map(str, widths)),
               "--schemes", ",".join(schemes)]
    for width, scheme, file, *element in screenshots:
        command += ["--screenshot", ":".join((str(width), scheme, str(file), *element))]
    if boxes:
        command += ["--boxes", boxes]
    if text_zoom:
        command += ["--text-zoom", str(text_zoom)]
    with tempfile.TemporaryDirectory(prefix="wc", dir="/tmp") as scratch:  # a short path for chromium's socket
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO,
                                env={**os.environ, "TMPDIR": scratch, "HOME": scratch, "CHROMIUM": CHROMIUM})
    if result.returncode != 0:
        raise RuntimeError(f"webcheck failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def vnu(page: Path) -> list[dict]:
    """The Nu Html Checker's messages of type error (and non-document errors) for `page`."""
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", str(page)], capture_output=True,
                            text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [m for m in messages if m.get("type") in {"error", "non-document-error"}
            or m.get("subType") == "fatal"]
