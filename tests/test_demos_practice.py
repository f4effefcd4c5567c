"""The reply practice widget, driven without a browser: set the text, click the buttons, read what it shows."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from helpcourse import coder, demos, talk


@pytest.fixture(scope="session")
def practice_coder(tmp_path_factory) -> coder.ReplyCoder:
    # The same folder as the coder tests' cache: the coder is trained once per test session.
    folder = Path(tmp_path_factory.getbasetemp()) / "reply-coder-cache"
    folder.mkdir(exist_ok=True)
    return coder.load_coder(cache_dir=folder)


@pytest.fixture
def practice(practice_coder) -> demos.ReplyPractice:
    return demos.ReplyPractice(seed=7, coder=practice_coder, debounce_seconds=0)


def _text(widget: widgets.HTML) -> str:
    """What a reader sees: the HTML without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


def test_controls_are_labelled_and_keyboard_operable(practice):
    assert practice.reply.description == "Your reply"
    assert practice.reply.placeholder
    assert practice.submit_button.description == "Submit reply"
    assert practice.next_button.description == "Next client statement"
    for button in (practice.submit_button, practice.next_button):
        assert isinstance(button, widgets.Button) and button.tooltip  # a <button>: Tab, Enter and Space work
    assert practice.submit_button in practice.children[2].children
    practice.reply.value = "Okay."
    practice.submit_button.click()
    for live in (practice.feedback, practice.expert, practice.summary):  # announced to screen readers
        assert "aria-live='polite'" in live.value


def test_the_first_statement_shows_the_client_and_the_topic(practice):
    item = practice.item
    shown = _text(practice.statement)
    assert item["client"] in shown
    assert f"topic: {item['topic']}" in shown
    assert "Client statement 1" in shown


def test_typing_codes_the_reply_with_confidence_explanation_and_an_example(practice):
    practice.reply.value = "It sounds like you're worried about what this is doing to your health."
    shown = _text(practice.feedback)
    assert "Your reply reads as a reflection" in shown
    confidence = practice.current_code.confidence
    assert f"(coder's confidence {100 * confidence:.0f}%)" in shown
    assert coder.CODE_EXPLANATIONS["reflection"] in shown
    example = practice.example_for(practice.item)
    assert example["reflection"] in shown and "Compare with a strong reflection" in shown
    assert example["transcript_id"] != practice.item["transcript_id"]
    assert practice.expert.value == ""  # what the therapist said is shown only after submitting


def test_submitting_shows_what_the_therapist_said_next_and_how_the_experts_coded_it(practice):
    item = practice.item
    practice.reply.value = "What brings you here today?"
    practice.submit_button.click()
    shown = _text(practice.expert)
    assert item["therapist_reply"] in shown
    assert f"coded it as {coder.CODE_NAMES[item['therapist_code']]}" in shown
    record = practice.records[0]
    assert record.code == "question" and record.reply == "What brings you here today?"
    assert record.expert_code == item["therapist_code"]
    assert (record.transcript_id, record.utterance_id) == (item["transcript_id"], item["utterance_id"])
    assert "1 reply: 0 reflections, 1 question, 0 input, 0 other" in _text(practice.summary)


def test_session_summary_compares_reflections_per_question_with_miti(practice):
    assert "No replies submitted yet" in _text(practice.summary)
    replies = [
        "It sounds like you're worried about what this is doing to your health.",
        "So you feel stuck between wanting to change and being afraid of what you would lose.",
        "How do you feel about that?",
    ]
    for reply in replies:
        practice.reply.value = reply
        practice.submit_button.click()
        practice.next_button.click()
    assert practice.session_codes == ["reflection", "reflection", "question"]
    summary = _text(practice.summary)
    assert "3 replies: 2 reflections, 1 question, 0 input, 0 other" in summary
    assert "Reflections per question: 2.0, at or above the good level" in summary
    assert "MITI 4: good 2:1, fair 1:1; Moyers et al., 2014/2015" in summary


