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
from .store import RESULTS_FILE, save_map_geography, save_measure_results
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


def measures_key(params: Params, data_manifest: dict, code_hash: str) -> str:
    relevant = params.model_dump(include={"area", "period_end", "baseline", "suppression_threshold",
                                          "confidence_level", "measures", "datasets"})
    files = {n: [f[FILE_HASH] for f in d["files"]] for n, d in data_manifest.items()}
    return sha256_bytes(stable_json({"params": relevant, "files": files, "code": code_hash}).encode())


def run_measures_stage(params: Params, root: Path, build_dir: Path, cache_dir: Path,
                       code_hash: str, force: bool = False, jobs: int | None = None) -> tuple[dict, str, bool]:
    """Load the data and compute every measure, unless the cached results match. Returns
    (data manifest, measures key, whether it was computed)."""
    cache = DatasetCache(cache_dir)
    data_manifest, releases = resolve_data(params, root, cache)
    key = measures_key(params, data_manifest, code_hash)
    results_path = build_dir / RESULTS_FILE
    key_path = results_path.with_suffix(".key")
    manifest_path = build_dir / "data-manifest.json"
    if (not force and results_path.exists() and key_path.exists() and manifest_path.exists()
            and key_path.read_text() == key):
        return json.loads(manifest_path.read_text())["datasets"], key, False
    frames, formats, unavailable, files = {}, {}, {}, {}
    for name, ds in params.datasets.items():
        formats[name] = ds.format
        if name not in releases:
            unavailable[name] = data_manifest[name]["not_available"]
            continue
        loaded = load_release(releases[name], params, root, cache)
        frames[name] = loaded.frames
        files[name] = [f.path for f in loaded.files]
        data_manifest[name].update(loaded.summary())
    sources = Sources(frames=frames, formats=formats, unavailable=unavailable, files=files)
    results = compute_measures(params, sources, jobs=jobs or os.cpu_count())
    for name, coverage in district_coverage(sources, params).items():
        data_manifest[name]["district_coverage"] = coverage
    save_measure_results(build_dir, results, area_profile(sources, params))
    save_map_geography(build_dir, map_availability(sources, params))
    manifest_path.write_text(json.dumps({"datasets": data_manifest}, indent=2, default=str))
    key_path.write_text(key)
    return data_manifest, key, True
