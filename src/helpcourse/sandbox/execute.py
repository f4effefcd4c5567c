"""nbgrader's execution step, sandboxed and split in two kernels so that a test only ever sees plain data.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``c.Autograde.autograde_preprocessors``. It starts
two kernels of the ``helpcourse-sandbox`` kernelspec side by side:

* the **student kernel** runs every cell except the graded test cells, as nbgrader would (its outputs are what the
  feedback shows);
* the **test kernel** runs only the course's own cells: the locked cells (with the source the gradebook holds)
  and the graded test cells, visible and hidden parts. Before each of them it receives, from the student kernel,
  the values of the names the cell reads that the course's cells did not define, as plain data
  (:mod:`helpcourse.sandbox.plain`). The test cell's outputs, and so its grade, come from this kernel. It starts
  in the assignment's source folder and, since it never runs student code, is kept for the next submission of
  the same assignment in the same process (its namespace reset). If it fails, the submission is left ungraded
  (:class:`GradingError`) rather than scored zero for the grader's failure.

Nothing the student's code does (objects that equal anything, a ``__float__`` that lies, patched ``math``,
builtins or ``AssertionError``, input transformers, custom exception handlers, a replaced kernel) can reach the
test kernel: it never runs a line of student code, and data cannot carry code.

The student kernel is also watched: a cell that passes its time limit is interrupted (nbgrader's behaviour); a
cell that ignores the interrupt, exits or crashes the kernel is skipped, and the kernel is restarted and the
cells before it replayed (at most :attr:`~SandboxedExecute.max_restarts` times, within
:attr:`~SandboxedExecute.notebook_time_limit`); processes a cell leaves behind are stopped; output beyond
:attr:`~SandboxedExecute.max_output_bytes` per cell is dropped. Every such event becomes a finding
(:mod:`helpcourse.sandbox.report`).

``HELPCOURSE_UNSAFE_GRADING=1`` in the environment opts out of the sandbox (ordinary ``python3`` kernels, still
two of them); without it, grading refuses to start when the sandbox cannot be built.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import base64
import builtins
import contextlib
import json
import os
import re
import shutil
from time import monotonic
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, default

from helpcourse.sandbox import KERNEL_NAME, UNSAFE_ENV
from helpcourse.sandbox.launch import setup_problems
from helpcourse.sandbox.manager import SandboxKernelManager
from helpcourse.sandbox.report import METADATA_KEY, GradingFindings

__all__ = ["GradingError", "SandboxUnavailableError", "SandboxedExecute", "bound_names", "loaded_names",
           "unsafe_grading"]

#: Names that always belong to the test kernel itself, whatever the student's kernel holds.
KERNEL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "_", "__", "___", "_oh", "_dh", "_ih",
                          "_ii", "_iii", "_i"})
_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


class SandboxUnavailableError(RuntimeError):
    """Grading refuses to run student code because the sandbox cannot be built here."""


class GradingError(RuntimeError):
    """The test kernel failed: the grader's failure, so the submission is left ungraded (grade it again)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the test kernel failed ({reason}); this submission was not graded: grade it again")


def unsafe_grading() -> bool:
    """True when the instructor has opted out of the sandbox with ``HELPCOURSE_UNSAFE_GRADING=1``."""
    return os.environ.get(UNSAFE_ENV, "").strip() == "1"


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def loaded_names(source: str) -> set[str]:
    """Names a cell reads (every identifier, if the cell is not plain Python, e.g. it uses IPython magics)."""
    tree = _parse(source)
    if tree is None:
        return set(_IDENTIFIER.findall(source))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


