"""The quarto engine, with a stand-in `quarto` on PATH (real Quarto is not installed here)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from needs_assessment.render import RenderError, choose_engine, render_book

SAMPLE = Path(__file__).parent / "fixtures" / "sample_book"

FAKE_QUARTO = """#!/bin/sh
# Stand-in for `quarto render <dir> --to <fmt>`: writes what Quarto would write into _book/.
echo "$@" >> "$PWD/quarto-calls.txt"
mkdir -p _book/chapters
case "$*" in
  *"--to html"*) echo "<html>index</html>" > _book/index.html; echo "<html>c1</html>" > _book/chapters/C1.html ;;
  *"--to typst"*) printf '%%PDF-1.7 fake' > _book/needs-assessment.pdf ;;
esac
"""


@pytest.fixture()
def fake_quarto(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "quarto"
    exe.write_text(FAKE_QUARTO)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return exe


def test_auto_engine_without_quarto_is_embedded(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_engine("auto") == "embedded"
    with pytest.raises(RenderError, match="not on PATH"):
        render_book(SAMPLE, Path("/nonexistent"), engine="quarto")


def test_quarto_engine_runs_quarto_and_copies_results(tmp_path, fake_quarto):
    assert choose_engine("auto") == "quarto"
    book = tmp_path / "book"
    shutil.copytree(SAMPLE, book)
    out = tmp_path / "out"
    res = render_book(book, out, engine="auto")
    calls = (book / "quarto-calls.txt").read_text().splitlines()
    assert calls == [f"render {book} --to html", f"render {book} --to typst"]
    assert (book / "styles" / "house.css").is_file()            # staged for format.html.css
    assert res["pdf"] == out / "needs-assessment.pdf" and res["pdf"].read_bytes().startswith(b"%PDF")
    assert res["html"] == out / "needs-assessment.html"
    assert "needs-assessment-html/index.html" in res["html"].read_text()
    assert (out / "needs-assessment-html" / "chapters" / "C1.html").is_file()
