"""The whole build: params -> data -> measures -> notebooks -> book -> publication.

Stages are content-hashed so a rebuild does only what changed. Nothing is published unless the
whole build succeeded (or --allow-partial was given): the publication is rendered into a new folder
and swapped into `_output/<cycle>/` only at the end, so a failure leaves the previous one untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import nbformat

from .. import __version__
from ..common.errors import DiskWriteError, NeedsAssessmentError, disk_fault_in_text, writing_into
from ..measures.engine import coverage_sentences
from ..params import Chapter, Params, load_params
from .book import stage_book, stage_summary
from .downloads import CACHE_DIR as DOWNLOADS_KEPT, DownloadsMeanwhile
from .progress import BuildProgress
from .publish import publish
from .runner import KERNEL_NAME, NotebookJob, NotebookOutcome, run_notebooks, run_notebooks_dask
from ..measures.store import load_measure_results
from ..common.hashing import package_code_hash, sha256_bytes, stable_json
from ..measures.stage import run_measures_stage
from ..render import RenderError, choose_engine, render_book, render_document
from ..render.quarto import QuartoError
from ..recommendations.review import review_report
from ..common.build_folder import cycle_lock


@dataclass
class BuildOptions:
    params_path: Path
    root: Path
    formats: tuple[str, ...] = ("html", "pdf")
    only: tuple[str, ...] = ()
    jobs: int | None = None
    force: bool = False
    allow_partial: bool = False
    strict: bool = False             # a recommendation needing review blocks publication
    engine: str = "auto"            # auto | quarto | embedded
    output_root: Path | None = None  # default <root>/_output
    quiet: bool = False
    # --areas: the force and these districts (names or codes, or "all"), one publication each
    # (areas.build_with_areas, which the command calls when they are given)
    areas: tuple[str, ...] = ()
    executor: str = "local"          # local (a process pool) | dask (--scheduler ADDRESS)
    fresh_kernels: bool = False      # a kernel per chapter, not one per worker reset between chapters
    scheduler: str | None = None
    # Set by areas.py for one area of a many-area build: its build folder, where it is published,
    # its measures stage and its chapters' outcomes, already run with every other area's (None: this
    # build's own).
    build_dir: Path | None = None
    target: Path | None = None
    measures_stage: Callable | None = None
    chapter_outcomes: dict[str, NotebookOutcome] | None = None
    # called before the build writes into `target`: a district's waits until the force's
    # publication (the folder its own is in) is in place
    before_writing_target: Callable[[], None] | None = None


@dataclass
class ChapterRecord:
    chapter_id: str
    title: str
    status: str                 # executed | cached | failed
    seconds: float
    key: str
    notebook_log: str
    error: str | None = None


@dataclass
class BuildResult:
    exit_code: int
    chapters: list[ChapterRecord]
    published_to: Path | None
    manifest: dict
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""


def chapter_key(chapter: Chapter, parameters: dict, params: Params, measures_key: str, code_hash: str,
                root: Path) -> str:
    """What a chapter's output depends on. The notebook reads the params file itself (the plan's
    name, chapter titles, the order of its measures), so the params' content is part of the key,
    not only the path that `parameters` gives."""
    notebook_bytes = (root / chapter.notebook).read_bytes()
    return sha256_bytes(stable_json({
        "notebook": sha256_bytes(notebook_bytes), "parameters": parameters,
        # The papers' section is read only by `build.py papers`: editing it must not re-run chapters.
        "params": params.model_dump(exclude={"papers"}),
        "measures": measures_key, "code": code_hash, "kernel": KERNEL_NAME}).encode())


def notebook_parameters(params: Params, chapter: Chapter, options: BuildOptions, build_dir: Path) -> dict:
    """Shared parameters plus the chapter's own section of the params file."""
    shared = params.shared_notebook_parameters(options.params_path, options.root)
    shared["build_dir"] = str(build_dir.resolve())
    return {**shared, "chapter_id": chapter.id, **chapter.params}


RENDER_CACHE = "render-cache"      # in the build folder: what pandoc read and wrote for each chapter
UNCHANGED = " Nothing was published: the previous publication is unchanged."


