"""The measure engine on a small fixed dataset, checked against figures worked out here by hand
(plain pandas and the published formulas written out in the test, not the package)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from needs_assessment.measures.engine import Sources, compute_measure, compute_measures
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]
FORCE = "Testshire Police"
DISTRICTS = ["North", "South", "East"]


def small_params(tmp_path):
    base = load_params(ROOT / "params" / "demo-2024.yml")
    area = base.area.model_copy(update={"name": "Testshire", "force": FORCE, "districts": DISTRICTS,
                                        "most_similar_group": [FORCE, "Peer One Police", "Peer Two Police"]})
    return base.model_copy(update={"area": area, "period_end": "2021-12", "suppression_threshold": 5})


def byar(count: float, z: float = norm.ppf(0.975)) -> tuple[float, float]:
    """Byar's approximation written out (Breslow and Day), as PHEindicatormethods documents it."""
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


def exact(count: float) -> tuple[float, float]:
    lower = chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
    return lower, chi2.ppf(0.975, 2 * (count + 1)) / 2


def wilson(x: float, n: float, z: float = norm.ppf(0.975)) -> tuple[float, float]:
    p = x / n
    centre = (2 * x + z * z) / (2 * (n + z * z))
    half = z * math.sqrt(z * z + 4 * x * (1 - p)) / (2 * (n + z * z))
    return (centre - half) * 100, (centre + half) * 100


@pytest.fixture
def sources():
    rng = np.random.default_rng(7)
    months = pd.period_range("2019-01", "2021-12", freq="M")
    lsoas = pd.DataFrame({"lsoa_code": [f"E0100000{i}" for i in range(6)],
                          "lsoa_name": [f"L{i}" for i in range(6)],
                          "lad_name": ["North", "North", "South", "South", "East", "East"],
                          "population": [1000, 1500, 2000, 1000, 800, 700]})
    rows = []
    # Burglary falls in North and South; East has only a handful (small counts to suppress).
    for m in months:
        late = m.year == 2021
        for code, lad, n in [("E01000000", "North", 30), ("E01000001", "North", 20), ("E01000002", "South", 25),
                             ("E01000003", "South", 10)]:
            k = int(n * (0.7 if late else 1.0)) + int(rng.integers(0, 3))
            rows += [{"month": m, "lsoa_code": code, "crime_type": "Burglary"}] * k
        if m.month in (3, 7) and m.year in (2019, 2021):
            rows.append({"month": m, "lsoa_code": "E01000004", "crime_type": "Burglary"})
        rows += [{"month": m, "lsoa_code": "E01000005", "crime_type": "Drugs"}] * 3
        rows.append({"month": m, "lsoa_code": "", "crime_type": "Burglary"})   # no location
    street = pd.DataFrame(rows)
    pop_lsoa = pd.concat([lsoas.assign(year=y) for y in (2019, 2020, 2021)])
    pop_area = pd.DataFrame([
        {"name": n, "year": y, "population": p, "code": "", "geography": g}
        for y in (2019, 2020, 2021)
        for n, p, g in [("North", 2500, "Local Authority"), ("South", 3000, "Local Authority"),
                        ("East", 1500, "Local Authority"), (FORCE, 7000, "Police Force Area"),
                        ("Peer One Police", 9000, "Police Force Area"), ("Peer Two Police", 5000, "Police Force Area")]])
    households = pd.DataFrame({"geography": DISTRICTS, "geography_code": ["a", "b", "c"],
                               "households": [1100, 1300, 600]})
    indicators = []
    for m in months:
        for area, den in [(FORCE, 200), ("North", 80), ("South", 90), ("East", 30)]:
            share = 0.6 if m.year == 2019 else 0.7
            indicators.append({"measure": "victim_satisfaction", "month": m, "area": area,
                               "value": int(den * share), "denominator": den, "notes": ""})
    calls = []
    for m in months:
        for force, total, fast in [(FORCE, 1000, 850), ("Peer One Police", 1200, 1150), ("Peer Two Police", 800, 700)]:
            calls.append({"month": m, "force_name": force, "total_calls": total, "answered_within_10s": fast,
                          "answered_over_60s": 5})
    return Sources(
        frames={"street_crime": {"street": street}, "population_lsoa": {"population": pop_lsoa},
                "population_area": {"population": pop_area}, "households": {"households": households},
                "force_indicators": {"indicators": pd.DataFrame(indicators)},
                "calls_999": {"calls": pd.DataFrame(calls)}},
        formats={"street_crime": "police_uk_street", "population_lsoa": "ons_population_lsoa",
                 "population_area": "ons_population_area", "households": "census_households",
                 "force_indicators": "indicator_template", "calls_999": "home_office_999"})


def window_count(street, lsoas, months):
    return street[street["month"].isin(months) & street["lsoa_code"].isin(lsoas)].shape[0]


