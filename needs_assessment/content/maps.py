"""What the maps show, worked out without drawing them: the LSOA choropleth's data and classes,
whether a measure has a choropleth (or why not), the table of highest rates beside it, and where
the figure cache keeps the maps (content/figures.py has their draw functions).

No matplotlib and no shapely here: a chapter's kernel reads the maps' PNGs from the figure cache
(content/figures.py), drawn before it started by the build's figure pool (pipeline/figures.py), and
only needs this to write the table and the text around them. The drawing is in charts/choropleth.py,
which imports this module; the figure cache imports it only when a map is drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures import disclosure
from ..measures.result import MeasureResult
from . import findings as F
from .chart import ChartDataError
from .tables import slug

CLASSES = 5
CLASSIFICATION = "quintiles"   # said in the legend, caption and alt text
SUPPRESSED_LABEL = "[c] suppressed"
NO_FIGURE_LABEL = "no figure"

CHOROPLETH = "choropleth"           # the choropleth's kind in the figure cache, under the measure's id
AREA_PROFILE = "_area-profile"      # where the figure cache keeps the district map


def district_map_kind(area_name: str) -> str:
    """The district map's kind in the figure cache (under AREA_PROFILE)."""
    return f"district-map-{slug(area_name)}"


# --- the classes ---------------------------------------------------------------------------------

def quantile_breaks(rates: np.ndarray, k: int = CLASSES) -> list[float]:
    """Upper bounds of up to k classes of about equal numbers of areas (quintiles for k = 5), on
    rates rounded to one decimal place, as published: the last bound is the highest rate."""
    rates = np.round(np.asarray(rates, float), 1)
    rates = rates[~np.isnan(rates)]
    if rates.size == 0:
        return []
    bounds = [float(np.round(np.quantile(rates, q / k), 1)) for q in range(1, k)] + [float(rates.max())]
    return sorted(set(bounds))


def class_labels(breaks: list[float]) -> list[str]:
    labels, lower = [], None
    for upper in breaks:
        if lower is None:
            labels.append("0.0 (no records)" if upper == 0 else f"up to {F.format_number(upper, 1)}")
        else:
            labels.append(f"{F.format_number(lower + 0.1, 1)} to {F.format_number(upper, 1)}")
        lower = upper
    return labels


def classify(rates, breaks: list[float]) -> np.ndarray:
    """Index of each rate's class (rounded to one decimal place): rate <= its class's upper bound
    and above the one before (the classes are closed on the right, as mapclassify's are); -1 for none."""
    rounded = np.round(np.asarray(rates, float), 1)
    out = np.full(rounded.shape, -1, dtype=int)
    ok = ~np.isnan(rounded)
    out[ok] = np.searchsorted(np.asarray(breaks), rounded[ok], side="left")
    return out


# --- the choropleth's data -----------------------------------------------------------------------

