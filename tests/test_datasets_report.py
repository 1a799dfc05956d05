"""`python build.py data`: the report on the params' datasets and on downloads given as paths."""

from __future__ import annotations

import json

import pytest

from datasets_helpers import BAD, PARAMS_FILE, REAL, demo_params, params_with_datasets, write_street
from needs_assessment.measures.report import describe_params_datasets, describe_paths, format_report, run_data_command


@pytest.fixture(scope="module")
def params():
    return demo_params()


def test_params_report_lists_each_dataset_with_its_check(tmp_path, params):
    for month in ("2024-01", "2024-02"):
        write_street(tmp_path / "data" / "police", month, 5)
    p = params_with_datasets(params, street_crime="data/police", force_indicators="data/force/indicators-*.csv")
    report = describe_params_datasets(p, tmp_path, tmp_path / "cache")
    json.dumps(report)  # plain data
    by_name = {d["name"]: d for d in report["datasets"]}
    assert set(by_name) == set(p.datasets)
    street = by_name["street_crime"]
    assert street["ok"] and street["validation"] == "ok"
    assert street["rows"] == {"street": 10}
    assert street["months"]["first"] == "2024-01" and street["months"]["last"] == "2024-02"
    assert len(street["files"]) == 2 and len(street["files"][0]["blake3"]) == 64
    missing = by_name["force_indicators"]
    assert not missing["ok"] and "no files found" in missing["validation"]
    assert report["ok"] is False
    text = format_report(report)
    assert "street_crime" in text and "ABSENT in force_indicators" in text and "no files found" in text
    victims = next(m for m in report["measures"] if m["id"] == "victim_satisfaction")
    assert not victims["computable"] and "no files found for dataset 'force_indicators'" in victims["reason"]


@pytest.mark.skipif(not REAL.exists(), reason="real published files not available")
def test_paths_report_counts_by_month_and_category(params):
    police = REAL / "police-uk"   # the exact files: the folder also holds Durham's downloads
    report = describe_paths([police / "2022-01-south-yorkshire-street.csv",
                             police / "2021-08-west-yorkshire-stop-and-search.csv",
                             police / "2018-01-avon-and-somerset-outcomes.csv", REAL / "stats19"], params)
    json.dumps(report)
    assert report["ok"]
    by_format = {d["format"]: d for d in report["datasets"]}
    street = by_format["police_uk_street"]
    assert street["rows"] == {"street": 14357}
    assert street["by_month"] == {"street": {"2022-01": 14357}}
    assert street["by_category"]["street"]["crime_type"]["Anti-social behaviour"] == 1843
    assert any("south-yorkshire" in w for w in street["warnings"])      # not the params' force
    stop = by_format["police_uk_stop_search"]
    assert sum(stop["by_category"]["stop_search"]["object_of_search"].values()) == 1312
    assert "outcome" in stop["by_category"]["stop_search"]
    outcomes = by_format["police_uk_outcomes"]
    assert outcomes["rows"] == {"outcomes": 5}
    stats19 = by_format["stats19"]
    assert stats19["killed_or_seriously_injured"] == 1318
    assert stats19["by_category"]["casualties"]["casualty_severity"] == {"1 fatal": 40, "2 serious": 1278,
                                                                         "3 slight": 3922}
    assert stats19["forces"] == {"13": 4060}
    text = format_report(report)
    assert "Anti-social behaviour" in text and "killed or seriously injured: 1,318" in text


def test_paths_report_says_what_is_wrong(params):
    report = describe_paths([BAD / "value-over-denominator", BAD / "not-a-dataset"], params)
    assert not report["ok"]
    bad = {d["format"]: d for d in report["datasets"]}["indicator_template"]
    assert "greater than the denominator" in bad["validation"] and "line 3" in bad["validation"]
    assert any("notes.csv" in p for p in report["problems"])


def test_run_data_command_json_and_exit_codes(params, capsys, tmp_path):
    assert run_data_command([str(BAD / "negative-count")], PARAMS_FILE, as_json=True) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "paths" and not out["ok"]
    good = write_street(tmp_path / "police", "2024-01", 4)
    assert run_data_command([str(good)], PARAMS_FILE, as_json=False) == 0
    assert "police_uk_street" in capsys.readouterr().out
    assert run_data_command([], tmp_path / "missing.yml", as_json=False) == 2
