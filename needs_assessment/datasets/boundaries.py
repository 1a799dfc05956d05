"""Boundary files: ONS LSOA, local authority district and police force area boundaries as published.

ONS publishes each geography as GeoJSON, GeoPackage or Shapefile (a zip, or the folder it unzips
to, whose name often ends in a numeric suffix), generalised or full resolution, in British National
Grid (its own downloads) or WGS84 (GeoJSON exports, CRS84). A file is recognised by its code field,
matched by pattern (LSOA11CD, LSOA21CD, LAD21CD, LAD23CD, PFA23CD: the year is that of the
geography), never by its name. Every file is reprojected to British National Grid (EPSG:27700)
from the coordinate system it declares: a file that declares none is an error, not a guess.

The loaded frame has one row per area: `code`, `name`, `vintage` (2011, 2021 ...: from the field
name), and `geometry` as WKB bytes in British National Grid, so that the dataset cache (Arrow IPC)
stores it like any other column and a chapter needs only shapely to draw it.

geopandas and pyogrio are imported only when a boundary file is read (they take seconds to import);
recognising a GeoJSON file reads its first bytes only.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.errors import DataFileError

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg")      # read with the .shp; hashed with it
BRITISH_NATIONAL_GRID = "EPSG:27700"
# Great Britain and Northern Ireland in British National Grid, with a margin: a file whose
# coordinates fall outside once reprojected declares the wrong coordinate system.
BNG_EXTENT = (-250_000.0, -150_000.0, 800_000.0, 1_300_000.0)

# Each boundary format: the code and name fields (by pattern, lower case), and what a code looks like.
LEVELS = {
    "ons_lsoa_boundaries": ("LSOA", r"lsoa(\d\d)cd", r"lsoa(\d\d)nm", r"[EW]01\d{6}",
                            "an ONS LSOA code (E01 or W01 and six digits)"),
    "ons_lad_boundaries": ("local authority district", r"lad(\d\d)cd", r"lad(\d\d)nm", r"[EWSN]\d{8}",
                           "an ONS local authority code (E06, E07, E08, E09, W06, S12, N09 and six digits)"),
    "ons_pfa_boundaries": ("police force area", r"pfa(\d\d)cd", r"pfa(\d\d)nm", r"[EWSN]\d{8}",
                           "an ONS police force area code (E23 or W15 and six digits)"),
}


def is_geo(name: str) -> bool:
    return Path(name).suffix.lower() in GEO_SUFFIXES


def ogr_path(source) -> str:
    """The path GDAL opens: the file, or the member inside its zip (/vsizip/)."""
    if source.member is None:
        return str(source.path)
    return f"/vsizip/{Path(source.path).resolve()}/{source.member}"


def field_names(source) -> list[str] | None:
    """The attribute fields of a boundary file, or None when it is not a vector file (GeoJSON: not
    a FeatureCollection or Feature).

    GeoJSON: the properties of its first feature, from the first bytes (a national full-resolution
    file is hundreds of megabytes). GeoPackage and Shapefile: their schema, through pyogrio."""
    if source.suffix in (".geojson", ".json"):
        head = source.read_head(256 * 1024).decode("utf-8", errors="replace").lstrip("\ufeff")
        if not re.search(r'"type"\s*:\s*"Feature(Collection)?"', head):
            return None
        features = re.search(r'"features"\s*:\s*\[', head)
        found = re.compile(r'"properties"\s*:\s*\{(.*?)\}', re.S).search(head, features.end()) if features else None
        if found is not None:
            return re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', found.group(1))
        # the first feature's properties come after a geometry longer than the head: ask GDAL
    import pyogrio   # noqa: PLC0415 - slow to import: only for a GeoPackage or Shapefile

    try:
        info = pyogrio.read_info(ogr_path(source))
    except Exception:  # noqa: BLE001 - any GDAL failure means: not a vector file we can read
        return None
    return [str(f) for f in info["fields"]]


def shapefile_parts(path: Path) -> list[Path]:
    """The files read with a shapefile on disk (.shx, .dbf, .prj, .cpg beside it)."""
    return [p for suffix in SHAPEFILE_PARTS if (p := path.with_suffix(suffix)).is_file()]


def _field(fields: list[str], pattern: str) -> tuple[str | None, int | None]:
    for f in fields:
        m = re.fullmatch(pattern, f.strip().lower())
        if m:
            return f, 2000 + int(m.group(1))
    return None, None


def read_boundaries(source, fmt: str) -> pd.DataFrame:
    """One boundary file -> code, name, vintage, geometry (WKB, British National Grid). Raises
    DataFileError naming the file (and the feature) for anything that is not as published."""
    what, code_rx, name_rx, code_shape, code_expected = LEVELS[fmt]
    label = source.label
    fields = field_names(source)
    if fields is None:
        raise DataFileError(label, "the file is not a boundary file this build can read",
                            expected=f"ONS {what} boundaries as GeoJSON, GeoPackage or Shapefile (data/README.md)")
    code_field, vintage = _field(fields, code_rx)
    name_field, _ = _field(fields, name_rx)
    if code_field is None:
        example = code_rx.replace(r"(\d\d)", "21").upper().replace("\\", "")
        raise DataFileError(label, f"the file has no {what} code field", found=", ".join(fields[:12]),
                            expected=f"a field named like {example} (the year of the geography in the middle)")
    import geopandas  # noqa: PLC0415 - slow to import: only when a boundary file is read
    import pyogrio  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    columns = [code_field] + ([name_field] if name_field else [])
    try:
        frame = pyogrio.read_dataframe(ogr_path(source), columns=columns)
    except Exception as exc:  # noqa: BLE001 - GDAL's message says what it could not read
        raise DataFileError(label, f"the boundary file could not be read ({exc})",
                            expected=f"ONS {what} boundaries as GeoJSON, GeoPackage or Shapefile "
                                     "(a shapefile with its .shx, .dbf and .prj beside it)") from None
    if not isinstance(frame, geopandas.GeoDataFrame) or frame.geometry is None:
        raise DataFileError(label, "the file has no geometry", expected="one polygon per area")
    if frame.crs is None:
        hint = " (the .prj file is missing)" if source.suffix == ".shp" else ""
        raise DataFileError(label, f"the file does not say which coordinate system it is in{hint}",
                            expected="a declared coordinate reference system (British National Grid, EPSG:27700, "
                                     "or WGS84); the build never assumes one")
    if frame.empty:
        raise DataFileError(label, "the file has no areas", expected=f"one feature per {what}")
    codes = frame[code_field].astype("string").str.strip()
    line = lambda i: int(i) + 1   # noqa: E731 - features are numbered from 1, as GIS software shows them
    bad = ~codes.fillna("").str.fullmatch(code_shape)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFileError(label, f"feature {line(i)} has a {what} code that is not one", column=code_field,
                            found=None if pd.isna(codes.iloc[i]) else str(codes.iloc[i]), expected=code_expected)
    repeated = codes.duplicated(keep=False)
    if repeated.any():
        first = codes[repeated].iloc[0]
        where = [line(i) for i in np.flatnonzero((codes == first).to_numpy())]
        raise DataFileError(label, f"the {what} {first} is given more than once (features {where[0]} and "
                                   f"{where[1]})", column=code_field, expected=f"each {what} once")
    geometry = frame.geometry
    empty = geometry.isna().to_numpy() | geometry.is_empty.to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataFileError(label, f"feature {line(i)} ({codes.iloc[i]}) has no shape", expected="a polygon")
    kinds = set(geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise DataFileError(label, f"the areas are {', '.join(sorted(kinds - {'Polygon', 'MultiPolygon'}))}, not "
                                   "polygons", expected=f"one polygon (or multipolygon) per {what}")
    try:
        projected = frame.to_crs(BRITISH_NATIONAL_GRID)
    except Exception as exc:  # noqa: BLE001
        raise DataFileError(label, f"the file's coordinate system ({frame.crs}) cannot be converted to British "
                                   f"National Grid ({exc})", expected="a coordinate system PROJ knows") from None
    x0, y0, x1, y1 = projected.total_bounds
    if not (BNG_EXTENT[0] <= x0 and x1 <= BNG_EXTENT[2] and BNG_EXTENT[1] <= y0 and y1 <= BNG_EXTENT[3]):
        raise DataFileError(label, f"once converted from the coordinate system the file declares ({frame.crs.name}) "
                                   "the areas are not in Great Britain", found=f"bounds {x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f}",
                            expected="a file whose declared coordinate system is the one its coordinates are in")
    shapes = projected.geometry.to_numpy()
    if float(np.median(shapely.area(shapes))) < 1000.0:    # smaller than a house plot: degrees read as metres
        raise DataFileError(label, f"the areas are a few metres across in the coordinate system the file declares "
                                   f"({frame.crs.name}), so its coordinates are in another one",
                            expected="a file whose declared coordinate system is the one its coordinates are in "
                                     "(the areas not in Great Britain at their size)")
    invalid = ~shapely.is_valid(shapes)
    if invalid.any():      # generalised files have the odd self-touching ring: mended, not refused
        shapes[invalid] = shapely.make_valid(shapes[invalid])
    return pd.DataFrame({
        "code": codes.to_numpy(dtype=object),
        "name": (frame[name_field].astype("string").str.strip().to_numpy(dtype=object) if name_field
                 else np.full(len(frame), None, dtype=object)),
        "vintage": np.full(len(frame), vintage, dtype=np.int64),
        "geometry": shapely.to_wkb(shapes),
    })


def parse_boundary_files(sources, fmt: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The boundary files of one dataset, one after another: (frame, index of each row's file).
    Several files are pieces of one geography (Durham's two authorities' LSOAs), of one vintage."""
    frames = [read_boundaries(s, fmt) for s in sources]
    vintages = {int(f["vintage"].iloc[0]): s.label for f, s in zip(frames, sources)}
    if len(vintages) > 1:
        (a, fa), (b, fb) = list(vintages.items())[:2]
        raise DataFileError(fb, f"these boundaries are of {b}, those of {fa} of {a}",
                            expected="the boundary files of one dataset all of one year's geography")
    frame = pd.concat(frames, ignore_index=True)
    repeated = frame["code"].duplicated()
    if repeated.any():
        code = frame.loc[repeated, "code"].iloc[0]
        files = [s.label for f, s in zip(frames, sources) if (f["code"] == code).any()]
        raise DataFileError(files[-1], f"the area {code} is also in {files[0]}",
                            expected="each area in one file only (two copies of one download?)")
    file_ids = np.concatenate([np.full(len(f), i, dtype=np.int64) for i, f in enumerate(frames)])
    return frame, file_ids

