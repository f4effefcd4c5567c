"""Simulations of module 07: matching directiveness to reactance, and an outcome-monitoring alarm.

* :func:`simulate_reactance_matching` - clients with low or high reactance, each seen by a directive or a
  non-directive helper; matched pairs (directive for low, non-directive for high reactance) do better by a chosen
  standardised difference, around the average of all clients (how the difference splits around that average is an
  assumption of the simulation, not a finding). :func:`matching_summary` gives the mean outcome per combination and
  :func:`expected_policy_outcomes` the exact average outcome of three policies (always directive, always
  non-directive, matched to the client).
* :func:`simulate_monitoring_alarm` - clients filling in a symptom questionnaire every session, some of them truly
  deteriorating; an alarm sounds when a client's score has risen by at least a threshold since the first session.
  :func:`alarm_counts` counts hits, misses, false alarms and correct all-clears at a threshold, and
  :func:`threshold_for_false_alarms` finds the lowest threshold that keeps false alarms at or under a number.

Both simulations draw their random numbers once for a seed, so that moving a threshold or an effect size re-uses
the same clients: a change in the picture comes from the setting, not from new random clients. All randomness goes
through ``numpy.random.default_rng(seed)``.

References
----------
Beutler, L. E., Edwards, C., & Someah, K. (2018). Adapting psychotherapy to patient reactance level: A meta-analytic
review. *Journal of Clinical Psychology, 74*(11).
de Jong, K., Conijn, J. M., Gallagher, R. A. V., Reshetnikova, A. S., Heij, M., & Lutz, M. C. (2021). Using progress
feedback to improve outcomes and reduce drop-out, treatment duration, and deterioration: A multilevel
meta-analysis. *Clinical Psychology Review, 85*, 102002.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALARM_SCALE_MAX",
    "COMBINATIONS",
    "alarm_counts",
    "expected_policy_outcomes",
    "matching_summary",
    "simulate_monitoring_alarm",
    "simulate_reactance_matching",
    "threshold_for_false_alarms",
]

#: The four client-helper combinations, in display order: (reactance, helper style, matched?).
COMBINATIONS: tuple[tuple[str, str, bool], ...] = (
    ("low", "directive", True),
    ("low", "non-directive", False),
    ("high", "directive", False),
    ("high", "non-directive", True),
)

#: Highest score of the simulated questionnaire (nine items scored 0-3, like the PHQ-9).
ALARM_SCALE_MAX = 27


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; you gave {value!r}.")
    return float(value)


def _proportion(value: Any, name: str) -> float:
    number = _number(value, name)
    if not 0 <= number <= 1:
        hint = f" Did you mean {number / 100:g}?" if 1 < number <= 100 else ""
        raise ValueError(f"{name} must be a proportion from 0 to 1; you gave {number:g}.{hint}")
    return number


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; you gave {value!r}.")
    return int(value)


# --------------------------------------------------------------------------------------------------
# Matching directiveness to reactance
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _matching_draws(n_clients: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform draws for reactance, coin flips for the helper's style, and standard normal outcome noise."""
    rng = np.random.default_rng(seed)
    reactance_draw = rng.random(n_clients)
    directive = rng.random(n_clients) < 0.5
    noise = rng.standard_normal(n_clients)
    for array in (reactance_draw, directive, noise):
        array.setflags(write=False)
    return reactance_draw, directive, noise


