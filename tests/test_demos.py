"""Figures and demos: the plotted data are the expected values, controls are labelled, updates happen in place."""

from __future__ import annotations

import html

import numpy as np
import pytest

from helpcourse import demos, effects, figures, findings
from helpcourse.simulate import alliance as simulate_alliance


def _scatter_r(fig) -> float:
    x = np.concatenate([np.asarray(fig.data[0].x), np.asarray(fig.data[1].x)])
    y = np.concatenate([np.asarray(fig.data[0].y), np.asarray(fig.data[1].y)])
    return float(np.corrcoef(x, y)[0, 1])


def test_correlation_explorer_plots_the_chosen_r():
    demo = demos.correlation_explorer(r=0.28, n_clients=200)
    assert _scatter_r(demo.figure) == pytest.approx(0.28, abs=1e-9)
    assert len(demo.figure.data[0].x) + len(demo.figure.data[1].x) == 200


def test_moving_the_slider_updates_the_same_figure():
    demo = demos.correlation_explorer(r=0.28, n_clients=200)
    figure = demo.figure
    demo.r_slider.value = 0.5
    assert demo.figure is figure
    assert _scatter_r(figure) == pytest.approx(0.5, abs=1e-9)
    clients = simulate_alliance.simulate_alliance_outcome(0.5, 200, seed=2018)
    stronger, weaker = simulate_alliance.above_median_shares_by_alliance(clients)
    assert figure.data[2].y[0] == pytest.approx(stronger)
    assert figure.data[3].y[0] == pytest.approx(weaker)
    assert stronger + weaker == pytest.approx(1.0), "a median split of 200 clients"
    median_outcome = clients["outcome"].median()
    assert figure.layout.shapes[0].y0 == pytest.approx(median_outcome) == figure.layout.shapes[0].y1
    label = next(a for a in figure.layout.annotations if a.text == figures.MEDIAN_LINE_LABEL)
    assert label.y == pytest.approx(median_outcome)
    assert "r = .50" in figure.layout.title.text
    assert "r = .50" in demo.description.value and f"{100 * stronger:.0f}%" in demo.description.value


def test_line_and_bars_use_the_sample_median_outcome():
    demo = demos.correlation_explorer(r=0.28, n_clients=200)
    clients = simulate_alliance.simulate_alliance_outcome(0.28, 200, seed=2018)
    outcome = np.concatenate([np.asarray(demo.figure.data[i].y) for i in (0, 1)])
    line = demo.figure.layout.shapes[0].y0
    assert line == pytest.approx(np.median(outcome)) and line == pytest.approx(clients["outcome"].median())
    assert (outcome > line).sum() == 100, "half of the 200 clients are above the line"
    stronger, weaker = demo.figure.data[2].y[0], demo.figure.data[3].y[0]
    assert stronger + weaker == pytest.approx(1.0)
    assert (stronger, weaker) == pytest.approx((0.60, 0.40))
    assert "60% of the clients in the stronger-alliance half ended above the median outcome" in demo.description.value
    assert "20 more per 100 clients in the stronger half than per 100 in the weaker half" in demo.description.value


def test_number_of_clients_slider():
    demo = demos.correlation_explorer(r=0.3, n_clients=200)
    demo.n_slider.value = 1000
    assert len(demo.figure.data[0].x) + len(demo.figure.data[1].x) == 1000


def test_controls_are_labelled_with_visible_numbers():
    demo = demos.correlation_explorer()
    for slider in (demo.r_slider, demo.n_slider):
        assert slider.description and slider.readout
    forest = demos.relationship_forest()
    assert forest.scale.description == "Show as" and forest.sort.description == "Sort"
    assert [label for label, _ in forest.sort.options] == ["Default order", "Largest first"]


def test_forest_plots_the_evidence_table_and_converts_to_d():
    forest = demos.relationship_forest()
    rows = findings.relationship_elements("r")
    plotted = dict(zip(forest.figure.data[0].y, forest.figure.data[0].x, strict=True))
    assert plotted["Alliance"] == pytest.approx(0.278)
    assert plotted["Empathy"] == pytest.approx(0.28)
    forest.scale.value = "d"
    plotted_d = dict(zip(forest.figure.data[0].y, forest.figure.data[0].x, strict=True))
    assert plotted_d["Alliance"] == pytest.approx(effects.r_to_d(0.278))
    without_ci = dict(zip(forest.figure.data[1].y, forest.figure.data[1].x, strict=True))
    regard = rows.set_index("label").loc["Positive regard (g, converted)", "estimate"]
    assert regard == pytest.approx(effects.d_to_r(0.28))
    assert without_ci["Positive regard (g, converted)"] == pytest.approx(effects.r_to_d(regard))
    assert "d scale" in forest.description.value


