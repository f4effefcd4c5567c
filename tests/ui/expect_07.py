"""Module 07's demos in the browser: after keyboard operation, the plots show exactly the library's values."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, demos, evidence, figures, progress
from helpcourse.simulate import monitoring as simulate_monitoring


def _floats(values) -> np.ndarray:
    return np.asarray([np.nan if v is None else float(v) for v in values], dtype=float)


# --------------------------------------------------------------------------------------------------
# 7.2 Matching directiveness to reactance
# --------------------------------------------------------------------------------------------------


def _assert_matching_shows(nbpage: NotebookPage, cell: CellInfo, d: float, share: float) -> None:
    """The bars are the seeded clients' means per combination; the policy bars are the exact expectations."""
    defaults = inspect.signature(demos.matching_simulator).parameters
    clients = simulate_monitoring.simulate_reactance_matching(
        d, share, defaults["n_clients"].default, defaults["seed"].default
    )
    summary = simulate_monitoring.matching_summary(clients)
    policies = simulate_monitoring.expected_policy_outcomes(d, share)
    title = figures.matching_title(d, share)
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: p["layout"]["title"]["text"] == title)
    assert plot["layout"]["title"]["text"] == title
    for trace, style in zip(plot["data"][:2], figures.HELPER_STYLES, strict=True):
        expected = summary.loc[summary["helper"] == style, "mean_outcome"].to_numpy()
        assert _floats(trace["y"]) == pytest.approx(expected, abs=1e-9, nan_ok=True)
    assert _floats(plot["data"][2]["y"]) == pytest.approx([policies[k] for k in figures.POLICY_LABELS], abs=1e-12)
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"matched to each client {policies['matched']:+.2f}" in t)
    assert f"matched to each client {policies['matched']:+.2f}" in text


def check_matching(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on both sliders: the bars are the library's means and expectations for the new settings."""
    box = nbpage.cell(cell.index)
    effect = box.get_by_role("slider", name="Matching effect d")
    share = box.get_by_role("slider", name="Share of high-reactance clients")
    d = round(_press(nbpage, effect, "ArrowRight" if float(effect.input_value()) < 1.5 else "ArrowLeft"), 2)
    s = round(float(share.input_value()), 2)
    _assert_matching_shows(nbpage, cell, d, s)
    s = round(_press(nbpage, share, "ArrowLeft" if s > 0 else "ArrowRight"), 2)
    _assert_matching_shows(nbpage, cell, d, s)


# --------------------------------------------------------------------------------------------------
# 7.3 One patient against the expected band
# --------------------------------------------------------------------------------------------------


def _assert_progress_shows(nbpage: NotebookPage, cell: CellInfo, position: int, band_label: str) -> None:
    """The band is the sample's quantiles; the line is the patient's scores; crosses are the flagged sessions."""
    sessions = data.load_schramm_sessions()
    sd = sessions.loc[sessions["session"] == 0, "symptom_count"].astype(float).std()
    threshold = progress.reliable_change_threshold(sd, progress.first_session_reliability(sessions))
    patient_ids = list(progress.reliable_change_table(sessions, threshold).index)
    pid = int(patient_ids[position - 1])
    low, high = demos.BANDS[band_label]
    band = progress.expected_band(sessions, lower=low, upper=high)
    rows = sessions[(sessions["patient_id"] == pid) & sessions["symptom_count"].notna()]
    trajectory = rows.set_index("session")["symptom_count"].astype(float)
    flags = progress.not_on_track(trajectory, band)
    title = figures.progress_title(pid)

    def shows(plot: dict) -> bool:
        return plot["layout"]["title"]["text"] == title and plot["data"][1]["name"] == demos.band_name(band_label)

    plot = poll(lambda: nbpage.plot_data(cell.index), shows)
    assert plot["layout"]["title"]["text"] == title and plot["data"][1]["name"] == demos.band_name(band_label)
    assert _floats(plot["data"][0]["y"]) == pytest.approx(band["lower"].to_numpy(), abs=1e-12)
    assert _floats(plot["data"][1]["y"]) == pytest.approx(band["upper"].to_numpy(), abs=1e-12)
    assert _floats(plot["data"][3]["x"]) == pytest.approx(trajectory.index.to_numpy(dtype=float))
    assert _floats(plot["data"][3]["y"]) == pytest.approx(trajectory.to_numpy(), abs=1e-12)
    flagged = flags.index[flags]
    assert _floats(plot["data"][4]["x"]).tolist() == [float(s) for s in flagged]
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"Patient {pid} had" in t)
    assert f"at {len(flagged)} of {len(flags)} sessions" in text or (not len(flagged) and "never above" in text)


