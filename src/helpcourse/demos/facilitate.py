"""Demos of module 02, Facilitate, don't direct: helper and client talk in AnnoMI's demonstration role-plays."""

from __future__ import annotations

import anywidget
import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
import traitlets

from helpcourse import figures, talk
from helpcourse.demos.common import SLIDER_STYLE, FigureWidget, LabelledIntSlider, live_text

__all__ = [
    "LabelledDropdown",
    "NextTalkExplorer",
    "QualityComparison",
    "TranscriptExplorer",
    "behaviour_mix_figure",
    "next_talk_explorer",
    "quality_comparison",
    "transcript_explorer",
]


# ipywidgets' Dropdown cannot be operated with the arrow keys in JupyterLab: the notebook takes them to move between
# cells. This menu is a native <select> named by its <label>; keys pressed on it stay with it, so the arrow keys, Home,
# End and typing the start of an option choose an option, as in any web form.
_DROPDOWN_ESM = """
function render({ model, el }) {
  const id = `helpcourse-dropdown-${Math.random().toString(36).slice(2)}`;
  el.classList.add("helpcourse-dropdown");
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  el.addEventListener("keydown", (event) => { if (event.key !== "Tab") event.stopPropagation(); });
  const label = document.createElement("label");
  label.htmlFor = id;
  const select = document.createElement("select");
  select.id = id;
  const index = () => model.get("options").findIndex((option) => option[1] === model.get("value"));
  const showOptions = () => {
    select.replaceChildren(...model.get("options").map(([text], i) => new Option(text, String(i))));
    select.value = String(index());
  };
  const show = () => { label.textContent = model.get("description"); select.value = String(index()); };
  select.addEventListener("change", () => {
    const option = model.get("options")[Number(select.value)];
    if (option) { model.set("value", option[1]); model.save_changes(); }
  });
  model.on("change:options", showOptions);
  model.on("change:value", show);
  model.on("change:description", show);
  showOptions();
  show();
  el.append(label, select);
  return () => {
    model.off("change:options", showOptions); model.off("change:value", show); model.off("change:description", show);
  };
}
export default { render };
"""

_DROPDOWN_CSS = """
.helpcourse-dropdown { display: flex; align-items: center; gap: 0.75em; margin: 2px 0;
  font-size: var(--jp-widgets-font-size, 13px); color: var(--jp-widgets-label-color, inherit); }
.helpcourse-dropdown label { white-space: nowrap; }
.helpcourse-dropdown select { flex: 1 1 auto; min-width: 8em; max-width: 100%; font-size: inherit; padding: 2px; }
"""


class LabelledDropdown(anywidget.AnyWidget):
    """A menu of options that screen readers announce with its label and that the arrow keys operate.

    Takes the arguments of ``ipywidgets.Dropdown`` that the course uses: ``options`` as (label, value) pairs with
    JSON values (numbers or text), ``value``, ``description`` and ``layout``; ``style`` is accepted and unused.
    """

    _esm = _DROPDOWN_ESM
    _css = _DROPDOWN_CSS
    options = traitlets.List().tag(sync=True)
    value = traitlets.Any(None).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)

    def __init__(self, options: list[tuple[str, object]], value: object = None, style: dict | None = None,
                 **kwargs: object) -> None:
        pairs = [[str(label), choice] for label, choice in options]
        if not pairs:
            raise ValueError("A dropdown needs at least one option.")
        super().__init__(options=pairs, value=pairs[0][1] if value is None else value, **kwargs)

    @traitlets.validate("value")
    def _value_is_an_option(self, proposal: dict) -> object:
        if proposal["value"] not in [choice for _label, choice in self.options]:
            raise traitlets.TraitError(f"{proposal['value']!r} is not one of the options of {self.description!r}.")
        return proposal["value"]


