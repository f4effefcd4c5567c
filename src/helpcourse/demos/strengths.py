"""Demos of module 06, Strengths, resources and hope."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from helpcourse import figures, strengths
from helpcourse.demos.common import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    FigureWidget,
    LabelledIntSlider,
    LabelledSlider,
    PracticeActions,
    live_text,
)
from helpcourse.simulate import weak_evidence as simulate_weak_evidence

__all__ = [
    "ContactOddsRatios",
    "ReframePractice",
    "WeakEvidenceExplorer",
    "contact_odds_ratios",
    "reframe_practice",
    "weak_evidence_explorer",
]


class WeakEvidenceExplorer(widgets.VBox):
    """How often do small non-randomised studies "find" an effect? Many seeded studies of one setting.

    Controls: sliders for the true effect d, the clients per group and the selection bias, and toggle buttons
    for what gets reported (all studies, or only those that found a significant benefit). The histogram shows
    every study's estimated d, split into studies that found a significant benefit and the others, with lines at
    the true effect and at the average reported effect. Every change redraws from
    :func:`helpcourse.simulate.weak_evidence.simulate_small_studies` with the same seed.
    """

    def __init__(self, true_d: float = 0.0, n_per_group: int = 10, selection_bias: float = 0.0,
                 only_significant: bool = False, n_studies: int = simulate_weak_evidence.N_STUDIES,
                 seed: int = simulate_weak_evidence.SEED) -> None:
        self.seed = seed
        self.n_studies = n_studies
        self.true_d = LabelledSlider(
            value=true_d, min=-0.2, max=0.8, step=0.05, description="True effect d", readout_format=".2f",
            style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.n_per_group = LabelledIntSlider(
            value=n_per_group, min=5, max=200, step=5, description="Clients per group",
            style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.selection_bias = LabelledSlider(
            value=selection_bias, min=0.0, max=0.6, step=0.05, description="Selection bias (SD)",
            readout_format=".2f", style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        # Buttons, not a dropdown: in JupyterLab the arrow keys on a focused dropdown move between cells instead.
        self.reported = widgets.ToggleButtons(
            options=[("All studies", False), ("Only significant benefits", True)], value=only_significant,
            description="Reported", style=SLIDER_STYLE,
            tooltips=["Every study is published", "Only studies that found a significant benefit are published"],
        )
        studies = self.studies()
        self.figure = FigureWidget(figures.weak_evidence_figure(studies, only_significant))
        self.description = widgets.HTML(live_text(self._describe(studies)))
        for control in (self.true_d, self.n_per_group, self.selection_bias, self.reported):
            control.observe(self._update, names="value")
        controls = widgets.VBox([self.true_d, self.n_per_group, self.selection_bias, self.reported])
        super().__init__([controls, self.figure, self.description])

    def studies(self) -> simulate_weak_evidence.SmallStudies:
        """The simulated studies of the current settings."""
        return simulate_weak_evidence.simulate_small_studies(
            self.true_d.value, self.n_per_group.value, self.selection_bias.value, self.n_studies, self.seed,
        )

    def summary(self) -> simulate_weak_evidence.StudiesSummary:
        """What a reader of the reported studies sees, for the current settings."""
        return simulate_weak_evidence.summarise_studies(self.studies(), self.reported.value)

    def _describe(self, studies: simulate_weak_evidence.SmallStudies) -> str:
        summary = simulate_weak_evidence.summarise_studies(studies, self.reported.value)
        return figures.describe_weak_evidence(summary, studies.n_per_group, self.selection_bias.value)

    def _update(self, _change: dict | None = None) -> None:
        only = bool(self.reported.value)
        studies = self.studies()
        summary = simulate_weak_evidence.summarise_studies(studies, only)
        _, benefit, other = figures.weak_evidence_bars(studies)
        top = figures.weak_evidence_line_height(benefit, other)
        reported = summary.mean_reported if math.isfinite(summary.mean_reported) else summary.true_d
        with self.figure.batch_update():
            self.figure.data[0].y = benefit
            self.figure.data[1].y = other
            self.figure.data[1].opacity = 0.3 if only else 0.75
            self.figure.data[1].name = "No significant benefit (not reported)" if only else "No significant benefit"
            self.figure.data[2].x, self.figure.data[2].y = [summary.true_d] * 2, [0, top]
            self.figure.data[3].x, self.figure.data[3].y = [reported] * 2, [0, top]
            self.figure.layout.title.text = figures.weak_evidence_title(summary.n_studies, studies.n_per_group,
                                                                        studies.selection_bias)
        self.description.value = live_text(self._describe(studies))


def weak_evidence_explorer(true_d: float = 0.0, n_per_group: int = 10, selection_bias: float = 0.0,
                           only_significant: bool = False,
                           seed: int = simulate_weak_evidence.SEED) -> WeakEvidenceExplorer:
    """Show the small-study simulation (module 06)."""
    return WeakEvidenceExplorer(true_d, n_per_group, selection_bias, only_significant, seed=seed)


class ContactOddsRatios(widgets.VBox):
    """Pooled odds ratios of quitting smoking with each kind of contact against no contact, within trials.

    Toggle buttons choose the estimator of the between-trial variance (Paule-Mandel or DerSimonian-Laird), so a
    student can see that the conclusion does not hinge on it.
    """

    def __init__(self, arms: pd.DataFrame, method: str = "pm") -> None:
        self.arms = arms
        self._pooled: dict[str, pd.DataFrame] = {}
        self.trials = {contact: strengths.within_trial_odds_ratios(arms, contact)
                       for contact in ("self_help", "ind_counseling", "grp_counseling")}
        self.method = widgets.ToggleButtons(
            options=[("Paule-Mandel", "pm"), ("DerSimonian-Laird", "dl")], value=method,
            description="Estimator of τ²", style=SLIDER_STYLE,
            tooltips=["Iterative estimator (the course's default)", "One-step estimator of many older reviews"],
        )
        pooled = self.pooled()
        self.figure = FigureWidget(figures.contact_odds_ratio_figure(pooled, self.trials, self.title()))
        self.description = widgets.HTML(live_text(figures.describe_contact_odds_ratios(pooled)))
        self.method.observe(self._update, names="value")
        super().__init__([self.method, self.figure, self.description])

    def pooled(self) -> pd.DataFrame:
        """The pooled odds ratios for the chosen estimator (pooled once per estimator: about 60 ms each)."""
        if self.method.value not in self._pooled:
            self._pooled[self.method.value] = strengths.contact_odds_ratios(self.arms, self.method.value)
        return self._pooled[self.method.value]

    def title(self) -> str:
        """The figure's title, naming the estimator."""
        name = dict((code, label) for label, code in self.method.options)[self.method.value]
        return f"Contact with a helper and quitting smoking: within-trial odds ratios (random effects, {name})"

    def _update(self, _change: dict | None = None) -> None:
        pooled = self.pooled()
        with self.figure.batch_update():
            trace = self.figure.data[0]
            trace.x = pooled["odds_ratio"]
            trace.error_x.array = (pooled["ci_high"] - pooled["odds_ratio"]).tolist()
            trace.error_x.arrayminus = (pooled["odds_ratio"] - pooled["ci_low"]).tolist()
            trace.customdata = pooled[["label", "detail", "ci_low", "ci_high"]].to_numpy()
            self.figure.layout.title.text = self.title()
        self.description.value = live_text(figures.describe_contact_odds_ratios(pooled))


