"""Charts: valid PNGs of the house size, headline titles, generated alt text and suppression."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
from PIL import Image

from needs_assessment.content import charts as C

try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf

force, shown = mf.force_row, mf.shown




def check_png(path):
    assert path.exists() and path.stat().st_size > 5_000
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG"
        width, height = im.size
        # 16 cm at 150 dpi
        assert abs(width - 16 / 2.54 * 150) <= 2
        assert 300 < height < 1500
        return dict(im.info)


# --------------------------------------------------------------------------------------------------
# trend

def test_trend_chart_png_title_and_alt_text(tmp_path):
    r = mf.neighbourhood_crime()
    row = force(r)
    chart = C.trend_chart(r, tmp_path / "trend.png")
    info = check_png(chart.path)
    pct = (row["value"] - row["baseline_value"]) / row["baseline_value"] * 100
    assert pct < 0
    # headline states the direction and size
    assert "below" in chart.title and f"{abs(pct):.0f}%" in chart.title and "2019 baseline" in chart.title
    alt = chart.alt_text
    assert alt.startswith("Line chart of neighbourhood crime")
    assert "the 12 months to December 2019" in alt and "the 12 months to March 2024" in alt
    assert "fell" in alt and f"down {abs(pct):.1f}%" in alt
    assert f"{row['value']:.1f}" in alt and f"{row['baseline_value']:.1f}" in alt
    assert "Demoshire" in alt and "per 1,000 households" in alt
    assert chart.subtitle == "Rolling 12-month rate per 1,000 households, Demoshire, January 2019 to March 2024"
    assert chart.caption.startswith(chart.title) and "Source:" in chart.caption
    assert info.get("Description") == alt                     # alt text travels with the file
    assert list(chart.data.columns) == ["month", "period", "count_12m", "denominator_12m", "value",
                                        "lower_95", "upper_95", "suppressed", "months_missing"]
    assert chart.data["month"].iloc[-1] == "2024-03"
    md = chart.markdown("nc-trend")
    assert md.startswith("![") and "{#fig-nc-trend fig-alt=" in md


def test_trend_headline_follows_direction_and_significance(tmp_path):
    rising = mf.weapon_possession(peers=False, deprivation=False)
    assert "above" in C.headline_for_trend(rising)
    assert "rose" in C.alt_text_for_trend(rising)
    similar = mf.neighbourhood_crime_similar(peers=False, deprivation=False)
    assert "similar to the 2019 baseline" in C.headline_for_trend(similar)
    assert "not statistically significant" in C.alt_text_for_trend(similar)
    calls = mf.calls_999(peers=False)
    row = force(calls)
    points = row["value"] - row["baseline_value"]
    assert f"{abs(points):.1f} percentage points below" in C.headline_for_trend(calls)
    alt = C.alt_text_for_trend(calls)
    assert f"down {abs(points):.1f} percentage points" in alt and "target of at least 90%" in alt
    C.trend_chart(calls, tmp_path / "calls.png")


def test_trend_without_baseline(tmp_path):
    r = mf.needs_assessments_no_baseline()
    chart = C.trend_chart(r, tmp_path / "nb.png")
    check_png(chart.path)
    assert "previous 12 months" in chart.title and "no baseline" in chart.alt_text.lower()
    assert chart.data["value"].notna().all()        # uncovered windows are not part of the series


def test_suppressed_trend_never_shows_the_small_number(tmp_path):
    r = mf.suppressed_count()
    row = force(r)
    chart = C.trend_chart(r, tmp_path / "sup.png")
    check_png(chart.path)
    assert "too small to publish" in chart.title and "too small to publish" in chart.alt_text
    assert not shown(f"{int(row['count'])}", chart.alt_text + chart.title)
    counts = chart.data["count_12m"].dropna()
    assert not ((counts > 0) & (counts < 5)).any()
    assert chart.data["suppressed"].iloc[-1]


# --------------------------------------------------------------------------------------------------
# districts, MSG, deprivation, disproportionality

def test_district_chart(tmp_path):
    r = mf.neighbourhood_crime(small_district="Dunmoor")
    s = r.summary.set_index("area")
    chart = C.district_chart(r, tmp_path / "districts.png")
    check_png(chart.path)
    assert "Brookmere" in chart.title and "higher" in chart.title
    alt = chart.alt_text
    assert alt.startswith("Dot chart of neighbourhood crime")
    assert f"Brookmere {s.loc['Brookmere', 'value']:.1f} (worse)" in alt
    assert f"Demoshire figure of {s.loc['Demoshire Police', 'value']:.1f}" in alt
    assert "Dunmoor are too small to publish" in alt
    dun = s.loc["Dunmoor"]
    assert not shown(f"{dun['value']:.1f}", alt) and not shown(f"{dun['value']:.2f}", alt)
    data = chart.data.set_index("area")
    assert data.loc["Dunmoor", "suppressed"] and np.isnan(data.loc["Dunmoor", "value"])


def test_msg_chart(tmp_path):
    r = mf.neighbourhood_crime()
    msg = r.extras["msg"]
    me = msg[msg["is_force"]].iloc[0]
    chart = C.msg_chart(r, tmp_path / "msg.png")
    check_png(chart.path)
    assert "similar forces" in chart.title
    assert f"Demoshire Police ({me['value']:.1f}) has the {int(me['rank'])}th lowest rate" in chart.alt_text
    assert f"group average of {msg.attrs['msg_average']:.1f}" in chart.alt_text
    assert chart.data.attrs["msg_average"] == pytest.approx(msg.attrs["msg_average"])


def test_deprivation_chart(tmp_path):
    r = mf.neighbourhood_crime()
    dep = r.extras["deprivation"].set_index("imd_decile")
    ratio = dep.loc[1, "value"] / dep.loc[10, "value"]
    chart = C.deprivation_chart(r, tmp_path / "dep.png")
    check_png(chart.path)
    assert f"{ratio:.1f} times" in chart.title and "most deprived" in chart.title
    assert "decile 1 (most deprived)" in chart.alt_text and f"{ratio:.1f} times" in chart.alt_text
    assert C.DECILE_LABELS[1].replace("\n", " ") == "1 (most deprived)"
    assert C.DECILE_LABELS[10].replace("\n", " ") == "10 (least deprived)"
    hidden = C.deprivation_chart(mf.neighbourhood_crime(small_decile=5), tmp_path / "dep2.png")
    assert "deciles 5 and 10 are too small" in hidden.alt_text          # 10: secondary suppression
    assert hidden.data["suppressed"].sum() == 2


def test_disproportionality_chart(tmp_path):
    r = mf.stop_search(small_group="Other")
    frame = r.extras["disproportionality"].set_index("group")
    chart = C.disproportionality_chart(r, tmp_path / "dis.png")
    check_png(chart.path)
    black = frame.loc["Black", "rate_ratio"]
    assert f"{black:.1f} times" in chart.title and "Black" in chart.title
    assert "logarithmic scale" in chart.alt_text and f"Black {black:.1f} times" in chart.alt_text
    assert "Other are too small to publish" in chart.alt_text
    assert not re.search(r"Other \d", chart.alt_text)       # the hidden group is never given a ratio
    assert np.isnan(chart.data.set_index("group").loc["Other", "rate_ratio"])


# --------------------------------------------------------------------------------------------------
# house style and state

def test_no_data_raises_and_available_charts():
    r = mf.no_data()
    assert C.available_charts(r) == []
    with pytest.raises(C.ChartDataError):
        C.trend_chart(r, "unused.png")
    assert C.available_charts(mf.neighbourhood_crime()) == ["trend", "district", "msg", "deprivation"]
    assert "disproportionality" in C.available_charts(mf.stop_search())


def test_markers_distinguish_comparisons_without_colour():
    shapes = {(m["marker"], m["filled"]) for w, m in C.MARKERS.items() if w not in ("", "Not compared")}
    assert len(shapes) == 5        # Better, Worse, Higher, Lower, Similar: five different shape/fill pairs


def test_no_global_matplotlib_state_leaks(tmp_path):
    import sys
    before = dict(matplotlib.rcParams)
    C.district_chart(mf.weapon_possession(), tmp_path / "wp.png")
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()
    if "matplotlib.pyplot" in sys.modules:     # another test may have imported pyplot: then no open figures
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_engine_style_blanked_results_still_show_c(tmp_path):
    """After the engine's disclosure control the suppressed figures are NaN, not small numbers."""
    r = mf.blank_suppressed(mf.neighbourhood_crime(small_district="Dunmoor"))
    chart = C.district_chart(r, tmp_path / "d.png")
    assert "Dunmoor are too small to publish" in chart.alt_text
    assert chart.data.set_index("area").loc["Dunmoor", "suppressed"]
    s = mf.suppressed_count()
    trend = s.trend.copy()
    small = (trend["count_12m"] > 0) & (trend["count_12m"] < 5)
    trend.loc[small, ["count_12m", "value", "lower_95", "upper_95"]] = np.nan   # as engine.suppress_trend
    s.trend = trend
    data = C.trend_data(s)
    assert data["suppressed"].iloc[-1] and data["value"].isna().iloc[-1]
    nb = C.trend_data(mf.needs_assessments_no_baseline())
    assert not nb["suppressed"].any()      # windows before the data starts are not "suppressed"


