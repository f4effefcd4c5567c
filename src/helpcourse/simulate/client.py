"""A simulated client for conversation practice, built from AnnoMI's demonstration sessions (role-plays).

The student holds a conversation of about 8-12 turns with a client on one topic. Every client turn is an utterance of
the client in a *high-quality* AnnoMI demonstration session on that topic (AnnoMI's sessions are role-plays by
professionals, made for video: the client is a client in a demonstration, played for the camera). Which kind of
utterance comes next (change, neutral or sustain talk) is drawn at random from how often each kind of client talk
followed each kind of helper turn in AnnoMI (:func:`estimate_talk_model`):

* the helper turn's kind is the reply coder's code (reflection, question, therapist input, other), or
  ``"non_adherent"`` when :func:`helpcourse.adherence.flag_reply` flags the reply (confronting, a warning,
  persuading, advice without permission);
* the frequencies come from every AnnoMI session (high- and low-quality): the client turns that directly follow a
  therapist turn (:func:`helpcourse.talk.client_turns_after_therapist`), by that therapist turn's kind. A therapist
  turn that ``flag_reply`` flags (given the client statement before it and the two helper turns before that, as in
  :func:`helpcourse.adherence.adherence_table`) counts as non-adherent and not as its expert code;
* **the data rule**: a cell of the table is used only when it rests on at least :data:`MIN_CELL_TURNS` client
  turns. Flagged therapist turns are few (see :class:`TalkModel`); when the client turns after them are fewer than
  that, they are pooled with the client turns after therapist input in low-quality sessions (the unasked advice and
  persuasion of the poor demonstrations), and the model says so. The talk type of the client's previous turn is
  added as context only for a previous talk type with which *every* helper kind reaches the same minimum
  (otherwise one kind would be drawn with the context and another without, which would bias the comparison
  between kinds). In AnnoMI no previous talk type passes: the client turns after non-adherent turns are too few
  in every cell (fewer than 100), so the simulation draws with the helper kind alone
  (:attr:`TalkModel.by_context` shows every cell and whether it is used).

This simulates an **association** seen in demonstration sessions, not a causal effect: in AnnoMI a reflection is
more often followed by change talk than a confrontation is, but the therapists chose their replies in response to
their clients, so the frequencies cannot show what a reply *does* to a client.

The utterances shown: whole client turns (:func:`helpcourse.coder.practice_statements`, followed by a therapist
turn, not cut off) of :data:`MIN_WORDS` to :data:`MAX_WORDS` words, from high-quality sessions; like the reply
practice, nothing from a session about self-harm or violence or one the course marks as touching on risk
(:data:`helpcourse.talk.RISK_TRANSCRIPTS`), and no turn that mentions suicide, self-harm or harming someone. A
topic is offered only when it has at least :data:`MIN_TOPIC_UTTERANCES` such utterances of each talk type
(:func:`topic_options`). No utterance is repeated within a conversation while an unused one of the drawn talk type
is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from helpcourse import adherence, data
from helpcourse import coder as reply_coder
from helpcourse.derived import kept_on_disk

__all__ = [
    "CONTEXTS",
    "CONVERSATION_TURNS",
    "HELPER_KINDS",
    "HELPER_KIND_NAMES",
    "MAX_WORDS",
    "MIN_CELL_TURNS",
    "MIN_TOPIC_UTTERANCES",
    "MIN_WORDS",
    "SCRIPTED_CONFRONTING",
    "SCRIPTED_REFLECTIONS",
    "TALK_TYPES",
    "ClientTurn",
    "SimulatedClient",
    "TalkModel",
    "client_utterances",
    "estimate_talk_model",
    "helper_turn_table",
    "topic_options",
]

#: Scripted helper replies for checking the simulation against the data (tests and ``bench/conversation_eval.py``):
#: a conversation of reflections only, and one of confronting, warning and unasked advice only.
SCRIPTED_REFLECTIONS: tuple[str, ...] = (
    "It sounds like part of you wants things to be different.",
    "You're wondering whether it's worth the effort.",
    "So it has been weighing on you for a while.",
    "You feel torn between what you enjoy and what worries you.",
    "It sounds like your health matters a lot to you.",
)
SCRIPTED_CONFRONTING: tuple[str, ...] = (
    "You need to face the fact that you're an alcoholic.",
    "You have to stop, it's that simple.",
    "That's just an excuse.",
    "If you don't stop, you're going to end up in hospital.",
    "You should just quit.",
)

#: Kinds of helper turn: the reply coder's four codes, and a reply that :func:`helpcourse.adherence.flag_reply` flags.
HELPER_KINDS: tuple[str, ...] = ("reflection", "question", "therapist_input", "other", "non_adherent")

#: How each helper kind is named to students.
HELPER_KIND_NAMES: dict[str, str] = {
    "reflection": "a reflection",
    "question": "a question",
    "therapist_input": "input (information, advice)",
    "other": "other",
    "non_adherent": "MI-non-adherent (confronting, warning, persuading, unasked advice)",
}

#: Client talk types, in display order.
TALK_TYPES: tuple[str, ...] = ("change", "neutral", "sustain")

#: The talk type of the client's previous turn ("none" when the client had not spoken yet in the session).
CONTEXTS: tuple[str, ...] = ("change", "neutral", "sustain", "none")

#: A cell of the frequency table is used only when it rests on at least this many client turns.
MIN_CELL_TURNS = 100

#: Replies in a practice conversation (the default; 8-12 suggested).
CONVERSATION_TURNS = 10

#: A topic is offered when its high-quality sessions give at least this many usable utterances of each talk type:
#: the opening and the answers to a conversation of :data:`CONVERSATION_TURNS` replies, so that no utterance need
#: repeat even if every turn were of one talk type.
MIN_TOPIC_UTTERANCES = CONVERSATION_TURNS

#: Length of a client utterance shown, in words.
MIN_WORDS, MAX_WORDS = 6, 60


# --------------------------------------------------------------------------------------------------
# What clients said after each kind of therapist turn
# --------------------------------------------------------------------------------------------------


@kept_on_disk(("annomi", "AnnoMI-simple.csv"), ("annomi", "AnnoMI-full.csv"))
def _helper_turn_table() -> pd.DataFrame:
    utterances = data.load_annomi_utterances("simple")
    ordered = utterances.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)
    by_session = ordered.groupby("transcript_id", sort=False, observed=True)
    previous_who = by_session["interlocutor"].shift(1).astype(object)
    previous_id = by_session["utterance_id"].shift(1)
    previous_behaviour = by_session["main_therapist_behaviour"].shift(1).astype(object)
    client_talk = ordered["client_talk_type"].astype(object).where(ordered["interlocutor"] == "client")
    last_client = client_talk.groupby(ordered["transcript_id"]).ffill()
    # the talk type of the client's last turn before the therapist turn (carried forward to the therapist's row)
    context = last_client.groupby(ordered["transcript_id"]).shift(1).fillna("none")
    keep = (ordered["interlocutor"] == "client") & (previous_who == "therapist")
    table = pd.DataFrame(
        {
            "transcript_id": ordered["transcript_id"].astype(int),
            "utterance_id": ordered["utterance_id"].astype(int),
            "previous_utterance_id": previous_id,
            "mi_quality": ordered["mi_quality"].astype(str),
            "topic": ordered["topic"].astype(str),
            "client_talk_type": client_talk,
            "previous_behaviour": previous_behaviour,
            "context": context,
        }
    )[keep.to_numpy()].reset_index(drop=True)
    table["previous_utterance_id"] = table["previous_utterance_id"].astype(int)
    flags = adherence.adherence_table()[["transcript_id", "utterance_id", "flag"]]
    flags = flags.rename(columns={"utterance_id": "previous_utterance_id"})
    table = table.merge(flags, on=["transcript_id", "previous_utterance_id"], how="left")
    table["flag"] = table["flag"].fillna("").astype(str)
    table["helper_kind"] = table["previous_behaviour"].where(table["flag"] == "", "non_adherent")
    table = table[table["client_talk_type"].notna() & table["helper_kind"].notna()]
    return table.reset_index(drop=True)


def helper_turn_table() -> pd.DataFrame:
    """Every AnnoMI client turn that directly follows a therapist turn, with that turn's kind.

    Returns
    -------
    pandas.DataFrame
        One row per client turn (about 4,800): ``transcript_id``, ``utterance_id``, ``previous_utterance_id``
        (the therapist turn just before), ``mi_quality``, ``topic``, ``client_talk_type``, ``previous_behaviour``
        (the experts' code of the therapist turn), ``flag`` (its :func:`helpcourse.adherence.flag_reply` kind from
        :func:`helpcourse.adherence.adherence_table`, or empty), ``helper_kind`` (``"non_adherent"`` when flagged,
        else the experts' code) and ``context`` (the talk type of the client's turn before that therapist turn, or
        ``"none"``). Built once per Python session; each call returns a copy.
    """
    return _helper_turn_table()


def _shares(turns: pd.DataFrame) -> tuple[np.ndarray, int]:
    counts = turns["client_talk_type"].value_counts().reindex(list(TALK_TYPES), fill_value=0).to_numpy()
    total = int(counts.sum())
    return (counts / total if total else np.full(len(TALK_TYPES), np.nan)), total


@dataclass(frozen=True)
class TalkModel:
    """The simulation's assumption: how often each talk type followed each kind of helper turn in AnnoMI.

    Attributes
    ----------
    by_kind : pandas.DataFrame
        Indexed by helper kind (:data:`HELPER_KINDS`): shares ``change``, ``neutral``, ``sustain`` (each row sums to
        1), ``n`` (client turns the row rests on) and ``change_share`` (change / (change + sustain)).
    by_context : pandas.DataFrame
        Indexed by (helper kind, previous client talk type): the same columns and ``used`` (True when the cell
        is used in place of the helper kind's row: every helper kind has at least ``min_cell_turns`` client turns
        with that previous talk type) and ``enough_turns`` (this cell alone has that many).
    n_flagged_utterances : int
        AnnoMI therapist utterances that :func:`helpcourse.adherence.flag_reply` flags.
    n_flagged_turns : int
        Client turns that directly follow one of them.
    pooled : bool
        Whether the non-adherent row pools those turns with the client turns after (unflagged) therapist input in
        low-quality sessions, because they were fewer than ``min_cell_turns``.
    n_pooled_turns : int
        Client turns added by pooling (0 when not pooled).
    min_cell_turns : int
        The data rule (:data:`MIN_CELL_TURNS`).
    """

    by_kind: pd.DataFrame
    by_context: pd.DataFrame
    n_flagged_utterances: int
    n_flagged_turns: int
    pooled: bool
    n_pooled_turns: int
    min_cell_turns: int = MIN_CELL_TURNS

    def probabilities(self, kind: str, previous_talk: str | None = None) -> tuple[np.ndarray, str]:
        """The chances of change, neutral and sustain talk after a helper turn of ``kind``.

        Parameters
        ----------
        kind
            One of :data:`HELPER_KINDS`.
        previous_talk
            The talk type of the client's previous turn (``None``: not used).

        Returns
        -------
        tuple
            The three probabilities (in the order of :data:`TALK_TYPES`) and which row they come from
            (``"reflection"`` or ``"reflection after sustain talk"``).
        """
        if kind not in HELPER_KINDS:
            raise ValueError(f"unknown helper kind {kind!r}; expected one of {HELPER_KINDS}")
        if previous_talk is not None and (kind, previous_talk) in self.by_context.index:
            row = self.by_context.loc[(kind, previous_talk)]
            if bool(row["used"]):
                return row[list(TALK_TYPES)].to_numpy(dtype=float), f"{kind} after {previous_talk} talk"
        return self.by_kind.loc[kind, list(TALK_TYPES)].to_numpy(dtype=float), kind

    def assumption_text(self) -> str:
        """The assumption in plain words, for students: each row's shares, how many turns, and the caveat."""
        lines = [
            "The simulated client's assumption (from every AnnoMI demonstration session, role-plays): after each "
            "kind of helper turn, how often the client's next turn was change, neutral or sustain talk.",
        ]
        for kind in HELPER_KINDS:
            row = self.by_kind.loc[kind]
            lines.append(
                f"- after {HELPER_KIND_NAMES[kind]}: change {100 * row['change']:.0f}%, neutral "
                f"{100 * row['neutral']:.0f}%, sustain {100 * row['sustain']:.0f}% ({int(row['n']):,} client turns; "
                f"change talk {100 * row['change_share']:.0f}% of change + sustain)"
            )
        pooled = (
            f" They are followed by {self.n_flagged_turns} client turns, fewer than {self.min_cell_turns}, so they "
            f"are pooled with the {self.n_pooled_turns} client turns after therapist input in low-quality sessions: "
            f"{self.n_pooled_turns} of the {int(self.by_kind.loc['non_adherent', 'n']):,} client turns behind the "
            "non-adherent row follow unflagged therapist input in the low-quality demonstrations, which were "
            "role-played to show poor MI, the client's answers included."
            if self.pooled
            else ""
        )
        used = sorted({context for (_kind, context), row in self.by_context.iterrows() if row["used"]})
        context = (
            f"the draw also uses the client's previous talk type after {', '.join(used)} talk."
            if used
            else "the client's previous talk type is not used: with it, some cells would rest on too few turns."
        )
        lines.append(
            f"Non-adherent: {self.n_flagged_utterances} AnnoMI therapist utterances are flagged by the course's "
            f"rules.{pooled} A figure is used only when it rests on at least {self.min_cell_turns} client turns; "
            f"{context}"
        )
        question = float(self.by_kind.loc["question", "change_share"])
        reflection = float(self.by_kind.loc["reflection", "change_share"])
        if question >= reflection:
            lines.append(
                f"After questions the client's change talk was {100 * question:.0f}% of change + sustain talk, after "
                f"reflections {100 * reflection:.0f}%: in this simulation a conversation of questions alone does as "
                "well as one of reflections. It does not reward reflecting over asking; the MITI thresholds describe "
                "how MI sounds, not what a reply does to a client."
            )
        else:
            lines.append(
                f"After reflections the client's change talk was {100 * reflection:.0f}% of change + sustain talk, "
                f"after questions {100 * question:.0f}%."
            )
        lines.append(
            "This simulates an association seen in demonstration sessions, not a causal effect: the therapists chose "
            "their replies in response to their clients, so the figures cannot show what a reply does to a client."
        )
        return "\n".join(lines)


