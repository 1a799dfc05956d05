"""Headless Chromium helpers for the publication checks: axe-core runs and screenshots.

No Python packages beyond the standard library: the page is copied with axe.min.js and a small
script injected; Chromium loads it with --dump-dom and the script leaves axe's results as JSON in
a <pre id="axe-results"> element, which is read back from the dumped DOM.

    chromium = find_chromium()                  # None if Chromium is not installed
    axe = find_axe(root)                        # None if axe-core is not installed
    result = run_axe(chromium, axe, page, width=375, work=tmp)
    screenshot(chromium, page, out_png, width=1280, height=900)

axe-core is installed by `make a11y-tools` (npm install --prefix .cache/node axe-core@<pinned>).
Run on its own:  python tests/a11y/browser.py _output/demo-2024/needs-assessment.html
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = ("serious", "critical")
WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

_RUNNER = """
<script id="na-axe-runner">
(function () {
  function done(payload) {
    var pre = document.createElement("pre");
    pre.id = "axe-results";
    pre.hidden = true;
    pre.textContent = JSON.stringify(payload);
    document.body.appendChild(pre);
  }
  function go() {
    try {
      axe.run(document, {
        runOnly: {type: "tag", values: %(tags)s},
        resultTypes: ["violations"],
        exclude: [["#na-axe-runner"], ["#na-axe-lib"]]
      }).then(function (r) {
        done({axe: r.testEngine.version, url: r.url, width: window.innerWidth,
              violations: r.violations.map(function (v) {
                return {id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
                        nodes: v.nodes.map(function (n) {
                          return {target: n.target, html: n.html.slice(0, 300),
                                  summary: (n.failureSummary || "").slice(0, 600)};
                        })};
              })});
      }, function (e) { done({error: String(e && e.stack || e)}); });
    } catch (e) { done({error: String(e && e.stack || e)}); }
  }
  if (document.readyState === "complete") go(); else window.addEventListener("load", go);
})();
</script>
"""


def find_chromium() -> str | None:
    """Chromium's path, or None. CHROMIUM=<path> overrides."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for c in CHROMIUM_CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium")


def find_axe(root: Path) -> Path | None:
    """axe.min.js from the project's .cache/node (or AXE_CORE_JS=<path>), or None."""
    candidates = [os.environ.get("AXE_CORE_JS")] if os.environ.get("AXE_CORE_JS") else []
    candidates += [Path(root) / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js",
                   Path(__file__).resolve().parents[2] / ".cache" / "node" / "node_modules"
                   / "axe-core" / "axe.min.js"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def _chromium(chromium: str, args: list[str], profile: Path, timeout: float) -> subprocess.CompletedProcess:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
           "--force-device-scale-factor=1", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def inject_axe(page: Path, axe_js: Path, out: Path) -> Path:
    """A copy of `page` (next to the original's resources only if they are embedded) with axe added."""
    text = page.read_text(encoding="utf-8")
    runner = _RUNNER % {"tags": json.dumps(AXE_TAGS)}
    lib = ('<script id="na-axe-lib">' + axe_js.read_text(encoding="utf-8").replace("</script", "<\\/script")
           + "</script>")
    i = text.rfind("</body>")
    if i < 0:
        raise ValueError(f"{page}: no </body>")
    out.write_text(text[:i] + lib + runner + text[i:], encoding="utf-8")
    return out


def run_axe(chromium: str, axe_js: Path, page: Path, width: int, height: int = 900,
            work: Path | None = None, timeout: float = 240) -> dict:
    """Run axe-core on `page` in a `width` x `height` window. Returns {"violations": [...], ...}."""
    work = Path(work or tempfile.mkdtemp(prefix="na-axe-"))
    work.mkdir(parents=True, exist_ok=True)
    copy = inject_axe(page, axe_js, work / f"{page.stem}.axe-{width}.html")
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
    try:
        proc = _chromium(chromium, [f"--window-size={width},{height}", "--virtual-time-budget=60000",
                                    "--run-all-compositor-stages-before-draw", "--dump-dom",
                                    copy.resolve().as_uri()], profile, timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        copy.unlink(missing_ok=True)
    m = re.search(r'<pre id="axe-results"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    if not m:
        raise RuntimeError(f"axe produced no results for {page} at {width}px "
                           f"(chromium exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    result = json.loads(html.unescape(m.group(1)))
    if "error" in result:
        raise RuntimeError(f"axe failed on {page} at {width}px: {result['error']}")
    return result


def serious(result: dict) -> list[dict]:
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def describe(violations: list[dict], limit: int = 5) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} element(s)) {v['helpUrl']}")
        for n in v["nodes"][:limit]:
            lines.append(f"    {' '.join(map(str, n['target']))}: {n['html'][:160]}")
            for s in n["summary"].splitlines()[1:3]:
                lines.append(f"        {s.strip()}")
    return "\n".join(lines)


def screenshot(chromium: str, page: Path, out_png: Path, width: int, height: int,
               fragment: str = "", timeout: float = 120) -> Path:
    """A `width` x `height` screenshot of `page` (scrolled to #fragment if given)."""
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    out_png.unlink(missing_ok=True)
    url = Path(page).resolve().as_uri() + (f"#{fragment}" if fragment else "")
    with tempfile.TemporaryDirectory(prefix="na-shot-") as profile:
        proc = _chromium(chromium, [f"--window-size={width},{height}", "--virtual-time-budget=10000",
                                    f"--screenshot={out_png.resolve()}", url], Path(profile), timeout)
    if not out_png.is_file():
        raise RuntimeError(f"no screenshot of {page} at {width}px (chromium exit {proc.returncode}):\n"
                           f"{proc.stderr[-2000:]}")
    return out_png


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Run axe-core on published HTML pages in headless Chromium.")
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--width", type=int, action="append", help="window width(s); default 375 and 1280")
    ap.add_argument("--all", action="store_true", help="list moderate and minor violations too")
    args = ap.parse_args(argv)
    chromium = find_chromium()
    axe_js = find_axe(Path.cwd())
    if not chromium or not axe_js:
        print("needs Chromium and axe-core (npm install --prefix .cache/node axe-core@"
              f"{AXE_VERSION})", file=sys.stderr)
        return 2
    bad = 0
    for page in args.pages:
        for width in args.width or [375, 1280]:
            result = run_axe(chromium, axe_js, page, width)
            shown = result["violations"] if args.all else serious(result)
            bad += len(serious(result))
            print(f"{page} at {width}px: {len(result['violations'])} violation(s), "
                  f"{len(serious(result))} serious or critical")
            if shown:
                print(describe(shown))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
