"""The library's layout as docs/ARCHITECTURE.md draws it: the module map is true, and imports stay in their layer.

``python tests/test_architecture.py`` prints the module map's rows as the code has them (paste them into
docs/ARCHITECTURE.md after a change).
"""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "src" / "helpcourse"
ARCHITECTURE = REPO / "docs" / "ARCHITECTURE.md"
MODULES = sorted((REPO / "course" / "modules").glob("*.ipynb"))
COLUMNS = ["module", "notebook", "exercise", "analysis", "simulation", "figures", "demos", "data sets", "evidence keys"]
# Imported by every notebook; the layers section of docs/ARCHITECTURE.md names them once.
EVERYWHERE = {"checks", "data", "demos", "evidence"}
SUBPACKAGES = ("simulate", "figures", "demos")


def _code(path: Path) -> str:
    """The code of a notebook's code cells, or of a Python file."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return path.read_text()


@cache
def _evidence_keys() -> frozenset[str]:
    with (LIBRARY / "evidence.csv").open(newline="") as handle:
        return frozenset(row["key"] for row in csv.DictReader(handle))


def _topic_of(package: str) -> dict[str, str]:
    """Public name -> topic file, as the package finds them (helpcourse.lazy.topic_names)."""
    from helpcourse.lazy import topic_names

    return {name: topic for topic, names in topic_names(LIBRARY / package).items() for name in names}


def _library_imports(code: str) -> tuple[set[str], set[str]]:
    """(top-level helpcourse modules, helpcourse.simulate topics) a piece of code imports."""
    modules: set[str] = set()
    simulations: set[str] = set()
    for names in re.findall(r"^\s*from helpcourse import ([^\n]+)", code, re.M):
        modules |= {name.split(" as ")[0].strip() for name in names.split(",")}
    for topic in re.findall(r"^\s*from helpcourse\.simulate import (\w+)", code, re.M):
        simulations.add(topic)
    for name in re.findall(r"^\s*from helpcourse\.(\w+)[. ]", code, re.M):
        if name not in {"simulate", "demos", "figures"}:
            modules.add(name)
    return modules, simulations


def module_row(notebook: Path) -> dict[str, list[str]]:
    """The module map's row for one module, derived from its notebook, its exercise and the demos it calls (the
    analysis column holds what the notebook, the exercise and those demos import)."""
    number = notebook.name[:2]
    exercise = next((REPO / "course" / "exercises").glob(f"ps{number}_*"))
    exercise_file = exercise / f"{exercise.name}.ipynb"
    sources = [_code(notebook), _code(exercise_file)]
    modules, simulations = set(), set()
    for code in sources:
        found, simulated = _library_imports(code)
        modules |= found
        simulations |= simulated
    demo_of, figure_of = _topic_of("demos"), _topic_of("figures")
    demo_topics = {demo_of[name] for name in re.findall(r"\bdemos\.(\w+)\(", sources[0])}
    for topic in sorted(demo_topics):
        demo_topics |= _topic_imports("demos", LIBRARY / "demos" / f"{topic}.py") - SHARED["demos"]
    figure_topics: set[str] = set()
    for topic in sorted(demo_topics):
        code = _code(LIBRARY / "demos" / f"{topic}.py")
        sources.append(code)
        found, simulated = _library_imports(code)
        modules |= found - {"figures"}
        simulations |= simulated
        figure_topics |= {figure_of[name] for name in re.findall(r"\bfigures\.(\w+)\b", code) if name in figure_of}
        figure_topics |= set(re.findall(r"^from helpcourse\.figures\.(\w+) import", code, re.M))
    for topic in sorted(figure_topics):
        sources.append(_code(LIBRARY / "figures" / f"{topic}.py"))
    analysis = sorted(modules - EVERYWHERE)
    for name in analysis:
        sources.append(_code(LIBRARY / f"{name}.py"))
    for topic in simulations:
        sources.append(_code(LIBRARY / "simulate" / f"{topic}.py"))
    text = "\n".join(sources)
    data_sets = sorted(set(re.findall(r"\bdata\.(load_\w+)\(", text)))
    keys = sorted(set(re.findall(r"[\"']([a-z0-9_]+)[\"']", text)) & _evidence_keys())
    return {
        "module": [number],
        "notebook": [notebook.name],
        "exercise": [exercise.name],
        "analysis": analysis,
        "simulation": sorted(simulations),
        "figures": sorted(figure_topics - {"core"}) or ["core"],
        "demos": sorted(demo_topics),
        "data sets": data_sets,
        "evidence keys": keys,
    }


def format_row(row: dict[str, list[str]]) -> str:
    cells = [row["module"][0]] + [", ".join(f"`{v}`" for v in row[column]) or "-" for column in COLUMNS[1:]]
    return "| " + " | ".join(cells) + " |"


def _documented_rows() -> dict[str, str]:
    rows = {}
    for line in ARCHITECTURE.read_text().splitlines():
        match = re.match(r"\| (\d\d) \|", line)
        if match:
            rows[match.group(1)] = line.strip()
    return rows


@pytest.mark.parametrize("notebook", MODULES, ids=[path.stem for path in MODULES])
def test_module_map_row_is_true(notebook: Path):
    expected = format_row(module_row(notebook))
    documented = _documented_rows().get(notebook.name[:2])
    assert documented == expected, f"docs/ARCHITECTURE.md's row should read\n{expected}"


def test_every_library_file_is_on_the_map():
    text = ARCHITECTURE.read_text()
    files = sorted(path.relative_to(LIBRARY).as_posix() for path in LIBRARY.rglob("*.py") if path.name != "__init__.py")
    files = [name for name in files if not name.startswith(("instructor/", "sandbox/", "hub/", "lms/"))]
    missing = [name for name in files if f"`{name}`" not in text]
    packages = [f"`{name}/`" for name in ("instructor", "sandbox", "hub", "lms", *SUBPACKAGES)]
    missing += [name for name in packages if name not in text]
    assert not missing, f"docs/ARCHITECTURE.md does not name {missing}"


@pytest.mark.parametrize("package", ["demos", "figures"])
def test_names_read_without_importing_equal_each_files_public_names(package: str):
    import importlib

    topic_of = _topic_of(package)
    for path in sorted((LIBRARY / package).glob("*.py")):
        if path.name == "__init__.py":
            continue
        public = importlib.import_module(f"helpcourse.{package}.{path.stem}").__all__
        listed = sorted(name for name, topic in topic_of.items() if topic == path.stem)
        assert listed == sorted(public), f"the names read from {package}/{path.name} differ from its __all__"
        for name in public:
            assert getattr(importlib.import_module(f"helpcourse.{package}"), name) is not None, name


def test_a_file_without_a_public_list_or_a_name_defined_twice_is_refused(tmp_path: Path):
    from helpcourse.lazy import topic_names

    (tmp_path / "one.py").write_text('__all__ = [\n    "shown",\n]\n')
    assert topic_names(tmp_path) == {"one": ("shown",)}
    (tmp_path / "two.py").write_text('__all__ = ["shown"]\n')
    with pytest.raises(ValueError, match="both one.py and two.py"):
        topic_names(tmp_path)
    (tmp_path / "two.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="two.py has no __all__"):
        topic_names(tmp_path)


def _topic_imports(package: str, path: Path) -> set[str]:
    """The other topic files of ``package`` that ``path`` imports at its top level."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(f"helpcourse.{package}."):
                found.add(node.module.rsplit(".", 1)[1])
            elif node.module == f"helpcourse.{package}":
                found |= {alias.name for alias in node.names}
    return found - {path.stem}


