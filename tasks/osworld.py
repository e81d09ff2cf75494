"""OSWorld task JSON as our Task: the subset this desktop reproduces, and by name all it cannot.

An OSWorld task is {"id", "instruction", "config": [{"type", "parameters"}], "evaluator": {"func",
"result", "expected", "options", "conj", "postconfig"}, ...}. Supported:

- config and postconfig types: launch, execute, command, open (see tasks/open_with.py), sleep,
  and download from a local file only (a file:// URL or a path relative to the task file).
- getters: vm_file, vm_command_line, rule, and local_file / cloud_file with a local path.
- metrics: those of tasks/osworld_metrics.py.

Anything else makes the task unsupported: it loads with `Task.unsupported` naming every missing
piece (config type 'googledrive', metric 'compare_docx_files', ...) and `agent bench` skips it.

The VM user's home, /home/user, is the task's workspace: /home/user paths in the instruction,
the config, commands and getters are rewritten to it, and relative paths resolve in it. `~` is
left alone (commands run with the apps' private HOME); files outside /home/user are unsupported.

OSWorld JSON has no reference solution. Ours goes under "x_solution", in the step vocabulary of
the YAML `solution` (tasks/task.schema.json), so `agent bench --oracle` can check the task; other
OSWorld keys (snapshot, source, trajectory, ...) are ignored and related_apps[0] names the app.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tasks.open_with import can_open
from tasks.osworld_metrics import lacks
from tasks.spec import SOLUTION_STEPS, Step, Task, TaskError, _steps

HOME = "/home/user"
_HOME = re.compile(r"/home/user(?![\w.-])")
_PARAMETERS = {"launch": {"command", "shell"}, "open": {"path"}, "sleep": {"seconds"},
               "download": {"files"}, "execute": {"command", "shell", "stdout", "stderr"},
               "command": {"command", "shell", "stdout", "stderr"}}  # fmt: skip
_EXTRA = {"x_solution"}


def in_workspace(text: str) -> str:
    """/home/user, wherever it appears, as the {workspace} placeholder filled at run time."""
    return _HOME.sub("{workspace}", text)


@dataclass
class _Translation:
    """One task's translation: the folder local files resolve in, and what is missing."""

    task_id: str
    folder: Path
    unsupported: list[str] = field(default_factory=list)

    def lack(self, *names: str) -> None:
        self.unsupported += [name for name in names if name not in self.unsupported]

    def relative(self, path: str) -> str | None:
        """A VM path as a path inside the workspace; None (and unsupported) outside it."""
        if path == HOME or path.startswith(HOME + "/"):
            return path[len(HOME) + 1 :] or "."
        if path.startswith(("/", "~")):
            self.lack(f"path {path!r} outside {HOME}")
            return None
        return path

    def local(self, url: str, what: str) -> Path | None:
        """A file:// URL or a path next to the task file; None (and unsupported) if remote."""
        if url.startswith("file://"):
            found = Path(unquote(urlparse(url).path))
        elif "://" in url:
            self.lack(f"{what} from {url!r}")
            return None
        else:
            found = self.folder / url
        if not found.is_file():
            raise TaskError(f"task {self.task_id}: {what} from {url!r}: no such file {found}")
        return found.resolve()

    def argv(self, command: str | list[str], shell: bool) -> list[str]:
        if shell:
            line = command if isinstance(command, str) else shlex.join(command)
            return ["bash", "-c", in_workspace(line)]
        parts = shlex.split(command) if isinstance(command, str) else [str(p) for p in command]
        return [in_workspace(part) for part in parts]

    def steps(self, items: Any, where: str) -> tuple[Step, ...]:
        if not isinstance(items, list):
            raise TaskError(f"task {self.task_id}: {where} must be a list of steps")
        steps: list[Step] = []
        for item in items:
            if not isinstance(item, dict):
                raise TaskError(f"task {self.task_id}: {where} has {item!r}, not a step")
            kind, parameters = item.get("type"), item.get("parameters") or {}
            if kind not in _PARAMETERS:
                self.lack(f"{where} type {kind!r}")
                continue
            self.lack(*(f"{kind} parameter {key!r}" for key in parameters
                        if key not in _PARAMETERS[kind]))  # fmt: skip
            try:
                steps += self.step(kind, parameters)
            except (KeyError, TypeError) as exc:
                raise TaskError(
                    f"task {self.task_id}: {where} {kind}: missing or malformed parameter {exc}"
                ) from exc
        return tuple(steps)

    def step(self, kind: str, parameters: dict[str, Any]) -> list[Step]:
        if kind == "sleep":
            return [Step("sleep", {"value": float(parameters["seconds"])})]
        if kind == "open":
            path = self.relative(parameters["path"])
            if path is not None and not can_open(path):
                self.lack(f"open of {Path(path).suffix!r} files")
            return [Step("open", {"value": path})] if path is not None else []
        if kind == "download":
            steps = []
            for item in parameters["files"]:
                source, path = self.local(item["url"], "download"), self.relative(item["path"])
                if source is not None and path is not None:
                    steps.append(Step("write_file", {"path": path, "from": str(source)}))
            return steps
        argv = self.argv(parameters["command"], bool(parameters.get("shell", False)))
        if kind == "launch":
            if shutil.which(argv[0]) is None:
                self.lack(f"program {argv[0]!r} (not installed)")
            return [Step("launch", {"value": argv})]
        return [Step("execute", {"value": argv})]

    def getter(self, raw: Any, role: str) -> dict[str, Any] | None:
        if not raw:
            return None
        kind = raw.get("type")
        if kind == "rule":
            return {"type": "rule", "rules": raw.get("rules", {})}
        if kind == "vm_command_line":
            argv = self.argv(raw["command"], bool(raw.get("shell", False)))
            return {"type": kind, "command": argv}
        if kind in ("vm_file", "local_file", "cloud_file"):
            self.lack(*(f"{kind} option {key!r}" for key in ("multi", "gives", "time_suffix")
                        if raw.get(key)))  # fmt: skip
            if kind == "vm_file":
                path = self.relative(raw["path"])
                return {"type": kind, "path": path} if path is not None else None
            source = self.local(raw["path"], kind)
            return {"type": "local_file", "path": str(source)} if source is not None else None
        self.lack(f"{role} getter {kind!r}")
        return None

    def evaluator(self, raw: Any) -> Step:
        if not isinstance(raw, dict) or "func" not in raw:
            raise TaskError(f"task {self.task_id}: 'evaluator' must be a mapping with 'func'")
        listed = isinstance(raw["func"], list)
        funcs = raw["func"] if listed else [raw["func"]]
        conj = raw.get("conj", "and")
        if conj not in ("and", "or"):
            raise TaskError(f"task {self.task_id}: evaluator.conj {conj!r}: expected and, or")
        columns = {}
        for name in ("result", "expected", "options"):
            value = raw.get(name)
            if value is None:
                value = [None] * len(funcs)
            elif not listed and not isinstance(value, list):
                value = [value]
            if not isinstance(value, list) or len(value) != len(funcs):
                raise TaskError(f"task {self.task_id}: evaluator.{name} must match 'func' (one "
                                f"each, {len(funcs)})")  # fmt: skip
            columns[name] = value
        args: dict[str, Any] = {"func": funcs, "result": [], "expected": [], "options": [],
                                "conj": conj}  # fmt: skip
        for func, result, expected, options in zip(funcs, *columns.values(), strict=True):
            try:
                got, want = self.getter(result, "result"), self.getter(expected, "expected")
            except (KeyError, TypeError, AttributeError) as exc:
                raise TaskError(f"task {self.task_id}: evaluator of {func!r}: a getter is "
                                f"missing or has a malformed field ({exc})") from exc  # fmt: skip
            files = [g["path"] for g in (got, want) if g and "path" in g]
            self.lack(*lacks(func, options or {}, files))
            args["result"].append(got)
            args["expected"].append(want)
            args["options"].append(options or {})
        return Step("osworld", args)


