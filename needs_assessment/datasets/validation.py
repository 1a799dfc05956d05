"""Validation with pandera, and turning its failure cases into messages an analyst can act on.

Every check is a vectorised pandera `Check` with a name; the name keys a `Rule` that says, in plain
words, what is wrong and what was expected. Pandera collects every failing row (lazy validation);
`raise_for_failures` groups them by rule and column and raises a `DataValidationError` (a
`DataFileError`) naming the file, the first line as an editor shows it, the column, the value found
and what was expected, with a count of the other lines that have the same problem.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..common.errors import DataFileError
from .formats import Col
from .names import normalise_force
from .readers import Batch, RawTable

MONTH_RE = r"\d{4}-(0[1-9]|1[0-2])"
WHOLE_NUMBER_RE = r"\s*-?(\d{1,3}(,\d{3})+|\d+)(\.0+)?\s*"
INTEGER_RE = r"\s*-?\d+\s*"
NUMBER_RE = r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*"
BOOL_RE = r"(?i)\s*(true|false)\s*"


@dataclass(frozen=True)
class Rule:
    key: str
    problem: str
    expected: str | Callable[[int], str] | None = None   # or f(file index in the batch) -> str
    column: str | None = None      # for whole-row checks: the column to name in the message
    # for whole-row checks, a better sentence for the first failing row: f(frame, position, raw) -> str
    describe: Callable | None = None


class DataValidationError(DataFileError):
    """One or more problems in a data file; the first is in the attributes, all in `problems`."""

    def __init__(self, problems: list[DataFileError]):
        first = problems[0]
        super().__init__(first.file, first.problem, row=first.row, column=first.column,
                         expected=first.expected, found=first.found)
        self.problems = problems
        message = str(first)
        if len(problems) > 1:
            message += "\nOther problems in the same file:\n" + "\n".join(f"  - {p}" for p in problems[1:])
        self.args = (message,)


def str_full_match(pattern: str) -> Callable[[pd.Series], pd.Series]:
    """Text values match `pattern` (values that are already numbers or booleans pass)."""
    rx = re.compile(pattern)
    return values_check(lambda v: not isinstance(v, str) or bool(rx.fullmatch(v)))


def _pandera():
    """pandera, imported on first use: a load served from the cache never validates, so it never pays
    for importing pandera."""
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors
    return pa, SchemaErrors


class SchemaBuilder:
    """Collects pandera columns and checks, each check tied to a Rule for its message."""

    def __init__(self, batch: Batch):
        self.batch = batch
        self.rules: dict[str, Rule] = {}
        self.columns: dict = {}
        self.frame_checks: list = []

    # --- building ---------------------------------------------------------------------------
    def _check(self, fn, rule: Rule, **kw):
        self.rules[rule.key] = rule
        pa, _ = _pandera()
        return pa.Check(fn, name=rule.key, **kw)

    def column(self, name: str, *, required: bool = True, nullable: bool = True) -> None:
        pa, _ = _pandera()
        self.columns[name] = pa.Column(required=required, nullable=nullable, checks=[])

    def check(self, name: str, fn, rule: Rule) -> None:
        """Add a vectorised check (Series -> bool Series) on one column."""
        if name not in self.columns:
            self.column(name, required=False)
        key = f"{rule.key}:{name}"
        rule = Rule(key, rule.problem, rule.expected, rule.column, rule.describe)
        self.columns[name].checks.append(self._check(fn, rule))

    def frame_check(self, fn, rule: Rule) -> None:
        """Add a whole-row check (DataFrame -> bool Series)."""
        self.frame_checks.append(self._check(fn, rule))

    def spec_columns(self, columns: tuple[Col, ...], typed: bool) -> None:
        """Presence, non-empty values and value kinds of a table's published columns."""
        for col in columns:
            self.column(col.name, required=col.required, nullable=col.nullable)
            if col.kind == "count":
                self.check(col.name, str_full_match(WHOLE_NUMBER_RE), WHOLE_NUMBER)
                self.check(col.name, _not_negative_text, NOT_NEGATIVE)
            elif not typed and col.kind == "float":
                self.check(col.name, str_full_match(NUMBER_RE), NUMBER)
            elif not typed and col.kind == "int":
                self.check(col.name, str_full_match(INTEGER_RE), INTEGER)
            elif not typed and col.kind == "bool":
                self.check(col.name, str_full_match(BOOL_RE), BOOLEAN)

    def schema(self):
        pa, _ = _pandera()
        return pa.DataFrameSchema(self.columns, checks=self.frame_checks, strict=False, coerce=False)

    # --- running ----------------------------------------------------------------------------
    def validate(self, frame: pd.DataFrame | None = None) -> None:
        frame = self.batch.frame if frame is None else frame
        _, SchemaErrors = _pandera()
        try:
            self.schema().validate(frame, lazy=True)
        except SchemaErrors as exc:
            raise_for_failures(exc.failure_cases, self.rules, self.batch, frame)
        if not self.batch.typed and self.batch.conversion_error:
            # Arrow could not convert a value, and no check found it: report what Arrow said.
            raise DataFileError(self.batch.raws[0].label, f"a value cannot be read ({self.batch.conversion_error})",
                                expected="values of the kind each column holds (numbers, True/False, text)")


