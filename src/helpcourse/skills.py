"""Helping skills: a practice in naming what a helper's reply does, and reflections in demonstration sessions.

Two parts:

* **Practice** (module 03). A bank of short client statements, each with one helper reply, written for the
  course. The student names the skill the reply uses: an open question, a restatement, a reflection of
  feeling, advice or a confrontation. The answer is always the skill, never the stage of Hill's model it is
  taught in, and no skill is given a name from Hill's lists: the evidence row of those lists
  (``hill_skill_categories``) is not fully verified, so the course treats them as a teaching convention. The
  surface of a reply (a question mark, "you feel", "so", "it sounds like", "but") does not give its skill away:
  each such cue appears in replies of more than one skill. :class:`PracticeSession` holds the logic (order,
  instant feedback, a running score counted on first tries); the widget around it is
  :func:`helpcourse.demos.relationship.skills_practice`;
  the practice is never graded.
* **Reflections in AnnoMI** (real data from demonstration role-plays). How many of a helper's reflections are
  *simple* (staying close to what the client said) or *complex* (adding meaning or feeling), per transcript,
  against the MITI 4 benchmarks for the share of complex reflections.

References
----------
Hill, C. E. (2014). *Helping skills: Facilitating exploration, insight, and action* (4th ed.). American
Psychological Association.
Moyers, T. B., Manuel, J. K., & Ernst, D. (2014/2015). *Motivational Interviewing Treatment Integrity Coding
Manual 4.2.1*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpcourse import miti, practice_bank

__all__ = [
    "ITEMS",
    "REFLECTION_EXAMPLES",
    "SKILLS",
    "Item",
    "PracticeSession",
    "Skill",
    "SkillFeedback",
    "complex_share_by_annotator",
    "feedback_for_skill",
    "format_reflection_examples",
    "miti_complex_thresholds",
    "one_annotator_per_transcript",
    "practice_order",
    "reflection_examples",
    "reflections_by_quality",
    "reflections_by_transcript",
    "score_text",
]


# --------------------------------------------------------------------------------------------------
# The skills and the practice bank
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skill:
    """One helping skill: a code, the label on its button and what a reply of that kind does."""

    code: str
    label: str
    definition: str


SKILLS: dict[str, Skill] = {
    skill.code: skill
    for skill in (
        Skill(
            "open_question",
            "Open question",
            "asks or invites the client to say more, in their own words (\"How...?\", \"Tell me about...\"); it "
            "cannot be answered with yes, no or a single fact",
        ),
        Skill(
            "restatement",
            "Restatement",
            "repeats or paraphrases the content of what the client said, usually shorter, without naming a feeling",
        ),
        Skill(
            "reflection_of_feeling",
            "Reflection of feeling",
            "repeats or rephrases what the client said and names the feeling in it, spoken or implied",
        ),
        Skill(
            "advice",
            "Advice",
            "tells the client what to do, or suggests it, however softly it is put",
        ),
        Skill(
            "confrontation",
            "Confrontation",
            "points out a contradiction, or pushes the client to face something the helper thinks they avoid "
            "(some skills courses call this a challenge)",
        ),
    )
}


@dataclass(frozen=True)
class Item:
    """One practice item: what the client says, the helper's reply, the skill it uses and why."""

    item_id: str
    client: str
    helper: str
    skill: str
    why: str


