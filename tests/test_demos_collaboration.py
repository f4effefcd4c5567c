"""Module 05 figures and demos: plotted values are the library's results, controls are labelled, updates in place."""

from __future__ import annotations

import numpy as np
import pytest

from helpcourse import data, demos, figures, preferences
from helpcourse.demos.common import LabelledIntSlider, LabelledSlider
from helpcourse.simulate import preferences as sim


@pytest.fixture(scope="module")
def attrition():
    return preferences.attrition_by_comparison(data.load_metapsy_comparisons())


def _assert_trial_figure_shows(demo: demos.PreferenceTrialDemo, n: int, d: float, share: float, dropout: float,
                               odds_ratio: float) -> None:
    trial = sim.simulate_preference_trial(n, d, share, dropout, odds_ratio, seed=demo.seed)
    power = sim.simulated_power(n, d, share, dropout, odds_ratio, seed=demo.seed)
    data_ = demo.figure.data
    assert data_[0].x[0] == pytest.approx(trial.mean_difference, abs=1e-12)
    assert data_[0].error_x.array[0] == pytest.approx(trial.ci_high - trial.mean_difference, abs=1e-12)
    assert data_[0].error_x.arrayminus[0] == pytest.approx(trial.mean_difference - trial.ci_low, abs=1e-12)
    assert data_[1].x[0] == pytest.approx(d * share, abs=1e-12)
    assert list(data_[2].y) == pytest.approx([trial.lost_matched / n, trial.lost_other / n], abs=1e-12)
    assert list(data_[3].y) == pytest.approx([sim.matched_dropout_rate(dropout, odds_ratio), dropout], abs=1e-12)
    curve = sim.expected_power(np.arange(20, 501, 10), d, share, dropout, odds_ratio)
    np.testing.assert_allclose(np.asarray(data_[4].y, dtype=float), curve, atol=1e-12)
    assert (data_[5].x[0], data_[5].y[0]) == (n, pytest.approx(power, abs=1e-12))
    assert demo.figure.layout.title.text == figures.PREFERENCE_TRIAL_TITLE
    effect = f"{d * share:.2f}".replace("-", "−")
    assert f"With {n} clients per arm and a true average effect of matching of d = {effect}" in demo.description.value
    assert f"{figures.format_percent(power)} found p &lt; .05" in demo.description.value


def test_preference_trial_starts_at_the_evidence_values():
    demo = demos.preference_trial()
    assert demo.d_slider.value == pytest.approx(0.28) and demo.or_slider.value == pytest.approx(1.79)
    _assert_trial_figure_shows(demo, 100, 0.28, 1.0, 0.30, 1.79)


def test_preference_trial_sliders_update_the_same_figure():
    demo = demos.preference_trial()
    figure = demo.figure
    demo.d_slider.value = 0.5
    demo.share_slider.value = 0.6
    demo.dropout_slider.value = 0.2
    demo.or_slider.value = 2.5
    demo.n_slider.value = 250
    assert demo.figure is figure
    _assert_trial_figure_shows(demo, 250, 0.5, 0.6, 0.2, 2.5)


def _assert_same_values(shown: object, expected: object) -> None:
    """Two plotly JSON values are equal, arrays compared as numbers where they hold numbers."""
    if isinstance(expected, dict):
        assert isinstance(shown, dict) and set(shown) - {"uid"} == set(expected) - {"uid"}
        for key in set(expected) - {"uid"}:
            _assert_same_values(shown[key], expected[key])
    elif isinstance(expected, (list, tuple, np.ndarray)) and not isinstance(expected, str):
        want, got = np.asarray(expected), np.asarray(shown)
        if want.dtype.kind in "iuf":
            np.testing.assert_allclose(got.astype(float), want.astype(float), atol=1e-12)
        else:
            assert got.tolist() == want.tolist()
    else:
        assert shown == expected


