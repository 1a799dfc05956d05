"""Reading a Quarto book project (_quarto.yml, _variables.yml) or a single Quarto document.

Only the keys the embedded renderer needs are read; everything else in _quarto.yml is left for
real Quarto. The result is a `Publication`: metadata for the title page, and the chapter files in
reading order with the part each belongs to and whether it is an appendix.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from needs_assessment.render.errors import RenderError

NA_KEY = "needs-assessment"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Part:
    number: int
    title: str
    file: Path | None = None  # a part may be a .md file whose text is the part page


@dataclass
class Entry:
    path: Path                 # absolute path of the chapter source
    rel: str                   # path relative to the project root, posix
    part: Part | None = None
    appendix: bool = False


@dataclass
class Publication:
    kind: str                  # "book" or "document"
    root: Path
    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    date: str = ""             # as shown: "28 June 2024"
    date_iso: str = ""         # "2024-06-28" when the date is an ISO date
    lang: str = "en-GB"
    keywords: list[str] = field(default_factory=list)
    na: dict[str, Any] = field(default_factory=dict)   # the needs-assessment: mapping
    entries: list[Entry] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    number_sections: bool = True
    toc: bool = True
    toc_depth: int = 3
    variables: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # for {{< meta >}}
    appendix_title: str = "Appendix"
    document_body: str | None = None   # a document's markdown after its front matter

    @property
    def author(self) -> str:
        return "; ".join(self.authors)

    @property
    def demonstration(self) -> bool:
        return bool(self.na.get("demonstration"))

    @property
    def protective_marking(self) -> str | None:
        value = self.na.get("protective-marking")
        return str(value) if value else None

    @property
    def downloads(self) -> list[dict[str, str]]:
        out = []
        for item in self.na.get("downloads") or []:
            if isinstance(item, dict) and item.get("href"):
                out.append({"label": str(item.get("label") or item["href"]), "href": str(item["href"])})
        return out


def _read_yaml(path: Path) -> dict:
    try:
        # libyaml's parser when PyYAML has it (the same results, several times faster on a
        # book's _variables.yml, which preview reads after every save)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RenderError(f"{path}: expected a mapping at the top level")
    return data


def format_date(value: Any) -> tuple[str, str]:
    """(display, iso) for a date value: ISO dates become '28 June 2024' (GOV.UK style)."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return f"{value.day} {value:%B %Y}", value.isoformat()
    text = str(value).strip()
    if text in ("today", "now", "last-modified"):
        d = _dt.date.today()
        return f"{d.day} {d:%B %Y}", d.isoformat()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        d = _dt.date.fromisoformat(text)
        return f"{d.day} {d:%B %Y}", d.isoformat()
    return text, ""


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    out = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, dict):
                name = name.get("literal") or " ".join(str(v) for v in name.values())
            if name:
                out.append(str(name))
        elif item is not None:
            out.append(str(item))
    return out


def _format_option(config: dict, key: str, default: Any) -> Any:
    """A format option: top-level key, else format.html.key, else the typst format's key (the
    house extension's needs-assessment-typst, or plain typst)."""
    if key in config:
        return config[key]
    fmt = config.get("format")
    if isinstance(fmt, dict):
        for name in ("html", "needs-assessment-typst", "typst"):
            sub = fmt.get(name)
            if isinstance(sub, dict) and key in sub:
                return sub[key]
    return default


def _fill_common(pub: Publication, meta: dict, config: dict) -> None:
    pub.title = str(meta.get("title") or "")
    pub.subtitle = str(meta.get("subtitle") or "")
    pub.authors = _authors(meta.get("author"))
    pub.date, pub.date_iso = format_date(meta.get("date"))
    pub.lang = str(config.get("lang") or meta.get("lang") or "en-GB")
    kw = meta.get("keywords") or config.get("keywords") or []
    pub.keywords = [str(k) for k in (kw if isinstance(kw, list) else [kw])]
    na = config.get(NA_KEY) or meta.get(NA_KEY) or {}
    if not isinstance(na, dict):
        raise RenderError(f"'{NA_KEY}' metadata must be a mapping, found {type(na).__name__}")
    pub.na = na
    if not pub.keywords:
        pub.keywords = [k for k in ("Police and Crime Plan", "needs assessment",
                                    str(na.get("area") or ""), str(na.get("cycle") or "")) if k]
    crossref = config.get("crossref") or {}
    if isinstance(crossref, dict) and crossref.get("appendix-title"):
        pub.appendix_title = str(crossref["appendix-title"])
    depth = _format_option(config, "toc-depth", 3)
    pub.toc_depth = int(depth) if str(depth).isdigit() else 3


