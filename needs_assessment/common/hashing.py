"""Hashes: a data file's BLAKE3 (how the build identifies it) and the package code's (what invalidates caches).

BLAKE3 is a cryptographic hash, like SHA-256, and about twice as fast here (3.5 GB/s against
1.6 GB/s on one core). Every new download is hashed on its first load (for the dataset cache key and
the build manifest), so its speed is part of the time an analyst waits. `b3sum FILE` prints the same
hash by hand.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import blake3

FILE_HASH = "blake3"     # the name under which manifests and reports give a file's hash


def hash_bytes(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def hash_file(path: str | Path) -> str:
    """The BLAKE3 hash of a file, in hex (what `b3sum` prints)."""
    h = blake3.blake3()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()


PACKAGE_DIR = Path(__file__).resolve().parents[1]



def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_code_hash() -> str:
    """One hash over the package's code and templates: a code change invalidates the caches."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".typ", ".html", ".css", ".lua", ".yml", ".yaml"} \
                and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stable_json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
