"""Every module in a real JupyterLab: Run All shows no error, every demo renders and answers the keyboard.

The module list is read from ``course/modules/`` when the tests are collected; a module registered in
``module_expectations.py`` is also checked for the exact values its demos show after a change.
"""

from __future__ import annotations

import pytest
from module_expectations import EXPECTATIONS
from ui_harness import PLOTLY_BUNDLE, ModuleRun, poll

MAX_PRESSES = 10


def test_run_all_executes_every_cell(module_run: ModuleRun):
    shown = [prompt for prompt in module_run.prompts if prompt]
    assert shown and shown[0] != "[ ]:", "the first cell never ran: the kernel was not ready for Run All"
    not_run = [prompt for prompt in shown if not prompt.strip("[]:").isdigit()]
    assert not not_run, f"{len(not_run)} cells did not run (Run All stopped early): {module_run.prompts}"


def test_no_error_output_except_where_the_module_shows_one_on_purpose(module_run: ModuleRun):
    unexpected = {
        cell.id: module_run.errors[cell.index]
        for cell in module_run.cells
        if cell.cell_type == "code" and not cell.raises_on_purpose and module_run.errors[cell.index]
    }
    assert not unexpected, "error or warning boxes under cells:\n" + "\n".join(
        f"{cell_id}: {texts[0][-600:]}" for cell_id, texts in unexpected.items()
    )
    for cell in module_run.cells:
        if cell.raises_on_purpose:
            assert module_run.errors[cell.index], f"{cell.id} is tagged raises-exception but showed no error"


def test_every_demo_renders_with_data_and_its_controls(module_run: ModuleRun):
    """Every demo cell shows its widgets; every plot in them has data; every slider is visible; the controls a
    module registers are there by their accessible names."""
    assert module_run.render_problem is None, (
        module_run.render_problem + "\nbrowser console errors:\n" + "\n".join(module_run.nbpage.console_errors[-20:])
    )
    assert module_run.demo_cells, f"{module_run.name} shows no demo"
    # anywidget 0.11 gives a widget's model 2 s to load its script; a model that misses it draws its plot but drops
    # every later message, so the plot never changes again (docs/UI_TESTS.md).
    stalled = [error for error in module_run.nbpage.console_errors if "Failed to initialize model" in error]
    assert not stalled, (f"{len(stalled)} widget model(s) did not load within anywidget's 2 s (a busy machine?): "
                         f"their plots will not follow the controls: {stalled[:3]}")
    for cell in module_run.demo_cells:
        assert module_run.page.evaluate("(i) => window.hcui.rendered(i)", cell.index), f"{cell.id} shows nothing"
        for plot in module_run.nbpage.plots(cell.index):
            assert plot["traces"] > 0 and plot["points"] > 0, f"{cell.id}: a plot without data: {plot}"
        for slider in module_run.nbpage.sliders(cell.index):
            assert slider["visible"], f"{cell.id}: a slider is not visible"
    for expectation in EXPECTATIONS.get(module_run.name, []):
        box = module_run.nbpage.cell(module_run.cell_by_id(expectation.cell_id).index)
        assert box.locator(".js-plotly-plot").count() >= 1, f"{expectation.cell_id} shows no plot"
        for name in expectation.controls:
            control = box.get_by_role("slider", name=name, exact=True).or_(
                box.get_by_role("combobox", name=name, exact=True)).or_(
                box.get_by_role("button", name=name, exact=True))
            assert control.count() == 1 and control.is_visible(), f"{expectation.cell_id}: no control named {name!r}"


def test_plotlys_script_is_compiled_once_per_page_and_received_once_per_kernel(module_run: ModuleRun):
    """plotly's widget script (about 5 MB) reaches the page once, from the module's kernel, and is compiled once,
    however many figures the module shows (``demos.common.FigureWidget``; ``go.FigureWidget`` sends and compiles it
    with every figure)."""
    figures = sum(len(module_run.nbpage.plots(cell.index)) for cell in module_run.demo_cells)
    if not figures:
        pytest.skip(f"{module_run.name} shows no plot")
    bundle = PLOTLY_BUNDLE.stat().st_size
    large = module_run.page.evaluate("() => window.hcui.large()")
    compiled = len([size for size in large["scripts"] if size >= bundle]) + large["evaluated"]
    received = [size for size in large["messages"] if size >= bundle]
    assert compiled == 1, f"plotly's script was compiled {compiled} times for {figures} plots: {large}"
    assert len(received) == 1, f"plotly's script reached the page {len(received)} times for {figures} plots: {large}"


def test_each_slider_moves_its_plot_with_the_keyboard(module_run: ModuleRun):
    """Arrow keys on each slider change its plot's data (a slider may need a few steps before its plot changes,
    for example a minimum that first leaves out nothing)."""
    page, nbpage = module_run.page, module_run.nbpage
    moved = 0
    for cell in module_run.demo_cells:
        for slider in nbpage.sliders(cell.index):
            before = [plot["signature"] for plot in nbpage.plots(cell.index)]
            handle = page.locator(slider["selector"])
            key = "ArrowRight" if slider["value"] < slider["max"] else "ArrowLeft"
            after = before
            for press in range(1, MAX_PRESSES + 1):
                handle.focus()
                page.keyboard.press(key)
                after = poll(lambda cell=cell: [plot["signature"] for plot in nbpage.plots(cell.index)],
                             lambda signatures, before=before: signatures != before,
                             timeout=20 if press == MAX_PRESSES else 3)
                if after != before:
                    break
            assert after != before, f"{cell.id}: the plot did not change after {MAX_PRESSES} presses of {key}"
            new_value = page.evaluate("(s) => window.hcui.sliderValue(document.querySelector(s))", slider["selector"])
            assert new_value != slider["value"], f"{cell.id}: the slider's value did not change"
            moved += 1
    if not moved:
        pytest.skip(f"{module_run.name} has no slider")


def test_demos_show_the_expected_values_after_a_change(module_run: ModuleRun):
    if module_run.name not in EXPECTATIONS:
        pytest.skip(f"no expected values registered for {module_run.name} in module_expectations.py")
    for expectation in EXPECTATIONS[module_run.name]:
        expectation.check(module_run.nbpage, module_run.cell_by_id(expectation.cell_id))
