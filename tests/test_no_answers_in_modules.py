"""No graded answer can be copied from a module: no autograded reference value appears in a module's output.

Every exercise's solutions are executed to read each numeric answer (at the precision its prompt asks for), and
every module is executed as a student runs it (the outputs of nbval's run in the same session are reused, see the
repository's conftest.py); the printed text, tables and HTML of every module cell are then searched for each
answer, in the forms a student would recognise (0.467, .467, 46.7%). Widget views drawn later in the browser are
not searched (their numbers follow the student's own slider settings).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import pytest
from graded_answers import graded_precision
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "course" / "modules").glob("*.ipynb"))
EXERCISES = sorted((REPO / "course" / "exercises").glob("*/*.ipynb"))
MARK = "__GRADED_ANSWERS__"
pytestmark = pytest.mark.notebooks


def _execute(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                   allow_errors=False, store_widget_state=False).execute()
    return nb


def graded_answers(path: Path) -> dict[str, tuple[float, int]]:
    """Each numeric answer of an exercise's solutions, with the decimals its question asks for."""
    nb = nbformat.read(path, as_version=4)
    precision = {name: n for cell in nb.cells for name, n in graded_precision(cell.source).items()}
    names = json.dumps(sorted(precision))
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import json\nprint({MARK!r} + json.dumps({{n: float(globals()[n]) for n in {names}}}))"))
    _execute(nb, path.parent)
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    values = json.loads(printed.split(MARK, 1)[1])
    return {name: (values[name], precision[name]) for name in precision}


def _output_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        for kind in ("text/plain", "text/html", "text/markdown"):
            parts.append(out.get("data", {}).get(kind, ""))
    return "\n".join(parts)


def forms(value: float, decimals: int) -> list[str]:
    """How a value shows in output: with at least three significant digits (0.579, .579, 57.9% for a proportion),
    and at the precision asked when that has three. Shorter figures (0.58, 12) turn up everywhere by chance."""
    if value == 0:
        return []
    places = max(decimals, 2 - math.floor(math.log10(abs(value))), 0)
    found = []
    for digits in dict.fromkeys((places, decimals)):
        text = f"{value:.{digits}f}"
        if len(re.sub(r"\D", "", text).lstrip("0")) >= 3:
            found.append(text)
            if text.startswith(("0.", "-0.")):
                found.append(text.replace("0.", ".", 1))
    if 0 < value < 1:
        found.append(f"{100 * value:.{max(places - 2, 0)}f}%")
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def answers() -> dict[str, tuple[str, float, int]]:
    found = {}
    for path in EXERCISES:
        for name, (value, decimals) in graded_answers(path).items():
            found[f"{path.stem}.{name}"] = (name, value, decimals)
    return found


@pytest.fixture(scope="module")
def module_outputs(request: pytest.FixtureRequest) -> dict[str, str]:
    """The output text of every code cell of every module: as nbval ran it in this session (the repository's
    conftest.py keeps it), else run here."""
    executed = getattr(request.config, "executed_outputs", {})
    outputs = {}
    for path in MODULES:
        nb = nbformat.read(path, as_version=4)
        code_ids = [cell.get("id") for cell in nb.cells if cell.cell_type == "code"]
        ran = executed.get(str(path.resolve()), {})
        if set(code_ids) <= set(ran):
            for cell_id in code_ids:
                outputs[f"{path.stem}#{cell_id}"] = _output_text({"outputs": ran[cell_id]})
            continue
        nb = _execute(nb, path.parent)
        for cell in nb.cells:
            if cell.cell_type == "code":
                outputs[f"{path.stem}#{cell.get('id')}"] = _output_text(cell)
    return outputs


def test_module_outputs_match_a_fresh_run(module_outputs: dict[str, str]) -> None:
    """Outputs kept from nbval's run read as a fresh run's: the checked cells of module 01 say the same words.

    Only white space may differ: how a cell's printing is split into output messages depends on the kernel's
    timing, and each part is joined with a line break."""
    path = MODULES[0]
    fresh = _execute(nbformat.read(path, as_version=4), path.parent)
    checked = [cell for cell in fresh.cells if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source]
    assert checked

    def words(text: str) -> str:
        return "".join(text.split())

    for cell in checked:
        kept = module_outputs[f"{path.stem}#{cell.get('id')}"]
        assert words(kept) == words(_output_text(cell)), cell.get("id")
        assert words(kept), cell.get("id")


def test_forms_of_a_value() -> None:
    assert forms(0.4671, 3) == ["0.467", ".467", "46.7%"]
    assert forms(0.5562, 2) == ["0.556", ".556", "55.6%"]
    assert forms(0.0773, 3) == ["0.0773", ".0773", "7.73%"]
    assert forms(202.0, 0) == ["202"] and forms(11.52, 1) == ["11.5"]


def test_every_numeric_answer_is_read(answers: dict[str, tuple[str, float, int]]) -> None:
    assert len({key.split(".")[0] for key in answers}) == len(EXERCISES)
    assert len(answers) >= 20


def test_no_graded_answer_is_printed_by_a_module(answers, module_outputs) -> None:
    copies = []
    for key, (_, value, decimals) in answers.items():
        for form in forms(value, decimals):
            pattern = re.compile(rf"(?<![\d.]){re.escape(form)}(?![\d])")
            copies += [(key, form, where) for where, text in module_outputs.items() if pattern.search(text)]
    assert not copies, f"graded answers that a module prints (exercise.answer, as shown, module#cell): {copies}"
