"""The corpus of bad files (tests/bad_files/): one or more per validation rule.

Each case loads a bad file (or folder) and checks that the error names the file, the problem, and
where it applies the line (as an editor shows it: the header is line 1) and the column.
"""

from __future__ import annotations

import pytest

from datasets_helpers import BAD, demo_params
from needs_assessment.datasets import DataFileError, detect_format, load_paths

# (format, path under tests/bad_files, words the message must contain, line, column)
CASES = [
    ("police_uk_street", "missing-column/2024-01-demoshire-street.csv",
     ["the column 'Crime type' is missing"], 1, "Crime type"),
    ("police_uk_street", "wrong-column-name/2024-01-demoshire-street.csv",
     ["'Crime type' is missing", "'Crime typ'", "misspelt"], 1, "Crime type"),
    ("police_uk_street", "wrong-column-value/2024-01-demoshire-street.csv",
     ["not a number", "'unknown'"], 4, "Longitude"),
    ("police_uk_street", "unparseable-month/2024-01-demoshire-street.csv",
     ["not written as a month", "'Jan 2024'", "YYYY-MM"], 3, "Month"),
    ("home_office_999", "unparseable-month/999-2024-03.csv",
     ["month cannot be read", "'Smarch 2024'"], 3, "Month"),
    ("police_uk_street", "month-outside-file/2024-01-demoshire-street.csv",
     ["not the month of the file", "'2024-02'", "2024-01"], 5, "Month"),
    ("police_uk_stop_search", "month-outside-file/2021-08-demoshire-stop-and-search.csv",
     ["not the month of the file", "UK local time", "2021-08"], 4, "Date"),
    ("home_office_prc_pfa", "negative-count/prc-pfa-2024-03.csv",
     ["count is negative", "'-3'"], 4, "Number of Offences"),
    ("home_office_prc_pfa", "unknown-force/prc-pfa-2024-03.csv",
     ["not a police force we know", "'Narnia Constabulary'"], 3, "Force Name"),
    ("police_uk_street", "unknown-force/2024-01-demoshire-street.csv",
     ["not a police force we know", "'Gotham City Police'"], 2, "Falls within"),
    ("home_office_prc_csp", "bad-quarter/prc-csp-2024-03.csv",
     ["financial quarter", "'5'", "April to June"], 3, "Financial Quarter"),
    ("indicator_template", "unknown-area/indicators-2024-03.csv",
     ["not the force or one of its districts", "'Atlantis'", "Ashby Vale"], 4, "area"),
    ("indicator_template", "empty-file/indicators-2024-03.csv", ["the file is empty"], None, None),
    ("police_uk_street", "empty-file/2024-01-demoshire-street.csv", ["header row but no rows"], None, None),
    ("indicator_template", "duplicate-indicator-row/indicators-2024-03.csv",
     ["given twice", "victim_satisfaction", "the same as line 2"], 5, "measure"),
    ("indicator_template", "value-over-denominator/indicators-2024-03.csv",
     ["greater than the denominator", "'600'"], 3, "value"),
    ("home_office_999", "calls-over-total/999-2024-03.csv",
     ["more calls answered within 10 seconds", "'12900'"], 3, "Calls answered within 10 seconds"),
    ("police_uk_street", "ragged-row/2024-01-demoshire-street.csv",
     ["13 values", "12 columns"], 6, None),
    ("indicator_template", "not-a-dataset/notes.csv", ["header row is not that of", "Name,Role,Phone"], 1, None),
]


@pytest.fixture(scope="module")
def params():
    return demo_params()


@pytest.mark.parametrize("fmt, name, words, line, column", CASES, ids=[c[1] for c in CASES])
def test_bad_file_is_reported_with_file_line_column_and_problem(params, fmt, name, words, line, column):
    path = BAD / name
    with pytest.raises(DataFileError) as info:
        load_paths(fmt, path, params)
    err = info.value
    message = str(err)
    assert name.split("/")[-1] in err.file and name.split("/")[-1] in message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert err.row == line
    if line is not None:
        assert f"line {line}" in message
    assert err.column == column
    if column is not None:
        assert f"column '{column}'" in message


