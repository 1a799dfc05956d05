"""Reviewers' text in, inert Markdown out: live markup escaped and unsafe links refused."""

from __future__ import annotations

import html
import re


SAFE_LINK_SCHEMES = ("http", "https", "mailto")

# A Quarto shortcode opens with `{{<`. Only `{{< var name >}}` may appear in reviewers' text.
_SHORTCODE_OPEN = "{{<"
VAR_SHORTCODE = re.compile(r"\{\{<[ \t]*var[ \t]+([A-Za-z0-9_][A-Za-z0-9_.\-]*)[ \t]*>\}\}")

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
