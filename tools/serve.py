"""`agent mcp serve NAME`: our MCP servers for any MCP client, over stdio or streamable HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mcp.server import MCPServer

from agent.errors import AgentError

SERVERS = ("filesystem", "computer", "apps")


@dataclass(frozen=True)
class ServeSettings:
    name: str
    root: Path | None = None
    http: str | None = None  # "127.0.0.1:PORT"
    display: str | None = None
    screen: tuple[int, int] = (1280, 800)


@contextlib.contextmanager
def _server(settings: ServeSettings) -> Iterator[MCPServer]:
    if settings.name == "filesystem":
        from tools.filesystem import build_server
        from tools.fs_sandbox import OutsideWorkspace

        if settings.root is None:
            raise AgentError("the filesystem server needs --root DIR (the workspace)")
        try:
            yield build_server(settings.root)
        except OutsideWorkspace as exc:
            raise AgentError(str(exc)) from exc
        return
    if settings.name in ("computer", "apps"):
        from environments.desktop import DesktopEnvironment, DesktopSettings
        from tools import apps_server, computer_server

        build = (
            computer_server.build_server
            if settings.name == "computer"
            else apps_server.build_server
        )
        with DesktopEnvironment(DesktopSettings(settings.screen, settings.display)) as env:
            yield build(env)
        return
    raise AgentError(f"unknown MCP server {settings.name!r}: the servers are {', '.join(SERVERS)}")


def serve(settings: ServeSettings) -> None:
    host, port = _address(settings.http) if settings.http else ("", 0)
    with _server(settings) as server:
        if settings.http:
            server.run("streamable-http", host=host, port=port, streamable_http_path="/mcp")
        else:
            server.run()


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise AgentError(f"--http takes HOST:PORT (e.g. 127.0.0.1:8765), not {value!r}")
    return host or "127.0.0.1", int(port)
