"""Tests for helpcourse.progress: hand-computed bands, reliable change, flags and the dose-effect curve."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpcourse import data
from helpcourse.progress import (
    dose_effect_curve,
    expected_band,
    first_session_reliability,
    kr20_reliability,
    not_on_track,
    pooled_change_by_tailoring,
    reliable_change_table,
    reliable_change_threshold,
    share_not_on_track,
)


def _toy_sessions() -> pd.DataFrame:
    # Four clients, sessions 0-2; client 4 misses session 2 and has a missing score at session 1.
    rows = [
        (1, 0, 8), (1, 1, 6), (1, 2, 3),
        (2, 0, 6), (2, 1, 6), (2, 2, 6),
        (3, 0, 4), (3, 1, 2), (3, 2, 1),
        (4, 0, 2), (4, 1, None),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["patient_id", "session", "symptom_count"])
    frame["symptom_count"] = frame["symptom_count"].astype("Int64")
    return frame


# --------------------------------------------------------------------------------------------------
# Reliability and reliable change
# --------------------------------------------------------------------------------------------------


def test_reliable_change_threshold_by_hand():
    # 1.96 * 10 * sqrt(2 * 0.2) = 1.96 * 10 * 0.6324555 = 12.39613
    assert reliable_change_threshold(10, 0.8) == pytest.approx(12.39613, abs=1e-5)
    assert reliable_change_threshold(2, 0.5, z=1.0) == pytest.approx(2.0)
    assert reliable_change_threshold(3, 0.0, z=1.0) == pytest.approx(3 * math.sqrt(2))
    # The looser 90% criterion of exercise 7: 1.645 * 7.5 * sqrt(0.3) = 6.757528 (the 95% one gives 8.051522).
    assert reliable_change_threshold(7.5, 0.85, z=1.645) == pytest.approx(6.757528, abs=1e-6)
    assert reliable_change_threshold(7.5, 0.85) == pytest.approx(8.051522, abs=1e-6)


@pytest.mark.parametrize(("sd", "rel"), [(0, 0.8), (-1, 0.8), (10, 1.0), (10, -0.1), (10, 80)])
def test_reliable_change_threshold_rejects_impossible_inputs(sd, rel):
    with pytest.raises(ValueError):
        reliable_change_threshold(sd, rel)


def test_kr20_by_hand():
    # Items (rows = people): totals 3, 2, 1, 0 -> population variance 1.25; p = .5, .5, .5 -> sum pq = .75.
    items = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 1, 0], "c": [1, 1, 0, 0]})
    assert kr20_reliability(items) == pytest.approx(1.5 * (1 - 0.75 / 1.25))


def test_kr20_equals_cronbach_alpha_with_sample_variances():
    rng = np.random.default_rng(7)
    trait = rng.normal(size=200)
    items = pd.DataFrame({f"i{k}": (trait + rng.normal(size=200) > 0).astype(int) for k in range(6)})
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert kr20_reliability(items) == pytest.approx(alpha)


def test_kr20_rejects_non_binary_items_and_constant_totals():
    with pytest.raises(ValueError, match="0 or 1"):
        kr20_reliability(pd.DataFrame({"a": [0, 2], "b": [1, 0]}))
    with pytest.raises(ValueError, match="same total"):
        kr20_reliability(pd.DataFrame({"a": [1, 1], "b": [0, 0]}))


def test_reliable_change_table_by_hand():
    table = reliable_change_table(_toy_sessions(), threshold=3)
    # Client 4 has only one recorded score and is left out.
    assert list(table.index) == [1, 2, 3]
    assert table.loc[1, "change"] == -5 and table.loc[1, "category"] == "improved"
    assert table.loc[2, "category"] == "no reliable change"
    assert table.loc[3, "change"] == -3 and table.loc[3, "category"] == "improved"
    worse = reliable_change_table(pd.DataFrame({"patient_id": [9, 9], "session": [0, 5], "symptom_count": [1, 7]}), 3)
    assert worse.loc[9, "category"] == "deteriorated"


# --------------------------------------------------------------------------------------------------
# Expected band and flags
# --------------------------------------------------------------------------------------------------


def test_expected_band_by_hand():
    band = expected_band(_toy_sessions(), min_n=1)
    assert list(band.columns) == ["session", "lower", "median", "upper", "n"]
    assert band["n"].tolist() == [4, 3, 3]
    # Session 0 scores 2, 4, 6, 8: quartiles by linear interpolation 3.5, 5, 6.5.
    assert band.loc[0, ["lower", "median", "upper"]].tolist() == [3.5, 5.0, 6.5]
    # Session 2 scores 1, 3, 6: 2, 3, 4.5.
    assert band.loc[2, ["lower", "median", "upper"]].tolist() == [2.0, 3.0, 4.5]


def test_expected_band_blanks_sparse_sessions_but_keeps_their_count():
    band = expected_band(_toy_sessions(), min_n=4)
    assert band["n"].tolist() == [4, 3, 3]
    assert band.loc[0, "upper"] == 6.5
    assert band.loc[1:, ["lower", "median", "upper"]].isna().all().all()


def test_expected_band_rejects_reversed_quantiles():
    with pytest.raises(ValueError):
        expected_band(_toy_sessions(), lower=0.8, upper=0.2)


def test_not_on_track_by_hand():
    band = pd.DataFrame({"session": [0, 1, 2, 3], "lower": 0.0, "median": 1.0, "upper": [6.5, 5.0, 4.5, np.nan]})
    trajectory = pd.Series([7, 5, None, 9], index=[0, 1, 2, 3], dtype="Int64")
    flags = not_on_track(trajectory, band)
    # Session 2 has no score, session 3 no band: both left out; equal to the bound is not worse than it.
    assert flags.to_dict() == {0: True, 1: False}
    assert flags.dtype == bool and flags.index.name == "session"


def test_share_not_on_track_by_hand():
    sessions = _toy_sessions()
    band = expected_band(sessions, min_n=1)
    # Session 2: upper 4.5; scores 3, 6, 1 -> one of three above.
    assert share_not_on_track(sessions, band, 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        share_not_on_track(sessions, band, 9)


def test_dose_effect_curve_by_hand():
    curve = dose_effect_curve(_toy_sessions(), threshold=3)
    # Session 1: clients 1 (8->6), 2 (6->6), 3 (4->2) -> 0 of 3; session 2: 1 (-5), 2 (0), 3 (-3) -> 2 of 3.
    assert curve["session"].tolist() == [1, 2]
    assert curve["n"].tolist() == [3, 3]
    assert curve["improved"].tolist() == [0, 2]
    assert curve["share"].tolist() == pytest.approx([0.0, 2 / 3])


# --------------------------------------------------------------------------------------------------
# The real data
# --------------------------------------------------------------------------------------------------


def test_schramm_reliability_band_and_flags():
    sessions = data.load_schramm_sessions()
    reliability = first_session_reliability(sessions)
    first = sessions.loc[sessions["session"] == 0, list(data.SCHRAMM_SYMPTOMS)].dropna().astype(float)
    assert reliability == pytest.approx(kr20_reliability(first))
    assert 0.5 < reliability < 0.9
    band = expected_band(sessions)
    assert band["session"].tolist() == list(range(28))
    assert (band["lower"] <= band["median"]).all() and (band["median"] <= band["upper"]).all()
    assert band.loc[band["session"] == 0, "n"].item() == sessions.loc[sessions["session"] == 0, "symptom_count"].count()
    share = share_not_on_track(sessions, band, 8)
    at_8 = sessions.loc[sessions["session"] == 8, "symptom_count"].dropna().astype(float)
    assert share == pytest.approx((at_8 > band.loc[8, "upper"]).mean())
    assert 0 < share < 0.5


def test_pooled_change_by_tailoring_pools_the_cbt_arms_of_each_kind():
    from helpcourse.effects import random_effects_meta

    arms = data.load_lopez2019()
    pooled = pooled_change_by_tailoring(arms)
    assert pooled["label"].tolist() == ["Tailored CBT arms", "Standard CBT arms"]
    cbt = arms[arms["treatment"].astype(str).isin(["F2F CBT", "Multimedia CBT", "Hybrid CBT"])]
    standard = cbt[cbt["tailored"] == 0]
    direct = random_effects_meta(standard["diff"], standard["se"] ** 2)
    assert pooled.loc[1, "estimate"] == pytest.approx(direct.estimate)
    assert pooled.loc[1, "arms"] == len(standard) and pooled.loc[0, "arms"] == (cbt["tailored"] == 1).sum()
    assert pooled["arms"].sum() == len(cbt)
    assert (pooled["estimate"] < 0).all() and (pooled["ci_low"] < pooled["estimate"]).all()
