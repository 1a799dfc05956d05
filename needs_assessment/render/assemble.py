"""Assemble a book (or a document) into one pandoc AST with Quarto's numbering and cross-references.

This is the format-independent half of the embedded renderer. It

1. resolves shortcodes in every source (shortcodes.py) and reads it with pandoc (raw HTML off);
2. numbers chapters (1, 2, ...; appendices A, B, ...), sections (3.1, 3.1.1), figures and tables
   by chapter (3.1), the way a Quarto 1.9 book numbers them;
3. turns callouts into a normal form (a title and a body), checks images and links;
4. resolves cross-references (@fig-x, @tbl-x, @sec-x) to links with Quarto's text
   ("Figure 3.1", "Table 3.1", "Section 3.2", "Chapter 3", "Appendix A"), and shows an
   unresolved one as Quarto does (**?@fig-x**) with a warning;
5. inserts part headings ("Part 1 Context", and "Appendices" before the first appendix).

The result is a *semantic* AST: headings carry their role as a class (part, chapter, appendix,
section) and their number as a `number` attribute; figures and tables carry `number`. The HTML
side (html.py) and the typst side (filters/typst.lua) turn that into their own markup.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from needs_assessment.render import pandoc_ast as pa
from needs_assessment.render.errors import RenderError
from needs_assessment.render.project import Entry, Publication
from needs_assessment.render.shortcodes import ShortcodeResolver

CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")
CALLOUT_TITLES = {"note": "Note", "tip": "Tip", "important": "Important",
                  "warning": "Warning", "caution": "Caution"}
REF_KINDS = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel", ""}
_ID_OK = re.compile(r"[^A-Za-z0-9_.:-]+")
NBSP = "\u00a0"
FILE_LINK = "na-file:"


@dataclass
class Target:
    id: str
    kind: str            # fig, tbl, sec, chapter, appendix, part
    number: str          # "3.1", "A", "" when unnumbered
    title: str           # plain text (for unnumbered sections and the TOC)
    source: str          # file it came from

    @property
    def label(self) -> str:
        """What a cross-reference to it says."""
        if not self.number:
            return self.title
        word = {"fig": "Figure", "tbl": "Table", "sec": "Section", "chapter": "Chapter",
                "appendix": "Appendix", "part": "Part"}[self.kind]
        return f"{word}{NBSP}{self.number}"


@dataclass
class TocEntry:
    level: int           # output level: 1 = part or a chapter outside parts
    id: str
    number: str          # as shown in the TOC ("3", "3.1", "Appendix A", "Part 1")
    title: str
    role: str            # part, chapter, appendix, section


@dataclass
class Assembly:
    pub: Publication
    blocks: list
    targets: dict[str, Target] = field(default_factory=dict)
    toc: list[TocEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (appendix lettering)."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = string.ascii_uppercase[r] + out
    return out


class ReadCache:
    """pandoc's reading of each source, kept by the hash of its text (shortcodes resolved), so that
    a render after one edit has pandoc read only the source that changed. In memory, and in
    `folder` when given (one JSON file per source, so it lasts from one build to the next;
    `prune` drops the entries the latest render did not use). The blocks are parsed afresh
    from the stored JSON on every read: the assembler changes them in place."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        self.memory: dict[str, str] = {}
        self.used: set[str] = set()

    @staticmethod
    def key(text: str) -> str:
        pandoc = pa.pandoc_path()
        stat = os.stat(pandoc)
        salt = f"{pandoc}:{stat.st_size}:{stat.st_mtime_ns}:{pa.READER_FORMAT}\n"
        return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()

    def has(self, key: str) -> bool:
        """Whether pandoc's reading of the text with this key is kept (no pandoc needed)."""
        return key in self.memory or (self.folder is not None and (self.folder / f"{key}.json").is_file())

    def raw(self, text: str, what: str) -> str:
        """pandoc's JSON for `text`, as kept or read now. Safe to call from several threads at
        once (the readings of different sources run side by side)."""
        key = self.key(text)
        self.used.add(key)
        raw = self.memory.get(key)
        if raw is None and self.folder is not None:
            try:
                raw = (self.folder / f"{key}.json").read_text(encoding="utf-8")
            except OSError:
                raw = None
        if raw is None:
            raw = pa.run_pandoc(["--from", pa.READER_FORMAT, "--to", "json"], text, what=what)
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
                tmp.write_text(raw, encoding="utf-8")
                tmp.replace(self.folder / f"{key}.json")
        self.memory[key] = raw
        return raw

    def read(self, text: str, what: str) -> dict:
        return json.loads(self.raw(text, what))

    def prune(self) -> None:
        """Forget what the latest render did not read (a chapter's earlier text)."""
        self.memory = {k: v for k, v in self.memory.items() if k in self.used}
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.json"):
                if path.stem not in self.used:
                    path.unlink(missing_ok=True)
        self.used = set()


