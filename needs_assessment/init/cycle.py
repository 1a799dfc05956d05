"""`python build.py init DOWNLOADS`: a new force's first params file, written from its downloads.

Every file under the downloads folder (and inside its zips) is recognised from its header row, as
the build does. From them `init` writes `params/<cycle>.yml`:

* the force and its police.uk slug: the street files' `Falls within` column and their file names;
* its districts: from an ONS local authority to police force area lookup if one is in the folder,
  otherwise the IMD file's local authority of each LSOA the records name, otherwise the `LSOA name`
  of the records themselves (see `choose_districts`);
* `period_end`, the latest complete month (the latest month every police.uk dataset found has), and
  the baseline: the 12 months to December
  2019 when the data have them all, otherwise what the data allow, said in a comment
  (`choose_baseline`);
* the most similar group and the STATS19 code from the package's reference tables;
* the `datasets` section from the files found; the datasets not found are listed in comments;
* the plan and its measures from `params/templates/police-and-crime-plan.yml`;

and an empty recommendations file for each chapter in `recommendations/<cycle>/`. It never overwrites
a params file or a recommendations file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from ..datasets.cache import DatasetCache
from ..datasets.formats import FORMATS
from ..datasets.loaders import LoadContext, month_in_name, police_uk_name, sources_from_paths
from ..datasets.names import known_force_names
from ..datasets.names import normalise_force
from ..datasets.readers import Source, sniff
from ..datasets.registry import (EMPTY, POLICE_UK_KINDS, _pick_download, detect_source_format, load_source_list,
                                 load_sources)
from ..common.errors import DataFileError, NeedsAssessmentError
from ..common.months import missing_months
from ..reference import most_similar_groups, stats19_codes

TEMPLATE = Path("params") / "templates" / "police-and-crime-plan.yml"

# The dataset name each format gets: the names the template's measures read (`source:`).
DATASET_NAMES = {
    "police_uk_street": "street_crime",
    "police_uk_outcomes": "outcomes",
    "police_uk_stop_search": "stop_search",
    "stats19": "road_casualties",
    "home_office_prc_csp": "recorded_crime_csp",
    "home_office_prc_pfa": "recorded_crime_pfa",
    "home_office_999": "calls_999",
    "ons_population_lsoa": "population_lsoa",
    "ons_population_area": "population_area",
    "imd_lsoa": "deprivation",
    "census_ethnicity": "ethnicity",
    "census_households": "households",
    "indicator_template": "force_indicators",
    "ons_lsoa_boundaries": "lsoa_boundaries",
    "ons_lad_boundaries": "district_boundaries",
    "ons_pfa_boundaries": "force_boundaries",
    "ons_lsoa_lookup": "lsoa_lookup",
}

# Written into the params only when in the downloads: the build reads no measure from them (the
# force area outline; the best-fit lookup, needed only when boundaries and records differ in year).
ONLY_WHEN_FOUND = frozenset({"ons_pfa_boundaries", "ons_lsoa_lookup"})

BASELINE = (pd.Period("2019-01", freq="M"), pd.Period("2019-12", freq="M"))
# A local authority is a district of the force when at least this share of its LSOAs (IMD) have a
# record, or (with LSOA names only) when it holds at least this share of the records with a location.
LSOA_COVERAGE = 0.5
RECORD_SHARE = 0.01
_LSOA_NAME = re.compile(r"^(?P<authority>.+) \d{3}[A-Z]$")


class InitError(NeedsAssessmentError):
    """`build.py init` cannot write the params file: the message says why and what to do."""


@dataclass
class DatasetFound:
    name: str
    format: str
    path: str          # as the params file gives it: relative to the project when inside it
    note: str


@dataclass
class Districts:
    names: list[str]
    source: str                                              # how they were chosen, for the comment
    outside: dict[str, int] = field(default_factory=dict)    # other authorities named by records -> records
    no_lsoa: int = 0                                         # records with no LSOA


@dataclass
class Baseline:
    start: pd.Period
    end: pd.Period
    note: str


@dataclass
class Found:
    """What `init` found in the downloads: everything the params file is written from."""

    folder: Path
    root: Path
    force: str
    slug: str
    area_name: str
    months: list[pd.Period]
    missing: list[pd.Period]
    districts: Districts
    baseline: Baseline
    datasets: list[DatasetFound]
    absent: list[tuple[str, str]]                 # (dataset name, format) of the formats not found
    unused: list[str]                             # files of no known format
    stats19: int | None
    most_similar: list[str]
    period_end: pd.Period
    period_end_note: str = "the latest month of the street files"


# --------------------------------------------------------------------------------------------
# Months and the baseline
# --------------------------------------------------------------------------------------------

def month_ranges(months: list[pd.Period]) -> str:
    """'2019-03 to 2021-12 (34 months), 2023-05' for a list of months."""
    runs: list[list[pd.Period]] = []
    for m in sorted(months):
        if runs and (m - runs[-1][-1]).n == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]} to {r[-1]} ({len(r)} months)" for r in runs)


def _complete_windows(months: list[pd.Period]) -> list[pd.Period]:
    """The last months of every complete run of 12 months in `months`."""
    present = set(months)
    return [m for m in sorted(present) if all(m - k in present for k in range(12))]


def choose_baseline(months: list[pd.Period]) -> Baseline:
    """The plan's baseline: the 12 months to December 2019 when the data have them all. Otherwise the
    latest complete 12 months ending by December 2019 (still before the pandemic); otherwise the
    earliest complete 12 months before the latest 12; otherwise the 12 months to December 2019 all
    the same, said to be incomplete (the build then draws no comparison with it: docs/assumptions.md)."""
    start, end = BASELINE
    wanted = list(pd.period_range(start, end, freq="M"))
    present = set(months)
    if all(m in present for m in wanted):
        return Baseline(start, end, "the 12 months to December 2019, as the national Crime and Policing "
                                    "Measures use (the data have all of them)")
    ends = _complete_windows(months)
    latest_start = months[-1] - 11 if months else None
    before = [m for m in ends if m <= end]
    if before:
        chosen = before[-1]
        return Baseline(chosen - 11, chosen, f"the data do not have every month of 2019 (missing: "
                                             f"{month_ranges([m for m in wanted if m not in present])}), so "
                                             f"the baseline is the latest complete 12 months before 2020")
    earlier = [m for m in ends if latest_start is not None and m < latest_start]
    if earlier:
        chosen = earlier[0]
        return Baseline(chosen - 11, chosen, f"the data have no complete 12 months up to December 2019, so the "
                                             f"baseline is the earliest complete 12 months they have; it is not "
                                             f"the national pre-pandemic baseline")
    have = [m for m in wanted if m in present]
    return Baseline(start, end, f"the data have {len(have)} of the 12 months to December 2019"
                                + (f": {month_ranges(have)}" if have else "")
                                + " and no other complete 12 months before the latest 12, so the national "
                                  "baseline is kept: the build counts what it has, names the months missing and "
                                  "draws no comparison with it")


# --------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------

def authority_of_lsoa_name(name: object) -> str | None:
    """'County Durham 001A' -> 'County Durham' (police.uk's LSOA names are the authority and a code)."""
    if not isinstance(name, str):
        return None
    m = _LSOA_NAME.match(name.strip())
    return m.group("authority") if m else None


def choose_districts(street: pd.DataFrame, force: str, imd: pd.DataFrame | None = None,
                     lookup: pd.DataFrame | None = None, lookup_label: str = "") -> Districts:
    """The force's districts (local authorities), from the best source at hand:

    1. an ONS lookup of local authorities to police force areas (columns LADyyNM and PFAyyNM): the
       authorities of the force's area that the records name (authority names change: those the
       records never name are left out and said);
    2. the IMD file: each record's LSOA gives its authority; an authority is a district when at least
       half of its LSOAs have a record (a neighbouring authority has records only near the border);
    3. the records' LSOA names alone: an authority holding at least 1% of the records with a location.
    """
    names = street["lsoa_name"].map(authority_of_lsoa_name)
    no_lsoa = int(names.isna().sum())
    counts = Counter(names.dropna())
    located = sum(counts.values())
    chosen: list[str] = []
    source = ""
    if lookup is not None:
        lad = next(c for c in lookup.columns if re.fullmatch(r"LAD\d{2}NM", c))
        pfa = next(c for c in lookup.columns if re.fullmatch(r"PFA\d{2}NM", c))
        mine = lookup[lookup[pfa].map(normalise_force) == normalise_force(force)][lad].drop_duplicates().tolist()
        chosen = [a for a in mine if a in counts]
        unnamed = [a for a in mine if a not in counts]
        if chosen:
            source = f"the ONS lookup {lookup_label} (police force area {force})"
            if unnamed:
                source += f"; not named by any record, so left out: {', '.join(unnamed)}"
    if not chosen and imd is not None:
        codes = street["lsoa_code"].dropna().unique()
        lsoas = imd.drop_duplicates("lsoa_code")
        total = lsoas.groupby("lad_name").size()
        seen = lsoas[lsoas["lsoa_code"].isin(codes)].groupby("lad_name").size()
        coverage = (seen / total).dropna()
        chosen = [a for a, share in coverage.sort_values(ascending=False).items() if share >= LSOA_COVERAGE]
        if chosen:
            source = ("the IMD file's local authority of each LSOA: the authorities at least half of whose "
                      "LSOAs have a record")
    if not chosen:
        chosen = [a for a, n in counts.most_common() if located and n / located >= RECORD_SHARE]
        source = "the records' LSOA names: the authorities holding at least 1% of the records with a location"
    if not chosen:
        raise InitError("no record in the police.uk street files names an LSOA, so the force's districts cannot "
                        "be worked out; add `districts:` to the params file by hand")
    chosen = sorted(chosen)
    # Name each record's authority as the build will (measures.engine.lsoa_district_lookup): the IMD
    # file's name for the LSOA where it has one ('Kingston upon Hull, City of'), else police.uk's.
    authority = names
    if imd is not None and "lad_name" in imd.columns:
        by_code = imd.dropna(subset=["lad_name"]).drop_duplicates("lsoa_code").set_index("lsoa_code")["lad_name"]
        authority = street["lsoa_code"].map(by_code).fillna(names)
    outside = {a: n for a, n in Counter(authority.dropna()).most_common() if a not in chosen}
    return Districts(chosen, source, outside, no_lsoa)


def find_lookup(sources: list[Source]) -> tuple[pd.DataFrame, str] | None:
    """An ONS local authority to police force area lookup among the files of no known format."""
    for s in sources:
        if s.suffix != ".csv":
            continue
        try:
            header = sniff(s).header
        except DataFileError:
            continue
        if any(re.fullmatch(r"LAD\d{2}NM", h) for h in header) and any(re.fullmatch(r"PFA\d{2}NM", h) for h in header):
            frame = pd.read_csv(io.BytesIO(s.read_bytes()), dtype=str, encoding="utf-8-sig")
            return frame, s.label
    return None


# --------------------------------------------------------------------------------------------
# Looking at the downloads
# --------------------------------------------------------------------------------------------

def _params_path(path: Path, root: Path) -> str:
    """A path as the params file writes it: relative to the project when inside it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def _common_folder(paths: list[Path]) -> Path:
    return Path(os.path.commonpath([os.path.abspath(p) for p in paths]))


def survey(folder: str | Path, root: str | Path, slug: str | None = None) -> Found:
    """Look at every file under `folder` and work out what the params file needs."""
    folder, root = Path(folder), Path(root)
    if not folder.is_dir():
        raise InitError(f"{folder}: not a folder; give the folder holding the downloads (police.uk zips or "
                        f"folders, the IMD file, ...)")
    cache = DatasetCache(None)
    by_format, unknown = _classify(sources_from_paths(folder, display_root=root), cache)
    slug = _choose_slug(folder, by_format.get("police_uk_street", []), slug)

    def of_force(items: list[Source]) -> list[Source]:
        return [s for s in items if (m := police_uk_name(s)) is None or m.group("slug").lower() == slug]

    street_sources = _pick_download(of_force(by_format["police_uk_street"]), root)[0]
    # The force the files name is the params' force, so it is a force the build knows (a force not
    # among the 43, such as the demonstration's, validates as it will in the build).
    named = _force_named_in(street_sources[0])
    ctx = LoadContext(known_forces=known_force_names([named] if named else []), filter_force=False)
    street = load_sources("police_uk_street", street_sources, ctx, cache)[0]["street"]
    force = street["falls_within"].mode().iloc[0]
    months = sorted(street["month"].dropna().unique())

    datasets, last_months = [], {}
    for fmt, items in by_format.items():
        if fmt in POLICE_UK_KINDS:
            items = of_force(items)
            if items:
                found, last_months[fmt] = _police_uk_dataset(fmt, items, root)
                datasets.append(found)
        else:
            datasets.append(_file_dataset(fmt, items, root))
    datasets.sort(key=lambda d: list(DATASET_NAMES).index(d.format))
    found_formats = {d.format for d in datasets}
    period_end, period_end_note = _latest_complete_month(months[-1], last_months)

    imd = None
    if "imd_lsoa" in by_format:
        imd = load_source_list("imd_lsoa", by_format["imd_lsoa"], cache=cache, hashes=False).frame
    lookup, lookup_label = find_lookup(unknown) or (None, "")
    group = most_similar_groups().lookup(force)
    code = stats19_codes().lookup(force)
    return Found(
        folder=folder, root=root, force=force, slug=slug, area_name=area_name(force, lookup),
        months=months, missing=missing_months(months),
        districts=choose_districts(street, force, imd=imd, lookup=lookup, lookup_label=lookup_label),
        baseline=choose_baseline(months), datasets=datasets,
        absent=[(name, fmt) for fmt, name in DATASET_NAMES.items()
                if fmt not in found_formats and fmt not in ONLY_WHEN_FOUND],
        unused=[s.label for s in unknown if s.label != lookup_label],
        stats19=int(code[1]) if code else None, most_similar=[force, *group[1]] if group else [],
        period_end=period_end, period_end_note=period_end_note)


def _classify(sources: list[Source], cache: DatasetCache) -> tuple[dict[str, list[Source]], list[Source]]:
    """The sources by format (from their header rows), and those of no known format."""
    by_format: dict[str, list[Source]] = {}
    unknown: list[Source] = []
    for s in sources:
        fmt = detect_source_format(s, cache)
        if fmt in (None, EMPTY):
            unknown.append(s)
        else:
            by_format.setdefault(fmt, []).append(s)
    return by_format, unknown


def _choose_slug(folder: Path, street: list[Source], slug: str | None) -> str:
    """The police.uk force of the street files (the one asked for, or the only one there is)."""
    slugs = Counter(m.group("slug").lower() for s in street if (m := police_uk_name(s)))
    if not slugs:
        raise InitError(f"{folder}: no police.uk street-level crime files (YYYY-MM/YYYY-MM-<force>-street.csv) "
                        f"were found; init needs them to know the force. Download them from "
                        f"https://data.police.uk/data/ and put the zip or its folders here")
    if slug is None:
        if len(slugs) > 1:
            raise InitError(f"{folder}: the police.uk files are for {len(slugs)} forces ({', '.join(sorted(slugs))}); "
                            f"say which with --force, e.g. --force {slugs.most_common(1)[0][0]}")
        return next(iter(slugs))
    if slug.lower() not in slugs:
        raise InitError(f"{folder}: no police.uk files for '{slug}'; the files are for {', '.join(sorted(slugs))}")
    return slug.lower()


def _police_uk_dataset(fmt: str, items: list[Source], root: Path) -> tuple[DatasetFound, pd.Period | None]:
    """A police.uk dataset: the download the build will use (its zip, or the folder of its month
    folders), and the last month it has."""
    chosen, description, _ = _pick_download(items, root)
    unit = Path(chosen[0].path) if chosen[0].member is not None else _unit_folder(chosen[0])
    last = max((m for s in chosen if (m := month_in_name(s)) is not None), default=None)
    return DatasetFound(DATASET_NAMES[fmt], fmt, _params_path(unit, root), description), last


def _file_dataset(fmt: str, items: list[Source], root: Path) -> DatasetFound:
    """Any other dataset: its one file, or the folder holding its files (the build picks the files of
    the format there, and the latest release)."""
    files = list(dict.fromkeys(s.path for s in items))
    path = files[0] if len(files) == 1 else _common_folder(files)
    labels = [spec.label.split(" ", 1)[1] for spec in FORMATS[fmt]]
    what = labels[0] if len(labels) == 1 else "DfT STATS19 collision, casualty and vehicle files"
    return DatasetFound(DATASET_NAMES[fmt], fmt, _params_path(path, root),
                        f"{what}: {len(files)} file{'s' if len(files) != 1 else ''}")


def _latest_complete_month(street_last: pd.Period, last_months: dict[str, pd.Period | None]) -> tuple[pd.Period, str]:
    """period_end: the latest month every police.uk download found has, and how it was chosen."""
    shorter = {fmt: m for fmt, m in last_months.items() if m is not None and m < street_last}
    if not shorter:
        return street_last, "the latest month of the street files"
    return min(shorter.values()), ("the latest month every police.uk download has (the street files go to "
                                   f"{street_last}; " + ", ".join(f"{POLICE_UK_KINDS[f]} to {m}"
                                                                  for f, m in shorter.items()) + ")")


def _force_named_in(source: Source) -> str | None:
    """The `Falls within` of a police.uk file's first record (read from its first bytes)."""
    text = source.read_head(64 * 1024).decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows[0].get("Falls within") if rows else None


def _unit_folder(source: Source) -> Path:
    """The folder of a police.uk download: the one holding its YYYY-MM month folders."""
    parent = source.path.parent
    return parent.parent if re.fullmatch(r"\d{4}-\d{2}", parent.name) else parent


def area_name(force: str, lookup: pd.DataFrame | None = None) -> str:
    """The force area's name: the police force area's name in an ONS lookup, else the force's name
    without 'Police', 'Constabulary' or 'Service'."""
    if lookup is not None:
        pfa = next(c for c in lookup.columns if re.fullmatch(r"PFA\d{2}NM", c))
        names = [n for n in lookup[pfa].dropna().unique() if normalise_force(n) == normalise_force(force)]
        if names:
            return names[0]
    words = force.split()
    while len(words) > 1 and words[-1].lower() in ("police", "constabulary", "service"):
        words.pop()
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Writing the params file and the recommendation files
# --------------------------------------------------------------------------------------------

def _q(value: str) -> str:
    """A YAML scalar in double quotes (JSON's escapes are YAML's)."""
    return json.dumps(str(value), ensure_ascii=False)


def _flow(values: list) -> str:
    return "[" + ", ".join(_q(v) if not isinstance(v, int) else str(v) for v in values) + "]"


def render_template(text: str, area: str, plan_name: str) -> str:
    """The plan template without its opening comment (about the template itself), its placeholders
    filled in (they are inside double quotes, so escaped as such)."""
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    body = "".join(lines)
    return body.replace("{area_name}", _q(area)[1:-1]).replace("{plan_name}", _q(plan_name)[1:-1])


def params_text(found: Found, cycle: str, template: str, today: date, plan_name: str) -> str:
    """The params file, with a comment on every value init chose and where it came from."""
    d = found.districts
    msg, stats = most_similar_groups(), stats19_codes()
    lines = [
        f"# Params for the cycle {cycle}: written by `python build.py init` on {today.isoformat()} from the",
        f"# downloads in {_params_path(found.folder, found.root)}/. Every value init chose says where it came from; check the lines",
        "# marked CHECK. Then: python build.py data --params params/" + cycle + ".yml   (what the build finds)",
        "#                   python build.py --params params/" + cycle + ".yml        (the build)",
        "",
        f"cycle: {cycle}",
        f"title: {_q('Police and Crime Needs Assessment ' + str(today.year))}",
        "subtitle: Evidence for the next Police and Crime Plan",
        f"author: {_q('Office of the Police and Crime Commissioner for ' + found.area_name)}   # CHECK",
        f"publication_date: {_q(today.isoformat())}",
        "protective_marking: OFFICIAL",
        "demonstration: false",
        "",
        "area:",
        f"  name: {_q(found.area_name)}",
        f"  force: {_q(found.force)}          # the street files' `Falls within` column",
        f"  police_uk_slug: {found.slug}          # the <force> part of the file names (YYYY-MM-{found.slug}-street.csv)",
    ]
    if found.stats19 is not None:
        lines.append(f"  stats19_police_force: {found.stats19}        # DfT police_force code "
                     f"(needs_assessment/reference/{stats.file.name})")
    else:
        lines.append("  stats19_police_force: 0         # CHECK: the force is not in needs_assessment/reference/"
                     f"{stats.file.name}; give its DfT police_force code")
    lines.append(f"  # districts: from {d.source}.")
    if d.outside:
        shown = ", ".join(f"{a} ({n})" for a, n in list(d.outside.items())[:8])
        more = len(d.outside) - 8
        lines.append(f"  # Records in other authorities count for the force, not a district: {sum(d.outside.values())} "
                     f"records in {len(d.outside)} authorities, most in {shown}" + (f" and {more} more" if more > 0 else "") + ".")
    if d.no_lsoa:
        lines.append(f"  # {d.no_lsoa} records have no LSOA (no location): they count for the force, not a district.")
    lines.append(f"  districts: {_flow(d.names)}")
    if found.most_similar:
        check = "" if msg.verified else "; CHECK against HMICFRS's current list"
        lines.append(f"  # most similar group: the force, then its seven most similar forces ({msg.source}, "
                     f"as of {msg.as_of}; needs_assessment/reference/{msg.file.name}{check})")
    else:
        lines.append(f"  # most similar group: CHECK: the force is not in needs_assessment/reference/{msg.file.name}")
    lines.append(f"  most_similar_group: {_flow(found.most_similar)}")
    lines += ["", f"# months: the street files cover {found.months[0]} to {found.months[-1]} ({len(found.months)} months)"]
    if found.missing:
        lines.append(f"# and lack {month_ranges(found.missing)}: police.uk has no file for "
                     f"{'that month' if len(found.missing) == 1 else 'those months'} in these downloads.")
    latest = list(pd.period_range(found.period_end - 11, found.period_end, freq="M"))
    gaps = [m for m in latest if m in set(found.missing)]
    lines.append(f"period_end: {_q(found.period_end)}                 # {found.period_end_note}"
                 + (f"; its 12 months lack {month_ranges(gaps)}" if gaps else ""))
    lines.append(f"# baseline: {found.baseline.note}.")
    lines.append(f"baseline: {{start: {_q(found.baseline.start)}, end: {_q(found.baseline.end)}}}")
    lines += ["suppression_threshold: 5                   # counts below this are never published",
              "confidence_level: 0.95", "", "# The downloads found (format recognised from each file's header row):",
              "datasets:"]
    width = max(len(name) for name in [d.name for d in found.datasets] + [n for n, _ in found.absent])
    for ds in found.datasets:
        lines.append(f"  {ds.name + ':':<{width + 1}} {{format: {ds.format}, path: {_q(ds.path)}}}   # {ds.note}")
    if found.absent:
        lines.append("  # Not found in the downloads: the measures that read these are published as not available,")
        lines.append("  # saying why. Put the files at the path given (a folder that does not exist yet) and build again.")
        for name, fmt in found.absent:
            path = _params_path(found.folder / name.replace("_", "-"), found.root)
            lines.append(f"  {name + ':':<{width + 1}} {{format: {fmt}, path: {_q(path)}}}   # not found")
    if found.unused:
        lines.append("# Files of no format the build reads (not used): " + ", ".join(found.unused[:10])
                     + (" ..." if len(found.unused) > 10 else ""))
    lines += ["", "# The reviewers' recommendation files for this cycle (one per chapter; the build never writes them).",
              f"recommendations: recommendations/{cycle}", "",
              f"# The plan and its measures, from {TEMPLATE.as_posix()}: edit them to match your own plan",
              "# (docs: the comments in params/demo-2024.yml).", ""]
    return "\n".join(_wrap_comments(lines)) + "\n" + render_template(template, found.area_name, plan_name)


def _wrap_comments(lines: list[str], width: int = 104) -> list[str]:
    """Comment lines folded to `width`, each continuation with the same indent and '# '."""
    out = []
    for line in lines:
        stripped = line.lstrip()
        if not stripped.startswith("#") or len(line) <= width:
            out.append(line)
            continue
        indent = line[:len(line) - len(stripped)] + "# "
        out += textwrap.wrap(stripped[1:].strip(), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False, break_long_words=False)
    return out


RECOMMENDATIONS_NOTE = """\
Notes for reviewers (not published): everything above the first `## ` line is yours. Write each
recommendation under a line `## {id}-R1 <a short title>`, then its fields (`section:`, `status:`),
a blank line and its text; docs/reviewers.md is the guide. This file was created empty by
`python build.py init`; the build only ever reads it.
"""


def write_recommendation_files(folder: Path, chapters: list[dict]) -> tuple[list[Path], list[Path]]:
    """An empty recommendations file for each chapter: (written, already there and left alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for chapter in chapters:
        path = folder / f"{chapter['id']}-{chapter['slug']}.md"
        text = (f"---\nchapter: {chapter['id']}\n---\n# {chapter['title']}: recommendations\n\n"
                + RECOMMENDATIONS_NOTE.format(id=chapter["id"]))
        try:
            with open(path, "x", encoding="utf-8") as fh:     # "x": never replaces a reviewer's file
                fh.write(text)
            written.append(path)
        except FileExistsError:
            kept.append(path)
    return written, kept


@dataclass
class InitResult:
    params_path: Path
    found: Found
    recommendations_written: list[Path]
    recommendations_kept: list[Path]


def init_cycle(folder: str | Path, root: str | Path, cycle: str | None = None, *, slug: str | None = None,
               plan_name: str = "Police and Crime Plan", today: date | None = None) -> InitResult:
    """Write params/<cycle>.yml and the recommendation files for the downloads in `folder`."""
    root = Path(root)
    today = today or date.today()
    template_path = root / TEMPLATE
    if not template_path.is_file():
        raise InitError(f"{template_path}: the plan template is missing; init copies the plan and its measures "
                        f"from it (restore it from the project's repository)")
    found = survey(folder, root, slug)
    cycle = cycle or f"{found.slug}-{found.period_end.year}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", cycle):
        raise InitError(f"the cycle name '{cycle}' may hold only letters, digits, '-', '_' and '.'")
    params_path = root / "params" / f"{cycle}.yml"
    if params_path.exists():
        raise InitError(f"{params_path}: this params file already exists and init never overwrites one; choose "
                        f"another cycle name (--cycle) or move the file away first")
    text = params_text(found, cycle, template_path.read_text(encoding="utf-8"), today, plan_name)
    raw = yaml.safe_load(text)
    chapters = [c for part in raw["plan"]["parts"] for c in part["chapters"]] + list(raw["plan"].get("appendices", []))
    params_path.parent.mkdir(parents=True, exist_ok=True)
    with open(params_path, "x", encoding="utf-8") as fh:
        fh.write(text)
    written, kept = write_recommendation_files(root / "recommendations" / cycle, chapters)
    return InitResult(params_path, found, written, kept)


def summary(result: InitResult, root: Path) -> str:
    """What init found and wrote, and what to do next, for the terminal."""
    f = result.found
    rel = lambda p: _params_path(p, root)  # noqa: E731
    lines = [f"Wrote {rel(result.params_path)} for {f.force} ({f.slug}).",
             f"  months: {f.months[0]} to {f.months[-1]} ({len(f.months)} months); period_end {f.period_end}",
             ]
    if f.missing:
        lines.append(f"  missing months: {month_ranges(f.missing)}")
    lines += [f"  baseline: {f.baseline.start} to {f.baseline.end} ({f.baseline.note})",
              f"  districts: {', '.join(f.districts.names)} (from {f.districts.source.split(':')[0]})"]
    if f.districts.outside:
        lines.append(f"  records in other authorities: {sum(f.districts.outside.values())} "
                     f"in {len(f.districts.outside)} authorities (counted for the force only)")
    lines.append("  datasets: " + ", ".join(f"{d.name} ({d.format})" for d in f.datasets))
    if f.absent:
        lines.append("  not found: " + ", ".join(n for n, _ in f.absent)
                     + " (their measures are published as not available)")
    if not f.most_similar:
        lines.append("  CHECK: the force is not in the most similar groups table; set area.most_similar_group")
    if f.stats19 is None:
        lines.append("  CHECK: the force has no STATS19 code in the reference table; set area.stats19_police_force")
    lines.append(f"Recommendation files: {len(result.recommendations_written)} created in "
                 f"{rel(root / 'recommendations' / result.params_path.stem)}"
                 + (f", {len(result.recommendations_kept)} already there (left as they were)"
                    if result.recommendations_kept else ""))
    lines += ["Next:", f"  python build.py data --params {rel(result.params_path)}",
              f"  python build.py --params {rel(result.params_path)}"]
    return "\n".join(lines)
