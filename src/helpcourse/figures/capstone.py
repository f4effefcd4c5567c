"""Figures of module 08, Capstone: one client, many sessions (the case dashboard)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, base_layout

__all__ = [
    "DASHBOARD_TRACES",
    "case_dashboard_figure",
    "case_dashboard_title",
    "case_session_heading",
    "dashboard_points",
    "describe_case_session",
]

#: Names of the dashboard's traces, in the order of ``figure.data``.
DASHBOARD_TRACES = (
    "band_lower",
    "band_upper",
    "band_median",
    "symptoms",
    "not_on_track",
    "alliance",
    "rupture",
    "current_symptoms",
    "current_alliance",
)


def _as_floats(values) -> list[float]:
    return [float(value) for value in values]


def dashboard_points(case_progress: pd.DataFrame, alliance: pd.Series, ruptures: list[int], session: int
                     ) -> dict[str, tuple[list[float], list[float]]]:
    """Return the x and y values of the dashboard's case traces when the case has reached ``session``.

    Parameters
    ----------
    case_progress
        Output of :func:`helpcourse.capstone.case_progress` (``session``, ``symptom_count``, ``not_on_track``).
    alliance
        Alliance ratings indexed by session.
    ruptures
        Sessions with a rupture marker (:func:`helpcourse.capstone.rupture_sessions`).
    session
        The session reached: later sessions are not shown yet.

    Returns
    -------
    dict
        ``{trace name: (x, y)}`` for ``symptoms``, ``not_on_track``, ``alliance``, ``rupture``,
        ``current_symptoms`` and ``current_alliance``.
    """
    seen = case_progress[case_progress["session"] <= session]
    flagged = seen[seen["not_on_track"]]
    ratings = pd.Series(alliance, dtype=float)
    ratings = ratings[ratings.index <= session]
    marked = [s for s in ruptures if s <= session and s in ratings.index]
    now = case_progress[case_progress["session"] == session]
    return {
        "symptoms": (_as_floats(seen["session"]), _as_floats(seen["symptom_count"])),
        "not_on_track": (_as_floats(flagged["session"]), _as_floats(flagged["symptom_count"])),
        "alliance": (_as_floats(ratings.index), _as_floats(ratings)),
        "rupture": (_as_floats(marked), _as_floats(ratings.loc[marked])),
        "current_symptoms": (_as_floats(now["session"]), _as_floats(now["symptom_count"])),
        "current_alliance": (
            [float(session)] if session in ratings.index else [],
            [float(ratings.loc[session])] if session in ratings.index else [],
        ),
    }


def case_dashboard_title(name: str) -> str:
    """The dashboard's title, for example "Maya, session by session: symptoms and alliance".

    It names no session: the heading above the figure does (:func:`case_session_heading`); a title that changed
    would make plotly.js redraw the whole figure at each step of the slider.
    """
    return f"{name}, session by session: symptoms and alliance"


def case_session_heading(name: str, session: int, last_session: int, phase: str) -> str:
    """The session the dashboard has reached, for example "Maya, session 4 of 14 (rupture)"."""
    return f"{name}, session {session} of {last_session} ({phase})"


def case_dashboard_figure(case_progress: pd.DataFrame, alliance: pd.Series, ruptures: list[int], session: int,
                          name: str, phase: str) -> go.Figure:
    """The case dashboard: symptom scores against the band of real patients, and alliance ratings with ruptures.

    Parameters
    ----------
    case_progress
        Output of :func:`helpcourse.capstone.case_progress`, with the band's ``lower``, ``median``, ``upper``.
    alliance
        Alliance ratings (1-5) indexed by session.
    ruptures
        Sessions with a rupture marker.
    session
        The session reached; the case is drawn up to it.
    name, phase
        The client's name (for the title) and the phase of the session reached (named by the heading above the
        figure, :func:`case_session_heading`, not by the figure).

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels sharing the session axis; traces in the order of :data:`DASHBOARD_TRACES`. Top: the band
        (grey area between the 25th and 75th percentile, dashed median), the client's score (blue circles),
        sessions above the band (vermillion crosses) and the session reached (black ring). Bottom: the alliance
        rating (green diamonds), rupture markers (vermillion downward triangles) and the session reached.
    """
    sessions = _as_floats(case_progress["session"])
    last = int(case_progress["session"].max())
    points = dashboard_points(case_progress, alliance, ruptures, session)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08)
    grey = "rgba(85, 85, 85, 0.18)"
    fig.add_trace(go.Scatter(x=sessions, y=_as_floats(case_progress["lower"]), mode="lines",
                             line={"width": 0, "color": PALETTE["grey"]}, showlegend=False, hoverinfo="skip",
                             name="25th percentile of real patients"), row=1, col=1)
    fig.add_trace(go.Scatter(x=sessions, y=_as_floats(case_progress["upper"]), mode="lines", fill="tonexty",
                             fillcolor=grey, line={"width": 0, "color": PALETTE["grey"]},
                             name="Middle half of real patients (25th-75th percentile)",
                             hovertemplate="session %{x}: upper bound %{y}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=sessions, y=_as_floats(case_progress["median"]), mode="lines",
                             line={"color": PALETTE["grey"], "dash": "dash", "width": 2},
                             name="Median of real patients",
                             hovertemplate="session %{x}: median %{y}<extra></extra>"), row=1, col=1)
    x, y = points["symptoms"]
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name="Symptoms present (of 9)",
                             line={"color": PALETTE["blue"], "width": 3},
                             marker={"symbol": "circle", "size": 9, "color": PALETTE["blue"]},
                             hovertemplate="session %{x}: %{y} of 9 symptoms<extra></extra>"), row=1, col=1)
    x, y = points["not_on_track"]
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="Above the band (not on track)",
                             marker={"symbol": "x", "size": 15, "color": PALETTE["vermillion"],
                                     "line": {"width": 1, "color": "white"}},
                             hovertemplate="session %{x}: above the band<extra></extra>"), row=1, col=1)
    x, y = points["alliance"]
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name="Alliance rating (1-5)",
                             line={"color": PALETTE["green"], "width": 3, "dash": "dot"},
                             marker={"symbol": "diamond", "size": 10, "color": PALETTE["green"]},
                             hovertemplate="session %{x}: alliance %{y:.1f}<extra></extra>"), row=2, col=1)
    x, y = points["rupture"]
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="Rupture marker (alliance fell by 0.5 or more)",
                             marker={"symbol": "triangle-down", "size": 16, "color": PALETTE["vermillion"]},
                             hovertemplate="session %{x}: rupture marker<extra></extra>"), row=2, col=1)
    ring = {"symbol": "circle-open", "size": 22, "color": "black", "line": {"width": 2}}
    for key, row in (("current_symptoms", 1), ("current_alliance", 2)):
        x, y = points[key]
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="Session reached", marker=ring,
                                 showlegend=row == 1, hoverinfo="skip"), row=row, col=1)
    base_layout(fig, case_dashboard_title(name), height=560)
    fig.update_layout(legend={"y": -0.14, "traceorder": "normal"})
    fig.update_xaxes(range=[-0.5, last + 0.5], dtick=1)
    fig.update_xaxes(title_text="Session (0 = intake)", row=2, col=1)
    fig.update_yaxes(title_text="Symptoms (of 9)", range=[-0.3, 9.3], dtick=1, row=1, col=1)
    fig.update_yaxes(title_text="Alliance (1-5)", range=[0.8, 5.2], dtick=1, row=2, col=1)
    return fig


def describe_case_session(name: str, row: pd.Series, alliance: float, ruptures_so_far: list[int],
                          flagged_so_far: list[int]) -> str:
    """The dashboard's text alternative for one session.

    Parameters
    ----------
    name
        The client's name.
    row
        The session's row of :func:`helpcourse.capstone.case_progress`.
    alliance
        The alliance rating at that session.
    ruptures_so_far, flagged_so_far
        Sessions up to this one with a rupture marker, and sessions above the band.

    Returns
    -------
    str
        For example "Session 5: Maya has 8 of 9 symptoms; the middle half of real patients at session 5 has 2 to
        6 (median 4), so she is above the band (not on track). Alliance 3.3 of 5. So far: above the band at
        session 5; rupture marker at session 4." Before any flag: "So far: not yet above the band; no rupture
        marker yet."
    """
    session = int(row["session"])
    score = int(row["symptom_count"])
    lower, median, upper = float(row["lower"]), float(row["median"]), float(row["upper"])
    if score > upper:
        where = "above the band (not on track)"
    elif score < lower:
        where = "below the band (better than most)"
    else:
        where = "within the band"

    def sessions(values: list[int]) -> str:
        return ("session " if len(values) == 1 else "sessions ") + ", ".join(str(v) for v in values)

    flagged = f"above the band at {sessions(flagged_so_far)}" if flagged_so_far else "not yet above the band"
    ruptures = f"rupture marker at {sessions(ruptures_so_far)}" if ruptures_so_far else "no rupture marker yet"
    return (
        f"Session {session}: {name} has {score} of 9 symptoms; the middle half of real patients at session "
        f"{session} has {lower:g} to {upper:g} (median {median:g}), so she is {where}. Alliance {alliance:.1f} "
        f"of 5. So far: {flagged}; {ruptures}."
    )
