"""Maps from boundary files: the LSOA choropleth of a measure's rate, and the map of the districts.

Both are drawn with matplotlib from WKB polygons in British National Grid (the build's map
geography, measures/geography.py): shapely turns them into paths, nothing is fetched, no tiles.

The choropleth (`choropleth_data` in content/maps.py, where the kernels read it without matplotlib;
`draw_choropleth`, `choropleth_map` here):

* the rate per 1,000 residents in each LSOA in the latest 12 months, from the records and the ONS
  LSOA population (the latest mid-year estimate), on the map's areas (the best-fit lookup may put
  several of the records' LSOAs in one);
* disclosure control before anything is drawn: counts of 1 to threshold-1 are suppressed, and so is
  a second LSOA of the district where one would otherwise be worked out from the district's
  published total (measures/disclosure.py); their rate is hidden too, and they are drawn hatched
  with a legend entry of their own, never as a zero or a class;
* five classes of about equal numbers of LSOAs (quintiles of the published rates, rounded to the
  one decimal place shown), named in the legend with their ranges and how many LSOAs each has;
* a colour-blind-safe sequential palette (viridis, light to dark), every LSOA outlined in dark grey
  so that the lightest class keeps more than 3:1 contrast with its outline; district outlines and
  names on top; the highest LSOA labelled. The legend, labels and alt text carry the meaning, not
  colour alone.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.collections import PatchCollection
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from .. import findings as F
from ...measures.result import MeasureResult
# the data, classes and table (no drawing) are in content/maps.py, which a kernel reads without matplotlib
from ..maps import (CLASSES, CLASSIFICATION, NO_FIGURE_LABEL, SUPPRESSED_LABEL, choropleth_data,  # noqa: F401
                    class_labels, classify, measure_choropleth_data, published as _published, quantile_breaks,
                    top_rates_frame)
from ..text import chart_label
from .style import Chart, ChartDataError, SECONDARY_TEXT, STYLE, TEXT, WIDTH_IN, _figure, _period_text, _save, _titles, \
    source_text

OUTLINE = SECONDARY_TEXT        # LSOA edges: 5.7:1 against the lightest class
BOUNDARY_SOURCE = ("ONS boundaries, Open Government Licence v3.0; contains OS data © Crown copyright and database "
                   "right")
HIGHEST_NAMED = 3               # the alt text names the highest and lowest LSOAs
# Narrower than the other charts (16 cm): a phone shows the PNG about 330 px wide, and at 12 cm
# the legend and names are still 10 px high there; the PDF shows it at the width of the column.
MAP_WIDTH_IN = 12.0 / 2.54
LABEL_PT = 10.5


def class_colours(n: int) -> np.ndarray:
    """The classes' colours, lightest first: viridis (colour-blind safe, ordered in lightness)."""
    return colormaps["viridis_r"](np.linspace(0.0, 0.8, n)) if n > 1 else colormaps["viridis_r"]([0.4])


