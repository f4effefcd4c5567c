"""The course inside the LMS, through a real JupyterHub (``make test-hub``, as root): LTI 1.3 launch and grades back.

The session's hub (conftest.py) logs people in by LTI 1.3 launch from the test platform (lti_platform.py) on
127.0.0.1. An instructor and three students launch: accounts, servers with the course, groups from the LMS's roles
and the gradebook's roster all come from the launch (nobody is imported by hand). Forged, expired, misaddressed,
replayed and foreign launches are refused with a log line and no account. The students then fetch, answer and
submit ps01; the instructor grades in the sandbox and publishes to the platform's gradebook (AGS) with
``helpcourse-grade publish``: pending until written answers are graded, exact final scores after, nothing on a
second run, only the change after a regrade, and a failing platform retried on the next run.
"""

from __future__ import annotations

import os
import pwd
import re
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hub_harness import ASSIGNMENT, Hub, grading_env, record_time
from lti_platform import auth_request_query, login_initiation
from test_hub_course import SOURCE, _grade_class

from helpcourse.hub.provision import COURSE_ID
from helpcourse.instructor.democlass import ANSWER_BANK, questions_of

pytestmark = pytest.mark.hub
LAUNCHERS = ("teacher", "s1", "s2", "s3")


def _begin(hub: Hub, lti, who: str, session: requests.Session) -> dict[str, str]:
    """Steps 1-2 of a launch: the LMS posts login initiation; the hub redirects to the platform's OIDC endpoint."""
    form = login_initiation(lti.platform, lti.people[who], f"{hub.url}/hub/spawn")
    reply = session.post(f"{hub.url}/hub/lti13/oauth_login", data=form, allow_redirects=False, timeout=60)
    assert reply.status_code == 302, reply.text[:300]
    location = reply.headers["Location"]
    assert location.startswith(f"{lti.platform.url}/auth?")
    return auth_request_query(location)


def launch(hub: Hub, lti, who: str, session: requests.Session | None = None, **override):
    """A whole launch as a browser does it; returns (session, reply to the id_token POST)."""
    session = session or requests.Session()
    query = _begin(hub, lti, who, session)
    if override:  # a forged or altered id_token, built by the platform's own code
        target, fields = lti.platform.launch_form(query, **override)
    else:  # the platform's real OIDC endpoint answers with its auto-submitting form
        page = session.get(f"{lti.platform.url}/auth", params=query, timeout=60)
        assert page.status_code == 200
        target = re.search(r'action="([^"]+)"', page.text).group(1)
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    return session, session.post(target, data=fields, allow_redirects=False, timeout=120)


def _wait_ready(hub: Hub, name: str, timeout: float = 150) -> None:
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        model = hub.api("GET", f"/users/{name}").json()
        if model.get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.25)
    about = [line for line in _log(hub).splitlines() if name in line or "Traceback" in line or "[E " in line]
    raise AssertionError(f"{name}'s server not ready after {timeout:.0f} s:\n" + "\n".join(about[-25:]))


def _launch_to_server(hub: Hub, lti, who: str) -> tuple[requests.Session, float]:
    """Launch, follow the hub to the spawn, wait for the server; seconds from the LMS's first POST."""
    began = time.perf_counter()
    session, reply = launch(hub, lti, who)
    assert reply.status_code == 302, f"{who}: {reply.status_code} {reply.text[:300]}"
    assert reply.headers["Location"].endswith("/hub/spawn")
    session.get(f"{hub.url}{reply.headers['Location']}", timeout=120, allow_redirects=False)
    _wait_ready(hub, lti.name(who))
    return session, time.perf_counter() - began


def _log(hub: Hub) -> str:
    return (hub.course_root.parent / "jupyterhub.log").read_text()


