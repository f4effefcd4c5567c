"""Module 02 in the browser: after keyboard changes, the demos show exactly the values computed here.

The AnnoMI tables are loaded here as the notebook loads them; each check operates a demo with the keyboard (the arrow
keys on the session menu and on sliders, a typed number, Space on buttons) and compares the plot's data, its title
and the live text with values computed from the utterances directly.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, figures, talk

TOL = 1e-12


@cache
def _annomi() -> tuple[pd.DataFrame, pd.DataFrame]:
    utterances = data.load_annomi_utterances()
    return utterances, talk.transcript_scores(utterances, data.load_annomi_utterances("full"))


def _floats(values: list) -> np.ndarray:
    return np.array([math.nan if value is None else float(value) for value in values], dtype=float)


def _choose(nbpage: NotebookPage, cell: CellInfo, name: str) -> None:
    """Focus a toggle button as a keyboard user does (Tab) and press Space; it must become the chosen one."""
    button = nbpage.cell(cell.index).get_by_role("button", name=name, exact=True)
    button.focus()
    nbpage.page.keyboard.press("Space")
    poll(lambda: "mod-active" in (button.get_attribute("class") or ""), bool, timeout=10)
    assert "mod-active" in (button.get_attribute("class") or ""), f"{name!r} was not chosen with the keyboard"


# ------------------------------------------------------------------------------------------------------------
# 2.3 What helpers do (no controls: the bars are the shares of each behaviour)
# ------------------------------------------------------------------------------------------------------------


def check_behaviour_mix(nbpage: NotebookPage, cell: CellInfo) -> None:
    utterances, _ = _annomi()
    helper = utterances[utterances["interlocutor"] == "therapist"]
    plot = nbpage.plot_data(cell.index)
    for trace, quality in zip(plot["data"], ("high", "low"), strict=True):
        turns = helper[helper["mi_quality"] == quality]["main_therapist_behaviour"].astype(str)
        shares = turns.value_counts(normalize=True)
        shown = dict(zip(trace["x"], _floats(trace["y"]), strict=True))
        assert len(shown) == 4
        for behaviour, share in shares.items():
            label = next(label for code, label in talk.THERAPIST_BEHAVIOUR_LABELS.items() if code == behaviour)
            assert shown[label] == pytest.approx(share, abs=TOL), f"{quality} quality, {behaviour}"


# ------------------------------------------------------------------------------------------------------------
# 2.4 The transcript explorer
# ------------------------------------------------------------------------------------------------------------


def _assert_explorer_shows(nbpage: NotebookPage, cell: CellInfo, transcript_id: int) -> None:
    utterances, scores = _annomi()
    row = scores.loc[transcript_id]
    session = utterances[utterances["transcript_id"] == transcript_id]
    x_range = figures.session_x_range(session)
    def ticks(plot: dict) -> list[float]:
        return [float(text.replace("\u2212", "-").replace(",", "")) for text in plot["xticks"]]

    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: len(p["data"][0]["x"]) == len(session) and p["layout"]["xaxis"]["range"] == x_range
                and bool(ticks(p)) and x_range[1] / 2 < max(ticks(p)) <= x_range[1])
    assert plot["layout"]["title"]["text"] == figures.SESSION_TITLE
    assert plot["layout"]["xaxis"]["range"] == pytest.approx(x_range), "the timeline's axis follows the session"
    drawn = ticks(plot)
    assert drawn and x_range[1] / 2 < max(drawn) <= x_range[1], f"the axis drawn for {x_range}: ticks {drawn}"
    helper = session["interlocutor"] == "therapist"
    code = session["main_therapist_behaviour"].astype(object).where(helper, session["client_talk_type"].astype(object))
    # the timeline is trace 0, one point per utterance, on the row of its kind
    points_x, points_y = _floats(plot["data"][0]["x"]), _floats(plot["data"][0]["y"])
    for kind in figures.TIMELINE_ROWS:
        expected = sorted(session.loc[code == kind, "utterance_id"])
        on_row = points_x[points_y == figures.timeline_row_position(kind)]
        assert sorted(on_row) == pytest.approx(expected), f"{kind}: utterances shown"
    assert len(points_x) == len(session) == row["n_utterances"]
    questions, reflections = int((code == "question").sum()), int((code == "reflection").sum())
    ratio = math.nan if questions == reflections == 0 else (math.inf if questions == 0 else reflections / questions)
    bar = 0.0 if math.isnan(ratio) else min(ratio, figures.RATIO_AXIS_MAX)
    assert _floats(plot["data"][1]["x"])[0] == pytest.approx(bar, abs=TOL), "reflections per question"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"Session #{transcript_id}," in t)
    assert f"Session #{transcript_id}, {row['mi_quality']} quality, topic {row['topic']}: {len(session)} utterances" \
        in text
    assert f"made {reflections} reflections, asked {questions} questions" in text
    assert f"Reflections per question: {figures.format_ratio(ratio)}" in text
    note = talk.risk_note(transcript_id)  # sessions that touch on risk end with the note on risk, others have none
    assert (note in text) if note else ("Note on risk" not in text)


def check_transcript_explorer(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on the session menu choose the next session, Home the first: the plot shows that session."""
    _, scores = _annomi()
    ids = [transcript_id for _label, transcript_id in talk.session_options(scores)]
    menu = nbpage.cell(cell.index).get_by_role("combobox", name="Session", exact=True)
    shown = menu.locator("option:checked").text_content()
    start = next(i for i, (label, _id) in enumerate(talk.session_options(scores)) if label == shown)
    assert ids[start] == 123, "the explorer opens on session #123"
    _assert_explorer_shows(nbpage, cell, ids[start])
    menu.focus()
    nbpage.page.keyboard.press("ArrowDown")
    _assert_explorer_shows(nbpage, cell, ids[start + 1])
    menu.focus()
    nbpage.page.keyboard.press("Home")
    _assert_explorer_shows(nbpage, cell, ids[0])
    assert menu.locator("option:checked").text_content() == talk.session_options(scores)[0][0]


