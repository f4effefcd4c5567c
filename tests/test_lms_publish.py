"""Grades back to the LMS: ``helpcourse-grade publish`` against the loopback test platform (tests/hub/lti_platform.py).

The platform records every line item and score it accepts; the assertions read what it holds. The gradebook is
built by nbgrader's API with known scores (tests/hub/lms_gradebook.py): ps01 max 10 with a written answer.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import jwt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hub"))
from lms_gradebook import COURSE, build_gradebook, set_scores  # noqa: E402
from lti_platform import Platform, instructor, learner  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from helpcourse.instructor.cli import main as grade_main  # noqa: E402
from helpcourse.lms.ags import AgsClient  # noqa: E402
from helpcourse.lms.keys import generate_key, jwks, key_id, load_private_key  # noqa: E402
from helpcourse.lms.publish import format_report, publish, record_context  # noqa: E402


@pytest.fixture()
def setup(tmp_path, monkeypatch):
    """A course root with the gradebook, the tool's key outside it, and the platform with the course's people."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    root = tmp_path / "course"
    root.mkdir()
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    build_gradebook(db_url)
    key_path = generate_key(tmp_path / "keys" / "tool.pem")
    platform = Platform()
    platform.users = {u.sub: u for u in [instructor("lms-teacher", "Tess", "Teach"), learner("lms-ana", "Ana", "Alves"),
                                         learner("lms-ben", "Ben", "Brook"), learner("lms-cleo", "Cleo", "Cruz"),
                                         learner("lms-dan", "Dan", "Dorn"), learner("lms-zoe", "Zoe", "Zur")]}
    platform.tool_jwks = jwks(load_private_key(key_path))
    platform.start()
    key = load_private_key(key_path)
    client = AgsClient(platform.client_id, f"{platform.url}/token", key, kid=key_id(key.public_key()), timeout=2.0)
    yield {"root": root, "db": db_url, "platform": platform, "client": client, "key": key_path}
    platform.stop()


def _publish(s, assignment="ps01", dry_run=False):
    p = s["platform"]
    return publish(s["root"], s["db"], COURSE, assignment, s["client"], p.lineitems_url, p.memberships_url,
                   dry_run=dry_run)


def _held(platform: Platform, assignment="ps01") -> dict[str, tuple]:
    return {uid: (sc.get("scoreGiven"), sc.get("scoreMaximum"), sc["gradingProgress"])
            for uid, sc in platform.gradebook(assignment).items()}


def test_dry_run_sends_nothing_and_says_what_it_would(setup):
    report = _publish(setup, dry_run=True)
    platform = setup["platform"]
    assert platform.line_items == {} and platform.scores == {}
    assert not (setup["root"] / "lms" / "published.json").exists()
    assert report.lineitem_action == "create"
    assert {(p["userId"], p.get("scoreGiven")) for p in report.sent} == {
        ("lms-ana", 9.5), ("lms-cleo", 9.0), ("lms-ben", None)}
    text = format_report(report)
    assert "dry run: nothing sent" in text and '"scoreGiven": 9.5' in text and "would create" in text


def test_publish_posts_final_scores_pending_and_reconciles(setup):
    platform = setup["platform"]
    with Gradebook(setup["db"], COURSE) as gb:  # eve: graded, but never launched and not in the roster
        gb.add_submission("ps01", "eve")
        set_scores(gb, "ps01", "eve", auto=4, manual=2)
    report = _publish(setup)
    _, item = platform.item_for("ps01")
    assert (item["label"], item["scoreMaximum"], item["resourceId"]) == ("ps01", 10.0, "ps01")
    assert _held(platform) == {"lms-ana": (9.5, 10.0, "FullyGraded"), "lms-cleo": (9.0, 10.0, "FullyGraded"),
                               "lms-ben": (None, None, "PendingManual")}
    assert platform.gradebook("ps01")["lms-ben"]["activityProgress"] == "Submitted"
    assert [r.student for r in report.outcomes("posted")] == ["ana", "cleo"]
    assert [r.student for r in report.outcomes("pending")] == ["ben"]
    assert report.unknown_to_lms == ["eve"]
    assert report.lms_without_submission == ["Dan Dorn (lms-dan)", "Zoe Zur (lms-zoe)"]  # not the instructor
    text = format_report(report)
    assert "graded but unknown to the LMS" in text and "eve" in text and "Zoe Zur (lms-zoe)" in text
    # A score is signed for by the tool's own key: the platform checked every client assertion.
    assert platform.token_requests and all(r["grant_type"] == "client_credentials" for r in platform.token_requests)


