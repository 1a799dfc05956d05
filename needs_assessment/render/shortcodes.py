"""Quarto shortcodes, resolved on the source text before pandoc reads it.

Supported, as Quarto 1.9 does them:

* ``{{< include path.md >}}`` on a line of its own: the file's text (shortcodes in it resolved too,
  recursively), path relative to the including file. Like Quarto, the included text is treated as
  if it were typed into the including file.
* ``{{< var key.sub >}}``: a value from ``_variables.yml`` (anywhere on a line).
* ``{{< meta key.sub >}}``: a value from the project/document metadata.
* ``{{< pagebreak >}}``: a page break in the PDF (nothing in HTML).
* ``{{{< var x >}}}``: an escaped shortcode, written out literally as ``{{< var x >}}``.

An unknown variable, meta key, shortcode or include file raises ShortcodeError naming the file,
the line and (for names) the closest known names: the renderer never prints nothing silently.
"""

from __future__ import annotations

import difflib
import re
import shlex
from pathlib import Path
from typing import Any, Mapping

from needs_assessment.render.errors import ShortcodeError
from needs_assessment.common.mappings import lookup


_ESCAPED = re.compile(r"\{\{\{<(.*?)>\}\}\}")
_SHORTCODE = re.compile(r"\{\{<\s*(.*?)\s*>\}\}")
_INCLUDE_LINE = re.compile(r"^\s*\{\{<\s*include\s+(.+?)\s*>\}\}\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ESC_OPEN, _ESC_CLOSE = "\x00NA_ESC_OPEN\x00", "\x00NA_ESC_CLOSE\x00"

# What {{< pagebreak >}} becomes: an empty fenced div the renderer turns into a page break.
PAGEBREAK_MARKUP = "::: {.na-pagebreak}\n:::"


def flatten_keys(mapping: Mapping[str, Any], prefix: str = "") -> list[str]:
    """All dotted names in a nested mapping, e.g. ['area', 'area.name', 'area.force']."""
    keys: list[str] = []
    for k, v in mapping.items():
        name = f"{prefix}{k}"
        keys.append(name)
        if isinstance(v, Mapping):
            keys.extend(flatten_keys(v, name + "."))
    return keys


def closest_names(name: str, known: list[str], n: int = 3) -> list[str]:
    close = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    if not close:
        # Fall back on names sharing the first part (area.nam -> area.name, area.force ...).
        head = name.split(".")[0]
        close = [k for k in known if k.split(".")[0] == head][:n]
    return close


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ShortcodeResolver:
    """Resolves shortcodes in source files. One resolver per render (it caches nothing)."""

    def __init__(self, variables: Mapping[str, Any] | None = None,
                 metadata: Mapping[str, Any] | None = None, *,
                 root: Path | None = None, variables_file: str = "_variables.yml"):
        self.variables = dict(variables or {})
        self.metadata = dict(metadata or {})
        self.root = root
        self.variables_file = variables_file

    # -- public

    def resolve_file(self, path: Path) -> str:
        """The text of `path` with every shortcode resolved (includes expanded recursively)."""
        path = Path(path)
        return self._resolve(path, path.read_text(encoding="utf-8"), stack=(path.resolve(),))

    def resolve_text(self, text: str, path: Path) -> str:
        """Like resolve_file for text already read from `path` (used for front-matter documents)."""
        return self._resolve(Path(path), text, stack=(Path(path).resolve(),))

    # -- internals

    def _display(self, path: Path) -> str:
        if self.root is not None:
            try:
                return Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
            except ValueError:
                pass
        return str(path)

    def _resolve(self, path: Path, text: str, stack: tuple[Path, ...]) -> str:
        out: list[str] = []
        fence: str | None = None
        for lineno, line in enumerate(text.splitlines(), start=1):
            # Inside fenced code blocks only var and meta are resolved; an include or pagebreak
            # there is left as written.
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker
                elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker):].strip():
                    fence = None
            inc = _INCLUDE_LINE.match(line)
            if inc and fence is None:
                out.append(self._include(path, lineno, inc.group(1), stack))
                continue
            out.append(self._inline(path, lineno, line, in_fence=fence is not None))
        result = "\n".join(out)
        if text.endswith("\n"):
            result += "\n"
        return result

    def _include(self, path: Path, lineno: int, arg: str, stack: tuple[Path, ...]) -> str:
        try:
            parts = shlex.split(arg)
        except ValueError:
            parts = [arg]
        if len(parts) != 1:
            raise ShortcodeError(self._display(path), lineno,
                                 f"include takes one file name, found {{{{< include {arg} >}}}}")
        target = (path.parent / parts[0])
        if not target.is_file():
            raise ShortcodeError(self._display(path), lineno,
                                 f"included file '{parts[0]}' not found (looked for {self._display(target)})")
        resolved = target.resolve()
        if resolved in stack:
            chain = " -> ".join(self._display(p) for p in (*stack, resolved))
            raise ShortcodeError(self._display(path), lineno, f"include loop: {chain}")
        body = self._resolve(target, target.read_text(encoding="utf-8"), stack=(*stack, resolved))
        # Blank lines around the included text keep it block-level, as in Quarto.
        return "\n" + body.strip("\n") + "\n"

    def _inline(self, path: Path, lineno: int, line: str, in_fence: bool = False) -> str:
        if "{{" not in line:
            return line
        line = _ESCAPED.sub(lambda m: _ESC_OPEN + m.group(1) + _ESC_CLOSE, line)

        def replace(m: re.Match) -> str:
            if in_fence and m.group(1).split()[:1] not in (["var"], ["meta"]):
                return m.group(0)      # inside a code block only values are filled in
            return self._shortcode(path, lineno, m.group(1))

        line = _SHORTCODE.sub(replace, line)
        return line.replace(_ESC_OPEN, "{{<").replace(_ESC_CLOSE, ">}}")

    def _shortcode(self, path: Path, lineno: int, body: str) -> str:
        try:
            parts = shlex.split(body)
        except ValueError:
            parts = body.split()
        if not parts:
            raise ShortcodeError(self._display(path), lineno, "empty shortcode {{< >}}")
        name, args = parts[0], parts[1:]
        where = self._display(path)
        if name == "var":
            return self._lookup(where, lineno, "variable", self.variables, args,
                                f"{self.variables_file}")
        if name == "meta":
            return self._lookup(where, lineno, "metadata key", self.metadata, args, "the metadata")
        if name == "pagebreak":
            return "\n\n" + PAGEBREAK_MARKUP + "\n\n"
        if name == "include":
            raise ShortcodeError(where, lineno,
                                 "{{< include >}} must be on a line of its own (it is block-level)")
        raise ShortcodeError(where, lineno,
                             f"unknown shortcode '{name}' (this renderer supports include, var, "
                             f"meta and pagebreak)")

    def _lookup(self, where: str, lineno: int, kind: str, mapping: Mapping[str, Any],
                args: list[str], source: str) -> str:
        if len(args) != 1:
            raise ShortcodeError(where, lineno, f"a {kind} shortcode takes one name, found {args!r}")
        key = args[0]
        found, value = lookup(mapping, key)
        if not found:
            known = flatten_keys(mapping)
            close = closest_names(key, known)
            hint = ("; closest known: " + ", ".join(close)) if close else (
                "; known names: " + (", ".join(known[:10]) if known else f"none ({source} is empty)"))
            raise ShortcodeError(where, lineno, f"unknown {kind} '{key}' (not in {source}){hint}")
        if isinstance(value, (Mapping, list)) or value is None:
            raise ShortcodeError(where, lineno,
                                 f"{kind} '{key}' is {'empty' if value is None else 'not a single value'}; "
                                 f"name one of its entries")
        return _format_value(value)
