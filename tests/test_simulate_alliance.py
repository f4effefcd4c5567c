"""Tests for helpcourse.simulate.alliance: exact expectations, hand computations, seeding and input checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpcourse.simulate.alliance import (
    alliance_levels,
    alliance_outcome_correlations,
    decompose_alliance_correlation,
    expected_alliance_correlations,
    expected_early_improvement_correlations,
    share_above_average_outcome,
    simulate_alliance_multilevel,
    simulate_early_improvement,
)

# --------------------------------------------------------------------------------------------------
# Between and within therapists
# --------------------------------------------------------------------------------------------------


def test_expected_correlations_by_hand():
    # b_B = .6, b_W = .3, s = .2, m = 10.
    expected = expected_alliance_correlations(0.6, 0.3, 0.2, 10)
    assert expected["total_r"] == pytest.approx(0.36 / math.sqrt(0.072 + 0.072 + 1))
    assert expected["within_r"] == pytest.approx(0.3 * math.sqrt(0.8) / math.sqrt(0.072 + 1))
    between = (0.12 + 0.024) / math.sqrt((0.2 + 0.08) * (0.072 + (0.072 + 1) / 10))
    assert expected["between_r"] == pytest.approx(between)


def test_no_within_slope_means_no_within_correlation_and_no_slopes_mean_nothing():
    assert expected_alliance_correlations(0.8, 0.0, 0.3, 12)["within_r"] == 0.0
    assert expected_alliance_correlations(0.0, 0.0, 0.3, 12) == {"total_r": 0.0, "between_r": 0.0, "within_r": 0.0}
    # Without therapist differences in the alliance, therapist averages differ only by their clients' noise,
    # so the between-therapist correlation equals the within one.
    flat = expected_alliance_correlations(0.9, 0.4, 0.0, 8)
    assert flat["between_r"] == pytest.approx(flat["within_r"])
    assert flat["total_r"] == pytest.approx(flat["within_r"])


@pytest.mark.parametrize(
    "between, within, share, per",
    [(0.6, 0.3, 0.2, 10), (0.8, 0.0, 0.3, 5), (0.0, 0.5, 0.1, 20), (1.2, 0.6, 0.5, 4)],
)
def test_large_simulations_match_the_expected_correlations(between, within, share, per):
    clients = simulate_alliance_multilevel(4000, per, between, within, share, seed=11)
    observed = decompose_alliance_correlation(clients)
    expected = expected_alliance_correlations(between, within, share, per)
    for name in ("total_r", "between_r", "within_r"):
        assert observed[name] == pytest.approx(expected[name], abs=0.03), name


def test_alliance_levels_reproduce_the_decomposition():
    clients = simulate_alliance_multilevel(30, 8, 0.7, 0.2, 0.25, seed=3)
    means, deviations = alliance_levels(clients)
    parts = decompose_alliance_correlation(clients)
    assert len(means) == 30 and len(deviations) == 240
    assert np.corrcoef(means["alliance"], means["outcome"])[0, 1] == pytest.approx(parts["between_r"])
    assert np.corrcoef(deviations["alliance"], deviations["outcome"])[0, 1] == pytest.approx(parts["within_r"])
    # Deviations average 0 within every therapist.
    assert np.allclose(deviations.groupby("therapist_id")[["alliance", "outcome"]].mean(), 0.0, atol=1e-12)


def test_alliance_levels_by_hand():
    clients = pd.DataFrame({"therapist_id": [0, 0, 1, 1], "alliance": [1.0, 3.0, 0.0, 2.0],
                            "outcome": [2.0, 4.0, -1.0, 1.0]})
    means, deviations = alliance_levels(clients)
    assert means["alliance"].tolist() == [2.0, 1.0] and means["outcome"].tolist() == [3.0, 0.0]
    assert deviations["alliance"].tolist() == [-1.0, 1.0, -1.0, 1.0]
    with pytest.raises(ValueError, match="columns"):
        alliance_levels(clients.drop(columns="outcome"))


def test_expected_correlations_refuse_bad_input():
    with pytest.raises(ValueError, match="Did you mean 0.2"):
        expected_alliance_correlations(0.6, 0.3, 20, 10)
    with pytest.raises(ValueError, match="clients_per_therapist"):
        expected_alliance_correlations(0.6, 0.3, 0.2, 0)
    with pytest.raises(ValueError, match="finite number"):
        expected_alliance_correlations(float("nan"), 0.3, 0.2, 10)


# --------------------------------------------------------------------------------------------------
# Therapist effects in client terms
# --------------------------------------------------------------------------------------------------


def test_share_above_average_outcome_known_values():
    assert share_above_average_outcome(0.0, 0.05) == 0.5
    # Phi(sqrt(.05) / sqrt(.95)) = Phi(0.2294) = 0.5907.
    assert share_above_average_outcome(1.0, 0.05) == pytest.approx(0.59073, abs=1e-5)
    assert share_above_average_outcome(-1.0, 0.05) == pytest.approx(1 - 0.59073, abs=1e-5)
    assert share_above_average_outcome(1.0, 0.0) == 0.5
    assert share_above_average_outcome(1.0, 0.11) > share_above_average_outcome(1.0, 0.05)
    with pytest.raises(ValueError, match="Did you mean 0.05"):
        share_above_average_outcome(1.0, 5)


# --------------------------------------------------------------------------------------------------
# Early improvement
# --------------------------------------------------------------------------------------------------


def test_early_improvement_frame_and_seeding():
    clients = simulate_early_improvement(200, 0.4, 0.0)
    assert list(clients.columns) == ["early_improvement", "alliance", "outcome", "improved_early"]
    assert len(clients) == 200 and clients["improved_early"].dtype == bool
    assert (clients["improved_early"] == (clients["early_improvement"] > 0)).all()
    pd.testing.assert_frame_equal(clients, simulate_early_improvement(200, 0.4, 0.0, seed=2020))
    assert not clients.equals(simulate_early_improvement(200, 0.4, 0.0, seed=1))


def test_partial_correlation_by_hand():
    clients = pd.DataFrame({"early_improvement": [0.0, 1.0, 2.0, 3.0, 4.0],
                            "alliance": [1.0, 2.0, 2.0, 4.0, 5.0],
                            "outcome": [0.0, 2.0, 1.0, 3.0, 5.0]})
    result = alliance_outcome_correlations(clients)
    assert result["raw_r"] == pytest.approx(np.corrcoef(clients["alliance"], clients["outcome"])[0, 1])
    # The same partial correlation by another route: correlate the residuals of straight-line fits on early.
    early = clients["early_improvement"].to_numpy()
    residual = {}
    for name in ("alliance", "outcome"):
        slope, intercept = np.polyfit(early, clients[name].to_numpy(), 1)
        residual[name] = clients[name].to_numpy() - (intercept + slope * early)
    assert result["adjusted_r"] == pytest.approx(np.corrcoef(residual["alliance"], residual["outcome"])[0, 1])


def test_expected_early_improvement_correlations_by_hand():
    # a = .4, b = 0, c = .7: raw r = .28 / sqrt(.49 + 1); nothing is left after adjustment.
    expected = expected_early_improvement_correlations(0.4, 0.0, 0.7)
    assert expected["raw_r"] == pytest.approx(0.28 / math.sqrt(1.49))
    assert expected["adjusted_r"] == 0.0
    # a = 0: early improvement does not touch the alliance, so adjusting changes the denominator only.
    no_link = expected_early_improvement_correlations(0.0, 0.5, 0.7)
    assert no_link["raw_r"] == pytest.approx(0.5 / math.sqrt(0.49 + 0.25 + 1))
    assert no_link["adjusted_r"] == pytest.approx(0.5 / math.sqrt(1.25))


@pytest.mark.parametrize("a, b, c", [(0.4, 0.0, 0.7), (0.5, 0.3, 0.5), (0.8, 0.0, 0.9), (0.2, 0.6, 0.7)])
def test_large_simulations_match_the_expected_early_improvement_correlations(a, b, c):
    clients = simulate_early_improvement(100_000, a, b, early_to_outcome=c, seed=5)
    observed = alliance_outcome_correlations(clients)
    expected = expected_early_improvement_correlations(a, b, c)
    assert observed["raw_r"] == pytest.approx(expected["raw_r"], abs=0.01)
    assert observed["adjusted_r"] == pytest.approx(expected["adjusted_r"], abs=0.01)


def test_early_improvement_refuses_bad_input():
    with pytest.raises(ValueError, match="early_to_alliance"):
        simulate_early_improvement(100, 1.0, 0.0)
    with pytest.raises(ValueError, match="n_clients"):
        simulate_early_improvement(3, 0.4, 0.0)
    with pytest.raises(ValueError, match="seed"):
        simulate_early_improvement(100, 0.4, 0.0, seed=-1)
    with pytest.raises(ValueError, match="columns"):
        alliance_outcome_correlations(pd.DataFrame({"alliance": [1.0, 2.0]}))
    constant = pd.DataFrame(
        {"early_improvement": [1.0] * 5, "alliance": [1.0, 2, 3, 4, 5], "outcome": [2.0, 1, 3, 5, 4]}
    )
    with pytest.raises(ValueError, match="vary"):
        alliance_outcome_correlations(constant)
