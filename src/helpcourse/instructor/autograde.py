"""Autograde a whole class in parallel worker processes, safely re-runnable.

Each worker is an nbgrader process (``worker``) that grades one submission at a time with the course's own
configuration. Every submission has an outer wall-clock limit: past it the worker's whole process tree (its kernel
included) is killed, the submission is reported as failed and a fresh worker takes the next one. Before a
submission is regraded, its autograded copy and its grades are kept aside; if the new attempt fails they are put
back, so a re-run never silently replaces a good grade with a failed attempt.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from helpcourse.instructor.course import CourseRoot, nbgrader_env

__all__ = [
    "SubmissionResult",
    "autograde_class",
    "failure_reason",
    "is_graded",
    "restore_grades",
    "snapshot_grades",
    "submitted_students",
    "students_to_grade",
]

#: How a failed attempt is recognised in nbgrader's log, and how the summary names the reason.
FAILURE_PATTERNS: list[tuple[str, str]] = [
    (r"No student with ID", "student is not in the gradebook (add them from the roster)"),
    (r"No assignment with ID", "assignment is not in the gradebook (run generate_assignment first)"),
    (r"NotJSONError|Notebook does not appear to be JSON|JSONDecodeError|Expecting value|Unterminated string"
     r"|Notebook JSON is invalid|invalid JSON", "notebook file is not valid JSON (damaged on save)"),
    (r"UnresponsiveKernelError|kernel became unresponsive", "kernel became unresponsive (endless loop?)"),
    (r"DeadKernelError|Kernel died", "kernel died while running the notebook (memory or crash)"),
    (r"Timeout waiting for IOPub|CellTimeoutError|Timeout waiting for execute reply", "a cell ran out of time"),
    (r"database is locked", "gradebook was locked by another writer"),
    (r"No notebooks were matched|Skipping unknown notebook", "no notebook with the released name was submitted"),
]


@dataclass
class SubmissionResult:
    """What happened to one student's submission.

    Attributes
    ----------
    student
        The student id.
    status
        ``"graded"``, ``"failed"`` (no grade) or ``"kept"`` (this attempt failed; the previous grade was kept).
    reason
        Why an attempt failed (empty when graded).
    seconds
        Wall-clock time of the last attempt.
    attempts
        How many attempts were made (a locked gradebook is retried).
    log
        nbgrader's log of the last attempt.
    """

    student: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    attempts: int = 1
    log: str = field(default="", repr=False)


def submitted_students(course: CourseRoot, assignment: str) -> list[str]:
    """Ids of the students with a submitted folder for the assignment, sorted."""
    root = course.submitted(assignment)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def is_graded(course: CourseRoot, assignment: str, student: str) -> bool:
    """Whether a submission has an autograded copy (a folder holding its notebooks)."""
    return any(course.autograded(assignment, student).glob("*.ipynb"))


def _timestamp(folder: Path) -> str:
    path = folder / "timestamp.txt"
    return path.read_text().strip() if path.is_file() else ""


def students_to_grade(course: CourseRoot, assignment: str, force: bool = False) -> list[str]:
    """Submissions that need grading: never graded, resubmitted since (newer timestamp), or all with ``force``."""
    chosen = []
    for student in submitted_students(course, assignment):
        graded = course.autograded(assignment, student)
        submitted = course.submitted(assignment, student)
        if force or not is_graded(course, assignment, student) or _timestamp(graded) != _timestamp(submitted):
            chosen.append(student)
    return chosen


def failure_reason(log: str, error: str = "") -> str:
    """A one-line reason for a failed attempt, read from nbgrader's log and traceback."""
    text = f"{log}\n{error}"
    for pattern, reason in FAILURE_PATTERNS:
        if re.search(pattern, text):
            return reason
    errors = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
    return (errors[-1].strip() if errors else "nbgrader reported a failure")[:160]


