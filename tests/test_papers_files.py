"""The pieces of the scrutiny papers, without a build: the params' `papers:` section, the authors'
files (errors with file and line, skeletons never overwritten), the quarter and financial-year-to-date
figures against a sum of the monthly counts, and which measures need an exception paper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import measure_fixtures as mf
from needs_assessment.common.errors import ParamsError, RecommendationError
from needs_assessment.content.papers import exception_reasons, key_figures_frame
from needs_assessment.measures.periods import period_figures, window_months
from needs_assessment.params import load_params
from needs_assessment.recommendations.files import RecommendationErrors
from needs_assessment.recommendations.papers import SECTIONS, ensure_file, read_paper, skeleton

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo-2024.yml"


def params_with(tmp_path: Path, papers: dict) -> Path:
    raw = yaml.safe_load(DEMO.read_text())
    raw["papers"] = papers
    path = tmp_path / "params.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_demo_params_topics_and_their_measures():
    params = load_params(DEMO)
    topics = {t.id: params.topic_measures(t) for t in params.papers.topics}
    assert topics["P3"] == params.chapter("P3").measures
    assert "victim_satisfaction" in topics["VC"]


@pytest.mark.parametrize("papers, words", [
    ({"topics": [{"id": "X1", "chapter": "P9"}]}, "names chapter 'P9', which is not in the plan"),
    ({"topics": [{"id": "X1", "measures": ["burglary"]}]}, "needs a `title:`"),
    ({"topics": [{"id": "X1", "title": "A", "measures": ["nope"]}]}, "lists measure 'nope'"),
    ({"topics": [{"id": "X1"}]}, "needs `chapter:`"),
    ({"topics": [{"id": "P3", "chapter": "P3"}, {"id": "P3", "chapter": "T2"}]}, "repeated: P3"),
    ({"topics": [{"id": "P3", "chapter": "P3"}], "period": "month"}, "papers.period"),
    ({"topics": [{"id": "C1", "chapter": "C1"}]}, "has no measures"),
])
def test_bad_papers_section_names_the_problem(tmp_path, papers, words):
    with pytest.raises(ParamsError) as info:
        load_params(params_with(tmp_path, papers))
    assert words in str(info.value)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "P3-safer-places.md"
    path.write_text(text)
    return path


GOOD = """---
topic: P3
status: ready
---
# note
not published

## Recommendation
That the meeting notes it, {{< var neighbourhood_crime.rate >}}.

