"""Module 04 figures and demos: plotted values are the library's results, controls are labelled, updates in place."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpcourse import data, demos, figures, metaanalysis
from helpcourse.simulate import alliance as simulate_alliance


def _values(trace_x) -> list[float]:
    return [np.nan if value is None else float(value) for value in trace_x]


# --------------------------------------------------------------------------------------------------
# Forest plot of the Metapsy trials
# --------------------------------------------------------------------------------------------------


def test_therapy_forest_plots_the_pooled_estimates():
    forest = demos.therapy_forest()
    pooled = metaanalysis.metapsy_pooled("all", 0, "pm")
    types = pooled[pooled["therapy"] != "all"]
    np.testing.assert_allclose(_values(forest.figure.data[0].x), types["estimate"])
    assert list(forest.figure.data[0].y) == list(types["label"])
    np.testing.assert_allclose(_values(forest.figure.data[1].x), pooled["estimate"].iloc[[-1]])
    upper = np.asarray(_values(forest.figure.data[0].error_x.array))
    np.testing.assert_allclose(upper, types["ci_high"] - types["estimate"])
    assert forest.figure.data[2].text[0] == f"k = {types['k'].iloc[0]},  I² = {types['i2'].iloc[0]:.0f}%,  " \
                                            f"τ² = {types['tau2'].iloc[0]:.2f}"
    assert "Paule-Mandel" in forest.figure.layout.title.text


def test_therapy_forest_filters_update_the_same_figure():
    forest = demos.therapy_forest()
    figure = forest.figure
    forest.control.value = "wl"
    forest.min_rob.value = 4
    assert forest.figure is figure
    pooled = metaanalysis.metapsy_pooled("wl", 4, "pm")
    types = pooled[pooled["therapy"] != "all"]
    np.testing.assert_allclose(_values(figure.data[0].x), types["estimate"])
    not_pooled = types[types["estimate"].isna()]
    assert len(not_pooled)  # some therapy types have fewer than 2 such trials
    for label in not_pooled["label"]:
        row = list(figure.data[0].y).index(label)
        assert figure.data[0].x[row] is None
        assert "too few trials" in figure.data[2].text[row]
    assert "waiting list" in figure.layout.title.text and "at least 4 of 4" in figure.layout.title.text
    assert "waiting list" in forest.description.value and "Too few trials to pool" in forest.description.value


def test_therapy_forest_controls_are_labelled_and_fast_once_computed():
    forest = demos.therapy_forest()
    assert forest.control.description == "Control group"
    assert forest.min_rob.description.startswith("Risk-of-bias criteria") and forest.min_rob.readout
    assert [code for _, code in forest.control.options] == list(metaanalysis.CONTROL_TYPES)
    forest.control.value = "cau"
    start = time.perf_counter()
    forest.control.value = "all"
    forest.control.value = "cau"
    assert time.perf_counter() - start < 2.0


def test_forest_has_a_second_encoding_besides_colour():
    fig = figures.therapy_forest_figure(metaanalysis.metapsy_pooled(), "t")
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert fig.data[0].marker.color != fig.data[1].marker.color


# --------------------------------------------------------------------------------------------------
# NHS recovery lines
# --------------------------------------------------------------------------------------------------


def test_nhs_chart_plots_the_published_rates_with_distinct_dashes_and_markers():
    lines = metaanalysis.nhs_recovery_lines(data.load_nhstt_recovery_by_therapy("Depression"))
    chart = demos.nhs_recovery_chart(lines)
    figure = chart.children[0]
    assert len(figure.data) == lines["label"].nunique()
    assert len({trace.line.dash for trace in figure.data}) == len(figure.data)
    assert len({trace.marker.symbol for trace in figure.data}) == len(figure.data)
    cbt = lines[lines["label"] == "CBT"]
    trace = next(t for t in figure.data if t.name == "CBT")
    np.testing.assert_allclose(np.asarray(trace.y, dtype=float), cbt["recovery_pct"])
    assert "Depression" in figure.layout.title.text
    assert "2024-25" in chart.children[1].value and "percentage points" in chart.children[1].value


# --------------------------------------------------------------------------------------------------
# Alliance between and within therapists
# --------------------------------------------------------------------------------------------------


def _panel_titles(figure) -> list[str]:
    """The panel titles of the alliance-levels figure: text marks above the three panels (traces 6-8)."""
    titles = figure.data[6:9]
    assert [t.mode for t in titles] == ["text"] * 3 and [t.xaxis for t in titles] == ["x", "x2", "x3"]
    return [t.text[0] for t in titles]


def test_alliance_levels_show_the_decomposition_of_the_simulated_clients():
    demo = demos.alliance_levels()
    assert (demo.n_therapists, demo.clients_per_therapist) == (50, 6)
    clients = simulate_alliance.simulate_alliance_multilevel(50, 6, 0.6, 0.3, 0.2, seed=2007)
    parts = simulate_alliance.decompose_alliance_correlation(clients)
    assert _panel_titles(demo.figure) == list(figures.alliance_levels_titles(parts))
    assert sum(len(trace.x) for trace in demo.figure.data[:3]) == 650  # 300 clients, 50 therapists, 300 deviations
    x, y = np.asarray(demo.figure.data[1].x), np.asarray(demo.figure.data[1].y)
    assert len(x) == 50
    assert np.corrcoef(x, y)[0, 1] == pytest.approx(parts["between_r"])
    expected = simulate_alliance.expected_alliance_correlations(0.6, 0.3, 0.2, 6)
    assert f"r = {figures.format_r(parts['total_r'])}" in demo.description.value
    assert figures.format_r(expected["within_r"]) in demo.description.value


def test_alliance_levels_sliders_update_in_place():
    demo = demos.alliance_levels()
    figure = demo.figure
    demo.within_slider.value = 0.0
    demo.share_slider.value = 0.4
    assert demo.figure is figure
    clients = simulate_alliance.simulate_alliance_multilevel(50, 6, 0.6, 0.0, 0.4, seed=2007)
    parts = simulate_alliance.decompose_alliance_correlation(clients)
    assert _panel_titles(figure)[2] == f"Within each therapist: r = {figures.format_r(parts['within_r'])}"
    deviations = np.asarray(figure.data[2].x), np.asarray(figure.data[2].y)
    assert np.corrcoef(*deviations)[0, 1] == pytest.approx(parts["within_r"])
    assert abs(parts["within_r"]) < 0.1
    # The trend line in the within panel has the slope of the deviations.
    line_x, line_y = figure.data[5].x, figure.data[5].y
    slope = (line_y[1] - line_y[0]) / (line_x[1] - line_x[0])
    assert slope == pytest.approx(np.polyfit(*deviations, 1)[0])
    for slider in (demo.share_slider, demo.between_slider, demo.within_slider):
        assert slider.description and slider.readout


def test_alliance_levels_send_only_the_arrays_a_slider_changes():
    demo = demos.alliance_levels()
    sent: list[dict[int, dict]] = []

    def record(styles_data, relayout_data, trace_indexes, animation_opts):
        assert not relayout_data and animation_opts["frame"]["redraw"] is False
        sent.append(dict(zip(trace_indexes, styles_data, strict=True)))

    demo.figure._send_animate_msg = record  # what the figure would send to the browser
    demo.between_slider.value = 0.9
    assert len(sent) == 1
    changed = {index: style for index, style in sent[0].items() if style}
    assert not any("x" in style for style in changed.values()), "a slope leaves every alliance value where it is"
    assert sorted(changed) == [0, 1, 3, 4, 6, 7], (
        "the between slope leaves the within-therapist panel alone (its points, line and title)")
    clients = simulate_alliance.simulate_alliance_multilevel(50, 6, 0.9, 0.3, 0.2, seed=2007)
    np.testing.assert_allclose(demo.figure.data[0].y, clients["outcome"])
    sent.clear()
    demo.share_slider.value = 0.3
    assert {"x", "y"} <= set(sent[0][0]), "the therapist share moves the alliance values too"
    clients = simulate_alliance.simulate_alliance_multilevel(50, 6, 0.9, 0.3, 0.3, seed=2007)
    np.testing.assert_allclose(demo.figure.data[0].x, clients["alliance"])
    np.testing.assert_allclose(demo.figure.data[0].y, clients["outcome"])


def test_alliance_levels_markers_differ_by_panel():
    demo = demos.alliance_levels()
    symbols = [demo.figure.data[i].marker.symbol for i in range(3)]
    assert len(set(symbols)) == 3


# --------------------------------------------------------------------------------------------------
# Early improvement
# --------------------------------------------------------------------------------------------------


def test_early_improvement_demo_shows_raw_and_adjusted_correlations():
    demo = demos.early_improvement_explorer()
    clients = simulate_alliance.simulate_early_improvement(400, 0.4, 0.0, seed=2020)
    correlations = simulate_alliance.alliance_outcome_correlations(clients)
    assert demo.figure.layout.title.text == figures.early_improvement_title(correlations)
    assert len(demo.figure.data[0].x) == int(clients["improved_early"].sum())
    assert demo.figure.data[0].marker.symbol != demo.figure.data[1].marker.symbol
    assert "no effect on the outcome" in demo.description.value
    figure = demo.figure
    demo.cause_slider.value = 0.5
    assert demo.figure is figure
    updated = simulate_alliance.alliance_outcome_correlations(
        simulate_alliance.simulate_early_improvement(400, 0.4, 0.5, seed=2020)
    )
    assert figure.layout.title.text == figures.early_improvement_title(updated)
    assert "adds 0.50" in demo.description.value
    assert demo.early_slider.description and demo.cause_slider.description


def test_therapy_forest_control_groups_are_buttons_the_keyboard_operates():
    forest = demos.therapy_forest()
    assert forest.control.__class__.__name__ == "ToggleButtons"
    assert [label for label, _ in forest.control.options] == [
        label.capitalize() for label in metaanalysis.CONTROL_TYPES.values()]


def test_therapy_forest_update_in_place_equals_a_new_figure():
    forest = demos.therapy_forest()
    forest.control.value = "cau"
    forest.min_rob.value = 3
    pooled = metaanalysis.metapsy_pooled("cau", 3, "pm")
    fresh = figures.therapy_forest_figure(pooled, forest._title())
    for shown, new in zip(forest.figure.data, fresh.data, strict=True):
        assert list(shown.x) == list(new.x) and list(shown.y) == list(new.y)
        if new.error_x.array is not None:
            assert list(shown.error_x.array) == list(new.error_x.array)
            assert list(shown.error_x.arrayminus) == list(new.error_x.arrayminus)
            assert shown.error_x.color == new.error_x.color
            assert [list(row) for row in shown.customdata] == [list(row) for row in new.customdata]
    assert list(forest.figure.data[2].text) == list(fresh.data[2].text)
    assert forest.figure.layout.title.text == fresh.layout.title.text


def test_exercise_simulates_as_many_therapists_and_clients_as_the_module_demo():
    """ps04 Q3 says it runs demo 4.5's simulation: its therapists and clients per therapist match the demo's."""
    import inspect
    import re
    from pathlib import Path

    import nbformat

    defaults = inspect.signature(demos.AllianceLevels).parameters
    shown = (defaults["n_therapists"].default, defaults["clients_per_therapist"].default)
    path = Path(__file__).resolve().parents[1] / "course" / "exercises" / "ps04_alliance" / "ps04_alliance.ipynb"
    source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    calls = re.findall(r"simulate_alliance_multilevel\(\s*(\d+),\s*(\d+)", source)
    assert len(calls) >= 3 and all((int(n), int(m)) == shown for n, m in calls), calls
    assert f"**{shown[0]} therapists with {shown[1]} clients each**" in source


def test_alliance_levels_redraw_only_their_traces():
    """The axes are fixed and the titles are text marks: a slider sends plotly.js the traces only (an animation
    without a full redraw), and the figure then equals one built anew for the same settings."""
    demo = demos.alliance_levels()
    figure = demo.figure
    sent = []
    figure.observe(lambda change: sent.append(change["new"]), names=["_py2js_update", "_py2js_animate"])
    layout = figure.layout.to_plotly_json()
    demo.share_slider.value, demo.between_slider.value, demo.within_slider.value = 0.45, 1.2, 0.0
    clients, means, deviations, parts = demo._compute()
    fresh = figures.alliance_levels_figure(clients, means, deviations, parts)
    for shown, expected in zip(figure.data, fresh.data, strict=True):
        for key in ("x", "y"):
            np.testing.assert_allclose(np.asarray(shown[key], dtype=float), np.asarray(expected[key], dtype=float))
        assert shown.text == expected.text
    assert figure.layout.to_plotly_json() == layout, "nothing in the layout changes"
    messages = [message for message in sent if message is not None]
    assert len(messages) == 3 and all(m["animation_opts"]["frame"]["redraw"] is False for m in messages)
    assert all(sorted(m["style_traces"]) == list(range(len(figure.data))) for m in messages)


def test_alliance_levels_and_early_improvement_show_the_same_values_when_a_slider_comes_back():
    demo = demos.alliance_levels()
    for value in (0.5, 0.8, 0.5):  # the last one comes from the cache
        demo.within_slider.value = value
    clients = simulate_alliance.simulate_alliance_multilevel(50, 6, 0.6, 0.5, 0.2, seed=2007)
    np.testing.assert_array_equal(demo.figure.data[0].y, clients["outcome"].to_numpy(dtype=float))
    parts = simulate_alliance.decompose_alliance_correlation(clients)
    assert _panel_titles(demo.figure) == list(figures.alliance_levels_titles(parts))
    early = demos.early_improvement_explorer()
    for value in (0.7, 0.2, 0.7):
        early.early_slider.value = value
    clients = simulate_alliance.simulate_early_improvement(400, 0.7, 0.0, seed=2020)
    improved = clients[clients["improved_early"]]
    np.testing.assert_array_equal(early.figure.data[0].x, improved["alliance"].to_numpy())
    np.testing.assert_array_equal(early.figure.data[0].y, improved["outcome"].to_numpy())
    assert early.figure.layout.title.text == figures.early_improvement_title(
        simulate_alliance.alliance_outcome_correlations(clients))
