"""The demonstration built with real Quarto (`--renderer quarto`), held to the embedded
publication's standard (test_publication.py): the same checks, applied to Quarto's site (a page
per chapter) and its PDF.

* published: book, summary, downloads and manifest; the renderer was Quarto and what it warned is
  in the manifest;
* every HTML page: the protective marking and the demonstration notice, the links to the PDF, the
  summary, measures.csv and the workbook; every local link (the "Data for Figure" CSVs too)
  resolves; language en-GB, a title and one h1; no previous/next links (axe
  label-content-name-mismatch);
* the content: chapter titles, measure titles, recommendation ids; figures with real alt text
  and numbered captions; tables with captions and header cells; cross-references that resolve
  (no ?@ left) to an element that exists;
* axe-core in a browser on every page (skips without Chromium or axe-core);
* the Word copies (Quarto's docx format with the house reference document), read back with
  python-docx as test_publication.py reads the embedded ones: every chapter title a Word heading,
  every recommendation id, every chart with alt text, data tables with header rows, the protective
  marking in the page header and the demonstration notice, live figures resolved;
* the PDFs: tagged, PDF/UA-1, /Lang en-GB, title and author, fonts embedded, the marking on every
  page, a bookmark for every part and chapter, figures numbered by chapter, no comparison marker
  turned into typst markup, no text below the bottom margin (a table that ran off the page).

Skipped, saying so, where `quarto` is not on PATH. Set NA_QUARTO_PUBLICATION_ROOT=<project folder
built with --renderer quarto> to check an existing build instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

import test_publication as pub
from needs_assessment.pipeline.build import BuildOptions, build
from needs_assessment.demo.generate import generate_demo_data
from needs_assessment.params import load_params
from needs_assessment.render.inspect_html import Node, parse_html

from a11y.browser import SIZES, describe, serious

if not shutil.which("quarto") and not os.environ.get("NA_QUARTO_PUBLICATION_ROOT"):
    pytest.skip("Quarto is not on PATH (install Quarto 1.10 from quarto.org): the checks of the "
                "publication rendered with real Quarto are skipped", allow_module_level=True)

pytestmark = pytest.mark.slow

DEMO, CHAPTERS, BOOK, SUMMARY = pub.DEMO, pub.CHAPTERS, pub.BOOK, pub.SUMMARY


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    existing = os.environ.get("NA_QUARTO_PUBLICATION_ROOT")
    if existing:
        root = Path(existing).resolve()
        assert (root / "_output" / DEMO.cycle / "index.html").is_file(), f"{root}: not built with Quarto"
        return root
    root = tmp_path_factory.mktemp("publication-quarto")
    for name in ("_quarto.yml", "params", "notebooks", "recommendations"):
        src = pub.ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    params_path = root / "params" / "demo-2024.yml"
    generate_demo_data(root / "data" / "demo", load_params(params_path), scale=pub.SCALE)
    result = build(BuildOptions(params_path=params_path, root=root, jobs=2, quiet=True, engine="quarto",
                                formats=("html", "pdf", "docx")))
    assert result.exit_code == 0, result.message
    return root


@pytest.fixture(scope="module")
def out(project) -> Path:
    return project / "_output" / DEMO.cycle


@pytest.fixture(scope="module")
def work(project) -> Path:
    return project / "_build" / DEMO.cycle


@pytest.fixture(scope="module")
def pages(out) -> dict[Path, Node]:
    """Every HTML page a reader can reach: the site's pages and the summary."""
    files = [out / "index.html", *sorted((out / "chapters").glob("*.html")), out / f"{SUMMARY}.html"]
    return {f: parse_html(f.read_text(encoding="utf-8")) for f in files}


@pytest.fixture(scope="module")
def site_text(pages) -> str:
    return "\n".join(page.text for page in pages.values())


@pytest.fixture(scope="module")
def book_pdf(out) -> pub.Pdf:
    return pub.Pdf(out / f"{BOOK}.pdf")