def relative_luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (components 0..1)."""
    c = np.asarray(rgb[:3], float)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast_ratio(a, b) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --- drawing -------------------------------------------------------------------------------------

def _paths(wkbs, scale: float = 1000.0) -> list[MplPath]:
    """matplotlib paths of WKB (multi)polygons, holes kept, in km."""
    import shapely  # noqa: PLC0415 - a chapter without maps never loads it

    out = []
    for geom in shapely.from_wkb(list(wkbs)):
        verts, codes = [], []
        for part in shapely.get_parts(geom):
            if part.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            for poly in shapely.get_parts(part):
                for ring in [poly.exterior, *poly.interiors]:
                    xy = np.asarray(ring.coords, float) / scale
                    if len(xy) < 4:
                        continue
                    verts.append(xy)
                    codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
        out.append(MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8)) if verts
                   else MplPath(np.zeros((1, 2))))
    return out


def _label_points(wkbs, scale: float = 1000.0) -> np.ndarray:
    import shapely  # noqa: PLC0415

    points = shapely.point_on_surface(shapely.from_wkb(list(wkbs)))
    return shapely.get_coordinates(points) / scale


def _extent(paths: list[MplPath]) -> tuple[float, float, float, float]:
    xy = np.concatenate([p.vertices for p in paths])
    return float(xy[:, 0].min()), float(xy[:, 0].max()), float(xy[:, 1].min()), float(xy[:, 1].max())


def _map_axes(extent, legend_rows: int):
    x0, x1, y0, y1 = extent
    aspect = (y1 - y0) / max(x1 - x0, 1e-9)
    fig, ax = _figure(min(max(MAP_WIDTH_IN * aspect * 0.92 + 0.2 + 0.22 * legend_rows, 3.2), 7.5))
    fig.set_figwidth(MAP_WIDTH_IN)
    pad = 0.02 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _free_corner(extent, names: np.ndarray) -> tuple[float, float]:
    """The corner of the map (axes fraction; not the bottom left, where the scale bar is) farthest
    from every district name, for the label of the highest LSOA."""
    x0, x1, y0, y1 = extent
    corners = [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    if not len(names):
        return corners[0]
    span = np.array([x1 - x0, y1 - y0])
    fractions = (np.asarray(names) - [x0, y0]) / span
    return max(corners, key=lambda c: float(np.min(np.linalg.norm(fractions - c, axis=1))))


def _scale_bar(ax, extent) -> None:
    x0, x1, y0, y1 = extent
    bar = next((b for b in (50, 20, 10, 5, 2, 1, 0.5) if b <= (x1 - x0) / 4), 0.5)
    bx, by = x0, y0 - 0.01 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color=TEXT, linewidth=2.5, solid_capstyle="butt", zorder=6)
    ax.text(bx + bar / 2, by + 0.012 * (y1 - y0), f"{F.format_number(bar, 1 if bar < 1 else 0)} km", ha="center",
            va="bottom", fontsize=LABEL_PT, color=SECONDARY_TEXT, zorder=6)


HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


def _district_layer(ax, districts: pd.DataFrame) -> None:
    if districts.empty:
        return
    paths = _paths(districts["geometry"])
    ax.add_collection(PatchCollection([PathPatch(p) for p in paths], facecolor="none", edgecolor=TEXT,
                                      linewidth=1.4, zorder=3))
    for (x, y), name in zip(_label_points(districts["geometry"]), districts["name"]):
        ax.text(x, y, chart_label(name), ha="center", va="center", fontsize=LABEL_PT, fontweight="bold", color=TEXT,
                path_effects=HALO, zorder=5)


def choropleth_figure(data: pd.DataFrame, shapes: pd.Series, districts: pd.DataFrame, *,
                      empty: pd.DataFrame | None = None, legend_title: str = "", highlight: str | None = None,
                      title: str = "", subtitle: str = "", titles: bool = False):
    """The choropleth as a Figure (call inside `matplotlib.rc_context(STYLE)`): `data`
    (choropleth_data) with `shapes` (WKB by lsoa_code), district outlines and names on top, the areas
    of `empty` without a figure, the LSOA `highlight` labelled with its rate. Pure: nothing is read
    or written, so it can be drawn anywhere."""
    breaks, labels = data.attrs["breaks"], data.attrs["labels"]
    colours = class_colours(len(breaks))
    paths = _paths(shapes.loc[data["lsoa_code"]].to_numpy())
    empty_paths = _paths(empty["geometry"]) if empty is not None and len(empty) else []
    extent = _extent(paths + empty_paths)
    number = data["class_number"].to_numpy()
    suppressed = data["suppressed"].to_numpy()
    no_figure = [p for p, n, s in zip(paths, number, suppressed) if n == 0 and not s] + empty_paths
    n_legend = len(breaks) + int(suppressed.any()) + int(bool(no_figure))
    # two columns fit 12 cm while labels stay short ("9.1 to 21.0 (135 LSOAs)"); longer ones get one
    longest = max([len(label) for label in labels] + [len(SUPPRESSED_LABEL)]) + len(f" ({len(data)} LSOAs)")
    columns = 2 if longest <= 28 else 1
    fig, ax = _map_axes(extent, math.ceil(n_legend / columns))
    shown = number > 0
    classes = PatchCollection([PathPatch(p) for p, s in zip(paths, shown) if s],
                              facecolor=[colours[i - 1] for i in number[shown]], edgecolor=OUTLINE, linewidth=0.3,
                              zorder=1)
    classes.set_gid("classes")
    ax.add_collection(classes)
    if suppressed.any():
        hidden = PatchCollection([PathPatch(p) for p, s in zip(paths, suppressed) if s], facecolor="white",
                                 edgecolor=OUTLINE, hatch="/////", linewidth=0.3, zorder=1)
        hidden.set_gid("suppressed")
        ax.add_collection(hidden)
    if no_figure:
        ax.add_collection(PatchCollection([PathPatch(p) for p in no_figure], facecolor="#EEEEEE", edgecolor=OUTLINE,
                                          hatch="...", linewidth=0.3, zorder=1))
    _district_layer(ax, districts)
    if highlight is not None and (data["lsoa_code"] == highlight).any():
        row = data[data["lsoa_code"] == highlight].iloc[0]
        (x, y), = _label_points(shapes.loc[[highlight]].to_numpy())
        # the label sits in the bottom right corner, clear of the district names, with a line to the LSOA
        corner = _free_corner(extent, _label_points(districts["geometry"]) if len(districts) else np.zeros((0, 2)))
        label = ax.annotate(f"Highest: {chart_label(row['lsoa_name'])}\n{F.format_number(row['rate_per_1000'], 1)} "
                            "per 1,000", xy=(x, y), xytext=corner, textcoords="axes fraction",
                            ha="right" if corner[0] else "left", va="bottom" if corner[1] == 0 else "top",
                            fontsize=LABEL_PT, color=TEXT,
                            path_effects=HALO, zorder=6, arrowprops=dict(arrowstyle="-", color=TEXT, linewidth=0.8))
        label.set_in_layout(False)
    _scale_bar(ax, extent)
    counts = data["rate_class"].value_counts()
    handles = [Patch(facecolor=colours[i], edgecolor=OUTLINE, linewidth=0.6,
                     label=f"{label} ({_lsoas(int(counts.get(label, 0)))})") for i, label in enumerate(labels)]
    if suppressed.any():
        handles.append(Patch(facecolor="white", edgecolor=OUTLINE, hatch="/////", linewidth=0.6,
                             label=f"{SUPPRESSED_LABEL} ({_lsoas(int(suppressed.sum()))})"))
    if no_figure:
        handles.append(Patch(facecolor="#EEEEEE", edgecolor=OUTLINE, hatch="...", linewidth=0.6,
                             label=f"{NO_FIGURE_LABEL} ({_lsoas(len(no_figure))})"))
    ax.legend(handles=handles, title=legend_title, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncols=columns,
              fontsize=LABEL_PT, title_fontsize=LABEL_PT, alignment="left", frameon=False, columnspacing=1.2,
              handlelength=1.6)
    if titles:
        _titles(fig, title, subtitle)
    return fig


def draw_choropleth(data: pd.DataFrame, shapes: pd.Series, districts: pd.DataFrame, path: str | Path, *,
                    title: str, alt_text: str, **kw) -> Path:
    """choropleth_figure, saved as the house PNG with its title and alt text."""
    with matplotlib.rc_context(STYLE):
        fig = choropleth_figure(data, shapes, districts, title=title, **kw)
        return _save(fig, path, title, alt_text)


def _lsoas(n: int) -> str:
    return f"{n} LSOA{'s' if n != 1 else ''}"


# --- for a measure -------------------------------------------------------------------------------

def headline_for_choropleth(result: MeasureResult, data: pd.DataFrame) -> str:
    shown = _published(data)
    name = F.lower_first(result.title)
    if shown.empty:
        return f"No neighbourhood of {result.area_name} has a {name} rate that can be published"
    top = shown.sort_values(["rate_per_1000", "lsoa_code"], ascending=[False, True]).iloc[0]
    return f"The highest rate of {name} is in {top['lsoa_name']}, in {top['district']}"


def subtitle_for_choropleth(result: MeasureResult) -> str:
    return f"Rate per 1,000 residents in each neighbourhood (LSOA), {result.area_name}, {_period_text(result)}"


def _rate(v) -> str:
    return f"{F.format_number(v, 1)} per 1,000"


def district_rates(result: MeasureResult) -> pd.DataFrame:
    """Each district's records per 1,000 residents of its LSOAs (the map's own rate, whatever the
    measure's denominator), highest first; districts with fewer records than the threshold left out."""
    counts = result.extras.get("lsoa_counts")
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["district", "count", "population", "rate"])
    sums = counts.groupby("district")[["count", "population"]].sum().reset_index()
    sums = sums[(sums["count"] >= result.suppression_threshold) & (sums["population"] > 0)]
    sums["rate"] = sums["count"] / sums["population"] * 1000
    return sums.sort_values(["rate", "district"], ascending=[False, True]).reset_index(drop=True)


