"""Demos of module 07, Adapting to the client: progress against an expected band, matching, an alarm, dose."""

from __future__ import annotations

import base64
import json
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from helpcourse import figures, progress
from helpcourse.demos.common import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    FigureWidget,
    LabelledIntSlider,
    LabelledSlider,
    live_text,
)
from helpcourse.simulate import monitoring as simulate_monitoring

__all__ = [
    "ADAPTATION_FINDINGS",
    "BANDS",
    "MatchingSimulator",
    "MonitoringAlarm",
    "ProgressExplorer",
    "StaticFigure",
    "adaptation_forest",
    "band_name",
    "dose_effect_chart",
    "matching_simulator",
    "monitoring_alarm",
    "progress_explorer",
    "tailoring_chart",
]



#: Band choices of :class:`ProgressExplorer`: button label -> (lower, upper) quantile.
BANDS: dict[str, tuple[float, float]] = {
    "Middle half": (0.25, 0.75),
    "Middle 80%": (0.10, 0.90),
}


def band_name(label: str) -> str:
    """Legend name of a band of :data:`BANDS`, e.g. "Middle half of the sample (25th to 75th percentile)"."""
    low, high = BANDS[label]
    return f"{label} of the sample ({round(100 * low)}th to {round(100 * high)}th percentile)"

#: Evidence keys of the adaptation meta-analyses and their row labels, in display order.
ADAPTATION_FINDINGS: dict[str, str] = {
    "reactance_matching_d_2018": "Directiveness matched to reactance",
    "coping_style_matching_d_2018": "Matched to coping style",
    "cultural_adaptation_d_2018": "Culturally adapted",
    "stages_of_change_d_2018": "Stage of change (predictor)",
    "feedback_not_on_track_d_2021": "Progress feedback, not-on-track clients",
    "feedback_d_2021": "Progress feedback, all clients",
}


class ProgressExplorer(widgets.VBox):
    """One Schramm patient's symptoms per session over the sample's expected band, with not-on-track sessions.

    Controls: a slider choosing the patient (by position among the patients with at least two recorded sessions)
    and buttons choosing the width of the band. Bands, reliable change and every patient's trajectory are
    computed once; a key press only looks them up.
    """

    def __init__(self, sessions: pd.DataFrame, patient: int = 1, band: str = "Middle half") -> None:
        self.sessions = sessions
        self.threshold = progress.reliable_change_threshold(
            float(sessions.loc[sessions["session"] == sessions["session"].min(), "symptom_count"].astype(float).std()),
            progress.first_session_reliability(sessions),
        )
        self.changes = progress.reliable_change_table(sessions, self.threshold)
        self.patient_ids = [int(p) for p in self.changes.index]
        recorded = sessions[sessions["symptom_count"].notna()]
        # one patient's row positions per patient (one pass); a trajectory is built when it is first shown
        self._recorded = pd.Series(recorded["symptom_count"].to_numpy(dtype=float),
                                   index=pd.Index(recorded["session"].to_numpy(), name="session"), name="symptom_count")
        self._rows = {int(pid): rows for pid, rows in recorded.groupby("patient_id").indices.items()}
        self._trajectories: dict[int, pd.Series] = {}
        self.bands = {label: progress.expected_band(sessions, lower=low, upper=high)
                      for label, (low, high) in BANDS.items()}
        self.patient = LabelledIntSlider(
            value=patient, min=1, max=len(self.patient_ids), step=1, description="Patient (position in the list)",
            continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.band = widgets.ToggleButtons(options=list(BANDS), value=band, description="Expected band",
                                          style=SLIDER_STYLE, tooltips=[band_name(label) for label in BANDS])
        pid, trajectory, flags = self._current()
        self.figure = FigureWidget(figures.progress_figure(self.bands[self.band.value], trajectory, flags, pid,
                                                           band_name(self.band.value)))
        self.description = widgets.HTML(live_text(self._describe(pid, flags)))
        self.patient.observe(self._update, names="value")
        self.band.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.patient, self.band]), self.figure, self.description])

    @property
    def patient_id(self) -> int:
        """The id of the patient shown."""
        return self.patient_ids[int(self.patient.value) - 1]

    def trajectory(self, pid: int) -> pd.Series:
        """One patient's recorded symptom counts by session, in the data set's order (kept once built)."""
        if pid not in self._trajectories:
            self._trajectories[pid] = self._recorded.iloc[self._rows[pid]]
        return self._trajectories[pid]

    def _current(self) -> tuple[int, pd.Series, pd.Series]:
        pid = self.patient_id
        trajectory = self.trajectory(pid)
        return pid, trajectory, progress.not_on_track(trajectory, self.bands[self.band.value])

    def _describe(self, pid: int, flags: pd.Series) -> str:
        return figures.describe_progress(pid, self.changes.loc[pid], flags, self.threshold)

    def _update(self, change: dict | None = None) -> None:
        pid, trajectory, flags = self._current()
        flagged = flags.index[flags]
        with self.figure.batch_update():
            if change is not None and change["owner"] is self.band:
                band = self.bands[self.band.value]
                self.figure.data[0].y = band["lower"].to_numpy()
                self.figure.data[1].y = band["upper"].to_numpy()
                self.figure.data[1].name = band_name(self.band.value)
            self.figure.data[3].x, self.figure.data[3].y = trajectory.index.to_numpy(), trajectory.to_numpy()
            self.figure.data[4].x = flagged.to_numpy()
            self.figure.data[4].y = trajectory.loc[flagged].to_numpy()
            self.figure.layout.title.text = figures.progress_title(pid)
        self.description.value = live_text(self._describe(pid, flags))


