"""A book rendered again after an edit with only the changed chapters numbered, read and written again.

assemble.py numbers and cross-references the whole book, walking every chapter's blocks in Python,
and chunks.py then writes each chapter (or keeps it). Here the numbering of each chapter is kept
too, by its text and the state before it (the numbers and identifiers used so far), with its
effects (targets, contents entries, identifiers, warnings) to replay; the HTML and typst of a
chapter are kept by that key and by the book's cross-reference targets, with the warnings its
cross-references gave. So a chapter that did not change is neither parsed nor walked: only the
edited chapter is. The sources pandoc must read, and the chunks it must write, run side by side
(one pandoc per core, in threads: pandoc runs outside Python's lock) and are put together in
chunk order. What is written is byte for byte what render/embedded.py writes in one pass
(tests/test_render_chunks.py). Used by the build (the cache lasts in `_build/<cycle>/render-cache/`)
and, in memory, by the preview.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.assemble import Assembly, ReadCache, Target, TocEntry, _Assembler
from needs_assessment.render.chunks import _TYPST_END, API, ChunkCache, _fill, _image_bytes, _stamp


def digest(*values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class _Source:
    """A source's resolved text; pandoc reads it only if its numbering is not kept. `reading`: the
    reading already started (a source not in the read cache), waited for when the blocks are needed."""

    def __init__(self, text: str, what: str, cache: ReadCache):
        self.text, self.what, self.cache = text, what, cache
        self.key = ReadCache.key(text)
        self.reading: Future | None = None

    def blocks(self) -> list:
        if self.reading is not None:
            self.reading.result()        # pandoc's error, if it failed, is raised here, in reading order
        return self.cache.read(self.text, self.what)["blocks"]


def _numbered_once(source_key: str) -> str:
    """The numbering cache's mark that a source's text has been numbered (in any state)."""
    return digest("numbered", source_key)


class Numbered(list):
    """A chunk's numbered blocks, kept as JSON until a cross-reference pass needs them."""

    def __init__(self, key: str, record: dict):
        super().__init__()
        self.key, self.record = key, record

    def blocks(self) -> list:
        return json.loads(self.record["raw"])


class MemoAssembler(_Assembler):
    """The assembler, keeping each chapter's numbering (in `memo`, a ChunkCache of JSON records)."""

    def __init__(self, pub, read_cache: ReadCache, memo: ChunkCache):
        super().__init__(pub, read_cache)
        self.memo = memo

    def number_all(self) -> list:
        # the sources pandoc has to read are read side by side, one per core, while the chapters
        # before them are numbered
        self._readers = ThreadPoolExecutor(max_workers=pa.pandoc_workers())
        try:
            return super().number_all()
        finally:
            self._readers.shutdown(wait=True, cancel_futures=True)
            self._readers = None

    def read_all(self) -> list:
        sources = [_Source(text, entry.rel, self.read_cache)
                   for text, entry in zip(self.resolved_texts(), self.pub.entries)]
        readers = getattr(self, "_readers", None)
        started: dict[str, Future] = {}
        for source in sources:
            # read ahead only a text never numbered before (new or edited): one whose numbering is
            # kept is not read at all, and its reading is dropped from the read cache
            if (readers is not None and not self.read_cache.has(source.key)
                    and not self.memo.has(_numbered_once(source.key))):
                if source.key not in started:
                    started[source.key] = readers.submit(self.read_cache.raw, source.text, source.what)
                source.reading = started[source.key]
        return sources

    def process_entry(self, entry, source, base_level):   # type: ignore[override]
        state = digest(source.key, entry.rel, entry.appendix, base_level, self.chapter_count,
                       self.appendix_count, sorted(self.used_ids), self.pub.number_sections,
                       self.pub.toc_depth, self.pub.kind, self.pub.appendix_title)
        kept = self.memo.get(state)
        seen = _numbered_once(source.key)
        if self.memo.get(seen) is None:
            self.memo.put(seen, "")
        if kept is None:
            before_ids, before_targets = set(self.used_ids), set(self.targets)
            before_toc, before_warnings = len(self.toc), len(self.warnings)
            blocks = super().process_entry(entry, source.blocks(), base_level)
            record = {"raw": json.dumps(blocks), "ids": sorted(self.used_ids - before_ids),
                      "targets": [asdict(self.targets[k]) for k in self.targets if k not in before_targets],
                      "toc": [asdict(t) for t in self.toc[before_toc:]],
                      "warnings": self.warnings[before_warnings:],
                      "file_id": self.file_ids.get(entry.rel),
                      "counts": [self.chapter_count, self.appendix_count],
                      "images": [e["c"][2][0] for e in pa.iter_elements(blocks) if e.get("t") == "Image"],
                      "notes": any(e.get("t") == "Note" for e in pa.iter_elements(blocks)),
                      "starts_with_heading": bool(blocks) and blocks[0].get("t") == "Header"}
            self.memo.put(state, json.dumps(record))
            return Numbered(state, record)
        record = json.loads(kept)
        self.used_ids.update(record["ids"])
        for target in record["targets"]:
            self.register(Target(**target))
        self.toc.extend(TocEntry(**t) for t in record["toc"])
        self.warnings.extend(record["warnings"])
        if record["file_id"]:
            self.file_ids[entry.rel] = record["file_id"]
        self.chapter_count, self.appendix_count = record["counts"]
        return Numbered(state, record)

    def refs_key(self) -> str:
        """What resolving a chunk's cross-references depends on, besides the chunk."""
        return digest(sorted((t.id, t.kind, t.number, t.title) for t in self.targets.values()),
                      self.file_ids, sorted(self.used_ids))


