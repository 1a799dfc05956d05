"""The downloads: the notes sheet of the workbook says what the build did."""

import pandas as pd

from needs_assessment.pipeline.downloads import write_downloads
from needs_assessment.params import load_params

from datasets_helpers import ROOT


def test_the_workbook_notes_give_the_params_suppression_threshold(tmp_path):
    params = load_params(ROOT / "params" / "demo-2024.yml")
    params = params.model_copy(update={"suppression_threshold": 10})
    written = write_downloads({}, params, tmp_path / "build", [], tmp_path / "out")
    workbook = next(p for p in written if p.suffix == ".xlsx")
    notes = pd.read_excel(workbook, sheet_name="Notes").set_index("Note")["Detail"]
    assert "1 to 9" in notes["Suppression"] and "1 to 4" not in notes["Suppression"]


# --- no cell a spreadsheet would run -----------------------------------------------------------------
import csv  # noqa: E402

from openpyxl import load_workbook  # noqa: E402

from needs_assessment.content.cells import formula_safe, formula_safe_text  # noqa: E402
from needs_assessment.content.chapters import ChapterBuilder  # noqa: E402

try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf

FORMULAS = ['=HYPERLINK("http://x";"y")', "=cmd|' /C calc'!A0", "=1+2 Police", "+SUM(A1:A9)",
            "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tTabbed", "\rReturned"]


def test_text_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers():
    for text in FORMULAS:
        assert formula_safe_text(text) == "'" + text.replace("\r", "\n")
    assert formula_safe_text("\rReturned") == "'\nReturned"    # a lone CR would split a CSV row
    for kept in ("Demoshire", "-3", "+1.5", "-12%", "-1,234.5", -3, -0.25, None, "It's = fine"):
        assert formula_safe_text(kept) == kept
    frame = formula_safe(pd.DataFrame({"area": ["=1+2", "North"], "change": [-3.5, 2.0]}))
    assert frame["area"].tolist() == ["'=1+2", "North"]
    assert frame["change"].tolist() == [-3.5, 2.0] and pd.api.types.is_float_dtype(frame["change"])


def test_hostile_area_names_reach_no_workbook_cell_as_a_formula_and_the_csvs_read_back(tmp_path):
    params = load_params(ROOT / "params" / "demo-2024.yml")
    params = params.model_copy(update={"title": "=HYPERLINK(\"http://x\";\"title\")"})
    districts = {name: (40.0 + i, 9_000 + i) for i, name in enumerate(FORMULAS)}
    result = mf.build_result("neighbourhood_crime", districts=districts, peers=True)
    result.area_name = "=1+2 Police"
    result.summary.loc[result.summary["area_type"] == "force", "area"] = "=1+2 Police"
    result.extras["msg"].loc[result.extras["msg"]["is_force"], "area"] = "@Force"
    build_dir = tmp_path / "build"
    chapter = next(c for c in params.chapters() if "neighbourhood_crime" in c.measures)
    builder = ChapterBuilder(str(ROOT / "params" / "demo-2024.yml"), str(build_dir), chapter.id)
    builder.__dict__["results"] = {"neighbourhood_crime": result}   # the fixture, not a computed build
    builder.__dict__["build_path"] = build_dir
    from needs_assessment.content import tables
    for kind in ("district", "msg"):
        builder.write_table_csv(tables.table_frame(kind, result), f"tbl-{kind}")

    written = write_downloads({"neighbourhood_crime": result}, params, build_dir, [chapter], tmp_path / "out")
    workbook = next(p for p in written if p.suffix == ".xlsx")
    cells = [cell for sheet in load_workbook(workbook) for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for text in FORMULAS:
        assert "'" + text.replace("\r", "\n") in texts
    assert any(isinstance(c.value, float) and c.value < 0 for c in cells)   # negative changes stay numbers

    for path in (p for p in written if p.suffix == ".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        starts = [cell for row in rows for cell in row if cell.startswith(("=", "+", "@", "\t", "\r"))
                  or (cell.startswith("-") and not _is_number(cell))]
        assert not starts, f"{path.name}: {starts}"
    measures = pd.read_csv(tmp_path / "out" / "measures.csv")
    assert "'=1+2 Police" in set(measures["area"])
    assert pd.api.types.is_numeric_dtype(measures["change_vs_baseline_pct"])
    district_csv = pd.read_csv(tmp_path / "out" / "tbl-district.csv")
    assert {"'" + t.replace("\r", "\n") for t in FORMULAS} <= set(district_csv["area"])


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%"))
        return True
    except ValueError:
        return False


def test_every_workbook_sheet_holds_what_its_csv_holds(tmp_path):
    # the workbook is written cell by cell (not by pandas): each sheet read back equals its CSV read
    # back, numbers as numbers, missing values empty, an infinite value the text pandas writes
    params = load_params(ROOT / "params" / "demo-2024.yml")
    result = mf.build_result("neighbourhood_crime", districts={"North": (40.0, 9_000), "South": (12.5, 4_000)},
                             peers=True)
    build_dir = tmp_path / "build"
    chapter = next(c for c in params.chapters() if "neighbourhood_crime" in c.measures)
    tables_dir = build_dir / "chapters" / chapter.id / "tables"
    tables_dir.mkdir(parents=True)
    pd.DataFrame({"area": ["North", "South", None], "count": [3, 40, 7], "rate": [1.25, float("nan"), float("inf")],
                  "flag": [True, False, True]}).to_csv(tables_dir / "tbl-mixed.csv", index=False)
    written = write_downloads({"neighbourhood_crime": result}, params, build_dir, [chapter], tmp_path / "out")
    workbook = next(p for p in written if p.suffix == ".xlsx")
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert list(sheets) == ["Notes", "measures", "tbl-mixed"]
    pd.testing.assert_frame_equal(sheets["measures"], pd.read_csv(tmp_path / "out" / "measures.csv"),
                                  check_dtype=False, check_exact=False, rtol=1e-12)
    mixed = sheets["tbl-mixed"]
    assert mixed["area"].tolist()[:2] == ["North", "South"] and pd.isna(mixed["area"].iloc[2])
    assert mixed["count"].tolist() == [3, 40, 7]
    assert mixed["rate"].tolist()[0] == 1.25 and pd.isna(mixed["rate"].iloc[1])
    assert mixed["flag"].tolist() == [True, False, True]
    sheet = load_workbook(workbook)["tbl-mixed"]
    assert sheet["A1"].value == "area" and sheet["A1"].font.b
    assert sheet["A4"].value is None and sheet["C3"].value is None and sheet["C4"].value == "inf"
