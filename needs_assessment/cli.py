"""The one entry point, `python build.py`: build the needs assessment, or one of its helper commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common.errors import NeedsAssessmentError, disk_fault

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PARAMS = ROOT / "params" / "demo-2024.yml"

DESCRIPTION = """\
Build the Police and Crime Plan needs assessment: load the datasets named in a params file,
compute every measure, run one notebook per plan priority and cross-cutting theme (papermill),
and publish the book and the summary of recommendations as HTML and PDF in _output/<cycle>/.

Other commands:
  python build.py init DOWNLOADS [--cycle NAME] write params/<cycle>.yml for a new force from its downloads
  python build.py data [PATH ...] [--json]   check the datasets of a params file, or a new download
  python build.py review [--previous MANIFEST] list recommendations that need review, and what changed
  python build.py preview [--port N]          serve the assessment on 127.0.0.1 and reload it after each
                                              save of a recommendation file (or the params file)
  python build.py papers --meeting YYYY-MM-DD  a meeting's scrutiny papers: a cover paper per topic, an
                                              exception paper per measure off track or worse (params `papers:`)
  python build.py demo-data [--scale N] [--drop-months 2023-09,2023-10]
                                              (re)generate the demonstration data in data/demo/ (optionally
                                              without some police.uk months, to see how gaps are handled)
"""

EPILOG = """\
examples:
  python build.py                                   build from the demonstration params
  python build.py --params params/2025.yml          build a new cycle
  python build.py --only P3 --to html               rebuild one chapter, HTML only (published as <cycle>-preview)
  python build.py --to html,pdf,docx                publish the Word copies too (for reading and commenting)
  python build.py --force                           ignore every cache and run all notebooks
  python build.py --areas all                       the force and each district, one publication each
  python build.py --areas all --executor dask --scheduler tcp://10.0.0.5:8786
                                                    the same, the chapters run on a Dask cluster

A chapter is re-run only when its notebook, its parameters, the package code or the data change;
editing recommendations/ re-renders without running any notebook. If a chapter fails, nothing is
published and the last good publication stays as it was (see --allow-partial).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python build.py", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=DEFAULT_PARAMS,
                        help="the cycle's params file (default: %(default)s)")
    parser.add_argument("--to", default="html,pdf", metavar="FORMATS",
                        help="output formats, comma-separated: html, pdf, docx (default: html,pdf; "
                             "html,pdf,docx adds the Word copies); without both html and pdf "
                             "it is a preview, published to _output/<cycle>-preview/")
    parser.add_argument("--only", default="", metavar="IDS",
                        help="build only these chapter ids, comma-separated (e.g. P1,T2); "
                             "published to _output/<cycle>-preview/ so the full publication is untouched")
    parser.add_argument("--jobs", type=int, default=None,
                        help="notebooks run at once (default: the number of cores)")
    parser.add_argument("--force", action="store_true", help="ignore the caches and run everything again")
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="start a new kernel for every chapter (papermill's default), instead of each "
                             "worker running its chapters in turn in one kernel, reset between them")
    parser.add_argument("--allow-partial", action="store_true",
                        help="publish even if a chapter fails, with a 'this chapter failed to build' section")
    parser.add_argument("--strict", action="store_true",
                        help="do not publish if an agreed recommendation rests on a measure whose status changed")
    parser.add_argument("--renderer", choices=["auto", "quarto", "embedded"], default="auto",
                        help="auto: Quarto if it is on the PATH, otherwise the embedded pandoc + typst renderer")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    parser.add_argument("--areas", default="", metavar="AREAS",
                        help="publish each district's own assessment too: all, or district names or codes, "
                             "comma-separated; the force stays in _output/<cycle>/, each district in "
                             "_output/<cycle>/<district>/")
    parser.add_argument("--executor", choices=["local", "dask"], default="local",
                        help="where the chapters run: local (a process pool, the default) or dask (a Dask "
                             "distributed cluster, with --scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --executor dask: the scheduler's address, e.g. tcp://10.0.0.5:8786")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and not argv[0].startswith("-") else "build"
    try:
        if command == "init":
            return init_command(argv[1:])
        if command == "data":
            return data_command(argv[1:])
        if command == "review":
            return review_command(argv[1:])
        if command == "preview":
            from .pipeline.preview import main_preview
            return main_preview(argv[1:], ROOT, DEFAULT_PARAMS)
        if command == "papers":
            return papers_command(argv[1:])
        if command == "demo-data":
            from .demo.generate import main as demo_main
            return demo_main(argv[1:]) or 0
        if command != "build":
            build_parser().error(f"unknown command '{command}' (commands: init, data, review, preview, papers, demo-data)")
        if argv and argv[0] == "build":
            argv = argv[1:]
        return build_command(argv)
    except NeedsAssessmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # a full, read-only or not-writable disk the command did not expect: still one line
        fault = disk_fault(exc)
        if fault is None:
            raise
        print(f"error: {fault}", file=sys.stderr)
        return 2


