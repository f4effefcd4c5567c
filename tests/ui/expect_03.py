"""Module 03 in the browser: after keyboard changes, the caseload demo shows exactly the values computed here.

The check moves both sliders with the arrow keys and presses a *Set r to a finding* button with the keyboard, then
compares the plot's data, title and live text with the seeded caseloads summarised here with numpy, and the finding
buttons with the evidence table.

The conversation practice (section 3.7; module 08 uses the same check): a reply typed into *Your reply* and sent
with Enter appears in the transcript after the client's opening (the seeded opening computed here), the feedback
(an aria-live region) names the reply's code with the coder's confidence and the client's answer, and the chart's
first bar and its live text follow. The time from Enter to the feedback shown is kept in ``CONVERSATION_LATENCY``.
"""

from __future__ import annotations

import inspect
import re
import time

import numpy as np
import pytest
from module_expectations import DemoExpectation, _live_text, _press
from ui_harness import CellInfo, NotebookPage, poll

from helpcourse import coder, demos, evidence, figures
from helpcourse.simulate import caseload as simulate_caseload
from helpcourse.simulate import client as simulate_client

TOL = 1e-12


def _notebook_seed(cell: CellInfo) -> int:
    """The seed the notebook passes to ``demos.empathy_caseload`` (its default when it passes none)."""
    for part in cell.source.replace(")", ",").split(","):
        if part.strip().startswith("seed="):
            return int(part.strip()[len("seed="):])
    return int(inspect.signature(demos.empathy_caseload).parameters["seed"].default)


