"""Demos of module 08, Capstone: the session-by-session case dashboard and reply practice with the case."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from helpcourse import capstone, data, figures, progress
from helpcourse import coder as reply_coder
from helpcourse.demos.common import SLIDER_LAYOUT, SLIDER_STYLE, FigureWidget, LabelledIntSlider, live_text
from helpcourse.demos.practice import ReplyPractice

__all__ = ["CASE_TRANSCRIPT_ID", "CaseDashboard", "CaseReplyPractice", "case_dashboard", "case_reply_practice"]

#: Transcript number given to the case's statements in the reply practice: not an AnnoMI transcript, so every
#: example reflection comes from one of AnnoMI's demonstration sessions, never from the case itself.
CASE_TRANSCRIPT_ID = 10_000


class CaseDashboard(widgets.VBox):
    """Follow the capstone client session by session: symptoms against the band of real patients, alliance.

    Controls: a slider "Session" (0 = intake to the last session). The figure shows the case up to that session;
    under it, the session's note and what the client said, and a live text alternative.

    Parameters
    ----------
    session
        The session shown first.
    seed
        Seed of the simulated scores (:data:`helpcourse.capstone.CASE_SEED`).
    band
        Expected-recovery band; by default :func:`helpcourse.progress.expected_band` of the Schramm et al. (2017)
        sessions.
    """

    def __init__(self, session: int = 1, seed: int = capstone.CASE_SEED, band: pd.DataFrame | None = None) -> None:
        if band is None:
            band = progress.expected_band(data.load_schramm_sessions())
        self.case = capstone.case_table(seed).set_index("session", drop=False)
        self.progress = capstone.case_progress(self.case.reset_index(drop=True), band)
        self.alliance = self.case["alliance"]
        self.ruptures = capstone.rupture_sessions(self.alliance)
        self.last_session = int(self.case["session"].max())
        self._cache: dict[int, dict] = {}
        self.slider = LabelledIntSlider(
            value=session, min=0, max=self.last_session, step=1, description="Session",
            continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.figure = FigureWidget(
            figures.case_dashboard_figure(self.progress, self.alliance, self.ruptures, session, capstone.CASE_NAME,
                                          self.case.loc[session, "phase"])
        )
        self.heading = widgets.HTML(self._heading_html(session))
        self.note = widgets.HTML(self._note_html(session))
        self.description = widgets.HTML(live_text(self.describe(session)))
        self.slider.observe(self._update, names="value")
        super().__init__([self.slider, self.heading, self.figure, self.description, self.note])

    def describe(self, session: int) -> str:
        """The text alternative of the dashboard at ``session``."""
        row = self.progress.set_index("session").loc[session].copy()
        row["session"] = session
        flagged = [int(s) for s in self.progress.loc[self.progress["not_on_track"], "session"] if s <= session]
        return figures.describe_case_session(
            capstone.CASE_NAME, row, float(self.alliance.loc[session]),
            [s for s in self.ruptures if s <= session], flagged,
        )

    def _heading_html(self, session: int) -> str:
        text = figures.case_session_heading(capstone.CASE_NAME, session, self.last_session,
                                            str(self.case.loc[session, "phase"]))
        return f"<p class='helpcourse-case-heading'><b>{html.escape(text)}</b></p>"

    def _note_html(self, session: int) -> str:
        row = self.case.loc[session]
        return (
            f"<div class='helpcourse-case-note'><p><b>Session {session} ({html.escape(str(row['phase']))}). "
            f"Helper's note:</b> {html.escape(str(row['note']))}</p>"
            f"<p><b>{capstone.CASE_NAME}:</b> &ldquo;{html.escape(str(row['client']))}&rdquo;</p></div>"
        )

    def _shown(self, session: int) -> dict:
        """The points, title and texts of one session, computed once per session (15 sessions)."""
        if session not in self._cache:
            self._cache[session] = {
                "points": figures.dashboard_points(self.progress, self.alliance, self.ruptures, session),
                "heading": self._heading_html(session),
                "text": live_text(self.describe(session)),
                "note": self._note_html(session),
            }
        return self._cache[session]

    def _update(self, _change: dict | None = None) -> None:
        session = int(self.slider.value)
        shown = self._shown(session)
        names = figures.DASHBOARD_TRACES
        with self.figure.batch_redraw_traces():  # the points only: the axes and the title stay put
            for key, (x, y) in shown["points"].items():
                trace = self.figure.data[names.index(key)]
                trace.x, trace.y = x, y
        self.heading.value = shown["heading"]
        self.description.value = shown["text"]
        self.note.value = shown["note"]


class CaseReplyPractice(ReplyPractice):
    """Module 03's reply practice with the capstone client's statements, session by session.

    The statements are what the client said in each session of the case, in order; after a reply is submitted,
    the widget shows the helper's note of that session instead of the next turn of an AnnoMI demonstration
    session (role-played by professionals). Everything else
    (the coder's code, confidence, explanation, example reflection and the session summary against the MITI
    thresholds) is :class:`helpcourse.demos.practice.ReplyPractice`.
    """

    def __init__(self, seed: int = capstone.CASE_SEED, coder: reply_coder.ReplyCoder | None = None,
                 debounce_seconds: float = 0.4) -> None:
        super().__init__(seed=seed, coder=coder, debounce_seconds=debounce_seconds)
        items = capstone.case_practice_statements(seed)
        self.statements = pd.DataFrame(
            {
                "transcript_id": CASE_TRANSCRIPT_ID,
                "utterance_id": items["session"].astype("int64"),
                "mi_quality": "case",
                "topic": [f"{capstone.CASE_NAME}, session {s} ({p})" for s, p in zip(items["session"],
                                                                                  items["phase"], strict=True)],
                "client": items["client"],
                "therapist_reply": items["note"],
                "therapist_code": "",
            }
        )
        self.order = list(range(len(self.statements)))
        self.position = 0
        self.records = {}
        self._show_statement()
        self._show_summary()

    def _show_expert(self, item: pd.Series, coded: reply_coder.CodedReply) -> None:
        self.expert.value = (
            "<div aria-live='polite'>"
            f"<p><b>What the helper wrote after this session</b> (the case is fictional, written for the course):"
            f"<br>{html.escape(str(item['therapist_reply']))}</p>"
            f"<p>Your reply read as <b>{html.escape(coded.name)}</b>. Compare it with what the helper did, and "
            "with the evidence for this moment of the case.</p></div>"
        )


def case_dashboard(session: int = 1, seed: int = capstone.CASE_SEED) -> CaseDashboard:
    """Show the capstone case dashboard (module 08)."""
    return CaseDashboard(session=session, seed=seed)


def case_reply_practice(seed: int = capstone.CASE_SEED) -> CaseReplyPractice:
    """Show the reply practice with the capstone client's statements (module 08)."""
    return CaseReplyPractice(seed=seed)
