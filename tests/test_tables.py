"""Markdown tables and their download frames: layout, number formats, captions and suppression."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from needs_assessment.content import findings as F
from needs_assessment.content import tables as T

try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf


def plain(markdown: str) -> str:
    """The Markdown with the screen-reader-hidden symbol spans turned into plain text: "✓ Better"."""
    return re.sub(r'\[([^\[\]]+)\]\{aria-hidden="true"\}', r"\1", markdown)


def rows_of(markdown: str) -> list[list[str]]:
    """The cells of each table line (header, separator and body), stripped, symbols as plain text."""
    lines = [ln for ln in plain(markdown).splitlines() if ln.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines]


def caption_line(markdown: str) -> str:
    return next(ln for ln in markdown.splitlines() if ln.startswith(": "))


# --------------------------------------------------------------------------------------------------
# markdown_table

def test_markdown_table_layout_and_formats():
    df = pd.DataFrame({"area": ["Ashby | Vale", "Brookmere", "Dunmoor"], "count": [12345, 678, 3],
                       "rate": [12.345, 9.87, np.nan], "suppressed": [False, False, True]})
    md = T.markdown_table(df, {"area": "Area", "count": "Count", "rate": "Rate"}, "Crimes by area",
                          "crimes-by-area")
    rows = rows_of(md)
    assert rows[0] == ["Area", "Count", "Rate"]
    assert re.fullmatch(r":-+", rows[1][0]) and re.fullmatch(r"-+:", rows[1][1]) and re.fullmatch(r"-+:", rows[1][2])
    assert rows[2] == ["Ashby \\| Vale", "12,345", "12.3"]
    assert rows[3] == ["Brookmere", "678", "9.9"]
    assert rows[4] == ["Dunmoor", "[c]", "[c]"]           # suppressed row: every number hidden
    assert "| 3 |" not in md
    assert caption_line(md) == ": Crimes by area {#tbl-crimes-by-area}"
    assert "\n\n: Crimes" in md                             # Quarto needs the blank line


def test_markdown_table_missing_alignment_and_decimals():
    df = pd.DataFrame({"name": ["a", "b"], "x": [1.5, None], "n": [1000, 2000]})
    md = T.markdown_table(df, {"name": "Name", "x": "X", "n": "N"}, "", None, align="lcr", decimals={"x": 2})
    rows = rows_of(md)
    assert rows[1][0].startswith(":") and rows[1][1].startswith(":") and rows[1][1].endswith(":")
    assert rows[2] == ["a", "1.50", "1,000"] and rows[3] == ["b", "[x]", "2,000"]
    assert not any(ln.startswith(": ") for ln in md.splitlines())   # no caption asked for
    with pytest.raises(KeyError):
        T.markdown_table(df, {"nope": "Nope"}, "c")


def test_symbols_are_hidden_from_screen_readers():
    md = T.status_table([mf.neighbourhood_crime()], "s")
    assert '[✓]{aria-hidden="true"} Better' in md and '[✓]{aria-hidden="true"} On track' in md


def test_tbl_label():
    assert T.tbl_label("District rates") == "tbl-district-rates"
    assert T.tbl_label("tbl-x") == "tbl-x"


# --------------------------------------------------------------------------------------------------
# helpers

def test_district_table_and_frame_hide_a_suppressed_district():
    r = mf.neighbourhood_crime(small_district="Dunmoor")
    s = r.summary.set_index("area")
    md = T.district_table(r, "nc-districts")
    rows = rows_of(md)
    assert rows[0][:3] == ["Area", "Count", "Rate per 1,000 households"]
    assert "Comparison" in rows[0] and "95% confidence interval" in rows[0]
    assert caption_line(md).endswith("{#tbl-nc-districts}")
    body = {r_[0]: r_ for r_ in rows[2:]}
    assert body["Dunmoor"][1:] == ["[c]"] * (len(rows[0]) - 1)
    assert body["Brookmere"][1] == f"{int(s.loc['Brookmere', 'count']):,}"
    assert body["Brookmere"][2] == f"{s.loc['Brookmere', 'value']:.1f}"
    assert body["Brookmere"][-1] == "✗ Worse" and body["Ashby Vale"][-1] == "✓ Better"
    assert body["**Demoshire**"][4] == f"{s.loc['Demoshire Police', 'change_vs_baseline_pct']:.1f}%"
    small = s.loc["Dunmoor"]
    dunmoor_line = next(ln for ln in md.splitlines() if ln.startswith("| Dunmoor"))
    assert f"{int(small['count'])}" not in dunmoor_line and f"{small['value']:.1f}" not in dunmoor_line
    frame = T.table_frame("district", r)
    dun = frame[frame["area"] == "Dunmoor"].iloc[0]
    assert bool(dun["suppressed"]) and np.isnan(dun["count"]) and np.isnan(dun["value"])
    assert frame["value"].dtype == "float64" and frame["suppressed"].dtype == bool


def test_district_table_for_counts_has_no_comparison():
    md = T.district_table(mf.needs_assessments_no_baseline(), "nb")
    header = rows_of(md)[0]
    assert "Comparison" not in header and header[1] == "Number"
    assert all(r_[-1] == "[x]" for r_ in rows_of(md)[2:])   # no baseline: change not available


def test_status_table_every_measure_with_symbols():
    results = [mf.neighbourhood_crime(), mf.calls_999(), mf.needs_assessments_no_baseline(),
               mf.weapon_possession(), mf.suppressed_count(), mf.no_data("ksi_casualties")]
    md = T.status_table(results, "status")
    rows = rows_of(md)
    assert rows[0] == ["Measure", "Latest", "Baseline", "Change", "Compared with baseline", "Status"]
    assert "Latest: 12 months to March 2024; baseline: 12 months to December 2019" in md
    assert len(rows) == 2 + len(results)
    body = rows[2:]
    assert body[0][-2:] == ["✓ Better", "✓ On track"]
    assert body[1][-2:] == ["✗ Worse", "✗ Off track"] and body[1][3].endswith(" pp")
    assert body[3][-2:] == ["▲ Higher", "○ Monitor only"]
    assert body[4][1] == "[c]" and body[4][3] == "[c]" and body[4][-2] == "[c]"
    assert body[5][-1] == "– No data" and body[5][1] == "[x]"
    assert caption_line(md).endswith("{#tbl-status}")
    frame = T.table_frame("status", results)
    assert list(frame["measure_id"]) == [r.measure_id for r in results]
    assert frame.loc[4, "suppressed"] and np.isnan(frame.loc[4, "value"])


def test_msg_deprivation_and_disproportionality_tables():
    r = mf.neighbourhood_crime(small_decile=4)
    md = T.msg_table(r, "msg")
    rows = rows_of(md)
    assert rows[0][0] == "Force" and any(r_[0] == "**Demoshire Police**" for r_ in rows)
    assert rows[-1][0] == "Most similar group average"
    dep = T.deprivation_table(r, "dep")
    drows = rows_of(dep)
    assert drows[2][0] == "1 (most deprived)" and drows[-1][0] == "10 (least deprived)"
    assert drows[5][1] == "[c]" and drows[5][3] == "[c]"
    # decile 4 is small; the next smallest (decile 10) is hidden too, or the force total would give it away
    assert list(T.table_frame("deprivation", r).query("suppressed")["imd_decile"]) == [4, 10]

    s = mf.stop_search(small_group="Mixed")
    dis = T.disproportionality_table(s, "dis")
    body = {r_[0]: r_ for r_ in rows_of(dis)[2:]}
    ratio = s.extras["disproportionality"].set_index("group").loc["Black", "rate_ratio"]
    assert body["Black"][4] == f"{ratio:.1f}" and body["Black"][-1] == "▲ Significantly higher"
    assert body["Mixed"][1] == "[c]" and body["Mixed"][4] == "[c]"
    assert body["White"][4] == "1.0 (reference)"
    with pytest.raises(ValueError):
        T.table_frame("nope", s)


def test_status_table_marks_a_suppressed_baseline_too_small_not_missing():
    """A baseline count of 1 to 4 is [c] (too small to publish), as the finding says, not [x]."""
    result = mf.build_result("stalking_protection_orders", baseline_monthly=0.25, previous_monthly=2.0,
                             latest_monthly=2.5, peers=False, deprivation=False)
    assert F.figures_for(result.force_row, 5).baseline_suppressed
    row = rows_of(T.status_table([result], "small"))[2]
    assert row[2] == "[c]" and row[3] == "[c]"
    assert "[c]" in F.measure_finding(result) or "too small to publish" in F.measure_finding(result)
