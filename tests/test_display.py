"""display.Content and Figure: what a chapter notebook shows, and that the book gets the same chapter
from those outputs (through notebook_to_markdown) as from the content's own Markdown form."""

from __future__ import annotations

import base64
import io

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from needs_assessment.content.display import METADATA_KEY, Content, Figure
from needs_assessment.render import notebook_to_markdown


def png_bytes(colour: str = "#1d70b8") -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(buf, format="PNG")
    return buf.getvalue()


def figure(label: str, colour: str = "#1d70b8") -> Figure:
    return Figure(png_bytes(colour), label, f"Caption of {label}. Source: police.uk.",
                  f'Line chart of {label}: "quoted" and \\ backslash.', f"figures/{label}.png")


def chapter_content() -> Content:
    """Shaped like a chapter's sections: finding, figure, data link, table, two figures in a row."""
    first, second, third = figure("fig-x-trend"), figure("fig-x-district", "#d4351c"), figure("fig-x-msg")
    section = Content.join("\n", [
        "## Crime {#sec-x-crime}\n", "*What it counts.*\n", "**Crime.** It fell (@fig-x-trend).\n",
        Content(first, "\n\nData for @fig-x-trend: [fig-x-trend.csv](downloads/fig-x-trend.csv)\n"),
        "| A | B |\n|--|--|\n| 1 | 2 |\n\n: A table {#tbl-x}\n",
        Content(second, "\n"), Content(third, "\n"),
        "### Recommendations {.unnumbered}\n\n{{< include _recommendations/X/crime.md >}}\n",
    ])
    return "# Chapter {#sec-x}\n\n" + section


def test_text_and_figures_keep_their_order_and_merge_adjacent_text():
    content = chapter_content()
    kinds = ["figure" if isinstance(p, Figure) else "text" for p in content.parts]
    assert kinds == ["text", "figure", "text", "figure", "text", "figure", "text"]
    assert [f.label for f in content.figures] == ["fig-x-trend", "fig-x-district", "fig-x-msg"]
    assert str(content).startswith("# Chapter {#sec-x}\n\n## Crime {#sec-x-crime}\n")


def test_markdown_form_references_each_figure_with_label_caption_and_escaped_alt():
    text = str(chapter_content())
    assert ('![Caption of fig-x-trend. Source: police.uk.](figures/fig-x-trend.png)'
            '{#fig-x-trend fig-alt="Line chart of fig-x-trend: \\"quoted\\" and \\\\ backslash."}') in text


def test_outputs_are_markdown_and_png_with_alt_text_label_and_caption():
    outputs = chapter_content().outputs()
    images = [(d, m) for d, m in outputs if "image/png" in d]
    assert len(images) == 3
    data, metadata = images[0]
    assert base64.b64decode(data["image/png"]) == png_bytes()
    assert metadata["image/png"]["alt"].startswith("Line chart of fig-x-trend")
    assert data["text/plain"] == metadata["image/png"]["alt"]      # a text-only front end reads the alt text
    assert metadata[METADATA_KEY] == {"label": "fig-x-trend", "fig-cap": "Caption of fig-x-trend. Source: police.uk."}
    # the caption, shown to the notebook's reader right after its figure, marked as the figure's
    after = outputs[outputs.index(images[0]) + 1]
    assert after == ({"text/markdown": "*Caption of fig-x-trend. Source: police.uk.*",
                      "text/plain": "Caption of fig-x-trend. Source: police.uk."},
                     {METADATA_KEY: {"caption-of": "fig-x-trend"}})
    texts = [d["text/markdown"] for d, m in outputs if "text/markdown" in d and not m]
    assert texts[0].startswith("# Chapter {#sec-x}") and all(t.strip() for t in texts)
    assert not any(t.startswith("\n") or t.endswith("\n") for t in texts)


def test_adding_and_joining_text_and_content():
    f = figure("fig-a")
    assert str("a" + Content("b") + "c") == "abc"
    assert str(Content.join(", ", ["x", Content("y"), "z"])) == "x, y, z"
    assert Content(Content(), "").parts == []
    assert (Content("x") + f).figures == [f]
    with pytest.raises(TypeError, match="text or a Figure"):
        Content(3)


def test_the_book_gets_the_same_chapter_from_the_outputs_as_from_the_markdown(tmp_path):
    """One notebook cell showing the content; converted, it is the content's Markdown form with each
    block separated by one blank line, and each figure's PNG written under its label."""
    content = chapter_content()
    outputs = [new_output("display_data", data=data, metadata=metadata) for data, metadata in content.outputs()]
    cell = new_code_cell("chapter.sections()")
    cell.outputs = outputs
    nb_path = tmp_path / "x.ipynb"
    nbformat.write(new_notebook(cells=[cell]), str(nb_path))
    warnings = notebook_to_markdown(nb_path, tmp_path / "chapters" / "X.md", tmp_path / "chapters" / "figures")
    assert warnings == []
    expected = "\n\n".join(p.strip("\n") if isinstance(p, str) else p.markdown()
                           for p in content.parts if not isinstance(p, str) or p.strip()) + "\n"
    assert (tmp_path / "chapters" / "X.md").read_text() == expected
    assert "*Caption of" not in expected                      # the notebook's caption line is not repeated
    for f in content.figures:
        assert (tmp_path / "chapters" / "figures" / f"{f.label}.png").read_bytes() == f.png


def test_a_figure_without_alt_text_or_caption_is_warned_about_by_the_book(tmp_path):
    bare = Figure(png_bytes(), "fig-bare", "", "", "figures/fig-bare.png")
    cell = new_code_cell("chapter.sections()")
    cell.outputs = [new_output("display_data", data=d, metadata=m) for d, m in Content("Text.\n\n", bare).outputs()]
    nb_path = tmp_path / "bare.ipynb"
    nbformat.write(new_notebook(cells=[cell]), str(nb_path))
    warnings = notebook_to_markdown(nb_path, tmp_path / "bare.md", tmp_path / "figures")
    assert any("bare.ipynb, cell 1" in w and "#fig-bare has no fig-alt" in w for w in warnings)
    assert any("#fig-bare has no fig-cap" in w for w in warnings)
