"""The `apps` MCP server: list and launch installed apps, list, focus and close windows, on the
display the run uses.

    agent mcp serve apps --display :N
"""

from __future__ import annotations

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from environments.desktop import DesktopEnvironment
from tools.desktop_apps import find_app, installed_apps

LOOK = ToolAnnotations(read_only_hint=True, destructive_hint=False)
ACT = ToolAnnotations(read_only_hint=False, destructive_hint=False)
CLOSE = ToolAnnotations(read_only_hint=False, destructive_hint=True)


def build_server(env: DesktopEnvironment) -> MCPServer:
    server = MCPServer("apps", instructions="Apps and windows of the desktop the agent operates.")

    @server.tool(annotations=LOOK)
    def list_apps() -> list[dict[str, str]]:
        """Installed apps: id, name and categories."""
        return [
            {"id": a.id, "name": a.name, "categories": ";".join(a.categories)}
            for a in installed_apps()
        ]

    @server.tool(annotations=ACT)
    def launch_app(name: str, args: list[str] | None = None, wait_seconds: float = 10) -> str:
        """Start an app by id or name (e.g. "mousepad"), with optional arguments such as a file;
        waits for its first window."""
        try:
            app = find_app(installed_apps(), name)
        except LookupError as exc:
            raise ToolError(str(exc)) from exc
        before = {w.id for w in env.windows()}
        process = env.launch([*app.command, *(args or [])])
        try:
            window = env.wait_for_new_window(before, wait_seconds)
        except TimeoutError:
            return f"launched {app.name} (pid {process.pid}); no window yet"
        return f"launched {app.name} (pid {process.pid}); window {window.title!r}"

    @server.tool(annotations=LOOK)
    def list_windows() -> list[dict[str, object]]:
        """Open windows: id, title, app, geometry and whether it has the focus."""
        return [
            {"id": w.id, "title": w.title, "app": w.app, "x": w.x, "y": w.y,
             "width": w.width, "height": w.height, "focused": w.focused}
            for w in env.windows()
        ]  # fmt: skip

    @server.tool(annotations=ACT)
    def focus_window(window: str) -> str:
        """Bring a window (id or part of its title) to the front."""
        found = _find(env, window)
        env.focus(found.id)
        return f"focused {found.title!r}"

    @server.tool(annotations=CLOSE)
    def close_window(window: str) -> str:
        """Close a window (id or part of its title), as its close button would."""
        found = _find(env, window)
        env.close_window(found.id)
        return f"asked {found.title!r} to close"

    return server


def _find(env: DesktopEnvironment, window: str):
    try:
        return env.find_window(window)
    except LookupError as exc:
        raise ToolError(str(exc)) from exc
