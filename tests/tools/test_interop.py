"""Interop with code nobody here wrote: the reference npm filesystem server under our hub, and
our servers under the SDK's low-level ClientSession with the 2025-11-25 initialize handshake."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.tools.fs_server import served
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "mcp-server-filesystem"
SERVE = ("-m", "agent.cli", "mcp", "serve", "filesystem", "--root")


@pytest.fixture
def workspace(tmp_path) -> Path:
    (tmp_path / "a.txt").write_text("from the reference\n")
    return tmp_path


def test_our_hub_drives_the_reference_filesystem_server(workspace):
    assert REFERENCE.exists(), "run ./scripts/setup.sh: it installs the reference server"
    args = (str(workspace),)
    reference = ServerSpec("ref", "stdio", command=str(REFERENCE), args=args, trust=True)
    hub = ToolHub([reference], Approval("read-only"))
    try:
        tools = hub.tools
        assert tools["ref__read_text_file"].read_only
        assert tools["ref__write_file"].destructive
        text = hub.call("ref__read_text_file", {"path": str(workspace / "a.txt")}).text
        assert text == "from the reference\n"
        assert "a.txt" in hub.call("ref__list_directory", {"path": str(workspace)}).text
        refused = hub.call("ref__write_file", {"path": str(workspace / "b.txt"), "content": "x"})
        assert "read-only" in (refused.error or "") and not (workspace / "b.txt").exists()
        escape = hub.call("ref__read_text_file", {"path": str(workspace.parent / "x")})
        assert escape.error is not None
    finally:
        hub.close()


async def _talk(read, write) -> tuple[str, list[str], str]:
    async with ClientSession(read, write) as session:
        hello = await session.initialize()
        listed = await session.list_tools()
        result = await session.call_tool("read_text_file", {"path": "a.txt"})
        return hello.protocol_version, [t.name for t in listed.tools], result.content[0].text


def test_our_server_answers_the_low_level_session_over_stdio(workspace):
    async def main():
        params = StdioServerParameters(command=sys.executable, args=[*SERVE, str(workspace)],
                                       cwd=str(ROOT))  # fmt: skip
        async with stdio_client(params) as (read, write):
            return await _talk(read, write)

    version, names, text = anyio.run(main)
    assert version == "2025-11-25"
    assert "csv_profile" in names and "read_text_file" in names
    assert text == "from the reference\n"


def test_our_server_answers_the_low_level_session_over_http(workspace):
    with served([sys.executable, *SERVE, str(workspace)]) as server:

        async def main():
            async with (
                httpx2.AsyncClient(headers=server.headers) as client,
                streamable_http_client(server.url, http_client=client) as (read, write),
            ):
                return await _talk(read, write)

        version, names, text = anyio.run(main)
    assert version == "2025-11-25"
    assert "edit_file" in names
    assert text == "from the reference\n"
