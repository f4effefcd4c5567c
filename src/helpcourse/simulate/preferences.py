"""A preference trial, simulated: clients get the approach they prefer (matched) or one they do not (not matched).

The model (module 05), with outcomes on a standardised scale (standard deviation 1 in each subgroup):

* A share ``strong_share`` of clients has a strong preference. Matched clients with a strong preference gain
  ``d``; every other client, matched or not, gains nothing from the allocation. The average effect of matching is
  therefore ``d * strong_share``.
* Not-matched clients drop out with probability ``non_matched_dropout``. The odds of dropout are
  ``dropout_odds_ratio`` times higher when not matched than when matched (the direction of Swift et al., 2018:
  above 1 means fewer dropouts when preferences are accommodated), so matched clients drop out with
  :func:`matched_dropout_rate`.
* Only the clients who stay are analysed: a two-sample t test (equal variances) on the difference in mean outcome,
  matched minus not matched.

:func:`simulate_preference_trial` simulates one trial client by client; :func:`simulated_power` simulates thousands
of trials at once from their summary statistics (exactly the distribution the client-by-client simulation gives,
in well under a millisecond per thousand trials), and :func:`expected_power` gives the closed-form power from the
expected numbers of completers (noncentral t). Every random number comes from ``numpy.random.default_rng`` streams
seeded by ``seed``; each quantity has its own stream, so adding clients leaves the earlier clients unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from helpcourse.preferences import rate_from_odds_ratio, wilson_interval

__all__ = [
    "PreferenceTrial",
    "average_matching_effect",
    "clients_to_randomise",
    "completers_needed",
    "expected_power",
    "matched_dropout_rate",
    "power_for_completers",
    "simulate_preference_trial",
    "simulated_power",
]

ALPHA = 0.05
_STREAMS = ("strong", "noise_matched", "noise_other", "dropout_matched", "dropout_other")


def matched_dropout_rate(non_matched_dropout: float, dropout_odds_ratio: float) -> float:
    """Dropout among matched clients when the odds of dropout are ``dropout_odds_ratio`` times higher unmatched.

    Example: 30% dropout when not matched and an odds ratio of 1.79 give 19.3% when matched (odds 0.429 / 1.79).
    """
    return rate_from_odds_ratio(non_matched_dropout, 1 / dropout_odds_ratio)


def average_matching_effect(d: float, strong_share: float) -> float:
    """The average standardised effect of matching: ``d`` for the share with a strong preference, 0 for the rest."""
    if not 0 <= strong_share <= 1:
        raise ValueError(f"strong_share should be a proportion between 0 and 1; you gave {strong_share:g}.")
    return float(d) * float(strong_share)


def _standardised_effect(d: float, strong_share: float) -> float:
    """Difference in means divided by the matched arm's outcome SD (the mixture adds d^2 s (1 - s) of variance)."""
    extra = d * d * strong_share * (1 - strong_share)
    return average_matching_effect(d, strong_share) / math.sqrt(1 + extra)


def _check_settings(n_per_arm: int, non_matched_dropout: float, dropout_odds_ratio: float) -> None:
    if int(n_per_arm) != n_per_arm or n_per_arm < 4:
        raise ValueError(f"n_per_arm should be a whole number of at least 4; you gave {n_per_arm}.")
    if not 0 <= non_matched_dropout < 1:
        raise ValueError(f"non_matched_dropout should be a proportion below 1; you gave {non_matched_dropout:g}.")
    if not dropout_odds_ratio > 0:
        raise ValueError(f"dropout_odds_ratio should be positive; you gave {dropout_odds_ratio:g}.")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children, strict=True)}


@dataclass(frozen=True)
class PreferenceTrial:
    """One simulated preference trial.

    Attributes
    ----------
    n_per_arm : int
        Clients randomised to each arm.
    lost_matched, lost_other : int
        Clients who dropped out of the matched and of the not-matched arm.
    mean_difference : float
        Mean outcome of matched completers minus that of not-matched completers (standardised units).
    ci_low, ci_high : float
        95% confidence interval of the difference (t distribution, pooled variance).
    p_value : float
        Two-sided p value of the t test.
    """

    n_per_arm: int
    lost_matched: int
    lost_other: int
    mean_difference: float
    ci_low: float
    ci_high: float
    p_value: float

    @property
    def dropout_matched(self) -> float:
        """Share of the matched arm who dropped out."""
        return self.lost_matched / self.n_per_arm

    @property
    def dropout_other(self) -> float:
        """Share of the not-matched arm who dropped out."""
        return self.lost_other / self.n_per_arm

    def dropout_interval(self, arm: str) -> tuple[float, float]:
        """95% Wilson interval of the dropout rate of ``arm`` ("matched" or "other")."""
        lost = {"matched": self.lost_matched, "other": self.lost_other}[arm]
        return wilson_interval(lost, self.n_per_arm)


