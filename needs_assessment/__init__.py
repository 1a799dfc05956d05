"""Police and Crime Plan needs assessment generator.

The pipeline, one sub-package per stage:
params (params.py) -> data (datasets/) -> measures (measures/) -> notebooks (chapters.py, run by
build/runner.py) -> book (build/book.py) -> publication (render/, build/publish.py).
"""

__version__ = "0.1.0"
