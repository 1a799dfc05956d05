"""Quarto shortcodes resolved by the embedded renderer: include, var, meta, pagebreak."""

from __future__ import annotations

import pytest

from needs_assessment.render.errors import ShortcodeError
from needs_assessment.render.shortcodes import ShortcodeResolver

VARS = {"area": {"name": "Demoshire", "force": "Demoshire Police"}, "year": 2024, "flag": True}


def resolver(tmp_path, meta=None):
    return ShortcodeResolver(VARS, meta or {"title": "Needs assessment", "needs-assessment": {"cycle": "demo-2024"}},
                             root=tmp_path)


def test_vars_inline_and_scalars(tmp_path):
    f = tmp_path / "c.md"
    f.write_text("In {{< var area.name >}} ({{< var area.force >}}), {{< var year >}} {{<var flag>}}.\n")
    assert resolver(tmp_path).resolve_file(f) == "In Demoshire (Demoshire Police), 2024 true.\n"


def test_meta_and_escaped_shortcode(tmp_path):
    f = tmp_path / "c.md"
    f.write_text("{{< meta needs-assessment.cycle >}}: write {{{< var area.name >}}} literally.\n")
    assert resolver(tmp_path).resolve_file(f) == "demo-2024: write {{< var area.name >}} literally.\n"


def test_nested_includes_relative_to_the_including_file(tmp_path):
    (tmp_path / "chapters" / "_rec" / "P3").mkdir(parents=True)
    (tmp_path / "chapters" / "c.md").write_text("# C\n\n{{< include _rec/P3/a.md >}}\n\nEnd.\n")
    (tmp_path / "chapters" / "_rec" / "P3" / "a.md").write_text("A in {{< var area.name >}}.\n\n{{< include b.md >}}\n")
    (tmp_path / "chapters" / "_rec" / "P3" / "b.md").write_text("B text.\n")
    text = resolver(tmp_path).resolve_file(tmp_path / "chapters" / "c.md")
    assert "A in Demoshire." in text and "B text." in text and text.index("B text.") < text.index("End.")


def test_include_loop_is_an_error(tmp_path):
    (tmp_path / "a.md").write_text("{{< include b.md >}}\n")
    (tmp_path / "b.md").write_text("x\n{{< include a.md >}}\n")
    with pytest.raises(ShortcodeError, match=r"b.md, line 2: include loop: a.md -> b.md -> a.md"):
        resolver(tmp_path).resolve_file(tmp_path / "a.md")


def test_include_must_be_on_its_own_line(tmp_path):
    (tmp_path / "a.md").write_text("Text {{< include b.md >}} more\n")
    (tmp_path / "b.md").write_text("x\n")
    with pytest.raises(ShortcodeError, match="a line of its own"):
        resolver(tmp_path).resolve_file(tmp_path / "a.md")


def test_unknown_var_names_closest(tmp_path):
    (tmp_path / "a.md").write_text("one\ntwo {{< var area.nme >}}\n")
    with pytest.raises(ShortcodeError) as info:
        resolver(tmp_path).resolve_file(tmp_path / "a.md")
    assert str(info.value).startswith("a.md, line 2: unknown variable 'area.nme'")
    assert "closest known: area.name" in str(info.value)


def test_var_naming_a_mapping_is_an_error(tmp_path):
    (tmp_path / "a.md").write_text("{{< var area >}}\n")
    with pytest.raises(ShortcodeError, match="not a single value"):
        resolver(tmp_path).resolve_file(tmp_path / "a.md")


def test_unknown_shortcode_is_an_error(tmp_path):
    (tmp_path / "a.md").write_text("{{< video x.mp4 >}}\n")
    with pytest.raises(ShortcodeError, match="unknown shortcode 'video'"):
        resolver(tmp_path).resolve_file(tmp_path / "a.md")


def test_include_inside_code_fence_is_left_alone_and_pagebreak(tmp_path):
    (tmp_path / "a.md").write_text("```\n{{< include nothing.md >}}\n```\n\n{{< pagebreak >}}\n")
    text = resolver(tmp_path).resolve_file(tmp_path / "a.md")
    assert "{{< include nothing.md >}}" in text
    assert "::: {.na-pagebreak}" in text
