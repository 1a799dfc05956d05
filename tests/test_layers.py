"""The package's layers: each stage imports only from itself and the stages below it (the
import-linter contracts in pyproject.toml), and no module imports another that imports it back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the package found in `project`, with the contracts of its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(project), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(project / "pyproject.toml")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_contracts_are_kept():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_an_import_that_goes_up_a_stage_breaks_the_contract_naming_both_modules(tmp_path):
    shutil.copytree(ROOT / "needs_assessment", tmp_path / "needs_assessment",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lower = tmp_path / "needs_assessment" / "measures" / "result.py"
    # measures -> content is one stage up; inside a function, so only the linter can see it
    lower.write_text(lower.read_text() + "\n\ndef _upwards():\n    from ..content import findings\n"
                     "    return findings\n")

    run = lint_imports(tmp_path)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "Stages import only downwards" in run.stdout and "BROKEN" in run.stdout
    assert "needs_assessment.measures.result -> needs_assessment.content.findings" in run.stdout, run.stdout
    assert "Contracts: 1 kept, 1 broken." in run.stdout


def test_no_module_of_the_package_imports_one_that_imports_it_back():
    graph = grimp.build_graph("needs_assessment")
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = [scc for scc in strongly_connected(imports) if len(scc) > 1]
    assert cycles == []


def test_strongly_connected_finds_a_cycle():
    # the helper the test above relies on, on a graph with one cycle of three and one loose module
    found = strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert sorted(sorted(s) for s in found) == [["a", "b", "c"], ["d"]]


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
    return out
