"""One task in one process (pyautogui drives one display per process): set up a fresh desktop
or virtual phone, attempt the task, evaluate the real end state, tear everything down, print
the result as JSON.

    python -m tasks.worker TASK.yaml --out DIR (--oracle | --model-url URL [--model NAME])
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.protocols.qwen import QwenComputerUse, QwenSettings, QwenTool
from agent.protocols.qwen_mobile import QwenMobileUse
from agent.records import RunResult
from agent.scripted import ScriptedModelServer, ScriptedTurn
from agent.trajectory import Recorder
from environments.base import Environment
from environments.desktop import DesktopEnvironment, DesktopSettings
from tasks.bench import skipped
from tasks.evaluators import Probe, evaluate_one
from tasks.open_with import open_argv
from tasks.oracle import oracle_replies
from tasks.spec import Step, Task, load_task

if TYPE_CHECKING:
    from tools.hub import ToolHub


def _filled(argv: list[str], workspace: Path) -> list[str]:
    return [part.replace("{workspace}", str(workspace)) for part in argv]


def _setup(
    task: Task, steps: tuple[Step, ...], env: DesktopEnvironment, workspace: Path, home: Path
) -> None:
    extra = {"HOME": str(home)}
    for step in steps:
        args = step.args
        if step.kind == "write_file":
            target = workspace / args["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            if "from" in args:
                shutil.copyfile(task.path.parent / args["from"], target)
            else:
                target.write_text(args.get("content", ""), encoding="utf-8")
        elif step.kind == "run":
            subprocess.run(["bash", "-c", args["value"]], cwd=workspace, check=True, timeout=60,
                           env=env.display.child_env(extra))  # fmt: skip
        elif step.kind == "execute":  # OSWorld's: a command that fails does not stop the setup
            subprocess.run(_filled(args["value"], workspace), cwd=workspace, timeout=60,
                           env=env.display.child_env(extra), capture_output=True)  # fmt: skip
        elif step.kind == "launch":
            env.launch(_filled(args["value"], workspace), extra)
        elif step.kind == "open":
            known = {window.id for window in env.windows()}
            env.launch(open_argv(workspace / args["value"], home / "browser"), extra)
            env.wait_for_new_window(known, float(args.get("timeout", 30)))
        elif step.kind == "wait_window":
            env.wait_for_window(args["value"], float(args.get("timeout", 15)))
        elif step.kind == "sleep":
            time.sleep(float(args["value"]))
        elif step.kind.startswith("osworld_"):
            from tasks.osworld.runtime import run_step

            run_step(step, env, home)


def _hub(task: Task, workspace: Path, stack: contextlib.ExitStack) -> ToolHub | None:
    if "files" not in task.tools:
        return None
    from tools.hub import Approval, ToolHub  # mcp takes a second to import: only when needed
    from tools.mcp_config import ServerSpec

    serve = ("-m", "agent.cli", "mcp", "serve", "filesystem", "--root", str(workspace))
    hub = ToolHub([ServerSpec("files", "stdio", command=sys.executable, args=serve)],
                  Approval("auto"))  # fmt: skip
    stack.callback(hub.close)
    return hub


def _evaluate(task: Task, probe: Probe) -> tuple[float, list[str]]:
    scores, errors = [], []
    for step in task.evaluators:
        score, error = evaluate_one(probe, step.kind, step.args)
        scores.append(score)
        errors += [error] if error else []
    return (min(scores) if scores else 0.0), errors


def _attempt(
    task: Task,
    env: Environment,
    protocol: QwenTool,
    replies: Callable[[dict[str, Any]], ScriptedTurn] | None,
    model: ModelSettings,
    folder: Path,
    stack: contextlib.ExitStack,
    hub: ToolHub | None = None,
    instruction: str | None = None,
) -> tuple[RunResult, Path]:
    """The agent loop on a set-up environment; `replies` (the oracle) stands in for the model."""
    if replies is not None:
        server = stack.enter_context(ScriptedModelServer(replies))
        model = ModelSettings(base_url=server.url, model=None, max_retries=1)
    client = ModelClient(model)
    recorder = Recorder(folder, run_id="run")
    loop = AgentLoop(env, client, protocol, LoopSettings(max_steps=task.max_steps),
                     [recorder], tools=hub)  # fmt: skip
    result = loop.run(instruction or task.instruction, {"task": task.id, "model": client.model})
    return result, recorder.dir


def _on_desktop(
    task: Task, folder: Path, oracle: bool, model: ModelSettings
) -> tuple[RunResult, Path, float, list[str]]:
    workspace, home = folder / "workspace", folder / "home"
    if task.path.suffix == ".json":  # OSWorld's /home/user is the workspace and the HOME
        home = workspace
    workspace.mkdir(parents=True)
    home.mkdir(exist_ok=True)
    with (
        DesktopEnvironment(DesktopSettings(screen=task.screen)) as env,
        contextlib.ExitStack() as stack,
    ):
        _setup(task, task.setup, env, workspace, home)
        hub = _hub(task, workspace, stack)
        protocol = QwenComputerUse(QwenSettings(), model=model.model or "",
                                   extra_tools=hub.schemas() if hub else [])  # fmt: skip
        replies = oracle_replies(task, env, protocol) if oracle else None
        instruction = task.instruction.replace("{workspace}", str(workspace))
        result, run_dir = _attempt(task, env, protocol, replies, model, folder, stack, hub,
                                   instruction)  # fmt: skip
        _setup(task, task.postconfig, env, workspace, home)
        probe = Probe(workspace, result.status, result.answer,
                      tuple(w.title for w in env.windows()), env.display.child_env())  # fmt: skip
        return (result, run_dir, *_evaluate(task, probe))


def _on_phone(
    task: Task, folder: Path, oracle: bool, model: ModelSettings
) -> tuple[RunResult, Path, float, list[str]]:
    from tasks.android import phone_session, setup_phone

    folder.mkdir(parents=True)
    with phone_session(task) as env, contextlib.ExitStack() as stack:
        setup_phone(task, task.setup, env)
        protocol = QwenMobileUse(QwenSettings(), model=model.model or "")
        replies = oracle_replies(task, env, protocol) if oracle else None
        result, run_dir = _attempt(task, env, protocol, replies, model, folder, stack)
        probe = Probe(folder, result.status, result.answer, (), {}, device=env.device)
        return (result, run_dir, *_evaluate(task, probe))


def run_task(task: Task, out: Path, oracle: bool, model: ModelSettings) -> dict[str, Any]:
    started = time.monotonic()
    folder = out / task.id
    shutil.rmtree(folder, ignore_errors=True)
    attempt = _on_phone if task.environment == "android" else _on_desktop
    result, run_dir, score, errors = attempt(task, folder, oracle, model)
    return {
        "id": task.id,
        "app": task.app,
        "score": score,
        "status": result.status,
        "reason": result.reason.splitlines()[0],
        "steps": result.steps,
        "seconds": round(time.monotonic() - started, 2),
        "tokens": result.usage.prompt_tokens + result.usage.completion_tokens,
        "run_dir": str(run_dir),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.worker")
    parser.add_argument("task", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--model-url")
    parser.add_argument("--model")
    parser.add_argument("--api-key")
    parser.add_argument("--cache", type=Path, help="OSWorld's download cache")
    args = parser.parse_args(argv)
    model = ModelSettings(base_url=args.model_url or "", model=args.model, api_key=args.api_key)
    task = load_task(args.task, args.cache)
    record = skipped(task) if task.unsupported else run_task(task, args.out, args.oracle, model)
    print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
