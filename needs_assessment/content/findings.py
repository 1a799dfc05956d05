"""Findings: plain-English text generated from a measure's numbers, never typed by hand.

Every number in the prose is written by the helpers of ``wording`` (``format_number``,
``period_phrase``, ``change_phrase`` ...) from the figures ``printable.figures_for`` allows to be
printed, so that the report, its tables, its chart labels and the reviewers' ``{{< var ... >}}``
references all say the same thing in the same words; those helpers are importable from here too.

Here are the findings themselves (``measure_finding``, ``district_finding``, ``msg_finding``,
``deprivation_finding``, ``disproportionality_finding``) and ``variables_for`` for _variables.yml.

Disclosure rule: a count from 1 to threshold - 1 (params ``suppression_threshold``, default 5) is
never published, nor is any figure it could be worked back from (its rate or percentage, their
interval, changes against it). Zero is not suppressed, following the engine.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..measures.comparison import (BETTER, HIGHER, LOWER, MONITOR_ONLY, NOT_ASSESSED, NOT_COMPARED, NO_DATA,
                                   OFF_TRACK, ON_TRACK, SIMILAR, WORSE)
from ..common.months import months_phrase, parse_months_field
from ..measures import disclosure as _disclosure
from ..measures.result import MeasureResult
from .printable import (DEFAULT_SUPPRESSION_THRESHOLD, Figures, _force_figures, _num, figures_for, is_small_count,
                        significance, suppression_threshold, target_phrase)
from .wording import (MISSING, SUPPRESSED, _capital, _join, _ordinal, _period, _stat_noun, baseline_phrase,
                      change_phrase, format_count, format_number, format_percent, format_value, is_missing,
                      lower_first, measure_subject, period_label, period_phrase, points_phrase, signed_change,
                      symbol_markdown, symbol_text, value_decimals)


__all__ = [
    "SUPPRESSED", "MISSING", "DEFAULT_SUPPRESSION_THRESHOLD",
    "is_missing", "format_number", "format_count", "format_percent", "format_value", "value_decimals",
    "period_label", "period_phrase", "baseline_phrase", "change_phrase", "points_phrase",
    "signed_change", "lower_first", "measure_subject", "suppression_threshold", "is_small_count",
    "Figures", "figures_for", "controlled_extra", "significance", "target_phrase", "symbol_text",
    "symbol_markdown",
    "measure_finding", "district_finding", "msg_finding", "deprivation_finding", "deprivation_unit",
    "disproportionality_finding", "performance_summary", "variables_for",
    "source_publisher", "sentence_start", "gap_finding", "window_gaps",
]

REFERENCE_GROUP = "White"


def _interval_text(result: MeasureResult, fig: Figures) -> str:
    if fig.lower is None or fig.upper is None:
        return ""
    lo = format_value(fig.lower, result, unit=False)
    hi = format_value(fig.upper, result, unit=False)
    return f"95% confidence interval {lo} to {hi}"


def _level_sentence(result: MeasureResult, fig: Figures, period: str) -> str:
    stat = result.definition.statistic
    area = result.area_name
    interval = _interval_text(result, fig)
    if stat == "rate":
        text = f"In {period} the rate in {area} was {format_value(fig.value, result)}"
        extra = [interval] if interval else []
        if fig.count is not None:
            extra.append(f"from a count of {format_count(fig.count)}")
        return text + (f" ({'; '.join(extra)})" if extra else "") + "."
    if stat == "proportion":
        text = f"In {period} the proportion in {area} was {format_value(fig.value, result)}"
        extra = []
        if fig.count is not None and fig.denominator is not None:
            extra.append(f"{format_count(fig.count)} out of {format_count(fig.denominator)}")
        if interval:
            extra.append(interval)
        return text + (f" ({'; '.join(extra)})" if extra else "") + "."
    text = f"In {period} the number in {area} was {format_count(fig.value if fig.value is not None else fig.count)}"
    return text + (f" ({interval})" if interval else "") + "."


def _direction_noun(change: float | None) -> str:
    if change is None or change == 0:
        return "change"
    return "rise" if change > 0 else "fall"


def _baseline_sentence(result: MeasureResult, fig: Figures) -> str:
    base_period = period_phrase(result.baseline_start, result.baseline_end)
    if fig.baseline_suppressed:
        return (f"The count in the baseline period ({base_period}) is too small to publish "
                f"({SUPPRESSED}), so no change against the baseline is shown.")
    if fig.baseline_value is None:
        return f"There is no baseline figure for {base_period} to compare with."
    stat = result.definition.statistic
    base = format_value(fig.baseline_value, result)
    sig = significance(fig)
    if stat == "proportion":
        points = fig.value - fig.baseline_value
        phrase = points_phrase(points)
        size_change = points
    else:
        phrase = change_phrase(fig.change_vs_baseline_pct)
        size_change = fig.change_vs_baseline_pct
        if phrase == MISSING:   # e.g. a baseline of zero: no percentage change
            phrase = "compared"
    if phrase == "unchanged":
        text = f"This is unchanged from the baseline of {base} in {base_period}"
    elif phrase == "compared":
        text = f"The baseline was {base} in {base_period}"
    else:
        text = f"This is {phrase} on the baseline of {base} in {base_period}"
    if stat == "proportion" and phrase != "unchanged" and fig.change_vs_baseline_pct is not None:
        text += f" (a relative {_direction_noun(points)} of {format_number(abs(fig.change_vs_baseline_pct), 1)}%)"
    if sig is True:
        text += f", a statistically significant {_direction_noun(size_change)}"
    elif sig is False:
        text += ", which is not a statistically significant change"
    return text + "."


def _previous_sentence(result: MeasureResult, fig: Figures) -> str:
    prev_end = _period(result.period_end) - 12
    prev_period = period_phrase(prev_end - 11, prev_end)
    if fig.previous_suppressed:
        return f"The count for {prev_period} is too small to publish ({SUPPRESSED})."
    if fig.previous_value is None:
        return ""
    prev = format_value(fig.previous_value, result)
    if result.definition.statistic == "proportion":
        phrase = points_phrase(fig.value - fig.previous_value)
    else:
        phrase = change_phrase(fig.change_vs_previous_pct)
    if phrase == MISSING:
        return f"In {prev_period} it was {prev}."
    if phrase == "unchanged":
        return f"It is unchanged from {prev} in {prev_period}."
    return f"Compared with {prev_period} ({prev}) it is {phrase}."


def _judgement_sentences(result: MeasureResult, fig: Figures) -> list[str]:
    polarity = result.definition.polarity
    out = []
    word = fig.comparison
    if word in (BETTER, WORSE, SIMILAR) and polarity != "none":
        better = "lower" if polarity == "lower" else "higher"
        out.append(f"Against the baseline it is rated **{symbol_markdown(word)}** "
                   f"(for this measure {better} is better).")
    elif word in (HIGHER, LOWER, SIMILAR):
        described = {HIGHER: "higher than", LOWER: "lower than", SIMILAR: "similar to"}[word]
        out.append(f"It is **{symbol_markdown(word)}**: {described} the baseline. This measure has no "
                   "preferred direction, so the change is described rather than judged better or worse.")
    elif polarity == "none":
        out.append("This measure has no preferred direction, so changes are described rather than "
                   "judged better or worse.")
    status = fig.status
    target = target_phrase(result)
    if status in (ON_TRACK, OFF_TRACK) and target:
        out.append(f"Status: **{symbol_markdown(status)}** against {target}.")
    elif status in (ON_TRACK, OFF_TRACK):
        out.append(f"Status: **{symbol_markdown(status)}**.")
    elif status == MONITOR_ONLY:
        out.append(f"Status: **{symbol_markdown(status)}**: the plan monitors this measure without a target.")
    elif status == NO_DATA:
        out.append(f"Status: **{symbol_markdown(status)}**: there are not enough data to judge progress "
                   f"against {target or 'the target'}.")
    elif status == NOT_ASSESSED:
        reason = _status_reason(result)
        out.append(f"Status: **{symbol_markdown(status)}**" + (f": {reason}" if reason else "")
                   + f", so progress against {target or 'the target'} is not judged.")
    return out


def _status_reason(result: MeasureResult) -> str:
    if (result.summary.empty or "status_reason" not in result.summary.columns
            or not (result.summary["area_type"] == "force").any()):
        return ""
    reason = result.force_row.get("status_reason")
    return "" if is_missing(reason) else str(reason)


PUBLISHERS = {"police_uk": "police.uk", "stats19": "the Department for Transport",
              "home_office": "the Home Office", "indicator_template": "the force's indicator file"}


def source_publisher(result: MeasureResult) -> str:
    """Who publishes the measure's data: "police.uk", "the Home Office", ..."""
    fmt = getattr(result, "source_format", "") or ""
    for prefix, name in PUBLISHERS.items():
        if fmt.startswith(prefix):
            return name
    return "the source"