def test_second_publish_sends_nothing_and_a_regrade_sends_only_the_change(setup):
    platform = setup["platform"]
    _publish(setup)
    key, _ = platform.item_for("ps01")
    first = len(platform.scores[key])
    again = _publish(setup)
    assert len(platform.scores[key]) == first == 3
    assert [r.student for r in again.outcomes("unchanged")] == ["ana", "ben", "cleo"] and not again.sent
    with Gradebook(setup["db"], COURSE) as gb:  # a person grades ben's written answer: 2 + 3
        set_scores(gb, "ps01", "ben", auto=2, manual=3)
    regrade = _publish(setup)
    assert [(r.student, r.outcome, r.score) for r in regrade.rows if r.outcome != "unchanged"] == [
        ("ben", "posted", 5.0)]
    assert len(platform.scores[key]) == 4
    assert _held(platform)["lms-ben"] == (5.0, 10.0, "FullyGraded")


def test_a_failing_platform_leaves_its_gradebook_untouched_and_the_next_run_posts(setup):
    platform = setup["platform"]
    platform.fail_scores = {"status": 500, "users": ["lms-cleo"]}
    report = _publish(setup)
    failed = report.outcomes("failed")
    assert [(r.student, r.user_id) for r in failed] == [("cleo", "lms-cleo")]
    assert "HTTP 500" in failed[0].reason
    assert "lms-cleo" not in platform.gradebook("ps01")
    assert "failed" in format_report(report) and "HTTP 500" in format_report(report)
    platform.fail_scores = {}
    retry = _publish(setup)
    assert [(r.student, r.outcome) for r in retry.rows if r.outcome != "unchanged"] == [("cleo", "posted")]
    assert _held(platform)["lms-cleo"] == (9.0, 10.0, "FullyGraded")


def test_a_platform_that_times_out_is_retried_next_run(setup):
    platform = setup["platform"]
    platform.fail_scores = {"delay": 3.0}  # longer than the client's 2 s limit
    report = _publish(setup)
    assert sorted(r.student for r in report.outcomes("failed")) == ["ana", "ben", "cleo"]
    assert all("no answer within 2 s" in r.reason for r in report.outcomes("failed"))
    key, _ = platform.item_for("ps01")
    assert platform.scores[key] == []
    platform.fail_scores = {}
    retry = _publish(setup)
    assert sorted(r.student for r in retry.rows if r.outcome in ("posted", "pending")) == ["ana", "ben", "cleo"]
    assert len(platform.scores[key]) == 3


def test_a_refused_token_fails_every_student_with_the_reason(setup):
    setup["platform"].refuse_tokens = True
    report = _publish(setup)
    assert sorted(r.student for r in report.outcomes("failed")) == ["ana", "ben", "cleo"]
    assert all("access token: HTTP 401" in r.reason for r in report.outcomes("failed"))
    assert setup["platform"].line_items == {}


def test_a_line_item_with_the_wrong_maximum_is_corrected(setup):
    platform = setup["platform"]
    _publish(setup)
    key, item = platform.item_for("ps01")
    platform.line_items[key] = dict(item, scoreMaximum=12)  # changed by hand in the LMS
    report = _publish(setup)
    assert report.lineitem_action == "update maximum 12 -> 10"
    assert platform.line_items[key]["scoreMaximum"] == 10.0
    assert len(platform.line_items) == 1


