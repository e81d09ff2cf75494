"""OSWorld's screen getters on a real display: its size, the size of an app's window found by
class, and the wallpaper's file as the session's GNOME setting names it."""

from __future__ import annotations

import time
from pathlib import Path

from environments.desktop.session import SessionRunner
from tasks.osworld.conventions import task_env
from tasks.osworld.getters import GETTERS, Machine
from tasks.osworld.vlc_metrics import is_vlc_fullscreen


def test_screen_window_and_wallpaper(desktop, tmp_path):
    home = Path(desktop.display.child_env()["HOME"])
    (home / ".osworld-bin").mkdir(exist_ok=True)
    machine = Machine(home, SessionRunner(task_env(desktop.display.child_env(), home)))
    screen = GETTERS["vm_screen_size"](machine, {})
    assert screen == {"width": 1280, "height": 800}
    desktop.launch(["xterm", "-class", "Sizedterm", "-geometry", "80x24"])
    size = None
    for _ in range(50):
        size = GETTERS["vm_window_size"](machine, {"app_class_name": "Sizedterm"})
        if size:
            break
        time.sleep(0.2)
    assert size is not None and 200 < size["width"] < 1280 and 100 < size["height"] < 800
    assert is_vlc_fullscreen(size, screen) == 0.0
    assert is_vlc_fullscreen(screen, screen) == 1.0
    assert GETTERS["vm_window_size"](machine, {"app_class_name": "no-such-class"}) is None
    picture = tmp_path / "wall.png"
    picture.write_bytes(b"\x89PNG wallpaper")
    machine.run(
        ["gsettings", "set", "org.gnome.desktop.background", "picture-uri", picture.as_uri()],
        False,
    )
    copy = GETTERS["vm_wallpaper"](machine, {"dest": "wallpaper.png"})
    assert copy is not None and Path(copy).read_bytes() == b"\x89PNG wallpaper"
