"""A meeting's pack of scrutiny papers: `python build.py papers --meeting YYYY-MM-DD`.

For each topic of the params' `papers:` section, a cover paper in the standard layout (subject;
purpose of the report; recommendation; link to the Police and Crime Plan; key information;
partnership contribution; equality, diversity and inclusion; contact; attachment), and an exception
paper for each of the topics' measures that is off track or significantly worse than its baseline or
its most similar group. Key information is written by the build from the measures stage (the same
measures, charts, findings wording and tables as the assessment); the rest is the authors' text in
`papers/<meeting>/`, which the build only reads.

Each paper and the whole pack are rendered (embedded pandoc + typst renderer) to HTML, PDF and Word
with an index page and a manifest (data files with their hashes, the measures' values used, the
authors' files), into a new folder swapped into `_output/<cycle>-papers/<meeting>/` only when all
of it rendered: a failure leaves the last good pack as it was. A pack with draft papers is
published only with --allow-draft, and then to `<meeting>-draft/`, never over the real pack.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import __version__
from ..common.build_folder import cycle_lock
from ..common.errors import NeedsAssessmentError, RecommendationError, writing_into
from ..common.hashing import package_code_hash, sha256_bytes, stable_json
from ..content import findings as F
from ..content.charts import ChartDataError, trend_chart
from ..content.display import figure_markdown
from ..content.papers import exception_reasons, key_information_markdown, msg_comparison, period_words
from ..content.tables import district_table, slug
from ..content.text import plain
from ..measures.periods import PeriodFigures, period_figures, window_months
from ..measures.stage import run_measures_stage
from ..measures.store import load_measure_results
from ..params import Params, PaperTopic, load_params
from ..recommendations.files import RecommendationErrors
from ..recommendations.live_figures import check_variables
from ..recommendations.papers import SECTIONS, PaperText, ensure_file, read_paper
from ..recommendations.safety import escape_markdown
from ..render import render_document
from ..render.project import format_date
from .book import STYLES, build_variables
from .publish import publish

FORMATS = ("html", "pdf", "docx")
MANIFEST = "pack-manifest.json"


class PapersError(NeedsAssessmentError):
    """The meeting pack cannot be built as asked (no `papers:` section, a bad date, drafts)."""


@dataclass
class PapersOptions:
    params_path: Path
    root: Path
    meeting: str
    topics: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS
    allow_draft: bool = False
    output_root: Path | None = None
    quiet: bool = False


@dataclass
class Paper:
    name: str                     # file stem of its outputs: "P3-safer-places", "exception-serious-violence"
    kind: str                     # cover | exception
    title: str                    # the subject
    topic: PaperTopic
    measures: list[str]
    text: PaperText
    reasons: list[str] = field(default_factory=list)   # an exception paper's reasons


@dataclass
class PapersResult:
    exit_code: int
    published_to: Path | None
    papers: list[Paper]
    manifest: dict
    seconds: float = 0.0
    message: str = ""


def meeting_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise PapersError(f"--meeting {text}: the meeting's date is written year-month-day, like "
                          "--meeting 2024-06-11") from None


def _say(options: PapersOptions, text: str) -> None:
    if not options.quiet:
        print(text, flush=True)


def build_papers(options: PapersOptions) -> PapersResult:
    started = time.perf_counter()
    params = load_params(options.params_path)
    if params.papers is None:
        raise PapersError(f"{options.params_path}: there is no `papers:` section, so there are no topics for a "
                          "meeting's papers. Add one (see params/demo-2024.yml), e.g.\n"
                          "papers:\n  topics:\n    - {id: P3, chapter: P3}")
    day = meeting_date(options.meeting)
    topics = list(params.papers.topics)
    if options.topics:
        known = [t.id for t in topics]
        unknown = [t for t in options.topics if t not in known]
        if unknown:
            raise PapersError(f"--topics: unknown topic(s) {', '.join(unknown)}; the params file's topics are "
                              f"{', '.join(known)}")
        topics = [t for t in topics if t.id in options.topics]
    root = options.root.resolve()
    build_dir = root / "_build" / params.cycle
    with writing_into(build_dir), cycle_lock(root, params.cycle, options.quiet):
        _say(options, "Loading data and computing measures")
        data_manifest, measures_key, _ = run_measures_stage(params, root, build_dir, root / ".cache" / "datasets",
                                                            package_code_hash())
        results = load_measure_results(build_dir)
        return _build(options, params, day, topics, results, data_manifest, build_dir, started,
                      time.perf_counter() - started)


def _figures(params: Params, results: dict, measure_ids) -> dict[str, PeriodFigures]:
    return {m: period_figures(results[m], params.papers.period, params.confidence_level) for m in measure_ids}


def _build(options: PapersOptions, params: Params, day: dt.date, topics: list[PaperTopic], results: dict,
           data_manifest: dict, build_dir: Path, started: float, measures_seconds: float = 0.0) -> PapersResult:
    root = options.root.resolve()
    meeting = day.isoformat()
    folder = root / params.papers.folder / meeting
    measure_ids = list(dict.fromkeys(m for t in topics for m in params.topic_measures(t)))
    figures = _figures(params, results, measure_ids)
    shown_date = format_date(meeting)[0]

    # the papers and their authors' files (a missing one is written once, as a draft skeleton)
    plan: list[tuple[str, str, str, PaperTopic, list[str], list[str], Path, dict]] = []
    for topic in topics:
        title = params.topic_title(topic)
        # named like the recommendations' files: a chapter's slug, or the topic's own title
        name = f"{topic.id}-{params.chapter(topic.chapter).slug if topic.chapter and not topic.title else slug(title)}"
        plan.append((name, "cover", title, topic, params.topic_measures(topic), [], folder / f"{name}.md",
                     {"topic": topic.id}))
    owner = {}
    for topic in topics:
        for m in params.topic_measures(topic):
            owner.setdefault(m, topic)
    for m in measure_ids:
        reasons = exception_reasons(results[m], figures[m])
        if reasons:
            name = f"exception-{slug(m)}"
            plan.append((name, "exception", results[m].title, owner[m], [m], reasons, folder / f"{name}.md",
                         {"measure": m}))
    created = []
    for name, kind, title, topic, _, _, path, front in plan:
        what = "cover paper" if kind == "cover" else "exception paper"
        note = (f"The {what} on {title} for the {params.papers.meeting} on {shown_date}. The build writes the "
                "subject and the figures of key information.")
        if ensure_file(path, front, f"{title}: {what}", note):
            created.append(os.path.relpath(path, root))
    for path in created:
        _say(options, f"Wrote a skeleton for the author: {path} (status: draft)")

    papers, errors = [], []
    for name, kind, title, topic, measures, reasons, path, front in plan:
        try:
            text = read_paper(path, front)
        except RecommendationErrors as exc:
            errors += exc.errors
            continue
        except RecommendationError as exc:
            errors.append(exc)
            continue
        text.created = os.path.relpath(path, root) in created
        papers.append(Paper(name, kind, title, topic, measures, text, reasons))
    if errors:
        raise errors[0] if len(errors) == 1 else RecommendationErrors(errors)
    variables = build_variables(params, results)
    variables["meeting"] = {"date": shown_date, "name": plain(params.papers.meeting)}
    check_variables([p.text for p in papers], variables)

    drafts = [p.text.file for p in papers if p.text.is_draft]
    if drafts and not options.allow_draft:
        message = ("Nothing was published: these papers are marked `status: draft`:\n  " + "\n  ".join(drafts)
                   + "\nWrite them and set `status: ready`, or build with --allow-draft to publish a draft pack "
                   "(to its own -draft folder). The last pack is unchanged.")
        _say(options, message)
        return PapersResult(1, None, papers, {}, time.perf_counter() - started, message)

    draft = bool(drafts)
    output_root = options.output_root or (root / "_output")
    target = output_root / f"{params.cycle}-papers" / (f"{meeting}-draft" if draft else meeting)
    stage = build_dir / "papers" / meeting
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "figures").mkdir(parents=True)
    _say(options, f"Drawing {len(measure_ids)} charts and writing {len(papers)} papers")
    t = time.perf_counter()
    charts = _charts(results, measure_ids, stage / "figures")
    chart_seconds = time.perf_counter() - t
    (stage / "_variables.yml").write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True))
    (stage / "_quarto.yml").write_text(yaml.safe_dump({"project": {"type": "default"}}))
    (stage / "styles").mkdir()
    for css in STYLES.glob("*.css"):
        shutil.copyfile(css, stage / "styles" / css.name)

    context = _Context(params, results, figures, charts, shown_date, meeting, draft, options.formats)
    for paper in papers:
        body = paper_markdown(context, paper, level=1)
        _write_document(stage / f"{paper.name}.md", context, paper.title, _kind_words(paper), body, toc=False)
    pack_body = pack_markdown(context, papers)
    pack_title = f"{params.papers.meeting}, {shown_date}: papers"
    _write_document(stage / "pack.md", context, pack_title, f"{len(papers)} papers", pack_body, toc=True,
                    compact=False)
    _write_document(stage / "index.md", context, pack_title, "Index of papers", index_markdown(context, papers),
                    toc=False)

    manifest = {
        "package_version": __version__,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "meeting": meeting, "meeting_name": params.papers.meeting, "cycle": params.cycle, "draft": draft,
        "params_file": str(options.params_path),
        "params_sha256": sha256_bytes(Path(options.params_path).read_bytes()),
        "period": params.papers.period,
        "inputs": data_manifest,
        "measures": {m: measure_record(results[m], figures[m]) for m in measure_ids},
        "papers": [{"name": p.name, "kind": p.kind, "title": p.title, "topic": p.topic.id, "measures": p.measures,
                    "reasons": p.reasons, "author_file": p.text.file, "status": p.text.status,
                    "author_file_sha256": sha256_bytes((root / p.text.file).read_bytes())
                    if (root / p.text.file).exists() else None} for p in papers],
    }
    new = build_dir / "papers" / f"{meeting}.new"
    shutil.rmtree(new, ignore_errors=True)
    try:
        with writing_into(new):
            new.mkdir(parents=True)
            t = time.perf_counter()
            outputs = _render_all(stage, new, papers, options.formats, options.quiet)
            manifest["outputs"] = sorted(outputs)
            manifest["timings_seconds"] = {"data_and_measures": round(measures_seconds, 2),
                                           "charts": round(chart_seconds, 2),
                                           "render": round(time.perf_counter() - t, 2),
                                           "total": round(time.perf_counter() - started, 2)}
            (new / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
            publish(new, target)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    seconds = time.perf_counter() - started
    _say(options, f"Published {len(papers)} papers ({sum(p.kind == 'exception' for p in papers)} exception papers)"
                  f"{' as a DRAFT pack' if draft else ''} to {os.path.relpath(target, root)} in {seconds:.1f} s")
    return PapersResult(0, target, papers, manifest, seconds)


@dataclass
class _Context:
    params: Params
    results: dict
    figures: dict[str, PeriodFigures]
    charts: dict[str, object]
    date: str                  # as shown: "11 June 2024"
    meeting: str               # ISO: "2024-06-11"
    draft: bool
    formats: tuple[str, ...]


def _kind_words(paper: Paper) -> str:
    return "Cover paper" if paper.kind == "cover" else "Exception paper"


def _charts(results: dict, measure_ids: list[str], folder: Path) -> dict:
    charts = {}
    for m in measure_ids:
        result = results[m]
        if result.not_available or not result.has_data:
            continue
        try:
            charts[m] = trend_chart(result, folder / f"{slug(m)}.png")
        except ChartDataError:
            continue
    return charts


def _chart_markdown(context: _Context, measure_id: str) -> str | None:
    """The measure's trend chart, its caption stating what it shows and for which months, and its alt text."""
    chart = context.charts.get(measure_id)
    if chart is None:
        return None
    caption = f"{plain(chart.title)}. {plain(chart.subtitle)}. Source: {plain(chart.source)}"
    figure = figure_markdown(f"figures/{chart.path.name}", caption, alt=chart.alt_text)
    return figure[:-1] + ' width="80%"}'    # a small chart: a paper is read beside others


