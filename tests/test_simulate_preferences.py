"""The simulated preference trial: dropout by arm, the t test, simulated and closed-form power."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats

from helpcourse.simulate import preferences as sim


def test_matched_dropout_and_average_effect_by_hand():
    # odds 0.3 / 0.7 = 0.4286, divided by 1.79 = 0.2394, as a rate 0.1932
    assert sim.matched_dropout_rate(0.30, 1.79) == pytest.approx(0.193175, abs=1e-6)
    assert sim.matched_dropout_rate(0.30, 1.0) == pytest.approx(0.30)
    assert sim.average_matching_effect(0.28, 0.5) == pytest.approx(0.14)
    with pytest.raises(ValueError):
        sim.average_matching_effect(0.28, 1.5)


def test_power_and_sample_sizes_match_cohens_tables():
    # Cohen (1988), Table 2.4.1: 80% power at alpha .05 two-sided needs 64 per group for d = .5, 26 for d = .8
    assert sim.power_for_completers(64, 0.5) == pytest.approx(0.8015, abs=1e-3)
    assert sim.completers_needed(0.5) == 64
    assert sim.completers_needed(0.8) == 26
    assert sim.completers_needed(0.28) == 202
    assert sim.power_for_completers(202, 0.28) >= 0.8 > sim.power_for_completers(201, 0.28)
    # 64 completers with 20% dropout: 64 / 0.8 = 80 randomised per arm
    assert sim.clients_to_randomise(0.5, 0.20) == 80
    assert sim.clients_to_randomise(0.28, 0.25) == 270  # 202 / 0.75 = 269.3 -> 270
    with pytest.raises(ValueError):
        sim.completers_needed(0.0)


def test_one_trial_is_seeded_and_consistent():
    first = sim.simulate_preference_trial(100, 0.28, 1.0, 0.30, 1.79, seed=7)
    assert first == sim.simulate_preference_trial(100, 0.28, 1.0, 0.30, 1.79, seed=7)
    assert first != sim.simulate_preference_trial(100, 0.28, 1.0, 0.30, 1.79, seed=8)
    assert 0 <= first.lost_matched <= 100 and 0 <= first.lost_other <= 100
    assert first.ci_low < first.mean_difference < first.ci_high
    # the 95% CI excludes 0 exactly when p < .05
    for seed in range(40):
        trial = sim.simulate_preference_trial(60, 0.4, 0.8, 0.2, 1.5, seed=seed)
        assert (trial.p_value < 0.05) == (trial.ci_low > 0 or trial.ci_high < 0)
    low, high = first.dropout_interval("matched")
    assert low < first.dropout_matched < high


def test_trials_average_to_the_settings():
    trials = [sim.simulate_preference_trial(200, 0.5, 0.6, 0.30, 2.0, seed=seed) for seed in range(300)]
    differences = np.array([t.mean_difference for t in trials])
    # average effect 0.5 * 0.6 = 0.3; SE of one trial's difference about 0.11, of the mean of 300 about 0.007
    assert differences.mean() == pytest.approx(0.30, abs=0.03)
    assert np.mean([t.dropout_other for t in trials]) == pytest.approx(0.30, abs=0.01)
    assert np.mean([t.dropout_matched for t in trials]) == pytest.approx(sim.matched_dropout_rate(0.3, 2.0), abs=0.01)


def test_simulated_power_agrees_with_trials_simulated_client_by_client():
    settings = (40, 0.6, 0.6, 0.25, 1.5)
    fast = sim.simulated_power(*settings, n_trials=20000, seed=1)
    slow = np.mean([sim.simulate_preference_trial(*settings, seed=seed).p_value < 0.05 for seed in range(800)])
    # slow has a standard error of about .017 at power near .4
    assert fast == pytest.approx(slow, abs=0.06)
    assert fast == pytest.approx(sim.expected_power(*settings), abs=0.03)


def test_simulated_power_without_an_effect_is_the_false_positive_rate():
    power = sim.simulated_power(50, 0.0, 1.0, 0.3, 1.79, n_trials=40000, seed=3)
    assert power == pytest.approx(0.05, abs=0.005)


def test_simulated_power_with_everyone_preferring_matches_the_noncentral_t():
    # no dropout difference and everyone with a strong preference: a plain t test with about n (1 - dropout)
    settings = (150, 0.28, 1.0, 0.2, 1.0)
    power = sim.simulated_power(*settings, n_trials=40000, seed=5)
    assert power == pytest.approx(sim.power_for_completers(120, 0.28), abs=0.01)
    assert sim.expected_power(*settings) == pytest.approx(sim.power_for_completers(120, 0.28), abs=1e-9)


def test_expected_power_is_vectorised_and_rises_with_n():
    curve = sim.expected_power(np.arange(20, 501, 10), 0.28, 1.0, 0.3, 1.79)
    assert curve.shape == (49,) and np.all(np.diff(curve) > 0)
    assert curve[0] > 0.05 and curve[-1] > 0.9


def test_simulated_power_is_fast():
    start = time.perf_counter()
    for n in range(20, 501, 40):
        sim.simulated_power(n, 0.28, 0.7, 0.3, 1.79)
    per_call = (time.perf_counter() - start) / 13
    assert per_call < 0.02, f"simulated_power took {per_call * 1000:.1f} ms per call"


def test_t_test_matches_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 1, 40), rng.normal(0, 1, 35)
    difference, low, high, p_value = sim._t_test(a, b)
    assert p_value == pytest.approx(stats.ttest_ind(a, b).pvalue)
    assert difference == pytest.approx(a.mean() - b.mean())
    assert high - difference == pytest.approx(difference - low)