def alt_text_for_choropleth(result: MeasureResult, data: pd.DataFrame) -> str:
    """Where the rates are highest and lowest: by district (the published district rates) and the
    named LSOAs at each end, the classes, and how many LSOAs are suppressed or have no figure."""
    shown = _published(data).sort_values(["rate_per_1000", "lsoa_code"], ascending=[False, True])
    name = F.lower_first(result.title)
    breaks = data.attrs["breaks"]
    text = (f"Map of the rate of {name} per 1,000 residents in each of the {len(data):,} neighbourhoods (LSOAs) of "
            f"{result.area_name}, {F.period_phrase(result.period_start, result.period_end)}, in {len(breaks)} classes "
            + ("of about equal numbers of LSOAs" if len(breaks) == CLASSES else "(equal rates merge classes)")
            + f" ({CLASSIFICATION} of the published rates, from "
            f"{F.format_number(shown['rate_per_1000'].min(), 1) if len(shown) else '-'} to "
            f"{F.format_number(shown['rate_per_1000'].max(), 1) if len(shown) else '-'}), lighter for lower rates, "
            "with district outlines.")
    districts = district_rates(result)
    if len(districts) > 1:
        hi, lo = districts.iloc[0], districts.iloc[-1]
        text += (f" By district, the rate per 1,000 residents is highest in {hi['district']} ({_rate(hi['rate'])}) "
                 f"and lowest in {lo['district']} ({_rate(lo['rate'])}).")
    if len(shown):
        def items(rows):
            return F._join([f"{r.lsoa_name} in {r.district} ({_rate(r.rate_per_1000)})" for r in rows.itertuples()])
        text += f" The highest rates are in {items(shown.head(HIGHEST_NAMED))}."
        text += f" The lowest are in {items(shown.tail(HIGHEST_NAMED).iloc[::-1])}."
    n_supp = int(data["suppressed"].sum())
    if n_supp:
        text += (f" {_lsoas(n_supp).replace('LSOA', 'neighbourhood', 1)} "
                 f"{'are' if n_supp != 1 else 'is'} hatched as suppressed: fewer than "
                 f"{result.suppression_threshold} records, or hidden so that such a count cannot be worked out.")
    return text


