"""MITI 4 thresholds and reflections per question: the one implementation that modules 02 and 03 share."""

from __future__ import annotations

import math

import pytest

from helpcourse import evidence, miti


def test_thresholds_come_from_the_evidence_table():
    thresholds = miti.miti_thresholds()
    ratio, complex_share = thresholds["reflections_per_question"], thresholds["complex_reflection_share"]
    assert (ratio.fair, ratio.good) == (1.0, 2.0) and ratio.evidence_key == "miti_reflection_question_ratio"
    assert ratio.text == evidence.row("miti_reflection_question_ratio").value_text == "fair 1:1; good 2:1"
    assert (complex_share.fair, complex_share.good) == (0.4, 0.5)
    assert complex_share.text == "fair 40%; good 50%" and complex_share.evidence_key == "miti_complex_reflections"
    assert ratio.label == "Reflections per question"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("fair 1:1; good 2:1", (1.0, 2.0)), ("fair 40%; good 50%", (0.4, 0.5)), ("good 2.5 : 1, fair 1.5:1", (1.5, 2.5))],
)
def test_parse_thresholds(text, expected):
    assert miti.parse_miti_thresholds(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["fair about one to one", "fair 1:1", "good 50%", ""])
def test_threshold_text_that_cannot_be_read_is_refused(text):
    with pytest.raises(ValueError):
        miti.parse_miti_thresholds(text)


@pytest.mark.parametrize(
    ("value", "level"),
    [(0.0, "below fair"), (0.99, "below fair"), (1.0, "fair"), (1.99, "fair"), (2.0, "good"), (17.0, "good"),
     (math.inf, "good"), (math.nan, "not assessable"), (None, "not assessable")],
)
def test_level_boundaries(value, level):
    assert miti.miti_level(value, miti.miti_thresholds()["reflections_per_question"]) == level


def test_level_of_complex_share():
    threshold = miti.miti_thresholds()["complex_reflection_share"]
    assert [miti.miti_level(v, threshold) for v in (0.39, 0.40, 0.5)] == ["below fair", "fair", "good"]


def test_reflections_per_question_by_hand():
    assert miti.reflections_per_question(2, 1) == 2.0
    assert miti.reflections_per_question(12, 19) == pytest.approx(0.6316, abs=1e-4)
    assert miti.reflections_per_question(3, 0) == math.inf
    assert math.isnan(miti.reflections_per_question(0, 0))
    assert miti.reflections_per_question(0, 5) == 0.0
