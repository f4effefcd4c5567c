"""The capstone case (module 08): its tables, its events against real patients, and the checks of its choices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpcourse import capstone, data, evidence, progress


@pytest.fixture(scope="module")
def band() -> pd.DataFrame:
    return progress.expected_band(data.load_schramm_sessions())


@pytest.fixture(scope="module")
def case() -> pd.DataFrame:
    return capstone.case_table()


def test_case_has_fifteen_sessions_with_notes_statements_and_scores(case):
    assert list(case["session"]) == list(range(15))
    assert list(case.columns) == ["session", "phase", "note", "client", "symptom_count", "alliance"]
    assert case["note"].str.len().min() > 40 and case["client"].str.len().min() > 20
    assert case["symptom_count"].between(0, 9).all() and case["alliance"].between(1, 5).all()
    assert case.loc[case["session"] == 4, "phase"].item() == "rupture"


def test_scores_are_the_seeded_draw(case):
    # Planned course plus noise: with the course's seed the draw differs from the plan at two sessions.
    assert list(case["symptom_count"]) == [7, 5, 6, 5, 6, 8, 7, 7, 6, 5, 4, 4, 3, 3, 2]
    assert list(case["alliance"][:6]) == [3.6, 3.8, 4.1, 4.1, 3.0, 3.3]
    pd.testing.assert_frame_equal(capstone.simulate_case_scores(), capstone.simulate_case_scores())
    other = capstone.simulate_case_scores(seed=1)
    assert not np.array_equal(other["alliance"], capstone.simulate_case_scores()["alliance"])


def test_noise_free_scores_follow_the_plan():
    plan = capstone.simulate_case_scores(symptom_noise=0, alliance_noise=0)
    assert list(plan["symptom_count"]) == [7, 6, 6, 5, 6, 7, 7, 7, 6, 5, 4, 4, 3, 3, 2]
    assert plan["alliance"].iloc[4] == pytest.approx(3.2)
    with pytest.raises(ValueError):
        capstone.simulate_case_scores(symptom_noise=-1)


def test_rupture_sessions_by_hand():
    ratings = pd.Series([4.0, 4.2, 3.6, 3.9, 3.5, 3.1], index=range(6))
    assert capstone.rupture_sessions(ratings) == [2]  # 4.2 -> 3.6 is 0.6; the later falls are only 0.4
    assert capstone.rupture_sessions(ratings, drop=0.4) == [2, 4, 5]
    assert capstone.rupture_sessions(pd.Series([4.0, 4.5]), drop=0.5) == []
    with pytest.raises(ValueError):
        capstone.rupture_sessions(ratings, drop=0)


def test_the_case_has_one_rupture_at_session_4(case):
    assert capstone.rupture_sessions(case.set_index("session")["alliance"]) == [4]


def test_case_progress_flags_sessions_above_the_band_of_real_patients(case, band):
    table = capstone.case_progress(case, band)
    assert list(table.columns) == ["session", "symptom_count", "lower", "median", "upper", "not_on_track"]
    expected = table["symptom_count"] > table["upper"]
    assert list(table["not_on_track"]) == list(expected)
    assert list(table.loc[table["not_on_track"], "session"]) == [5, 6, 7]
    # The band at session 5 is the middle half of the real patients' scores at that session.
    real = data.load_schramm_sessions()
    at5 = real.loc[real["session"] == 5, "symptom_count"].dropna().astype(float)
    assert table.loc[5, "upper"] == pytest.approx(at5.quantile(0.75))


def test_first_flagged_session():
    assert capstone.first_flagged_session(pd.Series([False, True, True], index=[3, 5, 6])) == 5
    assert capstone.first_flagged_session(pd.Series([False, False], index=[0, 1])) is None


def test_first_session_above_the_band_is_5(case, band):
    flags = progress.not_on_track(case.set_index("session")["symptom_count"], band)
    assert capstone.first_flagged_session(flags) == 5


def test_change_from_first_to_last_by_hand():
    result = capstone.change_from_first_to_last(pd.Series([7, 6, 3], index=[0, 1, 2]), threshold=3.4)
    assert (result.first, result.last, result.change, result.category) == (7, 3, -4, "improved")
    assert capstone.change_from_first_to_last(pd.Series([5, 3]), 3.4).category == "no reliable change"
    assert capstone.change_from_first_to_last(pd.Series([2, 6]), 3.4).category == "deteriorated"
    with pytest.raises(ValueError):
        capstone.change_from_first_to_last(pd.Series([5]), 3.4)
    with pytest.raises(ValueError):
        capstone.change_from_first_to_last(pd.Series([5, 3]), 0)


def test_the_case_improves_reliably_against_the_real_sample(case):
    real = data.load_schramm_sessions()
    sd = real.loc[real["session"] == 0, "symptom_count"].dropna().astype(float).std()
    threshold = progress.reliable_change_threshold(sd, progress.first_session_reliability(real))
    result = capstone.change_from_first_to_last(case.set_index("session")["symptom_count"], threshold)
    assert 3 < threshold < 4
    assert result.change == -5 and result.category == "improved"


def test_decision_points_name_evidence_and_explain_every_option():
    points = capstone.decision_points()
    assert [item.session for item in points] == sorted(item.session for item in points)
    assert {item.key for item in points} >= {"sister_lazy", "worksheet_preference", "rupture", "risk_recheck",
                                              "not_on_track", "strengths", "reactance"}
    known = set(evidence.keys())
    for item in points:
        assert item.best in item.options and set(item.explanations) == set(item.options)
        assert set(item.evidence_keys) <= known, item.key
        # Every decision rests on a finding, except the risk re-check, which rests on practice standards.
        assert item.evidence_keys or item.key == "risk_recheck", item.key


def test_decision_points_cannot_be_answered_by_length_or_letter():
    points = capstone.decision_points()
    longest = [item.key for item in points
               if len(item.options[item.best]) > max(len(text) for letter, text in item.options.items()
                                                      if letter != item.best)]
    assert len(longest) <= len(points) // 4, f"the best option is the longest in {longest}"
    letters = [item.best for item in points]
    assert max(letters.count(letter) for letter in "abcd") <= 2, letters


def test_deterioration_brings_a_risk_recheck_with_procedures_and_supervision(case):
    intake = case.loc[case["session"] == 0, "note"].item()
    assert "suicide" in intake
    note = case.loc[case["session"] == 5, "note"].item()
    assert "re-checked risk" in note and "suicidal thoughts" in note
    assert "procedure" in note and "supervisor" in note
    # Session 5 is the worst score of the case, above the band: the reason for the re-check.
    assert case.loc[case["session"] == 5, "symptom_count"].item() == case["symptom_count"].max()
    point = capstone.decision("risk_recheck")
    assert point.session == 5
    best = point.options[point.best].lower()
    assert "directly" in best and "supervisor" in best and "procedure" in best
    why = point.explanations[point.best].lower()
    assert "safeguarding" in why and "supervision" in why


def test_the_passive_wish_not_to_wake_up_is_followed_up_while_she_is_off_track(case):
    # Session 5 brings the wish not to wake up; the next sessions (still above the band) ask about it again.
    assert "wishes she would not wake up" in case.loc[case["session"] == 5, "note"].item()
    six = case.loc[case["session"] == 6, "note"].item()
    assert "asked again" in six and "contact" in six and "procedure" in six and "supervisor" in six
    assert "thoughts of death" in case.loc[case["session"] == 7, "note"].item()
    point = capstone.decision("not_on_track")
    assert "wake up" in point.question and "re-checked risk" not in point.question
    # The risk follow-up is in every option, so the choice is about feedback; the best one is not the longest.
    assert all("thoughts of death" in text for text in point.options.values())
    assert len(point.options[point.best]) < max(len(text) for text in point.options.values())
    assert "procedures" in point.explanations[point.best] and "supervision" in point.explanations[point.best]


def test_the_worksheet_is_set_at_session_3_and_the_rupture_at_4_is_voiced():
    notes = capstone.case_sessions().set_index("session")["note"]
    assert "thought record" in notes[3] and "set last time" in notes[4]
    assert "short answers" not in notes[4] and "sharply" in notes[4]
    assert "rating" not in capstone.decision("rupture").question


def test_strength_based_methods_are_not_oversold():
    why = capstone.decision("strengths").explanations[capstone.decision("strengths").best].lower()
    assert "small" in why and "few trials" in why and "wide interval" in why


def test_check_decision():
    right = capstone.check_decision("rupture", " D ")
    assert right.correct and right.message.startswith("Correct.")
    wrong = capstone.check_decision("rupture", "a")
    assert not wrong.correct and "Pushing on" in wrong.message
    assert capstone.check_decision("risk_recheck", "b").correct
    assert not capstone.check_decision("not_on_track", None).correct
    with pytest.raises(KeyError):
        capstone.check_decision("no_such_point", "a")


def test_practice_statements_follow_the_sessions(case):
    items = capstone.case_practice_statements()
    assert list(items["session"]) == list(case["session"])
    assert list(items["client"]) == list(case["client"])
