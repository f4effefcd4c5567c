"""Strengths, resources and hope (module 06): contact with a helper in real trials, and a reframing practice.

Two parts:

* **Contact with a helper** (real data). Hasselblad (1998) collected 24 randomised trials of help to stop
  smoking: no contact, self-help material, individual counselling, group counselling. Each trial compares only
  two or three of these. The fair comparisons are *within* trials, where people were randomised between arms:
  :func:`within_trial_odds_ratios` gives the odds ratio of one kind of contact against another in every trial
  that has both, and :func:`pool_contact_odds_ratio` pools those trials with a random-effects meta-analysis of
  the log odds ratios (:func:`helpcourse.effects.random_effects_meta`).
* **Practice** (ungraded). A bank of deficit-focused questions a helper might ask, each with three
  reformulations written for the course; the student picks the question they would ask next, which is the one
  that turns towards the client's strengths and resources unless what the client says means that the problem must
  come first (one item, shown among the others, is about risk). :func:`feedback_for_reframe`
  and :class:`ReframeSession` hold the logic; the widget is ``demos.reframe_practice``.

References
----------
Hasselblad, V. (1998). Meta-analysis of multitreatment studies. *Medical Decision Making, 18*(1), 37-43.
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to meta-analysis*.
Wiley. (Log odds ratios and their variances: chapter 5.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpcourse import effects, practice_bank

__all__ = [
    "CONTACT_LABELS",
    "ITEMS",
    "PRACTICE_SEED",
    "PooledOddsRatio",
    "ReframeFeedback",
    "ReframeItem",
    "ReframeSession",
    "comparison_pairs",
    "contact_odds_ratios",
    "feedback_for_reframe",
    "pool_contact_odds_ratio",
    "practice_order",
    "score_text",
    "within_trial_odds_ratios",
]

#: The kinds of help in Hasselblad (1998), in order of increasing contact, with their labels.
CONTACT_LABELS: dict[str, str] = {
    "no_contact": "No contact",
    "self_help": "Self-help material",
    "ind_counseling": "Individual counselling",
    "grp_counseling": "Group counselling",
}


# --------------------------------------------------------------------------------------------------
# Contact with a helper: within-trial comparisons in Hasselblad (1998)
# --------------------------------------------------------------------------------------------------


def _check_arms(arms: pd.DataFrame, *codes: str) -> None:
    missing = [c for c in ("study", "authors", "year", "trt", "xi", "ni") if c not in getattr(arms, "columns", ())]
    if missing:
        raise ValueError(f"The trial arms need the column(s) {', '.join(missing)}; load them with "
                         "data.load_hasselblad1998().")
    for code in codes:
        if code not in CONTACT_LABELS:
            raise ValueError(f"The kind of help must be one of {', '.join(CONTACT_LABELS)}; you gave {code!r}.")


def comparison_pairs(arms: pd.DataFrame) -> pd.DataFrame:
    """Which kinds of help each trial compares: the number of trials for every pair of arms.

    A trial with three arms counts once for each of its three pairs.

    Parameters
    ----------
    arms
        ``data.load_hasselblad1998()``: one row per trial arm.

    Returns
    -------
    pandas.DataFrame
        One row per pair that some trial compares, with columns ``pair`` (for example "No contact vs Individual
        counselling", the arm with less contact first) and ``n_trials``, most frequent first.
    """
    _check_arms(arms)
    order = list(CONTACT_LABELS)
    counts: dict[str, int] = {}
    for _, trial in arms.groupby("study", sort=True):
        kinds = sorted({str(t) for t in trial["trt"]}, key=order.index)
        for i, first in enumerate(kinds):
            for second in kinds[i + 1:]:
                pair = f"{CONTACT_LABELS[first]} vs {CONTACT_LABELS[second]}"
                counts[pair] = counts.get(pair, 0) + 1
    table = pd.DataFrame({"pair": list(counts), "n_trials": list(counts.values())})
    return table.sort_values("n_trials", ascending=False, kind="stable").reset_index(drop=True)


def within_trial_odds_ratios(arms: pd.DataFrame, contact: str, reference: str = "no_contact") -> pd.DataFrame:
    """The odds ratio of quitting with ``contact`` against ``reference``, in every trial that has both arms.

    Within one trial people were randomised between its arms, so this comparison is fair. The log odds ratio
    and its variance are :func:`helpcourse.effects.log_odds_ratio_and_variance`: 0.5 is added to the four cells
    of a trial's table when one of them is empty (for example when nobody quit without contact).

    Parameters
    ----------
    arms
        ``data.load_hasselblad1998()``: one row per trial arm.
    contact, reference
        Codes of the two kinds of help (keys of :data:`CONTACT_LABELS`), for example ``"self_help"`` and
        ``"no_contact"``.

    Returns
    -------
    pandas.DataFrame
        One row per trial with both arms, in order of study number: ``study``, ``authors``, ``year``,
        ``quit_contact``, ``n_contact``, ``quit_reference``, ``n_reference``, ``log_or``, ``variance`` and
        ``odds_ratio`` (above 1: higher odds of quitting with ``contact``).

    Raises
    ------
    ValueError
        If a code is unknown or the two codes are the same.
    """
    _check_arms(arms, contact, reference)
    if contact == reference:
        raise ValueError("Compare two different kinds of help; you gave the same one twice.")
    trt = arms["trt"].astype(str)
    one = arms[trt == contact].set_index("study")
    other = arms[trt == reference].set_index("study")
    studies = sorted(set(one.index) & set(other.index))
    table = pd.DataFrame({
        "study": studies,
        "authors": [str(one.loc[s, "authors"]) for s in studies],
        "year": [int(one.loc[s, "year"]) for s in studies],
        "quit_contact": [int(one.loc[s, "xi"]) for s in studies],
        "n_contact": [int(one.loc[s, "ni"]) for s in studies],
        "quit_reference": [int(other.loc[s, "xi"]) for s in studies],
        "n_reference": [int(other.loc[s, "ni"]) for s in studies],
    })
    if table.empty:
        table["log_or"] = table["variance"] = table["odds_ratio"] = pd.Series(dtype=float)
        return table
    log_or, variance = effects.log_odds_ratio_and_variance(
        table["quit_contact"].to_numpy(), table["n_contact"].to_numpy(),
        table["quit_reference"].to_numpy(), table["n_reference"].to_numpy(),
    )
    table["log_or"] = np.atleast_1d(log_or)
    table["variance"] = np.atleast_1d(variance)
    table["odds_ratio"] = np.exp(table["log_or"])
    return table


@dataclass(frozen=True)
class PooledOddsRatio:
    """The pooled odds ratio of one kind of help against another, on the odds-ratio scale.

    Attributes
    ----------
    contact, reference : str
        Codes of the two kinds of help.
    label : str
        For example "Self-help material vs no contact".
    k : int
        Number of trials with both arms.
    odds_ratio, ci_low, ci_high : float
        The pooled odds ratio and its 95% confidence interval (exponentiated from the log scale).
    tau2 : float
        Between-trial variance of the true log odds ratios.
    i2 : float
        Share (%) of the spread between trials beyond chance.
    method : str
        Estimator of tau^2 ("Paule-Mandel" or "DerSimonian-Laird").
    """

    contact: str
    reference: str
    label: str
    k: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    method: str


def pool_contact_odds_ratio(arms: pd.DataFrame, contact: str, reference: str = "no_contact",
                            method: str = "pm") -> PooledOddsRatio:
    """Pool the within-trial odds ratios of ``contact`` against ``reference`` (random effects, log scale).

    Parameters
    ----------
    arms
        ``data.load_hasselblad1998()``.
    contact, reference
        Codes of the two kinds of help (keys of :data:`CONTACT_LABELS`).
    method
        ``"pm"`` (Paule-Mandel, the default) or ``"dl"`` (DerSimonian-Laird), as in
        :func:`helpcourse.effects.random_effects_meta`.

    Returns
    -------
    PooledOddsRatio
        The pooled odds ratio with its interval, k, tau^2 and I^2.

    Raises
    ------
    ValueError
        If fewer than two trials compare the two kinds of help.
    """
    trials = within_trial_odds_ratios(arms, contact, reference)
    if len(trials) < 2:
        raise ValueError(f"Only {len(trials)} trial(s) compare {CONTACT_LABELS[contact].lower()} with "
                         f"{CONTACT_LABELS[reference].lower()}: pooling needs at least 2.")
    result = effects.random_effects_meta(trials["log_or"], trials["variance"], method=method)
    return PooledOddsRatio(
        contact=contact,
        reference=reference,
        label=f"{CONTACT_LABELS[contact]} vs {CONTACT_LABELS[reference].lower()}",
        k=result.k,
        odds_ratio=math.exp(result.estimate),
        ci_low=math.exp(result.ci_low),
        ci_high=math.exp(result.ci_high),
        tau2=result.tau2,
        i2=result.i2,
        method=result.method,
    )


def contact_odds_ratios(arms: pd.DataFrame, method: str = "pm") -> pd.DataFrame:
    """The pooled odds ratio of each kind of contact against no contact, one row each.

    Parameters
    ----------
    arms
        ``data.load_hasselblad1998()``.
    method
        ``"pm"`` or ``"dl"``.

    Returns
    -------
    pandas.DataFrame
        Rows for self-help material, individual counselling and group counselling, with columns ``contact``,
        ``label``, ``k``, ``odds_ratio``, ``ci_low``, ``ci_high``, ``tau2``, ``i2`` and ``detail`` (k and I² as
        text for hover and tables).
    """
    rows = []
    for contact in ("self_help", "ind_counseling", "grp_counseling"):
        pooled = pool_contact_odds_ratio(arms, contact, "no_contact", method)
        rows.append({
            "contact": contact,
            "label": CONTACT_LABELS[contact],
            "k": pooled.k,
            "odds_ratio": pooled.odds_ratio,
            "ci_low": pooled.ci_low,
            "ci_high": pooled.ci_high,
            "tau2": pooled.tau2,
            "i2": pooled.i2,
            "detail": f"{pooled.k} trials, I² = {pooled.i2:.0f}%",
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Practice: from deficit-focused to strength-focused questions
# --------------------------------------------------------------------------------------------------

#: The prompt of every item, the risk item included, so that nothing but the client's words marks that item.
STRENGTH_PROMPT = "Which question would you ask next? (Turn towards strengths, unless the problem must come first.)"


@dataclass(frozen=True)
class ReframeItem:
    """One practice item: a client's situation, a deficit-focused question, and three reformulations.

    Attributes
    ----------
    item_id : str
        A short stable name.
    client : str
        What the client has said.
    deficit : str
        The deficit-focused question a helper might ask first.
    options : dict
        Letter -> a reformulation, in display order.
    best : str
        The letter of the best reformulation.
    why : dict
        Letter -> why that reformulation is or is not the best one.
    prompt : str
        What the student is asked to pick.
    """

    item_id: str
    client: str
    deficit: str
    options: dict[str, str]
    best: str
    why: dict[str, str]
    prompt: str = STRENGTH_PROMPT


ITEMS: tuple[ReframeItem, ...] = (
    ReframeItem(
        "panic_week",
        "I had four panic attacks this week. I'm scared to leave the flat now.",
        "How bad have the panic attacks been this week?",
        {
            "a": "Which attack was the worst one this week, and what exactly was going through your mind just before "
                 "it started?",
            "b": "It's great that you still made it here today. Can you focus on how far you have already come?",
            "c": "Were there moments when you expected panic and it didn't come, or passed sooner? What did you do "
                 "then?",
        },
        "c",
        {
            "a": "A useful assessment question, but it looks only at the problem, now at its worst moment: it does "
                 "not look for anything the client can build on.",
            "b": "Praise plus an instruction to look on the bright side: it skips over the fear the client just "
                 "named and does not ask what the client actually did.",
            "c": "It asks about exceptions and the client's own ways of coping: what already works, even a little, "
                 "is a resource to build on, and the panic stays in view.",
        },
    ),
    ReframeItem(
        "no_friends",
        "I've been at university for three months and I still haven't made a single friend.",
        "Why haven't you made any friends here?",
        {
            "a": "Who, here or back home, do you feel at ease with, and what is it that makes that easier for you?",
            "b": "What is it about the way you approach people, do you think, that keeps them at a distance?",
            "c": "Have you thought about joining a society or a sports club, where friends tend to come more easily?",
        },
        "a",
        {
            "a": "It looks for relationships that already work and for what helps the client in them: resources "
                 "the client can use in a new place.",
            "b": "It sounds reflective, but it locates the problem in the client and invites more self-criticism.",
            "c": "Advice dressed as a question, before the helper knows anything about the client or what they "
                 "have already tried.",
        },
    ),
    ReframeItem(
        "shouting_evenings",
        "Every evening ends in shouting with my son. I'm a terrible parent.",
        "What sets off the shouting?",
        {
            "a": "How often do you lose control with him in a typical week, and what usually sets it off?",
            "b": "Tell me about an evening recently that went a bit better. What was different, and what did you do?",
            "c": "You clearly care about him, or you would not worry so much. Isn't that worth holding on to?",
        },
        "b",
        {
            "a": "As a reformulation it counts failures and adds a judgement (\"lose control\") the parent did not "
                 "use. Yet what happens in those evenings matters: if anything suggests that the son is hurt or "
                 "afraid, his safety comes first. Ask directly, follow your agency's safeguarding procedures and "
                 "take it to supervision.",
            "b": "It asks for an exception and for the parent's own part in it, without denying that the evenings "
                 "are hard. Keep listening for the son's safety: if anything suggests that he is hurt or afraid, "
                 "that comes first. Ask directly, follow your agency's safeguarding procedures and take it to "
                 "supervision.",
            "c": "Warm, but it tells the parent what to conclude and invites a yes; it does not ask what the parent "
                 "does that helps.",
        },
    ),
    ReframeItem(
        "job_loss",
        "I was let go last month. I keep replaying everything I did wrong.",
        "What went wrong at your last job?",
        {
            "a": "Why do you think they chose you, rather than someone else, when they had to let people go?",
            "b": "Things often happen for a reason. Isn't it possible that a better job is waiting for you now?",
            "c": "What did you do well there? What did your colleagues count on you for?",
        },
        "c",
        {
            "a": "It keeps the client replaying what went wrong, now from the employer's side.",
            "b": "A cheerful reframe that brushes the client's worry aside and invites a yes; it is not a real "
                 "question about the client.",
            "c": "It brings skills and strengths into view, which the client can use in the next job search, while "
                 "leaving room to talk about the loss.",
        },
    ),
    ReframeItem(
        "sleepless_grief",
        "Since my wife died I can't sleep. The nights are the worst.",
        "What's stopping you from sleeping?",
        {
            "a": "What has helped you get through the hardest nights so far, even a little, since she died?",
            "b": "Have you thought of asking your doctor whether something to help you sleep might suit you?",
            "c": "How many hours do you actually sleep, and how long does it take you to fall asleep?",
        },
        "a",
        {
            "a": "It acknowledges that the nights are hard and asks what the client already draws on to get "
                 "through them.",
            "b": "Advice, and it moves away from the grief the client is talking about.",
            "c": "A fact-finding question about the deficit; useful for an assessment, but it does not look for "
                 "resources.",
        },
    ),
    ReframeItem(
        "after_the_fall",
        "Since the fall I hardly go out. I can't do half the things I used to.",
        "What can't you do any more since the fall?",
        {
            "a": "Are you afraid of falling again, and is that what keeps you at home most days?",
            "b": "What matters most to you to keep doing, and what, or who, is helping you to do it now?",
            "c": "At your age some slowing down is to be expected, isn't it? What could you do at home instead?",
        },
        "b",
        {
            "a": "Closed, leading questions about the fear; the fear may need attention later, but this does not "
                 "look for resources.",
            "b": "It starts from the client's goals and from what still works: values and abilities to build on.",
            "c": "It dismisses the client's loss and assumes decline; it invites agreement, not reflection.",
        },
    ),
    ReframeItem(
        "better_off_without_me",
        "Some days I think everyone would be better off without me.",
        "What makes you feel that way?",
        {
            "a": "What has kept you going so far, even on the days when it feels like that?",
            "b": "Please don't think like that. You have so much to live for, and the people around you love you.",
            "c": "It sounds as if things feel very heavy right now. Are you having thoughts of ending your life?",
        },
        "c",
        {
            "a": "A good resource question at another moment, but \"everyone would be better off without me\" can "
                 "mean thoughts of suicide, and this leaves the risk unasked: here the problem comes first. Ask "
                 "about suicide directly now, follow your agency's risk and safeguarding procedures, and consult "
                 "your supervisor the same day (at once if the risk is immediate).",
            "b": "It silences the client and leaves the risk unexplored: \"everyone would be better off without "
                 "me\" can mean thoughts of suicide, and the client may not raise it again. Ask directly, then "
                 "follow your agency's risk procedures and talk it through with your supervisor.",
            "c": "\"Everyone would be better off without me\" can mean thoughts of suicide, so here the problem "
                 "comes first, and risk is asked about directly and calmly; asking does not put the idea in "
                 "someone's head. Then follow your agency's risk and safeguarding procedures, consult your "
                 "supervisor the same day, and re-check risk whenever the client gets worse. Reasons for living "
                 "can go into a safety plan made with the client: problems and resources together.",
        },
    ),
)


@dataclass(frozen=True)
class ReframeFeedback:
    """The verdict on one attempt: whether it is the best reformulation, the message, and the best letter."""

    correct: bool
    message: str
    answer: str


def feedback_for_reframe(item: ReframeItem, chosen: str | None) -> ReframeFeedback:
    """Instant feedback on one attempt: right or not, and why the chosen reformulation is or is not the best.

    A wrong attempt is told why its choice falls short and invited to try again; it is not told the answer.

    Parameters
    ----------
    item
        The practice item.
    chosen
        The letter chosen, or None when nothing was chosen.

    Returns
    -------
    ReframeFeedback
        "Right. <why>" for the best letter; "Not quite. <why> Try another one." for another letter.

    Raises
    ------
    ValueError
        If ``chosen`` is not one of the item's letters.
    """
    if chosen is None:
        return ReframeFeedback(False, "Choose one of the questions first.", item.best)
    letter = str(chosen).strip().lower()
    if letter not in item.options:
        raise ValueError(f"chosen must be one of {', '.join(item.options)}; got {chosen!r}.")
    if letter == item.best:
        return ReframeFeedback(True, f"Right. {item.why[letter]}", item.best)
    return ReframeFeedback(False, f"Not quite. {item.why[letter]} Try another one.", item.best)


#: The seed of the order in which the module shows the items.
PRACTICE_SEED = 13


def practice_order(n_items: int, seed: int | None) -> list[int]:
    """The order in which items are shown: as written when ``seed`` is None, else a seeded shuffle.

    The item about risk is shuffled with the others, so that its place does not mark it (with the default seed
    it is the fourth of seven).
    """
    return practice_bank.practice_order(n_items, seed)


def score_text(correct: int, answered: int, total: int) -> str:
    """The running score as the student reads it (first tries count)."""
    return practice_bank.score_text(correct, answered, total, ReframeSession.task, ReframeSession.done)


class ReframeSession(practice_bank.PracticeRun[ReframeItem]):
    """The state of one run through the practice bank, without any widget.

    The first answer to an item counts for the score; later attempts still get feedback.

    Parameters
    ----------
    items
        The items (the course's :data:`ITEMS` by default).
    seed
        Seed of the order (None keeps the written order).
    """

    task = "questions to reformulate"
    done = "questions answered"

    def __init__(self, items: Sequence[ReframeItem] = ITEMS, seed: int | None = PRACTICE_SEED) -> None:
        super().__init__(items, practice_order(len(items), seed) if items else [])

    def answer(self, chosen: str | None) -> ReframeFeedback:
        """Answer the current item; the first real attempt is recorded in the score."""
        feedback = feedback_for_reframe(self.current, chosen)
        if chosen is not None:
            self.record(feedback.correct)
        return feedback
