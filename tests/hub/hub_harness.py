"""The running hub as the tests see it: its REST API, users' servers through the proxy, grading commands."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "ps01_reading_research"
TIMINGS: dict[str, float] = {}


def record_time(name: str, seconds: float) -> None:
    """Print one measurement and keep every measurement of the session in ``bench/results/hub_times.json``."""
    TIMINGS[name] = round(seconds, 2)
    print(f"\n[hub] {name}: {seconds:.1f} s")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "hub_times.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")


#: Students of the integration test, then of the load test (separate accounts: each starts from a fresh copy).
CYCLE_STUDENTS = 3
CLASS_SIZE = 30


@dataclass
class Hub:
    """A running hub: its URL, its administration token, its accounts and its course root.

    ``students`` are the course's students: the integration test's first, then the load test's.
    """

    url: str
    admin_token: str
    prefix: Path
    instructor: str
    students: list[str]
    outsider: str
    course_root: Path
    exchange: Path
    course_files: Path

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        """Call the hub's REST API (``/hub/api`` + path)."""
        import requests

        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def user_request(self, user: str, token: str, method: str, path: str, **kwargs):
        """Call a user's server through the proxy (``/user/<name>/`` + path)."""
        import requests

        headers = {"Authorization": f"token {token}"}
        return requests.request(method, f"{self.url}/user/{user}/{path}", headers=headers, timeout=120, **kwargs)

    def token_for(self, user: str) -> str:
        """A new API token that acts as this user only."""
        reply = self.api("POST", f"/users/{user}/tokens", json={"note": "helpcourse hub test", "expires_in": 7200})
        assert reply.status_code in (200, 201), reply.text
        return reply.json()["token"]

    def start_servers(self, users: list[str], timeout: float = 300) -> float:
        """Start these users' servers at once and wait until every one is ready; returns the seconds it took."""
        from concurrent.futures import ThreadPoolExecutor

        began = time.perf_counter()
        # All at once, as a class logging in: the hub answers each request after the server is up or 10 s.
        with ThreadPoolExecutor(max_workers=max(1, min(len(users), 32))) as pool:
            replies = list(pool.map(lambda user: self.api("POST", f"/users/{user}/server"), users, timeout=timeout))
        for user, reply in zip(users, replies, strict=True):
            assert reply.status_code in (201, 202, 400), f"{user}: {reply.status_code} {reply.text}"
        waiting = set(users)
        while waiting and time.perf_counter() - began < timeout:
            for user in sorted(waiting):
                model = self.api("GET", f"/users/{user}").json()
                if model.get("servers", {}).get("", {}).get("ready"):
                    waiting.discard(user)
            time.sleep(0.5)
        assert not waiting, f"servers not ready after {timeout:.0f} s: {sorted(waiting)}"
        return time.perf_counter() - began

    def nbgrader(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run an nbgrader command as the instructor's grading account (root) in the course root."""
        return subprocess.run([str(self.prefix / "bin" / "nbgrader"), *args], cwd=self.course_root,
                              env=grading_env(self.prefix), capture_output=True, text=True, timeout=timeout)


def grading_env(prefix: Path) -> dict[str, str]:
    """The environment of grading commands: the hub's environment first on PATH (nbgrader runs alembic)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    return env
