"""The package's layers (docs/architecture.md): imports run one way, and the package installs whole."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "handout"


def test_the_layers_contract_holds():
    """import-linter's contracts in pyproject.toml: a new upward import (or a target imported by the registry)
    fails here."""
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(command), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_contract_names_every_layer_of_the_package():
    """Every subpackage of handout/ is a layer of the contract (a new one must be placed in the order)."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(contract["layers"] for contract in settings if contract["type"] == "layers")
    subpackages = {f"handout.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    modules = {f"handout.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert subpackages | modules == set(layers)


def test_every_package_is_installed():
    """pyproject.toml lists the packages (the theme is mapped from the repository's root, which setuptools'
    `find` cannot express): a subpackage missing there is missing from an installed toolchain."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(REPO).parts) for path in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
    assert listed - found == {"handout.builtin_theme"}


def test_no_import_is_deferred_to_break_a_circle():
    """An import inside a function is a heavy one kept off a path that does not need it, and says so: the
    modules allowed to defer each name what they import late."""
    allowed = {
        "handout/app/cli.py": {"handout.app.scaffold", "handout.app.watch", "handout.check",
                               "handout.targets.pdf.sheetfit", "handout.config.settings", "handout.load.translations",
                               "handout.build.run", "handout.build.plan", "handout.app.progress"},
        "handout/app/noop.py": {"handout.core.store"},  # only to write a stamp: entry.py reads one first
        # The command line, only when the no-op stamp does not apply (publish.py, the installed `handout`).
        "handout/app/entry.py": {"handout.app.cli", "handout.core.environment"},
        "handout/build/run.py": {"handout.check", "handout.load.book", "handout.targets.pdf.render",
                                 "handout.check.translations"},
        "handout/build/pool.py": {"handout.targets.pdf", "handout.targets.pdf.render"},
        "handout/check/jargon.py": {"handout.load.book"},
        # A library's commands: the build (and the renderers behind it), every check rule and the translations'
        # reader only for the commands that use them (`status` on 100 handouts imports no renderer); the planner
        # only for `plan`.
        "handout/library/commands.py": {"handout.check", "handout.library.build", "handout.library.status",
                                        "handout.library.plan"},
        "handout/check/project.py": {"handout.load.book"},
        "handout/check/reading_level.py": {"handout.check.readability"},
        "handout/check/translations.py": {"handout.load.translations"},
        "handout/load/translate_io/command.py": {"handout.load.translate_io.exchange"},
    }
    deferred: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("handout"):
                    deferred.setdefault(path.relative_to(REPO).as_posix(), set()).add(node.module)
    for name, modules in deferred.items():
        assert modules <= allowed.get(name, set()), f"{name} imports {sorted(modules - allowed.get(name, set()))} late"
