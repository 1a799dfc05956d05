"""The authors' files for scrutiny papers: `papers/<meeting date>/`, one Markdown file per paper.

The same model as the recommendations: plain files the build only reads, `{{< var ... >}}` for live
figures, mistakes reported with the file and line. A file looks like this (docs/reviewers.md is the
guide for authors)::

    ---
    topic: P3
    status: draft          # draft | ready: a draft stops publication (unless --allow-draft)
    ---
    # Safer Places and Thriving Communities: cover paper
    Anything before the first `## ` line is a note for the author and is not published.

    ## Purpose of the report
    Free text (Markdown), with live figures like {{< var neighbourhood_crime.rate >}}.

    ## Recommendation
    ...

The sections, each at most once, in any order (the paper always prints them in the standard order):
`SECTIONS`. Subject and the figures of key information are written by the build; the author's text
under `## Key information` follows the figures. A file that does not exist is written once as a
skeleton (every section empty, `status: draft`) and never again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..common.errors import RecommendationError
from .files import _closest, _display, _raise_all, _read_text
from .safety import VAR_SHORTCODE, _SHORTCODE_OPEN

# (key, heading as written in the file and printed in the paper), in the standard order.
SECTIONS = (
    ("purpose", "Purpose of the report"),
    ("recommendation", "Recommendation"),
    ("plan", "Link to the Police and Crime Plan"),
    ("key_information", "Key information"),
    ("partnership", "Partnership contribution"),
    ("equality", "Equality, diversity and inclusion"),
    ("contact", "Contact"),
    ("attachment", "Attachment"),
)
HEADINGS = {heading.casefold(): key for key, heading in SECTIONS}
STATUSES = ("draft", "ready")
_HEADING = re.compile(r"^##(?!#)[ \t]*(.*?)[ \t]*$")
_BODY_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")

GUIDANCE = {
    "purpose": "what the paper is for, and who produced the report it covers",
    "recommendation": "what the meeting is asked to do with it",
    "plan": "how the topic serves the plan (the build already names the plan and its priority)",
    "key_information": "what the figures above do not say: context, actions, what comes next",
    "partnership": "what partners contribute",
    "equality": "who is affected differently, and what is done about it",
    "contact": "who to ask about the paper (name, role, email)",
    "attachment": "the reports attached, by title",
}


@dataclass
class PaperText:
    """One paper's authored text as read (not yet escaped)."""

    file: str
    status: str                                    # draft | ready
    sections: dict[str, str] = field(default_factory=dict)   # key -> Markdown, as written
    lines: dict[str, int] = field(default_factory=dict)      # key -> file line where its text starts
    created: bool = False                          # written as a skeleton by this build

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def variables(self) -> list[tuple[str, int]]:
        """Every `{{< var name >}}` with its file line (what `live_figures.check_variables` reads)."""
        out = []
        for key, text in self.sections.items():
            start = self.lines.get(key, 0)
            out += [(m.group(1), start + text.count("\n", 0, m.start())) for m in VAR_SHORTCODE.finditer(text)]
        return out


def skeleton(front: dict, title: str, note: str) -> str:
    """The file written for a paper that has none: every section empty, marked draft."""
    lines = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(),
             "status: draft          # change to `status: ready` when the paper can be published", "---",
             f"# {title}", "",
             "Notes for the author (this part, before the first `## ` line, is not published):",
             f"{note} Write under each heading below; a section left empty is left out or marked for you, as",
             "the params file says. Live figures: {{< var measure_id.field >}}, e.g. "
             "{{< var neighbourhood_crime.rate >}}.", ""]
    for key, heading in SECTIONS:
        lines += [f"## {heading}", f"<!-- {GUIDANCE[key]} -->", ""]
    return "\n".join(lines)


