"""Keeps what nbval's run of the course notebooks printed, so a later check reads it instead of running them again.

nbval runs every module (``testpaths`` includes ``course``). The no-copy test (tests/test_no_answers_in_modules.py,
moved to the end of the run below) reads ``request.config.executed_outputs``: for each notebook nbval ran in this
session, the outputs of each code cell (by cell id) that ran without failing. A module nbval did not run whole is
executed again by the test itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

RUN_LAST = ("tests/test_no_answers_in_modules.py::",)


def pytest_configure(config):
    config.executed_outputs = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    outcome = yield
    outputs = getattr(item, "test_outputs", None)
    cell = getattr(item, "cell", None)
    if outcome.excinfo is None and outputs is not None and cell is not None and "id" in cell:
        notebook = str(Path(str(item.fspath)).resolve())
        item.config.executed_outputs.setdefault(notebook, {})[cell["id"]] = list(outputs)


def pytest_collection_modifyitems(config, items):
    last = [item for item in items if item.nodeid.startswith(RUN_LAST)]
    items[:] = [item for item in items if not item.nodeid.startswith(RUN_LAST)] + last
