"""`python build.py data [PATH ...] [--json]`: what the params file finds, or what is in a download.

`describe_params_datasets` loads every dataset of the params file and says, for each, which release
and files it uses, how many rows and months, and whether the files pass validation.
`describe_paths` checks files given on the command line (a download, before a build): their format,
rows by month and by category (crime type, outcome, object of search, casualty severity), the forces
in them, and whether they pass validation. Both return plain, JSON-serialisable dicts;
`format_report` renders either as text, and `run_data_command` is the CLI entry point.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd

from ..common.errors import DataFileError, DatasetAbsent, NeedsAssessmentError
from ..datasets.formats import FORMATS
from ..datasets.loaders import killed_or_seriously_injured, police_uk_name, sources_from_paths
from ..datasets.readers import sniff
from ..datasets.registry import (LoadedDataset, _months_summary, default_cache_dir, load_dataset, load_source_list,
                                 month_step, months_by_force)

# The column each table is counted by in `describe_paths`.
CATEGORY_COLUMNS = {
    "street": ["crime_type"],
    "outcomes": ["outcome_type"],
    "stop_search": ["object_of_search", "outcome"],
    "casualties": ["casualty_severity"],
    "collisions": ["collision_severity"],
    "offences": ["offence_group"],
    "indicators": ["measure"],
}
SEVERITY = {1: "1 fatal", 2: "2 serious", 3: "3 slight", -1: "-1 missing"}
FORCE_COLUMNS = {"street": "falls_within", "outcomes": "falls_within", "collisions": "police_force",
                 "offences": "force_name", "calls": "force_name"}


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, (DataFileError, NeedsAssessmentError)):
        return str(exc)
    return f"unexpected error ({type(exc).__name__}: {exc})"


def describe_params_datasets(params, root: str | Path, cache_dir: str | Path | None = None) -> dict:
    """Every dataset of the params file: release, files, rows, months covered and validation result."""
    from .engine import Sources

    root = Path(root)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir(root)
    entries = []
    sources = Sources(frames={}, formats={})
    for name, ds in params.datasets.items():
        entry = {"name": name, "format": ds.format, "path": ds.path, "release": None, "files": [], "rows": {},
                 "months": _months_summary([]), "validation": "ok", "ok": True, "warnings": [], "absent": False}
        sources.formats[name] = ds.format
        try:
            loaded = load_dataset(name, params, root, cache_dir)
        except Exception as exc:  # noqa: BLE001 - a report: say what went wrong and carry on
            entry["validation"] = _error_text(exc)
            entry["ok"] = False
            entry["absent"] = isinstance(exc, DatasetAbsent)
            sources.unavailable[name] = absent_reason(name, exc)
        else:
            summary = loaded.summary()
            entry.update({k: summary[k] for k in ("release", "files", "rows", "months", "warnings")})
            if "casualties" in loaded.frames and len(loaded.frames["casualties"]):
                entry["killed_or_seriously_injured"] = killed_or_seriously_injured(loaded.frames["casualties"])
            problems = usability_problems(ds.format, loaded.frames, [f["path"] for f in entry["files"]], params,
                                          filtered=True)
            if problems:
                entry["validation"], entry["ok"] = "; ".join(problems), False
            sources.frames[name] = loaded.frames
            sources.files[name] = [f["path"] for f in entry["files"]]
        entries.append(entry)
    for entry in entries:
        stale = _stale_release(entry, entries)
        if stale:
            entry["validation"] = stale if entry["ok"] else f"{entry['validation']}; {stale}"
            entry["ok"] = False
    return {
        "kind": "params",
        "cycle": params.cycle,
        "force": params.area.force,
        "project_root": str(root),
        "datasets": entries,
        **_measures_and_districts(params, sources),
        "ok": all(e["ok"] for e in entries),
    }


def absent_reason(name: str, exc: BaseException) -> str:
    """Why a dataset's measures are not available, for the reader: what is missing and where."""
    if isinstance(exc, DataFileError):
        return f"{exc.problem} (looked in {exc.file})"
    return f"dataset '{name}' could not be read: {_error_text(exc)}"


