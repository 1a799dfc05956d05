"""The registry (which files and which release a dataset uses), zips, the cache, and loading the
demonstration data the generator writes."""

from __future__ import annotations

import os
import shutil

import blake3

import pandas as pd
import pyarrow as pa
import pyarrow.feather as pa_feather
import pytest

from datasets_helpers import (PRC_PFA_HEADER, REAL, STREET_HEADER, demo_params, make_police_zip,
                              params_with_datasets, street_rows, write_lines, write_street)
from needs_assessment.datasets import DataFileError, load_dataset, load_paths, resolve_dataset
from needs_assessment.datasets import loaders, readers
from needs_assessment.datasets import cache as cache_module
from needs_assessment.datasets.registry import LoadedDataset


@pytest.fixture()
def params():
    return demo_params()


def _months(start, end):
    return [str(m) for m in pd.period_range(start, end, freq="M")]


def test_a_police_uk_zip_is_read_and_filtered_to_the_force(tmp_path, params):
    make_police_zip(tmp_path / "data" / "police" / "download.zip", _months("2023-01", "2023-03"), n=7,
                    slugs=("demoshire", "south-yorkshire"),
                    extra={"2023-01/2023-01-demoshire-outcomes.csv": "Crime ID,Month\n"})
    p = params_with_datasets(params, street_crime="data/police")
    loaded = load_dataset("street_crime", p, tmp_path, tmp_path / "cache")
    assert isinstance(loaded, LoadedDataset)
    assert loaded.format == "police_uk_street"
    street = loaded.frames["street"]
    assert len(street) == 21 and loaded.rows == {"street": 21}
    assert set(street["falls_within"]) == {"Demoshire Police"}
    assert [str(m) for m in loaded.months] == ["2023-01", "2023-02", "2023-03"]
    assert "2023-01 to 2023-03" in loaded.release
    assert [f.path for f in loaded.files] == ["data/police/download.zip"]
    data = (tmp_path / "data" / "police" / "download.zip").read_bytes()
    assert loaded.files[0].hash == blake3.blake3(data).hexdigest()
    assert loaded.files[0].size == len(data)
    assert any("south-yorkshire" in w for w in loaded.warnings)


def test_the_latest_of_two_downloads_is_used(tmp_path, params):
    make_police_zip(tmp_path / "data" / "police" / "older.zip", _months("2022-07", "2023-06"))
    make_police_zip(tmp_path / "data" / "police" / "newer.zip", _months("2023-01", "2023-12"))
    p = params_with_datasets(params, street_crime="data/police")
    release = resolve_dataset("street_crime", p, tmp_path)
    assert [f.path for f in release.files] == ["data/police/newer.zip"]
    assert "2023-01 to 2023-12" in release.description
    assert any("older.zip" in s for s in release.skipped)
    loaded = load_dataset("street_crime", p, tmp_path, tmp_path / "cache")
    assert loaded.first_month == pd.Period("2023-01", "M") and loaded.last_month == pd.Period("2023-12", "M")


def test_an_unpacked_download_folder(tmp_path, params):
    for month in _months("2023-01", "2023-04"):
        write_street(tmp_path / "data" / "police", month, 4)
        write_street(tmp_path / "data" / "police", month, 3, slug="south-yorkshire", force="South Yorkshire Police")
    p = params_with_datasets(params, street_crime="data/police")
    loaded = load_dataset("street_crime", p, tmp_path, tmp_path / "cache")
    assert len(loaded.frame) == 16 and len(loaded.files) == 4
    assert loaded.files[0].path == "data/police/2023-01/2023-01-demoshire-street.csv"


def test_single_files_the_latest_date_in_the_name_wins(tmp_path, params):
    row = "2023/24,{q},Demoshire Police,Burglary - residential,Theft offences,Burglary,28E,10"
    write_lines(tmp_path / "data" / "ho" / "prc-pfa-2023-12.csv", [PRC_PFA_HEADER, row.format(q=3)], crlf=False)
    write_lines(tmp_path / "data" / "ho" / "prc-pfa-2024-03.csv", [PRC_PFA_HEADER, row.format(q=3), row.format(q=4)],
                crlf=False)
    p = params_with_datasets(params, recorded_crime_pfa="data/ho/prc-pfa-*.csv")
    loaded = load_dataset("recorded_crime_pfa", p, tmp_path, tmp_path / "cache")
    assert [f.path for f in loaded.files] == ["data/ho/prc-pfa-2024-03.csv"]
    assert loaded.rows == {"offences": 2}


