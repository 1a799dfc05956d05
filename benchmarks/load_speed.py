"""How fast the project's loader reads police.uk street-level crime, against plain pyarrow.

Generates real-size data (the demo force at --scale 4: about 25,000 street-level records a month, as
many as a large force publishes) for --years years into benchmarks/_work/, then times, in one run:

  1. pyarrow.csv.read_csv of every street file, one after another (the floor: parsing only, no checks);
  2. the project's loader without a cache (load_paths: reads, validates, tidies);
  3. the project's loader, first load (load_dataset into an empty cache: also hashes the files and
     writes the cache entry);
  4. the project's loader, second load (from the cache).

It prints rows per second, each load's time against pyarrow's, and the speed-up of the cached load.
It prints figures only: no pass or fail.

    .venv/bin/python benchmarks/load_speed.py [--scale 4] [--years 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

from needs_assessment.datasets import loaders  # noqa: E402
from needs_assessment.datasets.registry import load_dataset, load_paths  # noqa: E402
from needs_assessment.demo import generate as demo  # noqa: E402
from needs_assessment.params import Dataset, load_params  # noqa: E402

WORK = ROOT / "benchmarks" / "_work"
DATASET = "street_crime"


def make_data(params, scale: float, years: int, seed: int) -> Path:
    """police.uk street-level (and outcomes) files for `years` years from January 2019."""
    out = WORK / "data"
    stamp = out / "STAMP.txt"
    wanted = f"scale={scale:g} years={years} seed={seed}\n"
    if stamp.exists() and stamp.read_text() == wanted:
        return out
    if out.exists():
        shutil.rmtree(out)
    period_end = f"{2018 + years}-12"
    started = time.perf_counter()
    geo = demo.build_geography(list(params.area.districts), seed, list(range(2019, 2024)))
    sim = demo.simulate_street(geo, period_end, scale, seed)
    result = demo.write_police_uk(geo, sim, out, params.area.force, params.area.police_uk_slug, period_end, seed)
    stamp.write_text(wanted)
    print(f"generated {result['street_crime']:,} street-level rows ({years} years, scale {scale:g}) "
          f"in {time.perf_counter() - started:.1f} s")
    return out


def street_files(data: Path) -> list[Path]:
    return sorted(data.glob("police-uk/*/*-street.csv"))


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>12,.0f} rows/s  ({seconds:6.3f} s)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default=str(ROOT / "params" / "demo-2024.yml"))
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5, help="best of N for each timing (default 5)")
    args = parser.parse_args(argv)

    params = load_params(args.params)
    data = make_data(params, args.scale, args.years, args.seed)
    files = street_files(data)
    size = sum(f.stat().st_size for f in files)
    print(f"police.uk street-level files: {len(files)} files, {size / 1e6:,.0f} MB, in {data.relative_to(ROOT)}")
    print(f"pyarrow {pa.__version__}, {loaders.cores()} cores, best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.2f}")

    folder = data / "police-uk"
    bench_params = params.model_copy(update={"datasets": {
        **params.datasets, DATASET: Dataset(format="police_uk_street", path=str(folder.relative_to(ROOT))),
    }})
    cache_root = WORK / "cache"
    times: dict[str, list[float]] = {"pyarrow": [], "no cache": [], "first": [], "cached": []}
    rows = {}
    # One repeat runs every step, so a busy moment slows all of them alike. Each repeat starts from
    # an empty cache and deletes it afterwards (its 200 MB would otherwise pile up as dirty pages
    # that the kernel writes back during later repeats).
    for i in range(args.repeat):
        started = time.perf_counter()
        rows["pyarrow"] = sum(t.num_rows for t in [pacsv.read_csv(f) for f in files])
        times["pyarrow"].append(time.perf_counter() - started)

        started = time.perf_counter()
        rows["no cache"] = len(load_paths("police_uk_street", folder, bench_params).frame)
        times["no cache"].append(time.perf_counter() - started)

        cache_dir = cache_root / f"run{i}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        started = time.perf_counter()
        rows["first"] = len(load_dataset(DATASET, bench_params, ROOT, cache_dir).frame)
        times["first"].append(time.perf_counter() - started)
        started = time.perf_counter()
        rows["cached"] = len(load_dataset(DATASET, bench_params, ROOT, cache_dir).frame)
        times["cached"].append(time.perf_counter() - started)
        shutil.rmtree(cache_dir, ignore_errors=True)
    best = {k: min(v) for k, v in times.items()}
    n = rows["pyarrow"]
    print(f"  pyarrow.csv.read_csv, one file after another  {rate(n, best['pyarrow'])}  {n:,} rows")
    print(f"  loader, no cache (read, validate, tidy)        {rate(rows['no cache'], best['no cache'])}  "
          f"{best['no cache'] / best['pyarrow']:.2f}x pyarrow's time")
    print(f"  loader, first load (+ hash files, write cache) {rate(rows['first'], best['first'])}  "
          f"{best['first'] / best['pyarrow']:.2f}x pyarrow's time")
    print(f"  loader, cached load                            {rate(rows['cached'], best['cached'])}  "
          f"{best['first'] / best['cached']:.1f}x faster than the first load")
    if len(set(rows.values())) > 1:
        print(f"  note: the steps returned different row counts: {rows}")
    print(f"Summary: first load {best['first'] / best['pyarrow']:.2f}x the plain pyarrow read (aim <= 1.5; "
          f"{best['no cache'] / best['pyarrow']:.2f}x without the cache's hashing and writing), cached load "
          f"{best['first'] / best['cached']:.1f}x faster than the first (aim >= 10)")
    shutil.rmtree(cache_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
