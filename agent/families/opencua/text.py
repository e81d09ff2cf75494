"""OpenCUA's replies: a thought/action preamble, then pyautogui code in a fenced block.

The code is never executed. It is parsed with `ast` and every statement must be a call of the
supported `pyautogui.*` / `computer.*` functions with literal arguments; anything else
(assignments, loops, imports, other modules, computed arguments) is sent back to the model as
an error and nothing is done. OpenCUA-7B/32B answer in pixels of the image after Qwen2.5-VL's
smart_resize (the makers' "qwen25" coordinates; a pair within 0..1 is read as fractions, as
their projection does), OpenCUA-A3B in fractions of the screen ("relative").
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.common import Screenshot
from agent.grid import Grid
from agent.keys import normalize_chord, normalize_key
from environments.base import Observation

Coordinates = Literal["qwen25", "relative"]
WAIT_SECONDS = 2.0
MAX_PRESSES = 50
_CODE = re.compile(r"```(?:code|python)?\s*(.*?)\s*```", re.DOTALL | re.IGNORECASE)
_SECTION = r"^##\s*{name}\s*:?[\n\r]+(.*?)(?=^##|\Z)"


def section(text: str, name: str) -> str:
    """One `## Name:` section of a reply (the makers' regex), or the whole text without code."""
    match = re.search(_SECTION.format(name=name), text, re.DOTALL | re.MULTILINE)
    if match:
        return match.group(1).strip()
    return _CODE.sub("", text).strip()


def code_block(text: str) -> str:
    blocks = _CODE.findall(text)
    if not blocks:
        raise InvalidAction("it has no ```python code block")
    return str(blocks[-1]).strip()


@dataclass
class _Cursor:
    """Where the pointer is while the code runs: a moveTo before a dragTo or scroll sets it."""

    at: tuple[int, int] | None


@dataclass(frozen=True)
class Reading:
    """How coordinates are read: the model's convention and the screenshot sizing."""

    coordinates: Coordinates
    screenshot: Screenshot


def code_actions(code: str, observation: Observation, reading: Reading) -> list[A.Action]:
    """The canonical actions of a code block, checked statement by statement, never run."""
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise InvalidAction(
            f"its code is not valid Python ({exc.msg}, line {exc.lineno})"
        ) from None
    if not tree.body:
        raise InvalidAction("its code block is empty")
    cursor = _Cursor(observation.pointer)
    out: list[A.Action] = []
    for statement in tree.body:
        name, args = _call(statement)
        handler = _HANDLERS.get(name)
        if handler is None:
            raise InvalidAction(f"{name} is not supported; the supported calls are {_SUPPORTED}")
        produced = handler(_Args(name, args, observation, reading), cursor)
        if out and isinstance(out[-1], A.Move) and isinstance(produced[0], A.Drag | A.Scroll):
            out.pop()  # a moveTo that only placed the pointer for this drag or scroll
        out.extend(produced)
    return out


def _call(statement: ast.stmt) -> tuple[str, dict[str | int, Any]]:
    line = getattr(statement, "lineno", "?")
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        kind = type(statement).__name__
        raise InvalidAction(f"line {line} is not a call ({kind}); only calls are supported")
    call = statement.value
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("pyautogui", "computer")
    ):
        raise InvalidAction(
            f"line {line} calls {ast.unparse(func)}; only pyautogui.* and computer.* are supported"
        )
    name = f"{func.value.id}.{func.attr}"
    try:
        args: dict[str | int, Any] = {i: ast.literal_eval(a) for i, a in enumerate(call.args)}
        args.update({k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg})
    except ValueError:
        raise InvalidAction(
            f"line {line}: the arguments of {name} must be literal values"
        ) from None
    return name, args


