"""Small helpers for pandoc's JSON AST, and the one place that runs the pandoc binary.

The embedded renderer reads every source with pandoc into its JSON AST, edits the AST in Python
(numbering, cross-references, callouts) and hands it back to pandoc to write HTML or typst.
Only the bits of the AST the renderer touches have helpers here.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from needs_assessment.render.errors import RenderError

# Pandoc's markdown as Quarto reads it, less everything that lets raw markup through: recommendation
# text is written by reviewers, so `<script>`, raw TeX and ```{=html} blocks must show as text.
# (pipe_tables, fenced_divs, bracketed_spans, implicit_figures, link_attributes, citations,
# table_captions, header_attributes, footnotes, smart... are all on in pandoc's `markdown`.)
READER_FORMAT = (
    "markdown"
    "-raw_html-raw_tex-raw_attribute-markdown_in_html_blocks-native_divs-native_spans"
    "+pipe_tables+fenced_divs+bracketed_spans+implicit_figures+link_attributes+citations"
    "+table_captions+header_attributes+footnotes+smart"
)

Element = dict[str, Any]


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError as exc:  # pragma: no cover - pinned dependency
        raise RenderError("pypandoc-binary is not installed: run `make setup`") from exc
    return pypandoc.get_pandoc_path()


def pandoc_workers() -> int:
    """How many pandoc processes to run at once: one per core this process may use (pandoc runs
    outside Python's lock, so threads are enough to keep every core busy)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_pandoc(args: list[str], input_text: str | None = None, *, what: str,
               cwd: Path | None = None, binary: bool = False):
    """Run pandoc; raise RenderError naming `what` (a file or a stage) with pandoc's own message.
    Returns its output as text, or as bytes when `binary` (a data file such as reference.docx)."""
    try:
        if binary:
            proc = subprocess.run([pandoc_path(), *args], capture_output=True, cwd=cwd)
        else:
            proc = subprocess.run([pandoc_path(), *args], input=input_text, capture_output=True,
                                  text=True, encoding="utf-8", cwd=cwd)
    except OSError as exc:
        raise RenderError(f"{what}: could not run pandoc ({exc})") from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace") if binary else proc.stderr
        raise RenderError(f"{what}: pandoc failed (exit {proc.returncode}):\n{stderr.strip()}")
    return proc.stdout


def read_markdown(text: str, *, what: str) -> dict:
    """Markdown text -> pandoc JSON document (dict with 'blocks' and 'meta')."""
    out = run_pandoc(["--from", READER_FORMAT, "--to", "json"], text, what=what)
    return json.loads(out)


# ---------------------------------------------------------------- constructors


def el(t: str, c: Any = None) -> Element:
    return {"t": t} if c is None else {"t": t, "c": c}


def attr(ident: str = "", classes: list[str] | None = None,
         kv: list[tuple[str, str]] | dict[str, str] | None = None) -> list:
    if isinstance(kv, dict):
        kv = list(kv.items())
    return [ident, list(classes or []), [list(p) for p in (kv or [])]]


def text_inlines(text: str) -> list[Element]:
    """Plain text -> Str/Space inlines (no markdown interpretation)."""
    out: list[Element] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append(el("Space"))
        if word:
            out.append(el("Str", word))
    return out


def span(inlines: list[Element], classes: list[str] | None = None, ident: str = "",
         kv: list | None = None) -> Element:
    return el("Span", [attr(ident, classes, kv), inlines])


def div(blocks: list[Element], classes: list[str] | None = None, ident: str = "",
        kv: list | dict | None = None) -> Element:
    return el("Div", [attr(ident, classes, kv), blocks])


def link(inlines: list[Element], target: str, classes: list[str] | None = None) -> Element:
    return el("Link", [attr("", classes), inlines, [target, ""]])


def plain(inlines: list[Element]) -> Element:
    return el("Plain", inlines)


