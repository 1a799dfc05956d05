"""Render stage: executed notebooks -> Quarto markdown chapters -> one HTML page and one PDF.

Public API:

* ``notebook_to_markdown(notebook_path, markdown_path, figures_dir) -> list[str]`` (warnings):
  an executed notebook to a Quarto markdown chapter (code is never shown; see notebook.py).
* ``render_book(book_dir, out_dir, formats=("html", "pdf"), engine="auto",
  basename="needs-assessment") -> dict[str, Path]``: a staged Quarto book folder to
  ``out_dir/<basename>.html`` and ``.pdf``.
* ``render_document(document_path, out_dir, formats=..., engine="auto", basename=...)``: the same
  for a single Quarto document (.md with YAML front matter).

``engine``: "quarto" runs real Quarto (``quarto render``); "embedded" renders the same sources
in-process with pandoc and typst (this package's own renderer, same house style); "auto" uses
quarto when it is on PATH, else embedded. A failed Quarto render raises
``render.quarto.QuartoError`` (Quarto's own error, the files it names, how to build without it);
the build's ``--renderer auto`` then renders the whole publication with the embedded renderer.

Both render functions take ``cache_dir`` (embedded renderer: what pandoc read and wrote for each
chapter is kept there, so the next render reads and writes only the chapters that changed, with the
same output),
``warnings_out`` (a list that receives the render's warnings, e.g.
unresolved cross-references, or what Quarto printed as a warning) and ``strict`` (raise RenderError on an unresolved cross-reference).
Warnings are also issued as ``RenderWarning`` and logged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from needs_assessment.render.errors import (NotebookRenderError, RenderError, RenderWarning,
                                            ShortcodeError)
from needs_assessment.render.notebook import notebook_to_markdown

__all__ = [
    "notebook_to_markdown", "render_book", "render_document", "choose_engine",
    "RenderError", "NotebookRenderError", "ShortcodeError", "RenderWarning",
]

DEFAULT_FORMATS = ("html", "pdf")


def choose_engine(engine: str = "auto") -> str:
    """'quarto' or 'embedded' for the engine asked for."""
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "embedded"
    if engine not in ("quarto", "embedded"):
        raise RenderError(f"unknown render engine '{engine}'; expected auto, quarto or embedded")
    return engine


def render_book(book_dir: Path, out_dir: Path, formats=DEFAULT_FORMATS, engine: str = "auto",
                basename: str = "needs-assessment", *, warnings_out: list[str] | None = None,
                strict: bool = False, cache_dir: Path | None = None) -> dict[str, Path]:
    """Render a staged Quarto book folder; return {"html": path, "pdf": path} for the formats."""
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if choose_engine(engine) == "quarto":
        from needs_assessment.render.quarto import render_book_quarto
        return render_book_quarto(Path(book_dir), Path(out_dir), formats, basename,
                                  warnings_out=warnings_out)
    from needs_assessment.render.embedded import render_publication
    from needs_assessment.render.project import load_book
    return render_publication(load_book(Path(book_dir)), Path(out_dir), formats, basename,
                              warnings_out=warnings_out, strict=strict, cache_dir=cache_dir)


def render_document(document_path: Path, out_dir: Path, formats=DEFAULT_FORMATS, engine: str = "auto",
                    basename: str | None = None, *, warnings_out: list[str] | None = None,
                    strict: bool = False, cache_dir: Path | None = None) -> dict[str, Path]:
    """Render one Quarto document (front matter: title, subtitle, author, date, lang,
    needs-assessment); basename defaults to the document's file name without .md."""
    document_path = Path(document_path)
    basename = basename or document_path.stem
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if choose_engine(engine) == "quarto":
        from needs_assessment.render.quarto import render_document_quarto
        return render_document_quarto(document_path, Path(out_dir), formats, basename,
                                      warnings_out=warnings_out)
    from needs_assessment.render.embedded import render_publication
    from needs_assessment.render.project import load_document
    return render_publication(load_document(document_path), Path(out_dir), formats, basename,
                              warnings_out=warnings_out, strict=strict, cache_dir=cache_dir)
