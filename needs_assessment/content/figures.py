"""Figures drawn once, cached by content: what a chapter shows is drawn before its kernel starts.

Every chart is a function of one measure's result (or of the area profile), and the measures stage
writes them all with one content key (`measures/results.key`: a hash of the params that matter, every
data file's hash and the package code). A figure's cache key is that key plus what it draws (the
measure and the kind of chart), so the same chart in two chapters, a rebuild of a chapter whose text
changed, or an analyst re-running a notebook in Jupyter reuses the PNG instead of drawing it again.

The build draws every figure its chapters will ask for in a process pool forked from the driver
(`pipeline/figures.py`), where matplotlib is imported once and its font and text caches stay warm
across figures: the charts, the LSOA choropleths and the district map (from the map geography the
measures stage saved in the build folder); a chapter's kernel then only copies PNGs, so it never
imports matplotlib or shapely. A figure
the cache lacks (a new kind of chart, a notebook run on its own) is drawn in the kernel and cached,
so the result is the same either way.

The cache: `_build/<cycle>/figures/<results key>/<measure>/<kind>.png` with `<kind>.json` (title,
subtitle, alt text, source, notes) and `<kind>.data.pkl` (the data behind it), and `charts.json`
(the kinds of chart the measure's data allows). Entries of other results keys are removed when the
build draws (`prune`).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import pandas as pd

from ..measures.store import RESULTS_FILE
from .chart import Chart

if TYPE_CHECKING:   # the result type only: importing the measures' results is cheap, charts are not
    from ..measures.result import MeasureResult

FIGURES_DIR = "figures"
AVAILABLE_FILE = "charts.json"


_META_FIELDS = ("title", "subtitle", "alt_text", "caption", "source", "kind", "notes")


def results_key(build_dir: Path) -> str | None:
    """The content key of the measures the build folder holds (None before the measures stage)."""
    try:
        return (Path(build_dir) / RESULTS_FILE).with_suffix(".key").read_text().strip() or None
    except OSError:
        return None


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside `path`, so a reader never sees half a file and two
    writers of the same entry (a build and a notebook in Jupyter) cannot mix theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class FigureCache:
    """The figures of one build folder's measures, keyed by the measures' content key."""

    def __init__(self, build_dir: Path, key: str | None = None):
        self.build_dir = Path(build_dir)
        self.key = key if key is not None else results_key(self.build_dir)
        self.drawn: list[tuple[str, str]] = []      # (measure or namespace, kind) drawn by this object

    @property
    def root(self) -> Path:
        return self.build_dir / FIGURES_DIR

    def folder(self, name: str) -> Path | None:
        """Where the figures drawn from `name` (a measure id) are kept; None without a key (the
        measures were not written by the stage), when nothing is cached."""
        return self.root / self.key / name if self.key else None

    # --- which charts a measure's data allows ------------------------------------------------------
    def available(self, measure_id: str, result: "MeasureResult") -> list[str]:
        folder = self.folder(measure_id)
        if folder is not None:
            try:
                return json.loads((folder / AVAILABLE_FILE).read_text())
            except (OSError, ValueError):
                pass
        from . import charts

        kinds = charts.available_charts(result)
        if folder is not None:
            _write_atomic(folder / AVAILABLE_FILE, lambda p: p.write_text(json.dumps(kinds)))
        return kinds

    # --- one chart --------------------------------------------------------------------------------
    def chart(self, name: str, kind: str, result, draw: Callable[[object, Path], Chart] | None = None) -> Chart:
        """The chart `kind` of `result` (a measure's result, or whatever `draw` takes), from the cache
        or drawn now and cached. `draw(result, path)` defaults to the chart function of that kind
        (`charts.CHART_FUNCTIONS`). The returned chart's PNG is the cached file: copy it, never move it."""
        cached = self.cached(name, kind)
        if cached is not None:
            return cached
        if draw is None:
            from . import charts
            draw = charts.CHART_FUNCTIONS[kind]
        folder = self.folder(name)
        if folder is None:      # nowhere to keep it: draw into a scratch file the caller moves
            scratch = Path(tempfile.mkdtemp(prefix="figure-"))
            return draw(result, scratch / f"{kind}.png")
        png = folder / f"{kind}.png"
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}.", suffix=".png", dir=folder)
        os.close(fd)
        try:
            chart = draw(result, Path(tmp))
            os.replace(tmp, png)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        chart.path = png
        _write_atomic(folder / f"{kind}.data.pkl", lambda p: chart.data.to_pickle(p))
        meta = {f: getattr(chart, f) for f in _META_FIELDS}
        # the metadata last: an entry is complete when its JSON is there
        _write_atomic(folder / f"{kind}.json", lambda p: p.write_text(json.dumps(meta)))
        self.drawn.append((name, kind))
        return chart

    def cached(self, name: str, kind: str) -> Chart | None:
        folder = self.folder(name)
        if folder is None:
            return None
        try:
            meta = json.loads((folder / f"{kind}.json").read_text())
            data = pd.read_pickle(folder / f"{kind}.data.pkl")
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            return None
        png = folder / f"{kind}.png"
        if not png.is_file():
            return None
        return Chart(path=png, data=data, **meta)

    # --- the whole set, for the build -------------------------------------------------------------
    def draw_measure(self, measure_id: str, result: "MeasureResult", maps=None) -> list[str]:
        """Every chart the measure's data allows, drawn unless cached, and with `maps` (the build's
        geography.MapAvailability) its LSOA choropleth when its chapter shows one. Returns the kinds
        of chart (not the map). A chart that fails is left undrawn here: the chapter draws it again
        and reports the error."""
        kinds = self.available(measure_id, result)
        for kind in kinds:
            try:
                self.chart(measure_id, kind, result)
            except Exception:   # the chapter's own attempt reports it, with its cell
                continue
        if maps is not None:
            from . import maps as map_content
            try:
                if map_content.choropleth_applies(result) and map_content.choropleth_reason(result, maps) is None:
                    self.chart(measure_id, map_content.CHOROPLETH, result,
                               draw=choropleth_drawer(maps.geography))
            except Exception:   # as above: the chapter reports it
                pass
        return kinds

    def draw_district_map(self, maps, profile: pd.DataFrame, area_name: str) -> bool:
        """The area profile's map of the districts, unless cached, when the build has district outlines
        and the profile is a force's (a district's own assessment shows none). Returns whether there is one."""
        from . import maps as map_content
        if map_content.district_map_reason(maps) is not None or not (profile["area_type"] == "district").any():
            return False
        try:
            self.chart(map_content.AREA_PROFILE, map_content.district_map_kind(area_name), None,
                       draw=district_map_drawer(maps.geography, profile, area_name))
        except Exception:   # the chapter draws it again and reports the error
            return False
        return True

    def prune(self) -> None:
        """Remove the figures of other measures' keys (earlier builds' figures)."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name != self.key:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def choropleth_drawer(geography) -> Callable:
    """The figure cache's draw function for a measure's choropleth on this geography."""
    def draw(result: "MeasureResult", path):
        from .charts.choropleth import choropleth_map   # noqa: PLC0415 - matplotlib only to draw
        return choropleth_map(result, geography, path)
    return draw


def district_map_drawer(geography, profile: pd.DataFrame, area_name: str) -> Callable:
    """The figure cache's draw function for the district map (it draws no measure: the first
    argument is ignored)."""
    def draw(_, path):
        from .charts.choropleth import district_map   # noqa: PLC0415
        return district_map(geography, profile, path, area_name=area_name)
    return draw


def measures_with_figures(chapter_measures: Iterable[Iterable[str]], results: dict) -> list[str]:
    """The measures whose charts the chapters show, each once, in first-seen order."""
    seen: dict[str, None] = {}
    for measures in chapter_measures:
        for m in measures:
            if m in results:
                seen.setdefault(m, None)
    return list(seen)
