"""Helping-skills practice (items, feedback, score, widget) and reflections in AnnoMI (toy and real data)."""

from __future__ import annotations

import html
import math
from collections import Counter

import pandas as pd
import pytest

from helpcourse import data, demos, skills, talk

# --------------------------------------------------------------------------------------------------
# The practice bank
# --------------------------------------------------------------------------------------------------


def test_bank_has_at_least_15_items_covering_every_skill_evenly():
    assert len(skills.ITEMS) >= 15
    counts = Counter(item.skill for item in skills.ITEMS)
    assert set(counts) == set(skills.SKILLS)
    assert min(counts.values()) >= 3


def test_items_are_unique_short_and_explained():
    ids = [item.item_id for item in skills.ITEMS]
    assert len(ids) == len(set(ids))
    for item in skills.ITEMS:
        assert 20 <= len(item.client) <= 160, item.item_id
        assert 15 <= len(item.helper) <= 130, item.item_id
        assert len(item.why) > 30 and item.why.endswith("."), item.item_id


def test_every_skill_is_the_answer_equally_often():
    counts = Counter(item.skill for item in skills.ITEMS)
    assert len(set(counts.values())) == 1, counts


#: Surface features a test-wise student might use instead of reading the reply.
CUES = {
    "question mark": lambda text: text.rstrip().endswith("?"),
    '"feel"': lambda text: "feel" in text.lower(),
    'starts with "So"': lambda text: text.startswith("So "),
    '"It sounds"': lambda text: text.startswith("It sounds"),
    '"You say"': lambda text: text.startswith("You say"),
    '"but"': lambda text: " but " in text,
}


@pytest.mark.parametrize("cue", CUES)
def test_no_surface_cue_gives_the_skill_away(cue):
    """Each cue turns up in replies of at least two skills, so it cannot stand in for reading the reply."""
    skills_with_cue = {item.skill for item in skills.ITEMS if CUES[cue](item.helper)}
    assert len(skills_with_cue) >= 2, f"{cue} appears only in {skills_with_cue}"


def test_open_questions_are_not_marked_by_the_question_mark_alone():
    assert any(item.skill == "open_question" and not item.helper.endswith("?") for item in skills.ITEMS)
    assert any(item.skill != "open_question" and item.helper.endswith("?") for item in skills.ITEMS)


def test_no_feedback_uses_the_stage_of_a_skill_as_its_label():
    """Hill's stage of a skill is a teaching convention (evidence row hill_skill_categories is partial)."""
    texts = [item.why for item in skills.ITEMS] + [skill.definition for skill in skills.SKILLS.values()]
    for text in texts:
        assert "stage" not in text.lower(), text


def test_coercive_control_item_carries_the_safeguarding_note():
    item = next(item for item in skills.ITEMS if item.item_id == "partner_checks_phone")
    why = item.why.lower()
    assert "coercive control" in why and "risk and safeguarding procedures" in why and "supervision" in why
    assert "ask directly and in private" in why and "children" in why
    feedback = skills.feedback_for_skill(item, "restatement").message.lower()
    assert "safeguarding" in feedback and "supervision" in feedback


def test_shouting_at_a_child_item_carries_the_safeguarding_note():
    item = next(item for item in skills.ITEMS if item.item_id == "homework_shouting")
    why = item.why.lower()
    assert "ask directly" in why and "risk and safeguarding procedures" in why and "supervision" in why


def test_no_skill_is_named_from_hills_lists():
    """The evidence row of Hill's skill lists is partial: no label, tooltip or feedback rests on it."""
    texts = [item.why for item in skills.ITEMS] + [skill.definition for skill in skills.SKILLS.values()]
    for text in texts:
        assert "hill" not in text.lower(), text


def test_skill_labels_are_the_five_buttons():
    assert [s.label for s in skills.SKILLS.values()] == [
        "Open question", "Restatement", "Reflection of feeling", "Advice", "Confrontation",
    ]


# --------------------------------------------------------------------------------------------------
# Feedback and score
# --------------------------------------------------------------------------------------------------

ITEM = skills.Item("t", "I can't sleep since the move.", "You feel unsettled.", "reflection_of_feeling",
                   "It names a feeling.")


def test_right_answer_feedback():
    feedback = skills.feedback_for_skill(ITEM, "reflection_of_feeling")
    assert feedback == skills.SkillFeedback(True, "Right: this is a reflection of feeling. It names a feeling.",
                                            "reflection_of_feeling")


def test_wrong_answer_says_what_the_chosen_skill_does_and_the_right_one():
    feedback = skills.feedback_for_skill(ITEM, "restatement")
    assert not feedback.correct and feedback.answer == "reflection_of_feeling"
    assert feedback.message == (
        "Not quite. A restatement " + skills.SKILLS["restatement"].definition
        + ". This reply is a reflection of feeling. It names a feeling."
    )


