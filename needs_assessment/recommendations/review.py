"""Review of recommendations against the current figures, and against the previous cycle.

- An *agreed* recommendation records, in `agreed_statuses`, the status of each measure it rests on when
  it was agreed. If a measure has moved since (say Better -> Worse) the recommendation *needs review*.
- With the previous cycle's build manifest, the report also lists measures whose comparison or status
  changed, and recommendations added, removed, reworded, moved or whose status changed.

`python build.py review` prints `format_review_text(report)` and can write `format_review_html(report)`.
Nothing here writes to the recommendation files.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..params import Params
from .files import STATUS_KEYS, Recommendation, recommendations_manifest

__all__ = ["StaleMeasure", "NeedsReview", "Unchecked", "MeasureChange", "RecommendationChange", "ReviewReport",
           "stale_measures", "review_report", "recommendations_manifest", "format_review_text",
           "format_review_html"]


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


@dataclass(frozen=True)
class StaleMeasure:
    """A measure of an agreed recommendation whose current judgement differs from the one agreed."""

    measure: str
    key: str                   # "comparison" or "status"
    agreed: str
    current: str | None        # None: the build has no current figure for the measure

    def describe(self) -> str:
        if self.current is None:
            return f"agreed when its {self.key} was {self.agreed}; there is no current figure for it now"
        return f"{self.key} was {self.agreed} when agreed, now {self.current}"


def stale_measures(rec: Recommendation, measure_statuses: Mapping[str, Mapping[str, Any]]) -> list[StaleMeasure]:
    """Measures of an agreed recommendation that have moved since it was agreed. Drafts are never stale.

    `agreed_statuses: {m: Better}` is checked against the measure's current `comparison`;
    `{m: {comparison: Better, status: On track}}` checks each judgement given.
    """
    if not rec.is_agreed:
        return []
    stale = []
    for measure_id, agreed in rec.agreed_statuses.items():
        pinned = agreed if isinstance(agreed, Mapping) else {"comparison": agreed}
        current = measure_statuses.get(measure_id)
        for key, value in pinned.items():
            now = None if not current or current.get(key) in (None, "") else str(current[key])
            if now is None or _norm(now) != _norm(value):
                stale.append(StaleMeasure(measure_id, key, str(value), now))
    return stale


@dataclass(frozen=True)
class NeedsReview:
    id: str
    file: str
    line: int
    changes: tuple[StaleMeasure, ...]
    suggested: str             # the `agreed_statuses:` line to copy once it has been re-agreed


@dataclass(frozen=True)
class Unchecked:
    """An agreed recommendation with measures whose status at agreement was not recorded."""

    id: str
    file: str
    line: int
    measures: tuple[str, ...]
    suggested: str


@dataclass(frozen=True)
class MeasureChange:
    measure: str
    previous: Mapping[str, Any] | None      # None: new this cycle
    current: Mapping[str, Any] | None       # None: gone this cycle

    def describe(self) -> str:
        if self.previous is None:
            return "new this cycle"
        if self.current is None:
            return "no longer reported"
        parts = []
        for key in STATUS_KEYS:
            before, now = self.previous.get(key), self.current.get(key)
            if _norm(before) != _norm(now):
                parts.append(f"{key} {before if before not in (None, '') else 'none'} \u2192 "
                             f"{now if now not in (None, '') else 'none'}")
        return "; ".join(parts)


@dataclass(frozen=True)
class RecommendationChange:
    id: str
    kind: str                  # added | removed | reworded | moved | status changed
    detail: str = ""


@dataclass
class ReviewReport:
    cycle: str | None
    previous_cycle: str | None
    total: int
    agreed: int
    draft: int
    needs_review: list[NeedsReview] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    to_agree: list[tuple[str, str]] = field(default_factory=list)   # (draft id, agreed_statuses line to copy)
    has_previous: bool = False
    measure_changes: list[MeasureChange] = field(default_factory=list)
    recommendation_changes: list[RecommendationChange] = field(default_factory=list)
    measure_titles: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no agreed recommendation needs review."""
        return not self.needs_review

    def changes(self, kind: str) -> list[RecommendationChange]:
        return [c for c in self.recommendation_changes if c.kind == kind]

    def title(self, measure_id: str) -> str:
        return self.measure_titles.get(measure_id, measure_id)


def _suggested_line(rec: Recommendation, measure_statuses: Mapping[str, Mapping[str, Any]]) -> str:
    pairs = [f"{m}: {measure_statuses[m]['comparison']}" for m in rec.measures
             if measure_statuses.get(m, {}).get("comparison") not in (None, "")]
    return "agreed_statuses: {" + ", ".join(pairs) + "}" if pairs else ""


