"""Class analytics of one assignment: score distribution, question difficulty and discrimination, common failure
messages, manual-grading progress and late submissions, as a self-contained HTML report and CSV tables.

The statistics are plain functions of a students-by-questions table of points (unit-tested with hand-computed
examples); :func:`class_scores` reads that table from the gradebook and the autograded notebooks (reading files,
never running them). The report embeds plotly's JavaScript, so it opens offline.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from helpcourse.figures.core import PALETTE, base_layout
from helpcourse.instructor.autograde import is_graded
from helpcourse.instructor.course import CourseRoot
from helpcourse.instructor.feedback import test_failure_message

__all__ = [
    "ClassScores",
    "class_scores",
    "common_failures",
    "difficulty",
    "discrimination",
    "manual_progress",
    "question_table",
    "score_distribution",
    "write_class_report",
]


def difficulty(points: pd.DataFrame, max_points: pd.Series) -> pd.Series:
    """Difficulty index of each question: the mean proportion of its points that students earned.

    Parameters
    ----------
    points
        Points earned, one row per student and one column per question (NaN rows are left out per question).
    max_points
        Points available per question (index: the question columns).

    Returns
    -------
    pandas.Series
        Between 0 (nobody earned a point) and 1 (everyone earned every point), per question.
    """
    return (points / max_points).mean(axis=0, skipna=True)


def discrimination(points: pd.DataFrame) -> pd.Series:
    """Item-rest correlation of each question: Pearson's r between its points and the rest of the total.

    The rest score leaves the question itself out, so a question does not correlate with itself. NaN when the
    question's points or the rest scores do not vary (the correlation is undefined).

    Parameters
    ----------
    points
        Points earned, one row per student and one column per question.

    Returns
    -------
    pandas.Series
        Correlation per question (-1 to 1); higher means the question separates stronger and weaker students.
    """
    complete = points.dropna(axis=0, how="any")
    total = complete.sum(axis=1)
    out = {}
    for question in complete.columns:
        item = complete[question].astype(float)
        rest = (total - item).astype(float)
        if len(item) < 3 or item.std(ddof=0) == 0 or rest.std(ddof=0) == 0:
            out[question] = float("nan")
        else:
            out[question] = float(np.corrcoef(item, rest)[0, 1])
    return pd.Series(out, dtype=float)


def score_distribution(totals: Iterable[float], max_score: float, width: float = 1.0) -> pd.DataFrame:
    """How many students scored in each band of ``width`` points, from 0 to the maximum.

    Returns
    -------
    pandas.DataFrame
        Columns ``low``, ``high`` (the band is ``low <= score < high``; the last band includes the maximum) and
        ``students``.
    """
    values = np.asarray([t for t in totals if t is not None and not np.isnan(t)], dtype=float)
    edges = np.arange(0.0, max_score + width, width)
    if edges[-1] < max_score:
        edges = np.append(edges, max_score)
    if len(edges) < 2:
        edges = np.array([0.0, max(max_score, width)])
    counts, _ = np.histogram(values, bins=edges)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "students": counts})


def common_failures(messages: Iterable[tuple[str, str]], top: int = 10) -> pd.DataFrame:
    """The most frequent failure messages, per question.

    Parameters
    ----------
    messages
        ``(question, message)`` pairs, one per failed check.
    top
        How many to keep.

    Returns
    -------
    pandas.DataFrame
        Columns ``question``, ``message``, ``students``, most frequent first (ties by question, then message).
    """
    counts = Counter(messages)
    rows = [{"question": q, "message": m, "students": n} for (q, m), n in counts.items()]
    frame = pd.DataFrame(rows, columns=["question", "message", "students"])
    return frame.sort_values(["students", "question", "message"], ascending=[False, True, True]).head(top)\
        .reset_index(drop=True)


def manual_progress(needs_manual: Iterable[bool]) -> dict[str, int]:
    """How many graded submissions still wait for a person, and how many are done."""
    flags = [bool(x) for x in needs_manual]
    return {"waiting": sum(flags), "done": len(flags) - sum(flags), "total": len(flags)}


@dataclass
class ClassScores:
    """An assignment's grades as tables."""

    assignment: str
    points: pd.DataFrame  # students x questions
    max_points: pd.Series
    students: pd.DataFrame  # per student: total, max, late, seconds_late, needs_manual, graded
    failures: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # question -> "auto" | "manual"
    waiting: dict[str, int] = field(default_factory=dict)  # question -> answers still waiting for a person


