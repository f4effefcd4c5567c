"""The student edition: what students get instead of this repository.

``make student-edition`` (``python -m helpcourse.instructor.edition``) builds ``build/student-edition/helpers-role/``
and ``build/helpers-role-student-edition.zip``: the modules, each exercise as nbgrader releases it (generated fresh
in a throwaway course root, never copied from the sources), the library without its grading packages, a
``pyproject.toml`` adapted for students (nbgrader stays, so the Assignments tab works on a JupyterHub), the student
README, a ``Makefile`` with ``make lab``, and ``update.py`` with a manifest of checksums so an update never replaces
a file the student changed. The build refuses to finish if a solution, a hidden test, a rubric, a gradebook or a
grading file ended up inside.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from helpcourse.instructor.course import load_course_root, run_nbgrader

__all__ = ["EditionLeak", "build_edition", "find_leaks", "main", "secret_lines", "student_pyproject"]

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "tools" / "student_edition"
EDITION_NAME = "helpers-role"
MANIFEST = ".edition-manifest.json"
#: Names that belong to grading and must never reach students.
FORBIDDEN_NAMES = {"gradebook.db", "nbgrader_config.py", "rubrics", "autograded", "submitted", "feedback",
                   "source", "instructor", "sandbox", "tests", "grades.csv", ".nbgrader.log", "exchange"}
#: Library packages used only for grading (the pipeline and the grading sandbox): left out of the edition.
GRADING_PACKAGES = {"hub", "instructor", "sandbox"}
FORBIDDEN_TEXT = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".csv", ".json", ".cfg", ".yml", ".yaml", ""}


class EditionLeak(RuntimeError):
    """Grading material was found in a student edition."""


def secret_lines(exercises: Path) -> list[str]:
    """Lines of solution regions, solution markdown cells and hidden tests in the exercise sources (over 12 chars)."""
    lines = []
    for path in sorted(exercises.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for region in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.DOTALL):
                lines += [line.strip() for line in region.splitlines() if len(line.strip()) > 12]
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("solution"):
                lines += [line.strip() for line in cell.source.splitlines() if len(line.strip()) > 12]
    return sorted(set(lines))


def find_leaks(folder: Path, secrets: list[str]) -> list[str]:
    """Every grading file, marker or secret line (a whole line of a solution or hidden test) under ``folder``."""
    leaks = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in FORBIDDEN_NAMES for part in rel.parts):
            leaks.append(f"grading file: {rel}")
            continue
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            try:
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells) + "\n" + text
            except Exception:  # noqa: BLE001 - an unreadable notebook is reported as such below
                leaks.append(f"unreadable notebook: {rel}")
        leaks += [f"{marker!r} in {rel}" for marker in FORBIDDEN_TEXT if marker in text]
        present = {line.strip() for line in text.splitlines()}
        leaks += [f"secret line in {rel}: {line[:60]}" for line in secrets if line in present]
    return leaks


def student_pyproject(text: str) -> str:
    """The repository's ``pyproject.toml`` adapted for students: no instructor command, no test set-up."""
    lines = [line for line in text.splitlines() if not any(f"helpcourse.{p}" in line for p in GRADING_PACKAGES)]
    out, skipping = [], False
    for line in lines:
        if line.startswith("["):
            skipping = line.strip() in {"[project.optional-dependencies]", "[tool.pytest.ini_options]", "[tool.ruff]",
                                        "[tool.ruff.lint]"}
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def _released(exercises: Path, work: Path) -> Path:
    """Generate every exercise's release in a throwaway course root; returns its release/ folder."""
    (work / "grading").mkdir(parents=True)
    shutil.copy(REPO / "grading" / "nbgrader_config.py", work / "grading" / "nbgrader_config.py")
    shutil.copytree(exercises, work / "course" / "exercises")
    course = load_course_root(work / "grading")
    for exercise in sorted(p.name for p in exercises.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))):
        done = run_nbgrader(course, "generate_assignment", exercise, "--force")
        if done.returncode != 0:
            raise RuntimeError(f"generate_assignment {exercise} failed:\n{done.stdout}\n{done.stderr}")
    return course.root / "release"


def _ignore(_folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in {"__pycache__", ".ipynb_checkpoints", *GRADING_PACKAGES} or n.endswith(".pyc")}


def _version() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return f"{datetime.now(UTC):%Y-%m-%d}" + (f"+{commit}" if commit else "")


def write_manifest(folder: Path, version: str) -> Path:
    """Record the SHA-256 of every file of the edition (what ``update.py`` compares against)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            files[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    target = folder / MANIFEST
    target.write_text(json.dumps({"version": version, "files": files}, indent=1, sort_keys=True))
    return target


def build_edition(out: Path | None = None, repo: Path = REPO) -> tuple[Path, Path]:
    """Build the student edition folder and zip.

    Parameters
    ----------
    out
        The build folder (default ``build/`` in the repository).
    repo
        The course repository to build from.

    Returns
    -------
    tuple of Path
        The edition folder and the zip.

    Raises
    ------
    EditionLeak
        If any solution, hidden test, rubric, gradebook or grading file is inside.
    """
    out = Path(out or repo / "build")
    folder = out / "student-edition" / EDITION_NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    exercises = repo / "course" / "exercises"
    with tempfile.TemporaryDirectory(prefix="helpcourse-release-") as tmp:
        release = _released(exercises, Path(tmp))
        shutil.copytree(release, folder / "course" / "exercises", ignore=_ignore)
    shutil.copytree(repo / "course" / "modules", folder / "course" / "modules", ignore=_ignore)
    shutil.copy(repo / "course" / "README.md", folder / "course" / "README.md")
    shutil.copytree(repo / "src" / "helpcourse", folder / "src" / "helpcourse", ignore=_ignore)
    (folder / "pyproject.toml").write_text(student_pyproject((repo / "pyproject.toml").read_text()))
    for name in ("README.md", "Makefile", "update.py"):
        shutil.copy(TEMPLATES / name, folder / name)
    leaks = find_leaks(folder, secret_lines(exercises))
    if leaks:
        raise EditionLeak("grading material in the student edition:\n" + "\n".join(leaks))
    write_manifest(folder, _version())
    archive = out / f"{EDITION_NAME}-student-edition.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                handle.write(path, Path(EDITION_NAME) / path.relative_to(folder))
    return folder, archive


def main(argv: list[str] | None = None) -> int:
    """``make student-edition``: build the folder and the zip and say where they are."""
    parser = argparse.ArgumentParser(prog="helpcourse-student-edition", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="build folder (default: build/ in the repository)")
    args = parser.parse_args(argv)
    folder, archive = build_edition(Path(args.out) if args.out else None)
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    print(f"student edition: {folder} ({count} files)")
    print(f"zip: {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
