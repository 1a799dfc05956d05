"""Maps from boundary files: the LSOA choropleth checked against the street records and the
population file counted by hand, suppressed LSOAs drawn as suppressed, real ONS boundary files
(Durham's LSOA 2011 GeoJSON, the UK district GeoJSON, the police force area shapefile) loaded,
reprojected and mapped, and the 2011/2021 LSOA vintages matched through the real best-fit lookup."""

from __future__ import annotations

import csv
import glob
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely

from needs_assessment.common.errors import DataFileError
from needs_assessment.content.charts import choropleth as M
from needs_assessment.content.charts.style import STYLE
from needs_assessment.datasets import load_paths
from needs_assessment.demo.generate import generate_demo_data
from needs_assessment.measures.geography import place_lsoas
from needs_assessment.measures.stage import run_measures_stage
from needs_assessment.measures.store import load_map_geography, load_measure_results
from needs_assessment.params import load_params

try:
    from tests.datasets_helpers import PARAMS_FILE, REAL
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    from datasets_helpers import PARAMS_FILE, REAL

BOUNDARIES = REAL / "boundaries"
DURHAM_LSOAS = BOUNDARIES / "lsoa-2011-durham"
LAD = BOUNDARIES / "Local_Authority_Districts_(December_2021)_UK_BUC.geojson"
PFA = BOUNDARIES / "Police_Force_Areas_December_2023_EW_BSC_-6977498269682743281"
LOOKUP = REAL / "lookups" / "lsoa11_to_lsoa21_best_fit_lookup_england_wales_v2.csv"
DURHAM_STREET = REAL / "police-uk" / "durham"
NEIGHBOURHOOD = {"Burglary", "Robbery", "Theft from the person", "Vehicle crime"}


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    """The demonstration data (a third of the volume, so that some LSOAs have few records) and its
    measures stage, as a build runs it."""
    root = tmp_path_factory.mktemp("maps")
    params = load_params(PARAMS_FILE)
    generate_demo_data(root / "data" / "demo", params, scale=0.3)
    build = root / "_build"
    build.mkdir()
    run_measures_stage(params, root, build, root / ".cache", "test", jobs=2)
    return root, params, load_measure_results(build), load_map_geography(build)


def _csv_counts(root: Path, months: set[str], types: set[str]) -> dict[str, int]:
    """Records per LSOA code, counted with the csv module from the street files as written."""
    counts: dict[str, int] = {}
    for path in sorted(glob.glob(str(root / "data/demo/police-uk/*/*-street.csv"))):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["Month"] in months and row["Crime type"] in types and row["LSOA code"]:
                    counts[row["LSOA code"]] = counts.get(row["LSOA code"], 0) + 1
    return counts


def _csv_population(root: Path) -> dict[str, int]:
    """Residents per LSOA from the latest LSOA population file, read with the csv module."""
    latest = max(glob.glob(str(root / "data/demo/ons/lsoa-population-*.csv")))
    with open(latest, newline="", encoding="utf-8") as fh:
        return {row["LSOA 2021 Code"]: int(row["Total"]) for row in csv.DictReader(fh)}


def test_a_known_lsoas_rate_and_class_equal_an_independent_computation(demo_build, tmp_path):
    root, params, results, maps = demo_build
    assert maps.lsoa_reason is None and len(maps.geography.lsoas) == 750
    result = results["neighbourhood_crime"]
    chart = M.choropleth_map(result, maps.geography, tmp_path / "map.png")
    data = chart.data.set_index("lsoa_code")
    months = {str(m) for m in pd.period_range(end=params.period_end, periods=12, freq="M")}
    counts, population = _csv_counts(root, months, NEIGHBOURHOOD), _csv_population(root)
    published = data[~data["suppressed"]]
    mine = pd.Series({c: round(counts.get(c, 0) / population[c] * 1000, 1) for c in published.index})
    # every published rate, not only one, is the csv count over the population file's residents
    assert np.allclose(published["rate_per_1000"].to_numpy(float), mine.loc[published.index].to_numpy())
    known = published[published["count"] >= 10].index[0]       # a known LSOA with a clear count
    assert data.at[known, "count"] == counts[known]
    assert data.at[known, "rate_per_1000"] == pytest.approx(counts[known] / population[known] * 1000, abs=0.05)
    # its class: quintiles of the published rates, computed here with numpy alone
    bounds = sorted({round(float(np.quantile(mine.to_numpy(), q / 5)), 1) for q in range(1, 5)} | {mine.max()})
    position = next(i for i, b in enumerate(bounds) if mine[known] <= b)
    lower = bounds[position - 1] + 0.1 if position else None
    first = "0.0 (no records)" if bounds[0] == 0 else f"up to {bounds[0]:.1f}"
    expected = first if lower is None else f"{lower:,.1f} to {bounds[position]:,.1f}"
    assert data.at[known, "rate_class"] == expected
    assert "quintiles" in chart.alt_text and "quintiles" in chart.notes[0]


