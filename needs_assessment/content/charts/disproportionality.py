"""The disproportionality chart: each group's rate as a ratio to White people's.

With its headline, subtitle, alt text and the data behind it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import ticker

from .. import findings as F
from .. import tables as T
from ...measures.result import MeasureResult
from ..text import chart_label
from .style import (Chart, ChartDataError, DARK_BLUE, DARK_GREY, GRID, SECONDARY_TEXT, STYLE, _caption, _figure,
                    _period_text, _round_frame, _save, _titles, source_text)


def disproportionality_data(result: MeasureResult) -> pd.DataFrame:
    """group, searches, population, rate, rate_ratio, lower_95, upper_95, significance, suppressed."""
    return _round_frame(T.disproportionality_frame(result), ["rate", "rate_ratio", "lower_95", "upper_95"])


def _groups(data: pd.DataFrame) -> pd.DataFrame:
    return data[~data["group"].astype(str).str.startswith(F.REFERENCE_GROUP)]


def _times(ratio: float) -> str:
    return f"{F.format_number(ratio, 1)} times"


def headline_for_disproportionality(result: MeasureResult) -> str:
    data = _groups(disproportionality_data(result))
    data = data[data["rate_ratio"] > 0]
    name = F.lower_first(result.title)
    if data.empty:
        return f"The rate of {name} by ethnic group cannot be shown"
    top = data.loc[data["rate_ratio"].idxmax()]
    return (f"The rate of {name} for people in the {top['group']} ethnic group is "
            f"{_times(top['rate_ratio'])} the rate for White people")


def subtitle_for_disproportionality(result: MeasureResult) -> str:
    return (f"Rate ratio against White people with 95% confidence intervals (logarithmic scale), "
            f"{result.area_name}, {_period_text(result)}")


def alt_text_for_disproportionality(result: MeasureResult) -> str:
    data = disproportionality_data(result)
    groups = _groups(data)
    name = F.lower_first(result.title)
    text = (f"Dot chart of the rate ratio for {name} for each ethnic group compared with White people in "
            f"{result.area_name}, {F.period_phrase(result.period_start, result.period_end)}, on a "
            f"logarithmic scale with a reference line at 1 (the same rate as White people).")
    none = groups[(groups["searches"] == 0) & ~groups["suppressed"]]
    shown = groups.drop(index=none.index).dropna(subset=["rate_ratio"]).sort_values("rate_ratio", ascending=False)
    items = []
    for _, r in shown.iterrows():
        item = f"{r['group']} {_times(r['rate_ratio'])}"
        sig = F._ratio_significance(F._num(r["lower_95"]), F._num(r["upper_95"]))
        if sig:
            item += f" (95% confidence interval {F.format_number(r['lower_95'], 1)} to " \
                    f"{F.format_number(r['upper_95'], 1)}, {sig})"
        items.append(item)
    items += [f"{g} none recorded" for g in none["group"].astype(str)]
    if items:
        text += " " + "; ".join(items) + "."
    hidden = list(groups.loc[groups["suppressed"], "group"].astype(str))
    if hidden:
        text += f" Figures for {F._join(hidden)} are too small to publish and are not shown."
    return text


def disproportionality_chart(result: MeasureResult, path: str | Path, *, source: str | None = None,
                             titles: bool = False) -> Chart:
    """Rate ratio for each ethnic group against White people on a log scale, with intervals, a
    reference line at 1 and "3.2 times" labels; hollow markers where not statistically significant."""
    data = disproportionality_data(result)
    groups = _groups(data)
    if groups.empty or not (groups["rate_ratio"] > 0).any():
        raise ChartDataError(f"{result.measure_id}: no disproportionality figures to draw")
    title, subtitle = headline_for_disproportionality(result), subtitle_for_disproportionality(result)
    alt = alt_text_for_disproportionality(result)
    source = source or (source_text(result).split(";")[0] + "; Census 2021 ethnic group (ONS)")
    drawable = groups["rate_ratio"] > 0
    order = pd.concat([groups[drawable].sort_values("rate_ratio", ascending=False), groups[~drawable]],
                      ignore_index=True)
    n = len(order)
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(1.5 + 0.5 * n)
        ys = np.arange(n)[::-1].astype(float)
        finite = np.concatenate([order[c].to_numpy(float) for c in ("rate_ratio", "lower_95", "upper_95")])
        finite = finite[np.isfinite(finite) & (finite > 0)]
        lo_lim = min(0.5, float(finite.min()) / 1.25)
        hi_lim = max(2.0, float(finite.max()) * 1.9)
        ax.set_xscale("log")
        ax.set_xlim(lo_lim, hi_lim)
        ax.axvline(1.0, color=DARK_GREY, linewidth=1.5, zorder=1)
        ax.annotate("Same rate as White people", xy=(1.0, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=10)
        for y, (_, r) in zip(ys, order.iterrows()):
            if pd.isna(r["rate_ratio"]) or r["rate_ratio"] <= 0:   # hidden, missing or none recorded
                label = (F.SUPPRESSED if r["suppressed"] else "None recorded" if r["searches"] == 0 else F.MISSING)
                ax.annotate(label, xy=(1.0, y), xytext=(6, 0),
                            textcoords="offset points", ha="left", va="center", color=SECONDARY_TEXT)
                continue
            lo, hi = F._num(r["lower_95"]), F._num(r["upper_95"])
            sig = F._ratio_significance(lo, hi)
            if lo is not None and hi is not None:
                ax.errorbar([r["rate_ratio"]], [y], xerr=[[r["rate_ratio"] - lo], [hi - r["rate_ratio"]]],
                            fmt="none", ecolor=DARK_GREY, elinewidth=1.6, capsize=4, capthick=1.6, zorder=3)
            filled = sig is not None and sig != "not significantly different"
            ax.plot([r["rate_ratio"]], [y], marker="o", markersize=9, markeredgewidth=2,
                    markeredgecolor=DARK_BLUE, markerfacecolor=DARK_BLUE if filled else "white",
                    linestyle="none", zorder=4)
            label = _times(r["rate_ratio"]) + ("" if filled or sig is None else " (not significant)")
            ax.annotate(label, xy=(hi if hi is not None else r["rate_ratio"], y), xytext=(8, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=10.5,
                        fontweight="bold" if filled else "normal")
        ax.set_yticks(ys, [chart_label(g) for g in order["group"]])
        ax.tick_params(axis="y", length=0, pad=6)
        ax.spines["left"].set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.xaxis.grid(True, color=GRID, linewidth=0.9)
        ax.set_axisbelow(True)
        ticks = [t for t in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32) if lo_lim <= t <= hi_lim]
        ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.tick_params(axis="x", length=0, pad=4)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("Rate ratio against White people (logarithmic scale)", color=SECONDARY_TEXT, labelpad=6)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    return Chart(Path(path), title, subtitle, alt, data, _caption(title, source), source,
                 "disproportionality")
