"""Demos of module 01, Reading outcome research."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from helpcourse import evidence, figures, findings
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
    "CorrelationExplorer",
    "RelationshipForest",
    "TREATMENT_LABELS",
    "correlation_explorer",
    "quit_rates_figure",
    "relationship_forest",
]


class CorrelationExplorer(widgets.VBox):
    """What does a correlation of r look like? Simulated clients, and how many of each alliance half end above
    the median outcome.

    Controls: a slider for the correlation ``r`` and one for the number of clients. The scatter shows each
    simulated client, with a dotted line at the sample's median outcome; the bars show the share above that median
    among clients with a stronger and with a weaker alliance (a translation of r, not a clinical recovery
    criterion). With ``exact=True`` simulation the sample correlation equals the slider's value.
    """

    def __init__(self, r: float = 0.28, n_clients: int = 200, seed: int = 2018) -> None:
        self.seed = seed
        self._cache: dict[tuple[float, int], dict] = {}
        self.r_slider = LabelledSlider(
            value=r, min=0.0, max=0.9, step=0.01, description="Correlation r", readout_format=".2f",
            continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.n_slider = LabelledIntSlider(
            value=n_clients, min=20, max=1000, step=10, description="Number of clients",
            continuous_update=False, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        clients, stronger, weaker = self._compute()
        self.figure = FigureWidget(
            figures.alliance_outcome_figure(clients["alliance"], clients["outcome"], r, stronger, weaker)
        )
        self.description = widgets.HTML(live_text(figures.describe_alliance_outcome(r, n_clients, stronger, weaker)))
        self.r_slider.observe(self._update, names="value")
        self.n_slider.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.r_slider, self.n_slider]), self.figure, self.description])

    def _compute(self):
        clients = simulate_alliance.simulate_alliance_outcome(self.r_slider.value, self.n_slider.value, seed=self.seed)
        stronger, weaker = simulate_alliance.above_median_shares_by_alliance(clients)
        return clients, stronger, weaker

    def _shown(self) -> dict:
        """What the figure and the text show for the sliders' values, computed with numpy once per pair of values
        (a few kilobytes; students move back and forth)."""
        r, n = float(self.r_slider.value), int(self.n_slider.value)
        if (r, n) not in self._cache:
            clients, stronger, weaker = self._compute()
            alliance, outcome = clients["alliance"].to_numpy(), clients["outcome"].to_numpy()
            top = alliance > np.median(alliance)
            self._cache[(r, n)] = {
                "top": (alliance[top], outcome[top]), "bottom": (alliance[~top], outcome[~top]),
                "shares": (stronger, weaker), "median_outcome": float(np.median(outcome)),
                "text": live_text(figures.describe_alliance_outcome(r, n, stronger, weaker)),
            }
        return self._cache[(r, n)]

    def _update(self, _change: dict | None = None) -> None:
        shown = self._shown()
        (stronger, weaker), median_outcome = shown["shares"], shown["median_outcome"]
        data = self.figure.data
        with self.figure.batch_redraw_traces():  # trace data only: the axes and titles stay put
            data[0].x, data[0].y = shown["top"]
            data[1].x, data[1].y = shown["bottom"]
            data[2].y, data[2].text = [stronger], [figures.format_percent(stronger)]
            data[3].y, data[3].text = [weaker], [figures.format_percent(weaker)]
            # The dotted line and its label sit at this sample's median outcome.
            data[4].y, data[5].y = [median_outcome] * 2, [median_outcome]
        self.description.value = shown["text"]


class RelationshipForest(widgets.VBox):
    """A forest plot of twelve 2018 meta-analyses for the third APA task force, on the r or the d scale, sortable.

    All twelve rows come from the task force's 2018 series; two of them (the client's early outcome expectation and
    view of the treatment's credibility) measure the client's own hopes and views, not the helper-client bond. Rows
    and values come from :data:`findings.RELATIONSHIP_ELEMENTS`; the hover text adds each row's caveat.
    """

    SORTS = {"Default order": "default", "Largest first": "size"}

    def __init__(self, scale: str = "r") -> None:
        self.scale = widgets.ToggleButtons(
            options=[("Correlation r", "r"), ("Standardised difference d", "d")], value=scale,
            description="Show as", style=SLIDER_STYLE,
            tooltips=["Correlation with outcome", "Difference between groups in standard deviations"],
        )
        # Buttons, not a dropdown: in JupyterLab the arrow keys on a focused dropdown move between cells instead.
        self.sort = widgets.ToggleButtons(
            options=list(self.SORTS.items()), value="default", description="Sort", style=SLIDER_STYLE,
        )
        rows = self._rows()
        self.figure = FigureWidget(figures.relationship_forest_figure(rows, self._axis_title(), self._title()))
        self.description = widgets.HTML(live_text(figures.describe_relationship_forest(rows, self.scale.value)))
        self.scale.observe(self._update, names="value")
        self.sort.observe(self._update, names="value")
        super().__init__([widgets.HBox([self.scale, self.sort]), self.figure, self.description])

    def _rows(self):
        rows = findings.relationship_elements(self.scale.value)
        rows["detail"] = [figures.hover_detail(detail, evidence.row(key).caveat)
                          for detail, key in zip(rows["detail"], rows["key"], strict=True)]
        if self.sort.value == "size":
            rows = rows.sort_values("estimate", ascending=False, kind="stable").reset_index(drop=True)
        return rows

    def _axis_title(self) -> str:
        return "Correlation with outcome (r)" if self.scale.value == "r" else "Standardised difference (d)"

    def _title(self) -> str:
        return "Twelve 2018 meta-analyses for the third APA task force: the relationship and the client's views"

    def _update(self, change: dict | None = None) -> None:
        # Only what changed is sent: sorting changes the row order (the y axis' categories) alone; the scale
        # changes the estimates and intervals, split into the same two traces as figures.relationship_forest_figure.
        rows = self._rows()
        with self.figure.batch_update():
            self.figure.layout.yaxis.categoryarray = list(rows["label"])[::-1]
            if change is None or change["owner"] is self.scale:
                has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()
                with_ci, without = rows[has_ci], rows[~has_ci]
                first, second = self.figure.data
                first.x, first.y, first.customdata = with_ci["estimate"], with_ci["label"], with_ci["detail"]
                first.error_x.array = (with_ci["ci_high"] - with_ci["estimate"]).tolist()
                first.error_x.arrayminus = (with_ci["estimate"] - with_ci["ci_low"]).tolist()
                second.x, second.y, second.customdata = without["estimate"], without["label"], without["detail"]
                self.figure.layout.xaxis.title.text = self._axis_title()
        self.description.value = live_text(figures.describe_relationship_forest(rows, self.scale.value))


def correlation_explorer(r: float = 0.28, n_clients: int = 200, seed: int = 2018) -> CorrelationExplorer:
    """Show the "what does r look like" demo (module 01)."""
    return CorrelationExplorer(r=r, n_clients=n_clients, seed=seed)


def relationship_forest(scale: str = "r") -> RelationshipForest:
    """Show the forest plot of relationship elements (module 01)."""
    return RelationshipForest(scale=scale)


TREATMENT_LABELS = {
    "no_contact": "No contact",
    "self_help": "Self-help material",
    "ind_counseling": "Individual counselling",
    "grp_counseling": "Group counselling",
}


def quit_rates_figure(totals) -> widgets.VBox:
    """Quit rates by kind of help (module 01), with its text alternative under the plot.

    Parameters
    ----------
    totals
        A DataFrame indexed by treatment code (``no_contact``, ``self_help``, ``ind_counseling``,
        ``grp_counseling``) with columns ``xi`` (quitters), ``ni`` (participants) and ``quit_rate``.
    """
    order = [code for code in TREATMENT_LABELS if code in totals.index]
    labels = [TREATMENT_LABELS[code] for code in order]
    rates = [float(totals.loc[code, "quit_rate"]) for code in order]
    counts = [f"{int(totals.loc[code, 'xi']):,} of {int(totals.loc[code, 'ni']):,}" for code in order]
    fig = figures.group_rates_figure(labels, rates, counts, "Who quit smoking, by kind of help (all trials added up)")
    text = "; ".join(f"{label}: {figures.format_percent(rate)} quit ({count})"
                     for label, rate, count in zip(labels, rates, counts, strict=True))
    return widgets.VBox([FigureWidget(fig), widgets.HTML(live_text(text + "."))])
