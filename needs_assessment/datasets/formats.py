"""The dataset formats of data/README.md: their columns, and recognising a file from its header row.

Each format has one or more tables (STATS19 has three). A table lists its columns: the published
header (as a regular expression over the lower-cased header text, so capitalisation and spacing do
not matter), the snake_case name it gets in the DataFrame, and the kind of value it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import normalise_header

# Column kinds (Col.kind): how the value is read and checked.
#   str    text
#   float  a decimal number (coordinates)
#   int    a whole number, possibly negative (DfT codes; -1 is missing)
#   count  a whole number, not negative; thousands separators allowed ("1,234")
#   bool   True / False / blank


_REGEXES: dict[str, re.Pattern] = {}


def _compiled(pattern: str) -> re.Pattern:
    rx = _REGEXES.get(pattern)
    if rx is None:
        rx = _REGEXES[pattern] = re.compile(pattern)
    return rx


@dataclass(frozen=True)
class Col:
    name: str
    header: str
    pattern: str = ""
    kind: str = "str"
    required: bool = True
    nullable: bool = True

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.pattern or re.escape(self.header.lower()))


@dataclass(frozen=True)
class TableSpec:
    format: str
    table: str                      # the key of the frame in LoadedDataset.frames
    label: str                      # for messages: "a police.uk street-level crime file"
    columns: tuple[Col, ...]
    signature: tuple[str, ...]      # columns that must be present to recognise the table
    keep_extra: bool = False        # keep columns not listed (snake_cased), e.g. STATS19
    extra_pattern: str = ""         # dynamic columns that also identify the table (Mid-2019 ...)
    string_extras: tuple[str, ...] = ()  # extra columns always read as text (STATS19 codes like E01...)

    def col(self, name: str) -> Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass
class HeaderMatch:
    spec: TableSpec
    mapping: dict[str, int]                              # column name -> position in the header
    missing: list[Col]
    extras: list[int] = field(default_factory=list)     # positions of dynamic (extra_pattern) columns
    score: float = 0.0

    @property
    def recognised(self) -> bool:
        if any(s not in self.mapping for s in self.spec.signature):
            return False
        if self.spec.extra_pattern and not self.extras:
            return False
        return self.score >= 0.5


def match_header(spec: TableSpec, header: list[str], norm: list[str] | None = None) -> HeaderMatch:
    """Which header position holds each of the table's columns (`norm`: the header, normalised)."""
    norm = norm if norm is not None else [normalise_header(h) for h in header]
    exact = {}
    for i, h in enumerate(norm):
        exact.setdefault(h, i)
    used: set[int] = set()
    mapping: dict[str, int] = {}
    for col in spec.columns:
        i = exact.get(col.header.lower())
        if i is not None and i not in used:
            mapping[col.name] = i
            used.add(i)
            continue
        rx = col.regex
        for i, h in enumerate(norm):
            if i not in used and rx.fullmatch(h):
                mapping[col.name] = i
                used.add(i)
                break
    extras = []
    if spec.extra_pattern:
        rx = _compiled(spec.extra_pattern)
        extras = [i for i, h in enumerate(norm) if i not in used and rx.fullmatch(h)]
    required = [c for c in spec.columns if c.required]
    missing = [c for c in required if c.name not in mapping]
    score = (len(required) - len(missing)) / max(len(required), 1)
    return HeaderMatch(spec, mapping, missing, extras, score)


def _c(name, header, kind="str", pattern="", required=True, nullable=True) -> Col:
    return Col(name=name, header=header, pattern=pattern, kind=kind, required=required, nullable=nullable)


_POLICE_UK_PLACE = (
    _c("longitude", "Longitude", "float"),
    _c("latitude", "Latitude", "float"),
    _c("location", "Location"),
    _c("lsoa_code", "LSOA code"),
    _c("lsoa_name", "LSOA name"),
)

STREET = TableSpec(
    "police_uk_street", "street", "a police.uk street-level crime file",
    (
        _c("crime_id", "Crime ID"),
        _c("month", "Month", nullable=False),
        _c("reported_by", "Reported by", nullable=False),
        _c("falls_within", "Falls within", nullable=False),
        *_POLICE_UK_PLACE,
        _c("crime_type", "Crime type", nullable=False),
        _c("last_outcome_category", "Last outcome category"),
        _c("context", "Context", required=False),
    ),
    signature=("crime_type", "month"),
)

OUTCOMES = TableSpec(
    "police_uk_outcomes", "outcomes", "a police.uk outcomes file",
    (
        _c("crime_id", "Crime ID", nullable=False),
        _c("month", "Month", nullable=False),
        _c("reported_by", "Reported by", nullable=False),
        _c("falls_within", "Falls within", nullable=False),
        *_POLICE_UK_PLACE,
        _c("outcome_type", "Outcome type", nullable=False),
    ),
    signature=("outcome_type", "month"),
)

