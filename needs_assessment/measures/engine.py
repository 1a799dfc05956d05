"""Compute every plan measure from its definition in the params file.

A measure is made in three steps:
1. `monthly_counts`: the source dataset, filtered as the definition says, counted by month and area
   (the force and its districts; for Home Office force tables, the most similar group's forces);
2. denominators: resident population or households (rates), or the cases (proportions);
3. `summarise`: the latest 12 months, the previous 12 months and the baseline window, with the
   interval, the comparison against a benchmark and the status against the target.
"""

from __future__ import annotations

import multiprocessing
import re
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..common.months import count_phrase, months_field, step_for
from ..common.errors import NeedsAssessmentError
from ..params import AtLeast, Measure, Params
from . import comparison, disclosure, intervals
from .coverage import coverage_sentences  # noqa: F401 - the build and `build.py data` use it from here
from .result import SUMMARY_COLUMNS, MeasureResult, cadence

MONTHLY_COLUMNS = ["month", "area", "area_type", "count", "denominator"]
UNKNOWN_DISTRICT = "Unknown district"


class MeasureError(NeedsAssessmentError):
    """A measure cannot be computed from the data given (the message says which and why)."""

    def __init__(self, message: str, details: str | None = None):
        super().__init__(message)
        self.details = details      # the traceback of an unexpected error, for the log (never printed)


class MeasureNotAvailable(MeasureError):
    """The data a measure needs is absent (no files, or no rows for the force): the measure is
    published as not available, with this message as the reason, and the build goes on."""


@dataclass
class Sources:
    """The loaded datasets the engine reads: name -> {part: DataFrame}. Loading is someone else's job.

    `unavailable` names the datasets of the params file that could not be used, with the reason in
    words (no files at the path, no files for the force); `files` the files each dataset was read from,
    for error messages."""
    frames: dict[str, dict[str, pd.DataFrame]]
    formats: dict[str, str]
    unavailable: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def months(self, dataset: str) -> tuple[list[pd.Period], dict[str, list[pd.Period]]]:
        """The months the dataset has rows for (any force), and per force where a table names forces."""
        from ..datasets.registry import months_by_force   # the loaders' own rule, imported only here

        cache = self.__dict__.setdefault("_months", {})    # once per dataset, not once per measure
        if dataset in cache:
            return cache[dataset]
        frames = self.frames[dataset]
        every: set = set()
        for df in frames.values():
            if "month" in df.columns and len(df):
                every.update(m for m in df["month"].dropna().unique())
        cache[dataset] = (sorted(every), months_by_force(frames))
        return cache[dataset]

    def get(self, dataset: str, part: str | None = None) -> pd.DataFrame:
        if dataset in self.unavailable or dataset not in self.frames:
            raise MeasureNotAvailable(self.unavailable.get(dataset) or f"the dataset '{dataset}' was not loaded")
        parts = self.frames[dataset]
        if part is None:
            if len(parts) != 1:
                raise MeasureError(f"dataset '{dataset}' has parts {sorted(parts)}; say which one")
            return next(iter(parts.values()))
        return parts[part]


# --- step 1: monthly counts ----------------------------------------------------------------------

