"""Tables: each as a Markdown pipe table for the chapter and as a DataFrame for the downloads.

Markdown pipe tables, so that the HTML and the PDF renderers both show them; the same tables as
DataFrames for CSV and Excel downloads.

Every table helper has two forms:

* ``*_frame(result)``: the figures, numeric, one row per line of the table, with a ``suppressed``
  column; a suppressed figure is NaN (never its value). This is what a download should contain.
* ``*_table(result, label)``: the same rows as Markdown, numbers formatted ("12,345", "11.6",
  "86.2%"), suppressed cells "[c]", missing "[x]" and comparison/status words with their non-colour
  symbol ("✓ Better", "✗ Off track"; the symbol in a span hidden from screen readers), followed by Quarto's caption line ``: Caption {#tbl-label}``.

``markdown_table`` is the general renderer the helpers use; notebooks can call it on any DataFrame.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import findings as F
from ..measures.comparison import NOT_COMPARED
from ..measures.result import MeasureResult

__all__ = [
    "markdown_table", "format_cell", "tbl_label",
    "district_frame", "status_frame", "msg_frame", "deprivation_frame", "disproportionality_frame",
    "table_frame",
    "district_table", "status_table", "msg_table", "deprivation_table", "disproportionality_table",
]

_NUMERIC_TEXT = re.compile(r"^[+\-−]?[\d,]*\.?\d+\s*(%|pp|times)?$")


# --------------------------------------------------------------------------------------------------
# the renderer

def slug(text: str) -> str:
    """"District rates" -> "district-rates": for labels and anchors."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).strip().lower()).strip("-")


def tbl_label(label: str) -> str:
    """"District rates" -> "tbl-district-rates"; an existing "tbl-" prefix is kept."""
    label = slug(label)
    return label if label.startswith("tbl-") else "tbl-" + label


def format_cell(value: Any, decimals: int | None = None) -> str:
    """One cell: numbers with thousands separators, missing as "[x]", text escaped for a pipe table."""
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if F.is_missing(value):
        return F.MISSING
    if isinstance(value, (int, np.integer)):
        return F.format_number(value, 0 if decimals is None else decimals)
    if isinstance(value, (float, np.floating)):
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 1
        return F.format_number(value, decimals)
    text = str(value).replace("\r", " ").replace("\n", " ").strip()
    # a "|" would end the cell; one already escaped (names come escaped by text.plain) stays as it is
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", text)


def _column_decimals(series: pd.Series) -> int | None:
    values = pd.to_numeric(series, errors="coerce")
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    finite = values[np.isfinite(values)]
    if finite.empty:
        return 0
    if (finite == finite.round()).all():
        return 0
    return F.value_decimals("rate", finite)


def _is_numeric_column(series: pd.Series, cells: Sequence[str]) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    texts = [c for c in cells if c not in (F.MISSING, F.SUPPRESSED, "")]
    return bool(texts) and all(_NUMERIC_TEXT.match(t) for t in texts)


