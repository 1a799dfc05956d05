"""Confidence intervals for counts, rates, proportions and rate ratios.

The methods follow the Fingertips / PHEindicatormethods conventions (Public Health England, now
OHID/UKHSA), because they are the methods English public-sector analysts already use and quote:

* counts and rates: exact Poisson (Garwood, via the chi-squared distribution) for counts below 10 and
  Byar's approximation from 10 up (``phe_rate``). Byar's is within 0.2% of the exact limits from 10 up
  and needs no special functions, which is why PHE adopted it; we keep the same switch so that our
  figures match theirs to the last digit.
* proportions: the Wilson score interval (``phe_proportion``), which behaves at 0% and 100% where
  the normal approximation gives impossible limits.
* rate ratios (stop and search disproportionality): a log-normal interval on the ratio.

Every function is vectorised: it takes scalars, lists, numpy arrays or pandas Series (which must
broadcast against each other) and returns a DataFrame with one row per input element and the columns
``value, lower, upper, confidence, statistic, method``. When an input is a Series its index is kept,
so ``df[["value", "lower", "upper"]] = rate_ci(df["count"], df["pop"])[["value", "lower", "upper"]]``
lines up. A row that cannot be computed (missing count, missing or zero denominator) has NaN
value and limits and method ``"Not computed"`` rather than raising, because one missing district
must not stop a whole report. Impossible inputs (negative counts, numerator above denominator for a
proportion) raise ``ValueError``: those are data errors that somebody has to fix.

``confidence`` may be given as a fraction (0.95, 0.998) or a percentage (95, 99.8), as in
PHEindicatormethods; it must lie in [0.9, 1). The ``confidence`` column holds the fraction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

__all__ = [
    "INTERVAL_COLUMNS",
    "NOT_COMPUTED",
    "EXACT_POISSON",
    "BYAR",
    "WILSON",
    "RATE_RATIO_LOG",
    "RISK_RATIO_KATZ",
    "normalise_confidence",
    "exact_poisson_ci",
    "byar_ci",
    "poisson_count_ci",
    "rate_ci",
    "wilson_ci",
    "rate_ratio_ci",
]

INTERVAL_COLUMNS = ["value", "lower", "upper", "confidence", "statistic", "method"]

# Method names, as they appear in the `method` column and in the methods appendix.
NOT_COMPUTED = "Not computed"
EXACT_POISSON = "Exact Poisson"
BYAR = "Byar"
WILSON = "Wilson"
RATE_RATIO_LOG = "Log-normal (Katz) rate ratio"
RISK_RATIO_KATZ = "Log-normal (Katz) risk ratio"

# PHEindicatormethods switches from the exact method to Byar's at this count.
BYAR_FROM = 10


# --------------------------------------------------------------------------------------------------
# helpers

def normalise_confidence(confidence: float) -> float:
    """Return the confidence level as a fraction, accepting 0.95 or 95 (and 0.998 or 99.8).

    Levels below 90% are refused, as in PHEindicatormethods: nothing in a needs assessment should be
    judged on a weaker test, and a typo such as ``confidence=9.5`` should fail loudly.
    """
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number such as 0.95 or 95, not {confidence!r}") from None
    if 90 <= level < 100:
        level = level / 100
    if not 0.9 <= level < 1:
        raise ValueError(
            f"confidence must be between 0.9 and 1 (or 90 and 100), e.g. 0.95 or 0.998; got {confidence!r}")
    return level


def _z(level: float) -> float:
    return float(norm.ppf(1 - (1 - level) / 2))


def _index_of(*inputs) -> pd.Index | None:
    """The index of the first Series argument, so results line up with the caller's frame."""
    return next((x.index for x in inputs if isinstance(x, pd.Series)), None)


def _as_float(x, name: str) -> np.ndarray:
    """A float array with pandas NA/None turned into NaN (pd.NA would break numpy arithmetic)."""
    if isinstance(x, (pd.Series, pd.Index)):
        return pd.to_numeric(pd.Series(x), errors="raise").to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if arr.dtype == object:
        arr = np.array([np.nan if (v is None or v is pd.NA) else v for v in np.ravel(arr)],
                       dtype=float).reshape(np.shape(arr))
    try:
        return np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None


def _check_non_negative(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):  # NaN compares False, so missing values pass
        bad = arr[arr < 0][0]
        raise ValueError(f"{name} must be zero or more; found {bad:g}")


def _frame(value, lower, upper, level, statistic, method, index) -> pd.DataFrame:
    value, lower, upper, method = np.broadcast_arrays(value, lower, upper, method)
    out = pd.DataFrame({
        "value": np.ravel(value).astype(float),
        "lower": np.ravel(lower).astype(float),
        "upper": np.ravel(upper).astype(float),
        "confidence": level,
        "statistic": statistic,
        "method": np.ravel(method).astype(object),
    })
    if index is not None and len(index) == len(out):
        out.index = index
    return out


