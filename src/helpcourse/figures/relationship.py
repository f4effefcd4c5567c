"""Figures of module 03, A safe, supportive relationship."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, base_layout, format_percent, format_r

__all__ = [
    "CASELOAD_TITLE",
    "HIGH_QUALITY",
    "LESS_EMPATHIC",
    "LOW_QUALITY",
    "MORE_EMPATHIC",
    "caseload_axis_ranges",
    "caseload_recoveries_figure",
    "caseload_trace_values",
    "complex_reflections_figure",
    "describe_caseload_recoveries",
    "describe_complex_reflections",
]

MORE_EMPATHIC = {"color": PALETTE["blue"], "symbol": "circle", "name": "Clients of more empathic helpers"}
LESS_EMPATHIC = {"color": PALETTE["orange"], "symbol": "square", "name": "Clients of less empathic helpers"}
HIGH_QUALITY = {"color": PALETTE["blue"], "symbol": "circle", "name": "High-quality MI session"}
LOW_QUALITY = {"color": PALETTE["vermillion"], "symbol": "square-open", "name": "Low-quality MI session"}

#: Title of :func:`caseload_recoveries_figure`. It names no setting: the sliders show r and the caseload's size and
#: the text alternative states them; a title that changed would make plotly.js redraw the whole figure.
CASELOAD_TITLE = "Empathy on a caseload: simulated caseloads at the chosen r"
#: Title of its left panel (the axis runs from 0 to the size of a half).
CASELOAD_HALF_TITLE = "Clients above the median in each half"

#: Bars of the difference histogram: which half was ahead, with colour and pattern.
DIFFERENCE_BARS = (
    ("ahead", "More empathic half ahead", PALETTE["blue"], ""),
    ("tied", "Tied", PALETTE["grey"], "x"),
    ("behind", "Less empathic half ahead", PALETTE["vermillion"], "/"),
)


def _interval_text(mean: float, low: float, high: float, coverage: float) -> str:
    return f"{mean:.1f} on average ({format_percent(coverage)} of caseloads: {low:.0f} to {high:.0f})"


def _difference_parts(distribution: pd.DataFrame) -> dict[str, pd.DataFrame]:
    sign = np.sign(distribution["difference"].to_numpy())
    return {"ahead": distribution[sign > 0], "tied": distribution[sign == 0], "behind": distribution[sign < 0]}


def caseload_recoveries_figure(summary, distribution: pd.DataFrame, r: float) -> go.Figure:
    """Clients above the median outcome per half of a caseload across simulated caseloads, and the difference.

    Parameters
    ----------
    summary
        A :class:`helpcourse.simulate.caseload.CaseloadSummary` of the simulated caseloads.
    distribution
        :func:`helpcourse.simulate.caseload.difference_distribution` of the same caseloads.
    r
        The correlation between empathy and outcome used in the simulation (stated by the text alternative).

    Returns
    -------
    plotly.graph_objects.Figure
        Left: trace 0 and 1, the mean count above the median of each half, with a bar over the middle range of
        caseloads
        (circle and square markers). Right: traces 2-4, how many caseloads showed each difference, split by
        which half was ahead (colour and bar pattern); trace 5, a dashed line at no difference. Every axis range
        is set (:func:`caseload_axis_ranges`), so that a key press changes trace data and axis ranges only.
    """
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.1,
        subplot_titles=(CASELOAD_HALF_TITLE, "More minus less empathic half"),
    )
    values = caseload_trace_values(summary, distribution)
    for style, value in zip((MORE_EMPATHIC, LESS_EMPATHIC), values[:2], strict=True):
        fig.add_trace(
            go.Scatter(
                x=value["x"], y=[style["name"].replace("Clients of ", "").capitalize()], mode="markers",
                name=style["name"],
                marker={"color": style["color"], "symbol": style["symbol"], "size": 14},
                error_x={"type": "data", "symmetric": False, "array": value["array"],
                         "arrayminus": value["arrayminus"], "color": style["color"], "thickness": 3, "width": 8},
                hovertemplate=value["hovertemplate"],
            ),
            row=1, col=1,
        )
    for (_key, name, colour, pattern), value in zip(DIFFERENCE_BARS, values[2:5], strict=True):
        fig.add_trace(
            go.Bar(
                x=value["x"], y=value["y"], name=name,
                marker={"color": colour, "pattern": {"shape": pattern}, "line": {"width": 0}},
                hovertemplate="difference %{x}: %{y} caseloads<extra></extra>",
            ),
            row=1, col=2,
        )
    fig.add_trace(  # the line at no difference: a trace, so that a key press changes trace data only
        go.Scatter(x=values[5]["x"], y=values[5]["y"], mode="lines", name="No difference", showlegend=False,
                   line={"dash": "dash", "color": PALETTE["grey"], "width": 2}, hoverinfo="skip"),
        row=1, col=2,
    )
    ranges = caseload_axis_ranges(summary, distribution)
    fig.update_xaxes(title_text="Clients above the median outcome", range=ranges["xaxis"], row=1, col=1)
    fig.update_yaxes(categoryorder="array", categoryarray=["Less empathic helpers", "More empathic helpers"],
                     row=1, col=1)
    fig.update_xaxes(title_text="Difference in clients above the median", range=ranges["xaxis2"], row=1, col=2)
    fig.update_yaxes(title_text="Simulated caseloads", range=ranges["yaxis2"], row=1, col=2)
    fig.update_layout(barmode="overlay", bargap=0.05)
    base_layout(fig, CASELOAD_TITLE, height=460)
    fig.update_layout(legend={"y": -0.3}, margin={"b": 130})
    return fig


def caseload_trace_values(summary, distribution: pd.DataFrame) -> list[dict[str, object]]:
    """The values of the five traces of :func:`caseload_recoveries_figure`, in trace order (to update it in place).

    Returns
    -------
    list of dict
        Two markers (more, then less empathic half) with ``x`` (the mean count above the median), ``array`` and
        ``arrayminus`` (the error bar up to the top and down to the bottom of the middle range) and
        ``hovertemplate``; then three bar traces (ahead, tied, behind) with ``x`` (differences) and ``y``
        (caseloads); then the line at no difference (``x``, ``y``).
    """
    groups = (
        (summary.mean_more, summary.more_low, summary.more_high),
        (summary.mean_less, summary.less_low, summary.less_high),
    )
    values: list[dict[str, object]] = [
        {"x": [mean], "array": [high - mean], "arrayminus": [mean - low],
         "hovertemplate": f"%{{y}}: {_interval_text(mean, low, high, summary.coverage)}<extra></extra>"}
        for mean, low, high in groups
    ]
    parts = _difference_parts(distribution)
    for key, _name, _colour, _pattern in DIFFERENCE_BARS:
        values.append({"x": parts[key]["difference"].to_numpy(), "y": parts[key]["n_caseloads"].to_numpy()})
    values.append({"x": [0, 0], "y": caseload_axis_ranges(summary, distribution)["yaxis2"]})
    return values


def caseload_axis_ranges(summary, distribution: pd.DataFrame) -> dict[str, list[float]]:
    """The axis ranges of :func:`caseload_recoveries_figure`: ``xaxis`` from 0 to the size of a half; ``xaxis2``
    the differences that came up (and 0), with a bar's width to spare; ``yaxis2`` from 0 to just above the
    tallest bar."""
    differences = distribution["difference"].to_numpy(dtype=float)
    low, high = min(0.0, float(differences.min())), max(0.0, float(differences.max()))
    return {
        "xaxis": [0, summary.n_clients // 2],
        "xaxis2": [low - 1.0, high + 1.0],
        "yaxis2": [0.0, float(distribution["n_caseloads"].max()) * 1.05],
    }


def describe_caseload_recoveries(summary, r: float) -> str:
    """Text alternative of :func:`caseload_recoveries_figure`."""
    half = summary.n_clients // 2
    return (
        f"{summary.n_caseloads:,} simulated caseloads of {summary.n_clients} clients, {half} seen by more and {half} "
        f"by less empathic helpers, when empathy and outcome correlate r = {format_r(r)}. Clients above the median "
        f"outcome, of more empathic helpers: "
        f"{_interval_text(summary.mean_more, summary.more_low, summary.more_high, summary.coverage)}; "
        f"of less empathic helpers: "
        f"{_interval_text(summary.mean_less, summary.less_low, summary.less_high, summary.coverage)}. "
        f"The more empathic half had more clients above the median in {format_percent(summary.share_more_ahead)} "
        f"of caseloads, as many in {format_percent(summary.share_tied)} and fewer in "
        f"{format_percent(summary.share_less_ahead)}."
    )


def complex_reflections_figure(table: pd.DataFrame, thresholds: dict[str, float]) -> go.Figure:
    """Each AnnoMI session: how many reflections it holds and what share of them is complex, by MI quality.

    Parameters
    ----------
    table
        :func:`helpcourse.skills.reflections_by_transcript` (sessions without a reflection are left out: they
        have no share).
    thresholds
        Benchmark name -> share, drawn as horizontal lines (:func:`helpcourse.skills.miti_complex_thresholds`).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: high-quality sessions (filled circles); trace 1: low-quality sessions (open squares).
        The x axis (number of reflections) is logarithmic.
    """
    shown = table[table["n_reflections"] > 0]
    fig = go.Figure()
    for quality, style in (("high", HIGH_QUALITY), ("low", LOW_QUALITY)):
        part = shown[shown["mi_quality"] == quality]
        custom = np.column_stack([part.index.to_numpy(), part["n_complex"].to_numpy(), part["topic"].astype(str)])
        fig.add_trace(
            go.Scatter(
                x=part["n_reflections"], y=part["complex_share"], mode="markers", name=style["name"],
                marker={"color": style["color"], "symbol": style["symbol"], "size": 9, "opacity": 0.8,
                        "line": {"width": 2 if style["symbol"].endswith("open") else 0}},
                customdata=custom,
                hovertemplate=("transcript %{customdata[0]} (%{customdata[2]})<br>%{customdata[1]} of %{x} "
                               "reflections complex (%{y:.0%})<extra></extra>"),
            )
        )
    dashes = {"fair": "dash", "good": "dot"}
    for name, share in thresholds.items():
        fig.add_hline(y=share, line_dash=dashes.get(name, "dashdot"), line_color=PALETTE["grey"], line_width=2,
                      opacity=1, annotation_text=f"MITI {name}: {format_percent(share)}",
                      annotation_position="top right")
    top = max(2.0, float(shown["n_reflections"].max()) * 1.3) if len(shown) else 10.0
    fig.update_xaxes(type="log", range=[-0.1, math.log10(top)], tickvals=[1, 2, 5, 10, 20, 50, 100, 200],
                     title_text="Reflections in the session (log scale)")
    fig.update_yaxes(range=[-0.05, 1.05], tickformat=".0%", title_text="Share of reflections that are complex")
    return base_layout(fig, "Complex reflections in AnnoMI sessions, by quality of the demonstration", height=440)


def describe_complex_reflections(table: pd.DataFrame, thresholds: dict[str, float]) -> str:
    """Text alternative of :func:`complex_reflections_figure`."""
    parts = []
    for quality in ("high", "low"):
        sessions = table[table["mi_quality"] == quality]
        with_ref = sessions[sessions["n_reflections"] > 0]
        reach = ", ".join(
            f"{int((with_ref['complex_share'] >= share).sum())} reach {name} ({format_percent(share)})"
            for name, share in thresholds.items()
        )
        parts.append(
            f"{quality.capitalize()}-quality: {len(sessions)} sessions, "
            f"{len(sessions) - len(with_ref)} without any reflection "
            f"(not shown); of the {len(with_ref)} others, median {with_ref['n_reflections'].median():g} reflections "
            f"and {format_percent(with_ref['complex_share'].median())} complex; {reach}"
        )
    return (
        "Scatter plot of AnnoMI sessions: number of reflections across (log scale), share of them that is complex "
        "up, with dashed and dotted lines at the MITI benchmarks. " + ". ".join(parts) + "."
    )
