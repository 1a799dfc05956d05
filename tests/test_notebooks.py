"""The chapter notebooks as committed: thin, parameterised, and diff-friendly (no stored outputs)."""

import base64
from pathlib import Path

import nbformat
import pytest
from project_copy import copy_project

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


@pytest.fixture(scope="module")
def fresh_project(tmp_path_factory) -> Path:
    """A copy of the project's sources with small demonstration data and no build yet."""
    return copy_project(tmp_path_factory.mktemp("standalone"), small_plan=False)


def run_papermill(notebook: str, out: Path, cwd: Path) -> nbformat.NotebookNode:
    """`papermill NOTEBOOK OUT` with the notebook's default parameters, as an analyst would run it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", notebook, str(out)],
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return nbformat.read(out, as_version=4)


@pytest.mark.slow
def test_chapter_notebook_run_by_itself_shows_markdown_and_figures(fresh_project, tmp_path):
    """From the project root, with its default parameters and no build before it: the notebook
    computes the measures, shows the chapter as Markdown and PNG outputs (alt text, label, caption),
    prints nothing, and the book stage makes the chapter from those outputs without a warning."""
    from needs_assessment.content.display import METADATA_KEY
    from needs_assessment.render import notebook_to_markdown

    assert not (fresh_project / "_build").exists()
    nb = run_papermill("notebooks/priority_safer_places.ipynb", tmp_path / "P3.ipynb", fresh_project)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "stream"], "a chapter prints nothing to stdout"
    markdown = [o for o in outputs if "text/markdown" in o.get("data", {})]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert markdown[0].data["text/markdown"] == "# Safer Places and Thriving Communities {#sec-p3}"
    assert any("| Measure | Latest |" in o.data["text/markdown"] for o in markdown)    # the overview table
    figures_dir = fresh_project / "_build" / "demo-2024" / "chapters" / "P3" / "figures"
    assert len(images) == len(list(figures_dir.glob("*.png"))) >= 10
    for image in images:
        own = image.metadata[METADATA_KEY]
        assert own["label"].startswith("fig-p3-") and own["fig-cap"].endswith(".")
        assert len(image.metadata["image/png"]["alt"]) > 50
        assert base64.b64decode(image.data["image/png"]) == (figures_dir / f"{own['label']}.png").read_bytes()

    chapter = tmp_path / "book" / "chapters" / "P3-safer-places.md"
    warnings = notebook_to_markdown(tmp_path / "P3.ipynb", chapter, chapter.parent / "figures")
    assert warnings == []
    text = chapter.read_text()
    for image in images:
        label = image.metadata[METADATA_KEY]["label"]
        assert f"](figures/{label}.png){{#{label} fig-alt=\"" in text
        assert (chapter.parent / "figures" / f"{label}.png").read_bytes() == base64.b64decode(image.data["image/png"])
    assert "@tbl-p3-overview" in text and "{{< include _recommendations/P3/general.md >}}" in text


@pytest.mark.slow
def test_chapter_notebook_runs_from_its_own_folder_as_jupyter_runs_it(fresh_project, tmp_path):
    """Jupyter starts a notebook's kernel in the notebook's folder: the default relative paths are
    found from the project root above it."""
    nb = run_papermill("introduction.ipynb", tmp_path / "C1.ipynb", fresh_project / "notebooks")
    texts = [o.data["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "text/markdown" in o.get("data", {})]
    assert texts[0] == "# Introduction {#sec-c1}"
    assert any(t.startswith("## The plan {.unnumbered}\n\nThe ") and "(@sec-p3)" in t for t in texts)
    assert not (fresh_project / "notebooks" / "_build").exists()