def markdown_table(df: pd.DataFrame, columns: Mapping[str, str] | None = None, caption: str = "",
                   label: str | None = None, align: str | Sequence[str] | Mapping[str, str] | None = None,
                   *, decimals: int | Mapping[str, int] | None = None, suppressed: str | None = "suppressed",
                   suppress_columns: Iterable[str] | None = None) -> str:
    """A Markdown pipe table with a header row, followed by Quarto's caption line.

    columns           {column: header}, in display order (default: every column but ``suppressed``).
    caption, label    ``: caption {#tbl-label}`` after the table (label gets a "tbl-" prefix if missing).
    align             "lrc..." one letter per column, a list of "left"/"right"/"center" (or l/r/c), or
                      {column: alignment}; default: numbers right, text left.
    decimals          places for numeric columns (one number or {column: places}); default: whole numbers
                      stay whole, other numbers get the measure-style decimals (1, or 2-3 for small rates).
    suppressed        name of a boolean column: in rows where it is True, the ``suppress_columns``
                      (default: every numeric column shown) are written "[c]".
    Missing values are written "[x]". Cell text is escaped (a "|" would break the table).
    """
    if columns is None:
        columns = {c: str(c) for c in df.columns if c != suppressed}
    columns = dict(columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"markdown_table: no column(s) {', '.join(map(str, missing))} in the table")
    hidden = (df[suppressed].fillna(False).astype(bool).to_numpy()
              if suppressed and suppressed in df.columns else np.zeros(len(df), dtype=bool))
    if suppress_columns is None:
        suppress_columns = [c for c in columns if pd.api.types.is_numeric_dtype(df[c])
                            and not pd.api.types.is_bool_dtype(df[c])]
    suppress_columns = set(suppress_columns)

    body: dict[str, list[str]] = {}
    for col in columns:
        if isinstance(decimals, Mapping):
            places = decimals.get(col, _column_decimals(df[col]))
        elif decimals is not None and pd.api.types.is_numeric_dtype(df[col]):
            places = decimals
        else:
            places = _column_decimals(df[col])
        cells = []
        for value, hide in zip(df[col].tolist(), hidden):
            cells.append(F.SUPPRESSED if hide and col in suppress_columns else format_cell(value, places))
        body[col] = cells

    aligns = _alignments(df, columns, body, align)
    headers = [format_cell(h) for h in columns.values()]
    widths = []
    for col, header in zip(columns, headers):
        # Pandoc sizes wrapped columns by the dashes in the separator line: make them follow the content.
        # (headers may wrap onto two lines, cell contents should not).
        longest = max([len(c) for c in body[col]] + [0])
        widths.append(max(6, min(max(longest + 2, math.ceil(len(header) / 2)), 40)))
    lines = ["| " + " | ".join(headers) + " |"]
    seps = []
    for width, a in zip(widths, aligns):
        dashes = "-" * width
        seps.append({"left": ":" + dashes, "right": dashes + ":", "center": ":" + dashes + ":"}.get(a, dashes))
    lines.append("|" + "|".join(seps) + "|")
    for i in range(len(df)):
        lines.append("| " + " | ".join(body[col][i] for col in columns) + " |")
    out = "\n".join(lines) + "\n"
    if caption or label:
        cap = format_cell(caption).replace("\\|", "|") if caption else ""
        out += "\n: " + cap + (f" {{#{tbl_label(label)}}}" if label else "") + "\n"
    return out


def _alignments(df, columns, body, align) -> list[str]:
    names = {"l": "left", "r": "right", "c": "center", "left": "left", "right": "right", "center": "center"}
    cols = list(columns)
    if align is None:
        return ["right" if _is_numeric_column(df[c], body[c]) else "left" for c in cols]
    if isinstance(align, str):
        if len(align) != len(cols):
            raise ValueError(f"align: {len(align)} letters for {len(cols)} columns")
        return [names[a] for a in align]
    if isinstance(align, Mapping):
        default = _alignments(df, columns, body, None)
        return [names[align[c]] if c in align else d for c, d in zip(cols, default)]
    align = list(align)
    if len(align) != len(cols):
        raise ValueError(f"align: {len(align)} entries for {len(cols)} columns")
    return [names[a] for a in align]


# --------------------------------------------------------------------------------------------------
# frames (for downloads) and tables (for the page)

def _unit_header(result: MeasureResult) -> str:
    stat = result.definition.statistic
    return {"rate": f"Rate {result.unit}", "proportion": "Percentage", "count": "Number"}[stat]


def _period(result: MeasureResult) -> str:
    return F.period_phrase(result.period_start, result.period_end, article=False)


def _interval(result: MeasureResult, lo: Any, hi: Any, *, suppressed: bool = False) -> str:
    if suppressed:
        return F.SUPPRESSED
    if F.is_missing(lo) or F.is_missing(hi):
        return F.MISSING
    return f"{F.format_value(lo, result, unit=False)} to {F.format_value(hi, result, unit=False)}"


