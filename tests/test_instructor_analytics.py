"""Class statistics of the analytics report, checked against hand-computed examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpcourse.instructor.analytics import (
    common_failures,
    difficulty,
    discrimination,
    manual_progress,
    score_distribution,
)


@pytest.fixture
def four_students() -> tuple[pd.DataFrame, pd.Series]:
    points = pd.DataFrame({"q1": [2, 2, 0, 2], "q2": [1, 0, 1, 1], "q3": [0, 1, 1, 1]},
                          index=["s1", "s2", "s3", "s4"], dtype=float)
    return points, pd.Series({"q1": 2.0, "q2": 1.0, "q3": 1.0})


def test_difficulty_is_the_mean_share_of_points(four_students):
    points, max_points = four_students
    # q1: (2/2 + 2/2 + 0/2 + 2/2) / 4 = 0.75; q2 and q3: three of four students earned the point.
    assert difficulty(points, max_points).to_dict() == pytest.approx({"q1": 0.75, "q2": 0.75, "q3": 0.75})


def test_difficulty_leaves_out_students_without_a_grade():
    points = pd.DataFrame({"q1": [1.0, 0.0, float("nan")]})
    assert difficulty(points, pd.Series({"q1": 1.0}))["q1"] == pytest.approx(0.5)


def test_discrimination_is_the_item_rest_correlation(four_students):
    points, _ = four_students
    r = discrimination(points)
    # q1 = [2, 2, 0, 2], rest = totals [3, 3, 2, 4] minus q1 = [1, 1, 2, 2]:
    # deviations [.5, .5, -1.5, .5] and [-.5, -.5, .5, .5]; sum of products -1, sums of squares 3 and 1.
    assert r["q1"] == pytest.approx(-1 / math.sqrt(3))
    # q2 = [1, 0, 1, 1], rest = [2, 3, 1, 3]: products sum -0.75, squares 0.75 and 2.75.
    assert r["q2"] == pytest.approx(-0.75 / math.sqrt(0.75 * 2.75))


def test_discrimination_of_two_agreeing_questions():
    # Three students: both right, only a right, neither. Each question against the other: r = (1/3) / (6/9) = .5.
    points = pd.DataFrame({"a": [1.0, 1.0, 0.0], "b": [1.0, 0.0, 0.0]})
    assert discrimination(points).to_dict() == pytest.approx({"a": 0.5, "b": 0.5})


def test_discrimination_is_undefined_when_a_question_does_not_vary():
    points = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [1.0, 0.0, 0.0], "c": [0.0, 1.0, 1.0]})
    r = discrimination(points)
    assert math.isnan(r["a"])
    assert not math.isnan(r["b"])


def test_score_distribution_counts_students_per_band():
    bands = score_distribution([0, 1.5, 2, 3, 3], max_score=3)
    assert bands["low"].tolist() == [0, 1, 2]
    assert bands["high"].tolist() == [1, 2, 3]
    assert bands["students"].tolist() == [1, 1, 3], "the last band includes the maximum"


def test_score_distribution_ignores_missing_scores():
    assert score_distribution([1.0, float("nan"), None], max_score=2)["students"].tolist() == [0, 1]


def test_common_failures_are_counted_and_ordered():
    messages = [("q1", "AssertionError: wrong"), ("q2", "NameError: x"), ("q1", "AssertionError: wrong"),
                ("q2", "AssertionError: no"), ("q1", "AssertionError: wrong")]
    table = common_failures(messages, top=2)
    assert table.to_dict("records") == [
        {"question": "q1", "message": "AssertionError: wrong", "students": 3},
        {"question": "q2", "message": "AssertionError: no", "students": 1},
    ]


def test_manual_progress_counts_waiting_and_done():
    assert manual_progress([True, False, False]) == {"waiting": 1, "done": 2, "total": 3}
