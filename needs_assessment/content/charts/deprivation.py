"""The deprivation chart: the rate in each IMD decile of the force's neighbourhoods.

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
from .style import (Chart, ChartDataError, DARK_BLUE, DARK_GREY, SECONDARY_TEXT, STYLE, TEXT, _axis_title, _caption,
                    _figure, _period_text, _round_frame, _save, _titles, _value_axis, source_text)


DECILE_LABELS = {1: "1\n(most\ndeprived)", 10: "10\n(least\ndeprived)"}


def deprivation_data(result: MeasureResult) -> pd.DataFrame:
    """imd_decile, count, population, value, lower_95, upper_95, suppressed (rates per 1,000 residents)."""
    return _round_frame(T.deprivation_frame(result), ["value", "lower_95", "upper_95"])


def _overall_rate(data: pd.DataFrame, dep: pd.DataFrame | None) -> float | None:
    """The area's overall rate across deciles (sum of counts / sum of population), from the unsuppressed
    source frame; None when that would involve a hidden count (it would let one be worked out)."""
    if dep is None or dep.empty or "population" not in dep.columns or data["suppressed"].any():
        return None
    pop = pd.to_numeric(dep["population"], errors="coerce").sum()
    count = pd.to_numeric(dep["count"], errors="coerce").sum()
    return float(count / pop * 1000) if pop > 0 else None


def headline_for_deprivation(result: MeasureResult) -> str:
    data = deprivation_data(result).set_index("imd_decile")
    name = F.lower_first(result.title)
    if not {1, 10} <= set(data.index) or data.loc[[1, 10], "value"].isna().any():
        return f"The rate of {name} by deprivation of neighbourhood"
    most, least = float(data.loc[1, "value"]), float(data.loc[10, "value"])
    if least <= 0:
        return f"The rate of {name} is higher in the most deprived neighbourhoods"
    ratio = most / least
    if ratio >= 1.05:
        return (f"The rate of {name} in the most deprived neighbourhoods is {F.format_number(ratio, 1)} "
                "times that in the least deprived")
    if ratio <= 0.95:
        return (f"The rate of {name} is {F.format_number((1 - ratio) * 100, 0)}% lower in the most deprived "
                "neighbourhoods than in the least deprived")
    return f"The rate of {name} is about the same in the most and least deprived neighbourhoods"


def subtitle_for_deprivation(result: MeasureResult) -> str:
    return (f"Rate {F.deprivation_unit(result)} by Index of Multiple Deprivation decile of the "
            f"neighbourhood, with 95% confidence intervals, {result.area_name}, {_period_text(result)}")


def alt_text_for_deprivation(result: MeasureResult) -> str:
    data = deprivation_data(result)
    name = F.lower_first(result.title)
    unit = F.deprivation_unit(result)
    dec = F.value_decimals("rate", data["value"])
    text = (f"Bar chart of {name}, rate {unit} by deprivation decile of neighbourhood in "
            f"{result.area_name}, {F.period_phrase(result.period_start, result.period_end)}, from decile 1 "
            f"(most deprived) to decile 10 (least deprived), with 95% confidence intervals.")
    shown = data.dropna(subset=["value"])
    if not shown.empty:
        text += " " + F._capital("; ".join(f"decile {int(r.imd_decile)}: {F.format_number(r.value, dec)}"
                                           for r in shown.itertuples())) + "."
    finding = headline_for_deprivation(result)
    if "times" in finding or "lower" in finding or "same" in finding:
        text += " " + finding + "."
    hidden = [str(int(d)) for d in data.loc[data["suppressed"], "imd_decile"]]
    if hidden:
        text += f" Figures for decile{'s' if len(hidden) > 1 else ''} {F._join(hidden)} are too small to publish."
    return text


def deprivation_chart(result: MeasureResult, path: str | Path, *, source: str | None = None,
                      titles: bool = False) -> Chart:
    """Rate by IMD decile (1 most deprived .. 10 least) as bars with interval whiskers and the area's
    overall rate as a dashed line."""
    data = deprivation_data(result)
    if data.empty or data["value"].isna().all():
        raise ChartDataError(f"{result.measure_id}: no deprivation breakdown to draw")
    title, subtitle = headline_for_deprivation(result), subtitle_for_deprivation(result)
    alt = alt_text_for_deprivation(result)
    source = source or (source_text(result).split(";")[0] + "; Index of Multiple Deprivation 2019 "
                        "(MHCLG); ONS small area population estimates")
    dec = F.value_decimals("rate", data["value"])
    overall = _overall_rate(data, result.extras.get("deprivation"))
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(4.2)
        x = data["imd_decile"].to_numpy(int)
        v = data["value"].to_numpy(float)
        lo = data["lower_95"].to_numpy(float)
        hi = data["upper_95"].to_numpy(float)
        ok = ~np.isnan(v)
        ax.bar(x[ok], v[ok], width=0.66, color=DARK_BLUE, zorder=2)
        has_ci = ok & ~np.isnan(lo) & ~np.isnan(hi)
        ax.errorbar(x[has_ci], v[has_ci], yerr=[v[has_ci] - lo[has_ci], hi[has_ci] - v[has_ci]], fmt="none",
                    ecolor=TEXT, elinewidth=1.3, capsize=3.5, capthick=1.3, zorder=3)
        top = np.nanmax(np.where(np.isnan(hi), v, hi)) * 1.16
        for xi, vi, hii, s in zip(x, v, hi, data["suppressed"]):
            if np.isnan(vi):
                ax.annotate(F.SUPPRESSED if s else F.MISSING, xy=(xi, 0), xytext=(0, 4),
                            textcoords="offset points", ha="center", va="bottom", color=SECONDARY_TEXT)
                continue
            ax.annotate(F.format_number(vi, dec), xy=(xi, hii if not np.isnan(hii) else vi), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9.5, zorder=6,
                        bbox=dict(facecolor="white", edgecolor="none", pad=0.6))
        if overall is not None:
            ax.axhline(overall, color=DARK_GREY, linewidth=1.5, linestyle=(0, (6, 3)), zorder=4)
            ax.annotate(f"{chart_label(result.area_name)}\noverall:\n{F.format_number(overall, dec)}", xy=(1.0, overall),
                        xycoords=("axes fraction", "data"), xytext=(5, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=10, fontweight="bold", annotation_clip=False)
            top = max(top, overall * 1.2)
        ax.set_xticks(range(1, 11), [DECILE_LABELS.get(d, str(d)) for d in range(1, 11)])
        ax.tick_params(axis="x", length=0, pad=5)
        ax.set_xlim(0.4, 10.6)
        ax.set_xlabel("Deprivation decile of the neighbourhood (Index of Multiple Deprivation 2019)",
                      color=SECONDARY_TEXT, fontsize=10, labelpad=6)
        _value_axis(ax, "y", "rate", nbins=6)
        ax.set_ylim(0, top)
        _axis_title(ax, f"Rate {F.deprivation_unit(result)}")
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    return Chart(Path(path), title, subtitle, alt, data, _caption(title, source), source, "deprivation")
