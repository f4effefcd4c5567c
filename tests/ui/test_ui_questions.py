"""Check-your-understanding questions answer to the keyboard alone, in every module that has one."""

from __future__ import annotations

import pytest
from ui_harness import ModuleRun, poll


def test_a_choice_question_can_be_answered_with_the_keyboard(module_run: ModuleRun):
    questions = [cell for cell in module_run.cells if "checks.choice_question(" in cell.source]
    if not questions:
        pytest.skip(f"{module_run.name} has no multiple-choice question")
    page, cell = module_run.page, module_run.nbpage.cell(questions[0].index)
    cell.scroll_into_view_if_needed()
    radios = cell.locator(".helpcourse-choice input[type=radio]")
    assert radios.count() >= 2, "the question shows its options as radio buttons"
    group_name = cell.locator(".helpcourse-choice fieldset").get_attribute("aria-label") or ""
    assert len(group_name) > 10, "the group of options is named by its question"
    radios.first.focus()
    page.keyboard.press("Space")
    assert poll(lambda: radios.first.is_checked(), bool, timeout=5), "Space chooses the focused option"
    page.keyboard.press("ArrowDown")
    assert poll(lambda: radios.nth(1).is_checked(), bool, timeout=5), "the arrow key moves to the next option"
    assert not radios.first.is_checked()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.textContent")
    assert (focused or "").strip() == "Check", f"Tab leads from the options to the Check button, not {focused!r}"
    page.keyboard.press("Enter")
    feedback = poll(lambda: cell.locator(".widget-html-content").all_text_contents(),
                    lambda texts: any(_is_feedback(t) for t in texts), timeout=10)
    assert any(_is_feedback(t) for t in feedback), f"no feedback after Enter: {feedback}"


def _is_feedback(text: str) -> bool:
    return text.lstrip("✔✘✗ ").startswith(("Correct", "Not quite"))
