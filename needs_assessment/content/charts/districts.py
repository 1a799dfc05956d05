"""The districts chart: each district's figure against the force's.

With its headline, subtitle, alt text and the data behind it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from .. import findings as F
from .. import tables as T
from ...measures.comparison import NOT_COMPARED
from ...measures.result import MeasureResult
from ..text import chart_label
from .style import (Chart, ChartDataError, DARK_BLUE, DARK_GREY, SECONDARY_TEXT, STYLE, VALUE_COLUMN, WORD_COLUMN,
                    _caption, _figure, _label_column, _markers, _period_text, _round_frame, _save, _stat_label,
                    _titles, _value_axis, _value_text, source_text)


def _district_word(result: MeasureResult, fig: F.Figures) -> str:
    # A district's count is part of the force's count: comparing them would mean nothing.
    if result.definition.statistic == "count":
        return ""
    return fig.comparison or NOT_COMPARED


def district_data(result: MeasureResult) -> pd.DataFrame:
    """The force and district figures behind the district chart (tables.district_frame, rounded)."""
    return _round_frame(T.district_frame(result), ["value", "lower_95", "upper_95", "baseline_value",
                                                   "change_vs_baseline_pct", "change_vs_baseline_points"])


def headline_for_districts(result: MeasureResult) -> str:
    """"The rate of neighbourhood crime is significantly higher than the Demoshire figure in Brookmere
    and lower in Ashby Vale" (or "No district's rate ... differs significantly ...")."""
    figs = [f for f in F._district_figures(result) if f.value is not None]
    name = F.lower_first(result.title)
    stat = F._stat_noun(result)
    if not figs:
        return f"No district figures can be shown for {name}"
    top = max(figs, key=lambda f: f.value)
    bottom = min(figs, key=lambda f: f.value)
    if result.definition.statistic == "count":
        return f"{top.area} has the highest number of {name} and {bottom.area} the lowest"
    sig = [f for f in figs if F.significance(f) and f.benchmark_value is not None]
    if not sig:
        return f"No district's {stat} of {name} differs significantly from the {result.area_name} figure"

    def where(ds):
        return F._join([d.area for d in ds]) if len(ds) <= 2 else f"{len(ds)} districts"

    higher = [f for f in sig if f.value > f.benchmark_value]
    lower = [f for f in sig if f.value < f.benchmark_value]
    if higher and lower:
        return (f"The {stat} of {name} is significantly higher than the {result.area_name} figure in "
                f"{where(higher)} and lower in {where(lower)}")
    side, ds = ("higher", higher) if higher else ("lower", lower)
    return f"The {stat} of {name} is significantly {side} than the {result.area_name} figure in {where(ds)}"


def subtitle_for_districts(result: MeasureResult) -> str:
    return (f"{_stat_label(result, capital=True)} by district with 95% confidence intervals, "
            f"{result.area_name}, {_period_text(result)}")


def alt_text_for_districts(result: MeasureResult) -> str:
    figs = F._district_figures(result)
    shown = sorted([f for f in figs if f.value is not None], key=lambda f: -f.value)
    hidden = [f.area for f in figs if f.value is None and f.suppressed]
    name = F.lower_first(result.title)
    force = F._force_figures(result)
    count_stat = result.definition.statistic == "count"
    text = (f"Dot chart of {name}, {_stat_label(result)} by district in {result.area_name}, "
            f"{F.period_phrase(result.period_start, result.period_end)}, with 95% confidence intervals")
    if force is not None and force.value is not None and not count_stat:
        text += f" and the {result.area_name} figure of {_value_text(result, force.value)} as a reference line"
    text += "."
    if shown:
        items = []
        for f in shown:
            item = f"{f.area} {_value_text(result, f.value)}"
            word = _district_word(result, f)
            if word and word != NOT_COMPARED:
                item += f" ({word.lower()})"
            items.append(item)
        text += " From highest to lowest: " + "; ".join(items) + "."
        if not count_stat:
            text += (f" Words in brackets compare each district with {result.area_name}: better or worse "
                     "means a statistically significant difference; similar means no significant difference."
                     if result.definition.polarity != "none" else
                     f" Words in brackets compare each district with {result.area_name}: higher or lower means "
                     "a statistically significant difference; similar means no significant difference.")
    if hidden:
        text += f" Figures for {F._join(hidden)} are too small to publish and are not shown."
    return text


