"""Hostile and broken submissions, graded by the real ``nbgrader autograde`` with the course's configuration.

One temporary course root; the exercise ps01 released with a secret token planted in a hidden test and in an
instructor file; a canary student graded first; then ONE ``nbgrader autograde`` run for every case in
``hostile_cases.py``. Extra runs: feedback and a formgrader rendering of the case with script in its answer, and
a submission graded once with the sandbox unavailable (grading refuses) and once opted out of it.

For every case: the class run completes, the canary's grade does not change, no instructor file is written and
none is read (the token never shows in a student's output), the score is the honest one, and the summary gives
a reason. Short limits (``TEST_CONFIG``) keep the loop cases fast.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from hostile_cases import AUTO_POINTS, NOTEBOOK, Case, Context, cases, correct, write_submission

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.pipeline

TEST_CONFIG = """
# Short limits for the hostile-submission suite: 5 s for the cells that are expected to hang.
c.Execute.timeout = 30
c.Execute.timeout_func = lambda cell: 5 if cell.get("id") == "student-hangs" else 30
c.SandboxedExecute.notebook_time_limit = 150
c.SandboxKernelManager.memory_mb = 3072
c.SandboxKernelManager.processes = 64
c.SandboxKernelManager.cpu_seconds = 120
c.SandboxedExecute.max_output_bytes = 1_000_000
"""
#: Paths nbgrader itself writes during grading (everything else in the course root must stay byte-identical).
NBGRADER_WRITES = ("grading/autograded/", "grading/feedback/", "grading/gradebook.db", "grading/.nbgrader.log")
CASE_NAMES = [case.student for case in cases(Context(Path("/nonexistent"), "", Path("/nonexistent"), 0))]


def nbgrader(course: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course root, as an instructor would."""
    environment = dict(os.environ)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course / "grading", env=environment,
                          capture_output=True, text=True, timeout=1200)