def review_report(recommendations: Iterable[Recommendation], measure_statuses: Mapping[str, Mapping[str, Any]],
                  previous_manifest: Mapping[str, Any] | None = None, *, params: Params | None = None,
                  cycle: str | None = None) -> ReviewReport:
    """Which agreed recommendations need review, and (given last cycle's manifest) what changed since.

    measure_statuses: {measure id: {"comparison": ..., "status": ..., ...}} for the current build.
    previous_manifest: the previous cycle's build manifest, with `measures: {id: {comparison, status}}` and
    `recommendations: {id: {sha256, chapter, section, status}}` (and `cycle` if it has one).
    """
    recommendations = list(recommendations)
    titles = {m: measure.title for m, measure in params.measures.items()} if params else {}
    for m, current in measure_statuses.items():
        if m not in titles and isinstance(current, Mapping) and current.get("title"):
            titles[m] = str(current["title"])
    agreed = [r for r in recommendations if r.is_agreed]
    report = ReviewReport(cycle=cycle or (params.cycle if params else None), previous_cycle=None,
                          total=len(recommendations), agreed=len(agreed), draft=len(recommendations) - len(agreed),
                          measure_titles=titles)

    for rec in agreed:
        stale = stale_measures(rec, measure_statuses)
        if stale:
            report.needs_review.append(NeedsReview(rec.id, rec.file, rec.line, tuple(stale),
                                                   _suggested_line(rec, measure_statuses)))
        missing = tuple(m for m in rec.measures if m not in rec.agreed_statuses)
        if missing:
            report.unchecked.append(Unchecked(rec.id, rec.file, rec.line, missing,
                                              _suggested_line(rec, measure_statuses)))
    for rec in recommendations:
        if not rec.is_agreed:
            line = _suggested_line(rec, measure_statuses)
            if line:
                report.to_agree.append((rec.id, line))

    if previous_manifest is not None:
        report.has_previous = True
        report.previous_cycle = previous_manifest.get("cycle")
        before_m = previous_manifest.get("measures") or {}
        for m in list(before_m) + [m for m in measure_statuses if m not in before_m]:
            before, now = before_m.get(m), measure_statuses.get(m)
            if before is None or now is None:
                report.measure_changes.append(MeasureChange(m, before, now))
            elif any(_norm(before.get(k)) != _norm(now.get(k)) for k in STATUS_KEYS):
                report.measure_changes.append(MeasureChange(m, before, now))

        before_r = previous_manifest.get("recommendations") or {}
        now_r = recommendations_manifest(recommendations)
        for rid, now in now_r.items():
            before = before_r.get(rid)
            if before is None:
                report.recommendation_changes.append(RecommendationChange(rid, "added"))
                continue
            if before.get("sha256") != now["sha256"]:
                report.recommendation_changes.append(RecommendationChange(rid, "reworded"))
            if (before.get("chapter"), before.get("section")) != (now["chapter"], now["section"]):
                report.recommendation_changes.append(RecommendationChange(
                    rid, "moved", f"from {before.get('chapter')} / {before.get('section')} to "
                                  f"{now['chapter']} / {now['section']}"))
            if before.get("status") != now["status"]:
                report.recommendation_changes.append(RecommendationChange(
                    rid, "status changed", f"{before.get('status')} \u2192 {now['status']}"))
        for rid in before_r:
            if rid not in now_r:
                report.recommendation_changes.append(RecommendationChange(rid, "removed"))
    return report


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------
_KINDS = (("added", "Added"), ("removed", "Removed"), ("reworded", "Reworded"), ("moved", "Moved"),
          ("status changed", "Status changed"))


def _headline(report: ReviewReport) -> str:
    cycle = f" for {report.cycle}" if report.cycle else ""
    return (f"Recommendations review{cycle}: {report.total} recommendations "
            f"({report.agreed} agreed, {report.draft} draft)")


