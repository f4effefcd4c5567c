"""Accessibility of every module as rendered in JupyterLab, after Run All.

axe-core audits the whole page. Violations of WCAG 2.x A and AA rules in the course's own content (rendered
outputs and markdown of the notebook) fail; best-practice findings in the course's content and everything that
belongs to JupyterLab itself are printed at the end of the run (and saved as ``axe-<module>.json`` in the
artifacts folder), not failed. The course's own rules are checked directly: every control in an output has an
accessible name, every slider shows its number, every figure has a title and a text alternative right under it.
"""

from __future__ import annotations

import pytest
from ui_harness import ModuleRun, format_violations


def test_course_content_has_no_wcag_violations(module_run: ModuleRun):
    violations = module_run.wcag_violations()
    assert not violations, f"axe-core found in {module_run.name}'s own content:\n{format_violations(violations)}"


def test_every_control_has_an_accessible_name(module_run: ModuleRun):
    controls = module_run.audit["controls"]
    unnamed = [control for control in controls if not control["name"]]
    assert not unnamed, "controls without an accessible name:\n" + "\n".join(
        f"cell {c['cell']} ({c['kind']}): {c['html']}" for c in unnamed
    )
    demo_cells = {cell.index for cell in module_run.demo_cells}
    demo_controls = [c for c in controls if c["cell"] in demo_cells]
    value_only = [c for c in demo_controls if c["name"].replace(".", "", 1).isdigit()]
    assert not value_only, f"controls named only by their value: {value_only}"


def test_every_slider_shows_its_number(module_run: ModuleRun):
    sliders = [control for control in module_run.audit["controls"] if "value" in control]
    hidden = [slider for slider in sliders if slider["shownNumber"] is None]
    assert not hidden, "sliders whose value is not shown as a number beside them:\n" + "\n".join(
        f"cell {s['cell']}: {s['name'] or s['html']} = {s['value']}" for s in hidden
    )


def test_every_figure_has_a_title_and_a_text_alternative_under_it(module_run: ModuleRun):
    figures = module_run.audit["figures"]
    if not figures:
        pytest.skip(f"{module_run.name} shows no figure")
    untitled = [figure for figure in figures if not figure["title"].strip()]
    assert not untitled, f"figures without a title in cells {[f['cell'] for f in untitled]}"
    for figure in figures:
        text = figure["altText"]
        assert figure["altIsLive"] or text.startswith("Text alternative"), (
            f"the figure {figure['title']!r} (cell {figure['cell']}) is not followed by a text alternative; "
            f"the next thing on the page reads: {text[:200]!r}"
        )
        assert len(text) >= 60, f"the text alternative of {figure['title']!r} is too short to describe it: {text!r}"
