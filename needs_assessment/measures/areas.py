"""Each district's own assessment, made from the measures computed once for the force.

The force's measures already hold every district's monthly counts, 12-month figures and rolling
trends (one pass over the data). A district's view re-centres them: the district becomes the subject
(judged against its own baseline and the plan's target) and the force and the other districts are
what it is compared with. Its figures are the force publication's own cells, after that publication's
disclosure control, so a district's publication never shows a cell the force's hides. What needs the
records themselves (the deprivation breakdown, the hotspots and the map) is recomputed from the
loaded data for the district's LSOAs only, and its maps (hexagons, choropleth) show the district's
LSOAs and records. A measure the data gives for the force only (stop and
search, 999 calls, force-level Home Office tables) is published in a district's view as not
available, saying why.

In a view, `area_type` "force" marks the subject (the district) and "district" its comparators (the
other districts and the force), so every chapter is written by the same code as the force's; the
`published_area_type` column keeps each row's real kind for the downloads (measures.csv).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from ..params import AtLeast, Params
from . import comparison
from .engine import (STREET_MAPPED, Sources, _status, deprivation_frames, locations_frame,
                     not_available_result)
from .result import MeasureResult

SUBJECT, COMPARATOR = "force", "district"      # the area types the chapters already read
PUBLISHED_AREA_TYPE = "published_area_type"
# what the force's own notes say about records outside the districts: not a district's concern
_FORCE_ONLY_NOTE = "Records without a location in a known district"


def area_slug(name: str) -> str:
    """A district's folder name: `Castleford Moor` -> `castleford-moor`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "area"


def params_for_area(params: Params, district: str, recommendations: str) -> Params:
    """The params a district's chapters read: the district as the area, its own title and
    recommendations folder; the force's most similar group of forces does not apply to it."""
    if district not in params.area.districts:
        raise ValueError(f"{district!r} is not one of the districts of {params.area.force}")
    others = [d for d in params.area.districts if d != district]
    area = params.area.model_copy(update={
        "name": district, "force": district, "districts": others + [params.area.force],
        "most_similar_group": []})
    return params.model_copy(update={
        "title": f"{params.title}: {district}",
        "subtitle": f"{params.subtitle} (a district of {params.area.name})" if params.subtitle
        else f"A district of {params.area.name}",
        "area": area, "recommendations": recommendations})


def _relabel(frame: pd.DataFrame, district: str) -> pd.DataFrame:
    """The force's and districts' rows of a frame, the district as the subject; peers dropped."""
    if frame.empty or "area_type" not in frame.columns:
        return frame.copy()
    rows = frame[frame["area_type"].isin(["force", "district"])].copy()
    rows[PUBLISHED_AREA_TYPE] = rows["area_type"]
    rows["area_type"] = np.where(rows["area"] == district, SUBJECT, COMPARATOR)
    return rows


def view_summary(result: MeasureResult, district: str, params: Params) -> pd.DataFrame:
    """The district's summary: its own row judged against its baseline and the target, the force and
    the other districts compared with it. Counts and values are the force summary's (suppressed)."""
    measure = result.definition
    rows = _relabel(result.summary, district)
    subject = rows["area_type"] == SUBJECT
    rows = pd.concat([rows[subject], rows[~subject].sort_values("area")], ignore_index=True)
    subject = (rows["area_type"] == SUBJECT).to_numpy()
    own = rows[subject].iloc[0]
    baseline_end = params.baseline_months[1]
    rows["benchmark_name"] = np.where(subject, f"baseline (12 months to {baseline_end.strftime('%B %Y')})",
                                      district)
    rows["benchmark_value"] = np.where(subject, rows["baseline_value"].astype("float64"),
                                       float(own["value"]) if pd.notna(own["value"]) else np.nan)
    rows["comparison"] = comparison.compare_to_benchmark(
        rows["value"], rows["lower_95"], rows["upper_95"], rows["benchmark_value"], measure.polarity)
    # a hidden figure, the district's or another's, is never compared (it would hint at the value)
    hidden = rows["suppressed"].astype(bool).to_numpy() | (bool(own["suppressed"]) & ~subject)
    rows.loc[hidden, "comparison"] = comparison.NOT_COMPARED
    target = measure.target.model_dump() if isinstance(measure.target, AtLeast) else measure.target
    status, reason = _status(target, measure.polarity, rows[subject].iloc[0])
    rows["status"] = np.where(subject, status, "")
    rows["status_reason"] = np.where(subject, reason, "")
    return rows