@pytest.fixture(scope="module")
def summary_pdf(out) -> pub.Pdf:
    return pub.Pdf(out / f"{SUMMARY}.pdf")


# ---------------------------------------------------------------------- published files


def test_quarto_published_book_summary_and_downloads(out):
    for name in (f"{BOOK}.html", f"{BOOK}.pdf", f"{SUMMARY}.html", f"{SUMMARY}.pdf", "index.html",
                 "build-manifest.json", "downloads/measures.csv"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "build-manifest.json").read_text())
    assert manifest["renderer"] == "quarto" and manifest["quarto_failure"] is None
    assert manifest["staging_warnings"] == []
    print("\nQuarto's warnings:", *manifest["render_warnings"], sep="\n  ")


# ---------------------------------------------------------------------- every HTML page


def test_every_page_has_the_marking_the_notice_and_the_downloads(pages, out):
    wanted = {"needs-assessment.pdf", "recommendations-summary.pdf", "measures.csv",
              f"{DEMO.cycle}-needs-assessment-tables.xlsx",
              "needs-assessment.docx", "recommendations-summary.docx"}     # built with Word (docx)
    for path, page in pages.items():
        name = path.relative_to(out)
        if DEMO.protective_marking:
            marking = page.find("div", cls="na-marking")
            assert marking is not None and marking.text.strip() == DEMO.protective_marking.upper(), name
        if DEMO.demonstration:
            assert page.find("div", cls="na-demo-banner") is not None, name
        downloads = page.find("div", cls="na-downloads")
        assert downloads is not None, f"{name}: no downloads"
        hrefs = [a.attrs["href"] for a in downloads.find_all("a")]
        assert {Path(h).name for h in hrefs} == wanted, (name, hrefs)
        for href in hrefs:
            assert (path.parent / href).resolve().is_file(), f"{name}: {href} does not resolve"


def test_every_local_link_resolves(pages, out):
    """The "Data for Figure" CSVs, the downloads, the chapters and the fragments they point to."""
    ids = {path.resolve(): {n.attrs["id"] for n in page.iter() if n.attrs.get("id")}
           for path, page in pages.items()}
    broken, data_links = [], 0
    for path, page in pages.items():
        for a in page.find_all("a"):
            href = a.attrs.get("href", "")
            if not href or re.match(r"(https?|mailto):", href):
                continue
            target, _, fragment = href.partition("#")
            file = (path.parent / target).resolve() if target else path.resolve()
            if not file.exists():
                broken.append(f"{path.relative_to(out)}: {href}")
            elif fragment and file in ids and fragment not in ids[file]:
                broken.append(f"{path.relative_to(out)}: {href} (no #{fragment})")
            data_links += "/downloads/" in f"/{target}" and target.endswith(".csv")
    assert not broken, broken[:10]
    assert data_links >= len({m for c in CHAPTERS for m in c.measures}), "too few Data for Figure links"


def test_pages_have_a_language_a_title_one_h1_and_no_page_navigation(pages, out):
    for path, page in pages.items():
        name = path.relative_to(out)
        assert page.find("html").attrs.get("lang") == "en-GB", name
        assert page.find("title").text, name
        assert len(page.find_all("h1")) == 1, name
        # Quarto's previous/next links fail axe's label-content-name-mismatch: turned off
        assert page.find("nav", cls="page-navigation") is None, name


# ---------------------------------------------------------------------- content


@pytest.mark.parametrize("chapter_id", pub.CHAPTER_IDS)
def test_chapter_measures_and_recommendations_are_in_the_site_and_the_pdf(chapter_id, site_text, book_pdf):
    chapter = DEMO.chapter(chapter_id)
    pdf_text = book_pdf.chapter_text(chapter.title)
    for text in [chapter.title] + [DEMO.measures[m].title for m in chapter.measures]:
        assert pub.contains(site_text, text), f"site: {text!r}"
        assert pub.contains(pdf_text, text), f"PDF, chapter {chapter_id}: {text!r}"
    for rid in pub.RECOMMENDATIONS.get(chapter_id, []):
        assert rid in site_text and pub.contains(pdf_text, rid), rid