def test_neighbourhood_crime_rate_per_household_against_baseline(tmp_path, sources):
    params = small_params(tmp_path)
    result = compute_measure("neighbourhood_crime", params, sources)
    street = sources.frames["street_crime"]["street"]
    latest = pd.period_range("2021-01", "2021-12", freq="M")
    baseline = pd.period_range("2019-01", "2019-12", freq="M")
    burglary = street[street["crime_type"] == "Burglary"]
    # by hand: the force counts every record, including those with no location
    force_now = burglary[burglary["month"].isin(latest)].shape[0]
    force_base = burglary[burglary["month"].isin(baseline)].shape[0]
    households = 1100 + 1300 + 600
    row = result.force_row
    assert row["count"] == force_now
    assert row["value"] == pytest.approx(force_now / households * 1000)
    lo, hi = byar(force_now)
    assert row["lower_95"] == pytest.approx(lo / households * 1000, rel=1e-9)
    assert row["upper_95"] == pytest.approx(hi / households * 1000, rel=1e-9)
    assert row["baseline_count"] == force_base
    change = (force_now - force_base) / force_base * 100
    assert row["change_vs_baseline_pct"] == pytest.approx(change)
    # baseline rate lies above the upper limit: a significant fall, lower is better
    assert force_base / households * 1000 > hi / households * 1000
    assert row["comparison"] == "Better"
    assert row["status"] == "On track"      # target below_baseline
    north = result.summary.set_index("area").loc["North"]
    assert north["count"] == window_count(burglary, ["E01000000", "E01000001"], latest)
    assert north["value"] == pytest.approx(north["count"] / 1100 * 1000)
    assert north["benchmark_value"] == pytest.approx(row["value"])


def test_small_district_is_suppressed_with_a_secondary(tmp_path, sources):
    params = small_params(tmp_path)
    result = compute_measure("neighbourhood_crime", params, sources)
    summary = result.summary.set_index("area")
    # East has 2 burglaries in 2021: below 5, so suppressed with its rate and interval ...
    assert summary.loc["East", "suppressed"]
    assert pd.isna(summary.loc["East", "count"]) and pd.isna(summary.loc["East", "value"])
    assert summary.loc["East", "comparison"] == "Not compared"
    # ... and the next smallest district too, so force minus the others does not reveal it
    others = summary.drop(index=[FORCE, "East"])
    assert others["count"].isna().sum() == 1
    assert not summary["count"].dropna().between(1, 4).any()


def test_proportion_uses_wilson_and_target_direction(tmp_path, sources):
    params = small_params(tmp_path)
    result = compute_measure("victim_satisfaction", params, sources)
    row = result.force_row
    x, n = 12 * int(200 * 0.7), 12 * 200
    assert row["count"] == x and row["denominator"] == n
    assert row["value"] == pytest.approx(x / n * 100)
    lo, hi = wilson(x, n)
    assert row["lower_95"] == pytest.approx(lo) and row["upper_95"] == pytest.approx(hi)
    assert row["baseline_value"] == pytest.approx(12 * int(200 * 0.6) / n * 100)
    assert row["comparison"] == "Better"         # higher is better, significantly above 60%
    assert row["status"] == "Off track"          # target increase: 2021 equals 2020, not higher


def test_most_similar_group_weighted_average_and_rank(tmp_path, sources):
    params = small_params(tmp_path)
    result = compute_measure("calls_999_answered", params, sources)
    msg = result.extras["msg"]
    expected_average = (850 + 1150 + 700) / (1000 + 1200 + 800) * 100
    assert msg.attrs["msg_average"] == pytest.approx(expected_average)
    force = msg[msg["is_force"]].iloc[0]
    assert force["value"] == pytest.approx(85.0)
    assert force["rank"] == 1                # the lowest share of the three
    assert result.force_row["status"] == "Off track"   # at_least 90


def test_count_measure_uses_exact_poisson_below_ten(tmp_path, sources):
    params = small_params(tmp_path)
    result = compute_measure("drug_offences", params, sources)
    row = result.force_row
    assert row["count"] == 36
    assert row["value"] == pytest.approx(36 / 7000 * 1000)
    east = result.summary.set_index("area").loc["East"]
    assert east["count"] == 36      # all drugs records are in East
    lo, hi = exact(3)
    from needs_assessment.measures.intervals import poisson_count_ci
    got = poisson_count_ci([3]).iloc[0]
    assert (got["lower"], got["upper"]) == pytest.approx((lo, hi))


