"""Dropout in real trials, odds ratios read in both directions, and collaborative replies to practise (module 05).

Three parts, all pure functions:

* **Attrition by arm in the Metapsy trials** (:func:`helpcourse.data.load_metapsy_comparisons`). Each trial reports
  how many people were randomised to each arm (``rand_arm1``, ``rand_arm2``) and how many of them were lost to
  follow-up (``attr_arm1``, ``attr_arm2``: attrition, people without an outcome assessment after treatment, whatever
  the reason). Metapsy has one row per comparison *and outcome measure*, so a trial that used three depression
  scales repeats the same counts three times: :func:`attrition_by_comparison` keeps one row per comparison of a
  therapy arm with a control arm. Where the measures of one comparison report different numbers lost, it keeps the
  smallest (people lost on one measure may have been assessed on another). Some trials report no counts (missing
  values); they are left out. In a multi-arm
  trial two therapy arms can share one control arm (:func:`count_shared_control_arms`), so its control group counts
  more than once when comparisons are added up or pooled.
* **Odds ratios and rates**: :func:`rate_from_odds_ratio` turns a rate in one group and an odds ratio into the rate in
  the other group; the direction of the ratio (which group's odds are on top) decides the answer.
* **Collaborative replies**: :data:`COLLABORATION_ITEMS`, pairs of helper replies written for the course, and
  :func:`reply_question`, which turns one into a practice question with instant feedback
  (:func:`helpcourse.checks.choice_question`).

What the attrition data cannot show: these trials compare a therapy with a control condition; the database
records no preferences, so dropout here says nothing directly about accommodating preferences. Attrition also
mixes people who stopped therapy with people who completed it but missed the last assessment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from helpcourse.effects import log_odds_ratio_and_variance, random_effects_meta
from helpcourse.metaanalysis import CONTROL_TYPES, THERAPY_TYPES

__all__ = [
    "COLLABORATION_ITEMS",
    "DropoutComparison",
    "DropoutRates",
    "ReplyPair",
    "attrition_by_comparison",
    "count_shared_control_arms",
    "dropout_odds_ratios_by_therapy",
    "dropout_rates",
    "odds",
    "pooled_dropout_odds_ratio",
    "rate_from_odds_ratio",
    "reply_question",
    "wilson_interval",
]

_ATTRITION_COLUMNS = ("study", "condition_arm1", "condition_arm2", "multi_arm1", "multi_arm2",
                      "rand_arm1", "rand_arm2", "attr_arm1", "attr_arm2")


# --------------------------------------------------------------------------------------------------
# Rates, odds and intervals
# --------------------------------------------------------------------------------------------------


def odds(rate: float) -> float:
    """The odds of an event that happens with probability ``rate``: rate / (1 - rate) (0.2 -> 0.25)."""
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"rate should be a proportion from 0 up to (not including) 1; you gave {rate:g}.")
    return rate / (1 - rate)


def rate_from_odds_ratio(reference_rate: float, odds_ratio: float) -> float:
    """The rate in a group whose odds are ``odds_ratio`` times the odds of a reference group.

    Parameters
    ----------
    reference_rate : float
        The rate (a proportion) in the reference group, for example 0.30 of non-matched clients dropping out.
    odds_ratio : float
        Odds in the other group divided by odds in the reference group. Its direction matters: an odds ratio of
        non-matched to matched clients must be inverted (``1 / odds_ratio``) to go from non-matched to matched.

    Returns
    -------
    float
        The rate in the other group. Example: ``rate_from_odds_ratio(0.10, 2.0)`` is 0.1818 (odds 0.111 -> 0.222).
    """
    if not odds_ratio > 0 or not math.isfinite(odds_ratio):
        raise ValueError(f"odds_ratio should be a positive number; you gave {odds_ratio!r}.")
    other_odds = odds(reference_rate) * float(odds_ratio)
    return other_odds / (1 + other_odds)


def wilson_interval(events: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``events / n`` (it stays between 0 and 1, unlike the Wald interval).

    Parameters
    ----------
    events, n : float
        Number of events and number of people (n > 0, 0 <= events <= n).
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        Lower and upper limit. Example: 10 of 50 gives (0.112, 0.330).
    """
    if n <= 0 or not 0 <= events <= n:
        raise ValueError(f"need 0 <= events <= n and n > 0; you gave events={events}, n={n}.")
    z = float(special.ndtri(0.5 + level / 2))
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------------------------------
# Attrition by arm in the Metapsy trials
# --------------------------------------------------------------------------------------------------


