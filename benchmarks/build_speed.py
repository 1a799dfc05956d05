"""How long the whole build takes, against the floor of what any notebook build must spend.

In a copy of the project's sources under benchmarks/_work/build/project/ with the demonstration data
(--scale 1 is the default demo), it times, in one run:

  1. the COLD build: no _build, no _output, no .cache (the dataset cache): data, measures,
     every chapter notebook, the book and the summary, HTML and PDF, embedded renderer, --jobs kernels
     at once (default: the number of cores);
  2. the FLOOR: as many notebooks as the plan has chapters, each holding only a parameters cell and
     the imports every chapter needs (pandas, and matplotlib's Figure and Agg canvas, as content/charts/
     uses them), executed by the project's own runner (run_notebooks) at the same parallelism with the
     same injected parameters, each in a new kernel (papermill's way: `--fresh-kernels`), then the
     render of the cold build's own staged book and summary (render_book + render_document): the
     unavoidable cost of a papermill build's kernels, imports and render. The aim is against this;
     the WARM-KERNEL FLOOR (the same notebooks in the build's own warm kernels, one per worker,
     reset between notebooks) is printed beside it;
  3. the WARM build: nothing changed, so no kernel should start;
  4. the RENDER-ONLY build: one reviewer's recommendation file edited, so no kernel should start
     but the book is staged and rendered again (the edit is undone afterwards).

Each step runs in a fresh Python process (as `python build.py` would), timed from inside once the
driver's own modules are imported. It prints a table (total seconds, the build's own breakdown from
BuildResult.timings, kernels started, ratios) and a one-line summary. The aims are printed beside
the ratios (cold at most 1.3x the floor; warm under 0.1x cold); figures only, no pass or fail.

    .venv/bin/python benchmarks/build_speed.py [--scale 1] [--jobs N] [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))   # appended: the phases import the code snapshot on PYTHONPATH first

WORK = ROOT / "benchmarks" / "_work" / "build"
PROJECT = WORK / "project"          # the copy the builds run in
CODE = WORK / "code"                # a snapshot of the package, imported by every phase and kernel
FLOOR = WORK / "floor"              # the floor's notebooks, logs, staged book copy and publication
SOURCES = ("_quarto.yml", "params", "notebooks", "recommendations")
DATA_STAMP = "BENCHMARK-STAMP.txt"
EDIT_MARK = "This sentence was added by benchmarks/build_speed.py to time a render-only build."
AIM_COLD_OVER_FLOOR = 1.3
AIM_WARM_OVER_COLD = 0.1
ATTEMPTS = 3                        # a phase whose build fails (e.g. a kernel that dies at start) runs again


# ------------------------------------------------------------------------------------------------
# The project copy
# ------------------------------------------------------------------------------------------------

def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def copy_sources() -> None:
    """Fresh copies of the sources a build reads (the data folder is kept; see make_data)."""
    PROJECT.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src, dst = ROOT / name, PROJECT / name
        if dst.is_dir():
            shutil.rmtree(dst)
        elif dst.exists():
            dst.unlink()
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, dst)


def snapshot_code() -> None:
    """Copy the package so that every phase (and its kernels, which inherit PYTHONPATH) runs the same
    code: an edit to needs_assessment/ during the run would change the build's code hash and make
    the warm build run every chapter again."""
    shutil.rmtree(CODE, ignore_errors=True)
    shutil.copytree(ROOT / "needs_assessment", CODE / "needs_assessment",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def make_data(params_rel: str, scale: float, seed: int) -> dict:
    """The demonstration data in the copy, regenerated only if the scale, seed, params or generator changed."""
    from needs_assessment.demo import generate as demo

    out = PROJECT / "data" / "demo"
    generator = Path(demo.__file__).read_bytes()
    params_bytes = (PROJECT / params_rel).read_bytes()
    wanted = (f"scale={scale:g} seed={seed} "
              f"generator={hashlib.sha256(generator).hexdigest()[:16]} "
              f"params={hashlib.sha256(params_bytes).hexdigest()[:16]}\n")
    stamp = out / DATA_STAMP
    if stamp.exists() and stamp.read_text().split("\n", 1)[0] + "\n" == wanted:
        return json.loads(stamp.read_text().split("\n", 1)[1])
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    summary = demo.generate_demo_data(out, PROJECT / params_rel, scale=scale, seed=seed)
    rows = {k: v for k, v in summary["rows"].items() if isinstance(v, int)}
    print(f"generated the demo data (scale {scale:g}): {rows.get('street_crime', 0):,} street-level rows, "
          f"{len(summary['files'])} files, in {time.perf_counter() - started:.1f} s", flush=True)
    stamp.write_text(wanted + json.dumps(rows))
    return rows


# ------------------------------------------------------------------------------------------------
# The phases (each runs in a child process: `build_speed.py --phase NAME`)
# ------------------------------------------------------------------------------------------------

def _options(args):
    from needs_assessment.pipeline.build import BuildOptions
    return BuildOptions(params_path=PROJECT / args.params, root=PROJECT, formats=("html", "pdf"),
                        jobs=args.jobs, engine="embedded", quiet=True)


def _build_phase(args) -> dict:
    from needs_assessment.pipeline.build import build
    options = _options(args)
    started = time.perf_counter()
    result = build(options)
    wall = time.perf_counter() - started
    statuses = [c.status for c in result.chapters]
    return {"wall": wall, "timings": dict(result.timings), "exit_code": result.exit_code,
            "executed": [c.chapter_id for c in result.chapters if c.status == "executed"],
            "code_sha256": result.manifest.get("code_sha256"),
            "chapters": len(statuses), "kernels": statuses.count("executed") + statuses.count("failed"),
            "failed": [c.chapter_id for c in result.chapters if c.status == "failed"],
            "errors": {c.chapter_id: c.error for c in result.chapters if c.status == "failed"},
            "message": result.message}


def phase_cold(args) -> dict:
    for name in ("_build", "_output", ".cache"):
        shutil.rmtree(PROJECT / name, ignore_errors=True)
    return _build_phase(args)


def phase_warm(args) -> dict:
    return _build_phase(args)


def _recommendation_to_edit(params) -> Path:
    folder = PROJECT / params.recommendations
    files = sorted(folder.glob("*.md"))
    preferred = [f for f in files if f.name.startswith("P3-")]
    return (preferred or files)[0]


def phase_render_only(args) -> dict:
    from needs_assessment.params import load_params
    params = load_params(PROJECT / args.params)
    path = _recommendation_to_edit(params)
    original = path.read_bytes()
    path.write_text(original.decode("utf-8").rstrip("\n") + "\n\n" + EDIT_MARK + "\n", encoding="utf-8")
    try:
        out = _build_phase(args)
    finally:
        path.write_bytes(original)
    html = PROJECT / "_output" / params.cycle / "needs-assessment.html"
    out["edit_published"] = html.exists() and EDIT_MARK in html.read_text(encoding="utf-8")
    out["edited"] = str(path.relative_to(PROJECT))
    return out


def floor_notebook(parameters: dict):
    """A chapter notebook with nothing in it: a parameters cell and the chapters' imports."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "needs-assessment", "display_name": "Needs assessment (project venv)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    defaults = "\n".join(f"{k} = None" for k in parameters)
    params_cell = nbformat.v4.new_code_cell("# Parameters\n" + defaults)
    params_cell.metadata["tags"] = ["parameters"]
    imports = nbformat.v4.new_code_cell(
        "import pandas as pd\n"
        "import matplotlib\n"
        "from matplotlib.figure import Figure\n"
        "from matplotlib.backends.backend_agg import FigureCanvasAgg")
    nb.cells = [params_cell, imports]
    return nb


