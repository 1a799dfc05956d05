"""A full disk, a read-only folder or one the user cannot write: one line naming the path and what
to do, exit code 2, and the publication is either the old one or the new one, never half of either.

The faults are simulated by patching the writes (the tests may run as root, who can write anywhere).
"""

from __future__ import annotations

import errno
import hashlib
import shutil
from pathlib import Path

import pytest

from needs_assessment import cli
from needs_assessment.pipeline import publish as publish_module
from needs_assessment.pipeline.publish import publish
from needs_assessment.common.errors import DiskWriteError, disk_fault, writing_into

FAULTS = {errno.ENOSPC: "the disk is full", errno.EROFS: "read-only file system",
          errno.EACCES: "you do not have permission to write there"}


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("code", sorted(FAULTS))
def test_each_fault_is_one_line_naming_the_path_and_what_to_do(code, tmp_path):
    with pytest.raises(DiskWriteError) as caught:
        with writing_into(tmp_path / "_output"):
            raise OSError(code, "simulated", str(tmp_path / "_output" / "x.pdf"))
    message = str(caught.value)
    assert "\n" not in message
    assert str(tmp_path / "_output" / "x.pdf") in message and FAULTS[code] in message
    assert "then build again" in message


def test_a_failed_write_that_names_no_file_names_the_folder(tmp_path):
    with pytest.raises(DiskWriteError, match=f"cannot write {tmp_path / '_build'}: the disk is full"):
        with writing_into(tmp_path / "_build"):
            raise OSError(errno.ENOSPC, "No space left on device")


def test_a_copy_that_failed_names_the_file_it_could_not_write(tmp_path):
    error = shutil.Error([("a/x.csv", "b/x.csv", "[Errno 28] No space left on device: 'b/x.csv'")])
    assert str(disk_fault(error)).startswith("cannot write b/x.csv: the disk is full")
    assert disk_fault(OSError(errno.ENOENT, "no such file")) is None    # not a disk fault: left alone
    assert disk_fault(shutil.Error([("a", "b", "same file")])) is None


def test_the_command_line_prints_one_line_and_exits_2(monkeypatch, capsys, tmp_path):
    from needs_assessment.pipeline import build as pipeline

    def full_disk(options):
        raise DiskWriteError(tmp_path / "_output" / "demo-2024", errno.ENOSPC, after=pipeline.UNCHANGED)

    monkeypatch.setattr(pipeline, "build", full_disk)
    assert cli.main(["--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(f"error: cannot write {tmp_path / '_output' / 'demo-2024'}: the disk is full")
    assert err[0].endswith("the previous publication is unchanged.")


def test_an_unexpected_disk_fault_elsewhere_still_gives_one_line(monkeypatch, capsys, tmp_path):
    def read_only(argv):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "review-report.html"))

    monkeypatch.setattr(cli, "review_command", read_only)
    assert cli.main(["review"]) == 2
    assert capsys.readouterr().err == (f"error: cannot write {tmp_path / 'review-report.html'}: you do not have "
                                       "permission to write there. Ask the folder's owner for write access (or "
                                       "build from a copy of the project you own), then build again.\n")


@pytest.fixture
def publications(tmp_path):
    old, new = tmp_path / "_output" / "cycle", tmp_path / "_build" / "publication.new"
    for folder, text in ((old, "old"), (new, "new")):
        (folder / "downloads").mkdir(parents=True)
        (folder / "needs-assessment.html").write_text(text)
        (folder / "downloads" / "measures.csv").write_text(text * 1000)
    return old, new


@pytest.mark.parametrize("code", sorted(FAULTS))
def test_a_copy_failing_half_way_leaves_the_old_publication_and_nothing_beside_it(code, publications, monkeypatch):
    old, new = publications
    before = tree(old)
    real_copy = shutil.copyfile

    def copy_then_fail(src, dst, *args, **kwargs):
        if Path(src).name == "measures.csv":
            Path(dst).write_text("half")
            raise OSError(code, "simulated", str(dst))
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy_then_fail)
    with pytest.raises(OSError) as caught:
        publish(new, old)
    assert disk_fault(caught.value) is not None and FAULTS[code] in str(disk_fault(caught.value))
    assert tree(old) == before
    assert sorted(p.name for p in old.parent.iterdir()) == ["cycle"]     # no .incoming left behind
    monkeypatch.undo()
    publish(new, old)                                                   # the next one succeeds
    assert (old / "needs-assessment.html").read_text() == "new"
    assert sorted(p.name for p in old.parent.iterdir()) == ["cycle"]


def test_a_rename_that_fails_puts_the_old_publication_back(publications, monkeypatch):
    old, new = publications
    before = tree(old)
    real_replace = publish_module.os.replace

    def refuse_incoming(src, dst):
        if str(src).endswith(".incoming"):
            raise OSError(errno.EROFS, "Read-only file system", str(src), None, str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", refuse_incoming)
    with pytest.raises(OSError):
        publish(new, old)
    assert tree(old) == before
    assert sorted(p.name for p in old.parent.iterdir()) == ["cycle"]
