"""Preprocessors that keep a submission's structure honest and its rendering harmless.

* :class:`CanonicalCells` (first of ``c.Autograde.sanitize_preprocessors``): every cell that claims a grade id gets
  the gradebook's metadata for it (a tampered, outdated or unknown nbgrader metadata block would otherwise make
  nbgrader fail, and an outdated one stops the whole class run); a grade id that appears more than once is
  reported and graded once (the last copy, as nbgrader does); locked cells get the gradebook's source; locked and
  graded cells the student deleted are put back where the source notebook has them (nbgrader does not restore a
  deleted test: the question would wait for manual grading instead of scoring zero). Answer cells that are not
  graded are never re-inserted: their stub would overwrite an answer written elsewhere.
* :class:`NeutraliseActiveContent` (after execution): the student's own markdown (written answers, added cells)
  that contains raw HTML or links with a scheme other than http, https or mailto is shown as plain text, and
  script outputs of the student's cells are dropped. nbgrader's formgrader and feedback templates render
  markdown without sanitising it, so a ``<script>`` in an answer would otherwise run in the grader's browser.
* :class:`GradingReport` (last): stores the findings of both phases in the autograded notebook's metadata.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, NbGraderPreprocessor

from helpcourse.sandbox.execute import cell_role
from helpcourse.sandbox.report import METADATA_KEY, GradingFindings

__all__ = ["CanonicalCells", "GradingReport", "NeutraliseActiveContent", "safe_markdown", "unsafe_markdown"]

_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_LINK = re.compile(r"\]\(\s*<?\s*([^)\s>]*)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?\s*(\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_ACTIVE_MIME = frozenset({"application/javascript", "text/javascript", "application/x-javascript",
                          "application/ecmascript", "text/ecmascript"})
_ACTIVE_HTML = re.compile(r"<\s*(script|iframe|object|embed|link|meta|base|form|svg)\b|\son[a-z]+\s*=|javascript:",
                          re.IGNORECASE)


def unsafe_markdown(source: str) -> bool:
    """True when markdown holds raw HTML, or a link or image whose scheme is not http, https or mailto."""
    if _HTML_TAG.search(source):
        return True
    for target in _LINK.findall(source) + _REFERENCE.findall(source):
        match = _SCHEME.match(_CONTROL.sub("", html.unescape(target)))
        if match and match.group(1).lower() not in _SAFE_SCHEMES:
            return True
    return False


def safe_markdown(source: str) -> str:
    """The text of ``source`` as a fenced block (rendered escaped), with a note saying why."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return ("**Shown as plain text by the grader:** this answer contained HTML or a link that could run code in "
            f"a browser.\n\n{fence}text\n{source}\n{fence}")


def _findings(nb: NotebookNode, resources: dict) -> GradingFindings:
    stored = resources.get(METADATA_KEY) or nb.metadata.get(METADATA_KEY)
    return GradingFindings.from_metadata(stored)


