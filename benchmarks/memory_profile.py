"""Where the memory of the data and measures stages goes: each dataset's frames by column
(`DataFrame.memory_usage(deep=True)`), the driver's RSS at each stage boundary, and the largest
forked measure worker's peak RSS.

    memory_profile.py [--scale 3] [--jobs 2] [--cached]

Uses the same generated project as `areas_speed.py` (under `benchmarks/_work/memory/`, its own
copy); the dataset cache is emptied first unless `--cached` (then the second load, from the
memory-mapped cache, is measured). Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import areas_speed  # noqa: E402  (prepare: the same generated project)


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def mb(n: float) -> str:
    return f"{n / 1024 ** 2:,.0f} MB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cached", action="store_true")
    args = parser.parse_args(argv)
    project = areas_speed.WORK.parent / "memory" / "project"
    rows = areas_speed.prepare(project, args.scale)
    print(f"scale {args.scale:g}: {rows.get('street_crime', 0):,} street-level rows", flush=True)

    from needs_assessment.datasets.cache import DatasetCache
    from needs_assessment.datasets.registry import load_release
    from needs_assessment.measures.engine import Sources, compute_measures
    from needs_assessment.measures.stage import resolve_data, without_unread_columns
    from needs_assessment.params import load_params

    cache_dir = project / ".cache" / "datasets"
    if not args.cached:
        shutil.rmtree(cache_dir, ignore_errors=True)
    params = load_params(project / areas_speed.PARAMS)
    cache = DatasetCache(cache_dir)
    print(f"RSS after imports: {mb(rss())}")
    manifest, releases = resolve_data(params, project, cache)
    frames, formats, unavailable, files = {}, {}, {}, {}
    for name, ds in params.datasets.items():
        formats[name] = ds.format
        if name not in releases:
            unavailable[name] = manifest[name]["not_available"]
            continue
        before, started = rss(), time.perf_counter()
        loaded = load_release(releases[name], params, project, cache)
        files[name] = [f.path for f in loaded.files]
        print(f"{name} ({ds.format}): loaded in {time.perf_counter() - started:.1f} s; RSS {mb(rss())} "
              f"(+{mb(rss() - before)}); driver peak {mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}")
        for part, frame in loaded.frames.items():
            usage = frame.memory_usage(deep=True, index=False)
            print(f"  {part}: {len(frame):,} rows, {mb(usage.sum())} as loaded")
        # as the measures stage keeps them
        frames[name] = without_unread_columns(loaded.frames, name, ds.format, params)
        del loaded
        for part, frame in frames[name].items():
            usage = frame.memory_usage(deep=True, index=False)
            print(f"  {part}: {mb(usage.sum())} kept for the measures; RSS {mb(rss())}")
            if usage.sum() > 8 * 1024 ** 2:
                for col, n in usage.sort_values(ascending=False).items():
                    print(f"    {col:<24} {str(frame[col].dtype):<22} {mb(n):>10}  {frame[col].nunique(dropna=True):>9,} distinct")
    sources = Sources(frames=frames, formats=formats, unavailable=unavailable, files=files)
    print(f"all data loaded: RSS {mb(rss())}; driver peak {mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}")
    started = time.perf_counter()
    compute_measures(params, sources, jobs=args.jobs)
    print(f"measures computed in {time.perf_counter() - started:.1f} s: RSS {mb(rss())}; driver peak "
          f"{mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}; largest measure worker peak "
          f"{mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
