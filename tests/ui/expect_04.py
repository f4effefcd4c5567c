"""Module 04 in the browser: after keyboard changes, the demos show exactly the values computed here.

Each check operates a demo's controls with the keyboard (arrow keys on sliders, Space on buttons) and compares the
plot's data (``element.data``), its titles and the live text with values computed independently in Python: the
forest plot against :func:`helpcourse.metaanalysis.pool_therapy_type` run on the Metapsy table for each therapy type,
the alliance levels against the seeded simulation split into therapist averages and deviations with pandas here,
early improvement against the seeded simulation and its correlations.
"""

from __future__ import annotations

import inspect
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, demos, figures, metaanalysis
from helpcourse.simulate import alliance as simulate_alliance

TOL = 1e-9


def _floats(values: list) -> np.ndarray:
    return np.array([math.nan if value is None else float(value) for value in values], dtype=float)


def _button(nbpage: NotebookPage, cell: CellInfo, name: str):
    return nbpage.cell(cell.index).get_by_role("button", name=name, exact=True)


def _choose(nbpage: NotebookPage, cell: CellInfo, name: str) -> None:
    """Tab to a toggle button as a keyboard user would (focus) and press Space."""
    button = _button(nbpage, cell, name)
    button.focus()
    nbpage.page.keyboard.press("Space")
    poll(lambda: "mod-active" in (button.get_attribute("class") or ""), bool, timeout=10)
    assert "mod-active" in (button.get_attribute("class") or ""), f"{name!r} was not chosen with the keyboard"


# ------------------------------------------------------------------------------------------------------------
# 4.2 Pooled effect of each therapy type
# ------------------------------------------------------------------------------------------------------------


@cache
def _comparisons() -> pd.DataFrame:
    return data.load_metapsy_comparisons()


def _expected_forest(control: str, min_rob: int) -> dict[str, tuple[float, float, float, int]]:
    """Label -> (g, lower, upper, k) for every therapy type and all together, pooled one by one here."""
    trials = metaanalysis.aggregate_within_trials(metaanalysis.filter_comparisons(_comparisons(), control, min_rob))
    expected = {}
    codes = [*metaanalysis.THERAPY_TYPES.items(), (metaanalysis.ALL_THERAPIES, "All therapies together")]
    for code, label in codes:
        k = len(trials) if code == metaanalysis.ALL_THERAPIES else int((trials["therapy"] == code).sum())
        if k < 2:
            expected[label] = (math.nan, math.nan, math.nan, k)
            continue
        fit = metaanalysis.pool_therapy_type(_comparisons(), code, control=control, min_rob=min_rob, method="pm")
        expected[label] = (fit.estimate, fit.ci_low, fit.ci_high, k)
    return expected


def _assert_forest_shows(nbpage: NotebookPage, cell: CellInfo, control: str, min_rob: int) -> None:
    label = metaanalysis.CONTROL_TYPES[control]
    title = figures.therapy_forest_title(label, min_rob, metaanalysis.METHODS["pm"])
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: p["layout"]["title"]["text"] == title)
    assert plot["layout"]["title"]["text"] == title
    expected = _expected_forest(control, min_rob)
    shown: dict[str, tuple[float, float, float]] = {}
    for trace in plot["data"][:2]:
        x = _floats(trace["x"])
        upper = x + _floats(trace["error_x"]["array"])
        lower = x - _floats(trace["error_x"]["arrayminus"])
        shown.update({row: (x[i], lower[i], upper[i]) for i, row in enumerate(trace["y"])})
    assert set(shown) == set(expected)
    for row, (g, low, high, _k) in expected.items():
        assert np.allclose(shown[row], (g, low, high), atol=TOL, equal_nan=True), f"{row}: {shown[row]}"
    text_column = dict(zip(plot["data"][2]["y"], plot["data"][2]["text"], strict=True))
    for row, (g, _low, _high, k) in expected.items():
        assert text_column[row].startswith(f"k = {k}"), f"{row}: {text_column[row]!r}"
        assert ("too few trials" in text_column[row]) == math.isnan(g)
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"versus {label}" in t)
    overall = expected["All therapies together"]
    assert f"versus {label} for depression" in text
    assert f"All therapies together: g = {overall[0]:.2f} (95% CI {overall[1]:.2f} to {overall[2]:.2f}" in text