def test_launches_make_accounts_groups_servers_and_the_roster(hub: Hub, lti, postgres):
    from nbgrader.api import Gradebook

    with ThreadPoolExecutor(max_workers=len(LAUNCHERS)) as pool:
        results = dict(zip(LAUNCHERS, pool.map(lambda who: _launch_to_server(hub, lti, who), LAUNCHERS),
                           strict=True))
    record_time("LTI launch POST to running server, first launch (cold; 4 at once), slowest",
                max(seconds for _, seconds in results.values()))
    names = {who: lti.name(who) for who in LAUNCHERS}
    assert all(re.fullmatch(rf"{lti.prefix}[0-9a-f]{{12}}", name) for name in names.values())

    models = {who: hub.api("GET", f"/users/{name}").json() for who, name in names.items()}
    assert models["teacher"]["groups"] == [f"formgrade-{COURSE_ID}"] and models["teacher"]["admin"] is True
    for who in ("s1", "s2", "s3"):
        assert models[who]["groups"] == [f"nbgrader-{COURSE_ID}"] and models[who]["admin"] is False
        home = pwd.getpwnam(names[who]).pw_dir
        assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
        assert os.path.isfile(os.path.join(home, hub.course_files.name, "course", "README.md"))

    # The students entered the gradebook themselves: names, e-mail and the LMS id for grades.
    with Gradebook(postgres.url, COURSE_ID) as gb:
        rows = {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students}
    for who in ("s1", "s2", "s3"):
        person = lti.people[who]
        assert rows[names[who]] == (person.given_name, person.family_name, person.email, person.sub)
    assert names["teacher"] not in rows
    context = (hub.course_root / "lms" / "context.json").read_text()
    assert lti.platform.lineitems_url in context and lti.platform.memberships_url in context

    # The instructor's browser session opens the formgrader; a student's does not (Learner -> no formgrader).
    service = f"{hub.url}/services/{COURSE_ID}/formgrader"
    teacher = results["teacher"][0].get(service, timeout=120)
    assert teacher.status_code == 200 and "formgrader" in teacher.text.lower()
    student = results["s1"][0].get(service, timeout=120)
    assert student.status_code == 403
    # The student's browser is in JupyterLab on their own server (a page: cookie-authenticated API calls would also
    # need JupyterHub's xsrf token).
    lab = results["s1"][0].get(f"{hub.url}/user/{names['s1']}/lab", timeout=120)
    assert lab.status_code == 200 and "JupyterLab" in lab.text
    assert lab.url.startswith(f"{hub.url}/user/{names['s1']}/lab")

    # Warm: a returning student with a running server, and one whose server was stopped.
    began = time.perf_counter()
    _, again = launch(hub, lti, "s2")
    assert again.status_code == 302
    record_time("LTI launch POST to redirect, server already running (warm)", time.perf_counter() - began)
    stopped = hub.api("DELETE", f"/users/{names['s3']}/server")
    assert stopped.status_code in (202, 204)
    while hub.api("GET", f"/users/{names['s3']}").json().get("servers"):
        time.sleep(0.2)
    _, seconds = _launch_to_server(hub, lti, "s3")
    record_time("LTI launch POST to running server, returning student (account exists, server stopped)", seconds)


@pytest.mark.parametrize("case, override, status, reason", [
    ("bad signature", {"key": "other"}, 400, "Signature verification failed"),
    ("expired token", {"claims": {"exp": "past", "iat": "past"}}, 400, "Signature has expired"),
    ("wrong audience", {"claims": {"aud": "another-tool"}}, 401, "Audience doesn't match"),
    ("wrong issuer", {"claims": {"iss": "https://lms.invalid"}}, 400, "Invalid issuer"),
    ("unknown deployment", {"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-x"}}, 403,
     "unknown deployment 'dep-x'"),
])
def test_forged_and_foreign_launches_are_refused(hub: Hub, lti, case, override, status, reason):
    from lti_platform import _new_key

    override = dict(override)
    if override.get("key") == "other":
        override["key"] = _new_key()  # same kid, another key: the platform's JWKS does not verify it
    claims = override.get("claims", {})
    if claims.get("exp") == "past":
        now = int(time.time())
        override["claims"] = {"exp": now - 60, "iat": now - 400}
    _, reply = launch(hub, lti, "intruder", **override)
    assert reply.status_code == status, f"{case}: {reply.status_code} {reply.text[:300]}"
    lines = [line for line in _log(hub).splitlines() if "LTI 1.3 launch refused" in line and reason in line]
    assert lines, f"{case}: no log line with {reason!r}"
    name = lti.name("intruder")
    assert hub.api("GET", f"/users/{name}").status_code == 404  # no hub user ...
    with pytest.raises(KeyError):
        pwd.getpwnam(name)  # ... and no account


