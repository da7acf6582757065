"""Run DAISY Ace (the EPUB accessibility checker) offline, as installed by scripts/install-ace.sh.

Ace comes from npm (`@daisy/ace`, pinned in package.json) into the repository's node_modules/, installed with
`--ignore-scripts` so that neither Electron nor puppeteer downloads a browser. Its `ace` command is the Electron
build (whose binary is never downloaded); the one used here is `ace-puppeteer` (the `@daisy/ace-cli` runner),
which drives Debian's `chromium` through puppeteer:

* PUPPETEER_EXECUTABLE_PATH names the browser. Ace's runner hard-codes `--no-sandbox --disable-setuid-sandbox`
  (needed as root) and offers no way to add launch flags, and Debian's /usr/bin/chromium wrapper ignores a
  CHROMIUM_FLAGS from the environment (it also adds flags of its own and prints shell errors from
  /etc/chromium.d). So the executable given to puppeteer is a two-line shell script, written into the run's own
  folder, that execs the real binary (/usr/lib/chromium/chromium) with CHROMIUM_EXTRA_FLAGS below.
* ACE_TIMEOUT_INITIAL raises the browser's launch timeout from Ace's 5 s, which a loaded 2-core machine can miss.
* HOME and XDG_* point inside `out_dir`: Ace keeps a config folder and a log there (env-paths "DAISY Ace").
  TMPDIR (where Ace unzips the EPUB and puppeteer puts chromium's throw-away profile) is a short new folder
  under /tmp, removed afterwards: chromium dies ("Socket path too long") when the path of its SingletonSocket
  passes the 107-byte limit of a Unix socket, which a pytest tmp_path easily does.

No pytest here: the tests decide what a missing Ace means (skip, or fail under CI).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ACE_JS = REPO / "node_modules" / "@daisy" / "ace" / "bin" / "ace-puppeteer.js"
INSTALL_HINT = "run `bash scripts/install-ace.sh` (as root on Debian: chromium, node/npm and node_modules/@daisy/ace)"

# Added to puppeteer's defaults (which already include --disable-background-networking, --no-first-run,
# --disable-sync, --disable-dev-shm-usage, --headless=new) and to Ace's --no-sandbox --disable-setuid-sandbox.
CHROMIUM_EXTRA_FLAGS = (
    "--disable-gpu",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--no-default-browser-check",
    "--no-pings",
)
DEFAULT_TIMEOUT = 300  # seconds for one whole Ace run (a few seconds for a small book)


def chromium_path() -> str | None:
    """The browser Ace will drive: $PUPPETEER_EXECUTABLE_PATH if set, else Debian's chromium."""
    candidates = [os.environ.get("PUPPETEER_EXECUTABLE_PATH"), "/usr/lib/chromium/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def ace_command() -> list[str] | None:
    """The command that runs Ace (`node …/ace-puppeteer.js`), or None when Ace, node or chromium is missing."""
    node = shutil.which("node")
    if node is None or not ACE_JS.is_file() or chromium_path() is None:
        return None
    return [node, str(ACE_JS)]


def ace_version() -> str | None:
    """Ace's version as installed (from its package.json), or None."""
    package = ACE_JS.parent.parent / "package.json"
    if not package.is_file():
        return None
    return json.loads(package.read_text(encoding="utf-8")).get("version")


def _environment(work: Path, tmp: Path) -> dict[str, str]:
    chromium = chromium_path()
    if chromium is None:
        raise RuntimeError(f"chromium not found: {INSTALL_HINT}")
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    wrapper = work / "chromium"
    flags = " ".join(CHROMIUM_EXTRA_FLAGS)
    wrapper.write_text(f'#!/bin/sh\nexec "{chromium}" {flags} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("PUPPETEER_", "ACE_", "XDG_")) and k not in {"NODE_ENV", "DEBUG_PROD"}}
    environment.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TMPDIR": str(tmp),
        "PUPPETEER_EXECUTABLE_PATH": str(wrapper),
        "PUPPETEER_SKIP_DOWNLOAD": "true",
        "PUPPETEER_DANGEROUS_NO_SANDBOX": "true",  # Ace adds --no-sandbox itself; this covers a future runner
        "ACE_TIMEOUT_INITIAL": "60000",  # ms to launch the browser (Ace's default: 5000)
    })
    return environment


