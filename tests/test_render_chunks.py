"""Rendering a chapter at a time (render/chunks.py, the embedded renderer's `cache_dir`): the same
bytes as one pass, HTML, typst and PDF; after an edit pandoc reads and writes only the chapter that
changed; a changed figure reaches the HTML even though its name did not change."""

from __future__ import annotations

import shutil
from pathlib import Path

from needs_assessment.render.assemble import ReadCache, assemble
from needs_assessment.render.chunks import ChunkCache
from needs_assessment.render.embedded import render_publication, typst_source
from needs_assessment.render.html import render_html
from needs_assessment.render.project import load_book

SAMPLE = Path(__file__).parent / "fixtures" / "sample_book"
INCLUDE = "chapters/_recommendations/P1/neighbourhood-crime.md"
FORMATS = ("html", "typst", "pdf")


def copy_book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(SAMPLE, folder)
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_chunked_render_is_byte_identical_to_one_pass(tmp_path):
    book = copy_book(tmp_path)
    cache = tmp_path / "cache"
    render_publication(load_book(book), tmp_path / "one-pass", FORMATS, "needs-assessment")
    render_publication(load_book(book), tmp_path / "cold", FORMATS, "needs-assessment", cache_dir=cache)
    render_publication(load_book(book), tmp_path / "warm", FORMATS, "needs-assessment", cache_dir=cache)
    one_pass = outputs(tmp_path / "one-pass")
    assert set(one_pass) == {"needs-assessment.html", "needs-assessment.typ", "needs-assessment.pdf"}
    assert outputs(tmp_path / "cold") == one_pass
    assert outputs(tmp_path / "warm") == one_pass

    # an edit: the chunked render after it is the one pass after it
    include = book / INCLUDE
    include.write_text(include.read_text() + "\n**P1-R3.** Saved by the chunk test.\n")
    render_publication(load_book(book), tmp_path / "edited", FORMATS, "needs-assessment", cache_dir=cache)
    render_publication(load_book(book), tmp_path / "edited-one-pass", FORMATS, "needs-assessment")
    edited = outputs(tmp_path / "edited")
    assert edited == outputs(tmp_path / "edited-one-pass")
    assert b"Saved by the chunk test." in edited["needs-assessment.html"]
    assert edited["needs-assessment.html"] != one_pass["needs-assessment.html"]


def test_after_an_edit_only_that_chapter_is_read_and_written(tmp_path):
    book = copy_book(tmp_path)
    reads, html, typst = ReadCache(tmp_path / "r"), ChunkCache(tmp_path / "h"), ChunkCache(tmp_path / "t")

    def render():
        assembly = assemble(load_book(book), read_cache=reads)
        before = set(reads.memory)
        html.written = typst.written = 0
        render_html(assembly, tmp_path / "out.html", html)
        typst_source(assembly, typst)
        for cache in (reads, html, typst):
            cache.prune()
        return before

    render()
    chapters = len(load_book(book).entries)
    assert html.written == chapters and typst.written > chapters      # parts are typst chunks too
    include = book / INCLUDE
    include.write_text(include.read_text() + "\nOne more sentence.\n")
    # a fresh cache object reading the same folders: what lasts from one build to the next
    reads, html, typst = ReadCache(tmp_path / "r"), ChunkCache(tmp_path / "h"), ChunkCache(tmp_path / "t")
    render()
    assert html.written == 1 and typst.written == 1
    assert len(list((tmp_path / "r").glob("*.json"))) == chapters       # the old reading was pruned


def test_a_changed_figure_reaches_the_html(tmp_path):
    """The HTML embeds the image's bytes: a figure redrawn under the same name is not kept."""
    book = copy_book(tmp_path)
    cache = tmp_path / "cache"
    render_publication(load_book(book), tmp_path / "a", ("html",), "page", cache_dir=cache)
    figure = next((book / "chapters" / "figures").glob("*.png"))
    other = Path(__file__).parent.parent / "docs" / "images" / "html-phone.png"
    shutil.copyfile(other, figure)
    render_publication(load_book(book), tmp_path / "b", ("html",), "page", cache_dir=cache)
    render_publication(load_book(book), tmp_path / "c", ("html",), "page")
    assert (tmp_path / "b" / "page.html").read_bytes() == (tmp_path / "c" / "page.html").read_bytes()
    assert (tmp_path / "b" / "page.html").read_bytes() != (tmp_path / "a" / "page.html").read_bytes()


