#!/usr/bin/env python3
"""Build the patient handout: `python publish.py --help`."""
import sys

from handout.app.entry import main  # says a no-op from its stamp before importing anything costly

if __name__ == "__main__":
    sys.exit(main())
