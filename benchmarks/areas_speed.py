"""Many areas and a large force: what `--areas all` costs against one force build, and what the
build needs at the street-record volume of the largest force.

    areas_speed.py many-areas [--scale 1] [--jobs N]
        the same run, same data: a cold build of the force alone, then a cold build of the force and
        its five districts (`--areas all`); prints both and the ratio (aim <= 2.5).
    areas_speed.py large-force [--scale 15] [--jobs N]
        a cold build of the force with the demonstration data at `--scale` (15: about 90,000
        street records a month over the demonstration's 63 months, the largest force's volume);
        prints time, where it goes, and peak memory: the driver's RSS, the largest worker's (a measure
        worker, a chapter's pool worker or its kernel) and the largest total of the whole process
        tree at one moment (aim <= 4 GB).

Each build runs in a fresh Python process (`--phase`), in a copy of the project under
`benchmarks/_work/areas/` with a snapshot of the package on PYTHONPATH (as build_speed.py does), so
it never touches the project's own `_build/`, `_output/`, `.cache/` or `data/`. Memory: the driver's and the
largest descendant's peak RSS from getrusage (which sees every process, however short-lived; RSS
counts the pages a forked worker shares with the driver as its own), and the whole tree's peak
sampled from /proc every 0.2 s as PSS (shared pages counted once: the memory the build really needs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))
WORK = ROOT / "benchmarks" / "_work" / "areas"
SOURCES = ("_quarto.yml", "params", "notebooks", "recommendations")
PARAMS = "params/demo-2024.yml"
AIM_AREAS_OVER_FORCE = 2.5
AIM_LARGE_GB = 4.0


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def prepare(project: Path, scale: float, seed: int = 2024) -> dict:
    """Sources and a package snapshot copied fresh; the data generated unless the same scale is there."""
    from needs_assessment.demo import generate as demo

    project.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src, dst = ROOT / name, project / name
        if dst.is_dir():
            shutil.rmtree(dst)
        elif dst.exists():
            dst.unlink()
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, dst)
    code = project.parent / "code"
    shutil.rmtree(code, ignore_errors=True)
    shutil.copytree(ROOT / "needs_assessment", code / "needs_assessment",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = project / "data" / "demo"
    stamp = out / "BENCHMARK-STAMP.txt"
    wanted = (f"scale={scale:g} seed={seed} generator="
              f"{hashlib.sha256(Path(demo.__file__).read_bytes()).hexdigest()[:16]}\n")
    if stamp.exists() and stamp.read_text().split("\n", 1)[0] + "\n" == wanted:
        return json.loads(stamp.read_text().split("\n", 1)[1])
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = demo.generate_demo_data(out, project / PARAMS, scale=scale, seed=seed)
    rows = {k: v for k, v in summary["rows"].items() if isinstance(v, int)}
    rows["generate_seconds"] = round(time.perf_counter() - started, 1)
    print(f"generated the demonstration data at scale {scale:g}: {rows.get('street_crime', 0):,} street-level "
          f"rows in {rows['generate_seconds']} s", flush=True)
    stamp.write_text(wanted + json.dumps(rows))
    return rows


# --- memory of a process tree, sampled ----------------------------------------------------------

def _pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes (a forked worker's copy of the driver's
    data) counts 1/n in each, so the sum over a tree is the memory the tree really holds."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_rss(root_pid: int) -> dict[int, tuple[int, str]]:
    """pid -> (RSS bytes, command name) for `root_pid` and all its descendants."""
    parents, info = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
        info[int(entry)] = (pages * os.sysconf("SC_PAGE_SIZE"), name)
    keep, frontier = {root_pid}, [root_pid]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in keep:
                keep.add(child)
                frontier.append(child)
    return {pid: info[pid] for pid in keep if pid in info}


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_total = 0
        self.peak_by_kind: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            tree = _tree_rss(self.pid)
            self.peak_total = max(self.peak_total, sum(_pss(pid) for pid in tree))
            for pid, (rss, name) in tree.items():
                kind = "driver" if pid == self.pid else name
                self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), rss)
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --- a build in a fresh process ---------------------------------------------------------------------

def phase(args) -> dict:
    from needs_assessment.pipeline.areas import build_with_areas
    from needs_assessment.pipeline.build import BuildOptions, build

    project = Path(args.project)
    for name in ("_build", "_output", ".cache"):
        shutil.rmtree(project / name, ignore_errors=True)
    options = BuildOptions(params_path=project / PARAMS, root=project, jobs=args.jobs, engine="embedded",
                           quiet=True, areas=("all",) if args.areas else ())
    sampler = MemorySampler(os.getpid())
    sampler.start()
    started = time.perf_counter()
    result = (build_with_areas if args.areas else build)(options)
    wall = time.perf_counter() - started
    sampler.stop()
    chapters = {c.chapter_id: round(c.seconds, 1) for c in result.chapters}
    return {"wall": wall, "exit_code": result.exit_code, "message": result.message,
            "timings": {k: round(v, 2) for k, v in result.timings.items()}, "chapters": chapters,
            "rss_driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "rss_largest_descendant": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            "rss_peak_tree": sampler.peak_total, "rss_peak_by_kind": sampler.peak_by_kind,
            "areas": {n: a["exit_code"] for n, a in result.manifest.get("areas", {}).items()}}


def run_phase(project: Path, jobs: int, areas: bool) -> dict:
    out = project.parent / f"phase-{'areas' if areas else 'force'}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", "--project", str(project), "--jobs", str(jobs),
           "--phase-out", str(out)] + (["--areas"] if areas else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(project.parent / "code")] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run(cmd, cwd=project, env=env)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"the build failed (exit {proc.returncode}); see its output above")
    figures = json.loads(out.read_text())
    if figures["exit_code"] != 0:
        raise SystemExit(f"the build did not publish: {figures['message']}")
    return figures


def gb(n: int) -> str:
    return f"{n / 1024 ** 3:.2f} GB"


def describe(name: str, f: dict) -> str:
    t = f["timings"]
    lines = [f"{name}: {f['wall']:.1f} s (data and measures {t.get('data_and_measures', 0):.1f} s, "
             f"notebooks {t.get('notebooks', 0):.1f} s, render {t.get('render', 0):.1f} s"
             + (f"; all areas: measures {t['areas_measures']:.1f} s, chapters {t['areas_chapters']:.1f} s"
                if "areas_chapters" in t else "") + ")",
             f"  peak RSS: driver {gb(f['rss_driver'])}, largest worker or kernel {gb(f['rss_largest_descendant'])}, "
             f"whole process tree at once {gb(f['rss_peak_tree'])} (sampled PSS: shared pages counted once)"]
    kinds = sorted(f["rss_peak_by_kind"].items(), key=lambda kv: -kv[1])[:4]
    lines.append("  largest by process kind (sampled): " + ", ".join(f"{k} {gb(v)}" for k, v in kinds))
    slowest = sorted(f["chapters"].items(), key=lambda kv: -kv[1])[:4]
    lines.append("  slowest chapters (s): " + ", ".join(f"{c} {s}" for c, s in slowest))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="?", choices=["many-areas", "large-force"], default="many-areas")
    parser.add_argument("--scale", type=float, default=None)
    parser.add_argument("--jobs", type=int, default=cores())
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", help=argparse.SUPPRESS)
    parser.add_argument("--areas", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        Path(args.phase_out).write_text(json.dumps(phase(args)))
        return 0
    load = os.getloadavg()[0]
    print(f"{cores()} cores, load average {load:.1f} at the start"
          + (" (not quiet: figures will be slower and noisier)" if load > 0.5 * cores() else ""), flush=True)
    if args.which == "many-areas":
        project = WORK / "many" / "project"
        rows = prepare(project, args.scale or 1.0)
        print(f"data: {rows.get('street_crime', 0):,} street-level rows; --jobs {args.jobs}", flush=True)
        force = run_phase(project, args.jobs, areas=False)
        print(describe("the force alone, cold", force), flush=True)
        areas = run_phase(project, args.jobs, areas=True)
        print(describe("the force and its 5 districts (--areas all), cold", areas), flush=True)
        ratio = areas["wall"] / force["wall"]
        per_district = (areas["wall"] - force["wall"]) / 5
        print(f"Summary: 6 areas in {areas['wall']:.1f} s = {ratio:.2f}x one force build of {force['wall']:.1f} s "
              f"(aim <= {AIM_AREAS_OVER_FORCE}); each district adds {per_district:.1f} s")
    else:
        project = WORK / "large" / "project"
        rows = prepare(project, args.scale or 15.0)
        months = 63
        print(f"data: {rows.get('street_crime', 0):,} street-level rows, about "
              f"{rows.get('street_crime', 0) / months:,.0f} a month over {months} months; --jobs {args.jobs}", flush=True)
        large = run_phase(project, args.jobs, areas=False)
        print(describe("large force, cold", large), flush=True)
        worst = max(large["rss_driver"], large["rss_largest_descendant"])
        print(f"Summary: {large['wall']:.1f} s; peak RSS {gb(large['rss_driver'])} driver, "
              f"{gb(large['rss_largest_descendant'])} largest worker, {gb(large['rss_peak_tree'])} whole tree "
              f"(aim <= {AIM_LARGE_GB:g} GB: {'met' if large['rss_peak_tree'] <= AIM_LARGE_GB * 1024 ** 3 else 'not met'} "
              f"for the tree, {'met' if worst <= AIM_LARGE_GB * 1024 ** 3 else 'not met'} for any one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
