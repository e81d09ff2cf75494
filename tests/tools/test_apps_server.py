"""`agent mcp serve apps` on the session's desktop: apps listed, launched, windows handled."""

from __future__ import annotations

import sys
import time

import pytest

from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec


@pytest.fixture
def apps_hub(desktop, tmp_path):
    spec = ServerSpec(
        "apps", "stdio", command=sys.executable,
        args=("-m", "agent.cli", "mcp", "serve", "apps", "--display", desktop.display.name),
        env={**desktop.display.env, "HOME": str(tmp_path)},
    )  # fmt: skip
    hub = ToolHub([spec], Approval("auto"))
    yield hub
    hub.close()
    for window in desktop.windows():
        if "haiku" in window.title:
            desktop.close_window(window.id)


def wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_apps_are_listed_launched_focused_and_closed(desktop, apps, apps_hub, tmp_path):
    listing = apps_hub.call("apps__list_apps", {}).text
    assert '"id": "org.xfce.mousepad"' in listing or "Mousepad" in listing
    note = tmp_path / "haiku.txt"
    note.write_text("sea")
    launched = apps_hub.call("apps__launch_app", {"name": "mousepad", "args": [str(note)]})
    assert launched.error is None and "haiku.txt" in launched.text
    window = desktop.wait_for_window("haiku.txt")
    windows = apps_hub.call("apps__list_windows", {}).text
    assert "haiku.txt" in windows and str(window.id) in windows
    apps(["xterm", "-title", "other-window"])
    desktop.wait_for_window("other-window")
    assert apps_hub.call("apps__focus_window", {"window": "haiku"}).text.startswith("focused")
    assert wait(lambda: desktop.observe().focused == window.title)
    apps_hub.call("apps__close_window", {"window": "haiku.txt"})
    assert wait(lambda: all("haiku.txt" not in w.title for w in desktop.windows()))


def test_unknown_apps_and_windows_are_named(apps_hub):
    missing = apps_hub.call("apps__launch_app", {"name": "no-such-app-anywhere"})
    assert "no single app called 'no-such-app-anywhere'" in (missing.error or "")
    gone = apps_hub.call("apps__focus_window", {"window": "no such window"})
    assert "no window 'no such window'" in (gone.error or "")
