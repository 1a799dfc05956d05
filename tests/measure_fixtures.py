"""Small, realistic MeasureResult objects built by hand, for tests of charts, tables and findings.

Nothing here reads data files or runs the engine: the monthly counts are generated from a few level
settings (monthly count in the baseline year, the previous 12 months and the latest 12 months, with a
straight line between and a small seasonal wiggle), and the 12-month figures, intervals, comparisons
and statuses are computed from them with the project's own interval and comparison functions. So
every number in a fixture is consistent with every other, and a test can recompute what a chart or
a sentence should say from ``result.summary`` alone.

Suppressed rows keep their numbers (``summary.suppressed`` is True but count and value are still
there), which is harder than real results after disclosure control: code under test must hide them
because of the flag, not because they happen to be missing.

    import measure_fixtures as mf     # in tests (pytest puts tests/ on sys.path)
    result = mf.neighbourhood_crime()
    result = mf.build_result("weapon_possession", baseline_monthly=40, latest_monthly=52)  # polarity none
"""

from __future__ import annotations

import re

import math
from typing import Any

import numpy as np
import pandas as pd

from needs_assessment.measures import comparison, intervals
from needs_assessment.measures.result import SUMMARY_COLUMNS, MeasureResult
from needs_assessment.params import AtLeast, Measure

AREA_NAME = "Demoshire"
FORCE = "Demoshire Police"
THRESHOLD = 5

# district: (share of the force count, share of the force denominator)
DISTRICTS: dict[str, tuple[float, float]] = {
    "Ashby Vale": (0.16, 0.20),
    "Brookmere": (0.31, 0.22),
    "Castleford Moor": (0.17, 0.18),
    "Dunmoor": (0.15, 0.17),
    "Eastwick": (0.21, 0.23),
}

# most similar group peers: (value as a multiple of the force's latest value, denominator multiple)
PEERS: dict[str, tuple[float, float]] = {
    "Northvale Police": (0.82, 1.3),
    "Southmere Constabulary": (0.93, 0.8),
    "Westford Police": (1.32, 1.1),
    "Eastholm Constabulary": (1.08, 0.9),
    "Kingsbridge Police": (1.18, 1.6),
    "Marshland Police": (0.71, 0.7),
    "Highcross Police": (1.02, 1.2),
}

# The measure definitions the tests use, as in params/demo-2024.yml.
DEFINITIONS: dict[str, dict[str, Any]] = {
    "neighbourhood_crime": dict(
        title="Neighbourhood crime", chapter="P3", source="street_crime",
        filter={"crime_type": ["Burglary", "Robbery", "Theft from the person", "Vehicle crime"]},
        statistic="rate", denominator="households", polarity="lower", target="below_baseline",
        description="Burglary, robbery, theft from the person and vehicle crime."),
    "calls_999_answered": dict(
        title="999 calls answered within 10 seconds", chapter="P1", source="calls_999",
        statistic="proportion", numerator_field="answered_within_10s", denominator_field="total_calls",
        polarity="higher", target=AtLeast(at_least=90),
        description="The share of 999 calls answered within 10 seconds (national standard 90%)."),
    "victim_needs_assessments": dict(
        title="Victim needs assessments completed", chapter="P1", source="force_indicators",
        statistic="count", polarity="higher", target="increase",
        description="Needs assessments completed by the commissioned victim service."),
    "stalking_protection_orders": dict(
        title="Stalking protection orders", chapter="P2", source="force_indicators",
        statistic="count", polarity="higher", target="increase",
        description="Stalking protection orders granted (interim and full)."),
    "weapon_possession": dict(
        title="Possession of weapons offences", chapter="P3", source="street_crime",
        filter={"crime_type": ["Possession of weapons"]}, statistic="rate", denominator="population",
        polarity="none", target="monitor",
        description="Possession of weapons offences; monitored rather than targeted."),
    "ksi_casualties": dict(
        title="People killed or seriously injured on the roads", chapter="P3", source="road_casualties",
        filter={"casualty_severity": [1, 2]}, statistic="rate", denominator="population",
        polarity="lower", target="below_baseline",
        description="Road casualties killed or seriously injured."),
    "stop_search_rate": dict(
        title="Stop and search", chapter="T2", source="stop_search", statistic="rate",
        denominator="population", polarity="none", target="monitor",
        disproportionality="officer_defined_ethnicity",
        description="Stop and searches of people, with the rate ratio for each ethnic group against White residents."),
}

