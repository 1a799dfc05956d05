"""The whole build on a second, smaller plan: papermill parameter injection, the chapter cache,
failure isolation, --allow-partial, publication and the reviewers' files. Runs real kernels."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from needs_assessment.pipeline.build import BuildOptions, build
from project_copy import copy_project

SMALL = "tests/fixtures/small_plan"
pytestmark = pytest.mark.slow


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project's sources with small demonstration data."""
    return copy_project(tmp_path_factory.mktemp("project"))


def options(root: Path, **kw) -> BuildOptions:
    kw.setdefault("engine", "embedded")
    return BuildOptions(params_path=root / SMALL / "params.yml", root=root, jobs=2, quiet=True, **kw)


def manifest(root: Path, cycle="small-plan") -> dict:
    return json.loads((root / "_output" / cycle / "build-manifest.json").read_text())


def html_text(root: Path, cycle="small-plan") -> str:
    return (root / "_output" / cycle / "needs-assessment.html").read_text()


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def first_build(project):
    recommendations_before = tree_hashes(project / SMALL / "recommendations")
    result = build(options(project))
    return result, recommendations_before


def test_cold_build_publishes_book_summary_and_downloads(project, first_build):
    result, _ = first_build
    assert result.exit_code == 0, result.manifest["chapters"]
    out = project / "_output" / "small-plan"
    for name in ("needs-assessment.html", "needs-assessment.pdf", "recommendations-summary.html",
                 "recommendations-summary.pdf", "build-manifest.json", "downloads/measures.csv"):
        assert (out / name).exists(), name
    data = manifest(project)
    assert {c: v["status"] for c, v in data["chapters"].items()} == {"S1": "executed", "F1": "executed"}
    assert data["inputs"]["street_crime"]["files"][0]["blake3"]
    assert data["staging_warnings"] == []     # every chart has its alt text and caption
    assert data["package_version"]
    html = html_text(project)
    assert "Safer Streets" in html and "Fair Policing" in html
    assert "S1-R1" in html and "F1-R1" in html
    # a different plan: none of the default plan's chapters
    assert "Supporting Victims and Witnesses" not in html