def file_hashes(course: Path) -> dict[str, str]:
    """sha256 of every file in the course root that nbgrader does not write while grading."""
    hashes = {}
    for path in sorted(course.rglob("*")):
        relative = path.relative_to(course).as_posix()
        if path.is_file() and not relative.startswith(NBGRADER_WRITES):
            hashes[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def auto_points(course: Path, student: str) -> float | None:
    """Automatic points of a student's submission (None when it has none)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        try:
            submission = gb.find_submission(NOTEBOOK, student)
        except MissingEntry:
            return None
        return sum(g.auto_score or 0.0 for nb in submission.notebooks for g in nb.grades
                   if g.cell.cell_type == "code")


def student_ids(course: Path) -> set[str]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        return {s.id for s in gb.students}


def log_lines_about(log: str, student: str) -> list[str]:
    """Lines of nbgrader's log that concern one student, with the traceback that follows an error about it."""
    lines, keep = [], False
    for line in log.splitlines():
        if line.startswith("[") and "] Traceback" not in line:
            keep = f"/{student}/" in line or f"'{student}'" in line
        if keep:
            lines.append(line.strip())
    return lines


def failure_reasons(log: str, student: str) -> list[str]:
    """Why nbgrader could not grade a submission: the exception it raised, then its warnings and errors."""
    lines = log_lines_about(log, student)
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b.*:", line)]
    notes = [re.sub(r"^\[\w+ \| (WARNING|ERROR)\] ", "", line) for line in lines
             if "| WARNING]" in line or "| ERROR]" in line]
    return exceptions[-1:] + notes


def probe_lines(notebook: Path) -> list[str]:
    """The ``PROBE ...`` lines the hostile cells printed (what each attack tried and how it ended)."""
    nb = nbformat.read(notebook, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return [line for line in text.splitlines() if line.startswith("PROBE")]


class ActiveContent(HTMLParser):
    """Collects what a browser would run in a page: script elements, event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        for name, value in attrs:
            handler = name.startswith("on") and "alert" in (value or "")  # the page's own handlers do not alert
            if handler or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "xss" in data:
            self.found.append(f"<script>{data.strip()[:80]}")


def active_content(html: str) -> list[str]:
    """Student-made active content in a rendered page (the page's own scripts neither alert nor mention "xss")."""
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


class ConnectionRecorder:
    """A TCP server on the host's loopback that records every connection and every byte it receives."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            connection.settimeout(2)
            try:
                self.received.append(connection.recv(1024) or b"<connected>")
            except OSError:
                self.received.append(b"<connected>")
            connection.close()

    def close(self) -> None:
        self.server.close()


def feedback_page(course: Path, student: str) -> str:
    """The feedback page of one student's notebook."""
    return (course / "grading" / "feedback" / student / NOTEBOOK / f"{NOTEBOOK}.html").read_text(encoding="utf-8")


def formgrade_html(course: Path, student: str) -> str:
    """The autograded notebook rendered as the formgrader renders it for manual grading."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config, PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course / "grading")).load_config()
    extra = Config()
    extra.HTMLExporter.template_name = "formgrade"
    extra.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    config.merge(extra)
    resources = {"assignment_id": NOTEBOOK, "notebook_id": NOTEBOOK, "submission_id": "x", "index": 0, "total": 1,
                 "base_url": "", "student": student, "last_name": "", "first_name": "", "notebook_path": ""}
    path = course / "grading" / "autograded" / student / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    html, _ = HTMLExporter(config=config).from_filename(str(path), resources=resources)
    return html


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """Grade every case in one course root; return what the assertions need."""
    if os.geteuid() != 0:
        pytest.skip("the grading sandbox needs root (see docs/SECURITY.md); CI runs as root")
    course = tmp_path_factory.mktemp("hostile")
    markers = tmp_path_factory.mktemp("markers")
    secret = f"SECRET-{uuid.uuid4().hex}"
    (course / "grading").mkdir()
    config = (REPO / "grading" / "nbgrader_config.py").read_text(encoding="utf-8") + TEST_CONFIG
    (course / "grading" / "nbgrader_config.py").write_text(config, encoding="utf-8")
    (course / "grading" / "instructor_notes.txt").write_text(f"answer key {secret}\n", encoding="utf-8")
    exercise = course / "course" / "exercises" / NOTEBOOK
    shutil.copytree(REPO / "course" / "exercises" / NOTEBOOK, exercise)
    source = nbformat.read(exercise / f"{NOTEBOOK}.ipynb", as_version=4)
    test = next(c for c in source.cells if c.get("id") == "q1_tests")
    test.source = test.source.replace("### END HIDDEN TESTS", f"# {secret}\n### END HIDDEN TESTS")
    nbformat.write(source, exercise / f"{NOTEBOOK}.ipynb")
    generated = nbgrader(course, "generate_assignment", NOTEBOOK, "--force")
    assert generated.returncode == 0, generated.stderr
    release = nbformat.read(course / "grading" / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)

    recorder = ConnectionRecorder()
    ctx = Context(course=course, secret=secret, markers=markers, port=recorder.port)
    all_cases = cases(ctx)
    extra = [Case("canary", "graded before the class run", correct, AUTO_POINTS),
             Case("no_sandbox", "graded with the sandbox unavailable, then opted out", correct, AUTO_POINTS)]
    roster = "id,last_name,first_name\n" + "".join(f"{c.student},Case,Test\n" for c in all_cases + extra)
    (course / "grading" / "roster.csv").write_text(roster, encoding="utf-8")
    imported = nbgrader(course, "db", "student", "import", "roster.csv")
    assert imported.returncode == 0, imported.stderr
    for case in all_cases + extra:
        write_submission(case, release, ctx, course / "grading" / "submitted" / case.student / NOTEBOOK)

    canary_run = nbgrader(course, "autograde", NOTEBOOK, "--student=canary")
    assert canary_run.returncode == 0, canary_run.stderr
    canary_before = auto_points(course, "canary")
    # the sandbox refusal and the opt-out are graded later, on their own
    shutil.move(course / "grading" / "submitted" / "no_sandbox", course / "no_sandbox")
    files_before = file_hashes(course)

    started = time.perf_counter()
    class_run = nbgrader(course, "autograde", NOTEBOOK)
    class_seconds = time.perf_counter() - started
    files_after = file_hashes(course)
    recorder.close()

    shutil.move(course / "no_sandbox", course / "grading" / "submitted" / "no_sandbox")
    refused = nbgrader(course, "autograde", NOTEBOOK, "--student=no_sandbox",
                       "--SandboxKernelManager.bwrap=/nonexistent/bwrap")
    unsafe = nbgrader(course, "autograde", NOTEBOOK, "--student=no_sandbox", "--force",
                      env={"HELPCOURSE_UNSAFE_GRADING": "1"})
    feedback = nbgrader(course, "generate_feedback", NOTEBOOK, "--student=script_in_answer")
    pages = {"nbgrader feedback": feedback_page(course, "script_in_answer"),
             "formgrader": formgrade_html(course, "script_in_answer")}
    try:  # the class command's feedback (static plots, question table), when the course has it
        from helpcourse.instructor.course import load_course_root
        from helpcourse.instructor.feedback import generate_feedback
    except ImportError:
        pass
    else:
        made = generate_feedback(load_course_root(course / "grading"), NOTEBOOK, "script_in_answer")
        assert made.returncode == 0, made.stdout + made.stderr
        pages["class command feedback"] = feedback_page(course, "script_in_answer")

    log = class_run.stdout + class_run.stderr
    results = {}
    for case in all_cases:
        graded_nb = course / "grading" / "autograded" / case.student / NOTEBOOK / f"{NOTEBOOK}.ipynb"
        from helpcourse.sandbox.report import read_findings, submission_reasons

        reasons = submission_reasons(graded_nb) + probe_lines(graded_nb) if graded_nb.exists() \
            else failure_reasons(log, case.student)
        results[case.student] = {
            "case": case, "points": auto_points(course, case.student), "reasons": reasons,
            "notebook": graded_nb if graded_nb.exists() else None,
            "sandbox": read_findings(graded_nb).sandbox if graded_nb.exists() else None,
        }
    print(f"\nclass run: {len(all_cases)} submissions in {class_seconds:.1f} s (exit code {class_run.returncode})")
    print(f"{'student':<24} {'expect':>6} {'got':>6}  reason")
    for student, result in results.items():
        reason = "; ".join(result["reasons"][:3]) or "graded normally, no findings"
        print(f"{student:<24} {result['case'].points:>6g} {result['points'] or 0:>6g}  {reason[:150]}")
    return {
        "course": course, "ctx": ctx, "cases": all_cases, "results": results, "log": log,
        "class_run": class_run, "class_seconds": class_seconds, "canary_before": canary_before,
        "files_before": files_before, "files_after": files_after, "received": recorder.received,
        "refused": refused, "unsafe": unsafe, "feedback": feedback, "pages": pages,
    }


@pytest.mark.parametrize("student", CASE_NAMES)
def test_case_scores_what_an_honest_grader_gives(hostile, student):
    result = hostile["results"][student]
    case = result["case"]
    assert (result["points"] or 0.0) == pytest.approx(case.points), (
        f"{student} ({case.what}): expected {case.points}, got {result['points']}; reasons: {result['reasons']}")


@pytest.mark.parametrize("student", CASE_NAMES)
def test_case_summary_states_a_reason(hostile, student):
    result = hostile["results"][student]
    text = "\n".join(result["reasons"])
    for words in result["case"].reasons:
        assert any(word in text for word in words.split("|")), f"{student}: {words!r} not in {result['reasons']}"
    if result["case"].points < AUTO_POINTS:
        assert result["reasons"], f"{student} lost points without a reason"


@pytest.mark.parametrize("student", CASE_NAMES)
def test_case_ran_in_the_sandbox(hostile, student):
    result = hostile["results"][student]
    assert (result["notebook"] is not None) == result["case"].graded, result["reasons"]
    if result["notebook"] is not None:
        assert result["sandbox"] is True


def test_class_run_completes_and_fails_only_unreadable_submissions(hostile):
    log = hostile["log"]
    failed = {c.student for c in hostile["cases"] if not c.graded}
    for student in failed:
        assert f"for student '{student}'" in log, f"{student} should be reported as failed"
    for case in hostile["cases"]:
        if case.graded:
            assert f"for student '{case.student}'" not in log, log_lines_about(log, case.student)
    assert hostile["class_run"].returncode == 1  # nbgrader exits 1 when any submission failed


def test_other_students_grades_do_not_change(hostile):
    course = hostile["course"]
    assert auto_points(course, "canary") == pytest.approx(hostile["canary_before"]) == pytest.approx(AUTO_POINTS)
    assert "intruder" not in student_ids(course)


def test_no_instructor_file_is_written(hostile):
    before, after = hostile["files_before"], hostile["files_after"]
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    created = sorted(set(after) - set(before))
    assert not changed and not created, f"changed: {changed}; created: {created}"
    assert not list(hostile["course"].rglob("hacked.txt"))
    assert not list(hostile["ctx"].markers.iterdir()), "a submitted file was imported, or a probe wrote on the host"


def test_no_instructor_file_is_read(hostile):
    secret = hostile["ctx"].secret
    for student, result in hostile["results"].items():
        if result["notebook"] is None:
            continue
        nb = nbformat.read(result["notebook"], as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution"):
                continue  # test cells: their source is the instructor's
            assert secret not in str(cell.get("outputs", "")), f"{student} read an instructor file"


def test_no_network_connection_reached_the_host(hostile):
    assert hostile["received"] == []


def test_kernel_ran_as_its_own_unprivileged_user(hostile):
    nb = nbformat.read(hostile["results"]["changed_kernelspec"]["notebook"], as_version=4)
    text = next(str(c.outputs) for c in nb.cells if c.get("id") == "student-extra")
    uid = int(text.split("PROBE kernel uid")[1].split()[0])
    assert uid >= 1_000_000


def test_feedback_and_formgrader_show_no_active_content(hostile):
    assert hostile["feedback"].returncode == 0, hostile["feedback"].stderr
    for page, html in hostile["pages"].items():
        assert "xss-markdown" in html, f"{page}: the written answer is no longer shown (as text)"
        assert active_content(html) == [], page


def test_grading_refuses_without_the_sandbox_unless_opted_out(hostile):
    refused = hostile["refused"]
    assert refused.returncode != 0
    assert "grading refused" in refused.stdout + refused.stderr
    assert "HELPCOURSE_UNSAFE_GRADING=1" in refused.stdout + refused.stderr
    unsafe = hostile["unsafe"]
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    course = hostile["course"]
    assert auto_points(course, "no_sandbox") == pytest.approx(AUTO_POINTS)
    from helpcourse.sandbox.report import read_findings

    findings = read_findings(course / "grading" / "autograded" / "no_sandbox" / NOTEBOOK / f"{NOTEBOOK}.ipynb")
    assert findings.sandbox is False and "unsafe" in findings.kinds()