def _measures_and_districts(params, sources) -> dict:
    """Which measures the data can give (and why not), and the records no district counts."""
    from .engine import (Denominators, coverage_sentences, deprivation_missing_reason, district_coverage,
                         measure_availability)

    denominators = Denominators(sources, params)
    deprivation = deprivation_missing_reason(sources)
    measures = []
    for measure_id, measure in params.measures.items():
        reason = measure_availability(measure_id, params, sources)
        notes = []
        if reason is None:
            missing = denominators.missing_reason(measure)
            if missing:
                notes.append(f"counts only: {missing}")
            if deprivation and sources.formats.get(measure.source) == "police_uk_street" \
                    and measure.statistic != "proportion":
                notes.append(f"no deprivation breakdown: {deprivation}")
        measures.append({"id": measure_id, "title": measure.title, "dataset": measure.source,
                         "computable": reason is None, "reason": reason, "notes": notes})
    coverage = district_coverage(sources, params)
    return {"measures": measures, "district_coverage": coverage,
            "district_notes": coverage_sentences(coverage, params.area.force) + [
                f"{name}: no records in the params' district{'s' if len(c['districts_without_records']) > 1 else ''} "
                f"{', '.join(c['districts_without_records'])}: district names must be written as the local "
                "authority names in the data"
                for name, c in coverage.items() if c["districts_without_records"]]}


# How far behind the newest dataset a release may end before it is "much older" (in months): yearly
# STATS19 files come out about nine months after their year, so they lag more than monthly data.
STALE_AFTER_MONTHS = {"stats19": 24}
STALE_DEFAULT_MONTHS = 12


def _stale_release(entry: dict, entries: list[dict]) -> str | None:
    """A release that ends much earlier than the newest of the others (the wrong download kept)."""
    last = entry.get("months", {}).get("last")
    others = [e["months"]["last"] for e in entries if e is not entry and e.get("months", {}).get("last")]
    if not last or not others:
        return None
    newest = max(pd.Period(m, freq="M") for m in others)
    behind = (newest - pd.Period(last, freq="M")).n
    allowed = STALE_AFTER_MONTHS.get(entry["format"], STALE_DEFAULT_MONTHS)
    if behind <= allowed:
        return None
    files = entry.get("files") or []
    where = (files[0]["path"] if isinstance(files[0], dict) else files[0]) if files else entry.get("path")
    return (f"{where}: this release ends in {last}, {behind} months before the newest of the other datasets "
            f"({newest}); expected a release ending within {allowed} months of it (is an older download "
            "still in the folder?)")


def usability_problems(fmt: str, frames: dict, files: list[str], params, *, filtered: bool,
                       forces: dict | None = None) -> list[str]:
    """A dataset that loads but cannot serve its measures: a STATS19 download with no casualty file or
    no collisions for the force's code; police.uk files with no rows for the force. `filtered`: the
    rows were filtered to the params' force when loading (so none left means none for the force);
    otherwise `forces` (force -> rows) says whose rows they are, and the force checks need params."""
    from ..datasets.names import normalise_force

    where = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "") if files else fmt
    problems = []
    if fmt == "stats19":
        casualties = frames.get("casualties")
        if casualties is None or not len(casualties.columns):
            problems.append(f"{where}: STATS19 collisions with no casualty file; expected the casualty file of "
                            "the same year (dft-road-casualty-statistics-casualty-YYYY.csv) beside it: casualty "
                            "measures (killed or seriously injured) count casualties")
        code = params.area.stats19_police_force if params is not None else None
        collisions = frames.get("collisions")
        if code is not None and collisions is not None:
            if filtered and not len(collisions):
                problems.append(f"{where}: no collisions for police_force {code} (the params' "
                                "area.stats19_police_force)")
            elif not filtered and forces and str(code) not in forces:
                problems.append(f"{where}: no collisions for police_force {code} (the params' "
                                f"area.stats19_police_force); the files have police_force "
                                f"{', '.join(sorted(forces))}")
    elif fmt.startswith("police_uk_") and params is not None:
        frame = next(iter(frames.values()), None)
        if filtered and frame is not None and not len(frame):
            problems.append(f"{where}: no rows for {params.area.force} (the params' area.force)")
        elif not filtered and forces and not any(normalise_force(k) == normalise_force(params.area.force)
                                                 for k in forces):
            problems.append(f"{where}: no rows for {params.area.force} (the params' area.force); the rows are "
                            f"for {', '.join(sorted(forces))}")
    return problems


