"""Feedback students can use: points and the failure message of every question, static plots, no hidden test.

``nbgrader generate_feedback`` runs with three extra nbconvert preprocessors after nbgrader's ``GetGrades``:

* :class:`HideHiddenTests` removes the hidden part of every test cell and shortens the error of a test cell to
  its message (a traceback would print the hidden line with its expected value). The student's own code and the
  assertion message stay.
* :class:`StaticFigures` turns plotly outputs and interactive figures (FigureWidget) into SVG pictures, each
  followed by a line of text describing it, and drops saved widget state: the page needs no script to show them.
* :class:`QuestionSummary` puts a table at the top: each question with its points and what its check said.

Feedback generation reads the autograded notebooks; it never runs student code.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import from_dict
from traitlets import Bool, Unicode

from helpcourse.instructor.course import CourseRoot, run_nbgrader
from helpcourse.instructor.staticplots import describe_figure, figure_from_repr, figure_to_svg

__all__ = [
    "FEEDBACK_PREPROCESSORS",
    "HideHiddenTests",
    "QuestionSummary",
    "StaticFigures",
    "generate_feedback",
    "hidden_test_lines",
    "test_failure_message",
]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
HIDDEN_NOTE = "# (hidden tests of this question run when your work is graded; they are not shown)"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _nbgrader(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_test_cell(cell: Any) -> bool:
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _hidden_region(begin: str, end: str) -> re.Pattern:
    return re.compile(rf"^[ \t]*#+[ \t]*{re.escape(begin)}[ \t]*\n.*?^[ \t]*#+[ \t]*{re.escape(end)}[ \t]*$\n?",
                      re.DOTALL | re.MULTILINE)


def hidden_test_lines(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> list[str]:
    """The stripped lines of a cell's hidden-test regions (without the markers)."""
    lines = []
    for block in _hidden_region(begin, end).findall(source):
        lines += [line.strip() for line in block.splitlines()[1:-1] if line.strip()]
    return lines


def test_failure_message(outputs: list) -> str:
    """What a test cell's check said when it failed (``Error: message``), or an empty string if it passed."""
    for output in outputs:
        if output.get("output_type") == "error":
            evalue = ANSI.sub("", str(output.get("evalue", ""))).strip()
            return f"{output.get('ename', 'Error')}: {evalue}" if evalue else str(output.get("ename", "Error"))
    return ""


SUMMARY_CSS = """
div.text_cell_render table { border-collapse: collapse; margin: 0.5em 0 1em; }
div.text_cell_render th, div.text_cell_render td { padding: 4px 14px 4px 0; border-bottom: 1px solid #ddd;
  text-align: left; vertical-align: top; }
"""


class HideHiddenTests(Preprocessor):
    """Remove hidden tests and their tracebacks from test cells; keep the visible checks and the message."""

    enabled = Bool(True, help="Run this preprocessor (nbconvert's default is off).").tag(config=True)

    begin = Unicode("BEGIN HIDDEN TESTS", help="Marker that opens a hidden-test region.").tag(config=True)
    end = Unicode("END HIDDEN TESTS", help="Marker that closes a hidden-test region.").tag(config=True)

    def preprocess(self, nb, resources):
        hidden = [line for cell in nb.cells if _is_test_cell(cell)
                  for line in hidden_test_lines(cell.source, self.begin, self.end) if len(line) > 6]
        for cell in nb.cells:
            if not _is_test_cell(cell):
                continue
            had_hidden = bool(_hidden_region(self.begin, self.end).search(cell.source))
            source = _hidden_region(self.begin, self.end).sub("", cell.source).rstrip()
            cell.source = f"{source}\n{HIDDEN_NOTE}" if had_hidden else source
            cell.outputs = [self._clean(output, hidden) for output in cell.outputs]
        return nb, resources

    @staticmethod
    def _clean(output: Any, hidden: list[str]) -> Any:
        if output.get("output_type") == "error":
            output["traceback"] = [test_failure_message([output])]
            return output
        text = json.dumps(output.get("text", "")) + json.dumps(output.get("data", {}))
        if any(line in text or json.dumps(line)[1:-1] in text for line in hidden):
            return {"output_type": "stream", "name": "stdout", "text": "(output of a hidden test, not shown)\n"}
        return output


