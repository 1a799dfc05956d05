"""Rendering with real Quarto (where `quarto` is on PATH). Written for Quarto 1.10.

Before `quarto render`, the staged folder gets what the house publication needs from Quarto's own
features (see _quarto.yml):

* `_extensions/needs-assessment/`: the typst format (`format: needs-assessment-typst`) whose
  template partials carry the house style (typst-template.typ is templates/house.typ, the file
  the embedded renderer uses too), and the filters (filters/typst-text.lua, parts and appendices,
  download links on every HTML page);
* `_includes/before-body.html`: the protective marking and the demonstration notice at the top of
  every HTML page (include-before-body);
* `styles/house.css`;
* `_includes/reference.docx`: the house reference document for Word (render/docx.py makes it, the
  one the embedded renderer uses: heading styles, the protective marking in the page header), set
  as the docx format's `reference-doc`; the house extension's filter puts the demonstration notice
  first in the Word file.

A Quarto book's HTML is a multi-page site: it is copied to the top of `<out_dir>` (index.html,
chapters/, site_libs/, downloads/ from the project's `resources`), and `<out_dir>/<basename>.html`
is a small page that sends the reader to index.html. The typst (PDF) output is a single file, copied to `<out_dir>/<basename>.pdf`.

What Quarto prints as a warning is returned to the caller (the build summary and the manifest's
`render_warnings`); when Quarto fails, `QuartoError` carries Quarto's own error, the files it
names and how to build without Quarto.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from needs_assessment.render.errors import RenderError
from needs_assessment.render.resources import filter_path, font_dirs, template_path

QUARTO_FORMAT = {"html": "html", "pdf": "needs-assessment-typst", "docx": "docx"}
OUTPUT_SUFFIX = {"html": ".html", "pdf": ".pdf", "docx": ".docx"}
REFERENCE_DOCX = "_includes/reference.docx"
EXTENSION = Path(__file__).resolve().parent / "quarto_extension"
EXTENSION_NAME = "needs-assessment"
WRITTEN_FOR = "1.10"
EMBEDDED_HINT = ("To build without Quarto, use the embedded renderer: "
                 "python build.py --renderer embedded (or make report RENDERER=embedded).")

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WARNING = re.compile(r"^\s*(WARNING|WARN)\b[:(]?|^\s*\[WARNING\]|^\s*warning:", re.I)
_ERROR = re.compile(r"^\s*(ERROR|error)\b[:(]?|^\s*\[ERROR\]")
_FILE = re.compile(r"(?<![\w/.-])((?:[\w@.:-]+/)*[\w.-]+\.(?:qmd|md|typ|yml|yaml|lua|ipynb|html|css))"
                   r"(?::(\d+)(?::(\d+))?)?")


class QuartoError(RenderError):
    """Quarto ran and failed. `quarto_output` is what it printed; `files` the files it named."""

    def __init__(self, message: str, quarto_output: str = "", files: list[str] | None = None):
        super().__init__(message)
        self.quarto_output = quarto_output
        self.files = files or []


def quarto_path() -> str:
    path = shutil.which("quarto")
    if not path:
        raise RenderError("engine 'quarto' was asked for but `quarto` is not on PATH; "
                          "use engine='embedded' (or 'auto')")
    return path


# ---------------------------------------------------------------------- staging


def stage_extension(folder: Path) -> Path:
    """Copy the house extension into folder/_extensions/needs-assessment/ (with the shared
    typst style and text filter), replacing an older copy."""
    target = Path(folder) / "_extensions" / EXTENSION_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(EXTENSION, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(template_path("house.typ"), target / "typst-template.typ")
    shutil.copyfile(filter_path("typst-text.lua"), target / "typst-text.lua")
    return target


def notice_html(na: dict) -> str:
    """The protective marking and the demonstration notice for the top of every HTML page."""
    parts = []
    marking = na.get("protective-marking")
    if marking:
        parts.append(f'<div class="na-marking" role="note" aria-label="Protective marking">'
                     f'{html.escape(str(marking).upper())}</div>')
    if na.get("demonstration"):
        parts.append('<div class="na-demo-banner" role="note" aria-label="Demonstration data">'
                     '<strong>Demonstration data.</strong> This publication is made from generated '
                     'demonstration data for a fictional area. It is not official statistics and must '
                     'not be used to make decisions.</div>')
    return "\n".join(parts) + "\n"


def stage_assets(folder: Path, na: dict | None = None, document: bool = False) -> None:
    """Everything `quarto render` needs beside the sources in `folder`: styles, the extension, the
    HTML notice (from the needs-assessment metadata `na`, else _quarto.yml's), and the house
    typeface's folder (DejaVu Sans, shipped by matplotlib) as typst's font-paths in _quarto.yml.
    For a single document (the summary) its _quarto.yml also gets the HTML options the book's
    carries: one self-contained page, the house style sheet, the notice and the download links."""
    folder = Path(folder)
    styles = folder / "styles"
    styles.mkdir(exist_ok=True)
    shutil.copyfile(template_path("house.css"), styles / "house.css")
    stage_extension(folder)
    config_path = folder / "_quarto.yml"
    config = (yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.is_file() else None) or {}
    if na is None:
        na = config.get("needs-assessment") or {}
    includes = folder / "_includes"
    includes.mkdir(exist_ok=True)
    (includes / "before-body.html").write_text(notice_html(na), encoding="utf-8")
    from needs_assessment.render.docx import reference_docx
    reference_docx(folder / REFERENCE_DOCX, str(na.get("protective-marking")) if na.get("protective-marking") else None)
    formats = config.setdefault("format", {})
    docx_format = formats.get("docx")
    if not isinstance(docx_format, dict):
        docx_format = formats["docx"] = {}
    # callout-icon: Quarto draws a callout's icon as an image without alt text
    docx_format.update({"reference-doc": REFERENCE_DOCX, "toc": True, "number-sections": True,
                        "callout-icon": False,
                        "filters": [{"path": f"_extensions/{EXTENSION_NAME}/needs-assessment.lua",
                                     "at": "post-quarto"}]})
    typst_format = formats.get(QUARTO_FORMAT["pdf"])
    if not isinstance(typst_format, dict):
        typst_format = formats[QUARTO_FORMAT["pdf"]] = {}
    typst_format["font-paths"] = [str(p) for p in font_dirs()]
    if document:
        html_format = formats.get("html")
        if not isinstance(html_format, dict):
            html_format = formats["html"] = {}
        html_format.update({"embed-resources": True, "css": "styles/house.css",
                            "include-before-body": "_includes/before-body.html",
                            "filters": [{"path": f"_extensions/{EXTENSION_NAME}/needs-assessment.lua",
                                         "at": "post-quarto"}]})
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


# ---------------------------------------------------------------------- running quarto


def _clean(text: str) -> str:
    return _ANSI.sub("", text or "").replace("\r", "")


def quarto_warnings(output: str) -> list[str]:
    """The warnings in what Quarto printed: its own (WARNING: ...), pandoc's ([WARNING] ...) and
    typst's (warning: ..., with the lines that say where)."""
    found: list[str] = []
    current: list[str] | None = None
    for line in _clean(output).splitlines():
        if _WARNING.match(line):
            if current:
                found.append(" ".join(current))
            current = [line.strip()]
        elif current is not None and line.strip() and (line.startswith((" ", "\t")) or
                                                      line.lstrip().startswith(("┌", "│", "=", "╭"))):
            if len(current) < 6:
                current.append(line.strip())
        else:
            if current:
                found.append(" ".join(current))
            current = None
    if current:
        found.append(" ".join(current))
    seen: set[str] = set()
    return [f"quarto: {w}" for w in found if not (w in seen or seen.add(w))]


def _named_files(output: str, folder: Path) -> list[str]:
    """The files Quarto's error names, those in the staged folder first."""
    names: list[str] = []
    for m in _FILE.finditer(_clean(output)):
        name = m.group(1) + (f":{m.group(2)}" if m.group(2) else "") + (f":{m.group(3)}" if m.group(3) else "")
        if name not in names:
            names.append(name)
    local = [n for n in names if (folder / n.split(":")[0]).exists()]
    return local + [n for n in names if n not in local]


def _error_excerpt(output: str, limit: int = 40) -> str:
    lines = [ln.rstrip() for ln in _clean(output).splitlines() if ln.strip()]
    first_error = next((i for i, ln in enumerate(lines) if _ERROR.match(ln)), None)
    if first_error is not None:
        lines = lines[first_error:]
    return "\n".join("    " + ln for ln in lines[-limit:])


def run_quarto(args: list[str], cwd: Path, what: str, warnings_out: list[str] | None) -> str:
    """Run quarto; return what it printed. Its warnings go to warnings_out; a failure raises
    QuartoError with its own error, the files it names and how to build without Quarto."""
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", env=env)
    except OSError as exc:
        raise QuartoError(f"{what}: could not run Quarto ({exc}).\n{EMBEDDED_HINT}") from exc
    output = (proc.stderr or "") + ("\n" + proc.stdout if proc.stdout else "")
    if proc.returncode != 0:
        files = _named_files(output, Path(cwd))
        where = ("\nThe files it names: " + ", ".join(files[:5])) if files else ""
        raise QuartoError(
            f"Quarto could not render the publication: {what} stopped (exit {proc.returncode}).\n"
            f"Quarto said:\n{_error_excerpt(output)}{where}\n"
            f"Nothing was published from this render. This project is written for Quarto "
            f"{WRITTEN_FOR}; see `quarto --version`.\n{EMBEDDED_HINT}",
            quarto_output=output, files=files)
    if warnings_out is not None:
        warnings_out.extend(quarto_warnings(output))
    return output


def _output_dir(book_dir: Path) -> Path:
    config = yaml.safe_load((book_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    project = config.get("project") or {}
    return book_dir / str(project.get("output-dir") or "_book")


def _redirect_page(target: str, title: str) -> str:
    t = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0; url={t}"><title>{html.escape(title)}</title>'
            f'</head><body><main><p><a href="{t}">Open {html.escape(title)}</a></p></main></body></html>\n')


def _unsupported(fmt: str) -> RenderError:
    return RenderError(f"unknown output format '{fmt}'; expected html, pdf, docx")


def _check_formats(formats) -> None:
    for fmt in formats:
        if fmt not in QUARTO_FORMAT:
            raise _unsupported(fmt)


def render_book_quarto(book_dir: Path, out_dir: Path, formats, basename: str,
                       warnings_out: list[str] | None = None) -> dict[str, Path]:
    _check_formats(formats)
    book_dir, out_dir = Path(book_dir).resolve(), Path(out_dir).resolve()
    exe = quarto_path()
    stage_assets(book_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Path] = {}
    output_dir = _output_dir(book_dir)
    for fmt in formats:
        if fmt not in QUARTO_FORMAT:
            raise _unsupported(fmt)
        args = [exe, "render", str(book_dir), "--to", QUARTO_FORMAT[fmt]]
        run_quarto(args, book_dir, f"quarto render {book_dir} --to {QUARTO_FORMAT[fmt]}", warnings_out)
        if fmt == "html":
            # The site becomes the top of the publication, so that the links every page carries
            # (needs-assessment.pdf, the summary, downloads/) resolve beside it.
            shutil.copytree(output_dir, out_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.pdf", "*.typ", "*.docx"))
            page = out_dir / f"{basename}.html"
            if not (output_dir / page.name).exists():
                page.write_text(_redirect_page("index.html", basename), encoding="utf-8")
            results["html"] = page
        else:
            suffix = OUTPUT_SUFFIX[fmt]
            made = sorted(output_dir.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime)
            if not made:
                raise QuartoError(f"{output_dir}: quarto render --to {QUARTO_FORMAT[fmt]} finished but "
                                  f"made no {suffix} file.\n{EMBEDDED_HINT}")
            target = out_dir / f"{basename}{suffix}"
            shutil.copyfile(made[-1], target)
            results[fmt] = target
    return results


def render_document_quarto(document_path: Path, out_dir: Path, formats, basename: str,
                           warnings_out: list[str] | None = None) -> dict[str, Path]:
    _check_formats(formats)
    document_path, out_dir = Path(document_path).resolve(), Path(out_dir).resolve()
    exe = quarto_path()
    out_dir.mkdir(parents=True, exist_ok=True)
    from needs_assessment.render.project import split_front_matter
    front, _, _ = split_front_matter(document_path.read_text(encoding="utf-8"), document_path)
    stage_assets(document_path.parent, front.get("needs-assessment") or {}, document=True)
    results: dict[str, Path] = {}
    for fmt in formats:
        if fmt not in QUARTO_FORMAT:
            raise _unsupported(fmt)
        name = f"{basename}{OUTPUT_SUFFIX[fmt]}"
        args = [exe, "render", document_path.name, "--to", QUARTO_FORMAT[fmt], "--output", name]
        run_quarto(args, document_path.parent,
                   f"quarto render {document_path} --to {QUARTO_FORMAT[fmt]}", warnings_out)
        made = document_path.parent / name
        if not made.is_file():
            candidates = sorted(document_path.parent.rglob(name), key=lambda p: p.stat().st_mtime)
            if not candidates:
                raise QuartoError(f"{document_path}: quarto made no {name}.\n{EMBEDDED_HINT}")
            made = candidates[-1]
        target = out_dir / name
        if made.resolve() != target.resolve():
            shutil.move(str(made), target)
        results[fmt] = target
    return results
