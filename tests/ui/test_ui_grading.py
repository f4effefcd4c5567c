"""The nbgrader cycle as a student and an instructor see it in JupyterLab, on a local exchange in a temporary folder.

The served course root is a temporary copy whose ``grading/nbgrader_config.py`` puts the exchange in
``grading/exchange`` of that copy. The instructor releases the first exercise on the command line
(``generate_assignment``, ``release_assignment``); in the browser the student's *Assignments* tab lists it,
fetches it, validates it and submits it; ``nbgrader collect`` brings it into the course root, and the
Formgrader lists the submission. The steps run in order and share one page; a failed step fails the later ones.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from nbgrader.utils import get_username
from ui_harness import REPO, VIEWPORT, LabServer, exercise_names, nbgrader

EXERCISE = exercise_names()[0]
STUDENT = get_username()
COURSE_ID = re.search(r'course_id\s*=\s*"([^"]+)"', (REPO / "grading" / "nbgrader_config.py").read_text()).group(1)


class Classroom:
    """One student's JupyterLab page and the steps done so far."""

    def __init__(self, server: LabServer, page: Any) -> None:
        self.server = server
        self.page = page
        self.done: set[str] = set()

    def require(self, step: str) -> None:
        if step not in self.done:
            pytest.fail(f"needs the step {step!r}, which failed", pytrace=False)

    def assignment(self, listing: str) -> Any:
        return self.page.locator(f"#{listing}_assignments_list > .list_item", has_text=EXERCISE)


@pytest.fixture(scope="module")
def classroom(lab_server: LabServer, chromium: Any, ui_report: dict) -> Iterator[Classroom]:
    """The exercise released to the served course's exchange, and a student's JupyterLab with its Assignments tab."""
    start = time.perf_counter()
    nbgrader(lab_server, "generate_assignment", EXERCISE, "--force")
    nbgrader(lab_server, "release_assignment", EXERCISE, "--force")
    ui_report["timings"]["nbgrader cycle"] = {"generate and release": time.perf_counter() - start}
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(lab_server.url + f"/lab?reset&token={lab_server.token}")
    page.locator(".jp-DirListing-item").first.wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('.lm-Menu-item[data-command="nbgrader:open-assignment-list"]').click()
    yield Classroom(lab_server, page)
    ui_report["timings"]["nbgrader cycle"]["whole cycle"] = time.perf_counter() - start
    context.close()


def test_assignments_tab_lists_the_released_exercise(classroom: Classroom):
    released = classroom.assignment("released")
    released.wait_for(timeout=60_000)
    assert released.get_by_role("button", name="Fetch").is_visible()
    assert COURSE_ID in released.inner_text()
    classroom.done.add("listed")


def test_fetch_downloads_the_exercise(classroom: Classroom):
    classroom.require("listed")
    classroom.assignment("released").get_by_role("button", name="Fetch").click()
    classroom.assignment("fetched").wait_for(timeout=60_000)
    fetched = classroom.server.root / EXERCISE / f"{EXERCISE}.ipynb"
    assert fetched.is_file(), f"Fetch did not write {fetched}"
    assert "BEGIN SOLUTION" not in fetched.read_text(), "the student's copy holds no solution"
    classroom.done.add("fetched")


def test_validate_reports_the_unanswered_questions(classroom: Classroom):
    classroom.require("fetched")
    item = classroom.assignment("fetched")
    item.locator("a.assignment-notebooks-link").click()
    item.locator(".nested_list_item", has_text=EXERCISE).get_by_role("button", name="Validate").click()
    dialog = classroom.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    text = dialog.inner_text()
    assert "Validation Results" in text
    assert "failed" in text and "You have not answered yet" in text, text[:1500]
    dialog.get_by_role("button").last.click()
    dialog.wait_for(state="detached")
    classroom.done.add("validated")


def test_submit_hands_it_in_to_the_exchange(classroom: Classroom):
    classroom.require("fetched")
    classroom.assignment("fetched").get_by_role("button", name="Submit").click()
    submitted = classroom.assignment("submitted")
    submitted.wait_for(timeout=60_000)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", submitted.inner_text()), submitted.inner_text()
    inbound = classroom.server.root / "grading" / "exchange" / COURSE_ID / "inbound"
    assert list(inbound.glob(f"{STUDENT}+{EXERCISE}+*")), f"no submission of {STUDENT} in {inbound}"
    classroom.done.add("submitted")


def test_formgrader_lists_the_collected_submission(classroom: Classroom):
    classroom.require("submitted")
    nbgrader(classroom.server, "collect", EXERCISE)
    collected = classroom.server.root / "grading" / "submitted" / STUDENT / EXERCISE / f"{EXERCISE}.ipynb"
    assert collected.is_file(), f"collect did not write {collected}"
    page = classroom.page
    page.goto(classroom.server.page_url(f"formgrader/manage_submissions/{EXERCISE}"))
    row = page.locator("table tbody tr", has_text=STUDENT)
    row.first.wait_for(timeout=60_000)
    assert row.count() == 1
    assert "needs autograding" in row.inner_text()
