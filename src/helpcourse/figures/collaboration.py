"""Figures of module 05, Collaboration and client preferences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, base_layout, format_percent

__all__ = [
    "DROPOUT_OR_RANGE",
    "TRIAL_DIFFERENCE_RANGE",
    "describe_dropout_forest",
    "describe_preference_trial",
    "dropout_forest_figure",
    "dropout_forest_labels",
    "dropout_forest_title",
    "PREFERENCE_TRIAL_TITLE",
    "TRIAL_N_RANGE",
    "preference_trial_figure",
]

#: Fixed x-axis of the outcome panel (difference in means, standardised units).
TRIAL_DIFFERENCE_RANGE = (-1.0, 1.6)
#: Fixed x-axis of the power panel (clients per arm): the sliders' 20 to 500, with room for the star at either end.
TRIAL_N_RANGE = (0.0, 520.0)
#: Title of :func:`preference_trial_figure`. It names no setting: the sliders show them and the text alternative
#: states them with the results (a title that changed with them would make plotly.js redraw the whole figure on
#: every key press).
PREFERENCE_TRIAL_TITLE = "A simulated preference trial: outcome, dropout per arm and power"
#: Fixed x-axis of the dropout forest plot (odds ratio, log scale): log10 of 0.25 and 4.
DROPOUT_OR_RANGE = (float(np.log10(0.25)), float(np.log10(4.0)))

_ARMS = ("Matched", "Not matched")
_ARM_STYLE = (
    {"color": PALETTE["blue"], "pattern": ""},
    {"color": PALETTE["orange"], "pattern": "/"},
)


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace("-", "−")


# --------------------------------------------------------------------------------------------------
# The preference trial
# --------------------------------------------------------------------------------------------------


def preference_trial_figure(
    difference: tuple[float, float, float],
    average_effect: float,
    dropout_observed: Sequence[float],
    dropout_intervals: Sequence[tuple[float, float]],
    dropout_set: Sequence[float],
    n_grid: Sequence[int],
    power_curve: Sequence[float],
    n_per_arm: int,
    power: float,
) -> go.Figure:
    """Three panels of one simulated preference trial: outcome, dropout per arm, power against sample size.

    Every axis has a fixed range and the title names no setting, so that a demo moving a slider changes the traces
    only.

    Parameters
    ----------
    difference
        The trial's difference in means (matched minus not matched) and its 95% CI: (estimate, low, high).
    average_effect
        The true average effect of matching set by the sliders.
    dropout_observed, dropout_intervals, dropout_set
        For the matched and the not-matched arm: the trial's dropout rates, their 95% intervals and the rates set.
    n_grid, power_curve
        Clients per arm and the closed-form power at each.
    n_per_arm, power
        The current clients per arm and the power simulated there.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: 0 this trial's difference with its CI, 1 the true average effect, 2 observed dropout bars with
        intervals, 3 dropout rates set, 4 the power curve, 5 the simulated power at the current size.
    """
    fig = make_subplots(
        rows=1, cols=3, horizontal_spacing=0.1, column_widths=[0.34, 0.28, 0.38],
        subplot_titles=("Outcome: matched minus not matched", "Dropout per arm", "Power against clients per arm"),
    )
    estimate, low, high = difference
    fig.add_trace(go.Scatter(
        x=[estimate], y=["This trial"], mode="markers", name="This trial's difference (95% CI)",
        marker={"symbol": "square", "size": 12, "color": PALETTE["blue"]},
        error_x={"type": "data", "symmetric": False, "array": [high - estimate], "arrayminus": [estimate - low],
                 "color": PALETTE["blue"], "thickness": 2},
        hovertemplate="difference %{x:.2f}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=[average_effect], y=["True average effect"], mode="markers", name="True average effect",
        marker={"symbol": "diamond-open", "size": 13, "color": PALETTE["vermillion"], "line": {"width": 2}},
        hovertemplate="true average effect %{x:.2f}<extra></extra>",
    ), row=1, col=1)
    fig.add_vline(x=0, line_dash="dash", line_color=PALETTE["grey"], line_width=1.5, opacity=1, row=1, col=1)
    fig.add_trace(go.Bar(
        x=list(_ARMS), y=list(dropout_observed), name="Dropout in this trial (95% CI)",
        marker={"color": [s["color"] for s in _ARM_STYLE],
                "pattern": {"shape": [s["pattern"] for s in _ARM_STYLE]}},
        error_y={"type": "data", "symmetric": False,
                 "array": [hi - rate for rate, (_, hi) in zip(dropout_observed, dropout_intervals, strict=True)],
                 "arrayminus": [rate - lo for rate, (lo, _) in zip(dropout_observed, dropout_intervals, strict=True)],
                 "color": "black", "thickness": 1.5},
        hovertemplate="%{x}: %{y:.0%} dropped out<extra></extra>",
    ), row=1, col=2)
    fig.add_trace(go.Scatter(
        x=list(_ARMS), y=list(dropout_set), mode="markers", name="Dropout rate set",
        marker={"symbol": "diamond-open", "size": 13, "color": PALETTE["vermillion"], "line": {"width": 2}},
        hovertemplate="%{x}: %{y:.0%} set<extra></extra>",
    ), row=1, col=2)
    fig.add_trace(go.Scatter(
        x=list(n_grid), y=list(power_curve), mode="lines", name="Power, closed form",
        line={"color": PALETTE["green"], "dash": "dash", "width": 2},
        hovertemplate="%{x} per arm: power %{y:.0%}<extra></extra>",
    ), row=1, col=3)
    fig.add_trace(go.Scatter(
        x=[n_per_arm], y=[power], mode="markers", name="Power, 2,000 simulated trials",
        marker={"symbol": "star", "size": 15, "color": PALETTE["purple"], "line": {"width": 1, "color": "black"}},
        hovertemplate="%{x} per arm: %{y:.0%} of simulated trials found p < .05<extra></extra>",
    ), row=1, col=3)
    fig.add_hline(y=0.8, line_dash="dot", line_color=PALETTE["grey"], line_width=1.5, opacity=1, row=1, col=3)
    fig.update_xaxes(range=list(TRIAL_DIFFERENCE_RANGE), title_text="Difference in means (SD units)", row=1, col=1)
    fig.update_yaxes(categoryorder="array", categoryarray=["True average effect", "This trial"], row=1, col=1)
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="Dropped out", row=1, col=2)
    fig.update_xaxes(range=list(TRIAL_N_RANGE), title_text="Clients randomised per arm", row=1, col=3)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title_text="Power", row=1, col=3)
    fig = base_layout(fig, PREFERENCE_TRIAL_TITLE, height=440)
    fig.update_layout(legend={"y": -0.3}, margin={"b": 110, "t": 90})
    return fig


def describe_preference_trial(
    n_per_arm: int, average_effect: float, difference: tuple[float, float, float], p_value: float,
    dropout_observed: Sequence[float], dropout_set: Sequence[float], power: float,
) -> str:
    """Text alternative of :func:`preference_trial_figure`, stating every value it shows."""
    estimate, low, high = difference
    verdict = "finds a difference (p < .05)" if p_value < 0.05 else "does not find a difference (p ≥ .05)"
    return (
        f"With {n_per_arm} clients per arm and a true average effect of matching of d = {_fmt(average_effect)}, "
        f"this simulated trial's difference in means is {_fmt(estimate)} (95% CI {_fmt(low)} to {_fmt(high)}); it "
        f"{verdict}. Dropout: {format_percent(dropout_observed[0])} of matched clients and "
        f"{format_percent(dropout_observed[1])} of not-matched clients (set: {format_percent(dropout_set[0])} and "
        f"{format_percent(dropout_set[1])}). Of 2,000 simulated trials like it, {format_percent(power)} found "
        f"p < .05 (the dotted line marks the usual 80% target)."
    )


# --------------------------------------------------------------------------------------------------
# Dropout in the Metapsy trials
# --------------------------------------------------------------------------------------------------


def dropout_forest_title(control_label: str) -> str:
    """Title of :func:`dropout_forest_figure` for one kind of control group."""
    return f"Dropout, therapy arm versus {control_label}: pooled odds ratio (Metapsy trials)"


def dropout_forest_labels(table: pd.DataFrame) -> list[str]:
    """Row labels of :func:`dropout_forest_figure`: each therapy type with its number of comparisons k."""
    return [f"{label} (k = {int(k)})" for label, k in zip(table["label"], table["k"], strict=True)]


def _forest_values(rows: pd.DataFrame) -> dict[str, object]:
    return {
        "x": rows["odds_ratio"].tolist(),
        "y": dropout_forest_labels(rows),
        "error_x": {"type": "data", "symmetric": False, "array": (rows["ci_high"] - rows["odds_ratio"]).tolist(),
                    "arrayminus": (rows["odds_ratio"] - rows["ci_low"]).tolist(), "thickness": 2},
        "customdata": np.column_stack([rows["ci_low"], rows["ci_high"], rows["k"], rows["therapy_rate"],
                                       rows["control_rate"]]).tolist(),
    }


def dropout_forest_figure(table: pd.DataFrame, control_label: str) -> go.Figure:
    """Forest plot of the pooled odds ratio of dropout (therapy arm versus control arm) per therapy type.

    Parameters
    ----------
    table
        The table of :func:`helpcourse.preferences.dropout_odds_ratios_by_therapy`; its last row (therapy "all")
        is drawn as a diamond.
    control_label
        The kind of control group, for the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: therapy types (squares), trace 1: all therapies (diamond), labelled with their number of
        comparisons (:func:`dropout_forest_labels`); x on a log scale with a line at 1.
    """
    fig = go.Figure()
    styles = (
        (table[table["therapy"] != "all"], "Therapy type (95% CI)",
         {"symbol": "square", "size": 11, "color": PALETTE["blue"]}),
        (table[table["therapy"] == "all"], "All therapies together (95% CI)",
         {"symbol": "diamond", "size": 15, "color": PALETTE["vermillion"]}),
    )
    for rows, name, marker in styles:
        values = _forest_values(rows)
        values["error_x"]["color"] = marker["color"]  # type: ignore[index]
        fig.add_trace(go.Scatter(
            **values, mode="markers", name=name, marker=marker,
            hovertemplate="%{y}: OR %{x:.2f} (95% CI %{customdata[0]:.2f} to %{customdata[1]:.2f}), "
                          "%{customdata[2]} comparisons; lost %{customdata[3]:.0%} of therapy and "
                          "%{customdata[4]:.0%} of control arms<extra></extra>",
        ))
    fig.add_vline(x=1, line_dash="dash", line_color=PALETTE["grey"], line_width=1.5, opacity=1)
    fig.update_xaxes(type="log", range=list(DROPOUT_OR_RANGE), tickvals=[0.25, 0.5, 1, 2, 4],
                     ticktext=["0.25", "0.5", "1", "2", "4"],
                     title_text="Odds ratio of dropout (above 1: more dropout in the therapy arm)")
    fig.update_yaxes(categoryorder="array", categoryarray=dropout_forest_labels(table)[::-1])
    return base_layout(fig, dropout_forest_title(control_label), height=460)


def describe_dropout_forest(table: pd.DataFrame, control_label: str) -> str:
    """Text alternative of :func:`dropout_forest_figure`: the overall odds ratio and the range of therapy types."""
    overall = table[table["therapy"] == "all"].iloc[0]
    types = table[table["therapy"] != "all"].sort_values("odds_ratio")
    low, high = types.iloc[0], types.iloc[-1]
    return (
        f"Forest plot of the pooled odds ratio of dropout, therapy arm versus {control_label}, for {len(types)} "
        f"therapy types and all therapies together, on a log scale with a dashed line at 1 (no difference). "
        f"All therapies together: OR {overall['odds_ratio']:.2f} (95% CI {overall['ci_low']:.2f} to "
        f"{overall['ci_high']:.2f}, {int(overall['k'])} comparisons), that is {format_percent(overall['therapy_rate'])}"
        f" lost from therapy arms and {format_percent(overall['control_rate'])} from control arms. Therapy types "
        f"range from {low['label']} (OR {low['odds_ratio']:.2f}) to {high['label']} (OR {high['odds_ratio']:.2f})."
    )
