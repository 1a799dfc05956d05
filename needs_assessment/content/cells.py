"""Cells a spreadsheet will never run: text that would start a formula gets a leading quote.

Used for every CSV of the downloads and the workbook, and for the data a chapter writes.
"""

from __future__ import annotations

import re

import pandas as pd


# What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is only a number ("-3", "+1.5", "-12%") is not a formula and stays as written.
_NUMBER_TEXT = re.compile(r"^[+-]?(\d[\d,]*)?\.?\d+%?$")


def formula_safe_text(value: object) -> object:
    """A cell value a spreadsheet will show as text: `'` before text it would read as a formula.
    A carriage return inside text becomes a line break (pandas does not quote a lone CR in a CSV,
    so it would split the row)."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _NUMBER_TEXT.match(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell, and column name, made safe by `formula_safe_text`."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(formula_safe_text)
    safe.columns = [formula_safe_text(c) for c in safe.columns]
    return safe
