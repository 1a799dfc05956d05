"""What a chapter notebook displays: the chapter as Jupyter display outputs (Markdown and figures).

Each `ChapterBuilder` method a notebook shows returns a `Content`: Markdown text and `Figure`s in
reading order. Shown in a notebook (the last line of a cell), every piece becomes its own output,
so an analyst opening the notebook in Jupyter sees the chapter rendered, and the book stage
(`render/notebook.py`) turns the same outputs into the Quarto chapter:

* text: a `text/markdown` output (Quarto Markdown: labels such as `{#sec-p3}`, cross-references
  such as `@fig-p3-...` and includes pass through to the book as they are);
* a figure: an `image/png` output with its alt text where Jupyter tools look for it
  (`metadata["image/png"]["alt"]`, as `IPython.display.Image(alt=...)` and nbconvert have it) and
  its label and caption under `metadata["needs-assessment"]`; then the caption again as a
  `text/markdown` output marked `caption-of` the figure, so that the notebook's reader sees it
  (the book takes the caption from the figure and skips this one).

`str(content)` is the same chapter as one Quarto Markdown text, figures referenced by file
(`figures/<label>.png`), for a notebook that prints it in an `#| output: asis` cell.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Iterable, Union

from .text import attribute

# The key in an output's metadata for what the book needs that Jupyter has no standard place for.
METADATA_KEY = "needs-assessment"


def attribute_value(text: str) -> str:
    """A value for a Markdown attribute in double quotes: one line, and nothing in it (quotes,
    backslashes, `{{< >}}`, tags) can end the attribute or be read as a shortcode (`text.attribute`)."""
    return attribute(text)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def figure_markdown(src: str, caption: str = "", label: str | None = None, alt: str | None = None) -> str:
    """Quarto figure Markdown: ``![caption](src){#label fig-alt="..."}``."""
    attrs = []
    if label:
        attrs.append(f"#{label}")
    if alt:
        attrs.append(f'fig-alt="{attribute_value(alt)}"')
    return f"![{one_line(caption)}]({src})" + ("{" + " ".join(attrs) + "}" if attrs else "")


@dataclass(frozen=True)
class Figure:
    """A chart as a notebook shows it: the PNG, its label (`fig-...`), caption and alt text."""

    png: bytes
    label: str
    caption: str
    alt: str
    src: str      # the PNG file relative to the chapter, for the Markdown form

    def markdown(self) -> str:
        return figure_markdown(self.src, self.caption, self.label, self.alt)

    def metadata(self) -> dict:
        return {"image/png": {"alt": self.alt}, METADATA_KEY: {"label": self.label, "fig-cap": self.caption}}

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}
        return data, self.metadata()


Part = Union[str, Figure]


class Content:
    """Markdown text and figures, in reading order. `+` joins it with text or other content."""

    def __init__(self, *parts: Union[Part, "Content"]):
        self.parts: list[Part] = []
        for part in parts:
            self._append(part)

    def _append(self, part: Union[Part, "Content"]) -> None:
        if isinstance(part, Content):
            for inner in part.parts:
                self._append(inner)
        elif isinstance(part, Figure):
            self.parts.append(part)
        elif isinstance(part, str):
            if self.parts and isinstance(self.parts[-1], str):
                self.parts[-1] += part
            elif part:
                self.parts.append(part)
        else:
            raise TypeError(f"chapter content is text or a Figure, not {type(part).__name__}")

    @classmethod
    def join(cls, separator: str, items: Iterable[Union[Part, "Content"]]) -> "Content":
        """Like `separator.join(items)`, for text and content."""
        joined = cls()
        for i, item in enumerate(items):
            if i:
                joined._append(separator)
            joined._append(item)
        return joined

    def __add__(self, other: Union[Part, "Content"]) -> "Content":
        return Content(self, other)

    def __radd__(self, other: Union[Part, "Content"]) -> "Content":
        return Content(other, self)

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else p.markdown() for p in self.parts)

    def __repr__(self) -> str:
        figures = sum(isinstance(p, Figure) for p in self.parts)
        return f"<Content: {len(str(self)):,} characters of Markdown, {figures} figure(s)>"

    @property
    def figures(self) -> list[Figure]:
        return [p for p in self.parts if isinstance(p, Figure)]

    def outputs(self) -> list[tuple[dict, dict]]:
        """The display outputs, in order, as (data, metadata) bundles."""
        bundles: list[tuple[dict, dict]] = []
        for part in self.parts:
            if isinstance(part, Figure):
                bundles.append(part._repr_mimebundle_())
                caption = one_line(part.caption)
                if caption:
                    bundles.append(({"text/markdown": f"*{caption}*", "text/plain": caption},
                                    {METADATA_KEY: {"caption-of": part.label}}))
            elif part.strip():
                text = part.strip("\n")
                bundles.append(({"text/markdown": text, "text/plain": text}, {}))
        return bundles

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        for data, metadata in self.outputs():
            publish_display_data(data, metadata=metadata)
