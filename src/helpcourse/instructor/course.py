"""The nbgrader course root: its configuration, its folders, and running nbgrader commands in it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config.loader import Config, PyFileConfigLoader

__all__ = ["CourseRoot", "load_course_root", "nbgrader_env", "run_nbgrader"]


@dataclass(frozen=True)
class CourseRoot:
    """Where an nbgrader course lives, as its ``nbgrader_config.py`` says.

    Attributes
    ----------
    root
        The course root (the folder holding ``nbgrader_config.py``).
    course_id
        nbgrader's course id.
    exchange_root
        The exchange folder (``Exchange.root``).
    db_url
        The gradebook's SQLAlchemy URL.
    """

    root: Path
    course_id: str
    exchange_root: Path
    db_url: str

    def submitted(self, assignment: str, student: str = "") -> Path:
        """The submitted folder of one student's assignment (or the submitted/ folder itself)."""
        return self.root / "submitted" / student / assignment if student else self.root / "submitted"

    def autograded(self, assignment: str, student: str) -> Path:
        """The autograded copy of one student's assignment."""
        return self.root / "autograded" / student / assignment

    def feedback(self, assignment: str, student: str) -> Path:
        """The feedback folder of one student's assignment."""
        return self.root / "feedback" / student / assignment

    def reports(self, assignment: str) -> Path:
        """The folder of an assignment's class report, its tables and the grading summary."""
        return self.root / "reports" / assignment

    def work_dir(self, assignment: str) -> Path:
        """A private folder of the grading command: logs and the copies kept while a submission is regraded."""
        return self.reports(assignment) / "grading-run"

    def inbound(self) -> Path:
        """The exchange's inbound folder, where submissions wait to be collected."""
        return self.exchange_root / self.course_id / "inbound"


def _read_config(root: Path) -> Config:
    path = root / "nbgrader_config.py"
    if not path.is_file():
        raise FileNotFoundError(f"no nbgrader_config.py in {root}: run from the course root or pass --course-root")
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def load_course_root(root: str | os.PathLike[str]) -> CourseRoot:
    """Read a course root's ``nbgrader_config.py`` (instructor configuration only; no student code runs).

    Parameters
    ----------
    root
        The folder holding ``nbgrader_config.py``.

    Returns
    -------
    CourseRoot
        The course's folders, id, exchange and gradebook URL.
    """
    folder = Path(root).resolve()
    cfg = _read_config(folder)
    course_dir = cfg.get("CourseDirectory", Config())
    configured_root = Path(course_dir.get("root", str(folder))).resolve()
    exchange = cfg.get("Exchange", Config()).get("root", "/srv/nbgrader/exchange")
    db_url = course_dir.get("db_url", f"sqlite:///{configured_root / 'gradebook.db'}")
    return CourseRoot(
        root=configured_root,
        course_id=course_dir.get("course_id", "") or "",
        exchange_root=Path(exchange),
        db_url=db_url,
    )


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader processes: this Python's ``bin/`` first on PATH (nbgrader runs alembic)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_nbgrader(course: CourseRoot, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """Run one plain ``nbgrader`` command in the course root, as an instructor would type it.

    Parameters
    ----------
    course
        The course root.
    *args
        The command and its arguments, for example ``"export"``.
    timeout
        Seconds before the command is stopped.

    Returns
    -------
    subprocess.CompletedProcess
        The finished command with its output captured as text.
    """
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=nbgrader_env(), capture_output=True,
        text=True, timeout=timeout, check=False,
    )
