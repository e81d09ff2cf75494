"""The filesystem server in a real subprocess, and the SDK's own client talking to it.

`stdio_server(root)` starts `python -m tools.filesystem --root ROOT` through `mcp.Client` with
`StdioServerParameters`; `http_server(root)` starts it with `--http 127.0.0.1:PORT` and yields
its URL. The client runs on an anyio blocking portal (an event loop in a thread), so sync tests
and module-scoped fixtures can share one session; leaving the context stops the subprocess.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult

REPO = Path(__file__).resolve().parents[2]
COMMAND = (sys.executable, "-m", "tools.filesystem", "--root")


@dataclass
class Session:
    """A connected MCP client, callable from synchronous code."""

    client: Client
    portal: BlockingPortal

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return self.portal.call(self.client.call_tool, tool, arguments)

    def text(self, tool: str, **arguments: Any) -> str:
        """The text of a call that must succeed."""
        result = self.call(tool, **arguments)
        body = "".join(getattr(part, "text", "") for part in result.content)
        assert not result.is_error, f"{tool}({arguments}) failed: {body}"
        return body

    def error(self, tool: str, **arguments: Any) -> str:
        """The message of a call that must fail."""
        result = self.call(tool, **arguments)
        body = "".join(getattr(part, "text", "") for part in result.content)
        assert result.is_error, f"{tool}({arguments}) was not refused: {body[:300]}"
        return body

    def tools(self) -> dict[str, Any]:
        return {tool.name: tool for tool in self.portal.call(self.client.list_tools).tools}


@contextlib.contextmanager
def connect(target: StdioServerParameters | str) -> Iterator[Session]:
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(target, read_timeout_seconds=30.0)) as client,
    ):
        yield Session(client, portal)


@contextlib.contextmanager
def stdio_server(root: Path) -> Iterator[Session]:
    params = StdioServerParameters(command=COMMAND[0], args=[*COMMAND[1:], str(root)], cwd=REPO)
    with connect(params) as session:
        yield session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def http_server(root: Path) -> Iterator[str]:
    """The URL of a filesystem server serving `root` over streamable HTTP."""
    port = free_port()
    # the server's output goes to a file: a pipe nobody reads would stall it once full
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([*COMMAND, str(root), "--http", f"127.0.0.1:{port}"],
                                   cwd=REPO, stdout=log, stderr=log)  # fmt: skip
        try:
            if not _listening(process, port):
                log.seek(0)
                raise RuntimeError(f"the server did not start: {log.read().decode()}")
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening(process: subprocess.Popen[bytes], port: int) -> bool:
    deadline = time.monotonic() + 20
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def server_pids(root: Path) -> list[int]:
    """Processes of this test run serving `root` (found through /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\x00")
        except OSError:
            continue
        if b"tools.filesystem" in argv and str(root).encode() in argv:
            pids.append(int(entry))
    return pids


def peak_memory_mb(pid: int) -> float:
    """The highest resident set size the process has had (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")
