"""A throwaway Ray cluster on this machine: a head and worker nodes, each a `ray start --block`
process in a session of its own with its own temporary folders, always stopped on exit.

For trying `agent bench --ray` on one machine, for the tests and for the throughput benchmark.
Each node gets its own TMPDIR, so the scratch folders of its attempts show which node ran what.
Ray itself replaces 127.0.0.1 by the machine's own address; every node still runs here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

# Lost nodes are noticed after about 3 s instead of Ray's default of about 15 s.
FAST_HEALTH_CHECK = {
    "RAY_health_check_initial_delay_ms": "1000",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
}


@dataclass
class Node:
    name: str
    process: subprocess.Popen[bytes]
    tmp: Path  # the node's TMPDIR
    log: Path


class LocalCluster:
    def __init__(self, base: Path, startup_timeout: float = 90.0) -> None:
        self.base = base
        self.timeout = startup_timeout
        self.nodes: list[Node] = []
        self.address = ""
        # Ray's socket paths must stay under 108 bytes: its own folders go in a short one.
        self.ray_root = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start_head(self, resources: dict[str, float], cpus: int = 1) -> Node:
        port = _free_port()
        args = ["--head", "--port", str(port), "--include-dashboard", "false"]
        head = self._start("head", args, resources, cpus)
        found = re.search(r"--address='([^']+)'", head.log.read_text())
        self.address = found.group(1) if found else f"127.0.0.1:{port}"
        return head

    def add_worker(self, resources: dict[str, float], cpus: int = 1) -> Node:
        name = f"worker{len(self.nodes)}"
        return self._start(name, ["--address", self.address], resources, cpus)

    def _start(self, name: str, args: list[str], resources: dict[str, float], cpus: int) -> Node:
        root, tmp = self.ray_root / name, self.base / f"{name}-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        log = self.base / f"{name}.log"
        ray = Path(sys.executable).with_name("ray")
        argv = [
            *(str(ray), "start", "--block", "--disable-usage-stats", "--temp-dir", str(root)),
            *("--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus)),
            *("--object-store-memory", str(200 * 1024 * 1024)),
            *("--resources", json.dumps(resources), *args),
        ]
        env = {**os.environ, "TMPDIR": str(tmp), **FAST_HEALTH_CHECK}
        with log.open("wb") as sink:
            process = subprocess.Popen(
                argv, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        node = Node(name, process, tmp, log)
        self.nodes.append(node)
        deadline = time.monotonic() + self.timeout
        while "Ray runtime started" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start {name} failed: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        return node

    def kill(self, node: Node) -> None:
        """The node is lost at once, as if the machine went away."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait()

    def stop(self) -> None:
        """Every node's process group at once (a throwaway cluster need not drain)."""
        for node in reversed(self.nodes):
            self.kill(node)
        self.nodes.clear()
        shutil.rmtree(self.ray_root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
