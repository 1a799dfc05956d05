"""Hostile text in the data and the params is published as text: never as markup, code or a link.

The small plan is built from demonstration data generated with hostile names (the generator writes
the params' district names into every dataset: police.uk LSOA names, ONS and IMD district and LSOA
names), with hostile locations, outcome categories and crime types added to the police.uk files, and
hostile titles in the params. The HTML must show each value as text (no tag, event handler or
`javascript:` link from it), and so must the PDF. One whole build: slow.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
import yaml

from needs_assessment.pipeline.build import BuildOptions, build
from needs_assessment.demo.generate import generate_demo_data
from needs_assessment.params import load_params
from needs_assessment.render.inspect_html import parse_html

ROOT = Path(__file__).resolve().parents[1]
SMALL = "tests/fixtures/small_plan"
SCALE = 0.05      # as tests/test_demo_data.py
pytestmark = pytest.mark.slow

# Each district name carries a different attack; LSOA names are "<district> 001A" and so on.
DISTRICTS = [
    "Ashby <img src=x onerror=alert(1)> [go](javascript:alert(1))",
    "Brook {{< include /etc/passwd >}} {{< var area.force >}}",
    "Castle #read('/etc/passwd') #let x = 1 $$x^2$$",
    "Dun `tick` | pipe | *em* <script>alert(2)</script>",
    "= Eastwick \u05de\u05d7\u05d5\u05d6 \u202eright-to-left Cafe\u0301 Z\u0334a\u0336l",
]
AREA = "Demo <b onmouseover=alert(3)>shire</b>"
CHAPTER_TITLE = "Safer <i>Streets</i> {{< pagebreak >}} #strong[x]"
MEASURE_TITLE = "Neighbourhood $crime$ <u>x</u>"
LONG = ("Long name " * 1000)[:10_000]
HOSTILE_COLUMNS = {"Location": "On or near <a href='javascript:alert(4)'>x</a> {{< meta title >}}",
                   "Last outcome category": "=cmd|' /C calc'!A0 <svg onload=alert(5)>",
                   "Context": LONG}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for name in ("_quarto.yml", "params", "notebooks", "recommendations"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    shutil.copytree(ROOT / SMALL, root / SMALL)
    params_path = root / SMALL / "params.yml"
    raw = yaml.safe_load(params_path.read_text())
    raw["area"]["name"] = AREA
    raw["area"]["districts"] = DISTRICTS
    raw["plan"]["name"] = LONG
    raw["plan"]["parts"][0]["chapters"][0]["title"] = CHAPTER_TITLE
    raw["measures"]["neighbourhood_crime"]["title"] = MEASURE_TITLE
    params_path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
    generate_demo_data(root / "data" / "demo", load_params(params_path), scale=SCALE)
    _add_hostile_rows(root / "data" / "demo" / "police-uk")
    return root


def _add_hostile_rows(folder: Path) -> None:
    """Hostile text in every row's location, outcome and context of one month's street file, and one
    row with a crime type no measure counts."""
    path = sorted(folder.rglob("*-street.csv"))[-1]
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.update(HOSTILE_COLUMNS)
    rows.append({**rows[0], "Crime ID": "", "Crime type": "<script>alert(6)</script> =1+2"})
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def built(project):
    result = build(BuildOptions(params_path=project / SMALL / "params.yml", root=project, jobs=2,
                                quiet=True, engine="embedded"))
    assert result.exit_code == 0, result.manifest.get("chapters")
    return project / "_output" / "small-plan"


def _squash(text: str) -> str:
    """Without spaces (PDF text extraction moves them), and with typographic quotes as typed ones
    (pandoc's smart quotes are typography, not markup)."""
    return "".join(text.split()).translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))


def _elements(node):
    for child in node.children:
        if not isinstance(child, str):
            yield child
            yield from _elements(child)


def test_hostile_names_are_text_in_the_html(built):
    html = (built / "needs-assessment.html").read_text(encoding="utf-8")
    page = parse_html(html)
    elements = list(_elements(page))
    # no element or attribute came from the data
    assert not [e.tag for e in elements if e.tag in ("b", "i", "u", "svg", "script") and "alert" in str(e.text)]
    assert not [e.tag for e in elements if e.tag == "script" and "alert" in "".join(
        c for c in e.children if isinstance(c, str))]
    handlers = [(e.tag, k) for e in elements for k in e.attrs if k.lower().startswith("on")]
    assert not handlers
    links = [v for e in elements for k, v in e.attrs.items()
             if k in ("href", "src", "action", "formaction") and v and v.strip().lower().startswith("javascript:")]
    assert not links
    assert not [e for e in elements if e.tag == "img" and e.attrs.get("src") == "x"]
    assert "root:x:0:0" not in html
    text = _squash(page.text + " " + " ".join(v for e in elements for k, v in e.attrs.items() if k == "alt"))
    for value in (*DISTRICTS, AREA, CHAPTER_TITLE, MEASURE_TITLE):
        assert _squash(value) in text, value
    assert _squash(LONG) in text                       # the 10,000 characters, whole


@pytest.mark.parametrize("document", ["needs-assessment.pdf", "recommendations-summary.pdf"])
def test_hostile_names_are_text_in_the_pdf(built, document):
    from pypdf import PdfReader
    text = _squash(" ".join(page.extract_text() for page in PdfReader(built / document).pages))
    assert "root:x:0:0" not in text
    if document.startswith("recommendations"):     # the summary names the area, chapters and measures
        for snippet in (AREA, CHAPTER_TITLE, MEASURE_TITLE):
            assert _squash(snippet) in text, snippet
        return
    for snippet in ("onerror=alert(1)", "[go](javascript:alert(1))", "{{<include/etc/passwd>}}",
                    "{{<vararea.force>}}", "#read('/etc/passwd')", "#letx=1", "$$x^2$$", "`tick`", "|pipe|",
                    "*em*", "<script>alert(2)</script>", "<bonmouseover=alert(3)>shire</b>", "{{<pagebreak>}}",
                    "#strong[x]", "$crime$", "=Eastwick"):
        assert _squash(snippet) in text, snippet


def test_hostile_text_reaches_the_downloads_as_text(built):
    from openpyxl import load_workbook
    workbook = next((built / "downloads").glob("*.xlsx"))
    cells = [c for sheet in load_workbook(workbook) for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(isinstance(c.value, str) and c.value.startswith("Ashby <img") for c in cells)
    assert re.search("Brook \\{\\{< include", (built / "downloads" / "measures.csv").read_text(encoding="utf-8"))
