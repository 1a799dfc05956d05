"""Reading the reviewers' files (one Markdown file per chapter under `recommendations/`) and checking them.

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
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..common.errors import RecommendationError
from ..measures.comparison import COMPARISON_WORDS, STATUS_WORDS
from ..params import Params
from .safety import VAR_SHORTCODE, _SHORTCODE_OPEN, _link_destinations, _unsafe_url


GENERAL = "general"
STATUSES = ("draft", "agreed")
FIELDS = ("section", "measures", "status", "agreed_by", "agreed_on", "agreed_statuses")
REQUIRED_FIELDS = ("status",)
STATUS_KEYS = ("comparison", "status")   # what an agreed status can pin down for a measure

INCLUDES_DIR = "_recommendations"

ID_PATTERN = re.compile(r"^([A-Z][A-Z0-9]{0,3})-R([1-9][0-9]*)$")
_HEADING = re.compile(r"^##(?!#)[ \t]*(.*?)[ \t]*$")
_HEADING_ID = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,3}-[Rr][0-9]+)(?=$|[\s:.\-\u2013\u2014])[\s:.\-\u2013\u2014]*(.*)$")
_FIELD_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_ \-]*?)[ \t]*:(?:[ \t]+(.*?)|)[ \t]*$")
_BODY_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_FILE_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,3})-(.+)$")

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