ETHNIC_GROUPS = {  # group: (share of residents, search rate relative to White)
    "Asian": (0.07, 1.4), "Black": (0.025, 3.2), "Mixed": (0.03, 1.6), "Other": (0.015, 1.1),
    "White": (0.86, 1.0),
}


def definition(measure_id: str, **overrides: Any) -> Measure:
    return Measure(**{**DEFINITIONS[measure_id], **overrides})


def _unit(measure: Measure) -> str:
    if measure.statistic == "rate":
        return f"per {measure.per:,} {'households' if measure.denominator == 'households' else 'population'}"
    return "%" if measure.statistic == "proportion" else "count"


def _levels(months: pd.PeriodIndex, end: pd.Period, baseline_end: pd.Period,
            baseline: float, previous: float, latest: float) -> np.ndarray:
    """Monthly level: `baseline` up to the baseline end, `previous` over the previous 12 months,
    `latest` over the latest 12, straight lines between, and a +/-6% seasonal wiggle."""
    anchors_x = [baseline_end.ordinal, (end - 12).ordinal - 11, (end - 12).ordinal, end.ordinal - 11]
    anchors_y = [baseline, previous, previous, latest]
    x = np.array([m.ordinal for m in months], dtype=float)
    level = np.interp(x, anchors_x, anchors_y)
    level[(x > (end - 12).ordinal)] = latest
    season = 1 + 0.06 * np.sin(2 * np.pi * (np.array([m.month for m in months]) - 3) / 12)
    return level * season


def _whole_counts(level: np.ndarray) -> np.ndarray:
    """Whole monthly counts whose running total tracks the running total of `level` (so a level of
    0.25 a month gives 3 a year, not 0)."""
    cumulative = np.floor(np.cumsum(level) + 0.5)
    return np.diff(np.concatenate([[0.0], cumulative]))


def _statistic(measure: Measure, count, denominator) -> pd.DataFrame:
    count = np.asarray(count, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    if measure.statistic == "rate":
        return intervals.rate_ci(count, denominator, per=measure.per)
    if measure.statistic == "proportion":
        return intervals.wilson_ci(count, denominator, multiplier=100)
    return intervals.poisson_count_ci(count)


def _windows(series: list[tuple[str, str, np.ndarray, np.ndarray]], months: pd.PeriodIndex,
             ends: list[pd.Period], measure: Measure, fixed_denominators: dict[str, float]) -> pd.DataFrame:
    """12-month totals and values for each window end and each area (vectorised: one interval call).
    series: (area, area_type, monthly counts, monthly cases) aligned to `months`. A window the data
    does not fully cover gives NaN, as in the engine."""
    first = months[0].ordinal
    rows = []
    for area, area_type, counts, cases in series:
        c_cum = np.concatenate([[0.0], np.cumsum(counts)])
        d_cum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(cases))])
        for end in ends:
            i = end.ordinal - first
            covered = 11 <= i < len(months)
            count = c_cum[i + 1] - c_cum[i - 11] if covered else np.nan
            if measure.statistic == "proportion":
                den = d_cum[i + 1] - d_cum[i - 11] if covered else np.nan
            elif measure.statistic == "rate":
                den = fixed_denominators[area]
            else:
                den = np.nan
            rows.append((end, area, area_type, count, den))
    win = pd.DataFrame(rows, columns=["end", "area", "area_type", "count", "denominator"])
    stats = _statistic(measure, win["count"], win["denominator"])
    win["value"] = stats["value"].to_numpy()
    win["lower_95"] = stats["lower"].to_numpy()
    win["upper_95"] = stats["upper"].to_numpy()
    win["method"] = list(stats["method"])
    return win