class StaticFigures(Preprocessor):
    """Replace plotly outputs and FigureWidget views with SVG pictures, each followed by its text alternative.

    The SVG goes in as ``image/svg+xml`` (nbconvert shows it as an ``<img>``; HTML outputs of student notebooks
    are escaped, so an inline page fragment would not show). Saved widget state is dropped.
    """

    enabled = Bool(True, help="Run this preprocessor (nbconvert's default is off).").tag(config=True)

    def preprocess(self, nb, resources):
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [shown for output in cell.outputs for shown in self._static(output, state)]
        nb.metadata.pop("widgets", None)
        return nb, resources

    @staticmethod
    def _figure_from_state(model: dict) -> dict | None:
        values = model.get("state", {})
        if "_widget_data" not in values:
            return None
        return {"data": values.get("_widget_data") or [], "layout": values.get("_widget_layout") or {}}

    def _static(self, output: Any, state: dict) -> list:
        data = output.get("data")
        if not data:
            return [output]
        figure = None
        if PLOTLY_MIME in data:
            figure = data[PLOTLY_MIME]
        elif WIDGET_MIME in data:
            model = state.get(data[WIDGET_MIME].get("model_id", ""), {})
            figure = self._figure_from_state(model) or figure_from_repr(str(data.get("text/plain", "")))
            if figure is None and str(data.get("text/plain", "")).lstrip().startswith("FigureWidget"):
                data.pop(WIDGET_MIME)
                data["text/plain"] = "[An interactive figure was shown here; the graded copy keeps no picture of it.]"
                return [output]
        if figure is None:
            data.pop(WIDGET_MIME, None)
            return [output]
        figure = dict(figure)
        for key in (PLOTLY_MIME, WIDGET_MIME, "text/html"):
            data.pop(key, None)
        data["image/svg+xml"] = figure_to_svg(figure)
        data["text/plain"] = "[figure]"
        caption = from_dict({"output_type": "stream", "name": "stdout",
                             "text": f"Figure: {describe_figure(figure)}\n"})
        return [output, caption]


def _is_scored(cell) -> bool:
    """Whether a cell carries points: a grade cell (answer or test) or a task graded by a person."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade") or meta.get("task"))


class QuestionSummary(Preprocessor):
    """Put a table at the top of the feedback: each question, its points, and what its check said."""

    enabled = Bool(True, help="Run this preprocessor (nbconvert's default is off).").tag(config=True)

    @staticmethod
    def _manual_state(resources) -> dict[str, tuple[bool, float | None]]:
        """Per grade id: whether it waits for a person, and the score a person gave (from the gradebook)."""
        info = resources.get("nbgrader", {})
        if not info.get("db_url"):
            return {}
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return {}
            return {grade.name: (bool(grade.needs_manual_grade), grade.manual_score) for grade in notebook.grades}

    def preprocess(self, nb, resources):
        manual = self._manual_state(resources)
        waiting = {name for name, (needs, _) in manual.items() if needs}
        rows, heading = [], ""
        for cell in nb.cells:
            found = re.search(r"^#{1,3}\s+(.+)$", cell.source, re.MULTILINE) if cell.cell_type == "markdown" else None
            if found and not _is_scored(cell):
                heading = found.group(1).strip()
            meta = _nbgrader(cell)
            if not _is_scored(cell):
                continue
            question = found.group(1).strip() if found and meta.get("task") else heading  # a task names itself
            score, points = meta.get("score"), meta.get("points", 0)
            if meta.get("grade_id") in waiting:
                score, said = None, "waiting for a person to grade it"
            elif _is_test_cell(cell):
                message = test_failure_message(cell.get("outputs", []))
                said = message or ("passed" if score is not None and score >= points else "")
            elif manual.get(meta.get("grade_id"), (False, None))[1] is not None:
                said = "graded by a person"
            else:
                said = "not answered" if not score else ""
            shown = "–" if score is None else f"{float(score):g}"
            rows.append((question or meta.get("grade_id", ""), f"{shown} / {float(points):g}", said))
        if not rows:
            return nb, resources
        lines = ["## Your results", "", "| question | points | what the check said |", "|---|---|---|"]
        for question, points, said in rows:
            lines.append(f"| {self._cell(question)} | {points} | {self._cell(said)} |")
        lines += ["", "Each question's check is shown below with its message. Hidden tests are not shown."]
        summary = {"cell_type": "markdown", "metadata": {}, "source": "\n".join(lines), "id": "feedback-summary"}
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), SUMMARY_CSS]
        nb.cells.insert(0, from_dict(summary))
        return nb, resources

    @staticmethod
    def _cell(text: str) -> str:
        return html.escape(text.replace("\n", " ")).replace("|", "&#124;")


#: The preprocessors of the course's feedback, in order (nbgrader's GetGrades first: it fills in the scores).
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "helpcourse.instructor.feedback.HideHiddenTests",
    "helpcourse.instructor.feedback.StaticFigures",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "helpcourse.instructor.feedback.QuestionSummary",  # after the CSS header: it adds the table's style
]


def generate_feedback(course: CourseRoot, assignment: str, student: str | None = None):
    """Run ``nbgrader generate_feedback`` with the course's preprocessors (regenerating existing feedback).

    Parameters
    ----------
    course
        The course root.
    assignment
        The assignment id.
    student
        Only this student's feedback (default: everyone with an autograded copy).

    Returns
    -------
    subprocess.CompletedProcess
        The finished nbgrader command.
    """
    args = ["generate_feedback", assignment, "--force",
            f"--GenerateFeedback.preprocessors={json.dumps(FEEDBACK_PREPROCESSORS)}"]
    if student:
        args.append(f"--student={student}")
    return run_nbgrader(course, *args)