ITEMS: tuple[Item, ...] = (
    Item(
        "care_home_guilt",
        "Since my mum moved into the care home I haven't slept properly. I keep thinking I let her down.",
        "You feel guilty, as if moving her there meant failing her.",
        "reflection_of_feeling",
        "It names the feeling, guilt, that sits under \"I let her down\", and says back the meaning.",
    ),
    Item(
        "eviction_days",
        "My landlord says we have to be out by the end of the month, and I've got nothing lined up.",
        "You say you have to be out by the end of the month, with nothing lined up yet.",
        "restatement",
        "It gives back the facts the client said and names no feeling. \"You say\" does not make it a "
        "confrontation: nothing is set against anything else the client said or did.",
    ),
    Item(
        "temper_at_work",
        "I've lost my temper at work twice this week, and my manager has noticed.",
        "What was going on for you just before you lost your temper?",
        "open_question",
        "It invites the client to explore the moments before; it cannot be answered with yes or no.",
    ),
    Item(
        "weekend_drinking",
        "I drink a bit more at weekends, but it's not a problem. I can stop whenever I want.",
        "You say you can stop whenever you want, but last week you told me you tried for a month and couldn't.",
        "confrontation",
        "It sets two things the client said against each other: pointing out a contradiction is a confrontation. "
        "Used against someone who is playing down their drinking, a past failure like this tends to draw "
        "sustain talk (arguing back, defending the drinking); motivational interviewing would use a "
        "double-sided reflection instead (\"Drinking at weekends doesn't feel like a problem to you, and when "
        "you tried to stop for a month it was harder than you expected.\").",
    ),
    Item(
        "school_meetings",
        "I can't face the kids' school meetings. All the other parents seem to have it together.",
        "Next time, take a friend with you so you're not on your own.",
        "advice",
        "It tells the client what to do next time; it does not explore what facing the meetings is like.",
    ),
    Item(
        "homework_shouting",
        "I just can't get my son to do his homework. Every evening ends in shouting.",
        "Tell me about a typical evening at home, from when he gets back from school.",
        "open_question",
        "It has no question mark, but it invites the client to describe an evening in their own words: an open "
        "question put as a request. Safety note: if anything suggests the child is hurt or afraid, ask directly, "
        "follow your agency's risk and safeguarding procedures and take it to supervision. This open question is "
        "a good way to find out what the shouting involves.",
    ),
    Item(
        "partner_checks_phone",
        "My partner checks my phone every night and gets angry if I talk to my friends.",
        "It sounds frightening to live with that, and lonely too.",
        "reflection_of_feeling",
        "It names feelings the client implies but has not said: fear and loneliness. Safety note: checking a "
        "partner's phone and cutting them off from friends can be coercive control. In real work, ask directly "
        "and in private whether they (and any children) are safe, follow your agency's risk and safeguarding "
        "procedures, and take it to supervision.",
    ),
    Item(
        "im_fine",
        "I'm fine. Honestly. Everyone keeps asking, but I'm fine.",
        "You keep telling me you're fine, and you've cried twice since we sat down.",
        "confrontation",
        "It sets what the client says against what the helper sees: a contradiction pointed out, even without "
        "a \"but\".",
    ),
    Item(
        "missed_appointments",
        "I know I should come to the appointments, but they never help anyway.",
        "You feel the appointments haven't helped you so far.",
        "restatement",
        "\"You feel\" here comes before a thought (the appointments don't help), not a feeling, so the reply "
        "gives back the content. Naming a feeling, such as discouragement, would make it a reflection of feeling.",
    ),
    Item(
        "smoking_when_stressed",
        "I want to stop smoking, but I buy a packet whenever things get stressful.",
        "Why don't you throw out your lighters and tell your friends you've quit?",
        "advice",
        "It ends with a question mark, but it tells the client what to do: a suggestion put as a question is "
        "advice, not an open question.",
    ),
    Item(
        "brother_silent",
        "We used to talk every day, my brother and I. Now he won't even answer my messages.",
        "So you miss him, and it hurts that he's gone quiet.",
        "reflection_of_feeling",
        "It names the feelings the client's words imply, missing him and hurt; starting with \"So\" does not "
        "make it a restatement.",
    ),
    Item(
        "daughter_drives",
        "Since the accident I don't drive any more. My daughter takes me everywhere.",
        "How has that changed things between you and your daughter?",
        "open_question",
        "It opens a new area, the relationship, and leaves the client free to answer in their own way.",
    ),
    Item(
        "back_into_work",
        "I'd like to get back into work, but I don't know where to start.",
        "It might help to book an appointment with a work coach this week.",
        "advice",
        "\"It might help\" softens it, but it still tells the client which step to take and when: advice.",
    ),
    Item(
        "fourth_move",
        "I've moved house four times in two years, and every time something goes wrong with the neighbours.",
        "It sounds like every move has ended in trouble with the neighbours.",
        "restatement",
        "\"It sounds like\" is only an opener: the reply gives back the content, the moves and the trouble, and "
        "names no feeling.",
    ),
    Item(
        "breathing_exercises",
        "I'll do the breathing exercises next week. This week was just too busy.",
        "That's what you said last week. If you really wanted to feel better, you'd make the time.",
        "confrontation",
        "It tells the client they are avoiding something: a blunt confrontation that leaves little room to "
        "reply. The word \"feel\" names no feeling of the client's here.",
    ),
    Item(
        "exams_monday",
        "My exams start on Monday and I haven't even opened half my notes.",
        "You'd like to do well, but right now you're close to panic.",
        "reflection_of_feeling",
        "It names the feeling, panic, that the client's words imply; the \"but\" sets two of the client's own "
        "wishes and feelings side by side, it does not argue with the client.",
    ),
    Item(
        "foggy_mornings",
        "The doctor changed my tablets and now I feel foggy all morning.",
        "What have your mornings been like since the change?",
        "open_question",
        "It asks the client to describe the mornings in their own words; no yes, no or single fact answers it.",
    ),
    Item(
        "interviews_no_reply",
        "I've been to three job interviews this month and haven't heard back from any of them.",
        "So you've had three interviews and no replies yet.",
        "restatement",
        "It gives back the facts the client said, in fewer words, and names no feeling.",
    ),
    Item(
        "back_at_gym",
        "I've started going to the gym again. Twice this week already.",
        "Keep it to three times a week so you don't burn out.",
        "advice",
        "It tells the client what to do, before the helper has heard how the change came about.",
    ),
    Item(
        "drink_when_upset",
        "I don't have a drinking problem. I only drink when I'm upset, which is most days at the moment.",
        "You say there's no problem, and yet you're drinking most days when you're upset; those two don't quite "
        "fit together.",
        "confrontation",
        "It sets two of the client's statements against each other and says they do not fit: a gentle "
        "confrontation of a contradiction. Said tentatively, it invites the client to look at it rather than "
        "telling them what to conclude.",
    ),
)


