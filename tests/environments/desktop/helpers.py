"""What the desktop tests read back from the display itself, independently of the environment."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from agent import actions as A
from environments.base import ActionResult
from environments.desktop import DesktopEnvironment, WindowInfo


def pointer(desktop: DesktopEnvironment) -> tuple[int, int]:
    """The pointer as xdotool sees it on the desktop's display."""
    out = subprocess.run(
        ["xdotool", "getmouselocation", "--shell"],
        env=desktop.display.child_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(line.split("=") for line in out.split())
    return int(values["X"]), int(values["Y"])


def primary(desktop: DesktopEnvironment) -> str:
    """The PRIMARY selection: the text an app has selected."""
    return subprocess.run(
        ["xclip", "-o", "-selection", "primary"],
        env=desktop.display.child_env(),
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout


def ready(desktop: DesktopEnvironment, title: str) -> WindowInfo:
    """The window once it is mapped and has drawn itself (the screen has settled)."""
    desktop.wait_for_window(title)
    desktop.settle(ActionResult())
    return desktop.wait_for_window(title)


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def editor(desktop: DesktopEnvironment, apps, path: Path, content: str = "") -> WindowInfo:
    """mousepad editing `path`, with the keyboard focus in its text."""
    path.write_text(content)
    apps(["mousepad", str(path)])
    window = ready(desktop, path.name)
    desktop.execute(A.Click(*window.center))
    return window


def save(desktop: DesktopEnvironment, path: Path, expected: str | None = None) -> str:
    """Ctrl+S, then the file's contents once they are `expected` (or, without `expected`,
    once they change), waiting at most 5 s."""
    before = path.read_text()
    desktop.execute(A.Key(("ctrl", "s")))
    if expected is None:
        wait_until(lambda: path.read_text() != before)
    else:
        wait_until(lambda: path.read_text() == expected)
    return path.read_text()