def load_book(book_dir: Path) -> Publication:
    """Read book_dir/_quarto.yml (and _variables.yml) into a Publication."""
    book_dir = Path(book_dir)
    config_path = book_dir / "_quarto.yml"
    if not config_path.is_file():
        raise RenderError(f"{book_dir}: no _quarto.yml (is this a staged book folder?)")
    config = _read_yaml(config_path)
    book = config.get("book")
    if not isinstance(book, dict):
        raise RenderError(f"{config_path}: no 'book:' mapping (a Quarto book project needs one)")
    pub = Publication(kind="book", root=book_dir)
    _fill_common(pub, book, config)
    pub.number_sections = bool(_format_option(config, "number-sections", True))
    pub.toc = bool(_format_option(config, "toc", True))
    variables_path = book_dir / "_variables.yml"
    pub.variables = _read_yaml(variables_path) if variables_path.is_file() else {}
    pub.metadata = {k: v for k, v in config.items() if k not in ("book", "project", "format")}
    pub.metadata.update({k: v for k, v in book.items() if k not in ("chapters", "appendices")})

    def add_file(item: Any, where: str, part: Part | None, appendix: bool) -> None:
        if not isinstance(item, str):
            raise RenderError(f"{config_path}: {where}: expected a file name, found {item!r}")
        path = book_dir / item
        if not path.is_file():
            raise RenderError(f"{config_path}: {where}: chapter file '{item}' not found in {book_dir}")
        pub.entries.append(Entry(path=path, rel=Path(item).as_posix(), part=part, appendix=appendix))

    for i, item in enumerate(book.get("chapters") or []):
        where = f"book.chapters[{i}]"
        if isinstance(item, dict) and "part" in item:
            title = str(item["part"])
            part_file = book_dir / title
            if title.endswith((".md", ".qmd")) and part_file.is_file():
                part = Part(len(pub.parts) + 1, _first_heading(part_file) or part_file.stem, part_file)
            else:
                part = Part(len(pub.parts) + 1, title)
            pub.parts.append(part)
            for j, sub in enumerate(item.get("chapters") or []):
                add_file(sub, f"{where}.chapters[{j}]", part, False)
        else:
            add_file(item, where, None, False)
    for i, item in enumerate(book.get("appendices") or []):
        add_file(item, f"book.appendices[{i}]", None, True)
    if not pub.entries:
        raise RenderError(f"{config_path}: book.chapters lists no chapter files")
    return pub


def _first_heading(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#\s+(.*?)\s*(\{.*\})?\s*$", line)
        if m:
            return m.group(1)
    return None


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """(front matter mapping, body, number of lines before the body)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text, 0
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{path}: the YAML front matter is not valid: {exc}") from exc
    if not isinstance(meta, dict):
        raise RenderError(f"{path}: the YAML front matter must be a mapping")
    return meta, text[m.end():], text[:m.end()].count("\n")


def load_document(document_path: Path) -> Publication:
    """Read a single Quarto document (.md with YAML front matter) into a Publication."""
    document_path = Path(document_path)
    if not document_path.is_file():
        raise RenderError(f"{document_path}: document not found")
    text = document_path.read_text(encoding="utf-8")
    meta, body, _ = split_front_matter(text, document_path)
    root = document_path.parent
    # A document inside a project also sees the project's _quarto.yml metadata and variables.
    config = {}
    if (root / "_quarto.yml").is_file():
        config = _read_yaml(root / "_quarto.yml")
    merged = {**{k: v for k, v in config.items() if k not in ("project", "book")}, **meta}
    pub = Publication(kind="document", root=root)
    _fill_common(pub, merged, merged)
    pub.number_sections = bool(_format_option(merged, "number-sections", False))
    pub.toc = bool(_format_option(merged, "toc", True))
    variables_path = root / "_variables.yml"
    pub.variables = _read_yaml(variables_path) if variables_path.is_file() else {}
    pub.metadata = merged
    pub.entries = [Entry(path=document_path, rel=document_path.name)]
    pub.document_body = body
    return pub
