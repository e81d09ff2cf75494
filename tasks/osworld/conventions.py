"""What an OSWorld task takes for granted about its machine, reproduced on our desktop.

OSWorld runs each task on an Ubuntu VM whose user is `user` (home /home/user, password
"password", screen 1920x1080). Here the task's isolated home stands in for /home/user and `~`,
and a folder of small programs on the task's PATH stands in for what the VM has:

- `python` and `python3`: our interpreter, which has pyautogui (OSWorld's config and postconfig
  steps drive the screen with `python -c "import pyautogui; ..."`).
- `sudo`: runs the command as the task's user (the VM's `echo password | sudo -S ...`); our
  apps and files live in the task's home, so no privilege is needed or given.
- `pkill` and `killall`: signal only the task's own processes (started with its HOME, or
  naming it on their command line, as Chromium's profile flag does), so a
  postconfig's `pkill chrome` cannot reach another task's or the user's browser.
- `google-chrome`: Chromium with its profile at ~/.config/google-chrome, where OSWorld's
  getters read Chrome's Preferences, Bookmarks and Local State, and its DevTools on the task's
  own port (OSWorld's VM: 1337, forwarded to 9222), whatever port the command asks for.
  `chromium` is the same browser, and so are the desktop's launchers of Chromium (the menu's
  and the desktop icon's, see install_launchers): a browser the model opens itself
  is the one the Chrome getters read, as on the VM, where the dock's Chrome is that browser.
- `xterm`: xterm logging what it is sent to the shims folder (TERMINALS), read back by the
  vm_terminal_output getter (terminal.py) as OSWorld's reads GNOME Terminal's text; the
  Ctrl+Alt+T terminal and the desktop's Terminal icon are this one. The log is named
  relative to the home, so the terminal's command line does not name the home (a
  `pkill NAME` whose NAME is in the home's path leaves the terminal alone).
- VLC's settings as the VM's image has them: the web interface on (OSWorld's getter reads
  status.xml with the password "password"), here on the task's own port instead of 8080,
  and the first-run privacy question answered.

Each task's ports (`Ports`) are chosen when its session starts and kept in the shims folder,
so tasks on one machine (`--workers 2`) never share a browser or a player.

GSettings go to the desktop session's own dconf database (the session's bus and dconf service
run with the task's home), so `gsettings set` in a terminal the model opened is seen by the
evaluator's `gsettings get`, and the user's own dconf is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HOME = "/home/user"
SCREEN = (1920, 1080)
PASSWORD = "password"
_HOME = re.compile(r"/home/user(?![\w.-])")
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
SHIMS = ".osworld-bin"  # inside the task's home
VLC_PASSWORD = "password"  # of VLC's web interface on OSWorld's VM
_PORTS = "ports.json"  # in the shims folder
TERMINALS = "terminals"  # in the shims folder: the terminals' logs, named by their start (ns)


# What the VM's desktop opens a document with (the rest as tasks/open_with.py says).
_OFFICE = {
    ".xlsx": "--calc",
    ".xls": "--calc",
    ".ods": "--calc",
    ".docx": "--writer",
    ".doc": "--writer",
    ".odt": "--writer",
    ".pptx": "--impress",
    ".ppt": "--impress",
    ".odp": "--impress",
}


def opener(path: str) -> list[str] | None:
    """The command that opens `path` as OSWorld's desktop would, when it is an office file."""
    flag = _OFFICE.get(Path(path).suffix.lower())
    return ["libreoffice", flag, path] if flag else None


def placeholders(screen: tuple[int, int] = SCREEN) -> dict[str, str]:
    """The values OSWorld fills into instructions and configs at run time."""
    width, height = screen
    return {
        "CLIENT_PASSWORD": PASSWORD,
        "SCREEN_WIDTH": str(width),
        "SCREEN_HEIGHT": str(height),
        "SCREEN_WIDTH_HALF": str(width // 2),
        "SCREEN_HEIGHT_HALF": str(height // 2),
    }


def unknown_placeholders(text: str) -> list[str]:
    known = placeholders()
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in known})


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """`value` (a string, or lists and mappings of them) with {NAME} placeholders filled."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def at_home(text: str, home: Path) -> str:
    """/home/user, wherever it appears in `text`, as the task's home."""
    return _HOME.sub(str(home).replace("\\", "\\\\"), text)


