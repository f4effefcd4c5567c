"""The nbgrader cycle with the real commands, on a copy of the course root.

For every exercise: ``nbgrader validate`` passes on the source; ``generate_assignment`` writes a release with no
solution or hidden test; ``validate --invert`` passes on the release; submissions (the source's solutions, the
untouched release, a partly answered release, and the solutions with every numeric answer rounded to the precision
its prompt asks for) autograde to the points they deserve; ``generate_feedback`` writes
HTML and ``export`` writes the grades.

Each exercise has a course root and gradebook of its own; two exercises go through their commands at the same
time (``PARALLEL``): one nbgrader command keeps at most about one core busy, and the course's machine has two.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from graded_answers import graded_precision

REPO = Path(__file__).resolve().parents[1]
EXERCISES = sorted(p.name for p in (REPO / "course" / "exercises").iterdir() if p.is_dir())
#: Exercises graded at the same time, each in its own course root (nbgrader commands are single-threaded).
PARALLEL = 2
pytestmark = pytest.mark.pipeline


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course root, as an instructor would."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course / "grading", env=env, capture_output=True,
        text=True, timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def solution_lines(source: nbformat.NotebookNode) -> list[str]:
    """Lines inside solution regions and hidden tests of a source notebook (must never reach students)."""
    lines = []
    for cell in source.cells:
        for region in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.DOTALL):
            lines += [line.strip() for line in region.splitlines() if len(line.strip()) > 12]
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            lines += [line.strip() for line in cell.source.splitlines() if len(line.strip()) > 12]
    return lines


def answered(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the released notebook with some `name = ...` lines completed, as a student would."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        for name, value in answers.items():
            cell.source = re.sub(rf"^{name} = \.\.\.", f"{name} = {value}", cell.source, flags=re.MULTILINE)
    return nb


def rounded(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solutions with every numeric answer rounded to the decimals its question asks for (tolerance policy)."""
    nb = nbformat.from_dict(json.loads(json.dumps(source)))
    precision = {name: n for cell in nb.cells for name, n in graded_precision(cell.source).items()}
    for cell in nb.cells:
        for name, decimals in precision.items():
            if re.search(rf"^{name} = \.\.\.$", cell.source, re.MULTILINE) and "### END SOLUTION" in cell.source:
                cell.source = cell.source.replace(
                    "### END SOLUTION", f"{name} = round(float({name}), {decimals})\n### END SOLUTION")
    return nb


@pytest.fixture(scope="module")
def graded_courses(request, tmp_path_factory):
    """Every selected exercise through the cycle (``grade_exercise``), ``PARALLEL`` at a time: name -> future."""
    specs = [getattr(item, "callspec", None) for item in request.session.items
             if getattr(item, "module", None) is request.module]
    wanted = {spec.params.get("graded_course") for spec in specs if spec is not None}
    pool = ThreadPoolExecutor(max_workers=PARALLEL)
    futures = {name: pool.submit(grade_exercise, name, tmp_path_factory.mktemp(name))
               for name in EXERCISES if name in wanted}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module", params=EXERCISES)
def graded_course(request, graded_courses):
    """A copy of the course root with the exercise released, four submissions autograded, feedback and export."""
    return graded_courses[request.param].result()


def grade_exercise(name: str, course: Path) -> dict:
    """Release one exercise in its own copy of the course root, autograde four submissions, feedback, export."""
    (course / "grading").mkdir()
    shutil.copy(REPO / "grading" / "nbgrader_config.py", course / "grading")
    shutil.copytree(REPO / "course" / "exercises" / name, course / "course" / "exercises" / name)
    source_path = course / "course" / "exercises" / name / f"{name}.ipynb"
    source = nbformat.read(source_path, as_version=4)
    results = {"name": name, "course": course, "source": source}

    # `nbgrader validate` of the source is run for the first exercise only: the "perfect" submission below is the
    # source itself, and its full automatic points say the same for every exercise, for one nbgrader start less each.
    if name == EXERCISES[0]:
        results["validate"] = nbgrader(course, "validate", str(source_path), check=False)
    nbgrader(course, "generate_assignment", name, "--force")
    release_path = course / "grading" / "release" / name / f"{name}.ipynb"
    release = nbformat.read(release_path, as_version=4)
    results["release"] = release
    # `nbgrader validate --invert` on the release is not run: the untouched release is autograded below, and its
    # score of 0 says the same (every test cell fails when nothing is answered), for one nbgrader start less.

    partial = PARTIAL_ANSWERS[name]
    submissions = {
        "perfect": source,
        "untouched": release,
        "partial": answered(release, partial["answers"]),
        "rounded": rounded(source),
    }
    roster = course / "students.csv"  # one nbgrader process for the roster (each start costs about 3 s)
    roster.write_text("id,first_name,last_name\n" + "".join(f"{s},Test,{s.title()}\n" for s in submissions))
    nbgrader(course, "db", "student", "import", str(roster))
    for student, nb in submissions.items():
        folder = course / "grading" / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    results["autograde"] = nbgrader(course, "autograde", name, check=False)
    results["feedback"] = nbgrader(course, "generate_feedback", name, check=False)
    results["export"] = nbgrader(course, "export", check=False)
    results["partial_points"] = partial["points"]
    return results