class CanonicalCells(NbGraderPreprocessor):
    """Give every graded or locked cell the gradebook's metadata and source; restore deleted ones."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        findings = GradingFindings.from_metadata(nb.metadata.get(METADATA_KEY))
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            self.source = {c.name: {"cell_type": c.cell_type, "locked": bool(c.locked), "source": c.source,
                                    "checksum": c.checksum} for c in notebook.source_cells}
            self.points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            self.solutions = {c.name for c in notebook.solution_cells}
            self.tasks = {c.name: float(c.max_score) for c in notebook.task_cells}
            expected_kernelspec = notebook.kernelspec
        self.findings = findings
        self._check_kernelspec(nb, expected_kernelspec)
        holders = self._claimed_ids(nb)
        for grade_id, indices in holders.items():
            for extra in indices[:-1]:
                del nb.cells[extra].metadata["nbgrader"]
            if len(indices) > 1:
                findings.add("duplicate", grade_id, f"grade id {grade_id} appeared {len(indices)} times: the last "
                             "copy is graded, the others count as the student's own cells", self.log)
            self._canonicalise(nb.cells[indices[-1]], grade_id)
        self._restore_missing(nb, {gid: indices[-1] for gid, indices in holders.items()}, info)
        nb.metadata[METADATA_KEY] = findings.as_metadata()
        return nb, resources

    def _check_kernelspec(self, nb: NotebookNode, expected: str | None) -> None:
        try:
            wanted = json.loads(expected) if expected else None
        except ValueError:
            wanted = None
        actual = nb.metadata.get("kernelspec")
        if wanted is not None and actual != wanted:
            name = actual.get("name") if isinstance(actual, dict) else actual
            self.findings.add("kernelspec", "", f"the notebook's kernelspec ({str(name)[:60]}) was ignored: grading "
                              "always uses its own kernel", self.log)

    def _claimed_ids(self, nb: NotebookNode) -> dict[str, list[int]]:
        holders: dict[str, list[int]] = {}
        for index, cell in enumerate(nb.cells):
            if "nbgrader" not in cell.metadata:
                continue
            meta = cell.metadata["nbgrader"]
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if isinstance(grade_id, str) and grade_id in self.source:
                holders.setdefault(grade_id, []).append(index)
                continue
            del cell.metadata["nbgrader"]
            claimed = isinstance(meta, dict) and any(meta.get(k) for k in ("grade", "solution", "locked", "task"))
            if claimed or grade_id:
                self.findings.add("metadata", str(grade_id or cell.get("id", "")), "nbgrader metadata with an unknown "
                                  "grade id was removed: the cell counts as the student's own", self.log)
        return holders

    def _metadata(self, grade_id: str) -> dict[str, Any]:
        meta = {"grade": grade_id in self.points, "grade_id": grade_id, "locked": self.source[grade_id]["locked"],
                "schema_version": 3, "solution": grade_id in self.solutions, "task": grade_id in self.tasks,
                "checksum": self.source[grade_id]["checksum"]}
        if grade_id in self.points or grade_id in self.tasks:
            meta["points"] = self.points.get(grade_id, self.tasks.get(grade_id))
        return meta

    def _released_source(self, grade_id: str) -> str:
        cell = new_code_cell(self.source[grade_id]["source"])
        ClearHiddenTests(parent=self)._remove_hidden_test_region(cell)
        return cell.source

    def _canonicalise(self, cell: NotebookNode, grade_id: str) -> None:
        wanted = self.source[grade_id]
        if cell.cell_type != wanted["cell_type"]:
            self.findings.add("metadata", grade_id, f"the cell's type was changed to {cell.cell_type}; "
                              f"it is graded as {wanted['cell_type']}", self.log)
            cell.cell_type = wanted["cell_type"]
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        if cell.metadata["nbgrader"] != self._metadata(grade_id) and isinstance(cell.metadata["nbgrader"], dict):
            changed = {k for k in ("grade", "locked", "solution", "task", "points")
                       if cell.metadata["nbgrader"].get(k) != self._metadata(grade_id).get(k)}
            if changed:
                self.findings.add("metadata", grade_id, f"edited nbgrader metadata ({', '.join(sorted(changed))}) "
                                  "was reset from the gradebook", self.log)
        cell.metadata["nbgrader"] = self._metadata(grade_id)
        if wanted["locked"]:
            if cell.source not in (wanted["source"], self._released_source(grade_id)):
                what = "test" if grade_id in self.points else "locked"
                self.findings.add("restored", grade_id, f"the edited {what} cell was restored from the gradebook",
                                  self.log)
            cell.source = wanted["source"]

    def _restored_cell(self, grade_id: str) -> NotebookNode | None:
        wanted = self.source[grade_id]
        graded = grade_id in self.points or grade_id in self.tasks
        if not wanted["locked"] and not graded:
            self.findings.add("missing_answer", grade_id, "the answer cell is missing (not restored: the answer may "
                              "be in another cell)", self.log)
            return None
        make = new_code_cell if wanted["cell_type"] == "code" else new_markdown_cell
        cell = make(wanted["source"])
        cell.metadata["nbgrader"] = self._metadata(grade_id)
        if not wanted["locked"]:
            ClearSolutions(parent=self).preprocess_cell(cell, {"language": "python"}, 0)
            self.findings.add("restored", grade_id, "the graded answer cell was missing; it was put back empty",
                              self.log)
        else:
            what = "test" if grade_id in self.points else "locked"
            self.findings.add("restored", grade_id, f"the deleted {what} cell was restored from the gradebook",
                              self.log)
        cell.id = re.sub(r"[^A-Za-z0-9_-]", "-", f"restored-{grade_id}")[:64]
        return cell

    def _source_order(self, info: dict) -> list[str]:
        """Grade ids in the order of the source notebook (or the release); the gradebook's order otherwise."""
        coursedir = CourseDirectory(parent=self)
        for folder in (coursedir.source_directory, coursedir.release_directory):
            path = os.path.join(coursedir.format_path(folder, ".", info["assignment"]), f"{info['notebook']}.ipynb")
            try:
                nb = nbformat.read(path, as_version=4)
            except (OSError, ValueError):
                continue
            order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
            return [gid for gid in order if gid in self.source]
        return list(self.source)

    def _restore_missing(self, nb: NotebookNode, present: dict[str, int], info: dict) -> None:
        order = self._source_order(info)
        order += [gid for gid in self.source if gid not in order]
        for position, grade_id in enumerate(order):
            if grade_id in present:
                continue
            cell = self._restored_cell(grade_id)
            if cell is None:
                continue
            before = [present[gid] for gid in order[:position] if gid in present]
            after = [present[gid] for gid in order[position + 1:] if gid in present]
            index = max(before) + 1 if before else (min(after) if after else len(nb.cells))
            nb.cells.insert(index, cell)
            for gid, at in present.items():
                if at >= index:
                    present[gid] = at + 1
            present[grade_id] = index


class NeutraliseActiveContent(NbGraderPreprocessor):
    """Show the student's markdown with HTML or unsafe links as plain text; drop script outputs of student cells."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        findings = _findings(nb, resources)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            name = str(meta.get("grade_id") or cell.get("id", ""))
            if cell.cell_type == "markdown" and not meta.get("locked") and unsafe_markdown(cell.source):
                cell.source = safe_markdown(cell.source)
                findings.add("active_content", name, "markdown with HTML or an unsafe link is shown as plain text",
                             self.log)
            elif cell.cell_type == "code" and cell_role(cell) == "student" and self._clean_outputs(cell):
                findings.add("active_content", name, "script or active HTML output was removed", self.log)
        resources[METADATA_KEY] = findings.as_metadata()
        return nb, resources

    @staticmethod
    def _clean_outputs(cell: NotebookNode) -> bool:
        changed = False
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            for mime in list(data):
                value = data[mime]
                text = "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""
                if mime in _ACTIVE_MIME or (mime in ("text/html", "image/svg+xml", "text/markdown")
                                            and _ACTIVE_HTML.search(text)):
                    del data[mime]
                    changed = True
                    if not data:
                        data["text/plain"] = f"[{mime} output removed by the grader]"
        return changed


class GradingReport(NbGraderPreprocessor):
    """Store the findings of sanitising and execution in the autograded notebook's metadata."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        findings = _findings(nb, resources)
        nb.metadata[METADATA_KEY] = copy.deepcopy(findings.as_metadata())
        return nb, resources
