"""Build the pieces of the course's JupyterHub on one machine (run as root; see docs/HUB.md).

* :func:`build_environment` — the environment every user's server runs from: a virtual environment made with the
  system's Python (students must be able to run it, so never one under ``/root``), the course package and its
  pinned dependencies with the ``hub`` extra, the grading sandbox's kernelspec, and a global ``nbgrader_config.py``
  (shared exchange, course membership from the hub's groups, private submissions).
* :func:`make_exchange` — the shared exchange folder (mode 1777).
* :func:`create_local_user` / :func:`delete_local_user` — accounts for the ``localprocess`` spawner, homes 0700.
* :func:`write_course_root` — an instructor's course root on the hub: the course's own grading configuration,
  plus the shared exchange and the gradebook URL (SQLite by default, or PostgreSQL).
* :class:`PostgresCluster` — a PostgreSQL cluster in a folder (Debian's ``postgresql`` package), on loopback,
  password authentication, for nbgrader's ``db_url``.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "COURSE_ID",
    "DEFAULT_PREFIX",
    "PostgresCluster",
    "build_environment",
    "create_local_user",
    "delete_local_user",
    "free_port",
    "global_nbgrader_config",
    "make_exchange",
    "postgres_bin",
    "write_course_root",
]

REPO = Path(__file__).resolve().parents[3]
COURSE_ID = "helpers-role"
DEFAULT_PREFIX = Path("/opt/helpcourse-hub/venv")
SYSTEM_PYTHON = "/usr/bin/python3"
STAMP = ".helpcourse-hub-installed"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_digest(repo: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([repo / "pyproject.toml", *(repo / "src" / "helpcourse").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(repo)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def global_nbgrader_config(exchange_root: str | os.PathLike[str]) -> str:
    """The text of the hub's global ``nbgrader_config.py`` (read by every user's server and the formgrader)."""
    return f'''"""nbgrader settings for every user of the course's JupyterHub (written by helpcourse.hub.provision)."""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821