def build_command(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from .pipeline.build import BuildOptions, build
    formats = tuple(f.strip() for f in args.to.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf", "docx"})
    if bad:
        print(f"error: --to accepts html, pdf and docx, not {', '.join(bad)}", file=sys.stderr)
        return 2
    options = BuildOptions(params_path=args.params, root=ROOT, formats=formats,
                           only=tuple(i.strip() for i in args.only.split(",") if i.strip()),
                           jobs=args.jobs, force=args.force, allow_partial=args.allow_partial, strict=args.strict,
                           engine=args.renderer, quiet=args.quiet,
                           areas=tuple(a.strip() for a in args.areas.split(",") if a.strip()),
                           executor=args.executor, scheduler=args.scheduler,
                           fresh_kernels=args.fresh_kernels)
    if args.executor == "dask" and not args.scheduler:
        print("error: --executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786, from `dask scheduler`)",
              file=sys.stderr)
        return 2
    if options.areas:
        from .pipeline.areas import build_with_areas
        return build_with_areas(options).exit_code
    return build(options).exit_code


def init_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python build.py init",
        description="Write params/<cycle>.yml for a new force from a folder of its downloads (police.uk zips or "
                    "folders, the IMD file, Home Office, DfT and ONS files): the force, its districts, the months "
                    "available, period_end and baseline, its most similar group and STATS19 code, the datasets "
                    "found and the plan from params/templates/police-and-crime-plan.yml; and an empty "
                    "recommendations file for each chapter in recommendations/<cycle>/. Never overwrites a file.")
    parser.add_argument("downloads", type=Path, help="the folder holding the downloads")
    parser.add_argument("--cycle", help="the cycle's name, and the params file's (default: <force>-<year of "
                                        "the latest month>, e.g. durham-2022)")
    parser.add_argument("--force", dest="slug", metavar="SLUG",
                        help="the police.uk force (the <force> part of the file names) when the folder holds several")
    parser.add_argument("--plan-name", default="Police and Crime Plan", help="the plan's name as published")
    args = parser.parse_args(argv)
    from .init.cycle import init_cycle, summary
    result = init_cycle(args.downloads, ROOT, args.cycle, slug=args.slug, plan_name=args.plan_name)
    print(summary(result, ROOT))
    return 0


def data_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python build.py data",
                                     description="With no PATH: list each dataset of the params file with the "
                                                 "release found, its files, rows, months and validation result. "
                                                 "With PATHs (files, folders or zips as downloaded): validate them "
                                                 "and count rows by month and by category.")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--params", type=Path, default=None,
                        help=f"the cycle's params file (default: {DEFAULT_PARAMS.relative_to(ROOT)}); with PATHs, "
                             "files with nothing for its force are problems")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    args = parser.parse_args(argv)
    from .measures.report import run_data_command
    return run_data_command(args.paths, args.params or DEFAULT_PARAMS, args.json,
                            params_given=args.params is not None)


def review_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python build.py review",
                                     description="Recommendations whose measures changed status since they were "
                                                 "agreed, and (with --previous) what changed since the last cycle. "
                                                 "Prints the report and writes it as HTML.")
    parser.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    parser.add_argument("--previous", type=Path, help="the previous cycle's build-manifest.json")
    parser.add_argument("--strict", action="store_true", help="exit non-zero when a recommendation needs review")
    args = parser.parse_args(argv)
    from .pipeline.book import measure_statuses
    from .common.build_folder import cycle_lock
    from .common.hashing import package_code_hash
    from .measures.stage import run_measures_stage
    from .measures.store import load_measure_results
    from .params import load_params
    from .recommendations.files import load_recommendations
    from .recommendations.review import format_review_html, format_review_text, review_report
    params = load_params(args.params)
    build_dir = ROOT / "_build" / params.cycle
    with cycle_lock(ROOT, params.cycle):
        run_measures_stage(params, ROOT, build_dir, ROOT / ".cache" / "datasets", package_code_hash())
        statuses = measure_statuses(load_measure_results(build_dir))
    previous = json.loads(args.previous.read_text()) if args.previous else None
    recommendations = load_recommendations(ROOT / params.recommendations, params)
    report = review_report(recommendations, statuses, previous, params=params)
    print(format_review_text(report))
    html_path = build_dir / "review-report.html"
    html_path.write_text(format_review_html(report), encoding="utf-8")
    print(f"\nReview report written to {html_path}")
    return 1 if (args.strict and report.needs_review) else 0


def papers_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python build.py papers",
        description="A meeting's pack of scrutiny papers, from the params file's `papers:` section: a cover paper "
                    "for each topic and an exception paper for each of its measures that is off track or "
                    "significantly worse than its baseline or its most similar group. The authors' text is in "
                    "papers/<meeting>/ (a skeleton is written for a paper that has none; never overwritten). "
                    "Published to _output/<cycle>-papers/<meeting>/ only when every paper is ready and rendered.")
    parser.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="the meeting's date")
    parser.add_argument("--topics", default="", metavar="IDS", help="only these topics, comma-separated")
    parser.add_argument("--params", type=Path, default=DEFAULT_PARAMS)
    parser.add_argument("--to", default="html,pdf,docx", metavar="FORMATS",
                        help="html, pdf, docx, comma-separated (default: %(default)s)")
    parser.add_argument("--allow-draft", action="store_true",
                        help="publish even with papers marked `status: draft`, as a draft pack in <meeting>-draft/")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.to.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf", "docx"})
    if bad or not formats:
        print(f"error: --to accepts html, pdf and docx, not {', '.join(bad) or 'nothing'}", file=sys.stderr)
        return 2
    from .pipeline.papers import PapersOptions, build_papers
    options = PapersOptions(params_path=args.params, root=ROOT, meeting=args.meeting,
                            topics=tuple(t.strip() for t in args.topics.split(",") if t.strip()),
                            formats=formats, allow_draft=args.allow_draft, quiet=args.quiet)
    return build_papers(options).exit_code
