"""Text from the data or the params, made inert before it enters the book.

Area, district, LSOA and force names, ethnic groups, crime types, titles from the params file: such
text is written into Quarto Markdown (findings, tables, captions, alt text) and from there reaches
the shortcode resolver, pandoc, the HTML page and typst. Whatever it holds (HTML tags, `{{< >}}`
shortcodes, `$$` maths, typst `#code`, backticks, pipes, Markdown emphasis or links) it must be shown
as the characters it is, never acted on. `plain` does that for Markdown text, `name` for a params key,
`code` for a file name shown as code, `attribute` for a value in a Markdown attribute
(`fig-alt="..."`) and `chart_label` for text drawn on a chart.

The approach is the reviewers' one (`recommendations.safety.escape_markdown`): characters that can open raw
HTML, attributes, shortcodes or citations are written as character references (`&lt;`, `&#123;`, ...),
which every reader after pandoc sees as plain characters; the other Markdown punctuation is
backslash-escaped, as pandoc reads `\\*` as a literal `*`. Unlike reviewers' text, data text has no
Markdown of its own to keep, so nothing in it stays live. Pandoc's HTML and typst writers then escape
the characters for their own formats (`<` as `&lt;`, `#` and `$` as `\\#` and `\\$`); a table cell or
list item starting with `=`, `+`, `-` or `/` is kept as text in typst by `filters/typst-text.lua`.
"""

from __future__ import annotations

import re
from typing import Any

# Opening raw HTML, comments and autolinks (<), attribute blocks, shortcodes and raw blocks ({ }),
# citations and cross-references (@), entities (&), code (`).
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;", "@": "&#64;",
             "`": "&#96;"}
# Markdown punctuation with a meaning inline or at the start of a line or table cell: emphasis,
# links and images, headings, maths, pipe-table cells, strikeout, super/subscript, list markers,
# the escape character itself. Quotes and full stops are left for pandoc's typography.
_BACKSLASHED = frozenset("\\*_[]()#$|~^=+-!:<>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In an attribute value pandoc reads character references and backslash escapes, nothing else.
_ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;",
                      '"': '\\"', "\\": "\\\\"}

CHART_LABEL_LIMIT = 60


def one_line(text: Any) -> str:
    """The text on one line: line breaks, tabs and runs of spaces become one space; control
    characters are dropped (a data value cannot start a new Markdown block)."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def plain(text: Any) -> str:
    """Data text as Markdown that shows exactly these characters (on one line), in any position:
    a sentence, a table cell, a caption, a heading."""
    out = []
    for ch in one_line(text):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*")


def name(text: Any) -> str:
    """A name from the params such as a dataset's key (`street_crime`): as it is when it is an
    identifier (pandoc takes underscores inside a word literally), else `plain`."""
    line = one_line(text)
    return line if _IDENTIFIER.fullmatch(line) else plain(line)


def code(text: Any) -> str:
    """Data text as inline code (a file name): literal to pandoc. Text with a backtick (it would end
    the span) or `{{` (the shortcode resolver reads inside code spans) is written with `plain` instead."""
    line = one_line(text)
    if "`" in line or "{{" in line or not line:
        return plain(line)
    return f"`{line}`"


def attribute(text: Any) -> str:
    """Data text for a Markdown attribute in double quotes (`fig-alt="..."`): one line, and nothing
    in it can end the attribute or be taken as a shortcode by the resolver that reads the source."""
    return "".join(_ATTRIBUTE_ESCAPES.get(ch, ch) for ch in one_line(text))


def chart_label(text: Any, limit: int = CHART_LABEL_LIMIT) -> str:
    """Data text for a chart: one line, at most `limit` characters (a longer name ends in "…" so that
    it cannot stretch the chart; the full name is in the alt text and the table). Charts draw with
    `text.parse_math` off (`charts.STYLE`), so a `$` is drawn as itself."""
    line = one_line(text)
    if len(line) > limit:
        line = line[:limit - 1].rstrip() + "…"
    return line