def _table_rows(groups: dict, min_cell_turns: int, with_used: bool) -> pd.DataFrame:
    rows = {}
    for key, turns in groups.items():
        shares, n = _shares(turns)
        change_sustain = shares[0] + shares[2]
        row = dict(zip(TALK_TYPES, shares, strict=True))
        row["n"] = n
        row["change_share"] = shares[0] / change_sustain if n and change_sustain > 0 else np.nan
        if with_used:
            row["used"] = n >= min_cell_turns
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index")


@cache
def estimate_talk_model(min_cell_turns: int = MIN_CELL_TURNS) -> TalkModel:
    """Estimate the simulated client's talk frequencies from AnnoMI (see the module's docstring for the rule).

    Parameters
    ----------
    min_cell_turns
        The fewest client turns a cell may rest on.

    Returns
    -------
    TalkModel
        The frequencies by helper kind and by (helper kind, previous client talk type). Cached per session.
    """
    turns = _helper_turn_table()
    flagged_utterances = int((adherence.adherence_table()["flag"] != "").sum())
    flagged = turns[turns["helper_kind"] == "non_adherent"]
    pooled = len(flagged) < min_cell_turns
    extra = turns[(turns["helper_kind"] == "therapist_input") & (turns["mi_quality"] == "low")]
    non_adherent = pd.concat([flagged, extra]) if pooled else flagged
    members = {kind: turns[turns["helper_kind"] == kind] for kind in HELPER_KINDS[:-1]}
    members["non_adherent"] = non_adherent
    by_kind = _table_rows(members, min_cell_turns, with_used=False)
    by_kind.index.name = "helper_kind"
    cells = {
        (kind, context): group[group["context"] == context] for kind, group in members.items() for context in CONTEXTS
    }
    by_context = _table_rows(cells, min_cell_turns, with_used=True)
    by_context.index = pd.MultiIndex.from_tuples(list(cells), names=["helper_kind", "context"])
    # a previous talk type is used only when every helper kind has enough turns with it: otherwise one kind would be
    # drawn with the context and another without, and the comparison between kinds would be biased
    enough = by_context["used"].groupby(level="context").transform("all")
    by_context["enough_turns"] = by_context["used"]
    by_context["used"] = enough.astype(bool)
    return TalkModel(
        by_kind=by_kind,
        by_context=by_context,
        n_flagged_utterances=flagged_utterances,
        n_flagged_turns=int(len(flagged)),
        pooled=pooled,
        n_pooled_turns=int(len(extra)) if pooled else 0,
        min_cell_turns=min_cell_turns,
    )


