"""Demos of module 04, The alliance, and relationship versus technique."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd

from helpcourse import figures, metaanalysis
from helpcourse.demos.common import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    FigureWidget,
    LabelledIntSlider,
    LabelledSlider,
    live_text,
)
from helpcourse.simulate import alliance as simulate_alliance

__all__ = [
    "AllianceLevels",
    "EarlyImprovement",
    "TherapyForest",
    "alliance_levels",
    "early_improvement_explorer",
    "nhs_recovery_chart",
    "therapy_forest",
]




class TherapyForest(widgets.VBox):
    """Pooled effect of each therapy type against control in the Metapsy trials, filterable.

    Controls: a button per kind of control group (buttons, not a dropdown, so that the keyboard operates them in
    JupyterLab) and a slider for the minimum number of risk-of-bias criteria a comparison must meet. Each filter
    is pooled once (Paule-Mandel random effects) and remembered by :func:`helpcourse.metaanalysis.metapsy_pooled`,
    so moving back and forth is instant.
    """

    METHOD = "pm"

    def __init__(self, control: str = "all", min_rob: int = 0) -> None:
        self.control = widgets.ToggleButtons(
            options=[(label.capitalize(), code) for code, label in metaanalysis.CONTROL_TYPES.items()],
            value=control, description="Control group", style={**SLIDER_STYLE, "button_width": "auto"},
        )
        self.min_rob = LabelledIntSlider(
            value=min_rob, min=0, max=4, step=1, description="Risk-of-bias criteria met (at least, of 4)",
            continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        pooled = self._pooled()
        self.figure = FigureWidget(figures.therapy_forest_figure(pooled, self._title()))
        self.description = widgets.HTML(live_text(self._describe(pooled)))
        self.control.observe(self._update, names="value")
        self.min_rob.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.control, self.min_rob]), self.figure, self.description])

    def _pooled(self) -> pd.DataFrame:
        return metaanalysis.metapsy_pooled(self.control.value, self.min_rob.value, self.METHOD)

    def _control_label(self) -> str:
        return metaanalysis.CONTROL_TYPES[self.control.value]

    def _title(self) -> str:
        return figures.therapy_forest_title(
            self._control_label(), self.min_rob.value, metaanalysis.METHODS[self.METHOD]
        )

    def _describe(self, pooled: pd.DataFrame) -> str:
        return figures.describe_therapy_forest(pooled, self._control_label(), self.min_rob.value)

    def _update(self, _change: dict | None = None) -> None:
        pooled = self._pooled()
        values = figures.therapy_forest_values(pooled)
        with self.figure.batch_update():  # only the values that change, without building a new figure
            for trace, value in zip(self.figure.data[:2], values[:2], strict=True):
                trace.x, trace.customdata = value["x"], value["customdata"]
                trace.error_x.array = value["error_x"]["array"]  # type: ignore[index]
                trace.error_x.arrayminus = value["error_x"]["arrayminus"]  # type: ignore[index]
            self.figure.data[2].text = values[2]["text"]
            self.figure.layout.title.text = self._title()
        self.description.value = live_text(self._describe(pooled))


def therapy_forest(control: str = "all", min_rob: int = 0) -> TherapyForest:
    """Show the forest plot of pooled Metapsy results per therapy type (module 04)."""
    return TherapyForest(control=control, min_rob=min_rob)


def nhs_recovery_chart(lines: pd.DataFrame, problem: str = "Depression") -> widgets.VBox:
    """Recovery by therapy type over the years (module 04), with its text alternative under the plot.

    Parameters
    ----------
    lines
        The table of :func:`helpcourse.metaanalysis.nhs_recovery_lines`.
    problem
        The presenting problem of the table, for the title and the description.
    """
    figure = FigureWidget(figures.recovery_lines_figure(lines, problem))
    return widgets.VBox([figure, widgets.HTML(live_text(figures.describe_recovery_lines(lines, problem)))])


def _differs(shown: object, values: np.ndarray) -> bool:
    """Whether a plotted array ``shown`` differs from ``values`` (beyond rounding in the last digits)."""
    old = np.asarray(shown if shown is not None else [], dtype=float)
    return old.shape != values.shape or not np.allclose(old, values, rtol=1e-12, atol=1e-12)


class AllianceLevels(widgets.VBox):
    """Alliance as a property of therapists and of clients: three views of the same simulated clients.

    Controls: the share of alliance variance between therapists, and the two slopes - how much outcome rises
    with a therapist's average alliance (between therapists) and with a client's alliance relative to the same
    therapist's other clients (within therapists). The figure shows all clients, the therapist averages and the
    within-therapist deviations, each with its correlation.

    A change sends the browser only the arrays that changed: the slopes leave every alliance value where it is,
    and the between-therapist slope leaves the within-therapist panel as it is (the plot holds 650 points with the
    default 50 therapists of 6 clients). The axes are fixed and the panel titles are text marks, so the browser
    redraws the traces only, not the axes, legend and titles around them.
    """

    def __init__(
        self,
        therapist_share: float = 0.2,
        between_slope: float = 0.6,
        within_slope: float = 0.3,
        n_therapists: int = 50,
        clients_per_therapist: int = 6,
        seed: int = 2007,
    ) -> None:
        self.n_therapists, self.clients_per_therapist, self.seed = n_therapists, clients_per_therapist, seed
        self._cache: dict[tuple[float, float, float], dict] = {}
        self.share_slider = LabelledSlider(
            value=therapist_share, min=0.0, max=0.6, step=0.05, description="Therapist share of alliance variance",
            readout_format=".2f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.between_slider = LabelledSlider(
            value=between_slope, min=0.0, max=1.5, step=0.1, description="Between-therapist slope",
            readout_format=".1f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.within_slider = LabelledSlider(
            value=within_slope, min=0.0, max=1.5, step=0.1, description="Within-therapist slope",
            readout_format=".1f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        clients, means, deviations, parts = self._compute()
        self.figure = FigureWidget(figures.alliance_levels_figure(clients, means, deviations, parts))
        self.description = widgets.HTML(live_text(self._describe(parts)))
        for slider in (self.share_slider, self.between_slider, self.within_slider):
            slider.observe(self._update, names="value")
        controls = widgets.VBox([self.share_slider, self.between_slider, self.within_slider])
        super().__init__([controls, self.figure, self.description])

    def _compute(self):
        clients = simulate_alliance.simulate_alliance_multilevel(
            self.n_therapists, self.clients_per_therapist, self.between_slider.value, self.within_slider.value,
            self.share_slider.value, seed=self.seed,
        )
        means, deviations = simulate_alliance.alliance_levels(clients)
        return clients, means, deviations, simulate_alliance.decompose_alliance_correlation(clients)

    def _expected(self) -> dict[str, float]:
        return simulate_alliance.expected_alliance_correlations(
            self.between_slider.value, self.within_slider.value, self.share_slider.value, self.clients_per_therapist
        )

    def _describe(self, parts: dict[str, float]) -> str:
        return figures.describe_alliance_levels(parts, self._expected(), self.n_therapists, self.clients_per_therapist)

    def _shown(self) -> dict:
        """What the figure and the text show for the sliders' values: computed once per combination of values.

        A slider has 13-16 steps, and a student moves back and forth: every combination seen is kept (a few
        kilobytes each), so a step back costs no simulation (about 30 ms of Python, most of it pandas' grouping).
        """
        key = (float(self.share_slider.value), float(self.between_slider.value), float(self.within_slider.value))
        if key not in self._cache:
            clients, means, deviations, parts = self._compute()
            panels = []
            for table in (clients, means, deviations):
                _xs, ys = figures.least_squares_line(table["alliance"], table["outcome"], figures.SCATTER_X_RANGE)
                panels.append({"x": table["alliance"].to_numpy(dtype=float),
                               "y": table["outcome"].to_numpy(dtype=float), "line": ys})
            self._cache[key] = {"panels": panels, "titles": figures.alliance_levels_titles(parts),
                                "text": live_text(self._describe(parts))}
        return self._cache[key]

    def _update(self, _change: dict | None = None) -> None:
        shown = self._shown()
        with self.figure.batch_redraw_traces():
            for i, panel in enumerate(shown["panels"]):
                points, line, title = self.figure.data[i], self.figure.data[3 + i], self.figure.data[6 + i]
                for axis in ("x", "y"):
                    if _differs(points[axis], panel[axis]):
                        points[axis] = panel[axis]
                if _differs(line.y, np.asarray(panel["line"])):
                    line.y = panel["line"]
                if title.text[0] != shown["titles"][i]:
                    title.text = [shown["titles"][i]]
        self.description.value = shown["text"]


def alliance_levels(
    therapist_share: float = 0.2, between_slope: float = 0.6, within_slope: float = 0.3, seed: int = 2007
) -> AllianceLevels:
    """Show the between- and within-therapist alliance demo (module 04)."""
    return AllianceLevels(therapist_share=therapist_share, between_slope=between_slope, within_slope=within_slope,
                          seed=seed)


class EarlyImprovement(widgets.VBox):
    """Early improvement raises the alliance rating: a correlation without the alliance causing anything.

    Controls: how strongly early improvement raises the alliance the client reports, and how much the alliance
    itself adds to the final outcome (0 = nothing). The title shows the alliance-outcome correlation before and
    after taking early improvement into account.
    """

    def __init__(
        self, early_to_alliance: float = 0.4, alliance_to_outcome: float = 0.0, n_clients: int = 400,
        seed: int = 2020,
    ) -> None:
        self.n_clients, self.seed = n_clients, seed
        self._cache: dict[tuple[float, float], dict] = {}
        self.early_slider = LabelledSlider(
            value=early_to_alliance, min=0.0, max=0.9, step=0.1, description="Early improvement raises alliance by",
            readout_format=".1f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.cause_slider = LabelledSlider(
            value=alliance_to_outcome, min=0.0, max=0.8, step=0.1, description="Alliance's own effect on outcome",
            readout_format=".1f", continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        clients, correlations = self._compute()
        self.figure = FigureWidget(figures.early_improvement_figure(clients, correlations))
        self.description = widgets.HTML(live_text(self._describe(clients, correlations)))
        self.early_slider.observe(self._update, names="value")
        self.cause_slider.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.early_slider, self.cause_slider]), self.figure, self.description])

    def _compute(self):
        clients = simulate_alliance.simulate_early_improvement(
            self.n_clients, self.early_slider.value, self.cause_slider.value, seed=self.seed
        )
        return clients, simulate_alliance.alliance_outcome_correlations(clients)

    def _describe(self, clients: pd.DataFrame, correlations: dict[str, float]) -> str:
        return figures.describe_early_improvement(clients, correlations, self.cause_slider.value)

    def _shown(self) -> dict:
        """What the figure and the text show for the sliders' values, computed once per pair of values."""
        key = (float(self.early_slider.value), float(self.cause_slider.value))
        if key not in self._cache:
            clients, correlations = self._compute()
            groups = [clients[clients["improved_early"] == flag] for flag in (True, False)]
            self._cache[key] = {
                "points": [(part["alliance"].to_numpy(), part["outcome"].to_numpy()) for part in groups],
                "line": figures.least_squares_line(clients["alliance"], clients["outcome"], figures.SCATTER_X_RANGE),
                "title": figures.early_improvement_title(correlations),
                "text": live_text(self._describe(clients, correlations)),
            }
        return self._cache[key]

    def _update(self, _change: dict | None = None) -> None:
        shown = self._shown()
        with self.figure.batch_update():
            for trace, (x, y) in zip(self.figure.data[:2], shown["points"], strict=True):
                # the early-improvement slider leaves every outcome where it is, the alliance's own effect every
                # alliance value: only the arrays that changed are sent
                if _differs(trace.x, x):
                    trace.x = x
                if _differs(trace.y, y):
                    trace.y = y
            xs, ys = shown["line"]
            self.figure.data[2].x, self.figure.data[2].y = xs, ys
            self.figure.layout.title.text = shown["title"]
        self.description.value = shown["text"]


def early_improvement_explorer(
    early_to_alliance: float = 0.4, alliance_to_outcome: float = 0.0, n_clients: int = 400, seed: int = 2020
) -> EarlyImprovement:
    """Show the early-improvement demo (module 04)."""
    return EarlyImprovement(early_to_alliance=early_to_alliance, alliance_to_outcome=alliance_to_outcome,
                            n_clients=n_clients, seed=seed)
