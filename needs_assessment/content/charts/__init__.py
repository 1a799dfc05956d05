"""Charts in one house style, with a headline, a subtitle, generated alt text and the data behind them.

House style (GOV.UK Analysis Function guidance on charts):

* colours from the Analysis Function palette (dark blue first; the "focus" pair dark blue + grey when
  one bar is highlighted), on white; no borders, no 3D, no shadows; light grey gridlines on the value
  axis only; DejaVu Sans (bundled with matplotlib, so every machine draws the same image);
* nothing depends on colour alone: series and categories differ by marker shape, fill, line style
  and hatching, and every category is named in a direct label (the comparison word, "Baseline",
  the group average), so a chart reads the same in greyscale and to colour-blind readers;
* PNG at 150 dpi, 16 cm wide (an A4 text column, and about 950 pixels for the web);
* no titles inside the image: the headline (``Chart.title``) and the statistic (``Chart.subtitle``)
  go in the document, where screen readers and search find them; ``titles=True`` draws them in
  for a stand-alone image;
* suppressed figures are never drawn or labelled: the bar or dot is left out and "[c]" written
  in its place. ``Chart.data`` (for the CSV download) holds NaN there and ``suppressed`` = True.

Every chart function takes a MeasureResult and a path, writes the PNG and returns a ``Chart``.
Matplotlib is used without pyplot (``Figure`` + Agg canvas) inside an ``rc_context``, so nothing
leaks into global state and no figure is left open.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import findings as F
from .. import tables as T
from ...common.errors import NeedsAssessmentError
from ...measures.comparison import BETTER, HIGHER, LOWER, NOT_COMPARED, PALETTE, SIMILAR, STATUS_SYMBOLS, WORSE
from ...measures.result import cadence
from ...measures.result import MeasureResult
from ..text import attribute, chart_label

__all__ = [
    "Chart", "ChartDataError", "STYLE", "WIDTH_CM", "DPI",
    "trend_chart", "district_chart", "msg_chart", "deprivation_chart", "disproportionality_chart",
    "available_charts", "source_text",
    "trend_data", "district_data", "msg_data", "deprivation_data", "disproportionality_data",
    "headline_for_trend", "headline_for_districts", "headline_for_msg", "headline_for_deprivation",
    "headline_for_disproportionality",
    "subtitle_for_trend", "subtitle_for_districts", "subtitle_for_msg", "subtitle_for_deprivation",
    "subtitle_for_disproportionality",
    "alt_text_for_trend", "alt_text_for_districts", "alt_text_for_msg", "alt_text_for_deprivation",
    "alt_text_for_disproportionality",
]

# --------------------------------------------------------------------------------------------------
# house style

DARK_BLUE = PALETTE["dark_blue"]
TURQUOISE = PALETTE["turquoise"]
DARK_PINK = PALETTE["dark_pink"]
ORANGE = PALETTE["orange"]
DARK_GREY = PALETTE["dark_grey"]
LIGHT_PURPLE = PALETTE["light_purple"]
FOCUS_GREY = "#BFBFBF"      # Analysis Function "focus" palette: the non-highlighted bars
TEXT = "#0B0C0C"            # GOV.UK text colour
SECONDARY_TEXT = "#505A5F"  # GOV.UK secondary text: 7:1 on white
GRID = "#D9D9D9"

WIDTH_CM = 16.0
WIDTH_IN = WIDTH_CM / 2.54
DPI = 150

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    # a name with "$" in it is text, not maths
    "text.parse_math": False,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": DARK_GREY,
    "axes.linewidth": 1.0,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.facecolor": "white",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": cycler(color=[DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE]),
    "lines.linewidth": 2.4,
    "lines.solid_capstyle": "round",
    "hatch.linewidth": 1.6,
    "legend.frameon": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "axes.unicode_minus": False,
    "figure.constrained_layout.h_pad": 0.06,
    "figure.constrained_layout.w_pad": 0.06,
}

# Marker for each comparison word: shape and fill carry the meaning, colour only supports it.
MARKERS: dict[str, dict[str, Any]] = {
    BETTER: dict(marker="D", size=8.5, filled=True),
    WORSE: dict(marker="s", size=8.5, filled=True),
    HIGHER: dict(marker="^", size=10, filled=True),
    LOWER: dict(marker="v", size=10, filled=True),
    SIMILAR: dict(marker="o", size=8.5, filled=False),
    NOT_COMPARED: dict(marker="o", size=8.5, filled=False),
    "": dict(marker="o", size=8.5, filled=True),
}

# Where each dataset's figures come from, for captions. Keyed by the params file's dataset name
# (and a few formats); the lead can extend this or pass ``source=`` to any chart.
DATASET_SOURCES = {
    "street_crime": "police.uk street-level crime data",
    "outcomes": "police.uk outcomes data",
    "stop_search": "police.uk stop and search data",
    "road_casualties": "Department for Transport, STATS19 road casualty data",
    "recorded_crime_csp": "Home Office police recorded crime by community safety partnership",
    "recorded_crime_pfa": "Home Office police recorded crime by police force area",
    "calls_999": "Home Office 999 call data",
    "force_indicators": "force performance data",
}
DENOMINATOR_SOURCES = {
    "households": "Census 2021 households (ONS)",
    "population": "ONS mid-year population estimates",
}


class ChartDataError(NeedsAssessmentError):
    """The result has nothing to draw for this chart (no data, or no breakdown of this kind)."""


@dataclass
class Chart:
    """A chart written to ``path``, with everything the document needs to present it accessibly."""

    path: Path
    title: str          # the headline: the finding in words
    subtitle: str       # the statistic, area and period
    alt_text: str       # chart type, measure, period and main pattern with numbers
    data: pd.DataFrame  # the figures behind it (disclosure-controlled) for a CSV download
    caption: str        # title + source, for the figure caption
    source: str = ""
    kind: str = ""
    notes: list[str] = field(default_factory=list)

    def markdown(self, label: str | None = None, src: str | None = None) -> str:
        """Quarto figure Markdown: ``![caption](path){#fig-label fig-alt="..."}``."""
        attrs = []
        if label:
            attrs.append("#" + (label if label.startswith("fig-") else f"fig-{label}"))
        attrs.append(f'fig-alt="{attribute(self.alt_text)}"')
        return f"![{self.caption}]({src or self.path.as_posix()}){{{' '.join(attrs)}}}"


# --------------------------------------------------------------------------------------------------
# shared helpers

def source_text(result: MeasureResult) -> str:
    """"police.uk street-level crime data; Census 2021 households (ONS)"."""
    parts = [DATASET_SOURCES.get(result.definition.source, result.definition.source.replace("_", " "))]
    if result.definition.statistic == "rate" and result.definition.denominator:
        parts.append(DENOMINATOR_SOURCES.get(result.definition.denominator, result.definition.denominator))
    text = "; ".join(parts)
    return text if text.startswith("police.uk") else text[:1].upper() + text[1:]


def _caption(title: str, source: str) -> str:
    return f"{title}. Source: {source}."


def _stat_label(result: MeasureResult, *, capital: bool = False) -> str:
    """"rate per 1,000 households", "percentage", "number"."""
    stat = result.definition.statistic
    text = {"rate": f"rate {result.unit}", "proportion": "percentage", "count": "number"}[stat]
    return text[:1].upper() + text[1:] if capital else text


def _value_text(result: MeasureResult, value: Any, decimals: int | None = None) -> str:
    return F.format_value(value, result, unit=False, decimals=decimals)


def _period_text(result: MeasureResult) -> str:
    return F.period_phrase(result.period_start, result.period_end, article=False)


def _figure(height_in: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    return fig, ax


def _value_axis(ax, axis: str, result_or_stat, *, percent: bool | None = None, decimals: int | None = None,
                nbins: int = 5):
    """Gridlines and number format on the value axis; the other axis has no gridlines."""
    stat = result_or_stat if isinstance(result_or_stat, str) else result_or_stat.definition.statistic
    percent = (stat == "proportion") if percent is None else percent
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.grid(True, color=GRID, linewidth=0.9)
    ax.set_axisbelow(True)

    def fmt(v, _pos):
        if decimals is not None:
            d = decimals
        else:
            d = 0 if float(v).is_integer() else (1 if abs(v * 10 - round(v * 10)) < 1e-9 else 2)
        text = F.format_number(v, d)
        return text + ("%" if percent else "")

    target.set_major_formatter(ticker.FuncFormatter(fmt))
    target.set_major_locator(ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10], min_n_ticks=3))
    if axis == "y":
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0, pad=4)
    else:
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0, pad=4)


