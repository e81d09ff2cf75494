"""The MCP client hub: every configured server started or connected at run start, their tools
offered to the model next to `computer_use`, each call routed to the server that owns it.

Tools are named `server__tool` (function names may not contain dots). A stdio server that dies
is restarted once and the call retried; every call has a timeout; tools that are not marked
read-only go through the approval policy first. A server's read-only hints count only if it is
trusted (`ServerSpec.trusted`, or one of ours over HTTP: it wrote its token where we read it);
otherwise each of its tools is approved first. An HTTP server of ours needs its bearer token:
the hub sends the one the server wrote (`tools.mcp_http`) unless the config gives an
Authorization header. The MCP SDK is asynchronous: the hub runs it on an event loop thread of
its own and offers plain blocking calls to the agent loop, with one task per server so each
connection is opened and closed by the same task.
"""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx2
import jsonschema
import mcp
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

from agent.errors import AgentError
from agent.imaging import EncodedImage
from tools.mcp_config import SEPARATOR, ServerSpec
from tools.mcp_http import default_token_dir, read_token

ApprovalMode = Literal["ask", "auto", "read-only"]
Asker = Callable[[str], bool]
_CLOSED = "Connection closed"  # how the SDK reports a server process that went away


@dataclass(frozen=True)
class HubTool:
    server: str
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool
    destructive: bool

    @property
    def qualified(self) -> str:
        return f"{self.server}{SEPARATOR}{self.name}"

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.qualified,
                "description": f"[{self.server}] {self.description}".strip(),
                "parameters": self.input_schema or {"type": "object", "properties": {}},
            },
        }


def argument_problem(tool: HubTool, arguments: dict[str, Any]) -> str | None:
    """Why these arguments do not fit the tool's input schema, or None. Checked before the call,
    so that a misspelt argument is not silently replaced by the tool's default."""
    schema = tool.input_schema or {"type": "object"}
    known = schema.get("properties") or {}
    extra = schema.get("additionalProperties", not known)
    open_ended = extra is True or isinstance(extra, dict)
    unknown = [] if open_ended else [name for name in arguments if name not in known]
    if unknown:
        names = ", ".join(known) or "none"
        return (
            f"{tool.qualified} has no argument {', '.join(map(repr, unknown))}; "
            f"its arguments are: {names}"
        )
    try:
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(schema).iter_errors(arguments)
        )
    except jsonschema.exceptions.SchemaError:
        return None  # a server's broken schema is its own business: let the server judge
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path)
    return f"{tool.qualified}: argument {where or '(all)'}: {error.message}"


