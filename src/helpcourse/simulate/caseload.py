"""Seeded simulations of a caseload: how many clients end above the median with more and less empathic helpers.

A relationship element such as empathy correlates r with outcome. Split the clients at the median of the
element (the clients of the more and of the less empathic helpers) and call a client *"recovered"* when the
outcome is above the median outcome: a translation of r into clients, not a clinical recovery criterion. For a
bivariate normal element and outcome, a client in the upper half then ends above the median with probability
1/2 + arcsin(r)/pi and a client in the lower half with 1/2 - arcsin(r)/pi
(:func:`helpcourse.effects.proportion_above_median_by_half`, as in module 01).

:func:`simulate_caseload_recoveries` draws many caseloads of the same size from that world, so that a student
sees how much the recovered counts of one real caseload would vary around those expectations. All random
numbers come from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpcourse import effects

__all__ = [
    "CaseloadSummary",
    "difference_distribution",
    "expected_recoveries",
    "recovery_probabilities",
    "simulate_caseload_recoveries",
    "summarise_caseloads",
]

COLUMNS = ("more_empathic", "less_empathic", "difference")


def _check_caseload_size(n_clients: Any) -> int:
    """An even whole number of clients, at least 2 (half see more, half less empathic helpers)."""
    if isinstance(n_clients, bool | np.bool_) or not isinstance(n_clients, numbers.Real):
        raise ValueError(f"n_clients must be an even whole number of at least 2; you gave {n_clients!r}.")
    if not float(n_clients).is_integer() or n_clients < 2 or int(n_clients) % 2:
        raise ValueError(
            f"n_clients must be an even whole number of at least 2 (half see more, half less empathic helpers); "
            f"you gave {n_clients:g}."
        )
    return int(n_clients)


def _check_whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value!r}.")
    if not float(value).is_integer() or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value:g}.")
    return int(value)


def recovery_probabilities(r: float) -> tuple[float, float]:
    """Chance of recovery for a client of a more and of a less empathic helper, when empathy correlates r.

    Parameters
    ----------
    r : float
        Correlation between the relationship element and outcome, between -1 and 1 (.28 for empathy).

    Returns
    -------
    tuple of float
        1/2 + arcsin(r)/pi (upper half of the element), then 1/2 - arcsin(r)/pi (lower half).

    Examples
    --------
    >>> recovery_probabilities(0.5)
    (0.6666666666666667, 0.3333333333333333)
    """
    more, less = effects.proportion_above_median_by_half(r)
    if not (isinstance(more, float) and isinstance(less, float)):
        raise ValueError(f"r must be a single correlation; you gave {r!r}.")
    return more, less


def expected_recoveries(r: float, n_clients: int) -> tuple[float, float]:
    """Expected number of recovered clients in each half of a caseload of ``n_clients``.

    Parameters
    ----------
    r : float
        Correlation between the element and outcome.
    n_clients : int
        Even caseload size; half the clients are in each group.

    Returns
    -------
    tuple of float
        The expected recovered count among the clients of the more empathic helpers, then of the less empathic.
    """
    half = _check_caseload_size(n_clients) // 2
    more, less = recovery_probabilities(r)
    return half * more, half * less


def simulate_caseload_recoveries(
    r: float, n_clients: int, *, n_caseloads: int = 1000, seed: int = 2018
) -> pd.DataFrame:
    """Simulate many caseloads and count the recovered clients of the more and of the less empathic helpers.

    In each caseload ``n_clients / 2`` clients see a helper in the more empathic half and as many see a helper in
    the less empathic half; each client recovers independently with the probabilities of
    :func:`recovery_probabilities`, so each count is binomial.

    Parameters
    ----------
    r : float
        Correlation between empathy and outcome (.28 in Elliott et al., 2018).
    n_clients : int
        Even number of clients in one caseload, at least 2.
    n_caseloads : int, default 1000
        How many caseloads to simulate.
    seed : int, default 2018
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        One row per simulated caseload with integer columns ``more_empathic`` and ``less_empathic`` (recovered
        clients in each half) and ``difference`` (``more_empathic - less_empathic``).
    """
    half = _check_caseload_size(n_clients) // 2
    runs = _check_whole(n_caseloads, "n_caseloads", 1)
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of 0 or more (for example 2018); you gave {seed!r}.")
    more_p, less_p = recovery_probabilities(r)
    rng = np.random.default_rng(int(seed))
    more = rng.binomial(half, more_p, size=runs)
    less = rng.binomial(half, less_p, size=runs)
    return pd.DataFrame({"more_empathic": more, "less_empathic": less, "difference": more - less}).astype("int64")


@dataclass(frozen=True)
class CaseloadSummary:
    """How the recovered counts varied across simulated caseloads.

    ``*_low`` and ``*_high`` bound the middle ``coverage`` share of caseloads (for example 95%);
    ``share_more_ahead`` is the share of caseloads in which the more empathic half had more recoveries,
    ``share_tied`` as many, ``share_less_ahead`` fewer.
    """

    n_clients: int
    n_caseloads: int
    coverage: float
    mean_more: float
    mean_less: float
    more_low: float
    more_high: float
    less_low: float
    less_high: float
    share_more_ahead: float
    share_tied: float
    share_less_ahead: float


def summarise_caseloads(caseloads: pd.DataFrame, n_clients: int, coverage: float = 0.95) -> CaseloadSummary:
    """Mean, middle range and who-was-ahead shares of simulated caseloads.

    Parameters
    ----------
    caseloads : pandas.DataFrame
        As made by :func:`simulate_caseload_recoveries`.
    n_clients : int
        The caseload size the counts come from (kept for the figure's labels).
    coverage : float, default 0.95
        Share of caseloads inside the reported range (percentiles ``(1 - coverage) / 2`` and
        ``(1 + coverage) / 2``, numpy's default linear interpolation).

    Returns
    -------
    CaseloadSummary
    """
    missing = [c for c in COLUMNS if c not in getattr(caseloads, "columns", ())]
    if missing or len(caseloads) == 0:
        raise ValueError(f"caseloads must be a non-empty table with columns {', '.join(COLUMNS)}.")
    if not 0 < coverage < 1 or not math.isfinite(coverage):
        raise ValueError(f"coverage must be between 0 and 1 (for example 0.95); you gave {coverage!r}.")
    tails = [100 * (1 - coverage) / 2, 100 * (1 + coverage) / 2]
    more = caseloads["more_empathic"].to_numpy(dtype=float)
    less = caseloads["less_empathic"].to_numpy(dtype=float)
    diff = caseloads["difference"].to_numpy()
    more_low, more_high = np.percentile(more, tails)
    less_low, less_high = np.percentile(less, tails)
    return CaseloadSummary(
        n_clients=_check_caseload_size(n_clients),
        n_caseloads=len(caseloads),
        coverage=float(coverage),
        mean_more=float(more.mean()),
        mean_less=float(less.mean()),
        more_low=float(more_low),
        more_high=float(more_high),
        less_low=float(less_low),
        less_high=float(less_high),
        share_more_ahead=float((diff > 0).mean()),
        share_tied=float((diff == 0).mean()),
        share_less_ahead=float((diff < 0).mean()),
    )


def difference_distribution(caseloads: pd.DataFrame) -> pd.DataFrame:
    """How many simulated caseloads showed each difference in recovered clients (more minus less empathic half).

    Returns
    -------
    pandas.DataFrame
        Columns ``difference`` (int, every value from the smallest to the largest seen, so gaps show as zero)
        and ``n_caseloads`` (int).
    """
    if "difference" not in getattr(caseloads, "columns", ()) or len(caseloads) == 0:
        raise ValueError("caseloads must be a non-empty table with a column 'difference'.")
    diff = caseloads["difference"].to_numpy(dtype=np.int64)
    low, high = int(diff.min()), int(diff.max())
    counts = np.bincount(diff - low, minlength=high - low + 1)
    return pd.DataFrame({"difference": np.arange(low, high + 1, dtype=np.int64), "n_caseloads": counts.astype("int64")})