def _by_month(df: pd.DataFrame) -> dict[str, int]:
    if "month" not in df.columns or not len(df):
        return {}
    counts = df["month"].value_counts(dropna=False).sort_index()
    return {("(no month)" if pd.isna(k) else str(k)): int(v) for k, v in counts.items()}


def _by_category(table: str, df: pd.DataFrame) -> dict[str, dict[str, int]]:
    out = {}
    for col in CATEGORY_COLUMNS.get(table, []):
        if col not in df.columns or not len(df):
            continue
        counts = df[col].value_counts(dropna=False)
        if col in ("casualty_severity", "collision_severity"):
            counts = counts.sort_index()
            out[col] = {SEVERITY.get(int(k), str(k)) if not pd.isna(k) else "(blank)": int(v)
                        for k, v in counts.items()}
        else:
            out[col] = {("(blank)" if pd.isna(k) else str(k)): int(v) for k, v in counts.items()}
    return out


def _forces(fmt: str, loaded: LoadedDataset) -> dict[str, int]:
    for table, df in loaded.frames.items():
        col = FORCE_COLUMNS.get(table)
        if col and col in df.columns and len(df):
            return {str(k): int(v) for k, v in df[col].value_counts(dropna=False).items()}
    return {}


def _file_formats(paths: list[Path]) -> tuple[list[dict], list]:
    files, sources = [], []
    for source in sources_from_paths(paths):
        sources.append(source)
        entry = {"path": source.label, "format": None, "table": None}
        try:
            found = sniff(source)
            if found.empty:
                entry["problem"] = "the file is empty"
            elif found.match is None:
                entry["problem"] = "the header row does not match any dataset format"
            else:
                entry["format"], entry["table"] = found.match.spec.format, found.match.spec.table
        except Exception as exc:  # noqa: BLE001
            entry["problem"] = _error_text(exc)
        m = police_uk_name(source)
        if m:
            entry["police_uk_force"] = m.group("slug").lower()
        files.append(entry)
    return files, sources


def describe_paths(paths: list[str | Path], params=None, *, params_given: bool = False) -> dict:
    """What is in these files, folders or zips: format, rows by month and category, forces, validation.

    Rows are not filtered to the params' force (a download may be for another force); the report says
    which forces the rows are for. Known forces and areas come from the params. With `params_given`
    (the analyst named a params file: these are its cycle's files) files with nothing for its force, and
    a release much older than the others, are problems; otherwise notes."""
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        return {"kind": "paths", "paths": [str(p) for p in paths], "files": [], "datasets": [],
                "ok": False, "problems": [f"{m}: the file or folder does not exist" for m in missing]}
    try:
        files, sources = _file_formats(paths)
    except DataFileError as exc:
        return {"kind": "paths", "paths": [str(p) for p in paths], "files": [], "datasets": [], "ok": False,
                "problems": [str(exc)]}
    formats = sorted({f["format"] for f in files if f["format"]}, key=list(FORMATS).index)
    datasets = []
    problems = [f"{f['path']}: {f['problem']}" for f in files if f.get("problem")]
    for fmt in formats:
        entry = {"format": fmt, "files": [f["path"] for f in files if f["format"] == fmt], "rows": {},
                 "months": _months_summary([]), "by_month": {}, "by_category": {}, "forces": {},
                 "validation": "ok", "ok": True, "warnings": []}
        try:
            chosen = [s for s, f in zip(sources, files) if f["format"] == fmt]
            loaded = load_source_list(fmt, chosen, params, filter_force=False, hashes=False)
        except Exception as exc:  # noqa: BLE001
            entry["validation"] = _error_text(exc)
            entry["ok"] = False
        else:
            entry["rows"] = dict(loaded.rows)
            entry["months"] = _months_summary(loaded.months, month_step(fmt), months_by_force(loaded.frames))
            entry["by_month"] = {t: _by_month(df) for t, df in loaded.frames.items() if "month" in df.columns}
            entry["by_category"] = {t: c for t, df in loaded.frames.items() if (c := _by_category(t, df))}
            entry["forces"] = _forces(fmt, loaded)
            entry["warnings"] = list(loaded.warnings)
            if "casualties" in loaded.frames and len(loaded.frames["casualties"]):
                entry["killed_or_seriously_injured"] = killed_or_seriously_injured(loaded.frames["casualties"])
            unusable = usability_problems(fmt, loaded.frames, entry["files"], params if params_given else None,
                                          filtered=False, forces=entry["forces"])
            if params is not None:
                others = _other_force_warnings(fmt, entry, files, params)
                if params_given:    # the force checks of usability_problems say the rest
                    unusable += [f"{', '.join(entry['files'][:3])}: {w}" for w in others
                                 if w.startswith("these files are for")]
                else:
                    entry["warnings"] += others
            if unusable:
                entry["validation"], entry["ok"] = "; ".join(dict.fromkeys(unusable)), False
        datasets.append(entry)
    for entry in datasets:
        stale = _stale_release(entry, datasets)
        if stale and not params_given:     # files checked together, not said to be one cycle's: a note
            entry["warnings"].append(stale)
        elif stale:
            entry["validation"] = stale if entry["ok"] else f"{entry['validation']}; {stale}"
            entry["ok"] = False
    return {"kind": "paths", "paths": [str(p) for p in paths], "files": files, "datasets": datasets,
            "problems": problems, "ok": not problems and all(d["ok"] for d in datasets)}


