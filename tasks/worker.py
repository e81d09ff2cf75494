"""One task in one process (pyautogui drives one display per process): set up a fresh desktop
or virtual phone, attempt the task, evaluate the real end state, tear everything down, print
the result as JSON.

    python -P -m tasks.worker TASK.yaml --out DIR [--oracle] [--settings JSON]

`--settings` carries the agent's settings (`agent.settings.Settings.to_json`: model, family
and loop groups) from `agent bench`; the agent is built from them by `agent.builder`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent import builder
from agent.families.base import EnvironmentKind, Family
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient
from agent.records import RunResult
from agent.settings import Settings
from agent.trajectory import Recorder
from environments.base import Environment
from environments.desktop import DesktopEnvironment, DesktopSettings
from environments.desktop.session import SessionRunner
from tasks.bench import skipped
from tasks.evaluators import Probe, judge_one
from tasks.open_with import open_argv
from tasks.oracle import oracle_replies
from tasks.spec import Step, Task, load_task

if TYPE_CHECKING:
    from agent.scripted import ScriptedTurn
    from tools.hub import ToolHub

# The model id a scripted oracle serves when none is given: it matches no preset, so the
# family (--family, else the first registered) plays with its fallback preset.
ORACLE_MODEL = "oracle"
# The grounding model a scripted oracle serves beside it (a family that composes a planner and
# a grounder answers its requests through `grounding_wire`).
ORACLE_GROUNDER = "Qwen/Qwen3-VL-8B-Instruct"


def _filled(argv: list[str], workspace: Path) -> list[str]:
    return [part.replace("{workspace}", str(workspace)) for part in argv]


def _setup(
    task: Task, steps: tuple[Step, ...], env: DesktopEnvironment, workspace: Path, home: Path
) -> None:
    extra: dict[str, str] = {}  # HOME, the XDG dirs and the bus are the display's session's
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
            runner = env.display.runner(extra)
            runner.run(["bash", "-c", args["value"]], workspace, 60, check=True, capture=False)
        elif step.kind == "execute":  # OSWorld's: a command that fails does not stop the setup
            env.display.runner(extra).run(_filled(args["value"], workspace), workspace, 60)
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

    serve = ("-P", "-m", "agent.cli", "mcp", "serve", "filesystem", "--root", str(workspace))
    hub = ToolHub([ServerSpec("files", "stdio", command=sys.executable, args=serve)],
                  Approval("auto"))  # fmt: skip
    stack.callback(hub.close)
    return hub


def _evaluate(task: Task, probe: Probe) -> tuple[float, list[str], list[str]]:
    """The task's score (the lowest of its evaluators), the evaluators' errors, and for each
    evaluator that fell short what it expected and what it found."""
    scores, errors, whys = [], [], []
    for step in task.evaluators:
        verdict = judge_one(probe, step.kind, step.args)
        scores.append(verdict.score)
        errors += [verdict.error] if verdict.error else []
        whys += [verdict.why] if verdict.why and verdict.score < 1.0 else []
    return (min(scores) if scores else 0.0), errors, whys


class Agent:
    """The model client and the family of one task, built from the settings; with the oracle,
    a scripted server answers in the family's wire format."""

    def __init__(self, settings: Settings, oracle: bool, stack: contextlib.ExitStack) -> None:
        self.settings, self.oracle, self.stack = settings, oracle, stack
        self._replies: Callable[[dict[str, Any]], ScriptedTurn] | None = None
        model = settings.model
        if oracle:
            from agent.scripted import ScriptedModelServer, VLLMConfig

            model_id = model.model or ORACLE_MODEL
            server = stack.enter_context(
                ScriptedModelServer(self._reply, config=VLLMConfig(model_id=model_id))
            )
            model = replace(model, model_url=server.url, model=model_id, api_key=None)
            grounder = stack.enter_context(
                ScriptedModelServer(self._ground, config=VLLMConfig(model_id=ORACLE_GROUNDER))
            )
            model = replace(model, grounding_url=grounder.url, grounding_model=ORACLE_GROUNDER)
        self.client: ModelClient = builder.build_model(model, max_retries=1 if oracle else 4)
        self.grounding = builder.build_grounding(model)
        self.model_settings = model
        self._family: Family | None = None

    def _ground(self, request: dict[str, Any]) -> ScriptedTurn:
        from tasks.oracle import scripted

        answer = getattr(self._family, "grounding_wire", None)
        if answer is None:
            raise RuntimeError(
                "the oracle's grounding server was asked, but the family has no grounding_wire"
            )
        return scripted(answer(request))

    def _reply(self, request: dict[str, Any]) -> ScriptedTurn:
        assert self._replies is not None
        return self._replies(request)

    def family(
        self, task: Task, env: Environment, kind: EnvironmentKind, hub: ToolHub | None
    ) -> Family:
        model_id = self.client.model
        resolution = builder.resolve_family(self.settings.family, model_id, self.settings.sources)
        builder.tell_model(self.client, model_id, resolution)
        settings = replace(self.settings, model=self.model_settings)
        family = builder.build_family(
            settings, model_id, resolution, kind, hub.schemas() if hub else (), self.grounding
        )
        steps = settings.loop.max_steps if "max_steps" in settings.sources else task.max_steps
        limits = settings.with_values({"max_steps": steps})
        family, _ = builder.fit_to_server(self.client, family, env.screen_size, limits)
        self._family = family
        if self.oracle:
            self._replies = oracle_replies(task, env, family)
        return family

    def attempt(
        self,
        task: Task,
        env: Environment,
        family: Family,
        folder: Path,
        hub: ToolHub | None = None,
        instruction: str | None = None,
    ) -> tuple[RunResult, Path]:
        """The agent loop on a set-up environment."""
        steps = task.max_steps
        if "max_steps" in self.settings.sources:
            steps = self.settings.loop.max_steps
        recorder = Recorder(folder, run_id="run")
        limits = LoopSettings(max_steps=steps, max_failures=self.settings.loop.max_failures)
        loop = AgentLoop(env, self.client, family, limits, [recorder], tools=hub)
        info = {"task": task.id, "model": self.client.model, **family.info()}
        result = loop.run(instruction or task.instruction, info)
        return result, recorder.dir


