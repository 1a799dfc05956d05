"""The downloads: the notes sheet of the workbook says what the build did."""

import pandas as pd

from needs_assessment.build.downloads import write_downloads
from needs_assessment.params import load_params

from datasets_helpers import ROOT


def test_the_workbook_notes_give_the_params_suppression_threshold(tmp_path):
    params = load_params(ROOT / "params" / "demo-2024.yml")
    params = params.model_copy(update={"suppression_threshold": 10})
    written = write_downloads({}, params, tmp_path / "build", [], tmp_path / "out")
    workbook = next(p for p in written if p.suffix == ".xlsx")
    notes = pd.read_excel(workbook, sheet_name="Notes").set_index("Note")["Detail"]
    assert "1 to 9" in notes["Suppression"] and "1 to 4" not in notes["Suppression"]
