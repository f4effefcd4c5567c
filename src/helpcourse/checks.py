"""Formative checks that speak to a student, not to a programmer.

Two uses:

* the visible test cells of graded exercises call :func:`expect_number` and :func:`expect_choice`; they check
  that an answer has the right form (a number in a plausible range, one of the offered letters) and never
  reveal the expected value; their hidden tests compare numbers with :func:`assert_close_to`, the course's one
  tolerance policy (see ``docs/CONTENT.md``);
* "Check your understanding" questions in the modules use :func:`choice_question` and
  :func:`number_question`, small widgets that give instant feedback and are never graded.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real

import ipywidgets as widgets

from helpcourse.demos.choice import ChoiceButtons

KINDS: dict[str, str] = {
    "proportion": "a proportion between 0 and 1",
    "correlation": "a correlation between -1 and 1",
    "number": "a number",
    "positive": "a positive number",
}


class AnswerFormError(AssertionError):
    """An answer that does not have the form the question asks for; its message is meant for the student."""


def _as_number(answer: object, name: str) -> float:
    if answer is Ellipsis or answer is None:
        raise AnswerFormError(f"You have not answered yet: replace the ... after `{name} =` with your answer.")
    if isinstance(answer, bool):
        raise AnswerFormError(f"`{name}` should be a number; you entered {answer}, which is a yes/no value.")
    if isinstance(answer, str):
        raise AnswerFormError(
            f"`{name}` should be a number; you entered the text {answer!r}. Remove the quotation marks."
        )
    if not isinstance(answer, Real) and not hasattr(answer, "__float__"):
        raise AnswerFormError(f"`{name}` should be a single number; you entered a {type(answer).__name__}.")
    try:
        number = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise AnswerFormError(f"`{name}` should be a single number ({error}).") from None
    if math.isnan(number) or math.isinf(number):
        raise AnswerFormError(f"`{name}` should be an ordinary number; you entered {number}.")
    return number


def expect_number(answer: object, name: str, kind: str = "number", low: float | None = None,
                  high: float | None = None) -> float:
    """Check that an answer is a number of the expected kind; return it as a float.

    Parameters
    ----------
    answer
        The student's answer.
    name
        The variable name the student assigned, used in the message.
    kind
        One of ``proportion``, ``correlation``, ``positive`` or ``number``; sets the default range and wording.
    low, high
        A plausible range (inclusive) that overrides the kind's default.

    Raises
    ------
    AnswerFormError
        With a message for the student, for example
        "`variance_share` should be a proportion between 0 and 1; you entered 28."
    """
    number = _as_number(answer, name)
    default = {"proportion": (0.0, 1.0), "correlation": (-1.0, 1.0), "positive": (0.0, math.inf)}
    lo, hi = default.get(kind, (-math.inf, math.inf))
    lo = lo if low is None else low
    hi = hi if high is None else high
    if not lo <= number <= hi:
        wording = KINDS.get(kind, "a number")
        if low is not None or high is not None:
            wording = f"{wording} between {lo:g} and {hi:g}"
        hint = ""
        if kind == "proportion" and 1 < number <= 100:
            hint = " Did you give a percentage? Divide it by 100."
        raise AnswerFormError(f"`{name}` should be {wording}; you entered {number:g}.{hint}")
    print(f"`{name}` has the right form. The value itself is checked when your work is graded.")
    return number


def expect_choice(answer: object, name: str, options: str) -> str:
    """Check that an answer is one of the offered letters (for example ``options="abcd"``); return it."""
    if answer is Ellipsis or answer is None:
        raise AnswerFormError(f"You have not answered yet: replace the ... after `{name} =` with a letter in quotes.")
    if not isinstance(answer, str):
        raise AnswerFormError(
            f"`{name}` should be one letter in quotation marks, such as \"{options[0]}\"; you entered {answer!r}."
        )
    letter = answer.strip().lower()
    if len(letter) != 1 or letter not in options:
        allowed = ", ".join(f'"{o}"' for o in options)
        raise AnswerFormError(f"`{name}` should be one of {allowed}; you entered {answer!r}.")
    print(f"`{name}` is one of the offered options. Whether it is right is checked when your work is graded.")
    return letter


DECIMAL_WORDS: dict[int, str] = {0: "the nearest whole number", 1: "one decimal", 2: "two decimals",
                                 3: "three decimals", 4: "four decimals"}
"""How a prompt asks for a precision: "Give it to three decimals." (``decimals=3``). A test checks every prompt."""


def tolerance(decimals: int) -> float:
    """Half a unit in the last decimal asked for: the largest distance of a correct rounding from the exact value."""
    return 0.5 * 10.0 ** -decimals


def is_close_to(answer: float, expected: float, decimals: int) -> bool:
    """Whether ``answer`` is the exact value or a correct rounding of it to ``decimals`` decimals (or more).

    The course's tolerance policy: every numeric question states the precision it asks for ("to two decimals"),
    and any answer within half a unit of that last decimal is right, so the exact value, its rounding to the
    precision asked and any rounding with more decimals all pass, while a rounding to fewer decimals than asked
    may not. A relative slack of 1e-9 absorbs floating-point noise in the reference computation.
    """
    return abs(float(answer) - float(expected)) <= tolerance(decimals) * (1 + 1e-9) + 1e-12


def assert_close_to(answer: object, expected: float, *, decimals: int, message: str) -> None:
    """Hidden-test check of a numeric answer under the course's tolerance policy (see :func:`is_close_to`).

    Parameters
    ----------
    answer
        The student's answer (already checked for form by :func:`expect_number` in the visible test).
    expected
        The exact reference value, computed in the hidden test.
    decimals
        The precision the question's prompt asks for (``DECIMAL_WORDS[decimals]`` appears in the prompt).
    message
        What is wrong, for the student's feedback; it never contains the expected value.
    """
    assert is_close_to(_as_number(answer, "answer"), expected, decimals), message


@dataclass(frozen=True)
class Feedback:
    """The outcome of one attempt at a check-your-understanding question."""

    correct: bool
    message: str


def feedback_for_choice(selected: str | None, correct: str, explanations: Mapping[str, str]) -> Feedback:
    """Feedback on a multiple-choice attempt: whether it is right and why (each option has its explanation)."""
    if selected is None:
        return Feedback(False, "Choose one of the options first.")
    reason = explanations.get(selected, "")
    if selected == correct:
        return Feedback(True, f"Correct. {reason}".strip())
    return Feedback(False, f"Not quite. {reason} Try another option.".strip())


def feedback_for_number(value: float | None, answer: float, tolerance: float, explanation: str,
                        hint: str = "") -> Feedback:
    """Feedback on a numeric attempt: right within ``tolerance`` (with the explanation), or a nudge.

    A wrong attempt is told whether it is too high or too low and given the ``hint``, never the answer.
    """
    if value is None or math.isnan(value):
        return Feedback(False, "Type a number first.")
    if abs(value - answer) <= tolerance:
        return Feedback(True, f"Correct. {explanation}")
    direction = "too high" if value > answer else "too low"
    return Feedback(False, f"Not quite: {value:g} is {direction}. {hint}".strip())


def _feedback_html(feedback: Feedback) -> str:
    mark, colour = ("✔", "#006D4F") if feedback.correct else ("✘", "#A33B00")
    return f'<p role="status" style="color:{colour}"><b>{mark}</b> {feedback.message}</p>'


def choice_question(question: str, options: Mapping[str, str], correct: str,
                    explanations: Mapping[str, str]) -> widgets.VBox:
    """A multiple-choice question with a Check button and instant, explained feedback (never graded).

    Parameters
    ----------
    question
        The question text.
    options
        Letter -> option text, in display order.
    correct
        The letter of the right option.
    explanations
        Letter -> why that option is right or wrong.
    """
    radio = ChoiceButtons(
        options=[(f"{letter}) {text}", letter) for letter, text in options.items()],
        value=None,
        description=html.unescape(re.sub(r"<[^>]+>", "", question)),
    )
    button = widgets.Button(description="Check", button_style="primary", tooltip="Check my answer")
    output = widgets.HTML()

    def on_click(_: widgets.Button) -> None:
        output.value = _feedback_html(feedback_for_choice(radio.value, correct, explanations))

    button.on_click(on_click)
    return widgets.VBox([widgets.HTML(f"<b>{question}</b>"), radio, button, output])


def number_question(question: str, answer: float, tolerance: float, explanation: str,
                    hint: str = "", label: str = "Your answer") -> widgets.VBox:
    """A numeric question with a labelled number box, a Check button and instant feedback (never graded)."""
    # NaN is not JSON: a box starting at NaN prints a serialisation warning under the cell. The box starts at 0
    # and counts as empty until the student types.
    box = widgets.FloatText(value=0.0, description=label, style={"description_width": "initial"})
    typed: list[float] = []
    box.observe(lambda change: typed.append(change["new"]), names="value")
    button = widgets.Button(description="Check", button_style="primary", tooltip="Check my answer")
    output = widgets.HTML()

    def on_click(_: widgets.Button) -> None:
        value = box.value if typed else None
        output.value = _feedback_html(feedback_for_number(value, answer, tolerance, explanation, hint))

    button.on_click(on_click)
    return widgets.VBox([widgets.HTML(f"<b>{question}</b>"), box, button, output])
