"""Recommendations: the text reviewers write, one Markdown file per chapter under `recommendations/`.

A file looks like this (docs/reviewers.md is the guide written for reviewers)::

    ---
    chapter: P3
    ---
    # Safer Places and Thriving Communities: recommendations
    Anything before the first `## ` line is a note for reviewers and is not published.

    ## P3-R2 Keep neighbourhood crime as a headline measure
    section: neighbourhood_crime
    measures: [neighbourhood_crime, asb_linked_crime]
    status: agreed
    agreed_by: Police and Crime Commissioner
    agreed_on: 2024-05-14
    agreed_statuses: {neighbourhood_crime: Better}

    Free text (Markdown). Cite a live figure with {{< var neighbourhood_crime.change_vs_baseline >}}.

Rules: a line starting `## ` begins a recommendation and holds its id (`<chapter id>-R<number>`) and an
optional short title; the lines straight after it, up to the first blank line, are its fields
(`name: value`); everything after that blank line, up to the next `## `, is its text.

The build only ever *reads* these files. Everything a reviewer writes reaches the book through
`render_recommendation_markdown`, which escapes raw HTML and other live markup (see `escape_markdown`).
"""

from __future__ import annotations

import difflib
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..common.errors import RecommendationError
from ..measures.comparison import COMPARISON_WORDS, STATUS_WORDS
from ..params import Params
from ..render.shortcodes import lookup
from ..content.text import plain

GENERAL = "general"
STATUSES = ("draft", "agreed")
FIELDS = ("section", "measures", "status", "agreed_by", "agreed_on", "agreed_statuses")
REQUIRED_FIELDS = ("status",)
STATUS_KEYS = ("comparison", "status")   # what an agreed status can pin down for a measure
SAFE_LINK_SCHEMES = ("http", "https", "mailto")
INCLUDES_DIR = "_recommendations"

ID_PATTERN = re.compile(r"^([A-Z][A-Z0-9]{0,3})-R([1-9][0-9]*)$")
_HEADING = re.compile(r"^##(?!#)[ \t]*(.*?)[ \t]*$")
_HEADING_ID = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,3}-[Rr][0-9]+)(?=$|[\s:.\-\u2013\u2014])[\s:.\-\u2013\u2014]*(.*)$")
_FIELD_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_ \-]*?)[ \t]*:(?:[ \t]+(.*?)|)[ \t]*$")
_BODY_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_FILE_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,3})-(.+)$")
# A Quarto shortcode opens with `{{<`. Only `{{< var name >}}` may appear in reviewers' text.
_SHORTCODE_OPEN = "{{<"
VAR_SHORTCODE = re.compile(r"\{\{<[ \t]*var[ \t]+([A-Za-z0-9_][A-Za-z0-9_.\-]*)[ \t]*>\}\}")
_SHORTCODE_NAME = re.compile(r"\{\{<[ \t]*([^\s>]*)")


# --------------------------------------------------------------------------------------------
# The recommendation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    """One recommendation as a reviewer wrote it (text not yet escaped: see `render_recommendation_markdown`)."""

    id: str
    chapter: str
    section: str                      # a measure id of the chapter, or "general"
    measures: tuple[str, ...]         # the measures it rests on
    status: str                       # "draft" | "agreed"
    agreed_by: str | None
    agreed_on: date | None
    agreed_statuses: dict[str, Any] = field(hash=False)   # measure id -> "Better" or {comparison: ..., status: ...}
    body: str                         # Markdown, as written
    file: str
    line: int                         # the line of its `## ` heading
    title: str = ""                   # optional words after the id on the heading line
    body_line: int = 0                # the line where the text starts (for pointing at shortcodes)

    @property
    def number(self) -> int:
        return int(self.id.rsplit("-R", 1)[1])

    @property
    def is_agreed(self) -> bool:
        return self.status == "agreed"

    def variables(self) -> list[tuple[str, int]]:
        """Every `{{< var name >}}` in the text, with the file line it is on."""
        return [(m.group(1), self.body_line + self.body.count("\n", 0, m.start()))
                for m in VAR_SHORTCODE.finditer(self.body)]

    def body_sha256(self) -> str:
        """Fingerprint of the wording: white space and line wrapping do not count as rewording."""
        return hashlib.sha256(" ".join(self.body.split()).encode("utf-8")).hexdigest()


class RecommendationErrors(RecommendationError):
    """Several problems at once, so a reviewer can fix them all before the next build.

    `file`, `line` and `problem` are those of the first problem; `errors` holds all of them.
    """

    def __init__(self, errors: list[RecommendationError]):
        first = errors[0]
        self.errors = list(errors)
        self.file, self.line, self.problem = first.file, first.line, first.problem
        lines = [f"There are {len(errors)} problems in the recommendation files:"]
        lines += [f"  - {e}" for e in errors]
        Exception.__init__(self, "\n".join(lines))


