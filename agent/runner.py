"""Everything `agent run` does, as a library call: build the parts from a config, run, record.

from agent.runner import RunConfig, run
result = run(RunConfig(task="open mousepad and write a haiku", model_url="http://localhost:8000/v1"))
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agent.console import Console
from agent.errors import AgentError
from agent.grid import GridKind
from agent.loop import AgentLoop, LoopSettings
from agent.model import DEFAULT_URL, ModelClient, ModelSettings
from agent.protocols.qwen import QwenComputerUse, QwenSettings, QwenTool
from agent.protocols.qwen_mobile import MobileActionSet, QwenMobileUse
from agent.records import Observer, RunResult
from agent.resume import load_run, rebuild
from agent.takeover import Takeover
from agent.trajectory import Recorder
from environments.base import Environment
from tools.mcp_config import ServerSpec
from tools.mcp_config import load_config as load_mcp_config

if TYPE_CHECKING:  # the MCP SDK takes a second to import: only runs with tools load it
    from tools.hub import ApprovalMode, ToolHub


@dataclass
class RunConfig:
    task: str
    model_url: str = DEFAULT_URL
    model: str | None = None
    api_key: str | None = None
    thinking: bool = True
    grid: GridKind | None = None
    env: str = "desktop"
    display: str | None = None
    screen: tuple[int, int] = (1280, 800)
    max_steps: int = 30
    timeout: float | None = None
    out: Path = Path("runs")
    verbose: bool = False
    stream: bool = False
    max_tokens: int = 8192
    history_images: int = 3
    max_pixels: int = 1280 * 800
    sampling: dict[str, float] = field(default_factory=dict)
    request_timeout: float = 300.0
    resume: Path | None = None
    vnc: int | None = None  # a port; 0 picks a free one
    takeover: bool = False
    record_video: bool = False
    mcp_config: Path | None = None
    approve: ApprovalMode | None = None  # None: ask on a terminal, read-only otherwise
    app_tools: bool = False
    workspace: Path | None = None
    device: str | None = None  # an adb serial; None: the only device adb lists
    adb_host: str = "127.0.0.1"
    adb_port: int | None = None  # None: $ANDROID_ADB_SERVER_PORT or 5037
    connect: str | None = None  # HOST:PORT to `adb connect` before the run
    mobile_actions: MobileActionSet = "tool"


def build_model(config: RunConfig) -> ModelClient:
    return ModelClient(
        ModelSettings(
            base_url=config.model_url,
            api_key=config.api_key,
            model=config.model,
            thinking=config.thinking,
            sampling=dict(config.sampling),
            max_tokens=config.max_tokens,
            timeout=config.request_timeout,
            stream=config.stream or config.verbose,
        )
    )


def build_environment(config: RunConfig) -> Environment:
    if config.env == "desktop":
        from environments.desktop import DesktopEnvironment, DesktopSettings

        return DesktopEnvironment(DesktopSettings(screen=config.screen, display=config.display))
    if config.env == "android":
        from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings

        adb = AdbSettings(serial=config.device, host=config.adb_host, connect=config.connect)
        if config.adb_port is not None:
            adb = replace(adb, port=config.adb_port)
        return AndroidEnvironment(AndroidSettings(adb=adb))
    raise AgentError(f"unknown environment {config.env!r}: the environments are desktop, android")


def build_protocol(
    config: RunConfig, model_id: str, hub: ToolHub | None
) -> QwenComputerUse | QwenMobileUse:
    """mobile_use on a phone, computer_use on a desktop, with the run's MCP tools beside it."""
    settings = QwenSettings(
        grid=config.grid, max_pixels=config.max_pixels, history_images=config.history_images
    )
    extra = hub.schemas() if hub else []
    if config.env == "android":
        return QwenMobileUse(settings, model_id, extra, action_set=config.mobile_actions)
    return QwenComputerUse(settings, model=model_id, extra_tools=extra)


def _watch_and_takeover(
    config: RunConfig, env: Environment, console: Console, stack: contextlib.ExitStack
) -> Takeover | None:
    """Start the VNC view if asked; a takeover needs a terminal to read the keys from."""
    where = f"display {config.display}" if config.display else "the display"
    if config.vnc is not None:
        from environments.desktop import DesktopEnvironment
        from environments.desktop.vnc import VncServer

        if not isinstance(env, DesktopEnvironment):
            raise AgentError("--vnc needs the desktop environment")
        vnc = VncServer(env.display, config.vnc, view_only=not config.takeover)
        mode = "view and control" if config.takeover else "view only"
        console.say(f"watch: {vnc.url} ({mode}), password {vnc.password}")
        where = vnc.url
    if not config.takeover:
        return None
    if not Takeover.available():
        console.say("takeover: standard input is not a terminal, so no key can pause the run")
        return None
    takeover = Takeover(console.say, where)
    stack.callback(takeover.close)
    return takeover


