"""Errors a user can act on. Each names where the problem is and what was expected."""

from __future__ import annotations

import contextlib
import errno
import re
import shutil
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


# --------------------------------------------------------------------------------------------------
# A disk that is full, read-only or not the user's: one line naming the path and what to do.
_DISK_FAULTS = {
    errno.ENOSPC: ("the disk is full", "Free some space on that disk (or move the project to a disk with room)"),
    errno.EDQUOT: ("your disk quota is used up", "Free some space (or ask for a larger quota)"),
    errno.EROFS: ("that folder is on a read-only file system",
                  "Build from a copy of the project on a writable disk (or have the disk made writable)"),
    errno.EACCES: ("you do not have permission to write there",
                   "Ask the folder's owner for write access (or build from a copy of the project you own)"),
    errno.EPERM: ("you do not have permission to write there",
                  "Ask the folder's owner for write access (or build from a copy of the project you own)"),
}
_ERRNO_IN_TEXT = re.compile(r"\[Errno (\d+)\][^:]*(?::\s*'([^']*)')?")


class DiskWriteError(NeedsAssessmentError):
    """A file could not be written because of the disk, not the data: full, read-only, no permission."""

    def __init__(self, path: str | Path, code: int, after: str = ""):
        self.path = str(path)
        self.errno = code
        self.after = after
        reason, todo = _DISK_FAULTS[code]
        super().__init__(f"cannot write {self.path}: {reason}. {todo}, then build again.{after}")


def disk_fault(exc: BaseException, folder: str | Path | None = None) -> DiskWriteError | None:
    """The DiskWriteError an OSError (or shutil.Error from a copy) stands for, or None if it is another
    error. The path is the file the error names, else `folder` (a write() that fails names no file)."""
    if isinstance(exc, DiskWriteError):
        return exc
    if isinstance(exc, shutil.Error):
        # copytree gathers (source, destination, reason text) for every file it could not copy
        for item in (exc.args[0] if exc.args and isinstance(exc.args[0], list) else []):
            match = _ERRNO_IN_TEXT.search(str(item[-1]))
            if match and int(match.group(1)) in _DISK_FAULTS:
                return DiskWriteError(match.group(2) or item[1], int(match.group(1)))
        return None
    if isinstance(exc, OSError) and exc.errno in _DISK_FAULTS:
        path = exc.filename2 if exc.filename2 and exc.errno == errno.ENOSPC else exc.filename
        return DiskWriteError(path or folder or "a file", exc.errno)
    return None


def disk_fault_in_text(text: str, folder: str | Path) -> DiskWriteError | None:
    """The DiskWriteError in an error message from another process (a notebook's kernel), if any."""
    match = _ERRNO_IN_TEXT.search(text or "")
    if match and int(match.group(1)) in _DISK_FAULTS:
        return DiskWriteError(match.group(2) or folder, int(match.group(1)))
    return None


@contextlib.contextmanager
def writing_into(folder: str | Path):
    """Turn a disk fault while writing into `folder` into a DiskWriteError that names the path."""
    try:
        yield
    except OSError as exc:
        fault = disk_fault(exc, folder)
        if fault is None or fault is exc:
            raise
        raise fault from exc
