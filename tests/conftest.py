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
KNOWN_UI_FAILURES: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for suffix, reason in KNOWN_UI_FAILURES.items():
            if item.nodeid.endswith(suffix):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