def choropleth_map(result: MeasureResult, geography, path: str | Path, *, titles: bool = False) -> Chart:
    """The LSOA choropleth of a measure's rate per 1,000 residents (see the module notes)."""
    data = measure_choropleth_data(result, geography)
    if _published(data).empty:
        raise ChartDataError(f"{result.measure_id}: no LSOA rate can be published")
    shapes = geography.lsoas.set_index("code")["geometry"]
    title, subtitle = headline_for_choropleth(result, data), subtitle_for_choropleth(result)
    alt = alt_text_for_choropleth(result, data)
    top = _published(data).sort_values(["rate_per_1000", "lsoa_code"], ascending=[False, True]).iloc[0]
    outlines = getattr(geography, "lsoa_districts", None)
    outlines = outlines if outlines is not None and len(outlines) else geography.districts
    draw_choropleth(data, shapes, outlines, path, title=title, alt_text=alt, empty=geography.empty,
                    legend_title="Rate per 1,000 residents\n" + (
                        f"({CLASSIFICATION}: about equal numbers of LSOAs)" if len(data.attrs["breaks"]) == CLASSES
                        else f"({CLASSIFICATION}; equal rates give {len(data.attrs['breaks'])} classes)"),
                    highlight=top["lsoa_code"], titles=titles, subtitle=subtitle)
    notes = [choropleth_note(result, data, geography)]
    # the map's denominator is residents, whatever the measure's own
    source = f"{source_text(result).split('; ')[0]}; ONS mid-year population estimates by LSOA; {BOUNDARY_SOURCE}"
    columns = ["lsoa_code", "lsoa_name", "district", "count", "population", "rate_per_1000", "rate_class",
               "suppressed"]
    return Chart(Path(path), title, subtitle, alt, data[columns].copy(), f"{title}. Source: {source}.", source,
                 "choropleth", notes=notes)