def contact_odds_ratios(arms: pd.DataFrame, method: str = "pm") -> ContactOddsRatios:
    """Show the within-trial odds ratios of contact against no contact (module 06)."""
    return ContactOddsRatios(arms, method)


class ReframePractice(PracticeActions, widgets.VBox):
    """From deficit-focused to strength-focused questions: one item at a time, instant feedback, a score.

    Each item shows what a client said, a deficit-focused question and three reformulations, lettered a to c;
    the student presses the button of the one they choose (*Option a*, *Option b*, *Option c*). Every control is a
    button, reached with Tab and pressed with Enter or Space: JupyterLab takes the arrow keys that radio buttons
    would need. Nothing is graded.
    """

    last_note = "That was the last question. Press <b>Start again</b> to go round again."

    def __init__(self, items: Sequence[strengths.ReframeItem] = strengths.ITEMS,
                 seed: int | None = strengths.PRACTICE_SEED) -> None:
        self.session = strengths.ReframeSession(items, seed)
        self.counter = widgets.HTML()
        self.exchange = widgets.HTML()
        self.letters = tuple(self.session.current.options)
        self.choices = [widgets.Button(description=f"Option {letter}", layout=widgets.Layout(width="auto"))
                        for letter in self.letters]
        for button, letter in zip(self.choices, self.letters, strict=True):
            button.on_click(lambda _button, letter=letter: self.choose(letter))
        self.feedback = widgets.HTML()
        self.score = widgets.HTML()
        self.next_button = widgets.Button(description="Next question", button_style="primary", icon="arrow-right",
                                          disabled=True, tooltip="Show the next deficit-focused question")
        self.next_button.on_click(lambda _button: self.advance())
        self.restart_button = widgets.Button(description="Start again", icon="refresh",
                                             tooltip="Start again from the first question with a clean score")
        self.restart_button.on_click(lambda _button: self.restart())
        self._show()
        super().__init__([
            self.counter, self.exchange, widgets.HBox(self.choices), self.feedback,
            widgets.HBox([self.next_button, self.restart_button]), self.score,
        ])

    def _show(self) -> None:
        item = self.session.current
        options = "".join(f"<li><b>{letter})</b> {html.escape(text)}</li>" for letter, text in item.options.items())
        self.counter.value = f"<b>Question {self.session.position + 1} of {len(self.session.items)}</b>"
        self.exchange.value = (
            f"<p><b>Client:</b> “{html.escape(item.client)}”</p>"
            f"<p><b>A deficit-focused question:</b> {html.escape(item.deficit)}</p>"
            f"<p><b>{html.escape(item.prompt)}</b></p>"
            f'<ul style="list-style: none; padding-left: 0.5em">{options}</ul>'
        )
        for button, letter in zip(self.choices, self.letters, strict=True):
            button.tooltip = f"{letter}) {item.options[letter]}"
        self.feedback.value = ""
        self.next_button.disabled = True
        self.score.value = f"<p>{html.escape(self.session.score())}</p>"


def reframe_practice(seed: int | None = strengths.PRACTICE_SEED) -> ReframePractice:
    """Show the practice in turning deficit-focused questions into strength-focused ones (module 06)."""
    return ReframePractice(strengths.ITEMS, seed)
