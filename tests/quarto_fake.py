"""A stand-in `quarto` executable for tests (real Quarto is not installed on the test machines).

It answers `quarto render <dir> --to <format>` (html, docx, needs-assessment-typst) and `quarto render <doc> --to <format> --output
<name>` by writing what Quarto would write (the site in _book/, the PDF, the document) and, with
FAKE_QUARTO_MODE, prints what real Quarto 1.10 prints:

* ``ok``: success;
* ``warn``: success, with a Quarto warning and a typst warning on stderr;
* ``fail-pdf``: the HTML renders and the typst render fails with the error Quarto 1.10.18 printed
  for a table cell read as a heading (the project's issue 17);
* ``fail``: every render fails.

Every call is appended to FAKE_QUARTO_LOG.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SCRIPT = r"""#!/bin/sh
echo "$@" >> "${FAKE_QUARTO_LOG:-/dev/null}"
to=""; out=""; target="$2"
while [ $# -gt 0 ]; do
  case "$1" in
    --to) to="$2"; shift ;;
    --output) out="$2"; shift ;;
  esac
  shift
done
mode="${FAKE_QUARTO_MODE:-ok}"
fail() {
  echo "ERROR: error: pagebreaks are not allowed inside of containers" >&2
  echo "    ┌─ @preview/orange-book:0.7.1/lib.typ:424:4" >&2
  echo "    │" >&2
  echo "424 │     pagebreak(weak: true, to: to)" >&2
  echo "" >&2
  echo "ERROR: Typst compilation failed (chapters/PM-performance.md)" >&2
  exit 1
}
if [ "$mode" = fail ]; then fail; fi
case "$to" in
  *typst*) if [ "$mode" = fail-pdf ]; then fail; fi ;;
esac
if [ "$mode" = warn ]; then
  echo "WARNING (chapters/P1-victims-justice.md:12): Unable to resolve crossref @fig-missing" >&2
  echo "warning: unknown font family: libertinus serif" >&2
  echo "    ┌─ needs-assessment.typ:30:9" >&2
fi
if [ -n "$out" ]; then
  case "$to" in
    html) echo "<!DOCTYPE html><html lang=\"en-GB\"><title>s</title><main>summary</main></html>" > "$out" ;;
    docx) printf 'PK fake docx' > "$out" ;;
    *) printf '%%PDF-1.7 fake' > "$out" ;;
  esac
  exit 0
fi
mkdir -p "$target/_book/chapters"
case "$to" in
  html) echo "<html>index</html>" > "$target/_book/index.html"
        echo "<html>c1</html>" > "$target/_book/chapters/C1.html" ;;
  docx) printf 'PK fake docx' > "$target/_book/needs-assessment.docx" ;;
  *) printf '%%PDF-1.7 fake' > "$target/_book/needs-assessment.pdf" ;;
esac
"""


def install(bindir: Path) -> Path:
    """Write the stand-in as bindir/quarto and return its path."""
    bindir.mkdir(parents=True, exist_ok=True)
    exe = bindir / "quarto"
    exe.write_text(SCRIPT, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def use(monkeypatch, tmp_path: Path, mode: str = "ok") -> Path:
    """Put the stand-in first on PATH in `mode`; return the log file of its calls."""
    install(tmp_path / "fake-bin")
    log = tmp_path / "quarto-calls.txt"
    monkeypatch.setenv("PATH", f"{tmp_path / 'fake-bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_QUARTO_MODE", mode)
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log