# --------------------------------------------------------------------------------------------------
# Practice logic: feedback, order, score
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillFeedback:
    """The verdict on one classification: whether it is right, the message, and the right skill's code."""

    correct: bool
    message: str
    answer: str


def _noun(label: str) -> str:
    """A skill's label as a noun phrase: "an open question", "a restatement", "advice"."""
    text = label.lower()
    if text == "advice":
        return text
    return f"{'an' if text[0] in 'aeiou' else 'a'} {text}"


def feedback_for_skill(item: Item, chosen: str | None) -> SkillFeedback:
    """Instant feedback on one attempt: right or not, what the chosen skill would do, and why the reply is what it is.

    Parameters
    ----------
    item
        The practice item.
    chosen
        Code of the chosen skill (a key of :data:`SKILLS`), or None when nothing was chosen.

    Returns
    -------
    SkillFeedback
        For a right choice, "Right: this is a <skill>. <why>"; for a wrong one, "Not quite.", what the chosen
        skill does, then "This reply is a <skill>. <why>".

    Raises
    ------
    ValueError
        If ``chosen`` is not a skill of :data:`SKILLS`.
    """
    right = SKILLS[item.skill]
    if chosen is None:
        return SkillFeedback(False, "Choose one of the five skills first.", item.skill)
    if chosen not in SKILLS:
        raise ValueError(f"chosen must be one of {', '.join(SKILLS)}; got {chosen!r}.")
    if chosen == item.skill:
        return SkillFeedback(True, f"Right: this is {_noun(right.label)}. {item.why}", item.skill)
    picked = _noun(SKILLS[chosen].label)
    message = (
        f"Not quite. {picked[0].upper()}{picked[1:]} {SKILLS[chosen].definition}. "
        f"This reply is {_noun(right.label)}. {item.why}"
    )
    return SkillFeedback(False, message, item.skill)


def practice_order(n_items: int, seed: int | None) -> list[int]:
    """The order in which items are shown: as written when ``seed`` is None, else a seeded shuffle."""
    return practice_bank.practice_order(n_items, seed)