def attrition_by_comparison(comparisons: pd.DataFrame) -> pd.DataFrame:
    """One row per therapy-versus-control comparison with complete randomised and lost-to-follow-up counts.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The Metapsy table of :func:`helpcourse.data.load_metapsy_comparisons` (one row per comparison and outcome
        measure).

    Returns
    -------
    pandas.DataFrame
        Columns ``study``, ``therapy`` (code of ``condition_arm1``), ``control`` (code of ``condition_arm2``),
        ``multi_arm1``, ``multi_arm2``, ``rand_therapy``, ``lost_therapy``, ``rand_control``, ``lost_control``
        (int), ``dropout_therapy`` and ``dropout_control`` (lost / randomised). Rows repeated for several outcome
        measures are kept once; where the measures of one comparison report different numbers lost (two
        comparisons in Metapsy), the row with the fewest lost in both arms together is kept, since people lost on
        one measure may have been assessed on another. Comparisons with a missing count, or more people lost than
        randomised, are left out.
    """
    missing = [c for c in _ATTRITION_COLUMNS if c not in comparisons.columns]
    if missing:
        raise ValueError(f"comparisons lacks the columns {missing}, as in data.load_metapsy_comparisons().")
    table = comparisons.loc[:, list(_ATTRITION_COLUMNS)].copy()
    counts = ["rand_arm1", "rand_arm2", "attr_arm1", "attr_arm2"]
    table = table.dropna(subset=counts)
    for column in counts:
        table[column] = table[column].astype("int64")
    table = table[(table["attr_arm1"] <= table["rand_arm1"]) & (table["attr_arm2"] <= table["rand_arm2"])]
    for column in ("condition_arm1", "condition_arm2"):
        table[column] = table[column].astype(str)
    for column in ("multi_arm1", "multi_arm2"):
        table[column] = table[column].astype(object).where(table[column].notna(), "")
    # One row per comparison: the fewest lost where its outcome measures report different attrition (stable sort,
    # so ties keep the first row in the data's order).
    table["_lost"] = table["attr_arm1"] + table["attr_arm2"]
    comparison = ["study", "condition_arm1", "multi_arm1", "condition_arm2", "multi_arm2"]
    table = (table.sort_values("_lost", kind="stable").drop_duplicates(comparison).sort_index()
             .drop(columns="_lost"))
    table = table.rename(columns={
        "condition_arm1": "therapy", "condition_arm2": "control", "rand_arm1": "rand_therapy",
        "attr_arm1": "lost_therapy", "rand_arm2": "rand_control", "attr_arm2": "lost_control",
    })
    table["dropout_therapy"] = table["lost_therapy"] / table["rand_therapy"]
    table["dropout_control"] = table["lost_control"] / table["rand_control"]
    return table.reset_index(drop=True)


def count_shared_control_arms(attrition: pd.DataFrame) -> tuple[int, int]:
    """How many comparisons share their control arm with another comparison of the same trial, and in how many trials.

    A control arm is identified by its trial, its control type and its counts (randomised, lost).

    Parameters
    ----------
    attrition : pandas.DataFrame
        The table of :func:`attrition_by_comparison`.

    Returns
    -------
    tuple of int
        Number of comparisons whose control arm is shared, then the number of trials with such a shared arm.
    """
    arm = ["study", "control", "rand_control", "lost_control"]
    shared = attrition.duplicated(subset=arm, keep=False).to_numpy()
    return int(shared.sum()), int(attrition.loc[shared, "study"].nunique())


def _select(attrition: pd.DataFrame, therapy: str = "all", control: str = "all") -> pd.DataFrame:
    if therapy != "all" and therapy not in THERAPY_TYPES:
        raise ValueError(f"therapy should be 'all' or one of {sorted(THERAPY_TYPES)}; you gave {therapy!r}.")
    if control not in CONTROL_TYPES:
        raise ValueError(f"control should be one of {sorted(CONTROL_TYPES)}; you gave {control!r}.")
    keep = np.ones(len(attrition), dtype=bool)
    if therapy != "all":
        keep &= (attrition["therapy"] == therapy).to_numpy()
    if control != "all":
        keep &= (attrition["control"] == control).to_numpy()
    return attrition[keep]


@dataclass(frozen=True)
class DropoutRates:
    """Dropout added up over the comparisons of one therapy type: lost / randomised in each kind of arm.

    Attributes
    ----------
    k : int
        Number of comparisons.
    therapy_rate, control_rate : float
        Lost to follow-up as a share of those randomised, in the therapy arms and in the control arms.
    n_therapy, n_control : int
        People randomised to the therapy arms and to the control arms (a shared control arm counts each time).
    """

    k: int
    therapy_rate: float
    control_rate: float
    n_therapy: int
    n_control: int


