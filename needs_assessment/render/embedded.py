"""The embedded renderer: a Quarto book or document to one HTML page, one PDF and one Word file, without Quarto.

    sources --shortcodes--> markdown --pandoc--> AST --assemble--> numbered, cross-referenced AST
        --html.py + pandoc--> <basename>.html (self-contained)
        --docx.py + pandoc (house reference.docx made by code)--> <basename>.docx
        --filters/typst-text.lua, filters/typst.lua + pandoc--> typst --typst.compile--> <basename>.pdf (tagged, PDF/UA-1)
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.assemble import Assembly, ReadCache, assemble
from needs_assessment.render.errors import RenderError, RenderWarning
from needs_assessment.render.chunks import ChunkCache, split_chunks, write_typst_chunked
from needs_assessment.render.docx import render_docx
from needs_assessment.render.html import render_html
from needs_assessment.render.incremental import render_book_incremental
from needs_assessment.render.project import Publication
from needs_assessment.render.resources import filter_path, font_dirs, template_path

log = logging.getLogger(__name__)

SOURCE_MARK = "// na-source: "


def typst_meta(pub: Publication) -> dict:
    """Title-page and document metadata for templates/book.typ (passed as JSON via sys.inputs)."""
    lang, _, region = pub.lang.partition("-")
    meta: dict = {
        "title": pub.title or "Untitled",
        "subtitle": pub.subtitle or None,
        "authors": pub.authors,
        "date": pub.date or None,
        "keywords": pub.keywords,
        "lang": (lang or "en").lower(),
        "region": (region or "GB").upper() if region or lang.lower() == "en" else None,
        "area": str(pub.na["area"]) if pub.na.get("area") else None,
        "cycle": str(pub.na["cycle"]) if pub.na.get("cycle") else None,
        "period-covered": str(pub.na["period-covered"]) if pub.na.get("period-covered") else None,
        "protective-marking": pub.protective_marking,
        "demonstration": pub.demonstration,
        "toc": pub.toc,
        "kind": pub.kind,
        "cover": str(pub.na["cover"]) if pub.na.get("cover") else None,             # "compact": no cover page
        "date-label": str(pub.na["date-label"]) if pub.na.get("date-label") else None,
    }
    if pub.date_iso:
        y, m, d = (int(x) for x in pub.date_iso.split("-"))
        meta["date-parts"] = [y, m, d]
    return meta


def typst_whole_writer(assembly: Assembly):
    """(the one-pass writer of the typst text: blocks -> typst, its filter options, the filters)."""
    filters = [filter_path("typst-text.lua"), filter_path("typst.lua")]
    # first filter: text that starts a cell or a line stays text (shared with real Quarto)
    filter_args = [arg for path in filters for arg in ("--lua-filter", str(path))]

    def whole(blocks: list) -> str:
        doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": blocks}
        with tempfile.TemporaryDirectory(prefix="na-typ-") as tmp:
            src = Path(tmp) / "doc.json"
            src.write_text(json.dumps(doc), encoding="utf-8")
            return pa.run_pandoc(["--from", "json", "--to", "typst", str(src), "--standalone",
                                  "--template", str(template_path("book.typ")), *filter_args,
                                  "--wrap", "none"], what=f"{assembly.pub.root}: writing typst")
    return whole, filter_args, filters + [template_path("book.typ")]


def typst_source(assembly: Assembly, cache=None) -> str:
    """The typst text for the PDF (pandoc typst writer + filters/typst.lua + templates/book.typ).
    With `cache` (chunks.ChunkCache), a chunk (chapter or part) at a time, each written only if
    it is not kept from before: the same text (see chunks.py)."""
    whole, filter_args, files = typst_whole_writer(assembly)
    if cache is None:
        return whole(_mark_sources(assembly).blocks)
    pieces = [_mark_sources(Assembly(assembly.pub, chunk, assembly.targets, assembly.toc, assembly.warnings)).blocks
              for chunk in split_chunks(assembly.blocks)]
    return write_typst_chunked(pieces, whole, ["--from", "json", "--to", "typst", *filter_args, "--wrap", "none"],
                               files, cache, f"{assembly.pub.root}: writing typst")


def _source_of_line(source: str, lineno: int) -> str | None:
    lines = source.splitlines()
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        if lines[i].startswith(SOURCE_MARK):
            return lines[i][len(SOURCE_MARK):].strip()
    return None


def compile_pdf(source: str, pub: Publication, out_path: Path, warnings_out: list[str]) -> Path:
    """typst source -> PDF. PDF/UA-1 first; if typst refuses that standard, a tagged PDF."""
    import typst

    meta = json.dumps(typst_meta(pub))
    kwargs = dict(root=str(pub.root.resolve()), font_paths=[str(p) for p in font_dirs()],
                  ignore_system_fonts=True, sys_inputs={"na-meta": meta}, pdf_tags=True)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    data = source.encode("utf-8")
    attempts = [["ua-1"], []]
    last_error: Exception | None = None
    for standards in attempts:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                typst.compile(data, output=str(out_path), pdf_standards=standards, **kwargs)
            for w in caught:
                if isinstance(w.message, RenderWarning):
                    continue    # another render's, issued while this one ran (it reports its own)
                text = getattr(w.message, "message", None) or str(w.message)
                if "unknown font family" in text:
                    continue
                warnings_out.append(f"typst: {text}")
            if not standards:
                warnings_out.append(
                    f"PDF/UA-1 export was refused by typst ({_first_line(last_error)}); "
                    f"wrote a tagged PDF without the PDF/UA-1 claim")
            return out_path
        except typst.TypstError as exc:  # type: ignore[attr-defined]
            last_error = exc
            if standards and _is_standard_error(exc):
                continue
            raise _typst_error(exc, source, out_path) from None
    raise _typst_error(last_error, source, out_path)  # pragma: no cover


def _first_line(exc: Exception | None) -> str:
    if exc is None:
        return ""
    return (getattr(exc, "message", None) or str(exc)).splitlines()[0]


def _is_standard_error(exc: Exception) -> bool:
    text = (getattr(exc, "message", "") or "") + (getattr(exc, "diagnostic", "") or "")
    return bool(re.search(r"PDF/UA|pdf/ua|ua-1|PDF/A|standard", text))


def _typst_error(exc: Exception | None, source: str, out_path: Path) -> RenderError:
    diagnostic = getattr(exc, "diagnostic", "") or str(exc)
    hints = getattr(exc, "hints", None) or []
    m = re.search(r"\.typ:(\d+):(\d+)", diagnostic)
    where = ""
    if m:
        lineno = int(m.group(1))
        lines = source.splitlines()
        origin = _source_of_line(source, lineno)
        line_text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        where = (f"\nat line {lineno} of the generated typst"
                 + (f" (from {origin})" if origin else "") + f":\n    {line_text.strip()[:300]}")
    saved = out_path.with_suffix(".typ")
    try:
        saved.write_text(source, encoding="utf-8")
        keep = f"\nThe generated typst is kept in {saved} for inspection."
    except OSError:
        keep = ""
    hint_text = "".join(f"\nhint: {h}" for h in hints)
    return RenderError(f"typst could not make the PDF: {_first_line(exc)}{where}{hint_text}\n"
                       f"{diagnostic.strip()}{keep}")


def _mark_sources(assembly: Assembly) -> Assembly:
    """Add `// na-source: file` comments (typst only) so typst errors name the chapter file."""
    blocks: list = []
    for block in assembly.blocks:
        if block.get("t") == "Header":
            a = block["c"][1]
            target = assembly.targets.get(a[0])
            if target is not None and target.kind in ("chapter", "appendix"):
                blocks.append(pa.el("RawBlock", ["typst", SOURCE_MARK + target.source]))
        blocks.append(block)
    return Assembly(assembly.pub, blocks, assembly.targets, assembly.toc, assembly.warnings)


def render_publication(pub: Publication, out_dir: Path, formats, basename: str,
                       warnings_out: list[str] | None = None, strict: bool = False,
                       cache_dir: Path | None = None) -> dict[str, Path]:
    """The publication in each format. The formats are written at the same time (pandoc and typst
    run outside Python's lock), each from the same assembly; their warnings are reported in a
    fixed order (the assembly's, then the PDF's). With `cache_dir`, what pandoc read and wrote
    for each chapter is kept there, and after an edit pandoc reads and writes (HTML, typst) only
    the chapters that changed; the output is the same."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in ("html", "pdf", "docx", "typst")]
    if unknown:
        raise RenderError(f"unknown output format(s) {unknown}; expected html, pdf, docx")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(cache_dir) if cache_dir is not None else None
    if folder is not None and pub.kind == "book" and "docx" not in formats:
        # only the chapters that changed are numbered, read and written (render/incremental.py)
        done = render_book_incremental(pub, out_dir, formats, basename, folder / "incremental",
                                       (compile_pdf, _mark_sources, typst_whole_writer))
        if done is not None:
            results, found, later = done
            unresolved = [w for w in found if "unresolved cross-reference" in w]
            if strict and unresolved:
                raise RenderError("unresolved cross-references:\n  " + "\n  ".join(unresolved))
            _report(found, warnings_out)
            _report(later, warnings_out)
            return {fmt: results[fmt] for fmt in ("html", "typst", "pdf") if fmt in results}
    read_cache = ReadCache(folder / "read") if folder else None
    html_cache = ChunkCache(folder / "html") if folder else None
    typst_cache = ChunkCache(folder / "typst") if folder else None
    assembly = assemble(pub, read_cache=read_cache)
    found: list[str] = list(assembly.warnings)
    unresolved = [w for w in found if "unresolved cross-reference" in w]
    if strict and unresolved:
        raise RenderError("unresolved cross-references:\n  " + "\n  ".join(unresolved))
    _report(found, warnings_out)
    later: list[str] = []

    def typst_outputs() -> dict[str, Path]:
        made: dict[str, Path] = {}
        source = typst_source(assembly, typst_cache)
        if "typst" in formats:
            typ = out_dir / f"{basename}.typ"
            typ.write_text(source, encoding="utf-8")
            made["typst"] = typ
        if "pdf" in formats:
            made["pdf"] = compile_pdf(source, pub, out_dir / f"{basename}.pdf", later)
        return made

    jobs = []
    if "html" in formats:
        jobs.append(lambda: {"html": render_html(assembly, out_dir / f"{basename}.html", html_cache)})
    if "docx" in formats:
        jobs.append(lambda: {"docx": render_docx(assembly, out_dir / f"{basename}.docx")})
    if "pdf" in formats or "typst" in formats:
        jobs.append(typst_outputs)
    results: dict[str, Path] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        for made in [f.result() for f in [pool.submit(job) for job in jobs]]:
            results.update(made)
    # keep only what this render used (a format not made this time keeps its chunks)
    for cache, used in ((read_cache, True), (html_cache, "html" in formats),
                        (typst_cache, "pdf" in formats or "typst" in formats)):
        if cache is not None and used:
            cache.prune()
    _report(later, warnings_out)
    return {fmt: results[fmt] for fmt in ("html", "docx", "typst", "pdf") if fmt in results}


def _report(found: list[str], warnings_out: list[str] | None) -> None:
    """Log each warning, issue it as a RenderWarning and add it to the caller's list."""
    for w in found:
        log.warning("%s", w)
        warnings.warn(w, RenderWarning, stacklevel=4)
    if warnings_out is not None:
        warnings_out.extend(found)
