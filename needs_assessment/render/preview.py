"""The HTML page of `build.py preview`: the staged book re-rendered after an edit, only the chapters that changed.

The published page (html.py) has pandoc write the whole book in one pass with every image embedded;
that takes seconds. The preview keeps, between renders, pandoc's reading of every source
(assemble.ReadCache) and pandoc's HTML for every chapter (by the hash of its HTML-shaped blocks),
so after a reviewer's edit pandoc reads one chapter and writes one chapter. Numbering and
cross-references are still worked out for the whole book (in Python, cheap), so a chapter's
numbers and links are right. The page's shell (head, header, contents) comes from the same
template as the published page; images are linked (the preview server serves the book folder),
not embedded. The preview is for reading an edit: the published HTML is still made by html.py.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.assemble import Assembly, ReadCache
from needs_assessment.render.chunks import ChunkCache
from needs_assessment.render.incremental import MemoAssembler, Numbered
from needs_assessment.render.html import html_blocks, postprocess_html, publication_meta
from needs_assessment.render.project import load_book, load_document
from needs_assessment.render.resources import template_path

BODY_PLACEHOLDER = "<!--NA-PREVIEW-BODY-->"


def _digest(*values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class PreviewRenderer:
    """Renders one book (or one document) to a preview page, keeping what it can between renders.

    `last_reads` and `last_conversions` say how many sources pandoc read and how many chunks it
    wrote in the latest render (the rest came from what was kept): after an edit to one chapter's
    recommendations both are 1.
    """

    def __init__(self, source: Path, kind: str = "book"):
        self.source = Path(source)
        self.kind = kind
        self.read_cache = ReadCache()
        self.numbering = ChunkCache()      # each chapter's numbering (incremental.py)
        self.fragments: dict[str, str] = {}
        self.shells: dict[str, str] = {}
        self.last_conversions = 0
        self.last_reads = 0

    def render(self) -> str:
        pub = load_book(self.source) if self.kind == "book" else load_document(self.source)
        before = set(self.read_cache.memory)
        assembler = MemoAssembler(pub, self.read_cache, self.numbering)
        chunks = assembler.number_all()
        self.numbering.prune()
        refs = assembler.refs_key()
        used: dict[str, str] = {}
        parts: list[str] = []
        for src, blocks in chunks:
            key = _digest(blocks.key if isinstance(blocks, Numbered) else blocks, refs)
            fragment = used.get(key) or self.fragments.get(key)
            if fragment is None:
                raw = blocks.blocks() if isinstance(blocks, Numbered) else blocks
                resolved = assembler.resolve_refs(raw, src)
                part = Assembly(pub, resolved, assembler.targets, assembler.toc, assembler.warnings)
                fragment = self._convert(html_blocks(part), pub.root)
            used[key] = fragment
            parts.append(fragment)
        self.last_conversions = len(set(used) - set(self.fragments))
        self.fragments = used
        self.last_reads = len(set(self.read_cache.memory) - before)
        self.read_cache.prune()
        assembly = Assembly(pub, [], assembler.targets, assembler.toc, assembler.warnings)
        shell = self._shell(assembly)
        return postprocess_html(shell.replace(BODY_PLACEHOLDER, "\n".join(parts), 1), assembly)

    def _convert(self, blocks: list, root: Path) -> str:
        doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": blocks}
        return pa.run_pandoc(["--from", "json", "--to", "html5", "--section-divs", "--mathml",
                              "--wrap", "none"], json.dumps(doc), what=f"{root}: writing the preview HTML")

    def _shell(self, assembly: Assembly) -> str:
        meta = publication_meta(assembly)
        key = _digest(meta)
        shell = self.shells.get(key)
        if shell is None:
            doc = {"pandoc-api-version": [1, 23, 1, 1], "meta": meta,
                   "blocks": [pa.el("RawBlock", ["html", BODY_PLACEHOLDER])]}
            with tempfile.TemporaryDirectory(prefix="na-preview-") as tmp:
                src = Path(tmp) / "doc.json"
                src.write_text(json.dumps(doc), encoding="utf-8")
                shell = pa.run_pandoc([
                    "--from", "json", "--to", "html5", str(src), "--standalone", "--embed-resources",
                    "--template", str(template_path("book.html")), "--css", str(template_path("house.css")),
                    "--wrap", "none"], what=f"{assembly.pub.root}: writing the preview page")
            self.shells = {key: shell}
        return shell
