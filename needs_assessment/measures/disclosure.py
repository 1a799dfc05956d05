"""Statistical disclosure control for published tables: small counts hidden, and what would reveal them.

Small counts are hidden, and so is anything that would let a reader work a hidden count back out.

Rules (the common UK public-sector approach, e.g. ONS and police force small-number publishing):

* Primary suppression: a count from 1 to ``threshold - 1`` (1 to 4 by default) is replaced by
  missing and shown as "[c]". A small count in a small area can identify a victim or an offender.
* Zero is **not** suppressed. A zero describes nobody, the Home Office and ONS publish zeros, and
  hiding them would make every "[c]" ambiguous between "none" and "a few" for no protective gain.
* Secondary suppression: where cells add up to a total that is published (a force row that is the
  sum of its districts, a Total column), a single hidden cell could be recovered by subtraction. So
  whenever such a group has exactly one hidden cell, the next smallest non-zero cell in the group is
  hidden as well ("secondary"). In a two-way table a cell that also protects the crossing row or
  column is preferred to a smaller one that does not, which usually hides fewer figures overall. Zeros are only used as a last resort, because hiding a zero next to a
  3 leaves the pair's sum at 3, which protects little. This is repeated over rows and columns until
  nothing changes, because each new secondary cell can expose another group.
* Derived figures (rates, percentages, confidence limits, changes) computed from a hidden count are
  hidden too: a rate and its published denominator give the count straight back.

The tables this handles are

* wide: rows x count columns, optionally with a total row (``total_row``) and, for a two-way table
  such as crime type x district, a total column (``total_column``) or ``row_totals=True`` when the
  columns' sum is published elsewhere;
* long: area rows with a total row per group (``group_columns``, e.g. one block per crime type or
  year), as :func:`suppress_table_for_publication` expects.

Column groups are always protected, even without a total row, because a column of area counts
always sums to a force figure that is published somewhere (not least by the Home Office).
A two-way table stored long should be pivoted wide first so that both directions are protected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..common.errors import NeedsAssessmentError

__all__ = [
    "PRIMARY", "SECONDARY", "DERIVED",
    "CONFIDENTIAL", "NOT_AVAILABLE",
    "SUPPRESSION_NOTE", "MISSING_NOTE", "suppression_note",
    "SuppressionResult", "DisclosureError",
    "suppress_counts", "suppress_table_for_publication",
    "format_count", "format_value", "format_table", "check_no_small_counts",
]

PRIMARY, SECONDARY, DERIVED = "primary", "secondary", "derived"
CONFIDENTIAL = "[c]"    # GSS shorthand: confidential (suppressed)
NOT_AVAILABLE = "[x]"   # GSS shorthand: not available


def suppression_note(threshold: int = 5) -> str:
    """The notes-sheet text explaining "[c]", for a given threshold."""
    if threshold <= 1:
        return "No figures are suppressed in these tables."
    small = "Counts of 1" if threshold == 2 else f"Counts from 1 to {threshold - 1}"
    return (
        f"{CONFIDENTIAL} = confidential. {small} are not shown, to protect the "
        "identity of the people they describe (primary suppression). Where a hidden count could be "
        "worked out by subtracting the other figures from a published total, the next smallest "
        f"figure is hidden as well (secondary suppression). Rates, percentages, confidence intervals "
        f"and changes calculated from a hidden count are also shown as {CONFIDENTIAL}. Zeros are "
        "shown, because a zero does not describe anyone."
    )


SUPPRESSION_NOTE = suppression_note(5)
MISSING_NOTE = f"{NOT_AVAILABLE} = not available: the source has no figure for this cell."


class DisclosureError(NeedsAssessmentError):
    """A table about to be published still contains a count that should have been suppressed."""


class SuppressionResult(NamedTuple):
    """What :func:`suppress_counts` returns (a named tuple: ``table, flags, *_ = result`` works).

    table          a copy of the input with suppressed cells set to missing (integer columns become
                   nullable ``Int64`` so that the counts stay whole numbers).
    flags          same index as ``table``; one column per count column and per derived column,
                   holding "primary", "secondary", "derived" or "" (not suppressed).
    count_columns  the count columns (including any total column), in order.
    warnings       groups that could not be fully protected (e.g. a group with a single member),
                   in words, for the build log.
    """

    table: pd.DataFrame
    flags: pd.DataFrame
    count_columns: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def mask(self) -> pd.DataFrame:
        """True where a cell was suppressed for any reason."""
        return self.flags != ""


# --------------------------------------------------------------------------------------------------
# selecting rows

def _row_mask(df: pd.DataFrame, spec: Any, what: str) -> np.ndarray:
    """Rows selected by ``spec``: None (none), an index label, a {column: value} dict, or a boolean
    mask (array or Series aligned to df)."""
    n = len(df)
    if spec is None:
        return np.zeros(n, dtype=bool)
    if isinstance(spec, Mapping):
        mask = np.ones(n, dtype=bool)
        for col, val in spec.items():
            if col not in df.columns:
                raise KeyError(f"{what}: no column {col!r} in the table")
            mask &= (df[col] == val).fillna(False).to_numpy(dtype=bool)
        return mask
    if isinstance(spec, pd.Series) and pd.api.types.is_bool_dtype(spec.dtype):
        return spec.reindex(df.index).fillna(False).to_numpy(dtype=bool)
    if isinstance(spec, (np.ndarray, list)) and len(spec) == n and np.asarray(spec).dtype == bool:
        return np.asarray(spec, dtype=bool)
    mask = np.asarray(df.index == spec, dtype=bool)
    if not mask.any():
        raise KeyError(f"{what}: no row labelled {spec!r}")
    return mask


# --------------------------------------------------------------------------------------------------
# the algorithm

class _Relation(NamedTuple):
    members: np.ndarray   # flat cell ids (row * ncols + col)
    total: int            # flat cell id of the total inside the table, or -1 if published elsewhere
    label: str


def _choose(candidates: np.ndarray, values: np.ndarray, helps: np.ndarray) -> int:
    """The cell to hide next: non-zero before zero; then, in a two-way table, a cell that also
    completes another row's or column's protection (taking the smallest cell regardless sets off
    cascades that hide more figures); then the smallest; then table order, so results repeat."""
    order = sorted(range(len(candidates)),
                   key=lambda k: (values[candidates[k]] == 0, helps[k] == 0, values[candidates[k]], candidates[k]))
    return int(candidates[order[0]])


def _secondary(values: np.ndarray, status: np.ndarray, relations: list[_Relation]) -> list[str]:
    """Hide further cells until no relation has exactly one hidden cell. Modifies ``status``."""
    cell_relations: dict[int, list[int]] = {}
    for r, rel in enumerate(relations):
        for cell in rel.members:
            cell_relations.setdefault(int(cell), []).append(r)
        if rel.total >= 0:
            cell_relations.setdefault(rel.total, []).append(r)

    def hidden(rel: _Relation) -> int:
        n = int(np.count_nonzero(status[rel.members]))
        return n + (1 if rel.total >= 0 and status[rel.total] else 0)

    unprotected: set[int] = set()
    changed = True
    while changed:
        changed = False
        for r, rel in enumerate(relations):
            if hidden(rel) != 1:
                continue
            members = rel.members
            candidates = members[(status[members] == 0) & ~np.isnan(values[members])]
            if len(candidates):
                helps = np.array([sum(1 for other in cell_relations.get(int(c), []) if other != r
                                      and hidden(relations[other]) == 1) for c in candidates])
                status[_choose(candidates, values, helps)] = 2
                changed = True
            elif rel.total >= 0 and status[rel.total] == 0 and not np.isnan(values[rel.total]):
                status[rel.total] = 2
                changed = True
            else:
                unprotected.add(r)
    return [f"{relations[r].label}: only one figure in the group, so the suppressed value can be read "
            "from the published total" for r in sorted(unprotected) if hidden(relations[r]) == 1]


def suppress_counts(df: pd.DataFrame, count_columns: Sequence[str], threshold: int = 5,
                    total_row: Any = None, group_columns: Sequence[str] | str | None = None, *,
                    total_column: str | None = None, row_totals: bool = False,
                    derived_columns: Mapping[str, Sequence[str]] | None = None,
                    exclude_rows: Any = None) -> SuppressionResult:
    """Primary and secondary suppression of ``count_columns``; returns table, flags and warnings.

    threshold        counts 1 .. threshold-1 are suppressed (0 is kept; see the module notes).
    total_row        the row(s) holding column totals: an index label, a {column: value} dict
                     (e.g. {"area_type": "force"}), or a boolean mask. With ``group_columns`` there
                     may be one total row per group.
    group_columns    columns splitting a long table into blocks that each add up separately
                     (e.g. ["crime_type"] or ["year"]).
    total_column     a column that is the row sum of the other count columns (a two-way table's
                     "Total"); it is suppressed like any count and protects the rows.
    row_totals       True when each row's sum of the count columns is published elsewhere (implied
                     by ``total_column``). Leave False when the columns are not categories of one
                     whole (e.g. this year's and last year's counts side by side).
    derived_columns  {count column: [columns computed from it]}: those cells are blanked wherever
                     the count is suppressed.
    exclude_rows     rows that belong to no total (label, dict or mask), e.g. comparator forces in
                     a summary table: they get primary suppression only.
    """
    if isinstance(count_columns, str):
        count_columns = [count_columns]
    columns = list(dict.fromkeys([*count_columns, *([total_column] if total_column else [])]))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"count column(s) not in the table: {', '.join(map(str, missing))}")
    if not (isinstance(threshold, (int, np.integer)) and threshold >= 1):
        raise ValueError(f"threshold must be a whole number of at least 1; got {threshold!r}")
    derived_columns = dict(derived_columns or {})
    for count_col, derived in derived_columns.items():
        if count_col not in columns:
            raise KeyError(f"derived_columns: {count_col!r} is not one of the count columns")
        absent = [d for d in derived if d not in df.columns]
        if absent:
            raise KeyError(f"derived_columns[{count_col!r}]: not in the table: {', '.join(absent)}")
    if isinstance(group_columns, str):
        group_columns = [group_columns]

    n_rows, n_cols = len(df), len(columns)
    values = np.column_stack([
        pd.to_numeric(df[c], errors="raise").to_numpy(dtype=float, na_value=np.nan) for c in columns
    ]) if n_rows else np.empty((0, n_cols))
    flat = values.ravel()
    status = np.zeros(flat.shape, dtype=np.int8)          # 0 shown, 1 primary, 2 secondary
    status[(flat > 0) & (flat < threshold)] = 1

    is_total = _row_mask(df, total_row, "total_row")
    excluded = _row_mask(df, exclude_rows, "exclude_rows")
    if group_columns:
        groups = [np.sort(np.asarray(pos)) for pos in
                  df.reset_index(drop=True).groupby(list(group_columns), sort=False, dropna=False).indices.values()]
    else:
        groups = [np.arange(n_rows)]

    relations: list[_Relation] = []
    member_cols = [j for j, c in enumerate(columns) if c != total_column]
    for g, rows in enumerate(groups):
        rows = rows[~excluded[rows]]
        totals = rows[is_total[rows]]
        if len(totals) > 1:
            raise ValueError(f"more than one total row in a group ({len(totals)} rows match total_row)")
        members = rows[~is_total[rows]]
        for j, col in enumerate(columns):
            relations.append(_Relation(members * n_cols + j, int(totals[0] * n_cols + j) if len(totals) else -1,
                                       f"column {col!r}" + (f", group {g + 1}" if len(groups) > 1 else "")))
    if total_column or row_totals:
        jt = columns.index(total_column) if total_column else -1
        for i in np.flatnonzero(~excluded):
            relations.append(_Relation(np.array([i * n_cols + j for j in member_cols], dtype=int),
                                       int(i * n_cols + jt) if jt >= 0 else -1, f"row {df.index[i]!r}"))

    warnings = _secondary(flat, status, relations)
    status = status.reshape(n_rows, n_cols)

    table = df.copy()
    flags = pd.DataFrame("", index=df.index, columns=columns, dtype=object)
    for j, col in enumerate(columns):
        hide = status[:, j] != 0
        if pd.api.types.is_integer_dtype(table[col].dtype):
            table[col] = table[col].astype("Int64")
        table[col] = table[col].mask(hide)
        flags.loc[hide, col] = np.where(status[hide, j] == 1, PRIMARY, SECONDARY)
    for count_col, derived in derived_columns.items():
        hide = status[:, columns.index(count_col)] != 0
        for d in derived:
            if d not in flags.columns:
                flags[d] = pd.Series("", index=df.index, dtype=object)
            table[d] = table[d].mask(hide)
            flags.loc[hide & (flags[d] == "").to_numpy(), d] = DERIVED
    return SuppressionResult(table, flags, tuple(columns), tuple(warnings))


def suppress_table_for_publication(df: pd.DataFrame, count_columns: Sequence[str] | str, *,
                                   total_row: Any, threshold: int = 5,
                                   group_columns: Sequence[str] | str | None = None,
                                   derived_columns: Mapping[str, Sequence[str]] | None = None,
                                   exclude_rows: Any = None) -> SuppressionResult:
    """Suppress a long area table whose total row (the force) is the sum of the other rows (districts).

    If one district is suppressed, the next smallest district is suppressed too, so the force figure
    cannot give it away. Each count column is protected on its own (this year's, last year's and the
    baseline count are separate sums); each block of ``group_columns`` is a separate table.
    Every block must contain its total row: this function is for tables that publish the total.
    Example, for a measure summary with force, district and peer rows::

        suppress_table_for_publication(
            summary, ["count", "previous_count", "baseline_count"],
            total_row={"area_type": "force"}, exclude_rows={"area_type": "peer"},
            derived_columns={"count": ["value", "lower_95", "upper_95", "change_vs_previous_pct"],
                             "previous_count": ["previous_value", "change_vs_previous_pct"],
                             "baseline_count": ["baseline_value", "change_vs_baseline_pct"]})
    """
    is_total = _row_mask(df, total_row, "total_row")
    if group_columns:
        cols = [group_columns] if isinstance(group_columns, str) else list(group_columns)
        per_group = pd.Series(is_total, index=df.index).groupby(
            [df[c] for c in cols], sort=False, dropna=False).sum()
        if (per_group == 0).any():
            raise ValueError(f"a block of {', '.join(cols)} has no total row: "
                             f"{per_group[per_group == 0].index[0]!r}")
    elif not is_total.any():
        raise ValueError("the table has no total row")
    return suppress_counts(df, count_columns, threshold, total_row, group_columns,
                           derived_columns=derived_columns, exclude_rows=exclude_rows)


# --------------------------------------------------------------------------------------------------
# checking and formatting

def check_no_small_counts(table: pd.DataFrame, count_columns: Sequence[str] | str, threshold: int = 5) -> None:
    """Raise DisclosureError if any count from 1 to threshold-1 is still shown: the last gate before
    a table is written to a publication."""
    if isinstance(count_columns, str):
        count_columns = [count_columns]
    for col in count_columns:
        v = pd.to_numeric(table[col], errors="coerce")
        small = (v > 0) & (v < threshold)
        if small.any():
            raise DisclosureError(f"column {col!r} still shows a count below {threshold} "
                                  f"(row {small[small].index[0]!r}); run suppress_counts first")


def _is_missing(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_count(x: Any, suppressed: bool | None = None) -> str:
    """A count for display: "1,234", or "[c]" when suppressed.

    ``suppressed=None`` (not known) shows any missing value as "[c]", the safe reading; pass the
    flag (e.g. from ``SuppressionResult.mask``) to show genuinely missing data as "[x]".
    """
    if suppressed:
        return CONFIDENTIAL
    if _is_missing(x):
        return NOT_AVAILABLE if suppressed is False else CONFIDENTIAL
    return f"{float(x):,.0f}"


def format_value(x: Any, decimals: int = 1, suppressed: bool | None = None) -> str:
    """A rate, percentage or limit for display, "1,234.5", with the same "[c]" / "[x]" rules."""
    if suppressed:
        return CONFIDENTIAL
    if _is_missing(x):
        return NOT_AVAILABLE if suppressed is False else CONFIDENTIAL
    return f"{float(x):,.{decimals}f}"


def format_table(result: SuppressionResult, decimals: Mapping[str, int] | int = 1) -> pd.DataFrame:
    """The result's table with every count and derived column as display strings: counts as whole
    numbers, derived columns to ``decimals`` places (one number, or {column: places}); "[c]" where
    suppressed and "[x]" where the source had no figure."""
    out = result.table.copy()
    for col in result.flags.columns:
        hidden = result.mask[col].to_numpy()
        if col in result.count_columns:
            out[col] = [format_count(v, bool(h)) for v, h in zip(result.table[col], hidden)]
        else:
            places = decimals.get(col, 1) if isinstance(decimals, Mapping) else decimals
            out[col] = [format_value(v, places, bool(h)) for v, h in zip(result.table[col], hidden)]
    return out
