"""Chart legibility: no text of a chart drawn over another (axis title, legend, direct labels), for
every kind of chart, measured from the renderer's own extents of what it drew."""

from __future__ import annotations

import itertools

import pytest

from needs_assessment.content import charts as C

try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf


def drawn_figure(monkeypatch, module, chart, result, tmp_path):
    """Draw `chart` and return its figure, captured (drawn) just before it is saved and cleared."""
    captured = {}
    original = module._save

    def keep(fig, path, title, alt):
        fig.canvas.draw()
        captured["fig"] = fig
        captured["extents"] = _extents(fig)
        return original(fig, path, title, alt)

    monkeypatch.setattr(module, "_save", keep)
    chart(result, tmp_path / "chart.png")
    return captured["extents"]


def _extents(fig):
    """(what, window extent) of every visible text and legend in the figure."""
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title):
            if title.get_visible() and title.get_text():
                out.append((f"axis title {title.get_text()!r}", title.get_window_extent(renderer)))
        legend = ax.get_legend()
        if legend is not None:
            out.append(("legend", legend.get_window_extent(renderer)))
    for legend in fig.legends:
        out.append(("legend", legend.get_window_extent(renderer)))
    return out


GAP_PX = 6     # 1 mm at the charts' 150 dpi: closer than this, two texts read as one


def overlaps(extents, gap=GAP_PX):
    """Pairs of texts closer than `gap` pixels to each other (or drawn over each other)."""
    bad = []
    for (a, ea), (b, eb) in itertools.combinations(extents, 2):
        if (ea.x0 < eb.x1 + gap and eb.x0 < ea.x1 + gap and ea.y0 < eb.y1 + gap and eb.y0 < ea.y1 + gap):
            bad.append((a, b))
    return bad


def _long_name(make):
    """A force area with a long name (a wider legend), as real forces have."""
    def result():
        r = make()
        r.area_name = "Devon and Cornwall and the Isles of Scilly"
        return r
    return result


TREND_CASES = {
    "rate": mf.neighbourhood_crime,
    "rate, long area name": _long_name(mf.neighbourhood_crime),
    "proportion, long area name": _long_name(mf.calls_999),
    "rate, similar": mf.neighbourhood_crime_similar,
    "proportion, axis not from zero": mf.calls_999,
    "no baseline": mf.needs_assessments_no_baseline,
    "stop and search": mf.stop_search,
}


@pytest.mark.parametrize("case", TREND_CASES)
def test_trend_axis_title_never_runs_into_the_legend(monkeypatch, tmp_path, case):
    import needs_assessment.content.charts.trend as trend

    extents = drawn_figure(monkeypatch, trend, C.trend_chart, TREND_CASES[case](), tmp_path)
    assert any(what == "legend" for what, _ in extents)
    assert any(what.startswith("axis title") for what, _ in extents)
    assert overlaps(extents) == []


def test_deprivation_axis_title_and_legend_apart(monkeypatch, tmp_path):
    import needs_assessment.content.charts.deprivation as deprivation

    extents = drawn_figure(monkeypatch, deprivation, C.deprivation_chart, mf.neighbourhood_crime(), tmp_path)
    assert overlaps(extents) == []
