"""Formative checks: friendly messages, right verdicts, never the expected value."""

from __future__ import annotations

import math

import pytest

from helpcourse import checks


def test_unanswered_says_what_to_do():
    with pytest.raises(checks.AnswerFormError, match=r"replace the \.\.\. after `share =`"):
        checks.expect_number(..., "share", kind="proportion")


def test_text_instead_of_number_is_explained():
    with pytest.raises(checks.AnswerFormError, match="Remove the quotation marks"):
        checks.expect_number("0.5", "share", kind="proportion")


def test_percentage_for_a_proportion_gets_a_hint():
    with pytest.raises(checks.AnswerFormError) as error:
        checks.expect_number(28, "share", kind="proportion")
    assert str(error.value) == (
        "`share` should be a proportion between 0 and 1; you entered 28. Did you give a percentage? Divide it by 100."
    )


@pytest.mark.parametrize("bad", [True, [0.2, 0.3], float("nan"), math.inf])
def test_other_forms_are_refused(bad):
    with pytest.raises(checks.AnswerFormError):
        checks.expect_number(bad, "x", kind="number")


def test_custom_range_is_named_in_message():
    with pytest.raises(checks.AnswerFormError, match="between 0 and 3; you entered 5"):
        checks.expect_number(5, "d", kind="positive", high=3)


def test_good_number_is_returned_as_float(capsys):
    assert checks.expect_number(0.0773, "share", kind="proportion") == 0.0773
    assert "right form" in capsys.readouterr().out


def test_numpy_scalars_are_numbers():
    import numpy as np

    assert checks.expect_number(np.float64(0.5), "x", kind="proportion") == 0.5


@pytest.mark.parametrize("answer,expected", [("b", "b"), (" B ", "b")])
def test_choice_accepts_offered_letters(answer, expected):
    assert checks.expect_choice(answer, "q", "abcd") == expected


@pytest.mark.parametrize("answer", ["e", "ab", 2, ...])
def test_choice_refuses_anything_else(answer):
    with pytest.raises(checks.AnswerFormError):
        checks.expect_choice(answer, "q", "abcd")


def test_choice_feedback_explains_each_option():
    explanations = {"a": "A is about causes.", "b": "B is right because of r squared."}
    right = checks.feedback_for_choice("b", "b", explanations)
    wrong = checks.feedback_for_choice("a", "b", explanations)
    assert right.correct and "r squared" in right.message
    assert not wrong.correct and "A is about causes." in wrong.message and "Try another" in wrong.message
    assert not checks.feedback_for_choice(None, "b", explanations).correct


def test_number_feedback_gives_direction_not_answer():
    wrong = checks.feedback_for_number(0.30, 0.139, 0.01, "It is .14.", hint="Halve d.")
    assert not wrong.correct and "too high" in wrong.message and ".14" not in wrong.message
    assert "Halve d." in wrong.message
    assert checks.feedback_for_number(0.14, 0.139, 0.01, "It is .14.").correct
    assert "too low" in checks.feedback_for_number(0.05, 0.139, 0.01, "").message


def test_choice_widget_gives_feedback_on_click():
    widget = checks.choice_question("Q?", {"a": "one", "b": "two"}, "b", {"a": "no", "b": "yes"})
    radio, button, output = widget.children[1], widget.children[2], widget.children[3]
    radio.value = "a"
    button.click()
    assert "Not quite" in output.value
    radio.value = "b"
    button.click()
    assert "Correct" in output.value


def test_number_widget_gives_feedback_on_click():
    widget = checks.number_question("Q?", answer=0.14, tolerance=0.01, explanation="Because.")
    box, button, output = widget.children[1], widget.children[2], widget.children[3]
    assert box.description == "Your answer"
    box.value = 0.14
    button.click()
    assert "Correct" in output.value


def test_choice_widget_is_a_named_radio_group_with_nothing_chosen():
    widget = checks.choice_question("Is <i>r</i> = .28 &amp; large?", {"a": "yes", "b": "no"}, "b",
                                    {"a": "no", "b": "yes"})
    radio = widget.children[1]
    assert radio.description == "Is r = .28 & large?", "the group's accessible name is the question as plain text"
    assert [tuple(option) for option in radio.options] == [("a) yes", "a"), ("b) no", "b")]
    assert radio.value is None