def _axis_title(ax, text: str) -> None:
    """The value axis's unit, written horizontally above the plot (ONS style), not rotated."""
    ax.set_title(text, loc="left", fontsize=10.5, color=SECONDARY_TEXT, pad=8)


def _titles(fig: Figure, title: str, subtitle: str) -> None:
    """Draw the headline and subtitle above the plot (for a stand-alone image): the figure grows by
    the space they need and the plot keeps its size."""
    title_lines = textwrap.wrap(title, 62) or [""]
    sub_lines = textwrap.wrap(subtitle, 80) if subtitle else []
    need_pt = len(title_lines) * 12.5 * 1.3 + len(sub_lines) * 10.5 * 1.35 + 14
    old_h = fig.get_figheight()
    new_h = old_h + need_pt / 72
    fig.set_figheight(new_h)
    fig.get_layout_engine().set(rect=(0, 0, 1, old_h / new_h))
    top = 1 - 4 / 72 / new_h
    fig.text(0.012, top, "\n".join(title_lines), ha="left", va="top", fontsize=12.5, fontweight="bold",
             linespacing=1.3)
    if sub_lines:
        fig.text(0.012, top - len(title_lines) * 12.5 * 1.3 / 72 / new_h - 3 / 72 / new_h, "\n".join(sub_lines),
                 ha="left", va="top", fontsize=10.5, color=SECONDARY_TEXT, linespacing=1.35)


