"""Conversation practice (modules 03 and 08): a conversation with a simulated client, with live MI feedback.

The student picks a topic and holds a conversation of about ten replies with a simulated client
(:class:`helpcourse.conversation.Conversation`). Each client turn is an utterance of the client in a high-quality AnnoMI
demonstration session (a role-play); whether it is change, neutral or sustain talk is drawn from how often each
followed the kind of reply the student gave, in AnnoMI. After each reply the feedback (announced to screen readers)
says how the reply reads (reflection, question, input, other, with the coder's confidence), whether it may read as
MI-non-adherent (confronting, a warning, persuading, advice without permission) with an example reflection to
compare with, and what kind of talk the client's answer is. A running panel compares the conversation with the MITI
thresholds and AnnoMI's high- and low-quality sessions; at the end a summary to paste appears.

Controls: *Topic* (toggle buttons, one per topic: few topics, and buttons keep their keys in JupyterLab), a text
box *Your reply* (Enter sends), a *Send reply* button and a *Start again* button. Replies are coded in the
notebook's kernel and kept only in the widget while the kernel runs.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import plotly.graph_objects as go

from helpcourse import coder as reply_coder
from helpcourse import conversation as conv
from helpcourse import figures
from helpcourse.demos.common import SLIDER_STYLE, FigureWidget, live_text
from helpcourse.simulate import client as simclient

__all__ = [
    "CHART_TITLE",
    "ConversationPractice",
    "change_talk_figure",
    "change_talk_text",
    "change_talk_values",
    "conversation_practice",
]

_TALK_NAMES = {"change": "change talk", "neutral": "neutral talk", "sustain": "sustain talk"}


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


_BAR_LABELS = ("Your conversation (simulated client)", "AnnoMI high-quality (median)", "AnnoMI low-quality (median)")
CHART_TITLE = "Change talk as a share of change + sustain talk"


def change_talk_values(summary: conv.ConversationSummary) -> tuple[list[float], list[str]]:
    """The bars of the chart: percentages (yours 0 while there is no change or sustain talk) and their labels."""
    ref = summary.reference
    mine = summary.change_talk_share
    values = [0.0 if math.isnan(mine) else 100 * mine, 100 * ref.change_high, 100 * ref.change_low]
    labels = ["none yet" if math.isnan(mine) else f"{values[0]:.0f}%", f"{values[1]:.0f}%", f"{values[2]:.0f}%"]
    return values, labels


def change_talk_figure(summary: conv.ConversationSummary) -> go.Figure:
    """Horizontal bars: the conversation's change-talk share beside the medians of AnnoMI's demonstrations."""
    values, labels = change_talk_values(summary)
    fig = go.Figure(
        go.Bar(x=values, y=list(_BAR_LABELS), orientation="h", text=labels, textposition="outside",
               marker={"color": [figures.PALETTE["blue"], figures.PALETTE["grey"], figures.PALETTE["grey"]]},
               hovertemplate="%{y}: %{x:.0f}%<extra></extra>", name="Change talk")
    )
    figures.base_layout(fig, CHART_TITLE, height=260)
    fig.update_layout(xaxis={"range": [0, 110], "title": "Change talk (% of change + sustain talk)"},
                      yaxis={"autorange": "reversed"}, showlegend=False, margin={"l": 260, "r": 20, "t": 60, "b": 50})
    return fig


def change_talk_text(summary: conv.ConversationSummary) -> str:
    """The chart in words (the live text alternative)."""
    values, labels = change_talk_values(summary)
    mine = ("no change or sustain talk yet" if labels[0] == "none yet"
            else f"{labels[0]} of the simulated client's change and sustain talk was change talk")
    return (f"In your conversation so far, {mine}. In AnnoMI's demonstrations (role-plays) the median was "
            f"{labels[1]} in high-quality and {labels[2]} in low-quality sessions. One short conversation is mostly "
            "chance.")


class ConversationPractice(widgets.VBox):
    """Hold a conversation with a simulated client and see each reply coded, with a running MI summary.

    Parameters
    ----------
    topic
        The first topic shown (default: the first of :func:`helpcourse.simulate.client.topic_options`).
    seed
        Seed of the client's draws; *Start again* adds one to it, so a new conversation differs.
    n_turns
        Replies per conversation.
    coder
        A trained :class:`helpcourse.coder.ReplyCoder` (default: :func:`helpcourse.coder.load_coder`'s, loaded in
        the background by :func:`helpcourse.coder.coder_when_ready` while the student reads and types).
    topics
        The topics of the menu (default: :func:`helpcourse.simulate.client.topic_options`).
    intro
        A sentence shown above the controls (module 08 says which AnnoMI topic stands in for its client).
    """

    def __init__(
        self,
        topic: str | None = None,
        seed: int = 2026,
        n_turns: int = conv.DEFAULT_TURNS,
        coder: reply_coder.ReplyCoder | None = None,
        topics: list[str] | None = None,
        intro: str = "",
    ) -> None:
        self._coder = reply_coder.coder_when_ready(coder)
        self.model = simclient.estimate_talk_model()
        self.reference = conv.annomi_reference()
        conv.example_reflection("", seed, 0)  # builds the examples now, not at the first flagged reply
        self.topics = list(topics) if topics is not None else simclient.topic_options()
        self.seed = seed
        self.first_seed = seed
        self.n_turns = n_turns
        # few topics: toggle buttons (Tab to the group, Space chooses), which keep their keys in JupyterLab, as the
        # other demos' short menus do (docs/UI_TESTS.md)
        self.topic_menu = widgets.ToggleButtons(
            options=[(name.capitalize(), name) for name in self.topics],
            value=topic if topic is not None else self.topics[0],
            description="Topic",
            style={**SLIDER_STYLE, "button_width": "auto"},
        )
        self.reply_box = widgets.Text(
            value="",
            placeholder="Type your reply and press Enter",
            description="Your reply",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="95%"),
        )
        # no icons: a Font Awesome glyph becomes part of a button's accessible name
        self.send_button = widgets.Button(
            description="Send reply", button_style="primary", layout=widgets.Layout(width="auto"),
            tooltip="Send your reply to the client",
        )
        self.restart_button = widgets.Button(
            description="Start again", layout=widgets.Layout(width="auto"),
            tooltip="Start a new conversation on the chosen topic",
        )
        self.transcript = widgets.HTML()
        self.feedback = widgets.HTML()
        self.panel = widgets.HTML()
        self.summary_box = widgets.HTML()
        self.figure: FigureWidget | None = None
        self.chart_text = widgets.HTML()
        assumption = "".join(_p(line) for line in self.model.assumption_text().splitlines())
        self.assumption = widgets.HTML(
            "<details><summary><b>The simulation's assumption</b> (open to read the figures)</summary>"
            f"{assumption}</details>"
        )
        self.reply_box.observe(self._on_value, names="value")
        self.send_button.on_click(lambda _button: self.send())
        self.restart_button.on_click(lambda _button: self.restart())
        self.topic_menu.observe(lambda _change: self.restart(same_seed=True), names="value")
        note = widgets.HTML(
            "<p style='font-size:90%'>The client's turns are utterances, word for word, of clients in different "
            "AnnoMI demonstration sessions (role-plays) on this topic, so the conversation will not always hang "
            "together. Your replies are coded in this notebook's kernel and sent nowhere else; this practice saves "
            "nothing to a file. The codes are an automatic coder's reading and the flags come from a few word "
            "rules that read words, not meaning; both are sometimes wrong: feedback, not a grade.</p>"
        )
        header = widgets.HTML(f"<p>{html.escape(intro)}</p>") if intro else widgets.HTML()
        self.chart_box = widgets.Box()
        super().__init__(
            [
                header,
                self.topic_menu,
                self.transcript,
                self.reply_box,
                widgets.HBox([self.send_button, self.restart_button]),
                self.feedback,
                self.panel,
                self.chart_box,
                self.chart_text,
                self.summary_box,
                self.assumption,
                note,
            ]
        )
        self.start()

    # ---------------------------------------------------------------------------------------------

    @property
    def coder(self) -> reply_coder.ReplyCoder:
        """The reply coder (waits for the background load the first time, if it is still running)."""
        return self._coder.result()

    def start(self) -> None:
        """Start a conversation on the chosen topic."""
        self.conversation = conv.Conversation(
            str(self.topic_menu.value), seed=self.seed, coder=self._coder, n_turns=self.n_turns, model=self.model
        )
        self.reply_box.disabled = False
        self.send_button.disabled = False
        self.feedback.value = (
            "<div aria-live='polite' class='helpcourse-feedback'><p>The client has spoken. Type your reply and "
            "press Enter.</p></div>"
        )
        self.summary_box.value = ""
        self._show()

    def restart(self, same_seed: bool = False) -> None:
        """Start again: a new conversation (a new seed unless ``same_seed``) on the chosen topic."""
        if not same_seed:
            self.seed += 1
        self.reply_box.value = ""
        self.start()

    def _on_value(self, change: dict) -> None:
        if str(change["new"]).strip():
            self.send()

    def send(self, text: str | None = None) -> conv.Turn | None:
        """Send the reply in the text box (or ``text``) and show the feedback; None when there is nothing to send."""
        text = self.reply_box.value if text is None else text
        if not str(text).strip():
            self.feedback.value = "<div aria-live='polite' class='helpcourse-feedback'><p>Type a reply first.</p></div>"
            return None
        if self.conversation.finished:
            self.feedback.value = (
                "<div aria-live='polite' class='helpcourse-feedback'><p>This conversation is over. Press "
                "<b>Start again</b> for a new one.</p></div>"
            )
            return None
        turn = self.conversation.reply(str(text))
        self.feedback.value = self.turn_feedback(turn)
        with self.reply_box.hold_trait_notifications():
            self.reply_box.unobserve(self._on_value, names="value")
            self.reply_box.value = ""
            self.reply_box.observe(self._on_value, names="value")
        self._show()
        if self.conversation.finished:
            self.reply_box.disabled = True
            self.send_button.disabled = True
            summary = self.conversation.summary(self.reference).text()
            self.summary_box.value = (
                "<div class='helpcourse-summary'><p><b>Summary to copy</b> (select it and copy it; it is not saved "
                "anywhere):</p>"
                f"<pre style='white-space:pre-wrap'>{html.escape(summary)}</pre></div>"
            )
        return turn

    # ---------------------------------------------------------------------------------------------

    def turn_feedback(self, turn: conv.Turn) -> str:
        """The feedback on one turn (HTML, announced to screen readers)."""
        parts = [
            f"<p><b>Reply {turn.number} reads as {html.escape(turn.code_name)}</b> "
            f"(coder's confidence {100 * turn.confidence:.0f}%"
            f"{'; low, take it with caution' if turn.confidence <= 0.5 else ''}).</p>"
        ]
        if turn.flag is not None:
            parts.append(_p(turn.flag.sentence()))
            if turn.example:
                parts.append(
                    "<p>A reflection from a demonstration session, to compare with:<br>"
                    f"Client: &ldquo;{html.escape(turn.example['client'])}&rdquo;<br>"
                    f"Therapist: &ldquo;{html.escape(turn.example['reflection'])}&rdquo;</p>"
                )
        after = turn.client_after
        if after is not None:
            shares = ", ".join(
                f"{_TALK_NAMES[t]} {100 * p:.0f}%" for t, p in zip(simclient.TALK_TYPES, after.probabilities,
                                                                   strict=True)
            )
            kind = simclient.HELPER_KIND_NAMES[turn.kind]
            parts.append(
                f"<p>The client answered with <b>{_TALK_NAMES[after.talk_type]}</b> (drawn after {html.escape(kind)}: "
                f"{shares}).</p>"
            )
        else:
            parts.append("<p>That was the last reply: the summary is below.</p>")
        return f"<div aria-live='polite' class='helpcourse-feedback'>{''.join(parts)}</div>"

    def _show(self) -> None:
        conversation = self.conversation
        lines = [f"<p><b>Client:</b> {html.escape(conversation.opening.text)}</p>"]
        for turn in conversation.turns:
            lines.append(f"<p><b>You:</b> {html.escape(turn.reply)}</p>")
            if turn.client_after is not None:
                lines.append(f"<p><b>Client:</b> {html.escape(turn.client_after.text)}</p>")
        done = len(conversation.turns)
        self.transcript.value = (
            f"<div class='helpcourse-transcript'><p><b>Conversation</b> (topic: "
            f"{html.escape(conversation.topic)}; reply {min(done + 1, self.n_turns)} of {self.n_turns})</p>"
            f"{''.join(lines)}</div>"
        )
        summary = conversation.summary(self.reference)
        values, labels = change_talk_values(summary)
        if self.figure is None:
            self.figure = FigureWidget(change_talk_figure(summary))
            self.chart_box.children = (self.figure,)
        else:
            with self.figure.batch_update():
                self.figure.data[0].x = values
                self.figure.data[0].text = labels
        self.chart_text.value = live_text(change_talk_text(summary))
        items = "".join(f"<li>{html.escape(line)}</li>" for line in summary.lines())
        self.panel.value = f"<div class='helpcourse-panel'><p><b>Your conversation so far</b></p><ul>{items}</ul></div>"


def conversation_practice(topic: str | None = None, seed: int = 2026, n_turns: int = conv.DEFAULT_TURNS,
                          intro: str = "") -> ConversationPractice:
    """Show the conversation practice widget (modules 03 and 08)."""
    return ConversationPractice(topic=topic, seed=seed, n_turns=n_turns, intro=intro)
