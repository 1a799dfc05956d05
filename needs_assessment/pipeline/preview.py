"""`python build.py preview`: the assessment served on this machine, re-rendered and reloaded after each save.

At start it builds what is needed (the ordinary build, HTML only, embedded renderer: a notebook
runs only if its key changed; published as `_output/<cycle>-preview/`), copies the staged book to
`_build/<cycle>/preview/book/` and serves it on 127.0.0.1. Then it watches the reviewers' folder
(`recommendations/<cycle>/`, the params' `recommendations`) and the params file:

* a recommendation file saved: the files are read and checked again (files.py, live_figures.py),
  the includes written, and the page re-rendered by render/preview.py, where pandoc reads and
  writes only the chapter whose text changed. No kernel starts, nothing is published.
* the params file saved: the ordinary build again (it runs the chapters whose key changed), then
  the same.

Every open page waits on `/__preview/wait` (a long poll) and reloads when the version changes. A
mistake in a file (an unknown `{{< var >}}`, bad front matter, a bad field) is shown at the top of
the page with the file, the line and what to do, over the last version that built; the server keeps
running, and saving the fixed file brings the page back. The reviewers' files are only read.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import yaml

from ..common.errors import NeedsAssessmentError
from ..params import Params, load_params
from ..recommendations.files import load_recommendations
from ..recommendations.live_figures import check_variables
from ..recommendations.markdown import write_section_includes
from ..render.preview import PreviewRenderer
from .book import Staging, stage_summary
from .build import BuildOptions, build

LOCAL_ONLY = "127.0.0.1"
WAIT_SECONDS = 25            # a long poll answers at the latest after this (the page then asks again)
POLL_SECONDS = 0.05          # how often the watched files are looked at
PAGE = "needs-assessment.html"
SUMMARY = "recommendations-summary.html"


@dataclass
class PreviewOptions:
    params_path: Path
    root: Path
    port: int = 8000
    host: str = LOCAL_ONLY
    jobs: int | None = None
    quiet: bool = False


class PreviewError(NeedsAssessmentError):
    """The preview could not start (the port is taken, say)."""


def reload_script(version: int) -> str:
    """Waits for the next version and reloads the page, keeping the reader's place."""
    return f"""<script>
(function () {{
  var version = {version};
  try {{
    var y = sessionStorage.getItem("na-preview-y");
    if (y !== null) {{ sessionStorage.removeItem("na-preview-y"); window.scrollTo(0, Number(y)); }}
  }} catch (e) {{}}
  function wait() {{
    fetch("/__preview/wait?since=" + version, {{cache: "no-store"}})
      .then(function (r) {{ return r.json(); }})
      .then(function (d) {{
        if (d.version !== version) {{
          try {{ sessionStorage.setItem("na-preview-y", String(window.scrollY)); }} catch (e) {{}}
          location.reload();
        }} else {{ wait(); }}
      }})
      .catch(function () {{ setTimeout(wait, 1000); }});
  }}
  wait();
}})();
</script>"""


def error_banner(message: str) -> str:
    return ('<div class="na-preview-error" role="alert" style="border:4px solid #d4351c;background:#fff;'
            'color:#0b0c0c;padding:1rem 1.5rem;margin:0;font-family:Arial,sans-serif">'
            '<h2 style="margin-top:0">This preview is not up to date: a file has a mistake</h2>'
            f'<pre style="white-space:pre-wrap;font-size:1rem">{html.escape(message)}</pre>'
            '<p>Fix the file and save it: this page comes back by itself. Below is the last version '
            'that built.</p></div>')


def error_page(message: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8"><title>Preview: a file has a '
            f'mistake</title></head><body>{error_banner(message)}</body></html>')


def with_preview_parts(page: str, version: int, error: str | None) -> str:
    """The page as served: the error (if any) at the top of the body, the reload script at the end."""
    if error:
        start = page.find("<body")
        end = page.find(">", start) + 1 if start >= 0 else 0
        page = page[:end] + error_banner(error) + page[end:]
    script = reload_script(version)
    at = page.rfind("</body>")
    return page[:at] + script + page[at:] if at >= 0 else page + script


