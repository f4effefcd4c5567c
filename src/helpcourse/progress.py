"""Session-by-session progress of module 07: expected-recovery bands, reliable change, not-on-track flags, dose.

The functions work on long tables with one row per client and session, such as
:func:`helpcourse.data.load_schramm_sessions` (columns ``patient_id``, ``session`` and a score where higher is
worse, for example ``symptom_count``, the number of nine depression symptoms present).

* :func:`kr20_reliability` - internal consistency (KR-20, which equals Cronbach's alpha for 0/1 items) of a set of
  items; :func:`first_session_reliability` applies it to the nine symptoms at the first session.
* :func:`reliable_change_threshold` - the smallest change that is unlikely to be measurement error alone
  (Jacobson & Truax, 1991); :func:`reliable_change_table` classifies each client's first-to-last change.
* :func:`expected_band` - per session, the middle part of the sample's scores (by default the 25th to 75th
  percentile): a simple expected-recovery band.
* :func:`not_on_track` - the sessions at which a client's score is worse than the band's upper bound;
  :func:`share_not_on_track` - the share of clients flagged at one session.
* :func:`dose_effect_curve` - per session number, the share of the clients still seen who have improved reliably
  since their first session.
* :func:`pooled_change_by_tailoring` - the pooled within-arm change of tailored and of standard CBT arms
  (López-López et al., 2019), a comparison across trials.

References
----------
Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to defining meaningful change in
psychotherapy research. *Journal of Consulting and Clinical Psychology, 59*, 12-19.
Lambert, M. J., Whipple, J. L., & Kleinstäuber, M. (2018). Collecting and delivering progress feedback: A
meta-analysis of routine outcome monitoring. *Psychotherapy, 55*, 520-537.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from helpcourse.data import SCHRAMM_SYMPTOMS
from helpcourse.effects import random_effects_meta

__all__ = [
    "CBT_TREATMENTS",
    "dose_effect_curve",
    "expected_band",
    "first_session_reliability",
    "kr20_reliability",
    "not_on_track",
    "pooled_change_by_tailoring",
    "reliable_change_table",
    "reliable_change_threshold",
    "share_not_on_track",
]

_BAND_COLUMNS = ["session", "lower", "median", "upper", "n"]


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; you gave {value!r}.")
    return float(value)


def _require_columns(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"The table needs the column(s) {missing}; it has {list(frame.columns)}.")


def kr20_reliability(items: pd.DataFrame) -> float:
    """Return the KR-20 internal consistency of 0/1 items (equal to Cronbach's alpha for such items).

    Parameters
    ----------
    items : pandas.DataFrame
        One row per person, one column per item, values 0 or 1. Rows with any missing item are left out.

    Returns
    -------
    float
        ``k / (k - 1) * (1 - sum(p * q) / var(total))`` with ``k`` items, ``p`` each item's share of 1s,
        ``q = 1 - p`` and the population variance of the total score.

    Raises
    ------
    ValueError
        With fewer than two items or two complete rows, a value other than 0/1, or totals that do not vary.
    """
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        raise ValueError("KR-20 needs at least two items and two people with every item recorded.")
    values = complete.to_numpy(dtype=float)
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError("KR-20 is for items scored 0 or 1.")
    p = values.mean(axis=0)
    total_variance = values.sum(axis=1).var(ddof=0)
    if total_variance == 0:
        raise ValueError("Everyone has the same total score, so reliability cannot be estimated.")
    return float(k / (k - 1) * (1 - (p * (1 - p)).sum() / total_variance))


def first_session_reliability(sessions: pd.DataFrame, items: tuple[str, ...] = SCHRAMM_SYMPTOMS) -> float:
    """Return the KR-20 reliability of the symptom items at the first session number in the table.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Long table with ``session`` and the item columns (for example :func:`helpcourse.data.load_schramm_sessions`).
    items : tuple of str
        The 0/1 item columns; by default the nine Schramm symptoms.

    Returns
    -------
    float
        KR-20 of the items among the clients with every item recorded at the earliest session number. This is
        an estimate from the sample itself, not a published reliability of the measure.
    """
    _require_columns(sessions, ["session", *items])
    first = sessions.loc[sessions["session"] == sessions["session"].min(), list(items)]
    return kr20_reliability(first)


def reliable_change_threshold(sd_baseline: float, reliability: float, z: float = 1.96) -> float:
    """Return the smallest change score that counts as reliable change (Jacobson & Truax, 1991).

    Parameters
    ----------
    sd_baseline : float
        Standard deviation of the score at the start of therapy (> 0).
    reliability : float
        Reliability of the score, from 0 up to (but not including) 1.
    z : float
        Critical value; 1.96 means a change this large arises from measurement error alone in fewer than 5 in
        100 cases.

    Returns
    -------
    float
        ``z * sd_baseline * sqrt(2 * (1 - reliability))``: the standard error of a difference between two
        measurements times ``z``.
    """
    sd = _number(sd_baseline, "sd_baseline")
    rel = _number(reliability, "reliability")
    critical = _number(z, "z")
    if sd <= 0:
        raise ValueError(f"sd_baseline must be above 0; you gave {sd:g}.")
    if not 0 <= rel < 1:
        raise ValueError(f"reliability must be from 0 up to (but not including) 1; you gave {rel:g}.")
    if critical <= 0:
        raise ValueError(f"z must be above 0; you gave {critical:g}.")
    return critical * sd * math.sqrt(2 * (1 - rel))


def reliable_change_table(
    sessions: pd.DataFrame, threshold: float, score: str = "symptom_count", client: str = "patient_id"
) -> pd.DataFrame:
    """Return each client's first and last recorded score and whether the change is reliable.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Long table with ``client``, ``session`` and ``score`` columns; higher scores are worse.
    threshold : float
        Reliable change threshold in score points (see :func:`reliable_change_threshold`).
    score, client : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per client with at least two recorded scores, indexed by client: ``first``, ``last``,
        ``change`` (last minus first; negative is improvement) and ``category``: ``"improved"`` when the score
        fell by at least ``threshold``, ``"deteriorated"`` when it rose by at least ``threshold``, otherwise
        ``"no reliable change"``.
    """
    _require_columns(sessions, [client, "session", score])
    limit = _number(threshold, "threshold")
    if limit <= 0:
        raise ValueError(f"threshold must be above 0; you gave {limit:g}.")
    recorded = sessions.loc[sessions[score].notna(), [client, "session", score]].sort_values([client, "session"])
    grouped = recorded.groupby(client)[score]
    table = pd.DataFrame({"first": grouped.first().astype(float), "last": grouped.last().astype(float)})
    table = table[grouped.size() >= 2]
    table["change"] = table["last"] - table["first"]
    table["category"] = np.select(
        [table["change"] <= -limit, table["change"] >= limit], ["improved", "deteriorated"], "no reliable change"
    )
    return table


def expected_band(
    sessions: pd.DataFrame,
    score: str = "symptom_count",
    lower: float = 0.25,
    upper: float = 0.75,
    min_n: int = 20,
) -> pd.DataFrame:
    """Return an expected-recovery band: per session number, quantiles of the score in the sample.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Long table with ``session`` and ``score`` columns (one row per client and session).
    score : str
        The score column; higher is worse.
    lower, upper : float
        Quantiles for the band's lower and upper bounds (0 <= lower < upper <= 1).
    min_n : int
        Sparse sessions: a session number with fewer than ``min_n`` recorded scores keeps its row (with its
        ``n``) but gets missing (NaN) ``lower``, ``median`` and ``upper``, because quantiles of a handful of
        clients are too unstable to judge anyone by. Missing scores never count towards ``n``.

    Returns
    -------
    pandas.DataFrame
        Columns ``session``, ``lower``, ``median``, ``upper`` (floats; linear interpolation between scores)
        and ``n`` (number of recorded scores), one row per session number in ascending order.
    """
    _require_columns(sessions, ["session", score])
    low = _number(lower, "lower")
    high = _number(upper, "upper")
    if not 0 <= low < high <= 1:
        raise ValueError(f"Need 0 <= lower < upper <= 1; you gave lower={low:g}, upper={high:g}.")
    if isinstance(min_n, bool) or not isinstance(min_n, numbers.Integral) or min_n < 1:
        raise ValueError(f"min_n must be a whole number of at least 1; you gave {min_n!r}.")
    recorded = sessions.loc[sessions[score].notna(), ["session", score]].astype({score: float})
    grouped = recorded.groupby("session")[score]
    band = pd.DataFrame(
        {
            "lower": grouped.quantile(low),
            "median": grouped.quantile(0.5),
            "upper": grouped.quantile(high),
            "n": grouped.size().astype("int64"),
        }
    )
    band.loc[band["n"] < min_n, ["lower", "median", "upper"]] = np.nan
    band = band.rename_axis("session").reset_index()
    band["session"] = band["session"].astype("int64")
    return band[_BAND_COLUMNS]


def not_on_track(trajectory: pd.Series, band: pd.DataFrame) -> pd.Series:
    """Return, per session, whether a client's score is worse (higher) than the band's upper bound.

    Parameters
    ----------
    trajectory : pandas.Series
        One client's scores indexed by session number (higher is worse).
    band : pandas.DataFrame
        Output of :func:`expected_band` (columns ``session`` and ``upper``).

    Returns
    -------
    pandas.Series
        Boolean, indexed by session (named ``session``), for the sessions where the client has a recorded
        score and the band has an upper bound; ``True`` where the score is above the upper bound.
    """
    _require_columns(band, ["session", "upper"])
    upper = band.set_index("session")["upper"].astype(float)
    scores = pd.Series(trajectory, dtype="Float64").astype(float).dropna()
    common = scores.index.intersection(upper.dropna().index)
    flags = scores.loc[common] > upper.loc[common]
    flags.index = pd.Index(common, name="session")
    return flags.astype(bool).rename("not_on_track")


def share_not_on_track(
    sessions: pd.DataFrame, band: pd.DataFrame, session: int, score: str = "symptom_count", client: str = "patient_id"
) -> float:
    """Return the share of clients with a recorded score at ``session`` whose score is above the band there.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Long table with ``client``, ``session`` and ``score``.
    band : pandas.DataFrame
        Output of :func:`expected_band`.
    session : int
        The session number to look at.
    score, client : str
        Column names.

    Returns
    -------
    float
        Proportion from 0 to 1 among the clients with a recorded score at that session.

    Raises
    ------
    ValueError
        If the band has no upper bound at that session or no client has a score there.
    """
    _require_columns(sessions, [client, "session", score])
    upper = band.set_index("session")["upper"]
    if session not in upper.index or pd.isna(upper.loc[session]):
        raise ValueError(f"The band has no upper bound at session {session}.")
    scores = sessions.loc[(sessions["session"] == session) & sessions[score].notna(), score].astype(float)
    if scores.empty:
        raise ValueError(f"No client has a recorded score at session {session}.")
    return float((scores > float(upper.loc[session])).mean())


def dose_effect_curve(
    sessions: pd.DataFrame, threshold: float, score: str = "symptom_count", client: str = "patient_id"
) -> pd.DataFrame:
    """Return, per session number, the share of clients seen then who have improved reliably since their start.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Long table with ``client``, ``session`` and ``score``; higher is worse.
    threshold : float
        Reliable change threshold in score points: improved means the score fell by at least this much from the
        client's first recorded score.
    score, client : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``session``, ``n`` (clients with a recorded score at that session, after their first one),
        ``improved`` (how many of them are reliably improved) and ``share`` (improved / n). Clients who have
        left therapy drop out of later denominators, so late sessions describe those who stayed.
    """
    _require_columns(sessions, [client, "session", score])
    limit = _number(threshold, "threshold")
    if limit <= 0:
        raise ValueError(f"threshold must be above 0; you gave {limit:g}.")
    recorded = sessions.loc[sessions[score].notna(), [client, "session", score]].sort_values([client, "session"])
    recorded = recorded.astype({score: float})
    baseline = recorded.groupby(client)[score].transform("first")
    first_session = recorded.groupby(client)["session"].transform("first")
    later = recorded[recorded["session"] > first_session].assign(improved=(baseline - recorded[score]) >= limit)
    grouped = later.groupby("session")["improved"]
    curve = pd.DataFrame({"n": grouped.size().astype("int64"), "improved": grouped.sum().astype("int64")})
    curve["share"] = curve["improved"] / curve["n"]
    return curve.rename_axis("session").reset_index().astype({"session": "int64"})


# --------------------------------------------------------------------------------------------------
# Tailored and standard CBT arms (López-López et al., 2019)
# --------------------------------------------------------------------------------------------------

#: The CBT arms of :func:`helpcourse.data.load_lopez2019` (control arms have no tailoring to compare).
CBT_TREATMENTS: tuple[str, ...] = ("F2F CBT", "Multimedia CBT", "Hybrid CBT")


def pooled_change_by_tailoring(arms: pd.DataFrame, method: str = "pm") -> pd.DataFrame:
    """Return the pooled within-arm change of CBT arms, separately for tailored and standard (not tailored) arms.

    Parameters
    ----------
    arms : pandas.DataFrame
        :func:`helpcourse.data.load_lopez2019` (columns ``treatment``, ``tailored``, ``diff``, ``se``, ``study``).
    method : {"pm", "dl"}
        Estimator of the between-arm variance, passed to :func:`helpcourse.effects.random_effects_meta`.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``tailored`` 1 then 0, with ``label``, ``arms`` (k), ``studies``, ``estimate`` (pooled
        standardised change; negative means fewer symptoms), ``ci_low``, ``ci_high``, ``tau2`` and ``i2``.
        Each arm counts as one study in the pooling; several arms of one trial are not independent, so the
        intervals are too narrow. The two groups come from different trials: comparing them is not a randomised
        comparison.
    """
    _require_columns(arms, ["treatment", "tailored", "diff", "se", "study"])
    cbt = arms[arms["treatment"].astype(str).isin(CBT_TREATMENTS)]
    rows = []
    for tailored, label in ((1, "Tailored CBT arms"), (0, "Standard CBT arms")):
        part = cbt[cbt["tailored"] == tailored]
        pooled = random_effects_meta(part["diff"].to_numpy(), (part["se"] ** 2).to_numpy(), method=method)
        rows.append(
            {
                "tailored": tailored,
                "label": label,
                "arms": int(pooled.k),
                "studies": int(part["study"].nunique()),
                "estimate": pooled.estimate,
                "ci_low": pooled.ci_low,
                "ci_high": pooled.ci_high,
                "tau2": pooled.tau2,
                "i2": pooled.i2,
            }
        )
    return pd.DataFrame(rows)
