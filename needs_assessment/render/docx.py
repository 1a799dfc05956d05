"""The Word half of the embedded renderer: one .docx in the house style, for reading and commenting.

Takes the same numbered, cross-referenced AST as the HTML (html_blocks: numbers in headings and
captions, alt text on images) and has pandoc write it with a reference document made here by code
(`reference_docx`): pandoc's own default reference.docx with the house fonts and heading colours
and the protective marking in the page header. Headings are Word's Heading 1.. styles (the
navigation pane works), pandoc writes each image's alt text as its `descr` and each table's header
row as a repeating header row, and cross-references are the text "Figure 3.1" linked to a bookmark.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.assemble import Assembly
from needs_assessment.render.errors import RenderError
from needs_assessment.render.html import html_blocks, publication_meta

# Word has no DejaVu; Arial is on every machine that opens the file and reads clearly on screen.
BODY_FONT = "Arial"
INK = "0B0C0C"
BRAND = "1D70B8"
HEADING_SIZES_PT = {1: 20, 2: 16, 3: 13, 4: 12, 5: 11, 6: 11}
DEMONSTRATION_NOTICE = ("Demonstration: this publication is made from generated demonstration data "
                        "for a fictional area. It is not official statistics and must not be used "
                        "to make decisions.")
NOTICE_STYLE = "Demonstration Notice"


def reference_docx(out_path: Path, protective_marking: str | None) -> Path:
    """The house reference document: pandoc's default with house fonts, heading styles, the
    notice's paragraph style and the protective marking (if any) in every page's header."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    default = pa.run_pandoc(["--print-default-data-file", "reference.docx"], what="pandoc's reference.docx",
                            binary=True)
    out_path.write_bytes(default)
    document = Document(str(out_path))
    styles = document.styles
    by_name = {s.name: s for s in styles}
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Title", "Subtitle", "Author",
                 "Date", "Caption", "Table Caption", "Image Caption"):
        if name in by_name:
            font = by_name[name].font
            font.name = BODY_FONT
            font.color.rgb = RGBColor.from_string(INK)
    by_name["Normal"].font.size = Pt(11)
    for level, size in HEADING_SIZES_PT.items():
        font = by_name[f"Heading {level}"].font
        font.name = BODY_FONT
        font.size = Pt(size)
        font.bold = True
        font.italic = False
        font.color.rgb = RGBColor.from_string(INK if level > 1 else BRAND)
    notice = styles.add_style(NOTICE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    notice.base_style = styles["Normal"]
    notice.font.bold = True
    notice.font.name = BODY_FONT
    if protective_marking:
        header = document.sections[0].header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        paragraph.text = protective_marking
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in paragraph.runs:
            run.font.bold = True
            run.font.name = BODY_FONT
    document.save(str(out_path))
    return out_path


def docx_blocks(assembly: Assembly) -> list:
    """The HTML-shaped AST with Word's heading levels (the content's top level is Heading 1: the
    title is Word's Title style) and the demonstration notice first."""
    def shift(e: pa.Element):
        if e["t"] == "Header":
            level, a, inlines = e["c"]
            return pa.el("Header", [max(1, level - 1), a, inlines])
        if e["t"] == "Div" and "na-pagebreak" in e["c"][0][1]:
            return pa.el("RawBlock", ["openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'])
        return None

    blocks = pa.walk(html_blocks(assembly), shift)
    if assembly.pub.demonstration:
        blocks = [pa.div([pa.el("Para", pa.text_inlines(DEMONSTRATION_NOTICE))],
                         kv=[["custom-style", NOTICE_STYLE]])] + blocks
    return blocks


def render_docx(assembly: Assembly, out_path: Path) -> Path:
    meta = publication_meta(assembly)
    meta.pop("downloads", None)   # links of the HTML page, relative to it
    meta.pop("toc", None)
    doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": meta, "blocks": docx_blocks(assembly)}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="na-docx-") as tmp:
        src = Path(tmp) / "doc.json"
        src.write_text(json.dumps(doc), encoding="utf-8")
        reference = reference_docx(Path(tmp) / "reference.docx", assembly.pub.protective_marking)
        args = ["--from", "json", "--to", "docx", str(src), "--output", str(out_path.resolve()),
                "--reference-doc", str(reference), "--resource-path", str(assembly.pub.root.resolve())]
        if assembly.pub.toc and assembly.toc:
            args.append("--toc")
        pa.run_pandoc(args, what=f"{assembly.pub.root}: writing Word", cwd=assembly.pub.root)
    if not out_path.exists():
        raise RenderError(f"{assembly.pub.root}: pandoc wrote no Word file at {out_path}")
    return out_path
