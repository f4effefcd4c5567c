"""A grading worker: one long-lived nbgrader process that autogrades the submissions it is sent, one at a time.

The parent (``autograde``) starts it in the course root as ``python -m helpcourse.instructor.worker ASSIGNMENT``
and writes one student id per line on its standard input; the worker answers each with one JSON line. Grading goes
through nbgrader's own ``Autograde`` converter with the course's configuration (the same as
``nbgrader autograde ASSIGNMENT --student=ID --force``), so student code runs only in the kernel nbgrader starts,
sandboxed if the configuration says so. Reusing the process saves nbgrader's start-up (about 3 s) per submission.
"""

from __future__ import annotations

import json
import os
import sys
import time

__all__ = ["main"]


def _answer_channel() -> object:
    """Keep the real standard output for answers and send anything else printed to standard error."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return answers


def main(argv: list[str] | None = None) -> int:
    """Autograde the students named on standard input, answering each with a JSON line on standard output."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m helpcourse.instructor.worker ASSIGNMENT", file=sys.stderr)
        return 2
    assignment = args[0]
    answers = _answer_channel()
    started = time.perf_counter()

    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log, temp_attrs

    app = AutogradeApp()
    app.initialize([assignment])
    answers.write(json.dumps({"ready": True, "start_seconds": time.perf_counter() - started}) + "\n")

    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        begin = time.perf_counter()
        with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
            converter = Autograde(coursedir=app.coursedir, parent=app)
            converter.force = True
            result = capture_log(converter)
        result["student"] = student
        result["seconds"] = time.perf_counter() - begin
        answers.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
