"""A Qwen-Agent Assistant drives our desktop and our MCP tools, over the vLLM-shaped server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from qwen_agent.agents import Assistant

from agent.builder import family_for
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig
from tests.environments.desktop.helpers import pointer
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec
from tools.qwen_agent import computer_use_tool, mcp_tools

SERVER = str(Path(__file__).with_name("sample_server.py"))
# Qwen-Agent 0.0.34 streams and needs `arguments` in the first delta of a tool call, which
# vLLM's qwen3_coder parser sends and its hermes parser does not (see tools/qwen_agent.py).
QWEN35 = VLLMConfig(
    model_id="Qwen/Qwen3.5-9B", tool_parser="qwen3_coder", model_format="qwen3_coder",
    think_open_tag=False,
)  # fmt: skip


@pytest.fixture
def hub(tmp_path):
    spec = ServerSpec("notes", "stdio", command=sys.executable, args=(SERVER, str(tmp_path)))
    hub = ToolHub([spec], Approval("auto"))
    yield hub
    hub.close()


def test_an_assistant_uses_computer_use_and_mcp_tools(desktop, hub, tmp_path, monkeypatch):
    # An Assistant's document tools make `workspace/tools/...` in the working directory.
    monkeypatch.chdir(tmp_path)
    protocol = family_for(QWEN35.model_id)
    script = [
        ScriptedTurn(
            calls=(
                ScriptedCall("computer_use", {"action": "left_click", "coordinate": [500, 250]}),
            )
        ),
        ScriptedTurn(calls=(ScriptedCall("notes__write_note", {"name": "qa.txt", "text": "hi"}),)),
        ScriptedTurn(content="All done."),
    ]
    with ScriptedModelServer(script, QWEN35) as server:
        bot = Assistant(
            llm={
                "model": QWEN35.model_id,
                "model_type": "qwenvl_oai",
                "model_server": server.url,
                "api_key": "EMPTY",
                "generate_cfg": {"use_raw_api": True},
            },
            function_list=[computer_use_tool(desktop, protocol), *mcp_tools(hub)],
        )
        *_, final = bot.run([{"role": "user", "content": "move, then write a note"}])
        requests = server.requests
    assert pointer(desktop) == (640, 200)
    assert (tmp_path / "qa.txt").read_text() == "hi"
    # vLLM's qwen3 reasoning parser leaves the blank line after </think> in the content
    assert final[-1]["content"].strip() == "All done."
    tool_names = [t["function"]["name"] for t in requests[0]["tools"]]
    assert tool_names[0] == "computer_use" and "notes__write_note" in tool_names


def test_using_the_adapter_leaves_ipv6_working():
    """qwen-agent's import makes name lookups IPv4-only for the whole process; the adapter
    undoes it, so [::1] servers (our MCP servers over HTTP among them) stay reachable."""
    import socket

    import tools.qwen_agent  # noqa: F401

    families = {info[0] for info in socket.getaddrinfo("::1", 80)}
    assert socket.AF_INET6 in families
