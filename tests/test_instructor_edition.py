"""The student edition: built fresh, free of grading material, runnable, and updatable without losing work."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpcourse.instructor.edition import MANIFEST, build_edition, find_leaks, secret_lines, student_pyproject

REPO = Path(__file__).resolve().parents[1]
UPDATE = REPO / "tools" / "student_edition" / "update.py"
EXERCISES = sorted(p.name for p in (REPO / "course" / "exercises").iterdir() if p.is_dir())
MODULES = sorted(p.name for p in (REPO / "course" / "modules").glob("*.ipynb"))
#: Modules run from the built folder at the same time, each in a kernel of its own (a kernel keeps one core busy).
PARALLEL = 2


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    folder, archive = build_edition(out)
    return {"folder": folder, "zip": archive, "out": out}


def _source_secrets() -> list[str]:
    """Solution and hidden-test lines of every exercise source, read independently of the build."""
    lines = []
    for name in EXERCISES:
        for cell in nbformat.read(REPO / "course" / "exercises" / name / f"{name}.ipynb", as_version=4).cells:
            for block in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.DOTALL):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
    return lines


def test_edition_holds_modules_released_exercises_library_and_readme(edition):
    folder = edition["folder"]
    assert sorted(p.name for p in (folder / "course" / "modules").glob("*.ipynb")) == MODULES
    for name in EXERCISES:
        release = nbformat.read(folder / "course" / "exercises" / name / f"{name}.ipynb", as_version=4)
        text = "\n".join(c.source for c in release.cells)
        assert re.findall(r"^\w+ = \.\.\.$", text, re.MULTILINE), "the answer lines students complete"
    for path in ("README.md", "Makefile", "update.py", "pyproject.toml", "src/helpcourse/evidence.py", MANIFEST):
        assert (folder / path).is_file(), path
    assert "make lab" in (folder / "README.md").read_text()
    assert re.search(r"^lab:", (folder / "Makefile").read_text(), re.MULTILINE)


def test_edition_has_no_grading_material(edition):
    folder = edition["folder"]
    forbidden_names = {"gradebook.db", "nbgrader_config.py", "rubrics", "autograded", "submitted", "instructor",
                       "sandbox", "source", "tests"}
    secrets = _source_secrets()
    assert secrets, "the sources have solutions and hidden tests to look for"
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        assert not forbidden_names & set(rel.parts), f"grading file in the edition: {rel}"
        assert "rubric" not in path.name.lower(), rel
        if path.is_file() and path.suffix in {".ipynb", ".py", ".md", ".toml", ".json", ".csv", ""}:
            text = path.read_text(errors="replace")
            for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "END SOLUTION"):
                assert marker not in text, f"{marker} in {rel}"
            if path.suffix == ".ipynb":
                cells = nbformat.reads(text, as_version=4).cells
                cells = {line.strip() for cell in cells for line in cell.source.splitlines()}
                leaked = [line for line in secrets if line in cells]
                assert not leaked, f"solution or hidden-test lines in {rel}: {leaked}"


def test_zip_holds_the_same_files(edition):
    folder = edition["folder"]
    with zipfile.ZipFile(edition["zip"]) as archive:
        names = {n for n in archive.namelist() if not n.endswith("/")}
    expected = {f"helpers-role/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()}
    assert names == expected


def test_leak_check_catches_a_solution(tmp_path):
    (tmp_path / "course").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("answer = ...\n### BEGIN SOLUTION\nanswer = compute_the_answer(42)\n"
                                          "### END SOLUTION")]
    nbformat.write(nb, tmp_path / "course" / "leaky.ipynb")
    (tmp_path / "gradebook.db").write_text("")
    leaks = find_leaks(tmp_path, ["answer = compute_the_answer(42)"])
    assert any("gradebook.db" in leak for leak in leaks)
    assert any("BEGIN SOLUTION" in leak for leak in leaks)
    assert any("secret line" in leak for leak in leaks)
    assert "answer = compute_the_answer(42)" in secret_lines_of(tmp_path)


def secret_lines_of(folder: Path) -> list[str]:
    exercises = folder / "ex"
    (exercises / "ps99").mkdir(parents=True)
    shutil.copy(folder / "course" / "leaky.ipynb", exercises / "ps99" / "ps99.ipynb")
    return secret_lines(exercises)


def test_student_pyproject_drops_instructor_parts_and_keeps_nbgrader():
    text = student_pyproject((REPO / "pyproject.toml").read_text())
    assert "helpcourse.instructor" not in text and "[tool.pytest" not in text
    assert '"nbgrader==' in text and "[project.scripts]" in text


@pytest.fixture(scope="module")
def module_runs(request, edition, mirror_dir) -> dict[str, str | BaseException]:
    """Every selected module run from the built folder (its own ``src/`` on PYTHONPATH, the data mirror), ``PARALLEL``
    kernels at a time: module -> what its added last cell printed (where ``helpcourse`` came from), or the error."""
    folder = edition["folder"]
    specs = [getattr(item, "callspec", None) for item in request.session.items
             if getattr(item, "module", None) is request.module]
    wanted = [m for m in MODULES if any(spec and spec.params.get("module") == m for spec in specs)]

    async def run(module: str, gate: asyncio.Semaphore) -> str:
        path = folder / "course" / "modules" / module
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("import helpcourse\nprint(helpcourse.__file__)"))
        async with gate:
            await NotebookClient(nb, timeout=120, kernel_name="python3",
                                 resources={"metadata": {"path": str(path.parent)}}).async_execute()
        return "".join(o.get("text", "") for o in nb.cells[-1].outputs)

    async def run_all() -> list[str | BaseException]:
        gate = asyncio.Semaphore(PARALLEL)
        return await asyncio.gather(*(run(module, gate) for module in wanted), return_exceptions=True)

    with pytest.MonkeyPatch.context() as patch:  # the kernels inherit these
        patch.setenv("PYTHONPATH", str(folder / "src"))
        patch.setenv("HELPCOURSE_DATA_DIR", str(mirror_dir))
        return dict(zip(wanted, asyncio.run(run_all()), strict=True))


@pytest.mark.notebooks
@pytest.mark.parametrize("module", MODULES)
def test_modules_run_from_the_built_folder(edition, module_runs, module):
    printed = module_runs[module]
    if isinstance(printed, BaseException):
        raise printed  # the cell that failed, as a run of this module alone reports it
    assert printed.strip().startswith(str(edition["folder"] / "src")), f"the library came from {printed!r}"


def _edition(folder: Path, files: dict[str, str]) -> Path:
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
        hashes[rel] = hashlib.sha256(text.encode()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps({"version": folder.name, "files": hashes}))
    return folder


def _update(here: Path, new: Path, *options: str) -> str:
    done = subprocess.run([sys.executable, str(UPDATE), str(new), "--here", str(here), *options],
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_update_adds_new_files_and_never_replaces_a_changed_one(tmp_path):
    here = _edition(tmp_path / "mine", {"course/ps01.ipynb": "released v1", "course/m01.ipynb": "module v1",
                                        "src/lib.py": "lib v1"})
    (here / "course" / "ps01.ipynb").write_text("MY ANSWERS")
    os.remove(here / "src" / "lib.py")
    new = _edition(tmp_path / "v2", {"course/ps01.ipynb": "released v2", "course/m01.ipynb": "module v2",
                                     "src/lib.py": "lib v2", "course/ps02.ipynb": "new exercise"})
    out = _update(here, new)
    assert (here / "course" / "ps01.ipynb").read_text() == "MY ANSWERS", "the student's work is untouched"
    assert (here / "course" / "ps01.new.ipynb").read_text() == "released v2", "the new version is beside it"
    assert (here / "course" / "m01.ipynb").read_text() == "module v2", "an untouched file is updated"
    assert (here / "course" / "ps02.ipynb").read_text() == "new exercise"
    assert (here / "src" / "lib.py").read_text() == "lib v2", "a deleted course file comes back"
    assert "kept yours  course/ps01.ipynb" in out
    # A second update still recognises the student's file as theirs.
    newer = _edition(tmp_path / "v3", {"course/ps01.ipynb": "released v3", "course/m01.ipynb": "module v2"})
    _update(here, newer)
    assert (here / "course" / "ps01.ipynb").read_text() == "MY ANSWERS"


def test_update_add_only_and_dry_run_change_no_existing_file(tmp_path):
    here = _edition(tmp_path / "mine", {"a.md": "v1"})
    new = _edition(tmp_path / "v2", {"a.md": "v2", "b.md": "new"})
    _update(here, new, "--dry-run")
    assert not (here / "b.md").exists() and (here / "a.md").read_text() == "v1"
    _update(here, new, "--add-only")
    assert (here / "b.md").read_text() == "new" and (here / "a.md").read_text() == "v1"


def test_update_from_the_built_zip_keeps_a_students_answers(edition, tmp_path):
    mine = tmp_path / "student" / "helpers-role"
    shutil.copytree(edition["folder"], mine)
    exercise = next((mine / "course" / "exercises").glob("*/*.ipynb"))
    exercise.write_text(exercise.read_text().replace("= ...", "= 0.5", 1))
    answered = exercise.read_text()
    done = subprocess.run([sys.executable, str(mine / "update.py"), str(edition["zip"])], capture_output=True,
                          text=True, check=True)
    out = done.stdout
    assert exercise.read_text() == answered
    assert "kept yours" in out and " added" not in out, out