def vm_path(path: str, home: Path) -> Path | None:
    """A path on OSWorld's VM as a path on this machine; None when it is outside the home."""
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    if path == HOME or path.startswith(HOME + "/"):
        return home / path[len(HOME) + 1 :]
    if not path.startswith("/"):
        return home / path
    return None


def in_home(path: str) -> bool:
    return vm_path(path, Path("/")) is not None


def command_argv(command: str | list[str], shell: bool, home: Path) -> list[str] | str:
    """OSWorld's execute and launch: a string without shell is split like a shell would, `~/`
    at the start of an argument is the home; with shell, the line goes to /bin/sh. A list with
    shell=True runs its first item as the line (subprocess's rule; OSWorld passes it as is)."""
    if shell:
        line = command if isinstance(command, str) else str(command[0]) if command else ""
        return at_home(line, home)
    parts = shlex.split(command) if isinstance(command, str) else [str(p) for p in command]
    return [
        str(home / part[2:]) if part.startswith("~/") else at_home(part, home) for part in parts
    ]


def task_env(base: Mapping[str, str], home: Path) -> dict[str, str]:
    """The environment of a program the task runs: `base` (the display's) with the home, its
    XDG folders and the shims first on PATH. GSettings go to the session's own dconf database
    (its bus and dconf service run with the session's home), as for every program on the
    desktop: a terminal started from a desktop icon and the evaluator see the same settings."""
    env = dict(base)
    env.update(_without_cv2(base))
    env.update(
        HOME=str(home),
        USER="user",
        LOGNAME="user",
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        PATH=f"{home / SHIMS}:{base.get('PATH', '/usr/bin:/bin')}",
    )
    return env


def _without_cv2(env: Mapping[str, str]) -> dict[str, str]:
    """opencv-python points Qt's plugin and font folders (and the library path) at its own
    copies when it is imported (the oracle's OCR imports it); inherited by an app, they stop
    every Qt app (VLC) from starting. They are emptied here, not removed, since the display
    lays these variables over its own environment."""
    wheel = f"{os.sep}cv2{os.sep}"
    cleaned = {}
    for key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "LD_LIBRARY_PATH"):
        parts = env.get(key, "").split(":")
        if any(wheel in part for part in parts):
            cleaned[key] = ":".join(part for part in parts if part and wheel not in part)
    return cleaned


@dataclass(frozen=True)
class Ports:
    """The task's own ports for what OSWorld's VM has on fixed ones."""

    chrome: int  # Chromium's DevTools (the VM: 1337 behind 9222)
    vlc: int  # VLC's web interface (the VM: 8080)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def task_ports(home: Path) -> Ports:
    """The ports chosen for the task in `home` (by install_shims); a clear error if none were."""
    path = home / SHIMS / _PORTS
    try:
        return Ports(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise RuntimeError(f"no ports for the task in {home}: its session did not start") from exc


_VLCRC = """# VLC's settings on OSWorld's VM (written for the task; VLC rewrites this file on save)
[core]
extraintf=http
http-host=127.0.0.1
http-port={port}
metadata-network-access=0
[lua]
http-password={password}
[qt]
qt-privacy-ask=0
"""


def install_vlc_settings(home: Path, port: int) -> Path:
    """~/.config/vlc/vlcrc with the VM's web interface on `port` (kept if the task has one)."""
    path = home / ".config" / "vlc" / "vlcrc"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_VLCRC.format(port=port, password=VLC_PASSWORD), encoding="utf-8")
    return path


_SUDO = """#!/bin/sh
# OSWorld's `echo password | sudo -S CMD`: CMD runs as the task's user.
while [ $# -gt 0 ]; do
  case "$1" in
    -S) cat >/dev/null 2>&1 || true; shift ;;
    -u|-g|-p) shift 2 ;;
    -[A-Za-z]*) shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
exec "$@"
"""

