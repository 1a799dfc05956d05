"""The params file: the demonstration cycle and the second plan load; mistakes name the key and line."""

from pathlib import Path

import pytest
import yaml

from needs_assessment.common.errors import ParamsError
from needs_assessment.params import load_params

ROOT = Path(__file__).resolve().parents[1]


def test_demo_params_describe_the_2021_24_plan():
    params = load_params(ROOT / "params" / "demo-2024.yml")
    titles = [c.title for c in params.chapters()]
    for expected in ["Supporting Victims and Witnesses and Improving Criminal Justice Outcomes",
                     "Keeping People Safe and Building Resilience", "Safer Places and Thriving Communities",
                     "Responding to Multiple and Complex Needs", "Safety of Women and Girls",
                     "Equality, Diversity and Inclusion", "Early Intervention and Prevention"]:
        assert expected in titles
    for chapter in params.chapters():
        assert (ROOT / chapter.notebook).exists(), chapter.notebook


def test_second_plan_is_only_a_params_file_and_notebooks():
    params = load_params(ROOT / "tests" / "fixtures" / "small_plan" / "params.yml")
    assert [c.id for c in params.chapters()] == ["S1", "F1"]
    for chapter in params.chapters():
        assert (ROOT / chapter.notebook).exists()


def write(tmp_path, mutate) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "demo-2024.yml").read_text())
    mutate(raw)
    path = tmp_path / "params.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_bad_month_names_key_and_line(tmp_path):
    path = write(tmp_path, lambda r: r.update(period_end="March 2024"))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert "period_end" in message and "YYYY-MM" in message and "line" in message


def test_a_baseline_that_is_not_twelve_months_names_the_key_and_line(tmp_path):
    path = write(tmp_path, lambda r: r.update(baseline={"start": "2019-04", "end": "2020-09"}))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert "baseline" in message and "12 months" in message and "is 18" in message and "line" in message


def test_unknown_measure_in_a_chapter(tmp_path):
    def mutate(raw):
        raw["plan"]["parts"][1]["chapters"][0]["measures"].append("burglary_typo")
    with pytest.raises(ParamsError, match="burglary_typo"):
        load_params(write(tmp_path, mutate))


def test_measure_reading_unknown_dataset(tmp_path):
    def mutate(raw):
        raw["measures"]["neighbourhood_crime"]["source"] = "street_crimes"
    with pytest.raises(ParamsError, match="street_crimes.*known"):
        load_params(write(tmp_path, mutate))


def test_rate_without_denominator(tmp_path):
    def mutate(raw):
        del raw["measures"]["neighbourhood_crime"]["denominator"]
    with pytest.raises(ParamsError, match="denominator"):
        load_params(write(tmp_path, mutate))


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yml")
