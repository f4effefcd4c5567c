"""Figures of module 01, Reading outcome research."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, STRONGER, WEAKER, base_layout, forest_plot, format_percent, format_r

__all__ = [
    "CORRELATION_TITLE",
    "MEDIAN_LINE_LABEL",
    "NO_INTERVAL_LABEL",
    "SCATTER_RANGE",
    "alliance_outcome_figure",
    "describe_alliance_outcome",
    "describe_relationship_forest",
    "hover_detail",
    "relationship_forest_figure",
]

#: Title of :func:`alliance_outcome_figure`. It names no setting: the sliders show r and the number of clients and
#: the text alternative states them; a title that changed would make plotly.js redraw the whole figure.
CORRELATION_TITLE = "Alliance and outcome in simulated clients"
#: Both axes of the scatter (standardised scores).
SCATTER_RANGE = (-3.5, 3.5)
#: Label of the dotted line at the sample's median outcome in :func:`alliance_outcome_figure`.
MEDIAN_LINE_LABEL = "above the median outcome"
#: Legend entry of the forest-plot rows drawn without an interval (the evidence table holds none for them).
NO_INTERVAL_LABEL = "Estimate, no interval in the course's evidence table"


def alliance_outcome_figure(
    alliance: Sequence[float],
    outcome: Sequence[float],
    r: float,
    stronger_rate: float,
    weaker_rate: float,
) -> go.Figure:
    """Scatter of simulated clients beside the share of each alliance half that ends above the median outcome.

    The dotted line in the scatter is the median outcome of these clients: the dots above it are the clients
    counted in the bars.

    Parameters
    ----------
    alliance, outcome
        Standardised alliance and outcome scores of the simulated clients (higher is better).
    r
        The correlation the clients were simulated with (stated by the text alternative, not the title).
    stronger_rate, weaker_rate
        Share of clients with an outcome above the median in the top and bottom alliance halves (a translation of
        r into clients, not a clinical recovery criterion).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 and 1: the two halves of the scatter; trace 2 and 3: one bar each for the two shares; trace 4:
        the dotted line at the sample's median outcome, trace 5 its label.
    """
    frame = pd.DataFrame({"alliance": alliance, "outcome": outcome})
    median_outcome = float(np.median(frame["outcome"]))
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
    # The dotted line and its label are traces, not a shape and an annotation: a key press then changes trace data
    # only, which the browser redraws without redrawing the axes and titles (FigureWidget.batch_redraw_traces).
    fig.add_trace(
        go.Scatter(
            x=list(SCATTER_RANGE), y=[median_outcome] * 2, mode="lines", name=MEDIAN_LINE_LABEL, showlegend=False,
            line={"dash": "dot", "color": PALETTE["grey"], "width": 1.5}, hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[SCATTER_RANGE[0]], y=[median_outcome], mode="text", text=[MEDIAN_LINE_LABEL],
            textposition="top right", showlegend=False, hoverinfo="skip", textfont={"color": PALETTE["grey"]},
        ),
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="Alliance (standardised)", range=list(SCATTER_RANGE), row=1, col=1)
    fig.update_yaxes(title_text="Outcome (standardised; higher = better)", range=list(SCATTER_RANGE), row=1, col=1)
    fig.update_yaxes(title_text="Above the median outcome", range=[0, 1], tickformat=".0%", row=1, col=2)
    return base_layout(fig, CORRELATION_TITLE)


def describe_alliance_outcome(r: float, n_clients: int, stronger_rate: float, weaker_rate: float) -> str:
    """Text alternative of :func:`alliance_outcome_figure`."""
    gap = round(100 * stronger_rate) - round(100 * weaker_rate)
    return (
        f"Scatter plot of {n_clients} simulated clients with a correlation of r = {format_r(r)} between alliance "
        f"and outcome, with a dotted line at the median outcome of this sample, and a bar chart of the share above "
        f"the median outcome. In this simulated sample, {format_percent(stronger_rate)} of the clients in the "
        f"stronger-alliance half ended above the median outcome, against {format_percent(weaker_rate)} in the "
        f"weaker half: {gap} more per 100 clients in the stronger half than per 100 in the weaker half ({gap} "
        f"percentage points; a translation of r, not a recovery rate). r squared: {100 * r * r:.1f}% of the "
        f"outcome variance."
    )


def hover_detail(detail: str, caveat: str, width: int = 60) -> str:
    """Hover text of a forest-plot row: its k, N and citation, then its caveat, wrapped into short lines."""
    return "<br>".join([detail, *textwrap.wrap(caveat, width)])


def relationship_forest_figure(rows: pd.DataFrame, x_title: str, title: str) -> go.Figure:
    """:func:`helpcourse.figures.forest_plot` of module 01's relationship rows.

    Rows without an interval are labelled as having none *in the course's evidence table* (the sources may
    report one that the table does not hold).
    """
    fig = forest_plot(rows, x_title, title)
    fig.data[1].name = NO_INTERVAL_LABEL
    return fig


def describe_relationship_forest(rows: pd.DataFrame, metric: str) -> str:
    """Text alternative of :func:`relationship_forest_figure`: the range of estimates, ties at the top named."""
    ranked = rows.sort_values("estimate", ascending=False, kind="stable")
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    n_no_ci = int((rows["ci_low"].isna() | rows["ci_high"].isna()).sum())
    return (
        f"Forest plot of {len(rows)} published meta-analytic results, on the {metric} scale. All lie above zero, "
        f"from {bottom['label']} ({bottom['estimate']:.2f}) to {top['label']} ({top['estimate']:.2f}). "
        f"Squares with bars show 95% confidence intervals; {n_no_ci} results have no interval in the course's "
        f"evidence table and are drawn as open diamonds."
    )
