"""Recommendations as the book's Markdown: each section's include file and the summary document."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..params import Params
from ..content.text import plain
from .files import GENERAL, INCLUDES_DIR, Recommendation, include_path, include_sections, own_measures
from .review import stale_measures
from .safety import _escape_inline, escape_markdown


def _format_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _agreement(rec: Recommendation) -> str:
    """"by the Police and Crime Commissioner on 14 May 2024" (empty when neither is given)."""
    words = []
    if rec.agreed_by:
        words.append(f"by {rec.agreed_by}")
    if rec.agreed_on:
        words.append(f"on {_format_date(rec.agreed_on)}")
    return " ".join(words)


def status_label(rec: Recommendation) -> str:
    """The label printed with a recommendation: "Draft: not yet agreed" or "Agreed by ... on ..."."""
    if rec.is_agreed:
        return " ".join(filter(None, ["Agreed", _agreement(rec)]))
    return "Draft: not yet agreed"


def render_recommendation_markdown(rec: Recommendation) -> str:
    """The Markdown the book includes for one recommendation: a bold id line with its status, then the text.

    Reviewer text is escaped (see `escape_markdown`); live figures `{{< var ... >}}` are kept.
    """
    heading = f"Recommendation {rec.id}"
    if rec.title:
        heading += f": {_escape_inline(rec.title, allow_var=False)}"
    label = _escape_inline(status_label(rec), allow_var=False)
    state = "agreed" if rec.is_agreed else "draft"
    return (f"::: {{#rec-{rec.id} .recommendation .recommendation-{state}}}\n"
            f"**{heading}** [{label}]{{.recommendation-status}}\n\n"
            f"{escape_markdown(rec.body)}\n\n"
            ":::\n")


# --------------------------------------------------------------------------------------------
# Output for the book
# --------------------------------------------------------------------------------------------
def _measure_title(params: Params, measure_id: str) -> str:
    return params.measures[measure_id].title if measure_id in params.measures else measure_id


def write_section_includes(recommendations: Iterable[Recommendation], params: Params,
                           book_chapters_dir: str | Path) -> dict[str, list[str]]:
    """Write book_chapters_dir/_recommendations/<chapter-id>/<section>.md for every section of every chapter.

    A section is each measure the chapter lists or owns, plus `general`. A section without recommendations
    gets a sentence saying so, so an include never fails. Files left from an earlier build that no longer
    have a section are removed (only inside `_recommendations/`). Returns {include path: [recommendation ids]},
    the include path being relative to book_chapters_dir, as the chapter's {{< include >}} writes it.
    """
    recommendations = list(recommendations)
    root = Path(book_chapters_dir) / INCLUDES_DIR
    written: dict[str, list[str]] = {}
    for chapter in params.chapters():
        owned = set(own_measures(params, chapter.id))
        for section in include_sections(params, chapter.id):
            recs = [r for r in recommendations if r.chapter == chapter.id and r.section == section]
            if recs:
                text = "\n".join(render_recommendation_markdown(r) for r in recs)
            elif section == GENERAL:
                text = "::: {.recommendations-none}\nThere are no recommendations about this chapter as a whole.\n:::\n"
            elif section not in owned:
                owner = params.chapter(params.measures[section].chapter)
                text = ("::: {.recommendations-none}\n"
                        f"Recommendations about {plain(_measure_title(params, section).lower())} "
                        f"are in the chapter {plain(owner.title)}.\n:::\n")
            else:
                text = "::: {.recommendations-none}\nThere are no recommendations about this measure.\n:::\n"
            relative = include_path(chapter.id, section)
            target = Path(book_chapters_dir) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8", newline="\n")
            written[relative] = [r.id for r in recs]
    if root.is_dir():
        for stale in root.glob("*/*.md"):
            if stale.relative_to(Path(book_chapters_dir)).as_posix() not in written:
                stale.unlink()
    return written


def _month_name(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def summary_markdown(recommendations: Iterable[Recommendation], params: Params,
                     measure_statuses: Mapping[str, Mapping[str, Any]]) -> str:
    """The body of the recommendations summary, a short publication of its own (Quarto Markdown).

    Context (what the assessment is, the plan, how to read statuses), then every recommendation grouped
    by part and chapter, each with the current comparison and status of the measures it rests on. No figure
    is typed in: they come from `measure_statuses` or from `{{< var ... >}}` shortcodes.
    """
    recommendations = list(recommendations)
    e = plain   # text from the params and statuses: no Markdown of its own (text.plain)
    area, plan = params.area, params.plan
    start, end = params.baseline_months
    latest_start = params.period_end_month - 11
    confidence = f"{params.confidence_level * 100:g}%"
    agreed = [r for r in recommendations if r.is_agreed]
    out: list[str] = []

    if params.demonstration:
        out += ["::: {.callout-warning}",
                "## Demonstration",
                f"This summary is built from generated demonstration data for a fictional area, "
                f"{e(area.name)}. It is not official statistics.",
                ":::", ""]

    out += [
        "## About this summary", "",
        f"The needs assessment looks at each priority and cross-cutting theme of the {e(plan.name)} for "
        f"{e(area.name)}: what the evidence says about how the plan's measures have moved, and what the next "
        f"plan should keep, change or add. This summary brings together its recommendations. The full needs "
        f"assessment ({e(params.title)}) sets out the evidence behind each one.", "",
        f"The latest figures cover {_month_name(str(latest_start))} to {_month_name(str(params.period_end_month))}. "
        f"The plan's baseline is {_month_name(str(start))} to {_month_name(str(end))}.", "",
        "## How to read this summary", "",
        "Each recommendation is marked:", "",
        "- **Draft**: proposed by the analysts and not yet agreed;",
        "- **Agreed**: agreed by the person or board named, on the date given.", "",
        "Under each recommendation are the measures it rests on, each with two judgements from the full "
        "assessment:", "",
        f"- **Comparison** with the plan's baseline: *Better* or *Worse* when the baseline lies outside the "
        f"{confidence} confidence interval of the latest figure, *Similar* when it lies inside, so that a change "
        "small enough to be chance is not read as progress or decline. For measures where a higher figure is "
        "neither good nor bad the words are *Higher*, *Similar* and *Lower*; *Not compared* means the data "
        "cannot support a comparison.",
        "- **Status** against the plan's target: *On track* or *Off track*; *Monitor only* for a measure "
        "the plan watches without a target; *No data* when there is no current figure; *Not assessed* when "
        "months are missing from the data for the 12 months the target needs.", "",
        "The methods appendix of the full assessment explains how each judgement is made. Where a measure has "
        "moved since a recommendation was agreed, the recommendation is marked *review needed*.", "",
    ]

    # at a glance
    out += ["## Recommendations at a glance", "",
            "| Chapter | Recommendations | Agreed | Draft |", "|:--|--:|--:|--:|"]
    for chapter in params.chapters():
        recs = [r for r in recommendations if r.chapter == chapter.id]
        if recs:
            n_agreed = sum(r.is_agreed for r in recs)
            out.append(f"| {e(chapter.title)} | {len(recs)} | {n_agreed} | {len(recs) - n_agreed} |")
    out += [f"| **All chapters** | **{len(recommendations)}** | **{len(agreed)}** | "
            f"**{len(recommendations) - len(agreed)}** |", "",
            ": Recommendations by chapter {#tbl-recommendations-by-chapter}", ""]

    parts = [(part.title, part.chapters) for part in plan.parts]
    if plan.appendices:
        parts.append(("Appendices", plan.appendices))
    for part_title, chapters in parts:
        part_recs = [r for r in recommendations if r.chapter in {c.id for c in chapters}]
        if not part_recs:
            continue
        out += [f"## {e(part_title)}", ""]
        for chapter in chapters:
            recs = [r for r in recommendations if r.chapter == chapter.id]
            if not recs:
                continue
            out += [f"### {e(chapter.title)} {{#sec-{chapter.id.lower()}}}", ""]
            for rec in recs:
                heading = f"{rec.id}" + (f": {_escape_inline(rec.title, allow_var=False)}" if rec.title else "")
                out += [f"#### {heading} {{#sec-{rec.id.lower()} .unnumbered}}", ""]
                if rec.is_agreed:
                    agreement = f"{e(_agreement(rec))}.".replace(" .", ".")
                    out += [f"[Agreed]{{.recommendation-status .recommendation-agreed}} {agreement}", ""]
                else:
                    out += ["[Draft]{.recommendation-status .recommendation-draft} Not yet agreed.", ""]
                stale = stale_measures(rec, measure_statuses)
                if stale:
                    out += ["::: {.callout-important}",
                            "## Review needed", ""]
                    for item in stale:
                        out.append(f"- {e(_measure_title(params, item.measure))}: {e(item.describe())}.")
                    out += [":::", ""]
                out += [escape_markdown(rec.body), ""]
                if rec.measures:
                    out += ["Measures this recommendation rests on:", ""]
                    for measure_id in rec.measures:
                        out.append(f"- {_measure_line(params, measure_id, measure_statuses, e)}")
                    out.append("")
                where = ("the chapter as a whole" if rec.section == GENERAL
                         else e(_measure_title(params, rec.section).lower()))
                out += [f"*In the full assessment: {e(chapter.title)}, {where}.*", ""]
    return "\n".join(out).rstrip() + "\n"


def _measure_line(params: Params, measure_id: str, measure_statuses: Mapping[str, Mapping[str, Any]], e) -> str:
    title = e(_measure_title(params, measure_id))
    current = measure_statuses.get(measure_id)
    if not current:
        return f"**{title}**: no current figures"
    bits = []
    if current.get("comparison"):
        bits.append(f"comparison *{e(current['comparison'])}*")
    if current.get("status"):
        bits.append(f"status *{e(current['status'])}*")
    bits.append(f"change against the baseline {{{{< var {measure_id}.change_vs_baseline >}}}}")
    return f"**{title}**: " + "; ".join(bits)
