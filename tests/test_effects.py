"""Known-answer tests for helpcourse.effects.

Each expected value is either a hand computation shown in the test or a published worked example,
cited next to the assertion.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from helpcourse.effects import (
    MetaAnalysisResult,
    cohens_u3,
    d_to_log_odds_ratio,
    d_to_odds_ratio,
    d_to_r,
    fisher_z,
    fisher_z_to_r,
    fixed_effect_meta,
    hedges_g,
    log_odds_ratio_and_variance,
    log_odds_ratio_to_d,
    number_needed_to_treat,
    odds_ratio,
    odds_ratio_to_d,
    probability_of_superiority,
    proportion_above_median_by_half,
    r_to_d,
    random_effects_meta,
    risk_difference,
    risk_ratio,
    variance_explained,
)

# --------------------------------------------------------------------------------------------------
# r, d and odds ratios
# --------------------------------------------------------------------------------------------------


def test_r_to_d_alliance_meta_analysis():
    # Flückiger, Del Re, Wampold & Horvath (2018), Psychotherapy 55, 316-340: r = .278, i.e. d = .579.
    assert r_to_d(0.278) == pytest.approx(0.579, abs=5e-4)
    # Hand: 2 * .5 / sqrt(1 - .25) = 1 / sqrt(.75) = 1.154700538.
    assert r_to_d(0.5) == pytest.approx(1.154700538, abs=1e-9)
    assert r_to_d(0.0) == 0.0
    assert r_to_d(-0.5) == pytest.approx(-1.154700538, abs=1e-9)


def test_r_to_d_accepts_arrays():
    result = r_to_d(np.array([0.0, 0.5, -0.5]))
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [0.0, 1.154700538, -1.154700538], atol=1e-9)
    assert isinstance(r_to_d(0.3), float)


def test_d_to_r_equal_groups():
    # Hand: .8 / sqrt(.8^2 + 4) = .8 / sqrt(4.64) = 0.371390676 (the d = .8 of psychotherapy vs no treatment).
    assert d_to_r(0.8) == pytest.approx(0.371390676, abs=1e-9)
    # Equal groups given explicitly: a = (50 + 50)^2 / (50 * 50) = 4, so the same answer.
    assert d_to_r(0.8, n1=50, n2=50) == pytest.approx(d_to_r(0.8), abs=1e-12)


def test_d_to_r_unequal_groups():
    # Borenstein et al. (2009, ch. 7) formula; hand: a = (20 + 80)^2 / (20 * 80) = 6.25,
    # r = .5 / sqrt(.25 + 6.25) = .5 / 2.549509757 = 0.196116135.
    assert d_to_r(0.5, n1=20, n2=80) == pytest.approx(0.196116135, abs=1e-9)


def test_d_to_r_needs_both_group_sizes():
    with pytest.raises(ValueError, match="both group sizes"):
        d_to_r(0.5, n1=20)


@pytest.mark.parametrize("r", [-0.9, -0.278, 0.0, 0.1, 0.278, 0.6, 0.95])
def test_r_and_d_round_trip(r):
    assert d_to_r(r_to_d(r)) == pytest.approx(r, abs=1e-12)


def test_log_odds_ratio_conversions():
    # Borenstein et al. (2009, ch. 7) worked example: d = 0.5 corresponds to ln(OR) = 0.9069.
    # Hand: 0.5 * pi / sqrt(3) = 0.906899682.
    assert d_to_log_odds_ratio(0.5) == pytest.approx(0.906899682, abs=1e-9)
    assert log_odds_ratio_to_d(0.906899682) == pytest.approx(0.5, abs=1e-9)
    # Hand: exp(0.906899682) = 2.476632.
    assert d_to_odds_ratio(0.5) == pytest.approx(2.476632, abs=1e-6)
    assert odds_ratio_to_d(2.476632) == pytest.approx(0.5, abs=1e-6)
    assert odds_ratio_to_d(1.0) == 0.0


def test_fisher_z():
    # Borenstein et al. (2009, ch. 6): r = .50 gives z = .5493.
    # Hand: 0.5 * ln(1.5 / 0.5) = 0.5 * ln 3 = 0.549306144.
    assert fisher_z(0.5) == pytest.approx(0.549306144, abs=1e-9)
    assert fisher_z_to_r(0.549306144) == pytest.approx(0.5, abs=1e-9)
    assert fisher_z(0.0) == 0.0


def test_variance_explained():
    # Hand: .278^2 = .077284 (the alliance "explains" under 8% of outcome variance).
    assert variance_explained(0.278) == pytest.approx(0.077284, abs=1e-12)
    assert variance_explained(-1.0) == 1.0


# --------------------------------------------------------------------------------------------------
# Plain-language displays
# --------------------------------------------------------------------------------------------------


def test_probability_of_superiority():
    # McGraw & Wong (1992): Phi(d / sqrt 2). Hand, using Phi(x) = (1 + erf(x / sqrt 2)) / 2:
    # Phi(.8 / sqrt 2) = (1 + erf(.4)) / 2 = (1 + 0.428392355) / 2 = 0.714196178.
    assert probability_of_superiority(0.8) == pytest.approx(0.714196178, abs=1e-9)
    assert probability_of_superiority(0.8) == pytest.approx((1 + math.erf(0.4)) / 2, abs=1e-12)
    assert probability_of_superiority(0.0) == 0.5


@pytest.mark.parametrize(("d", "u3"), [(0.2, 0.579), (0.5, 0.691), (0.8, 0.788), (0.0, 0.5)])
def test_cohens_u3_table(d, u3):
    # Cohen (1988), Table 2.2.1: U3 = 57.9%, 69.1% and 78.8% for d = .2, .5 and .8.
    assert cohens_u3(d) == pytest.approx(u3, abs=5e-4)


def test_proportion_above_median_by_half_exact():
    # Hand: arcsin(.5) = pi / 6, so 1/2 +- 1/6 = 2/3 and 1/3.
    upper, lower = proportion_above_median_by_half(0.5)
    assert upper == pytest.approx(2 / 3, abs=1e-12)
    assert lower == pytest.approx(1 / 3, abs=1e-12)
    assert proportion_above_median_by_half(0.0) == (0.5, 0.5)
    assert proportion_above_median_by_half(1.0) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_proportion_above_median_by_half_matches_bivariate_normal():
    # Sheppard's orthant probability: P(X > 0, Y > 0) = 1/4 + arcsin(r) / (2 pi). Cross-check with the
    # bivariate normal distribution function: P(X > 0, Y > 0) = P(X < 0, Y < 0) by symmetry.
    r = 0.278
    both_above = stats.multivariate_normal(mean=[0, 0], cov=[[1, r], [r, 1]]).cdf([0, 0])
    upper, lower = proportion_above_median_by_half(r)
    assert upper == pytest.approx(2 * both_above, abs=1e-5)
    assert lower == pytest.approx(1 - 2 * both_above, abs=1e-5)
    # Hand: arcsin(.278) / pi = 0.281725 / pi = 0.089676, so about 59% vs 41%.
    assert upper == pytest.approx(0.5897, abs=1e-4)


# --------------------------------------------------------------------------------------------------
# Effect sizes from study results
# --------------------------------------------------------------------------------------------------


def test_hedges_g_borenstein_example():
    # Borenstein et al. (2009, ch. 4) worked example: means 103 and 100, SDs 5.5 and 4.5, n = 50 each:
    # S_within = 5.0249, d = 0.5970, J = 0.9923, g = 0.5924.
    # Hand: S = sqrt((49 * 30.25 + 49 * 20.25) / 98) = sqrt(25.25); J = 1 - 3 / 391.
    g = hedges_g(103, 5.5, 50, 100, 4.5, 50)
    assert g == pytest.approx((1 - 3 / 391) * 3 / math.sqrt(25.25), abs=1e-12)
    assert g == pytest.approx(0.5924, abs=5e-5)
    assert hedges_g(100, 4.5, 50, 103, 5.5, 50) == pytest.approx(-g, abs=1e-12)


def test_two_by_two_borenstein_example():
    # Borenstein et al. (2009, ch. 5) worked example: 5 of 100 treated and 10 of 100 controls have the event.
    # Odds ratio (5 * 90) / (95 * 10) = 0.4737; ln OR = -0.7472; V = 1/5 + 1/95 + 1/10 + 1/90 = 0.3216.
    # Risk ratio (5 / 100) / (10 / 100) = 0.5; risk difference .05 - .10 = -.05.
    assert odds_ratio(5, 100, 10, 100) == pytest.approx(450 / 950, abs=1e-12)
    log_or, variance = log_odds_ratio_and_variance(5, 100, 10, 100)
    assert log_or == pytest.approx(-0.7472, abs=5e-5)
    assert variance == pytest.approx(1 / 5 + 1 / 95 + 1 / 10 + 1 / 90, abs=1e-12)
    assert variance == pytest.approx(0.3216, abs=5e-5)
    assert risk_ratio(5, 100, 10, 100) == pytest.approx(0.5, abs=1e-12)
    assert risk_difference(5, 100, 10, 100) == pytest.approx(-0.05, abs=1e-12)


def test_number_needed_to_treat():
    # Hand: 1 / |-.05| = 20 (the Borenstein example above); 1 / .25 = 4.
    assert number_needed_to_treat(-0.05) == pytest.approx(20.0, abs=1e-9)
    assert number_needed_to_treat(0.25) == pytest.approx(4.0, abs=1e-12)
    assert number_needed_to_treat(0.0) == math.inf


def test_zero_cell_correction_only_where_needed():
    # Hand, with 0.5 added to every cell of the first table only (0 of 10 vs 5 of 10):
    # cells .5, 10.5, 5.5, 5.5; ln OR = ln(.5 * 5.5 / (10.5 * 5.5)) = ln(1 / 21) = -3.044522438;
    # V = 1/.5 + 1/10.5 + 2/5.5 = 2.458874459. The second table (5 of 100 vs 10 of 100) is left as it is.
    log_or, variance = log_odds_ratio_and_variance([0, 5], [10, 100], [5, 10], [10, 100])
    np.testing.assert_allclose(log_or, [-math.log(21), math.log(450 / 950)], atol=1e-12)
    expected_variance = [2 + 1 / 10.5 + 2 / 5.5, 1 / 5 + 1 / 95 + 1 / 10 + 1 / 90]
    np.testing.assert_allclose(variance, expected_variance, atol=1e-12)
    assert math.isfinite(odds_ratio(0, 10, 5, 10))
    assert math.isfinite(risk_ratio(5, 10, 0, 10))


# --------------------------------------------------------------------------------------------------
# Messages a student can read
# --------------------------------------------------------------------------------------------------


def test_percent_instead_of_correlation_is_explained():
    expected = r"r must be strictly between -1 and 1; you gave 28\. Did you mean 0\.28\?"
    with pytest.raises(ValueError, match=expected):
        r_to_d(28)
    with pytest.raises(ValueError, match=r"between -1 and 1; you gave 32\. Did you mean 0\.32\?"):
        proportion_above_median_by_half(32)


def test_perfect_correlation_has_no_d():
    with pytest.raises(ValueError, match="exactly 1 or -1"):
        r_to_d(1.0)
    with pytest.raises(ValueError, match="strictly between"):
        fisher_z(-1.0)


@pytest.mark.parametrize("bad", ["abc", None, float("nan"), float("inf"), True, []])
def test_non_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="r must"):
        r_to_d(bad)


def test_count_mistakes_are_explained():
    with pytest.raises(ValueError, match="events_a cannot exceed n_a"):
        odds_ratio(120, 100, 10, 100)
    with pytest.raises(ValueError, match="events_b cannot be negative"):
        risk_difference(5, 100, -1, 100)
    with pytest.raises(ValueError, match="n_b must be greater than 0"):
        risk_ratio(5, 100, 0, 0)
    with pytest.raises(ValueError, match="the odds ratio must be greater than 0"):
        odds_ratio_to_d(0)
    with pytest.raises(ValueError, match="sd2 must be greater than 0"):
        hedges_g(1, 1, 10, 0, 0, 10)
    with pytest.raises(ValueError, match="n1 must be at least 2"):
        hedges_g(1, 1, 1, 0, 1, 10)


# --------------------------------------------------------------------------------------------------
# Meta-analysis
# --------------------------------------------------------------------------------------------------

# metafor's dat.bcg (Colditz et al., 1994): BCG vaccine trials; tpos, tneg, cpos, cneg.
BCG = np.array(
    [
        (4, 119, 11, 128),
        (6, 300, 29, 274),
        (3, 228, 11, 209),
        (62, 13536, 248, 12619),
        (33, 5036, 47, 5761),
        (180, 1361, 372, 1079),
        (8, 2537, 10, 619),
        (505, 87886, 499, 87892),
        (29, 7470, 45, 7232),
        (17, 1699, 65, 1600),
        (186, 50448, 141, 27197),
        (5, 2493, 3, 2338),
        (27, 16886, 29, 17825),
    ],
    dtype=float,
)


def _bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    # ln RR = ln((a / n1) / (c / n2)); V = 1/a - 1/n1 + 1/c - 1/n2 (Borenstein et al., 2009, ch. 5).
    tpos, tneg, cpos, cneg = BCG.T
    n1, n2 = tpos + tneg, cpos + cneg
    return np.log((tpos / n1) / (cpos / n2)), 1 / tpos - 1 / n1 + 1 / cpos - 1 / n2


def _hand_dersimonian_laird(y: np.ndarray, v: np.ndarray) -> dict[str, float]:
    # DerSimonian & Laird (1986): tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1 / v.
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - fixed) ** 2))
    k = y.size
    tau2 = max(0.0, (q - (k - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_star = 1 / (v + tau2)
    return {
        "estimate": float(np.sum(w_star * y) / np.sum(w_star)),
        "se": float(1 / math.sqrt(np.sum(w_star))),
        "tau2": float(tau2),
        "q": q,
        "i2": 100 * max(0.0, (q - (k - 1)) / q),
        "fixed": float(fixed),
        "fixed_se": float(1 / math.sqrt(np.sum(w))),
    }


def _hand_paule_mandel_tau2(y: np.ndarray, v: np.ndarray) -> float:
    # Paule & Mandel (1982): the tau2 at which the generalised Q, sum w (y - mu_w)^2 with w = 1 / (v + tau2),
    # equals its expectation k - 1 (0 if Q < k - 1 already at tau2 = 0).
    def excess(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return float(np.sum(w * (y - mu) ** 2)) - (y.size - 1)

    return 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, 100.0, xtol=1e-14)


def test_bcg_dersimonian_laird_matches_metafor():
    # metafor's test suite (tests/testthat/test_misc_rma_vs_metan_with_dat.bcg.r; agrees with Stata metan):
    # rma(yi, vi, method = "DL") on log risk ratios: estimate -0.7141, 95% CI -1.0644 to -0.3638,
    # tau2 0.3088, I2 92.1173%, Q 152.2330; z = -3.9952, hence se = 0.7141 / 3.9952 = 0.1787.
    y, v = _bcg_log_risk_ratios()
    result = random_effects_meta(y, v, method="dl")
    assert isinstance(result, MetaAnalysisResult)
    assert result.method == "DerSimonian-Laird"
    assert result.k == 13
    assert result.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert result.se == pytest.approx(0.1787, abs=5e-5)
    assert result.ci_low == pytest.approx(-1.0644, abs=5e-5)
    assert result.ci_high == pytest.approx(-0.3638, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert result.i2 == pytest.approx(92.1173, abs=5e-5)
    assert result.q == pytest.approx(152.2330, abs=5e-5)
    assert result.estimate / result.se == pytest.approx(-3.9952, abs=5e-5)
    assert result.q_pvalue < 1e-20


def test_bcg_dersimonian_laird_matches_hand_formula():
    y, v = _bcg_log_risk_ratios()
    hand = _hand_dersimonian_laird(y, v)
    result = random_effects_meta(y, v, method="dl")
    for field in ("estimate", "se", "tau2", "q", "i2"):
        assert getattr(result, field) == pytest.approx(hand[field], rel=1e-10), field
    # Hand values, printed to the precision quoted in metafor's output.
    assert round(hand["estimate"], 4) == -0.7141
    assert round(hand["tau2"], 4) == 0.3088
    assert round(hand["i2"], 2) == 92.12
    assert round(hand["q"], 2) == 152.23


def test_bcg_fixed_effect_matches_metafor():
    # metafor's test suite (as above), method = "FE" on log risk ratios: estimate -0.4303,
    # 95% CI -0.5097 to -0.3509, z = -10.6247, Q 152.2330.
    y, v = _bcg_log_risk_ratios()
    result = fixed_effect_meta(y, v)
    hand = _hand_dersimonian_laird(y, v)
    assert result.method == "fixed effect"
    assert result.tau2 == 0.0
    assert result.estimate == pytest.approx(-0.4303, abs=5e-5)
    assert result.ci_low == pytest.approx(-0.5097, abs=5e-5)
    assert result.ci_high == pytest.approx(-0.3509, abs=5e-5)
    assert result.estimate / result.se == pytest.approx(-10.6247, abs=5e-4)
    assert result.q == pytest.approx(152.2330, abs=5e-5)
    assert result.estimate == pytest.approx(hand["fixed"], rel=1e-12)
    assert result.se == pytest.approx(hand["fixed_se"], rel=1e-12)


def test_bcg_log_odds_ratios_match_metafor():
    # metafor's test suite (as above) with measure = "OR": DL estimate -0.7474, CI -1.1242 to -0.3706,
    # tau2 0.3663, I2 92.6455%; FE estimate -0.4361, Q 163.1649. No BCG trial has an empty cell,
    # so log_odds_ratio_and_variance applies no correction here.
    tpos, tneg, cpos, cneg = BCG.T
    y, v = log_odds_ratio_and_variance(tpos, tpos + tneg, cpos, cpos + cneg)
    random = random_effects_meta(y, v, method="dl")
    assert random.estimate == pytest.approx(-0.7474, abs=5e-5)
    assert random.ci_low == pytest.approx(-1.1242, abs=5e-5)
    assert random.ci_high == pytest.approx(-0.3706, abs=5e-5)
    assert random.tau2 == pytest.approx(0.3663, abs=5e-5)
    assert random.i2 == pytest.approx(92.6455, abs=5e-5)
    fixed = fixed_effect_meta(y, v)
    assert fixed.estimate == pytest.approx(-0.4361, abs=5e-5)
    assert fixed.q == pytest.approx(163.1649, abs=5e-5)


def test_bcg_paule_mandel_matches_hand_root():
    y, v = _bcg_log_risk_ratios()
    tau2 = _hand_paule_mandel_tau2(y, v)
    w = 1 / (v + tau2)
    result = random_effects_meta(y, v, method="pm")
    assert result.method == "Paule-Mandel"
    assert result.tau2 == pytest.approx(tau2, rel=1e-8)
    assert result.estimate == pytest.approx(np.sum(w * y) / np.sum(w), abs=1e-9)
    assert result.se == pytest.approx(1 / math.sqrt(np.sum(w)), abs=1e-9)
    # Paule-Mandel is the default.
    assert random_effects_meta(y, v) == result


def test_two_study_meta_by_hand():
    # Effects 0 and 2, variances .5 each: w = 2, FE mean 1, Q = 2 * 1 + 2 * 1 = 4 on 1 df, I2 = 75%,
    # DL tau2 = (4 - 1) / (4 - 8 / 4) = 1.5; RE weights 1 / 2 each, mean 1, se = 1 / sqrt(1) = 1.
    # Paule-Mandel: 2 * 1 / (.5 + tau2) = 1 gives the same tau2 = 1.5.
    # P(chi2_1 > 4) = erfc(2 / sqrt 2) = 0.0455.
    for method in ("dl", "pm"):
        result = random_effects_meta([0.0, 2.0], [0.5, 0.5], method=method)
        assert result.estimate == pytest.approx(1.0, abs=1e-9)
        assert result.se == pytest.approx(1.0, abs=1e-6)
        assert result.tau2 == pytest.approx(1.5, abs=1e-6)
        assert result.i2 == pytest.approx(75.0, abs=1e-9)
        assert result.q == pytest.approx(4.0, abs=1e-12)
        assert result.q_pvalue == pytest.approx(math.erfc(2 / math.sqrt(2)), abs=1e-12)
    fixed = fixed_effect_meta([0.0, 2.0], [0.5, 0.5])
    assert fixed.se == pytest.approx(0.5, abs=1e-12)  # 1 / sqrt(2 + 2)


def test_homogeneous_studies_have_no_heterogeneity():
    # Effects 0 and 1, variances .5: Q = 2 * .25 * 2 = 1 = k - 1, so I2 = 0 and tau2 = 0;
    # P(chi2_1 > 1) = erfc(1 / sqrt 2) = 0.3173.
    result = random_effects_meta([0.0, 1.0], [0.5, 0.5], method="dl")
    assert result.tau2 == pytest.approx(0.0, abs=1e-12)
    assert result.i2 == pytest.approx(0.0, abs=1e-9)
    assert result.q_pvalue == pytest.approx(math.erfc(1 / math.sqrt(2)), abs=1e-12)


def test_result_is_frozen():
    result = fixed_effect_meta([0.0, 1.0], [0.5, 0.5])
    with pytest.raises(AttributeError):
        result.estimate = 3.0  # type: ignore[misc]


def test_meta_analysis_input_mistakes():
    with pytest.raises(ValueError, match="REML is not available"):
        random_effects_meta([0.1, 0.2], [0.01, 0.02], method="reml")
    with pytest.raises(ValueError, match="method must be 'pm'"):
        random_effects_meta([0.1, 0.2], [0.01, 0.02], method="hedges")
    with pytest.raises(ValueError, match="3 effects and 2 variances"):
        random_effects_meta([0.1, 0.2, 0.3], [0.01, 0.02])
    with pytest.raises(ValueError, match="at least 2 studies"):
        fixed_effect_meta([0.1], [0.01])
    with pytest.raises(ValueError, match="square them"):
        fixed_effect_meta([0.1, 0.2], [0.01, -0.02])


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_homogeneous_studies_truncate_tau2_at_zero(method):
    # Three nearly identical effects: Q (0.02) < df (2), so the DerSimonian-Laird moment estimate is negative
    # and must be truncated at 0; the pooled result is then the fixed-effect one: mean 0.30, se sqrt(0.01 / 3).
    result = random_effects_meta([0.3, 0.31, 0.29], [0.01] * 3, method=method)
    assert result.tau2 == 0.0
    assert result.estimate == pytest.approx(0.30)
    assert result.se == pytest.approx((0.01 / 3) ** 0.5)