def _on_desktop(
    task: Task, folder: Path, oracle: bool, settings: Settings
) -> tuple[RunResult, Path, float, list[str], list[str]]:
    workspace, home = folder / "workspace", folder / "home"
    if task.path.suffix == ".json":  # OSWorld's /home/user is the workspace and the HOME
        home = workspace
    workspace.mkdir(parents=True)
    home.mkdir(exist_ok=True)
    with (
        DesktopEnvironment(DesktopSettings(screen=task.screen, home=home)) as env,
        contextlib.ExitStack() as stack,
    ):
        _setup(task, task.setup, env, workspace, home)
        hub = _hub(task, workspace, stack)
        agent = Agent(settings, oracle, stack)
        family = agent.family(task, env, "desktop", hub)
        instruction = task.instruction.replace("{workspace}", str(workspace))
        result, run_dir = agent.attempt(task, env, family, folder, hub, instruction)
        _setup(task, task.postconfig, env, workspace, home)
        titles = tuple(w.title for w in env.windows())
        probe = Probe(workspace, result.status, result.answer, titles, env.display.runner())
        return (result, run_dir, *_evaluate(task, probe))


def _on_phone(
    task: Task, folder: Path, oracle: bool, settings: Settings
) -> tuple[RunResult, Path, float, list[str], list[str]]:
    from tasks.android import phone_session, setup_phone

    folder.mkdir(parents=True)
    with phone_session(task) as env, contextlib.ExitStack() as stack:
        setup_phone(task, task.setup, env)
        agent = Agent(settings, oracle, stack)
        family = agent.family(task, env, "android", None)
        result, run_dir = agent.attempt(task, env, family, folder)
        probe = Probe(folder, result.status, result.answer, (), SessionRunner(), device=env.device)
        return (result, run_dir, *_evaluate(task, probe))


def run_task(task: Task, out: Path, oracle: bool, settings: Settings) -> dict[str, Any]:
    started = time.monotonic()
    folder = out / task.key
    shutil.rmtree(folder, ignore_errors=True)
    attempt = _on_phone if task.environment == "android" else _on_desktop
    result, run_dir, score, errors, why = attempt(task, folder, oracle, settings)
    return {
        "id": task.id,
        "key": task.key,
        "app": task.app,
        "score": score,
        "status": result.status,
        "reason": result.reason.splitlines()[0],
        "steps": result.steps,
        "seconds": round(time.monotonic() - started, 2),
        "tokens": result.usage.prompt_tokens + result.usage.completion_tokens,
        "run_dir": str(run_dir),
        "errors": errors,
        "why": why,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.worker")
    parser.add_argument("task", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--settings", help="the agent's settings as JSON (from agent bench)")
    parser.add_argument("--model-url")
    parser.add_argument("--model")
    parser.add_argument("--api-key")
    parser.add_argument("--cache", type=Path, help="OSWorld's download cache")
    args = parser.parse_args(argv)
    settings = Settings.from_json(args.settings) if args.settings else Settings()
    given = {k: getattr(args, k) for k in ("model_url", "model", "api_key") if getattr(args, k)}
    settings = settings.with_values(given)
    task = load_task(args.task, args.cache)
    record = skipped(task) if task.unsupported else run_task(task, args.out, args.oracle, settings)
    print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