def check_progress(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow key on the patient slider, then the wider band: the plot shows that patient and that band."""
    box = nbpage.cell(cell.index)
    patient = box.get_by_role("slider", name="Patient (position in the list)")
    position = int(_press(nbpage, patient, "ArrowRight" if float(patient.input_value()) < 3 else "ArrowLeft"))
    first_band = next(iter(demos.BANDS))
    _assert_progress_shows(nbpage, cell, position, first_band)
    wider = list(demos.BANDS)[1]
    button = box.get_by_role("button", name=wider)
    button.focus()
    nbpage.page.keyboard.press("Space")
    _assert_progress_shows(nbpage, cell, position, wider)


# --------------------------------------------------------------------------------------------------
# 7.4 The outcome-monitoring alarm
# --------------------------------------------------------------------------------------------------


def _assert_alarm_shows(nbpage: NotebookPage, cell: CellInfo, threshold: int, session: int) -> None:
    """The count bars are ``alarm_counts`` of the seeded clients; the dashed line sits at the threshold."""
    defaults = inspect.signature(demos.monitoring_alarm).parameters
    clients = simulate_monitoring.simulate_monitoring_alarm(
        defaults["n_clients"].default, defaults["share_deteriorating"].default, session, seed=2021
    )
    counts = simulate_monitoring.alarm_counts(clients, threshold)
    truth = clients["deteriorating"].to_numpy()
    rises = clients["rise"].to_numpy()

    def shows(p: dict) -> bool:
        return (_floats(p["data"][2]["x"]).tolist() == [threshold, threshold]
                and np.allclose(_floats(p["data"][1]["x"]), rises[truth].astype(float)))

    plot = poll(lambda: nbpage.plot_data(cell.index), shows)
    assert plot["layout"]["title"]["text"] == figures.ALARM_TITLE
    assert [int(v) for v in plot["data"][3]["y"]] == [counts[k] for k, _, _, _ in figures.ALARM_OUTCOMES]
    assert _floats(plot["data"][2]["x"]).tolist() == [threshold, threshold]
    assert _floats(plot["data"][1]["x"]) == pytest.approx(rises[truth].astype(float))
    assert _floats(plot["data"][0]["x"]) == pytest.approx(rises[~truth].astype(float))
    low, high = plot["layout"]["xaxis"]["range"]
    assert low < min(rises.min(), threshold) and max(rises.max(), threshold) < high, "every client is on the axis"
    sensitivity = f"sensitivity {figures.format_percent(counts['sensitivity'])}"
    settings = f"a rise of {threshold} points or more by session {session}"
    hits = f"{counts['hits']} set off the alarm"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: settings in t and hits in t)
    assert settings in text, "the text alternative states the threshold and the session"
    assert sensitivity in text and f"{counts['false_alarms']} set it off (false alarms)" in text


def check_alarm(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on the threshold and on the session: the counts follow, computed by the library."""
    box = nbpage.cell(cell.index)
    threshold_slider = box.get_by_role("slider", name="Alarm threshold (points of rise)")
    session_slider = box.get_by_role("slider", name="Session of the check")
    threshold = int(_press(nbpage, threshold_slider, "ArrowRight" if float(threshold_slider.input_value()) < 12
                           else "ArrowLeft"))
    session = int(float(session_slider.input_value()))
    _assert_alarm_shows(nbpage, cell, threshold, session)
    session = int(_press(nbpage, session_slider, "ArrowRight" if session < 12 else "ArrowLeft"))
    _assert_alarm_shows(nbpage, cell, threshold, session)


# --------------------------------------------------------------------------------------------------
# Static charts
# --------------------------------------------------------------------------------------------------


def check_adaptation_forest(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Every row of the forest plot is its evidence value."""
    plot = nbpage.plot_data(cell.index)
    shown: dict[str, float] = {}
    for trace in plot["data"][:2]:
        shown.update(zip(trace["y"], _floats(trace["x"]), strict=True))
    expected = {label: evidence.value(key) for key, label in demos.ADAPTATION_FINDINGS.items()}
    assert shown == pytest.approx(expected, abs=1e-12)


def check_tailoring(nbpage: NotebookPage, cell: CellInfo) -> None:
    """The two squares are the pooled changes of tailored and standard CBT arms."""
    pooled = progress.pooled_change_by_tailoring(data.load_lopez2019())
    trace = nbpage.plot_data(cell.index)["data"][0]
    assert dict(zip(trace["y"], _floats(trace["x"]), strict=True)) == pytest.approx(
        dict(zip(pooled["label"], pooled["estimate"], strict=True)), abs=1e-9
    )


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "07_adapting_to_the_client": [
        DemoExpectation("demo_forest", (), check_adaptation_forest),
        DemoExpectation("demo_matching", ("Matching effect d", "Share of high-reactance clients"), check_matching),
        DemoExpectation("demo_progress", ("Patient (position in the list)", *demos.BANDS), check_progress),
        DemoExpectation("demo_alarm", ("Alarm threshold (points of rise)", "Session of the check"), check_alarm),
        DemoExpectation("tailoring_chart", (), check_tailoring),
    ],
}
