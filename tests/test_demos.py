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
    assert list(figure.data[4].y) == pytest.approx([median_outcome] * 2), "the dotted line"
    assert figure.data[5].text == (figures.MEDIAN_LINE_LABEL,) and figure.data[5].y[0] == pytest.approx(median_outcome)
    assert figure.layout.title.text == figures.CORRELATION_TITLE  # the sliders and the text name r
    assert "r = .50" in demo.description.value and f"{100 * stronger:.0f}%" in demo.description.value


def test_line_and_bars_use_the_sample_median_outcome():
    demo = demos.correlation_explorer(r=0.28, n_clients=200)
    clients = simulate_alliance.simulate_alliance_outcome(0.28, 200, seed=2018)
    outcome = np.concatenate([np.asarray(demo.figure.data[i].y) for i in (0, 1)])
    line = demo.figure.data[4].y[0]
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
    labels = [a.text for a in fig.layout.annotations] + [fig.layout.yaxis2.title.text, *fig.data[5].text]
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


def test_plotlys_script_goes_to_the_browser_once_per_kernel_and_never_with_a_figure():
    """plotly's 5 MB widget script is sent once per kernel, as binary, by a widget that is never displayed; a figure
    sends its data and a few lines of script that share the page's compiled copy (tests/ui checks the page)."""
    import json

    from ipywidgets.widgets.widget import _remove_buffers

    from helpcourse.demos import common

    figures = [common.FigureWidget(), common.FigureWidget(data=[{"type": "bar", "y": [1, 2]}])]
    script = common._PlotlyScript._sent
    for figure in figures:
        state, _paths, buffers = _remove_buffers(figure.get_state())
        assert not buffers and len(json.dumps(state)) < 30_000, "a figure's state holds no script"
        assert state["_esm"] == common._FIGURE_ESM and len(state["_esm"]) < 10_000
        assert common._PAGE_JS in state["_esm"]
    assert common._PlotlyScript._sent is script, "one script widget per kernel"
    state, paths, buffers = _remove_buffers(script.get_state())
    assert paths == [["source"]] and bytes(buffers[0]) == common._PLOTLY_BUNDLE.read_bytes()
    assert common._PAGE_JS in state["_esm"] and len(json.dumps(state)) < 10_000, "the script goes as binary, not JSON"
    script.close()
    common.FigureWidget()
    assert common._PlotlyScript._sent is not script and common._PlotlyScript._sent.comm is not None, (
        "a closed script widget is sent again with the next figure")
    assert set(common._FIGURE_CHANGES) >= {"_widget_data", "_py2js_update", "_py2js_restyle", "_py2js_relayout"}


def test_a_page_that_loads_a_figure_again_gets_it_as_it_is_now():
    """plotly keeps the figure as first shown in the widget's state; a reloaded page asks for the full state and
    must get the figure with every change since (tests/ui/test_ui_figures.py reloads a page)."""
    from helpcourse.demos.common import FigureWidget

    figure = FigureWidget(data=[{"type": "scatter", "y": [0, 1]}], layout={"title": {"text": "Shown first"}})
    figure.add_bar(y=[4])
    figure.data[0].y = [5, 6, 7]
    figure.layout.title.text = "Changed"
    state = figure.get_state()
    assert [trace["y"] for trace in state["_widget_data"]] == [[5, 6, 7], [4]]
    assert state["_widget_layout"]["title"] == {"text": "Changed"}
    assert figure.get_state("_widget_data")["_widget_data"][0]["y"] == [0, 1], "an update sends only what it names"


FAKE_PLOTLY = """
var widget = () => {
  let model;
  return {
    initialize(context) {
      model = context.model;
      for (const name of ["_py2js_addTraces", "_py2js_restyle"]) {
        model.on(`change:${name}`, () => {
          const message = model.get(name);
          if (message) model.get("_widget_data").push(message.v);
        });
      }
    },
    render({ el }) { el.data = model.get("_widget_data"); },
  };
};
EXPORTS
/*! licence (*! kept *) */
"""

FIGURE_DRIVER = """
import { readFileSync } from "node:fs";
// a page as far as the scripts need one: blob URLs as data: URLs, and anywidget's model
globalThis.Blob = class { constructor(parts, options) { this.parts = parts; this.type = options?.type; } };
URL.createObjectURL = (blob) => "data:text/javascript;base64," + Buffer.from(blob.parts[0]).toString("base64");
URL.revokeObjectURL = () => {};
const model = (state) => {
  const listeners = [];
  return {
    get: (name) => state[name],
    set(name, value) { state[name] = value; for (const [event, f] of listeners) if (event === `change:${name}`) f(); },
    on: (event, f) => listeners.push([event, f]),
    off: (event, f) => listeners.splice(listeners.findIndex(([e, g]) => e === event && g === f), 1),
  };
};
const figure = (await import("./figure.mjs?first")).default();
const first = model({ _widget_data: [0], _py2js_addTraces: null, _py2js_restyle: null });
figure.initialize({ model: first });  // before the page has plotly's widget
first.set("_py2js_addTraces", { v: 1 }); first.set("_py2js_addTraces", null);  // a trace added
first.set("_widget_data", [0, 1]);  // displayed: the whole figure again
first.set("_py2js_restyle", { v: 2 }); first.set("_py2js_restyle", null);  // a change
const source = new Uint8Array(readFileSync("plotly.js"));
(await import("./script.mjs")).default.initialize({ model: model({ source }) });
const shown = {};
await figure.render({ el: shown });
first.set("_py2js_restyle", { v: 3 });
const later = (await import("./figure.mjs?later")).default();  // a page that has compiled plotly's widget
const second = model({ _widget_data: [9], _py2js_addTraces: null, _py2js_restyle: null });
later.initialize({ model: second });
second.set("_py2js_restyle", { v: 10 });
const shownLater = {};
await later.render({ el: shownLater });
const key = Object.getOwnPropertySymbols(globalThis).find((symbol) => symbol.description.startsWith("helpcourse"));
const page = globalThis[key];
console.log(JSON.stringify([shown.data, shownLater.data, page.evaluated]));
"""


@pytest.mark.parametrize(("exports", "evaluated"), [("export{widget as default};", 1), ("export default widget;", 0)])
def test_a_figure_shown_before_the_page_has_plotly_gets_every_change(tmp_path, exports: str, evaluated: int):
    """A figure's script is ready before plotly's widget is compiled; the changes that arrive meanwhile reach plotly's
    widget in order, each seen as it was. plotly's bundle runs as a function (its only module syntax is its closing
    ``export {...}``) or else as a module. Runs the scripts in Node with a stand-in for plotly's widget."""
    import json
    import shutil
    import subprocess

    from helpcourse.demos import common

    if shutil.which("node") is None:
        pytest.skip("needs node (tests/ui installs it)")
    (tmp_path / "figure.mjs").write_text(common._FIGURE_ESM)
    (tmp_path / "script.mjs").write_text(common._SCRIPT_ESM)
    (tmp_path / "plotly.js").write_text(FAKE_PLOTLY.replace("EXPORTS", exports))
    (tmp_path / "driver.mjs").write_text(FIGURE_DRIVER)
    out = subprocess.run(["node", "driver.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    shown, shown_later, compiled_as_function = json.loads(out.stdout.strip().splitlines()[-1])
    assert shown == [0, 1, 2, 3], "the trace added before display is not added twice; later changes are applied"
    assert shown_later == [9, 10]
    assert compiled_as_function == evaluated