def ensure_file(path: Path, front: dict, title: str, note: str) -> bool:
    """Write the skeleton if the file does not exist (never overwrites). True when it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as fh:     # "x": never replaces a file written meanwhile
            fh.write(skeleton(front, title, note))
    except FileExistsError:
        return False
    return True


_COMMENT = re.compile(r"<!--.*?-->", re.S)


def read_paper(path: Path, expected: dict) -> PaperText:
    """Read one paper's file; `expected` is the front matter it must carry (topic, and measure for an
    exception paper). Raises RecommendationError(s) naming the file and line."""
    file = _display(path)
    lines = _read_text(path).split("\n")
    errors: list[RecommendationError] = []
    start, status = _front_matter(lines, file, expected)
    paper = PaperText(file=file, status=status)
    current: str | None = None
    body: list[str] = []
    body_start = 0

    def close() -> None:
        if current is not None:
            # comments are guidance: dropped, keeping their lines so that line numbers stay right
            raw = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), "\n".join(body))
            text = raw.strip()
            paper.sections[current] = text
            paper.lines[current] = body_start + raw[:len(raw) - len(raw.lstrip())].count("\n")

    for index in range(start, len(lines)):
        line = lines[index]
        match = _HEADING.match(line)
        if match:
            close()
            name = match.group(1).strip().rstrip(":").strip()
            key = HEADINGS.get(name.casefold())
            if key is None:
                close_names = _closest(name, [h for _, h in SECTIONS])
                hint = f" Did you mean `## {close_names[0]}`?" if close_names else ""
                errors.append(RecommendationError(file, index + 1,
                              f"`## {name}` is not a section of a paper.{hint} The sections are: "
                              + "; ".join(h for _, h in SECTIONS) + ". For a sub-heading in the text, use **bold** "
                              "words"))
                current = None
                continue
            if key in paper.sections:
                errors.append(RecommendationError(file, index + 1, f"`## {name}` is given twice; keep one"))
                current = None
                continue
            current, body, body_start = key, [], index + 2
            continue
        if current is None:
            continue              # notes for the author
        if _BODY_HEADING.match(line):
            errors.append(RecommendationError(file, index + 1,
                          "a heading inside a section is not allowed (a line starting `## ` begins a new "
                          "section); for a sub-heading use **bold** words"))
        if _SHORTCODE_OPEN in line and not VAR_SHORTCODE.search(line):
            errors.append(RecommendationError(file, index + 1,
                          "the only `{{< ... >}}` allowed is a live figure, written `{{< var measure_id.field >}}`"))
        body.append(line)
    close()
    _raise_all(errors)
    return paper


def _front_matter(lines: list[str], file: str, expected: dict) -> tuple[int, str]:
    example = "\n".join(f"{k}: {v}" for k, v in expected.items()) + "\nstatus: draft"
    if not lines or lines[0].strip() != "---":
        raise RecommendationError(file, 1, "the file must start with a settings block: a line `---`, then\n"
                                           f"{example}\nthen a line `---`")
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise RecommendationError(file, 1, "the settings block that starts with `---` on line 1 is never closed; "
                                           "add a line `---` after `status: ...`")
    try:
        settings = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RecommendationError(file, (mark.line + 2) if mark else 1,
                                  f"the settings block at the top could not be read; it should be\n{example}") from None
    if not isinstance(settings, dict):
        raise RecommendationError(file, 2, f"the settings block at the top should be\n{example}")

    def line_of(key: str) -> int:
        for index in range(1, end):
            if lines[index].lstrip().startswith(f"{key}:"):
                return index + 1
        return 2

    for key in settings:
        if key not in (*expected, "status"):
            raise RecommendationError(file, line_of(str(key)), f"`{key}` is not a setting of a paper; the settings "
                                                               f"are: {', '.join((*expected, 'status'))}")
    for key, value in expected.items():
        if str(settings.get(key, "")).strip() != str(value):
            raise RecommendationError(file, line_of(key), f"this file is for {key} `{value}`, but its settings say "
                                                          f"`{key}: {settings.get(key, '')}`; write `{key}: {value}`")
    status = str(settings.get("status", "")).strip().lower()
    if status not in STATUSES:
        raise RecommendationError(file, line_of("status"),
                                  f"`status: {settings.get('status', '')}` is not allowed; write `status: draft` "
                                  "(not ready to publish) or `status: ready`")
    return end + 1, status