def test_forest_rows_without_interval_are_not_blamed_on_the_meta_analyses():
    forest = demos.relationship_forest()
    assert forest.figure.data[1].name == "Estimate, no interval in the course's evidence table"
    text = html.unescape(forest.description.value)
    assert "have no interval in the course's evidence table" in text and "reported no interval" not in text


def test_forest_hover_text_shows_each_rows_caveat():
    from helpcourse import evidence

    forest = demos.relationship_forest()
    for trace in forest.figure.data:
        for label, detail in zip(trace.y, trace.customdata, strict=True):
            key = findings.RELATIONSHIP_ELEMENTS[label]
            assert " ".join(detail.split("<br>")[1:]) == evidence.row(key).caveat
            assert max(len(line) for line in detail.split("<br>")[1:]) <= 60


def test_bars_are_labelled_as_shares_above_the_median_not_recovery():
    fig = figures.alliance_outcome_figure([0, 1, 2, 3], [0, 1, 1, 2], 0.5, 0.6, 0.4)
    labels = [a.text for a in fig.layout.annotations] + [fig.layout.yaxis2.title.text]
    assert "Share above the median outcome" in labels and "above the median outcome" in labels
    assert not any("recover" in label.lower() for label in labels)


def test_forest_title_says_what_the_rows_are():
    title = demos.relationship_forest().figure.layout.title.text
    assert "2018" in title and "task force" in title and "Twelve" in title


def test_forest_sort_by_size_orders_rows():
    forest = demos.relationship_forest()
    forest.sort.value = "size"
    order = list(forest.figure.layout.yaxis.categoryarray)[::-1]
    estimates = findings.relationship_elements("r").set_index("label")["estimate"]
    assert [estimates[label] for label in order] == sorted(estimates, reverse=True)


def test_every_figure_has_a_second_encoding_besides_colour():
    fig = figures.alliance_outcome_figure([0, 1, 2, 3], [0, 1, 1, 2], 0.5, 0.6, 0.4)
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert fig.data[2].marker.pattern.shape != fig.data[3].marker.pattern.shape
    forest = figures.forest_plot(findings.relationship_elements("r"), "r", "t")
    assert forest.data[0].marker.symbol != forest.data[1].marker.symbol


def test_palette_is_okabe_ito():
    assert figures.PALETTE["blue"] == "#0072B2" and figures.PALETTE["orange"] == "#E69F00"


def test_text_alternatives_state_the_numbers():
    text = figures.describe_alliance_outcome(0.28, 200, 0.59, 0.41)
    assert "r = .28" in text and "59%" in text and "41%" in text and "(18 percentage points" in text
    assert "18 more per 100 clients in the stronger half than per 100 in the weaker half" in text
    assert "59% of the clients in the stronger-alliance half ended above the median outcome" in text
    assert "not a recovery rate" in text and "dotted line at the median outcome" in text
    assert "recovered" not in text
    assert figures.format_r(-0.05) == "-.05" and figures.format_r(0.278) == ".28"


def test_quit_rates_figure_lists_every_kind_of_help():
    import pandas as pd

    totals = pd.DataFrame({"xi": [10, 30], "ni": [100, 100]}, index=["no_contact", "ind_counseling"])
    totals["quit_rate"] = totals["xi"] / totals["ni"]
    box = demos.quit_rates_figure(totals)
    fig, alt = box.children
    assert list(fig.data[0].x) == [0.1, 0.3]
    assert "No contact: 10% quit (10 of 100)" in alt.value


def test_only_the_first_figure_of_a_kernel_sends_plotlys_script():
    """plotly's 5 MB widget script goes to the browser once per kernel; later figures wait for that copy."""
    import json
    import subprocess
    import sys

    code = (
        "import json, plotly.basewidget, pathlib\n"
        "from helpcourse.demos.common import FigureWidget\n"
        "first, second, third = FigureWidget(), FigureWidget(), FigureWidget()\n"
        "bundle = (pathlib.Path(plotly.basewidget.__file__).parent / 'package_data' / 'widgetbundle.js').read_text()\n"
        "print(json.dumps([json.dumps(bundle) in first._esm, len(first._esm) > len(bundle),\n"
        "                  [len(f._esm) for f in (second, third)], second._esm == third._esm,\n"
        "                  'await shared.promise' in second._esm, second.get_state()['_esm'] == second._esm]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    carries, larger, later_sizes, same, waits, synced = json.loads(out.strip().splitlines()[-1])
    assert carries and larger, "the first figure carries plotly's whole script"
    assert max(later_sizes) < 1000 and same and waits, "later figures only wait for the shared copy"
    assert synced, "the short script is what the browser receives"