def load_osworld(path: Path) -> Task:
    """The Task of an OSWorld JSON file; `unsupported` is non-empty when it cannot run here."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaskError(f"task file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise TaskError(f"task file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise TaskError(f"task file {path}: expected an OSWorld task with a string 'id'")
    task_id = data["id"]
    if not isinstance(data.get("instruction"), str):
        raise TaskError(f"task {task_id}: 'instruction' must be a string")
    unknown = sorted(key for key in data if key.startswith("x_") and key not in _EXTRA)
    if unknown:
        raise TaskError(f"task {task_id}: unknown field {unknown[0]!r}; ours are x_solution")
    translation = _Translation(task_id, path.parent)
    setup = translation.steps(data.get("config") or [], "config")
    evaluator = translation.evaluator(data.get("evaluator"))
    postconfig = translation.steps(data["evaluator"].get("postconfig") or [], "postconfig")
    apps = data.get("related_apps") or ["other"]
    return Task(
        id=task_id,
        instruction=in_workspace(data["instruction"]),
        path=path,
        setup=setup,
        evaluators=(evaluator,),
        solution=_steps(task_id, "x_solution", data.get("x_solution"), SOLUTION_STEPS),
        app=str(apps[0]),
        postconfig=postconfig,
        unsupported=tuple(translation.unsupported),
    )
