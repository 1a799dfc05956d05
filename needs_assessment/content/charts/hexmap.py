"""The point-density map: police.uk records counted in hexagons, which needs no boundary file.

Projection: police.uk gives WGS84 longitude and latitude. The map uses an equirectangular projection
scaled by the cosine of the records' mean latitude (x = R·lon·cos(lat0), y = R·lat, in km), which
over a force area (under 150 km north to south) keeps east-west distances within about 2% of
British National Grid's at its edges, so hexagons are regular and of a stated size without a
projection library.

Disclosure: a hexagon with fewer records than the params' suppression threshold is not drawn and is
not in the data download; the caption says so. The hexagons' colours are classes of records per
hexagon, named in the legend, from a colour-blind-safe sequential palette (viridis, light to dark);
the busiest hexagon carries its count as a label, and the district names are written at the
middle of their records, so the map reads without colour.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from .. import findings as F
from ...measures.result import MeasureResult
from ..text import chart_label
from .style import (Chart, ChartDataError, SECONDARY_TEXT, STYLE, TEXT, WIDTH_IN, _figure, _period_text, _save,
                    _titles, source_text)

EARTH_RADIUS_KM = 6371.0088
HEXAGONS_ACROSS = 30                    # about this many hexagons across the wider side of the area
NICE_WIDTHS_KM = (0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0)
LABELLED_HEXAGONS = 3                   # the alt text names the busiest hexagons
PROJECTION_NOTE = ("Positions are police.uk's anonymised map points, drawn in an equirectangular "
                   "projection scaled by the cosine of the mean latitude.")


def project(longitude, latitude, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (degrees) to km east and north, equirectangular scaled by cos(lat0)."""
    lon, lat = np.radians(np.asarray(longitude, float)), np.radians(np.asarray(latitude, float))
    return EARTH_RADIUS_KM * lon * math.cos(math.radians(lat0)), EARTH_RADIUS_KM * lat


def unproject(x_km, y_km, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(x_km, float) / (EARTH_RADIUS_KM * math.cos(math.radians(lat0)))
    return np.degrees(lon), np.degrees(np.asarray(y_km, float) / EARTH_RADIUS_KM)


def hex_width_km(x: np.ndarray, y: np.ndarray) -> float:
    """A round hexagon width (flat side to flat side) giving about HEXAGONS_ACROSS across the area."""
    span = max(float(np.ptp(x)), float(np.ptp(y)) / math.sqrt(3) * 2, 0.01)
    want = span / HEXAGONS_ACROSS
    return min(NICE_WIDTHS_KM, key=lambda w: abs(math.log(w / want)))


def hex_grid(x: np.ndarray, y: np.ndarray, width: float) -> tuple[tuple[int, int], tuple[float, float, float, float]]:
    """matplotlib hexbin's gridsize and extent for regular hexagons `width` km across: hexbin's
    hexagons are sx wide and 2·sy/3 tall, regular when sy = sqrt(3)·sx."""
    sx, sy = width, width * math.sqrt(3)
    x0, y0 = math.floor(x.min() / sx) * sx - sx, math.floor(y.min() / sy) * sy - sy
    nx = int(math.ceil((x.max() - x0) / sx)) + 1
    ny = int(math.ceil((y.max() - y0) / sy)) + 1
    return (nx, ny), (x0, x0 + nx * sx, y0, y0 + ny * sy)


def _locations(result: MeasureResult) -> pd.DataFrame:
    frame = result.extras.get("locations")
    if frame is not None and frame["district"].notna().any():
        # Only records in the force's districts: police.uk places a few records far outside the
        # force area (and some in neighbouring authorities), which would stretch the map.
        frame = frame[frame["district"].notna()]
    if frame is None or frame.empty:
        raise ChartDataError(f"{result.measure_id}: no record locations to map")
    return frame


def _bin(result: MeasureResult):
    """Draw-free binning: the hexbin collection on a scratch axes, with every non-empty hexagon."""
    frame = _locations(result)
    lat0 = float(frame["latitude"].mean())
    x, y = project(frame["longitude"], frame["latitude"], lat0)
    width = hex_width_km(x, y)
    gridsize, extent = hex_grid(x, y, width)
    return frame, lat0, x, y, width, gridsize, extent


def _hexagons(x, y, gridsize, extent, ax) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n x 2, km) and counts of every non-empty hexagon, as matplotlib's hexbin counts them."""
    coll = ax.hexbin(x, y, gridsize=gridsize, extent=extent, mincnt=1)
    centres, counts = np.asarray(coll.get_offsets(), float), np.asarray(coll.get_array(), float)
    coll.remove()
    return centres, counts