def choropleth_data(lsoa_counts: pd.DataFrame, members: pd.DataFrame, areas: pd.DataFrame,
                    threshold: int) -> pd.DataFrame:
    """One row per map area: code, name, district, count, population, rate per 1,000, its class,
    and whether it is suppressed (count and rate then missing). `lsoa_counts`: lsoa_code, count,
    population (the records' LSOAs); `members`: lsoa_code -> code (the map area); `areas`: code,
    name, district. attrs: breaks, labels, the records' LSOAs not on the map and their records."""
    placed = lsoa_counts.merge(members, on="lsoa_code", how="inner")
    sums = placed.groupby("code")[["count", "population"]].sum()
    frame = areas[["code", "name", "district"]].merge(sums, left_on="code", right_index=True, how="inner")
    frame = frame.rename(columns={"code": "lsoa_code", "name": "lsoa_name"}).reset_index(drop=True)
    frame["rate_per_1000"] = np.where(frame["population"] > 0, frame["count"] / frame["population"].where(
        frame["population"] > 0) * 1000, np.nan)
    # the districts' totals are published: a district whose LSOAs hide one count hides a second
    controlled = disclosure.suppress_counts(frame, ["count"], threshold, group_columns="district",
                                            derived_columns={"count": ["rate_per_1000"]})
    frame["count"] = controlled.table["count"]
    frame["rate_per_1000"] = controlled.table["rate_per_1000"].astype(float)
    frame["suppressed"] = (controlled.flags["count"] != "").to_numpy()
    frame["suppression"] = controlled.flags["count"].to_numpy()
    breaks = quantile_breaks(frame.loc[~frame["suppressed"], "rate_per_1000"].to_numpy())
    labels = class_labels(breaks)
    index = classify(frame["rate_per_1000"].to_numpy(), breaks)
    frame["rate_class"] = [labels[i] if i >= 0 else (SUPPRESSED_LABEL if s else NO_FIGURE_LABEL)
                           for i, s in zip(index, frame["suppressed"])]
    frame["class_number"] = np.where(index >= 0, index + 1, 0)
    frame["rate_per_1000"] = frame["rate_per_1000"].round(1)
    unplaced = lsoa_counts[~lsoa_counts["lsoa_code"].isin(members["lsoa_code"])]
    frame = frame.sort_values(["district", "lsoa_name", "lsoa_code"], kind="stable").reset_index(drop=True)
    frame.attrs.update(breaks=breaks, labels=labels, classification=CLASSIFICATION,
                       unplaced_lsoas=sorted(unplaced["lsoa_code"]), unplaced_records=int(unplaced["count"].sum()))
    return frame


def measure_choropleth_data(result: MeasureResult, geography) -> pd.DataFrame:
    """choropleth_data of a measure's LSOA counts on the build's map geography, kept on the result
    (the chapter's text, its table and the map all ask for it)."""
    counts = result.extras.get("lsoa_counts")
    if counts is None or counts.empty or geography is None or geography.lsoas.empty:
        raise ChartDataError(f"{result.measure_id}: no LSOA rates or no LSOA boundaries to map")
    memo = result.__dict__.setdefault("_choropleth_data", {})
    key = (id(counts), id(geography))
    if key not in memo:
        memo.clear()
        memo[key] = choropleth_data(counts, geography.members, geography.lsoas, result.suppression_threshold)
    return memo[key]


def published(data: pd.DataFrame) -> pd.DataFrame:
    """The map areas with a published rate (in a class: not suppressed, not without a figure)."""
    return data[data["class_number"] > 0]


def top_rates_frame(data: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The LSOAs with the highest published rates (beside the map)."""
    shown = published(data).sort_values(["rate_per_1000", "lsoa_code"], ascending=[False, True]).head(n)
    return shown[["lsoa_code", "lsoa_name", "district", "count", "population", "rate_per_1000",
                  "rate_class"]].reset_index(drop=True)


# --- which maps a chapter shows ------------------------------------------------------------------

def choropleth_applies(result: MeasureResult) -> bool:
    """Whether the measure is one a choropleth is for (a count of street records, with data): such a
    measure shows its map, or says why there is none."""
    return result.source_format == "police_uk_street" and result.definition.statistic != "proportion" \
        and result.has_data


def choropleth_reason(result: MeasureResult, maps) -> str | None:
    """Why a measure the choropleth applies to has none, in words (None: it has one). `maps`: the
    build's geography.MapAvailability (None from a build that made none)."""
    reasons = []
    if maps is None or maps.lsoa_reason:
        reasons.append(maps.lsoa_reason if maps is not None else "the build made no map geography")
    if "lsoa_counts" not in result.extras:
        reasons.append("the rate in each neighbourhood needs the ONS population estimates by LSOA (format "
                       "ons_population_lsoa), which are not available")
    reason = "; and ".join(dict.fromkeys(reasons)) or None
    if reason is None and published(measure_choropleth_data(result, maps.geography)).empty:
        reason = "every neighbourhood's count is too small to publish"
    return reason


def district_map_reason(maps) -> str | None:
    """Why there is no map of the districts (None: there is one)."""
    if maps is None or maps.district_reason:
        return maps.district_reason if maps is not None else "the build made no map geography"
    return None