def progress_explorer(sessions: pd.DataFrame, patient: int = 1) -> ProgressExplorer:
    """Show one patient's progress against the expected band (module 07); ``sessions`` from
    :func:`helpcourse.data.load_schramm_sessions`."""
    return ProgressExplorer(sessions, patient=patient)


class MatchingSimulator(widgets.VBox):
    """Clients with low or high reactance seen by directive or non-directive helpers: outcomes per combination.

    Controls: the matching effect d and the share of high-reactance clients. The same simulated clients (one seed)
    are re-used for every setting.
    """

    def __init__(self, matching_d: float = 0.79, share_high: float = 0.5, n_clients: int = 400,
                 seed: int = 2018) -> None:
        self.n_clients, self.seed = n_clients, seed
        self.effect = LabelledSlider(
            value=matching_d, min=0.0, max=1.5, step=0.01, description="Matching effect d", readout_format=".2f",
            continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.share = LabelledSlider(
            value=share_high, min=0.0, max=1.0, step=0.05, description="Share of high-reactance clients",
            readout_format=".2f", continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        summary, policies = self._compute()
        self.figure = FigureWidget(figures.matching_figure(summary, policies, self.effect.value, self.share.value))
        self.description = widgets.HTML(live_text(figures.describe_matching(summary, policies)))
        self.effect.observe(self._update, names="value")
        self.share.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.effect, self.share]), self.figure, self.description])

    def _compute(self) -> tuple[pd.DataFrame, dict[str, float]]:
        d, share = float(self.effect.value), float(self.share.value)
        clients = simulate_monitoring.simulate_reactance_matching(d, share, self.n_clients, self.seed)
        return simulate_monitoring.matching_summary(clients), simulate_monitoring.expected_policy_outcomes(d, share)

    def _update(self, _change: dict | None = None) -> None:
        summary, policies = self._compute()
        with self.figure.batch_update():
            for trace, style in zip(self.figure.data[:2], figures.HELPER_STYLES, strict=True):
                part = summary[summary["helper"] == style]
                trace.y = part["mean_outcome"].tolist()
                trace.text = [f"n = {n}" for n in part["n"]]
            values = [policies[key] for key in figures.POLICY_LABELS]
            self.figure.data[2].y = values
            self.figure.data[2].text = [f"{v:+.2f}" for v in values]
            self.figure.layout.title.text = figures.matching_title(self.effect.value, self.share.value)
        self.description.value = live_text(figures.describe_matching(summary, policies))


def matching_simulator(matching_d: float = 0.79, share_high: float = 0.5, n_clients: int = 400,
                       seed: int = 2018) -> MatchingSimulator:
    """Show the reactance-matching simulation (module 07)."""
    return MatchingSimulator(matching_d=matching_d, share_high=share_high, n_clients=n_clients, seed=seed)