# --------------------------------------------------------------------------------------------------
# The utterances a simulated client says
# --------------------------------------------------------------------------------------------------


@kept_on_disk(("annomi", "AnnoMI-simple.csv"))
def _all_client_utterances() -> pd.DataFrame:
    statements = reply_coder.practice_statements(min_words=MIN_WORDS, max_words=MAX_WORDS)
    statements = statements[statements["mi_quality"].astype(str) == "high"]
    labels = data.load_annomi_utterances("simple")[["transcript_id", "utterance_id", "client_talk_type"]]
    merged = statements.merge(labels, on=["transcript_id", "utterance_id"], how="inner")
    merged = merged[merged["client_talk_type"].notna()]
    out = pd.DataFrame(
        {
            "transcript_id": merged["transcript_id"].astype(int),
            "utterance_id": merged["utterance_id"].astype(int),
            "topic": merged["topic"].astype(str),
            "talk_type": merged["client_talk_type"].astype(str),
            "text": merged["client"].astype(str),
        }
    )
    return out.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)


def client_utterances(topic: str) -> pd.DataFrame:
    """The client utterances a simulated client on ``topic`` can say.

    Parameters
    ----------
    topic
        An AnnoMI topic (exactly as in the data, e.g. ``"smoking cessation"``).

    Returns
    -------
    pandas.DataFrame
        ``transcript_id``, ``utterance_id``, ``topic``, ``talk_type`` (change, neutral, sustain) and ``text``: whole
        client turns of high-quality sessions on that topic, :data:`MIN_WORDS`-:data:`MAX_WORDS` words, with the
        risk exclusions of :func:`helpcourse.coder.practice_statements`.
    """
    table = _all_client_utterances()
    return table[table["topic"] == topic].reset_index(drop=True)


