"""The registry: from a dataset named in the params file to its files, its release, and its frames.

`resolve_dataset` finds the files under the dataset's `path` (a folder, a glob or a zip), keeps those
whose header is of the dataset's format, and picks the release to use:

* police.uk (`monthly`): each zip, and each unpacked folder of YYYY-MM month folders, is a download;
  the latest download (by the last month it covers) is used. Files for other forces are skipped.
* STATS19 and ONS LSOA population (`yearly`): one file per year (and per table); all are used.
* boundaries (`pieces`): one file per authority or region, parts of one geography; all are used.
* everything else (`single`): several files are releases of one table; the one with the latest date
  in its name is used.

`load_dataset` reads the release's files (through the cache, see cache.py) into a `LoadedDataset`.
"""

from __future__ import annotations

import glob as globlib
import hashlib
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

import pandas as pd

from ..common.errors import DataFileError, DatasetAbsent
from ..common.hashing import FILE_HASH, hash_file
from .cache import STORAGE, SUFFIX, DatasetCache, StreamedColumns, digest
from .formats import FORMATS, release_kind
from .loaders import (LOADER_VERSION, LoadContext, combine, keeps_rows_as_read, loader_code_hash, month_in_name,
                      parse_sources, police_uk_name, sources_from_paths)
from .readers import Source, sniff
from ..common.months import missing_months, months_phrase

POLICE_UK_KINDS = {"police_uk_street": "street", "police_uk_outcomes": "outcomes",
                   "police_uk_stop_search": "stop-and-search"}


@dataclass(frozen=True)
class SourceFile:
    """A file the build read: for the manifest."""

    path: str
    hash: str | None        # BLAKE3 (FILE_HASH); None when loaded without hashing (load_paths(hashes=False))
    size: int

    def as_dict(self) -> dict:
        return {"path": self.path, FILE_HASH: self.hash, "size": self.size}


@dataclass
class Release:
    dataset: str
    format: str
    path: str                      # the dataset's path in the params file
    description: str
    files: list[SourceFile]
    sources: list[Source] = field(repr=False, default_factory=list)
    skipped: list[str] = field(default_factory=list)   # files present but not used, and why

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "format": self.format, "path": self.path,
                "description": self.description, "files": [f.as_dict() for f in self.files],
                "skipped": list(self.skipped)}


@dataclass
class LoadedDataset:
    name: str
    format: str
    release: str                               # the release description
    files: list[SourceFile]
    frames: dict[str, pd.DataFrame]
    rows: dict[str, int]
    months: list[pd.Period]                    # distinct months covered, sorted (empty if none)
    warnings: list[str] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        """The main frame (the only one, or STATS19's collisions)."""
        return next(iter(self.frames.values()))

    @property
    def first_month(self) -> pd.Period | None:
        return self.months[0] if self.months else None

    @property
    def last_month(self) -> pd.Period | None:
        return self.months[-1] if self.months else None

    def summary(self) -> dict:
        return {
            "name": self.name, "format": self.format, "release": self.release,
            "files": [f.as_dict() for f in self.files], "rows": dict(self.rows),
            "months": _months_summary(self.months, month_step(self.format), months_by_force(self.frames)),
            "warnings": list(self.warnings),
        }


QUARTERLY = ("home_office_prc_csp", "home_office_prc_pfa")
# The column naming the force in each table that has one: months are missing per force.
FORCE_COLUMNS = {"street": "falls_within", "outcomes": "falls_within", "collisions": "police_force",
                 "offences": "force_name", "calls": "force_name"}


def month_step(fmt: str) -> int:
    """Months between a format's expected months: 3 for the quarterly Home Office tables, else 1."""
    return 3 if fmt in QUARTERLY else 1


def _months_summary(months: list[pd.Period], step: int = 1,
                    by_force: dict[str, list[pd.Period]] | None = None) -> dict:
    """First, last and number of months, and the months missing between (every `step` months):
    as a list, in words ("March 2019 to December 2021"), and per force where forces differ."""
    if not months:
        return {"first": None, "last": None, "count": 0, "missing": [], "missing_text": "",
                "missing_by_force": {}}
    missing = missing_months(months, step)
    per_force = {}
    for force, present in (by_force or {}).items():
        gaps = missing_months(present, step)
        if gaps and (len(by_force) > 1 or gaps != missing):
            per_force[force] = {"first": str(min(present)), "last": str(max(present)),
                                "missing": [str(m) for m in gaps], "missing_text": months_phrase(gaps, step)}
    return {"first": str(months[0]), "last": str(months[-1]), "count": len(months),
            "missing": [str(m) for m in missing], "missing_text": months_phrase(missing, step),
            "missing_by_force": per_force}