def test_single_files_with_the_same_date_and_content_are_a_duplicated_release(tmp_path, params):
    path = write_lines(tmp_path / "data" / "ho" / "prc-pfa-2024-03.csv",
                       [PRC_PFA_HEADER, "2023/24,4,Demoshire Police,x,y,z,28E,10"], crlf=False)
    shutil.copy(path, tmp_path / "data" / "ho" / "prc-pfa-2024-03 (1).csv")
    p = params_with_datasets(params, recorded_crime_pfa="data/ho/prc-pfa-*.csv")
    with pytest.raises(DataFileError, match="same content"):
        resolve_dataset("recorded_crime_pfa", p, tmp_path)


@pytest.mark.skipif(not REAL.exists(), reason="real published files not available")
def test_yearly_stats19_files_are_all_used_and_renamed_files_found(tmp_path, params):
    folder = tmp_path / "data" / "stats19"
    folder.mkdir(parents=True)
    for name in ("accidents.csv", "casualties.csv", "vehicles.csv"):
        shutil.copy(REAL / "stats19" / name, folder / name)
    p = params_with_datasets(params, road_casualties="data/stats19")
    p = p.model_copy(update={"area": p.area.model_copy(update={"stats19_police_force": 13})})
    loaded = load_dataset("road_casualties", p, tmp_path, tmp_path / "cache")
    assert len(loaded.files) == 3
    assert loaded.rows == {"collisions": 4060, "casualties": 5240, "vehicles": 7355}
    # the same collisions again under another name: a duplicated release
    shutil.copy(REAL / "stats19" / "accidents.csv", folder / "dft-road-casualty-statistics-collision-2024.csv")
    with open(folder / "dft-road-casualty-statistics-collision-2024.csv", "a") as fh:
        fh.write("")   # same bytes: caught by content
    with pytest.raises(DataFileError, match="same content|duplicated release"):
        load_dataset("road_casualties", p, tmp_path, tmp_path / "cache")


def test_no_files_for_a_dataset(tmp_path, params):
    p = params_with_datasets(params, street_crime="data/nothing-here")
    with pytest.raises(DataFileError) as info:
        resolve_dataset("street_crime", p, tmp_path)
    assert "data/nothing-here" in str(info.value) and "no files found" in str(info.value)


def test_the_second_load_comes_from_the_cache_without_parsing(tmp_path, params, monkeypatch):
    for month in _months("2023-01", "2023-03"):
        write_street(tmp_path / "data" / "police", month, 6)
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"
    first = load_dataset("street_crime", p, tmp_path, cache)
    assert any(cache.rglob("*.arrow")) or any(cache.rglob("*.parquet"))

    def no_parsing(*args, **kwargs):
        raise AssertionError("the CSV parser was called on a cached load")
    monkeypatch.setattr(readers, "parse_csv", no_parsing)
    second = load_dataset("street_crime", p, tmp_path, cache)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert second.frame["month"].dtype == pd.PeriodDtype("M")
    assert [f.hash for f in first.files] == [f.hash for f in second.files]
    # an edited file misses the cache: the parser is called again
    path = tmp_path / "data" / "police" / "2023-02" / "2023-02-demoshire-street.csv"
    path.write_bytes(path.read_bytes() + path.read_bytes().splitlines(keepends=True)[-1])
    os.utime(path, ns=(1, 1))
    with pytest.raises(AssertionError, match="CSV parser was called"):
        load_dataset("street_crime", p, tmp_path, cache)


def test_a_cached_load_keeps_every_dtype(tmp_path, params):
    make_police_zip(tmp_path / "data" / "police" / "d.zip", ["2023-01"])
    lines = (tmp_path / "ss.csv")
    lines.write_text(
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
        "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
        "Outcome linked to object of search,Removal of more than just outer clothing\n"
        "Person search,2023-01-31T23:30:00+00:00,True,,53.1,-1.2,Male,18-24,,White,Misuse of Drugs Act 1971 (section 23),"
        "Controlled drugs,Arrest,,False\n")
    folder = tmp_path / "data" / "ss" / "2023-01"
    folder.mkdir(parents=True)
    shutil.move(lines, folder / "2023-01-demoshire-stop-and-search.csv")
    p = params_with_datasets(params, stop_search="data/ss")
    cold = load_dataset("stop_search", p, tmp_path, tmp_path / "cache").frame
    warm = load_dataset("stop_search", p, tmp_path, tmp_path / "cache").frame
    pd.testing.assert_frame_equal(cold, warm)
    assert str(warm["date"].dtype).endswith("Europe/London]")
    assert str(warm["outcome_linked_to_object_of_search"].dtype) == "boolean"


