"""Module 05's demos in the browser: after keyboard operation, the plots show exactly the library's values."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, demos, figures, metaanalysis, preferences
from helpcourse.simulate import preferences as sim

#: Seconds to wait for the kernel's update to reach the plot (a few on a quiet machine, far more under heavy load).
UPDATE_TIMEOUT = 60.0

_SLIDERS = {
    "n_per_arm": "Clients per arm",
    "d": "Effect of matching d (strong preference)",
    "strong_share": "Share of clients with a strong preference",
    "non_matched_dropout": "Dropout when not matched",
    "dropout_odds_ratio": "Odds ratio of dropout, not matched vs matched",
}


def _settings(box) -> dict[str, float]:
    values = {key: float(box.get_by_role("slider", name=name).input_value()) for key, name in _SLIDERS.items()}
    values["n_per_arm"] = int(values["n_per_arm"])
    return {key: (value if key == "n_per_arm" else round(value, 2)) for key, value in values.items()}


def _assert_preference_trial_shows(nbpage: NotebookPage, cell: CellInfo, settings: dict[str, float]) -> None:
    """Every trace is the seeded simulation of the library for these settings; title and text say so."""
    seed = inspect.signature(demos.preference_trial).parameters["seed"].default
    trial = sim.simulate_preference_trial(**settings, seed=seed)
    power = sim.simulated_power(**settings, seed=seed)
    curve = sim.expected_power(np.arange(20, 501, 10), settings["d"], settings["strong_share"],
                               settings["non_matched_dropout"], settings["dropout_odds_ratio"])
    n = settings["n_per_arm"]
    effect = sim.average_matching_effect(settings["d"], settings["strong_share"])

    def shows(plot: dict) -> bool:
        return (int(plot["data"][5]["x"][0]) == n
                and abs(float(plot["data"][1]["x"][0]) - effect) < 1e-12
                and abs(float(plot["data"][0]["x"][0]) - trial.mean_difference) < 1e-9
                and abs(float(plot["data"][5]["y"][0]) - power) < 1e-12)

    plot = poll(lambda: nbpage.plot_data(cell.index), shows, timeout=UPDATE_TIMEOUT)
    assert plot["layout"]["title"]["text"] == figures.PREFERENCE_TRIAL_TITLE, "the title names no setting"
    assert float(plot["data"][0]["x"][0]) == pytest.approx(trial.mean_difference, abs=1e-9)
    assert float(plot["data"][0]["error_x"]["array"][0]) == pytest.approx(trial.ci_high - trial.mean_difference,
                                                                          abs=1e-9)
    assert float(plot["data"][1]["x"][0]) == pytest.approx(effect, abs=1e-12), "the diamond is the true effect"
    observed = [trial.lost_matched / n, trial.lost_other / n]
    assert np.asarray(plot["data"][2]["y"], dtype=float) == pytest.approx(observed, abs=1e-12)
    dropout_set = [sim.matched_dropout_rate(settings["non_matched_dropout"], settings["dropout_odds_ratio"]),
                   settings["non_matched_dropout"]]
    assert np.asarray(plot["data"][3]["y"], dtype=float) == pytest.approx(dropout_set, abs=1e-12)
    assert np.asarray(plot["data"][4]["y"], dtype=float) == pytest.approx(curve, abs=1e-9), "closed-form power"
    assert (int(plot["data"][5]["x"][0]), float(plot["data"][5]["y"][0])) == (n, pytest.approx(power, abs=1e-12))
    said = f"Of 2,000 simulated trials like it, {figures.format_percent(power)} found p < .05"
    settings_said = (f"With {n} clients per arm and a true average effect of matching of d = "
                     f"{effect:.2f}".replace("-", "−"))
    text = poll(lambda: _live_text(nbpage, cell), lambda t: said in t and settings_said in t,
                timeout=UPDATE_TIMEOUT)
    assert said in text and settings_said in text, "the text alternative states the size, the effect and the power"
    assert f"{figures.format_percent(observed[0])} of matched clients" in text


def check_preference_trial(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on the size, the effect and the odds ratio: every panel is the library's seeded simulation."""
    box = nbpage.cell(cell.index)
    _assert_preference_trial_shows(nbpage, cell, _settings(box))
    n_slider = box.get_by_role("slider", name=_SLIDERS["n_per_arm"])
    _press(nbpage, n_slider, "ArrowRight" if int(float(n_slider.input_value())) < 500 else "ArrowLeft")
    _assert_preference_trial_shows(nbpage, cell, _settings(box))
    d_slider = box.get_by_role("slider", name=_SLIDERS["d"])
    _press(nbpage, d_slider, "ArrowRight" if float(d_slider.input_value()) < 0.8 else "ArrowLeft")
    or_slider = box.get_by_role("slider", name=_SLIDERS["dropout_odds_ratio"])
    _press(nbpage, or_slider, "ArrowLeft" if float(or_slider.input_value()) > 0.5 else "ArrowRight")
    settings = _settings(box)
    _assert_preference_trial_shows(nbpage, cell, settings)
    shown = box.get_by_role("spinbutton", name=f"{_SLIDERS['n_per_arm']} (type a value)")
    assert int(float(shown.input_value())) == settings["n_per_arm"], "the number beside the slider shows its value"


def check_dropout_forest(nbpage: NotebookPage, cell: CellInfo) -> None:
    """The squares are the pooled dropout odds ratios; the Waiting list button re-pools against waiting lists."""
    attrition = preferences.attrition_by_comparison(data.load_metapsy_comparisons())
    for control, button_name in (("all", None), ("wl", "Waiting list"), ("cau", "Care as usual")):
        label = metaanalysis.CONTROL_TYPES[control]
        title = figures.dropout_forest_title(label)
        plot = nbpage.plot_data(cell.index)
        for _attempt in range(3 if button_name else 0):
            # Space on the focused button chooses it; pressing the chosen button again changes nothing, so a key
            # press lost on a busy machine can safely be repeated.
            button = nbpage.cell(cell.index).get_by_role("button", name=button_name)
            button.focus()
            nbpage.page.keyboard.press("Space")
            plot = poll(lambda: nbpage.plot_data(cell.index),
                        lambda p, title=title: p["layout"]["title"]["text"] == title, timeout=UPDATE_TIMEOUT / 3)
            if plot["layout"]["title"]["text"] == title:
                break
        table = preferences.dropout_odds_ratios_by_therapy(attrition, control)
        types = table[table["therapy"] != "all"]
        assert plot["layout"]["title"]["text"] == title, f"after {button_name!r}: {plot['layout']['title']['text']!r}"
        assert list(plot["data"][0]["y"]) == figures.dropout_forest_labels(types)
        assert np.asarray(plot["data"][0]["x"], dtype=float) == pytest.approx(types["odds_ratio"].to_numpy(),
                                                                              rel=1e-9)
        assert float(plot["data"][1]["x"][0]) == pytest.approx(table["odds_ratio"].iloc[-1], rel=1e-9)
        overall = f"OR {table['odds_ratio'].iloc[-1]:.2f}"
        text = poll(lambda: _live_text(nbpage, cell), lambda t, overall=overall: overall in t, timeout=UPDATE_TIMEOUT)
        assert overall in text and label in text


EXPECTATIONS = {
    "05_collaboration_preferences": [
        DemoExpectation("demo_trial", tuple(_SLIDERS.values()), check_preference_trial),
        DemoExpectation("demo_dropout", ("Any control condition", "Waiting list", "Care as usual",
                                         "Other inactive control"), check_dropout_forest),
    ],
}
