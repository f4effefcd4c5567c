"""``helpcourse-grade ASSIGNMENT``: the whole grading cycle of one assignment in one command.

Run it in the course root (``grading/``) or pass ``--course-root``. It collects submissions waiting in the
exchange, autogrades every new or resubmitted one in parallel worker processes with a progress bar and a time
limit per submission, generates feedback, exports grades and prints a summary: graded, failed (with the reason),
late, and waiting for manual grading. A broken submission never stops the run; a re-run keeps a previous good
grade when the new attempt fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from helpcourse.instructor.course import load_course_root
from helpcourse.instructor.cycle import CycleReport, run_cycle

__all__ = ["format_summary", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpcourse-grade", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="assignment id, for example ps01_reading_research")
    parser.add_argument("--course-root", default=".", help="folder holding nbgrader_config.py (default: here)")
    parser.add_argument("--workers", type=int, default=None, help="parallel grading processes (default: cores)")
    parser.add_argument("--timeout", type=float, default=600.0, help="wall-clock seconds per submission")
    parser.add_argument("--force", action="store_true", help="regrade every submission, not only new ones")
    parser.add_argument("--one-process-per-submission", action="store_true",
                        help="run `nbgrader autograde --student=ID` for each submission instead of reusing workers")
    parser.add_argument("--no-collect", action="store_true", help="do not collect from the exchange")
    parser.add_argument("--no-feedback", action="store_true", help="skip generate_feedback")
    parser.add_argument("--no-export", action="store_true", help="skip nbgrader export")
    parser.add_argument("--report", action="store_true", help="also write the class analytics report")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--publish", action="store_true",
                        help="then send the final scores to the LMS (helpcourse-grade publish; docs/LMS.md)")
    return parser


def format_summary(report: CycleReport) -> str:
    """The closing summary: counts, then each failed or kept submission with its reason, late and manual lists."""
    rows = report.rows
    late = [r for r in rows if r.late]
    manual = [r for r in rows if r.needs_manual]
    lines = [
        f"Summary for {report.assignment}: {len(rows)} submission(s)",
        f"  {'graded now':<28}{report.count('graded'):>5}",
        f"  {'unchanged (graded before)':<28}{report.count('unchanged'):>5}",
        f"  {'failed, no grade':<28}{report.count('failed'):>5}",
        f"  {'failed, previous grade kept':<28}{report.count('kept'):>5}",
        f"  {'late':<28}{len(late):>5}",
        f"  {'needing manual grading':<28}{len(manual):>5}",
    ]
    problems = [r for r in rows if r.status in {"failed", "kept"}]
    if problems:
        lines.append("")
        lines.append(f"  {'student':<20}{'outcome':<16}reason")
        for r in problems:
            outcome = "kept previous" if r.status == "kept" else "failed"
            lines.append(f"  {r.student:<20}{outcome:<16}{r.reason}")
    if late:
        lines.append("")
        lines.append("  late: " + ", ".join(f"{r.student} ({r.seconds_late / 3600:.1f} h)" for r in late))
    lines.append("")
    if report.collected:
        lines.append(f"  {report.collected}")
    lines.append(f"  feedback: {'written' if report.feedback_ok else 'not written'}; grades export: "
                 f"{report.grades_csv if report.export_ok else 'not written'}")
    lines.append(f"  per-student summary: {report.summary_csv}")
    took = ", ".join(f"{k} {v:.0f} s" for k, v in report.seconds.items())
    lines.append(f"  time: {took}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the grading cycle; exit 0 when every submission has a grade, 1 when some failed."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("publish", "lti-key"):  # the LMS's subcommands (docs/LMS.md)
        from helpcourse.lms.cli import main as lms_main

        return lms_main(argv)
    args = _parser().parse_args(argv)
    course = load_course_root(Path(args.course_root))
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    bar = None

    def on_start(total: int) -> None:
        nonlocal bar
        if not args.quiet:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="submission", desc=f"autograde {args.assignment}", file=sys.stderr)

    def on_done(result) -> None:
        if bar is not None:
            bar.update(1)
            if result.status != "graded":
                bar.write(f"{result.student}: {result.reason}", file=sys.stderr)

    report = run_cycle(
        course, args.assignment, workers=args.workers, timeout=args.timeout, force=args.force,
        collect=not args.no_collect, feedback=not args.no_feedback, export=not args.no_export,
        mode="cli" if args.one_process_per_submission else "worker", on_start=on_start, on_done=on_done,
    )
    if bar is not None:
        bar.close()
    print(format_summary(report))
    if args.report:
        from helpcourse.instructor.analytics import write_class_report

        html_path, csv_paths = write_class_report(course, args.assignment)
        print(f"  class report: {html_path}")
        for path in csv_paths:
            print(f"  table: {path}")
    status = 1 if report.count("failed") or report.count("kept") else 0
    if args.publish:
        from helpcourse.lms.cli import publish_main

        status = max(status, publish_main([args.assignment, "--course-root", str(course.root)]))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
