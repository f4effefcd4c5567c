"""Module 06's demos in the browser: after keyboard operation, the plots show exactly the library's values."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, demos, figures, strengths
from helpcourse.simulate import weak_evidence as simulate_weak_evidence


def _choose(nbpage: NotebookPage, button) -> None:
    """Choose one of a demo's toggle buttons with the keyboard (Enter, then Space if the first key was lost)."""
    for key in ("Enter", "Space", "Enter"):
        button.focus()
        nbpage.page.keyboard.press(key)
        chosen = poll(lambda: button.get_attribute("class") or "", lambda c: "mod-active" in c, timeout=6)
        if "mod-active" in chosen:
            return
    raise AssertionError("the toggle button did not respond to Enter or Space")


def _assert_weak_evidence_shows(nbpage: NotebookPage, cell: CellInfo, true_d: float, n: int, bias: float,
                                only_significant: bool) -> None:
    """The bars are the seeded studies' histogram for these settings; the lines are the true and reported d."""
    seed = inspect.signature(demos.weak_evidence_explorer).parameters["seed"].default
    studies = simulate_weak_evidence.simulate_small_studies(true_d, n, bias, seed=seed)
    summary = simulate_weak_evidence.summarise_studies(studies, only_significant)
    edges = figures.WEAK_EVIDENCE_EDGES
    benefit = simulate_weak_evidence.histogram_counts(studies.d[studies.found_benefit], edges)
    other = simulate_weak_evidence.histogram_counts(studies.d[~studies.found_benefit], edges)
    title = f"{n} clients per group"

    def shows(plot: dict) -> bool:
        return (title in plot["layout"]["title"]["text"]
                and abs(float(plot["data"][3]["x"][0]) - summary.mean_reported) < 1e-9
                and [int(v) for v in plot["data"][0]["y"]] == benefit.tolist())

    plot = poll(lambda: nbpage.plot_data(cell.index), shows)
    assert title in plot["layout"]["title"]["text"], f"the title should say {title!r}"
    assert [int(v) for v in plot["data"][0]["y"]] == benefit.tolist(), "blue bars = studies finding a benefit"
    assert [int(v) for v in plot["data"][1]["y"]] == other.tolist(), "grey bars = the other studies"
    assert float(plot["data"][2]["x"][0]) == pytest.approx(true_d, abs=1e-9), "dashed line at the true effect"
    assert float(plot["data"][3]["x"][0]) == pytest.approx(summary.mean_reported, abs=1e-9)
    centres = (edges[:-1] + edges[1:]) / 2
    assert np.asarray(plot["data"][0]["x"], dtype=float) == pytest.approx(centres, abs=1e-9)
    share = f"{100 * summary.share_benefit:.1f}% of the studies found a significant benefit"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: share in t and f"{n} clients per group" in t)
    assert share in text and f"{n} clients per group" in text
    if only_significant:
        assert f"their average is d = {summary.mean_reported:.2f}" in text


def check_weak_evidence(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on the three sliders and Space on a toggle button: the histogram is the library's."""
    box = nbpage.cell(cell.index)
    d_slider = box.get_by_role("slider", name="True effect d")
    n_slider = box.get_by_role("slider", name="Clients per group")
    bias_slider = box.get_by_role("slider", name="Selection bias (SD)")
    true_d = round(_press(nbpage, d_slider, "ArrowRight" if float(d_slider.input_value()) < 0.8 else "ArrowLeft"), 2)
    n = int(float(n_slider.input_value()))
    bias = round(float(bias_slider.input_value()), 2)
    _assert_weak_evidence_shows(nbpage, cell, true_d, n, bias, False)
    n = int(_press(nbpage, n_slider, "ArrowRight" if n < 200 else "ArrowLeft"))
    bias = round(_press(nbpage, bias_slider, "ArrowRight" if bias < 0.6 else "ArrowLeft"), 2)
    _assert_weak_evidence_shows(nbpage, cell, true_d, n, bias, False)
    _choose(nbpage, box.get_by_role("button", name="Only significant benefits"))
    _assert_weak_evidence_shows(nbpage, cell, true_d, n, bias, True)
    shown = box.get_by_role("spinbutton", name="Clients per group (type a value)")
    assert int(float(shown.input_value())) == n, "the number beside the slider shows its value"


def check_contact_odds_ratios(nbpage: NotebookPage, cell: CellInfo) -> None:
    """The diamonds are the pooled within-trial odds ratios; the DerSimonian-Laird button re-pools them."""
    arms = data.load_hasselblad1998()
    pooled = strengths.contact_odds_ratios(arms, "pm")
    plot = nbpage.plot_data(cell.index)
    assert np.asarray(plot["data"][0]["x"], dtype=float) == pytest.approx(pooled["odds_ratio"].to_numpy(), rel=1e-9)
    singles = np.concatenate([strengths.within_trial_odds_ratios(arms, c)["odds_ratio"] for c in pooled["contact"]])
    assert np.asarray(plot["data"][1]["x"], dtype=float) == pytest.approx(singles, rel=1e-9)
    _choose(nbpage, nbpage.cell(cell.index).get_by_role("button", name="DerSimonian-Laird"))
    dl = strengths.contact_odds_ratios(arms, "dl")
    plot = poll(lambda: nbpage.plot_data(cell.index), lambda p: "DerSimonian-Laird" in p["layout"]["title"]["text"])
    assert "DerSimonian-Laird" in plot["layout"]["title"]["text"]
    assert np.asarray(plot["data"][0]["x"], dtype=float) == pytest.approx(dl["odds_ratio"].to_numpy(), rel=1e-9)
    ind = dl.iloc[1]
    expected = f"Individual counselling: OR = {ind.odds_ratio:.2f} (95% CI {ind.ci_low:.2f} to {ind.ci_high:.2f}"
    assert expected in poll(lambda: _live_text(nbpage, cell), lambda t: expected in t)


EXPECTATIONS = {
    "06_strengths_hope": [
        DemoExpectation("demo_weak_evidence", ("True effect d", "Clients per group", "Selection bias (SD)",
                                               "All studies", "Only significant benefits"), check_weak_evidence),
        DemoExpectation("demo_contact", ("Paule-Mandel", "DerSimonian-Laird"), check_contact_odds_ratios),
    ],
}
