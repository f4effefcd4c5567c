"""``helpcourse-grade publish ASSIGNMENT``: the assignment's final scores into the LMS gradebook (LTI AGS).

One line item per assignment (found by its ``resourceId``, the assignment's name; created when missing; its
maximum corrected when it differs), then one score per student whose LMS id the gradebook knows (recorded at their
first launch, or given in the roster). What the platform confirmed is kept in ``<course root>/lms/published.json``:
a re-run sends only what changed, and a score the platform did not accept (an error, a time-out) is not recorded,
so the next run sends it again; nothing is ever written to nbgrader's gradebook.

Written answers count only once a person graded them: until then the student gets an explicit *pending* score
(``gradingProgress: PendingManual``, no ``scoreGiven``), never a partial score that looks final.
``--dry-run`` prints what would be sent and sends nothing (it only reads the line items and the members).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from helpcourse.lms.ags import AgsClient, AgsError
from helpcourse.lms.settings import lms_state_dir

__all__ = ["PublishReport", "format_report", "load_context", "publish", "record_context"]

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


_WRITE_LOCK = threading.Lock()


def _write_json(path: Path, data: dict) -> None:
    """Write atomically (a private temporary file, then rename), mode 0600; safe for concurrent launches."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)


def record_context(course_root: str | os.PathLike[str], claims: dict) -> dict | None:
    """Keep the course's service endpoints from a launch (``lms/context.json``); None when the launch has none."""
    ags = claims.get(AGS_CLAIM) or {}
    if not ags.get("lineitems"):
        return None
    context = {
        "issuer": claims.get("iss", ""),
        "deployment_id": claims.get(DEPLOYMENT_CLAIM, ""),
        "context_id": (claims.get(CONTEXT_CLAIM) or {}).get("id", ""),
        "context_title": (claims.get(CONTEXT_CLAIM) or {}).get("title", ""),
        "lineitems": ags["lineitems"],
        "scopes": ags.get("scope", []),
        "memberships_url": (claims.get(NRPS_CLAIM) or {}).get("context_memberships_url", ""),
    }
    path = lms_state_dir(course_root) / "context.json"
    with _WRITE_LOCK:  # launches arrive at once (a class logging in)
        try:
            if json.loads(path.read_text()) == context:
                return context
        except (OSError, ValueError):
            pass
        _write_json(path, context)
    return context


def load_context(course_root: str | os.PathLike[str]) -> dict:
    path = Path(course_root) / "lms" / "context.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no launch from the LMS recorded yet (an instructor's first launch writes "
                                "it; or pass --lineitems and --memberships)")
    return json.loads(path.read_text())


@dataclass
class Row:
    student: str
    user_id: str
    outcome: str  # posted, pending, unchanged, failed, would post, would send pending
    score: float | None
    reason: str = ""


@dataclass
class PublishReport:
    """What a publish run did, for the reconciliation report."""

    assignment: str
    lineitem: str = ""
    max_score: float = 0.0
    dry_run: bool = False
    lineitem_action: str = ""
    rows: list[Row] = field(default_factory=list)
    unknown_to_lms: list[str] = field(default_factory=list)
    lms_without_submission: list[str] = field(default_factory=list)
    members_note: str = ""
    sent: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def outcomes(self, name: str) -> list[Row]:
        return [row for row in self.rows if row.outcome == name]


