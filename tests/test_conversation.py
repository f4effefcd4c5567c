"""The conversation record and its summary (helpcourse.conversation)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpcourse import adherence, coder, conversation, data, talk
from helpcourse.simulate import client as simclient

REFLECTIONS = list(simclient.SCRIPTED_REFLECTIONS)
CONFRONTING = list(simclient.SCRIPTED_CONFRONTING)


class FixedCoder:
    """Stands in for the reply coder in the scripted runs: every reply gets one code (fast, no training)."""

    def __init__(self, code: str) -> None:
        self.value = code

    def code(self, reply: str, client: str = "") -> coder.CodedReply:
        return coder.CodedReply(reply, self.value, 0.9, {c: 0.9 if c == self.value else 0.1 / 3 for c in coder.CODES},
                                coder.CODE_NAMES[self.value], coder.CODE_EXPLANATIONS[self.value])


@pytest.fixture(scope="module")
def real_coder(tmp_path_factory) -> coder.ReplyCoder:
    folder = Path(tmp_path_factory.getbasetemp()) / "reply-coder-cache"
    folder.mkdir(exist_ok=True)
    return coder.load_coder(cache_dir=folder)


@pytest.fixture(scope="module")
def data_change_shares() -> dict[str, float]:
    """change / (change + sustain) after reflections and after flagged turns (pooled as the simulation's rule says),
    computed here from AnnoMI's client turns and the flags of the adherence table."""
    turns = talk.client_turns_after_therapist(data.load_annomi_utterances("simple"))
    table = adherence.adherence_table()
    flagged = table[table["flag"] != ""]
    keys = set(zip(flagged["transcript_id"], flagged["utterance_id"] + 1, strict=True))
    # utterance ids are consecutive within a session, so the turn before a client turn has id - 1
    utterances = data.load_annomi_utterances("simple").sort_values(["transcript_id", "utterance_id"])
    assert (utterances.groupby("transcript_id")["utterance_id"].diff().dropna() == 1).all()
    after_flag = [(t, u) in keys for t, u in zip(turns["transcript_id"], turns["utterance_id"], strict=True)]
    turns = turns.assign(after_flag=after_flag)
    reflection = turns[(turns["previous_behaviour"] == "reflection") & ~turns["after_flag"]]
    pooled = turns[turns["after_flag"] | ((turns["previous_behaviour"] == "therapist_input")
                                          & (turns["mi_quality"] == "low"))]

    def share(rows: pd.DataFrame) -> float:
        counts = rows["client_talk_type"].value_counts()
        return counts["change"] / (counts["change"] + counts["sustain"])

    return {"reflection": share(reflection), "non_adherent": share(pooled)}


def _scripted(replies: list[str], code: str, seed: int, n_turns: int = 10) -> conversation.Conversation:
    talk_with = conversation.Conversation("reducing alcohol consumption", seed=seed, coder=FixedCoder(code),
                                          n_turns=n_turns)
    for i in range(n_turns):
        talk_with.reply(replies[i % len(replies)])
    return talk_with


def test_known_replies_are_flagged_or_not():
    for reply in CONFRONTING:
        assert adherence.flag_reply(reply) is not None, reply
    for reply in REFLECTIONS:
        assert adherence.flag_reply(reply) is None, reply


def test_flags_drive_sustain_leaning_draws():
    run = _scripted(CONFRONTING, "therapist_input", seed=1)
    assert all(turn.kind == "non_adherent" for turn in run.turns)
    expected = tuple(simclient.estimate_talk_model().by_kind.loc["non_adherent", ["change", "neutral", "sustain"]])
    for turn in run.turns[:-1]:
        assert turn.client_after.probabilities == expected
        assert turn.example is not None and turn.example["reflection"]
    calm = _scripted(REFLECTIONS, "reflection", seed=1)
    assert all(turn.kind == "reflection" and turn.flag is None for turn in calm.turns)
    assert run.turns[0].client_after.probabilities[2] > calm.turns[0].client_after.probabilities[2] + 0.05


def test_scripted_runs_reproduce_the_data(data_change_shares):
    results = {}
    for name, replies, code in (("reflection", REFLECTIONS, "reflection"), ("non_adherent", CONFRONTING, "other")):
        talk_types = [t.client_after.talk_type for seed in range(200)
                      for t in _scripted(replies, code, seed).turns if t.client_after is not None]
        change, sustain = talk_types.count("change"), talk_types.count("sustain")
        observed = change / (change + sustain)
        expected = data_change_shares[name]
        error = math.sqrt(expected * (1 - expected) / (change + sustain))
        assert abs(observed - expected) <= 3 * error, (name, observed, expected, error)
        results[name] = observed
    assert results["reflection"] > results["non_adherent"] + 0.1


def test_seeded_determinism():
    first = _scripted(REFLECTIONS, "reflection", seed=11)
    again = _scripted(REFLECTIONS, "reflection", seed=11)
    assert first.transcript_text() == again.transcript_text()
    assert first.transcript_text() != _scripted(REFLECTIONS, "reflection", seed=12).transcript_text()


def test_real_coder_reads_the_scripted_replies(real_coder):
    talk_with = conversation.Conversation("smoking cessation", seed=3, coder=real_coder, n_turns=4)
    reflection = talk_with.reply("It sounds like smoking helps you cope with stress.")
    confronting = talk_with.reply("You need to face the fact that you're an addict.")
    assert reflection.code == "reflection" and reflection.kind == "reflection"
    assert confronting.kind == "non_adherent" and confronting.flag.kind == "confronting"
    assert 0 < reflection.confidence <= 1
    talk_with.reply("What would be different?")
    last = talk_with.reply("Okay.")
    assert last.client_after is None and talk_with.finished
    with pytest.raises(ValueError, match="finished"):
        talk_with.reply("More")
    with pytest.raises(ValueError, match="empty"):
        conversation.Conversation("smoking cessation", coder=real_coder).reply("   ")


def _client(talk_type: str, text: str = "I don't know.") -> simclient.ClientTurn:
    return simclient.ClientTurn(text, talk_type, 1, 1, "reflection", (0.2, 0.7, 0.1), "reflection")


def test_summary_of_a_hand_built_conversation():
    flag = adherence.flag_reply("You have to stop.")
    assert flag is not None
    rows = [  # code, flag, the client's answer
        ("reflection", None, "change"),
        ("reflection", None, "change"),
        ("question", None, "sustain"),
        ("reflection", None, "neutral"),
        ("therapist_input", flag, "sustain"),
        ("reflection", None, "change"),
        ("other", None, None),
    ]
    turns = [
        conversation.Turn(i + 1, _client("neutral"), f"reply {i + 1}", code, coder.CODE_NAMES[code], 0.8, f,
                          conversation.helper_kind(code, f), _client(answer) if answer else None,
                          {"client": "c", "reflection": "r", "topic": "t"} if f else None)
        for i, (code, f, answer) in enumerate(rows)
    ]
    reference = conversation.AnnomiReference(1.5, 0.5, 0.75, 0.25, 0.01, 0.12, 110, 23)
    summary = conversation.summarise(turns, "smoking cessation", reference)
    assert summary.n_replies == 7
    assert summary.counts == {"reflection": 4, "question": 1, "therapist_input": 1, "other": 1}
    assert summary.reflections_per_question == 4.0 and summary.rq_level == "good"
    assert summary.client_talk == {"change": 3, "neutral": 1, "sustain": 2}
    assert summary.change_talk_share == pytest.approx(3 / 5)
    assert [t.number for t in summary.non_adherent] == [5]
    assert turns[4].kind == "non_adherent"
    assert summary.complex_reflections == "not measured" and summary.open_questions == "not measured"
    text = summary.text()
    assert "Reflections per question: 4.0 (good). MITI 4.2.1: fair 1:1, good 2:1" in text
    assert "median 1.5 in high-quality, 0.5 in low-quality sessions" in text
    assert "not measured" in text
    assert "MI-non-adherent replies: 1 of 7" in text and "1.0% of therapist turns in high-quality and 12.0%" in text
    assert "change talk: 60% of change + sustain talk (3 change, 1 neutral, 2 sustain)" in text
    assert 'median 75% in high-quality, 25% in low-quality' in text
    assert 'Reply 5 ("reply 5") may read as confronting ("You have to stop")' in text
    assert '"r"' in text and "role-plays" in text and "not a grade" in text


def test_summary_edge_cases():
    reference = conversation.AnnomiReference(1.5, 0.5, 0.75, 0.25, 0.01, 0.12, 110, 23)
    empty = conversation.summarise([], "smoking cessation", reference)
    assert math.isnan(empty.reflections_per_question) and empty.rq_level == "not assessable"
    assert math.isnan(empty.change_talk_share)
    assert "not assessable yet" in empty.text() and "no change or sustain talk yet" in empty.text()
    assert conversation.change_talk_share(["neutral"]) != conversation.change_talk_share(["neutral"])  # NaN


def test_annomi_reference_matches_the_scores():
    scores = talk.transcript_scores(data.load_annomi_utterances("simple"))
    reference = conversation.annomi_reference()
    high = scores[scores["mi_quality"] == "high"]
    assert reference.rq_high == pytest.approx(float(np.median(high["reflections_per_question"].dropna())))
    low = scores[scores["mi_quality"] == "low"]
    share = (low["change"] / (low["change"] + low["sustain"])).dropna()
    assert reference.change_low == pytest.approx(float(share.median()))
    table = adherence.adherence_table()
    assert reference.non_adherent_low == pytest.approx(((table["flag"] != "") & (table["mi_quality"] == "low")).sum()
                                                       / (table["mi_quality"] == "low").sum())
    assert reference.non_adherent_low > reference.non_adherent_high
