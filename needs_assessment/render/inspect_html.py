"""A tiny HTML tree for checking rendered pages in tests (the standard library's parser only).

    page = parse_html(text)
    page.find("main").find_all("figure")
    page.find("table", id="tbl-p3-districts").find("caption").text
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)   # Node or str
    parent: "Node | None" = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """All text inside, whitespace collapsed."""
        parts: list[str] = []

        def go(n):
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                elif c.tag not in ("script", "style"):
                    go(c)

        go(self)
        return " ".join("".join(parts).split())

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def _match(self, n: "Node", tag, cls, attrs) -> bool:
        if tag is not None and n.tag not in ((tag,) if isinstance(tag, str) else tuple(tag)):
            return False
        if cls is not None and cls not in n.classes:
            return False
        return all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())

    def find_all(self, tag=None, cls: str | None = None, **attrs) -> list["Node"]:
        return [n for n in self.iter() if self._match(n, tag, cls, attrs)]

    def find(self, tag=None, cls: str | None = None, **attrs) -> "Node | None":
        return next((n for n in self.iter() if self._match(n, tag, cls, attrs)), None)

    def ancestors(self):
        p = self.parent
        while p is not None:
            yield p
            p = p.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    b = _Builder()
    b.feed(text)
    b.close()
    return b.root
