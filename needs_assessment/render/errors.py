"""Errors and warnings of the render stage. Each message names the file (and line) to fix."""

from __future__ import annotations

from needs_assessment.common.errors import NeedsAssessmentError


class RenderError(NeedsAssessmentError):
    """The book or document could not be rendered: pandoc or typst failed, or a source is wrong.

    The message says which source file (and line, where known) to fix, and carries the text of
    the underlying pandoc or typst error.
    """


class ShortcodeError(RenderError):
    """A `{{< include >}}`, `{{< var >}}` or `{{< meta >}}` shortcode cannot be resolved."""

    def __init__(self, file, line: int | None, problem: str):
        self.file = str(file)
        self.line = line
        self.problem = problem
        where = self.file if line is None else f"{self.file}, line {line}"
        super().__init__(f"{where}: {problem}")


class NotebookRenderError(RenderError):
    """An executed notebook cannot become a chapter (for example a cell raised an error)."""


class RenderWarning(UserWarning):
    """Something in the sources is probably wrong but the render went on (e.g. an unresolved
    cross-reference, shown as `?@fig-x` the way Quarto shows it)."""