def simulate_reactance_matching(
    matching_d: float = 0.79, share_high_reactance: float = 0.5, n_clients: int = 400, seed: int = 2018
) -> pd.DataFrame:
    """Simulate clients with low or high reactance, each seen by a directive or a non-directive helper.

    Each client's outcome is ``+matching_d / 2`` when the helper's style matches the client (directive for low,
    non-directive for high reactance) and ``-matching_d / 2`` when it does not, plus standard normal noise. So
    matched clients do better than mismatched ones by ``matching_d`` standard deviations on average, and nothing
    else differs between the groups. Helpers' styles are assigned at random (half directive).

    Outcomes are relative to the average of all clients: 0 is that average, not "no change", and a negative
    outcome means less benefit than the average client, not harm. The even split of the effect around the average
    is an assumption of the simulation: the meta-analysis it illustrates (Beutler, Edwards, & Someah, 2018)
    reports only the difference between matched and mismatched clients, not that a mismatched style harms.

    Parameters
    ----------
    matching_d : float
        Standardised difference between matched and mismatched clients (0 to 3).
    share_high_reactance : float
        Proportion of clients with high reactance (0 to 1).
    n_clients : int
        Number of simulated clients (at least 4).
    seed : int
        Seed; the same seed and ``n_clients`` give the same clients for every ``matching_d`` and share.

    Returns
    -------
    pandas.DataFrame
        One row per client: ``reactance`` ("low"/"high"), ``helper`` ("directive"/"non-directive"),
        ``matched`` (bool) and ``outcome`` (standard deviations around the
        average of all clients; higher is better).
    """
    d = _number(matching_d, "matching_d")
    if not 0 <= d <= 3:
        raise ValueError(f"matching_d must be from 0 to 3; you gave {d:g}.")
    share = _proportion(share_high_reactance, "share_high_reactance")
    n = _count(n_clients, "n_clients", 4)
    reactance_draw, directive, noise = _matching_draws(n, _count(seed, "seed", 0))
    high = reactance_draw < share
    matched = high != directive
    return pd.DataFrame(
        {
            "reactance": np.where(high, "high", "low"),
            "helper": np.where(directive, "directive", "non-directive"),
            "matched": matched,
            "outcome": noise + np.where(matched, d / 2, -d / 2),
        }
    )


def matching_summary(clients: pd.DataFrame) -> pd.DataFrame:
    """Return the number of clients and mean outcome for each of the four client-helper combinations.

    Parameters
    ----------
    clients : pandas.DataFrame
        Output of :func:`simulate_reactance_matching`.

    Returns
    -------
    pandas.DataFrame
        One row per combination in the order of :data:`COMBINATIONS`: ``reactance``, ``helper``, ``matched``,
        ``n`` and ``mean_outcome`` (NaN for a combination with no clients).
    """
    rows = []
    for reactance, helper, matched in COMBINATIONS:
        outcomes = clients.loc[(clients["reactance"] == reactance) & (clients["helper"] == helper), "outcome"]
        rows.append(
            {
                "reactance": reactance,
                "helper": helper,
                "matched": matched,
                "n": int(outcomes.size),
                "mean_outcome": float(outcomes.mean()) if outcomes.size else math.nan,
            }
        )
    return pd.DataFrame(rows)


def expected_policy_outcomes(matching_d: float, share_high_reactance: float) -> dict[str, float]:
    """Return the exact average outcome of three ways of choosing a helper's style for every client.

    Parameters
    ----------
    matching_d : float
        Standardised difference between matched and mismatched clients.
    share_high_reactance : float
        Proportion of clients with high reactance.

    Returns
    -------
    dict
        ``always_directive``: ``d / 2 * (1 - 2 * share)``; ``always_non_directive``: ``d / 2 * (2 * share - 1)``;
        ``matched``: ``d / 2`` (every client matched), in standard deviations of the outcome around the average
        of all clients (0 is that average, not "no change").
    """
    d = _number(matching_d, "matching_d")
    share = _proportion(share_high_reactance, "share_high_reactance")
    return {
        "always_directive": d / 2 * (1 - 2 * share),
        "always_non_directive": d / 2 * (2 * share - 1),
        "matched": d / 2,
    }


# --------------------------------------------------------------------------------------------------
# An outcome-monitoring alarm
# --------------------------------------------------------------------------------------------------


