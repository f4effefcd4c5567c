"""``helpcourse-grade`` on a small real course: parallel autograde, time limit, failures, safe re-runs, feedback.

A small exercise with two questions (visible check + hidden test), a plotly figure and a FigureWidget is graded
with the real nbgrader commands under the course's own ``grading/nbgrader_config.py``, in a temporary course root.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from helpcourse.instructor import cli
from helpcourse.instructor.course import load_course_root, run_nbgrader
from helpcourse.instructor.staticplots import figure_from_repr, figure_to_svg

REPO = Path(__file__).resolve().parents[1]
NAME = "demo_plots"
pytestmark = pytest.mark.pipeline
HIDDEN_EXPECTED = "42.125"


def _cell(kind: str, cid: str, source: str, grade_id: str, *, grade=False, solution=False, locked=True, points=0):
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source, id=cid)
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def exercise_source() -> nbformat.NotebookNode:
    """A small source exercise: two graded questions, a written answer, a plotly figure and a FigureWidget."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        _cell("markdown", "header", "# A small exercise", "header"),
        _cell("code", "setup", "import math\nimport plotly.graph_objects as go", "setup"),
        _cell("markdown", "q1_prompt", "## Question 1 (2 points): the number\n\nGive the number.", "q1_prompt"),
        _cell("code", "q1_answer", "answer = ...\n### BEGIN SOLUTION\nanswer = 42.125\n### END SOLUTION",
              "q1_answer", solution=True, locked=False),
        _cell("code", "q1_tests",
              'assert answer is not ..., "You have not answered yet: replace the ... after `answer =`."\n'
              "### BEGIN HIDDEN TESTS\n"
              f'assert math.isclose(float(answer), {HIDDEN_EXPECTED}), "answer is not the number asked for."\n'
              "### END HIDDEN TESTS", "q1_number", grade=True, points=2),
        _cell("markdown", "q2_prompt", "## Question 2 (1 point): the word\n\nGive the word.", "q2_prompt"),
        _cell("code", "q2_answer", 'second = ...\n### BEGIN SOLUTION\nsecond = "secretword"\n### END SOLUTION',
              "q2_answer", solution=True, locked=False),
        _cell("code", "q2_tests",
              'assert isinstance(second, str), "second should be a word in quotes."\n'
              "### BEGIN HIDDEN TESTS\n"
              'assert second.strip().lower() == "secretword", "That is not the word."\n'
              "### END HIDDEN TESTS", "q2_word", grade=True, points=1),
        _cell("code", "figure",
              'fig = go.Figure(go.Bar(x=["stronger", "weaker"], y=[0.59, 0.41], name="recovered"))\n'
              'fig.update_layout(title="Recovery by alliance half")\nfig', "figure"),
        _cell("code", "widget",
              'go.FigureWidget(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], mode="markers", name="clients"),\n'
              '                layout={"title": "Clients over sessions"})', "widget"),
        _cell("markdown", "q3_answer", "YOUR ANSWER HERE", "q3_written", grade=True, solution=True, locked=False,
              points=1),
    ]
    return nb


def answered(release: nbformat.NotebookNode, answers: dict[str, str], written: str = "") -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        if written and cell.source == "YOUR ANSWER HERE":
            cell.source = written
        for name, value in answers.items():
            cell.source = re.sub(rf"^{name} = \.\.\.$", lambda _m, n=name, v=value: f"{n} = {v}", cell.source,
                                 flags=re.MULTILINE)
    return nb


def submit(grading: Path, student: str, nb: nbformat.NotebookNode | str, stamp: str) -> None:
    folder = grading / "submitted" / student / NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    text = nb if isinstance(nb, str) else nbformat.writes(nb)
    (folder / f"{NAME}.ipynb").write_text(text)
    (folder / "timestamp.txt").write_text(stamp)


