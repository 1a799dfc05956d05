"""Recommendation files: parsing, plain-words errors, live figures, safety of reviewer text, output."""

from __future__ import annotations

import hashlib
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest

from needs_assessment.common.errors import RecommendationError
from needs_assessment.params import load_params
from needs_assessment.content.text import plain
from needs_assessment.recommendations.files import (GENERAL, Recommendation, RecommendationErrors, include_sections,
                                                    load_recommendations, valid_sections)
from needs_assessment.recommendations.live_figures import check_variables
from needs_assessment.recommendations.safety import escape_markdown
from needs_assessment.recommendations.markdown import (render_recommendation_markdown, summary_markdown,
                                                       write_section_includes)

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params" / "demo-2024.yml")
FIELDS = ["count", "value", "rate", "lower", "upper", "change_vs_baseline", "change_vs_previous",
          "comparison", "status", "period"]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_one(tmp_path: Path, name: str, text: str) -> list[Recommendation]:
    write(tmp_path, name, text)
    return load_recommendations(tmp_path, PARAMS)


def error_for(tmp_path: Path, name: str, text: str) -> RecommendationError:
    write(tmp_path, name, text)
    with pytest.raises(RecommendationError) as info:
        load_recommendations(tmp_path, PARAMS)
    return info.value


def make_rec(body: str, **overrides) -> Recommendation:
    values = dict(id="P3-R1", chapter="P3", section=GENERAL, measures=(), status="draft", agreed_by=None,
                  agreed_on=None, agreed_statuses={}, body=body, file="recommendations/P3-safer-places.md",
                  line=1, title="", body_line=3)
    values.update(overrides)
    return Recommendation(**values)


def variables() -> dict:
    return {m: {f: f"{m}-{f}" for f in FIELDS} for m in PARAMS.measures}


GOOD = """
    ---
    chapter: P3
    ---
    # Notes for reviewers: not published.

    ## P3-R2 Keep neighbourhood crime as a headline measure
    section: neighbourhood_crime     # the measure this is about
    measures: [asb_linked_crime]
    status: agreed
    agreed_by: Police and Crime Commissioner
    agreed_on: 2024-05-14
    agreed_statuses: {neighbourhood_crime: Better, asb_linked_crime: {comparison: Similar, status: On track}}

    Neighbourhood crime was {{< var neighbourhood_crime.change_vs_baseline >}} on the baseline.

    Set a target against the baseline.

    ## P3-R1
    status: draft

    A general recommendation.
    """


# --- parsing ------------------------------------------------------------------------------------
def test_parses_a_good_file(tmp_path):
    recs = load_one(tmp_path, "P3-safer-places.md", GOOD)
    assert [r.id for r in recs] == ["P3-R1", "P3-R2"]          # sorted by number
    general, rec = recs
    assert general.section == GENERAL and general.status == "draft" and general.measures == ()
    assert general.body == "A general recommendation."
    assert rec.title == "Keep neighbourhood crime as a headline measure"
    assert rec.chapter == "P3" and rec.section == "neighbourhood_crime"
    assert rec.measures == ("neighbourhood_crime", "asb_linked_crime")   # the section's measure comes first
    assert rec.status == "agreed" and rec.agreed_by == "Police and Crime Commissioner"
    assert rec.agreed_on == date(2024, 5, 14)
    assert rec.agreed_statuses == {"neighbourhood_crime": "Better",
                                   "asb_linked_crime": {"comparison": "Similar", "status": "On track"}}
    assert rec.line == 6 and rec.body_line == 14
    assert rec.body.startswith("Neighbourhood crime was") and rec.body.endswith("against the baseline.")
    assert rec.variables() == [("neighbourhood_crime.change_vs_baseline", 14)]
    assert rec.file.endswith("P3-safer-places.md")


