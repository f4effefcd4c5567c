"""Figures of module 07, Adapting to the client: progress against an expected band, dose, matching and alarms.

Pure functions: data in, ``go.Figure`` out, each with a ``describe_*`` text alternative. Colour never carries
meaning alone: flagged sessions are crosses, helper styles and alarm outcomes differ in bar pattern, the band's
median is dashed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse import evidence
from helpcourse.figures.core import PALETTE, base_layout, format_percent

__all__ = [
    "ALARM_OUTCOMES",
    "ALARM_TITLE",
    "HELPER_STYLES",
    "POLICY_LABELS",
    "alarm_figure",
    "alarm_rise_range",
    "describe_alarm",
    "describe_dose_effect",
    "describe_matching",
    "describe_progress",
    "describe_tailoring",
    "dose_effect_figure",
    "evidence_forest_rows",
    "matching_figure",
    "matching_title",
    "progress_figure",
    "progress_title",
    "tailoring_figure",
]

#: Helper styles of the matching simulation: label, colour and bar pattern.
HELPER_STYLES: dict[str, dict[str, str]] = {
    "directive": {"name": "Directive helper", "color": PALETTE["blue"], "pattern": ""},
    "non-directive": {"name": "Non-directive helper", "color": PALETTE["orange"], "pattern": "/"},
}

#: The three policies of :func:`helpcourse.simulate.monitoring.expected_policy_outcomes`, in display order.
POLICY_LABELS: dict[str, str] = {
    "always_directive": "Always directive",
    "always_non_directive": "Always non-directive",
    "matched": "Matched to each client",
}

#: The four outcomes of an alarm, in display order: key of ``alarm_counts``, label, colour, pattern.
ALARM_OUTCOMES: tuple[tuple[str, str, str, str], ...] = (
    ("hits", "Hits", PALETTE["green"], ""),
    ("misses", "Misses", PALETTE["vermillion"], "x"),
    ("false_alarms", "False alarms", PALETTE["orange"], "/"),
    ("correct_all_clears", "Correct all-clears", PALETTE["sky"], "."),
)

_CHANGE_PHRASES = {
    "improved": "a reliable improvement",
    "deteriorated": "a reliable deterioration",
    "no reliable change": "no reliable change",
}

_REACTANCE_LABELS = {"low": "Low-reactance clients", "high": "High-reactance clients"}


# --------------------------------------------------------------------------------------------------
# Published findings as a forest plot
# --------------------------------------------------------------------------------------------------


def evidence_forest_rows(labels: dict[str, str]) -> pd.DataFrame:
    """Return forest-plot rows (for :func:`helpcourse.figures.forest_plot`) for evidence keys.

    Parameters
    ----------
    labels : dict
        Evidence key -> row label, in display order.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``estimate``, ``ci_low``, ``ci_high`` (NaN when not reported) and ``detail``.
    """
    rows = []
    for key, label in labels.items():
        row = evidence.row(key)
        rows.append(
            {
                "label": label,
                "estimate": evidence.value(key),
                "ci_low": np.nan if row.ci_low is None else row.ci_low,
                "ci_high": np.nan if row.ci_high is None else row.ci_high,
                "detail": f"{row.k}; {row.short_cite}",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# One client's progress against the expected band
# --------------------------------------------------------------------------------------------------


def progress_title(patient_id: int) -> str:
    """Title of :func:`progress_figure`."""
    return f"Patient {patient_id}: depression symptoms session by session, against the expected band"


def progress_figure(
    band: pd.DataFrame, trajectory: pd.Series, flags: pd.Series, patient_id: int, band_label: str
) -> go.Figure:
    """One patient's symptom count per session, drawn over the sample's expected band.

    Parameters
    ----------
    band : pandas.DataFrame
        :func:`helpcourse.progress.expected_band` output.
    trajectory : pandas.Series
        The patient's scores indexed by session.
    flags : pandas.Series
        :func:`helpcourse.progress.not_on_track` output for that patient.
    patient_id : int
        Shown in the title.
    band_label : str
        Legend name of the band, e.g. "Middle half of the sample (25th-75th percentile)".

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: band's lower bound (no line); 1: upper bound, filled down to trace 0; 2: sample median (dashed);
        3: the patient's scores (line with circles); 4: sessions flagged as not on track (crosses).
    """
    scores = trajectory.dropna().astype(float)
    flagged = flags[flags]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=band["session"], y=band["lower"], mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip", name="Band lower bound"))
    fig.add_trace(go.Scatter(x=band["session"], y=band["upper"], mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor="rgba(86, 180, 233, 0.30)", name=band_label,
                             hovertemplate="session %{x}: upper bound %{y}<extra></extra>"))
    fig.add_trace(go.Scatter(x=band["session"], y=band["median"], mode="lines", name="Sample median",
                             line={"color": PALETTE["grey"], "dash": "dash", "width": 2}))
    fig.add_trace(go.Scatter(x=scores.index.to_numpy(), y=scores.to_numpy(), mode="lines+markers",
                             name="This patient", line={"color": PALETTE["blue"], "width": 2.5},
                             marker={"symbol": "circle", "size": 8}))
    fig.add_trace(go.Scatter(x=flagged.index.to_numpy(), y=scores.loc[flagged.index].to_numpy(), mode="markers",
                             name="Not on track (above the band)",
                             marker={"symbol": "x", "size": 13, "color": PALETTE["vermillion"],
                                     "line": {"width": 1, "color": PALETTE["vermillion"]}}))
    fig.update_xaxes(title_text="Session", range=[-0.5, float(band["session"].max()) + 0.5], dtick=2)
    fig.update_yaxes(title_text="Symptoms present (of 9)", range=[-0.3, 9.3], dtick=1)
    return base_layout(fig, progress_title(patient_id), height=430)


def describe_progress(patient_id: int, change: pd.Series, flags: pd.Series, threshold: float) -> str:
    """Text alternative of :func:`progress_figure`.

    Parameters
    ----------
    patient_id : int
        The patient.
    change : pandas.Series
        The patient's row of :func:`helpcourse.progress.reliable_change_table` (``first``, ``last``, ``change``,
        ``category``).
    flags : pandas.Series
        :func:`helpcourse.progress.not_on_track` output for the patient.
    threshold : float
        The reliable change threshold in symptoms.
    """
    flagged = [int(s) for s in flags.index[flags]]
    if flagged:
        where = f"above the band (not on track) at {len(flagged)} of {len(flags)} sessions, first at session " \
                f"{flagged[0]}"
    else:
        where = f"never above the band in {len(flags)} sessions"
    return (
        f"Patient {patient_id} had {change['first']:.0f} of 9 symptoms at the first session and "
        f"{change['last']:.0f} at the last (change {change['change']:+.0f}); with a reliable change threshold of "
        f"{threshold:.1f} symptoms that is {_CHANGE_PHRASES[change['category']]}. The patient was {where}."
    )


# --------------------------------------------------------------------------------------------------
# Dose and effect
# --------------------------------------------------------------------------------------------------


def dose_effect_figure(curve: pd.DataFrame, title: str) -> go.Figure:
    """Share of patients reliably improved at each session (lines with markers, sample size in the hover)."""
    fig = go.Figure(
        go.Scatter(
            x=curve["session"], y=curve["share"], mode="lines+markers", name="Reliably improved since session 0",
            line={"color": PALETTE["blue"], "width": 2.5}, marker={"symbol": "circle", "size": 7},
            customdata=np.stack([curve["improved"], curve["n"]], axis=1),
            hovertemplate="session %{x}: %{y:.0%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Session", dtick=2)
    fig.update_yaxes(title_text="Share reliably improved", tickformat=".0%", range=[0, 1])
    return base_layout(fig, title, height=380)


def describe_dose_effect(curve: pd.DataFrame, sessions: Sequence[int]) -> str:
    """Text alternative of :func:`dose_effect_figure`: the share improved at a few session numbers."""
    parts = []
    for session in sessions:
        row = curve.loc[curve["session"] == session].iloc[0]
        parts.append(f"session {session}: {format_percent(row['share'])} ({int(row['improved'])} of {int(row['n'])})")
    return "Share of the patients seen at each session who had improved reliably since their first: " + \
        "; ".join(parts) + ". Later sessions include only the patients still attending."


# --------------------------------------------------------------------------------------------------
# Tailored and standard CBT
# --------------------------------------------------------------------------------------------------


def tailoring_figure(pooled: pd.DataFrame, title: str) -> go.Figure:
    """Pooled within-arm change of tailored and standard CBT arms, with 95% intervals (squares with bars)."""
    fig = go.Figure(
        go.Scatter(
            x=pooled["estimate"], y=pooled["label"], mode="markers", name="Pooled change with 95% interval",
            marker={"symbol": "square", "size": 12, "color": PALETTE["blue"]},
            error_x={"type": "data", "symmetric": False, "array": (pooled["ci_high"] - pooled["estimate"]).tolist(),
                     "arrayminus": (pooled["estimate"] - pooled["ci_low"]).tolist(), "color": PALETTE["blue"],
                     "thickness": 2},
            customdata=np.stack([pooled["arms"], pooled["studies"]], axis=1),
            hovertemplate="%{y}: %{x:.2f} (%{customdata[0]} arms from %{customdata[1]} trials)<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_dash="dash", line_color=PALETTE["grey"], line_width=1.5, opacity=1)
    low = min(float(pooled["ci_low"].min()) - 0.3, -0.5)
    fig.update_xaxes(title_text="Standardised change within the arm (negative = fewer symptoms)", range=[low, 0.3])
    fig.update_yaxes(title_text="", categoryorder="array", categoryarray=list(pooled["label"])[::-1])
    return base_layout(fig, title, height=300)


def describe_tailoring(pooled: pd.DataFrame) -> str:
    """Text alternative of :func:`tailoring_figure`."""
    parts = [
        f"{row.label}: {row.estimate:.2f} (95% interval {row.ci_low:.2f} to {row.ci_high:.2f}; {row.arms} arms "
        f"from {row.studies} trials)"
        for row in pooled.itertuples()
    ]
    return "Pooled standardised change from before to after therapy. " + "; ".join(parts) + \
        ". Both are well below zero: symptoms fell in both kinds of arm."


# --------------------------------------------------------------------------------------------------
# Matching directiveness to reactance
# --------------------------------------------------------------------------------------------------


def matching_title(matching_d: float, share_high: float) -> str:
    """Title of :func:`matching_figure`."""
    return (f"Simulated clients: matching effect d = {matching_d:.2f}, "
            f"{format_percent(share_high)} with high reactance")


def matching_figure(summary: pd.DataFrame, policies: dict[str, float], matching_d: float, share_high: float,
                    ) -> go.Figure:
    """Mean outcome per client-helper combination (left) and the expected outcome of three policies (right).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`helpcourse.simulate.monitoring.matching_summary` output.
    policies : dict
        :func:`helpcourse.simulate.monitoring.expected_policy_outcomes` output.
    matching_d, share_high : float
        The settings, shown in the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: directive helper (bars by reactance group); 1: non-directive helper; 2: the three policies.
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.12,
                        subplot_titles=("Mean outcome in each combination", "Expected outcome of each policy"))
    for style, look in HELPER_STYLES.items():
        part = summary[summary["helper"] == style]
        fig.add_trace(
            go.Bar(x=[_REACTANCE_LABELS[r] for r in part["reactance"]], y=part["mean_outcome"].tolist(),
                   name=look["name"], marker={"color": look["color"], "pattern": {"shape": look["pattern"]}},
                   text=[f"n = {n}" for n in part["n"]], textposition="outside",
                   hovertemplate="%{x}, " + look["name"].lower() + ": %{y:.2f}<extra></extra>"),
            row=1, col=1,
        )
    fig.add_trace(
        go.Bar(x=list(POLICY_LABELS.values()), y=[policies[key] for key in POLICY_LABELS], name="Policy",
               showlegend=False, marker={"color": [PALETTE["blue"], PALETTE["orange"], PALETTE["green"]],
                                         "pattern": {"shape": ["", "/", "."], "fgcolor": "#222222"}},
               text=[f"{policies[key]:+.2f}" for key in POLICY_LABELS], textposition="outside",
               hovertemplate="%{x}: %{y:.2f}<extra></extra>"),
        row=1, col=2,
    )
    for col in (1, 2):
        fig.update_yaxes(range=[-1.3, 1.3], zeroline=True, zerolinecolor=PALETTE["grey"], row=1, col=col)
    fig.update_yaxes(title_text="Outcome vs the average client (SD)", row=1, col=1)
    fig.update_layout(barmode="group")
    return base_layout(fig, matching_title(matching_d, share_high), height=440)


