"""Datasets stage: the published data files in, validated, tidied and cached.

Public API
----------
detect_format(path) -> str                       the format of a file, from its header row
resolve_dataset(name, params, project_root)      -> Release (which files, which release, their BLAKE3 hashes)
load_dataset(name, params, project_root, cache_dir=None) -> LoadedDataset (frames, rows, months ...)
load_paths(format, paths, params=None, ...)      -> LoadedDataset for files/folders/zips given directly
load_<format>(paths, params=None, ...)           -> DataFrame (stats19: dict of three DataFrames)
killed_or_seriously_injured(casualties) -> int   STATS19 casualty_severity 1 or 2

Every problem with a file raises `needs_assessment.common.errors.DataFileError` naming the file, the line
(as an editor shows it: the header is line 1), the column and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..common.errors import DataFileError
from .formats import FORMATS, format_names
from .loaders import LOADER_VERSION, LoadContext, killed_or_seriously_injured
from .readers import Source, sniff
from .registry import (LoadedDataset, Release, SourceFile, default_cache_dir, load_dataset, load_paths,
                       resolve_dataset)
from .validation import DataValidationError

__all__ = [
    "FORMATS", "LOADER_VERSION", "DataFileError", "DataValidationError", "LoadContext", "LoadedDataset", "Release",
    "SourceFile", "default_cache_dir", "detect_format", "detect_table", "format_names", "killed_or_seriously_injured",
    "load_census_ethnicity", "load_census_households", "load_dataset", "load_home_office_999",
    "load_home_office_prc_csp", "load_home_office_prc_pfa", "load_imd_lsoa", "load_indicator_template",
    "load_ons_population_area", "load_ons_population_lsoa", "load_paths", "load_police_uk_outcomes",
    "load_police_uk_stop_search", "load_police_uk_street", "load_stats19", "resolve_dataset",
]


def detect_table(path: str | Path) -> tuple[str, str]:
    """(format, table) of a CSV/ODS/XLSX file, recognised from its header row (not its name)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "the file does not exist", expected="a data file")
    found = sniff(Source(path, None, str(path)))
    if found.empty:
        raise DataFileError(path, "the file is empty", expected="a header row and at least one row of data")
    if found.match is None:
        raise DataFileError(path, "the header row does not match any dataset format this build reads",
                            row=found.header_line, found=",".join(found.header)[:200],
                            expected="the header of one of the formats in data/README.md")
    return found.match.spec.format, found.match.spec.table


def detect_format(path: str | Path) -> str:
    """The format name of a file ('police_uk_street', 'stats19', ...), from its header row."""
    return detect_table(path)[0]


def _one(fmt: str):
    def load(paths, params=None, *, cache_dir=None, filter_force: bool = True) -> pd.DataFrame:
        return load_paths(fmt, paths, params, cache_dir=cache_dir, filter_force=filter_force).frame
    load.__name__ = f"load_{fmt}"
    load.__doc__ = (f"Load {FORMATS[fmt][0].label.split(' ', 1)[1]} files (a file, a folder, a zip or a list "
                    f"of them) into one validated DataFrame.")
    return load


load_police_uk_street = _one("police_uk_street")
load_police_uk_outcomes = _one("police_uk_outcomes")
load_police_uk_stop_search = _one("police_uk_stop_search")
load_home_office_prc_csp = _one("home_office_prc_csp")
load_home_office_prc_pfa = _one("home_office_prc_pfa")
load_home_office_999 = _one("home_office_999")
load_ons_population_lsoa = _one("ons_population_lsoa")
load_ons_population_area = _one("ons_population_area")
load_imd_lsoa = _one("imd_lsoa")
load_census_ethnicity = _one("census_ethnicity")
load_census_households = _one("census_households")
load_indicator_template = _one("indicator_template")


def load_stats19(paths, params=None, *, cache_dir=None, filter_force: bool = True) -> dict[str, pd.DataFrame]:
    """STATS19 collision, casualty and vehicle files -> {"collisions", "casualties", "vehicles"}.

    With params, collisions are filtered to area.stats19_police_force and casualties/vehicles to
    those collisions; collisions and casualties get a `month`.
    """
    return load_paths("stats19", paths, params, cache_dir=cache_dir, filter_force=filter_force).frames
