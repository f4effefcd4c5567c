"""The grading cycle of one assignment: collect, autograde in parallel, feedback, export, and its summary."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpcourse.instructor.autograde import (
    SubmissionResult,
    autograde_class,
    is_graded,
    students_to_grade,
    submitted_students,
)
from helpcourse.instructor.course import CourseRoot, run_nbgrader
from helpcourse.instructor.feedback import generate_feedback

__all__ = ["CycleReport", "StudentRow", "class_rows", "collect_if_waiting", "run_cycle", "write_summary_csv"]


@dataclass
class StudentRow:
    """One student's line in the summary: what happened in this run and what the gradebook now says."""

    student: str
    status: str  # graded | failed | kept | unchanged
    reason: str = ""
    score: float | None = None
    max_score: float | None = None
    late: bool = False
    seconds_late: float = 0.0
    needs_manual: bool = False


@dataclass
class CycleReport:
    """What one run of the cycle did and where its outputs are."""

    assignment: str
    collected: str = ""
    results: list[SubmissionResult] = field(default_factory=list)
    rows: list[StudentRow] = field(default_factory=list)
    feedback_ok: bool = False
    export_ok: bool = False
    grades_csv: Path | None = None
    summary_csv: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        """How many students ended with this status."""
        return sum(row.status == status for row in self.rows)


def collect_if_waiting(course: CourseRoot, assignment: str) -> str:
    """Run ``nbgrader collect ASSIGNMENT --update`` if the exchange holds submissions for it.

    Returns
    -------
    str
        A line saying what was done (empty when the exchange is not in use).
    """
    inbound = course.inbound()
    if not inbound.is_dir():
        return ""
    waiting = [p for p in inbound.iterdir() if p.name.split("+")[1:2] == [assignment]]
    if not waiting:
        return ""
    done = run_nbgrader(course, "collect", assignment, "--update")
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader collect failed:\n{done.stdout}\n{done.stderr}")
    return f"collected {len(waiting)} submission(s) from {inbound}"


def class_rows(course: CourseRoot, assignment: str, results: list[SubmissionResult]) -> list[StudentRow]:
    """The summary row of every submitted student, read from the gradebook after this run."""
    from nbgrader.api import Gradebook, MissingEntry

    by_student = {r.student: r for r in results}
    rows = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in submitted_students(course, assignment):
            result = by_student.get(student)
            row = StudentRow(student, result.status if result else "unchanged", result.reason if result else "")
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                submission = None
            graded = is_graded(course, assignment, student)
            if submission is not None and graded:
                row.score, row.max_score = submission.score, submission.max_score
                row.seconds_late = float(submission.total_seconds_late or 0.0)
                row.late = row.seconds_late > 0
                row.needs_manual = bool(submission.needs_manual_grade)
            elif row.status == "unchanged":
                row.status, row.reason = "failed", "no autograded copy (an earlier attempt failed)"
            rows.append(row)
    return rows


def write_summary_csv(rows: list[StudentRow], path: Path) -> Path:
    """Write the per-student summary as CSV and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "status", "reason", "score", "max_score", "late", "seconds_late",
                         "needs_manual_grading"])
        for r in rows:
            writer.writerow([r.student, r.status, r.reason, "" if r.score is None else f"{r.score:g}",
                             "" if r.max_score is None else f"{r.max_score:g}", r.late, f"{r.seconds_late:.0f}",
                             r.needs_manual])
    return path


def run_cycle(
    course: CourseRoot,
    assignment: str,
    workers: int | None = None,
    timeout: float = 600.0,
    force: bool = False,
    collect: bool = True,
    feedback: bool = True,
    export: bool = True,
    mode: str = "worker",
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[SubmissionResult], None] | None = None,
) -> CycleReport:
    """Collect, autograde every submission in parallel, generate feedback and export grades.

    Parameters
    ----------
    course
        The course root.
    assignment
        The assignment id.
    workers
        Parallel grading processes (default: one per core).
    timeout
        Wall-clock seconds allowed per submission.
    force
        Regrade every submission, not only new and resubmitted ones.
    collect, feedback, export
        Run these steps (collect only when the exchange holds submissions).
    mode
        ``"worker"`` (long-lived nbgrader processes) or ``"cli"`` (one ``nbgrader autograde`` per submission).
    on_start
        Called with the number of submissions to grade, before grading starts.
    on_done
        Called with each submission's result as soon as it is known.

    Returns
    -------
    CycleReport
        The results, the summary rows and where the outputs are.
    """
    import time

    report = CycleReport(assignment)
    began = time.perf_counter()
    if collect:
        report.collected = collect_if_waiting(course, assignment)
    report.seconds["collect"] = time.perf_counter() - began
    students = students_to_grade(course, assignment, force=force)
    if on_start is not None:
        on_start(len(students))
    began = time.perf_counter()
    report.results = autograde_class(course, assignment, students, workers=workers, timeout=timeout, mode=mode,
                                     on_done=on_done)
    report.seconds["autograde"] = time.perf_counter() - began
    began = time.perf_counter()
    if feedback and any(is_graded(course, assignment, s) for s in submitted_students(course, assignment)):
        report.feedback_ok = generate_feedback(course, assignment).returncode == 0
    report.seconds["feedback"] = time.perf_counter() - began
    began = time.perf_counter()
    if export:
        report.export_ok = run_nbgrader(course, "export").returncode == 0
        report.grades_csv = course.root / "grades.csv"
    report.seconds["export"] = time.perf_counter() - began
    report.rows = class_rows(course, assignment, report.results)
    report.summary_csv = write_summary_csv(report.rows, course.reports(assignment) / "summary.csv")
    return report