def dropout_rates(attrition: pd.DataFrame, therapy: str = "all", control: str = "all") -> DropoutRates:
    """Dropout in the therapy arms and in the control arms of one therapy type, added up over its comparisons.

    Parameters
    ----------
    attrition : pandas.DataFrame
        The table of :func:`attrition_by_comparison`.
    therapy : str
        A code of :data:`helpcourse.metaanalysis.THERAPY_TYPES` (``"cbt"``, ``"bat"``, ...) or ``"all"``.
    control : str
        A code of :data:`helpcourse.metaanalysis.CONTROL_TYPES` (``"wl"``, ``"cau"``, ``"other ctr"``, ``"all"``).

    Returns
    -------
    DropoutRates
        Crude rates: large trials weigh more, and a control arm shared by two comparisons counts twice.
    """
    rows = _select(attrition, therapy, control)
    if rows.empty:
        raise ValueError(f"no comparison of {therapy!r} against {control!r} reports dropout counts.")
    n_t, n_c = int(rows["rand_therapy"].sum()), int(rows["rand_control"].sum())
    return DropoutRates(
        k=len(rows),
        therapy_rate=float(rows["lost_therapy"].sum() / n_t),
        control_rate=float(rows["lost_control"].sum() / n_c),
        n_therapy=n_t,
        n_control=n_c,
    )


@dataclass(frozen=True)
class DropoutComparison:
    """Pooled odds ratio of dropout, therapy arm versus control arm (above 1: more dropout in the therapy arm).

    Attributes
    ----------
    k : int
        Number of comparisons pooled (those with at least one person lost).
    odds_ratio, ci_low, ci_high : float
        Pooled odds ratio and its 95% confidence interval (back-transformed from the log scale).
    i2 : float
        I^2 (%), the share of the spread between comparisons beyond chance.
    tau2 : float
        Between-comparison variance of the log odds ratios.
    method : str
        The estimator of tau^2.
    """

    k: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    i2: float
    tau2: float
    method: str


def _informative(rows: pd.DataFrame) -> pd.DataFrame:
    """Comparisons with at least one person lost in either arm (a table with no dropout says nothing about an OR)."""
    return rows[(rows["lost_therapy"] + rows["lost_control"]) > 0]


def pooled_dropout_odds_ratio(
    attrition: pd.DataFrame, therapy: str = "all", control: str = "all", method: str = "pm"
) -> DropoutComparison:
    """Random-effects pooled odds ratio of dropout, therapy arm versus control arm, for one therapy type.

    Comparisons in which nobody was lost in either arm are left out (they carry no information about the odds
    ratio). Each comparison's log odds ratio and variance come from
    :func:`helpcourse.effects.log_odds_ratio_and_variance` (0.5 added to every cell of a table with an empty cell);
    :func:`helpcourse.effects.random_effects_meta` pools them.

    Parameters
    ----------
    attrition : pandas.DataFrame
        The table of :func:`attrition_by_comparison`.
    therapy, control : str
        As in :func:`dropout_rates`.
    method : {"pm", "dl"}
        Estimator of the between-comparison variance (Paule-Mandel or DerSimonian-Laird).

    Returns
    -------
    DropoutComparison
        The pooled odds ratio; 1 means the same odds of dropout in both arms.
    """
    rows = _informative(_select(attrition, therapy, control))
    if len(rows) < 2:
        raise ValueError(
            f"pooling needs at least 2 comparisons with a dropout; {therapy!r} against {control!r} has {len(rows)}."
        )
    log_or, variance = log_odds_ratio_and_variance(
        rows["lost_therapy"].to_numpy(float), rows["rand_therapy"].to_numpy(float),
        rows["lost_control"].to_numpy(float), rows["rand_control"].to_numpy(float),
    )
    fit = random_effects_meta(log_or, variance, method=method)
    return DropoutComparison(
        k=fit.k, odds_ratio=math.exp(fit.estimate), ci_low=math.exp(fit.ci_low), ci_high=math.exp(fit.ci_high),
        i2=fit.i2, tau2=fit.tau2, method=fit.method,
    )