def topic_options() -> list[str]:
    """The topics offered: at least :data:`MIN_TOPIC_UTTERANCES` usable utterances of every talk type.

    Returns
    -------
    list of str
        Topics, the one with the most usable utterances first.
    """
    table = _all_client_utterances()
    counts = pd.crosstab(table["topic"], table["talk_type"]).reindex(columns=list(TALK_TYPES), fill_value=0)
    enough = counts[(counts >= MIN_TOPIC_UTTERANCES).all(axis=1)]
    order = enough.sum(axis=1).sort_values(ascending=False, kind="stable")
    return [str(topic) for topic in order.index]


# --------------------------------------------------------------------------------------------------
# The simulated client
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientTurn:
    """One turn of the simulated client.

    Attributes
    ----------
    text : str
        What the client says (an utterance, word for word, of the client in an AnnoMI demonstration session, a
        role-play).
    talk_type : str
        change, neutral or sustain (AnnoMI's expert label of that utterance).
    transcript_id, utterance_id : int
        Where the utterance is in AnnoMI.
    helper_kind : str or None
        The kind of helper turn it answers (None for the opening).
    probabilities : tuple of float
        The chances of change, neutral and sustain talk it was drawn with (the opening: neutral for sure).
    source : str
        Which row of the :class:`TalkModel` gave them ("opening" for the opening).
    """

    text: str
    talk_type: str
    transcript_id: int
    utterance_id: int
    helper_kind: str | None
    probabilities: tuple[float, float, float]
    source: str


