"""Confidence intervals against published reference values and independent re-derivations.

Sources of the expected values (see each test):
* DHSC's Python port of PHEindicatormethods, DataS-DHSC/PHStatsMethods:
  ph_statistical_methods/tests/test.wilsons.py (Wilson limits) and
  ph_statistical_methods/archive/tests_old.py (Byar lower limit for 100; Wilson for 100/10,000 and
  phe_proportion(100, 1000)). PHEindicatormethods' own reference data (tests/testthat/
  testdata_Byars_Wilson.xlsx, testdata_Rate.xlsx) is binary and could not be read here.
* Newcombe RG (1998) Two-sided confidence intervals for the single proportion, Stat Med 17:857-872,
  Table II, Wilson score ("method 3") column.
* The standard table of exact 95% Poisson limits (Garwood 1936; reproduced in e.g. Geigy Scientific
  Tables and Armitage & Berry), to the 4 significant figures those tables print.
* Closed forms and definitions computed here without the module: Byar's formula written out, and
  the exact limits checked through the Poisson distribution function rather than chi-squared.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, poisson

from needs_assessment.measures.intervals import (
    BYAR, EXACT_POISSON, INTERVAL_COLUMNS, NOT_COMPUTED, RATE_RATIO_LOG, RISK_RATIO_KATZ, WILSON,
    byar_ci, exact_poisson_ci, normalise_confidence, poisson_count_ci, rate_ci, rate_ratio_ci,
    wilson_ci,
)


def sig4(a, b):
    """Equal to 4 significant figures (relative difference below half a unit in the 4th figure)."""
    return np.allclose(a, b, rtol=5e-4, atol=0)


def byar_by_hand(x, level):
    """Byar's method as printed in the Fingertips technical guidance (Breslow & Day 1987)."""
    z = norm.ppf(1 - (1 - level) / 2)
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


# --------------------------------------------------------------------------------------------------
# exact Poisson

# Garwood exact 95% limits for counts 0-10, 4 significant figures as printed in standard tables.
GARWOOD_95 = {
    0: (0.0, 3.689), 1: (0.02532, 5.572), 2: (0.2422, 7.225), 3: (0.6187, 8.767), 4: (1.090, 10.24),
    5: (1.623, 11.67), 6: (2.202, 13.06), 7: (2.814, 14.42), 8: (3.454, 15.76), 9: (4.115, 17.08),
    10: (4.795, 18.39),
}


def test_exact_poisson_matches_garwood_table():
    counts = list(GARWOOD_95)
    out = exact_poisson_ci(counts)
    assert list(out.columns) == INTERVAL_COLUMNS
    assert out["lower"].iloc[0] == 0.0
    assert sig4(out["lower"].iloc[1:], [GARWOOD_95[c][0] for c in counts[1:]])
    assert sig4(out["upper"], [GARWOOD_95[c][1] for c in counts])
    assert (out["method"] == EXACT_POISSON).all()


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_poisson_closed_forms(level):
    alpha = 1 - level
    out = exact_poisson_ci([0, 1], level)
    # For 0 events the upper limit solves exp(-U) = alpha/2; for 1 event the lower limit solves
    # 1 - exp(-L) = alpha/2.
    assert out["upper"].iloc[0] == pytest.approx(-math.log(alpha / 2), rel=1e-12)
    assert out["lower"].iloc[1] == pytest.approx(-math.log(1 - alpha / 2), rel=1e-12)


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_poisson_by_definition(level):
    """At the limits, the Poisson tail probabilities equal alpha/2 (independent of chi-squared)."""
    alpha = 1 - level
    counts = np.array([1, 2, 5, 9, 37, 250])
    out = exact_poisson_ci(counts, level)
    assert np.allclose(poisson.sf(counts - 1, out["lower"]), alpha / 2, rtol=1e-8)
    assert np.allclose(poisson.cdf(counts, out["upper"]), alpha / 2, rtol=1e-8)


