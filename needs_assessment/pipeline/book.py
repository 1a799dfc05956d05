"""Stage the Quarto book: the folder of chapters, includes and variables that either renderer renders.

Executed notebooks become chapters, recommendations become includes, measure figures become
`_variables.yml`, and `_quarto.yml` gets the plan's chapters.

The staged folder is a complete Quarto project: `quarto render` renders it where Quarto is
installed, and the embedded renderer renders the same files where it is not. It is rebuilt on
every build (it is cheap) so that an edited recommendation always reaches the output without
running a notebook.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..content import findings
from ..params import Chapter, Params
from ..recommendations.live_figures import check_variables
from ..recommendations.files import load_recommendations, recommendations_manifest
from ..recommendations.markdown import summary_markdown, write_section_includes
from ..render import notebook_to_markdown
from ..render.project import format_date
from ..content.text import plain

STYLES = Path(__file__).resolve().parents[1] / "render" / "templates"


@dataclass
class Staging:
    book_dir: Path
    variables: dict
    measure_statuses: dict
    recommendations: list = field(default_factory=list)
    recommendations_manifest: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def chapter_file(chapter: Chapter) -> str:
    return f"chapters/{chapter.id}-{chapter.slug}.md"


def period_covered(params: Params) -> str:
    end = params.period_end_month
    return f"{(end - 11).strftime('%B %Y')} to {end.strftime('%B %Y')}"


def needs_assessment_metadata(params: Params, formats=("html", "pdf")) -> dict:
    """The `needs-assessment` metadata both renderers read; the downloads list names the Word
    copies only when the build makes them."""
    word = ([{"label": "The needs assessment (Word, for reading and commenting)", "href": "needs-assessment.docx"},
             {"label": "Summary of recommendations (Word, for reading and commenting)",
              "href": "recommendations-summary.docx"}] if "docx" in formats else [])
    return {
        "demonstration": params.demonstration,
        "protective-marking": params.protective_marking,
        "area": params.area.name,
        "cycle": params.cycle,
        "plan": params.plan.name,
        "period-covered": period_covered(params),
        "downloads": [
            {"label": "The needs assessment (PDF)", "href": "needs-assessment.pdf"},
            {"label": "Summary of recommendations (PDF)", "href": "recommendations-summary.pdf"},
            *word,
            {"label": "Every measure (measures.csv)", "href": "downloads/measures.csv"},
            {"label": "All tables (Excel workbook)", "href": f"downloads/{params.cycle}-needs-assessment-tables.xlsx"},
        ],
    }


def quarto_config(params: Params, root: Path, chapters: list[Chapter], formats=("html", "pdf")) -> dict:
    """The project's `_quarto.yml` with the book's metadata and chapter list taken from the params."""
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    book = config.setdefault("book", {})
    book.update({"title": params.title, "subtitle": params.subtitle, "author": params.author,
                 "date": params.publication_date})
    wanted = {c.id for c in chapters}
    appendix_ids = {c.id for c in params.plan.appendices}
    entries: list = ["index.md"]
    for part in params.plan.parts:
        files = [chapter_file(c) for c in part.chapters if c.id in wanted]
        if files:
            entries.append({"part": part.title, "chapters": files})
    book["chapters"] = entries
    appendices = [chapter_file(c) for c in params.plan.appendices if c.id in wanted and c.id in appendix_ids]
    if appendices:
        book["appendices"] = appendices
    else:
        book.pop("appendices", None)
    na = needs_assessment_metadata(params, formats)
    # for Quarto's typst template (the embedded renderer reads book.date itself)
    na["book"] = True
    shown, iso = format_date(params.publication_date)
    if iso:
        na["date"] = shown                     # "28 June 2024", as the embedded renderer shows it
        na["date-parts"] = [int(x) for x in iso.split("-")]
    config["needs-assessment"] = na
    config["keywords"] = ["Police and Crime Plan", "needs assessment", params.area.name, params.cycle]
    return config


def build_variables(params: Params, results: dict) -> dict:
    """What `{{< var ... >}}` inserts. The resolver puts a value into the Markdown as it is, so text
    from the params (names, titles) is escaped for Markdown (`text.plain`); figures are numbers."""
    variables = {}
    for measure_id, result in results.items():
        variables[measure_id] = figures = findings.variables_for(result)
        figures["title"] = plain(figures["title"])
    variables["area"] = {"name": plain(params.area.name), "force": plain(params.area.force),
                         "districts": str(len(params.area.districts))}
    variables["period"] = {"latest": period_covered(params),
                           "end": params.period_end_month.strftime("%B %Y"),
                           "baseline": f"12 months to {params.baseline_months[1].strftime('%B %Y')}"}
    variables["plan"] = {"name": plain(params.plan.name)}
    return variables


def failed_chapter_markdown(chapter: Chapter, error: str | None) -> str:
    return (f"# {plain(chapter.title)} {{#sec-{chapter.id.lower()}}}\n\n"
            f"::: {{.callout-warning}}\n## This chapter failed to build\n\n"
            f"The analysis for this chapter did not complete in this build, so its figures are not shown. "
            f"The rest of the assessment is unaffected. Error: {plain(error or 'unknown')}\n:::\n")


def index_markdown(params: Params) -> str:
    lines = ["# About this assessment {.unnumbered}", "",
             f"This document is the {plain(params.title)} for {plain(params.area.name)}. It reviews each priority and "
             f"cross-cutting theme of the {plain(params.plan.name)} against its performance measures, for the latest 12 months "
             f"({{{{< var period.latest >}}}}), and ends each section with recommendations for the next plan.", ""]
    if params.demonstration:
        lines += ["::: {.callout-important}", "## Demonstration data",
                  "", "Every figure in this document comes from generated demonstration data for a fictional "
                  "force. These are not official statistics.", ":::", ""]
    lines += ["Small numbers that could identify people are shown as [c] (see the methods appendix).", ""]
    return "\n".join(lines)


def stage_book(params: Params, root: Path, build_dir: Path, chapters: list[Chapter], records: dict,
               results: dict, formats=("html", "pdf")) -> Staging:
    book = build_dir / "book"
    shutil.rmtree(book, ignore_errors=True)
    (book / "chapters" / "figures").mkdir(parents=True)

    variables = build_variables(params, results)
    recommendations = load_recommendations(root / params.recommendations, params)
    check_variables(recommendations, variables)
    write_section_includes(recommendations, params, book / "chapters")
    (book / "_variables.yml").write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True))
    (book / "_quarto.yml").write_text(yaml.safe_dump(quarto_config(params, root, chapters, formats), sort_keys=False,
                                                     allow_unicode=True))
    (book / "index.md").write_text(index_markdown(params))
    styles = book / "styles"
    styles.mkdir()
    for css in STYLES.glob("*.css"):
        shutil.copyfile(css, styles / css.name)

    warnings: list[str] = []
    for chapter in chapters:
        record = records[chapter.id]
        target = book / chapter_file(chapter)
        if record.status == "failed":
            target.write_text(failed_chapter_markdown(chapter, record.error))
            continue
        figures = book / "chapters" / "figures"
        warnings += notebook_to_markdown(Path(record.notebook_log), target, figures)
        # The figures are the notebook's image outputs; a notebook that saved a PNG itself and
        # printed its Markdown (`output: asis`) has it in its chapter folder instead.
        for png in (build_dir / "chapters" / chapter.id / "figures").glob("*.png"):
            if not (figures / png.name).exists():
                shutil.copyfile(png, figures / png.name)

    return Staging(book, variables, measure_statuses(results), recommendations,
                   recommendations_manifest(recommendations), warnings)


def measure_statuses(results: dict) -> dict[str, dict]:
    """Each measure's force-level comparison, status, value and change: what the manifest records
    and what the review of agreed recommendations compares with."""
    return {m: {"comparison": str(r.force_row["comparison"]), "status": str(r.force_row["status"]),
                "value": None if r.force_row["suppressed"] else _float(r.force_row["value"]),
                "change_vs_baseline_pct": _float(r.force_row["change_vs_baseline_pct"])}
            for m, r in results.items()}


def _float(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else round(value, 4)


def stage_summary(params: Params, root: Path, build_dir: Path, staging: Staging,
                  formats=("html", "pdf")) -> Path:
    """The summary of recommendations: a short Quarto document of its own."""
    folder = build_dir / "summary"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    front = {"title": f"{params.title}: summary of recommendations", "subtitle": params.subtitle,
             "author": params.author, "date": params.publication_date, "lang": "en-GB",
             "needs-assessment": needs_assessment_metadata(params, formats)}
    body = summary_markdown(staging.recommendations, params, staging.measure_statuses)
    (folder / "summary.md").write_text("---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True)
                                        + "---\n\n" + body)
    (folder / "_variables.yml").write_text(yaml.safe_dump(staging.variables, sort_keys=True, allow_unicode=True))
    (folder / "_quarto.yml").write_text(yaml.safe_dump({"project": {"type": "default"}}))
    styles = folder / "styles"
    styles.mkdir()
    for css in STYLES.glob("*.css"):
        shutil.copyfile(css, styles / css.name)
    return folder
