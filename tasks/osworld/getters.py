"""OSWorld's getters, read on this machine: what the metric is given, with OSWorld's rules
(desktop_env/evaluators/getters): a file getter gives a local path, or None when the file is
missing; `"multi": true` takes lists of paths and gives the ones listed in `gives` (default
[0]), a single one as itself; a command getter gives stdout (vm_command_line) or stderr
(vm_command_error) of the command run with the task's environment.

Chrome's getters read the profile files Chrome keeps under ~/.config/google-chrome (our
`google-chrome` is Chromium with that profile, see conventions.py) and fall back to the values
OSWorld returns when a file or key is missing.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from environments.desktop.session import SessionRunner
from tasks.osworld.conventions import command_argv, vm_path

_CHROME = ".config/google-chrome"


@dataclass(frozen=True)
class Machine:
    """What a getter reads: the task's home, and how its programs run (the task's environment,
    as the session's user)."""

    home: Path
    session: SessionRunner

    def run(self, command: str | list[str], shell: bool) -> subprocess.CompletedProcess[str]:
        return self.session.run(command_argv(command, shell, self.home), self.home, 120)


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


def local_file(machine: Machine, config: dict[str, Any]) -> Any:
    """Ours: a file next to the task file (our sample tasks), resolved by the loader."""
    return _given(config, list(config["files"]))


def vm_command_line(machine: Machine, config: dict[str, Any]) -> str:
    return machine.run(config["command"], bool(config.get("shell", False))).stdout


def vm_command_error(machine: Machine, config: dict[str, Any]) -> str:
    return machine.run(config["command"], bool(config.get("shell", False))).stderr


def rule(machine: Machine, config: dict[str, Any]) -> Any:
    return config["rules"]


def _home_file(machine: Machine, relative: str) -> str | None:
    path = machine.home / relative
    return str(path) if path.is_file() else None


def gimp_config_file(machine: Machine, config: dict[str, Any]) -> str | None:
    return _home_file(machine, f".config/GIMP/2.10/{config['file_name']}")


def vlc_config(machine: Machine, config: dict[str, Any]) -> str | None:
    return _home_file(machine, ".config/vlc/vlcrc")


def _json(machine: Machine, relative: str) -> Any:
    path = machine.home / _CHROME / relative
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _preferences(machine: Machine) -> dict[str, Any]:
    data = _json(machine, "Default/Preferences")
    return data if isinstance(data, dict) else {}


def default_search_engine(machine: Machine, config: dict[str, Any]) -> Any:
    data = _preferences(machine).get("default_search_provider_data", {})
    return data.get("template_url_data", {}).get("short_name", "Google")


def profile_name(machine: Machine, config: dict[str, Any]) -> Any:
    return _preferences(machine).get("profile", {}).get("name")


def data_delete_automacally(machine: Machine, config: dict[str, Any]) -> str:
    profile = _preferences(machine).get("profile")
    if not isinstance(profile, dict):
        return "Google"  # OSWorld's answer when the file or key is missing
    return "true" if profile.get("default_content_setting_values") is not None else "false"


def enable_do_not_track(machine: Machine, config: dict[str, Any]) -> str:
    return "true" if _preferences(machine).get("enable_do_not_track", {}) else "false"


def enable_enhanced_safety_browsing(machine: Machine, config: dict[str, Any]) -> str:
    enhanced = _preferences(machine).get("safebrowsing", {}).get("enhanced", {})
    return "true" if enhanced else "false"


def chrome_font_size(machine: Machine, config: dict[str, Any]) -> Any:
    default = {"default_fixed_font_size": 13, "default_font_size": 16, "minimum_font_size": 13}
    return _preferences(machine).get("webkit", {}).get("webprefs", default)


def enabled_experiments(machine: Machine, config: dict[str, Any]) -> Any:
    data = _json(machine, "Local State")
    if not isinstance(data, dict):
        return []
    return data.get("browser", {}).get("enabled_labs_experiments", [])


def bookmarks(machine: Machine, config: dict[str, Any]) -> Any:
    data = _json(machine, "Default/Bookmarks")
    return data.get("roots", {}) if isinstance(data, dict) else []


Getter = Callable[[Machine, dict[str, Any]], Any]
GETTERS: dict[str, Getter] = {
    f.__name__: f
    for f in (
        vm_file,
        cloud_file,
        local_file,
        vm_command_line,
        vm_command_error,
        rule,
        gimp_config_file,
        vlc_config,
        default_search_engine,
        profile_name,
        data_delete_automacally,
        enable_do_not_track,
        enable_enhanced_safety_browsing,
        chrome_font_size,
        enabled_experiments,
        bookmarks,
    )
}
