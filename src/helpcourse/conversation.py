"""Conversation practice: the record of a conversation with a simulated client, and its summary (no widgets).

A student holds a conversation of about 8-12 turns with a simulated client on one topic
(:class:`helpcourse.simulate.client.SimulatedClient`, built from AnnoMI's demonstration sessions, which are
role-plays). Each helper reply is read by the reply coder (:mod:`helpcourse.coder`: reflection, question, input or
other, with its confidence) and checked by the MI-adherence rules (:func:`helpcourse.adherence.flag_reply`); a
flagged reply counts as "non-adherent" for the client's next draw. The summary (:func:`summarise`) compares the
conversation with the MITI 4.2.1 thresholds of the evidence table and with AnnoMI's high- and low-quality
demonstration sessions (:func:`annomi_reference`):

* reflections per question (MITI: fair 1:1, good 2:1);
* the share of complex reflections and of open questions: **not measured**, because the coder does not tell simple
  from complex reflections or open from closed questions;
* MI-non-adherent replies (MITI 4.2.1 sets no fair/good threshold for them), each with an example reflection from a
  high-quality demonstration to compare with;
* the client's change talk as a share of change and sustain talk (MITI sets no threshold for client talk).

The coder's codes and the flags are feedback for practice, with a measured accuracy, never a grade. Everything stays
in the kernel: nothing is written to a file or sent anywhere.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from helpcourse import adherence, data, derived, evidence, miti, talk
from helpcourse import coder as reply_coder
from helpcourse.simulate import client as simclient

__all__ = [
    "AnnomiReference",
    "Conversation",
    "ConversationSummary",
    "Turn",
    "annomi_reference",
    "change_talk_share",
    "example_reflection",
    "helper_kind",
    "summarise",
]

DEFAULT_TURNS = simclient.CONVERSATION_TURNS

_SHORT_NAMES = {
    "reflection": ("reflection", "reflections"),
    "question": ("question", "questions"),
    "therapist_input": ("input", "input"),
    "other": ("other", "other"),
}


@dataclass(frozen=True)
class Turn:
    """One helper reply and the client's answer.

    Attributes
    ----------
    number : int
        1, 2, ... in the conversation.
    client_before : ClientTurn
        The client turn the reply answers.
    reply : str
        The helper's reply.
    code, code_name : str
        The coder's code (:data:`helpcourse.coder.CODES`) and its name for students.
    confidence : float
        The coder's probability for that code.
    flag : NonAdherence or None
        The MI-adherence flag (:func:`helpcourse.adherence.flag_reply`), None when not flagged.
    kind : str
        The helper kind used for the client's draw (:func:`helper_kind`).
    client_after : ClientTurn or None
        The client's answer (None after the last turn).
    example : dict or None
        For a flagged reply: an example reflection from a high-quality demonstration (``client``, ``reflection``,
        ``topic``); None otherwise.
    """

    number: int
    client_before: simclient.ClientTurn
    reply: str
    code: str
    code_name: str
    confidence: float
    flag: adherence.NonAdherence | None
    kind: str
    client_after: simclient.ClientTurn | None
    example: dict | None = None


def helper_kind(code: str, flag: adherence.NonAdherence | None) -> str:
    """The helper kind of a reply for the client's draw: ``"non_adherent"`` when flagged, else the coder's code."""
    return "non_adherent" if flag is not None else code


def change_talk_share(talk_types: list[str]) -> float:
    """Change talk as a share of change and sustain talk (NaN when there is neither)."""
    change, sustain = talk_types.count("change"), talk_types.count("sustain")
    return change / (change + sustain) if change + sustain else math.nan


@cache
def _examples() -> pd.DataFrame:
    return reply_coder.example_reflections()


def example_reflection(topic: str, seed: int, number: int) -> dict:
    """A strong (complex) reflection from a high-quality demonstration, on ``topic`` when there is one.

    Parameters
    ----------
    topic
        The conversation's topic.
    seed, number
        The conversation's seed and the turn's number (the same turn always gets the same example).

    Returns
    -------
    dict
        ``client`` (what the client in the demonstration said), ``reflection`` (the therapist's reflection),
        ``topic``.
    """
    examples = _examples()
    same = examples[examples["topic"].astype(str) == topic]
    pool = same if len(same) else examples
    row = pool.iloc[int(np.random.default_rng([seed, number]).integers(len(pool)))]
    return {"client": str(row["client"]), "reflection": str(row["reflection"]), "topic": str(row["topic"])}


# --------------------------------------------------------------------------------------------------
# AnnoMI's high- and low-quality demonstrations, for comparison
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnomiReference:
    """AnnoMI's high- and low-quality demonstration sessions on the summary's measures.

    Attributes
    ----------
    rq_high, rq_low : float
        Median reflections per question of a session (:func:`helpcourse.talk.quality_medians`).
    change_high, change_low : float
        Median of each session's change talk / (change + sustain talk).
    non_adherent_high, non_adherent_low : float
        Share of all therapist utterances that the course's rules flag (pooled over the sessions).
    n_high, n_low : int
        Sessions of each quality.
    """

    rq_high: float
    rq_low: float
    change_high: float
    change_low: float
    non_adherent_high: float
    non_adherent_low: float
    n_high: int
    n_low: int


@cache
def annomi_reference() -> AnnomiReference:
    """Compute :class:`AnnomiReference` from the AnnoMI file (kept on disk by :mod:`helpcourse.derived`)."""
    files = [f"{name}:{data.pinned_sha256('annomi', name)}" for name in ("AnnoMI-simple.csv", "AnnoMI-full.csv")]
    return derived.kept_result("conversation.annomi_reference", tuple(files), AnnomiReference, _annomi_reference)


def _annomi_reference() -> AnnomiReference:
    scores = talk.transcript_scores(data.load_annomi_utterances("simple"))
    medians = talk.quality_medians(scores, ["reflections_per_question"])
    change = scores["change"] / (scores["change"] + scores["sustain"]).where(lambda n: n > 0)
    flagged = adherence.adherence_table()
    rate = (flagged["flag"] != "").groupby(flagged["mi_quality"]).mean()
    quality = scores["mi_quality"].astype(str)
    return AnnomiReference(
        rq_high=float(medians.loc["reflections_per_question", "high"]),
        rq_low=float(medians.loc["reflections_per_question", "low"]),
        change_high=float(change[quality == "high"].median()),
        change_low=float(change[quality == "low"].median()),
        non_adherent_high=float(rate["high"]),
        non_adherent_low=float(rate["low"]),
        n_high=int((quality == "high").sum()),
        n_low=int((quality == "low").sum()),
    )


# --------------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationSummary:
    """The numbers of a conversation, with what they are compared with.

    Attributes
    ----------
    topic : str
    n_replies : int
    counts : dict of str to int
        Replies of each coder code.
    reflections_per_question : float
        ``inf`` with reflections and no questions, NaN with neither.
    rq_level : str
        Against the MITI thresholds: good, fair, below fair, not assessable.
    complex_reflections, open_questions : str
        ``"not measured"`` (the coder cannot tell).
    non_adherent : list of Turn
        The flagged replies.
    client_talk : dict of str to int
        The client's answers of each talk type (the opening not counted).
    change_talk_share : float
        change / (change + sustain), NaN with neither.
    reference : AnnomiReference
    """

    topic: str
    n_replies: int
    counts: dict[str, int]
    reflections_per_question: float
    rq_level: str
    complex_reflections: str
    open_questions: str
    non_adherent: list[Turn]
    client_talk: dict[str, int]
    change_talk_share: float
    reference: AnnomiReference
    turns: list[Turn] = field(repr=False, default_factory=list)

    def lines(self) -> list[str]:
        """The panel's lines, in plain text."""
        threshold = miti.miti_thresholds()["reflections_per_question"]
        cite = evidence.cite(threshold.evidence_key)
        ref = self.reference
        counts = ", ".join(f"{k} {_SHORT_NAMES[c][k != 1]}" for c, k in self.counts.items())
        ratio = self.reflections_per_question
        if math.isnan(ratio):
            ratio_text = "not assessable yet (no reflections or questions)"
        elif math.isinf(ratio):
            ratio_text = "reflections and no questions (above the good level)"
        else:
            ratio_text = f"{ratio:.1f} ({self.rq_level})"
        change = self.change_talk_share
        change_text = "no change or sustain talk yet" if math.isnan(change) else f"{100 * change:.0f}%"
        talk_counts = ", ".join(f"{k} {t}" for t, k in self.client_talk.items())
        lines = [
            f"Replies coded: {self.n_replies} ({counts}).",
            f"Reflections per question: {ratio_text}. MITI 4.2.1: fair {threshold.fair:g}:1, good "
            f"{threshold.good:g}:1 ({cite}); AnnoMI demonstrations: median {ref.rq_high:.1f} in high-quality, "
            f"{ref.rq_low:.1f} in low-quality sessions.",
            "Complex reflections (share of reflections): not measured. The coder cannot tell a simple from a complex "
            "reflection (MITI 4.2.1: fair 40%, good 50%).",
            "Open questions (share of questions): not measured. The coder cannot tell an open from a closed question.",
            f"MI-non-adherent replies: {len(self.non_adherent)} of {self.n_replies} (confronting, a warning, "
            "persuading or advice without permission, flagged by the course's word rules; MITI 4.2.1 counts "
            "MI-non-adherent behaviour as Confront or Persuade and sets no fair or good level for it); in AnnoMI the "
            f"course's rules flag {100 * ref.non_adherent_high:.1f}% of therapist turns in high-quality and "
            f"{100 * ref.non_adherent_low:.1f}% in low-quality sessions.",
            f"The simulated client's change talk: {change_text} of change + sustain talk ({talk_counts}). MITI sets no "
            f"level for client talk; AnnoMI demonstrations: median {100 * ref.change_high:.0f}% in high-quality, "
            f"{100 * ref.change_low:.0f}% in low-quality sessions.",
        ]
        return lines

    def text(self) -> str:
        """A summary the student can paste: the numbers, each flagged reply with an example, and the caveats."""
        out = [f"Practice conversation with a simulated client (topic: {self.topic})", *self.lines()]
        for turn in self.non_adherent:
            assert turn.flag is not None
            out.append(f'Reply {turn.number} ("{turn.reply}") may read as {turn.flag.name} '
                       f'("{turn.flag.matched}").')
            if turn.example:
                out.append(f'  A reflection from a demonstration to compare with: "{turn.example["reflection"]}"')
        out.append(
            "Caveats: the client's turns are utterances, word for word, of clients in AnnoMI demonstration sessions "
            "(role-plays); what kind comes next is drawn from how often it followed each kind of helper turn there, "
            "an association and not a causal effect. The codes are an automatic coder's reading with a measured "
            "accuracy. The flag is a set of word rules with a measured accuracy (module 3, section 3.6): it reads "
            "words, not meaning, so it misses some non-adherent replies and flags some adherent ones. Both are "
            "feedback, not a grade."
        )
        return "\n".join(out)


def summarise(turns: list[Turn], topic: str, reference: AnnomiReference | None = None) -> ConversationSummary:
    """Summarise a conversation's turns (see :class:`ConversationSummary`)."""
    reference = reference if reference is not None else annomi_reference()
    codes = [turn.code for turn in turns]
    counts = {code: codes.count(code) for code in reply_coder.CODES}
    threshold = miti.miti_thresholds()["reflections_per_question"]
    ratio = miti.reflections_per_question(counts["reflection"], counts["question"])
    answers = [turn.client_after.talk_type for turn in turns if turn.client_after is not None]
    return ConversationSummary(
        topic=topic,
        n_replies=len(turns),
        counts=counts,
        reflections_per_question=ratio,
        rq_level=miti.miti_level(ratio, threshold),
        complex_reflections="not measured",
        open_questions="not measured",
        non_adherent=[turn for turn in turns if turn.flag is not None],
        client_talk={talk_type: answers.count(talk_type) for talk_type in simclient.TALK_TYPES},
        change_talk_share=change_talk_share(answers),
        reference=reference,
        turns=list(turns),
    )


# --------------------------------------------------------------------------------------------------
# The conversation
# --------------------------------------------------------------------------------------------------


class Conversation:
    """A conversation with a simulated client: send replies, read each turn's code and the running summary.

    Parameters
    ----------
    topic
        One of :func:`helpcourse.simulate.client.topic_options`.
    seed
        Seed of the client's draws and of the example reflections.
    coder
        A trained :class:`helpcourse.coder.ReplyCoder` (default: :func:`helpcourse.coder.load_coder`'s, loaded in
        the background by :func:`helpcourse.coder.coder_when_ready`; the first reply waits for it).
    n_turns
        Helper replies in the conversation (8-12 suggested); the client does not answer the last one.
    context, model
        Passed to :class:`helpcourse.simulate.client.SimulatedClient`.
    """

    def __init__(
        self,
        topic: str,
        seed: int = 0,
        coder: reply_coder.ReplyCoder | Future[reply_coder.ReplyCoder] | None = None,
        n_turns: int = DEFAULT_TURNS,
        context: bool = True,
        model: simclient.TalkModel | None = None,
    ) -> None:
        if n_turns < 1:
            raise ValueError("a conversation needs at least one turn")
        self.topic = topic
        self.seed = seed
        self.n_turns = n_turns
        self._coder = coder if isinstance(coder, Future) else reply_coder.coder_when_ready(coder)
        self.client = simclient.SimulatedClient(topic, seed=seed, context=context, model=model)
        self.turns: list[Turn] = []
        self.opening = self.client.opening()

    @property
    def coder(self) -> reply_coder.ReplyCoder:
        """The reply coder (waits for the background load the first time, if it is still running)."""
        return self._coder.result()

    @property
    def finished(self) -> bool:
        """Whether every reply of the conversation has been sent."""
        return len(self.turns) >= self.n_turns

    @property
    def last_client(self) -> simclient.ClientTurn:
        """The client turn the next reply answers."""
        if self.turns and self.turns[-1].client_after is not None:
            return self.turns[-1].client_after
        return self.opening

    def reply(self, text: str, *, kind: str | None = None) -> Turn:
        """Send a reply: code it, flag it, and draw the client's answer (none after the last turn).

        Parameters
        ----------
        text
            The helper's reply (not empty).
        kind
            Force the helper kind of the draw (scripted runs in tests and the benchmark); by default
            :func:`helper_kind` of the coder's code and the flag.

        Raises
        ------
        ValueError
            When the reply is empty or the conversation is finished.
        """
        text = " ".join(str(text).split())
        if not text:
            raise ValueError("the reply is empty")
        if self.finished:
            raise ValueError("the conversation is finished; start again")
        before = self.last_client
        coded = self.coder.code(text, before.text)
        previous = self.turns[-1].reply if self.turns else ""
        flag = adherence.flag_reply(text, client=before.text, previous_helper=previous)
        drawn = kind if kind is not None else helper_kind(coded.code, flag)
        number = len(self.turns) + 1
        after = self.client.respond(drawn) if number < self.n_turns else None
        example = example_reflection(self.topic, self.seed, number) if flag is not None else None
        turn = Turn(number, before, text, coded.code, coded.name, coded.confidence, flag, drawn, after, example)
        self.turns.append(turn)
        return turn

    def summary(self, reference: AnnomiReference | None = None) -> ConversationSummary:
        """The running summary of the turns so far."""
        return summarise(self.turns, self.topic, reference)

    def transcript_text(self) -> str:
        """The conversation so far as plain text: client and helper turns, each reply with its code."""
        lines = [f"Client: {self.opening.text}"]
        for turn in self.turns:
            lines.append(f"You: {turn.reply}   [{turn.code_name}, {100 * turn.confidence:.0f}%"
                         f"{'; ' + turn.flag.name if turn.flag else ''}]")
            if turn.client_after is not None:
                lines.append(f"Client: {turn.client_after.text}")
        return "\n".join(lines)
