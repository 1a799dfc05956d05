"""The map's areas: the LSOAs and districts the choropleths draw, matched to the records' LSOA codes.

Street records to 2022 carry 2011 LSOA codes, later ones 2021 codes; a boundary file is of one
year's geography. The records' LSOAs (those of the LSOA population file, which the rates are of) are
matched by code when they are of the boundary file's year. With the ONS best-fit lookup (format
ons_lsoa_lookup), their year is the lookup column holding more of their codes (most LSOAs kept their
code in 2021), and when it differs from the boundaries' both are brought to the 2021 geography:

* records of 2011, boundaries of 2021: each 2011 LSOA's records and residents count in the 2021
  LSOA it fits best; a 2021 LSOA that no 2011 LSOA fits best (one split off in 2021) is drawn
  without a figure, and said;
* records of 2021, boundaries of 2011: each 2021 LSOA is drawn as the 2011 LSOAs that fit it best,
  joined into one shape.

An LSOA of the records that none of this places is named in the map's notes with its records, never
dropped silently. District outlines come from the district boundary file (matched by name to the
params' districts) or, without one, from the LSOAs of each district joined together.

Geometry stays WKB bytes in British National Grid; shapely is imported only to join shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..params import Params



@dataclass
class MapGeography:
    """What the maps draw. `lsoas`: code, name, district, geometry (WKB, EPSG:27700), one row per
    map area; `members`: lsoa_code (the records' and population file's) -> area code; `districts`:
    name, geometry; `empty`: code, geometry of areas drawn without a figure."""

    lsoas: pd.DataFrame
    members: pd.DataFrame
    districts: pd.DataFrame
    empty: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["code", "name", "geometry"]))
    method: str = ""                      # how the records' LSOAs were matched, in words
    unplaced: list[str] = field(default_factory=list)   # records' LSOA codes with no area
    vintage: int | None = None            # the boundary file's year
    # district outlines for the choropleths: the LSOAs joined, so that they follow the LSOAs' edges
    # exactly (a district file is often of another resolution: ultra generalised against full)
    district_source: str = ""             # where the district map's outlines come from, in words
    lsoa_districts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["name", "geometry"]))


@dataclass
class MapAvailability:
    """The map geography, or why there is none (LSOA and district maps separately), in words."""

    geography: MapGeography | None = None
    lsoa_reason: str | None = None        # why there is no LSOA choropleth
    district_reason: str | None = None    # why there is no district map


def _frame_of(sources, fmt: str) -> pd.DataFrame | None:
    for name, f in sources.formats.items():
        if f == fmt and name in sources.frames and name not in sources.unavailable and sources.frames[name]:
            return next(iter(sources.frames[name].values()))
    return None


def _union(wkbs) -> bytes:
    import shapely  # noqa: PLC0415 - only when shapes are joined

    shapes = shapely.from_wkb(list(wkbs))
    return shapely.to_wkb(shapely.union_all(shapely.make_valid(shapes)))


def record_lsoas(sources, params: Params) -> pd.DataFrame:
    """The LSOAs the rates are of: the latest year of the LSOA population file, in the districts."""
    pop = _frame_of(sources, "ons_population_lsoa")
    if pop is None:
        return pd.DataFrame(columns=["lsoa_code", "lsoa_name", "district"])
    latest = pop[pop["year"] == pop["year"].max()].drop_duplicates("lsoa_code")
    latest = latest[latest["lad_name"].isin(params.area.districts)]
    return pd.DataFrame({"lsoa_code": latest["lsoa_code"].to_numpy(), "lsoa_name": latest["lsoa_name"].to_numpy(),
                         "district": latest["lad_name"].to_numpy()})


def place_lsoas(records: pd.DataFrame, boundaries: pd.DataFrame,
                lookup: pd.DataFrame | None) -> MapGeography:
    """Match the records' LSOAs (lsoa_code, lsoa_name, district) to boundary polygons (code, name,
    vintage, geometry), through the best-fit lookup where the vintages differ."""
    codes = set(records["lsoa_code"])
    vintage = int(boundaries["vintage"].iloc[0]) if len(boundaries) else None
    by_code = boundaries.set_index("code")
    direct = codes & set(by_code.index)
    empty = pd.DataFrame(columns=["code", "name", "geometry"])
    records_vintage = vintage
    if lookup is not None and vintage in (2011, 2021):
        # most LSOAs kept their code in 2021: the records' year is the column that holds more of them
        in11, in21 = len(codes & set(lookup["lsoa11_code"])), len(codes & set(lookup["lsoa21_code"]))
        records_vintage = vintage if in11 == in21 else (2011 if in11 > in21 else 2021)
    if records_vintage == vintage or lookup is None or vintage not in (2011, 2021):
        mine = records[records["lsoa_code"].isin(direct)]
        lsoas = pd.DataFrame({"code": mine["lsoa_code"].to_numpy(), "name": mine["lsoa_name"].to_numpy(),
                              "district": mine["district"].to_numpy(),
                              "geometry": by_code.loc[mine["lsoa_code"], "geometry"].to_numpy()})
        members = pd.DataFrame({"lsoa_code": lsoas["code"], "code": lsoas["code"]})
        method = f"matched by LSOA code to the {vintage} boundaries"
        if len(direct) < len(codes) and lookup is None and vintage in (2011, 2021):
            method += " (no LSOA 2011 to 2021 best-fit lookup was given to place the others)"
        return MapGeography(lsoas, members, pd.DataFrame(columns=["name", "geometry"]), empty, method,
                            sorted(codes - direct), vintage)
    fits = lookup.dropna(subset=["lsoa11_code", "lsoa21_code"])
    if vintage == 2021:
        # records of 2011: each counts in the 2021 LSOA it fits best
        to21 = fits.set_index("lsoa11_code")["lsoa21_code"]
        names21 = fits.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["lsoa21_name"]
        placed = records.assign(code=records["lsoa_code"].map(to21))
        placed = placed[placed["code"].isin(by_code.index)]
        members = placed[["lsoa_code", "code"]].reset_index(drop=True)
        areas = placed.groupby("code", sort=True).agg(district=("district", lambda d: d.mode().iloc[0]))
        lsoas = pd.DataFrame({"code": areas.index.to_numpy(),
                              "name": [names21.get(c) or by_code.at[c, "name"] for c in areas.index],
                              "district": areas["district"].to_numpy(),
                              "geometry": by_code.loc[areas.index, "geometry"].to_numpy()})
        # 2021 LSOAs among the districts' (same 2021 parent in the lookup's authority) that no record LSOA fits
        authorities = set(fits.loc[fits["lsoa21_code"].isin(lsoas["code"]), "lad_code"].dropna())
        in_area = set(fits.loc[fits["lad_code"].isin(authorities), "lsoa21_code"]) if authorities else set()
        split_off = sorted((set(by_code.index) & in_area) - set(lsoas["code"]))
        empty = pd.DataFrame({"code": split_off, "name": [by_code.at[c, "name"] for c in split_off],
                              "geometry": by_code.loc[split_off, "geometry"].to_numpy() if split_off else []})
        method = ("the records' 2011 LSOAs placed in the 2021 LSOAs they fit best (ONS best-fit lookup); their "
                  "records and residents are counted there")
    else:
        # records of 2021: each drawn as the 2011 LSOAs that fit it best, joined
        fits = fits[fits["lsoa11_code"].isin(by_code.index) & fits["lsoa21_code"].isin(codes)]
        groups = fits.groupby("lsoa21_code")["lsoa11_code"].apply(list)
        mine = records[records["lsoa_code"].isin(groups.index)]
        lsoas = pd.DataFrame({"code": mine["lsoa_code"].to_numpy(), "name": mine["lsoa_name"].to_numpy(),
                              "district": mine["district"].to_numpy(),
                              "geometry": [by_code.at[g[0], "geometry"] if len(g) == 1 else
                                           _union(by_code.loc[g, "geometry"]) for g in groups.loc[mine["lsoa_code"]]]})
        members = pd.DataFrame({"lsoa_code": lsoas["code"], "code": lsoas["code"]})
        method = ("the records' 2021 LSOAs drawn as the 2011 boundaries that fit them best (ONS best-fit lookup), "
                  "joined where several do")
    unplaced = sorted(codes - set(members["lsoa_code"]))
    return MapGeography(lsoas.reset_index(drop=True), members, pd.DataFrame(columns=["name", "geometry"]),
                        empty.reset_index(drop=True), method, unplaced, vintage)


JOINED = "the LSOA boundaries, joined by district"


def district_shapes(params: Params, lads: pd.DataFrame | None, lsoas: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """The districts' outlines (name, geometry) and where they come from: the district boundary file
    (by name), else the LSOAs joined by district. Empty with the reason when neither has them."""
    if lads is not None:
        mine = lads[lads["name"].isin(params.area.districts)]
        if len(mine):
            missing = [d for d in params.area.districts if d not in set(mine["name"])]
            frame = pd.DataFrame({"name": mine["name"].to_numpy(), "geometry": mine["geometry"].to_numpy()})
            note = "" if not missing else f"; not in the district boundary file: {', '.join(missing)}"
            return frame, f"district boundaries ({int(lads['vintage'].iloc[0])}){note}"
    if lsoas is not None and len(lsoas):
        rows = [{"name": d, "geometry": _union(g["geometry"])} for d, g in lsoas.groupby("district", sort=False)
                if d in params.area.districts]
        return pd.DataFrame(rows, columns=["name", "geometry"]), JOINED
    return pd.DataFrame(columns=["name", "geometry"]), ""


def map_availability(sources, params: Params) -> MapAvailability:
    """The map geography for a build, or why there is none (in words, naming the formats needed)."""
    boundaries = _frame_of(sources, "ons_lsoa_boundaries")
    lads = _frame_of(sources, "ons_lad_boundaries")
    lookup = _frame_of(sources, "ons_lsoa_lookup")
    records = record_lsoas(sources, params)
    lsoa_reason = district_reason = None
    geography = None
    if boundaries is None:
        lsoa_reason = ("there is no LSOA boundary file (format ons_lsoa_boundaries: ONS LSOA boundaries, "
                       "see data/README.md)")
    elif records.empty:
        lsoa_reason = ("the rate in each neighbourhood needs the ONS population estimates by LSOA (format "
                       "ons_population_lsoa), which are not available")
    if boundaries is not None and not records.empty:
        geography = place_lsoas(records, boundaries, lookup)
        if geography.lsoas.empty:
            lsoa_reason = (f"none of the {len(records):,} LSOAs of the population file is in the LSOA boundary file "
                           f"({int(boundaries['vintage'].iloc[0])} geography)"
                           + ("" if lookup is not None else "; an ONS LSOA 2011 to 2021 best-fit lookup (format "
                              "ons_lsoa_lookup) would match them if the years differ"))
    lsoa_polygons = geography.lsoas if geography is not None else None
    districts, source = district_shapes(params, lads, lsoa_polygons)
    if districts.empty and boundaries is not None and records.empty:
        district_reason = ("the districts are drawn from the LSOA boundary file only with the ONS population "
                           "estimates by LSOA (format ons_population_lsoa), which say which district each "
                           "LSOA is in, and those are not available; a district boundary file (format "
                           "ons_lad_boundaries) would do instead")
    elif districts.empty:
        district_reason = ("there is no district boundary file (format ons_lad_boundaries) or LSOA boundary file "
                           "with the districts' LSOAs (format ons_lsoa_boundaries)")
    if geography is None:
        geography = MapGeography(pd.DataFrame(columns=["code", "name", "district", "geometry"]),
                                 pd.DataFrame(columns=["lsoa_code", "code"]), districts)
    geography.districts = districts
    if not geography.lsoas.empty:
        geography.lsoa_districts = (districts if source == JOINED else
                                    district_shapes(params, None, geography.lsoas)[0])
    geography.district_source = source
    return MapAvailability(geography, lsoa_reason, district_reason)
