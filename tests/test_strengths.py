"""Module 06 library: within-trial odds ratios of contact in Hasselblad (1998), and the reframing practice."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpcourse import data, strengths


@pytest.fixture(scope="module")
def arms() -> pd.DataFrame:
    return data.load_hasselblad1998()


# --------------------------------------------------------------------------------------------------
# Which trials compare what
# --------------------------------------------------------------------------------------------------


def test_comparison_pairs_counts_every_pair_of_arms_once_per_trial(arms):
    pairs = dict(zip(*strengths.comparison_pairs(arms).to_dict("list").values(), strict=True))
    assert pairs == {
        "No contact vs Individual counselling": 15,
        "Individual counselling vs Group counselling": 4,
        "No contact vs Self-help material": 3,
        "No contact vs Group counselling": 2,
        "Self-help material vs Individual counselling": 2,
        "Self-help material vs Group counselling": 2,
    }
    # 22 two-arm trials and 2 three-arm trials (3 pairs each)
    assert sum(pairs.values()) == 22 + 2 * 3


# --------------------------------------------------------------------------------------------------
# Within-trial odds ratios
# --------------------------------------------------------------------------------------------------


def test_within_trial_odds_ratios_of_self_help_match_a_hand_computation(arms):
    table = strengths.within_trial_odds_ratios(arms, "self_help")
    assert list(table["authors"]) == ["Gritz et al.", "Campbell et al.", "Pallonen et al."]
    gritz = table.iloc[0]
    # Gritz et al. (1992): 77 of 694 quit with self-help material, 79 of 702 without contact.
    assert (gritz.quit_contact, gritz.n_contact, gritz.quit_reference, gritz.n_reference) == (77, 694, 79, 702)
    assert gritz.odds_ratio == pytest.approx((77 * 623) / (617 * 79), rel=1e-12)
    assert gritz.variance == pytest.approx(1 / 77 + 1 / 617 + 1 / 79 + 1 / 623, rel=1e-12)
    assert gritz.log_or == pytest.approx(math.log(gritz.odds_ratio), rel=1e-12)


def test_an_empty_cell_gets_half_added_to_its_own_table_only(arms):
    table = strengths.within_trial_odds_ratios(arms, "ind_counseling").set_index("authors")
    # Rabkin et al. (1984): 9 of 48 quit with counselling, 0 of 33 without contact -> cells 9.5, 39.5, 0.5, 33.5.
    assert table.loc["Rabkin et al.", "odds_ratio"] == pytest.approx(9.5 * 33.5 / (39.5 * 0.5), rel=1e-12)
    assert table.loc["Rabkin et al.", "variance"] == pytest.approx(1 / 9.5 + 1 / 39.5 + 1 / 0.5 + 1 / 33.5)
    # Reid et al. (1974) has no empty cell: 363 of 714 against 75 of 731, uncorrected.
    assert table.loc["Reid et al.", "odds_ratio"] == pytest.approx(363 * 656 / (351 * 75), rel=1e-12)
    assert len(table) == 15


def test_reference_and_contact_can_be_swapped(arms):
    forward = strengths.within_trial_odds_ratios(arms, "ind_counseling", "self_help")
    backward = strengths.within_trial_odds_ratios(arms, "self_help", "ind_counseling")
    assert list(forward["study"]) == list(backward["study"]) == [6, 9]
    np.testing.assert_allclose(forward["odds_ratio"], 1 / backward["odds_ratio"], rtol=1e-12)


def _dersimonian_laird(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - fixed) ** 2)
    tau2 = max(0.0, (q - (len(y) - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_star = 1 / (v + tau2)
    return float(np.sum(w_star * y) / np.sum(w_star)), tau2


def test_pooled_odds_ratio_by_dersimonian_laird_matches_the_textbook_formula(arms):
    trials = strengths.within_trial_odds_ratios(arms, "self_help")
    estimate, tau2 = _dersimonian_laird(trials["log_or"].to_numpy(), trials["variance"].to_numpy())
    pooled = strengths.pool_contact_odds_ratio(arms, "self_help", method="dl")
    assert pooled.k == 3 and pooled.method == "DerSimonian-Laird"
    assert pooled.odds_ratio == pytest.approx(math.exp(estimate), rel=1e-9)
    assert pooled.tau2 == pytest.approx(tau2, rel=1e-9)
    assert pooled.ci_low < pooled.odds_ratio < pooled.ci_high
    assert pooled.label == "Self-help material vs no contact"


def test_paule_mandel_tau2_solves_its_defining_equation(arms):
    trials = strengths.within_trial_odds_ratios(arms, "ind_counseling")
    y, v = trials["log_or"].to_numpy(), trials["variance"].to_numpy()
    pooled = strengths.pool_contact_odds_ratio(arms, "ind_counseling")
    w = 1 / (v + pooled.tau2)
    mu = np.sum(w * y) / np.sum(w)
    # Paule-Mandel: the generalised Q with weights 1 / (v + tau2) equals k - 1.
    assert np.sum(w * (y - mu) ** 2) == pytest.approx(len(y) - 1, rel=1e-4)
    assert pooled.odds_ratio == pytest.approx(math.exp(mu), rel=1e-6)
    assert pooled.ci_low > 1, "individual counselling raises the odds of quitting in these trials"


def test_contact_odds_ratios_has_one_row_per_kind_of_contact(arms):
    table = strengths.contact_odds_ratios(arms)
    assert list(table["contact"]) == ["self_help", "ind_counseling", "grp_counseling"]
    assert list(table["k"]) == [3, 15, 2]
    for row in table.itertuples():
        pooled = strengths.pool_contact_odds_ratio(arms, row.contact)
        assert row.odds_ratio == pytest.approx(pooled.odds_ratio)
        assert row.detail == f"{pooled.k} trials, I² = {pooled.i2:.0f}%"
    self_help = table.set_index("contact").loc["self_help"]
    assert self_help.ci_low < 1 < self_help.ci_high, "self-help's interval includes 1"


def test_the_direct_comparison_of_group_and_individual_counselling_is_exercise_6s_question(arms):
    """Exercise 6 asks for group against individual counselling within the 4 trials that compared them directly."""
    direct = strengths.pool_contact_odds_ratio(arms, "grp_counseling", reference="ind_counseling")
    reversed_ = strengths.pool_contact_odds_ratio(arms, "ind_counseling", reference="grp_counseling")
    assert direct.k == reversed_.k == 4
    assert direct.odds_ratio == pytest.approx(1 / reversed_.odds_ratio, rel=1e-9)
    # unlike the indirect comparison of the two rows against no contact, the direct one shows no clear difference
    assert direct.ci_low < 1 < direct.ci_high
    indirect = strengths.contact_odds_ratios(arms).set_index("contact")["odds_ratio"]
    assert indirect["grp_counseling"] > indirect["ind_counseling"]


def test_contact_comparisons_refuse_what_they_cannot_do(arms):
    with pytest.raises(ValueError, match="one of no_contact"):
        strengths.within_trial_odds_ratios(arms, "therapy")
    with pytest.raises(ValueError, match="same one twice"):
        strengths.within_trial_odds_ratios(arms, "self_help", "self_help")
    one_trial = arms[~arms["study"].isin([11, 12])]
    with pytest.raises(ValueError, match="Only 1 trial"):
        strengths.pool_contact_odds_ratio(one_trial, "self_help")
    with pytest.raises(ValueError, match="columns|column"):
        strengths.comparison_pairs(arms.drop(columns="trt"))


# --------------------------------------------------------------------------------------------------
# The reframing practice
# --------------------------------------------------------------------------------------------------


def test_every_item_is_complete_and_explains_every_option():
    ids = [item.item_id for item in strengths.ITEMS]
    assert len(ids) == len(set(ids)) >= 6
    for item in strengths.ITEMS:
        assert set(item.options) == set(item.why) == {"a", "b", "c"}
        assert item.best in item.options
        assert all(len(text) > 20 for text in item.why.values())
    # the best option is not always in the same place
    assert len({item.best for item in strengths.ITEMS}) == 3


def test_feedback_says_right_or_why_not_without_giving_the_answer():
    item = strengths.ITEMS[0]
    wrong = next(letter for letter in item.options if letter != item.best)
    right = strengths.feedback_for_reframe(item, item.best)
    assert right.correct and right.message == f"Right. {item.why[item.best]}"
    nope = strengths.feedback_for_reframe(item, wrong.upper())
    assert not nope.correct
    assert nope.message == f"Not quite. {item.why[wrong]} Try another one."
    assert item.why[item.best] not in nope.message
    empty = strengths.feedback_for_reframe(item, None)
    assert not empty.correct and "Choose" in empty.message
    with pytest.raises(ValueError, match="one of a, b, c"):
        strengths.feedback_for_reframe(item, "d")


def test_the_risk_item_asks_for_the_problem_first_but_nothing_before_the_clients_words_marks_it():
    items = {item.item_id: item for item in strengths.ITEMS}
    risk = items["better_off_without_me"]
    # the same prompt as every other item, and a deficit question like theirs: only the client's words mark it
    assert {item.prompt for item in strengths.ITEMS} == {strengths.STRENGTH_PROMPT}
    assert "risk" not in risk.deficit.lower() and risk.deficit.endswith("?")
    assert "suicide" in risk.options[risk.best] or "ending your life" in risk.options[risk.best]
    # the feedback explains the risk, and what real practice requires: the agency's procedures, supervision and a
    # later re-check
    best = risk.why[risk.best].lower()
    assert "risk and safeguarding procedures" in best and "supervisor" in best and "re-check" in best
    assert all("suicide" in why.lower() for why in risk.why.values())
    assert all("supervis" in why.lower() and "procedure" in why.lower() for why in risk.why.values())


def test_a_parent_who_shouts_is_told_that_a_childs_safety_comes_first():
    shouting = {item.item_id: item for item in strengths.ITEMS}["shouting_evenings"]
    for letter in ("a", "b"):
        why = shouting.why[letter].lower()
        assert "safety comes first" in why or "that comes first" in why
        assert "safeguarding procedures" in why and "supervision" in why


def test_the_best_option_is_not_given_away_by_its_length():
    """A test-wise student who picks the longest reformulation gets few items right (rule 9 of docs/CONTENT.md)."""
    longest = [item.item_id for item in strengths.ITEMS
               if max(item.options.values(), key=len) == item.options[item.best]
               and sum(len(text) == len(item.options[item.best]) for text in item.options.values()) == 1]
    assert len(longest) <= len(strengths.ITEMS) // 3, longest


def test_practice_order_is_a_seeded_permutation_that_shuffles_the_risk_item_too():
    order = strengths.practice_order(7, seed=strengths.PRACTICE_SEED)
    assert sorted(order) == list(range(7)) and order == strengths.practice_order(7, seed=strengths.PRACTICE_SEED)
    risk = [item.item_id for item in strengths.ITEMS].index("better_off_without_me")
    # with the module's seed the risk item is neither first nor last
    assert 0 < order.index(risk) < 6
    assert strengths.practice_order(7, seed=None) == list(range(7))
    assert strengths.practice_order(1, seed=3) == [0]
    with pytest.raises(ValueError):
        strengths.practice_order(0, seed=1)


def test_session_counts_first_tries_only():
    session = strengths.ReframeSession(seed=None)
    first = session.current
    wrong = next(letter for letter in first.options if letter != first.best)
    assert session.score() == "Score: nothing answered yet (7 questions to reformulate)."
    session.answer(None)  # nothing chosen: no attempt
    assert session.answered == 0
    assert not session.answer(wrong).correct
    assert session.answer(first.best).correct
    assert (session.correct, session.answered) == (0, 1)
    assert session.next() and session.current is strengths.ITEMS[1]
    session.answer(session.current.best)
    assert session.score() == "Score: 1 of 2 right on the first try (2 of 7 questions answered)."
    while session.next():
        pass
    assert session.is_last and not session.next()
    session.restart()
    assert (session.position, session.answered) == (0, 0)
