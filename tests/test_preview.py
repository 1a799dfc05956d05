"""`python build.py preview` as a reviewer uses it, in a copy of the project (the small plan): it
builds, serves on 127.0.0.1, shows a saved edit, shows a mistake in the page naming the file and
line while it keeps running, comes back when the file is fixed, and stops cleanly on Ctrl-C.
The reviewers' files are only read. Runs real kernels (the first build)."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from project_copy import copy_project

ROOT = Path(__file__).resolve().parents[1]
SMALL = "tests/fixtures/small_plan"
REC = f"{SMALL}/recommendations/S1-safer-streets.md"
pytestmark = pytest.mark.slow


def served_address(log: Path, process: subprocess.Popen, deadline: float = 120) -> str:
    """The address the preview printed once it bound its port.

    The test asks for --port 0 rather than picking a free port itself: a port found free here can be
    taken (by another test's Jupyter kernel, as CI saw) before the preview starts and binds it.
    """
    end = time.monotonic() + deadline
    while time.monotonic() < end and process.poll() is None:
        found = re.search(r"Preview at (http://127\.0\.0\.1:\d+)/", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"the preview printed no address: {log.read_text()}{log.with_name('err.txt').read_text()}")


def get(url: str, timeout: float = 60) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def version(base: str) -> dict:
    return json.loads(get(base + "/__preview/version", timeout=5))


def wait_for_change(base: str, since: int, deadline: float = 60) -> dict:
    """The long poll the page's script makes: returns when the version moves on."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        state = json.loads(get(f"{base}/__preview/wait?since={since}", timeout=deadline))
        if state["version"] != since:
            return state
    raise AssertionError(f"the preview did not change within {deadline} s")


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.md"))}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("preview-project"))


def test_preview_shows_edits_and_mistakes_and_stops_cleanly(project, tmp_path):
    rec = project / REC
    original = rec.read_text()
    others_before = {k: v for k, v in hashes(rec.parent).items() if k != rec.name}
    log_out, log_err = (tmp_path / "out.txt").open("w+"), (tmp_path / "err.txt").open("w+")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "preview", "--root", str(project),
         "--params", str(project / SMALL / "params.yml"), "--port", "0", "--jobs", "2"],
        cwd=project, stdout=log_out, stderr=log_err)
    try:
        base = served_address(tmp_path / "out.txt", process)
        port = int(base.rsplit(":", 1)[1])
        # the first build runs the two chapters; the page is served once it is done
        end = time.monotonic() + 300
        state = None
        while time.monotonic() < end and process.poll() is None:
            try:
                state = version(base)
                if state["version"] >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert process.poll() is None, (tmp_path / "err.txt").read_text()
        assert state and state["version"] >= 1 and state["error"] is None, state
        page = get(base + "/")
        assert "S1-R1" in page and "/__preview/wait" in page
        assert "na-preview-error" not in page

        # 1. an edit reaches the served page; no kernel runs for it
        sentence = "A sentence saved by the preview test."
        rec.write_text(original.replace("compared with the baseline.", f"compared with the baseline. {sentence}"))
        state = wait_for_change(base, state["version"])
        assert state["error"] is None, state
        page = get(base + "/")
        assert sentence in page
        # the summary of recommendations is served too, with the edit
        assert sentence in get(base + "/recommendations-summary.html")
        # the page's figures are served from the preview's copy of the book, nothing outside it
        book = project / "_build" / "small-plan" / "preview" / "book"
        figure = next(iter(sorted((book / "chapters" / "figures").glob("*.png"))))
        assert f'src="chapters/figures/{figure.name}"' in page
        with urllib.request.urlopen(f"{base}/chapters/figures/{figure.name}", timeout=10) as response:
            assert response.read() == figure.read_bytes()
        with pytest.raises(urllib.error.HTTPError):
            get(f"{base}/../../params/demo-2024.yml", timeout=10)

        # 2. an unknown variable: the page says so, naming the file and the line; the server stays up
        broken = original.replace("{{< var neighbourhood_crime.change_vs_baseline >}}",
                                  "{{< var neighbourhood_crime.change_vs_baselin >}}")
        line = next(i for i, text in enumerate(broken.splitlines(), 1) if "change_vs_baselin " in text)
        rec.write_text(broken)
        state = wait_for_change(base, state["version"])
        assert state["error"] and "S1-safer-streets.md" in state["error"]
        page = get(base + "/")
        assert "na-preview-error" in page and 'role="alert"' in page
        assert f"S1-safer-streets.md, line {line}" in page
        assert "change_vs_baselin" in page
        assert sentence in page                       # the last version that built is still shown below
        assert process.poll() is None

        # 3. bad front matter: also a message in the page
        rec.write_text(original.replace("chapter: S1", "chapter: [S1"))
        state = wait_for_change(base, state["version"])
        assert state["error"] and "S1-safer-streets.md" in state["error"]
        assert "na-preview-error" in get(base + "/")

        # 4. fixed: the page comes back, without the message
        fixed = original.replace("compared with the baseline.", "compared with the baseline. Fixed again.")
        rec.write_text(fixed)
        state = wait_for_change(base, state["version"])
        assert state["error"] is None, state
        page = get(base + "/")
        assert "Fixed again." in page and "na-preview-error" not in page
        assert rec.read_text() == fixed
        assert {k: v for k, v in hashes(rec.parent).items() if k != rec.name} == others_before

        # only this machine: the server is bound to 127.0.0.1
        assert f"127.0.0.1:{port}" in (tmp_path / "out.txt").read_text()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        rec.write_text(original)
    out, err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert code == 0, err
    assert "Traceback" not in out + err
    assert "Preview stopped." in out