def months_by_force(frames: dict[str, pd.DataFrame]) -> dict[str, list[pd.Period]]:
    """The months each force has rows for, from the first table with months and a force column
    (police.uk street or outcomes, STATS19 collisions, Home Office tables). Empty when no table
    names forces (stop and search: one force per file; indicators)."""
    for table, df in frames.items():
        column = FORCE_COLUMNS.get(table)
        if column and column in df.columns and "month" in df.columns and len(df):
            grouped = df.dropna(subset=["month"]).groupby(column, observed=True)["month"].unique()
            return {str(force): sorted(months) for force, months in grouped.items() if len(months)}
    return {}


# --------------------------------------------------------------------------------------------
# Resolving
# --------------------------------------------------------------------------------------------

def _expand(root: Path, path: str) -> list[Path]:
    full = root / path
    if any(ch in path for ch in "*?["):
        return sorted(Path(p) for p in globlib.glob(str(full), recursive=True))
    return [full] if full.exists() else []


def default_cache_dir(project_root: str | Path) -> Path:
    return Path(project_root) / ".cache" / "datasets"


EMPTY = "(empty)"


def detect_source_format(source: Source, cache: DatasetCache) -> str | None:
    """The format of a source from its header (memoised by path, size and time): a format name,
    EMPTY for an empty file, or None when the header is of no known format."""
    cid = cache.stat_id(source)
    known, fmt = cache.known_format(cid)
    if known:
        return fmt
    try:
        found = sniff(source)
        fmt = EMPTY if found.empty else found.format
    except DataFileError:
        fmt = None
    cache.remember_format(cid, fmt)
    return fmt


def select_sources(fmt: str, sources: list[Source], ctx: LoadContext, cache: DatasetCache,
                   strict_names: bool = False) -> tuple[list[Source], list[str]]:
    """The sources of format `fmt` (and of the force, for police.uk), and notes on the others."""
    chosen, notes = [], []
    other_forces: set[str] = set()
    police = fmt in POLICE_UK_KINDS
    for s in sources:
        m = police_uk_name(s)
        if police and m and ctx.filter_force and ctx.force_slug and m.group("slug").lower() != ctx.force_slug.lower():
            other_forces.add(m.group("slug").lower())
            continue
        detected = detect_source_format(s, cache)
        if detected == fmt:
            chosen.append(s)
        elif detected in (None, EMPTY):
            # Empty or unrecognised: if it is meant to be this dataset, loading it says what is wrong.
            # (A file named for this police.uk kind is; so is an empty file or, unless the dataset's path
            # is a folder that may hold other files, any file the path names.)
            named_kind = m.group("kind").lower() if m else None
            if police:
                if named_kind == POLICE_UK_KINDS[fmt]:
                    chosen.append(s)
            elif detected == EMPTY or not strict_names:
                chosen.append(s)
            else:
                notes.append(f"{s.label}: skipped, its header is of no known format")
    if other_forces:
        notes.append(f"files for other forces skipped: {', '.join(sorted(other_forces))}")
    return chosen, notes


def _download_unit(source: Source) -> str:
    """The download a police.uk file belongs to: its zip, or the folder holding its month folder."""
    if source.member is not None:
        return str(source.path)
    parent = source.path.parent
    if re.fullmatch(r"\d{4}-\d{2}", parent.name):
        parent = parent.parent
    return str(parent)


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"], start=1)}


