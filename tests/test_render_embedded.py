"""The embedded renderer on the sample book (tests/fixtures/sample_book): HTML and PDF.

One render of the sample book is shared by the module (about a second); the tests that change
the sources work on a copy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from needs_assessment.render import RenderError, ShortcodeError, render_book, render_document
from needs_assessment.render.inspect_html import parse_html

SAMPLE = Path(__file__).parent / "fixtures" / "sample_book"
NBSP = "\u00a0"


def norm(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    book = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(SAMPLE, book)
    out = tmp_path_factory.mktemp("out")
    warnings: list[str] = []
    with pytest.warns(Warning):
        results = render_book(book, out, engine="embedded", warnings_out=warnings)
    html_text = results["html"].read_text(encoding="utf-8")
    return {"results": results, "warnings": warnings, "html": html_text,
            "page": parse_html(html_text), "out": out, "book": book}


@pytest.fixture(scope="module")
def pdf(rendered):
    from pypdf import PdfReader
    reader = PdfReader(str(rendered["results"]["pdf"]))
    pages = [norm(p.extract_text() or "") for p in reader.pages]
    return {"reader": reader, "pages": pages, "text": "\n".join(pages)}


def copy_book(tmp_path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(SAMPLE, book)
    return book


# ------------------------------------------------------------------ outputs


def test_outputs_named_after_basename(rendered):
    res = rendered["results"]
    assert res["html"] == rendered["out"] / "needs-assessment.html"
    assert res["pdf"] == rendered["out"] / "needs-assessment.pdf"
    assert res["pdf"].read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ HTML: page structure


def test_html_landmarks_lang_and_skip_link(rendered):
    page = rendered["page"]
    html_el = page.find("html")
    assert html_el.attrs["lang"] == "en-GB"
    skip = page.find("a", cls="skip-link")
    assert skip is not None and skip.attrs["href"] == "#main-content"
    assert page.find("main", id="main-content") is not None
    assert page.find("header") is not None and page.find("footer") is not None
    nav = page.find("nav", aria_label="Contents")
    assert nav is not None
    assert page.find("title").text == "Police and Crime Needs Assessment 2024"
    h1s = page.find_all("h1")
    assert [h.text for h in h1s] == ["Police and Crime Needs Assessment 2024"]


def test_html_heading_levels_never_skip(rendered):
    levels = [int(n.tag[1]) for n in rendered["page"].iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, levels


def test_html_demonstration_banner_marking_and_downloads(rendered):
    page = rendered["page"]
    banner = page.find("div", cls="demo-banner")
    assert banner is not None and "not official statistics" in banner.text
    markings = page.find_all("p", cls="protective-marking")
    assert markings and all("OFFICIAL" in m.text for m in markings)
    hrefs = [a.attrs["href"] for a in page.find("section", cls="na-downloads").find_all("a")]
    assert hrefs == ["needs-assessment.pdf", "downloads/measures.csv",
                     "downloads/needs-assessment-data.xlsx"]


def test_html_is_self_contained(rendered):
    page = rendered["page"]
    assert not page.find_all("link", rel="stylesheet")
    assert page.find("style") is not None
    for img in page.find_all("img"):
        assert img.attrs["src"].startswith("data:image/png;base64,")


# ------------------------------------------------------------------ HTML: content


def test_html_figure_numbered_with_alt_text(rendered):
    fig = rendered["page"].find("figure", id="fig-p1-neighbourhood-crime")
    assert fig is not None
    img = fig.find("img")
    assert img.attrs["alt"].startswith("Line chart of neighbourhood crime per 1,000 households")
    caption = fig.find("figcaption")
    assert norm(caption.text).startswith("Figure 2.1: Neighbourhood crime per 1,000 households")
    assert caption.attrs.get("aria-hidden") != "true"


def test_html_tables_have_captions_and_column_headers(rendered):
    page = rendered["page"]
    table = page.find("table", id="tbl-p1-districts")
    assert norm(table.find("caption").text) == "Table 2.1: Neighbourhood crime by district, 12 months to March 2024"
    headers = table.find_all("th")
    assert [h.text for h in headers] == ["District", "Crimes", "Rate per 1,000 households", "Change on baseline"]
    assert all(h.attrs.get("scope") == "col" for h in page.find_all("th"))
    wrap = table.parent
    assert "table-wrap" in wrap.classes and wrap.attrs["tabindex"] == "0" and wrap.attrs["role"] == "region"
    assert norm(page.find("table", id="tbl-a1-sources").find("caption").text).startswith("Table A.1:")
    assert norm(page.find("table", id="tbl-p2-satisfaction").find("caption").text).startswith("Table 3.1:")


def test_html_callouts_with_titles(rendered):
    page = rendered["page"]
    callouts = {c.classes[1]: c for c in page.find_all("div", cls="callout")}
    assert set(callouts) == {"callout-important", "callout-tip", "callout-note", "callout-warning"}
    titles = {k: c.find("div", cls="callout-title").text for k, c in callouts.items()}
    assert titles == {"callout-important": "Demonstration data",     # from a first ## heading
                      "callout-tip": "Reading the charts",            # from title="..."
                      "callout-note": "Recommendations",
                      "callout-warning": "Warning"}                   # Quarto's default
    assert all(c.attrs.get("role") == "note" for c in callouts.values())
    # The heading that became a title is not also a heading.
    headings = [n.text for n in page.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert not any(h in ("Recommendations", "Demonstration data") for h in headings)


def _links(page) -> dict[str, str]:
    return {norm(a.text): a.attrs["href"] for a in page.find("main").find_all("a", cls="quarto-xref")}


def test_html_cross_references_resolved(rendered):
    links = _links(rendered["page"])
    assert links["Figure 2.1"] == "#fig-p1-neighbourhood-crime"
    assert links["Table 2.1"] == "#tbl-p1-districts"
    assert links["Table 3.1"] == "#tbl-p2-satisfaction"
    assert links["Section 2.1"] == "#sec-p1-neighbourhood-crime"
    assert links["Section A.1"] == "#sec-a1-sources"
    assert links["Table A.1"] == "#tbl-a1-sources"
    assert links["Chapter 1"] == "#sec-c1"         # a chapter's id: "Chapter", as Quarto books say
    assert links["Chapter 3"] == "#sec-p2"
    assert links["Appendix A"] == "#sec-a1"
    ids = {n.attrs.get("id") for n in rendered["page"].iter()}
    assert all(href[1:] in ids for href in links.values())


def test_html_unresolved_reference_shown_like_quarto_and_warned(rendered):
    strongs = [s.text for s in rendered["page"].find_all("strong")]
    assert "?@fig-nowhere" in strongs
    assert any(w.startswith("chapters/P2-victims-justice.md: unresolved cross-reference @fig-nowhere")
               for w in rendered["warnings"])


def test_html_includes_and_vars_resolved(rendered):
    main = rendered["page"].find("main")
    text = main.text
    assert "P1-R1. Keep the focus on burglary in Dunmoor" in text          # included file
    assert "Fund target-hardening for repeat burglary victims in Demoshire" in text  # var in include
    assert "policed by Demoshire Police" in text
    assert "31.4 per 1,000 households" in text
    assert "{{<" not in rendered["html"] and "{{&lt;" not in rendered["html"]


def test_html_raw_html_from_sources_is_text(rendered):
    page = rendered["page"]
    scripts = page.find_all("script")
    assert len(scripts) == 1 and "na-toc-details" in scripts[0].children[0]   # only the page's own
    assert page.find("b") is None
    assert '<script>alert("x")</script>' in page.find("main").text.replace("\u201c", '"').replace("\u201d", '"')


def test_html_parts_chapters_and_appendix_lettering(rendered):
    page = rendered["page"]
    parts = [norm(h.text) for h in page.find_all("h2", cls="part")]
    assert parts == ["Part 1 Context", "Part 2 Plan priorities", "Appendices"]
    chapters = [norm(h.text) for h in page.find_all("h3", cls="chapter")]
    assert chapters == ["1 Introduction", "2 Safer Places and Thriving Communities",
                        "3 Supporting Victims and Improving Criminal Justice Outcomes"]
    appendix = page.find("h3", cls="appendix")
    assert norm(appendix.text) == "Appendix A Methods and data sources"
    sections = [norm(h.text) for h in page.find_all("h4")]
    assert "A.1 Data sources" in sections and "2.1 Neighbourhood crime" in sections
    assert norm(page.find("h5").text) == "2.2.1 Hotspots"
    preface = page.find("section", id="about-this-assessment").find("h2")
    assert norm(preface.text) == "About this assessment"           # unnumbered


def test_html_contents_list(rendered):
    nav = rendered["page"].find("nav", aria_label="Contents")
    entries = [norm(a.text) for a in nav.find_all("a")]
    assert entries[:4] == ["About this assessment", "Part 1 Context", "1 Introduction", "1.1 Purpose"]
    assert "Appendix A Methods and data sources" in entries and "A.2 Confidence intervals" in entries
    assert "2.2.1 Hotspots" not in entries          # toc-depth: 2
    assert nav.find("details") is not None and nav.find("summary").text == "Contents"


# ------------------------------------------------------------------ PDF


def test_pdf_text(pdf):
    text = pdf["text"]
    for expected in ["Introduction", "Safer Places and Thriving", "Methods and data sources",
                     "Figure 2.1: Neighbourhood crime per 1,000 households",
                     "Table 2.1: Neighbourhood crime by district", "Table A.1: Data sources",
                     "Recommendations", "P1-R1. Keep the focus on burglary in Dunmoor",
                     "policed by Demoshire Police", "Reading the charts",
                     "(Figure 2.1)", "Section A.1", "Appendix A", "?@fig-nowhere",
                     "PART 1", "Context", "CHAPTER 2", "APPENDIX A", "Contents"]:
        assert expected in text, expected
    assert "{{<" not in text


def test_pdf_cover_and_every_page_marked(pdf):
    cover = pdf["pages"][0]
    for expected in ["Police and Crime Needs Assessment 2024",
                     "Evidence for the next Police and Crime Plan", "Demoshire", "demo-2024",
                     "12 months to March 2024", "28 June 2024", "Demonstration data"]:
        assert expected in cover, expected
    for i, page in enumerate(pdf["pages"]):
        assert page.count("OFFICIAL") >= 2, f"page {i + 1} lacks the marking top and bottom"
    for page in pdf["pages"][1:]:
        assert re.search(r"Page \d+ of \d+", page)


def test_pdf_chapters_start_new_pages(pdf):
    starts = {}
    for i, page in enumerate(pdf["pages"]):
        for title in ("CHAPTER 1", "CHAPTER 2", "CHAPTER 3", "APPENDIX A"):
            if title in page:
                starts[title] = i
    assert len(set(starts.values())) == 4
    ch2 = pdf["pages"][starts["CHAPTER 2"] + 1]
    assert "2 Safer Places and Thriving Communities" in ch2      # running head on the next page


def test_pdf_metadata_language_and_bookmarks(pdf):
    reader = pdf["reader"]
    assert reader.metadata.title == "Police and Crime Needs Assessment 2024"
    assert "Demoshire" in reader.metadata.author
    assert "needs assessment" in reader.metadata["/Keywords"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])          # tagged PDF
    titles = []

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                titles.append((depth, norm(item.title)))

    walk(reader.outline)
    assert (0, "Part 1 Context") in titles
    assert (1, "1 Introduction") in titles
    assert (2, "2.1 Neighbourhood crime") in titles
    assert (1, "A Methods and data sources") in titles
    assert (2, "A.1 Data sources") in titles


def test_pdf_is_pdf_ua_and_embeds_fonts(rendered, pdf):
    data = rendered["results"]["pdf"].read_bytes()
    assert b"pdfuaid" in data, "PDF/UA-1 identification missing"
    assert not any("PDF/UA-1 export was refused" in w for w in rendered["warnings"])
    for page in pdf["reader"].pages[:3]:
        fonts = page["/Resources"].get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font


# ------------------------------------------------------------------ errors


def test_unknown_var_names_file_line_and_closest(tmp_path):
    book = copy_book(tmp_path)
    chapter = book / "chapters" / "C1-introduction.md"
    lines = chapter.read_text().splitlines()
    lines.insert(4, "The force is {{< var area.forse >}}.")
    chapter.write_text("\n".join(lines) + "\n")
    with pytest.raises(ShortcodeError) as info:
        render_book(book, tmp_path / "out", formats=("html",), engine="embedded")
    message = str(info.value)
    assert "chapters/C1-introduction.md, line 5" in message
    assert "area.forse" in message and "area.force" in message


def test_unknown_var_in_included_file_names_that_file(tmp_path):
    book = copy_book(tmp_path)
    rec = book / "chapters" / "_recommendations" / "P1" / "neighbourhood-crime.md"
    rec.write_text("Text.\n\nMore {{< var measures.neighbourhood_crime.rate >}}.\n")
    with pytest.raises(ShortcodeError) as info:
        render_book(book, tmp_path / "out", formats=("html",), engine="embedded")
    message = str(info.value)
    assert "chapters/_recommendations/P1/neighbourhood-crime.md, line 3" in message
    assert "measures.neighbourhood_crime.latest_rate" in message


def test_missing_include_is_an_error(tmp_path):
    book = copy_book(tmp_path)
    chapter = book / "chapters" / "P2-victims-justice.md"
    chapter.write_text(chapter.read_text() + "\n{{< include _recommendations/P2/missing.md >}}\n")
    with pytest.raises(ShortcodeError, match=r"P2-victims-justice.md, line \d+: included file"):
        render_book(book, tmp_path / "out", formats=("html",), engine="embedded")


def test_strict_mode_fails_on_unresolved_reference(tmp_path):
    with pytest.raises(RenderError, match="fig-nowhere"):
        render_book(copy_book(tmp_path), tmp_path / "out", formats=("html",), engine="embedded",
                    strict=True)


def test_unsafe_links_and_remote_images_neutralised(tmp_path):
    book = copy_book(tmp_path)
    chapter = book / "chapters" / "C1-introduction.md"
    chapter.write_text(chapter.read_text() + "\n[click me](javascript:alert(1)) and "
                       "![tracker](https://example.org/pixel.png) and [ok](https://www.gov.uk/).\n")
    warnings: list[str] = []
    with pytest.warns(Warning):
        res = render_book(book, tmp_path / "out", formats=("html",), engine="embedded",
                          warnings_out=warnings)
    text = res["html"].read_text()
    assert "javascript:" not in text and "example.org" not in text
    assert 'href="https://www.gov.uk/"' in text and "click me" in text
    assert any("javascript:alert(1)" in w for w in warnings)


def test_typst_failure_reports_source_and_line(tmp_path):
    book = copy_book(tmp_path)
    (book / "chapters" / "figures" / "broken.png").write_text("not a picture")
    chapter = book / "chapters" / "P2-victims-justice.md"
    chapter.write_text(chapter.read_text() + '\n![Broken](figures/broken.png){#fig-broken fig-alt="x"}\n')
    with pytest.raises(RenderError) as info:
        with pytest.warns(Warning):
            render_book(book, tmp_path / "out", formats=("pdf",), engine="embedded")
    message = str(info.value)
    assert "typst could not make the PDF" in message
    assert "from chapters/P2-victims-justice.md" in message
    assert "broken.png" in message


# ------------------------------------------------------------------ a single document


SUMMARY = """---
title: "Summary of recommendations"
subtitle: "Police and Crime Needs Assessment 2024"
author: "Office of the Police and Crime Commissioner for Demoshire (demonstration)"
date: "2024-06-28"
lang: en-GB
needs-assessment:
  demonstration: true
  protective-marking: OFFICIAL
  area: Demoshire
  cycle: demo-2024
  period-covered: 12 months to March 2024
