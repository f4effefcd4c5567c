"""Module 03's figures and demos: plotted values are the simulation's and the data's, controls are labelled,
updates happen in place, and colour never carries meaning alone."""

from __future__ import annotations

import numpy as np
import pytest

from helpcourse import data, demos, effects, evidence, figures, skills
from helpcourse.simulate import caseload as simulate_caseload


def _summary(r: float, n: int, seed: int = 2018):
    caseloads = simulate_caseload.simulate_caseload_recoveries(r, n, seed=seed)
    return simulate_caseload.summarise_caseloads(caseloads, n), simulate_caseload.difference_distribution(caseloads)


def test_caseload_demo_plots_the_seeded_simulation():
    demo = demos.empathy_caseload(r=0.28, n_clients=40)
    summary, dist = _summary(0.28, 40)
    assert demo.figure.data[0].x[0] == pytest.approx(summary.mean_more)
    assert demo.figure.data[1].x[0] == pytest.approx(summary.mean_less)
    assert demo.figure.data[0].error_x.array[0] == pytest.approx(summary.more_high - summary.mean_more)
    assert demo.figure.data[1].error_x.arrayminus[0] == pytest.approx(summary.mean_less - summary.less_low)
    plotted = sum(int(np.sum(trace.y)) for trace in demo.figure.data[2:5])
    assert plotted == 1000 == int(dist["n_caseloads"].sum())
    ahead = int(np.sum(demo.figure.data[2].y))
    assert ahead == round(1000 * summary.share_more_ahead)
    assert all(x > 0 for x in demo.figure.data[2].x) and all(x < 0 for x in demo.figure.data[4].x)


def test_sliders_update_the_same_figure_and_text():
    demo = demos.empathy_caseload()
    figure = demo.figure
    demo.r_slider.value = 0.5
    demo.n_slider.value = 200
    summary, _ = _summary(0.5, 200)
    assert demo.figure is figure
    assert figure.data[0].x[0] == pytest.approx(summary.mean_more)
    assert tuple(figure.layout.xaxis.range) == (0, 100)
    assert "200 clients, 100 seen by more" in demo.description.value  # the title names no setting
    assert f"{summary.mean_more:.1f} on average" in demo.description.value
    assert "r = .50" in demo.description.value


def test_finding_buttons_set_r_to_evidence_values():
    demo = demos.empathy_caseload(r=0.0)
    values = demos.finding_correlations()
    assert values["Empathy"] == evidence.value("empathy_r_2018")
    assert values["Congruence"] == evidence.value("congruence_r_2018")
    assert values["Positive regard"] == pytest.approx(effects.d_to_r(evidence.value("positive_regard_g_2018")),
                                                      abs=0.005)
    demo.finding_buttons[0].click()
    assert demo.r_slider.value == pytest.approx(0.28)
    demo.finding_buttons[2].click()
    assert demo.r_slider.value == pytest.approx(0.14)
    assert "correlate r = .14" in demo.description.value


def test_controls_are_labelled_with_visible_numbers():
    demo = demos.empathy_caseload()
    for slider in (demo.r_slider, demo.n_slider):
        assert slider.description and slider.readout
    assert [b.description for b in demo.finding_buttons] == [
        "Empathy (r = .28)", "Congruence (r = .23)", "Positive regard (r = .14)", "No link (r = .00)",
    ]


def test_caseload_figure_has_second_encodings():
    summary, dist = _summary(0.28, 40)
    fig = figures.caseload_recoveries_figure(summary, dist, 0.28)
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    patterns = {trace.marker.pattern.shape for trace in fig.data[2:5]}
    assert len(patterns) == 3


def test_caseload_text_alternative_states_the_numbers():
    summary, _ = _summary(0.28, 20, seed=3)
    text = figures.describe_caseload_recoveries(summary, 0.28)
    assert "20 clients, 10 seen by more and 10 by less empathic helpers" in text
    assert f"more clients above the median in {100 * summary.share_more_ahead:.0f}% of caseloads" in text
    assert "recover" not in text.lower()  # "recovered" is defined, in quotes, in the module, not in the demo


