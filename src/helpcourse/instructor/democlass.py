"""A simulated class that runs the whole grading cycle headless, in a throwaway course root.

``make demo`` (``python -m helpcourse.instructor.democlass``) copies the course's nbgrader configuration and one
exercise into a temporary course root (never the repository's ``grading/``), imports a roster of simulated
students, generates and releases the assignment to a temporary exchange, submits a notebook for every student
into the exchange's inbound folder (with submission timestamps, as ``nbgrader submit`` does), then runs the cycle:
collect, parallel autograde, simulated manual grades for the written answer (through nbgrader's Gradebook API),
feedback, export and the class report. Each simulated student records the points their answers deserve, so the
result can be checked against the gradebook.

Students answer like real ones: right (sometimes in another correct form), wrong in common ways (copying the
worked example, a percentage instead of a proportion, the wrong group), an error, blank, late, or a notebook file
damaged on save.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import numpy as np

from helpcourse.instructor.autograde import is_graded
from helpcourse.instructor.course import CourseRoot, load_course_root, run_nbgrader

__all__ = [
    "ANSWER_BANK",
    "DemoResult",
    "Question",
    "SimulatedStudent",
    "make_course_root",
    "questions_of",
    "release_and_submit",
    "run_demo",
    "simulate_class",
    "simulate_manual_grades",
]

REPO = Path(__file__).resolve().parents[3]
DEFAULT_ASSIGNMENT = "ps01_reading_research"
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"

#: Realistic answers per exercise and answer name: forms that earn the points and common mistakes that do not.
ANSWER_BANK: dict[str, dict[str, dict[str, list[str]]]] = {
    "ps01_reading_research": {
        "variance_share": {
            "right": ["effects.variance_explained(0.256)", "0.256 ** 2", "0.066"],
            "wrong": ["0.256", "6.55", "effects.variance_explained(0.278)", "effects.variance_explained(0.23)"],
        },
        "alliance_d": {
            "right": ["effects.r_to_d(0.256)", "0.53"],
            "wrong": ["effects.r_to_d(0.278)", "effects.r_to_d(0.28)", "0.256"],
        },
        "stronger_share": {
            "right": ["effects.proportion_above_median_by_half(0.256)[0]", "0.582"],
            "wrong": ["effects.proportion_above_median_by_half(0.256)[1]", "58", "0.667", "0.58"],
        },
        "trial_odds_ratio": {
            "right": ["effects.odds_ratio(32, 127, 7, 66)", "2.84"],
            "wrong": ["effects.odds_ratio(7, 66, 32, 127)", "(32 / 127) / (7 / 66)",
                      "effects.odds_ratio(363, 714, 75, 731)"],
        },
        "q5_choice": {"right": ['"b"', '"B"'], "wrong": ['"a"', '"c"', '"d"']},
    },
}

#: Written answers by the points a grader gives them (the rubric's full, partial and weak answers).
WRITTEN = {
    3: "You're right that r squared is only about 8% of the variance, but across a caseload that still matters: in "
       "a stronger-alliance half about 59% end above the median outcome, against 41% in the weaker half. It is a "
       "correlation, so it cannot show that the alliance causes the change. I'd see the relationship and technique "
       "as working together. Could we look at both in our cases?",
    2: "I see why 8% sounds small. But about 59% versus 41% of clients end above the median outcome in the stronger "
       "and the weaker alliance half, so it matters for many clients. Technique matters too, of course. Maybe we "
       "can look at both.",
    1: "I think the relationship matters more than 8%, clients notice it.",
    0: "Technique is what counts.",
}


@dataclass(frozen=True)
class Question:
    """An automatically graded question: the answer line students complete and the test cell that grades it."""

    name: str
    grade_id: str
    points: float
    solution: str


@dataclass
class SimulatedStudent:
    """One simulated student: what they answer and the points those answers deserve."""

    student_id: str
    first_name: str
    last_name: str
    kind: str
    answers: dict[str, str] = field(default_factory=dict)
    right: dict[str, bool] = field(default_factory=dict)
    written_points: int = 0
    late: bool = False
    broken: bool = False
    expected_auto: float = 0.0
    expected_manual: float = 0.0

    @property
    def expected_total(self) -> float | None:
        """Points the submission deserves (None: a damaged file cannot be graded)."""
        return None if self.broken else self.expected_auto + self.expected_manual


def questions_of(source: nbformat.NotebookNode) -> list[Question]:
    """The automatically graded questions of a source notebook, each answer line paired with its test cell."""
    questions, pending = [], []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            names = re.findall(r"^(\w+) = \.\.\.$", cell.source, re.MULTILINE)
            block = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.DOTALL)
            pending += [(name, block.group(1).strip() if block else "") for name in names]
        elif cell.cell_type == "code" and meta.get("grade") and pending:
            for name, solution in pending:
                questions.append(Question(name, meta["grade_id"], float(meta.get("points", 0)), solution))
            pending = []
    return questions


def _written_grades(source: nbformat.NotebookNode) -> list[tuple[str, float]]:
    return [(c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"].get("points", 0)))
            for c in source.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]


def simulate_class(source: nbformat.NotebookNode, assignment: str, size: int = 40, seed: int = 2026,
                   ) -> list[SimulatedStudent]:
    """Simulated students with their answers and the points each deserves.

    The class has two blank submissions, two damaged notebook files and some late submissions (about one in ten);
    the others answer each question right with a probability given by their own ability (drawn from Beta(4, 2)).

    Parameters
    ----------
    source
        The exercise's source notebook (for its questions, points and solutions).
    assignment
        The assignment id (selects realistic answers from :data:`ANSWER_BANK`).
    size
        Number of students (at least 6).
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    list of SimulatedStudent
    """
    rng = np.random.default_rng(seed)
    questions = questions_of(source)
    written = _written_grades(source)
    bank = ANSWER_BANK.get(assignment, {})
    firsts = ["Amira", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hamza", "Ines", "Jonas", "Kemi", "Liam"]
    lasts = ["Ahmed", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan"]
    kinds = ["blank", "broken"] * 2 + ["late"] * max(1, size // 10)
    kinds += ["answers"] * (size - len(kinds))
    students = []
    for index in range(size):
        kind = kinds[index]
        student = SimulatedStudent(
            student_id=f"student{index + 1:02d}", first_name=firsts[index % len(firsts)],
            last_name=lasts[(index * 7) % len(lasts)], kind=kind, late=kind == "late", broken=kind == "broken",
        )
        ability = float(rng.beta(4, 2))
        for q in questions:
            if kind == "blank":
                student.right[q.name] = False
                continue
            options = bank.get(q.name, {"right": [q.solution.split("=", 1)[-1].strip()], "wrong": ["0"]})
            right = bool(rng.random() < ability)
            pool = options["right"] if right else options["wrong"]
            student.answers[q.name] = pool[int(rng.integers(len(pool)))]
            student.right[q.name] = right
            student.expected_auto += q.points if right else 0.0
        if written and kind != "blank":
            student.written_points = int(np.clip(round(ability * 3 + rng.normal(0, 0.6)), 0, 3))
            top = written[0][1]
            student.expected_manual = min(float(student.written_points), top)
        if student.broken:
            student.expected_auto = student.expected_manual = 0.0
        students.append(student)
    return students


def _answered_notebook(release: nbformat.NotebookNode, student: SimulatedStudent) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        for name, value in student.answers.items():
            cell.source = re.sub(rf"^{name} = \.\.\.$", lambda _m, n=name, v=value: f"{n} = {v}", cell.source,
                                 flags=re.MULTILINE)
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution") and student.kind != "blank":
            cell.source = WRITTEN[student.written_points]
    return nb


def make_course_root(folder: Path, assignment: str, students: list[SimulatedStudent],
                     config: Path | None = None) -> CourseRoot:
    """A throwaway course root: the course's nbgrader configuration, one exercise and the class roster.

    The layout mirrors the repository (``grading/`` beside ``course/exercises/``) so the configuration's relative
    source folder works unchanged. Returns the course root ``folder/grading``.
    """
    grading = folder / "grading"
    grading.mkdir(parents=True, exist_ok=True)
    shutil.copy(config or REPO / "grading" / "nbgrader_config.py", grading / "nbgrader_config.py")
    exercise = folder / "course" / "exercises" / assignment
    if not exercise.exists():
        shutil.copytree(REPO / "course" / "exercises" / assignment, exercise)
    course = load_course_root(grading)
    roster = grading / "roster.csv"
    with open(roster, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for s in students:
            writer.writerow([s.student_id, s.first_name, s.last_name, f"{s.student_id}@example.org"])
    done = run_nbgrader(course, "db", "student", "import", str(roster))
    if done.returncode != 0:
        raise RuntimeError(f"roster import failed:\n{done.stdout}\n{done.stderr}")
    return course


def _check(done, what: str) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}")


def release_and_submit(course: CourseRoot, assignment: str, students: list[SimulatedStudent]) -> Path:
    """Generate and release the assignment to the course's exchange, set its due date, submit every student.

    Submissions are written into the exchange's inbound folder the way ``nbgrader submit`` does
    (``student+assignment+timestamp+random`` with ``timestamp.txt``), so ``nbgrader collect`` picks them up.
    Returns the released notebook students started from.
    """
    from nbgrader.api import Gradebook

    _check(run_nbgrader(course, "generate_assignment", assignment, "--force"), "generate_assignment")
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=DUE.replace(tzinfo=None))
    course.exchange_root.mkdir(parents=True, exist_ok=True)
    os.chmod(course.exchange_root, 0o1777)
    _check(run_nbgrader(course, "release_assignment", assignment, "--force"), "release_assignment")
    outbound = course.exchange_root / course.course_id / "outbound" / assignment / f"{assignment}.ipynb"
    release = nbformat.read(outbound, as_version=4)
    inbound = course.inbound()
    inbound.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for student in students:
        hours = float(rng.uniform(30, 60)) if student.late else -float(rng.uniform(1, 72))
        stamp = (DUE + timedelta(hours=hours)).strftime(TIMESTAMP_FORMAT)
        token = base64.urlsafe_b64encode(rng.bytes(9)).decode("ascii")
        folder = inbound / f"{student.student_id}+{assignment}+{stamp}+{token}"
        folder.mkdir()
        text = nbformat.writes(_answered_notebook(release, student))
        if student.broken:
            text = text[: len(text) // 2]  # the file was cut off on save
        (folder / f"{assignment}.ipynb").write_text(text)
        (folder / "timestamp.txt").write_text(stamp)
    return outbound


def simulate_manual_grades(course: CourseRoot, assignment: str, students: list[SimulatedStudent]) -> int:
    """Enter each written answer's points as a grader would in the formgrader (Gradebook API); returns the count."""
    from nbgrader.api import Gradebook, MissingEntry

    entered = 0
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in students:
            if not is_graded(course, assignment, student.student_id):
                continue  # no grade to add to: this submission could not be autograded
            try:
                submission = gb.find_submission(assignment, student.student_id)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "markdown" and grade.needs_manual_grade:
                        grade.manual_score = min(float(student.written_points), grade.max_score)
                        grade.needs_manual_grade = False  # as the formgrader does when a score is entered
                        entered += 1
        gb.db.commit()
    return entered


