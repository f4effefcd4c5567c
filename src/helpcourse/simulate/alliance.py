"""Seeded simulations of clients and therapists and the alliance models of modules 01 and 04.

Each simulation draws all its random numbers from ``numpy.random.default_rng(seed)``, so the same seed
always gives the same clients: a figure in the notes, an exercise and its model answer all agree. The
seed is a keyword argument with a visible default; change it to see another sample from the same world.

* :func:`simulate_alliance_outcome` - clients whose alliance and outcome correlate exactly as chosen, and
  :func:`above_median_shares_by_alliance` - the share of each alliance half above the median outcome.
* :func:`simulate_therapist_effects` - clients nested in therapists who differ in their average outcome.
* :func:`simulate_alliance_multilevel` - alliance as a property of both therapist and client
  (Baldwin, Wampold & Imel, 2007).

Alliance models of module 04 (where an alliance-outcome correlation can come from), with exact expectations:

* :func:`expected_alliance_correlations` - the correlations that
  :func:`simulate_alliance_multilevel` produces on average, from its settings alone (between
  therapists, within therapists, and across all clients).
* :func:`alliance_levels` - the two levels of such data: one point per therapist (averages), and each client's
  distance from their own therapist's averages.
* :func:`simulate_early_improvement` - clients whose early improvement raises the alliance they report, so that the
  alliance correlates with the final outcome even when it does not cause any of it;
  :func:`alliance_outcome_correlations` gives the correlation before and after taking early improvement into
  account, and :func:`expected_early_improvement_correlations` their exact values.
* :func:`share_above_average_outcome` - what a share of outcome variance between therapists means for the clients of
  one therapist.

References
----------
Baldwin, S. A., & Imel, Z. E. (2013). Therapist effects: Findings and methods. In M. J. Lambert (Ed.),
*Bergin and Garfield's handbook of psychotherapy and behavior change* (6th ed., pp. 258-297). Wiley.
Baldwin, S. A., Wampold, B. E., & Imel, Z. E. (2007). Untangling the alliance-outcome correlation:
Exploring the relative importance of therapist and patient variability in the alliance. *Journal of
Consulting and Clinical Psychology, 75*, 842-852.
Flückiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018). The alliance in adult
psychotherapy: A meta-analytic synthesis. *Psychotherapy, 55*, 316-340.
Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater reliability.
*Psychological Bulletin, 86*, 420-428.
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
import numpy.typing as npt
import pandas as pd
from scipy import special

from helpcourse.effects import _check_correlation

__all__ = [
    "above_median_shares_by_alliance",
    "alliance_levels",
    "alliance_outcome_correlations",
    "decompose_alliance_correlation",
    "estimate_therapist_share",
    "expected_alliance_correlations",
    "expected_early_improvement_correlations",
    "share_above_average_outcome",
    "simulate_alliance_multilevel",
    "simulate_alliance_outcome",
    "simulate_early_improvement",
    "simulate_therapist_effects",
]


# --------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------


def _check_count(value: Any, name: str, minimum: int) -> int:
    """A whole number of at least ``minimum`` (numpy integers and whole floats such as 100.0 are accepted)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value!r}.")
    if not float(value).is_integer() or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value:g}.")
    return int(value)


def _check_share(value: Any, name: str) -> float:
    """A proportion from 0 up to (but not including) 1."""
    expected = f"{name} must be a proportion from 0 up to (but not including) 1"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{expected}; you gave {value!r}.")
    if not 0 <= value < 1:
        message = f"{expected}; you gave {value:g}."
        if 1 <= value <= 100:
            message += f" Did you mean {value / 100:g}?"
        raise ValueError(message)
    return float(value)


