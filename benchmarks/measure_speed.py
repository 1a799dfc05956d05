"""How long computing every plan measure takes, against reading the data it is computed from.

Generates a real-size force into benchmarks/_work/measures/ (the demo force at --scale 4: about 25,000
police.uk street-level records a month, as many as a large force publishes; every dataset of the demo
params, for --years years from January 2019, so the params' period_end is moved to the last month),
reusing it when it was generated with the same arguments, then times, in one run:

  1. reading: the project's load_dataset for every dataset of the params, cold (empty dataset cache:
     from the CSV files, hashing them and writing the cache) and warm (from the cache, whose storage,
     Parquet or Arrow IPC, is the project's choice: datasets/cache.py STORAGE);
  2. computing ALL the measures (compute_measures) from the loaded frames, and the area profile;
  3. each measure on its own (the slowest are listed).

It prints the measures' time against the read times as ratios; figures only, no pass or fail.
`--profile N` adds the N costliest functions of compute_measures (cProfile, cumulative time).

    .venv/bin/python benchmarks/measure_speed.py [--scale 4] [--years 3 | --months 36] [--repeat 1]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from needs_assessment.datasets import cache as dataset_cache  # noqa: E402
from needs_assessment.datasets.registry import load_dataset  # noqa: E402
from needs_assessment.demo import generate as demo  # noqa: E402
from needs_assessment.measures.engine import (Denominators, Sources, area_profile,  # noqa: E402
                                              compute_measure, compute_measures)
from needs_assessment.params import load_params  # noqa: E402

WORK = ROOT / "benchmarks" / "_work" / "measures"     # a project root: data/ and .cache/ under it
STAMP = "BENCHMARK-STAMP.txt"
STORE = {"arrow": "Arrow IPC", "parquet": "Parquet"}.get(dataset_cache.STORAGE, dataset_cache.STORAGE)


def period_end_for(months: int) -> str:
    end = pd.Period(demo.FIRST_MONTH, freq="M") + (months - 1)
    return end.strftime("%Y-%m")


def make_data(params, scale: float, seed: int) -> dict:
    """Every dataset of the params under WORK/data/demo, regenerated only if an argument changed."""
    out = WORK / "data" / "demo"
    generator = hashlib.sha256(Path(demo.__file__).read_bytes()).hexdigest()[:16]
    definition = hashlib.sha256(params.model_dump_json().encode()).hexdigest()[:16]
    wanted = f"scale={scale:g} seed={seed} period_end={params.period_end} generator={generator} params={definition}\n"
    stamp = out / STAMP
    if stamp.exists() and stamp.read_text().split("\n", 1)[0] + "\n" == wanted:
        return json.loads(stamp.read_text().split("\n", 1)[1])
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    summary = demo.generate_demo_data(out, params, scale=scale, seed=seed)
    rows = {k: v for k, v in summary["rows"].items() if isinstance(v, int)}
    print(f"generated {rows.get('street_crime', 0):,} street-level rows and every other dataset "
          f"(scale {scale:g}, to {params.period_end}) in {time.perf_counter() - started:.1f} s", flush=True)
    stamp.write_text(wanted + json.dumps(rows))
    return rows


def read_all(params, cache_dir: Path) -> tuple[dict, dict, dict[str, float], dict[str, int]]:
    frames, formats, seconds, rows = {}, {}, {}, {}
    for name in params.datasets:
        started = time.perf_counter()
        loaded = load_dataset(name, params, WORK, cache_dir)
        seconds[name] = time.perf_counter() - started
        frames[name] = loaded.frames
        formats[name] = loaded.format
        rows[name] = sum(loaded.rows.values())
    return frames, formats, seconds, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default=str(ROOT / "params" / "demo-2024.yml"))
    parser.add_argument("--scale", type=float, default=4.0, help="demo data scale (default 4: a large force)")
    span = parser.add_mutually_exclusive_group()
    span.add_argument("--years", type=int, default=None, help="years of data from January 2019 (default 3)")
    span.add_argument("--months", type=int, default=None, help="months of data from January 2019 (at least 13)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each timing (default 1)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print the N costliest functions of compute_measures (cProfile)")
    args = parser.parse_args(argv)
    months = args.months or 12 * (args.years or 3)
    if months < 13:
        parser.error("at least 13 months: the latest 12 months must end after the baseline's first month")

    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5:
        print(f"note: load average {os.getloadavg()[0]:.1f} at the start; other work on this machine skews the figures")
    base = load_params(args.params)
    params = base.model_copy(update={"period_end": period_end_for(months)})
    generated = make_data(params, args.scale, args.seed)
    print(f"data: {WORK.relative_to(ROOT)}/data/demo, {months} months (2019-01 to {params.period_end}), "
          f"scale {args.scale:g}: {generated.get('street_crime', 0):,} street-level rows "
          f"({generated.get('street_crime', 0) / months:,.0f} a month); {len(params.datasets)} datasets, "
          f"{len(params.measures)} measures; best of {args.repeat}", flush=True)

    cache_root = WORK / ".cache"
    cold_runs, warm_runs, measure_runs, profile_runs = [], [], [], []
    frames = formats = rows = None
    for i in range(args.repeat):
        cache_dir = cache_root / f"run{i}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        cache_dir.mkdir(parents=True)
        _, _, cold, rows = read_all(params, cache_dir)
        frames, formats, warm, _ = read_all(params, cache_dir)
        cold_runs.append(cold)
        warm_runs.append(warm)
        sources = Sources(frames=frames, formats=formats)
        started = time.perf_counter()
        results = compute_measures(params, sources)
        measure_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        area_profile(sources, params)
        profile_runs.append(time.perf_counter() - started)
        shutil.rmtree(cache_dir, ignore_errors=True)

    cold = min(cold_runs, key=lambda d: sum(d.values()))
    warm = min(warm_runs, key=lambda d: sum(d.values()))
    cold_s, warm_s = sum(cold.values()), sum(warm.values())
    measures_s, profile_s = min(measure_runs), min(profile_runs)

    print()
    print(f"{'dataset':<22}{'format':<24}{'rows':>12}{'cold s':>9}{'warm s':>9}   (cold: from CSV; warm: from the {STORE} cache)")
    for name in params.datasets:
        print(f"{name:<22}{formats[name]:<24}{rows[name]:>12,}{cold[name]:>9.2f}{warm[name]:>9.2f}")
    print(f"{'read, all datasets':<46}{sum(rows.values()):>12,}{cold_s:>9.2f}{warm_s:>9.2f}")
    print()

    # each measure on its own, with the denominators shared as compute_measures shares them
    sources = Sources(frames=frames, formats=formats)
    denominators = Denominators(sources, params)
    each = {}
    for m in params.measures:
        started = time.perf_counter()
        compute_measure(m, params, sources, denominators)
        each[m] = time.perf_counter() - started
    slowest = sorted(each.items(), key=lambda kv: -kv[1])[:5]
    by_source: dict[str, float] = {}
    for m, s in each.items():
        by_source[params.measures[m].source] = by_source.get(params.measures[m].source, 0.0) + s

    print(f"compute_measures, all {len(results)} measures   {measures_s:7.2f} s   "
          f"{measures_s / cold_s:.2f}x the cold read, {measures_s / warm_s:.2f}x the warm read")
    print(f"area_profile                              {profile_s:7.2f} s")
    print("slowest measures: " + ", ".join(f"{m} {s:.2f} s" for m, s in slowest))
    print("measures' time by source: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                                  sorted(by_source.items(), key=lambda kv: -kv[1])))
    print(f"cold read (CSV) {cold_s:.2f} s, warm read ({STORE} cache) {warm_s:.2f} s: "
          f"the cache reads {cold_s / warm_s:.1f}x as fast")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        compute_measures(params, sources)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.profile)
        print()
        print(f"compute_measures profile (top {args.profile} by cumulative time):")
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:20000])

    print()
    print(f"Summary: all {len(results)} measures computed in {measures_s:.2f} s from "
          f"{rows.get('street_crime', 0):,} street-level rows ({months} months, scale {args.scale:g}) = "
          f"{measures_s / cold_s:.2f}x the cold read ({cold_s:.2f} s from CSV) and "
          f"{measures_s / warm_s:.2f}x the warm read ({warm_s:.2f} s from the {STORE} cache).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