def _heading(level: int, text: str) -> str:
    return f"{'#' * level} {text} {{.unnumbered}}"


def _authored(context: _Context, paper: Paper, key: str, heading: str) -> str | None:
    text = paper.text.sections.get(key, "")
    if text.strip():
        return escape_markdown(text)
    if context.params.papers.empty_sections == "omit":
        return None
    return (f"::: {{.paper-unwritten}}\n*Not yet written: {heading.lower()} is for the author to complete in "
            f"{plain(paper.text.file)}.*\n:::")


def _plan_link(context: _Context, paper: Paper) -> str:
    params = context.params
    chapters = [paper.topic.chapter] if paper.topic.chapter else list(dict.fromkeys(
        params.measures[m].chapter for m in paper.measures))
    parts = {c.id: part.title for part in params.plan.parts for c in part.chapters}
    named = [f"{plain(params.chapter(c).title)}" + (f" ({plain(parts[c]).lower()})" if c in parts else "")
             for c in chapters]
    return (f"This paper scrutinises {F._join(named)} in the {plain(params.plan.name)}. The figures are the "
            f"measures the plan uses to follow progress, from the same data and calculations as the "
            f"{plain(params.title)}.")


def _key_information(context: _Context, paper: Paper, level: int) -> str:
    params = context.params
    blocks = []
    if paper.kind == "exception":
        m = paper.measures[0]
        result, figures = context.results[m], context.figures[m]
        blocks.append(f"This measure has an exception paper because {F._join(paper.reasons)}.")
        blocks.append(key_information_markdown(result, figures, _chart_markdown(context, m)))
        if figures.period == "12 months" and result.definition.statistic != "count" and not result.districts.empty:
            blocks.append(district_table(result, label=f"{slug(m)}-districts-{slug(paper.name)}"))
        return "\n\n".join(blocks)
    first = context.figures[paper.measures[0]] if paper.measures else None
    if first is not None:
        blocks.append(f"The figures are for {period_words(first.start, first.end, first.period)} unless a figure "
                      "says otherwise, with the same months a year earlier, the plan's baseline and, where the "
                      "data have them, the most similar group of forces.")
    exceptions = [p for p in _all_exceptions(context, paper)]
    if exceptions:
        blocks.append(f"{len(exceptions)} of its {len(paper.measures)} measures "
                      f"{'has' if len(exceptions) == 1 else 'have'} an exception paper: "
                      + F._join([plain(context.results[m].title) for m in exceptions]) + ".")
    else:
        blocks.append(f"None of its {len(paper.measures)} measures is off track or significantly worse than its "
                      "baseline or its most similar group, so there is no exception paper.")
    for m in paper.measures:
        result = context.results[m]
        blocks.append(_heading(level + 1, plain(result.title)))
        blocks.append(key_information_markdown(result, context.figures[m], _chart_markdown(context, m)))
    return "\n\n".join(blocks)


