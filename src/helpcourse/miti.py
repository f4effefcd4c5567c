"""MITI 4 summary scores: reflections per question, the "fair" and "good" thresholds, and where a score falls.

The Motivational Interviewing Treatment Integrity code (MITI 4.2.1; Moyers et al., 2014/2015) judges a session by
summary scores, two of which the course uses: **reflections per question** (R:Q; fair 1:1, good 2:1) and the
**share of complex reflections** among all reflections (fair 40%, good 50%). The thresholds are read from the
course's evidence table (keys ``miti_reflection_question_ratio`` and ``miti_complex_reflections``), never typed
here. Module 02 applies them to AnnoMI sessions (:mod:`helpcourse.talk`); module 03's reply practice applies the
ratio to a student's own coded replies (:mod:`helpcourse.demos.practice`).

References
----------
Moyers, T. B., Manuel, J. K., & Ernst, D. (2014/2015). *Motivational Interviewing Treatment Integrity Coding
Manual 4.2.1*. University of New Mexico, Center on Alcoholism, Substance Abuse, and Addictions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from helpcourse import evidence

__all__ = [
    "MITI_MEASURE_LABELS",
    "MitiThreshold",
    "miti_level",
    "miti_thresholds",
    "parse_miti_thresholds",
    "reflections_per_question",
]

#: The measures with MITI 4 thresholds, with the labels students read.
MITI_MEASURE_LABELS: dict[str, str] = {
    "reflections_per_question": "Reflections per question",
    "complex_reflection_share": "Complex reflections (share of reflections)",
}

_THRESHOLD_KEYS: dict[str, str] = {
    "reflections_per_question": "miti_reflection_question_ratio",
    "complex_reflection_share": "miti_complex_reflections",
}
_THRESHOLD_PATTERN = re.compile(r"(fair|good)\s+(\d+(?:\.\d+)?)\s*(:\s*1|%)")


@dataclass(frozen=True)
class MitiThreshold:
    """A MITI 4 summary score's "fair" and "good" thresholds.

    Attributes
    ----------
    measure : str
        The score it applies to (``"reflections_per_question"`` or ``"complex_reflection_share"``).
    label : str
        What students read, e.g. ``"Reflections per question"``.
    fair, good : float
        The thresholds: a score at or above ``fair`` is fair, at or above ``good`` is good.
    evidence_key : str
        The evidence-table key the thresholds were read from.
    text : str
        The thresholds as the evidence table words them (``"fair 1:1; good 2:1"``).
    """

    measure: str
    label: str
    fair: float
    good: float
    evidence_key: str
    text: str


def parse_miti_thresholds(text: str) -> tuple[float, float]:
    """The fair and good thresholds in the evidence table's wording.

    Parameters
    ----------
    text : str
        For example ``"fair 1:1; good 2:1"`` (ratios) or ``"fair 40%; good 50%"`` (percentages).

    Returns
    -------
    tuple of float
        ``(fair, good)``: ``(1.0, 2.0)`` for the ratios above, ``(0.4, 0.5)`` for the percentages (as proportions).

    Raises
    ------
    ValueError
        When the text does not give both a fair and a good threshold.
    """
    found: dict[str, float] = {}
    for level, number, unit in _THRESHOLD_PATTERN.findall(text):
        found[level] = float(number) / 100 if unit == "%" else float(number)
    if set(found) != {"fair", "good"}:
        raise ValueError(f"cannot read fair and good thresholds from {text!r}")
    return found["fair"], found["good"]


def miti_thresholds() -> dict[str, MitiThreshold]:
    """The MITI 4 thresholds for reflections per question and for the share of complex reflections.

    Returns
    -------
    dict of str to MitiThreshold
        Keyed by measure (``"reflections_per_question"``: fair 1.0, good 2.0; ``"complex_reflection_share"``:
        fair 0.40, good 0.50), read from the evidence table (Moyers et al., 2014/2015).
    """
    out = {}
    for measure, key in _THRESHOLD_KEYS.items():
        text = evidence.row(key).value_text
        fair, good = parse_miti_thresholds(text)
        out[measure] = MitiThreshold(measure, MITI_MEASURE_LABELS[measure], fair, good, key, text)
    return out


def miti_level(value: float | None, threshold: MitiThreshold) -> str:
    """Where a score falls against a MITI threshold.

    Parameters
    ----------
    value : float or None
        The score; ``inf`` (reflections but no questions) counts as above every threshold, NaN or None
        (nothing to count) as not assessable.
    threshold : MitiThreshold
        From :func:`miti_thresholds`.

    Returns
    -------
    str
        ``"good"``, ``"fair"``, ``"below fair"`` or ``"not assessable"``.
    """
    if value is None or pd.isna(value):
        return "not assessable"
    if value >= threshold.good:
        return "good"
    if value >= threshold.fair:
        return "fair"
    return "below fair"


def reflections_per_question(n_reflections: float, n_questions: float) -> float:
    """The reflection-to-question ratio (MITI's R:Q) from two counts.

    Parameters
    ----------
    n_reflections, n_questions : float
        Numbers of reflections and of questions.

    Returns
    -------
    float
        ``n_reflections / n_questions``; ``inf`` when there are reflections but no questions, NaN when there
        are neither.
    """
    if n_questions == 0:
        return math.inf if n_reflections > 0 else math.nan
    return float(n_reflections) / float(n_questions)
