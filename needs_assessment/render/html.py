"""The HTML half of the embedded renderer: one self-contained page in the house style.

Takes the semantic AST from assemble.py, makes it HTML-shaped (numbers into headings and
captions, alt text onto images, tables in focusable scroll regions, callouts as notes), and has
pandoc write it with templates/book.html and templates/house.css, images embedded as data URIs.
The contents list is built here (not by pandoc) so that parts, chapters and sections nest.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from pathlib import Path

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.assemble import NBSP, Assembly, TocEntry
from needs_assessment.render.chunks import has_footnotes, write_html_chunked
from needs_assessment.render.resources import template_path

TOC_PLACEHOLDER = "<!--NA-TOC-->"


def _meta_str(value: str) -> dict:
    return {"t": "MetaString", "c": value}


def _meta_bool(value: bool) -> dict:
    return {"t": "MetaBool", "c": bool(value)}


def _meta_list(items: list) -> dict:
    return {"t": "MetaList", "c": items}


def _meta_map(mapping: dict) -> dict:
    return {"t": "MetaMap", "c": mapping}


def publication_meta(assembly: Assembly) -> dict:
    """Pandoc metadata for the HTML template (all plain strings: the writer escapes them)."""
    pub = assembly.pub
    meta: dict = {
        "title": _meta_str(pub.title or "Untitled"),
        "pagetitle": _meta_str(pub.title or "Untitled"),
        "lang": _meta_str(pub.lang),
    }
    if pub.subtitle:
        meta["subtitle"] = _meta_str(pub.subtitle)
    if pub.authors:
        meta["author"] = _meta_list([_meta_str(a) for a in pub.authors])
    if pub.date:
        meta["date"] = _meta_str(pub.date)
    if pub.date_iso:
        meta["date-iso"] = _meta_str(pub.date_iso)
    if pub.keywords:
        meta["keywords"] = _meta_list([_meta_str(k) for k in pub.keywords])
    na = pub.na
    for key in ("area", "cycle", "period-covered"):
        if na.get(key):
            meta[key] = _meta_str(str(na[key]))
    if pub.protective_marking:
        meta["protective-marking"] = _meta_str(pub.protective_marking)
    if pub.demonstration:
        meta["demonstration"] = _meta_bool(True)
    if pub.downloads:
        meta["downloads"] = _meta_list([
            _meta_map({"label": _meta_str(d["label"]), "href": _meta_str(d["href"]),
                       **({"kind": _meta_str(k)} if (k := _download_kind(d["href"])) and
                          k.lower() not in d["label"].lower() else {})}) for d in pub.downloads])
    if pub.toc and assembly.toc:
        meta["toc"] = _meta_bool(True)
    return meta


def _download_kind(href: str) -> str:
    ext = href.rsplit(".", 1)[-1].lower() if "." in href else ""
    return {"pdf": "PDF", "csv": "CSV", "xlsx": "Excel", "ods": "ODS", "html": "HTML"}.get(ext, ext.upper())


def html_blocks(assembly: Assembly) -> list:
    """The semantic AST made HTML-shaped."""
    pub = assembly.pub
    shift = _heading_shift(assembly)

    def fix(e: pa.Element):
        t = e["t"]
        if t == "Header":
            level, a, inlines = e["c"]
            number = pa.kv_get(a, "number")
            a = [a[0], list(a[1]), [p for p in a[2] if p[0] != "number"]]
            if number:
                a[2].append(["data-number", number])
            inlines = pa.walk(inlines, fix)
            classes = a[1]
            if "part" in classes:
                label = f"Part{NBSP}{number}" if number else ""
                if label:
                    inlines = [pa.span([pa.el("Str", label)], ["part-number"]), pa.el("Space")] + inlines
            elif number:
                shown = f"{pub.appendix_title}{NBSP}{number}" if "appendix" in classes else number
                inlines = [pa.span([pa.el("Str", shown)], ["header-section-number"]),
                           pa.el("Space")] + inlines
            return pa.el("Header", [max(2, min(6, level + shift)), a, inlines])
        if t == "Figure":
            a, caption, content = e["c"]
            number = pa.kv_get(a, "number")
            a = [a[0], a[1], [p for p in a[2] if p[0] != "number"]]
            content = pa.walk(content, fix)
            caption = [caption[0], _prefix_caption(pa.walk(caption[1], fix), "Figure", number)]
            return pa.el("Figure", [a, caption, content])
        if t == "Image":
            a, desc, target = e["c"]
            alt = pa.kv_get(a, "fig-alt")
            a = [a[0], a[1], [p for p in a[2] if p[0] != "fig-alt"]]
            return pa.el("Image", [a, pa.text_inlines(alt) if alt else desc, target])
        if t == "Table":
            a, caption, *rest = e["c"]
            number = pa.kv_get(a, "number")
            a = [a[0], a[1], [p for p in a[2] if p[0] != "number"]]
            caption = [caption[0], _prefix_caption(pa.walk(caption[1], fix), "Table", number)]
            table = pa.el("Table", [a, caption, *pa.walk(rest, fix)])
            name = pa.stringify(caption[1]) or "Table"
            return pa.div([table], ["table-wrap"], kv=[["role", "region"], ["tabindex", "0"],
                                                       ["aria-label", name]])
        if t == "Div":
            a, content = e["c"]
            if "callout" in a[1]:
                kv = [p for p in a[2] if p[0] != "kind"] + [["role", "note"]]
                return pa.div(pa.walk(content, fix), a[1], a[0], kv)
            if "na-pagebreak" in a[1]:
                return pa.div([], ["na-pagebreak"], kv=[["aria-hidden", "true"]])
        return None

    return pa.walk(assembly.blocks, fix)


def _heading_shift(assembly: Assembly) -> int:
    """How far AST heading levels move down in the HTML: h1 is the page title, so the top level of
    the content is h2. In a book that is the parts (or chapters); a document's shallowest heading
    becomes h2 whether its author started at `#` or at `##` (a summary written with `##`
    sections would otherwise go from h1 straight to h3, under the header's Downloads h2)."""
    if assembly.pub.kind != "document":
        return 1
    levels = [e["c"][0] for e in pa.iter_elements(assembly.blocks)
              if e.get("t") == "Header" and "callout-heading" not in e["c"][1][1]]
    return 2 - min(levels) if levels else 1


def _prefix_caption(blocks: list, word: str, number: str | None) -> list:
    if not number:
        return blocks
    label = pa.span([pa.el("Str", f"{word}{NBSP}{number}:")], ["caption-label"])
    if blocks and blocks[0]["t"] in ("Plain", "Para"):
        first = blocks[0]
        return [pa.el(first["t"], [label, pa.el("Space")] + first["c"])] + blocks[1:]
    return [pa.plain([label])] + blocks


def toc_html(entries: list[TocEntry]) -> str:
    """Nested lists: parts > chapters > sections, numbers shown as text."""
    if not entries:
        return ""
    out: list[str] = []
    stack: list[int] = []   # open list levels
    for entry in entries:
        level = entry.level
        if not stack:
            out.append('<ul class="toc-list">')
            stack.append(level)
        elif level > stack[-1]:
            out.append('<ul class="toc-list">')
            stack.append(level)
        else:
            while stack and level < stack[-1]:
                out.append("</li></ul>")
                stack.pop()
            if not stack:
                out.append('<ul class="toc-list">')
                stack.append(level)
            else:
                out.append("</li>")
        number = (f'<span class="toc-number">{html.escape(entry.number)}</span> '
                  if entry.number else "")
        out.append(f'<li class="toc-{entry.role}"><a href="#{html.escape(entry.id, quote=True)}">'
                   f"{number}{html.escape(entry.title)}</a>")
    while stack:
        out.append("</li></ul>")
        stack.pop()
    return "\n".join(out)


def html_whole_writer(assembly: Assembly):
    """The one-pass writer of the page: blocks -> the whole page (template, style sheet, images
    embedded), before postprocess_html."""
    root = assembly.pub.root.resolve()

    def whole(blocks: list) -> str:
        doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": publication_meta(assembly), "blocks": blocks}
        with tempfile.TemporaryDirectory(prefix="na-html-") as tmp:
            src = Path(tmp) / "doc.json"
            src.write_text(json.dumps(doc), encoding="utf-8")
            return pa.run_pandoc([
                "--from", "json", "--to", "html5", str(src),
                "--standalone", "--embed-resources",
                "--template", str(template_path("book.html")),
                "--css", str(template_path("house.css")),
                "--resource-path", str(root), *HTML_OPTIONS,
            ], what=f"{assembly.pub.root}: writing HTML", cwd=assembly.pub.root)
    return whole


HTML_OPTIONS = ("--section-divs", "--mathml", "--wrap", "none")


def render_html(assembly: Assembly, out_path: Path, cache=None) -> Path:
    """The page, in one pandoc pass; with `cache` (chunks.ChunkCache) a chapter at a time, each
    chapter written only if it is not kept from before (the same bytes: see chunks.py)."""
    root = assembly.pub.root.resolve()
    whole = html_whole_writer(assembly)
    blocks = html_blocks(assembly)
    if cache is None or has_footnotes(blocks):
        text = whole(blocks)
    else:
        text = write_html_chunked(blocks, whole, ["--from", "json", "--to", "html5", "--embed-resources",
                                                  "--resource-path", str(root), *HTML_OPTIONS], root, cache)
    text = postprocess_html(text, assembly)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return out_path


_TH = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")


def postprocess_html(text: str, assembly: Assembly) -> str:
    # Column header cells: pandoc writes <th> in <thead> only, so every th is a column header.
    text = _TH.sub('<th scope="col"', text)
    text = text.replace(TOC_PLACEHOLDER, toc_html(assembly.toc) if assembly.pub.toc else "")
    return text
