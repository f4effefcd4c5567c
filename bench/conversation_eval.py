"""Conversation practice: does the simulated client reproduce AnnoMI's figures, and how fast is a turn?

    HELPCOURSE_DATA_DIR=../shared/data python bench/conversation_eval.py [--runs 200] [--turns 10] [--browser]

1. The simulation's assumption (:func:`helpcourse.simulate.client.estimate_talk_model`): the talk the clients of
   AnnoMI's demonstrations (role-plays) said after each kind of helper turn.
2. Scripted conversations, ``--runs`` seeds each: every reply a reflection, and every reply confronting or unasked
   advice, sent through the whole pipeline (the reply coder, the adherence rules, the client's draw). Printed: how
   the replies were read, and the pooled change-talk share (change / (change + sustain)) beside the data's figure
   for that helper kind, with its sampling error.
3. Latency per turn in the kernel: ``Conversation.reply`` and the widget's ``send`` (coding, flagging, drawing,
   the HTML and the chart update), against a floor measured in the same run (the widget's HTML updated with the
   escaped text, no coding), and the load average before and after.
4. With ``--browser``: JupyterLab and Chromium (the harness of tests/ui), module 03 run, replies typed into the
   conversation practice and sent with Enter; the time from the keydown to the feedback changed on the page.
   Goal: median <= 150 ms, 95th percentile <= 300 ms.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import ipywidgets as widgets  # noqa: E402

from helpcourse import coder, conversation  # noqa: E402
from helpcourse.demos.conversation import ConversationPractice  # noqa: E402
from helpcourse.simulate import client as simclient  # noqa: E402

REFLECTIONS = list(simclient.SCRIPTED_REFLECTIONS)
CONFRONTING = list(simclient.SCRIPTED_CONFRONTING)
TOPIC = "reducing alcohol consumption"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} cores"


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(math.ceil(0.95 * len(values))) - 1)]
    median = 1000 * statistics.median(values)
    return f"median {median:7.2f} ms, 95th percentile {1000 * p95:7.2f} ms (n = {len(values)})"


def assumption(model: simclient.TalkModel) -> None:
    print("1. The simulation's assumption (AnnoMI, all 133 demonstration sessions, role-plays)")
    print(model.assumption_text())
    print()


def scripted(model: simclient.TalkModel, reply_coder: coder.ReplyCoder, runs: int, turns: int) -> None:
    print(f"2. Scripted conversations, {runs} seeds each, {turns} replies, topic {TOPIC!r}, the real coder and rules")
    for name, replies, kind in (("all reflections", REFLECTIONS, "reflection"),
                                ("all confronting / unasked advice", CONFRONTING, "non_adherent")):
        start = time.perf_counter()
        talk: list[str] = []
        kinds: list[str] = []
        for seed in range(runs):
            run = conversation.Conversation(TOPIC, seed=seed, coder=reply_coder, n_turns=turns, model=model)
            for i in range(turns):
                turn = run.reply(replies[i % len(replies)])
                kinds.append(turn.kind)
                if turn.client_after is not None:
                    talk.append(turn.client_after.talk_type)
        change, sustain = talk.count("change"), talk.count("sustain")
        share = change / (change + sustain)
        expected = float(model.by_kind.loc[kind, "change_share"])
        error = math.sqrt(expected * (1 - expected) / (change + sustain))
        read = ", ".join(f"{k} {kinds.count(k)}" for k in simclient.HELPER_KINDS if kinds.count(k))
        print(f"  {name}: replies read as {read}")
        print(f"    change-talk share {share:.3f} ({change} change, {sustain} sustain, {talk.count('neutral')} "
              f"neutral); data after {kind}: {expected:.3f} (sampling error {error:.3f}; difference "
              f"{(share - expected) / error:+.1f} errors); {time.perf_counter() - start:.1f} s")
    print()


def latency(reply_coder: coder.ReplyCoder, n: int = 60) -> None:
    print(f"3. Latency per turn in the kernel ({n} replies each; {load()} before)")
    replies = REFLECTIONS + CONFRONTING
    run_times, send_times, floor_times = [], [], []
    run = None
    for i in range(n):
        if run is None or run.finished:
            run = conversation.Conversation(TOPIC, seed=i, coder=reply_coder, n_turns=10)
        start = time.perf_counter()
        run.reply(replies[i % len(replies)])
        run_times.append(time.perf_counter() - start)
    practice = ConversationPractice(topic=TOPIC, seed=1, coder=reply_coder, n_turns=10)
    echo = widgets.HTML()
    for i in range(n):
        if practice.conversation.finished:
            practice.restart()
        text = replies[i % len(replies)]
        start = time.perf_counter()
        echo.value = f"<div aria-live='polite'><p>{html.escape(text)}</p></div>"
        floor_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        practice.send(text)
        send_times.append(time.perf_counter() - start)
    print(f"  floor (the escaped text set into an HTML widget): {ms(floor_times)}")
    print(f"  Conversation.reply (code, flag, draw):             {ms(run_times)}")
    print(f"  widget send (also HTML, panel, chart update):      {ms(send_times)}")
    print(f"  {load()} after")
    print()


def browser(n: int = 20) -> int:
    print(f"4. In the browser: Enter to feedback shown ({load()} before)")
    sys.path.insert(0, str(REPO / "tests" / "ui"))
    import tempfile

    from playwright.sync_api import sync_playwright
    from ui_harness import LabServer, NotebookPage, launch_chromium, make_workspace, read_cells

    path = REPO / "course" / "modules" / "03_safe_relationship.ipynb"
    cells = read_cells(path)
    cell = next(c for c in cells if c.id == "conversation_practice")
    with tempfile.TemporaryDirectory() as base, sync_playwright() as playwright:
        server = LabServer(root=make_workspace(Path(base) / "course_root"), scratch=Path(base) / "scratch")
        server.start()
        chromium = launch_chromium(playwright)
        try:
            nbpage = NotebookPage(chromium, server, path.relative_to(REPO).as_posix())
            nbpage.open()
            nbpage.run_all(cells)
            nbpage.wait_for_demos(cells)
            box = nbpage.cell(cell.index)
            box.scroll_into_view_if_needed()
            feedback = box.locator(".helpcourse-feedback").first
            feedback.wait_for()
            reply = box.get_by_role("textbox", name="Your reply")
            times: list[float] = []
            sent = 0
            while len(times) < n:
                if sent and sent % 10 == 0:  # a conversation has ten replies: start again
                    box.get_by_role("button", name="Start again").click()
                    nbpage.page.wait_for_timeout(300)
                number = sent % 10 + 1
                reply.fill(REFLECTIONS[sent % len(REFLECTIONS)])
                # the time is taken in the page: from the real keydown of Enter to the feedback naming this reply
                nbpage.page.evaluate(
                    """([index, number]) => {
                         window.hcConversation = null;
                         const box = document.querySelector(`.jp-Cell[data-windowed-list-index="${index}"]`);
                         const input = box.querySelector('input[type="text"]');
                         let start = null;
                         input.addEventListener('keydown', (event) => {
                           if (event.key === 'Enter' && start === null) start = performance.now();
                         }, {capture: true, once: true});
                         const observer = new MutationObserver(() => {
                           const fb = box.querySelector('.helpcourse-feedback');
                           if (start !== null && fb && fb.textContent.includes(`Reply ${number} reads as`)) {
                             observer.disconnect(); window.hcConversation = performance.now() - start;
                           }
                         });
                         observer.observe(box, {subtree: true, childList: true, characterData: true});
                       }""",
                    [cell.index, number],
                )
                reply.focus()
                nbpage.page.keyboard.press("Enter")
                elapsed = -1.0
                deadline = time.perf_counter() + 10
                while time.perf_counter() < deadline:
                    value = nbpage.page.evaluate("() => window.hcConversation")
                    if value is not None:
                        elapsed = float(value)
                        break
                    nbpage.page.wait_for_timeout(20)
                sent += 1
                if elapsed < 0:
                    print(f"  reply {sent}: no feedback within 10 s")
                    continue
                times.append(elapsed / 1000)
            print(f"  Enter to feedback shown: {ms(times)}; goal median <= 150 ms, p95 <= 300 ms")
            nbpage.close()
        finally:
            chromium.close()
            server.stop()
    print(f"  {load()} after")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also time Enter to feedback in JupyterLab")
    args = parser.parse_args(argv)
    print(f"conversation_eval: {load()} at the start")
    reply_coder = coder.load_coder()
    model = simclient.estimate_talk_model()
    assumption(model)
    scripted(model, reply_coder, args.runs, args.turns)
    latency(reply_coder)
    if args.browser:
        return browser()
    print("4. In the browser: not measured in this run (use --browser).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