def district_chart(result: MeasureResult, path: str | Path, *, source: str | None = None,
                   titles: bool = False) -> Chart:
    """Horizontal dot chart of each district's latest value with interval whiskers, the force value
    as a dashed reference line and each district's value and comparison word written beside it."""
    figs = F._district_figures(result)
    if not any(f.value is not None for f in figs):
        raise ChartDataError(f"{result.measure_id}: no district figures to draw")
    title, subtitle = headline_for_districts(result), subtitle_for_districts(result)
    alt = alt_text_for_districts(result)
    source = source or source_text(result)
    force = F._force_figures(result)
    count_stat = result.definition.statistic == "count"
    order = sorted(figs, key=lambda f: (f.value is None, -(f.value or 0), f.area))
    n = len(order)
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(1.35 + 0.48 * n)
        ys = np.arange(n)[::-1].astype(float)
        his = [f.upper if f.upper is not None else f.value for f in order if f.value is not None]
        right = max(his + ([force.value] if force and force.value is not None and not count_stat else []))
        ax.set_xlim(0, right * 1.08)
        ax.set_ylim(-0.7, n - 0.3)
        if force is not None and force.value is not None and not count_stat:
            ax.axvline(force.value, color=DARK_BLUE, linewidth=1.5, linestyle=(0, (6, 3)), zorder=1)
            ax.annotate(f"{chart_label(result.area_name)}: {_value_text(result, force.value)}", xy=(force.value, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=10, color=DARK_BLUE, fontweight="bold")
        header = "" if count_stat else f"Compared with {chart_label(result.area_name)}"
        _label_column(ax, n - 0.3, "Value", VALUE_COLUMN, ha="right", color=SECONDARY_TEXT, size=9.5)
        if header:
            _label_column(ax, n - 0.3, header, WORD_COLUMN, color=SECONDARY_TEXT, size=9.5)
        for y, f in zip(ys, order):
            if f.value is None:
                ax.annotate(F.SUPPRESSED if f.suppressed else F.MISSING, xy=(0, y), xytext=(4, 0),
                            textcoords="offset points", ha="left", va="center", fontsize=10.5,
                            color=SECONDARY_TEXT)
                _label_column(ax, y, F.SUPPRESSED if f.suppressed else F.MISSING, VALUE_COLUMN, ha="right")
                continue
            word = _district_word(result, f)
            if f.lower is not None and f.upper is not None:
                ax.errorbar([f.value], [y], xerr=[[f.value - f.lower], [f.upper - f.value]], fmt="none",
                            ecolor=DARK_GREY, elinewidth=1.6, capsize=4, capthick=1.6, zorder=3)
            ax.plot([f.value], [y], **_markers(word, None if word else DARK_BLUE))
            _label_column(ax, y, _value_text(result, f.value), VALUE_COLUMN, ha="right")
            if word:
                _label_column(ax, y, F.symbol_text(word), WORD_COLUMN)
        ax.set_yticks(ys, [chart_label(f.area) for f in order])
        ax.tick_params(axis="y", length=0, pad=6)
        ax.spines["left"].set_visible(False)
        _value_axis(ax, "x", result)
        ax.set_xlim(0, right * 1.08)
        ax.set_xlabel(_stat_label(result, capital=True), color=SECONDARY_TEXT, labelpad=6)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    return Chart(Path(path), title, subtitle, alt, district_data(result), _caption(title, source), source,
                 "district")
