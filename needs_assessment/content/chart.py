"""What a chart function returns: the PNG's path and everything the document needs to present it.

Apart from the charts themselves (`charts/`), so that a chapter showing figures from the cache
(`figures.py`) never imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..common.errors import NeedsAssessmentError
from .text import attribute


class ChartDataError(NeedsAssessmentError):
    """The result has nothing to draw for this chart (no data, or no breakdown of this kind)."""


@dataclass
class Chart:
    """A chart written to ``path``, with everything the document needs to present it accessibly."""

    path: Path
    title: str          # the headline: the finding in words
    subtitle: str       # the statistic, area and period
    alt_text: str       # chart type, measure, period and main pattern with numbers
    data: pd.DataFrame  # the figures behind it (disclosure-controlled) for a CSV download
    caption: str        # title + source, for the figure caption
    source: str = ""
    kind: str = ""
    notes: list[str] = field(default_factory=list)

    def markdown(self, label: str | None = None, src: str | None = None) -> str:
        """Quarto figure Markdown: ``![caption](path){#fig-label fig-alt="..."}``."""
        attrs = []
        if label:
            attrs.append("#" + (label if label.startswith("fig-") else f"fig-{label}"))
        attrs.append(f'fig-alt="{attribute(self.alt_text)}"')
        return f"![{self.caption}]({src or self.path.as_posix()}){{{' '.join(attrs)}}}"
