"""An OSWorld task file as our Task: runnable here, or skipped with every reason listed.

A task is {"id", "instruction", "config": [{"type", "parameters"}], "evaluator": {"func",
"result", "expected", "options", "conj", "postconfig"}, ...}; `func` may be a list (with `conj`
and/or and lists of getters), a getter may be `"multi": true` with lists of paths. Each reason
is "<kind>: <what>", kind one of config, getter, metric, program, network, path, system,
placeholder, windows (see REASONS), so `agent bench --list` can count them.

The translation keeps OSWorld's own vocabulary: setup and postconfig steps become `osworld_*`
steps run by tasks/osworld/runtime.py with OSWorld's semantics, the evaluator becomes one
`osworld` evaluator scored by tasks/osworld/scoring.py. VM paths stay VM paths (/home/user,
`~`) and are mapped to the task's home at run time (tasks/osworld/conventions.py).

Reference solutions come from an `x_solution` field (our sample tasks) or from the overlay of
solutions for real OSWorld tasks, keyed by task id (tasks/osworld/overlay.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tasks.open_with import can_open
from tasks.osworld import conventions
from tasks.osworld.cache import Cache
from tasks.osworld.getters import GETTERS, vm_paths
from tasks.osworld.metrics import check_options
from tasks.osworld.overlay import solution_for
from tasks.spec import SOLUTION_STEPS, Step, Task, TaskError, _steps

REASONS = (
    "windows",
    "config",
    "getter",
    "metric",
    "program",
    "network",
    "path",
    "system",
    "placeholder",
    "malformed",
)
_STEP_TYPES = {
    "launch",
    "execute",
    "command",
    "open",
    "sleep",
    "download",
    "activate_window",
    "close_window",
    "chrome_open_tabs",
    "chrome_close_tabs",
}
_LOCAL_URL = re.compile(r"^(file:|about:|chrome:|data:|https?://(127\.0\.0\.1|localhost)[:/])")
# Commands that would change the machine outside the task's home: not run here.
_SYSTEM = re.compile(
    r"\b(apt-get|apt|dpkg|snap|systemctl|timedatectl|pip3?\s+install|"
    r"conda\s+install|useradd|passwd|chpasswd|update-alternatives)\b"
)
# Programs the VM has under another name here, or that we do not need.
_PROGRAMS = {"google-chrome": "chromium", "python": None, "python3": None, "sudo": None}
_NOT_NEEDED = {"socat"}  # OSWorld forwards Chrome's DevTools port; we reach it directly
_SHELL_WORDS = {"[", "[[", "cd", "export", "echo", "if", "test", "for", "while"}
_NOT_AS_ROOT = {"vlc", "cvlc"}
# Getters that cannot be reproduced here, with why (shown by `agent bench --list`).
_UNBUILDABLE = {
    "accessibility_tree": "no AT-SPI tree: LibreOffice here has only its X11 backend "
    "(libvclplug_gen), which exposes no accessibility (libreoffice-gtk3 would), and no AT-SPI "
    "reader is installed (gir1.2-atspi-2.0)",
}


@functools.cache
def _apps_run_as_root() -> bool:
    """True when the desktop's apps would run as root: we are root and the session cannot
    run them as an ordinary account (environments/desktop/session.py: SessionUser)."""
    if os.geteuid() != 0:
        return False
    from environments.desktop.display import SESSION_USER
    from environments.desktop.session import session_user

    return session_user(SESSION_USER) is None


_EXTRA = {"x_solution"}


@dataclass
class _Translation:
    task_id: str
    folder: Path
    cache: Cache | None
    unsupported: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    root: bool = field(default_factory=_apps_run_as_root)

    def lack(self, kind: str, what: str) -> None:
        reason = f"{kind}: {what}"
        if reason not in self.unsupported:
            self.unsupported.append(reason)

    def source(self, url: str, what: str) -> str | None:
        """A file to copy: a local path (file:// or next to the task file) or the cached
        download of a URL; None, with the reason, when it needs the network."""
        if url.startswith("file://"):
            found = Path(unquote(urlparse(url).path))
        elif "://" in url:
            self.urls.append(url)
            cached = self.cache.lookup(url) if self.cache else None
            if cached is None:
                self.lack("network", f"{what} {url}")
                return None
            return str(cached)
        else:
            found = self.folder / url
        if not found.is_file():
            raise TaskError(f"task {self.task_id}: {what} from {url!r}: no such file {found}")
        return str(found.resolve())

    def home_path(self, path: Any, what: str) -> str | None:
        if not isinstance(path, str):
            raise TaskError(f"task {self.task_id}: {what} path {path!r} is not a string")
        if conventions.in_home(path):
            return path
        self.lack("path", f"{what} {path} (outside {conventions.HOME})")
        return None

    def program(self, command: Any, shell: bool) -> str | None:
        if isinstance(command, list):
            first = str(command[0]) if command else ""
            words = shlex.split(first) if shell else [first]
        else:
            try:
                words = shlex.split(str(command))
            except ValueError:
                words = str(command).split()
        return words[0] if words else None

    def check_command(self, kind: str, command: Any, shell: bool) -> None:
        text = command if isinstance(command, str) else " ".join(map(str, command))
        if _SYSTEM.search(text):
            self.lack("system", f"{kind} {text[:80]!r} changes the machine")
        if kind == "launch":
            self.check_program(command, shell)

    def check_program(self, command: Any, shell: bool) -> None:
        name = self.program(command, shell)
        if name is None or name in _NOT_NEEDED or "=" in name or name in _SHELL_WORDS:
            return
        wanted = _PROGRAMS.get(name, name)
        if wanted and shutil.which(wanted) is None:
            self.lack("program", f"{name} (not installed)")
        elif wanted in _NOT_AS_ROOT and self.root:
            self.lack("program", f"{name} (refuses to run as root: run as a normal user)")

    def steps(self, items: Any, where: str) -> tuple[Step, ...]:
        if not isinstance(items, list):
            raise TaskError(f"task {self.task_id}: {where} must be a list of steps")
        steps: list[Step] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise TaskError(f"task {self.task_id}: {where} has {item!r}, not a step")
            kind, parameters = item["type"], item.get("parameters") or {}
            if kind not in _STEP_TYPES:
                step = kind if where == "config" else f"{where} {kind}"
                self.lack("config", step)
                if re.search(r"https?://", json.dumps(parameters)):
                    self.lack("network", step)
                continue
            try:
                steps += self.step(kind, parameters, where)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise TaskError(
                    f"task {self.task_id}: {where} {kind}: missing or malformed "
                    f"parameter ({type(exc).__name__}: {exc})"
                ) from exc
        return tuple(steps)

    def tabs(self, kind: str, parameters: dict[str, Any]) -> Step:
        key = "urls_to_open" if kind == "chrome_open_tabs" else "urls_to_close"
        urls = [str(url) for url in parameters[key]]
        if not all(_LOCAL_URL.match(url) for url in urls):
            self.lack("network", kind)  # the pages are live web sites
        return Step(f"osworld_{kind}", {"urls": urls})

    def step(self, kind: str, parameters: dict[str, Any], where: str) -> list[Step]:
        if kind == "sleep":
            return [Step("sleep", {"value": float(parameters["seconds"])})]
        if kind in ("activate_window", "close_window"):
            if not parameters.get("window_name"):
                raise TaskError(f"task {self.task_id}: {where} {kind} needs a window_name")
            return [Step(f"osworld_{kind}", dict(parameters))]
        if kind in ("chrome_open_tabs", "chrome_close_tabs"):
            return [self.tabs(kind, parameters)]
        if kind == "open":
            path = self.home_path(parameters["path"], "open")
            if path is not None and not (can_open(path) or conventions.opener(path)):
                self.lack("program", f"open of {Path(path).suffix or path!r} files")
            return [Step("osworld_open", {"path": path})] if path else []
        if kind == "download":
            files = []
            for item in parameters["files"]:
                source = self.source(item["url"], "download")
                path = self.home_path(item["path"], "download to")
                if source and path:
                    files.append({"from": source, "path": path})
            return [Step("osworld_download", {"files": files})]
        command, shell = parameters["command"], bool(parameters.get("shell", False))
        if not isinstance(command, (str, list)):
            raise TypeError(f"command {command!r} is neither a string nor a list")
        self.check_command(kind, command, shell)
        if kind == "launch" and self.program(command, shell) in _NOT_NEEDED:
            return []
        step = "osworld_launch" if kind == "launch" else "osworld_execute"
        saved = {"stdout": str(parameters["stdout"])} if parameters.get("stdout") else {}
        return [Step(step, {"command": command, "shell": shell, **saved})]

    def getter(self, raw: Any, role: str) -> dict[str, Any] | None:
        if raw is None or raw == {}:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise TaskError(f"task {self.task_id}: evaluator {role} {raw!r} is not a getter")
        kind = raw["type"]
        if kind not in GETTERS:
            why = _UNBUILDABLE.get(kind)
            self.lack("getter", f"{kind} ({why})" if why else kind)
            return None
        spec = dict(raw)
        if raw.get("time_suffix"):
            self.lack("getter", f"{kind} option time_suffix")
        if kind in ("vm_command_line", "vm_command_error"):
            self.check_program(raw["command"], bool(raw.get("shell", False)))
        if kind == "vm_file":
            for path in vm_paths(raw):
                self.home_path(path, "vm_file")
        if "ppt_file_path" in raw:
            self.home_path(raw["ppt_file_path"], kind)
        if kind in ("cloud_file", "local_file"):
            urls = raw["path"] if raw.get("multi") else [raw["path"]]
            spec["files"] = [self.source(str(url), kind) for url in urls]
        return spec

    def evaluator(self, raw: Any) -> Step:
        if not isinstance(raw, dict) or "func" not in raw:
            raise TaskError(f"task {self.task_id}: 'evaluator' must be a mapping with 'func'")
        listed = isinstance(raw["func"], list)
        funcs = raw["func"] if listed else [raw["func"]]
        conj = raw.get("conj", "and")
        if conj not in ("and", "or"):
            raise TaskError(f"task {self.task_id}: evaluator.conj {conj!r}: expected and, or")
        columns: dict[str, list[Any]] = {}
        for name in ("result", "expected", "options"):
            value = raw.get(name)
            if not listed:
                value = [value]
            elif value is None:
                value = [None] * len(funcs)
            if not isinstance(value, list) or len(value) != len(funcs):
                raise TaskError(
                    f"task {self.task_id}: evaluator.{name} must be a list as long "
                    f"as 'func' ({len(funcs)})"
                )
            columns[name] = value
        args: dict[str, Any] = {
            "func": funcs,
            "result": [],
            "expected": [],
            "options": [],
            "conj": conj,
        }
        for func, result, expected, options in zip(funcs, *columns.values(), strict=True):
            got, want = self.getter(result, "result"), self.getter(expected, "expected")
            for reason in check_options(func, options or {}, [g for g in (got, want) if g]):
                self.lack(*reason)
            args["result"].append(got)
            args["expected"].append(want)
            args["options"].append(options or {})
        return Step("osworld", args)


def load_osworld(
    path: Path, cache: Cache | None = None, domain: str | None = None, windows: bool = False
) -> Task:
    """The Task of an OSWorld JSON file; `unsupported` is non-empty when it cannot run here.
    Files are taken from `cache` (see tasks/osworld/cache.py); without it, every URL is
    "network". A file that is not a task at all raises TaskError naming the file and field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaskError(f"task file {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaskError(f"task file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise TaskError(f"task file {path}: expected an OSWorld task with a string 'id'")
    task_id = data["id"]
    if not isinstance(data.get("instruction"), str):
        raise TaskError(f"task {task_id}: 'instruction' must be a string")
    unknown = sorted(key for key in data if key.startswith("x_") and key not in _EXTRA)
    if unknown:
        raise TaskError(f"task {task_id}: unknown field {unknown[0]!r}; ours are x_solution")
    translation = _Translation(task_id, path.parent, cache)
    in_examples = path.parent.parent.name in ("examples", "examples_windows", "Windows")
    domain = domain or (path.parent.name if in_examples else None)
    if windows or {"examples_windows", "Windows"} & set(path.parts):
        translation.lack("windows", "a Windows task")
    for name in conventions.unknown_placeholders(json.dumps(data)):
        translation.lack("placeholder", "{" + name + "}")
    data = conventions.fill(data, conventions.placeholders())
    setup = translation.steps(data.get("config") or [], "config")
    evaluator = translation.evaluator(data.get("evaluator"))
    postconfig = translation.steps(data["evaluator"].get("postconfig") or [], "postconfig")
    solution = data.get("x_solution")
    if solution is None:
        solution = solution_for(domain, task_id)
    apps = data.get("related_apps") or ["other"]
    return Task(
        id=task_id,
        instruction=conventions.at_home(data["instruction"], Path("{workspace}")),
        path=path,
        screen=conventions.SCREEN,
        setup=(Step("osworld_session", {"urls": translation.urls}), *setup),
        evaluators=(evaluator,),
        solution=_steps(task_id, "x_solution", solution, SOLUTION_STEPS),
        app=domain or str(apps[0]),
        postconfig=postconfig,
        unsupported=tuple(translation.unsupported),
        max_steps=int(data.get("max_steps", 15)),
        key=f"{domain}/{task_id}" if domain else task_id,
    )