def district_frame(result: MeasureResult) -> pd.DataFrame:
    """The force and its districts, latest 12 months: area, area_type, count, denominator, value,
    lower_95, upper_95, baseline_value, change_vs_baseline_pct, change_vs_baseline_points (proportions),
    comparison, benchmark, suppressed. Suppressed figures are NaN."""
    cols = ["area", "area_type", "count", "denominator", "value", "lower_95", "upper_95", "baseline_value",
            "change_vs_baseline_pct", "change_vs_baseline_points", "comparison", "benchmark", "suppressed"]
    if result.summary.empty:
        return pd.DataFrame(columns=cols)
    threshold = F.suppression_threshold(result)
    rows = []
    count_stat = result.definition.statistic == "count"
    proportion = result.definition.statistic == "proportion"
    base_period = F.period_phrase(result.baseline_start, result.baseline_end, article=False)
    for _, row in result.summary[result.summary["area_type"].isin(["force", "district"])].iterrows():
        f = F.figures_for(row, threshold)
        force = f.area_type == "force"
        word = f.comparison or NOT_COMPARED
        if count_stat and not force:
            word = NOT_COMPARED   # a district's count is part of the force's: no comparison
        points = (f.value - f.baseline_value) if proportion and f.value is not None and f.baseline_value is not None \
            else np.nan
        rows.append({
            "area": result.area_name if force else f.area, "area_type": f.area_type, "count": f.count,
            "denominator": f.denominator if not count_stat else np.nan, "value": f.value,
            "lower_95": f.lower, "upper_95": f.upper, "baseline_value": f.baseline_value,
            "change_vs_baseline_pct": f.change_vs_baseline_pct, "change_vs_baseline_points": points,
            "comparison": word,
            "benchmark": f"baseline ({base_period})" if force else ("" if word == NOT_COMPARED else result.area_name),
            "suppressed": f.suppressed})
    df = pd.DataFrame(rows, columns=cols)
    for c in ["count", "denominator", "value", "lower_95", "upper_95", "baseline_value",
              "change_vs_baseline_pct", "change_vs_baseline_points"]:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["suppressed"] = df["suppressed"].astype(bool)
    return df


def _change_cell(result: MeasureResult, pct: Any, points: Any, *, suppressed: bool = False) -> str:
    if suppressed:
        return F.SUPPRESSED
    if result.definition.statistic == "proportion":
        return F.signed_change(points, 1, "")
    return F.signed_change(pct, 1, "%")


def district_table(result: MeasureResult, label: str | None = None, caption: str | None = None) -> str:
    """Area, count, value, interval, change since the baseline and the comparison word with its symbol."""
    frame = district_frame(result)
    count_stat = result.definition.statistic == "count"
    proportion = result.definition.statistic == "proportion"
    base_period = F.period_phrase(result.baseline_start, result.baseline_end, article=False)
    shown = pd.DataFrame({
        "area": [f"**{a}**" if t == "force" else a for a, t in zip(frame["area"], frame["area_type"])],
        "count": [F.format_count(c, suppressed=s) for c, s in zip(frame["count"], frame["suppressed"])],
        "value": [F.format_value(v, result, unit=False, suppressed=s) for v, s in zip(frame["value"], frame["suppressed"])],
        "interval": [_interval(result, lo, hi, suppressed=s) for lo, hi, s in
                     zip(frame["lower_95"], frame["upper_95"], frame["suppressed"])],
        "change": [_change_cell(result, p, q, suppressed=s) for p, q, s in
                   zip(frame["change_vs_baseline_pct"], frame["change_vs_baseline_points"], frame["suppressed"])],
        "comparison": [F.SUPPRESSED if s else F.symbol_markdown(w)
                       for w, s in zip(frame["comparison"], frame["suppressed"])],
    })
    change_header = ("Change since baseline (percentage points)" if proportion else "Change since baseline")
    columns = {"area": "Area", "count": "Count" if not proportion else "Number",
               "value": _unit_header(result), "interval": "95% confidence interval", "change": change_header}
    if count_stat:
        columns = {"area": "Area", "value": "Number", "interval": "95% confidence interval",
                   "change": change_header}
    else:
        columns["comparison"] = "Comparison"
    if caption is None:
        caption = f"{result.title}: {F.lower_first(_unit_header(result))} by district, {_period(result)}."
        if not count_stat:
            caption += (f" Comparison: each district against {result.area_name}; {result.area_name} against its "
                        f"baseline ({base_period}).")
        caption += f" {F.SUPPRESSED} = too small to publish; {F.MISSING} = not available."
    return markdown_table(shown, columns, caption, label,
                          align=["left"] + ["right"] * (len(columns) - 2) + ["left" if not count_stat else "right"],
                          suppressed=None)


