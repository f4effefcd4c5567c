"""The question table at the top of the feedback, on small notebooks (no gradebook)."""

from __future__ import annotations

import nbformat

from helpcourse.instructor.feedback import QuestionSummary


def _cell(kind: str, source: str, **nbgrader: object) -> nbformat.NotebookNode:
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = make(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def _summary_rows(cells: list[nbformat.NotebookNode]) -> list[str]:
    nb = nbformat.v4.new_notebook(cells=cells)
    out, _ = QuestionSummary().preprocess(nb, {})
    assert out.cells[0].id == "feedback-summary"
    return [line for line in out.cells[0].source.splitlines() if line.startswith("| ") and "question" not in line]


def test_tasks_graded_by_a_person_are_listed_under_their_own_heading():
    rows = _summary_rows([
        _cell("markdown", "## Question 1: a number"),
        _cell("code", "answer = 3", grade=False, solution=True, grade_id="q1"),
        _cell("code", "assert answer == 3", grade=True, solution=False, grade_id="q1_test", points=2, score=2),
        _cell("markdown", "## Question 8: reflect"),
        _cell("markdown", "### Client 1 (2 points)\n\nA statement.", grade=False, solution=False, task=True,
              grade_id="q8_reply_1", points=2),
        _cell("code", 'reply_1 = "..."', grade=False, solution=True, grade_id="q8_reply_1_answer"),
    ])
    assert rows == [
        "| Question 1: a number | 2 / 2 | passed |",
        "| Client 1 (2 points) | – / 2 | not answered |",
    ]


def test_a_notebook_without_points_gets_no_table():
    nb = nbformat.v4.new_notebook(cells=[_cell("markdown", "# Notes"), _cell("code", "x = 1")])
    out, _ = QuestionSummary().preprocess(nb, {})
    assert [cell.source for cell in out.cells] == ["# Notes", "x = 1"]
