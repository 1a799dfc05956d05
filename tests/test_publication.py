"""The published demonstration plan, read back as a reader would get it.

One build of the whole DEMO plan (params/demo-2024.yml, every chapter, every measure, --to
html,pdf,docx) into a copy
of the project, then checks on what it publishes:

* content: every chapter title, measure title and recommendation id is in the book (HTML and
  PDF, within the right chapter) and every recommendation id in the summary (HTML and PDF);
* HTML structure: figures have real alt text, tables have captions and header cells, headings
  do not skip levels, in-page links resolve;
* accessibility in a real browser: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every published
  HTML page at phone (375 px) and desktop (1280 px) widths, no serious or critical violations;
  screenshots kept in _build/<cycle>/screenshots/;
* the Word copies read back with python-docx: chapter titles are Word headings, every recommendation
  id is there, every image has alt text, every table a header row, the marking is in the page
  header, the demonstration notice is in the text and live figures are resolved;
* the PDFs read back: page count, metadata, language, PDF/UA-1 claim, tags, bookmarks for every
  chapter, embedded fonts, and page images (pdftoppm) kept in _build/<cycle>/pdf-pages/.

Everything about the demo publication lives in this one file, so that `pytest -n 2 --dist loadfile`
builds it once. The browser checks skip (saying why) without Chromium or axe-core
(`npm install --prefix .cache/node axe-core@4.14.1`); the page images skip without pdftoppm.

Set NA_PUBLICATION_ROOT=<project folder already built> to check an existing build instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from docx import Document

from needs_assessment.pipeline.build import BuildOptions, build
from needs_assessment.demo.generate import generate_demo_data
from needs_assessment.params import load_params
from needs_assessment.render.inspect_html import Node, parse_html

from a11y.browser import SIZES, Browser, BrowserError, describe, find_axe, find_chromium, serious

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "demo-2024.yml"
SCALE = 0.3          # small data, but every dataset, chapter, measure, figure and table
BOOK, SUMMARY = "needs-assessment", "recommendations-summary"

pytestmark = pytest.mark.slow

DEMO = load_params(PARAMS)
CHAPTERS = DEMO.chapters()
CHAPTER_IDS = [c.id for c in CHAPTERS]
REC_HEADING = re.compile(r"^##\s+([A-Z][A-Z0-9]*-R\d+)\b", re.M)


def recommendation_ids(folder: Path) -> dict[str, list[str]]:
    """{chapter id: [recommendation ids]} from the reviewers' files (`## P3-R1 Title` lines)."""
    out: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.md")):
        for rid in REC_HEADING.findall(path.read_text(encoding="utf-8")):
            out.setdefault(rid.split("-")[0], []).append(rid)
    return out


RECOMMENDATIONS = recommendation_ids(ROOT / DEMO.recommendations)


# ---------------------------------------------------------------------- text helpers