def test_the_demonstration_data_loads(tmp_path_factory, params):
    generate = pytest.importorskip("needs_assessment.demo.generate")
    root = tmp_path_factory.mktemp("demo-root")
    generate.generate_demo_data(root / "data" / "demo", params, scale=0.05)
    for name, dataset in params.datasets.items():
        loaded = load_dataset(name, params, root, root / ".cache" / "datasets")
        assert all(n > 0 for n in loaded.rows.values()), (name, loaded.rows)
        assert loaded.format == dataset.format
    street = load_dataset("street_crime", params, root, root / ".cache" / "datasets")
    assert str(street.first_month) == "2019-01" and str(street.last_month) == params.period_end


def test_release_and_summary_are_plain_data_for_the_manifest(tmp_path, params):
    import json
    make_police_zip(tmp_path / "data" / "police" / "d.zip", _months("2023-01", "2023-02"))
    p = params_with_datasets(params, street_crime="data/police")
    release = resolve_dataset("street_crime", p, tmp_path).as_dict()
    assert set(release) == {"dataset", "format", "path", "description", "files", "skipped"}
    assert release["files"][0]["path"] == "data/police/d.zip" and len(release["files"][0]["blake3"]) == 64
    summary = load_dataset("street_crime", p, tmp_path, tmp_path / "cache").summary()
    json.dumps(summary)
    assert summary["months"] == {"first": "2023-01", "last": "2023-02", "count": 2, "missing": [],
                                 "missing_text": "", "missing_by_force": {}}
    assert summary["files"] == release["files"] and summary["rows"] == {"street": 10}


def test_an_edited_file_replaces_its_dataset_entry_in_the_cache(tmp_path, params):
    write_street(tmp_path / "data" / "police", "2023-01", 4)
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"
    load_dataset("street_crime", p, tmp_path, cache)
    entries = lambda: [d for d in (cache / "datasets").glob("*/*") if d.is_dir()]  # noqa: E731
    assert len(entries()) == 1
    write_street(tmp_path / "data" / "police", "2023-01", 5)
    assert load_dataset("street_crime", p, tmp_path, cache).rows == {"street": 5}
    assert len(entries()) == 1


def test_no_files_for_the_params_force(tmp_path, params):
    write_street(tmp_path / "data" / "police", "2024-01", 3, slug="south-yorkshire", force="South Yorkshire Police")
    p = params_with_datasets(params, street_crime="data/police")
    with pytest.raises(DataFileError) as info:
        load_dataset("street_crime", p, tmp_path, tmp_path / "cache")
    assert "for the params' force 'demoshire'" in str(info.value) and "south-yorkshire" in str(info.value)


def _entries(cache):
    """The cache's dataset entries, and any staging folders left behind."""
    folder = cache / "datasets"
    entries = [p for p in folder.glob("*/*") if p.is_dir()] if folder.exists() else []
    staging = list(folder.glob(".tmp-*")) if folder.exists() else []
    return entries, staging


def test_police_uk_text_columns_are_cached_as_read_and_only_the_rest_written_after(tmp_path, params):
    for month in _months("2023-01", "2023-06"):
        write_street(tmp_path / "data" / "police", month, 9)
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"
    first = load_dataset("street_crime", p, tmp_path, cache)
    (entry,), staging = _entries(cache)
    assert staging == []
    text = pa_feather.read_table(entry / "text-0.arrow")
    rest = pa_feather.read_table(entry / "0.arrow")
    # the text columns as read, written once; the month (now a Period) and the coordinates beside them
    assert {"crime_id", "crime_type", "lsoa_code", "falls_within"} <= set(text.column_names)
    assert "crime_type" not in rest.column_names
    assert {"month", "longitude", "latitude"} <= set(rest.column_names)
    assert text.num_rows == rest.num_rows == len(first.frame) == 54
    # written in batches of many rows, not one per file: six small files make one batch
    assert pa.ipc.open_file(entry / "text-0.arrow").num_record_batches == 1
    # each file's hash, taken from the bytes its reader parsed, is the file's BLAKE3
    for f in first.files:
        assert f.hash == blake3.blake3((tmp_path / f.path).read_bytes()).hexdigest()
    second = load_dataset("street_crime", p, tmp_path, cache)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert list(second.frame.columns) == list(first.frame.columns)


