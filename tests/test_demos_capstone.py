"""Module 08 figures and demos: the dashboard shows the case as computed by the library and updates in place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpcourse import capstone, data, demos, figures, progress
from helpcourse.demos.common import FigureWidget, LabelledIntSlider


@pytest.fixture(scope="module")
def band():
    return progress.expected_band(data.load_schramm_sessions())


def _trace(dashboard, name):
    return dashboard.figure.data[figures.DASHBOARD_TRACES.index(name)]


def test_dashboard_plots_the_band_and_the_case_up_to_the_session(band):
    dashboard = demos.case_dashboard(session=3)
    assert isinstance(dashboard.figure, FigureWidget) and isinstance(dashboard.slider, LabelledIntSlider)
    assert dashboard.slider.description == "Session" and dashboard.slider.readout
    case = capstone.case_table()
    shown = band[band["session"] <= 14]
    np.testing.assert_allclose(_trace(dashboard, "band_upper").y, shown["upper"])
    np.testing.assert_allclose(_trace(dashboard, "band_median").y, shown["median"])
    np.testing.assert_allclose(_trace(dashboard, "symptoms").y, case["symptom_count"][:4])
    np.testing.assert_allclose(_trace(dashboard, "alliance").y, case["alliance"][:4])
    assert list(_trace(dashboard, "not_on_track").x) == [] and list(_trace(dashboard, "rupture").x) == []
    assert dashboard.figure.layout.title.text == "Maya, session by session: symptoms and alliance"
    assert "Maya, session 3 of 14 (goals)" in dashboard.heading.value


def test_dashboard_slider_updates_the_same_figure_text_and_note():
    dashboard = demos.case_dashboard(session=1)
    figure = dashboard.figure
    dashboard.slider.value = 6
    assert dashboard.figure is figure
    case = capstone.case_table()
    np.testing.assert_allclose(_trace(dashboard, "symptoms").y, case["symptom_count"][:7])
    assert list(_trace(dashboard, "not_on_track").x) == [5.0, 6.0]
    assert list(_trace(dashboard, "rupture").x) == [4.0]
    assert list(_trace(dashboard, "rupture").y) == [case.loc[4, "alliance"]]
    assert list(_trace(dashboard, "current_symptoms").y) == [case.loc[6, "symptom_count"]]
    assert "session 6 of 14 (feedback and repair)" in dashboard.heading.value
    text = dashboard.description.value
    assert "Session 6: Maya has 7 of 9 symptoms" in text and "above the band (not on track)" in text
    assert "above the band at sessions 5, 6" in text and "rupture marker at session 4" in text
    assert "nearly stopped coming" in dashboard.note.value
    dashboard.slider.value = 5
    assert "re-checked risk" in dashboard.note.value and "supervisor" in dashboard.note.value


def test_describe_case_session_within_and_below_the_band():
    row = {"session": 12, "symptom_count": 3, "lower": 1.0, "median": 3.0, "upper": 5.0}
    text = figures.describe_case_session("Maya", pd.Series(row), 4.46, [4], [5, 6, 7])
    assert text == ("Session 12: Maya has 3 of 9 symptoms; the middle half of real patients at session 12 has 1 to "
                    "5 (median 3), so she is within the band. Alliance 4.5 of 5. So far: above the band at "
                    "sessions 5, 6, 7; rupture marker at session 4.")
    row["symptom_count"] = 0
    text = figures.describe_case_session("Maya", pd.Series(row), 4.0, [], [])
    assert "below the band" in text and text.endswith("So far: not yet above the band; no rupture marker yet.")


def test_dashboard_figure_uses_a_second_encoding_for_every_marker(band):
    case = capstone.case_table()
    table = capstone.case_progress(case, band)
    fig = figures.case_dashboard_figure(table, case.set_index("session")["alliance"], [4], 14, "Maya", "ending")
    symbols = {trace.name: trace.marker.symbol for trace in fig.data if trace.mode and "markers" in trace.mode}
    assert symbols["Symptoms present (of 9)"] == "circle"
    assert symbols["Above the band (not on track)"] == "x"
    assert symbols["Alliance rating (1-5)"] == "diamond"
    assert symbols["Rupture marker (alliance fell by 0.5 or more)"] == "triangle-down"
    assert fig.layout.title.text == figures.case_dashboard_title("Maya")


def test_dashboard_slider_redraws_the_traces_only():
    dashboard = demos.case_dashboard(session=1)
    sent = []
    dashboard.figure.observe(lambda change: sent.append((change["name"], change["new"])),
                             names=["_py2js_update", "_py2js_animate"])
    dashboard.slider.value = 7
    assert [name for name, message in sent if message is not None] == ["_py2js_animate"]
    assert "Maya, session 7 of 14" in dashboard.heading.value


def test_case_reply_practice_uses_the_case_statements_in_order():
    practice = demos.case_reply_practice()
    case = capstone.case_table()
    assert practice.item["client"] == case.loc[0, "client"]
    practice._on_next()
    assert practice.item["client"] == case.loc[1, "client"]
    assert "Maya, session 1 (engagement)" in practice.statement.value
    practice.reply.value = "You feel like you failed, even though people keep telling you it wasn't your fault."
    practice._on_submit()
    assert practice.records[1].code in {"reflection", "question", "therapist_input", "other"}
    assert "Mostly listened" in practice.expert.value
    assert "1 reply" in practice.summary.value
