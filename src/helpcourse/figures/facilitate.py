"""Figures of module 02, Facilitate, don't direct: helper and client talk in AnnoMI sessions.

Each builder takes tables from :mod:`helpcourse.talk` and returns a ``go.Figure``; each has a ``describe_*``
companion returning its text alternative. Colour never carries meaning alone: every kind of utterance also has
its own marker symbol and row, groups differ in marker symbol or bar pattern, and MITI levels are written out.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpcourse.figures.core import PALETTE, base_layout, format_percent
from helpcourse.talk import (
    CLIENT_TALK_LABELS,
    MEASURE_LABELS,
    THERAPIST_BEHAVIOUR_LABELS,
    MitiThreshold,
    miti_level,
    risk_note,
)

__all__ = [
    "LEVEL_STYLE",
    "QUALITY_STYLE",
    "RATIO_AXIS_MAX",
    "SESSION_TITLE",
    "TIMELINE_ROWS",
    "behaviour_mix_figure",
    "client_talk_after_figure",
    "client_talk_after_title",
    "describe_behaviour_mix",
    "describe_client_talk_after",
    "describe_quality_comparison",
    "describe_session",
    "format_ratio",
    "quality_comparison_figure",
    "quality_comparison_shapes",
    "quality_comparison_traces",
    "session_figure",
    "session_scores_table",
    "session_traces",
    "session_x_range",
    "timeline_row_position",
]

#: The rows of the session timeline, top to bottom: code -> (row label, colour, marker symbol).
TIMELINE_ROWS: dict[str, tuple[str, str, str]] = {
    "reflection": ("Helper: reflection", PALETTE["blue"], "circle"),
    "question": ("Helper: question", PALETTE["sky"], "diamond"),
    "therapist_input": ("Helper: input, advice", PALETTE["vermillion"], "x"),
    "other": ("Helper: other", PALETTE["grey"], "circle-open"),
    "change": ("Client: change talk", PALETTE["green"], "triangle-up"),
    "neutral": ("Client: neutral", PALETTE["grey"], "square-open"),
    "sustain": ("Client: sustain talk", PALETTE["orange"], "triangle-down"),
}

#: How each MITI level is drawn: colour and bar pattern (the level is also written on the bar).
LEVEL_STYLE: dict[str, tuple[str, str]] = {
    "good": (PALETTE["green"], ""),
    "fair": (PALETTE["sky"], "."),
    "below fair": (PALETTE["vermillion"], "x"),
    "not assessable": (PALETTE["grey"], "/"),
}

#: High- and low-quality sessions: label, colour, marker symbol, bar pattern.
QUALITY_STYLE: dict[str, dict[str, str]] = {
    "high": {"name": "High-quality sessions", "color": PALETTE["blue"], "symbol": "circle", "pattern": ""},
    "low": {"name": "Low-quality sessions", "color": PALETTE["orange"], "symbol": "square", "pattern": "/"},
}

#: Reflections per question are drawn up to this value; larger ratios (and "no questions asked") sit at it.
RATIO_AXIS_MAX = 4.0

_PROPORTIONS = {"complex_reflection_share", "therapist_input_share", "change_talk_share", "sustain_talk_share"}


def format_ratio(value: float) -> str:
    """A reflection-to-question ratio for students: ``"0.63"``, ``"no questions"`` (inf), ``"none"`` (NaN)."""
    if value is None or pd.isna(value):
        return "none (no reflections or questions)"
    if math.isinf(value):
        return "no questions asked"
    return f"{value:.2f}"


def _format_measure(measure: str, value: float) -> str:
    if measure == "reflections_per_question":
        return format_ratio(value)
    if value is None or pd.isna(value):
        return "not assessable"
    return format_percent(value)


_WRAP = textwrap.TextWrapper(width=60)


def _hover(text: str, width: int = 60, limit: int = 320) -> str:
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    wrapper = _WRAP if width == _WRAP.width else textwrap.TextWrapper(width=width)
    return "<br>".join(wrapper.wrap(html.escape(short))) or "(no text)"


# --------------------------------------------------------------------------------------------------
# One session: timeline and MITI scores
# --------------------------------------------------------------------------------------------------


def _ratio_bar(value: float) -> tuple[float, str]:
    if value is None or pd.isna(value):
        return 0.0, "not assessable"
    return min(float(value), RATIO_AXIS_MAX), format_ratio(value)


def _share_bar(value: float) -> tuple[float, str]:
    if value is None or pd.isna(value):
        return 0.0, "no reflections"
    return float(value), format_percent(value)


def timeline_row_position(code: str) -> int:
    """Height of a kind of utterance on the timeline: the first row of :data:`TIMELINE_ROWS` is at the top."""
    return len(TIMELINE_ROWS) - 1 - list(TIMELINE_ROWS).index(code)


def session_traces(
    timeline: pd.DataFrame, scores: pd.Series, thresholds: Mapping[str, MitiThreshold]
) -> list[dict[str, object]]:
    """The data of every trace of :func:`session_figure`, in trace order (for updating a figure in place).

    Returns
    -------
    list of dict
        The timeline, one point per utterance in the order spoken (keys ``x``, the utterance number; ``y``, its
        row from :func:`timeline_row_position`; ``customdata``, the row label and the utterance text;
        ``marker_color`` and ``marker_symbol``, the row's colour and symbol from :data:`TIMELINE_ROWS`), then the
        two MITI bars (keys ``x``, ``text``, ``marker_color``, ``pattern``).
    """
    rows = [TIMELINE_ROWS[code] for code in timeline["code"]]
    out: list[dict[str, object]] = [
        {
            "x": timeline["utterance_id"].tolist(),
            "y": [timeline_row_position(code) for code in timeline["code"]],
            "customdata": [[label, _hover(text)] for (label, _c, _s), text in
                           zip(rows, timeline["utterance_text"], strict=True)],
            "marker_color": [colour for _label, colour, _symbol in rows],
            "marker_symbol": [symbol for _label, _colour, symbol in rows],
        }
    ]
    for measure, to_bar in (("reflections_per_question", _ratio_bar), ("complex_reflection_share", _share_bar)):
        value = scores.get(measure, math.nan)
        shown, text = to_bar(value)
        level = miti_level(value, thresholds[measure])
        colour, pattern = LEVEL_STYLE[level]
        out.append({"x": [shown], "text": [f"{text} ({level})"], "marker_color": [colour], "pattern": [pattern]})
    return out


#: Title of :func:`session_figure`. It names no session: the menu above the figure and the text alternative under
#: it do, and a title that changed with the session would make plotly.js redraw the whole figure at each choice.
SESSION_TITLE = "One session in the order spoken, and its MITI summary scores"


def session_x_range(timeline: pd.DataFrame) -> list[float]:
    """The timeline's x-axis range: from 0 to just past the session's last utterance number (set, not autoranged,
    so that a change of session moves the axis with the points, see :meth:`FigureWidget.batch_redraw_traces`)."""
    last = float(timeline["utterance_id"].max()) if len(timeline) else 1.0
    return [0.0, last + max(1.0, 0.03 * last)]


def session_figure(
    timeline: pd.DataFrame, transcript_id: int, scores: pd.Series, thresholds: Mapping[str, MitiThreshold]
) -> go.Figure:
    """One session in order, and its MITI summary scores against the fair and good thresholds.

    Parameters
    ----------
    timeline : pandas.DataFrame
        From :func:`helpcourse.talk.session_timeline`.
    transcript_id : int
        The session shown (named by the menu and the text alternative, not the title).
    scores : pandas.Series
        The session's row of :func:`helpcourse.talk.transcript_scores` (with ``complex_reflection_share``).
    thresholds : mapping
        From :func:`helpcourse.talk.miti_thresholds`.

    Returns
    -------
    plotly.graph_objects.Figure
        Top: trace 0, one marker per utterance (utterance order across; one row, colour and symbol per kind of
        utterance, in the order of :data:`TIMELINE_ROWS`). Bottom: trace 1, reflections per question (drawn up to
        :data:`RATIO_AXIS_MAX`), and trace 2, the share of complex reflections, each a bar coloured and patterned
        by its MITI level, with the fair (dashed) and good (dotted) thresholds marked. Each kind of utterance has
        its own row, named beside it, so the timeline is one trace with a colour and symbol per point and the
        figure has no legend, which would only repeat the row names: plotly.js redraws every trace and legend
        entry at each change of session, and seven traces with a seven-entry legend took about twice as long.
    """
    fig = make_subplots(
        rows=2,
        cols=2,
        specs=[[{"colspan": 2}, None], [{}, {}]],
        row_heights=[0.72, 0.28],
        vertical_spacing=0.2,
        horizontal_spacing=0.14,
        subplot_titles=("Each mark is one utterance, in the order spoken", "", ""),
    )
    data = session_traces(timeline, scores, thresholds)
    points = data[0]
    fig.add_trace(
        go.Scatter(
            x=points["x"],
            y=points["y"],
            customdata=points["customdata"],
            mode="markers",
            name="Utterances",
            marker={"color": points["marker_color"], "symbol": points["marker_symbol"], "size": 10,
                    "line": {"width": 1.5, "color": points["marker_color"]}},
            hovertemplate="utterance %{x}<br><b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for col, (measure, trace) in enumerate(zip(("reflections_per_question", "complex_reflection_share"), data[1:],
                                               strict=True), start=1):
        fig.add_trace(
            go.Bar(
                x=trace["x"],
                y=["this session"],
                orientation="h",
                width=0.5,
                text=trace["text"],
                textposition="outside",
                cliponaxis=False,
                marker={"color": trace["marker_color"], "pattern": {"shape": trace["pattern"]}},
                showlegend=False,
                hovertemplate=f"{MEASURE_LABELS[measure]}: %{{text}}<extra></extra>",
            ),
            row=2,
            col=col,
        )
        threshold = thresholds[measure]
        fair_text, good_text = (part.strip() for part in threshold.text.split(";"))
        for value, dash, text, side in ((threshold.fair, "dash", fair_text, "top left"),
                                        (threshold.good, "dot", good_text, "top right")):
            fig.add_vline(
                x=value, line_dash=dash, line_color=PALETTE["grey"], line_width=2, layer="above", row=2, col=col,
                annotation_text=text, annotation_position=side, annotation_font_size=12,
            )
    labels = [label for label, _colour, _symbol in TIMELINE_ROWS.values()]
    fig.update_yaxes(
        tickvals=[timeline_row_position(code) for code in TIMELINE_ROWS], ticktext=labels,
        range=[-0.6, len(TIMELINE_ROWS) - 0.4], showgrid=True, zeroline=False, row=1, col=1,
    )
    fig.update_xaxes(title_text="Utterance number in the session", range=session_x_range(timeline), row=1, col=1)
    fig.update_xaxes(range=[0, RATIO_AXIS_MAX * 1.05], row=2, col=1,
                     title_text=f"Reflections per question (MITI R:Q), drawn up to {RATIO_AXIS_MAX:g}")
    fig.update_xaxes(range=[0, 1.05], tickformat=".0%", title_text="Complex reflections (MITI %CR)", row=2, col=2)
    fig.update_yaxes(showticklabels=False, row=2, col=1)
    fig.update_yaxes(showticklabels=False, row=2, col=2)
    base_layout(fig, SESSION_TITLE, height=620)
    fig.update_layout(showlegend=False, margin={"l": 170, "r": 40, "t": 80, "b": 70})
    return fig


def describe_session(
    timeline: pd.DataFrame, transcript_id: int, scores: pd.Series, thresholds: Mapping[str, MitiThreshold]
) -> str:
    """Text alternative of :func:`session_figure`: counts, the two MITI scores with their levels, client talk.

    For a session that touches on risk (:data:`helpcourse.talk.RISK_CONTENT`) it ends with the note on risk.
    """
    rq, cr = scores["reflections_per_question"], scores.get("complex_reflection_share", math.nan)
    rq_level = miti_level(rq, thresholds["reflections_per_question"])
    cr_level = miti_level(cr, thresholds["complex_reflection_share"])
    rq_t, cr_t = thresholds["reflections_per_question"], thresholds["complex_reflection_share"]
    first_codes = " → ".join(TIMELINE_ROWS[code][0].lower() for code in timeline["code"].head(6))
    return (
        f"Session #{int(transcript_id)}, {scores['mi_quality']} quality, topic {scores['topic']}: "
        f"{int(scores['n_utterances'])} utterances. The helper made {int(scores['reflection'])} reflections, "
        f"asked {int(scores['question'])} questions and gave {int(scores['therapist_input'])} pieces of "
        f"information or advice ({format_percent(scores['therapist_input_share'])} of the helper's turns). "
        f"Reflections per question: {format_ratio(rq)}, {rq_level} (MITI {rq_t.text}). "
        f"Complex reflections: {_format_measure('complex_reflection_share', cr)}, {cr_level} (MITI {cr_t.text}). "
        f"Of the client's {int(scores['n_client'])} turns, {format_percent(scores['change_talk_share'])} were "
        f"change talk and {format_percent(scores['sustain_talk_share'])} sustain talk. "
        f"The session opens: {first_codes}."
        + (f" {note}" if (note := risk_note(transcript_id)) else "")
    )


def session_scores_table(scores: pd.Series, medians: pd.DataFrame, thresholds: Mapping[str, MitiThreshold]) -> str:
    """An HTML table of one session's summary scores beside the medians of high- and low-quality sessions.

    Parameters
    ----------
    scores : pandas.Series
        The session's row of :func:`helpcourse.talk.transcript_scores`.
    medians : pandas.DataFrame
        From :func:`helpcourse.talk.quality_medians`.
    thresholds : mapping
        From :func:`helpcourse.talk.miti_thresholds`.

    Returns
    -------
    str
        A ``<table>`` with one row per measure: this session, its MITI level (where MITI sets one), and the
        medians of high- and low-quality sessions.
    """
    head = ("<tr><th scope='col'>Summary score</th><th scope='col'>This session</th><th scope='col'>MITI level"
            "</th><th scope='col'>Median, high quality</th><th scope='col'>Median, low quality</th></tr>")
    rows = []
    for measure, label in MEASURE_LABELS.items():
        if measure not in scores.index:
            continue
        value = scores[measure]
        level = (f"{miti_level(value, thresholds[measure])} ({thresholds[measure].text})"
                 if measure in thresholds else "no MITI threshold")
        high = _format_measure(measure, medians.loc[measure, "high"]) if measure in medians.index else ""
        low = _format_measure(measure, medians.loc[measure, "low"]) if measure in medians.index else ""
        rows.append(
            f"<tr><th scope='row' style='text-align:left'>{html.escape(label)}</th>"
            f"<td>{html.escape(_format_measure(measure, value))}</td><td>{html.escape(level)}</td>"
            f"<td>{html.escape(high)}</td><td>{html.escape(low)}</td></tr>"
        )
    return f"<table class='helpcourse-scores'>{head}{''.join(rows)}</table>"


# --------------------------------------------------------------------------------------------------
# High- vs low-quality sessions
# --------------------------------------------------------------------------------------------------


def _plotted(values: pd.Series, measure: str) -> pd.Series:
    values = values.dropna()
    if measure == "reflections_per_question":
        values = values.clip(upper=RATIO_AXIS_MAX)
    return values


def quality_comparison_traces(scores: pd.DataFrame, measure: str) -> list[dict[str, object]]:
    """The data of the two traces of :func:`quality_comparison_figure` (for updating a figure in place)."""
    out: list[dict[str, object]] = []
    for quality, style in QUALITY_STYLE.items():
        values = scores.loc[scores["mi_quality"] == quality, measure].dropna()
        shown = _plotted(values, measure)
        out.append(
            {
                "x": shown.tolist(),
                "y": [style["name"]] * len(shown),
                "customdata": [[int(i), _format_measure(measure, v)] for i, v in values.items()],
                "name": f"{style['name']} ({len(values)})",
            }
        )
    return out


def quality_comparison_shapes(measure: str, thresholds: Mapping[str, MitiThreshold]) -> go.Figure:
    """A figure holding only the threshold lines of ``measure`` (none when MITI sets no threshold)."""
    fig = go.Figure()
    threshold = thresholds.get(measure)
    if threshold is not None:
        fair_text, good_text = (part.strip() for part in threshold.text.split(";"))
        for value, dash, text, position in ((threshold.fair, "dash", f"MITI {fair_text}", "top left"),
                                            (threshold.good, "dot", f"MITI {good_text}", "top right")):
            fig.add_vline(x=value, line_dash=dash, line_color=PALETTE["grey"], line_width=2,
                          annotation_text=text, annotation_position=position)
    return fig


def _axis_title(measure: str) -> str:
    if measure == "reflections_per_question":
        return (f"{MEASURE_LABELS[measure]} (sessions above {RATIO_AXIS_MAX:g}, or with no questions, "
                f"drawn at {RATIO_AXIS_MAX:g})")
    return MEASURE_LABELS[measure]


def quality_comparison_figure(scores: pd.DataFrame, measure: str, thresholds: Mapping[str, MitiThreshold]) -> go.Figure:
    """Distribution of one per-session measure in high- and low-quality sessions, with MITI thresholds.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`helpcourse.talk.transcript_scores` (possibly a subset of sessions).
    measure : str
        A key of :data:`helpcourse.talk.MEASURE_LABELS`.
    thresholds : mapping
        From :func:`helpcourse.talk.miti_thresholds`; lines are drawn when ``measure`` has one.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 (high quality: blue circles) and trace 1 (low quality: orange squares): horizontal box plots
        with every session as a point; vertical dashed (fair) and dotted (good) lines for MITI thresholds.
    """
    fig = quality_comparison_shapes(measure, thresholds)
    for trace, (quality, style) in zip(quality_comparison_traces(scores, measure), QUALITY_STYLE.items(),
                                       strict=True):
        fig.add_trace(
            go.Box(
                x=trace["x"],
                y=trace["y"],
                customdata=trace["customdata"],
                name=trace["name"],
                orientation="h",
                boxpoints="all",
                jitter=0.6,
                pointpos=0,
                fillcolor="rgba(0,0,0,0)",
                line={"color": style["color"], "width": 2},
                marker={"color": style["color"], "symbol": style["symbol"], "size": 8, "opacity": 0.8},
                hovertemplate="session #%{customdata[0]}: %{customdata[1]}<extra>" + quality + " quality</extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[s["name"] for s in QUALITY_STYLE.values()][::-1])
    fig.update_xaxes(title_text=_axis_title(measure), rangemode="tozero")
    if measure in _PROPORTIONS:
        fig.update_xaxes(tickformat=".0%", range=[-0.02, 1.02])
    else:
        fig.update_xaxes(tickformat="", range=[-0.1, RATIO_AXIS_MAX + 0.2])
    base_layout(fig, f"{MEASURE_LABELS[measure]}: each point is one session", height=420)
    fig.update_layout(margin={"l": 170, "r": 30, "t": 80, "b": 90}, legend={"y": -0.3})
    return fig


def describe_quality_comparison(
    scores: pd.DataFrame, measure: str, thresholds: Mapping[str, MitiThreshold], min_therapist_turns: int = 0
) -> str:
    """Text alternative of :func:`quality_comparison_figure`: sessions, medians and, for MITI measures, levels."""
    parts = []
    for quality in QUALITY_STYLE:
        group = scores.loc[scores["mi_quality"] == quality, measure]
        values = group.dropna()
        median = _format_measure(measure, float(values.median())) if len(values) else "no sessions"
        part = f"{len(values)} {quality}-quality sessions, median {median}"
        if measure in thresholds and len(values):
            reached = sum(miti_level(v, thresholds[measure]) in {"fair", "good"} for v in values)
            part += f", {reached} of {len(values)} at or above the MITI fair threshold"
        if len(group) > len(values):
            part += f" ({len(group) - len(values)} more not assessable)"
        parts.append(part)
    kept = f" with at least {min_therapist_turns} helper turns" if min_therapist_turns else ""
    return f"{MEASURE_LABELS[measure]}, sessions{kept}: " + "; ".join(parts) + "."


# --------------------------------------------------------------------------------------------------
# Behaviour mix and what clients say next
# --------------------------------------------------------------------------------------------------


def behaviour_mix_figure(mix: pd.DataFrame) -> go.Figure:
    """Share of helper utterances of each behaviour, high- vs low-quality sessions (grouped bars).

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`helpcourse.talk.behaviour_mix`.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 high quality (blue, plain), trace 1 low quality (orange, hatched), one bar per behaviour.
    """
    labels = [THERAPIST_BEHAVIOUR_LABELS[b] for b in mix.index]
    fig = go.Figure()
    for quality, style in QUALITY_STYLE.items():
        fig.add_trace(
            go.Bar(
                x=labels,
                y=mix[quality].tolist(),
                name=f"{style['name']} ({int(mix[f'n_{quality}'].sum()):,} helper utterances)",
                text=[format_percent(v) for v in mix[quality]],
                textposition="outside",
                customdata=mix[f"n_{quality}"].tolist(),
                marker={"color": style["color"], "pattern": {"shape": style["pattern"]}},
                hovertemplate="%{x}: %{y:.0%} (%{customdata} utterances)<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", title_text="Share of the helper's utterances", range=[0, 0.45])
    fig.update_layout(barmode="group")
    return base_layout(fig, "What helpers do in high- and low-quality demonstrations", height=420)


def describe_behaviour_mix(mix: pd.DataFrame) -> str:
    """Text alternative of :func:`behaviour_mix_figure`."""
    parts = [
        f"{THERAPIST_BEHAVIOUR_LABELS[b].split(' (')[0].lower()} {format_percent(mix.loc[b, 'high'])} vs "
        f"{format_percent(mix.loc[b, 'low'])}"
        for b in mix.index
    ]
    return (
        "Grouped bars of the share of helper utterances of each kind, in high- vs low-quality sessions: "
        + "; ".join(parts) + "."
    )


def client_talk_after_figure(after: pd.DataFrame, sessions: str = "all sessions") -> go.Figure:
    """Share of client turns that are change talk and sustain talk, by the helper's utterance just before.

    Parameters
    ----------
    after : pandas.DataFrame
        From :func:`helpcourse.talk.client_talk_after`.
    sessions : str
        Which sessions the table covers, for the title (``"all sessions"``, ``"high-quality sessions"``).

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 change talk (green, plain bars), trace 1 sustain talk (vermillion, hatched bars), one pair per
        kind of helper utterance; hover shows the number of client turns.
    """
    labels = [THERAPIST_BEHAVIOUR_LABELS[b] for b in after.index]
    fig = go.Figure()
    for talk_type, colour, pattern in (("change", PALETTE["green"], ""), ("sustain", PALETTE["vermillion"], "/")):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=after[talk_type].tolist(),
                name=f"{CLIENT_TALK_LABELS[talk_type]} next",
                text=[format_percent(v) if pd.notna(v) else "" for v in after[talk_type]],
                textposition="outside",
                customdata=after["n"].tolist(),
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate="after %{x}: %{y:.0%} of %{customdata} client turns<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", title_text="Share of the client turns that follow", range=[0, 0.45])
    fig.update_xaxes(title_text="What the helper said just before")
    fig.update_layout(barmode="group")
    return base_layout(fig, client_talk_after_title(sessions), height=420)


def client_talk_after_title(sessions: str) -> str:
    """Title of :func:`client_talk_after_figure`."""
    return f"What clients say next, by what the helper just said ({sessions})"


def describe_client_talk_after(after: pd.DataFrame, sessions: str = "all sessions") -> str:
    """Text alternative of :func:`client_talk_after_figure`: change and sustain talk after each behaviour."""
    parts = []
    for behaviour in after.index:
        row = after.loc[behaviour]
        name = THERAPIST_BEHAVIOUR_LABELS[behaviour].split(" (")[0].lower()
        if int(row["n"]) == 0:
            parts.append(f"after {name}: no client turns")
            continue
        parts.append(
            f"after {name}, {format_percent(row['change'])} change talk and {format_percent(row['sustain'])} "
            f"sustain talk ({int(row['n']):,} client turns)"
        )
    return f"Client turns right after each kind of helper utterance, {sessions}: " + "; ".join(parts) + "."