def run_ace(epub_path, out_dir, timeout: float = DEFAULT_TIMEOUT, lang: str = "en") -> dict:
    """Run Ace on `epub_path` with `-o out_dir --force` and return the parsed out_dir/report.json.

    Ace also writes report.html, data/ and js/ into out_dir; its home, temporary files, log and the browser
    wrapper go to out_dir/.ace/. Raises RuntimeError (with Ace's output and log) when Ace is missing, fails,
    times out or writes no report. Ace exits 0 whether or not the book has violations: read them with
    `violations(report)`.
    """
    command = ace_command()
    if command is None:
        raise RuntimeError(f"DAISY Ace is not installed: {INSTALL_HINT}")
    epub_path, out_dir = Path(epub_path).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".ace"
    report = out_dir / "report.json"
    report.unlink(missing_ok=True)
    argv = [*command, "--force", "--lang", lang, "--timeout", str(int(timeout * 1000)),
            "--outdir", str(out_dir), "--tempdir", str(work / "reports"), str(epub_path)]
    tmp = Path(tempfile.mkdtemp(prefix="ace-", dir="/tmp" if os.path.isdir("/tmp") else None))
    try:
        environment = _environment(work, tmp)
        process = subprocess.Popen(argv, cwd=out_dir, env=environment, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # node and the chromium it started: their own process group
            stdout, stderr = process.communicate()
            raise RuntimeError(f"Ace timed out after {timeout} s on {epub_path}\n{_details(stdout, stderr, work)}")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if process.returncode != 0 or not report.is_file():
        raise RuntimeError(f"Ace failed (exit {process.returncode}) on {epub_path}\n{_details(stdout, stderr, work)}")
    return json.loads(report.read_text(encoding="utf-8"))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _details(stdout: str, stderr: str, work: Path) -> str:
    logs = ", ".join(str(p) for p in sorted((work / "home").rglob("ace-cli*.log")))
    text = f"stdout:\n{stdout.strip()}\nstderr:\n{stderr.strip()}\nAce's log: {logs or 'none'}"
    return _ANSI.sub("", text)


def violations(report: dict) -> list[dict]:
    """Every violation in an Ace report, flattened as Ace's own HTML report does.

    report.json's "assertions" holds one earl:assertion per checked file (the package document, each content
    document) that has failures; its own "assertions" are the failed checks (Ace lists no passes). Each becomes
    {"rule": "metadata-accessmode" / axe rule id, "impact": "minor|moderate|serious|critical",
     "file": "EPUB/package.opf", "location": file + "#epubcfi(...)" when Ace has a pointer,
     "description": Ace's text, "engine": "Ace" or "aXe", "ruleset_tags": [...], "html": snippet or None,
     "help_url": knowledge-base link}.
    """
    flat = []
    for subject in report.get("assertions", []):
        file = subject.get("earl:testSubject", {}).get("url", "")
        for item in subject.get("assertions", []):
            test, result = item.get("earl:test", {}), item.get("earl:result", {})
            if result.get("earl:outcome", "fail") != "fail":
                continue
            descriptions = [result.get("dct:description"), test.get("dct:description"),
                            test.get("help", {}).get("dct:description")]
            location = file
            cfi = (result.get("earl:pointer") or {}).get("cfi")
            if cfi:
                location += f"#epubcfi({cfi[0] if isinstance(cfi, list) else cfi})"
            flat.append({
                "rule": test.get("dct:title"),
                "impact": test.get("earl:impact"),
                "file": file,
                "location": location,
                "description": "\n".join(d.strip() for d in descriptions if d and d.strip()),
                "engine": item.get("earl:assertedBy"),
                "ruleset_tags": test.get("rulesetTags", []),
                "html": result.get("html"),
                "help_url": test.get("help", {}).get("url"),
            })
    return flat


def metadata(report: dict) -> dict:
    """The accessibility metadata as Ace read it from the package document.

    Returns {"present": [...], "missing": [...], "empty": [...], "values": {...}, "links": {...}}:
    * present/missing/empty come from report.json's "a11y-metadata": Ace sorts its list of properties
      (schema:accessMode, schema:accessibilityFeature, schema:accessibilityHazard, schema:accessibilitySummary,
      schema:accessModeSufficient, a11y:certifiedBy, a11y:certifierCredential, a11y:certifierReport,
      dcterms:conformsTo; schema:accessibilityAPI/Control only when present) by whether the OPF has them.
    * values is report.json's "earl:testSubject"."metadata": every <meta property> and dc: element, keyed by
      property ("schema:accessMode": "textual", or a list when repeated; dc:title, dcterms:modified, ...).
    * links is "earl:testSubject"."links": <link rel> values (e.g. dcterms:conformsTo as a URL, a11y:certifierReport).
    """
    found = report.get("a11y-metadata", {})
    subject = report.get("earl:testSubject", {})
    return {
        "present": list(found.get("present", [])),
        "missing": list(found.get("missing", [])),
        "empty": list(found.get("empty", [])),
        "values": dict(subject.get("metadata", {})),
        "links": dict(subject.get("links", {})),
    }