STOP_SEARCH = TableSpec(
    "police_uk_stop_search", "stop_search", "a police.uk stop and search file",
    (
        _c("type", "Type", nullable=False),
        _c("date", "Date", nullable=False),
        _c("part_of_a_policing_operation", "Part of a policing operation", "bool"),
        _c("policing_operation", "Policing operation", required=False),
        _c("latitude", "Latitude", "float"),
        _c("longitude", "Longitude", "float"),
        _c("gender", "Gender"),
        _c("age_range", "Age range"),
        _c("self_defined_ethnicity", "Self-defined ethnicity"),
        _c("officer_defined_ethnicity", "Officer-defined ethnicity"),
        _c("legislation", "Legislation"),
        _c("object_of_search", "Object of search"),
        _c("outcome", "Outcome"),
        _c("outcome_linked_to_object_of_search", "Outcome linked to object of search", "bool", required=False),
        _c("removal_of_more_than_just_outer_clothing", "Removal of more than just outer clothing", "bool",
           required=False),
    ),
    signature=("object_of_search", "date"),
)

_STATS19_INDEX = _c("collision_index", "collision_index", pattern="collision_index|accident_index", nullable=False)
_STATS19_STRINGS = (
    "collision_index", "accident_index", "collision_ref_no", "accident_reference", "date", "time",
    "lsoa_of_accident_location", "lsoa_of_collision_location", "lsoa_of_casualty", "lsoa_of_driver",
    "local_authority_ons_district", "local_authority_highway", "local_authority_highway_current",
    "generic_make_model",
)

STATS19_COLLISION = TableSpec(
    "stats19", "collisions", "a DfT STATS19 collision file",
    (
        _STATS19_INDEX,
        _c("collision_year", "collision_year", "int", pattern="collision_year|accident_year", required=False),
        _c("police_force", "police_force", "int", nullable=False),
        _c("collision_severity", "collision_severity", "int", pattern="collision_severity|accident_severity",
           nullable=False),
        _c("date", "date", nullable=False),
    ),
    signature=("collision_index", "police_force", "collision_severity"),
    keep_extra=True, string_extras=_STATS19_STRINGS,
)

STATS19_CASUALTY = TableSpec(
    "stats19", "casualties", "a DfT STATS19 casualty file",
    (
        _STATS19_INDEX,
        _c("vehicle_reference", "vehicle_reference", "int", required=False),
        _c("casualty_reference", "casualty_reference", "int", required=False),
        _c("casualty_severity", "casualty_severity", "int", nullable=False),
    ),
    signature=("collision_index", "casualty_severity"),
    keep_extra=True, string_extras=_STATS19_STRINGS,
)

STATS19_VEHICLE = TableSpec(
    "stats19", "vehicles", "a DfT STATS19 vehicle file",
    (
        _STATS19_INDEX,
        _c("vehicle_reference", "vehicle_reference", "int", nullable=False),
        _c("vehicle_type", "vehicle_type", "int"),
    ),
    signature=("collision_index", "vehicle_reference", "vehicle_type"),
    keep_extra=True, string_extras=_STATS19_STRINGS,
)


def _prc(fmt: str, with_csp: bool) -> TableSpec:
    cols = [
        _c("financial_year", "Financial Year", nullable=False),
        _c("financial_quarter", "Financial Quarter", nullable=False),
        _c("force_name", "Force Name", nullable=False),
    ]
    if with_csp:
        cols.append(_c("csp_name", "CSP Name", pattern=r"csp name|community safety partnership( name)?",
                       nullable=False))
    cols += [
        _c("offence_description", "Offence Description", nullable=False),
        _c("offence_group", "Offence Group"),
        _c("offence_subgroup", "Offence Subgroup", pattern=r"offence sub-? ?group"),
        _c("offence_code", "Offence Code"),
        _c("number_of_offences", "Number of Offences", "count", nullable=False),
    ]
    sig = ("financial_year", "financial_quarter", "number_of_offences") + (("csp_name",) if with_csp else ())
    label = ("a Home Office recorded crime file by community safety partnership" if with_csp
             else "a Home Office recorded crime file by police force area")
    return TableSpec(fmt, "offences", label, tuple(cols), signature=sig)


PRC_CSP = _prc("home_office_prc_csp", True)
PRC_PFA = _prc("home_office_prc_pfa", False)

