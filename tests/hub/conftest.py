"""A real JupyterHub on loopback with local accounts, the shared exchange and a PostgreSQL gradebook.

Run with ``make test-hub`` (as root; it sets ``HELPCOURSE_HUB_TESTS=1``). Everything a session creates is removed at
its end, also after a failure: the accounts (``hcins_``, ``hcstu_``, ``hcout_`` and ``hcpg_`` plus a random part,
and ``hclti<random>-`` for those made by LTI launches; no other account is ever touched), the hub and its servers,
the PostgreSQL cluster, the test LTI platform and the temporary folders.
The hub's environment is built once with Debian's Python (``/usr/bin/python3``, which every account can run) under
``HELPCOURSE_HUB_TEST_PREFIX`` (default ``/var/tmp/helpcourse-hub-test/venv``) and reused while the course and its
pins are unchanged. ``make test`` skips these tests (``make test-hub`` runs them); with ``HELPCOURSE_HUB_TESTS=1``
a missing requirement skips them with the reason outside CI and fails them under CI (``CI`` set).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hub_harness import CLASS_SIZE, CYCLE_STUDENTS, REPO, Hub, grading_env, record_time
from lti_platform import LmsUser, Platform, instructor, learner

from helpcourse.hub.provision import (
    PostgresCluster,
    build_environment,
    create_local_user,
    delete_local_user,
    free_port,
    make_exchange,
    postgres_bin,
    write_course_root,
)

HERE = Path(__file__).resolve().parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
PREFIX = Path(os.environ.get("HELPCOURSE_HUB_TEST_PREFIX", "/var/tmp/helpcourse-hub-test/venv"))
SYSTEM_PYTHON = "/usr/bin/python3"
#: Test modules that start a hub (the others read configuration files only and run in `make test` too).
LIVE_MODULES = {"test_hub_course.py", "test_hub_lti.py"}
PASSWORD = secrets.token_urlsafe(12)


def _missing() -> list[str]:
    missing = []
    if os.geteuid() != 0:
        missing.append("root (local accounts, the localprocess spawner and the grading sandbox need it)")
    for tool in ("useradd", "userdel", "runuser", "bwrap", "setpriv", "psql"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if postgres_bin() is None:
        missing.append("PostgreSQL server (apt-get install postgresql)")
    if not Path(SYSTEM_PYTHON).exists():
        missing.append(SYSTEM_PYTHON)
    if not PROXY.exists():
        missing.append("configurable-http-proxy (npm ci --prefix tests/hub)")
    return missing


def pytest_collection_modifyitems(config, items):
    hub_items = [item for item in items if Path(str(item.fspath)).parent == HERE
                 and Path(str(item.fspath)).name in LIVE_MODULES]
    for item in hub_items:
        item.add_marker(pytest.mark.hub)
    if not hub_items:
        return
    if os.environ.get("HELPCOURSE_HUB_TESTS") != "1":  # `make test` leaves them to `make test-hub` (CI runs both)
        skip = pytest.mark.skip(reason="JupyterHub tests run with `make test-hub` (HELPCOURSE_HUB_TESTS=1)")
        for item in hub_items:
            item.add_marker(skip)
        return
    missing = _missing()
    if missing and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="JupyterHub tests need: " + "; ".join(missing))
        for item in hub_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def hub_requirements() -> None:
    """Fail (under CI) when something the hub tests need is missing."""
    missing = _missing()
    assert not missing, "JupyterHub tests need: " + "; ".join(missing)


@pytest.fixture(scope="session")
def tag() -> str:
    """A random part of every account name this session creates."""
    return secrets.token_hex(3)


@pytest.fixture(scope="session")
def scratch(hub_requirements) -> Path:
    """A session folder every account can traverse (mode 0711), removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="helpcourse-hub-"))
    os.chmod(folder, 0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def hub_prefix(hub_requirements) -> Path:
    """The hub's environment (built from Debian's Python, reused while the course is unchanged)."""
    began = time.perf_counter()
    prefix = build_environment(PREFIX, python=SYSTEM_PYTHON)
    record_time("hub environment ready (built or updated)", time.perf_counter() - began)
    return prefix


@pytest.fixture(scope="session")
def postgres(scratch, tag) -> PostgresCluster:
    """A PostgreSQL cluster on 127.0.0.1 run by an account of its own; stopped and removed at the end."""
    owner = f"hcpg_{tag}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", owner],
                   check=True, capture_output=True)
    cluster = PostgresCluster(folder=scratch / "postgres", owner=owner)
    try:
        began = time.perf_counter()
        cluster.start()
        record_time("PostgreSQL cluster created and started", time.perf_counter() - began)
        yield cluster
    finally:
        cluster.stop()
        delete_local_user(owner)