def test_duplicated_release_same_content(params):
    with pytest.raises(DataFileError) as info:
        load_paths("police_uk_street", BAD / "duplicated-release" / "same-content", params)
    message = str(info.value)
    assert "same content" in message and "duplicated release" in message
    assert "2024-01-demoshire-street (1).csv" in message and "2024-01/2024-01-demoshire-street.csv" in message


def test_duplicated_release_same_month_for_the_same_force(params):
    with pytest.raises(DataFileError) as info:
        load_paths("police_uk_street", BAD / "duplicated-release" / "same-month", params)
    message = str(info.value)
    assert "repeats the month 2024-01 for demoshire" in message
    assert "download-a" in message and "download-b" in message and "duplicated release" in message


def test_every_row_with_the_problem_is_counted(params, tmp_path):
    # three bad months: the first is named, and the other lines are listed
    lines = (BAD / "unparseable-month/2024-01-demoshire-street.csv").read_text().splitlines()
    bad = [lines[0]] + [l.replace(",2024-01,", ",2024/01,") for l in lines[1:]]
    path = tmp_path / "2024-01-demoshire-street.csv"
    path.write_text("\n".join(bad) + "\n")
    with pytest.raises(DataFileError) as info:
        load_paths("police_uk_street", path, params)
    message = str(info.value)
    assert "line 2" in message and "the same problem on 5 other lines: 3, 4, 5, 6, 7" in message


def test_stop_search_late_utc_search_in_the_next_local_month_is_accepted(params, tmp_path):
    # the bad file minus its September row loads: the 31 July 23:40 UTC row is August in UK time
    lines = (BAD / "month-outside-file/2021-08-demoshire-stop-and-search.csv").read_text().splitlines()
    good = [l for l in lines if "2021-09-01" not in l]
    path = tmp_path / "2021-08-demoshire-stop-and-search.csv"
    path.write_text("\n".join(good) + "\n")
    frame = load_paths("police_uk_stop_search", path, params).frame
    assert len(frame) == 3 and set(frame["month"].astype(str)) == {"2021-08"}
    assert frame["part_of_a_policing_operation"].isna().sum() == 1
    assert frame["outcome_linked_to_object_of_search"].isna().sum() == 1


def test_a_file_of_no_known_format_is_not_detected():
    with pytest.raises(DataFileError) as info:
        detect_format(BAD / "not-a-dataset" / "notes.csv")
    assert "does not match any dataset format" in str(info.value) and "notes.csv" in str(info.value)


def test_the_corpus_has_a_file_for_every_rule():
    folders = {p.name for p in BAD.iterdir() if p.is_dir()}
    for rule in ("missing-column", "wrong-column-name", "wrong-column-value", "unparseable-month",
                 "month-outside-file", "negative-count", "unknown-force", "unknown-area", "empty-file",
                 "duplicated-release", "duplicate-indicator-row", "value-over-denominator"):
        assert rule in folders


@pytest.mark.parametrize("column, bad, words", [
    ("Falls within", "Gotham City Police", ["not a police force we know", "'Gotham City Police'"]),
    ("Month", "2024/01", ["not written as a month", "'2024/01'", "YYYY-MM"]),
])
def test_a_bad_value_on_every_row_of_a_file_is_found(tmp_path, column, bad, words):
    """The same bad value on every row: each chunk as read holds one value, which validation then
    looks at once per chunk (validation.chunk_values) rather than row by row."""
    from datasets_helpers import STREET_HEADER, street_rows, write_lines
    header = STREET_HEADER.split(",")
    position = header.index(column)
    rows = []
    for row in street_rows("2024-01", 12):
        cells = row.split(",")
        cells[position] = bad
        rows.append(",".join(cells))
    path = write_lines(tmp_path / "2024-01-demoshire-street.csv", [STREET_HEADER] + rows)
    with pytest.raises(DataFileError) as info:
        load_paths("police_uk_street", path, demo_params())
    message = str(info.value)
    assert str(path) in message and f"column '{column}'" in message and "line 2" in message
    assert all(w in message for w in words), message
    assert "the same problem on 11 other lines" in message
