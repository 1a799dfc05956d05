"""`python build.py init`: a new force's params file from its real downloads (Durham's police.uk
files, with 34 months missing, and IMD 2019 File 1 as published), checked against independent counts
of the CSV files; the reference tables; the plan template; never overwriting a file."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from datasets_helpers import REAL
from needs_assessment.cli import main
from needs_assessment.datasets.names import TERRITORIAL_FORCES
from needs_assessment.init.cycle import (InitError, authority_of_lsoa_name, choose_baseline, choose_districts,
                                         init_cycle, render_template, survey)
from needs_assessment.params import load_params
from needs_assessment.recommendations.files import load_recommendations
from needs_assessment.reference import MSG_FILE, STATS19_FILE, most_similar_groups, stats19_codes

ROOT = Path(__file__).resolve().parents[1]
DURHAM = REAL / "police-uk" / "durham"
IMD = REAL / "deprivation" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
LOOKUP = REAL / "lookups" / "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December__2023)_Lookup_.csv"
SOUTH_YORKSHIRE = REAL / "police-uk" / "2022-01-south-yorkshire-street.csv"


def durham_rows() -> list[dict]:
    """Every record of the Durham street files, read with the csv module (not the project's loader)."""
    rows = []
    for path in sorted(DURHAM.glob("*/*-durham-street.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def new_project(tmp_path: Path, with_lookup: bool = False) -> tuple[Path, Path]:
    """A project (params, notebooks) and a downloads folder holding the real files."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(ROOT / "params", root / "params")
    downloads = root / "downloads"
    shutil.copytree(DURHAM, downloads / "police-uk" / "durham")
    (downloads / "deprivation").mkdir(parents=True)
    shutil.copyfile(IMD, downloads / "deprivation" / IMD.name)
    if with_lookup:
        (downloads / "lookups").mkdir()
        shutil.copyfile(LOOKUP, downloads / "lookups" / LOOKUP.name)
    return root, downloads


@pytest.fixture(scope="module")
def durham(tmp_path_factory):
    root, downloads = new_project(tmp_path_factory.mktemp("init"))
    result = init_cycle(downloads, root)
    return root, downloads, result


def test_init_writes_params_that_load_with_the_force_its_districts_and_months(durham):
    root, _, result = durham
    assert result.params_path == root / "params" / "durham-2022.yml"
    params = load_params(result.params_path)
    rows = durham_rows()
    assert {r["Falls within"] for r in rows} == {params.area.force} == {"Durham Constabulary"}
    assert params.area.police_uk_slug == "durham"
    assert params.area.stats19_police_force == 11
    assert params.area.districts == ["County Durham", "Darlington"]
    assert params.area.most_similar_group[0] == "Durham Constabulary" and len(params.area.most_similar_group) == 8
    months = sorted({r["Month"] for r in rows})
    assert params.period_end == months[-1] == "2022-11"
    assert (params.baseline.start, params.baseline.end) == ("2019-01", "2019-12")
    assert params.recommendations == "recommendations/durham-2022"
    assert not params.demonstration


def test_the_comments_say_what_is_missing_and_where_each_value_came_from(durham):
    _, _, result = durham
    text = result.params_path.read_text()
    rows = durham_rows()
    months = {r["Month"] for r in rows}
    span = pd.period_range("2018-10", "2022-11", freq="M")
    missing = [str(m) for m in span if str(m) not in months]
    assert len(missing) == 34 and missing[0] == "2019-03" and missing[-1] == "2021-12"
    assert "lack 2019-03 to 2021-12 (34 months)" in text
    assert "its 12 months lack 2021-12" in text                 # the latest 12 months are not complete
    assert "the data have 2 of the 12 months to December 2019" in text
    # records outside the two districts and with no LSOA, counted independently: each LSOA's
    # authority as the IMD file names it (authorities merged since 2011 under their 2019 name), else
    # as police.uk's LSOA name does (Welsh LSOAs are not in the IMD)
    imd = pd.read_excel(IMD, sheet_name="IMD2019", usecols=[0, 3])
    imd_authority = dict(zip(imd.iloc[:, 0], imd.iloc[:, 1]))
    authorities = Counter(imd_authority.get(r["LSOA code"], r["LSOA name"].rsplit(" ", 1)[0])
                          for r in rows if r["LSOA name"])
    outside = sum(n for a, n in authorities.items() if a not in ("County Durham", "Darlington"))
    no_lsoa = sum(1 for r in rows if not r["LSOA name"])
    assert f"{outside} records in {len(authorities) - 2} authorities" in text
    assert f"Sunderland ({authorities['Sunderland']})" in text
    assert f"# {no_lsoa} records have no LSOA" in text
    assert "IMD file's local authority" in text
    assert "needs_assessment/reference/stats19_police_forces.yml" in text
    assert "needs_assessment/reference/most_similar_groups.yml" in text


def test_the_datasets_found_and_the_ones_not_found(durham):
    root, _, result = durham
    params = load_params(result.params_path)
    assert params.datasets["street_crime"].format == "police_uk_street"
    assert params.datasets["street_crime"].path == "downloads/police-uk/durham"
    assert params.datasets["deprivation"].format == "imd_lsoa"
    assert params.datasets["deprivation"].path == f"downloads/deprivation/{IMD.name}"
    # every dataset a measure reads is listed; those not found point at a folder that does not exist yet
    assert {m.source for m in params.measures.values()} <= set(params.datasets)
    for name in set(params.datasets) - {"street_crime", "deprivation"}:
        assert not (root / params.datasets[name].path).exists(), name
    assert "# not found" in result.params_path.read_text()


def test_an_empty_recommendations_file_for_every_chapter(durham):
    root, _, result = durham
    params = load_params(result.params_path)
    folder = root / params.recommendations
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(f"{c.id}-{c.slug}.md" for c in params.chapters())
    assert load_recommendations(folder, params) == []
    assert "# Durham and its policing: recommendations" in (folder / "C2-area-profile.md").read_text()


def test_init_refuses_to_overwrite_a_params_file(durham):
    root, downloads, result = durham
    before = result.params_path.read_bytes()
    with pytest.raises(InitError, match="already exists and init never overwrites"):
        init_cycle(downloads, root)
    assert result.params_path.read_bytes() == before


def test_init_never_overwrites_a_reviewers_file(durham):
    root, downloads, _ = durham
    mine = root / "recommendations" / "durham-next" / "P3-safer-places.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nchapter: P3\n---\n# mine\n\n## P3-R1 Keep it\nstatus: draft\n\nMy text.\n")
    before = mine.read_bytes()
    result = init_cycle(downloads, root, "durham-next")
    assert mine.read_bytes() == before
    assert result.recommendations_kept == [mine]
    assert len(result.recommendations_written) == len(load_params(result.params_path).chapters()) - 1


def test_districts_from_an_ons_lookup_and_from_lsoa_names_alone(tmp_path):
    root, downloads = new_project(tmp_path, with_lookup=True)
    found = survey(downloads, root)
    assert found.districts.names == ["County Durham", "Darlington"]
    assert "the ONS lookup" in found.districts.source and found.area_name == "Durham"
    assert not any("Lookup" in u for u in found.unused)          # the lookup was read, not ignored
    street = pd.DataFrame({"lsoa_name": [r["LSOA name"] or None for r in durham_rows()],
                           "lsoa_code": [None] * 104057})
    by_names = choose_districts(street, "Durham Constabulary")
    assert by_names.names == ["County Durham", "Darlington"] and "LSOA names" in by_names.source
    assert by_names.no_lsoa == 20


def test_several_forces_in_the_folder_need_force(tmp_path):
    root, downloads = new_project(tmp_path)
    (downloads / "police-uk" / "sy" / "2022-01").mkdir(parents=True)
    shutil.copyfile(SOUTH_YORKSHIRE, downloads / "police-uk" / "sy" / "2022-01" / SOUTH_YORKSHIRE.name)
    with pytest.raises(InitError, match=r"2 forces \(durham, south-yorkshire\).*--force"):
        survey(downloads, root)
    assert survey(downloads, root, slug="durham").force == "Durham Constabulary"


def test_no_street_files_is_a_clear_error_through_the_command(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "no police.uk street-level crime files" in err and "Traceback" not in err


def months(first: str, last: str) -> list[pd.Period]:
    return list(pd.period_range(first, last, freq="M"))


def test_the_baseline_is_2019_when_the_data_have_it_otherwise_what_they_allow():
    assert (lambda b: (str(b.start), str(b.end)))(choose_baseline(months("2018-01", "2024-03"))) == ("2019-01", "2019-12")
    before = choose_baseline(months("2018-06", "2019-09") + months("2021-01", "2024-03"))
    assert (str(before.start), str(before.end)) == ("2018-10", "2019-09") and "before 2020" in before.note
    later = choose_baseline(months("2020-06", "2024-03"))
    assert (str(later.start), str(later.end)) == ("2020-06", "2021-05") and "not the national" in later.note
    none = choose_baseline(months("2018-10", "2019-02") + months("2022-01", "2022-11"))
    assert (str(none.start), str(none.end)) == ("2019-01", "2019-12") and "2 of the 12 months" in none.note


def test_lsoa_names_give_their_authority():
    assert authority_of_lsoa_name("County Durham 001A") == "County Durham"
    assert authority_of_lsoa_name("Stockton-on-Tees 014B") == "Stockton-on-Tees"
    assert authority_of_lsoa_name("") is None and authority_of_lsoa_name(None) is None


def test_the_template_is_the_demonstration_plan():
    """The demonstration params are the template filled in for Demoshire, so the template is proven
    by the demonstration build and cannot drift from it."""
    demo = yaml.safe_load((ROOT / "params" / "demo-2024.yml").read_text())
    template = (ROOT / "params" / "templates" / "police-and-crime-plan.yml").read_text()
    filled = yaml.safe_load(render_template(template, "Demoshire", "Police and Crime Plan 2021-24"))
    assert filled == {"plan": demo["plan"], "measures": demo["measures"]}
    assert {m["source"] for m in filled["measures"].values()} <= set(demo["datasets"])


def test_the_reference_tables_cover_the_43_forces_and_name_their_source():
    forces = set(TERRITORIAL_FORCES)
    groups, codes = most_similar_groups(), stats19_codes()
    assert set(groups.values) == forces and set(codes.values) == forces
    for force, peers in groups.values.items():
        assert len(peers) == len(set(peers)) == 7, force
        assert force not in peers and set(peers) <= forces, force
    assert len(set(codes.values.values())) == 43
    assert codes.lookup("Devon and Cornwall Police") == ("Devon & Cornwall Police", 50)
    assert codes.lookup("Metropolitan Police")[1] == 1
    for path, force in ((REAL / "stats19" / "accidents.csv", "West Yorkshire Police"),
                        (REAL / "stats19-2022-excerpt" / "dft-road-casualty-statistics-collision-2022.csv",
                         "Metropolitan Police Service")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            assert {int(r["police_force"]) for r in csv.DictReader(fh)} == {codes.values[force]}, path
    for path in (MSG_FILE, STATS19_FILE):
        header = path.read_text().split("\n\n")[0]
        assert "Source:" in header and "2026" in header, path


def test_a_police_uk_zip_and_the_latest_month_every_police_uk_dataset_has(tmp_path):
    """A download as published (a zip of month folders, street and stop and search): the dataset paths
    are the zip, and period_end is the latest month both have."""
    import zipfile
    from datasets_helpers import STOP_SEARCH_HEADER
    root = tmp_path / "project"
    shutil.copytree(ROOT / "params", root / "params")
    downloads = root / "downloads"
    downloads.mkdir()
    with zipfile.ZipFile(downloads / "8f2c1e.zip", "w") as zf:
        for street in sorted(DURHAM.glob("2022-*/*-street.csv")):
            zf.write(street, f"{street.parent.name}/{street.name}")
        for month in (str(m) for m in pd.period_range("2022-01", "2022-10", freq="M")):
            row = (f"Person search,{month}-15T10:00:00+00:00,False,,54.77,-1.57,Male,18-24,White - English,White,"
                   "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,False,False")
            zf.writestr(f"{month}/{month}-durham-stop-and-search.csv", f"{STOP_SEARCH_HEADER}\r\n{row}\r\n")
    result = init_cycle(downloads, root)
    params = load_params(result.params_path)
    assert params.datasets["street_crime"].path == params.datasets["stop_search"].path == "downloads/8f2c1e.zip"
    assert params.period_end == "2022-10"
    assert "the street files go to 2022-11; stop-and-search to 2022-10" in result.params_path.read_text()
    # no month of 2019 and no complete 12 months: the national baseline is kept, said incomplete
    assert (params.baseline.start, params.baseline.end) == ("2019-01", "2019-12")
    assert "the data have 0 of the 12 months to December 2019" in result.params_path.read_text()


def test_init_on_the_demonstration_data_finds_every_dataset_as_the_demo_params_have_them(tmp_path):
    """Every format of the demonstration data (13 tables and 2 boundary files) recognised from its header
    or its fields, with the force, districts and months
    the demonstration params were written with (a force not among the 43 loads as in the build)."""
    from needs_assessment.demo.generate import generate_demo_data
    root = tmp_path / "project"
    shutil.copytree(ROOT / "params", root / "params")
    demo = load_params(ROOT / "params" / "demo-2024.yml")
    generate_demo_data(root / "data" / "demo", demo, scale=0.1)
    result = init_cycle(root / "data" / "demo", root)
    params = load_params(result.params_path)
    assert {n: d.format for n, d in params.datasets.items()} == {n: d.format for n, d in demo.datasets.items()}
    for name, dataset in params.datasets.items():
        assert (root / dataset.path).exists(), name
    assert (params.area.force, params.area.police_uk_slug) == (demo.area.force, demo.area.police_uk_slug)
    assert params.area.districts == sorted(demo.area.districts)
    assert (params.period_end, params.baseline) == (demo.period_end, demo.baseline)
    text = result.params_path.read_text()
    assert "CHECK: the force is not in needs_assessment/reference/most_similar_groups.yml" in text
    assert "stats19_police_force: 0         # CHECK" in text
