"""`agent mcp serve computer`: our virtual desktop driven by an MCP client, stdio and HTTP."""

from __future__ import annotations

import sys

import pytest

from agent.imaging import decode
from tests.tools.fs_server import served
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec

SERVE = ("-m", "agent.cli", "mcp", "serve", "computer")


@pytest.fixture(params=["stdio", "http"])
def computer(request):
    if request.param == "stdio":
        spec = ServerSpec("computer", "stdio", command=sys.executable, args=SERVE)
        hub = ToolHub([spec], Approval("auto"))
        yield hub
        hub.close()
        return
    with served([sys.executable, *SERVE], "--screen", "1280x800") as server:
        # our hub finds the token the server wrote, sends it, and trusts the server's hints
        spec = ServerSpec("computer", "streamable-http", url=server.url)
        hub = ToolHub([spec], tokens=server.tokens)
        yield hub
        hub.close()


def test_an_mcp_client_sees_and_drives_the_desktop(computer):
    tools = computer.tools
    assert tools["computer__screenshot"].read_only
    assert not tools["computer__click"].read_only
    shot = computer.call("computer__screenshot", {})
    (image,) = shot.images
    assert decode(image).size == (1280, 800)
    assert "screen 1280x800" in shot.text
    assert (
        computer.call("computer__click", {"x": 321, "y": 123}).text == "done: click at (321, 123)"
    )
    assert "pointer at (321, 123)" in computer.call("computer__screenshot", {}).text
    computer.call("computer__drag", {"x1": 10, "y1": 10, "x2": 400, "y2": 300})
    assert "pointer at (400, 300)" in computer.call("computer__screenshot", {}).text
    assert computer.call("computer__key", {"keys": ["ctrl", "shift"]}).error is None


def test_impossible_actions_come_back_as_tool_errors(computer):
    off = computer.call("computer__click", {"x": 5000, "y": 1})
    assert "off the 1280x800 screen" in (off.error or "")
    bad_key = computer.call("computer__key", {"keys": ["hyperspace"]})
    assert "unknown key 'hyperspace'" in (bad_key.error or "")
