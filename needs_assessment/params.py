"""The params file: one YAML per plan cycle, validated into typed objects.

Everything a cycle changes lives here (area, period, datasets, plan structure, measures), so a new
cycle or a new plan is a new params file, not a code change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .common.errors import ParamsError

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(value: str) -> str:
    value = str(value)
    if not MONTH_PATTERN.match(value):
        raise ValueError(f"expected a month written YYYY-MM, found {value!r}")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(Strict):
    name: str
    force: str
    police_uk_slug: str
    stats19_police_force: int
    districts: list[str] = Field(min_length=1)
    most_similar_group: list[str] = Field(default_factory=list)


class Window(Strict):
    start: str
    end: str
    _check = field_validator("start", "end")(_month)


class Dataset(Strict):
    format: str
    path: str


class Chapter(Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,3}$")
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    notebook: str
    measures: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)  # the chapter's own notebook parameters


class Part(Strict):
    title: str
    chapters: list[Chapter] = Field(min_length=1)


class Plan(Strict):
    name: str
    parts: list[Part] = Field(min_length=1)
    appendices: list[Chapter] = Field(default_factory=list)


class AtLeast(Strict):
    at_least: float


class Measure(Strict):
    title: str
    chapter: str
    source: str
    statistic: Literal["count", "rate", "proportion"]
    filter: dict[str, list[Any]] = Field(default_factory=dict)
    numerator_filter: dict[str, list[Any]] = Field(default_factory=dict)
    numerator_field: str | None = None
    denominator_field: str | None = None
    denominator: Literal["population", "households"] | None = None
    per: int = 1000
    polarity: Literal["lower", "higher", "none"]
    target: Literal["below_baseline", "reduce", "increase", "monitor"] | AtLeast
    description: str
    disproportionality: str | None = None

    @model_validator(mode="after")
    def _rate_has_denominator(self) -> "Measure":
        if self.statistic == "rate" and self.denominator is None:
            raise ValueError("a rate needs `denominator: population` or `denominator: households`")
        return self


class PaperTopic(Strict):
    """One topic of a meeting pack: a chapter of the plan, or a set of measures with its own title."""
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,39}$")   # names the reviewers' file: <id>-<slug>.md
    title: str | None = None          # default: the chapter's title
    chapter: str | None = None        # the chapter it scrutinises (its measures, its place in the plan)
    measures: list[str] = Field(default_factory=list)   # default: the chapter's measures

    @model_validator(mode="after")
    def _chapter_or_measures(self) -> "PaperTopic":
        if self.chapter is None and not self.measures:
            raise ValueError(f"topic '{self.id}' needs `chapter:` (a chapter id of the plan) or `measures:` "
                             "(a list of measure ids), or both")
        if self.chapter is None and not self.title:
            raise ValueError(f"topic '{self.id}' is a set of measures, so it needs a `title:`")
        return self


class Papers(Strict):
    """Scrutiny papers for meetings (`python build.py papers --meeting YYYY-MM-DD`)."""
    folder: str = "papers"            # the authors' files: <folder>/<meeting date>/<topic>.md
    period: Literal["12 months", "quarter", "financial year to date"] = "12 months"
    empty_sections: Literal["omit", "mark"] = "mark"   # a section the author left empty
    meeting: str = "Police and Crime scrutiny meeting"  # the meeting's name, on every paper
    topics: list[PaperTopic] = Field(min_length=1)


class Params(Strict):
    cycle: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    subtitle: str = ""
    author: str
    publication_date: str
    protective_marking: str | None = None
    demonstration: bool = False
    area: Area
    period_end: str
    baseline: Window
    suppression_threshold: int = Field(default=5, ge=1)
    confidence_level: float = Field(default=0.95, gt=0, lt=1)
    datasets: dict[str, Dataset]
    recommendations: str = "recommendations"   # the reviewers' folder, relative to the project
    plan: Plan
    measures: dict[str, Measure]
    papers: Papers | None = None        # optional: scrutiny papers for meetings

    _check_month = field_validator("period_end")(_month)

    @field_validator("baseline")
    @classmethod
    def _baseline_is_twelve_months(cls, window: Window) -> Window:
        months = (pd.Period(window.end, freq="M") - pd.Period(window.start, freq="M")).n + 1
        if months != 12:
            raise ValueError(f"the baseline must be 12 months, start and end included (e.g. 2019-01 to "
                             f"2019-12); {window.start} to {window.end} is {months}")
        return window

    @model_validator(mode="after")
    def _cross_references(self) -> "Params":
        chapter_ids = [c.id for c in self.chapters()]
        duplicates = {i for i in chapter_ids if chapter_ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"chapter ids must be unique; repeated: {sorted(duplicates)}")
        for chapter in self.chapters():
            for measure_id in chapter.measures:
                if measure_id not in self.measures:
                    raise ValueError(f"chapter {chapter.id} lists measure '{measure_id}', "
                                     f"which is not defined under `measures`")
        for measure_id, measure in self.measures.items():
            if measure.chapter not in chapter_ids:
                raise ValueError(f"measure '{measure_id}' belongs to chapter '{measure.chapter}', "
                                 f"which is not in the plan (chapters: {', '.join(chapter_ids)})")
            if measure.source not in self.datasets:
                raise ValueError(f"measure '{measure_id}' reads dataset '{measure.source}', which is not "
                                 f"under `datasets` (known: {', '.join(self.datasets)})")
        if self.papers is not None:
            self._check_papers(chapter_ids)
        return self

    def _check_papers(self, chapter_ids: list[str]) -> None:
        ids = [t.id for t in self.papers.topics]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"papers: topic ids must be unique; repeated: {', '.join(repeated)}")
        for topic in self.papers.topics:
            if topic.chapter is not None and topic.chapter not in chapter_ids:
                raise ValueError(f"papers: topic '{topic.id}' names chapter '{topic.chapter}', which is not in "
                                 f"the plan (chapters: {', '.join(chapter_ids)})")
            for measure_id in topic.measures:
                if measure_id not in self.measures:
                    raise ValueError(f"papers: topic '{topic.id}' lists measure '{measure_id}', which is not "
                                     f"defined under `measures`")
            if not self.topic_measures(topic):
                raise ValueError(f"papers: topic '{topic.id}' has no measures (chapter {topic.chapter} lists "
                                 "none); add `measures:` to the topic")

    def topic_measures(self, topic: PaperTopic) -> list[str]:
        """The measures a paper topic reports: its own list, else its chapter's."""
        if topic.measures:
            return list(topic.measures)
        return list(self.chapter(topic.chapter).measures) if topic.chapter else []

    def topic_title(self, topic: PaperTopic) -> str:
        return topic.title or self.chapter(topic.chapter).title

    # --- conveniences -----------------------------------------------------------------------
    def chapters(self) -> list[Chapter]:
        """Every chapter in reading order, appendices last."""
        return [c for part in self.plan.parts for c in part.chapters] + list(self.plan.appendices)

    def chapter(self, chapter_id: str) -> Chapter:
        for c in self.chapters():
            if c.id == chapter_id:
                return c
        raise KeyError(chapter_id)

    @property
    def period_end_month(self) -> pd.Period:
        return pd.Period(self.period_end, freq="M")

    @property
    def baseline_months(self) -> tuple[pd.Period, pd.Period]:
        return pd.Period(self.baseline.start, freq="M"), pd.Period(self.baseline.end, freq="M")

    def shared_notebook_parameters(self, params_path: Path, project_root: Path) -> dict[str, Any]:
        """Parameters every chapter notebook receives (papermill injects them)."""
        return {
            "params_path": str(params_path.resolve()),
            "project_root": str(project_root.resolve()),
            "cycle": self.cycle,
            "period_end": self.period_end,
        }


def _yaml_line(text: str, location: tuple) -> int | None:
    """Best-effort line number of a key path in the YAML text, so errors point into the file."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    for key in location:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == str(key)]
            if not match:
                return node.start_mark.line + 1
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1


def load_params(path: str | Path) -> Params:
    """Read and validate a params file; every problem is reported with its key and line."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: params file not found")
    text = path.read_text(encoding="utf-8")
    try:
        # libyaml's parser when PyYAML has it (every chapter's kernel reads the params: ten times faster)
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        try:    # the pure-Python parser's message, which names the line and column the same way
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a YAML mapping of settings at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("AtLeast",)))
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = _yaml_line(text, loc)
            where = f"line {line}, " if line else ""
            lines.append(f"  {where}{key}: {err['msg']}")
        raise ParamsError(f"{path}: the params file has {len(lines)} problem(s):\n" + "\n".join(lines)) from None
