"""The quarto engine with a stand-in `quarto` on PATH (tests/quarto_fake.py): what is staged for
Quarto, where its outputs go, its warnings and its failures. The real thing: test_publication_quarto.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import quarto_fake
from needs_assessment.render import RenderError, choose_engine, render_book, render_document
from needs_assessment.render.quarto import QuartoError, quarto_warnings

SAMPLE = Path(__file__).parent / "fixtures" / "sample_book"


@pytest.fixture()
def book(tmp_path) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_auto_engine_without_quarto_is_embedded(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert choose_engine("auto") == "embedded"
    with pytest.raises(RenderError, match="not on PATH"):
        render_book(SAMPLE, Path("/nonexistent"), engine="quarto")


def test_quarto_engine_runs_quarto_and_publishes_the_site_at_the_top(tmp_path, book, monkeypatch):
    calls = quarto_fake.use(monkeypatch, tmp_path)
    assert choose_engine("auto") == "quarto"
    out = tmp_path / "out"
    res = render_book(book, out, engine="auto")
    assert calls.read_text().splitlines() == [f"render {book} --to html",
                                              f"render {book} --to needs-assessment-typst"]
    assert res["pdf"] == out / "needs-assessment.pdf" and res["pdf"].read_bytes().startswith(b"%PDF")
    # the site is the top of the publication, beside the PDF and downloads/ it links to
    assert (out / "index.html").is_file() and (out / "chapters" / "C1.html").is_file()
    assert res["html"] == out / "needs-assessment.html"
    assert 'url=index.html' in res["html"].read_text()


def test_what_is_staged_for_quarto(tmp_path, book, monkeypatch):
    quarto_fake.use(monkeypatch, tmp_path)
    config = yaml.safe_load((book / "_quarto.yml").read_text())
    config["needs-assessment"] = {"protective-marking": "official", "demonstration": True}
    (book / "_quarto.yml").write_text(yaml.safe_dump(config))
    render_book(book, tmp_path / "out", engine="quarto")
    assert (book / "styles" / "house.css").is_file()              # format.html.css
    ext = book / "_extensions" / "needs-assessment"
    # one typst style for both renderers: Quarto's partial is the embedded renderer's house.typ
    house = Path(__file__).parents[1] / "needs_assessment" / "render" / "templates" / "house.typ"
    assert (ext / "typst-template.typ").read_text() == house.read_text()
    assert (ext / "typst-text.lua").is_file() and (ext / "typst-show.typ").is_file()
    ext_yml = yaml.safe_load((ext / "_extension.yml").read_text())
    typst_format = ext_yml["contributes"]["formats"]["typst"]
    assert typst_format["template-partials"] == ["typst-template.typ", "typst-show.typ"]
    assert {"path": "typst-text.lua", "at": "post-render"} in typst_format["filters"]
    notice = (book / "_includes" / "before-body.html").read_text()
    assert "OFFICIAL" in notice and "Demonstration data" in notice
    staged = yaml.safe_load((book / "_quarto.yml").read_text())
    assert staged["format"]["needs-assessment-typst"]["font-paths"]   # DejaVu Sans for typst


def test_quarto_warnings_are_returned(tmp_path, book, monkeypatch):
    quarto_fake.use(monkeypatch, tmp_path, mode="warn")
    warnings: list[str] = []
    render_book(book, tmp_path / "out", engine="quarto", warnings_out=warnings)
    assert any("Unable to resolve crossref @fig-missing" in w and "P1-victims-justice.md:12" in w
               for w in warnings), warnings
    assert any("unknown font family" in w and "needs-assessment.typ:30:9" in w for w in warnings)
    assert all(w.startswith("quarto: ") for w in warnings)


def test_quarto_failure_says_what_quarto_said_the_file_and_how_to_build_without_it(tmp_path, book,
                                                                                  monkeypatch):
    quarto_fake.use(monkeypatch, tmp_path, mode="fail-pdf")
    with pytest.raises(QuartoError) as caught:
        render_book(book, tmp_path / "out", engine="quarto")
    message = str(caught.value)
    assert "pagebreaks are not allowed inside of containers" in message
    assert "chapters/PM-performance.md" in message and "orange-book:0.7.1/lib.typ:424:4" in message
    assert "--renderer embedded" in message
    assert "Traceback" not in message


def test_word_with_quarto_is_quartos_docx_with_the_house_reference_document(tmp_path, book, monkeypatch):
    """--to docx with Quarto: `quarto render --to docx`, with the house reference document (made by
    render/docx.py: heading styles, the protective marking in the page header) staged as the docx
    format's reference-doc, and the house filter (the demonstration notice, alt text)."""
    calls = quarto_fake.use(monkeypatch, tmp_path)
    made = render_book(book, tmp_path / "out", formats=("html", "docx"), engine="quarto")
    assert made["docx"] == (tmp_path / "out" / "needs-assessment.docx").resolve()
    assert made["docx"].read_bytes().startswith(b"PK")
    assert "--to docx" in calls.read_text()
    config = yaml.safe_load((book / "_quarto.yml").read_text())
    docx = config["format"]["docx"]
    assert docx["reference-doc"] == "_includes/reference.docx" and docx["callout-icon"] is False
    assert any("needs-assessment.lua" in f["path"] for f in docx["filters"])
    from docx import Document
    header = Document(str(book / "_includes" / "reference.docx")).sections[0].header
    assert "OFFICIAL" in " ".join(p.text for p in header.paragraphs)
    summary = render_document(book / "index.md", tmp_path / "out", formats=("docx",), engine="quarto",
                              basename="recommendations-summary")
    assert summary["docx"].name == "recommendations-summary.docx" and summary["docx"].is_file()
    assert (book / "_includes" / "reference.docx").is_file()


