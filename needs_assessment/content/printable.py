"""What may be printed of a measure: its summary figures with disclosure control applied.

``figures_for`` replaces every suppressed or disclosive figure by None; it is the only place that
decides what may be printed. Disclosure rule: a count from 1 to threshold - 1 (params
``suppression_threshold``, default 5) is never published, nor is any figure it could be worked
back from (its rate or percentage, their interval, changes against it). Zero is not suppressed,
following the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..measures.comparison import BETTER, HIGHER, LOWER, SIMILAR, WORSE
from ..measures.result import MeasureResult
from .wording import baseline_phrase, format_number, is_missing


DEFAULT_SUPPRESSION_THRESHOLD = 5
SIGNIFICANT = (BETTER, WORSE, HIGHER, LOWER)


def suppression_threshold(result: MeasureResult | None = None) -> int:
    """The params file's suppression threshold if the result carries it, else the default (5)."""
    for source in (result, getattr(result, "definition", None)):
        value = getattr(source, "suppression_threshold", None)
        if isinstance(value, (int, np.integer)) and value >= 1:
            return int(value)
    return DEFAULT_SUPPRESSION_THRESHOLD


def is_small_count(count: Any, threshold: int = DEFAULT_SUPPRESSION_THRESHOLD) -> bool:
    """A count that must not be published: 1 to threshold - 1 (zero is publishable)."""
    if is_missing(count):
        return False
    return 0 < float(count) < threshold


def _flag(x: Any) -> bool:
    return False if is_missing(x) else bool(x)


def _num(x: Any) -> float | None:
    if is_missing(x):
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Figures:
    """One summary row with disclosure control applied: a figure that may not be printed is None,
    and ``suppressed`` / ``baseline_suppressed`` / ``previous_suppressed`` say why."""

    area: str
    area_type: str
    count: float | None
    denominator: float | None
    value: float | None
    lower: float | None
    upper: float | None
    previous_count: float | None
    previous_value: float | None
    change_vs_previous_pct: float | None
    baseline_count: float | None
    baseline_value: float | None
    change_vs_baseline_pct: float | None
    benchmark_name: str
    benchmark_value: float | None
    comparison: str
    status: str
    suppressed: bool
    baseline_suppressed: bool
    previous_suppressed: bool

    @property
    def has_value(self) -> bool:
        return self.value is not None


def figures_for(row: pd.Series, threshold: int = DEFAULT_SUPPRESSION_THRESHOLD) -> Figures:
    """Apply disclosure control to one summary row (see the module docstring)."""
    get = row.get
    suppressed = _flag(get("suppressed")) or is_small_count(get("count"), threshold)
    base_sup = is_small_count(get("baseline_count"), threshold)
    prev_sup = is_small_count(get("previous_count"), threshold)
    keep = not suppressed
    comparison = get("comparison")
    comparison = "" if is_missing(comparison) else str(comparison)
    status = get("status")
    status = "" if is_missing(status) else str(status)
    return Figures(
        area=str(get("area", "")),
        area_type=str(get("area_type", "")),
        count=_num(get("count")) if keep else None,
        denominator=_num(get("denominator")) if keep else None,
        value=_num(get("value")) if keep else None,
        lower=_num(get("lower_95")) if keep else None,
        upper=_num(get("upper_95")) if keep else None,
        previous_count=None if prev_sup else _num(get("previous_count")),
        previous_value=None if prev_sup else _num(get("previous_value")),
        change_vs_previous_pct=_num(get("change_vs_previous_pct")) if keep and not prev_sup else None,
        baseline_count=None if base_sup else _num(get("baseline_count")),
        baseline_value=None if base_sup else _num(get("baseline_value")),
        change_vs_baseline_pct=_num(get("change_vs_baseline_pct")) if keep and not base_sup else None,
        benchmark_name="" if is_missing(get("benchmark_name")) else str(get("benchmark_name")),
        benchmark_value=_num(get("benchmark_value")),
        # The comparison of a suppressed value is derived from it, so it goes too. The target status
        # is kept: the plan's performance table needs it, and "off track" reveals no number.
        comparison=comparison if keep else "",
        status=status,
        suppressed=suppressed,
        baseline_suppressed=base_sup,
        previous_suppressed=prev_sup,
    )


def _force_figures(result: MeasureResult) -> Figures | None:
    if result.summary.empty or not (result.summary["area_type"] == "force").any():
        return None
    return figures_for(result.force_row, suppression_threshold(result))


def significance(fig: Figures) -> bool | None:
    """Is the value significantly different from its benchmark? From the comparison word when there
    is one (Better/Worse/Higher/Lower: yes; Similar: no), else from the interval; None if unknown."""
    if fig.comparison in SIGNIFICANT:
        return True
    if fig.comparison == SIMILAR:
        return False
    if None in (fig.lower, fig.upper, fig.benchmark_value):
        return None
    return not (fig.lower <= fig.benchmark_value <= fig.upper)


def target_phrase(result: MeasureResult) -> str | None:
    """The plan's target in words, or None when the measure is monitored without one."""
    target = result.definition.target
    if isinstance(target, str):
        return {
            "below_baseline": f"the target to be at or below {baseline_phrase(result, short=True)}",
            "reduce": "the target to reduce it compared with the previous 12 months",
            "increase": "the target to increase it compared with the previous 12 months",
            "monitor": None,
        }.get(target)
    at_least = getattr(target, "at_least", None)
    if at_least is not None:
        unit = "%" if result.definition.statistic == "proportion" else ""
        return f"the target of at least {format_number(at_least, 0 if float(at_least).is_integer() else 1)}{unit}"
    return None