def test_front_matter_is_optional_and_fields_can_be_friendly(tmp_path):
    recs = load_one(tmp_path, "P1-victims-justice.md", """
        ## p1-r3: Add 101 call abandonment
        Section: calls_101_answered
        Status: Draft
        measures: calls_101_answered, victim_satisfaction
        agreed statuses:
          calls_101_answered: Worse

        Text.
        """)
    (rec,) = recs
    assert rec.id == "P1-R3" and rec.status == "draft" and rec.title == "Add 101 call abandonment"
    assert rec.measures == ("calls_101_answered", "victim_satisfaction")
    assert rec.agreed_statuses == {"calls_101_answered": "Worse"}


def test_section_measure_defaults(tmp_path):
    (rec,) = load_one(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        section: ksi_casualties
        status: draft

        Text.
        """)
    assert rec.measures == ("ksi_casualties",)


def test_readme_and_other_files_are_ignored(tmp_path):
    write(tmp_path, "README.md", "# How to edit\n\n## Not a recommendation\n")
    write(tmp_path, "notes.txt", "anything")
    assert load_recommendations(tmp_path, PARAMS) == []


# --- errors in plain words --------------------------------------------------------------------
def test_malformed_field_names_file_and_line(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        status: draft
        This line has no colon so it is not a field

        Text.
        """)
    assert err.file.endswith("P3-safer-places.md") and err.line == 3
    assert "is not a field" in err.problem and "name: value" in err.problem
    assert "P3-safer-places.md, line 3" in str(err)


