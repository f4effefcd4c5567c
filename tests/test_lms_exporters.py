"""The LMS import files: nbgrader exporter plugins for Canvas's gradebook CSV and Moodle's grade-import CSV.

The samples below follow the formats the LMSs document (docs/LMS.md cites the pages): Canvas identifies a student
by the columns ``Student, ID, SIS User ID, SIS Login ID, Section`` before one column per assignment, with a
``Points Possible`` row under the header in its own export; Moodle's CSV import maps an identifying column ("ID
number" -> useridnumber, "Email address" -> useremail) and one column per grade item.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hub"))
from lms_gradebook import COURSE, build_gradebook  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from helpcourse.lms.exporters import (  # noqa: E402
    CANVAS_ID_COLUMNS,
    MOODLE_ID_COLUMNS,
    CanvasExporter,
    MoodleExporter,
    final_scores,
)

#: A Canvas gradebook file as Canvas writes it and reads it back (identifying columns, Points Possible row).
CANVAS_SAMPLE = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Essay 1 (1234)\r\n"
    "    Points Possible,,,,,10.00\r\n"
    '"Alves, Ana",101,S-001,ana,Section A,9.5\r\n'
)
#: A Moodle grade-import file: identifying fields named as Moodle's export names them, then grade items.
MOODLE_SAMPLE = (
    "First name,Last name,ID number,Email address,Essay 1\r\n"
    "Ana,Alves,S-001,ana@example.org,9.5\r\n"
)


@pytest.fixture()
def db_url(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")  # alembic
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    build_gradebook(url)
    return url


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _export(exporter_class, db_url: str, to: Path, **traits) -> list[list[str]]:
    exporter = exporter_class(to=str(to), **traits)
    with Gradebook(db_url, COURSE) as gb:
        exporter.export(gb)
    return _rows(to)


def test_final_scores_hold_back_ungraded_written_answers(db_url):
    with Gradebook(db_url, COURSE) as gb:
        ps01 = final_scores(gb, "ps01")
    assert {s: (r.status, r.score, r.max_score) for s, r in ps01.items()} == {
        "ana": ("graded", 9.5, 10.0), "ben": ("pending", None, 10.0), "cleo": ("graded", 9.0, 10.0),
        "dan": ("missing", None, 10.0), "eve": ("missing", None, 10.0)}


def test_canvas_file_has_canvas_columns_points_row_and_final_scores(db_url, tmp_path):
    rows = _export(CanvasExporter, db_url, tmp_path / "canvas.csv")
    sample = list(csv.reader(io.StringIO(CANVAS_SAMPLE)))
    assert rows[0][:5] == sample[0][:5] == CANVAS_ID_COLUMNS
    assert rows[0][5:] == ["ps01", "ps02"]
    assert rows[1][0].strip() == sample[1][0].strip() == "Points Possible"
    assert rows[1][1:] == ["", "", "", "", "10", "5"]
    body = {row[3]: row for row in rows[2:]}
    assert body["ana"] == ["Alves, Ana", "lms-ana", "", "ana", "", "9.5", "5"]
    assert body["ben"] == ["Brook, Jr., Ben", "lms-ben", "", "ben", "", "", "0"]  # pending: empty, not 2
    assert body["cleo"][5:] == ["9", ""]  # late penalty applied; no ps02 submission: empty
    assert body["dan"][5:] == ["", "2.5"]
    assert body["eve"][1] == "" and body["eve"][5:] == ["", ""]
    assert [row[0] for row in rows[2:]] == sorted((row[0] for row in rows[2:]), key=str.lower)
    raw = (tmp_path / "canvas.csv").read_bytes()
    assert b'"Brook, Jr., Ben"' in raw and raw.endswith(b"\r\n")  # RFC 4180 quoting and line ends


def test_canvas_roster_supplies_canvas_ids_and_sections(db_url, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,canvas_id,sis_user_id,sis_login_id,section\nana,101,S-001,aalves,Section A\n")
    rows = _export(CanvasExporter, db_url, tmp_path / "canvas.csv", roster=str(roster), assignment=["ps01"])
    assert rows[0] == CANVAS_ID_COLUMNS + ["ps01"]
    ana = next(row for row in rows[2:] if row[0] == "Alves, Ana")
    assert ana == ["Alves, Ana", "101", "S-001", "aalves", "Section A", "9.5"]


def test_moodle_file_has_moodle_mapping_columns_and_final_scores(db_url, tmp_path):
    rows = _export(MoodleExporter, db_url, tmp_path / "moodle.csv")
    sample = list(csv.reader(io.StringIO(MOODLE_SAMPLE)))
    assert rows[0][:4] == sample[0][:4] == MOODLE_ID_COLUMNS
    assert rows[0][4:] == ["ps01", "ps02"]
    body = {row[3]: row for row in rows[1:]}
    assert len(body) == 5
    assert body["ana@example.org"] == ["Ana", "Alves", "lms-ana", "ana@example.org", "9.5", "5"]
    assert body["ben@example.org"][4:] == ["", "0"]
    assert body["cleo@example.org"][4:] == ["9", ""]
    assert body["eve@example.org"][2] == ""  # never launched, no roster: Moodle matches by e-mail instead


def test_moodle_roster_and_student_selection(db_url, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,idnumber,email\ndan,S-004,d.dorn@uni.example\n")
    rows = _export(MoodleExporter, db_url, tmp_path / "moodle.csv", roster=str(roster), student=["dan"])
    assert rows == [MOODLE_ID_COLUMNS + ["ps01", "ps02"], ["Dan", "Dorn", "S-004", "d.dorn@uni.example", "", "2.5"]]


@pytest.mark.parametrize("exporter, first", [("CanvasExporter", "Student"), ("MoodleExporter", "First name")])
def test_plugins_load_through_nbgrader_export(db_url, tmp_path, exporter, first):
    """``nbgrader export --exporter=...`` finds the plugin by its import path, as an instructor runs it."""
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = {db_url!r}\nc.CourseDirectory.course_id = {COURSE!r}\n")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export",
                           f"--exporter=helpcourse.lms.exporters.{exporter}", "--to=out.csv"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _rows(tmp_path / "out.csv")
    assert rows[0][0] == first and rows[0][-2:] == ["ps01", "ps02"]
    assert sum(1 for row in rows if "9.5" in row) == 1
