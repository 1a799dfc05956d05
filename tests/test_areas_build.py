"""`build.py --areas all`, on the small plan: the force and each district published, each district's
headline counts checked against the street records of its LSOAs counted with the csv module, the
force's publication the same as a build without --areas, per-district recommendations, a failed
chapter failing only its area, and the same build on a Dask cluster started here (no server needed).
Runs real kernels."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from needs_assessment.measures.areas import area_slug
from needs_assessment.params import load_params
from needs_assessment.pipeline import areas as areas_module
from needs_assessment.pipeline.areas import build_with_areas
from needs_assessment.pipeline.build import BuildOptions, build
from project_copy import copy_project

SMALL = "tests/fixtures/small_plan"
CYCLE = "small-plan"
DISTRICTS = ["Ashby Vale", "Brookmere", "Castleford Moor", "Dunmoor", "Eastwick"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project's sources with small demonstration data, and recommendations for one
    district only (Ashby Vale)."""
    root = copy_project(tmp_path_factory.mktemp("areas"))
    own = root / SMALL / "recommendations" / "ashby-vale"
    own.mkdir()
    (own / "S1-safer-streets.md").write_text(
        "---\nchapter: S1\n---\n"
        "## S1-R1 Target burglary in the Ashby Vale town centre\n"
        "section: neighbourhood_crime\nstatus: draft\n\n"
        "The partnership should fund target hardening for repeat victims "
        "({{< var neighbourhood_crime.change_vs_baseline >}} against the baseline).\n")
    return root


def options(root: Path, **kw) -> BuildOptions:
    kw.setdefault("engine", "embedded")
    return BuildOptions(params_path=root / SMALL / "params.yml", root=root, jobs=2, quiet=True, **kw)


def snapshot(root: Path, build_dir: Path, publication: Path) -> dict[str, str]:
    """What a reader gets from an area, without what changes from run to run (times, PNG bytes):
    every download CSV and every staged chapter's text, with its recommendations."""
    files = {f"downloads/{p.name}": p.read_text() for p in sorted((publication / "downloads").glob("*.csv"))}
    book = build_dir / "book" / "chapters"
    files.update({f"chapters/{p.relative_to(book)}": p.read_text() for p in sorted(book.rglob("*.md"))})
    return files


def area_snapshots(root: Path) -> dict[str, dict[str, str]]:
    out = root / "_output" / CYCLE
    shots = {"force": snapshot(root, root / "_build" / CYCLE, out)}
    for district in DISTRICTS:
        slug = area_slug(district)
        shots[slug] = snapshot(root, root / "_build" / CYCLE / "areas" / slug, out / slug)
    return shots


@pytest.fixture(scope="module")
def plain_build(project):
    result = build(options(project))
    assert result.exit_code == 0, result.manifest.get("chapters")
    return snapshot(project, project / "_build" / CYCLE, project / "_output" / CYCLE)


@pytest.fixture(scope="module")
def areas_build(project, plain_build):
    # --force: every chapter of the force runs again, so its sameness is not the chapter cache's
    result = build_with_areas(options(project, areas=("all",), force=True))
    assert result.exit_code == 0, result.message
    return result, area_snapshots(project)


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_the_force_and_each_district_are_published(project, areas_build):
    result, _ = areas_build
    out = project / "_output" / CYCLE
    assert result.published_to == out
    for district in DISTRICTS:
        folder = out / area_slug(district)
        for name in ("needs-assessment.html", "needs-assessment.pdf", "recommendations-summary.html",
                     "downloads/measures.csv", "build-manifest.json"):
            assert (folder / name).is_file(), f"{district}: {name}"
        html = (folder / "needs-assessment.html").read_text()
        assert f"In the 12 months to March 2024 the rate in {district} was" in html
    assert set(result.manifest["areas"]) == {"Demoshire", *DISTRICTS}