def format_review_text(report: ReviewReport) -> str:
    """The report for the terminal (plain text, no colour codes)."""
    out = [_headline(report), "=" * len(_headline(report)), ""]

    out.append("Agreed recommendations that need review")
    if report.needs_review:
        out.append("  A measure they rest on has moved since they were agreed. Re-read each one; once it is")
        out.append("  agreed again, update its agreed_on and agreed_statuses lines.")
        for item in report.needs_review:
            out.append(f"  {item.id}  ({item.file}, line {item.line})")
            for change in item.changes:
                out.append(f"      {report.title(change.measure)} ({change.measure}): {change.describe()}")
            if item.suggested:
                out.append(f"      current statuses, to copy once re-agreed:  {item.suggested}")
    else:
        out.append("  None: every agreed recommendation still matches the measures it rests on.")
    out.append("")

    if report.unchecked:
        out.append("Agreed recommendations whose measure statuses were not recorded (they cannot be checked)")
        for item in report.unchecked:
            out.append(f"  {item.id}  ({item.file}, line {item.line}): no agreed status for "
                       f"{', '.join(item.measures)}")
            if item.suggested:
                out.append(f"      current statuses:  {item.suggested}")
        out.append("")

    if report.has_previous:
        since = f" ({report.previous_cycle})" if report.previous_cycle else ""
        out.append(f"Since the previous cycle{since}")
        out.append("  Measures whose comparison or status changed:")
        if report.measure_changes:
            for change in report.measure_changes:
                out.append(f"    {report.title(change.measure)} ({change.measure}): {change.describe()}")
        else:
            out.append("    none")
        for kind, label in _KINDS:
            items = report.changes(kind)
            if items:
                out.append(f"  {label}: " + ", ".join(f"{c.id} ({c.detail})" if c.detail else c.id for c in items))
        if not report.recommendation_changes:
            out.append("  No recommendation was added, removed or reworded.")
    else:
        out.append("No previous cycle's manifest was given, so there is no comparison with the last cycle.")
    out.append("")

    if report.to_agree:
        out.append("Draft recommendations: the line to add to each when it is agreed")
        for rid, line in report.to_agree:
            out.append(f"  {rid:<8} {line}")
    return "\n".join(out).rstrip() + "\n"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    """A table with a caption, column headers and the first cell of each row as its row header.

    Cells are already escaped by the caller."""
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + f'<th scope="row">{row[0]}</th>' + "".join(f"<td>{c}</td>" for c in row[1:]) + "</tr>"
                   for row in rows)
    return (f"<table>\n<caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>{body}</tbody>\n</table>")


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;line-height:1.5;color:#1b1b1b;
background:#fff;max-width:60rem;margin:0 auto;padding:1rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #6b6b6b;padding:.4rem .6rem;text-align:left;vertical-align:top}thead th{background:#e8e8e8}
code{font-size:.95em;background:#f2f2f2;padding:0 .2em}.ok{color:#0b5d1e}.attention{color:#8a1c1c}"""


def format_review_html(report: ReviewReport) -> str:
    """A small standalone, accessible HTML page of the report (every piece of text is escaped)."""
    title = _headline(report)
    parts = [f"<h1>{_e(title)}</h1>"]

    parts.append('<section aria-labelledby="needs-review"><h2 id="needs-review">Agreed recommendations that need '
                 "review</h2>")
    if report.needs_review:
        parts.append('<p class="attention">A measure each of these rests on has moved since it was agreed. '
                     "Re-read it; once it is agreed again, update its <code>agreed_on</code> and "
                     "<code>agreed_statuses</code> lines.</p>")
        rows = []
        for item in report.needs_review:
            changes = "<br>".join(f"{_e(report.title(c.measure))} (<code>{_e(c.measure)}</code>): {_e(c.describe())}"
                                  for c in item.changes)
            rows.append([_e(item.id), f"{_e(item.file)}, line {item.line}", changes,
                         f"<code>{_e(item.suggested)}</code>" if item.suggested else ""])
        parts.append(_table("Agreed recommendations whose measures have moved",
                            ["Recommendation", "Where", "What moved", "Current statuses, to copy once re-agreed"],
                            rows))
    else:
        parts.append('<p class="ok">None: every agreed recommendation still matches the measures it rests on.</p>')
    parts.append("</section>")

    if report.unchecked:
        parts.append('<section aria-labelledby="unchecked"><h2 id="unchecked">Agreed recommendations that cannot '
                     "be checked</h2><p>The status of these measures when the recommendation was agreed was not "
                     "recorded.</p>")
        rows = [[_e(u.id), f"{_e(u.file)}, line {u.line}", _e(", ".join(u.measures)),
                 f"<code>{_e(u.suggested)}</code>" if u.suggested else ""] for u in report.unchecked]
        parts.append(_table("Agreed recommendations without recorded measure statuses",
                            ["Recommendation", "Where", "Measures not recorded", "Current statuses"], rows))
        parts.append("</section>")

    parts.append('<section aria-labelledby="since"><h2 id="since">Since the previous cycle</h2>')
    if report.has_previous:
        if report.previous_cycle:
            parts.append(f"<p>Compared with the build of {_e(report.previous_cycle)}.</p>")
        if report.measure_changes:
            parts.append(_table("Measures whose comparison or status changed", ["Measure", "Change"],
                                [[f"{_e(report.title(c.measure))} (<code>{_e(c.measure)}</code>)", _e(c.describe())]
                                 for c in report.measure_changes]))
        else:
            parts.append("<p>No measure changed its comparison or status.</p>")
        if report.recommendation_changes:
            parts.append(_table("Recommendations added, removed or changed", ["Recommendation", "Change", "Detail"],
                                [[_e(c.id), _e(c.kind), _e(c.detail)] for c in report.recommendation_changes]))
        else:
            parts.append("<p>No recommendation was added, removed or reworded.</p>")
    else:
        parts.append("<p>No previous cycle's manifest was given, so there is no comparison with the last cycle.</p>")
    parts.append("</section>")

    if report.to_agree:
        parts.append('<section aria-labelledby="to-agree"><h2 id="to-agree">Draft recommendations</h2>'
                     "<p>When a draft is agreed, add this line to its fields.</p>")
        parts.append(_table("The line to add to each draft recommendation when it is agreed",
                            ["Recommendation", "Line to add"],
                            [[_e(rid), f"<code>{_e(line)}</code>"] for rid, line in report.to_agree]))
        parts.append("</section>")

    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")
