"""The reply coder: known replies, honest grouped cross-validation, deterministic training, a safe cache.

The coder is trained once per test session (session-scoped fixture, kept in a temporary cache folder that the
practice-widget tests share). The cross-validation test runs the 5 folds of ``docs/CODER.md`` and checks that
``coder.MEASURED_ACCURACY`` (what ps03 tells students) is what the evaluation gives. The feedback on graded
replies (exercise ps03, question 8) is tested here too, down to the cell in the exercise notebook.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import joblib
import nbformat
import numpy as np
import pandas as pd
import pytest

from helpcourse import coder, data, figures, talk

CLIENT = "I've been drinking a lot more since I lost my job, and my wife is really upset about it."

# The goal for the coder's grouped cross-validated macro-F1 was 0.80 (not reached: docs/CODER.md); below this
# floor a change to the coder is a regression (0.752 before the naive Bayes views of issue 15, 0.756 with them).
MACRO_F1_FLOOR = 0.75
REPO = Path(__file__).resolve().parents[1]
PS03 = REPO / "course" / "exercises" / "ps03_safe_relationship" / "ps03_safe_relationship.ipynb"
DOCS = REPO / "docs" / "CODER.md"


@pytest.fixture(scope="session")
def coder_cache_dir(tmp_path_factory) -> Path:
    """A cache folder shared by the coder tests and the practice-widget tests of one session."""
    folder = tmp_path_factory.getbasetemp() / "reply-coder-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def trained(coder_cache_dir) -> coder.ReplyCoder:
    return coder.load_coder(cache_dir=coder_cache_dir)


@pytest.fixture(scope="session")
def table() -> pd.DataFrame:
    return coder.coder_training_table()


def test_training_table_pairs_each_therapist_utterance_with_the_client_statement_before_it(table):
    assert len(table) == 4882
    assert table["transcript_id"].nunique() == 133
    assert set(table["code"]) == set(coder.CODES)
    assert table["code"].value_counts().to_dict() == {
        "other": 1586, "question": 1386, "reflection": 1296, "therapist_input": 614,
    }
    first = table[(table["transcript_id"] == 0)].set_index("utterance_id")
    assert first.loc[0, "client"] == ""  # the session opens with the therapist
    assert first.loc[2, "client"] == "Sure."
    assert first.loc[2, "reply"].startswith("So, let's see.")
    assert first.loc[2, "code"] == "therapist_input"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("It sounds like you're worried about how much you've been drinking.", "reflection"),
        ("So you feel stuck between wanting to stop and being afraid of what you would lose.", "reflection"),
        ("What brings you here today?", "question"),
        ("How do you feel about your drinking?", "question"),
        ("You should cut down.", "therapist_input"),
        ("I'd recommend cutting down to two drinks a day.", "therapist_input"),
        ("Mm-hmm.", "other"),
        ("Okay.", "other"),
    ],
)
def test_known_replies_get_their_code(trained, reply, expected):
    coded = trained.code(reply, CLIENT)
    assert coded.code == expected, coded.probabilities
    assert coded.name == coder.CODE_NAMES[expected]
    assert coded.explanation == coder.CODE_EXPLANATIONS[expected]
    assert coded.confidence == max(coded.probabilities.values())


def test_code_flags_mi_non_adherent_replies_without_changing_the_code(trained):
    """The confrontation the course warns against reads as *input* to the coder; the flag names it."""
    confronting = trained.code("You need to face the fact that you're an alcoholic.", CLIENT)
    assert confronting.nonadherence is not None and confronting.nonadherence.kind == "confronting"
    advice = trained.code("Try taking a walk when you feel the urge.", CLIENT)
    assert advice.nonadherence is not None and advice.nonadherence.kind == "advice_without_permission"
    asked = trained.code("Try taking a walk when you feel the urge.", "Sure.",
                         previous_helper="Would it be OK if I shared what has worked for others?")
    assert asked.nonadherence is None
    assert asked.probabilities == trained.code("Try taking a walk when you feel the urge.", "Sure.").probabilities
    for reply in ("It sounds like part of you wants to cut down and part of you enjoys it.",
                  "Would it be OK if I shared what has worked for others?", "What brings you here today?"):
        assert trained.code(reply, CLIENT).nonadherence is None, reply
    plain = coder.CodedReply("Okay.", "other", 0.9, dict.fromkeys(coder.CODES, 0.25), "other", "")
    assert plain.nonadherence is None  # the field is optional: callers that build a CodedReply keep working


def test_clear_reflections_and_questions_are_confident(trained):
    assert trained.code("It sounds like you're worried about your drinking.", CLIENT).confidence > 0.8
    assert trained.code("What brings you here today?", CLIENT).confidence > 0.8


def test_probabilities_cover_the_four_codes_and_sum_to_one(trained):
    table = trained.probabilities(["What brings you here today?", "Okay."], [CLIENT, None])
    assert list(table.columns) == list(coder.CODES)
    np.testing.assert_allclose(table.sum(axis=1), 1.0, atol=1e-9)
    assert trained.predict(["What brings you here today?", "Okay."], [CLIENT, ""]) == ["question", "other"]
    assert trained.probabilities([]).shape == (0, 4)
    with pytest.raises(ValueError, match="2 replies but 1 client"):
        trained.probabilities(["a", "b"], ["c"])


def test_the_client_statement_is_part_of_what_the_coder_reads(trained):
    reply = "You're drinking more since you lost your job and your wife is upset."
    with_context = trained.code(reply, CLIENT).probabilities
    without = trained.code(reply, "").probabilities
    assert with_context["reflection"] > without["reflection"]


def test_training_is_deterministic(trained, table):
    again = coder.train_coder(table=table)
    sample = table.sample(300, random_state=1)
    first = trained.probabilities(sample["reply"].tolist(), sample["client"].tolist())
    second = again.probabilities(sample["reply"].tolist(), sample["client"].tolist())
    np.testing.assert_allclose(first.to_numpy(), second.to_numpy(), rtol=0, atol=1e-12)
    assert trained.predict(sample["reply"].tolist(), sample["client"].tolist()) == again.predict(
        sample["reply"].tolist(), sample["client"].tolist()
    )
    assert again.n_training == 4882 and again.cache_key == trained.cache_key


def test_grouped_cross_validation_keeps_sessions_apart_and_gives_the_committed_figures(table):
    result = coder.cross_validate_coder(n_folds=5, table=table)
    folds_per_session = result.predictions.groupby("transcript_id")["fold"].nunique()
    assert folds_per_session.max() == 1  # no session is in two test folds, so none is in train and test
    assert sorted(result.predictions["fold"].unique()) == [0, 1, 2, 3, 4]
    assert result.n_utterances == 4882 and result.n_transcripts == 133
    assert int(result.confusion.to_numpy().sum()) == 4882
    assert result.per_code["support"].to_dict() == {
        "reflection": 1296, "question": 1386, "therapist_input": 614, "other": 1586,
    }
    assert result.macro_f1 == pytest.approx(result.per_code["f1"].mean())
    assert result.macro_f1 >= MACRO_F1_FLOOR, result.per_code
    diagonal = np.trace(result.confusion.to_numpy()) / 4882
    assert result.accuracy == pytest.approx(diagonal)
    measured = coder.MEASURED_ACCURACY
    assert (measured.n_folds, measured.n_utterances, measured.n_transcripts) == (5, 4882, 133)
    assert result.macro_f1 == pytest.approx(measured.macro_f1, abs=0.0005)
    assert result.accuracy == pytest.approx(measured.accuracy, abs=0.0005)
    for code in coder.CODES:
        assert result.per_code.loc[code, "f1"] == pytest.approx(measured.f1[code], abs=0.0005), code
    low = result.predictions[result.predictions["confidence"] <= 0.5]
    assert len(low) == 447
    assert (low["code"] == low["predicted"]).mean() == pytest.approx(measured.low_confidence_accuracy, abs=0.0005)


def test_docs_state_the_committed_figures():
    text = DOCS.read_text()
    measured = coder.MEASURED_ACCURACY
    assert f"**Macro-F1 {measured.macro_f1:.3f}**, accuracy {measured.accuracy:.3f}" in text
    for code, label in [("reflection", "reflection"), ("question", "question"), ("therapist_input", "therapist input"),
                        ("other", "other")]:
        assert re.search(rf"^\| {label} \|[^\n]*\| \*\*{measured.f1[code]:.3f}\*\* \|", text, re.MULTILINE), code
    assert f"mean macro-F1 of {measured.annotator_macro_f1:.3f}" in text


def test_accuracy_statement_gives_the_committed_figures_in_plain_words():
    text = coder.accuracy_statement()
    assert "78% of utterances" in text and "macro-F1 0.76" in text and "0.73 for reflections" in text
    assert "0.59 for input" in text and "0.88 for other" in text and "0.83 for questions" in text
    assert "macro-F1 of 0.80" in text and "only 43% of the time" in text and "4,882" in text


def test_expert_annotators_agree_at_about_the_level_the_coder_aims_for():
    agreement = coder.annotator_agreement()
    assert agreement["n_transcripts"] == 7 and agreement["n_pairs"] == 45
    assert agreement["n_utterances"] == 216
    assert agreement["macro_f1"] == pytest.approx(0.796, abs=0.001)
    assert agreement["macro_f1"] == pytest.approx(coder.MEASURED_ACCURACY.annotator_macro_f1, abs=0.0005)
    assert agreement["kappa"] == pytest.approx(0.737, abs=0.001)


def test_the_cache_is_used_and_keyed_by_data_settings_and_code(trained, coder_cache_dir, monkeypatch):
    path = coder.coder_cache_path(cache_dir=coder_cache_dir)
    assert path.is_file() and path.parent == coder_cache_dir / "coder"
    assert path.stem == trained.cache_key
    assert trained.data_sha256[:16] in path.name
    other = coder.coder_cache_path(dataclasses.replace(coder.DEFAULT_SETTINGS, svm_c=0.2), coder_cache_dir)
    assert other != path

    def no_training(*_args, **_kwargs):
        raise AssertionError("the cached coder should have been used")

    monkeypatch.setattr(coder, "train_coder", no_training)
    started = time.perf_counter()
    cached = coder.load_coder(cache_dir=coder_cache_dir)
    assert time.perf_counter() - started < 5
    assert cached.predict(["What brings you here today?"], [CLIENT]) == ["question"]


@pytest.mark.parametrize("damage", ["garbage", "other object"])
def test_a_corrupted_cache_is_rebuilt(trained, tmp_path, monkeypatch, damage):
    path = coder.coder_cache_path(cache_dir=tmp_path)
    path.parent.mkdir(parents=True)
    if damage == "garbage":
        path.write_bytes(b"not a joblib file")
    else:
        joblib.dump({"something": "else"}, path)
    calls = []

    def fake_training(settings=coder.DEFAULT_SETTINGS, table=None):
        calls.append(settings)
        return trained

    monkeypatch.setattr(coder, "train_coder", fake_training)
    rebuilt = coder.load_coder(cache_dir=tmp_path)
    assert calls == [coder.DEFAULT_SETTINGS]
    assert rebuilt is trained
    reloaded = joblib.load(path)
    assert isinstance(reloaded, coder.ReplyCoder) and reloaded.cache_key == path.stem


def test_practice_statements_are_whole_client_statements_followed_by_the_therapist():
    statements = coder.practice_statements()
    assert 700 < len(statements) < 900
    assert set(statements["mi_quality"].astype(str)) == {"high", "low"}
    words = statements["client"].str.split().str.len()
    assert words.min() >= 12 and words.max() <= 70
    assert not statements["client"].str.match(r"^\s*[-—]").any()
    assert set(statements["therapist_code"]) <= set(coder.CODES)
    raw = data.load_annomi_utterances("simple").set_index(["transcript_id", "utterance_id"])
    for _, row in statements.sample(25, random_state=3).iterrows():
        said = raw.loc[(row["transcript_id"], row["utterance_id"])]
        after = raw.loc[(row["transcript_id"], row["utterance_id"] + 1)]
        assert said["interlocutor"] == "client" and said["utterance_text"] == row["client"]
        assert after["interlocutor"] == "therapist" and after["utterance_text"] == row["therapist_reply"]
        assert after["main_therapist_behaviour"] == row["therapist_code"]


def test_practice_material_leaves_out_risk_topics_and_risk_statements():
    """The practice gives no risk guidance: nothing from the self-harm or violence sessions, no mention of suicide,
    self-harm or harming someone, in what the widget shows (the coder's training data are not filtered)."""
    statements = coder.practice_statements()
    examples = coder.example_reflections()
    for frame in (statements, examples):
        topics = frame["topic"].astype(str).str.lower()
        assert not topics.str.contains("self-harm|violence").any()
        assert not set(frame["transcript_id"]) & talk.RISK_TRANSCRIPTS  # e.g. #34, #96 (pregnancy), #111 (suicide)
    shown = pd.concat([statements["client"], statements["therapist_reply"], examples["client"],
                       examples["reflection"]])
    assert not shown.map(coder._mentions_risk).any()
    assert not shown.str.contains(r"suicid|killing myself|cutting myself", case=False).any()
    simple = data.load_annomi_utterances("simple")
    risky = simple[simple["topic"].astype(str).str.contains("self-harm|violence")]
    assert risky["transcript_id"].nunique() >= 3  # the sessions exist, and are left out
    assert len(coder.coder_training_table()) == coder.MEASURED_ACCURACY.n_utterances
    for text in ("It just seems that cutting myself is the only way out.", "I was thinking about killing myself.",
                 "I feel like if I don't live anymore, she'll be okay.", "I get suicidal thoughts.",
                 "It's probably hurting my kid."):
        assert coder._mentions_risk(text), text
    for text in ("My parents would kill me if they knew.", "I want to cut down on my drinking.",
                 "I'd like to cut back to two drinks a night."):
        assert not coder._mentions_risk(text), text


def test_example_reflections_are_complex_reflections_from_high_quality_sessions():
    examples = coder.example_reflections()
    assert len(examples) > 80
    full = data.load_annomi_utterances("full")
    simple = data.load_annomi_utterances("simple").set_index(["transcript_id", "utterance_id"])
    for _, row in examples.sample(20, random_state=4).iterrows():
        said = simple.loc[(row["transcript_id"], row["utterance_id"])]
        assert said["main_therapist_behaviour"] == "reflection" and said["mi_quality"] == "high"
        votes = full[(full["transcript_id"] == row["transcript_id"]) & (full["utterance_id"] == row["utterance_id"])]
        assert "complex" in set(votes["reflection_subtype"].dropna().astype(str))
        assert "?" not in row["reflection"]


def test_hand_features_measure_overlap_and_question_marks():
    frame = pd.DataFrame(
        {"reply": ["You feel trapped by the drinking?", "Okay."], "client": ["I feel trapped by the drinking.", ""]}
    )
    features = pd.DataFrame(coder.hand_features(frame), columns=coder.HAND_FEATURES)
    assert features.loc[0, "reply_words_from_client"] == 1.0  # feel, trapped, drinking all come from the client
    assert features.loc[0, "ends_with_question_mark"] == 1.0 and features.loc[1, "ends_with_question_mark"] == 0.0
    assert features.loc[1, "no_client_statement"] == 1.0 and features.loc[1, "backchannel_words"] == 1.0
    assert features.to_numpy().min() >= 0 and features.to_numpy().max() <= 1
    assert coder.last_sentences(["Okay. So what would that look like?"]) == ["So what would that look like?"]


def test_confusion_matrix_figure_writes_counts_and_row_shares_in_the_cells():
    confusion = pd.DataFrame(
        [[8, 2, 0, 0], [1, 9, 0, 0], [0, 0, 5, 5], [0, 0, 0, 10]],
        index=pd.Index(list(coder.CODES), name="expert"),
        columns=pd.Index(list(coder.CODES), name="coder"),
    )
    fig = figures.confusion_matrix_figure(confusion)
    heat = fig.data[0]
    np.testing.assert_allclose(np.asarray(heat.z).sum(axis=1), 1.0)
    assert heat.z[0][0] == pytest.approx(0.8) and heat.z[2][3] == pytest.approx(0.5)
    assert heat.text[0][0] == "8<br>(80%)" and heat.text[2][3] == "5<br>(50%)"
    assert heat.texttemplate == "%{text}"
    assert list(heat.y) == ["Reflection", "Question", "Input (advice, information)", "Other"]
    assert heat.colorscale[-1][1] == figures.PALETTE["blue"]
    text = figures.describe_confusion_matrix(confusion)
    assert "40 therapist utterances" in text and "80%" in text
    assert "5 utterances the experts coded as input (advice, information) were coded as other" in text


# --------------------------------------------------------------------------------------------------
# Feedback on the graded replies of exercise ps03 (question 8)
# --------------------------------------------------------------------------------------------------

PS03_CLIENTS = [
    "My doctor says I have to cut down on my drinking, but honestly it's the only thing that helps me switch off "
    "after work. Everyone's making a big deal out of nothing.",
    "Since my mum died I just go through the motions. My friends keep inviting me out, but I can't face it, and then "
    "I feel bad for letting them down.",
    "I moved here eight months ago for this job and I still don't really know anyone. Some weekends I barely speak "
    "to a single person.",
]


def test_feedback_names_each_replys_code_with_confidence_and_reason(trained):
    replies = [
        "It sounds like you're worried people are making too much of your drinking.",
        "Why don't you go out with your friends anyway?",
        "You should join a club so you meet people.",
    ]
    text = coder.reply_feedback(replies, PS03_CLIENTS, trained)
    lines = text.splitlines()
    assert "practice aid, not the grader" in lines[0] and "a person gives your points" in lines[0]
    assert lines[2].startswith("Reply 1 reads as a reflection (coder's confidence ")
    assert lines[2].endswith(coder.CODE_SUMMARIES["reflection"])
    assert lines[3].startswith("Reply 2 reads as a question (")
    assert lines[4].startswith("Reply 3 reads as advice or information (input) (")
    assert lines[4].endswith(' It may also read as advice without permission ("You should join a").')
    assert lines[3].endswith(""" It may also read as advice without permission ("Why don't you go").""")
    assert "It may also read" not in lines[2]
    confidence = trained.code(replies[0], PS03_CLIENTS[0]).confidence
    assert f"(coder's confidence {100 * confidence:.0f}%)" in lines[2]


def test_feedback_handles_missing_and_non_text_replies_without_loading_the_coder(monkeypatch):
    def no_coder(*_args, **_kwargs):
        raise AssertionError("no reply to code: the coder should not be loaded")

    monkeypatch.setattr(coder, "load_coder", no_coder)
    text = coder.reply_feedback([..., "   ", 42], PS03_CLIENTS)
    assert 'Reply 1: no reply yet. Write it in double quotes on one line, for example reply_1 = "It sounds like' in text
    assert "Reply 2: no reply yet." in text and "Reply 3: not text." in text
    with pytest.raises(ValueError, match="2 replies but 3 client"):
        coder.reply_feedback(["a", "b"], PS03_CLIENTS)


def test_feedback_says_so_when_the_coder_cannot_run(monkeypatch):
    def broken(*_args, **_kwargs):
        raise data.DataUnavailableError("no AnnoMI file and no network")

    monkeypatch.setattr(coder, "load_coder", broken)
    text = coder.reply_feedback(["You feel let down.", ..., ...], PS03_CLIENTS)
    assert "The automatic coder could not run here (DataUnavailableError: no AnnoMI file and no network)" in text
    assert "This does not change your grade" in text and "Reply 1: not coded." in text
    assert "Reply 2: no reply yet." in text


def test_feedback_cell_of_ps03_codes_known_replies(trained, monkeypatch, capsys):
    """Run the exercise's own locked feedback cell, as the student's kernel does, on known replies."""
    cells = {cell.id: cell for cell in nbformat.read(PS03, as_version=4).cells}
    source = cells["q8_coder_feedback"].source
    assert cells["q8_coder_feedback"].metadata["nbgrader"]["locked"]
    monkeypatch.setattr(coder, "load_coder", lambda *args, **kwargs: trained)
    namespace = {
        "coder": coder,
        "reply_1": "It sounds like you're worried people are making too much of your drinking.",
        "reply_2": "How long ago did your mum die?",
        "reply_3": ...,
    }
    exec(compile(source, "q8_coder_feedback", "exec"), namespace)
    printed = capsys.readouterr().out
    assert namespace["clients"] == PS03_CLIENTS  # the statements the students read in the task cells
    assert "Reply 1 reads as a reflection" in printed
    assert "Reply 2 reads as a question" in printed
    assert "Reply 3: no reply yet." in printed


def test_ps03_full_credit_examples_read_as_reflections_and_reassurance_can_too(trained):
    """The exercise and its rubric say the coder's label is not the grade: reassurance can read as a reflection."""
    cells = {cell.id: cell for cell in nbformat.read(PS03, as_version=4).cells}
    for k, client in enumerate(PS03_CLIENTS, start=1):
        assert client.split(". ")[0] in " ".join(cells[f"q8_client_{k}"].source.split())
        solution = re.search(rf'^reply_{k} = "(.+)"$', cells[f"q8_reply_{k}_answer"].source, re.MULTILINE).group(1)
        assert trained.code(solution, client).code == "reflection", solution
    assert trained.code("Don't worry, it gets easier.", PS03_CLIENTS[1]).code == "reflection"
