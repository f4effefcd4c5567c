"""Figures of the reply coder: how its codes compare with the experts' codes (module 03)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from helpcourse.figures.core import PALETTE, base_layout, format_percent

__all__ = ["CODE_AXIS_LABELS", "confusion_matrix_figure", "describe_confusion_matrix"]

CODE_AXIS_LABELS: dict[str, str] = {
    "reflection": "Reflection",
    "question": "Question",
    "therapist_input": "Input (advice, information)",
    "other": "Other",
}
"""Axis labels of the four AnnoMI codes."""

# One hue from white to the palette's blue: readable by every common form of colour blindness and in greyscale.
_SCALE = [[0.0, "#FFFFFF"], [0.5, "#9CC3E0"], [1.0, PALETTE["blue"]]]


def _label(code: object) -> str:
    return CODE_AXIS_LABELS.get(str(code), str(code))


def confusion_matrix_figure(confusion: pd.DataFrame, title: str = "How the coder's codes match the experts' codes"):
    """A confusion matrix as a heatmap, with the count and the row percentage written in every cell.

    Parameters
    ----------
    confusion
        Counts; rows are the expert codes, columns the coder's codes (as in ``CoderEvaluation.confusion``).
    title
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace. Shading shows the share of each expert code's utterances (row percentage), on a
        white-to-blue scale; every cell also states its count and percentage, so colour never carries the
        numbers alone. Rows read top to bottom in the order given, columns left to right.
    """
    counts = confusion.to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    rows = [_label(code) for code in confusion.index]
    columns = [_label(code) for code in confusion.columns]
    text = [
        [f"{int(count):,}<br>({format_percent(share)})" for count, share in zip(row_counts, row_shares, strict=True)]
        for row_counts, row_shares in zip(counts, shares, strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 15},
            colorscale=_SCALE,
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "Share of<br>expert code"}, "tickformat": ".0%"},
            customdata=counts,
            hovertemplate="Experts: %{y}<br>Coder: %{x}<br>%{customdata:,} utterances (%{z:.0%} of the row)"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="Experts' code", autorange="reversed", categoryorder="array", categoryarray=rows)
    fig.update_xaxes(title_text="Coder's code", side="bottom", categoryorder="array", categoryarray=columns)
    fig = base_layout(fig, title, height=460)
    fig.update_layout(margin={"l": 190, "r": 20, "t": 70, "b": 90})
    return fig


def describe_confusion_matrix(confusion: pd.DataFrame) -> str:
    """Text alternative of :func:`confusion_matrix_figure`: agreement overall, per code and the main mix-up.

    Parameters
    ----------
    confusion
        Counts; rows are the expert codes, columns the coder's codes.

    Returns
    -------
    str
        Two or three sentences for a screen reader or a reader of the notes.
    """
    counts = confusion.to_numpy(dtype=float)
    total = counts.sum()
    agreed = np.trace(counts) / total if total else 0.0
    recall = {
        _label(code): counts[i, i] / counts[i].sum() for i, code in enumerate(confusion.index) if counts[i].sum()
    }
    per_code = ", ".join(f"{label} {format_percent(share)}" for label, share in recall.items())
    off = counts.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    return (
        f"Confusion matrix of {int(total):,} therapist utterances: the coder gave the experts' code to "
        f"{format_percent(agreed)} of them. Share of each expert code that the coder recognised: {per_code}. "
        f"The most common mix-up: {int(off[i, j]):,} utterances the experts coded as "
        f"{_label(confusion.index[i]).lower()} were coded as {_label(confusion.columns[j]).lower()}."
    )