def check_columns_present(raws: list[RawTable]) -> None:
    """Pandera's column checks on each distinct header of a batch (files of one kind share a header,
    so this runs once or twice, not once per file)."""
    pa, SchemaErrors = _pandera()
    seen = set()
    for raw in raws:
        names = tuple(raw.table.column_names)
        if names in seen:
            continue
        seen.add(names)
        columns = {c.name: pa.Column(required=c.required) for c in raw.sniffed.spec.columns}
        try:
            pa.DataFrameSchema(columns, strict=False).validate(pd.DataFrame(columns=list(names)), lazy=True)
        except SchemaErrors as exc:
            fc = exc.failure_cases
            missing = fc[fc["check"] == "column_in_dataframe"]["failure_case"].astype(str).tolist()
            raise DataValidationError([_missing_column(raw, name) for name in missing]) from None


# --- common rules -------------------------------------------------------------------------------

WHOLE_NUMBER = Rule("whole_number", "the value is not a whole number", "a whole number such as 412 (commas allowed)")
NOT_NEGATIVE = Rule("not_negative", "the count is negative", "zero or more")
NUMBER = Rule("number", "the value is not a number", "a number such as -1.395616, or blank")
INTEGER = Rule("integer", "the value is not a whole number", "a whole number (DfT codes; -1 means missing)")
BOOLEAN = Rule("boolean", "the value is not True or False", "True, False or blank")
MONTH_FORMAT = Rule("month_format", "the month is not written as a month", "a month written YYYY-MM, e.g. 2024-01")


def _not_negative_text(s: pd.Series) -> pd.Series:
    text = s.astype("str").str.strip()
    negative = text.str.match(r"-\s*\d") & ~text.str.fullmatch(r"-0+(\.0+)?")
    return ~negative.fillna(False).astype(bool)


def chunk_values(s: pd.Series) -> list | None:
    """For a text column whose every Arrow chunk holds one value repeated (police.uk: each file is one
    month of one force, and is read in chunks of about 5,000 rows), that value for each chunk: a
    comparison per chunk instead of hashing every row. None for any other column."""
    try:
        chunks = s.array.__arrow_array__().chunks
    except (AttributeError, TypeError):
        return None
    values = []
    for chunk in chunks:
        if not len(chunk):
            continue
        if chunk.null_count or not pc.all(pc.equal(chunk, chunk[0])).as_py():
            return None
        values.append(chunk[0].as_py())
    return values


def distinct_values(s: pd.Series) -> list:
    """The distinct values of a column, missing values left out."""
    values = chunk_values(s)
    if values is not None:
        return list(dict.fromkeys(values))
    return list(s.dropna().unique())


def values_check(predicate: Callable[[object], bool]) -> Callable[[pd.Series], pd.Series]:
    """A check that `predicate` holds for each value, evaluated once per distinct value: one pass
    over the rows when every value passes (the usual case), a second only to mark the failing rows."""
    def check(s: pd.Series) -> pd.Series:
        bad = [v for v in distinct_values(s) if not predicate(v)]
        if not bad:
            return pd.Series(np.ones(len(s), dtype=bool), index=s.index)
        return ~s.isin(bad).fillna(False).astype(bool)
    return check


def known_names_check(allowed: frozenset[str], normalise=normalise_force) -> Callable[[pd.Series], pd.Series]:
    return values_check(lambda v: normalise(v) in allowed)


def duplicate_rule(key: str, problem: str, expected: str, columns: list[str], column: str) -> Rule:
    """A rule for 'one row per (columns)': names the line the row repeats."""

    def describe(frame: pd.DataFrame, position: int, batch: Batch) -> str:
        keys = frame[columns].astype("str")
        row = keys.iloc[position]
        same = (keys == row).all(axis=1).to_numpy().nonzero()[0]
        first = int(same[0]) if len(same) else position
        values = ", ".join(f"{batch.headers.get(c, c)} {row[c]}" for c in columns)
        files, local = batch.locate([first])
        raw = batch.raws[int(files[0])]
        where = f"line {int(raw.lines(local)[0])}"
        if int(files[0]) != int(batch.locate([position])[0][0]):
            where += f" of {raw.label}"
        return f"{problem} ({values}): the same as {where}"

    return Rule(key, problem, expected, column, describe)


def not_duplicated(columns: list[str]) -> Callable[[pd.DataFrame], pd.Series]:
    def check(frame: pd.DataFrame) -> pd.Series:
        if any(c not in frame.columns for c in columns):
            return pd.Series(True, index=frame.index)
        return ~frame.duplicated(subset=columns, keep="first")
    return check


