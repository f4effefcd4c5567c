"""Module 03 in the browser: after keyboard changes, the caseload demo shows exactly the values computed here.

The check moves both sliders with the arrow keys and presses a *Set r to a finding* button with the keyboard, then
compares the plot's data, title and live text with the seeded caseloads summarised here with numpy, and the finding
buttons with the evidence table.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import demos, evidence, figures
from helpcourse.simulate import caseload as simulate_caseload

TOL = 1e-12


def _notebook_seed(cell: CellInfo) -> int:
    """The seed the notebook passes to ``demos.empathy_caseload`` (its default when it passes none)."""
    for part in cell.source.replace(")", ",").split(","):
        if part.strip().startswith("seed="):
            return int(part.strip()[len("seed="):])
    return int(inspect.signature(demos.empathy_caseload).parameters["seed"].default)


def _assert_caseload_shows(nbpage: NotebookPage, cell: CellInfo, r: float, n_clients: int) -> None:
    n_caseloads = inspect.signature(demos.EmpathyCaseload).parameters["n_caseloads"].default
    caseloads = simulate_caseload.simulate_caseload_recoveries(r, n_clients, n_caseloads=n_caseloads,
                                                               seed=_notebook_seed(cell))
    more = caseloads["more_empathic"].to_numpy(dtype=float)
    less = caseloads["less_empathic"].to_numpy(dtype=float)
    difference = more - less
    title = f"Correlation r = {figures.format_r(r)}: {n_caseloads:,} simulated caseloads of {n_clients} clients"
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: p["layout"]["title"]["text"] == title)
    assert plot["layout"]["title"]["text"] == title
    for trace, counts in zip(plot["data"][:2], (more, less), strict=True):
        low, high = np.percentile(counts, [2.5, 97.5])
        assert trace["x"][0] == pytest.approx(counts.mean(), abs=TOL), "mean recovered clients of a half"
        assert trace["x"][0] + trace["error_x"]["array"][0] == pytest.approx(high, abs=TOL)
        assert trace["x"][0] - trace["error_x"]["arrayminus"][0] == pytest.approx(low, abs=TOL)
    values, counts = np.unique(difference, return_counts=True)
    seen = dict(zip(values.astype(int).tolist(), counts.tolist(), strict=True))
    shown: dict[int, int] = {}
    for trace, keep in zip(plot["data"][2:5], (lambda d: d > 0, lambda d: d == 0, lambda d: d < 0), strict=True):
        bars = dict(zip((int(x) for x in trace["x"]), (int(y) for y in trace["y"]), strict=True))
        assert all(keep(x) for x in bars), f"the {trace['name']!r} bars hold other differences: {sorted(bars)}"
        shown.update(bars)
    assert {d: c for d, c in shown.items() if c} == seen, "caseloads per difference"
    assert sum(shown.values()) == n_caseloads
    ahead = figures.format_percent(float((difference > 0).mean()))
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"caseloads of {n_clients} clients" in t
                and f"correlate r = {figures.format_r(r)}" in t)
    assert f"{n_caseloads:,} simulated caseloads of {n_clients} clients, {n_clients // 2} seen by more" in text
    assert f"correlate r = {figures.format_r(r)}" in text
    assert f"had more clients above the median in {ahead} of caseloads" in text


def check_empathy_caseload(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on r and on the caseload size, then a finding button pressed with Enter: exact caseloads shown."""
    box = nbpage.cell(cell.index)
    r_slider = box.get_by_role("slider", name="Correlation r (empathy and outcome)")
    n_slider = box.get_by_role("slider", name="Clients in the caseload")
    n_clients = int(float(n_slider.input_value()))
    r = round(_press(nbpage, r_slider, "ArrowRight"), 2)
    _assert_caseload_shows(nbpage, cell, r, n_clients)
    n_clients = int(_press(nbpage, n_slider, "ArrowRight"))
    _assert_caseload_shows(nbpage, cell, r, n_clients)
    congruence = float(evidence.value("congruence_r_2018"))
    button = box.get_by_role("button", name=f"Congruence (r = {figures.format_r(congruence)})")
    button.focus()
    nbpage.page.keyboard.press("Enter")
    assert poll(lambda: float(r_slider.input_value()), lambda v: v == pytest.approx(congruence)) == pytest.approx(
        congruence), "the finding button sets r to the published value"
    _assert_caseload_shows(nbpage, cell, congruence, n_clients)


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "03_safe_relationship": [
        DemoExpectation("demo_caseload", ("Correlation r (empathy and outcome)", "Clients in the caseload"),
                        check_empathy_caseload),
    ],
}