def squash(text: str) -> str:
    """Text for presence checks across HTML and extracted PDF text: compatibility forms (ligatures),
    one kind of quote, no whitespace, hyphens or soft hyphens (so a word hyphenated or broken
    across lines in the PDF still matches), case folded."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2019: "'", 0x2018: "'", 0x201C: '"', 0x201D: '"'})
    return re.sub(r"[\s\u00ad\u2010\u2011\u2012\u2013\u2014-]+", "", text).casefold()


def contains(haystack: str, needle: str) -> bool:
    return squash(needle) in squash(haystack)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The demo plan built once, in a copy of the project's sources with small generated data."""
    existing = os.environ.get("NA_PUBLICATION_ROOT")
    if existing:
        root = Path(existing).resolve()
        assert (root / "_output" / DEMO.cycle / f"{BOOK}.html").is_file(), f"{root}: not built"
        return root
    root = tmp_path_factory.mktemp("publication")
    for name in ("_quarto.yml", "params", "notebooks", "recommendations"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    params_path = root / "params" / "demo-2024.yml"
    generate_demo_data(root / "data" / "demo", load_params(params_path), scale=SCALE)
    result = build(BuildOptions(params_path=params_path, root=root, jobs=2, quiet=True,
                                engine="embedded", formats=("html", "pdf", "docx")))
    assert result.exit_code == 0, (result.message, {c: v.get("status") for c, v in
                                                    result.manifest.get("chapters", {}).items()})
    assert result.published_to == root / "_output" / DEMO.cycle
    return root


@pytest.fixture(scope="module")
def out(project) -> Path:
    return project / "_output" / DEMO.cycle


@pytest.fixture(scope="module")
def work(project) -> Path:
    """The build folder, where the checks keep their screenshots and page images."""
    folder = project / "_build" / DEMO.cycle
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def book_html(out) -> Node:
    return parse_html((out / f"{BOOK}.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def summary_html(out) -> Node:
    return parse_html((out / f"{SUMMARY}.html").read_text(encoding="utf-8"))


class Pdf:
    """A published PDF read back with pypdf: text per page, bookmarks with their pages."""

    def __init__(self, path: Path):
        from pypdf import PdfReader

        self.path = path
        self.reader = PdfReader(str(path))
        self.pages = [page.extract_text() or "" for page in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.outline: list[tuple[int, str, int | None]] = []     # (depth, title, page index)

        def walk(items, depth):
            for item in items:
                if isinstance(item, list):
                    walk(item, depth + 1)
                else:
                    try:
                        page = self.reader.get_destination_page_number(item)
                    except Exception:  # noqa: BLE001 - a bookmark without a page
                        page = None
                    self.outline.append((depth, item.title, page))

        walk(self.reader.outline, 0)

    @property
    def catalog(self):
        return self.reader.trailer["/Root"]

    def bookmark(self, title: str, numbered: bool = True) -> tuple[int, str, int | None] | None:
        """The bookmark for a chapter title ("5 Safer Places..." or "Appendix A ..." or bare)."""
        want = squash(title)
        for entry in self.outline:
            got = squash(entry[1])
            if got == want or (numbered and got.endswith(want)
                               and re.fullmatch(r"(appendix)?[a-z0-9.]{1,4}", got[: -len(want)])):
                return entry
        return None

    def chapter_text(self, title: str, shared_pages: bool = False) -> str:
        """The text of the pages from a chapter's bookmark to the next chapter-level bookmark
        (including that bookmark's page if chapters do not start on a new page)."""
        entry = self.bookmark(title)
        assert entry is not None and entry[2] is not None, f"{self.path.name}: no bookmark for {title!r}"
        depth, _, start = entry
        later = [p for (d, _, p) in self.outline if p is not None and d <= depth and p > start]
        end = min(later) if later else len(self.pages)
        return "\n".join(self.pages[start: max(end + shared_pages, start + 1)])


@pytest.fixture(scope="module")
def book_pdf(out) -> Pdf:
    return Pdf(out / f"{BOOK}.pdf")


@pytest.fixture(scope="module")
def summary_pdf(out) -> Pdf:
    return Pdf(out / f"{SUMMARY}.pdf")


def chapter_section(page: Node, chapter_id: str) -> Node:
    section = page.find("section", id=f"sec-{chapter_id.lower()}")
    assert section is not None, f"no <section id=sec-{chapter_id.lower()}>"
    return section


# ---------------------------------------------------------------------- published files


def test_the_demo_plan_publishes_book_summary_and_downloads(out):
    for name in (f"{BOOK}.html", f"{BOOK}.pdf", f"{SUMMARY}.html", f"{SUMMARY}.pdf",
                 "build-manifest.json", "downloads/measures.csv"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "build-manifest.json").read_text())
    assert set(manifest["chapters"]) == set(CHAPTER_IDS)
    assert manifest["staging_warnings"] == []   # no chart without alt text or caption, no output dropped
    assert set(manifest["recommendations"]) == {r for ids in RECOMMENDATIONS.values() for r in ids}


def test_every_figure_and_map_was_drawn_by_the_figure_pool_not_by_a_kernel(project, out):
    """The build's figure pool drew every figure the chapters show, the LSOA choropleths and the
    district map included: the figure cache holds exactly what the pool drew, so no kernel drew one."""
    from needs_assessment.content.figures import AVAILABLE_FILE, FigureCache

    timings = json.loads((out / "build-manifest.json").read_text()).get("timings_seconds", {})
    if "figures_drawn" not in timings:
        pytest.skip("the last build ran no chapter (NA_PUBLICATION_ROOT of a rebuild)")
    cache = FigureCache(project / "_build" / DEMO.cycle)
    entries = [p for p in (cache.root / cache.key).rglob("*.json") if p.name != AVAILABLE_FILE]
    kinds = {p.stem for p in entries}
    assert "choropleth" in kinds and "hexmap" in kinds and "trend" in kinds
    assert any(kind.startswith("district-map-") for kind in kinds)
    assert len(entries) == int(timings["figures_drawn"])


def test_the_html_pages_link_only_to_published_files(out, book_html, summary_html):
    for name, page in ((BOOK, book_html), (SUMMARY, summary_html)):
        ids = {n.attrs["id"] for n in page.iter() if n.attrs.get("id")}
        for a in page.find_all("a"):
            href = a.attrs.get("href", "")
            if href.startswith("#"):
                assert href[1:] in ids, f"{name}.html: link to missing #{href[1:]} ({a.text!r})"
            elif href and not re.match(r"(https?|mailto):", href):
                assert (out / href.split("#")[0]).is_file(), f"{name}.html links to missing {href}"
        for el in page.iter():
            src = el.attrs.get("src", "")
            assert not src or src.startswith("data:"), f"{name}.html is not self-contained: {src[:80]}"


# ---------------------------------------------------------------------- content, chapter by chapter


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_chapter_title_and_measures_are_in_the_book(chapter_id, book_html, book_pdf):
    chapter = DEMO.chapter(chapter_id)
    section = chapter_section(book_html, chapter_id)
    heading = section.find(("h2", "h3"))
    assert heading is not None and contains(heading.text, chapter.title), heading and heading.text
    assert book_pdf.bookmark(chapter.title) is not None, f"no PDF bookmark for {chapter.title!r}"
    pdf_text = book_pdf.chapter_text(chapter.title)
    assert contains(pdf_text, chapter.title)
    missing = []
    for measure_id in chapter.measures:
        title = DEMO.measures[measure_id].title
        if not contains(section.text, title):
            missing.append(f"HTML: {measure_id} ({title})")
        if not contains(pdf_text, title):
            missing.append(f"PDF: {measure_id} ({title})")
    assert not missing, f"chapter {chapter_id} lacks measure titles: {missing}"


@pytest.mark.parametrize("chapter_id", CHAPTER_IDS)
def test_recommendations_are_in_the_book_and_the_summary(chapter_id, book_html, book_pdf,
                                                         summary_html, summary_pdf):
    ids = RECOMMENDATIONS.get(chapter_id, [])
    if not ids:
        pytest.skip(f"{chapter_id} has no recommendations")
    title = DEMO.chapter(chapter_id).title
    places = {
        "book HTML": chapter_section(book_html, chapter_id).text,
        "book PDF": book_pdf.chapter_text(title),
        "summary HTML": chapter_section(summary_html, chapter_id).text,
        "summary PDF": summary_pdf.chapter_text(title, shared_pages=True),
    }
    missing = [f"{rid} not in the {where}" for rid in ids for where, text in places.items()
               if not re.search(rf"(?<![\w-]){re.escape(rid)}(?!\d)", " ".join(text.split()))]
    assert not missing, missing
    # in the summary each recommendation is a heading with an id, so it can be linked to
    for rid in ids:
        assert summary_html.find(id=f"sec-{rid.lower()}") is not None, rid


# ---------------------------------------------------------------------- HTML structure


def _images(page: Node) -> list[Node]:
    return page.find("main").find_all("img")


def test_every_figure_has_real_alt_text(book_html, summary_html):
    images = _images(book_html) + _images(summary_html)
    assert len(_images(book_html)) >= len({m for c in CHAPTERS for m in c.measures}), "too few charts"
    bad = []
    for img in images:
        alt = " ".join(img.attrs.get("alt", "").split())
        name = Path(img.attrs.get("src", "")).name if not img.attrs.get("src", "").startswith("data:") else ""
        if (not alt or len(alt) < 20 or (name and alt == name)
                or re.search(r"\.(png|svg|jpe?g|gif|webp)\b", alt, re.I)
                or re.fullmatch(r"(figure|image|chart|graph|plot)( \d+(\.\d+)?)?", alt, re.I)):
            bad.append(alt or f"<no alt> {img.attrs.get('src', '')[:60]}")
    assert not bad, bad[:10]
    # each chart is a figure with a numbered caption
    for img in _images(book_html):
        figure = next((a for a in img.ancestors() if a.tag == "figure"), None)
        assert figure is not None and figure.find("figcaption") is not None, img.attrs.get("alt", "")[:80]
        assert figure.find("figcaption").text.startswith("Figure"), figure.find("figcaption").text[:80]


SMALL_COUNT = re.compile(
    r"(?<![\d.,])([1-4])\s+(crimes?|offences?|incidents?|casualties|casualty|people|persons?|victims?|"
    r"searches|stops?|arrests?|orders?|notices?|referrals?|children|child|episodes?|calls?|reports?)\b",
    re.I)


def test_no_alt_text_or_caption_gives_a_count_below_the_suppression_threshold(book_html, summary_html):
    """Counts of 1 to 4 are suppressed in tables ([c]); the chart text must not give them away."""
    assert DEMO.suppression_threshold == 5
    found = []
    for page in (book_html, summary_html):
        texts = [img.attrs.get("alt", "") for img in _images(page)]
        texts += [f.text for f in page.find_all("figcaption")]
        for text in texts:
            for m in SMALL_COUNT.finditer(text):
                found.append(text[max(0, m.start() - 60): m.end() + 20])
    assert not found, found[:10]


def test_every_table_has_a_caption_and_header_cells(book_html, summary_html):
    tables = book_html.find("main").find_all("table") + summary_html.find("main").find_all("table")
    assert tables
    bad = []
    for table in tables:
        caption = table.find("caption")
        name = caption.text[:60] if caption is not None else table.text[:60]
        if caption is None or not caption.text.strip():
            bad.append(f"no caption: {name}")
        headers = table.find_all("th")
        if not headers:
            bad.append(f"no th: {name}")
        if any(not th.attrs.get("scope") for th in headers):
            bad.append(f"th without scope: {name}")
        wrap = table.parent
        if wrap is not None and "table-wrap" in wrap.classes:
            # a scrolling table region must be reachable and named for keyboard users
            if wrap.attrs.get("tabindex") != "0" or not wrap.attrs.get("aria-label"):
                bad.append(f"scroll region without tabindex/label: {name}")
    assert not bad, bad[:10]


def test_pages_have_a_language_a_title_one_h1_and_no_skipped_heading_levels(book_html, summary_html):
    for name, page in ((BOOK, book_html), (SUMMARY, summary_html)):
        assert page.find("html").attrs.get("lang") == "en-GB", name
        assert page.find("title").text, name
        assert len(page.find_all("h1")) == 1, name
        assert page.find("main", id="main-content") is not None, name
        assert page.find("a", cls="skip-link").attrs["href"] == "#main-content", name
        previous = 1
        for h in page.find_all(("h1", "h2", "h3", "h4", "h5", "h6")):
            level = int(h.tag[1])
            assert level <= previous + 1, f"{name}.html: {h.tag} {h.text[:60]!r} follows an h{previous}"
            previous = level
    # the summary's sections sit directly under the page title, not under the Downloads heading
    assert [h.tag for h in summary_html.find("main").find_all(("h2", "h3"))][:1] == ["h2"]


# ---------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def browser():
    if not find_chromium():
        pytest.skip("Chromium is not installed (apt-get install chromium): browser checks skipped")
    try:
        with Browser.launch() as b:
            yield b
    except BrowserError as exc:
        pytest.skip(f"headless Chromium could not be started: {exc}")


@pytest.fixture(scope="module")
def axe_js(project) -> Path:
    path = find_axe(project)
    if path is None:
        pytest.skip("axe-core is not installed: run `npm install --prefix .cache/node "
                    "axe-core@4.14.1` (make a11y-tools) to check accessibility in the browser")
    return path


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("name", [BOOK, SUMMARY])
def test_axe_finds_no_serious_accessibility_problems(name, size, out, work, browser, axe_js):
    width, height = SIZES[size]
    result = browser.axe(out / f"{name}.html", axe_js, width, height)
    (work / "axe").mkdir(exist_ok=True)
    (work / "axe" / f"{name}-{size}.json").write_text(json.dumps(result, indent=1))
    others = [v for v in result["violations"] if v not in serious(result)]
    if others:
        print(f"\n{name}.html at {width}px: moderate or minor (not failing):\n{describe(others)}")
    assert not serious(result), (f"\n{name}.html at {width}px, axe {result['axe']}:\n"
                                 + describe(serious(result)))


@pytest.mark.browser
def test_screenshots_at_phone_and_desktop_widths(out, work, browser):
    shots = work / "screenshots"
    taken = []
    for name in (BOOK, SUMMARY):
        for size, (width, height) in SIZES.items():
            taken.append(browser.screenshot(out / f"{name}.html", shots / f"{name}-{size}.png",
                                            width, height))
    # a chapter with a chart, scrolled to
    for size, (width, height) in SIZES.items():
        taken.append(browser.screenshot(out / f"{BOOK}.html", shots / f"{BOOK}-p3-{size}.png",
                                        width, height, fragment="sec-p3-neighbourhood-crime"))
    for png in taken:
        width = SIZES["phone"][0] if "phone" in png.name else SIZES["desktop"][0]
        assert png_size(png)[0] == width, png
        assert png.stat().st_size > 10_000, f"{png} looks blank"
    # nothing wider than the phone's screen: no sideways scrolling of the page itself
    browser.open(out / f"{BOOK}.html", *SIZES["phone"])
    assert browser.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"][0]


# ---------------------------------------------------------------------- the PDFs


def _font_problems(pdf: Pdf) -> list[str]:
    """Fonts without an embedded font program (Type 3 fonts carry their glyphs inline)."""
    problems, seen = [], set()

    def fonts(resources):
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            ref = getattr(font, "idnum", None)
            font = font.get_object()
            if ref is not None and ref in seen:
                continue
            seen.add(ref)
            yield font
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                yield from fonts(xobject.get("/Resources"))

    for page in pdf.reader.pages:
        for font in fonts(page.get("/Resources")):
            subtype = font.get("/Subtype")
            if subtype == "/Type3":
                continue
            if subtype == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            else:
                descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(str(font.get("/BaseFont")))
    return problems


def _check_pdf_basics(pdf: Pdf, title: str):
    info = pdf.reader.metadata
    assert info.title == title
    assert info.author == DEMO.author
    assert pdf.catalog.get("/Lang") == "en-GB"
    assert bool(pdf.catalog.get("/MarkInfo", {}).get("/Marked")), "not a tagged PDF"
    assert "/StructTreeRoot" in pdf.catalog, "no structure tree"
    xmp = pdf.catalog["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>|pdfuaid:part=\"1\"", xmp), "no PDF/UA-1 claim"
    viewer = pdf.catalog.get("/ViewerPreferences", {})
    assert bool(viewer.get("/DisplayDocTitle")), "PDF/UA: the window should show the title"
    assert not _font_problems(pdf), f"fonts not embedded: {_font_problems(pdf)}"
    assert pdf.outline, "no bookmarks"
    assert contains(pdf.pages[0], title.split(":")[0])
    if DEMO.demonstration:
        assert contains(pdf.pages[0], "demonstration")
    if DEMO.protective_marking:
        assert all(DEMO.protective_marking in text for text in pdf.pages), "a page without the marking"


def test_book_pdf_reads_back(book_pdf):
    assert len(book_pdf.pages) > 20
    _check_pdf_basics(book_pdf, DEMO.title)
    missing = [c.title for c in CHAPTERS if book_pdf.bookmark(c.title) is None]
    missing += [p.title for p in DEMO.plan.parts if not any(
        contains(t, p.title) for _, t, _ in book_pdf.outline)]
    assert not missing, f"no bookmark for {missing}"
    chapter_pages = [book_pdf.bookmark(c.title)[2] for c in CHAPTERS]
    assert chapter_pages == sorted(chapter_pages), "chapters out of order"
    # each figure in the HTML has its caption in the PDF too
    assert len(re.findall(r"Figure \d+\.\d+:", " ".join(book_pdf.text.split()))) >= 2 * len(
        [c for c in CHAPTERS if c.measures])


MARKERS = re.compile(r"\[([=+\-/])\]\{aria-hidden=\"true\"\} (\w+)")


def check_markers_are_text(pdf: Pdf, staged: Path) -> None:
    """Every comparison marker the chapters write ("[=]{aria-hidden="true"} Similar", in table
    cells and in the text) is in the PDF as its text: none became a typst heading or list."""
    written = [f"{m.group(1)} {m.group(2)}" for path in sorted(staged.rglob("*.md"))
               for m in MARKERS.finditer(path.read_text(encoding="utf-8"))]
    assert written, f"{staged}: no comparison marker written (has the marker changed?)"
    text = " ".join(" ".join(pdf.pages).split())
    for shown in sorted(set(written)):
        assert text.count(shown) == written.count(shown), (shown, text.count(shown), written.count(shown))
    headings = {squash(t) for _, t, _ in pdf.outline}
    assert not headings & {squash(w.split(" ", 1)[1]) for w in written}, "a table cell became a heading"


def test_no_table_cell_in_the_book_pdf_turned_into_typst_markup(book_pdf, work):
    check_markers_are_text(book_pdf, work / "book")


BOTTOM_MARGIN_PT = 30 / 25.4 * 72       # house.typ: 30 mm


def text_below_the_margin(pdf: "Pdf") -> list[str]:
    """Text drawn below the bottom margin other than the page's own footer (a table that did not
    break and ran off the page): (page, text) for each."""
    footer = re.compile(r"^\s*(Page \d+ of \d+|Demonstration data: not official statistics|"
                        + re.escape(DEMO.title) + "|" + re.escape(DEMO.protective_marking or "@@") + r")\s*$")
    found = []
    for number, page in enumerate(pdf.reader.pages, 1):
        def visit(text, cm, tm, font, size, number=number):
            y = (tm[5] * cm[3] + cm[5]) if cm else tm[5]
            if text.strip() and y < BOTTOM_MARGIN_PT - 2 and not footer.match(text):
                found.append(f"page {number}: {text.strip()[:60]!r} at {y:.0f} pt")
        page.extract_text(visitor_text=visit)
    return found


def test_no_text_below_the_bottom_margin(book_pdf, summary_pdf):
    assert not text_below_the_margin(book_pdf)[:10]
    assert not text_below_the_margin(summary_pdf)[:10]


def test_the_margin_check_finds_a_table_that_ran_off_the_page(tmp_path):
    """The check itself: a table that may not break runs off the foot of the page and is found."""
    import typst
    rows = ", ".join(f"[row {i}]" for i in range(80))
    source = ("#set page(paper: \"a4\", margin: (bottom: 30mm, rest: 20mm))\n"
              f"#block(breakable: false, table(columns: 1, {rows}))\n")
    path = tmp_path / "overflow.pdf"
    path.write_bytes(typst.compile(source.encode()))
    assert any("row 7" in found for found in text_below_the_margin(Pdf(path)))


def test_summary_pdf_reads_back(summary_pdf):
    assert len(summary_pdf.pages) >= 2
    _check_pdf_basics(summary_pdf, f"{DEMO.title}: summary of recommendations")
    missing = [c.title for c in CHAPTERS if RECOMMENDATIONS.get(c.id)
               and summary_pdf.bookmark(c.title, numbered=False) is None]
    assert not missing, f"no bookmark for {missing}"


@pytest.mark.parametrize("name,pages", [(BOOK, 4), (SUMMARY, 2)])
def test_pdf_pages_as_images(name, pages, out, work, book_pdf):
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils): page images skipped")
    folder = work / "pdf-pages"
    folder.mkdir(exist_ok=True)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", str(pages), str(out / f"{name}.pdf"),
                    str(folder / name)], check=True, capture_output=True, timeout=120)
    if name == BOOK:      # and the page with the first chart of the Safer Places chapter
        entry = next((e for e in book_pdf.outline if contains(e[1], "Neighbourhood crime")), None)
        if entry is not None and entry[2] is not None:
            n = entry[2] + 1
            subprocess.run([pdftoppm, "-png", "-r", "60", "-f", str(n), "-l", str(n), "-singlefile",
                            str(out / f"{name}.pdf"), str(folder / f"{name}-p3-chart")],
                           check=True, capture_output=True, timeout=120)
    images = sorted(folder.glob(f"{name}-*.png"))
    assert len(images) >= pages, images
    for png in images:
        width, height = png_size(png)
        assert (width, height) == pytest.approx((496, 702), abs=3), (png, width, height)   # A4 at 60 dpi
        assert png.stat().st_size > 5_000, f"{png} looks blank"