# --- failure cases to messages ------------------------------------------------------------------

_BUILTIN = {
    "not_nullable": ("the value is missing", "a value in every row of this column"),
    "field_uniqueness": ("the value is repeated", "each value once"),
}
_MAX_GROUPS = 8


def raise_for_failures(failure_cases: pd.DataFrame, rules: dict[str, Rule], batch: Batch,
                       frame: pd.DataFrame) -> None:
    problems: list[tuple[tuple, DataFileError]] = []
    fc = failure_cases
    missing = fc[fc["check"] == "column_in_dataframe"]
    for name in missing["failure_case"].astype(str):
        problems.append(((0, 0, 0), _missing_column(batch.raws[0], name)))
    rows = fc[(fc["check"] != "column_in_dataframe") & fc["index"].notna()].copy()
    if len(rows):
        rows["position"] = rows["index"].astype("int64")
        rows["rule"] = rows["check"].astype(str)
        for (rule_key, column), group in _groups(rows, rules):
            positions = np.sort(group["position"].unique())
            files, local = batch.locate(positions)
            for file_index in dict.fromkeys(files.tolist()):
                in_file = files == file_index
                problems.append(((1, int(file_index), int(local[in_file][0])),
                                 _row_problem(rules.get(rule_key), rule_key, column, batch, frame,
                                              int(file_index), positions[in_file], local[in_file])))
    if not problems:
        raise DataFileError(batch.raws[0].label, "the file does not pass validation",
                            expected="the columns in data/README.md")
    problems.sort(key=lambda p: p[0])
    errors = [p for _, p in problems]
    if len(errors) > _MAX_GROUPS:
        rest = len(errors) - _MAX_GROUPS
        errors = errors[:_MAX_GROUPS]
        errors[-1].args = (f"{errors[-1]}\n  ... and {rest} more kinds of problem",)
    raise DataValidationError(errors)


def _row_problem(rule: Rule | None, rule_key: str, column, batch: Batch, frame: pd.DataFrame, file_index: int,
                 positions: np.ndarray, local: np.ndarray) -> DataFileError:
    raw = batch.raws[file_index]
    first = int(positions[0])
    lines = raw.lines(local[:6])
    col = (rule.column or column) if rule else column
    header = batch.headers.get(col, col) if col else None
    if rule is None:
        base = rule_key.split(":")[0]
        problem, expected = _BUILTIN.get(base, (f"the value fails the check '{rule_key}'", None))
    else:
        problem, expected = rule.problem, rule.expected
        if callable(expected):
            expected = expected(file_index)
        if rule.describe is not None:
            problem = rule.describe(frame, first, batch)
    found = None
    if col is not None and col in frame.columns and rule_key != "not_nullable" and not (rule and rule.describe):
        value = frame[col].iloc[first]
        found = None if _is_missing(value) else (value if isinstance(value, str) else str(value))
    err = DataFileError(raw.label, problem, row=int(lines[0]), column=header, expected=expected, found=found)
    more = len(positions) - 1
    if more:
        shown = ", ".join(str(int(x)) for x in lines[1:6])
        extra = f" and {more - 5:,} more" if more > 5 else ""
        err.args = (f"{err} [the same problem on {more:,} other line{'s' if more > 1 else ''}: {shown}{extra}]",)
    return err


def _groups(rows: pd.DataFrame, rules: dict[str, Rule]):
    """Failure rows grouped by (rule, column); whole-row checks (reported once per column) once."""
    out = []
    seen_frame_rules = set()
    for (rule_key, column), group in rows.groupby(["rule", "column"], sort=False, dropna=False):
        rule = rules.get(rule_key)
        if rule is not None and rule.column is not None:   # a whole-row check
            if rule_key in seen_frame_rules:
                continue
            seen_frame_rules.add(rule_key)
            group = rows[rows["rule"] == rule_key]
            column = rule.column
        out.append(((rule_key, None if pd.isna(column) else column), group))
    return out


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _missing_column(raw: RawTable, name: str) -> DataFileError:
    spec = raw.sniffed.spec
    try:
        header = spec.col(name).header if spec else name
    except KeyError:
        header = name
    matched = set(raw.sniffed.match.mapping.values()) if raw.sniffed.match is not None else set()
    found_headers = [h for i, h in enumerate(raw.sniffed.header) if h.strip() and i not in matched]
    close = difflib.get_close_matches(header.lower(), [h.lower() for h in found_headers], n=1, cutoff=0.6)
    problem = f"the column '{header}' is missing"
    if close:
        original = next(h for h in found_headers if h.lower() == close[0])
        problem += f" (the header row has '{original}': is it misspelt?)"
    expected = f"a column headed '{header}'"
    if spec is not None:
        expected += f" in {spec.label}"
    return DataFileError(raw.label, problem, row=raw.sniffed.header_line, column=header, expected=expected)
