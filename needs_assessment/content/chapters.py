"""What a chapter notebook calls: each method returns the chapter's content for the notebook to show.

The notebook stays thin (parameters, one call per block, display); everything here is tested.
Each method returns a `display.Content` (Quarto Markdown and figures): as the last line of a cell,
Jupyter shows it rendered and the book stage turns the same outputs into the chapter. Figures carry
their label, caption and alt text; their PNG is also written beside the chapter, and the data behind
every chart and table is written as CSV for the downloads. Recommendations are not here: each
section includes its reviewer-edited file at render time, so editing a recommendation never
re-runs a notebook.

Run by itself (Jupyter, or papermill with the notebook's default parameters), a notebook's relative
paths are read from the project root (the folder, at or above the working directory, that holds the
params file), and the measures are computed first if no build has left them in the build folder.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import findings, tables
from . import maps as maps_content
from .display import Content, Figure
from .chart import Chart
from .figures import FigureCache, choropleth_drawer, district_map_drawer
from .tables import slug
from .text import code, name as name_text, plain
from ..common.hashing import FILE_HASH
from ..measures.store import RESULTS_FILE, load_area_profile, load_map_geography, load_measure_results
from ..measures.comparison import STATUS_SYMBOLS
from ..measures.coverage import coverage_sentences
from ..measures.result import MeasureResult
from ..common.months import months_phrase
from ..params import Chapter, Params, load_params

FIGURES = "figures"


@dataclass
class ChapterBuilder:
    params_path: str
    build_dir: str
    chapter_id: str

    @cached_property
    def project_root(self) -> Path:
        """Where relative paths start (the params file's datasets too): the working directory, or the
        first folder above it that holds the params file, since Jupyter runs a notebook in its own
        folder (`notebooks/`). With an absolute params path: the folder above it with the project's
        `_quarto.yml`."""
        here = Path.cwd()
        params_path = Path(self.params_path)
        if params_path.is_absolute():
            return next((f for f in params_path.parents if (f / "_quarto.yml").is_file()), here)
        return next((f for f in (here, *here.parents) if (f / params_path).is_file()), here)

    def _path(self, path: str) -> Path:
        return self.project_root / path     # an absolute path stays as it is

    @cached_property
    def params(self) -> Params:
        return load_params(self._path(self.params_path))

    @cached_property
    def build_path(self) -> Path:
        """The build folder, with the measures in it: computed now if no build has left them there."""
        build_dir = self._path(self.build_dir)
        if not (build_dir / RESULTS_FILE).exists():
            # Imported only here: a build leaves the measures, so a kernel never loads the engine.
            from ..common.build_folder import cycle_lock
            from ..common.hashing import package_code_hash
            from ..measures.stage import run_measures_stage

            root = self.project_root.resolve()
            with cycle_lock(root, self.params.cycle):
                if not (build_dir / RESULTS_FILE).exists():
                    build_dir.mkdir(parents=True, exist_ok=True)
                    run_measures_stage(self.params, root, build_dir, root / ".cache" / "datasets",
                                       package_code_hash())
        return build_dir

    @cached_property
    def shown(self) -> "ShownResults":
        """The results as the chapter's text shows them: every name and title from the data or the
        params escaped for Markdown (`text.plain`). Findings and tables are written from these;
        charts and CSV downloads from `results`, which keep the text as it is. Each is escaped when
        first asked for, so a chapter pays only for its own measures."""
        return ShownResults(self.results)

    @cached_property
    def figures(self) -> FigureCache:
        """The build's figures, drawn before the kernels ran (or drawn now, and kept)."""
        return FigureCache(self.build_path)

    @cached_property
    def chapter(self) -> Chapter:
        return self.params.chapter(self.chapter_id)

    @cached_property
    def results(self) -> dict[str, MeasureResult]:
        return load_measure_results(self.build_path)

    @property
    def out_dir(self) -> Path:
        path = self.build_path / "chapters" / self.chapter_id
        (path / FIGURES).mkdir(parents=True, exist_ok=True)
        (path / "tables").mkdir(parents=True, exist_ok=True)
        return path

    @property
    def measures(self) -> list[str]:
        return list(self.chapter.measures)

    def label(self, kind: str, *parts: str) -> str:
        return f"{kind}-{self.chapter_id.lower()}-" + "-".join(slug(p) for p in parts)

    # --- building blocks ------------------------------------------------------------------------
    def heading(self) -> Content:
        return Content(f"# {plain(self.chapter.title)} {{#sec-{self.chapter_id.lower()}}}\n")

    def figure(self, chart: Chart, label: str) -> Content:
        """The figure (PNG, label, caption, alt text) and its data link; the chart's data is written
        as CSV for the downloads. A chart from the figure cache is copied (the cache keeps it)."""
        target = self.out_dir / FIGURES / f"{label}.png"
        if Path(chart.path) != target:
            if Path(chart.path).is_relative_to(self.figures.root):
                shutil.copyfile(chart.path, target)
            else:
                Path(chart.path).replace(target)
        self.write_table_csv(chart.data, label)
        chart.caption = plain(f"{chart.title}. {chart.subtitle}. Source: {chart.source}." if chart.source
                              else f"{chart.title}. {chart.subtitle}.")
        if chart.notes:   # e.g. months missing: said under the chart, not only drawn in it
            chart.caption += " " + plain("Note: " + " ".join(chart.notes))
        figure = Figure(target.read_bytes(), label, chart.caption, chart.alt_text, f"{FIGURES}/{label}.png")
        # the link is relative to the chapter file (chapters/): right for Quarto's page per
        # chapter and, resolved by the embedded renderer, for its one page at the top
        return Content(figure, f"\n\nData for @{label}: [{label}.csv](../downloads/{label}.csv)\n")

    def write_table_csv(self, frame: pd.DataFrame, label: str) -> None:
        """The data behind a table or chart, for the downloads: no cell a spreadsheet would run."""
        from .cells import formula_safe
        formula_safe(frame).to_csv(self.out_dir / "tables" / f"{label}.csv", index=False)

    def chart_path(self, label: str) -> Path:
        return self.out_dir / FIGURES / f"{label}.png"

    def recommendations_include(self, section: str) -> str:
        return (f"### Recommendations {{.unnumbered}}\n\n"
                f"{{{{< include _recommendations/{self.chapter_id}/{section}.md >}}}}\n")

    # --- a measure's section ----------------------------------------------------------------------
    def section(self, measure_id: str) -> Content:
        """A measure's section: finding, charts (trend, districts, similar forces, deprivation,
        disproportionality, as the data allows), tables, caveats, then its recommendations."""
        raw, result = self.results[measure_id], self.shown[measure_id]
        m = result.definition
        parts = [f"## {m.title} {{#sec-{self.chapter_id.lower()}-{slug(measure_id)}}}\n",
                 f"*{m.description}*\n",
                 findings.measure_finding(result) + "\n"]
        gaps = findings.gap_finding(result)
        if gaps:
            parts.append(gaps + "\n")
        available = self.figures.available(measure_id, raw)
        blocks = [
            ("trend", None, None, None),
            ("district", findings.district_finding, tables.district_table, tables.district_frame),
            ("msg", findings.msg_finding, tables.msg_table, tables.msg_frame),
            ("deprivation", findings.deprivation_finding, None, None),
            ("disproportionality", findings.disproportionality_finding,
             tables.disproportionality_table, tables.disproportionality_frame),
        ]
        for kind, finding, table, frame in blocks:
            if kind not in available:
                continue
            if finding is not None:
                parts.append(finding(result) + "\n")
            label = self.label("fig", measure_id, kind)
            parts.append(self.figure(self.figures.chart(measure_id, kind, raw), label))
            if table is not None:
                tlabel = self.label("tbl", measure_id, kind)
                parts.append(table(result, tlabel) + "\n")
                self.write_table_csv(frame(raw), tlabel)
        if "hexmap" in available:   # the map of where the records are, beside the hotspots table
            label = self.label("fig", measure_id, "hexmap")
            parts.append(self.figure(self.figures.chart(measure_id, "hexmap", raw), label))
        if "hotspots" in raw.extras and not raw.extras["hotspots"].empty:
            parts.append(self.hotspots(measure_id, raw))
        parts.append(self.choropleth(measure_id, raw))
        for note in result.notes:
            parts.append(f"::: {{.callout-note}}\n## About this data\n\n{note}\n:::\n")
        parts.append(self.recommendations_include(slug_section(measure_id)))
        return Content.join("\n", parts)

    @cached_property
    def maps(self):
        """The build's map geography and why a map cannot be drawn (measures/geography.py)."""
        return load_map_geography(self.build_path)

    def choropleth(self, measure_id: str, raw: MeasureResult) -> Content:
        """The LSOA choropleth of the measure's rate, with the LSOAs of highest rate beside it; or, for
        a measure with an LSOA breakdown, a sentence saying why there is no map. The map comes from
        the figure cache (drawn by the build's figure pool): no matplotlib or shapely here then."""
        if not maps_content.choropleth_applies(raw):
            return Content()
        maps = self.maps
        reason = maps_content.choropleth_reason(raw, maps)
        if reason is not None:
            return Content(f"There is no map of the rate in each neighbourhood: {plain(reason)}.\n")
        label = self.label("fig", measure_id, "choropleth")
        chart = self.figures.chart(measure_id, maps_content.CHOROPLETH, raw,
                                   draw=choropleth_drawer(maps.geography))
        figure = self.figure(chart, label)
        top = maps_content.top_rates_frame(maps_content.measure_choropleth_data(raw, maps.geography))
        tlabel = self.label("tbl", measure_id, "top-rates")
        self.write_table_csv(top, tlabel)
        shown = _plain_columns(top, ("lsoa_name", "district"))
        caption = (f"{self.shown[measure_id].title}: the ten neighbourhoods (LSOAs) with the highest rate per "
                   f"1,000 residents, {findings.period_phrase(raw.period_start, raw.period_end)}")
        table = tables.markdown_table(
            shown, {"lsoa_name": "Neighbourhood", "district": "District", "count": "Count",
                    "population": "Residents", "rate_per_1000": "Rate per 1,000 residents",
                    "rate_class": "Class on the map"},
            caption=caption, label=tlabel, decimals={"count": 0, "population": 0, "rate_per_1000": 1},
            suppress_columns=["count", "rate_per_1000"])
        intro = (f"@{label} maps the rate in every neighbourhood; @{tlabel} lists the ten with the highest "
                 f"rate (the highest is {shown.iloc[0]['lsoa_name']} in {shown.iloc[0]['district']}).\n\n")
        return Content(intro) + figure + Content("\n" + table + "\n")

    def district_map(self) -> Content:
        """The map of the districts (area profile), or why there is none."""
        maps = self.maps
        reason = maps_content.district_map_reason(maps)
        if reason is not None:
            return Content(f"There is no map of the districts: {plain(reason)}.\n")
        label = self.label("fig", "districts", "map")
        area_name = self.params.area.name
        chart = self.figures.chart(
            maps_content.AREA_PROFILE, maps_content.district_map_kind(area_name), None,
            draw=district_map_drawer(maps.geography, load_area_profile(self.build_path), area_name))
        return self.figure(chart, label)

    def hotspots(self, measure_id: str, result: MeasureResult) -> str:
        """The neighbourhoods (LSOAs) with the most records in the latest 12 months."""
        frame = result.extras["hotspots"].copy()
        frame["suppressed"] = (frame["count"] > 0) & (frame["count"] < result.suppression_threshold)
        frame.loc[frame["suppressed"], ["count", "value"]] = float("nan")
        label = self.label("tbl", measure_id, "hotspots")
        self.write_table_csv(frame, label)
        frame = _plain_columns(frame, ("lsoa_name", "district"))
        result = self.shown[measure_id]
        top = frame.iloc[0]
        intro = (f"The ten neighbourhoods with the most {result.title.lower()} in the latest 12 months are in "
                 f"@{label}; the highest is {top['lsoa_name']} in {top['district']}.\n\n")
        caption = (f"{result.title}: the ten neighbourhoods (LSOAs) with the most records, "
                   f"{findings.period_phrase(result.period_start, result.period_end)}")
        return intro + tables.markdown_table(
            frame, {"lsoa_name": "Neighbourhood", "district": "District",
                    "imd_decile": "Deprivation decile (1 = most deprived)", "count": "Count",
                    "value": "Rate per 1,000 residents"},
            caption=caption, label=label, decimals={"imd_decile": 0, "count": 0, "value": 1},
            suppress_columns=["count", "value"]) + "\n"

    def sections(self) -> Content:
        return Content.join("\n", (self.section(m) for m in self.measures))

    def overview(self) -> Content:
        """The chapter's measures and their status, before the detail."""
        if not self.measures:
            return Content()
        label = self.label("tbl", "overview")
        self.write_table_csv(tables.status_frame([self.results[m] for m in self.measures]), label)
        chosen = [self.shown[m] for m in self.measures]
        return Content(f"@{label} summarises the measures in this chapter; each section below gives the detail.\n\n"
                       + tables.status_table(chosen, label, caption=f"Measures for {plain(self.chapter.title.lower())}") + "\n")

    def general_recommendations(self) -> Content:
        return Content(f"## Recommendations for the chapter as a whole {{#sec-{self.chapter_id.lower()}-general}}\n\n"
                       f"{{{{< include _recommendations/{self.chapter_id}/general.md >}}}}\n")

    # --- opening and closing chapters ---------------------------------------------------------------
    def plan_outline(self) -> Content:
        lines = []
        for part in self.params.plan.parts:
            if part.title.lower() in ("context", "performance"):
                continue
            lines.append(f"**{plain(part.title)}**\n")
            for c in part.chapters:
                lines.append(f"- {plain(c.title)} (@sec-{c.id.lower()})")
            lines.append("")
        return Content("\n".join(lines))

    def status_key(self) -> Content:
        rows = ["| Word | Symbol | Meaning |", "|---|---|---|"]
        meanings = {
            "Better": "significantly better than the benchmark (the 95% interval excludes it)",
            "Similar": "no statistically significant difference from the benchmark",
            "Worse": "significantly worse than the benchmark",
            "Higher": "significantly higher, for a measure where neither direction is better",
            "Lower": "significantly lower, for a measure where neither direction is better",
            "Not compared": "no benchmark, or too few events to compare",
        }
        for word, meaning in meanings.items():
            rows.append(f"| {word} | {STATUS_SYMBOLS[word].symbol} | {meaning} |")
        label = self.label("tbl", "status-key")
        return Content("\n".join(rows) + f"\n\n: How to read the comparison words {{#{label}}}\n")

    def performance_table(self) -> Content:
        ordered = []
        for c in self.params.chapters():
            for m in c.measures:
                if m not in ordered:
                    ordered.append(m)
        label = self.label("tbl", "all-measures")
        self.write_table_csv(tables.status_frame([self.results[m] for m in ordered if m in self.results]), label)
        chosen = [self.shown[m] for m in ordered if m in self.shown]
        return Content(tables.status_table(chosen, label, caption="Every plan measure against its benchmark and target")
                       + "\n")

    def performance_summary(self) -> Content:
        return Content(findings.performance_summary(list(self.shown.values())))

    def data_sources_table(self) -> Content:
        manifest_path = self.build_path / "data-manifest.json"
        manifest = json.loads(manifest_path.read_text())
        rows = ["| Dataset | Format | Release | Files | Rows | BLAKE3 hash (first 12) |", "|---|---|---|---|---:|---|"]
        for name, info in manifest["datasets"].items():
            for i, f in enumerate(info["files"]):
                rows.append(f"| {name_text(name) if i == 0 else ''} | {info['format'] if i == 0 else ''} | "
                            f"{plain(info['release']) if i == 0 else ''} | {code(Path(f['path']).name)} | "
                            f"{'' if i else format(sum(info['rows'].values()), ',')} | `{f[FILE_HASH][:12]}` |")
        label = self.label("tbl", "data-sources")
        self.write_table_csv(pd.DataFrame([
            {"dataset": n, "format": i["format"], "release": i["release"], "file": f["path"], FILE_HASH: f[FILE_HASH]}
            for n, i in manifest["datasets"].items() for f in i["files"]]), label)
        return Content("\n".join(rows) + f"\n\n: Every data file used, its release and its hash {{#{label}}}\n\n"
                       + self.months_missing_table(manifest))

    def months_missing_table(self, manifest: dict | None = None) -> str:
        """The months each dataset covers and the months it lacks between its first and last (per force
        where a table names forces), from the data manifest; how they are treated is in the methods."""
        if manifest is None:
            manifest = json.loads((self.build_path / "data-manifest.json").read_text())
        rows, records = [], []
        for name, info in manifest["datasets"].items():
            months = info.get("months") or {}
            if not months.get("count"):
                continue
            step = 3 if months.get("missing") and info.get("format", "").startswith("home_office_prc") else 1
            missing = [pd.Period(m, freq="M") for m in months.get("missing", [])]
            text = (f"{months_phrase(missing, step)} ({len(missing)} month{'s' if len(missing) != 1 else ''})"
                    if missing else "none")
            for force, gap in (months.get("missing_by_force") or {}).items():
                text += f"; {plain(force)}: {gap['missing_text']} ({len(gap['missing'])})"
            covered = f"{findings.period_label(months['first'])} to {findings.period_label(months['last'])}"
            rows.append(f"| {name_text(name)} | {covered} | {text} |")
            records.append({"dataset": name, "first_month": months["first"], "last_month": months["last"],
                            "months_missing": ";".join(months.get("missing", [])),
                            "months_missing_by_force": "; ".join(
                                f"{f}: {';'.join(g['missing'])}" for f, g in (months.get("missing_by_force") or {}).items())})
        if not rows:
            return ""
        label = self.label("tbl", "months-missing")
        self.write_table_csv(pd.DataFrame(records), label)
        lacking = [r for r in records if r["months_missing"] or r["months_missing_by_force"]]
        intro = ("No dataset lacks a month between its first and last month.\n\n" if not lacking else
                 f"{len(lacking)} dataset{'s lack' if len(lacking) != 1 else ' lacks'} months between "
                 f"{'their' if len(lacking) != 1 else 'its'} first and last (@{label}). A 12-month window "
                 "that includes a missing month is counted as published and flagged; no rate, comparison or "
                 "status is drawn from it.\n\n")
        return (intro + "| Dataset | Months covered | Months missing |\n|---|---|---|\n" + "\n".join(rows)
                + f"\n\n: The months each dataset covers, and the months missing between its first and last {{#{label}}}\n")

    def data_coverage(self) -> Content:
        """For the methods appendix: datasets and measures not available and why, and the records the
        force total counts but no district does (neighbouring authorities' LSOAs, no LSOA)."""
        manifest = json.loads((self.build_path / "data-manifest.json").read_text())["datasets"]
        lines = ["## What the data could not give {.unnumbered}\n"]
        maps_only = ("ons_lsoa_boundaries", "ons_lad_boundaries", "ons_pfa_boundaries", "ons_lsoa_lookup")
        absent_maps = [(n, e) for n, e in manifest.items() if e.get("not_available") and e["format"] in maps_only]
        absent = [(n, e) for n, e in manifest.items() if e.get("not_available") and e["format"] not in maps_only]
        if absent_maps:    # no measure reads them: only the maps that need them are left out, saying why
            lines.append("These map files of the params file were not available, so the maps that need them are left "
                         "out (each chapter says why); the hexagon maps need none:\n")
            lines += [f"- **{name_text(n)}** ({name_text(e['format'])}): {plain(e['not_available'])}"
                      for n, e in absent_maps]
            lines.append("")
        if absent:
            lines.append("These datasets of the params file were not available, so the measures that need them "
                         "are published as not available:\n")
            lines += [f"- **{name_text(n)}** ({name_text(e['format'])}): {plain(e['not_available'])}" for n, e in absent]
            lines.append("")
        missing = [(m, r) for m, r in self.results.items() if r.not_available or r.value_not_available]
        if missing:
            lines.append("Measures not available, or available as counts only:\n")
            for m, r in missing:
                what = f"not available: {plain(r.not_available)}" if r.not_available else \
                    f"counts only: {plain(r.value_not_available)}"
                lines.append(f"- **{plain(r.definition.title)}**: {what}")
            lines.append("")
        coverage = {n: e["district_coverage"] for n, e in manifest.items() if e.get("district_coverage")}
        sentences = coverage_sentences(coverage, self.params.area.force)
        if sentences:
            lines.append("**Records outside the districts.** A record's district is the local authority of its "
                         "neighbourhood (LSOA). Records in neighbourhoods of other authorities (police.uk places "
                         "some crimes just over the boundary) and records with no location count in the "
                         "force's total but in no district's:\n")
            lines += [f"- {plain(text)}" for text in sentences]
            lines.append("")
        if len(lines) == 1:
            lines.append("Every dataset of the params file was available, every measure could be computed, and "
                         "every record with a location is in one of the districts.\n")
        return Content("\n".join(lines))

    def area_profile_text(self) -> Content:
        """The area in a paragraph: residents, households, districts, neighbourhoods and deprivation, as
        far as the data given allows (a missing population or IMD file is said, not skipped)."""
        profile = load_area_profile(self.build_path)
        force = profile[profile["area_type"] == "force"].iloc[0]
        districts = profile[profile["area_type"] == "district"]
        if districts.empty and (profile["area_type"] == "comparison").any():
            return self._district_profile_text(profile)
        name, n = plain(self.params.area.name), len(districts)
        known = lambda v: v is not None and pd.notna(v)  # noqa: E731
        lsoas = f" and {int(force['lsoas']):,} neighbourhoods (LSOAs)" if force["lsoas"] else ""
        if known(force["population"]):
            text = f"{name} has {findings.format_number(force['population'], 0)} residents (ONS mid-year estimate)"
            if known(force["households"]):
                text += f" in {findings.format_number(force['households'], 0)} households (Census 2021)"
            text += f", across {n} districts{lsoas}."
        else:
            text = (f"{name} has {n} districts{lsoas}. No population estimates were available for this "
                    "build, so residents and rates are not shown.")
        if districts["population"].notna().any():
            largest = districts.loc[districts["population"].idxmax()]
            text += (f" {plain(largest['area'])} is the largest district, with "
                     f"{findings.format_number(largest['population'], 0)} residents.")
        if districts["most_deprived_20pct_share"].notna().any():
            most = districts.loc[districts["most_deprived_20pct_share"].idxmax()]
            text += (f" {findings.format_number(force['most_deprived_20pct_share'], 1)}% of the area's "
                     f"neighbourhoods are among the 20% most deprived in England; in {plain(most['area'])} the share is "
                     f"{findings.format_number(most['most_deprived_20pct_share'], 1)}%, the highest of the "
                     "districts (@tbl-c2-districts).")
        else:
            text += (" The share of neighbourhoods among the most deprived in England is not shown: it needs the "
                     "English Indices of Deprivation 2019 File 1 (format imd_lsoa), which was not available "
                     "(@tbl-c2-districts).")
        return Content(f"## The area {{#sec-c2-area}}\n\n{text}\n\n") + self.district_map()


    def _district_profile_text(self, profile: pd.DataFrame) -> Content:
        """A district's own assessment (build.py --areas): the district, then how it compares with
        the force area it is part of (the profile's other rows are the force and its other districts)."""
        own = profile[profile["area_type"] == "force"].iloc[0]
        others = profile[profile["area_type"] == "comparison"]
        whole = others[others.get("published_area_type", pd.Series("", index=others.index)) == "force"]
        known = lambda v: v is not None and pd.notna(v)  # noqa: E731
        name = plain(self.params.area.name)
        parts = []
        if known(own["population"]):
            parts.append(f"{findings.format_number(own['population'], 0)} residents (ONS mid-year estimate)")
        if known(own["households"]):
            parts.append(f"{findings.format_number(own['households'], 0)} households (Census 2021)")
        if own["lsoas"]:
            parts.append(f"{int(own['lsoas']):,} neighbourhoods (LSOAs)")
        text = (f"{name} has " + ", ".join(parts) + "." if parts else
                f"No population estimates were available for {name} in this build, so residents and rates are not shown.")
        if not whole.empty and known(whole.iloc[0]["population"]) and known(own["population"]):
            share = own["population"] / whole.iloc[0]["population"] * 100
            text += (f" It is home to {findings.format_number(share, 1)}% of the residents of "
                     f"{plain(whole.iloc[0]['area'])}.")
        if known(own["most_deprived_20pct_share"]):
            text += (f" {findings.format_number(own['most_deprived_20pct_share'], 1)}% of its neighbourhoods are among "
                     "the 20% most deprived in England")
            if not whole.empty and known(whole.iloc[0]["most_deprived_20pct_share"]):
                text += (f", against {findings.format_number(whole.iloc[0]['most_deprived_20pct_share'], 1)}% across "
                         f"{plain(whole.iloc[0]['area'])}")
            text += " (@tbl-c2-districts)."
        else:
            text += (" The share of neighbourhoods among the most deprived in England is not shown: it needs the "
                     "English Indices of Deprivation 2019 File 1 (format imd_lsoa), which was not available "
                     "(@tbl-c2-districts).")
        return Content(f"## The area {{#sec-c2-area}}\n\n{text}\n")

    def districts_markdown(self) -> str:
        """The districts table for a `#| tbl-cap` cell: the notebook supplies the caption and label."""
        profile = load_area_profile(self.build_path)
        self.write_table_csv(profile, "tbl-c2-districts")
        rows = ["| Area | Residents | Households | Neighbourhoods (LSOAs) | Most deprived 20% (share of LSOAs) |",
                "|:---|---:|---:|---:|---:|"]
        for _, r in profile.iterrows():
            rows.append(f"| {plain(r['area'])} | {findings.format_number(r['population'], 0)} | "
                        f"{findings.format_number(r['households'], 0)} | {int(r['lsoas']):,} | "
                        f"{findings.format_number(r['most_deprived_20pct_share'], 1)}% |")
        return "\n".join(rows)


class ShownResults(Mapping):
    """The results escaped for Markdown (`markdown_view`), each made when first looked up."""

    def __init__(self, results: dict[str, MeasureResult]):
        self._results = results
        self._shown: dict[str, MeasureResult] = {}

    def __getitem__(self, measure_id: str) -> MeasureResult:
        if measure_id not in self._shown:
            self._shown[measure_id] = markdown_view(self._results[measure_id])
        return self._shown[measure_id]

    def __iter__(self):
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)


