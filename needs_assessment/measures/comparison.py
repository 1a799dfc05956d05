"""Comparing a value with a benchmark, judging progress against a target, and how to show the result.

Benchmark comparison follows the Fingertips rule: a value differs significantly from its benchmark
when the benchmark lies outside the value's confidence interval. Whether "different" is good or bad
depends on the measure's polarity (params: ``polarity: lower | higher | none``):

========  ===============================  ===============================
polarity  benchmark above the interval     benchmark below the interval
========  ===============================  ===============================
lower     Better (value is lower)          Worse (value is higher)
higher    Worse (value is lower)           Better (value is higher)
none      Lower                            Higher
========  ===============================  ===============================

and "Similar" when the benchmark is inside the interval (a limit equal to the benchmark counts as
inside). Any missing input gives "Not compared": a comparison without an interval would be a
judgement the data cannot support.

Target status (``target_status``) applies the plan's own targets, which are simpler: they compare
point values and say nothing about significance, because that is how the plan states them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "BETTER", "SIMILAR", "WORSE", "HIGHER", "LOWER", "NOT_COMPARED",
    "ON_TRACK", "OFF_TRACK", "MONITOR_ONLY", "NO_DATA", "NOT_ASSESSED",
    "POLARITIES", "COMPARISON_WORDS", "STATUS_WORDS",
    "StatusStyle", "STATUS_SYMBOLS", "PALETTE", "status_text",
    "compare_to_benchmark", "compare_frame", "target_status", "target_comparator",
]

BETTER, SIMILAR, WORSE = "Better", "Similar", "Worse"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = "Not compared"
ON_TRACK, OFF_TRACK, MONITOR_ONLY, NO_DATA = "On track", "Off track", "Monitor only", "No data"
NOT_ASSESSED = "Not assessed"   # a window the status needs has months missing (summary `status_reason` says which)

POLARITIES = ("lower", "higher", "none")
COMPARISON_WORDS = (BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED)
STATUS_WORDS = (ON_TRACK, OFF_TRACK, MONITOR_ONLY, NO_DATA, NOT_ASSESSED)


# --------------------------------------------------------------------------------------------------
# display

# GOV.UK Analysis Function colour palette (https://analysisfunction.civilservice.gov.uk/policy-store/
# data-visualisation-colours-in-charts/). Contrast against white: dark blue 10.3:1, dark pink 9.8:1,
# dark grey 10.9:1, turquoise 3.2:1, light purple 3.1:1, orange 3.0:1.
PALETTE = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}


class StatusStyle(NamedTuple):
    """How to show one comparison or status word.

    symbol  a glyph that makes the word findable when scanning a table, without colour.
    text    symbol + word, for plain-text outputs (spreadsheets, PDF tables, chart labels).
    colour  a supplementary fill or marker colour; never the only cue and never used for text
            (turquoise, light purple and orange are only 3:1 against white, enough for a filled
            shape under WCAG 1.4.11 but not for text).
    description  what the word means, for the methods notes and for alt text.
    """

    symbol: str
    text: str
    colour: str
    description: str


# Symbol choices, and why:
# * Better / Worse use a tick and a cross, not arrows: with polarity "lower", Better means the value is
#   *lower*, so an up arrow for Better would contradict the number beside it.
# * Higher / Lower (polarity "none") use up and down triangles: there the direction is the message.
# * Similar uses "=", Not compared and No data a dash: both read naturally aloud.
# * Every glyph is in DejaVu Sans (matplotlib's and typst's fallback font) and in Excel's defaults.
# Screen readers: the word always follows the symbol, so the meaning never rests on the glyph. In
# HTML, wrap the symbol in <span aria-hidden="true"> so it is not read out as "check mark" /
# "black up-pointing triangle" before the word.
# Colours: Better / Worse are dark blue / orange, the colour-blind-safe pair of the palette;
# Higher / Lower are dark pink / light purple, one hue family in two lightnesses, so that they read as
# "more / less" rather than "good / bad".
STATUS_SYMBOLS: dict[str, StatusStyle] = {
    BETTER: StatusStyle("✓", "✓ Better", PALETTE["dark_blue"],
                        "Significantly better than the benchmark (95% confidence interval excludes it)"),
    SIMILAR: StatusStyle("=", "= Similar", PALETTE["light_purple"],
                         "Not significantly different from the benchmark"),
    WORSE: StatusStyle("✗", "✗ Worse", PALETTE["orange"],
                       "Significantly worse than the benchmark (95% confidence interval excludes it)"),
    HIGHER: StatusStyle("▲", "▲ Higher", PALETTE["dark_pink"],
                        "Significantly higher than the benchmark; neither direction is better"),
    LOWER: StatusStyle("▼", "▼ Lower", PALETTE["turquoise"],
                       "Significantly lower than the benchmark; neither direction is better"),
    NOT_COMPARED: StatusStyle("–", "– Not compared", PALETTE["dark_grey"],
                              "Not compared: the value, its interval or the benchmark is missing"),
    ON_TRACK: StatusStyle("✓", "✓ On track", PALETTE["dark_blue"], "Meeting the plan's target"),
    OFF_TRACK: StatusStyle("✗", "✗ Off track", PALETTE["orange"], "Not meeting the plan's target"),
    MONITOR_ONLY: StatusStyle("○", "○ Monitor only", PALETTE["light_purple"],
                              "The plan sets no target: the measure is monitored"),
    NO_DATA: StatusStyle("–", "– No data", PALETTE["dark_grey"],
                         "Not enough data to judge progress against the target"),
    # A half-filled circle: the data are there in part (months missing), so nothing is judged.
    NOT_ASSESSED: StatusStyle("◐", "◐ Not assessed", PALETTE["dark_grey"],
                              "Not judged: months are missing from a 12-month window the target needs"),
}


def status_text(word: str) -> str:
    """The word with its symbol ("✓ Better"); unknown or empty words come back unchanged."""
    style = STATUS_SYMBOLS.get(word)
    return style.text if style else word


# --------------------------------------------------------------------------------------------------
# benchmark comparison

def _check_polarity(values: np.ndarray) -> np.ndarray:
    cleaned = np.array([str(p).strip().lower() if isinstance(p, str) else p for p in values], dtype=object)
    bad = [p for p in cleaned if p not in POLARITIES]
    if bad:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}; got {bad[0]!r}")
    return cleaned


def _numeric(x) -> np.ndarray:
    if isinstance(x, (pd.Series, pd.Index)):
        return pd.to_numeric(pd.Series(x)).to_numpy(dtype=float, na_value=np.nan)
    if np.ndim(x) == 0:
        return np.asarray(np.nan if (x is None or x is pd.NA) else x, dtype=float)
    return pd.to_numeric(pd.Series(list(np.ravel(np.asarray(x, dtype=object))))).to_numpy(
        dtype=float, na_value=np.nan).reshape(np.shape(x))


def compare_to_benchmark(value, lower, upper, benchmark, polarity):
    """Compare a value (with its interval) to a benchmark: Better | Similar | Worse, or for polarity
    "none" Higher | Similar | Lower; "Not compared" when anything is missing.

    Scalars give a string. Arrays or Series (broadcast together; polarity may be a single word or
    one per element) give a pandas Series of words, on the index of the first Series argument.
    """
    args = (value, lower, upper, benchmark)
    scalar = all(np.ndim(a) == 0 for a in args) and np.ndim(polarity) == 0
    index = next((a.index for a in (*args, polarity) if isinstance(a, pd.Series)), None)

    v, lo, hi, bm = np.broadcast_arrays(*(_numeric(a) for a in args))
    pol = np.asarray(polarity, dtype=object) if not isinstance(polarity, pd.Series) else polarity.to_numpy(
        dtype=object)
    pol = _check_polarity(np.ravel(pol)).reshape(np.shape(pol))
    v, lo, hi, bm, pol = np.broadcast_arrays(v, lo, hi, bm, pol)

    missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(bm)
    above = ~missing & (lo > bm)   # whole interval above the benchmark
    below = ~missing & (hi < bm)   # whole interval below the benchmark
    when_above = np.select([pol == "lower", pol == "higher"], [WORSE, BETTER], HIGHER)
    when_below = np.select([pol == "lower", pol == "higher"], [BETTER, WORSE], LOWER)
    out = np.where(missing, NOT_COMPARED,
                   np.where(above, when_above, np.where(below, when_below, SIMILAR))).astype(object)
    if scalar:
        return str(out.item())
    result = pd.Series(np.ravel(out), dtype=object, name="comparison")
    if index is not None and len(index) == len(result):
        result.index = index
    return result


def compare_frame(df: pd.DataFrame, *, benchmark, polarity, value_col: str = "value",
                  lower_col: str = "lower", upper_col: str = "upper") -> pd.Series:
    """:func:`compare_to_benchmark` over a DataFrame's rows.

    ``benchmark``: a number, or the name of a column holding each row's benchmark.
    ``polarity``: a polarity word for every row, or a Series/array with one per row (a string is
    always read as the polarity word, never as a column name, because "lower" is also a column).
    """
    bm = df[benchmark] if isinstance(benchmark, str) else benchmark
    if isinstance(bm, (int, float, np.number)) or bm is None:
        bm = pd.Series(bm, index=df.index, dtype=float)
    if isinstance(polarity, str):
        polarity = pd.Series(polarity, index=df.index, dtype=object)
    result = compare_to_benchmark(df[value_col], df[lower_col], df[upper_col], bm, polarity)
    result.index = df.index
    return result


# --------------------------------------------------------------------------------------------------
# target status

def _missing(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(np.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def _target_figure(target: Any, key: str) -> float | None:
    if isinstance(target, dict) and set(target) == {key}:
        return float(target[key])
    if not isinstance(target, (str, dict)) and hasattr(target, key):  # params.AtLeast
        return float(getattr(target, key))
    return None


def target_comparator(target, polarity: str) -> str | None:
    """Which window a target compares the latest 12 months with: "previous", "baseline", "fixed" (a
    figure in the params, e.g. at_least) or None (monitored: nothing is judged)."""
    if isinstance(target, str):
        target = target.strip().lower()
        if target == "improve":
            target = {"lower": "reduce", "higher": "increase"}.get(str(polarity).strip().lower(), "monitor")
        return {"monitor": None, "below_baseline": "baseline", "reduce": "previous",
                "increase": "previous"}.get(target, "fixed")
    return "fixed"


def target_status(target, polarity: str, value, previous_value=None, baseline_value=None) -> str:
    """Progress against the plan's target: "On track" | "Off track" | "Monitor only" | "No data".

    target:
      "below_baseline"  on track if value <= baseline_value (the plan's baseline period)
      "reduce"          on track if value < previous_value (a strict fall: no change is off track)
      "increase"        on track if value > previous_value
      "improve"         "reduce" when polarity is "lower", "increase" when "higher"; monitor when "none"
      "monitor"         always "Monitor only": the plan sets no target
      {"at_least": 90}  on track if value >= 90 (for proportions, value is the percentage);
                        also accepts the params model ``AtLeast(at_least=90)``
      {"at_most": x}    on track if value <= x
    A missing value, or a missing comparator the target needs, gives "No data".

    Only "improve" reads ``polarity``; the other targets state their direction themselves. Polarity
    is still checked, so that a misspelt params file fails here rather than later.
    """
    polarity = _check_polarity(np.array([polarity], dtype=object))[0]
    if isinstance(target, str):
        target = target.strip().lower()
        if target == "improve":
            target = {"lower": "reduce", "higher": "increase", "none": "monitor"}[polarity]
        if target == "monitor":
            return MONITOR_ONLY
        if target == "below_baseline":
            comparator = baseline_value
            on_track = lambda v, c: v <= c  # noqa: E731
        elif target == "reduce":
            comparator = previous_value
            on_track = lambda v, c: v < c  # noqa: E731
        elif target == "increase":
            comparator = previous_value
            on_track = lambda v, c: v > c  # noqa: E731
        else:
            raise ValueError(f"unknown target {target!r}: expected below_baseline, reduce, increase, "
                             "improve, monitor, {at_least: N} or {at_most: N}")
    else:
        at_least = _target_figure(target, "at_least")
        at_most = _target_figure(target, "at_most")
        if at_least is not None:
            comparator, on_track = at_least, (lambda v, c: v >= c)
        elif at_most is not None:
            comparator, on_track = at_most, (lambda v, c: v <= c)
        else:
            raise ValueError(f"unknown target {target!r}: expected below_baseline, reduce, increase, "
                             "improve, monitor, {at_least: N} or {at_most: N}")
    if _missing(value) or _missing(comparator):
        return NO_DATA
    return ON_TRACK if on_track(float(value), float(comparator)) else OFF_TRACK