class _Assembler:
    def __init__(self, pub: Publication, read_cache: ReadCache | None = None):
        self.pub = pub
        self.read_cache = read_cache
        self.targets: dict[str, Target] = {}
        self.toc: list[TocEntry] = []
        self.warnings: list[str] = []
        # Ids the page templates use themselves are taken from the start.
        self.used_ids: set[str] = {"main-content", "na-toc-details", "na-downloads-title",
                                   "footnotes", "TOC", "title-block-header"}
        self.file_ids: dict[str, str] = {}      # chapter file -> id of its first heading
        self.chapter_count = 0
        self.appendix_count = 0

    # ------------------------------------------------------------ reading

    def read_all(self) -> list[list]:
        texts = self.resolved_texts()
        read = self.read_cache.read if self.read_cache is not None else (
            lambda text, what: pa.read_markdown(text, what=what))
        with ThreadPoolExecutor(max_workers=4) as pool:
            docs = list(pool.map(lambda pair: read(pair[0], pair[1].rel), zip(texts, self.pub.entries)))
        return [d["blocks"] for d in docs]

    def resolved_texts(self) -> list[str]:
        """Each source's text with its shortcodes resolved (includes, variables), as pandoc reads it."""
        pub = self.pub
        resolver = ShortcodeResolver(pub.variables, pub.metadata, root=pub.root)
        texts = []
        for entry in pub.entries:
            if pub.kind == "document" and pub.document_body is not None:
                # Keep line numbers as in the file: blank lines stand in for the front matter.
                full = entry.path.read_text(encoding="utf-8")
                n_front = full.count("\n") - pub.document_body.count("\n")
                texts.append(resolver.resolve_text("\n" * n_front + pub.document_body, entry.path))
            else:
                texts.append(resolver.resolve_file(entry.path))
        return texts

    # ------------------------------------------------------------ ids

    def unique_id(self, ident: str, source: str, crossref: bool = False) -> str:
        clean = _ID_OK.sub("-", ident).strip("-") or "id"
        if clean != ident and crossref:
            self.warnings.append(f"{source}: identifier '{ident}' has characters a label cannot "
                                 f"hold; using '{clean}'")
        if clean in self.used_ids:
            if crossref:
                self.warnings.append(f"{source}: identifier '#{clean}' is used twice; "
                                     f"cross-references go to the first")
            n = 2
            while f"{clean}-{n}" in self.used_ids:
                n += 1
            clean = f"{clean}-{n}"
        self.used_ids.add(clean)
        return clean

    # ------------------------------------------------------------ per chapter

    def process_entry(self, entry: Entry, blocks: list, base_level: int) -> list:
        """Number one chapter (or the document) and normalise it. base_level: output level of
        the chapter heading (1 outside parts, 2 inside a part)."""
        src = entry.rel
        blocks = self.fix_links_and_images(blocks, entry)
        blocks = self.normalise_callouts(blocks, src)
        is_document = self.pub.kind == "document"

        chapter_number = ""
        chapter_prefix = ""
        chapter_unnumbered = False
        if not is_document:
            first = next((b for b in blocks if b["t"] == "Header"), None)
            if first is None or first["c"][0] != 1:
                self.warnings.append(f"{src}: a chapter should start with a level-1 heading "
                                     f"(# Title); using the file name")
                blocks = [pa.header(1, pa.text_inlines(Path(src).stem))] + blocks
                first = blocks[0]
            a = first["c"][1]
            chapter_unnumbered = "unnumbered" in a[1] or not self.pub.number_sections
            if not chapter_unnumbered:
                if entry.appendix:
                    self.appendix_count += 1
                    chapter_number = letters(self.appendix_count)
                else:
                    self.chapter_count += 1
                    chapter_number = str(self.chapter_count)
                chapter_prefix = chapter_number + "."

        counters = [0] * 8
        fig_n = tbl_n = 0
        seen_chapter = False

        def number_header(h: pa.Element, inside_callout: bool) -> None:
            nonlocal seen_chapter
            level, a, inlines = h["c"]
            title = pa.stringify(inlines)
            crossref = a[0].startswith("sec-")
            if a[0]:
                a[0] = self.unique_id(a[0], src, crossref)
            else:
                a[0] = self.unique_id(_slug(title), src)
            if inside_callout:
                a[1] = [c for c in a[1] if c not in ("chapter", "section")] + ["unnumbered", "unlisted", "callout-heading"]
                h["c"][0] = min(6, base_level + level)
                return
            if not is_document and level == 1 and not seen_chapter:
                seen_chapter = True
                role = "appendix" if entry.appendix else "chapter"
                number = "" if chapter_unnumbered else chapter_number
                out_level = base_level
                a[1] = [c for c in a[1] if c != role] + [role]
                if number:
                    pa.kv_set(a, "number", number)
                else:
                    if "unnumbered" not in a[1]:
                        a[1].append("unnumbered")
                self.register(Target(a[0], role, number, title, src))
                shown = f"{self.pub.appendix_title} {number}" if (number and entry.appendix) else number
                self.toc.append(TocEntry(out_level, a[0], shown, title, role))
                h["c"][0] = out_level
                return
            if not is_document and level == 1:
                self.warnings.append(f"{src}: only the chapter title should be a level-1 heading; "
                                     f"'{title}' is treated as a level-2 heading")
                level = 2
            # sections
            depth = level - 1 if not is_document else level     # 1 = first section level
            out_level = min(6, base_level + depth) if not is_document else min(6, level)
            number = ""
            unnumbered = "unnumbered" in a[1] or not self.pub.number_sections or (
                chapter_unnumbered and not is_document)
            if not unnumbered:
                idx = depth - 1
                counters[idx] += 1
                for j in range(idx + 1, len(counters)):
                    counters[j] = 0
                parts = [str(c) for c in counters[: idx + 1]]
                # A section under an unnumbered parent still gets a number (0 stands in).
                number = chapter_prefix + ".".join(parts)
                pa.kv_set(a, "number", number)
            elif "unnumbered" not in a[1]:
                a[1].append("unnumbered")
            if "section" not in a[1]:
                a[1].append("section")
            a[1].append(f"depth-{depth}")
            self.register(Target(a[0], "sec", number, title, src))
            toc_depth = self.pub.toc_depth
            if depth + (0 if is_document else 1) <= toc_depth and "unlisted" not in a[1]:
                self.toc.append(TocEntry(out_level, a[0], number, title, "section"))
            elif "unlisted" not in a[1]:
                a[1].append("unlisted")
            h["c"][0] = out_level

        def visit(node: list, inside_callout: bool) -> None:
            nonlocal fig_n, tbl_n
            for b in node:
                if not isinstance(b, dict) or "t" not in b:
                    continue
                t = b["t"]
                if t == "Header":
                    number_header(b, inside_callout)
                elif t == "Figure":
                    a = b["c"][0]
                    if a[0]:
                        crossref = a[0].startswith("fig-")
                        a[0] = self.unique_id(a[0], src, crossref)
                        if crossref:
                            fig_n += 1
                            number = f"{chapter_prefix}{fig_n}"
                            pa.kv_set(a, "number", number)
                            self.register(Target(a[0], "fig", number, pa.stringify(b["c"][1]), src))
                    self.check_alt(b, src)
                    visit(b["c"][2], inside_callout)
                elif t == "Table":
                    a = b["c"][0]
                    _default_equal_widths(b)
                    if a[0]:
                        crossref = a[0].startswith("tbl-")
                        a[0] = self.unique_id(a[0], src, crossref)
                        if crossref:
                            tbl_n += 1
                            number = f"{chapter_prefix}{tbl_n}"
                            pa.kv_set(a, "number", number)
                            self.register(Target(a[0], "tbl", number, pa.stringify(b["c"][1]), src))
                elif t == "Div":
                    a = b["c"][0]
                    if a[0]:
                        a[0] = self.unique_id(a[0], src)
                    visit(b["c"][1], inside_callout or "callout" in a[1])
                elif t == "BlockQuote":
                    visit(b["c"], inside_callout)
                elif t in ("BulletList", "OrderedList"):
                    items = b["c"] if t == "BulletList" else b["c"][1]
                    for item in items:
                        visit(item, inside_callout)
                # spans, links etc. keep their ids (rare in chapters)

        visit(blocks, False)
        for e in pa.iter_elements(blocks):          # spans, divs... can be link targets too
            a = pa.get_attr(e)
            if a and a[0]:
                self.used_ids.add(a[0])
        first_id = next((b["c"][1][0] for b in blocks if b["t"] == "Header"), None)
        if first_id:
            self.file_ids[entry.rel] = first_id
        return blocks

    def register(self, target: Target) -> None:
        if target.id not in self.targets:
            self.targets[target.id] = target

    def check_alt(self, figure: pa.Element, src: str) -> None:
        for e in pa.iter_elements(figure["c"][2]):
            if e["t"] == "Image":
                alt = pa.kv_get(e["c"][0], "fig-alt")
                if not alt and not pa.stringify(e["c"][1]):
                    self.warnings.append(f"{src}: figure '{figure['c'][0][0] or e['c'][2][0]}' has no "
                                         f"alt text (add fig-alt=\"...\")")

    # ------------------------------------------------------------ links and images

    def fix_links_and_images(self, blocks: list, entry: Entry) -> list:
        src = entry.rel
        root = self.pub.root.resolve()
        base = entry.path.parent

        def fix(e: pa.Element):
            t = e["t"]
            if t == "Image":
                a, desc, (url, title) = e["c"]
                parsed = urlparse(url)
                if parsed.scheme or url.startswith("//"):
                    self.warnings.append(f"{src}: image '{url}' is not a local file; shown as its "
                                         f"alt text (a publication must not load remote content)")
                    return pa.span(desc or pa.text_inlines(pa.kv_get(a, "fig-alt") or url), ["missing-image"])
                path = (base / unquote(parsed.path)).resolve()
                try:
                    rel = path.relative_to(root)
                except ValueError:
                    raise RenderError(f"{src}: image '{url}' is outside the project folder") from None
                if not path.is_file():
                    raise RenderError(f"{src}: image '{url}' not found (looked for {rel.as_posix()})")
                return pa.el("Image", [a, pa.walk(desc, fix), [PurePosixPath(*rel.parts).as_posix(), title]])
            if t == "Link":
                a, inlines, (url, title) = e["c"]
                parsed = urlparse(url)
                if not parsed.scheme and not parsed.netloc and parsed.path.endswith((".md", ".qmd")):
                    # A link to another chapter: in one page it is a link to that chapter's
                    # heading (or to the #fragment it names).
                    if parsed.fragment:
                        new_url = "#" + parsed.fragment
                    else:
                        target = (base / unquote(parsed.path)).resolve()
                        try:
                            new_url = "#" + FILE_LINK + target.relative_to(root).as_posix()
                        except ValueError:
                            new_url = url
                    return pa.el("Link", [a, pa.walk(inlines, fix), [new_url, title]])
                folder = base.resolve()
                if (not parsed.scheme and not parsed.netloc and parsed.path
                        and not parsed.path.startswith("/") and folder != root
                        and folder.is_relative_to(root)):
                    # A link to a file, written relative to its chapter (as Quarto reads it): in
                    # the one page at the top of the project it is relative to the top.
                    target = posixpath.normpath(posixpath.join(folder.relative_to(root).as_posix(),
                                                               unquote(parsed.path)))
                    if not target.startswith(".."):
                        new_url = target + ("?" + parsed.query if parsed.query else "") + \
                            ("#" + parsed.fragment if parsed.fragment else "")
                        return pa.el("Link", [a, pa.walk(inlines, fix), [new_url, title]])
                if parsed.scheme.lower() not in SAFE_SCHEMES:
                    self.warnings.append(f"{src}: link to '{url}' removed (only http, https and "
                                         f"mailto links are allowed); its text is kept")
                    return pa.span(pa.walk(inlines, fix))
                return None
            return None

        return pa.walk(blocks, fix)

    # ------------------------------------------------------------ callouts

    def normalise_callouts(self, blocks: list, src: str) -> list:
        def fix(e: pa.Element):
            if e["t"] != "Div":
                return None
            a, content = e["c"]
            kind = next((c[len("callout-"):] for c in a[1]
                         if c.startswith("callout-") and c[len("callout-"):] in CALLOUT_KINDS), None)
            if kind is None:
                if "callout" in a[1]:
                    kind = "note"
                else:
                    return None
            content = pa.walk(content, fix)
            title_text = pa.kv_get(a, "title")
            if title_text:
                title = pa.text_inlines(title_text)
            elif content and content[0]["t"] == "Header":
                title = content[0]["c"][2]
                content = content[1:]
            else:
                title = pa.text_inlines(CALLOUT_TITLES[kind])
            classes = ["callout", f"callout-{kind}"] + [
                c for c in a[1] if c not in ("callout", f"callout-{kind}")]
            kv = [p for p in a[2] if p[0] not in ("title", "collapse", "appearance", "icon")]
            kv.append(["kind", kind])
            return pa.div([pa.div([pa.plain(title)], ["callout-title"]),
                           pa.div(content, ["callout-body"])], classes, a[0], kv)

        return pa.walk(blocks, fix)

    # ------------------------------------------------------------ cross-references

    def resolve_refs(self, blocks: list, src: str) -> list:
        """Cross-references and internal links in one source's blocks (after all are numbered)."""
        targets = self.targets

        def fix(e: pa.Element):
            if e["t"] == "Link":
                url = e["c"][2][0]
                if url.startswith("#" + FILE_LINK):
                    rel = url[1 + len(FILE_LINK):]
                    if rel in self.file_ids:
                        e["c"][2][0] = url = "#" + self.file_ids[rel]
                if url.startswith("#") and url[1:] not in self.used_ids:
                    clean = _ID_OK.sub("-", url[1:]).strip("-")
                    if clean in self.used_ids:
                        e["c"][2][0] = "#" + clean
                        return None
                    self.warnings.append(f"{src}: link to '{url}' goes nowhere (no such identifier); "
                                         f"its text is kept")
                    return pa.span(e["c"][1])
                return None
            if e["t"] != "Cite":
                return None
            citations, original = e["c"]
            kinds = [c["citationId"].split("-", 1)[0].lower() for c in citations]
            if not all(k in REF_KINDS for k in kinds):
                ids = ", ".join("@" + c["citationId"] for c in citations)
                self.warnings.append(f"{src}: {ids}: citations are not supported (no bibliography); "
                                     f"shown as written")
                return pa.span(original, ["citation-unresolved"])
            out: list = []
            for i, c in enumerate(citations):
                cid = c["citationId"]
                key = cid[0].lower() + cid[1:]
                if i:
                    out += [pa.el("Str", ","), pa.el("Space")] if i < len(citations) - 1 else \
                        [pa.el("Space"), pa.el("Str", "and"), pa.el("Space")]
                if c["citationPrefix"]:
                    out += c["citationPrefix"] + [pa.el("Space")]
                target = targets.get(key)
                ok = target is not None and (
                    target.kind == kinds[i] or (kinds[i] == "sec" and target.kind in ("chapter", "appendix", "part")))
                if not ok:
                    self.warnings.append(f"{src}: unresolved cross-reference @{cid}: no figure, table or "
                                         f"section has the identifier #{key}")
                    out.append(pa.el("Strong", [pa.el("Str", f"?@{cid}")]))
                else:
                    suppress = c["citationMode"]["t"] == "SuppressAuthor"
                    text = target.number if (suppress and target.number) else target.label
                    out.append(pa.link([pa.el("Str", text)], "#" + target.id, ["quarto-xref"]))
                if c["citationSuffix"]:
                    suffix = c["citationSuffix"]
                    out += suffix if suffix[0]["t"] != "Str" or suffix[0]["c"][:1] in ",.;:" else \
                        [pa.el("Space")] + suffix
            return pa.span(out, ["xref"]) if len(out) != 1 else out[0]

        return pa.walk(blocks, fix)

    # ------------------------------------------------------------ whole book

    def part_header(self, part_number: int | None, title: str, ident: str) -> pa.Element:
        a_id = self.unique_id(ident, "_quarto.yml")
        number = "" if part_number is None else str(part_number)
        kv = [["number", number]] if number else []
        classes = ["part"] + ([] if number else ["unnumbered"])
        self.register(Target(a_id, "part", number, title, "_quarto.yml"))
        self.toc.append(TocEntry(1, a_id, f"Part {number}" if number else "", title, "part"))
        return pa.header(1, pa.text_inlines(title), a_id, classes, kv)

    def run(self) -> Assembly:
        out: list = []
        for src, blocks in self.number_all():
            out.extend(self.resolve_refs(blocks, src))
        return Assembly(self.pub, out, self.targets, self.toc, self.warnings)

    def number_all(self) -> list[tuple[str, list]]:
        """Every source read and numbered, in reading order, as (source, blocks); part headings
        are chunks of their own. Cross-references are resolved afterwards (resolve_refs), once
        every target is known."""
        pub = self.pub
        all_blocks = self.read_all()
        chunks: list[tuple[str, list]] = []     # (source, blocks), refs resolved at the end
        if pub.kind == "document":
            chunks.append((pub.entries[0].rel, self.process_entry(pub.entries[0], all_blocks[0], 0)))
        else:
            has_parts = bool(pub.parts) or any(e.appendix for e in pub.entries)
            current_part = None
            in_appendices = False
            for entry, blocks in zip(pub.entries, all_blocks):
                if entry.appendix and not in_appendices:
                    in_appendices = True
                    chunks.append(("_quarto.yml", [self.part_header(None, "Appendices", "appendices")]))
                elif entry.part is not None and entry.part is not current_part:
                    current_part = entry.part
                    part_blocks = [self.part_header(entry.part.number, entry.part.title,
                                                    f"part-{entry.part.number}")]
                    if entry.part.file is not None:
                        part_blocks.extend(self.part_page_body(entry.part))
                    chunks.append(("_quarto.yml", part_blocks))
                elif entry.part is None and not entry.appendix:
                    current_part = None
                in_part = entry.appendix or entry.part is not None
                base_level = 2 if (has_parts and in_part) else 1
                chunks.append((entry.rel, self.process_entry(entry, blocks, base_level)))
        return chunks

    def part_page_body(self, part) -> list:
        resolver = ShortcodeResolver(self.pub.variables, self.pub.metadata, root=self.pub.root)
        text = resolver.resolve_file(part.file)
        blocks = (self.read_cache.read(text, str(part.file)) if self.read_cache is not None else
                  pa.read_markdown(text, what=str(part.file)))["blocks"]
        return [b for b in blocks if not (b["t"] == "Header" and b["c"][0] == 1)]


def _default_equal_widths(table: pa.Element) -> None:
    """Pandoc gives every column of a wide pipe table the same relative width when the dashes are
    the same length; that is not a choice the author made, so let the browser / typst size them."""
    specs = table["c"][2]
    widths = [w.get("c") for _, w in specs if w.get("t") == "ColWidth"]
    if len(widths) == len(specs) and len({round(w, 3) for w in widths}) == 1:
        table["c"][2] = [[align, {"t": "ColWidthDefault"}] for align, _ in specs]


def _slug(text: str) -> str:
    s = re.sub(r"[^\w\s-]", "", text.lower())
    s = re.sub(r"[\s_]+", "-", s).strip("-")
    s = re.sub(r"[^a-z0-9-]", "", s)
    return s or "section"


def assemble(pub: Publication, read_cache: ReadCache | None = None) -> Assembly:
    """Number and cross-reference a publication; see the module docstring. With `read_cache`,
    pandoc reads only the sources whose text is not in it."""
    return _Assembler(pub, read_cache).run()
