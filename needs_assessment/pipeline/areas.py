"""`build.py --areas`: the force and its districts, one publication each, from one run.

Shared work is done once: the datasets are loaded and every measure computed for the force and, from
the same loaded data, each district's view of them (`measures/areas.py`). Then every area's chapters
are independent tasks, all run together: on the local process pool, or on a Dask cluster
(`--executor dask --scheduler ADDRESS`). Last, each area is staged, rendered and published as a
build of its own (`build._build`, with its chapters already run), so a chapter that failed fails
only its area.

Where things are: the force's publication stays where a build without `--areas` puts it
(`_output/<cycle>/`, byte for byte the same chapters and measures), and each district's is a folder
in it, `_output/<cycle>/<district>/` (a force rebuild keeps them). The districts' build folders are
`_build/<cycle>/areas/<district>/`, their params (written by the build) `params.yml` there, and
their recommendations `<recommendations>/<district>/`, edited like the force's; a district with no
folder has none.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import yaml

from ..common.errors import DiskWriteError, NeedsAssessmentError
from ..common.hashing import package_code_hash
from ..measures.areas import area_slug, params_for_area
from ..measures.stage import AREAS_FOLDER, area_build_dir, run_measures_stage
from ..params import Params
from .build import (BuildOptions, BuildResult, _build, clear_chapter_outputs, plan_chapters,
                    publication_target, under_cycle_lock)
from .runner import NotebookJob, NotebookOutcome, run_notebooks, run_notebooks_dask

NO_RECOMMENDATIONS = "no-recommendations"


class AreasError(NeedsAssessmentError):
    """--areas names a district the params file does not have (the message lists those it has)."""


@dataclasses.dataclass
class Area:
    name: str                   # the force's or the district's name
    slug: str                   # "" for the force
    params: Params
    options: BuildOptions


def chosen_districts(requested: tuple[str, ...], build_dir: Path, params: Params) -> list[str]:
    """The districts `--areas` names: `all`, or names, folder names or local authority codes."""
    listing = json.loads((build_dir / AREAS_FOLDER / "districts.json").read_text())
    if any(r.strip().lower() == "all" for r in requested):
        return list(params.area.districts)
    chosen, unknown = [], []
    for item in (r.strip() for r in requested if r.strip()):
        match = [d["name"] for d in listing
                 if item.lower() in {d["name"].lower(), d["slug"], str(d.get("code") or "").lower()}]
        (chosen if match else unknown).extend(match or [item])
    if unknown:
        known = "; ".join(f"{d['name']} ({d['code']})" if d.get("code") else d["name"] for d in listing)
        raise AreasError(f"--areas: {', '.join(unknown)} is not a district of {params.area.force} in "
                         f"{params.cycle}'s params (area.districts). Give all, or names or codes of: {known}")
    return [d for d in params.area.districts if d in chosen]


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def district_area(params: Params, district: str, options: BuildOptions, root: Path, build_dir: Path,
                  force_target: Path) -> Area:
    """A district's params file (written into its build folder) and its build's options."""
    slug = area_slug(district)
    folder = area_build_dir(build_dir, district)
    recommendations = Path(params.recommendations) / slug
    if not (root / recommendations).is_dir():        # no folder yet: no recommendations, not an error
        (folder / NO_RECOMMENDATIONS).mkdir(parents=True, exist_ok=True)
        recommendations = (folder / NO_RECOMMENDATIONS).relative_to(root)
    view = params_for_area(params, district, recommendations.as_posix())
    params_path = folder / "params.yml"
    _write_if_changed(params_path, "# Written by build.py --areas for one district: edit the cycle's own params file.\n"
                      + yaml.safe_dump(view.model_dump(mode="json"), sort_keys=False, allow_unicode=True))

    def measures_stage(params, root, build_dir, cache_dir, code_hash, force=False, jobs=None):
        """The district's measures were made with the force's (run_measures_stage, areas=True)."""
        manifest = json.loads((build_dir / "data-manifest.json").read_text())["datasets"]
        return manifest, (build_dir / "measures" / "results.key").read_text(), False

    area_options = dataclasses.replace(options, params_path=params_path, build_dir=folder,
                                       target=force_target / slug, measures_stage=measures_stage, areas=())
    return Area(district, slug, view, area_options)


class AreaRenders:
    """Stage, render and publish each area as soon as its chapters have all run, while the other
    areas' chapters still run: `options.jobs` renders at once, in threads (pandoc and typst run
    outside Python's lock), the force first. An area starts only after every area before it in
    `areas` has started, so the force always renders first and no district holds a thread waiting
    for a force that cannot start. Districts print nothing but their summary line, and each
    publishes only once the force's publication, the folder the districts' are in, is in place."""

    def __init__(self, areas: list[Area], chapters_to_run: dict[str, int], options: BuildOptions,
                 say: Callable[[str], None]):
        self.areas, self.options, self.say = areas, options, say
        self.waiting = {area.slug or "force": chapters_to_run.get(area.slug or "force", 0) for area in areas}
        self.outcomes: dict[str, NotebookOutcome] = {}
        self.force_published = threading.Event()
        self.started = 0          # areas[:started] are submitted
        self.lock = threading.Lock()
        jobs = max(1, min(options.jobs or os.cpu_count() or 1, len(areas)))
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="area-render")
        self.futures: dict[str, object] = {}

    def chapter_finished(self, key: str, outcome: NotebookOutcome) -> None:
        """One chapter's outcome (`key` is "<area>/<chapter>"): its area renders once it has them all."""
        with self.lock:
            self.outcomes[key] = outcome
            self.waiting[key.split("/", 1)[0]] -= 1
        self.start_ready()

    def start_ready(self, all_ran: bool = False) -> None:
        """Submit, in order, the areas whose chapters have all run (`all_ran`: every area now)."""
        with self.lock:
            while self.started < len(self.areas):
                area = self.areas[self.started]
                if self.waiting[area.slug or "force"] > 0 and not all_ran:
                    break
                self.futures[area.name] = self.pool.submit(self._one, area)
                self.started += 1

    def _one(self, area: Area) -> BuildResult:
        prefix = f"{area.slug or 'force'}/"
        with self.lock:
            ran = {k[len(prefix):]: o for k, o in self.outcomes.items() if k.startswith(prefix)}
        if area.slug:
            area_options = dataclasses.replace(area.options, chapter_outcomes=ran, quiet=True,
                                               before_writing_target=self.force_published.wait)
        else:
            self.say(f"\n== {area.name} ==")
            area_options = dataclasses.replace(area.options, chapter_outcomes=ran)
        try:
            result = _build(area_options, area.params)
        except DiskWriteError:
            raise                 # the disk's fault, not the area's: the command says so and stops
        except NeedsAssessmentError as exc:   # e.g. a district's recommendations file: that area only
            print(f"{area.name}: nothing was published: {exc}", file=sys.stderr)
            result = BuildResult(1, [], None, {}, {}, str(exc))
        finally:
            if not area.slug:
                self.force_published.set()
        if area.slug:
            self.say(f"{area.name}: {'published' if result.published_to else 'not published'}")
        return result

    def results(self) -> dict[str, BuildResult]:
        """Every area's result, in order, once all have rendered (the chapters have all run)."""
        self.start_ready(all_ran=True)
        try:
            return {area.name: self.futures[area.name].result() for area in self.areas}
        finally:
            self.close()

    def close(self) -> None:
        self.force_published.set()      # a disk fault in the force: no district waits for ever
        self.pool.shutdown(wait=True)


