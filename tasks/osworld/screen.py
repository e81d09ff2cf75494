"""OSWorld's getters of the screen (desktop_env/evaluators/getters/info.py), asked of the
task's display: its size, an app's window size (by window class, as OSWorld's VM server
finds it) and the wallpaper's file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tasks.osworld.conventions import HOME, vm_path
from tasks.osworld.machine import Machine


def _xdotool(machine: Machine, *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=machine.env, capture_output=True, text=True, timeout=10
    )
    return done.stdout


def vm_screen_size(machine: Machine, config: dict[str, Any]) -> dict[str, int] | None:
    found = _xdotool(machine, "getdisplaygeometry").split()
    return {"width": int(found[0]), "height": int(found[1])} if len(found) == 2 else None


def vm_window_size(machine: Machine, config: dict[str, Any]) -> dict[str, int] | None:
    """The size of the largest visible window of the class `app_class_name`."""
    name = re.escape(str(config["app_class_name"]))
    sizes = []
    for window in _xdotool(machine, "search", "--onlyvisible", "--class", name).split():
        shown = re.search(r"Geometry: (\d+)x(\d+)", _xdotool(machine, "getwindowgeometry", window))
        if shown:
            sizes.append((int(shown[1]), int(shown[2])))
    if not sizes:
        return None
    width, height = max(sizes, key=lambda size: size[0] * size[1])
    return {"width": width, "height": height}


def _wallpaper(machine: Machine) -> str | None:
    """The wallpaper's path: GNOME's setting (what OSWorld's VM reads), else the XFCE desktop's
    image for the first monitor."""
    line = machine.run(["gsettings", "get", "org.gnome.desktop.background", "picture-uri"], False)
    uri = line.stdout.strip().strip("'")
    if uri.startswith("file://"):
        return unquote(urlparse(uri).path)
    if shutil.which("xfconf-query") is None:
        return None
    listed = machine.run(["xfconf-query", "-c", "xfce4-desktop", "-l"], False).stdout
    for prop in sorted(p for p in listed.split() if p.endswith("/last-image")):
        image = machine.run(["xfconf-query", "-c", "xfce4-desktop", "-p", prop], False)
        if image.stdout.strip():
            return image.stdout.strip()
    return None


def vm_wallpaper(machine: Machine, config: dict[str, Any]) -> str | None:
    """A copy of the wallpaper's file (a VM path is read in the task's home)."""
    found = _wallpaper(machine)
    if found is None:
        return None
    real = vm_path(found, machine.home) if found.startswith(HOME) else Path(found)
    if real is None or not real.is_file():
        return None
    copy = machine.scratch(str(config.get("dest", real.name)))
    copy.write_bytes(real.read_bytes())
    return str(copy)


GETTERS = (vm_screen_size, vm_window_size, vm_wallpaper)
