"""Benchmark comparison, target status and the display symbols."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from needs_assessment.measures.comparison import (
    BETTER, COMPARISON_WORDS, HIGHER, LOWER, MONITOR_ONLY, NO_DATA, NOT_COMPARED, OFF_TRACK, ON_TRACK,
    PALETTE, SIMILAR, STATUS_SYMBOLS, STATUS_WORDS, WORSE, compare_frame, compare_to_benchmark,
    status_text, target_status,
)


# --------------------------------------------------------------------------------------------------
# compare_to_benchmark

@pytest.mark.parametrize("polarity, interval, expected", [
    # benchmark 10; interval wholly below, straddling, wholly above
    ("lower", (7, 9), BETTER), ("lower", (9, 11), SIMILAR), ("lower", (11, 13), WORSE),
    ("higher", (7, 9), WORSE), ("higher", (9, 11), SIMILAR), ("higher", (11, 13), BETTER),
    ("none", (7, 9), LOWER), ("none", (9, 11), SIMILAR), ("none", (11, 13), HIGHER),
])
def test_compare_scalar(polarity, interval, expected):
    lower, upper = interval
    assert compare_to_benchmark((lower + upper) / 2, lower, upper, 10, polarity) == expected


def test_benchmark_on_a_limit_is_similar():
    assert compare_to_benchmark(12, 10, 14, 10, "lower") == SIMILAR
    assert compare_to_benchmark(8, 6, 10, 10, "higher") == SIMILAR


@pytest.mark.parametrize("args", [
    (None, 1, 2, 5), (1.5, np.nan, 2, 5), (1.5, 1, pd.NA, 5), (1.5, 1, 2, None), (1.5, 1, 2, np.nan),
])
def test_missing_anything_is_not_compared(args):
    assert compare_to_benchmark(*args, "lower") == NOT_COMPARED


def test_polarity_is_checked():
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark(1, 0, 2, 5, "low")
    assert compare_to_benchmark(1, 0, 2, 5, " Lower ") == BETTER


def test_compare_vectorised_keeps_index_and_mixed_polarity():
    idx = ["a", "b", "c", "d"]
    value = pd.Series([5.0, 15.0, 10.0, np.nan], index=idx)
    out = compare_to_benchmark(value, value - 1, value + 1, 10, pd.Series(["lower", "higher", "none", "none"],
                                                                           index=idx))
    assert isinstance(out, pd.Series)
    assert out.to_dict() == {"a": BETTER, "b": BETTER, "c": SIMILAR, "d": NOT_COMPARED}


def test_compare_frame_with_benchmark_column():
    df = pd.DataFrame({
        "area": ["Force", "North", "South"],
        "value": [10.0, 6.0, 14.0], "lower": [9.0, 5.0, 12.0], "upper": [11.0, 7.0, 16.0],
        "force_value": [10.0, 10.0, 10.0],
    }, index=[10, 11, 12])
    out = compare_frame(df, benchmark="force_value", polarity="lower")
    assert out.tolist() == [SIMILAR, BETTER, WORSE]
    assert list(out.index) == [10, 11, 12]
    assert compare_frame(df, benchmark=10.0, polarity="none").tolist() == [SIMILAR, LOWER, HIGHER]
    assert compare_frame(df, benchmark=None, polarity="none").tolist() == [NOT_COMPARED] * 3


# --------------------------------------------------------------------------------------------------
# target_status

@pytest.mark.parametrize("target, value, previous, baseline, expected", [
    ("below_baseline", 9.0, None, 10.0, ON_TRACK),
    ("below_baseline", 10.0, None, 10.0, ON_TRACK),
    ("below_baseline", 10.5, 20.0, 10.0, OFF_TRACK),
    ("below_baseline", 9.0, 8.0, None, NO_DATA),
    ("reduce", 9.0, 10.0, None, ON_TRACK),
    ("reduce", 10.0, 10.0, None, OFF_TRACK),
    ("reduce", 11.0, 10.0, 1.0, OFF_TRACK),
    ("reduce", 9.0, np.nan, None, NO_DATA),
    ("increase", 11.0, 10.0, None, ON_TRACK),
    ("increase", 10.0, 10.0, None, OFF_TRACK),
    ("increase", None, 10.0, None, NO_DATA),
    ("monitor", 5.0, 1.0, 1.0, MONITOR_ONLY),
    ("monitor", None, None, None, MONITOR_ONLY),
    ({"at_least": 90}, 90.0, None, None, ON_TRACK),
    ({"at_least": 90}, 89.9, 95.0, 95.0, OFF_TRACK),
    ({"at_least": 90}, pd.NA, None, None, NO_DATA),
    ({"at_most": 5}, 4.0, None, None, ON_TRACK),
])
def test_target_status(target, value, previous, baseline, expected):
    assert target_status(target, "lower", value, previous, baseline) == expected


def test_target_accepts_params_model_shape():
    class AtLeast:  # the shape of needs_assessment.params.AtLeast
        at_least = 90.0
    assert target_status(AtLeast(), "higher", 93.2) == ON_TRACK
    assert target_status(AtLeast(), "higher", 80) == OFF_TRACK


def test_improve_follows_polarity():
    assert target_status("improve", "lower", 9, 10) == ON_TRACK
    assert target_status("improve", "higher", 9, 10) == OFF_TRACK
    assert target_status("improve", "none", 9, 10) == MONITOR_ONLY


def test_unknown_target_or_polarity_rejected():
    with pytest.raises(ValueError, match="target"):
        target_status("halve", "lower", 1, 2)
    with pytest.raises(ValueError, match="target"):
        target_status({"at_least": 90, "by": 2026}, "lower", 1, 2)
    with pytest.raises(ValueError, match="polarity"):
        target_status("reduce", "down", 1, 2)


# --------------------------------------------------------------------------------------------------
# symbols and colours

def test_every_word_has_a_style():
    assert set(STATUS_SYMBOLS) == set(COMPARISON_WORDS) | set(STATUS_WORDS)


def test_text_contains_the_word_so_colour_and_glyph_are_never_the_only_cue():
    for word, style in STATUS_SYMBOLS.items():
        assert style.text == f"{style.symbol} {word}"
        assert style.description
        assert style.colour in PALETTE.values()
        assert re.fullmatch(r"#[0-9A-F]{6}", style.colour)


def test_symbols_distinguish_words_within_each_family():
    comparison = [STATUS_SYMBOLS[w].symbol for w in (BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED)]
    assert len(set(comparison)) == len(comparison)
    status = [STATUS_SYMBOLS[w].symbol for w in STATUS_WORDS]
    assert len(set(status)) == len(status)
    colours = [STATUS_SYMBOLS[w].colour for w in COMPARISON_WORDS]
    assert len(set(colours)) == len(colours)


def test_better_and_worse_do_not_use_direction_arrows():
    # With polarity "lower", Better means lower: an up arrow would contradict the figure.
    for word in (BETTER, WORSE):
        assert STATUS_SYMBOLS[word].symbol not in "▲▼↑↓"


def test_status_text():
    assert status_text(BETTER) == "✓ Better"
    assert status_text("") == ""