@dataclass
class DemoResult:
    """Where the demo's outputs are, and what it measured."""

    course: CourseRoot
    students: list[SimulatedStudent]
    report: object
    manual_grades: int
    feedback_dir: Path
    grades_csv: Path
    report_html: Path
    report_csvs: list[Path]
    expected_csv: Path
    seconds: dict[str, float]


def run_demo(folder: Path, assignment: str = DEFAULT_ASSIGNMENT, size: int = 40, workers: int | None = None,
             timeout: float = 300.0, seed: int = 2026, progress: bool = False) -> DemoResult:
    """Run the whole cycle on a simulated class in ``folder`` (a throwaway course root is made inside it)."""
    from helpcourse.instructor.analytics import write_class_report
    from helpcourse.instructor.cycle import run_cycle
    from helpcourse.instructor.feedback import generate_feedback

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    source = nbformat.read(REPO / "course" / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    students = simulate_class(source, assignment, size=size, seed=seed)
    course = make_course_root(Path(folder), assignment, students)
    release_and_submit(course, assignment, students)
    seconds["set up, release, submit"] = time.perf_counter() - began

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(students), unit="submission", desc=f"autograde {assignment}", file=sys.stderr)
    report = run_cycle(course, assignment, workers=workers, timeout=timeout, feedback=False, export=False,
                       on_done=(lambda _r: bar.update(1)) if bar else None)
    if bar is not None:
        bar.close()
    seconds.update({f"{k}": v for k, v in report.seconds.items() if k in {"collect", "autograde"}})

    began = time.perf_counter()
    manual = simulate_manual_grades(course, assignment, students)
    _check(generate_feedback(course, assignment), "generate_feedback")
    _check(run_nbgrader(course, "export"), "export")
    seconds["manual grades, feedback, export"] = time.perf_counter() - began
    began = time.perf_counter()
    html_path, csv_paths = write_class_report(course, assignment)
    seconds["class report"] = time.perf_counter() - began

    from helpcourse.instructor.cycle import class_rows, write_summary_csv

    report.rows = class_rows(course, assignment, report.results)
    report.feedback_ok, report.export_ok, report.grades_csv = True, True, course.root / "grades.csv"
    report.summary_csv = write_summary_csv(report.rows, course.reports(assignment) / "summary.csv")
    expected = course.root / "demo_expected_points.csv"
    with open(expected, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "kind", "late", "broken", "expected_auto", "expected_manual", "expected_total",
                         "answers"])
        for s in students:
            writer.writerow([s.student_id, s.kind, s.late, s.broken, s.expected_auto, s.expected_manual,
                             "" if s.expected_total is None else s.expected_total, json.dumps(s.answers)])
    (course.root / "demo_students.json").write_text(json.dumps([asdict(s) for s in students], indent=1))
    return DemoResult(course, students, report, manual, course.root / "feedback", course.root / "grades.csv",
                      html_path, csv_paths, expected, seconds)


