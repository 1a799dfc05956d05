"""What each output format costs: the embedded render of one staged book and summary, per format.

Reads the book and summary a build staged (`_build/<cycle>/book` and `summary`, made by
`python build.py`; only read, never changed) and renders them with the embedded renderer into
benchmarks/_work/render_formats/, one format at a time (html, pdf, docx), best of --repeat runs.
It prints seconds per format for the book, the summary and both, and what adding docx costs
against a default html,pdf render; figures only, no pass or fail.

    .venv/bin/python benchmarks/render_formats.py [--cycle demo-2024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from needs_assessment.render import render_book, render_document  # noqa: E402

FORMATS = ("html", "pdf", "docx")


def best_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycle", default="demo-2024")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    staged = ROOT / "_build" / args.cycle
    book, summary = staged / "book", staged / "summary" / "summary.md"
    if not (book / "_quarto.yml").is_file() or not summary.is_file():
        print(f"{staged}: no staged book and summary; run `python build.py` first", file=sys.stderr)
        return 2
    out = ROOT / "benchmarks" / "_work" / "render_formats"
    shutil.rmtree(out, ignore_errors=True)
    seconds: dict[str, tuple[float, float]] = {}
    for fmt in FORMATS:
        b = best_seconds(lambda: render_book(book, out, formats=(fmt,), engine="embedded", warnings_out=[]),
                         args.repeat)
        s = best_seconds(lambda: render_document(summary, out, formats=(fmt,), engine="embedded",
                                                 basename="recommendations-summary", warnings_out=[]),
                         args.repeat)
        seconds[fmt] = (b, s)
    print(f"{'format':<8}{'book s':>9}{'summary s':>11}{'both s':>9}")
    for fmt, (b, s) in seconds.items():
        print(f"{fmt:<8}{b:>9.2f}{s:>11.2f}{b + s:>9.2f}")
    default = sum(seconds["html"]) + sum(seconds["pdf"])
    word = sum(seconds["docx"])
    print(f"docx adds {word:.2f} s to a {default:.2f} s html,pdf render (formats rendered separately, "
          f"each assembling the AST again; best of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