def simulate_preference_trial(
    n_per_arm: int, d: float, strong_share: float, non_matched_dropout: float, dropout_odds_ratio: float,
    seed: int = 2018,
) -> PreferenceTrial:
    """Simulate one preference trial client by client and analyse the completers with a t test.

    Parameters
    ----------
    n_per_arm : int
        Clients randomised to each arm.
    d : float
        Gain of a matched client with a strong preference, in standard deviations.
    strong_share : float
        Share of clients with a strong preference (0-1).
    non_matched_dropout : float
        Dropout rate when not matched.
    dropout_odds_ratio : float
        Odds of dropout when not matched divided by the odds when matched.
    seed : int
        Seed of the random streams.

    Returns
    -------
    PreferenceTrial
        Dropout per arm and the difference in means with its 95% CI and p value.
    """
    _check_settings(n_per_arm, non_matched_dropout, dropout_odds_ratio)
    n = int(n_per_arm)
    rng = _streams(seed)
    strong = rng["strong"].random(n) < strong_share
    matched = rng["noise_matched"].standard_normal(n) + d * strong
    other = rng["noise_other"].standard_normal(n)
    p_matched = matched_dropout_rate(non_matched_dropout, dropout_odds_ratio)
    stay_matched = rng["dropout_matched"].random(n) >= p_matched
    stay_other = rng["dropout_other"].random(n) >= non_matched_dropout
    a, b = matched[stay_matched], other[stay_other]
    difference, low, high, p_value = _t_test(a, b)
    return PreferenceTrial(n, int(n - stay_matched.sum()), int(n - stay_other.sum()), difference, low, high,
                           p_value)