class MonitoringAlarm(widgets.VBox):
    """An outcome-monitoring alarm over simulated clients: hits, misses and false alarms as the threshold moves.

    Controls: the alarm threshold (a rise in score points) and the session of the check. The clients of every
    check session are simulated once (one seed, the same clients); a key press only re-counts. The rise axis covers
    every session and threshold offered, so it stays put: a key press moves the points, the threshold line and the
    bars, and the browser redraws those traces only. The text alternative states the threshold and the session.
    """

    SESSIONS = range(2, 13)

    def __init__(self, threshold: int = 3, check_session: int = 4, n_clients: int = 200,
                 share_deteriorating: float = 0.1, seed: int = 2021) -> None:
        self.simulated = {
            s: simulate_monitoring.simulate_monitoring_alarm(n_clients, share_deteriorating, s, seed=seed)
            for s in self.SESSIONS
        }
        self.threshold = LabelledIntSlider(
            value=threshold, min=-4, max=12, step=1, description="Alarm threshold (points of rise)",
            continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        self.session = LabelledIntSlider(
            value=check_session, min=min(self.SESSIONS), max=max(self.SESSIONS), step=1,
            description="Session of the check", continuous_update=True, style=SLIDER_STYLE, layout=SLIDER_LAYOUT,
        )
        clients, counts = self._compute()
        rises = [value for c in self.simulated.values() for value in (c["rise"].min(), c["rise"].max())]
        rise_range = figures.alarm_rise_range([*rises, self.threshold.min, self.threshold.max])
        self.figure = FigureWidget(figures.alarm_figure(clients, self.threshold.value, counts, rise_range))
        self.description = widgets.HTML(live_text(self._describe(counts)))
        self.threshold.observe(self._update, names="value")
        self.session.observe(self._update, names="value")
        super().__init__([widgets.VBox([self.threshold, self.session]), self.figure, self.description])

    def _compute(self) -> tuple[pd.DataFrame, dict[str, float]]:
        clients = self.simulated[int(self.session.value)]
        return clients, simulate_monitoring.alarm_counts(clients, self.threshold.value)

    def _describe(self, counts: dict[str, float]) -> str:
        return figures.describe_alarm(counts, self.threshold.value, self.session.value)

    def _update(self, change: dict | None = None) -> None:
        clients, counts = self._compute()
        with self.figure.batch_redraw_traces():
            if change is not None and change["owner"] is self.session:
                truth = clients["deteriorating"].to_numpy(dtype=bool)
                rise = clients["rise"].to_numpy(dtype=float)
                self.figure.data[0].x, self.figure.data[1].x = rise[~truth], rise[truth]
            self.figure.data[2].x = [self.threshold.value, self.threshold.value]
            values = [counts[key] for key, _, _, _ in figures.ALARM_OUTCOMES]
            self.figure.data[3].y = values
            self.figure.data[3].text = [str(v) for v in values]
        self.description.value = live_text(self._describe(counts))


def monitoring_alarm(threshold: int = 3, check_session: int = 4, n_clients: int = 200,
                     share_deteriorating: float = 0.1, seed: int = 2021) -> MonitoringAlarm:
    """Show the outcome-monitoring alarm simulation (module 07)."""
    return MonitoringAlarm(threshold=threshold, check_session=check_session, n_clients=n_clients,
                           share_deteriorating=share_deteriorating, seed=seed)


def _plain_arrays(spec: Any) -> Any:
    """Replace plotly's base64 array encoding (``{"dtype", "bdata"[, "shape"]}``) by plain lists, recursively.

    plotly.js draws either, but the plot element then keeps the encoded form as its data, which assistive
    tooling and the course's browser tests read as plain numbers.
    """
    if isinstance(spec, dict):
        if "bdata" in spec and "dtype" in spec:
            values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
            if "shape" in spec:
                values = values.reshape([int(n) for n in str(spec["shape"]).split(",")])
            return values.tolist()
        return {key: _plain_arrays(value) for key, value in spec.items()}
    if isinstance(spec, list):
        return [_plain_arrays(value) for value in spec]
    return spec


class StaticFigure(widgets.VBox):
    """A figure without controls and its text alternative under it.

    A plot that never changes needs no live connection to the kernel: it is shown through plotly's own output
    format (drawn by JupyterLab's plotly renderer) rather than as a ``FigureWidget``, which keeps the number of
    widgets a browser has to start when a module is run small.

    Attributes
    ----------
    figure : plotly.graph_objects.Figure
        The figure shown.
    """

    def __init__(self, fig: go.Figure, text: str) -> None:
        self.figure = fig
        spec = _plain_arrays(json.loads(fig.to_json()))
        bundle = {"application/vnd.plotly.v1+json": {**spec, "config": {"responsive": True}},
                  "text/plain": f"Figure: {fig.layout.title.text}"}
        output = widgets.Output(outputs=({"output_type": "display_data", "data": bundle, "metadata": {}},))
        super().__init__([output, widgets.HTML(live_text(text))])


def _static(fig: go.Figure, text: str) -> StaticFigure:
    return StaticFigure(fig, text)


def adaptation_forest() -> StaticFigure:
    """Forest plot of the adaptation and feedback meta-analyses (module 07), with its text alternative."""
    rows = figures.evidence_forest_rows(ADAPTATION_FINDINGS)
    fig = figures.forest_plot(rows, "Standardised difference (d)",
                              "Adapting to the client: meta-analytic effects (d)")
    fig.update_layout(legend={"y": -0.32}, margin={"b": 110})
    return _static(fig, figures.describe_forest(rows, "d"))


def dose_effect_chart(curve: pd.DataFrame, sessions: tuple[int, ...] = (4, 8, 16, 26)) -> StaticFigure:
    """Share of Schramm patients reliably improved at each session (module 07); ``curve`` from
    :func:`helpcourse.progress.dose_effect_curve`."""
    fig = figures.dose_effect_figure(curve, "Dose and effect in one trial: share reliably improved by session")
    return _static(fig, figures.describe_dose_effect(curve, sessions))


def tailoring_chart(pooled: pd.DataFrame) -> StaticFigure:
    """Pooled change in tailored and standard CBT arms (module 07); ``pooled`` from
    :func:`helpcourse.progress.pooled_change_by_tailoring`."""
    fig = figures.tailoring_figure(pooled, "CBT for depression: change within tailored and standard arms")
    return _static(fig, figures.describe_tailoring(pooled))