---

# Safer places {#sec-p3}

::: {.callout-note title="Recommendations"}
**P3-R1.** Keep the focus on burglary in {{< var area.name >}}. See @sec-p3-asb.
:::

## Anti-social behaviour {#sec-p3-asb}

| Recommendation | Priority |
|:--|:--|
| P3-R2 | High |

: Recommendations for anti-social behaviour {#tbl-p3-recs}

Table @tbl-p3-recs lists them. <script>alert(1)</script>
"""


def test_render_document(tmp_path):
    doc = tmp_path / "summary.md"
    doc.write_text(SUMMARY)
    (tmp_path / "_variables.yml").write_text("area: {name: Demoshire}\n")
    res = render_document(doc, tmp_path / "out", engine="embedded")
    assert set(res) == {"html", "pdf"}
    assert res["html"].name == "summary.html"
    page = parse_html(res["html"].read_text())
    assert page.find("html").attrs["lang"] == "en-GB"
    assert [h.text for h in page.find_all("h1")] == ["Summary of recommendations"]
    assert norm(page.find("h2").text) == "Safer places"          # documents: unnumbered by default
    assert page.find("div", cls="demo-banner") is not None
    main = page.find("main")
    assert "Keep the focus on burglary in Demoshire" in main.text
    assert norm(page.find("table").find("caption").text) == "Table 1: Recommendations for anti-social behaviour"
    assert {norm(a.text) for a in main.find_all("a", cls="quarto-xref")} == {"Anti-social behaviour", "Table 1"}
    assert len(page.find_all("script")) == 1
    from pypdf import PdfReader
    reader = PdfReader(str(res["pdf"]))
    text = norm(" ".join(p.extract_text() for p in reader.pages))
    assert "Summary of recommendations" in norm(reader.pages[0].extract_text())
    assert "Recommendations" in text and "Table 1: Recommendations for anti-social behaviour" in text
    assert reader.metadata.title == "Summary of recommendations"


def test_links_between_chapter_files_become_links_within_the_page(tmp_path):
    book = copy_book(tmp_path)
    chapter = book / "chapters" / "C1-introduction.md"
    chapter.write_text(chapter.read_text() + "\nSee [the methods](A1-methods.md), "
                       "[the sources](A1-methods.md#sec-a1-sources) and [a span]{#my-anchor} "
                       "([back](#my-anchor)).\n")
    with pytest.warns(Warning):
        res = render_book(book, tmp_path / "out", formats=("html", "pdf"), engine="embedded")
    links = {a.text: a.attrs["href"] for a in parse_html(res["html"].read_text()).find("main").find_all("a")}
    assert links["the methods"] == "#sec-a1"
    assert links["the sources"] == "#sec-a1-sources"
    assert links["back"] == "#my-anchor"


def test_document_without_marking_or_demonstration(tmp_path):
    doc = tmp_path / "plain.md"
    doc.write_text('---\ntitle: "Plain"\nlang: en-GB\n---\n\n# One\n\nText.\n')
    res = render_document(doc, tmp_path / "out", engine="embedded")
    page = parse_html(res["html"].read_text())
    assert page.find("div", cls="demo-banner") is None
    assert page.find("p", cls="protective-marking") is None
    from pypdf import PdfReader
    text = " ".join(p.extract_text() for p in PdfReader(str(res["pdf"])).pages)
    assert "OFFICIAL" not in text and "Demonstration" not in text and "Plain" in text