def build(options: BuildOptions) -> BuildResult:
    """Build one cycle (holding the cycle's lock). A full, read-only or not-writable disk under
    `_build/`, `.cache/` or `_output/` raises DiskWriteError naming the path (cli prints it)."""
    return under_cycle_lock(options, _build)


def under_cycle_lock(options: BuildOptions, body) -> BuildResult:
    """Run `body(options, params)` holding the cycle's lock; a disk fault says nothing was published."""
    params = load_params(options.params_path)
    try:
        with writing_into(options.root.resolve() / "_build" / params.cycle):
            with cycle_lock(options.root, params.cycle, options.quiet):
                return body(options, params)
    except DiskWriteError as exc:
        raise DiskWriteError(exc.path, exc.errno, after=UNCHANGED) from exc


def _build(options: BuildOptions, params: Params) -> BuildResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    root = options.root.resolve()
    build_dir = options.build_dir or root / "_build" / params.cycle
    build_dir.mkdir(parents=True, exist_ok=True)
    chapters = params.chapters()
    if options.only:
        unknown = sorted(set(options.only) - {c.id for c in chapters})
        if unknown:
            raise SystemExit(f"--only: unknown chapter id(s) {', '.join(unknown)}; "
                             f"the plan has {', '.join(c.id for c in chapters)}")
        chapters = [c for c in chapters if c.id in options.only]
    progress = BuildProgress([(c.id, c.title) for c in chapters], quiet=options.quiet)

    # data and measures
    t = time.perf_counter()
    code_hash = package_code_hash()
    progress.stage("Loading data and computing measures")
    try:
        with writing_into(root / ".cache" / "datasets"):
            data_manifest, measures_key, computed = (options.measures_stage or run_measures_stage)(
                params, root, build_dir, root / ".cache" / "datasets", code_hash, force=options.force,
                jobs=options.jobs)
    except DiskWriteError:
        raise                   # a full or read-only disk: one line from the command (exit 2)
    except NeedsAssessmentError as exc:
        # A bad file or a measure that failed (in a worker process or not): the project's own message,
        # never a traceback; what a developer needs goes to a log. Nothing is published.
        log = build_dir / "measures-error.log"
        log.write_text(f"{exc}\n\n{getattr(exc, 'details', None) or ''}")
        message = (f"Nothing was published: {exc}\n(details for a developer: {os.path.relpath(log, root)}). "
                   "The previous publication is unchanged.")
        progress.finish([], None, message)
        if options.quiet:
            print(message, file=sys.stderr)
        return BuildResult(1, [], None, {}, timings, str(exc))
    timings["data_and_measures"] = time.perf_counter() - t
    timings["measures_computed"] = float(computed)
    results = load_measure_results(build_dir)
    for text in data_notes(data_manifest, results, params):
        progress.note(text)

    # notebooks: run the chapters whose key changed
    t = time.perf_counter()
    records, jobs, keys = plan_chapters(params, chapters, options, build_dir, measures_key, code_hash, root,
                                        progress)

    def on_event(kind: str, chapter_id: str, outcome: NotebookOutcome | None) -> None:
        progress.update(chapter_id, kind, outcome.seconds if outcome else None)

    # The figures of the chapters about to run, drawn once each in processes forked from this one
    # (matplotlib imported once, here), so that no kernel imports matplotlib or draws.
    t_figures = time.perf_counter()
    if jobs and options.chapter_outcomes is None:     # (--areas: the chapters have run already)
        from .figures import draw_figures
        running = {job.chapter_id for job in jobs}
        drawn = draw_figures(build_dir, [list(c.measures) for c in chapters if c.id in running], results,
                             options.jobs, area_name=params.area.name)
        timings["figures_drawn"] = float(drawn.drawn)
    timings["figures"] = time.perf_counter() - t_figures

    # Longest first (most measures, so most charts), so that no long chapter starts last.
    measures_per_chapter = {c.id: len(c.measures) for c in chapters}
    jobs.sort(key=lambda job: -measures_per_chapter.get(job.chapter_id, 0))
    ran = options.chapter_outcomes or {}
    outcomes = {job.chapter_id: ran[job.chapter_id] for job in jobs if job.chapter_id in ran}
    for chapter_id, outcome in outcomes.items():
        on_event(outcome.status, chapter_id, outcome)
    to_run = [job for job in jobs if job.chapter_id not in ran]
    clear_chapter_outputs(to_run)
    if options.executor == "dask":
        outcomes.update(run_notebooks_dask(to_run, options.scheduler, on_event=on_event))
    else:
        outcomes.update(run_notebooks(to_run, options.jobs, on_event=on_event, warm=not options.fresh_kernels))
    for outcome in outcomes.values():
        # a kernel that could not write the executed notebook or a chart: the disk's fault, not the chapter's
        fault = outcome.status != "done" and disk_fault_in_text(outcome.error or "", build_dir)
        if fault:
            raise fault
    for chapter_id, outcome in outcomes.items():
        title = params.chapter(chapter_id).title
        status = "executed" if outcome.status == "done" else "failed"
        records[chapter_id] = ChapterRecord(chapter_id, title, status, outcome.seconds, keys[chapter_id],
                                            str(outcome.output), outcome.error)
        if status == "executed":
            (build_dir / "chapters" / chapter_id).mkdir(parents=True, exist_ok=True)
            (build_dir / "notebooks" / f"{chapter_id}.json").write_text(json.dumps(
                {"key": keys[chapter_id], "finished": datetime.now(timezone.utc).isoformat()}))
    timings["notebooks"] = time.perf_counter() - t - timings["figures"]
    ordered = [records[c.id] for c in chapters]
    failed = [r for r in ordered if r.status == "failed"]

    manifest = {
        "package_version": __version__,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params_file": str(options.params_path),
        "params_sha256": sha256_bytes(Path(options.params_path).read_bytes()),
        "params": json.loads(stable_json(params.model_dump())),
        "code_sha256": code_hash,
        "inputs": data_manifest,
        "chapters": {r.chapter_id: {"title": r.title, "status": r.status, "seconds": round(r.seconds, 2),
                                     "from_cache": r.status == "cached", "error": r.error,
                                     "notebook": os.path.relpath(r.notebook_log, root)} for r in ordered},
    }
    if failed and not options.allow_partial:
        progress.finish(ordered, None, "Nothing was published: a chapter failed. The previous "
                        "publication is unchanged. Fix the error (the executed notebook is the log) "
                        "or use --allow-partial.")
        return BuildResult(1, ordered, None, manifest, timings, "chapter failed")

    # book, downloads, render, publish
    t = time.perf_counter()
    progress.stage("Staging the book and rendering")
    if options.force:
        # --force: nothing kept from an earlier build (the downloads, pandoc's chapters)
        shutil.rmtree(build_dir / DOWNLOADS_KEPT, ignore_errors=True)
        shutil.rmtree(build_dir / RENDER_CACHE, ignore_errors=True)
    new_publication = build_dir / "publication.new"
    # The downloads, written again only when the measures, tables, params or code changed (not for a
    # reviewer's edit), from now on in a process forked now, while the book is staged and rendered
    # (neither reads them); a failure of theirs is raised all the same, before the render's own.
    downloads = DownloadsMeanwhile(results, params, build_dir, chapters, code_hash, new_publication / "downloads")
    try:
        return _stage_render_and_publish(params, root, build_dir, chapters, ordered, results, options,
                                         manifest, timings, t, started, progress, failed, code_hash,
                                         measures_key, new_publication, downloads)
    finally:
        downloads.cancel()     # a build that stopped before the render: nothing of the child's is kept