class TranscriptExplorer(widgets.VBox):
    """Pick a session and see who said what, in order, with its summary scores and the MITI thresholds.

    Controls: a menu of sessions labelled with id, quality and topic (:class:`LabelledDropdown`, which the arrow
    keys operate); the menu and the text alternative name the session, the figure's title stays put, and a change
    of session redraws the traces and the timeline's axis only. The figure shows one mark per
    utterance (helper behaviour or client talk type, each with its own row, colour and symbol) and the session's
    reflections per question and share of complex reflections against the MITI thresholds; a table beside it
    compares all five summary scores with the medians of high- and low-quality sessions. Sessions that touch on risk
    (:data:`helpcourse.talk.RISK_CONTENT`) are marked in the menu, and their text ends with the note on risk.
    """

    def __init__(self, utterances: pd.DataFrame, scores: pd.DataFrame, transcript_id: int | None = None) -> None:
        self.utterances = utterances
        self.scores = scores
        self.thresholds = talk.miti_thresholds()
        self.medians = talk.quality_medians(scores)
        options = talk.session_options(scores)
        self._by_session = {int(tid): rows for tid, rows in utterances.groupby("transcript_id", sort=False)}
        self._cache: dict[int, dict] = {}
        self.session = LabelledDropdown(
            options=options, value=options[0][1] if transcript_id is None else int(transcript_id),
            description="Session", layout=widgets.Layout(width="640px"),
        )
        timeline, row = self._session_data()
        self.figure = FigureWidget(figures.session_figure(timeline, self.session.value, row, self.thresholds))
        self.table = widgets.HTML(figures.session_scores_table(row, self.medians, self.thresholds))
        self.description = widgets.HTML(
            live_text(figures.describe_session(timeline, self.session.value, row, self.thresholds))
        )
        self.session.observe(self._update, names="value")
        super().__init__([self.session, self.figure, self.description, self.table])

    def _session_data(self) -> tuple[pd.DataFrame, pd.Series]:
        # each session's utterances are split off once: filtering all of AnnoMI's utterances took most of the
        # Python time of a key press
        transcript_id = self.session.value
        return talk.session_timeline(self._by_session[transcript_id], transcript_id), self.scores.loc[transcript_id]

    def _shown(self) -> dict:
        """What the figure, the table and the text show for the chosen session: computed once per session (a
        student goes back and forth between sessions; each is a few kilobytes)."""
        transcript_id = self.session.value
        if transcript_id not in self._cache:
            timeline, row = self._session_data()
            self._cache[transcript_id] = {
                "traces": figures.session_traces(timeline, row, self.thresholds),
                "x_range": figures.session_x_range(timeline),
                "table": figures.session_scores_table(row, self.medians, self.thresholds),
                "text": live_text(figures.describe_session(timeline, transcript_id, row, self.thresholds)),
            }
        return self._cache[transcript_id]

    def _update(self, _change: dict | None = None) -> None:
        shown = self._shown()
        traces = shown["traces"]
        with self.figure.batch_redraw_traces():  # the title and the bars' axes stay put; the timeline's axis moves
            points, fresh = self.figure.data[0], traces[0]
            points.x, points.y, points.customdata = fresh["x"], fresh["y"], fresh["customdata"]
            points.marker.color = points.marker.line.color = fresh["marker_color"]
            points.marker.symbol = fresh["marker_symbol"]
            for trace, fresh in zip(self.figure.data[1:], traces[1:], strict=True):
                trace.x, trace.text = fresh["x"], fresh["text"]
                trace.marker.color, trace.marker.pattern.shape = fresh["marker_color"], fresh["pattern"]
            self.figure.layout.xaxis.range = shown["x_range"]
        self.table.value = shown["table"]
        self.description.value = shown["text"]


class QualityComparison(widgets.VBox):
    """High- vs low-quality sessions: the distribution of one summary score, with the MITI thresholds.

    Controls: a button per measure (buttons, not a dropdown, so that the keyboard operates them in JupyterLab), and
    a slider that leaves out sessions with fewer helper turns than its value (low-quality demonstrations are
    short).
    """

    def __init__(self, scores: pd.DataFrame, measure: str = "reflections_per_question",
                 min_therapist_turns: int = 0) -> None:
        self.scores = scores
        self.thresholds = talk.miti_thresholds()
        measures = [(label, key) for key, label in talk.MEASURE_LABELS.items() if key in scores.columns]
        self.measure = widgets.ToggleButtons(
            options=measures, value=measure, description="Summary score",
            style={**SLIDER_STYLE, "button_width": "auto"},
        )
        self.min_turns = LabelledIntSlider(
            value=min_therapist_turns, min=0, max=40, step=1, description="Minimum helper turns per session",
            continuous_update=False, style=SLIDER_STYLE, layout=widgets.Layout(width="560px"),
        )
        self._layouts: dict[str, go.Layout] = {}
        self.figure = FigureWidget(self._new_figure())
        self.description = widgets.HTML(live_text(self._describe()))
        self.measure.observe(self._update, names="value")
        self.min_turns.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.measure, self.min_turns]), self.figure, self.description])

    def _subset(self) -> pd.DataFrame:
        return self.scores[self.scores["n_therapist"] >= self.min_turns.value]

    def _new_figure(self) -> go.Figure:
        return figures.quality_comparison_figure(self._subset(), self.measure.value, self.thresholds)

    def _describe(self) -> str:
        return figures.describe_quality_comparison(
            self._subset(), self.measure.value, self.thresholds, self.min_turns.value
        )

    def _measure_layout(self, measure: str) -> go.Layout:
        """The parts of the layout that depend on the measure only (threshold lines, axis, title), built once."""
        if measure not in self._layouts:
            self._layouts[measure] = figures.quality_comparison_figure(
                self.scores.iloc[:0], measure, self.thresholds
            ).layout
        return self._layouts[measure]

    def _update(self, change: dict | None = None) -> None:
        # Only what changed, without building a new figure (a new figure with its template cost about 100 ms of
        # Python per key press): the slider changes the points only; a new measure also the lines, axis and title.
        subset = self._subset()
        with self.figure.batch_update():
            for trace, fresh in zip(self.figure.data, figures.quality_comparison_traces(subset, self.measure.value),
                                    strict=True):
                trace.x, trace.y, trace.customdata, trace.name = fresh["x"], fresh["y"], fresh["customdata"], \
                    fresh["name"]
            if change is None or change["owner"] is self.measure:
                new = self._measure_layout(self.measure.value)
                self.figure.layout.shapes = new.shapes
                self.figure.layout.annotations = new.annotations
                self.figure.layout.xaxis.update(
                    title_text=new.xaxis.title.text, tickformat=new.xaxis.tickformat, range=new.xaxis.range,
                )
                self.figure.layout.title.text = new.title.text
        self.description.value = live_text(self._describe())


