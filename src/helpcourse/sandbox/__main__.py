"""``python -m helpcourse.sandbox install|check``: install the grading kernelspec, or try the sandbox once.

``install`` writes the ``helpcourse-sandbox`` kernelspec into this environment (the Makefile does it when it
creates ``.venv``). ``check`` lists what is missing on this machine, then starts one sandboxed kernel and prints
what it sees: its user id, whether it can reach the network, and what it sees of the course folder (only the
library and the environment, read-only).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile

from helpcourse.sandbox import KERNEL_NAME
from helpcourse.sandbox.kernelspec import install_kernelspec

PROBE = """
import json, os, socket
seen = {"uid": os.getuid(), "cwd": os.getcwd()}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    seen["network"] = "reachable"
except OSError as error:
    seen["network"] = f"blocked ({error.strerror or error})"
try:
    seen["course folder shows"] = sorted(os.listdir(%r))
except OSError as error:
    seen["course folder shows"] = f"nothing ({error.strerror or error})"
print(json.dumps(seen))
"""


async def _probe(course: str) -> dict:
    from helpcourse.sandbox.manager import SandboxKernelManager

    km = SandboxKernelManager(kernel_name=KERNEL_NAME)
    folder = tempfile.mkdtemp(prefix="sandbox-check-")
    await km.start_kernel(cwd=folder)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        msg_id = kc.execute(PROBE % course)
        while True:
            msg = await kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                return json.loads(msg["content"]["text"])
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        os.rmdir(folder)


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["install"]:
        print(f"installed the {KERNEL_NAME} kernelspec in {install_kernelspec()}")
        return 0
    if args[:1] == ["check"]:
        from pathlib import Path

        from helpcourse.sandbox.launch import SandboxSettings, setup_problems

        problems = setup_problems(SandboxSettings())
        for problem in problems:
            print(f"problem: {problem}")
        if problems:
            return 1
        install_kernelspec()
        course = str(Path(__file__).resolve().parents[3])
        print(json.dumps(asyncio.run(_probe(course)), indent=1))
        return 0
    print("usage: python -m helpcourse.sandbox install|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
