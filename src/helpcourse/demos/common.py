"""Widgets shared by every demo: control styles, sliders that screen readers can name, the figure widget, the live
text alternative and the buttons of the practice banks (answer, next, start again)."""

from __future__ import annotations

import html
import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import plotly.basewidget
import plotly.graph_objects as go
import traitlets

__all__ = [
    "FigureWidget",
    "LabelledIntSlider",
    "LabelledSlider",
    "PracticeActions",
    "SLIDER_LAYOUT",
    "SLIDER_STYLE",
    "feedback_html",
    "live_text",
]

SLIDER_STYLE = {"description_width": "initial"}
SLIDER_LAYOUT = widgets.Layout(width="480px")


def live_text(text: str) -> str:
    """A text alternative that screen readers announce when it changes."""
    return f'<p aria-live="polite" class="helpcourse-alt"><b>What the figure shows:</b> {html.escape(text)}</p>'


# ipywidgets' own sliders draw a <div role="slider"> that no <label> names, so a screen reader announces only
# "slider". These sliders are a native <input type="range"> named by its <label>, with the number beside it in a
# labelled number box where a value can also be typed. Arrow keys, Page Up/Down, Home and End move them.
_SLIDER_ESM = """
const decimals = (format) => { const m = /\\.(\\d+)f/.exec(format || ""); return m ? Number(m[1]) : 0; };

function render({ model, el }) {
  const id = `helpcourse-slider-${Math.random().toString(36).slice(2)}`;
  el.classList.add("helpcourse-slider");
  // Keys pressed on the slider move the slider. JupyterLab's notebook would take the arrow keys (they move between
  // cells and fold headings) and stop the browser from moving a native slider.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const ownKeys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"];
  el.addEventListener("keydown", (event) => { if (ownKeys.includes(event.key)) event.stopPropagation(); });
  const label = document.createElement("label");
  label.htmlFor = id;
  const range = document.createElement("input");
  range.type = "range";
  range.id = id;
  const number = document.createElement("input");
  number.type = "number";
  const text = (value) => Number(value).toFixed(decimals(model.get("readout_format")));
  const snap = (value) => {
    const [min, max, step] = [model.get("min"), model.get("max"), model.get("step")];
    const inside = Math.min(max, Math.max(min, value));
    return Number((min + Math.round((inside - min) / step) * step).toFixed(10));
  };
  const show = () => {
    label.textContent = model.get("description");
    for (const input of [range, number]) {
      input.min = model.get("min"); input.max = model.get("max"); input.step = model.get("step");
    }
    range.value = model.get("value");
    range.setAttribute("aria-valuetext", text(model.get("value")));
    if (document.activeElement !== number) number.value = text(model.get("value"));
    number.setAttribute("aria-label", `${model.get("description")} (type a value)`);
    number.hidden = !model.get("readout");
  };
  const send = (value) => { model.set("value", snap(value)); model.save_changes(); };
  range.addEventListener("input", () => {
    number.value = text(range.value);
    range.setAttribute("aria-valuetext", number.value);
    if (model.get("continuous_update")) send(Number(range.value));
  });
  range.addEventListener("change", () => send(Number(range.value)));
  number.addEventListener("change", () => {
    const typed = Number(number.value);
    if (number.value.trim() !== "" && Number.isFinite(typed)) send(typed);
    number.value = text(model.get("value"));
  });
  // Enter takes the typed value, as in a form; the notebook would otherwise take Enter to edit the cell.
  number.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.stopPropagation();
    event.preventDefault();
    number.dispatchEvent(new Event("change"));
  });
  const names = ["value", "min", "max", "step", "description", "readout", "readout_format"];
  for (const name of names) model.on(`change:${name}`, show);
  show();
  el.append(label, range, number);
  return () => { for (const name of names) model.off(`change:${name}`, show); };
}
export default { render };
"""

_SLIDER_CSS = """
.helpcourse-slider { display: flex; align-items: center; gap: 0.75em; margin: 2px 0;
  font-size: var(--jp-widgets-font-size, 13px); color: var(--jp-widgets-label-color, inherit); }
.helpcourse-slider label { white-space: nowrap; }
.helpcourse-slider input[type="range"] { flex: 1 1 auto; min-width: 6em; accent-color: #0072B2; }
.helpcourse-slider input[type="number"] { width: 5.5em; }
"""


