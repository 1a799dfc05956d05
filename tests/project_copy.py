"""A copy of the project for tests that build: its sources and demonstration data in a temporary
folder, so a test never touches the project's own `_build/`, `_output/`, data or reviewers' files."""

from __future__ import annotations

import shutil
from pathlib import Path

from needs_assessment.demo.generate import generate_demo_data
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SMALL_PLAN = "tests/fixtures/small_plan"
SOURCES = ("_quarto.yml", "params", "notebooks", "recommendations")


def copy_project(root: Path, *, sources: tuple[str, ...] = SOURCES, small_plan: bool = True,
                 scale: float = 0.1) -> Path:
    """`sources` copied into `root`, the small plan (`tests/fixtures/small_plan/`) too unless
    `small_plan` is False, and the demonstration data generated at `scale` (1: the full demonstration)."""
    for name in sources:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    if small_plan:
        shutil.copytree(ROOT / SMALL_PLAN, root / SMALL_PLAN)
    generate_demo_data(root / "data" / "demo", load_params(ROOT / "params" / "demo-2024.yml"), scale=scale)
    return root