def test_a_replayed_launch_is_refused(hub: Hub, lti):
    session = requests.Session()
    query = _begin(hub, lti, "s1", session)
    cookies = session.cookies.copy()
    target, fields = lti.platform.launch_form(query)
    assert session.post(target, data=fields, allow_redirects=False, timeout=60).status_code == 302
    thief = requests.Session()
    thief.cookies = cookies  # the captured form with the cookies it came with
    replay = thief.post(target, data=fields, allow_redirects=False, timeout=60)
    assert replay.status_code == 400
    assert any("LTI 1.3 launch refused (HTTP 400): replayed nonce" in line for line in _log(hub).splitlines())


def _work_and_submit(hub: Hub, user: str, token: str, answers: dict[str, str], written: str | None) -> dict:
    """Fetch, answer the code questions and (unless None) the written one, save, submit: as in the browser."""
    from test_hub_course import NOTEBOOK_PATH, _answered

    data = {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}
    assert hub.user_request(user, token, "POST", "assignments/fetch", data=data).status_code == 200
    notebook = _answered(hub.user_request(user, token, "GET", f"api/contents/{NOTEBOOK_PATH}?content=1"
                                          ).json()["content"], answers)
    if written is not None:
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] == "markdown" and meta.get("solution") and meta.get("grade"):
                cell["source"] = written
    saved = hub.user_request(user, token, "PUT", f"api/contents/{NOTEBOOK_PATH}",
                             json={"type": "notebook", "format": "json", "content": notebook})
    assert saved.status_code == 200, saved.text[:300]
    submitted = hub.user_request(user, token, "POST", "assignments/submit", data=data)
    assert submitted.status_code == 200, submitted.text[:300]
    return submitted.json()


