"""Review report: staleness of agreed recommendations, and comparison with the previous cycle."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from needs_assessment.params import load_params
from needs_assessment.recommendations.files import GENERAL, Recommendation
from needs_assessment.recommendations.review import (format_review_html, format_review_text, recommendations_manifest,
                                                     review_report, stale_measures)

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params" / "demo-2024.yml")


def rec(rid="P3-R1", *, status="agreed", measures=("neighbourhood_crime",), agreed=None, body="Keep the measure.",
        section="neighbourhood_crime", chapter="P3") -> Recommendation:
    agreed = {"neighbourhood_crime": "Better"} if agreed is None else agreed
    return Recommendation(id=rid, chapter=chapter, section=section, measures=tuple(measures), status=status,
                          agreed_by="Police and Crime Commissioner" if status == "agreed" else None,
                          agreed_on=date(2024, 5, 14) if status == "agreed" else None,
                          agreed_statuses=agreed, body=body, file="recommendations/P3-safer-places.md", line=7,
                          title="", body_line=14)


def statuses(**comparisons) -> dict:
    base = {m: {"comparison": "Similar", "status": "On track"} for m in PARAMS.measures}
    for measure_id, comparison in comparisons.items():
        base[measure_id] = {**base[measure_id], "comparison": comparison}
    return base


# --- staleness ---------------------------------------------------------------------------------
def test_better_to_worse_is_flagged():
    report = review_report([rec()], statuses(neighbourhood_crime="Worse"), params=PARAMS)
    assert not report.ok
    (item,) = report.needs_review
    assert item.id == "P3-R1" and item.line == 7
    (change,) = item.changes
    assert (change.measure, change.key, change.agreed, change.current) == ("neighbourhood_crime", "comparison",
                                                                           "Better", "Worse")
    assert item.suggested == "agreed_statuses: {neighbourhood_crime: Worse}"
    text = format_review_text(report)
    assert "P3-R1" in text and "Neighbourhood crime (neighbourhood_crime)" in text
    assert "was Better when agreed, now Worse" in text and "line 7" in text


def test_unchanged_is_not_flagged_whatever_the_case():
    report = review_report([rec(agreed={"neighbourhood_crime": "better"})], statuses(neighbourhood_crime="Better"))
    assert report.ok and report.needs_review == []
    assert "None: every agreed recommendation still matches" in format_review_text(report)


def test_draft_is_never_flagged():
    draft = rec(status="draft")
    assert stale_measures(draft, statuses(neighbourhood_crime="Worse")) == []
    report = review_report([draft], statuses(neighbourhood_crime="Worse"))
    assert report.ok
    assert report.to_agree == [("P3-R1", "agreed_statuses: {neighbourhood_crime: Worse}")]


def test_both_judgements_can_be_pinned():
    pinned = rec(agreed={"neighbourhood_crime": {"comparison": "Similar", "status": "Off track"}})
    (change,) = stale_measures(pinned, statuses())
    assert (change.key, change.agreed, change.current) == ("status", "Off track", "On track")


def test_measure_without_current_figure_is_flagged():
    current = statuses()
    del current["neighbourhood_crime"]
    (change,) = stale_measures(rec(), current)
    assert change.current is None and "no current figure" in change.describe()


def test_agreed_without_recorded_statuses_is_listed_as_unchecked():
    report = review_report([rec(agreed={}, measures=("neighbourhood_crime", "asb_incidents"))], statuses())
    assert report.ok
    (item,) = report.unchecked
    assert item.measures == ("neighbourhood_crime", "asb_incidents")
    assert "cannot be checked" in format_review_html(report)


# --- comparison with the previous cycle ---------------------------------------------------------
def test_manifest_records_wording_place_and_status():
    manifest = recommendations_manifest([rec()])
    assert set(manifest["P3-R1"]) == {"sha256", "chapter", "section", "status"}
    assert manifest["P3-R1"]["chapter"] == "P3" and manifest["P3-R1"]["status"] == "agreed"
    reflowed = recommendations_manifest([rec(body="Keep   the\nmeasure.")])
    assert reflowed["P3-R1"]["sha256"] == manifest["P3-R1"]["sha256"]      # re-wrapping is not rewording


def test_cycle_comparison_added_removed_reworded():
    previous_recs = [rec("P3-R1"), rec("P3-R2", body="Old words."), rec("P3-R3"),
                     rec("P3-R4", status="draft", section=GENERAL)]
    current_recs = [rec("P3-R1"), rec("P3-R2", body="New words."), rec("P3-R4", status="agreed", section=GENERAL),
                    rec("P3-R5")]
    previous = {"cycle": "demo-2023",
                "measures": {"neighbourhood_crime": {"comparison": "Better", "status": "On track"},
                             "asb_incidents": {"comparison": "Similar", "status": "On track"},
                             "retired_measure": {"comparison": "Worse", "status": "Off track"}},
                "recommendations": recommendations_manifest(previous_recs)}
    report = review_report(current_recs, statuses(neighbourhood_crime="Better", asb_incidents="Worse"), previous,
                           params=PARAMS)
    kinds = {(c.id, c.kind) for c in report.recommendation_changes}
    assert ("P3-R5", "added") in kinds
    assert ("P3-R3", "removed") in kinds
    assert ("P3-R2", "reworded") in kinds
    assert ("P3-R4", "status changed") in kinds
    assert not any(c.id == "P3-R1" for c in report.recommendation_changes)
    changed = {c.measure: c for c in report.measure_changes}
    assert "neighbourhood_crime" not in changed
    assert changed["asb_incidents"].describe() == "comparison Similar \u2192 Worse"
    assert changed["retired_measure"].describe() == "no longer reported"
    assert changed["ksi_casualties"].describe() == "new this cycle"
    text = format_review_text(report)
    assert "Since the previous cycle (demo-2023)" in text
    assert "Added: P3-R5" in text and "Removed: P3-R3" in text and "Reworded: P3-R2" in text
    assert "Anti-social behaviour incidents (asb_incidents): comparison Similar \u2192 Worse" in text


def test_without_previous_manifest_says_so():
    text = format_review_text(review_report([rec()], statuses(neighbourhood_crime="Better")))
    assert "No previous cycle's manifest" in text


# --- the HTML page ------------------------------------------------------------------------------
class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_standalone_accessible_and_escaped():
    current = statuses(neighbourhood_crime="<script>alert(1)</script>")
    previous = {"measures": {}, "recommendations": {}}
    report = review_report([rec(), rec("P3-R2", status="draft")], current, previous, params=PARAMS)
    page = format_review_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "&lt;script&gt;" in page
    outline = Outline()
    outline.feed(page)
    tags = [t for t, _ in outline.tags]
    assert ("html", {"lang": "en"}) in outline.tags
    assert "title" in tags and tags.count("h1") == 1 and "h2" in tags and "main" in tags
    assert tags.count("table") == tags.count("caption") >= 2
    headers = [attrs for tag, attrs in outline.tags if tag == "th"]
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert "<script>alert(1)</script>" in "".join(outline.text)          # shown as text, not run
