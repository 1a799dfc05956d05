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
from needs_assessment.render.assemble import Assembly, ReadCache, _Assembler
from needs_assessment.render.html import html_blocks, postprocess_html, publication_meta
from needs_assessment.render.project import load_book, load_document
from needs_assessment.render.resources import template_path

BODY_PLACEHOLDER = "<!--NA-PREVIEW-BODY-->"


def _digest(*values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class _Source:
    """A source's resolved text; pandoc reads it only if its numbering is not remembered."""

    def __init__(self, text: str, what: str, cache: ReadCache):
        self.text, self.what, self.cache = text, what, cache
        self.key = ReadCache.key(text)

    def blocks(self) -> list:
        return self.cache.read(self.text, self.what)["blocks"]


class _Numbered(list):
    """A chunk's numbered blocks, kept as JSON until a cross-reference pass needs them."""

    def __init__(self, key: str, raw: str):
        super().__init__()
        self.key, self.raw = key, raw

    def blocks(self) -> list:
        return json.loads(self.raw)


class _PreviewAssembler(_Assembler):
    """The assembler, remembering each chapter's numbering by its text and the state before it
    (numbers and identifiers used so far): an unchanged chapter after an unchanged start is not
    walked again, and its effects (targets, contents entries, ids) are replayed."""

    def __init__(self, pub, read_cache: ReadCache, memo: dict):
        super().__init__(pub, read_cache)
        self.memo = memo
        self.used_keys: set[str] = set()

    def read_all(self) -> list:
        return [_Source(text, entry.rel, self.read_cache)
                for text, entry in zip(self.resolved_texts(), self.pub.entries)]

    def process_entry(self, entry, source, base_level):   # type: ignore[override]
        state = _digest(source.key, entry.rel, entry.appendix, base_level, self.chapter_count,
                        self.appendix_count, sorted(self.used_ids), self.pub.number_sections,
                        self.pub.toc_depth, self.pub.kind)
        self.used_keys.add(state)
        hit = self.memo.get(state)
        if hit is None:
            before_ids, before_targets = set(self.used_ids), set(self.targets)
            before_toc, before_warnings = len(self.toc), len(self.warnings)
            blocks = super().process_entry(entry, source.blocks(), base_level)
            hit = {"raw": json.dumps(blocks), "ids": sorted(self.used_ids - before_ids),
                   "targets": [self.targets[k] for k in self.targets if k not in before_targets],
                   "toc": self.toc[before_toc:], "warnings": self.warnings[before_warnings:],
                   "file_id": self.file_ids.get(entry.rel), "counts": (self.chapter_count, self.appendix_count)}
            self.memo[state] = hit
        else:
            self.used_ids.update(hit["ids"])
            for target in hit["targets"]:
                self.register(target)
            self.toc.extend(hit["toc"])
            self.warnings.extend(hit["warnings"])
            if hit["file_id"]:
                self.file_ids[entry.rel] = hit["file_id"]
            self.chapter_count, self.appendix_count = hit["counts"]
        return _Numbered(state, hit["raw"])


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
        self.numbering: dict[str, dict] = {}
        self.fragments: dict[str, str] = {}
        self.shells: dict[str, str] = {}
        self.last_conversions = 0
        self.last_reads = 0

    def render(self) -> str:
        pub = load_book(self.source) if self.kind == "book" else load_document(self.source)
        before = set(self.read_cache.memory)
        assembler = _PreviewAssembler(pub, self.read_cache, self.numbering)
        chunks = assembler.number_all()
        self.numbering = {k: v for k, v in self.numbering.items() if k in assembler.used_keys}
        refs = _digest(sorted((t.id, t.kind, t.number, t.title) for t in assembler.targets.values()),
                       assembler.file_ids, sorted(assembler.used_ids), pub.appendix_title)
        used: dict[str, str] = {}
        parts: list[str] = []
        for src, blocks in chunks:
            key = _digest(blocks.key if isinstance(blocks, _Numbered) else blocks, refs)
            fragment = used.get(key) or self.fragments.get(key)
            if fragment is None:
                raw = blocks.blocks() if isinstance(blocks, _Numbered) else blocks
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
