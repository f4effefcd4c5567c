"""Figures of module 06, Strengths, resources and hope: weak evidence simulated, and contact with a helper."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from helpcourse.figures.core import PALETTE, base_layout
from helpcourse.simulate import weak_evidence as simulate_weak_evidence

__all__ = [
    "WEAK_EVIDENCE_EDGES",
    "contact_odds_ratio_figure",
    "describe_contact_odds_ratios",
    "describe_weak_evidence",
    "weak_evidence_bars",
    "weak_evidence_figure",
    "weak_evidence_line_height",
    "weak_evidence_title",
]

#: Bin edges of the histogram of estimated effects (width 0.05, from -1.5 to 3); estimates beyond them are
#: counted in the outer bins.
WEAK_EVIDENCE_EDGES: npt.NDArray[np.float64] = np.round(np.linspace(-1.5, 3.0, 91), 10)

_BENEFIT_NAME = "Found a significant benefit (p < .05)"
_OTHER_NAME = "No significant benefit"
_OTHER_HIDDEN_NAME = "No significant benefit (not reported)"


def weak_evidence_bars(
    studies: simulate_weak_evidence.SmallStudies,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Histogram of the studies' estimated d: bin centres, counts of studies with and without a benefit.

    Parameters
    ----------
    studies
        From :func:`helpcourse.simulate.weak_evidence.simulate_small_studies`.

    Returns
    -------
    tuple
        Bin centres (:data:`WEAK_EVIDENCE_EDGES`), counts of studies that found a significant benefit and
        counts of the others, per bin.
    """
    edges = WEAK_EVIDENCE_EDGES
    centres = np.round((edges[:-1] + edges[1:]) / 2, 10)
    benefit = studies.found_benefit
    return (
        centres,
        simulate_weak_evidence.histogram_counts(studies.d[benefit], edges),
        simulate_weak_evidence.histogram_counts(studies.d[~benefit], edges),
    )


def weak_evidence_title(n_studies: int, n_per_group: int, selection_bias: float = 0.0) -> str:
    """Title of :func:`weak_evidence_figure`: randomised studies without selection bias, non-randomised with it."""
    design = "non-randomised" if selection_bias > 0 else "randomised"
    return f"Estimated effects of {n_studies:,} simulated {design} studies, {n_per_group} clients per group"


def weak_evidence_line_height(benefit: npt.NDArray[np.int64], other: npt.NDArray[np.int64]) -> float:
    """Height of the vertical lines of :func:`weak_evidence_figure`: a little above the tallest stacked bar."""
    return float(max(1, int((benefit + other).max())) * 1.08)


def weak_evidence_figure(studies: simulate_weak_evidence.SmallStudies, only_significant: bool = False) -> go.Figure:
    """Stacked histogram of many simulated studies' estimated effects, with the true and the average reported d.

    Parameters
    ----------
    studies
        From :func:`helpcourse.simulate.weak_evidence.simulate_small_studies`.
    only_significant
        True when only studies that found a significant benefit are reported; the others are then drawn faint.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: studies that found a significant benefit (blue bars); trace 1: the other studies (grey hatched
        bars, faint when not reported); trace 2: the true effect (black dashed line); trace 3: the average
        reported effect (vermillion dotted line with diamond ends).
    """
    summary = simulate_weak_evidence.summarise_studies(studies, only_significant)
    centres, benefit, other = weak_evidence_bars(studies)
    top = weak_evidence_line_height(benefit, other)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=centres, y=benefit, name=_BENEFIT_NAME, marker={"color": PALETTE["blue"]},
        hovertemplate="d around %{x:.2f}: %{y} studies with a significant benefit<extra></extra>",
    ))
    fig.add_trace(go.Bar(
        x=centres, y=other, name=_OTHER_HIDDEN_NAME if only_significant else _OTHER_NAME,
        marker={"color": PALETTE["grey"], "pattern": {"shape": "/"}},
        opacity=0.3 if only_significant else 0.75,
        hovertemplate="d around %{x:.2f}: %{y} studies without a significant benefit<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[summary.true_d, summary.true_d], y=[0, top], mode="lines", name="True effect",
        line={"color": "#000000", "dash": "dash", "width": 2.5},
        hovertemplate="true effect d = %{x:.2f}<extra></extra>",
    ))
    reported = summary.mean_reported if math.isfinite(summary.mean_reported) else summary.true_d
    fig.add_trace(go.Scatter(
        x=[reported, reported], y=[0, top], mode="lines+markers", name="Average reported effect",
        line={"color": PALETTE["vermillion"], "dash": "dot", "width": 3},
        marker={"symbol": "diamond", "size": 10},
        hovertemplate="average reported d = %{x:.2f}<extra></extra>",
    ))
    fig.update_layout(barmode="stack", bargap=0.05)
    fig.update_xaxes(range=[float(WEAK_EVIDENCE_EDGES[0]), float(WEAK_EVIDENCE_EDGES[-1])],
                     title_text="Effect the study estimated (Cohen's d)", zeroline=False)
    fig.update_yaxes(title_text="Number of studies", rangemode="tozero")
    return base_layout(fig, weak_evidence_title(summary.n_studies, studies.n_per_group, studies.selection_bias),
                       height=460)


