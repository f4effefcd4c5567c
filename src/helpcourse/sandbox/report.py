"""What grading did to a submission, and why: the findings stored with each autograded notebook.

Every step that changes or limits a submission (a restored cell, a duplicated grade id, a cell stopped at its time
limit, a restarted kernel, an answer that is not plain data, truncated output, neutralised markup) adds a
:class:`Finding`. They are logged as warnings while grading and stored in the autograded notebook's metadata under
``helpcourse_grading`` (``{"findings": [{"kind", "cell", "message"}, ...], "sandbox": true|false}``), where
:func:`read_findings` finds them for a class summary.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["METADATA_KEY", "Finding", "GradingFindings", "read_findings", "submission_reasons"]

METADATA_KEY = "helpcourse_grading"


@dataclass(frozen=True)
class Finding:
    """One thing grading noticed: ``kind`` (a short keyword), the cell it concerns, a sentence for people."""

    kind: str
    cell: str
    message: str


@dataclass
class GradingFindings:
    """The findings of one submission, plus whether its kernels ran in the sandbox."""

    findings: list[Finding] = field(default_factory=list)
    sandbox: bool | None = None

    def add(self, kind: str, cell: str, message: str, log: logging.Logger | None = None) -> None:
        """Record a finding (once) and log it as a warning."""
        finding = Finding(kind, cell, message)
        if finding in self.findings:
            return
        self.findings.append(finding)
        if log is not None:
            log.warning("[grading] %s (%s): %s", kind, cell or "notebook", message)

    def kinds(self) -> set[str]:
        """The kinds of finding present."""
        return {f.kind for f in self.findings}

    def as_metadata(self) -> dict[str, Any]:
        """The JSON-ready form stored in notebook metadata."""
        return {"findings": [asdict(f) for f in self.findings], "sandbox": self.sandbox}

    @classmethod
    def from_metadata(cls, data: Any) -> GradingFindings:
        """Read the stored form (tolerates anything malformed by returning no findings)."""
        result = cls()
        if isinstance(data, dict):
            for item in data.get("findings", []):
                if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("kind", "cell", "message")):
                    result.findings.append(Finding(item["kind"], item["cell"], item["message"]))
            sandbox = data.get("sandbox")
            result.sandbox = sandbox if isinstance(sandbox, bool) else None
        return result


def read_findings(notebook: str | Path) -> GradingFindings:
    """The findings stored in an autograded notebook (none for a notebook graded without them)."""
    with open(notebook, encoding="utf-8") as handle:
        nb = json.load(handle)
    return GradingFindings.from_metadata(nb.get("metadata", {}).get(METADATA_KEY))


def submission_reasons(notebook: str | Path) -> list[str]:
    """Why an autograded notebook scored as it did: its findings, then every error shown in a code cell.

    Errors of graded test cells read ``"q1_variance_share failed: AssertionError: ..."``; errors of other cells
    ``"cell q2_answer: SyntaxError: ..."``.
    """
    with open(notebook, encoding="utf-8") as handle:
        nb = json.load(handle)
    reasons = [f"{f.kind}: {f.message}" + (f" ({f.cell})" if f.cell else "")
               for f in GradingFindings.from_metadata(nb.get("metadata", {}).get(METADATA_KEY)).findings]
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        name = meta.get("grade_id") or cell.get("id", "?")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                evalue = str(output.get("evalue", "")).strip().splitlines()
                text = f"{output.get('ename')}: {evalue[0][:160] if evalue else ''}"
                graded = meta.get("grade") and not meta.get("solution")
                reasons.append(f"{name} failed: {text}" if graded else f"cell {name}: {text}")
    return reasons