# ------------------------------------------------------------------------------------------------------------
# 2.5 High- against low-quality sessions
# ------------------------------------------------------------------------------------------------------------


def _assert_quality_shows(nbpage: NotebookPage, cell: CellInfo, measure: str, min_turns: int) -> None:
    _, scores = _annomi()
    kept = scores[scores["n_therapist"] >= min_turns]
    label = talk.MEASURE_LABELS[measure]
    words = f"with at least {min_turns} helper turns" if min_turns else f"{label}, sessions:"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: t.startswith(f"What the figure shows: {label}")
                and words in t)
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: p["layout"]["title"]["text"].startswith(label)
                and len(p["data"][1]["x"]) == kept.loc[kept["mi_quality"] == "low", measure].notna().sum())
    assert plot["layout"]["title"]["text"] == f"{label}: each point is one session"
    for trace, quality in zip(plot["data"], ("high", "low"), strict=True):
        values = kept.loc[kept["mi_quality"] == quality, measure].dropna().to_numpy(dtype=float)
        if measure == "reflections_per_question":
            values = np.minimum(values, figures.RATIO_AXIS_MAX)
        assert sorted(_floats(trace["x"])) == pytest.approx(sorted(values), abs=TOL), f"{quality}-quality sessions"
        assert trace["name"].endswith(f"({len(values)})")
        median = float(np.median(kept.loc[kept["mi_quality"] == quality, measure].dropna()))
        shown = figures.format_ratio(median) if measure == "reflections_per_question" else figures.format_percent(
            median)
        assert f"{len(values)} {quality}-quality sessions, median {shown}" in text
    lines = sorted(shape["x0"] for shape in plot["layout"].get("shapes", []))
    thresholds = talk.miti_thresholds()
    assert lines == (sorted([thresholds[measure].fair, thresholds[measure].good]) if measure in thresholds else [])


