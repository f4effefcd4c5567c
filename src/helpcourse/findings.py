"""Tables of published findings, assembled from the evidence table for plotting.

Each function here selects rows of :mod:`helpcourse.evidence` by key and puts them on one effect-size
scale; it states nothing that is not in the evidence table.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from helpcourse import effects, evidence

#: Relationship elements meta-analysed for the third APA task force (Psychotherapy, 2018, 55(4)), label -> key.
RELATIONSHIP_ELEMENTS: dict[str, str] = {
    "Alliance": "alliance_r_2018",
    "Empathy": "empathy_r_2018",
    "Positive regard (g, converted)": "positive_regard_g_2018",
    "Congruence / genuineness": "congruence_r_2018",
    "Goal consensus": "goal_consensus_r_2018",
    "Collaboration": "collaboration_r_2018",
    "Repairing ruptures": "rupture_repair_r_2018",
    "Real relationship": "real_relationship_r_2018",
    "Group cohesion": "group_cohesion_r_2018",
    "Managing countertransference": "countertransference_management_r_2018",
    "Client's outcome expectations": "expectations_r_2018",
    "Treatment credibility": "credibility_r_2018",
}


def _to_r(x: float | None, metric: str) -> float:
    if x is None:
        return float("nan")
    if metric.lower() in {"r", "correlation"}:
        return float(x)
    return float(effects.d_to_r(x))


def relationship_elements(scale: Literal["r", "d"] = "r") -> pd.DataFrame:
    """The relationship elements' associations with outcome, all on one scale.

    Parameters
    ----------
    scale
        ``"r"`` (correlation; positive regard's Hedges g is converted with equal groups) or ``"d"``
        (standardised mean difference; correlations converted with d = 2r / sqrt(1 - r^2)).

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``key``, ``estimate``, ``ci_low``, ``ci_high`` (NaN where no interval was reported),
        ``detail`` (k, N and citation, for hover text), in the order of :data:`RELATIONSHIP_ELEMENTS`.
    """
    records = []
    for label, key in RELATIONSHIP_ELEMENTS.items():
        row = evidence.row(key)
        est, lo, hi = (_to_r(v, row.metric) for v in (row.value, row.ci_low, row.ci_high))
        if scale == "d":
            est, lo, hi = (float(effects.r_to_d(v)) if not np.isnan(v) else np.nan for v in (est, lo, hi))
        elif scale != "r":
            raise ValueError(f"scale must be 'r' or 'd', not {scale!r}")
        parts = [p for p in (f"k = {row.k}" if row.k else "", f"N = {row.n}" if row.n else "") if p]
        detail = "; ".join([*parts, row.short_cite])
        records.append({"label": label, "key": key, "estimate": est, "ci_low": lo, "ci_high": hi, "detail": detail})
    return pd.DataFrame.from_records(records)