def test_rolling_trend_matches_window_totals(tmp_path, sources):
    params = small_params(tmp_path)
    results = compute_measures(params, sources, ["neighbourhood_crime"])
    trend = results["neighbourhood_crime"].trend
    force = trend[trend["area_type"] == "force"].set_index("month")
    burglary = sources.frames["street_crime"]["street"].query("crime_type == 'Burglary'")
    for end in [pd.Period("2019-12", "M"), pd.Period("2020-06", "M"), pd.Period("2021-12", "M")]:
        months = pd.period_range(end - 11, end, freq="M")
        assert force.loc[end, "count_12m"] == burglary[burglary["month"].isin(months)].shape[0]


def test_parallel_computation_gives_the_same_results(tmp_path, sources):
    params = small_params(tmp_path)
    ids = ["neighbourhood_crime", "victim_satisfaction", "calls_999_answered", "drug_offences"]
    serial = compute_measures(params, sources, ids, jobs=1)
    parallel = compute_measures(params, sources, ids, jobs=2)
    assert list(parallel) == ids
    for measure_id in ids:
        pd.testing.assert_frame_equal(serial[measure_id].summary, parallel[measure_id].summary)
        pd.testing.assert_frame_equal(serial[measure_id].trend, parallel[measure_id].trend)


# --- months missing (docs/assumptions.md, 14) --------------------------------------------------------

def without_months(sources, months):
    """The same sources with every street record of these months gone, as when police.uk publishes nothing."""
    street = sources.frames["street_crime"]["street"]
    drop = [pd.Period(m, "M") for m in months]
    frames = dict(sources.frames, street_crime={"street": street[~street["month"].isin(drop)].reset_index(drop=True)})
    return Sources(frames=frames, formats=sources.formats)


def with_target(params, measure_id, target):
    measures = dict(params.measures)
    measures[measure_id] = measures[measure_id].model_copy(update={"target": target})
    return params.model_copy(update={"measures": measures})


def test_a_gap_in_the_previous_12_months_is_counted_as_published_and_not_judged(tmp_path, sources):
    gapped = without_months(sources, ["2020-09", "2020-10", "2020-11"])
    params = with_target(small_params(tmp_path), "neighbourhood_crime", "reduce")
    row = compute_measure("neighbourhood_crime", params, gapped).force_row
    burglary = gapped.frames["street_crime"]["street"].query("crime_type == 'Burglary'")
    # by hand: the 9 months of 2020 that were published
    assert row["previous_count"] == burglary[burglary["month"].dt.year == 2020].shape[0]
    assert row["previous_months_missing"] == "2020-09;2020-10;2020-11"
    assert pd.isna(row["previous_value"]) and pd.isna(row["change_vs_previous_pct"])
    # the latest 12 months and the baseline are complete: still computed and compared
    assert row["months_missing"] == "" and row["baseline_months_missing"] == ""
    assert row["count"] == burglary[burglary["month"].dt.year == 2021].shape[0]
    assert row["comparison"] == "Better"
    # a target against the previous 12 months cannot be judged, and says why
    assert row["status"] == "Not assessed"
    assert row["status_reason"] == "3 months missing from the previous 12 months"
    # the same gap does not touch a target against the baseline
    baseline_target = with_target(small_params(tmp_path), "neighbourhood_crime", "below_baseline")
    again = compute_measure("neighbourhood_crime", baseline_target, gapped).force_row
    assert again["status"] == "On track" and again["status_reason"] == ""


def test_a_gap_in_the_latest_12_months_gives_a_count_but_no_rate_comparison_or_status(tmp_path, sources):
    gapped = without_months(sources, ["2021-03"])
    result = compute_measure("neighbourhood_crime", small_params(tmp_path), gapped)
    burglary = gapped.frames["street_crime"]["street"].query("crime_type == 'Burglary'")
    row = result.force_row
    assert row["count"] == burglary[burglary["month"].dt.year == 2021].shape[0]
    assert row["months_missing"] == "2021-03"
    for column in ("value", "lower_95", "upper_95", "change_vs_baseline_pct", "change_vs_previous_pct"):
        assert pd.isna(row[column]), column
    assert row["comparison"] == "Not compared"
    assert row["status"] == "Not assessed"
    assert row["status_reason"] == "1 month missing from the latest 12 months"
    districts = result.summary[result.summary["area_type"] == "district"]
    assert (districts["months_missing"] == "2021-03").all()
    assert districts["value"].isna().all() and (districts["comparison"] == "Not compared").all()
    assert result.months_missing == [pd.Period("2021-03", "M")]


def test_rolling_windows_with_a_missing_month_have_their_count_and_no_value(tmp_path, sources):
    gapped = without_months(sources, ["2020-09", "2020-10", "2020-11"])
    trend = compute_measure("neighbourhood_crime", small_params(tmp_path), gapped).trend
    force = trend[trend["area_type"] == "force"].set_index("month")
    burglary = gapped.frames["street_crime"]["street"].query("crime_type == 'Burglary'")
    for end in pd.period_range("2019-12", "2021-12", freq="M"):
        months = pd.period_range(end - 11, end, freq="M")
        gap = [m for m in months if str(m) in ("2020-09", "2020-10", "2020-11")]
        assert force.loc[end, "count_12m"] == burglary[burglary["month"].isin(months)].shape[0]
        assert force.loc[end, "months_missing"] == ";".join(str(m) for m in gap)
        assert pd.isna(force.loc[end, "value"]) == bool(gap), str(end)
    # exactly the 14 windows ending September 2020 to October 2021 include a missing month
    assert (force["months_missing"] != "").sum() == 14


