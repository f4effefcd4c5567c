"""How often do small, non-randomised studies "find" an effect? A seeded simulation of many such studies.

Each simulated study compares clients who received a new approach with clients who did not, ``n_per_group`` in
each group, on an outcome scaled so that clients' standard deviation is 1. The new approach has a **true effect**
``true_d``. The study is **not randomised**: clients chose the new approach, and those who chose it differ from the
others in something that also improves outcome (for example motivation). That **selection bias** adds
``selection_bias`` standard deviations to the new group's average outcome: the study cannot tell it apart from
the approach's effect. Each study reports Cohen's *d* and the two-sided p value of a two-sample t test;
a study "finds a benefit" when p < .05 and *d* > 0. With **publication filtering**, only the studies that found
a benefit are reported.

The simulation draws each study's summary statistics rather than every client: with normal outcomes a group's
mean is normal with variance 1/n and its sample variance is a chi-square variable with n - 1 degrees of freedom
divided by n - 1, independent of the mean. This gives exactly the distribution of simulating every client, and
thousands of studies take well under a millisecond, so a slider can redraw the whole picture at once.

All randomness comes from ``numpy.random.default_rng(seed)``: the same arguments give the same studies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "ALPHA",
    "N_STUDIES",
    "SEED",
    "SmallStudies",
    "StudiesSummary",
    "average_reported_effect",
    "histogram_counts",
    "simulate_small_studies",
    "study_p_value",
    "summarise_studies",
]

#: Significance level of each simulated study (two-sided).
ALPHA = 0.05
#: Number of simulated studies per setting in the module's demo and exercise.
N_STUDIES = 2000
#: The seed the module's demo and exercise use.
SEED = 2008


@dataclass(frozen=True)
class SmallStudies:
    """Many simulated two-group studies of one setting.

    Attributes
    ----------
    true_d, selection_bias : float
        The settings: the approach's true effect and the selection bias, in standard deviations.
    n_per_group : int
        Clients in each group of every study.
    d : numpy.ndarray
        Each study's estimated Cohen's d (new group minus comparison group, pooled standard deviation).
    p_value : numpy.ndarray
        Each study's two-sided p value (two-sample t test, 2n - 2 degrees of freedom).
    """

    true_d: float
    selection_bias: float
    n_per_group: int
    d: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]

    @property
    def found_benefit(self) -> npt.NDArray[np.bool_]:
        """Whether each study found a significant benefit: p < .05 and d > 0."""
        return (self.p_value < ALPHA) & (self.d > 0)


@dataclass(frozen=True)
class StudiesSummary:
    """What a reader of the literature would see, against the truth.

    Attributes
    ----------
    n_studies : int
        Studies simulated.
    n_reported : int
        Studies reported (all of them, or only those that found a benefit).
    share_benefit : float
        Share of all simulated studies that found a significant benefit.
    mean_all : float
        Average estimated d over all studies.
    mean_reported : float
        Average estimated d over the reported studies (NaN when none is reported).
    true_d : float
        The approach's true effect.
    only_significant : bool
        Whether only studies that found a benefit were reported.
    """

    n_studies: int
    n_reported: int
    share_benefit: float
    mean_all: float
    mean_reported: float
    true_d: float
    only_significant: bool


def _check_settings(true_d: float, n_per_group: int, selection_bias: float, n_studies: int) -> None:
    if isinstance(n_per_group, bool) or int(n_per_group) != n_per_group or n_per_group < 2:
        raise ValueError(f"n_per_group must be a whole number of at least 2 clients; you gave {n_per_group!r}.")
    if isinstance(n_studies, bool) or int(n_studies) != n_studies or n_studies < 1:
        raise ValueError(f"n_studies must be a whole number of at least 1; you gave {n_studies!r}.")
    for name, value in (("true_d", true_d), ("selection_bias", selection_bias)):
        if not math.isfinite(float(value)) or abs(float(value)) > 5:
            raise ValueError(f"{name} is in standard deviations and should lie between -5 and 5; you gave {value!r}.")


def study_p_value(d: float | npt.ArrayLike, n_per_group: int) -> float | npt.NDArray[np.float64]:
    """Two-sided p value of a two-group study of ``n_per_group`` clients per group that found Cohen's d.

    The t statistic is d * sqrt(n / 2) on 2n - 2 degrees of freedom (equal groups).

    Parameters
    ----------
    d
        Estimated Cohen's d (a number or an array).
    n_per_group
        Clients in each group.

    Returns
    -------
    float or numpy.ndarray
        The p value(s).

    Examples
    --------
    d = 0.5 with 32 clients per group gives t = 2.0 on 62 degrees of freedom, p just under .05:

    >>> round(float(study_p_value(0.5, 32)), 4)
    0.0499
    """
    _check_settings(0.0, n_per_group, 0.0, 1)
    t = np.asarray(d, dtype=float) * math.sqrt(n_per_group / 2)
    p = 2 * special.stdtr(2 * n_per_group - 2, -np.abs(t))
    return float(p) if np.ndim(p) == 0 else p


def simulate_small_studies(true_d: float, n_per_group: int, selection_bias: float = 0.0,
                           n_studies: int = N_STUDIES, seed: int = SEED) -> SmallStudies:
    """Simulate ``n_studies`` non-randomised two-group studies of one setting.

    Parameters
    ----------
    true_d
        True effect of the new approach, in standard deviations.
    n_per_group
        Clients in each group of every study (at least 2).
    selection_bias
        How much better the clients who chose the new approach would have done anyway, in standard deviations
        (0 for a randomised study).
    n_studies
        Number of studies.
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same studies for the same ``n_per_group``.

    Returns
    -------
    SmallStudies
        Each study's estimated d and p value.
    """
    _check_settings(true_d, n_per_group, selection_bias, n_studies)
    n = int(n_per_group)
    rng = np.random.default_rng(seed)
    mean_new = float(true_d) + float(selection_bias) + rng.standard_normal(n_studies) / math.sqrt(n)
    mean_old = rng.standard_normal(n_studies) / math.sqrt(n)
    var_new = rng.chisquare(n - 1, n_studies) / (n - 1)
    var_old = rng.chisquare(n - 1, n_studies) / (n - 1)
    d = (mean_new - mean_old) / np.sqrt((var_new + var_old) / 2)
    p = 2 * special.stdtr(2 * n - 2, -np.abs(d) * math.sqrt(n / 2))
    return SmallStudies(float(true_d), float(selection_bias), n, d, p)


def summarise_studies(studies: SmallStudies, only_significant: bool = False) -> StudiesSummary:
    """Summarise simulated studies as a reader of the literature would see them.

    Parameters
    ----------
    studies
        From :func:`simulate_small_studies`.
    only_significant
        True when only the studies that found a significant benefit are reported (publication filtering).

    Returns
    -------
    StudiesSummary
        Share finding a benefit, average d over all studies and over the reported ones.
    """
    benefit = studies.found_benefit
    reported = studies.d[benefit] if only_significant else studies.d
    return StudiesSummary(
        n_studies=int(studies.d.size),
        n_reported=int(reported.size),
        share_benefit=float(benefit.mean()),
        mean_all=float(studies.d.mean()),
        mean_reported=float(reported.mean()) if reported.size else math.nan,
        true_d=studies.true_d,
        only_significant=bool(only_significant),
    )


def average_reported_effect(true_d: float, n_per_group: int, selection_bias: float = 0.0,
                            only_significant: bool = False, n_studies: int = N_STUDIES,
                            seed: int = SEED) -> float:
    """The average d a reader of the reported studies would see, for one setting (as in the module's demo).

    Parameters
    ----------
    true_d, n_per_group, selection_bias, n_studies, seed
        As in :func:`simulate_small_studies`.
    only_significant
        True when only studies that found a significant benefit are reported.

    Returns
    -------
    float
        The average estimated d of the reported studies (NaN when none is reported).
    """
    studies = simulate_small_studies(true_d, n_per_group, selection_bias, n_studies, seed)
    return summarise_studies(studies, only_significant).mean_reported


def histogram_counts(d: npt.ArrayLike, edges: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Number of estimates in each bin; estimates beyond the outer edges are counted in the outer bins.

    Parameters
    ----------
    d
        Estimated effects.
    edges
        Increasing bin edges (one more than the number of bins).

    Returns
    -------
    numpy.ndarray
        One count per bin; they add up to the number of estimates.
    """
    edge_array = np.asarray(edges, dtype=float)
    values = np.clip(np.asarray(d, dtype=float), edge_array[0], edge_array[-1])
    counts, _ = np.histogram(values, bins=edge_array)
    return counts.astype(np.int64)
