"""Task files: what to do, where, how to set it up, how to judge it, and a reference solution.

A task is one YAML file (documented by `tasks/task.schema.json`) or an OSWorld task JSON file
(translated by `tasks/osworld/`). Loading is strict: an unknown field, a missing file or a bad
evaluator name fails with the task id, the field and what was expected. An OSWorld task that
needs what we lack loads with `unsupported` set, so a suite skips it instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from agent.errors import AgentError

if TYPE_CHECKING:
    from tasks.osworld.index import SuiteOptions

SETUP_STEPS = {"write_file", "run", "execute", "launch", "open", "wait_window", "sleep"}
SOLUTION_STEPS = {"click_window", "drag_window", "scroll_window", "click", "type", "key", "tool",
                  "answer", "terminate", "wait", "click_text"}  # fmt: skip
# Android tasks (see tasks/android.py for what each step does).
ANDROID_SETUP_STEPS = {"adb_shell", "push", "setting", "open_app", "sleep"}
ANDROID_SOLUTION_STEPS = {"tap", "long_press", "swipe", "type", "key", "system_button",
                          "open_app", "wait", "answer", "terminate"}  # fmt: skip
ENVIRONMENTS = {"desktop": (1280, 800), "android": (1080, 2400)}  # with their default screens
_TOP = {"id", "instruction", "params", "environment", "setup", "max_steps", "evaluators",
        "solution", "tools", "app"}  # fmt: skip


class TaskError(AgentError):
    """A task file that cannot be used; the message names the task, the field and the fix."""


@dataclass(frozen=True)
class Step:
    kind: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Task:
    id: str
    instruction: str
    path: Path
    screen: tuple[int, int] = (1280, 800)
    setup: tuple[Step, ...] = ()
    max_steps: int = 15
    evaluators: tuple[Step, ...] = ()
    solution: tuple[Step, ...] = ()
    tools: tuple[str, ...] = ()  # built-in MCP servers the task offers: "files", "apps"
    app: str = "other"  # what the task is mostly about, for per-app success rates
    params: dict[str, Any] = field(default_factory=dict)
    postconfig: tuple[Step, ...] = ()  # setup steps run after the agent, before evaluating
    unsupported: tuple[str, ...] = ()  # what an OSWorld task needs that we lack: skip it
    environment: str = "desktop"  # or "android": a fresh virtual phone
    adb_keyboard: bool = True  # android: whether the phone has the ADB Keyboard IME
    # how results, --resume and run directories name it: the id, or "domain/id" for an OSWorld
    # task (OSWorld reuses an id across domains)
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.id)


def _steps(task_id: str, name: str, raw: Any, allowed: set[str]) -> tuple[Step, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TaskError(f"task {task_id}: {name} must be a list of steps")
    steps = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or len(item) != 1:
            raise TaskError(f"task {task_id}: {name}[{index}] must be one 'kind: arguments' pair")
        ((kind, args),) = item.items()
        if kind not in allowed:
            raise TaskError(
                f"task {task_id}: {name}[{index}] has unknown kind {kind!r}; "
                f"expected one of {', '.join(sorted(allowed))}"
            )
        steps.append(Step(kind, args if isinstance(args, dict) else {"value": args}))
    return tuple(steps)


class _Keep(dict[str, Any]):
    """Parameters for str.format_map; placeholders filled at run time ({workspace}) stay."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(_Keep(params)) if params else value
    if isinstance(value, list):
        return [_fill(v, params) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, params) for k, v in value.items()}
    return value


def load_task(path: Path | str, cache: Path | None = None) -> Task:
    """A YAML task file, or an OSWorld task file (its downloads found in `cache`)."""
    from tasks.evaluators import EVALUATORS

    path = Path(path)
    if path.suffix == ".json":
        from tasks.osworld.cache import Cache
        from tasks.osworld.loader import load_osworld

        return load_osworld(path, Cache(cache) if cache else None)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaskError(f"task file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise TaskError(f"task file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise TaskError(f"task file {path}: expected a mapping with a string 'id'")
    task_id = data["id"]
    unknown = set(data) - _TOP
    if unknown:
        raise TaskError(
            f"task {task_id}: unknown field {sorted(unknown)[0]!r}; "
            f"the fields are {', '.join(sorted(_TOP))}"
        )
    if not isinstance(data.get("instruction"), str):
        raise TaskError(f"task {task_id}: 'instruction' must be a string")
    params = data.get("params") or {}
    try:
        data = _fill(data, params)
    except (ValueError, AttributeError, IndexError, KeyError) as exc:
        raise TaskError(
            f"task {task_id}: a '{{...}}' that is not a parameter ({exc}); write '{{{{' and "
            "'}}' for literal braces in a task with params"
        ) from exc
    environment = data.get("environment") or {}
    kind = environment.get("type", "desktop")
    if kind not in ENVIRONMENTS:
        raise TaskError(f"task {task_id}: environment.type {kind!r}: expected "
                        f"{' or '.join(ENVIRONMENTS)}")  # fmt: skip
    android = kind == "android"
    evaluators = _steps(task_id, "evaluators", data.get("evaluators"), set(EVALUATORS))
    if not evaluators:
        raise TaskError(f"task {task_id}: 'evaluators' needs at least one evaluator")
    setup = _steps(task_id, "setup", data.get("setup"),
                   ANDROID_SETUP_STEPS if android else SETUP_STEPS)  # fmt: skip
    for step in setup:
        source = step.args.get("from")
        if step.kind in ("write_file", "push") and source and not (path.parent / source).exists():
            raise TaskError(f"task {task_id}: setup {step.kind} from {source!r}: no such file "
                            f"next to {path.name}")  # fmt: skip
    screen = environment.get("screen", ENVIRONMENTS[kind])
    solution_steps = ANDROID_SOLUTION_STEPS if android else SOLUTION_STEPS
    solution = _steps(task_id, "solution", data.get("solution"), solution_steps)
    return Task(
        id=task_id,
        instruction=data["instruction"],
        path=path,
        screen=(int(screen[0]), int(screen[1])),
        setup=setup,
        max_steps=int(data.get("max_steps", 15)),
        evaluators=evaluators,
        solution=solution,
        tools=tuple(data.get("tools") or ()),
        app=str(data.get("app", "other")),
        params=params,
        environment=kind,
        adb_keyboard=bool(environment.get("adb_keyboard", True)),
    )


def load_suite(folder: Path | str, osworld: SuiteOptions | None = None) -> list[Task]:
    """The tasks of a folder (or one file); an OSWorld suite (its folder with test_all.json, or
    an index file) loads through tasks/osworld/index.py with `osworld`'s options."""
    from tasks.osworld.index import SuiteOptions, index_file, load_index

    folder = Path(folder)
    index = index_file(folder)
    if index is not None:
        return load_index(index, osworld or SuiteOptions())
    files = [folder]
    if folder.is_dir():
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.json")])
    if not files:
        raise TaskError(f"no task files (*.yaml, OSWorld *.json) in {folder}")
    tasks = [load_task(file) for file in files]
    seen: set[str] = set()
    for task in tasks:
        if task.key in seen:
            raise TaskError(f"task {task.key}: the id is used twice in {folder}")
        seen.add(task.key)
    return tasks