def test_every_figure_has_real_alt_text_and_a_numbered_caption(pages):
    images = [img for page in pages.values() for img in page.find("main").find_all("img")]
    assert len(images) >= len({m for c in CHAPTERS for m in c.measures}), "too few charts"
    bad = [img.attrs.get("alt", "") or img.attrs.get("src", "")[:60] for img in images
           if len(" ".join(img.attrs.get("alt", "").split())) < 20
           or re.search(r"\.(png|svg|jpe?g)\b", img.attrs.get("alt", ""), re.I)]
    assert not bad, bad[:10]
    captions = [f.text for page in pages.values() for f in page.find_all("figcaption")]
    assert sum(bool(re.match(r"\s*Figure\s*[\dA-Z]+\.\d+", c)) for c in captions) >= len(images) - 1


def test_every_table_has_a_caption_and_header_cells(pages, out):
    bad = []
    for path, page in pages.items():
        for table in page.find("main").find_all("table"):
            caption = table.find("caption")
            if (caption is None or not caption.text.strip()) and table.find("thead") is not None:
                # Quarto puts a cross-referenced table's caption in the figure around it
                figure = next((a for a in table.ancestors() if a.tag in ("figure", "div")
                               and a.find("figcaption") is not None), None)
                if figure is None:
                    bad.append(f"{path.relative_to(out)}: no caption: {table.text[:60]}")
            if not table.find_all("th"):
                bad.append(f"{path.relative_to(out)}: no th: {table.text[:60]}")
    assert not bad, bad[:10]


def test_cross_references_resolve(pages, site_text, book_pdf):
    assert "?@" not in site_text and "?@" not in book_pdf.text
    xrefs = [a for page in pages.values() for a in page.find_all("a", cls="quarto-xref")]
    assert xrefs, "no cross-reference links"
    texts = {" ".join(a.text.split()) for a in xrefs}
    assert any(re.fullmatch(r"Figure [\dA-Z]+\.\d+", t) for t in texts), sorted(texts)[:10]


# ---------------------------------------------------------------------- in a browser


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_axe_finds_no_serious_accessibility_problems_on_any_page(size, pages, out, work, browser, axe_js):
    width, height = SIZES[size]
    problems = []
    for path in pages:
        result = browser.axe(path, axe_js, width, height)
        (work / "axe-quarto").mkdir(exist_ok=True)
        (work / "axe-quarto" / f"{path.stem}-{size}.json").write_text(json.dumps(result, indent=1))
        if serious(result):
            problems.append(f"{path.relative_to(out)} at {width}px:\n{describe(serious(result))}")
    assert not problems, "\n".join(problems)


browser = pub.browser
axe_js = pub.axe_js


# ---------------------------------------------------------------------- the PDFs


def test_book_pdf_reads_back(book_pdf):
    pub._check_pdf_basics(book_pdf, DEMO.title)
    missing = [c.title for c in CHAPTERS if book_pdf.bookmark(c.title) is None]
    missing += [p.title for p in DEMO.plan.parts if not any(
        pub.contains(t, p.title) for _, t, _ in book_pdf.outline)]
    assert not missing, f"no bookmark for {missing}"
    chapter_pages = [book_pdf.bookmark(c.title)[2] for c in CHAPTERS]
    assert chapter_pages == sorted(chapter_pages), "chapters out of order"
    text = " ".join(book_pdf.text.split())
    assert len(re.findall(r"Figure \d+\.\d+:", text)) >= 2 * len([c for c in CHAPTERS if c.measures])
    assert re.search(r"Table A\.\d+:", text), "appendix tables are not numbered A.1, A.2 ..."


def test_summary_pdf_reads_back(summary_pdf):
    pub._check_pdf_basics(summary_pdf, f"{DEMO.title}: summary of recommendations")