def test_advice_takes_no_article():
    advice = skills.Item("a", "x" * 30, "Do this.", "advice", "It says what to do.")
    assert skills.feedback_for_skill(advice, "advice").message.startswith("Right: this is advice.")
    assert skills.feedback_for_skill(ITEM, "advice").message.startswith("Not quite. Advice tells")
    assert skills.feedback_for_skill(ITEM, "open_question").message.startswith("Not quite. An open question")


def test_no_choice_and_unknown_choice():
    assert skills.feedback_for_skill(ITEM, None) == skills.SkillFeedback(
        False, "Choose one of the five skills first.", "reflection_of_feeling")
    with pytest.raises(ValueError, match="chosen must be one of"):
        skills.feedback_for_skill(ITEM, "empathy")


def test_every_bank_item_is_right_for_its_own_skill_only():
    for item in skills.ITEMS:
        verdicts = {code: skills.feedback_for_skill(item, code).correct for code in skills.SKILLS}
        assert [code for code, ok in verdicts.items() if ok] == [item.skill]


def test_order_is_written_or_seeded_permutation():
    assert skills.practice_order(4, None) == [0, 1, 2, 3]
    shuffled = skills.practice_order(20, 3)
    assert sorted(shuffled) == list(range(20)) and shuffled != list(range(20))
    assert shuffled == skills.practice_order(20, 3)


def test_first_try_counts_and_retries_do_not_change_the_score():
    session = skills.PracticeSession(skills.ITEMS, seed=None)
    first = session.current
    wrong = next(code for code in skills.SKILLS if code != first.skill)
    assert not session.answer(wrong).correct
    assert session.answer(first.skill).correct
    assert (session.correct, session.answered) == (0, 1)
    assert session.next()
    session.answer(session.current.skill)
    assert (session.correct, session.answered) == (1, 2)
    assert session.score() == f"Score: 1 of 2 right on the first try (2 of {len(skills.ITEMS)} replies classified)."


def test_session_stops_at_the_last_item_and_restarts_clean():
    items = skills.ITEMS[:2]
    session = skills.PracticeSession(items, seed=None)
    session.answer(items[0].skill)
    assert session.next() and session.is_last
    assert not session.next() and session.position == 1
    session.restart()
    assert session.position == 0 and session.answered == 0
    assert session.score() == "Score: nothing answered yet (2 replies to classify)."


# --------------------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------------------


def test_widget_shows_one_item_with_five_labelled_buttons():
    widget = demos.skills_practice(seed=None)
    assert [b.description for b in widget.choices] == [s.label for s in skills.SKILLS.values()]
    assert all(b.tooltip for b in widget.choices)
    first = skills.ITEMS[0]
    assert "Reply 1 of 20" in widget.counter.value
    assert html.escape(first.client) in widget.exchange.value and html.escape(first.helper) in widget.exchange.value
    assert widget.next_button.disabled


def test_clicking_a_button_gives_feedback_and_score_then_next_moves_on():
    widget = demos.skills_practice(seed=None)
    first = skills.ITEMS[0]
    widget.choices[list(skills.SKILLS).index("advice")].click()
    assert "Not quite" in widget.feedback.value and "Score: 0 of 1" in widget.score.value
    widget.choices[list(skills.SKILLS).index(first.skill)].click()
    assert "Right" in widget.feedback.value and "Score: 0 of 1" in widget.score.value
    assert not widget.next_button.disabled
    widget.next_button.click()
    assert "Reply 2 of 20" in widget.counter.value and widget.feedback.value == ""
    assert skills.ITEMS[1].helper.split()[0] in widget.exchange.value
    widget.restart_button.click()
    assert "Reply 1 of 20" in widget.counter.value and "nothing answered" in widget.score.value


# --------------------------------------------------------------------------------------------------
# Reflections: toy data with hand-computed answers
# --------------------------------------------------------------------------------------------------


def _toy() -> pd.DataFrame:
    rows = [
        # transcript 1, high quality, coded by annotators 0 and 3
        (1, "high", 0, "client", None, 0), (1, "high", 1, "therapist", "complex", 0),
        (1, "high", 2, "therapist", "simple", 0), (1, "high", 3, "therapist", None, 0),
        (1, "high", 0, "client", None, 3), (1, "high", 1, "therapist", "simple", 3),
        (1, "high", 2, "therapist", "simple", 3), (1, "high", 3, "therapist", None, 3),
        # transcript 2, low quality, annotator 5: no reflection
        (2, "low", 0, "client", None, 5), (2, "low", 1, "therapist", None, 5),
        # transcript 3, high quality, annotator 4: three complex, one simple
        (3, "high", 0, "therapist", "complex", 4), (3, "high", 1, "therapist", "complex", 4),
        (3, "high", 2, "therapist", "complex", 4), (3, "high", 3, "therapist", "simple", 4),
    ]
    df = pd.DataFrame(rows, columns=["transcript_id", "mi_quality", "utterance_id", "interlocutor",
                                     "reflection_subtype", "annotator_id"])
    df["topic"] = "t"
    df["utterance_text"] = [f"u{i}" for i in range(len(df))]
    df["reflection_subtype"] = df["reflection_subtype"].astype(pd.CategoricalDtype(["simple", "complex"]))
    df["mi_quality"] = df["mi_quality"].astype(pd.CategoricalDtype(["high", "low"]))
    return df