def _publish(hub: Hub, lti, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(grading_env(hub.prefix), **lti.platform.settings_env(str(lti.key_path)))
    return subprocess.run([str(hub.prefix / "bin" / "python"), "-m", "helpcourse.instructor.cli", "publish",
                           ASSIGNMENT, "--course-root", str(hub.course_root), *extra],
                          env=env, capture_output=True, text=True, timeout=300)


def _grade_written_answers(db_url: str, student: str, points: float) -> None:
    """What a person does in the formgrader: every written answer of the submission gets a score."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell.cell_type == "markdown":
                    grade.manual_score = min(points, grade.max_score)
                    grade.needs_manual_grade = False
        gb.db.commit()


def _final(db_url: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return float(submission.score), float(gb.find_assignment(ASSIGNMENT).max_score)


def test_release_submit_grade_and_publish_to_the_lms(hub: Hub, lti, postgres):
    platform = lti.platform
    names = {who: lti.name(who) for who in ("s1", "s2", "s3")}
    if hub.api("GET", f"/users/{names['s1']}").json().get("servers", {}).get("", {}).get("ready") is not True:
        for who in ("teacher", "s1", "s2", "s3"):  # run on its own
            _launch_to_server(hub, lti, who)
    if not (hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT).is_dir():
        for step in (("generate_assignment", ASSIGNMENT, "--force"), ("release_assignment", ASSIGNMENT, "--force")):
            assert hub.nbgrader(*step).returncode == 0
    questions = questions_of(SOURCE)
    bank = ANSWER_BANK[ASSIGNMENT]
    right = {q.name: bank[q.name]["right"][0] if q.name in bank else q.solution.split("=", 1)[-1].strip()
             for q in questions}
    answers = {names["s1"]: right, names["s2"]: {q.name: "0" for q in questions}, names["s3"]: {}}
    written = {names["s1"]: "The alliance predicts outcome; a correlation is not a cause.",
               names["s2"]: "Not sure.", names["s3"]: None}  # s3 leaves the written answer as released
    for name, given in answers.items():
        assert _work_and_submit(hub, name, hub.token_for(name), given, written[name]).get("success", True)
    graded = _grade_class(hub, workers=2, label="LTI students")
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    subs = {names[w]: lti.people[w].sub for w in names}

    # Written answers not graded yet: the LMS is told "pending", with no score. nbgrader itself scores an answer
    # left exactly as released 0 without a person (s3): that score is final and goes as such.
    began = time.perf_counter()
    done = _publish(hub, lti)
    record_time("publish to the LMS, 3 students (first run, pending)", time.perf_counter() - began)
    assert done.returncode == 0, done.stdout + done.stderr
    _, item = platform.item_for(ASSIGNMENT)
    max_score = _final(postgres.url, names["s1"])[1]
    assert item["scoreMaximum"] == max_score and item["label"] == ASSIGNMENT
    held = platform.gradebook(ASSIGNMENT)
    assert {uid: (s["gradingProgress"], s.get("scoreGiven")) for uid, s in held.items()} == {
        subs[names["s1"]]: ("PendingManual", None), subs[names["s2"]]: ("PendingManual", None),
        subs[names["s3"]]: ("FullyGraded", 0.0)}
    assert re.search(r"pending \(awaiting manual grading\)\s+2", done.stdout)

    # A person grades the written answers: the final scores go, exactly the gradebook's.
    for name, points in ((names["s1"], 2.0), (names["s2"], 0.5)):
        _grade_written_answers(postgres.url, name, points)
    expected = {subs[name]: _final(postgres.url, name)[0] for name in names.values()}
    done = _publish(hub, lti, "--dry-run")
    assert done.returncode == 0 and "dry run: nothing sent" in done.stdout
    assert platform.gradebook(ASSIGNMENT)[subs[names["s1"]]]["gradingProgress"] == "PendingManual"
    assert '"scoreGiven": ' in done.stdout and re.search(r"would post\s+2", done.stdout)
    done = _publish(hub, lti)
    assert done.returncode == 0, done.stdout + done.stderr
    held = platform.gradebook(ASSIGNMENT)
    assert {uid: (s["scoreGiven"], s["scoreMaximum"], s["gradingProgress"]) for uid, s in held.items()} == {
        uid: (score, max_score, "FullyGraded") for uid, score in expected.items()}
    assert expected[subs[names["s1"]]] > expected[subs[names["s2"]]] > expected[subs[names["s3"]]] == 0.0
    assert re.search(r"posted\s+2", done.stdout) and re.search(r"unchanged\s+1", done.stdout)

    # A second publish sends nothing; a regrade sends only the change.
    key, _ = platform.item_for(ASSIGNMENT)
    count = len(platform.scores[key])
    done = _publish(hub, lti)
    assert done.returncode == 0 and len(platform.scores[key]) == count
    assert re.search(r"unchanged\s+3", done.stdout)
    _grade_written_answers(postgres.url, names["s3"], 1.0)
    done = _publish(hub, lti)
    assert len(platform.scores[key]) == count + 1
    assert platform.scores[key][-1]["userId"] == subs[names["s3"]]
    assert platform.gradebook(ASSIGNMENT)[subs[names["s3"]]]["scoreGiven"] == _final(postgres.url, names["s3"])[0]

    # The platform fails (500 for one student, then a time-out): its gradebook keeps the old scores, the report
    # names who was not posted, and the next run posts them.
    before = dict(platform.gradebook(ASSIGNMENT))
    _grade_written_answers(postgres.url, names["s1"], 0.0)
    _grade_written_answers(postgres.url, names["s2"], 0.0)
    platform.fail_scores = {"status": 500, "users": [subs[names["s1"]]]}
    done = _publish(hub, lti)
    assert done.returncode == 1
    assert re.search(rf"{names['s1']}\s+{subs[names['s1']]}\s+failed.*HTTP 500", done.stdout)
    assert platform.gradebook(ASSIGNMENT)[subs[names["s1"]]] == before[subs[names["s1"]]]
    platform.fail_scores = {"delay": 2.5, "users": [subs[names["s1"]]]}
    done = _publish(hub, lti, "--timeout", "1")
    assert done.returncode == 1 and "no answer within 1 s" in done.stdout
    assert platform.gradebook(ASSIGNMENT)[subs[names["s1"]]] == before[subs[names["s1"]]]
    platform.fail_scores = {}
    done = _publish(hub, lti)
    assert done.returncode == 0, done.stdout
    assert platform.gradebook(ASSIGNMENT)[subs[names["s1"]]]["scoreGiven"] == _final(postgres.url, names["s1"])[0]
    assert re.search(r"posted\s+1", done.stdout)
