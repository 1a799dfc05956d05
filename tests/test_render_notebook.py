"""notebook_to_markdown: an executed notebook (outputs written by hand here) to a Quarto chapter."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from needs_assessment.render import NotebookRenderError, notebook_to_markdown, render_book
from needs_assessment.render.inspect_html import parse_html


def tiny_png() -> str:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), "#1d70b8").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def code(source: str, outputs: list) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.outputs = outputs
    return cell


def stdout(text: str):
    return new_output("stream", name="stdout", text=text)


TABLE_MD = "| District | Rate |\n|:--|--:|\n| Ashby Vale | 34.2 |\n| Brookmere | 28.9 |"


def build_notebook(path: Path, figures: Path) -> None:
    png = tiny_png()
    # A figure the notebook saved itself and then printed as markdown (asis).
    figures.mkdir(parents=True, exist_ok=True)
    (figures / "fig-saved.png").write_bytes(base64.b64decode(png))
    nb = new_notebook(cells=[
        new_markdown_cell("# Safer places {#sec-p3}\n\nIntro text for the chapter."),
        code("#| tags: [parameters]\ncycle = 'demo-2024'", []),
        code("#| echo: true\nSECRET_CODE_MARKER = 1\nprint('debug print')",
             [stdout("debug print\n")]),
        code("#| output: asis\nprint('## Neighbourhood crime {#sec-p3-nc}')\nprint()\nprint('Rate was **31.4**.')",
             [stdout("## Neighbourhood crime {#sec-p3-nc}\n"), stdout("\n"), stdout("Rate was **31.4**.\n"),
              new_output("display_data", data={"text/markdown": "Also shown: @fig-p3-trend.",
                                                "text/plain": "<IPython.core.display.Markdown object>"})]),
        code("#| label: fig-p3-trend\n#| fig-cap: Neighbourhood crime, 2019 to 2024\n"
             "#| fig-alt: A line falling from 36 to 31 per 1,000 households.\nplot()",
             [new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 640x480>"})]),
        code("#| label: tbl-p3-districts\n#| tbl-cap: Rates by district\nshow_table()",
             [new_output("display_data", data={"text/markdown": TABLE_MD, "text/plain": "table"})]),
        code("df.head()", [new_output("execute_result", data={"text/plain": "   a  b\n0  1  2"},
                                      execution_count=3)]),
        code("#| output: false\nprint('hidden')", [stdout("hidden\n")]),
        code("#| output: asis\nsave_and_print()",
             [stdout('![Saved by the notebook](figures/fig-saved.png){#fig-saved fig-alt="Saved figure."}\n')]),
        code("display(Markdown('See @tbl-p3-districts.'))",
             [new_output("display_data", data={"text/markdown": "See @tbl-p3-districts.",
                                                "text/plain": "<Markdown>"})]),
        code("import warnings; warnings.warn('x')",
             [new_output("stream", name="stderr", text="UserWarning: x\n")]),
        code("df", [new_output("execute_result", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                       "text/plain": "df"}, execution_count=9)]),
    ])
    nbformat.write(nb, str(path))


@pytest.fixture()
def converted(tmp_path):
    chapters = tmp_path / "chapters"
    figures = chapters / "figures"
    nb_path = tmp_path / "priority_safer_places.ipynb"
    build_notebook(nb_path, figures)
    md_path = chapters / "P3-safer-places.md"
    warnings = notebook_to_markdown(nb_path, md_path, figures)
    return {"md": md_path.read_text(), "warnings": warnings, "figures": figures, "tmp": tmp_path,
            "md_path": md_path}


def test_markdown_cells_pass_through_and_code_never_shown(converted):
    md = converted["md"]
    assert md.startswith("# Safer places {#sec-p3}\n\nIntro text for the chapter.")
    assert "SECRET_CODE_MARKER" not in md and "print(" not in md and "#|" not in md
    assert "cycle = " not in md


def test_asis_stdout_and_markdown_emitted_raw(converted):
    md = converted["md"]
    assert "## Neighbourhood crime {#sec-p3-nc}\n\nRate was **31.4**." in md
    assert "Also shown: @fig-p3-trend." in md
    assert "See @tbl-p3-districts." in md          # text/markdown display without asis


def test_figure_written_with_label_caption_and_alt(converted):
    md = converted["md"]
    assert ('![Neighbourhood crime, 2019 to 2024](figures/fig-p3-trend.png)'
            '{#fig-p3-trend fig-alt="A line falling from 36 to 31 per 1,000 households."}') in md
    assert (converted["figures"] / "fig-p3-trend.png").read_bytes().startswith(b"\x89PNG")
    assert "<Figure size" not in md


def test_table_gets_quarto_caption_line(converted):
    assert TABLE_MD + "\n\n: Rates by district {#tbl-p3-districts}" in converted["md"]


def test_reprs_false_output_stderr_and_html_dropped(converted):
    md, warnings = converted["md"], converted["warnings"]
    assert "0  1  2" not in md and "hidden" not in md and "debug print" not in md
    assert "<table>" not in md and "UserWarning" not in md
    assert any("debug print" in w and "output: asis" in w for w in warnings)
    assert any("stderr" in w for w in warnings)
    assert any("HTML output dropped" in w for w in warnings)


def test_figure_saved_by_notebook_passes_through(converted):
    assert '![Saved by the notebook](figures/fig-saved.png){#fig-saved fig-alt="Saved figure."}' in converted["md"]


def test_error_output_raises_naming_the_cell(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# Chapter"),
        code("#| label: fig-broken\n1/0", [new_output("error", ename="ZeroDivisionError",
                                                     evalue="division by zero",
                                                     traceback=["\x1b[31mZeroDivisionError\x1b[0m"])]),
    ])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(NotebookRenderError) as info:
        notebook_to_markdown(path, tmp_path / "out.md", tmp_path / "figures")
    message = str(info.value)
    assert "broken.ipynb, cell 2 (fig-broken)" in message and "ZeroDivisionError" in message
    assert "\x1b[" not in message


def test_invalid_cell_options_are_an_error(tmp_path):
    nb = new_notebook(cells=[code("#| label: [unclosed\nx = 1", [])])
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(NotebookRenderError, match=r"bad.ipynb, cell 1: the `#\|` cell options"):
        notebook_to_markdown(path, tmp_path / "out.md", tmp_path / "figures")


def test_converted_chapter_renders_in_a_book(converted):
    """The chapter a notebook makes goes through the embedded renderer: numbered, cross-referenced."""
    book = converted["tmp"]
    (book / "index.md").write_text("# About {.unnumbered}\n\nPreface.\n")
    (book / "_quarto.yml").write_text(
        "project: {type: book}\nbook:\n  title: Test\n  chapters: [index.md, chapters/P3-safer-places.md]\n"
        "lang: en-GB\nnumber-sections: true\n")
    res = render_book(book, book / "_out", formats=("html",), engine="embedded")
    page = parse_html(res["html"].read_text())
    fig = page.find("figure", id="fig-p3-trend")
    assert fig.find("img").attrs["alt"] == "A line falling from 36 to 31 per 1,000 households."
    assert fig.find("figcaption").text.replace("\u00a0", " ").startswith("Figure 1.1: Neighbourhood crime")
    assert page.find("table", id="tbl-p3-districts").find("caption").text.replace("\u00a0", " ") \
        == "Table 1.1: Rates by district"
    xrefs = {a.text.replace("\u00a0", " ") for a in page.find_all("a", cls="quarto-xref")}
    assert {"Figure 1.1", "Table 1.1"} <= xrefs
    assert re.sub(r"\s+", " ", page.find("figure", id="fig-saved").find("figcaption").text).replace(
        "\u00a0", " ").startswith("Figure 1.2: Saved by the notebook")


def test_each_image_output_brings_its_own_label_caption_and_alt(tmp_path):
    """Output metadata first (IPython's `Image(alt=...)` place for alt text, the project's key for
    label and caption), so one cell shows several numbered figures; missing ones are warned about."""
    png = tiny_png()
    nb = new_notebook(cells=[
        code("#| label: fig-cell\n#| fig-cap: From the cell options\nImage(png, alt='Alt from IPython.')",
             [new_output("display_data", data={"image/png": png, "text/plain": "<Image>"},
                         metadata={"image/png": {"alt": "Alt from IPython."}})]),
        code("chapter.sections()", [
            new_output("display_data", data={"image/png": png, "text/plain": "alt one"},
                       metadata={"image/png": {"alt": "Alt one."},
                                 "needs-assessment": {"label": "fig-one", "fig-cap": "Caption one"}}),
            new_output("display_data", data={"text/markdown": "*Caption one*", "text/plain": "Caption one"},
                       metadata={"needs-assessment": {"caption-of": "fig-one"}}),
            new_output("display_data", data={"image/png": png, "text/plain": "no alt"},
                       metadata={"needs-assessment": {"label": "fig-two", "fig-cap": ""}}),
        ]),
    ])
    path = tmp_path / "figs.ipynb"
    nbformat.write(nb, str(path))
    warnings = notebook_to_markdown(path, tmp_path / "out.md", tmp_path / "figures")
    md = (tmp_path / "out.md").read_text()
    assert '![From the cell options](figures/fig-cell.png){#fig-cell fig-alt="Alt from IPython."}' in md
    assert '![Caption one](figures/fig-one.png){#fig-one fig-alt="Alt one."}' in md
    assert "*Caption one*" not in md
    assert "![](figures/fig-two.png){#fig-two}" in md
    assert any("#fig-two has no fig-alt" in w for w in warnings)
    assert any("#fig-two has no fig-cap" in w for w in warnings)
    assert not any("more than one image" in w for w in warnings)
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {"fig-cell.png", "fig-one.png", "fig-two.png"}