def _class_breaks(counts: np.ndarray, threshold: int) -> list[int]:
    """Lower bounds of up to five classes of records per hexagon: the threshold, then round
    numbers (1, 2, 5 x 10^k) near the quintiles of the drawn hexagons' counts."""
    low = max(int(threshold), 1)
    if counts.size == 0:
        return [low]
    breaks = [low]
    for q in (0.4, 0.6, 0.8, 0.95):
        v = float(np.quantile(counts, q))
        if v <= breaks[-1]:
            continue
        k = 10 ** math.floor(math.log10(v))
        nice = max((m * k for m in (1, 2, 5, 10) if m * k <= v), default=k)
        if nice > breaks[-1]:
            breaks.append(int(nice))
    return breaks


def _class_label(lower: int, upper: int | None) -> str:
    return (f"{F.format_number(lower, 0)} or more" if upper is None
            else (f"{F.format_number(lower, 0)}" if upper - 1 == lower
                  else f"{F.format_number(lower, 0)} to {F.format_number(upper - 1, 0)}"))


def _modal_per_group(frame: pd.DataFrame, group: str, column: str) -> pd.Series:
    """The most frequent value of `column` in each group of `frame` (missing values left out; ties:
    the smallest value), indexed by group; a group whose values are all missing is absent. One
    groupby for every hexagon at once, not a value count per hexagon."""
    sizes = frame.groupby([group, column], sort=True, dropna=True, observed=True).size()
    if sizes.empty:
        return pd.Series(dtype=object)
    ranked = sizes.reset_index(name="n")
    # by group, then most frequent first; a stable sort keeps the smallest value first among ties
    ranked = ranked.sort_values([group, "n"], ascending=[True, False], kind="stable")
    first = ranked.drop_duplicates(group)
    return pd.Series(first[column].to_numpy(), index=first[group].to_numpy())


def hexmap_data(result: MeasureResult) -> pd.DataFrame:
    """The hexagons drawn (those with at least suppression_threshold records): centre in km and in
    longitude/latitude, records, class, and the LSOA and district most of its records are in.
    Kept on the result: choosing the charts, the map, its CSV and its alt text all ask for it."""
    key = (id(result.extras.get("locations")), result.suppression_threshold)
    memo = result.__dict__.setdefault("_hexmap_data", {})
    if key not in memo:
        memo.clear()
        memo[key] = _compute_hexmap_data(result)
    return memo[key]


def _compute_hexmap_data(result: MeasureResult) -> pd.DataFrame:
    with matplotlib.rc_context(STYLE):
        fig, ax = _figure(1.0)
        frame, lat0, x, y, width, gridsize, extent = _bin(result)
        centres, counts = _hexagons(x, y, gridsize, extent, ax)
        fig.clear()
    return _hexagon_frame(result, frame, lat0, x, y, width, centres, counts)


def _nearest_hexagon(x, y, centres: np.ndarray, width: float) -> np.ndarray:
    """Index into `centres` of each point's hexagon (the nearest centre: hexagons are regular)."""
    out = np.empty(len(x), dtype=int)
    for start in range(0, len(x), 4096):
        px, py = x[start:start + 4096, None], y[start:start + 4096, None]
        d = (px - centres[None, :, 0]) ** 2 + (py - centres[None, :, 1]) ** 2
        out[start:start + 4096] = d.argmin(axis=1)
    return out


