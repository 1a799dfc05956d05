"""Key information for scrutiny papers: each measure's latest figures against the previous year, the
baseline and the most similar group, the districts that stand out, and whether it needs an exception paper.

The figures are the measures stage's (`measures.periods.period_figures`: the engine's summary for 12
months, its statistics over the monthly counts for a quarter or the financial year to date), written
by `wording`'s helpers, the same words as the assessment; for 12 months the assessment's own findings
(`findings.measure_finding`, `district_finding`, `msg_finding`) are the prose. Every figure is printed
with the period it covers.
"""

from __future__ import annotations

import pandas as pd

from ..measures.comparison import BETTER, HIGHER, LOWER, OFF_TRACK, WORSE, compare_to_benchmark
from ..measures.periods import FINANCIAL_YEAR_TO_DATE as FINANCIAL_YEAR, TWELVE_MONTHS, PeriodFigures
from ..measures.result import MeasureResult
from . import findings as F
from .tables import markdown_table
from .text import plain

STANDS_OUT = (BETTER, WORSE, HIGHER, LOWER)


def _num(x) -> float | None:
    return F._num(x)


def period_words(start: pd.Period, end: pd.Period, period: str) -> str:
    """"the 12 months to March 2024", "the quarter January to March 2024", "the financial year to
    date (April 2023 to March 2024)"."""
    months = F.period_phrase(start, end)
    if period == TWELVE_MONTHS:
        return months
    if period == "quarter":
        return f"the quarter {F.period_phrase(start, end, article=False)}"
    return f"the financial year to date ({F.period_phrase(start, end, article=False)})"


def msg_comparison(result: MeasureResult, figures: PeriodFigures) -> str | None:
    """The force against its most similar group's average (Better, Worse, Similar, Higher, Lower or
    Not compared), or None when the source has no other forces."""
    row = figures.force_row
    if row is None or figures.msg_average is None:
        return None
    return compare_to_benchmark(row["value"], row["lower_95"], row["upper_95"], figures.msg_average,
                                result.definition.polarity)


def exception_reasons(result: MeasureResult, figures: PeriodFigures) -> list[str]:
    """Why a measure needs an exception paper: off track against its target, or significantly worse
    than its baseline or its most similar group. Empty when it does not."""
    row = figures.force_row
    if row is None or figures.not_available:
        return []
    reasons = []
    if row["status"] == OFF_TRACK:
        target = F.target_phrase(result)
        reasons.append("it is off track" + (f" against {target}" if target else ""))
    if row["comparison"] == WORSE:
        reasons.append(f"it is significantly worse than {F.baseline_phrase(result)}")
    if msg_comparison(result, figures) == WORSE:
        reasons.append("it is significantly worse than the average of the most similar group of forces")
    return reasons


def _value(result: MeasureResult, x, suppressed: bool = False, unit: bool = True) -> str:
    return F.format_value(_num(x), result, suppressed=suppressed, unit=unit)


def _change(result: MeasureResult, row: pd.Series, window: str) -> str:
    value, other = _num(row["value"]), _num(row[f"{window}_value"])
    if value is None or other is None:
        return F.MISSING
    if result.definition.statistic == "proportion":
        return F.signed_change(value - other, 1, " points")
    return F.signed_change(_num(row[f"change_vs_{window}_pct"]), 1)


