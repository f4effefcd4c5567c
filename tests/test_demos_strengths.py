"""Module 06 figures and demos: plotted values are the library's results, controls are labelled, updates in place."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

from helpcourse import data, demos, figures, strengths
from helpcourse.simulate import weak_evidence as simulate_weak_evidence


def _expected_bars(true_d: float, n: int, bias: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    studies = simulate_weak_evidence.simulate_small_studies(true_d, n, bias, seed=simulate_weak_evidence.SEED)
    edges = figures.WEAK_EVIDENCE_EDGES
    benefit = studies.found_benefit
    return (
        simulate_weak_evidence.histogram_counts(studies.d[benefit], edges),
        simulate_weak_evidence.histogram_counts(studies.d[~benefit], edges),
        studies.d,
    )


# --------------------------------------------------------------------------------------------------
# The small-study simulation
# --------------------------------------------------------------------------------------------------


def test_weak_evidence_explorer_plots_the_seeded_studies():
    explorer = demos.weak_evidence_explorer()
    benefit, other, d = _expected_bars(0.0, 10, 0.0)
    fig = explorer.figure
    assert list(fig.data[0].y) == benefit.tolist() and list(fig.data[1].y) == other.tolist()
    assert sum(fig.data[0].y) + sum(fig.data[1].y) == simulate_weak_evidence.N_STUDIES
    np.testing.assert_allclose(fig.data[0].x, (figures.WEAK_EVIDENCE_EDGES[:-1] + figures.WEAK_EVIDENCE_EDGES[1:]) / 2)
    assert list(fig.data[2].x) == [0.0, 0.0]
    assert fig.data[3].x[0] == pytest.approx(float(d.mean()))
    assert "2,000 simulated randomised studies, 10 clients per group" in fig.layout.title.text
    assert "helpcourse-alt" in explorer.description.value


def test_weak_evidence_explorer_updates_the_same_figure_with_every_control():
    explorer = demos.weak_evidence_explorer()
    fig = explorer.figure
    explorer.true_d.value = 0.2
    explorer.n_per_group.value = 30
    explorer.selection_bias.value = 0.15
    explorer.reported.value = True
    assert explorer.figure is fig
    benefit, other, d = _expected_bars(0.2, 30, 0.15)
    assert list(fig.data[0].y) == benefit.tolist() and list(fig.data[1].y) == other.tolist()
    reported = simulate_weak_evidence.average_reported_effect(0.2, 30, 0.15, only_significant=True)
    assert fig.data[3].x[0] == pytest.approx(reported)
    assert list(fig.data[2].x) == [pytest.approx(0.2)] * 2
    assert fig.data[1].name == "No significant benefit (not reported)" and fig.data[1].opacity < 0.5
    assert "simulated non-randomised studies, 30 clients per group" in fig.layout.title.text
    summary = explorer.summary()
    assert f"{100 * summary.share_benefit:.1f}% of the studies" in explorer.description.value
    assert f"their average is d = {reported:.2f}" in explorer.description.value
    explorer.reported.value = False
    assert fig.data[3].x[0] == pytest.approx(float(d.mean()))
    assert fig.data[1].name == "No significant benefit"


def test_weak_evidence_controls_are_labelled_show_their_number_and_have_a_second_encoding():
    explorer = demos.weak_evidence_explorer()
    assert [explorer.true_d.description, explorer.n_per_group.description, explorer.selection_bias.description] \
        == ["True effect d", "Clients per group", "Selection bias (SD)"]
    assert all(s.readout for s in (explorer.true_d, explorer.n_per_group, explorer.selection_bias))
    assert [label for label, _ in explorer.reported.options] == ["All studies", "Only significant benefits"]
    fig = explorer.figure
    assert fig.data[1].marker.pattern.shape == "/" and not fig.data[0].marker.pattern.shape
    assert fig.data[2].line.dash == "dash" and fig.data[3].line.dash == "dot"
    assert fig.data[0].marker.color != fig.data[1].marker.color


def test_weak_evidence_update_is_well_under_100_ms():
    explorer = demos.weak_evidence_explorer()
    times = []
    for value in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35):
        start = time.perf_counter()
        explorer.selection_bias.value = value
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.05


def test_describe_weak_evidence_with_nothing_reported():
    studies = simulate_weak_evidence.simulate_small_studies(-0.5, 100, 0.0, n_studies=50)
    summary = simulate_weak_evidence.summarise_studies(studies, only_significant=True)
    text = figures.describe_weak_evidence(summary, 100, 0.0)
    assert "none was found" in text and "0.0% of the studies" in text
    fig = figures.weak_evidence_figure(studies, only_significant=True)
    assert fig.data[3].x[0] == pytest.approx(-0.5)  # the line falls back to the true effect


# --------------------------------------------------------------------------------------------------
# Contact with a helper
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arms():
    return data.load_hasselblad1998()


def test_contact_figure_plots_the_pooled_and_single_trial_odds_ratios(arms):
    demo = demos.contact_odds_ratios(arms)
    pooled = strengths.contact_odds_ratios(arms)
    fig = demo.figure
    np.testing.assert_allclose(fig.data[0].x, pooled["odds_ratio"])
    np.testing.assert_allclose(fig.data[0].error_x.array, pooled["ci_high"] - pooled["odds_ratio"])
    np.testing.assert_allclose(fig.data[0].error_x.arrayminus, pooled["odds_ratio"] - pooled["ci_low"])
    singles = np.concatenate([strengths.within_trial_odds_ratios(arms, c)["odds_ratio"] for c in pooled["contact"]])
    np.testing.assert_allclose(fig.data[1].x, singles)
    assert len(fig.data[1].x) == 3 + 15 + 2
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext) == ["Self-help material (3 trials)", "Individual counselling (15 trials)",
                                               "Group counselling (2 trials)"]
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert "Paule-Mandel" in fig.layout.title.text
    row = pooled.iloc[1]
    assert (f"Individual counselling: OR = {row.odds_ratio:.2f} (95% CI {row.ci_low:.2f} to {row.ci_high:.2f}, "
            f"15 trials)") in demo.description.value


def test_contact_estimator_buttons_switch_the_pooling(arms):
    demo = demos.contact_odds_ratios(arms)
    fig = demo.figure
    demo.method.value = "dl"
    assert demo.figure is fig
    pooled = strengths.contact_odds_ratios(arms, "dl")
    np.testing.assert_allclose(fig.data[0].x, pooled["odds_ratio"])
    assert "DerSimonian-Laird" in fig.layout.title.text
    assert f"OR = {pooled['odds_ratio'].iloc[1]:.2f}" in demo.description.value


# --------------------------------------------------------------------------------------------------
# The reframing practice
# --------------------------------------------------------------------------------------------------


def test_reframe_practice_gives_feedback_and_keeps_score():
    practice = demos.reframe_practice(seed=None)
    item = strengths.ITEMS[0]
    shown = practice.exchange.value.replace("&#x27;", "'")
    assert item.client in shown and all(text in shown for text in item.options.values())
    assert [button.description for button in practice.choices] == ["Option a", "Option b", "Option c"]
    assert practice.next_button.disabled
    wrong = next(letter for letter in item.options if letter != item.best)
    practice.choices["abc".index(wrong)].click()
    assert "Not quite." in practice.feedback.value
    practice.choices["abc".index(item.best)].click()
    assert "Right." in practice.feedback.value
    assert "0 of 1 right on the first try" in practice.score.value
    assert not practice.next_button.disabled
    practice.next_button.click()
    assert practice.feedback.value == "" and practice.next_button.disabled
    assert "Question 2 of 7" in practice.counter.value
    assert strengths.ITEMS[1].options["a"] in practice.choices[0].tooltip
    assert practice.choose(strengths.ITEMS[1].best).correct
    while not practice.session.is_last:
        practice.advance()
    practice.choose("a")
    assert practice.next_button.disabled and "last question" in practice.feedback.value
    practice.restart_button.click()
    assert "Question 1 of 7" in practice.counter.value and "nothing answered yet" in practice.score.value
