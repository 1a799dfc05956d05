"""A district's view of the force's measures (measures/areas.py): no data files, no kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import measure_fixtures as mf
from needs_assessment.measures import comparison
from needs_assessment.measures.areas import area_slug, district_view, params_for_area, view_summary
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params" / "demo-2024.yml")


def test_area_slug_names_a_folder():
    assert area_slug("Castleford Moor") == "castleford-moor"
    assert area_slug("King's Lynn and West Norfolk") == "king-s-lynn-and-west-norfolk"


def test_params_for_a_district_make_it_the_area(params):
    view = params_for_area(params, "Brookmere", "recommendations/brookmere")
    assert view.area.name == view.area.force == "Brookmere"
    assert view.area.districts == ["Ashby Vale", "Castleford Moor", "Dunmoor", "Eastwick", "Demoshire Police"]
    assert view.area.most_similar_group == []
    assert view.recommendations == "recommendations/brookmere"
    assert view.title.endswith(": Brookmere")
    with pytest.raises(ValueError, match="not one of the districts"):
        params_for_area(params, "Nowhere", "x")


def test_district_is_judged_against_its_own_baseline_and_the_others_against_it(params):
    result = mf.neighbourhood_crime()
    district = "Brookmere"
    summary = view_summary(result, district, params)
    own = summary.iloc[0]
    source = result.summary.set_index("area")
    assert own["area"] == district and own["area_type"] == "force" and own["published_area_type"] == "district"
    # the district's own figures are the force summary's, unchanged
    for column in ("count", "value", "lower_95", "upper_95", "baseline_value", "previous_value"):
        assert own[column] == pytest.approx(source.loc[district, column], nan_ok=True)
    assert own["benchmark_value"] == pytest.approx(source.loc[district, "baseline_value"])
    expected = comparison.compare_to_benchmark(
        np.array([own["value"]]), np.array([own["lower_95"]]), np.array([own["upper_95"]]),
        np.array([own["baseline_value"]]), result.definition.polarity)[0]
    assert own["comparison"] == expected
    assert own["status"] in {comparison.ON_TRACK, comparison.OFF_TRACK, comparison.NOT_ASSESSED}
    others = summary.iloc[1:]
    assert set(others["area"]) == set(params.area.districts) - {district} | {mf.FORCE}
    assert (others["area_type"] == "district").all()
    assert others.set_index("area").loc[mf.FORCE, "published_area_type"] == "force"
    assert (others["benchmark_name"] == district).all()
    assert np.allclose(others["benchmark_value"], own["value"])
    assert (others["status"] == "").all()


def test_a_hidden_figure_is_never_compared(params):
    result = mf.suppressed_count()
    hidden = result.summary[result.summary["suppressed"]]["area"]
    assert len(hidden)
    district = hidden.iloc[0]
    summary = view_summary(result, district, params)
    # the district's own figure is hidden: nothing is compared with it
    assert (summary["comparison"] == comparison.NOT_COMPARED).all()


def test_a_measure_the_data_give_for_the_force_only_is_not_available_for_a_district(params):
    result = mf.stop_search()
    # as the engine makes it from police.uk stop and search (coordinates, no LSOA): the force only
    result.summary = result.summary[result.summary["area_type"] == "force"]
    view = district_view(result, "Dunmoor", params, params_for_area(params, "Dunmoor", "x"))
    assert view.not_available and "as a whole, not for its districts" in view.not_available
    assert view.force == "Dunmoor"


def test_the_view_keeps_the_trend_of_every_area_with_the_district_as_subject(params):
    result = mf.neighbourhood_crime()
    view = district_view(result, "Eastwick", params, params_for_area(params, "Eastwick", "x"))
    subject = view.trend[view.trend["area_type"] == "force"]
    assert set(subject["area"]) == {"Eastwick"}
    assert len(view.trend) == len(result.trend[result.trend["area_type"].isin(["force", "district"])])
    assert view.area_name == "Eastwick" and "msg" not in view.extras
    assert not any(n.startswith("Records without a location") for n in view.notes)