def _exact_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        # Garwood (1936): the limits are gamma quantiles, written with chi-squared as in
        # Armitage & Berry and in PHEindicatormethods. chi2 with 0 degrees of freedom is undefined,
        # and the lower limit for a count of 0 is 0 by definition.
        lower = np.where(count > 0, chi2.ppf(alpha / 2, 2 * np.where(count > 0, count, 1)) / 2, 0.0)
        upper = chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    lower = np.where(np.isnan(count), np.nan, lower)
    return lower, upper


def _byar_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(count > 0, count, 1.0)
        lower = np.where(count > 0, safe * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0)
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    # Byar's lower limit can dip below zero for tiny counts at 99.8%; a count's limit cannot.
    lower = np.where(np.isnan(count), np.nan, np.maximum(lower, 0.0))
    return lower, upper


# --------------------------------------------------------------------------------------------------
# counts and rates

def exact_poisson_ci(count, confidence: float = 0.95) -> pd.DataFrame:
    """Exact (Garwood) Poisson interval for an observed count: value is the count itself.

    Lower = chi2(alpha/2, 2x)/2 (0 when x = 0); upper = chi2(1 - alpha/2, 2x + 2)/2.
    """
    level = normalise_confidence(confidence)
    index = _index_of(count)
    x = _as_float(count, "count")
    _check_non_negative(x, "count")
    lower, upper = _exact_limits(x, level)
    method = np.where(np.isnan(x), NOT_COMPUTED, EXACT_POISSON)
    return _frame(x, lower, upper, level, "count", method, index)


def byar_ci(count, confidence: float = 0.95) -> pd.DataFrame:
    """Byar's approximation to the Poisson interval (Breslow & Day 1987), for every count.

    Prefer :func:`poisson_count_ci`, which uses the exact method below 10 as Fingertips does; this is
    exposed for checking and for the methods appendix.
    """
    level = normalise_confidence(confidence)
    index = _index_of(count)
    x = _as_float(count, "count")
    _check_non_negative(x, "count")
    lower, upper = _byar_limits(x, level)
    method = np.where(np.isnan(x), NOT_COMPUTED, BYAR)
    return _frame(x, lower, upper, level, "count", method, index)