_PKILL = """#!/bin/sh
# pkill/killall on OSWorld's VM: here only the task's own processes (same HOME) are signalled.
signal=TERM
while [ $# -gt 1 ]; do
  case "$1" in -9) signal=KILL ;; -[A-Z]*) signal="${1#-}" ;; esac
  shift
done
for pid in $(pgrep -f -- "$1"); do
  [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
  # ours: started with our HOME, or (Chromium rewrites its environ) naming our HOME
  if { tr '\\0' '\\n' < /proc/$pid/environ; } 2>/dev/null | grep -qx "HOME=$HOME" ||
     { tr '\\0' ' ' < /proc/$pid/cmdline; } 2>/dev/null | grep -qF "$HOME/"; then
    kill -s "$signal" "$pid" 2>/dev/null
  fi
done
exit 0
"""

_CHROME = """#!/bin/sh
# google-chrome on OSWorld's VM: Chromium with its profile where Chrome keeps it, and its
# DevTools on the task's port whatever port the command names.
for arg do
  shift
  case "$arg" in --remote-debugging-port=*) ;; *) set -- "$@" "$arg" ;; esac
done
exec {chromium} --user-data-dir="$HOME/.config/google-chrome" --no-first-run \\
  --no-default-browser-check --password-store=basic --remote-debugging-port={port} \\
  {sandbox} "$@"
"""


_XTERM = """#!/bin/sh
# xterm logging what it shows (the vm_terminal_output getter reads it), started in $HOME.
cd "$HOME" || exit 1
mkdir -p {folder}
exec {xterm} "$@" -l -lf "{folder}/$(date +%s%N).log"
"""


USER_DIRS = (
    "Desktop",
    "Documents",
    "Downloads",
    "Music",
    "Pictures",
    "Public",
    "Templates",
    "Videos",
)


def install_shims(home: Path, chromium: str | None, root: bool, xterm: str | None = None) -> Path:
    """The home as the VM's (its user folders: Desktop, Documents, ...) with the shims folder
    (see the module docstring), the task's ports and VLC's settings; returns the shims
    folder."""
    for name in USER_DIRS:
        (home / name).mkdir(parents=True, exist_ok=True)
    folder = home / SHIMS
    folder.mkdir(parents=True, exist_ok=True)
    ports = Ports(chrome=_free_port(), vlc=_free_port())
    (folder / _PORTS).write_text(json.dumps(asdict(ports)), encoding="utf-8")
    install_vlc_settings(home, ports.vlc)
    scripts = {"sudo": _SUDO, "pkill": _PKILL, "killall": _PKILL}
    python = f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n'
    scripts["python"] = scripts["python3"] = python
    if chromium:
        sandbox = "--no-sandbox" if root else ""
        browser = _CHROME.format(chromium=shlex.quote(chromium), sandbox=sandbox, port=ports.chrome)
        scripts["google-chrome"] = scripts["chromium"] = browser
    if xterm:
        scripts["xterm"] = _XTERM.format(xterm=shlex.quote(xterm), folder=f"{SHIMS}/{TERMINALS}")
    for name, text in scripts.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
    return folder


_LAUNCHED = {"chromium": "google-chrome", "xterm": "xterm"}  # a launcher's program: its shim
_EXEC = re.compile(r"^Exec=(\S*/)?(chromium|xterm)(?=\s|$)", re.MULTILINE)


def install_launchers(home: Path) -> list[Path]:
    """The session's launchers of Chromium and xterm (its desktop icons and menu entries in
    `home`) made to start their shims with their own flags; returns the ones changed."""

    def shim(found: re.Match[str]) -> str:
        path = str(home / SHIMS / _LAUNCHED[found[2]])
        return "Exec=" + (f'"{path}"' if re.search(r"[\s\"'\\$`]", path) else path)

    changed = []
    for folder in (home / "Desktop", home / ".local" / "share" / "applications"):
        for entry in sorted(folder.glob("*.desktop")) if folder.is_dir() else []:
            text = entry.read_text(encoding="utf-8", errors="replace")
            launched = _EXEC.search(text)
            if launched and (home / SHIMS / _LAUNCHED[launched[2]]).exists():
                entry.write_text(_EXEC.sub(shim, text), encoding="utf-8")
                changed.append(entry)
    return changed
