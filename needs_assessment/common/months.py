"""Months a dataset lacks, and how to say them: shared by the datasets, measures, findings and charts.

A dataset covers the months from its first to its last; a month (or, for quarterly tables, a quarter
end) between them with no rows is *missing*: police.uk has left months out for forces' system
changes, and an analyst's folder can lack a download. Kept free of heavy imports (only pandas) so
that a chapter kernel can use it.

* ``expected_months(first, last, step)``: the months a dataset with that cadence should have;
* ``missing_months(months, step)``: those it lacks, between its first and last month;
* ``window_missing(present, end, step, first, last)``: the missing months of the 12 months to ``end``;
* ``month_runs`` / ``months_phrase``: consecutive months grouped, in words ("September to November
  2021", "December 2021 to February 2022", "March 2019 and May 2019");
* ``months_field`` / ``parse_months_field``: the "2021-09;2021-10" form of the downloads.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

SEPARATOR = ";"


def _month(m) -> pd.Period:
    return m if isinstance(m, pd.Period) else pd.Period(str(m), freq="M")


def step_for(cadence: int) -> int:
    """Months between a dataset's expected months: 1 (monthly), 3 (quarterly), 12 (yearly)."""
    return {12: 1, 4: 3, 1: 12}.get(int(cadence), 1)


def expected_months(first, last, step: int = 1) -> list[pd.Period]:
    """The months from ``first`` to ``last`` a dataset should have, every ``step`` months from ``first``."""
    first, last = _month(first), _month(last)
    if last < first:
        return []
    return list(pd.period_range(first, last, freq="M")[::step])


def missing_months(months: Iterable, step: int = 1) -> list[pd.Period]:
    """The expected months between the first and last of ``months`` that are not in it, in order."""
    present = sorted({_month(m) for m in months})
    if not present:
        return []
    have = set(present)
    return [m for m in expected_months(present[0], present[-1], step) if m not in have]


def window_missing(present: Iterable, end, step: int = 1, first=None, last=None) -> list[pd.Period]:
    """The months missing from the 12 months to ``end``: expected months of the window, inside the
    dataset's span (``first`` to ``last``, by default those of ``present``), that it does not have.
    Months outside the span are not "missing": the data simply does not reach them."""
    have = {_month(m) for m in present}
    if not have:
        return []
    first = _month(first) if first is not None else min(have)
    last = _month(last) if last is not None else max(have)
    end = _month(end)
    return [m for m in expected_months(first, last, step) if end - 11 <= m <= end and m not in have]


def month_runs(months: Iterable, step: int = 1) -> list[tuple[pd.Period, pd.Period]]:
    """Consecutive months (``step`` apart) grouped as (first, last) runs, in order."""
    ordered = sorted({_month(m) for m in months})
    runs: list[list[pd.Period]] = []
    for m in ordered:
        if runs and (m - runs[-1][1]).n == step:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    return [(a, b) for a, b in runs]


def run_phrase(first, last) -> str:
    """(2021-09, 2021-11) -> "September to November 2021"; across years "December 2021 to February
    2022"; one month "September 2021"."""
    first, last = _month(first), _month(last)
    if first == last:
        return first.strftime("%B %Y")
    if first.year == last.year:
        return f"{first.strftime('%B')} to {last.strftime('%B %Y')}"
    return f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def months_phrase(months: Iterable, step: int = 1) -> str:
    """Months in words, consecutive ones as ranges: "September to November 2021 and March 2022"."""
    return _join([run_phrase(a, b) for a, b in month_runs(months, step)])


def months_field(months: Iterable) -> str:
    """The downloads' form: "2021-09;2021-10" (empty when none)."""
    return SEPARATOR.join(str(m) for m in sorted({_month(m) for m in months}))


def parse_months_field(text) -> list[pd.Period]:
    """Back from "2021-09;2021-10" (empty, None or NaN: no months)."""
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return []
    return [_month(t.strip()) for t in str(text).split(SEPARATOR) if t.strip()]


def count_phrase(n: int) -> str:
    """3 -> "3 months missing"; 1 -> "1 month missing"."""
    return f"{n} month{'s' if n != 1 else ''} missing"