def test_same_numbers_give_the_same_png(tmp_path):
    a = C.trend_chart(mf.neighbourhood_crime(peers=False), tmp_path / "a.png")
    b = C.trend_chart(mf.neighbourhood_crime(peers=False), tmp_path / "b.png")
    assert a.path.read_bytes() == b.path.read_bytes()      # no timestamps or versions in the file


def test_a_breakdown_whose_every_figure_is_suppressed_offers_no_chart(tmp_path):
    """available_charts judges on the figures the charts draw (after disclosure control): a
    deprivation or disproportionality breakdown made only of counts 1 to 4 is not offered, where the
    chart would have nothing to draw."""
    result = mf.neighbourhood_crime()
    assert "deprivation" in C.available_charts(result)
    result.extras["deprivation"]["count"] = [3.0, 2.0, 4.0, 1.0, 3.0, 2.0, 4.0, 1.0, 3.0, 2.0]
    assert "deprivation" not in C.available_charts(result)
    with pytest.raises(C.ChartDataError):
        C.deprivation_chart(result, tmp_path / "dep.png")

    searches = mf.stop_search()
    assert "disproportionality" in C.available_charts(searches)
    searches.extras["disproportionality"]["searches"] = 2.0
    assert "disproportionality" not in C.available_charts(searches)
    with pytest.raises(C.ChartDataError):
        C.disproportionality_chart(searches, tmp_path / "dis.png")


