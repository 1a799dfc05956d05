"""The demonstration data generator: deterministic, complete, and in the published formats."""

from __future__ import annotations

import csv
import glob
import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest

from datasets_helpers import REAL
from needs_assessment.demo.generate import generate_demo_data, main
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "demo-2024.yml"
SCALE = 0.05


def _months(start: str, end: str) -> list[str]:
    return [str(p) for p in pd.period_range(start, end, freq="M")]


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _first_line(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.readline()


@pytest.fixture(scope="module")
def params():
    return load_params(PARAMS)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, params):
    """A project root with data/demo generated at a small scale."""
    root = tmp_path_factory.mktemp("root")
    summary = generate_demo_data(root / "data" / "demo", params, scale=SCALE)
    return root, summary


def test_two_runs_are_byte_identical(tmp_path, params, demo):
    root, _ = demo
    second = tmp_path / "again"
    generate_demo_data(second, params, scale=SCALE)
    first, again = _digests(root / "data" / "demo"), _digests(second)
    assert first.keys() == again.keys()
    differing = [name for name in first if first[name] != again[name]]
    assert not differing, f"files differ between two runs: {differing[:5]}"


def test_a_different_seed_gives_different_data(tmp_path, params, demo):
    root, _ = demo
    other = tmp_path / "seed"
    generate_demo_data(other, params, scale=SCALE, seed=7)
    a = (root / "data/demo/police-uk/2020-01/2020-01-demoshire-street.csv").read_bytes()
    b = (other / "police-uk/2020-01/2020-01-demoshire-street.csv").read_bytes()
    assert a != b


def test_every_dataset_of_the_params_finds_its_files(params, demo):
    root, summary = demo
    for name, dataset in params.datasets.items():
        target = root / dataset.path
        if any(ch in dataset.path for ch in "*?["):
            found = glob.glob(str(target))
        elif target.is_dir():
            found = [p for p in target.rglob("*") if p.is_file()]
        else:
            found = [target] if target.exists() else []
        assert found, f"dataset {name}: nothing at {dataset.path}"
    written = set(summary["files"])
    on_disk = {p.relative_to(root / "data" / "demo").as_posix()
               for p in (root / "data" / "demo").rglob("*") if p.suffix in (".csv", ".geojson")}
    assert written == on_disk


def test_every_month_and_year_is_covered(params, demo):
    root, _ = demo
    demo_dir = root / "data" / "demo"
    slug = params.area.police_uk_slug
    months = _months("2019-01", params.period_end)
    assert sorted(p.name for p in (demo_dir / "police-uk").iterdir()) == months
    for month in months:
        for kind in ("street", "outcomes", "stop-and-search"):
            path = demo_dir / "police-uk" / month / f"{month}-{slug}-{kind}.csv"
            assert path.exists(), path
    end_year = int(params.period_end[:4])
    for year in range(2019, end_year + 1):
        for kind in ("collision", "casualty", "vehicle"):
            assert (demo_dir / "stats19" / f"dft-road-casualty-statistics-{kind}-{year}.csv").exists()
    for year in range(2019, 2023):
        assert (demo_dir / "ons" / f"lsoa-population-{year}.csv").exists()
    for name in (f"prc-csp-{params.period_end}.csv", f"prc-pfa-{params.period_end}.csv",
                 f"999-{params.period_end}.csv"):
        assert (demo_dir / "home-office" / name).exists()
    assert (demo_dir / "force" / f"indicators-{params.period_end}.csv").exists()

    # each street file holds its own month only; stats19 of the last year stops at period_end
    street = pd.read_csv(demo_dir / "police-uk" / "2021-06" / f"2021-06-{slug}-street.csv", dtype=str)
    assert set(street["Month"]) == {"2021-06"}
    last = pd.read_csv(demo_dir / "stats19" / f"dft-road-casualty-statistics-collision-{end_year}.csv", dtype=str)
    months_seen = pd.to_datetime(last["date"], format="%d/%m/%Y").dt.strftime("%Y-%m")
    assert months_seen.max() <= params.period_end


@pytest.mark.skipif(not REAL.exists(), reason="real published files not available")
@pytest.mark.parametrize("kind, real", [
    ("street", "police-uk/2022-01-south-yorkshire-street.csv"),
    ("outcomes", "police-uk/2018-01-avon-and-somerset-outcomes.csv"),
    ("stop-and-search", "police-uk/2021-08-west-yorkshire-stop-and-search.csv"),
])
def test_police_uk_headers_match_the_published_files(params, demo, kind, real):
    root, _ = demo
    ours = _first_line(root / "data/demo/police-uk/2022-01" / f"2022-01-{params.area.police_uk_slug}-{kind}.csv")
    theirs = _first_line(REAL / real)
    assert ours.rstrip(b"\r\n") == theirs.rstrip(b"\r\n")
    assert ours.endswith(b"\r\n"), "police.uk files use Windows line endings"