def test_parameters_are_injected_with_the_kernel_name(project, first_build):
    log = project / "_build" / "small-plan" / "notebooks" / "S1.ipynb"
    nb = nbformat.read(log, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'chapter_id = "S1"' in injected[0].source
    assert str(project / "_build" / "small-plan") in injected[0].source
    assert nb.metadata["papermill"]["parameters"]["chapter_id"] == "S1"
    assert nb.metadata["kernelspec"]["name"] == "needs-assessment"


def test_warm_build_runs_no_notebook(project, first_build):
    result = build(options(project))
    assert result.exit_code == 0
    assert [c.status for c in result.chapters] == ["cached", "cached"]
    assert result.timings["measures_computed"] == 0.0
    assert all(v["from_cache"] for v in manifest(project)["chapters"].values())


def test_editing_a_recommendation_shows_without_running_a_kernel(project, first_build):
    path = project / SMALL / "recommendations" / "F1-fairness.md"
    original = path.read_text()
    path.write_text(original.replace("scrutiny panel.", "scrutiny panel and the youth independent advisory group."))
    try:
        result = build(options(project))
        assert [c.status for c in result.chapters] == ["cached", "cached"]
        assert "youth independent advisory group" in html_text(project)
        text = pdf_text(project / "_output" / "small-plan" / "needs-assessment.pdf")
        assert "youth independent" in " ".join(text.split())
    finally:
        path.write_text(original)


def test_builds_never_change_the_reviewers_files(project, first_build):
    _, before = first_build
    assert tree_hashes(project / SMALL / "recommendations") == before


def test_renaming_a_chapter_in_the_params_reruns_it(project, first_build):
    """A notebook reads the params file itself (titles, the plan, the order of measures): a change
    there must not publish the chapter from the cache with its old title."""
    params_file = project / SMALL / "params.yml"
    original = params_file.read_text()
    assert original.count("title: Safer Streets") == 1
    params_file.write_text(original.replace("title: Safer Streets", "title: Safer Streets and Roads"))
    try:
        result = build(options(project))
        assert result.exit_code == 0
        assert {c.chapter_id: c.status for c in result.chapters}["S1"] == "executed"
        assert "Safer Streets and Roads" in html_text(project)
    finally:
        params_file.write_text(original)
        build(options(project))


def test_changed_data_reruns_chapters_and_changes_the_findings(project, first_build):
    chapter_md = project / "_build" / "small-plan" / "book" / "chapters" / "S1-safer-streets.md"
    before = chapter_md.read_text()
    month_file = project / "data/demo/police-uk/2024-02/2024-02-demoshire-street.csv"
    original = month_file.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    burglary = [l for l in lines if ",Burglary," in l]
    month_file.write_bytes(original + "".join(burglary * 3).encode())
    try:
        result = build(options(project))
        assert [c.status for c in result.chapters] == ["executed", "executed"]
        assert result.timings["measures_computed"] == 1.0
        after = chapter_md.read_text()
        assert after != before
    finally:
        month_file.write_bytes(original)


def test_failing_chapter_leaves_previous_publication_untouched(project, first_build):
    _, recommendations_before = first_build
    broken = project / SMALL / "notebooks" / "fairness.ipynb"
    original = broken.read_bytes()
    nb = nbformat.read(broken, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure for the test')"))
    nbformat.write(nb, broken)
    published_before = tree_hashes(project / "_output" / "small-plan")
    try:
        result = build(options(project))
        assert result.exit_code != 0
        status = {c.chapter_id: c for c in result.chapters}
        assert status["S1"].status in ("cached", "executed")
        assert status["F1"].status == "failed"
        assert "RuntimeError" in status["F1"].error and "deliberate failure" in status["F1"].error
        assert "cell" in status["F1"].error
        assert tree_hashes(project / "_output" / "small-plan") == published_before
        # the executed notebook is kept as the log, with the error in it
        log = nbformat.read(project / "_build/small-plan/notebooks/F1.ipynb", as_version=4)
        assert any(o.get("output_type") == "error" for c in log.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))

        partial = build(options(project, allow_partial=True))
        assert partial.exit_code != 0
        html = html_text(project)
        assert "This chapter failed to build" in html
        assert "Safer Streets" in html
        # failed builds, too, leave the reviewers' files byte for byte as they were
        assert tree_hashes(project / SMALL / "recommendations") == recommendations_before
    finally:
        broken.write_bytes(original)
        build(options(project))   # leave a good publication for the other tests


# ---------------------------------------------------------------------- with Quarto on the PATH
# (a stand-in: tests/quarto_fake.py; the real Quarto suite is test_publication_quarto.py)


def test_auto_renderer_falls_back_to_the_embedded_renderer_when_quarto_fails(project, first_build,
                                                                            tmp_path, monkeypatch):
    import quarto_fake
    calls = quarto_fake.use(monkeypatch, tmp_path, mode="fail-pdf")
    result = build(options(project, engine="auto"))
    assert result.exit_code == 0, result.message
    assert calls.read_text().count("--to html") >= 1          # Quarto was tried (and made the HTML)
    data = manifest(project)
    assert data["renderer"] == "embedded"                      # the whole publication, not half
    assert "pagebreaks are not allowed inside of containers" in data["quarto_failure"]
    assert "chapters/PM-performance.md" in data["quarto_failure"]
    assert "--renderer embedded" in data["quarto_failure"]
    assert any(w.startswith("Quarto failed") for w in data["render_warnings"])
    out = project / "_output" / "small-plan"
    assert not (out / "index.html").exists()                  # nothing of Quarto's site is left
    assert "Safer Streets" in html_text(project)


def test_quarto_renderer_failure_publishes_nothing_and_says_how_to_build(project, first_build,
                                                                          tmp_path, monkeypatch):
    import quarto_fake
    build(options(project))
    published_before = tree_hashes(project / "_output" / "small-plan")
    quarto_fake.use(monkeypatch, tmp_path, mode="fail-pdf")
    result = build(options(project, engine="quarto"))
    assert result.exit_code == 1
    assert "pagebreaks are not allowed inside of containers" in result.message
    assert "--renderer embedded" in result.message and "Traceback" not in result.message
    assert tree_hashes(project / "_output" / "small-plan") == published_before


def test_quarto_warnings_reach_the_manifest(project, first_build, tmp_path, monkeypatch):
    import quarto_fake
    quarto_fake.use(monkeypatch, tmp_path, mode="warn")
    try:
        result = build(options(project, engine="quarto"))
        assert result.exit_code == 0, result.message
        data = manifest(project)
        assert data["renderer"] == "quarto"
        assert any("Unable to resolve crossref @fig-missing" in w for w in data["render_warnings"])
        assert (project / "_output" / "small-plan" / "downloads" / "measures.csv").is_file()
        assert (project / "_build" / "small-plan" / "book" / "downloads" / "measures.csv").is_file()
    finally:
        monkeypatch.undo()
        build(options(project))   # leave the embedded publication for the other tests


def test_disk_faults_publish_nothing_half_written_and_the_next_build_succeeds(project, first_build, monkeypatch):
    """A full `_output/` while the new publication is copied in, a full `_build/` while the book is
    staged, a read-only `_output/` when only the manifest is refreshed: each stops the build with a
    DiskWriteError naming the path (cli prints it as one line, exit code 2), leaves the published
    folder exactly as it was with no temporary file in or beside it, and the next build succeeds."""
    import errno
    from needs_assessment.pipeline import publish as publish_module
    from needs_assessment.common.errors import DiskWriteError

    out = project / "_output" / "small-plan"
    path = project / SMALL / "recommendations" / "F1-fairness.md"
    original = path.read_text()
    path.write_text(original.replace("scrutiny panel.", "scrutiny panel and the disk-fault test."))
    before = tree_hashes(out)
    siblings = sorted(p.name for p in out.parent.iterdir())
    real_copy = shutil.copyfile

    def full_output(src, dst, *args, **kwargs):
        if Path(dst).name == "needs-assessment.pdf":
            raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))
        return real_copy(src, dst, *args, **kwargs)

    real_write_text = Path.write_text

    def full_build(self, *args, **kwargs):
        if project / "_build" in self.parents and self.suffix == ".md":
            raise OSError(errno.ENOSPC, "No space left on device")    # a write(): no file named
        return real_write_text(self, *args, **kwargs)

    try:
        with monkeypatch.context() as patch:
            patch.setattr(publish_module.shutil, "copyfile", full_output)
            with pytest.raises(DiskWriteError) as caught:
                build(options(project))
        message = str(caught.value)
        assert message.startswith(f"cannot write {out.with_name('small-plan.incoming')}/needs-assessment.pdf: "
                                  "the disk is full. Free some space")
        assert message.endswith("Nothing was published: the previous publication is unchanged.")
        assert tree_hashes(out) == before and sorted(p.name for p in out.parent.iterdir()) == siblings
        assert not (project / "_build" / "small-plan" / "publication.new").exists()

        with monkeypatch.context() as patch:
            patch.setattr(Path, "write_text", full_build)
            with pytest.raises(DiskWriteError, match=f"cannot write {project / '_build' / 'small-plan'}: "
                                                     "the disk is full"):
                build(options(project))
        assert tree_hashes(out) == before

        assert build(options(project)).exit_code == 0               # the fault is gone: it publishes
        assert "disk-fault test" in html_text(project)
        published = tree_hashes(out)

        def read_only(self, *args, **kwargs):
            if self.name.endswith("build-manifest.json.tmp"):
                raise OSError(errno.EROFS, "Read-only file system", str(self))
            return real_write_text(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(Path, "write_text", read_only)
            with pytest.raises(DiskWriteError, match="read-only file system"):
                build(options(project))                               # up to date: only the manifest
        assert tree_hashes(out) == published and sorted(p.name for p in out.parent.iterdir()) == siblings
        assert build(options(project)).exit_code == 0
    finally:
        path.write_text(original)


def test_downloads_written_while_rendering_fail_the_build_as_before_and_publish_nothing(project, first_build,
                                                                                       monkeypatch):
    """The embedded renderer renders while a forked process writes the downloads: a writer that
    fails half way (a full `_build/`) stops the build with the DiskWriteError it always gave, the
    publication as it was, nothing half written kept as whole; the next build writes them in the
    child and publishes the same files."""
    import errno
    import os
    from needs_assessment.common.errors import DiskWriteError
    from needs_assessment.pipeline import downloads as dl

    out = project / "_output" / "small-plan"
    kept = project / "_build" / "small-plan" / dl.CACHE_DIR
    path = project / SMALL / "recommendations" / "F1-fairness.md"
    original = path.read_text()
    published_csv = {p.name: p.read_bytes() for p in sorted((out / "downloads").glob("*.csv"))}
    monkeypatch.setattr(dl, "_fork_is_safe", lambda: True)     # the xdist worker's thread is not the build's
    real_write = dl.write_downloads
    writers: list[int] = []

    def half_then_full(results, params, build_dir, chapters, out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "measures.csv").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "measures.csv"))

    def recording(*args, **kw):
        writers.append(os.getpid())
        (args[-1].parent / "writer.pid").write_text(str(os.getpid()))
        return real_write(*args, **kw)

    try:
        path.write_text(original.replace("scrutiny panel.", "scrutiny panel and the downloads test."))
        before = tree_hashes(out)
        (kept / dl.CACHE_KEY).unlink()              # written again by this build
        with monkeypatch.context() as patch:
            patch.setattr(dl, "write_downloads", half_then_full)
            with pytest.raises(DiskWriteError, match=f"cannot write {kept}/measures.csv: the disk is full"):
                build(options(project))
        assert tree_hashes(out) == before
        assert not (project / "_build" / "small-plan" / "publication.new").exists()
        assert not (kept / dl.CACHE_KEY).exists()

        with monkeypatch.context() as patch:
            patch.setattr(dl, "write_downloads", recording)
            assert build(options(project)).exit_code == 0
        pid = int((kept.parent / "writer.pid").read_text())
        assert pid != os.getpid() and not writers          # written in the child, not here
        assert "downloads test" in html_text(project)
        assert {p.name: p.read_bytes() for p in sorted((out / "downloads").glob("*.csv"))} == published_csv
        assert (out / "downloads" / "small-plan-needs-assessment-tables.xlsx").is_file()
    finally:
        (kept.parent / "writer.pid").unlink(missing_ok=True)
        path.write_text(original)


