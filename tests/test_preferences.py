"""Dropout in the Metapsy trials, odds ratios in both directions, and the collaborative-reply practice items."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpcourse import checks, data, preferences


@pytest.fixture(scope="module")
def attrition() -> pd.DataFrame:
    return preferences.attrition_by_comparison(data.load_metapsy_comparisons())


def _comparisons(rows: list[tuple]) -> pd.DataFrame:
    columns = ["study", "condition_arm1", "condition_arm2", "multi_arm1", "multi_arm2", "instrument",
               "rand_arm1", "rand_arm2", "attr_arm1", "attr_arm2"]
    table = pd.DataFrame(rows, columns=columns)
    for column in ("rand_arm1", "rand_arm2", "attr_arm1", "attr_arm2"):
        table[column] = table[column].astype("Float64")
    return table


# A trial reported on two scales, a three-arm trial whose two therapies share one waiting list, a trial without
# counts, a trial where nobody was lost, and a trial whose two scales report different numbers lost.
HAND_MADE = [
    ("A, 2001", "cbt", "wl", None, None, "bdi", 50, 50, 10, 5),
    ("A, 2001", "cbt", "wl", None, None, "hdrs", 50, 50, 10, 5),
    ("B, 2002", "cbt", "wl", "cbt", "wl", "bdi", 100, 100, 20, 10),
    ("B, 2002", "pst", "wl", "pst", "wl", "bdi", 90, 100, 30, 10),
    ("C, 2003", "cbt", "cau", None, None, "bdi", None, 40, None, 4),
    ("D, 2004", "cbt", "cau", None, None, "bdi", 30, 30, 0, 0),
    ("E, 2005", "ipt", "cau", None, None, "phq-9", 60, 60, 12, 12),
    ("E, 2005", "ipt", "cau", None, None, "hdrs", 60, 60, 6, 7),
]


def test_odds_and_rates_from_an_odds_ratio_by_hand():
    assert preferences.odds(0.2) == pytest.approx(0.25)
    # odds 0.1 / 0.9 = 0.1111, doubled 0.2222, back to a rate 0.2222 / 1.2222 = 0.1818
    assert preferences.rate_from_odds_ratio(0.10, 2.0) == pytest.approx(2 / 11)
    # Swift et al. (2018): odds of dropout 1.79 times higher when not matched. 30% not matched -> odds 0.4286;
    # matched odds 0.4286 / 1.79 = 0.2394 -> 19.3%. The other direction would wrongly give 43.4%.
    assert preferences.rate_from_odds_ratio(0.30, 1 / 1.79) == pytest.approx(0.193175, abs=1e-6)
    assert preferences.rate_from_odds_ratio(0.30, 1.79) == pytest.approx(0.434115, abs=1e-6)
    assert preferences.rate_from_odds_ratio(0.30, 1.0) == pytest.approx(0.30)
    with pytest.raises(ValueError, match="proportion"):
        preferences.odds(30)
    with pytest.raises(ValueError, match="positive"):
        preferences.rate_from_odds_ratio(0.3, 0)


def test_wilson_interval_by_hand_and_against_statsmodels():
    # p = .2, n = 50, z = 1.96: centre 0.2214, half-width 0.1090
    low, high = preferences.wilson_interval(10, 50)
    assert (low, high) == pytest.approx((0.112438, 0.330371), abs=1e-6)
    assert (low, high) == pytest.approx(proportion_confint(10, 50, method="wilson"), abs=1e-9)
    assert preferences.wilson_interval(0, 20)[0] == 0.0
    assert preferences.wilson_interval(20, 20)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        preferences.wilson_interval(5, 4)


def test_attrition_keeps_one_row_per_comparison_with_complete_counts():
    table = preferences.attrition_by_comparison(_comparisons(HAND_MADE))
    # A once (two scales), B twice (two therapy arms), C dropped (no counts), D kept, E once (the fewest lost)
    assert len(table) == 5
    assert list(table["study"]) == ["A, 2001", "B, 2002", "B, 2002", "D, 2004", "E, 2005"]
    a = table[table["study"] == "A, 2001"].iloc[0]
    assert (a["rand_therapy"], a["lost_therapy"], a["rand_control"], a["lost_control"]) == (50, 10, 50, 5)
    assert a["dropout_therapy"] == pytest.approx(0.2) and a["dropout_control"] == pytest.approx(0.1)
    e = table[table["study"] == "E, 2005"].iloc[0]
    assert (e["lost_therapy"], e["lost_control"]) == (6, 7)  # people lost on one scale may be assessed on another
    assert preferences.count_shared_control_arms(table) == (2, 1)  # B's two arms share one waiting list


def test_dropout_rates_add_up_the_arms():
    table = preferences.attrition_by_comparison(_comparisons(HAND_MADE))
    cbt = preferences.dropout_rates(table, "cbt")
    # A: 10/50 and 5/50; B: 20/100 and 10/100; D: 0/30 and 0/30
    assert (cbt.k, cbt.n_therapy, cbt.n_control) == (3, 180, 180)
    assert cbt.therapy_rate == pytest.approx(30 / 180) and cbt.control_rate == pytest.approx(15 / 180)
    waiting = preferences.dropout_rates(table, "all", "wl")
    assert waiting.k == 3 and waiting.n_control == 250  # the shared waiting list counts twice
    with pytest.raises(ValueError, match="therapy should be"):
        preferences.dropout_rates(table, "hypnosis")


def test_pooled_odds_ratio_by_hand():
    table = preferences.attrition_by_comparison(_comparisons(HAND_MADE))
    pooled = preferences.pooled_dropout_odds_ratio(table, "cbt")
    # D lost nobody in either arm and is left out; A and B both have OR = (10 * 45) / (40 * 5) = 2.25, so tau^2 = 0
    # and the pooled OR is 2.25 with the fixed-effect standard error from weights 1 / 0.3472 and 1 / 0.1736.
    assert pooled.k == 2
    assert pooled.odds_ratio == pytest.approx(2.25)
    variances = (1 / 10 + 1 / 40 + 1 / 5 + 1 / 45, 1 / 20 + 1 / 80 + 1 / 10 + 1 / 90)
    se = math.sqrt(1 / sum(1 / v for v in variances))
    assert pooled.ci_low == pytest.approx(2.25 * math.exp(-1.959964 * se), rel=1e-5)
    assert pooled.ci_high == pytest.approx(2.25 * math.exp(1.959964 * se), rel=1e-5)
    assert pooled.tau2 == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="at least 2"):
        preferences.pooled_dropout_odds_ratio(table, "pst")


def test_metapsy_attrition_table(attrition):
    # 599 distinct comparisons: 537 with complete counts, 62 without
    assert len(attrition) == 537
    assert attrition["study"].nunique() == 443
    assert not attrition.duplicated(["study", "therapy", "multi_arm1", "control", "multi_arm2"]).any()
    # Baumeister (2021) reports 11 and 15 lost on the clinician's scales and 22 and 22 on the PHQ-9: the fewest kept
    baumeister = attrition[attrition["study"] == "Baumeister, 2021"]
    assert len(baumeister) == 1 and tuple(baumeister[["lost_therapy", "lost_control"]].iloc[0]) == (11, 15)
    assert (attrition["lost_therapy"] <= attrition["rand_therapy"]).all()
    aagaard = attrition[attrition["study"] == "Aagaard, 2017"].iloc[0]
    assert (aagaard["rand_therapy"], aagaard["lost_therapy"], aagaard["rand_control"], aagaard["lost_control"]) == (
        42, 2, 38, 3)
    shared, trials = preferences.count_shared_control_arms(attrition)
    assert shared == 145 and trials == 66


def test_metapsy_dropout_by_therapy(attrition):
    table = preferences.dropout_odds_ratios_by_therapy(attrition, "all")
    assert table["therapy"].iloc[-1] == "all" and table["label"].iloc[-1] == "All therapies"
    overall = table.iloc[-1]
    assert overall["odds_ratio"] == pytest.approx(1.188, abs=0.001)
    assert overall["ci_low"] > 1  # therapy arms lose more people than control arms
    cbt = preferences.dropout_rates(attrition, "cbt")
    assert cbt.k == 271 and cbt.therapy_rate == pytest.approx(0.1882, abs=1e-4)
    waiting = preferences.dropout_odds_ratios_by_therapy(attrition, "wl")
    assert "sup" not in set(waiting["therapy"])  # supportive counselling vs waiting list: nobody lost anywhere


def test_every_reply_item_gives_the_right_feedback():
    assert len(preferences.COLLABORATION_ITEMS) >= 3
    for item in preferences.COLLABORATION_ITEMS:
        question = preferences.reply_question(item)
        assert set(question["options"]) == {"a", "b"} and item.collaborative in question["options"]
        wrong = "a" if item.collaborative == "b" else "b"
        right_feedback = checks.feedback_for_choice(item.collaborative, question["correct"], question["explanations"])
        wrong_feedback = checks.feedback_for_choice(wrong, question["correct"], question["explanations"])
        assert right_feedback.correct and item.explanations[item.collaborative] in right_feedback.message
        assert not wrong_feedback.correct and item.explanations[wrong] in wrong_feedback.message
    # the right answer is not always the same letter
    assert {item.collaborative for item in preferences.COLLABORATION_ITEMS} == {"a", "b"}


def test_the_collaborative_reply_is_not_given_away_by_its_length():
    """Picking the longer reply is right in at most half of the items (rule 9 of docs/CONTENT.md)."""
    longer = [item.skill for item in preferences.COLLABORATION_ITEMS
              if len(item.replies[item.collaborative]) > max(len(text) for letter, text in item.replies.items()
                                                               if letter != item.collaborative)]
    assert len(longer) <= len(preferences.COLLABORATION_ITEMS) // 2, longer


def test_nothing_but_the_replies_themselves_marks_the_collaborative_one():
    """The question does not name the skill, and question marks and shared-decision words turn up in both replies."""
    items = preferences.COLLABORATION_ITEMS
    for item in items:
        assert item.skill not in preferences.reply_question(item)["question"]
    others = [text for item in items for letter, text in item.replies.items() if letter != item.collaborative]
    rights = [item.replies[item.collaborative] for item in items]
    assert sum("?" in text for text in others) >= len(items) // 2
    assert sum("?" in text for text in rights) < len(items)
    assert any("together" in text for text in others)
    assert not any("on average" in text.lower() for text in others), "no research claims in the replies"
