"""Datasets the analyst does not have, downloads that are partial, records outside the districts, and
a measure that fails in a worker: each is said in words (by `build.py data`, the build summary and the
publication), never dropped silently and never shown as a traceback.

The real files are named exactly (see /work/shared/real-data/README.md); expected figures are counted
here with the csv module, not with the package."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from datasets_helpers import REAL

from needs_assessment.datasets.registry import load_paths
from needs_assessment.measures.report import describe_params_datasets, describe_paths, format_report
from needs_assessment.content.findings import measure_finding
from needs_assessment.measures import engine
from needs_assessment.measures.engine import (MeasureError, Sources, compute_measure, compute_measures,
                                              coverage_sentences, district_coverage, lsoa_district_lookup)
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]
STATS19_PARTIAL = REAL / "stats19-2022-excerpt" / "dft-road-casualty-statistics-collision-2022.csv"
IMD_FILE = REAL / "deprivation" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
DURHAM = REAL / "police-uk" / "durham"
DURHAM_FILES = sorted(DURHAM.glob("20??-??/20??-??-durham-street.csv"))
DURHAM_DISTRICTS = ["County Durham", "Darlington"]


def durham_params():
    base = load_params(ROOT / "params" / "demo-2024.yml")
    area = base.area.model_copy(update={
        "name": "County Durham and Darlington", "force": "Durham Constabulary", "police_uk_slug": "durham",
        "stats19_police_force": 11, "districts": DURHAM_DISTRICTS, "most_similar_group": []})
    return base.model_copy(update={"area": area, "period_end": "2022-11"})


def independent_street_counts() -> tuple[int, Counter, int]:
    """Rows, rows by the authority written in `LSOA name` ('County Durham 001A'), rows with no LSOA."""
    rows, by_authority, no_lsoa = 0, Counter(), 0
    for path in DURHAM_FILES:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for record in csv.DictReader(fh):
                rows += 1
                name = record["LSOA name"].strip()
                if not record["LSOA code"].strip():
                    no_lsoa += 1
                else:
                    by_authority[name.rsplit(" ", 1)[0]] += 1
    return rows, by_authority, no_lsoa


@pytest.fixture(scope="module")
def durham_street():
    assert len(DURHAM_FILES) == 16
    return load_paths("police_uk_street", DURHAM_FILES, durham_params()).frames["street"]


# --- districts without an ONS lookup ------------------------------------------------------------

def test_districts_come_from_police_uk_lsoa_names_without_a_lookup(durham_street):
    params = durham_params()
    sources = Sources(frames={"street_crime": {"street": durham_street}}, formats={"street_crime": "police_uk_street"})
    rows, by_authority, no_lsoa = independent_street_counts()
    coverage = district_coverage(sources, params)["street_crime"]
    assert coverage["records"] == rows == 104_057
    assert coverage["in_districts"] == by_authority["County Durham"] + by_authority["Darlington"]
    assert coverage["no_lsoa"] == no_lsoa == 20
    others = {k: v for k, v in by_authority.items() if k not in DURHAM_DISTRICTS}
    assert coverage["other_authorities"] == others
    assert coverage["outside_districts"] == sum(others.values()) == 786
    assert coverage["other_authorities"]["Sunderland"] == 208
    assert coverage["districts_without_records"] == []
    sentence = coverage_sentences({"street_crime": coverage}, params.area.force)[0]
    assert "786 in neighbourhoods (LSOAs) of" in sentence and "Sunderland 208" in sentence
    assert "20 with no LSOA" in sentence

    # The force total is every record; the districts are the records in their LSOAs.
    measure = params.measures["asb_incidents"]
    monthly = engine.monthly_counts("asb_incidents", measure, sources, params)
    asb = Counter()
    total = 0
    for path in DURHAM_FILES:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for record in csv.DictReader(fh):
                if record["Crime type"] == "Anti-social behaviour":
                    total += 1
                    if record["LSOA code"].strip():
                        asb[record["LSOA name"].rsplit(" ", 1)[0]] += 1
    counted = monthly.groupby("area")["count"].sum()
    assert counted[params.area.force] == total
    assert counted["County Durham"] == asb["County Durham"]
    assert counted["Darlington"] == asb["Darlington"]


def test_names_with_spaces_and_the_imd_file_give_the_authority():
    street = pd.DataFrame({"lsoa_code": ["E01012001", "E01000002", "E01000003", None],
                           "lsoa_name": ["Kingston upon Hull 010B", "County Durham 001A", "Elmbridge 001A", None]})
    imd = pd.DataFrame({"lsoa_code": ["E01000003"], "lsoa_name": ["Elmbridge 001A"], "lad_code": ["E07000207"],
                        "lad_name": ["Elmbridge (from the IMD file)"], "imd_rank": [1], "imd_decile": [1]})
    sources = Sources(frames={"s": {"street": street}, "d": {"deprivation": imd}},
                      formats={"s": "police_uk_street", "d": "imd_lsoa"})
    lookup = lsoa_district_lookup(sources, durham_params())
    assert lookup["E01012001"] == "Kingston upon Hull"
    assert lookup["E01000002"] == "County Durham"
    assert lookup["E01000003"] == "Elmbridge (from the IMD file)"     # the IMD file comes before names


def test_the_real_imd_file_names_each_lsoas_authority(durham_street):
    imd = load_paths("imd_lsoa", IMD_FILE).frames["deprivation"]
    params = durham_params()
    street = durham_street.assign(lsoa_name=np.nan)      # no names: only the IMD file can say
    sources = Sources(frames={"street_crime": {"street": street}, "deprivation": {"deprivation": imd}},
                      formats={"street_crime": "police_uk_street", "deprivation": "imd_lsoa"})
    coverage = district_coverage(sources, params)["street_crime"]
    # Independently: the IMD sheet read with plain pandas, the street files with csv.
    sheet = pd.read_excel(IMD_FILE, sheet_name="IMD2019")
    authority = dict(zip(sheet["LSOA code (2011)"], sheet["Local Authority District name (2019)"]))
    inside = unknown = no_lsoa = 0
    for path in DURHAM_FILES:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for record in csv.DictReader(fh):
                code = record["LSOA code"].strip()
                if not code:
                    no_lsoa += 1
                elif code not in authority:
                    unknown += 1          # Welsh LSOAs (W01...): the English IMD does not list them
                elif authority[code] in DURHAM_DISTRICTS:
                    inside += 1
    assert coverage["unknown_authority"] == unknown == 9
    assert coverage["in_districts"] == inside
    assert coverage["no_lsoa"] == no_lsoa


def three_years_of_street_records() -> pd.DataFrame:
    """Street records for 2019 to 2021 in two Durham LSOAs, one Sunderland LSOA and none (no location):
    36 months, so every window is complete."""
    rows = []
    for month in pd.period_range("2019-01", "2021-12", freq="M"):
        for code, name, n in [("E01020590", "County Durham 001A", 9), ("E01012345", "Darlington 002B", 4),
                              ("E01008888", "Sunderland 030C", 1), (None, None, 2)]:
            for crime in ("Burglary", "Anti-social behaviour"):
                rows += [{"month": month, "lsoa_code": code, "lsoa_name": name, "crime_type": crime}] * n
    return pd.DataFrame(rows)


def test_without_population_counts_are_published_and_rates_say_why():
    params = durham_params().model_copy(update={"period_end": "2021-12"})
    street = three_years_of_street_records()
    sources = Sources(frames={"street_crime": {"street": street}}, formats={"street_crime": "police_uk_street"})
    result = compute_measure("asb_incidents", params, sources)
    force = result.force_row
    assert force["count"] == 12 * (9 + 4 + 1 + 2) and pd.isna(force["value"])
    districts = result.districts.set_index("area")["count"]
    assert districts["County Durham"] == 12 * 9 and districts["Darlington"] == 12 * 4
    assert "population" in result.value_not_available
    text = measure_finding(result)
    assert "was 192." in text and "The rate is not available: no population estimates" in text
    # Without IMD (or population), the deprivation breakdown says why it is missing.
    assert "deprivation" not in result.extras
    note = next(n for n in result.notes if "breakdown by deprivation is not shown" in n)
    assert "English Indices of Deprivation 2019" in note and "imd_lsoa" in note


# --- partial downloads at the door ----------------------------------------------------------------

def test_build_data_reports_the_partial_stats19_download():
    report = describe_paths([STATS19_PARTIAL.parent], durham_params(), params_given=False)
    (entry,) = report["datasets"]
    assert not report["ok"] and not entry["ok"]
    assert STATS19_PARTIAL.name in entry["validation"]
    assert "no casualty file" in entry["validation"]
    text = format_report(report)
    assert "PROBLEM" in text and "no casualty file" in text and "All files pass validation" not in text

    # With the params of a force whose code is not in the file, that is said too.
    report = describe_paths([STATS19_PARTIAL.parent], durham_params(), params_given=True)
    assert "no collisions for police_force 11" in report["datasets"][0]["validation"]
    assert "the files have police_force 1" in report["datasets"][0]["validation"]


def test_build_py_data_on_the_partial_stats19_download_exits_with_the_problem():
    import subprocess
    import sys
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "data", str(STATS19_PARTIAL.parent)],
                         capture_output=True, text=True, timeout=300)
    shown = re.sub(r"\s+", " ", run.stdout + run.stderr)
    assert run.returncode == 1
    assert f"{STATS19_PARTIAL.name}: STATS19 collisions with no casualty file" in shown.replace(" \n", "")
    assert "Traceback" not in shown and "All files pass validation" not in shown


def test_police_uk_folder_with_no_file_for_the_force(tmp_path):
    folder = tmp_path / "police-uk"
    (folder / "2022-01").mkdir(parents=True)
    shutil.copyfile(REAL / "police-uk" / "2022-01-south-yorkshire-street.csv",
                    folder / "2022-01" / "2022-01-south-yorkshire-street.csv")
    report = describe_paths([folder], durham_params(), params_given=True)
    assert not report["ok"]
    problem = report["datasets"][0]["validation"]
    assert "2022-01-south-yorkshire-street.csv" in problem and "not the params' force (durham)" in problem

    params = _params_file(tmp_path, {"street_crime": {"format": "police_uk_street", "path": str(folder)}})
    report = describe_params_datasets(load_params(params), tmp_path)
    street = next(d for d in report["datasets"] if d["name"] == "street_crime")
    assert street["absent"] and "no police.uk street files for the params' force 'durham'" in street["validation"]
    assert "south-yorkshire" in street["validation"]
    asb = next(m for m in report["measures"] if m["id"] == "asb_incidents")
    assert not asb["computable"] and "durham" in asb["reason"]


def test_a_release_much_older_than_the_others_is_a_problem(tmp_path):
    old = tmp_path / "old"
    (old / "2018-10").mkdir(parents=True)
    shutil.copyfile(DURHAM / "2018-10" / "2018-10-durham-street.csv", old / "2018-10" / "2018-10-durham-street.csv")
    new = tmp_path / "new"
    shutil.copytree(REAL / "stats19", new)     # 2024 STATS19: 5 years after the street file
    report = describe_paths([old, new], durham_params(), params_given=False)
    street = next(d for d in report["datasets"] if d["format"] == "police_uk_street")
    assert street["ok"] and any("ends in 2018-10" in w for w in street["warnings"])   # a note only
    report = describe_paths([old, new], durham_params(), params_given=True)          # --params: one cycle
    street = next(d for d in report["datasets"] if d["format"] == "police_uk_street")
    assert not street["ok"]
    assert "2018-10-durham-street.csv" in street["validation"]
    assert "ends in 2018-10" in street["validation"] and "2024-12" in street["validation"]


def _params_file(tmp_path: Path, datasets: dict, measures: list[str] | None = None) -> Path:
    """Durham params with only these datasets (the others absent) and the demonstration plan."""
    text = yaml.safe_load((ROOT / "params" / "demo-2024.yml").read_text())
    text.update(cycle="durham-test", demonstration=False, period_end="2022-11")
    text["area"].update(name="County Durham and Darlington", force="Durham Constabulary", police_uk_slug="durham",
                        stats19_police_force=11, districts=DURHAM_DISTRICTS, most_similar_group=[])
    for name, ds in text["datasets"].items():
        ds["path"] = f"absent/{name}"
    text["datasets"].update(datasets)
    path = tmp_path / "params.yml"
    path.write_text(yaml.safe_dump(text, sort_keys=False))
    return path


def test_build_data_params_lists_each_measure_as_computable_or_not(tmp_path):
    params = load_params(_params_file(tmp_path, {
        "road_casualties": {"format": "stats19", "path": str(STATS19_PARTIAL.parent)},
        "street_crime": {"format": "police_uk_street", "path": str(DURHAM)},
        "deprivation": {"format": "imd_lsoa", "path": str(IMD_FILE)}}))
    report = describe_params_datasets(params, tmp_path, cache_dir=tmp_path / "cache")
    by_id = {m["id"]: m for m in report["measures"]}
    assert len(by_id) == len(params.measures)
    ksi = by_id["ksi_casualties"]
    assert not ksi["computable"]
    assert STATS19_PARTIAL.name in ksi["reason"] and "no casualty file" in ksi["reason"]
    assert by_id["asb_incidents"]["computable"]
    assert any("population" in n for n in by_id["asb_incidents"]["notes"])
    assert not by_id["victim_satisfaction"]["computable"]
    assert "no files found for dataset 'force_indicators'" in by_id["victim_satisfaction"]["reason"]
    casualties = next(d for d in report["datasets"] if d["name"] == "road_casualties")
    assert not casualties["ok"] and "no casualty file" in casualties["validation"]
    text = format_report(report)
    assert re.search(r"ksi_casualties\s+road_casualties\s+NO", text)
    assert "Sunderland 208" in text and "20 with no LSOA" in text
    assert "Measures: " in text and f"of {len(params.measures)} computable" in text


def test_partial_stats19_measure_is_not_available_not_an_error():
    params = durham_params()
    loaded = load_paths("stats19", STATS19_PARTIAL, params.model_copy(
        update={"area": params.area.model_copy(update={"stats19_police_force": 1})}))
    sources = Sources(frames={"road_casualties": loaded.frames}, formats={"road_casualties": "stats19"},
                      files={"road_casualties": [STATS19_PARTIAL.name]})
    result = compute_measure("ksi_casualties", params, sources)
    assert result.not_available and "no casualty file" in result.not_available
    assert STATS19_PARTIAL.name in result.not_available
    assert not result.has_data
    assert measure_finding(result).startswith("**People killed or seriously injured on the roads.** Not available")


# --- errors in worker processes -------------------------------------------------------------------

def _failing_monthly_counts(real):
    def monthly_counts(measure_id, measure, sources, params):
        if measure_id == "asb_incidents":
            Path(os.environ["FAILED_IN_PID_FILE"]).write_text(str(os.getpid()))
            return {}["a bug"]            # KeyError: an unexpected fault, not a data problem
        return real(measure_id, measure, sources, params)
    return monthly_counts


def test_a_measure_failing_in_a_worker_is_the_projects_own_error(tmp_path, monkeypatch):
    params = durham_params().model_copy(update={"period_end": "2021-12"})
    durham_street = three_years_of_street_records()
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("FAILED_IN_PID_FILE", str(pid_file))
    monkeypatch.setattr(engine, "monthly_counts", _failing_monthly_counts(engine.monthly_counts))
    sources = Sources(frames={"street_crime": {"street": durham_street}}, formats={"street_crime": "police_uk_street"},
                      files={"street_crime": ["police-uk/durham/2022-11/2022-11-durham-street.csv"]})
    with pytest.raises(MeasureError) as caught:
        compute_measures(params, sources, ["neighbourhood_crime", "asb_incidents"], jobs=2)
    assert int(pid_file.read_text()) != os.getpid()          # it did fail in a worker process
    message = str(caught.value)
    assert "measure 'asb_incidents'" in message and "dataset 'street_crime'" in message
    assert "2022-11-durham-street.csv" in message
    assert "Traceback" not in message and "_RemoteTraceback" not in message
    assert "Traceback" in caught.value.details                # kept for the log


# --- a whole build with absent and partial datasets ------------------------------------------------

@pytest.fixture(scope="module")
def partial_build(tmp_path_factory):
    """The small plan on demonstration data, with the population files absent and the road casualty
    measure reading the partial STATS19 download."""
    from needs_assessment.pipeline.build import BuildOptions, build
    from needs_assessment.demo.generate import generate_demo_data

    root = tmp_path_factory.mktemp("partial")
    for name in ("_quarto.yml", "notebooks", "recommendations"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    shutil.copytree(ROOT / "tests/fixtures/small_plan", root / "tests/fixtures/small_plan")
    generate_demo_data(root / "data" / "demo", load_params(ROOT / "params" / "demo-2024.yml"), scale=0.1)
    params_path = root / "tests/fixtures/small_plan/params.yml"
    text = yaml.safe_load(params_path.read_text())
    demo = yaml.safe_load((ROOT / "params" / "demo-2024.yml").read_text())
    text["area"]["stats19_police_force"] = 1      # the excerpt's force, so only the casualty file is missing
    text["datasets"]["road_casualties"] = {"format": "stats19", "path": str(STATS19_PARTIAL.parent)}
    text["datasets"]["population_lsoa"]["path"] = "data/absent/lsoa-population-*.csv"
    text["datasets"]["population_area"]["path"] = "data/absent/area-population.csv"
    text["measures"]["ksi_casualties"] = {**demo["measures"]["ksi_casualties"], "chapter": "S1"}
    text["plan"]["parts"][0]["chapters"][0]["measures"].append("ksi_casualties")
    params_path.write_text(yaml.safe_dump(text, sort_keys=False))
    options = BuildOptions(params_path=params_path, root=root, jobs=2, quiet=False, engine="embedded",
                           formats=("html",))
    return root, build(options)


@pytest.mark.slow
def test_build_publishes_the_partial_measure_as_not_available(partial_build, capsys):
    root, result = partial_build
    assert result.exit_code == 0, result.message
    published = result.published_to
    html = (published / "needs-assessment.html").read_text()
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    assert "People killed or seriously injured on the roads. Not available for the 12 months to March 2024" in text
    assert "no casualty file" in text and STATS19_PARTIAL.name in text
    measures = pd.read_csv(published / "downloads" / "measures.csv")
    ksi = measures[measures["measure_id"] == "ksi_casualties"]
    assert len(ksi) == 1 and ksi["count"].isna().all() and "no casualty file" in ksi["not_available"].iloc[0]
    # No population: the rate measures keep their counts, without a rate, and say why.
    asb = measures[(measures["measure_id"] == "asb_incidents") & (measures["area_type"] == "force")].iloc[0]
    assert asb["count"] > 0 and pd.isna(asb["rate"]) and "population" in asb["not_available"]
    assert "The rate is not available" in text
    manifest = json.loads((published / "build-manifest.json").read_text())
    assert "no files found for dataset 'population_lsoa'" in manifest["inputs"]["population_lsoa"]["not_available"]


@pytest.mark.slow
def test_build_summary_names_what_is_missing(partial_build, capsys):
    root, result = partial_build
    build_dir = root / "_build" / "small-plan"
    from needs_assessment.pipeline.build import data_notes
    from needs_assessment.measures.store import load_measure_results
    params = load_params(root / "tests/fixtures/small_plan/params.yml")
    notes = data_notes(result.manifest["inputs"], load_measure_results(build_dir), params)
    assert any(n.startswith("measure 'ksi_casualties' published as not available") for n in notes)
    assert any(n.startswith("dataset 'population_area' not available") for n in notes)
    assert any("with no LSOA" in n for n in notes)


@pytest.mark.slow
def test_the_user_sees_the_failing_measure_named_without_a_traceback(partial_build, monkeypatch, capsys, tmp_path):
    """Last in this file: it rebuilds the partial project with a measure failing in a worker."""
    from needs_assessment.pipeline.build import BuildOptions, build

    root, first = partial_build
    before = sorted(p.name for p in first.published_to.rglob("*"))
    monkeypatch.setenv("FAILED_IN_PID_FILE", str(tmp_path / "pid"))
    monkeypatch.setattr(engine, "monthly_counts", _failing_monthly_counts(engine.monthly_counts))
    capsys.readouterr()
    result = build(BuildOptions(params_path=root / "tests/fixtures/small_plan/params.yml", root=root, jobs=2,
                                force=True, engine="embedded", formats=("html",)))
    seen = capsys.readouterr()
    shown = seen.out + seen.err
    assert result.exit_code == 1 and result.published_to is None
    assert int((tmp_path / "pid").read_text()) != os.getpid()
    assert "measure 'asb_incidents'" in shown and "dataset 'street_crime'" in shown
    assert "Nothing was published" in shown
    assert "Traceback" not in shown and 'File "' not in shown
    assert "KeyError" in (root / "_build" / "small-plan" / "measures-error.log").read_text()
    assert sorted(p.name for p in first.published_to.rglob("*")) == before    # the publication is kept
