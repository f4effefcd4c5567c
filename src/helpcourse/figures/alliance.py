"""Figures of module 04, The alliance, and relationship versus technique."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, base_layout, format_r

__all__ = [
    "FOREST_X_RANGE",
    "SCATTER_X_RANGE",
    "SCATTER_Y_RANGE",
    "alliance_levels_figure",
    "alliance_levels_titles",
    "describe_alliance_levels",
    "describe_early_improvement",
    "describe_recovery_lines",
    "describe_therapy_forest",
    "early_improvement_figure",
    "early_improvement_title",
    "forest_heterogeneity_text",
    "least_squares_line",
    "recovery_lines_figure",
    "therapy_forest_figure",
    "therapy_forest_title",
    "therapy_forest_values",
]

#: Fixed x-axis of the therapy forest plot, wide enough for every filter, so that changes are comparable.
FOREST_X_RANGE = (-0.6, 2.6)
#: Fixed axes of the alliance scatter plots (alliance across, outcome up), the same in every panel.
SCATTER_X_RANGE = (-3.5, 3.5)
SCATTER_Y_RANGE = (-6.0, 6.0)
_LINE_STYLES = (
    (PALETTE["blue"], "solid", "circle"),
    (PALETTE["orange"], "dash", "square"),
    (PALETTE["green"], "dot", "diamond"),
    (PALETTE["vermillion"], "dashdot", "triangle-up"),
    (PALETTE["purple"], "longdash", "cross"),
    (PALETTE["grey"], "longdashdot", "x"),
    (PALETTE["sky"], "solid", "star"),
)


def _none_for_nan(values: Sequence[float]) -> list[float | None]:
    """Plotly draws nothing for None; NaN would not survive the trip to the browser everywhere."""
    return [None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            for value in values]


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace("-", "−")


# --------------------------------------------------------------------------------------------------
# Forest plot of pooled Metapsy results
# --------------------------------------------------------------------------------------------------


def _quality_phrase(min_rob: int, everything: str) -> str:
    return everything if min_rob == 0 else f"comparisons meeting at least {min_rob} of 4 risk-of-bias criteria"


def therapy_forest_title(control_label: str, min_rob: int, method: str) -> str:
    """Title of :func:`therapy_forest_figure` for one set of filters."""
    quality = _quality_phrase(min_rob, "all comparisons")
    return (
        f"Psychotherapy for depression versus {control_label}: pooled Hedges' g per therapy type"
        f"<br><sup>{quality}; random effects ({method}); one effect per trial and therapy type</sup>"
    )


def forest_heterogeneity_text(pooled: pd.DataFrame) -> list[str]:
    """Right-hand column of the forest plot: k, I² and tau² per row, or why a row is not pooled."""
    texts = []
    for row in pooled.itertuples(index=False):
        if math.isnan(row.estimate):
            texts.append(f"k = {row.k}: too few trials to pool")
        else:
            texts.append(f"k = {row.k},  I² = {row.i2:.0f}%,  τ² = {row.tau2:.2f}")
    return texts


def _forest_parts(pooled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    is_all = (pooled["therapy"] == "all").to_numpy()
    return pooled[~is_all], pooled[is_all]


def _forest_trace_values(part: pd.DataFrame) -> dict[str, object]:
    estimate = part["estimate"].to_numpy(dtype=float)
    return {
        "x": _none_for_nan(estimate),
        "y": list(part["label"]),
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": _none_for_nan(part["ci_high"].to_numpy(dtype=float) - estimate),
            "arrayminus": _none_for_nan(estimate - part["ci_low"].to_numpy(dtype=float)),
            "thickness": 2,
        },
        "customdata": [
            [_fmt(low) if not math.isnan(low) else "-", _fmt(high) if not math.isnan(high) else "-", k]
            for low, high, k in zip(part["ci_low"], part["ci_high"], part["k"], strict=True)
        ],
    }


def therapy_forest_values(pooled: pd.DataFrame) -> list[dict[str, object]]:
    """The values of the three traces of :func:`therapy_forest_figure`, in trace order (to update it in place).

    Returns
    -------
    list of dict
        The therapy types, then all therapies together, each with ``x``, ``y``, ``error_x`` (``array`` and
        ``arrayminus``) and ``customdata``; then the text column with ``text``.
    """
    types, overall = _forest_parts(pooled)
    return [_forest_trace_values(types), _forest_trace_values(overall), {"text": forest_heterogeneity_text(pooled)}]


def therapy_forest_figure(pooled: pd.DataFrame, title: str) -> go.Figure:
    """Forest plot of pooled effects per therapy type, with k, I² and tau² in a column beside it.

    Parameters
    ----------
    pooled
        The table of :func:`helpcourse.metaanalysis.pool_by_therapy_type`: one row per therapy type and a last
        row ``therapy == "all"``, with ``label``, ``k``, ``estimate``, ``ci_low``, ``ci_high``, ``tau2``, ``i2``
        (NaN statistics for a type that is not pooled).
    title
        Figure title (see :func:`therapy_forest_title`).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: therapy types (blue squares with 95% CI bars); trace 1: all therapies together (a vermillion
        diamond with its CI); trace 2: the text column with k, I² and tau². Rows keep their order whatever the
        filters, so a demo only replaces values.
    """
    types, overall = _forest_parts(pooled)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.64, 0.36], horizontal_spacing=0.02)
    styles = (
        (types, "Therapy type (95% CI)", {"symbol": "square", "size": 11, "color": PALETTE["blue"]}),
        (overall, "All therapies together (95% CI)",
         {"symbol": "diamond", "size": 15, "color": PALETTE["vermillion"]}),
    )
    for part, name, marker in styles:
        values = _forest_trace_values(part)
        values["error_x"]["color"] = marker["color"]  # type: ignore[index]
        fig.add_trace(
            go.Scatter(
                **values, mode="markers", name=name, marker=marker,
                hovertemplate="%{y}: g = %{x:.2f} (95% CI %{customdata[0]} to %{customdata[1]}; "
                              "%{customdata[2]} trials)<extra></extra>",
            ),
            row=1, col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[0.0] * len(pooled), y=list(pooled["label"]), mode="text", text=forest_heterogeneity_text(pooled),
            textposition="middle right", showlegend=False, hoverinfo="skip", textfont={"size": 12},
        ),
        row=1, col=2,
    )
    fig.add_vline(x=0, line_dash="dash", line_color=PALETTE["grey"], row=1, col=1)
    fig.update_xaxes(range=list(FOREST_X_RANGE), title_text="Hedges' g (above 0: therapy better than control)",
                     zeroline=False, row=1, col=1)
    fig.update_xaxes(range=[0, 1], visible=False, row=1, col=2)
    fig.update_yaxes(showline=False, ticks="", row=1, col=2)
    fig.add_annotation(x=0, y=1.0, xref="x2", yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                       text="<b>trials (k), I², τ²</b>", font={"size": 12})
    fig.update_yaxes(categoryorder="array", categoryarray=list(pooled["label"])[::-1], title_text="")
    fig = base_layout(fig, title, height=520)
    fig.update_layout(margin={"l": 200, "r": 20, "t": 90, "b": 60})
    return fig


def describe_therapy_forest(pooled: pd.DataFrame, control_label: str, min_rob: int) -> str:
    """Text alternative of :func:`therapy_forest_figure`."""
    types, overall = _forest_parts(pooled)
    pooled_types = types[types["estimate"].notna()].sort_values("estimate")
    quality = _quality_phrase(min_rob, "every comparison")
    parts = [f"Forest plot of psychotherapy versus {control_label} for depression, {quality}."]
    if len(pooled_types):
        low, high = pooled_types.iloc[0], pooled_types.iloc[-1]
        parts.append(
            f"{len(pooled_types)} therapy types are pooled, from g = {low['estimate']:.2f} ({low['label']}, "
            f"k = {low['k']}) to g = {high['estimate']:.2f} ({high['label']}, k = {high['k']})."
        )
    skipped = types[types["estimate"].isna()]
    if len(skipped):
        parts.append(f"Too few trials to pool: {', '.join(skipped['label'])}.")
    row = overall.iloc[0]
    if not math.isnan(row["estimate"]):
        parts.append(
            f"All therapies together: g = {row['estimate']:.2f} (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}; "
            f"{row['k']} trial-by-therapy effects; I² = {row['i2']:.0f}%, tau² = {row['tau2']:.2f})."
        )
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------
# NHS Talking Therapies recovery by therapy type
# --------------------------------------------------------------------------------------------------


def recovery_lines_figure(lines: pd.DataFrame, problem: str) -> go.Figure:
    """Recovery rates over the years, one line per therapy type, each with its own colour, dash and marker.

    Parameters
    ----------
    lines
        The table of :func:`helpcourse.metaanalysis.nhs_recovery_lines`.
    problem
        The presenting problem the table is about, for the title (e.g. ``"Depression"``).

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per therapy type, in the table's order.
    """
    fig = go.Figure()
    for i, (label, part) in enumerate(lines.groupby("label", sort=False)):
        colour, dash, symbol = _LINE_STYLES[i % len(_LINE_STYLES)]
        fig.add_trace(
            go.Scatter(
                x=part["reporting_period"], y=part["recovery_pct"], mode="lines+markers", name=str(label),
                line={"color": colour, "dash": dash, "width": 2.5}, marker={"symbol": symbol, "size": 9},
                customdata=np.column_stack([part["n_recovered"], part["n_at_caseness"]]),
                hovertemplate=f"{label}, %{{x}}: %{{y:.1f}}% recovered<br>"
                              "%{customdata[0]:,} of %{customdata[1]:,} courses<extra></extra>",
            )
        )
    fig.update_yaxes(range=[0, 65], title_text="Recovered (% of courses starting above the cut-off)")
    fig.update_xaxes(title_text="Year (April to March)")
    fig = base_layout(fig, f"NHS Talking Therapies, England: recovery by therapy type ({problem})", height=480)
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "x": 0})
    return fig


def describe_recovery_lines(lines: pd.DataFrame, problem: str) -> str:
    """Text alternative of :func:`recovery_lines_figure`: the range in the latest year and how much lines move."""
    latest_year = max(lines["reporting_period"])
    latest = lines[lines["reporting_period"] == latest_year].sort_values("recovery_pct")
    low, high = latest.iloc[0], latest.iloc[-1]
    spread = lines.groupby("label", sort=False)["recovery_pct"].agg(lambda s: s.max() - s.min())
    years = sorted(set(lines["reporting_period"]))
    return (
        f"Line chart of the share of courses that ended in recovery ({problem}), {years[0]} to {years[-1]}, for "
        f"{lines['label'].nunique()} therapy types, each line with its own dash and marker. In {latest_year} the "
        f"rates ranged from {low['recovery_pct']:.1f}% ({low['label']}) to {high['recovery_pct']:.1f}% "
        f"({high['label']}). Over the years each line moved by at most {spread.max():.1f} percentage points."
    )


# --------------------------------------------------------------------------------------------------
# Alliance between and within therapists
# --------------------------------------------------------------------------------------------------


def least_squares_line(x: Sequence[float], y: Sequence[float], x_range: tuple[float, float]) -> tuple[list, list]:
    """End points of the least-squares line of y on x, drawn across ``x_range``.

    Returns two lists (x, y) of two points each; a flat line at the mean of y when x does not vary.
    """
    x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    spread = float(np.var(x_arr))
    slope = 0.0 if spread == 0 else float(np.mean((x_arr - x_arr.mean()) * (y_arr - y_arr.mean()))) / spread
    intercept = float(y_arr.mean()) - slope * float(x_arr.mean())
    xs = [float(x_range[0]), float(x_range[1])]
    return xs, [intercept + slope * value for value in xs]


def alliance_levels_titles(parts: dict[str, float]) -> tuple[str, str, str]:
    """The three panel titles of :func:`alliance_levels_figure`, each with its correlation."""
    return (
        f"All clients: r = {format_r(parts['total_r'])}",
        f"Therapist averages: r = {format_r(parts['between_r'])}",
        f"Within each therapist: r = {format_r(parts['within_r'])}",
    )


_LEVEL_STYLES = (
    ("All clients", {"symbol": "circle", "size": 5, "color": PALETTE["grey"], "opacity": 0.55}),
    ("Therapist averages", {"symbol": "diamond", "size": 9, "color": PALETTE["orange"], "opacity": 0.9}),
    ("Client minus own therapist's average", {"symbol": "triangle-up", "size": 6, "color": PALETTE["blue"],
                                              "opacity": 0.6}),
)


def alliance_levels_figure(
    clients: pd.DataFrame, therapist_means: pd.DataFrame, deviations: pd.DataFrame, parts: dict[str, float]
) -> go.Figure:
    """Three views of the same simulated clients: all of them, therapist averages, and within therapists.

    Parameters
    ----------
    clients
        Clients with ``alliance`` and ``outcome``
        (from :func:`helpcourse.simulate.alliance.simulate_alliance_multilevel`).
    therapist_means, deviations
        The two tables of :func:`helpcourse.simulate.alliance.alliance_levels`.
    parts
        The correlations of :func:`helpcourse.simulate.alliance.decompose_alliance_correlation`, shown in the
        panel titles.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces 0-2: the points of the three panels (grey circles, orange diamonds, blue triangles);
        traces 3-5: their least-squares lines (dashed); traces 6-8: the panel titles with their correlations
        (:func:`alliance_levels_titles`), written above each panel as text marks rather than as annotations, so
        that a demo changing them redraws these marks only: plotly.js redraws the whole figure for a changed
        annotation. The axis ranges are fixed.
    """
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.07)
    tables = (clients, therapist_means, deviations)
    for col, (table, (name, marker)) in enumerate(zip(tables, _LEVEL_STYLES, strict=True), start=1):
        fig.add_trace(
            go.Scatter(
                x=table["alliance"].to_numpy(), y=table["outcome"].to_numpy(), mode="markers", name=name,
                marker=marker, hovertemplate="alliance %{x:.2f}<br>outcome %{y:.2f}<extra></extra>",
            ),
            row=1, col=col,
        )
    for col, table in enumerate(tables, start=1):
        xs, ys = least_squares_line(table["alliance"], table["outcome"], SCATTER_X_RANGE)
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"color": "black", "dash": "dash", "width": 2},
                       name="Straight-line trend" if col == 1 else None, showlegend=col == 1, hoverinfo="skip"),
            row=1, col=col,
        )
    for col, title in enumerate(alliance_levels_titles(parts), start=1):
        fig.add_trace(
            go.Scatter(x=[sum(SCATTER_X_RANGE) / 2], y=[SCATTER_Y_RANGE[1]], mode="text", text=[title],
                       textposition="top center", textfont={"size": 16}, cliponaxis=False, showlegend=False,
                       hoverinfo="skip", name=f"Title of panel {col}"),
            row=1, col=col,
        )
    fig.update_xaxes(range=list(SCATTER_X_RANGE), title_text="Alliance")
    fig.update_yaxes(range=list(SCATTER_Y_RANGE))
    fig.update_yaxes(title_text="Outcome (higher = better)", row=1, col=1)
    return base_layout(fig, "Where does the alliance-outcome correlation come from?", height=440)


def describe_alliance_levels(parts: dict[str, float], expected: dict[str, float], n_therapists: int,
                             clients_per_therapist: int) -> str:
    """Text alternative of :func:`alliance_levels_figure`, with the values expected from the settings."""
    return (
        f"Three scatter plots of {n_therapists * clients_per_therapist} simulated clients of {n_therapists} "
        f"therapists. Across all clients the alliance and outcome correlate r = {format_r(parts['total_r'])}; "
        f"between the therapists' averages r = {format_r(parts['between_r'])}; within therapists (each client "
        f"compared with the same therapist's other clients) r = {format_r(parts['within_r'])}. On average these "
        f"settings give {format_r(expected['total_r'])}, {format_r(expected['between_r'])} and "
        f"{format_r(expected['within_r'])}."
    )


# --------------------------------------------------------------------------------------------------
# Early improvement and the alliance
# --------------------------------------------------------------------------------------------------

_EARLY_STYLES = (
    (True, "Improved early (above average)", {"symbol": "circle", "size": 7, "color": PALETTE["blue"], "opacity": 0.7}),
    (False, "Did not improve early", {"symbol": "square", "size": 6, "color": PALETTE["orange"], "opacity": 0.7}),
)


def early_improvement_title(correlations: dict[str, float]) -> str:
    """Title of :func:`early_improvement_figure`, with the raw and adjusted correlations."""
    return (
        f"Alliance and final outcome: r = {format_r(correlations['raw_r'])}"
        f"<br><sup>once early improvement is taken into account: r = {format_r(correlations['adjusted_r'])}</sup>"
    )


def early_improvement_figure(clients: pd.DataFrame, correlations: dict[str, float]) -> go.Figure:
    """Alliance against final outcome, marking the clients who had already improved when they rated the alliance.

    Parameters
    ----------
    clients
        The table of :func:`helpcourse.simulate.alliance.simulate_early_improvement`.
    correlations
        The result of :func:`helpcourse.simulate.alliance.alliance_outcome_correlations`, shown in the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0: clients who improved early (blue circles); trace 1: the others (orange squares); trace 2: the
        least-squares line across all clients (dashed).
    """
    fig = go.Figure()
    for flag, name, marker in _EARLY_STYLES:
        part = clients[clients["improved_early"] == flag]
        fig.add_trace(
            go.Scatter(
                x=part["alliance"].to_numpy(), y=part["outcome"].to_numpy(), mode="markers", name=name,
                marker=marker, hovertemplate="alliance %{x:.2f}<br>final outcome %{y:.2f}<extra></extra>",
            )
        )
    xs, ys = least_squares_line(clients["alliance"], clients["outcome"], SCATTER_X_RANGE)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="Straight-line trend (all clients)",
                             line={"color": "black", "dash": "dash", "width": 2}, hoverinfo="skip"))
    fig.update_xaxes(range=list(SCATTER_X_RANGE), title_text="Alliance rated at session 3")
    fig.update_yaxes(range=list(SCATTER_Y_RANGE), title_text="Final outcome (higher = better)")
    fig = base_layout(fig, early_improvement_title(correlations), height=460)
    fig.update_layout(margin={"l": 60, "r": 20, "t": 90, "b": 60})
    return fig


def describe_early_improvement(
    clients: pd.DataFrame, correlations: dict[str, float], alliance_to_outcome: float
) -> str:
    """Text alternative of :func:`early_improvement_figure`."""
    early = clients[clients["improved_early"]]
    late = clients[~clients["improved_early"]]
    cause = (
        "In this simulation the alliance itself has no effect on the outcome."
        if alliance_to_outcome == 0
        else f"In this simulation the alliance itself adds {alliance_to_outcome:.2f} to the outcome per unit."
    )
    return (
        f"Scatter plot of {len(clients)} simulated clients. Those who had improved early (blue circles) rate the "
        f"alliance higher on average ({early['alliance'].mean():.2f} against {late['alliance'].mean():.2f}) and "
        f"end with better outcomes. Alliance and final outcome correlate r = {format_r(correlations['raw_r'])}; "
        f"once early improvement is taken into account, r = {format_r(correlations['adjusted_r'])}. {cause}"
    )