def _all_exceptions(context: _Context, paper: Paper) -> list[str]:
    return [m for m in paper.measures if exception_reasons(context.results[m], context.figures[m])]


def paper_markdown(context: _Context, paper: Paper, level: int = 1) -> str:
    """A paper's body: its sections in the standard order, headings at `level`."""
    params = context.params
    out = []
    if context.draft and paper.text.is_draft:
        out.append("::: {.callout-important}\n## Draft\n\nThis paper is a draft: it is not agreed for "
                   "publication.\n:::")
    kind = "Cover paper" if paper.kind == "cover" else "Exception paper"
    subject = (f"{kind}: {plain(paper.title)}, for the {plain(params.papers.meeting)} on {context.date}."
               if paper.kind == "cover" else
               f"{kind}: {plain(paper.title)} ({plain(params.topic_title(paper.topic))}), for the "
               f"{plain(params.papers.meeting)} on {context.date}.")
    out += [_heading(level, "Subject"), subject]
    for key, heading in SECTIONS:
        if key == "key_information":
            authored = paper.text.sections.get(key, "").strip()
            text = _key_information(context, paper, level)
            if authored:
                text += "\n\n" + escape_markdown(authored)
        elif key == "plan":
            authored = paper.text.sections.get(key, "").strip()
            text = _plan_link(context, paper) + ("\n\n" + escape_markdown(authored) if authored else "")
        else:
            text = _authored(context, paper, key, heading)
        if text is None:
            continue
        out += [_heading(level, heading), text]
    return "\n\n".join(out) + "\n"


