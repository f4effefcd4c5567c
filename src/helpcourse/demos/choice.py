"""A multiple-choice control that works with the keyboard in JupyterLab and names every option for screen readers.

Kept apart from :mod:`helpcourse.demos` so that :mod:`helpcourse.checks` (imported by every exercise) stays light.
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["ChoiceButtons"]


# ipywidgets' RadioButtons cannot be changed with the arrow keys in JupyterLab (the notebook takes them to move
# between cells), so with the keyboard only the first or the last option could be chosen. This group is a native
# <fieldset> of <input type="radio">, each named by its <label>; keys pressed inside stay with it, so arrow keys
# move between options and Space chooses, as in any web form.
_CHOICE_ESM = """
function render({ model, el }) {
  const name = `helpcourse-choice-${Math.random().toString(36).slice(2)}`;
  el.classList.add("helpcourse-choice");
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const ownKeys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", " ", "Home", "End"];
  el.addEventListener("keydown", (event) => { if (ownKeys.includes(event.key)) event.stopPropagation(); });
  const group = document.createElement("fieldset");
  const inputs = [];
  const showOptions = () => {
    group.setAttribute("aria-label", model.get("description"));
    inputs.length = 0;
    group.replaceChildren(...model.get("options").map(([text, value]) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = value;
      input.checked = value === model.get("value");
      input.addEventListener("change", () => {
        if (input.checked) { model.set("value", value); model.save_changes(); }
      });
      inputs.push(input);
      label.append(input, document.createTextNode(` ${text}`));
      return label;
    }));
  };
  const show = () => { for (const input of inputs) input.checked = input.value === model.get("value"); };
  model.on("change:options", showOptions);
  model.on("change:description", showOptions);
  model.on("change:value", show);
  showOptions();
  el.append(group);
  return () => {
    model.off("change:options", showOptions); model.off("change:description", showOptions);
    model.off("change:value", show);
  };
}
export default { render };
"""

_CHOICE_CSS = """
.helpcourse-choice fieldset { border: none; margin: 2px 0; padding: 0; display: flex; flex-direction: column;
  gap: 0.25em; font-size: var(--jp-widgets-font-size, 13px); color: var(--jp-widgets-label-color, inherit); }
.helpcourse-choice label { display: flex; align-items: baseline; gap: 0.4em; cursor: pointer; }
.helpcourse-choice input[type="radio"] { accent-color: #0072B2; }
"""


class ChoiceButtons(anywidget.AnyWidget):
    """One choice out of several, as labelled radio buttons that the arrow keys move between.

    Takes ``options`` as (label, value) pairs, ``value`` (None until a choice is made) and ``description``, the
    group's accessible name (the question, as plain text).
    """

    _esm = _CHOICE_ESM
    _css = _CHOICE_CSS
    options = traitlets.List(traitlets.Tuple(traitlets.Unicode(), traitlets.Unicode())).tag(sync=True)
    value = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)

