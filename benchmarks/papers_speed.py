"""How long a meeting's pack of scrutiny papers takes: `build.py papers --meeting 2024-06-11` on the
demonstration, cold (measures computed) and then with the measures cached; best of --repeat runs, split into data and measures, charts and render.

Works in benchmarks/_work/papers/ (a copy of the params and the authors' files, with demonstration
data generated there once); never touches the project's _build/, _output/ or data/. Figures only.

    .venv/bin/python benchmarks/papers_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from needs_assessment.demo.generate import generate_demo_data  # noqa: E402
from needs_assessment.params import load_params  # noqa: E402
from needs_assessment.pipeline.papers import PapersOptions, build_papers  # noqa: E402

MEETING = "2024-06-11"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = ROOT / "benchmarks" / "_work" / "papers"
    for name in ("params", "papers"):
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(ROOT / name, work / name)
    if not (work / "data" / "demo").is_dir():
        generate_demo_data(work / "data" / "demo", load_params(ROOT / "params" / "demo-2024.yml"))
    shutil.rmtree(work / "_build", ignore_errors=True)
    shutil.rmtree(work / ".cache", ignore_errors=True)

    def run() -> tuple[float, dict]:
        started = time.perf_counter()
        result = build_papers(PapersOptions(params_path=work / "params" / "demo-2024.yml", root=work,
                                            meeting=MEETING, quiet=True))
        if result.exit_code:
            raise SystemExit(result.message)
        return time.perf_counter() - started, result.manifest["timings_seconds"]

    cold, parts = run()
    papers = len(list((work / "_output" / "demo-2024-papers" / MEETING).glob("*.pdf"))) - 1
    print(f"pack of {papers} papers (+ the whole pack and the index), html, pdf and docx; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'run':<34}{'total s':>9}{'measures':>10}{'charts':>8}{'render':>8}")
    print(f"{'cold (data loaded, measures computed)':<34}{cold:>9.2f}{parts['data_and_measures']:>10.2f}"
          f"{parts['charts']:>8.2f}{parts['render']:>8.2f}")
    for label in ("measures cached",):
        seconds, parts = min((run() for _ in range(args.repeat)), key=lambda r: r[0])
        print(f"{label:<34}{seconds:>9.2f}{parts['data_and_measures']:>10.2f}{parts['charts']:>8.2f}"
              f"{parts['render']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