# --------------------------------------------------------------------------------------------------
# Byar's and the switch between methods

def test_byar_lower_matches_phstatsmethods():
    # DataS-DHSC/PHStatsMethods ph_statistical_methods/archive/tests_old.py: byars_lower(100).
    # (That file's byars_upper value, 121.62458755509265, comes from a since-corrected slip in its
    # code, 1/(9x+1) for 1/(9(x+1)); PHEindicatormethods R/Byars.R has the formula used here.)
    assert byar_ci(100)["lower"].iloc[0] == pytest.approx(81.36210549052788, rel=1e-12)


@pytest.mark.parametrize("level", [0.95, 0.998, 95, 99.8])
@pytest.mark.parametrize("count", [10, 65, 100, 1045, 123456])
def test_byar_matches_formula(count, level):
    lower, upper = byar_by_hand(count, normalise_confidence(level))
    out = poisson_count_ci(count, level)
    assert out["lower"].iloc[0] == pytest.approx(lower, rel=1e-12)
    assert out["upper"].iloc[0] == pytest.approx(upper, rel=1e-12)
    assert out["method"].iloc[0] == BYAR


def test_byar_rounded_values():
    # Byar's limits for 65 events, the example PHEindicatormethods' tests use, to 4 s.f.
    out = poisson_count_ci([65, 65], 0.95)
    assert sig4(out[["lower", "upper"]].iloc[0], [50.16, 82.85])
    out = poisson_count_ci(65, 0.998)
    assert sig4(out[["lower", "upper"]].iloc[0], [42.88, 94.00])


def test_switch_at_ten_like_phe_rate():
    out = poisson_count_ci([0, 9, 9.5, 10, 11])
    assert out["method"].tolist() == [EXACT_POISSON] * 3 + [BYAR] * 2
    assert out["upper"].iloc[1] == pytest.approx(exact_poisson_ci(9)["upper"].iloc[0])
    assert out["upper"].iloc[3] == pytest.approx(byar_by_hand(10, 0.95)[1])


def test_byar_close_to_exact_from_ten():
    # The Fingertips technical guide: at 95%, Byar's is within 0.2% of the exact limits from 10 up.
    counts = np.arange(10, 3000)
    exact, byar = exact_poisson_ci(counts), byar_ci(counts)
    assert np.max(np.abs(byar["lower"] / exact["lower"] - 1)) < 0.002
    assert np.max(np.abs(byar["upper"] / exact["upper"] - 1)) < 0.002


def test_byar_lower_never_negative():
    out = byar_ci([0, 1, 2], 0.998)
    assert (out["lower"] >= 0).all()
    assert out["lower"].iloc[0] == 0


# --------------------------------------------------------------------------------------------------
# rates

def test_rate_scales_the_count_interval():
    out = rate_ci([65, 1045, 5], [100000, 250000, 1000], per=100000)
    count_ci = poisson_count_ci([65, 1045, 5])
    den = np.array([100000, 250000, 1000])
    assert np.allclose(out["value"], [65, 418, 500])
    assert np.allclose(out["lower"], count_ci["lower"] / den * 100000)
    assert np.allclose(out["upper"], count_ci["upper"] / den * 100000)
    assert out["method"].tolist() == [BYAR, BYAR, EXACT_POISSON]
    assert (out["statistic"] == "rate per 100,000").all()


def test_rate_per_1000_default_and_99_8():
    out = rate_ci(65, 100000)
    assert out["value"].iloc[0] == pytest.approx(0.65)
    assert sig4(out[["lower", "upper"]].iloc[0], [0.5016, 0.8285])
    assert out["statistic"].iloc[0] == "rate per 1,000"
    wide = rate_ci(65, 100000, confidence=99.8)
    assert wide["confidence"].iloc[0] == 0.998
    assert wide["lower"].iloc[0] < out["lower"].iloc[0] and wide["upper"].iloc[0] > out["upper"].iloc[0]