def phase_floor(args, warm: bool = False) -> dict:
    import nbformat
    from needs_assessment.pipeline.build import notebook_parameters
    from needs_assessment.pipeline.runner import NotebookJob, run_notebooks
    from needs_assessment.params import load_params

    options = _options(args)
    params = load_params(options.params_path)
    build_dir = PROJECT / "_build" / params.cycle
    if not (build_dir / "book" / "index.md").exists() or not (build_dir / "summary" / "summary.md").exists():
        raise SystemExit(f"{build_dir}: no staged book or summary; the cold build must run first")
    shutil.rmtree(FLOOR, ignore_errors=True)
    (FLOOR / "notebooks").mkdir(parents=True)
    # the cold build's staged book and summary, copied so the floor's render touches nothing of the build
    shutil.copytree(build_dir / "book", FLOOR / "book")
    shutil.copytree(build_dir / "summary", FLOOR / "summary")
    jobs = []
    for chapter in params.chapters():
        parameters = notebook_parameters(params, chapter, options, build_dir)
        source = FLOOR / "notebooks" / f"{chapter.id}.ipynb"
        nbformat.write(floor_notebook(parameters), source)
        jobs.append(NotebookJob(chapter.id, chapter.title, source, FLOOR / "logs" / f"{chapter.id}.ipynb",
                                parameters, PROJECT))

    from needs_assessment.render import render_book, render_document
    started = time.perf_counter()
    outcomes = run_notebooks(jobs, options.jobs, warm=warm)
    notebooks = time.perf_counter() - started
    t = time.perf_counter()
    publication = FLOOR / "publication"
    render_book(FLOOR / "book", publication, formats=options.formats, engine="embedded",
                basename="needs-assessment")
    render_document(FLOOR / "summary" / "summary.md", publication, formats=options.formats,
                    engine="embedded", basename="recommendations-summary")
    render = time.perf_counter() - t
    failed = {k: o.error for k, o in outcomes.items() if o.status != "done"}
    return {"wall": time.perf_counter() - started, "timings": {"notebooks": notebooks, "render": render},
            "chapters": len(jobs), "kernels": len(outcomes), "failed": sorted(failed), "errors": failed,
            "exit_code": 1 if failed else 0}