#: For each exercise: answers a student fills in (some right, some wrong) and the automatic points they deserve.
PARTIAL_ANSWERS = {
    "ps08_capstone": {
        # Q1 copies the worked example's share at the intake (0), Q2 right as a whole number (2), Q3 right (1), Q4
        # reads the unchanged high rating as no rupture (0), Q5 right in capitals (1), Q6 right (1), Q7 gives d itself
        # instead of the probability (0), Q8 right (1): 6 points.
        "answers": {
            "share_as_high": (
                '(real.loc[real["session"] == 0, "symptom_count"].dropna() >= case.loc[0, "symptom_count"]).mean()'
            ),
            "maya_change": "-3",
            "q3_choice": '"d"',
            "q4_choice": '"b"',
            "q5_choice": '"C"',
            "q6_choice": '"b"',
            "feedback_superiority": "0.15",
            "q8_choice": '"d"',
        },
        "points": 6.0,
    },
    "ps07_adapting": {
        # Q1 right (2), Q2 gives module 7's threshold with z = 1.96 instead of 1.645 (0), Q3 right, rounded to the
        # two decimals asked (2), Q4 gives the worked example's threshold for 10 false alarms (0), Q5 right in
        # capitals (1): 5 points. Q6 and Q7 are written answers graded by a person.
        "answers": {
            "share_flagged": "progress.share_not_on_track(sessions, band, 12)",
            "rc_threshold": "progress.reliable_change_threshold(sd_start, reliability)",
            "adapted_superiority": "0.64",
            "alarm_threshold": "simulate_monitoring.threshold_for_false_alarms(clients, 10)",
            "q5_choice": '"B"',
        },
        "points": 5.0,
    },
    "ps01_reading_research": {
        # Q1 right, rounded to the three decimals asked (2), Q2 copies the worked example's r = .28 (0), Q3 right
        # to the three decimals asked (2), Q4 the odds ratio the wrong way round, self-help first (0), Q5 right in
        # capitals (1): 5 points.
        "answers": {
            "variance_share": "0.066",
            "alliance_d": "effects.r_to_d(0.28)",
            "stronger_share": "0.582",
            "trial_odds_ratio": "effects.odds_ratio(7, 66, 32, 127)",
            "q5_choice": '"B"',
        },
        "points": 5.0,
    },
    "ps02_facilitate": {
        # Q1 right, exact (2), Q2 takes all sessions (module 2's 0.233) instead of the alcohol sessions (0), Q3
        # uses g = 0.28 against weak comparisons instead of 0.09 against active treatments (0), Q4 right in
        # capitals (1), Q5 agrees that advice is confrontation (0): 3 points.
        "answers": {
            "ratio_131": "12 / 19",
            "change_after_reflection": (
                '(client_turns[client_turns["previous_behaviour"] == "reflection"]["client_talk_type"]'
                ' == "change").mean()'
            ),
            "mi_superiority": "effects.probability_of_superiority(0.28)",
            "q4_choice": '"C"',
            "q5_choice": '"a"',
        },
        "points": 3.0,
    },
    "ps03_safe_relationship": {
        # Q1 copies module 3's share for all high-quality sessions instead of the alcohol sessions (0), Q2 right
        # (2), Q3 converts congruence's r the wrong way, d to r (0), Q4 right, rounded to the nearest whole number
        # (2), Q5 a percentage instead of a proportion (0), Q6 right in capitals (1): 5 points. Q7 (left as given)
        # and Q8's replies (one reflection, one question, one left out) are graded by a person only, so they add no
        # automatic points.
        "answers": {
            "alcohol_complex_share": "0.467",
            "many_good_share": '(high_many["complex_share"] >= thresholds["good"]).mean()',
            "congruence_d": "effects.d_to_r(0.23)",
            "more_per_100": "25",
            "small_ahead_share": "76.7",
            "q6_choice": '"A"',
            "reply_1": '"It sounds like you\'re worried people are making too much of your drinking."',
            "reply_2": '"Why don\'t you go out with your friends anyway?"',
        },
        "points": 5.0,
    },
    "ps05_collaboration": {
        # Q1 copies the worked example's CBT I² (0), Q2 right, rounded to two decimals (2), Q3 right in capitals (1),
        # Q4 gives the completers instead of the clients to randomise (0), Q5 "three times as many", wrong (0):
        # 3 points.
        "answers": {
            "bat_dropout_i2": 'preferences.pooled_dropout_odds_ratio(attrition, "cbt").i2',
            "matched_dropout": "0.16",
            "q3_choice": '"D"',
            "clients_per_arm": "202",
            "q5_choice": '"b"',
        },
        "points": 3.0,
    },
    "ps04_alliance": {
        # Q1 pools problem-solving therapy with the default Paule-Mandel method instead of the DerSimonian-Laird
        # method asked (0), Q2 right, rounded to the two decimals asked (2), Q3 guesses "about zero" instead of
        # running the simulation, which gives a small positive r (0), Q4 wrong (0), Q5 right in capitals (1): 3 points.
        "answers": {
            "pst_waitlist_g": 'metaanalysis.pool_therapy_type(comparisons, "pst", control="wl").estimate',
            "chance_better": "0.56",
            "within_r_no_slope": "0",
            "q4_choice": '"b"',
            "q5_choice": '"C"',
        },
        "points": 3.0,
    },
    "ps06_strengths": {
        # Q1 copies the worked example's self-help odds ratio (0), Q2 right, rounded to three decimals (2), Q3 a
        # percentage instead of a proportion (0), Q4 right (2), Q5 a survey of the therapists, wrong (0): 4 points.
        "answers": {
            "group_vs_individual_or": 'strengths.pool_contact_odds_ratio(smoking, "self_help").odds_ratio',
            "strength_superiority": "0.587",
            "hopeful_success": "53.8",
            "published_effect": "simulate_weak_evidence.average_reported_effect(0.0, 36, 0.0, only_significant=True)",
            "q5_choice": '"c"',
        },
        "points": 4.0,
    },
}