def pack_markdown(context: _Context, papers: list[Paper]) -> str:
    """The whole pack: an index, then each paper as a chapter (its sections one level down)."""
    out = [_heading(1, "Papers in this pack"), _index_table(context, papers, links=False)]
    for paper in papers:
        out.append(f"# {_kind_words(paper)}: {plain(paper.title)} {{.unnumbered}}")
        out.append(paper_markdown(context, paper, level=2))
    return "\n\n".join(out) + "\n"


def _index_table(context: _Context, papers: list[Paper], links: bool) -> str:
    rows = ["| Paper | Topic | Measures | Formats |", "|:------|:------|:---------|:--------|"]
    for p in papers:
        formats = " ".join(f"[{f.upper() if f != 'docx' else 'Word'}]({p.name}.{f})" for f in context.formats) \
            if links else ", ".join("Word" if f == "docx" else f.upper() for f in context.formats)
        measures = "; ".join(plain(context.results[m].title) for m in p.measures)
        rows.append(f"| {_kind_words(p)}: {plain(p.title)} | {plain(context.params.topic_title(p.topic))} | "
                    f"{measures} | {formats} |")
    return "\n".join(rows) + "\n\n: The papers for the meeting"


def index_markdown(context: _Context, papers: list[Paper]) -> str:
    params = context.params
    pack = " ".join(f"[{f.upper() if f != 'docx' else 'Word'}](pack.{f})" for f in context.formats)
    text = [f"The papers for the {plain(params.papers.meeting)} on {context.date}: a cover paper for each topic "
            "and an exception paper for each measure that is off track or significantly worse than its baseline "
            f"or its most similar group of forces. The whole pack in one file: {pack}. What the pack was built "
            f"from (data files with their hashes, the measures' values): [{MANIFEST}]({MANIFEST}).", ""]
    if context.draft:
        text += ["::: {.callout-important}\n## Draft pack\n\nSome papers are drafts: this pack is not agreed for "
                 "publication.\n:::", ""]
    text.append(_index_table(context, papers, links=True))
    return "\n".join(text) + "\n"