class _TopLevelBindings(ast.NodeVisitor):
    """Names bound in a module's own scope (not inside functions, classes, lambdas or comprehensions)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.names.add(node.name)  # the body is another scope

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.AST) -> None:
        return None

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda


def bound_names(source: str) -> set[str]:
    """Names a cell defines for the cells after it: its top-level assignments, imports, functions and classes.

    A test should not read an answer and then rebind the same name (``x = float(x)``): the name counts as the
    test's own, so the student's value would not be handed over.
    """
    tree = _parse(source)
    if tree is None:
        return set()
    visitor = _TopLevelBindings()
    visitor.visit(tree)
    return visitor.names


def _nbgrader(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def cell_role(cell: NotebookNode) -> str:
    """``"test"`` (a graded test cell), ``"course"`` (another locked code cell) or ``"student"``."""
    meta = _nbgrader(cell)
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("locked") and not meta.get("solution") and not meta.get("grade"):
        return "course"
    return "student"


def _cell_name(cell: NotebookNode) -> str:
    return str(_nbgrader(cell).get("grade_id") or cell.get("id") or "")


def _error_output(ename: str, message: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


def _output_size(msg: dict) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    data = content.get("data") or {}
    return sum(len(value) if isinstance(value, str) else len(json.dumps(value)) for value in data.values())


class _TestKernel:
    """The clean kernel that runs the course's cells and the tests, fed with the student's values as data.

    It never runs student code, so one nbgrader process keeps it for the next submission of the same assignment
    (its namespace is reset in between); it starts in the assignment's source folder, so a test that reads a file
    reads the course's copy, never a student's.
    """

    def __init__(self, parent: SandboxedExecute, cwd: str) -> None:
        self.client = Execute(
            config=parent.config, log=parent.log, kernel_name=parent.kernel_name,
            kernel_manager_class=parent.kernel_manager_class, shutdown_kernel="immediate",
            extra_arguments=list(parent.extra_arguments), allow_errors=True, store_widget_state=False,
        )
        self.client.nb = new_notebook()
        self.client.resources = {"metadata": {"path": cwd}}
        self.client.reset_execution_trackers()
        self.failed: str | None = None
        self.uses = 0

    async def start(self) -> None:
        client = self.client
        client.km = client.create_kernel_manager()
        await client.async_start_new_kernel()
        await client.async_start_new_kernel_client()

    async def reset(self) -> None:
        """Forget the previous submission: an empty namespace and no names taken from a student."""
        if not await ensure_async(self.client.km.is_alive()):
            raise RuntimeError("the kept test kernel has stopped")
        self.client.nb = new_notebook()
        self.client.reset_execution_trackers()
        code = ("get_ipython().reset(new_session=False)\n"
                "__import__('helpcourse.sandbox.plain', fromlist=['forget']).forget()")
        cell = new_code_cell(code)
        self.client.nb.cells.append(cell)
        await self.client.async_execute_cell(cell, 0, store_history=False)
        if any(o.output_type == "error" for o in cell.outputs):
            raise RuntimeError("the kept test kernel could not be reset")

    async def stop(self) -> None:
        if self.client.km is not None:
            await self.client._async_cleanup_kernel()

    def kill_now(self) -> None:
        """Stop the kernel without an event loop (at interpreter exit)."""
        km = self.client.km
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            with contextlib.suppress(Exception):
                process.wait(timeout=2)
        if km is not None:
            km.cleanup_connection_file()
            socket_dir = getattr(km, "_socket_dir", None)
            if socket_dir:
                shutil.rmtree(socket_dir, ignore_errors=True)

    async def run(self, source: str, payload: str | None) -> list[NotebookNode]:
        """Run one course cell after putting the student's values in place; return its outputs.

        Raises
        ------
        GradingError
            The test kernel failed (it died, or a course cell passed its time limit): that is the grader's
            failure, not the student's, so the submission is left ungraded rather than scored zero.
        """
        if self.failed:
            raise GradingError(self.failed)
        self.uses += 1
        client = self.client
        try:
            if payload is not None:
                code = ("__import__('helpcourse.sandbox.plain', fromlist=['inject']).inject(globals(), "
                        f"'{payload}')")
                inject = new_code_cell(code)
                client.nb.cells.append(inject)
                await client.async_execute_cell(inject, len(client.nb.cells) - 1, store_history=False)
                errors = [o for o in inject.outputs if o.output_type == "error"]
                if errors:
                    raise RuntimeError(f"the student's values could not be restored ({errors[0].get('ename')})")
            cell = new_code_cell(source)
            client.nb.cells.append(cell)
            await client.async_execute_cell(cell, len(client.nb.cells) - 1)
        except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
            self.failed = f"{type(error).__name__}: {error}"[:300]
            raise GradingError(self.failed) from error
        if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            self.failed = f"a course cell passed its time limit of {client._get_timeout(cell)} s"
            raise GradingError(self.failed)
        return list(cell.outputs)


#: Test kernels kept for the next submission, by (event loop, kernel name, manager class, folder).
_KEPT_TEST_KERNELS: dict[tuple, _TestKernel] = {}


@atexit.register
def _stop_kept_test_kernels() -> None:
    while _KEPT_TEST_KERNELS:
        _, kernel = _KEPT_TEST_KERNELS.popitem()
        with contextlib.suppress(Exception):
            kernel.kill_now()


class SandboxedExecute(Execute):
    """nbgrader's ``Execute``, with sandboxed kernels and tests that run apart from the student's code."""

    separate_tests = Bool(
        True, help="Run locked cells and tests in a second, clean kernel that receives the answers as data.",
    ).tag(config=True)
    notebook_time_limit = Integer(
        900, help="Seconds the student kernel may spend on one notebook (cells after that are not run).",
    ).tag(config=True)
    snapshot_timeout = Integer(20, help="Seconds to wait for the student kernel to hand over its answers.").tag(
        config=True)
    keep_test_kernel = Bool(
        True, help="Keep the test kernel (which never runs student code) for the next submission in this process.",
    ).tag(config=True)
    test_kernel_uses = Integer(
        400, help="Cells a kept test kernel runs before it is replaced (its CPU limit counts them all).",
    ).tag(config=True)
    max_restarts = Integer(
        2, help="Restarts of the student kernel per notebook after a crash or an ignored interrupt.",
    ).tag(config=True)
    max_output_bytes = Integer(
        10_000_000, help="Output kept per cell of the student kernel; more is dropped with a note.",
    ).tag(config=True)
    max_notebook_output_bytes = Integer(
        50_000_000, help="Output kept for the whole notebook from the student kernel; more is dropped with a note.",
    ).tag(config=True)

    @default("kernel_name")
    def _kernel_name_default(self) -> str:
        return KERNEL_NAME

    @default("shutdown_kernel")
    def _shutdown_kernel_default(self) -> str:
        return "immediate"

    def __init__(self, **kwargs: Any) -> None:
        self.sandboxed = not unsafe_grading()
        kwargs["kernel_manager_class"] = SandboxKernelManager if self.sandboxed else AsyncKernelManager
        super().__init__(**kwargs)

    # -- nbgrader / nbconvert entry point --------------------------------------------------------------------

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.findings = GradingFindings.from_metadata(nb.metadata.get(METADATA_KEY))
        self.findings.sandbox = self.sandboxed
        self._prepare_kernelspec()
        run_sync(self._async_grade)()
        self.set_widgets_metadata()
        self.resources[METADATA_KEY] = self.findings.as_metadata()
        nb.metadata[METADATA_KEY] = self.findings.as_metadata()
        return self.nb, self.resources

    def _prepare_kernelspec(self) -> None:
        if not self.sandboxed:
            self.kernel_name = "python3"
            self.findings.add("unsafe", "", f"graded WITHOUT the sandbox ({UNSAFE_ENV}=1): student code ran with "
                              "the grader's rights", self.log)
            return
        from helpcourse.sandbox.kernelspec import install_kernelspec, kernelspec_is_current

        manager = SandboxKernelManager(config=self.config)
        problems = setup_problems(manager.sandbox_settings())
        if problems:
            raise SandboxUnavailableError(
                "grading refused: the sandbox for student code cannot be built here: " + "; ".join(problems)
                + f". Fix this, or set {UNSAFE_ENV}=1 to grade without the sandbox (see docs/SECURITY.md)."
            )
        if self.kernel_name == KERNEL_NAME and not kernelspec_is_current():
            install_kernelspec()

    # -- the two kernels ------------------------------------------------------------------------------------

    async def _start_student_kernel(self) -> None:
        self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()

    async def _stop_student_kernel(self) -> None:
        if self.km is not None:
            await self._async_cleanup_kernel()

    async def _async_grade(self) -> None:
        cells = self.nb.cells
        roles = {i: cell_role(c) for i, c in enumerate(cells) if c.cell_type == "code"}
        self.tests = None
        self.stopped: str | None = None
        self.restarts = 0
        self.executed: list[int] = []
        self.output_bytes: dict[int, int] = {}
        self.notebook_output_bytes = 0
        self.truncated: set[int] = set()
        self.started = monotonic()
        self.deadline = self.started + self.notebook_time_limit
        course_names: set[str] = set()
        try:
            starts = [self._start_student_kernel()]
            if self.separate_tests and "test" in roles.values():
                starts.append(self._open_test_kernel())
            outcomes = await asyncio.gather(*starts, return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise RuntimeError(f"a grading kernel did not start ({outcome}); check the sandbox with "
                                       "`python -m helpcourse.sandbox check`") from outcome
            await self._record_language_info()
            self._debug("kernels ready")
            for index, cell in enumerate(cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                role = roles[index]
                if role == "student" or self.tests is None:
                    await self._student_cell(cell, index)
                    self._debug(f"{role} cell {_cell_name(cell)} done")
                    continue
                needed = sorted(loaded_names(cell.source) - bound_names(cell.source) - course_names
                                - set(dir(builtins)) - KERNEL_NAMES)
                if role == "test" and needed and self.stopped is not None:
                    cell.outputs = [_error_output("NotGraded", f"not graded: {self.stopped}, so the answers this "
                                                  "test needs could not be read")]
                    self.findings.add("not_graded", _cell_name(cell), f"not graded: {self.stopped}", self.log)
                    continue
                payload = await self._payload(cell, needed)
                jobs = [self.tests.run(cell.source, payload)]
                if role == "course":
                    jobs.append(self._student_cell(cell, index))
                results = await asyncio.gather(*jobs, return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        raise result
                if role == "test":
                    cell.outputs = results[0]
                    self.code_cells_executed += 1
                    cell.execution_count = self.code_cells_executed
                course_names |= bound_names(cell.source)
                self._debug(f"{role} cell {_cell_name(cell)} done")
        finally:
            await self._stop_student_kernel()
            await self._close_test_kernel()
            self._debug("kernels stopped")

    def _debug(self, event: str) -> None:
        self.log.debug("[grading] %s after %.2f s", event, monotonic() - self.started)

    def _test_kernel_folder(self) -> str:
        """The assignment's source folder (the course's files), or the working copy when there is none."""
        assignment = self.resources.get("nbgrader", {}).get("assignment")
        if assignment:
            coursedir = CourseDirectory(parent=self)
            folder = os.path.abspath(coursedir.format_path(coursedir.source_directory, ".", assignment))
            if os.path.isdir(folder):
                return folder
        return os.path.abspath(self.resources.get("metadata", {}).get("path") or os.getcwd())

    async def _open_test_kernel(self) -> None:
        folder = self._test_kernel_folder()
        self._test_key = (id(asyncio.get_running_loop()), self.kernel_name, self.kernel_manager_class, folder)
        kept = _KEPT_TEST_KERNELS.pop(self._test_key, None) if self.keep_test_kernel else None
        if kept is not None:
            try:
                await kept.reset()
                self.tests = kept
                return
            except (RuntimeError, DeadKernelError, CellTimeoutError):
                await kept.stop()
        self.tests = _TestKernel(self, folder)
        try:
            await self.tests.start()
        except BaseException:
            self.tests.failed = "it did not start"
            raise

    async def _close_test_kernel(self) -> None:
        if self.tests is None:
            return
        reusable = not self.tests.failed and self.tests.uses < self.test_kernel_uses
        if self.keep_test_kernel and reusable and self._test_key not in _KEPT_TEST_KERNELS:
            _KEPT_TEST_KERNELS[self._test_key] = self.tests
        else:
            await self.tests.stop()
        self.tests = None

    async def _record_language_info(self) -> None:
        msg_id = await ensure_async(self.kc.kernel_info())
        info = await self.async_wait_for_reply(msg_id)
        if info is not None and "language_info" in info["content"]:
            self.nb.metadata["language_info"] = info["content"]["language_info"]

    # -- the student kernel ---------------------------------------------------------------------------------

    async def _student_cell(self, cell: NotebookNode, index: int) -> None:
        name = _cell_name(cell)
        if self.stopped is None and monotonic() > self.deadline:
            await self._stop(f"the notebook reached its time limit of {self.notebook_time_limit} s", name)
        if self.stopped is not None:
            cell.outputs = [_error_output("NotRun", f"not run: {self.stopped}")]
            return
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        except CellTimeoutError:
            self.findings.add("interrupt_ignored", name, f"the cell passed its {self._get_timeout(cell)} s limit and "
                              "ignored the interrupt: it was skipped and the kernel restarted", self.log)
            cell.outputs.append(_error_output("CellTimeoutError", "stopped: the cell ran past its time limit and "
                                              "ignored the interrupt"))
            await self._restart(index, name)
            return
        except DeadKernelError:
            self.findings.add("kernel_died", name, "the kernel stopped while running this cell (an exit, a crash "
                              "or a resource limit): the cell was skipped and the kernel restarted", self.log)
            cell.outputs.append(_error_output("DeadKernelError", "the kernel stopped while running this cell"))
            await self._restart(index, name)
            return
        self.executed.append(index)
        if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            self.findings.add("timeout", name, f"the cell passed its {self._get_timeout(cell)} s limit and was "
                              "interrupted", self.log)
        if self.sandboxed and cell_role(cell) == "student":
            stray = self.km.stop_stray_processes()
            if stray:
                self.findings.add("processes", name, f"{stray} process(es) the cell left running were stopped",
                                  self.log)

    async def _stop(self, reason: str, name: str) -> None:
        self.stopped = reason
        self.findings.add("not_run", name, f"cells from here on were not run: {reason}", self.log)
        await self._stop_student_kernel()

    async def _restart(self, index: int, name: str) -> None:
        """Replace a hung or dead student kernel; replay the cells that completed before cell ``index``."""
        await self._stop_student_kernel()
        if self.restarts >= self.max_restarts:
            await self._stop(f"the kernel had to be restarted more than {self.max_restarts} times", name)
            return
        if monotonic() > self.deadline:
            await self._stop(f"the notebook reached its time limit of {self.notebook_time_limit} s", name)
            return
        self.restarts += 1
        self.findings.add("restarted", name, "the kernel was restarted and the cells before this one replayed",
                          self.log)
        try:
            await self._start_student_kernel()
            for previous in self.executed:
                if not await self._quietly(self.nb.cells[previous].source, self.timeout):
                    raise RuntimeError(f"replaying cell {_cell_name(self.nb.cells[previous])} failed")
        except (RuntimeError, DeadKernelError, OSError) as error:
            await self._stop(f"the restarted kernel did not recover ({error})", name)

    async def _shell_reply(self, msg_id: str, timeout: float) -> dict | None:
        end = monotonic() + timeout
        while True:
            remaining = end - monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Exception:  # queue.Empty (timeout) or a closed channel
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    async def _quietly(self, code: str, timeout: float) -> bool:
        """Run code in the student kernel without recording outputs; False when it hangs or the kernel dies."""
        msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False, allow_stdin=False))
        reply = await self._shell_reply(msg_id, timeout or 60)
        if reply is None:
            await ensure_async(self.km.interrupt_kernel())
            return await self._shell_reply(msg_id, 5) is not None and await ensure_async(self.km.is_alive())
        return True

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Keep at most :attr:`max_output_bytes` of output per cell, :attr:`max_notebook_output_bytes` in all."""
        size = _output_size(msg)
        if self.output_bytes.get(cell_index, 0) + size > self.max_output_bytes:
            limit = self.max_output_bytes
        elif self.notebook_output_bytes + size > self.max_notebook_output_bytes:
            limit = self.max_notebook_output_bytes
        else:
            self.output_bytes[cell_index] = self.output_bytes.get(cell_index, 0) + size
            self.notebook_output_bytes += size
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self.truncated:
            self.truncated.add(cell_index)
            name = _cell_name(self.nb.cells[cell_index])
            self.findings.add("output_truncated", name, f"output beyond {limit} bytes was dropped", self.log)
            outs.append(new_output("stream", name="stderr", text=(
                f"\n[output truncated by the grader: more than {limit} bytes]\n")))
        return None

    # -- answers as data ------------------------------------------------------------------------------------

    async def _payload(self, cell: NotebookNode, names: list[str]) -> str | None:
        """The student's values of ``names`` as an encoded snapshot for the test kernel (None: nothing needed)."""
        if not names:
            return None
        snapshot = "{}"
        name = _cell_name(cell)
        if self.stopped is None:
            expression = (f"__import__('helpcourse.sandbox.plain', fromlist=['snapshot']).snapshot(globals(), "
                          f"{names!r})")
            msg_id = await ensure_async(self.kc.execute(
                "", silent=True, store_history=False, allow_stdin=False, user_expressions={"answers": expression}))
            reply = await self._shell_reply(msg_id, self.snapshot_timeout)
            text = self._snapshot_text(reply)
            if text is None:
                self.findings.add("answers_unreadable", name, "the student kernel did not hand over the answers "
                                  "this cell needs, so they count as missing", self.log)
            else:
                snapshot = text
        self._note_not_gradable(snapshot, name)
        payload = json.dumps({"requested": names, "snapshot": snapshot})
        return base64.b64encode(payload.encode()).decode()

    @staticmethod
    def _snapshot_text(reply: dict | None) -> str | None:
        if reply is None:
            return None
        result = reply.get("content", {}).get("user_expressions", {}).get("answers", {})
        if result.get("status") != "ok":
            return None
        try:
            text = ast.literal_eval(result["data"]["text/plain"])
            return text if type(text) is str and type(json.loads(text)) is dict else None
        except (KeyError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None

    def _note_not_gradable(self, snapshot: str, name: str) -> None:
        for variable, data in json.loads(snapshot).items():
            if isinstance(data, dict) and data.get("t") == "not_gradable":
                self.findings.add("not_gradable", name, f"`{variable}` holds a {str(data.get('type'))[:80]} object, "
                                  "not plain data: a test that uses it fails", self.log)
