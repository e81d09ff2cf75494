"""The options of `agent run`, `agent bench` and `agent doctor`, declared once, and how parsed
flags become `Settings`.

Every option names the commands it belongs to. An option of `run` that makes no sense for a
suite (the task's own screen, one run's display or record) says why in `RUN_ONLY`; every other
run option is a bench option too and reaches its workers. Defaults come from `agent.settings`.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.settings import DEFAULT_SCREEN, Settings, default, setting_names

RUN, BENCH, DOCTOR, CONFIG = "run", "bench", "doctor", "config"
AGENT = (RUN, BENCH, DOCTOR, CONFIG)  # options of the agent itself
SUITE = (RUN, BENCH, CONFIG)

# Run options that a suite does not take, and why.
RUN_ONLY = {
    "resume": "bench has its own --resume (skip tasks already scored)",
    "timeout": "bench has --task-timeout",
    "env": "each task names its environment",
    "display": "each task gets a private display",
    "screen": "each task names its screen size",
    "vnc": "one run's view",
    "takeover": "one run's terminal",
    "record_video": "one run's record",
    "device": "bench tasks run on a virtual phone of their own",
    "connect": "bench tasks run on a virtual phone of their own",
    "adb_host": "bench tasks run on a private adb server",
    "adb_port": "bench tasks run on a private adb server",
    "display_id": "bench tasks run on a virtual phone of their own",
    "mcp_config": "each task names its tools",
    "approve": "bench approves the tools its tasks name",
    "workspace": "each task gets a workspace of its own",
    "app_tools": "each task names its tools",
    "out": "bench has its own --out (results and records)",
    "verbose": "workers run without a terminal",
    "force_family": "bench records are never resumed",
    "screenshot_only": "a look at one fresh environment before a run",
}


def screen_size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"screen size is WIDTHxHEIGHT, e.g. 1280x800, not {value!r}"
        ) from None
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError(f"screen {value} is too small: at least 320x240")
    return width, height


def positive(kind: type) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {value}")
        return number

    return parse


def family_option(value: str) -> str:
    """`NAME=VALUE`, checked for its form here; the family checks name and value."""
    name, sep, _ = value.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"a family option is NAME=VALUE, e.g. level=l3, not {value!r}"
        )
    return value


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    group: str
    commands: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def dest(self) -> str:
        return str(self.kwargs.get("dest") or self.flags[0].lstrip("-").replace("-", "_"))


def _o(*flags: str, group: str, commands: tuple[str, ...] = SUITE, **kwargs: Any) -> Option:
    return Option(flags, group, commands, kwargs)


_PRESET = "(default: the model's preset)"
OPTIONS: tuple[Option, ...] = (
    _o(
        "--resume",
        group="run",
        commands=(RUN,),
        type=Path,
        metavar="RUN_DIR",
        help="continue an interrupted run from its record: its task, model, family, workspace "
        "and tools come from the record (default: a new run)",
    ),
    _o(
        "--model-url",
        group="model",
        commands=AGENT,
        default=default("model_url"),
        help="OpenAI-compatible base URL (default: %(default)s)",
    ),
    _o(
        "--model",
        group="model",
        commands=AGENT,
        help="served model id (default: the first one the server lists)",
    ),
    _o(
        "--api-key",
        group="model",
        commands=AGENT,
        help="API key, if the server needs one (default: $OPENAI_API_KEY, else none)",
    ),
    _o(
        "--grounding-url",
        group="model",
        help="a second server for the grounding model of a composed family (default: none)",
    ),
    _o(
        "--grounding-model",
        group="model",
        help="the grounding server's model id (default: the first one it lists)",
    ),
    _o(
        "--request-timeout",
        group="model",
        type=positive(float),
        default=default("request_timeout"),
        help="seconds per model request (default: %(default)s)",
    ),
    _o(
        "--stall-timeout",
        group="model",
        type=positive(float),
        default=default("stall_timeout"),
        help="seconds an answer may go without a new token or byte before it is cut and "
        "retried (default: %(default)s)",
    ),
    _o(
        "--check-images",
        group="model",
        action=argparse.BooleanOptionalAction,
        help="before the first step, check that the server takes the history's images "
        "(default: on)",
    ),
    _o(
        "--stream",
        group="model",
        action="store_true",
        help="stream replies (default: off; on with -v)",
    ),
    _o(
        "--family",
        group="family",
        commands=AGENT,
        help="the model family (default: from the model id; see `agent config show`)",
    ),
    _o(
        "--preset",
        group="family",
        commands=AGENT,
        help="a preset of the family's table (default: from the model id)",
    ),
    _o(
        "--force-family",
        group="family",
        commands=(RUN, CONFIG),
        action="store_true",
        help="resume a run recorded with another family (default: refuse)",
    ),
    _o(
        "--thinking",
        group="family",
        commands=AGENT,
        action=argparse.BooleanOptionalAction,
        help=f"thinking mode {_PRESET}",
    ),
    _o("--sampling", group="family", help=f"a named sampling choice, e.g. precise {_PRESET}"),
    _o("--temperature", group="family", type=float, help=f"sampling temperature {_PRESET}"),
    _o("--top-p", group="family", type=float, help=f"sampling top_p {_PRESET}"),
    _o("--top-k", group="family", type=int, help=f"sampling top_k {_PRESET}"),
    _o("--presence-penalty", group="family", type=float, help=f"presence penalty {_PRESET}"),
    _o(
        "--max-tokens",
        group="family",
        commands=AGENT,
        type=positive(int),
        help=f"reply budget, reasoning included {_PRESET}",
    ),
    _o(
        "--grid",
        group="family",
        choices=["relative", "absolute"],
        help=f"coordinate grid {_PRESET}",
    ),
    _o(
        "--divisor",
        group="family",
        type=positive(int),
        help=f"the relative grid's scale (1000 or 999) {_PRESET}",
    ),
    _o(
        "--max-pixels",
        group="family",
        commands=AGENT,
        type=positive(int),
        help=f"pixel budget of a screenshot sent to the model {_PRESET}",
    ),
    _o(
        "--history-images",
        group="family",
        commands=AGENT,
        type=positive(int),
        help=f"screenshots kept in the prompt {_PRESET}",
    ),
    _o(
        "--response-format",
        group="family",
        commands=AGENT,
        choices=["action", "tool_call"],
        help="the conversation: the makers' (an Action line and a tool call in the text, "
        f"earlier steps as text) or structured tool calls with tool results {_PRESET}",
    ),
    _o(
        "--family-option",
        group="family",
        commands=AGENT,
        action="append",
        type=family_option,
        metavar="NAME=VALUE",
        help="one of the family's own options, e.g. level=l3 (opencua), language=Chinese "
        "(ui-tars), grounder=qwen3-vl (composed), mobile_actions=notebook (qwen); again for "
        "more; `agent families` lists them (default: each option's own)",
    ),
    _o(
        "--env",
        group="environment",
        commands=(RUN, DOCTOR, CONFIG),
        choices=["desktop", "android"],
        default=default("env"),
        help="a virtual desktop or an Android device over adb (default: %(default)s)",
    ),
    _o(
        "--vnc",
        group="environment",
        commands=(RUN, CONFIG),
        type=int,
        nargs="?",
        const=0,
        metavar="PORT",
        help="serve the display over VNC on 127.0.0.1 (a free port unless given); view-only "
        "(default: no VNC)",
    ),
    _o(
        "--takeover",
        group="environment",
        commands=(RUN, CONFIG),
        action="store_true",
        help="a key pressed in the terminal pauses the agent so you can act; another hands back "
        "(default: off)",
    ),
    _o(
        "--display",
        group="environment",
        commands=(RUN, CONFIG),
        help="attach to this X display (e.g. :1) instead of starting a private one "
        "(default: a private one)",
    ),
    _o(
        "--screen",
        group="environment",
        commands=(RUN, CONFIG),
        type=screen_size,
        default=DEFAULT_SCREEN,
        help="virtual screen WxH (default: {}x{})".format(*DEFAULT_SCREEN),
    ),
    _o(
        "--device",
        group="android (with --env android)",
        commands=(RUN, DOCTOR, CONFIG),
        metavar="SERIAL",
        help="adb serial (default: the only device)",
    ),
    _o(
        "--connect",
        group="android (with --env android)",
        commands=(RUN, CONFIG),
        metavar="HOST:PORT",
        help="`adb connect` to it first (default: no connect)",
    ),
    _o(
        "--adb-host",
        group="android (with --env android)",
        commands=(RUN, CONFIG),
        default=default("adb_host"),
        help="adb server host (default: %(default)s)",
    ),
    _o(
        "--adb-port",
        group="android (with --env android)",
        commands=(RUN, CONFIG),
        type=positive(int),
        help="adb server port (default: $ANDROID_ADB_SERVER_PORT, else 5037)",
    ),
    _o(
        "--display-id",
        group="android (with --env android)",
        commands=(RUN, DOCTOR, CONFIG),
        help="the phone's display, as `agent doctor --env android` lists them "
        "(default: the primary one)",
    ),
    _o(
        "--mcp-config",
        group="tools",
        commands=(RUN, CONFIG),
        type=Path,
        metavar="FILE",
        help='MCP servers in the common {"mcpServers": {...}} shape, offered next to the GUI '
        "(default: none)",
    ),
    _o(
        "--approve",
        group="tools",
        commands=(RUN, CONFIG),
        choices=["ask", "auto", "read-only"],
        help="tools not marked read-only: ask, auto, or read-only (refuse them) "
        "(default: ask on a terminal, else read-only)",
    ),
    _o(
        "--workspace",
        group="tools",
        commands=(RUN, CONFIG),
        type=Path,
        metavar="DIR",
        help="offer the built-in filesystem MCP server, rooted at DIR (the only files it touches; "
        "default: ./workspace if there is one, else the working directory unless it is your "
        "home or the root)",
    ),
    _o(
        "--app-tools",
        group="tools",
        commands=(RUN, CONFIG),
        action="store_true",
        help="offer the built-in apps MCP server (list and launch apps, focus and close windows; "
        "default: off)",
    ),
    _o(
        "--max-steps",
        group="budget and output",
        type=positive(int),
        help=f"steps per run (default: {default('max_steps')}; bench: each task's own)",
    ),
    _o(
        "--timeout",
        group="budget and output",
        commands=(RUN, CONFIG),
        type=positive(float),
        help="seconds for the whole run (default: no limit)",
    ),
    _o(
        "--out",
        group="budget and output",
        commands=(RUN, CONFIG),
        type=Path,
        default=default("out"),
        help="where run records go (default: %(default)s)",
    ),
    _o(
        "--verbose",
        "-v",
        group="budget and output",
        commands=(RUN, CONFIG),
        action="store_true",
        help="show the model's reasoning as it arrives (default: off)",
    ),
    _o(
        "--record-video",
        group="budget and output",
        commands=(RUN, CONFIG),
        action="store_true",
        help="write screen.mp4 of the display into the record (default: off)",
    ),
    _o(
        "--screenshot-only",
        group="environment",
        commands=(RUN,),
        action="store_true",
        help="start the environment, save the screenshot the model would see first into --out, "
        "print where, and stop (no model server needed; default: off)",
    ),
)


def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add every option of `command` to its parser, in option groups."""
    groups: dict[str, argparse._ActionsContainer] = {}
    for option in OPTIONS:
        if command not in option.commands:
            continue
        if option.group not in groups:
            groups[option.group] = parser.add_argument_group(option.group)
        kwargs = dict(option.kwargs)
        if option.dest == "api_key":
            kwargs["default"] = os.environ.get("OPENAI_API_KEY")
        groups[option.group].add_argument(*option.flags, **kwargs)


def described_default(name: str) -> str | None:
    """The default an option's help text names, e.g. "the first one the server lists"."""
    for option in OPTIONS:
        if option.dest == name:
            found = re.search(r"default: (.*)\)$", str(option.kwargs.get("help", "")))
            return found.group(1) if found else None
    return None


def option_names(command: str) -> list[str]:
    return [o.dest for o in OPTIONS if command in o.commands]


def settings_from(
    args: argparse.Namespace,
    sources: dict[str, str] | None = None,
    task: str | None = None,
    command: str | None = None,
) -> Settings:
    """Settings from parsed flags (options left unset keep the settings' defaults).

    `sources` says where values not at their default came from (a file, "command line"); it
    is kept with the settings for `config show` and the family's resolution."""
    names = set(setting_names()) & set(option_names(command or args.command))
    values = {
        name: tuple(v) if isinstance(v, list) else v
        for name, v in vars(args).items()
        if name in names and v is not None
    }
    text = task if task is not None else getattr(args, "task", None) or ""
    return Settings(task=text).with_values(values).with_sources(sources or {})
