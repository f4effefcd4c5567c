"""The small-study simulation of module 06: known p values, error rates, power, bias and publication filtering."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import stats

from helpcourse.simulate import weak_evidence as weak


def test_p_value_of_a_known_study():
    # d = 0.5 with 32 clients per group: t = 0.5 * sqrt(16) = 2.0 on 62 degrees of freedom.
    assert weak.study_p_value(0.5, 32) == pytest.approx(2 * stats.t.sf(2.0, 62), rel=1e-12)
    assert weak.study_p_value(0.5, 32) == pytest.approx(0.0499, abs=5e-5)
    assert weak.study_p_value(0.0, 10) == pytest.approx(1.0)
    np.testing.assert_allclose(weak.study_p_value(np.array([-0.5, 0.5]), 32), [0.0499] * 2, atol=5e-5)


def test_same_seed_same_studies_other_seed_other_studies():
    one = weak.simulate_small_studies(0.2, 20, 0.1, n_studies=500, seed=1)
    two = weak.simulate_small_studies(0.2, 20, 0.1, n_studies=500, seed=1)
    other = weak.simulate_small_studies(0.2, 20, 0.1, n_studies=500, seed=2)
    np.testing.assert_array_equal(one.d, two.d)
    assert not np.allclose(one.d, other.d)
    assert one.d.shape == one.p_value.shape == (500,)


def test_p_values_are_those_of_the_estimated_effects():
    studies = weak.simulate_small_studies(0.3, 15, 0.0, n_studies=200, seed=3)
    np.testing.assert_allclose(studies.p_value, weak.study_p_value(studies.d, 15), rtol=1e-12)
    assert np.array_equal(studies.found_benefit, (studies.p_value < 0.05) & (studies.d > 0))


def test_with_no_effect_and_no_bias_about_2_5_percent_find_a_benefit():
    summary = weak.summarise_studies(weak.simulate_small_studies(0.0, 10, 0.0, n_studies=40_000, seed=11))
    # a two-sided test at .05 finds a "benefit" by chance in 2.5% of studies (sd of the share about 0.0008)
    assert summary.share_benefit == pytest.approx(0.025, abs=0.004)
    assert summary.mean_all == pytest.approx(0.0, abs=0.01)


def test_spread_of_d_is_the_textbook_one():
    # With true d = 0, Var(d) = (2/n) * df / (df - 2), df = 2n - 2: for n = 10, 0.2 * 18 / 16 = 0.225.
    studies = weak.simulate_small_studies(0.0, 10, 0.0, n_studies=40_000, seed=12)
    assert studies.d.var() == pytest.approx(0.225, rel=0.03)


def test_64_per_group_give_80_percent_power_for_d_of_half():
    summary = weak.summarise_studies(weak.simulate_small_studies(0.5, 64, 0.0, n_studies=20_000, seed=13))
    exact = stats.nct.sf(stats.t.ppf(0.975, 126), 126, 0.5 * math.sqrt(32))
    assert exact == pytest.approx(0.80, abs=0.005)
    assert summary.share_benefit == pytest.approx(exact, abs=0.015)


def test_selection_bias_moves_every_study_and_bigger_studies_do_not_remove_it():
    small = weak.summarise_studies(weak.simulate_small_studies(0.0, 10, 0.3, n_studies=20_000, seed=14))
    large = weak.summarise_studies(weak.simulate_small_studies(0.0, 200, 0.3, n_studies=20_000, seed=14))
    assert small.mean_all == pytest.approx(0.3, abs=0.02)
    assert large.mean_all == pytest.approx(0.3, abs=0.01)
    assert large.share_benefit > 0.8 > 0.2 > small.share_benefit


def test_publishing_only_significant_benefits_inflates_small_studies_most():
    small = weak.simulate_small_studies(0.0, 10, 0.0)
    filtered = weak.summarise_studies(small, only_significant=True)
    everything = weak.summarise_studies(small, only_significant=False)
    assert filtered.n_reported == int(small.found_benefit.sum()) < everything.n_reported == weak.N_STUDIES
    assert filtered.mean_reported == pytest.approx(float(small.d[small.found_benefit].mean()))
    # with 10 per group a significant d must exceed t_crit * sqrt(2/10) = 2.101 * 0.447, about 0.94
    assert filtered.mean_reported > stats.t.ppf(0.975, 18) * math.sqrt(0.2)
    assert everything.mean_reported == everything.mean_all
    big = weak.summarise_studies(weak.simulate_small_studies(0.2, 200, 0.0), only_significant=True)
    assert 0.2 < big.mean_reported < 0.35


def test_average_reported_effect_is_the_summary_the_demo_shows():
    studies = weak.simulate_small_studies(0.0, 10, 0.0, seed=weak.SEED)
    expected = weak.summarise_studies(studies, only_significant=True).mean_reported
    assert weak.average_reported_effect(0.0, 10, 0.0, only_significant=True) == expected
    assert weak.average_reported_effect(0.0, 10, 0.0) == pytest.approx(float(studies.d.mean()))


def test_no_study_reported_gives_nan_not_an_error():
    summary = weak.summarise_studies(weak.simulate_small_studies(-0.5, 100, 0.0, n_studies=50), True)
    assert summary.n_reported == 0 and math.isnan(summary.mean_reported)


def test_histogram_counts_keep_outliers_in_the_outer_bins():
    counts = weak.histogram_counts([-5.0, 0.02, 0.07, 0.1, 10.0], [0.0, 0.05, 0.1])
    assert counts.tolist() == [2, 3]


@pytest.mark.parametrize("kwargs, message", [
    ({"n_per_group": 1}, "at least 2"),
    ({"n_per_group": 10.5}, "whole number"),
    ({"true_d": float("nan")}, "between -5 and 5"),
    ({"selection_bias": 8}, "between -5 and 5"),
    ({"n_studies": 0}, "at least 1"),
])
def test_settings_are_checked(kwargs, message):
    settings = {"true_d": 0.0, "n_per_group": 10, "selection_bias": 0.0, "n_studies": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        weak.simulate_small_studies(**settings)


def test_a_setting_is_simulated_in_a_few_milliseconds():
    start = time.perf_counter()
    for n in range(5, 205, 5):
        weak.summarise_studies(weak.simulate_small_studies(0.2, n, 0.1), only_significant=True)
    assert (time.perf_counter() - start) / 40 < 0.02