def test_a_window_before_the_data_starts_is_blank_and_never_crashes(tmp_path, sources):
    # The baseline (2019) is before this data's first month: no figure, no TypeError on an int column.
    street = sources.frames["street_crime"]["street"]
    late = Sources(frames=dict(sources.frames, street_crime={"street": street[street["month"] >= pd.Period("2019-06", "M")]}),
                   formats=sources.formats)
    row = compute_measure("neighbourhood_crime", small_params(tmp_path), late).force_row
    assert pd.isna(row["baseline_count"]) and pd.isna(row["baseline_value"])
    assert row["baseline_months_missing"] == ""      # not reached, rather than missing
    assert pd.notna(row["value"])


def test_a_month_without_records_of_a_rare_offence_is_a_zero_not_a_gap(tmp_path, sources):
    # East's burglaries are in March and July only; the dataset has every month, so East's windows are
    # complete, and so is the force's.
    result = compute_measure("neighbourhood_crime", small_params(tmp_path), sources)
    assert (result.summary["months_missing"] == "").all()
    assert (result.trend["months_missing"] == "").all()
    assert result.months_missing == []


def test_quarterly_windows_expect_four_quarter_ends():
    from needs_assessment.measures.engine import Coverage
    month = lambda s: pd.Period(s, "M")   # noqa: E731
    quarters = [month(m) for m in ("2019-03", "2019-06", "2019-12", "2020-03", "2020-06")]
    coverage = Coverage({None: quarters}, step=3)
    assert coverage.window(month("2019-12")) == (True, [month("2019-09")])
    assert coverage.window(month("2020-06")) == (True, [month("2019-09")])
    assert coverage.window(month("2020-12")) == (False, [])      # beyond the last quarter
    assert Coverage({None: quarters[:2] + quarters[3:]}, 3).window(month("2020-03"))[1] == \
        [month("2019-09"), month("2019-12")]


# --- memory: the columns the measures stage keeps ------------------------------------------------------

def test_unread_police_uk_columns_are_dropped_and_the_results_are_unchanged(tmp_path, sources):
    from needs_assessment.measures.stage import without_unread_columns

    params = small_params(tmp_path)
    street = sources.frames["street_crime"]["street"]
    n = len(street)
    full = street.assign(crime_id=[f"id{i}" for i in range(n)], location="On or near Main Street",
                         reported_by=FORCE, falls_within=FORCE, context=None,
                         last_outcome_category=np.where(np.arange(n) % 3 == 0, "Under investigation", "Unable"),
                         lsoa_name=street["lsoa_code"].str.replace("E0100000", "L"),
                         longitude=-1.5 + np.arange(n) % 7 / 100, latitude=54.7 + np.arange(n) % 5 / 100)
    kept = without_unread_columns({"street": full}, "street_crime", "police_uk_street", params)["street"]
    assert set(full.columns) - set(kept.columns) == {"crime_id", "location", "reported_by", "context",
                                                     "last_outcome_category"}
    # a column a measure filters on is kept
    measures = dict(params.measures)
    measures["drug_offences"] = measures["drug_offences"].model_copy(
        update={"filter": {"crime_type": ["Drugs"], "last_outcome_category": ["Unable"]}})
    filtering = params.model_copy(update={"measures": measures})
    assert "last_outcome_category" in without_unread_columns({"street": full}, "street_crime", "police_uk_street",
                                                             filtering)["street"].columns
    # the same figures from the whole frame and from the columns kept
    ids = ["neighbourhood_crime", "drug_offences"]
    whole = compute_measures(params, dataclasses.replace(sources, frames={**sources.frames,
                                                                          "street_crime": {"street": full}}), ids, jobs=1)
    narrow = compute_measures(params, dataclasses.replace(sources, frames={**sources.frames,
                                                                           "street_crime": {"street": kept}}), ids, jobs=1)
    for measure_id in ids:
        pd.testing.assert_frame_equal(whole[measure_id].summary, narrow[measure_id].summary)
        pd.testing.assert_frame_equal(whole[measure_id].trend, narrow[measure_id].trend)
        assert whole[measure_id].extras.keys() == narrow[measure_id].extras.keys()
        for name, frame in whole[measure_id].extras.items():
            pd.testing.assert_frame_equal(frame, narrow[measure_id].extras[name])