def key_figures_frame(result: MeasureResult, figures: PeriodFigures) -> pd.DataFrame:
    """The rows of a measure's key figures table: latest, previous year, baseline, most similar group
    average, each with its period, value and the change or comparison."""
    row = figures.force_row
    period = figures.period
    suppressed = bool(row["suppressed"]) if row is not None else False
    latest = period_words(figures.start, figures.end, period)
    before = period_words(*figures.previous, period)
    out = [{"figure": f"{result.area_name}, latest", "period": latest,
            "value": _value(result, row["value"], suppressed, unit=False) if row is not None else F.MISSING,
            "against": f"{F.symbol_text(row['status'])}" if row is not None and row["status"] else ""}]
    if row is not None:
        out.append({"figure": "The year before", "period": before,
                    "value": _value(result, row["previous_value"], unit=False),
                    "against": F.SUPPRESSED if suppressed else f"{_change(result, row, 'previous')} since then"})
        base = (period_words(*figures.baseline, "quarter" if period == "quarter" else TWELVE_MONTHS)
                if figures.baseline else F.baseline_phrase(result))
        if period == FINANCIAL_YEAR and figures.baseline:
            base = f"the same months of the baseline ({F.period_phrase(*figures.baseline, article=False)})"
        out.append({"figure": "Baseline", "period": base, "value": _value(result, row["baseline_value"], unit=False),
                    "against": F.SUPPRESSED if suppressed else
                    f"{_change(result, row, 'baseline')}; {F.symbol_text(row['comparison'])}"})
        msg = msg_comparison(result, figures)
        if msg is not None:
            out.append({"figure": "Most similar group average", "period": latest,
                        "value": _value(result, figures.msg_average, unit=False),
                        "against": F.SUPPRESSED if suppressed else F.symbol_text(msg)})
    frame = pd.DataFrame(out)
    frame["figure"] = frame["figure"].map(plain)
    return frame


def key_figures_table(result: MeasureResult, figures: PeriodFigures) -> str:
    frame = key_figures_frame(result, figures)
    unit = "" if result.definition.statistic == "count" else f" ({result.unit})"
    return markdown_table(frame, {"figure": "Figure", "period": "Period", "value": f"Value{unit}",
                                  "against": "Change, comparison or status"},
                          caption=f"{plain(result.title)}: key figures", suppressed=None, align="llrl")


def standout_districts(result: MeasureResult, figures: PeriodFigures) -> list[tuple[str, str, str]]:
    """(district, value, comparison word) for the districts significantly different from the force."""
    rows = figures.rows[figures.rows["area_type"] == "district"]
    out = []
    for _, r in rows.iterrows():
        if r["comparison"] in STANDS_OUT and not r["suppressed"] and _num(r["value"]) is not None:
            out.append((str(r["area"]), _value(result, r["value"]), str(r["comparison"])))
    return out


def districts_sentence(result: MeasureResult, figures: PeriodFigures) -> str:
    if result.definition.statistic == "count":
        return ""
    if not (figures.rows["area_type"] == "district").any():
        return f"There are no district figures for {F.lower_first(result.title)}."
    latest = period_words(figures.start, figures.end, figures.period)
    standing = standout_districts(result, figures)
    if not standing:
        return f"No district was significantly different from {plain(result.area_name)} as a whole in {latest}."
    parts = [f"{plain(d)} ({v}, {F.lower_first(w)} than the force)" for d, v, w in standing]
    return (f"Districts significantly different from {plain(result.area_name)} as a whole in {latest}: "
            + F._join(parts) + ".")


def key_information_markdown(result: MeasureResult, figures: PeriodFigures, chart_markdown: str | None) -> str:
    """A measure's key information: its finding, its key figures table, the districts that stand out,
    its chart (with alt text) and the caveats."""
    title = plain(result.title)
    if figures.not_available:
        latest = period_words(figures.start, figures.end, figures.period)
        return f"**{title}.** No figure for {latest}: {F._sentence_end(figures.not_available)}\n"
    blocks = []
    if figures.period == TWELVE_MONTHS:
        blocks.append(F.measure_finding(result))
        district = districts_sentence(result, figures)
        if district:
            blocks.append(district)
        if result.extras.get("msg") is not None:
            blocks.append(F.msg_finding(result))
    else:
        row = figures.force_row
        latest = period_words(figures.start, figures.end, figures.period)
        value = _value(result, row["value"], bool(row["suppressed"]))
        blocks.append(f"**{title}.** In {latest} the figure for {plain(result.area_name)} was {value}, "
                      f"{F.lower_first(F.symbol_text(row['comparison']))} compared with the same months of the "
                      f"baseline year. Status: {F.symbol_text(row['status'])}.")
        district = districts_sentence(result, figures)
        if district:
            blocks.append(district)
    blocks.append(key_figures_table(result, figures))
    if chart_markdown:
        blocks.append(chart_markdown)
    for note in result.notes:
        blocks.append(f"*{plain(note)}*")
    return "\n\n".join(blocks) + "\n"