def main(argv: list[str] | None = None) -> int:
    """``make demo``: run the demo class and print where each output is."""
    parser = argparse.ArgumentParser(prog="helpcourse-demo-class", description="Grade a simulated class headless.")
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the throwaway course root (default: a temp folder)")
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="helpcourse-demo-"))
    if folder.resolve() == REPO.resolve() or (folder / "grading" / "gradebook.db").exists():
        raise SystemExit(f"{folder} already holds a course root: the demo only runs in a new, throwaway folder")
    result = run_demo(folder, args.assignment, size=args.students, workers=args.workers, progress=True)
    from helpcourse.instructor.cli import format_summary

    print(format_summary(result.report))
    print()
    print(f"Demo class of {len(result.students)} simulated students, graded in {result.course.root}")
    print(f"  manual grades entered for the written answer: {result.manual_grades}")
    print(f"  released notebook (exchange): {result.course.exchange_root / result.course.course_id / 'outbound'}")
    print(f"  autograded notebooks: {result.course.root / 'autograded'}")
    print(f"  feedback pages: {result.feedback_dir}/<student>/{args.assignment}/")
    print(f"  grades: {result.grades_csv}")
    print(f"  class report: {result.report_html}")
    for path in result.report_csvs:
        print(f"  table: {path}")
    print(f"  expected points of each simulated student: {result.expected_csv}")
    print("  time: " + ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