class Preview:
    """The state the server serves: the last good pages, the current error, the version."""

    def __init__(self, options: PreviewOptions):
        self.options = options
        self.root = Path(options.root).resolve()
        self.params: Params | None = None
        self.book_dir: Path | None = None
        self.renderer: PreviewRenderer | None = None
        self.summary_renderer: PreviewRenderer | None = None
        self.variables: dict = {}
        self.statuses: dict = {}
        self.recommendations: list = []
        self.pages: dict[str, str] = {}
        self.summary_stale = True
        self.error: str | None = None
        self.version = 0
        self.changed = threading.Condition()
        self.render_lock = threading.Lock()
        self.last_seconds = 0.0

    # ------------------------------------------------------------------ building

    def full_build(self) -> None:
        """The ordinary build (HTML, embedded renderer), then a private copy of its staged book."""
        params = load_params(self.options.params_path)
        result = build(BuildOptions(params_path=self.options.params_path, root=self.root, formats=("html",),
                                    jobs=self.options.jobs, engine="embedded", quiet=self.options.quiet))
        if result.published_to is None:
            raise PreviewError(result.message or "the build failed (see above)")
        build_dir = self.root / "_build" / params.cycle
        preview_dir = build_dir / "preview"
        shutil.rmtree(preview_dir, ignore_errors=True)
        shutil.copytree(build_dir / "book", preview_dir / "book")
        self.params = params
        self.book_dir = preview_dir / "book"
        self.variables = yaml.safe_load((self.book_dir / "_variables.yml").read_text(encoding="utf-8")) or {}
        self.statuses = result.manifest.get("measures", {})
        self.renderer = PreviewRenderer(self.book_dir)
        self.summary_renderer = None

    def render_recommendations(self) -> None:
        """Read and check the reviewers' files, write the includes, re-render the page."""
        assert self.params is not None and self.book_dir is not None and self.renderer is not None
        recommendations = load_recommendations(self.root / self.params.recommendations, self.params)
        check_variables(recommendations, self.variables)
        write_section_includes(recommendations, self.params, self.book_dir / "chapters")
        self.recommendations = recommendations
        self.pages[PAGE] = self.renderer.render()
        self.summary_stale = True

    def refresh(self, full: bool) -> None:
        """Bring the pages up to date; a mistake becomes the page's error, never an exception."""
        started = time.perf_counter()
        with self.render_lock:
            try:
                if full or self.renderer is None:
                    self.full_build()
                self.render_recommendations()
                error = None
            except NeedsAssessmentError as exc:
                error = str(exc)
            except Exception as exc:   # noqa: BLE001 - a bug must not stop the server or print a traceback
                error = (f"The preview met an unexpected error (a fault in the program, not in your file; "
                         f"please report it): {type(exc).__name__}: {exc}")
            self.last_seconds = time.perf_counter() - started
            with self.changed:
                self.error = error
                self.version += 1
                self.changed.notify_all()
        if error:
            print(f"Preview not updated: the page shows why (and keeps the last version that built):\n{error}",
                  file=sys.stderr, flush=True)
        else:
            self.say(f"Preview updated in {self.last_seconds:.2f} s (version {self.version}).")

    def summary_page(self) -> str | None:
        """The summary of recommendations, rendered when it is asked for after a change."""
        with self.render_lock:
            if self.params is None or self.book_dir is None:
                return None
            if self.summary_stale or SUMMARY not in self.pages:
                staging = Staging(self.book_dir, self.variables, self.statuses, self.recommendations)
                folder = stage_summary(self.params, self.root, self.book_dir.parent, staging, ("html",))
                if self.summary_renderer is None:
                    self.summary_renderer = PreviewRenderer(folder / "summary.md", kind="document")
                try:
                    self.pages[SUMMARY] = self.summary_renderer.render()
                except NeedsAssessmentError as exc:
                    return error_page(str(exc))
                self.summary_stale = False
            return self.pages[SUMMARY]

    def served(self, name: str) -> str:
        with self.changed:
            version, error = self.version, self.error
        page = self.summary_page() if name == SUMMARY else self.pages.get(PAGE)
        if page is None:
            return with_preview_parts(error_page(error or "The preview is still building."), version, None)
        return with_preview_parts(page, version, error)

    def wait(self, since: int, timeout: float = WAIT_SECONDS) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != since, timeout=timeout)
            return self.version

    def say(self, text: str) -> None:
        if not self.options.quiet:
            print(text, flush=True)

    # ------------------------------------------------------------------ watching

    def watched(self) -> list[Path]:
        files = [Path(self.options.params_path)]
        if self.params is not None:
            folder = self.root / self.params.recommendations
            if folder.is_dir():
                files += sorted(folder.glob("*.md"))
        return files

    def watch(self, stop: threading.Event) -> None:
        """Look at the watched files every POLL_SECONDS; re-render when one's content changed."""
        seen = _fingerprints(self.watched())
        while not stop.wait(POLL_SECONDS):
            now = _fingerprints(self.watched())
            if now == seen:
                continue
            params_file = str(Path(self.options.params_path))
            full = now.get(params_file) != seen.get(params_file) or self.renderer is None
            seen = now      # taken before the render: a save during it differs, so it renders next time round
            self.refresh(full)


