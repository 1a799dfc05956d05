"""Rendering with real Quarto (where `quarto` is on PATH). Best effort: not exercised in CI here.

A Quarto book's HTML is a multi-page site, so for html the whole site is copied to
`<out_dir>/<basename>-html/` and `<out_dir>/<basename>.html` is a small page that sends the reader
to its index. The typst (PDF) output is a single file, copied to `<out_dir>/<basename>.pdf`.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import yaml

from needs_assessment.render.errors import RenderError
from needs_assessment.render.resources import template_path

QUARTO_FORMAT = {"html": "html", "pdf": "typst"}


def quarto_path() -> str:
    path = shutil.which("quarto")
    if not path:
        raise RenderError("engine 'quarto' was asked for but `quarto` is not on PATH; "
                          "use engine='embedded' (or 'auto')")
    return path


def stage_assets(book_dir: Path) -> None:
    """Copy the house style sheet to where _quarto.yml expects it (styles/house.css)."""
    styles = Path(book_dir) / "styles"
    styles.mkdir(exist_ok=True)
    shutil.copyfile(template_path("house.css"), styles / "house.css")


def _run(args: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"{what}: quarto failed (exit {proc.returncode}):\n"
                          f"{(proc.stderr or proc.stdout).strip()[-4000:]}")


def _output_dir(book_dir: Path) -> Path:
    config = yaml.safe_load((book_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    project = config.get("project") or {}
    return book_dir / str(project.get("output-dir") or "_book")


def _redirect_page(target: str, title: str) -> str:
    t = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={t}"><title>{html.escape(title)}</title>'
            f'</head><body><main><p><a href="{t}">Open {html.escape(title)}</a></p></main></body></html>\n')


def render_book_quarto(book_dir: Path, out_dir: Path, formats, basename: str) -> dict[str, Path]:
    book_dir, out_dir = Path(book_dir), Path(out_dir)
    exe = quarto_path()
    stage_assets(book_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Path] = {}
    output_dir = _output_dir(book_dir)
    for fmt in formats:
        if fmt not in QUARTO_FORMAT:
            raise RenderError(f"unknown output format '{fmt}'; expected html, pdf")
        _run([exe, "render", str(book_dir), "--to", QUARTO_FORMAT[fmt]], book_dir,
             f"{book_dir}: quarto render --to {QUARTO_FORMAT[fmt]}")
        if fmt == "html":
            site = out_dir / f"{basename}-html"
            if site.exists():
                shutil.rmtree(site)
            shutil.copytree(output_dir, site, ignore=shutil.ignore_patterns("*.pdf", "*.typ"))
            page = out_dir / f"{basename}.html"
            page.write_text(_redirect_page(f"{basename}-html/index.html", basename), encoding="utf-8")
            results["html"] = page
        else:
            pdfs = sorted(output_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
            if not pdfs:
                raise RenderError(f"{output_dir}: quarto made no PDF")
            target = out_dir / f"{basename}.pdf"
            shutil.copyfile(pdfs[-1], target)
            results["pdf"] = target
    return results


def render_document_quarto(document_path: Path, out_dir: Path, formats, basename: str) -> dict[str, Path]:
    document_path, out_dir = Path(document_path), Path(out_dir)
    exe = quarto_path()
    out_dir.mkdir(parents=True, exist_ok=True)
    stage_assets(document_path.parent)
    results: dict[str, Path] = {}
    for fmt in formats:
        if fmt not in QUARTO_FORMAT:
            raise RenderError(f"unknown output format '{fmt}'; expected html, pdf")
        ext = "html" if fmt == "html" else "pdf"
        name = f"{basename}.{ext}"
        args = [exe, "render", document_path.name, "--to", QUARTO_FORMAT[fmt], "--output", name]
        if fmt == "html":
            args += ["-M", "embed-resources:true", "-M", "css:styles/house.css"]
        _run(args, document_path.parent, f"{document_path}: quarto render --to {QUARTO_FORMAT[fmt]}")
        made = document_path.parent / name
        if not made.is_file():
            candidates = sorted(document_path.parent.rglob(name), key=lambda p: p.stat().st_mtime)
            if not candidates:
                raise RenderError(f"{document_path}: quarto made no {name}")
            made = candidates[-1]
        target = out_dir / name
        if made.resolve() != target.resolve():
            shutil.move(str(made), target)
        results[fmt] = target
    return results
