"""Tests for helpcourse.simulate.monitoring: exact expectations, hand counts, seeding and input checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpcourse.simulate.monitoring import (
    COMBINATIONS,
    alarm_counts,
    expected_policy_outcomes,
    matching_summary,
    simulate_monitoring_alarm,
    simulate_reactance_matching,
    threshold_for_false_alarms,
)

# --------------------------------------------------------------------------------------------------
# Reactance matching
# --------------------------------------------------------------------------------------------------


def test_matching_is_high_reactance_with_non_directive_or_low_with_directive():
    clients = simulate_reactance_matching(0.79, 0.5, n_clients=300, seed=1)
    expected = (clients["reactance"] == "high") == (clients["helper"] == "non-directive")
    assert (clients["matched"] == expected).all()
    assert set(clients["reactance"]) == {"low", "high"} and set(clients["helper"]) == {"directive", "non-directive"}


def test_same_seed_same_clients_and_the_effect_only_shifts_outcomes():
    a = simulate_reactance_matching(0.0, 0.4, n_clients=200, seed=5)
    b = simulate_reactance_matching(0.8, 0.4, n_clients=200, seed=5)
    pd.testing.assert_frame_equal(a[["reactance", "helper", "matched"]], b[["reactance", "helper", "matched"]])
    shift = b["outcome"] - a["outcome"]
    assert np.allclose(shift[b["matched"]], 0.4) and np.allclose(shift[~b["matched"]], -0.4)
    assert not simulate_reactance_matching(0.8, 0.4, n_clients=200, seed=6)["outcome"].equals(b["outcome"])


def test_share_of_high_reactance_is_respected_at_the_extremes():
    assert (simulate_reactance_matching(0.5, 0.0, n_clients=50)["reactance"] == "low").all()
    assert (simulate_reactance_matching(0.5, 1.0, n_clients=50)["reactance"] == "high").all()


def test_large_sample_recovers_the_matching_effect():
    clients = simulate_reactance_matching(0.79, 0.5, n_clients=200_000, seed=3)
    difference = clients.loc[clients["matched"], "outcome"].mean() - clients.loc[~clients["matched"], "outcome"].mean()
    assert difference == pytest.approx(0.79, abs=0.02)


def test_outcomes_are_centred_on_the_average_client_not_on_no_change():
    # The simulation's assumption (module 07, section 7.2): matched clients end d/2 above the average of all
    # clients and mismatched ones d/2 below, so with half of each the overall mean is 0, whatever d is. A negative
    # outcome is less benefit than the average client, not harm.
    for d in (0.0, 0.79, 1.5):
        clients = simulate_reactance_matching(d, 0.5, n_clients=200_000, seed=4)
        matched = clients.loc[clients["matched"], "outcome"].mean()
        mismatched = clients.loc[~clients["matched"], "outcome"].mean()
        assert (matched + mismatched) / 2 == pytest.approx(0.0, abs=0.01)
        assert matched == pytest.approx(d / 2, abs=0.01)
    assert "not harm" in (simulate_reactance_matching.__doc__ or "")


def test_matching_summary_by_hand():
    clients = pd.DataFrame(
        {
            "reactance": ["low", "low", "high", "high", "high"],
            "helper": ["directive", "directive", "directive", "non-directive", "non-directive"],
            "matched": [True, True, False, True, True],
            "outcome": [1.0, 0.0, -2.0, 0.5, 1.5],
        }
    )
    summary = matching_summary(clients)
    assert list(zip(summary["reactance"], summary["helper"], summary["matched"], strict=True)) == list(COMBINATIONS)
    assert summary["n"].tolist() == [2, 0, 1, 2]
    assert summary.loc[0, "mean_outcome"] == 0.5 and math.isnan(summary.loc[1, "mean_outcome"])
    assert summary.loc[2, "mean_outcome"] == -2.0 and summary.loc[3, "mean_outcome"] == 1.0


def test_expected_policy_outcomes_by_hand():
    # d = .8, 25% high reactance: always directive matches 75% (+.4) and mismatches 25% (-.4) -> .2.
    policies = expected_policy_outcomes(0.8, 0.25)
    assert policies["always_directive"] == pytest.approx(0.2)
    assert policies["always_non_directive"] == pytest.approx(-0.2)
    assert policies["matched"] == pytest.approx(0.4)
    assert expected_policy_outcomes(0.8, 0.5)["always_directive"] == pytest.approx(0.0)


@pytest.mark.parametrize(("d", "share"), [(-0.1, 0.5), (4, 0.5), (0.5, 1.5), (0.5, 50), (float("nan"), 0.5)])
def test_matching_rejects_impossible_settings(d, share):
    with pytest.raises(ValueError):
        simulate_reactance_matching(d, share)


# --------------------------------------------------------------------------------------------------
# The outcome-monitoring alarm
# --------------------------------------------------------------------------------------------------


def _toy_alarm() -> pd.DataFrame:
    return pd.DataFrame(
        {"deteriorating": [True, True, True, False, False, False, False], "rise": [6, 3, -1, 5, 2, 0, -4]}
    )


def test_alarm_counts_by_hand():
    counts = alarm_counts(_toy_alarm(), 3)
    # Alarm for rise >= 3: hits 6, 3; miss -1; false alarm 5; all-clears 2, 0, -4.
    assert counts == {
        "hits": 2,
        "misses": 1,
        "false_alarms": 1,
        "correct_all_clears": 3,
        "sensitivity": pytest.approx(2 / 3),
        "specificity": pytest.approx(3 / 4),
    }
    assert alarm_counts(_toy_alarm(), 100)["hits"] == 0
    assert alarm_counts(_toy_alarm(), -100)["specificity"] == 0.0


def test_threshold_for_false_alarms_by_hand():
    toy = _toy_alarm()
    # Non-deteriorating rises 5, 2, 0, -4: no false alarm needs t = 6; one allows t = 3; two allow t = 1.
    assert threshold_for_false_alarms(toy, 0) == 6
    assert threshold_for_false_alarms(toy, 1) == 3
    assert threshold_for_false_alarms(toy, 2) == 1
    for limit in range(4):
        t = threshold_for_false_alarms(toy, limit)
        assert alarm_counts(toy, t)["false_alarms"] <= limit < alarm_counts(toy, t - 1)["false_alarms"]


def test_alarm_simulation_is_seeded_bounded_and_separates_the_groups():
    clients = simulate_monitoring_alarm(n_clients=2000, seed=11)
    again = simulate_monitoring_alarm(n_clients=2000, seed=11)
    pd.testing.assert_frame_equal(clients, again)
    assert list(clients.columns) == ["deteriorating", "first_score", "check_score", "rise"]
    assert clients[["first_score", "check_score"]].stack().between(0, 27).all()
    assert (clients["rise"] == clients["check_score"] - clients["first_score"]).all()
    assert clients["deteriorating"].mean() == pytest.approx(0.1, abs=0.03)
    means = clients.groupby("deteriorating")["rise"].mean()
    assert means[True] > 0 > means[False]


def test_later_check_separates_better_and_same_seed_keeps_the_clients():
    early = simulate_monitoring_alarm(n_clients=3000, check_session=3, seed=4)
    late = simulate_monitoring_alarm(n_clients=3000, check_session=10, seed=4)
    assert (early["deteriorating"] == late["deteriorating"]).all()
    assert (early["first_score"] == late["first_score"]).all()
    assert alarm_counts(late, 3)["sensitivity"] > alarm_counts(early, 3)["sensitivity"]


def test_noise_free_alarm_has_no_errors_at_a_threshold_of_one_point():
    clients = simulate_monitoring_alarm(n_clients=500, check_session=8, noise_sd=0.0, seed=2)
    # Without noise, deteriorating clients' scores rise and the others' fall (or stay at the floor of 0).
    counts = alarm_counts(clients, 1)
    assert counts["false_alarms"] == 0
    assert counts["sensitivity"] > 0.9


@pytest.mark.parametrize(
    "kwargs", [{"n_clients": 1}, {"share_deteriorating": 2}, {"check_session": 1}, {"noise_sd": -1}, {"seed": -3}]
)
def test_alarm_rejects_impossible_settings(kwargs):
    with pytest.raises(ValueError):
        simulate_monitoring_alarm(**kwargs)
