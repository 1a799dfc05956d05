"""The downloads published beside the report: measures.csv, every table as CSV, one Excel workbook.

Everything here is disclosure-controlled already (the engine suppresses small counts in the summary
and the chapter tables are written from suppressed frames); this module only lays it out.

No cell can be a formula: text from the data or the params that a spreadsheet would run (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return, OWASP's list for CSV injection) is written with a `'`
in front, in every CSV and in the workbook (`formula_safe`). Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import gc
import hashlib
import math
import multiprocessing
import re
import shutil
import threading
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..measures.disclosure import suppression_note
from ..measures.result import MeasureResult
from ..params import Chapter, Params
from ..content.cells import formula_safe
from ..common.hashing import stable_json
from ..measures.store import RESULTS_FILE

CACHE_DIR = "downloads"          # in the build folder: the last downloads written, and their key
CACHE_KEY = ".downloads-key"
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


MEASURES_COLUMNS = [
    "measure_id", "measure_title", "chapter", "area", "area_type", "period_start", "period_end",
    "count", "denominator", "rate", "unit", "lower_95", "upper_95", "method",
    "previous_count", "previous_value", "change_vs_previous_pct",
    "baseline_count", "baseline_value", "change_vs_baseline_pct",
    "benchmark_name", "benchmark_value", "comparison", "status", "status_reason", "suppressed",
    "months_missing", "previous_months_missing", "baseline_months_missing",
    "not_available",       # why the measure (or its rate) is not available, in words; empty when it is
]


def measures_frame(results: dict[str, MeasureResult]) -> pd.DataFrame:
    """One row per measure, area and period (the latest 12 months), suppressed cells empty."""
    frames = []
    for measure_id, result in results.items():
        s = result.summary.copy()
        if "published_area_type" in s.columns:    # a district's own assessment (--areas): what each row is
            s["area_type"] = s["published_area_type"]
        s["measure_title"] = result.title
        s["chapter"] = result.definition.chapter
        s["unit"] = result.unit
        s["rate"] = s["value"]
        s["not_available"] = (getattr(result, "not_available", None)
                              or getattr(result, "value_not_available", None) or "")
        s["period_start"] = s["period_start"].astype(str)
        s["period_end"] = s["period_end"].astype(str)
        for column in ("status_reason", "months_missing", "previous_months_missing", "baseline_months_missing"):
            # object first: a column with no months missing anywhere is all-NaN float, and filling a
            # float column with text is deprecated in pandas
            s[column] = s[column].astype(object).fillna("") if column in s.columns else ""   # results from before these columns
        frames.append(s)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MEASURES_COLUMNS)
    for column in ("rate", "lower_95", "upper_95", "previous_value", "baseline_value",
                   "change_vs_previous_pct", "change_vs_baseline_pct", "benchmark_value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").round(3)
    return frame[MEASURES_COLUMNS]


def _cell_values(frame: pd.DataFrame) -> list[tuple]:
    """The frame's rows as Python values for the workbook: a missing value None (an empty cell),
    an infinite number the text inf or -inf (as pandas writes them)."""
    columns = []
    for _, series in frame.items():
        values = [None if missing else value for value, missing in zip(series.tolist(), series.isna().tolist())]
        if pd.api.types.is_float_dtype(series.dtype):
            values = [("inf" if v > 0 else "-inf") if v is not None and math.isinf(v) else v for v in values]
        columns.append(values)
    return list(zip(*columns))


def _write_sheet(book: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, header) -> None:
    if len(frame) >= EXCEL_ROWS or len(frame.columns) > EXCEL_COLUMNS:   # XlsxWriter would drop the rest
        raise ValueError(f"the table {name} has {len(frame):,} rows and {len(frame.columns)} columns: more "
                         f"than an Excel sheet holds ({EXCEL_ROWS - 1:,} rows under its header, {EXCEL_COLUMNS} columns)")
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, [str(c) for c in frame.columns], header)
    for number, row in enumerate(_cell_values(frame), start=1):
        sheet.write_row(number, 0, row)


def _sheet_name(label: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", label)[:31]
    base, n = name, 2
    while name in used:
        suffix = f"~{n}"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def write_downloads(results: dict[str, MeasureResult], params: Params, build_dir: Path,
                    chapters: list[Chapter], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    measures = measures_frame(results)
    measures_path = out_dir / "measures.csv"
    safe_measures = formula_safe(measures)
    safe_measures.to_csv(measures_path, index=False)
    written.append(measures_path)
    tables: list[tuple[str, Path]] = []
    # The chapters wrote their tables through formula_safe already (ChapterBuilder.write_table_csv).
    for chapter in chapters:
        for csv in sorted((build_dir / "chapters" / chapter.id / "tables").glob("*.csv")):
            target = out_dir / csv.name
            shutil.copyfile(csv, target)
            written.append(target)
            tables.append((csv.stem, target))

    workbook = out_dir / f"{params.cycle}-needs-assessment-tables.xlsx"
    notes = [
        ("Title", params.title),
        ("Area", params.area.name),
        ("Latest period", f"12 months to {params.period_end_month.strftime('%B %Y')}"),
        ("Baseline", f"{params.baseline.start} to {params.baseline.end}"),
        ("Suppression", suppression_note(params.suppression_threshold)),
        ("Missing values", "Empty cells in the CSV files and [x] in the report mean not available."),
        ("Missing months", "months_missing (and previous_ and baseline_months_missing) list the months the data "
                           "lack in each 12-month window, as 2021-09;2021-10. Such a window's count is as "
                           "published; it has no rate, comparison or status (status Not assessed)."),
        ("Licence", "Contains public sector information licensed under the Open Government Licence v3.0."),
    ]
    if params.demonstration:
        notes.insert(0, ("Status", "DEMONSTRATION DATA: generated for a fictional force. Not official statistics."))
    notes.append(("Contents", "measures: every measure, area and period; then one sheet per table or chart."))
    # XlsxWriter itself, not through pandas' to_excel (whose cell by cell styling was two thirds of
    # the workbook's time): told never to make text a formula, a link or a number, whatever it is
    book = xlsxwriter.Workbook(workbook, {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False})
    try:
        header = book.add_format({"bold": True})
        used: set[str] = set()
        _write_sheet(book, _sheet_name("Notes", used), formula_safe(pd.DataFrame(notes, columns=["Note", "Detail"])), header)
        _write_sheet(book, _sheet_name("measures", used), safe_measures, header)
        for label, path in tables:     # made formula-safe by the chapter that wrote them
            _write_sheet(book, _sheet_name(label, used), pd.read_csv(path), header)
    finally:
        book.close()
    written.append(workbook)
    return written


def downloads_key(params: Params, build_dir: Path, chapters: list[Chapter], code_hash: str) -> str:
    """What the downloads are made from: the measure results, the chapters' tables, the params
    and the code. A reviewer's edit changes none of them."""
    digest = hashlib.sha256(stable_json({"params": params.model_dump(), "code": code_hash,
                                         "chapters": [c.id for c in chapters]}).encode())
    digest.update(hashlib.sha256((Path(build_dir) / RESULTS_FILE).read_bytes()).digest())
    for chapter in chapters:
        for csv in sorted((Path(build_dir) / "chapters" / chapter.id / "tables").glob("*.csv")):
            digest.update(f"{chapter.id}/{csv.name}".encode())
            digest.update(hashlib.sha256(csv.read_bytes()).digest())
    return digest.hexdigest()


