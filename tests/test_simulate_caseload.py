"""Caseload simulation: known probabilities, exact extremes, seeded reproducibility, hand-computed summaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpcourse.simulate import caseload as sc


@pytest.mark.parametrize(
    "r,more,less",
    [(0.0, 0.5, 0.5), (0.5, 2 / 3, 1 / 3), (1.0, 1.0, 0.0), (-0.5, 1 / 3, 2 / 3)],
)
def test_recovery_probabilities_known_values(r, more, less):
    # Sheppard: 1/2 +- arcsin(r)/pi; arcsin(.5) = pi/6 gives 2/3 and 1/3.
    assert sc.recovery_probabilities(r) == pytest.approx((more, less), abs=1e-12)


def test_empathy_probabilities_by_hand():
    more, less = sc.recovery_probabilities(0.28)
    assert more == pytest.approx(0.5 + math.asin(0.28) / math.pi)
    assert 100 * (more - less) == pytest.approx(18.06, abs=0.01)


def test_expected_recoveries_for_a_caseload():
    assert sc.expected_recoveries(0.5, 60) == pytest.approx((20.0, 10.0))


def test_columns_sizes_and_difference():
    caseloads = sc.simulate_caseload_recoveries(0.28, 40, n_caseloads=500, seed=1)
    assert list(caseloads.columns) == ["more_empathic", "less_empathic", "difference"]
    assert len(caseloads) == 500
    assert (caseloads["difference"] == caseloads["more_empathic"] - caseloads["less_empathic"]).all()
    assert caseloads["more_empathic"].between(0, 20).all() and caseloads["less_empathic"].between(0, 20).all()


def test_perfect_correlation_every_more_empathic_client_recovers():
    caseloads = sc.simulate_caseload_recoveries(1.0, 30, n_caseloads=50, seed=4)
    assert (caseloads["more_empathic"] == 15).all()
    assert (caseloads["less_empathic"] == 0).all()


def test_same_seed_same_caseloads_other_seed_differs():
    first = sc.simulate_caseload_recoveries(0.28, 40, seed=7)
    assert first.equals(sc.simulate_caseload_recoveries(0.28, 40, seed=7))
    assert not first.equals(sc.simulate_caseload_recoveries(0.28, 40, seed=8))


def test_means_match_the_binomial_expectation():
    n_clients, runs = 60, 20_000
    caseloads = sc.simulate_caseload_recoveries(0.5, n_clients, n_caseloads=runs, seed=11)
    # Binomial(30, 2/3): mean 20, sd sqrt(30 * 2/3 * 1/3) = 2.58; the mean of 20,000 draws has sd 0.018.
    assert caseloads["more_empathic"].mean() == pytest.approx(20.0, abs=0.08)
    assert caseloads["less_empathic"].mean() == pytest.approx(10.0, abs=0.08)
    assert caseloads["more_empathic"].std() == pytest.approx(math.sqrt(30 * 2 / 9), abs=0.05)


def test_summary_of_a_hand_made_table():
    table = pd.DataFrame({"more_empathic": [1, 2, 3, 4], "less_empathic": [4, 2, 1, 0]})
    table["difference"] = table["more_empathic"] - table["less_empathic"]
    summary = sc.summarise_caseloads(table, n_clients=8, coverage=0.5)
    assert (summary.mean_more, summary.mean_less) == (2.5, 1.75)
    # The 25th and 75th percentiles of 1, 2, 3, 4 (linear interpolation) are 1.75 and 3.25.
    assert (summary.more_low, summary.more_high) == (1.75, 3.25)
    assert (summary.less_low, summary.less_high) == (0.75, 2.5)
    assert (summary.share_more_ahead, summary.share_tied, summary.share_less_ahead) == (0.5, 0.25, 0.25)
    assert summary.n_caseloads == 4 and summary.n_clients == 8


def test_difference_distribution_fills_gaps_with_zero():
    table = pd.DataFrame({"difference": [-1, 2, 2, 0]})
    dist = sc.difference_distribution(table)
    assert dist["difference"].tolist() == [-1, 0, 1, 2]
    assert dist["n_caseloads"].tolist() == [1, 1, 0, 2]


def test_small_caseloads_often_hide_the_effect():
    summary = sc.summarise_caseloads(sc.simulate_caseload_recoveries(0.28, 20, seed=3), 20)
    large = sc.summarise_caseloads(sc.simulate_caseload_recoveries(0.28, 400, seed=3), 400)
    assert summary.share_more_ahead < 0.8 < 0.99 < large.share_more_ahead
    assert math.isclose(summary.share_more_ahead + summary.share_tied + summary.share_less_ahead, 1.0)


@pytest.mark.parametrize("n_clients", [3, 0, 41, 2.5, "40", True])
def test_caseload_size_must_be_even_and_whole(n_clients):
    with pytest.raises(ValueError, match="n_clients must be an even whole number"):
        sc.simulate_caseload_recoveries(0.28, n_clients)


@pytest.mark.parametrize("kwargs,match", [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"n_caseloads": 0}, "n_caseloads"),
])
def test_other_inputs_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.simulate_caseload_recoveries(0.28, 40, **kwargs)


def test_correlation_out_of_range_is_refused():
    with pytest.raises(ValueError, match="Did you mean 0.28"):
        sc.simulate_caseload_recoveries(28, 40)


def test_summary_refuses_bad_tables_and_coverage():
    with pytest.raises(ValueError, match="columns"):
        sc.summarise_caseloads(pd.DataFrame({"x": [1]}), 2)
    good = sc.simulate_caseload_recoveries(0.2, 10, n_caseloads=5)
    with pytest.raises(ValueError, match="coverage"):
        sc.summarise_caseloads(good, 10, coverage=95)
    assert np.isfinite(sc.summarise_caseloads(good, 10).mean_more)