def class_scores(course: CourseRoot, assignment: str) -> ClassScores:
    """Read an assignment's grades from the gradebook and the failure messages from the autograded notebooks."""
    from nbgrader.api import Gradebook

    rows, student_rows, failures, kinds, maxima, waiting = {}, [], [], {}, {}, Counter()
    with Gradebook(course.db_url, course.course_id) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            student = submission.student_id
            graded = is_graded(course, assignment, student)
            if graded:
                rows[student] = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows[student][grade.name] = grade.score
                        maxima[grade.name] = grade.max_score
                        kinds[grade.name] = "auto" if grade.cell.cell_type == "code" else "manual"
                        waiting[grade.name] += bool(grade.needs_manual_grade)
            student_rows.append({
                "student_id": student, "graded": graded,
                "score": submission.score if graded else np.nan,
                "max_score": submission.max_score,
                "late": bool((submission.total_seconds_late or 0) > 0),
                "seconds_late": float(submission.total_seconds_late or 0.0),
                "needs_manual": bool(submission.needs_manual_grade) if graded else False,
            })
    for student in rows:
        for path in sorted(course.autograded(assignment, student).glob("*.ipynb")):
            try:
                nb = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            for cell in nb.get("cells", []):
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
                    message = test_failure_message(cell.get("outputs", []))
                    if message:
                        failures.append((meta.get("grade_id", "?"), message))
    order = list(maxima)
    points = pd.DataFrame.from_dict(rows, orient="index", columns=order).sort_index()
    students = pd.DataFrame(student_rows, columns=["student_id", "graded", "score", "max_score", "late",
                                                   "seconds_late", "needs_manual"]).sort_values("student_id")
    return ClassScores(assignment, points, pd.Series(maxima, dtype=float)[order] if order else pd.Series(dtype=float),
                       students.reset_index(drop=True), failures, kinds, dict(waiting))


def question_table(scores: ClassScores) -> pd.DataFrame:
    """Per question: kind, points, students graded, mean points, difficulty, discrimination, failed checks and
    answers still waiting for a person."""
    points = scores.points
    table = pd.DataFrame({
        "question": points.columns,
        "kind": [scores.kinds.get(q, "") for q in points.columns],
        "max_points": scores.max_points.values,
        "students": points.notna().sum(axis=0).values,
        "mean_points": points.mean(axis=0).values,
        "difficulty": difficulty(points, scores.max_points).values,
        "discrimination": discrimination(points).reindex(points.columns).values,
    })
    failed = Counter(q for q, _ in scores.failures)
    table["failed_checks"] = [failed.get(q, 0) for q in points.columns]
    table["waiting_for_person"] = [scores.waiting.get(q, 0) for q in points.columns]
    return table


def _figure_html(fig: go.Figure, first: bool, alt: str) -> str:
    body = fig.to_html(full_html=False, include_plotlyjs=bool(first), config={"displaylogo": False})
    return f'<figure>{body}<figcaption class="alt">{html.escape(alt)}</figcaption></figure>'


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.2f}", border=0, classes="data", na_rep="–")


