"""Loaders: published files in, validated, tidy DataFrames out.

`parse_sources` reads the files of one dataset with pyarrow, puts the files of each table into one
batch and validates the batch with pandera in one pass (so 36 monthly files cost one validation, not
36), converting months, counts and dates with vectorised code. `combine` then checks for duplicated
releases across files and filters the rows to the params' force. The public `load_*` functions
(in the package) and `registry.load_dataset` are built on these.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..common.errors import DataFileError
from .formats import FORMATS, GEO_FORMATS, Col
from .names import known_force_names, map_uniques, normalise_force
from .readers import (DATA_SUFFIXES, Batch, ConversionFailed, RawTable, Sniffed, Source, pick_header, read_sheets,
                      read_table, sniff, sniff_for, zip_sources)
from .validation import (MONTH_FORMAT, MONTH_RE, Rule, SchemaBuilder, check_columns_present, chunk_values,
                         duplicate_rule, known_names_check, not_duplicated, str_full_match, values_check)

# Bump when a change to the loaders changes what they return. The cache keys include it and also a
# hash of this package's source (`loader_code_hash`), so an edited loader never reads stale entries.
LOADER_VERSION = "datasets-2"


def loader_code_hash() -> str:
    """sha256 of the datasets package's code (computed once per process)."""
    global _CODE_HASH
    if _CODE_HASH is None:
        import hashlib
        h = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


_CODE_HASH: str | None = None

POLICE_UK_NAME = re.compile(r"(?P<month>\d{4}-\d{2})-(?P<slug>[a-z0-9-]+?)-(?P<kind>street|outcomes|stop-and-search)"
                            r"\.csv$", re.IGNORECASE)
MONTH_IN_PATH = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")
LONDON = "Europe/London"


# --------------------------------------------------------------------------------------------
# Context: what validation and filtering need from the params file
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadContext:
    known_forces: frozenset[str] = field(default_factory=known_force_names)
    force_name: str | None = None
    force_slug: str | None = None
    areas: tuple[str, ...] = ()
    stats19_force: int | None = None
    filter_force: bool = True

    @classmethod
    def from_params(cls, params=None, *, filter_force: bool = True) -> "LoadContext":
        if params is None:
            return cls(filter_force=False)
        area = params.area
        return cls(
            known_forces=known_force_names([area.force, *area.most_similar_group]),
            force_name=area.force,
            force_slug=area.police_uk_slug,
            areas=(area.force, *area.districts),
            stats19_force=area.stats19_police_force,
            filter_force=filter_force,
        )

    def validation_key(self, fmt: str) -> str:
        """What the validation of one file of this format depends on (part of the cache key)."""
        if fmt in ("police_uk_street", "police_uk_outcomes", "home_office_prc_csp", "home_office_prc_pfa",
                   "home_office_999"):
            return "forces=" + "|".join(sorted(self.known_forces))
        if fmt == "indicator_template":
            return "areas=" + "|".join(self.areas)
        return ""

    def filter_key(self) -> str:
        if not self.filter_force:
            return "all"
        return f"{self.force_name}|{self.force_slug}|{self.stats19_force}"


def police_uk_name(source: Source) -> re.Match | None:
    return POLICE_UK_NAME.search(source.name)


def month_in_name(source: Source) -> pd.Period | None:
    """The YYYY-MM a police.uk file is for: from its name, or else its month folder (named YYYY-MM)."""
    parts = source.inner_path.split("/")
    m = MONTH_IN_PATH.search(parts[-1])
    if m is None and len(parts) > 1 and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", parts[-2]):
        m = MONTH_IN_PATH.search(parts[-2])
    return pd.Period(f"{m.group(1)}-{m.group(2)}", freq="M") if m else None


# --------------------------------------------------------------------------------------------
# Helpers: months, counts
# --------------------------------------------------------------------------------------------

_NAT = pd.NaT


def to_months(series: pd.Series, parse) -> pd.Series:
    """Parse each distinct value once (`parse` returns a Period or None) into a Period[M] column."""
    per_chunk = chunk_values(series)
    if per_chunk is not None:   # police.uk: one month per file, so per chunk as read
        parsed = {v: _ordinal(parse(v)) for v in dict.fromkeys(per_chunk)}
        lengths = [len(c) for c in series.array.__arrow_array__().chunks if len(c)]
        out = np.repeat(np.array([parsed[v] for v in per_chunk], dtype=np.int64), lengths)
        return pd.Series(pd.PeriodIndex.from_ordinals(out, freq="M"), index=series.index, name=series.name)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ordinals = np.array([_ordinal(parse(u)) for u in uniques], dtype=np.int64) if len(uniques) else \
        np.array([], dtype=np.int64)
    out = np.full(len(series), np.iinfo(np.int64).min, dtype=np.int64)
    present = codes >= 0
    out[present] = ordinals[codes[present]]
    return pd.Series(pd.PeriodIndex.from_ordinals(out, freq="M"), index=series.index, name=series.name)


