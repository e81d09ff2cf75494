"""The filesystem server in a real subprocess, and the SDK's own client talking to it.

`stdio_server(root)` starts `python -m tools.filesystem --root ROOT` through `mcp.Client` with
`StdioServerParameters`; `http_server(root)` starts it with `--http 127.0.0.1:PORT` and yields
an `HttpServer` (its URL and bearer token, read from the private token folder it was given).
The client runs on an anyio blocking portal (an event loop in a thread), so sync tests
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

import httpx2
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from tools.mcp_http import read_token, token_dir

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
def connect(target: StdioServerParameters | str, token: str | None = None) -> Iterator[Session]:
    transport: Any = target
    if isinstance(target, str) and token is not None:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
        transport = streamable_http_client(target, http_client=http)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(transport, read_timeout_seconds=30.0)) as client,
    ):
        yield Session(client, portal)


@contextlib.contextmanager
def stdio_server(root: Path, *options: str) -> Iterator[Session]:
    args = [*COMMAND[1:], str(root), *options]
    params = StdioServerParameters(command=COMMAND[0], args=args, cwd=REPO)
    with connect(params) as session:
        yield session


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class HttpServer:
    url: str
    token: str
    tokens: Path  # the folder it wrote its token to
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextlib.contextmanager
def http_server(root: Path, *options: str) -> Iterator[HttpServer]:
    """The filesystem server serving `root` over streamable HTTP."""
    with served([*COMMAND, str(root)], *options) as server:
        yield server


@contextlib.contextmanager
def served(argv: list[str], *options: str, host: str = "127.0.0.1") -> Iterator[HttpServer]:
    """One of our servers run as `argv --http HOST:PORT`, its token kept in a private folder
    (never the user's own)."""
    port = free_port(host)
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    with tempfile.TemporaryDirectory() as private:
        runtime = Path(private) / "runtime"
        runtime.mkdir(mode=0o700)
        log = Path(private) / "log"
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
        # the server's output goes to a file: a pipe nobody reads would stall it once full
        with log.open("wb") as out:
            command = [*argv, "--http", netloc, *options]
            process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=out, env=env)
        tokens = token_dir(env, Path.home())
        try:
            if not _listening(process, port, host):
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            url = f"http://{netloc}/mcp"
            token = read_token(tokens, url)
            assert token, f"no token in {tokens}: {log.read_text()}"
            yield HttpServer(url, token, tokens, process, log)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _listening(process: subprocess.Popen[bytes], port: int, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
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