def test_the_force_publication_is_the_same_as_a_build_without_areas(plain_build, areas_build):
    _, shots = areas_build
    assert shots["force"].keys() == plain_build.keys()
    for name, text in plain_build.items():
        assert shots["force"][name] == text, name


def _street_counts(project: Path, crime_types: set[str]) -> dict[str, int]:
    """Street records of the latest 12 months in each district's LSOAs, counted row by row from the
    police.uk CSVs, districts from the ONS LSOA population file (read with csv, not the loaders)."""
    lsoa_district = {row["LSOA 2021 Code"]: row["LAD 2021 Name"]
                     for row in read_rows(project / "data/demo/ons/lsoa-population-2022.csv")}
    months = {f"2023-{m:02d}" for m in range(4, 13)} | {f"2024-{m:02d}" for m in range(1, 4)}
    counts = dict.fromkeys(DISTRICTS, 0)
    files = sorted((project / "data/demo/police-uk").glob("*/*-street.csv"))
    assert files
    for path in files:
        for row in read_rows(path):
            if row["Month"] in months and row["Crime type"] in crime_types:
                district = lsoa_district.get(row["LSOA code"])
                if district in counts:
                    counts[district] += 1
    return counts


@pytest.mark.parametrize("measure_id, crime_types", [
    ("neighbourhood_crime", {"Burglary", "Robbery", "Theft from the person", "Vehicle crime"}),
    ("asb_incidents", {"Anti-social behaviour"}),
])
def test_each_district_headline_count_is_the_street_records_in_its_lsoas(project, areas_build, measure_id,
                                                                          crime_types):
    expected = _street_counts(project, crime_types)
    out = project / "_output" / CYCLE
    force_rows = {r["area"]: r for r in read_rows(out / "downloads/measures.csv") if r["measure_id"] == measure_id}
    for district in DISTRICTS:
        rows = [r for r in read_rows(out / area_slug(district) / "downloads/measures.csv")
                if r["measure_id"] == measure_id]
        own = [r for r in rows if r["area"] == district]
        assert len(own) == 1 and own[0]["area_type"] == "district"
        assert float(own[0]["count"]) == expected[district], district
        assert own[0]["status"], "the district is judged against its own baseline"
        assert own[0]["benchmark_name"].startswith("baseline")
        # compared with the force, whose figures are the force publication's own
        force = [r for r in rows if r["area_type"] == "force"]
        assert len(force) == 1 and force[0]["count"] == force_rows["Demoshire Police"]["count"]
        assert force[0]["benchmark_name"] == district


def test_recommendations_are_per_district_and_a_district_without_a_folder_has_none(project, areas_build):
    out = project / "_output" / CYCLE
    ashby = (out / "ashby-vale" / "needs-assessment.html").read_text()
    assert "Target burglary in the Ashby Vale town centre" in ashby
    force_recommendation = "S1-R1"   # the force's own file has S1-R1 too: the district shows only its own
    brookmere = (out / "brookmere" / "needs-assessment.html").read_text()
    assert "Target burglary in the Ashby Vale" not in brookmere
    force_text = (project / SMALL / "recommendations" / "S1-safer-streets.md").read_text()
    force_title = next(line[len("## S1-R1 "):] for line in force_text.splitlines() if line.startswith("## S1-R1"))
    assert force_title not in ashby and force_title not in brookmere
    assert force_recommendation in (out / "needs-assessment.html").read_text()


