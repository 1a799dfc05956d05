"""Names: column headers to snake_case, and the police forces a data file may name.

Force names are compared after normalising them ("Devon & Cornwall Police", "Devon and Cornwall"
and "DEVON AND CORNWALL CONSTABULARY" are the same force), because police.uk and the Home Office
spell the same force differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

# The 43 territorial police forces of England and Wales and British Transport Police, as police.uk
# names them. Aliases (the Home Office's short names and older names) are listed after each.
TERRITORIAL_FORCES: dict[str, tuple[str, ...]] = {
    "Avon and Somerset Constabulary": (),
    "Bedfordshire Police": (),
    "Cambridgeshire Constabulary": (),
    "Cheshire Constabulary": (),
    "City of London Police": ("London, City of", "City of London"),
    "Cleveland Police": (),
    "Cumbria Constabulary": (),
    "Derbyshire Constabulary": (),
    "Devon & Cornwall Police": (),
    "Dorset Police": (),
    "Durham Constabulary": (),
    "Dyfed-Powys Police": (),
    "Essex Police": (),
    "Gloucestershire Constabulary": (),
    "Greater Manchester Police": (),
    "Gwent Police": (),
    "Hampshire Constabulary": ("Hampshire and Isle of Wight Constabulary", "Hampshire and Isle of Wight"),
    "Hertfordshire Constabulary": (),
    "Humberside Police": (),
    "Kent Police": (),
    "Lancashire Constabulary": (),
    "Leicestershire Police": (),
    "Lincolnshire Police": (),
    "Merseyside Police": (),
    "Metropolitan Police Service": ("Metropolitan Police", "Metropolitan"),
    "Norfolk Constabulary": (),
    "North Wales Police": (),
    "North Yorkshire Police": (),
    "Northamptonshire Police": (),
    "Northumbria Police": (),
    "Nottinghamshire Police": (),
    "South Wales Police": (),
    "South Yorkshire Police": (),
    "Staffordshire Police": (),
    "Suffolk Constabulary": (),
    "Surrey Police": (),
    "Sussex Police": (),
    "Thames Valley Police": (),
    "Warwickshire Police": (),
    "West Mercia Police": (),
    "West Midlands Police": (),
    "West Yorkshire Police": (),
    "Wiltshire Police": (),
}
BRITISH_TRANSPORT_POLICE = "British Transport Police"

# Bodies that appear in the Home Office recorded-crime open data as a "force" for fraud offences
# recorded nationally (not police forces, but published in the same Force Name column).
NATIONAL_FRAUD_REPORTING = ("Action Fraud", "CIFAS", "UK Finance")

_TRAILING = {"police", "constabulary", "service", "force"}


def normalise_force(name: object) -> str:
    """A force name reduced to its place name, for comparing spellings: 'devon and cornwall'."""
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).split()
    while text and text[-1] in _TRAILING:
        text.pop()
    if text and text[0] == "the":
        text = text[1:]
    joined = " ".join(text)
    if joined == "london city of":
        return "city of london"
    return joined


def known_force_names(extra: Iterable[str] = (), *, include_fraud_bodies: bool = False) -> frozenset[str]:
    """Normalised names of every force a file may name: the 43, BTP, and `extra` (from params)."""
    names = set()
    for force, aliases in TERRITORIAL_FORCES.items():
        names.add(normalise_force(force))
        names.update(normalise_force(a) for a in aliases)
    names.add(normalise_force(BRITISH_TRANSPORT_POLICE))
    names.update(normalise_force(e) for e in extra)
    if include_fraud_bodies:
        names.update(normalise_force(b) for b in NATIONAL_FRAUD_REPORTING)
    names.discard("")
    return frozenset(names)


def snake(header: str) -> str:
    """'Crime type' -> 'crime_type', 'Self-defined ethnicity' -> 'self_defined_ethnicity'."""
    text = str(header).replace("\ufeff", "").strip().lower()
    text = re.sub(r"[^a-z0-9]+", "_", text)
    return text.strip("_")


def normalise_header(header: object) -> str:
    """Header text for matching: no BOM, lower case, single spaces."""
    return re.sub(r"\s+", " ", str(header).replace("\ufeff", "").replace("\xa0", " ")).strip().lower()


def map_uniques(series: pd.Series, func, dtype=object) -> np.ndarray:
    """Apply `func` to each distinct value only (vectorised over the rows): returns an array.

    Missing values map to None/False depending on dtype. Used for parsing months and checking names,
    where a column of a million rows has a few dozen distinct values.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques], dtype=dtype) if len(uniques) else np.array([], dtype=dtype)
    if dtype is bool:
        out = np.zeros(len(series), dtype=bool)
    else:
        out = np.empty(len(series), dtype=dtype)
        out[:] = None
    present = codes >= 0
    out[present] = mapped[codes[present]]
    return out