@pytest.mark.skipif(not REAL.exists(), reason="real published files not available")
@pytest.mark.parametrize("kind, real", [("collision", "accidents.csv"), ("casualty", "casualties.csv"),
                                        ("vehicle", "vehicles.csv")])
def test_stats19_headers_match_the_published_files(demo, kind, real):
    root, _ = demo
    for year in (2019, 2024):
        ours = _first_line(root / "data/demo/stats19" / f"dft-road-casualty-statistics-{kind}-{year}.csv")
        assert ours == _first_line(REAL / "stats19" / real)


def test_contract_headers_of_the_other_formats(params, demo):
    root, _ = demo
    d = root / "data" / "demo"
    end = params.period_end
    expected = {
        f"home-office/prc-csp-{end}.csv": ["Financial Year", "Financial Quarter", "Force Name", "CSP Name",
                                          "Offence Description", "Offence Group", "Offence Subgroup",
                                          "Offence Code", "Number of Offences"],
        f"home-office/prc-pfa-{end}.csv": ["Financial Year", "Financial Quarter", "Force Name",
                                          "Offence Description", "Offence Group", "Offence Subgroup",
                                          "Offence Code", "Number of Offences"],
        f"home-office/999-{end}.csv": ["Month", "Force Name", "Total 999 calls", "Calls answered within 10 seconds",
                                      "Calls answered in over 60 seconds"],
        "ons/area-population.csv": ["Code", "Name", "Geography", "Mid-2019", "Mid-2020", "Mid-2021", "Mid-2022",
                                    "Mid-2023"],
        "ons/imd2019-lsoa.csv": [
            "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
            "Local Authority District name (2019)",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"],
        "ons/census2021-ts021-ethnicity.csv": [
            "date", "geography", "geography code", "Ethnic group: Total: All usual residents",
            "Ethnic group: Asian, Asian British or Asian Welsh",
            "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
            "Ethnic group: Mixed or Multiple ethnic groups", "Ethnic group: White",
            "Ethnic group: Other ethnic group"],
        "ons/census2021-ts041-households.csv": ["date", "geography", "geography code", "Number of households"],
        f"force/indicators-{end}.csv": ["measure", "period", "area", "value", "denominator", "notes"],
    }
    for rel, columns in expected.items():
        header = next(csv.reader(io.StringIO((d / rel).read_text())))
        assert header == columns, rel
    lsoa_header = next(csv.reader(io.StringIO((d / "ons/lsoa-population-2019.csv").read_text().split("\n")[0])))
    assert lsoa_header[:5] == ["LAD 2021 Code", "LAD 2021 Name", "LSOA 2021 Code", "LSOA 2021 Name", "Total"]
    assert lsoa_header[5:] == [f"F{a}" for a in range(91)] + [f"M{a}" for a in range(91)]


def test_police_uk_quirks(params, demo):
    root, _ = demo
    street = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False)
                       for p in sorted((root / "data/demo/police-uk").glob("2023-*/*-street.csv")))
    assert set(street["Crime type"]) == {
        "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
        "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
        "Vehicle crime", "Violence and sexual offences"}
    asb = street[street["Crime type"] == "Anti-social behaviour"]
    assert (asb["Crime ID"] == "").all() and (asb["Last outcome category"] == "").all()
    crimes = street[street["Crime type"] != "Anti-social behaviour"]
    assert crimes["Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (crimes["Last outcome category"] != "").all()
    nowhere = street[street["Location"] == "No Location"]
    assert len(nowhere) > 0
    assert (nowhere[["Longitude", "Latitude", "LSOA code", "LSOA name"]] == "").all().all()
    assert (street["Context"] == "").all()
    assert (street["Falls within"] == params.area.force).all()
    lsoas = pd.read_csv(root / "data/demo/ons/imd2019-lsoa.csv", dtype=str)["LSOA code (2011)"]
    assert set(street.loc[street["LSOA code"] != "", "LSOA code"]) <= set(lsoas)

    # outcomes refer to crimes (by Crime ID) and use real outcome strings
    outcomes = pd.read_csv(root / "data/demo/police-uk/2023-06/2023-06-demoshire-outcomes.csv", dtype=str)
    assert outcomes["Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert set(outcomes["Outcome type"]) & {"Suspect charged", "Unable to prosecute suspect"}

    ss = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False)
                   for p in sorted((root / "data/demo/police-uk").glob("202[23]-*/*-stop-and-search.csv")))
    assert ss["Date"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()
    vehicle = ss[ss["Type"] == "Vehicle search"]
    assert len(vehicle) > 0
    assert (vehicle[["Gender", "Age range", "Officer-defined ethnicity"]] == "").all().all()
    assert set(ss["Officer-defined ethnicity"]) <= {"White", "Asian", "Black", "Mixed", "Other", ""}
    assert "White - English/Welsh/Scottish/Northern Irish/British" in set(ss["Self-defined ethnicity"])
    assert set(ss["Part of a policing operation"]) <= {"True", "False", ""}


def test_stats19_is_consistent(params, demo):
    root, _ = demo
    d = root / "data/demo/stats19"
    for year in (2019, 2023):
        coll = pd.read_csv(d / f"dft-road-casualty-statistics-collision-{year}.csv", dtype={"collision_index": str})
        cas = pd.read_csv(d / f"dft-road-casualty-statistics-casualty-{year}.csv", dtype={"collision_index": str})
        veh = pd.read_csv(d / f"dft-road-casualty-statistics-vehicle-{year}.csv", dtype={"collision_index": str})
        assert (coll["police_force"] == params.area.stats19_police_force).all()
        assert coll["collision_index"].is_unique
        coll = coll.set_index("collision_index")
        worst = cas.groupby("collision_index")["casualty_severity"].min().reindex(coll.index)
        assert (coll["collision_severity"] == worst).all()
        assert (coll["number_of_casualties"] == cas.groupby("collision_index").size().reindex(coll.index)).all()
        assert (coll["number_of_vehicles"] == veh.groupby("collision_index").size().reindex(coll.index)).all()
        assert set(cas["casualty_severity"]) <= {1, 2, 3}
        assert pd.to_datetime(coll["date"], format="%d/%m/%Y").dt.year.eq(year).all()


def test_indicators_cover_every_measure_and_follow_the_rules(params, demo):
    root, summary = demo
    frame = pd.read_csv(root / f"data/demo/force/indicators-{params.period_end}.csv",
                        dtype={"value": "Int64", "denominator": "Int64"})
    wanted = {m for m, spec in params.measures.items()
              if params.datasets[spec.source].format == "indicator_template"}
    assert wanted and wanted <= set(frame["measure"])
    assert not frame.duplicated(["measure", "period", "area"]).any()
    assert set(frame["area"]) <= {params.area.force, *params.area.districts}
    assert frame["period"].str.fullmatch(r"\d{4}-\d\d").all()
    assert (frame["value"] >= 0).all()
    has_den = frame["denominator"].notna()
    assert (frame.loc[has_den, "value"] <= frame.loc[has_den, "denominator"]).all()
    for m in wanted:
        rows = frame[frame["measure"] == m]
        proportion = params.measures[m].statistic == "proportion"
        assert rows["denominator"].notna().all() if proportion else rows["denominator"].isna().all(), m
        assert rows["period"].min() == "2019-01" or rows["period"].min() == "2019-03", m
        assert rows["period"].max() == params.period_end, m
    # some district counts are below the suppression threshold, so disclosure control has work to do
    districts = frame[frame["area"] != params.area.force]
    assert (districts["value"] < params.suppression_threshold).sum() > 0


def test_home_office_and_population_tables(params, demo):
    root, _ = demo
    d = root / "data/demo"
    csp = pd.read_csv(d / f"home-office/prc-csp-{params.period_end}.csv")
    pfa = pd.read_csv(d / f"home-office/prc-pfa-{params.period_end}.csv")
    assert set(csp["CSP Name"]) == set(params.area.districts)
    assert set(pfa["Force Name"]) == set(params.area.most_similar_group)
    assert csp["Financial Year"].iloc[0] == "2018/19" and csp["Financial Quarter"].iloc[0] == 4
    # the force's PFA rows are the sum of its CSPs
    keys = ["Financial Year", "Financial Quarter", "Offence Code"]
    force = pfa[pfa["Force Name"] == params.area.force].set_index(keys)["Number of Offences"]
    summed = csp.groupby(keys)["Number of Offences"].sum().reindex(force.index)
    assert (force == summed).all()
    assert {"Violence with injury", "Rape", "Shoplifting"} <= set(csp["Offence Subgroup"])

    area = pd.read_csv(d / "ons/area-population.csv")
    las = area[area["Geography"] == "Local Authority"]
    pfas = area[area["Geography"] == "Police Force Area"].set_index("Name")
    assert set(las["Name"]) == set(params.area.districts)
    assert set(pfas.index) == set(params.area.most_similar_group)
    assert (pfas.loc[params.area.force, "Mid-2019":"Mid-2023"].to_numpy()
            == las.loc[:, "Mid-2019":"Mid-2023"].sum().to_numpy()).all()

    calls = pd.read_csv(d / f"home-office/999-{params.period_end}.csv")
    assert (calls["Calls answered within 10 seconds"] <= calls["Total 999 calls"]).all()
    assert set(calls["Month"]) == set(_months("2019-01", params.period_end))


def test_scale_multiplies_event_volumes(tmp_path, params, demo):
    root, small = demo
    bigger = generate_demo_data(tmp_path / "x", params, scale=SCALE * 4)
    ratio = bigger["rows"]["street_crime"] / small["rows"]["street_crime"]
    assert 3.6 < ratio < 4.4
    assert bigger["rows"]["population_lsoa"] == small["rows"]["population_lsoa"]


def test_refuses_to_clear_a_folder_it_did_not_write(tmp_path, params):
    (tmp_path / "police-uk").mkdir()
    (tmp_path / "police-uk" / "mine.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate_demo_data(tmp_path, params, scale=SCALE)
    assert (tmp_path / "police-uk" / "mine.csv").exists()


def test_drop_months_leaves_police_uk_months_out_and_changes_nothing_else(tmp_path, params, demo):
    root, full = demo
    dropped = generate_demo_data(tmp_path / "gap", params, scale=SCALE, drop_months=["2023-09", "2023-10"])
    before, after = _digests(root / "data" / "demo"), _digests(tmp_path / "gap")
    gone = {name for name in before if name not in after}
    assert gone == {f"police-uk/{m}/{m}-demoshire-{kind}.csv" for m in ("2023-09", "2023-10")
                    for kind in ("street", "outcomes", "stop-and-search")}
    changed = [n for n in after if before.get(n) != after[n]]
    assert changed == ["DEMO-DATA.txt"]        # the marker says which months were dropped; no figure changes
    assert "police.uk months dropped 2023-09,2023-10" in (tmp_path / "gap" / "DEMO-DATA.txt").read_text()
    # the rows counted drop by the rows of the files left out (counted here from the full data)
    for kind, key in (("street", "street_crime"), ("outcomes", "outcomes"), ("stop-and-search", "stop_search")):
        left_out = sum(len(pd.read_csv(root / "data/demo/police-uk" / m / f"{m}-demoshire-{kind}.csv"))
                       for m in ("2023-09", "2023-10"))
        assert dropped["rows"][key] == full["rows"][key] - left_out
    assert not (tmp_path / "gap" / "police-uk" / "2023-09").exists()


def test_drop_months_must_be_months_of_the_data(tmp_path, params, capsys):
    with pytest.raises(ValueError, match="2018-12 is outside"):
        generate_demo_data(tmp_path / "a", params, scale=SCALE, drop_months=["2018-12"])
    with pytest.raises(ValueError, match="not a month"):
        generate_demo_data(tmp_path / "b", params, scale=SCALE, drop_months=["Sept 2023"])
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "c"), "--params", str(PARAMS), "--drop-months", "2023-13"])
    assert "not a month like 2023-09" in capsys.readouterr().err


def test_cli(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "cli"), "--scale", "0.02", "--params", str(PARAMS)]) == 0
    assert "not official statistics" in capsys.readouterr().out
    assert (tmp_path / "cli" / "force").is_dir()


def test_a_peer_force_keeps_its_template_wherever_the_force_sits_in_the_group():
    """Crimes, 999 calls and population of a peer come from one template, whether or not the force
    is listed first in the most similar group."""
    from needs_assessment.demo.generate import _peer_template
    first = ["Demoshire Police", "Northvale Police", "Southmere Constabulary"]
    middle = ["Northvale Police", "Demoshire Police", "Southmere Constabulary"]
    for peer in ("Northvale Police", "Southmere Constabulary"):
        assert _peer_template(first, "Demoshire Police", peer) is _peer_template(middle, "Demoshire Police", peer)
    assert _peer_template(first, "Demoshire Police", "Northvale Police") is not \
        _peer_template(first, "Demoshire Police", "Southmere Constabulary")