def status_frame(results: Sequence[MeasureResult]) -> pd.DataFrame:
    """Every measure's force-level status: measure_id, measure, statistic, unit, period, value,
    lower_95, upper_95, baseline_value, change_vs_baseline_pct, change_vs_baseline_points, comparison,
    status, status_reason (why "Not assessed"), suppressed, baseline_suppressed."""
    rows = []
    for r in results:
        fig = F._force_figures(r)
        base = {"measure_id": r.measure_id, "measure": r.title, "statistic": r.definition.statistic,
                "unit": r.unit, "period": F.period_phrase(r.period_start, r.period_end, article=False),
                "polarity": r.definition.polarity}
        reason = F._status_reason(r)
        if fig is None or not r.has_data:
            # the engine's status stands (e.g. "Not assessed" when every month of the window is missing)
            rows.append({**base, "comparison": NOT_COMPARED, "status": (fig.status if fig is not None else "")
                         or F.NO_DATA, "status_reason": reason, "suppressed": False, "baseline_suppressed": False})
            continue
        points = (fig.value - fig.baseline_value) if (r.definition.statistic == "proportion" and fig.value is not None
                                                      and fig.baseline_value is not None) else np.nan
        rows.append({**base, "value": fig.value, "lower_95": fig.lower, "upper_95": fig.upper,
                     "baseline_value": fig.baseline_value, "change_vs_baseline_pct": fig.change_vs_baseline_pct,
                     "change_vs_baseline_points": points, "comparison": fig.comparison or NOT_COMPARED,
                     "status": fig.status or F.NO_DATA, "status_reason": reason, "suppressed": fig.suppressed,
                     "baseline_suppressed": fig.baseline_suppressed})
    cols = ["measure_id", "measure", "statistic", "unit", "period", "polarity", "value", "lower_95", "upper_95",
            "baseline_value", "change_vs_baseline_pct", "change_vs_baseline_points", "comparison", "status",
            "status_reason", "suppressed", "baseline_suppressed"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ["value", "lower_95", "upper_95", "baseline_value", "change_vs_baseline_pct",
              "change_vs_baseline_points"]:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in ("suppressed", "baseline_suppressed"):
        df[c] = df[c].fillna(False).astype(bool)
    return df


def _measure_cell(r: MeasureResult) -> str:
    unit = {"rate": f"rate {r.unit}", "proportion": "percentage", "count": "number"}[r.definition.statistic]
    return f"{r.title} ({unit})"


def status_table(results: Sequence[MeasureResult], label: str | None = None, caption: str | None = None) -> str:
    """One row per measure: latest value, baseline, change since the baseline, the comparison with the
    baseline and the target status, each word with its non-colour symbol."""
    results = list(results)
    frame = status_frame(results)
    rows = []
    for r, (_, f) in zip(results, frame.iterrows()):
        sup, base_sup = bool(f["suppressed"]), bool(f["baseline_suppressed"])
        rows.append({
            "measure": _measure_cell(r),
            "value": F.format_value(f["value"], r, unit=False, suppressed=sup),
            "baseline": F.format_value(f["baseline_value"], r, unit=False, suppressed=base_sup),
            "change": (F.SUPPRESSED if sup or base_sup else
                       F.signed_change(f["change_vs_baseline_points"], 1, " pp")
                       if r.definition.statistic == "proportion" else F.signed_change(f["change_vs_baseline_pct"])),
            "comparison": F.SUPPRESSED if sup else F.symbol_markdown(f["comparison"]),
            "status": F.symbol_markdown(f["status"]) + (f": {f['status_reason']}" if f["status_reason"] else ""),
        })
    shown = pd.DataFrame(rows, columns=["measure", "value", "baseline", "change", "comparison", "status"])
    period = F.period_phrase(results[0].period_start, results[0].period_end, article=False) if results else ""
    base_period = (F.period_phrase(results[0].baseline_start, results[0].baseline_end, article=False)
                   if results else "")
    # Short headers keep the numbers readable in a narrow PDF column; the caption gives the periods.
    columns = {"measure": "Measure", "value": "Latest", "baseline": "Baseline",
               "change": "Change", "comparison": "Compared with baseline", "status": "Status"}
    periods = f"Latest: {period}; baseline: {base_period}; change: since the baseline."
    if caption is not None:
        caption = f"{caption.rstrip('.')}. {periods}"
    else:
        caption = (f"Progress on every measure in the plan. {periods} Compared with baseline: ✓ better, ✗ worse "
                   "or = similar (a statistically significant difference, or not), ▲ higher or ▼ lower for "
                   "measures with no preferred direction. Status against the plan's target: ✓ on track, "
                   f"✗ off track, ○ monitor only. pp = percentage points. {F.SUPPRESSED} = too small to "
                   f"publish; {F.MISSING} = not available.")
    return markdown_table(shown, columns, caption, label, align="lrrrll", suppressed=None)


def msg_frame(result: MeasureResult) -> pd.DataFrame:
    """Most similar group: area, count, denominator, value, lower_95, upper_95, rank (1 = lowest),
    is_force, suppressed; attrs["msg_average"]. Suppressed figures are NaN."""
    cols = ["area", "count", "denominator", "value", "lower_95", "upper_95", "rank", "is_force", "suppressed"]
    df = F.controlled_extra(result, "msg")
    if df is None:
        return pd.DataFrame(columns=cols)
    df = df.rename(columns={"population": "denominator"})
    df["denominator"] = pd.to_numeric(df.get("denominator"), errors="coerce").astype("float64")
    df["is_force"] = df["is_force"].fillna(False).astype(bool)
    df["rank"] = df["value"].rank(method="min").astype("Int64")
    df = df.sort_values(["value", "area"], na_position="last")
    out = df[[c for c in cols if c in df.columns]].reset_index(drop=True)
    out.attrs["msg_average"] = df.attrs.get("msg_average")
    return out


def msg_table(result: MeasureResult, label: str | None = None, caption: str | None = None) -> str:
    """Each force in the most similar group, lowest first, with the group average as the last row."""
    frame = msg_frame(result)
    rows = []
    for _, f in frame.iterrows():
        sup = bool(f["suppressed"])
        name = f"**{f['area']}**" if f["is_force"] else str(f["area"])
        rows.append({"area": name, "count": F.format_count(f["count"], suppressed=sup),
                     "value": F.format_value(f["value"], result, unit=False, suppressed=sup),
                     "interval": _interval(result, f["lower_95"], f["upper_95"], suppressed=sup),
                     "rank": F.SUPPRESSED if sup else format_cell(f["rank"], 0)})
    average = frame.attrs.get("msg_average")
    if not F.is_missing(average):
        rows.append({"area": "Most similar group average", "count": "", "value":
                     F.format_value(average, result, unit=False), "interval": "", "rank": ""})
    shown = pd.DataFrame(rows, columns=["area", "count", "value", "interval", "rank"])
    columns = {"area": "Force", "count": "Count", "value": _unit_header(result),
               "interval": "95% confidence interval", "rank": "Rank (1 = lowest)"}
    if caption is None:
        caption = (f"{result.title}: {result.area_name} and its most similar group of forces, {_period(result)}. "
                   f"The group average is all the forces' counts divided by their combined "
                   f"{'population' if result.definition.statistic == 'rate' else 'total'}.")
    return markdown_table(shown, columns, caption, label, align="lrrrr", suppressed=None)


def deprivation_frame(result: MeasureResult) -> pd.DataFrame:
    """imd_decile, count, population, value, lower_95, upper_95, suppressed (rate per 1,000 residents)."""
    cols = ["imd_decile", "count", "population", "value", "lower_95", "upper_95", "suppressed"]
    df = F.controlled_extra(result, "deprivation")
    if df is None:
        return pd.DataFrame(columns=cols)
    df["population"] = pd.to_numeric(df.get("population"), errors="coerce").astype("float64")
    df["imd_decile"] = df["imd_decile"].astype(int)
    return df.sort_values("imd_decile")[[c for c in cols if c in df.columns]].reset_index(drop=True)


def deprivation_table(result: MeasureResult, label: str | None = None, caption: str | None = None) -> str:
    frame = deprivation_frame(result)
    dec = F.value_decimals("rate", frame["value"])
    names = {1: "1 (most deprived)", 10: "10 (least deprived)"}
    rows = []
    for _, f in frame.iterrows():
        sup = bool(f["suppressed"])
        rows.append({"decile": names.get(int(f["imd_decile"]), str(int(f["imd_decile"]))),
                     "count": F.format_count(f["count"], suppressed=sup),
                     "population": F.format_count(f["population"]),
                     "value": F.SUPPRESSED if sup else F.format_number(f["value"], dec),
                     "interval": F.SUPPRESSED if sup else (
                         F.MISSING if F.is_missing(f["lower_95"]) or F.is_missing(f["upper_95"])
                         else f"{F.format_number(f['lower_95'], dec)} to {F.format_number(f['upper_95'], dec)}")})
    shown = pd.DataFrame(rows, columns=["decile", "count", "population", "value", "interval"])
    columns = {"decile": "Deprivation decile", "count": "Count", "population": "Population",
               "value": f"Rate {F.deprivation_unit(result)}", "interval": "95% confidence interval"}
    if caption is None:
        caption = (f"{result.title} by deprivation decile of the neighbourhood (Index of Multiple Deprivation "
                   f"2019), {result.area_name}, {_period(result)}. Decile 1 is the most deprived tenth of "
                   "neighbourhoods in England.")
    return markdown_table(shown, columns, caption, label, align="lrrrr", suppressed=None)


def disproportionality_frame(result: MeasureResult) -> pd.DataFrame:
    """group, searches, population, rate, rate_ratio, lower_95, upper_95, significance, suppressed."""
    cols = ["group", "searches", "population", "rate", "rate_ratio", "lower_95", "upper_95", "significance",
            "suppressed"]
    df = F.controlled_extra(result, "disproportionality")
    if df is None:
        return pd.DataFrame(columns=cols)
    df["population"] = pd.to_numeric(df.get("population"), errors="coerce").astype("float64")
    ref = df["group"].astype(str).str.startswith(F.REFERENCE_GROUP)
    df["significance"] = [
        "reference group" if is_ref else (F._ratio_significance(F._num(lo), F._num(hi)) or "")
        for is_ref, lo, hi in zip(ref, df["lower_95"], df["upper_95"])]
    return df[[c for c in cols if c in df.columns]].reset_index(drop=True)


def disproportionality_table(result: MeasureResult, label: str | None = None, caption: str | None = None) -> str:
    frame = disproportionality_frame(result)
    rows = []
    for _, f in frame.iterrows():
        sup = bool(f["suppressed"])
        ref = f["significance"] == "reference group"
        rows.append({
            "group": str(f["group"]),
            "count": F.format_count(f["searches"], suppressed=sup),
            "population": F.format_count(f["population"]),
            "rate": F.SUPPRESSED if sup else F.format_number(f["rate"], F.value_decimals("rate", frame["rate"])),
            "ratio": F.SUPPRESSED if sup else ("1.0 (reference)" if ref else F.format_number(f["rate_ratio"], 1)),
            "interval": F.SUPPRESSED if sup else ("" if ref else (
                F.MISSING if F.is_missing(f["lower_95"]) or F.is_missing(f["upper_95"])
                else f"{F.format_number(f['lower_95'], 1)} to {F.format_number(f['upper_95'], 1)}")),
            "significance": F.SUPPRESSED if sup else ("" if ref else "None recorded" if f["searches"] == 0
                                                      else _sig_cell(f["significance"])),
        })
    shown = pd.DataFrame(rows, columns=["group", "count", "population", "rate", "ratio", "interval", "significance"])
    columns = {"group": "Ethnic group", "count": "Number", "population": "Residents", "rate": "Rate per 1,000 residents",
               "ratio": "Rate ratio against White", "interval": "95% confidence interval",
               "significance": "Against White people"}
    if caption is None:
        caption = (f"{result.title} by ethnic group, {result.area_name}, {_period(result)}: rate per 1,000 "
                   "residents (Census 2021) and the ratio to the rate for White people. A ratio of 2 means "
                   "twice the rate.")
    return markdown_table(shown, columns, caption, label, align="lrrrrrl", suppressed=None)


def _sig_cell(text: str) -> str:
    hidden = '{aria-hidden="true"}'
    return {"significantly higher": f"[▲]{hidden} Significantly higher",
            "significantly lower": f"[▼]{hidden} Significantly lower",
            "not significantly different": f"[=]{hidden} Not significantly different"}.get(text, text or F.MISSING)


_FRAMES = {"district": district_frame, "status": status_frame, "msg": msg_frame,
           "deprivation": deprivation_frame, "disproportionality": disproportionality_frame}


def table_frame(kind: str, result: MeasureResult | Sequence[MeasureResult]) -> pd.DataFrame:
    """The DataFrame behind a table, for CSV/Excel: kind is "district", "status" (pass a list of
    results), "msg", "deprivation" or "disproportionality". Suppressed figures are NaN with
    ``suppressed`` True."""
    if kind not in _FRAMES:
        raise ValueError(f"unknown table kind {kind!r}: expected one of {', '.join(_FRAMES)}")
    return _FRAMES[kind](result)