def _wait_for_hub(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    import requests

    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            reply = requests.get(f"{url}/hub/api/", timeout=5)  # the proxy answers 404 pages until the hub is in
            if reply.status_code == 200 and "version" in reply.json():
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"jupyterhub did not answer within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


def _end_processes_of(accounts: list[str]) -> int:
    """Kill (SIGKILL) every process the session's own accounts run: their servers and kernels; returns how many.

    Their accounts and homes are deleted next, so a graceful stop would save nothing. Left to the hub, stopping is
    slow: it sends each server SIGINT, all at once, and waits for them; 35 servers shutting down together on 2 cores
    kept it busy for more than 30 s. Only this session's accounts (random names, never root) are looked up.
    """
    import psutil

    uids = set()
    for name in accounts:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            continue
    uids.discard(0)
    procs = [proc for proc in psutil.process_iter(["uids"]) if proc.info["uids"] and proc.info["uids"].real in uids]
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()

    def gone(proc) -> bool:  # killed servers stay zombies until the hub, their parent, notices and reaps them
        try:
            return proc.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    deadline = time.perf_counter() + 10
    while not all(gone(proc) for proc in procs) and time.perf_counter() < deadline:
        time.sleep(0.1)
    return len(procs)


def _stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the hub stops the formgrader, its proxy and any server still running
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Lti:
    """The session's test LMS (tests/hub/lti_platform.py) and the tool's key, kept outside the repository."""

    def __init__(self, platform: Platform, key_path: Path, prefix: str, people: dict[str, LmsUser]):
        self.platform, self.key_path, self.prefix, self.people = platform, key_path, prefix, people

    def name(self, who: str) -> str:
        """The hub account a launch of this person makes (stable: issuer and sub)."""
        from helpcourse.lms.launch import username_for

        return username_for(self.platform.url, self.people[who].sub, self.prefix)


@pytest.fixture(scope="session")
def lti(scratch, tag) -> Lti:
    """A test LTI 1.3 platform on 127.0.0.1 with an instructor, three learners and people for the refusals."""
    from helpcourse.lms.keys import generate_key, jwks, load_private_key

    key_path = generate_key(scratch / "lti-key" / "tool.pem")
    people = {"teacher": instructor(f"t-{tag}", "Tess", "Teach"), "s1": learner(f"s1-{tag}", "Ana", "Alves"),
              "s2": learner(f"s2-{tag}", "Ben", "Brook"), "s3": learner(f"s3-{tag}", "Cleo", "Cruz"),
              "intruder": learner(f"x-{tag}", "Ivo", "Intrus")}
    platform = Platform(users={p.sub: p for p in people.values()}, tool_jwks=jwks(load_private_key(key_path)))
    platform.start()
    try:
        yield Lti(platform, key_path, f"hclti{tag}-", people)
    finally:
        platform.stop()


@pytest.fixture(scope="session")
def hub(hub_prefix, postgres, scratch, tag, lti) -> Hub:
    """JupyterHub with an instructor, the class's students and one account outside the course; all removed after."""
    instructor = f"hcins_{tag}"
    students = [f"hcstu_{tag}_{i:02d}" for i in range(1, CYCLE_STUDENTS + CLASS_SIZE + 1)]
    outsider = f"hcout_{tag}"
    accounts = [instructor, *students, outsider]
    state = scratch / "hub-state"
    state.mkdir(mode=0o700)
    exchange = make_exchange(scratch / "exchange")
    course_root = write_course_root(scratch / "course", exchange, db_url=postgres.url)
    course_files = scratch / "helpers-role-course"
    (course_files / "course").mkdir(parents=True)
    shutil.copy(REPO / "course" / "README.md", course_files / "course" / "README.md")
    os.chmod(course_files, 0o755)
    admin_token = secrets.token_hex(32)
    ports = {name: free_port() for name in ("hub", "api", "proxy", "formgrader")}
    env = grading_env(hub_prefix)
    env.update({
        "PATH": f"{hub_prefix / 'bin'}:{PROXY.parent}:/usr/local/bin:/usr/bin:/bin",
        "HELPCOURSE_HUB_PREFIX": str(hub_prefix),
        "HELPCOURSE_HUB_IP": "127.0.0.1",
        "HELPCOURSE_HUB_PORT": str(ports["hub"]),
        "HELPCOURSE_HUB_API_PORT": str(ports["api"]),
        "HELPCOURSE_HUB_PROXY_API_PORT": str(ports["proxy"]),
        "HELPCOURSE_FORMGRADER_PORT": str(ports["formgrader"]),
        "HELPCOURSE_HUB_STATE": str(state),
        "HELPCOURSE_HUB_PROXY": str(PROXY),
        "HELPCOURSE_INSTRUCTORS": instructor,
        "HELPCOURSE_STUDENTS": ",".join(students),
        "HELPCOURSE_OTHER_USERS": outsider,
        "HELPCOURSE_COURSE_ROOT": str(course_root),
        "HELPCOURSE_COURSE_FILES": str(course_files),
        "HELPCOURSE_EXCHANGE": str(exchange),
        "HELPCOURSE_HUB_PASSWORD": PASSWORD,
        "HELPCOURSE_HUB_SERVICE_TOKEN": admin_token,
        "HELPCOURSE_HUB_START_TIMEOUT": "240",
        # Log-in by LTI 1.3 launch from the test platform; the accounts above are reached through the REST API.
        **lti.platform.settings_env(str(lti.key_path)),
        "HELPCOURSE_LTI_USER_PREFIX": lti.prefix,
    })
    for name in ("HELPCOURSE_DATA_DIR", "HELPCOURSE_CACHE_DIR"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    created: list[str] = []
    process = None
    log = scratch / "jupyterhub.log"
    try:
        for account in accounts:
            create_local_user(account)
            created.append(account)
        with open(log, "w") as handle:
            began = time.perf_counter()
            process = subprocess.Popen(
                [str(hub_prefix / "bin" / "jupyterhub"), "-f", str(REPO / "grading" / "jupyterhub_config.py")],
                cwd=state, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
            )
            url = f"http://127.0.0.1:{ports['hub']}"
            _wait_for_hub(url, process, log)
            hub = Hub(url=url, admin_token=admin_token, prefix=hub_prefix, instructor=instructor, students=students,
                      outsider=outsider, course_root=course_root, exchange=exchange, course_files=course_files)
            record_time("hub start (with proxy and formgrader service)", time.perf_counter() - began)
            yield hub
    finally:
        began = time.perf_counter()
        launched = [lti.name(who) for who in lti.people]  # made by launches (only this session's names)
        ended = _end_processes_of(created + launched)  # the users' servers and kernels; then the hub stops the rest
        stopping = threading.Thread(target=_stop, args=(process,)) if process is not None else None
        if stopping is not None:  # the hub's own stop (formgrader, proxy) needs no account: both at once
            stopping.start()
        removed = sum(delete_local_user(account) for account in created + launched)
        if stopping is not None:
            stopping.join()
            if os.environ.get("HELPCOURSE_HUB_KEEP_LOG"):
                shutil.copy(log, os.environ["HELPCOURSE_HUB_KEEP_LOG"])
        print(f"\n[hub] ended {ended} processes of the session's accounts, removed {removed} accounts",
              file=sys.stderr)
        record_time("teardown: users' processes ended, hub stopped, accounts removed", time.perf_counter() - began)
