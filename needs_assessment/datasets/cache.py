"""The Parquet cache: parsed, validated tables keyed by the sha256 of their source file.

Layout under the cache directory (default `<project>/.cache/datasets`):

    index.json                  sha256 of each file by (path, size, mtime), and the format of each file
    datasets/<xx>/<key>/        a dataset's files parsed, validated, combined and filtered:
                                frames.json + one Parquet file per frame

The key is the sha256 of (loader version, format, the sha256 and name of each source file, what
validation and filtering depend on from the params), so an edited or added file, a new loader or a
params change that matters misses the cache; nothing is ever served from a stale entry. Low-cardinality
text columns are categoricals, stored dictionary-encoded, so reading an entry back is cheap. Entries are written to a temporary folder and then
renamed, so an interrupted build leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as pa_feather
import pyarrow.parquet as pq

from .readers import Source

INDEX_VERSION = 2


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def digest(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(str(p).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class DatasetCache:
    """File hashes (memoised by size and modification time) and the Parquet store.

    With `directory=None` nothing is written: hashes are memoised for this object only.
    """

    def __init__(self, directory: str | Path | None):
        self.directory = Path(directory) if directory is not None else None
        self._index = {"version": INDEX_VERSION, "files": {}, "formats": {}}
        self._dirty = False
        self._zip_infos: dict[str, dict[str, tuple[int, int]]] = {}
        if self.directory is not None:
            try:
                data = json.loads((self.directory / "index.json").read_text(encoding="utf-8"))
                if data.get("version") == INDEX_VERSION:
                    self._index = data
            except (OSError, ValueError):
                pass

    # --- hashes -----------------------------------------------------------------------------
    def file_sha256(self, path: Path) -> str:
        key = os.path.abspath(path)
        st = os.stat(key)
        memo = self._index["files"].get(key)
        if memo and memo[0] == st.st_size and memo[1] == st.st_mtime_ns:
            return memo[2]
        sha = sha256_file(path)
        self._index["files"][key] = [st.st_size, st.st_mtime_ns, sha]
        self._dirty = True
        return sha

    def stat_id(self, source: Source) -> str:
        """Identifies a source cheaply (path, size, modification time): for memos that need no hash."""
        st = os.stat(source.path)
        return f"{os.path.abspath(source.path)}|{st.st_size}|{st.st_mtime_ns}|{source.member or ''}"

    def content_id(self, source: Source) -> str:
        """Identifies the bytes of a source: the file's sha256, or the zip's sha256 and the member name.

        Without a cache directory nothing is stored, so no hashing: the path, size and mtime do."""
        if self.directory is None:
            return self.stat_id(source)
        sha = self.file_sha256(source.path)
        return sha if source.member is None else f"{sha}:{source.member}"

    def _zip_info(self, source: Source) -> tuple[int, int]:
        key = os.path.abspath(source.path)
        if key not in self._zip_infos:
            with zipfile.ZipFile(source.path) as zf:
                self._zip_infos[key] = {i.filename: (i.CRC, i.file_size) for i in zf.infolist()}
        return self._zip_infos[key][source.member]

    def size(self, source: Source) -> int:
        if source.member is None:
            return source.path.stat().st_size
        return self._zip_info(source)[1]

    def fingerprint(self, source: Source) -> str:
        """Equal for two sources with the same bytes (zip members compared by CRC-32 and size)."""
        if source.member is None:
            return self.file_sha256(source.path)
        crc, size = self._zip_info(source)
        return f"zip-member:{crc:08x}:{size}"

    # --- detected formats (memoised by stat_id: a file's header is not worth hashing it for) ----
    def known_format(self, stat_id: str) -> tuple[bool, str | None]:
        formats = self._index["formats"]
        if stat_id in formats:
            return True, formats[stat_id]
        return False, None

    def remember_format(self, stat_id: str, fmt: str | None) -> None:
        formats = self._index["formats"]
        if len(formats) > 20000:
            formats.clear()
        formats[stat_id] = fmt
        self._dirty = True

    def save(self) -> None:
        if self.directory is None or not self._dirty:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"index.json.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(self._index), encoding="utf-8")
        os.replace(tmp, self.directory / "index.json")
        self._dirty = False

    # --- entries ----------------------------------------------------------------------------
    def _entry(self, kind: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / kind / key[:2] / key

    def get_frames(self, key: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
        entry = self._entry("datasets", key)
        if entry is None:
            return None
        meta = _read_json(entry / "frames.json")
        if meta is None:
            return None
        try:
            frames = {name: read_frame(entry / f"{i}{SUFFIX}") for i, name in enumerate(meta["frames"])}
        except (OSError, pa.ArrowException):
            return None
        return frames, meta.get("info", {})

    def put_frames(self, key: str, frames: dict[str, pd.DataFrame], info: dict) -> None:
        entry = self._entry("datasets", key)
        if entry is None:
            return
        def write(tmp: Path):
            for i, frame in enumerate(frames.values()):
                write_frame(frame, tmp / f"{i}{SUFFIX}")
            (tmp / "frames.json").write_text(json.dumps({"frames": list(frames), "info": info}), encoding="utf-8")
        self._write_entry(entry, write)

    def _write_entry(self, entry: Path, write) -> None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.parent / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            write(tmp)
            try:
                os.replace(tmp, entry)
            except OSError:  # another process wrote the same entry first: keep theirs
                pass
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# The storage format of entries: "arrow" (Arrow IPC / Feather v2, uncompressed, memory-mapped on read:
# a cached load costs almost nothing) or "parquet" (smaller files, but decoding text columns costs
# about half a CSV parse). Part of the entry key, so switching never reads the other kind.
STORAGE = "arrow"
SUFFIX = {"arrow": ".arrow", "parquet": ".parquet"}[STORAGE]


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if STORAGE == "arrow":
        pa_feather.write_feather(table, path, compression="uncompressed")
    else:
        pq.write_table(table, path, compression="lz4")


def read_frame(path: Path) -> pd.DataFrame:
    if STORAGE == "arrow":
        table = pa_feather.read_table(path, memory_map=True)
    else:
        table = pq.read_table(path)
    return table.to_pandas()