def _raise_all(errors: list[RecommendationError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise RecommendationErrors(errors)


def _display(path: Path) -> str:
    """The file name as the reviewer knows it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _closest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = _closest(word, choices)
    return f" Did you mean {_or_list(close)}?" if close else ""


def _or_list(words: list[str]) -> str:
    quoted = [f"`{w}`" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


# --------------------------------------------------------------------------------------------
# The plan's structure, as recommendations see it
# --------------------------------------------------------------------------------------------
def chapter_file_name(params: Params, chapter_id: str) -> str:
    chapter = params.chapter(chapter_id)
    return f"{chapter.id}-{chapter.slug}.md"


def own_measures(params: Params, chapter_id: str) -> list[str]:
    """The measures whose recommendations live in this chapter (a measure's `chapter` in the params)."""
    chapter = params.chapter(chapter_id)
    listed = [m for m in chapter.measures if params.measures[m].chapter == chapter_id]
    others = [m for m, measure in params.measures.items() if measure.chapter == chapter_id and m not in listed]
    return listed + others


def valid_sections(params: Params, chapter_id: str) -> list[str]:
    """What `section:` may say in this chapter's file: one of its own measures, or `general`."""
    return own_measures(params, chapter_id) + [GENERAL]


def include_sections(params: Params, chapter_id: str) -> list[str]:
    """Every section the chapter may include: each measure it lists or owns, then `general`."""
    chapter = params.chapter(chapter_id)
    seen = list(chapter.measures)
    seen += [m for m in own_measures(params, chapter_id) if m not in seen]
    return seen + [GENERAL]


def include_path(chapter_id: str, section: str) -> str:
    """The path a chapter file in book/chapters/ uses: {{< include _recommendations/P3/neighbourhood_crime.md >}}."""
    return f"{INCLUDES_DIR}/{chapter_id}/{section}.md"


# --------------------------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------------------------
def load_recommendations(directory: str | Path, params: Params) -> list[Recommendation]:
    """Read every `<chapter-id>-<slug>.md` file in `directory`, check it against the params.

    Returns the recommendations in reading order (the plan's chapter order, then by number).
    Raises RecommendationError (RecommendationErrors when there are several problems), each naming the
    file and line in plain words with what to do. Never writes anything.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RecommendationError(_display(directory), None,
                                  "the recommendations folder was not found; create it, or point the build at "
                                  "the folder that holds the chapter files (e.g. P3-safer-places.md)")
    errors: list[RecommendationError] = []
    recommendations: list[Recommendation] = []
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md" or path.name.startswith(("_", ".")):
            continue
        try:
            recommendations += _load_file(path, params, errors)
        except RecommendationError as exc:     # a problem with the whole file: stop reading that file
            errors.append(exc)

    seen: dict[str, Recommendation] = {}
    for rec in recommendations:
        if rec.id in seen:
            first = seen[rec.id]
            taken = {r.number for r in recommendations if r.chapter == rec.chapter}
            free = next(n for n in range(1, len(taken) + 2) if n not in taken)
            errors.append(RecommendationError(
                rec.file, rec.line,
                f"the id {rec.id} is used twice: here and in {first.file}, line {first.line}. Each recommendation "
                f"needs its own id; give one of them the next free number, {rec.chapter}-R{free}"))
        else:
            seen[rec.id] = rec
    _raise_all(errors)

    order = {c.id: i for i, c in enumerate(params.chapters())}
    return sorted(recommendations, key=lambda r: (order[r.chapter], r.number))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RecommendationError(_display(path), None,
                                  "the file is not UTF-8 text; save it from your editor as 'UTF-8' plain text") from None


def _load_file(path: Path, params: Params, errors: list[RecommendationError]) -> list[Recommendation]:
    file = _display(path)
    chapters = {c.id: c for c in params.chapters()}
    expected_names = [f"{c.id}-{c.slug}.md" for c in chapters.values()]
    match = _FILE_NAME.match(path.stem)
    if not match or match.group(1) not in chapters:
        raise RecommendationError(file, None,
                                  "the file name does not start with a chapter id of the plan. Recommendation files "
                                  f"are named after their chapter: {', '.join(expected_names)}")
    chapter_id = match.group(1)
    right_name = chapter_file_name(params, chapter_id)
    if path.name != right_name:
        raise RecommendationError(file, None, f"the file for chapter {chapter_id} must be called {right_name}; "
                                              "rename it")

    lines = _read_text(path).split("\n")
    start = _front_matter(lines, file, chapter_id)

    # Split into recommendations at each `## ` line.
    blocks: list[tuple[int, list[str]]] = []   # (index of heading line, lines after it)
    for index in range(start, len(lines)):
        if _HEADING.match(lines[index]):
            blocks.append((index, []))
        elif blocks:
            blocks[-1][1].append(lines[index])
    recommendations = []
    for heading_index, block in blocks:
        try:
            recommendations.append(_parse_block(file, chapter_id, params, lines[heading_index],
                                                heading_index + 1, block))
        except RecommendationError as exc:
            errors.append(exc)
    return recommendations


def _front_matter(lines: list[str], file: str, chapter_id: str) -> int:
    """Check the optional `---` block at the top; return the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise RecommendationError(file, 1, "the settings block that starts with `---` on line 1 is never closed; "
                                           "add a line `---` after `chapter: ...`")
    try:
        settings = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RecommendationError(file, (mark.line + 2) if mark else 1,
                                  "the settings block at the top could not be read; it should hold one line, "
                                  f"`chapter: {chapter_id}`") from None
    if not isinstance(settings, dict):
        raise RecommendationError(file, 2, f"the settings block at the top should hold one line, `chapter: {chapter_id}`")
    for key in settings:
        if key != "chapter":
            raise RecommendationError(file, _line_of_key(lines, 1, end, str(key)),
                                      f"`{key}` is not a setting a recommendation file can have; the settings block "
                                      f"holds only `chapter: {chapter_id}`")
    if "chapter" in settings and str(settings["chapter"]).strip() != chapter_id:
        raise RecommendationError(file, _line_of_key(lines, 1, end, "chapter"),
                                  f"the settings say `chapter: {settings['chapter']}` but this is the file for chapter "
                                  f"{chapter_id}; change it to `chapter: {chapter_id}` or move the text to the right file")
    return end + 1


def _line_of_key(lines: list[str], start: int, end: int, key: str) -> int:
    for index in range(start, end):
        if lines[index].lstrip().startswith(f"{key}:"):
            return index + 1
    return start + 1


def _parse_block(file: str, chapter_id: str, params: Params, heading: str, heading_line: int,
                 block: list[str]) -> Recommendation:
    text = _HEADING.match(heading).group(1)
    match = _HEADING_ID.match(text)
    if not match:
        raise RecommendationError(file, heading_line,
                                  f"a line starting `## ` begins a new recommendation, so it must start with the "
                                  f"recommendation's id, like `## {chapter_id}-R1` (found `{heading.strip()}`). "
                                  f"For a sub-heading inside the text, use **bold** words instead")
    rec_id, title = match.group(1).upper(), match.group(2).strip()
    if not rec_id.startswith(f"{chapter_id}-R"):
        other = rec_id.split("-")[0]
        target = (chapter_file_name(params, other) if other in {c.id for c in params.chapters()}
                  else "the file of its chapter")
        raise RecommendationError(file, heading_line,
                                  f"{rec_id} is in the file for chapter {chapter_id}, but ids in this file must start "
                                  f"with {chapter_id}- (like {chapter_id}-R1). Renumber it, or move it to {target}")
    if not ID_PATTERN.match(rec_id):
        raise RecommendationError(file, heading_line,
                                  f"`{rec_id}` is not a recommendation id; write it as {chapter_id}-R followed by a "
                                  f"number that does not start with 0, like {chapter_id}-R1")
    if _SHORTCODE_OPEN in title:
        raise RecommendationError(file, heading_line,
                                  "live figures ({{< var ... >}}) can be used in the text of a recommendation but not "
                                  "in its heading; move the figure into the text")

    # Fields: after the heading (skipping blank lines) up to the first blank line.
    i = 0
    while i < len(block) and not block[i].strip():
        i += 1
    field_start = i
    while i < len(block) and block[i].strip():
        i += 1
    fields = _parse_fields(file, rec_id, block[field_start:i], heading_line + 1 + field_start)
    body_lines = block[i:]
    while body_lines and not body_lines[0].strip():
        body_lines.pop(0)
        i += 1
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    body_line = heading_line + 1 + i
    body = "\n".join(body_lines)
    if not body.strip():
        raise RecommendationError(file, heading_line,
                                  f"{rec_id} has no text. After its fields, leave one blank line, then write the "
                                  "recommendation")
    return _build(file, chapter_id, params, rec_id, title, heading_line, fields, body, body_line)


def _parse_fields(file: str, rec_id: str, lines: list[str], first_line: int) -> dict[str, tuple[Any, int]]:
    """`name: value` lines (a value may continue on indented lines) -> {name: (raw text, line)}."""
    example = "`status: draft`"
    fields: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for offset, line in enumerate(lines):
        number = first_line + offset
        stripped = line.strip()
        if stripped.startswith("#"):            # a comment
            continue
        if line[:1] in (" ", "\t") or stripped.startswith("- "):
            if current is None:
                raise RecommendationError(file, number,
                                          f"`{stripped}` is not a field. The lines straight after `## {rec_id}` are "
                                          f"its fields, one per line written `name: value` (like {example})")
            text, at = fields[current]
            fields[current] = (text + "\n" + line, at)
            continue
        match = _FIELD_LINE.match(line)
        if not match:
            raise RecommendationError(
                file, number,
                f"`{_shorten(stripped)}` is not a field. The lines straight after `## {rec_id}` are its fields, one "
                f"per line written `name: value` (like {example}); then leave a blank line before the text")
        name = re.sub(r"[ \-]+", "_", match.group(1).strip().lower())
        if name not in FIELDS:
            raise RecommendationError(
                file, number,
                f"`{match.group(1)}` is not a field a recommendation can have.{_did_you_mean(name, FIELDS)} "
                f"The fields are: {', '.join(FIELDS)}. (If this line is meant as text, leave a blank line "
                f"before it.)")
        if name in fields:
            raise RecommendationError(file, number,
                                      f"`{name}` is given twice for {rec_id} (first on line {fields[name][1]}); "
                                      "keep one")
        fields[name] = (match.group(2) or "", number)
        current = name
    return fields


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _scalar(raw: str) -> str:
    value = re.sub(r"(^|\s)#.*$", "", raw.strip().split("\n")[0]).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value


def _yaml_value(file: str, name: str, raw: str, line: int, example: str) -> Any:
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RecommendationError(file, line + (mark.line if mark else 0),
                                  f"the value of `{name}` could not be read; write it like `{name}: {example}`") from None
    return value


def _build(file: str, chapter_id: str, params: Params, rec_id: str, title: str, heading_line: int,
           fields: dict[str, tuple[str, int]], body: str, body_line: int) -> Recommendation:
    measures_known = params.measures
    for name in REQUIRED_FIELDS:
        if name not in fields:
            raise RecommendationError(file, heading_line,
                                      f"{rec_id} has no `status:` field; add `status: draft` (or `status: agreed` once "
                                      "it has been agreed) on the line after the heading")

    # status
    raw, line = fields["status"]
    status = _scalar(raw).lower()
    if status not in STATUSES:
        raise RecommendationError(file, line,
                                  f"status `{_scalar(raw)}` is not allowed; write `status: draft` or `status: agreed`")

    # section
    sections = valid_sections(params, chapter_id)
    if "section" in fields:
        raw, line = fields["section"]
        section = _scalar(raw)
        if section.lower() == GENERAL:
            section = GENERAL
        if section not in sections:
            if not section:
                problem = "`section:` is empty"
            elif section in measures_known:
                owner = measures_known[section].chapter
                problem = (f"`{section}` is a measure of chapter {owner}, so recommendations about it belong in "
                           f"{chapter_file_name(params, owner)}; here, write `section: general` and list it under "
                           f"`measures:`")
            else:
                problem = f"section `{section}` is not a measure of chapter {chapter_id}.{_did_you_mean(section, sections)}"
            raise RecommendationError(file, line, f"{problem}. The sections of chapter {chapter_id} are: "
                                                  f"{', '.join(sections)}")
    else:
        section = GENERAL

    # measures
    measures: list[str] = []
    if "measures" in fields:
        raw, line = fields["measures"]
        value = _yaml_value(file, "measures", raw, line, "[neighbourhood_crime, asb_incidents]")
        if value is None:
            value = []
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RecommendationError(file, line, "`measures:` should be a list of measure ids, like "
                                                  "`measures: [neighbourhood_crime, asb_incidents]`")
        for measure_id in value:
            if measure_id not in measures_known:
                raise RecommendationError(file, line,
                                          f"`{measure_id}` is not a measure in the params file."
                                          f"{_did_you_mean(measure_id, measures_known)} Measure ids are listed under "
                                          "`measures:` in the params file")
            if measure_id not in measures:
                measures.append(measure_id)
    if section != GENERAL and section not in measures:
        measures.insert(0, section)

    # agreement
    agreed_by = (_scalar(fields["agreed_by"][0]) or None) if "agreed_by" in fields else None
    agreed_on = None
    if "agreed_on" in fields:
        raw, line = fields["agreed_on"]
        agreed_on = _parse_date(file, line, _scalar(raw))
    agreed_statuses: dict[str, Any] = {}
    if "agreed_statuses" in fields:
        raw, line = fields["agreed_statuses"]
        agreed_statuses = _parse_agreed_statuses(file, line, raw, measures, measures_known)
    if status == "agreed":
        missing = [n for n, v in (("agreed_by", agreed_by), ("agreed_on", agreed_on)) if not v]
        if missing:
            raise RecommendationError(file, fields["status"][1],
                                      f"{rec_id} is marked agreed, so it needs `agreed_by:` (who agreed it) and "
                                      f"`agreed_on:` (the date, like 2024-05-14); missing: {', '.join(missing)}")

    _check_body(file, body, body_line)
    return Recommendation(id=rec_id, chapter=chapter_id, section=section, measures=tuple(measures), status=status,
                          agreed_by=agreed_by, agreed_on=agreed_on, agreed_statuses=agreed_statuses, body=body,
                          file=file, line=heading_line, title=title, body_line=body_line)


def _parse_date(file: str, line: int, text: str) -> date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise RecommendationError(file, line, f"`{text}` is not a date this file understands; write it as year-month-day, "
                                          "like `agreed_on: 2024-05-14`")


def _parse_agreed_statuses(file: str, line: int, raw: str, measures: list[str],
                           measures_known: Mapping[str, Any]) -> dict[str, Any]:
    example = "{neighbourhood_crime: Better}"
    value = _yaml_value(file, "agreed_statuses", raw, line, example)
    if value is None:
        return {}
    if isinstance(value, str) and ":" in value:       # `a: Better, b: Worse` without the braces
        value = _yaml_value(file, "agreed_statuses", "{" + raw.strip() + "}", line, example)
    if not isinstance(value, dict):
        raise RecommendationError(file, line, "`agreed_statuses:` should pair each measure with its status when the "
                                              f"recommendation was agreed, like `agreed_statuses: {example}` (the "
                                              "review report, `python build.py review`, prints the line to copy)")
    result: dict[str, Any] = {}
    for measure_id, status in value.items():
        measure_id = str(measure_id)
        if measure_id not in measures_known:
            raise RecommendationError(file, line, f"`{measure_id}` under `agreed_statuses:` is not a measure in the "
                                                  f"params file.{_did_you_mean(measure_id, measures_known)}")
        if measure_id not in measures:
            raise RecommendationError(file, line, f"`agreed_statuses:` names `{measure_id}`, which is not one of the "
                                                  "measures this recommendation rests on; add it to `measures:` or "
                                                  "remove it from `agreed_statuses:`")
        if isinstance(status, dict):
            unknown = [k for k in status if k not in STATUS_KEYS]
            if unknown or not status:
                raise RecommendationError(file, line, f"the agreed status of `{measure_id}` should be a single word "
                                                      f"like `Better`, or `{{comparison: Better, status: On track}}`")
            result[measure_id] = {k: _known_word(file, line, measure_id, k, v) for k, v in status.items()}
        elif status is None or isinstance(status, (list, bool)):
            raise RecommendationError(file, line, f"the agreed status of `{measure_id}` is missing or unreadable; "
                                                  f"write it like `agreed_statuses: {example}`")
        else:
            result[measure_id] = _known_word(file, line, measure_id, "comparison", status)
    return result


def _known_word(file: str, line: int, measure_id: str, key: str, value: Any) -> str:
    """An agreed comparison or status must be one of the words the build uses (case does not matter)."""
    words = COMPARISON_WORDS if key == "comparison" else STATUS_WORDS
    text = " ".join(str(value).split())
    for word in words:
        if word.casefold() == text.casefold():
            return word
    raise RecommendationError(file, line, f"`{text}` is not a {key} the build reports for `{measure_id}`."
                                          f"{_did_you_mean(text, words)} The {key} words are: {', '.join(words)}")


def _check_body(file: str, body: str, body_line: int) -> None:
    for offset, line in enumerate(body.split("\n")):
        if _BODY_HEADING.match(line):
            raise RecommendationError(file, body_line + offset,
                                      "headings are not allowed inside a recommendation's text (a line starting "
                                      "`## ` begins a new recommendation); for a sub-heading use **bold** words")
    start = 0
    while (position := body.find(_SHORTCODE_OPEN, start)) >= 0:
        line = body_line + body.count("\n", 0, position)
        match = VAR_SHORTCODE.match(body, position)
        if not match:
            name = _SHORTCODE_NAME.match(body, position).group(1)
            if name == "var":
                problem = ("this live figure is not written correctly; write it as `{{< var measure_id.field >}}`, "
                           "for example `{{< var neighbourhood_crime.change_vs_baseline >}}`")
            else:
                problem = (f"`{{{{< {name} ...` cannot be used in recommendation text: the only `{{{{< ... >}}}}` "
                           "allowed is a live figure, `{{< var measure_id.field >}}`")
            raise RecommendationError(file, line, problem)
        start = match.end()
    for position, destination in _link_destinations(body):
        if _unsafe_url(destination):
            raise RecommendationError(file, body_line + body.count("\n", 0, position),
                                      f"the link to `{_shorten(destination)}` is not allowed; links must start with "
                                      "https://, http:// or mailto:")


def recommendations_manifest(recommendations: Iterable[Recommendation]) -> dict[str, dict[str, str]]:
    """id -> {sha256 of the wording, chapter, section, status}: the build manifest's record of them."""
    return {r.id: {"sha256": r.body_sha256(), "chapter": r.chapter, "section": r.section, "status": r.status}
            for r in recommendations}


# --------------------------------------------------------------------------------------------
# Live figures
# --------------------------------------------------------------------------------------------
def _leaf_names(variables: Mapping[str, Any], prefix: str = "") -> list[str]:
    names = []
    for key, value in variables.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            names += _leaf_names(value, name + ".")
        else:
            names.append(name)
    return names


def check_variables(recommendations: Iterable[Recommendation], variables: Mapping[str, Any]) -> None:
    """Every `{{< var a.b >}}` must name a figure in `variables` (what the build writes to _variables.yml).

    Raises RecommendationError naming the file, the line of the shortcode and the closest known names.
    """
    leaves = _leaf_names(variables)
    errors = []
    for rec in recommendations:
        for name, line in rec.variables():
            found, value = lookup(variables, name)   # as the renderer will look it up
            if found and not isinstance(value, Mapping):
                continue
            if found:   # names a group, not a figure
                fields = [f"{name}.{k}" for k in value]
                problem = (f"`{{{{< var {name} >}}}}` names a group of figures, not one figure; use one of: "
                           f"{', '.join(fields[:12])}")
            else:
                head = name.split(".")[0]
                if head in variables and isinstance(variables[head], Mapping):   # known measure, unknown field
                    close = [f"{head}.{k}" for k in variables[head]]
                    hint = f" The figures for {head} are: {', '.join(close)}."
                else:
                    close = _closest(name, leaves)
                    hint = f" The closest known names are: {', '.join(close)}." if close else ""
                problem = (f"`{{{{< var {name} >}}}}` names a figure the build does not produce.{hint} "
                           "Figures are written `measure_id.field`, like `neighbourhood_crime.change_vs_baseline`")
            errors.append(RecommendationError(rec.file, line, problem))
    _raise_all(errors)


# --------------------------------------------------------------------------------------------
# Safety: reviewers' text in, inert Markdown out
# --------------------------------------------------------------------------------------------
# Characters that can start live markup in Pandoc/Quarto Markdown, written as character references so
# they always print as themselves: `<` (raw HTML, comments, autolinks), `{`/`}` (raw attribute blocks
# ```{=html}, attributes on spans, links and code, executable cells), `@` (citations and cross references),
# `$` (TeX maths: "$5m to $10m" would be set as an equation).
_ALWAYS_ESCAPE = {"<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;", "@": "&#64;", "$": "&#36;"}
_ENTITY_LIKE = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_UNSAFE_SCHEME_WORD = re.compile(r"\b(javascript|vbscript|data|file)(\s*):", re.IGNORECASE)
# A line that starts a block Markdown construct reviewers must not open: headings, setext underlines
# and YAML metadata (`---`), fenced divs (`:::`) and fenced code (``` or ~~~, whose info string can
# make a raw HTML block or an executable cell).
_LINE_START = re.compile(r"^([ \t]*(?:>[ \t]*)*)(.*)$")
_LINE_RULES = (
    (re.compile(r"^#"), "&#35;"),
    (re.compile(r"^:{3,}"), "&#58;"),
    (re.compile(r"^~{3,}"), "&#126;"),
    (re.compile(r"^(-+|=+)[ \t]*$"), None),      # setext underline or YAML `---`: escape its first character
)


def _link_destinations(text: str) -> list[tuple[int, str]]:
    """(position, destination) of every inline link/image `](...)` and reference definition `[x]: ...`."""
    found = []
    for match in re.finditer(r"\]\(", text):
        i = match.end()
        while i < len(text) and text[i] in " \t\n":
            i += 1
        if i < len(text) and text[i] == "<":
            end = text.find(">", i)
            end = len(text) if end < 0 else end + 1
        else:
            depth, end = 0, i
            while end < len(text) and not text[end].isspace():
                if text[end] == "(":
                    depth += 1
                elif text[end] == ")":
                    if depth == 0:
                        break
                    depth -= 1
                end += 1
        found.append((match.start(), text[i:end]))
    for match in re.finditer(r"(?m)^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*(\S+)", text):
        found.append((match.start(1), match.group(1)))
    return found


def _unsafe_url(destination: str) -> bool:
    url = html.unescape(destination.replace("\\", ""))
    url = re.sub(r"[\x00-\x20\x7f]", "", url).strip("<>")
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", url)
    return bool(match) and match.group(1).lower() not in SAFE_LINK_SCHEMES


def _neutralise_links(text: str) -> str:
    pieces, last = [], 0
    for position, destination in sorted(_link_destinations(text)):
        if not _unsafe_url(destination):
            continue
        start = text.find(destination, position)
        if start < last:
            continue
        pieces += [text[last:start], "#"]
        last = start + len(destination)
    return "".join(pieces) + text[last:]


def _escape_plain(text: str) -> str:
    """Escape characters that could start live markup in a stretch of ordinary text."""
    text = _ENTITY_LIKE.sub(lambda m: "&amp;" + m.group(0)[1:], text)
    text = "".join(_ALWAYS_ESCAPE.get(ch, ch) for ch in text)
    text = text.replace("`", "&#96;")
    return _UNSAFE_SCHEME_WORD.sub(lambda m: f"{m.group(1)}{m.group(2)}&#58;", text)


def _code_is_inert(content: str) -> bool:
    """Inline code is kept as code only when nothing in it could become markup if a Markdown reader saw it
    differently (no `<`, `>`, `&`, braces) and it cannot be an inline expression (`{python} ...`, `r ...`)."""
    return not re.search(r"[<>&{}@]", content) and not re.match(r"^\s*r\s", content)


def _escape_inline(text: str, *, allow_var: bool) -> str:
    """Escape one line of text: keep `{{< var name >}}` (if allowed) and inert inline code spans."""
    out, i = [], 0
    plain_start = 0

    def flush(upto: int) -> None:
        out.append(_escape_plain(text[plain_start:upto]))

    while i < len(text):
        if allow_var and text.startswith(_SHORTCODE_OPEN, i):
            match = VAR_SHORTCODE.match(text, i)
            if match:
                flush(i)
                out.append(match.group(0))
                i = plain_start = match.end()
                continue
        if text[i] == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = re.compile(r"(?<!`)" + "`" * run + r"(?!`)")
            match = close.search(text, i + run)
            if match and _code_is_inert(text[i + run:match.start()]):
                flush(i)
                out.append(text[i:match.end()])
                i = plain_start = match.end()
            else:                     # not inert: the whole span, backticks included, is escaped as text
                i = match.end() if match else i + run
            continue
        i += 1
    flush(len(text))
    return "".join(out)


def escape_markdown(text: str, *, allow_var: bool = True) -> str:
    """Make reviewer-written Markdown inert: its words, emphasis, lists, links and tables survive, but no
    raw HTML, script, comment, raw attribute block, attribute, shortcode (other than `var`), executable
    code, heading, fenced block, fenced div or metadata block can reach the published book.

    Everything is escaped except inert inline code and `{{< var ... >}}`, so safety does not depend on
    this function parsing Markdown exactly as Pandoc does.
    """
    text = _neutralise_links(text)
    lines = []
    for line in text.split("\n"):
        prefix, rest = _LINE_START.match(line).groups()
        replacement = ""
        for pattern, entity in _LINE_RULES:
            if pattern.match(rest):
                first = rest[0]
                replacement = entity or {"-": "&#45;", "=": "&#61;"}[first]
                rest = rest[1:]
                break
        lines.append(prefix + replacement + _escape_inline(rest, allow_var=allow_var))
    return "\n".join(lines)


def _format_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _agreement(rec: Recommendation) -> str:
    """"by the Police and Crime Commissioner on 14 May 2024" (empty when neither is given)."""
    words = []
    if rec.agreed_by:
        words.append(f"by {rec.agreed_by}")
    if rec.agreed_on:
        words.append(f"on {_format_date(rec.agreed_on)}")
    return " ".join(words)


def status_label(rec: Recommendation) -> str:
    """The label printed with a recommendation: "Draft: not yet agreed" or "Agreed by ... on ..."."""
    if rec.is_agreed:
        return " ".join(filter(None, ["Agreed", _agreement(rec)]))
    return "Draft: not yet agreed"


def render_recommendation_markdown(rec: Recommendation) -> str:
    """The Markdown the book includes for one recommendation: a bold id line with its status, then the text.

    Reviewer text is escaped (see `escape_markdown`); live figures `{{< var ... >}}` are kept.
    """
    heading = f"Recommendation {rec.id}"
    if rec.title:
        heading += f": {_escape_inline(rec.title, allow_var=False)}"
    label = _escape_inline(status_label(rec), allow_var=False)
    state = "agreed" if rec.is_agreed else "draft"
    return (f"::: {{#rec-{rec.id} .recommendation .recommendation-{state}}}\n"
            f"**{heading}** [{label}]{{.recommendation-status}}\n\n"
            f"{escape_markdown(rec.body)}\n\n"
            ":::\n")


# --------------------------------------------------------------------------------------------
# Output for the book
# --------------------------------------------------------------------------------------------
def _measure_title(params: Params, measure_id: str) -> str:
    return params.measures[measure_id].title if measure_id in params.measures else measure_id


def write_section_includes(recommendations: Iterable[Recommendation], params: Params,
                           book_chapters_dir: str | Path) -> dict[str, list[str]]:
    """Write book_chapters_dir/_recommendations/<chapter-id>/<section>.md for every section of every chapter.

    A section is each measure the chapter lists or owns, plus `general`. A section without recommendations
    gets a sentence saying so, so an include never fails. Files left from an earlier build that no longer
    have a section are removed (only inside `_recommendations/`). Returns {include path: [recommendation ids]},
    the include path being relative to book_chapters_dir, as the chapter's {{< include >}} writes it.
    """
    recommendations = list(recommendations)
    root = Path(book_chapters_dir) / INCLUDES_DIR
    written: dict[str, list[str]] = {}
    for chapter in params.chapters():
        owned = set(own_measures(params, chapter.id))
        for section in include_sections(params, chapter.id):
            recs = [r for r in recommendations if r.chapter == chapter.id and r.section == section]
            if recs:
                text = "\n".join(render_recommendation_markdown(r) for r in recs)
            elif section == GENERAL:
                text = "::: {.recommendations-none}\nThere are no recommendations about this chapter as a whole.\n:::\n"
            elif section not in owned:
                owner = params.chapter(params.measures[section].chapter)
                text = ("::: {.recommendations-none}\n"
                        f"Recommendations about {plain(_measure_title(params, section).lower())} "
                        f"are in the chapter {plain(owner.title)}.\n:::\n")
            else:
                text = "::: {.recommendations-none}\nThere are no recommendations about this measure.\n:::\n"
            relative = include_path(chapter.id, section)
            target = Path(book_chapters_dir) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8", newline="\n")
            written[relative] = [r.id for r in recs]
    if root.is_dir():
        for stale in root.glob("*/*.md"):
            if stale.relative_to(Path(book_chapters_dir)).as_posix() not in written:
                stale.unlink()
    return written


def _month_name(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def summary_markdown(recommendations: Iterable[Recommendation], params: Params,
                     measure_statuses: Mapping[str, Mapping[str, Any]]) -> str:
    """The body of the recommendations summary, a short publication of its own (Quarto Markdown).

    Context (what the assessment is, the plan, how to read statuses), then every recommendation grouped
    by part and chapter, each with the current comparison and status of the measures it rests on. No figure
    is typed in: they come from `measure_statuses` or from `{{< var ... >}}` shortcodes.
    """
    from .review import stale_measures   # review builds on this module

    recommendations = list(recommendations)
    e = plain   # text from the params and statuses: no Markdown of its own (text.plain)
    area, plan = params.area, params.plan
    start, end = params.baseline_months
    latest_start = params.period_end_month - 11
    confidence = f"{params.confidence_level * 100:g}%"
    agreed = [r for r in recommendations if r.is_agreed]
    out: list[str] = []

    if params.demonstration:
        out += ["::: {.callout-warning}",
                "## Demonstration",
                f"This summary is built from generated demonstration data for a fictional area, "
                f"{e(area.name)}. It is not official statistics.",
                ":::", ""]

    out += [
        "## About this summary", "",
        f"The needs assessment looks at each priority and cross-cutting theme of the {e(plan.name)} for "
        f"{e(area.name)}: what the evidence says about how the plan's measures have moved, and what the next "
        f"plan should keep, change or add. This summary brings together its recommendations. The full needs "
        f"assessment ({e(params.title)}) sets out the evidence behind each one.", "",
        f"The latest figures cover {_month_name(str(latest_start))} to {_month_name(str(params.period_end_month))}. "
        f"The plan's baseline is {_month_name(str(start))} to {_month_name(str(end))}.", "",
        "## How to read this summary", "",
        "Each recommendation is marked:", "",
        "- **Draft**: proposed by the analysts and not yet agreed;",
        "- **Agreed**: agreed by the person or board named, on the date given.", "",
        "Under each recommendation are the measures it rests on, each with two judgements from the full "
        "assessment:", "",
        f"- **Comparison** with the plan's baseline: *Better* or *Worse* when the baseline lies outside the "
        f"{confidence} confidence interval of the latest figure, *Similar* when it lies inside, so that a change "
        "small enough to be chance is not read as progress or decline. For measures where a higher figure is "
        "neither good nor bad the words are *Higher*, *Similar* and *Lower*; *Not compared* means the data "
        "cannot support a comparison.",
        "- **Status** against the plan's target: *On track* or *Off track*; *Monitor only* for a measure "
        "the plan watches without a target; *No data* when there is no current figure; *Not assessed* when "
        "months are missing from the data for the 12 months the target needs.", "",
        "The methods appendix of the full assessment explains how each judgement is made. Where a measure has "
        "moved since a recommendation was agreed, the recommendation is marked *review needed*.", "",
    ]

    # at a glance
    out += ["## Recommendations at a glance", "",
            "| Chapter | Recommendations | Agreed | Draft |", "|:--|--:|--:|--:|"]
    for chapter in params.chapters():
        recs = [r for r in recommendations if r.chapter == chapter.id]
        if recs:
            n_agreed = sum(r.is_agreed for r in recs)
            out.append(f"| {e(chapter.title)} | {len(recs)} | {n_agreed} | {len(recs) - n_agreed} |")
    out += [f"| **All chapters** | **{len(recommendations)}** | **{len(agreed)}** | "
            f"**{len(recommendations) - len(agreed)}** |", "",
            ": Recommendations by chapter {#tbl-recommendations-by-chapter}", ""]

    parts = [(part.title, part.chapters) for part in plan.parts]
    if plan.appendices:
        parts.append(("Appendices", plan.appendices))
    for part_title, chapters in parts:
        part_recs = [r for r in recommendations if r.chapter in {c.id for c in chapters}]
        if not part_recs:
            continue
        out += [f"## {e(part_title)}", ""]
        for chapter in chapters:
            recs = [r for r in recommendations if r.chapter == chapter.id]
            if not recs:
                continue
            out += [f"### {e(chapter.title)} {{#sec-{chapter.id.lower()}}}", ""]
            for rec in recs:
                heading = f"{rec.id}" + (f": {_escape_inline(rec.title, allow_var=False)}" if rec.title else "")
                out += [f"#### {heading} {{#sec-{rec.id.lower()} .unnumbered}}", ""]
                if rec.is_agreed:
                    agreement = f"{e(_agreement(rec))}.".replace(" .", ".")
                    out += [f"[Agreed]{{.recommendation-status .recommendation-agreed}} {agreement}", ""]
                else:
                    out += ["[Draft]{.recommendation-status .recommendation-draft} Not yet agreed.", ""]
                stale = stale_measures(rec, measure_statuses)
                if stale:
                    out += ["::: {.callout-important}",
                            "## Review needed", ""]
                    for item in stale:
                        out.append(f"- {e(_measure_title(params, item.measure))}: {e(item.describe())}.")
                    out += [":::", ""]
                out += [escape_markdown(rec.body), ""]
                if rec.measures:
                    out += ["Measures this recommendation rests on:", ""]
                    for measure_id in rec.measures:
                        out.append(f"- {_measure_line(params, measure_id, measure_statuses, e)}")
                    out.append("")
                where = ("the chapter as a whole" if rec.section == GENERAL
                         else e(_measure_title(params, rec.section).lower()))
                out += [f"*In the full assessment: {e(chapter.title)}, {where}.*", ""]
    return "\n".join(out).rstrip() + "\n"


def _measure_line(params: Params, measure_id: str, measure_statuses: Mapping[str, Mapping[str, Any]], e) -> str:
    title = e(_measure_title(params, measure_id))
    current = measure_statuses.get(measure_id)
    if not current:
        return f"**{title}**: no current figures"
    bits = []
    if current.get("comparison"):
        bits.append(f"comparison *{e(current['comparison'])}*")
    if current.get("status"):
        bits.append(f"status *{e(current['status'])}*")
    bits.append(f"change against the baseline {{{{< var {measure_id}.change_vs_baseline >}}}}")
    return f"**{title}**: " + "; ".join(bits)