def dropout_odds_ratios_by_therapy(attrition: pd.DataFrame, control: str = "all", method: str = "pm") -> pd.DataFrame:
    """The pooled dropout odds ratio of every therapy type (with at least 2 comparisons), then of all together.

    Returns
    -------
    pandas.DataFrame
        One row per therapy type, the last for all therapies: ``therapy`` (code), ``label``, ``k``, ``odds_ratio``,
        ``ci_low``, ``ci_high``, ``i2``, ``therapy_rate``, ``control_rate`` (crude rates of :func:`dropout_rates`).
    """
    rows = []
    for code in [*THERAPY_TYPES, "all"]:
        if len(_informative(_select(attrition, code, control))) < 2:
            continue
        pooled = pooled_dropout_odds_ratio(attrition, code, control, method)
        rates = dropout_rates(attrition, code, control)
        rows.append({
            "therapy": code, "label": THERAPY_TYPES.get(code, "All therapies"), "k": pooled.k,
            "odds_ratio": pooled.odds_ratio, "ci_low": pooled.ci_low, "ci_high": pooled.ci_high, "i2": pooled.i2,
            "therapy_rate": rates.therapy_rate, "control_rate": rates.control_rate,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Collaborative replies to practise
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyPair:
    """A client statement, two helper replies and why one of them is the more collaborative.

    Attributes
    ----------
    situation : str
        What the client says, and when.
    replies : dict
        Letter ("a", "b") -> the helper's reply.
    collaborative : str
        The letter of the more collaborative reply.
    explanations : dict
        Letter -> why that reply is, or is not, the more collaborative one.
    skill : str
        The skill the item practises (eliciting preferences, asking for feedback, deciding together).
    """

    situation: str
    replies: dict[str, str]
    collaborative: str
    explanations: dict[str, str]
    skill: str


#: Pairs of replies written for the course: pick the one that involves the client more. Both replies of a pair
#: are plausible things a helper says; the less collaborative one is often warm and well meant.
COLLABORATION_ITEMS: tuple[ReplyPair, ...] = (
    ReplyPair(
        situation="First session. The client says: \"My GP said I should try therapy, so here I am. I don't really "
                  "know how this works.\"",
        replies={
            "a": "\"Tell me what you'd like to be different when we finish. Then I'll describe a couple of ways of "
                 "working, and you pick the one that sounds right to you.\"",
            "b": "\"That's fine, lots of people start that way. CBT helps most people with what you describe, so "
                 "we'll work through it together. Does a weekly session suit you?\"",
        },
        collaborative="a",
        explanations={
            "a": "This asks for the client's goals and preferences first and offers information, so that the "
                 "decision can be made together.",
            "b": "Friendly, and it asks a question, but only about the timing: it decides the goal and the method "
                 "for the client, whose hopes and preferences stay unknown. \"Together\" does not make it a shared "
                 "decision.",
        },
        skill="eliciting preferences",
    ),
    ReplyPair(
        situation="Fourth session, near the end. The client has been quieter than usual today.",
        replies={
            "a": "\"You seemed quieter today. That's very normal at this stage, when the work starts to go deeper. "
                 "Shall we keep going the same way and see how you feel next week?\"",
            "b": "\"You've been quieter today. How was this session for you? Was there anything that didn't feel "
                 "right, or that you'd like us to do differently next time?\"",
        },
        collaborative="b",
        explanations={
            "a": "It notices the quietness, which is good, but explains it for the client, and its question invites "
                 "a yes to carrying on; a rupture the quietness may signal can go unnoticed.",
            "b": "This asks for feedback on the session and makes it safe to say that something did not fit: the "
                 "client can steer the work.",
        },
        skill="asking for feedback",
    ),
    ReplyPair(
        situation="The client says: \"I don't want to talk about my childhood. I just want to sleep again and get "
                  "back to work.\"",
        replies={
            "a": "\"I hear that sleep and work matter most. Sleep problems often have deeper roots, though. Could we "
                 "look at your childhood together for a few sessions first?\"",
            "b": "\"Then let's start with sleep and work. If something from the past seems to get in the way, I'll "
                 "say so, and it will be up to you whether we look at it.\"",
        },
        collaborative="b",
        explanations={
            "a": "It reflects the client's goals and asks politely, but it puts the helper's theory ahead of the "
                 "limit the client has just set; overriding a stated preference risks disagreement on goals and "
                 "dropout.",
            "b": "This accepts the client's goals and their limit, and offers the helper's view later as information "
                 "for a decision that stays with the client.",
        },
        skill="agreeing on goals",
    ),
    ReplyPair(
        situation="The client says: \"My friend did group therapy and hated it. Do I have to do a group?\"",
        replies={
            "a": "\"No, you don't have to. We offer one-to-one sessions and groups. I'll tell you a bit about both, "
                 "then it's your decision.\"",
            "b": "\"I'm sorry your friend had a bad time. Groups differ a lot, and ours is small and friendly. Would "
                 "you give it a try first?\"",
        },
        collaborative="a",
        explanations={
            "a": "This gives information about the options and leaves an informed choice to the client.",
            "b": "It is empathic and asks a question, but one that invites a yes to the helper's plan: it steers the "
                 "client past their worry and their preference. Clients whose preferences are not accommodated "
                 "drop out more often.",
        },
        skill="informed decision",
    ),
)


def reply_question(item: ReplyPair) -> dict[str, object]:
    """The arguments of :func:`helpcourse.checks.choice_question` that show ``item`` as a practice question.

    The question does not name the item's skill, which would say what the right reply does.
    """
    return {
        "question": f"{item.situation} Which reply is the more collaborative?",
        "options": dict(item.replies),
        "correct": item.collaborative,
        "explanations": dict(item.explanations),
    }
