"""Module 02 demos: they plot the real AnnoMI numbers, mark the MITI thresholds, and update in place."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpcourse import data, demos, figures, talk


@pytest.fixture(scope="module")
def annomi():
    utterances = data.load_annomi_utterances()
    scores = talk.transcript_scores(utterances, data.load_annomi_utterances("full"))
    return utterances, scores


def _without_uid(traces: list[dict]) -> list[dict]:
    """Trace dicts without the widget's trace ids (a new figure has none)."""
    return [{key: value for key, value in trace.items() if key != "uid"} for trace in traces]


def _timeline_points(fig) -> int:
    return len(fig.data[0].x)


def _row(fig, code: str) -> list:
    """The utterance numbers on one row of the session timeline (trace 0, one point per utterance)."""
    position = figures.timeline_row_position(code)
    return [x for x, y in zip(fig.data[0].x, fig.data[0].y, strict=True) if y == position]


def test_explorer_dropdown_is_labelled_with_id_quality_and_topic(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores)
    assert explorer.session.description == "Session"
    labels = dict((value, label) for label, value in explorer.session.options)
    assert len(labels) == 133
    assert labels[123] == "#123 · low quality · smoking cessation"
    assert labels[34] == ("#34 · high quality · reducing alcohol consumption · touches on drinking in pregnancy "
                          "(see the note on risk)")
    assert labels[95].endswith("· touches on self-harm and suicidal thoughts (see the note on risk)")


def test_explorer_shows_the_note_on_risk_only_with_sessions_that_touch_on_it(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=123)
    assert "Note on risk" not in explorer.description.value
    for transcript_id in (95, 107):
        explorer.session.value = transcript_id
        text = explorer.description.value
        assert f"Session #{transcript_id}," in text
        assert "Note on risk: this demonstration touches on self-harm and suicidal thoughts." in text
        assert "rates the style of MI, not how risk is handled" in text and "supervision" in text
    explorer.session.value = 34
    assert "Note on risk: this demonstration touches on drinking in pregnancy." in explorer.description.value


def test_explorer_shows_every_utterance_of_the_session_in_order(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=34)
    assert _timeline_points(explorer.figure) == scores.loc[34, "n_utterances"]
    reflections = utterances[(utterances["transcript_id"] == 34)
                             & (utterances["main_therapist_behaviour"] == "reflection")]["utterance_id"]
    assert _row(explorer.figure, "reflection") == sorted(reflections)
    assert figures.timeline_row_position("reflection") == 6
    points = explorer.figure.data[0]
    assert list(points.x) == sorted(points.x), "utterances in the order spoken"
    labels = {y: label for y, (label, _text) in zip(points.y, points.customdata, strict=True)}
    assert labels[6] == "Helper: reflection" and len(labels) == len(set(points.y))


def test_choosing_a_session_updates_the_same_figure(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=34)
    figure = explorer.figure
    explorer.session.value = 123
    assert explorer.figure is figure
    assert _timeline_points(figure) == scores.loc[123, "n_utterances"] == 27
    assert len(_row(figure, "reflection")) == 0  # no reflection in this low-quality session
    assert len(_row(figure, "therapist_input")) == scores.loc[123, "therapist_input"] == 8
    assert list(figure.data[1].x) == [0.0] and "below fair" in figure.data[1].text[0]
    assert "not assessable" in figure.data[2].text[0]
    assert figure.layout.title.text == figures.SESSION_TITLE  # the menu and the text name the session
    last = max(figure.data[0].x)
    assert figure.layout.xaxis.range[0] == 0 and last < figure.layout.xaxis.range[1] <= last + 2, "axis follows"


def test_choosing_a_session_redraws_the_traces_and_the_axis_only(annomi):
    """A change of session goes to plotly.js as an animation without a redraw; it ends as a new figure would."""
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=34)
    sent = []
    explorer.figure.observe(lambda change: sent.append((change["name"], change["new"])),
                            names=["_py2js_update", "_py2js_animate"])
    explorer.session.value = 123
    assert [name for name, message in sent if message is not None] == ["_py2js_animate"]
    animation = next(message for name, message in sent if message is not None)
    assert set(animation["layout_data"]) == {"xaxis.range"}
    timeline = talk.session_timeline(utterances[utterances["transcript_id"] == 123], 123)
    new = figures.session_figure(timeline, 123, scores.loc[123], talk.miti_thresholds())
    assert list(explorer.figure.layout.xaxis.range) == list(new.layout.xaxis.range)
    for shown, fresh in zip(explorer.figure.data, new.data, strict=True):
        assert list(shown.x) == list(fresh.x) and list(shown.y) == list(fresh.y)
    assert "Session #123" in explorer.description.value and "8 pieces of information" in explorer.description.value
    assert "46%" in explorer.description.value  # sustain talk: 6 of 13 client turns