def _stage_render_and_publish(params: Params, root: Path, build_dir: Path, chapters: list[Chapter],
                              ordered: list[ChapterRecord], results, options: BuildOptions, manifest: dict,
                              timings: dict[str, float], t: float, started: float, progress: BuildProgress,
                              failed: list[ChapterRecord], code_hash: str, measures_key: str,
                              new_publication: Path, downloads: DownloadsMeanwhile) -> BuildResult:
    """Stage the book and the summary, then render and publish them unless the publication is
    already current (`_render_and_publish`)."""
    staging = stage_book(params, root, build_dir, chapters, {r.chapter_id: r for r in ordered}, results,
                         options.formats)
    manifest["measures"] = staging.measure_statuses
    manifest["recommendations"] = staging.recommendations_manifest
    # what turning the notebooks into chapters left out or found missing (alt text, captions)
    manifest["staging_warnings"] = staging.warnings
    for warning in staging.warnings:
        progress.note(f"chapter warning: {warning}")
    review = review_report(staging.recommendations, staging.measure_statuses, params=params)
    stale = [f"{item.id} ({os.path.relpath(item.file, root)}, line {item.line}): "
             + "; ".join(f"{c.measure} {c.describe()}" for c in item.changes) for item in review.needs_review]
    manifest["recommendations_needing_review"] = stale
    if stale:
        progress.note("Agreed recommendations that need review (python build.py review for the report):\n  "
                      + "\n  ".join(stale))
    if stale and options.strict:
        progress.finish(ordered, None, "Nothing was published: --strict and agreed recommendations need review.")
        return BuildResult(1, ordered, None, manifest, timings, "recommendations need review")
    summary_dir = stage_summary(params, root, build_dir, staging, options.formats)
    target = options.target or publication_target(params, options)
    manifest["publication_key"] = publication_key(staging.book_dir, summary_dir, options, code_hash, measures_key)
    exit_code = 1 if failed else 0

    if not options.force and _publication_current(target, manifest["publication_key"]):
        # Nothing that reaches the reader changed: keep the publication, refresh only its manifest.
        timings["render"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
        manifest["timings_seconds"] = {k: round(v, 2) for k, v in timings.items()}
        manifest["rendered"] = False
        if options.before_writing_target is not None:
            options.before_writing_target()
        previous = json.loads((target / "build-manifest.json").read_text())
        manifest["outputs"] = previous.get("outputs", [])
        # the temporary file lives beside the published folder, never in it
        tmp = target.with_name(f".{target.name}.build-manifest.json.tmp")
        try:
            with writing_into(target):
                tmp.write_text(json.dumps(manifest, indent=2, default=str))
                tmp.replace(target / "build-manifest.json")
        finally:
            tmp.unlink(missing_ok=True)
        progress.finish(ordered, target, "The publication is already up to date (nothing that reaches "
                        "the reader changed): not rendered again.")
        return BuildResult(exit_code, ordered, target, manifest, timings)

    try:
        with writing_into(new_publication):
            not_published = _render_and_publish(new_publication, target, results, params, build_dir, chapters,
                                                staging, summary_dir, options, manifest, timings, t, started,
                                                progress, ordered, downloads)
    finally:
        # rendered or not, the copy in the build folder is not needed again (and may fill the disk)
        shutil.rmtree(new_publication, ignore_errors=True)
    if not_published is not None:
        return not_published
    progress.finish(ordered, target, "Published with failed chapters marked (--allow-partial)."
                    if failed else "Published.")
    return BuildResult(exit_code, ordered, target, manifest, timings)


def _render_and_publish(new_publication: Path, target: Path, results, params: Params, build_dir: Path,
                        chapters: list[Chapter], staging, summary_dir: Path, options: BuildOptions,
                        manifest: dict, timings: dict[str, float], t: float, started: float,
                        progress: BuildProgress, ordered: list[ChapterRecord],
                        downloads: DownloadsMeanwhile) -> BuildResult | None:
    """Render the book, the summary and the downloads (being written by `downloads`) into
    `new_publication`, then swap it in. Returns the result of a build that could not render
    (nothing published), else None."""
    shutil.rmtree(new_publication, ignore_errors=True)
    new_publication.mkdir(parents=True)
    # the embedded renderer does not read the downloads: they are finished while it renders;
    # Quarto copies them into its site, so for Quarto they are in the staged book first
    meanwhile = choose_engine(options.engine) == "embedded"
    if not meanwhile:
        downloads.finish()
        _stage_downloads(new_publication, staging)
    try:
        with downloads:
            renderer, render_warnings, quarto_failure = render_publication(
                staging.book_dir, summary_dir / "summary.md", new_publication, options)
            if meanwhile:
                downloads.finish()
                _stage_downloads(new_publication, staging)
    except RenderError as exc:
        progress.finish(ordered, None, f"Nothing was published: {exc}\nThe previous publication "
                        f"is unchanged.")
        return BuildResult(1, ordered, None, manifest, timings, f"Nothing was published: {exc}")
    if quarto_failure is not None:
        progress.note(f"Quarto could not render this publication, so --renderer auto rendered all of it "
                      f"with the embedded renderer instead (nothing from Quarto is published).\n"
                      f"{quarto_failure}")
    for warning in render_warnings:
        progress.note(f"render warning: {warning}")
    manifest["renderer"] = renderer
    manifest["quarto_failure"] = quarto_failure
    timings["render"] = time.perf_counter() - t
    manifest["rendered"] = True
    manifest["render_warnings"] = render_warnings
    manifest["outputs"] = sorted(str(p.relative_to(new_publication)) for p in new_publication.rglob("*") if p.is_file())
    timings["total"] = time.perf_counter() - started
    manifest["timings_seconds"] = {k: round(v, 2) for k, v in timings.items()}
    (new_publication / "build-manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    if options.before_writing_target is not None:
        options.before_writing_target()
    carry_area_publications(target, new_publication)
    with writing_into(target.parent):
        publish(new_publication, target)
    return None


def _stage_downloads(new_publication: Path, staging) -> None:
    """The downloads in the staged book too: Quarto copies them into its site (resources)."""
    shutil.rmtree(staging.book_dir / "downloads", ignore_errors=True)
    shutil.copytree(new_publication / "downloads", staging.book_dir / "downloads")


def publication_target(params: Params, options: BuildOptions) -> Path:
    """Where the cycle is published. A partial build (some chapters, or without HTML or PDF) is a
    preview: it never replaces the publication. Adding Word (html,pdf,docx) is still the full one."""
    output_root = options.output_root or (options.root.resolve() / "_output")
    preview = bool(options.only) or not {"html", "pdf"} <= set(options.formats)
    return output_root / (f"{params.cycle}-preview" if preview else params.cycle)


def plan_chapters(params: Params, chapters: list[Chapter], options: BuildOptions, build_dir: Path,
                  measures_key: str, code_hash: str, root: Path, progress: BuildProgress | None = None
                  ) -> tuple[dict[str, ChapterRecord], list[NotebookJob], dict[str, str]]:
    """The chapters whose key is unchanged (records, cached) and the notebook jobs of the others."""
    records: dict[str, ChapterRecord] = {}
    jobs: list[NotebookJob] = []
    keys: dict[str, str] = {}
    for chapter in chapters:
        parameters = notebook_parameters(params, chapter, options, build_dir)
        key = chapter_key(chapter, parameters, params, measures_key, code_hash, root)
        keys[chapter.id] = key
        log = build_dir / "notebooks" / f"{chapter.id}.ipynb"
        record_path = log.with_suffix(".json")
        if not options.force and _cache_hit(record_path, key, log, build_dir / "chapters" / chapter.id):
            records[chapter.id] = ChapterRecord(chapter.id, chapter.title, "cached", 0.0, key, str(log))
            if progress is not None:
                progress.update(chapter.id, "cached")
            continue
        jobs.append(NotebookJob(chapter.id, chapter.title, root / chapter.notebook, log, parameters, root))
    return records, jobs, keys


def clear_chapter_outputs(jobs: list[NotebookJob]) -> None:
    """Before a chapter runs again: its last outputs and its record (so a failure is never cached)."""
    for job in jobs:
        build_dir = job.output.parent.parent
        shutil.rmtree(build_dir / "chapters" / job.chapter_id, ignore_errors=True)
        job.output.with_suffix(".json").unlink(missing_ok=True)


def carry_area_publications(target: Path, new_publication: Path) -> None:
    """A force publication's districts (`--areas`) live in its folder, each a publication of its own
    (with a manifest): a new force publication takes them over unchanged, so rebuilding the force
    alone never removes them."""
    if not target.is_dir():
        return
    for folder in sorted(target.iterdir()):
        if folder.is_dir() and (folder / "build-manifest.json").is_file() and not (new_publication / folder.name).exists():
            shutil.copytree(folder, new_publication / folder.name)


def render_publication(book_dir: Path, summary_path: Path, out: Path,
                       options: BuildOptions) -> tuple[str, list[str], str | None]:
    """Render the book and the summary into `out` with one renderer: (renderer used, warnings,
    Quarto's error when `auto` fell back to the embedded renderer). With `auto`, a Quarto failure
    never fails the build: everything Quarto made is removed and the whole publication is
    rendered again with the embedded renderer, so one publication never mixes the two."""
    engine = choose_engine(options.engine)
    warnings: list[str] = []
    try:
        _render_both(book_dir, summary_path, out, options.formats, engine, warnings)
        return engine, warnings, None
    except QuartoError as exc:
        if options.engine != "auto":
            raise
        failure = str(exc)
    for path in out.iterdir():
        if path.name != "downloads":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    warnings = [f"Quarto failed, so the embedded renderer made this publication: "
                f"{failure.splitlines()[0]}"]
    try:
        _render_both(book_dir, summary_path, out, options.formats, "embedded", warnings)
    except RenderError as exc:
        raise RenderError(f"{exc}\n(Quarto had failed first: {failure})") from None
    return "embedded", warnings, failure


def _render_both(book_dir: Path, summary_path: Path, out: Path, formats, engine: str,
                 warnings: list[str]) -> None:
    """The book and the summary at once (pandoc and typst run outside Python's lock). The embedded
    renderer keeps pandoc's reading of each source in `<build>/render-cache/`, so after an edit
    pandoc reads only the chapter that changed. Warnings: the book's, then the summary's."""
    cache = book_dir.parent / RENDER_CACHE
    book_warnings: list[str] = []
    summary_warnings: list[str] = []
    # Quarto: one render at a time (each starts its own pandoc and typst for every page already)
    with ThreadPoolExecutor(max_workers=2 if engine == "embedded" else 1) as pool:
        book = pool.submit(render_book, book_dir, out, formats=formats, engine=engine, basename="needs-assessment",
                           warnings_out=book_warnings, cache_dir=cache / "book")
        summary = pool.submit(render_document, summary_path, out, formats=formats, engine=engine,
                              basename="recommendations-summary", warnings_out=summary_warnings,
                              cache_dir=cache / "summary")
        book.result()
        summary.result()
    warnings.extend(book_warnings + summary_warnings)


def data_notes(data_manifest: dict, results: dict, params: Params) -> list[str]:
    """For the build summary: datasets and measures not available (and why), and records the force
    total counts but no district does (neighbouring authorities, no LSOA)."""
    notes = [f"dataset '{name}' not available: {entry['not_available']}"
             for name, entry in data_manifest.items() if entry.get("not_available")]
    notes += [f"measure '{m}' published as not available: {r.not_available}"
              for m, r in results.items() if r.not_available]
    notes += [f"measure '{m}': {r.value_not_available}; counts are published"
              for m, r in results.items() if r.value_not_available]
    coverage = {n: e["district_coverage"] for n, e in data_manifest.items() if e.get("district_coverage")}
    notes += coverage_sentences(coverage, params.area.force)
    return notes


def publication_key(book_dir: Path, summary_dir: Path, options: BuildOptions, code_hash: str,
                    measures_key: str) -> str:
    """Everything the rendered outputs depend on: the staged sources, the formats, the renderer."""
    digest = hashlib.sha256()
    for folder in (book_dir, summary_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(stable_json({"formats": sorted(options.formats), "engine": choose_engine(options.engine),
                               "code": code_hash, "measures": measures_key}).encode())
    return digest.hexdigest()


def _publication_current(target: Path, key: str) -> bool:
    try:
        manifest = json.loads((target / "build-manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("publication_key") == key and all(
        (target / name).exists() for name in manifest.get("outputs", []))


def _cache_hit(record_path: Path, key: str, log: Path, outputs: Path) -> bool:
    if not (record_path.exists() and log.exists()):
        return False
    try:
        record = json.loads(record_path.read_text())
        nbformat.read(log, as_version=4)
    except Exception:
        return False
    return record.get("key") == key and outputs.exists()