def _ordinal(p) -> int:
    if p is None or p is _NAT or (isinstance(p, float) and np.isnan(p)):
        return np.iinfo(np.int64).min
    return p.ordinal


def parse_iso_month(value) -> pd.Period | None:
    text = str(value).strip()
    if re.fullmatch(MONTH_RE, text):
        return pd.Period(text, freq="M")
    return None


_MONTH_FORMATS = ("%Y-%m", "%b-%y", "%B-%y", "%b %y", "%B %y", "%b %Y", "%B %Y", "%b-%Y", "%B-%Y",
                  "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%m/%Y",
                  "%Y/%m", "%Y%m", "%d %B %Y", "%d %b %Y")


def parse_any_month(value) -> pd.Period | None:
    """'2024-01', 'Jan-24', 'January 2024', '2024-01-01', '01/01/2024' ... -> Period('2024-01')."""
    text = re.sub(r"\s+", " ", str(value).strip())
    text = re.sub(r"\.\d+$", "", text)
    for fmt in _MONTH_FORMATS:
        try:
            d = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return pd.Period(year=d.year, month=d.month, freq="M")
    return None


def parse_collision_date(value) -> pd.Period | None:
    text = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text) or None
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if not m:
            return None
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    return pd.Period(year=year, month=month, freq="M")


def to_counts(series: pd.Series, nullable: bool = False) -> pd.Series:
    """Whole numbers written as text ('1,234', ' 12 ', '3.0') to int64 (Int64 when nullable)."""
    arr = pa.array(series.astype("str"), from_pandas=True, type=pa.string())
    arr = pc.replace_substring(pc.utf8_trim_whitespace(arr), ",", "")
    arr = pc.replace_substring_regex(arr, r"\.0+$", "")
    ints = pc.cast(arr, pa.int64())
    if nullable:
        return pd.Series(ints.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), index=series.index,
                         name=series.name)
    values = ints.to_numpy(zero_copy_only=False)
    return pd.Series(values.astype(np.int64), index=series.index, name=series.name)


def _ensure_optional(frame: pd.DataFrame, columns: Iterable[Col]) -> pd.DataFrame:
    for col in columns:
        if col.name not in frame.columns:
            if col.kind == "bool":
                frame[col.name] = pd.array([pd.NA] * len(frame), dtype="boolean")
            elif col.kind == "float":
                frame[col.name] = np.nan
            else:
                frame[col.name] = pd.Series([None] * len(frame), dtype="str", index=frame.index)
    return frame


def _order(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    rest = [c for c in frame.columns if c not in names]
    return frame[[n for n in names if n in frame.columns] + rest]


# --------------------------------------------------------------------------------------------
# Rules used by several formats
# --------------------------------------------------------------------------------------------

FORCE_RULE = Rule("known_force", "the force name is not a police force we know",
                  "one of the 43 police forces of England and Wales or British Transport Police, or a force "
                  "named in the params file (area.force, area.most_similar_group)")


def _bool(values, index) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=bool), index=index)


def _unique_check(parse) -> callable:
    """A check that `parse` (run once per distinct value) gives something other than None."""
    return values_check(lambda v: parse(v) is not None)


def _file_months(batch: Batch, months: pd.Series) -> tuple[np.ndarray, list]:
    """The month each file is for: from its name (YYYY-MM), else the month of most of its rows.
    Returns (expected ordinal per row, [(Period, from_name)] per file)."""
    expected = []
    ordinals = months.array.asi8
    for i, raw in enumerate(batch.raws):
        named = month_in_name(raw.source)
        if named is not None:
            expected.append((named, True))
            continue
        part = ordinals[batch.offsets[i]:batch.offsets[i + 1]]
        part = part[part != np.iinfo(np.int64).min]
        if len(part):
            values, counts = np.unique(part, return_counts=True)
            expected.append((pd.Period(ordinal=int(values[np.argmax(counts)]), freq="M"), False))
        else:
            expected.append((None, False))
    per_file = np.array([p.ordinal if p is not None else np.iinfo(np.int64).min for p, _ in expected],
                        dtype=np.int64)
    return batch.per_row(per_file), expected


def _file_month_check(batch: Batch, months: pd.Series, b: SchemaBuilder, column: str, what: str) -> None:
    expected_rows, expected = _file_months(batch, months)
    actual = months.array.asi8
    nat = np.iinfo(np.int64).min
    ok = (actual == expected_rows) | (actual == nat) | (expected_rows == nat)

    def describe_expected(file_index: int) -> str:
        period, from_name = expected[file_index]
        if from_name:
            return f"{period}, the month in the file's name (a police.uk file holds one month)"
        return f"{period}, the month of most rows (a police.uk file holds one month)"

    b.check(column, lambda s: _bool(ok[s.index.to_numpy()], s.index),
            Rule("file_month", f"this row's {what} is not the month of the file", describe_expected))