def test_resubmitting_replaces_the_reply_to_the_same_statement(practice):
    practice.reply.value = "What brings you here today?"
    practice.submit_button.click()
    practice.reply.value = "It sounds like you're worried about what this is doing to your health."
    practice.submit_button.click()
    assert practice.session_codes == ["reflection"]


def test_an_empty_reply_is_not_submitted(practice):
    practice.reply.value = "   "
    practice.submit_button.click()
    assert practice.records == {}
    assert "Type a reply first" in _text(practice.expert)
    assert "Type a reply above" in _text(practice.feedback)


def test_next_statement_clears_the_box_and_moves_on(practice):
    first = practice.item
    practice.reply.value = "Okay."
    practice.next_button.click()
    assert practice.reply.value == "" and practice.feedback.value == "" and practice.expert.value == ""
    assert "Client statement 2" in _text(practice.statement)
    assert (practice.item["transcript_id"], practice.item["utterance_id"]) != (
        first["transcript_id"], first["utterance_id"],
    )


def test_statements_come_from_high_and_low_quality_sessions_in_a_seeded_order(practice, practice_coder):
    quality = [str(practice.statements.iloc[i]["mi_quality"]) for i in practice.order[:9]]
    assert quality == ["high", "low", "high"] * 3
    assert sorted(practice.order) == list(range(len(practice.statements)))
    again = demos.ReplyPractice(seed=7, coder=practice_coder)
    other = demos.ReplyPractice(seed=8, coder=practice_coder)
    assert again.order == practice.order and other.order != practice.order


def test_example_reflection_shares_the_topic_when_it_can(practice):
    topics = set(practice.examples["topic"].astype(str))
    for position in range(12):
        item = practice.statements.iloc[practice.order[position]]
        example = practice.example_for(item)
        assert example["transcript_id"] != item["transcript_id"]
        if str(item["topic"]) in topics and (
            (practice.examples["topic"].astype(str) == str(item["topic"]))
            & (practice.examples["transcript_id"] != item["transcript_id"])
        ).any():
            assert str(example["topic"]) == str(item["topic"])


def test_typing_is_debounced_when_an_event_loop_runs(practice_coder):
    async def type_then_wait():
        widget = demos.ReplyPractice(seed=7, coder=practice_coder, debounce_seconds=0.05)
        widget.reply.value = "What"
        widget.reply.value = "What brings you here today?"
        before = widget.feedback.value
        await asyncio.sleep(0.3)
        return before, widget

    before, widget = asyncio.run(type_then_wait())
    assert before == ""  # nothing coded while typing
    assert "Your reply reads as a question" in _text(widget.feedback)
    assert widget.current_code.reply == "What brings you here today?"


def test_describe_session_levels():
    assert "below the fair level" in demos.describe_session(["reflection", "question", "question"])
    assert "at or above the fair level but below good" in demos.describe_session(["reflection", "question"])
    assert "reflections and no questions" in demos.describe_session(["reflection", "other"])
    assert "no reflections or questions yet" in demos.describe_session(["other"])
    assert demos.describe_session([]).startswith("No replies submitted yet.")


def test_the_practice_shows_nothing_from_the_self_harm_or_violence_sessions(practice):
    """The widget gives no risk guidance, so none of its statements or examples comes from a risk topic."""
    for frame in (practice.statements, practice.examples):
        assert not frame["topic"].astype(str).str.contains("self-harm|violence").any()
        assert not set(frame["transcript_id"]) & talk.RISK_TRANSCRIPTS
    shown = [practice.statements.iloc[i] for i in practice.order]
    assert not any(coder._mentions_risk(f"{row['client']} {row['therapist_reply']}") for row in shown)


def test_a_confronting_reply_gets_a_note_and_a_reflection_does_not(practice):
    practice.reply.value = "You need to face the fact that you're an alcoholic."
    coded = practice.code_reply()
    assert coded.nonadherence is not None and coded.nonadherence.kind == "confronting"
    assert "Note:" in practice.feedback.value and "confronting" in _text(practice.feedback)
    practice.reply.value = "It sounds like part of you wants to cut down and part of you enjoys it."
    assert practice.code_reply().nonadherence is None
    assert "Note:" not in practice.feedback.value
