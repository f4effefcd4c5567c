"""The kernel manager of sandboxed kernels: ipc sockets in a directory of their own, limits from the configuration.

A kernel without network cannot reach its client over TCP, so :class:`SandboxKernelManager` uses jupyter_client's
``ipc`` transport and gives every kernel a fresh socket directory under :attr:`~SandboxKernelManager.socket_root`
(root-only, not listable). The wrapper (:mod:`helpcourse.sandbox.launch`) hands that directory, and nothing else of
the manager's, to the kernel's user id, so one student's kernel can neither list nor reach another's sockets.

All limits are traits, so nbgrader's configuration sets them, for example
``c.SandboxKernelManager.memory_mb = 2048``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
import typing as t

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode, default

from helpcourse.sandbox.launch import SETTINGS_ENV, SandboxSettings, kernel_uid

__all__ = ["SandboxKernelManager", "processes_of_user"]

_DEFAULTS = SandboxSettings()


def processes_of_user(uid: int) -> list[tuple[int, int]]:
    """``(pid, start time in clock ticks)`` of every process whose real user id is ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as handle:
                real_uid = next(int(line.split()[1]) for line in handle if line.startswith("Uid:"))
            if real_uid != uid:
                continue
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            found.append((int(entry), int(fields[19])))
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    return found


class SandboxKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` for the ``helpcourse-sandbox`` kernelspec (ipc transport, limits, clean-up)."""

    socket_root = Unicode(
        "/run/helpcourse-sandbox",
        help="Root-owned folder for the kernels' socket folders (created with mode 0711).",
    ).tag(config=True)
    cpu_seconds = Integer(_DEFAULTS.cpu_seconds, help="CPU seconds of each kernel process.").tag(config=True)
    memory_mb = Integer(_DEFAULTS.memory_mb, help="Address space of each kernel process, in MiB.").tag(config=True)
    processes = Integer(_DEFAULTS.processes, help="Processes and threads of one kernel.").tag(config=True)
    file_size_mb = Integer(_DEFAULTS.file_size_mb, help="Largest file a kernel can write, in MiB.").tag(config=True)
    open_files = Integer(_DEFAULTS.open_files, help="Open files of each kernel process.").tag(config=True)
    tmp_size_mb = Integer(_DEFAULTS.tmp_size_mb, help="Size of each private tmpfs, in MiB.").tag(config=True)
    uid_base = Integer(_DEFAULTS.uid_base, help="A kernel runs as uid_base + the wrapper's pid.").tag(config=True)
    bwrap = Unicode(_DEFAULTS.bwrap, help="Path of bubblewrap.").tag(config=True)
    setpriv = Unicode(_DEFAULTS.setpriv, help="Path of setpriv.").tag(config=True)
    quiet = Bool(True, help="Discard the kernel process's own stdout and stderr.").tag(config=True)

    _socket_dir: str | None = None

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    def sandbox_settings(self) -> SandboxSettings:
        """The settings handed to the wrapper."""
        return SandboxSettings(
            cpu_seconds=self.cpu_seconds, memory_mb=self.memory_mb, processes=self.processes,
            file_size_mb=self.file_size_mb, open_files=self.open_files, tmp_size_mb=self.tmp_size_mb,
            uid_base=self.uid_base, bwrap=self.bwrap, setpriv=self.setpriv, quiet=self.quiet,
        )

    def _new_socket_dir(self) -> str:
        os.makedirs(self.socket_root, mode=0o711, exist_ok=True)
        info = os.lstat(self.socket_root)
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise RuntimeError(f"{self.socket_root} must belong to the grading user and not be writable by others")
        self._remove_stale_socket_dirs()
        return tempfile.mkdtemp(prefix="k", dir=self.socket_root)

    def _remove_stale_socket_dirs(self, min_age: float = 600.0) -> None:
        """Remove socket folders of kernels whose wrapper is gone (left by a grader that was killed)."""
        now = time.time()
        for entry in os.scandir(self.socket_root):
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if not entry.is_dir(follow_symlinks=False) or now - info.st_mtime < min_age:
                    continue
                wrapper = info.st_uid - self.uid_base
                if info.st_uid >= self.uid_base and os.path.exists(f"/proc/{wrapper}"):
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)

    async def _async_pre_start_kernel(self, **kw: t.Any) -> tuple[list[str], dict[str, t.Any]]:
        if self._socket_dir is None:
            self._socket_dir = self._new_socket_dir()
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "kernel")
        env = dict(kw.get("env") or os.environ)
        env[SETTINGS_ENV] = self.sandbox_settings().to_environment()
        kw["env"] = env
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    cleanup_resources = _async_cleanup_resources

    def kernel_user(self) -> int | None:
        """The kernel's own user id, or None before it has started."""
        pid = getattr(self.provisioner, "pid", None)
        return kernel_uid(self.sandbox_settings(), pid) if pid else None

    def stop_stray_processes(self) -> int:
        """Kill every process of the kernel's user id except the kernel itself (the oldest); return how many."""
        uid = self.kernel_user()
        if uid is None:
            return 0
        processes = sorted(processes_of_user(uid), key=lambda item: item[1])
        for pid, _ in processes[1:]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return max(0, len(processes) - 1)
