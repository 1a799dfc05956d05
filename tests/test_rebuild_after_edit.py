"""A rebuild after a reviewer's edit (the small plan): no kernel starts, pandoc reads and writes only the
edited chapter, the downloads are kept, and what is published is byte for byte what a cold build
(--force: nothing kept) publishes from the same files. The reviewers' files are only read.
Runs real kernels."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from needs_assessment.pipeline.build import BuildOptions, build
from project_copy import copy_project

SMALL = "tests/fixtures/small_plan"
REC = f"{SMALL}/recommendations/S1-safer-streets.md"
pytestmark = pytest.mark.slow


def options(root: Path, **kw) -> BuildOptions:
    return BuildOptions(params_path=root / SMALL / "params.yml", root=root, jobs=2, quiet=True,
                        engine="embedded", **kw)


def published(root: Path) -> dict[str, bytes]:
    """Every published file's content. A workbook is compared by its parts, less the time it was
    written (docProps/core.xml) that every spreadsheet writer stamps in."""
    out = root / "_output" / "small-plan"
    files: dict[str, bytes] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name == "build-manifest.json":
            continue
        name = str(path.relative_to(out))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for member in sorted(book.namelist()):
                    if member != "docProps/core.xml":
                        files[f"{name}!{member}"] = book.read(member)
        else:
            files[name] = path.read_bytes()
    return files


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.md"))}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("rebuild-project"))


def test_rebuild_after_an_edit_publishes_what_a_cold_build_does(project):
    assert build(options(project)).exit_code == 0
    rec = project / REC
    rec.write_text(rec.read_text().replace("compared with the baseline.",
                                           "compared with the baseline. An edit for the rebuild test."))
    reviewers_before = hashes(rec.parent)

    result = build(options(project))
    assert result.exit_code == 0
    assert {r.chapter_id: r.status for r in result.chapters} == {"S1": "cached", "F1": "cached"}
    manifest = json.loads((project / "_output" / "small-plan" / "build-manifest.json").read_text())
    assert manifest["rendered"] is True
    after_edit = published(project)
    assert b"An edit for the rebuild test." in after_edit["needs-assessment.html"]
    assert b"An edit for the rebuild test." in after_edit["recommendations-summary.html"]
    # pandoc kept the chapter it did not need to write again: one HTML chunk per chapter is kept
    kept = project / "_build" / "small-plan" / "render-cache" / "book"
    assert len(list((kept / "html").glob("*.txt"))) == len(list((kept / "read").glob("*.json")))

    cold = build(options(project, force=True))
    assert cold.exit_code == 0
    assert {r.chapter_id: r.status for r in cold.chapters} == {"S1": "executed", "F1": "executed"}
    assert published(project) == after_edit
    assert hashes(rec.parent) == reviewers_before