def check_therapy_forest(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Waiting list chosen with the keyboard, then the risk-of-bias slider one step: every row re-pooled."""
    slider = nbpage.cell(cell.index).get_by_role("slider", name="Risk-of-bias criteria met (at least, of 4)")
    start = int(float(slider.input_value()))  # other tests may have moved it already
    _choose(nbpage, cell, "Waiting list")
    _assert_forest_shows(nbpage, cell, "wl", start)
    min_rob = int(_press(nbpage, slider, "ArrowRight" if start < 4 else "ArrowLeft"))
    assert min_rob == (start + 1 if start < 4 else start - 1)
    _assert_forest_shows(nbpage, cell, "wl", min_rob)
    _choose(nbpage, cell, "Care as usual")
    _assert_forest_shows(nbpage, cell, "cau", min_rob)


# ------------------------------------------------------------------------------------------------------------
# 4.5 Alliance between and within therapists
# ------------------------------------------------------------------------------------------------------------

LEVEL_SLIDERS = ("Therapist share of alliance variance", "Between-therapist slope", "Within-therapist slope")


def _levels_settings() -> dict[str, int]:
    defaults = inspect.signature(demos.AllianceLevels).parameters
    return {name: defaults[name].default for name in ("n_therapists", "clients_per_therapist", "seed")}


def _r(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def _assert_levels_show(nbpage: NotebookPage, cell: CellInfo, share: float, between: float, within: float) -> None:
    settings = _levels_settings()
    clients = simulate_alliance.simulate_alliance_multilevel(
        settings["n_therapists"], settings["clients_per_therapist"], between, within, share, seed=settings["seed"])
    # therapist averages and each client's distance from them, computed here with pandas
    means = clients.groupby("therapist_id", sort=True)[["alliance", "outcome"]].mean()
    own = means.loc[clients["therapist_id"]].to_numpy()
    deviations = clients[["alliance", "outcome"]].to_numpy() - own
    total_r = _r(clients["alliance"].to_numpy(), clients["outcome"].to_numpy())
    between_r, within_r = _r(means["alliance"].to_numpy(), means["outcome"].to_numpy()), _r(*deviations.T)
    titles = [f"All clients: r = {figures.format_r(total_r)}",
              f"Therapist averages: r = {figures.format_r(between_r)}",
              f"Within each therapist: r = {figures.format_r(within_r)}"]
    # the panel titles are text marks above the panels (traces 6-8)
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: [t["text"][0] for t in p["data"][6:9]] == titles
                and len(p["data"][0]["y"]) == len(clients)
                and np.allclose(_floats(p["data"][0]["y"]), clients["outcome"].to_numpy(), atol=TOL))
    assert [t["text"][0] for t in plot["data"][6:9]] == titles
    assert [t["mode"] for t in plot["data"][6:9]] == ["text"] * 3
    panels = (clients[["alliance", "outcome"]].to_numpy(), means.to_numpy(), deviations)
    for i, expected in enumerate(panels):
        x, y = _floats(plot["data"][i]["x"]), _floats(plot["data"][i]["y"])
        assert x == pytest.approx(expected[:, 0], abs=TOL), f"panel {i + 1}: alliance values"
        assert y == pytest.approx(expected[:, 1], abs=TOL), f"panel {i + 1}: outcome values"
        slope = np.polyfit(expected[:, 0], expected[:, 1], 1)[0]
        line_x, line_y = _floats(plot["data"][3 + i]["x"]), _floats(plot["data"][3 + i]["y"])
        assert (line_y[1] - line_y[0]) / (line_x[1] - line_x[0]) == pytest.approx(slope, abs=1e-9)
    expected_r = simulate_alliance.expected_alliance_correlations(between, within, share,
                                                                  settings["clients_per_therapist"])
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"correlate r = {figures.format_r(total_r)}" in t)
    assert f"correlate r = {figures.format_r(total_r)}" in text
    assert f"between the therapists' averages r = {figures.format_r(between_r)}" in text
    assert f"r = {figures.format_r(within_r)}. On average" in text
    assert (f"settings give {figures.format_r(expected_r['total_r'])}, {figures.format_r(expected_r['between_r'])} "
            f"and {figures.format_r(expected_r['within_r'])}.") in text


def check_alliance_levels(nbpage: NotebookPage, cell: CellInfo) -> None:
    """One arrow-key step on each slider: the three panels hold exactly the seeded clients for the new settings."""
    box = nbpage.cell(cell.index)
    values = {name: float(box.get_by_role("slider", name=name).input_value()) for name in LEVEL_SLIDERS}
    for name in LEVEL_SLIDERS:
        slider = box.get_by_role("slider", name=name)
        before = values[name]
        key = "ArrowRight" if before < float(slider.get_attribute("max")) else "ArrowLeft"
        values[name] = round(_press(nbpage, slider, key), 2)
        assert values[name] == pytest.approx(before + float(slider.get_attribute("step")) * (1 if key == "ArrowRight"
                                                                                             else -1))
        _assert_levels_show(nbpage, cell, *(values[n] for n in LEVEL_SLIDERS))


# ------------------------------------------------------------------------------------------------------------
# 4.6 Early improvement and the alliance
# ------------------------------------------------------------------------------------------------------------


def _assert_early_shows(nbpage: NotebookPage, cell: CellInfo, early: float, cause: float) -> None:
    defaults = inspect.signature(demos.early_improvement_explorer).parameters
    clients = simulate_alliance.simulate_early_improvement(defaults["n_clients"].default, early, cause,
                                                           seed=defaults["seed"].default)
    correlations = simulate_alliance.alliance_outcome_correlations(clients)
    title = figures.early_improvement_title(correlations)
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: p["layout"]["title"]["text"] == title)
    assert plot["layout"]["title"]["text"] == title
    for i, flag in enumerate((True, False)):
        part = clients[clients["improved_early"] == flag]
        assert _floats(plot["data"][i]["x"]) == pytest.approx(part["alliance"].to_numpy(), abs=TOL)
        assert _floats(plot["data"][i]["y"]) == pytest.approx(part["outcome"].to_numpy(), abs=TOL)
    x = np.concatenate([_floats(plot["data"][i]["x"]) for i in (0, 1)])
    y = np.concatenate([_floats(plot["data"][i]["y"]) for i in (0, 1)])
    assert f"r = {figures.format_r(_r(x, y))}" in title, "the title states the correlation of the points shown"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"r = {figures.format_r(correlations['raw_r'])}" in t)
    assert f"Scatter plot of {len(clients)} simulated clients" in text
    assert f"once early improvement is taken into account, r = {figures.format_r(correlations['adjusted_r'])}" in text
    assert ("has no effect on the outcome" in text) == (cause == 0)


def _step_key(slider) -> str:
    """The arrow key that moves a slider one step without running into its end."""
    return "ArrowRight" if float(slider.input_value()) < float(slider.get_attribute("max")) else "ArrowLeft"


def check_early_improvement(nbpage: NotebookPage, cell: CellInfo) -> None:
    """An arrow-key step on each slider: the scatter holds the seeded clients, the title their correlations."""
    box = nbpage.cell(cell.index)
    early_slider = box.get_by_role("slider", name="Early improvement raises alliance by")
    cause_slider = box.get_by_role("slider", name="Alliance's own effect on outcome")
    cause = float(cause_slider.input_value())
    early = round(_press(nbpage, early_slider, _step_key(early_slider)), 2)
    _assert_early_shows(nbpage, cell, early, cause)
    cause = round(_press(nbpage, cause_slider, _step_key(cause_slider)), 2)
    _assert_early_shows(nbpage, cell, early, cause)


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "04_alliance": [
        DemoExpectation("demo_forest", ("Any control condition", "Waiting list", "Care as usual",
                                        "Other inactive control", "Risk-of-bias criteria met (at least, of 4)"),
                        check_therapy_forest),
        DemoExpectation("demo_levels", LEVEL_SLIDERS, check_alliance_levels),
        DemoExpectation("demo_early", ("Early improvement raises alliance by", "Alliance's own effect on outcome"),
                        check_early_improvement),
    ],
}
