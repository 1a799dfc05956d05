"""Where the renderer's own files are: templates (HTML, CSS, typst) and pandoc Lua filters."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
FILTERS = HERE / "filters"


def template_path(name: str) -> Path:
    return TEMPLATES / name


def filter_path(name: str) -> Path:
    return FILTERS / name


def font_dirs() -> list[Path]:
    """Font folders for typst. The house font is DejaVu Sans, which matplotlib (a pinned
    dependency) ships in its own package data, so the PDF looks the same on a fresh Debian
    machine with no font packages. typst's own embedded fonts (Libertinus Serif, New Computer
    Modern, DejaVu Sans Mono) are always there as a fallback."""
    spec = importlib.util.find_spec("matplotlib")
    dirs: list[Path] = []
    if spec is not None and spec.origin:
        ttf = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        if ttf.is_dir():
            dirs.append(ttf)
    return dirs
