"""Demos of module 05, Collaboration and client preferences."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from helpcourse import figures, preferences
from helpcourse.demos.common import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    FigureWidget,
    LabelledIntSlider,
    LabelledSlider,
    live_text,
)
from helpcourse.metaanalysis import CONTROL_TYPES
from helpcourse.simulate import preferences as sim

__all__ = ["DropoutForest", "PreferenceTrialDemo", "dropout_forest", "preference_trial"]



#: Clients per arm at which the power curve is drawn (the slider's steps).
N_GRID = np.arange(20, 501, 10)


class PreferenceTrialDemo(widgets.VBox):
    """A simulated preference trial: matched versus not-matched clients, dropout per arm, and power.

    Controls: the effect of matching for clients with a strong preference (d), the share of clients with a strong
    preference, dropout when not matched, the odds ratio of dropout (not matched versus matched) and the clients
    per arm. Everything shown comes from :mod:`helpcourse.simulate.preferences` with a fixed seed.
    """

    def __init__(
        self, d: float = 0.28, strong_share: float = 1.0, non_matched_dropout: float = 0.30,
        dropout_odds_ratio: float = 1.79, n_per_arm: int = 100, seed: int = 2018,
    ) -> None:
        self.seed = seed
        self._cache: dict[tuple, dict] = {}
        common = {"continuous_update": False, "style": SLIDER_STYLE, "layout": SLIDER_LAYOUT}
        self.d_slider = LabelledSlider(value=d, min=0.0, max=0.8, step=0.02, readout_format=".2f",
                                       description="Effect of matching d (strong preference)", **common)
        self.share_slider = LabelledSlider(value=strong_share, min=0.0, max=1.0, step=0.05, readout_format=".2f",
                                           description="Share of clients with a strong preference", **common)
        self.dropout_slider = LabelledSlider(value=non_matched_dropout, min=0.05, max=0.6, step=0.05,
                                             readout_format=".2f", description="Dropout when not matched", **common)
        self.or_slider = LabelledSlider(value=dropout_odds_ratio, min=0.5, max=3.0, step=0.01, readout_format=".2f",
                                        description="Odds ratio of dropout, not matched vs matched", **common)
        self.n_slider = LabelledIntSlider(value=n_per_arm, min=int(N_GRID[0]), max=int(N_GRID[-1]), step=10,
                                          description="Clients per arm", **common)
        self.sliders = (self.d_slider, self.share_slider, self.dropout_slider, self.or_slider, self.n_slider)
        shown = self._compute()
        self.figure = FigureWidget(figures.preference_trial_figure(**shown["figure"]))
        self.description = widgets.HTML(live_text(figures.describe_preference_trial(**shown["text"])))
        for slider in self.sliders:
            slider.observe(self._update, names="value")
        super().__init__([widgets.VBox(list(self.sliders)), self.figure, self.description])

    def settings(self) -> dict[str, float]:
        """The current settings, as keyword arguments of the simulation functions."""
        return {"n_per_arm": int(self.n_slider.value), "d": float(self.d_slider.value),
                "strong_share": float(self.share_slider.value),
                "non_matched_dropout": float(self.dropout_slider.value),
                "dropout_odds_ratio": float(self.or_slider.value)}

    def _compute(self) -> dict[str, dict]:
        # every combination seen is kept (a few hundred bytes): a slider moved back costs no simulation
        key = tuple(self.settings().values())
        if key not in self._cache:
            self._cache[key] = self._simulate()
        return self._cache[key]

    def _simulate(self) -> dict[str, dict]:
        s = self.settings()
        trial = sim.simulate_preference_trial(**s, seed=self.seed)
        power = sim.simulated_power(**s, seed=self.seed)
        curve = sim.expected_power(N_GRID, s["d"], s["strong_share"], s["non_matched_dropout"],
                                   s["dropout_odds_ratio"])
        effect = sim.average_matching_effect(s["d"], s["strong_share"])
        difference = (trial.mean_difference, trial.ci_low, trial.ci_high)
        observed = (trial.dropout_matched, trial.dropout_other)
        dropout_set = (sim.matched_dropout_rate(s["non_matched_dropout"], s["dropout_odds_ratio"]),
                       s["non_matched_dropout"])
        return {
            "figure": {"difference": difference, "average_effect": effect, "dropout_observed": observed,
                       "dropout_intervals": (trial.dropout_interval("matched"), trial.dropout_interval("other")),
                       "dropout_set": dropout_set, "n_grid": N_GRID.tolist(), "power_curve": list(curve),
                       "n_per_arm": s["n_per_arm"], "power": power},
            "text": {"n_per_arm": s["n_per_arm"], "average_effect": effect, "difference": difference,
                     "p_value": trial.p_value, "dropout_observed": observed, "dropout_set": dropout_set,
                     "power": power},
        }

    def _update(self, _change: dict | None = None) -> None:
        shown = self._compute()
        f = shown["figure"]
        estimate, low, high = f["difference"]
        intervals = f["dropout_intervals"]
        with self.figure.batch_redraw_traces():  # only the traces change: every axis and title stays put
            data = self.figure.data
            data[0].x = [estimate]
            data[0].error_x.array, data[0].error_x.arrayminus = [high - estimate], [estimate - low]
            data[1].x = [f["average_effect"]]
            data[2].y = list(f["dropout_observed"])
            data[2].error_y.array = [hi - r for r, (_, hi) in zip(f["dropout_observed"], intervals, strict=True)]
            data[2].error_y.arrayminus = [r - lo for r, (lo, _) in zip(f["dropout_observed"], intervals, strict=True)]
            data[3].y = list(f["dropout_set"])
            data[4].y = f["power_curve"]
            data[5].x, data[5].y = [f["n_per_arm"]], [f["power"]]
        self.description.value = live_text(figures.describe_preference_trial(**shown["text"]))


def preference_trial(
    d: float = 0.28, strong_share: float = 1.0, non_matched_dropout: float = 0.30, dropout_odds_ratio: float = 1.79,
    n_per_arm: int = 100, seed: int = 2018,
) -> PreferenceTrialDemo:
    """Show the simulated preference trial (module 05)."""
    return PreferenceTrialDemo(d=d, strong_share=strong_share, non_matched_dropout=non_matched_dropout,
                               dropout_odds_ratio=dropout_odds_ratio, n_per_arm=n_per_arm, seed=seed)


class DropoutForest(widgets.VBox):
    """Pooled odds ratio of dropout, therapy arm versus control arm, per therapy type in the Metapsy trials.

    Control: toggle buttons for the kind of control group. Each kind is pooled once and remembered.
    """

    def __init__(self, attrition: pd.DataFrame, control: str = "all") -> None:
        self.attrition = attrition
        self._pooled: dict[str, pd.DataFrame] = {}
        self._figures: dict[str, go.Figure] = {}
        self.control = widgets.ToggleButtons(
            options=[(label.capitalize(), code) for code, label in CONTROL_TYPES.items()], value=control,
            description="Control group", style=SLIDER_STYLE,
        )
        table = self.table()
        self.figure = FigureWidget(figures.dropout_forest_figure(table, CONTROL_TYPES[control]))
        self.description = widgets.HTML(live_text(figures.describe_dropout_forest(table, CONTROL_TYPES[control])))
        self.control.observe(self._update, names="value")
        super().__init__([self.control, self.figure, self.description])

    def table(self) -> pd.DataFrame:
        """The pooled table for the chosen control group (:func:`preferences.dropout_odds_ratios_by_therapy`)."""
        code = self.control.value
        if code not in self._pooled:
            self._pooled[code] = preferences.dropout_odds_ratios_by_therapy(self.attrition, code)
        return self._pooled[code]

    def _fresh(self) -> go.Figure:
        """The figure of the chosen control group, built once per group (building one took about 100 ms)."""
        code = self.control.value
        if code not in self._figures:
            self._figures[code] = figures.dropout_forest_figure(self.table(), CONTROL_TYPES[code])
        return self._figures[code]

    def _update(self, _change: dict | None = None) -> None:
        table = self.table()
        label = CONTROL_TYPES[self.control.value]
        fresh = self._fresh()
        with self.figure.batch_update():
            for trace, new in zip(self.figure.data, fresh.data, strict=True):
                trace.x, trace.y, trace.error_x, trace.customdata = new.x, new.y, new.error_x, new.customdata
            self.figure.layout.yaxis.categoryarray = fresh.layout.yaxis.categoryarray
            self.figure.layout.title.text = fresh.layout.title.text
        self.description.value = live_text(figures.describe_dropout_forest(table, label))


def dropout_forest(attrition: pd.DataFrame, control: str = "all") -> DropoutForest:
    """Show the forest plot of dropout odds ratios per therapy type (module 05).

    Parameters
    ----------
    attrition
        The table of :func:`helpcourse.preferences.attrition_by_comparison`.
    control
        The kind of control group shown first (a code of ``metaanalysis.CONTROL_TYPES``).
    """
    return DropoutForest(attrition, control=control)
