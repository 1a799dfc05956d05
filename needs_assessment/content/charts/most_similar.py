"""The most similar group chart: the force among its peer forces and against their average.

With its headline, subtitle, alt text and the data behind it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from .. import findings as F
from .. import tables as T
from ...measures.result import MeasureResult
from ..text import chart_label
from .style import (Chart, ChartDataError, DARK_BLUE, FOCUS_GREY, SECONDARY_TEXT, STYLE, TEXT, VALUE_COLUMN, _caption,
                    _figure, _label_column, _period_text, _round_frame, _save, _stat_label, _titles, _value_axis,
                    _value_text, source_text)


def msg_data(result: MeasureResult) -> pd.DataFrame:
    """area, count, denominator, value, lower_95, upper_95, rank (1 = lowest), is_force, suppressed;
    attrs["msg_average"] (tables.msg_frame, rounded)."""
    return _round_frame(T.msg_frame(result), ["value", "lower_95", "upper_95"])


def _msg_position(result: MeasureResult, data: pd.DataFrame) -> tuple[str, float | None, str | None]:
    """("4th lowest", value, significance words vs the average) for the force."""
    me = data[data["is_force"]]
    if me.empty or pd.isna(me["value"].iloc[0]):
        return "", None, None
    row = me.iloc[0]
    pos = F.rank_position(int(row["rank"]), int(data["value"].notna().sum()))
    average = F._num(data.attrs.get("msg_average"))
    sig = None
    lo, hi = F._num(row["lower_95"]), F._num(row["upper_95"])
    if average is not None and lo is not None and hi is not None:
        sig = "significantly above" if lo > average else "significantly below" if hi < average else "similar to"
    return pos, float(row["value"]), sig


def headline_for_msg(result: MeasureResult) -> str:
    data = msg_data(result)
    name = F.lower_first(result.title)
    pos, value, sig = _msg_position(result, data)
    if value is None:
        return f"{result.area_name} cannot be compared with similar forces on {name}"
    if sig:
        return (f"{result.area_name}'s {F._stat_noun(result)} of {name} is {sig} the average for similar "
                f"forces")
    return f"{result.area_name} has {pos} {F._stat_noun(result)} of {name} among similar forces"


def subtitle_for_msg(result: MeasureResult) -> str:
    return (f"{_stat_label(result, capital=True)} with 95% confidence intervals, {result.area_name} and its "
            f"most similar group of forces, {_period_text(result)}")


def alt_text_for_msg(result: MeasureResult) -> str:
    data = msg_data(result)
    name = F.lower_first(result.title)
    n = len(data)
    shown = data.dropna(subset=["value"])
    text = (f"Bar chart of {name}, {_stat_label(result)}, for the {n} forces in {result.area_name}'s most "
            f"similar group, {F.period_phrase(result.period_start, result.period_end)}, with 95% "
            f"confidence intervals.")
    pos, value, sig = _msg_position(result, data)
    average = F._num(data.attrs.get("msg_average"))
    if value is not None:
        text += (f" {result.force} ({_value_text(result, value)}) has {pos} {F._stat_noun(result)} of the "
                 f"{int(data['value'].notna().sum())} shown")
        text += f" and is {sig} the group average of {_value_text(result, average)}." if sig and average is not None else "."
    elif average is not None:
        text += f" The group average is {_value_text(result, average)}."
    if len(shown) >= 2:
        low, high = shown.iloc[0], shown.iloc[-1]
        text += (f" Values range from {_value_text(result, low['value'])} ({low['area']}) to "
                 f"{_value_text(result, high['value'])} ({high['area']}).")
    hidden = list(data.loc[data["suppressed"], "area"])
    if hidden:
        text += f" Figures for {F._join(hidden)} are too small to publish and are not shown."
    return text


def msg_chart(result: MeasureResult, path: str | Path, *, source: str | None = None,
              titles: bool = False) -> Chart:
    """Each force in the most similar group as a bar with its interval; the force highlighted (dark
    blue, hatched, bold label); the group average as a dashed line."""
    data = msg_data(result)
    if data.empty or data["value"].isna().all():
        raise ChartDataError(f"{result.measure_id}: no most similar group figures to draw")
    title, subtitle = headline_for_msg(result), subtitle_for_msg(result)
    alt = alt_text_for_msg(result)
    source = source or source_text(result)
    average = F._num(data.attrs.get("msg_average"))
    order = data.iloc[::-1].reset_index(drop=True)          # highest at the top
    order = pd.concat([order[order["value"].notna()], order[order["value"].isna()]], ignore_index=True)
    n = len(order)
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(1.35 + 0.42 * n)
        ys = np.arange(n)[::-1].astype(float)
        right = np.nanmax(np.concatenate([order["upper_95"].to_numpy(float), order["value"].to_numpy(float),
                                          [average if average is not None else np.nan]]))
        for y, (_, row) in zip(ys, order.iterrows()):
            if pd.isna(row["value"]):
                ax.annotate(F.SUPPRESSED if row["suppressed"] else F.MISSING, xy=(0, y), xytext=(4, 0),
                            textcoords="offset points", ha="left", va="center", color=SECONDARY_TEXT)
                _label_column(ax, y, F.SUPPRESSED if row["suppressed"] else F.MISSING, VALUE_COLUMN, ha="right")
                continue
            me = bool(row["is_force"])
            ax.barh([y], [row["value"]], height=0.64, color=DARK_BLUE if me else FOCUS_GREY,
                    edgecolor="white" if me else FOCUS_GREY, hatch="///" if me else None, linewidth=0,
                    zorder=2)
            if pd.notna(row["lower_95"]) and pd.notna(row["upper_95"]):
                ax.errorbar([row["value"]], [y], xerr=[[row["value"] - row["lower_95"]],
                                                       [row["upper_95"] - row["value"]]],
                            fmt="none", ecolor=TEXT, elinewidth=1.3, capsize=3.5, capthick=1.3, zorder=3)
            _label_column(ax, y, _value_text(result, row["value"]), VALUE_COLUMN, ha="right", bold=me)
        if average is not None:
            ax.axvline(average, color=TEXT, linewidth=1.5, linestyle=(0, (6, 3)), zorder=4)
            ax.annotate(f"Group average: {_value_text(result, average)}", xy=(average, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=10, fontweight="bold")
        ax.set_yticks(ys, [chart_label(a) for a in order["area"]])
        for label, me in zip(ax.get_yticklabels(), order["is_force"]):
            if me:
                label.set_fontweight("bold")
        ax.tick_params(axis="y", length=0, pad=6)
        ax.spines["left"].set_visible(False)
        _value_axis(ax, "x", result)
        top = right * 1.06
        if result.definition.statistic == "proportion":
            top = min(top, 100.0)
        ax.set_xlim(0, top)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(_stat_label(result, capital=True), color=SECONDARY_TEXT, labelpad=6)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    return Chart(Path(path), title, subtitle, alt, data, _caption(title, source), source, "msg")
