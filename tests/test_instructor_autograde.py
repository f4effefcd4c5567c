"""Pieces of the parallel autograde that need no nbgrader process: what to grade, why it failed, keeping grades."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpcourse.instructor.autograde import (
    failure_reason,
    is_graded,
    restore_grades,
    snapshot_grades,
    students_to_grade,
)
from helpcourse.instructor.course import CourseRoot, load_course_root

A = "ps99"


@pytest.fixture
def course(tmp_path) -> CourseRoot:
    return CourseRoot(root=tmp_path, course_id="c", exchange_root=tmp_path / "exchange",
                      db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")


def _folder(path: Path, stamp: str, notebook: bool = True) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "timestamp.txt").write_text(stamp)
    if notebook:
        (path / f"{A}.ipynb").write_text("{}")


def test_students_to_grade_are_new_resubmitted_or_forced(course):
    for student in ("new", "same", "resubmitted", "emptycopy"):
        _folder(course.submitted(A, student), "2026-11-20 10:00:00 UTC")
    _folder(course.autograded(A, "same"), "2026-11-20 10:00:00 UTC")
    _folder(course.autograded(A, "resubmitted"), "2026-11-19 09:00:00 UTC")
    _folder(course.autograded(A, "emptycopy"), "2026-11-20 10:00:00 UTC", notebook=False)
    assert students_to_grade(course, A) == ["emptycopy", "new", "resubmitted"]
    assert students_to_grade(course, A, force=True) == ["emptycopy", "new", "resubmitted", "same"]
    assert is_graded(course, A, "same") and not is_graded(course, A, "emptycopy")


@pytest.mark.parametrize(("log", "reason"), [
    ("[ERROR] No student with ID 'x' exists in the database", "not in the gradebook"),
    ("nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{ not'", "not valid JSON"),
    ("[ERROR] While processing assignment, the kernel became unresponsive", "unresponsive"),
    ("DeadKernelError: Kernel died", "kernel died"),
    ("sqlite3.OperationalError: database is locked", "locked"),
    ("[ERROR] Something new went wrong here", "Something new went wrong here"),
])
def test_failure_reasons_are_read_from_the_log(log, reason):
    assert reason in failure_reason(log)


def test_grades_kept_aside_are_put_back(course, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # alembic
    _folder(course.autograded(A, "s1"), "2026-11-20 10:00:00 UTC")
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        gb.add_grade_cell("q1", A, A, max_score=2, cell_type="code")
        gb.add_grade_cell("q2", A, A, max_score=3, cell_type="markdown")
        gb.add_student("s1")
        gb.add_submission(A, "s1")
        gb.find_grade("q1", A, A, "s1").auto_score = 2.0
        gb.find_grade("q2", A, A, "s1").manual_score = 1.5
        gb.db.commit()
    kept = snapshot_grades(course, A, "s1")
    assert kept["grades"] == {f"{A}/q1": [2.0, None, None], f"{A}/q2": [None, 1.5, None]}
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.find_grade("q1", A, A, "s1").auto_score = 0.0
        gb.find_grade("q2", A, A, "s1").manual_score = None
        gb.db.commit()
    restore_grades(course, A, "s1", kept)
    with Gradebook(course.db_url, course.course_id) as gb:
        assert gb.find_submission(A, "s1").score == 3.5


def test_no_snapshot_without_an_autograded_copy(course):
    assert snapshot_grades(course, A, "nobody") is None


def test_course_root_is_read_from_its_config(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "import os\nc = get_config()\nc.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))\n"
        "c.CourseDirectory.course_id = 'helpers-role'\nc.Exchange.root = '/srv/x'\n")
    course = load_course_root(tmp_path)
    assert course.course_id == "helpers-role" and course.exchange_root == Path("/srv/x")
    assert course.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    assert course.inbound() == Path("/srv/x/helpers-role/inbound")
