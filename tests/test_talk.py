"""Helper and client talk in AnnoMI: hand-computed small sessions, then the measured facts of the real data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpcourse import data, miti, talk

# --------------------------------------------------------------------------------------------------
# Two small sessions whose every number can be counted by hand
# --------------------------------------------------------------------------------------------------

# Session 1 (high quality): Q, neutral, R, change, R, change, input, sustain, other, neutral.
# Session 2 (low quality): input, sustain, neutral (a second client turn), Q, sustain, input, change.
SESSION_1 = [("therapist", "question"), ("client", "neutral"), ("therapist", "reflection"), ("client", "change"),
             ("therapist", "reflection"), ("client", "change"), ("therapist", "therapist_input"),
             ("client", "sustain"), ("therapist", "other"), ("client", "neutral")]
SESSION_2 = [("therapist", "therapist_input"), ("client", "sustain"), ("client", "neutral"),
             ("therapist", "question"), ("client", "sustain"), ("therapist", "therapist_input"),
             ("client", "change")]


def _utterances(sessions: dict[int, tuple[str, list[tuple[str, str]]]]) -> pd.DataFrame:
    rows = []
    for transcript_id, (quality, turns) in sessions.items():
        for utterance_id, (speaker, code) in enumerate(turns):
            rows.append({
                "transcript_id": transcript_id, "mi_quality": quality, "topic": f"topic {transcript_id}",
                "utterance_id": utterance_id, "interlocutor": speaker, "utterance_text": f"{speaker} {code}",
                "main_therapist_behaviour": code if speaker == "therapist" else None,
                "client_talk_type": code if speaker == "client" else None,
            })
    frame = pd.DataFrame(rows)
    return frame.astype({
        "mi_quality": pd.CategoricalDtype(["high", "low"]),
        "topic": "category",
        "interlocutor": pd.CategoricalDtype(["therapist", "client"]),
        "main_therapist_behaviour": pd.CategoricalDtype(list(data.THERAPIST_BEHAVIOURS)),
        "client_talk_type": pd.CategoricalDtype(list(data.CLIENT_TALK_TYPES)),
    })


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    # Rows shuffled: nothing may depend on the order rows arrive in.
    frame = _utterances({1: ("high", SESSION_1), 2: ("low", SESSION_2)})
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_counts_of_small_sessions(small):
    behaviours = talk.behaviour_counts(small)
    assert behaviours.loc[1].to_dict() == {"reflection": 2, "question": 1, "therapist_input": 1, "other": 1}
    assert behaviours.loc[2].to_dict() == {"reflection": 0, "question": 1, "therapist_input": 2, "other": 0}
    talk_types = talk.talk_type_counts(small)
    assert talk_types.loc[1].to_dict() == {"change": 2, "neutral": 2, "sustain": 1}
    assert talk_types.loc[2].to_dict() == {"change": 1, "neutral": 1, "sustain": 2}


def test_scores_of_small_sessions(small):
    scores = talk.transcript_scores(small)
    one, two = scores.loc[1], scores.loc[2]
    assert (one["n_utterances"], one["n_therapist"], one["n_client"]) == (10, 5, 5)
    assert one["reflections_per_question"] == 2.0
    assert one["therapist_input_share"] == pytest.approx(1 / 5)
    assert one["change_talk_share"] == pytest.approx(2 / 5) and one["sustain_talk_share"] == pytest.approx(1 / 5)
    assert two["reflections_per_question"] == 0.0
    assert two["therapist_input_share"] == pytest.approx(2 / 3)
    assert two["change_talk_share"] == pytest.approx(1 / 4) and two["sustain_talk_share"] == pytest.approx(2 / 4)
    assert "complex_reflection_share" not in scores.columns
    assert str(one["mi_quality"]) == "high" and str(two["mi_quality"]) == "low"


def test_quality_medians_of_small_sessions(small):
    medians = talk.quality_medians(talk.transcript_scores(small))
    assert medians.loc["reflections_per_question", "high"] == 2.0
    assert medians.loc["therapist_input_share", "low"] == pytest.approx(2 / 3)
    assert medians.loc["sustain_talk_share", "low"] == pytest.approx(0.5)
    assert medians.loc["change_talk_share", "n_high"] == 1


def test_client_turns_after_therapist_skip_client_after_client(small):
    turns = talk.client_turns_after_therapist(small)
    assert len(turns) == 8  # 9 client turns, less the one that follows another client turn
    by_session = turns.groupby("transcript_id")["previous_behaviour"].apply(list).to_dict()
    assert by_session[1] == ["question", "reflection", "reflection", "therapist_input", "other"]
    assert by_session[2] == ["therapist_input", "question", "therapist_input"]


def test_client_talk_after_by_hand(small):
    after = talk.client_talk_after(small)
    assert list(after.index) == ["reflection", "question", "therapist_input", "other"]
    assert after.loc["reflection", "change"] == 1.0 and after.loc["reflection", "n"] == 2
    assert after.loc["question", "neutral"] == 0.5 and after.loc["question", "sustain"] == 0.5
    assert after.loc["therapist_input", "sustain"] == pytest.approx(2 / 3)
    assert after.loc["therapist_input", "change"] == pytest.approx(1 / 3)
    assert after.loc["other", "neutral"] == 1.0 and after.loc["other", "n"] == 1
    only_low = talk.client_talk_after(small[small["mi_quality"] == "low"])
    assert only_low.loc["reflection", "n"] == 0 and math.isnan(only_low.loc["reflection", "change"])


def test_complex_reflection_share_pools_annotators(small):
    full = small.copy()
    full["annotator_id"] = 0
    full["reflection_subtype"] = pd.Series([None] * len(full), dtype=pd.CategoricalDtype(["simple", "complex"]))
    reflections = full.index[full["main_therapist_behaviour"] == "reflection"]
    full.loc[reflections, "reflection_subtype"] = ["simple", "complex"]
    second = full[full["transcript_id"] == 1].copy()
    second["annotator_id"] = 1
    second.loc[second["main_therapist_behaviour"] == "reflection", "reflection_subtype"] = "complex"
    shares = talk.complex_reflection_shares(pd.concat([full, second], ignore_index=True))
    assert shares.loc[1] == pytest.approx(3 / 4)  # 1 of 2 complex for one annotator, 2 of 2 for the other
    assert math.isnan(shares.loc[2])  # no reflections: not assessable
    scores = talk.transcript_scores(small, full)
    assert scores.loc[1, "complex_reflection_share"] == pytest.approx(0.5)


def test_behaviour_mix_by_hand(small):
    mix = talk.behaviour_mix(small)
    assert mix.loc["reflection", "high"] == pytest.approx(2 / 5)
    assert mix.loc["therapist_input", "low"] == pytest.approx(2 / 3)
    assert mix["high"].sum() == pytest.approx(1.0) and mix["low"].sum() == pytest.approx(1.0)
    assert mix.loc["reflection", "n_low"] == 0


def test_session_timeline_in_order(small):
    timeline = talk.session_timeline(small, 2)
    assert list(timeline["utterance_id"]) == list(range(7))
    assert list(timeline["code"]) == [code for _speaker, code in SESSION_2]
    assert timeline.loc[0, "label"] == talk.THERAPIST_BEHAVIOUR_LABELS["therapist_input"]
    assert timeline.loc[1, "label"] == "Sustain talk"
    with pytest.raises(KeyError):
        talk.session_timeline(small, 99)


def test_session_options_label_id_quality_topic(small):
    options = talk.session_options(talk.transcript_scores(small))
    assert options == [("#1 · high quality · topic 1", 1), ("#2 · low quality · topic 2", 2)]


def test_sessions_that_touch_on_risk_are_marked_and_carry_the_note():
    assert talk.session_label(95, "high", "reducing self-harm") == (
        "#95 · high quality · reducing self-harm · touches on self-harm and suicidal thoughts (see the note on risk)")
    assert talk.session_label(123, "low", "smoking cessation") == "#123 · low quality · smoking cessation"
    assert talk.risk_note(123) == ""
    for transcript_id in talk.RISK_CONTENT:
        note = talk.risk_note(transcript_id).lower()
        assert "quality label rates the style of mi, not how risk is handled" in note
        assert "asked about directly" in note and "procedures" in note and "supervision" in note


# --------------------------------------------------------------------------------------------------
# MITI thresholds: one implementation (helpcourse.miti, tested in test_miti.py), re-exported here
# --------------------------------------------------------------------------------------------------


def test_talk_uses_the_one_miti_implementation():
    assert talk.miti_thresholds is miti.miti_thresholds and talk.miti_level is miti.miti_level
    assert talk.reflections_per_question is miti.reflections_per_question
    assert list(talk.MEASURE_LABELS)[:2] == ["reflections_per_question", "complex_reflection_share"]


# --------------------------------------------------------------------------------------------------
# The real AnnoMI data (read from the mirror through helpcourse.data)
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def annomi():
    utterances = data.load_annomi_utterances()
    full = data.load_annomi_utterances("full")
    return utterances, talk.transcript_scores(utterances, full)


def test_real_scores_cover_every_session(annomi):
    utterances, scores = annomi
    assert len(scores) == 133
    assert scores["mi_quality"].value_counts().to_dict() == {"high": 110, "low": 23}
    assert int(scores["n_utterances"].sum()) == len(utterances) == 9699
    assert int(scores["n_therapist"].sum() + scores["n_client"].sum()) == 9699


def test_real_medians_high_vs_low(annomi):
    medians = talk.quality_medians(annomi[1])
    assert medians.loc["reflections_per_question", "high"] == pytest.approx(1.0)
    assert medians.loc["reflections_per_question", "low"] == pytest.approx(0.0)
    assert medians.loc["reflections_per_question", "n_low"] == 22  # one session has neither
    assert medians.loc["therapist_input_share", "high"] == pytest.approx(1 / 12)  # 8%
    assert medians.loc["therapist_input_share", "low"] == pytest.approx(0.5)
    assert medians.loc["change_talk_share", "high"] == pytest.approx(0.2416, abs=1e-4)  # 24%
    assert medians.loc["change_talk_share", "low"] == pytest.approx(0.10)
    assert medians.loc["sustain_talk_share", "high"] == pytest.approx(0.0862, abs=1e-4)  # 9%
    assert medians.loc["sustain_talk_share", "low"] == pytest.approx(0.2667, abs=1e-4)  # 27%
    assert medians.loc["complex_reflection_share", "high"] == pytest.approx(0.5)
    assert medians.loc["complex_reflection_share", "n_low"] == 10  # 13 low-quality sessions have no reflection


def test_real_ratio_of_one_session_by_hand(annomi):
    utterances, scores = annomi
    session = utterances[(utterances["transcript_id"] == 131) & (utterances["interlocutor"] == "therapist")]
    counts = session["main_therapist_behaviour"].value_counts()
    assert (counts["reflection"], counts["question"]) == (12, 19)
    assert scores.loc[131, "reflections_per_question"] == pytest.approx(12 / 19)


def test_real_miti_levels(annomi):
    counts = talk.miti_level_counts(annomi[1])
    high = counts.loc[("reflections_per_question", "high")]
    low = counts.loc[("reflections_per_question", "low")]
    assert high.sum() == 110 and low.sum() == 23
    assert (int(high["good"]), int(high["fair"])) == (31, 30)
    assert (int(low["good"]), int(low["fair"]), int(low["not assessable"])) == (2, 2, 1)


def test_real_client_talk_after(annomi):
    utterances, _ = annomi
    after = talk.client_talk_after(utterances)
    assert int(after["n"].sum()) == 4785  # client turns that directly follow a therapist turn
    assert after.loc["reflection", "n"] == 1285 and after.loc["therapist_input", "n"] == 598
    assert after.loc["reflection", "change"] == pytest.approx(299 / 1285)
    assert after.loc["therapist_input", "change"] == pytest.approx(117 / 598)
    low = talk.client_talk_after(utterances[utterances["mi_quality"] == "low"])
    assert low.loc["therapist_input", "sustain"] == pytest.approx(32 / 138)
    assert low.loc["reflection", "n"] == 30
    # Both halves (module 02, 2.6): after information and advice the client's next turn is more often sustain talk
    # and also more often change talk than after a reflection or a question, i.e. less often neutral.
    assert low.loc["therapist_input", "change"] == pytest.approx(29 / 138)
    for other in ("reflection", "question"):
        for talk_type in ("change", "sustain"):
            assert low.loc["therapist_input", talk_type] > low.loc[other, talk_type]
        assert low.loc["therapist_input", "neutral"] < low.loc[other, "neutral"]


def test_real_sessions_marked_for_risk_touch_on_it(annomi):
    utterances, scores = annomi
    words = {
        "self-harm and suicidal thoughts": r"cut(?:ting)? (?:my|your)self|suicid|killing (?:my|your)self",
        "suicide, mentioned briefly": r"suicidal",
        "violence towards a partner": r"violent towards your partner",
        "drinking in pregnancy": r"pregnan",
    }
    for transcript_id, content in talk.RISK_CONTENT.items():
        text = utterances.loc[utterances["transcript_id"] == transcript_id, "utterance_text"].astype(str)
        assert text.str.contains(words[content], case=False, regex=True).any(), transcript_id
    assert set(scores.loc[[95, 107], "topic"]) == {"reducing self-harm"}
    self_harm = scores.index[scores["topic"].astype(str).str.contains("self-harm")]
    assert set(self_harm) <= set(talk.RISK_CONTENT)


def test_real_behaviour_mix(annomi):
    mix = talk.behaviour_mix(annomi[0])
    assert mix.loc["reflection", "high"] == pytest.approx(1265 / 4441)
    assert mix.loc["therapist_input", "low"] == pytest.approx(145 / 441)
    assert mix.loc["reflection", "high"] > 3 * mix.loc["reflection", "low"]