def refresh_downloads(results: dict[str, MeasureResult], params: Params, build_dir: Path,
                      chapters: list[Chapter], code_hash: str) -> bool:
    """The downloads kept in `<build>/downloads/`, written again only when what they are made from
    changed (the workbook alone takes seconds). Returns whether they were written. The key is
    written last: a write that fails part way is never taken for the last build's."""
    key = downloads_key(params, build_dir, chapters, code_hash)
    kept = Path(build_dir) / CACHE_DIR
    stamp = kept / CACHE_KEY
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return False
    shutil.rmtree(kept, ignore_errors=True)
    write_downloads(results, params, build_dir, chapters, kept)
    stamp.write_text(key, encoding="utf-8")
    return True


def place_downloads(build_dir: Path, out_dir: Path) -> None:
    """The kept downloads copied into a publication's `downloads/`."""
    shutil.copytree(Path(build_dir) / CACHE_DIR, out_dir, ignore=shutil.ignore_patterns(CACHE_KEY),
                    dirs_exist_ok=True)


def copy_downloads(results: dict[str, MeasureResult], params: Params, build_dir: Path,
                   chapters: list[Chapter], out_dir: Path, code_hash: str) -> bool:
    """The downloads into `out_dir`, written again only when what they are made from changed;
    otherwise copied from the last build's, kept in `<build>/downloads/`. Returns whether they
    were written."""
    written = refresh_downloads(results, params, build_dir, chapters, code_hash)
    place_downloads(build_dir, out_dir)
    return written