def _count_limits(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    exact_lo, exact_hi = _exact_limits(x, level)
    byar_lo, byar_hi = _byar_limits(x, level)
    small = x < BYAR_FROM
    lower = np.where(small, exact_lo, byar_lo)
    upper = np.where(small, exact_hi, byar_hi)
    method = np.where(np.isnan(x), NOT_COMPUTED, np.where(small, EXACT_POISSON, BYAR))
    return lower, upper, method


def poisson_count_ci(count, confidence: float = 0.95) -> pd.DataFrame:
    """Interval for a count: exact Poisson below 10, Byar's from 10 (the phe_rate convention)."""
    level = normalise_confidence(confidence)
    index = _index_of(count)
    x = _as_float(count, "count")
    _check_non_negative(x, "count")
    lower, upper, method = _count_limits(x, level)
    return _frame(x, lower, upper, level, "count", method, index)


def _per_label(per: float) -> str:
    return f"{per:,.0f}" if float(per).is_integer() else f"{per:,g}"


def rate_ci(count, denominator, per: float = 1000, confidence: float = 0.95) -> pd.DataFrame:
    """Crude rate ``count / denominator * per`` with the count's Poisson interval scaled the same way.

    Treating the denominator (a population estimate) as fixed is the Fingertips convention: the
    uncertainty shown is the year-to-year randomness in the number of events, not error in the
    population estimate. Missing count, or a missing or zero denominator, gives NaN and
    "Not computed".
    """
    level = normalise_confidence(confidence)
    if not per > 0:
        raise ValueError(f"per must be positive (e.g. 1000 for a rate per 1,000); got {per!r}")
    index = _index_of(count, denominator)
    x = _as_float(count, "count")
    n = _as_float(denominator, "denominator")
    _check_non_negative(x, "count")
    _check_non_negative(n, "denominator")
    x, n = np.broadcast_arrays(x, n)
    lower, upper, method = _count_limits(x, level)
    ok = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(ok, per / np.where(ok, n, 1.0), np.nan)
    method = np.where(ok, method, NOT_COMPUTED)
    return _frame(x * scale, lower * scale, upper * scale, level, f"rate per {_per_label(per)}",
                  method, index)


# --------------------------------------------------------------------------------------------------
# proportions

def wilson_ci(numerator, denominator, confidence: float = 0.95, multiplier: float = 100) -> pd.DataFrame:
    """Proportion with a Wilson score interval (Wilson 1927; Newcombe & Altman 2000), as phe_proportion.

    ``multiplier=100`` gives percentages, 1 gives fractions. A numerator larger than its denominator
    raises ``ValueError``; a missing or zero denominator gives NaN and "Not computed".
    """
    level = normalise_confidence(confidence)
    index = _index_of(numerator, denominator)
    x = _as_float(numerator, "numerator")
    n = _as_float(denominator, "denominator")
    _check_non_negative(x, "numerator")
    _check_non_negative(n, "denominator")
    x, n = np.broadcast_arrays(x, n)
    too_big = (x > n) & (n > 0)  # a zero denominator is "Not computed", not an error
    if np.any(too_big):
        i = int(np.flatnonzero(too_big)[0])
        raise ValueError(f"numerator must not exceed denominator for a proportion; found {x.flat[i]:g} "
                         f"out of {n.flat[i]:g}")
    ok = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    z = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(ok, n, 1.0)
        xx = np.where(ok, x, 0.0)
        p = xx / nn
        centre = 2 * xx + z ** 2
        spread = z * np.sqrt(z ** 2 + 4 * xx * (1 - p))
        denom = 2 * (nn + z ** 2)
        lower = (centre - spread) / denom
        upper = (centre + spread) / denom
    # Pin the ends exactly: rounding can leave 1e-17 instead of 0 at x = 0 (and likewise at x = n).
    lower = np.where(xx == 0, 0.0, lower)
    upper = np.where(xx == nn, 1.0, upper)
    value = np.where(ok, p * multiplier, np.nan)
    lower = np.where(ok, lower * multiplier, np.nan)
    upper = np.where(ok, upper * multiplier, np.nan)
    method = np.where(ok, WILSON, NOT_COMPUTED)
    statistic = "percentage" if multiplier == 100 else ("proportion" if multiplier == 1
                                                         else f"proportion per {_per_label(multiplier)}")
    return _frame(value, lower, upper, level, statistic, method, index)


# --------------------------------------------------------------------------------------------------
# rate ratios

def rate_ratio_ci(count_a, denom_a, count_b, denom_b, confidence: float = 0.95,
                  kind: str = "rate") -> pd.DataFrame:
    """Ratio of group a's rate to reference group b's, with a log-normal interval.

    Used for stop and search disproportionality: searches per 1,000 of each ethnic group against the
    White group. The ratio is ``(a / Na) / (b / Nb)`` and the interval is
    ``exp(log(ratio) +/- z * se)``.

    ``kind="rate"`` (default): ``se = sqrt(1/a + 1/b)``, the Poisson form, because searches are
    events and the same person can be searched more than once, so a group's count is not bounded
    by its population. ``kind="risk"``: Katz et al. (1978), ``se = sqrt(1/a - 1/Na + 1/b - 1/Nb)``,
    for counts of people (each counted once). With populations in the thousands the two agree to
    several figures; "rate" is never narrower.

    A zero count in either group leaves the log undefined: the ratio is still given where it is
    finite (0 when a = 0) but the limits are NaN and the method says why. Missing inputs or zero
    denominators give NaN and "Not computed".
    """
    level = normalise_confidence(confidence)
    if kind not in ("rate", "risk"):
        raise ValueError(f"kind must be 'rate' or 'risk', not {kind!r}")
    index = _index_of(count_a, denom_a, count_b, denom_b)
    a, na, b, nb = (_as_float(v, name) for v, name in
                    ((count_a, "count_a"), (denom_a, "denom_a"), (count_b, "count_b"), (denom_b, "denom_b")))
    for arr, name in ((a, "count_a"), (na, "denom_a"), (b, "count_b"), (nb, "denom_b")):
        _check_non_negative(arr, name)
    a, na, b, nb = np.broadcast_arrays(a, na, b, nb)
    if kind == "risk" and (np.any((a > na) & (na > 0)) or np.any((b > nb) & (nb > 0))):
        raise ValueError("for kind='risk' each count must not exceed its denominator")
    z = _z(level)
    present = ~(np.isnan(a) | np.isnan(na) | np.isnan(b) | np.isnan(nb)) & (na > 0) & (nb > 0)
    positive = present & (a > 0) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(present & (b > 0), (a / np.where(present, na, 1)) / (b / np.where(present, nb, 1)),
                         np.nan)
        aa, bb = np.where(positive, a, 1.0), np.where(positive, b, 1.0)
        if kind == "rate":
            se = np.sqrt(1 / aa + 1 / bb)
        else:
            se = np.sqrt(np.maximum(1 / aa - 1 / np.where(positive, na, 2) + 1 / bb
                                    - 1 / np.where(positive, nb, 2), 0.0))
        log_ratio = np.log(np.where(positive, ratio, 1.0))
        lower = np.where(positive, np.exp(log_ratio - z * se), np.nan)
        upper = np.where(positive, np.exp(log_ratio + z * se), np.nan)
    name = RATE_RATIO_LOG if kind == "rate" else RISK_RATIO_KATZ
    method = np.where(positive, name,
                      np.where(present, f"{NOT_COMPUTED}: zero count", NOT_COMPUTED))
    return _frame(ratio, lower, upper, level, f"{kind} ratio", method, index)
