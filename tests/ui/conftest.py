"""Fixtures of the real-browser tests: one JupyterLab, one Chromium, and every module run once in the page.

The tests run in the default ``pytest`` run (marked ``ui``). They are skipped only where ``/usr/bin/chromium`` is
missing and ``CI`` is not set; ``.ci/run`` installs Chromium, and under CI a missing browser fails them.
Every failing test leaves a screenshot in the artifacts folder (``HELPCOURSE_UI_ARTIFACTS``, by default
``<temp>/helpcourse-ui-artifacts``), with the server's log.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_harness import (
    AXE_SCRIPT,
    CHROMIUM,
    REPO,
    UI_DIR,
    LabServer,
    ModuleRun,
    NotebookPage,
    audit_controls_and_figures,
    launch_chromium,
    make_workspace,
    module_notebooks,
    read_cells,
    run_axe,
)

ARTIFACTS = Path(os.environ.get("HELPCOURSE_UI_ARTIFACTS", Path(tempfile.gettempdir()) / "helpcourse-ui-artifacts"))
MODULES = module_notebooks()

#: What the session saw, printed at its end: timings, JupyterLab's own accessibility findings, screenshots.
SESSION_REPORT: dict[str, Any] = {"timings": {}, "lab_violations": {}, "course_notes": {}, "screenshots": []}
#: The page a test is working in, for the screenshot of a failure that happens inside a fixture.
ACTIVE_PAGES: list[Any] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ui: drives a real JupyterLab in Chromium (tests/ui); skipped only without /usr/bin/chromium"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).parent == UI_DIR:
            item.add_marker(pytest.mark.ui)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when not in ("setup", "call"):
        return
    page = next((value.page for value in getattr(item, "funcargs", {}).values() if hasattr(value, "page")), None)
    page = page or (ACTIVE_PAGES[-1] if ACTIVE_PAGES else None)
    if page is None or page.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:] + ".png")
    try:
        page.screenshot(path=str(path))
    except Exception as error:  # the page may have crashed: the report says so instead of a picture
        report.sections.append(("screenshot", f"no screenshot: {error}"))
        return
    SESSION_REPORT["screenshots"].append(str(path))
    report.sections.append(("screenshot", str(path)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    report = SESSION_REPORT
    if not report["timings"] and not report["screenshots"]:
        return
    write = terminalreporter.write_line
    terminalreporter.section("browser tests (tests/ui)")
    for name, seconds in report["timings"].items():
        write(f"{name}: " + ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items()))
    if report["course_notes"]:
        write("Best-practice findings in the course's own content (axe 'best-practice' rules; reported, not failed):")
        for name, violations in report["course_notes"].items():
            write(f"  {name}: " + "; ".join(f"{v['id']} ({len(v['nodes'])})" for v in violations))
    if report["lab_violations"]:
        write("JupyterLab's own accessibility violations (axe; reported, not failed; nodes per module):")
        for rule, seen in sorted(report["lab_violations"].items()):
            counts = ", ".join(f"{name} {count}" for name, count in sorted(seen["nodes"].items()))
            write(f"  {rule} ({seen['impact']}): {seen['help']} [{counts}]")
    if report["screenshots"]:
        write(f"Screenshots of failures: {ARTIFACTS}")


# ------------------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ui_report() -> dict[str, Any]:
    """What the session reports at its end; tests add their timings under ``timings``."""
    return SESSION_REPORT


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; without it the browser tests skip locally and fail under CI."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message + "; under CI the browser tests must run", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from the npm registry, installed into tests/ui/node_modules from the committed lock file."""
    if not AXE_SCRIPT.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(UI_DIR), "--no-audit", "--no-fund"], check=False,
                       capture_output=True, timeout=300)
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `npm ci --prefix tests/ui`", pytrace=False)
    return AXE_SCRIPT


@pytest.fixture(scope="session")
def lab_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving a temporary copy of the course (never the repository itself)."""
    assert os.environ.get("HELPCOURSE_DATA_DIR"), "the browser tests read the data sets from HELPCOURSE_DATA_DIR"
    base = tmp_path_factory.mktemp("jupyterlab")
    server = LabServer(root=make_workspace(base / "course_root"), scratch=base / "scratch")
    start = time.perf_counter()
    server.start()
    SESSION_REPORT["timings"]["JupyterLab"] = {"start": time.perf_counter() - start}
    yield server
    server.stop()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(server.log_path, ARTIFACTS / "jupyterlab.log")


@pytest.fixture(scope="session")
def chromium(chromium_path: Path) -> Iterator[Any]:
    """One headless Chromium for the session; each module gets its own browser context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session", params=MODULES, ids=[path.stem for path in MODULES])
def module_run(request: pytest.FixtureRequest, lab_server: LabServer, chromium: Any, axe_script: Path) -> Iterator[
        ModuleRun]:
    """Open one module, wait for its kernel, Run All, wait for its demos, and audit the page right after."""
    path: Path = request.param
    notebook = path.relative_to(REPO).as_posix()
    cells = read_cells(path)
    nbpage = NotebookPage(chromium, lab_server, notebook)
    ACTIVE_PAGES.append(nbpage.page)
    timings: dict[str, float] = {}
    try:
        timings["open"] = nbpage.open()
        timings["run all"] = nbpage.run_all(cells)
        start = time.perf_counter()
        render_problem = None
        try:
            nbpage.wait_for_demos(cells)
        except Exception as error:  # reported by the rendering test, with the page's state
            render_problem = f"demos did not all render: {error}"
        timings["widgets"] = time.perf_counter() - start
        errors = {cell.index: nbpage.error_outputs(cell.index) for cell in cells if cell.cell_type == "code"}
        start = time.perf_counter()
        axe = run_axe(nbpage.page)
        audit = audit_controls_and_figures(nbpage.page)
        timings["audit"] = time.perf_counter() - start
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"setup-{path.stem}.png"
        with contextlib.suppress(Exception):  # the original error matters more than the picture
            nbpage.screenshot(shot)
            SESSION_REPORT["screenshots"].append(str(shot))
        _close(nbpage, lab_server)
        raise
    run = ModuleRun(path.stem, notebook, cells, nbpage, nbpage.prompts(), errors, render_problem, axe, audit, timings)
    SESSION_REPORT["timings"][path.stem] = timings
    for violation in axe["lab"]:
        seen = SESSION_REPORT["lab_violations"].setdefault(
            violation["id"], {"impact": violation["impact"], "help": violation["help"], "nodes": {}})
        seen["nodes"][path.stem] = len(violation["nodes"])
    if run.best_practice_findings():
        SESSION_REPORT["course_notes"][path.stem] = run.best_practice_findings()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{path.stem}.json").write_text(json.dumps(axe, indent=1))
    yield run
    _close(nbpage, lab_server)


def _close(nbpage: NotebookPage, server: LabServer) -> None:
    """Close a module's page and shut its kernel down."""
    if nbpage.page in ACTIVE_PAGES:
        ACTIVE_PAGES.remove(nbpage.page)
    with contextlib.suppress(Exception):
        nbpage.close()
    with contextlib.suppress(Exception):
        server.shutdown_kernels_of(nbpage.notebook)
