"""The charts' house style and what every chart shares (see the package docstring for the rules).

Palette, size, markers, axes, captions, the `Chart` a chart function returns, and saving the PNG
with its alt text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
from cycler import cycler
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .. import findings as F
from ...measures.comparison import BETTER, HIGHER, LOWER, NOT_COMPARED, PALETTE, SIMILAR, STATUS_SYMBOLS, WORSE
from ...measures.result import MeasureResult
from ..chart import Chart, ChartDataError   # noqa: F401 (re-exported: the charts' own types)


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
    """The figure as the house PNG: drawn by matplotlib (layout, then Agg) and written by Pillow as
    opaque RGB with the title and alt text as text chunks and the DPI. The charts are on white, so
    the alpha channel matplotlib's own PNG carries is 255 everywhere: without it the file is about a
    tenth smaller and a quarter quicker to compress, with the same pixels. No software version in
    the file, so that a rebuild with the same numbers gives the same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One draw, the layout then the pixels, on white at the figure's DPI: savefig would first draw
    # the whole figure once more without pixels, only to run the layout. The same bytes.
    fig.set_facecolor("white")
    fig.canvas.draw()
    pixels = fig.canvas.buffer_rgba()
    image = Image.frombuffer("RGBA", (pixels.shape[1], pixels.shape[0]), pixels, "raw", "RGBA", 0, 1)
    if image.getextrema()[3] == (255, 255):     # opaque everywhere (anything else keeps its alpha)
        image = image.convert("RGB")
    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Description", alt_text)
    image.save(path, format="png", pnginfo=info, dpi=(DPI, DPI))
    # not fig.clear(): clearing makes every axis anew only to throw it away (the figure is not used
    # again; it goes with its last reference, and the peak memory of 77 figures is the same)
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


VALUE_COLUMN = 44   # points right of the plot: right edge of the value column
WORD_COLUMN = 54    # points right of the plot: left edge of the comparison-word column


def _label_column(ax, y: float, text: str, offset_pt: float, *, ha: str = "left", bold: bool = False,
                  color: str = TEXT, size: float = 10.5) -> None:
    ax.annotate(text, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(offset_pt, 0),
                textcoords="offset points", ha=ha, va="center", fontsize=size, color=color,
                fontweight="bold" if bold else "normal", annotation_clip=False)
