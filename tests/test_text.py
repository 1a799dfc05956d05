"""text.plain / attribute / chart_label: data text as Markdown that pandoc reads back as the same text."""

from __future__ import annotations

import html

import pypandoc
import pytest

from needs_assessment.content import tables
from needs_assessment.render.shortcodes import ShortcodeResolver
from needs_assessment.content.text import attribute, chart_label, code, name, plain

HOSTILE = [
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[go](javascript:alert(1))", "<javascript:alert(1)>",
    "{{< include /etc/passwd >}}", "{{< var area.name >}}", "{{{< var x >}}}", "#read(\"/etc/passwd\")",
    "#let x = 1", "$$x^2$$", "$x$", "`tick` and ``two``", "a | b", "*em* _em_ **strong** ~~del~~ ^sup^ ~sub~",
    "# heading", "- item", "1. item", "> quote", "::: {.callout}", "<!-- comment -->", "&amp; &#60; &lt;",
    "\\ backslash \\*", "@sec-x [@cite]", "{#id .class}", "\u05de\u05d7\u05d5\u05d6 \u202eRTL", "Cafe\u0301 Z\u0334a",
    "= heading", "+ plus", "line one\nline two\r\n\tthree",
]


def _html(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "html", format="markdown", extra_args=["--wrap=none"])


@pytest.mark.parametrize("value", HOSTILE)
def test_plain_text_reads_back_as_itself_and_makes_no_element(value):
    out = _html(f"In {plain(value)} today.").strip()
    expected = " ".join(value.split())
    assert out.startswith("<p>") and out.endswith("</p>") and out.count("<") == 2, out
    body = html.unescape(out[3:-4])
    assert body.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")) == f"In {expected} today."


@pytest.mark.parametrize("value", HOSTILE)
def test_plain_text_is_no_shortcode_and_one_table_cell(value, tmp_path):
    escaped = plain(value)
    assert ShortcodeResolver({}, {}).resolve_text(escaped, tmp_path / "x.md") == escaped
    table = tables.markdown_table(__import__("pandas").DataFrame({"name": [escaped], "n": [1]}))
    cells = _html(table).count("<td")
    assert cells == 2


def test_an_attribute_keeps_the_alt_text_whole(tmp_path):
    for value in HOSTILE:
        markdown = f'![caption](x.png){{#fig-x fig-alt="{attribute(value)}"}}'
        assert ShortcodeResolver({}, {}).resolve_text(markdown, tmp_path / "x.md") == markdown
        out = _html(markdown)
        alt = html.unescape(out.split('data-fig-alt="', 1)[1].split('"', 1)[0])
        assert alt == " ".join(value.split())


@pytest.mark.parametrize("value", ["2019-01-demoshire-street.csv", "a`b.csv", "{{< var x >}}.csv", "<b>.csv"])
def test_a_file_name_is_code_when_it_can_be_and_always_reads_back_as_itself(value, tmp_path):
    markdown = code(value)
    assert ShortcodeResolver({}, {}).resolve_text(markdown, tmp_path / "x.md") == markdown
    out = _html(markdown).strip()
    assert html.unescape(out.replace("<p>", "").replace("</p>", "").replace("<code>", "").replace("</code>", "")) == value
    assert ("<code>" in out) == ("`" not in value and "{{" not in value)


def test_a_params_key_stays_as_it_is_and_anything_else_is_plain():
    assert name("street_crime") == "street_crime"
    assert name("_x_ <b>") == plain("_x_ <b>")
    assert _html(f"In {name('street_crime')}.").strip() == "<p>In street_crime.</p>"


def test_chart_labels_are_one_line_and_bounded():
    assert chart_label("a\nb  c") == "a b c"
    long = chart_label("x" * 10_000)
    assert len(long) == 60 and long.endswith("…")
    assert chart_label("$$x$$") == "$$x$$"   # charts draw with text.parse_math off