def _hexagon_frame(result, frame, lat0, x, y, width, centres, counts) -> pd.DataFrame:
    threshold = result.suppression_threshold
    which = _nearest_hexagon(x, y, centres, width) if len(centres) else np.zeros(0, int)
    lon, lat = unproject(centres[:, 0], centres[:, 1], lat0)
    out = pd.DataFrame({"x_km": centres[:, 0].round(3), "y_km": centres[:, 1].round(3),
                        "longitude": lon.round(5), "latitude": lat.round(5),
                        "hexagon_width_km": width, "count": counts.astype(int)})
    located = frame.assign(hexagon=which)
    out["main_lsoa_code"] = [None] * len(out)
    out["main_lsoa_name"] = [None] * len(out)
    out["main_district"] = [None] * len(out)
    if "lsoa_code" in located:
        codes = _modal_per_group(located, "hexagon", "lsoa_code")
        out.loc[codes.index, "main_lsoa_code"] = codes.to_numpy()
        if "lsoa_name" in located and len(codes):
            # the name of the first record (in the records' order) of the hexagon's main LSOA that has one
            mine = located[located["lsoa_code"].to_numpy() == located["hexagon"].map(codes).to_numpy()]
            names = mine.dropna(subset=["lsoa_name"]).drop_duplicates("hexagon").set_index("hexagon")["lsoa_name"]
            out.loc[names.index, "main_lsoa_name"] = names.to_numpy()
    if "district" in located:
        districts = _modal_per_group(located, "hexagon", "district")
        out.loc[districts.index, "main_district"] = districts.to_numpy()
    out = out[out["count"] >= threshold]
    breaks = _class_breaks(out["count"].to_numpy(float), threshold)
    uppers = breaks[1:] + [None]
    out["records_class"] = [next(_class_label(lo, up) for lo, up in zip(breaks, uppers)
                                 if c >= lo and (up is None or c < up)) for c in out["count"]]
    out.attrs["breaks"] = breaks
    out.attrs["lat0"] = lat0
    return out.sort_values(["count", "y_km", "x_km"], ascending=[False, False, True]).reset_index(drop=True)


def _lsoa_label(result: MeasureResult, code, name) -> str:
    hot = result.extras.get("hotspots")
    if hot is not None and code in set(hot["lsoa_code"]):
        name = hot.loc[hot["lsoa_code"] == code, "lsoa_name"].iloc[0]
    return str(name if isinstance(name, str) and name else code)


def headline_for_hexmap(result: MeasureResult, data: pd.DataFrame | None = None) -> str:
    data = hexmap_data(result) if data is None else data
    name = F.lower_first(result.title)
    if data.empty:
        return f"No part of {result.area_name} has enough {name} records to map"
    top = data.iloc[0]
    where = _lsoa_label(result, top["main_lsoa_code"], top["main_lsoa_name"])
    district = f" in {top['main_district']}" if isinstance(top["main_district"], str) else ""
    return f"Records of {name} are most concentrated around {where}{district}"


def subtitle_for_hexmap(result: MeasureResult, data: pd.DataFrame | None = None) -> str:
    data = hexmap_data(result) if data is None else data
    width = float(data["hexagon_width_km"].iloc[0]) if not data.empty else None
    size = f" in hexagons {F.format_number(width, 2 if width < 1 else 1 if not width.is_integer() else 0)} km across" \
        if width else ""
    return f"Number of records{size}, {result.area_name}, {_period_text(result)}"


def alt_text_for_hexmap(result: MeasureResult, data: pd.DataFrame | None = None) -> str:
    """Where the most records are: by district (from the records' LSOAs), the busiest hexagons with
    the LSOA most of their records are in, and the LSOAs of the hotspots table."""
    data = hexmap_data(result) if data is None else data
    frame = _locations(result)
    threshold = result.suppression_threshold
    name = F.lower_first(result.title)
    total = len(frame)
    text = (f"Map of {name} in {result.area_name}, {F.period_phrase(result.period_start, result.period_end)}: "
            f"{F.format_number(total, 0)} records with a location in its districts, counted in hexagons")
    if not data.empty:
        text += f" {F.format_number(float(data['hexagon_width_km'].iloc[0]), 2).rstrip('0').rstrip('.')} km across"
    text += "."
    by_district = frame["district"].dropna().value_counts()
    by_district = by_district[by_district >= threshold]
    if len(by_district):
        parts = [f"{d} ({F.format_number(c, 0)}, {F.format_number(100 * c / total, 0)}%)"
                 for d, c in by_district.head(3).items()]
        text += f" Most records are in {parts[0]}" + (f", then {F._join(parts[1:])}" if len(parts) > 1 else "") + "."
    if not data.empty:
        items = []
        for _, h in data.head(LABELLED_HEXAGONS).iterrows():
            where = _lsoa_label(result, h["main_lsoa_code"], h["main_lsoa_name"])
            district = f" in {h['main_district']}" if isinstance(h["main_district"], str) else ""
            items.append(f"{F.format_number(h['count'], 0)} around {where}{district}")
        text += " The hexagons with the most records: " + "; ".join(items) + "."
    hot = result.extras.get("hotspots")
    if hot is not None and not hot.empty:
        shown = hot[hot["count"] >= threshold].head(3)
        if len(shown):
            text += (" The neighbourhoods (LSOAs) with the most records are "
                     + F._join([f"{r.lsoa_name} in {r.district} ({F.format_number(r.count, 0)})"
                                for r in shown.itertuples()]) + ".")
    text += f" Hexagons with fewer than {threshold} records are not drawn."
    return text