def snapshot_grades(course: CourseRoot, assignment: str, student: str) -> dict | None:
    """The grades and comments of a graded submission, or None if it has no autograded copy with grades."""
    from nbgrader.api import Gradebook, MissingEntry

    if not is_graded(course, assignment, student):
        return None
    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        grades, comments = {}, {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grades[f"{notebook.name}/{grade.name}"] = [grade.auto_score, grade.manual_score, grade.extra_credit]
            for comment in notebook.comments:
                comments[f"{notebook.name}/{comment.name}"] = [comment.auto_comment, comment.manual_comment]
        if not grades or all(g[0] is None and g[1] is None for g in grades.values()):
            return None
        return {"grades": grades, "comments": comments, "timestamp": submission.timestamp.isoformat()
                if submission.timestamp else None}


def restore_grades(course: CourseRoot, assignment: str, student: str, snapshot: dict) -> None:
    """Put back grades and comments taken by :func:`snapshot_grades`."""
    from datetime import datetime

    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                saved = snapshot["grades"].get(f"{notebook.name}/{grade.name}")
                if saved is not None:
                    grade.auto_score, grade.manual_score, grade.extra_credit = saved
            for comment in notebook.comments:
                saved = snapshot["comments"].get(f"{notebook.name}/{comment.name}")
                if saved is not None:
                    comment.auto_comment, comment.manual_comment = saved
        if snapshot.get("timestamp"):
            submission.timestamp = datetime.fromisoformat(snapshot["timestamp"])
        gb.db.commit()


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill a worker, its process group and every descendant (kernels run in their own sessions)."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    proc.wait()


class _Worker:
    """One grading process fed students through a pipe; replaced after a timeout or a crash."""

    def __init__(self, course: CourseRoot, assignment: str, log_path: Path, mode: str) -> None:
        self.course, self.assignment, self.log_path, self.mode = course, assignment, log_path, mode
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.start_seconds = 0.0

    def _start(self, timeout: float) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "helpcourse.instructor.worker", self.assignment], cwd=self.course.root,
            env=nbgrader_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True,
        )
        log.close()
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()
        ready = self.lines.get(timeout=timeout)
        if ready is None:
            raise RuntimeError(f"grading worker did not start; see {self.log_path}")
        self.start_seconds = json.loads(ready)["start_seconds"]

    @staticmethod
    def _read(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def grade(self, student: str, timeout: float) -> dict:
        """Grade one submission; a dict like nbgrader's ``capture_log`` result plus ``timed_out``."""
        if self.mode == "cli":
            return self._grade_cli(student, timeout)
        if self.proc is None or self.proc.poll() is not None:
            self._start(timeout)
        begin = time.perf_counter()
        self.proc.stdin.write(student + "\n")
        self.proc.stdin.flush()
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.stop(kill=True)
            return {"success": False, "timed_out": True, "seconds": time.perf_counter() - begin,
                    "log": f"stopped after the {timeout:.0f} s limit per submission"}
        if line is None:
            self.stop(kill=True)
            return {"success": False, "seconds": time.perf_counter() - begin,
                    "log": "grading worker exited unexpectedly (Kernel died?)"}
        return json.loads(line)

    def _grade_cli(self, student: str, timeout: float) -> dict:
        begin = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "autograde", self.assignment, f"--student={student}", "--force"],
            cwd=self.course.root, env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            return {"success": False, "timed_out": True, "seconds": time.perf_counter() - begin,
                    "log": f"stopped after the {timeout:.0f} s limit per submission"}
        ok = proc.returncode == 0 and self.course.autograded(self.assignment, student).is_dir()
        return {"success": ok, "log": out, "seconds": time.perf_counter() - begin}

    def stop(self, kill: bool = False) -> None:
        """End the worker: close its input (it exits), or kill its process tree."""
        if self.proc is None:
            return
        if kill:
            _kill_tree(self.proc)
        else:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                _kill_tree(self.proc)
        self.proc = None