def test_summary_document_with_quarto(tmp_path, monkeypatch):
    quarto_fake.use(monkeypatch, tmp_path)
    folder = tmp_path / "summary"
    folder.mkdir()
    (folder / "summary.md").write_text("---\ntitle: S\nneeds-assessment: {protective-marking: OFFICIAL}\n"
                                       "---\n\n# One\n")
    (folder / "_quarto.yml").write_text("project: {type: default}\n")
    res = render_document(folder / "summary.md", tmp_path / "out", engine="quarto")
    assert res["html"].is_file() and res["pdf"].read_bytes().startswith(b"%PDF")
    assert "OFFICIAL" in (folder / "_includes" / "before-body.html").read_text()


def test_warnings_parser_reads_quarto_pandoc_and_typst_lines():
    printed = ("\x1b[33mWARNING: one\x1b[39m\nInfo line\n[WARNING] Duplicate identifier 'x'\n"
               "warning: a typst warning\n   ┌─ x.typ:1:2\n\nWARN: two\n")
    assert quarto_warnings(printed) == ["quarto: WARNING: one", "quarto: [WARNING] Duplicate identifier 'x'",
                                        "quarto: warning: a typst warning ┌─ x.typ:1:2", "quarto: WARN: two"]


# ------------------------------------------------------------------ the typst partials themselves
# Where Quarto is not installed: the house extension's partials, put together in the order Quarto
# 1.10's typst template.typ puts them (typst-template.typ, header-includes, typst-show.typ, body)
# and filled by pandoc's template engine from metadata shaped as Quarto's (by-author, lang),
# around a body written the way Quarto and needs-assessment.lua write a book (level-1 chapters,
# part headings, the appendix switch, a table in a "quarto-float-tbl" figure), compile with typst.

QUARTO_ORDER = "$typst-template.typ()$\n\n$for(header-includes)$\n$header-includes$\n$endfor$\n\n" \
               "$typst-show.typ()$\n\n$body$\n"
LONG_TABLE = "| Measure | Change |\n|---|---|\n" + "".join(f"| row {i} | [=]{{aria-hidden=\"true\"}} Similar |\n"
                                                          for i in range(80)) + "| last row | end |\n"

BOOK_BODY = r"""
```{=typst}
#heading(level: 1, numbering: none)[About this assessment]
#heading(level: 1, supplement: [Part], numbering: (..) => "Part 1", outlined: true)[Context]
#counter(heading).update(0)
```

# Introduction

## Purpose

```{=typst}
#figure([
```

LONG_TABLE

```{=typst}
], caption: figure.caption(position: top, [A long table.]), kind: "quarto-float-tbl", supplement: "Table") <tbl-long>
```

See `#ref(<tbl-long>)`{=typst}.

```{=typst}
#counter(heading).update(0)
#state("na-appendix", false).update(true)
#set heading(numbering: "A.1")
#show heading.where(level: 1): set heading(supplement: [Appendix])
#heading(level: 1, supplement: [Part], numbering: none, outlined: true)[Appendices]
#counter(heading).update(0)
```

# Methods

## Sources
"""


def test_the_quarto_partials_compile_into_the_house_pdf(tmp_path):
    import typst
    from pypdf import PdfReader

    from needs_assessment.render import pandoc_ast as pa
    from needs_assessment.render.quarto import stage_extension
    from needs_assessment.render.resources import font_dirs

    ext = stage_extension(tmp_path)
    (ext / "main.typ").write_text(QUARTO_ORDER)
    meta = {"title": "Needs Assessment", "lang": "en-GB", "toc-depth": 2,
            "by-author": [{"name": {"literal": "The Office"}}],
            "needs-assessment": {"book": True, "protective-marking": "OFFICIAL", "demonstration": True,
                                 "area": "Demoshire", "date": "28 June 2024", "date-parts": [2024, 6, 28]}}
    doc = "---\n" + yaml.safe_dump(meta) + "---\n" + BOOK_BODY.replace("LONG_TABLE", LONG_TABLE)
    source = pa.run_pandoc(["--from", "markdown", "--to", "typst", "--template", str(ext / "main.typ"),
                            "--lua-filter", str(ext / "typst-text.lua")], input_text=doc, what="test")
    pdf_path = tmp_path / "book.pdf"
    pdf_path.write_bytes(typst.compile(source.encode(), font_paths=[str(p) for p in font_dirs()],
                                       pdf_standards=["ua-1"]))
    reader = PdfReader(str(pdf_path))
    pages = [p.extract_text() for p in reader.pages]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata.title == "Needs Assessment" and reader.metadata.author == "The Office"
    assert all("OFFICIAL" in text for text in pages)
    assert "Demonstration data" in pages[0] and "28 June 2024" in pages[0]
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert {"Part 1 Context", "1 Introduction", "Appendices", "A Methods"} <= set(titles), titles
    text = " ".join(" ".join(pages).split())
    assert "Table 1.1: A long table." in text and "last row end" in text   # broke over pages
    assert text.count("= Similar") == 80 and "See Table 1.1" in text
    assert "CHAPTER 1" in text and "APPENDIX A" in text
