"""Shared style and generic figures: the palette, the layout, number formats, forest plots and rate bars.

Plotly figure builders: pure functions, data in, ``go.Figure`` out.

Every figure uses one colour-blind-safe palette (Okabe & Ito) and never lets colour carry meaning alone:
groups also differ in marker symbol, bar pattern or line dash. Every builder also has a companion
``describe_*`` function returning the figure's text alternative, which the notebooks print under the plot.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

__all__ = [
    "FONT",
    "PALETTE",
    "STRONGER",
    "WEAKER",
    "base_layout",
    "describe_forest",
    "forest_plot",
    "format_percent",
    "format_r",
    "group_rates_figure",
]

# Okabe, M., & Ito, K. (2008). Color universal design: distinguishable by the common forms of colour blindness.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#555555",
}

STRONGER = {"color": PALETTE["blue"], "symbol": "circle", "pattern": "", "name": "Stronger alliance (top half)"}
WEAKER = {"color": PALETTE["orange"], "symbol": "square", "pattern": "/", "name": "Weaker alliance (bottom half)"}

FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14}

#: Every figure's template, made plotly's default when the figures are first imported. A new figure takes the default
#: template as it is; a template named in ``update_layout`` is checked and deep-copied again for every figure, and
#: plotly's own default would be built first for nothing (together 0.1-0.2 s over the four demos of module 07).
TEMPLATE = "simple_white"
pio.templates.default = TEMPLATE


def base_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.02},
        font=FONT,
        height=height,
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        legend={"orientation": "h", "y": -0.18, "x": 0},
    )
    return fig


def format_r(r: float) -> str:
    """Format a correlation the APA way: no leading zero, two decimals (``.28``, ``-.05``)."""
    text = f"{r:.2f}"
    return text.replace("0.", ".", 1)


def format_percent(p: float) -> str:
    """Format a proportion as a whole-number percentage (``0.589`` -> ``59%``)."""
    return f"{100 * p:.0f}%"


def forest_plot(rows: pd.DataFrame, x_title: str, title: str) -> go.Figure:
    """A forest plot of published effect sizes.

    Parameters
    ----------
    rows
        One row per finding with columns ``label``, ``estimate``, ``ci_low``, ``ci_high`` (NaN where the source
        reports no interval) and ``detail`` (hover text: k, N, citation). Plotted top to bottom in row order.
    x_title
        Axis title naming the effect-size metric.
    title
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: findings with a confidence interval (filled squares with error bars);
        trace 1: findings reported without one (open diamonds).
    """
    order = list(rows["label"])[::-1]
    has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    fig = go.Figure()
    with_ci = rows[has_ci]
    fig.add_trace(
        go.Scatter(
            x=with_ci["estimate"],
            y=with_ci["label"],
            mode="markers",
            name="Estimate with 95% confidence interval",
            marker={"symbol": "square", "size": 11, "color": PALETTE["blue"]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (with_ci["ci_high"] - with_ci["estimate"]).tolist(),
                "arrayminus": (with_ci["estimate"] - with_ci["ci_low"]).tolist(),
                "color": PALETTE["blue"],
                "thickness": 2,
            },
            customdata=with_ci["detail"],
            hovertemplate="%{y}: %{x:.2f}<br>%{customdata}<extra></extra>",
        )
    )
    without = rows[~has_ci]
    fig.add_trace(
        go.Scatter(
            x=without["estimate"],
            y=without["label"],
            mode="markers",
            name="Estimate, no interval in the evidence table",
            marker={"symbol": "diamond-open", "size": 12, "color": PALETTE["vermillion"], "line": {"width": 2}},
            customdata=without["detail"],
            hovertemplate="%{y}: %{x:.2f}<br>%{customdata}<extra></extra>",
        )
    )
    # simple_white draws shapes with width 0 unless it is set explicitly.
    fig.add_vline(x=0, line_dash="dash", line_color=PALETTE["grey"], line_width=1.5, opacity=1)
    fig.update_yaxes(categoryorder="array", categoryarray=order, title_text="")
    fig.update_xaxes(title_text=x_title, zeroline=False)
    return base_layout(fig, title, height=max(360, 40 * len(rows) + 160))


def describe_forest(rows: pd.DataFrame, metric: str) -> str:
    """Text alternative of :func:`forest_plot`: the range of effects and the largest and smallest."""
    ranked = rows.sort_values("estimate", ascending=False)
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    n_no_ci = int((rows["ci_low"].isna()).sum())
    return (
        f"Forest plot of {len(rows)} published meta-analytic results, on the {metric} scale. All lie above zero, "
        f"from {bottom['label']} ({bottom['estimate']:.2f}) to {top['label']} ({top['estimate']:.2f}). "
        f"Squares with bars show 95% confidence intervals; {n_no_ci} results have no interval in the course's "
        f"evidence table and are drawn as open diamonds."
    )


def group_rates_figure(labels: Sequence[str], rates: Sequence[float], counts: Sequence[str], title: str) -> go.Figure:
    """Horizontal bars of one rate per group (for example quit rates by kind of help), labelled with counts."""
    colours = [PALETTE["grey"], PALETTE["sky"], PALETTE["blue"], PALETTE["green"], PALETTE["orange"]]
    patterns = ["x", ".", "", "/", "\\"]
    fig = go.Figure(
        go.Bar(
            x=list(rates),
            y=list(labels),
            orientation="h",
            text=[f"{format_percent(r)} ({c})" for r, c in zip(rates, counts, strict=True)],
            textposition="outside",
            marker={
                "color": [colours[i % len(colours)] for i in range(len(labels))],
                "pattern": {"shape": [patterns[i % len(patterns)] for i in range(len(labels))]},
            },
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, max(rates) * 1.35], tickformat=".0%", title_text="Share who quit smoking")
    fig.update_yaxes(categoryorder="array", categoryarray=list(labels)[::-1])
    return base_layout(fig, title, height=340)
