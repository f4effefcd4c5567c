"""What each module's demos must show in the browser, beyond the checks every module gets.

Every module gets the generic checks (no error output, every demo renders with data, every slider moves its plot,
accessibility). A module registers here the values its demos must show after a student operates them, computed
independently in Python from :mod:`helpcourse`. Module 01's checks are below; every other module keeps its own in
``tests/ui/expect_NN.py``, which defines ``EXPECTATIONS = {"NN_slug": [DemoExpectation(cell_id, controls, check)]}``
and is merged into :data:`EXPECTATIONS` here.

A check receives the open notebook page and the demo's cell; it operates the controls with the keyboard, as a
student would, and asserts the values the plot and its text alternative show.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import data, demos, effects, evidence, figures, findings
from helpcourse.simulate import alliance as simulate_alliance


@dataclass(frozen=True)
class DemoExpectation:
    """One demo of a module: the cell showing it, the accessible names of its controls, and a value check."""

    cell_id: str
    controls: tuple[str, ...]
    check: Callable[[NotebookPage, CellInfo], None]


# ------------------------------------------------------------------------------------------------------------
# Module 01: Reading outcome research
# ------------------------------------------------------------------------------------------------------------


def _live_text(nbpage: NotebookPage, cell: CellInfo) -> str:
    return nbpage.cell(cell.index).locator(".helpcourse-alt").first.text_content() or ""


def _scatter(plot: dict) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([np.asarray(plot["data"][i]["x"], dtype=float) for i in (0, 1)])
    y = np.concatenate([np.asarray(plot["data"][i]["y"], dtype=float) for i in (0, 1)])
    return x, y


def _assert_correlation_explorer_shows(nbpage: NotebookPage, cell: CellInfo, r: float, n: int) -> None:
    """The scatter holds the seeded clients for (r, n), its sample r is r, the dotted line is at their median outcome,
    the bars are their shares above that median (two shares that add up to 1 for an even n)."""
    seed = inspect.signature(demos.correlation_explorer).parameters["seed"].default
    clients = simulate_alliance.simulate_alliance_outcome(r, n, seed=seed)
    stronger, weaker = simulate_alliance.above_median_shares_by_alliance(clients)
    if n % 2 == 0:
        assert stronger + weaker == pytest.approx(1.0, abs=1e-12), "a median split: the two shares add up to 1"
    # the alliance scores depend on the seed and n only; the outcomes on r too
    wanted = [np.sort(clients[column].to_numpy()) for column in ("alliance", "outcome")]
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: all(np.allclose(np.sort(shown), want, rtol=0, atol=1e-12) if len(shown) == len(want)
                              else False for shown, want in zip(_scatter(p), wanted, strict=True)))
    assert plot["layout"]["title"]["text"] == figures.CORRELATION_TITLE
    x, y = _scatter(plot)
    assert len(x) == n
    assert float(np.corrcoef(x, y)[0, 1]) == pytest.approx(r, abs=1e-6), "sample correlation = the slider's r"
    assert np.sort(x) == pytest.approx(np.sort(clients["alliance"].to_numpy()), abs=1e-9)
    assert plot["data"][2]["y"][0] == pytest.approx(stronger, abs=1e-9)
    assert plot["data"][3]["y"][0] == pytest.approx(weaker, abs=1e-9)
    median_outcome = float(np.median(clients["outcome"]))
    line, label = plot["data"][4], plot["data"][5]
    assert line["y"] == pytest.approx([median_outcome] * 2, abs=1e-9), "the dotted line is at the sample's median"
    assert label["text"] == [figures.MEDIAN_LINE_LABEL]
    assert label["y"] == pytest.approx([median_outcome], abs=1e-9), "the line's label moves with it"
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"r = {figures.format_r(r)}" in t)
    assert f"{n} simulated clients" in text and f"r = {figures.format_r(r)}" in text
    stronger_text = f"{figures.format_percent(stronger)} of the clients in the stronger-alliance half ended above"
    assert stronger_text in text
    assert figures.format_percent(weaker) in text
    gap = round(100 * stronger) - round(100 * weaker)
    assert f"{gap} more per 100 clients in the stronger half" in text


def _press(nbpage: NotebookPage, slider, key: str) -> float:
    """Focus a slider, press a key, return the slider's new value."""
    before = float(slider.input_value())
    slider.focus()
    nbpage.page.keyboard.press(key)
    return poll(lambda: float(slider.input_value()), lambda value: value != before, timeout=5)