def paper_period(params: Params) -> str:
    """"April 2023 to March 2024 (the latest 12 months)": the papers' period, on every page's cover."""
    months = window_months(params.papers.period, params.period_end_month)
    return f"{F.period_label(months[0])} to {F.period_label(months[-1])} (the latest {params.papers.period})".replace(
        "the latest financial year to date", "the financial year to date")


def _write_document(path: Path, context: _Context, title: str, subtitle: str, body: str, toc: bool = True,
                    compact: bool = True) -> None:
    params = context.params
    front = {"title": title, "subtitle": f"{subtitle}: {params.papers.meeting}, {context.date}",
             "author": params.author, "date": context.meeting, "lang": "en-GB", "toc": toc,
             "needs-assessment": {
                 "demonstration": params.demonstration,
                 "protective-marking": (f"{params.protective_marking} - DRAFT" if context.draft and
                                        params.protective_marking else
                                        ("DRAFT" if context.draft else params.protective_marking)),
                 "area": params.area.name, "cycle": params.cycle, "plan": params.plan.name,
                 "period-covered": paper_period(params),
                 "cover": "compact" if compact else "page", "date-label": "Meeting",
                 "downloads": [{"label": "Index of the papers", "href": "index.html"},
                               {"label": "The whole pack (PDF)", "href": "pack.pdf"}]}}
    path.write_text("---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + body,
                    encoding="utf-8")


def _render_one(stage: Path, out: Path, name: str, formats) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    written = render_document(stage / f"{name}.md", out, formats=formats, engine="embedded", basename=name,
                              warnings_out=warnings)
    return [Path(p).name for p in written.values()], warnings


def _render_all(stage: Path, out: Path, papers: list[Paper], formats, quiet: bool) -> list[str]:
    """Render every paper, the pack and the index, one after another. (Rendering them in forked
    worker processes was tried: it hung once under load, a fork of a process with threads, so it
    is not done.)"""
    documents = [(p.name, tuple(formats)) for p in papers] + [("pack", tuple(formats)), ("index", ("html",))]
    outputs: list[str] = []
    for name, fmts in documents:
        outputs += _render_one(stage, out, name, fmts)[0]
    shutil.copytree(stage / "figures", out / "figures")
    outputs.append(MANIFEST)
    return outputs


def measure_record(result, figures: PeriodFigures) -> dict:
    """What the manifest records of a measure: each area's figures for the paper's period."""
    def clean(value):
        if isinstance(value, (bool,)) or value is None:
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        return None if number != number else round(number, 4)
    rows = []
    for _, row in figures.rows.iterrows():
        rows.append({k: clean(row[k]) for k in ("area", "area_type", "count", "value", "lower_95", "upper_95",
                                                "previous_value", "baseline_value", "comparison", "status")}
                    | {"suppressed": bool(row["suppressed"])})
    return {"title": result.title, "unit": result.unit, "period": figures.period,
            "period_start": str(figures.start), "period_end": str(figures.end),
            "not_available": figures.not_available, "msg_average": clean(figures.msg_average),
            "msg_comparison": msg_comparison(result, figures), "exception": exception_reasons(result, figures),
            "areas": rows}