def test_street_level_sections_have_the_hexagon_map_beside_the_hotspots_table(out, book_html, book_pdf):
    """The point-density map: a figure with generated alt text, a caption saying small hexagons are
    not drawn, and its hexagon counts as a CSV download, just before the top-LSOA table."""
    import pandas as pd

    section = book_html.find("section", id="sec-p3-neighbourhood-crime")
    assert section is not None
    maps = [img for img in section.find_all("img") if img.attrs.get("alt", "").startswith("Map of neighbourhood crime")]
    assert len(maps) == 1, [img.attrs.get("alt", "")[:60] for img in section.find_all("img")]
    alt = maps[0].attrs["alt"]
    assert "records with a location in its districts, counted in hexagons" in alt and "Most records are in" in alt
    assert any(d in alt for d in DEMO.area.districts)
    figure = next(a for a in maps[0].ancestors() if a.tag == "figure")
    caption = figure.find("figcaption").text
    assert "Hexagons with fewer than 5 records are not drawn" in caption and "equirectangular" in caption
    links = [a.attrs["href"] for a in section.find_all("a") if a.attrs.get("href", "").endswith("-hexmap.csv")]
    assert links == ["downloads/fig-p3-neighbourhood-crime-hexmap.csv"]
    data = pd.read_csv(out / links[0])
    assert len(data) > 10 and (data["count"] >= DEMO.suppression_threshold).all()
    # the map comes before the hotspots table in the section
    ids = [n.attrs.get("id", "") for n in section.iter()]
    assert ids.index("fig-p3-neighbourhood-crime-hexmap") < ids.index("tbl-p3-neighbourhood-crime-hotspots")
    assert contains(book_pdf.text, "Hexagons with fewer than 5 records are not drawn")