def test_files_with_different_columns_are_cached_whole(tmp_path, params):
    write_street(tmp_path / "data" / "police", "2023-01", 5)
    # the same month layout without the (optional) Context column: the text columns differ by file
    lines = [STREET_HEADER.rsplit(",", 1)[0]] + [r.rsplit(",", 1)[0] for r in street_rows("2023-02", 5)]
    write_lines(tmp_path / "data" / "police" / "2023-02" / "2023-02-demoshire-street.csv", lines)
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"
    first = load_dataset("street_crime", p, tmp_path, cache)
    (entry,), staging = _entries(cache)
    assert staging == [] and not (entry / "text-0.arrow").exists()
    pd.testing.assert_frame_equal(first.frame, load_dataset("street_crime", p, tmp_path, cache).frame)


def test_a_file_that_fails_validation_leaves_no_cache_entry(tmp_path, params, monkeypatch):
    monkeypatch.setattr(loaders, "cores", lambda: 2)      # files read side by side, as on a real machine
    for month in _months("2023-01", "2023-06"):
        write_street(tmp_path / "data" / "police", month, 5)
    bad = tmp_path / "data" / "police" / "2023-04" / "2023-04-demoshire-street.csv"
    bad.write_text(bad.read_text().replace("2023-04,Demoshire", "2023-4,Demoshire", 1))
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"
    with pytest.raises(DataFileError) as info:
        load_dataset("street_crime", p, tmp_path, cache)
    assert "2023-04-demoshire-street.csv" in str(info.value) and "month" in str(info.value).lower()
    assert _entries(cache) == ([], [])


def test_files_read_side_by_side_report_the_first_bad_file_in_order(tmp_path, params, monkeypatch):
    monkeypatch.setattr(loaders, "cores", lambda: 2)
    folder = tmp_path / "police"
    for month in _months("2023-01", "2023-08"):
        write_street(folder, month, 4)
    (folder / "2023-03" / "2023-03-demoshire-street.csv").write_text("")
    (folder / "2023-06" / "2023-06-demoshire-street.csv").write_text("Crime ID,Month\n")
    with pytest.raises(DataFileError) as info:
        load_paths("police_uk_street", folder, params)
    assert "2023-03-demoshire-street.csv" in str(info.value) and "empty" in str(info.value)
    # the files the side-by-side read gives back are those of the one-after-another read, in order
    for month in ("2023-03", "2023-06"):
        write_street(folder, month, 4)
    side_by_side = load_paths("police_uk_street", folder, params).frame
    monkeypatch.setattr(loaders, "cores", lambda: 1)
    pd.testing.assert_frame_equal(side_by_side, load_paths("police_uk_street", folder, params).frame)
    assert len(side_by_side) == 32


def test_a_cache_that_cannot_be_written_costs_time_not_the_load(tmp_path, params, monkeypatch):
    for month in _months("2023-01", "2023-03"):
        write_street(tmp_path / "data" / "police", month, 6)
    p = params_with_datasets(params, street_crime="data/police")
    cache = tmp_path / "cache"

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(cache_module, "write_frame", full_disk)
    loaded = load_dataset("street_crime", p, tmp_path, cache)
    assert len(loaded.frame) == 18
    assert any("dataset cache could not be written (No space left on device)" in w and str(cache) in w
               for w in loaded.warnings)
    assert _entries(cache) == ([], [])
    monkeypatch.undo()
    again = load_dataset("street_crime", p, tmp_path, cache)      # and the next load caches as usual
    pd.testing.assert_frame_equal(loaded.frame, again.frame)
    assert len(_entries(cache)[0]) == 1 and not any("cache" in w for w in again.warnings)


def test_staging_folders_a_killed_build_left_are_removed(tmp_path, params):
    stale = tmp_path / "cache" / "datasets" / ".tmp-killed"
    stale.mkdir(parents=True)
    (stale / "0.arrow").write_bytes(b"half")
    os.utime(stale, (0, 0))
    recent = tmp_path / "cache" / "datasets" / ".tmp-running"
    recent.mkdir()
    write_street(tmp_path / "data" / "police", "2023-01", 4)
    load_dataset("street_crime", params_with_datasets(params, street_crime="data/police"), tmp_path,
                 tmp_path / "cache")
    assert not stale.exists() and recent.exists()     # another build may be writing that one now


def test_a_cache_folder_that_is_a_file_warns_once_and_loads(tmp_path, params):
    write_street(tmp_path / "data" / "police", "2023-01", 4)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "datasets").write_text("not a folder")
    loaded = load_dataset("street_crime", params_with_datasets(params, street_crime="data/police"), tmp_path, cache)
    assert len(loaded.frame) == 4
    assert sum("dataset cache could not be written" in w for w in loaded.warnings) == 1
