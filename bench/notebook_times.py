"""Headless Run-All time of every course notebook with a fresh kernel (median of 3 runs).

Prints one row per notebook; modules have a budget of 8 s on the course's reference machine (2 cores).
The figures include kernel start-up, as a student's "Restart Kernel and Run All Cells" would.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 8.0
RUNS = 3


def run_once(path: Path) -> float:
    """Execute a notebook once in a new kernel; return the wall-clock seconds, start-up included."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True, store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return time.perf_counter() - start


def main() -> int:
    notebooks = sorted((REPO / "course" / "modules").glob("*.ipynb")) + sorted(
        (REPO / "course" / "exercises").glob("*/*.ipynb")
    )
    print(f"{'notebook':<60} {'median s':>9} {'min s':>7} {'max s':>7}  budget")
    over = 0
    for path in notebooks:
        times = [run_once(path) for _ in range(RUNS)]
        median = statistics.median(times)
        is_module = path.parent.name == "modules"
        verdict = ("ok" if median <= BUDGET_SECONDS else "OVER") if is_module else "-"
        over += verdict == "OVER"
        name = path.relative_to(REPO).as_posix()
        print(f"{name:<60} {median:>9.2f} {min(times):>7.2f} {max(times):>7.2f}  {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