def test_suppressed_lsoas_are_drawn_as_suppressed_not_as_zero(demo_build, tmp_path):
    root, params, results, maps = demo_build
    data = M.measure_choropleth_data(results["neighbourhood_crime"], maps.geography)
    months = {str(m) for m in pd.period_range(end=params.period_end, periods=12, freq="M")}
    small = {c for c, n in _csv_counts(root, months, NEIGHBOURHOOD).items() if 0 < n < 5}
    nbh = data.set_index("lsoa_code")
    # every LSOA with 1 to 4 records is suppressed: no count, no rate, no class, hatched in the legend
    assert small and small <= set(nbh.index[nbh["suppressed"]])
    hidden = nbh[nbh["suppressed"]]
    assert hidden["count"].isna().all() and hidden["rate_per_1000"].isna().all()
    assert set(hidden["rate_class"]) == {M.SUPPRESSED_LABEL}
    # no district hides exactly one count (it could be worked out from the district's total)
    assert (hidden.groupby("district").size() >= 2).all()
    zero = nbh[~nbh["suppressed"] & (nbh["count"] == 0)]
    assert (zero["class_number"] == 1).all()     # a zero is a zero, in the lowest class, not hatched
    with matplotlib.rc_context(STYLE):
        fig = M.choropleth_figure(data, maps.geography.lsoas.set_index("code")["geometry"], maps.geography.districts)
        ax = fig.axes[0]
        by_gid = {c.get_gid(): c for c in ax.collections if c.get_gid()}
        assert len(by_gid["suppressed"].get_paths()) == len(hidden)
        assert len(by_gid["classes"].get_paths()) == int((nbh["class_number"] > 0).sum())
        assert by_gid["suppressed"].get_hatch() == "/////"
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"{M.SUPPRESSED_LABEL} ({len(hidden)} LSOAs)" in legend
        # the pixel at a suppressed LSOA's inner point is the hatching, not a class colour
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
        code = hidden.index[0]
        point = shapely.point_on_surface(shapely.from_wkb(maps.geography.lsoas.set_index("code").at[code, "geometry"]))
        x, y = ax.transData.transform((point.x / 1000, point.y / 1000))
        patch = image[int(image.shape[0] - y) - 3:int(image.shape[0] - y) + 4, int(x) - 3:int(x) + 4]
        colours = M.class_colours(len(nbh.attrs["breaks"]))[:, :3]
        nearest = np.min(np.linalg.norm(patch.reshape(-1, 1, 3) - colours[None], axis=2), axis=1)
        assert (nearest > 0.15).mean() > 0.8


def test_the_palette_is_sequential_and_its_lightest_class_contrasts_with_the_outline():
    colours = M.class_colours(5)
    lum = [M.relative_luminance(c) for c in colours]
    assert lum == sorted(lum, reverse=True)             # light to dark: order without hue
    assert M.contrast_ratio(colours[0], matplotlib.colors.to_rgb(M.OUTLINE)) >= 3