def test_caseload_demo_reads_empathys_r_from_the_evidence_table_by_default():
    demo = demos.empathy_caseload()
    assert demo.r_slider.value == pytest.approx(evidence.value("empathy_r_2018"))
    summary, _ = _summary(evidence.value("empathy_r_2018"), 40)
    assert demo.figure.data[0].x[0] == pytest.approx(summary.mean_more)
    assert "Clients above the median" in demo.figure.layout.annotations[0].text


@pytest.fixture(scope="module")
def reflections():
    one = skills.one_annotator_per_transcript(data.load_annomi_utterances("full"))
    return skills.reflections_by_transcript(one)


def test_reflections_figure_plots_every_session_with_a_reflection(reflections):
    shown = demos.reflections_figure(reflections)
    fig = shown.children[0]
    high, low = fig.data
    assert len(high.x) == 107 and len(low.x) == 11
    assert high.marker.symbol != low.marker.symbol
    expected = reflections[(reflections["mi_quality"] == "low") & (reflections["n_reflections"] > 0)]
    assert sorted(low.y) == pytest.approx(sorted(expected["complex_share"]))
    lines = sorted(shape.y0 for shape in fig.layout.shapes)
    assert lines == [0.4, 0.5]
    assert {shape.line.dash for shape in fig.layout.shapes} == {"dash", "dot"}


def test_reflections_text_alternative(reflections):
    text = figures.describe_complex_reflections(reflections, skills.miti_complex_thresholds())
    assert "Low-quality: 23 sessions, 12 without any reflection" in text
    assert "High-quality: 110 sessions, 3 without any reflection" in text
    assert "54 reach good (50%)" in text


def test_caseload_update_in_place_equals_a_new_figure():
    demo = demos.empathy_caseload(r=0.28, n_clients=40, seed=2018)
    figure = demo.figure
    demo.r_slider.value = 0.45
    demo.n_slider.value = 120
    assert demo.figure is figure
    caseloads = simulate_caseload.simulate_caseload_recoveries(0.45, 120, seed=2018)
    fresh = figures.caseload_recoveries_figure(simulate_caseload.summarise_caseloads(caseloads, 120),
                                               simulate_caseload.difference_distribution(caseloads), 0.45)
    for shown, new in zip(figure.data, fresh.data, strict=True):
        np.testing.assert_array_equal(np.asarray(shown.x), np.asarray(new.x))
        np.testing.assert_array_equal(np.asarray(shown.y), np.asarray(new.y))
        if new.error_x.array is not None:
            np.testing.assert_allclose(shown.error_x.array, new.error_x.array)
            np.testing.assert_allclose(shown.error_x.arrayminus, new.error_x.arrayminus)
            assert shown.hovertemplate == new.hovertemplate
    assert figure.layout.title.text == fresh.layout.title.text == figures.CASELOAD_TITLE
    assert list(figure.layout.xaxis.range) == list(fresh.layout.xaxis.range) == [0, 60]
    for axis in ("xaxis2", "yaxis2"):
        assert list(figure.layout[axis].range) == list(fresh.layout[axis].range)
    differences = np.concatenate([np.asarray(trace.x) for trace in fresh.data[2:5]])
    low, high = fresh.layout.xaxis2.range
    assert low < differences.min() and differences.max() < high, "every bar within the axis"
    assert max(max(trace.y, default=0) for trace in fresh.data[2:5]) < fresh.layout.yaxis2.range[1]


def test_caseload_key_press_redraws_traces_and_axis_ranges_only():
    demo = demos.empathy_caseload(r=0.28, n_clients=40, seed=2018)
    sent = []
    demo.figure.observe(lambda change: sent.append((change["name"], change["new"])),
                        names=["_py2js_update", "_py2js_animate"])
    demo.n_slider.value = 120
    messages = [(name, message) for name, message in sent if message is not None]
    assert [name for name, _message in messages] == ["_py2js_animate"]
    assert set(messages[0][1]["layout_data"]) <= {"xaxis.range", "xaxis2.range", "yaxis2.range"}