def header(level: int, inlines: list[Element], ident: str = "", classes: list[str] | None = None,
           kv: list | dict | None = None) -> Element:
    return el("Header", [level, attr(ident, classes, kv), inlines])


# ---------------------------------------------------------------- attributes


def get_attr(element: Element) -> list | None:
    """The Attr of an element that has one (Header, Div, Span, Figure, Table, Image, Link, Code...)."""
    t, c = element.get("t"), element.get("c")
    if t == "Header":
        return c[1]
    if t in ("Div", "Span", "Figure", "Table", "CodeBlock", "Code", "Image", "Link"):
        return c[0]
    return None


def kv_get(a: list, key: str, default: str | None = None) -> str | None:
    for k, v in a[2]:
        if k == key:
            return v
    return default


def kv_set(a: list, key: str, value: str | None) -> None:
    a[2] = [p for p in a[2] if p[0] != key]
    if value is not None:
        a[2].append([key, value])


# ---------------------------------------------------------------- traversal


def walk(node: Any, fn: Callable[[Element], Any]) -> Any:
    """Rebuild `node` bottom-up-free, top-down: `fn(element)` is called on every element (a dict
    with "t") inside lists. It returns None to keep the element (and walk into it), a dict to replace
    it, or a list to splice in its place (replacements are not walked again)."""
    if isinstance(node, list):
        return _walk_list(node, fn)
    if isinstance(node, dict):
        if "t" in node:
            return _walk_children(node, fn)
        return {k: walk(v, fn) for k, v in node.items()}
    return node


def _walk_list(items: list, fn) -> list:
    # walk() for a list, with its items' cases inline: a book's walks visit hundreds of thousands
    # of nodes, and a call per string or number was most of their time
    out: list = []
    append = out.append
    for item in items:
        if isinstance(item, dict):
            if "t" in item:
                result = fn(item)
                if result is None:
                    append(_walk_children(item, fn))
                elif isinstance(result, list):
                    out.extend(result)
                else:
                    append(result)
            else:
                append({k: walk(v, fn) for k, v in item.items()})
        elif isinstance(item, list):
            append(_walk_list(item, fn))
        else:
            append(item)
    return out


def _walk_children(element: Element, fn) -> Element:
    if "c" not in element:
        return element
    c = element["c"]
    return {"t": element["t"], "c": _walk_list(c, fn) if isinstance(c, list) else walk(c, fn)}


def iter_elements(node: Any):
    """Every element (dict with "t") inside node, depth first, document order."""
    # a stack of what is still to visit, not nested generators (each element passed up through
    # every level above it)
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, list):
            push([x for x in reversed(item) if isinstance(x, (list, dict))])
        elif isinstance(item, dict):
            if "t" in item:
                yield item
                if "c" in item:
                    stack.append(item["c"])
            else:
                push([v for v in reversed(list(item.values())) if isinstance(v, (list, dict))])


def stringify(node: Any) -> str:
    """Plain text of inlines/blocks, the way pandoc.utils.stringify does it (near enough)."""
    parts: list[str] = []

    def go(n: Any) -> None:
        if isinstance(n, list):
            for x in n:
                go(x)
            return
        if not isinstance(n, dict) or "t" not in n:
            return
        t, c = n["t"], n.get("c")
        if t == "Str":
            parts.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t in ("Code", "Math"):
            parts.append(c[1])
        elif t == "Quoted":
            q = "\u2018\u2019" if c[0]["t"] == "SingleQuote" else "\u201c\u201d"
            parts.append(q[0])
            go(c[1])
            parts.append(q[1])
        elif t in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps",
                   "Underline", "Plain", "Para"):
            go(c)
        elif t in ("Span", "Link", "Image"):
            go(c[1])
        elif t == "Cite":
            go(c[1])
        elif t == "Note":
            return
        elif t in ("Header",):
            go(c[2])
        elif t in ("Div",):
            go(c[1])
        elif isinstance(c, list):
            go(c)

    go(node)
    return " ".join("".join(parts).split())