def test_alt_text_names_the_highest_and_lowest_lsoas_and_districts(demo_build, tmp_path):
    _, _, results, maps = demo_build
    result = results["neighbourhood_crime"]
    chart = M.choropleth_map(result, maps.geography, tmp_path / "map.png")
    published = chart.data[~chart.data["suppressed"]].sort_values(["rate_per_1000", "lsoa_code"],
                                                                  ascending=[False, True])
    top, bottom = published.iloc[0], published.iloc[-1]
    assert f"{top['lsoa_name']} in {top['district']}" in chart.alt_text
    assert f"{bottom['lsoa_name']} in {bottom['district']}" in chart.alt_text
    rates = M.district_rates(result)
    assert f"highest in {rates.iloc[0]['district']}" in chart.alt_text
    assert f"lowest in {rates.iloc[-1]['district']}" in chart.alt_text
    assert "Contains OS data" in chart.source or "OS data" in chart.source


def test_the_demo_street_records_fall_inside_their_lsoa(demo_build):
    root, _, _, maps = demo_build
    shapes = maps.geography.lsoas.set_index("code")["geometry"].map(shapely.from_wkb)
    rows = pd.read_csv(sorted(glob.glob(str(root / "data/demo/police-uk/*/*-street.csv")))[-1]).dropna(
        subset=["Longitude"])
    from pyproj import Transformer
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(rows["Longitude"].to_numpy(),
                                                                     rows["Latitude"].to_numpy())
    assert shapely.contains_xy(shapes.loc[rows["LSOA code"]].to_numpy(), x, y).all()
    # the LSOAs tile the force area: no overlaps
    total = shapely.area(shapely.union_all(list(shapes)))
    assert total == pytest.approx(sum(shapely.area(list(shapes))), rel=1e-6)


# --- real files ------------------------------------------------------------------------------------

def test_real_district_geojson_and_force_shapefile_load_in_british_national_grid():
    lad = load_paths("ons_lad_boundaries", LAD).frame
    assert len(lad) == 374 and (lad["vintage"] == 2021).all()
    durham = shapely.from_wkb(lad.set_index("name").at["County Durham", "geometry"])
    # WGS84 in the file, metres of British National Grid once loaded: County Durham is about 2,226 km2
    assert 2.1e9 < durham.area < 2.35e9
    assert 380_000 < durham.centroid.x < 440_000 and 520_000 < durham.centroid.y < 560_000
    pfa = load_paths("ons_pfa_boundaries", PFA)
    assert len(pfa.frame) == 43 and {Path(f.path).suffix for f in pfa.files} >= {".shp", ".dbf", ".prj", ".shx"}
    force = shapely.from_wkb(pfa.frame.set_index("name").at["Durham", "geometry"])
    assert force.buffer(500).contains(durham.buffer(-2000))        # the force area holds the district


