"""Helper and client talk in AnnoMI: per-session summary scores in the style of the MITI, and what clients say next.

AnnoMI (:func:`helpcourse.data.load_annomi_utterances`) labels every utterance of 133 demonstration sessions of
motivational interviewing: each therapist utterance by its main behaviour (question, reflection, therapist input,
other) and each client utterance by its talk type (change, neutral, sustain). This module turns those labels into
the numbers module 02 discusses:

* :func:`transcript_scores`: one row per session with its counts, reflections per question, the share of
  therapist input, of change talk and of sustain talk and (from the full file) the share of complex reflections;
* :func:`miti_level_counts`: how many sessions reach the MITI 4 "fair" and "good" thresholds (the thresholds,
  :func:`miti_thresholds`, :func:`miti_level` and :func:`reflections_per_question` come from :mod:`helpcourse.miti`
  and are re-exported here);
* :func:`client_turns_after_therapist` and :func:`client_talk_after`: the talk type of each client turn that
  follows a therapist turn, by the therapist's behaviour just before it;
* :func:`behaviour_mix` and :func:`session_timeline`: the mix of therapist behaviours and one session in order;
* :data:`RISK_CONTENT` and :func:`risk_note`: the demonstrations that touch on risk (self-harm, suicide, violence,
  drinking in pregnancy), which the session menu marks and the explorer shows with a note on risk.

AnnoMI labels are not MITI codes: MITI coders count every question and reflection in a 20-minute segment, while
AnnoMI gives each utterance one main behaviour. Applying MITI thresholds to AnnoMI sessions is an approximation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpcourse.miti import MITI_MEASURE_LABELS, MitiThreshold, miti_level, miti_thresholds, reflections_per_question

__all__ = [
    "CLIENT_TALK_LABELS",
    "MEASURE_LABELS",
    "MitiThreshold",
    "RISK_CONTENT",
    "RISK_PRACTICE",
    "RISK_TRANSCRIPTS",
    "THERAPIST_BEHAVIOUR_LABELS",
    "behaviour_counts",
    "behaviour_mix",
    "client_talk_after",
    "client_turns_after_therapist",
    "complex_reflection_shares",
    "miti_level",
    "miti_level_counts",
    "miti_thresholds",
    "quality_medians",
    "reflections_per_question",
    "risk_note",
    "session_label",
    "session_options",
    "session_timeline",
    "talk_type_counts",
    "transcript_scores",
]

#: Therapist behaviours of AnnoMI, in display order, with the labels students read.
THERAPIST_BEHAVIOUR_LABELS: dict[str, str] = {
    "reflection": "Reflection",
    "question": "Question",
    "therapist_input": "Therapist input (information, advice)",
    "other": "Other (greeting, agreeing, ...)",
}

#: Client talk types of AnnoMI, in display order, with the labels students read.
CLIENT_TALK_LABELS: dict[str, str] = {
    "change": "Change talk",
    "neutral": "Neutral talk",
    "sustain": "Sustain talk",
}

#: The per-session measures of :func:`transcript_scores`, with the labels students read.
MEASURE_LABELS: dict[str, str] = {
    **MITI_MEASURE_LABELS,
    "therapist_input_share": "Therapist input (share of therapist turns)",
    "change_talk_share": "Change talk (share of client turns)",
    "sustain_talk_share": "Sustain talk (share of client turns)",
}

#: Demonstration sessions that touch on risk, with what each touches on (read from their transcripts). AnnoMI's
#: quality label rates the MI style of a demonstration, not how it handles risk: the session menu marks these
#: sessions and :func:`risk_note` gives the note the explorer shows with them.
RISK_CONTENT: dict[int, str] = {
    95: "self-harm and suicidal thoughts",
    107: "self-harm and suicidal thoughts",
    111: "suicide, mentioned briefly",
    37: "violence towards a partner",
    34: "drinking in pregnancy",
    96: "drinking in pregnancy",
}

#: The ids of the sessions in :data:`RISK_CONTENT`, for material shown without the note on risk (the practice
#: widgets of :mod:`helpcourse.coder` and the reflection examples of :mod:`helpcourse.skills` leave them out).
RISK_TRANSCRIPTS: frozenset[int] = frozenset(RISK_CONTENT)

#: What real practice requires wherever risk comes up.
RISK_PRACTICE = ("In real cases, risk is asked about directly, the agency's risk and safeguarding procedures are "
                 "followed, and the case is taken to supervision.")

_SORT = ["transcript_id", "utterance_id"]


# --------------------------------------------------------------------------------------------------
# Per-session counts and scores
# --------------------------------------------------------------------------------------------------


def _counts(utterances: pd.DataFrame, speaker: str, column: str, categories: Iterable[str]) -> pd.DataFrame:
    ids = pd.Index(sorted(utterances["transcript_id"].unique()), name="transcript_id")
    rows = utterances[utterances["interlocutor"] == speaker]
    table = pd.crosstab(rows["transcript_id"], rows[column].astype(object))
    table = table.reindex(index=ids, columns=list(categories), fill_value=0).astype("int64")
    table.columns.name = None
    return table


def behaviour_counts(utterances: pd.DataFrame) -> pd.DataFrame:
    """How many therapist utterances of each main behaviour each session has.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file), with ``transcript_id``, ``interlocutor`` and
        ``main_therapist_behaviour``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id`` (every session in ``utterances``), with integer columns ``reflection``,
        ``question``, ``therapist_input`` and ``other`` (0 where a session has none).
    """
    return _counts(utterances, "therapist", "main_therapist_behaviour", THERAPIST_BEHAVIOUR_LABELS)


def talk_type_counts(utterances: pd.DataFrame) -> pd.DataFrame:
    """How many client utterances of each talk type each session has.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file), with ``transcript_id``, ``interlocutor`` and ``client_talk_type``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id``, with integer columns ``change``, ``neutral`` and ``sustain``.
    """
    return _counts(utterances, "client", "client_talk_type", CLIENT_TALK_LABELS)


def complex_reflection_shares(full_utterances: pd.DataFrame) -> pd.Series:
    """Share of a session's reflections that annotators coded as complex (MITI's %CR).

    Parameters
    ----------
    full_utterances : pandas.DataFrame
        AnnoMI's full file (``data.load_annomi_utterances("full")``), with ``main_therapist_behaviour`` and
        ``reflection_subtype``. Sessions coded by several annotators pool all their codes.

    Returns
    -------
    pandas.Series
        Indexed by ``transcript_id`` (every session in the file): complex reflections / (simple + complex)
        among utterances whose main behaviour is a reflection; NaN for a session without reflections.
    """
    ids = pd.Index(sorted(full_utterances["transcript_id"].unique()), name="transcript_id")
    reflections = full_utterances[full_utterances["main_therapist_behaviour"] == "reflection"]
    subtype = reflections["reflection_subtype"].astype(object)
    coded = reflections.assign(complex=subtype == "complex", coded=subtype.notna())
    grouped = coded.groupby("transcript_id")[["complex", "coded"]].sum().reindex(ids, fill_value=0)
    share = grouped["complex"] / grouped["coded"].where(grouped["coded"] > 0)
    return share.astype("float64").rename("complex_reflection_share")


def transcript_scores(utterances: pd.DataFrame, full_utterances: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per session: who said what, and the summary scores module 02 discusses.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances, the simple file (``data.load_annomi_utterances()``).
    full_utterances : pandas.DataFrame, optional
        AnnoMI's full file; when given, adds ``complex_reflection_share``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id``, with columns ``mi_quality``, ``topic``, ``n_utterances``, ``n_therapist``,
        ``n_client``; counts ``reflection``, ``question``, ``therapist_input``, ``other``, ``change``,
        ``neutral``, ``sustain``; and the scores

        - ``reflections_per_question``: reflections / questions (``inf`` with no questions, NaN with neither);
        - ``therapist_input_share``: therapist input / all therapist utterances;
        - ``change_talk_share``, ``sustain_talk_share``: change or sustain talk / all client utterances;
        - ``complex_reflection_share`` (with ``full_utterances``): see :func:`complex_reflection_shares`.
    """
    grouped = utterances.groupby("transcript_id", sort=True, observed=True)
    table = grouped[["mi_quality", "topic"]].first()
    table["n_utterances"] = grouped.size().astype("int64")
    behaviours = behaviour_counts(utterances)
    talk = talk_type_counts(utterances)
    table["n_therapist"] = behaviours.sum(axis=1)
    table["n_client"] = talk.sum(axis=1)
    table = table.join(behaviours).join(talk)
    table["reflections_per_question"] = [
        reflections_per_question(r, q) for r, q in zip(table["reflection"], table["question"], strict=True)
    ]
    table["therapist_input_share"] = table["therapist_input"] / table["n_therapist"].where(table["n_therapist"] > 0)
    clients = table["n_client"].where(table["n_client"] > 0)
    table["change_talk_share"] = table["change"] / clients
    table["sustain_talk_share"] = table["sustain"] / clients
    if full_utterances is not None:
        table["complex_reflection_share"] = complex_reflection_shares(full_utterances).reindex(table.index)
    return table.astype({"mi_quality": utterances["mi_quality"].dtype, "topic": utterances["topic"].dtype})


