"""Key press to plot updated, for every demo control of every module, in a real JupyterLab in Chromium.

For each control of each demo (every slider, every group of toggle buttons, every menu) the benchmark presses keys
until 25 presses have updated the plot: a slider moves one step per press (turning at either end), toggle buttons
alternate between their first two (Space), a menu moves to the next option (the arrow keys, turning at either
end). It times in the page from the key's ``keydown`` event to the moment the plot (``element.data`` and
``element.layout``) has changed and plotly has redrawn it (a ``MutationObserver`` on the plot), and prints the
median and the 95th percentile per control. The course's goal: a median of at most 100 ms and a 95th percentile of
at most 250 ms on 2 cores. Steps that change nothing visible (a minimum that leaves out no one yet) cannot be timed
and are counted apart.

Run with ``make bench`` or ``python bench/ui_latency.py [MODULE_STEM ...]``; needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from ui_harness import (  # noqa: E402 - the harness lives with the browser tests
    CHROMIUM,
    LabServer,
    NotebookPage,
    launch_chromium,
    make_workspace,
    module_notebooks,
    read_cells,
)

PRESSES = 25  # timed presses per control
MAX_PRESSES = 60  # presses at most per control (steps that change nothing visible are not timed)
GIVE_UP = 8  # presses in a row without a visible change after which a control is left
WAIT_S = 4.0  # how long one press may take to show
GOAL_MEDIAN_MS = 100.0
GOAL_P95_MS = 250.0
SETTLE_S = 0.15
MIRROR = REPO.parent / "shared" / "data"

# In the page: time from the keydown on a control to the first change of the cell's plots (data or layout) seen
# after plotly has redrawn them.
LATENCY_JS = r"""
window.hcLatency = {
  arm(cellIndex) {
    const cell = window.hcui.cellNode(cellIndex);
    const plots = Array.from(cell.querySelectorAll('.jp-OutputArea .js-plotly-plot'));
    const signature = () => plots.map(p => {
      const state = window.hcui.plotState(p);
      return `${state.signature}/${state.layoutSignature}`;
    }).join('|');
    const state = {before: signature(), keydownAt: null, changedAt: null};
    const check = () => {
      if (state.keydownAt === null || state.changedAt !== null) return;
      if (signature() !== state.before) state.changedAt = performance.now();
    };
    const observer = new MutationObserver(check);
    for (const plot of plots) observer.observe(plot, {subtree: true, childList: true, attributes: true});
    const onKey = (event) => { if (state.keydownAt === null) state.keydownAt = event.timeStamp; };
    document.addEventListener('keydown', onKey, true);
    const timer = setInterval(check, 2);
    state.stop = () => {
      observer.disconnect(); clearInterval(timer); document.removeEventListener('keydown', onKey, true);
    };
    this.state = state;
  },
  result() {
    const s = this.state;
    if (s.changedAt === null) return null;
    s.stop();
    return s.changedAt - s.keydownAt;
  },
  position(selector) {
    const el = document.querySelector(selector);
    if (el.matches('select')) {
      return el.selectedIndex >= el.options.length - 1 ? 'max' : el.selectedIndex <= 0 ? 'min' : 'inside';
    }
    const value = window.hcui.sliderValue(el);
    const max = Number(el.max ?? el.getAttribute('aria-valuemax'));
    const min = Number(el.min ?? el.getAttribute('aria-valuemin'));
    return value >= max ? 'max' : value <= min ? 'min' : 'inside';
  },
  controls(cellIndex) {
    const cell = window.hcui.cellNode(cellIndex);
    const out = [];
    const sliders = cell.querySelectorAll('.jp-OutputArea input[type=range], .jp-OutputArea [role=slider]');
    sliders.forEach((el, i) => {
      el.setAttribute('data-hclat', `${cellIndex}-s${i}`);
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
      const widget = el.closest('.widget-slider');
      const name = label ? label.textContent : (widget ? widget.querySelector('.widget-label').textContent : '');
      const atMax = window.hcui.sliderValue(el) >= Number(el.max ?? el.getAttribute('aria-valuemax'));
      out.push({kind: 'slider', selector: `[data-hclat="${cellIndex}-s${i}"]`, name: name.trim(), atMax});
    });
    cell.querySelectorAll('.jp-OutputArea .widget-toggle-buttons').forEach((group, g) => {
      const buttons = Array.from(group.querySelectorAll('button'));
      if (buttons.length < 2) return;
      buttons.slice(0, 2).forEach((b, i) => b.setAttribute('data-hclat', `${cellIndex}-t${g}-${i}`));
      const label = group.querySelector('.widget-label');
      out.push({kind: 'toggle', selector: `[data-hclat="${cellIndex}-t${g}-0"]`,
                other: `[data-hclat="${cellIndex}-t${g}-1"]`, name: (label ? label.textContent : '').trim()});
    });
    cell.querySelectorAll('.jp-OutputArea select').forEach((el, i) => {
      el.setAttribute('data-hclat', `${cellIndex}-m${i}`);
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
      out.push({kind: 'menu', selector: `[data-hclat="${cellIndex}-m${i}"]`,
                name: (label ? label.textContent : '').trim(),
                atMax: el.selectedIndex >= el.options.length - 1});
    });
    return out;
  },
};
"""


def press_once(nbpage: NotebookPage, cell_index: int, target: str, key: str) -> float | None:
    """Press a key on a control; return the milliseconds until its plot changed, None if it did not within
    ``WAIT_S`` seconds (a step that changes nothing visible, such as a minimum that leaves out no one yet)."""
    page = nbpage.page
    page.evaluate("(i) => window.hcLatency.arm(i)", cell_index)
    page.locator(target).focus()
    page.keyboard.press(key)
    try:
        page.wait_for_function("() => window.hcLatency.state.changedAt !== null", timeout=WAIT_S * 1000, polling=20)
    except Exception:
        page.evaluate("() => window.hcLatency.state.stop()")
        return None
    return page.evaluate("() => window.hcLatency.result()")


def measure_control(nbpage: NotebookPage, cell_index: int, control: dict) -> tuple[list[float], int]:
    """Time ``PRESSES`` key presses that update the plot; return the times and the number of presses that did not.

    A slider or a menu moves one step per press and turns at either end; toggle buttons alternate. A control
    that shows no change after ``GIVE_UP`` presses in a row is left.
    """
    times: list[float] = []
    silent = silent_in_a_row = 0
    back, forth = ("ArrowUp", "ArrowDown") if control["kind"] == "menu" else ("ArrowLeft", "ArrowRight")
    key = back if control.get("atMax") else forth
    for press in range(MAX_PRESSES):
        if len(times) >= PRESSES or silent_in_a_row >= GIVE_UP:
            break
        if control["kind"] in ("slider", "menu"):
            latency = press_once(nbpage, cell_index, control["selector"], key)
            where = nbpage.page.evaluate("(s) => window.hcLatency.position(s)", control["selector"])
            key = back if where == "max" else forth if where == "min" else key
        else:
            target = control["other"] if press % 2 == 0 else control["selector"]
            latency = press_once(nbpage, cell_index, target, "Space")
        if latency is None:
            silent, silent_in_a_row = silent + 1, silent_in_a_row + 1
        else:
            times.append(latency)
            silent_in_a_row = 0
        time.sleep(SETTLE_S)
    return times, silent


def measure_module(browser, server: LabServer, path: Path) -> list[dict]:
    """Open one module, Run All, and time every keyboard control of its demos."""
    notebook = path.relative_to(server.root).as_posix()
    cells = read_cells(path)
    nbpage = NotebookPage(browser, server, notebook)
    rows = []
    try:
        nbpage.open()
        nbpage.run_all(cells)
        try:
            nbpage.wait_for_demos(cells)
        except Exception:  # measure the demos that did render; the browser tests report the others
            print(f"  {path.stem}: not every demo rendered a plot", file=sys.stderr, flush=True)
        nbpage.page.evaluate(LATENCY_JS)
        for cell in cells:
            if not cell.is_demo or not any(plot["traces"] for plot in nbpage.plots(cell.index)):
                continue
            for control in nbpage.page.evaluate("(i) => window.hcLatency.controls(i)", cell.index):
                times, silent = measure_control(nbpage, cell.index, control)
                name = f"{control['name']} ({control['kind']})" if control["name"] else control["kind"]
                rows.append({"module": path.stem, "demo": cell.id, "control": name,
                             "times": times, "silent": silent})
    finally:
        nbpage.close()
        server.shutdown_kernels_of(notebook)
    return rows


def summarise(rows: list[dict]) -> int:
    """Print the table; return how many controls miss the goal."""
    print(f"{'module':<28} {'demo':<24} {'control':<32} {'n':>3} {'median ms':>9} {'p95 ms':>7} {'max ms':>7}  goal")
    misses = 0
    for row in rows:
        times = row["times"]
        head = f"{row['module'][:28]:<28} {row['demo'][:24]:<24} {row['control'][:32]:<32} {len(times):>3}"
        note = f" ({row['silent']} presses changed nothing visible)" if row["silent"] else ""
        if len(times) < PRESSES:
            print(f"{head} {'-':>9} {'-':>7} {'-':>7}  TOO FEW UPDATES{note}")
            misses += 1
            continue
        median = statistics.median(times)
        p95 = float(np.percentile(times, 95))
        ok = median <= GOAL_MEDIAN_MS and p95 <= GOAL_P95_MS
        misses += not ok
        print(f"{head} {median:>9.0f} {p95:>7.0f} {max(times):>7.0f}  {'ok' if ok else 'SLOW'}{note}")
    return misses


def main(argv: list[str]) -> int:
    if not CHROMIUM.exists():
        print(f"ui_latency: {CHROMIUM} not found (apt-get install chromium); skipped")
        return 0
    if "HELPCOURSE_DATA_DIR" not in os.environ and MIRROR.is_dir():
        os.environ["HELPCOURSE_DATA_DIR"] = str(MIRROR)
    from playwright.sync_api import sync_playwright

    wanted = set(argv)
    with tempfile.TemporaryDirectory(prefix="helpcourse-ui-latency-") as scratch:
        root = make_workspace(Path(scratch) / "course_root")
        modules = [p for p in module_notebooks(root) if not wanted or p.stem in wanted]
        load = os.getloadavg()[0]
        print(f"UI latency: {PRESSES} key presses per control; {os.cpu_count()} cores, load average {load:.1f}; "
              f"goal median <= {GOAL_MEDIAN_MS:.0f} ms, p95 <= {GOAL_P95_MS:.0f} ms")
        rows: list[dict] = []
        with LabServer(root=root, scratch=Path(scratch) / "jupyter") as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for path in modules:
                print(f"  measuring {path.stem} ...", file=sys.stderr, flush=True)
                rows += measure_module(browser, server, path)
            browser.close()
    return 1 if summarise(rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