def _pct(new, old):
    new, old = np.asarray(new, float), np.asarray(old, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((old > 0) & np.isfinite(new), (new - old) / old * 100, np.nan)


def build_result(measure_id: str = "neighbourhood_crime", *,
                 baseline_monthly: float = 120.0, previous_monthly: float | None = None,
                 latest_monthly: float = 98.0, denominator: float = 101_000,
                 data_start: str = "2019-01", period_end: str = "2024-03",
                 baseline: tuple[str, str] = ("2019-01", "2019-12"),
                 districts: dict[str, tuple[float, float]] | None = None,
                 small_district: str | None = None,
                 peers: bool = True, deprivation: bool = True, disproportionality: bool = False,
                 small_group: str | None = None, zero_group: str | None = None,
                 small_decile: int | None = None,
                 threshold: int = THRESHOLD, **definition_overrides: Any) -> MeasureResult:
    """A MeasureResult for `measure_id` (a key of DEFINITIONS) from a few level settings.

    baseline_monthly / previous_monthly / latest_monthly: the monthly count (rates and counts) or,
        for a proportion, the monthly percentage, in the baseline year, the previous 12 months and the
        latest 12 months. previous_monthly defaults to halfway between baseline and latest.
    denominator: households or population for a rate (fixed); cases per month for a proportion.
    data_start: first month of data; later than the baseline end gives a result with no baseline.
    small_district: that district has about 3 a year, so it is suppressed in every window.
    small_group / small_decile: that ethnic group or IMD decile has a count below the threshold.
    zero_group: that ethnic group has no searches at all (a ratio of 0, with no interval).
    """
    measure = definition(measure_id, **definition_overrides)
    end = pd.Period(period_end, freq="M")
    baseline_start, baseline_end = (pd.Period(b, freq="M") for b in baseline)
    months = pd.period_range(data_start, period_end, freq="M")
    if previous_monthly is None:
        previous_monthly = (baseline_monthly + latest_monthly) / 2
    districts = DISTRICTS if districts is None else districts
    level = _levels(months, end, baseline_end, baseline_monthly, previous_monthly, latest_monthly)

    frames = []
    series: list[tuple[str, str, np.ndarray, np.ndarray]] = []
    if measure.statistic == "proportion":
        cases = np.full(len(months), float(denominator))
        force_count = np.minimum(np.round(cases * level / 100), cases)
    else:
        cases = np.full(len(months), np.nan)
        force_count = _whole_counts(level)
    frames.append(pd.DataFrame({"month": months, "area": FORCE, "area_type": "force",
                                "count": force_count, "denominator": cases}))
    series.append((FORCE, "force", force_count.astype(float), cases))
    fixed = {FORCE: float(denominator)}
    for name, (count_share, denominator_share) in districts.items():
        if name == small_district:
            count = np.array([1.0 if m.ordinal % 4 == 0 else 0.0 for m in months])
        elif measure.statistic == "proportion":
            # a district's percentage is the force's moved by up to a few points
            district_cases = np.round(cases * denominator_share)
            pct = np.clip(level + (count_share - denominator_share) * 30, 0, 100)
            count = np.round(district_cases * pct / 100)
        else:
            count = _whole_counts(level * count_share)
        if measure.statistic != "proportion":
            district_cases = cases
        if measure.statistic == "proportion" and name == small_district:
            district_cases = np.full(len(months), 2.0)
            count = np.minimum(count, district_cases)
        frames.append(pd.DataFrame({"month": months, "area": name, "area_type": "district",
                                    "count": count, "denominator": district_cases}))
        series.append((name, "district", np.asarray(count, float), np.asarray(district_cases, float)))
        fixed[name] = float(denominator) * denominator_share
    monthly = pd.concat(frames, ignore_index=True)
    monthly["count"] = monthly["count"].astype("float64")
    monthly["denominator"] = monthly["denominator"].astype("float64")

    # latest, previous and baseline windows
    trend_ends = list(pd.period_range(min(baseline_end, end), end, freq="M"))
    every = _windows(series, months, sorted({end, end - 12, baseline_end, *trend_ends}), measure, fixed)
    current = every[every["end"] == end].drop(columns="end").reset_index(drop=True)
    previous = every[every["end"] == end - 12].drop(columns="end").reset_index(drop=True)
    base = every[every["end"] == baseline_end].drop(columns="end").reset_index(drop=True)
    summary = current.merge(previous[["area", "count", "value"]].rename(
        columns={"count": "previous_count", "value": "previous_value"}), on="area", how="left")
    summary = summary.merge(base[["area", "count", "value"]].rename(
        columns={"count": "baseline_count", "value": "baseline_value"}), on="area", how="left")

    # most similar group peers (figures made from the force's latest value)
    msg_average = np.nan
    force_now = summary[summary["area_type"] == "force"].iloc[0]
    if peers and measure.statistic != "count" and not math.isnan(force_now["value"]):
        rows = []
        for name, (value_multiple, denominator_multiple) in PEERS.items():
            peer_den = float(force_now["denominator"]) * denominator_multiple
            if measure.statistic == "rate":
                peer_count = round(force_now["value"] * value_multiple * peer_den / measure.per)
            else:   # a percentage: move it by points, not by a multiple, and keep it below 100
                pct = min(99.0, max(1.0, force_now["value"] + (value_multiple - 1) * 20))
                peer_count = round(pct * peer_den / 100)
            rows.append({"area": name, "area_type": "peer", "count": float(peer_count),
                         "denominator": peer_den, "previous_count": np.nan, "previous_value": np.nan,
                         "baseline_count": np.nan, "baseline_value": np.nan})
        peer_frame = pd.DataFrame(rows)
        stats = _statistic(measure, peer_frame["count"], peer_frame["denominator"])
        peer_frame["value"] = stats["value"].to_numpy()
        peer_frame["lower_95"] = stats["lower"].to_numpy()
        peer_frame["upper_95"] = stats["upper"].to_numpy()
        peer_frame["method"] = list(stats["method"])
        summary = pd.concat([summary, peer_frame], ignore_index=True)
        group = summary[summary["area_type"].isin(["force", "peer"])]
        scale = measure.per if measure.statistic == "rate" else 100
        msg_average = float(group["count"].sum() / group["denominator"].sum() * scale)

    summary["measure_id"] = measure_id
    summary["period_start"] = end - 11
    summary["period_end"] = end
    summary["change_vs_previous_pct"] = _pct(summary["value"], summary["previous_value"])
    summary["change_vs_baseline_pct"] = _pct(summary["value"], summary["baseline_value"])
    force_value = float(summary.loc[summary["area_type"] == "force", "value"].iloc[0])
    summary["benchmark_name"] = summary["area_type"].map({
        "force": f"baseline (12 months to {baseline_end.strftime('%B %Y')})", "district": FORCE,
        "peer": "most similar group average"})
    summary["benchmark_value"] = np.select(
        [summary["area_type"] == "force", summary["area_type"] == "district", summary["area_type"] == "peer"],
        [summary["baseline_value"], force_value, msg_average], np.nan)
    summary["comparison"] = comparison.compare_to_benchmark(
        summary["value"], summary["lower_95"], summary["upper_95"], summary["benchmark_value"],
        measure.polarity).to_numpy()
    target = measure.target.model_dump() if isinstance(measure.target, AtLeast) else measure.target
    summary["status"] = [
        comparison.target_status(target, measure.polarity, v, p, b) if t == "force" else ""
        for t, v, p, b in zip(summary["area_type"], summary["value"], summary["previous_value"],
                              summary["baseline_value"])]
    summary["suppressed"] = (summary["count"] > 0) & (summary["count"] < threshold)
    # these fixtures have no months missing: every window is complete
    summary["status_reason"] = ""
    for column in ("months_missing", "previous_months_missing", "baseline_months_missing"):
        summary[column] = ""
    order = {"force": 0, "district": 1, "peer": 2}
    summary = summary.sort_values(["area_type", "area"],
                                  key=lambda s: s.map(order) if s.name == "area_type" else s)
    summary = summary[SUMMARY_COLUMNS].reset_index(drop=True)

    # rolling 12-month trend, from the baseline end (as the engine does)
    trend = every[every["end"].isin(trend_ends)].rename(
        columns={"end": "month", "count": "count_12m", "denominator": "denominator_12m"})
    trend = trend.sort_values(["month", "area_type", "area"], key=lambda c: c.map(
        {"force": 0, "district": 1}) if c.name == "area_type" else c).reset_index(drop=True)
    trend = trend[["month", "area", "area_type", "count_12m", "denominator_12m", "value", "lower_95", "upper_95"]]

    result = MeasureResult(
        measure_id=measure_id, definition=measure, area_name=AREA_NAME, force=FORCE,
        period_start=end - 11, period_end=end, baseline_start=baseline_start, baseline_end=baseline_end,
        unit=_unit(measure), monthly=monthly, trend=trend, summary=summary)

    if peers and (summary["area_type"] == "peer").any():
        rows = summary[summary["area_type"].isin(["force", "peer"])].copy()
        rows = rows.rename(columns={"denominator": "population"})
        rows["is_force"] = rows["area_type"] == "force"
        rows["rank"] = rows["value"].rank(method="min").astype("Int64")
        msg = rows[["area", "count", "population", "value", "lower_95", "upper_95", "rank", "is_force"]]
        msg = msg.sort_values("value").reset_index(drop=True)
        msg.attrs["msg_average"] = msg_average
        msg.attrs["group_size"] = len(msg)
        result.extras["msg"] = msg

    if deprivation and measure.statistic == "rate" and not math.isnan(force_now["count"]):
        result.extras.update(_deprivation(force_now, measure, small_decile))
    if disproportionality:
        result.extras["disproportionality"] = _disproportionality(force_now, small_group, zero_group)
    if math.isnan(float(summary.loc[0, "baseline_value"])):
        result.notes.append("There is no baseline figure for this measure: the data starts after "
                            f"{baseline_end.strftime('%B %Y')}.")
    return result


def _deprivation(force_now: pd.Series, measure: Measure, small_decile: int | None) -> dict[str, pd.DataFrame]:
    """By IMD decile: most deprived (1) about 2.9 times the least deprived (10). Rates per 1,000
    residents, as the engine gives them."""
    population = float(force_now["denominator"]) * (2.3 if measure.denominator == "households" else 1.0)
    weights = np.array([2.9 - 0.21 * (d - 1) for d in range(1, 11)])
    weights = weights / weights.sum()
    counts = np.floor(float(force_now["count"]) * weights + 0.5)
    if small_decile is not None:
        counts[small_decile - 1] = 3.0
    pops = np.full(10, population / 10).round()
    stats = intervals.rate_ci(counts, pops, per=1000)
    frame = pd.DataFrame({"imd_decile": np.arange(1, 11), "count": counts, "population": pops,
                          "value": stats["value"].to_numpy(), "lower_95": stats["lower"].to_numpy(),
                          "upper_95": stats["upper"].to_numpy()})
    hotspots = pd.DataFrame({
        "lsoa_code": [f"E0100{n:04d}" for n in range(1, 6)],
        "lsoa_name": [f"Brookmere {n:03d}A" for n in range(1, 6)],
        "district": "Brookmere", "imd_decile": [1, 1, 2, 1, 3],
        "count": [96.0, 88.0, 75.0, 71.0, 64.0], "value": [58.1, 52.3, 44.0, 41.2, 38.7]})
    return {"deprivation": frame, "hotspots": hotspots}


def _disproportionality(force_now: pd.Series, small_group: str | None, zero_group: str | None = None
                        ) -> pd.DataFrame:
    residents = float(force_now["denominator"])
    white_rate = float(force_now["count"]) / residents * 0.85   # searches per resident, White group
    rows = []
    for group, (share, relative) in ETHNIC_GROUPS.items():
        population = round(residents * share)
        searches = float(round(population * white_rate * relative))
        if group == small_group:
            searches = 3.0
        if group == zero_group:      # e.g. officer-defined ethnicity has no "Mixed" category
            searches = 0.0
        rows.append({"group": group, "searches": searches, "population": float(population)})
    frame = pd.DataFrame(rows)
    frame["rate"] = frame["searches"] / frame["population"] * 1000
    white = frame[frame["group"] == "White"].iloc[0]
    ratio = intervals.rate_ratio_ci(frame["searches"].to_numpy(), frame["population"].to_numpy(),
                                    white["searches"], white["population"])
    frame["rate_ratio"] = np.asarray(ratio["value"])
    frame["lower_95"] = np.asarray(ratio["lower"])
    frame["upper_95"] = np.asarray(ratio["upper"])
    return frame


# --------------------------------------------------------------------------------------------------
# named fixtures

def neighbourhood_crime(**kw: Any) -> MeasureResult:
    """Rate per 1,000 households, polarity lower, target below baseline: a significant fall
    (about 120 a month in 2019, 98 a month in the latest 12 months); Brookmere significantly higher
    than the force, Ashby Vale lower."""
    return build_result("neighbourhood_crime", **kw)


def neighbourhood_crime_similar(**kw: Any) -> MeasureResult:
    """As neighbourhood_crime, but the latest 12 months are within chance of the baseline."""
    return build_result("neighbourhood_crime", baseline_monthly=120.0, previous_monthly=121.0,
                        latest_monthly=118.0, **kw)


def calls_999(**kw: Any) -> MeasureResult:
    """Proportion with an at-least-90% target: 91.5% in 2019 falling to 86.2% (off track)."""
    kw.setdefault("deprivation", False)
    return build_result("calls_999_answered", baseline_monthly=91.5, previous_monthly=88.4,
                        latest_monthly=86.2, denominator=9_400, **kw)


def needs_assessments_no_baseline(**kw: Any) -> MeasureResult:
    """A count whose data starts in April 2021: no baseline figure."""
    kw.setdefault("peers", False)
    kw.setdefault("deprivation", False)
    return build_result("victim_needs_assessments", data_start="2021-04", baseline_monthly=0.0,
                        previous_monthly=310.0, latest_monthly=342.0, **kw)


def weapon_possession(**kw: Any) -> MeasureResult:
    """Polarity none: a significant rise (Higher), monitored without a target."""
    return build_result("weapon_possession", baseline_monthly=40.0, previous_monthly=47.0,
                        latest_monthly=52.0, denominator=812_000, **kw)


def suppressed_count(**kw: Any) -> MeasureResult:
    """A count with 3 in the latest 12 months (below the threshold of 5), 12 a year in the baseline."""
    kw.setdefault("peers", False)
    kw.setdefault("deprivation", False)
    kw.setdefault("districts", {})
    return build_result("stalking_protection_orders", baseline_monthly=1.0, previous_monthly=0.5,
                        latest_monthly=0.25, **kw)


def stop_search(**kw: Any) -> MeasureResult:
    """Stop and search rate per 1,000 population with disproportionality (Black 3.2 times White)."""
    kw.setdefault("deprivation", False)
    kw.setdefault("peers", False)
    return build_result("stop_search_rate", baseline_monthly=260.0, previous_monthly=300.0,
                        latest_monthly=285.0, denominator=812_000, disproportionality=True, **kw)


def no_data(measure_id: str = "neighbourhood_crime") -> MeasureResult:
    """A result with no rows at all (the source had nothing for the measure)."""
    measure = definition(measure_id)
    end = pd.Period("2024-03", freq="M")
    empty_summary = pd.DataFrame({c: pd.Series(dtype="object") for c in SUMMARY_COLUMNS})
    return MeasureResult(
        measure_id=measure_id, definition=measure, area_name=AREA_NAME, force=FORCE,
        period_start=end - 11, period_end=end, baseline_start=pd.Period("2019-01", freq="M"),
        baseline_end=pd.Period("2019-12", freq="M"), unit=_unit(measure),
        monthly=pd.DataFrame(columns=["month", "area", "area_type", "count", "denominator"]),
        trend=pd.DataFrame(columns=["month", "area", "area_type", "count_12m", "denominator_12m",
                                    "value", "lower_95", "upper_95"]),
        summary=empty_summary)


def blank_suppressed(result: MeasureResult) -> MeasureResult:
    """The result as it looks after disclosure control in the engine: suppressed rows' figures blanked."""
    summary = result.summary.copy()
    hide = summary["suppressed"].astype(bool)
    for column in ("count", "denominator", "value", "lower_95", "upper_95", "change_vs_previous_pct",
                   "change_vs_baseline_pct"):
        summary.loc[hide, column] = np.nan
    result.summary = summary
    return result


def force_row(result):
    """The force's row of a result's summary."""
    return result.summary[result.summary["area_type"] == "force"].iloc[0]


def shown(number: str, text: str) -> bool:
    """Is `number` (already formatted) in `text` as a whole number, not part of a longer one?"""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d,]|\.\d)", text) is not None
