"""Everything `agent run` does, as a library call: build the parts from a config, run, record.

from agent.runner import run
from agent.settings import ModelConfig, Settings
result = run(Settings(task="open a terminal", model=ModelConfig(model_url="http://localhost:8000/v1")))
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from agent import builder
from agent.console import Console
from agent.errors import AgentError
from agent.families.base import Family
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient
from agent.records import Observer, RunResult
from agent.resume import SavedRun, check_family, load_run, rebuild
from agent.settings import Settings
from agent.takeover import Takeover
from agent.trajectory import Recorder
from agent.workspace import note as workspace_note
from environments.base import Environment
from tools.mcp_config import ServerSpec
from tools.mcp_config import load_config as load_mcp_config

if TYPE_CHECKING:  # the MCP SDK takes a second to import: only runs with tools load it
    from tools.hub import ToolHub


def _watch_and_takeover(
    settings: Settings, env: Environment, console: Console, stack: contextlib.ExitStack
) -> Takeover | None:
    """Start the VNC view if asked; a takeover needs a terminal to read the keys from."""
    config = settings.environment
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


def run(settings: Settings, observers: list[Observer] | None = None) -> RunResult:
    """Run one task end to end and return its result; the record is in `result.run_dir`.

    With `settings.recording.resume` set to a run directory, the run continues from its last
    recorded step (same task, screen, grid and family), appending to the same record.
    """
    resume = settings.recording.resume
    saved = load_run(resume) if resume else None
    if saved is not None:
        settings = restored(settings, saved)
    stream = settings.model.stream or settings.recording.verbose
    model = builder.build_model(replace(settings.model, stream=stream))
    model_id = model.model  # fails fast, before a display is started, if no server answers
    resolution = builder.resolve_family(settings.family, model_id, settings.sources)
    builder.tell_model(model, model_id, resolution)
    if saved is not None:
        check_family(saved, resolution, settings.family.force_family)
    console = Console(settings.loop.max_steps, verbose=settings.recording.verbose)
    for note in resolution.notes:
        console.say(f"note: {note}")
    if saved is not None and settings.environment.display is None:
        console.say(
            f"note: resuming {saved.run_dir} on a fresh {settings.environment.env}: what the "
            "earlier run opened or typed on screen is gone; the model is told its own steps"
        )
    with builder.build_environment(settings.environment) as env, contextlib.ExitStack() as stack:
        hub = _start_tools(settings, env, console, stack)
        family = builder.build_family(
            settings,
            model_id,
            resolution,
            extra_tools=hub.schemas() if hub else (),
            grounding=builder.build_grounding(settings.model),
        )
        family, notes = builder.fit_to_server(model, family, env.screen_size, settings)
        for note in notes:
            console.say(f"note: {note}")
        takeover = _watch_and_takeover(settings, env, console, stack)
        out = settings.recording.out
        recorder = Recorder.resume(saved.run_dir) if saved else Recorder(out)
        if settings.environment.record_video:
            _record_video(env, recorder.dir, stack)
        loop = AgentLoop(
            env,
            model,
            family,
            LoopSettings(
                settings.loop.max_steps, settings.loop.timeout, settings.loop.max_failures
            ),
            [recorder, console, *(observers or [])],
            history=rebuild(saved, family, fresh=settings.environment.display is None)
            if saved
            else (),
            steps_done=len(saved.steps) if saved else 0,
            takeover=takeover,
            tools=hub,
        )
        task = settings.task
        if settings.tools.workspace is not None and saved is None:
            task = f"{task}\n\n{workspace_note(settings.tools.workspace, hub_writes(hub))}"
        result = loop.run(task, run_info(settings, model, family, env))
    usage = result.usage + saved.usage if saved else result.usage
    return replace(result, run_dir=str(recorder.dir), usage=usage)


def run_info(
    settings: Settings, model: ModelClient, family: Family, env: Environment
) -> dict[str, object]:
    """What the run header (run.json) records, the family and its preset included."""
    grid = family.grid(env.screen_size)
    tools = settings.tools
    return {
        "model": model.model,
        "model_url": settings.model.model_url,
        **family.info(),
        "grid": grid.kind,
        "env": settings.environment.env,
        "screen": list(env.screen_size),
        "image_size": list(grid.image),
        "thinking": family.setup.thinking,
        "max_steps": settings.loop.max_steps,
        "workspace": str(tools.workspace.resolve()) if tools.workspace else None,
        "mcp_config": str(tools.mcp_config.resolve()) if tools.mcp_config else None,
        "app_tools": tools.app_tools,
    }


# What a resumed run takes from its record unless the command line gives it again.
RESTORED = ("model_url", "model", "family", "thinking", "workspace", "mcp_config", "app_tools")
_PATHS = ("workspace", "mcp_config")


def restored(settings: Settings, saved: SavedRun) -> Settings:
    """The settings of a resumed run: its task, screen and environment from the record, and
    the model, family, thinking and tools it ran with unless given again on the command line."""
    values: dict[str, object] = {
        "task": saved.task,
        "screen": tuple(saved.info.get("screen", settings.environment.screen)),
        "grid": settings.family.grid or saved.info.get("grid"),
        "env": str(saved.info.get("env", settings.environment.env)),
    }
    for name in RESTORED:
        if name not in saved.info or settings.sources.get(name) == "command line":
            continue
        value = saved.info[name]
        values[name] = Path(value) if name in _PATHS and value is not None else value
    if values.get("family") is not None and "preset" not in settings.sources:
        values["preset"] = saved.info.get("preset")
    given = settings.sources.get("family_option") == "command line"
    if "family" in values and "family_options" in saved.info and not given:
        # the options the family used, defaults it chose included (a GUI-Owl phone's date)
        recorded = saved.info["family_options"].items()
        values["family_option"] = tuple(f"{name}={value}" for name, value in recorded)
    return settings.with_values(values)


def hub_writes(hub: ToolHub | None) -> bool:
    return hub is not None and hub.approval.mode != "read-only"


def _builtin_servers(settings: Settings, env: Environment) -> list[ServerSpec]:
    """Our own servers, bound to this run: files of the workspace, apps on the run's display."""
    config = settings.tools
    specs = []
    serve = ("-P", "-m", "agent.cli", "mcp", "serve")
    if config.workspace is not None:
        if not config.workspace.is_dir():
            raise AgentError(f"the workspace {config.workspace} is not a directory")
        root = str(config.workspace.resolve())
        specs.append(
            ServerSpec(
                "files",
                "stdio",
                command=sys.executable,
                args=(*serve, "filesystem", "--root", root),
                trust=True,  # ours: its read-only hints decide which calls need approval
            )
        )
    if config.app_tools:
        from environments.desktop import DesktopEnvironment

        if not isinstance(env, DesktopEnvironment):
            raise AgentError("--app-tools needs the desktop environment")
        argv = (*serve, "apps", "--display", env.display.name)
        specs.append(
            ServerSpec(
                "apps", "stdio", command=sys.executable, args=argv, env=env.display.env, trust=True
            )
        )
    return specs


def _start_tools(
    settings: Settings, env: Environment, console: Console, stack: contextlib.ExitStack
) -> ToolHub | None:
    """MCP servers (built-in and from --mcp-config), started before the run, closed after it."""
    config = settings.tools
    specs = _builtin_servers(settings, env)
    if config.mcp_config is not None:
        specs += load_mcp_config(config.mcp_config)
    if not specs:
        return None
    from tools.hub import Approval, ToolHub

    mode = config.approve or ("ask" if sys.stdin.isatty() else "read-only")
    hub = ToolHub(specs, Approval(mode, console.ask))
    stack.callback(hub.close)
    console.say(f"MCP tools: {', '.join(hub.tools) or 'none'} (approval: {mode})")
    if config.workspace is not None:
        console.say(f"workspace: {config.workspace.resolve()} ({_access(mode)})")
    return hub


def _access(mode: str) -> str:
    if mode == "read-only":
        return (
            "read-only: nobody at a terminal to approve writes; "
            "--approve auto lets the agent write there"
        )
    if mode == "auto":
        return "the agent may write there (--approve auto)"
    return "the agent may write there once you approve each change"
