"""Figures for a window shorter than the latest 12 months: the latest quarter, or the financial year to date.

Scrutiny papers are written between plans, for meetings held every quarter, so they can report the
latest quarter (the three months to the period end) or the financial year to date (April to the
period end) where the data allow. The figures come from the measure's own monthly counts with the
engine's statistics (`_statistic`: the same interval methods) and comparison rules, against:

* the same months a year earlier (the "previous" window, as the 12-month figure's previous year);
* the same calendar months of the plan's baseline year (a quarter is compared with that quarter of
  the baseline, so seasonality does not make a difference);
* the most similar group's average over the same months, where the source has the other forces.

A rate's denominator (population or households) is the one the 12-month figure used for the same
area and window, so a quarter's rate is per 1,000 in that quarter (not annualised). A window with a
month the data lack, or data that are not published that often (a yearly snapshot; quarterly tables
when the period end is not a quarter's end), gives no figure and says why (`not_available`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..params import AtLeast
from . import comparison
from .engine import _statistic, pct_change
from .result import MeasureResult

TWELVE_MONTHS = "12 months"
QUARTER = "quarter"
FINANCIAL_YEAR_TO_DATE = "financial year to date"
PERIODS = (TWELVE_MONTHS, QUARTER, FINANCIAL_YEAR_TO_DATE)

COLUMNS = ["area", "area_type", "count", "denominator", "value", "lower_95", "upper_95",
           "previous_count", "previous_value", "change_vs_previous_pct",
           "baseline_count", "baseline_value", "change_vs_baseline_pct",
           "benchmark_value", "comparison", "status", "suppressed"]


@dataclass
class PeriodFigures:
    """One measure's figures for one window, laid out like `MeasureResult.summary` (force, districts,
    peers) with the three windows named; `not_available` says why there are none."""

    period: str
    start: pd.Period
    end: pd.Period
    previous: tuple[pd.Period, pd.Period]
    baseline: tuple[pd.Period, pd.Period] | list[pd.Period]
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COLUMNS))
    msg_average: float | None = None
    not_available: str | None = None

    @property
    def force_row(self) -> pd.Series | None:
        rows = self.rows[self.rows["area_type"] == "force"]
        return rows.iloc[0] if not rows.empty else None


def window_months(period: str, end: pd.Period) -> list[pd.Period]:
    """The months of a window ending at `end`: 12, 3, or April to `end`."""
    if period == TWELVE_MONTHS:
        return list(pd.period_range(end - 11, end, freq="M"))
    if period == QUARTER:
        return list(pd.period_range(end - 2, end, freq="M"))
    if period == FINANCIAL_YEAR_TO_DATE:
        start_year = end.year if end.month >= 4 else end.year - 1
        return list(pd.period_range(pd.Period(f"{start_year}-04", freq="M"), end, freq="M"))
    raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def _baseline_months(result: MeasureResult, months: list[pd.Period]) -> list[pd.Period]:
    """The months of the baseline year with the same calendar months as the window."""
    baseline = pd.period_range(result.baseline_start, result.baseline_end, freq="M")
    wanted = {m.month for m in months}
    return [m for m in baseline if m.month in wanted]


def _why_not(result: MeasureResult, period: str, months: list[pd.Period]) -> str | None:
    step = result.month_step or 1
    if step >= 12:
        return f"the data are published once a year, so there is no figure for the {period}"
    if step == 3 and months[-1].month % 3 != 0:
        return (f"the data are published quarterly, and {months[-1].strftime('%B %Y')} is not the end of a "
                f"quarter, so there is no figure for the {period}")
    gaps = [m for m in months if m in set(result.months_missing)]
    if gaps:
        return (f"the data lack {', '.join(m.strftime('%B %Y') for m in gaps)}, so there is no figure for "
                f"the {period}")
    return None


def _sum_window(monthly: pd.DataFrame, months: list[pd.Period]) -> pd.DataFrame:
    inside = monthly[monthly["month"].isin(months)]
    summed = inside.groupby(["area", "area_type"], observed=True).agg(
        count=("count", "sum"), denominator=("denominator", lambda s: s.sum(min_count=1))).reset_index()
    areas = monthly[["area", "area_type"]].drop_duplicates()
    summed = areas.merge(summed, on=["area", "area_type"], how="left")
    summed["count"] = summed["count"].fillna(0.0).astype("float64")
    summed["denominator"] = summed["denominator"].astype("float64")
    return summed


def _rate_denominators(result: MeasureResult, window: str) -> pd.Series:
    """Each area's population (or households) for the 12-month window named: the engine's figure,
    read back from its summary (baseline and previous from their count and value)."""
    summary = result.summary.set_index("area")
    per = result.definition.per
    if window == "current":
        return summary["denominator"].astype("float64")
    count, value = summary[f"{window}_count"].astype("float64"), summary[f"{window}_value"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return (count / value * per).where(value > 0)


def _values(result: MeasureResult, months: list[pd.Period], window: str, confidence: float) -> pd.DataFrame:
    measure = result.definition
    win = _sum_window(result.monthly, months)
    if measure.statistic == "rate":
        win["denominator"] = win["area"].map(_rate_denominators(result, window)).astype("float64")
    stats = _statistic(measure, win["count"], win["denominator"], confidence)
    win["value"] = np.asarray(stats["value"], dtype="float64")
    win["lower_95"] = np.asarray(stats["lower"], dtype="float64")
    win["upper_95"] = np.asarray(stats["upper"], dtype="float64")
    return win


def _msg_average(result: MeasureResult, rows: pd.DataFrame) -> float | None:
    group = rows[rows["area_type"].isin(["force", "peer"])].dropna(subset=["count", "denominator"])
    if not (rows["area_type"] == "peer").any() or group.empty or group["denominator"].sum() == 0:
        return None
    ratio = group["count"].sum() / group["denominator"].sum()
    statistic = result.definition.statistic
    if statistic == "rate":
        return float(ratio * result.definition.per)
    if statistic == "proportion":
        return float(ratio * 100)
    return None


def period_figures(result: MeasureResult, period: str, confidence: float = 0.95) -> PeriodFigures:
    """The measure's figures for `period` (one of PERIODS) ending at its period end. For 12 months
    they are the engine's own summary, unchanged (so they equal measures.csv)."""
    end = result.period_end
    months = window_months(period, end)
    previous = [m - 12 for m in months]
    baseline = _baseline_months(result, months)
    figures = PeriodFigures(period, months[0], months[-1], (previous[0], previous[-1]),
                            (baseline[0], baseline[-1]) if baseline else [])
    if result.not_available or result.summary.empty:
        figures.not_available = result.not_available or "no data"
        return figures
    if period == TWELVE_MONTHS:
        rows = result.summary.copy()
        figures.rows = rows[[c for c in COLUMNS if c in rows.columns]]
        peers = rows[rows["area_type"] == "peer"]
        figures.msg_average = float(peers["benchmark_value"].iloc[0]) if not peers.empty else None
        return figures
    why = _why_not(result, period, months)
    if why:
        figures.not_available = why
        return figures
    measure = result.definition
    current = _values(result, months, "current", confidence)
    before = _values(result, previous, "previous", confidence)
    base = _values(result, baseline, "baseline", confidence) if baseline else None
    rows = current.merge(before[["area", "count", "value"]].rename(
        columns={"count": "previous_count", "value": "previous_value"}), on="area", how="left")
    if base is not None:
        rows = rows.merge(base[["area", "count", "value"]].rename(
            columns={"count": "baseline_count", "value": "baseline_value"}), on="area", how="left")
    else:
        rows["baseline_count"] = rows["baseline_value"] = np.nan
    zero = rows["baseline_count"] == 0      # as the engine: a zero baseline is no baseline
    rows.loc[zero, ["baseline_count", "baseline_value"]] = np.nan
    rows["change_vs_previous_pct"] = pct_change(rows["value"], rows["previous_value"])
    rows["change_vs_baseline_pct"] = pct_change(rows["value"], rows["baseline_value"])
    figures.msg_average = _msg_average(result, rows)
    force = rows.loc[rows["area_type"] == "force", "value"]
    force_value = float(force.iloc[0]) if not force.empty else np.nan
    rows["benchmark_value"] = np.select(
        [rows["area_type"] == "force", rows["area_type"] == "district", rows["area_type"] == "peer"],
        [rows["baseline_value"], force_value,
         figures.msg_average if figures.msg_average is not None else np.nan], np.nan)
    rows["comparison"] = comparison.compare_to_benchmark(
        rows["value"], rows["lower_95"], rows["upper_95"], rows["benchmark_value"], measure.polarity)
    target = measure.target.model_dump() if isinstance(measure.target, AtLeast) else measure.target
    rows["status"] = [comparison.target_status(target, measure.polarity, r["value"], r["previous_value"],
                                               r["baseline_value"]) if r["area_type"] == "force" else ""
                      for _, r in rows.iterrows()]
    threshold = result.suppression_threshold
    rows["suppressed"] = (rows["count"] > 0) & (rows["count"] < threshold)
    # a small count is never published, nor what it could be worked back from
    hidden = rows["suppressed"]
    rows.loc[hidden, ["count", "value", "lower_95", "upper_95", "change_vs_previous_pct",
                      "change_vs_baseline_pct"]] = np.nan
    small_before = (rows["previous_count"] > 0) & (rows["previous_count"] < threshold)
    rows.loc[small_before, ["previous_count", "previous_value", "change_vs_previous_pct"]] = np.nan
    small_base = (rows["baseline_count"] > 0) & (rows["baseline_count"] < threshold)
    rows.loc[small_base, ["baseline_count", "baseline_value", "change_vs_baseline_pct"]] = np.nan
    order = {"force": 0, "district": 1, "peer": 2}
    rows = rows.sort_values(["area_type", "area"], key=lambda s: s.map(order) if s.name == "area_type" else s)
    figures.rows = rows[COLUMNS].reset_index(drop=True)
    return figures