CALLS_999 = TableSpec(
    "home_office_999", "calls", "a Home Office 999 call answer times file",
    (
        _c("month", "Month", nullable=False),
        _c("force_name", "Force Name", pattern="force name|force", nullable=False),
        _c("total_calls", "Total 999 calls", "count", pattern=r"total 999 calls|total calls", nullable=False),
        _c("answered_within_10s", "Calls answered within 10 seconds", "count", nullable=False),
        _c("answered_over_60s", "Calls answered in over 60 seconds", "count",
           pattern=r"calls answered (in )?over 60 seconds", nullable=False),
    ),
    signature=("total_calls", "answered_within_10s"),
)

POPULATION_LSOA = TableSpec(
    "ons_population_lsoa", "population", "an ONS mid-year population file by LSOA",
    (
        _c("mid_year", "Mid-year", pattern=r"mid[- ]?year", required=False),
        _c("lad_code", "LAD 2021 Code", pattern=r"lad ?(\d{4} )?code|local authority district code( \(\d{4}\))?",
           nullable=False),
        _c("lad_name", "LAD 2021 Name", pattern=r"lad ?(\d{4} )?name|local authority district name( \(\d{4}\))?"),
        _c("lsoa_code", "LSOA 2021 Code", pattern=r"lsoa ?(\d{4} )?code( \(\d{4}\))?", nullable=False),
        _c("lsoa_name", "LSOA 2021 Name", pattern=r"lsoa ?(\d{4} )?name( \(\d{4}\))?"),
        _c("population", "Total", "count", pattern=r"total|all ages", nullable=False),
    ),
    signature=("lsoa_code", "population"),
)

POPULATION_AREA = TableSpec(
    "ons_population_area", "population", "an ONS mid-year population file for areas",
    (
        _c("code", "Code", nullable=False),
        _c("name", "Name"),
        _c("geography", "Geography"),
    ),
    signature=("code", "name"),
    extra_pattern=r"mid-? ?\d{4}",
)

IMD = TableSpec(
    "imd_lsoa", "deprivation", "an English Indices of Deprivation 2019 file",
    (
        _c("lsoa_code", "LSOA code (2011)", pattern=r"lsoa code( \(\d{4}\))?", nullable=False),
        _c("lsoa_name", "LSOA name (2011)", pattern=r"lsoa name( \(\d{4}\))?"),
        _c("lad_code", "Local Authority District code (2019)", pattern=r"local authority district code( \(\d{4}\))?"),
        _c("lad_name", "Local Authority District name (2019)", pattern=r"local authority district name( \(\d{4}\))?"),
        _c("imd_rank", "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)", "count",
           pattern=r"index of multiple deprivation \(imd\) rank.*", nullable=False),
        _c("imd_decile", "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
           "count", pattern=r"index of multiple deprivation \(imd\) decile.*", nullable=False),
    ),
    signature=("lsoa_code", "imd_rank"),
)

CENSUS_ETHNICITY = TableSpec(
    "census_ethnicity", "ethnicity", "a Census 2021 ethnic group (TS021) file",
    (
        _c("geography", "geography", nullable=False),
        _c("geography_code", "geography code", nullable=False),
        _c("total", "Ethnic group: Total: All usual residents", "count", pattern=r"ethnic group: total(:.*)?",
           nullable=False),
        _c("asian", "Ethnic group: Asian, Asian British or Asian Welsh", "count", pattern=r"ethnic group: asian[^:]*",
           nullable=False),
        _c("black", "Ethnic group: Black, Black British, Black Welsh, Caribbean or African", "count",
           pattern=r"ethnic group: black[^:]*", nullable=False),
        _c("mixed", "Ethnic group: Mixed or Multiple ethnic groups", "count", pattern=r"ethnic group: mixed[^:]*",
           nullable=False),
        _c("white", "Ethnic group: White", "count", pattern=r"ethnic group: white[^:]*", nullable=False),
        _c("other", "Ethnic group: Other ethnic group", "count", pattern=r"ethnic group: other[^:]*",
           nullable=False),
    ),
    signature=("geography_code", "total", "white"),
)

CENSUS_HOUSEHOLDS = TableSpec(
    "census_households", "households", "a Census 2021 households (TS041) file",
    (
        _c("geography", "geography", nullable=False),
        _c("geography_code", "geography code", nullable=False),
        _c("households", "Number of households", "count", pattern=r"number of households.*", nullable=False),
    ),
    signature=("geography_code", "households"),
)

INDICATORS = TableSpec(
    "indicator_template", "indicators", "a force indicator template",
    (
        _c("measure", "measure", nullable=False),
        _c("period", "period", nullable=False),
        _c("area", "area", nullable=False),
        _c("value", "value", "count", nullable=False),
        _c("denominator", "denominator", "count"),
        _c("notes", "notes", required=False),
    ),
    signature=("measure", "period", "area", "value"),
)

