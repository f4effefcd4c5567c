"""The simulated client of the conversation practice (helpcourse.simulate.client), checked against AnnoMI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpcourse import adherence, coder, data, talk
from helpcourse.simulate import client as simclient

TALK = ["change", "neutral", "sustain"]


@pytest.fixture(scope="module")
def expected_by_kind() -> pd.DataFrame:
    """The conditional frequencies computed here from the raw utterances, independently of the module."""
    utterances = data.load_annomi_utterances("simple").sort_values(["transcript_id", "utterance_id"])
    rows = utterances[["transcript_id", "utterance_id", "interlocutor", "mi_quality",
                       "main_therapist_behaviour", "client_talk_type"]].astype(object).to_dict("records")
    flags = adherence.adherence_table()
    flagged = set(zip(flags.loc[flags["flag"] != "", "transcript_id"], flags.loc[flags["flag"] != "", "utterance_id"],
                      strict=True))
    records = []
    for before, now in zip(rows, rows[1:], strict=False):
        if before["transcript_id"] != now["transcript_id"]:
            continue
        if before["interlocutor"] == "therapist" and now["interlocutor"] == "client":
            key = (before["transcript_id"], before["utterance_id"])
            kind = "non_adherent" if key in flagged else before["main_therapist_behaviour"]
            records.append({"kind": kind, "quality": now["mi_quality"], "talk": now["client_talk_type"]})
    turns = pd.DataFrame(records)
    counts = pd.crosstab(turns["kind"], turns["talk"])
    n_flagged = int(counts.loc["non_adherent"].sum())
    assert n_flagged >= 30
    if n_flagged < simclient.MIN_CELL_TURNS:  # few: the rule pools them with low-quality therapist input
        low_input = turns[(turns["kind"] == "therapist_input") & (turns["quality"] == "low")]
        extra = low_input["talk"].value_counts().reindex(TALK, fill_value=0)
        counts.loc["non_adherent"] = counts.loc["non_adherent"] + extra
    shares_pooled = n_flagged < simclient.MIN_CELL_TURNS
    counts = counts[TALK]
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares["n"] = counts.sum(axis=1)
    shares["change_share"] = counts["change"] / (counts["change"] + counts["sustain"])
    shares.attrs["pooled"] = shares_pooled
    return shares


def test_frequencies_equal_the_data(expected_by_kind):
    model = simclient.estimate_talk_model()
    got = model.by_kind.loc[list(simclient.HELPER_KINDS)]
    want = expected_by_kind.loc[list(simclient.HELPER_KINDS)]
    np.testing.assert_allclose(got[TALK].to_numpy(float), want[TALK].to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(got["change_share"].to_numpy(float), want["change_share"].to_numpy(float), atol=1e-12)
    assert got["n"].tolist() == want["n"].astype(int).tolist()
    assert model.pooled == expected_by_kind.attrs["pooled"]
    assert model.n_flagged_turns + model.n_pooled_turns == int(want.loc["non_adherent", "n"])
    assert model.n_flagged_utterances == int((adherence.adherence_table()["flag"] != "").sum())
    # the kinds the course contrasts: confronting and unasked advice go with more sustain talk than reflecting
    assert got.loc["non_adherent", "sustain"] > got.loc["reflection", "sustain"] + 0.05
    assert got.loc["non_adherent", "change_share"] < got.loc["reflection", "change_share"] - 0.1


def test_context_rule():
    model = simclient.estimate_talk_model()
    table = model.by_context
    # a previous talk type is used only when every helper kind has enough turns with it
    for context in simclient.CONTEXTS:
        cells = table.xs(context, level="context")
        assert bool(cells["used"].all()) == bool((cells["n"] >= simclient.MIN_CELL_TURNS).all())
    assert not table["used"].any()  # the non-adherent cells are too small in AnnoMI
    probabilities, source = model.probabilities("reflection", "sustain")
    assert source == "reflection"
    np.testing.assert_allclose(probabilities, model.by_kind.loc["reflection", TALK].to_numpy(float))
    # with a lower minimum the context is used where every kind reaches it
    lenient = simclient.estimate_talk_model(min_cell_turns=15)
    assert not lenient.pooled
    probabilities, source = lenient.probabilities("reflection", "change")
    assert source == "reflection after change talk"
    np.testing.assert_allclose(probabilities, lenient.by_context.loc[("reflection", "change"), TALK].to_numpy(float))


def test_assumption_text_states_counts_and_caveat():
    model = simclient.estimate_talk_model()
    text = model.assumption_text()
    assert "role-play" in text
    assert "not a causal effect" in text
    assert f"{model.n_flagged_utterances} AnnoMI therapist utterances" in text
    assert ("pooled" in text) == model.pooled
    row = model.by_kind.loc["reflection"]
    assert f"change {100 * row['change']:.0f}%" in text


def test_topics_and_utterances_are_safe_and_whole():
    topics = simclient.topic_options()
    assert topics[:2] == ["reducing alcohol consumption", "smoking cessation"]
    assert "reducing self-harm" not in topics
    utterances = data.load_annomi_utterances("simple")
    for topic in topics:
        pool = simclient.client_utterances(topic)
        assert (pool["talk_type"].value_counts().reindex(TALK, fill_value=0) >= simclient.MIN_TOPIC_UTTERANCES).all()
        keys = pool[["transcript_id", "utterance_id", "talk_type"]]
        raw = keys.merge(utterances, on=["transcript_id", "utterance_id"])
        assert len(raw) == len(pool)
        assert (raw["interlocutor"] == "client").all()
        assert (raw["mi_quality"] == "high").all()
        assert (raw["topic"].astype(str) == topic).all()
        assert (raw["client_talk_type"].astype(str) == pool["talk_type"]).all()
        assert not pool["transcript_id"].isin(talk.RISK_TRANSCRIPTS).any()
        assert not pool["text"].str.contains(r"suicid|self-harm|kill myself", case=False).any()
        assert not pool["text"].str.match(r"^\s*[-—–]").any()
        words = pool["text"].str.split().str.len()
        assert words.between(simclient.MIN_WORDS, simclient.MAX_WORDS).all()
        # the same statements as the reply practice (its exclusion logic)
        practice = coder.practice_statements(simclient.MIN_WORDS, simclient.MAX_WORDS)
        assert set(zip(pool["transcript_id"], pool["utterance_id"], strict=True)) <= set(
            zip(practice["transcript_id"], practice["utterance_id"], strict=True))


def _run(seed: int, kinds: list[str]) -> list[simclient.ClientTurn]:
    client = simclient.SimulatedClient("smoking cessation", seed=seed)
    client.opening()
    return [client.respond(kind) for kind in kinds]


def test_seeded_and_deterministic():
    kinds = ["reflection", "question", "non_adherent", "other", "therapist_input"] * 2
    first, again, other = _run(5, kinds), _run(5, kinds), _run(6, kinds)
    assert [t.text for t in first] == [t.text for t in again]
    assert [t.talk_type for t in first] == [t.talk_type for t in again]
    assert [t.text for t in first] != [t.text for t in other]


def test_no_repeats_and_talk_types_match():
    client = simclient.SimulatedClient("diabetes management", seed=1)
    turns = [client.opening()] + [client.respond("non_adherent") for _ in range(12)]
    keys = [(t.transcript_id, t.utterance_id) for t in turns]
    assert len(set(keys)) == len(keys)
    pool = simclient.client_utterances("diabetes management").set_index(["transcript_id", "utterance_id"])
    for turn in turns:
        assert pool.loc[(turn.transcript_id, turn.utterance_id), "talk_type"] == turn.talk_type
        assert pool.loc[(turn.transcript_id, turn.utterance_id), "text"] == turn.text
    assert turns[0].talk_type == "neutral" and turns[0].source == "opening"


def test_draws_follow_the_frequencies():
    model = simclient.estimate_talk_model()
    for kind in ("reflection", "non_adherent"):
        drawn = [t.talk_type for seed in range(300) for t in _run(seed, [kind] * 9)]
        observed = pd.Series(drawn).value_counts(normalize=True).reindex(TALK, fill_value=0).to_numpy()
        expected = model.by_kind.loc[kind, TALK].to_numpy(float)
        n = len(drawn)
        assert np.all(np.abs(observed - expected) <= 4 * np.sqrt(expected * (1 - expected) / n))


def test_unknown_topic_and_kind():
    with pytest.raises(ValueError, match="no usable client utterances"):
        simclient.SimulatedClient("unknown topic")
    with pytest.raises(ValueError, match="unknown helper kind"):
        simclient.estimate_talk_model().probabilities("confronting")
