"""How long `build.py init` takes on a real force's downloads, against reading them.

Copies Durham's police.uk street files (16 months, 104,057 records) and IMD 2019 File 1 (.xlsx, as
published) from ../shared/real-data/ into benchmarks/_work/init/downloads/ (or takes --downloads), then
times, best of --repeat runs, each in a fresh Python process (as `python build.py init` runs, imports
included) and into a fresh project folder there:

  1. init: `init_cycle` (recognise every file from its header, read the street files and the IMD
     workbook, choose districts and baseline, write the params file and the recommendation files);
  2. the floor: the same imports, then the project's own loaders reading the same street files and
     IMD workbook, nothing else.

Prints both and their ratio; figures only, no pass or fail.

    .venv/bin/python benchmarks/init_speed.py [--repeat 3] [--downloads FOLDER]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REAL = ROOT.parent / "shared" / "real-data"
WORK = ROOT / "benchmarks" / "_work" / "init"


def real_downloads() -> Path:
    downloads = WORK / "downloads"
    if not downloads.exists():
        shutil.copytree(REAL / "police-uk" / "durham", downloads / "police-uk" / "durham")
        (downloads / "deprivation").mkdir(parents=True)
        imd = REAL / "deprivation" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
        shutil.copyfile(imd, downloads / "deprivation" / imd.name)
    return downloads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--downloads", type=Path, help="a folder of downloads (default: Durham's, copied)")
    args = parser.parse_args()
    downloads = (args.downloads or real_downloads()).resolve()
    if os.getloadavg()[0] > 1:
        print(f"note: load average {os.getloadavg()[0]:.1f}: other work is running, figures are noisy")
    init_times, floor_times = [], []
    for run in range(args.repeat):
        project = WORK / f"project-{run}"
        shutil.rmtree(project, ignore_errors=True)
        shutil.copytree(ROOT / "params", project / "params")
        init_times.append(timed(INIT.format(downloads=str(downloads), project=str(project))))
        floor_times.append(timed(FLOOR.format(downloads=str(downloads))))
        shutil.rmtree(project)
    print(f"downloads: {downloads}")
    print(f"init, best of {args.repeat}: {min(init_times):.2f} s (all: {', '.join(f'{x:.2f}' for x in init_times)})")
    print(f"floor (imports, then the loaders reading the same files), best of {args.repeat}: {min(floor_times):.2f} s "
          f"(all: {', '.join(f'{x:.2f}' for x in floor_times)})")
    print(f"init / floor: {min(init_times) / min(floor_times):.2f}")


IMPORTS = "from needs_assessment.datasets import load_paths; from needs_assessment.init.cycle import init_cycle"
INIT = IMPORTS + "; init_cycle({downloads!r}, {project!r})"
FLOOR = IMPORTS + ("; from pathlib import Path; d = Path({downloads!r}); load_paths('police_uk_street', d); "
                   "any(d.rglob('*.xlsx')) and load_paths('imd_lsoa', d)")


def timed(code: str) -> float:
    """Wall time of a fresh Python process running `code` (the package imported from this checkout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t

if __name__ == "__main__":
    main()