def test_the_png_has_matplotlibs_pixels_without_the_alpha_channel_and_the_same_bytes_each_time(tmp_path,
                                                                                                monkeypatch):
    """The house PNG (style._save): the pixels of matplotlib's own PNG of the same chart, written as
    opaque RGB, with the title, alt text and DPI, and byte for byte the same when drawn again."""
    from needs_assessment.content.charts import style, trend

    def matplotlibs_own(fig, path, title, alt):
        fig.savefig(path, format="png", dpi=style.DPI, facecolor="white", metadata={"Software": None})
        fig.clear()
        return path

    with monkeypatch.context() as patch:
        patch.setattr(trend, "_save", matplotlibs_own)
        own_path = C.trend_chart(mf.neighbourhood_crime(), tmp_path / "matplotlib.png").path
    chart = C.trend_chart(mf.neighbourhood_crime(), tmp_path / "house.png")
    with Image.open(own_path) as own, Image.open(chart.path) as house:
        assert own.mode == "RGBA" and house.mode == "RGB" and own.size == house.size
        assert (np.asarray(own)[..., 3] == 255).all()
        assert (np.asarray(own)[..., :3] == np.asarray(house)).all()
        assert house.info["Title"] == chart.title and house.info["Description"] == chart.alt_text
        assert round(house.info["dpi"][0]) == 150 and "Software" not in house.info
    assert chart.path.stat().st_size < own_path.stat().st_size
    again = C.trend_chart(mf.neighbourhood_crime(), tmp_path / "again.png")
    assert again.path.read_bytes() == chart.path.read_bytes()

