"""The common `{"mcpServers": {...}}` configuration (Claude Desktop, Qwen-Agent, fastmcp).

    {"mcpServers": {
      "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/ws"]},
      "remote": {"url": "http://127.0.0.1:9000/mcp", "type": "streamable-http", "headers": {}}
    }}

A bare `url` means streamable HTTP (as fastmcp reads it); `"type": "sse"` selects SSE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.errors import AgentError

Transport = Literal["stdio", "streamable-http", "sse"]
SEPARATOR = "__"


@dataclass(frozen=True)
class ServerSpec:
    name: str
    transport: Transport
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def parse_config(data: Any, source: str = "MCP config") -> list[ServerSpec]:
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise AgentError(f'{source}: expected {{"mcpServers": {{"name": {{...}}}}}}')
    return [_spec(name, entry, source) for name, entry in servers.items()]


def load_config(path: Path | str) -> list[ServerSpec]:
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise AgentError(f"MCP config {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise AgentError(f"MCP config {path} is not valid JSON: {exc}") from exc
    return parse_config(data, str(path))


def _spec(name: str, entry: Any, source: str) -> ServerSpec:
    where = f"{source}: server {name!r}"
    if not name or SEPARATOR in name or not name.replace("-", "").replace("_", "").isalnum():
        raise AgentError(f"{where}: names are letters, digits, '-' and single '_'")
    if not isinstance(entry, dict):
        raise AgentError(f"{where}: expected an object with 'command' or 'url'")
    if "command" in entry:
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise AgentError(f"{where}: 'args' must be a list of strings")
        return ServerSpec(
            name, "stdio", command=str(entry["command"]), args=tuple(args),
            env=dict(entry.get("env") or {}), cwd=entry.get("cwd"),
        )  # fmt: skip
    if "url" in entry:
        kind = entry.get("type", entry.get("transport", "streamable-http"))
        kind = {"http": "streamable-http", "streamable_http": "streamable-http"}.get(kind, kind)
        if kind not in ("streamable-http", "sse"):
            raise AgentError(f"{where}: type must be 'streamable-http' or 'sse', not {kind!r}")
        return ServerSpec(
            name, kind, url=str(entry["url"]), headers=dict(entry.get("headers") or {})
        )
    raise AgentError(f"{where}: needs 'command' (stdio) or 'url' (HTTP)")
