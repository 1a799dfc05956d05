"""Each format's loader on small valid files: the columns and types the rest of the build relies on,
months from quarters and from the many ways a month is written, headers found below title rows,
spreadsheets, encodings, and format detection from the header row."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from datasets_helpers import (CALLS_999_HEADER, INDICATOR_HEADER, PRC_CSP_HEADER, PRC_PFA_HEADER, REAL,
                              STREET_HEADER, demo_params, street_rows, write_lines, write_street)
from needs_assessment.datasets import (DataFileError, detect_format, detect_table, load_census_ethnicity,
                                       load_census_households, load_home_office_999, load_home_office_prc_csp,
                                       load_home_office_prc_pfa, load_imd_lsoa, load_indicator_template,
                                       load_ons_population_area, load_ons_population_lsoa, load_police_uk_street)
from needs_assessment.datasets.names import known_force_names, normalise_force, snake
from needs_assessment.datasets.registry import date_in_name


@pytest.fixture(scope="module")
def params():
    return demo_params()


def test_snake_case_names():
    assert snake("Crime type") == "crime_type"
    assert snake("LSOA code") == "lsoa_code"
    assert snake("Self-defined ethnicity") == "self_defined_ethnicity"
    assert snake("\ufeffCrime ID") == "crime_id"


def test_force_names_are_compared_by_place():
    assert normalise_force("Devon & Cornwall Police") == normalise_force("Devon and Cornwall") == "devon and cornwall"
    assert normalise_force("Metropolitan Police Service") == normalise_force("Metropolitan Police")
    assert normalise_force("London, City of") == normalise_force("City of London Police")
    known = known_force_names()
    assert len({normalise_force(n) for n in known}) == len(known)
    assert "british transport" in known and "dyfed powys" in known and "gwent" in known
    assert "demoshire" not in known and "demoshire" in known_force_names(["Demoshire Police"])


def test_prc_csp_months_are_the_last_month_of_the_quarter(tmp_path, params):
    rows = [PRC_CSP_HEADER]
    for q in (1, 2, 3, 4):
        rows.append(f'2023/24,{q},Demoshire Police,Ashby Vale,Burglary - residential,Theft offences,Burglary,28E,"1,2{q}0"')
    rows.append("2022/23,4,Northvale Police,Northvale North,Robbery of business property,Robbery,Robbery,34A,7")
    frame = load_home_office_prc_csp(write_lines(tmp_path / "prc-csp.csv", rows, crlf=False), params)
    assert list(frame.columns) == ["financial_year", "financial_quarter", "month", "force_name", "csp_name",
                                   "offence_description", "offence_group", "offence_subgroup", "offence_code",
                                   "number_of_offences"]
    assert list(frame["month"].astype(str)) == ["2023-06", "2023-09", "2023-12", "2024-03", "2023-03"]
    assert frame["month"].dtype == pd.PeriodDtype("M")
    assert list(frame["number_of_offences"]) == [1210, 1220, 1230, 1240, 7]
    assert frame["number_of_offences"].dtype == "int64"
    assert list(frame["financial_year"]) == ["2023/24"] * 4 + ["2022/23"]
    assert list(frame["financial_quarter"]) == [1, 2, 3, 4, 4]


def _write_ods(path, header: str, rows: list[list], title_rows: int = 3):
    """An ODS with title rows above the table, as the Home Office publishes."""
    titles = pd.DataFrame({"A": ["Police recorded crime by police force area", "Source: Home Office",
                                 "Not official statistics (test)"][:title_rows]})
    table = pd.DataFrame(rows, columns=header.split(","))
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame({"A": ["Cover sheet"]}).to_excel(writer, sheet_name="Cover", index=False, header=False)
        titles.to_excel(writer, sheet_name="Data", index=False, header=False)
        table.to_excel(writer, sheet_name="Data", index=False, startrow=title_rows + 1)
    return path


def test_prc_pfa_from_ods_finds_the_header_below_title_rows(tmp_path, params):
    path = _write_ods(tmp_path / "prc-pfa-2024-03.ods", PRC_PFA_HEADER, [
        ["2023/24", 4, "Demoshire Police", "Burglary - residential", "Theft offences", "Burglary", "28E", 1204],
        ["2023/24", 4, "Northvale Police", "Burglary - residential", "Theft offences", "Burglary", "28E", 97],
    ])
    assert detect_format(path) == "home_office_prc_pfa"
    frame = load_home_office_prc_pfa(path, params)
    assert list(frame["number_of_offences"]) == [1204, 97]
    assert list(frame["month"].astype(str)) == ["2024-03", "2024-03"]
    assert "csp_name" not in frame.columns


def test_an_ods_problem_names_the_sheet_and_the_row(tmp_path, params):
    path = _write_ods(tmp_path / "prc-pfa-2024-03.ods", PRC_PFA_HEADER, [
        ["2023/24", 4, "Demoshire Police", "Burglary - residential", "Theft offences", "Burglary", "28E", 12],
        ["2023/24", 4, "Northvale Police", "Burglary - residential", "Theft offences", "Burglary", "28E", -4],
    ])
    with pytest.raises(DataFileError) as info:
        load_home_office_prc_pfa(path, params)
    # the row as the spreadsheet numbers it, found independently
    sheet = pd.read_excel(path, sheet_name="Data", header=None, engine="odf")
    expected_row = int(sheet.index[sheet.iloc[:, 7].astype(str) == "-4"][0]) + 1
    assert expected_row > 6
    assert info.value.row == expected_row
    assert "sheet 'Data'" in str(info.value) and "negative" in str(info.value)


def test_a_csv_with_title_rows_above_the_header(tmp_path, params):
    path = write_lines(tmp_path / "999.csv", [
        "999 call answer times,,,,", "Source: BT,,,,", "", CALLS_999_HEADER,
        "2024-01,Demoshire Police,12000,11000,150", "2024-02,Demoshire Police,-5,10,1"], crlf=False)
    with pytest.raises(DataFileError) as info:
        load_home_office_999(path, params)
    assert info.value.row == 6 and info.value.column == "Total 999 calls"


def test_999_months_written_in_several_ways(tmp_path, params):
    path = write_lines(tmp_path / "999-2024-05.csv", [
        CALLS_999_HEADER,
        "2024-01,Demoshire Police,12000,11000,150",
        "Feb-24,Demoshire Police,11000,10100,140",
        "March 2024,Demoshire Police,12500,11600,160",
        "2024-04-01,Demoshire Police,12100,11200,150",
        "01/05/2024,Demoshire Police,12300,11300,155",
        '2024-01,Northvale Police,"9,100",8000,90',
    ], crlf=False)
    frame = load_home_office_999(path, params)
    assert list(frame.columns) == ["month", "force_name", "total_calls", "answered_within_10s", "answered_over_60s"]
    assert list(frame["month"].astype(str)) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-01"]
    assert frame["total_calls"].iloc[-1] == 9100


def test_999_the_same_month_twice_for_a_force(tmp_path, params):
    path = write_lines(tmp_path / "999.csv", [CALLS_999_HEADER, "2024-01,Demoshire Police,100,90,1",
                                             "Jan-24,Demoshire Police,100,90,1"], crlf=False)
    with pytest.raises(DataFileError) as info:
        load_home_office_999(path, params)
    assert info.value.row == 3 and "twice" in str(info.value) and "line 2" in str(info.value)


def test_ons_population_lsoa_year_from_the_name_or_a_column(tmp_path, params):
    header = "LAD 2021 Code,LAD 2021 Name,LSOA 2021 Code,LSOA 2021 Name,Total,F0,M0"
    a = write_lines(tmp_path / "lsoa-population-2021.csv", [header, "E06000001,Ashby Vale,E01000001,Ashby Vale 001A,"
                                                              '"1,523",10,11'], crlf=False)
    frame = load_ons_population_lsoa(a, params)
    assert list(frame.columns) == ["year", "lad_code", "lad_name", "lsoa_code", "lsoa_name", "population"]
    assert frame.iloc[0].to_dict() == {"year": 2021, "lad_code": "E06000001", "lad_name": "Ashby Vale",
                                       "lsoa_code": "E01000001", "lsoa_name": "Ashby Vale 001A", "population": 1523}
    b = write_lines(tmp_path / "b" / "population.csv", ["Mid-year," + header,
                                                       "Mid-2022,E06000001,Ashby Vale,E01000001,Ashby Vale 001A,1600,1,2"],
                    crlf=False)
    assert load_ons_population_lsoa(b, params)["year"].tolist() == [2022]
    c = write_lines(tmp_path / "c" / "population.csv", [header, "E06000001,Ashby Vale,E01000001,A,1600,1,2"], crlf=False)
    with pytest.raises(DataFileError, match="year of the population estimates"):
        load_ons_population_lsoa(c, params)


def test_ons_population_area_wide_to_long(tmp_path, params):
    path = write_lines(tmp_path / "area-population.csv", [
        "Code,Name,Geography,Mid-2021,Mid-2022",
        'E06000001,Ashby Vale,Unitary Authority,"101,000",102500',
        "E23000099,Demoshire Police,Police Force Area,500000,505000"], crlf=False)
    frame = load_ons_population_area(path, params)
    assert list(frame.columns) == ["code", "name", "geography", "year", "population"]
    assert len(frame) == 4
    assert frame.set_index(["code", "year"])["population"].to_dict() == {
        ("E06000001", 2021): 101000, ("E23000099", 2021): 500000,
        ("E06000001", 2022): 102500, ("E23000099", 2022): 505000}


def test_imd_lsoa_columns(tmp_path, params):
    header = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
              "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)")
    path = write_lines(tmp_path / "imd.csv", [header, "E01000001,Ashby Vale 001A,E06000001,Ashby Vale,1204,1"],
                       crlf=False)
    frame = load_imd_lsoa(path, params)
    assert list(frame.columns) == ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile"]
    assert frame.iloc[0]["imd_rank"] == 1204 and frame.iloc[0]["imd_decile"] == 1


def test_census_ethnicity_maps_the_long_nomis_names(tmp_path, params):
    header = ["date", "geography", "geography code", "Ethnic group: Total: All usual residents",
              "Ethnic group: Asian, Asian British or Asian Welsh",
              "Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi",
              "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
              "Ethnic group: Mixed or Multiple ethnic groups", "Ethnic group: White",
              "Ethnic group: White: English, Welsh, Scottish, Northern Irish or British",
              "Ethnic group: Other ethnic group", "Ethnic group: Other ethnic group: Arab"]
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow([2021, "Ashby Vale", "E06000001", 1000, 100, 30, 50, 20, 800, 700, 30, 10])
    path = tmp_path / "ts021.csv"
    path.write_text(out.getvalue())
    frame = load_census_ethnicity(path, params)
    assert list(frame.columns) == ["geography", "geography_code", "total", "asian", "black", "mixed", "white", "other"]
    assert frame.iloc[0][["total", "asian", "black", "mixed", "white", "other"]].tolist() == [1000, 100, 50, 20, 800, 30]


def test_census_households(tmp_path, params):
    path = write_lines(tmp_path / "ts041.csv", ["date,geography,geography code,Number of households",
                                               "2021,Ashby Vale,E06000001,45210"], crlf=False)
    frame = load_census_households(path, params)
    assert list(frame.columns) == ["geography", "geography_code", "households"]
    assert frame.iloc[0]["households"] == 45210


def test_indicator_template(tmp_path, params):
    path = write_lines(tmp_path / "indicators-2024-03.csv", [
        INDICATOR_HEADER,
        "victim_satisfaction,2024-03,Demoshire Police,412,538,survey wave 12",
        "dvpn_dvpo,2024-03,Brookmere,31,,",
        "workforce_ethnic_minority,2024-03,Demoshire Police,140,2011,snapshot on 31 March"], crlf=False)
    frame = load_indicator_template(path, params)
    assert list(frame.columns) == ["measure", "month", "area", "value", "denominator", "notes"]
    assert str(frame["denominator"].dtype) == "Int64" and frame["denominator"].isna().tolist() == [False, True, False]
    assert frame["value"].dtype == "int64"
    assert frame["month"].dtype == pd.PeriodDtype("M")


def test_renamed_files_are_detected_from_their_header(tmp_path):
    street = write_street(tmp_path, "2024-01", 3)
    renamed = tmp_path / "my download.csv"
    shutil.copy(street, renamed)
    assert detect_format(renamed) == "police_uk_street"
    csp = write_lines(tmp_path / "table1.csv", [PRC_CSP_HEADER, "2023/24,1,Demoshire Police,Ashby Vale,x,y,z,1,2"],
                      crlf=False)
    pfa = write_lines(tmp_path / "table2.csv", [PRC_PFA_HEADER, "2023/24,1,Demoshire Police,x,y,z,1,2"], crlf=False)
    assert detect_format(csp) == "home_office_prc_csp"
    assert detect_format(pfa) == "home_office_prc_pfa"
    if REAL.exists():
        assert detect_table(REAL / "stats19" / "accidents.csv") == ("stats19", "collisions")


def test_a_file_of_another_format_is_named_as_such(tmp_path, params):
    pfa = write_lines(tmp_path / "prc-pfa.csv", [PRC_PFA_HEADER, "2023/24,1,Demoshire Police,x,y,z,1,2"], crlf=False)
    with pytest.raises(DataFileError, match="format home_office_prc_pfa"):
        load_home_office_prc_csp(pfa, params)


def test_windows_1252_text_and_a_byte_order_mark(tmp_path, params):
    rows = [STREET_HEADER] + street_rows("2024-01", 3)
    rows[1] = rows[1].replace("On or near High Street", "On or near Caf\u00e9 Street")
    path = tmp_path / "2024-01-demoshire-street.csv"
    path.write_bytes("\r\n".join(rows).encode("cp1252") + b"\r\n")
    frame = load_police_uk_street(path, params)
    assert frame["location"].iloc[0] == "On or near Caf\u00e9 Street"
    bom = tmp_path / "bom" / "2024-01-demoshire-street.csv"
    bom.parent.mkdir()
    bom.write_bytes(b"\xef\xbb\xbf" + "\n".join([STREET_HEADER] + street_rows("2024-01", 3)).encode())
    assert list(load_police_uk_street(bom, params).columns)[0] == "crime_id"


@pytest.mark.parametrize("name, expected", [
    ("prc-csp-2024-06.csv", (2024, 6, 0)),
    ("prc-pfa-mar2013-onwards-tables-300724.ods", (2024, 7, 30)),
    ("999-20240131.csv", (2024, 1, 31)),
    ("indicators-march-2024.csv", (2024, 3, 0)),
    ("lsoa-population-2022.csv", (2022, 0, 0)),
    ("notes.csv", None),
])
def test_dates_in_file_names(name, expected):
    assert date_in_name(name) == expected


def test_months_read_chunk_by_chunk_are_those_read_row_by_row():
    """police.uk months are parsed once per chunk when each chunk holds one month (as read from one
    file): the same Period column as parsing each distinct value."""
    import pyarrow as pa
    from needs_assessment.datasets.loaders import parse_iso_month, to_months
    from needs_assessment.datasets.validation import chunk_values, distinct_values
    text = pa.large_string()
    chunks = [pa.array(["2023-01"] * 3, text), pa.array([], text), pa.array(["2023-02"] * 2, text),
              pa.array(["2023-13"] * 2, text), pa.array(["2023-01"], text)]
    by_chunk = pa.table({"month": pa.chunked_array(chunks, text)}).to_pandas()["month"]
    row_by_row = pd.Series(by_chunk.tolist(), dtype=object, name="month")
    assert chunk_values(by_chunk) == ["2023-01", "2023-02", "2023-13", "2023-01"]
    assert chunk_values(row_by_row) is None
    assert distinct_values(by_chunk) == ["2023-01", "2023-02", "2023-13"] == sorted(distinct_values(row_by_row))
    fast, slow = to_months(by_chunk, parse_iso_month), to_months(row_by_row, parse_iso_month)
    pd.testing.assert_series_equal(fast, slow)
    assert [str(m) for m in fast] == ["2023-01"] * 3 + ["2023-02"] * 2 + ["NaT"] * 2 + ["2023-01"]
    # a chunk with two months, or a missing one, is read row by row
    mixed = pa.table({"month": pa.chunked_array([pa.array(["2023-01", None, "2023-02"], text)])}).to_pandas()["month"]
    assert chunk_values(mixed) is None
    assert [str(m) for m in to_months(mixed, parse_iso_month)] == ["2023-01", "NaT", "2023-02"]


def test_an_unclosed_quote_in_a_long_file_is_a_data_error(tmp_path):
    """A stray opening quote swallows the rest of the file into one value; the message still names
    the file, not a csv module traceback."""
    rows = [f"Area {i},E0600{i:04d},{100 + i}" for i in range(6000)]
    rows[10] = '"Area x,E06000010,110'
    path = tmp_path / "households.csv"
    path.write_text("geography,geography code,Number of households: Total\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataFileError) as info:
        load_census_households(path)
    assert str(path) in str(info.value) and "one value per column" in str(info.value)
