"""Headless Chromium for the publication checks: axe-core runs and screenshots.

Drives Debian's Chromium over the Chrome DevTools Protocol, with tornado's websocket client (tornado
is already pinned in requirements.lock, as a dependency of ipykernel), so no browser-automation
package is needed. The published page is opened as it is (no copy); axe-core is evaluated in it.

    with Browser.launch() as browser:                  # None from find_chromium(): skip
        result = browser.axe(page, axe_js, width=375)  # {"violations": [...], "axe": "4.x"}
        browser.screenshot(page, out_png, width=1280, height=900, fragment="sec-p3")

axe-core is installed with npm:  npm install --prefix .cache/node axe-core@4.14.1
Run on its own (exit 1 on a serious or critical violation):
    .venv/bin/python tests/a11y/browser.py _output/demo-2024/*.html [--all] [--tags ...]
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = ("serious", "critical")
SIZES = {"phone": (375, 812), "desktop": (1280, 900)}

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

_AXE_RUN = """
(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: %(tags)s},
                                     resultTypes: ["violations"]});
  return {axe: r.testEngine.version, url: r.url, width: window.innerWidth,
          violations: r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 300),
                                      summary: (n.failureSummary || "").slice(0, 600)}))}))};
})()
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


def find_axe(root: Path | None = None) -> Path | None:
    """axe.min.js from <root>/.cache/node (or this checkout's, or AXE_CORE_JS=<path>), or None."""
    project = Path(__file__).resolve().parents[2]
    candidates = [os.environ.get("AXE_CORE_JS")]
    candidates += [Path(r) / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
                   for r in (root, project) if r is not None]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium and one tab, driven over the DevTools Protocol."""

    def __init__(self, proc: subprocess.Popen, profile: Path, ws_url: str):
        from tornado.websocket import websocket_connect

        self.proc, self.profile = proc, profile
        async def connect():
            return await websocket_connect(ws_url, max_message_size=512 * 1024 * 1024)

        self.loop = asyncio.new_event_loop()      # tornado's futures belong to the running loop
        self.ws = self.loop.run_until_complete(connect())
        self._id = 0
        self.events: list[dict] = []

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def launch(cls, chromium: str | None = None, timeout: float = 60) -> "Browser":
        chromium = chromium or find_chromium()
        if not chromium:
            raise BrowserError("Chromium is not installed")
        profile = Path(tempfile.mkdtemp(prefix="na-chromium-"))
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-extensions",
               "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
               "--remote-debugging-port=0", "--remote-allow-origins=*",
               f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not port_file.is_file() or len(port_file.read_text().split()) < 2:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read() if proc.poll() is not None else ""
                proc.kill()
                shutil.rmtree(profile, ignore_errors=True)
                raise BrowserError(f"Chromium did not start (exit {proc.returncode}): {err[-1500:]}")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        ws_url = None
        while ws_url is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                ws_url = pages[0]["webSocketDebuggerUrl"] if pages else None
            except OSError:
                ws_url = None
            if ws_url is None:
                if time.monotonic() > deadline:
                    proc.kill()
                    raise BrowserError("Chromium started but offered no page to drive")
                time.sleep(0.1)
        browser = cls(proc, profile, ws_url)
        browser.call("Page.enable")
        browser.call("Runtime.enable")
        return browser

    def close(self) -> None:
        async def close():
            self.ws.close()

        try:
            self.loop.run_until_complete(close())
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.loop.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ protocol

    async def _recv(self, timeout: float) -> dict:
        msg = await asyncio.wait_for(self.ws.read_message(), timeout)
        if msg is None:
            raise BrowserError("Chromium closed the DevTools connection")
        return json.loads(msg)

    def call(self, method: str, timeout: float = 120, **params) -> dict:
        self._id += 1
        mid = self._id
        async def send():
            await self.ws.write_message(json.dumps({"id": mid, "method": method, "params": params}))

        self.loop.run_until_complete(send())
        while True:
            msg = self.loop.run_until_complete(self._recv(timeout))
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 120) -> dict:
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"timed out waiting for {method}")
            msg = self.loop.run_until_complete(self._recv(left))
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression: str, timeout: float = 180):
        r = self.call("Runtime.evaluate", timeout=timeout, expression=expression,
                      awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(f"script failed: {d.get('exception', {}).get('description') or d.get('text')}")
        return r.get("result", {}).get("value")

    # ------------------------------------------------------------------ pages

    def open(self, page: Path | str, width: int, height: int, fragment: str = "",
             scale: float = 1) -> None:
        """Load `page` in a `width` x `height` CSS-pixel viewport (mobile emulation below 600 px;
        `scale` device pixels per CSS pixel)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=scale, mobile=width < 600)
        url = page if isinstance(page, str) else Path(page).resolve().as_uri()
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        self.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")
        if fragment:
            found = self.evaluate(
                f"(() => {{ const e = document.getElementById({json.dumps(fragment)});"
                f" if (!e) return false; e.scrollIntoView({{block: 'start'}}); return true; }})()")
            if not found:
                raise BrowserError(f"{url}: no element with id {fragment!r}")
        # two animation frames: layout and paint settle after resizing or scrolling
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")

    def axe(self, page: Path, axe_js: Path, width: int, height: int = 900,
            tags: list[str] | None = None) -> dict:
        """Run axe-core on `page` at `width` px. Returns {"violations": [...], "axe": version}."""
        self.open(page, width, height)
        self.evaluate(axe_js.read_text(encoding="utf-8") + "\n;true")
        result = self.evaluate(_AXE_RUN % {"tags": json.dumps(tags or AXE_TAGS)}, timeout=600)
        if not isinstance(result, dict) or "violations" not in result:
            raise BrowserError(f"axe returned no results for {page} at {width}px: {result!r}")
        return result

    def screenshot(self, page: Path, out_png: Path, width: int, height: int,
                   fragment: str = "", scale: float = 1) -> Path:
        """A PNG of `page` in a `width` x `height` viewport (scrolled to #fragment if given)."""
        self.open(page, width, height, fragment, scale)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        out_png = Path(out_png)
        out_png.parent.mkdir(parents=True, exist_ok=True)
        out_png.write_bytes(base64.b64decode(data))
        return out_png


# ---------------------------------------------------------------------- reporting


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


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Run axe-core on published HTML pages in headless Chromium.")
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--width", type=int, action="append", help="viewport width(s); default 375 and 1280")
    ap.add_argument("--all", action="store_true", help="list moderate and minor violations too")
    ap.add_argument("--tags", help=f"comma-separated axe tags (default {','.join(AXE_TAGS)}; "
                                   "add best-practice for axe's other rules)")
    args = ap.parse_args(argv)
    axe_js = find_axe(Path.cwd())
    if not find_chromium() or not axe_js:
        print(f"needs Chromium and axe-core (npm install --prefix .cache/node axe-core@{AXE_VERSION})",
              file=sys.stderr)
        return 2
    bad = 0
    with Browser.launch() as browser:
        for page in args.pages:
            for width in args.width or [375, 1280]:
                result = browser.axe(page, axe_js, width, tags=args.tags.split(",") if args.tags else None)
                shown = result["violations"] if args.all else serious(result)
                bad += len(serious(result))
                print(f"{page} at {width}px (axe {result['axe']}): {len(result['violations'])} "
                      f"violation(s), {len(serious(result))} serious or critical")
                if shown:
                    print(describe(shown))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