def test_lti_key_command_writes_a_private_key_and_prints_its_jwks(tmp_path, capsys):
    path = tmp_path / "secret" / "tool.pem"
    assert grade_main(["lti-key", "generate", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = load_private_key(path)
    assert printed == jwks(key) and printed["keys"][0]["kid"] == key_id(key.public_key())
    assert "d" not in printed["keys"][0]  # public half only
    signed = jwt.encode({"x": 1}, key, algorithm="RS256")
    public = jwt.PyJWK(printed["keys"][0]).key
    assert jwt.decode(signed, public, algorithms=["RS256"]) == {"x": 1}
    assert grade_main(["lti-key", "public-pem", str(path)]) == 0
    pem = capsys.readouterr().out
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    assert jwt.decode(signed, pem, algorithms=["RS256"]) == {"x": 1}
    with pytest.raises(FileExistsError):
        grade_main(["lti-key", "generate", str(path)])
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError):
        load_private_key(path)


def test_publish_command_reads_the_launch_context_and_settings(setup, monkeypatch, capsys):
    platform = setup["platform"]
    for name, value in platform.settings_env(str(setup["key"])).items():
        monkeypatch.setenv(name, value)
    (setup["root"] / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = {setup['db']!r}\nc.CourseDirectory.course_id = {COURSE!r}\n")
    launch = platform.claims(platform.users["lms-teacher"], nonce="n")
    assert record_context(setup["root"], launch)["lineitems"] == platform.lineitems_url
    assert stat.S_IMODE(os.stat(setup["root"] / "lms" / "context.json").st_mode) == 0o600
    assert grade_main(["publish", "ps02", "--course-root", str(setup["root"]), "--dry-run"]) == 0
    assert "would post" in capsys.readouterr().out and platform.line_items == {}
    assert grade_main(["publish", "ps02", "--course-root", str(setup["root"])]) == 0
    out = capsys.readouterr().out
    assert _held(platform, "ps02") == {"lms-ana": (5.0, 5.0, "FullyGraded"), "lms-ben": (0.0, 5.0, "FullyGraded"),
                                       "lms-dan": (2.5, 5.0, "FullyGraded")}
    assert "posted" in out and "Cleo Cruz (lms-cleo)" in out
    platform.fail_scores = {"status": 502, "users": ["lms-dan"]}
    with Gradebook(setup["db"], COURSE) as gb:
        grade = gb.find_grade("auto", "ps02", "ps02", "dan")
        grade.auto_score = 3.5
        gb.db.commit()
    assert grade_main(["publish", "ps02", "--course-root", str(setup["root"])]) == 1  # a failure: exit 1
    assert "HTTP 502" in capsys.readouterr().out
    monkeypatch.delenv("HELPCOURSE_LTI_TOKEN_URL")
    assert grade_main(["publish", "ps02", "--course-root", str(setup["root"])]) == 2
    assert "HELPCOURSE_LTI_TOKEN_URL" in capsys.readouterr().err


def test_publish_for_thirty_students(setup, tmp_path):
    """Thirty graded students on the loopback platform: every score arrives; the time is printed for docs/LMS.md."""
    platform = setup["platform"]
    with Gradebook(setup["db"], COURSE) as gb:
        for i in range(30):
            sid = f"s{i:02d}"
            gb.add_student(sid, first_name="S", last_name=f"{i:02d}", lms_user_id=f"lms-s{i:02d}")
            platform.users[f"lms-s{i:02d}"] = learner(f"lms-s{i:02d}", "S", f"{i:02d}")
            gb.add_submission("ps02", sid)
            grade = gb.find_grade("auto", "ps02", "ps02", sid)
            grade.auto_score, grade.needs_manual_grade = i % 6, False
        gb.db.commit()
    began = time.perf_counter()
    report = _publish(setup, "ps02")
    took = time.perf_counter() - began
    held = _held(platform, "ps02")
    assert {uid: held[uid][0] for uid in held if uid.startswith("lms-s")} == {
        f"lms-s{i:02d}": float(i % 6) for i in range(30)}
    assert len(report.outcomes("posted")) == 33  # the 30 and ana, ben, dan
    again_began = time.perf_counter()
    assert not _publish(setup, "ps02").sent
    print(f"\n[lms] publish of 33 scores: {took:.2f} s; unchanged re-run: {time.perf_counter() - again_began:.2f} s")


def test_launches_at_once_record_the_context_safely(tmp_path):
    """A class launching together: every thread records the course's endpoints; the file stays whole and 0600."""
    from concurrent.futures import ThreadPoolExecutor

    platform = Platform()
    platform.url = "https://lms.example"
    user = learner("lms-x", "X", "Y")
    claims = [platform.claims(user, nonce=str(i)) for i in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda c: record_context(tmp_path, c), claims))
    assert all(r["lineitems"] == "https://lms.example/api/course-4711/lineitems" for r in results)
    saved = json.loads((tmp_path / "lms" / "context.json").read_text())
    assert saved["context_id"] == "course-4711" and saved["deployment_id"] == "deployment-1"
    assert stat.S_IMODE(os.stat(tmp_path / "lms" / "context.json").st_mode) == 0o600
    assert [p.name for p in (tmp_path / "lms").iterdir()] == ["context.json"]
