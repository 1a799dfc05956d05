"""A real force's first cycle, end to end: `build.py init` on a folder holding Durham's police.uk
downloads (34 months missing between them) and IMD 2019 File 1 as published writes params that
build without edits and publish. The published counts are checked against an independent count of
the CSV files, Durham's districts are in the publication, and the missing months are named in the
HTML and the PDF text. Runs real kernels."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from datasets_helpers import REAL
from needs_assessment.pipeline.build import BuildOptions, build
from needs_assessment.init.cycle import init_cycle

ROOT = Path(__file__).resolve().parents[1]
DURHAM = REAL / "police-uk" / "durham"
IMD = REAL / "deprivation" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
DISTRICTS = ("County Durham", "Darlington")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-cycle")
    for name in ("_quarto.yml", "params", "notebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    downloads = root / "downloads"
    shutil.copytree(DURHAM, downloads / "police-uk" / "durham")
    (downloads / "deprivation").mkdir()
    shutil.copyfile(IMD, downloads / "deprivation" / IMD.name)
    result = init_cycle(downloads, root)
    built = build(BuildOptions(params_path=result.params_path, root=root, jobs=2, quiet=True, engine="embedded"))
    return root, result, built


def csv_counts(crime_types: set[str], months: set[str]) -> dict[str, int]:
    """Records of these types in these months, for the force and each district, counted with the csv
    module from the files as published (not with the project's loader)."""
    counts = {"Durham Constabulary": 0, **{d: 0 for d in DISTRICTS}}
    for path in sorted(DURHAM.glob("*/*-durham-street.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["Month"] in months and row["Crime type"] in crime_types:
                    counts["Durham Constabulary"] += 1
                    authority = row["LSOA name"].rsplit(" ", 1)[0] if row["LSOA name"] else None
                    if authority in counts:
                        counts[authority] += 1
    return counts


def text_of_pdf(path: Path) -> str:
    from pypdf import PdfReader
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_init_then_build_publishes_durham_with_its_districts_and_missing_months(published):
    root, result, built = published
    assert built.exit_code == 0, (built.message, built.manifest.get("chapters"))
    out = root / "_output" / result.params_path.stem
    measures = pd.read_csv(out / "downloads" / "measures.csv", dtype={"area": str})
    latest = {str(m) for m in pd.period_range("2021-12", "2022-11", freq="M")}
    baseline = {str(m) for m in pd.period_range("2019-01", "2019-12", freq="M")}
    for measure_id, crime_types in (("asb_incidents", {"Anti-social behaviour"}),
                                    ("neighbourhood_crime", {"Burglary", "Robbery", "Theft from the person",
                                                             "Vehicle crime"})):
        rows = measures[measures["measure_id"] == measure_id].set_index("area")
        expected = csv_counts(crime_types, latest)
        for area, count in expected.items():
            assert rows.loc[area, "count"] == count, (measure_id, area)
        # the baseline window has only January and February 2019: counted as published
        assert rows.loc["Durham Constabulary", "baseline_count"] == \
            csv_counts(crime_types, baseline)["Durham Constabulary"], measure_id
    html = " ".join(re.sub(r"<[^>]+>", " ", (out / "needs-assessment.html").read_text()).split())
    pdf = text_of_pdf(out / "needs-assessment.pdf")
    for district in DISTRICTS:
        assert district in html and district in pdf
    # police.uk published no file for 2019-03 to 2021-12, so the latest 12 months lack December 2021
    for text in (html, pdf):
        assert "published no data for March 2019 to December 2021" in text
        assert "December 2021" in text.replace("March 2019 to December 2021", "")


def test_durham_without_boundary_or_population_files_gets_the_hexagon_map(published):
    """The point-density map needs only the records' coordinates: its alt text counts the records
    with a location as the csv module counts them, and its CSV publishes no hexagon under 5."""
    root, result, built = published
    out = root / "_output" / result.params_path.stem
    html = (out / "needs-assessment.html").read_text()
    alts = re.findall(r'alt="(Map of anti-social behaviour incidents in [^"]*)"', html)
    assert len(alts) == 1, alts
    latest = {str(m) for m in pd.period_range("2021-12", "2022-11", freq="M")}
    located = 0
    for path in sorted(DURHAM.glob("*/*-durham-street.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            located += sum(1 for row in csv.DictReader(fh) if row["Month"] in latest
                           and row["Crime type"] == "Anti-social behaviour" and row["Longitude"] and row["Latitude"]
                           and row["LSOA name"].rsplit(" ", 1)[0] in DISTRICTS)
    assert f"{located:,} records with a location in its districts" in alts[0]
    assert "Most records are in County Durham" in alts[0]
    # no boundary file and no LSOA population: no choropleth, and the text says why
    assert html.count("There is no map of the rate in each neighbourhood: there is no LSOA boundary file") >= 1
    assert "ons_population_lsoa" in html
    assert "These map files of the params file were not available" in html
    downloads = sorted((out / "downloads").glob("fig-*-asb-incidents-hexmap.csv"))
    assert len(downloads) == 1
    hexagons = pd.read_csv(downloads[0])
    assert (hexagons["count"] >= 5).all() and 0.5 * located < hexagons["count"].sum() <= located
