"""Android tasks: a fresh virtual phone behind a private adb server for each task, setup through
adb, and oracle turns that find their targets in the phone's UI tree at run time.

Setup steps: `adb_shell` (a command, must succeed), `push` ({path, content} or {path, from}),
`setting` ({key, value, namespace: global}), `open_app` (a name), `sleep`.
Solution steps: `tap` / `long_press` ({label} or {x, y}; long_press takes seconds), `swipe`
({from: [x, y], to: [x, y]} in screen pixels), `type`, `key`, `system_button`, `open_app`,
`wait`, `answer`, `terminate`.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import time
from collections.abc import Iterator
from typing import Any

from agent.actions import (
    Action,
    Answer,
    Click,
    Drag,
    Key,
    LongPress,
    OpenApp,
    SystemButton,
    Terminate,
    Type,
    Wait,
)
from agent.keys import normalize_key
from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings
from environments.android.device import PrivateAdbServer
from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import VirtualPhoneServer
from tasks.spec import Step, Task

_FIND_TIMEOUT = 5.0


@contextlib.contextmanager
def phone_session(task: Task) -> Iterator[AndroidEnvironment]:
    """A new phone (factory state) attached to an adb server of this task's own."""
    width, height = task.screen
    with (
        PrivateAdbServer() as adb,
        VirtualPhoneServer(Phone(width, height, adb_keyboard=task.adb_keyboard)) as phone,
    ):
        settings = AdbSettings(serial=phone.address, port=adb.port, connect=phone.address)
        with AndroidEnvironment(AndroidSettings(adb=settings)) as env:
            yield env


def setup_phone(task: Task, steps: tuple[Step, ...], env: AndroidEnvironment) -> None:
    for step in steps:
        args, value = step.args, step.args.get("value")
        if step.kind == "adb_shell":
            _check(env, value)
        elif step.kind == "push":
            data = (
                (task.path.parent / args["from"]).read_bytes()
                if "from" in args
                else str(args.get("content", "")).encode("utf-8")
            )
            env.device.sync.push(io.BytesIO(data), args["path"])
        elif step.kind == "setting":
            namespace = args.get("namespace", "global")
            command = shlex.join(["settings", "put", namespace, args["key"], str(args["value"])])
            _check(env, command)
        elif step.kind == "open_app":
            env.execute(OpenApp(str(value)))
        elif step.kind == "sleep":
            time.sleep(float(value))


def _check(env: AndroidEnvironment, command: str) -> None:
    result = env.device.shell2(command, v2=True)
    if result.returncode != 0 or result.stderr.strip():
        raise RuntimeError(f"setup `{command}` failed: {result.output.strip()}")


def _target(args: dict[str, Any], env: AndroidEnvironment) -> tuple[int, int]:
    """Screen pixels of a step's target: its label in the UI tree (waited for), or x/y."""
    if "label" not in args:
        return int(args["x"]), int(args["y"])
    deadline = time.monotonic() + _FIND_TIMEOUT
    while True:
        element = env.find(str(args["label"]))
        if element is not None:
            return element.center
        if time.monotonic() > deadline:
            raise LookupError(f"no element labelled {args['label']!r} on the phone's screen")
        time.sleep(0.2)


def phone_step(step: Step, env: AndroidEnvironment) -> Action:
    """The canonical action of one solution step, its target found on the phone's screen."""
    args, value = step.args, step.args.get("value")
    if step.kind in ("tap", "long_press"):
        x, y = _target(args, env)
        if step.kind == "tap":
            return Click(x, y)
        return LongPress(x, y, seconds=float(args.get("seconds", 1.0)))
    if step.kind == "swipe":
        (x1, y1), (x2, y2) = args["from"], args["to"]
        return Drag(int(x1), int(y1), int(x2), int(y2))
    if step.kind == "type":
        return Type(str(value if value is not None else args["text"]))
    if step.kind == "key":
        return _key(str(value))
    if step.kind == "system_button":
        name = str(value).strip().lower()
        return Key(("enter",)) if name == "enter" else SystemButton(name)  # type: ignore[arg-type]
    if step.kind == "open_app":
        return OpenApp(str(value))
    if step.kind == "wait":
        return Wait(float(value or 1))
    if step.kind == "answer":
        return Answer(str(value))
    return Terminate(value or "success")


_BUTTON_KEYS = {"back": "back", "home": "home", "menu": "menu", "app_switch": "recents"}


def _key(name: str) -> Action:
    """An adb key event name ("KEYCODE_BACK", "enter") as a canonical action."""
    key = name.strip().lower().removeprefix("keycode_")
    if key in _BUTTON_KEYS:
        return SystemButton(_BUTTON_KEYS[key])  # type: ignore[arg-type]
    return Key((normalize_key(key),))