class LabelledSlider(anywidget.AnyWidget):
    """A slider for a number that screen readers announce with its label, showing its value beside it.

    Takes the arguments of ``ipywidgets.FloatSlider`` that the course uses (``value``, ``min``, ``max``, ``step``,
    ``description``, ``readout``, ``readout_format``, ``continuous_update``, ``layout``); ``style`` is accepted
    and unused: the label always takes its natural width.
    """

    _esm = _SLIDER_ESM
    _css = _SLIDER_CSS
    value = traitlets.Float(0.0).tag(sync=True)
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.1).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    readout = traitlets.Bool(True).tag(sync=True)
    readout_format = traitlets.Unicode(".2f").tag(sync=True)
    continuous_update = traitlets.Bool(True).tag(sync=True)

    def __init__(self, style: dict | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)


class LabelledIntSlider(LabelledSlider):
    """:class:`LabelledSlider` for whole numbers (the arguments of ``ipywidgets.IntSlider``)."""

    value = traitlets.Int(0).tag(sync=True)
    min = traitlets.Int(0).tag(sync=True)
    max = traitlets.Int(100).tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    readout_format = traitlets.Unicode("d").tag(sync=True)


# --------------------------------------------------------------------------------------------------
# Figures: plotly's widget script, compiled once per page
# --------------------------------------------------------------------------------------------------
# plotly's FigureWidget is an anywidget whose script (plotly.js and its widget, about 5 MB) goes to the browser in
# the state of every figure and is compiled again for each one. anywidget 0.11 gives a widget 2 s to load its
# script and then drops every later message to it: on a busy machine the plot is drawn but never follows its
# controls again. Here a small widget that is never displayed carries plotly's script, once per kernel; the page
# compiles it once, when it first draws a figure, and keeps it on `globalThis` for every later figure, of any kernel
# in the page. Compiling it blocks the page for seconds on a busy machine, so it waits for a moment when no widget's
# script is loading. A figure's own script is a few lines: it is ready at once, hands its model to plotly's widget
# as soon as the page has compiled it, and replays to it the changes that came in meanwhile.

_PLOTLY_BUNDLE = Path(plotly.basewidget.__file__).parent / "package_data" / "widgetbundle.js"
#: One compiled copy per page and plotly build: kernels with the same plotly share it.
_PAGE_KEY = f"helpcourse.plotly-widget/1/{plotly.__version__}/{_PLOTLY_BUNDLE.stat().st_size}"
#: What plotly's widget listens to on its model: the figure and the messages that change it.
_FIGURE_CHANGES = sorted(name for name in go.FigureWidget.class_trait_names(sync=True)
                         if name in ("_widget_data", "_widget_layout") or name.startswith("_py2js_"))

_PAGE_JS = r"""
const shared = (globalThis[Symbol.for(KEY)] ??= (() => {
  // Widgets whose script is loading: anywidget imports each widget's script from a blob: URL and revokes the URL once
  // the script is loaded. Compiling plotly's widget blocks the page for seconds on a busy machine, and a widget whose
  // script is still loading meanwhile misses anywidget's 2 s: plotly's widget is compiled only when none is.
  const loading = new Map();
  const { createObjectURL, revokeObjectURL } = URL;
  URL.createObjectURL = function (object) {
    const url = createObjectURL.call(URL, object);
    if (object instanceof Blob && /javascript/.test(object.type)) loading.set(url, performance.now());
    return url;
  };
  URL.revokeObjectURL = function (url) {
    loading.delete(url);
    return revokeObjectURL.call(URL, url);
  };
  const quiet = () => {
    for (const [url, since] of loading) if (performance.now() - since > 2500) loading.delete(url);  // done by now
    return loading.size === 0;
  };
  const idle = globalThis.requestIdleCallback ?? ((callback) => setTimeout(callback, 50));
  // Resolves in an idle moment with no widget loading; code awaiting it runs before the page handles anything else.
  const whenQuiet = () => new Promise((resolve) => {
    const check = () => (quiet() ? resolve() : idle(check, { timeout: 500 }));
    idle(check, { timeout: 500 });
  });
  // plotly's widget module (esbuild's bundle, whose only module syntax is its closing `export {...}`) as a function
  // that returns its exports, to be compiled and run in the same moment; null if it cannot be one.
  const asFunction = (text) => {
    const from = Math.max(0, text.length - 20000);
    const end = /export\s*\{([\w$\s,]+)\}\s*;?((?:\s*\/\*[\s\S]*?\*\/)*\s*)$/.exec(text.slice(from));
    if (!end) return null;
    const exports = end[1].split(",").map((name) => name.trim().split(/\s+as\s+/))
      .map(([local, exported]) => `${JSON.stringify(exported ?? local)}: ${local}`);
    const body = `"use strict";${text.slice(0, from + end.index)}return {${exports.join(", ")}};${end[2]}`;
    try {
      return new Function(`${body}\n//# sourceURL=plotly-widget.js`);
    } catch {
      return null;  // not a function body after all, or a page that forbids compiling code from text
    }
  };
  const asModule = async (text) => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    try { return await import(url); } finally { URL.revokeObjectURL(url); }
  };
  let provide, loaded, failed, started = null;
  const source = new Promise((resolve) => { provide = resolve; });
  const page = {
    module: null,  // plotly's widget module, once compiled
    evaluated: 0,  // times it was compiled as a function (the browser tests count)
    whenQuiet,
    ready: new Promise((resolve, reject) => { loaded = resolve; failed = reject; }),
    provide: (bytes) => provide(bytes),
    // Compile plotly's widget once per page, when a figure is first drawn and no widget is loading.
    load() {
      started ??= source.then(async (bytes) => {
        const text = new TextDecoder().decode(bytes);
        await whenQuiet();
        const run = asFunction(text);
        if (run) page.evaluated += 1;
        page.module = run ? run() : await asModule(text);
        loaded(page.module);
      }).catch(failed);
      return page.ready;
    },
  };
  page.ready.catch(() => {});  // reported by each figure that waits for it
  return page;
})());
""".replace("KEY", json.dumps(_PAGE_KEY))