def date_in_name(name: str) -> tuple[int, int, int] | None:
    """The latest date written in a file name: 2024-03-31, 20240331, 2024-03, mar2024, march-24, 300724, 2024."""
    stem = PurePosixPath(name).stem.lower()
    found: list[tuple[int, int, int]] = []
    def ok(y, m, d=1):
        try:
            date(y, m, d)
            return 1990 <= y <= 2100
        except ValueError:
            return False
    for m in re.finditer(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)", stem):
        y, mo, d = map(int, m.groups())
        if ok(y, mo, d):
            found.append((y, mo, d))
    for m in re.finditer(r"(?<!\d)(\d{4})[-_.](\d{2})(?![-_.]?\d)", stem):
        y, mo = map(int, m.groups())
        if ok(y, mo):
            found.append((y, mo, 0))
    for m in re.finditer(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_ ]?(\d{4}|\d{2})(?!\d)", stem):
        y = int(m.group(2))
        y = y + 2000 if y < 100 else y
        if ok(y, _MONTHS[m.group(1)]):
            found.append((y, _MONTHS[m.group(1)], 0))
    for m in re.finditer(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)", stem):
        d, mo, y = map(int, m.groups())
        if ok(2000 + y, mo, d):
            found.append((2000 + y, mo, d))
    if not found:
        for m in re.finditer(r"(?<!\d)((?:19|20)\d{2})(?!\d)", stem):
            found.append((int(m.group(1)), 0, 0))
    return max(found) if found else None


def resolve_dataset(name: str, params, project_root: str | Path, *, cache: DatasetCache | None = None,
                    filter_force: bool = True, hashes: bool = True) -> Release:
    """The release of dataset `name` (from params.datasets): which files, and which of several to use."""
    root = Path(project_root)
    if name not in params.datasets:
        raise KeyError(f"no dataset '{name}' in the params file (known: {', '.join(params.datasets)})")
    ds = params.datasets[name]
    fmt = ds.format
    if fmt not in FORMATS:
        raise DataFileError(ds.path, f"dataset '{name}' has the format '{fmt}', which this build does not know",
                            expected="one of " + ", ".join(FORMATS))
    cache = cache or DatasetCache(default_cache_dir(root))
    ctx = LoadContext.from_params(params, filter_force=filter_force)
    paths = _expand(root, ds.path)
    if not paths:
        raise DatasetAbsent(ds.path, f"no files found for dataset '{name}'",
                            expected=f"a folder, glob or zip under {root} holding {fmt} files"
                                     + (" (for the demonstration data, run `python build.py demo-data`)"
                                        if getattr(params, "demonstration", False) else
                                        " (data/README.md says where to download them)"))
    sources = sources_from_paths(paths, display_root=root)
    chosen, notes = select_sources(fmt, sources, ctx, cache, strict_names=(root / ds.path).is_dir())
    if not chosen and fmt in POLICE_UK_KINDS and any(n.startswith("files for other forces") for n in notes):
        others = next(n for n in notes if n.startswith("files for other forces")).split(": ", 1)[1]
        raise DatasetAbsent(ds.path, f"no police.uk {POLICE_UK_KINDS[fmt]} files for the params' force "
                                     f"'{ctx.force_slug}' (area.police_uk_slug); the files found are for: {others}",
                            expected=f"files named YYYY-MM-{ctx.force_slug}-{POLICE_UK_KINDS[fmt]}.csv, or a "
                                     "police_uk_slug that matches the download")
    if not chosen:
        raise DataFileError(ds.path, f"none of the files found for dataset '{name}' is in the format {fmt}",
                            expected=f"{FORMATS[fmt][0].label} (recognised from its header row)",
                            found=", ".join(s.label for s in sources[:5]) + (" ..." if len(sources) > 5 else ""))
    kind = release_kind(fmt)
    if kind == "monthly":
        chosen, description, skipped = _pick_download(chosen, root)
    elif kind == "yearly":
        description, skipped = _describe_yearly(fmt, chosen), []
    elif kind == "pieces":
        labels = list(dict.fromkeys(s.label for s in chosen))
        description = (labels[0] if len(labels) == 1 else
                       f"{', '.join(labels[:-1])} and {labels[-1]}, parts of one geography")
        skipped = []
    else:
        chosen, description, skipped = _pick_single(chosen, cache)
    files = _files(chosen, cache, root, hashes=hashes)
    cache.save()
    return Release(name, fmt, ds.path, description, files, chosen, notes + skipped)


