"""The data and measures stages: resolve each dataset's release, load it, compute every measure.

Both are cached by content: the measures are recomputed only when the params, a data file or the
package code changes, and then the datasets come from the columnar cache (Arrow IPC) unless a file is new.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..common.errors import DatasetAbsent
from ..common.hashing import FILE_HASH, sha256_bytes, stable_json
from ..params import Params
from .engine import Sources, area_profile, compute_measures, district_coverage
from .geography import map_availability
from .store import RESULTS_FILE, load_area_profile, load_measure_results, save_map_geography, save_measure_results
from .areas import all_district_views, area_slug, params_for_area, profile_view
from .engine import optional_frame
from ..datasets.cache import DatasetCache
from .report import absent_reason
from ..datasets.registry import Release, load_release, resolve_dataset


def resolve_data(params: Params, root: Path, cache: DatasetCache) -> tuple[dict, dict[str, Release]]:
    """Which files each dataset uses (latest release), with their hashes; nothing is parsed yet.
    Returns the data manifest and the releases (to load, if the measures must be computed).
    A dataset with no files (DatasetAbsent) is in the manifest as not available, with the reason:
    the measures that read it are published as not available. Any other problem is an error."""
    manifest, releases = {}, {}
    for name, ds in params.datasets.items():
        try:
            releases[name] = release = resolve_dataset(name, params, root, cache=cache)
        except DatasetAbsent as exc:
            manifest[name] = {"dataset": name, "format": ds.format, "path": ds.path, "release": None,
                              "files": [], "skipped": [], "rows": {}, "not_available": absent_reason(name, exc)}
            continue
        entry = release.as_dict()
        entry["release"] = entry.pop("description")
        manifest[name] = entry
    return manifest, releases


# police.uk text columns no measure, map or table reads (unless a measure's filter names one): at
# the largest force's volume they are over a gigabyte the driver and every forked measure worker
# would otherwise hold. The loaders keep them (validation, the cache, `build.py data`).
UNREAD_COLUMNS = {
    ("police_uk_street", "street"): ("crime_id", "context", "location", "reported_by", "last_outcome_category"),
    # the outcomes feed no measure: only the LSOA names (districts) and the months by force are read
    ("police_uk_outcomes", "outcomes"): ("crime_id", "context", "location", "reported_by", "outcome_type",
                                         "longitude", "latitude"),
}


def without_unread_columns(frames: dict, dataset: str, fmt: str, params: Params) -> dict:
    """The dataset's frames for the measures stage: the columns in UNREAD_COLUMNS dropped, except any a
    measure of this dataset filters on."""
    named = {column for m in params.measures.values() if m.source == dataset
             for column in (*m.filter, *m.numerator_filter)}
    out = {}
    for table, frame in frames.items():
        unread = [c for c in UNREAD_COLUMNS.get((fmt, table), ()) if c in frame.columns and c not in named]
        out[table] = frame.drop(columns=unread) if unread else frame
    return out


def measures_key(params: Params, data_manifest: dict, code_hash: str) -> str:
    relevant = params.model_dump(include={"area", "period_end", "baseline", "suppression_threshold",
                                          "confidence_level", "measures", "datasets"})
    files = {n: [f[FILE_HASH] for f in d["files"]] for n, d in data_manifest.items()}
    return sha256_bytes(stable_json({"params": relevant, "files": files, "code": code_hash}).encode())


def run_measures_stage(params: Params, root: Path, build_dir: Path, cache_dir: Path,
                       code_hash: str, force: bool = False, jobs: int | None = None,
                       areas: bool = False) -> tuple[dict, str, bool]:
    """Load the data and compute every measure, unless the cached results match. Returns
    (data manifest, measures key, whether it was computed). With `areas`, every district's view of
    the measures is made in the same pass, from the same loaded data (`areas.py`), into
    `<build_dir>/areas/<district>/`."""
    cache = DatasetCache(cache_dir)
    data_manifest, releases = resolve_data(params, root, cache)
    key = measures_key(params, data_manifest, code_hash)
    results_path = build_dir / RESULTS_FILE
    key_path = results_path.with_suffix(".key")
    manifest_path = build_dir / "data-manifest.json"
    force_current = (not force and results_path.exists() and key_path.exists() and manifest_path.exists()
                     and key_path.read_text() == key)
    if force_current and (not areas or area_views_current(build_dir, params, key)):
        return json.loads(manifest_path.read_text())["datasets"], key, False
    frames, formats, unavailable, files = {}, {}, {}, {}
    for name, ds in params.datasets.items():
        formats[name] = ds.format
        if name not in releases:
            unavailable[name] = data_manifest[name]["not_available"]
            continue
        loaded = load_release(releases[name], params, root, cache)
        frames[name] = without_unread_columns(loaded.frames, name, ds.format, params)
        files[name] = [f.path for f in loaded.files]
        data_manifest[name].update(loaded.summary())
    sources = Sources(frames=frames, formats=formats, unavailable=unavailable, files=files)
    if force_current:     # only the districts' views are missing: the force's results stand
        data_manifest = json.loads(manifest_path.read_text())["datasets"]
        results, profile = load_measure_results(build_dir), load_area_profile(build_dir)
    else:
        results = compute_measures(params, sources, jobs=jobs or os.cpu_count())
        for name, coverage in district_coverage(sources, params).items():
            data_manifest[name]["district_coverage"] = coverage
        profile = area_profile(sources, params)
        save_measure_results(build_dir, results, profile)
        save_map_geography(build_dir, map_availability(sources, params))
        manifest_path.write_text(json.dumps({"datasets": data_manifest}, indent=2, default=str))
        key_path.write_text(key)
    if areas:
        save_area_views(build_dir, params, results, profile, sources, data_manifest, key)
    frames.clear()
    sources = loaded = None      # noqa: F841 (the frames go with them)
    release_memory()
    return data_manifest, key, not force_current


def release_memory() -> None:
    """Hand the loaded frames' memory back to the system once the measures are saved: the chapters'
    kernels run while the driver waits, and freed Arrow buffers otherwise stay resident in the
    driver's allocator (at the largest force's volume, gigabytes)."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):     # not glibc
        pass