def describe_weak_evidence(summary: simulate_weak_evidence.StudiesSummary, n_per_group: int,
                           selection_bias: float) -> str:
    """Text alternative of :func:`weak_evidence_figure`: the settings, the share finding a benefit, the averages."""
    head = (
        f"Histogram of the effects estimated by {summary.n_studies:,} simulated studies with {n_per_group} clients "
        f"per group, a true effect d = {summary.true_d:.2f} and a selection bias of {selection_bias:.2f} standard "
        f"deviations. {100 * summary.share_benefit:.1f}% of the studies found a significant benefit. "
        f"Average estimated effect over all studies: d = {summary.mean_all:.2f}."
    )
    if not summary.only_significant:
        return f"{head} All studies are reported, so a reader sees that average, against a true d = " \
               f"{summary.true_d:.2f}."
    if summary.n_reported == 0:
        return f"{head} Only significant benefits are reported, and none was found: a reader sees nothing."
    return (
        f"{head} Only the {summary.n_reported:,} studies with a significant benefit are reported: their average is "
        f"d = {summary.mean_reported:.2f}, against a true d = {summary.true_d:.2f}."
    )


def contact_odds_ratio_figure(pooled: pd.DataFrame, trials: Mapping[str, pd.DataFrame], title: str) -> go.Figure:
    """Pooled and single-trial odds ratios of quitting smoking, each kind of contact against no contact.

    Parameters
    ----------
    pooled
        ``strengths.contact_odds_ratios(arms)``: one row per kind of contact (``contact``, ``label``, ``k``,
        ``odds_ratio``, ``ci_low``, ``ci_high``, ``detail``), plotted top to bottom in row order.
    trials
        Kind of contact -> ``strengths.within_trial_odds_ratios(arms, contact)``.
    title
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: pooled odds ratios with 95% confidence intervals (blue diamonds with bars); trace 1: single
        trials (grey open circles, just above their row). The x axis is logarithmic, with a dashed line at 1
        (no difference).
    """
    rows = len(pooled)
    position = {contact: rows - 1 - i for i, contact in enumerate(pooled["contact"])}
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=pooled["odds_ratio"], y=[position[c] for c in pooled["contact"]], mode="markers",
        name="Pooled odds ratio with 95% confidence interval",
        marker={"symbol": "diamond", "size": 14, "color": PALETTE["blue"]},
        error_x={"type": "data", "symmetric": False, "array": (pooled["ci_high"] - pooled["odds_ratio"]).tolist(),
                 "arrayminus": (pooled["odds_ratio"] - pooled["ci_low"]).tolist(), "color": PALETTE["blue"],
                 "thickness": 2},
        customdata=np.stack([pooled["label"], pooled["detail"], pooled["ci_low"], pooled["ci_high"]], axis=-1),
        hovertemplate="%{customdata[0]}: OR = %{x:.2f} (95% CI %{customdata[2]:.2f} to %{customdata[3]:.2f})"
                      "<br>%{customdata[1]}<extra></extra>",
    ))
    xs, ys, names = [], [], []
    for contact in pooled["contact"]:
        table = trials[contact]
        xs += table["odds_ratio"].tolist()
        ys += [position[contact] + 0.28] * len(table)
        names += [f"{a} ({y}): {qc} of {nc} vs {qr} of {nr} quit" for a, y, qc, nc, qr, nr in zip(
            table["authors"], table["year"], table["quit_contact"], table["n_contact"], table["quit_reference"],
            table["n_reference"], strict=True)]
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers", name="One trial",
        marker={"symbol": "circle-open", "size": 9, "color": PALETTE["grey"], "line": {"width": 1.5}},
        customdata=names, hovertemplate="%{customdata}<br>OR = %{x:.2f}<extra></extra>",
    ))
    fig.add_vline(x=1, line_dash="dash", line_color=PALETTE["grey"], line_width=1.5, opacity=1)
    ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]
    fig.update_xaxes(type="log", title_text="Odds ratio of quitting against no contact (log scale; 1 = no difference)",
                     range=[math.log10(0.1), math.log10(300)], tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    ticktext = [f"{label} ({k} trials)" for label, k in zip(pooled["label"], pooled["k"], strict=True)]
    fig.update_yaxes(tickvals=[position[c] for c in pooled["contact"]], ticktext=ticktext,
                     range=[-0.6, rows - 0.4], title_text="", showgrid=False)
    fig = base_layout(fig, title, height=420)
    fig.update_layout(legend={"y": -0.32}, margin={"b": 110})
    return fig


def describe_contact_odds_ratios(pooled: pd.DataFrame) -> str:
    """Text alternative of :func:`contact_odds_ratio_figure`: each pooled odds ratio with its interval and k."""
    parts = [
        f"{row.label}: OR = {row.odds_ratio:.2f} (95% CI {row.ci_low:.2f} to {row.ci_high:.2f}, {row.k} trials)"
        for row in pooled.itertuples()
    ]
    return (
        "Pooled odds ratios of quitting smoking against no contact, within randomised trials, on a log scale with "
        "a dashed line at 1, each trial's own odds ratio drawn as a small circle above its row. " + "; ".join(parts)
        + ". An interval that crosses 1 leaves open whether that kind of contact helps."
    )
