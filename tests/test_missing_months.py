"""Months a dataset lacks: named in words, found per force by the datasets layer and `build.py data`,
and never a crash for the measures on the real Durham downloads (34 months missing between them)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from datasets_helpers import REAL, params_with_datasets, demo_params, write_street
from needs_assessment.datasets.registry import months_by_force
from needs_assessment.measures.report import describe_params_datasets, format_report, run_data_command
from needs_assessment.common.months import (missing_months, month_runs, months_field, months_phrase,
                                            parse_months_field, window_missing)

DURHAM = REAL / "police-uk" / "durham"
DURHAM_MONTHS = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"] + [f"2022-{m:02d}" for m in range(1, 12)]
NEIGHBOURHOOD = ["Burglary", "Robbery", "Theft from the person", "Vehicle crime"]


def P(text: str) -> pd.Period:
    return pd.Period(text, freq="M")


# --- words -------------------------------------------------------------------------------------------

def test_consecutive_months_are_grouped_into_ranges_with_british_month_names():
    assert months_phrase(["2021-09", "2021-10", "2021-11"]) == "September to November 2021"
    assert months_phrase(["2021-12", "2022-01", "2022-02"]) == "December 2021 to February 2022"
    assert months_phrase(["2021-09"]) == "September 2021"
    assert months_phrase(["2021-09", "2021-11", "2021-12", "2023-01"]) == \
        "September 2021, November to December 2021 and January 2023"
    assert months_phrase([]) == ""
    # quarterly tables: quarter ends three months apart are consecutive
    assert months_phrase(["2023-03", "2023-06", "2023-12"], step=3) == "March to June 2023 and December 2023"
    assert month_runs(["2020-02", "2020-01", "2020-03"]) == [(P("2020-01"), P("2020-03"))]


def test_missing_months_lie_between_the_first_and_last_month():
    assert missing_months(DURHAM_MONTHS) == list(pd.period_range("2019-03", "2021-12", freq="M"))
    assert len(missing_months(DURHAM_MONTHS)) == 34
    assert missing_months(["2023-03", "2023-09", "2023-12"], step=3) == [P("2023-06")]
    assert missing_months([]) == []
    assert window_missing(DURHAM_MONTHS, P("2022-11")) == [P("2021-12")]
    assert window_missing(DURHAM_MONTHS, P("2019-12")) == list(pd.period_range("2019-03", "2019-12", freq="M"))
    assert window_missing(DURHAM_MONTHS, P("2018-11")) == []       # before the data: not reached, not missing


def test_the_downloads_field_round_trips():
    months = [P("2021-10"), P("2021-09")]
    assert months_field(months) == "2021-09;2021-10"
    assert parse_months_field("2021-09;2021-10") == sorted(months)
    assert parse_months_field("") == parse_months_field(None) == parse_months_field(float("nan")) == []


# --- the datasets layer --------------------------------------------------------------------------------

def test_months_are_missing_per_force_in_a_table_of_several_forces():
    rows = [{"month": P(m), "force_name": f} for f, months in
            [("Demoshire Police", ["2023-01", "2023-02", "2023-04"]), ("Peer Police", ["2023-01", "2023-02", "2023-03"])]
            for m in months]
    by_force = months_by_force({"calls": pd.DataFrame(rows)})
    assert missing_months(by_force["Demoshire Police"]) == [P("2023-03")]
    assert missing_months(by_force["Peer Police"]) == []


def test_params_report_names_the_months_missing(tmp_path):
    for month in ("2024-01", "2024-02", "2024-05"):
        write_street(tmp_path / "data" / "police", month, 3)
    params = params_with_datasets(demo_params(), street_crime="data/police")
    report = describe_params_datasets(params, tmp_path, tmp_path / "cache")
    street = next(d for d in report["datasets"] if d["name"] == "street_crime")
    assert street["months"]["missing"] == ["2024-03", "2024-04"]
    assert street["months"]["missing_text"] == "March to April 2024"
    text = format_report(report)
    assert "Months missing" in text and "street_crime: months missing: March to April 2024" in text


@pytest.mark.skipif(not DURHAM.exists(), reason="real published files not available")
def test_build_py_data_names_durhams_missing_months(capsys):
    files = [str(p) for p in sorted(DURHAM.glob("*/*-durham-street.csv"))]
    assert len(files) == 16
    assert run_data_command(files, demo_params_path(), as_json=False) in (0, 1)
    text = capsys.readouterr().out
    assert "months missing: March 2019 to December 2021 (34 months)" in text
    run_data_command(files, demo_params_path(), as_json=True)
    report = json.loads(capsys.readouterr().out)
    months = report["datasets"][0]["months"]
    assert months["missing"] == [str(m) for m in pd.period_range("2019-03", "2021-12", freq="M")]
    assert months["missing_text"] == "March 2019 to December 2021"


def demo_params_path() -> Path:
    from datasets_helpers import PARAMS_FILE
    return PARAMS_FILE


# --- the measures on the real Durham downloads -----------------------------------------------------

@pytest.fixture(scope="module")
def durham():
    if not DURHAM.exists():
        pytest.skip("real published files not available")
    from needs_assessment.datasets import load_police_uk_street
    from needs_assessment.measures.engine import Sources, compute_measures

    base = demo_params()
    area = base.area.model_copy(update={"name": "Durham", "force": "Durham Constabulary", "police_uk_slug": "durham",
                                        "districts": ["County Durham", "Darlington"], "most_similar_group": []})
    params = base.model_copy(update={"area": area, "period_end": "2022-11"})
    files = sorted(DURHAM.glob("*/*-durham-street.csv"))
    street = load_police_uk_street(files)
    sources = Sources({"street_crime": {"street": street}}, {"street_crime": "police_uk_street"})
    ids = [m for m, d in params.measures.items() if d.source == "street_crime"]
    # independently: the CSVs as published, read with plain pandas
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    return params, compute_measures(params, sources, ids, jobs=2), raw


def test_durham_measures_never_crash_and_count_what_was_published(durham):
    params, results, raw = durham
    assert results, "no street measures"
    row = results["neighbourhood_crime"].force_row
    mine = raw[raw["Crime type"].isin(NEIGHBOURHOOD)]
    latest = [f"2021-{m:02d}" for m in (12,)] + [f"2022-{m:02d}" for m in range(1, 12)]
    baseline = [f"2019-{m:02d}" for m in range(1, 13)]
    assert row["count"] == mine["Month"].isin(latest).sum()              # 11 months published
    assert row["months_missing"] == "2021-12"
    assert row["baseline_count"] == mine["Month"].isin(baseline).sum()   # January and February 2019
    assert row["baseline_months_missing"] == ";".join(f"2019-{m:02d}" for m in range(3, 13))
    assert pd.isna(row["previous_count"])                                 # no month of it published
    assert pd.isna(row["value"]) and row["comparison"] == "Not compared"
    assert row["status"] == "Not assessed" and "1 month missing from the latest 12 months" == row["status_reason"]
    # the incomplete baseline is explained by the months missing, never as "no records then"
    assert not any("no records in the 12 months to December 2019" in n for n in results["neighbourhood_crime"].notes)
    for result in results.values():
        assert result.months_missing == list(pd.period_range("2019-03", "2021-12", freq="M"))
        assert result.force_row["status"] in ("Not assessed", "Monitor only")


def test_data_that_start_after_the_baseline_say_so(durham):
    """Only the 2022 download: the baseline window lies before the data, which is not 'no records'."""
    from needs_assessment.datasets import load_police_uk_street
    from needs_assessment.measures.engine import Sources, compute_measures

    params, _, _ = durham
    files = sorted(DURHAM.glob("2022-*/*-durham-street.csv"))
    sources = Sources({"street_crime": {"street": load_police_uk_street(files)}}, {"street_crime": "police_uk_street"})
    result = compute_measures(params, sources, ["neighbourhood_crime"], jobs=1)["neighbourhood_crime"]
    notes = " ".join(result.notes)
    assert "the data used run from January 2022 to November 2022, so they do not cover the 12 months to December 2019" in notes
    assert "no records in the 12 months" not in notes


def test_durham_gap_is_named_in_the_chapter_text(durham):
    from needs_assessment.content import findings

    _, results, _ = durham
    result = results["neighbourhood_crime"]
    text = findings.gap_finding(result)
    assert "police.uk published no data for March 2019 to December 2021" in text
    assert "The 12 months to November 2022 lack 1 month (December 2021)" in text
    assert "Months are missing from the 12 months to November 2022" in findings.measure_finding(result)
    assert "Not assessed" in findings.measure_finding(result)


# --- a gap in the demonstration data: measures.csv, the chart and the text -------------------------------

GAP = ["2022-09", "2022-10", "2022-11"]     # in the previous 12 months (April 2022 to March 2023)


@pytest.fixture(scope="module")
def gap_build(tmp_path_factory):
    """The demonstration data with three police.uk months dropped, its measures computed and one
    chapter's sections written (what a build does, without the notebooks and the renderer)."""
    from needs_assessment.content.chapters import ChapterBuilder
    from needs_assessment.datasets import load_dataset
    from needs_assessment.demo.generate import generate_demo_data
    from needs_assessment.measures.engine import Sources, area_profile, compute_measures
    from needs_assessment.measures.store import save_measure_results

    from datasets_helpers import PARAMS_FILE

    root = tmp_path_factory.mktemp("gap")
    params = demo_params()
    generate_demo_data(root / "data" / "demo", params, scale=0.05, drop_months=GAP)
    frames, formats, manifest = {}, {}, {}
    for name in params.datasets:
        loaded = load_dataset(name, params, root, root / "cache")
        frames[name], formats[name] = loaded.frames, loaded.format
        manifest[name] = {**loaded.summary(), "files": []}
    sources = Sources(frames, formats)
    results = compute_measures(params, sources, jobs=2)
    build = root / "build"
    save_measure_results(build, results, area_profile(sources, params))
    (build / "data-manifest.json").write_text(json.dumps({"datasets": manifest}, default=str))
    chapter = next(c for c in params.chapters() if "asb_incidents" in c.measures)
    builder = ChapterBuilder(str(PARAMS_FILE), str(build), chapter.id)
    return {"root": root, "params": params, "results": results, "build": build, "builder": builder,
            "section": str(builder.section("asb_incidents"))}


