"""Shared test set-up: point the data loaders at the offline mirror, never at the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MIRROR = (REPO.parent / "shared" / "data").resolve()

# Tests and CI read the real data sets from the offline mirror laid out as <dataset>/<file>.
if "HELPCOURSE_DATA_DIR" not in os.environ and MIRROR.is_dir():
    os.environ["HELPCOURSE_DATA_DIR"] = str(MIRROR)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the course repository."""
    return REPO


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The offline data mirror (``../shared/data``); tests that need it skip nothing: it must exist."""
    path = Path(os.environ["HELPCOURSE_DATA_DIR"])
    assert path.is_dir(), f"offline data mirror not found at {path}"
    return path


#: Browser checks known to fail, with the reason; each is an open item of the browser-test work (docs/UI_TESTS.md).
#: They still run and are reported as xfail (or XPASS once fixed), so a fix is seen at once.
KNOWN_UI_FAILURES: dict[str, str] = {
    "test_ui_accessibility.py::test_course_content_has_no_wcag_violations[02_facilitate_dont_direct]":
        "axe-core violations in module 02's demo output (transcript explorer summary table and controls)",
    "test_ui_accessibility.py::test_every_control_has_an_accessible_name[02_facilitate_dont_direct]":
        "module 02 controls without an accessible name",
    "test_ui_accessibility.py::test_every_figure_has_a_title_and_a_text_alternative_under_it[02_facilitate_dont_direct]":
        "module 02 transcript explorer shows its summary table between the figure and its text alternative",
    "test_ui_accessibility.py::test_course_content_has_no_wcag_violations[03_safe_relationship]":
        "axe-core violations in module 03's demo output",
    "test_ui_accessibility.py::test_every_control_has_an_accessible_name[03_safe_relationship]":
        "module 03 controls without an accessible name",
    "test_ui_accessibility.py::test_every_figure_has_a_title_and_a_text_alternative_under_it[03_safe_relationship]":
        "module 03's reply-practice demo has no figure; the generic check expects one per demo cell",
    "test_ui_modules.py::test_every_demo_renders_a_plot_with_data_and_its_controls[03_safe_relationship]":
        "module 03's reply-practice demo has no figure; the generic check waits for one per demo cell",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for suffix, reason in KNOWN_UI_FAILURES.items():
            if item.nodeid.endswith(suffix):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