def _keep_aside(course: CourseRoot, assignment: str, student: str) -> tuple[Path | None, dict | None]:
    graded = course.autograded(assignment, student)
    snapshot = snapshot_grades(course, assignment, student)
    if snapshot is None:
        return None, None
    backup = course.work_dir(assignment) / "previous" / student
    if backup.exists():
        shutil.rmtree(backup)
    shutil.copytree(graded, backup)
    return backup, snapshot


def _put_back(course: CourseRoot, assignment: str, student: str, backup: Path, snapshot: dict) -> None:
    graded = course.autograded(assignment, student)
    if graded.exists():
        shutil.rmtree(graded)
    shutil.copytree(backup, graded)
    restore_grades(course, assignment, student, snapshot)


def _grade_one(worker: _Worker, course: CourseRoot, assignment: str, student: str, timeout: float,
               retries: int) -> SubmissionResult:
    backup, snapshot = _keep_aside(course, assignment, student)
    attempts, result = 0, {}
    while attempts <= retries:
        attempts += 1
        result = worker.grade(student, timeout)
        locked = "database is locked" in f"{result.get('log', '')}{result.get('error', '')}"
        if result.get("success") or not locked:
            break
        time.sleep(0.5 * attempts)
    log = f"{result.get('log', '')}\n{result.get('error', '')}".strip()
    seconds = float(result.get("seconds", 0.0))
    if result.get("success") and is_graded(course, assignment, student):
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
        return SubmissionResult(student, "graded", seconds=seconds, attempts=attempts, log=log)
    reason = failure_reason(result.get("log", ""), result.get("error", ""))
    if result.get("timed_out"):
        reason = f"stopped after the {timeout:.0f} s limit per submission"
    if backup is not None and snapshot is not None:
        _put_back(course, assignment, student, backup, snapshot)
        return SubmissionResult(student, "kept", reason=reason, seconds=seconds, attempts=attempts, log=log)
    shutil.rmtree(course.autograded(assignment, student), ignore_errors=True)  # a killed attempt leaves a copy
    return SubmissionResult(student, "failed", reason=reason, seconds=seconds, attempts=attempts, log=log)


def autograde_class(
    course: CourseRoot,
    assignment: str,
    students: Sequence[str],
    workers: int | None = None,
    timeout: float = 600.0,
    mode: str = "worker",
    retries: int = 2,
    on_done: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Autograde submissions in parallel, each under a wall-clock limit.

    Parameters
    ----------
    course
        The course root.
    assignment
        The assignment id.
    students
        The students whose submissions to grade.
    workers
        Parallel grading processes (default: one per core).
    timeout
        Wall-clock seconds allowed per submission; past it the worker's process tree is killed.
    mode
        ``"worker"``: long-lived nbgrader processes fed one student at a time; ``"cli"``: one
        ``nbgrader autograde ASSIGNMENT --student=ID --force`` process per submission.
    retries
        Extra attempts when the gradebook was locked by another writer.
    on_done
        Called with each result as soon as it is known (for a progress bar).

    Returns
    -------
    list of SubmissionResult
        One per student, in the order given.
    """
    count = max(1, min(workers or os.cpu_count() or 1, len(students) or 1))
    logs = course.work_dir(assignment) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    todo: queue.Queue[str] = queue.Queue()
    for student in students:
        todo.put(student)
    results: dict[str, SubmissionResult] = {}
    lock = threading.Lock()

    def run(index: int) -> None:
        worker = _Worker(course, assignment, logs / f"worker-{index}.log", mode)
        try:
            while True:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = _grade_one(worker, course, assignment, student, timeout, retries)
                except Exception as exc:  # a broken submission never stops the class run
                    worker.stop(kill=True)
                    outcome = SubmissionResult(student, "failed", reason=f"grading error: {exc}"[:160])
                (logs / f"{student}.log").write_text(outcome.log)
                with lock:
                    results[student] = outcome
                    if on_done is not None:
                        on_done(outcome)
        finally:
            worker.stop()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[s] for s in students]
