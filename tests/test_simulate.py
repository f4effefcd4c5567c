"""Tests for helpcourse.simulate: hand-computed answers, exactness, seeding, recovery of inputs and speed."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from helpcourse.effects import proportion_above_median_by_half
from helpcourse.simulate.alliance import (
    above_median_shares_by_alliance,
    decompose_alliance_correlation,
    estimate_therapist_share,
    simulate_alliance_multilevel,
    simulate_alliance_outcome,
    simulate_therapist_effects,
)

# --------------------------------------------------------------------------------------------------
# Alliance and outcome
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", [-1.0, -0.5, 0.0, 0.05, 0.278, 0.57, 0.99, 1.0])
@pytest.mark.parametrize("n_clients", [3, 10, 250, 5000])
def test_exact_sample_correlation(r, n_clients):
    df = simulate_alliance_outcome(r, n_clients)
    assert np.corrcoef(df["alliance"], df["outcome"])[0, 1] == pytest.approx(r, abs=1e-9)


def test_alliance_outcome_frame_is_standardised():
    df = simulate_alliance_outcome(0.278, 1000)
    assert list(df.columns) == ["alliance", "outcome", "above_median"]
    assert len(df) == 1000
    assert df["above_median"].dtype == bool
    for column in ("alliance", "outcome"):
        assert df[column].mean() == pytest.approx(0.0, abs=1e-12)
        assert df[column].std(ddof=1) == pytest.approx(1.0, abs=1e-12)
    # The cut is the sample's median outcome, not its mean (0): exactly half of 1,000 clients are above it.
    assert (df["above_median"] == (df["outcome"] > df["outcome"].median())).all()
    assert df["above_median"].sum() == 500


@pytest.mark.parametrize("r", [0.0, 0.28, 0.5])
@pytest.mark.parametrize("n_clients", [20, 200, 1000])
def test_above_median_is_a_median_split(r, n_clients):
    # Half the clients are above the median outcome and half of them are in each alliance half, so the two
    # shares add up to 1 (the module's default view, r = .28 and 200 clients, was once cut at the mean instead).
    df = simulate_alliance_outcome(r, n_clients)
    assert df["above_median"].sum() == n_clients // 2
    stronger, weaker = above_median_shares_by_alliance(df)
    assert stronger + weaker == pytest.approx(1.0, abs=1e-12)


def test_odd_number_of_clients_leaves_the_median_client_out():
    df = simulate_alliance_outcome(0.3, 201)
    assert df["above_median"].sum() == 100
    assert (df["outcome"] == df["outcome"].median()).sum() == 1


def test_alliance_outcome_is_reproducible():
    first = simulate_alliance_outcome(0.3, 200, seed=7)
    pd.testing.assert_frame_equal(first, simulate_alliance_outcome(0.3, 200, seed=7))
    assert not first.equals(simulate_alliance_outcome(0.3, 200, seed=8))
    # The default seed is 2018.
    default = simulate_alliance_outcome(0.3, 50)
    pd.testing.assert_frame_equal(default, simulate_alliance_outcome(0.3, 50, seed=2018))


def test_inexact_correlation_varies_around_r():
    df = simulate_alliance_outcome(0.278, 200, exact=False, seed=1)
    r = np.corrcoef(df["alliance"], df["outcome"])[0, 1]
    assert r != pytest.approx(0.278, abs=1e-6)
    # Large sample: the standard error of r is about (1 - r^2) / sqrt(n) = 0.002.
    big = simulate_alliance_outcome(0.278, 200_000, exact=False)
    assert np.corrcoef(big["alliance"], big["outcome"])[0, 1] == pytest.approx(0.278, abs=0.01)


def test_above_median_shares_by_hand():
    # Median of 1..6 is 3.5: clients 4, 5, 6 are in the stronger half (all above the median outcome: 3/3);
    # clients 1, 2, 3 are at or below (only client 2 above the median outcome: 1/3).
    df = pd.DataFrame({"alliance": [1, 2, 3, 4, 5, 6], "above_median": [False, True, False, True, True, True]})
    assert above_median_shares_by_alliance(df) == pytest.approx((1.0, 1 / 3), abs=1e-12)
    # Odd number of clients: the median client (alliance 3) belongs to the lower half.
    df = pd.DataFrame({"alliance": [5, 1, 3, 4, 2], "above_median": [True, False, True, False, False]})
    assert above_median_shares_by_alliance(df) == pytest.approx((1 / 2, 1 / 3), abs=1e-12)


def test_default_view_of_module_01():
    # r = .28 and 200 clients, seed 2018: a median split gives 60% and 40% (cut at the mean, 0, it gave 59% and
    # 36%, with only 47.5% of the clients above the line).
    df = simulate_alliance_outcome(0.28, 200)
    assert above_median_shares_by_alliance(df) == pytest.approx((0.60, 0.40), abs=1e-12)


def test_above_median_shares_match_sheppard_for_large_samples():
    # Exact bivariate normal answer 1/2 +- arcsin(.278) / pi = .590 and .410 (Sheppard's orthant probability).
    df = simulate_alliance_outcome(0.278, 100_000)
    upper, lower = above_median_shares_by_alliance(df)
    expected_upper, expected_lower = proportion_above_median_by_half(0.278)
    assert upper == pytest.approx(expected_upper, abs=0.01)
    assert lower == pytest.approx(expected_lower, abs=0.01)


def test_alliance_outcome_input_mistakes():
    with pytest.raises(ValueError, match=r"you gave 28\. Did you mean 0\.28\?"):
        simulate_alliance_outcome(28, 100)
    with pytest.raises(ValueError, match="n_clients must be a whole number of at least 3; you gave 2"):
        simulate_alliance_outcome(0.3, 2)
    with pytest.raises(ValueError, match="n_clients must be a whole number"):
        simulate_alliance_outcome(0.3, 10.5)
    with pytest.raises(ValueError, match="seed must be a whole number"):
        simulate_alliance_outcome(0.3, 100, seed=-1)
    with pytest.raises(ValueError, match="column"):
        above_median_shares_by_alliance(pd.DataFrame({"alliance": [1.0, 2.0]}))
    assert len(simulate_alliance_outcome(0.3, 100.0)) == 100


# --------------------------------------------------------------------------------------------------
# Therapist effects
# --------------------------------------------------------------------------------------------------


def _frame(groups: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(therapist, value) for therapist, values in enumerate(groups) for value in values],
        columns=["therapist_id", "outcome"],
    )


def test_icc_by_hand_balanced():
    # Groups (1, 2, 3) and (4, 5, 6): grand mean 3.5; MSB = 3 * (1.5^2 + 1.5^2) / 1 = 13.5;
    # MSW = (1 + 0 + 1 + 1 + 0 + 1) / 4 = 1; ICC(1) = (13.5 - 1) / (13.5 + 2 * 1) = 12.5 / 15.5.
    assert estimate_therapist_share(_frame([[1, 2, 3], [4, 5, 6]])) == pytest.approx(12.5 / 15.5, abs=1e-12)


def test_icc_by_hand_unbalanced():
    # Groups (1, 3) and (4, 5, 6): means 2 and 5, grand mean 3.8; SSB = 2 * 1.8^2 + 3 * 1.2^2 = 10.8 = MSB;
    # MSW = (1 + 1 + 1 + 0 + 1) / 3 = 4/3; n0 = 5 - (4 + 9) / 5 = 2.4;
    # ICC(1) = (10.8 - 4/3) / (10.8 + 1.4 * 4/3) = 0.747368421.
    expected = (10.8 - 4 / 3) / (10.8 + 1.4 * 4 / 3)
    assert estimate_therapist_share(_frame([[1, 3], [4, 5, 6]])) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.747368421, abs=1e-9)


def test_icc_shrout_fleiss_example():
    # Shrout & Fleiss (1979), Table 2: six targets each rated by four judges; one-way ICC(1,1) = .17.
    ratings = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    assert estimate_therapist_share(_frame(ratings)) == pytest.approx(0.17, abs=0.005)


def test_negative_icc_is_reported_as_zero():
    # Identical therapist means: MSB = 0 < MSW, so the raw ICC(1) is negative.
    assert estimate_therapist_share(_frame([[1, 5], [1, 5], [5, 1]])) == 0.0


def test_therapist_effects_frame():
    df = simulate_therapist_effects(10, 7, 0.05)
    assert list(df.columns) == ["therapist_id", "client_id", "outcome"]
    assert len(df) == 70
    assert df["client_id"].is_unique
    assert (df.groupby("therapist_id").size() == 7).all()
    assert df["therapist_id"].nunique() == 10
    pd.testing.assert_frame_equal(df, simulate_therapist_effects(10, 7, 0.05, seed=2005))


@pytest.mark.parametrize(("share", "tolerance"), [(0.0, 0.01), (0.05, 0.02), (0.2, 0.03), (0.5, 0.06)])
def test_therapist_share_is_recovered(share, tolerance):
    # 200 therapists x 50 clients: the sampling standard error of ICC(1) is below .02 for these shares.
    df = simulate_therapist_effects(200, 50, share)
    assert estimate_therapist_share(df) == pytest.approx(share, abs=tolerance)
    # The total outcome variance is 1 in the population; with 200 therapists the between-therapist part is
    # itself estimated with a standard error of about share * sqrt(2 / 199).
    assert df["outcome"].var() == pytest.approx(1.0, abs=0.03 + 0.3 * share)


def test_therapist_share_is_unbiased_across_seeds():
    estimates = [
        estimate_therapist_share(simulate_therapist_effects(60, 20, 0.1, seed=seed)) for seed in range(40)
    ]
    assert np.mean(estimates) == pytest.approx(0.1, abs=0.01)


def test_therapist_effects_input_mistakes():
    expected = r"therapist_share must be a proportion.*you gave 5\. Did you mean 0\.05\?"
    with pytest.raises(ValueError, match=expected):
        simulate_therapist_effects(10, 10, 5)
    with pytest.raises(ValueError, match="n_therapists must be a whole number of at least 2"):
        simulate_therapist_effects(1, 10, 0.05)
    with pytest.raises(ValueError, match="At least 2 therapists"):
        estimate_therapist_share(_frame([[1, 2, 3]]))


# --------------------------------------------------------------------------------------------------
# Between- and within-therapist alliance
# --------------------------------------------------------------------------------------------------


def test_decomposition_by_hand():
    # Therapist 0: alliance (1, 3), outcome (1, 3); therapist 1: alliance (5, 7), outcome (6, 4);
    # therapist 2: alliance (3, 5), outcome (7, 9).
    # Between: means alliance (2, 6, 4), outcome (2, 5, 8); centred (-2, 2, 0) and (-3, 0, 3):
    #   r = 6 / sqrt(8 * 18) = .5.
    # Within: deviations alliance (-1, 1, -1, 1, -1, 1), outcome (-1, 1, 1, -1, -1, 1): r = 2 / 6 = 1/3.
    # Total: centred alliance (-3, -1, 1, 3, -1, 1), outcome (-4, -2, 1, -1, 2, 4): r = 14 / sqrt(22 * 42).
    df = pd.DataFrame(
        {
            "therapist_id": [0, 0, 1, 1, 2, 2],
            "alliance": [1, 3, 5, 7, 3, 5],
            "outcome": [1, 3, 6, 4, 7, 9],
        }
    )
    parts = decompose_alliance_correlation(df)
    assert set(parts) == {"total_r", "between_r", "within_r"}
    assert parts["between_r"] == pytest.approx(0.5, abs=1e-12)
    assert parts["within_r"] == pytest.approx(1 / 3, abs=1e-12)
    assert parts["total_r"] == pytest.approx(14 / math.sqrt(22 * 42), abs=1e-12)


def test_therapist_variability_carries_the_correlation():
    # The pattern of Baldwin, Wampold & Imel (2007): outcome depends on the therapist's mean alliance only,
    # so within therapists a client's relative alliance predicts nothing, yet the overall correlation is
    # positive.
    df = simulate_alliance_multilevel(300, 30, 0.6, 0.0, 0.3)
    parts = decompose_alliance_correlation(df)
    assert abs(parts["within_r"]) < 0.03
    assert parts["total_r"] > 0.05
    assert parts["between_r"] > parts["total_r"]


def test_client_variability_shows_within_therapists():
    df = simulate_alliance_multilevel(300, 30, 0.0, 0.6, 0.3)
    parts = decompose_alliance_correlation(df)
    # Population within-therapist r: .6 * sqrt(.7) / sqrt(.36 * .7 + 1) = 0.4487.
    assert parts["within_r"] == pytest.approx(0.6 * math.sqrt(0.7) / math.sqrt(0.36 * 0.7 + 1), abs=0.03)
    assert parts["total_r"] > 0.2


def test_multilevel_frame():
    df = simulate_alliance_multilevel(20, 5, 0.5, 0.1, 0.2)
    assert list(df.columns) == ["therapist_id", "alliance", "outcome"]
    assert len(df) == 100
    assert (df.groupby("therapist_id").size() == 5).all()
    pd.testing.assert_frame_equal(df, simulate_alliance_multilevel(20, 5, 0.5, 0.1, 0.2, seed=2007))
    with pytest.raises(ValueError, match="At least 3 therapists"):
        decompose_alliance_correlation(df[df["therapist_id"] < 2])
    with pytest.raises(ValueError, match="therapist_alliance_share must be a proportion"):
        simulate_alliance_multilevel(20, 5, 0.5, 0.1, 1.0)


# --------------------------------------------------------------------------------------------------
# Speed: every function must respond instantly to a slider (under 50 ms for 1,000 clients)
# --------------------------------------------------------------------------------------------------


def _best_time(function, *args, **kwargs) -> float:
    function(*args, **kwargs)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        function(*args, **kwargs)
        timings.append(time.perf_counter() - start)
    return min(timings)


def test_functions_are_fast_for_1000_clients():
    alliance = simulate_alliance_outcome(0.3, 1000)
    therapists = simulate_therapist_effects(50, 20, 0.05)
    multilevel = simulate_alliance_multilevel(50, 20, 0.5, 0.0, 0.3)
    calls = [
        (simulate_alliance_outcome, (0.3, 1000)),
        (simulate_alliance_outcome, (0.3, 1000), {"exact": False}),
        (above_median_shares_by_alliance, (alliance,)),
        (simulate_therapist_effects, (50, 20, 0.05)),
        (estimate_therapist_share, (therapists,)),
        (simulate_alliance_multilevel, (50, 20, 0.5, 0.0, 0.3)),
        (decompose_alliance_correlation, (multilevel,)),
    ]
    for function, args, *rest in calls:
        kwargs = rest[0] if rest else {}
        assert _best_time(function, *args, **kwargs) < 0.050, function.__name__