def quality_medians(scores: pd.DataFrame, measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Median of each per-session measure in high- and in low-quality sessions.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`transcript_scores`.
    measures : iterable of str, optional
        Columns to summarise; by default every measure of :data:`MEASURE_LABELS` present in ``scores``.

    Returns
    -------
    pandas.DataFrame
        One row per measure (indexed by its column name), columns ``high`` and ``low`` (medians over the
        sessions where the measure is defined; ``inf`` counts as a very large value) and ``n_high``, ``n_low``
        (how many sessions entered each median).
    """
    measures = [m for m in (measures or MEASURE_LABELS) if m in scores.columns]
    rows = {}
    for measure in measures:
        row = {}
        for quality in ("high", "low"):
            values = scores.loc[scores["mi_quality"] == quality, measure].dropna()
            row[quality] = float(np.median(values)) if len(values) else math.nan
            row[f"n_{quality}"] = int(len(values))
        rows[measure] = row
    return pd.DataFrame.from_dict(rows, orient="index")[["high", "low", "n_high", "n_low"]]


def miti_level_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """How many sessions of each quality reach each MITI level, for every MITI measure in ``scores``.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`transcript_scores`.

    Returns
    -------
    pandas.DataFrame
        Index (measure, quality), columns ``good``, ``fair``, ``below fair``, ``not assessable`` (counts of
        sessions).
    """
    levels = ["good", "fair", "below fair", "not assessable"]
    rows = {}
    for measure, threshold in miti_thresholds().items():
        if measure not in scores.columns:
            continue
        for quality in ("high", "low"):
            values = scores.loc[scores["mi_quality"] == quality, measure]
            found = pd.Series([miti_level(v, threshold) for v in values], dtype=object).value_counts()
            rows[(measure, quality)] = [int(found.get(level, 0)) for level in levels]
    index = pd.MultiIndex.from_tuples(list(rows), names=["measure", "quality"])
    return pd.DataFrame(list(rows.values()), index=index, columns=levels)


# --------------------------------------------------------------------------------------------------
# Behaviour mix, sessions in order, what clients say next
# --------------------------------------------------------------------------------------------------


def behaviour_mix(utterances: pd.DataFrame) -> pd.DataFrame:
    """Share of therapist utterances of each main behaviour, in high- and in low-quality sessions.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file).

    Returns
    -------
    pandas.DataFrame
        Indexed by behaviour (the keys of :data:`THERAPIST_BEHAVIOUR_LABELS`), columns ``high`` and ``low``
        (shares of all therapist utterances of that quality; each column sums to 1), and ``n_high``, ``n_low``
        (counts).
    """
    therapist = utterances[utterances["interlocutor"] == "therapist"]
    counts = pd.crosstab(therapist["main_therapist_behaviour"].astype(object), therapist["mi_quality"].astype(object))
    counts = counts.reindex(index=list(THERAPIST_BEHAVIOUR_LABELS), columns=["high", "low"], fill_value=0)
    shares = counts / counts.sum(axis=0)
    out = shares.astype("float64")
    out["n_high"], out["n_low"] = counts["high"].astype("int64"), counts["low"].astype("int64")
    return out.rename_axis("behaviour")


def risk_note(transcript_id: int) -> str:
    """The note on risk shown with a session of :data:`RISK_CONTENT` (an empty string for any other session).

    Examples
    --------
    >>> risk_note(95).startswith("Note on risk: this demonstration touches on self-harm and suicidal thoughts.")
    True
    >>> risk_note(123)
    ''
    """
    content = RISK_CONTENT.get(int(transcript_id))
    if content is None:
        return ""
    return (f"Note on risk: this demonstration touches on {content}. Its quality label rates the style of MI, not "
            f"how risk is handled. {RISK_PRACTICE}")


def session_label(transcript_id: int, mi_quality: str, topic: str) -> str:
    """The label of a session in a dropdown: ``"#12 · low quality · smoking cessation"``.

    A session of :data:`RISK_CONTENT` is marked: ``"#95 · high quality · reducing self-harm · touches on self-harm
    and suicidal thoughts (see the note on risk)"``.
    """
    label = f"#{int(transcript_id)} · {mi_quality} quality · {topic}"
    content = RISK_CONTENT.get(int(transcript_id))
    return f"{label} · touches on {content} (see the note on risk)" if content else label


def session_options(scores: pd.DataFrame) -> list[tuple[str, int]]:
    """Dropdown options for choosing a session: (label, transcript id), high-quality sessions first.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`transcript_scores` (or :func:`helpcourse.data.load_annomi_transcripts` indexed by
        ``transcript_id``), with ``mi_quality`` and ``topic``.

    Returns
    -------
    list of (str, int)
        One option per session, sorted by quality (high first) and then by id.
    """
    order = scores.assign(_low=(scores["mi_quality"] == "low")).sort_values(["_low"], kind="stable")
    return [(session_label(i, str(row["mi_quality"]), str(row["topic"])), int(i)) for i, row in order.iterrows()]


def session_timeline(utterances: pd.DataFrame, transcript_id: int) -> pd.DataFrame:
    """One session in order: who spoke, and the label of each utterance.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file).
    transcript_id : int
        The session.

    Returns
    -------
    pandas.DataFrame
        One row per utterance in order, with columns ``utterance_id``, ``interlocutor``, ``code`` (the therapist
        behaviour or client talk type, e.g. ``"reflection"`` or ``"sustain"``), ``label`` (what students read,
        from :data:`THERAPIST_BEHAVIOUR_LABELS` or :data:`CLIENT_TALK_LABELS`) and ``utterance_text``.

    Raises
    ------
    KeyError
        If the session is not in ``utterances``.
    """
    rows = utterances[utterances["transcript_id"] == transcript_id].sort_values("utterance_id")
    if rows.empty:
        raise KeyError(f"no session with transcript_id {transcript_id}")
    therapist = rows["interlocutor"] == "therapist"
    code = rows["main_therapist_behaviour"].astype(object).where(therapist, rows["client_talk_type"].astype(object))
    labels = {**THERAPIST_BEHAVIOUR_LABELS, **CLIENT_TALK_LABELS}
    return pd.DataFrame(
        {
            "utterance_id": rows["utterance_id"].to_numpy(),
            "interlocutor": rows["interlocutor"].astype(str).to_numpy(),
            "code": code.to_numpy(),
            "label": code.map(labels).to_numpy(),
            "utterance_text": rows["utterance_text"].astype(str).to_numpy(),
        }
    )


def client_turns_after_therapist(utterances: pd.DataFrame) -> pd.DataFrame:
    """Client utterances that directly follow a therapist utterance, with that therapist utterance's behaviour.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file).

    Returns
    -------
    pandas.DataFrame
        The client rows of ``utterances`` whose previous utterance in the same session is the therapist's, in
        session order, with an added column ``previous_behaviour`` (question, reflection, therapist_input or
        other). Client turns that open a session or follow another client turn are left out.
    """
    ordered = utterances.sort_values(_SORT)
    by_session = ordered.groupby("transcript_id", sort=False, observed=True)
    previous_speaker = by_session["interlocutor"].shift(1).astype(object)
    previous_behaviour = by_session["main_therapist_behaviour"].shift(1).astype(object)
    keep = (ordered["interlocutor"] == "client") & (previous_speaker == "therapist")
    out = ordered[keep].copy()
    out["previous_behaviour"] = previous_behaviour[keep]
    return out.reset_index(drop=True)


def client_talk_after(utterances: pd.DataFrame) -> pd.DataFrame:
    """What clients say right after each kind of therapist utterance.

    Parameters
    ----------
    utterances : pandas.DataFrame
        AnnoMI utterances (the simple file), or a subset of its sessions (e.g. only high-quality ones).

    Returns
    -------
    pandas.DataFrame
        Indexed by the previous therapist behaviour (keys of :data:`THERAPIST_BEHAVIOUR_LABELS`), columns
        ``change``, ``neutral``, ``sustain`` (shares of those client turns; each row sums to 1, or is NaN when
        there are none) and ``n`` (how many client turns).
    """
    turns = client_turns_after_therapist(utterances)
    counts = pd.crosstab(turns["previous_behaviour"], turns["client_talk_type"].astype(object))
    counts = counts.reindex(index=list(THERAPIST_BEHAVIOUR_LABELS), columns=list(CLIENT_TALK_LABELS), fill_value=0)
    totals = counts.sum(axis=1)
    out = counts.div(totals.where(totals > 0), axis=0).astype("float64")
    out["n"] = totals.astype("int64")
    return out.rename_axis("previous_behaviour")
