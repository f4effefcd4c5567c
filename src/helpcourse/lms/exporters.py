"""nbgrader exporter plugins for LMSs without LTI: Canvas's gradebook CSV and Moodle's grade-import CSV.

Use them from the course root::

    nbgrader export --exporter=helpcourse.lms.exporters.CanvasExporter --to=canvas_grades.csv
    nbgrader export --exporter=helpcourse.lms.exporters.MoodleExporter --to=moodle_grades.csv

Both write one row per student and one column per assignment (``--assignment`` / ``--student`` narrow them, as for
nbgrader's own CSV). A cell holds the student's **final** score (after the late penalty) only: it is empty when
the student submitted nothing or when written answers still wait for a person to grade them, so the LMS never
gets a partial score that looks final (both LMSs leave a grade unchanged for an empty cell).

Students are matched by the LMS identifier recorded at their first LTI launch (the gradebook's ``lms_user_id``)
or by a roster (``--CanvasExporter.roster=FILE`` / ``--MoodleExporter.roster=FILE``): a CSV with the column ``id``
(the nbgrader student id) and any of ``canvas_id``, ``sis_user_id``, ``sis_login_id``, ``section`` (Canvas) or
``idnumber``, ``email`` (Moodle). The column layouts and the sources they follow are in docs/LMS.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import ExportPlugin
from traitlets import Unicode

__all__ = ["CANVAS_ID_COLUMNS", "MOODLE_ID_COLUMNS", "CanvasExporter", "FinalScore", "MoodleExporter",
           "final_scores"]

#: Canvas's gradebook export/import: these five identifying columns, then one column per assignment.
CANVAS_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: Moodle's grade import maps "ID number" -> useridnumber or "Email address" -> useremail (Moodle's export names).
MOODLE_ID_COLUMNS = ["First name", "Last name", "ID number", "Email address"]


@dataclass(frozen=True)
class FinalScore:
    """One student's result for one assignment, as an LMS may be told it.

    ``status`` is ``graded`` (``score`` is final), ``pending`` (written answers not yet graded by a person; no score
    is given) or ``missing`` (no submission).
    """

    student: str
    assignment: str
    status: str
    score: float | None
    max_score: float


def final_scores(gradebook: Gradebook, assignment: str) -> dict[str, FinalScore]:
    """Every gradebook student's final score for ``assignment`` (late penalty applied, never below 0)."""
    record = gradebook.find_assignment(assignment)
    max_score = float(record.max_score or 0.0)
    out = {}
    for student in gradebook.students:
        try:
            submission = gradebook.find_submission(assignment, student.id)
        except MissingEntry:
            out[student.id] = FinalScore(student.id, assignment, "missing", None, max_score)
            continue
        if submission.needs_manual_grade:
            out[student.id] = FinalScore(student.id, assignment, "pending", None, max_score)
            continue
        penalty = submission.late_submission_penalty or 0.0
        score = max(0.0, float(submission.score or 0.0) - float(penalty))
        out[student.id] = FinalScore(student.id, assignment, "graded", round(score, 4), max_score)
    return out


def _number(value: float | None) -> str:
    """A score as both LMSs read it: a dot as decimal separator, no trailing zeros, empty for no score."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _read_roster(path: str) -> dict[str, dict[str, str]]:
    if not path:
        return {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return {row["id"].strip(): {k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)}


class _LmsExporter(ExportPlugin):
    roster = Unicode("", help="optional CSV: column id (nbgrader student) plus the LMS's identifiers").tag(config=True)
    default_name = "lms_grades.csv"

    def _selection(self, gradebook: Gradebook):
        wanted_a = [str(a) for a in self.assignment]
        wanted_s = [str(s) for s in self.student]
        assignments = [a.name for a in gradebook.assignments if not wanted_a or a.name in wanted_a]
        students = [s for s in gradebook.students if not wanted_s or s.id in wanted_s]
        return assignments, students

    def header(self, assignments: list[str]) -> list[str]:
        raise NotImplementedError

    def identity(self, student, extra: dict[str, str]) -> list[str]:
        raise NotImplementedError

    def extra_rows(self, gradebook: Gradebook, assignments: list[str]) -> list[list[str]]:
        return []

    def export(self, gradebook: Gradebook) -> None:
        dest = Path(self.to or self.default_name)
        assignments, students = self._selection(gradebook)
        roster = _read_roster(self.roster)
        scores = {name: final_scores(gradebook, name) for name in assignments}
        self.log.info("Exporting %d student(s) x %d assignment(s) to %s", len(students), len(assignments), dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            writer.writerow(self.header(assignments))
            for row in self.extra_rows(gradebook, assignments):
                writer.writerow(row)
            for student in sorted(students, key=lambda s: ((s.last_name or "").lower(), (s.first_name or "").lower(),
                                                            s.id)):
                cells = [_number(scores[name][student.id].score) for name in assignments]
                writer.writerow(self.identity(student, roster.get(student.id, {})) + cells)


class CanvasExporter(_LmsExporter):
    """Canvas's gradebook CSV: ``Student, ID, SIS User ID, SIS Login ID, Section``, one column per assignment.

    The second row is Canvas's ``Points Possible`` row (each assignment's maximum), as in Canvas's own export.
    ``Student`` is "Last, First"; ``ID`` is the roster's ``canvas_id`` or the LMS id recorded at launch;
    ``SIS Login ID`` is the roster's ``sis_login_id`` or the nbgrader id.
    """

    default_name = "canvas_grades.csv"

    def header(self, assignments: list[str]) -> list[str]:
        return CANVAS_ID_COLUMNS + assignments

    def extra_rows(self, gradebook: Gradebook, assignments: list[str]) -> list[list[str]]:
        maxima = [_number(float(gradebook.find_assignment(a).max_score or 0.0)) for a in assignments]
        return [["Points Possible", "", "", "", ""] + maxima]

    def identity(self, student, extra: dict[str, str]) -> list[str]:
        name = ", ".join(part for part in (student.last_name, student.first_name) if part) or student.id
        return [name, extra.get("canvas_id") or (student.lms_user_id or ""), extra.get("sis_user_id", ""),
                extra.get("sis_login_id") or student.id, extra.get("section", "")]


class MoodleExporter(_LmsExporter):
    """Moodle's grade-import CSV: ``First name, Last name, ID number, Email address``, one column per assignment.

    In Moodle (Grades > Import > CSV file) map "ID number" to ``useridnumber`` (or "Email address" to
    ``useremail``) and each assignment column to its grade item. ``ID number`` is the roster's ``idnumber`` or the
    LMS id recorded at launch; ``Email address`` the roster's ``email`` or the gradebook's.
    """

    default_name = "moodle_grades.csv"

    def header(self, assignments: list[str]) -> list[str]:
        return MOODLE_ID_COLUMNS + assignments

    def identity(self, student, extra: dict[str, str]) -> list[str]:
        return [student.first_name or "", student.last_name or "", extra.get("idnumber") or (student.lms_user_id or ""),
                extra.get("email") or (student.email or "")]
