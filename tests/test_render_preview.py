"""The preview page (render/preview.py) on the sample book: after an edit, pandoc reads and writes only
the chapter that changed, and the page is the one a fresh render makes (nothing stale is kept)."""

from __future__ import annotations

import shutil
from pathlib import Path

from needs_assessment.render.preview import PreviewRenderer
from needs_assessment.render.project import load_book

SAMPLE = Path(__file__).parent / "fixtures" / "sample_book"
INCLUDE = "chapters/_recommendations/P1/neighbourhood-crime.md"


def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(SAMPLE, folder)
    return folder


def fresh(folder: Path) -> str:
    return PreviewRenderer(folder).render()


def test_an_edit_is_read_and_written_alone_and_the_page_equals_a_fresh_render(tmp_path):
    folder = book(tmp_path)
    renderer = PreviewRenderer(folder)
    first = renderer.render()
    chapters = len(load_book(folder).entries)
    assert renderer.last_reads == chapters and renderer.last_conversions >= chapters
    assert "P1-R1" in first and 'id="main-content"' in first

    include = folder / INCLUDE
    include.write_text(include.read_text() + "\n**P1-R3.** A sentence the reviewer has just saved.\n")
    edited = renderer.render()
    assert renderer.last_reads == 1 and renderer.last_conversions == 1
    assert "A sentence the reviewer has just saved." in edited
    assert edited == fresh(folder)

    # nothing to do: nothing read, nothing written, the same page
    assert renderer.render() == edited
    assert renderer.last_reads == 0 and renderer.last_conversions == 0


def test_an_edit_that_changes_a_later_chapter_reaches_it(tmp_path):
    """A heading added to the introduction takes the identifier a later chapter's heading had:
    that chapter is converted again with its new identifier (sec-p1-asb-2), not kept from before,
    and the page is the one a fresh render makes."""
    folder = book(tmp_path)
    renderer = PreviewRenderer(folder)
    before = renderer.render()
    assert 'id="sec-p1-asb"' in before and 'id="sec-p1-asb-2"' not in before
    introduction = folder / "chapters" / "C1-introduction.md"
    introduction.write_text(introduction.read_text() + "\n\n## Behaviour {#sec-p1-asb}\n\nText.\n")
    edited = renderer.render()
    assert renderer.last_reads == 1 and renderer.last_conversions >= 2
    assert 'id="sec-p1-asb-2"' in edited
    assert edited == fresh(folder)
