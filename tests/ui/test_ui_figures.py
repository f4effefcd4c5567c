"""The course's figure widget (``demos.common.FigureWidget``) in a real page: many figures at once, two notebooks
in one page, a kernel restart and a page reload.

plotly's widget script (about 5 MB) reaches the page once per kernel and is compiled once per page; every figure
must still load within anywidget's 2 s, draw its data (also changes made right after it was shown, before the page
had compiled the script) and follow its slider. The steps run in order in one page, each on what the one before
left; a step whose predecessor failed is skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from ui_harness import KERNEL_IDLE, PLOTLY_BUNDLE, LabServer, NotebookPage, poll, read_cells

BUNDLE_SIZE = PLOTLY_BUNDLE.stat().st_size
FOLDER = "figure_checks"
FIGURES = 6  # figures with a slider each, shown by one cell
CELLS = [
    "import ipywidgets as widgets\n"
    "from IPython.display import display\n"
    "from helpcourse.demos.common import FigureWidget, LabelledIntSlider",
    # changed right after it is shown: in a new page, before plotly's script is compiled
    'late = FigureWidget(data=[{"type": "bar", "y": [1]}], layout={"title": {"text": "Shown first"}})\n'
    "display(late)\n"
    "late.add_scatter(y=[3, 2, 1])\n"
    "late.data[0].y = [1, 2, 3]\n"
    'late.layout.title.text = "Changed right after it was shown"',
    "def linked(i):\n"
    '    slider = LabelledIntSlider(value=2, min=1, max=9, description=f"Points {i}")\n'
    '    figure = FigureWidget(data=[{"type": "scatter", "y": [0, 1]}], layout={"title": {"text": f"Figure {i}"}})\n'
    '    slider.observe(lambda change: setattr(figure.data[0], "y", list(range(change["new"]))), "value")\n'
    "    return widgets.VBox([slider, figure])\n"
    "\n"
    f"widgets.VBox([linked(i) for i in range({FIGURES})])",
]
LATE, LINKED = 1, 2  # cell indices


def write_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


class FigurePage:
    """One browser page that works through the steps; ``require`` skips a step whose predecessor failed."""

    def __init__(self, server: LabServer, nbpage: NotebookPage, cells: list) -> None:
        self.server, self.nbpage, self.cells = server, nbpage, cells
        self.page = nbpage.page
        self.done: set[str] = set()

    def require(self, step: str) -> None:
        if step not in self.done:
            pytest.skip(f"needs the step before: {step}")

    def large(self) -> dict:
        """Large scripts compiled and large messages received by the page (``compiled``: plotly's widget script)."""
        large = self.page.evaluate("() => window.hcui.large()")
        large["compiled"] = len([size for size in large["scripts"] if size >= BUNDLE_SIZE]) + large["evaluated"]
        large["received"] = len([size for size in large["messages"] if size >= BUNDLE_SIZE])
        return large

    def wait_until_drawn(self, moved: int | None = None) -> None:
        """Every plot has its data: the late figure with its changes, the linked figures with two points each (three
        for the figure whose slider was ``moved``)."""
        expected = [3 if i == moved else 2 for i in range(FIGURES)]
        def state() -> tuple:
            plots = self.nbpage.plots(LINKED)
            late = self.nbpage.plots(LATE)
            late_data = self.nbpage.plot_data(LATE) if late else None
            return len(plots), [p["points"] for p in plots], late_data
        def drawn(value: tuple) -> bool:
            count, points, late = value
            return count == FIGURES and points == expected and late is not None and (
                len(late["data"]) == 2 and late["data"][0]["y"] == [1, 2, 3]
                and late["layout"]["title"]["text"] == "Changed right after it was shown")
        value = poll(state, drawn, timeout=60)
        self.assert_models_loaded()
        assert drawn(value), f"the figures were not all drawn with their data: {value}"

    def move_slider(self, which: int) -> None:
        """→ on slider ``which``: its figure shows one point more (the kernel updates it)."""
        slider = self.nbpage.cell(LINKED).get_by_role("slider", name=f"Points {which}", exact=True)
        slider.focus()
        self.page.keyboard.press("ArrowRight")
        points = poll(lambda: self.nbpage.plots(LINKED)[which]["points"], lambda n: n == 3, timeout=20)
        assert points == 3, f"figure {which} did not follow its slider (it shows {points} points, not 3)"

    def check_after(self, step: str, moved: int | None, slider: int, received: int) -> None:
        """After ``step``: every figure drawn (``moved``: the figure a slider had moved), figure ``slider`` follows
        its slider, the page has compiled plotly's script once and received it ``received`` times."""
        self.wait_until_drawn(moved)
        self.move_slider(slider)
        large = self.large()
        assert large["compiled"] == 1, f"after the {step}, plotly's script was compiled more than once: {large}"
        assert large["received"] == received, f"after the {step}, the page should have received plotly's " \
            f"script {received} times (once per kernel): {large}"
        self.done.add(step)

    def assert_models_loaded(self) -> None:
        stalled = [e for e in self.nbpage.console_errors if "Failed to initialize model" in e]
        assert not stalled, f"{len(stalled)} widget model(s) missed anywidget's 2 s: {stalled[:3]}"

    def wait_for_kernel(self, notebook_name: str) -> None:
        self.page.locator(".lm-TabBar-tab.jp-mod-current", has_text=notebook_name).first.wait_for(timeout=60_000)
        self.page.get_by_text(KERNEL_IDLE).wait_for(timeout=90_000)
        self.page.wait_for_function("() => window.hcui.prompts().length > 0", timeout=60_000)


@pytest.fixture(scope="module")
def figure_page(lab_server: LabServer, chromium: Any) -> Iterator[FigurePage]:
    notebooks = [write_notebook(lab_server.root / FOLDER / name) for name in ("a.ipynb", "b.ipynb")]
    cells = read_cells(notebooks[0])
    nbpage = NotebookPage(chromium, lab_server, f"{FOLDER}/a.ipynb")
    yield FigurePage(lab_server, nbpage, cells)
    with contextlib.suppress(Exception):
        nbpage.close()
    for name in ("a.ipynb", "b.ipynb"):
        with contextlib.suppress(Exception):
            lab_server.shutdown_kernels_of(f"{FOLDER}/{name}")


def test_many_figures_at_once_load_draw_and_follow_their_sliders(figure_page: FigurePage):
    page = figure_page
    page.nbpage.open()
    page.nbpage.run_all(page.cells)
    page.check_after("first notebook", moved=None, slider=3, received=1)


def test_a_second_notebook_in_the_same_page_uses_the_compiled_script(figure_page: FigurePage):
    page = figure_page
    page.require("first notebook")
    page.nbpage.menu("File", "filebrowser:open-path")
    dialog = page.page.locator(".jp-Dialog")
    dialog.locator("input").fill(f"{FOLDER}/b.ipynb")
    dialog.get_by_role("button", name="Open", exact=True).click()
    page.wait_for_kernel("b.ipynb")
    page.nbpage.run_all(page.cells)
    page.check_after("second notebook", moved=None, slider=1, received=2)


def test_after_a_kernel_restart_the_figures_follow_their_sliders(figure_page: FigurePage):
    page = figure_page
    page.require("second notebook")
    page.nbpage.menu("Kernel", "kernelmenu:restart")
    page.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept", has_text="Restart").click()
    page.wait_for_kernel("b.ipynb")
    page.nbpage.run_all(page.cells)
    page.check_after("kernel restart", moved=None, slider=2, received=3)


def test_after_a_page_reload_the_figures_follow_their_sliders(figure_page: FigurePage):
    """The notebook is saved and opened again in a new page: the widgets come back from the live kernel, each
    figure as it was before the reload (figure 2 with its slider moved), not as it was first shown."""
    page = figure_page
    page.require("kernel restart")
    page.nbpage.menu("File", "docmanager:save")
    page.page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=30_000)
    page.page.goto(page.server.lab_url(f"{FOLDER}/b.ipynb"))
    page.wait_for_kernel("b.ipynb")
    page.check_after("page reload", moved=2, slider=4, received=1)