# The building blocks every topic may import, and the one topic that reuses another (the capstone's reply practice
# is module 03's, with the capstone client's statements).
SHARED = {"demos": {"common", "choice"}, "figures": {"core"}}
ALLOWED = {("demos", "capstone"): {"practice"}}


@pytest.mark.parametrize("package", ["demos", "figures"])
def test_a_topic_imports_no_other_topic(package: str):
    for path in sorted((LIBRARY / package).glob("*.py")):
        if path.name == "__init__.py":
            continue
        others = _topic_imports(package, path) - SHARED[package] - ALLOWED.get((package, path.stem), set())
        assert not others, f"helpcourse/{package}/{path.name} imports the topics {sorted(others)}"


def test_lower_layers_import_no_widget_or_figure():
    """Analysis, simulations and data import no demos and no figures (the layers only call downwards)."""
    offenders = []
    for path in sorted(LIBRARY.glob("*.py")) + sorted((LIBRARY / "simulate").glob("*.py")):
        if path.stem in {"checks", "lazy", "__init__"}:
            continue
        code = path.read_text()
        if re.search(r"^\s*(?:from helpcourse(?:\.demos|\.figures)?|import) (?:demos|figures)\b|"
                     r"^\s*from helpcourse\.(?:demos|figures)\b|^\s*import (?:ipywidgets|anywidget)", code, re.M):
            offenders.append(path.relative_to(LIBRARY).as_posix())
    assert not offenders, f"these lower-layer files import widgets or figures: {offenders}"