def simulate_monitoring_alarm(
    n_clients: int = 200,
    share_deteriorating: float = 0.1,
    check_session: int = 4,
    noise_sd: float = 3.0,
    seed: int = 2021,
) -> pd.DataFrame:
    """Simulate clients whose questionnaire scores are checked for deterioration at one session.

    Each client starts with a true score drawn around 15 (of 0-27, higher is worse). Most clients improve by
    about one point per session (each with their own pace); the deteriorating ones get worse by about one point
    per session. Each session's observed score is the true score plus measurement noise (``noise_sd``), rounded
    and kept within 0-27, as on a real questionnaire.

    Parameters
    ----------
    n_clients : int
        Number of clients (at least 2).
    share_deteriorating : float
        Proportion of clients who are truly getting worse (0 to 1).
    check_session : int
        The session at which the alarm compares a client's score with their first session's (2 to 20).
    noise_sd : float
        Standard deviation of the measurement noise in score points (0 or more).
    seed : int
        Seed of the random numbers.

    Returns
    -------
    pandas.DataFrame
        One row per client: ``deteriorating`` (bool, the truth), ``first_score``, ``check_score`` (observed
        scores at session 1 and at ``check_session``) and ``rise`` (``check_score - first_score``; positive means
        worse), the number an alarm looks at.
    """
    n = _count(n_clients, "n_clients", 2)
    share = _proportion(share_deteriorating, "share_deteriorating")
    session = _count(check_session, "check_session", 2)
    if session > 20:
        raise ValueError(f"check_session must be from 2 to 20; you gave {session}.")
    noise = _number(noise_sd, "noise_sd")
    if noise < 0:
        raise ValueError(f"noise_sd must be 0 or more; you gave {noise:g}.")
    rng = np.random.default_rng(_count(seed, "seed", 0))
    start = rng.normal(15.0, 4.0, n)
    deteriorating = rng.random(n) < share
    pace = np.abs(rng.normal(1.0, 0.4, n))
    slope = np.where(deteriorating, pace, -pace)
    true_check = start + slope * (session - 1)
    observed = np.stack([start, true_check]) + noise * rng.standard_normal((2, n))
    first_score, check_score = np.clip(np.round(observed), 0, ALARM_SCALE_MAX).astype("int64")
    return pd.DataFrame(
        {
            "deteriorating": deteriorating,
            "first_score": first_score,
            "check_score": check_score,
            "rise": check_score - first_score,
        }
    )


def alarm_counts(clients: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Count what an alarm that sounds when ``rise >= threshold`` gets right and wrong.

    Parameters
    ----------
    clients : pandas.DataFrame
        Output of :func:`simulate_monitoring_alarm` (columns ``deteriorating`` and ``rise``).
    threshold : float
        Rise in score points at or above which the alarm sounds.

    Returns
    -------
    dict
        ``hits`` (deteriorating, alarm), ``misses`` (deteriorating, no alarm), ``false_alarms`` (not
        deteriorating, alarm), ``correct_all_clears`` (not deteriorating, no alarm), as whole numbers;
        ``sensitivity`` = hits / deteriorating clients and ``specificity`` = correct all-clears / other clients
        (NaN when a group is empty).
    """
    limit = _number(threshold, "threshold")
    alarm = clients["rise"].to_numpy() >= limit
    truth = clients["deteriorating"].to_numpy(dtype=bool)
    hits = int((alarm & truth).sum())
    misses = int((~alarm & truth).sum())
    false_alarms = int((alarm & ~truth).sum())
    clears = int((~alarm & ~truth).sum())
    return {
        "hits": hits,
        "misses": misses,
        "false_alarms": false_alarms,
        "correct_all_clears": clears,
        "sensitivity": hits / (hits + misses) if hits + misses else math.nan,
        "specificity": clears / (clears + false_alarms) if clears + false_alarms else math.nan,
    }


def threshold_for_false_alarms(clients: pd.DataFrame, max_false_alarms: int) -> int:
    """Return the lowest whole-number threshold whose alarm gives at most ``max_false_alarms`` false alarms.

    Parameters
    ----------
    clients : pandas.DataFrame
        Output of :func:`simulate_monitoring_alarm`.
    max_false_alarms : int
        The most false alarms (clients who are not deteriorating but set off the alarm) you accept.

    Returns
    -------
    int
        The smallest integer ``t`` such that ``alarm_counts(clients, t)["false_alarms"] <= max_false_alarms``.
        Lower thresholds catch more deteriorating clients, so this is the most sensitive alarm within the limit.
    """
    limit = _count(max_false_alarms, "max_false_alarms", 0)
    rises = np.sort(clients.loc[~clients["deteriorating"].astype(bool), "rise"].to_numpy())[::-1]
    if rises.size <= limit:
        return int(clients["rise"].min()) if len(clients) else 0
    # The alarm sounds for rise >= t: at most `limit` false alarms means t above the (limit + 1)-th largest rise.
    return int(math.floor(rises[limit])) + 1