def district_view(result: MeasureResult, district: str, params: Params, view_params: Params,
                  sources: Sources | None = None) -> MeasureResult:
    """One measure as the district's assessment shows it (see the module's docstring)."""
    measure_id = result.measure_id
    if result.not_available:
        return not_available_result(measure_id, view_params, result.not_available)
    if not (result.summary["area"] == district).any():
        return not_available_result(
            measure_id, view_params,
            f"the dataset '{result.definition.source}' gives figures for {params.area.force} as a whole, "
            f"not for its districts, so this measure is in the force's assessment only")
    extras: dict[str, pd.DataFrame] = {}
    if sources is not None and result.source_format == "police_uk_street" and result.definition.statistic != "proportion":
        # the district's own LSOAs: deprivation deciles and hotspots from its records
        only = params.model_copy(update={"area": params.area.model_copy(update={"districts": [district]})})
        extras.update(deprivation_frames(result.definition, sources, only))
    for name in ("locations", "lsoa_counts"):   # the maps: the force's records and LSOAs, in the district's
        if name in result.extras:
            frame = result.extras[name]
            frame = frame[frame["district"] == district].reset_index(drop=True)
            if not frame.empty:
                extras[name] = frame
    view = dataclasses.replace(
        result, area_name=district, force=district,
        monthly=_relabel(result.monthly, district), trend=_relabel(result.trend, district),
        summary=view_summary(result, district, params), extras=extras,
        notes=[n for n in result.notes if not n.startswith(_FORCE_ONLY_NOTE)])
    return view


def latest_records(result: MeasureResult, sources: Sources, params: Params) -> Sources:
    """The sources with a street measure's dataset cut to its records of the latest 12 months,
    filtered once for every district (not once per district: at 90,000 records a month the whole
    frame is millions of rows)."""
    measure = result.definition
    frames = sources.frames.get(measure.source) or {}
    if result.source_format != "police_uk_street" or "street" not in frames:
        return sources
    street = frames["street"]
    end = params.period_end_month
    # only what the district's deprivation, hotspots and maps read: each row filter copies the columns kept
    wanted = set(STREET_MAPPED) | set(measure.filter)
    street = street[[c for c in street.columns if c in wanted]]
    for column, allowed in measure.filter.items():
        if column in street.columns:
            street = street[street[column].isin(allowed)]
    street = street[(street["month"] >= end - 11) & (street["month"] <= end)]
    return dataclasses.replace(sources, frames={**sources.frames, measure.source: {**frames, "street": street}},
                               _memo=sources._memo)


def all_district_views(results: dict[str, MeasureResult], params: Params, views_params: dict[str, Params],
                       sources: Sources | None = None) -> dict[str, dict[str, MeasureResult]]:
    """Every district's view of every measure: district -> measure id -> result."""
    views: dict[str, dict[str, MeasureResult]] = {d: {} for d in views_params}
    for measure_id, result in results.items():
        narrowed = latest_records(result, sources, params) if sources is not None else None
        for district, view_params in views_params.items():
            views[district][measure_id] = district_view(result, district, params, view_params, narrowed)
    return views


def profile_view(profile: pd.DataFrame, district: str) -> pd.DataFrame:
    """The area profile (residents, households, LSOAs, deprivation) with the district first and the
    other districts and the force after it, as comparisons (area_type "comparison")."""
    rows = profile.copy()
    rows[PUBLISHED_AREA_TYPE] = rows["area_type"]
    subject = rows["area"] == district
    rows["area_type"] = np.where(subject, SUBJECT, "comparison")
    return pd.concat([rows[subject], rows[~subject]], ignore_index=True)
