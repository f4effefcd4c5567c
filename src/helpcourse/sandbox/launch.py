"""The wrapper that the ``helpcourse-sandbox`` kernelspec runs: it starts one kernel inside a sandbox.

It runs as root, outside the sandbox, with ``python -I`` (so a file in the working copy can never shadow a module),
and uses the standard library only. Steps:

1. read the kernel's connection file: the transport must be ``ipc`` with an absolute socket path in a directory
   made for this kernel (see :class:`helpcourse.sandbox.manager.SandboxKernelManager`); the kernel gets its own
   user id, ``uid_base + pid of this process``, and that directory is handed to it;
2. set resource limits (CPU seconds, address space, processes and threads, file size, open files, no core files);
3. ignore SIGINT here (jupyter_client interrupts the whole process group; the kernel installs its own handler) and
   replace this process with ``bwrap``: no network, its own PID, IPC and UTS namespaces, a clean environment, an
   empty root with ``/usr`` and the interpreter, the virtual environment, the ``helpcourse`` package and the data
   sets bound read-only, private ``/tmp`` and ``/dev/shm``, and a private, writable working directory that shows
   the working copy's files read-only except its notebooks (the graded notebook holds the hidden tests);
4. inside, ``setpriv`` switches to the kernel's user id with no capabilities and no new privileges, and runs
   ``python -P -s -m ipykernel_launcher`` with ``PYTHONSAFEPATH=1``.

Settings come from the environment variable ``HELPCOURSE_SANDBOX`` (JSON, written by the kernel manager from
nbgrader's configuration); missing keys take the defaults of :class:`SandboxSettings`.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

SETTINGS_ENV = "HELPCOURSE_SANDBOX"
CONNECTION_INSIDE = "/run/helpcourse/connection.json"
#: Files of /etc that programs in the sandbox may need (dynamic loader, time zone, name service, MIME types).
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf", "hosts",
             "mime.types", "os-release")
#: Most entries of the working copy that are shown to the kernel (a submission with more is refused).
MAX_WORKDIR_ENTRIES = 256


class SandboxError(RuntimeError):
    """The sandbox cannot be set up; the message says why and what to do."""


@dataclass(frozen=True)
class SandboxSettings:
    """Resource limits and identities of one sandboxed kernel (every field can be set in nbgrader's config).

    Attributes
    ----------
    cpu_seconds : int
        CPU time of each process (the kernel receives SIGXCPU and stops after it).
    memory_mb : int
        Address space of each process; a larger allocation raises MemoryError in the kernel.
    processes : int
        Processes and threads of the kernel's user id (a kernel with numpy uses about 15).
    file_size_mb : int
        Largest file the kernel can write (in its private ``/tmp`` or working directory).
    open_files : int
        Open file descriptors per process.
    tmp_size_mb : int
        Size of each private tmpfs (``/tmp``, ``/dev/shm`` and the working directory).
    uid_base : int
        The kernel runs as ``uid_base + pid of the wrapper``: a user id of its own that no account and no file uses.
    bwrap : str
        Path of the bubblewrap executable.
    setpriv : str
        Path of util-linux's ``setpriv``.
    quiet : bool
        Send the kernel's own standard output and error to /dev/null rather than to the grader's terminal.
    """

    cpu_seconds: int = 600
    memory_mb: int = 4096
    processes: int = 128
    file_size_mb: int = 64
    open_files: int = 1024
    tmp_size_mb: int = 256
    uid_base: int = 1_000_000
    bwrap: str = "/usr/bin/bwrap"
    setpriv: str = "/usr/bin/setpriv"
    quiet: bool = True

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> SandboxSettings:
        """Settings from ``$HELPCOURSE_SANDBOX`` (JSON); unknown keys are refused, missing keys take defaults."""
        text = (environ if environ is not None else os.environ).get(SETTINGS_ENV, "")
        if not text:
            return cls()
        values = json.loads(text)
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise SandboxError(f"unknown sandbox settings: {sorted(unknown)}")
        return cls(**values)

    def problems(self) -> list[str]:
        """Settings that would weaken the sandbox (a small user id, tools that others could replace, no limit)."""
        found = []
        if not 100_000 <= self.uid_base <= 2**31 - 2**23:
            found.append(f"uid_base {self.uid_base} must be between 100000 and {2**31 - 2**23}")
        for name in ("cpu_seconds", "memory_mb", "processes", "file_size_mb", "open_files", "tmp_size_mb"):
            if getattr(self, name) <= 0:
                found.append(f"{name} must be positive")
        for tool in (self.bwrap, self.setpriv):
            try:
                info = os.stat(tool)
            except OSError:
                continue  # reported as missing by setup_problems
            if not os.path.isabs(tool) or info.st_uid != 0 or info.st_mode & 0o022:
                found.append(f"{tool} must be an absolute path to a file owned by root and writable only by root")
        return found

    def to_environment(self) -> str:
        """The JSON text for ``$HELPCOURSE_SANDBOX``."""
        return json.dumps(asdict(self), sort_keys=True)


def kernel_uid(settings: SandboxSettings, wrapper_pid: int) -> int:
    """The user id of the kernel started by the wrapper process ``wrapper_pid`` (unique while it runs)."""
    return settings.uid_base + wrapper_pid


def setup_problems(settings: SandboxSettings) -> list[str]:
    """Why a sandbox cannot be built on this machine for this user (an empty list when it can)."""
    problems = settings.problems()
    if os.geteuid() != 0:
        problems.append(
            "grading runs as an unprivileged user: switching the kernel to its own user id needs root "
            "(or CAP_SETUID and CAP_SYS_ADMIN); see docs/SECURITY.md"
        )
    for name, path in (("bubblewrap", settings.bwrap), ("setpriv", settings.setpriv)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            problems.append(f"{name} not found at {path} (Debian: apt-get install -y "
                            f"{'bubblewrap' if name == 'bubblewrap' else 'util-linux'})")
    return problems


def _cache_dir() -> str:
    """The data cache that ``helpcourse.data`` uses (the same rule as ``pooch.os_cache``, without importing it)."""
    explicit = os.environ.get("HELPCOURSE_CACHE_DIR")
    if explicit:
        return os.path.expanduser(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "helpcourse")


def readonly_paths() -> list[tuple[str, str]]:
    """``(host path, path in the sandbox)`` of what the kernel sees read-only besides ``/usr``.

    The interpreter, the virtual environment and the ``helpcourse`` package at their real paths; the data mirror
    and the cache at the paths the environment names (which the loaders use), resolved on the host.
    """
    import helpcourse

    code = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable)), os.path.dirname(os.path.abspath(helpcourse.__file__))]
    pairs = {(os.path.realpath(p), os.path.realpath(p)) for p in code if p}
    data = [os.path.expanduser(os.environ["HELPCOURSE_DATA_DIR"])] if os.environ.get("HELPCOURSE_DATA_DIR") else []
    pairs |= {(os.path.realpath(p), os.path.abspath(p)) for p in data + [_cache_dir()]}
    chosen: list[tuple[str, str]] = []
    for source, target in sorted(pairs, key=lambda pair: pair[1]):
        if not os.path.isdir(source) or target == "/":
            continue
        if any(target == kept or target.startswith(kept + "/") for _, kept in chosen + [("", "/usr")]):
            continue
        chosen.append((source, target))
    return chosen


class _Args:
    """bwrap's argument list with the synthetic parent directories each mount point needs (mode 0755)."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self.dirs: set[str] = {"/"}

    def add(self, *items: str) -> None:
        self.args.extend(items)

    def parents(self, path: str) -> None:
        """Create every missing ancestor of ``path`` as a world-readable directory (bwrap's default is 0700)."""
        parts = Path(path).parts
        for depth in range(2, len(parts)):
            ancestor = str(Path(*parts[:depth]))
            if ancestor not in self.dirs:
                self.add("--perms", "0755", "--dir", ancestor)
                self.dirs.add(ancestor)

    def readonly(self, source: str, target: str) -> None:
        self.parents(target)
        self.add("--ro-bind", source, target)
        self.dirs.add(target)


def _data_fd(text: str) -> int:
    """A pipe's read end that holds ``text`` (bwrap copies it into a file in the sandbox)."""
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    os.set_inheritable(read, True)
    return read


def workdir_entries(workdir: str) -> list[str]:
    """Entries of the working copy shown to the kernel: regular files and folders, never notebooks or links."""
    shown = []
    for name in sorted(os.listdir(workdir)):
        info = os.lstat(os.path.join(workdir, name))
        if name.endswith(".ipynb") or name == ".ipynb_checkpoints":
            continue
        if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
            shown.append(name)
    if len(shown) > MAX_WORKDIR_ENTRIES:
        raise SandboxError(f"the working copy has {len(shown)} entries (at most {MAX_WORKDIR_ENTRIES} are shown)")
    return shown


def socket_directory(connection: dict) -> str:
    """The kernel's own socket directory, checked: ipc transport, absolute path, a root-owned empty directory."""
    if connection.get("transport") != "ipc":
        raise SandboxError(
            "the sandboxed kernel has no network, so it needs the ipc transport: start it through "
            "helpcourse.sandbox.manager.SandboxKernelManager (nbgrader's configuration does), not from JupyterLab"
        )
    ip = str(connection.get("ip", ""))
    directory = os.path.dirname(ip)
    if not os.path.isabs(ip) or not directory or directory == "/":
        raise SandboxError(f"the ipc socket prefix must be an absolute path in a directory of its own, not {ip!r}")
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or os.listdir(directory):
        raise SandboxError(f"the socket directory {directory} must be an empty directory owned by root")
    return directory


def bwrap_command(settings: SandboxSettings, uid: int, connection_fd: int, passwd_fd: int, group_fd: int,
                  socket_dir: str, workdir: str, kernel_args: list[str]) -> list[str]:
    """The full command line: bwrap's mounts, then setpriv, then the kernel.

    Parameters
    ----------
    settings
        Limits and tool paths.
    uid
        The kernel's own user id.
    connection_fd, passwd_fd, group_fd
        Readable file descriptors holding the connection file and the sandbox's ``/etc/passwd`` and ``/etc/group``.
    socket_dir
        The directory where the kernel creates its ipc sockets (bound read-write).
    workdir
        The working copy; the kernel starts in a writable tmpfs at the same path that shows its files read-only.
    kernel_args
        Extra arguments for ``ipykernel_launcher`` (from the kernel manager).
    """
    tmp_size = str(settings.tmp_size_mb * 1024 * 1024)
    a = _Args()
    a.add(settings.bwrap, "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc",
          "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading-sandbox", "--clearenv")
    a.add("--ro-bind", "/usr", "/usr")
    a.dirs.add("/usr")
    for link in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        host = f"/{link}"
        if os.path.islink(host):
            a.add("--symlink", os.readlink(host), host)
        elif os.path.isdir(host):
            a.add("--ro-bind", host, host)
        a.dirs.add(host)
    a.add("--perms", "0755", "--dir", "/etc")
    a.dirs.add("/etc")
    for name in ETC_FILES:
        a.add("--ro-bind-try", f"/etc/{name}", f"/etc/{name}")
    a.add("--perms", "0444", "--ro-bind-data", str(passwd_fd), "/etc/passwd")
    a.add("--perms", "0444", "--ro-bind-data", str(group_fd), "/etc/group")
    a.add("--proc", "/proc", "--dev", "/dev")
    a.add("--perms", "1777", "--size", tmp_size, "--tmpfs", "/dev/shm")
    a.add("--perms", "1777", "--size", tmp_size, "--tmpfs", "/tmp")
    a.dirs.update({"/proc", "/dev", "/tmp"})
    exposed = readonly_paths()
    inside = [t for _, t in exposed] + [socket_dir]
    if workdir == "/" or any(path == workdir or path.startswith(workdir + "/") for path in inside):
        raise SandboxError(f"the working directory {workdir} must be a folder of its own (it holds {inside})")
    for source, target in exposed:
        a.readonly(source, target)
    a.parents(socket_dir)
    a.add("--bind", socket_dir, socket_dir)
    a.parents(CONNECTION_INSIDE)
    a.add("--perms", "0444", "--ro-bind-data", str(connection_fd), CONNECTION_INSIDE)
    a.parents(workdir)
    a.add("--perms", "1777", "--size", tmp_size, "--tmpfs", workdir)
    for name in workdir_entries(workdir):
        a.add("--ro-bind", os.path.join(workdir, name), os.path.join(workdir, name))
    a.add("--chdir", workdir)
    env = {
        "PATH": f"{os.path.join(sys.prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp", "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "IPYTHONDIR": "/tmp/.ipython", "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
        "JUPYTER_DATA_DIR": "/tmp/.local/share/jupyter", "JUPYTER_RUNTIME_DIR": "/tmp/.local/share/jupyter/runtime",
        "MPLCONFIGDIR": "/tmp/.matplotlib", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "HELPCOURSE_CACHE_DIR": os.path.abspath(_cache_dir()),
    }
    if os.environ.get("HELPCOURSE_DATA_DIR"):
        env["HELPCOURSE_DATA_DIR"] = os.path.abspath(os.path.expanduser(os.environ["HELPCOURSE_DATA_DIR"]))
    for key, value in env.items():
        a.add("--setenv", key, value)
    a.add("--", settings.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
          "--bounding-set=-all", "--no-new-privs", "--")
    kernel = [sys.executable, "-P", "-s", "-m", "ipykernel_launcher", "-f", CONNECTION_INSIDE, *kernel_args]
    if settings.quiet:
        kernel = ["/bin/sh", "-c", 'exec "$@" </dev/null >/dev/null 2>&1', "sandboxed-kernel", *kernel]
    a.add(*kernel)
    return a.args


def set_limits(settings: SandboxSettings) -> None:
    """Resource limits of this process, inherited by bwrap and the kernel (the process limit counts per user id)."""
    mb = 1024 * 1024
    limits = {
        resource.RLIMIT_CPU: (settings.cpu_seconds, settings.cpu_seconds + 5),
        resource.RLIMIT_AS: (settings.memory_mb * mb, settings.memory_mb * mb),
        resource.RLIMIT_NPROC: (settings.processes, settings.processes),
        resource.RLIMIT_FSIZE: (settings.file_size_mb * mb, settings.file_size_mb * mb),
        resource.RLIMIT_NOFILE: (settings.open_files, settings.open_files),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        resource.setrlimit(which, value)


def main(argv: list[str] | None = None) -> int:
    """Start one sandboxed kernel: ``launch CONNECTION_FILE [KERNEL ARGS...]`` (replaces this process with bwrap)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -I -m helpcourse.sandbox.launch CONNECTION_FILE [KERNEL ARGS...]", file=sys.stderr)
        return 2
    try:
        settings = SandboxSettings.from_environment()
        problems = setup_problems(settings)
        if problems:
            raise SandboxError("; ".join(problems))
        with open(args[0], encoding="utf-8") as handle:
            connection = json.load(handle)
        socket_dir = socket_directory(connection)
        workdir = os.path.realpath(os.getcwd())
        uid = kernel_uid(settings, os.getpid())
        os.chown(socket_dir, uid, uid)
        os.chmod(socket_dir, 0o700)
        command = bwrap_command(
            settings, uid, _data_fd(json.dumps(connection)),
            _data_fd(f"root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:{uid}:{uid}:student:/tmp:/usr/sbin/nologin\n"
                     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
            _data_fd(f"root:x:0:\nstudent:x:{uid}:\nnogroup:x:65534:\n"),
            socket_dir, workdir, args[1:],
        )
        set_limits(settings)
    except (OSError, ValueError, SandboxError) as error:
        print(f"helpcourse sandbox: cannot start the kernel: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execv(settings.bwrap, command)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