## Purpose of the report
<!-- guidance -->
To inform.
"""


def test_sections_are_read_in_any_order_with_their_lines_and_live_figures(tmp_path):
    paper = read_paper(write(tmp_path, GOOD), {"topic": "P3"})
    assert paper.status == "ready" and not paper.is_draft
    assert paper.sections["purpose"] == "To inform."
    assert paper.variables() == [("neighbourhood_crime.rate", 9)]
    assert "not published" not in " ".join(paper.sections.values())


@pytest.mark.parametrize("change, line, words", [
    (("## Purpose of the report", "## Purpose of report"), 11, "Did you mean `## Purpose of the report`"),
    (("status: ready", "status: done"), 3, "`status: done` is not allowed"),
    (("topic: P3", "topic: T2"), 2, "this file is for topic `P3`"),
    (("To inform.", "### Sub\nTo inform."), 13, "a heading inside a section"),
    (("To inform.", "{{< include x.md >}}"), 13, "the only `{{< ... >}}` allowed"),
])
def test_mistakes_name_the_file_and_line(tmp_path, change, line, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RecommendationError) as info:
        read_paper(path, {"topic": "P3"})
    assert info.value.line == line and words in str(info.value)
    assert path.name in str(info.value)


def test_several_mistakes_are_reported_together(tmp_path):
    text = GOOD.replace("## Recommendation", "## Recomendation").replace("## Purpose of the report", "## Aim")
    with pytest.raises(RecommendationErrors) as info:
        read_paper(write(tmp_path, text), {"topic": "P3"})
    assert [e.line for e in info.value.errors] == [8, 11]


def test_skeleton_is_written_once_and_reads_back_as_a_draft_with_every_section(tmp_path):
    path = tmp_path / "m" / "P3-safer-places.md"
    assert ensure_file(path, {"topic": "P3"}, "Safer places: cover paper", "A note.")
    paper = read_paper(path, {"topic": "P3"})
    assert paper.is_draft and set(paper.sections) == {k for k, _ in SECTIONS}
    assert all(not text for text in paper.sections.values())    # the guidance comments are not text
    path.write_text(path.read_text().replace("status: draft", "status: ready"))
    before = path.read_bytes()
    assert not ensure_file(path, {"topic": "P3"}, "other", "other")
    assert path.read_bytes() == before
    headings = [l for l in skeleton({"topic": "P3"}, "t", "n").split("\n") if l.startswith("## ")]
    assert headings == [f"## {h}" for _, h in SECTIONS]


def test_window_months():
    end = mf.neighbourhood_crime().period_end
    assert len(window_months("quarter", end)) == 3
    fytd = window_months("financial year to date", end)
    assert fytd[0].month == 4 and fytd[-1] == end


@pytest.mark.parametrize("period", ["quarter", "financial year to date"])
def test_shorter_periods_are_sums_of_the_monthly_counts(period):
    result = mf.neighbourhood_crime()
    figures = period_figures(result, period)
    assert figures.not_available is None
    months = window_months(period, result.period_end)
    monthly = result.monthly[result.monthly["area_type"] == "force"]
    count = monthly[monthly["month"].isin(months)]["count"].sum()
    before = monthly[monthly["month"].isin([m - 12 for m in months])]["count"].sum()
    row = figures.force_row
    assert row["count"] == count and row["previous_count"] == before
    households = float(result.force_row["denominator"])
    assert row["value"] == pytest.approx(count / households * 1000)
    assert row["change_vs_previous_pct"] == pytest.approx((row["value"] / row["previous_value"] - 1) * 100)
    frame = key_figures_frame(result, figures)
    assert "quarter" in frame["period"].iloc[0] or "financial year" in frame["period"].iloc[0]


def test_twelve_months_are_the_engines_summary():
    result = mf.neighbourhood_crime()
    row = period_figures(result, "12 months").force_row
    assert row["value"] == result.force_row["value"] and row["status"] == result.force_row["status"]


def test_yearly_data_have_no_quarter():
    result = mf.neighbourhood_crime()
    result.month_step = 12
    figures = period_figures(result, "quarter")
    assert "once a year" in figures.not_available


def test_exception_reasons_follow_status_and_comparisons():
    better = mf.build_result("neighbourhood_crime", baseline_monthly=140, previous_monthly=120, latest_monthly=100)
    assert better.force_row["comparison"] == "Better" and better.force_row["status"] == "On track"
    figures = period_figures(better, "12 months")
    expected = []
    if figures.msg_average is not None and better.force_row["lower_95"] > figures.msg_average:
        expected = ["it is significantly worse than the average of the most similar group of forces"]
    assert exception_reasons(better, figures) == expected
    worse = mf.build_result("neighbourhood_crime", baseline_monthly=100, previous_monthly=100, latest_monthly=140)
    reasons = exception_reasons(worse, period_figures(worse, "12 months"))
    assert worse.force_row["comparison"] == "Worse"
    assert any("significantly worse than the baseline" in r for r in reasons)


def test_editing_the_papers_section_does_not_change_any_chapters_key():
    """The papers' section is read only by `build.py papers`: an edit to it re-runs no notebook."""
    from needs_assessment.params import load_params
    from needs_assessment.pipeline.build import chapter_key
    root = Path(__file__).resolve().parents[1]
    params = load_params(root / "params" / "demo-2024.yml")
    assert params.papers is not None
    without = params.model_copy(update={"papers": None})
    chapter = params.chapters()[0]
    keys = [chapter_key(chapter, {"chapter_id": chapter.id}, p, "m", "c", root) for p in (params, without)]
    assert keys[0] == keys[1]
    changed = params.model_copy(update={"period_end": "2099-01"})   # the rest of the params still counts
    assert chapter_key(chapter, {"chapter_id": chapter.id}, changed, "m", "c", root) != keys[0]