_SCRIPT_ESM = _PAGE_JS + """
export default { initialize({ model }) { shared.provide(model.get("source")); } };
"""

_FIGURE_ESM = _PAGE_JS + """
const CHANGES = NAMES;

// plotly's widget takes the model late: it first sees the model as it came to the page, then the changes it missed
// are replayed, in order, to the listeners it has added.
function lateModel(model, first) {
  let listeners = [], state = { ...first };
  return {
    model: {
      ...model,
      get: (name) => (state && name in state ? state[name] : model.get(name)),
      on(event, callback) { model.on(event, callback); listeners?.push([event, callback]); },
    },
    replay(changes) {
      for (const [name, value] of changes) {
        state[name] = value;
        for (const [event, callback] of listeners) if (event === `change:${name}`) callback();
      }
      state = listeners = null;
    },
  };
}

export default () => {
  let plotly = null;  // plotly's own widget for this model
  let late = null;  // settles once plotly's widget has taken the model, when the page had no module yet
  return {
    initialize(context) {
      if (shared.module) {
        plotly = shared.module.default();
        return plotly.initialize(context);
      }
      // anywidget drops the messages of a model that is not ready within 2 s: ready now, and keep what changes.
      const first = Object.fromEntries(CHANGES.map((name) => [name, context.model.get(name)]));
      const changes = [];
      const keep = CHANGES.map((name) => [`change:${name}`, () => changes.push([name, context.model.get(name)])]);
      for (const [event, callback] of keep) context.model.on(event, callback);
      late = shared.ready.then((module) => {
        for (const [event, callback] of keep) context.model.off(event, callback);
        plotly = module.default();
        const { model, replay } = lateModel(context.model, first);
        plotly.initialize({ ...context, model });
        replay(changes);
      });
      late.catch(() => {});  // reported when the figure is drawn
      return undefined;
    },
    async render(context) {
      if (late) {
        shared.load();
        await late;
      }
      // Drawing a plot can block the page for a second on a busy machine: not while a widget is loading.
      await shared.whenQuiet();
      if (context.signal?.aborted) return undefined;
      return plotly.render(context);
    },
  };
};
""".replace("NAMES", json.dumps(_FIGURE_CHANGES))


class _PlotlyScript(anywidget.AnyWidget):
    """plotly's widget script on its way to the browser: one per kernel, never displayed."""

    _esm = _SCRIPT_ESM
    source = traitlets.Bytes(b"").tag(sync=True)  # sent as binary, not as 5 MB of escaped JSON
    _sent: _PlotlyScript | None = None

    @classmethod
    def send_once(cls) -> None:
        """Send the script unless this kernel has already sent it (again if that widget was closed)."""
        if cls._sent is None or cls._sent.comm is None:
            cls._sent = cls(source=_PLOTLY_BUNDLE.read_bytes())


#: ``Plotly.animate`` options that replot the traces sent, at once, without redrawing axes, legend or annotations.
#: Layout edits that ``Plotly.animate`` draws without a redraw: an axis range.
_AXIS_RANGE = re.compile(r"[xy]axis\d*\.range")
_TRACES_ONLY = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}


