"""The capstone case of module 08: one fictional client followed over fourteen sessions.

Maya is a **fictional composite client** written for the course; no real person is described. Her session notes
and statements were written for the course. Her symptom scores and alliance ratings are **simulated**: a planned
course of therapy (early engagement, an alliance rupture at session 4, a stretch above the expected-recovery band
of real patients with a risk re-check when she deteriorates, repair, adapting and recovery) plus seeded
session-to-session noise, so every run gives the same case (:data:`CASE_SEED`). The helper's notes model what real
practice requires when a client deteriorates: asking directly about suicidal thoughts again (and again at the next
sessions while she stays off track), following the agency's risk and safeguarding procedures and taking the case to
supervision.

* The symptom score is the number of nine depression symptoms present (0-9), the measure of the Schramm et al.
  (2017) sample (:func:`helpcourse.data.load_schramm_sessions`), so Maya can be set against the band of real
  patients from :func:`helpcourse.progress.expected_band`.
* The alliance rating is the average of short end-of-session items on a 1-5 scale (higher is a stronger
  alliance), like the short form of the Working Alliance Inventory.

Functions build the case tables (:func:`case_sessions`, :func:`simulate_case_scores`, :func:`case_table`,
:func:`case_progress`), find its events (:func:`rupture_sessions`, :func:`first_flagged_session`,
:func:`change_from_first_to_last`) and check a student's choices at its decision points
(:func:`decision_points`, :func:`check_decision`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpcourse import checks, progress

__all__ = [
    "ALLIANCE_RANGE",
    "CASE_NAME",
    "CASE_SEED",
    "RUPTURE_DROP",
    "CaseChange",
    "Decision",
    "case_practice_statements",
    "case_progress",
    "case_sessions",
    "case_table",
    "change_from_first_to_last",
    "check_decision",
    "decision",
    "decision_points",
    "first_flagged_session",
    "rupture_sessions",
    "simulate_case_scores",
]

CASE_NAME = "Maya"
CASE_SEED = 807
#: The alliance rating's scale (lowest, highest).
ALLIANCE_RANGE = (1.0, 5.0)
#: The course's rule for a rupture marker: the alliance rating fell by at least this much since the last session.
RUPTURE_DROP = 0.5


@dataclass(frozen=True)
class _Session:
    session: int
    phase: str
    note: str
    client: str
    planned_symptoms: int
    planned_alliance: float


# Session 0 is the intake assessment; sessions 1-14 are weekly meetings. Notes are the helper's own, brief.
_SESSIONS: tuple[_Session, ...] = (
    _Session(0, "intake",
             "First meeting. Maya (34) lost her job as a school administrator five months ago. Low mood most days, "
             "sleeping badly, tired, no longer seeing friends. Her GP suggested she come. She said she hates being "
             "told what to do: her sister and her old manager 'always have a plan for me'. I asked about suicide: "
             "she has no thoughts of ending her life. We agreed to meet weekly; she fills in the symptom checklist "
             "and the alliance rating at every session.",
             "I'm not sure what talking is going to do. I just need to pull myself together.", 7, 3.6),
    _Session(1, "engagement",
             "Mostly listened. Maya talked about the job loss and feeling ashamed. Reflections helped her say more.",
             "Everyone keeps telling me it wasn't my fault, but I still feel like I failed.", 6, 3.9),
    _Session(2, "engagement",
             "Her sister calls her lazy. I was tempted to argue Maya out of her self-blame; I reflected both sides "
             "instead, and she went on to talk about how hard she has been trying.",
             "My sister says I'm just lazy and should stop feeling sorry for myself. Maybe she's right.", 6, 4.1),
    _Session(3, "goals",
             "We agreed goals together: sleep better, get back in touch with two friends, look at work options. "
             "I asked how she would like to work: she prefers talking things through to written exercises. "
             "At the end I gave her a thought record to try anyway.",
             "I'd rather just talk things through. Worksheets make me feel like I'm back at school being marked.",
             5, 4.2),
    _Session(4, "rupture",
             "She had not done the thought record I set last time, although she had said she dislikes "
             "worksheets, and I pressed her about it. She told me sharply that it felt like being marked again, "
             "and looked away. Her alliance rating at the end of the session dropped.",
             "I didn't do the worksheet. Honestly, it feels like you're marking me too, just like everyone else.",
             6, 3.2),
    _Session(5, "not on track",
             "She cancelled, then rebooked for later in the week. A short session; she said 'fine' a lot. Her score "
             "rose again, above the band of real patients, and she ticked thoughts of death. Because she had "
             "deteriorated, I re-checked risk and asked her directly about suicidal thoughts: she sometimes wishes "
             "she would not wake up, but has no thoughts of ending her life and no plan, and we agreed whom she "
             "would contact if that changed. I recorded the check as the service's risk procedure requires and "
             "discussed it with my supervisor the next day.",
             "It's fine. I'm probably just not the kind of person this works for.", 7, 3.3),
    _Session(6, "feedback and repair",
             "I showed Maya her scores beside the band and asked what she made of them. I named what happened at "
             "session 4 and said I had pushed the worksheet after she told me she did not want it. She said she "
             "had nearly stopped coming. We agreed: no written homework, talking, and one small step she chooses. "
             "I asked again about the wish not to wake up: still there some nights, no thoughts of ending her "
             "life, no plan. We went over whom she would contact if that changed; I noted it as the risk "
             "procedure requires and kept my supervisor informed.",
             "I almost didn't come back after that session. It felt like you'd already decided what I needed.",
             7, 3.9),
    _Session(7, "adapting",
             "Less directive: I offered options and she chose. She chose to text one friend. Her score is still "
             "high, but she was more open. I asked how the thoughts of death had been: fewer this week; the "
             "contact plan stands.",
             "I texted Jo. She replied straight away, which I didn't expect.", 7, 4.2),
    _Session(8, "strengths",
             "I asked about times she had coped well. She ran the school's volunteer reading scheme for six years "
             "and lit up talking about it.",
             "I forgot I used to be good at organising things. I ran that reading scheme for six years.", 6, 4.3),
    _Session(9, "hope",
             "We talked about what she expects from our work. For the first time she said things might improve.",
             "I actually think this might be starting to help. I slept through three nights this week.", 5, 4.4),
    _Session(10, "progress",
             "Her score is back in the middle of the band. She signed up to help at the library; we reviewed what "
             "has helped.",
             "I've signed up to help at the library on Tuesdays. It's small, but it's something.", 4, 4.4),
    _Session(11, "consolidating",
             "Work options at her own pace. She asked what I knew about back-to-work courses, and I gave the "
             "information she asked for.",
             "Could you tell me what you know about those back-to-work courses? I think I'm ready to look.",
             4, 4.5),
    _Session(12, "consolidating",
             "An argument with her sister this week; she told her sister how it feels instead of agreeing she is "
             "lazy. Her score kept falling.",
             "My sister started again about me being lazy, but this time I told her how it actually feels.",
             3, 4.5),
    _Session(13, "planning the ending",
             "We talked about ending: one more session and a follow-up call in a month, her choice. Before planning "
             "it I asked about the wish not to wake up she had at sessions 5 to 7: none for several weeks. We went "
             "over what she would do and whom she would contact if those thoughts came back; I noted it as the "
             "risk procedure requires and discussed the ending with my supervisor.",
             "I'm a bit nervous about stopping, but I think I can keep this going.", 3, 4.6),
    _Session(14, "ending",
             "Final session. We went through her charts together; she named what helped: being listened to, "
             "choosing her own steps, and the session where we talked about the worksheet.",
             "The turning point was when you admitted the worksheet wasn't working. I felt like I had a say.",
             2, 4.6),
)


def case_sessions() -> pd.DataFrame:
    """Return the written part of the case: one row per session (0 = intake, then 1-14).

    Returns
    -------
    pandas.DataFrame
        Columns ``session`` (int), ``phase`` (a short label such as ``"rupture"``), ``note`` (the helper's
        session note) and ``client`` (something Maya said in that session).
    """
    return pd.DataFrame(
        {
            "session": [s.session for s in _SESSIONS],
            "phase": [s.phase for s in _SESSIONS],
            "note": [s.note for s in _SESSIONS],
            "client": [s.client for s in _SESSIONS],
        }
    )


def simulate_case_scores(seed: int = CASE_SEED, symptom_noise: float = 0.3, alliance_noise: float = 0.1
                         ) -> pd.DataFrame:
    """Return Maya's simulated scores: the planned course of therapy plus seeded session-to-session noise.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the course uses :data:`CASE_SEED`.
    symptom_noise
        Standard deviation of the normal noise added to the planned symptom count before rounding.
    alliance_noise
        Standard deviation of the normal noise added to the planned alliance rating before rounding.

    Returns
    -------
    pandas.DataFrame
        Columns ``session``, ``symptom_count`` (whole number of the nine symptoms present, 0-9; higher is worse)
        and ``alliance`` (1-5, one decimal; higher is a stronger alliance).
    """
    if symptom_noise < 0 or alliance_noise < 0:
        raise ValueError("The noise standard deviations cannot be negative.")
    rng = np.random.default_rng(seed)
    planned_symptoms = np.array([s.planned_symptoms for s in _SESSIONS], dtype=float)
    planned_alliance = np.array([s.planned_alliance for s in _SESSIONS], dtype=float)
    symptoms = np.clip(np.rint(planned_symptoms + rng.normal(0.0, symptom_noise, planned_symptoms.size)), 0, 9)
    alliance = np.clip(np.round(planned_alliance + rng.normal(0.0, alliance_noise, planned_alliance.size), 1),
                       *ALLIANCE_RANGE)
    return pd.DataFrame(
        {
            "session": np.array([s.session for s in _SESSIONS], dtype="int64"),
            "symptom_count": symptoms.astype("int64"),
            "alliance": alliance,
        }
    )


def case_table(seed: int = CASE_SEED) -> pd.DataFrame:
    """Return the whole case: the written sessions with the simulated scores.

    Returns
    -------
    pandas.DataFrame
        Columns ``session``, ``phase``, ``note``, ``client``, ``symptom_count``, ``alliance``; one row per session.
    """
    return case_sessions().merge(simulate_case_scores(seed), on="session", validate="one_to_one")


def rupture_sessions(alliance: pd.Series, drop: float = RUPTURE_DROP) -> list[int]:
    """Return the sessions at which the alliance rating fell by at least ``drop`` since the previous session.

    Parameters
    ----------
    alliance
        Alliance ratings indexed by session number.
    drop
        The smallest fall that counts as a rupture marker (the course uses :data:`RUPTURE_DROP`, 0.5 points on
        the 1-5 scale). A marker is a prompt to look closer, not a diagnosis: a rupture can also show without a
        drop in the rating.

    Returns
    -------
    list of int
        Session numbers in ascending order (empty when there is none).
    """
    if drop <= 0:
        raise ValueError(f"drop must be above 0; you gave {drop:g}.")
    ratings = pd.Series(alliance, dtype=float).sort_index()
    fall = ratings.shift(1) - ratings
    return [int(session) for session in fall.index[fall >= drop - 1e-9]]


def case_progress(case: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """Return Maya's symptom scores beside the expected-recovery band of real patients, session by session.

    Parameters
    ----------
    case
        Output of :func:`case_table` (columns ``session`` and ``symptom_count``).
    band
        Output of :func:`helpcourse.progress.expected_band` (columns ``session``, ``lower``, ``median``,
        ``upper``).

    Returns
    -------
    pandas.DataFrame
        Columns ``session``, ``symptom_count``, ``lower``, ``median``, ``upper`` and ``not_on_track`` (True where
        the score is above the band's upper bound, from :func:`helpcourse.progress.not_on_track`).
    """
    merged = case[["session", "symptom_count"]].merge(
        band[["session", "lower", "median", "upper"]], on="session", how="left", validate="one_to_one"
    )
    flags = progress.not_on_track(case.set_index("session")["symptom_count"], band)
    merged["not_on_track"] = merged["session"].map(flags).fillna(False).astype(bool)
    return merged


def first_flagged_session(flags: pd.Series) -> int | None:
    """Return the first session whose flag is True (for example from :func:`helpcourse.progress.not_on_track`).

    Returns
    -------
    int or None
        The lowest session number flagged, or None when no session is.
    """
    flagged = pd.Series(flags, dtype=bool)
    flagged = flagged[flagged]
    return int(flagged.index.min()) if len(flagged) else None


@dataclass(frozen=True)
class CaseChange:
    """A client's change from the first to the last session, against a reliable change threshold."""

    first: float
    last: float
    change: float
    threshold: float
    category: str


def change_from_first_to_last(scores: pd.Series, threshold: float) -> CaseChange:
    """Return the change from the first to the last recorded score and whether it is reliable.

    Parameters
    ----------
    scores
        One client's scores indexed by session (higher is worse).
    threshold
        Reliable change threshold in score points (:func:`helpcourse.progress.reliable_change_threshold`).

    Returns
    -------
    CaseChange
        ``change`` is last minus first (negative is improvement); ``category`` is ``"improved"`` when the score
        fell by at least the threshold, ``"deteriorated"`` when it rose by at least the threshold, otherwise
        ``"no reliable change"`` (the same rule as :func:`helpcourse.progress.reliable_change_table`).
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be above 0; you gave {threshold:g}.")
    recorded = pd.Series(scores, dtype=float).sort_index().dropna()
    if len(recorded) < 2:
        raise ValueError("Reliable change needs at least two recorded scores.")
    first, last = float(recorded.iloc[0]), float(recorded.iloc[-1])
    change = last - first
    category = "improved" if change <= -threshold else "deteriorated" if change >= threshold else "no reliable change"
    return CaseChange(first, last, change, float(threshold), category)


@dataclass(frozen=True)
class Decision:
    """A decision point in the case: what happened, the options, the best one and why, with its evidence.

    ``evidence_keys`` name the rows of the evidence table behind the best option; it is empty when the decision
    rests on a practice standard rather than on a research finding (the risk re-check at session 5).
    """

    key: str
    session: int
    question: str
    options: dict[str, str]
    best: str
    explanations: dict[str, str]
    evidence_keys: tuple[str, ...] = field(default_factory=tuple)


_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "sister_lazy", 2,
        "Session 2. Maya says: \"My sister says I'm just lazy and should stop feeling sorry for myself. Maybe "
        "she's right.\" Which reply fits the evidence best?",
        {"a": "\"You're not lazy at all, and I think you need to stop listening to her about this.\"",
         "b": "\"Why do you let your sister talk to you like that? What stops you from answering?\"",
         "c": "\"Part of you wonders if she's right, and part of you knows how hard you've tried.\"",
         "d": "\"Let's make a plan for this week so that you can show your sister she is wrong.\""},
        "c",
        {"a": "Well meant, but it argues with her and tells her what to think: a confronting, directing reply "
              "that leaves her to defend her sister's view.",
         "b": "A 'why' question sounds like blame and asks her to defend herself before she feels understood.",
         "c": "A complex (double-sided) reflection: it shows she was understood and invites her to say more, "
              "without arguing. No trial shows that confrontational counselling helps, and empathy goes with "
              "better outcomes (a correlation across many studies).",
         "d": "Jumping to a plan before she feels understood is the righting reflex of module 2, and it accepts "
              "the sister's frame that she has something to prove."},
        ("confrontation_evidence_2007", "empathy_r_2018"),
    ),
    Decision(
        "worksheet_preference", 3,
        "Session 3. Maya says she would rather talk things through than fill in worksheets. Your usual method "
        "uses written homework. What do you do?",
        {"a": "Agree with her how you will work: keep the shared goals and drop or change the homework.",
         "b": "Keep the worksheets for now: the method is evidence-based and most clients get used to it.",
         "c": "Explain that therapy only works when clients do homework, and ask her to give it a go.",
         "d": "Refer her to a colleague who works without homework, since your method does not suit her."},
        "a",
        {"a": "Collaboration and agreed goals go with better outcomes, and accommodating clients' preferences goes "
              "with fewer dropouts and somewhat better outcomes: averages across studies, not a promise for Maya.",
         "b": "Accommodating preferences goes with fewer dropouts; an evidence-based method still has to be "
              "delivered in a way the client will take part in.",
         "c": "This pressures her and overstates the evidence for any single technique.",
         "d": "Referral is not needed: you can adapt how you work with her, and a referral now may feel like "
              "being sent away."},
        ("preferences_d_2018", "preferences_dropout_or_2018", "goal_consensus_r_2018", "collaboration_r_2018"),
    ),
    Decision(
        "rupture", 4,
        "Session 4. Maya says: \"I didn't do the worksheet. Honestly, it feels like you're marking me too, just "
        "like everyone else.\" Her voice is sharp and she looks away. What do you do?",
        {"a": "Explain again why thought records help, and ask her to try one before next week.",
         "b": "Move on to another topic, so that the rest of the session stays pleasant for her.",
         "c": "Say nothing about it now and see whether she seems better by next session.",
         "d": "Stop and ask what is happening between you, own your part, and change the plan."},
        "d",
        {"a": "Pushing on deepens a confrontation rupture: she has already told you how the homework feels.",
         "b": "Avoiding the strain leaves the rupture unrepaired, and she may take it as not being heard.",
         "c": "Strain she voices openly is a signal to attend to now, not to wait out; her rating at the end of "
              "the session may well show it too.",
         "d": "Attending to the strain, inviting her view and acknowledging your part is the first step of a "
              "repair; repaired ruptures go with better outcomes (a correlation from few studies, not proof)."},
        ("rupture_repair_r_2018", "alliance_r_2018"),
    ),
    Decision(
        "risk_recheck", 5,
        "Session 5. Maya cancelled, then rebooked. Her score has risen again, above the band, and her checklist "
        "now includes thoughts of death. At intake she said she had no thoughts of ending her life. What do you "
        "do?",
        {"a": "Go by her intake answer: asking about suicide again could put the idea into her head.",
         "b": "Ask her directly about suicidal thoughts, follow the risk procedure, tell your supervisor.",
         "c": "Leave risk for the review planned at session 8, so the short session is not all checklists.",
         "d": "Refer her to her GP for a risk assessment and pause your sessions until the GP has seen her."},
        "b",
        {"a": "A risk question at intake does not cover the rest of therapy: she has deteriorated and now ticks "
              "thoughts of death. Asking directly about suicide does not put the idea into someone's head; not "
              "asking leaves the risk unknown.",
         "b": "A client who deteriorates, above all with thoughts of death on her checklist, needs a risk "
              "re-check now: ask directly about suicidal thoughts, follow the agency's risk and safeguarding "
              "procedures, and take it to supervision. (Maya is fictional; real cases follow your agency's "
              "procedures.)",
         "c": "Waiting three sessions leaves a possible risk unchecked at the moment she is worst; the re-check "
              "belongs in this session.",
         "d": "Your agency's procedure may involve her GP, but you ask about risk yourself, now, and pausing "
              "contact leaves her without support when she is worst; consult your supervisor."},
        (),  # a practice standard (agency procedures, supervision), not a finding of the evidence table
    ),
    Decision(
        "not_on_track", 6,
        "Session 6. Maya's symptom score has been above the band of real patients for two sessions. Last time "
        "she said she sometimes wishes she would not wake up. What do you do now?",
        {"a": "Ask again how the thoughts of death have been; show her the scores and adapt the plan with her.",
         "b": "Ask again how the thoughts of death have been; carry on as planned, as depression lifts slowly.",
         "c": "Ask again how the thoughts of death have been; keep the scores to yourself, not to discourage her.",
         "d": "Ask again how the thoughts of death have been; suggest ending, since the therapy has plainly failed."},
        "a",
        {"a": "Asking again about the thoughts of death she reported is right, within your agency's risk "
              "procedures and with supervision. Looking at the scores with her and adapting the plan together "
              "fits collaboration and her right to see her own data. Feedback's average benefit is small, for "
              "clients not on track too, and the evidence does not show which part of feedback helps.",
         "b": "The risk follow-up is right, but carrying on ignores the other signal: two sessions above the band "
              "are a reason to review the plan, not to wait.",
         "c": "The risk follow-up is right, and a helper can act on scores the client never sees; but the scores "
              "are hers, and hiding them rules out reviewing them together. The evidence does not show whether "
              "sharing scores adds anything: collaboration and her right to her data are the reasons to share.",
         "d": "The risk follow-up is right, but two sessions above the band call for a conversation and a change "
              "of course, not an ending: the band is a prompt to look, not a verdict."},
        ("feedback_d_2021", "feedback_not_on_track_d_2021"),
    ),
    Decision(
        "reactance", 7,
        "Session 7. At intake Maya said she hates being told what to do, and she pushed back sharply when "
        "pressed at session 4: she appears high in reactance. How do you adapt?",
        {"a": "Be more directive, so that she has clear instructions and knows exactly what to do.",
         "b": "Explain that pushing back against advice is part of the problem you are working on.",
         "c": "Keep your style the same as with every client, since being consistent builds trust.",
         "d": "Be less directive: offer options, follow her lead and let her choose the next step."},
        "d",
        {"a": "For clients high in reactance, less directive help went with better outcomes than more directive "
              "help in the studies of this meta-analysis.",
         "b": "Labelling her pushing back as the problem is a confrontation and invites more of it.",
         "c": "Consistency in warmth and reliability matters, but keeping one style for everyone ignores what "
              "the matching studies found.",
         "d": "Matching directiveness to reactance (less directive for high reactance) goes with better outcomes "
              "on average, in a few studies analysed by the group that proposed matching; it cannot tell you how "
              "Maya in particular will respond, so watch how she does."},
        ("reactance_matching_d_2018",),
    ),
    Decision(
        "strengths", 8,
        "Session 8. Maya mentions she ran the school's volunteer reading scheme for six years. What do you do "
        "with that?",
        {"a": "Note it in passing and go back to her symptoms, because that is where the work is.",
         "b": "Tell her she will be fine, because someone so capable can surely get over this.",
         "c": "Explore it: what she did well, what it says about her, and what might help now.",
         "d": "Point out that she is not using any of those skills now, to motivate a change."},
        "c",
        {"a": "Problems alone are not the whole picture: building on a client's resources alongside the work on "
              "her problems is part of good practice.",
         "b": "Reassurance without exploring is not the same as building on her strengths, and it can sound "
              "like a brush-off.",
         "c": "Exploring strengths is a reasonable part of good practice, but the evidence is modest: "
              "strength-based methods showed only a small advantage over other therapies, from few trials with "
              "a wide interval, and hopeful expectations go with better outcomes only as a correlation.",
         "d": "This turns a strength into another failure."},
        ("strength_based_g_2023", "expectations_r_2018"),
    ),
)


def decision_points() -> list[Decision]:
    """Return the case's decision points in the order of the sessions they happen in."""
    return sorted(_DECISIONS, key=lambda item: item.session)


def decision(key: str) -> Decision:
    """Return the decision point named ``key`` (for example ``"rupture"``)."""
    for item in _DECISIONS:
        if item.key == key:
            return item
    raise KeyError(f"No decision point {key!r}; the case has {[item.key for item in _DECISIONS]}.")


def check_decision(key: str, choice: str | None) -> checks.Feedback:
    """Return feedback on a choice at a decision point: whether it is the best option and why.

    Parameters
    ----------
    key
        The decision point (see :func:`decision_points`).
    choice
        The letter chosen (case and surrounding spaces ignored), or None when nothing is chosen.
    """
    item = decision(key)
    letter = None if choice is None else str(choice).strip().lower()
    return checks.feedback_for_choice(letter, item.best, item.explanations)


def case_practice_statements(seed: int = CASE_SEED) -> pd.DataFrame:
    """Return Maya's statements as practice items for the reply-practice widget.

    Returns
    -------
    pandas.DataFrame
        One row per session with ``session``, ``phase``, ``client`` (what Maya said) and ``note`` (what the
        helper wrote after the session, shown as what happened next).
    """
    case = case_table(seed)
    return case[["session", "phase", "client", "note"]].reset_index(drop=True)