def _files(sources: list[Source], cache: DatasetCache, root: Path | None, hashes: bool = True) -> list[SourceFile]:
    seen: dict[Path, SourceFile] = {}
    for s in sources:
        if s.path not in seen:
            label = s.label.split("/" + s.member)[0] if s.member else s.label
            if root is not None:
                try:
                    label = Path(os.path.abspath(s.path)).relative_to(os.path.abspath(root)).as_posix()
                except ValueError:
                    label = str(s.path)
            file_hash = cache.file_hash(s.path) if hashes else None
            seen[s.path] = SourceFile(label, file_hash, s.path.stat().st_size)
            if s.member is None and s.suffix == ".shp":    # a shapefile is read with the files beside it
                from .boundaries import shapefile_parts
                for part in shapefile_parts(s.path):
                    seen[part] = SourceFile(label[: -len(".shp")] + part.suffix,
                                            cache.file_hash(part) if hashes else None, part.stat().st_size)
    return list(seen.values())


def _pick_download(sources: list[Source], root: Path) -> tuple[list[Source], str, list[str]]:
    units: dict[str, list[Source]] = {}
    for s in sources:
        units.setdefault(_download_unit(s), []).append(s)

    def months(unit):
        return sorted({m for m in (month_in_name(s) for s in units[unit]) if m is not None})

    def key(unit):
        ms = months(unit)
        last = ms[-1].ordinal if ms else -10**9
        return (last, len(ms), not unit.lower().endswith(".zip"), unit)

    ordered = sorted(units, key=key, reverse=True)
    best = ordered[0]
    skipped = [f"{_short(u, root)}: an older or overlapping police.uk download (the latest is used)"
               for u in ordered[1:]]
    ms = months(best)
    where = _short(best, root)
    if ms:
        description = f"police.uk {ms[0]} to {ms[-1]} ({len(ms)} month{'s' if len(ms) != 1 else ''}), {where}"
    else:
        description = f"police.uk files in {where}"
    return units[best], description, skipped


