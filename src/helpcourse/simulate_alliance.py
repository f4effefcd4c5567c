"""Alliance models of module 04: where an alliance-outcome correlation can come from, with exact expectations.

* :func:`expected_alliance_correlations` - the correlations that
  :func:`helpcourse.simulate.simulate_alliance_multilevel` produces on average, from its settings alone (between
  therapists, within therapists, and across all clients).
* :func:`alliance_levels` - the two levels of such data: one point per therapist (averages), and each client's
  distance from their own therapist's averages.
* :func:`simulate_early_improvement` - clients whose early improvement raises the alliance they report, so that the
  alliance correlates with the final outcome even when it does not cause any of it;
  :func:`alliance_outcome_correlations` gives the correlation before and after taking early improvement into
  account, and :func:`expected_early_improvement_correlations` their exact values.
* :func:`share_above_average_outcome` - what a share of outcome variance between therapists means for the clients of
  one therapist.

All randomness goes through ``numpy.random.default_rng(seed)`` with a visible default seed.

References
----------
Del Re, A. C., Flückiger, C., Horvath, A. O., Symonds, D., & Wampold, B. E. (2012). Therapist effects in the
therapeutic alliance-outcome relationship: A restricted-maximum likelihood meta-analysis. *Clinical Psychology
Review, 32*, 642-649. (The finding the between/within model illustrates; Baldwin, Wampold & Imel, 2007, *Journal of
Consulting and Clinical Psychology, 75*, 842-852, is consistent with it but only partly verified for the course.)
Flückiger, C., Del Re, A. C., Wlodasch, D., Horvath, A. O., Solomonov, N., & Wampold, B. E. (2020). Assessing the
alliance-outcome association adjusted for patient characteristics and treatment processes. *Journal of Counseling
Psychology, 67*, 706-711.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "alliance_levels",
    "alliance_outcome_correlations",
    "expected_alliance_correlations",
    "expected_early_improvement_correlations",
    "share_above_average_outcome",
    "simulate_early_improvement",
]


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; you gave {value!r}.")
    return float(value)


def _share(value: Any, name: str) -> float:
    number = _number(value, name)
    if not 0 <= number < 1:
        hint = f" Did you mean {number / 100:g}?" if 1 <= number <= 100 else ""
        raise ValueError(f"{name} must be a proportion from 0 up to (but not including) 1; you gave {number:g}.{hint}")
    return number


def _correlation_size(value: Any, name: str) -> float:
    number = _number(value, name)
    if not -1 < number < 1:
        raise ValueError(f"{name} must lie strictly between -1 and 1; you gave {number:g}.")
    return number


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value:g}.")
    return int(value)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of 0 or more (for example 2020); you gave {seed!r}.")
    return int(seed)


def _safe_ratio(numerator: float, denominator_squared: float) -> float:
    return 0.0 if denominator_squared <= 0 else numerator / math.sqrt(denominator_squared)


# --------------------------------------------------------------------------------------------------
# Therapist and client parts of the alliance
# --------------------------------------------------------------------------------------------------


def expected_alliance_correlations(
    between_therapist_slope: float,
    within_therapist_slope: float,
    therapist_alliance_share: float,
    clients_per_therapist: int,
) -> dict[str, float]:
    """The correlations the multilevel alliance model produces on average, computed from its settings.

    In :func:`helpcourse.simulate.simulate_alliance_multilevel`, alliance = T + C and outcome = b_B T + b_W C + e,
    with the therapist part T of variance s, the client part C of variance 1 - s and noise e of variance 1. So

    * across all clients: r = (b_B s + b_W (1 - s)) / sqrt(b_B^2 s + b_W^2 (1 - s) + 1);
    * within therapists (deviations from the therapist's true means): r = b_W sqrt(1 - s) / sqrt(b_W^2 (1 - s) + 1);
    * between therapists, using each therapist's mean over m clients (which still carries client noise):
      r = (b_B s + b_W (1 - s) / m) / sqrt((s + (1 - s) / m) (b_B^2 s + (b_W^2 (1 - s) + 1) / m)).

    Parameters
    ----------
    between_therapist_slope : float
        Change in outcome per unit of a therapist's mean alliance (b_B).
    within_therapist_slope : float
        Change in outcome per unit of a client's deviation from the therapist's mean alliance (b_W).
    therapist_alliance_share : float
        Share s of alliance variance between therapists, from 0 up to (but not including) 1.
    clients_per_therapist : int
        Number of clients m behind each therapist's mean, at least 1.

    Returns
    -------
    dict of str to float
        ``total_r``, ``between_r`` and ``within_r``, as named by
        :func:`helpcourse.simulate.decompose_alliance_correlation`. A correlation whose variance is 0 (no
        therapist differences at all) is reported as 0.
    """
    b_between = _number(between_therapist_slope, "between_therapist_slope")
    b_within = _number(within_therapist_slope, "within_therapist_slope")
    s = _share(therapist_alliance_share, "therapist_alliance_share")
    m = _count(clients_per_therapist, "clients_per_therapist", 1)
    total = _safe_ratio(b_between * s + b_within * (1 - s), b_between**2 * s + b_within**2 * (1 - s) + 1)
    within = _safe_ratio(b_within * math.sqrt(1 - s), b_within**2 * (1 - s) + 1)
    between = _safe_ratio(
        b_between * s + b_within * (1 - s) / m,
        (s + (1 - s) / m) * (b_between**2 * s + (b_within**2 * (1 - s) + 1) / m),
    )
    return {"total_r": total, "between_r": between, "within_r": within}


def alliance_levels(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split clients nested in therapists into therapist averages and within-therapist deviations.

    Parameters
    ----------
    df : pandas.DataFrame
        Clients with columns ``therapist_id``, ``alliance`` and ``outcome`` (as made by
        :func:`helpcourse.simulate.simulate_alliance_multilevel`).

    Returns
    -------
    tuple of pandas.DataFrame
        First, one row per therapist (in order of first appearance) with columns ``therapist_id``, ``alliance`` and
        ``outcome``: the therapist's average over their clients. Second, one row per client (in the input order)
        with the same columns: the client's alliance and outcome minus their own therapist's averages. The
        correlations of these two tables are ``between_r`` and ``within_r`` of
        :func:`helpcourse.simulate.decompose_alliance_correlation`.
    """
    columns = ("therapist_id", "alliance", "outcome")
    if not isinstance(df, pd.DataFrame) or any(column not in df.columns for column in columns):
        raise ValueError(f"Expected a data frame with columns {', '.join(columns)}.")
    if len(df) == 0:
        raise ValueError("The data frame is empty: there are no clients.")
    grouped = df.groupby("therapist_id", sort=False)
    means = grouped[["alliance", "outcome"]].mean().reset_index()
    deviations = pd.DataFrame(
        {
            "therapist_id": df["therapist_id"].to_numpy(),
            "alliance": (df["alliance"] - grouped["alliance"].transform("mean")).to_numpy(dtype=float),
            "outcome": (df["outcome"] - grouped["outcome"].transform("mean")).to_numpy(dtype=float),
        }
    )
    return means, deviations


def share_above_average_outcome(therapist_z: float, therapist_share: float) -> float:
    """Share of one therapist's clients whose outcome beats the average client's, for a therapist z SDs above average.

    With outcome = therapist effect + client deviation, the therapist effects of variance s and the client deviations
    of variance 1 - s (as in :func:`helpcourse.simulate.simulate_therapist_effects`), a therapist whose effect is z
    standard deviations above the average therapist has clients with mean z sqrt(s), so the share of them above the
    overall mean 0 is Phi(z sqrt(s) / sqrt(1 - s)).

    Parameters
    ----------
    therapist_z : float
        The therapist's position among therapists, in standard deviations (1 = better than about 84% of therapists).
    therapist_share : float
        Share of outcome variance between therapists, from 0 up to (but not including) 1 (0.05 is about 5%).

    Returns
    -------
    float
        A proportion between 0 and 1 (0.5 for an average therapist).

    Examples
    --------
    >>> round(share_above_average_outcome(1.0, 0.05), 3)
    0.591
    """
    z = _number(therapist_z, "therapist_z")
    s = _share(therapist_share, "therapist_share")
    return float(stats.norm.cdf(z * math.sqrt(s) / math.sqrt(1 - s)))


# --------------------------------------------------------------------------------------------------
# Early improvement raises the alliance
# --------------------------------------------------------------------------------------------------


def simulate_early_improvement(
    n_clients: int,
    early_to_alliance: float,
    alliance_to_outcome: float,
    *,
    early_to_outcome: float = 0.7,
    seed: int = 2020,
) -> pd.DataFrame:
    """Simulate clients whose early improvement shapes the alliance they report, and the final outcome.

    early_improvement ~ N(0, 1) is how much a client has improved by the session at which the alliance is rated;
    alliance = a * early_improvement + sqrt(1 - a^2) * u, with u ~ N(0, 1), so the alliance has variance 1 and
    correlates a with early improvement; outcome (improvement by the end of therapy) = c * early_improvement +
    b * alliance + e, with e ~ N(0, 1). With b = 0 the alliance has no effect at all on the outcome, yet it
    correlates with it, because both follow early improvement.

    Parameters
    ----------
    n_clients : int
        Number of clients, at least 4.
    early_to_alliance : float
        a: how strongly early improvement raises the alliance rating, strictly between -1 and 1.
    alliance_to_outcome : float
        b: the effect of the alliance itself on the final outcome (0 = none).
    early_to_outcome : float, default 0.7
        c: how much of the early improvement carries on into the final outcome.
    seed : int, default 2020
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        One row per client with columns ``early_improvement``, ``alliance``, ``outcome`` (float; higher is better)
        and ``improved_early`` (bool: early improvement above the average, 0).
    """
    n = _count(n_clients, "n_clients", 4)
    a = _correlation_size(early_to_alliance, "early_to_alliance")
    b = _number(alliance_to_outcome, "alliance_to_outcome")
    c = _number(early_to_outcome, "early_to_outcome")
    rng = np.random.default_rng(_seed(seed))
    early = rng.standard_normal(n)
    alliance = a * early + math.sqrt(1 - a**2) * rng.standard_normal(n)
    outcome = c * early + b * alliance + rng.standard_normal(n)
    return pd.DataFrame(
        {"early_improvement": early, "alliance": alliance, "outcome": outcome, "improved_early": early > 0}
    )


def alliance_outcome_correlations(df: pd.DataFrame) -> dict[str, float]:
    """The alliance-outcome correlation, and what is left of it once early improvement is taken into account.

    The adjusted value is the partial correlation
    (r_AO - r_AE r_OE) / sqrt((1 - r_AE^2)(1 - r_OE^2)), A alliance, O outcome, E early improvement: the
    correlation between the parts of alliance and outcome that early improvement does not predict.

    Parameters
    ----------
    df : pandas.DataFrame
        Clients with columns ``early_improvement``, ``alliance`` and ``outcome`` (as made by
        :func:`simulate_early_improvement`), at least 4 rows.

    Returns
    -------
    dict of str to float
        ``raw_r``: the plain correlation of alliance and outcome; ``adjusted_r``: the partial correlation
        controlling for early improvement.
    """
    columns = ("early_improvement", "alliance", "outcome")
    if not isinstance(df, pd.DataFrame) or any(column not in df.columns for column in columns):
        raise ValueError(f"Expected a data frame with columns {', '.join(columns)} (from simulate_early_improvement).")
    if len(df) < 4:
        raise ValueError(f"At least 4 clients are needed; the data have {len(df)}.")
    values = df[list(columns)].to_numpy(dtype=float)
    if (values.std(axis=0) == 0).any():
        raise ValueError("Early improvement, alliance and outcome must each vary between clients.")
    r = np.corrcoef(values, rowvar=False)
    r_ea, r_eo, r_ao = r[0, 1], r[0, 2], r[1, 2]
    adjusted = (r_ao - r_ea * r_eo) / math.sqrt((1 - r_ea**2) * (1 - r_eo**2))
    return {"raw_r": float(r_ao), "adjusted_r": float(adjusted)}


def expected_early_improvement_correlations(
    early_to_alliance: float, alliance_to_outcome: float, early_to_outcome: float = 0.7
) -> dict[str, float]:
    """The correlations :func:`alliance_outcome_correlations` gives on average, computed from the settings.

    With the model of :func:`simulate_early_improvement` (a, b, c as named there):
    raw r = (a c + b) / sqrt((c + a b)^2 + b^2 (1 - a^2) + 1) and
    adjusted r = b sqrt(1 - a^2) / sqrt(b^2 (1 - a^2) + 1), which is 0 whenever b = 0.

    Parameters
    ----------
    early_to_alliance, alliance_to_outcome, early_to_outcome : float
        a, b and c of :func:`simulate_early_improvement`.

    Returns
    -------
    dict of str to float
        ``raw_r`` and ``adjusted_r``.
    """
    a = _correlation_size(early_to_alliance, "early_to_alliance")
    b = _number(alliance_to_outcome, "alliance_to_outcome")
    c = _number(early_to_outcome, "early_to_outcome")
    raw = (a * c + b) / math.sqrt((c + a * b) ** 2 + b**2 * (1 - a**2) + 1)
    adjusted = b * math.sqrt(1 - a**2) / math.sqrt(b**2 * (1 - a**2) + 1)
    return {"raw_r": raw, "adjusted_r": adjusted}