LSOA_LOOKUP = TableSpec(
    "ons_lsoa_lookup", "lookup", "an ONS LSOA (2011) to LSOA (2021) best-fit lookup",
    (
        _c("lsoa11_code", "LSOA11CD", nullable=False),
        _c("lsoa11_name", "LSOA11NM", required=False),
        _c("lsoa21_code", "LSOA21CD", nullable=False),
        _c("lsoa21_name", "LSOA21NM", required=False),
        _c("lad_code", "LAD22CD", pattern=r"lad\d\dcd", required=False),
        _c("lad_name", "LAD22NM", pattern=r"lad\d\dnm", required=False),
    ),
    signature=("lsoa11_code", "lsoa21_code"),
)


def _boundaries(fmt: str, label: str, field: str) -> TableSpec:
    """A boundary format: recognised from its code field (the year of the geography in the middle:
    LSOA11CD, LSOA21CD, LAD23CD); its rows are read by boundaries.read_boundaries, not as a table."""
    return TableSpec(fmt, "boundaries", label,
                     (_c("code", f"{field}21CD", pattern=field.lower() + r"\d\dcd", nullable=False),
                      _c("name", f"{field}21NM", pattern=field.lower() + r"\d\dnm", required=False)),
                     signature=("code",))


LSOA_BOUNDARIES = _boundaries("ons_lsoa_boundaries", "an ONS LSOA boundary file", "LSOA")
LAD_BOUNDARIES = _boundaries("ons_lad_boundaries", "an ONS local authority district boundary file", "LAD")
PFA_BOUNDARIES = _boundaries("ons_pfa_boundaries", "an ONS police force area boundary file", "PFA")
# Recognised only in vector files (GeoJSON, GeoPackage, Shapefile): a CSV lookup has LAD23CD too.
GEO_TABLES: tuple[TableSpec, ...] = (LSOA_BOUNDARIES, LAD_BOUNDARIES, PFA_BOUNDARIES)
GEO_FORMATS = frozenset(t.format for t in GEO_TABLES)

FORMATS: dict[str, tuple[TableSpec, ...]] = {
    "police_uk_street": (STREET,),
    "police_uk_outcomes": (OUTCOMES,),
    "police_uk_stop_search": (STOP_SEARCH,),
    "stats19": (STATS19_COLLISION, STATS19_CASUALTY, STATS19_VEHICLE),
    "home_office_prc_csp": (PRC_CSP,),
    "home_office_prc_pfa": (PRC_PFA,),
    "home_office_999": (CALLS_999,),
    "ons_population_lsoa": (POPULATION_LSOA,),
    "ons_population_area": (POPULATION_AREA,),
    "imd_lsoa": (IMD,),
    "census_ethnicity": (CENSUS_ETHNICITY,),
    "census_households": (CENSUS_HOUSEHOLDS,),
    "indicator_template": (INDICATORS,),
    "ons_lsoa_lookup": (LSOA_LOOKUP,),
    "ons_lsoa_boundaries": (LSOA_BOUNDARIES,),
    "ons_lad_boundaries": (LAD_BOUNDARIES,),
    "ons_pfa_boundaries": (PFA_BOUNDARIES,),
}

# The tables recognised in CSV and spreadsheet files (boundary formats are recognised in vector files).
ALL_TABLES: tuple[TableSpec, ...] = tuple(t for specs in FORMATS.values() for t in specs if t not in GEO_TABLES)

# How the files of one dataset relate: `monthly` files (police.uk) come in downloads, each a release;
# `yearly` files (one per year) are all used together; `pieces` (boundary files) are parts of one
# geography, one file per authority or region, all used together (the loader refuses two vintages
# or an area in two files); `single` files are releases of one table.
RELEASE_KIND = {
    "police_uk_street": "monthly",
    "police_uk_outcomes": "monthly",
    "police_uk_stop_search": "monthly",
    "stats19": "yearly",
    "ons_population_lsoa": "yearly",
    **{fmt: "pieces" for fmt in GEO_FORMATS},
}


def release_kind(fmt: str) -> str:
    return RELEASE_KIND.get(fmt, "single")


def best_match(header: list[str], specs=ALL_TABLES) -> HeaderMatch | None:
    """The table this header row belongs to, or None. Ties go to the more specific table."""
    best = None
    norm = [normalise_header(h) for h in header]
    for spec in specs:
        m = match_header(spec, header, norm)
        if not m.recognised:
            continue
        key = (m.score, len(m.mapping) + len(m.extras))
        if best is None or key > best[0]:
            best = (key, m)
    return best[1] if best else None


def format_names() -> list[str]:
    return list(FORMATS)
