"""Tests for helpcourse.metaanalysis: hand-computed pooling, one effect per trial, filters, and the NHS tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpcourse import data, effects, metaanalysis


@pytest.fixture(scope="module")
def comparisons() -> pd.DataFrame:
    return data.load_metapsy_comparisons()


@pytest.fixture(scope="module")
def depression() -> pd.DataFrame:
    return data.load_nhstt_recovery_by_therapy("Depression")


def _table(rows: list[tuple[str, str, str, float, float, int]]) -> pd.DataFrame:
    """A small Metapsy-like table: study, therapy, control, g, g_se, rob."""
    return pd.DataFrame(rows, columns=["study", "condition_arm1", "condition_arm2", "g", "g_se", "rob"])


# --------------------------------------------------------------------------------------------------
# One effect per trial
# --------------------------------------------------------------------------------------------------


def test_two_outcomes_of_one_trial_average_with_three_quarters_of_the_variance():
    # Two effects with the same variance v that correlate .5: Var(mean) = (v + v + 2 * .5 * v) / 4 = 0.75 v.
    table = _table([("A, 2001", "cbt", "wl", 0.4, 0.2, 3), ("A, 2001", "cbt", "wl", 0.8, 0.2, 3)])
    out = metaanalysis.aggregate_within_trials(table)
    assert len(out) == 1
    assert out.loc[0, "g"] == pytest.approx(0.6)
    assert out.loc[0, "g_var"] == pytest.approx(0.75 * 0.04)
    assert out.loc[0, "n_comparisons"] == 2


def test_aggregation_variance_with_unequal_errors_and_other_correlations():
    table = _table([("A, 2001", "cbt", "wl", 0.1, 0.1, 4), ("A, 2001", "cbt", "cau", 0.5, 0.3, 2),
                    ("B, 2005", "cbt", "wl", 0.9, 0.25, 1)])
    independent = metaanalysis.aggregate_within_trials(table, rho=0.0).set_index("study")
    assert independent.loc["A, 2001", "g_var"] == pytest.approx((0.01 + 0.09) / 4)
    identical = metaanalysis.aggregate_within_trials(table, rho=1.0).set_index("study")
    assert identical.loc["A, 2001", "g_var"] == pytest.approx(0.2**2)  # the mean standard error, squared
    half = metaanalysis.aggregate_within_trials(table, rho=0.5).set_index("study")
    assert half.loc["A, 2001", "g_var"] == pytest.approx((0.01 + 0.09 + 2 * 0.5 * 0.1 * 0.3) / 4)
    assert half.loc["A, 2001", "rob"] == 2  # the lower risk-of-bias score of the two
    assert half.loc["B, 2005", "g_var"] == pytest.approx(0.25**2)  # a single effect keeps its variance


def test_different_therapy_types_of_one_trial_stay_separate():
    table = _table([("A, 2001", "cbt", "wl", 0.4, 0.2, 3), ("A, 2001", "pst", "wl", 0.8, 0.2, 3)])
    out = metaanalysis.aggregate_within_trials(table)
    assert sorted(out["therapy"]) == ["cbt", "pst"]
    assert out["g_var"].tolist() == pytest.approx([0.04, 0.04])


def test_rho_outside_zero_to_one_is_refused():
    table = _table([("A, 2001", "cbt", "wl", 0.4, 0.2, 3)])
    with pytest.raises(ValueError, match="rho"):
        metaanalysis.aggregate_within_trials(table, rho=1.5)


# --------------------------------------------------------------------------------------------------
# Pooling: known answers
# --------------------------------------------------------------------------------------------------

_SMALL = _table(
    [
        ("A, 2001", "cbt", "wl", 0.2, 0.2, 4),
        ("B, 2003", "cbt", "wl", 0.9, 0.3, 3),
        ("B, 2003", "cbt", "wl", 1.3, 0.3, 3),  # a second outcome of trial B
        ("C, 2010", "cbt", "cau", 0.5, 0.22, 2),
        ("D, 2015", "cbt", "wl", 1.4, 0.316, 1),
        ("E, 2016", "pst", "wl", 0.3, 0.2, 4),
    ]
)


def _dersimonian_laird_by_hand(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - fixed) ** 2)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    w_star = 1 / (v + tau2)
    estimate = np.sum(w_star * y) / np.sum(w_star)
    return float(estimate), float(math.sqrt(1 / np.sum(w_star))), float(tau2)


def test_dersimonian_laird_pooling_matches_a_hand_computation():
    # Waiting-list trials of CBT: A (0.2), B (mean of 0.9 and 1.3, variance 0.75 * 0.09), D (1.4).
    y = np.array([0.2, 1.1, 1.4])
    v = np.array([0.04, 0.75 * 0.09, 0.316**2])
    estimate, se, tau2 = _dersimonian_laird_by_hand(y, v)
    assert tau2 > 0  # the hand example is heterogeneous, so tau^2 is not truncated
    result = metaanalysis.pool_therapy_type(_SMALL, "cbt", control="wl", method="dl")
    assert result.k == 3
    assert result.estimate == pytest.approx(estimate, rel=1e-9)
    assert result.se == pytest.approx(se, rel=1e-9)
    assert result.tau2 == pytest.approx(tau2, rel=1e-9)
    assert result.ci_low == pytest.approx(estimate - 1.959964 * se, abs=1e-6)
    assert result.method == "DerSimonian-Laird"


def test_risk_of_bias_filter_drops_trials_before_pooling():
    # At least 3 of 4 criteria: A (4) and B (3) remain; D (1) and C (2) go.
    result = metaanalysis.pool_therapy_type(_SMALL, "cbt", control="all", min_rob=3, method="dl")
    y, v = np.array([0.2, 1.1]), np.array([0.04, 0.75 * 0.09])
    estimate, _, _ = _dersimonian_laird_by_hand(y, v)
    assert result.k == 2
    assert result.estimate == pytest.approx(estimate, rel=1e-9)


def test_too_few_trials_is_a_friendly_error():
    with pytest.raises(ValueError, match="at least 2"):
        metaanalysis.pool_therapy_type(_SMALL, "pst", control="wl")
    with pytest.raises(ValueError, match="therapy must be one of"):
        metaanalysis.pool_therapy_type(_SMALL, "counselling")
    with pytest.raises(ValueError, match="control must be one of"):
        metaanalysis.pool_therapy_type(_SMALL, "cbt", control="waitlist")
    with pytest.raises(ValueError, match="min_rob"):
        metaanalysis.pool_therapy_type(_SMALL, "cbt", min_rob=5)


def test_paule_mandel_tau2_solves_its_defining_equation(comparisons):
    # Paule-Mandel chooses tau^2 so that the generalised Q statistic equals its degrees of freedom, k - 1.
    trials = metaanalysis.aggregate_within_trials(metaanalysis.filter_comparisons(comparisons, "wl"))
    trials = trials[trials["therapy"] == "cbt"]
    result = metaanalysis.pool_therapy_type(comparisons, "cbt", control="wl", method="pm")
    w = 1 / (trials["g_var"].to_numpy() + result.tau2)
    mean = np.sum(w * trials["g"].to_numpy()) / np.sum(w)
    generalised_q = np.sum(w * (trials["g"].to_numpy() - mean) ** 2)
    assert generalised_q == pytest.approx(result.k - 1, rel=1e-3)
    assert result.estimate == pytest.approx(mean, rel=1e-6)


# --------------------------------------------------------------------------------------------------
# The real Metapsy data
# --------------------------------------------------------------------------------------------------


def test_filters_select_the_expected_rows(comparisons):
    assert len(metaanalysis.filter_comparisons(comparisons)) == 900
    wl = metaanalysis.filter_comparisons(comparisons, "wl")
    assert len(wl) == int((comparisons["condition_arm2"] == "wl").sum())
    assert set(wl["condition_arm2"].astype(str)) == {"wl"}
    strict = metaanalysis.filter_comparisons(comparisons, "cau", min_rob=4)
    assert len(strict) == int(((comparisons["condition_arm2"] == "cau") & (comparisons["rob"] == 4)).sum())


def test_cbt_against_waiting_list_pools_one_effect_per_trial(comparisons):
    rows = comparisons[(comparisons["condition_arm1"] == "cbt") & (comparisons["condition_arm2"] == "wl")]
    result = metaanalysis.pool_therapy_type(comparisons, "cbt", control="wl")
    assert result.k == rows["study"].nunique()
    trials = metaanalysis.aggregate_within_trials(rows)
    direct = effects.random_effects_meta(trials["g"], trials["g_var"], method="pm")
    assert result.estimate == pytest.approx(direct.estimate)
    assert result.method == "Paule-Mandel"
    assert result.ci_low < result.estimate < result.ci_high
    assert 0 <= result.i2 <= 100 and result.tau2 >= 0


def test_pooled_table_has_every_type_and_an_overall_row(comparisons):
    table = metaanalysis.pool_by_therapy_type(comparisons, control="wl")
    assert list(table["therapy"]) == [*metaanalysis.THERAPY_TYPES, "all"]
    assert table["k"].iloc[:-1].sum() == table["k"].iloc[-1]
    assert table["n_comparisons"].iloc[-1] == int((comparisons["condition_arm2"] == "wl").sum())
    ipt = table.set_index("therapy").loc["ipt"]
    assert ipt["estimate"] == pytest.approx(metaanalysis.pool_therapy_type(comparisons, "ipt", "wl").estimate)


def test_types_with_fewer_than_two_trials_are_listed_but_not_pooled(comparisons):
    table = metaanalysis.pool_by_therapy_type(comparisons, control="other ctr", min_rob=4).set_index("therapy")
    assert table.loc["sup", "k"] == 0 and math.isnan(table.loc["sup", "estimate"])
    singles = table[table["k"] == 1]
    assert len(singles) and singles["estimate"].isna().all()
    assert table.loc["cbt", "k"] >= 2 and not math.isnan(table.loc["cbt", "estimate"])


def test_metapsy_pooled_remembers_each_filter_and_returns_copies(comparisons):
    first = metaanalysis.metapsy_pooled("cau", 2)
    pd.testing.assert_frame_equal(first, metaanalysis.pool_by_therapy_type(comparisons, "cau", 2))
    first.loc[0, "estimate"] = 99.0
    assert metaanalysis.metapsy_pooled("cau", 2).loc[0, "estimate"] != 99.0
    info = metaanalysis._metapsy_pooled_cached.cache_info()
    metaanalysis.metapsy_pooled("cau", 2)
    assert metaanalysis._metapsy_pooled_cached.cache_info().hits == info.hits + 1


def test_count_multi_arm(comparisons):
    n_rows, n_trials = metaanalysis.count_multi_arm(comparisons)
    multi = comparisons[comparisons["multi_arm1"].notna()]
    assert (n_rows, n_trials) == (len(multi), multi["study"].nunique())
    assert 0 < n_trials < n_rows < 900


# --------------------------------------------------------------------------------------------------
# NHS Talking Therapies
# --------------------------------------------------------------------------------------------------


def test_nhs_recovery_lines_keep_the_published_rates(depression):
    lines = metaanalysis.nhs_recovery_lines(depression)
    assert list(dict.fromkeys(lines["therapy_type"])) == list(metaanalysis.NHS_THERAPY_TYPES)
    assert list(dict.fromkeys(lines["label"])) == list(metaanalysis.NHS_THERAPY_TYPES.values())
    cbt = lines[lines["label"] == "CBT"]
    assert list(cbt["reporting_period"]) == sorted(cbt["reporting_period"])
    # The published percentage is recovered / (courses - not at caseness), to one decimal.
    recomputed = 100 * lines["n_recovered"] / lines["n_at_caseness"]
    assert np.allclose(recomputed, lines["recovery_pct"], atol=0.06)
    source = depression[
        (depression["therapy_type"] == "Counselling for Depression") & (depression["reporting_period"] == "2024-25")
    ]
    row = lines[(lines["label"] == "Counselling for depression") & (lines["reporting_period"] == "2024-25")]
    assert float(row["recovery_pct"].iloc[0]) == pytest.approx(float(source["recovery_pct"].iloc[0]))


def test_nhs_recovery_lines_refuse_mixed_problems_and_unknown_types(depression):
    with pytest.raises(ValueError, match="several presenting problems"):
        metaanalysis.nhs_recovery_lines(data.load_nhstt_recovery_by_therapy(None))
    with pytest.raises(ValueError, match="No rows for therapy type"):
        metaanalysis.nhs_recovery_lines(depression, ["Hypnotherapy"])
    one = metaanalysis.nhs_recovery_lines(depression, ["Counselling for Depression"])
    assert set(one["label"]) == {"Counselling for depression"}


def test_confidence_interval_is_the_normal_one(comparisons):
    result = metaanalysis.pool_therapy_type(comparisons, "bat", control="cau")
    z = stats.norm.ppf(0.975)
    assert result.ci_high - result.ci_low == pytest.approx(2 * z * result.se)
