"""Reference tables shipped with the package, each a YAML file in this folder whose header names its
source and date: the HMICFRS most similar groups of the 43 forces of England and Wales
(`most_similar_groups.yml`) and DfT's STATS19 police force codes (`stats19_police_forces.yml`).

Both are keyed by the force's name as police.uk writes it (`Falls within`); a force is looked up by
its normalised name, so "Devon and Cornwall Police" finds "Devon & Cornwall Police".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..datasets.names import TERRITORIAL_FORCES, normalise_force

HERE = Path(__file__).resolve().parent
MSG_FILE = HERE / "most_similar_groups.yml"
STATS19_FILE = HERE / "stats19_police_forces.yml"


@dataclass(frozen=True)
class Table:
    source: str
    as_of: str
    verified: bool
    values: dict[str, object]      # police.uk force name -> value
    file: Path

    def lookup(self, force: str) -> tuple[str, object] | None:
        """(the table's name for the force, its value), or None when the force is not in the table."""
        wanted = _canonical(force)
        for name, value in self.values.items():
            if _canonical(name) == wanted:
                return name, value
        return None


def _canonical(force: str) -> str:
    """A force's normalised name, with the aliases names.py knows folded onto the police.uk name."""
    key = normalise_force(force)
    for name, aliases in TERRITORIAL_FORCES.items():
        if key in {normalise_force(a) for a in (name, *aliases)}:
            return normalise_force(name)
    return key


def _read(path: Path, key: str) -> Table:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Table(source=raw["source"], as_of=str(raw["as_of"]), verified=bool(raw.get("verified_against_source", True)),
                 values=dict(raw[key]), file=path)


@lru_cache(maxsize=None)
def most_similar_groups() -> Table:
    """Each force's seven most similar forces (HMICFRS), the force itself not included."""
    return _read(MSG_FILE, "groups")


@lru_cache(maxsize=None)
def stats19_codes() -> Table:
    """Each force's STATS19 `police_force` code (DfT)."""
    return _read(STATS19_FILE, "codes")
