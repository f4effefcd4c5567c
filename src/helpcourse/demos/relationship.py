"""Demos of module 03, A safe, supportive relationship."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from helpcourse import effects, evidence, figures, skills
from helpcourse.demos.common import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    FigureWidget,
    LabelledIntSlider,
    LabelledSlider,
    PracticeActions,
    live_text,
)
from helpcourse.simulate import caseload as simulate_caseload

__all__ = [
    "EmpathyCaseload",
    "SkillsPractice",
    "empathy_caseload",
    "finding_correlations",
    "reflections_figure",
    "skills_practice",
]


def finding_correlations() -> dict[str, float]:
    """The correlations with outcome the demo's buttons set: empathy, congruence, positive regard and none.

    Positive regard was reported as Hedges' g; it is converted to r with two equal groups.
    """
    return {
        "Empathy": float(evidence.value("empathy_r_2018")),
        "Congruence": float(evidence.value("congruence_r_2018")),
        "Positive regard": round(float(effects.d_to_r(evidence.value("positive_regard_g_2018"))), 2),
        "No link": 0.0,
    }


class EmpathyCaseload(widgets.VBox):
    """How many clients end above the median outcome with more and with less empathic helpers, across caseloads.

    Controls: a slider for the correlation ``r`` between empathy and outcome, buttons that set it to a published
    finding, and a slider for the number of clients in a caseload. Half the clients see helpers in the more
    empathic half. Left: the mean count above the median of each half with the middle 95% of caseloads; right: how
    often each difference between the halves came up. ``r`` defaults to empathy's meta-analytic correlation
    (evidence key ``empathy_r_2018``).
    """

    def __init__(self, r: float | None = None, n_clients: int = 40, n_caseloads: int = 1000, seed: int = 2018) -> None:
        if r is None:
            r = float(evidence.value("empathy_r_2018"))
        self.seed = seed
        self.n_caseloads = n_caseloads
        self._cache: dict[tuple[float, int], dict] = {}
        self.r_slider = LabelledSlider(
            value=r, min=0.0, max=0.6, step=0.01, description="Correlation r (empathy and outcome)",
            readout_format=".2f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.n_slider = LabelledIntSlider(
            value=n_clients, min=10, max=400, step=10, description="Clients in the caseload",
            continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.finding_buttons = []
        for label, value in finding_correlations().items():
            button = widgets.Button(description=f"{label} (r = {figures.format_r(value)})",
                                    tooltip=f"Set r to {value:.2f}", layout=widgets.Layout(width="auto"))
            button.on_click(lambda _button, value=value: setattr(self.r_slider, "value", value))
            self.finding_buttons.append(button)
        summary, distribution = self._compute()
        self.figure = FigureWidget(figures.caseload_recoveries_figure(summary, distribution, self.r_slider.value))
        self.description = widgets.HTML(live_text(figures.describe_caseload_recoveries(summary, self.r_slider.value)))
        self.r_slider.observe(self._update, names="value")
        self.n_slider.observe(self._update, names="value")
        controls = widgets.VBox([
            self.r_slider,
            widgets.HBox([widgets.Label("Set r to a finding:"), *self.finding_buttons],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.n_slider,
        ])
        super().__init__([controls, self.figure, self.description])

    def _compute(self) -> tuple[simulate_caseload.CaseloadSummary, pd.DataFrame]:
        caseloads = simulate_caseload.simulate_caseload_recoveries(
            self.r_slider.value, self.n_slider.value, n_caseloads=self.n_caseloads, seed=self.seed,
        )
        summary = simulate_caseload.summarise_caseloads(caseloads, self.n_slider.value)
        return summary, simulate_caseload.difference_distribution(caseloads)

    def _shown(self) -> dict:
        """What the figure and the text show for the sliders' values, computed once per pair of values (a few
        kilobytes; students move back and forth, and the finding buttons jump to the same few values)."""
        r, n = float(self.r_slider.value), int(self.n_slider.value)
        if (r, n) not in self._cache:
            summary, distribution = self._compute()
            self._cache[(r, n)] = {
                "values": figures.caseload_trace_values(summary, distribution),
                "ranges": figures.caseload_axis_ranges(summary, distribution),
                "text": live_text(figures.describe_caseload_recoveries(summary, r)),
            }
        return self._cache[(r, n)]

    def _update(self, _change: dict | None = None) -> None:
        shown = self._shown()
        values = shown["values"]
        # only the values that change: trace data and axis ranges, which the browser redraws without the titles
        with self.figure.batch_redraw_traces():
            for trace, value in zip(self.figure.data[:2], values[:2], strict=True):
                trace.x, trace.hovertemplate = value["x"], value["hovertemplate"]
                trace.error_x.array, trace.error_x.arrayminus = value["array"], value["arrayminus"]
            for trace, value in zip(self.figure.data[2:], values[2:], strict=True):
                trace.x, trace.y = value["x"], value["y"]
            for axis, axis_range in shown["ranges"].items():
                self.figure.layout[axis].range = axis_range
        self.description.value = shown["text"]


def empathy_caseload(r: float | None = None, n_clients: int = 40, seed: int = 2018) -> EmpathyCaseload:
    """Show the "empathy on a caseload" demo (module 03); ``r`` defaults to empathy's r from the evidence table."""
    return EmpathyCaseload(r=r, n_clients=n_clients, seed=seed)


