"""How numbers, periods, changes and names are written in prose, the same in every chapter.

One helper for each, used by the findings, tables and chart labels so that they all say the
same thing in the same words:

* ``format_number`` / ``format_count`` / ``format_value``: thousands separators, sensible decimals,
  "[c]" for a suppressed figure and "[x]" for a missing one;
* ``period_phrase``: "the 12 months to March 2024", "April 2019 to March 2024";
* ``change_phrase`` / ``points_phrase``: "down 18.3%", "up 2.1 percentage points".
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..measures.comparison import STATUS_SYMBOLS
from ..measures.disclosure import CONFIDENTIAL
from ..measures.result import MeasureResult


SUPPRESSED = CONFIDENTIAL   # "[c]": GSS shorthand for confidential, too small to publish
MISSING = "[x]"         # not available (GSS symbol, as disclosure.NOT_AVAILABLE)


def is_missing(x: Any) -> bool:
    """True for None, NaN, pd.NA and NaT; False for anything else (including strings)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return math.isnan(x)
    try:
        return bool(pd.isna(x)) if np.ndim(x) == 0 else False
    except (TypeError, ValueError):
        return False


def format_number(x: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """12345.678 -> "12,345.7" (decimals=1); missing -> "[x]"; never "-0.0"."""
    if is_missing(x):
        return missing
    x = float(x)
    if not math.isfinite(x):
        return missing
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and float(text[1:].replace(",", "")) == 0:
        text = text[1:]
    return text


def format_count(x: Any, *, suppressed: bool = False, missing: str = MISSING) -> str:
    """A count: "12,345"; "[c]" when suppressed; "[x]" when missing."""
    if suppressed:
        return SUPPRESSED
    return format_number(x, 0, missing=missing)


def format_percent(x: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """87.34 -> "87.3%" (x is already a percentage)."""
    text = format_number(x, decimals, missing=missing)
    return text if text == missing else text + "%"


def value_decimals(statistic: str, values: Iterable[Any] = ()) -> int:
    """Decimals for a measure's values: counts 0, percentages 1, rates 1 (2 or 3 for small rates,
    so that a rate of 0.04 per 1,000 is not printed as 0.0)."""
    if statistic == "count":
        return 0
    if statistic == "proportion":
        return 1
    finite = [abs(float(v)) for v in values if not is_missing(v) and math.isfinite(float(v)) and float(v) != 0]
    typical = float(np.median(finite)) if finite else 1.0
    if typical >= 1:
        return 1
    if typical >= 0.1:
        return 2
    return 3


def _decimals_for(result: MeasureResult) -> int:
    values = []
    if not result.summary.empty:
        values = list(result.summary["value"]) + list(result.summary["baseline_value"])
    return value_decimals(result.definition.statistic, values)


def format_value(x: Any, result: MeasureResult | str, *, unit: bool = True, decimals: int | None = None,
                 suppressed: bool = False, missing: str = MISSING) -> str:
    """A measure's value in its unit: "11.6 per 1,000 households", "87.3%", "12,345".

    ``result`` may be the MeasureResult or just the statistic ("rate" | "proportion" | "count");
    with a statistic alone the unit of a rate is not known, so only the number is given.
    """
    if suppressed:
        return SUPPRESSED
    if isinstance(result, str):
        statistic, unit_text = result, ""
        if decimals is None:
            decimals = value_decimals(statistic, [x])
    else:
        statistic, unit_text = result.definition.statistic, result.unit
        if decimals is None:
            decimals = _decimals_for(result)
    if statistic == "proportion":
        return format_percent(x, decimals, missing=missing)
    text = format_number(x, decimals, missing=missing)
    if text == missing or not unit or statistic != "rate" or not unit_text:
        return text
    return f"{text} {unit_text}"


def _period(p: Any) -> pd.Period:
    return p if isinstance(p, pd.Period) else pd.Period(str(p), freq="M")


def period_label(month: Any) -> str:
    """pd.Period('2024-03') -> "March 2024"."""
    return _period(month).strftime("%B %Y")


def period_phrase(start: Any, end: Any, *, article: bool = True) -> str:
    """The months from start to end in words.

    12 months: "the 12 months to March 2024" ("12 months to March 2024" with article=False);
    one month: "March 2024"; otherwise "April 2019 to March 2024".
    """
    start, end = _period(start), _period(end)
    months = end.ordinal - start.ordinal + 1
    if months == 12:
        return ("the " if article else "") + f"12 months to {period_label(end)}"
    if months == 1:
        return period_label(end)
    return f"{period_label(start)} to {period_label(end)}"


def baseline_phrase(result: MeasureResult, *, short: bool = False) -> str:
    """"the 2019 baseline" (a calendar-year baseline, short=True) or "the baseline (the 12 months to
    December 2019)"; short=False always gives the full period."""
    start, end = _period(result.baseline_start), _period(result.baseline_end)
    if short and start.month == 1 and end.month == 12 and start.year == end.year:
        return f"the {end.year} baseline"
    return f"the baseline ({period_phrase(start, end)})"


def _direction_phrase(change: Any, decimals: int, unit) -> str:
    """"up/down <size><unit>", "unchanged" when it rounds to zero, MISSING when missing.
    `unit(size_text)` gives the unit, so that it can agree in number with the size."""
    if is_missing(change) or not math.isfinite(float(change)):
        return MISSING
    change = float(change)
    size = format_number(abs(change), decimals)
    if float(size.replace(",", "")) == 0:
        return "unchanged"
    return f"{'up' if change > 0 else 'down'} {size}{unit(size)}"


def change_phrase(pct: Any, decimals: int = 1) -> str:
    """-18.26 -> "down 18.3%"; 4 -> "up 4.0%"; a change that rounds to zero -> "unchanged"; missing -> "[x]"."""
    return _direction_phrase(pct, decimals, lambda size: "%")


def points_phrase(points: Any, decimals: int = 1) -> str:
    """Change in a percentage: -2.14 -> "down 2.1 percentage points"."""
    return _direction_phrase(points, decimals, lambda size: " percentage point" if size in ("1", "1.0")
                             else " percentage points")


def signed_change(x: Any, decimals: int = 1, suffix: str = "%") -> str:
    """For tables: -18.26 -> "-18.3%", 4 -> "+4.0%", 0 -> "0.0%"; missing -> "[x]"."""
    if is_missing(x) or not math.isfinite(float(x)):
        return MISSING
    text = format_number(x, decimals)
    if float(text.replace(",", "")) > 0:
        text = "+" + text
    return text + suffix


def lower_first(title: str) -> str:
    """"Neighbourhood crime" -> "neighbourhood crime"; keeps acronyms ("DVPO orders") as they are."""
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


def measure_subject(result: MeasureResult) -> str:
    """"the rate of neighbourhood crime", "the proportion of 999 calls ...", "the number of ..."."""
    noun = {"rate": "rate", "proportion": "proportion", "count": "number"}[result.definition.statistic]
    return f"the {noun} of {lower_first(result.title)}"


def _stat_noun(result: MeasureResult) -> str:
    return {"rate": "rate", "proportion": "proportion", "count": "number"}[result.definition.statistic]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def symbol_text(word: str) -> str:
    """A comparison or status word with its non-colour symbol: "✓ Better", "✗ Off track"."""
    style = STATUS_SYMBOLS.get(word)
    return style.text if style else (word or "")


def symbol_markdown(word: str) -> str:
    """As symbol_text, for Markdown: the symbol in a span hidden from screen readers
    (``[✓]{aria-hidden="true"} Better``), so that the word alone is read out. Pandoc and Quarto turn
    the span into ``<span aria-hidden="true">`` in HTML and drop the attribute in the PDF."""
    style = STATUS_SYMBOLS.get(word)
    return f'[{style.symbol}]{{aria-hidden="true"}} {word}' if style else (word or "")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