def _t_test(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> tuple[float, float, float, float]:
    """Difference in means, its 95% CI and the two-sided p value of Student's t test (NaN with too few clients)."""
    if a.size < 2 or b.size < 2:
        return (math.nan,) * 4
    df = a.size + b.size - 2
    pooled = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / df
    se = math.sqrt(pooled * (1 / a.size + 1 / b.size))
    difference = float(a.mean() - b.mean())
    margin = float(special.stdtrit(df, 0.975)) * se
    p_value = float(2 * special.stdtr(df, -abs(difference) / se)) if se > 0 else math.nan
    return difference, difference - margin, difference + margin, p_value


def _arm_summaries(
    rng_completers: np.random.Generator, rng_noise: np.random.Generator, n: int, dropout: float, strong_share: float,
    gain: float, n_trials: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Completers, mean and sum of squares of one arm in ``n_trials`` trials, drawn from their exact distribution.

    Completers m ~ Binomial(n, 1 - dropout); among them k ~ Binomial(m, strong_share) gain ``gain``. Given k, the
    two subgroup sums of standard-normal noise are N(0, k) and N(0, m - k), and the sum of squares within the
    subgroups is chi-square with m minus the number of non-empty subgroups degrees of freedom, independent of them.
    """
    m = rng_completers.binomial(n, 1 - dropout, size=n_trials).astype(float)
    k = rng_completers.binomial(m.astype(np.int64), strong_share).astype(float)
    z_strong, z_rest = rng_noise.standard_normal(n_trials), rng_noise.standard_normal(n_trials)
    groups = (k > 0).astype(float) + (m - k > 0).astype(float)
    within = rng_noise.chisquare(np.maximum(m - groups, 1.0))
    within = np.where(m - groups > 0, within, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_strong = np.where(k > 0, gain + z_strong / np.sqrt(np.maximum(k, 1)), 0.0)
        mean_rest = np.where(m - k > 0, z_rest / np.sqrt(np.maximum(m - k, 1)), 0.0)
        mean = np.where(m > 0, (k * mean_strong + (m - k) * mean_rest) / np.maximum(m, 1), 0.0)
    between = k * (mean_strong - mean) ** 2 + (m - k) * (mean_rest - mean) ** 2
    return m, mean, within + between


def simulated_power(
    n_per_arm: int, d: float, strong_share: float, non_matched_dropout: float, dropout_odds_ratio: float,
    n_trials: int = 2000, seed: int = 2018,
) -> float:
    """Share of ``n_trials`` simulated preference trials whose t test finds p < .05 (matched better or worse).

    Same model and analysis as :func:`simulate_preference_trial`, simulated from each trial's summary statistics,
    so 2,000 trials take about a millisecond. A trial with fewer than two completers in an arm counts as not
    significant.
    """
    _check_settings(n_per_arm, non_matched_dropout, dropout_odds_ratio)
    rng = _streams(seed + 1)
    p_matched = matched_dropout_rate(non_matched_dropout, dropout_odds_ratio)
    m1, mean1, ss1 = _arm_summaries(rng["dropout_matched"], rng["noise_matched"], int(n_per_arm), p_matched,
                                    strong_share, d, n_trials)
    m2, mean2, ss2 = _arm_summaries(rng["dropout_other"], rng["noise_other"], int(n_per_arm), non_matched_dropout,
                                    strong_share, 0.0, n_trials)
    valid = (m1 >= 2) & (m2 >= 2)
    df = np.where(valid, m1 + m2 - 2, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt((ss1 + ss2) / df * (1 / np.maximum(m1, 1) + 1 / np.maximum(m2, 1)))
        t_value = np.abs(mean1 - mean2) / se
    significant = valid & (t_value > special.stdtrit(df, 1 - ALPHA / 2))
    return float(significant.mean())


def power_for_completers(n_completers: Any, effect: float, alpha: float = ALPHA) -> Any:
    """Power of a two-sided t test with ``n_completers`` per arm and a standardised difference ``effect``.

    Uses the noncentral t distribution (exact for normal outcomes). Vectorised over ``n_completers``.
    Example: 64 per arm and d = 0.5 give 0.80.
    """
    m = np.asarray(n_completers, dtype=float)
    df = 2 * m - 2
    noncentrality = effect * np.sqrt(m / 2)
    critical = special.stdtrit(df, 1 - alpha / 2)
    power = 1 - special.nctdtr(df, noncentrality, critical) + special.nctdtr(df, noncentrality, -critical)
    return float(power) if np.ndim(power) == 0 else power


def expected_power(
    n_per_arm: Any, d: float, strong_share: float, non_matched_dropout: float, dropout_odds_ratio: float,
    alpha: float = ALPHA,
) -> Any:
    """Closed-form power of the preference trial from the expected numbers of completers (vectorised over n).

    The matched arm keeps ``n (1 - matched dropout)`` clients and the other ``n (1 - non_matched_dropout)``; the
    standardised effect is the average effect over the outcome SD of the matched arm. An approximation of
    :func:`simulated_power` (the numbers of completers vary from trial to trial, and the mixture is not normal).
    """
    n = np.asarray(n_per_arm, dtype=float)
    m1 = n * (1 - matched_dropout_rate(non_matched_dropout, dropout_odds_ratio))
    m2 = n * (1 - non_matched_dropout)
    df = np.maximum(m1 + m2 - 2, 1.0)
    noncentrality = _standardised_effect(d, strong_share) / np.sqrt(1 / m1 + 1 / m2)
    critical = special.stdtrit(df, 1 - alpha / 2)
    power = 1 - special.nctdtr(df, noncentrality, critical) + special.nctdtr(df, noncentrality, -critical)
    return float(power) if np.ndim(power) == 0 else power


def completers_needed(d: float, power: float = 0.8, alpha: float = ALPHA) -> int:
    """Smallest number of completers per arm for which a t test reaches ``power`` at effect ``d``.

    Example: d = 0.5 needs 64 per arm for 80% power (Cohen, 1988, Table 2.4.1).
    """
    if not d > 0:
        raise ValueError(f"d should be above 0; you gave {d:g}.")
    if not 0 < power < 1:
        raise ValueError(f"power should be a proportion between 0 and 1; you gave {power:g}.")
    guess = 2 * ((special.ndtri(1 - alpha / 2) + special.ndtri(power)) / d) ** 2
    n = max(2, int(math.floor(guess)) - 2)
    while power_for_completers(n, d, alpha) < power:
        n += 1
    return n


def clients_to_randomise(d: float, dropout: float, power: float = 0.8, alpha: float = ALPHA) -> int:
    """Clients to randomise per arm so that, after ``dropout``, the expected completers give ``power`` at ``d``.

    Example: d = 0.5 and 20% dropout: 64 completers / 0.8 = 80 clients per arm.
    """
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout should be a proportion below 1; you gave {dropout:g}.")
    return math.ceil(completers_needed(d, power, alpha) / (1 - dropout) - 1e-9)
