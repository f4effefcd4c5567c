"""Module 08 in the browser: after arrow keys on the case dashboard, the plot shows exactly the values computed here.

The case's simulated scores come from :func:`helpcourse.capstone.simulate_case_scores`; everything else is computed
independently with pandas: the band as quantiles of the real patients' scores per session
(:func:`helpcourse.data.load_schramm_sessions`), the sessions above it, and the rupture markers as falls of 0.5 or
more in the alliance rating since the previous session.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from expect_03 import check_conversation_practice
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import capstone, data, figures

TOL = 1e-9


@cache
def _band() -> pd.DataFrame:
    real = data.load_schramm_sessions().dropna(subset=["symptom_count"])
    scores = real.groupby("session")["symptom_count"].apply(lambda s: s.astype(float).to_numpy())
    return pd.DataFrame(
        {
            "lower": scores.apply(lambda v: np.quantile(v, 0.25)),
            "median": scores.apply(lambda v: np.quantile(v, 0.5)),
            "upper": scores.apply(lambda v: np.quantile(v, 0.75)),
        }
    )


@cache
def _case() -> pd.DataFrame:
    return capstone.simulate_case_scores(capstone.CASE_SEED).set_index("session")


def _trace(plot: dict, name: str, which: int = 0) -> dict:
    traces = [trace for trace in plot["data"] if trace.get("name") == name]
    assert len(traces) > which, f"no trace named {name!r}"
    return traces[which]


def _xy(trace: dict) -> tuple[list[float], list[float]]:
    return [float(v) for v in trace["x"]], [float(v) for v in trace["y"]]


def _assert_dashboard_shows(nbpage: NotebookPage, cell: CellInfo, session: int) -> tuple[list[int], list[int]]:
    case, band = _case(), _band()
    heading = f"Maya, session {session} of 14"
    shown = poll(lambda: nbpage.cell(cell.index).locator(".helpcourse-case-heading").first.text_content() or "",
                 lambda text: heading in text)
    assert heading in shown, f"the heading above the dashboard should say {heading!r}"
    symptoms = case.loc[:session, "symptom_count"].to_numpy(dtype=float)
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: len(_trace(p, "Symptoms present (of 9)")["x"]) == len(symptoms))
    assert plot["layout"]["title"]["text"] == figures.case_dashboard_title("Maya")

    sessions = list(case.index)
    upper = _trace(plot, "Middle half of real patients (25th-75th percentile)")
    assert _xy(upper)[0] == sessions
    assert _xy(upper)[1] == pytest.approx(band.loc[sessions, "upper"].to_numpy(), abs=TOL)
    assert _xy(_trace(plot, "Median of real patients"))[1] == pytest.approx(band.loc[sessions, "median"], abs=TOL)

    seen = case.loc[:session]
    x, y = _xy(_trace(plot, "Symptoms present (of 9)"))
    assert x == list(seen.index) and y == pytest.approx(seen["symptom_count"].to_numpy(), abs=TOL)
    above = [s for s in seen.index if seen.loc[s, "symptom_count"] > band.loc[s, "upper"]]
    assert _xy(_trace(plot, "Above the band (not on track)"))[0] == above

    x, y = _xy(_trace(plot, "Alliance rating (1-5)"))
    assert x == list(seen.index) and y == pytest.approx(seen["alliance"].to_numpy(), abs=TOL)
    fall = seen["alliance"].shift(1) - seen["alliance"]
    ruptures = [s for s in seen.index if fall[s] >= 0.5 - 1e-9]
    x, y = _xy(_trace(plot, "Rupture marker (alliance fell by 0.5 or more)"))
    assert x == ruptures and y == pytest.approx(seen.loc[ruptures, "alliance"].to_numpy(), abs=TOL)
    assert _xy(_trace(plot, "Session reached"))[1] == [float(case.loc[session, "symptom_count"])]

    start = f"Session {session}: Maya has {case.loc[session, 'symptom_count']} of 9 symptoms"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: start in t)
    assert start in text and f"Alliance {case.loc[session, 'alliance']:.1f} of 5" in text
    return above, ruptures


def check_case_dashboard(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on the Session slider move through the case: scores, band, flags and ruptures as computed here."""
    box = nbpage.cell(cell.index)
    slider = box.get_by_role("slider", name="Session")
    session = int(float(slider.input_value()))
    _assert_dashboard_shows(nbpage, cell, session)
    while session < 6:
        session = int(_press(nbpage, slider, "ArrowRight"))
        if session == 5:
            note = poll(lambda: box.locator(".helpcourse-case-note").text_content() or "",
                        lambda text: "Session 5" in text)
            assert "re-checked risk" in note and "supervisor" in note, "session 5's note shows the risk re-check"
    note = poll(lambda: box.locator(".helpcourse-case-note").text_content() or "", lambda text: "Session 6" in text)
    assert "asked again" in note and "contact" in note, "session 6's note follows up the risk re-check"
    above, ruptures = _assert_dashboard_shows(nbpage, cell, session)
    assert above == [5, 6] and ruptures == [4], "by session 6 the case has gone off track after a rupture"
    session = int(_press(nbpage, slider, "End"))
    assert session == 14
    _assert_dashboard_shows(nbpage, cell, session)
    shown = box.get_by_role("spinbutton", name="Session (type a value)")
    assert int(float(shown.input_value())) == 14, "the number beside the slider shows its value"
    assert "ending" in (box.locator(".helpcourse-case-note").text_content() or "")


EXPECTATIONS = {
    "08_capstone_one_client": [
        DemoExpectation("demo_dashboard", ("Session",), check_case_dashboard),
        DemoExpectation("conversation_practice", ("Send reply", "Start again"), check_conversation_practice),
    ],
}
