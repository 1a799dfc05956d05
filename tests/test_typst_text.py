"""Text that starts a table cell or a list item reaches typst as text (filters/typst-text.lua).

Runs pandoc's typst writer (pypandoc-binary, the pandoc both renderers use; Quarto 1.10 ships the
same pandoc 3.9) and typst (PyPI) on tables whose cells start with each character typst reads as
markup at the start of a line, under a heading rule that breaks the page the way a book template
does before a chapter (Quarto's default typst book, orange-book, does exactly this). A heading that
slipped into a cell makes typst fail ("pagebreaks are not allowed inside of containers"); a list or
term slipped into a cell changes its text ("+ 0.1" shows as "1. 0.1", "- 4" as "• 4").
"""

from __future__ import annotations

import io
import json
import re

import pytest
import typst
from pypdf import PdfReader

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.resources import filter_path

PAGEBREAK_BEFORE_HEADINGS = "#show heading: it => { pagebreak(); it }\n#set page(height: auto)\n"

# The characters the issue names, each followed by a space and a word, alone, and hard against
# text; plus the comparison marker as the chapters write it and a numbered-list look-alike.
MARKUP_STARTS = ["=", "+", "-", "/", "#", "$", "*"]
CELLS = ([f"{c} Similar" for c in MARKUP_STARTS] + MARKUP_STARTS + [f"{c}x" for c in MARKUP_STARTS]
         + ["== two", "/ term: definition", "1. first", "12. twelfth", "-4.6 pp", "+0.1 pp"])
MARKER_CELL = '[=]{aria-hidden="true"} Similar'


def markdown_table(cells: list[str], marker: bool = True) -> str:
    escaped = [c.replace("|", r"\|").replace("$", r"\$").replace("*", r"\*").replace("#", r"\#")
               for c in cells]
    rows = "\n".join(f"| {i} | {c} |" for i, c in enumerate(escaped))
    last = f"| {len(cells)} | {MARKER_CELL} |\n" if marker else ""
    return f"| n | cell |\n|---|---|\n{rows}\n{last}"


def markdown_list(items: list[str]) -> str:
    # a backslash keeps the markdown reader from reading "+ x" as a nested list itself
    return "\n".join(f"- \\{i}" if i[:1] in "=+-/#$*" else f"- {i}" for i in items) + "\n"


def to_typst(markdown: str, with_filter: bool) -> str:
    args = ["--from", "markdown", "--to", "typst", "--wrap", "auto", "--columns", "30"]
    if with_filter:
        args += ["--lua-filter", str(filter_path("typst-text.lua"))]
    return pa.run_pandoc(args, input_text=markdown, what="test")


def pdf_text(typst_body: str) -> tuple[int, str]:
    pdf = typst.compile((PAGEBREAK_BEFORE_HEADINGS + typst_body).encode("utf-8"))
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def normal(text: str) -> str:
    """Extracted text with one kind of space and one minus sign (typst sets -4.6 with U+2212)."""
    return re.sub(r"\s+", " ", text.replace("\u2212", "-")).strip()


def test_the_problem_is_real_without_the_filter():
    """Guards the test itself: pandoc alone writes `[= Similar]`, which typst cannot set."""
    source = to_typst(markdown_table(["= Similar"]), with_filter=False)
    assert "[= Similar]" in source
    with pytest.raises(typst.TypstError, match="pagebreak"):
        pdf_text(source)
    pages, text = pdf_text(to_typst(markdown_table(["+ 0.1"], marker=False), with_filter=False))
    assert "1. 0.1" in normal(text)        # a numbered list, not the text


def test_cells_that_start_with_markup_characters_are_set_as_text():
    source = to_typst(markdown_table(CELLS), with_filter=True)
    pages, text = pdf_text(source)
    assert pages == 1                      # no heading (so no page break) came out of a cell
    lines = [normal(line) for line in text.splitlines()]
    for i, cell in enumerate(CELLS):
        assert f"{i} {cell}" in lines, (cell, [ln for ln in lines if ln.startswith(f"{i} ")])
    assert f"{len(CELLS)} = Similar" in lines
    assert "•" not in text


def test_list_items_that_start_with_markup_characters_are_set_as_text():
    items = [f"{c} item" for c in MARKUP_STARTS] + ["1. item"]
    source = to_typst(markdown_list(items), with_filter=True)
    pages, text = pdf_text(source)
    assert pages == 1
    lines = [normal(line) for line in text.splitlines()]
    for item in items:
        assert f"• {item}" in lines, (item, lines)


def test_a_line_after_a_line_break_in_a_cell_is_text_too():
    doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": [
        pa.el("BulletList", [[pa.plain([pa.el("Str", "first"), pa.el("LineBreak"),
                                        pa.el("Str", "="), pa.el("Space"), pa.el("Str", "second")])]])]}
    source = pa.run_pandoc(["--from", "json", "--to", "typst", "--lua-filter",
                            str(filter_path("typst-text.lua"))], input_text=json.dumps(doc), what="test")
    pages, text = pdf_text(source)
    assert pages == 1 and "= second" in normal(text)


def test_other_formats_are_left_alone():
    html = pa.run_pandoc(["--from", "markdown", "--to", "html", "--lua-filter",
                          str(filter_path("typst-text.lua"))], input_text=markdown_table(["= Similar"]),
                         what="test")
    assert "<td>= Similar</td>" in html
