"""Headless Run-All time of every course notebook with a fresh kernel (median of 3 runs), against a floor.

Absolute seconds move with the machine and its load (on a shared 2-core machine the same notebook took 2.8 s and
7.0 s within ten minutes), so the floor is measured right beside each notebook: a floor notebook
(``bench/floor_notebook.ipynb``: a fresh kernel that imports plotly and creates one ``FigureWidget``, without the
course's library) is run just before each of the notebook's runs, and the excess is the median of the paired
differences (notebook minus the floor run before it). Printed per notebook: its median, min and max, the floor's
median beside it, the excess, the highest 1-minute load average seen and the three slowest cells of the last run
(for whoever cuts the time), and for a module with a reply or conversation practice how long a reply sent the moment
Run All ends waits for the reply coder, which loads in the background once the kernel is idle. The floor is run
once uncounted first (a first kernel reads every library from disk).

Goal for the modules: Run All at most 1.5 s above the floor. The exit status is 1 when a module misses it or a
cell fails. Exercises are reported, not judged. The figures include kernel start-up, as a student's "Restart
Kernel and Run All Cells" would.

Run with ``make bench`` or ``python bench/notebook_times.py [NOTEBOOK_STEM ...]`` (for example
``01_reading_outcome_research``; no argument: every notebook).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
FLOOR = Path(__file__).resolve().parent / "floor_notebook.ipynb"
GOAL_EXCESS_SECONDS = 1.5
RUNS = 3
MIRROR = REPO.parent / "shared" / "data"
ERRORS: dict[str, set[str]] = {}  # notebook -> cells that showed an error they are not tagged to show
SLOWEST: dict[str, list[tuple[float, str]]] = {}  # notebook -> (seconds, cell id) of its slowest cells, last run


#: Appended to a notebook with a reply or conversation practice: a reply sent the moment Run All ends waits this
#: long for the reply coder, which loads in the background once the kernel is idle (helpcourse.coder).
FIRST_REPLY_CELL = (
    "import time as _time\n"
    "from helpcourse import coder as _coder\n"
    "_began = _time.perf_counter()\n"
    "_coder.coder_when_ready().result()\n"
    "print(f'{_time.perf_counter() - _began:.3f}')"
)
FIRST_REPLY_WAIT: dict[str, list[float]] = {}  # notebook -> seconds a first reply waited, per run


def run_once(path: Path) -> float:
    """Execute a notebook once in a new kernel; return the wall-clock seconds, start-up included.

    Cells that end in an error they are not tagged (``raises-exception``) to show are noted in :data:`ERRORS`: a
    run that stopped early would otherwise look fast. A notebook with a reply or conversation practice gets one more
    cell, which asks for the reply coder as a reply sent right after Run All would; its time is kept in
    :data:`FIRST_REPLY_WAIT` and not counted in the Run All time.
    """
    nb = nbformat.read(path, as_version=4)
    practice = any(cell.cell_type == "code" and ("reply_practice(" in cell.source or "conversation_practice(" in
                                                 cell.source) for cell in nb.cells)
    if practice:
        nb.cells.append(nbformat.v4.new_code_cell(FIRST_REPLY_CELL))
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True, store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    seconds = time.perf_counter() - start
    if practice:
        extra = nb.cells.pop()
        seconds -= cell_seconds(extra)
        waited = "".join(output.get("text", "") for output in extra.get("outputs", [])).strip()
        FIRST_REPLY_WAIT.setdefault(path.stem, []).append(float(waited) if waited else float("nan"))
    SLOWEST[path.stem] = sorted(((cell_seconds(cell), cell.get("id", "?")) for cell in nb.cells
                                 if cell.cell_type == "code"), reverse=True)[:3]
    for cell in nb.cells:
        if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", []) and any(
            output.get("output_type") == "error" for output in cell.get("outputs", [])
        ):
            ERRORS.setdefault(path.stem, set()).add(cell.get("id", "?"))
    return seconds


def cell_seconds(cell: dict) -> float:
    """How long a cell ran, from the timestamps nbclient records (0 when missing)."""
    timing = cell.get("metadata", {}).get("execution", {})
    began, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not began or not ended:
        return 0.0
    return (datetime.fromisoformat(ended.replace("Z", "+00:00"))
            - datetime.fromisoformat(began.replace("Z", "+00:00"))).total_seconds()


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def timed_against_floor(path: Path) -> dict[str, float]:
    """``RUNS`` runs of a notebook, each right after a run of the floor notebook."""
    times, floors, loads = [], [], [os.getloadavg()[0]]
    for _ in range(RUNS):
        floors.append(run_once(FLOOR))
        times.append(run_once(path))
        loads.append(os.getloadavg()[0])
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "floor": statistics.median(floors),
            "excess": statistics.median(t - f for t, f in zip(times, floors, strict=True)), "load": max(loads)}


def main(argv: list[str]) -> int:
    if "HELPCOURSE_DATA_DIR" not in os.environ and MIRROR.is_dir():
        os.environ["HELPCOURSE_DATA_DIR"] = str(MIRROR)
    notebooks = sorted((REPO / "course" / "modules").glob("*.ipynb")) + sorted(
        (REPO / "course" / "exercises").glob("*/*.ipynb")
    )
    if argv:
        notebooks = [p for p in notebooks if p.stem in set(argv)]
    print(f"Headless Run All, a new kernel each time, median of {RUNS}, each run right after a run of the floor "
          f"(a new kernel creating one FigureWidget); {os.cpu_count()} cores; load average at start {load_text()} "
          f"(1, 5, 15 min)")
    run_once(FLOOR)  # a first kernel reads every library from disk: warm up once, uncounted
    print(f"{'notebook':<60} {'median s':>9} {'min s':>7} {'max s':>7} {'floor s':>8} {'excess s':>9} {'load':>5}"
          f"  goal")
    over = 0
    for path in notebooks:
        row = timed_against_floor(path)
        is_module = path.parent.name == "modules"
        verdict = ("ok" if row["excess"] <= GOAL_EXCESS_SECONDS else "OVER") if is_module else "-"
        over += verdict == "OVER"
        failed = ERRORS.get(path.stem)
        if failed:
            verdict = f"ERROR in cell(s) {', '.join(sorted(failed))}: the time is not that of a full run"
            over += is_module
        name = path.relative_to(REPO).as_posix()
        print(f"{name:<60} {row['median']:>9.2f} {row['min']:>7.2f} {row['max']:>7.2f} {row['floor']:>8.2f} "
              f"{row['excess']:>+9.2f} {row['load']:>5.1f}  {verdict}", flush=True)
        cells = ", ".join(f"{cell} {seconds:.2f} s" for seconds, cell in SLOWEST.get(path.stem, []))
        print(f"    slowest cells (last run): {cells}")
        waits = FIRST_REPLY_WAIT.get(path.stem)
        if waits:
            print(f"    a reply sent the moment Run All ends waits for the coder (loading in the background): median "
                  f"{statistics.median(waits):.2f} s (runs: {', '.join(f'{w:.2f}' for w in waits)}); not in Run All")
    print(f"Goal: a module's Run All at most {GOAL_EXCESS_SECONDS} s above the floor; {over} module(s) miss it. "
          f"Load average at end {load_text()}.")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