def test_rate_zero_count_has_zero_lower_limit():
    out = rate_ci(0, 5000, per=1000)
    assert out["value"].iloc[0] == 0
    assert out["lower"].iloc[0] == 0
    assert out["upper"].iloc[0] == pytest.approx(math.log(40) / 5000 * 1000)
    assert out["method"].iloc[0] == EXACT_POISSON


def test_rate_not_computed_for_missing_or_zero_denominator():
    out = rate_ci([10, 10, None, 10], [0, np.nan, 100, pd.NA])
    assert out["value"].isna().all() and out["lower"].isna().all() and out["upper"].isna().all()
    assert (out["method"] == NOT_COMPUTED).all()


def test_rate_keeps_series_index_and_nullable_input():
    count = pd.Series([12, 3, pd.NA], index=["North", "South", "East"], dtype="Int64")
    pop = pd.Series([1000, 2000, 3000], index=count.index)
    out = rate_ci(count, pop)
    assert list(out.index) == ["North", "South", "East"]
    assert out.loc["East", "method"] == NOT_COMPUTED
    assert out.loc["North", "value"] == pytest.approx(12)


def test_scalar_input_gives_one_row():
    out = rate_ci(50, 10000, per=1000)
    assert len(out) == 1 and out["value"].iloc[0] == pytest.approx(5)


@pytest.mark.parametrize("bad", [0.5, 9.5, 100, 1, -0.95, "high"])
def test_bad_confidence_rejected(bad):
    with pytest.raises(ValueError):
        rate_ci(10, 100, confidence=bad)


def test_negative_inputs_rejected():
    with pytest.raises(ValueError, match="count"):
        rate_ci(-1, 100)
    with pytest.raises(ValueError, match="denominator"):
        rate_ci(1, -100)


# --------------------------------------------------------------------------------------------------
# Wilson

@pytest.mark.parametrize("x, n, level, lower, upper", [
    # DataS-DHSC/PHStatsMethods ph_statistical_methods/tests/test.wilsons.py (fractions)
    (20, 360, 0.95, 0.036248204600072345, None),
    (550, 2400, 0.998, 0.20375892211705743, None),
    (30, 400, 0.95, None, 0.10504770626130437),
    (76, 238, 0.998, None, 0.418131030603369),
])
def test_wilson_matches_phstatsmethods(x, n, level, lower, upper):
    out = wilson_ci(x, n, level, multiplier=1)
    if lower is not None:
        assert out["lower"].iloc[0] == pytest.approx(lower, rel=1e-12)
    if upper is not None:
        assert out["upper"].iloc[0] == pytest.approx(upper, rel=1e-12)
    assert out["method"].iloc[0] == WILSON


def test_wilson_percentages_match_phstatsmethods():
    # DataS-DHSC/PHStatsMethods ph_statistical_methods/archive/tests_old.py (percentages):
    # wilson(100, 10000) and phe_proportion(100, 1000).
    out = wilson_ci([100, 100], [10000, 1000])
    assert out["lower"].iloc[0] == pytest.approx(0.8229336148148417, rel=1e-12)
    assert out["upper"].iloc[0] == pytest.approx(1.2146982255114647, rel=1e-12)
    assert out[["value", "lower", "upper"]].iloc[1].tolist() == pytest.approx(
        [10.0, 8.29094435930957, 12.01519631953484], rel=1e-12)
    assert (out["statistic"] == "percentage").all()


def test_wilson_matches_newcombe_1998():
    # Newcombe (1998) Table II, Wilson score interval, 4 decimal places.
    out = wilson_ci([81, 15, 0, 1], [263, 148, 20, 29], multiplier=1)
    assert np.allclose(out["lower"], [0.2553, 0.0624, 0.0, 0.0061], atol=5e-5)
    assert np.allclose(out["upper"], [0.3662, 0.1605, 0.1611, 0.1718], atol=5e-5)


