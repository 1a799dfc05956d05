"""The chapter notebooks as committed: thin, parameterised, and diff-friendly (no stored outputs)."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "tests" / "fixtures" / "small_plan" / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0], "the first code cell is the one tagged `parameters`"
    assert nb.metadata["kernelspec"]["name"] == "needs-assessment"
    for cell in code:
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, "outputs are not committed"
        # Thin: logic lives in the package; a notebook cell is a few lines of calls.
        assert len(cell.source.splitlines()) <= 8, cell.source


def test_every_plan_chapter_has_its_notebook():
    from needs_assessment.params import load_params
    for params_file in (ROOT / "params" / "demo-2024.yml", ROOT / "tests/fixtures/small_plan/params.yml"):
        for chapter in load_params(params_file).chapters():
            assert (ROOT / chapter.notebook) in NOTEBOOKS