def hexagon_map(result: MeasureResult, path: str | Path, *, source: str | None = None,
                titles: bool = False) -> Chart:
    """Hexagon point-density map of the latest 12 months' records, classes of records per hexagon
    in the legend, hexagons under the suppression threshold left out, district names at the middle
    of their records, the busiest hexagon labelled with its count, and a scale bar."""
    threshold = result.suppression_threshold
    with matplotlib.rc_context(STYLE):
        frame, lat0, x, y, width, gridsize, extent = _bin(result)
        aspect = (extent[3] - extent[2]) / (extent[1] - extent[0])
        fig, ax = _figure(min(max(WIDTH_IN * 0.72 * aspect + 0.4, 3.5), 8.5))
        data = hexmap_data(result)
        if data.empty:
            fig.clear()
            raise ChartDataError(f"{result.measure_id}: no hexagon has {threshold} or more records to map")
        breaks = data.attrs["breaks"]
        colours = colormaps["viridis_r"](np.linspace(0.2, 0.95, len(breaks))) if len(breaks) > 1 \
            else colormaps["viridis_r"]([0.6])
        cmap = ListedColormap(colours)
        norm = BoundaryNorm(breaks + [max(float(data["count"].max()) + 1, breaks[-1] + 1)], cmap.N)
        # mincnt=threshold: matplotlib draws only hexagons with at least that many records
        drawn = ax.hexbin(x, y, gridsize=gridsize, extent=extent, mincnt=threshold, cmap=cmap, norm=norm,
                          edgecolors="white", linewidths=0.4)
        ax.set_aspect("equal")
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom", "top", "right"):
            ax.spines[side].set_visible(False)
        halo = [patheffects.withStroke(linewidth=3, foreground="white")]
        for district, group in frame.assign(x=x, y=y).dropna(subset=["district"]).groupby("district"):
            if len(group) >= threshold:
                ax.text(float(group["x"].median()), float(group["y"].median()), chart_label(district),
                        ha="center", va="center", fontsize=9.5, fontweight="bold", color=TEXT,
                        path_effects=halo, zorder=5)
        top = data.iloc[0]   # the busiest hexagon carries its count (the alt text names the next ones too)
        ax.annotate(f"{F.format_number(top['count'], 0)} records", xy=(top["x_km"], top["y_km"]), xytext=(22, -18),
                    textcoords="offset points", ha="left", va="top", fontsize=9, color=TEXT,
                    path_effects=halo, zorder=6, arrowprops=dict(arrowstyle="-", color=TEXT, linewidth=0.8))
        uppers = breaks[1:] + [None]
        per_class = data["records_class"].value_counts()
        handles = []
        for i, (lo, up) in enumerate(zip(breaks, uppers)):
            label = _class_label(lo, up)
            n = int(per_class.get(label, 0))
            handles.append(Patch(facecolor=colours[i], edgecolor="white",
                                 label=f"{label} ({n} hexagon{'s' if n != 1 else ''})"))
        ax.legend(handles=handles, title="Records per hexagon", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  fontsize=9, title_fontsize=9.5, alignment="left")
        bar = next((b for b in (50, 20, 10, 5, 2, 1, 0.5) if b <= (extent[1] - extent[0]) / 4), 0.5)
        bx, by = extent[0] + width, extent[2] + width * 0.6
        ax.plot([bx, bx + bar], [by, by], color=TEXT, linewidth=2.5, solid_capstyle="butt")
        ax.text(bx + bar / 2, by + width * 0.25, f"{F.format_number(bar, 1 if bar < 1 else 0)} km", ha="center",
                va="bottom", fontsize=9, color=SECONDARY_TEXT)
        title, subtitle = headline_for_hexmap(result, data), subtitle_for_hexmap(result, data)
        alt = alt_text_for_hexmap(result, data)
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    del drawn
    # the map counts records: the rate's denominator is not part of its source
    source = source or source_text(result).split("; ")[0]
    notes = [f"Hexagons with fewer than {threshold} records are not drawn, so that small numbers are not "
             f"published; records placed outside {result.area_name}'s districts are not mapped. {PROJECTION_NOTE}"]
    return Chart(Path(path), title, subtitle, alt, data, f"{title}. Source: {source}.", source, "hexmap",
                 notes=notes)
