"""The XFCE desktop of a private display: xfwm4, xfce4-panel (a searchable applications menu,
the window list, a clock) and xfdesktop (wallpaper and launcher icons), from Debian's packages,
configured by the files in `xfce_config/` written into the session's home at every start.

xfsettingsd, the session manager, the screensaver and the power manager are not started: the
screen never locks or blanks, no update or first-run dialog appears, and the GTK theme comes
from `gtk-3.0/settings.ini`. The keyboard layout is set on the X server (setxkbmap us).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

from agent.errors import EnvironmentFailure
from environments.desktop.session import SessionHome

PROGRAMS = ("xfwm4", "xfce4-panel", "xfdesktop", "xfconfd")
ENV = {"XDG_CURRENT_DESKTOP": "XFCE", "XDG_MENU_PREFIX": "xfce-", "DESKTOP_SESSION": "xfce"}
_SYSTEM_APPS = Path("/usr/share/applications")
Spawn = Callable[..., subprocess.Popen[bytes]]


def _config() -> resources.abc.Traversable:
    return resources.files("environments.desktop") / "xfce_config"


def write_config(session: SessionHome) -> None:
    """The desktop's settings, launchers and file associations, in the session's home (the
    launchers start their apps in it: `{home}` in them is its path)."""
    source = _config()
    channels = session.config / "xfce4" / "xfconf" / "xfce-perchannel-xml"
    channels.mkdir(parents=True, exist_ok=True)
    for item in (source / "xfconf").iterdir():
        (channels / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    panel = session.config / "xfce4" / "panel"
    panel.mkdir(parents=True, exist_ok=True)
    for item in (source / "panel").iterdir():
        (panel / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    (session.config / "gtk-3.0").mkdir(exist_ok=True)
    settings = (source / "gtk-3.0" / "settings.ini").read_text(encoding="utf-8")
    (session.config / "gtk-3.0" / "settings.ini").write_text(settings, encoding="utf-8")
    mime = (source / "mimeapps.list").read_text(encoding="utf-8")
    (session.config / "mimeapps.list").write_text(mime, encoding="utf-8")
    desktop, applications = session.home / "Desktop", session.data / "applications"
    desktop.mkdir(exist_ok=True)
    applications.mkdir(parents=True, exist_ok=True)
    for item in (source / "Desktop").iterdir():
        text = item.read_text(encoding="utf-8").replace("{home}", str(session.home))
        for folder in (desktop, applications):
            (folder / item.name).write_text(text, encoding="utf-8")
            (folder / item.name).chmod(0o755)  # xfdesktop runs only executable launchers
    for name in (source / "hidden.txt").read_text(encoding="utf-8").split():
        if not name.startswith("#") and (_SYSTEM_APPS / name).is_file():
            (applications / name).write_text(_hidden(_SYSTEM_APPS / name), encoding="utf-8")


def _hidden(entry: Path) -> str:
    """A copy of a system menu entry that keeps it out of the menu (it still opens files)."""
    lines = entry.read_text(encoding="utf-8", errors="replace").splitlines()
    at = lines.index("[Desktop Entry]") + 1 if "[Desktop Entry]" in lines else 0
    return "\n".join([*lines[:at], "NoDisplay=true", *lines[at:]]) + "\n"


def missing() -> list[str]:
    return [p for p in ("xfwm4", "xfce4-panel", "xfdesktop") if shutil.which(p) is None]


def start(spawn: Spawn, env: Mapping[str, str], timeout: float) -> None:
    """Start the window manager, the panel and the desktop together (neither waits for the
    window manager); return once all three show. They run in the session's home, so apps they
    start do too."""
    home = env["HOME"]
    window_manager = spawn(["xfwm4", "--compositor=off", "--sm-client-disable"], env=env, cwd=home)
    panel = spawn(["xfce4-panel", "--disable-wm-check"], env=env, cwd=home)
    desktop = spawn(["xfdesktop", "--disable-wm-check"], env=env, cwd=home)
    started = {"xfwm4": window_manager, "xfce4-panel": panel, "xfdesktop": desktop}
    _wait(env, timeout, started, ["_NET_SUPPORTING_WM_CHECK"], ["xfce4-panel", "xfdesktop"])


def _wait(
    env: Mapping[str, str],
    timeout: float,
    processes: Mapping[str, subprocess.Popen[bytes]],
    root_properties: Sequence[str],
    classes: Sequence[str],
) -> None:
    deadline = time.monotonic() + timeout
    pending = [*root_properties, *classes]
    while pending and time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise EnvironmentFailure(f"{name} exited at start (status {process.returncode})")
        pending = [item for item in pending if not _shows(env, item, item in root_properties)]
        if pending:
            time.sleep(0.03)
    if pending:
        raise EnvironmentFailure(
            f"the XFCE desktop did not come up within {timeout:g} s: no {', '.join(pending)}"
        )


def _shows(env: Mapping[str, str], item: str, root_property: bool) -> bool:
    if root_property:
        argv = ["xprop", "-root", item]
        done = subprocess.run(argv, env=dict(env), capture_output=True, text=True)
        return "window id" in done.stdout
    argv = ["xdotool", "search", "--onlyvisible", "--class", item]
    done = subprocess.run(argv, env=dict(env), capture_output=True, text=True)
    return bool(done.stdout.strip())