# One exchange on a folder every server can reach (mode 1777); one sub-folder per course. The hub may name
# another one in HELPCOURSE_EXCHANGE (grading/jupyterhub_config.py passes it on to every server).
c.Exchange.root = os.environ.get("HELPCOURSE_EXCHANGE") or {str(exchange_root)!r}
c.Exchange.path_includes_course = True
c.Exchange.timezone = "UTC"
# Course membership comes from the hub's groups: nbgrader-<course> (students) and formgrade-<course> (instructors).
c.Authenticator.plugin_class = JupyterHubAuthPlugin
# A submitted folder is readable only by its student and by root (who collects).
c.ExchangeFactory.submit = "helpcourse.hub.exchange.PrivateSubmit"
'''


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def build_environment(prefix: str | os.PathLike[str] = DEFAULT_PREFIX, exchange_root: str = "/srv/nbgrader/exchange",
                      repo: str | os.PathLike[str] = REPO, python: str = SYSTEM_PYTHON) -> Path:
    """Create or update the hub's environment; return its prefix.

    Parameters
    ----------
    prefix
        Folder of the virtual environment (readable by every user).
    exchange_root
        The shared exchange, written into the environment's global nbgrader configuration.
    repo
        The course repository to install (not editable: users run a copy, never the instructor's checkout).
    python
        The interpreter to build the environment from; every user must be able to run it.

    Returns
    -------
    Path
        The prefix. Nothing is reinstalled when the course and its pins are unchanged since the last build.
    """
    prefix, repo = Path(prefix), Path(repo)
    if not (prefix / "bin" / "python").exists():
        _run([python, "-m", "venv", str(prefix)])
        _run([str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    digest = _tree_digest(repo)
    stamp = prefix / STAMP
    if not stamp.exists() or stamp.read_text() != digest:
        pip = [str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        _run([*pip, f"{repo}[hub]"], timeout=1800)
        _run([*pip, "--no-deps", "--force-reinstall", str(repo)], timeout=600)  # the course package itself
        _run([str(prefix / "bin" / "python"), "-m", "helpcourse.sandbox", "install"])
        stamp.write_text(digest)
    config_dir = prefix / "etc" / "jupyter"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "nbgrader_config.py").write_text(global_nbgrader_config(exchange_root))
    for path in [prefix, *prefix.parents]:
        if path != Path("/") and not os.stat(path).st_mode & 0o005:
            raise PermissionError(f"{path} is not readable by other users: students could not run {prefix}")
    return prefix


def make_exchange(root: str | os.PathLike[str]) -> Path:
    """Create the shared exchange folder with mode 1777 (everyone may write, only owners may delete)."""
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o1777)
    return path


def _admin_tool(name: str) -> str:
    """The path of an account tool (``useradd``...): also found in /usr/sbin when PATH lacks it (the hub's PATH)."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin:/usr/bin:/bin") or name


def create_local_user(name: str, home_mode: int = 0o700) -> Path:
    """Create a local account with a home of its own (``useradd``) and close the home to others; return it.

    ``useradd`` makes homes world-readable on Debian unless ``HOME_MODE`` is set: one student could then read
    another's notebooks and the secret that opens their feedback.
    """
    _run([_admin_tool("useradd"), "--create-home", "--shell", "/bin/bash", "--user-group", name])
    home = Path(pwd.getpwnam(name).pw_dir)
    os.chmod(home, home_mode)
    return home


def delete_local_user(name: str) -> bool:
    """Remove the account with its home; False if it did not exist.

    Processes the account still runs (a server the hub failed to stop) are ended first, after 5 s of waiting.
    """
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    for attempt in range(40):
        done = subprocess.run(["userdel", "--remove", name], check=False, capture_output=True, text=True)
        if done.returncode in (0, 6):  # 6: no such user
            break
        if attempt == 20:  # 8: the account still runs processes
            subprocess.run(["pkill", "-KILL", "-u", name], check=False, capture_output=True)
        time.sleep(0.25)
    subprocess.run(["groupdel", name], check=False, capture_output=True)
    return True


def write_course_root(folder: str | os.PathLike[str], exchange_root: str | os.PathLike[str],
                      db_url: str | None = None, repo: str | os.PathLike[str] = REPO) -> Path:
    """An instructor's course root on the hub: the course's grading configuration with the hub's settings.

    The folder gets an ``nbgrader_config.py`` that loads ``grading/nbgrader_config.py`` of ``repo`` (sandbox,
    time limits, feedback) and then points at this folder, the course's exercises in ``repo``, the shared exchange
    and the gradebook. It is made mode 0700: the configuration may hold the gradebook's password.

    Parameters
    ----------
    folder
        The new course root.
    exchange_root
        The shared exchange.
    db_url
        SQLAlchemy URL of the gradebook; None keeps SQLite (``gradebook.db`` in the course root).
    repo
        The course repository.

    Returns
    -------
    Path
        The course root.
    """
    root, repo = Path(folder), Path(repo)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    lines = [
        '"""Course root of The Helper\'s Role on a JupyterHub (written by helpcourse.hub.provision)."""',
        "",
        "import os",
        "",
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(repo / 'grading' / 'nbgrader_config.py')!r})  # noqa: F821",
        "c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
        f"c.CourseDirectory.source_directory = {str(repo / 'course' / 'exercises')!r}",
        f"c.Exchange.root = {str(exchange_root)!r}",
        "c.Exchange.path_includes_course = True",
        "# Course membership is kept by the hub's groups (grading/jupyterhub_config.py), not by nbgrader's roster.",
        'c.Authenticator.plugin_class = "nbgrader.auth.NoAuthPlugin"',
    ]
    if db_url:
        lines.append(f"c.CourseDirectory.db_url = {db_url!r}")
    path = root / "nbgrader_config.py"
    path.write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return root


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), or None when not installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster in ``folder``, listening on 127.0.0.1 only, with a password-protected database.

    Attributes
    ----------
    folder
        Where the cluster's files live.
    owner
        The account that runs the server (PostgreSQL refuses root); empty for the current account.
    port
        Its TCP port on 127.0.0.1 (0: pick a free one).
    database, user
        The gradebook's database and its role.
    password
        The role's password (random when empty).
    """

    folder: Path
    owner: str = ""
    port: int = 0
    database: str = "gradebook"
    user: str = "nbgrader"
    password: str = ""
    started: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the gradebook (psycopg2 driver)."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def _as_owner(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", self.owner, "--", *args] if self.owner else args

    def start(self, timeout: float = 60) -> PostgresCluster:
        """Create the cluster (``initdb``), start it (``pg_ctl``) and create the role and database."""
        binary = postgres_bin()
        if binary is None:
            raise FileNotFoundError("PostgreSQL's server programs not found (Debian: apt-get install postgresql)")
        self.port = self.port or free_port()
        self.password = self.password or secrets.token_urlsafe(24)
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.owner:
            shutil.chown(self.folder, self.owner, self.owner)
        os.chmod(self.folder, 0o700)
        data, pwfile = self.folder / "data", self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if self.owner:
            shutil.chown(pwfile, self.owner, self.owner)
        os.chmod(pwfile, 0o600)
        _run(self._as_owner([str(binary / "initdb"), "-D", str(data), "-U", self.user, "--pwfile", str(pwfile),
                             "--auth=scram-sha-256", "--encoding=UTF8", "--no-instructions"]), timeout=timeout)
        pwfile.unlink()
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder}"
        _run(self._as_owner([str(binary / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                             str(self.folder / "server.log"), "-w", "-t", str(int(timeout)), "start"]),
             timeout=timeout + 10)
        self.started = True
        env = dict(os.environ, PGPASSWORD=self.password)
        _run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", "postgres", "-v",
              "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {self.database}"], env=env, timeout=timeout)
        return self

    def stop(self, timeout: float = 60) -> None:
        """Stop the server (fast shutdown) if it was started; the folder stays for the caller to remove."""
        binary = postgres_bin()
        if self.started and binary is not None:
            subprocess.run(self._as_owner([str(binary / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
                                           "-w", "-t", str(int(timeout)), "stop"]),
                           check=False, capture_output=True, timeout=timeout + 10)
            self.started = False


def main(argv: list[str] | None = None) -> int:
    """``python -m helpcourse.hub env|exchange|course-root``: the provisioning steps of docs/HUB.md."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpcourse.hub", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="build or update the hub's environment")
    env.add_argument("--prefix", default=str(DEFAULT_PREFIX))
    env.add_argument("--exchange", default="/srv/nbgrader/exchange")
    env.add_argument("--python", default=SYSTEM_PYTHON)
    exchange = sub.add_parser("exchange", help="create the shared exchange folder (mode 1777)")
    exchange.add_argument("--root", default="/srv/nbgrader/exchange")
    course = sub.add_parser("course-root", help="write an instructor's course root for the hub")
    course.add_argument("folder")
    course.add_argument("--exchange", default="/srv/nbgrader/exchange")
    course.add_argument("--db-url", default=None, help="gradebook URL, e.g. postgresql+psycopg2://... (default SQLite)")
    args = parser.parse_args(argv)
    if args.command == "env":
        print(build_environment(args.prefix, args.exchange, python=args.python))
    elif args.command == "exchange":
        print(make_exchange(args.root))
    else:
        print(write_course_root(args.folder, args.exchange, args.db_url) / "nbgrader_config.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