def _fork_is_safe() -> bool:
    """A process may be forked only from a driver running no other thread (a thread holding a lock
    at the fork leaves the lock held for ever in the child)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class DownloadsMeanwhile:
    """copy_downloads into `out_dir`, its writing done meanwhile: in a process forked now, while the
    driver stages and renders the book (neither reads the downloads). `finish` waits for the child
    and copies the downloads into `out_dir`; if the child failed in any way, it writes them again
    here, so a failure is raised exactly as copy_downloads raises it (the kept folder has no key
    until a write is whole). Without fork, or with other threads running, `finish` does it all, as
    copy_downloads; `cancel` stops a child still running, keeping nothing of it.

    Used as a context around the render: a failure of the render (an Exception) first finishes
    the downloads, so that theirs is the one raised, as when they were written before the render;
    an interruption (Ctrl-C) stops the child."""

    def __init__(self, results: dict[str, MeasureResult], params: Params, build_dir: Path,
                 chapters: list[Chapter], code_hash: str, out_dir: Path):
        self.args = (results, params, Path(build_dir), chapters, code_hash)
        self.out_dir = Path(out_dir)
        self.process = self.reply = None
        self.written: bool | None = None
        self.finished = False
        if _fork_is_safe():
            context = multiprocessing.get_context("fork")
            self.reply, send = context.Pipe(duplex=False)
            self.process = context.Process(target=_refresh_in_child, args=(send, self.args), daemon=True,
                                           name="downloads")
            self.process.start()
            send.close()

    def finish(self) -> bool:
        """Wait for the downloads (written here if the child could not), then copy them into
        `out_dir`. Returns whether they were written (not kept from the last build). Once only:
        called again, it does nothing."""
        if self.finished:
            return bool(self.written)
        self.finished = True
        if self.process is not None:
            try:
                outcome, written = self.reply.recv()
                self.written = written if outcome == "done" else None
            except (EOFError, OSError):      # the child died before it said
                self.written = None
            finally:
                self._stop(wait=True)
        if self.written is None:
            self.written = refresh_downloads(*self.args)
        place_downloads(self.args[2], self.out_dir)
        return self.written

    def cancel(self) -> None:
        """Stop the child, if it still runs: nothing it was writing is kept (the key is written last)."""
        self._stop(wait=False)

    def _stop(self, wait: bool) -> None:
        if self.process is not None:
            if not wait:
                self.process.terminate()
            self.process.join()
            self.reply.close()
            self.process = None

    def __enter__(self) -> "DownloadsMeanwhile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and issubclass(exc_type, Exception):
            self.finish()                    # raises the downloads' failure, if they failed
        self._stop(wait=False)               # interrupted: nothing of the child's is published


def _refresh_in_child(send, args) -> None:
    gc.freeze()          # the driver's objects stay shared with it: never walked, so never copied
    try:
        send.send(("done", refresh_downloads(*args)))
    except BaseException:     # the driver writes them again and raises what that raises
        send.send(("failed", None))
    finally:
        send.close()