def _score_payload(user_id: str, status: str, score: float | None, max_score: float) -> dict:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    if status == "pending":
        return {"userId": user_id, "activityProgress": "Submitted", "gradingProgress": "PendingManual",
                "timestamp": stamp}
    return {"userId": user_id, "scoreGiven": score, "scoreMaximum": max_score, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": stamp}


def publish(course_root: str | os.PathLike[str], db_url: str, course_id: str, assignment: str, client: AgsClient,
            lineitems_url: str, memberships_url: str = "", dry_run: bool = False) -> PublishReport:
    """Send ``assignment``'s changed scores to the platform; returns the reconciliation report."""
    from nbgrader.api import Gradebook

    from helpcourse.lms.exporters import final_scores

    began = time.perf_counter()
    report = PublishReport(assignment=assignment, dry_run=dry_run)
    with Gradebook(db_url, course_id) as gb:
        results = final_scores(gb, assignment)
        lms_ids = {s.id: (s.lms_user_id or "") for s in gb.students}
    report.max_score = next(iter(results.values())).max_score if results else 0.0

    learners: dict[str, str] | None = None
    if memberships_url:
        try:
            learners = {m["user_id"]: m.get("name") or m["user_id"] for m in client.members(memberships_url)
                        if any(role.endswith("#Learner") or role == "Learner" for role in m.get("roles", []))
                        and m.get("status", "Active") == "Active"}
        except AgsError as error:
            report.members_note = f"members not read ({error}): unknown and missing students not checked"

    state_path = lms_state_dir(course_root) / "published.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    key = f"{lineitems_url} {assignment}"
    record = state.setdefault(key, {"scores": {}})

    wanted = {sid: r for sid, r in results.items() if r.status in ("graded", "pending")}
    report.unknown_to_lms = sorted(sid for sid in wanted if not lms_ids.get(sid)
                                   or (learners is not None and lms_ids[sid] not in learners))
    if learners is not None:
        submitted_ids = {lms_ids[sid] for sid in wanted if lms_ids.get(sid)}
        report.lms_without_submission = sorted(learners[uid] if learners[uid] == uid else f"{learners[uid]} ({uid})"
                                               for uid in learners if uid not in submitted_ids)

    to_send = [(sid, lms_ids[sid], r) for sid, r in sorted(wanted.items()) if lms_ids.get(sid)
               and (learners is None or lms_ids[sid] in learners)]
    try:
        found = client.line_items(lineitems_url, resource_id=assignment)
        item = found[0] if found else None
        if item is None:
            report.lineitem_action = "create"
            item = {"label": assignment, "scoreMaximum": report.max_score, "resourceId": assignment,
                    "tag": "helpcourse"}
            if not dry_run:
                item = client.create_line_item(lineitems_url, item)
        elif float(item.get("scoreMaximum", -1)) != report.max_score:
            report.lineitem_action = f"update maximum {item.get('scoreMaximum')} -> {report.max_score:g}"
            item = dict(item, scoreMaximum=report.max_score)
            if not dry_run:
                item = client.update_line_item(item)
        report.lineitem = item.get("id", "(new)")
    except AgsError as error:
        for sid, uid, r in to_send:
            report.rows.append(Row(sid, uid, "failed", r.score, f"line item: {error}"))
        report.seconds = time.perf_counter() - began
        return report

    if record.get("lineitem") and record["lineitem"] != report.lineitem:
        record["scores"] = {}  # a new line item (deleted in the LMS): every score goes again
    sent_before = record["scores"]
    try:
        for sid, uid, r in to_send:
            desired = {"status": r.status, "score": r.score, "max": r.max_score}
            if sent_before.get(uid) == desired:
                report.rows.append(Row(sid, uid, "unchanged", r.score))
                continue
            payload = _score_payload(uid, r.status, r.score, r.max_score)
            outcome = "pending" if r.status == "pending" else "posted"
            if dry_run:
                report.sent.append(payload)
                report.rows.append(Row(sid, uid, f"would send ({outcome})", r.score))
                continue
            try:
                client.post_score(report.lineitem, payload)
            except AgsError as error:
                report.rows.append(Row(sid, uid, "failed", r.score, str(error)))
                continue
            report.sent.append(payload)
            sent_before[uid] = desired
            report.rows.append(Row(sid, uid, outcome, r.score))
    finally:
        if not dry_run:
            record["lineitem"] = report.lineitem
            record["max"] = report.max_score
            _write_json(state_path, state)
    report.seconds = time.perf_counter() - began
    return report


def format_report(report: PublishReport) -> str:
    """The reconciliation report printed by ``helpcourse-grade publish``."""
    head = f"Publish {report.assignment}" + (" (dry run: nothing sent)" if report.dry_run else "")
    lines = [head, f"  line item: {report.lineitem} (maximum {report.max_score:g})"
             + (f"; {'would ' if report.dry_run else ''}{report.lineitem_action}" if report.lineitem_action else "")]
    names = ["posted", "pending", "unchanged", "failed"] if not report.dry_run else [
        "would send (posted)", "would send (pending)", "unchanged", "failed"]
    labels = {"pending": "pending (awaiting manual grading)", "would send (pending)": "would send pending",
              "would send (posted)": "would post"}
    for name in names:
        lines.append(f"  {labels.get(name, name):<36}{len(report.outcomes(name)):>5}")
    lines.append(f"  {'graded but unknown to the LMS':<36}{len(report.unknown_to_lms):>5}")
    lines.append(f"  {'LMS students with no submission':<36}{len(report.lms_without_submission):>5}")
    shown = [row for row in report.rows if row.outcome != "unchanged"]
    if shown:
        lines.append("")
        lines.append(f"  {'student':<20} {'LMS id':<24} {'outcome':<22} {'score':>7}  reason")
        for row in shown:
            score = "" if row.score is None else f"{row.score:g}"
            lines.append(f"  {row.student:<20} {row.user_id:<24} {row.outcome:<22} {score:>7}  {row.reason}".rstrip())
    if report.unknown_to_lms:
        lines.append("  unknown to the LMS (no launch, no roster id, or not a learner there): "
                     + ", ".join(report.unknown_to_lms))
    if report.lms_without_submission:
        lines.append("  in the LMS, no submission: " + ", ".join(report.lms_without_submission))
    if report.members_note:
        lines.append(f"  {report.members_note}")
    if report.dry_run and report.sent:
        lines.append("")
        lines.append("  would send:")
        lines.extend(f"    {json.dumps(payload, sort_keys=True)}" for payload in report.sent)
    lines.append(f"  time: {report.seconds:.1f} s")
    return "\n".join(lines)
