"""`--areas`: the areas are rendered side by side, and no district writes into the force's
publication folder before the force's new publication is in place."""

from __future__ import annotations

import time
from pathlib import Path

from needs_assessment.pipeline import areas as areas_module
from needs_assessment.pipeline.areas import Area, render_areas
from needs_assessment.pipeline.build import BuildOptions, BuildResult


def force_and_districts(tmp_path: Path, districts: int, jobs: int) -> tuple[BuildOptions, list[Area]]:
    """The force and `districts` districts, each area's params standing in by its folder name."""
    base = BuildOptions(params_path=Path("p.yml"), root=tmp_path, jobs=jobs, quiet=True)
    return base, [Area("Force", "", "force", base)] + [
        Area(f"District {i}", f"district-{i}", f"district-{i}", BuildOptions(
            params_path=Path("p.yml"), root=tmp_path, jobs=jobs, quiet=True, target=tmp_path / f"district-{i}"))
        for i in range(districts)]


def test_districts_render_beside_the_force_but_publish_after_it(monkeypatch, tmp_path):
    events: list[tuple[str, str, float]] = []

    def fake_build(options: BuildOptions, params) -> BuildResult:
        name = params
        events.append((name, "render starts", time.perf_counter()))
        time.sleep(0.4 if name == "force" else 0.1)       # the force renders for longest
        if options.before_writing_target is not None:
            options.before_writing_target()
        events.append((name, "publishes", time.perf_counter()))
        return BuildResult(0, [], options.target, {}, {}, "")

    monkeypatch.setattr(areas_module, "_build", fake_build)
    base, areas = force_and_districts(tmp_path, 3, jobs=2)
    results = render_areas(areas, {}, base, say=lambda text: None)

    assert list(results) == ["Force", "District 0", "District 1", "District 2"]
    when = {(name, what): t for name, what, t in events}
    force_published = when[("force", "publishes")]
    # a district rendered while the force did (two at once), and none published before the force
    assert when[("district-0", "render starts")] < force_published
    assert all(when[(f"district-{i}", "publishes")] >= force_published for i in range(3))


def test_a_force_that_fails_still_lets_the_districts_publish(monkeypatch, tmp_path):
    def fake_build(options: BuildOptions, params) -> BuildResult:
        if params == "force":
            from needs_assessment.common.errors import NeedsAssessmentError
            raise NeedsAssessmentError("the force's recommendations file is wrong")
        options.before_writing_target()
        return BuildResult(0, [], options.target, {}, {}, "")

    monkeypatch.setattr(areas_module, "_build", fake_build)
    base = BuildOptions(params_path=Path("p.yml"), root=tmp_path, jobs=1, quiet=True)
    areas = [Area("Force", "", "force", base),
             Area("District", "district", "district", BuildOptions(params_path=Path("p.yml"), root=tmp_path,
                                                                    jobs=1, quiet=True, target=tmp_path / "d"))]
    results = render_areas(areas, {}, base, say=lambda text: None)
    assert results["Force"].exit_code == 1 and results["District"].published_to == tmp_path / "d"


def test_an_area_renders_as_soon_as_its_chapters_have_run_and_in_order(monkeypatch, tmp_path):
    """The force renders while the districts' chapters still run; a district whose chapters end
    first still waits for the areas before it, so no district holds a thread waiting for the force."""
    from collections import Counter
    from needs_assessment.pipeline.areas import AreaRenders
    from needs_assessment.pipeline.runner import NotebookOutcome

    rendered: list[tuple[str, dict]] = []

    def fake_build(options: BuildOptions, params) -> BuildResult:
        rendered.append((params, dict(options.chapter_outcomes)))
        return BuildResult(0, [], options.target, {}, {}, "")

    monkeypatch.setattr(areas_module, "_build", fake_build)
    base, areas = force_and_districts(tmp_path, 2, jobs=1)
    renders = AreaRenders(areas, Counter({"force": 2, "district-0": 1, "district-1": 1}), base,
                          say=lambda text: None)

    def finish(key: str) -> None:
        renders.chapter_finished(key, NotebookOutcome(key.split("/")[1], "done", 0.1, tmp_path / key))

    def names() -> list[str]:
        time.sleep(0.2)        # the render thread has had time to start
        return [name for name, _ in rendered]

    try:
        finish("district-1/victims")          # district 1 is ready, but the areas before it are not
        finish("force/victims")
        assert names() == []
        finish("force/safety")                # the force has all its chapters: it renders now
        assert names() == ["force"]
        assert set(rendered[0][1]) == {"victims", "safety"}
        finish("district-0/victims")          # district 0, then district 1 already waiting
        assert names() == ["force", "district-0", "district-1"]
        results = renders.results()
    finally:
        renders.close()
    assert list(results) == ["Force", "District 0", "District 1"]
    # each area gets its own chapters only
    assert list(rendered[2][1]) == ["victims"]
    assert rendered[2][1]["victims"].output == tmp_path / "district-1/victims"