def test_a_failed_chapter_fails_only_its_area(project, areas_build, monkeypatch, tmp_path):
    """Brookmere's S1 runs a notebook that raises: Brookmere is not published (its last publication
    stays), every other area is, and the exit code says something failed."""
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {"tags": '
                      '["parameters"]}, "outputs": [], "source": "chapter_id = \'\'"}, {"cell_type": "code", '
                      '"execution_count": null, "metadata": {}, "outputs": [], "source": "raise RuntimeError('
                      '\'a chapter that fails\')"}], "metadata": {"kernelspec": {"name": "needs-assessment", '
                      '"display_name": "x", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}')
    real = areas_module.run_notebooks

    def one_broken(jobs, n_jobs=None, **kw):
        for job in jobs:
            if job.key == "brookmere/S1":
                job.notebook = broken
        return real(jobs, n_jobs, **kw)

    monkeypatch.setattr(areas_module, "run_notebooks", one_broken)
    out = project / "_output" / CYCLE
    before = (out / "brookmere" / "build-manifest.json").read_text()
    result = build_with_areas(options(project, areas=("Brookmere", "eastwick"), force=True))
    assert result.exit_code == 1
    assert "Brookmere" in result.message
    assert result.manifest["areas"]["Brookmere"]["exit_code"] == 1
    assert result.manifest["areas"]["Eastwick"]["exit_code"] == 0
    assert result.manifest["areas"]["Demoshire"]["exit_code"] == 0
    assert (out / "brookmere" / "build-manifest.json").read_text() == before   # untouched
    # the districts not asked for this time are still there: a force build keeps them
    assert (out / "dunmoor" / "needs-assessment.html").is_file()


def test_an_unknown_district_is_named_with_those_there_are(project, areas_build):
    from needs_assessment.pipeline.areas import AreasError
    with pytest.raises(AreasError, match="Nowhere is not a district of Demoshire Police.*Ashby Vale"):
        build_with_areas(options(project, areas=("Nowhere",)))


def test_districts_can_be_chosen_by_code(project, areas_build):
    from needs_assessment.pipeline.areas import chosen_districts
    params = load_params(project / SMALL / "params.yml")
    build_dir = project / "_build" / CYCLE
    assert chosen_districts(("E06900002", "dunmoor"), build_dir, params) == ["Brookmere", "Dunmoor"]


@pytest.fixture(scope="module")
def local_cluster():
    """A Dask cluster in this test: two single-threaded worker processes (the machine has 2 cores)."""
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    yield cluster
    cluster.close()


def test_the_dask_executor_gives_the_same_publications(project, areas_build, local_cluster):
    _, local = areas_build
    result = build_with_areas(options(project, areas=("all",), force=True, executor="dask",
                           scheduler=local_cluster.scheduler_address))
    assert result.exit_code == 0, result.message
    on_dask = area_snapshots(project)
    assert on_dask.keys() == local.keys()
    for area, files in local.items():
        assert on_dask[area].keys() == files.keys(), area
        for name, text in files.items():
            assert on_dask[area][name] == text, f"{area}: {name}"


def test_a_worker_lost_mid_task_is_retried(project, local_cluster, tmp_path):
    """A chapter whose first run kills the worker it runs on (its kernel kills its parent, the worker
    process): the scheduler runs it again on a worker that is alive, and it succeeds."""
    from needs_assessment.pipeline.runner import NotebookJob, run_notebooks_dask
    marker = tmp_path / "killed-once"
    notebook = tmp_path / "kills-its-worker.ipynb"
    source = (f"import os, pathlib, signal\\nmarker = pathlib.Path({str(marker)!r})\\n"
              "if not marker.exists():\\n    marker.write_text('x')\\n    os.kill(os.getppid(), signal.SIGKILL)\\n"
              "print('second run')")
    notebook.write_text('{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], '
                        f'"source": "{source}"}}], "metadata": {{"kernelspec": {{"name": "needs-assessment", '
                        '"display_name": "x", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}')
    job = NotebookJob("K1", "kills its worker", notebook, tmp_path / "out" / "K1.ipynb", {}, tmp_path)
    outcomes = run_notebooks_dask([job], local_cluster.scheduler_address)
    assert marker.exists(), "the first run did kill its worker"
    assert outcomes["K1"].status == "done", outcomes["K1"].error
    assert "second run" in (tmp_path / "out" / "K1.ipynb").read_text()
