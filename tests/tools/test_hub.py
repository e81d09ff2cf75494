"""The hub against real MCP servers over stdio and streamable HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import AgentError
from agent.imaging import decode
from tests.servers import free_port, wait_for_port
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec, parse_config

SERVER = str(Path(__file__).with_name("sample_server.py"))


def stdio(folder: Path, name: str = "sample", trust: bool = True) -> ServerSpec:
    args = (SERVER, str(folder))
    return ServerSpec(name, "stdio", command=sys.executable, args=args, trust=trust)


@pytest.fixture
def hub(tmp_path):
    hub = ToolHub([stdio(tmp_path)], Approval("auto"), call_timeout=5)
    yield hub
    hub.close()


def test_tools_are_namespaced_with_their_schemas_and_hints(hub):
    tools = hub.tools
    assert set(tools) >= {"sample__echo", "sample__swatch", "sample__write_note"}
    assert tools["sample__echo"].read_only and not tools["sample__echo"].destructive
    assert tools["sample__write_note"].destructive
    assert tools["sample__unannotated"].destructive and not tools["sample__unannotated"].read_only
    schema = next(s for s in hub.schemas() if s["function"]["name"] == "sample__echo")
    assert schema["function"]["parameters"]["properties"]["text"]["type"] == "string"


def test_calls_are_routed_and_results_kept_with_images(hub, tmp_path):
    assert hub.call("sample__echo", {"text": "hi"}).text == "echo: hi"
    outcome = hub.call("sample__swatch", {"red": 255, "green": 0, "blue": 0})
    assert outcome.error is None
    (image,) = outcome.images
    assert image.size == (40, 30)
    assert decode(image).convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert hub.call("sample__write_note", {"name": "n.txt", "text": "ok"}).text == "wrote n.txt"
    assert (tmp_path / "n.txt").read_text() == "ok"


def test_tool_errors_and_unknown_tools_come_back_as_errors(hub):
    assert "this tool always fails" in (hub.call("sample__fail", {}).error or "")
    assert "no MCP tool named 'other__x'" in (hub.call("other__x", {}).error or "")


def test_a_slow_call_times_out(tmp_path):
    hub = ToolHub([stdio(tmp_path)], Approval("auto"), call_timeout=0.5)
    try:
        outcome = hub.call("sample__slow", {"seconds": 3})
        assert outcome.error is not None
    finally:
        hub.close()


def test_a_crashed_stdio_server_is_restarted_once_and_reported(hub):
    outcome = hub.call("sample__crash_once", {})
    assert outcome.text == "alive again"
    assert "crashed" in (outcome.note or "") and "restarted" in (outcome.note or "")
    assert hub.call("sample__echo", {"text": "still"}).text == "echo: still"


@pytest.mark.parametrize(
    ("mode", "answer", "allowed"),
    [("auto", None, True), ("read-only", None, False), ("ask", True, True), ("ask", False, False)],
)
def test_destructive_tools_need_approval(tmp_path, mode, answer, allowed):
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return bool(answer)

    hub = ToolHub([stdio(tmp_path)], Approval(mode, ask if mode == "ask" else None))
    try:
        outcome = hub.call("sample__write_note", {"name": "a.txt", "text": "x"})
        assert hub.call("sample__echo", {"text": "free"}).text == "echo: free"
    finally:
        hub.close()
    assert (tmp_path / "a.txt").exists() == allowed
    assert (outcome.error is None) == allowed
    if mode == "ask":
        assert "'write_note' on server 'sample'" in asked[0] and "'a.txt'" in asked[0]
        assert len(asked) == 1  # the read-only echo was not asked about


@pytest.mark.parametrize(("mode", "answer"), [("read-only", None), ("ask", False)])
def test_read_only_hints_of_an_untrusted_server_are_not_believed(tmp_path, mode, answer):
    (tmp_path / "keep.txt").write_text("mine")
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return bool(answer)

    entry = {"command": sys.executable, "args": [SERVER, str(tmp_path)]}  # no "trust"
    hub = ToolHub(parse_config({"mcpServers": {"sample": entry}}), Approval(mode, ask))
    try:
        assert not hub.tools["sample__delete_note"].read_only
        outcome = hub.call("sample__delete_note", {"name": "keep.txt"})
    finally:
        hub.close()
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert outcome.error is not None and "refused" in outcome.error
    assert len(asked) == (mode == "ask")


def test_trust_in_the_config_lets_hints_decide_and_our_servers_are_trusted(tmp_path):
    (tmp_path / "a.txt").write_text("ours")
    entry = {"command": sys.executable, "args": [SERVER, str(tmp_path)], "trust": True}
    serve = ("-m", "agent.cli", "mcp", "serve", "filesystem", "--root", str(tmp_path))
    ours = ServerSpec("files", "stdio", command=sys.executable, args=serve)
    hub = ToolHub([*parse_config({"mcpServers": {"sample": entry}}), ours], Approval("read-only"))
    try:
        assert hub.call("sample__echo", {"text": "trusted"}).text == "echo: trusted"
        assert hub.call("files__read_text_file", {"path": "a.txt"}).text == "ours"
        write = hub.call("files__write_file", {"path": "b", "content": ""})
        assert "read-only" in (write.error or "")
    finally:
        hub.close()


@pytest.mark.parametrize(
    ("flag", "entry"),
    [
        ("--http", {"url": "http://127.0.0.1:{port}/mcp", "type": "streamable-http",
                    "headers": {"X-Test": "1"}}),
        ("--sse", {"url": "http://127.0.0.1:{port}/sse", "type": "sse"}),
    ],
)  # fmt: skip
def test_http_servers_from_the_common_config_shape(tmp_path, flag, entry):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, SERVER, str(tmp_path), flag, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        entry = {**entry, "url": entry["url"].format(port=port)}
        hub = ToolHub(parse_config({"mcpServers": {"remote": entry}}), Approval("auto"))
        try:
            assert hub.call("remote__echo", {"text": "over http"}).text == "echo: over http"
        finally:
            hub.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_server_that_cannot_start_is_named(tmp_path):
    spec = ServerSpec("broken", "stdio", command="/nonexistent/mcp-server")
    with pytest.raises(AgentError, match="MCP server 'broken' did not start"):
        ToolHub([spec], call_timeout=2, start_timeout=10)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"servers": {}}, "expected"),
        ({"mcpServers": {"a__b": {"command": "x"}}}, "names are"),
        ({"mcpServers": {"a": {"args": []}}}, "needs 'command'"),
        ({"mcpServers": {"a": {"url": "http://x", "type": "websocket"}}}, "type must be"),
        ({"mcpServers": {"a": {"command": "x", "args": "oops"}}}, "'args' must be a list"),
        ({"mcpServers": {"a": {"command": "x", "trust": "yes"}}}, "'trust' must be true or false"),
    ],
)
def test_bad_configs_are_refused_by_name(config, message):
    with pytest.raises(AgentError, match=message):
        parse_config(config)
