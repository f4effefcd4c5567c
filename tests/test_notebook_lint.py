"""Notebook hygiene and anatomy: small, diffable, accessible, and stating only figures from the evidence table."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from helpcourse import evidence

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "course" / "modules").glob("*.ipynb"))
EXERCISES = sorted((REPO / "course" / "exercises").glob("*/*.ipynb"))
NOTEBOOKS = MODULES + EXERCISES
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
CELL_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _ids(paths):
    return [p.relative_to(REPO).as_posix() for p in paths]


def test_course_has_notebooks():
    assert MODULES and EXERCISES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_small_and_clean(path):
    assert path.stat().st_size <= 200_000, f"{path.name} is over 200 KB"
    nb = _read(path)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, "saved widget state: run tools/notebooks.py clean"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.source.lstrip().startswith(CHECK_MARK):
            assert cell.outputs, f"checked cell {cell.id} has no stored output to compare"
        else:
            assert not cell.outputs and cell.execution_count is None, (
                f"cell {cell.id} has outputs: run tools/notebooks.py clean"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_cell_ids_are_stable_readable_and_unique(path):
    ids = [cell.id for cell in _read(path).cells]
    assert len(ids) == len(set(ids)), "duplicate cell ids"
    bad = [i for i in ids if not CELL_ID.match(i)]
    assert not bad, f"cell ids should be short descriptive slugs: {bad}"


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_module_anatomy(path):
    nb = _read(path)
    title = nb.cells[0]
    assert title.cell_type == "markdown" and re.match(r"^# \d+\. ", title.source)
    for part in ("Learning objectives", "Estimated time"):
        assert part in title.source, f"title cell lacks {part!r}"
    minutes = [int(m) for m in re.findall(r"\*\*Estimated time:\*\*\s*(\d+)", title.source)]
    assert minutes and 25 <= minutes[0] <= 45
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Summary", "## References", "Caveats", "### Predict", "### Try this", "Explain"):
        assert heading in markdown, f"module lacks {heading!r}"
    assert any("setup" in c.metadata.get("tags", []) for c in nb.cells), "no cell tagged 'setup'"
    assert "helpcourse.data" in markdown or "data.load_" in "\n".join(c.source for c in nb.cells), "no real data"


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_every_demo_is_collapsed_and_has_a_text_alternative(path):
    cells = _read(path).cells
    demo_cells = [i for i, c in enumerate(cells) if c.cell_type == "code" and re.search(r"\bdemos\.\w+\(", c.source)]
    assert demo_cells, "a module has at least one interactive demo"
    for i in demo_cells:
        cell = cells[i]
        assert cell.metadata.get("jupyter", {}).get("source_hidden"), f"demo cell {cell.id} is not collapsed"
        after = cells[i + 1] if i + 1 < len(cells) else None
        assert after is not None and after.cell_type == "markdown" and "Text alternative" in after.source, (
            f"demo cell {cell.id} is not followed by a text alternative"
        )


STATED = re.compile(r"\b(r|d|g|OR)\s*=\s*(-?\d*\.\d+)")


def _evidence_numbers() -> dict[str, set[float]]:
    table = evidence.table()
    numbers: dict[str, set[float]] = {"r": set(), "d": set(), "g": set(), "OR": set()}
    symbol = {"r": "r", "d": "d", "hedges g": "g", "odds ratio": "OR"}
    for _, row in table.iterrows():
        sym = symbol.get(str(row["metric"]).strip().lower())
        if sym:
            for col in ("value", "ci_low", "ci_high"):
                if row[col] == row[col] and row[col] is not None and str(row[col]) != "":
                    numbers[sym].add(round(float(row[col]), 3))
    return numbers


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_effect_sizes_stated_in_text_come_from_the_evidence_table(path):
    """Every "r = .28"-style figure in a module's text is a value of the evidence table (or a worked example
    marked as such with the word "example" or "Imagine" in the same paragraph)."""
    known = _evidence_numbers()
    unknown = []
    for cell in _read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in cell.source.split("\n\n"):
            if re.search(r"example|imagine|simulat|demo|slider|set it|set \*\*", paragraph, re.IGNORECASE):
                continue
            for sym, number in STATED.findall(paragraph):
                value = round(float(number), 3)
                two_decimals = len(number.split(".")[1]) == 2
                candidates = known[sym] | ({round(v, 2) for v in known[sym]} if two_decimals else set())
                if value not in candidates and abs(value) not in candidates:
                    unknown.append(f"{sym} = {number}")
    assert not unknown, f"figures not in the evidence table: {unknown}"


def _nbgrader_cells(path: Path):
    return [c for c in _read(path).cells if "nbgrader" in c.metadata]


@pytest.mark.parametrize("path", EXERCISES, ids=_ids(EXERCISES))
def test_exercise_grading_metadata(path):
    cells = _read(path).cells
    graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata]
    assert len(grade_ids) == len(set(grade_ids)), "duplicate grade ids"
    assert all(re.match(r"^[a-z][a-z0-9_]+$", g) for g in grade_ids), grade_ids
    assert all(not re.match(r"^cell-[0-9a-f]+$", g) for g in grade_ids), "grade ids must be descriptive"
    assert all(c.metadata["nbgrader"].get("points", 0) > 0 for c in graded)
    assert sum(c.metadata["nbgrader"]["points"] for c in graded) >= 10
    autograded = [c for c in graded if c.cell_type == "code"]
    manual = [c for c in graded if c.cell_type == "markdown"]
    assert len(autograded) >= 3 and manual
    for cell in autograded:
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{cell.id}: no hidden value tests"
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        assert "checks.expect_" in visible, f"{cell.id}: no visible sanity check"
    answer_names = {
        m for c in cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
        for m in re.findall(r"^(\w+) = \.\.\.", c.source, re.MULTILINE)
    }
    for cell in autograded:
        hidden = re.sub(r"\"[^\"\n]*\"", '""', cell.source.split("### BEGIN HIDDEN TESTS")[1])
        for name in answer_names:
            for use in re.finditer(rf"(\w*)\(?\s*\b{name}\b", hidden):
                assert use.group(1) in {"float", "int", "str"}, (
                    f"{cell.id}: hidden tests must convert `{name}` (float(), int(), str()) before comparing"
                )
    assert any("data.load_" in c.source for c in cells if c.cell_type == "code"), "no question on real data"
    rubric = REPO / "grading" / "rubrics" / f"{path.stem}.md"
    assert rubric.is_file(), f"no rubric {rubric.relative_to(REPO)}"
    for cell in manual:
        assert cell.metadata["nbgrader"]["grade_id"] in rubric.read_text(), "rubric does not name the question"
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            assert re.search(r"^\w+ = \.\.\.", cell.source, re.MULTILINE), f"{cell.id}: no `answer = ...` line"
