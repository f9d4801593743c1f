#!/usr/bin/env python3
"""Dialogue Search command line: `python index.py --help`."""

import sys

from indexer.cli import main

if __name__ == "__main__":
    sys.exit(main())