def test_the_gap_is_in_measures_csv(gap_build, tmp_path):
    from needs_assessment.pipeline.downloads import write_downloads

    write_downloads(gap_build["results"], gap_build["params"], gap_build["build"], [], tmp_path)
    csv = pd.read_csv(tmp_path / "measures.csv", dtype=str, keep_default_na=False)
    force = csv[csv["area_type"] == "force"].set_index("measure_id")
    street_measures = [m for m, d in gap_build["params"].measures.items() if d.source == "street_crime"]
    for m in street_measures:
        assert force.loc[m, "previous_months_missing"] == "2022-09;2022-10;2022-11", m
        assert force.loc[m, "months_missing"] == "" and force.loc[m, "baseline_months_missing"] == ""
        assert force.loc[m, "previous_value"] == "" and force.loc[m, "change_vs_previous_pct"] == ""
        assert force.loc[m, "previous_count"] != ""                    # as published, 9 months
    # asb_incidents' target is a fall on the previous 12 months: not assessed, and why
    assert force.loc["asb_incidents", "status"] == "Not assessed"
    assert force.loc["asb_incidents", "status_reason"] == "3 months missing from the previous 12 months"
    # neighbourhood crime's target is the baseline, which is complete: judged as usual
    assert force.loc["neighbourhood_crime", "status"] in ("On track", "Off track")
    # datasets without the gap are untouched
    other = [m for m, d in gap_build["params"].measures.items() if not d.source.startswith(("street", "stop", "outcomes"))]
    assert (force.loc[other, "previous_months_missing"] == "").all()
    # independently: the previous 12 months' count is the rows of the street files there are
    street = pd.concat([pd.read_csv(f, dtype=str) for f in sorted((gap_build["root"] / "data/demo/police-uk").glob(
        "*/*-street.csv"))], ignore_index=True)
    previous = [str(m) for m in pd.period_range("2022-04", "2023-03", freq="M")]
    asb = street[(street["Crime type"] == "Anti-social behaviour") & street["Month"].isin(previous)]
    assert float(force.loc["asb_incidents", "previous_count"]) == len(asb)


