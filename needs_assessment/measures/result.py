"""What computing one measure produces: the frames that charts, tables, findings and downloads read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..params import Measure

# Columns of MeasureResult.summary, in order. One row per area: the force first, then its districts,
# then (where the source has them) the most similar group's forces.
SUMMARY_COLUMNS = [
    "measure_id", "area", "area_type",            # area_type: force | district | peer
    "period_start", "period_end",                 # pd.Period[M]: the latest 12 months
    "count", "denominator",                       # 12-month totals (denominator: population, households or cases)
    "value", "lower_95", "upper_95", "method",    # rate per `per`, percentage, or count; its interval and method
    "previous_count", "previous_value", "change_vs_previous_pct",
    "baseline_count", "baseline_value", "change_vs_baseline_pct",
    "benchmark_name", "benchmark_value",          # what `comparison` compares against: baseline (force), force (districts), MSG average (peers)
    "comparison",                                 # Better | Similar | Worse | Higher | Lower | Not compared
    "status",                                     # On track | Off track | Monitor only | No data | Not assessed (force row; districts: "")
    "status_reason",                              # why "Not assessed": "3 months missing from the latest 12 months"
    "suppressed",                                 # True when the count is below the disclosure threshold
    # The months the dataset lacks in each window ("2021-09;2021-10"; empty when complete). A window with
    # months missing keeps its published count but has no value, comparison or status (docs/assumptions.md).
    "months_missing", "previous_months_missing", "baseline_months_missing",
]


@dataclass
class MeasureResult:
    measure_id: str
    definition: Measure
    area_name: str                 # the force area, e.g. "Demoshire"
    force: str                     # the force's name as in the data, e.g. "Demoshire Police"
    period_start: pd.Period
    period_end: pd.Period
    baseline_start: pd.Period
    baseline_end: pd.Period
    unit: str                      # "per 1,000 population", "per 1,000 households", "%", "count"
    monthly: pd.DataFrame          # month (Period[M]), area, area_type, count, denominator
    trend: pd.DataFrame            # month, area, area_type, count_12m, denominator_12m, value, lower_95, upper_95,
                                   # months_missing: rolling 12 months
    summary: pd.DataFrame          # SUMMARY_COLUMNS
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)
    # extras, where the data allows:
    #   "deprivation": imd_decile (1 most deprived..10), count, population, value, lower_95, upper_95
    #   "hotspots":    lsoa_code, lsoa_name, district, imd_decile, count, value (top LSOAs by count)
    #   "locations":   longitude, latitude, lsoa_code, lsoa_name, district (each record of the latest
    #                  12 months with coordinates: the point-density map bins them, never publishes them)
    #   "lsoa_counts": lsoa_code, lsoa_name, district, population, count (every LSOA of the districts
    #                  in the LSOA population file; counts as counted: the choropleth suppresses them)
    #   "disproportionality": group, searches, population, rate, rate_ratio, lower_95, upper_95 (against White)
    #   "msg": area, count, population, value, lower_95, upper_95, rank (1 = lowest), is_force; attrs["msg_average"]
    notes: list[str] = field(default_factory=list)   # caveats to print under the section (data gaps etc.)
    suppression_threshold: int = 5   # from the params file: counts below it are never published
    # The months the dataset lacks (for the force) from the earliest window the section shows (the
    # baseline, the previous 12 months or the first rolling window) to the period end.
    months_missing: list[pd.Period] = field(default_factory=list)
    source_format: str = ""          # the dataset's format ("police_uk_street"): who publishes it
    month_step: int = 1              # 1 monthly data, 3 quarterly, 12 yearly
    # Why the measure is not available at all (its dataset is absent, or has no rows for the force):
    # the publication says so in these words. None when the measure was computed.
    not_available: str | None = None
    # Why the measure's rates are not available although its counts are (no population file).
    value_not_available: str | None = None

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def force_row(self) -> pd.Series:
        rows = self.summary[self.summary["area_type"] == "force"]
        return rows.iloc[0]

    @property
    def districts(self) -> pd.DataFrame:
        return self.summary[self.summary["area_type"] == "district"]

    @property
    def has_data(self) -> bool:
        return not self.not_available and not self.summary.empty and pd.notna(self.force_row["count"])


def cadence(monthly: pd.DataFrame) -> int:
    """Months of data expected in a 12-month window: 12 (monthly), 4 (quarterly Home Office
    tables, dated at each quarter's last month) or 1 (a yearly snapshot, e.g. the workforce)."""
    months = pd.Series(monthly["month"].unique())
    if len(months) < 2:
        return 1
    per_year = months.groupby(months.map(lambda m: m.year)).nunique()
    if (per_year <= 1).all():
        return 1
    if months.map(lambda m: m.month % 3 == 0).all():
        return 4
    return 12
