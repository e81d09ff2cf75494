"""The common `{"mcpServers": {...}}` configuration (Claude Desktop, Qwen-Agent, fastmcp).

    {"mcpServers": {
      "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/ws"]},
      "remote": {"url": "http://127.0.0.1:9000/mcp", "type": "streamable-http", "headers": {}}
    }}

A bare `url` means streamable HTTP (as fastmcp reads it); `"type": "sse"` selects SSE.

A server's tool annotations are its own claims: a hostile server can mark a delete tool
read-only. They decide nothing unless the entry says `"trust": true` (or the server is one of
ours, started from this checkout); an untrusted server's tools all go through approval.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.errors import AgentError

Transport = Literal["stdio", "streamable-http", "sse"]
SEPARATOR = "__"
_OUR_SERVERS = (("-m", "agent.cli", "mcp", "serve"), ("-m", "tools.filesystem"))


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
    trust: bool = False  # believe the server's read-only hints

    @property
    def trusted(self) -> bool:
        """True if the server's tool annotations may decide approvals: the user said so, or it
        is one of our own servers run by this interpreter."""
        return self.trust or self.ours

    @property
    def ours(self) -> bool:
        if self.transport != "stdio" or self.command != sys.executable:
            return False
        return any(self.args[: len(start)] == start for start in _OUR_SERVERS)


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
    trust = entry.get("trust", False)
    if not isinstance(trust, bool):
        raise AgentError(f"{where}: 'trust' must be true or false, not {trust!r}")
    if "command" in entry:
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise AgentError(f"{where}: 'args' must be a list of strings")
        return ServerSpec(
            name, "stdio", command=str(entry["command"]), args=tuple(args),
            env=dict(entry.get("env") or {}), cwd=entry.get("cwd"), trust=trust,
        )  # fmt: skip
    if "url" in entry:
        kind = entry.get("type", entry.get("transport", "streamable-http"))
        kind = {"http": "streamable-http", "streamable_http": "streamable-http"}.get(kind, kind)
        if kind not in ("streamable-http", "sse"):
            raise AgentError(f"{where}: type must be 'streamable-http' or 'sse', not {kind!r}")
        return ServerSpec(
            name, kind, url=str(entry["url"]), headers=dict(entry.get("headers") or {}), trust=trust
        )
    raise AgentError(f"{where}: needs 'command' (stdio) or 'url' (HTTP)")
