"""What the grading sandbox costs: ``nbgrader autograde`` of the same submissions with and without it.

Three configurations of one temporary course root, run in turn (medians of ``RUNS`` rounds, so that load from
other processes falls on all three alike):

* ``sandbox``: the course's configuration (sandboxed student kernel and test kernel);
* ``no sandbox``: the same with ``HELPCOURSE_UNSAFE_GRADING=1`` (both kernels ordinary ``python3`` kernels);
* ``plain nbgrader``: nbgrader's own preprocessors and one ordinary kernel, as before the sandbox existed.

The budget: grading with the sandbox takes at most 1.3 times as long as without it (``no sandbox``).
Prints one row per configuration and the ratios; exits 1 when the budget is exceeded.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "ps01_reading_research"
RUNS = 3
BUDGET = 1.3
ANSWERS = {  # complete and correct; the other submissions leave some or all of it out
    "variance_share": "effects.variance_explained(0.256)",
    "alliance_d": "effects.r_to_d(0.256)",
    "stronger_share": "effects.proportion_above_median_by_half(0.256)[0]",
    "trial_odds_ratio": "effects.odds_ratio(32, 127, 7, 66)",
    "q5_choice": '"b"',
}
SUBMISSIONS = {"full": ANSWERS, "half": dict(list(ANSWERS.items())[:3]), "none": {}, "again": ANSWERS}
PLAIN_CONFIG = """
# nbgrader's own preprocessors and kernel, as before the sandbox
c.Autograde.sanitize_preprocessors = [f"nbgrader.preprocessors.{name}" for name in (
    "ClearOutput", "DeduplicateIds", "OverwriteKernelspec", "OverwriteCells", "CheckCellMetadata")]
c.Autograde.autograde_preprocessors = [f"nbgrader.preprocessors.{name}" for name in (
    "Execute", "IgnorePattern", "LimitOutput", "SaveAutoGrades", "AssignLatePenalties", "CheckCellMetadata")]
c.Autograde.autograde_preprocessors.insert(2, "nbconvert.preprocessors.ClearMetadataPreprocessor")
"""


def nbgrader(course: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Seconds one nbgrader command takes in the course root (it must succeed)."""
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                   **(env or {})}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course / "grading", env=environment,
                            capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds


def make_course(root: Path, plain: bool) -> Path:
    """A course root with ps01 released and every submission in ``submitted/``."""
    course = root / ("plain" if plain else "course")
    (course / "grading").mkdir(parents=True)
    config = (REPO / "grading" / "nbgrader_config.py").read_text(encoding="utf-8")
    (course / "grading" / "nbgrader_config.py").write_text(config + (PLAIN_CONFIG if plain else ""))
    shutil.copytree(REPO / "course" / "exercises" / NOTEBOOK, course / "course" / "exercises" / NOTEBOOK)
    nbgrader(course, "generate_assignment", NOTEBOOK)
    (course / "grading" / "roster.csv").write_text("id\n" + "\n".join(SUBMISSIONS) + "\n")
    nbgrader(course, "db", "student", "import", "roster.csv")
    release = nbformat.read(course / "grading" / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    for student, answers in SUBMISSIONS.items():
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            for name, value in answers.items():
                cell.source = re.sub(rf"^{name} = \.\.\.$", f"{name} = {value}", cell.source, flags=re.MULTILINE)
        folder = course / "grading" / "submitted" / student / NOTEBOOK
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    return course


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        course, plain = make_course(Path(tmp), plain=False), make_course(Path(tmp), plain=True)
        modes = {
            "sandbox": (course, {}),
            "no sandbox": (course, {"HELPCOURSE_UNSAFE_GRADING": "1"}),
            "plain nbgrader": (plain, {}),
        }
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(RUNS):
            for mode, (root, env) in modes.items():
                times[mode].append(nbgrader(root, "autograde", NOTEBOOK, "--force", env=env))
    n = len(SUBMISSIONS)
    print(f"nbgrader autograde of {n} submissions of {NOTEBOOK}, median of {RUNS} (one process each)")
    print(f"{'configuration':<16} {'median s':>9} {'per submission':>15} {'min s':>7} {'max s':>7}")
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, values in times.items():
        print(f"{mode:<16} {medians[mode]:>9.2f} {medians[mode] / n:>15.2f} {min(values):>7.2f} {max(values):>7.2f}")
    ratio = medians["sandbox"] / medians["no sandbox"]
    print(f"sandbox / no sandbox: {ratio:.2f} (budget {BUDGET}); "
          f"sandbox / plain nbgrader: {medians['sandbox'] / medians['plain nbgrader']:.2f}")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
