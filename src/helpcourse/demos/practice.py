"""Reply practice (module 03): reply to a client statement from a demonstration session and see how it reads.

A client statement from an AnnoMI demonstration session (a role-play) is shown with the session's topic. The
student types a reply; the reply coder (:mod:`helpcourse.coder`, trained on AnnoMI's expert codes) says whether
it reads as a reflection, a question, input or other, with its confidence, a plain-language explanation, a note
when it reads as confronting, warning, persuading or advice without permission (:mod:`helpcourse.adherence`), and a
strong reflection from another session to compare with. After submitting, the student sees what the therapist
in the demonstration said next and how the experts coded it. A running summary compares the student's
reflections per question with the MITI 4 thresholds. Replies are coded in the notebook's kernel (the student's
computer, or the course server on a JupyterHub), sent nowhere else, and kept only in the widget while the kernel
runs.

The practice gives no risk guidance, so it shows no statement or example from AnnoMI's sessions about self-harm or
violence or from the sessions the course marks as touching on risk (:data:`helpcourse.talk.RISK_TRANSCRIPTS`), and
none that mentions suicide, self-harm or harming someone (:func:`helpcourse.coder.practice_statements` and
:func:`helpcourse.coder.example_reflections` leave them out).
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import pandas as pd

from helpcourse import coder as reply_coder
from helpcourse import evidence, miti

__all__ = ["PracticeRecord", "ReplyPractice", "describe_session", "reply_practice"]

_QUALITY_NOTE = {
    "high": "a demonstration of good motivational interviewing",
    "low": "a demonstration of poor motivational interviewing, made to show what to avoid",
}


@dataclass(frozen=True)
class PracticeRecord:
    """One submitted reply.

    Attributes
    ----------
    statement_number : int
        Which statement of the session it answered (1, 2, ...).
    transcript_id, utterance_id : int
        Where the client statement is in AnnoMI.
    reply : str
        The student's reply.
    code : str
        The coder's code of the reply.
    confidence : float
        The coder's probability for that code.
    expert_code : str
        The experts' code of what the therapist actually said next.
    """

    statement_number: int
    transcript_id: int
    utterance_id: int
    reply: str
    code: str
    confidence: float
    expert_code: str


def _count(code: str, k: int) -> str:
    if code in ("reflection", "question"):
        return f"{k} {code}" if k == 1 else f"{k} {code}s"
    return f"{k} {'input' if code == 'therapist_input' else 'other'}"


def describe_session(codes: list[str]) -> str:
    """Plain-text summary of a practice session: counts of each code and reflections per question vs MITI 4.

    Parameters
    ----------
    codes
        The codes of the submitted replies.

    Returns
    -------
    str
        For example "4 replies: 2 reflections, 1 question, 1 input, 0 other. Reflections per question: 2.0,
        at or above the good level (MITI 4: good 2:1, fair 1:1; Moyers et al., 2014/2015)."
    """
    threshold = miti.miti_thresholds()["reflections_per_question"]
    fair, good = threshold.fair, threshold.good
    levels = f"(MITI 4: good {good:g}:1, fair {fair:g}:1; {evidence.cite(threshold.evidence_key)})"
    if not codes:
        return f"No replies submitted yet. Aim for more reflections than questions {levels}."
    counts = ", ".join(_count(code, codes.count(code)) for code in reply_coder.CODES)
    head = f"{len(codes)} {'reply' if len(codes) == 1 else 'replies'}: {counts}."
    ratio = miti.reflections_per_question(codes.count("reflection"), codes.count("question"))
    level = miti.miti_level(ratio, threshold)
    if level == "not assessable":
        verdict = "no reflections or questions yet"
    elif np.isinf(ratio):
        verdict = "reflections and no questions, above the good level"
    elif level == "good":
        verdict = f"{ratio:.1f}, at or above the good level"
    elif level == "fair":
        verdict = f"{ratio:.1f}, at or above the fair level but below good"
    else:
        verdict = f"{ratio:.1f}, below the fair level"
    return f"{head} Reflections per question: {verdict} {levels}."


def _quote(text: str) -> str:
    return f"&ldquo;{html.escape(text)}&rdquo;"


class ReplyPractice(widgets.VBox):
    """Practise replying to client statements from demonstration sessions, with instant coding of the reply.

    Controls: a text box labelled "Your reply", a "Submit reply" button and a "Next client statement" button
    (both reachable with Tab and pressed with Enter or Space). The reply is coded as the student types, once
    typing pauses for ``debounce_seconds`` (immediately when no event loop runs, as in tests), and again on
    submit. Submitting shows what the therapist said next and adds the reply to the session summary; submitting
    again for the same statement replaces the earlier reply.

    Parameters
    ----------
    seed
        Seed of the order of statements and of the example reflections.
    coder
        A trained :class:`helpcourse.coder.ReplyCoder` (default: :func:`helpcourse.coder.load_coder`'s, loaded in
        the background by :func:`helpcourse.coder.coder_when_ready` while the student reads and types).
    debounce_seconds
        Pause in typing before the reply is coded; 0 codes on every change.
    low_quality_every
        Every n-th statement comes from a low-quality session (while there are any left); the rest from
        high-quality sessions.
    """

    def __init__(
        self,
        seed: int = 2022,
        coder: reply_coder.ReplyCoder | None = None,
        debounce_seconds: float = 0.4,
        low_quality_every: int = 3,
    ) -> None:
        self._coder = reply_coder.coder_when_ready(coder)
        self.seed = seed
        self.debounce_seconds = debounce_seconds
        self.statements = reply_coder.practice_statements()
        self.examples = reply_coder.example_reflections()
        self._rng = np.random.default_rng(seed)
        self.order = self._deck(low_quality_every)
        self.position = 0
        self.records: dict[int, PracticeRecord] = {}
        self._pending: asyncio.TimerHandle | None = None
        self.current_code: reply_coder.CodedReply | None = None

        self.statement = widgets.HTML()
        self.reply = widgets.Textarea(
            value="",
            placeholder="Type what you would say to this client, then press Submit reply",
            description="Your reply",
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="95%", height="80px"),
        )
        self.submit_button = widgets.Button(
            description="Submit reply",
            button_style="primary",
            icon="check",
            tooltip="Code your reply and show what the therapist in the demonstration said next",
            layout=widgets.Layout(width="auto"),
        )
        self.next_button = widgets.Button(
            description="Next client statement",
            icon="arrow-right",
            tooltip="Show another client statement",
            layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML()
        self.expert = widgets.HTML()
        self.summary = widgets.HTML()
        self.reply.observe(self._on_type, names="value")
        self.submit_button.on_click(self._on_submit)
        self.next_button.on_click(self._on_next)
        self._show_statement()
        self._show_summary()
        note = widgets.HTML(
            "<p style='font-size:90%'>Your reply is coded by a model running in this notebook's kernel (on your "
            "computer, or on the course server if you use a JupyterHub); it is sent nowhere else, and this "
            "practice does not save it to a file. The coder learnt from expert codes of demonstration sessions "
            "and is sometimes wrong: treat its code as a second opinion.</p>"
        )
        super().__init__(
            [
                self.statement,
                self.reply,
                widgets.HBox([self.submit_button, self.next_button]),
                self.feedback,
                self.expert,
                self.summary,
                note,
            ]
        )

    # ---------------------------------------------------------------------------------------------
    # Statements and examples
    # ---------------------------------------------------------------------------------------------

    @property
    def coder(self) -> reply_coder.ReplyCoder:
        """The reply coder (waits for the background load the first time, if it is still running)."""
        return self._coder.result()

    def _deck(self, low_quality_every: int) -> list[int]:
        quality = self.statements["mi_quality"].astype(str).to_numpy()
        high = list(self._rng.permutation(np.flatnonzero(quality == "high")))
        low = list(self._rng.permutation(np.flatnonzero(quality == "low")))
        order: list[int] = []
        while high or low:
            take_low = low and (not high or (low_quality_every > 0 and len(order) % low_quality_every == 1))
            order.append(int((low if take_low else high).pop(0)))
        return order

    @property
    def item(self) -> pd.Series:
        """The client statement shown now (a row of :func:`helpcourse.coder.practice_statements`)."""
        return self.statements.iloc[self.order[self.position % len(self.order)]]

    @property
    def statement_number(self) -> int:
        """Number of the statement shown now in this session (1, 2, ...)."""
        return self.position + 1

    def example_for(self, item: pd.Series) -> pd.Series:
        """A strong (complex) reflection from another session, on the same topic when there is one."""
        others = self.examples[self.examples["transcript_id"] != item["transcript_id"]]
        same_topic = others[others["topic"].astype(str) == str(item["topic"])]
        pool = same_topic if len(same_topic) else others
        generator = np.random.default_rng([self.seed, int(item["transcript_id"]), int(item["utterance_id"])])
        return pool.iloc[int(generator.integers(len(pool)))]

    # ---------------------------------------------------------------------------------------------
    # Events
    # ---------------------------------------------------------------------------------------------

    def _on_type(self, _change: dict | None = None) -> None:
        self._cancel_pending()
        if self.debounce_seconds <= 0:
            self.code_reply()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test, a script): code at once
            self.code_reply()
            return
        self._pending = loop.call_later(self.debounce_seconds, self.code_reply)

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _on_submit(self, _button: widgets.Button | None = None) -> None:
        self._cancel_pending()
        coded = self.code_reply()
        if coded is None:
            self.expert.value = "<p aria-live='polite'>Type a reply first, then submit it.</p>"
            return
        item = self.item
        self.records[self.position] = PracticeRecord(
            statement_number=self.statement_number,
            transcript_id=int(item["transcript_id"]),
            utterance_id=int(item["utterance_id"]),
            reply=coded.reply,
            code=coded.code,
            confidence=coded.confidence,
            expert_code=str(item["therapist_code"]),
        )
        self._show_expert(item, coded)
        self._show_summary()

    def _on_next(self, _button: widgets.Button | None = None) -> None:
        self._cancel_pending()
        self.position += 1
        self.current_code = None
        self.reply.value = ""
        self._show_statement()

    # ---------------------------------------------------------------------------------------------
    # Views
    # ---------------------------------------------------------------------------------------------

    def code_reply(self) -> reply_coder.CodedReply | None:
        """Code the reply in the text box now and show the feedback (None when the box is empty)."""
        self._pending = None
        text = self.reply.value.strip()
        if not text:
            self.current_code = None
            self.feedback.value = (
                "<div aria-live='polite'><p>Type a reply above: the coder will tell you how it reads.</p></div>"
            )
            return None
        coded = self.coder.code(text, str(self.item["client"]))
        self.current_code = coded
        example = self.example_for(self.item)
        flag = coded.nonadherence
        note = f"<p class='helpcourse-flag'><b>Note:</b> {html.escape(flag.sentence())}</p>" if flag else ""
        self.feedback.value = (
            "<div aria-live='polite' class='helpcourse-feedback'>"
            f"<p><b>Your reply reads as {html.escape(coded.name)}</b> "
            f"(coder's confidence {100 * coded.confidence:.0f}%).</p>"
            f"<p>{html.escape(coded.explanation)}</p>{note}"
            "<p><b>Compare with a strong reflection</b> from another session "
            f"(topic: {html.escape(str(example['topic']))}):<br>"
            f"Client: {_quote(str(example['client']))}<br>"
            f"Therapist: {_quote(str(example['reflection']))}</p>"
            "</div>"
        )
        return coded

    def _show_statement(self) -> None:
        item = self.item
        self.statement.value = (
            f"<p><b>Client statement {self.statement_number}</b> &middot; topic: "
            f"{html.escape(str(item['topic']))}</p>"
            f"<blockquote style='font-size:110%'>{_quote(str(item['client']))}</blockquote>"
        )
        self.feedback.value = ""
        self.expert.value = ""

    def _show_expert(self, item: pd.Series, coded: reply_coder.CodedReply) -> None:
        expert_code = str(item["therapist_code"])
        same = "the same code as your reply" if expert_code == coded.code else f"your reply: {coded.name}"
        self.expert.value = (
            "<div aria-live='polite'>"
            f"<p><b>What the therapist in the demonstration said next</b> "
            f"({_QUALITY_NOTE[str(item['mi_quality'])]}):<br>"
            f"{_quote(str(item['therapist_reply']))}</p>"
            f"<p>AnnoMI's expert annotators coded it as <b>{html.escape(reply_coder.CODE_NAMES[expert_code])}</b> "
            f"({html.escape(same)}).</p></div>"
        )

    def _show_summary(self) -> None:
        text = describe_session(self.session_codes)
        self.summary.value = f"<p aria-live='polite'><b>Your session so far:</b> {html.escape(text)}</p>"

    @property
    def session_codes(self) -> list[str]:
        """Codes of the submitted replies, in the order of the statements."""
        return [self.records[key].code for key in sorted(self.records)]


def reply_practice(seed: int = 2022) -> ReplyPractice:
    """Show the reply practice widget (module 03)."""
    return ReplyPractice(seed=seed)
