"""The loaders against real published files (police.uk, DfT STATS19), with their quirks.

Every figure is computed independently here with the csv module (or plain pandas.read_csv) and
compared with what the loaders return.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import pandas as pd
import pytest

from datasets_helpers import REAL, params_with
from needs_assessment.datasets import (detect_format, detect_table, killed_or_seriously_injured,
                                       load_police_uk_outcomes, load_police_uk_stop_search, load_police_uk_street,
                                       load_stats19)

pytestmark = pytest.mark.skipif(not REAL.exists(), reason="real published files not available")

STREET = REAL / "police-uk" / "2022-01-south-yorkshire-street.csv"
STOP_SEARCH = REAL / "police-uk" / "2021-08-west-yorkshire-stop-and-search.csv"
OUTCOMES = REAL / "police-uk" / "2018-01-avon-and-somerset-outcomes.csv"
STATS19 = REAL / "stats19"


def _csv_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def street():
    return load_police_uk_street(STREET)


@pytest.fixture(scope="module")
def stop_search():
    return load_police_uk_stop_search(STOP_SEARCH)


@pytest.fixture(scope="module")
def stats19():
    return load_stats19(STATS19, params_with(stats19_police_force=13))


def test_street_rows_and_crime_types_match_an_independent_count(street):
    rows = _csv_rows(STREET)
    assert len(rows) == 14_357
    assert len(street) == 14_357
    expected = Counter(r["Crime type"] for r in rows)
    assert street["crime_type"].value_counts().to_dict() == dict(expected)


def test_street_columns_are_snake_case_and_month_is_a_period(street):
    assert list(street.columns) == ["crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
                                    "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category",
                                    "context"]
    assert street["month"].dtype == pd.PeriodDtype("M")
    assert set(street["month"].astype(str)) == {"2022-01"}


def test_street_quirks_asb_no_location_and_empty_context(street):
    rows = _csv_rows(STREET)
    asb = street[street["crime_type"] == "Anti-social behaviour"]
    assert len(asb) == sum(r["Crime type"] == "Anti-social behaviour" for r in rows)
    assert asb["crime_id"].isna().all()
    assert asb["last_outcome_category"].isna().all()
    no_location = street[street["location"] == "No Location"]
    assert len(no_location) == sum(r["Location"] == "No Location" for r in rows) > 0
    assert no_location[["longitude", "latitude", "lsoa_code", "lsoa_name"]].isna().all().all()
    assert street["context"].isna().all()


def test_street_filtered_to_the_params_force_by_the_slug(tmp_path):
    assert len(load_police_uk_street(STREET, params_with(police_uk_slug="south-yorkshire"))) == 14_357
    # the same file renamed (no slug in the name): the 'Falls within' column decides
    renamed = tmp_path / "download.csv"
    shutil.copy(STREET, renamed)
    mine = params_with(police_uk_slug="south-yorkshire", force="South Yorkshire Police")
    assert len(load_police_uk_street(renamed, mine)) == 14_357
    other = params_with(police_uk_slug="west-yorkshire", force="West Yorkshire Police")
    assert len(load_police_uk_street(renamed, other)) == 0


def test_stop_search_rows_dates_and_booleans(stop_search):
    rows = _csv_rows(STOP_SEARCH)
    assert len(rows) == len(stop_search) == 1_312
    assert stop_search["date"].dt.tz is not None
    # 2021-07-31T23:40:00+00:00 is 00:40 on 1 August in UK local time (BST): an August search
    first = stop_search.iloc[0]
    assert str(first["month"]) == "2021-08"
    assert first["date"] == pd.Timestamp("2021-07-31T23:40:00+00:00")
    assert set(stop_search["month"].astype(str)) == {"2021-08"}
    assert str(stop_search["part_of_a_policing_operation"].dtype) == "boolean"
    assert str(stop_search["outcome_linked_to_object_of_search"].dtype) == "boolean"
    linked = Counter(r["Outcome linked to object of search"] for r in rows)
    assert int(stop_search["outcome_linked_to_object_of_search"].sum()) == linked["True"]
    assert int(stop_search["outcome_linked_to_object_of_search"].isna().sum()) == linked[""]
    operation = Counter(r["Part of a policing operation"] for r in rows)
    assert int(stop_search["part_of_a_policing_operation"].sum()) == operation["True"]
    assert stop_search["object_of_search"].value_counts().to_dict() == \
        dict(Counter(r["Object of search"] for r in rows if r["Object of search"]))
    blank_coords = sum(1 for r in rows if not r["Latitude"])
    assert int(stop_search["latitude"].isna().sum()) == blank_coords


def test_outcomes_five_rows_with_upper_case_locations():
    outcomes = load_police_uk_outcomes(OUTCOMES)
    rows = _csv_rows(OUTCOMES)
    assert len(outcomes) == len(rows) == 5
    assert outcomes["outcome_type"].value_counts().to_dict() == dict(Counter(r["Outcome type"] for r in rows))
    # the location is kept as published (upper-case street names in this file)
    assert list(outcomes["location"]) == [r["Location"] for r in rows]
    assert "COURT STREET" in outcomes["location"].iloc[0]
    assert "outcome_type" in outcomes.columns and str(outcomes["month"].iloc[0]) == "2018-01"


def test_stats19_ksi_and_the_join_on_collision_index(stats19):
    casualties = pd.read_csv(STATS19 / "casualties.csv")
    collisions = pd.read_csv(STATS19 / "accidents.csv")
    vehicles = pd.read_csv(STATS19 / "vehicles.csv")
    assert killed_or_seriously_injured(stats19["casualties"]) == 1_318
    assert int((casualties["casualty_severity"] == 1).sum()) == 40
    assert int(casualties["casualty_severity"].isin([1, 2]).sum()) == 1_318
    assert len(stats19["collisions"]) == len(collisions) == 4_060
    assert len(stats19["casualties"]) == len(casualties) == 5_240
    assert len(stats19["vehicles"]) == len(vehicles) == 7_355
    # month from the collision date (dd/mm/yyyy), on collisions and casualties
    expected = pd.to_datetime(collisions["date"], format="%d/%m/%Y").dt.to_period("M").value_counts()
    assert stats19["collisions"]["month"].value_counts().sort_index().equals(expected.sort_index())
    assert stats19["casualties"]["month"].notna().all()
    assert stats19["collisions"]["month"].dtype == pd.PeriodDtype("M")


def test_stats19_filtered_to_another_force_keeps_nothing():
    frames = load_stats19(STATS19, params_with(stats19_police_force=1))
    assert {k: len(v) for k, v in frames.items()} == {"collisions": 0, "casualties": 0, "vehicles": 0}


@pytest.mark.parametrize("name, fmt, table", [
    ("police-uk/2022-01-south-yorkshire-street.csv", "police_uk_street", "street"),
    ("police-uk/2021-08-west-yorkshire-stop-and-search.csv", "police_uk_stop_search", "stop_search"),
    ("police-uk/2018-01-avon-and-somerset-outcomes.csv", "police_uk_outcomes", "outcomes"),
    ("stats19/accidents.csv", "stats19", "collisions"),      # renamed from ...-collision-2024.csv
    ("stats19/casualties.csv", "stats19", "casualties"),
    ("stats19/vehicles.csv", "stats19", "vehicles"),
])
def test_formats_are_detected_from_the_header(name, fmt, table):
    assert detect_table(REAL / name) == (fmt, table)
    assert detect_format(REAL / name) == fmt