def _apply_filter(df: pd.DataFrame, flt: dict, where: str, keep: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows matching the filter. With `keep`, only those columns (and the filter's) come along:
    each row filter copies every column it keeps, and a street-level frame of a large force is
    millions of rows of text no count reads."""
    for column in flt:
        if column not in df.columns:
            raise MeasureError(f"{where}: filter column '{column}' is not in the data "
                               f"(columns: {', '.join(map(str, df.columns))})")
    if keep is not None:
        wanted = set(keep) | set(flt)
        df = df[[c for c in df.columns if c in wanted]]
    for column, allowed in flt.items():
        df = df[df[column].isin(allowed)]
    return df


# The street-level columns the measures read besides their filters': counts by month and LSOA, and
# the maps' points and names.
STREET_COUNTED = ("month", "lsoa_code")
STREET_MAPPED = ("month", "lsoa_code", "lsoa_name", "longitude", "latitude")


LSOA_NAME_AUTHORITY = re.compile(r"^(?P<authority>.*\S)\s+\d{3}[A-Z]$")   # "Kingston upon Hull 010B"


def _frames_of(sources: Sources, fmt: str) -> list[pd.DataFrame]:
    """The main frame of every usable dataset of format `fmt`."""
    return [next(iter(sources.frames[n].values())) for n, f in sources.formats.items()
            if f == fmt and n in sources.frames and n not in sources.unavailable and sources.frames[n]]


def optional_frame(sources: Sources, fmt: str) -> pd.DataFrame | None:
    """The first usable dataset of a format the build can do without (population, IMD, Census)."""
    frames = _frames_of(sources, fmt)
    return frames[0] if frames else None


def lsoa_district_lookup(sources: Sources, params: Params) -> pd.Series:
    """LSOA code -> local authority (district) name, from the best source there is for each code:
    the ONS LSOA population estimates (latest year), then the IMD 2019 file's local authority
    columns, then the authority in police.uk's `LSOA name` (`Elmbridge 001A` -> Elmbridge).
    Computed once per Sources (forked measure workers inherit it)."""
    if "district_lookup" in sources._memo:
        return sources._memo["district_lookup"]
    parts = []
    for pop in _frames_of(sources, "ons_population_lsoa"):
        latest = pop[pop["year"] == pop["year"].max()]
        parts.append(latest.drop_duplicates("lsoa_code").set_index("lsoa_code")["lad_name"])
    for imd in _frames_of(sources, "imd_lsoa"):
        if "lad_name" in imd.columns:
            parts.append(imd.dropna(subset=["lad_name"]).drop_duplicates("lsoa_code")
                         .set_index("lsoa_code")["lad_name"])
    for fmt in ("police_uk_street", "police_uk_outcomes"):
        for df in _frames_of(sources, fmt):
            if {"lsoa_code", "lsoa_name"} <= set(df.columns) and len(df):
                named = df[["lsoa_code", "lsoa_name"]].dropna().drop_duplicates("lsoa_code")
                authority = named["lsoa_name"].astype(str).str.extract(LSOA_NAME_AUTHORITY)["authority"]
                parts.append(pd.Series(authority.to_numpy(), index=named["lsoa_code"].to_numpy()).dropna())
    lookup = pd.Series(dtype="object")
    for part in parts:    # earlier sources win for a code they both know
        part = part.astype("object")
        lookup = part if lookup.empty else pd.concat([lookup, part[~part.index.isin(lookup.index)]])
    lookup = lookup[~lookup.index.duplicated()]
    sources._memo["district_lookup"] = lookup
    return lookup


NO_LSOA = "(no LSOA)"
OTHER_AUTHORITY_UNKNOWN = "(LSOA of an unknown authority)"


def district_coverage(sources: Sources, params: Params) -> dict[str, dict]:
    """For each dataset whose records carry an LSOA (police.uk street, STATS19 collisions): how many
    records are in the params' districts, how many in LSOAs of other authorities (and which), how
    many have no LSOA. The latter two count in the force total but in no district."""
    lookup = lsoa_district_lookup(sources, params)
    out = {}
    for name, fmt in sources.formats.items():
        if name in sources.unavailable or name not in sources.frames:
            continue
        if fmt == "police_uk_street":
            codes = sources.frames[name].get("street", pd.DataFrame()).get("lsoa_code")
            what = "street-level records"
        elif fmt == "stats19":
            codes = sources.frames[name].get("collisions", pd.DataFrame()).get("lsoa_of_accident_location")
            what = "collisions"
        else:
            continue
        if codes is None or not len(codes):
            continue
        # Counted by distinct code (a few thousand), not record by record.
        per_code = codes.value_counts(dropna=False)
        text = per_code.index.to_series().astype("string").str.strip().fillna("")
        blank = text.isin(["", "-1"]).to_numpy()       # no location (STATS19 writes -1)
        authority = pd.Series(per_code.index.where(~blank)).map(lookup)
        counts = per_code.to_numpy()
        known = authority.notna().to_numpy()
        inside = authority.isin(params.area.districts).to_numpy()
        outside = known & ~inside
        others = (pd.Series(counts[outside], index=authority[outside].to_numpy()).groupby(level=0).sum()
                  .sort_values(ascending=False, kind="stable"))
        no_lsoa, unknown = int(counts[blank].sum()), int(counts[~blank & ~known].sum())
        found = set(authority[known])
        out[name] = {
            "records": int(len(codes)), "what": what, "in_districts": int(counts[inside].sum()),
            "other_authorities": {str(k): int(v) for k, v in others.items()},
            "outside_districts": int(others.sum()), "no_lsoa": no_lsoa, "unknown_authority": unknown,
            "districts_without_records": [d for d in params.area.districts if d not in found],
        }
    return out


def _count_by(df: pd.DataFrame, area: pd.Series, area_type: str) -> pd.DataFrame:
    counted = (df.assign(area=area.values).groupby(["month", "area"], observed=True)
               .size().rename("count").reset_index())
    counted["area_type"] = area_type
    counted["denominator"] = np.nan
    return counted


def _force_and_districts(df: pd.DataFrame, district: pd.Series, params: Params) -> pd.DataFrame:
    """Monthly counts for the force (every record) and each district (records with a known one)."""
    force = df.groupby("month", observed=True).size().rename("count").reset_index()
    force["area"] = params.area.force
    force["area_type"] = "force"
    force["denominator"] = np.nan
    known = district.isin(params.area.districts).values
    districts = _count_by(df[known], district[known], "district")
    return pd.concat([force, districts], ignore_index=True)[MONTHLY_COLUMNS]


def monthly_counts(measure_id: str, measure: Measure, sources: Sources, params: Params) -> pd.DataFrame:
    """Numerator (and, for proportions, denominator) by month and area, from the source dataset."""
    fmt = sources.formats[measure.source]
    where = f"measure '{measure_id}' (dataset '{measure.source}')"
    if fmt == "police_uk_street":
        df = _apply_filter(_rows_for_force(sources, measure.source, "street", params), measure.filter, where,
                           keep=[*STREET_COUNTED, *measure.numerator_filter])
        lookup = lsoa_district_lookup(sources, params)
        district = df["lsoa_code"].map(lookup).fillna(UNKNOWN_DISTRICT)
        return _with_proportion(df, measure, where, lambda d: _force_and_districts(
            d, district.loc[d.index], params))
    if fmt == "police_uk_stop_search":
        df = _apply_filter(_rows_for_force(sources, measure.source, "stop_search", params), measure.filter, where)
        # Stop and search records carry coordinates, not LSOAs: force level only.
        return _with_proportion(df, measure, where, lambda d: _force_only(d, params))
    if fmt == "stats19":
        _stats19_usable(sources, measure.source, params)
        casualties = _apply_filter(sources.get(measure.source, "casualties"), measure.filter, where)
        collisions = sources.get(measure.source, "collisions")
        lookup = lsoa_district_lookup(sources, params)
        loc = collisions.set_index("collision_index")["lsoa_of_accident_location"]
        district = casualties["collision_index"].map(loc).map(lookup).fillna(UNKNOWN_DISTRICT)
        return _force_and_districts(casualties, district, params)
    if fmt in ("home_office_prc_csp", "home_office_prc_pfa"):
        df = _apply_filter(sources.get(measure.source), measure.filter, where)
        column = "csp_name" if fmt == "home_office_prc_csp" else "force_name"
        counted = (df.groupby(["month", column], observed=True)["number_of_offences"].sum()
                   .rename("count").reset_index().rename(columns={column: "area"}))
        counted["denominator"] = np.nan
        if fmt == "home_office_prc_csp":
            mine = counted[counted["area"].isin(params.area.districts)].copy()
            mine["area_type"] = "district"
            force = mine.groupby("month", observed=True)["count"].sum().reset_index()
            force["area"], force["area_type"], force["denominator"] = params.area.force, "force", np.nan
            return pd.concat([force, mine], ignore_index=True)[MONTHLY_COLUMNS]
        return _force_and_peers(counted, params)
    if fmt == "home_office_999":
        df = sources.get(measure.source)
        num, den = measure.numerator_field, measure.denominator_field
        if not num or not den:
            raise MeasureError(f"{where}: a proportion from call data needs numerator_field and denominator_field")
        counted = (df.groupby(["month", "force_name"], observed=True)[[num, den]].sum().reset_index()
                   .rename(columns={"force_name": "area", num: "count", den: "denominator"}))
        return _force_and_peers(counted, params)
    if fmt == "indicator_template":
        df = sources.get(measure.source)
        rows = df[df["measure"] == measure_id]
        if rows.empty:
            raise MeasureNotAvailable(f"the force's indicator file ({_files_text(sources, measure.source)}) "
                                      f"has no rows for the measure '{measure_id}'")
        out = rows.rename(columns={"value": "count"})[["month", "area", "count", "denominator"]].copy()
        out["area_type"] = np.where(out["area"] == params.area.force, "force", "district")
        out = out[(out["area_type"] == "force") | out["area"].isin(params.area.districts)]
        if not (out["area_type"] == "force").any():   # only districts given: the force is their sum
            force = out.groupby("month", observed=True)[["count", "denominator"]].sum(min_count=1).reset_index()
            force["area"], force["area_type"] = params.area.force, "force"
            out = pd.concat([force, out], ignore_index=True)
        out["count"] = out["count"].astype("float64")
        out["denominator"] = out["denominator"].astype("float64")
        return out[MONTHLY_COLUMNS]
    raise MeasureError(f"{where}: format '{fmt}' cannot feed a measure")


def _files_text(sources: Sources, dataset: str) -> str:
    files = sources.files.get(dataset) or []
    if not files:
        return f"dataset '{dataset}'"
    return ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")


def _rows_for_force(sources: Sources, dataset: str, part: str, params: Params) -> pd.DataFrame:
    df = sources.get(dataset, part)
    if df.empty:
        raise MeasureNotAvailable(f"the police.uk files of dataset '{dataset}' ({_files_text(sources, dataset)}) "
                                  f"have no rows for {params.area.force}")
    return df


def _stats19_usable(sources: Sources, dataset: str, params: Params) -> None:
    """A STATS19 download can be partial: collisions only, or no rows for the force's code."""
    collisions = sources.get(dataset, "collisions")
    casualties = sources.get(dataset, "casualties")
    files = _files_text(sources, dataset)
    if not len(casualties.columns):
        raise MeasureNotAvailable(f"the STATS19 files of dataset '{dataset}' ({files}) have no casualty file "
                                  "(dft-road-casualty-statistics-casualty-YYYY.csv), and casualties are "
                                  "what this measure counts")
    if collisions.empty:
        raise MeasureNotAvailable(f"the STATS19 files of dataset '{dataset}' ({files}) have no collisions for "
                                  f"police_force {params.area.stats19_police_force} (the params' "
                                  "area.stats19_police_force)")


def _force_only(df: pd.DataFrame, params: Params) -> pd.DataFrame:
    out = df.groupby("month", observed=True).size().rename("count").reset_index()
    out["area"], out["area_type"], out["denominator"] = params.area.force, "force", np.nan
    return out[MONTHLY_COLUMNS]


def _force_and_peers(counted: pd.DataFrame, params: Params) -> pd.DataFrame:
    group = params.area.most_similar_group or [params.area.force]
    out = counted[counted["area"].isin(group + [params.area.force])].copy()
    out["area_type"] = np.where(out["area"] == params.area.force, "force", "peer")
    return out[MONTHLY_COLUMNS]


def _with_proportion(df: pd.DataFrame, measure: Measure, where: str,
                     count: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """For a proportion, the records are the denominator and those matching numerator_filter the numerator."""
    if measure.statistic != "proportion":
        return count(df)
    if not measure.numerator_filter:
        raise MeasureError(f"{where}: a proportion of records needs a numerator_filter")
    total = count(df)
    numerator = count(_apply_filter(df, measure.numerator_filter, where))
    merged = total.merge(numerator[["month", "area", "count"]], on=["month", "area"], how="left",
                         suffixes=("_all", ""))
    merged["denominator"] = merged["count_all"].astype("float64")
    merged["count"] = merged["count"].fillna(0).astype("float64")
    return merged[MONTHLY_COLUMNS]


# --- step 2: denominators ------------------------------------------------------------------------

class Denominators:
    """Resident population (by mid-year) and households, for the force, its districts and peers."""

    def __init__(self, sources: Sources, params: Params):
        self.params = params
        self._cache: dict[tuple[str, int], float] = {}
        self.population = pd.DataFrame(columns=["area", "year", "population"])
        self.households = pd.Series(dtype="float64")
        pop = optional_frame(sources, "ons_population_area")
        if pop is not None:
            self.population = self._area_population(pop)
        hh = optional_frame(sources, "census_households")
        if hh is not None:
            hh = hh[hh["geography"].isin(params.area.districts)].set_index("geography")["households"]
            self.households = pd.concat([hh, pd.Series({params.area.force: hh.sum()})]).astype("float64")
        lsoa = optional_frame(sources, "ons_population_lsoa")
        if self.population.empty and lsoa is not None:
            by = lsoa.groupby(["lad_name", "year"])["population"].sum().reset_index()
            by = by.rename(columns={"lad_name": "area"})
            by = by[by["area"].isin(params.area.districts)]
            force = by.groupby("year")["population"].sum().reset_index()
            force["area"] = params.area.force
            self.population = pd.concat([by, force], ignore_index=True)

    def missing_reason(self, measure: Measure) -> str | None:
        """Why a rate's denominator is not there at all (None when it is)."""
        if measure.statistic != "rate":
            return None
        if measure.denominator == "households":
            if self.households.empty:
                return ("no Census 2021 households file (format census_households) is available, "
                        "so rates per household are not available")
            return None
        if self.population.empty:
            return ("no population estimates (format ons_population_lsoa or ons_population_area) are "
                    "available, so rates per resident are not available")
        return None

    def _area_population(self, pop: pd.DataFrame) -> pd.DataFrame:
        force_rows = pop[pop["name"].isin(self.params.area.most_similar_group + [self.params.area.force])]
        district_rows = pop[pop["name"].isin(self.params.area.districts)]
        out = pd.concat([force_rows, district_rows]).rename(columns={"name": "area"})
        out = out[["area", "year", "population"]].drop_duplicates(["area", "year"])
        if not (out["area"] == self.params.area.force).any():
            force = district_rows.groupby("year")["population"].sum().reset_index()
            force["area"] = self.params.area.force
            out = pd.concat([out, force], ignore_index=True)
        return out

    def population_for(self, area: str, year: int) -> float:
        """Mid-year population of the latest estimate not after `year` (or the earliest there is)."""
        key = (area, year)
        if key not in self._cache:
            self._cache[key] = self._population_for(area, year)
        return self._cache[key]

    def _population_for(self, area: str, year: int) -> float:
        rows = self.population[self.population["area"] == area]
        if rows.empty:
            return np.nan
        usable = rows[rows["year"] <= year]
        row = usable.loc[usable["year"].idxmax()] if not usable.empty else rows.loc[rows["year"].idxmin()]
        return float(row["population"])

    def for_measure(self, measure: Measure, area: str, window_end: pd.Period) -> float:
        if measure.denominator == "households":
            return float(self.households.get(area, np.nan))
        return self.population_for(area, window_end.year)


# --- which months a window has ----------------------------------------------------------------------

@dataclass
class Coverage:
    """The months a measure's dataset has, for the force (and its districts) and for each peer.

    A 12-month window is *not covered* when part of it lies before the dataset's first month or after
    its last (the data does not reach it: no figure at all), and *incomplete* when the dataset lacks
    some of its expected months in between (docs/assumptions.md: counts as published, flagged with the
    months missing; no value, comparison or status). Months come from the whole dataset, not the
    measure's own counts, so a month with no records of a rare crime type is a zero, not a gap."""
    months: dict[str | None, list[pd.Period]]     # None: the force and its districts; else a peer's name
    step: int = 1                                  # 1 monthly, 3 quarterly, 12 yearly

    def _group(self, area: str | None, area_type: str) -> str | None:
        return area if area_type == "peer" and area in self.months else None

    def _ordinals(self, key: str | None) -> set[int]:
        cache = self.__dict__.setdefault("_sets", {})
        if key not in cache:
            cache[key] = {m.ordinal for m in self.months.get(key, [])}
        return cache[key]

    def window(self, end: pd.Period, area: str | None = None, area_type: str = "force") -> tuple[bool, list[pd.Period]]:
        """(covered, months missing) for the 12 months to `end`."""
        key = self._group(area, area_type)
        months = self.months.get(key, [])
        if not months:
            return False, []
        first, last = months[0].ordinal, months[-1].ordinal
        # the expected months of the window: every `step` months, in step with the dataset's first month
        latest = end.ordinal - (end.ordinal - first) % self.step
        expected = range(latest - (12 // self.step - 1) * self.step, latest + 1, self.step)
        if expected[0] < first or expected[-1] > last:
            return False, []
        have = self._ordinals(key)
        return True, [pd.Period(ordinal=o, freq="M") for o in expected if o not in have]

    def expected_count(self) -> int:
        return 12 // self.step

    def missing_between(self, start: pd.Period, end: pd.Period) -> list[pd.Period]:
        """The force's missing months from `start` to `end` (inside the dataset's span)."""
        months = self.months.get(None, [])
        if not months:
            return []
        have = set(months)
        first = months[0]
        span = pd.period_range(max(start, first), min(end, months[-1]), freq="M")
        return [m for m in span if (m.ordinal - first.ordinal) % self.step == 0 and m not in have]


def measure_coverage(measure_id: str, measure: Measure, sources: Sources, params: Params,
                     monthly: pd.DataFrame) -> Coverage:
    """The months the measure's dataset has. The force's own indicator file states each measure's
    months itself (a row per month, zeros included), so there the measure's rows are the months."""
    fmt = sources.formats[measure.source]
    if fmt == "indicator_template":
        every, by_force = sorted(monthly["month"].unique()), {}
    else:
        every, by_force = sources.months(measure.source)
    groups: dict[str | None, list[pd.Period]] = {None: every}
    if len(by_force) > 1:
        groups = {None: by_force.get(params.area.force, every), **by_force}
    step = step_for(cadence(pd.DataFrame({"month": every}))) if every else 1
    return Coverage(groups, step)


# --- step 3: the 12-month summaries --------------------------------------------------------------

def _window(monthly: pd.DataFrame, end: pd.Period) -> pd.DataFrame:
    start = end - 11
    inside = monthly[(monthly["month"] >= start) & (monthly["month"] <= end)]
    summed = inside.groupby(["area", "area_type"], observed=True).agg(
        count=("count", "sum"), denominator=("denominator", lambda s: s.sum(min_count=1))).reset_index()
    # An area with no records in the window still has a row: zero, not missing.
    areas = monthly[["area", "area_type"]].drop_duplicates()
    summed = areas.merge(summed, on=["area", "area_type"], how="left")
    summed["count"] = summed["count"].fillna(0.0)
    return summed


def _statistic(measure: Measure, count, denominator, confidence: float) -> pd.DataFrame:
    count = np.asarray(count, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    if measure.statistic == "rate":
        return intervals.rate_ci(count, denominator, per=measure.per, confidence=confidence)
    if measure.statistic == "proportion":
        return intervals.wilson_ci(count, denominator, confidence=confidence, multiplier=100)
    return intervals.poisson_count_ci(count, confidence=confidence)


def _window_values(measure: Measure, monthly: pd.DataFrame, end: pd.Period,
                   denominators: Denominators, confidence: float, coverage: Coverage | None = None) -> pd.DataFrame:
    """Each area's 12 months to `end`: count, denominator, value and interval, and `months_missing`
    ("2021-09;2021-10"). Not covered: all blank. Incomplete: the count as published (blank when no
    month of the window was published), value and interval blank (docs/assumptions.md)."""
    coverage = coverage or default_coverage(monthly)
    win = _window(monthly, end)
    win["count"] = win["count"].astype("float64")
    win["denominator"] = win["denominator"].astype("float64")
    if measure.statistic == "rate":
        win["denominator"] = [denominators.for_measure(measure, a, end) for a in win["area"]]
    stats = _statistic(measure, win["count"], win["denominator"], confidence)
    win["value"] = np.asarray(stats["value"], dtype="float64")
    win["lower_95"] = np.asarray(stats["lower"], dtype="float64")
    win["upper_95"] = np.asarray(stats["upper"], dtype="float64")
    win["method"] = list(stats["method"])
    checked = [coverage.window(end, a, t) for a, t in zip(win["area"], win["area_type"])]
    covered = np.array([c for c, _ in checked], dtype=bool)
    missing = [m for _, m in checked]
    incomplete = np.array([bool(m) for m in missing], dtype=bool)
    none_published = np.array([len(m) >= coverage.expected_count() for m in missing], dtype=bool)
    # A window the data does not reach is not a 12-month figure: do not present it as one.
    win.loc[~covered, ["count", "denominator", "value", "lower_95", "upper_95"]] = np.nan
    # An incomplete window keeps its published count but gives no 12-month value to judge.
    win.loc[incomplete, ["value", "lower_95", "upper_95"]] = np.nan
    win.loc[incomplete & none_published, "count"] = np.nan
    if measure.statistic == "proportion":   # the cases are counted from the same months
        win.loc[incomplete & none_published, "denominator"] = np.nan
    win["months_missing"] = [months_field(m) for m in missing]
    return win


def default_coverage(monthly: pd.DataFrame) -> Coverage:
    """Coverage from the measure's own months (when no dataset is at hand, e.g. in a unit test)."""
    every = sorted(monthly["month"].unique())
    return Coverage({None: every}, step_for(cadence(monthly)) if every else 1)


def window_covered(monthly: pd.DataFrame, end: pd.Period, coverage: Coverage | None = None) -> bool:
    """True when the data reaches the whole of the 12 months to `end` and lacks none of its months."""
    covered, missing = (coverage or default_coverage(monthly)).window(end)
    return covered and not missing


def pct_change(new, old):
    new = np.asarray(new, dtype="float64")
    old = np.asarray(old, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((old > 0) & np.isfinite(new), (new - old) / old * 100, np.nan)


def summarise(measure_id: str, measure: Measure, monthly: pd.DataFrame, params: Params,
              denominators: Denominators, coverage: Coverage | None = None) -> pd.DataFrame:
    end = params.period_end_month
    baseline_end = params.baseline_months[1]
    conf = params.confidence_level
    coverage = coverage or default_coverage(monthly)
    current = _window_values(measure, monthly, end, denominators, conf, coverage)
    previous = _window_values(measure, monthly, end - 12, denominators, conf, coverage)
    baseline = _window_values(measure, monthly, baseline_end, denominators, conf, coverage)

    out = current.merge(previous[["area", "count", "value", "months_missing"]].rename(
        columns={"count": "previous_count", "value": "previous_value",
                 "months_missing": "previous_months_missing"}), on="area", how="left")
    out = out.merge(baseline[["area", "count", "value", "months_missing"]].rename(
        columns={"count": "baseline_count", "value": "baseline_value",
                 "months_missing": "baseline_months_missing"}), on="area", how="left")
    for column in ("previous_months_missing", "baseline_months_missing"):
        out[column] = out[column].fillna("")
    # A zero baseline (the measure did not exist yet, e.g. stalking protection orders before 2020)
    # gives no meaningful change or comparison: treat it as no baseline.
    zero = out["baseline_count"] == 0
    out.loc[zero, ["baseline_count", "baseline_value"]] = np.nan
    out["measure_id"] = measure_id
    out["period_start"] = end - 11
    out["period_end"] = end
    out["change_vs_previous_pct"] = pct_change(out["value"], out["previous_value"])
    out["change_vs_baseline_pct"] = pct_change(out["value"], out["baseline_value"])

    force_value = out.loc[out["area_type"] == "force", "value"]
    force_value = float(force_value.iloc[0]) if not force_value.empty else np.nan
    # The group average is of complete windows only: an incomplete one's count is not 12 months.
    peers = out[out["area_type"].isin(["force", "peer"]) & (out["months_missing"] == "")]
    msg_average = _weighted_average(measure, peers) if (out["area_type"] == "peer").any() else np.nan
    out["benchmark_name"] = out["area_type"].map({
        "force": "baseline (12 months to " + baseline_end.strftime("%B %Y") + ")",
        "district": params.area.force, "peer": "most similar group average"})
    out["benchmark_value"] = np.select(
        [out["area_type"] == "force", out["area_type"] == "district", out["area_type"] == "peer"],
        [out["baseline_value"], force_value, msg_average], np.nan)
    out["comparison"] = comparison.compare_to_benchmark(
        out["value"], out["lower_95"], out["upper_95"], out["benchmark_value"], measure.polarity)
    target = measure.target.model_dump() if isinstance(measure.target, AtLeast) else measure.target
    judged = [_status(target, measure.polarity, row) if row["area_type"] == "force" else ("", "")
              for _, row in out.iterrows()]
    out["status"] = [s for s, _ in judged]
    out["status_reason"] = [r for _, r in judged]
    threshold = params.suppression_threshold
    out["suppressed"] = (out["count"] > 0) & (out["count"] < threshold)
    order = {"force": 0, "district": 1, "peer": 2}
    out = out.sort_values(["area_type", "area"], key=lambda s: s.map(order) if s.name == "area_type" else s)
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


WINDOW_NAMES = {"months_missing": "the latest 12 months", "previous_months_missing": "the previous 12 months",
                "baseline_months_missing": "the baseline"}


def _status(target, polarity: str, row: pd.Series) -> tuple[str, str]:
    """(status, why not assessed): no status is drawn from an incomplete window, whether it is the
    latest 12 months or the window the target compares with (docs/assumptions.md)."""
    needs = comparison.target_comparator(target, polarity)
    if needs is None:        # monitored without a target: nothing is judged
        return comparison.target_status(target, polarity, row["value"]), ""
    windows = ["months_missing"] + {"previous": ["previous_months_missing"],
                                    "baseline": ["baseline_months_missing"]}.get(needs, [])
    for column in windows:
        gap = [m for m in str(row[column] or "").split(";") if m]
        if gap:
            return comparison.NOT_ASSESSED, f"{count_phrase(len(gap))} from {WINDOW_NAMES[column]}"
    return comparison.target_status(target, polarity, row["value"], row["previous_value"],
                                    row["baseline_value"]), ""


def _weighted_average(measure: Measure, rows: pd.DataFrame) -> float:
    """Most similar group average: sum of counts over sum of denominators (not a mean of rates)."""
    rows = rows.dropna(subset=["count", "denominator"])
    if rows.empty or rows["denominator"].sum() == 0:
        return np.nan
    ratio = rows["count"].sum() / rows["denominator"].sum()
    if measure.statistic == "rate":
        return float(ratio * measure.per)
    if measure.statistic == "proportion":
        return float(ratio * 100)
    return np.nan


def rolling_trend(measure: Measure, monthly: pd.DataFrame, params: Params,
                  denominators: Denominators, coverage: Coverage | None = None) -> pd.DataFrame:
    """Rolling 12-month value for each month from the baseline's end to the period end, for the
    force and its districts (vectorised: one pivot and one rolling sum, not a window per month).
    Windows follow the summary's rule: not covered, blank; incomplete, the count as published with
    `months_missing` and no value (so a chart's line breaks there)."""
    coverage = coverage or default_coverage(monthly)
    end = params.period_end_month
    _, baseline_end = params.baseline_months
    first = min(baseline_end, end)
    rows = monthly[monthly["area_type"].isin(["force", "district"])]
    columns = ["month", "area", "area_type", "count_12m", "denominator_12m", "value", "lower_95", "upper_95",
               "months_missing"]
    if rows.empty or monthly["month"].min() > end:
        return pd.DataFrame(columns=columns)
    months = pd.period_range(min(monthly["month"].min(), first - 11), end, freq="M")
    counts = rows.pivot_table(index="month", columns="area", values="count", aggfunc="sum").reindex(months)
    rolled = counts.fillna(0).rolling(12, min_periods=12).sum()
    dens = rows.pivot_table(index="month", columns="area", values="denominator", aggfunc="sum").reindex(months)
    rolled_den = dens.rolling(12, min_periods=1).sum() if not dens.empty else None
    wanted = pd.period_range(first, end, freq="M")
    checked = {m: coverage.window(m) for m in wanted}
    covered = {m: c for m, (c, _) in checked.items()}
    missing = {m: months_field(g) for m, (_, g) in checked.items()}
    none_published = {m: len(g) >= coverage.expected_count() for m, (_, g) in checked.items()}
    trend = rolled.loc[wanted].stack(future_stack=True).rename("count_12m").reset_index()
    trend.columns = ["month", "area", "count_12m"]
    if measure.statistic == "proportion" and rolled_den is not None:
        den = rolled_den.loc[wanted].stack(future_stack=True).rename("denominator_12m").reset_index()
        den.columns = ["month", "area", "denominator_12m"]
        trend = trend.merge(den, on=["month", "area"], how="left")
    elif measure.statistic == "rate":
        trend["denominator_12m"] = [denominators.for_measure(measure, a, m) for a, m in zip(trend["area"], trend["month"])]
    else:
        trend["denominator_12m"] = np.nan
    types = rows.drop_duplicates("area").set_index("area")["area_type"]
    trend["area_type"] = trend["area"].map(types)
    trend["months_missing"] = trend["month"].map(missing).fillna("")
    trend.loc[~trend["month"].map(covered).astype(bool), "count_12m"] = np.nan
    trend.loc[trend["month"].map(none_published).astype(bool), "count_12m"] = np.nan
    stats = _statistic(measure, trend["count_12m"], trend["denominator_12m"], params.confidence_level)
    trend["value"] = np.asarray(stats["value"], dtype="float64")
    trend["lower_95"] = np.asarray(stats["lower"], dtype="float64")
    trend["upper_95"] = np.asarray(stats["upper"], dtype="float64")
    trend.loc[trend["months_missing"] != "", ["value", "lower_95", "upper_95"]] = np.nan
    order = {"force": 0, "district": 1}
    trend = trend.sort_values(["month", "area_type", "area"], key=lambda c: c.map(order) if c.name == "area_type" else c)
    return trend[columns].reset_index(drop=True)


# --- extras: MSG, deprivation, hotspots, disproportionality ------------------------------------

def msg_frame(summary: pd.DataFrame, params: Params) -> pd.DataFrame:
    rows = summary[summary["area_type"].isin(["force", "peer"])].copy()
    if len(rows) < 2:
        return pd.DataFrame()
    rows = rows.rename(columns={"denominator": "population"})
    rows["is_force"] = rows["area_type"] == "force"
    rows["rank"] = rows["value"].rank(method="min").astype("Int64")
    frame = rows[["area", "count", "population", "value", "lower_95", "upper_95", "rank", "is_force"]]
    frame = frame.sort_values("value").reset_index(drop=True)
    frame.attrs["msg_average"] = float(summary.loc[summary["area_type"] == "peer", "benchmark_value"].iloc[0])
    frame.attrs["group_size"] = len(frame)
    return frame


def deprivation_frames(measure: Measure, sources: Sources, params: Params) -> dict[str, pd.DataFrame]:
    """For street-level measures: the latest 12 months by IMD decile (rate per 1,000 residents) and hotspots."""
    imd, pop = optional_frame(sources, "imd_lsoa"), optional_frame(sources, "ons_population_lsoa")
    if imd is None or pop is None:
        return {}
    df = _apply_filter(sources.get(measure.source, "street"), measure.filter, "deprivation", keep=STREET_COUNTED)
    end = params.period_end_month
    df = df[(df["month"] >= end - 11) & (df["month"] <= end)]
    counts = df.groupby("lsoa_code").size().rename("count")
    latest = pop[pop["year"] == pop["year"].max()].drop_duplicates("lsoa_code").set_index("lsoa_code")
    lsoas = latest[["lsoa_name", "lad_name", "population"]].join(
        imd.drop_duplicates("lsoa_code").set_index("lsoa_code")["imd_decile"], how="left")
    lsoas = lsoas[lsoas["lad_name"].isin(params.area.districts)]
    lsoas = lsoas.join(counts, how="left").fillna({"count": 0})
    by_decile = lsoas.dropna(subset=["imd_decile"]).groupby("imd_decile")[["count", "population"]].sum()
    stats = intervals.rate_ci(by_decile["count"].to_numpy(float), by_decile["population"].to_numpy(float),
                              per=1000, confidence=params.confidence_level)
    deprivation = by_decile.reset_index()
    deprivation["imd_decile"] = deprivation["imd_decile"].astype(int)
    deprivation["value"] = np.asarray(stats["value"])
    deprivation["lower_95"] = np.asarray(stats["lower"])
    deprivation["upper_95"] = np.asarray(stats["upper"])
    hotspots = (lsoas.reset_index().rename(columns={"index": "lsoa_code", "lad_name": "district"})
                .assign(value=lambda d: d["count"] / d["population"] * 1000)
                .sort_values(["count", "lsoa_code"], ascending=[False, True]).head(10))
    hotspots = hotspots[["lsoa_code", "lsoa_name", "district", "imd_decile", "count", "value"]]
    return {"deprivation": deprivation, "hotspots": hotspots.reset_index(drop=True)}


def lsoa_counts_frame(measure: Measure, sources: Sources, params: Params) -> pd.DataFrame:
    """For street-level measures, with the ONS LSOA population: every LSOA of the force's districts
    with its records in the latest 12 months and its residents (latest estimate), for the
    choropleth. The counts are as counted, not yet disclosure-controlled: the map's data function
    suppresses them once they are placed on the map's areas (content/charts/choropleth.py)."""
    pop = optional_frame(sources, "ons_population_lsoa")
    if pop is None:
        return pd.DataFrame()
    df = _apply_filter(sources.get(measure.source, "street"), measure.filter, "lsoa counts", keep=STREET_COUNTED)
    end = params.period_end_month
    df = df[(df["month"] >= end - 11) & (df["month"] <= end)]
    counts = df.groupby("lsoa_code").size()
    latest = pop[pop["year"] == pop["year"].max()].drop_duplicates("lsoa_code")
    latest = latest[latest["lad_name"].isin(params.area.districts)]
    frame = pd.DataFrame({"lsoa_code": latest["lsoa_code"].to_numpy(), "lsoa_name": latest["lsoa_name"].to_numpy(),
                          "district": latest["lad_name"].to_numpy(),
                          "population": latest["population"].astype(float).to_numpy()})
    frame["count"] = frame["lsoa_code"].map(counts).fillna(0).astype(int)
    return frame.sort_values("lsoa_code").reset_index(drop=True)


def locations_frame(measure: Measure, sources: Sources, params: Params) -> pd.DataFrame:
    """For street-level measures: where each record of the latest 12 months was placed (police.uk's
    anonymised map point), with its LSOA and district, for the point-density map. Records without
    coordinates are left out (the map's text counts only those it places)."""
    df = _apply_filter(sources.get(measure.source, "street"), measure.filter, "locations", keep=STREET_MAPPED)
    end = params.period_end_month
    df = df[(df["month"] >= end - 11) & (df["month"] <= end)]
    if not {"longitude", "latitude"} <= set(df.columns):   # a frame without coordinates: no map
        return pd.DataFrame(columns=["longitude", "latitude", "lsoa_code", "lsoa_name", "district"])
    df = df.dropna(subset=["longitude", "latitude"])
    frame = pd.DataFrame({"longitude": df["longitude"].astype(float).to_numpy(),
                          "latitude": df["latitude"].astype(float).to_numpy(),
                          "lsoa_code": df["lsoa_code"].to_numpy() if "lsoa_code" in df.columns else None,
                          "lsoa_name": df["lsoa_name"].to_numpy() if "lsoa_name" in df.columns else None})
    frame["district"] = frame["lsoa_code"].map(lsoa_district_lookup(sources, params))
    # Only the force's own districts are named; a point in a neighbouring authority stays unnamed.
    frame.loc[~frame["district"].isin(params.area.districts), "district"] = None
    return frame.reset_index(drop=True)


ETHNIC_GROUPS = {"Asian": "asian", "Black": "black", "Mixed": "mixed", "Other": "other", "White": "white"}


def disproportionality_frame(measure: Measure, sources: Sources, params: Params) -> pd.DataFrame:
    """Searches per 1,000 residents of each ethnic group (officer-defined) and the ratio against White."""
    census = optional_frame(sources, "census_ethnicity")
    if census is None or not measure.disproportionality:
        return pd.DataFrame()
    df = _apply_filter(sources.get(measure.source, "stop_search"), measure.filter, "disproportionality")
    end = params.period_end_month
    df = df[(df["month"] >= end - 11) & (df["month"] <= end)]
    searches = df[measure.disproportionality].value_counts()
    residents = census[census["geography"].isin(params.area.districts)]
    rows = []
    for group, column in ETHNIC_GROUPS.items():
        rows.append({"group": group, "searches": float(searches.get(group, 0)),
                     "population": float(residents[column].sum())})
    frame = pd.DataFrame(rows)
    frame["rate"] = frame["searches"] / frame["population"] * 1000
    white = frame[frame["group"] == "White"].iloc[0]
    ratio = intervals.rate_ratio_ci(frame["searches"].to_numpy(), frame["population"].to_numpy(),
                                    white["searches"], white["population"], confidence=params.confidence_level)
    frame["rate_ratio"] = np.asarray(ratio["value"])
    frame["lower_95"] = np.asarray(ratio["lower"])
    frame["upper_95"] = np.asarray(ratio["upper"])
    return frame


# --- all together ----------------------------------------------------------------------------------

def suppress_summary(summary: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Small counts (and everything computed from them) never leave the engine: primary suppression
    of counts below the threshold, and secondary suppression of districts so that the force total
    cannot give a suppressed district away. Peers are published totals of other forces: primary only."""
    derived = {"count": ["value", "lower_95", "upper_95", "change_vs_previous_pct", "change_vs_baseline_pct"],
               "previous_count": ["previous_value", "change_vs_previous_pct"],
               "baseline_count": ["baseline_value", "change_vs_baseline_pct"]}
    counts = ["count", "previous_count", "baseline_count"]
    if (summary["area_type"] == "force").sum() == 1:
        done = disclosure.suppress_table_for_publication(
            summary, counts, total_row={"area_type": "force"}, exclude_rows={"area_type": "peer"},
            threshold=threshold, derived_columns=derived)
    else:
        done = disclosure.suppress_counts(summary, counts, threshold, derived_columns=derived)
    table = done.table.copy()
    table["suppressed"] = (done.flags["count"] != "").to_numpy()  # the latest figure is hidden
    # A district's comparison word would hint at a hidden value: say it was not compared.
    table.loc[table["suppressed"], "comparison"] = comparison.NOT_COMPARED
    for column in counts:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def suppress_trend(trend: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The same rules month by month: districts add up to the force in every rolling window."""
    if trend.empty:
        return trend
    has_force = trend.groupby("month")["area_type"].apply(lambda s: (s == "force").sum() == 1).all()
    done = disclosure.suppress_counts(
        trend, ["count_12m"], threshold, total_row={"area_type": "force"} if has_force else None,
        group_columns=["month"], derived_columns={"count_12m": ["value", "lower_95", "upper_95"]})
    table = done.table.copy()
    table["count_12m"] = pd.to_numeric(table["count_12m"], errors="coerce").astype("float64")
    return table


def unit_for(measure: Measure) -> str:
    if measure.statistic == "rate":
        per = f"{measure.per:,}"
        return f"per {per} households" if measure.denominator == "households" else f"per {per} population"
    if measure.statistic == "proportion":
        return "%"
    return "count"


def measure_availability(measure_id: str, params: Params, sources: Sources) -> str | None:
    """Why a measure cannot be computed from the data given (None when it can): its dataset is absent,
    or present with no rows for the force. `build.py data --params` and the build say the same."""
    measure = params.measures[measure_id]
    try:
        fmt = sources.formats.get(measure.source)
        if measure.source in sources.unavailable or measure.source not in sources.frames:
            sources.get(measure.source)            # raises with the reason
        if fmt in ("police_uk_street", "police_uk_stop_search", "police_uk_outcomes"):
            _rows_for_force(sources, measure.source, next(iter(sources.frames[measure.source])), params)
        elif fmt == "stats19":
            _stats19_usable(sources, measure.source, params)
        elif fmt == "indicator_template":
            df = sources.get(measure.source)
            if not (df["measure"] == measure_id).any():
                raise MeasureNotAvailable(f"the force's indicator file ({_files_text(sources, measure.source)}) "
                                          f"has no rows for the measure '{measure_id}'")
    except MeasureNotAvailable as exc:
        return str(exc)
    return None


def not_available_result(measure_id: str, params: Params, reason: str) -> MeasureResult:
    """A measure the data cannot give: one force row with no figures, and the reason in words."""
    measure = params.measures[measure_id]
    end = params.period_end_month
    baseline_start, baseline_end = params.baseline_months
    row = {c: np.nan for c in SUMMARY_COLUMNS}
    row.update({"measure_id": measure_id, "area": params.area.force, "area_type": "force",
                "period_start": end - 11, "period_end": end, "method": "", "benchmark_name": "",
                "comparison": comparison.NOT_COMPARED, "status": comparison.NO_DATA, "suppressed": False})
    summary = pd.DataFrame([row], columns=SUMMARY_COLUMNS)
    trend_columns = ["month", "area", "area_type", "count_12m", "denominator_12m", "value", "lower_95", "upper_95"]
    return MeasureResult(
        measure_id=measure_id, definition=measure, area_name=params.area.name, force=params.area.force,
        period_start=end - 11, period_end=end, baseline_start=baseline_start, baseline_end=baseline_end,
        unit=unit_for(measure), monthly=pd.DataFrame(columns=MONTHLY_COLUMNS),
        trend=pd.DataFrame(columns=trend_columns), summary=summary,
        suppression_threshold=params.suppression_threshold, not_available=reason)


def compute_measure(measure_id: str, params: Params, sources: Sources,
                    denominators: Denominators | None = None) -> MeasureResult:
    """One measure's result; a measure whose data is absent comes back as not available, with why."""
    reason = measure_availability(measure_id, params, sources)
    if reason is not None:
        return not_available_result(measure_id, params, reason)
    try:
        return _compute_measure(measure_id, params, sources, denominators or Denominators(sources, params))
    except MeasureNotAvailable as exc:
        return not_available_result(measure_id, params, str(exc))


def _compute_measure(measure_id: str, params: Params, sources: Sources, denominators: Denominators) -> MeasureResult:
    measure = params.measures[measure_id]
    monthly = monthly_counts(measure_id, measure, sources, params)
    if not (monthly["area_type"] == "force").any():
        raise MeasureNotAvailable(f"dataset '{measure.source}' ({_files_text(sources, measure.source)}) has no "
                                  f"rows for {params.area.force} that this measure counts")
    monthly = monthly.sort_values(["area_type", "area", "month"]).reset_index(drop=True)
    coverage = measure_coverage(measure_id, measure, sources, params, monthly)
    summary = summarise(measure_id, measure, monthly, params, denominators, coverage)
    summary = suppress_summary(summary, params.suppression_threshold)
    trend = suppress_trend(rolling_trend(measure, monthly, params, denominators, coverage),
                           params.suppression_threshold)
    baseline_start, baseline_end = params.baseline_months
    result = MeasureResult(
        measure_id=measure_id, definition=measure, area_name=params.area.name, force=params.area.force,
        period_start=params.period_end_month - 11, period_end=params.period_end_month,
        baseline_start=baseline_start, baseline_end=baseline_end, unit=unit_for(measure),
        monthly=monthly, trend=trend, summary=summary, suppression_threshold=params.suppression_threshold,
        months_missing=coverage.missing_between(min(baseline_start, baseline_end - 11, params.period_end_month - 23),
                                                params.period_end_month),
        source_format=sources.formats[measure.source], month_step=coverage.step)
    result.value_not_available = denominators.missing_reason(measure)
    if result.value_not_available:
        result.notes.append(f"Only counts are published for this measure: {result.value_not_available}.")
    if (summary["area_type"] == "peer").any():
        result.extras["msg"] = msg_frame(summary, params)
    if sources.formats[measure.source] == "police_uk_street" and measure.statistic != "proportion":
        result.extras.update(deprivation_frames(measure, sources, params))
        lsoa_counts = lsoa_counts_frame(measure, sources, params)
        if not lsoa_counts.empty:
            result.extras["lsoa_counts"] = lsoa_counts
        locations = locations_frame(measure, sources, params)
        if not locations.empty:
            result.extras["locations"] = locations
        missing = deprivation_missing_reason(sources)
        if missing:
            result.notes.append(f"The breakdown by deprivation is not shown: {missing}.")
    if measure.disproportionality:
        frame = disproportionality_frame(measure, sources, params)
        if not frame.empty:
            result.extras["disproportionality"] = frame
    baseline_covered, baseline_missing = coverage.window(baseline_end)
    months_held = coverage.months.get(None, [])
    if summary.loc[summary["area_type"] == "force", "baseline_value"].isna().all():
        # An incomplete baseline has no figure either; the months-missing text already says why.
        if not baseline_covered and months_held:
            result.notes.append("There is no baseline figure for this measure: the data used run from "
                                f"{months_held[0].strftime('%B %Y')} to {months_held[-1].strftime('%B %Y')}, "
                                f"so they do not cover the 12 months to {baseline_end.strftime('%B %Y')}, "
                                "and it is not compared with the baseline.")
        elif baseline_covered and not baseline_missing:
            result.notes.append("There is no baseline figure for this measure: there were no records in the "
                                f"12 months to {baseline_end.strftime('%B %Y')} (the measure may not have "
                                "existed then), so it is not compared with the baseline.")
    unknown = monthly[(monthly["area_type"] == "force")]["count"].sum() - \
        monthly[(monthly["area_type"] == "district")]["count"].sum()
    if (monthly["area_type"] == "district").any() and unknown > 0 and sources.formats[measure.source] in (
            "police_uk_street", "stats19"):
        result.notes.append("Records without a location in a known district (no location, or a location in a "
                            "neighbouring authority) are counted in the force total but not in any district; "
                            "the methods appendix says how many.")
    return result


def deprivation_missing_reason(sources: Sources) -> str | None:
    """Why the deprivation breakdown of street-level measures cannot be drawn (None when it can)."""
    imd, pop = optional_frame(sources, "imd_lsoa"), optional_frame(sources, "ons_population_lsoa")
    if imd is None and pop is None:
        return ("it needs the English Indices of Deprivation 2019 File 1 (format imd_lsoa) and the ONS "
                "population estimates by LSOA (format ons_population_lsoa), and neither is available")
    if imd is None:
        return ("it needs the English Indices of Deprivation 2019 File 1 (format imd_lsoa), which is not "
                "available")
    if pop is None:
        return ("the rate in each deprivation decile needs the ONS population estimates by LSOA (format "
                "ons_population_lsoa), which are not available")
    return None


_FORKED: tuple | None = None   # (params, sources, denominators) inherited by forked workers


@dataclass
class _Failure:
    """An unexpected error in a measure's computation, as a worker hands it back (no traceback shown)."""
    message: str
    details: str


def _failure(measure_id: str, params: Params, sources: Sources, exc: BaseException) -> _Failure:
    measure = params.measures[measure_id]
    what = (str(exc) if isinstance(exc, NeedsAssessmentError) else
            f"an unexpected error ({type(exc).__name__}: {exc}), a fault in the build rather than in the data: "
            "please report it with the log")
    message = (f"measure '{measure_id}' ({measure.title}) could not be computed from dataset "
               f"'{measure.source}' ({_files_text(sources, measure.source)}): {what}")
    return _Failure(message, traceback.format_exc())


def _compute_safely(measure_id: str, params: Params, sources: Sources,
                    denominators: Denominators) -> MeasureResult | _Failure:
    try:
        return compute_measure(measure_id, params, sources, denominators)
    except Exception as exc:  # noqa: BLE001 - handed back as the project's own error, named
        return _failure(measure_id, params, sources, exc)


def _compute_in_worker(measure_id: str) -> MeasureResult | _Failure:
    params, sources, denominators = _FORKED
    return _compute_safely(measure_id, params, sources, denominators)


def compute_measures(params: Params, sources: Sources, measure_ids: list[str] | None = None,
                     jobs: int | None = None) -> dict[str, MeasureResult]:
    """Every measure (or those named). Each measure is independent and costs mostly fixed pandas
    overhead, so with `jobs` > 1 they are shared between forked processes that inherit the loaded
    data (nothing is copied in; only the small results come back).

    A measure that fails raises MeasureError naming the measure, its dataset and files (the
    traceback is in its `details`, for the log): never a worker's raw traceback."""
    global _FORKED
    denominators = Denominators(sources, params)
    lsoa_district_lookup(sources, params)       # once, before the workers fork
    ids = measure_ids or list(params.measures)
    jobs = min(jobs or 1, len(ids))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = [_compute_safely(m, params, sources, denominators) for m in ids]
    else:
        _FORKED = (params, sources, denominators)
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                results = list(pool.map(_compute_in_worker, ids))
        except BrokenProcessPool as exc:
            raise MeasureError(f"a process computing the measures stopped unexpectedly ({exc}); this is "
                               "often the machine running out of memory: try `--jobs 1`",
                               traceback.format_exc()) from None
        finally:
            _FORKED = None
    failures = [r for r in results if isinstance(r, _Failure)]
    if failures:
        more = f" (and {len(failures) - 1} more measures failed)" if len(failures) > 1 else ""
        raise MeasureError(failures[0].message + more, "\n\n".join(f.message + "\n" + f.details for f in failures))
    return dict(zip(ids, results))


def area_profile(sources: Sources, params: Params) -> pd.DataFrame:
    """One row per district and one for the force: residents, households, LSOAs, and the share of
    LSOAs among the most deprived 20% in England (IMD deciles 1 and 2)."""
    denominators = Denominators(sources, params)
    year = params.period_end_month.year
    rows = []
    imd, pop = optional_frame(sources, "imd_lsoa"), optional_frame(sources, "ons_population_lsoa")
    lsoas = pd.DataFrame(columns=["lsoa_code", "lad_name", "imd_decile"])
    if pop is not None:
        latest = pop[pop["year"] == pop["year"].max()].drop_duplicates("lsoa_code")
        lsoas = latest[["lsoa_code", "lad_name"]]
        if imd is not None:
            lsoas = lsoas.merge(imd[["lsoa_code", "imd_decile"]], on="lsoa_code", how="left")
    elif imd is not None:      # no population file: the IMD file's own local authority columns
        lsoas = imd[["lsoa_code", "lad_name", "imd_decile"]].drop_duplicates("lsoa_code")
    for area in params.area.districts + [params.area.force]:
        mine = lsoas if area == params.area.force else lsoas[lsoas["lad_name"] == area]
        mine = mine[mine["lad_name"].isin(params.area.districts)]
        deciles = pd.to_numeric(mine.get("imd_decile"), errors="coerce") if "imd_decile" in mine else pd.Series(dtype=float)
        rows.append({
            "area": area, "area_type": "force" if area == params.area.force else "district",
            "population": denominators.population_for(area, year),
            "households": float(denominators.households.get(area, np.nan)),
            "lsoas": int(len(mine)),
            "most_deprived_20pct_share": float((deciles <= 2).mean() * 100) if len(deciles.dropna()) else np.nan,
        })
    return pd.DataFrame(rows)
