"""Reading files: where a table's header is, and its rows as an Arrow table.

CSV files are parsed with pyarrow.csv (multi-threaded, no per-row Python). Spreadsheets (ODS, and
XLSX for convenience) are read cell by cell: they are small, or are read once and then cached.

A `Source` is one table file: a CSV/ODS/XLSX on disk, or a member of a zip (police.uk downloads).
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..common.errors import DataFileError
from ..common.hashing import hash_bytes
from .boundaries import GEO_SUFFIXES, field_names
from .formats import ALL_TABLES, GEO_TABLES, HeaderMatch, TableSpec, best_match, match_header
from .names import snake

TABLE_SUFFIXES = (".csv", ".ods", ".xlsx")
DATA_SUFFIXES = TABLE_SUFFIXES + GEO_SUFFIXES      # files a folder or zip is searched for
HEAD_BYTES = 64 * 1024
HEAD_ROWS = 40


@dataclass(frozen=True)
class Source:
    """One table file: `path` on disk, or `member` of the zip at `path`."""

    path: Path
    member: str | None = None
    display: str = ""

    @property
    def label(self) -> str:
        """How messages name the file."""
        if self.display:
            return self.display
        return f"{self.path}/{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def inner_path(self) -> str:
        """The path that carries the month folder and file name (the member, or the file path)."""
        return self.member if self.member else self.path.as_posix()

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        return open_zip(self.path).read(self.member)

    def read_head(self, n: int = HEAD_BYTES) -> bytes:
        if self.member is None:
            with open(self.path, "rb") as fh:
                return fh.read(n)
        with open_zip(self.path).open(self.member) as fh:
            return fh.read(n)


_ZIPS: dict[tuple, zipfile.ZipFile] = {}
_ZIPS_LOCK = threading.Lock()     # files are read on several threads (loaders.read_sources)


def open_zip(path: Path) -> zipfile.ZipFile:
    """An open ZipFile for `path`, kept open while the file is unchanged (a police.uk download has
    thousands of members: reading its directory once, not once per member). ZipFile reads members
    on several threads safely."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    with _ZIPS_LOCK:
        zf = _ZIPS.get(key)
        if zf is None:
            if len(_ZIPS) >= 16:    # dropped, not closed: another thread may be reading it
                _ZIPS.pop(next(iter(_ZIPS)))
            zf = _ZIPS[key] = zipfile.ZipFile(path)
        return zf


