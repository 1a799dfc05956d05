"""How fast the project's loader reads police.uk street-level crime, against plain pyarrow.

Generates real-size data (the demo force at --scale 4: about 25,000 street-level records a month, as
many as a large force publishes) for --years years into benchmarks/_work/, then times, in one run:

  1. pyarrow.csv.read_csv of every street file (the floor: parsing only, no checks);
  2. the project's loader, first load (empty cache: reads, validates, writes its Parquet cache);
  3. the project's loader, second load (from the cache).

It prints rows per second, the loader's speed against pyarrow, and the speed-up of the cached load.
It prints figures only: no pass or fail.

    .venv/bin/python benchmarks/load_speed.py [--scale 4] [--years 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

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


def time_pyarrow(files: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    tables = [pacsv.read_csv(f) for f in files]
    rows = sum(t.num_rows for t in tables)
    return rows, time.perf_counter() - started


def find_loader():
    """The project's dataset loader: needs_assessment.datasets.registry.load_dataset (or where it lives)."""
    for module_name in ("needs_assessment.datasets.registry", "needs_assessment.datasets.loader",
                        "needs_assessment.datasets.load", "needs_assessment.datasets"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, "load_dataset", None)
        if callable(func):
            return f"{module_name}.load_dataset", func
    return None, None


def call_loader(func, params, cache_dir: Path):
    """Call load_dataset with whatever its parameters are called."""
    sig = inspect.signature(func)
    values = {
        "name": DATASET, "dataset": DATASET, "dataset_name": DATASET,
        "params": params,
        "project_root": ROOT, "root": ROOT,
        "cache_dir": cache_dir, "cache": cache_dir,
    }
    args, kwargs = [], {}
    for p in sig.parameters.values():
        if p.name not in values:
            continue
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            args.append(values[p.name])
        else:
            kwargs[p.name] = values[p.name]
    return func(*args, **kwargs)


def count_rows(result) -> int:
    """Rows in what the loader returned (a DataFrame, an Arrow table, or an object holding frames)."""
    if hasattr(result, "num_rows"):
        return int(result.num_rows)
    frames = getattr(result, "frames", None)
    if isinstance(frames, dict) and frames:
        frame = frames.get("street", next(iter(frames.values())))
        return count_rows(frame)
    frame = getattr(result, "frame", None)
    if frame is not None:
        return count_rows(frame)
    if isinstance(result, dict) and result:
        return count_rows(result.get("street", next(iter(result.values()))))
    return len(result)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>12,.0f} rows/s  ({seconds:6.2f} s)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default=str(ROOT / "params" / "demo-2024.yml"))
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each timing (default 3)")
    args = parser.parse_args(argv)

    params = load_params(args.params)
    data = make_data(params, args.scale, args.years, args.seed)
    files = street_files(data)
    size = sum(f.stat().st_size for f in files)
    print(f"police.uk street-level files: {len(files)} files, {size / 1e6:,.0f} MB, in {data.relative_to(ROOT)}")
    print(f"pyarrow {pa.__version__}, best of {args.repeat}")

    best = min((time_pyarrow(files) for _ in range(args.repeat)), key=lambda r: r[1])
    rows, arrow_s = best
    print(f"  pyarrow.csv.read_csv          {rate(rows, arrow_s)}  {rows:,} rows")

    where, load = find_loader()
    if load is None:
        print("  project loader: needs_assessment.datasets.registry.load_dataset is not available yet; "
              "only the pyarrow floor is reported")
        return 0
    bench_params = params.model_copy(update={"datasets": {
        **params.datasets,
        DATASET: Dataset(format="police_uk_street", path=str((data / "police-uk").relative_to(ROOT))),
    }})
    cache_root = WORK / "cache"
    cold, warm = [], []
    loader_rows = 0
    for i in range(args.repeat):
        cache_dir = cache_root / f"run{i}"
        if cache_dir.exists():
            shutil.rmtree(cache_dir)
        cache_dir.mkdir(parents=True)
        started = time.perf_counter()
        result = call_loader(load, bench_params, cache_dir)
        cold.append(time.perf_counter() - started)
        loader_rows = count_rows(result)
        started = time.perf_counter()
        result = call_loader(load, bench_params, cache_dir)
        warm.append(time.perf_counter() - started)
        del result
    cold_s, warm_s = min(cold), min(warm)
    print(f"  {where} (first load)   {rate(loader_rows, cold_s)}  {loader_rows:,} rows")
    print(f"  {where} (cached load)  {rate(loader_rows, warm_s)}")
    print(f"  loader first load vs pyarrow: {arrow_s / cold_s:.2f}x the speed "
          f"({cold_s / arrow_s:.1f} times as long)")
    print(f"  cached load speed-up over first load: {cold_s / warm_s:.1f}x")
    if loader_rows != rows:
        print(f"  note: the loader returned {loader_rows:,} rows, pyarrow read {rows:,}")
    shutil.rmtree(cache_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
