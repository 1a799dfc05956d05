"""Generated findings text: numbers, changes, significance wording, polarity and suppression."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from needs_assessment.content import findings as F
try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf

force, shown = mf.force_row, mf.shown




# --------------------------------------------------------------------------------------------------
# helpers

@pytest.mark.parametrize("value, decimals, expected", [
    (12345.678, 1, "12,345.7"), (12345, 0, "12,345"), (-0.04, 1, "0.0"), (None, 1, "[x]"),
    (float("nan"), 1, "[x]"), (pd.NA, 0, "[x]"), (0.456, 2, "0.46"),
])
def test_format_number(value, decimals, expected):
    assert F.format_number(value, decimals) == expected


def test_change_and_points_phrases():
    assert F.change_phrase(-18.26) == "down 18.3%"
    assert F.change_phrase(4) == "up 4.0%"
    assert F.change_phrase(0.01) == "unchanged"
    assert F.change_phrase(None) == "[x]"
    assert F.points_phrase(-2.14) == "down 2.1 percentage points"
    assert F.points_phrase(1.0) == "up 1.0 percentage point"
    assert F.signed_change(3.25) == "+3.2%" or F.signed_change(3.25) == "+3.3%"
    assert F.signed_change(-18.26) == "-18.3%"


def test_period_phrases():
    end = pd.Period("2024-03", freq="M")
    assert F.period_phrase(end - 11, end) == "the 12 months to March 2024"
    assert F.period_phrase(end - 11, end, article=False) == "12 months to March 2024"
    assert F.period_phrase(pd.Period("2019-04", freq="M"), end) == "April 2019 to March 2024"
    assert F.period_phrase("2024-03", "2024-03") == "March 2024"
    assert F.baseline_phrase(mf.neighbourhood_crime(peers=False, deprivation=False), short=True) == "the 2019 baseline"


def test_format_value_units():
    rate = mf.neighbourhood_crime(peers=False, deprivation=False)
    assert F.format_value(11.64, rate) == "11.6 per 1,000 households"
    assert F.format_value(86.2, mf.calls_999(peers=False)) == "86.2%"
    assert F.format_value(4104.0, "count") == "4,104"
    assert F.format_value(0.7685, mf.weapon_possession(peers=False, deprivation=False)) == "0.77 per 1,000 population"
    assert F.format_value(1.0, rate, suppressed=True) == "[c]"


# --------------------------------------------------------------------------------------------------
# measure_finding

def test_finding_states_level_change_significance_comparison_and_status():
    r = mf.neighbourhood_crime()
    row = force(r)
    text = F.measure_finding(r)
    pct = (row["value"] - row["baseline_value"]) / row["baseline_value"] * 100
    prev = (row["value"] - row["previous_value"]) / row["previous_value"] * 100
    assert pct < 0 and row["upper_95"] < row["baseline_value"]   # the fixture: a significant fall
    assert f"{row['value']:.1f} per 1,000 households" in text
    assert "the 12 months to March 2024" in text
    assert f"down {abs(pct):.1f}% on the baseline" in text
    assert f"down {abs(prev):.1f}%" in text
    assert "a statistically significant fall" in text
    assert f"95% confidence interval {row['lower_95']:.1f} to {row['upper_95']:.1f}" in text
    assert f"{int(row['count']):,}" in text
    assert "Better" in text and "On track" in text
    assert '**[✓]{aria-hidden="true"} Better**' in text      # the symbol is not read out
    assert "12 months to December 2019" in text


def test_findings_change_when_the_numbers_change():
    a = F.measure_finding(mf.neighbourhood_crime())
    b = F.measure_finding(mf.build_result("neighbourhood_crime", latest_monthly=130.0))
    assert a != b
    rb = force(mf.build_result("neighbourhood_crime", latest_monthly=130.0))
    pct = (rb["value"] - rb["baseline_value"]) / rb["baseline_value"] * 100
    assert pct > 0
    assert f"up {pct:.1f}% on the baseline" in b
    assert f"{rb['value']:.1f} per 1,000 households" in b
    assert "Worse" in b and "Off track" in b


@pytest.mark.parametrize("latest", [98.0, 118.0, 121.0, 135.0])
def test_significance_wording_follows_the_interval(latest):
    r = mf.build_result("neighbourhood_crime", latest_monthly=latest, peers=False, deprivation=False)
    row = force(r)
    text = F.measure_finding(r)
    inside = row["lower_95"] <= row["baseline_value"] <= row["upper_95"]
    if inside:
        assert "not a statistically significant change" in text
        assert "a statistically significant fall" not in text and "a statistically significant rise" not in text
    else:
        direction = "rise" if row["value"] > row["baseline_value"] else "fall"
        assert f"a statistically significant {direction}" in text
        assert "not a statistically significant" not in text


def test_similar_fixture_is_not_significant():
    text = F.measure_finding(mf.neighbourhood_crime_similar())
    assert "not a statistically significant change" in text
    assert "Similar" in text


def test_proportion_gives_percentage_points_and_relative_change():
    r = mf.calls_999()
    row = force(r)
    text = F.measure_finding(r)
    points = row["value"] - row["baseline_value"]
    relative = points / row["baseline_value"] * 100
    assert f"{row['value']:.1f}%" in text
    assert f"down {abs(points):.1f} percentage points on the baseline" in text
    assert f"a relative fall of {abs(relative):.1f}%" in text
    assert f"{int(row['count']):,} out of {int(row['denominator']):,}" in text
    assert "at least 90%" in text and "Off track" in text


def test_polarity_none_describes_without_judging():
    r = mf.weapon_possession()
    text = F.measure_finding(r)
    assert "Higher" in text and "no preferred direction" in text
    for judgement in ("Better", "Worse", "better is", "is better", "improve", "deteriorat"):
        assert judgement not in text
    districts = F.district_finding(r)
    assert "significantly higher" in districts
    assert "worse" not in districts.lower() and "better" not in districts.lower()


def test_count_without_baseline():
    r = mf.needs_assessments_no_baseline()
    row = force(r)
    text = F.measure_finding(r)
    assert "no baseline figure" in text
    assert f"{int(row['count']):,}" in text
    prev = (row["value"] - row["previous_value"]) / row["previous_value"] * 100
    assert f"up {prev:.1f}%" in text
    assert "statistically significant" not in text


def test_suppressed_count_is_never_printed():
    r = mf.suppressed_count()
    row = force(r)
    assert row["suppressed"] and 0 < row["count"] < 5
    text = F.measure_finding(r)
    assert "[c]" in text
    assert not shown(f"{int(row['count'])}", text)
    assert "too small to publish" in text
    variables = F.variables_for(r)
    for key in ("count", "value", "rate", "lower", "upper", "change_vs_baseline", "change_vs_previous"):
        assert variables[key] == "[c]"
    assert not any(shown(str(int(row["count"])), v) for v in variables.values())


def test_no_data():
    r = mf.no_data()
    assert "No data are available" in F.measure_finding(r)
    assert F.variables_for(r)["status"] == "No data"
    assert F.variables_for(r)["value"] == "[x]"


# --------------------------------------------------------------------------------------------------
# the breakdowns

def test_district_finding_names_significant_districts_and_hides_suppressed():
    r = mf.neighbourhood_crime(small_district="Dunmoor")
    text = F.district_finding(r)
    d = r.summary.set_index("area")
    assert d.loc["Brookmere", "lower_95"] > d.loc["Demoshire Police", "value"]
    assert f"significantly higher in Brookmere ({d.loc['Brookmere', 'value']:.1f})" in text
    assert "Ashby Vale" in text and "lower" in text
    assert "Dunmoor" in text and "[c]" in text
    assert "Dunmoor (" not in text
    small = d.loc["Dunmoor"]
    for decimals in (1, 2):
        assert not shown(f"{small['value']:.{decimals}f}", text)


def test_msg_finding_rank_and_average():
    r = mf.neighbourhood_crime()
    msg = r.extras["msg"]
    me = msg[msg["is_force"]].iloc[0]
    text = F.msg_finding(r)
    assert f"the {int(me['rank'])}th lowest rate of the {len(msg)} forces" in text
    assert f"{msg.attrs['msg_average']:.1f} per 1,000 households" in text


def test_deprivation_finding_ratio():
    r = mf.neighbourhood_crime()
    dep = r.extras["deprivation"].set_index("imd_decile")
    ratio = dep.loc[1, "value"] / dep.loc[10, "value"]
    text = F.deprivation_finding(r)
    assert f"{ratio:.1f} times as high" in text
    assert "most deprived" in text and "statistically significant" in text
    hidden = F.deprivation_finding(mf.neighbourhood_crime(small_decile=10))
    assert "[c]" in hidden and "times" not in hidden


def test_disproportionality_finding():
    r = mf.stop_search(small_group="Other")
    frame = r.extras["disproportionality"].set_index("group")
    text = F.disproportionality_finding(r)
    assert f"{frame.loc['Black', 'rate_ratio']:.1f} times the rate for White people" in text
    assert "a statistically significant difference" in text
    # Other is small; Mixed, the next smallest, is hidden too (secondary suppression)
    assert "Mixed and Other ethnic groups are too small to publish ([c])" in text
    for group in ("Other", "Mixed"):
        assert f"{group} {frame.loc[group, 'rate_ratio']:.1f} times" not in text


def test_variables_for_keys_and_values():
    r = mf.neighbourhood_crime()
    row = force(r)
    v = F.variables_for(r)
    for key in ("count", "value", "rate", "lower", "upper", "change_vs_baseline", "change_vs_previous",
                "comparison", "status", "period"):
        assert isinstance(v[key], str) and v[key]
    assert v["value"] == f"{row['value']:.1f}"
    assert v["rate"] == f"{row['value']:.1f} per 1,000 households"
    assert v["count"] == f"{int(row['count']):,}"
    assert v["change_vs_baseline"] == f"down {abs(row['change_vs_baseline_pct']):.1f}%"
    assert v["period"] == "the 12 months to March 2024"
    assert v["comparison"] == "Better" and v["status"] == "On track"
    p = F.variables_for(mf.calls_999())
    assert p["change_vs_baseline"].endswith("percentage points")


def test_performance_summary_counts_and_lists_off_track():
    results = [mf.neighbourhood_crime(), mf.calls_999(), mf.needs_assessments_no_baseline(),
               mf.weapon_possession(), mf.suppressed_count(), mf.no_data("ksi_casualties")]
    text = F.performance_summary(results)
    assert "6 measures" in text
    assert "2 are on track and 2 off track" in text
    assert "1 is significantly better, 1 significantly worse" in text
    assert "- **999 calls answered within 10 seconds**: 86.2%" in text
    assert "- **Stalking protection orders**: too small to publish ([c])" in text
    row = force(results[4])
    assert not shown(f"{int(row['count'])}", text.split("Stalking protection orders")[1])


def test_msg_finding_ranks_among_the_published_forces_only():
    """A force whose figure is suppressed is left out of the rank and the group size, as in the
    chart and the table: counting it would say where its hidden figure lies."""
    r = mf.neighbourhood_crime()
    msg = r.extras["msg"]
    me = msg[msg["is_force"]].iloc[0]
    above = msg[~msg["is_force"] & (msg["value"] > me["value"])].index[0]
    msg.loc[above, "count"] = 3.0                      # below the threshold of 5: suppressed
    text = F.msg_finding(r)
    published = msg["value"].where(msg.index != above)
    rank = int(published.rank(method="min")[me.name])
    size = len(msg) - 1
    position = F.rank_position(rank, size)
    assert f"{position} rate of the {size} forces in its most similar group with figures to publish" in text
    assert f"of the {len(msg)} forces" not in text
