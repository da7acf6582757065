"""Every diagnostic code is declared once (handout/core/codes.py), and every declared code is used."""
from __future__ import annotations

import ast
import re

from conftest import REPO
from handout.core.codes import CODES, REPORTED_AS_FINDINGS

KINDS = ("input", "config", "sandbox", "build", "checks", "citations", "images", "jargon", "links", "numbers",
         "placeholders", "reading-level", "review", "sheet", "structure", "translation", "translations")
CODE = re.compile(rf"^(?:{'|'.join(map(re.escape, KINDS))})\.[a-z]+(?:-[a-z]+)*$")
FILE_NAMES = {"build.json", "sheet.html", "jargon.txt"}  # strings of the package that look like codes and are file names
# Codes made from a rule's name (`f"{name}.not-applied"`, check/jargon.py): the rules that make them.
MADE = {"jargon.not-applied", "numbers.not-applied"}


def _used() -> set[str]:
    found = set()
    for path in (REPO / "handout").rglob("*.py"):
        if path.name == "codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value) \
                    and node.value not in FILE_NAMES:
                found.add(node.value)
    return found | MADE


def test_every_code_the_package_uses_is_declared():
    undeclared = sorted(_used() - set(CODES))
    assert not undeclared, f"declare these in handout/core/codes.py: {undeclared}"


def test_every_declared_code_is_used():
    unused = sorted(set(CODES) - _used() - {"input"})
    assert not unused, f"declared in handout/core/codes.py but used nowhere: {unused}"


def test_the_codes_check_reports_from_a_book_that_did_not_load_are_declared():
    assert REPORTED_AS_FINDINGS <= set(CODES)
    assert all(CODES[code] for code in CODES)
