"""What to say when the toolchain runs under a Python that lacks its libraries (the system's `python3` rather
than `.venv/bin/python`). Imports nothing beyond the standard library, so that publish.py can say it even when
the command line itself cannot be imported."""
from __future__ import annotations

import sys
from pathlib import Path


def is_ours(error: ModuleNotFoundError) -> bool:
    """A module of the toolchain itself is missing: that is our bug, not the environment."""
    return (error.name or "").split(".")[0] == __package__.split(".")[0]


def missing_module(name: str | None) -> str:
    """The message: which module is missing in which Python, and the command that uses the right one."""
    venv = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"
    command = f"{venv if venv.exists() else '.venv/bin/python'} publish.py"
    return (f"the Python module '{name}' is missing in {sys.executable}: this Python is not the toolchain's "
            f"environment. Run {command} ... (or `make`, which sets up .venv/), or install the toolchain into "
            "this Python with `pip install .`")
