"""Where the measures stage leaves its results for the chapter notebooks to read.

Kept apart from the engine so that a notebook kernel imports only what it displays with (no scipy,
no pandera): every kernel pays for its imports.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd

from .result import MeasureResult

RESULTS_FILE = "measures/results.pkl"
PROFILE_FILE = "measures/area-profile.pkl"
MAP_FILE = "measures/map-geography.pkl"     # geography.MapAvailability: the maps' areas, or why none


def save_measure_results(build_dir: Path, results: dict[str, MeasureResult], profile: pd.DataFrame) -> None:
    path = Path(build_dir) / RESULTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(results, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    profile.to_pickle(Path(build_dir) / PROFILE_FILE)


def load_measure_results(build_dir: Path) -> dict[str, MeasureResult]:
    with open(Path(build_dir) / RESULTS_FILE, "rb") as fh:
        return pickle.load(fh)


def load_area_profile(build_dir: Path) -> pd.DataFrame:
    return pd.read_pickle(Path(build_dir) / PROFILE_FILE)


def save_map_geography(build_dir: Path, availability) -> None:
    with open(Path(build_dir) / MAP_FILE, "wb") as fh:
        pickle.dump(availability, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_map_geography(build_dir: Path):
    """The build's geography.MapAvailability (None from a build that made none)."""
    path = Path(build_dir) / MAP_FILE
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)