def score_text(correct: int, answered: int, total: int) -> str:
    """The running score as the student reads it (first tries count)."""
    return practice_bank.score_text(correct, answered, total, PracticeSession.task, PracticeSession.done)


class PracticeSession(practice_bank.PracticeRun[Item]):
    """The state of one run through the practice bank, without any widget.

    The first answer to an item counts for the score; later attempts at the same item still get feedback.

    Parameters
    ----------
    items
        The items to practise (the course's :data:`ITEMS` by default).
    seed
        Seed of the order (None keeps the written order).
    """

    task = "replies to classify"
    done = "replies classified"

    def __init__(self, items: Sequence[Item] = ITEMS, seed: int | None = 3) -> None:
        super().__init__(items, practice_order(len(items), seed) if items else [])
        self.seed = seed

    def answer(self, chosen: str) -> SkillFeedback:
        """Classify the current item; the first try is recorded in the score."""
        feedback = feedback_for_skill(self.current, chosen)
        self.record(feedback.correct)
        return feedback


# --------------------------------------------------------------------------------------------------
# Reflections in AnnoMI's demonstration sessions
# --------------------------------------------------------------------------------------------------

#: Clear examples of each kind of reflection in AnnoMI, chosen for the module: (transcript_id, utterance_id)
#: of a therapist reflection that directly follows a client utterance, in high-quality sessions coded by one
#: annotator. They are shown without a note on risk, so none comes from a session that the course marks as touching
#: on risk (:data:`helpcourse.talk.RISK_TRANSCRIPTS`).
REFLECTION_EXAMPLES: dict[str, tuple[tuple[int, int], ...]] = {
    "simple": ((101, 28), (91, 22), (86, 25)),
    "complex": ((38, 14), (71, 116), (6, 32)),
}


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in getattr(df, "columns", ())]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}; load it with "
                         f"data.load_annomi_utterances(\"full\").")


def one_annotator_per_transcript(utterances: pd.DataFrame, shared_annotator: int = 0) -> pd.DataFrame:
    """Keep one annotator's coding of every transcript.

    AnnoMI's full file repeats the transcripts that several annotators coded (7 transcripts, coded by all 10),
    once per annotator. Counting every copy would weigh those sessions ten times. This keeps, for those
    transcripts, only the rows of ``shared_annotator``; every other transcript has a single annotator anyway.

    Parameters
    ----------
    utterances
        ``data.load_annomi_utterances("full")``.
    shared_annotator
        The annotator kept where several coded a transcript (0, the lowest id, by default).

    Returns
    -------
    pandas.DataFrame
        The same columns, one row per utterance, sorted by transcript and utterance.

    Raises
    ------
    ValueError
        If a transcript coded by several annotators was not coded by ``shared_annotator``.
    """
    _require(utterances, ("transcript_id", "utterance_id", "annotator_id"), "one_annotator_per_transcript")
    n_coders = utterances.groupby("transcript_id")["annotator_id"].transform("nunique")
    shared = n_coders > 1
    missing = set(utterances.loc[shared, "transcript_id"]) - set(
        utterances.loc[shared & (utterances["annotator_id"] == shared_annotator), "transcript_id"]
    )
    if missing:
        raise ValueError(f"Annotator {shared_annotator} did not code transcript(s) {sorted(missing)}.")
    kept = utterances[~shared | (utterances["annotator_id"] == shared_annotator)]
    return kept.sort_values(["transcript_id", "utterance_id"], kind="stable").reset_index(drop=True)


def _check_single_coding(utterances: pd.DataFrame) -> None:
    if utterances.duplicated(["transcript_id", "utterance_id"]).any():
        raise ValueError("Some utterances appear more than once (one per annotator): keep one annotator per "
                         "transcript first, with skills.one_annotator_per_transcript(utterances).")