# ---------------------------------------------------------------------- the Word copies

WP_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
W_TBL_HEADER = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"


@pytest.fixture(scope="module")
def book_docx(out):
    return Document(str(out / f"{BOOK}.docx"))


@pytest.fixture(scope="module")
def summary_docx(out):
    return Document(str(out / f"{SUMMARY}.docx"))


def _docx_text(document) -> str:
    cells = [p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading ")]


def test_word_copies_are_published_linked_and_in_the_manifest(out, book_html, summary_html):
    manifest = json.loads((out / "build-manifest.json").read_text())
    for name in (BOOK, SUMMARY):
        assert f"{name}.docx" in manifest["outputs"]
        assert (out / f"{name}.docx").stat().st_size > 10_000
    for page in (book_html, summary_html):
        hrefs = {a.attrs.get("href") for a in page.iter() if a.tag == "a"}
        assert {f"{BOOK}.docx", f"{SUMMARY}.docx"} <= hrefs


def test_word_chapter_titles_are_word_headings(book_docx):
    headings = _headings(book_docx)
    missing = [c.title for c in CHAPTERS if not any(contains(h, c.title) for h in headings)]
    assert not missing, f"no Word heading for {missing}"
    levels = {p.style.name for p in book_docx.paragraphs if p.style.name.startswith("Heading ")}
    assert "Heading 1" in levels and "Heading 2" in levels, levels


@pytest.mark.parametrize("which", [BOOK, SUMMARY])
def test_word_copies_have_every_recommendation_marking_and_notice(which, book_docx, summary_docx):
    document = book_docx if which == BOOK else summary_docx
    text = _docx_text(document)
    wanted = [rid for ids in RECOMMENDATIONS.values() for rid in ids]
    assert wanted and not [rid for rid in wanted if rid not in text]
    header = " ".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert DEMO.protective_marking and DEMO.protective_marking in header, header
    assert DEMO.demonstration
    assert any(p.style.name == "Demonstration Notice" and "not official statistics" in p.text
               for p in document.paragraphs)
    assert "{{<" not in text and "{{&lt;" not in text


@pytest.mark.parametrize("which", [BOOK, SUMMARY])
def test_word_images_have_alt_text_and_tables_header_rows(which, book_docx, summary_docx):
    document = book_docx if which == BOOK else summary_docx
    images = list(document.element.body.iter(WP_DOC_PR))
    if which == BOOK:
        assert len(images) >= len({m for c in CHAPTERS for m in c.measures}), "too few charts"
        assert document.tables
    bare = [d.get("name") for d in images if len((d.get("descr") or "").strip()) < 10]
    assert not bare, f"images without alt text: {bare}"
    no_header = [i for i, t in enumerate(document.tables)
                 if next(t.rows[0]._tr.iter(W_TBL_HEADER), None) is None]
    assert not no_header, f"tables without a header row: {no_header}"


def test_word_live_figure_is_resolved(project, book_docx, summary_docx):
    """C2-area-profile.md says `Total recorded crime in {{< var total_recorded_crime.period >}} was
    {{< var total_recorded_crime.change_vs_baseline >}}`: the copies carry the build's values."""
    source = (project / DEMO.recommendations / "C2-area-profile.md").read_text(encoding="utf-8")
    assert "{{< var total_recorded_crime.period >}}" in source
    figures = yaml.safe_load((project / "_build" / DEMO.cycle / "book" / "_variables.yml").read_text())
    crime = figures["total_recorded_crime"]
    sentence = f"Total recorded crime in {crime['period']} was {crime['change_vs_baseline']} compared"
    for document in (book_docx, summary_docx):
        assert contains(_docx_text(document), sentence)