def write_class_report(course: CourseRoot, assignment: str, out_dir: Path | None = None) -> tuple[Path, list[Path]]:
    """Write ``report.html`` (self-contained, offline) and the CSV tables of one assignment.

    Returns
    -------
    tuple
        The HTML path and the CSV paths (questions, students, failure messages).
    """
    out = Path(out_dir or course.reports(assignment))
    out.mkdir(parents=True, exist_ok=True)
    scores = class_scores(course, assignment)
    questions = question_table(scores)
    students = scores.students.copy()
    wide = scores.points.add_prefix("points_").reset_index(names="student_id")
    students = students.merge(wide, on="student_id", how="left")
    failures = common_failures(scores.failures, top=15)
    max_score = float(scores.max_points.sum()) if len(scores.max_points) else 0.0
    graded = students[students["graded"]]
    distribution = score_distribution(graded["score"], max_score)
    progress = manual_progress(graded["needs_manual"])
    late = students[students["late"]][["student_id", "seconds_late", "score"]].copy()
    late["hours_late"] = late.pop("seconds_late") / 3600

    csvs = [out / f"{assignment}_questions.csv", out / f"{assignment}_students.csv", out / f"{assignment}_failures.csv"]
    questions.to_csv(csvs[0], index=False)
    students.to_csv(csvs[1], index=False)
    failures.to_csv(csvs[2], index=False)

    labels = [f"{row.low:g}–{row.high:g}" for row in distribution.itertuples()]
    dist_fig = go.Figure(go.Bar(x=labels, y=distribution["students"], marker_color=PALETTE["blue"],
                                text=distribution["students"], textposition="outside", name="students"))
    base_layout(dist_fig, f"Total scores of {len(graded)} graded submissions (out of {max_score:g})", height=380)
    dist_fig.update_layout(xaxis_title="points", yaxis_title="students", showlegend=False)
    mean = graded["score"].mean() if len(graded) else float("nan")
    dist_alt = (f"Bar chart of total scores. {len(graded)} submissions were graded; the mean is {mean:.1f} of "
                f"{max_score:g} points; the most common band is {labels[int(np.argmax(distribution['students']))]}."
                if len(graded) else "No graded submissions yet.")

    q_fig = go.Figure()
    q_fig.add_trace(go.Bar(y=questions["question"], x=questions["difficulty"], orientation="h", name="difficulty "
                           "(mean share of points)", marker={"color": PALETTE["blue"]}))
    q_fig.add_trace(go.Bar(y=questions["question"], x=questions["discrimination"], orientation="h",
                           name="discrimination (item-rest r)",
                           marker={"color": PALETTE["orange"], "pattern": {"shape": "/"}}))
    base_layout(q_fig, "Questions: how easy, and how well they separate students", height=120 + 45 * len(questions))
    q_fig.update_layout(barmode="group", xaxis={"range": [-0.5, 1.05], "title": "value"},
                        yaxis={"autorange": "reversed"})
    hardest = questions.sort_values("difficulty").iloc[0] if len(questions) else None
    q_alt = ("Grouped horizontal bars per question: solid blue is difficulty (share of points earned), hatched "
             "orange is discrimination. " + (f"The hardest question is {hardest.question} "
                                              f"({hardest.difficulty:.0%} of points earned)." if hardest is not None
                                              else ""))

    m_fig = go.Figure(go.Bar(x=["nothing left for a person", "waiting for a person"],
                             y=[progress["done"], progress["waiting"]],
                             marker={"color": [PALETTE["green"], PALETTE["vermillion"]],
                                     "pattern": {"shape": ["", "x"]}},
                             text=[progress["done"], progress["waiting"]], textposition="outside"))
    base_layout(m_fig, "Manual grading progress", height=320)
    m_fig.update_layout(yaxis_title="submissions", showlegend=False)
    m_alt = (f"{progress['done']} of {progress['total']} graded submissions need no more manual grading; "
             f"{progress['waiting']} wait for a person.")

    failed_count = int((~students["graded"]).sum())
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Class report: {html.escape(assignment)}</title>",
        "<style>body{font-family:Arial,Helvetica,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}"
        "table.data{border-collapse:collapse;margin:1em 0}table.data td,table.data th{border-bottom:1px solid #ccc;"
        "padding:4px 10px;text-align:left}.alt{color:#333;font-size:0.95em;margin:0.3em 0 1.5em}</style>",
        "</head><body>",
        f"<h1>Class report: {html.escape(assignment)}</h1>",
        f"<p>{len(students)} submissions; {len(graded)} graded, {failed_count} without a grade, "
        f"{int(students['late'].sum())} late; {progress['waiting']} waiting for manual grading.</p>",
        "<h2>Score distribution</h2>", _figure_html(dist_fig, True, dist_alt),
        "<h2>Questions</h2>", _figure_html(q_fig, False, q_alt),
        "<p>Difficulty is the mean proportion of the question's points earned (1 = everyone right). "
        "Discrimination is the correlation between the question's points and the rest of the total; "
        "near zero or negative means the question does not separate stronger from weaker work (check its wording "
        "or its test).</p>", _table_html(questions),
        "<h2>Most common failure messages</h2>",
        _table_html(failures) if len(failures) else "<p>No check failed.</p>",
        "<h2>Manual grading</h2>", _figure_html(m_fig, False, m_alt),
        "<h2>Late submissions</h2>",
        _table_html(late) if len(late) else "<p>No late submission.</p>",
        "</body></html>",
    ]
    html_path = out / "report.html"
    html_path.write_text("\n".join(parts))
    return html_path, csvs