def zip_sources(path: Path, display_root: str | None = None) -> list[Source]:
    """The table files inside a zip (skipping folders and macOS metadata)."""
    try:
        names = [i.filename for i in open_zip(path).infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise DataFileError(path, "the file is not a readable zip archive",
                            expected="a zip as downloaded (for example from data.police.uk)") from None
    base = display_root or str(path)
    return [Source(path, n, f"{base}/{n}") for n in sorted(names)
            if n.lower().endswith(DATA_SUFFIXES) and "__MACOSX" not in n and not PurePosixPath(n).name.startswith(".")]


# --------------------------------------------------------------------------------------------
# Spreadsheets
# --------------------------------------------------------------------------------------------

@dataclass
class Sheet:
    name: str
    rows: list[list[str | None]]     # non-empty rows only
    row_numbers: list[int]           # the sheet row number (1-based) of each


_ODS_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_T = "{%s}" % _ODS_NS["table"]
_O = "{%s}" % _ODS_NS["office"]
_X = "{%s}" % _ODS_NS["text"]
_MAX_REPEAT = 2000  # trailing blank cells are written as one cell repeated 16,000 times


def _ods_cell_text(cell) -> str | None:
    vtype = cell.get(_O + "value-type")
    if vtype in ("float", "percentage", "currency"):
        value = cell.get(_O + "value")
        if value is not None:
            if re.fullmatch(r"-?\d+\.0+", value):
                value = value.split(".")[0]
            return value
    elif vtype == "date":
        return cell.get(_O + "date-value")
    elif vtype == "boolean":
        value = cell.get(_O + "boolean-value")
        return None if value is None else value.capitalize()
    parts = []
    for p in cell.iter(_X + "p"):
        parts.append("".join(_ods_text(p)))
    text = "\n".join(parts)
    return text if text != "" else None


def _ods_text(node) -> list[str]:
    out = [node.text or ""]
    for child in node:
        if child.tag == _X + "s":
            out.append(" " * int(child.get(_X + "c", "1")))
        elif child.tag == _X + "tab":
            out.append("\t")
        else:
            out.extend(_ods_text(child))
        out.append(child.tail or "")
    return out


def read_ods(path_or_bytes) -> list[Sheet]:
    """Every sheet of an OpenDocument spreadsheet, streaming content.xml (fast for large files)."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.open("content.xml")
        sheets: list[Sheet] = []
        current: Sheet | None = None
        row_number = 0
        for event, elem in ElementTree.iterparse(content, events=("start", "end")):
            if event == "start":
                if elem.tag == _T + "table":
                    current = Sheet(elem.get(_T + "name") or f"Sheet{len(sheets) + 1}", [], [])
                    row_number = 0
                continue
            if elem.tag == _T + "table-row" and current is not None:
                repeat = int(elem.get(_T + "number-rows-repeated", "1"))
                cells: list[str | None] = []
                for cell in elem:
                    if cell.tag not in (_T + "table-cell", _T + "covered-table-cell"):
                        continue
                    n = min(int(cell.get(_T + "number-columns-repeated", "1")), _MAX_REPEAT)
                    cells.extend([_ods_cell_text(cell)] * n)
                while cells and cells[-1] is None:
                    cells.pop()
                if cells:
                    for k in range(min(repeat, _MAX_REPEAT)):
                        current.rows.append(list(cells))
                        current.row_numbers.append(row_number + k + 1)
                row_number += repeat
                elem.clear()
            elif elem.tag == _T + "table" and current is not None:
                sheets.append(current)
                current = None
                elem.clear()
    return sheets


def read_xlsx(path_or_bytes) -> list[Sheet]:
    import openpyxl

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    sheets = []
    try:
        for ws in wb.worksheets:
            rows, numbers = [], []
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [None if v is None else _xlsx_text(v) for v in row]
                while cells and cells[-1] is None:
                    cells.pop()
                if cells:
                    rows.append(cells)
                    numbers.append(number)
            sheets.append(Sheet(ws.title, rows, numbers))
    finally:
        wb.close()
    return sheets


def _xlsx_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


_SHEETS: dict[tuple, list[Sheet]] = {}


def read_sheets(source: Source) -> list[Sheet]:
    """The sheets of a spreadsheet, memoised by path, size and modification time (sniffing and
    reading a file ask for them more than once)."""
    key = _stat_key(source)
    sheets = _SHEETS.get(key)
    if sheets is not None:
        return sheets
    data = source.read_bytes()
    if not data.strip():
        raise DataFileError(source.label, "the file is empty", expected="a header row and at least one row of data")
    try:
        sheets = read_ods(data) if source.suffix == ".ods" else read_xlsx(data)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise DataFileError(source.label, f"the spreadsheet cannot be read ({exc})",
                            expected="an .ods or .xlsx file saved by a spreadsheet program") from None
    if len(_SHEETS) >= 4:
        _SHEETS.pop(next(iter(_SHEETS), None), None)
    _SHEETS[key] = sheets
    return sheets


# --------------------------------------------------------------------------------------------
# Finding the header
# --------------------------------------------------------------------------------------------

@dataclass
class Sniffed:
    """Where a table starts in a file and which table it is."""

    source: Source
    match: HeaderMatch | None
    header: list[str]
    header_index: int            # 0-based record index of the header (CSV) / index into Sheet.rows
    header_line: int             # line (CSV) or sheet row (spreadsheet) of the header, 1-based
    sheet: str | None = None
    encoding: str = "utf8"
    empty: bool = False
    data_rows_seen: int = 0      # data rows seen after the header in the head of the file

    @property
    def spec(self) -> TableSpec | None:
        return self.match.spec if self.match else None

    @property
    def format(self) -> str | None:
        return self.match.spec.format if self.match else None


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf8"
    except UnicodeDecodeError as exc:
        if exc.start > len(data) - 4:  # a character cut at the end of the head
            try:
                return data[: exc.start].decode("utf-8-sig"), "utf8"
            except UnicodeDecodeError:
                pass
        return data.decode("cp1252", errors="replace"), "cp1252"


def _head_rows(data: bytes, complete: bool) -> tuple[list[list[str]], list[int], str]:
    """The first records of a CSV head, with the line each starts on (blank lines skipped)."""
    text, encoding = _decode(data)
    if not complete:
        cut = max(text.rfind("\n"), 0)
        text = text[:cut]
    rows, lines = [], []
    for record, start in _records_with_lines(text):
        rows.append(record)
        lines.append(start)
        if len(rows) >= HEAD_ROWS:
            break
    return rows, lines, encoding


def _records_with_lines(text: str):
    """Each non-blank CSV record with the line it starts on, as an editor numbers lines (a quoted
    value may span lines). Stops quietly at a malformed record: callers only need the lines before it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for record in reader:
            start = line
            line = reader.line_num + 1
            if record and any(c.strip() for c in record):
                yield record, start
    except csv.Error:
        return


_HEADER_MATCHES: dict[tuple, HeaderMatch | None] = {}
_UNSEEN = object()


def _best_match_memo(header: list[str], specs) -> HeaderMatch | None:
    """best_match, memoised by the header row (the files of a download share their header)."""
    key = (tuple(header), tuple(id(s) for s in specs))
    found = _HEADER_MATCHES.get(key, _UNSEEN)   # one lookup: files are sniffed on several threads
    if found is _UNSEEN:
        if len(_HEADER_MATCHES) > 2048:
            _HEADER_MATCHES.clear()
        _HEADER_MATCHES[key] = found = best_match(header, specs)
    return found


def pick_header(rows: list[list], specs) -> tuple[int, HeaderMatch | None]:
    best: tuple | None = None
    for i, row in enumerate(rows[:HEAD_ROWS]):
        header = ["" if c is None else str(c) for c in row]
        m = _best_match_memo(header, specs)
        if m is not None:
            key = (m.score, len(m.mapping) + len(m.extras))
            if best is None or key > best[0]:
                best = (key, i, m)
            if m.score == 1.0:
                break
    if best is None:
        return 0, None
    return best[1], best[2]


_SNIFFED: dict[tuple, Sniffed] = {}


def _stat_key(source: Source) -> tuple:
    st = source.path.stat()
    return (os.path.abspath(source.path), source.member, st.st_size, st.st_mtime_ns)


def sniff(source: Source, specs=ALL_TABLES) -> Sniffed:
    """Find the header row among the first rows of the file and say which table it is (memoised
    by path, size and modification time)."""
    key = (_stat_key(source), tuple(id(s) for s in specs))
    found = _SNIFFED.get(key)
    if found is None:
        found = _sniff(source, specs)
        if len(_SNIFFED) > 4096:
            _SNIFFED.clear()
        _SNIFFED[key] = found
    return replace(found, source=source, header=list(found.header))


def _sniff(source: Source, specs) -> Sniffed:
    if source.suffix in GEO_SUFFIXES:
        return _sniff_geo(source, specs)
    if source.suffix in (".ods", ".xlsx"):
        sheets = read_sheets(source)
        best = None
        for sheet in sheets:
            idx, m = pick_header(sheet.rows, specs)
            if m is not None:
                key = (m.score, len(m.mapping))
                if best is None or key > best[0]:
                    best = (key, sheet, idx, m)
        if best is None:
            first = next((s for s in sheets if s.rows), None)
            if first is None:
                return Sniffed(source, None, [], 0, 1, empty=True)
            header = [str(c or "") for c in first.rows[0]]
            return Sniffed(source, None, header, 0, first.row_numbers[0], sheet=first.name)
        _, sheet, idx, m = best
        header = [str(c or "") for c in sheet.rows[idx]]
        return Sniffed(source, m, header, idx, sheet.row_numbers[idx], sheet=sheet.name,
                       data_rows_seen=len(sheet.rows) - idx - 1)
    data = source.read_head()
    complete = len(data) < HEAD_BYTES
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        return Sniffed(source, None, [], 0, 1, empty=True)
    rows, lines, encoding = _head_rows(data, complete)
    if not rows:
        return Sniffed(source, None, [], 0, 1, empty=True, encoding=encoding)
    idx, m = pick_header(rows, specs)
    return Sniffed(source, m, list(rows[idx]), idx, lines[idx], encoding=encoding,
                   data_rows_seen=len(rows) - idx - 1)


def _sniff_geo(source: Source, specs) -> Sniffed:
    """A vector file's "header" is its attribute fields; only the boundary formats can match it."""
    fields = field_names(source)
    if fields is None:
        return Sniffed(source, None, [], 0, 1)
    geo_specs = GEO_TABLES if specs is ALL_TABLES else tuple(s for s in specs if s in GEO_TABLES)
    return Sniffed(source, best_match(fields, geo_specs) if geo_specs else None, fields, 0, 1, data_rows_seen=1)


def sniff_for(source: Source, specs: tuple[TableSpec, ...]) -> Sniffed:
    """Like sniff, for a file declared to be of a format: if its header matches none of the format's
    tables well enough, take the first row as the header (validation then names what is missing)."""
    found = sniff(source)
    if found.spec is not None and found.spec in specs:
        return found
    found = sniff(source, specs)
    if found.match is not None or found.empty:
        return found
    if found.header:
        scored = [match_header(s, found.header) for s in specs]
        found.match = max(scored, key=lambda m: m.score)
    return found


# --------------------------------------------------------------------------------------------
# Reading the rows
# --------------------------------------------------------------------------------------------

def parse_csv(data, *, column_names: list[str], include_columns: list[str], column_types: dict,
              encoding: str = "utf8", newlines_in_values: bool = False,
              invalid_rows: list | None = None, use_threads: bool = True, check_utf8: bool = True) -> pa.Table:
    """Parse a CSV with pyarrow: `data` (a path or bytes) starts with the header row, which is skipped
    and replaced by `column_names`. The only CSV parser the loaders call (tests patch it).
    `use_threads=False` when the caller reads several files at once, one per core; `check_utf8=False`
    when the caller knows the bytes are ASCII."""
    read_options = pacsv.ReadOptions(skip_rows=1, column_names=column_names, encoding=encoding,
                                     use_threads=use_threads)

    def handler(row):
        if invalid_rows is not None:
            invalid_rows.append(row)
        return "skip"
    parse_options = pacsv.ParseOptions(newlines_in_values=newlines_in_values, invalid_row_handler=handler)
    convert_options = pacsv.ConvertOptions(column_types=column_types, include_columns=include_columns,
                                           strings_can_be_null=True, quoted_strings_can_be_null=True,
                                           check_utf8=check_utf8)
    src = pa.BufferReader(data) if isinstance(data, bytes) else str(data)
    return pacsv.read_csv(src, read_options=read_options, parse_options=parse_options,
                          convert_options=convert_options)


class ConversionFailed(Exception):
    """A typed read failed; the caller re-reads as text and validates to find the row."""


@dataclass
class RawTable:
    """One table as read (an Arrow table, columns named snake_case), before validation."""

    source: Source
    sniffed: Sniffed
    table: pa.Table
    headers: dict[str, str]                 # snake name -> header as published
    typed: bool                             # float/int/bool columns converted (else all text)
    conversion_error: str | None = None
    file_hash: str | None = None            # the hash of the file's bytes as read (plain CSV files, if asked)
    row_numbers: np.ndarray | None = None   # spreadsheet row number of each data row
    _csv_lines: np.ndarray | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        if self.sniffed.sheet:
            return f"{self.source.label} (sheet '{self.sniffed.sheet}')"
        return self.source.label

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def lines(self, index) -> np.ndarray:
        """Editor line numbers (the header is on `header_line`) of the data rows at these positions."""
        index = np.asarray(index, dtype=np.int64)
        if self.row_numbers is not None:
            return self.row_numbers[index]
        if self._csv_lines is None:
            self._csv_lines = csv_record_lines(self.source, self.sniffed)
        lines = self._csv_lines
        out = self.sniffed.header_line + 1 + index
        ok = index < len(lines)
        out[ok] = lines[index[ok]]
        return out


class Batch:
    """The tables of several files of one kind, as one DataFrame, remembering where each row came from.

    Validating a batch runs each pandera check once over all the rows (fast for 36 monthly files),
    and a failing row is traced back to its file and line."""

    def __init__(self, raws: list[RawTable]):
        self.raws = raws
        self.spec = raws[0].sniffed.spec
        lengths = np.array([r.num_rows for r in raws], dtype=np.int64)
        self.lengths = lengths
        self.offsets = np.concatenate([[0], np.cumsum(lengths)])
        tables = [r.table for r in raws]
        if len(tables) == 1:
            table = tables[0]
        else:
            try:
                table = pa.concat_tables(tables, promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                table = None
        if table is None:  # columns of different types in different files (e.g. STATS19 years)
            frames = [t.to_pandas(types_mapper=_types_mapper) for t in tables]
            self.frame = pd.concat(frames, ignore_index=True)
        else:
            self.frame = table.to_pandas(types_mapper=_types_mapper)
        self.typed = all(r.typed for r in raws)
        self.conversion_error = next((r.conversion_error for r in raws if r.conversion_error), None)
        self.headers: dict[str, str] = {}
        for r in raws:
            for k, v in r.headers.items():
                self.headers.setdefault(k, v)
        self._file_ids: np.ndarray | None = None

    @property
    def file_ids(self) -> np.ndarray:
        """For each row, the index of its file in `raws`."""
        if self._file_ids is None:
            self._file_ids = np.repeat(np.arange(len(self.raws)), self.lengths)
        return self._file_ids

    def per_row(self, values) -> np.ndarray:
        """Expand one value per file to one value per row."""
        return np.repeat(np.asarray(values), self.lengths)

    def locate(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """(file index, position within that file) of rows of the batch."""
        positions = np.asarray(positions, dtype=np.int64)
        files = np.searchsorted(self.offsets, positions, side="right") - 1
        return files, positions - self.offsets[files]


def csv_record_lines(source: Source, sniffed: Sniffed) -> np.ndarray:
    """The line each data record starts on (error path only: uses the csv module)."""
    text, _ = _decode(source.read_bytes())
    starts = [start for index, (_, start) in enumerate(_records_with_lines(text))
              if index > sniffed.header_index]
    return np.array(starts, dtype=np.int64)


# Text is read as large_string: what pandas' `str` dtype holds, so to_pandas does not copy it.
TEXT = pa.large_string()


def _arrow_type(kind: str, typed: bool):
    if not typed:
        return TEXT
    return {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}.get(kind, TEXT)


def _renames(sniffed: Sniffed) -> tuple[dict[int, str], dict[str, str]]:
    """Header position -> snake name, and snake name -> published header."""
    spec = sniffed.spec
    header = sniffed.header
    positions: dict[int, str] = {}
    if sniffed.match is not None:
        for name, pos in sniffed.match.mapping.items():
            positions[pos] = name
    if spec is not None and spec.keep_extra:
        taken = set(positions.values())
        for i, h in enumerate(header):
            if i not in positions:
                s = snake(h)
                if s and s not in taken:
                    positions[i] = s
                    taken.add(s)
    if sniffed.match is not None:
        for i in sniffed.match.extras:
            positions.setdefault(i, header[i])
    positions = dict(sorted(positions.items()))
    headers = {name: header[pos] for pos, name in positions.items()}
    return positions, headers


def _no_rows(source: Source, sniffed: Sniffed) -> DataFileError:
    label = source.label if not sniffed.sheet else f"{source.label} (sheet '{sniffed.sheet}')"
    return DataFileError(label, "the file has a header row but no rows of data",
                         expected="at least one row of data under the header")


def read_table(sniffed: Sniffed, *, typed: bool = True, use_threads: bool = True,
               hash_file: bool = False) -> RawTable:
    """Read the rows of a sniffed table. With `typed`, float/int/bool columns are converted by Arrow;
    if a value does not convert, ConversionFailed is raised and the caller reads again untyped.
    With `hash_file`, a CSV file's hash is taken from the very bytes parsed (`RawTable.file_hash`)."""
    source = sniffed.source
    spec = sniffed.spec
    if sniffed.empty:
        raise DataFileError(source.label, "the file is empty", expected="a header row and at least one row of data")
    positions, headers = _renames(sniffed)
    kinds = {c.name: c.kind for c in spec.columns} if spec else {}
    string_extras = set(spec.string_extras) if spec else set()
    header = sniffed.header
    row_numbers = file_hash = None
    if source.suffix in (".ods", ".xlsx"):
        sheet = next(s for s in read_sheets(source) if s.name == sniffed.sheet)
        body = sheet.rows[sniffed.header_index + 1:]
        row_numbers = np.array(sheet.row_numbers[sniffed.header_index + 1:], dtype=np.int64)
        arrays, names = [], []
        for pos, name in positions.items():
            values = [(r[pos] if pos < len(r) else None) for r in body]
            values = [None if (v is None or str(v).strip() == "") else str(v) for v in values]
            arrays.append(pa.array(values, type=TEXT))
            names.append(name)
        table = pa.table(arrays, names=names) if names else pa.table({})
        if typed:
            try:
                table = _cast_columns(table, {n: kinds.get(n, "str") for n in names})
            except pa.ArrowInvalid as exc:
                raise ConversionFailed(str(exc)) from None
    else:
        column_types = {}
        include = []
        for pos, name in positions.items():
            key = f"c{pos}"
            include.append(key)
            if name in kinds:
                column_types[key] = _arrow_type(kinds[name], typed)
            elif name in string_extras or not typed or not (spec and spec.keep_extra):
                column_types[key] = TEXT
        data = source.read_bytes()
        file_hash = hash_bytes(data) if hash_file and source.member is None else None
        # police.uk files are ASCII: then pyarrow need not check that the text is UTF-8 (a tenth of its time)
        check_utf8 = not data.isascii()
        if sniffed.header_line > 1:
            data = _from_line(data, sniffed.header_line)
        invalid: list = []
        table = None
        for newlines in (False, True):
            invalid.clear()
            try:
                table = parse_csv(data, column_names=[f"c{i}" for i in range(len(header))], include_columns=include,
                                  column_types=column_types, encoding=sniffed.encoding,
                                  newlines_in_values=newlines, invalid_rows=invalid, use_threads=use_threads,
                                  check_utf8=check_utf8)
                break
            except pa.ArrowInvalid as exc:
                message = str(exc)
                if "UTF8" in message and sniffed.encoding == "utf8":
                    sniffed.encoding = "cp1252"
                    return read_table(sniffed, typed=typed, use_threads=use_threads, hash_file=hash_file)
                if "conversion error" in message:
                    raise ConversionFailed(message) from None
                if newlines:
                    raise DataFileError(source.label, f"the file cannot be read as CSV ({message})",
                                        expected="comma-separated values with a header row") from None
        if invalid:
            _raise_ragged(source, sniffed, len(header))
        table = table.rename_columns([positions[int(k[1:])] for k in table.column_names])
    if table.num_rows == 0:
        raise _no_rows(source, sniffed)
    return RawTable(source, sniffed, table, headers, typed, row_numbers=row_numbers, file_hash=file_hash)


def _from_line(data: bytes, line: int) -> bytes:
    """The bytes from the start of `line` (1-based): drops title rows above a header."""
    pos = 0
    for _ in range(line - 1):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return b""
        pos = nxt + 1
    return data[pos:]


def _types_mapper(t: pa.DataType):
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def _cast_columns(table: pa.Table, kinds: dict[str, str]) -> pa.Table:
    cols = []
    for name in table.column_names:
        col = table[name]
        kind = kinds.get(name, "str")
        if kind in ("float", "int", "bool"):
            col = pc.cast(pc.utf8_trim_whitespace(col), _arrow_type(kind, True))
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _raise_ragged(source: Source, sniffed: Sniffed, n_columns: int):
    text, _ = _decode(source.read_bytes())
    for index, (record, start) in enumerate(_records_with_lines(text)):
        if index > sniffed.header_index and len(record) != n_columns:
            raise DataFileError(source.label, f"this row has {len(record)} values but the header has {n_columns} "
                                              f"columns", row=start,
                                expected="one value per column (check for a stray comma or a missing quote)")
    raise DataFileError(source.label, "some rows do not have one value per column",
                        expected="one value per column (check for a stray comma or a missing quote)")