def _record_video(env: Environment, run_dir: Path, stack: contextlib.ExitStack) -> None:
    from environments.desktop import DesktopEnvironment
    from environments.desktop.video import ScreenRecorder

    if not isinstance(env, DesktopEnvironment):
        raise AgentError("--record-video needs the desktop environment")
    name = "screen.mp4" if not (run_dir / "screen.mp4").exists() else "screen-resumed.mp4"
    video = ScreenRecorder(env.display, env.screen_size, run_dir / name)
    stack.callback(video.stop)


def run(config: RunConfig, observers: list[Observer] | None = None) -> RunResult:
    """Run one task end to end and return its result; the record is in `result.run_dir`.

    With `config.resume` set to a run directory, the run continues from its last recorded step
    (same task, screen and grid), appending to the same record.
    """
    saved = load_run(config.resume) if config.resume else None
    if saved is not None:
        config = replace(
            config,
            task=saved.task,
            screen=tuple(saved.info.get("screen", config.screen)),  # type: ignore[arg-type]
            grid=config.grid or saved.info.get("grid"),
            env=str(saved.info.get("env", config.env)),
        )
    model = build_model(config)
    model_id = model.model  # fails fast, before a display is started, if no server answers
    console = Console(config.max_steps, verbose=config.verbose)
    with build_environment(config) as env, contextlib.ExitStack() as stack:
        hub = _start_tools(config, env, console, stack)
        protocol = build_protocol(config, model_id, hub)
        takeover = _watch_and_takeover(config, env, console, stack)
        recorder = Recorder.resume(saved.run_dir) if saved else Recorder(config.out)
        if config.record_video:
            _record_video(env, recorder.dir, stack)
        loop = AgentLoop(
            env,
            model,
            protocol,
            LoopSettings(max_steps=config.max_steps, timeout=config.timeout),
            [recorder, console, *(observers or [])],
            history=rebuild(saved, protocol) if saved else (),
            steps_done=len(saved.steps) if saved else 0,
            takeover=takeover,
            tools=hub,
        )
        result = loop.run(config.task, _info(config, model, protocol, env))
    usage = result.usage + saved.usage if saved else result.usage
    return replace(result, run_dir=str(recorder.dir), usage=usage)


def _info(
    config: RunConfig, model: ModelClient, protocol: QwenTool, env: Environment
) -> dict[str, object]:
    return {
        "model": model.model,
        "model_url": config.model_url,
        "protocol": protocol.name,
        "grid": protocol.grid_kind,
        "env": config.env,
        "screen": list(env.screen_size),
        "image_size": list(protocol.image_size(env.screen_size)),
        "thinking": config.thinking,
        "max_steps": config.max_steps,
    }


def _builtin_servers(config: RunConfig, env: Environment) -> list[ServerSpec]:
    """Our own servers, bound to this run: files of the workspace, apps on the run's display."""
    specs = []
    serve = ("-m", "agent.cli", "mcp", "serve")
    if config.workspace is not None:
        if not config.workspace.is_dir():
            raise AgentError(f"the workspace {config.workspace} is not a directory")
        root = str(config.workspace.resolve())
        specs.append(
            ServerSpec("files", "stdio", command=sys.executable,
                       args=(*serve, "filesystem", "--root", root))
        )  # fmt: skip
    if config.app_tools:
        from environments.desktop import DesktopEnvironment

        if not isinstance(env, DesktopEnvironment):
            raise AgentError("--app-tools needs the desktop environment")
        argv = (*serve, "apps", "--display", env.display.name)
        specs.append(
            ServerSpec("apps", "stdio", command=sys.executable, args=argv, env=env.display.env)
        )
    return specs


def _start_tools(
    config: RunConfig, env: Environment, console: Console, stack: contextlib.ExitStack
) -> ToolHub | None:
    """MCP servers (built-in and from --mcp-config), started before the run, closed after it."""
    specs = _builtin_servers(config, env)
    if config.mcp_config is not None:
        specs += load_mcp_config(config.mcp_config)
    if not specs:
        return None
    from tools.hub import Approval, ToolHub

    mode = config.approve or ("ask" if sys.stdin.isatty() else "read-only")
    hub = ToolHub(specs, Approval(mode, _ask_on_terminal))
    stack.callback(hub.close)
    console.say(f"MCP tools: {', '.join(hub.tools) or 'none'} (approval: {mode})")
    return hub


def _ask_on_terminal(question: str) -> bool:
    return input(question).strip().lower() in ("y", "yes")
