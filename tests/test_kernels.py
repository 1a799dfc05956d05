"""Warm kernels (pipeline/kernels.py): a worker's notebooks run in turn in one kernel, and each of them
sees what a new kernel would show. Runs real kernels."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from needs_assessment.pipeline.runner import KERNEL_NAME, NotebookJob, run_notebooks

pytestmark = pytest.mark.slow

# A module outside the notebooks: a warning raised at one place in it is shown once per process
# unless the once-only registry is reset, as a new kernel's would be.
WARNS = "import warnings\n\ndef warn():\n    warnings.warn('the same place warns again')\n"


def notebook(*cells: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "test", "language": "python"}
    params = nbformat.v4.new_code_cell("label = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


# Leaves behind everything a reused kernel could carry over: names, folder, environment, sys.path,
# a warnings filter, and a once-only warning already shown.
LEAVES_STATE = notebook(
    "import os, sys, warnings, warns\nwarns.warn()",
    "leftover = 1\nos.chdir('/')\nos.environ['NA_TEST_LEFTOVER'] = '1'\nsys.path.append('/nowhere')\n"
    "warnings.simplefilter('error', DeprecationWarning)",
    "print('pid', os.getpid())")
# What a new kernel shows.
LOOKS_FRESH = notebook(
    "import os, sys, warnings, warns\nwarns.warn()",
    "print('pid', os.getpid())\n"
    "print('leftover' in globals(), os.getcwd(), os.environ.get('NA_TEST_LEFTOVER'), '/nowhere' in sys.path)\n"
    "warnings.warn('deprecated', DeprecationWarning)\nprint('after the warning')")
FAILS = notebook("import os\nprint('pid', os.getpid())", "1 / 0")
DIES = notebook("import os\nprint('pid', os.getpid())", "os._exit(1)")


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "warns.py").write_text(WARNS)
    for name, nb in {"leaves": LEAVES_STATE, "fresh": LOOKS_FRESH, "fails": FAILS, "dies": DIES}.items():
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    return tmp_path


def run(folder: Path, names: list[str], warm: bool, out: str = "out"):
    jobs = [NotebookJob(f"{i}-{n}", n, folder / f"{n}.ipynb", folder / out / f"{i}-{n}.ipynb",
                        {"label": n}, folder) for i, n in enumerate(names)]
    # one worker: every notebook in the same worker, one after another, in order
    return jobs, run_notebooks(jobs, 1, warm=warm)


def cells(path: Path) -> list[tuple[int | None, str]]:
    nb = json.loads(path.read_text())
    return [(c["execution_count"], "".join("".join(o.get("text", "")) + o.get("ename", "") for o in c["outputs"]))
            for c in nb["cells"] if c["cell_type"] == "code"]


def pid(path: Path) -> str:
    return next(line for _, text in cells(path) for line in text.splitlines() if line.startswith("pid "))


def without_pid(path: Path) -> list[tuple[int | None, str]]:
    """The cells with the kernel's process id (printed, and in IPython's cell file names) as PID."""
    number = pid(path)[len("pid "):]
    return [(count, text.replace(number, "PID")) for count, text in cells(path)]


def test_a_reused_kernel_shows_each_notebook_what_a_new_kernel_shows(folder):
    jobs, outcomes = run(folder, ["leaves", "fresh"], warm=True)
    assert [o.status for o in outcomes.values()] == ["done", "done"]
    leaves, fresh = (job.output for job in jobs)
    assert pid(leaves) == pid(fresh), "the second notebook did not run in the first one's kernel"
    shown = cells(fresh)
    # (the parameters cell, papermill's injected one, then the notebook's two) counted from 1 again,
    # the warning shown again, nothing left over, the DeprecationWarning a warning (not the error
    # the first notebook's filter would make it)
    assert [count for count, _ in shown] == [1, 2, 3, 4]
    assert "the same place warns again" in shown[2][1]
    assert f"False {folder} None False" in shown[3][1]
    assert "after the warning" in shown[3][1]
    # and the record is the one a new kernel writes, but for the process id
    run(folder, ["fresh"], warm=False, out="alone")
    assert without_pid(fresh) == without_pid(folder / "alone" / "0-fresh.ipynb")


def test_after_a_failed_notebook_the_next_starts_a_new_kernel(folder):
    jobs, outcomes = run(folder, ["fails", "fresh", "dies", "fresh"], warm=True)
    statuses = [outcomes[job.key] for job in jobs]
    assert [o.status for o in statuses] == ["failed", "done", "failed", "done"]
    assert "ZeroDivisionError" in statuses[0].error and "cell 4 (In [4])" in statuses[0].error
    assert "DeadKernelError" in statuses[2].error or "died" in statuses[2].error.lower()
    failed, after_failure, _, after_death = (job.output for job in jobs)
    assert pid(failed) != pid(after_failure)
    assert pid(after_death) != pid(after_failure)     # the kernel that died was replaced
    assert without_pid(after_death) == without_pid(after_failure)


def test_fresh_kernels_start_one_kernel_per_notebook(folder):
    jobs, outcomes = run(folder, ["fresh", "fresh"], warm=False)
    assert [o.status for o in outcomes.values()] == ["done", "done"]
    assert pid(jobs[0].output) != pid(jobs[1].output)


def test_a_reused_kernel_keeps_what_the_reset_left_out_of_the_collectors_walks(tmp_path):
    # the objects that survive the reset (the imported modules) are frozen, so later collections
    # skip them; the collector still runs, and still frees a cycle the notebook makes
    counts = notebook("import gc, os\nprint('pid', os.getpid())\nprint('frozen', gc.get_freeze_count())",
                      "class Node: pass\na, b = Node(), Node()\na.other, b.other = b, a\ndel a, b\n"
                      "print('enabled', gc.isenabled(), 'freed', gc.collect() >= 2)")
    nbformat.write(counts, tmp_path / "counts.ipynb")
    jobs, outcomes = run(tmp_path, ["counts", "counts"], warm=True)
    assert [o.status for o in outcomes.values()] == ["done", "done"]
    first, second = (cells(job.output) for job in jobs)
    assert pid(jobs[0].output) == pid(jobs[1].output)
    frozen = [int(text.split("frozen ")[1].split()[0]) for text in (first[2][1], second[2][1])]
    assert frozen[0] == 0 and frozen[1] > 10_000, frozen
    assert "enabled True freed True" in first[3][1] and "enabled True freed True" in second[3][1]
