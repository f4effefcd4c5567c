"""Widgets shared by every demo: control styles, sliders that screen readers can name, the live text alternative,
and the buttons of the practice banks (answer, next, start again)."""

from __future__ import annotations

import functools
import html
import json
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
    "PLOTLY_SCRIPT_USER",
    "PracticeActions",
    "SLIDER_LAYOUT",
    "SLIDER_STYLE",
    "feedback_html",
    "live_text",
    "plotly_script_carrier",
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


# plotly's widget script (about 5 MB) is sent with every FigureWidget and compiled again for each in the browser.
# anywidget gives a widget 2 s to load its script; on a busy machine compiling it several times over takes longer,
# and a figure that missed the 2 s is drawn but never follows its controls again. The course's figures share one
# copy per page: the first figure of a kernel carries the script and compiles it once; every later one carries a
# few lines that wait for that copy.
_PLOTLY_BUNDLE = Path(plotly.basewidget.__file__).parent / "package_data" / "widgetbundle.js"
_SHARED_MODULE = """
const key = Symbol.for("helpcourse.plotly-widget-module");
globalThis[key] ??= (() => {
  let resolve, reject;
  const promise = new Promise((ok, fail) => { resolve = ok; reject = fail; });
  return { promise, resolve, reject, loading: false };
})();
const shared = globalThis[key];
"""
_LOAD_ONCE = """
if (!shared.loading) {
  shared.loading = true;
  const url = URL.createObjectURL(new Blob([BUNDLE], { type: "text/javascript" }));
  try { shared.resolve(await import(url)); } catch (error) { shared.loading = false; shared.reject(error); }
  finally { URL.revokeObjectURL(url); }
}
"""
_USE_SHARED = "export default (await shared.promise).default;\n"


@functools.cache
def plotly_script_carrier() -> str:
    """The script of the first figure of a kernel: plotly's widget script, compiled once and shared."""
    bundle = json.dumps(_PLOTLY_BUNDLE.read_text(encoding="utf-8"))
    return _SHARED_MODULE + _LOAD_ONCE.replace("BUNDLE", bundle) + _USE_SHARED


#: The script of every later figure: it waits for the shared copy.
PLOTLY_SCRIPT_USER = _SHARED_MODULE + _USE_SHARED


class FigureWidget(go.FigureWidget):
    """plotly's ``FigureWidget`` whose first message to the browser already holds the figure, sharing one script.

    ``go.FigureWidget`` connects to the browser before it sets its data and layout, which follow as updates. When
    the browser draws the plot before those updates arrive (plotly's large script loading on a busy machine), the
    plot stays empty for good. This class connects only once the figure is complete, and only the first figure of a
    kernel sends plotly's script (see :func:`plotly_script_carrier`). Same arguments as ``go.FigureWidget``.
    """

    _carrier: FigureWidget | None = None  # the figure that carried the script; kept so that it is never collected

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._connect_later = True
        first = FigureWidget._carrier is None
        self._esm = plotly_script_carrier() if first else PLOTLY_SCRIPT_USER
        super().__init__(*args, **kwargs)
        if first:
            FigureWidget._carrier = self
        self._connect_later = False
        self.open()

    def open(self) -> None:
        if not getattr(self, "_connect_later", False):
            super().open()


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