def _other_force_warnings(fmt: str, entry: dict, files: list[dict], params) -> list[str]:
    from ..datasets.names import normalise_force

    area = params.area
    if fmt.startswith("police_uk_"):
        slugs = {f.get("police_uk_force") for f in files if f["format"] == fmt} - {None}
        if slugs and area.police_uk_slug not in slugs:
            return [f"these files are for {', '.join(sorted(slugs))}, not the params' force ({area.police_uk_slug})"]
        forces = entry["forces"]
        if forces and not any(normalise_force(k) == normalise_force(area.force) for k in forces):
            return [f"no rows for the params' force ({area.force})"]
    if fmt == "stats19" and entry["forces"]:
        if str(area.stats19_police_force) not in entry["forces"]:
            return [f"no collisions for the params' police_force code ({area.stats19_police_force}); "
                    f"the files have {', '.join(sorted(entry['forces']))}"]
    return []


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

def _months_text(months: dict) -> str:
    if not months or not months.get("count"):
        return "-"
    text = months["first"] if months["first"] == months["last"] else f"{months['first']} to {months['last']}"
    if months.get("missing"):
        text += f" ({len(months['missing'])} missing)"
    return text


def _missing_lines(months: dict) -> list[str]:
    """The months missing between the first and last, named: overall, then per force where they differ."""
    lines = []
    if months and months.get("missing"):
        n = len(months["missing"])
        listed = f": {', '.join(months['missing'])}" if n <= 6 else " months"
        lines.append(f"months missing: {months['missing_text']} ({n}{listed})")
    for force, gap in (months or {}).get("missing_by_force", {}).items():
        lines.append(f"months missing for {force} (data {gap['first']} to {gap['last']}): {gap['missing_text']} "
                     f"({len(gap['missing'])})")
    return lines


def _rows_text(rows: dict) -> str:
    if not rows:
        return "-"
    if len(rows) == 1:
        return f"{next(iter(rows.values())):,}"
    return ", ".join(f"{k} {v:,}" for k, v in rows.items())