def test_one_annotator_per_transcript_keeps_the_chosen_coder():
    one = skills.one_annotator_per_transcript(_toy())
    assert len(one) == 10
    assert set(one.loc[one["transcript_id"] == 1, "annotator_id"]) == {0}
    other = skills.one_annotator_per_transcript(_toy(), shared_annotator=3)
    assert set(other.loc[other["transcript_id"] == 1, "annotator_id"]) == {3}
    with pytest.raises(ValueError, match="Annotator 9 did not code transcript"):
        skills.one_annotator_per_transcript(_toy(), shared_annotator=9)


def test_reflections_by_transcript_counts_by_hand():
    table = skills.reflections_by_transcript(skills.one_annotator_per_transcript(_toy()))
    assert table["n_simple"].tolist() == [1, 0, 1]
    assert table["n_complex"].tolist() == [1, 0, 3]
    assert table["n_therapist"].tolist() == [3, 1, 4]
    assert table.loc[1, "complex_share"] == 0.5 and table.loc[3, "complex_share"] == 0.75
    assert math.isnan(table.loc[2, "complex_share"])
    assert table.loc[3, "reflecting_turns"] == 1.0 and table.loc[1, "reflecting_turns"] == pytest.approx(2 / 3)


def test_duplicated_coding_is_refused():
    with pytest.raises(ValueError, match="one annotator per transcript"):
        skills.reflections_by_transcript(_toy())


def test_reflections_by_quality_by_hand():
    table = skills.reflections_by_transcript(skills.one_annotator_per_transcript(_toy()))
    summary = skills.reflections_by_quality(table, {"fair": 0.4, "good": 0.6})
    high = summary.loc["high"]
    assert (high["sessions"], high["with_reflections"]) == (2, 2)
    assert high["pooled_complex_share"] == pytest.approx(4 / 6)
    assert high["median_complex_share"] == pytest.approx(0.625)
    assert high["reflecting_turns"] == pytest.approx(6 / 7)
    assert (high["reach_fair"], high["reach_good"]) == (1.0, 0.5)
    assert summary.loc["low", "with_reflections"] == 0


def test_annotator_spread_by_hand():
    spread = skills.complex_share_by_annotator(_toy())
    assert spread.index.tolist() == [1]
    assert spread.loc[1, "annotators"] == 2
    assert (spread.loc[1, "lowest"], spread.loc[1, "highest"], spread.loc[1, "range"]) == (0.0, 0.5, 0.5)


def test_miti_thresholds_come_from_the_evidence_table():
    assert skills.miti_complex_thresholds() == {"fair": 0.4, "good": 0.5}


# --------------------------------------------------------------------------------------------------
# Reflections: the real AnnoMI file
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annomi_full() -> pd.DataFrame:
    return data.load_annomi_utterances("full")


def test_real_data_one_coding_per_transcript(annomi_full):
    one = skills.one_annotator_per_transcript(annomi_full)
    assert len(one) == 9699 and one["transcript_id"].nunique() == 133
    assert not one.duplicated(["transcript_id", "utterance_id"]).any()


def test_real_data_reflection_counts(annomi_full):
    table = skills.reflections_by_transcript(skills.one_annotator_per_transcript(annomi_full))
    assert len(table) == 133
    summary = skills.reflections_by_quality(table)
    assert summary.loc["high", "sessions"] == 110 and summary.loc["low", "sessions"] == 23
    assert summary.loc["high", "with_reflections"] == 107 and summary.loc["low", "with_reflections"] == 11
    high = table[table["mi_quality"] == "high"]
    assert (high["n_complex"].sum(), high["n_reflections"].sum()) == (674, 1443)
    assert summary.loc["high", "pooled_complex_share"] == pytest.approx(674 / 1443)


def test_real_data_annotators_disagree_widely(annomi_full):
    spread = skills.complex_share_by_annotator(annomi_full)
    assert sorted(spread.index) == [7, 27, 55, 56, 66, 109, 130]
    assert (spread["annotators"] == 10).all()
    assert spread["range"].min() > 0.5


def test_real_examples_are_reflections_of_their_kind(annomi_full):
    examples = skills.reflection_examples(skills.one_annotator_per_transcript(annomi_full))
    assert examples["kind"].tolist() == ["simple"] * 3 + ["complex"] * 3
    assert "break or reward" in examples.iloc[3]["helper"]
    assert not set(examples["transcript_id"]) & talk.RISK_TRANSCRIPTS  # shown without a note on risk
    text = skills.format_reflection_examples(examples)
    assert text.count("SIMPLE reflection") == 3 and text.count("  Client: ") == 6
    with pytest.raises(ValueError, match="is not a complex reflection"):
        skills.reflection_examples(skills.one_annotator_per_transcript(annomi_full), {"complex": ((101, 28),)})
