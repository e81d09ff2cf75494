"""Our tools for Qwen-Agent (the `qwen` extra): `computer_use` on one of our environments and
the MCP tools of our hub, as Qwen-Agent `BaseTool`s, so a Qwen-Agent `Assistant` can drive them.

    from qwen_agent.agents import Assistant
    tools = [computer_use_tool(env, protocol), *mcp_tools(hub)]
    bot = Assistant(llm={...}, function_list=tools)

MCP goes through our hub: Qwen-Agent's own MCP client uses the 1.x SDK's names and breaks on
mcp 2.x, and it drops images from tool results.

Known limit of Qwen-Agent 0.0.34 (not of these tools): it always streams, and it fails on the
first streamed delta of a tool call when that delta has no `arguments`, which is what vLLM's
hermes tool parser sends. Serve Qwen3.5 with `--tool-call-parser qwen3_coder` (whose first delta
carries empty arguments), or drive our tools with our own loop.
"""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from typing import Any

from qwen_agent.llm.schema import ContentItem
from qwen_agent.tools import image_search as _image_search
from qwen_agent.tools.base import BaseTool

from agent.families.qwen.computer_use import TOOL_NAME, QwenComputerUse
from agent.turn import ModelTurn, ToolCall
from environments.base import Environment
from tools.hub import ToolHub

# qwen-agent's image_search module (0.0.34) replaces socket.getaddrinfo, on import and for the
# whole process, with one that drops every IPv6 address ([::1] stops resolving). It is imported
# above so that this happens now, once, and is undone here.
socket.getaddrinfo = getattr(_image_search, "_orig_getaddrinfo", socket.getaddrinfo)

_SCHEMA_KEYS = ("type", "properties", "required")


def _arguments(params: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(params) if isinstance(params, str) else dict(params)


def _parameters(schema: dict[str, Any]) -> dict[str, Any]:
    """Qwen-Agent accepts exactly type/properties/required in a tool's parameters."""
    properties = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in properties]
    return {"type": "object", "properties": properties, "required": required}


def computer_use_tool(env: Environment, protocol: QwenComputerUse) -> BaseTool:
    """`computer_use` with Qwen's schema on `env`; each call answers with a fresh screenshot.

    Qwen-Agent makes function calls itself, so the protocol's structured form is used (the
    makers' conversation form keeps its schema in the system prompt instead)."""
    setup = protocol.setup
    preset = replace(setup.preset, response_format="tool_call")
    protocol = QwenComputerUse(replace(setup, preset=preset))
    function = protocol.tools(env.screen_size)[0]["function"]

    class ComputerUse(BaseTool):
        name = TOOL_NAME
        description = function["description"]
        parameters = _parameters(function["parameters"])

        def call(self, params: str | dict[str, Any], **kwargs: Any) -> list[ContentItem]:
            observation = env.observe()
            turn = ModelTurn(tool_calls=(ToolCall("qwen-agent", TOOL_NAME, _arguments(params)),))
            parsed = protocol.parse(turn, observation)
            if parsed.error is not None:
                return [ContentItem(text=f"error: {parsed.error}")]
            texts = []
            for item in parsed.calls:
                assert item.action is not None
                result = env.execute(item.action)
                texts.append(f"error: {result.error}" if result.error else "done")
            image = protocol.encode(env.observe())
            return [ContentItem(text="; ".join(texts)), ContentItem(image=image.data_url)]

    return ComputerUse()


def mcp_tools(hub: ToolHub) -> list[BaseTool]:
    """Every tool of the hub, named as the hub names them (`server__tool`)."""
    made = []
    for tool in hub.tools.values():

        class HubTool(BaseTool):
            name = tool.qualified
            description = tool.description or tool.name
            parameters = _parameters(tool.input_schema)
            qualified = tool.qualified

            def call(self, params: str | dict[str, Any], **kwargs: Any) -> str | list[ContentItem]:
                outcome = hub.call(self.qualified, _arguments(params))
                if outcome.error:
                    return f"error: {outcome.error}"
                if not outcome.images:
                    return outcome.text
                images = [ContentItem(image=image.data_url) for image in outcome.images]
                return [ContentItem(text=outcome.text), *images]

        made.append(HubTool())
    return made