def check_correlation_explorer(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on both sliders: the plot shows exactly the seeded clients for the new r and n."""
    box = nbpage.cell(cell.index)
    r_slider = box.get_by_role("slider", name="Correlation r")
    n_slider = box.get_by_role("slider", name="Number of clients")
    r = round(_press(nbpage, r_slider, "ArrowRight" if float(r_slider.input_value()) < 0.9 else "ArrowLeft"), 2)
    n = int(float(n_slider.input_value()))
    _assert_correlation_explorer_shows(nbpage, cell, r, n)
    n = int(_press(nbpage, n_slider, "ArrowRight" if n < 1000 else "ArrowLeft"))
    _assert_correlation_explorer_shows(nbpage, cell, r, n)
    shown = box.get_by_role("spinbutton", name="Number of clients (type a value)")
    assert int(float(shown.input_value())) == n, "the number beside the slider shows its value"
    typed = 0.45 if r != 0.45 else 0.35
    r_box = box.get_by_role("spinbutton", name="Correlation r (type a value)")
    r_box.fill(f"{typed}")
    r_box.press("Enter")
    assert poll(lambda: float(r_slider.input_value()), lambda value: value == typed, timeout=5) == typed, (
        "a value typed beside the slider and committed with Enter moves the slider"
    )
    _assert_correlation_explorer_shows(nbpage, cell, typed, n)


def _forest_points(plot: dict) -> dict[str, float]:
    points: dict[str, float] = {}
    for trace in plot["data"][:2]:
        points.update(zip(trace["y"], (float(v) for v in trace["x"]), strict=True))
    return points


def check_relationship_forest(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Sort by size with the keyboard, then switch to d: rows in order of size, values converted to d."""
    box = nbpage.cell(cell.index)
    largest_first = box.get_by_role("button", name="Largest first")
    largest_first.focus()
    nbpage.page.keyboard.press("Space")
    by_size = list(findings.relationship_elements("r").sort_values("estimate", ascending=False, kind="stable")["label"])
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: list(p["layout"]["yaxis"]["categoryarray"])[::-1] == by_size)
    assert list(plot["layout"]["yaxis"]["categoryarray"])[::-1] == by_size, "Largest first puts the largest on top"

    to_d = box.get_by_role("button", name="Standardised difference d")
    to_d.focus()
    nbpage.page.keyboard.press("Space")
    expected = dict(zip(findings.relationship_elements("d")["label"], findings.relationship_elements("d")["estimate"],
                        strict=True))
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: p["layout"]["xaxis"]["title"]["text"] == "Standardised difference (d)")
    assert plot["layout"]["xaxis"]["title"]["text"] == "Standardised difference (d)"
    points = _forest_points(plot)
    assert points == pytest.approx(expected, abs=1e-9)
    assert points["Alliance"] == pytest.approx(effects.r_to_d(0.278), abs=1e-9)
    assert "d scale" in poll(lambda: _live_text(nbpage, cell), lambda t: "d scale" in t)
    assert plot["data"][1]["name"] == figures.NO_INTERVAL_LABEL, "rows without an interval: none in the course's table"
    caveats = {label: evidence.row(key).caveat for label, key in findings.RELATIONSHIP_ELEMENTS.items()}
    for trace in plot["data"][:2]:
        for label, detail in zip(trace["y"], trace["customdata"], strict=True):
            assert " ".join(detail.split("<br>")[1:]) == caveats[label], f"the hover text of {label} shows its caveat"


def check_quit_rates(nbpage: NotebookPage, cell: CellInfo) -> None:
    """The bars are the quit rates of the Hasselblad (1998) arms, added up by kind of help."""
    totals = data.load_hasselblad1998().groupby("trt", observed=True)[["xi", "ni"]].sum()
    expected = {demos.TREATMENT_LABELS[code]: row.xi / row.ni for code, row in totals.iterrows()}
    trace = nbpage.plot_data(cell.index)["data"][0]
    assert dict(zip(trace["y"], trace["x"], strict=True)) == pytest.approx(expected, abs=1e-12)
    text = _live_text(nbpage, cell)
    missing = [label for label, rate in expected.items() if f"{label}: {figures.format_percent(rate)} quit" not in text]
    assert not missing, f"the text alternative does not state the rates of {missing}: {text!r}"


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "01_reading_outcome_research": [
        DemoExpectation("demo_correlation", ("Correlation r", "Number of clients"), check_correlation_explorer),
        DemoExpectation("demo_forest", ("Correlation r", "Standardised difference d", "Default order",
                                        "Largest first"),
                        check_relationship_forest),
        DemoExpectation("hasselblad_figure", (), check_quit_rates),
    ],
}


def _module_files() -> dict[str, list[DemoExpectation]]:
    """The expectations of ``expect_NN.py`` files beside this one, by module name."""
    merged: dict[str, list[DemoExpectation]] = {}
    for path in sorted(Path(__file__).parent.glob("expect_[0-9]*.py")):
        module = importlib.import_module(path.stem)
        for name, expectations in module.EXPECTATIONS.items():
            if name in merged or name in EXPECTATIONS:
                raise ValueError(f"{path.name}: expectations for {name} are registered twice")
            merged[name] = list(expectations)
    return merged


EXPECTATIONS.update(_module_files())
