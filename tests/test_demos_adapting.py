"""Module 07 figures and demos: plotted values are the library's results, controls are labelled, updates in place."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpcourse import data, demos, evidence, figures, progress
from helpcourse.simulate import monitoring as simulate_monitoring


@pytest.fixture(scope="module")
def sessions():
    return data.load_schramm_sessions()


# --------------------------------------------------------------------------------------------------
# Progress against the expected band
# --------------------------------------------------------------------------------------------------


def _expected_patient(sessions, explorer, position: int, band_label: str):
    pid = explorer.patient_ids[position - 1]
    low, high = demos.BANDS[band_label]
    band = progress.expected_band(sessions, lower=low, upper=high)
    rows = sessions[(sessions["patient_id"] == pid) & sessions["symptom_count"].notna()]
    trajectory = rows.set_index("session")["symptom_count"].astype(float)
    return pid, band, trajectory, progress.not_on_track(trajectory, band)


def test_progress_explorer_plots_band_patient_and_flags(sessions):
    explorer = demos.progress_explorer(sessions)
    label = explorer.band.value
    pid, band, trajectory, flags = _expected_patient(sessions, explorer, 1, label)
    fig = explorer.figure
    np.testing.assert_allclose(np.asarray(fig.data[0].y, dtype=float), band["lower"])
    np.testing.assert_allclose(np.asarray(fig.data[1].y, dtype=float), band["upper"])
    np.testing.assert_allclose(np.asarray(fig.data[3].y, dtype=float), trajectory.to_numpy())
    assert list(fig.data[4].x) == list(flags.index[flags])
    assert fig.layout.title.text == figures.progress_title(pid)
    assert f"Patient {pid} had" in explorer.description.value


def test_progress_explorer_updates_the_same_figure_fast(sessions):
    explorer = demos.progress_explorer(sessions)
    figure = explorer.figure
    start = time.perf_counter()
    explorer.patient.value = 7
    explorer.band.value = "Middle 80%"
    assert time.perf_counter() - start < 0.2
    assert explorer.figure is figure
    pid, band, trajectory, flags = _expected_patient(sessions, explorer, 7, explorer.band.value)
    np.testing.assert_allclose(np.asarray(figure.data[1].y, dtype=float), band["upper"])
    np.testing.assert_allclose(np.asarray(figure.data[3].y, dtype=float), trajectory.to_numpy())
    np.testing.assert_allclose(np.asarray(figure.data[4].y, dtype=float), trajectory[flags[flags].index].to_numpy())
    assert figure.layout.title.text == figures.progress_title(pid)
    change = explorer.changes.loc[pid]
    assert f"{change['first']:.0f} of 9 symptoms" in explorer.description.value


def test_progress_explorer_controls_are_labelled(sessions):
    explorer = demos.progress_explorer(sessions)
    assert explorer.patient.description == "Patient (position in the list)" and explorer.patient.readout
    assert explorer.patient.max == len(explorer.patient_ids) == len(progress.reliable_change_table(
        sessions, explorer.threshold))
    assert explorer.band.description == "Expected band"
    assert demos.band_name("Middle 80%") == "Middle 80% of the sample (10th to 90th percentile)"
    assert explorer.figure.data[1].name == demos.band_name("Middle half")


# --------------------------------------------------------------------------------------------------
# Matching directiveness to reactance
# --------------------------------------------------------------------------------------------------


def test_matching_simulator_shows_the_simulated_means_and_exact_policies():
    demo = demos.matching_simulator()
    start = time.perf_counter()
    demo.effect.value = 0.5
    demo.share.value = 0.25
    assert time.perf_counter() - start < 0.2
    clients = simulate_monitoring.simulate_reactance_matching(0.5, 0.25, demo.n_clients, demo.seed)
    summary = simulate_monitoring.matching_summary(clients)
    directive = summary[summary["helper"] == "directive"]["mean_outcome"]
    np.testing.assert_allclose(np.asarray(demo.figure.data[0].y, dtype=float), directive)
    np.testing.assert_allclose(np.asarray(demo.figure.data[2].y, dtype=float), [0.125, -0.125, 0.25])
    assert demo.figure.layout.title.text == figures.matching_title(0.5, 0.25)
    assert "matched to each client +0.25" in demo.description.value
    assert "average of all clients" in demo.description.value and "no change" in demo.description.value
    assert demo.figure.layout.yaxis.title.text == "Outcome vs the average client (SD)"


def test_matching_simulator_starts_at_the_published_effect():
    demo = demos.matching_simulator(matching_d=evidence.value("reactance_matching_d_2018"))
    assert demo.effect.value == pytest.approx(0.79)
    assert demo.effect.description == "Matching effect d" and demo.share.description.startswith("Share")


# --------------------------------------------------------------------------------------------------
# The outcome-monitoring alarm
# --------------------------------------------------------------------------------------------------


def test_monitoring_alarm_counts_follow_the_threshold_and_session():
    demo = demos.monitoring_alarm()
    figure = demo.figure
    start = time.perf_counter()
    demo.threshold.value = 6
    demo.session.value = 9
    assert time.perf_counter() - start < 0.1
    clients = simulate_monitoring.simulate_monitoring_alarm(200, 0.1, 9, seed=2021)
    counts = simulate_monitoring.alarm_counts(clients, 6)
    assert demo.figure is figure
    assert list(figure.data[3].y) == [counts[k] for k, _, _, _ in figures.ALARM_OUTCOMES]
    assert list(figure.data[2].x) == [6, 6]
    truth = clients["deteriorating"].to_numpy()
    np.testing.assert_allclose(np.asarray(figure.data[1].x, dtype=float), clients["rise"][truth])
    assert f"{counts['hits']} set off the alarm" in demo.description.value
    assert "a rise of 6 points or more by session 9" in demo.description.value, "the text states the settings"
    assert figure.layout.title.text == figures.ALARM_TITLE


def _assert_same_trace_values(figure, expected) -> None:
    """The x, y and text of every trace of ``figure`` equal those of the figure ``expected``."""
    for shown, wanted in zip(figure.data, expected.data, strict=True):
        for key in ("x", "y", "text"):
            if wanted[key] is None:
                continue
            got, want = np.asarray(shown[key]), np.asarray(wanted[key])
            if want.dtype.kind in "OUS":
                assert got.tolist() == want.tolist(), key
            else:
                np.testing.assert_allclose(got.astype(float), want.astype(float), err_msg=key)


def test_redrawing_traces_only_falls_back_to_a_full_update_for_a_layout_change():
    """A batch that changes the layout goes as Plotly.update: an animation would leave the layout undrawn."""
    figure = demos.monitoring_alarm().figure
    sent = []
    figure.observe(lambda change: sent.append((change["name"], change["new"])),
                   names=["_py2js_update", "_py2js_animate"])
    with figure.batch_redraw_traces():
        figure.data[2].x = [1, 1]
        figure.layout.title.text = "Changed"
    assert [name for name, message in sent if message is not None] == ["_py2js_update"]
    assert figure.layout.title.text == "Changed" and list(figure.data[2].x) == [1, 1]
    sent.clear()
    with figure.batch_redraw_traces():
        figure.data[2].x = [2, 2]
    assert [name for name, message in sent if message is not None] == ["_py2js_animate"]
    assert list(figure.data[2].x) == [2, 2]


def test_monitoring_alarm_redraws_only_its_traces_and_keeps_its_axis():
    """A key press sends plotly.js an animation without a full redraw, and the figure equals a new one."""
    demo = demos.monitoring_alarm()
    figure = demo.figure
    sent = []
    figure.observe(lambda change: sent.append(change["new"]), names=["_py2js_update", "_py2js_animate"])
    rise_range = list(figure.layout.xaxis.range)
    for threshold, session in ((5, 4), (5, 12), (-4, 2), (12, 12)):
        demo.threshold.value, demo.session.value = threshold, session
        clients, counts = demo._compute()
        _assert_same_trace_values(figure, figures.alarm_figure(clients, threshold, counts, rise_range))
        assert list(figure.layout.xaxis.range) == rise_range, "the rise axis stays put"
        rises = clients["rise"].to_numpy()
        assert rise_range[0] < min(rises.min(), threshold) and max(rises.max(), threshold) < rise_range[1]
    messages = [message for message in sent if message is not None]
    assert messages and all(m["animation_opts"]["frame"]["redraw"] is False for m in messages), (
        "plotly.js redraws the changed traces only")
    assert all(sorted(m["style_traces"]) == list(range(len(figure.data))) for m in messages), (
        "every trace goes with the change (plotly.js drops the traces an animation leaves out)")
    assert all(not m["layout_data"] for m in messages), "no layout change: nothing else needs redrawing"


# --------------------------------------------------------------------------------------------------
# Static charts
# --------------------------------------------------------------------------------------------------


def test_adaptation_forest_plots_the_evidence_values():
    box = demos.adaptation_forest()
    fig = box.figure
    shown = box.children[0].outputs[0]["data"]["application/vnd.plotly.v1+json"]
    assert shown["layout"]["title"]["text"] == fig.layout.title.text and len(shown["data"]) == 2
    assert shown["data"][1]["x"] == pytest.approx(list(fig.data[1].x))  # plain numbers, not base64
    plotted = dict(zip(list(fig.data[0].y) + list(fig.data[1].y),
                       [float(x) for x in list(fig.data[0].x) + list(fig.data[1].x)], strict=True))
    expected = {label: evidence.value(key) for key, label in demos.ADAPTATION_FINDINGS.items()}
    assert plotted == pytest.approx(expected)
    assert fig.layout.title.text


def test_dose_effect_and_tailoring_charts_plot_library_values(sessions):
    curve = progress.dose_effect_curve(sessions, 3.4)
    box = demos.dose_effect_chart(curve)
    np.testing.assert_allclose(np.asarray(box.figure.data[0].y, dtype=float), curve["share"])
    at_8 = curve.loc[curve["session"] == 8].iloc[0]
    assert f"session 8: {figures.format_percent(at_8['share'])} ({int(at_8['improved'])} of {int(at_8['n'])})" in \
        box.children[1].value
    pooled = progress.pooled_change_by_tailoring(data.load_lopez2019())
    box = demos.tailoring_chart(pooled)
    np.testing.assert_allclose(np.asarray(box.figure.data[0].x, dtype=float), pooled["estimate"])
    assert "Tailored CBT arms" in box.children[1].value
    shown = box.children[0].outputs[0]["data"]["application/vnd.plotly.v1+json"]["data"][0]
    assert shown["customdata"] == pooled[["arms", "studies"]].to_numpy().tolist()