def test_real_durham_lsoa_2011_geojson_gives_a_choropleth(tmp_path):
    lsoas = load_paths("ons_lsoa_boundaries", DURHAM_LSOAS).frame
    assert len(lsoas) == 389 and (lsoas["vintage"] == 2011).all()
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for path in sorted(DURHAM_STREET.glob("2022-*/*-street.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["Crime type"] == "Anti-social behaviour" and row["LSOA code"]:
                    counts[row["LSOA code"]] = counts.get(row["LSOA code"], 0) + 1
                    names[row["LSOA code"]] = row["LSOA name"]
    # the records' LSOAs of Durham's two authorities; residents made up for the test (1,500 each:
    # no LSOA population file is among the real files), so the rate is the count over 1.5
    records = pd.DataFrame({"lsoa_code": sorted(c for c in names if names[c].rsplit(" ", 1)[0]
                                                in ("County Durham", "Darlington"))})
    records["lsoa_name"] = records["lsoa_code"].map(names)
    records["district"] = records["lsoa_name"].str.rsplit(" ", n=1).str[0]
    geography = place_lsoas(records, lsoas, None)
    assert geography.vintage == 2011 and not geography.unplaced and len(geography.lsoas) == len(records)
    lsoa_counts = records.assign(count=records["lsoa_code"].map(counts).astype(int), population=1500.0)
    data = M.choropleth_data(lsoa_counts, geography.members, geography.lsoas, 5)
    some = data[~data["suppressed"]].iloc[0]
    assert some["rate_per_1000"] == pytest.approx(counts[some["lsoa_code"]] / 1.5, abs=0.05)
    geography.districts = pd.DataFrame({"name": ["County Durham", "Darlington"], "geometry": [
        shapely.to_wkb(shapely.union_all(shapely.from_wkb(list(g["geometry"]))))
        for _, g in geography.lsoas.groupby("district")]})
    path = M.draw_choropleth(data, geography.lsoas.set_index("code")["geometry"], geography.districts,
                             tmp_path / "durham.png", title="Durham", alt_text="Durham")
    assert path.stat().st_size > 20_000


def test_2021_records_on_2011_boundaries_are_joined_through_the_best_fit_lookup():
    lsoas = load_paths("ons_lsoa_boundaries", DURHAM_LSOAS).frame
    lookup = load_paths("ons_lsoa_lookup", LOOKUP).frame
    mine = lookup[lookup["lsoa11_code"].isin(lsoas["code"])]
    records = (mine.drop_duplicates("lsoa21_code")
               .rename(columns={"lsoa21_code": "lsoa_code", "lsoa21_name": "lsoa_name", "lad_name": "district"})
               [["lsoa_code", "lsoa_name", "district"]])
    geography = place_lsoas(records, lsoas, lookup)
    assert "best-fit" in geography.method and not geography.unplaced
    merged = mine.groupby("lsoa21_code")["lsoa11_code"].apply(list)
    joined = merged[merged.map(len) > 1]
    assert len(joined)      # Durham has 2021 LSOAs made of two 2011 ones
    code = joined.index[0]
    area = shapely.area(shapely.from_wkb(geography.lsoas.set_index("code").at[code, "geometry"]))
    parts = sum(shapely.area(shapely.from_wkb(lsoas.set_index("code").at[c, "geometry"])) for c in joined.iloc[0])
    assert area == pytest.approx(parts, rel=1e-3)


def test_without_the_lookup_the_lsoas_that_cannot_be_placed_are_named(tmp_path):
    lsoas = load_paths("ons_lsoa_boundaries", DURHAM_LSOAS).frame
    records = pd.DataFrame({"lsoa_code": [*lsoas["code"][:50], "E01099999"], "lsoa_name": "x", "district": "d"})
    geography = place_lsoas(records, lsoas, None)
    assert geography.unplaced == ["E01099999"]
    data = M.choropleth_data(records.assign(count=7, population=1000.0), geography.members, geography.lsoas, 5)
    assert data.attrs["unplaced_lsoas"] == ["E01099999"] and data.attrs["unplaced_records"] == 7


@pytest.mark.parametrize("text, problem", [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"LSOA21CD": "E01000001"}, '
     '"geometry": {"type": "Point", "coordinates": [-1.5, 54.7]}}]}', "not polygons"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"LSOA21CD": "nonsense"}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[-1.5, 54.7], [-1.4, 54.7], [-1.4, 54.8], [-1.5, 54.7]]]}}]}',
     "feature 1 has a LSOA code that is not one"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"NAME": "x"}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[-1.5, 54.7], [-1.4, 54.7], [-1.4, 54.8], [-1.5, 54.7]]]}}]}',
     "no LSOA code field"),
    ('{"type": "FeatureCollection", "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::27700" } }, '
     '"features": [{"type": "Feature", "properties": {"LSOA21CD": "E01000001"}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[-1.5, 54.7], [-1.4, 54.7], [-1.4, 54.8], [-1.5, 54.7]]]}}]}',
     "a few metres across"),
])
def test_bad_boundary_files_get_a_message_naming_the_file_and_what_was_expected(tmp_path, text, problem):
    path = tmp_path / "LSOA_2021_bad.geojson"
    path.write_text(text)
    with pytest.raises(DataFileError) as caught:
        load_paths("ons_lsoa_boundaries", path)
    assert problem in str(caught.value) and str(path) in str(caught.value) and "expected" in str(caught.value)


def test_a_shapefile_without_its_prj_is_refused_not_guessed(tmp_path):
    import shutil
    for f in PFA.iterdir():
        if f.suffix != ".prj":
            shutil.copyfile(f, tmp_path / f.name)
    with pytest.raises(DataFileError, match="does not say which coordinate system.*prj"):
        load_paths("ons_pfa_boundaries", tmp_path)