def reflections_by_transcript(utterances: pd.DataFrame) -> pd.DataFrame:
    """Simple and complex reflections in each transcript, and the share that is complex.

    A therapist utterance counts as a reflection when its annotator coded a reflection in it
    (``reflection_subtype`` is ``simple`` or ``complex``), whatever its main behaviour. The share of complex
    reflections is complex / (simple + complex), the MITI 4 "% complex reflections".

    Parameters
    ----------
    utterances
        AnnoMI's full utterances with one annotator per transcript (:func:`one_annotator_per_transcript`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id``, with columns ``mi_quality``, ``topic``, ``n_therapist`` (therapist
        utterances), ``n_simple``, ``n_complex``, ``n_reflections``, ``reflecting_turns`` (the share of the
        therapist's utterances that hold a reflection) and ``complex_share`` (NaN when the transcript has no
        reflection).
    """
    _require(utterances, ("transcript_id", "utterance_id", "mi_quality", "topic", "interlocutor",
                          "reflection_subtype"), "reflections_by_transcript")
    _check_single_coding(utterances)
    therapist = utterances[utterances["interlocutor"] == "therapist"]
    subtype = therapist["reflection_subtype"].astype("string")
    counts = pd.DataFrame({
        "transcript_id": therapist["transcript_id"],
        "n_simple": (subtype == "simple").fillna(False).astype("int64"),
        "n_complex": (subtype == "complex").fillna(False).astype("int64"),
    }).groupby("transcript_id").sum()
    info = utterances.groupby("transcript_id", observed=True)[["mi_quality", "topic"]].first()
    table = info.join(therapist.groupby("transcript_id").size().rename("n_therapist")).join(counts)
    table[["n_therapist", "n_simple", "n_complex"]] = (
        table[["n_therapist", "n_simple", "n_complex"]].fillna(0).astype("int64")
    )
    table["n_reflections"] = table["n_simple"] + table["n_complex"]
    table["reflecting_turns"] = (table["n_reflections"] / table["n_therapist"]).where(table["n_therapist"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["complex_share"] = (table["n_complex"] / table["n_reflections"]).where(table["n_reflections"] > 0)
    return table.sort_index()


def miti_complex_thresholds() -> dict[str, float]:
    """The MITI 4 benchmarks for the share of complex reflections, read from the evidence table.

    Returns
    -------
    dict
        ``{"fair": 0.4, "good": 0.5}``: the level names and the shares, as proportions.
    """
    threshold = miti.miti_thresholds()["complex_reflection_share"]
    return {"fair": threshold.fair, "good": threshold.good}


def reflections_by_quality(table: pd.DataFrame, thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """High- versus low-quality sessions: how many reflections, how many complex, how many reach the benchmarks.

    Parameters
    ----------
    table
        :func:`reflections_by_transcript`.
    thresholds
        Benchmark name -> share (:func:`miti_complex_thresholds` by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``mi_quality`` (high, low) with columns ``sessions``, ``with_reflections`` (sessions with at
        least one reflection), ``median_reflections`` (per session), ``reflecting_turns`` (all reflections over
        all therapist utterances), ``pooled_complex_share`` (all complex over
        all reflections), ``median_complex_share`` (over sessions with reflections) and, for each benchmark,
        ``reach_<name>``: the share of sessions with reflections whose complex share is at least the benchmark.
    """
    _require(table, ("mi_quality", "n_therapist", "n_complex", "n_reflections", "complex_share"),
             "reflections_by_quality")
    levels = miti_complex_thresholds() if thresholds is None else thresholds
    rows = {}
    for quality, part in table.groupby("mi_quality", observed=True):
        with_ref = part[part["n_reflections"] > 0]
        row = {
            "sessions": len(part),
            "with_reflections": len(with_ref),
            "median_reflections": float(part["n_reflections"].median()),
            "reflecting_turns": float(part["n_reflections"].sum() / part["n_therapist"].sum()),
            "pooled_complex_share": float(part["n_complex"].sum() / part["n_reflections"].sum())
            if part["n_reflections"].sum() else float("nan"),
            "median_complex_share": float(with_ref["complex_share"].median()),
        }
        for name, share in levels.items():
            row[f"reach_{name}"] = float((with_ref["complex_share"] >= share).mean())
        rows[quality] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "mi_quality"
    return out.astype({"sessions": "int64", "with_reflections": "int64"})


def complex_share_by_annotator(utterances: pd.DataFrame) -> pd.DataFrame:
    """For the transcripts that several annotators coded: the share of complex reflections by each annotator.

    Parameters
    ----------
    utterances
        ``data.load_annomi_utterances("full")`` (with every annotator's copy).

    Returns
    -------
    pandas.DataFrame
        One row per shared transcript with ``mi_quality``, ``annotators``, ``lowest`` and ``highest`` complex
        share among its annotators, and ``range`` (highest minus lowest). Annotators who coded no reflection in
        a transcript are left out of its lowest and highest.
    """
    _require(utterances, ("transcript_id", "annotator_id", "mi_quality", "interlocutor", "reflection_subtype"),
             "complex_share_by_annotator")
    n_coders = utterances.groupby("transcript_id")["annotator_id"].transform("nunique")
    shared = utterances[(n_coders > 1) & (utterances["interlocutor"] == "therapist")]
    subtype = shared["reflection_subtype"].astype("string")
    coded = pd.DataFrame({
        "transcript_id": shared["transcript_id"],
        "annotator_id": shared["annotator_id"],
        "complex": (subtype == "complex").fillna(False).astype("int64"),
        "reflection": subtype.notna().astype("int64"),
    }).groupby(["transcript_id", "annotator_id"]).sum()
    coded["share"] = (coded["complex"] / coded["reflection"]).where(coded["reflection"] > 0)
    by_transcript = coded.groupby("transcript_id")["share"]
    out = pd.DataFrame({
        "mi_quality": shared.groupby("transcript_id", observed=True)["mi_quality"].first().astype(str),
        "annotators": coded.groupby("transcript_id").size().astype("int64"),
        "lowest": by_transcript.min(),
        "highest": by_transcript.max(),
    })
    out["range"] = out["highest"] - out["lowest"]
    return out


def reflection_examples(utterances: pd.DataFrame,
                        examples: dict[str, tuple[tuple[int, int], ...]] | None = None) -> pd.DataFrame:
    """The client's words and the helper's reflection that answered them, for chosen utterances.

    Parameters
    ----------
    utterances
        AnnoMI's full utterances with one annotator per transcript.
    examples
        Kind -> (transcript_id, utterance_id) of therapist reflections (:data:`REFLECTION_EXAMPLES` by default).

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (as coded in the data), ``transcript_id``, ``utterance_id``, ``client`` (the utterance
        just before) and ``helper`` (the reflection).

    Raises
    ------
    ValueError
        If an example is not a reflection of the stated kind that follows a client utterance.
    """
    _require(utterances, ("transcript_id", "utterance_id", "interlocutor", "utterance_text", "reflection_subtype"),
             "reflection_examples")
    _check_single_coding(utterances)
    chosen = REFLECTION_EXAMPLES if examples is None else examples
    indexed = utterances.set_index(["transcript_id", "utterance_id"]).sort_index()
    records = []
    for kind, pairs in chosen.items():
        for transcript, utterance in pairs:
            try:
                reply = indexed.loc[(transcript, utterance)]
                before = indexed.loc[(transcript, utterance - 1)]
            except KeyError:
                raise ValueError(
                    f"Transcript {transcript} has no utterances {utterance - 1} and {utterance}."
                ) from None
            if str(reply["reflection_subtype"]) != kind or before["interlocutor"] != "client":
                raise ValueError(f"Utterance {utterance} of transcript {transcript} is not a {kind} reflection "
                                 f"answering a client.")
            records.append({"kind": kind, "transcript_id": transcript, "utterance_id": utterance,
                            "client": before["utterance_text"], "helper": reply["utterance_text"]})
    return pd.DataFrame.from_records(records)


def format_reflection_examples(examples: pd.DataFrame) -> str:
    """The examples as text to print: kind, then the client's words and the helper's reflection."""
    blocks = []
    for row in examples.itertuples(index=False):
        blocks.append(f"{row.kind.upper()} reflection (transcript {row.transcript_id})\n"
                      f"  Client: {row.client}\n  Helper: {row.helper}")
    return "\n\n".join(blocks)
