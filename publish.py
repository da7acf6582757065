#!/usr/bin/env python3
"""Build the patient handout: `python publish.py --help`."""
import sys

from handout.cli import main

if __name__ == "__main__":
    sys.exit(main())
