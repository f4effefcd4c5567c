"""A real JupyterLab and a real Chromium for the course's browser tests and the latency benchmark.

* :func:`make_workspace` copies what a class works with (``course/``, ``grading/``'s configuration and rubrics,
  the root ``nbgrader_config.py``) into a temporary folder: the server never writes into the repository.
* :class:`LabServer` starts ``jupyter lab`` on 127.0.0.1 with a free port, a random token and temporary Jupyter
  and IPython folders (no news pop-up), and stops it again.
* :func:`launch_chromium` starts Debian's ``/usr/bin/chromium`` through Playwright.
* :class:`NotebookPage` opens a notebook, waits for its kernel, runs all cells as a student would (menu
  *Run → Run All Cells*) and reads what the page shows: outputs, plots (``element.data``), controls.
* :func:`run_axe` runs the axe-core accessibility audit in the page and sorts what it finds into the course's
  own content (rendered outputs and markdown) and JupyterLab's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import nbformat

REPO = Path(__file__).resolve().parents[2]
UI_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = UI_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: plotly's widget script (plotly.js and its widget), which the page should receive once per kernel and compile once
PLOTLY_BUNDLE = Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "widgetbundle.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"
T = TypeVar("T")
VIEWPORT = {"width": 1400, "height": 1000}

#: axe rules about the page as a whole (landmarks, the document's title and headings): JupyterLab's to answer for,
#: even when the node axe names sits inside a notebook cell.
PAGE_LEVEL_RULES = frozenset({
    "region", "landmark-one-main", "landmark-unique", "landmark-no-duplicate-main", "page-has-heading-one",
    "bypass", "document-title", "html-has-lang", "html-lang-valid", "meta-viewport",
})


def module_notebooks(repo: Path = REPO) -> list[Path]:
    """Every module notebook of the course, in order (``course/modules/NN_slug.ipynb``)."""
    return sorted((repo / "course" / "modules").glob("*.ipynb"))


def exercise_names(repo: Path = REPO) -> list[str]:
    """The nbgrader assignments of the course (folders of ``course/exercises/``), in order."""
    return sorted(p.name for p in (repo / "course" / "exercises").iterdir() if p.is_dir())


def make_workspace(target: Path, repo: Path = REPO) -> Path:
    """Copy the course as a class uses it into ``target`` and return ``target``.

    ``course/`` whole; from ``grading/`` only the nbgrader configuration and the rubrics (nothing generated);
    the root ``nbgrader_config.py`` that lets a server started here find the course root ``grading/``.
    """
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(repo / "course", target / "course", ignore=ignore)
    (target / "grading").mkdir(parents=True)
    shutil.copy(repo / "grading" / "nbgrader_config.py", target / "grading" / "nbgrader_config.py")
    if (repo / "grading" / "rubrics").is_dir():
        shutil.copytree(repo / "grading" / "rubrics", target / "grading" / "rubrics", ignore=ignore)
    shutil.copy(repo / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def jupyter_environment(scratch: Path) -> dict[str, str]:
    """Environment of a server (and of nbgrader commands) with every Jupyter and IPython folder under ``scratch``.

    The announcements extension (JupyterLab's news pop-up) is disabled through ``labconfig/page_config.json``;
    the Python environment's ``bin/`` comes first on PATH (nbgrader runs ``alembic``); ``HELPCOURSE_DATA_DIR``
    and every other variable pass through.
    """
    folders = {
        "JUPYTER_CONFIG_DIR": scratch / "jupyter_config",
        "JUPYTER_DATA_DIR": scratch / "jupyter_data",
        "JUPYTER_RUNTIME_DIR": scratch / "jupyter_runtime",
        "IPYTHONDIR": scratch / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    labconfig = folders["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env = dict(os.environ)
    env.update({name: str(path) for name, path in folders.items()})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_PATH", None)
    return env


@dataclass
class LabServer:
    """A JupyterLab server on 127.0.0.1 serving ``root``; use as a context manager or call start/stop."""

    root: Path
    scratch: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return jupyter_environment(self.scratch)

    @property
    def log_path(self) -> Path:
        return self.scratch / "jupyterlab.log"

    def start(self, timeout: float = 90.0) -> LabServer:
        """Start the server and wait until its REST API answers."""
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        env = self.env  # creates the scratch folders
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if self.api("GET", "/api/status").get("started"):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise TimeoutError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        """Stop the server (and with it every kernel it started)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        """Call the server's REST API with the token; return the decoded JSON answer (None when empty)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def lab_url(self, path: str) -> str:
        """URL that opens ``path`` (relative to the served root) in a fresh JupyterLab workspace."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def page_url(self, path: str) -> str:
        """URL of any other page of the server (the Formgrader, for example), with the token."""
        return f"{self.url}/{path.lstrip('/')}{'&' if '?' in path else '?'}token={self.token}"

    def shutdown_kernels_of(self, notebook: str) -> int:
        """Shut down the kernel sessions of one notebook (a path relative to the root); return how many."""
        sessions = [s for s in self.api("GET", "/api/sessions") if s.get("path") == notebook]
        for session in sessions:
            self.api("DELETE", f"/api/sessions/{session['id']}")
        return len(sessions)


def nbgrader(server: LabServer, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the served course root ``grading/``, with the server's Jupyter folders."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=server.root / "grading", env=server.env,
        capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def poll(read: Callable[[], T], ok: Callable[[T], bool], timeout: float = 20.0, interval: float = 0.1) -> T:
    """Call ``read`` until ``ok`` accepts its value or ``timeout`` seconds pass; return the last value read."""
    deadline = time.monotonic() + timeout
    value = read()
    while not ok(value) and time.monotonic() < deadline:
        time.sleep(interval)
        value = read()
    return value


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser build)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


# ------------------------------------------------------------------------------------------------------------
# In the page: small helpers installed as ``window.hcui`` before JupyterLab loads.
# ------------------------------------------------------------------------------------------------------------

PAGE_HELPERS = r"""
// Large scripts the page compiles from memory (anywidget imports a widget's script from a blob: URL) and large
// messages it receives: plotly's widget script (about 5 MB) should be compiled once per page and received once per
// kernel (demos.common.FigureWidget), not with every figure. large() adds the compilations demos.common counts.
window.hcuiLarge = {scripts: [], messages: []};
(() => {
  const LARGE = 1e6;
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (object) {
    if (object instanceof Blob && object.size > LARGE && /javascript/.test(object.type)) {
      window.hcuiLarge.scripts.push(object.size);
    }
    return createObjectURL.call(this, object);
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const size = event.data.byteLength ?? event.data.size ?? event.data.length ?? 0;
        if (size > LARGE) window.hcuiLarge.messages.push(size);
      });
    }
  };
})();
window.hcui = (() => {
  const cellNode = (index) => document.querySelector(
    `.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell[data-windowed-list-index="${index}"]`);
  const visible = (el) => {
    if (!el || !el.isConnected) return false;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  // A number summary of plotly trace data that changes when any value or its order changes.
  const fold = (value, acc) => {
    if (value === null || value === undefined) return acc;
    if (typeof value === 'number') { acc.n += 1; acc.sum += value * ((acc.n % 97) + 1); return acc; }
    if (typeof value === 'string') {
      for (let i = 0; i < value.length; i++) acc.sum += value.charCodeAt(i) * ((i % 31) + 1);
      acc.n += 1; return acc;
    }
    if (typeof value === 'boolean') { acc.n += 1; acc.sum += value ? 7 : 3; return acc; }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const before = acc.sum; fold(value[i], acc); acc.sum += (acc.sum - before) * (i % 13) * 1e-3;
      }
      return acc;
    }
    if (typeof value === 'object') {
      for (const key of Object.keys(value).sort()) {
        if (key.startsWith('_') || key === 'uid') continue;
        fold(key, acc); fold(value[key], acc);
      }
    }
    return acc;
  };
  const plotState = (plot) => {
    const data = plot.data || [];
    const acc = fold(data, {n: 0, sum: 0});
    const layout = plot.layout || {};
    const title = layout.title && (typeof layout.title === 'string' ? layout.title : layout.title.text);
    // what a layout update shows: titles, axes (titles, ranges, category order), shapes and annotations
    const shown = {title, shapes: layout.shapes, annotations: layout.annotations};
    for (const key of Object.keys(layout)) {
      if (/^[xy]axis\d*$/.test(key)) {
        const axis = layout[key] || {};
        shown[key] = {title: axis.title, range: axis.range, categoryarray: axis.categoryarray};
      }
    }
    const look = fold(shown, {n: 0, sum: 0});
    return {signature: `${data.length}:${acc.n}:${acc.sum.toPrecision(15)}`, traces: data.length,
            layoutSignature: `${look.n}:${look.sum.toPrecision(15)}`,
            points: data.reduce((total, trace) => total + ((trace.x || trace.y || trace.values || []).length || 0), 0),
            title: title || ''};
  };
  const sliderValue = (el) => el.matches('input[type=range]') ? Number(el.value)
      : Number(el.getAttribute('aria-valuetext') ?? el.getAttribute('aria-valuenow'));
  return {
    cellNode,
    visible,
    plotState,
    sliderValue,
    prompts() {
      return Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell .jp-InputPrompt'))
        .map(e => e.textContent.trim());
    },
    statusText() {
      return Array.from(document.querySelectorAll('.jp-StatusBar-Widget')).map(e => e.textContent).join(' ');
    },
    errorOutputs(index) {
      const cell = cellNode(index);
      if (!cell) return [];
      return Array.from(cell.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
        .map(e => e.textContent.trim().slice(0, 2000));
    },
    rendered(index) {
      const cell = cellNode(index);
      const shown = '.jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output .js-plotly-plot';
      return !!(cell && cell.querySelector(shown));
    },
    plots(index) {
      const cell = cellNode(index);
      return cell ? Array.from(cell.querySelectorAll('.jp-OutputArea .js-plotly-plot')).map(plotState) : [];
    },
    plotStateAt(index, which) {
      const plot = cellNode(index).querySelectorAll('.jp-OutputArea .js-plotly-plot')[which];
      return plot ? plotState(plot) : null;
    },
    plotData(index, which) {
      const plot = cellNode(index).querySelectorAll('.jp-OutputArea .js-plotly-plot')[which];
      const plain = (v) => ArrayBuffer.isView(v) ? Array.from(v) : v;
      return JSON.parse(JSON.stringify({
        data: (plot.data || []).map(t => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, plain(v)]))),
        layout: plot.layout,
        // the first x axis's tick labels as drawn (plotly.js draws them from the range it has applied)
        xticks: Array.from(plot.querySelectorAll('.xaxislayer-above .xtick text')).map((t) => t.textContent),
      }, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v));
    },
    sliders(index) {
      const cell = cellNode(index);
      if (!cell) return [];
      return Array.from(cell.querySelectorAll('.jp-OutputArea input[type=range], .jp-OutputArea [role=slider]'))
        .map((el, i) => {
          el.setAttribute('data-hcui-slider', `${index}-${i}`);
          const max = el.matches('input[type=range]') ? Number(el.max) : Number(el.getAttribute('aria-valuemax'));
          return {selector: `[data-hcui-slider="${index}-${i}"]`, value: sliderValue(el), max, visible: visible(el)};
        });
    },
    large() {
      // demos.common compiles plotly's widget as a function, not from a blob: it counts those compilations itself
      const shared = Object.getOwnPropertySymbols(globalThis)
        .filter((key) => (key.description || '').startsWith('helpcourse.plotly-widget'))
        .map((key) => globalThis[key]);
      return {scripts: [...window.hcuiLarge.scripts], messages: [...window.hcuiLarge.messages],
              evaluated: shared.reduce((count, page) => count + (page.evaluated || 0), 0)};
    },
    controlCount(index) {
      const cell = cellNode(index);
      return cell ? cell.querySelectorAll(
        '.jp-OutputArea input:not([type=hidden]), .jp-OutputArea select, .jp-OutputArea button, ' +
        '.jp-OutputArea [role=slider]').length : 0;
    },
  };
})();
"""


@dataclass(frozen=True)
class CellInfo:
    """One notebook cell as stored: its position, id, type, source and tags."""

    index: int
    id: str
    cell_type: str
    source: str
    tags: tuple[str, ...]

    @property
    def is_demo(self) -> bool:
        """A code cell that shows one of the course's demos or figures (``demos.something(...)``)."""
        return self.cell_type == "code" and "demos." in self.source

    @property
    def raises_on_purpose(self) -> bool:
        return "raises-exception" in self.tags


def read_cells(path: Path) -> list[CellInfo]:
    """The cells of a notebook file, in order."""
    nb = nbformat.read(path, as_version=4)
    return [
        CellInfo(i, cell.get("id", ""), cell.cell_type, cell.source, tuple(cell.metadata.get("tags", [])))
        for i, cell in enumerate(nb.cells)
    ]


class NotebookPage:
    """One notebook open in JupyterLab in its own browser context."""

    def __init__(self, browser: Any, server: LabServer, notebook: str) -> None:
        self.server = server
        self.notebook = notebook
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(PAGE_HELPERS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda message: self._note(message.type, message.text))
        self.page.on("pageerror", lambda error: self._note("pageerror", str(error)))

    def _note(self, kind: str, text: str) -> None:
        if kind in ("error", "pageerror"):
            self.console_errors.append(f"{kind}: {text[:500]}")

    def open(self, timeout_ms: float = 90_000) -> float:
        """Open the notebook and wait until its kernel is idle; return the seconds it took."""
        start = time.perf_counter()
        self.page.goto(self.server.lab_url(self.notebook))
        self.page.get_by_text(KERNEL_IDLE).wait_for(timeout=timeout_ms)
        self.page.wait_for_function("() => window.hcui.prompts().length > 0", timeout=timeout_ms)
        return time.perf_counter() - start

    def menu(self, menu: str, command: str) -> None:
        """Choose a command from the menu bar, as a student does (``menu("Run", "runmenu:run-all")``)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def run_all(self, cells: list[CellInfo], timeout_ms: float = 180_000) -> float:
        """Clear every output, then *Run → Run All Cells* and wait until the run has ended; return seconds.

        Stored outputs carry execution counts, so outputs are cleared first: a numbered prompt then proves that
        this run executed the cell. The run has ended when the kernel is idle and the last code cell whose
        prompt is shown has a number, or when a cell not tagged ``raises-exception`` shows an error (Run All
        stops there). The kernel reports idle between cells, so idle alone proves nothing.
        """
        self.menu("Edit", "editmenu:clear-all")
        self.page.wait_for_function(
            "() => window.hcui.prompts().every(p => !/\\d/.test(p))", timeout=timeout_ms
        )
        start = time.perf_counter()
        self.page.evaluate("() => { window.hcuiIdleSince = null; }")
        self.menu("Run", "runmenu:run-all")
        may_fail = [cell.index for cell in cells if cell.raises_on_purpose]
        code = [cell.index for cell in cells if cell.cell_type == "code"]
        self.page.wait_for_function(
            """([idle, code, mayFail]) => {
                 if (!window.hcui.statusText().includes(idle)) { window.hcuiIdleSince = null; return false; }
                 const shown = window.hcui.prompts().filter(p => p !== '');
                 if (shown.length > 0 && /^\\[\\d+\\]:$/.test(shown[shown.length - 1])) return true;
                 // stopped by an error: idle for good (a warning on stderr also shows, but the run goes on)
                 const failed = code.some(i => !mayFail.includes(i) && window.hcui.errorOutputs(i).length > 0);
                 if (!failed) return false;
                 window.hcuiIdleSince = window.hcuiIdleSince || performance.now();
                 return performance.now() - window.hcuiIdleSince > 3000;
               }""",
            arg=[KERNEL_IDLE, code, may_fail], timeout=timeout_ms,
        )
        return time.perf_counter() - start

    def wait_for_demos(self, cells: list[CellInfo], timeout_ms: float = 60_000) -> None:
        """Wait until every demo cell shows its widgets and every plot in them has data, for 1.5 s on end.

        Widgets render after the kernel is idle, their plots a little later; a plot that never gets data (or a
        demo that never renders) ends in a timeout.
        """
        indices = [cell.index for cell in cells if cell.is_demo]
        self.page.evaluate("() => { window.hcuiShownSince = null; }")
        self.page.wait_for_function(
            """(indices) => {
                 const ready = indices.every(i => window.hcui.rendered(i)
                                                  && window.hcui.plots(i).every(p => p.traces > 0));
                 if (!ready) { window.hcuiShownSince = null; return false; }
                 window.hcuiShownSince = window.hcuiShownSince || performance.now();
                 return performance.now() - window.hcuiShownSince > 1500;
               }""",
            arg=indices, timeout=timeout_ms,
        )

    def prompts(self) -> list[str]:
        return self.page.evaluate("() => window.hcui.prompts()")

    def error_outputs(self, index: int) -> list[str]:
        return self.page.evaluate("(i) => window.hcui.errorOutputs(i)", index)

    def plots(self, index: int) -> list[dict]:
        return self.page.evaluate("(i) => window.hcui.plots(i)", index)

    def plot_data(self, index: int, which: int = 0) -> dict:
        """The data and layout a plot in a cell shows, read from the plotly element (``element.data``)."""
        return self.page.evaluate("([i, w]) => window.hcui.plotData(i, w)", [index, which])

    def sliders(self, index: int) -> list[dict]:
        return self.page.evaluate("(i) => window.hcui.sliders(i)", index)

    def cell(self, index: int) -> Any:
        """Playwright locator of one cell."""
        return self.page.locator(
            f'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]'
        )

    def wait_for_plot_change(self, index: int, which: int, before: str, timeout_ms: float = 15_000) -> dict:
        """Wait until plot ``which`` of a cell shows other data than the signature ``before``; return its state."""
        self.page.wait_for_function(
            "([i, w, before]) => { const s = window.hcui.plotStateAt(i, w); return s && s.signature !== before; }",
            arg=[index, which, before], timeout=timeout_ms,
        )
        return self.page.evaluate("([i, w]) => window.hcui.plotStateAt(i, w)", [index, which])

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=False)

    def close(self) -> None:
        self.context.close()


# ------------------------------------------------------------------------------------------------------------
# Accessibility: axe-core and the course's own rules for controls and figures
# ------------------------------------------------------------------------------------------------------------

AXE_RUN = r"""
async (pageLevelRules) => {
  const ownSelector = '.jp-Notebook .jp-OutputArea-output, .jp-Notebook .jp-MarkdownOutput';
  const own = (el) => !!(el && el.closest && el.closest(ownSelector));
  const result = await axe.run(document, {elementRef: true, resultTypes: ['violations']});
  const course = [], lab = [];
  for (const v of result.violations) {
    const split = {ownNodes: [], labNodes: []};
    for (const n of v.nodes) {
      const item = {target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary};
      (own(n.element) && !pageLevelRules.includes(v.id) ? split.ownNodes : split.labNodes).push(item);
    }
    const base = {id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags};
    if (split.ownNodes.length) course.push({...base, nodes: split.ownNodes});
    if (split.labNodes.length) lab.push({...base, nodes: split.labNodes});
  }
  return {course, lab};
}
"""

CONTROL_AUDIT = r"""
() => {
  axe.setup(document);
  try {
    const outputs = Array.from(document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-OutputArea-output'));
    const name = (el) => axe.commons.text.accessibleText(el).trim();
    const cellIndex = (el) => Number(el.closest('.jp-Cell').dataset.windowedListIndex);
    const controls = [];
    const selector = 'input:not([type=hidden]), select, textarea, button, [role=slider], [role=spinbutton], ' +
                     '[role=textbox], [role=combobox], [contenteditable="true"]';
    for (const out of outputs) {
      for (const el of out.querySelectorAll(selector)) {
        if (!window.hcui.visible(el) || el.closest('.modebar, .js-plotly-plot')) continue;
        const entry = {cell: cellIndex(el), kind: el.getAttribute('role') || el.type || el.tagName.toLowerCase(),
                       name: name(el), html: el.outerHTML.slice(0, 200)};
        if (el.matches('input[type=range], [role=slider]')) {
          const value = window.hcui.sliderValue(el);
          // the number must be shown beside the slider, inside the same widget
          const widget = '.jupyter-widgets, .jp-OutputArea-output, .helpcourse-slider';
          let box = el.parentElement;
          while (box && !box.matches(widget)) box = box.parentElement;
          let shown = null;
          for (const candidate of box ? box.querySelectorAll('*') : []) {
            if (candidate === el || !window.hcui.visible(candidate)) continue;
            const text = candidate.matches('input') ? candidate.value
                : (candidate.children.length === 0 ? candidate.textContent : '');
            const number = Number(String(text).trim());
            if (String(text).trim() !== '' && Number.isFinite(number) && Math.abs(number - value) < 1e-9) {
              shown = String(text).trim(); break;
            }
          }
          entry.value = value; entry.shownNumber = shown;
        }
        controls.push(entry);
      }
    }
    const figures = [];
    for (const out of outputs) {
      for (const plot of out.querySelectorAll('.js-plotly-plot')) {
        const state = window.hcui.plotState(plot);
        // the element right under the figure: climb until something follows, then read it
        let node = plot, next = null;
        while (node && !node.matches('.jp-Notebook')) {
          let sibling = node.nextElementSibling;
          while (sibling && (!window.hcui.visible(sibling) || sibling.textContent.trim() === '')) {
            sibling = sibling.nextElementSibling;
          }
          if (sibling) { next = sibling; break; }
          node = node.parentElement;
        }
        const alt = next ? (next.querySelector('.helpcourse-alt') || next) : null;
        figures.push({cell: cellIndex(plot), title: state.title, altText: alt ? alt.textContent.trim() : '',
                      altIsLive: !!(alt && alt.matches('.helpcourse-alt'))});
      }
    }
    return {controls, figures};
  } finally {
    axe.teardown();
  }
}
"""


def inject_axe(page: Any) -> None:
    """Load axe-core (from ``tests/ui/node_modules``) into the page once."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))


def run_axe(page: Any) -> dict[str, list[dict]]:
    """Audit the page with axe-core; return ``{"course": [...], "lab": [...]}`` lists of violations.

    A node counts as the course's when it lies in a notebook's rendered output or markdown and the rule is not
    about the page as a whole (:data:`PAGE_LEVEL_RULES`); everything else is JupyterLab's.
    """
    inject_axe(page)
    return page.evaluate(AXE_RUN, sorted(PAGE_LEVEL_RULES))


def audit_controls_and_figures(page: Any) -> dict[str, list[dict]]:
    """Every control in the outputs with its accessible name (and, for sliders, the number shown beside it);
    every figure with its title and the text right under it."""
    inject_axe(page)
    return page.evaluate(CONTROL_AUDIT)


def format_violations(violations: list[dict]) -> str:
    """Violations as readable lines: rule, impact, help, then each node."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} node(s)] {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)


WCAG_TAGS = frozenset({"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"})


def is_wcag(violation: dict) -> bool:
    """Whether an axe violation breaks a WCAG 2.x level A or AA success criterion (the rest is best practice)."""
    return bool(WCAG_TAGS.intersection(violation.get("tags", [])))


@dataclass
class ModuleRun:
    """A module after *Run All* in the browser, with what the page showed right then."""

    name: str
    notebook: str
    cells: list[CellInfo]
    nbpage: NotebookPage
    prompts: list[str]
    errors: dict[int, list[str]]
    render_problem: str | None
    axe: dict[str, list[dict]]
    audit: dict[str, list[dict]]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def page(self) -> Any:
        return self.nbpage.page

    @property
    def demo_cells(self) -> list[CellInfo]:
        return [cell for cell in self.cells if cell.is_demo]

    def cell_by_id(self, cell_id: str) -> CellInfo:
        return next(cell for cell in self.cells if cell.id == cell_id)

    def wcag_violations(self) -> list[dict]:
        """The course's own axe violations of WCAG 2.x A and AA rules (these fail the audit)."""
        return [v for v in self.axe["course"] if is_wcag(v)]

    def best_practice_findings(self) -> list[dict]:
        """The course's own axe findings under best-practice rules only (reported, not failed)."""
        return [v for v in self.axe["course"] if not is_wcag(v)]
