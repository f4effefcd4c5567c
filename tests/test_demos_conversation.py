"""The conversation practice widget (helpcourse.demos.conversation), driven by setting its controls."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from helpcourse import coder, demos
from helpcourse.simulate import client as simclient


@pytest.fixture(scope="module")
def practice_coder(tmp_path_factory) -> coder.ReplyCoder:
    folder = Path(tmp_path_factory.getbasetemp()) / "reply-coder-cache"
    folder.mkdir(exist_ok=True)
    return coder.load_coder(cache_dir=folder)


@pytest.fixture
def widget(practice_coder) -> demos.ConversationPractice:
    return demos.ConversationPractice(seed=4, n_turns=3, coder=practice_coder)


def _text(value: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", value))


def test_controls_are_labelled(widget):
    assert demos.conversation_practice is not None
    assert widget.topic_menu.description == "Topic"
    assert list(widget.topic_menu.options) == [(t.capitalize(), t) for t in simclient.topic_options()]
    assert widget.reply_box.description == "Your reply"
    assert widget.reply_box.continuous_update is False  # Enter (or leaving the box) sends
    assert widget.send_button.description == "Send reply"
    assert widget.restart_button.description == "Start again"
    assert "aria-live='polite'" in widget.feedback.value
    assert "role-play" in _text(widget.children[-1].value) or "role-plays" in _text(widget.children[-1].value)
    assert "not a causal effect" in _text(widget.assumption.value)


def test_enter_sends_and_feedback_appears(widget):
    opening = widget.conversation.opening.text
    assert html.escape(opening, quote=False) in widget.transcript.value or opening in _text(widget.transcript.value)
    widget.reply_box.value = "It sounds like part of you wants to cut down."
    turn = widget.conversation.turns[0]
    assert widget.reply_box.value == ""  # cleared, ready for the next reply
    feedback = _text(widget.feedback.value)
    assert f"Reply 1 reads as {turn.code_name}" in feedback
    assert f"{100 * turn.confidence:.0f}%" in feedback
    assert "The client answered with" in feedback
    assert turn.client_after.text in _text(widget.transcript.value)
    assert "Reflections per question" in _text(widget.panel.value)
    assert len(widget.conversation.turns) == 1


def test_flagged_reply_shows_an_example(widget):
    widget.send("You need to face the fact that you're an alcoholic.")
    feedback = _text(widget.feedback.value)
    assert "confronting" in feedback
    assert "A reflection from a demonstration session" in feedback
    assert widget.conversation.turns[0].kind == "non_adherent"


def test_end_summary_and_start_again(widget):
    for reply in ("It sounds like it matters to you.", "What would help?", "You feel stuck."):
        widget.send(reply)
    assert widget.conversation.finished
    assert widget.reply_box.disabled and widget.send_button.disabled
    summary = _text(widget.summary_box.value)
    assert "Summary to copy" in summary
    assert widget.conversation.summary().text() in summary
    assert widget.send("more") is None and "over" in _text(widget.feedback.value)
    widget.restart_button.click()
    assert widget.conversation.turns == [] and not widget.reply_box.disabled
    assert widget.summary_box.value == ""
    assert widget.seed == 5


def test_topic_menu_starts_a_new_conversation(widget):
    widget.send("It sounds like it matters to you.")
    topic = simclient.topic_options()[1]
    widget.topic_menu.value = topic
    assert widget.conversation.topic == topic and widget.conversation.turns == []
    assert f"topic: {topic}" in _text(widget.transcript.value)


def test_chart_follows_the_conversation(widget):
    reference = widget.reference
    bars = widget.figure.data[0]
    assert widget.figure.layout.title.text == demos.CHART_TITLE
    assert list(bars.x) == pytest.approx([0.0, 100 * reference.change_high, 100 * reference.change_low])
    assert bars.text[0] == "none yet"
    assert "no change or sustain talk yet" in _text(widget.chart_text.value)
    assert "helpcourse-alt" in widget.chart_text.value
    figure = widget.figure
    for reply in ("It sounds like it matters to you.", "You feel stuck."):
        widget.send(reply)
    share = widget.conversation.summary().change_talk_share
    answers = [t.client_after.talk_type for t in widget.conversation.turns if t.client_after is not None]
    change, sustain = answers.count("change"), answers.count("sustain")
    if change + sustain:
        assert share == pytest.approx(change / (change + sustain))
        assert widget.figure.data[0].x[0] == pytest.approx(100 * share)
        assert f"{100 * share:.0f}% of the simulated client's change and sustain talk" in _text(widget.chart_text.value)
    assert widget.figure is figure  # updated in place


def test_empty_reply_gives_a_hint(widget):
    assert widget.send("   ") is None
    assert "Type a reply first" in _text(widget.feedback.value)
    assert widget.conversation.turns == []