def test_malformed_yaml_value(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        section: neighbourhood_crime
        status: agreed
        agreed_by: PCC
        agreed_on: 2024-05-14
        agreed_statuses: {neighbourhood_crime: Better

        Text.
        """)
    assert err.line == 6 and "agreed_statuses" in err.problem and "{neighbourhood_crime: Better}" in err.problem


def test_unknown_field_suggests_the_closest(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        secton: neighbourhood_crime
        status: draft

        Text.
        """)
    assert err.line == 2 and "`secton` is not a field" in err.problem and "`section`" in err.problem


def test_bad_status(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        status: approved

        Text.
        """)
    assert err.line == 2 and "approved" in err.problem and "status: draft" in err.problem


def test_missing_status(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P3-R1\nsection: general\n\nText.\n")
    assert err.line == 1 and "status:" in err.problem


def test_agreed_needs_who_and_when(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P3-R1\nstatus: agreed\n\nText.\n")
    assert "agreed_by" in err.problem and "agreed_on" in err.problem


def test_bad_date(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nstatus: agreed\nagreed_by: PCC\nagreed_on: next Tuesday\n\nText.\n")
    assert err.line == 4 and "2024-05-14" in err.problem


def test_duplicate_id_names_both_places(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        status: draft

        One.

        ## P3-R1
        status: draft

        Two.
        """)
    assert err.line == 6
    assert "used twice" in err.problem and "P3-safer-places.md, line 1" in err.problem
    assert "P3-R2" in err.problem         # the next free number


def test_id_must_start_with_the_files_chapter(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P2-R1\nstatus: draft\n\nText.\n")
    assert err.line == 1 and "must start with P3-" in err.problem and "P2-keeping-people-safe.md" in err.problem


def test_heading_without_an_id(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## Neighbourhood crime\nstatus: draft\n\nText.\n")
    assert err.line == 1 and "## P3-R1" in err.problem and "bold" in err.problem


def test_unknown_section_lists_the_valid_ones(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P3-R1\nsection: neighbourhood_crim\nstatus: draft\n\nText.\n")
    assert err.line == 2 and "`neighbourhood_crime`" in err.problem
    for section in valid_sections(PARAMS, "P3"):
        assert section in err.problem


def test_section_of_another_chapter_says_where_it_belongs(tmp_path):
    err = error_for(tmp_path, "T3-early-intervention.md",
                    "## T3-R1\nsection: first_time_entrants\nstatus: draft\n\nText.\n")
    assert "P4-complex-needs.md" in err.problem and "section: general" in err.problem


def test_unknown_measure(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nmeasures: [neighbourhood_crime, asb_incident]\nstatus: draft\n\nText.\n")
    assert err.line == 2 and "`asb_incident`" in err.problem and "`asb_incidents`" in err.problem


def test_agreed_status_must_be_a_word_the_build_uses(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nsection: neighbourhood_crime\nstatus: draft\nagreed_statuses: {neighbourhood_crime: Beter}"
                    "\n\nText.\n")
    assert err.line == 4 and "`Better`" in err.problem and "Similar" in err.problem


def test_agreed_status_for_a_measure_not_rested_on(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nsection: neighbourhood_crime\nstatus: draft\nagreed_statuses: {ksi_casualties: Better}"
                    "\n\nText.\n")
    assert err.line == 4 and "ksi_casualties" in err.problem


def test_missing_body(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P3-R1\nstatus: draft\n\n## P3-R2\nstatus: draft\n\nText.\n")
    assert err.line == 1 and "has no text" in err.problem


def test_heading_inside_text_is_refused(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "## P3-R1\nstatus: draft\n\nText.\n\n### More\n")
    assert err.line == 6 and "bold" in err.problem


def test_include_shortcode_is_refused(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nstatus: draft\n\nText.\n{{< include ../../secrets.md >}}\n")
    assert err.line == 5 and "include" in err.problem and "{{< var" in err.problem


def test_malformed_var_shortcode_is_refused(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nstatus: draft\n\nFigure {{< var neighbourhood crime >}}.\n")
    assert err.line == 4 and "not written correctly" in err.problem


def test_script_link_is_refused(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md",
                    "## P3-R1\nstatus: draft\n\nSee [this](javascript:alert(1)).\n")
    assert err.line == 4 and "https://" in err.problem


def test_front_matter_must_match(tmp_path):
    err = error_for(tmp_path, "P3-safer-places.md", "---\nchapter: P2\n---\n## P3-R1\nstatus: draft\n\nText.\n")
    assert err.line == 2 and "chapter: P3" in err.problem


def test_file_name_must_be_a_chapter(tmp_path):
    err = error_for(tmp_path, "P9-nowhere.md", "## P9-R1\nstatus: draft\n\nText.\n")
    assert err.line is None and "P3-safer-places.md" in err.problem
    (tmp_path / "P9-nowhere.md").unlink()
    err = error_for(tmp_path, "P3-safer.md", "## P3-R1\nstatus: draft\n\nText.\n")
    assert "P3-safer-places.md" in err.problem and "rename" in err.problem


def test_several_problems_are_reported_together(tmp_path):
    write(tmp_path, "P3-safer-places.md", "## P3-R1\nstatus: maybe\n\nText.\n")
    write(tmp_path, "P1-victims-justice.md", "## P1-R1\nsection: nowhere\nstatus: draft\n\nText.\n")
    with pytest.raises(RecommendationErrors) as info:
        load_recommendations(tmp_path, PARAMS)
    assert len(info.value.errors) == 2
    assert "There are 2 problems" in str(info.value)
    assert isinstance(info.value, RecommendationError)


def test_missing_folder(tmp_path):
    with pytest.raises(RecommendationError, match="not found"):
        load_recommendations(tmp_path / "nope", PARAMS)


# --- live figures ------------------------------------------------------------------------------
def test_known_variables_pass(tmp_path):
    recs = load_one(tmp_path, "P3-safer-places.md", GOOD)
    check_variables(recs, variables())


def test_unknown_variable_names_line_and_closest(tmp_path):
    recs = load_one(tmp_path, "P3-safer-places.md", """
        ## P3-R1
        status: draft

        First line.
        Crime was {{< var neighbourhood_crim.change_vs_baselin >}} on the baseline.
        """)
    with pytest.raises(RecommendationError) as info:
        check_variables(recs, variables())
    err = info.value
    assert err.file.endswith("P3-safer-places.md") and err.line == 5
    assert "neighbourhood_crime.change_vs_baseline" in err.problem


def test_unknown_field_of_a_known_measure_lists_its_fields():
    rec = make_rec("Figure {{< var ksi_casualties.xyz >}}.")
    with pytest.raises(RecommendationError) as info:
        check_variables([rec], variables())
    assert "ksi_casualties.count" in info.value.problem and info.value.line == 3


def test_variable_naming_a_group_is_refused():
    rec = make_rec("Figure {{< var ksi_casualties >}}.")
    with pytest.raises(RecommendationError, match="group of figures"):
        check_variables([rec], variables())


# --- safety ----------------------------------------------------------------------------------
HOSTILE = textwrap.dedent("""
    Plain & fair text, then <script>alert(1)</script> and <img src=x onerror=alert(2)>.
    <!-- hidden comment -->
    ```{=html}
    <script>alert(3)</script>
    ```

    `<b>bold</b>`{=html} and [span]{onclick="alert(4)"} and [link](https://example.org/?a=1&b=2).
    Inline `{python} 1 + 1` and safe `code` and \\<script>alert(5)</script>.

    ---
    title: injected
    ---

    ::: {.callout-note}
    Fence.
    :::
    Figure: {{< var neighbourhood_crime.count >}}.
    """).strip()


def test_render_keeps_var_and_neutralises_markup():
    out = render_recommendation_markdown(make_rec(HOSTILE, title="Title <i>x</i>"))
    assert "{{< var neighbourhood_crime.count >}}" in out
    reviewer_part = out.replace("{{< var neighbourhood_crime.count >}}", "")
    # the only `<`, `{` left are none: no tag, comment, raw block or attribute can open
    body = reviewer_part.split("\n", 2)[2].rsplit(":::", 1)[0]
    assert "<" not in body and "{" not in body
    assert "`safe`" not in body and "`code`" in body          # inert inline code is kept as code
    assert "Plain & fair" in body                              # ordinary ampersands are left alone
    assert not re.search(r"(?m)^(---|:::|```|#)", body)
    assert out.startswith("::: {#rec-P3-R1 .recommendation .recommendation-draft}\n")
    assert "Draft" in out and "&lt;i&gt;" in out


def test_rendered_html_has_no_live_tag():
    pypandoc = pytest.importorskip("pypandoc")
    markdown = render_recommendation_markdown(make_rec(HOSTILE))
    html = pypandoc.convert_text(markdown, "html", format="markdown")
    lowered = html.lower()
    for live in ("<script", "<img", "<!--", "onclick", "onerror=alert", "<b>", "<i>", "<span onclick",
                 "<h1", "title: injected</h"):
        if live in ("onclick", "onerror=alert"):
            assert not re.search(rf"<[^>]*{live}", lowered), live     # never inside a tag
        else:
            assert live not in lowered, live
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org/?a=1&amp;b=2">link</a>' in html
    assert "<code>code</code>" in html


def test_unsafe_link_is_neutralised_on_render():
    out = escape_markdown("[x](javascript:alert(1)) [y](JavaScript&#58;alert(1)) [z](https://ok.example)")
    assert "javascript:alert" not in out.lower() and "](#)" in out and "(https://ok.example)" in out


def test_blockquotes_lists_and_emphasis_survive():
    out = escape_markdown("> quoted\n\n- one\n- **two**\n\n1. first")
    assert out == "> quoted\n\n- one\n- **two**\n\n1. first"


# --- output for the book ----------------------------------------------------------------------
def test_section_includes_cover_every_section(tmp_path):
    source = tmp_path / "recommendations"
    source.mkdir()
    recs = load_one(source, "P3-safer-places.md", GOOD)
    book = tmp_path / "book" / "chapters"
    stale = book / "_recommendations" / "P3" / "old_section.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    written = write_section_includes(recs, PARAMS, book)
    expected = {f"_recommendations/{c.id}/{s}.md" for c in PARAMS.chapters() for s in include_sections(PARAMS, c.id)}
    assert set(written) == expected
    assert all((book / path).is_file() for path in expected)
    assert not stale.exists()
    assert written["_recommendations/P3/neighbourhood_crime.md"] == ["P3-R2"]
    assert written["_recommendations/P3/general.md"] == ["P3-R1"]
    text = (book / "_recommendations/P3/neighbourhood_crime.md").read_text()
    assert "Recommendation P3-R2" in text and "{{< var neighbourhood_crime.change_vs_baseline >}}" in text
    assert "no recommendations" in (book / "_recommendations/P3/ksi_casualties.md").read_text()
    # a measure listed in C2 but owned by P1 points to where its recommendations are
    assert "Supporting Victims" in (book / "_recommendations/C2/calls_999_answered.md").read_text()
    assert "no recommendations" in (book / "_recommendations/C1/general.md").read_text()


def test_summary_groups_by_part_and_chapter_with_statuses(tmp_path):
    recs = load_one(tmp_path, "P3-safer-places.md", GOOD)
    statuses = {m: {"comparison": "Similar", "status": "Monitor"} for m in PARAMS.measures}
    statuses["neighbourhood_crime"] = {"comparison": "Worse", "status": "Off track"}
    text = summary_markdown(recs, PARAMS, statuses)
    assert text.index("## Plan priorities") < text.index("### Safer Places and Thriving Communities")
    assert text.index("#### P3-R1") < text.index("#### P3-R2")
    assert "comparison *Worse*; status *Off track*" in text
    assert "{{< var neighbourhood_crime.change_vs_baseline >}}" in text
    assert "Review needed" in text and "was Better when agreed, now Worse" in text
    assert "Demonstration" in text and plain(PARAMS.plan.name) in text      # escaped: "2021\\-24"
    assert "## Cross-cutting themes" not in text               # no recommendations there in this file


# --- the demonstration plan's files -----------------------------------------------------------
def test_demo_recommendations_load_and_cover_the_plan():
    recs = load_recommendations(ROOT / "recommendations", PARAMS)
    check_variables(recs, variables())
    by_chapter = {c.id: [r for r in recs if r.chapter == c.id] for c in PARAMS.chapters()}
    for part in PARAMS.plan.parts:
        if part.title in ("Plan priorities", "Cross-cutting themes"):
            for chapter in part.chapters:
                assert by_chapter[chapter.id], chapter.id
    for chapter_id in ("P1", "P2", "P3", "P4"):
        tied = [r for r in by_chapter[chapter_id] if r.section != GENERAL]
        assert len(tied) >= 3, chapter_id
    assert any(r.section == GENERAL for r in recs)
    agreed = [r for r in recs if r.is_agreed]
    assert 2 <= len(agreed) < len(recs) / 2
    assert all(r.agreed_statuses and set(r.agreed_statuses) == set(r.measures) for r in agreed)


def test_demo_recommendations_type_no_figures():
    """Figures come from {{< var >}}; the only digits allowed are the names of the 101 and 999 services."""
    for rec in load_recommendations(ROOT / "recommendations", PARAMS):
        text = re.sub(r"\{\{<.*?>\}\}", "", rec.body + " " + rec.title)
        text = re.sub(r"\b(101|999)\b", "", text)
        assert not re.search(r"\d", text), (rec.id, re.findall(r".{20}\d.{20}", text))


def _tree_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_build_never_changes_the_recommendation_files(tmp_path):
    folder = ROOT / "recommendations"
    before = _tree_hash(folder)
    recs = load_recommendations(folder, PARAMS)
    check_variables(recs, variables())
    write_section_includes(recs, PARAMS, tmp_path / "chapters")
    summary_markdown(recs, PARAMS, {m: {"comparison": "Better", "status": "On track"} for m in PARAMS.measures})
    assert _tree_hash(folder) == before


def test_a_dollar_in_a_reviewers_text_is_money_not_maths():
    from needs_assessment.recommendations.safety import escape_markdown
    import pypandoc
    html = pypandoc.convert_text(escape_markdown("From $5m to $10m, and $$x$$."), "html", format="markdown")
    assert "math" not in html and "$5m to $10m, and $$x$$." in html