def choropleth_note(result: MeasureResult, data: pd.DataFrame, geography) -> str:
    threshold = result.suppression_threshold
    text = (f"Classes are {CLASSIFICATION} of the published LSOA rates (each class holds about a fifth of the "
            f"LSOAs; ranges rounded to one decimal place, upper bound included). LSOAs with 1 to {threshold - 1} "
            "records, and where needed a second LSOA of the same district so that such a count cannot be worked out "
            "from the district's total, are hatched as suppressed [c]. Residents: the latest ONS mid-year estimate "
            f"for each LSOA. Areas: {geography.method}; district outlines: the LSOAs of each district joined.")
    if result.definition.denominator == "households":
        text += (" The measure's own rate is per 1,000 households; the map's is per 1,000 residents, the "
                 "denominator published for every LSOA.")
    if len(geography.empty):
        text += (f" {_lsoas(len(geography.empty))} of the boundary file that no LSOA of the records fits best "
                 "(split off in 2021) are drawn with no figure.")
    unplaced = data.attrs.get("unplaced_lsoas", [])
    if unplaced:
        records = data.attrs.get("unplaced_records", 0)
        shown = (F.format_number(records, 0) if records >= threshold or records == 0
                 else f"fewer than {threshold}")
        text += (f" {len(unplaced)} LSOA{'s' if len(unplaced) != 1 else ''} of the population file "
                 f"({', '.join(unplaced[:5])}{' ...' if len(unplaced) > 5 else ''}), with {shown} records, could "
                 "not be placed on the map: the boundary file does not have them"
                 + ("" if "lookup" in geography.method else " (an ONS LSOA 2011 to 2021 best-fit lookup would place "
                    "them if the years of the boundaries and the records differ)") + ".")
    return text


# --- the districts, for the area profile -----------------------------------------------------------

def district_map(geography, profile: pd.DataFrame, path: str | Path, *, area_name: str,
                 titles: bool = False) -> Chart:
    """The force area's districts, outlined and named, each shaded by its residents (the area
    profile's table gives the figures): a map of where the districts are."""
    districts = geography.districts if geography is not None else pd.DataFrame()
    if districts.empty:
        raise ChartDataError("no district boundaries to map")
    people = profile.set_index("area")["population"] if "population" in profile else pd.Series(dtype=float)
    data = pd.DataFrame({"district": districts["name"].to_numpy(),
                         "residents": [people.get(d, np.nan) for d in districts["name"]]})
    paths = _paths(districts["geometry"])
    import shapely  # noqa: PLC0415

    data["area_km2"] = (shapely.area(shapely.from_wkb(list(districts["geometry"]))) / 1e6).round(1)
    with matplotlib.rc_context(STYLE):
        extent = _extent(paths)
        fig, ax = _map_axes(extent, 0)
        fills = ["#D2E2F1", "#F6D7C3", "#D9EAD3", "#E8D8EC", "#FFF2C6", "#DDEFF0"]  # light, told apart by names
        ax.add_collection(PatchCollection([PathPatch(p) for p in paths],
                                          facecolor=[fills[i % len(fills)] for i in range(len(paths))],
                                          edgecolor=TEXT, linewidth=1.2, zorder=1))
        for (x, y), name, residents in zip(_label_points(districts["geometry"]), data["district"], data["residents"]):
            label = chart_label(name) + (f"\n{F.format_number(residents, 0)} residents" if pd.notna(residents) else "")
            ax.text(x, y, label, ha="center", va="center", fontsize=LABEL_PT, color=TEXT, path_effects=HALO, zorder=5,
                    linespacing=1.3, fontweight="bold")
        _scale_bar(ax, extent)
        title = f"{area_name} has {len(districts)} district{'s' if len(districts) != 1 else ''}"
        largest = data.sort_values("area_km2", ascending=False).iloc[0]
        alt = (f"Map of the {len(districts)} districts of {area_name}: "
               + F._join([f"{r.district}" + (f" ({F.format_number(r.residents, 0)} residents, "
                                             f"{F.format_number(r.area_km2, 0)} square km)" if pd.notna(r.residents)
                                             else f" ({F.format_number(r.area_km2, 0)} square km)")
                          for r in data.itertuples()])
               + f". The largest by area is {largest['district']}. Each district is outlined and named; the "
               "shading only tells neighbouring districts apart.")
        with_residents = bool(data["residents"].notna().any())
        subtitle = f"Districts of {area_name}, outlined and named" + (", with their residents" if with_residents else "")
        if titles:
            _titles(fig, title, subtitle)
        _save(fig, path, title, alt)
    source = BOUNDARY_SOURCE + ("; residents: ONS mid-year population estimates" if with_residents else "")
    notes = [f"Outlines from {geography.district_source}."] if getattr(geography, "district_source", "") else []
    return Chart(Path(path), title, subtitle, alt, data, f"{title}. Source: {source}.", source, "district_map",
                 notes=notes)