def test_the_build_cache_reads_and_writes_only_the_edited_chapter_with_the_same_warnings(tmp_path, monkeypatch):
    """render_publication with a cache_dir (what the build does): after an edit pandoc reads one
    source and writes one chapter's HTML and one chunk's typst; the warnings are those of one pass,
    kept chapters' included."""
    import needs_assessment.render.pandoc_ast as pa
    book = copy_book(tmp_path)
    cache = tmp_path / "cache"
    one_pass: list[str] = []
    render_publication(load_book(book), tmp_path / "one", FORMATS, "b", warnings_out=one_pass)
    cold: list[str] = []
    render_publication(load_book(book), tmp_path / "cold", FORMATS, "b", warnings_out=cold, cache_dir=cache)
    assert cold == one_pass and any("@fig-nowhere" in w for w in one_pass)

    calls: list[list[str]] = []
    real = pa.run_pandoc

    def counting(args, *rest, **kw):
        calls.append(list(args))
        return real(args, *rest, **kw)

    monkeypatch.setattr(pa, "run_pandoc", counting)
    include = book / INCLUDE
    include.write_text(include.read_text() + "\n**P1-R3.** Counted.\n")
    warm: list[str] = []
    render_publication(load_book(book), tmp_path / "warm", FORMATS, "b", warnings_out=warm, cache_dir=cache)
    reads = [c for c in calls if c[:2] == ["--from", pa.READER_FORMAT]]
    chapters_html = [c for c in calls if "html5" in c and "--standalone" not in c]
    chapters_typst = [c for c in calls if "typst" in c and "--standalone" not in c]
    assert len(reads) == 1 and len(chapters_html) == 1 and len(chapters_typst) == 1, calls
    assert warm == one_pass
    monkeypatch.undo()
    render_publication(load_book(book), tmp_path / "warm-one-pass", FORMATS, "b")
    assert outputs(tmp_path / "warm") == outputs(tmp_path / "warm-one-pass")


def test_pandoc_runs_the_chunks_side_by_side_and_the_bytes_are_those_of_one_at_a_time(tmp_path, monkeypatch):
    """A cold build's render: the sources not kept are read, and the chunks not kept written, by
    several pandoc processes at once (one per core); put together in chunk order, the outputs and
    the warnings are those of one pandoc at a time."""
    import threading
    import time

    import needs_assessment.render.pandoc_ast as pa
    book = copy_book(tmp_path)
    real = pa.run_pandoc
    lock = threading.Lock()
    running = {"now": 0, "most": 0}

    def slow(args, *rest, **kw):
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        try:
            time.sleep(0.02)          # long enough that another worker starts its pandoc meanwhile
            return real(args, *rest, **kw)
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(pa, "run_pandoc", slow)
    made = {}
    for workers in (1, 3):
        monkeypatch.setattr(pa, "pandoc_workers", lambda workers=workers: workers)
        running["most"] = 0
        found: list[str] = []
        render_publication(load_book(book), tmp_path / f"w{workers}", FORMATS, "b", warnings_out=found,
                           cache_dir=tmp_path / f"cache{workers}")
        made[workers] = (outputs(tmp_path / f"w{workers}"), found, running["most"])
    assert made[1][2] == 1 and made[3][2] >= 2        # one at a time, then side by side
    assert made[3][:2] == made[1][:2]
    monkeypatch.undo()
    render_publication(load_book(book), tmp_path / "one-pass", FORMATS, "b")
    assert made[3][0] == outputs(tmp_path / "one-pass")


def test_a_second_edit_has_pandoc_read_only_that_source(tmp_path, monkeypatch):
    """Sources whose numbering is kept are not read ahead, though their reading was dropped from
    the read cache after the first edit (only new or edited texts are read, side by side)."""
    import needs_assessment.render.pandoc_ast as pa
    book = copy_book(tmp_path)
    cache = tmp_path / "cache"
    render_publication(load_book(book), tmp_path / "cold", FORMATS, "b", cache_dir=cache)
    include = book / INCLUDE
    calls: list[list[str]] = []
    real = pa.run_pandoc

    def counting(args, *rest, **kw):
        calls.append(list(args))
        return real(args, *rest, **kw)

    monkeypatch.setattr(pa, "run_pandoc", counting)
    for n in (1, 2):
        calls.clear()
        include.write_text(include.read_text() + f"\n**P1-R{n + 2}.** Edit number {n}.\n")
        render_publication(load_book(book), tmp_path / f"edit{n}", FORMATS, "b", cache_dir=cache)
        reads = [c for c in calls if c[:2] == ["--from", pa.READER_FORMAT]]
        assert len(reads) == 1, (n, len(reads))
    monkeypatch.undo()
    render_publication(load_book(book), tmp_path / "one-pass", FORMATS, "b")
    assert outputs(tmp_path / "edit2") == outputs(tmp_path / "one-pass")
