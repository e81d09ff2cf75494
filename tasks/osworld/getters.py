"""OSWorld's getters, read on this machine: what the metric is given, with OSWorld's rules
(desktop_env/evaluators/getters): a file getter gives a local path, or None when the file is
missing; `"multi": true` takes lists of paths and gives the ones listed in `gives` (default
[0]), a single one as itself; a command getter gives stdout (vm_command_line) or stderr
(vm_command_error) of the command run with the task's environment.

The apps' getters live in a module each: chromium.py (Chrome's profile and the live browser),
page_elements.py (elements of the active tab's page), vlc.py (VLC's web interface and
settings), impress.py (a slide's media in a saved pptx),
screen.py (the screen and window sizes, the wallpaper), terminal.py (the terminal's text).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from tasks.osworld import chromium, impress, screen, terminal, vlc
from tasks.osworld.conventions import at_home, vm_path
from tasks.osworld.machine import Machine
from tasks.osworld.page_elements import active_tab_html_parse
from tasks.osworld.relative_time import relative_rules

__all__ = ["GETTERS", "Getter", "Machine", "vm_paths"]


def vm_paths(config: dict[str, Any]) -> list[str]:
    paths = config.get("path")
    if config.get("multi"):
        return [str(p) for p in paths or []]
    return [str(paths)]


def _given(config: dict[str, Any], files: list[str | None]) -> Any:
    gives = set(config.get("gives", [0])) if config.get("multi") else {0}
    chosen = [f for i, f in enumerate(files) if i in gives]
    return chosen[0] if len(chosen) == 1 else chosen


def vm_file(machine: Machine, config: dict[str, Any]) -> Any:
    files: list[str | None] = []
    for path in vm_paths(config):
        local = vm_path(path, machine.home)
        files.append(str(local) if local is not None and local.is_file() else None)
    return _given(config, files)


def cloud_file(machine: Machine, config: dict[str, Any]) -> Any:
    return _given(config, list(config["files"]))


def cache_file(machine: Machine, config: dict[str, Any]) -> str | None:
    """A file a postconfig command saved its output to (its `stdout` name)."""
    path = machine.scratch(str(config["path"]))
    return str(path) if path.is_file() else None


def local_file(machine: Machine, config: dict[str, Any]) -> Any:
    """Ours: a file next to the task file (our sample tasks), resolved by the loader."""
    return _given(config, list(config["files"]))


def vm_command_line(machine: Machine, config: dict[str, Any]) -> str:
    return machine.run(config["command"], bool(config.get("shell", False))).stdout


def vm_command_error(machine: Machine, config: dict[str, Any]) -> str:
    return machine.run(config["command"], bool(config.get("shell", False))).stderr


def rule(machine: Machine, config: dict[str, Any]) -> Any:
    """The rule's values, with /home/user (the VM's home, in a path or a file:// URL) as the
    task's home, where the apps and the getters see the files."""
    return _at_home(config["rules"], machine)


def rule_relativeTime(machine: Machine, config: dict[str, Any]) -> Any:
    """The rule with its expected dates filled in from today (relative_time.py)."""
    return relative_rules(rule(machine, config), date.today())


def list_directory(machine: Machine, config: dict[str, Any]) -> dict[str, Any] | None:
    """The folder's tree as OSWorld's VM server gives it: {"type": "directory", "name",
    "children"}, a file as {"type": "file", "name"}; None when the folder is missing."""
    local = vm_path(str(config["path"]), machine.home)
    return _tree(local) if local is not None and local.is_dir() else None


def _tree(folder: Path) -> dict[str, Any]:
    children = [
        _tree(entry) if entry.is_dir() else {"type": "file", "name": entry.name}
        for entry in sorted(folder.iterdir())
    ]
    return {"type": "directory", "name": folder.name, "children": children}


def _at_home(value: Any, machine: Machine) -> Any:
    if isinstance(value, str):
        return at_home(value, machine.home)
    if isinstance(value, list):
        return [_at_home(item, machine) for item in value]
    if isinstance(value, dict):
        return {key: _at_home(item, machine) for key, item in value.items()}
    return value


def _home_file(machine: Machine, relative: str) -> str | None:
    path = machine.home / relative
    return str(path) if path.is_file() else None


def gimp_config_file(machine: Machine, config: dict[str, Any]) -> str | None:
    return _home_file(machine, f".config/GIMP/2.10/{config['file_name']}")


Getter = Callable[[Machine, dict[str, Any]], Any]
GETTERS: dict[str, Getter] = {
    f.__name__: f
    for f in (
        vm_file,
        cloud_file,
        cache_file,
        local_file,
        vm_command_line,
        vm_command_error,
        rule,
        rule_relativeTime,
        list_directory,
        gimp_config_file,
        *chromium.GETTERS,
        active_tab_html_parse,
        vlc.vlc_playing_info,
        vlc.vlc_config,
        vlc.default_video_player,
        *impress.GETTERS,
        *screen.GETTERS,
        terminal.vm_terminal_output,
    )
}