class FigureWidget(go.FigureWidget):
    """plotly's ``FigureWidget`` whose first message to the browser already holds the figure, with a small script.

    ``go.FigureWidget`` connects to the browser before it sets its data and layout, which follow as updates. When
    the browser draws the plot before those updates arrive (plotly's large script loading on a busy machine), the
    plot stays empty for good. This class connects only once the figure is complete. It also leaves plotly's 5 MB
    script out of the figure: the kernel sends it once and the page compiles it once (see the comment above
    ``_PAGE_JS``), and a page that loads it after a reload gets the figure as it is now. Same arguments as
    ``go.FigureWidget``.
    """

    _esm = _FIGURE_ESM

    def __init__(self, *args: object, **kwargs: object) -> None:
        _PlotlyScript.send_once()
        self._connect_later = True
        super().__init__(*args, **kwargs)
        self._connect_later = False
        self.open()

    def open(self) -> None:
        if not getattr(self, "_connect_later", False):
            super().open()

    @contextmanager
    def batch_redraw_traces(self) -> Iterator[None]:
        """Like ``batch_update()``, but the browser redraws only the traces, not the axes, legend or titles.

        plotly.js redraws the whole figure (every trace, axis, legend entry and annotation) when ``Plotly.update``
        changes any trace's data; ``Plotly.animate`` without a redraw and without a transition replots only the
        traces. A demo whose key presses change trace data only (its titles, annotations and axis ranges stay put)
        sends them this way. An axis range may change too (plotly.js moves the axis with the traces); a batch that
        changes anything else of the layout falls back to ``batch_update``'s ``Plotly.update``: plotly.js's
        animate would leave a changed title or annotation undrawn.
        """
        if self._in_batch_mode:
            yield
            return
        self._in_batch_mode = True
        try:
            yield
        finally:
            self._in_batch_mode = False
            if not all(_AXIS_RANGE.fullmatch(name) for name in self._batch_layout_edits):
                restyle, relayout, traces = self._build_update_params_from_batch()
                self.plotly_update(restyle_data=restyle, relayout_data=relayout, trace_indexes=traces)
                self._batch_layout_edits.clear()
                self._batch_trace_edits.clear()
            elif self._batch_trace_edits or self._batch_layout_edits:
                # plotly.js removes the traces of a subplot (and a subplot's bars) that an animation leaves out:
                # every trace goes with it, the unchanged ones with no change.
                for index in range(len(self.data)):
                    self._batch_trace_edits.setdefault(index, OrderedDict())
                self._perform_batch_animate(_TRACES_ONLY)

    def get_state(self, key: str | list[str] | None = None) -> dict:
        """The widget's state; in full (for a page that loads the widget, after a reload), with the figure as it is.

        plotly keeps in ``_widget_data`` and ``_widget_layout`` the figure as it was when last displayed and sends
        later changes as messages only: a page reloaded while the kernel runs would show the figure as displayed.
        """
        state = super().get_state(key)
        if key is None:
            for name, value in (("_widget_data", self._data), ("_widget_layout", self._layout_obj._props)):
                state[name] = self.trait_metadata(name, "to_json", self._trait_to_json)(value, self)
        return state


# --------------------------------------------------------------------------------------------------
# Practice banks (module 03's skill naming, module 06's reframing)
# --------------------------------------------------------------------------------------------------


def feedback_html(feedback: Any) -> str:
    """Feedback (with ``correct`` and ``message``) as an announced, coloured paragraph with a tick or a cross."""
    mark, colour = ("✔", "#006D4F") if feedback.correct else ("✘", "#A33B00")
    message = html.escape(feedback.message)
    return f'<p role="status" aria-live="polite" style="color:{colour}"><b>{mark}</b> {message}</p>'


class PracticeActions:
    """Answering, moving on and starting again, for a practice widget.

    The widget has ``session`` (a :class:`helpcourse.practice_bank.PracticeRun` with an ``answer`` method), the HTML
    widgets ``feedback`` and ``score``, the button ``next_button``, and ``_show()``, which puts the current item on
    screen.
    :attr:`last_note` is added to the feedback of the last item.
    """

    last_note = "That was the last item. Press <b>Start again</b> to go round once more."
    session: Any
    feedback: Any
    score: Any
    next_button: Any

    def _show(self) -> None:
        raise NotImplementedError

    def choose(self, answer: str) -> Any:
        """Answer the item on screen with ``answer``; show the feedback and the score, and return the feedback."""
        feedback = self.session.answer(answer)
        self.feedback.value = feedback_html(feedback)
        self.score.value = f"<p>{html.escape(self.session.score())}</p>"
        self.next_button.disabled = self.session.is_last
        if self.session.is_last:
            self.feedback.value += f"<p>{self.last_note}</p>"
        return feedback

    def advance(self) -> None:
        """Show the next item."""
        if self.session.next():
            self._show()

    def restart(self) -> None:
        """Start again from the first item with a clean score."""
        self.session.restart()
        self._show()
