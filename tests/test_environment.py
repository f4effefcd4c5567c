"""The conda/Binder environment and the package metadata pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"]) + [s for extra in meta["optional-dependencies"].values() for s in extra]
    pins = {}
    for spec in specs:
        name, _, version = spec.partition("==")
        assert version, f"pyproject.toml: {spec!r} is not pinned with =="
        pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_every_dependency_is_pinned_exactly():
    pins = _pyproject_pins()
    assert {"jupyterlab", "nbgrader", "ipywidgets", "plotly", "anywidget", "pytest", "nbval"} <= set(pins)


def test_environment_yml_matches_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_environment_yml_installs_the_course_package():
    assert "- -e ." in (REPO / "environment.yml").read_text()