SLOW = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)\nanswer"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course root after one run of ``helpcourse-grade`` on five submissions."""
    root = tmp_path_factory.mktemp("grade")
    grading = root / "grading"
    grading.mkdir()
    shutil.copy(REPO / "grading" / "nbgrader_config.py", grading)
    exercise = root / "course" / "exercises" / NAME
    exercise.mkdir(parents=True)
    nbformat.write(exercise_source(), exercise / f"{NAME}.ipynb")
    course = load_course_root(grading)
    assert run_nbgrader(course, "generate_assignment", NAME, "--force").returncode == 0
    (grading / "roster.csv").write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Test,{s.title()},\n" for s in ("right", "wrong", "slow", "broken")))
    assert run_nbgrader(course, "db", "student", "import", "roster.csv").returncode == 0
    release = nbformat.read(grading / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    stamp = "2026-11-20 10:00:00.000000 UTC"
    submit(grading, "right", answered(release, {"answer": "42.125", "second": '"secretword"'}, "My own words."), stamp)
    submit(grading, "wrong", answered(release, {"answer": "41", "second": "3"}), stamp)
    submit(grading, "slow", answered(release, {"answer": f"1\n{SLOW}"}), stamp)
    submit(grading, "broken", nbformat.writes(release)[:500], stamp)
    submit(grading, "stranger", answered(release, {"answer": "42.125"}), stamp)
    return {"root": root, "grading": grading, "course": course, "release": release}


def run_cli(*args: str) -> tuple[int, str]:
    """Run ``helpcourse-grade`` in this process; its exit code and printed summary."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(list(args))
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def first_run(graded):
    code, out = run_cli(NAME, "--course-root", str(graded["grading"]), "--timeout", "25", "--quiet", "--report")
    return {"code": code, "out": out}


def _feedback(graded, student: str) -> str:
    return (graded["grading"] / "feedback" / student / NAME / f"{NAME}.html").read_text()


def _score(graded, student: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(graded["course"].db_url, graded["course"].course_id) as gb:
        return gb.find_submission(NAME, student).score


def test_every_good_submission_is_graded_and_bad_ones_are_reported(graded, first_run):
    out = first_run["out"]
    assert first_run["code"] == 1, "some submissions failed, so the command says so"
    assert _score(graded, "right") == 3.0 and _score(graded, "wrong") == 0.0
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and len(line.split()) > 2}
    assert "not valid JSON" in lines["broken"]
    assert "not in the gradebook" in lines["stranger"]
    assert "25 s limit" in lines["slow"]
    assert re.search(r"graded now\s+2\b", out) and re.search(r"failed, no grade\s+3\b", out)
    assert re.search(r"needing manual grading\s+1\b", out), "the written answer of `right` waits for a person"


def test_timed_out_submission_leaves_no_process_behind(graded, first_run):
    slow_dir = str(graded["grading"] / "autograded" / "slow")
    left = []
    for proc in psutil.process_iter(["cwd"]):
        if (proc.info.get("cwd") or "").startswith(slow_dir):
            left.append(proc.pid)
    assert not left, f"processes of the timed-out submission still run: {left}"


def test_feedback_shows_points_and_messages_but_no_hidden_test(graded, first_run):
    html = _feedback(graded, "wrong")
    assert "Your results" in html
    assert "0 / 2" in html and "0 / 1" in html
    assert "answer is not the number asked for." in html, "the hidden test's message is kept"
    assert "second should be a word in quotes." in html, "the visible check's message is kept"
    assert "answer</span> <span class=\"o\">=</span> <span class=\"mi\">41" in html, "the student's own code stays"
    for secret in (HIDDEN_EXPECTED, "secretword", "math.isclose", "HIDDEN TESTS"):
        assert secret not in html, f"feedback reveals {secret!r}"
    assert "Traceback (most recent" not in html and "----&gt;" not in html, "no traceback of a test cell"


def test_feedback_plots_are_static_svg_without_cdn_scripts(graded, first_run):
    html = _feedback(graded, "right")
    images = re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,([^"]+)"', html)
    svgs = [base64.b64decode(data).decode() for data in images]
    titles = [re.search(r"<title>(.*?)</title>", s).group(1) for s in svgs if "<title>" in s]
    assert "Recovery by alliance half" in titles, "the plotly figure is drawn"
    assert "Clients over sessions" in titles, "the FigureWidget is drawn"
    assert "Figure: Recovery by alliance half: recovered (2 bars)." in html, "each picture has a text alternative"
    assert "waiting for a person to grade it" in html, "the written answer is not graded yet"
    heights = [float(h) for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="#0072B2"',
                                            "".join(svgs))]
    bars = sorted(h for h in heights if h > 20)  # the legend's swatch is 10 px high
    assert len(bars) == 2 and bars[1] / bars[0] == pytest.approx(0.59 / 0.41, rel=0.01), "bars of 0.59 and 0.41"
    assert "vnd.plotly" not in html and "widget-view" not in html
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    assert all("mathjax" in s for s in scripts), f"only MathJax may load from outside: {scripts}"
    assert "plotly" not in " ".join(scripts) and "jupyter-widgets" not in html


def test_rerun_keeps_a_good_grade_when_the_new_attempt_fails(graded, first_run):
    grading = graded["grading"]
    before = (grading / "autograded" / "right" / NAME / f"{NAME}.ipynb").read_text()
    submit(grading, "right", "{ not a notebook", "2026-11-21 09:00:00.000000 UTC")
    code, out = run_cli(NAME, "--course-root", str(grading), "--timeout", "25", "--quiet", "--no-feedback")
    assert code == 1
    assert re.search(r"right\s+kept previous\s+notebook file is not valid JSON", out), out
    assert re.search(r"unchanged \(graded before\)\s+1\b", out), "the unchanged submission was not regraded"
    assert _score(graded, "right") == 3.0
    assert (grading / "autograded" / "right" / NAME / f"{NAME}.ipynb").read_text() == before
    assert "Score: 3.0 / 4.0" in _feedback(graded, "right"), "the earlier feedback is still there"


def test_plain_nbgrader_still_works_on_the_same_gradebook(graded, first_run):
    done = run_nbgrader(graded["course"], "export", "--to", "plain.csv")
    assert done.returncode == 0, done.stderr
    rows = (graded["grading"] / "plain.csv").read_text().splitlines()
    assert any(row.split(",")[3] == "wrong" for row in rows[1:])


def test_class_report_is_self_contained(graded, first_run):
    report = graded["grading"] / "reports" / NAME / "report.html"
    text = report.read_text()
    assert "plotly" in text.lower() and len(text) > 1_000_000, "plotly.js is embedded"
    assert not re.findall(r"<script[^>]*src=", text), "no script is loaded from elsewhere"
    questions = (graded["grading"] / "reports" / NAME / f"{NAME}_questions.csv").read_text()
    assert "q1_number" in questions and "difficulty" in questions


def test_console_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "helpcourse.instructor.cli", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and "--course-root" in done.stdout


def test_svg_of_a_figure_with_typed_arrays():
    import numpy as np
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=np.arange(5), y=np.arange(5) ** 2, mode="lines+markers", name="squares",
                               line={"dash": "dash"}, marker={"symbol": "square"}))
    as_json = json.loads(fig.to_json())
    assert "bdata" in json.dumps(as_json["data"][0]["y"]), "plotly sends numpy arrays as typed arrays"
    svg = figure_to_svg(as_json)
    assert svg.startswith("<svg") and svg.count("<rect x=") >= 5 + 1, "five square markers and the legend"
    assert 'stroke-dasharray="8,4"' in svg and ">15<" in svg, "dashed line, ticks up to 15"


def test_figure_from_widget_text():
    import plotly.graph_objects as go

    text = repr(go.FigureWidget(go.Bar(x=["a", "b"], y=[1, 2])))
    assert figure_from_repr(text)["data"][0]["y"] == [1, 2]
    assert figure_from_repr("FigureWidget({'data': [{'x': ('AAA' ... 'BBB')}]})") is None
