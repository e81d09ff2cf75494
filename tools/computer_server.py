"""The `computer` MCP server: an environment's screen and input as MCP tools, in screen pixels,
so any MCP client can drive our virtual desktop.

    agent mcp serve computer [--display :N] [--http 127.0.0.1:PORT]
"""

from __future__ import annotations

import threading
from typing import Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Image as MCPImage
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from agent import actions as A
from agent.errors import InvalidAction
from agent.imaging import encode
from agent.keys import normalize_chord
from environments.base import Environment

LOOK = ToolAnnotations(read_only_hint=True, destructive_hint=False)
ACT = ToolAnnotations(read_only_hint=False, destructive_hint=False)


def build_server(env: Environment) -> MCPServer:
    width, height = env.screen_size
    server = MCPServer(
        "computer",
        instructions=f"A {width}x{height} screen. Coordinates are screen pixels from the top left.",
    )
    lock = threading.Lock()  # one input device: calls run one at a time

    def act(action: A.Action) -> str:
        with lock:
            result = env.execute(action)
        if result.error:
            raise ToolError(result.error)
        return f"done: {A.describe(action)}" + ("" if result.settled else " (screen still moving)")

    @server.tool(annotations=LOOK, structured_output=False)
    def screenshot() -> list[object]:
        """The whole screen as a PNG, with the pointer position and the focused window."""
        with lock:
            observation = env.observe()
        png = encode(observation.image, observation.size, "png")
        pointer, focused = observation.pointer, observation.focused
        facts = f"screen {width}x{height}; pointer at {pointer}; focused: {focused}"
        return [MCPImage(data=png.data, format="png"), facts]

    @server.tool(annotations=ACT)
    def click(
        x: int, y: int, button: Literal["left", "right", "middle"] = "left", count: int = 1
    ) -> str:
        """Click at (x, y); count 2 or 3 for double and triple clicks."""
        return act(A.Click(x, y, button, count))

    @server.tool(annotations=ACT)
    def move(x: int, y: int) -> str:
        """Move the pointer to (x, y)."""
        return act(A.Move(x, y))

    @server.tool(annotations=ACT)
    def drag(x1: int, y1: int, x2: int, y2: int) -> str:
        """Press at (x1, y1), move to (x2, y2), release."""
        return act(A.Drag(x1, y1, x2, y2))

    @server.tool(annotations=ACT)
    def scroll(x: int, y: int, dy: int = 0, dx: int = 0) -> str:
        """Wheel clicks at (x, y): positive dy scrolls up, positive dx scrolls right."""
        return act(A.Scroll(x, y, dy=dy, dx=dx))

    @server.tool(name="type", annotations=ACT)
    def type_text(text: str) -> str:
        """Type text (any Unicode) into the focused window."""
        return act(A.Type(text))

    @server.tool(annotations=ACT)
    def key(keys: list[str]) -> str:
        """Press one key or a chord, e.g. ["ctrl", "s"] or ["Return"]."""
        try:
            chord = normalize_chord(keys)
        except InvalidAction as exc:
            raise ToolError(str(exc)) from exc
        return act(A.Key(chord))

    return server
