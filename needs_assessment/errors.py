"""Errors a user can act on. Each names where the problem is and what was expected."""

from __future__ import annotations

from pathlib import Path


class NeedsAssessmentError(Exception):
    """Base class: an error whose message is written for the analyst or reviewer, not a programmer."""


class ParamsError(NeedsAssessmentError):
    """The params file is wrong: the message names the file, the key and what was expected."""


class DataFileError(NeedsAssessmentError):
    """A data file cannot be used as it is.

    `row` is the line number in the file as a text editor shows it (the header is line 1), or None
    when the problem is with the whole file.
    """

    def __init__(self, file: str | Path, problem: str, *, row: int | None = None,
                 column: str | None = None, expected: str | None = None, found: object = None):
        self.file = str(file)
        self.problem = problem
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        where = self.file
        if row is not None:
            where += f", line {row}"
        if column is not None:
            where += f", column '{column}'"
        message = f"{where}: {problem}"
        if found is not None:
            message += f" (found {found!r})"
        if expected:
            message += f"; expected {expected}"
        super().__init__(message)


class DatasetAbsent(DataFileError):
    """A dataset of the params file has no files to use (none at its path, or none for the force):
    the measures that read it are published as not available, and the build goes on."""


class RecommendationError(NeedsAssessmentError):
    """A reviewer's recommendation file has a mistake: the message names the file and the line."""

    def __init__(self, file: str | Path, line: int | None, problem: str):
        self.file = str(file)
        self.line = line
        self.problem = problem
        where = self.file if line is None else f"{self.file}, line {line}"
        super().__init__(f"{where}: {problem}")