def reflections_figure(table: pd.DataFrame) -> widgets.VBox:
    """Complex reflections per AnnoMI session by quality (module 03), with its text alternative under the plot.

    Parameters
    ----------
    table
        :func:`helpcourse.skills.reflections_by_transcript`.
    """
    thresholds = skills.miti_complex_thresholds()
    fig = figures.complex_reflections_figure(table, thresholds)
    text = figures.describe_complex_reflections(table, thresholds)
    return widgets.VBox([FigureWidget(fig), widgets.HTML(live_text(text))])


# --------------------------------------------------------------------------------------------------
# Naming the skill in a reply (the widget around helpcourse.skills.PracticeSession)
# --------------------------------------------------------------------------------------------------


class SkillsPractice(PracticeActions, widgets.VBox):
    """Name the skill in a helper's reply: one item at a time, five labelled buttons, instant feedback, a score.

    Every control is a button, reachable with the Tab key and pressed with Enter or Space. Nothing is graded.
    """

    last_note = "That was the last reply. Press <b>Start again</b> to go round once more."

    def __init__(self, items: Sequence[skills.Item] = skills.ITEMS, seed: int | None = 3) -> None:
        self.session = skills.PracticeSession(items, seed)
        self.counter = widgets.HTML()
        self.exchange = widgets.HTML()
        self.choices = [
            widgets.Button(description=skill.label, tooltip=f"{skill.label}: {skill.definition}",
                           layout=widgets.Layout(width="auto"))
            for skill in skills.SKILLS.values()
        ]
        for button, code in zip(self.choices, skills.SKILLS, strict=True):
            button.on_click(lambda _button, code=code: self.choose(code))
        self.feedback = widgets.HTML()
        self.score = widgets.HTML()
        self.next_button = widgets.Button(description="Next reply", button_style="primary", icon="arrow-right",
                                          tooltip="Show the next client statement and reply", disabled=True)
        self.next_button.on_click(lambda _button: self.advance())
        self.restart_button = widgets.Button(description="Start again", icon="refresh",
                                             tooltip="Start again from the first reply with a clean score")
        self.restart_button.on_click(lambda _button: self.restart())
        self._show()
        super().__init__([
            self.counter,
            self.exchange,
            widgets.HTML("<b>Which skill is the helper using?</b>"),
            widgets.HBox(self.choices, layout=widgets.Layout(flex_flow="row wrap")),
            self.feedback,
            widgets.HBox([self.next_button, self.restart_button]),
            self.score,
        ])

    def _show(self) -> None:
        item = self.session.current
        position = self.session.position + 1
        self.counter.value = f"<b>Reply {position} of {len(self.session.items)}</b>"
        self.exchange.value = (
            f"<p><b>Client:</b> “{html.escape(item.client)}”</p>"
            f"<p><b>Helper:</b> “{html.escape(item.helper)}”</p>"
        )
        self.feedback.value = ""
        self.next_button.disabled = True
        self.score.value = f"<p>{html.escape(self.session.score())}</p>"


def skills_practice(seed: int | None = 3) -> SkillsPractice:
    """Show the helping-skills practice (module 03): name the skill in a helper's reply."""
    return SkillsPractice(skills.ITEMS, seed)