def _chunk_id(chunk) -> str:
    return chunk.key if isinstance(chunk, Numbered) else digest(chunk)


def render_book_incremental(pub, out_dir: Path, formats, basename: str, cache_dir: Path, typst_writer):
    """The book's HTML and PDF (and typst), keeping in `cache_dir` what pandoc read and wrote and
    how each chapter was numbered. Returns (outputs, the assembly's warnings, the PDF's), or None
    when this book cannot be written a chapter at a time (footnotes, or text before a chapter's
    first heading): the caller then renders it in one pass. `typst_writer`: embedded.py's
    (compile_pdf, _mark_sources, typst_whole_writer)."""
    from needs_assessment.render.html import html_blocks, html_whole_writer, postprocess_html

    # embedded.py's (it calls this module: passed in, so neither imports the other back)
    compile_pdf, _mark_sources, typst_whole_writer = typst_writer

    folder = Path(cache_dir)
    reads, numbering = ReadCache(folder / "read"), ChunkCache(folder / "number")
    html_cache, typst_cache, refs_cache = (ChunkCache(folder / "html"), ChunkCache(folder / "typst"),
                                           ChunkCache(folder / "refs"))
    assembler = MemoAssembler(pub, reads, numbering)
    chunks = assembler.number_all()
    entries = [c for _, c in chunks if isinstance(c, Numbered)]
    if any(c.record["notes"] or not c.record["starts_with_heading"] for c in entries):
        return None
    refs = assembler.refs_key()
    resolved_cache: dict[int, list] = {}
    warnings = list(assembler.warnings)       # numbering's, then each chunk's cross-references'

    def resolve(i: int) -> list:
        src, chunk = chunks[i]
        return assembler.resolve_refs(chunk.blocks() if isinstance(chunk, Numbered) else chunk, src)

    for i, (src, chunk) in enumerate(chunks):
        key = digest(_chunk_id(chunk), refs)
        kept = refs_cache.get(key)
        if kept is not None:
            warnings += json.loads(kept)
            continue
        before = len(assembler.warnings)
        resolved_cache[i] = resolve(i)
        found = assembler.warnings[before:]
        refs_cache.put(key, json.dumps(found))
        warnings += found

    def resolved(i: int) -> list:
        if i not in resolved_cache:
            resolved_cache[i] = resolve(i)
        return resolved_cache[i]

    shell = Assembly(pub, [], assembler.targets, assembler.toc, warnings)
    results: dict[str, Path] = {}
    out_dir = Path(out_dir)
    root = pub.root.resolve()
    typst_wanted, html_wanted = "pdf" in formats or "typst" in formats, "html" in formats

    # pandoc writes the chunks not kept (typst first: the PDF's compile waits for them), and the
    # pages around them, side by side, one process per core; the texts are put together in chunk
    # order, so the result is what one pandoc at a time writes.
    writers = ThreadPoolExecutor(max_workers=pa.pandoc_workers())
    compiler = ThreadPoolExecutor(max_workers=1)
    try:
        if typst_wanted:
            whole, filter_args, filters = typst_whole_writer(shell)
            args = ["--from", "json", "--to", "typst", *filter_args, "--wrap", "none"]
            stamp = _stamp(args, filters)
            marks: list = []
            typst_texts: list = []           # per chunk: the kept text, or pandoc writing it
            for i, (src, chunk) in enumerate(chunks):
                marks.append(pa.el("RawBlock", ["typst", f"// na-chunk-{i}-here"]))
                key = digest(stamp.hex(), _chunk_id(chunk), refs)
                text = typst_cache.get(key)
                if text is None:
                    blocks = _mark_sources(Assembly(pub, resolved(i), assembler.targets, assembler.toc)).blocks
                    doc = {"pandoc-api-version": API, "meta": {}, "blocks": blocks + [pa.el("RawBlock", ["typst", _TYPST_END])]}
                    text = writers.submit(pa.run_pandoc, args, json.dumps(doc), what=f"{pub.root}: writing typst")
                typst_texts.append((key, text))
            typst_page = writers.submit(whole, marks)
        if html_wanted:
            args = ["--from", "json", "--to", "html5", "--embed-resources", "--resource-path", str(root),
                    "--section-divs", "--mathml", "--wrap", "none"]
            stamp = _stamp(args, [])
            page_blocks: list = []
            html_texts: list = []           # per chapter: (placeholder, key, the kept text or pandoc writing it)
            for i, (src, chunk) in enumerate(chunks):
                if not isinstance(chunk, Numbered):          # a part: it stays in the page (its section)
                    page_blocks.extend(html_blocks(Assembly(pub, resolved(i), assembler.targets, assembler.toc)))
                    continue
                mark = f"<!--na-chunk-{i}-->"
                page_blocks.append(pa.el("RawBlock", ["html", mark]))
                images = _image_bytes([pa.el("Image", [["", [], []], [], [url, ""]]) for url in chunk.record["images"]],
                                      root).hex()
                key = digest(stamp.hex(), chunk.key, refs, images)
                text = html_cache.get(key)
                if text is None:
                    blocks = html_blocks(Assembly(pub, resolved(i), assembler.targets, assembler.toc))
                    doc = {"pandoc-api-version": API, "meta": {}, "blocks": blocks}
                    text = writers.submit(pa.run_pandoc, args, json.dumps(doc), what=f"{root}: writing HTML", cwd=root)
                html_texts.append((mark, key, text))
            html_page = writers.submit(html_whole_writer(shell), page_blocks)

        later: list[str] = []
        compiling = None
        if typst_wanted:
            fragments = {}
            for i, (key, text) in enumerate(typst_texts):
                if isinstance(text, Future):
                    out_text = text.result()
                    text = out_text[:out_text.rindex(_TYPST_END)]
                    typst_cache.put(key, text)
                body = text.rstrip("\n")
                fragments[f"// na-chunk-{i}-here"] = body + (text[len(body):][:-1] if i < len(chunks) - 1 else "")
            source = _fill(typst_page.result(), fragments)
            if source is None:
                return None
            if "typst" in formats:
                typ = out_dir / f"{basename}.typ"
                typ.write_text(source, encoding="utf-8")
                results["typst"] = typ
            if "pdf" in formats:
                # typst compiles outside Python's lock: the HTML is put together meanwhile
                compiling = compiler.submit(compile_pdf, source, pub, out_dir / f"{basename}.pdf", later)
        if html_wanted:
            fragments = {}
            for mark, key, text in html_texts:
                if isinstance(text, Future):
                    text = text.result().rstrip("\n")
                    html_cache.put(key, text)
                fragments[mark] = text
            page = _fill(html_page.result(), fragments)
            if page is None:
                return None
            out = out_dir / f"{basename}.html"
            out.write_text(postprocess_html(page, shell), encoding="utf-8")
            results["html"] = out
        if compiling is not None:
            results["pdf"] = compiling.result()
    finally:
        writers.shutdown(wait=True, cancel_futures=True)
        compiler.shutdown(wait=True)
    for cache in (reads, numbering, refs_cache):
        cache.prune()
    if html_wanted:
        html_cache.prune()
    if typst_wanted:
        typst_cache.prune()
    return results, warnings, later
