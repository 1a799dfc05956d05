#!/usr/bin/env python3
"""The one entry point: `python build.py --help`.

params/<cycle>.yml -> data/ -> notebooks/ (papermill) -> _build/<cycle>/book (Quarto) -> _output/<cycle>/
"""

import sys

from needs_assessment.cli import main

if __name__ == "__main__":
    sys.exit(main())
