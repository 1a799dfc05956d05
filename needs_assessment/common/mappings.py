"""Dotted names (`area.name`) in nested mappings: how one resolves.

The renderer's `{{< var >}}` and `{{< meta >}}` and the check of the reviewers' live figures
look names up the same way.
"""

from __future__ import annotations

from typing import Any, Mapping


def lookup(mapping: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = mapping
    for part in dotted.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node