def check_quality_comparison(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Space on a measure's button, an arrow key on the slider and a typed minimum: the sessions kept, exactly."""
    box = nbpage.cell(cell.index)
    slider = box.get_by_role("slider", name="Minimum helper turns per session")
    start = int(float(slider.input_value()))  # other tests may have moved it already
    _choose(nbpage, cell, talk.MEASURE_LABELS["sustain_talk_share"])
    _assert_quality_shows(nbpage, cell, "sustain_talk_share", start)
    min_turns = int(_press(nbpage, slider, "ArrowRight"))
    assert min_turns == start + 1
    _assert_quality_shows(nbpage, cell, "sustain_talk_share", min_turns)
    number = box.get_by_role("spinbutton", name="Minimum helper turns per session (type a value)")
    number.focus()
    nbpage.page.keyboard.press("Control+A")
    nbpage.page.keyboard.type("15")
    nbpage.page.keyboard.press("Tab")  # leaving the box commits the typed number (Enter does not, see UI_TESTS.md)
    assert int(poll(lambda: float(slider.input_value()), lambda v: v == 15, timeout=10)) == 15
    _assert_quality_shows(nbpage, cell, "sustain_talk_share", 15)
    _choose(nbpage, cell, talk.MEASURE_LABELS["reflections_per_question"])
    _assert_quality_shows(nbpage, cell, "reflections_per_question", 15)


# ------------------------------------------------------------------------------------------------------------
# 2.6 What clients say next
# ------------------------------------------------------------------------------------------------------------


def _next_talk(utterances: pd.DataFrame) -> dict[str, tuple[float, float, int]]:
    """Helper behaviour label -> (share of change talk, share of sustain talk, client turns) right after it."""
    ordered = utterances.sort_values(["transcript_id", "utterance_id"])
    before = ordered.groupby("transcript_id")[["interlocutor", "main_therapist_behaviour"]].shift(1)
    follows = ordered[(ordered["interlocutor"] == "client") & (before["interlocutor"] == "therapist")]
    after = before.loc[follows.index, "main_therapist_behaviour"].astype(str)
    out = {}
    for code, label in talk.THERAPIST_BEHAVIOUR_LABELS.items():
        talk_types = follows.loc[after == code, "client_talk_type"].astype(str)
        n = len(talk_types)
        out[label] = ((talk_types == "change").mean() if n else math.nan,
                      (talk_types == "sustain").mean() if n else math.nan, n)
    return out


def check_next_talk(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Space on *Low-quality sessions*: the bars are the shares after each helper behaviour in those sessions."""
    utterances, _ = _annomi()
    _choose(nbpage, cell, "Low-quality sessions")
    title = figures.client_talk_after_title("low-quality sessions")
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: p["layout"]["title"]["text"] == title)
    assert plot["layout"]["title"]["text"] == title
    expected = _next_talk(utterances[utterances["mi_quality"] == "low"])
    for trace, which in zip(plot["data"], (0, 1), strict=True):
        shown = dict(zip(trace["x"], _floats(trace["y"]), strict=True))
        assert set(shown) == set(expected)
        for label, values in expected.items():
            assert shown[label] == pytest.approx(values[which], abs=TOL, nan_ok=True), f"after {label}"
    assert plot["data"][0]["customdata"] == [n for _c, _s, n in expected.values()]
    text = poll(lambda: _live_text(nbpage, cell), lambda t: "low-quality sessions" in t)
    input_label = talk.THERAPIST_BEHAVIOUR_LABELS["therapist_input"]
    change, sustain, n = expected[input_label]
    assert (f"after therapist input, {figures.format_percent(change)} change talk and "
            f"{figures.format_percent(sustain)} sustain talk ({n:,} client turns)") in text


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "02_facilitate_dont_direct": [
        DemoExpectation("demo_behaviour_mix", (), check_behaviour_mix),
        DemoExpectation("demo_explorer", ("Session",), check_transcript_explorer),
        DemoExpectation("demo_quality", (*talk.MEASURE_LABELS.values(), "Minimum helper turns per session"),
                        check_quality_comparison),
        DemoExpectation("demo_next_talk", ("All sessions", "High-quality sessions", "Low-quality sessions"),
                        check_next_talk),
    ],
}
