"""Pooling real trials: Metapsy comparisons per therapy type, and NHS Talking Therapies recovery tables.

Two data sets of module 04 are summarised here, so that a notebook cell is one call:

* The Metapsy database of psychotherapy versus control for adult depression
  (:func:`helpcourse.data.load_metapsy_comparisons`): one row per comparison and outcome measure.
  :func:`pool_therapy_type` and :func:`pool_by_therapy_type` filter the comparisons (control type, risk of
  bias), reduce them to **one effect per trial and therapy type**, and pool those with a random-effects
  meta-analysis (:func:`helpcourse.effects.random_effects_meta`, statsmodels underneath).
* NHS Talking Therapies recovery by therapy type and year
  (:func:`helpcourse.data.load_nhstt_recovery_by_therapy`): :func:`nhs_recovery_lines` keeps a few therapy
  types as a long table ready for a line chart.

Why one effect per trial and therapy type: a trial often reports several depression measures (a self-report
scale and a clinician rating, say) and sometimes several arms of one therapy type against one control group.
Those effects share participants, so counting each as a separate study would give that trial too much weight
and make the confidence interval too narrow. They are averaged into one effect whose variance allows for
their correlation (Borenstein et al., 2009, ch. 24), with an assumed correlation of ``rho`` = 0.5 between
them. Dependence remains between *different* therapy types of one multi-arm trial that share its control
group: pooled estimates of two therapy types are therefore not independent of each other.

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
meta-analysis*. Wiley.
Cuijpers, P., Miguel, C., Harrer, M., et al. Metapsy: psychotherapy for depression versus control
conditions (database). https://doi.org/10.5281/zenodo.7254845
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from helpcourse import data
from helpcourse.effects import MetaAnalysisResult, random_effects_meta

__all__ = [
    "ALL_THERAPIES",
    "CONTROL_TYPES",
    "METHODS",
    "NHS_THERAPY_TYPES",
    "THERAPY_TYPES",
    "aggregate_within_trials",
    "count_multi_arm",
    "filter_comparisons",
    "metapsy_pooled",
    "nhs_recovery_lines",
    "pool_by_therapy_type",
    "pool_therapy_type",
]

#: Therapy types of Metapsy's ``condition_arm1``: code -> label for students.
THERAPY_TYPES: dict[str, str] = {
    "cbt": "Cognitive behaviour therapy",
    "bat": "Behavioural activation",
    "pst": "Problem-solving therapy",
    "ipt": "Interpersonal therapy",
    "dyn": "Psychodynamic therapy",
    "3rd": "Third-wave therapies",
    "lrt": "Life review therapy",
    "sup": "Supportive counselling",
    "other psy": "Other psychotherapies",
}

#: The code of the row that pools every therapy type together.
ALL_THERAPIES = "all"

#: Control conditions of Metapsy's ``condition_arm2``: code -> label ("all" keeps every control type).
CONTROL_TYPES: dict[str, str] = {
    "all": "any control condition",
    "wl": "waiting list",
    "cau": "care as usual",
    "other ctr": "other inactive control",
}

#: Estimators of the between-study variance offered by :func:`helpcourse.effects.random_effects_meta`.
METHODS: dict[str, str] = {"pm": "Paule-Mandel", "dl": "DerSimonian-Laird"}

#: Therapy types of NHS Talking Therapies shown in module 04 (names as in the source) -> short labels.
NHS_THERAPY_TYPES: dict[str, str] = {
    "Cognitive Behaviour Therapy (CBT)": "CBT",
    "Counselling for Depression": "Counselling for depression",
    "Interpersonal Psycho therapy (IPT)": "Interpersonal therapy",
    "Brief psychodynamic psychotherapy": "Brief psychodynamic therapy",
    "Couples Therapy for Depression": "Couples therapy for depression",
    "Guided Self Help (Book)": "Guided self-help (book)",
}

_COMPARISON_COLUMNS = ("study", "condition_arm1", "condition_arm2", "g", "g_se", "rob")


# --------------------------------------------------------------------------------------------------
# Checking inputs
# --------------------------------------------------------------------------------------------------


def _check_comparisons(comparisons: pd.DataFrame) -> None:
    if not isinstance(comparisons, pd.DataFrame):
        raise ValueError(
            "comparisons must be the Metapsy table from data.load_metapsy_comparisons(); "
            f"you gave a {type(comparisons).__name__}."
        )
    missing = [column for column in _COMPARISON_COLUMNS if column not in comparisons.columns]
    if missing:
        raise ValueError(
            f"comparisons needs the column(s) {', '.join(missing)}, as in data.load_metapsy_comparisons()."
        )


def _check_choice(value: str, options: dict[str, str], name: str) -> str:
    key = str(value).strip().lower()
    if key not in options:
        allowed = ", ".join(f"{code!r} ({label})" for code, label in options.items())
        raise ValueError(f"{name} must be one of {allowed}; you gave {value!r}.")
    return key


def _check_min_rob(min_rob: int) -> int:
    if isinstance(min_rob, bool) or not isinstance(min_rob, int | np.integer) or not 0 <= min_rob <= 4:
        raise ValueError(
            "min_rob is the smallest number of risk-of-bias criteria a comparison must meet: a whole number "
            f"from 0 (keep every comparison) to 4 (only the lowest risk of bias); you gave {min_rob!r}."
        )
    return int(min_rob)


def _check_rho(rho: float) -> float:
    if isinstance(rho, bool) or not isinstance(rho, int | float | np.floating) or not 0 <= rho <= 1:
        raise ValueError(f"rho is a correlation between outcomes of one trial, from 0 to 1; you gave {rho!r}.")
    return float(rho)


# --------------------------------------------------------------------------------------------------
# Metapsy: filtering, one effect per trial, pooling
# --------------------------------------------------------------------------------------------------


def filter_comparisons(comparisons: pd.DataFrame, control: str = "all", min_rob: int = 0) -> pd.DataFrame:
    """The comparisons against one kind of control, meeting a minimum number of risk-of-bias criteria.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The Metapsy table from :func:`helpcourse.data.load_metapsy_comparisons`.
    control : {"all", "wl", "cau", "other ctr"}, default "all"
        Keep comparisons against a waiting list (``"wl"``), care as usual (``"cau"``), another inactive
        control (``"other ctr"``), or every control (``"all"``).
    min_rob : int, default 0
        Keep comparisons whose overall risk-of-bias score ``rob`` (the number of the four criteria -
        sequence generation, allocation concealment, blinding of assessors, intention-to-treat analysis -
        rated low risk) is at least this, from 0 (keep all) to 4.

    Returns
    -------
    pandas.DataFrame
        The rows that pass both filters, in their original order.
    """
    _check_comparisons(comparisons)
    control_key = _check_choice(control, CONTROL_TYPES, "control")
    keep = comparisons["rob"].to_numpy() >= _check_min_rob(min_rob)
    if control_key != "all":
        keep &= (comparisons["condition_arm2"].astype(str) == control_key).to_numpy()
    return comparisons[keep]


def aggregate_within_trials(comparisons: pd.DataFrame, rho: float = 0.5) -> pd.DataFrame:
    """One effect per trial and therapy type: the mean of its comparisons, with a variance allowing for overlap.

    The m effects g_1..g_m of one trial and therapy type (several outcome measures, or several arms of that
    type against one control group) are averaged. Their shared participants make them correlated, so the
    variance of the mean is (Borenstein et al., 2009, eq. 24.6)

        Var(mean) = [ (1 - rho) * sum(se_i^2) + rho * (sum(se_i))^2 ] / m^2,

    the variance of a mean of effects that correlate ``rho`` with each other. With one effect it is that
    effect's own variance.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Metapsy comparisons (already filtered, for example by :func:`filter_comparisons`).
    rho : float, default 0.5
        Assumed correlation between effects of the same trial and therapy type, from 0 (independent) to 1.

    Returns
    -------
    pandas.DataFrame
        One row per trial (``study``) and therapy type (``therapy``, the code of ``condition_arm1``), sorted by
        therapy type and study, with columns ``study``, ``therapy``, ``g`` (mean Hedges' g), ``g_var`` (its
        variance), ``g_se``, ``n_comparisons`` (how many rows were averaged) and ``rob`` (the lowest
        risk-of-bias score among them).
    """
    _check_comparisons(comparisons)
    r = _check_rho(rho)
    frame = pd.DataFrame(
        {
            "study": comparisons["study"].astype(str).to_numpy(),
            "therapy": comparisons["condition_arm1"].astype(str).to_numpy(),
            "g": comparisons["g"].to_numpy(dtype=float),
            "se": comparisons["g_se"].to_numpy(dtype=float),
            "var": comparisons["g_se"].to_numpy(dtype=float) ** 2,
            "rob": comparisons["rob"].to_numpy(dtype=int),
        }
    )
    grouped = frame.groupby(["therapy", "study"], sort=True)
    out = grouped.agg(
        g=("g", "mean"), sum_var=("var", "sum"), sum_se=("se", "sum"), n_comparisons=("g", "size"), rob=("rob", "min")
    ).reset_index()
    m = out["n_comparisons"].to_numpy(dtype=float)
    out["g_var"] = ((1 - r) * out["sum_var"] + r * out["sum_se"] ** 2) / m**2
    out["g_se"] = np.sqrt(out["g_var"])
    columns = ["study", "therapy", "g", "g_var", "g_se", "n_comparisons", "rob"]
    return out[columns].astype({"n_comparisons": "int64", "rob": "int64"})


def pool_therapy_type(
    comparisons: pd.DataFrame,
    therapy: str,
    control: str = "all",
    min_rob: int = 0,
    method: str = "pm",
    rho: float = 0.5,
) -> MetaAnalysisResult:
    """Random-effects pooled Hedges' g of one therapy type against control, one effect per trial.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The Metapsy table from :func:`helpcourse.data.load_metapsy_comparisons`.
    therapy : str
        A code of :data:`THERAPY_TYPES` (``"cbt"``, ``"pst"``, ...) or ``"all"`` for every therapy type.
    control : {"all", "wl", "cau", "other ctr"}, default "all"
        The kind of control condition (see :func:`filter_comparisons`).
    min_rob : int, default 0
        Minimum number of risk-of-bias criteria met (0 to 4).
    method : {"pm", "dl"}, default "pm"
        Estimator of the between-trial variance tau^2: Paule-Mandel or DerSimonian-Laird.
    rho : float, default 0.5
        Assumed correlation between effects of one trial (see :func:`aggregate_within_trials`).

    Returns
    -------
    MetaAnalysisResult
        ``k`` is the number of trials; ``estimate`` the pooled g (positive: therapy better than control),
        with ``ci_low``, ``ci_high``, ``tau2``, ``i2`` (%) and ``method``.

    Raises
    ------
    ValueError
        If fewer than 2 trials remain after filtering.

    Examples
    --------
    CBT against waiting lists: ``pool_therapy_type(data.load_metapsy_comparisons(), "cbt", control="wl")``.
    """
    therapy_key = str(therapy).strip().lower()
    if therapy_key != ALL_THERAPIES and therapy_key not in THERAPY_TYPES:
        allowed = ", ".join(repr(code) for code in [*THERAPY_TYPES, ALL_THERAPIES])
        raise ValueError(f"therapy must be one of {allowed}; you gave {therapy!r}.")
    method_key = _check_choice(method, METHODS, "method")
    trials = aggregate_within_trials(filter_comparisons(comparisons, control, min_rob), rho)
    if therapy_key != ALL_THERAPIES:
        trials = trials[trials["therapy"] == therapy_key]
    if len(trials) < 2:
        raise ValueError(
            f"Only {len(trials)} trial(s) of {THERAPY_TYPES.get(therapy_key, 'any therapy')} against "
            f"{CONTROL_TYPES[str(control).strip().lower()]} meet at least {min_rob} risk-of-bias criteria: "
            "a meta-analysis needs at least 2."
        )
    return random_effects_meta(trials["g"].to_numpy(), trials["g_var"].to_numpy(), method=method_key)


def pool_by_therapy_type(
    comparisons: pd.DataFrame, control: str = "all", min_rob: int = 0, method: str = "pm", rho: float = 0.5
) -> pd.DataFrame:
    """Pooled Hedges' g for every therapy type, and for all types together, under one set of filters.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The Metapsy table from :func:`helpcourse.data.load_metapsy_comparisons`.
    control, min_rob, method, rho
        As in :func:`pool_therapy_type`.

    Returns
    -------
    pandas.DataFrame
        One row per therapy type in the order of :data:`THERAPY_TYPES`, then one row ``"all"``. Columns:
        ``therapy`` (code), ``label``, ``k`` (trials), ``n_comparisons`` (rows of the source), ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``tau2``, ``i2`` (%) and ``method``. A therapy type with fewer than
        2 trials keeps its ``k`` and has NaN statistics (it is not pooled).
    """
    method_key = _check_choice(method, METHODS, "method")
    trials = aggregate_within_trials(filter_comparisons(comparisons, control, min_rob), rho)
    rows = []
    groups = [(code, label, trials[trials["therapy"] == code]) for code, label in THERAPY_TYPES.items()]
    groups.append((ALL_THERAPIES, "All therapies together", trials))
    for code, label, part in groups:
        row: dict[str, object] = {
            "therapy": code,
            "label": label,
            "k": len(part),
            "n_comparisons": int(part["n_comparisons"].sum()),
        }
        if len(part) >= 2:
            fit = random_effects_meta(part["g"].to_numpy(), part["g_var"].to_numpy(), method=method_key)
            row.update(estimate=fit.estimate, se=fit.se, ci_low=fit.ci_low, ci_high=fit.ci_high, tau2=fit.tau2,
                       i2=fit.i2)
        else:
            row.update(dict.fromkeys(("estimate", "se", "ci_low", "ci_high", "tau2", "i2"), math.nan))
        row["method"] = METHODS[method_key]
        rows.append(row)
    return pd.DataFrame(rows)


@cache
def _metapsy_pooled_cached(control: str, min_rob: int, method: str) -> pd.DataFrame:
    return pool_by_therapy_type(data.load_metapsy_comparisons(), control, min_rob, method)


def metapsy_pooled(control: str = "all", min_rob: int = 0, method: str = "pm") -> pd.DataFrame:
    """:func:`pool_by_therapy_type` on the Metapsy data, remembered per filter for fast interactive updates.

    Parameters
    ----------
    control, min_rob, method
        As in :func:`pool_therapy_type`.

    Returns
    -------
    pandas.DataFrame
        A copy of the pooled table (safe to modify); the same filters are computed only once per session.
    """
    control_key = _check_choice(control, CONTROL_TYPES, "control")
    method_key = _check_choice(method, METHODS, "method")
    return _metapsy_pooled_cached(control_key, _check_min_rob(min_rob), method_key).copy()


def count_multi_arm(comparisons: pd.DataFrame) -> tuple[int, int]:
    """How many comparisons, and how many trials, come from multi-arm trials.

    A multi-arm trial (more than one treatment arm, or more than one control arm) is marked in Metapsy by a
    value in ``multi_arm1``; its comparisons share a group of participants and are not independent.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        The Metapsy table from :func:`helpcourse.data.load_metapsy_comparisons`.

    Returns
    -------
    tuple of int
        The number of comparisons (rows) from multi-arm trials, then the number of such trials.
    """
    _check_comparisons(comparisons)
    if "multi_arm1" not in comparisons.columns:
        raise ValueError("comparisons needs the column multi_arm1, as in data.load_metapsy_comparisons().")
    multi = comparisons["multi_arm1"].notna().to_numpy()
    return int(multi.sum()), int(comparisons.loc[multi, "study"].nunique())


# --------------------------------------------------------------------------------------------------
# NHS Talking Therapies
# --------------------------------------------------------------------------------------------------


def nhs_recovery_lines(recovery: pd.DataFrame, therapy_types: Sequence[str] | None = None) -> pd.DataFrame:
    """Recovery rates of a few therapy types over the years, as a long table for a line chart.

    Parameters
    ----------
    recovery : pandas.DataFrame
        The table from :func:`helpcourse.data.load_nhstt_recovery_by_therapy` for one presenting problem.
    therapy_types : sequence of str, optional
        Therapy types as named in the source; default: the keys of :data:`NHS_THERAPY_TYPES`.

    Returns
    -------
    pandas.DataFrame
        One row per therapy type and year (in the given order of types, then by year), with columns
        ``therapy_type`` (str), ``label`` (short name), ``reporting_period`` (str, e.g. ``"2024-25"``),
        ``recovery_pct`` (float, as published), ``n_recovered`` and ``n_at_caseness`` (int: the courses that
        started above the clinical cut-off, ``n_courses - n_not_at_caseness``, the denominator of the rate)
        and ``n_courses`` (int). Years where the source suppresses the numbers are left out.
    """
    needed = ("reporting_period", "therapy_type", "n_courses", "n_not_at_caseness", "n_recovered", "recovery_pct")
    if not isinstance(recovery, pd.DataFrame) or any(column not in recovery.columns for column in needed):
        raise ValueError("recovery must be the table from data.load_nhstt_recovery_by_therapy().")
    if "problem" in recovery.columns and recovery["problem"].astype(str).nunique() > 1:
        raise ValueError("recovery holds several presenting problems; load one, e.g. problem='Depression'.")
    types = list(NHS_THERAPY_TYPES) if therapy_types is None else [str(t) for t in therapy_types]
    present = set(recovery["therapy_type"].astype(str))
    unknown = [t for t in types if t not in present]
    if unknown:
        raise ValueError(f"No rows for therapy type(s) {unknown}; the table has: {sorted(present)}.")
    frame = recovery.assign(
        therapy_type=recovery["therapy_type"].astype(str), reporting_period=recovery["reporting_period"].astype(str)
    )
    frame = frame[frame["therapy_type"].isin(types)].dropna(
        subset=["recovery_pct", "n_courses", "n_not_at_caseness", "n_recovered"]
    )
    order = {name: i for i, name in enumerate(types)}
    frame = frame.assign(_order=frame["therapy_type"].map(order)).sort_values(["_order", "reporting_period"])
    return pd.DataFrame(
        {
            "therapy_type": frame["therapy_type"].to_numpy(),
            "label": frame["therapy_type"].map(lambda name: NHS_THERAPY_TYPES.get(name, name)).to_numpy(),
            "reporting_period": frame["reporting_period"].to_numpy(),
            "recovery_pct": frame["recovery_pct"].to_numpy(dtype=float),
            "n_recovered": frame["n_recovered"].to_numpy(dtype="int64"),
            "n_at_caseness": (frame["n_courses"] - frame["n_not_at_caseness"]).to_numpy(dtype="int64"),
            "n_courses": frame["n_courses"].to_numpy(dtype="int64"),
        }
    )