# What importing a part of the library must not pull in (each run in a fresh interpreter).
IMPORT_SCOPE = [
    ("import helpcourse", ["pandas", "plotly", "ipywidgets", "scipy", "sklearn", "statsmodels"]),
    ("from helpcourse import checks", ["plotly", "pandas", "sklearn", "statsmodels", "helpcourse.demos.common"]),
    ("from helpcourse import effects, evidence, data", ["scipy", "statsmodels", "sklearn", "plotly"]),
    ("from helpcourse import demos, figures", ["plotly", "pandas", "sklearn", "helpcourse.demos.reading"]),
    ("import helpcourse.figures.adapting, helpcourse.figures.alliance, helpcourse.figures.capstone, "
     "helpcourse.figures.coder, helpcourse.figures.collaboration, helpcourse.figures.facilitate, "
     "helpcourse.figures.reading, helpcourse.figures.relationship, helpcourse.figures.strengths",
     ["sklearn", "statsmodels", "ipywidgets", "helpcourse.coder", "helpcourse.demos"]),
    ("from helpcourse import demos; demos.correlation_explorer",
     ["sklearn", "statsmodels", "helpcourse.coder", "helpcourse.demos.alliance", "helpcourse.demos.facilitate",
      "helpcourse.figures.alliance", "helpcourse.figures.adapting"]),
    ("from helpcourse import adherence, capstone, checks, coder, data, demos, effects, evidence, progress",  # 08
     ["scipy", "sklearn", "statsmodels"]),
    ("from helpcourse import demos; demos.therapy_forest",
     ["sklearn", "helpcourse.coder", "helpcourse.demos.reading", "helpcourse.demos.adapting"]),
]


def test_imports_load_no_more_than_they_need():
    script = (
        "import json, subprocess, sys\n"
        "cases = json.loads(sys.argv[1])\n"
        "out = []\n"
        "for code, banned in cases:\n"
        "    probe = code + '\\nimport sys, json; print(json.dumps(sorted(sys.modules)))'\n"
        "    loaded = set(json.loads(subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,"
        " check=True).stdout.splitlines()[-1]))\n"
        "    out.append([code, [name for name in banned if name in loaded]])\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, json.dumps(IMPORT_SCOPE)], capture_output=True,
                            text=True, check=True)
    loaded_too_much = {code: extra for code, extra in json.loads(result.stdout) if extra}
    assert not loaded_too_much, f"imports that load more than they need: {loaded_too_much}"


if __name__ == "__main__":
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for path in MODULES:
        print(format_row(module_row(path)))
