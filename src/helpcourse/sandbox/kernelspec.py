"""The ``helpcourse-sandbox`` kernelspec: install it into the environment, check it, describe it.

It lives in ``{sys.prefix}/share/jupyter/kernels/helpcourse-sandbox`` (found by nbgrader and by the formgrader
without any change of ``JUPYTER_PATH``). Its ``argv`` runs this environment's Python, isolated (``-I``), on the
wrapper :mod:`helpcourse.sandbox.launch`. JupyterLab lists it too, but a kernel started there refuses to run:
it needs the ipc transport that only :class:`~helpcourse.sandbox.manager.SandboxKernelManager` provides.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from helpcourse.sandbox import KERNEL_NAME

__all__ = ["install_kernelspec", "kernelspec_dir", "kernelspec_is_current", "kernelspec_json"]


def kernelspec_dir(prefix: str | None = None) -> Path:
    """Where the kernelspec is installed for the environment at ``prefix`` (default: this one)."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def kernelspec_json(python: str | None = None) -> dict:
    """The content of ``kernel.json``: the wrapper, run by ``python`` (default: this interpreter)."""
    return {
        "argv": [python or sys.executable, "-I", "-m", "helpcourse.sandbox.launch", "{connection_file}"],
        "display_name": "Grading sandbox (used by nbgrader only)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False, "helpcourse": "sandboxed grading kernel; see docs/SECURITY.md"},
    }


def kernelspec_is_current(prefix: str | None = None) -> bool:
    """True when the installed kernelspec exists and runs this interpreter."""
    path = kernelspec_dir(prefix) / "kernel.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) == kernelspec_json()
    except (OSError, ValueError):
        return False


def install_kernelspec(prefix: str | None = None) -> Path:
    """Write ``kernel.json`` for this interpreter (idempotent); return the kernelspec folder."""
    folder = kernelspec_dir(prefix)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "kernel.json"
    partial = folder / f"kernel.json.{os.getpid()}.tmp"
    partial.write_text(json.dumps(kernelspec_json(), indent=1) + "\n", encoding="utf-8")
    partial.replace(target)
    return folder
