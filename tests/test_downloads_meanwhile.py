"""The downloads written meanwhile (pipeline/downloads.py DownloadsMeanwhile): in a forked process
while the driver renders, the same files as copy_downloads; a failure raised as copy_downloads
raises it, before the render's own, with nothing partial taken for a whole write."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from needs_assessment.measures.store import RESULTS_FILE
from needs_assessment.params import load_params
from needs_assessment.pipeline import downloads as dl

from datasets_helpers import ROOT


@pytest.fixture
def build_dir(tmp_path) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / RESULTS_FILE).parent.mkdir(parents=True, exist_ok=True)
    (folder / RESULTS_FILE).write_bytes(b"results")
    return folder


@pytest.fixture
def params():
    return load_params(ROOT / "params" / "demo-2024.yml")


@pytest.fixture
def forking(monkeypatch):
    # pytest-xdist's worker runs a thread of its own: the build's driver does not
    monkeypatch.setattr(dl, "_fork_is_safe", lambda: True)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix != ".xlsx"}      # a workbook carries the time it was written


def test_written_in_a_child_process_the_same_files_as_copy_downloads(build_dir, params, tmp_path,
                                                                     monkeypatch, forking):
    real = dl.write_downloads
    writers: list[int] = []

    def recording(*args, **kw):
        (tmp_path / f"wrote-in-{os.getpid()}").write_text("")
        return real(*args, **kw)

    monkeypatch.setattr(dl, "write_downloads", recording)
    with dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "meanwhile") as downloads:
        assert downloads.finish() is True
    writers = [int(p.name.rsplit("-", 1)[1]) for p in tmp_path.glob("wrote-in-*")]
    assert writers and os.getpid() not in writers                 # the child wrote them
    (build_dir / dl.CACHE_DIR / dl.CACHE_KEY).unlink()
    assert dl.copy_downloads({}, params, build_dir, [], tmp_path / "serial", "code") is True
    assert files(tmp_path / "meanwhile") == files(tmp_path / "serial")
    assert {p.name for p in (tmp_path / "meanwhile").iterdir()} == {p.name for p in (tmp_path / "serial").iterdir()}
    # kept: the next one copies them, written by nobody
    again = dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "again")
    assert again.finish() is False and files(tmp_path / "again") == files(tmp_path / "serial")


def half_then_full_disk(kept_file: list):
    def write(results, params, build_dir, chapters, out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "measures.csv").write_text("half")
        kept_file.append(out_dir / "measures.csv")
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "measures.csv"))
    return write


def test_a_failing_writer_raises_as_copy_downloads_and_leaves_nothing_whole(build_dir, params, tmp_path,
                                                                           monkeypatch, forking):
    kept: list = []
    monkeypatch.setattr(dl, "write_downloads", half_then_full_disk(kept))
    with pytest.raises(OSError) as serial:
        dl.copy_downloads({}, params, build_dir, [], tmp_path / "serial", "code")
    with pytest.raises(OSError) as meanwhile:
        with dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out") as downloads:
            downloads.finish()
    assert (type(meanwhile.value), meanwhile.value.errno, meanwhile.value.filename) == \
        (type(serial.value), serial.value.errno, serial.value.filename)
    assert not (tmp_path / "out").exists()                               # nothing copied out
    assert not (build_dir / dl.CACHE_DIR / dl.CACHE_KEY).exists()         # the half write is not kept as whole


def test_the_downloads_failure_comes_before_the_renders(build_dir, params, tmp_path, monkeypatch, forking):
    monkeypatch.setattr(dl, "write_downloads", half_then_full_disk([]))
    with pytest.raises(OSError, match="No space left"):
        with dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out"):
            raise RuntimeError("the render failed")


def test_the_renders_failure_is_raised_when_the_downloads_are_fine(build_dir, params, tmp_path, forking):
    with pytest.raises(RuntimeError, match="the render failed"):
        with dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out"):
            raise RuntimeError("the render failed")
    assert (tmp_path / "out" / "measures.csv").is_file()              # finished, then the render's error


def test_an_interruption_stops_the_child(build_dir, params, tmp_path, monkeypatch, forking):
    import signal
    import time

    def slow(*args, **kw):
        time.sleep(60)

    monkeypatch.setattr(dl, "write_downloads", slow)
    with pytest.raises(KeyboardInterrupt):
        with dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out") as downloads:
            process = downloads.process
            raise KeyboardInterrupt
    assert process.exitcode == -signal.SIGTERM                      # stopped, not waited for
    assert not (tmp_path / "out").exists()


def test_with_other_threads_running_nothing_is_forked(build_dir, params, tmp_path):
    import threading
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        downloads = dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out")
        assert downloads.process is None
        assert downloads.finish() is True and (tmp_path / "out" / "measures.csv").is_file()
    finally:
        stop.set()
        other.join()


def test_cancel_stops_a_child_still_writing_and_keeps_nothing(build_dir, params, tmp_path, monkeypatch, forking):
    import signal
    import time

    def half_then_slow(results, params, build_dir, chapters, out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "measures.csv").write_text("half")
        time.sleep(60)

    monkeypatch.setattr(dl, "write_downloads", half_then_slow)
    downloads = dl.DownloadsMeanwhile({}, params, build_dir, [], "code", tmp_path / "out")
    process = downloads.process
    deadline = time.monotonic() + 20
    while not (build_dir / dl.CACHE_DIR / "measures.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    downloads.cancel()
    assert process.exitcode == -signal.SIGTERM
    assert not (build_dir / dl.CACHE_DIR / dl.CACHE_KEY).exists()     # the half write is never taken as whole
    downloads.cancel()                                                # again: nothing to stop


def test_a_build_writes_the_downloads_while_it_stages_the_book(tmp_path, monkeypatch, forking):
    """The downloads' child starts before the book is staged (staging leaves a core idle), and a
    build that stops at staging (a reviewer's file it cannot read) leaves no child running."""
    import time

    from project_copy import SMALL_PLAN, copy_project
    from needs_assessment.common.errors import NeedsAssessmentError
    from needs_assessment.pipeline import build as build_module

    (tmp_path / "project").mkdir()
    root = copy_project(tmp_path / "project")
    log = tmp_path / "order.log"
    real_write, real_stage = dl.write_downloads, build_module.stage_book

    def writing(*args, **kw):
        with log.open("a") as f:
            f.write(f"downloads {time.monotonic()}\n")
        return real_write(*args, **kw)

    def staging(*args, **kw):
        time.sleep(1.0)          # long enough for the child to have started
        with log.open("a") as f:
            f.write(f"staged {time.monotonic()}\n")
        return real_stage(*args, **kw)

    monkeypatch.setattr(dl, "write_downloads", writing)
    monkeypatch.setattr(build_module, "stage_book", staging)
    options = build_module.BuildOptions(params_path=root / SMALL_PLAN / "params.yml", root=root, jobs=2,
                                        quiet=True, engine="embedded")
    result = build_module.build(options)
    assert result.exit_code == 0 and (result.published_to / "downloads" / "measures.csv").is_file()
    events = dict(line.split() for line in log.read_text().splitlines())
    assert float(events["downloads"]) < float(events["staged"])

    children: list = []
    real_init = dl.DownloadsMeanwhile.__init__

    def recording(self, *args, **kw):
        real_init(self, *args, **kw)
        children.append(self)

    def failing(*args, **kw):
        raise NeedsAssessmentError("a reviewer's file could not be read")

    monkeypatch.setattr(dl.DownloadsMeanwhile, "__init__", recording)
    monkeypatch.setattr(build_module, "stage_book", failing)
    with pytest.raises(NeedsAssessmentError):     # a warm build: the chapters are cached, staging fails
        build_module.build(options)
    assert children and all(c.process is None for c in children)     # stopped, none left running