def _assert_caseload_shows(nbpage: NotebookPage, cell: CellInfo, r: float, n_clients: int) -> None:
    n_caseloads = inspect.signature(demos.EmpathyCaseload).parameters["n_caseloads"].default
    caseloads = simulate_caseload.simulate_caseload_recoveries(r, n_clients, n_caseloads=n_caseloads,
                                                               seed=_notebook_seed(cell))
    more = caseloads["more_empathic"].to_numpy(dtype=float)
    less = caseloads["less_empathic"].to_numpy(dtype=float)
    difference = more - less
    means = [more.mean(), less.mean()]
    plot = poll(lambda: nbpage.plot_data(cell.index),
                lambda p: [trace["x"][0] for trace in p["data"][:2]] == pytest.approx(means, abs=TOL)
                and p["layout"]["xaxis"]["range"] == [0, n_clients // 2]
                and sum(sum(trace["y"]) for trace in p["data"][2:5]) == n_caseloads)
    assert plot["layout"]["title"]["text"] == figures.CASELOAD_TITLE
    assert plot["layout"]["xaxis"]["range"] == [0, n_clients // 2], "the left axis runs to the size of a half"
    low, high = plot["layout"]["xaxis2"]["range"]
    assert low < difference.min() and difference.max() < high, "every difference within the right axis"
    for trace, counts in zip(plot["data"][:2], (more, less), strict=True):
        low, high = np.percentile(counts, [2.5, 97.5])
        assert trace["x"][0] == pytest.approx(counts.mean(), abs=TOL), "mean recovered clients of a half"
        assert trace["x"][0] + trace["error_x"]["array"][0] == pytest.approx(high, abs=TOL)
        assert trace["x"][0] - trace["error_x"]["arrayminus"][0] == pytest.approx(low, abs=TOL)
    values, counts = np.unique(difference, return_counts=True)
    seen = dict(zip(values.astype(int).tolist(), counts.tolist(), strict=True))
    shown: dict[int, int] = {}
    for trace, keep in zip(plot["data"][2:5], (lambda d: d > 0, lambda d: d == 0, lambda d: d < 0), strict=True):
        bars = dict(zip((int(x) for x in trace["x"]), (int(y) for y in trace["y"]), strict=True))
        assert all(keep(x) for x in bars), f"the {trace['name']!r} bars hold other differences: {sorted(bars)}"
        shown.update(bars)
    assert {d: c for d, c in shown.items() if c} == seen, "caseloads per difference"
    assert sum(shown.values()) == n_caseloads
    ahead = figures.format_percent(float((difference > 0).mean()))
    text = poll(lambda: _live_text(nbpage, cell), lambda t: f"caseloads of {n_clients} clients" in t
                and f"correlate r = {figures.format_r(r)}" in t)
    assert f"{n_caseloads:,} simulated caseloads of {n_clients} clients, {n_clients // 2} seen by more" in text
    assert f"correlate r = {figures.format_r(r)}" in text
    assert f"had more clients above the median in {ahead} of caseloads" in text


def check_empathy_caseload(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Arrow keys on r and on the caseload size, then a finding button pressed with Enter: exact caseloads shown."""
    box = nbpage.cell(cell.index)
    r_slider = box.get_by_role("slider", name="Correlation r (empathy and outcome)")
    n_slider = box.get_by_role("slider", name="Clients in the caseload")
    n_clients = int(float(n_slider.input_value()))
    r = round(_press(nbpage, r_slider, "ArrowRight"), 2)
    _assert_caseload_shows(nbpage, cell, r, n_clients)
    n_clients = int(_press(nbpage, n_slider, "ArrowRight"))
    _assert_caseload_shows(nbpage, cell, r, n_clients)
    congruence = float(evidence.value("congruence_r_2018"))
    button = box.get_by_role("button", name=f"Congruence (r = {figures.format_r(congruence)})")
    button.focus()
    nbpage.page.keyboard.press("Enter")
    assert poll(lambda: float(r_slider.input_value()), lambda v: v == pytest.approx(congruence)) == pytest.approx(
        congruence), "the finding button sets r to the published value"
    _assert_caseload_shows(nbpage, cell, congruence, n_clients)


# ------------------------------------------------------------------------------------------------------------
# Conversation practice (also module 08)
# ------------------------------------------------------------------------------------------------------------

#: Seconds from pressing Enter to the feedback shown, per check run (read by bench/conversation_eval.py's notes).
CONVERSATION_LATENCY: list[float] = []

REPLY = "It sounds like part of you wants things to be different."


def _argument(source: str, name: str) -> str | None:
    found = re.search(rf"{name}=(\d+|\"[^\"]*\")", source)
    return found.group(1).strip('"') if found else None


def _conversation_start(cell: CellInfo) -> tuple[str, int]:
    """The topic and seed the notebook passes to ``demos.conversation_practice`` (its defaults otherwise)."""
    defaults = inspect.signature(demos.conversation_practice).parameters
    topic = _argument(cell.source, "topic") or simulate_client.topic_options()[0]
    seed = _argument(cell.source, "seed")
    return topic, int(seed) if seed is not None else int(defaults["seed"].default)


def check_conversation_practice(nbpage: NotebookPage, cell: CellInfo) -> None:
    """Type a reply, press Enter: the transcript, the announced feedback and the chart follow."""
    topic, seed = _conversation_start(cell)
    opening = simulate_client.SimulatedClient(topic, seed=seed).opening().text
    box = nbpage.cell(cell.index)
    transcript = box.locator(".helpcourse-transcript").first
    assert opening in (transcript.text_content() or ""), "the seeded client opening is shown"
    feedback = box.locator(".helpcourse-feedback").first
    assert feedback.get_attribute("aria-live") == "polite", "the feedback is announced to screen readers"
    reply = box.get_by_role("textbox", name="Your reply")
    reply.focus()
    reply.fill(REPLY)
    start = time.perf_counter()
    nbpage.page.keyboard.press("Enter")
    text = poll(lambda: feedback.text_content() or "", lambda t: "Reply 1 reads as" in t, timeout=30)
    CONVERSATION_LATENCY.append(time.perf_counter() - start)
    names = [name for name in coder.CODE_NAMES.values() if f"Reply 1 reads as {name}" in text]
    assert names, f"the feedback names a code: {text!r}"
    assert re.search(r"coder's confidence \d+%", text), "the feedback gives the coder's confidence"
    assert "The client answered with" in text, "the feedback says what kind of talk the client answered with"
    assert poll(lambda: reply.input_value(), lambda v: v == "") == "", "the box is cleared for the next reply"
    shown = poll(lambda: transcript.text_content() or "", lambda t: REPLY in t)
    assert shown.index(opening) < shown.index(REPLY), "the reply follows the opening in the transcript"
    assert "reply 2 of" in shown, "the transcript counts the replies"
    panel = box.locator(".helpcourse-panel").first.text_content() or ""
    assert "Replies coded: 1" in panel and "not measured" in panel
    plot = nbpage.plot_data(cell.index)
    assert plot["layout"]["title"]["text"] == demos.CHART_TITLE
    alt = box.locator(".helpcourse-alt").first.text_content() or ""
    first = plot["data"][0]["text"][0]
    if first == "none yet":
        assert "no change or sustain talk yet" in alt
    else:
        assert f"{first} of the simulated client's change and sustain talk" in alt
    assert float(plot["data"][0]["x"][0]) == pytest.approx(0.0 if first == "none yet" else float(first[:-1]), abs=0.5)


EXPECTATIONS: dict[str, list[DemoExpectation]] = {
    "03_safe_relationship": [
        DemoExpectation("demo_caseload", ("Correlation r (empathy and outcome)", "Clients in the caseload"),
                        check_empathy_caseload),
        DemoExpectation("conversation_practice", ("Send reply", "Start again"), check_conversation_practice),
    ],
}