def format_report(report: dict, width: int = 110) -> str:
    """A report from describe_params_datasets or describe_paths as readable text."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False,
                      soft_wrap=False)
    if report.get("kind") == "params":
        console.print(f"Datasets of cycle {report['cycle']} ({report['force']})\n")
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("dataset", no_wrap=True)
        table.add_column("format", no_wrap=True)
        table.add_column("rows", justify="right", max_width=36)
        table.add_column("months", no_wrap=True)
        table.add_column("check", no_wrap=True)
        for d in report["datasets"]:
            table.add_row(d["name"], d["format"], _rows_text(d["rows"]), _months_text(d["months"]),
                          "ok" if d["ok"] else "ABSENT" if d.get("absent") else "PROBLEM")
        console.print(table)
        console.print("Releases used:")
        for d in report["datasets"]:
            files = d.get("files") or []
            size = sum(f.get("size") or 0 for f in files)
            what = d["release"] or d["path"]
            if files:
                what += f" [{len(files)} file{'s' if len(files) != 1 else ''}, {size / 1e6:,.1f} MB]"
            console.print(f"  {d['name']}: {what}")
        for d in report["datasets"]:
            if not d["ok"]:
                console.print(f"\n{'ABSENT' if d.get('absent') else 'PROBLEM'} in {d['name']}: {d['validation']}")
        gaps = [(d["name"], line) for d in report["datasets"] for line in _missing_lines(d.get("months"))]
        if gaps:
            console.print("\nMonths missing (windows that include them are counted as published but not "
                          "compared or given a status):")
            for name, line in gaps:
                console.print(f"  {name}: {line}")
        notes = [(d["name"], w) for d in report["datasets"] for w in d.get("warnings", [])]
        if notes:
            console.print("\nNotes:")
            for name, w in notes:
                console.print(f"  {name}: {w}")
        if report.get("measures"):
            n_ok = sum(m["computable"] for m in report["measures"])
            console.print(f"\nMeasures: {n_ok} of {len(report['measures'])} computable from these datasets")
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
            table.add_column("measure", no_wrap=True)
            table.add_column("dataset", no_wrap=True)
            table.add_column("computable", no_wrap=True)
            table.add_column("why not, or what is missing", overflow="fold")
            for m in report["measures"]:
                table.add_row(m["id"], m["dataset"], "yes" if m["computable"] else "NO",
                              m["reason"] or "; ".join(m["notes"]))
            console.print(table)
        if report.get("district_notes"):
            console.print("Districts:")
            for text in report["district_notes"]:
                console.print(f"  {text}")
    else:
        console.print("Files checked: " + ", ".join(report["paths"]))
        for problem in report.get("problems", []):
            console.print(f"PROBLEM {problem}")
        for d in report["datasets"]:
            console.print(f"\n{d['format']}: {len(d['files'])} file{'s' if len(d['files']) != 1 else ''}, rows "
                          f"{_rows_text(d['rows'])}, months {_months_text(d['months'])} - "
                          f"{'ok' if d['ok'] else 'PROBLEM'}")
            if not d["ok"]:
                console.print(d["validation"])
                if not d["rows"]:      # it did not load; a dataset that loaded but is unusable shows its rows
                    continue
            if d.get("killed_or_seriously_injured") is not None:
                console.print(f"killed or seriously injured: {d['killed_or_seriously_injured']:,}")
            if d["forces"]:
                console.print("forces: " + ", ".join(f"{k} ({v:,})" for k, v in list(d["forces"].items())[:10]))
            for w in d.get("warnings", []):
                console.print(f"note: {w}")
            for line in _missing_lines(d["months"]):
                console.print(line)
            by_month = {f: m for f, m in d["by_month"].items() if m}
            if by_month:
                months = sorted({m for counts in by_month.values() for m in counts})
                table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
                table.add_column("month")
                for frame in by_month:
                    table.add_column(f"{frame} rows", justify="right")
                for m in months:
                    table.add_row(m, *[f"{by_month[f].get(m, 0):,}" for f in by_month])
                console.print(table)
            for frame, columns in d["by_category"].items():
                for column, counts in columns.items():
                    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
                    table.add_column(f"{frame} by {column}", overflow="fold")
                    table.add_column("rows", justify="right")
                    for k, n in counts.items():
                        table.add_row(k, f"{n:,}")
                    console.print(table)
    console.print("\nAll files pass validation." if report["ok"] else "\nSome files have problems (see above).")
    return buffer.getvalue()


def _project_root(params_path: Path) -> Path:
    for folder in [params_path.resolve().parent, *params_path.resolve().parents]:
        if (folder / "build.py").exists() or (folder / "pyproject.toml").exists():
            return folder
    return Path.cwd()


def run_data_command(args_paths: list[str], params_path: str | Path, as_json: bool,
                     project_root: str | Path | None = None, params_given: bool = False) -> int:
    """`build.py data`: print the report (text or JSON). Exit code 0 if all is well, 1 if a file has a
    problem, 2 if the params file cannot be read."""
    from ..params import load_params

    params_path = Path(params_path)
    try:
        params = load_params(params_path)
    except NeedsAssessmentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args_paths:
        report = describe_paths(args_paths, params, params_given=params_given)
    else:
        root = Path(project_root) if project_root is not None else _project_root(params_path)
        report = describe_params_datasets(params, root)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report), end="")
    return 0 if report["ok"] else 1