def test_no_table_cell_in_the_book_pdf_turned_into_typst_markup(book_pdf, work):
    pub.check_markers_are_text(book_pdf, work / "book")


def test_no_text_below_the_bottom_margin(book_pdf):
    assert not pub.text_below_the_margin(book_pdf)[:10]


# ---------------------------------------------------------------------- the Word copies (Quarto's docx)

@pytest.fixture(scope="module")
def book_docx(out):
    return pub.Document(str(out / f"{BOOK}.docx"))


@pytest.fixture(scope="module")
def summary_docx(out):
    return pub.Document(str(out / f"{SUMMARY}.docx"))


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_text(document) -> str:
    """Every paragraph's text, those in tables too (Quarto's docx puts a callout in a table)."""
    return "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in document.element.body.iter(W + "p"))


def test_word_copies_are_quartos_and_linked(out, project):
    manifest = json.loads((out / "build-manifest.json").read_text())
    assert manifest["renderer"] == "quarto" and manifest["quarto_failure"] is None
    for name in (BOOK, SUMMARY):
        assert f"{name}.docx" in manifest["outputs"]
        assert (out / f"{name}.docx").stat().st_size > 10_000
    config = yaml.safe_load((project / "_build" / DEMO.cycle / "book" / "_quarto.yml").read_text())
    assert config["format"]["docx"]["reference-doc"] == "_includes/reference.docx"


def test_word_chapter_titles_are_word_headings(book_docx):
    headings = pub._headings(book_docx)
    missing = [c.title for c in CHAPTERS if not any(pub.contains(h, c.title) for h in headings)]
    assert not missing, f"no Word heading for {missing}"
    levels = {p.style.name for p in book_docx.paragraphs if p.style.name.startswith("Heading ")}
    assert "Heading 1" in levels and "Heading 2" in levels, levels


@pytest.mark.parametrize("which", [BOOK, SUMMARY])
def test_word_copies_have_every_recommendation_marking_and_notice(which, book_docx, summary_docx):
    document = book_docx if which == BOOK else summary_docx
    text = _docx_text(document)
    wanted = [rid for ids in pub.RECOMMENDATIONS.values() for rid in ids]
    assert wanted and not [rid for rid in wanted if rid not in text]
    header = " ".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert DEMO.protective_marking and DEMO.protective_marking in header, header
    assert any(p.style.name == "Demonstration Notice" and "not official statistics" in p.text
               for p in document.paragraphs)
    assert "{{<" not in text and "?@" not in text


@pytest.mark.parametrize("which", [BOOK, SUMMARY])
def test_word_images_have_alt_text_and_data_tables_header_rows(which, book_docx, summary_docx):
    document = book_docx if which == BOOK else summary_docx
    images = list(document.element.body.iter(pub.WP_DOC_PR))
    if which == BOOK:
        assert len(images) >= len({m for c in CHAPTERS for m in c.measures}), "too few charts"
    bare = [d.get("name") for d in images if len((d.get("descr") or "").strip()) < 10]
    assert not bare, f"images without alt text: {bare}"
    # Quarto lays a callout (title and body) and a figure out in small tables of their own; a data
    # table has a header row and its rows
    tables = [t for t in document.element.body.iter(W + "tbl") if len(list(t.iter(W + "tr"))) > 2]
    if which == BOOK:
        assert tables
    no_header = [i for i, t in enumerate(tables) if next(t.iter(pub.W_TBL_HEADER), None) is None]
    assert not no_header, f"tables without a header row: {no_header}"


def test_word_live_figure_is_resolved(project, book_docx, summary_docx):
    figures = yaml.safe_load((project / "_build" / DEMO.cycle / "book" / "_variables.yml").read_text())
    crime = figures["total_recorded_crime"]
    sentence = f"Total recorded crime in {crime['period']} was {crime['change_vs_baseline']} compared"
    for document in (book_docx, summary_docx):
        assert pub.contains(_docx_text(document), sentence)