def _save(fig: Figure, path: str | Path, title: str, alt_text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No software version in the file, so that a rebuild with the same numbers gives the same bytes.
    fig.savefig(path, format="png", dpi=DPI, facecolor="white",
                metadata={"Title": title, "Description": alt_text, "Software": None})
    fig.clear()
    return path


def _markers(word: str, colour: str | None = None) -> dict[str, Any]:
    spec = MARKERS.get(word, MARKERS[""])
    colour = colour or (STATUS_SYMBOLS[word].colour if word in STATUS_SYMBOLS else DARK_BLUE)
    return dict(marker=spec["marker"], markersize=spec["size"], markeredgecolor=colour, markeredgewidth=2,
                markerfacecolor=colour if spec["filled"] else "white", linestyle="none", zorder=4)


def _small(count: Any, threshold: int) -> bool:
    return F.is_small_count(count, threshold)


def _round_frame(df: pd.DataFrame, columns: list[str], decimals: int = 4) -> pd.DataFrame:
    for c in columns:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").round(decimals)
    return df


def available_charts(result: MeasureResult) -> list[str]:
    """Which chart functions have something to draw for this result:
    any of "trend", "district", "msg", "deprivation", "disproportionality". Judged on the
    disclosure-controlled figures the charts draw, so a breakdown whose every figure is suppressed
    offers no chart."""
    out = []
    if not trend_data(result).dropna(subset=["value"]).empty:
        out.append("trend")
    if any(f.value is not None for f in F._district_figures(result)):
        out.append("district")

    def present(name: str) -> bool:
        extra = result.extras.get(name)
        return extra is not None and not extra.empty
    if present("msg") and msg_data(result)["value"].notna().any():
        out.append("msg")
    if present("deprivation") and deprivation_data(result)["value"].notna().any():
        out.append("deprivation")
    if present("disproportionality") and (_groups(disproportionality_data(result))["rate_ratio"] > 0).any():
        out.append("disproportionality")
    return out


# --------------------------------------------------------------------------------------------------
# trend

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


def subtitle_for_trend(result: MeasureResult) -> str:
    data = trend_data(result)
    label = f"Rolling 12-month {_stat_label(result)}, {result.area_name}"
    if data.empty:
        return label
    first = pd.Period(data["month"].iloc[0], freq="M") - 11
    last = pd.Period(data["month"].iloc[-1], freq="M")
    return f"{label}, {F.period_label(first)} to {F.period_label(last)}"


def alt_text_for_trend(result: MeasureResult) -> str:
    """"Line chart of neighbourhood crime, rolling 12-month rate per 1,000 households in Demoshire from
    the 12 months to December 2019 to the 12 months to March 2024. The rate fell from 14.3 to 11.6, down
    18.3% on the baseline of 14.3 (the 12 months to December 2019). ..."""
    data = trend_data(result)
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
    title, subtitle = headline_for_trend(result), subtitle_for_trend(result)
    alt = alt_text_for_trend(result)
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
                    ha="left", va="center", fontsize=11.5, fontweight="bold", color=DARK_BLUE)

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
        ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=10,
                  handlelength=1.8, borderaxespad=0.2, columnspacing=1.2)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    gap = _gap_text(result, data)
    return Chart(Path(path), title, subtitle, alt, data, _caption(title, source), source, "trend",
                 notes=[gap] if gap else [])


# --------------------------------------------------------------------------------------------------
# districts

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


VALUE_COLUMN = 44   # points right of the plot: right edge of the value column
WORD_COLUMN = 54    # points right of the plot: left edge of the comparison-word column


def _label_column(ax, y: float, text: str, offset_pt: float, *, ha: str = "left", bold: bool = False,
                  color: str = TEXT, size: float = 10.5) -> None:
    ax.annotate(text, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(offset_pt, 0),
                textcoords="offset points", ha=ha, va="center", fontsize=size, color=color,
                fontweight="bold" if bold else "normal", annotation_clip=False)


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


# --------------------------------------------------------------------------------------------------
# most similar group

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


# --------------------------------------------------------------------------------------------------
# deprivation

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


# --------------------------------------------------------------------------------------------------
# disproportionality

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