def sentence_start(name: str) -> str:
    """A publisher's name at the start of a sentence: "The Home Office", but "police.uk" as it writes itself."""
    return name if name.startswith("police.uk") else _capital(name)


def window_gaps(result: MeasureResult) -> dict[str, list[pd.Period]]:
    """The force's months missing from each window: {"latest": [...], "previous": [...], "baseline": [...]}."""
    out = {"latest": [], "previous": [], "baseline": []}
    if result.summary.empty or not (result.summary["area_type"] == "force").any():
        return out
    row = result.force_row
    for key, column in (("latest", "months_missing"), ("previous", "previous_months_missing"),
                        ("baseline", "baseline_months_missing")):
        out[key] = parse_months_field(row.get(column))
    return out


def _months_count(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


def gap_finding(result: MeasureResult) -> str:
    """The months the data lack in the windows this section shows, in words, and what follows from it
    (docs/assumptions.md): "police.uk published no data for September to November 2021 ...". Empty
    when no window is touched."""
    months = list(getattr(result, "months_missing", []) or [])
    if not months:
        return ""
    step = getattr(result, "month_step", 1) or 1
    publisher = source_publisher(result)
    text = [f"**Months missing.** {sentence_start(publisher)} published no data for {months_phrase(months, step)}, "
            "or those months are not in the files used."]
    gaps = window_gaps(result)
    fig = _force_figures(result)
    noun = {"rate": "rate", "proportion": "percentage", "count": "12-month figure"}[result.definition.statistic]
    if gaps["latest"]:
        n = len(gaps["latest"])
        published = 12 - n if step == 1 else None
        count = ""
        if fig is not None and fig.suppressed:
            count = f" The count for the months published is too small to publish ({SUPPRESSED})."
        elif fig is not None and fig.count is not None:
            count = (f" The count for the {published} months published is {format_count(fig.count)}."
                     if published else f" The count for the months published is {format_count(fig.count)}.")
        text.append(f"{_capital(period_phrase(result.period_start, result.period_end))} lack "
                    f"{_months_count(n)} ({months_phrase(gaps['latest'], step)}).{count} No {noun}, comparison "
                    "or status is drawn from an incomplete 12 months.")
    if gaps["previous"]:
        prev_end = _period(result.period_end) - 12
        text.append(f"{_capital(period_phrase(prev_end - 11, prev_end))} lack {_months_count(len(gaps['previous']))}, "
                    "so no change on the previous 12 months is given.")
    if gaps["baseline"]:
        base = period_phrase(result.baseline_start, result.baseline_end)
        text.append(f"The baseline ({base}) lacks {_months_count(len(gaps['baseline']))}, so no change "
                    "against the baseline is given.")
    trend = result.trend
    if trend is not None and not trend.empty and "months_missing" in trend.columns:
        force = trend[trend["area_type"] == "force"]
        if (force["months_missing"].fillna("") != "").any() and force["value"].notna().any():
            text.append("In the chart the rolling 12-month line is not drawn for any 12 months that include a "
                        "missing month.")
    return " ".join(text)


def measure_finding(result: MeasureResult) -> str:
    """The headline finding for one measure, as Markdown paragraphs (force level).

    Level and interval in the latest 12 months; change against the baseline (with whether it is
    statistically significant) and against the previous 12 months; the comparison word and the
    target status. Suppressed figures are never printed.
    """
    title = result.title
    period = period_phrase(result.period_start, result.period_end)
    if getattr(result, "not_available", None):
        return f"**{title}.** Not available for {period}: {_sentence_end(result.not_available)}"
    fig = _force_figures(result)
    if fig is None or not result.has_data:
        text = f"**{title}.** No data are available for {period}."
        if fig is not None and fig.status:
            text += f" Status: **{symbol_markdown(fig.status)}**."
        return text
    if fig.suppressed:
        first = (f"**{title}.** In {period} the number in {result.area_name} was too small to publish "
                 f"({SUPPRESSED}). To protect confidentiality the "
                 f"{'figure' if result.definition.statistic == 'count' else _stat_noun(result)}, "
                 "its interval and the changes are not shown.")
        second = _judgement_sentences(result, fig)
        return first + ("\n\n" + " ".join(second) if second else "")
    if fig.value is None:
        if window_gaps(result)["latest"]:   # counted as published; gap_finding says what is missing
            second = _judgement_sentences(result, fig)
            return (f"**{title}.** Months are missing from {period}, so no 12-month figure is given "
                    "(see *Months missing* below)." + ("\n\n" + " ".join(second) if second else ""))
        if getattr(result, "value_not_available", None) and fig.count is not None:
            return (f"**{title}.** In {period} the number in {result.area_name} was {format_count(fig.count)}. "
                    f"The rate is not available: {_sentence_end(result.value_not_available)}")
        return f"**{title}.** No figure could be calculated for {period}."
    first = [f"**{title}.**", _level_sentence(result, fig, period), _baseline_sentence(result, fig)]
    prev = _previous_sentence(result, fig)
    if prev:
        first.append(prev)
    second = _judgement_sentences(result, fig)
    return " ".join(first) + ("\n\n" + " ".join(second) if second else "")


def _sentence_end(text: str) -> str:
    """A reason written as the end of a sentence: closed with a full stop."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _district_figures(result: MeasureResult) -> list[Figures]:
    if result.summary.empty:
        return []
    threshold = suppression_threshold(result)
    return [figures_for(row, threshold) for _, row in result.districts.iterrows()]


def district_finding(result: MeasureResult) -> str:
    """Which districts differ significantly from the force, and the highest and lowest."""
    districts = _district_figures(result)
    force = _force_figures(result)
    area = result.area_name
    period = period_phrase(result.period_start, result.period_end)
    if not districts:
        return f"There are no district figures for {lower_first(result.title)}."
    shown = [d for d in districts if d.value is not None]
    hidden = [d.area for d in districts if d.suppressed]
    parts = []
    if not shown:
        parts.append(f"No district figures can be shown for {period}.")
    else:
        stat = _stat_noun(result)
        if result.definition.statistic == "count":
            # A district's count is part of the force's count: comparing them says nothing.
            higher, lower, similar = [], [], []
        else:
            higher = [d for d in shown if significance(d) and d.benchmark_value is not None
                      and d.value > d.benchmark_value]
            lower = [d for d in shown if significance(d) and d.benchmark_value is not None
                     and d.value < d.benchmark_value]
            similar = [d for d in shown if significance(d) is False]

        def named(ds):
            return _join([f"{d.area} ({format_value(d.value, result, unit=False)})" for d in ds])

        force_value = format_value(force.value, result) if force and force.value is not None else None
        against = f"{area} as a whole" + (f" ({force_value})" if force_value else "")
        if higher or lower:
            bits = []
            if higher:
                bits.append(f"significantly higher in {named(higher)}")
            if lower:
                bits.append(f"significantly lower in {named(lower)}")
            judged = ""
            if result.definition.polarity != "none":
                worse = [d.area for d in shown if d.comparison == WORSE]
                if worse:
                    judged = (f" For this measure {'lower' if result.definition.polarity == 'lower' else 'higher'}"
                              f" is better, so {_join(worse)} {'is' if len(worse) == 1 else 'are'} rated worse "
                              f"than the {area} figure.")
            parts.append(f"In {period} the {stat} was {' and '.join(bits)} than in {against}.{judged}")
            if similar:
                n = len(similar)
                parts.append(f"The other {'district was' if n == 1 else f'{n} districts were'} not "
                             f"significantly different from the {area} figure.")
        elif similar:
            parts.append(f"In {period} no district's {stat} was significantly different from {against}.")
        if len(shown) >= 2:
            top = max(shown, key=lambda d: d.value)
            bottom = min(shown, key=lambda d: d.value)
            parts.append(f"The highest was {top.area} ({format_value(top.value, result)}) and the lowest "
                         f"{bottom.area} ({format_value(bottom.value, result)}).")
    if hidden:
        parts.append(f"Figures for {_join(hidden)} are too small to publish ({SUPPRESSED}).")
    return " ".join(parts)


# kind: (count column, columns computed from it, whether the counts add up to a published total)
_EXTRA_RULES = {
    "msg": ("count", ["value", "lower_95", "upper_95"], False),
    "deprivation": ("count", ["value", "lower_95", "upper_95"], True),
    "disproportionality": ("searches", ["rate", "rate_ratio", "lower_95", "upper_95"], True),
}


def controlled_extra(result: MeasureResult, kind: str) -> pd.DataFrame | None:
    """A copy of ``result.extras[kind]`` ("msg", "deprivation", "disproportionality") with disclosure
    control applied: a ``suppressed`` column, and the count and everything computed from it NaN there.

    Deciles and ethnic groups add up to the force's total, which is published elsewhere, so they get
    secondary suppression too (disclosure.suppress_counts); most similar group forces are separate
    published totals, so primary only (plus any peer the engine already suppressed in the summary).
    None when the result has no such breakdown."""
    frame = result.extras.get(kind)
    if frame is None or frame.empty:
        return None
    count_col, derived, secondary = _EXTRA_RULES[kind]
    threshold = suppression_threshold(result)
    df = frame.copy()
    if count_col not in df.columns:
        df[count_col] = np.nan
    df[count_col] = pd.to_numeric(df[count_col], errors="coerce").astype("float64")
    flags = np.zeros(len(df), dtype=bool)
    if "suppressed" in df.columns:
        flags |= df["suppressed"].fillna(False).astype(bool).to_numpy()
    counts = df[count_col].to_numpy(float)
    flags |= (counts > 0) & (counts < threshold)
    if secondary and len(df) > 1:
        done = _disclosure.suppress_counts(df[[count_col]].reset_index(drop=True), [count_col], threshold)
        flags |= done.mask[count_col].to_numpy(bool)
    if kind == "msg" and not result.summary.empty and "suppressed" in result.summary.columns:
        hidden = set(result.summary.loc[result.summary["suppressed"].fillna(False).astype(bool), "area"])
        flags |= df["area"].isin(hidden).to_numpy()
    for column in [count_col, *derived]:
        if column in df.columns:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64")
            df.loc[flags, column] = np.nan
    df["suppressed"] = flags
    df.attrs = dict(frame.attrs)
    return df


def rank_position(rank: int, size: int) -> str:
    """"the lowest", "the 3rd lowest", "the 2nd highest": a rank (1 = lowest) among `size` values."""
    if rank <= (size + 1) / 2:
        return "the lowest" if rank == 1 else f"the {_ordinal(rank)} lowest"
    from_top = size - rank + 1
    return "the highest" if from_top == 1 else f"the {_ordinal(from_top)} highest"


def msg_finding(result: MeasureResult) -> str:
    """Where the force ranks in its most similar group, and whether it differs from the group average."""
    msg = controlled_extra(result, "msg")
    if msg is None:
        return "There is no most similar group comparison for this measure."
    msg = msg.assign(_sup=msg["suppressed"])
    average = _num(msg.attrs.get("msg_average"))
    period = period_phrase(result.period_start, result.period_end)
    # ranked among the forces whose figures are published: counting a suppressed force would say
    # where its hidden figure lies
    size = int(msg["value"].notna().sum())
    forces = msg[msg["is_force"].fillna(False).astype(bool)]
    if forces.empty:
        return "The most similar group figures do not include this force."
    me = forces.iloc[0]
    if bool(me["_sup"]) or is_missing(me["value"]):
        text = (f"In {period} the {result.area_name} figure is too small to publish ({SUPPRESSED}), so it is "
                "not compared with its most similar group of forces.")
        return text
    value = float(me["value"])
    position = rank_position(int(msg["value"].rank(method="min").loc[me.name]), size)
    stat = _stat_noun(result)
    shown = "" if size == len(msg) else " with figures to publish"
    text = (f"In {period} {result.area_name} had {position} {stat} of the {size} forces in its most similar "
            f"group{shown} ({format_value(value, result)}).")
    if average is not None:
        text += f" The group average was {format_value(average, result)}."
        lo, hi = _num(me.get("lower_95")), _num(me.get("upper_95"))
        if lo is not None and hi is not None:
            if lo > average:
                text += f" {result.area_name} was significantly higher than the group average"
            elif hi < average:
                text += f" {result.area_name} was significantly lower than the group average"
            else:
                text += f" {result.area_name} was not significantly different from the group average"
            polarity = result.definition.polarity
            if polarity != "none" and (lo > average or hi < average):
                good = (hi < average) == (polarity == "lower")
                text += f", which is {'better' if good else 'worse'} for this measure"
            text += "."
    hidden = int(msg["_sup"].sum())
    if hidden:
        text += f" Figures for {hidden} force{'s' if hidden != 1 else ''} are too small to publish ({SUPPRESSED})."
    return text


def deprivation_unit(result: MeasureResult) -> str:
    """Deprivation rates are per 1,000 residents (the engine divides by LSOA population)."""
    frame = result.extras.get("deprivation")
    if frame is not None and frame.attrs.get("unit"):
        return str(frame.attrs["unit"])
    return "per 1,000 population"


def deprivation_finding(result: MeasureResult) -> str:
    """The deprivation gradient: the most deprived decile against the least deprived."""
    frame = controlled_extra(result, "deprivation")
    if frame is None:
        return "There is no breakdown by deprivation for this measure."
    frame = frame.assign(_sup=frame["suppressed"]).set_index("imd_decile")
    unit = deprivation_unit(result)
    period = period_phrase(result.period_start, result.period_end)
    dec = value_decimals("rate", frame["value"])

    def shown(d):
        return d in frame.index and not bool(frame.loc[d, "_sup"]) and not is_missing(frame.loc[d, "value"])

    if not (shown(1) and shown(10)):
        return (f"The figures for the most or least deprived neighbourhoods are too small to publish "
                f"({SUPPRESSED}) or missing, so the deprivation gradient is not shown.")
    most, least = float(frame.loc[1, "value"]), float(frame.loc[10, "value"])
    most_t, least_t = format_number(most, dec), format_number(least, dec)
    subject = f"the rate of {lower_first(result.title)}"
    text = (f"In {period} {subject} was {most_t} {unit} in the most deprived tenth of neighbourhoods "
            f"(decile 1) and {least_t} in the least deprived tenth (decile 10)")
    if least > 0:
        ratio = most / least
        if ratio >= 1.05:
            text += f": {format_number(ratio, 1)} times as high."
        elif ratio <= 0.95:
            text += f": {format_number((1 - ratio) * 100, 0)}% lower in the most deprived neighbourhoods."
        else:
            text += ": about the same."
    else:
        text += "."
    lo1, hi1 = _num(frame.loc[1].get("lower_95")), _num(frame.loc[1].get("upper_95"))
    lo10, hi10 = _num(frame.loc[10].get("lower_95")), _num(frame.loc[10].get("upper_95"))
    if None not in (lo1, hi1, lo10, hi10):
        if lo1 > hi10 or lo10 > hi1:
            text += " The difference is statistically significant (the 95% confidence intervals do not overlap)."
        else:
            text += " The 95% confidence intervals overlap, so the difference may be due to chance."
    hidden = [str(int(d)) for d in frame.index if bool(frame.loc[d, "_sup"])]
    if hidden:
        text += f" Figures for decile{'s' if len(hidden) > 1 else ''} {_join(hidden)} are too small to publish ({SUPPRESSED})."
    return text


def _group_phrase(group: str) -> str:
    return f"people in the {group} ethnic group"


def _ratio_significance(lo: float | None, hi: float | None) -> str | None:
    if lo is None or hi is None:
        return None
    if lo > 1:
        return "significantly higher"
    if hi < 1:
        return "significantly lower"
    return "not significantly different"


def disproportionality_finding(result: MeasureResult) -> str:
    """Rate ratios against White people, with significance from their intervals."""
    frame = controlled_extra(result, "disproportionality")
    if frame is None:
        return "There is no breakdown by ethnic group for this measure."
    frame = frame.assign(_sup=frame["suppressed"])
    period = period_phrase(result.period_start, result.period_end)
    groups = frame[~frame["group"].astype(str).str.startswith(REFERENCE_GROUP)]
    none = groups[~groups["_sup"] & (pd.to_numeric(groups.get("searches"), errors="coerce") == 0)]
    groups = groups.drop(index=none.index)
    shown = groups[~groups["_sup"] & groups["rate_ratio"].notna()].sort_values("rate_ratio", ascending=False)
    hidden = list(groups.loc[groups["_sup"], "group"].astype(str))
    parts = []
    if shown.empty:
        parts.append(f"In {period} no ethnic group's figures can be shown.")
    else:
        top = shown.iloc[0]
        lo, hi = _num(top.get("lower_95")), _num(top.get("upper_95"))
        text = (f"In {period} the rate of {lower_first(result.title)} for {_group_phrase(str(top['group']))} "
                f"was {format_number(top['rate_ratio'], 1)} times the rate for White people")
        sig = _ratio_significance(lo, hi)
        if sig:
            text += f" (95% confidence interval {format_number(lo, 1)} to {format_number(hi, 1)})"
            text += (", a statistically significant difference." if sig != "not significantly different"
                     else ", which is not a statistically significant difference.")
        else:
            text += "."
        parts.append(text)
        others = []
        for _, row in shown.iloc[1:].iterrows():
            lo, hi = _num(row.get("lower_95")), _num(row.get("upper_95"))
            item = f"{row['group']} {format_number(row['rate_ratio'], 1)} times"
            sig = _ratio_significance(lo, hi)
            if sig:
                item += f" ({format_number(lo, 1)} to {format_number(hi, 1)}; {sig})"
            others.append(item)
        if others:
            parts.append(f"Against White people the rate ratios for the other groups were: {'; '.join(others)}.")
    if not none.empty:
        names = list(none["group"].astype(str))
        parts.append(f"None were recorded for people in the {_join(names)} ethnic group"
                     f"{'s' if len(names) > 1 else ''}, so there is no ratio to report.")
    if hidden:
        parts.append(f"Figures for the {_join(hidden)} ethnic group{'s' if len(hidden) > 1 else ''} are "
                     f"too small to publish ({SUPPRESSED}).")
    return " ".join(parts)


def _count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def performance_summary(results: Iterable[MeasureResult]) -> str:
    """The performance chapter's summary (Markdown): how many measures are on and off track against
    the plan's targets, how many differ significantly from the baseline, and which are off track."""
    seen: dict[str, MeasureResult] = {}
    for r in results:
        seen.setdefault(r.measure_id, r)
    results = list(seen.values())
    if not results:
        return "There are no measures to summarise."
    statuses: dict[str, list[MeasureResult]] = {ON_TRACK: [], OFF_TRACK: [], MONITOR_ONLY: [], NO_DATA: [],
                                                NOT_ASSESSED: []}
    words: dict[str, list[MeasureResult]] = {w: [] for w in (BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED)}
    figs: dict[str, Figures | None] = {}
    for r in results:
        fig = _force_figures(r) if r.has_data else None
        figs[r.measure_id] = fig
        status = fig.status if fig is not None and fig.status in statuses else NO_DATA
        if fig is None and (whole := _force_figures(r)) is not None and whole.status == NOT_ASSESSED:
            status = NOT_ASSESSED   # no month of the window published: not assessed, not "no data"
        statuses[status].append(r)
        word = fig.comparison if fig is not None and fig.comparison in words else NOT_COMPARED
        words[word].append(r)
    n = len(results)
    on, off, mon, nod, gap = (len(statuses[k]) for k in (ON_TRACK, OFF_TRACK, MONITOR_ONLY, NO_DATA, NOT_ASSESSED))
    first = results[0]
    period = period_phrase(first.period_start, first.period_end)
    targeted = on + off
    text = [f"This chapter reports {_count_phrase(n, 'measure')} for {period}."]
    extra = []
    if mon:
        extra.append(f"{_count_phrase(mon, 'measure')} {'is' if mon == 1 else 'are'} monitored without a target")
    if nod:
        extra.append(f"{nod} {'has' if nod == 1 else 'have'} no data to judge progress")
    if gap:
        extra.append(f"{gap} {'is' if gap == 1 else 'are'} not assessed because months are missing from the data")
    if targeted:
        sentence = (f"Of the {_count_phrase(targeted, 'measure')} with a target that could be assessed, "
                    f"{on} {'is' if on == 1 else 'are'} on track and {off} off track")
        text.append(sentence + ("; " + _join(extra) if extra else "") + ".")
    elif extra:
        text.append("Of these, " + _join(extra) + ".")
    judged = len(words[BETTER]) + len(words[SIMILAR]) + len(words[WORSE]) + len(words[HIGHER]) + len(words[LOWER])
    second = []
    if judged:
        parts = []
        directional = len(words[BETTER]) + len(words[WORSE])
        if directional or words[SIMILAR]:
            parts.append(f"{len(words[BETTER])} {'is' if len(words[BETTER]) == 1 else 'are'} significantly better, "
                         f"{len(words[WORSE])} significantly worse and {len(words[SIMILAR])} not significantly "
                         "different")
        if words[HIGHER] or words[LOWER]:
            parts.append(f"of the measures with no preferred direction, {len(words[HIGHER])} "
                         f"{'is' if len(words[HIGHER]) == 1 else 'are'} significantly higher and "
                         f"{len(words[LOWER])} significantly lower")
        second.append(f"Compared with {baseline_phrase(first)}, " + "; ".join(parts) + ".")
        if words[NOT_COMPARED]:
            k = len(words[NOT_COMPARED])
            second.append(f"The remaining {k} could not be compared with the baseline (no baseline figure, "
                          "or numbers too small to publish).")
    out = " ".join(text) + ("\n\n" + " ".join(second) if second else "")
    if statuses[OFF_TRACK]:
        lines = []
        for r in statuses[OFF_TRACK]:
            fig = figs[r.measure_id]
            item = f"- **{r.title}**"
            if fig is not None and fig.suppressed:
                item += f": too small to publish ({SUPPRESSED})"
            elif fig is not None and fig.value is not None:
                item += f": {format_value(fig.value, r)}"
                if r.definition.statistic == "proportion" and fig.baseline_value is not None:
                    item += f", {points_phrase(fig.value - fig.baseline_value)} on the baseline"
                elif fig.change_vs_baseline_pct is not None:
                    item += f", {change_phrase(fig.change_vs_baseline_pct)} on the baseline"
            target = target_phrase(r)
            if target:
                item += f"; against {target}"
            lines.append(item)
        out += f"\n\nThe measures off track ({_symbol_word(OFF_TRACK)}) are:\n\n" + "\n".join(lines)
    return out


def _symbol_word(word: str) -> str:
    return symbol_markdown(word)


def variables_for(result: MeasureResult) -> dict[str, str]:
    """Strings reviewers cite as {{< var measure_id.field >}}: count, value, rate, lower, upper,
    interval, change_vs_baseline, change_vs_previous, comparison, status, period, baseline,
    baseline_period, previous, title, unit. Suppressed figures are "[c]", missing ones "[x]"."""
    fig = _force_figures(result)
    period = period_phrase(result.period_start, result.period_end)
    base_period = period_phrase(result.baseline_start, result.baseline_end)
    out = {"title": result.title, "unit": result.unit, "period": period, "baseline_period": base_period}
    if fig is None:
        out.update({k: MISSING for k in ("count", "value", "rate", "lower", "upper", "interval",
                                          "change_vs_baseline", "change_vs_previous", "baseline", "previous")})
        out.update({"comparison": NOT_COMPARED, "status": NO_DATA})
        return out
    if fig.suppressed:
        for key in ("count", "value", "rate", "lower", "upper", "interval",
                    "change_vs_baseline", "change_vs_previous"):
            out[key] = SUPPRESSED
    else:
        proportion = result.definition.statistic == "proportion"
        out["count"] = format_count(fig.count)
        out["value"] = format_value(fig.value, result, unit=False)
        out["rate"] = format_value(fig.value, result)
        out["lower"] = format_value(fig.lower, result, unit=False)
        out["upper"] = format_value(fig.upper, result, unit=False)
        out["interval"] = (f"{out['lower']} to {out['upper']}" if fig.lower is not None and fig.upper is not None
                           else MISSING)
        if fig.baseline_suppressed:
            out["change_vs_baseline"] = SUPPRESSED
        elif proportion and fig.value is not None and fig.baseline_value is not None:
            out["change_vs_baseline"] = points_phrase(fig.value - fig.baseline_value)
        else:
            out["change_vs_baseline"] = change_phrase(fig.change_vs_baseline_pct)
        if fig.previous_suppressed:
            out["change_vs_previous"] = SUPPRESSED
        elif proportion and fig.value is not None and fig.previous_value is not None:
            out["change_vs_previous"] = points_phrase(fig.value - fig.previous_value)
        else:
            out["change_vs_previous"] = change_phrase(fig.change_vs_previous_pct)
    out["baseline"] = SUPPRESSED if fig.baseline_suppressed else format_value(fig.baseline_value, result)
    out["previous"] = SUPPRESSED if fig.previous_suppressed else format_value(fig.previous_value, result)
    out["comparison"] = fig.comparison or NOT_COMPARED
    out["status"] = fig.status or NO_DATA
    return out