@dataclass
class SimulatedClient:
    """A client on one topic who answers each helper turn with an AnnoMI utterance of a drawn talk type.

    Parameters
    ----------
    topic
        One of :func:`topic_options`.
    seed
        Seed of every draw (talk types and utterances): the same seed and the same helper kinds give the same
        conversation.
    context
        Whether to use the client's previous talk type where the data support it (:class:`TalkModel`).
    model
        The frequencies (default: :func:`estimate_talk_model`).
    """

    topic: str
    seed: int = 0
    context: bool = True
    model: TalkModel | None = None
    turns: list[ClientTurn] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = estimate_talk_model()
        self.pool = client_utterances(self.topic)
        if self.pool.empty:
            raise ValueError(f"no usable client utterances for topic {self.topic!r}; choose one of {topic_options()}")
        self._rng = np.random.default_rng(self.seed)
        self._last_used: dict[int, int] = {}

    def _pick(self, talk_type: str) -> pd.Series:
        candidates = self.pool.index[self.pool["talk_type"] == talk_type]
        if len(candidates) == 0:  # cannot happen for a topic of topic_options()
            candidates = self.pool.index
        unused = [i for i in candidates if i not in self._last_used]
        if unused:
            chosen = unused[int(self._rng.integers(len(unused)))]
        else:  # every utterance of this type used already: the least recently used one
            chosen = min(candidates, key=lambda i: self._last_used[i])
        self._last_used[chosen] = len(self.turns)
        return self.pool.loc[chosen]

    def _turn(self, row: pd.Series, kind: str | None, probabilities: np.ndarray, source: str) -> ClientTurn:
        turn = ClientTurn(
            text=str(row["text"]),
            talk_type=str(row["talk_type"]),
            transcript_id=int(row["transcript_id"]),
            utterance_id=int(row["utterance_id"]),
            helper_kind=kind,
            probabilities=tuple(float(p) for p in probabilities),
            source=source,
        )
        self.turns.append(turn)
        return turn

    def opening(self) -> ClientTurn:
        """The client's first turn: a neutral-talk utterance on the topic."""
        return self._turn(self._pick("neutral"), None, np.array([0.0, 1.0, 0.0]), "opening")

    def respond(self, helper_kind: str) -> ClientTurn:
        """The client's answer to a helper turn of ``helper_kind`` (one of :data:`HELPER_KINDS`)."""
        previous = self.turns[-1].talk_type if (self.context and self.turns) else None
        if self.context and not self.turns:
            previous = "none"
        probabilities, source = self.model.probabilities(helper_kind, previous)
        talk_type = TALK_TYPES[int(self._rng.choice(len(TALK_TYPES), p=probabilities))]
        return self._turn(self._pick(talk_type), helper_kind, probabilities, source)