def _scores(course: Path, name: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        out = {}
        for student in ("perfect", "untouched", "partial", "rounded"):
            sub = gb.find_submission(name, student)
            grades = [grade for notebook in sub.notebooks for grade in notebook.grades]
            out[student] = {
                "auto": sum(g.auto_score or 0.0 for g in grades if g.cell.cell_type == "code"),
                "needs_manual": sub.needs_manual_grade,
            }
        return out


def test_source_validates(graded_course):
    if "validate" not in graded_course:
        pytest.skip("validated by its full automatic points (test_solutions_score_full_automatic_points)")
    out = graded_course["validate"].stdout + graded_course["validate"].stderr
    assert graded_course["validate"].returncode == 0 and "Success" in out, out


def test_release_has_no_solution_or_hidden_test(graded_course):
    release_text = "\n".join(c.source for c in graded_course["release"].cells)
    assert "BEGIN SOLUTION" not in release_text and "HIDDEN TESTS" not in release_text
    leaked = [line for line in solution_lines(graded_course["source"]) if line in release_text]
    assert not leaked, f"solution or hidden-test lines in the release: {leaked}"
    answer_lines = re.findall(r"^\w+ = \.\.\.$", release_text, re.MULTILINE)
    assert len(answer_lines) >= 3, "the release keeps the `answer = ...` lines students complete"


def test_autograde_runs_for_every_submission(graded_course):
    result = graded_course["autograde"]
    assert result.returncode == 0, result.stdout + result.stderr
    for student in ("perfect", "untouched", "partial", "rounded"):
        assert (graded_course["course"] / "grading" / "autograded" / student / graded_course["name"]).is_dir()


def test_solutions_score_full_automatic_points(graded_course):
    scores = _scores(graded_course["course"], graded_course["name"])
    auto_max = sum(
        c.metadata["nbgrader"]["points"] for c in graded_course["source"].cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    )
    assert scores["perfect"]["auto"] == pytest.approx(auto_max)
    assert scores["perfect"]["needs_manual"], "the written answer still waits for a person"


def test_answers_rounded_to_the_precision_asked_score_full_points(graded_course):
    """The tolerance policy, end to end: a correct answer rounded as the prompt asks is never marked wrong."""
    changed = [c for c in rounded(graded_course["source"]).cells if "round(float(" in c.source]
    assert changed, "no numeric answer found to round"
    scores = _scores(graded_course["course"], graded_course["name"])
    assert scores["rounded"]["auto"] == pytest.approx(scores["perfect"]["auto"])


def test_untouched_release_scores_zero(graded_course):
    """Every test cell fails when nothing is answered (what `nbgrader validate --invert` checks)."""
    assert _scores(graded_course["course"], graded_course["name"])["untouched"]["auto"] == 0


def test_partial_submission_scores_the_points_it_deserves(graded_course):
    scores = _scores(graded_course["course"], graded_course["name"])
    assert scores["partial"]["auto"] == pytest.approx(graded_course["partial_points"])


def test_feedback_is_written_without_hidden_tests_run_outputs(graded_course):
    assert graded_course["feedback"].returncode == 0, graded_course["feedback"].stderr
    for student in ("perfect", "untouched", "partial"):
        html = graded_course["course"] / "grading" / "feedback" / student / graded_course["name"]
        pages = list(html.glob("*.html"))
        assert pages and pages[0].stat().st_size > 1000


def test_export_writes_grades_csv(graded_course):
    assert graded_course["export"].returncode == 0, graded_course["export"].stderr
    with open(graded_course["course"] / "grading" / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"perfect", "untouched", "partial", "rounded"}
    assert float(rows["untouched"]["raw_score"]) == 0
    assert float(rows["partial"]["raw_score"]) == pytest.approx(graded_course["partial_points"])
