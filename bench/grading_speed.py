"""Grading speed on the demo class: plain serial ``nbgrader autograde`` against ``helpcourse-grade`` in parallel.

The same simulated class (40 submissions of ps01 by default, two of them damaged files) is graded three ways in a
throwaway course root: plain ``nbgrader autograde ASSIGNMENT --force`` (one process, submissions one after the
other), the parallel command with long-lived workers (the default), and the parallel command with one
``nbgrader autograde --student=ID`` process per submission. Prints submissions per minute, the ratio to the serial
run, failures other than the two damaged files (CPU starvation would show here), and the cost of one submission
split into process start, kernel start and execution. Results also go to ``bench/results/grading_speed.json``.

Usage: ``python bench/grading_speed.py [--students 40] [--workers N]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from helpcourse.instructor.autograde import autograde_class, submitted_students  # noqa: E402
from helpcourse.instructor.course import CourseRoot, run_nbgrader  # noqa: E402
from helpcourse.instructor.cycle import collect_if_waiting  # noqa: E402
from helpcourse.instructor.democlass import (  # noqa: E402
    DEFAULT_ASSIGNMENT,
    make_course_root,
    release_and_submit,
    simulate_class,
)


def kernel_start_seconds(runs: int = 3) -> float:
    """Median time to start a python3 kernel until it answers (the plain kernel, not the grading sandbox)."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(runs):
        began = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)  # start_new_kernel waits until the kernel answers
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return statistics.median(times)


def process_start_seconds(course: CourseRoot, runs: int = 3) -> float:
    """Median time of a short nbgrader command (``nbgrader db student list``): start-up, configuration, one query."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run_nbgrader(course, "db", "student", "list")
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def reset(course: CourseRoot) -> None:
    """Remove autograded copies so the next run grades every submission again."""
    shutil.rmtree(course.root / "autograded", ignore_errors=True)
    shutil.rmtree(course.root / "reports", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT)
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    folder = Path(tempfile.mkdtemp(prefix="helpcourse-bench-"))
    import nbformat

    source = nbformat.read(REPO / "course" / "exercises" / args.assignment / f"{args.assignment}.ipynb", as_version=4)
    students = simulate_class(source, args.assignment, size=args.students)
    course = make_course_root(folder, args.assignment, students)
    release_and_submit(course, args.assignment, students)
    collect_if_waiting(course, args.assignment)
    ids = submitted_students(course, args.assignment)
    damaged = {s.student_id for s in students if s.broken}
    results: dict[str, dict] = {}

    reset(course)
    began = time.perf_counter()
    done = run_nbgrader(course, "autograde", args.assignment, "--force", timeout=7200)
    serial = time.perf_counter() - began
    graded = sum(1 for s in ids if any(course.autograded(args.assignment, s).glob("*.ipynb")))
    results["serial nbgrader autograde"] = {"seconds": serial, "graded": graded, "failed": len(ids) - graded,
                                            "exit": done.returncode}

    for label, mode in (("parallel, reused workers", "worker"), ("parallel, one process each", "cli")):
        reset(course)
        began = time.perf_counter()
        outcome = autograde_class(course, args.assignment, ids, workers=args.workers, timeout=600, mode=mode)
        took = time.perf_counter() - began
        failed = [r for r in outcome if r.status != "graded"]
        results[label] = {
            "seconds": took, "graded": len(ids) - len(failed), "failed": len(failed),
            "unexpected_failures": [f"{r.student}: {r.reason}" for r in failed if r.student not in damaged],
            "per_submission_seconds": statistics.median(r.seconds for r in outcome if r.status == "graded"),
            "gradebook_lock_retries": sum(r.attempts - 1 for r in outcome),
        }

    process = process_start_seconds(course)
    kernel = kernel_start_seconds()
    reset(course)
    single = autograde_class(course, args.assignment, [s for s in ids if s not in damaged][:3], workers=1)
    per_submission = statistics.median(r.seconds for r in single)
    split = {"process start (nbgrader, once per process)": process, "kernel start": kernel,
             "execution and grading (rest of one submission)": max(per_submission - kernel, 0.0),
             "one submission in a warm worker": per_submission}

    base = results["serial nbgrader autograde"]["seconds"]
    print(f"Grading {len(ids)} submissions of {args.assignment} ({len(damaged)} damaged files), "
          f"{args.workers} workers, {os.cpu_count()} cores")
    print(f"{'run':<32}{'seconds':>9}{'per min':>9}{'ratio':>8}{'graded':>8}{'failed':>8}")
    for label, row in results.items():
        rate = len(ids) / row["seconds"] * 60
        row.update({"per_minute": rate, "ratio": base / row["seconds"]})
        print(f"{label:<32}{row['seconds']:>9.1f}{rate:>9.1f}{row['ratio']:>7.2f}x{row['graded']:>8}"
              f"{row['failed']:>8}")
        if row.get("gradebook_lock_retries"):
            print(f"    submissions retried after 'database is locked': {row['gradebook_lock_retries']}")
        for problem in row.get("unexpected_failures", []):
            print(f"    failure beyond the damaged files: {problem}")
    print("cost of one submission (seconds):")
    for label, seconds in split.items():
        print(f"  {label:<50}{seconds:>6.2f}")
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} (other work on the machine slows every figure)")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading_speed.json").write_text(json.dumps({"runs": results, "split": split, "load": load}, indent=1))
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
