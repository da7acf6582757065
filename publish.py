#!/usr/bin/env python3
"""Build the patient handout: `python publish.py --help`."""
import sys

if __name__ == "__main__":  # nothing to do since the last build: said before anything costly is imported
    from handout.app.noop import replay

    status = replay(sys.argv[1:])
    if status is not None:
        sys.exit(status)

try:
    from handout.app.cli import main
except ModuleNotFoundError as error:  # a Python without the toolchain's libraries (not .venv/bin/python)
    from handout.core.environment import is_ours, missing_module

    if is_ours(error):
        raise
    print(f"error: {missing_module(error.name)}", file=sys.stderr)
    sys.exit(2)

if __name__ == "__main__":
    sys.exit(main())