class NextTalkExplorer(widgets.VBox):
    """What clients say right after each kind of helper utterance, in all, high- or low-quality sessions."""

    SESSIONS = {"All sessions": "all", "High-quality sessions": "high", "Low-quality sessions": "low"}

    def __init__(self, utterances: pd.DataFrame, sessions: str = "all") -> None:
        self.tables = {
            "all": talk.client_talk_after(utterances),
            "high": talk.client_talk_after(utterances[utterances["mi_quality"] == "high"]),
            "low": talk.client_talk_after(utterances[utterances["mi_quality"] == "low"]),
        }
        self.sessions = widgets.ToggleButtons(
            options=list(self.SESSIONS.items()), value=sessions, description="Sessions", style=SLIDER_STYLE,
            tooltips=["All 133 sessions", "Only high-quality demonstrations", "Only low-quality demonstrations"],
        )
        self.figure = FigureWidget(figures.client_talk_after_figure(self.tables[sessions], self._label()))
        self.description = widgets.HTML(
            live_text(figures.describe_client_talk_after(self.tables[sessions], self._label()))
        )
        self.sessions.observe(self._update, names="value")
        super().__init__([self.sessions, self.figure, self.description])

    def _label(self) -> str:
        return {v: k for k, v in self.SESSIONS.items()}[self.sessions.value].lower()

    def _update(self, _change: dict | None = None) -> None:
        table = self.tables[self.sessions.value]
        with self.figure.batch_update():
            for trace, talk_type in zip(self.figure.data, ("change", "sustain"), strict=True):
                trace.y = table[talk_type].tolist()
                trace.text = [figures.format_percent(v) if pd.notna(v) else "" for v in table[talk_type]]
                trace.customdata = table["n"].tolist()
            self.figure.layout.title.text = figures.client_talk_after_title(self._label())
        self.description.value = live_text(figures.describe_client_talk_after(table, self._label()))


def transcript_explorer(utterances: pd.DataFrame, scores: pd.DataFrame,
                        transcript_id: int | None = None) -> TranscriptExplorer:
    """Show the transcript explorer (module 02): one session's talk in order, with its summary scores."""
    return TranscriptExplorer(utterances, scores, transcript_id)


def quality_comparison(scores: pd.DataFrame, measure: str = "reflections_per_question",
                       min_therapist_turns: int = 0) -> QualityComparison:
    """Show high- vs low-quality sessions on one summary score, with the MITI thresholds (module 02)."""
    return QualityComparison(scores, measure, min_therapist_turns)


def next_talk_explorer(utterances: pd.DataFrame, sessions: str = "all") -> NextTalkExplorer:
    """Show what clients say right after each kind of helper utterance (module 02)."""
    return NextTalkExplorer(utterances, sessions)


def behaviour_mix_figure(utterances: pd.DataFrame) -> widgets.VBox:
    """The mix of helper behaviours in high- vs low-quality sessions (module 02), with its text alternative."""
    mix = talk.behaviour_mix(utterances)
    return widgets.VBox([FigureWidget(figures.behaviour_mix_figure(mix)),
                         widgets.HTML(live_text(figures.describe_behaviour_mix(mix)))])
