"""The course map (course/README.md) and the README list every module and exercise with the exercise's real points."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "course" / "modules").glob("*.ipynb"))
EXERCISES = sorted(path.name for path in (REPO / "course" / "exercises").iterdir() if path.is_dir())


def exercise_points(name: str) -> tuple[float, float]:
    """(automatic, by hand) points of an exercise, from its nbgrader metadata."""
    nb = nbformat.read(REPO / "course" / "exercises" / name / f"{name}.ipynb", as_version=4)
    automatic = by_hand = 0.0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") or meta.get("task")):
            continue
        points = float(meta.get("points", 0))
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            automatic += points  # a test cell
        else:
            by_hand += points  # a written answer or a task
    return automatic, by_hand


def test_every_module_is_on_the_course_map():
    course_map = (REPO / "course" / "README.md").read_text()
    missing = [path.name for path in MODULES if f"(modules/{path.name})" not in course_map]
    assert not missing, f"course/README.md does not link {missing}"
    assert len(MODULES) == 8


@pytest.mark.parametrize("name", EXERCISES)
def test_the_maps_state_each_exercises_points(name: str):
    automatic, by_hand = exercise_points(name)
    total = automatic + by_hand
    course_map = (REPO / "course" / "README.md").read_text()
    stated = re.search(rf"`{name}`: (\d+) points \((\d+) automatic, (\d+) by hand", course_map)
    assert stated, f"course/README.md does not state the points of {name}"
    assert tuple(float(x) for x in stated.groups()) == (total, automatic, by_hand)
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"`{name}` \({total:g} points", readme), f"README.md should say `{name}` ({total:g} points"
