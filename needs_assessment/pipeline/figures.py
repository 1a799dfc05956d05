"""Draw the chapters' figures before their kernels start, in processes forked from the driver.

The driver imports the charts (matplotlib, and shapely when the build has boundaries) once; each
worker inherits them, the measures' results and the build's map geography, and draws whole measures
(every chart a measure's data allows, and its LSOA choropleth) into the figure cache
(`content/figures.py`), keeping matplotlib's font and text caches warm from one figure to the next;
one task draws the area profile's map of the districts. The kernels then copy the PNGs instead of
each importing matplotlib and drawing its own. Figures already in the cache (same measures key) are
not drawn again. Nothing here can fail a build: a figure left undrawn is drawn by its chapter, which
reports any error with its cell.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..content.figures import FigureCache, measures_with_figures
from ..measures.store import PROFILE_FILE, load_area_profile, load_map_geography

DISTRICT_MAP = None     # the pool's task for the district map (the others are measure ids)

# (build folder, results key, results, map geography, area profile, area name) in workers
_FORKED: tuple | None = None


@dataclass
class FiguresDrawn:
    measures: int       # measures whose figures the chapters show
    drawn: int          # figures drawn now (the rest were in the cache)
    seconds: float


def _draw(cache: FigureCache, task: str | None, results: dict, maps, profile, area_name: str | None) -> None:
    if task is DISTRICT_MAP:
        cache.draw_district_map(maps, profile, area_name)
    else:
        cache.draw_measure(task, results[task], maps)


def _draw_in_worker(task: str | None) -> int:
    build_dir, key, results, maps, profile, area_name = _FORKED
    cache = FigureCache(build_dir, key)
    _draw(cache, task, results, maps, profile, area_name)
    return len(cache.drawn)


def draw_figures(build_dir: Path, chapter_measures: list[list[str]], results: dict,
                 jobs: int | None = None, area_name: str | None = None) -> FiguresDrawn:
    """Every figure of these chapters' measures into the build's figure cache, `jobs` at once, with
    their choropleths, and with `area_name` (the plan's area) the area profile's map of the districts."""
    global _FORKED
    start = time.perf_counter()
    cache = FigureCache(build_dir)
    if cache.key is None:
        return FiguresDrawn(0, 0, 0.0)
    cache.prune()
    measures = measures_with_figures(chapter_measures, results)
    # the costliest first (most rows behind the charts), so that no long one starts last
    measures.sort(key=lambda m: -_weight(results[m]))
    maps = _load_maps(build_dir)
    profile = load_area_profile(build_dir) if area_name and (Path(build_dir) / PROFILE_FILE).exists() else None
    tasks: list[str | None] = list(measures)
    if maps is not None and profile is not None:
        tasks.append(DISTRICT_MAP)
    from ..content import charts   # noqa: F401  imported before the fork, once for every worker
    if maps is not None and maps.geography is not None:
        import shapely  # noqa: F401, PLC0415  the maps' shapes, likewise

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            _draw(cache, task, results, maps, profile, area_name)
        return FiguresDrawn(len(measures), len(cache.drawn), time.perf_counter() - start)
    _FORKED = (Path(build_dir), cache.key, results, maps, profile, area_name)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            drawn = sum(pool.map(_draw_in_worker, tasks))
    except Exception:   # a worker that died: the chapters draw what is missing
        drawn = 0
    finally:
        _FORKED = None
    return FiguresDrawn(len(measures), drawn, time.perf_counter() - start)


def _load_maps(build_dir: Path):
    """The build's map geography (None without one, or if it cannot be read: the chapters then say why)."""
    try:
        return load_map_geography(build_dir)
    except Exception:   # noqa: BLE001 - a map left out is drawn, or explained, by its chapter
        return None


def _weight(result) -> int:
    extras = getattr(result, "extras", None) or {}
    return sum(len(frame) for frame in extras.values() if frame is not None)
