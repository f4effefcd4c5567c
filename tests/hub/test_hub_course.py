"""The whole course cycle through a real JupyterHub, then 30 students at once (``make test-hub``, as root).

Integration: the instructor releases ps01 through the shared exchange; three students fetch it, answer it in their
own servers (contents API) and submit it, all through the hub's proxy; an account outside the course cannot fetch
it; one student cannot read another's home, the exchange's inbound folder or another's submission; the instructor
collects, autogrades in the sandbox against the PostgreSQL gradebook and releases feedback; each student fetches
their own feedback only. Load: 30 students fetch and submit at the same moment; every submission is collected and
graded (two parallel workers, PostgreSQL). Timings are printed (``pytest -s``) and written to ``bench/results/``.
"""

from __future__ import annotations

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from hub_harness import ASSIGNMENT, CLASS_SIZE, CYCLE_STUDENTS, REPO, Hub, grading_env, record_time

from helpcourse.hub.provision import COURSE_ID
from helpcourse.instructor.democlass import ANSWER_BANK, questions_of, simulate_class
from helpcourse.sandbox.report import METADATA_KEY

pytestmark = pytest.mark.hub
SOURCE = nbformat.read(REPO / "course" / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
NOTEBOOK_PATH = f"{COURSE_ID}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"


def _answered(notebook: dict, answers: dict[str, str]) -> dict:
    """The released notebook with ``name = ...`` lines completed as a student would type them."""
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for name, value in answers.items():
            source = re.sub(rf"^{name} = \.\.\.$", lambda _m, n=name, v=value: f"{n} = {v}", source,
                            flags=re.MULTILINE)
        cell["source"] = source
    return notebook


def _fetch_answer_submit(hub: Hub, user: str, token: str, answers: dict[str, str]) -> dict:
    """One student's work through the hub: fetch, open, answer, save, submit; returns the submit reply."""
    data = {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}
    fetched = hub.user_request(user, token, "POST", "assignments/fetch", data=data)
    assert fetched.status_code == 200, f"{user} fetch: {fetched.status_code} {fetched.text[:300]}"
    opened = hub.user_request(user, token, "GET", f"api/contents/{NOTEBOOK_PATH}?content=1")
    assert opened.status_code == 200, f"{user} open: {opened.status_code} {opened.text[:300]}"
    notebook = _answered(opened.json()["content"], answers)
    saved = hub.user_request(user, token, "PUT", f"api/contents/{NOTEBOOK_PATH}",
                             json={"type": "notebook", "format": "json", "content": notebook})
    assert saved.status_code == 200, f"{user} save: {saved.status_code} {saved.text[:300]}"
    submitted = hub.user_request(user, token, "POST", "assignments/submit", data=data)
    assert submitted.status_code == 200, f"{user} submit: {submitted.status_code} {submitted.text[:300]}"
    return submitted.json()


def _as_user(user: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet as a local account (the way a student's terminal would)."""
    return subprocess.run(["runuser", "-u", user, "--", "/usr/bin/python3", "-c", code], capture_output=True,
                          text=True, timeout=60, cwd="/")


def _auto_scores(db_url: str) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(db_url, COURSE_ID) as gb:
        for student in gb.students:
            try:
                submission = gb.find_submission(ASSIGNMENT, student.id)
            except MissingEntry:
                continue
            scores[student.id] = float(sum(g.auto_score or 0.0 for nb in submission.notebooks for g in nb.grades))
    return scores


def _grade_class(hub: Hub, workers: int, label: str) -> subprocess.CompletedProcess[str]:
    """``helpcourse-grade``: collect, sandboxed autograde in parallel (new submissions), feedback, export.

    The command's own timing line (``time: collect 1 s, autograde 40 s, ...``) is recorded step by step.
    """
    done = subprocess.run(
        [str(hub.prefix / "bin" / "python"), "-m", "helpcourse.instructor.cli", ASSIGNMENT, "--course-root",
         str(hub.course_root), "--workers", str(workers), "--quiet"],
        env=grading_env(hub.prefix), capture_output=True, text=True, timeout=1800,
    )
    line = re.search(r"^\s*time: (.*)$", done.stdout, re.MULTILINE)
    for step, seconds in re.findall(r"(\w[\w ]*?) (\d+) s", line.group(1) if line else ""):
        record_time(f"{label}: {step} (helpcourse-grade)", float(seconds))
    return done


def _roster(hub: Hub) -> None:
    roster = hub.course_root / "roster.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Student,{i},{s}@example.org\n" for i, s in enumerate(hub.students, start=1)))
    done = hub.nbgrader("db", "student", "import", str(roster))
    assert done.returncode == 0, done.stdout + done.stderr


def test_course_cycle_through_the_hub(hub: Hub, postgres):
    questions = questions_of(SOURCE)
    bank = ANSWER_BANK[ASSIGNMENT]
    right = {q.name: bank[q.name]["right"][0] if q.name in bank else q.solution.split("=", 1)[-1].strip()
             for q in questions}
    full_marks = sum(q.points for q in questions)
    alice, bob, carol = hub.students[:CYCLE_STUDENTS]
    answers = {alice: right, bob: {q.name: "0" for q in questions}, carol: {}}
    expected = {alice: full_marks, bob: 0.0, carol: 0.0}

    # The instructor: roster into the PostgreSQL gradebook, generate, release to the shared exchange.
    _roster(hub)
    for step in (("generate_assignment", ASSIGNMENT, "--force"), ("release_assignment", ASSIGNMENT, "--force")):
        done = hub.nbgrader(*step)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    users = [hub.instructor, alice, bob, carol, hub.outsider]
    record_time("servers start (5 at once)", hub.start_servers(users))
    tokens = {user: hub.token_for(user) for user in users}

    # The formgrader service: open for the course's instructor, closed to a student.
    assert hub.user_request(hub.instructor, tokens[hub.instructor], "GET", "api/status").status_code == 200
    import requests

    service = f"{hub.url}/services/{COURSE_ID}/formgrader"
    as_instructor = requests.get(service, headers={"Authorization": f"token {tokens[hub.instructor]}"}, timeout=60)
    as_student = requests.get(service, headers={"Authorization": f"token {tokens[alice]}"}, timeout=60,
                              allow_redirects=False)
    assert as_instructor.status_code == 200 and "formgrader" in as_instructor.text.lower()
    assert as_student.status_code == 403
    # A student's token cannot open another student's server.
    assert hub.user_request(bob, tokens[alice], "GET", "api/status").status_code in (403, 404)

    # The course is installed in each home, and each home is closed to other accounts.
    assert hub.user_request(alice, tokens[alice], "GET", "api/contents/helpers-role-course/course/README.md"
                            ).status_code == 200
    assert _as_user(bob, f"import os; os.listdir(os.path.expanduser('~{alice}'))").returncode != 0

    # Course membership: students see the released exercise, an account outside the course does not.
    listed = hub.user_request(alice, tokens[alice], "GET", f"assignments?course_id={COURSE_ID}").json()
    assert listed["success"] and [a["assignment_id"] for a in listed["value"]] == [ASSIGNMENT]
    hub.user_request(hub.outsider, tokens[hub.outsider], "POST", "assignments/fetch",
                     data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
    assert hub.user_request(hub.outsider, tokens[hub.outsider], "GET", f"api/contents/{NOTEBOOK_PATH}"
                            ).status_code == 404

    began = time.perf_counter()
    for student in (alice, bob, carol):
        reply = _fetch_answer_submit(hub, student, tokens[student], answers[student])
        assert reply.get("success", True), reply
    record_time("3 students fetch, answer, save and submit (one after another)", time.perf_counter() - began)

    # Submissions: the inbound folder cannot be listed, another student's folder cannot be read.
    inbound = hub.exchange / COURSE_ID / "inbound"
    folders = {p.name.split("+")[0]: p for p in inbound.iterdir()}
    assert set(folders) == {alice, bob, carol}
    assert folders[alice].stat().st_uid != 0 and oct(folders[alice].stat().st_mode & 0o777) == "0o700"
    assert _as_user(bob, f"import os; os.listdir({str(inbound)!r})").returncode != 0
    peek = _as_user(bob, f"print(open({str(folders[alice] / (ASSIGNMENT + '.ipynb'))!r}).read()[:10])")
    assert peek.returncode != 0 and "Permission denied" in peek.stderr

    # The instructor: collect, autograde in the sandbox against PostgreSQL, feedback, export; then release it.
    began = time.perf_counter()
    graded = _grade_class(hub, workers=2, label="3 submissions")
    record_time("3 submissions: helpcourse-grade in all (PostgreSQL, 2 workers)", time.perf_counter() - began)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert _auto_scores(postgres.url) == pytest.approx(expected)
    for student in (alice, bob, carol):  # graded in the sandbox, not by the unsafe fallback
        autograded = nbformat.read(hub.course_root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                   as_version=4)
        assert autograded.metadata[METADATA_KEY]["sandbox"] is True
    began = time.perf_counter()
    done = hub.nbgrader("release_feedback", ASSIGNMENT)
    assert done.returncode == 0, done.stdout + done.stderr
    record_time("release_feedback (3)", time.perf_counter() - began)

    began = time.perf_counter()
    pages = {}
    for student in (alice, bob, carol):
        reply = hub.user_request(student, tokens[student], "POST", "assignments/fetch_feedback",
                                 data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert reply.status_code == 200
        folder = f"{COURSE_ID}/{ASSIGNMENT}/feedback"
        stamps = hub.user_request(student, tokens[student], "GET", f"api/contents/{folder}").json()["content"]
        assert len(stamps) == 1, f"{student} sees feedback of {len(stamps)} submissions"
        page = hub.user_request(student, tokens[student], "GET",
                                f"api/contents/{stamps[0]['path']}/{ASSIGNMENT}.html?content=1&format=text")
        assert page.status_code == 200
        pages[student] = page.json()["content"]
    record_time("3 students fetch feedback", time.perf_counter() - began)
    for student in (alice, bob, carol):
        own = (hub.course_root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert pages[student] == own, f"{student} received feedback that is not theirs"
    assert len(set(pages.values())) == 3
    # Feedback in the exchange cannot be listed by students.
    assert _as_user(bob, f"import os; os.listdir({str(hub.exchange / COURSE_ID / 'feedback')!r})").returncode != 0


def test_thirty_students_fetch_and_submit_at_once(hub: Hub, postgres):
    students = hub.students[CYCLE_STUDENTS:]
    assert len(students) == CLASS_SIZE
    simulated = simulate_class(SOURCE, ASSIGNMENT, size=len(students), seed=11)
    answers = {user: ({} if sim.broken else sim.answers) for user, sim in zip(students, simulated, strict=True)}
    expected = {user: (0.0 if sim.broken else sim.expected_auto) for user, sim in zip(students, simulated,
                                                                                       strict=True)}
    if not (hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT).is_dir():  # when run on its own
        _roster(hub)
        for step in (("generate_assignment", ASSIGNMENT, "--force"), ("release_assignment", ASSIGNMENT, "--force")):
            assert hub.nbgrader(*step).returncode == 0
    started = hub.start_servers(students, timeout=600)
    record_time(f"servers start ({len(students)} at once)", started)
    tokens = {user: hub.token_for(user) for user in students}
    inbound = hub.exchange / COURSE_ID / "inbound"
    before = {p.name for p in inbound.iterdir()} if inbound.is_dir() else set()

    def work(user: str) -> dict:
        return _fetch_answer_submit(hub, user, tokens[user], answers[user])

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        replies = list(pool.map(work, students, timeout=600))
    record_time(f"{len(students)} students fetch, answer, save and submit at once", time.perf_counter() - began)
    assert all(reply.get("success", True) for reply in replies)
    new = {p.name.split("+")[0] for p in inbound.iterdir() if p.name not in before}
    assert new == set(students), f"missing submissions: {sorted(set(students) - new)}"

    began = time.perf_counter()
    graded = _grade_class(hub, workers=2, label=f"{len(students)} submissions")
    record_time(f"{len(students)} submissions: helpcourse-grade in all (PostgreSQL, 2 workers)",
                time.perf_counter() - began)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    for user in students:  # the collected copy is the latest submission
        stamp = (hub.course_root / "submitted" / user / ASSIGNMENT / "timestamp.txt").read_text()
        latest = max((p for p in inbound.iterdir() if p.name.startswith(user + "+")), key=lambda p: p.name)
        assert stamp.strip() == latest.name.split("+")[2].strip()
    scores = _auto_scores(postgres.url)
    assert {user: scores.get(user) for user in students} == pytest.approx(expected)