def describe_matching(summary: pd.DataFrame, policies: dict[str, float]) -> str:
    """Text alternative of :func:`matching_figure`."""
    parts = []
    for row in summary.itertuples():
        mean = "no clients" if row.n == 0 else f"{row.mean_outcome:+.2f}"
        fit = "matched" if row.matched else "mismatched"
        parts.append(f"{row.reactance} reactance with a {row.helper} helper ({fit}, {row.n} clients): {mean}")
    policy = ", ".join(f"{label.lower()} {policies[key]:+.2f}" for key, label in POLICY_LABELS.items())
    return ("Mean outcome in standard deviations above or below the average of all clients (0 is that average, not "
            "'no change'): " + "; ".join(parts) + f". Expected outcome of each policy: {policy}.")


# --------------------------------------------------------------------------------------------------
# The outcome-monitoring alarm
# --------------------------------------------------------------------------------------------------


#: Title of :func:`alarm_figure`. It names no setting: the sliders show the threshold and the session, and the text
#: alternative states them with the counts (a title that changed with them would make plotly.js redraw the whole
#: figure on every key press).
ALARM_TITLE = "An outcome-monitoring alarm: each client's rise in score, and what the alarm gets"


def _jitter(n: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(-0.28, 0.28, n)


def alarm_rise_range(rises: Sequence[float]) -> list[float]:
    """The x range of :func:`alarm_figure`'s left panel: every rise (and threshold) given, with a point to spare."""
    values = np.asarray(rises, dtype=float)
    return [float(values.min()) - 1.0, float(values.max()) + 1.0]


def alarm_figure(clients: pd.DataFrame, threshold: float, counts: dict[str, float],
                 rise_range: Sequence[float] | None = None) -> go.Figure:
    """Each simulated client's rise in score by true group, with the threshold (left), and the alarm's counts.

    Parameters
    ----------
    clients : pandas.DataFrame
        :func:`helpcourse.simulate.monitoring.simulate_monitoring_alarm` output.
    threshold : float
        The alarm threshold (a vertical line on the left panel).
    counts : dict
        :func:`helpcourse.simulate.monitoring.alarm_counts` output at that threshold.
    rise_range : sequence of two floats, optional
        The x range of the left panel; by default :func:`alarm_rise_range` of these clients and the threshold. A
        demo passes one range for every session and threshold it offers, so that the axis stays put.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: clients not deteriorating (circles, y = 0); 1: truly deteriorating (triangles, y = 1);
        2: the threshold line; 3: bars of hits, misses, false alarms and correct all-clears.
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1,
                        subplot_titles=("Rise in score, by what is really happening", "What the alarm gets"))
    truth = clients["deteriorating"].to_numpy(dtype=bool)
    jitter = _jitter(len(clients))
    rise = clients["rise"].to_numpy(dtype=float)
    fig.add_trace(go.Scatter(x=rise[~truth], y=jitter[~truth], mode="markers", name="Not deteriorating",
                             marker={"symbol": "circle-open", "size": 7, "color": PALETTE["sky"]},
                             hovertemplate="rise %{x:.0f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=rise[truth], y=1 + jitter[truth], mode="markers", name="Truly deteriorating",
                             marker={"symbol": "triangle-up", "size": 9, "color": PALETTE["vermillion"]},
                             hovertemplate="rise %{x:.0f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[threshold, threshold], y=[-0.5, 1.5], mode="lines", name="Alarm threshold",
                             line={"color": "#000000", "dash": "dash", "width": 2}), row=1, col=1)
    fig.add_trace(go.Bar(x=[label for _, label, _, _ in ALARM_OUTCOMES], y=[counts[k] for k, _, _, _ in ALARM_OUTCOMES],
                         showlegend=False, name="Alarm outcomes",
                         marker={"color": [c for _, _, c, _ in ALARM_OUTCOMES],
                                 "pattern": {"shape": [p for _, _, _, p in ALARM_OUTCOMES], "fgcolor": "#222222"}},
                         text=[str(counts[k]) for k, _, _, _ in ALARM_OUTCOMES], textposition="outside",
                         hovertemplate="%{x}: %{y}<extra></extra>"), row=1, col=2)
    if rise_range is None:
        rise_range = alarm_rise_range([*rise, threshold])
    fig.update_xaxes(title_text="Rise in score since session 1 (points; higher = worse)", range=list(rise_range),
                     row=1, col=1)
    fig.update_yaxes(tickvals=[0, 1], ticktext=["Not deteriorating", "Deteriorating"], range=[-0.6, 1.6],
                     row=1, col=1)
    fig.update_yaxes(title_text="Clients", range=[0, len(clients) * 1.1], row=1, col=2)
    return base_layout(fig, ALARM_TITLE, height=440)


def describe_alarm(counts: dict[str, float], threshold: float, check_session: int) -> str:
    """Text alternative of :func:`alarm_figure`."""
    deteriorating = counts["hits"] + counts["misses"]
    others = counts["false_alarms"] + counts["correct_all_clears"]
    return (
        f"With an alarm at a rise of {threshold:.0f} points or more by session {check_session}: of {deteriorating} "
        f"truly deteriorating clients, {counts['hits']} set off the alarm (hits) and {counts['misses']} did not "
        f"(misses), sensitivity {format_percent(counts['sensitivity'])}; of {others} other clients, "
        f"{counts['false_alarms']} set it off (false alarms) and {counts['correct_all_clears']} did not, "
        f"specificity {format_percent(counts['specificity'])}."
    )