def render_areas(areas: list[Area], outcomes: dict[str, NotebookOutcome], options: BuildOptions,
                 say: Callable[[str], None]) -> dict[str, BuildResult]:
    """Stage, render and publish every area (the force first) whose chapters have run (`outcomes`)."""
    renders = AreaRenders(areas, {}, options, say)
    renders.outcomes.update(outcomes)
    return renders.results()


def build_with_areas(options: BuildOptions) -> BuildResult:
    """`build.py --areas`: as `build.build`, for the force and the districts named (holding the
    cycle's lock, a full or read-only disk raising DiskWriteError naming the path)."""
    return under_cycle_lock(options, build_areas)


def build_areas(options: BuildOptions, params: Params) -> BuildResult:
    """The force and the districts `options.areas` names (the cycle's lock is held)."""
    started = time.perf_counter()
    root = options.root.resolve()
    build_dir = root / "_build" / params.cycle
    build_dir.mkdir(parents=True, exist_ok=True)
    code_hash = package_code_hash()
    say = (lambda text: None) if options.quiet else (lambda text: print(text, flush=True))

    def force_measures(params, root, build_dir, cache_dir, code_hash, force=False, jobs=None):
        return run_measures_stage(params, root, build_dir, cache_dir, code_hash, force=force, jobs=jobs, areas=True)

    # 1. the data, loaded once, and the measures of the force and every district, in one pass
    say(f"Loading data and computing the measures of {params.area.force} and its districts")
    t = time.perf_counter()
    try:
        _, measures_key, _ = force_measures(params, root, build_dir, root / ".cache" / "datasets", code_hash,
                                            force=options.force, jobs=options.jobs)
    except NeedsAssessmentError as exc:
        if isinstance(exc, AreasError):
            raise
        # the force's build says it in full (its message and log); nothing is published
        return _build(dataclasses.replace(options, areas=()), params)
    measures_seconds = time.perf_counter() - t
    force_target = publication_target(params, options)
    areas = [Area(params.area.name, "", params, dataclasses.replace(
        options, areas=(), measures_stage=force_measures))]
    areas += [district_area(params, d, options, root, build_dir, force_target)
              for d in chosen_districts(options.areas, build_dir, params)]

    # 2. every area's chapters: independent tasks, run together
    chapters = params.chapters()
    if options.only:
        chapters = [c for c in chapters if c.id in options.only]
    jobs: list[NotebookJob] = []
    for area in areas:
        area_dir = area.options.build_dir or build_dir
        _, area_jobs, _ = plan_chapters(area.params, chapters, area.options, area_dir, measures_key, code_hash, root)
        for job in area_jobs:
            job.task = f"{area.slug or 'force'}/{job.chapter_id}"
        jobs += area_jobs
    # area by area, the force first, so that each area's render can start while the next areas'
    # chapters run; within an area the longest first, so that no long chapter starts last
    measures_per_chapter = {c.id: len(c.measures) for c in chapters}
    area_order = {area.slug or "force": i for i, area in enumerate(areas)}
    jobs.sort(key=lambda job: (area_order[job.key.split("/", 1)[0]], -measures_per_chapter.get(job.chapter_id, 0)))
    where = (f"on the Dask cluster at {options.scheduler}" if options.executor == "dask"
             else "on this machine")
    say(f"Running {len(jobs)} chapters of {len(areas)} areas {where}")
    if options.executor == "dask" and not options.scheduler:
        raise AreasError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786, from `dask scheduler`)")
    t = time.perf_counter()
    clear_chapter_outputs(jobs)

    # 3. each area staged, rendered and published on its own as soon as its chapters have run,
    # while the next areas' chapters run (a render leaves cores idle while Python stages the book
    # and while pandoc waits for typst: the chapters fill them). A failed chapter fails its area only.
    renders = AreaRenders(areas, Counter(job.key.split("/", 1)[0] for job in jobs), options, say)

    def on_event(kind: str, key: str, outcome: NotebookOutcome | None) -> None:
        # the first event comes once the pool's workers are forked: the render threads start
        # after it, so no fork happens while a render thread may hold a lock
        if outcome is None:
            renders.start_ready()
        else:
            renders.chapter_finished(key, outcome)

    try:
        if options.executor == "dask":
            run_notebooks_dask(jobs, options.scheduler, on_event=on_event)
        else:
            run_notebooks(jobs, options.jobs, warm=not options.fresh_kernels, on_event=on_event)
        chapters_seconds = time.perf_counter() - t
        results = renders.results()
    finally:
        renders.close()
    force = results[params.area.name]
    failed = [name for name, result in results.items() if result.exit_code != 0]
    lines = [f"  {name}: {'published to ' + os.path.relpath(r.published_to, root) if r.published_to else 'not published'}"
             f"{'' if r.exit_code == 0 else ' (failed: ' + (r.message or 'see above') + ')'}" for name, r in results.items()]
    summary = (f"\n{len(areas)} areas in {time.perf_counter() - started:.1f} s (data and measures "
               f"{measures_seconds:.1f} s, chapters all run {chapters_seconds:.1f} s later {where}):\n" + "\n".join(lines))
    if failed:
        print(summary, file=sys.stderr)
    else:
        say(summary)
    force.timings.update({"areas_measures": measures_seconds, "areas_chapters": chapters_seconds,
                          "areas_total": time.perf_counter() - started})
    return dataclasses.replace(force, exit_code=1 if failed else 0,
                               message="; ".join(f"{n}: {results[n].message}" for n in failed) or force.message,
                               manifest={**force.manifest, "areas": {
                                   n: {"exit_code": r.exit_code, "published_to": str(r.published_to or "")}
                                   for n, r in results.items()}})