def test_explorer_marks_the_miti_thresholds(annomi):
    utterances, scores = annomi
    figure = demos.transcript_explorer(utterances, scores, transcript_id=34).figure
    lines = sorted((shape.x0, shape.line.dash) for shape in figure.layout.shapes)
    assert lines == [(0.4, "dash"), (0.5, "dot"), (1.0, "dash"), (2.0, "dot")]
    texts = {annotation.text for annotation in figure.layout.annotations}
    assert {"fair 1:1", "good 2:1", "fair 40%", "good 50%"} <= texts
    ratio = scores.loc[34, "reflections_per_question"]
    assert ratio == pytest.approx(37 / 13)
    assert figure.data[1].x[0] == pytest.approx(ratio) and figure.data[1].text[0] == "2.85 (good)"


def test_explorer_caps_ratios_without_questions(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=86)  # 20 reflections, no questions
    assert math.isinf(scores.loc[86, "reflections_per_question"])
    assert explorer.figure.data[1].x[0] == figures.RATIO_AXIS_MAX
    assert explorer.figure.data[1].text[0] == "no questions asked (good)"


def test_explorer_table_compares_with_the_medians(annomi):
    utterances, scores = annomi
    explorer = demos.transcript_explorer(utterances, scores, transcript_id=131)
    table = explorer.table.value
    assert "<td>0.63</td><td>below fair (fair 1:1; good 2:1)</td><td>1.00</td><td>0.00</td>" in table
    assert "<td>8%</td><td>50%</td>" in table  # therapist input medians, high vs low
    assert table.count("<tr>") == 6


def test_timeline_uses_a_symbol_and_a_row_per_kind_of_utterance(annomi):
    utterances, scores = annomi
    figure = demos.transcript_explorer(utterances, scores, transcript_id=34).figure
    points = figure.data[0]
    styles = {y: (colour, symbol) for y, colour, symbol in
              zip(points.y, points.marker.color, points.marker.symbol, strict=True)}
    expected = {figures.timeline_row_position(code): (colour, symbol)
                for code, (_label, colour, symbol) in figures.TIMELINE_ROWS.items()}
    assert styles == {y: expected[y] for y in styles} and len(styles) >= 5, "one colour and symbol per row"
    assert len({symbol for _colour, symbol in expected.values()}) == 7
    assert list(points.marker.line.color) == list(points.marker.color)
    assert not figure.layout.showlegend, "the rows are named beside them: no legend repeating them"
    assert list(figure.layout.yaxis.ticktext) == [row[0] for row in figures.TIMELINE_ROWS.values()]
    assert list(figure.layout.yaxis.tickvals) == [6, 5, 4, 3, 2, 1, 0]  # reflection at the top, sustain talk last
    assert figure.layout.yaxis.range[0] < 0 and figure.layout.yaxis.range[1] > 6  # empty rows stay visible


def test_quality_comparison_plots_every_session_with_thresholds(annomi):
    _, scores = annomi
    demo = demos.quality_comparison(scores)
    high, low = demo.figure.data
    assert len(high.x) == 110 and len(low.x) == 22  # one low-quality session has neither questions nor reflections
    assert max(high.x) == figures.RATIO_AXIS_MAX  # no-question sessions and ratios above 4 drawn at 4
    assert float(np.median(low.x)) == 0.0 and float(np.median(high.x)) == 1.0
    assert sorted(shape.x0 for shape in demo.figure.layout.shapes) == [1.0, 2.0]
    assert high.marker.symbol != low.marker.symbol
    assert "median 1.00" in demo.description.value and "median 0.00" in demo.description.value


def test_quality_comparison_measure_and_slider_update_in_place(annomi):
    _, scores = annomi
    demo = demos.quality_comparison(scores)
    figure = demo.figure
    demo.measure.value = "sustain_talk_share"
    assert demo.figure is figure
    assert len(figure.layout.shapes) == 0  # MITI sets no threshold for client talk
    assert sorted(figure.data[1].x) == sorted(scores.loc[scores["mi_quality"] == "low", "sustain_talk_share"])
    assert "median 27%" in demo.description.value
    demo.min_turns.value = 15
    kept = scores[scores["n_therapist"] >= 15]
    assert len(figure.data[1].x) == int((kept["mi_quality"] == "low").sum()) == 8
    assert "at least 15 helper turns" in demo.description.value
    demo.measure.value = "complex_reflection_share"
    assert sorted(shape.x0 for shape in figure.layout.shapes) == [0.4, 0.5]
    assert figure.layout.xaxis.tickformat == ".0%"


