"""Statistical disclosure control, checked against small tables worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from needs_assessment.measures.disclosure import (
    CONFIDENTIAL, DERIVED, NOT_AVAILABLE, PRIMARY, SECONDARY, SUPPRESSION_NOTE, DisclosureError,
    check_no_small_counts, format_count, format_table, format_value, suppress_counts,
    suppress_table_for_publication, suppression_note,
)


def hidden(result, col):
    return result.flags.index[result.mask[col]].tolist()


def district_table(counts: dict[str, int]) -> pd.DataFrame:
    df = pd.DataFrame({"area": ["Force", *counts], "count": [sum(counts.values()), *counts.values()]})
    df["population"] = [10000 * len(counts)] + [10000] * len(counts)
    df["rate"] = df["count"] / df["population"] * 1000
    df["lower_95"] = df["rate"] * 0.8
    return df


# --------------------------------------------------------------------------------------------------
# one-way: districts adding up to the force

def test_district_of_three_and_next_smallest():
    # Force 60 = A 3 + B 12 + C 7 + D 38. A is primary; without more, 60 - 12 - 7 - 38 = 3 gives it
    # away, so the next smallest district, C (7), is secondary. B, D and the force stay.
    df = district_table({"A": 3, "B": 12, "C": 7, "D": 38})
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"},
                                            derived_columns={"count": ["rate", "lower_95"]})
    table, flags = result.table, result.flags
    assert table["count"].isna().tolist() == [False, True, False, True, False]
    assert flags["count"].tolist() == ["", PRIMARY, "", SECONDARY, ""]
    assert table.loc[[0, 2, 4], "count"].tolist() == [60, 12, 38]
    assert str(table["count"].dtype) == "Int64"
    # derived figures go with their count, and say so
    assert table["rate"].isna().tolist() == [False, True, False, True, False]
    assert flags["rate"].tolist() == ["", DERIVED, "", DERIVED, ""]
    assert table.loc[2, "rate"] == pytest.approx(1.2)
    assert table["lower_95"].isna().sum() == 2
    # the input is not modified
    assert df["count"].tolist() == [60, 3, 12, 7, 38]
    assert result.warnings == ()


def test_zero_is_not_suppressed_and_not_used_as_secondary():
    # Force 60 = A 3 + B 0 + C 7 + D 50. B (0) is shown, and hiding it beside A would leave the pair
    # summing to 3, so the secondary is C (7).
    df = district_table({"A": 3, "B": 0, "C": 7, "D": 50})
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"})
    assert result.flags["count"].tolist() == ["", PRIMARY, "", SECONDARY, ""]
    assert result.table.loc[2, "count"] == 0


def test_zeros_alone_change_nothing():
    df = district_table({"A": 0, "B": 0, "C": 25})
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"})
    assert not result.mask.any().any()
    assert result.table["count"].tolist() == [25, 0, 0, 25]


def test_two_primaries_need_no_secondary():
    df = district_table({"A": 3, "B": 4, "C": 20, "D": 30})
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"})
    assert result.flags["count"].tolist() == ["", PRIMARY, PRIMARY, "", ""]


def test_threshold_is_configurable_and_boundary_kept():
    df = district_table({"A": 5, "B": 9, "C": 10, "D": 40})
    assert not suppress_counts(df, ["count"], threshold=5, total_row=0).mask.any().any()
    result = suppress_counts(df, ["count"], threshold=10, total_row=0)
    assert result.flags["count"].tolist() == ["", PRIMARY, PRIMARY, "", ""]


def test_small_force_total_is_suppressed_with_its_districts():
    df = district_table({"A": 1, "B": 2, "C": 0})
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"})
    assert result.flags["count"].tolist() == [PRIMARY, PRIMARY, PRIMARY, ""]


def test_blocks_are_protected_separately():
    df = pd.concat([district_table({"A": 3, "B": 12, "C": 7}).assign(crime="Burglary"),
                    district_table({"A": 30, "B": 12, "C": 7}).assign(crime="Robbery")], ignore_index=True)
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"}, group_columns="crime")
    assert result.flags["count"].tolist() == ["", PRIMARY, "", SECONDARY] + [""] * 4


def test_missing_total_row_in_a_block_is_an_error():
    df = pd.concat([district_table({"A": 3, "B": 12}).assign(crime="Burglary"),
                    district_table({"A": 30, "B": 12}).assign(crime="Robbery").iloc[1:]])
    with pytest.raises(ValueError, match="no total row"):
        suppress_table_for_publication(df, "count", total_row={"area": "Force"}, group_columns=["crime"])


def test_each_count_column_is_its_own_sum_and_peers_only_get_primary():
    summary = pd.DataFrame({
        "area": ["Force", "North", "South", "East", "Peer 1", "Peer 2"],
        "area_type": ["force", "district", "district", "district", "peer", "peer"],
        "count": [40, 2, 18, 20, 3, 700],
        "previous_count": [45, 15, 10, 20, 2, 650],
        "value": [1.0, 0.2, 1.8, 2.0, 0.1, 3.0],
        "previous_value": [1.1, 1.5, 1.0, 2.0, 0.1, 2.9],
    })
    result = suppress_table_for_publication(
        summary, ["count", "previous_count"], total_row={"area_type": "force"},
        exclude_rows={"area_type": "peer"},
        derived_columns={"count": ["value"], "previous_count": ["previous_value"]})
    # count: North 2 primary, South 18 next smallest district (not Peer 1, which is in no sum)
    assert result.flags["count"].tolist() == ["", PRIMARY, SECONDARY, "", PRIMARY, ""]
    # previous_count: only Peer 1 (2) is small, and peers are not part of the force total
    assert result.flags["previous_count"].tolist() == ["", "", "", "", PRIMARY, ""]
    assert result.table["value"].isna().tolist() == [False, True, True, False, True, False]
    assert result.table["previous_value"].isna().tolist() == [False, False, False, False, True, False]


def test_single_figure_without_a_total_row_is_reported():
    df = pd.DataFrame({"count": [3]})
    result = suppress_counts(df, ["count"])
    assert result.flags["count"].tolist() == [PRIMARY]
    assert len(result.warnings) == 1 and "only one figure" in result.warnings[0]


# --------------------------------------------------------------------------------------------------
# two-way: crime type x district

def two_way(rows: dict[str, list[int]], columns: list[str]) -> pd.DataFrame:
    t = pd.DataFrame(rows, index=columns).T
    t["Total"] = t.sum(axis=1)
    t.loc["All crime"] = t.sum()
    return t


def test_two_way_rectangle():
    #             North South East | Total
    # Burglary       10    20   12 |   42
    # Robbery         2    15    9 |   26
    # Theft          30     8    6 |   44
    # All crime      42    43   27 |  112
    # Robbery/North (2) is primary. Its column needs a second hidden cell: Burglary/North (10, the
    # smallest). Its row needs one: Robbery/East (9). Burglary's row now has one hidden cell and
    # needs another: Burglary/East (12 < 20), which also completes the East column.
    t = two_way({"Burglary": [10, 20, 12], "Robbery": [2, 15, 9], "Theft": [30, 8, 6]},
                ["North", "South", "East"])
    result = suppress_counts(t, ["North", "South", "East"], total_row="All crime", total_column="Total")
    assert result.flags.loc["Robbery", "North"] == PRIMARY
    assert hidden(result, "North") == ["Burglary", "Robbery"]
    assert hidden(result, "East") == ["Burglary", "Robbery"]
    assert hidden(result, "South") == [] and hidden(result, "Total") == []
    assert set(result.flags.loc[["Burglary"], ["North", "East"]].to_numpy().ravel()) == {SECONDARY}
    assert result.flags.loc["Robbery", "East"] == SECONDARY


def test_two_way_cascade_through_the_total_row():
    #          C1  C2  C3 | Tot
    # R1        1  10  20 |  31
    # R2        3  12  30 |  45
    # R3        0  15  40 |  55
    # Tot       4  37  90 | 131
    # Primary: R1C1, R2C1 and the C1 total (4). Rows R1 and R2 each then have one hidden cell:
    # hide R1C2 (10) and R2C2 (12). The total row has one hidden cell (C1): hide C2's total (37),
    # which leaves C2 with three hidden cells. R3C1 is 0 and stays.
    t = two_way({"R1": [1, 10, 20], "R2": [3, 12, 30], "R3": [0, 15, 40]}, ["C1", "C2", "C3"])
    t = t.rename(index={"All crime": "Tot"})
    result = suppress_counts(t, ["C1", "C2", "C3"], total_row="Tot", total_column="Total")
    assert result.flags["C1"].tolist() == [PRIMARY, PRIMARY, "", PRIMARY]
    assert result.flags["C2"].tolist() == [SECONDARY, SECONDARY, "", SECONDARY]
    assert result.flags["C3"].tolist() == ["", "", "", ""]
    assert result.flags["Total"].tolist() == ["", "", "", ""]
    assert result.table.loc["R3", "C1"] == 0


def test_row_totals_published_elsewhere():
    # No Total column in the table, but each row's total is published elsewhere.
    t = pd.DataFrame({"North": [2, 30], "South": [15, 40], "East": [9, 50]}, index=["Robbery", "Theft"])
    #           North South East
    # Robbery       2    15    9
    # Theft        30    40   50
    without = suppress_counts(t, ["North", "South", "East"])
    assert without.mask.to_numpy().sum() == 2           # columns only: North's Robbery and Theft
    # With rows protected too: Robbery's row hides East (9, smaller than 15). Theft's row then hides
    # East (50) rather than the smaller South (40), because 50 also completes the East column;
    # taking 40 would leave South with one hidden cell and cascade until all six were hidden.
    result = suppress_counts(t, ["North", "South", "East"], row_totals=True)
    assert result.flags.to_dict("list") == {"North": [PRIMARY, SECONDARY], "South": ["", ""],
                                            "East": [SECONDARY, SECONDARY]}


def check_protected(result, t, columns, total_row, total_column, threshold=5):
    """No small count is shown anywhere, and no row or column has exactly one hidden cell."""
    values = t[columns + [total_column]]
    shown = ~result.mask[columns + [total_column]]
    assert not (shown & (values > 0) & (values < threshold)).any().any()
    hidden_cells = result.mask[columns + [total_column]]
    assert (hidden_cells.sum(axis=0) != 1).all()
    assert (hidden_cells.sum(axis=1) != 1).all()


def test_random_two_way_tables_are_always_protected():
    rng = np.random.default_rng(2024)
    for _ in range(60):
        shape = rng.integers(2, 7, size=2)
        data = rng.choice([0, 1, 2, 3, 4, 5, 8, 15, 40, 120], size=shape)
        cols = [f"D{j}" for j in range(shape[1])]
        t = two_way({f"T{i}": list(data[i]) for i in range(shape[0])}, cols)
        result = suppress_counts(t, cols, total_row="All crime", total_column="Total")
        check_protected(result, t, cols, "All crime", "Total")
        check_no_small_counts(result.table, cols + ["Total"])


# --------------------------------------------------------------------------------------------------
# checks and formatting

def test_check_no_small_counts():
    df = district_table({"A": 3, "B": 12, "C": 7})
    with pytest.raises(DisclosureError, match="below 5"):
        check_no_small_counts(df, "count")
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"})
    check_no_small_counts(result.table, "count")


def test_formatting():
    assert format_count(1234567) == "1,234,567"
    assert format_count(0) == "0"
    assert format_count(pd.NA) == CONFIDENTIAL == "[c]"
    assert format_count(np.nan, suppressed=False) == NOT_AVAILABLE == "[x]"
    assert format_count(12, suppressed=True) == "[c]"
    assert format_value(1234.567, 1) == "1,234.6"
    assert format_value(0.5, 2) == "0.50"
    assert format_value(None) == "[c]"
    assert format_value(np.nan, 1, suppressed=False) == "[x]"


def test_format_table_and_note():
    df = district_table({"A": 3, "B": 12, "C": 7, "D": 1000})
    df.loc[4, "population"] = np.nan
    df.loc[4, "rate"] = np.nan
    result = suppress_table_for_publication(df, "count", total_row={"area": "Force"},
                                            derived_columns={"count": ["rate"]})
    shown = format_table(result, decimals={"rate": 2})
    assert shown["count"].tolist() == ["1,022", "[c]", "12", "[c]", "1,000"]
    assert shown["rate"].tolist() == ["25.55", "[c]", "1.20", "[c]", "[x]"]
    assert "[c]" in SUPPRESSION_NOTE and "1 to 4" in SUPPRESSION_NOTE and "Zeros are shown" in SUPPRESSION_NOTE
    assert "1 to 9" in suppression_note(10)


def test_bad_arguments():
    df = district_table({"A": 3, "B": 12})
    with pytest.raises(KeyError):
        suppress_counts(df, ["nope"])
    with pytest.raises(KeyError):
        suppress_counts(df, ["count"], derived_columns={"count": ["nope"]})
    with pytest.raises(KeyError):
        suppress_counts(df, ["count"], total_row="no such row")
    with pytest.raises(ValueError):
        suppress_counts(df, ["count"], threshold=0)
    with pytest.raises(ValueError, match="more than one total"):
        suppress_counts(df, ["count"], total_row=np.array([True, True, False]))