def test_word_copies_are_the_full_publication_and_quarto_makes_them_when_it_renders(project, first_build,
                                                                                   tmp_path, monkeypatch):
    """--to html,pdf,docx publishes the cycle itself (not a preview); with Quarto on the PATH,
    `auto` renders the whole publication with Quarto, the Word copies with Quarto's docx format."""
    import quarto_fake
    calls = quarto_fake.use(monkeypatch, tmp_path)
    result = build(options(project, engine="auto", formats=("html", "pdf", "docx")))
    assert result.exit_code == 0, result.message
    assert result.published_to == project / "_output" / "small-plan"
    data = manifest(project)
    assert data["renderer"] == "quarto" and data["quarto_failure"] is None
    assert "--to docx" in calls.read_text()
    assert {"needs-assessment.docx", "recommendations-summary.docx"} <= set(data["outputs"])
    monkeypatch.undo()
    # the embedded renderer makes them too, linked from the HTML; a default build afterwards renders
    # again (the formats are in the publication key): no Word link
    assert build(options(project, formats=("html", "pdf", "docx"))).exit_code == 0
    assert 'href="needs-assessment.docx"' in html_text(project)
    assert build(options(project)).exit_code == 0
    assert "docx" not in " ".join(manifest(project)["outputs"]) and ".docx" not in html_text(project)