@dataclass(frozen=True)
class _Args:
    name: str
    values: dict[str | int, Any]
    observation: Observation
    reading: Reading

    def get(self, key: str, position: int, default: Any = None) -> Any:
        return self.values.get(key, self.values.get(position, default))

    def point(self, optional: bool = False, at: int = 0) -> tuple[int, int] | None:
        """x and y, by name or at positions `at` and `at + 1` of the call."""
        x, y = self.get("x", at), self.get("y", at + 1)
        if x is None and y is None and optional:
            return None
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
            raise InvalidAction(f"{self.name} needs numbers x and y, got x={x!r}, y={y!r}")
        return to_screen(float(x), float(y), self.observation.size, self.reading)

    def number(self, key: str, position: int, default: float | None = None) -> float:
        value = self.get(key, position, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InvalidAction(f"{self.name} needs a number for {key}, got {value!r}")
        if not math.isfinite(value):
            raise InvalidAction(f"{self.name} needs a finite number for {key}, got {value!r}")
        return float(value)


def to_screen(x: float, y: float, screen: tuple[int, int], reading: Reading) -> tuple[int, int]:
    width, height = screen
    if reading.coordinates == "relative" or (0 <= x <= 1 and 0 <= y <= 1):
        fx, fy = x, y
    else:
        image_width, image_height = reading.screenshot.image_size(screen)
        fx, fy = x / image_width, y / image_height
    if not (0 <= fx <= 1 and 0 <= fy <= 1):
        raise InvalidAction(f"({x:g}, {y:g}) is outside the screenshot")
    return min(round(fx * width), width - 1), min(round(fy * height), height - 1)


def _click(button: A.Button, count: int) -> Any:
    def handle(args: _Args, cursor: _Cursor) -> list[A.Action]:
        at = args.point(optional=True) or cursor.at
        if at is None:
            raise InvalidAction(f"{args.name} needs x and y")
        clicks = int(args.number("clicks", 2, count)) if args.name == "pyautogui.click" else count
        chosen = args.get("button", 4, button) if args.name == "pyautogui.click" else button
        cursor.at = at
        return [A.Click(*at, chosen, clicks)]

    return handle


def _move(args: _Args, cursor: _Cursor) -> list[A.Action]:
    at = args.point()
    assert at is not None
    cursor.at = at
    return [A.Move(*at)]


def _drag(args: _Args, cursor: _Cursor) -> list[A.Action]:
    end = args.point()
    assert end is not None
    if cursor.at is None:
        raise InvalidAction("dragTo needs a moveTo first: where does the drag start?")
    start, cursor.at = cursor.at, end
    return [A.Drag(*start, *end)]


def _scroll(horizontal: bool) -> Any:
    def handle(args: _Args, cursor: _Cursor) -> list[A.Action]:
        clicks = round(args.number("clicks", 0))
        at = args.point(optional=True, at=1) or cursor.at
        if at is None:
            width, height = args.observation.size
            at = (width // 2, height // 2)
        return [A.Scroll(*at, dx=clicks) if horizontal else A.Scroll(*at, dy=clicks)]

    return handle


def _write(args: _Args, cursor: _Cursor) -> list[A.Action]:
    text = args.get("message", 0)
    if not isinstance(text, str) or not text:
        raise InvalidAction(f"{args.name} needs message='...'")
    return [A.Type(text)]


def _keys(args: _Args, positional_keys: bool) -> list[str]:
    """pyautogui's keys: `keys=[...]`, `press('enter')`, or `hotkey('ctrl', 'c')`."""
    positional = [v for k, v in args.values.items() if isinstance(k, int)]
    keys = args.values.get("keys")
    if keys is None and positional:
        keys = positional if positional_keys and len(positional) > 1 else positional[0]
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list | tuple) or not keys or not all(isinstance(k, str) for k in keys):
        raise InvalidAction(f"{args.name} needs keys=['...'], got {keys!r}")
    return list(keys)


def _press(args: _Args, cursor: _Cursor) -> list[A.Action]:
    presses = int(args.number("presses", 1, 1))
    if not 1 <= presses <= MAX_PRESSES:
        raise InvalidAction(f"press takes 1 to {MAX_PRESSES} presses, not {presses}")
    keys = [normalize_key(k) for k in _keys(args, positional_keys=False)]
    return [A.Key((k,)) for _ in range(presses) for k in keys]


def _hotkey(args: _Args, cursor: _Cursor) -> list[A.Action]:
    return [A.Key(normalize_chord(_keys(args, positional_keys=True)))]


def _terminate(args: _Args, cursor: _Cursor) -> list[A.Action]:
    status = str(args.get("status", 0, "")).lower()
    if status not in ("success", "failure", "fail"):
        raise InvalidAction("computer.terminate needs status='success' or 'failure'")
    return [A.Terminate("success" if status == "success" else "failure")]


_HANDLERS: dict[str, Any] = {
    "pyautogui.click": _click("left", 1),
    "pyautogui.leftClick": _click("left", 1),
    "pyautogui.rightClick": _click("right", 1),
    "pyautogui.middleClick": _click("middle", 1),
    "pyautogui.doubleClick": _click("left", 2),
    "pyautogui.tripleClick": _click("left", 3),
    "computer.triple_click": _click("left", 3),
    "pyautogui.moveTo": _move,
    "pyautogui.dragTo": _drag,
    "pyautogui.scroll": _scroll(horizontal=False),
    "pyautogui.hscroll": _scroll(horizontal=True),
    "pyautogui.write": _write,
    "pyautogui.typewrite": _write,
    "pyautogui.press": _press,
    "pyautogui.hotkey": _hotkey,
    "computer.wait": lambda args, cursor: [A.Wait(WAIT_SECONDS)],
    "computer.terminate": _terminate,
}
_SUPPORTED = ", ".join(_HANDLERS)


def reply_text(action: A.Action, grid: Grid, thought: str = "") -> str:
    """What OpenCUA writes for `action` (the oracle's wire format, "qwen25" coordinates);
    ValueError when its action space cannot say it."""
    said = A.describe(action)
    return (
        f"## Thought:\n{thought or said}\n\n## Action:\n{said}\n\n"
        f"## Code:\n```python\n{code_for(action, grid)}\n```\n"
    )


def code_for(action: A.Action, grid: Grid) -> str:
    def xy(x: int, y: int) -> str:
        if grid.kind == "relative":
            width, height = grid.screen
            return f"x={x / width:.4f}, y={y / height:.4f}"
        mx, my = grid.from_screen(x, y)
        return f"x={mx}, y={my}"

    if isinstance(action, A.Click):
        names = {
            ("left", 1): "pyautogui.click",
            ("left", 2): "pyautogui.doubleClick",
            ("left", 3): "computer.triple_click",
            ("right", 1): "pyautogui.rightClick",
            ("middle", 1): "pyautogui.middleClick",
        }
        name = names.get((action.button, action.count))
        if name is None:
            raise ValueError(f"OpenCUA has no {A.describe(action)}")
        return f"{name}({xy(action.x, action.y)})"
    if isinstance(action, A.Move):
        return f"pyautogui.moveTo({xy(action.x, action.y)})"
    if isinstance(action, A.Drag):
        start, end = xy(action.x1, action.y1), xy(action.x2, action.y2)
        return f"pyautogui.moveTo({start})\npyautogui.dragTo({end}, button='left')"
    if isinstance(action, A.Scroll):
        scroll = (
            f"pyautogui.hscroll({action.dx})" if action.dx else f"pyautogui.scroll({action.dy})"
        )
        return f"pyautogui.moveTo({xy(action.x, action.y)})\n{scroll}"
    if isinstance(action, A.Type):
        return f"pyautogui.write(message={action.text!r})"
    if isinstance(action, A.Key):
        keys = [normalize_key(k) for k in action.keys]
        name = "press" if len(keys) == 1 else "hotkey"
        return f"pyautogui.{name}(keys={keys!r})"
    if isinstance(action, A.Wait):
        return "computer.wait()"
    if isinstance(action, A.Terminate):
        return f"computer.terminate(status={action.status!r})"
    raise ValueError(f"OpenCUA has no {A.describe(action)}")
