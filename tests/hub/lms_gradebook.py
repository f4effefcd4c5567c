"""A small nbgrader gradebook with known scores, built through nbgrader's own API (for the LMS tests).

``build_gradebook(db_url)`` makes two assignments: ``ps01`` (an autograded cell of 6 points and a written answer of
4 points, graded by a person) and ``ps02`` (one autograded cell of 5 points), and the students below.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from nbgrader.api import Gradebook

COURSE = "helpers-role"
DUE = datetime(2026, 3, 1, 12, 0, 0)
#: id, first, last, email, lms_user_id (None: never launched from the LMS)
STUDENTS = [
    ("ana", "Ana", "Alves", "ana@example.org", "lms-ana"),
    ("ben", "Ben", "Brook, Jr.", "ben@example.org", "lms-ben"),  # a comma in the name: CSV quoting
    ("cleo", "Cleo", "Cruz", "cleo@example.org", "lms-cleo"),
    ("dan", "Dan", "Dorn", "dan@example.org", "lms-dan"),
    ("eve", "Eve", "Ekwueme", "eve@example.org", None),
]


def build_gradebook(db_url: str) -> None:
    """ps01: ana 6 auto + 3.5 manual (final 9.5); ben auto 2, manual answer not graded yet (pending);
    cleo 6 + 4 but late with a 1-point penalty (final 9); dan and eve submitted nothing.
    ps02: ana 5, ben 0, dan 2.5."""
    with Gradebook(db_url, COURSE) as gb:
        for sid, first, last, email, lms in STUDENTS:
            gb.add_student(sid, first_name=first, last_name=last, email=email, lms_user_id=lms)
        gb.add_assignment("ps01", duedate=DUE)
        gb.add_notebook("ps01", "ps01")
        gb.add_grade_cell("auto", "ps01", "ps01", max_score=6, cell_type="code")
        gb.add_grade_cell("written", "ps01", "ps01", max_score=4, cell_type="markdown")
        gb.add_assignment("ps02", duedate=DUE)
        gb.add_notebook("ps02", "ps02")
        gb.add_grade_cell("auto", "ps02", "ps02", max_score=5, cell_type="code")
        for sid, auto, manual, late in (("ana", 6, 3.5, False), ("ben", 2, None, False), ("cleo", 6, 4, True)):
            gb.add_submission("ps01", sid, timestamp=DUE + (timedelta(hours=5) if late else -timedelta(hours=1)))
            set_scores(gb, "ps01", sid, auto=auto, manual=manual, penalty=1.0 if late else 0.0)
        for sid, auto in (("ana", 5), ("ben", 0), ("dan", 2.5)):
            gb.add_submission("ps02", sid, timestamp=DUE - timedelta(hours=2))
            grade = gb.find_grade("auto", "ps02", "ps02", sid)
            grade.auto_score, grade.needs_manual_grade = auto, False
            gb.db.commit()


def set_scores(gb: Gradebook, assignment: str, student: str, auto: float, manual: float | None,
               penalty: float = 0.0) -> None:
    """Scores of ps01 as autograding and a person would leave them (``manual=None``: not graded yet)."""
    grade = gb.find_grade("auto", assignment, assignment, student)
    grade.auto_score, grade.needs_manual_grade = auto, False
    written = gb.find_grade("written", assignment, assignment, student)
    written.manual_score = manual
    written.needs_manual_grade = manual is None
    submission = gb.find_submission(assignment, student)
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = penalty
    gb.db.commit()