def test_the_gap_is_in_the_chapter_text(gap_build):
    section = gap_build["section"]
    assert "police.uk published no data for September to November 2022" in section
    assert "The 12 months to March 2023 lack 3 months, so no change on the previous 12 months is given." in section
    assert "Not assessed" in section and "3 months missing from the previous 12 months" in section
    # the chart's alt text and caption say where the line stops
    assert ('no line is drawn for the 12 months to September 2022 to the 12 months to October 2023' in section)


def test_the_trend_chart_breaks_at_the_gap(gap_build):
    import numpy as np
    from matplotlib.image import imread

    builder = gap_build["builder"]
    label = builder.label("fig", "asb_incidents", "trend")
    data = pd.read_csv(builder.out_dir / "tables" / f"{label}.csv", keep_default_na=False)
    incomplete = data[data["months_missing"] != ""]
    assert list(incomplete["month"]) == [str(m) for m in pd.period_range("2022-09", "2023-10", freq="M")]
    assert (incomplete["value"] == "").all()                 # no value, so nothing to draw
    complete = data[data["months_missing"] == ""]
    assert (complete["value"] != "").all()
    # The image: inside the hatched area (its fill colour) there is no pixel of the line or its band,
    # and the line is drawn on both sides of it.
    image = (imread(builder.chart_path(label))[..., :3] * 255).round()
    fill = np.all(np.abs(image - [243, 242, 241]) <= 1, axis=2)
    columns = np.flatnonzero(fill.sum(axis=0) > 0.15 * image.shape[0])
    assert len(columns) > 50, "no hatched gap drawn"
    left, right = columns.min(), columns.max()
    assert right - left + 1 == len(columns), "the hatched area is one block"
    line = np.linalg.norm(image - [18, 67, 109], axis=2) < 40       # DARK_BLUE, anti-aliased
    band = np.linalg.norm(image - [215, 223, 230], axis=2) < 6      # DARK_BLUE at 17% on white
    # the plot area's rows (not the legend above it): where the fill colour runs across the hatched area
    rows = np.flatnonzero(fill[:, left:right + 1].sum(axis=1) > 0.3 * (right - left + 1))
    inside = (slice(rows.min(), rows.max() + 1), slice(left + 3, right - 2))
    assert not line[inside].any() and not band[inside].any()
    drawn = np.flatnonzero(line.any(axis=0))
    assert (drawn < left).any() and (drawn > right).any()


def test_the_methods_appendix_lists_the_missing_months(gap_build):
    table = gap_build["builder"].months_missing_table()
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    for name in ("street_crime", "outcomes", "stop_search"):
        assert "September to November 2022 (3 months)" in rows[name]
    assert rows["road_casualties"].rstrip().endswith("| none |")