def test_init_and_the_data_check_recognise_boundary_files_in_the_downloads(tmp_path):
    """`build.py init` writes a datasets line for each boundary file and the lookup it finds, by
    their fields, not their names; `build.py data` describes them."""
    import shutil
    from needs_assessment.init.cycle import init_cycle
    from needs_assessment.measures.report import describe_paths
    root = tmp_path / "project"
    downloads = root / "downloads"
    shutil.copytree(DURHAM_STREET / "2022-01", downloads / "police-uk" / "2022-01")
    shutil.copytree(DURHAM_LSOAS, downloads / "lsoas")
    shutil.copytree(PFA, downloads / PFA.name)
    shutil.copyfile(LOOKUP, downloads / "best-fit.csv")
    shutil.copytree(PARAMS_FILE.parent / "templates", root / "params" / "templates")
    result = init_cycle(downloads, root)
    text = result.params_path.read_text()
    assert 'lsoa_boundaries:     {format: ons_lsoa_boundaries, path: "downloads/lsoas"}' in text
    assert "format: ons_pfa_boundaries" in text and "PFA_DEC_2023_EW_BSC.shp" in text
    assert "format: ons_lsoa_lookup" in text
    report = describe_paths([downloads / "lsoas", downloads / PFA.name])
    rows = {d["format"]: d["rows"] for d in report["datasets"]}
    assert rows == {"ons_lsoa_boundaries": {"boundaries": 389}, "ons_pfa_boundaries": {"boundaries": 43}}



def test_the_build_uses_every_piece_of_a_boundary_download_and_says_why_it_draws_no_districts(tmp_path):
    """Boundary files come one per authority (Durham's County Durham and Darlington): the params
    `init` writes load in the build as parts of one geography, not as two releases to choose from.
    Without the LSOA population file the build cannot tell each LSOA's district, and says so."""
    import shutil
    from needs_assessment.datasets.registry import load_dataset, resolve_dataset
    from needs_assessment.init.cycle import init_cycle
    from needs_assessment.measures.geography import map_availability
    from needs_assessment.params import load_params
    from needs_assessment.measures.engine import Sources
    root = tmp_path / "project"
    downloads = root / "downloads"
    shutil.copytree(DURHAM_STREET / "2022-01", downloads / "police-uk" / "2022-01")
    shutil.copytree(DURHAM_LSOAS, downloads / "lsoas")
    shutil.copytree(PARAMS_FILE.parent / "templates", root / "params" / "templates")
    params = load_params(init_cycle(downloads, root).params_path)
    release = resolve_dataset("lsoa_boundaries", params, root)
    assert sorted(f.path.rsplit("/", 1)[-1] for f in release.files) == ["E06000005.json", "E06000047.json"]
    assert "parts of one geography" in release.description
    frame = load_dataset("lsoa_boundaries", params, root, tmp_path / "cache").frames["boundaries"]
    assert len(frame) == 389 and frame["code"].is_unique
    maps = map_availability(Sources(frames={"lsoa_boundaries": {"boundaries": frame}},
                                    formats={"lsoa_boundaries": "ons_lsoa_boundaries"}), params)
    assert "ons_population_lsoa" in maps.district_reason and "which district each LSOA is in" in maps.district_reason


def test_a_zipped_shapefile_and_a_geopackage_load_like_the_files_they_came_from(tmp_path):
    """ONS's downloads come as a Shapefile zip or a GeoPackage too: the zip as downloaded (its folder
    inside), and a GeoPackage written here from the real district GeoJSON, in British National Grid."""
    import zipfile
    import geopandas
    zipped = tmp_path / "Police_Force_Areas_December_2023_EW_BSC_-6977498269682743281.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for f in sorted(PFA.iterdir()):
            zf.write(f, f"{PFA.name}/{f.name}")
    from_zip = load_paths("ons_pfa_boundaries", zipped).frame
    from_folder = load_paths("ons_pfa_boundaries", PFA).frame
    assert from_zip[["code", "name"]].equals(from_folder[["code", "name"]])
    assert (from_zip["geometry"] == from_folder["geometry"]).all()
    lad = geopandas.read_file(LAD).to_crs(27700)
    gpkg = tmp_path / "LAD_DEC_2021_UK_BUC.gpkg"
    lad.to_file(gpkg, driver="GPKG", engine="pyogrio")
    from_gpkg = load_paths("ons_lad_boundaries", gpkg).frame
    from_json = load_paths("ons_lad_boundaries", LAD).frame
    assert list(from_gpkg["code"]) == list(from_json["code"])
    a = shapely.from_wkb(from_gpkg.set_index("code").at["E06000047", "geometry"])
    b = shapely.from_wkb(from_json.set_index("code").at["E06000047", "geometry"])
    assert a.symmetric_difference(b).area < 1e-6 * b.area