PHASES = {"cold": phase_cold, "floor": phase_floor, "floor-warm": lambda args: phase_floor(args, warm=True),
          "warm": phase_warm, "render-only": phase_render_only}


def run_phase(name: str, args) -> dict:
    """One phase in a fresh interpreter; its figures come back as JSON."""
    out = WORK / f"phase-{name}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--phase-out", str(out),
           "--params", args.params, "--jobs", str(args.jobs)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(CODE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    proc = subprocess.run(cmd, cwd=PROJECT, env=env)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"the {name} phase failed (exit {proc.returncode}); see its output above")
    return json.loads(out.read_text())


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def fmt_s(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["wall"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params/demo-2024.yml", help="params file, relative to the project")
    parser.add_argument("--scale", type=float, default=1.0, help="demo data scale (default 1: the default demo)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--jobs", type=int, default=None, help="chapters at once (default: the number of cores)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each timing (default 1)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.jobs = args.jobs or cores()

    if args.phase:  # child process
        import needs_assessment
        import needs_assessment.pipeline.build  # noqa: F401  (the driver's imports are not timed)
        if Path(needs_assessment.__file__).resolve().parent != (CODE / "needs_assessment").resolve():
            raise SystemExit(f"the phase imported {needs_assessment.__file__}, not the snapshot in {CODE}")
        result = PHASES[args.phase](args)
        Path(args.phase_out).write_text(json.dumps(result))
        return 0

    WORK.mkdir(parents=True, exist_ok=True)
    copy_sources()
    snapshot_code()
    rows = make_data(args.params, args.scale, args.seed)
    from needs_assessment.params import load_params
    params = load_params(PROJECT / args.params)
    n_chapters = len(params.chapters())
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5:
        print(f"note: load average {os.getloadavg()[0]:.1f} before the first run; other work on this machine "
              f"slows the builds and skews the ratios")
    print(f"project copy: {PROJECT.relative_to(ROOT)} (code snapshot in {CODE.relative_to(ROOT)}); {n_chapters} chapters, {args.jobs} jobs "
          f"({cores()} cores), embedded renderer, html+pdf, demo data scale {args.scale:g} "
          f"({rows.get('street_crime', 0):,} street-level rows); best of {args.repeat}", flush=True)

    runs: dict[str, list[dict]] = {name: [] for name in ("cold", "floor", "floor-warm", "warm", "render-only")}
    for i in range(args.repeat):
        for name in runs:
            for attempt in range(1, ATTEMPTS + 1):
                started = time.perf_counter()
                result = run_phase(name, args)
                load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
                note = f", FAILED: {result['errors']}" if result.get("failed") else ""
                print(f"  run {i + 1}/{args.repeat} {name:<12} {result['wall']:6.1f} s "
                      f"(process {time.perf_counter() - started:.1f} s), {result['kernels']} notebooks run, "
                      f"load average {load:.1f}{note}", flush=True)
                if result["exit_code"] == 0:
                    break
                if attempt == ATTEMPTS:
                    raise SystemExit(f"the {name} phase failed {ATTEMPTS} times: {result.get('errors')}")
                print(f"  (a failed run is not timed; running the {name} phase again)", flush=True)
            runs[name].append(result)

    cold, floor, floor_warm, warm, render_only = (best(runs[n]) for n in ("cold", "floor", "floor-warm", "warm",
                                                                          "render-only"))
    c = cold["wall"]
    ratio_floor = c / floor["wall"]
    ratio_floor_warm = c / floor_warm["wall"]
    ratio_warm = warm["wall"] / c
    ratio_render = render_only["wall"] / c

    def row(label, r, ratio):
        t = r["timings"]
        return (f"{label:<26}{r['wall']:>8.1f}{fmt_s(t.get('data_and_measures')):>11}"
                f"{fmt_s(t.get('notebooks')):>11}{fmt_s(t.get('render')):>9}{r['kernels']:>9}   {ratio}")

    print()
    print(f"{'':<26}{'total s':>8}{'data+meas':>11}{'notebooks':>11}{'render':>9}{'run':>9}   ratio")
    print(row("cold build", cold, "1.00 (the reference)"))
    print(row("floor (bare kernels+render)", floor, f"cold/floor {ratio_floor:.2f} (aim <= {AIM_COLD_OVER_FLOOR})"))
    print(row("floor, warm kernels", floor_warm, f"cold/warm-kernel floor {ratio_floor_warm:.2f}"))
    print(row("warm build (no change)", warm, f"warm/cold {ratio_warm:.3f} (aim < {AIM_WARM_OVER_COLD})"))
    print(row("render-only (1 rec edited)", render_only, f"render-only/cold {ratio_render:.2f}"))
    t = cold["timings"]
    other = c - sum(t.get(k, 0.0) for k in ("data_and_measures", "figures", "notebooks", "render"))
    figures = t.get("figures", 0.0)    # the figure pool before the kernels (builds since it was added)
    print(f"cold build breakdown: data+measures {t['data_and_measures']:.1f} s ({t['data_and_measures'] / c:.0%}), "
          f"figures {figures:.1f} s ({figures / c:.0%}, {t.get('figures_drawn', 0):.0f} drawn), notebooks {t['notebooks']:.1f} s ({t['notebooks'] / c:.0%}), render {t['render']:.1f} s "
          f"({t['render'] / c:.0%}), other {other:.1f} s; floor: notebooks {floor['timings']['notebooks']:.1f} s, "
          f"render {floor['timings']['render']:.1f} s")
    if warm["kernels"] or render_only["kernels"]:
        print(f"note: chapters executed in the warm build: {', '.join(warm['executed']) or 'none'}; in the "
              f"render-only build: {', '.join(render_only['executed']) or 'none'} (expected none)")
    hashes = {r.get("code_sha256") for r in (cold, warm, render_only)}
    if len(hashes) > 1:
        print("note: the package code hash changed between the builds, so the later builds ran again")
    if not render_only.get("edit_published"):
        print(f"note: the edit to {render_only.get('edited')} did not reach the published HTML")
    if floor.get("errors"):
        print(f"note: floor notebooks failed: {floor['errors']}")
    print()
    print(f"Summary: cold build {c:.1f} s = {ratio_floor:.2f}x the floor of {floor['wall']:.1f} s "
          f"(aim <= {AIM_COLD_OVER_FLOOR}; {ratio_floor_warm:.2f}x the warm-kernel floor of "
          f"{floor_warm['wall']:.1f} s); warm {warm['wall']:.1f} s = {ratio_warm:.3f}x cold "
          f"(aim < {AIM_WARM_OVER_COLD}), {warm['kernels']} kernels; render-only {render_only['wall']:.1f} s = "
          f"{ratio_render:.2f}x cold, {render_only['kernels']} kernels ({n_chapters} chapters, "
          f"{args.jobs} jobs, demo scale {args.scale:g}, embedded renderer, html+pdf).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