def test_wilson_65_of_100():
    out = wilson_ci(65, 100)
    assert out["value"].iloc[0] == pytest.approx(65)
    assert sig4(out[["lower", "upper"]].iloc[0], [55.25, 73.64])
    wide = wilson_ci(65, 100, 0.998)
    assert sig4(wide[["lower", "upper"]].iloc[0], [49.55, 77.84])


def test_wilson_ends_and_missing():
    out = wilson_ci([0, 10, 5, 5], [10, 10, 0, None])
    assert out["lower"].iloc[0] == 0 and out["upper"].iloc[1] == 100
    assert out["method"].tolist() == [WILSON, WILSON, NOT_COMPUTED, NOT_COMPUTED]
    assert out["value"].iloc[2:].isna().all()


def test_wilson_numerator_above_denominator_rejected():
    with pytest.raises(ValueError, match="exceed"):
        wilson_ci(11, 10)


# --------------------------------------------------------------------------------------------------
# rate ratios

def test_rate_ratio_by_hand():
    # 300 searches of 10,000 people against 400 of 80,000: ratio (0.03 / 0.005) = 6.
    out = rate_ratio_ci(300, 10000, 400, 80000)
    se = math.sqrt(1 / 300 + 1 / 400)
    z = norm.ppf(0.975)
    assert out["value"].iloc[0] == pytest.approx(6.0)
    assert out["lower"].iloc[0] == pytest.approx(6 * math.exp(-z * se))
    assert out["upper"].iloc[0] == pytest.approx(6 * math.exp(z * se))
    assert out["method"].iloc[0] == RATE_RATIO_LOG
    assert out["statistic"].iloc[0] == "rate ratio"


def test_risk_ratio_katz_by_hand():
    out = rate_ratio_ci(30, 1000, 100, 10000, kind="risk", confidence=99.8)
    se = math.sqrt(1 / 30 - 1 / 1000 + 1 / 100 - 1 / 10000)
    z = norm.ppf(0.999)
    assert out["value"].iloc[0] == pytest.approx(3.0)
    assert out["lower"].iloc[0] == pytest.approx(3 * math.exp(-z * se))
    assert out["upper"].iloc[0] == pytest.approx(3 * math.exp(z * se))
    assert out["method"].iloc[0] == RISK_RATIO_KATZ


def test_rate_ratio_vectorised_with_reference_scalar():
    groups = pd.Series([120, 40, 900], index=["Black", "Asian", "White"])
    pops = pd.Series([6000, 8000, 300000], index=groups.index)
    out = rate_ratio_ci(groups, pops, 900, 300000)
    assert list(out.index) == ["Black", "Asian", "White"]
    assert out.loc["White", "value"] == pytest.approx(1.0)
    assert out.loc["White", "lower"] < 1 < out.loc["White", "upper"]
    assert out.loc["Black", "value"] == pytest.approx(20 / 3)
    # the interval is symmetric on the log scale
    assert np.allclose(out["lower"] * out["upper"], out["value"] ** 2)


def test_rate_ratio_zero_and_missing():
    out = rate_ratio_ci([0, 5, 5, None], [100, 100, 0, 100], [10, 0, 10, 10], [100, 100, 100, 100])
    assert out["value"].iloc[0] == 0 and np.isnan(out["lower"].iloc[0])
    assert out["method"].iloc[0] == "Not computed: zero count"
    assert np.isnan(out["value"].iloc[1]) and out["method"].iloc[1] == "Not computed: zero count"
    assert out["method"].iloc[2] == NOT_COMPUTED and out["method"].iloc[3] == NOT_COMPUTED


def test_many_rows_are_fast():
    n = 200_000
    rng = np.random.default_rng(1)
    out = rate_ci(rng.integers(0, 500, n), rng.integers(1000, 100000, n))
    assert len(out) == n and out["lower"].notna().all()