def test_the_figure_pool_draws_the_maps_and_a_chapter_takes_them_without_matplotlib(demo_build, tmp_path):
    """The build's figure pool draws each choropleth and the district map into the figure cache, the
    same PNG as drawn directly; a chapter's kernel (a process of its own) then shows them, drawing
    nothing and importing neither matplotlib nor shapely."""
    import json
    import subprocess
    import sys

    from needs_assessment.content import maps as map_content
    from needs_assessment.content.figures import FigureCache
    from needs_assessment.pipeline.figures import draw_figures

    root, params, results, maps = demo_build
    build = root / "_build"
    draw_figures(build, [list(c.measures) for c in params.chapters()], results, jobs=2, area_name=params.area.name)
    cache = FigureCache(build)
    pooled = cache.cached("neighbourhood_crime", map_content.CHOROPLETH)
    districts = cache.cached(map_content.AREA_PROFILE, map_content.district_map_kind(params.area.name))
    assert pooled is not None and districts is not None
    direct = M.choropleth_map(results["neighbourhood_crime"], maps.geography, tmp_path / "direct.png")
    assert pooled.path.read_bytes() == direct.path.read_bytes()
    assert pooled.alt_text == direct.alt_text and pooled.data.equals(direct.data)

    kernel = (
        "import json, sys\n"
        "from needs_assessment.content.chapters import ChapterBuilder\n"
        "out = {}\n"
        "for chapter_id in ('P3', 'C2'):\n"
        "    builder = ChapterBuilder(sys.argv[1], sys.argv[2], chapter_id)\n"
        "    text = str(builder.sections() if chapter_id == 'P3' else builder.area_profile_text())\n"
        "    out[chapter_id] = {'drawn': builder.figures.drawn, 'text': text}\n"
        "out['modules'] = sorted(m for m in ('matplotlib', 'shapely') if m in sys.modules)\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", kernel, str(PARAMS_FILE), str(build)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["modules"] == []
    assert out["P3"]["drawn"] == [] and out["C2"]["drawn"] == []
    assert "fig-p3-neighbourhood-crime-choropleth" in out["P3"]["text"]
    assert "tbl-p3-neighbourhood-crime-top-rates" in out["P3"]["text"]
    assert "fig-c2-districts-map" in out["C2"]["text"]


def test_the_districts_map_without_population_claims_no_residents(tmp_path):
    """Durham's districts from the real district boundaries, with no population file: the map
    names the districts, and neither its subtitle, caption nor alt text speaks of residents."""
    from types import SimpleNamespace
    from needs_assessment.content.charts.choropleth import district_map
    lads = load_paths("ons_lad_boundaries", LAD).frame
    mine = lads[lads["name"].isin(["County Durham", "Darlington"])]
    geography = SimpleNamespace(districts=pd.DataFrame({"name": mine["name"].to_numpy(),
                                                        "geometry": mine["geometry"].to_numpy()}),
                                district_source="district boundaries (2021)")
    profile = pd.DataFrame({"area": ["Durham", "County Durham", "Darlington"],
                            "area_type": ["force", "district", "district"], "population": [np.nan] * 3})
    chart = district_map(geography, profile, tmp_path / "districts.png", area_name="Durham")
    assert chart.title == "Durham has 2 districts"
    for text in (chart.subtitle, chart.caption, chart.alt_text):
        assert "resident" not in text
    assert "County Durham" in chart.alt_text and "Darlington" in chart.alt_text