def _plain_columns(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy of `frame` whose text `columns` (those it has) are escaped for Markdown."""
    frame = frame.copy()
    for column in columns:
        if column in frame.columns:
            # each distinct name escaped once (a frame of street records repeats a few names many times)
            values = frame[column]
            escaped = {v: plain(v) for v in values.dropna().unique()}
            shown = values.map(escaped)
            if isinstance(values.dtype, pd.StringDtype):   # as mapping each value keeps it
                shown = shown.astype(values.dtype)
            frame[column] = shown.where(values.notna(), values) if values.hasnans else shown
    return frame


# The text columns of a result's frames: names from the data files and the params.
_TEXT_COLUMNS = ("area", "benchmark_name", "district", "lsoa_name", "group")


def markdown_view(result: MeasureResult) -> MeasureResult:
    """A copy of `result` whose names and titles (area, force, districts, neighbourhoods, ethnic
    groups, peer forces, the measure's title and description) are escaped for Markdown, for the
    findings and tables that write them into the chapter. The figures are the same objects."""
    definition = result.definition.model_copy(update={"title": plain(result.definition.title),
                                                      "description": plain(result.definition.description)})
    extras = {}
    for name, frame in result.extras.items():
        shown = _plain_columns(frame, _TEXT_COLUMNS)
        shown.attrs = dict(frame.attrs)
        extras[name] = shown
    return dataclasses.replace(
        result, definition=definition, area_name=plain(result.area_name), force=plain(result.force),
        summary=_plain_columns(result.summary, _TEXT_COLUMNS), trend=_plain_columns(result.trend, _TEXT_COLUMNS),
        monthly=_plain_columns(result.monthly, _TEXT_COLUMNS), extras=extras,
        notes=[plain(note) for note in result.notes],
        not_available=plain(result.not_available) if result.not_available else result.not_available,
        value_not_available=(plain(result.value_not_available) if result.value_not_available
                             else result.value_not_available))


def slug_section(measure_id: str) -> str:
    """The recommendations include file for a measure's section (the measure id itself)."""
    return measure_id

