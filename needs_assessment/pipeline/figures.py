"""Draw the chapters' figures before their kernels start, in processes forked from the driver.

The driver imports the charts (matplotlib) once; each worker inherits them, and the measures'
results, and draws whole measures (every chart a measure's data allows) into the figure cache
(`content/figures.py`), keeping matplotlib's font and text caches warm from one figure to the next.
The kernels then copy the PNGs instead of each importing matplotlib and drawing its own. Figures
already in the cache (same measures key) are not drawn again. Nothing here can fail a build: a
figure left undrawn is drawn by its chapter, which reports any error with its cell.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..content.figures import FigureCache, measures_with_figures

_FORKED: tuple[Path, str | None, dict] | None = None     # (build folder, results key, results) in workers


@dataclass
class FiguresDrawn:
    measures: int       # measures whose figures the chapters show
    drawn: int          # figures drawn now (the rest were in the cache)
    seconds: float


def _draw_in_worker(measure_id: str) -> int:
    build_dir, key, results = _FORKED
    cache = FigureCache(build_dir, key)
    cache.draw_measure(measure_id, results[measure_id])
    return len(cache.drawn)


def draw_figures(build_dir: Path, chapter_measures: list[list[str]], results: dict,
                 jobs: int | None = None) -> FiguresDrawn:
    """Every figure of these chapters' measures into the build's figure cache, `jobs` at once."""
    global _FORKED
    start = time.perf_counter()
    cache = FigureCache(build_dir)
    if cache.key is None:
        return FiguresDrawn(0, 0, 0.0)
    cache.prune()
    measures = measures_with_figures(chapter_measures, results)
    # the costliest first (most rows behind the charts), so that no long one starts last
    measures.sort(key=lambda m: -_weight(results[m]))
    from ..content import charts   # noqa: F401  imported before the fork, once for every worker

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(measures)))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        drawn = 0
        for m in measures:
            before = len(cache.drawn)
            cache.draw_measure(m, results[m])
            drawn += len(cache.drawn) - before
        return FiguresDrawn(len(measures), drawn, time.perf_counter() - start)
    _FORKED = (Path(build_dir), cache.key, results)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            drawn = sum(pool.map(_draw_in_worker, measures))
    except Exception:   # a worker that died: the chapters draw what is missing
        drawn = 0
    finally:
        _FORKED = None
    return FiguresDrawn(len(measures), drawn, time.perf_counter() - start)


def _weight(result) -> int:
    extras = getattr(result, "extras", None) or {}
    return sum(len(frame) for frame in extras.values() if frame is not None)