def _check_number(value: Any, name: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; you gave {value!r}.")
    return float(value)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of 0 or more (for example 2018); you gave {seed!r}.")
    return int(seed)


def _require_columns(df: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(
            f"Expected a pandas DataFrame with columns {', '.join(columns)}; you gave a {type(df).__name__}."
        )
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise ValueError(
            f"The data frame needs the column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, df.columns))}."
        )
    if len(df) == 0:
        raise ValueError("The data frame is empty: there are no clients to summarise.")


def _standardise(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """z-scores: mean 0 and sample standard deviation (ddof = 1) 1."""
    centred = values - values.mean()
    return centred / centred.std(ddof=1)


def _group_means(
    codes: npt.NDArray[np.intp], counts: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return np.bincount(codes, weights=values, minlength=counts.size) / counts


def _correlation_size(value: Any, name: str) -> float:
    number = _check_number(value, name)
    if not -1 < number < 1:
        raise ValueError(f"{name} must lie strictly between -1 and 1; you gave {number:g}.")
    return number


def _safe_ratio(numerator: float, denominator_squared: float) -> float:
    return 0.0 if denominator_squared <= 0 else numerator / math.sqrt(denominator_squared)


# --------------------------------------------------------------------------------------------------
# Alliance and outcome
# --------------------------------------------------------------------------------------------------


def simulate_alliance_outcome(
    r: float, n_clients: int, *, seed: int = 2018, exact: bool = True
) -> pd.DataFrame:
    """Simulate clients whose alliance and outcome scores correlate r.

    Alliance and outcome are standardised (mean 0, standard deviation 1; higher outcome is better), and
    ``above_median`` marks the clients whose outcome is above the median outcome of this sample (so half of
    an even number of clients are above it, whatever r is). Ending above the median is a way of picturing a
    correlation, not a clinical recovery criterion. With ``exact=True`` the noise is made exactly
    uncorrelated with the alliance scores before the outcome is built, so the correlation in the sample
    equals ``r`` (to rounding error) rather than only on average: a student who chooses r = .28 sees
    r = .28.

    Parameters
    ----------
    r : float
        Correlation between alliance and outcome, between -1 and 1 (.28 in Flückiger et al., 2018).
    n_clients : int
        Number of clients, at least 3.
    seed : int, default 2018
        Seed of the random number generator.
    exact : bool, default True
        If True the sample correlation equals ``r``; if False it varies around ``r`` from sample to sample,
        as it does in real studies.

    Returns
    -------
    pandas.DataFrame
        One row per client with columns ``alliance`` (float), ``outcome`` (float) and ``above_median``
        (bool: outcome above the sample's median outcome).
    """
    r_value = float(_check_correlation(_check_number(r, "r")))
    n = _check_count(n_clients, "n_clients", 3)
    rng = np.random.default_rng(_check_seed(seed))
    alliance = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    if exact:
        alliance = _standardise(alliance)
        noise = noise - noise.mean()
        noise = _standardise(noise - (noise @ alliance) / (alliance @ alliance) * alliance)
        outcome = r_value * alliance + math.sqrt(1 - r_value**2) * noise
    else:
        outcome = _standardise(r_value * alliance + math.sqrt(1 - r_value**2) * noise)
        alliance = _standardise(alliance)
    return pd.DataFrame({"alliance": alliance, "outcome": outcome, "above_median": outcome > np.median(outcome)})


def above_median_shares_by_alliance(df: pd.DataFrame) -> tuple[float, float]:
    """Share of clients above the median outcome in the stronger-alliance half and in the weaker-alliance half.

    Parameters
    ----------
    df : pandas.DataFrame
        Clients with columns ``alliance`` and ``above_median`` (as made by :func:`simulate_alliance_outcome`).

    Returns
    -------
    tuple of float
        The proportion above the median outcome among clients with alliance above the median, then among
        clients with alliance at or below the median. For continuous scores and an even number of clients the
        two halves are equal in size and the two shares add up to 1.
    """
    _require_columns(df, ("alliance", "above_median"))
    alliance = df["alliance"].to_numpy(dtype=float)
    above_median = df["above_median"].to_numpy(dtype=bool)
    stronger = alliance > np.median(alliance)
    if stronger.all() or not stronger.any():
        raise ValueError("All clients have the same alliance score, so there is no stronger and weaker half.")
    return float(above_median[stronger].mean()), float(above_median[~stronger].mean())


# --------------------------------------------------------------------------------------------------
# Therapist effects
# --------------------------------------------------------------------------------------------------


def simulate_therapist_effects(
    n_therapists: int, clients_per_therapist: int, therapist_share: float, *, seed: int = 2005
) -> pd.DataFrame:
    """Simulate clients nested in therapists who differ in their average outcome.

    outcome = therapist effect + client deviation, with the therapist effect drawn from N(0, share) and the
    client deviation from N(0, 1 - share), so the total variance is 1 and the intraclass correlation (the
    share of outcome variance that lies between therapists) is ``therapist_share``. Around 5% is typical in
    naturalistic settings (Baldwin & Imel, 2013).

    Parameters
    ----------
    n_therapists : int
        Number of therapists, at least 2.
    clients_per_therapist : int
        Number of clients seen by each therapist, at least 2.
    therapist_share : float
        Share of outcome variance due to therapists, from 0 up to (but not including) 1.
    seed : int, default 2005
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        One row per client with columns ``therapist_id`` (int, from 0), ``client_id`` (int, unique, from 0)
        and ``outcome`` (float; higher is better).
    """
    n_t = _check_count(n_therapists, "n_therapists", 2)
    per = _check_count(clients_per_therapist, "clients_per_therapist", 2)
    share = _check_share(therapist_share, "therapist_share")
    rng = np.random.default_rng(_check_seed(seed))
    therapist_id = np.repeat(np.arange(n_t), per)
    therapist_effect = rng.normal(0.0, math.sqrt(share), n_t)
    client_deviation = rng.normal(0.0, math.sqrt(1 - share), n_t * per)
    return pd.DataFrame(
        {
            "therapist_id": therapist_id,
            "client_id": np.arange(n_t * per),
            "outcome": therapist_effect[therapist_id] + client_deviation,
        }
    )


def estimate_therapist_share(df: pd.DataFrame) -> float:
    """Estimate the share of outcome variance between therapists: the one-way ANOVA ICC(1).

    ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW) (Shrout & Fleiss, 1979), where MSB and MSW are the
    between- and within-therapist mean squares and n0 = (N - sum(n_j^2) / N) / (k - 1) is the average
    caseload (equal to the caseload when every therapist sees the same number of clients). A negative
    estimate, which happens by chance when the true share is close to 0, is reported as 0.

    Parameters
    ----------
    df : pandas.DataFrame
        Clients with columns ``therapist_id`` and ``outcome`` (as made by :func:`simulate_therapist_effects`).

    Returns
    -------
    float
        Estimated therapist share of outcome variance, between 0 and 1.
    """
    _require_columns(df, ("therapist_id", "outcome"))
    outcome = df["outcome"].to_numpy(dtype=float)
    codes, _ = pd.factorize(df["therapist_id"])
    counts = np.bincount(codes)
    k, n = counts.size, outcome.size
    if k < 2:
        raise ValueError("At least 2 therapists are needed to compare therapists; the data have 1.")
    if n - k < 1:
        raise ValueError(
            "At least one therapist needs 2 or more clients to estimate the within-therapist spread."
        )
    means = _group_means(codes, counts, outcome)
    ms_between = float(np.sum(counts * (means - outcome.mean()) ** 2)) / (k - 1)
    ms_within = float(np.sum((outcome - means[codes]) ** 2)) / (n - k)
    n0 = (n - float(np.sum(counts**2)) / n) / (k - 1)
    denominator = ms_between + (n0 - 1) * ms_within
    if denominator == 0:
        raise ValueError("Every client has the same outcome, so there is no variance to divide up.")
    return max(0.0, (ms_between - ms_within) / denominator)


# --------------------------------------------------------------------------------------------------
# Therapist and client contributions to the alliance
# --------------------------------------------------------------------------------------------------


def simulate_alliance_multilevel(
    n_therapists: int,
    clients_per_therapist: int,
    between_therapist_slope: float,
    within_therapist_slope: float,
    therapist_alliance_share: float,
    *,
    seed: int = 2007,
) -> pd.DataFrame:
    """Simulate clients nested in therapists, with alliance coming partly from the therapist.

    alliance = therapist mean + client deviation, with the therapist mean drawn from
    N(0, therapist_alliance_share) and the client deviation from N(0, 1 - therapist_alliance_share), so
    alliance has variance 1. outcome = between_therapist_slope * therapist mean + within_therapist_slope *
    client deviation + noise, with noise drawn from N(0, 1). Setting the within-therapist slope to 0 gives the
    pattern Baldwin, Wampold and Imel (2007) found: therapists who form stronger alliances on average have
    better outcomes, but a client's alliance relative to the therapist's other clients predicts nothing.

    Parameters
    ----------
    n_therapists : int
        Number of therapists, at least 3.
    clients_per_therapist : int
        Number of clients seen by each therapist, at least 2.
    between_therapist_slope : float
        Change in outcome per unit of the therapist's mean alliance.
    within_therapist_slope : float
        Change in outcome per unit of the client's deviation from the therapist's mean alliance.
    therapist_alliance_share : float
        Share of alliance variance that lies between therapists, from 0 up to (but not including) 1.
    seed : int, default 2007
        Seed of the random number generator.

    Returns
    -------
    pandas.DataFrame
        One row per client with columns ``therapist_id`` (int, from 0), ``alliance`` and ``outcome`` (float).
    """
    n_t = _check_count(n_therapists, "n_therapists", 3)
    per = _check_count(clients_per_therapist, "clients_per_therapist", 2)
    b_between = _check_number(between_therapist_slope, "between_therapist_slope")
    b_within = _check_number(within_therapist_slope, "within_therapist_slope")
    share = _check_share(therapist_alliance_share, "therapist_alliance_share")
    rng = np.random.default_rng(_check_seed(seed))
    therapist_id = np.repeat(np.arange(n_t), per)
    therapist_mean = rng.normal(0.0, math.sqrt(share), n_t)[therapist_id]
    client_deviation = rng.normal(0.0, math.sqrt(1 - share), n_t * per)
    noise = rng.standard_normal(n_t * per)
    return pd.DataFrame(
        {
            "therapist_id": therapist_id,
            "alliance": therapist_mean + client_deviation,
            "outcome": b_between * therapist_mean + b_within * client_deviation + noise,
        }
    )


def decompose_alliance_correlation(df: pd.DataFrame) -> dict[str, float]:
    """Split the alliance-outcome correlation into its between-therapist and within-therapist parts.

    Parameters
    ----------
    df : pandas.DataFrame
        Clients with columns ``therapist_id``, ``alliance`` and ``outcome`` (as made by
        :func:`simulate_alliance_multilevel`), from at least 3 therapists.

    Returns
    -------
    dict of str to float
        ``total_r``: the correlation across all clients, ignoring therapists; ``between_r``: the
        correlation between therapists' mean alliance and mean outcome (one point per therapist);
        ``within_r``: the correlation between clients' deviations from their own therapist's means.
    """
    _require_columns(df, ("therapist_id", "alliance", "outcome"))
    alliance = df["alliance"].to_numpy(dtype=float)
    outcome = df["outcome"].to_numpy(dtype=float)
    codes, _ = pd.factorize(df["therapist_id"])
    counts = np.bincount(codes)
    if counts.size < 3:
        raise ValueError(
            "At least 3 therapists are needed for a between-therapist correlation; "
            f"the data have {counts.size}."
        )
    alliance_means = _group_means(codes, counts, alliance)
    outcome_means = _group_means(codes, counts, outcome)
    return {
        "total_r": float(np.corrcoef(alliance, outcome)[0, 1]),
        "between_r": float(np.corrcoef(alliance_means, outcome_means)[0, 1]),
        "within_r": float(
            np.corrcoef(alliance - alliance_means[codes], outcome - outcome_means[codes])[0, 1]
        ),
    }


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
    b_between = _check_number(between_therapist_slope, "between_therapist_slope")
    b_within = _check_number(within_therapist_slope, "within_therapist_slope")
    s = _check_share(therapist_alliance_share, "therapist_alliance_share")
    m = _check_count(clients_per_therapist, "clients_per_therapist", 1)
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
    z = _check_number(therapist_z, "therapist_z")
    s = _check_share(therapist_share, "therapist_share")
    return float(special.ndtr(z * math.sqrt(s) / math.sqrt(1 - s)))


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
    n = _check_count(n_clients, "n_clients", 4)
    a = _correlation_size(early_to_alliance, "early_to_alliance")
    b = _check_number(alliance_to_outcome, "alliance_to_outcome")
    c = _check_number(early_to_outcome, "early_to_outcome")
    rng = np.random.default_rng(_check_seed(seed))
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
    b = _check_number(alliance_to_outcome, "alliance_to_outcome")
    c = _check_number(early_to_outcome, "early_to_outcome")
    raw = (a * c + b) / math.sqrt((c + a * b) ** 2 + b**2 * (1 - a**2) + 1)
    adjusted = b * math.sqrt(1 - a**2) / math.sqrt(b**2 * (1 - a**2) + 1)
    return {"raw_r": raw, "adjusted_r": adjusted}