def _fingerprints(paths: list[Path]) -> dict[str, str]:
    """Each file's content hash (a save that changes nothing is not an edit), keyed by its path."""
    out = {}
    for path in paths:
        try:
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[str(path)] = ""
    return out


def _handler(preview: Preview, static_root):
    class Handler(BaseHTTPRequestHandler):
        server_version = "needs-assessment-preview"

        def log_message(self, format, *args):   # noqa: A002 - the server's own log is noise here
            pass

        def do_GET(self):   # noqa: N802 - http.server's name
            url = urlparse(self.path)
            path = unquote(url.path)
            if path in ("/", "/index.html", f"/{PAGE}"):
                return self._send(preview.served(PAGE).encode("utf-8"), "text/html; charset=utf-8")
            if path == f"/{SUMMARY}":
                return self._send(preview.served(SUMMARY).encode("utf-8"), "text/html; charset=utf-8")
            if path == "/__preview/version":
                # seconds: how long the latest update took the server (benchmarks/preview_speed.py)
                return self._json({"version": preview.version, "error": preview.error,
                                   "seconds": round(preview.last_seconds, 3)})
            if path == "/__preview/wait":
                since = int((parse_qs(url.query).get("since") or ["-1"])[0] or -1)
                version = preview.wait(since)
                return self._json({"version": version, "error": preview.error})
            self._static(path)

        def _static(self, path: str) -> None:
            base = static_root()
            if base is None:
                return self._not_found(path)
            target = (base / path.lstrip("/")).resolve()
            if not target.is_relative_to(base.resolve()) or not target.is_file():
                return self._not_found(path)
            kind = {".png": "image/png", ".svg": "image/svg+xml", ".css": "text/css", ".csv": "text/csv",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    }.get(target.suffix.lower(), "application/octet-stream")
            self._send(target.read_bytes(), kind)

        def _not_found(self, path: str) -> None:
            body = (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Not in the preview"
                    f"</title></head><body><p>{html.escape(path)} is not part of the preview (the PDF and Word "
                    f"copies are made by <code>python build.py</code>).</p></body></html>")
            self._send(body.encode("utf-8"), "text/html; charset=utf-8", HTTPStatus.NOT_FOUND)

        def _json(self, data: dict) -> None:
            self._send(json.dumps(data).encode("utf-8"), "application/json")

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass       # the reader closed the page

    return Handler


def serve(options: PreviewOptions) -> int:
    """Build, serve and watch until Ctrl-C. Returns the exit code."""
    preview = Preview(options)
    try:
        server = ThreadingHTTPServer((options.host, options.port),
                                     _handler(preview, lambda: preview.book_dir))
    except OSError as exc:
        raise PreviewError(f"cannot serve the preview on {options.host}:{options.port} ({exc.strerror or exc}); "
                           "choose another port with --port N (--port 0 takes a free one)") from None
    server.daemon_threads = True
    stop = threading.Event()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    _stop_on_terminate()
    try:
        serving.start()
        url = f"http://{options.host}:{server.server_address[1]}/"
        print(f"Preview at {url} (building what is needed first; the page shows it when ready)", flush=True)
        preview.refresh(full=True)
        preview.say(f"Watching {_shown(preview.watched()[1:], preview.root)} and {options.params_path}: "
                    "each save re-renders the page and reloads it. Ctrl-C stops the preview.")
        preview.watch(stop)
    except KeyboardInterrupt:
        preview.say("\nPreview stopped.")
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
    return 0


def _stop_on_terminate() -> None:
    """A terminate signal (a service manager, `kill`) stops the preview as Ctrl-C does."""
    def stop(signum, frame):
        raise KeyboardInterrupt
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _shown(files: list[Path], root: Path) -> str:
    if not files:
        return "the recommendations folder"
    folder = files[0].parent
    try:
        return str(folder.relative_to(root)) + "/"
    except ValueError:
        return str(folder) + "/"


def main_preview(argv: list[str], root: Path, default_params: Path) -> int:
    import argparse
    parser = argparse.ArgumentParser(
        prog="python build.py preview",
        description="Build what is needed, serve the assessment on this machine (127.0.0.1 only) and "
                    "re-render and reload the page each time a recommendation file or the params file is "
                    "saved. A mistake in a file is shown in the page, naming the file and line; the preview "
                    "keeps running. Ctrl-C stops it.")
    parser.add_argument("--params", type=Path, default=default_params,
                        help="the cycle's params file (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000; 0: any free port)")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks run at once when some must run")
    parser.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)   # a copy of the project (tests)
    parser.add_argument("--quiet", action="store_true", help="print only the address and errors")
    args = parser.parse_args(argv)
    options = PreviewOptions(params_path=args.params, root=args.root, port=args.port, jobs=args.jobs,
                             quiet=args.quiet)
    return serve(options)
