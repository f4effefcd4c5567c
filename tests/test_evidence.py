"""Tests for the course's evidence table (``helpcourse.evidence``) against the verified fact review."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from helpcourse import evidence

FACTS = Path(__file__).resolve().parents[2] / "shared" / "evidence" / "facts.csv"

REQUIRED_KEYS = [
    "alliance_r_2018",
    "alliance_internet_r_2018",
    "alliance_r_2011",
    "alliance_adjusted_r_range_2020",
    "empathy_r_2018",
    "empathy_r_2011",
    "positive_regard_g_2018",
    "congruence_r_2018",
    "congruence_r_2011",
    "goal_consensus_r_2018",
    "collaboration_r_2018",
    "therapist_collaboration_r_2018",
    "rupture_repair_r_2018",
    "real_relationship_r_2018",
    "group_cohesion_r_2018",
    "countertransference_management_r_2018",
    "credibility_r_2018",
    "expectations_r_2018",
    "expectations_r_2011",
    "preferences_d_2018",
    "preferences_dropout_or_2018",
    "reactance_matching_d_2018",
    "coping_style_matching_d_2018",
    "stages_of_change_d_2018",
    "cultural_adaptation_d_2018",
    "confrontation_drinking_r_1993",
    "confrontation_evidence_2007",
    "mi_vs_weak_g_2010",
    "mi_vs_active_g_2010",
    "bona_fide_differences_1997",
    "therapist_variance_pct_2005",
    "strength_based_g_2023",
    "feedback_d_2021",
    "feedback_not_on_track_d_2021",
    "feedback_dropout_or_2021",
    "dose_effect_1986",
    "psychotherapy_vs_none_1977",
    "miti_reflection_question_ratio",
    "miti_complex_reflections",
]

REQUIRED_TEXT = [
    "key",
    "finding",
    "metric",
    "value_text",
    "citation",
    "short_cite",
    "source_page",
    "status",
    "caveat",
]


def _printed_number(text: str) -> float | None:
    """A number as printed in facts.csv ('.256', '-.09', '1.38'), or None if the cell is not one."""
    text = text.strip()
    return float(text) if re.fullmatch(r"-?\d*\.?\d+", text) else None


@pytest.fixture(scope="module")
def rows() -> list[evidence.EvidenceRow]:
    all_keys = evidence.keys()
    return [evidence.row(key) for key in all_keys]


@pytest.fixture(scope="module")
def facts() -> list[dict[str, str]]:
    if not FACTS.is_file():
        pytest.skip(f"shared fact review not found at {FACTS}")
    with FACTS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_header_matches_columns() -> None:
    frame = evidence.table()
    assert tuple(frame.columns) == evidence.COLUMNS
    assert evidence.COLUMNS[-1] == "caveat"


def test_every_row_is_complete(rows: list[evidence.EvidenceRow]) -> None:
    assert len(rows) >= 80
    for item in rows:
        for name in REQUIRED_TEXT:
            assert getattr(item, name).strip(), f"{item.key}: empty {name}"


def test_keys_unique_and_snake_case() -> None:
    keys = evidence.keys()
    assert len(keys) == len(set(keys))
    for key in keys:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key), key


#: Rows kept although not fully verified, so that a module can name them as open questions (never graded).
PARTIAL_KEYS = {"alliance_therapist_patient_2007", "hill_skill_categories"}


def test_every_status_is_verified_or_a_named_partial_row(rows: list[evidence.EvidenceRow]) -> None:
    for item in rows:
        if item.key in PARTIAL_KEYS:
            assert item.status == "partial", item.key
            assert not evidence.is_verified(item.key)
            assert "[not fully verified (status: partial)" in evidence.statement(item.key)
        else:
            assert item.status.startswith("verified"), (item.key, item.status)
            assert evidence.is_verified(item.key)
            assert "not fully verified" not in evidence.statement(item.key)


def test_rows_match_the_verified_fact_review(
    rows: list[evidence.EvidenceRow], facts: list[dict[str, str]]
) -> None:
    by_finding: dict[str, dict[str, str]] = {}
    partial: set[str] = set()
    for fact in facts:
        if fact["status"].startswith("verified"):
            assert fact["finding"] not in by_finding, f"finding not unique in facts.csv: {fact['finding']}"
            by_finding[fact["finding"]] = fact
        elif fact["status"] == "partial":
            partial.add(fact["finding"])
    for fact in facts:
        if fact["finding"] in partial and any(item.finding == fact["finding"] for item in rows):
            by_finding[fact["finding"]] = fact
    assert {item.key for item in rows if item.finding in partial} == PARTIAL_KEYS
    for item in rows:
        fact = by_finding.get(item.finding)
        assert fact is not None, f"{item.key}: no verified row in facts.csv with finding {item.finding!r}"
        assert item.value_text == fact["value"], item.key
        assert item.metric == fact["metric"], item.key
        assert item.status == fact["status"], item.key
        assert item.source_page == fact["verified_source"], item.key
        assert (item.k, item.n) == (fact["k"], fact["n"]), item.key
        if fact["doi"]:
            assert item.doi == fact["doi"], item.key
        for name in ("ci_low", "ci_high"):
            assert getattr(item, name) == _printed_number(fact[name]), (item.key, name)
    # All verified findings are in the course table, and nothing else is.
    assert sorted(item.finding for item in rows) == sorted(by_finding)


def test_numeric_values_are_printed_in_the_source(rows: list[evidence.EvidenceRow]) -> None:
    for item in rows:
        if item.value is None:
            continue
        printed = [float(x) for x in re.findall(r"-?\d*\.?\d+", item.value_text.replace(",", ""))]
        assert any(math.isclose(item.value, x) for x in printed), (item.key, item.value, item.value_text)


def test_numeric_values_lie_inside_their_ci(rows: list[evidence.EvidenceRow]) -> None:
    for item in rows:
        if item.ci_low is None and item.ci_high is None:
            continue
        assert item.ci_low is not None and item.ci_high is not None, item.key
        assert item.value is not None, item.key
        assert item.ci_low <= item.value <= item.ci_high, item.key


def test_required_keys_exist() -> None:
    missing = set(REQUIRED_KEYS) - set(evidence.keys())
    assert not missing


def test_known_values() -> None:
    assert evidence.value("alliance_r_2018") == 0.278
    alliance = evidence.row("alliance_r_2018")
    assert (alliance.ci_low, alliance.ci_high) == (0.256, 0.299)
    regard = evidence.row("positive_regard_g_2018")
    assert regard.metric == "Hedges g"
    assert regard.value == 0.28
    assert evidence.value("preferences_dropout_or_2018") == 1.79
    assert evidence.value("expectations_r_2018") == 0.18
    assert evidence.value("expectations_r_2011") == 0.12
    assert evidence.value("reactance_matching_d_2018") == 0.79
    assert evidence.value("feedback_d_2021") == 0.15
    assert evidence.value("feedback_not_on_track_d_2021") == 0.17
    assert evidence.value("mi_vs_active_g_2010") == 0.09
    assert evidence.row("mi_vs_active_g_2010").value_text == "0.09 (ns)"
    assert evidence.value("therapist_variance_pct_2005") == 5


def test_adjusted_alliance_range_has_no_single_value() -> None:
    item = evidence.row("alliance_adjusted_r_range_2020")
    assert item.value is None
    assert item.value_text == "0.23 to 0.31"


def test_statement_alliance() -> None:
    assert evidence.statement("alliance_r_2018") == (
        "r = .278 (95% CI .256 to .299; 295 independent studies, >30,000 patients; Flückiger et al., 2018)"
    )


def test_statement_keeps_leading_zero_for_d_g_and_or() -> None:
    assert evidence.statement("feedback_dropout_or_2021").startswith("OR = 1.19 (95% CI 1.03 to 1.38;")
    assert evidence.statement("positive_regard_g_2018").startswith("g = 0.28 (")
    assert evidence.statement("strength_based_g_2023").startswith("g = 0.17 (95% CI 0.03 to 0.31;")
    assert evidence.statement("mi_vs_active_g_2010").startswith("g = 0.09, ns (")


def test_statement_negative_r_and_text_figures() -> None:
    assert evidence.statement("countertransference_reactions_r_2018").startswith(
        "r = -.16 (95% CI -.30 to -.03;"
    )
    text = evidence.statement("miti_complex_reflections")
    assert text.startswith("MITI 4 benchmark for the share of complex reflections: fair 40%; good 50% (")
    assert text.endswith(f"{evidence.cite('miti_complex_reflections')})")


def test_cite_and_reference() -> None:
    assert evidence.cite("alliance_r_2018") == "Flückiger et al., 2018"
    ref = evidence.reference("alliance_r_2018")
    assert ref.startswith("Flückiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018).")
    assert ref.endswith(" https://doi.org/10.1037/pst0000172")
    # A row whose source has no DOI gets the plain reference.
    assert "doi.org" not in evidence.reference("confrontation_drinking_r_1993")


def test_abbreviated_citations_are_expanded(rows: list[evidence.EvidenceRow]) -> None:
    assert evidence.row("collaboration_r_2018").citation == evidence.row("goal_consensus_r_2018").citation
    for item in rows:
        assert "(see above)" not in item.citation, item.key
        assert re.search(r"\(\d{4}[^)]*\)\.", item.citation), (item.key, item.citation)


def test_references_sorted_unique() -> None:
    refs = evidence.references(
        ["feedback_d_2021", "alliance_r_2018", "alliance_internet_r_2018", "feedback_dropout_or_2021"]
    )
    assert len(refs) == 2
    assert refs[0].startswith("de Jong")
    assert refs[1].startswith("Flückiger")


def test_unknown_key_suggests_close_match() -> None:
    with pytest.raises(KeyError, match="alliance_r_2018"):
        evidence.row("alliance_r_2019")
    with pytest.raises(KeyError):
        evidence.value("no_such_key")


def test_value_on_qualitative_row_raises() -> None:
    with pytest.raises(ValueError, match="no single numeric value"):
        evidence.value("confrontation_evidence_2007")
    with pytest.raises(ValueError):
        evidence.value("miti_reflection_question_ratio")


def test_table_is_a_copy() -> None:
    frame = evidence.table()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(evidence.keys())
    assert frame["value"].dtype == "float64"
    frame.loc[0, "value"] = -99.0
    assert evidence.table().loc[0, "value"] != -99.0


def test_rows_are_frozen() -> None:
    item = evidence.row("alliance_r_2018")
    with pytest.raises(AttributeError):
        item.value = 0.5  # type: ignore[misc]


def test_every_statement_names_its_metric(rows: list[evidence.EvidenceRow]) -> None:
    """A bound, a range or a share never reads as an effect size: each statement starts with its metric."""
    symbols = {"r": "r = ", "d": "d = ", "Hedges g": "g = ", "odds ratio": "OR = "}
    for item in rows:
        text = evidence.statement(item.key)
        name = evidence.metric_name(item.key)
        assert name.strip(), item.key
        if item.metric in symbols and item.value is not None:
            assert text.startswith(symbols[item.metric]), (item.key, text)
        else:
            assert text.startswith(f"{name}: "), (item.key, text)


def test_bound_and_effect_size_read_differently() -> None:
    bound = evidence.statement("bona_fide_differences_1997")
    assert bound.startswith("upper bound of the true difference (d) between bona fide therapies: ~0.20")
    assert evidence.statement("active_treatment_differences_d_2002").startswith("d = 0.20 (")


def test_statements_use_person_first_wording(rows: list[evidence.EvidenceRow]) -> None:
    assert "people with drinking problems" in evidence.statement("confrontation_drinking_r_1993")
    for item in rows:
        assert not re.search(r"problem drinkers|alcoholics|depressives", evidence.statement(item.key)), item.key