@dataclass(frozen=True)
class ToolOutcome:
    text: str
    images: tuple[EncodedImage, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    note: str | None = None  # something the person should know (a restart, a refusal)


@dataclass
class Approval:
    """Who decides on tools that may change things: a person (ask), nobody (auto), or a rule
    that refuses them all (read-only). Hints from a server are trusted only to allow reads."""

    mode: ApprovalMode = "ask"
    ask: Asker | None = None

    def asks(self, tool: HubTool) -> bool:
        """Whether a call of this tool goes to a person for a yes or no."""
        return self.mode == "ask" and self.ask is not None and self.needs_approval(tool)

    @staticmethod
    def needs_approval(tool: HubTool) -> bool:
        return not (tool.read_only and not tool.destructive)

    def refusal(self, tool: HubTool, arguments: dict[str, Any]) -> str | None:
        if not self.needs_approval(tool) or self.mode == "auto":
            return None
        if self.mode == "read-only":
            return f"refused: {tool.qualified} may change things and --approve is read-only"
        if self.ask is None:
            return f"refused: {tool.qualified} needs approval and nobody can be asked"
        question = (
            f"MCP tool {tool.name!r} on server {tool.server!r} wants to run with {arguments}. "
            "Allow? [y/N] "
        )
        return None if self.ask(question) else f"refused by the user: {tool.qualified}"


@dataclass
class _Server:
    spec: ServerSpec
    requests: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    tools: dict[str, HubTool] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None
    restarts: int = 0
    token: str | None = None  # the bearer token our own HTTP server wrote

    @property
    def trusted(self) -> bool:
        return self.spec.trusted or self.token is not None


class ToolHub:
    def __init__(
        self,
        specs: list[ServerSpec],
        approval: Approval | None = None,
        call_timeout: float = 60.0,
        start_timeout: float = 60.0,
        tokens: Path | None = None,
    ) -> None:
        """`tokens`: where our HTTP servers write their tokens (default: the user's folder)."""
        self.approval = approval or Approval("auto")
        self.call_timeout = call_timeout
        self.start_timeout = start_timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-hub", daemon=True)
        self._thread.start()
        self._servers = {spec.name: _Server(spec) for spec in specs}
        folder = tokens or default_token_dir()
        for server in self._servers.values():
            if server.spec.url and not _has_authorization(server.spec.headers):
                server.token = read_token(folder, server.spec.url)
        try:
            for server in self._servers.values():
                self._run(self._start(server), self.start_timeout)
        except BaseException:
            self.close()
            raise

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    @property
    def tools(self) -> dict[str, HubTool]:
        return {t.qualified: t for s in self._servers.values() for t in s.tools.values()}

    def schemas(self) -> list[dict[str, Any]]:
        return [tool.schema() for tool in self.tools.values()]

    def owns(self, name: str) -> bool:
        return name in self.tools

    def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        tool = self.tools.get(name)
        if tool is None:
            return ToolOutcome("", error=f"no MCP tool named {name!r}")
        problem = argument_problem(tool, arguments)
        if problem is not None:
            return ToolOutcome("", error=problem)
        asked = self.approval.asks(tool)
        refusal = self.approval.refusal(tool, arguments)
        if refusal is not None:
            return ToolOutcome("", error=refusal, note=refusal)
        server = self._servers[tool.server]
        started = time.monotonic()
        note = f"approved by the user: {tool.qualified}" if asked else None
        try:
            outcome = self._run(self._call(server, tool.name, arguments), self.call_timeout + 5)
        except _ServerGone as gone:
            if server.spec.transport != "stdio" or server.restarts >= 1:
                return ToolOutcome("", error=f"MCP server {tool.server!r} failed: {gone}")
            server.restarts += 1
            note = f"MCP server {tool.server!r} crashed ({gone}); restarted it once"
            try:
                self._run(self._start(server), self.start_timeout)
                outcome = self._run(self._call(server, tool.name, arguments), self.call_timeout + 5)
            except (_ServerGone, AgentError, TimeoutError) as again:
                return ToolOutcome("", error=f"MCP server {tool.server!r} failed again: {again}",
                                   note=note)  # fmt: skip
        return ToolOutcome(outcome.text, outcome.images, outcome.error,
                           time.monotonic() - started, note)  # fmt: skip

    async def _start(self, server: _Server) -> None:
        ready: asyncio.Future[None] = self._loop.create_future()
        server.requests = asyncio.Queue()
        server.task = asyncio.create_task(self._serve(server, ready))
        await ready

    async def _serve(self, server: _Server, ready: asyncio.Future[None]) -> None:
        """One task per server: opens the connection, answers calls, closes it."""
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(
                    mcp.Client(_target(server), read_timeout_seconds=self.call_timeout)
                )
                listed = await client.list_tools()
                server.tools = {
                    t.name: _hub_tool(server.spec.name, t, server.trusted) for t in listed.tools
                }
                ready.set_result(None)
                while (request := await server.requests.get()) is not None:
                    name, arguments, reply = request
                    try:
                        result = await client.call_tool(name, arguments, self.call_timeout)
                        reply.set_result(_outcome(result))
                    except (mcp.MCPError, TimeoutError) as exc:
                        if _CLOSED in str(exc):
                            reply.set_exception(_ServerGone(str(exc)))
                            return
                        reply.set_result(ToolOutcome("", error=f"{name}: {exc}"))
                    except Exception as exc:
                        reply.set_exception(_ServerGone(f"{type(exc).__name__}: {exc}"))
                        return
        except Exception as exc:
            if not ready.done():
                ready.set_exception(
                    AgentError(f"MCP server {server.spec.name!r} did not start: {_describe(exc)}")
                )

    async def _call(self, server: _Server, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        if server.task is None or server.task.done():
            raise _ServerGone("the connection is closed")
        reply: asyncio.Future[ToolOutcome] = self._loop.create_future()
        await server.requests.put((name, arguments, reply))
        done, _ = await asyncio.wait({reply, server.task}, return_when=asyncio.FIRST_COMPLETED)
        if reply in done:
            return reply.result()
        raise _ServerGone("the server went away during the call")

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers.values():
                if server.task is not None and not server.task.done():
                    await server.requests.put(None)
                    try:
                        await asyncio.wait_for(server.task, 10)
                    except (TimeoutError, Exception):
                        server.task.cancel()

        if self._loop.is_running():
            try:
                self._run(stop(), 30)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(10)


class _ServerGone(Exception):
    pass


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def _has_authorization(headers: dict[str, str]) -> bool:
    return any(name.lower() == "authorization" for name in headers)


def _target(server: _Server) -> Any:
    spec = server.spec
    if spec.transport == "stdio":
        assert spec.command is not None
        return mcp.StdioServerParameters(
            command=spec.command, args=list(spec.args), env=spec.env or None, cwd=spec.cwd
        )
    assert spec.url is not None
    headers = dict(spec.headers)
    if server.token is not None:
        headers["Authorization"] = f"Bearer {server.token}"
    if spec.transport == "sse":
        return sse_client(spec.url, headers=headers or None)
    client = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
    return streamable_http_client(spec.url, http_client=client)


def _hub_tool(server: str, tool: Any, trusted: bool) -> HubTool:
    """A listed tool; the hints of a server that is not trusted are not believed."""
    hints = tool.annotations if trusted else None
    read_only = bool(hints and hints.read_only_hint)
    destructive = not read_only if not hints or hints.destructive_hint is None else bool(
        hints.destructive_hint
    )  # fmt: skip
    return HubTool(server, tool.name, tool.description or "", dict(tool.input_schema or {}),
                   read_only, destructive)  # fmt: skip


def _outcome(result: Any) -> ToolOutcome:
    texts, images = [], []
    for part in result.content:
        if part.type == "text":
            texts.append(part.text)
        elif part.type == "image":
            data = base64.b64decode(part.data)
            with Image.open(io.BytesIO(data)) as image:
                size = image.size
            fmt = "jpeg" if "jpeg" in part.mime_type else "png"
            images.append(EncodedImage(data, fmt, size))  # type: ignore[arg-type]
        else:
            texts.append(f"[{part.type} content]")
    text = "\n".join(texts)
    if not texts and result.structured_content is not None:
        text = str(result.structured_content)
    error = (text or "the tool failed") if result.is_error else None
    return ToolOutcome(text, tuple(images), error)
