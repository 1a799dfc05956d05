"""Writing a book a chapter at a time, so that after an edit pandoc writes only the chapter that changed.

Pandoc writes a whole book's HTML or typst in one pass, which takes seconds for the demonstration.
Here each chapter (and each part page, for typst) is written on its own and kept, by the hash of
its blocks and of everything else its text depends on (the writer's options, the filters, the
bytes of the images it embeds), in a folder that lasts from one build to the next; the page
around them is written with a placeholder for each and the chapters put in their places. The
result is byte for byte what the one pass writes (tests/test_render_chunks.py compares them):

* HTML (`--section-divs`): a part's <section> holds its chapters, so part headings stay in the
  page and only chapters are placeholders; a chapter's section ends where the next chapter or part
  starts, so it is the same written alone. Footnotes are numbered across the page: a book with
  any is written in one pass.
* typst: each chunk is written with a marker block after it, which shows the separator the
  writer puts between that chunk's last block and the next (a blank line after a paragraph, one
  line break after raw typst).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote

from needs_assessment.render import pandoc_ast as pa

CHUNK_ROLES = ("part", "chapter", "appendix")
API = [1, 23, 1, 1]
_TYPST_END = "// na-chunk-end"


def split_chunks(blocks: list) -> list[list]:
    """The top-level blocks cut before every part, chapter and appendix heading."""
    out: list[list] = [[]]
    for block in blocks:
        if block.get("t") == "Header" and any(r in block["c"][1][1] for r in CHUNK_ROLES) and out[-1]:
            out.append([])
        out[-1].append(block)
    return [c for c in out if c]


def is_part(chunk: list) -> bool:
    first = chunk[0]
    return first.get("t") == "Header" and "part" in first["c"][1][1]


class ChunkCache:
    """What pandoc wrote for each chunk, in memory and in `folder`, by a key of all it depends on;
    `prune` drops what the latest render did not use."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        self.memory: dict[str, str] = {}
        self.used: set[str] = set()
        self.written = 0            # chunks pandoc wrote in this render (the rest were kept)

    def get(self, key: str) -> str | None:
        self.used.add(key)
        text = self.memory.get(key)
        if text is None and self.folder is not None:
            try:
                text = (self.folder / f"{key}.txt").read_text(encoding="utf-8")
            except OSError:
                return None
            self.memory[key] = text
        return text

    def has(self, key: str) -> bool:
        """Whether a text is kept for `key` (without counting it as used)."""
        return key in self.memory or (self.folder is not None and (self.folder / f"{key}.txt").is_file())

    def put(self, key: str, text: str) -> None:
        self.used.add(key)
        self.memory[key] = text
        self.written += 1
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self.folder / f"{key}.txt")

    def prune(self) -> None:
        self.memory = {k: v for k, v in self.memory.items() if k in self.used}
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.txt"):
                if path.stem not in self.used:
                    path.unlink(missing_ok=True)
        self.used = set()


def _stamp(args: list[str], files: list[Path]) -> bytes:
    """The writer: pandoc's binary, its options and the contents of the filters it runs."""
    pandoc = pa.pandoc_path()
    stat = os.stat(pandoc)
    digest = hashlib.sha256(json.dumps([pandoc, stat.st_size, stat.st_mtime_ns, args]).encode())
    for path in files:
        digest.update(Path(path).read_bytes())
    return digest.digest()


def _image_bytes(blocks: list, root: Path) -> bytes:
    """The hashes of the images a chunk embeds (the HTML carries their bytes, not their names)."""
    digest = hashlib.sha256()
    for e in pa.iter_elements(blocks):
        if e.get("t") == "Image":
            path = Path(root) / unquote(e["c"][2][0])
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                digest.update(b"missing:" + str(path).encode())
    return digest.digest()


def _key(stamp: bytes, blocks: list, extra: bytes = b"") -> str:
    digest = hashlib.sha256(stamp)
    digest.update(extra)
    digest.update(json.dumps(blocks, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def has_footnotes(blocks: list) -> bool:
    return any(e.get("t") == "Note" for e in pa.iter_elements(blocks))


def write_html_chunked(blocks: list, whole: callable, chunk_args: list[str], root: Path,
                       cache: ChunkCache) -> str:
    """The page `whole(blocks)` writes, with each chapter written by itself (`chunk_args`) or kept.
    `whole` is the one-pass writer; it writes the page with the chapters' placeholders."""
    chunks = split_chunks(blocks)
    page_blocks: list = []
    fragments: dict[str, str] = {}
    stamp = _stamp(chunk_args, [])
    for i, chunk in enumerate(chunks):
        if is_part(chunk):
            page_blocks.extend(chunk)
            continue
        mark = f"<!--na-chunk-{i}-->"
        page_blocks.append(pa.el("RawBlock", ["html", mark]))
        key = _key(stamp, chunk, _image_bytes(chunk, root))
        text = cache.get(key)
        if text is None:
            doc = {"pandoc-api-version": API, "meta": {}, "blocks": chunk}
            text = pa.run_pandoc(chunk_args, json.dumps(doc), what=f"{root}: writing HTML", cwd=root).rstrip("\n")
            cache.put(key, text)
        fragments[mark] = text
    page = whole(page_blocks)
    return _fill(page, fragments) or whole(blocks)


def write_typst_chunked(chunks_blocks: list[list], whole: callable, chunk_args: list[str],
                        filters: list[Path], cache: ChunkCache, what: str) -> str:
    """The typst `whole(blocks)` writes, with each chunk (already split and marked) written by
    itself (`chunk_args`) or kept."""
    marks: list = []
    fragments: dict[str, str] = {}
    stamp = _stamp(chunk_args, filters)
    for i, chunk in enumerate(chunks_blocks):
        mark = f"// na-chunk-{i}-here"
        marks.append(pa.el("RawBlock", ["typst", mark]))
        key = _key(stamp, chunk)
        text = cache.get(key)
        if text is None:
            doc = {"pandoc-api-version": API, "meta": {}, "blocks": chunk + [pa.el("RawBlock", ["typst", _TYPST_END])]}
            out = pa.run_pandoc(chunk_args, json.dumps(doc), what=what)
            text = out[:out.rindex(_TYPST_END)]       # the chunk and the separator after its last block
            cache.put(key, text)
        body = text.rstrip("\n")
        separator = text[len(body):]
        # the page already has one line break after each placeholder; the last chunk is followed
        # by the template's own text
        fragments[mark] = body + (separator[:-1] if i < len(chunks_blocks) - 1 else "")
    page = whole(marks)
    return _fill(page, fragments) or whole([b for chunk in chunks_blocks for b in chunk])


def _fill(page: str, fragments: dict[str, str]) -> str | None:
    """Each placeholder replaced by its fragment, in one pass over the page (a fragment's own text
    is never searched); None if a placeholder is not there exactly once (then the caller writes
    the whole in one pass)."""
    if any(page.count(mark) != 1 for mark in fragments):
        return None
    pattern = re.compile("|".join(re.escape(mark) for mark in fragments))
    return pattern.sub(lambda m: fragments[m.group(0)], page) if fragments else page
