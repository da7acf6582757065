"""Where the command starts, as `publish.py` in a checkout and as the installed `handout` command
(pyproject.toml's [project.scripts]): a build with nothing to do is said from its no-op stamp (noop.py, standard
library only) before the command line, the build, WeasyPrint or the check rules are imported."""
from __future__ import annotations

import sys

from handout.app.noop import replay


def main() -> int:
    """The command line's exit status: the no-op stamp's, when it applies; otherwise the real command's."""
    status = replay(sys.argv[1:])
    if status is not None:
        return status
    try:
        from handout.app.cli import main as command_line  # the costly imports: only when there is work
    except ModuleNotFoundError as error:  # a Python without the toolchain's libraries (not .venv/bin/python)
        from handout.core.environment import is_ours, missing_module

        if is_ours(error):
            raise
        print(f"error: {missing_module(error.name)}", file=sys.stderr)
        return 2
    return command_line()