AREAS_FOLDER = "areas"


def area_build_dir(build_dir: Path, district: str) -> Path:
    return Path(build_dir) / AREAS_FOLDER / area_slug(district)


def area_views_current(build_dir: Path, params: Params, key: str) -> bool:
    for district in params.area.districts:
        path = area_build_dir(build_dir, district) / RESULTS_FILE
        key_path = path.with_suffix(".key")
        if not (path.exists() and key_path.exists() and key_path.read_text() == key):
            return False
    return (Path(build_dir) / AREAS_FOLDER / "districts.json").exists()


def district_codes(sources: Sources) -> dict[str, str]:
    """District name -> local authority code, from the LSOA population or IMD file (for --areas)."""
    codes: dict[str, str] = {}
    for fmt in ("ons_population_lsoa", "imd_lsoa"):
        frame = optional_frame(sources, fmt)
        if frame is not None and {"lad_code", "lad_name"} <= set(frame.columns):
            pairs = frame[["lad_name", "lad_code"]].dropna().drop_duplicates("lad_name")
            for name, code in zip(pairs["lad_name"], pairs["lad_code"]):
                codes.setdefault(str(name), str(code))
    return codes


def save_area_views(build_dir: Path, params: Params, results: dict, profile, sources: Sources,
                    data_manifest: dict, key: str) -> None:
    """Every district's view of the measures, and `areas/districts.json` (name, folder, code)."""
    codes = district_codes(sources)
    listing = []
    views = all_district_views(results, params, {d: params_for_area(params, d, params.recommendations)
                                                 for d in params.area.districts}, sources)
    for district in params.area.districts:
        folder = area_build_dir(build_dir, district)
        save_measure_results(folder, views[district], profile_view(profile, district))
        # the district's own map: its LSOAs and its outline
        only = params.model_copy(update={"area": params.area.model_copy(update={"districts": [district]})})
        save_map_geography(folder, map_availability(sources, only))
        # where the force's records fall outside its districts is the force's note, not a district's
        own = {n: {k: v for k, v in e.items() if k != "district_coverage"} for n, e in data_manifest.items()}
        (folder / "data-manifest.json").write_text(json.dumps({"datasets": own}, indent=2, default=str))
        (folder / RESULTS_FILE).with_suffix(".key").write_text(key)
        listing.append({"name": district, "slug": area_slug(district), "code": codes.get(district)})
    (Path(build_dir) / AREAS_FOLDER / "districts.json").write_text(json.dumps(listing, indent=2))
