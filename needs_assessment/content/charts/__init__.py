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

from .. import findings as F
from ...measures.result import MeasureResult
from .deprivation import (DECILE_LABELS, alt_text_for_deprivation, deprivation_chart, deprivation_data,
                          headline_for_deprivation, subtitle_for_deprivation)
from .disproportionality import (_groups, alt_text_for_disproportionality, disproportionality_chart,
                                 disproportionality_data, headline_for_disproportionality,
                                 subtitle_for_disproportionality)
from .districts import (alt_text_for_districts, district_chart, district_data, headline_for_districts,
                        subtitle_for_districts)
from .hexmap import alt_text_for_hexmap, hexagon_map, hexmap_data, headline_for_hexmap, subtitle_for_hexmap
from .most_similar import alt_text_for_msg, headline_for_msg, msg_chart, msg_data, subtitle_for_msg
from .style import Chart, ChartDataError, DPI, MARKERS, STYLE, WIDTH_CM, source_text
from .trend import alt_text_for_trend, headline_for_trend, subtitle_for_trend, trend_chart, trend_data


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
    "hexagon_map", "hexmap_data", "headline_for_hexmap", "subtitle_for_hexmap", "alt_text_for_hexmap",
    "CHART_FUNCTIONS",
]

# Each kind `available_charts` names, and the function that draws it from a MeasureResult and a
# path: what the figure cache (content/figures.py) draws before the chapters run. A new kind of
# chart goes in both.
CHART_FUNCTIONS = {
    "trend": trend_chart,
    "district": district_chart,
    "msg": msg_chart,
    "deprivation": deprivation_chart,
    "disproportionality": disproportionality_chart,
    "hexmap": hexagon_map,
}


def available_charts(result: MeasureResult) -> list[str]:
    """Which chart functions have something to draw for this result:
    any of "trend", "district", "msg", "deprivation", "disproportionality", "hexmap". Judged on the
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
    if present("locations") and not hexmap_data(result).empty:
        out.append("hexmap")
    return out