def test_quality_comparison_controls_are_labelled_with_visible_numbers(annomi):
    demo = demos.quality_comparison(annomi[1])
    assert demo.measure.description == "Summary score"
    assert demo.min_turns.description and demo.min_turns.readout


def test_next_talk_explorer_plots_the_table_and_switches_sessions(annomi):
    utterances, _ = annomi
    demo = demos.next_talk_explorer(utterances)
    change, sustain = demo.figure.data
    after = talk.client_talk_after(utterances)
    assert list(change.y) == pytest.approx(after["change"].tolist())
    assert change.marker.pattern.shape != sustain.marker.pattern.shape
    figure = demo.figure
    demo.sessions.value = "low"
    assert demo.figure is figure
    low = talk.client_talk_after(utterances[utterances["mi_quality"] == "low"])
    assert list(figure.data[1].y) == pytest.approx(low["sustain"].tolist())
    assert "low-quality sessions" in figure.layout.title.text
    assert "after therapist input, 21% change talk and 23% sustain talk (138 client turns)" in demo.description.value


def test_behaviour_mix_figure_plots_the_shares(annomi):
    utterances, _ = annomi
    box = demos.behaviour_mix_figure(utterances)
    figure, alt = box.children
    mix = talk.behaviour_mix(utterances)
    assert list(figure.data[0].y) == pytest.approx(mix["high"].tolist())
    assert figure.data[0].marker.pattern.shape != figure.data[1].marker.pattern.shape
    assert "reflection 28% vs 7%" in alt.value


def test_session_menu_is_a_labelled_native_menu_that_keeps_its_keys(annomi):
    utterances, scores = annomi
    menu = demos.transcript_explorer(utterances, scores, transcript_id=123).session
    assert isinstance(menu, demos.LabelledDropdown)
    assert menu.value == 123 and menu.description == "Session"
    assert 'createElement("select")' in menu._esm
    assert "data-lm-suppress-shortcuts" in menu._esm and "label.htmlFor = id" in menu._esm
    with pytest.raises(Exception, match="not one of the options"):
        menu.value = 9999
    assert menu.value == 123


def test_labelled_dropdown_takes_dropdown_arguments():
    menu = demos.LabelledDropdown(options=[("First", "a"), ("Second", "b")], description="Pick")
    assert menu.value == "a" and menu.options == [["First", "a"], ["Second", "b"]]
    menu.value = "b"
    assert menu.value == "b"
    with pytest.raises(ValueError, match="at least one option"):
        demos.LabelledDropdown(options=[])


def test_quality_measures_are_buttons_the_keyboard_operates(annomi):
    demo = demos.quality_comparison(annomi[1])
    assert demo.measure.__class__.__name__ == "ToggleButtons"
    assert [label for label, _ in demo.measure.options] == list(talk.MEASURE_LABELS.values())


def test_quality_comparison_updated_in_place_equals_a_new_figure(annomi):
    _, scores = annomi
    demo = demos.quality_comparison(scores)
    for measure, turns in (("sustain_talk_share", 0), ("sustain_talk_share", 15), ("complex_reflection_share", 15),
                           ("reflections_per_question", 3), ("reflections_per_question", 0)):
        demo.measure.value, demo.min_turns.value = measure, turns
        new = figures.quality_comparison_figure(scores[scores["n_therapist"] >= turns], measure, talk.miti_thresholds())
        shown = demo.figure.to_plotly_json()
        expected = new.to_plotly_json()
        assert _without_uid(shown["data"]) == _without_uid(expected["data"])
        for key in ("shapes", "annotations", "xaxis", "title"):
            assert (shown["layout"].get(key) or None) == (expected["layout"].get(key) or None), key


def test_explorer_updated_in_place_equals_a_new_figure(annomi):
    utterances, scores = annomi
    demo = demos.transcript_explorer(utterances, scores)
    for transcript_id in (3, 123, 60):
        demo.session.value = transcript_id
        timeline = talk.session_timeline(utterances, transcript_id)
        new = figures.session_figure(timeline, transcript_id, scores.loc[transcript_id], talk.miti_thresholds())
        assert _without_uid(demo.figure.to_plotly_json()["data"]) == _without_uid(new.to_plotly_json()["data"])
