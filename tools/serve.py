"""`agent mcp serve NAME`: our MCP servers for any MCP client, over stdio or streamable HTTP.

Over HTTP (`tools.mcp_http`) a server needs the bearer token it prints (and writes where our
hub finds it), checks Host and Origin, and refuses a non-loopback address unless
`allow_remote` is set.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mcp.server import MCPServer

from agent.errors import AgentError
from tools.mcp_http import ExposureError, HttpSettings, default_token_dir, parse_address, serve_http

SERVERS = ("filesystem", "computer", "apps")


@dataclass(frozen=True)
class ServeSettings:
    name: str
    root: Path | None = None
    http: str | None = None  # "127.0.0.1:PORT", "[::1]:PORT"
    display: str | None = None
    screen: tuple[int, int] = (1280, 800)
    allow_remote: bool = False  # bind an address other machines reach (with a warning)
    tokens: Path | None = None  # where the token is written for our hub (default: the user's)


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
    http = _http(settings) if settings.http else None  # a bad address fails before anything starts
    with _server(settings) as server:
        if http is None:
            server.run()
        else:
            serve_http(server, http, lambda line: print(line, flush=True))


def _http(settings: ServeSettings) -> HttpSettings:
    assert settings.http is not None
    try:
        address = parse_address(settings.http)
    except ExposureError as exc:
        raise AgentError(str(exc)) from None
    if not address.loopback and not settings.allow_remote:
        raise AgentError(
            f"{address.host} is not a loopback address: anyone who can reach it could use the "
            "server. Bind 127.0.0.1 (or [::1]); exposing it needs allow_remote "
            "(python -m tools.filesystem --allow-remote)"
        )
    tokens = settings.tokens or default_token_dir()
    return HttpSettings(address, settings.allow_remote, tokens=tokens)
