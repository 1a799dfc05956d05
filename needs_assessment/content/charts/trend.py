"""The trend chart: the rolling 12-month figure against the baseline, months missing hatched.

With its headline, subtitle, alt text and the data behind it.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import findings as F
from ...measures.result import cadence
from ...measures.result import MeasureResult
from ..text import chart_label
from .style import (Chart, ChartDataError, DARK_BLUE, DARK_GREY, DARK_PINK, FOCUS_GREY, SECONDARY_TEXT, STYLE, TEXT,
                    _axis_title, _caption, _figure, _round_frame, _save, _small, _stat_label, _titles, _value_axis,
                    _value_text, source_text)


# Behind the latest value's label (right of the series' last point, so it hides no data): the
# baseline or target line running through it no longer strikes the number out.
LABEL_BACKGROUND = dict(boxstyle="square,pad=0.12", facecolor="white", edgecolor="none", alpha=0.9)


def trend_data(result: MeasureResult) -> pd.DataFrame:
    """The force's rolling 12-month series, disclosure-controlled: month ("2024-03"), period
    ("12 months to March 2024"), count_12m, denominator_12m, value, lower_95, upper_95, suppressed."""
    cols = ["month", "period", "count_12m", "denominator_12m", "value", "lower_95", "upper_95", "suppressed",
            "months_missing"]
    trend = result.trend
    if trend is None or trend.empty:
        return pd.DataFrame(columns=cols)
    t = trend[trend["area_type"] == "force"].sort_values("month").copy()
    if t.empty:
        return pd.DataFrame(columns=cols)
    threshold = F.suppression_threshold(result)
    sup = t["count_12m"].map(lambda c: _small(c, threshold)).astype(bool).to_numpy().copy()
    if "suppressed" in t.columns:
        sup = sup | t["suppressed"].fillna(False).astype(bool).to_numpy()
    # The engine blanks suppressed windows (count NaN) without a flag; a blank window the data covers
    # was suppressed, one it does not cover is simply outside the data.
    if "months_missing" not in t.columns:   # results from before months were checked
        t["months_missing"] = ""
    t["months_missing"] = t["months_missing"].fillna("").astype(str)
    incomplete = (t["months_missing"] != "").to_numpy()
    blank = pd.to_numeric(t["count_12m"], errors="coerce").isna().to_numpy()
    if blank.any() and result.monthly is not None and not result.monthly.empty:
        covered = _windows_covered(result.monthly, list(t["month"]))
        # a window with months missing is blank because of the gap, not suppression
        sup = sup | (blank & covered & ~incomplete)
    t["suppressed"] = sup
    for c in ["count_12m", "value", "lower_95", "upper_95"]:
        t[c] = pd.to_numeric(t[c], errors="coerce").astype("float64")
        t.loc[t["suppressed"], c] = np.nan
    t["denominator_12m"] = pd.to_numeric(t["denominator_12m"], errors="coerce").astype("float64")
    # leading windows the data does not cover are not part of the series
    has = (t["value"].notna() | t["suppressed"] | (t["months_missing"] != "")).to_numpy()
    t = t.iloc[int(np.argmax(has)):] if has.any() else t.iloc[0:0]
    t["period"] = [F.period_phrase(m - 11, m, article=False) for m in t["month"]]
    t["month"] = [str(m) for m in t["month"]]
    t = _round_frame(t, ["value", "lower_95", "upper_95"])
    return t[cols].reset_index(drop=True)


def _windows_covered(monthly: pd.DataFrame, ends: list[pd.Period]) -> np.ndarray:
    """For each window end: does the data have every expected month of the 12 months (the engine's
    rule, engine.window_covered, computed once for all windows)?"""
    try:
        expected = cadence(monthly)
        months = np.array(sorted({m.ordinal for m in monthly["month"].unique()}))
        out = []
        for end in ends:
            e = pd.Period(end, freq="M").ordinal
            out.append(int(((months >= e - 11) & (months <= e)).sum()) >= expected)
        return np.array(out, dtype=bool)
    except Exception:   # an unusual monthly frame: treat windows as not covered (shown as gaps)
        return np.zeros(len(ends), dtype=bool)


def _size_text(result: MeasureResult, fig: F.Figures) -> tuple[str, float] | None:
    """Size of the change against the baseline for a headline: ("18%", -18.3) or
    ("5.3 percentage points", -5.3); None when there is none."""
    if fig.value is None or fig.baseline_value is None:
        return None
    if result.definition.statistic == "proportion":
        pts = fig.value - fig.baseline_value
        return f"{F.format_number(abs(pts), 1)} percentage points", pts
    pct = fig.change_vs_baseline_pct
    if pct is None:
        return None
    return f"{F.format_number(abs(pct), 0 if abs(pct) >= 10 else 1)}%", pct


def headline_for_trend(result: MeasureResult) -> str:
    """"The rate of neighbourhood crime is 18% below the 2019 baseline" (or "similar to ... (1.7% lower)"
    when the change is within chance)."""
    subject = F._capital(F.measure_subject(result))
    fig = F._force_figures(result)
    period = F.period_phrase(result.period_start, result.period_end)
    if fig is None or not result.has_data:
        return f"No data are available for {F.lower_first(result.title)} for {period}"
    if fig.suppressed:
        return f"{result.title}: the figure for {period} is too small to publish"
    if fig.value is None and F.window_gaps(result)["latest"]:
        return f"{result.title}: months are missing from {period}, so there is no 12-month figure"
    baseline = F.baseline_phrase(result, short=True)
    size = _size_text(result, fig)
    if size is not None:
        text, change = size
        if float(text.split("%")[0].split(" ")[0].replace(",", "")) == 0:
            return f"{subject} is the same as {baseline}"
        direction = "above" if change > 0 else "below"
        if F.significance(fig) is False:
            return f"{subject} is similar to {baseline} ({text} {'higher' if change > 0 else 'lower'})"
        return f"{subject} is {text} {direction} {baseline}"
    if fig.previous_value is not None and fig.value is not None:
        if result.definition.statistic == "proportion":
            phrase = F.points_phrase(fig.value - fig.previous_value)
        else:
            phrase = F.change_phrase(fig.change_vs_previous_pct)
        if phrase not in (F.MISSING, "unchanged"):
            return f"{subject} is {phrase} on the previous 12 months"
        if phrase == "unchanged":
            return f"{subject} is unchanged on the previous 12 months"
    return f"{subject} was {F.format_value(fig.value, result)} in {period}"


def subtitle_for_trend(result: MeasureResult, data: pd.DataFrame | None = None) -> str:
    data = trend_data(result) if data is None else data
    label = f"Rolling 12-month {_stat_label(result)}, {result.area_name}"
    if data.empty:
        return label
    first = pd.Period(data["month"].iloc[0], freq="M") - 11
    last = pd.Period(data["month"].iloc[-1], freq="M")
    return f"{label}, {F.period_label(first)} to {F.period_label(last)}"


def alt_text_for_trend(result: MeasureResult, data: pd.DataFrame | None = None) -> str:
    """"Line chart of neighbourhood crime, rolling 12-month rate per 1,000 households in Demoshire from
    the 12 months to December 2019 to the 12 months to March 2024. The rate fell from 14.3 to 11.6, down
    18.3% on the baseline of 14.3 (the 12 months to December 2019). ..." (`data`: trend_data, if
    the caller has it already)."""
    data = trend_data(result) if data is None else data
    shown = data.dropna(subset=["value"])
    name = F.lower_first(result.title)
    if shown.empty:
        return (f"Line chart of {name} in {result.area_name}: no figures can be shown "
                f"(no data, or numbers too small to publish).")
    first, last = shown.iloc[0], shown.iloc[-1]
    first_p = pd.Period(first["month"], freq="M")
    last_p = pd.Period(last["month"], freq="M")
    text = (f"Line chart of {name}, rolling 12-month {_stat_label(result)} in {result.area_name} from "
            f"{F.period_phrase(first_p - 11, first_p)} to {F.period_phrase(last_p - 11, last_p)}.")
    noun = F._stat_noun(result)
    a, b = float(first["value"]), float(last["value"])
    fa, fb = _value_text(result, a), _value_text(result, b)
    if fa == fb:
        text += f" The {noun} was {fb} at both the start and the end"
    else:
        text += f" The {noun} {'rose' if b > a else 'fell'} from {fa} to {fb}"
    fig = F._force_figures(result)
    base_period = F.period_phrase(result.baseline_start, result.baseline_end)
    if fig is not None and fig.baseline_value is not None and fig.value is not None:
        if result.definition.statistic == "proportion":
            phrase = F.points_phrase(fig.value - fig.baseline_value)
        else:
            phrase = F.change_phrase(fig.change_vs_baseline_pct)
        base = _value_text(result, fig.baseline_value)
        if phrase == "unchanged":
            text += f", the same as the baseline of {base} ({base_period})."
        elif phrase != F.MISSING:
            text += f", {phrase} on the baseline of {base} ({base_period})."
        else:
            text += f", against a baseline of {base} ({base_period})."
        sig = F.significance(fig)
        if sig is True:
            text += " The change from the baseline is statistically significant."
        elif sig is False:
            text += " The change from the baseline is not statistically significant."
    else:
        text += "."
        if fig is not None and fig.suppressed:
            text += f" The figure for {F.period_phrase(result.period_start, result.period_end)} is too small to publish"
            text += (f"; the baseline was {_value_text(result, fig.baseline_value)} ({base_period})."
                     if fig.baseline_value is not None else ".")
        elif fig is not None and fig.value is None and F.window_gaps(result)["latest"]:
            text += (f" There is no figure for {F.period_phrase(result.period_start, result.period_end)}: "
                     "months are missing from it.")
        elif fig is not None and fig.baseline_suppressed:
            text += " The baseline figure is too small to publish."
        elif fig is not None:
            text += " There is no baseline figure."
    if len(shown) > 2:
        peak = shown.loc[shown["value"].idxmax()]
        if peak.name not in (shown.index[0], shown.index[-1]) and float(peak["value"]) > max(a, b):
            pp = pd.Period(peak["month"], freq="M")
            text += (f" The highest was {_value_text(result, peak['value'])} in "
                     f"{F.period_phrase(pp - 11, pp)}.")
    target = getattr(result.definition.target, "at_least", None)
    if target is not None:
        text += f" A dotted line marks the target of at least {F.format_number(target, 0)}" + (
            "%." if result.definition.statistic == "proportion" else ".")
    text += " A shaded band shows the 95% confidence interval."
    gap = _gap_text(result, data)
    if gap:
        text += " " + gap
    if data["suppressed"].any():
        text += " Some periods are too small to publish and are left out."
    return text


def _gap_runs(data: pd.DataFrame) -> list[tuple[int, int]]:
    """(first, last) row positions of each run of windows with months missing."""
    flags = (data["months_missing"].fillna("") != "").to_numpy() if "months_missing" in data else np.array([])
    runs, start = [], None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def _gap_months(result: MeasureResult, data: pd.DataFrame) -> list[pd.Period]:
    from ...common.months import parse_months_field
    months = set()
    for text in data.get("months_missing", pd.Series(dtype=str)).fillna(""):
        months.update(parse_months_field(text))
    return sorted(months)


def _gap_text(result: MeasureResult, data: pd.DataFrame) -> str:
    """For the alt text and the note: where the line stops, and why."""
    from ...common.months import months_phrase
    runs = _gap_runs(data)
    if not runs:
        return ""
    step = getattr(result, "month_step", 1) or 1
    missing = months_phrase(_gap_months(result, data), step)
    spans = []
    for a, b in runs:
        pa, pb = pd.Period(data["month"].iloc[a], freq="M"), pd.Period(data["month"].iloc[b], freq="M")
        spans.append(F.period_phrase(pa - 11, pa) if a == b else
                     f"{F.period_phrase(pa - 11, pa)} to {F.period_phrase(pb - 11, pb)}")
    return (f"{F.sentence_start(F.source_publisher(result))} published no data for {missing}, so no line is "
            f"drawn for {F._join(spans)}, the 12-month periods that include those months; a hatched area "
            "marks them.")


def _month_ticks(months: list[pd.Period]) -> tuple[list[int], list[str]]:
    end = months[-1]
    ticks = [m for m in months if m.month == end.month]
    if months[0].ordinal < ticks[0].ordinal - 5:
        ticks.insert(0, months[0])
    if len(ticks) > 7:  # long series: every other year, always keeping the last
        ticks = ticks[::-1][::2][::-1]
    return [m.ordinal for m in ticks], [m.strftime("%b\n%Y") for m in ticks]


def trend_chart(result: MeasureResult, path: str | Path, *, source: str | None = None,
                titles: bool = False) -> Chart:
    """Rolling 12-month value over time with its 95% interval as a band, the baseline as a dashed
    line, the target (for "at least" targets) as a dotted line and the latest value labelled."""
    data = trend_data(result)
    shown = data.dropna(subset=["value"])
    if shown.empty:
        raise ChartDataError(f"{result.measure_id}: no rolling 12-month figures to draw")
    title, subtitle = headline_for_trend(result), subtitle_for_trend(result, data)
    alt = alt_text_for_trend(result, data)
    source = source or source_text(result)
    fig_figs = F._force_figures(result)
    baseline = fig_figs.baseline_value if fig_figs is not None else None
    target = getattr(result.definition.target, "at_least", None)
    base_label = f"Baseline ({F.period_phrase(result.baseline_start, result.baseline_end, article=False)})"

    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(4.1)
        months = [pd.Period(m, freq="M") for m in data["month"]]
        x = np.array([m.ordinal for m in months], dtype=float)
        v = data["value"].to_numpy(float)
        lo = data["lower_95"].to_numpy(float)
        hi = data["upper_95"].to_numpy(float)
        ok = ~np.isnan(v)
        ax.fill_between(x, lo, hi, where=~np.isnan(lo) & ~np.isnan(hi), color=DARK_BLUE, alpha=0.17,
                        linewidth=0, interpolate=False)
        ax.plot(x, v, color=DARK_BLUE, linewidth=2.6, zorder=3)
        xl, vl = x[ok][-1], v[ok][-1]
        ax.plot([xl], [vl], marker="o", markersize=8, color=DARK_BLUE, markeredgecolor="white",
                markeredgewidth=1.5, zorder=5)
        ax.annotate(_value_text(result, vl), xy=(xl, vl), xytext=(9, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=11.5, fontweight="bold", color=DARK_BLUE, bbox=LABEL_BACKGROUND,
                    zorder=6)

        sup = data["suppressed"].to_numpy(bool)
        if sup.any():   # the hidden stretch is marked, never drawn
            runs = np.flatnonzero(sup & ~np.concatenate([[False], sup[:-1]]))
            for start in runs:
                end = start
                while end + 1 < len(sup) and sup[end + 1]:
                    end += 1
                ax.annotate(F.SUPPRESSED, xy=((x[start] + x[end]) / 2, 0), xycoords=("data", "axes fraction"), xytext=(0, 4),
                            textcoords="offset points", ha="center", va="bottom", fontsize=10,
                            color=SECONDARY_TEXT)
        gap_runs = _gap_runs(data)
        for a, b in gap_runs:   # windows with months missing: marked, and the line never crosses them
            ax.axvspan(x[a] - 0.5, x[b] + 0.5, facecolor="#F3F2F1", edgecolor=FOCUS_GREY, hatch="//",
                       linewidth=0, zorder=1)
            # a direct label, not a legend entry: it names the area where it is
            ax.annotate("Months missing:\nno 12-month figure", xy=((x[a] + x[b]) / 2, 1), xycoords=("data", "axes fraction"),
                        xytext=(0, -4), textcoords="offset points", ha="center", va="top", fontsize=9.5,
                        color=SECONDARY_TEXT, zorder=6)
        tops = [np.nanmax(hi) if np.isfinite(hi).any() else np.nanmax(v), np.nanmax(v)]
        if baseline is not None:
            tops.append(baseline)
        if target is not None:
            tops.append(float(target))
        top = max(tops) * 1.14
        bottom = 0.0
        if result.definition.statistic == "proportion":
            # A percentage that stays high (e.g. 85% to 92%) would be a flat line on a 0-100 axis; a line
            # chart need not start at zero (ONS and Analysis Function guidance), so start at a round
            # number below the lowest figure and say so in the axis title.
            lows = [np.nanmin(lo) if np.isfinite(lo).any() else np.nanmin(v), np.nanmin(v)]
            lows += [b for b in (baseline, target) if b is not None]
            low = min(lows)
            if low > 40:
                bottom = math.floor((low - 3) / 10) * 10
                top = min(100.0, math.ceil((max(tops) + 2) / 5) * 5)
            else:
                top = min(top, 100.0)
        ax.set_ylim(bottom, top)
        span = x[-1] - x[0] if len(x) > 1 else 1
        ax.set_xlim(x[0] - 0.5, x[-1] + max(span * 0.09, 2.5))

        if baseline is not None:
            ax.axhline(baseline, color=DARK_GREY, linewidth=1.5, linestyle=(0, (6, 3)), zorder=2)
            above = vl < baseline   # put the label on the side away from the latest value
            ax.annotate(f"{base_label}: {_value_text(result, baseline)}", xy=(x[-1], baseline),
                        xytext=(0, 5 if above else -5), textcoords="offset points", ha="right",
                        va="bottom" if above else "top", fontsize=10, color=TEXT)
        if target is not None:
            ax.axhline(float(target), color=DARK_PINK, linewidth=1.6, linestyle=(0, (1.5, 2)), zorder=2)
            unit = "%" if result.definition.statistic == "proportion" else ""
            first = v[ok][0]
            below = first > float(target)   # the label goes on the side away from the line's start
            ax.annotate(f"Target: at least {F.format_number(target, 0)}{unit}", xy=(x[0], float(target)),
                        xytext=(2, -5 if below else 5), textcoords="offset points", ha="left",
                        va="top" if below else "bottom", fontsize=10, color=DARK_PINK)

        ticks, labels = _month_ticks(months)
        ax.set_xticks(ticks, labels)
        ax.tick_params(axis="x", length=4, color=DARK_GREY)
        ax.set_xlabel("12 months ending", color=SECONDARY_TEXT, fontsize=10, labelpad=6)
        _value_axis(ax, "y", result)
        ax.set_ylim(bottom, top)
        _axis_title(ax, _stat_label(result, capital=True) + ("\n(axis does not start at zero)" if bottom else ""))
        handles = [Line2D([], [], color=DARK_BLUE, linewidth=2.6, label=chart_label(result.area_name)),
                   Patch(facecolor=DARK_BLUE, alpha=0.17, label="95% confidence interval")]
        # The key in a row of its own above the axis title (constrained layout makes room), never
        # beside it: a long area name or a two-line axis title would run one into the other.
        fig.legend(handles=handles, loc="outside upper left", ncol=2, fontsize=10, handlelength=1.8,
                   borderaxespad=0.2, columnspacing=1.2)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    gap = _gap_text(result, data)
    return Chart(Path(path), title, subtitle, alt, data, _caption(title, source), source, "trend",
                 notes=[gap] if gap else [])
