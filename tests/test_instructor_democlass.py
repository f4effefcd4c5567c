"""The demo class: 40 simulated students through the whole cycle, each scored exactly as their answers deserve."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import nbformat
import pytest

from helpcourse.instructor.democlass import ANSWER_BANK, questions_of, run_demo, simulate_class

REPO = Path(__file__).resolve().parents[1]
NAME = "ps01_reading_research"
SOURCE = nbformat.read(REPO / "course" / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)


def test_questions_pair_each_answer_line_with_its_test():
    found = {q.name: (q.grade_id, q.points) for q in questions_of(SOURCE)}
    assert found == {
        "variance_share": ("q1_variance_share", 2.0), "alliance_d": ("q2_alliance_d", 2.0),
        "stronger_share": ("q3_stronger_share", 2.0), "trial_odds_ratio": ("q4_trial_odds_ratio", 2.0),
        "q5_choice": ("q5_correlation_meaning", 1.0),
    }
    assert set(ANSWER_BANK[NAME]) == set(found), "every question has realistic answers"


def test_simulated_class_is_seeded_and_mixed():
    first = simulate_class(SOURCE, NAME, size=40, seed=5)
    again = simulate_class(SOURCE, NAME, size=40, seed=5)
    assert [s.answers for s in first] == [s.answers for s in again]
    kinds = [s.kind for s in first]
    assert kinds.count("blank") == 2 and kinds.count("broken") == 2 and kinds.count("late") == 4
    totals = {s.expected_auto for s in first if s.kind in {"answers", "late"}}
    assert len(totals) >= 4, "students score differently"
    for student in first:
        right = sum(q.points for q in questions_of(SOURCE) if student.right[q.name])
        assert student.expected_auto == (0.0 if student.broken else right)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), NAME, size=40)


@pytest.mark.pipeline
def test_every_simulated_student_scores_the_points_their_answers_deserve(demo):
    from nbgrader.api import Gradebook

    course = demo.course
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in demo.students:
            submission = gb.find_submission(NAME, student.student_id)
            if student.broken:
                assert not (course.autograded(NAME, student.student_id) / f"{NAME}.ipynb").exists()
                continue
            auto = sum(g.auto_score or 0 for nb in submission.notebooks for g in nb.grades
                       if g.cell.cell_type == "code")
            assert auto == pytest.approx(student.expected_auto), (student.student_id, student.answers)
            assert submission.score == pytest.approx(student.expected_total), student.student_id
            assert not submission.needs_manual_grade, "every written answer was graded"
            assert (submission.total_seconds_late > 0) == student.late, student.student_id


@pytest.mark.pipeline
def test_summary_reports_failures_and_late_submissions(demo):
    rows = {r.student: r for r in demo.report.rows}
    assert len(rows) == 40
    broken = {s.student_id for s in demo.students if s.broken}
    assert {s for s, r in rows.items() if r.status == "failed"} == broken
    assert all("not valid JSON" in rows[s].reason for s in broken)
    assert {s for s, r in rows.items() if r.late} == {s.student_id for s in demo.students if s.late}


@pytest.mark.pipeline
def test_exported_grades_match_the_expected_points(demo):
    with open(demo.grades_csv, newline="") as handle:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    for student in demo.students:
        if not student.broken:
            assert exported[student.student_id] == pytest.approx(student.expected_total)


@pytest.mark.pipeline
def test_feedback_never_shows_hidden_tests(demo):
    hidden = []
    for cell in SOURCE.cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL):
            hidden += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
    assert hidden
    pages = sorted(demo.feedback_dir.glob(f"*/{NAME}/*.html"))
    assert len(pages) == 38
    for page in pages:
        text = page.read_text()
        assert "Your results" in text
        leaked = [line for line in hidden if line in text or line.replace('"', "&quot;") in text]
        assert not leaked, (page, leaked)


@pytest.mark.pipeline
def test_class_report_and_tables_are_written(demo):
    text = demo.report_html.read_text()
    assert "Score distribution" in text and "Most common failure messages" in text
    assert not re.findall(r"<script[^>]*src=", text), "the report works offline"
    with open(demo.report_csvs[0], newline="") as handle:
        questions = {row["question"]: row for row in csv.DictReader(handle)}
    assert set(questions) == {"q1_variance_share", "q2_alliance_d", "q3_stronger_share",
                              "q4_trial_odds_ratio", "q5_correlation_meaning", "q6_explain_to_colleague"}
    graded = [s for s in demo.students if not s.broken]
    share_right = sum(s.right["variance_share"] for s in graded) / len(graded)
    assert float(questions["q1_variance_share"]["difficulty"]) == pytest.approx(share_right)
