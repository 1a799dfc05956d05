"""Shared helpers for the dataset loader tests: paths, params, and small valid files of each format."""

from __future__ import annotations

import zipfile
from pathlib import Path

from needs_assessment.params import Params, load_params

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PARAMS_FILE = ROOT / "params" / "demo-2024.yml"
REAL = Path(__file__).resolve().parents[2] / "shared" / "real-data"
BAD = TESTS / "bad_files"

STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context")
OUTCOMES_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type"
STOP_SEARCH_HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
                      "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
                      "Outcome linked to object of search,Removal of more than just outer clothing")
PRC_CSP_HEADER = ("Financial Year,Financial Quarter,Force Name,CSP Name,Offence Description,Offence Group,"
                  "Offence Subgroup,Offence Code,Number of Offences")
PRC_PFA_HEADER = ("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,"
                  "Offence Code,Number of Offences")
CALLS_999_HEADER = "Month,Force Name,Total 999 calls,Calls answered within 10 seconds,Calls answered in over 60 seconds"
INDICATOR_HEADER = "measure,period,area,value,denominator,notes"


def demo_params() -> Params:
    return load_params(PARAMS_FILE)


def params_with(**area) -> Params:
    """The demonstration params with some `area` settings changed."""
    params = demo_params()
    return params.model_copy(update={"area": params.area.model_copy(update=area)})


def params_with_datasets(params: Params, **paths: str) -> Params:
    """`params` with the path of some datasets changed."""
    datasets = dict(params.datasets)
    for name, path in paths.items():
        datasets[name] = datasets[name].model_copy(update={"path": path})
    return params.model_copy(update={"datasets": datasets})


def street_rows(month: str, n: int, crime_types=("Burglary", "Anti-social behaviour", "Drugs"),
                force: str = "Demoshire Police") -> list[str]:
    rows = []
    for i in range(n):
        crime = crime_types[i % len(crime_types)]
        asb = crime == "Anti-social behaviour"
        crime_id = "" if asb else f"{month}-{i:060d}"
        outcome = "" if asb else "Under investigation"
        if i % 5 == 4:   # no location
            place = ",,No Location,,"
        else:
            place = f"-1.4{i:04d},53.05{i:04d},On or near High Street,E0100{i % 10:04d},Ashby Vale 00{i % 10}A"
        rows.append(f"{crime_id},{month},{force},{force},{place},{crime},{outcome},")
    return rows


def write_lines(path: Path, lines: list[str], crlf: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    newline = "\r\n" if crlf else "\n"
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def write_street(folder: Path, month: str, n: int, slug: str = "demoshire", **kw) -> Path:
    """A police.uk street file at folder/YYYY-MM/YYYY-MM-<slug>-street.csv."""
    return write_lines(folder / month / f"{month}-{slug}-street.csv", [STREET_HEADER] + street_rows(month, n, **kw))


def make_police_zip(path: Path, months: list[str], n: int = 5, slugs=("demoshire",),
                    extra: dict[str, str] | None = None) -> Path:
    """A zip laid out like a police.uk download: YYYY-MM/YYYY-MM-<force>-street.csv for each month and force."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for month in months:
            for slug in slugs:
                force = "Demoshire Police" if slug == "demoshire" else "South Yorkshire Police"
                text = "\r\n".join([STREET_HEADER] + street_rows(month, n, force=force)) + "\r\n"
                zf.writestr(f"{month}/{month}-{slug}-street.csv", text)
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
    return path
