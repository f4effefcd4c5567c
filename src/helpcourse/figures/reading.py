"""Figures of module 01, Reading outcome research."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, STRONGER, WEAKER, base_layout, format_percent, format_r

__all__ = ["alliance_outcome_figure", "describe_alliance_outcome"]


def alliance_outcome_figure(
    alliance: Sequence[float],
    outcome: Sequence[float],
    r: float,
    stronger_rate: float,
    weaker_rate: float,
) -> go.Figure:
    """Scatter of simulated clients beside the share of each alliance half that ends above the median outcome.

    Parameters
    ----------
    alliance, outcome
        Standardised alliance and outcome scores of the simulated clients (higher is better).
    r
        The correlation shown in the title.
    stronger_rate, weaker_rate
        Share of clients with an outcome above the median in the top and bottom alliance halves (a translation of
        r into clients, not a clinical recovery criterion).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 and 1: the two halves of the scatter; trace 2 and 3: one bar each for the two shares.
    """
    frame = pd.DataFrame({"alliance": alliance, "outcome": outcome})
    cut = frame["alliance"].median()
    top = frame[frame["alliance"] > cut]
    bottom = frame[frame["alliance"] <= cut]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.62, 0.38],
        subplot_titles=("Each dot is one client", "Share above the median outcome"),
        horizontal_spacing=0.12,
    )
    for part, style in ((top, STRONGER), (bottom, WEAKER)):
        fig.add_trace(
            go.Scatter(
                x=part["alliance"],
                y=part["outcome"],
                mode="markers",
                name=style["name"],
                marker={"color": style["color"], "symbol": style["symbol"], "size": 7, "opacity": 0.75},
                hovertemplate="alliance %{x:.2f}<br>outcome %{y:.2f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for rate, style in ((stronger_rate, STRONGER), (weaker_rate, WEAKER)):
        fig.add_trace(
            go.Bar(
                x=[style["name"].split(" (")[0]],
                y=[rate],
                text=[format_percent(rate)],
                textposition="outside",
                marker={"color": style["color"], "pattern": {"shape": style["pattern"]}},
                showlegend=False,
                hovertemplate="%{x}: %{y:.0%}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.add_hline(
        y=0.0,
        line_dash="dot",
        line_color=PALETTE["grey"],
        line_width=1.5,
        opacity=1,
        annotation_text="above the median outcome",
        annotation_position="top left",
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="Alliance (standardised)", range=[-3.5, 3.5], row=1, col=1)
    fig.update_yaxes(title_text="Outcome (standardised; higher = better)", range=[-3.5, 3.5], row=1, col=1)
    fig.update_yaxes(title_text="Above the median outcome", range=[0, 1], tickformat=".0%", row=1, col=2)
    return base_layout(fig, f"Alliance and outcome when r = {format_r(r)} ({len(frame)} simulated clients)")


def describe_alliance_outcome(r: float, n_clients: int, stronger_rate: float, weaker_rate: float) -> str:
    """Text alternative of :func:`alliance_outcome_figure`."""
    gap = stronger_rate - weaker_rate
    return (
        f"Scatter plot of {n_clients} simulated clients with a correlation of r = {format_r(r)} between alliance "
        f"and outcome, and a bar chart of the share above the median outcome. Of the clients in the "
        f"stronger-alliance half, {format_percent(stronger_rate)} ended above the median outcome, against "
        f"{format_percent(weaker_rate)} in the weaker half: {100 * gap:.0f} more clients in every 100 (a "
        f"translation of r, not a recovery rate). r squared: {100 * r * r:.1f}% of the outcome variance."
    )