def _short(unit: str, root: Path) -> str:
    """A path relative to the project root (as the manifest shows it)."""
    try:
        return Path(os.path.abspath(unit)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return unit


def _describe_yearly(fmt: str, sources: list[Source]) -> str:
    years = sorted({int(y) for s in sources for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", s.name)[-1:]})
    what = "DfT STATS19" if fmt == "stats19" else "ONS population by LSOA"
    span = (f"{years[0]}" if len(years) == 1 else f"{years[0]} to {years[-1]}") if years else "years in the files"
    return f"{what}, {span} ({len(sources)} file{'s' if len(sources) != 1 else ''})"


def _pick_single(sources: list[Source], cache: DatasetCache) -> tuple[list[Source], str, list[str]]:
    by_file: dict[Path, list[Source]] = {}
    for s in sources:
        by_file.setdefault(s.path, []).append(s)
    if len(by_file) == 1:
        only = next(iter(by_file.values()))
        return only, only[0].label.split("/" + only[0].member)[0] if only[0].member else only[0].label, []
    dated = {p: date_in_name(p.name) for p in by_file}
    best_key = max((d for d in dated.values() if d is not None), default=None)
    best = [p for p, d in dated.items() if d == best_key] if best_key is not None else list(by_file)
    if len(best) > 1:
        hashes = {cache.file_hash(p) for p in best}
        labels = " and ".join(by_file[p][0].label for p in best)
        if len(hashes) == 1:
            raise DataFileError(by_file[best[1]][0].label, f"this file has the same content as "
                                                           f"{by_file[best[0]][0].label}",
                                expected="each release once: remove the duplicated file (a duplicated release)")
        raise DataFileError(by_file[best[0]][0].label,
                            f"cannot tell which of {labels} is the latest release",
                            expected="the release date in the file names (e.g. prc-csp-2024-06.csv), or only one file")
    chosen = best[0]
    skipped = [f"{by_file[p][0].label}: an older release (the latest is used)" for p in by_file if p != chosen]
    return by_file[chosen], by_file[chosen][0].label, skipped


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def load_sources(fmt: str, sources: list[Source], ctx: LoadContext, cache: DatasetCache) -> tuple[dict, list[str]]:
    """Parse and combine the sources of one dataset, or read the result from the cache: (frames, warnings).

    When every file's hash is already known (memoised by size and modification time) the cache is
    looked up first. Otherwise the files are hashed while they are parsed (the hash is needed for the
    cache key and the manifest, the parse anyway): a CSV file from the bytes its reader parses, a
    zip or spreadsheet on a thread of its own. For police.uk the cache entry's text columns are
    written, on another thread, as each file is read (cache.StreamedColumns); the entry is named by
    its key, and so used, only once validation has passed."""
    _check_same_content(sources, cache)

    def key_of() -> str:
        source_keys = sorted((cache.content_id(s), s.name, s.label) for s in sources)
        return digest(LOADER_VERSION, loader_code_hash(), STORAGE, fmt, ctx.validation_key(fmt), ctx.filter_key(),
                      *source_keys)

    # the dataset's place in the cache (its files by name): a new entry there replaces the old one
    slot = digest(fmt, ctx.filter_key(), *sorted(os.path.abspath(s.path) + "|" + (s.member or "") for s in sources))

    pending = [p for p in dict.fromkeys(s.path for s in sources) if not cache.has_hash(p)] \
        if cache.directory is not None else []
    if not pending:
        hit = cache.get_frames(key_of())
        if hit is not None:
            cache.save()
            frames, info = hit
            return frames, info.get("warnings", [])
    cache_problems: list[str] = []
    try:
        staging = cache.new_staging()
    except OSError as exc:
        staging = None
        cache_problems.append(_cache_warning(cache, exc))
    streaming = staging is not None and STORAGE == "arrow" and keeps_rows_as_read(fmt, sources, ctx)
    streamed: dict[str, StreamedColumns] = {}
    hashed_by_readers: dict[Path, str] = {}
    csv_files = frozenset(s.path for s in sources if s.member is None and s.suffix == ".csv") & set(pending)

    def on_read(table: str, raw) -> None:
        if raw.file_hash is not None:
            hashed_by_readers[raw.source.path] = raw.file_hash
        if streaming:
            if table not in streamed:
                streamed[table] = StreamedColumns(staging / f"text-{len(streamed)}{SUFFIX}")
            streamed[table].add(raw.table)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as pool:
        hashing = {path: pool.submit(hash_file, path) for path in pending if path not in csv_files}
        try:
            combined = combine(fmt, parse_sources(sources, fmt, ctx, on_read=on_read, hash_paths=csv_files), ctx)
            try:
                staged = cache.stage_frames(combined.frames, {"warnings": combined.warnings}, staging, streamed)
            except OSError as exc:     # the data is loaded: a cache that cannot be written only costs time
                _abandon(staging, streamed)
                staged = None
                cache_problems.append(_cache_warning(cache, exc))
        except BaseException:
            for future in hashing.values():
                future.cancel()
            _abandon(staging, streamed)
            raise
        hashes = {path: future.result() for path, future in hashing.items()}
    hashes.update(hashed_by_readers)
    for path in pending:
        cache.remember_hash(path, hashes[path] if path in hashes else hash_file(path))
    cache.commit(staged, key_of(), slot)
    cache.save()
    return combined.frames, combined.warnings + cache_problems


def _abandon(staging: Path | None, streamed: dict[str, StreamedColumns]) -> None:
    for text in streamed.values():
        text.discard()
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def _cache_warning(cache: DatasetCache, exc: OSError) -> str:
    return (f"the dataset cache could not be written ({exc.strerror or exc}): the data loaded, but the next "
            f"build reads these files again; check the free space and permissions of {cache.directory}")


def _check_same_content(sources: list[Source], cache: DatasetCache) -> None:
    """Two files with the same bytes are a duplicated release. Compared by size, then by the first
    64 KB, and only then by the hash of the whole file."""
    groups: dict[tuple, list[Source]] = {}
    for s in sources:
        groups.setdefault((cache.size(s),), []).append(s)
    for group in list(groups.values()):
        if len(group) < 2:
            continue
        by_head: dict[bytes, list[Source]] = {}
        for s in group:
            by_head.setdefault(hashlib.sha256(s.read_head()).digest(), []).append(s)
        for same_head in by_head.values():
            if len(same_head) < 2:
                continue
            seen: dict[str, Source] = {}
            for s in same_head:
                fp = cache.fingerprint(s)
                if fp in seen:
                    raise DataFileError(s.label, f"this file has the same content as {seen[fp].label}",
                                        expected="each file once: remove the copy (a duplicated release)")
                seen[fp] = s


def _months_of(frames: dict[str, pd.DataFrame]) -> list[pd.Period]:
    months: set = set()
    for df in frames.values():
        if "month" in df.columns and len(df):
            months.update(m for m in df["month"].dropna().unique())
    return sorted(months)


def load_dataset(name: str, params, project_root: str | Path, cache_dir: str | Path | None = None, *,
                 filter_force: bool = True) -> LoadedDataset:
    """Resolve and load dataset `name` of the params file. Raises DataFileError naming any bad file."""
    root = Path(project_root)
    cache = DatasetCache(cache_dir if cache_dir is not None else default_cache_dir(root))
    release = resolve_dataset(name, params, root, cache=cache, filter_force=filter_force, hashes=False)
    return load_release(release, params, root, cache, filter_force=filter_force)


def load_release(release: Release, params, project_root: str | Path, cache: DatasetCache, *,
                 filter_force: bool = True) -> LoadedDataset:
    """Load a release `resolve_dataset` found (the build resolves every dataset first, to know
    whether its measures need computing at all)."""
    root, name = Path(project_root), release.dataset
    ctx = LoadContext.from_params(params, filter_force=filter_force)
    frames, warnings = load_sources(release.format, release.sources, ctx, cache)
    files = _files(release.sources, cache, root)   # hashed while loading: memoised now
    cache.save()
    return LoadedDataset(
        name=name, format=release.format, release=release.description, files=files, frames=frames,
        rows={k: len(v) for k, v in frames.items()}, months=_months_of(frames),
        warnings=list(release.skipped) + list(warnings),
    )


def load_paths(fmt: str, paths, params=None, *, cache_dir: str | Path | None = None,
               filter_force: bool = True, display_root: str | Path | None = None,
               hashes: bool | None = None) -> LoadedDataset:
    """Load every file of format `fmt` under `paths` (files, folders, zips). With params, police.uk and
    STATS19 rows are filtered to the params' force (unless filter_force=False). Files are hashed
    (`hash` in `files`) when a cache directory is given or `hashes=True`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    cache = DatasetCache(cache_dir)
    ctx = LoadContext.from_params(params, filter_force=filter_force and params is not None)
    sources = sources_from_paths(paths, Path(display_root) if display_root else None)
    explicit = _explicit_files(paths)
    chosen, notes = select_sources(fmt, sources, ctx, cache, strict_names=True)
    # A file named explicitly is loaded even if its header is of another format: the loader says so.
    for s in sources:
        if s.member is None and Path(os.path.abspath(s.path)) in explicit and s not in chosen:
            m = police_uk_name(s)
            if not (m and ctx.filter_force and ctx.force_slug and m.group("slug").lower() != ctx.force_slug.lower()):
                chosen.append(s)
    if not chosen:
        names = ", ".join(str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths))
        raise DataFileError(names, f"no {fmt} files found" + (f" ({'; '.join(notes)})" if notes else ""),
                            expected=FORMATS[fmt][0].label)
    return load_source_list(fmt, chosen, params, cache=cache, filter_force=filter_force, hashes=hashes,
                            display_root=display_root, notes=notes)


def load_source_list(fmt: str, sources: list[Source], params=None, *, cache: DatasetCache | None = None,
                     filter_force: bool = True, hashes: bool | None = None,
                     display_root: str | Path | None = None, notes: list[str] | None = None) -> LoadedDataset:
    """Load exactly these sources (files or zip members) as format `fmt`."""
    cache = cache or DatasetCache(None)
    ctx = LoadContext.from_params(params, filter_force=filter_force and params is not None)
    frames, warnings = load_sources(fmt, sources, ctx, cache)
    if hashes is None:
        hashes = cache.directory is not None
    files = _files(sources, cache, Path(display_root) if display_root else None, hashes=hashes)
    return LoadedDataset(name=fmt, format=fmt, release=f"{len(files)} file{'s' if len(files) != 1 else ''}",
                         files=files, frames=frames, rows={k: len(v) for k, v in frames.items()},
                         months=_months_of(frames), warnings=list(notes or []) + warnings)


def _explicit_files(paths) -> set[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return {Path(os.path.abspath(p)) for p in paths if Path(p).is_file() and Path(p).suffix.lower() != ".zip"}
