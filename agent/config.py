"""Defaults for the flags of `agent run`, `bench`, `doctor` and `config show` from
`agent.toml`: the user's config directory, then the working directory; flags given on the
command line win over both.

    # agent.toml
    model-url = "http://gpu-box:8000/v1"
    max-steps = 50
    thinking = false
    screen = "1920x1080"
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from agent.errors import AgentError

FILE_NAME = "agent.toml"
_SECRET = {"api_key"}


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str  # "default", a file path, or "command line"


def config_files(cwd: Path | None = None, env: Mapping[str, str] = os.environ) -> list[Path]:
    """The files that exist, lowest precedence first."""
    base = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME", "~")).expanduser() / ".config")
    candidates = [base / "agent" / FILE_NAME, (cwd or Path.cwd()) / FILE_NAME]
    return [path for path in candidates if path.is_file()]


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {
        action.dest: action
        for action in parser._actions
        if action.option_strings and action.dest not in ("help",)
    }


def load(parser: argparse.ArgumentParser, files: list[Path]) -> dict[str, Setting]:
    """Every option of `parser` with its value and where the value came from."""
    return load_all({"run": parser}, files)


def load_all(
    parsers: Mapping[str, argparse.ArgumentParser], files: list[Path]
) -> dict[str, Setting]:
    """Every option of any of the commands' parsers, with its value and where it came from.

    A key of the files must be an option of at least one command; each command takes the
    keys it has (`apply`)."""
    options: dict[str, argparse.Action] = {}
    for command_parser in parsers.values():
        for dest, action in _options(command_parser).items():
            options.setdefault(dest, action)
    settings = {dest: Setting(action.default, "default") for dest, action in options.items()}
    for path in files:
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise AgentError(f"{path} is not valid TOML: {exc}") from exc
        for key, raw in data.items():
            dest = key.replace("-", "_")
            if dest not in options:
                known = ", ".join(sorted(d.replace("_", "-") for d in options))
                raise AgentError(f"{path}: unknown setting {key!r}; the settings are: {known}")
            settings[dest] = Setting(_convert(options[dest], raw, path, key), str(path))
    return settings


def sources(
    parser: argparse.ArgumentParser, args: argparse.Namespace, settings: dict[str, Setting]
) -> dict[str, str]:
    """Where each option of a parsed command that is not at its default came from."""
    found = {}
    for dest, action in _options(parser).items():
        value = getattr(args, dest, None)
        setting = settings.get(dest)
        if setting is not None and setting.source != "default" and value == setting.value:
            found[dest] = setting.source
        elif value != action.default:
            found[dest] = "command line"
    return found


def _convert(action: argparse.Action, raw: Any, path: Path, key: str) -> Any:
    if isinstance(action, argparse._AppendAction):  # a list, or one value of it
        items = raw if isinstance(raw, list) else [raw]
        return [_convert_one(action, item, path, key) for item in items]
    return _convert_one(action, raw, path, key)


def _convert_one(action: argparse.Action, raw: Any, path: Path, key: str) -> Any:
    if action.type is not None and isinstance(raw, str | int | float) and not isinstance(raw, bool):
        try:
            convert = cast(Callable[[str], Any], action.type)
            return convert(str(raw))
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise AgentError(f"{path}: {key} = {raw!r}: {exc}") from exc
    if action.choices is not None and raw not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise AgentError(f"{path}: {key} = {raw!r}: choose from {choices}")
    return raw


def apply(parser: argparse.ArgumentParser, settings: dict[str, Setting]) -> None:
    """Make the files' values the parser's defaults (for the options it has)."""
    mine = _options(parser)
    parser.set_defaults(
        **{d: s.value for d, s in settings.items() if s.source != "default" and d in mine}
    )


def show(settings: dict[str, Setting]) -> str:
    width = max(len(dest) for dest in settings) + 2
    rows = []
    for dest, setting in sorted(settings.items()):
        value = setting.value
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, tuple):
            value = "x".join(map(str, value))
        elif dest in _SECRET and value:
            value = "****"
        rows.append(f"{dest.replace('_', '-'):<{width}} {value!s:<28} ({setting.source})")
    return "\n".join(rows)