# --------------------------------------------------------------------------------------------
# Each format: validate a batch of files of one table, and tidy it
# --------------------------------------------------------------------------------------------

def _builder(batch: Batch) -> SchemaBuilder:
    b = SchemaBuilder(batch)
    b.spec_columns(batch.spec.columns, batch.typed)
    return b


def _police_uk_crime(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    months = to_months(frame["month"], parse_iso_month)
    well_formed = months.notna().to_numpy() | frame["month"].isna().to_numpy()
    b.check("month", lambda s: _bool(well_formed[s.index.to_numpy()], s.index), MONTH_FORMAT)
    _file_month_check(batch, months, b, "month", "month")
    for col in ("reported_by", "falls_within"):
        b.check(col, known_names_check(ctx.known_forces), FORCE_RULE)
    b.validate()
    frame["month"] = months
    frame = _ensure_optional(frame, batch.spec.columns)
    return _order(frame, [c.name for c in batch.spec.columns])


_ISO_DATETIME = r"\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\s*"


def _stop_search(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("date", str_full_match(_ISO_DATETIME),
            Rule("iso_datetime", "the date and time cannot be read",
                 "a date and time written like 2021-08-31T22:00:00+00:00"))
    parsed = pd.to_datetime(frame["date"], utc=True, format="ISO8601", errors="coerce")
    local = parsed.dt.tz_convert(LONDON)
    months = local.dt.tz_localize(None).dt.to_period("M")
    _file_month_check(batch, months, b, "date", "date (in UK local time)")
    b.validate()
    frame["date"] = local
    frame.insert(frame.columns.get_loc("date") + 1, "month", months)
    frame = _ensure_optional(frame, batch.spec.columns)
    names = [c.name for c in batch.spec.columns]
    names.insert(names.index("date") + 1, "month")
    return _order(frame, names)


def _stats19_collisions(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("date", _unique_check(parse_collision_date),
            Rule("collision_date", "the date cannot be read", "a date written dd/mm/yyyy, e.g. 21/05/2024"))
    b.check("collision_severity", lambda s: pd.to_numeric(s, errors="coerce").isin([1, 2, 3]),
            Rule("severity", "the collision severity is not a DfT code", "1 (fatal), 2 (serious) or 3 (slight)"))
    b.frame_check(not_duplicated(["collision_index"]),
                  duplicate_rule("duplicate_collision", "this collision is listed twice", "each collision_index once",
                                 ["collision_index"], "collision_index"))
    b.validate()
    months = to_months(frame["date"], parse_collision_date)
    frame.insert(frame.columns.get_loc("date") + 1, "month", months)
    return frame


def _stats19_casualties(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    b = _builder(batch)
    b.check("casualty_severity", lambda s: pd.to_numeric(s, errors="coerce").isin([1, 2, 3, -1]),
            Rule("severity", "the casualty severity is not a DfT code",
                 "1 (fatal), 2 (serious), 3 (slight) or -1 (missing)"))
    b.validate()
    return batch.frame


def _stats19_vehicles(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    _builder(batch).validate()
    return batch.frame


def _financial_year_start(value) -> int | None:
    m = re.fullmatch(r"\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*", str(value))
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    if end % 100 != (start + 1) % 100:
        return None
    return start


def _quarter(value) -> int | None:
    m = re.fullmatch(r"\s*[Qq]?\s*([1-4])(\.0+)?\s*", str(value))
    return int(m.group(1)) if m else None


def known_force_names_for_prc(ctx: LoadContext) -> frozenset[str]:
    return ctx.known_forces | known_force_names(include_fraud_bodies=True)


def _prc(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("financial_year", _unique_check(_financial_year_start),
            Rule("financial_year", "the financial year cannot be read", "a financial year written like 2023/24"))
    b.check("financial_quarter", _unique_check(_quarter),
            Rule("financial_quarter", "the financial quarter is not 1, 2, 3 or 4",
                 "1, 2, 3 or 4 (quarter 1 is April to June)"))
    b.check("force_name", known_names_check(known_force_names_for_prc(ctx)), FORCE_RULE)
    b.validate()
    start = map_uniques(frame["financial_year"], _financial_year_start, object).astype(np.int64)
    quarter = map_uniques(frame["financial_quarter"], _quarter, object).astype(np.int64)
    # The last month of the quarter: Q1 Apr-Jun -> June, Q2 -> September, Q3 -> December, Q4 -> March.
    year = start + np.where(quarter == 4, 1, 0)
    month_of_year = np.select([quarter == 1, quarter == 2, quarter == 3], [6, 9, 12], 3)
    ordinals = (year - 1970) * 12 + (month_of_year - 1)
    out = pd.DataFrame(index=frame.index)
    out["financial_year"] = pd.Series(_fy_labels(start), index=frame.index, dtype="str")
    out["financial_quarter"] = quarter
    out["month"] = pd.PeriodIndex.from_ordinals(ordinals, freq="M")
    for col in batch.spec.columns:
        if col.name in ("financial_year", "financial_quarter"):
            continue
        if col.name == "number_of_offences":
            out[col.name] = to_counts(frame[col.name])
        else:
            out[col.name] = frame[col.name] if col.name in frame.columns else pd.Series(None, index=frame.index,
                                                                                          dtype="str")
    return out


def _fy_labels(start: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(start)
    labels = np.array([f"{s}/{(s + 1) % 100:02d}" for s in uniques], dtype=object)
    return labels[codes]


def _calls_999(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("month", _unique_check(parse_any_month),
            Rule("month_any", "the month cannot be read", "a month such as 2024-01, Jan-24 or January 2024"))
    b.check("force_name", known_names_check(ctx.known_forces), FORCE_RULE)
    b.validate()
    out = pd.DataFrame({
        "month": to_months(frame["month"], parse_any_month),
        "force_name": frame["force_name"],
        "total_calls": to_counts(frame["total_calls"]),
        "answered_within_10s": to_counts(frame["answered_within_10s"]),
        "answered_over_60s": to_counts(frame["answered_over_60s"]),
    })
    post = SchemaBuilder(batch)
    post.frame_check(lambda d: d["answered_within_10s"] <= d["total_calls"],
                     Rule("within_le_total", "more calls answered within 10 seconds than calls in total",
                          "no more than the Total 999 calls", column="answered_within_10s"))
    post.frame_check(lambda d: d["answered_over_60s"] <= d["total_calls"],
                     Rule("over_le_total", "more calls answered in over 60 seconds than calls in total",
                          "no more than the Total 999 calls", column="answered_over_60s"))
    forces = pd.Series(map_uniques(out["force_name"], normalise_force, object), index=out.index)
    post.frame_check(lambda d: ~pd.DataFrame({"m": d["month"], "f": forces}).duplicated(keep="first"),
                     duplicate_rule("duplicate_month", "the same month is given twice for this force",
                                    "each month once per force", ["month", "force_name"], "month"))
    post.validate(out)
    return out


def _year_in_text(value) -> int | None:
    m = re.search(r"(?<!\d)(19|20)(\d{2})(?!\d)", str(value))
    return int(m.group(1) + m.group(2)) if m else None


def _year_in_name(name: str) -> int | None:
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", name)
    return int(years[-1]) if years else None


def _text_or_empty(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def _population_lsoa(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    has_mid_year = "mid_year" in frame.columns
    if has_mid_year:
        b.check("mid_year", _unique_check(_year_in_text),
                Rule("mid_year", "the year cannot be read", "a year such as 2022 or Mid-2022"))
    b.validate()
    name_years = []
    for raw in batch.raws:
        year = _year_in_name(raw.source.name)
        if year is None and not (has_mid_year and "mid_year" in raw.table.column_names):
            raise DataFileError(raw.label, "the year of the population estimates is not known",
                                expected="a Mid-year column, or the year in the file name "
                                         "(e.g. lsoa-population-2022.csv)")
        name_years.append(-1 if year is None else year)
    years = batch.per_row(np.array(name_years, dtype=np.int64))
    if has_mid_year:
        from_column = pd.Series(map_uniques(frame["mid_year"], _year_in_text, object), index=frame.index)
        years = np.where(from_column.notna(), from_column.fillna(-1).astype(np.int64), years)
    out = pd.DataFrame({
        "year": years.astype(np.int64),
        "lad_code": frame["lad_code"],
        "lad_name": _text_or_empty(frame, "lad_name"),
        "lsoa_code": frame["lsoa_code"],
        "lsoa_name": _text_or_empty(frame, "lsoa_name"),
        "population": to_counts(frame["population"]),
    })
    post = SchemaBuilder(batch)
    post.frame_check(not_duplicated(["year", "lsoa_code"]),
                     duplicate_rule("duplicate_lsoa", "this LSOA is given twice for the same year",
                                    "each LSOA once per year (one file per year)", ["year", "lsoa_code"],
                                    "lsoa_code"))
    post.validate(out)
    return out


def _population_area(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    spec_names = {c.name for c in batch.spec.columns}
    year_columns = [c for c in frame.columns if c not in spec_names]
    for col in year_columns:
        b.check(col, str_full_match(r"\s*-?(\d{1,3}(,\d{3})+|\d+)(\.0+)?\s*"),
                Rule("whole_number", "the value is not a whole number", "a whole number such as 412 (commas allowed)"))
        b.check(col, lambda s: ~s.astype("str").str.strip().str.startswith("-").fillna(False).astype(bool),
                Rule("not_negative", "the population is negative", "zero or more"))
    b.frame_check(not_duplicated(["code"]),
                  duplicate_rule("duplicate_code", "this area code is given twice", "each area once", ["code"], "code"))
    b.validate()
    parts = []
    for col in year_columns:
        parts.append(pd.DataFrame({
            "code": frame["code"],
            "name": _text_or_empty(frame, "name"),
            "geography": _text_or_empty(frame, "geography"),
            "year": np.full(len(frame), _year_in_text(col), dtype=np.int64),
            "population": to_counts(frame[col], nullable=True),
        }))
    return pd.concat(parts, ignore_index=True)


def _imd(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("imd_decile", lambda s: pd.to_numeric(s.astype("str").str.strip(), errors="coerce").isin(range(1, 11)),
            Rule("decile", "the decile is not between 1 and 10", "a whole number from 1 to 10"))
    b.frame_check(not_duplicated(["lsoa_code"]),
                  duplicate_rule("duplicate_lsoa", "this LSOA is given twice", "each LSOA once", ["lsoa_code"],
                                 "lsoa_code"))
    b.validate()
    out = _ensure_optional(frame, batch.spec.columns)
    out["imd_rank"] = to_counts(out["imd_rank"])
    out["imd_decile"] = to_counts(out["imd_decile"])
    return out[["lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile"]]


def _lsoa_lookup(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    lsoa = Rule("lsoa_code", "this is not an LSOA code", "E01 or W01 and six digits")
    for col in ("lsoa11_code", "lsoa21_code"):
        b.check(col, str_full_match(r"\s*[EW]01\d{6}\s*"), lsoa)
    # best fit: each 2011 LSOA is given once, to the 2021 LSOA it fits best
    b.frame_check(not_duplicated(["lsoa11_code"]),
                  duplicate_rule("duplicate_lsoa", "this 2011 LSOA is given twice", "each 2011 LSOA once (a best-fit "
                                 "lookup)", ["lsoa11_code"], "lsoa11_code"))
    b.validate()
    out = _ensure_optional(frame, batch.spec.columns)
    for col in out.columns:
        out[col] = out[col].astype("string").str.strip()
    return out[["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "lad_code", "lad_name"]]


def _census(columns: list[str]):
    def parse(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
        frame = batch.frame
        b = _builder(batch)
        b.frame_check(not_duplicated(["geography_code"]),
                      duplicate_rule("duplicate_geography", "this area is given twice", "each area once",
                                     ["geography_code"], "geography_code"))
        b.validate()
        out = pd.DataFrame({"geography": frame["geography"], "geography_code": frame["geography_code"]})
        for col in columns:
            out[col] = to_counts(frame[col])
        return out
    return parse


def _indicators(batch: Batch, ctx: LoadContext) -> pd.DataFrame:
    frame = batch.frame
    b = _builder(batch)
    b.check("period", str_full_match(r"\s*" + MONTH_RE + r"\s*"),
            Rule("month_format", "the period is not written as a month", "a month written YYYY-MM, e.g. 2024-03"))
    if ctx.areas:
        allowed = frozenset(ctx.areas)
        b.check("area", values_check(lambda v: str(v) in allowed),
                Rule("known_area", "the area is not the force or one of its districts",
                     "one of " + ", ".join(f"'{a}'" for a in ctx.areas) + " (written exactly as in the params file)"))
    b.frame_check(not_duplicated(["measure", "period", "area"]),
                  duplicate_rule("duplicate_indicator", "this measure, period and area is given twice",
                                 "one row per measure, period and area", ["measure", "period", "area"], "measure"))
    b.validate()
    out = pd.DataFrame({
        "measure": frame["measure"],
        "month": to_months(frame["period"], parse_iso_month),
        "area": frame["area"],
        "value": to_counts(frame["value"]),
        "denominator": to_counts(frame["denominator"], nullable=True),
        "notes": _text_or_empty(frame, "notes"),
    })
    post = SchemaBuilder(batch)
    post.frame_check(lambda d: (d["value"] <= d["denominator"]).fillna(True).astype(bool),
                     Rule("value_le_denominator", "the value is greater than the denominator",
                          "a value no greater than the denominator (the number of cases)", column="value"))
    post.validate(out)
    return out


PARSERS = {
    ("police_uk_street", "street"): _police_uk_crime,
    ("police_uk_outcomes", "outcomes"): _police_uk_crime,
    ("police_uk_stop_search", "stop_search"): _stop_search,
    ("stats19", "collisions"): _stats19_collisions,
    ("stats19", "casualties"): _stats19_casualties,
    ("stats19", "vehicles"): _stats19_vehicles,
    ("home_office_prc_csp", "offences"): _prc,
    ("home_office_prc_pfa", "offences"): _prc,
    ("home_office_999", "calls"): _calls_999,
    ("ons_population_lsoa", "population"): _population_lsoa,
    ("ons_population_area", "population"): _population_area,
    ("imd_lsoa", "deprivation"): _imd,
    ("census_ethnicity", "ethnicity"): _census(["total", "asian", "black", "mixed", "white", "other"]),
    ("census_households", "households"): _census(["households"]),
    ("indicator_template", "indicators"): _indicators,
    ("ons_lsoa_lookup", "lookup"): _lsoa_lookup,
}


# --------------------------------------------------------------------------------------------
# Reading the files of a dataset
# --------------------------------------------------------------------------------------------

@dataclass
class Parsed:
    """One table of a dataset, read from one or more files; `file_ids` says which file each row is from."""

    table: str
    frame: pd.DataFrame
    file_ids: np.ndarray
    sources: list[Source]
    labels: list[str]

    def rows_of(self, i: int) -> slice | np.ndarray:
        """The rows of file i (a slice: a batch keeps each file's rows together, in order)."""
        lo, hi = np.searchsorted(self.file_ids, [i, i + 1])
        return slice(int(lo), int(hi))


def sniff_source(source: Source, fmt: str) -> list[Sniffed]:
    """The tables of format `fmt` in this file (several for a spreadsheet with several sheets)."""
    specs = FORMATS[fmt]
    if source.suffix in (".ods", ".xlsx"):
        found = []
        for sheet in read_sheets(source):
            idx, m = pick_header(sheet.rows, specs)
            if m is not None:
                found.append(Sniffed(source, m, [str(c or "") for c in sheet.rows[idx]], idx,
                                     sheet.row_numbers[idx], sheet=sheet.name,
                                     data_rows_seen=len(sheet.rows) - idx - 1))
        if found:
            return found
    sniffed = sniff_for(source, specs)
    if sniffed.empty:
        raise DataFileError(source.label, "the file is empty", expected="a header row and at least one row of data")
    if sniffed.match is None or not sniffed.match.recognised:
        other = sniff(source)
        if other.match is not None and other.format != fmt:
            raise DataFileError(source.label, f"the file's header is that of {other.match.spec.label} "
                                              f"(format {other.format}), not {fmt}",
                                expected=f"a file in the format {fmt} (see data/README.md)")
        if len(specs) > 1 or sniffed.match is None or not sniffed.match.mapping:
            raise DataFileError(source.label, "the header row is not that of this dataset's format",
                                row=sniffed.header_line, found=",".join(sniffed.header)[:200],
                                expected=" or ".join(s.label for s in specs) + " (see data/README.md)")
    return [sniffed]


def _read(sniffed: Sniffed, use_threads: bool = True, hash_file: bool = False) -> RawTable:
    try:
        return read_table(sniffed, typed=True, use_threads=use_threads, hash_file=hash_file)
    except ConversionFailed as exc:
        raw = read_table(sniffed, typed=False, use_threads=use_threads, hash_file=hash_file)
        raw.conversion_error = str(exc)
        return raw


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_sources(sources: list[Source], fmt: str, hash_paths: frozenset[Path] = frozenset()) -> Iterator[RawTable]:
    """The tables of format `fmt` in these files, in the files' order (for the CSV files in
    `hash_paths`, with the file's hash in `RawTable.file_hash`, from the bytes parsed).

    Many files (police.uk's monthly files) are read one per core, each by a single-threaded pyarrow
    parse: that keeps every core busy, where one multi-threaded parse of a 5 MB file after another
    leaves a fifth of them idle. A few large files are read one after another, each on every core.
    A file that cannot be read raises its DataFileError in the files' order."""
    def read_source(source: Source, use_threads: bool) -> list[RawTable]:
        return [_read(sniffed, use_threads, source.path in hash_paths) for sniffed in sniff_source(source, fmt)]

    workers = cores()
    if workers < 2 or len(sources) < 2 * workers:
        for source in sources:
            yield from read_source(source, True)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="read-csv") as pool:
        futures = [pool.submit(read_source, source, False) for source in sources]
        try:
            for future in futures:
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()


def parse_sources(sources: list[Source], fmt: str, ctx: LoadContext, on_read=None,
                  hash_paths: frozenset[Path] = frozenset()) -> list[Parsed]:
    """Read and validate the files of one dataset, one batch per table. Raises DataFileError.

    `on_read(table_name, raw)`, if given, is called with each table as it is read, in the files'
    order, before validation (the registry starts writing the cache entry then, and takes the
    hashes of the files in `hash_paths`)."""
    if fmt in GEO_FORMATS:    # vector files: read whole by GDAL, not as tables (boundaries.py)
        from .boundaries import parse_boundary_files
        frame, file_ids = parse_boundary_files(sources, fmt)
        return [Parsed("boundaries", frame, file_ids, list(sources), [s.label for s in sources])]
    by_table: dict[str, list[RawTable]] = {}
    for raw in read_sources(sources, fmt, hash_paths):
        table = raw.sniffed.spec.table
        if not raw.typed:
            # A value Arrow could not convert: validate this file alone, to say where.
            PARSERS[(fmt, table)](_batch([raw]), ctx)
        if on_read is not None:
            on_read(table, raw)
        by_table.setdefault(table, []).append(raw)
    out = []
    for table, raws in by_table.items():
        batch = _batch(raws)
        frame = PARSERS[(fmt, table)](batch, ctx).reset_index(drop=True)
        file_ids = batch.file_ids if len(frame) == len(batch.frame) else np.zeros(len(frame), dtype=np.int64)
        if fmt == "ons_population_area" and len(raws) > 1:   # wide to long changes the row count
            file_ids = np.tile(batch.file_ids, len(frame) // max(len(batch.frame), 1))
        out.append(Parsed(table, frame, file_ids, [r.source for r in raws], [r.label for r in raws]))
    return out


def _batch(raws: list[RawTable]) -> Batch:
    check_columns_present(raws)
    return Batch(raws)


# --------------------------------------------------------------------------------------------
# Combining the files of a dataset
# --------------------------------------------------------------------------------------------

@dataclass
class Combined:
    frames: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)


def _file_forces(parsed: Parsed, i: int) -> list[str]:
    m = police_uk_name(parsed.sources[i])
    if m:
        return [m.group("slug").lower()]
    if "falls_within" in parsed.frame.columns:
        values = parsed.frame["falls_within"].iloc[parsed.rows_of(i)].dropna().unique()
        return sorted({normalise_force(v) for v in values})
    return []   # a renamed stop and search file: its force is not known, so it is not compared


def _check_police_uk_months(parsed: Parsed) -> None:
    """The same month for the same force in two files is a duplicated release."""
    if len(parsed.sources) < 2:
        return
    ordinals = parsed.frame["month"].array.asi8
    nat = np.iinfo(np.int64).min
    seen: dict[tuple, int] = {}
    for file_index in range(len(parsed.sources)):
        rows = ordinals[parsed.rows_of(file_index)]
        rows = rows[rows != nat]
        # a police.uk file holds one month: its smallest and largest are that month, no hashing needed
        months = rows[:1] if len(rows) and rows.min() == rows.max() else pd.unique(rows)
        for ordinal in months:
            month = pd.Period(ordinal=int(ordinal), freq="M")
            for force in _file_forces(parsed, file_index):
                key = (force, int(ordinal))
                if key in seen and seen[key] != file_index:
                    raise DataFileError(parsed.labels[file_index],
                                        f"this file repeats the month {month} for {force}, already given by "
                                        f"{parsed.labels[seen[key]]}",
                                        expected="each month once per force: keep one download, or remove the "
                                                 "duplicated file (a duplicated release)")
                seen[key] = file_index


def keeps_rows_as_read(fmt: str, sources: list[Source], ctx: LoadContext) -> bool:
    """Whether `combine` gives the rows of this dataset exactly as read, none filtered out (police.uk
    files named for the force, or no filtering): then the cache entry can be written from the
    tables as they are read, while later files are still parsing (see cache.StreamedColumns)."""
    if not fmt.startswith("police_uk_"):
        return False
    return not ctx.filter_force or all(police_uk_name(s) is not None for s in sources)


def _filter_police_uk(parsed: Parsed, ctx: LoadContext, warnings: list[str]) -> pd.DataFrame:
    if not ctx.filter_force:
        return parsed.frame
    named = np.array([police_uk_name(s) is not None for s in parsed.sources], dtype=bool)
    if named.all():
        return parsed.frame  # files were chosen by the force in their names
    keep = named[parsed.file_ids]
    if "falls_within" in parsed.frame.columns and ctx.force_name:
        target = normalise_force(ctx.force_name)
        keep |= map_uniques(parsed.frame["falls_within"], lambda v: normalise_force(v) == target, bool)
    else:
        for i in np.nonzero(~named)[0]:
            warnings.append(f"{parsed.labels[i]}: the file name does not name the force (YYYY-MM-<force>-...csv) "
                            f"and the file has no 'Falls within' column, so all its rows are used")
        keep |= ~named[parsed.file_ids]
    return parsed.frame[keep].reset_index(drop=True)


def _cross_file_duplicates(parsed: Parsed | None, columns: list[str], what: str) -> None:
    """Rows with the same key in two files: a duplicated release."""
    if parsed is None or len(parsed.sources) < 2 or any(c not in parsed.frame.columns for c in columns):
        return
    keys = parsed.frame[columns]
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    for pos in np.nonzero(dup)[0]:
        row = keys.iloc[pos]
        same = (keys == row).all(axis=1).to_numpy().nonzero()[0]
        a, b = parsed.file_ids[same[0]], parsed.file_ids[pos]
        if a != b:
            values = ", ".join(f"{c} {row[c]}" for c in columns)
            raise DataFileError(parsed.labels[b], f"{what} ({values}) is also in {parsed.labels[a]}: the two files "
                                                  f"look like two releases of the same data",
                                expected="each file once: remove one of the two (a duplicated release)")


def combine(fmt: str, parsed: list[Parsed], ctx: LoadContext) -> Combined:
    """The tables of one dataset as its frames, checked for duplicated releases and filtered to the force."""
    warnings: list[str] = []
    by_table = {p.table: p for p in parsed}
    if fmt.startswith("police_uk_"):
        table = FORMATS[fmt][0].table
        p = by_table[table]
        _check_police_uk_months(p)
        return Combined({table: _filter_police_uk(p, ctx, warnings)}, warnings)
    if fmt == "stats19":
        return _combine_stats19(by_table, ctx)
    # Rows repeated across the files of other formats are caught by each parser's own check for
    # repeated rows, which runs over all of a dataset's files at once.
    table = FORMATS[fmt][0].table
    return Combined({table: by_table[table].frame}, warnings)


def _combine_stats19(by_table: dict[str, Parsed], ctx: LoadContext) -> Combined:
    warnings: list[str] = []
    _cross_file_duplicates(by_table.get("casualties"), ["collision_index", "casualty_reference"], "the casualty")
    _cross_file_duplicates(by_table.get("vehicles"), ["collision_index", "vehicle_reference"], "the vehicle")
    frames = {t: (by_table[t].frame if t in by_table else None) for t in ("collisions", "casualties", "vehicles")}
    collisions = frames["collisions"]
    if collisions is None:
        other = by_table.get("casualties") or by_table.get("vehicles")
        if ctx.filter_force:
            raise DataFileError(other.labels[0], "there is no STATS19 collision file to go with this file",
                                expected="the collision file of the same year "
                                         "(dft-road-casualty-statistics-collision-YYYY.csv): it says which "
                                         "collisions are the force's")
        warnings.append("no STATS19 collision file: casualties and vehicles have no month")
    if collisions is not None and ctx.filter_force and ctx.stats19_force is not None:
        collisions = collisions[collisions["police_force"] == ctx.stats19_force].reset_index(drop=True)
        frames["collisions"] = collisions
    if collisions is not None:
        ids = pd.Index(collisions["collision_index"])
        for t in ("casualties", "vehicles"):
            df = frames[t]
            if df is None:
                continue
            if ctx.filter_force:
                df = df[df["collision_index"].isin(ids)].reset_index(drop=True)
            if t == "casualties":
                pos = ids.get_indexer(df["collision_index"])
                month = collisions["month"].array.take(pos, allow_fill=True)
                df = df.copy()
                df.insert(df.columns.get_loc("collision_index") + 1, "month", month)
            frames[t] = df
    elif frames["casualties"] is not None:
        df = frames["casualties"].copy()
        df.insert(df.columns.get_loc("collision_index") + 1, "month",
                  pd.PeriodIndex.from_ordinals(np.full(len(df), np.iinfo(np.int64).min), freq="M"))
        frames["casualties"] = df
    frames = {t: (df if df is not None else pd.DataFrame()) for t, df in frames.items()}
    return Combined(frames, warnings)


def killed_or_seriously_injured(casualties: pd.DataFrame) -> int:
    """Casualties killed or seriously injured, as DfT counts them: casualty_severity 1 (fatal) or 2 (serious)."""
    severity = pd.to_numeric(casualties["casualty_severity"], errors="coerce")
    return int(severity.isin([1, 2]).sum())


# --------------------------------------------------------------------------------------------
# Sources from paths
# --------------------------------------------------------------------------------------------

def sources_from_paths(paths, display_root: Path | None = None) -> list[Source]:
    """Every table file named by `paths`: files, folders (searched recursively) and zips."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Source] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise DataFileError(p, "the file or folder does not exist", expected="a data file, a folder or a zip")
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            if f.name.startswith(".") or "__MACOSX" in f.parts:
                continue
            label = _label(f, display_root)
            if f.suffix.lower() == ".zip":
                out.extend(zip_sources(f, label))
            elif f.suffix.lower() in DATA_SUFFIXES:
                out.append(Source(f, None, label))
            elif not p.is_dir():
                raise DataFileError(f, "not a data file this build reads",
                                    expected="a .csv, .ods, .xlsx or .zip file, or a boundary file (.geojson, "
                                             ".json, .gpkg or .shp)")
    return out


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            pass
    return str(path)