def test_preference_trial_redraws_only_its_traces():
    """Every axis has a fixed range and the title names no setting: a slider sends plotly.js the traces only, as
    an animation without a full redraw, and the figure equals one built anew."""
    demo = demos.preference_trial()
    figure = demo.figure
    sent = []
    figure.observe(lambda change: sent.append(change["new"]), names=["_py2js_update", "_py2js_animate"])
    layout = figure.layout.to_plotly_json()
    demo.n_slider.value = 500
    demo.d_slider.value = 0.8
    demo.or_slider.value = 0.5
    fresh = figures.preference_trial_figure(**demo._compute()["figure"])
    for shown, expected in zip(figure.data, fresh.data, strict=True):
        _assert_same_values(shown.to_plotly_json(), expected.to_plotly_json())
    assert figure.layout.to_plotly_json() == layout, "nothing in the layout changes"
    assert list(figure.layout.xaxis3.range) == list(figures.TRIAL_N_RANGE)
    messages = [message for message in sent if message is not None]
    assert len(messages) == 3 and all(m["animation_opts"]["frame"]["redraw"] is False for m in messages)
    assert all(sorted(m["style_traces"]) == list(range(len(figure.data))) for m in messages)


def test_preference_trial_controls_are_labelled_sliders():
    demo = demos.preference_trial()
    assert all(isinstance(s, LabelledSlider) for s in demo.sliders)
    assert isinstance(demo.n_slider, LabelledIntSlider)
    names = [s.description for s in demo.sliders]
    assert len(set(names)) == 5 and all(names)
    assert all(s.readout for s in demo.sliders)
    assert "helpcourse-alt" in demo.description.value


def test_dropout_forest_plots_the_pooled_odds_ratios(attrition):
    forest = demos.dropout_forest(attrition)
    table = preferences.dropout_odds_ratios_by_therapy(attrition, "all")
    types = table[table["therapy"] != "all"]
    np.testing.assert_allclose(np.asarray(forest.figure.data[0].x, dtype=float), types["odds_ratio"])
    labels = [f"{label} (k = {k})" for label, k in zip(types["label"], types["k"], strict=True)]
    assert list(forest.figure.data[0].y) == labels
    assert labels[0] == f"Cognitive behaviour therapy (k = {preferences.pooled_dropout_odds_ratio(attrition, 'cbt').k})"
    assert forest.figure.data[1].x[0] == pytest.approx(table["odds_ratio"].iloc[-1])
    np.testing.assert_allclose(np.asarray(forest.figure.data[0].error_x.array, dtype=float),
                               types["ci_high"] - types["odds_ratio"])
    assert forest.figure.layout.xaxis.type == "log"
    assert f"OR {table['odds_ratio'].iloc[-1]:.2f}" in forest.description.value


def test_dropout_forest_toggle_updates_the_same_figure(attrition):
    forest = demos.dropout_forest(attrition)
    figure = forest.figure
    forest.control.value = "wl"
    assert forest.figure is figure
    table = preferences.dropout_odds_ratios_by_therapy(attrition, "wl")
    types = table[table["therapy"] != "all"]
    assert list(figure.data[0].y) == figures.dropout_forest_labels(types)
    np.testing.assert_allclose(np.asarray(figure.data[0].x, dtype=float), types["odds_ratio"])
    assert list(figure.layout.yaxis.categoryarray) == figures.dropout_forest_labels(table)[::-1]
    assert "waiting list" in figure.layout.title.text and "waiting list" in forest.description.value
    assert [label for label, _ in forest.control.options][0] == "Any control condition"


def test_describe_preference_trial_states_the_values():
    text = figures.describe_preference_trial(80, 0.28, (0.31, 0.02, 0.6), 0.04, (0.2, 0.3), (0.19, 0.3), 0.42)
    assert "80 clients per arm" in text and "0.31 (95% CI 0.02 to 0.60)" in text
    assert "finds a difference" in text and "42% found p < .05" in text
    assert "does not find" in figures.describe_preference_trial(80, 0.28, (0.1, -0.2, 0.4), 0.5, (0.2, 0.3),
                                                                 (0.19, 0.3), 0.42)
