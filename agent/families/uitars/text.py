"""UI-TARS-1.5's replies: `Thought: ...` then `Action: click(start_box='(x,y)')`, read and
written.

Parsing and coordinates come from ByteDance's own `ui-tars` package
(`parse_action_to_structure_output`): the model answers in pixels of the image after Qwen2.5-VL's
smart_resize, which the package turns into fractions of the screen. The package is used as it
is, with guards around it: it prints to stdout and raises AssertionError, ValueError or
AttributeError on malformed replies (turned into feedback for the model here); it cannot read a
coordinate still wrapped in `<|box_start|>` tokens (a server started without
skip_special_tokens) nor a `type` whose content spans real newlines (both are normalised
first); it strips leading whitespace off arguments, so `type`'s content is read again.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from typing import Any

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import ParseResult
from agent.families.common import Screenshot, step, typed
from agent.families.uitars.guard import action_part, bounded, bounded_nesting, box
from agent.grid import Grid
from agent.keys import normalize_chord, normalize_key
from environments.base import Observation

SCROLL_CLICKS = 5  # what the makers' executor scrolls per scroll() (pyautogui.scroll(5))
WAIT_SECONDS = 5.0  # "wait() #Sleep for 5s" in the prompt
_BOX_TOKENS = re.compile(r"<\|box_(?:start|end)\|>")
_DIRECTIONS = {"up": (1, 0), "down": (-1, 0), "right": (0, 1), "left": (0, -1)}


def parse_reply(text: str, observation: Observation, screenshot: Screenshot) -> ParseResult:
    """The canonical actions of one UI-TARS reply; InvalidAction says what is wrong with it."""
    text = _normalised(bounded(text))
    if "Action:" not in text:
        raise InvalidAction("it has no `Action:` line")
    try:
        return _parse(text, observation, screenshot)
    except InvalidAction:
        raise
    except Exception as exc:  # whatever else a reply makes the parsing code raise
        raise InvalidAction(f"its action could not be read ({type(exc).__name__})") from None


def _parse(text: str, observation: Observation, screenshot: Screenshot) -> ParseResult:
    action = bounded_nesting(action_part(text))
    from ui_tars.action_parser import parse_action_to_structure_output  # jsonschema: 0.2 s

    width, height = observation.size
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            parsed = parse_action_to_structure_output(
                action,
                28,
                height,
                width,
                "qwen25vl",
                max_pixels=screenshot.max_pixels,
                min_pixels=screenshot.min_pixels,
            )
    except (AssertionError, ValueError, AttributeError, SyntaxError, TypeError) as exc:
        detail = f": {exc}" if str(exc) else ""
        raise InvalidAction(f"its action could not be parsed{detail}") from None
    if len(parsed) != 1:
        raise InvalidAction(f"it has {len(parsed)} actions; give exactly one per reply")
    item = parsed[0]
    name, inputs = item["action_type"] or "", item["action_inputs"]
    written = text.split("Action:")[-1].strip()
    if name == "type":
        inputs = {**inputs, "content": _content(written, inputs.get("content", ""))}
    return step(name, written, _to_actions(name, inputs, observation))


def _content(written: str, parsed: str) -> str:
    """`type`'s content as written: the package strips leading whitespace off every argument,
    which would drop the newline that starts a new line of text. Content the package had to
    repair (an unescaped quote) is taken from the package."""
    with contextlib.suppress(SyntaxError, ValueError):
        call = ast.parse(written, mode="eval").body
        if isinstance(call, ast.Call):
            for keyword in call.keywords:
                if keyword.arg == "content" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return parsed


def _normalised(text: str) -> str:
    text = _BOX_TOKENS.sub("", text).strip()
    head, sep, action = text.rpartition("Action:")
    if sep and action.lstrip().startswith("type("):
        action = action.strip().replace("\n", "\\n")
        return f"{head}{sep} {action}"
    return text


def _point(
    inputs: dict[str, Any], key: str, observation: Observation, name: str
) -> tuple[int, int]:
    value = inputs.get(key)
    if value is None:
        raise InvalidAction(f"{name} needs {key}='(x,y)'")
    x1, y1, x2, y2 = box(value, name, key)
    fx, fy = (x1 + x2) / 2, (y1 + y2) / 2
    if not (0 <= fx <= 1 and 0 <= fy <= 1):
        raise InvalidAction(f"{name} at {key} is outside the screenshot")
    width, height = observation.size
    return min(round(fx * width), width - 1), min(round(fy * height), height - 1)


def _to_actions(name: str, inputs: dict[str, Any], observation: Observation) -> list[A.Action]:
    if name in _CLICKS:
        button, count = _CLICKS[name]
        return [A.Click(*_point(inputs, "start_box", observation, name), button, count)]
    if name == "hover":
        return [A.Move(*_point(inputs, "start_box", observation, name))]
    if name == "long_press":
        return [A.LongPress(*_point(inputs, "start_box", observation, name))]
    if name in ("drag", "select"):
        start = _point(inputs, "start_box", observation, name)
        return [A.Drag(*start, *_point(inputs, "end_box", observation, name))]
    if name == "scroll":
        return [_scroll(inputs, observation)]
    if name == "type":
        return typed(str(inputs.get("content", "")))
    if name in ("hotkey", "press"):
        keys = inputs.get("key", inputs.get("hotkey", inputs.get("press", "")))
        if not keys:
            raise InvalidAction(f"{name} needs key='...', e.g. key='ctrl c'")
        return [A.Key(normalize_chord(str(keys).lower()))]
    if name in _SIMPLE:
        return [_SIMPLE[name](inputs)]
    raise InvalidAction(f"unknown action {name!r}; use one from the action space in the prompt")


def _scroll(inputs: dict[str, Any], observation: Observation) -> A.Scroll:
    direction = str(inputs.get("direction", "")).strip().lower()
    if direction not in _DIRECTIONS:
        raise InvalidAction("scroll needs direction='down', 'up', 'right' or 'left'")
    if "start_box" in inputs:
        x, y = _point(inputs, "start_box", observation, "scroll")
    else:
        width, height = observation.size
        x, y = observation.pointer or (width // 2, height // 2)
    dy, dx = _DIRECTIONS[direction]
    return A.Scroll(x, y, dy=dy * SCROLL_CLICKS, dx=dx * SCROLL_CLICKS)


def _finished(inputs: dict[str, Any]) -> A.Action:
    content = str(inputs.get("content", "")).strip()
    return A.Answer(content) if content else A.Terminate("success")


def _open_app(inputs: dict[str, Any]) -> A.Action:
    return A.OpenApp(str(inputs.get("app_name", "")))


_CLICKS: dict[str, tuple[A.Button, int]] = {
    "click": ("left", 1),
    "left_single": ("left", 1),
    "left_double": ("left", 2),
    "right_single": ("right", 1),
}
_SIMPLE: dict[str, Any] = {
    "wait": lambda _: A.Wait(WAIT_SECONDS),
    "finished": _finished,
    # OSWorld's UI-TARS agent reads call_user() as giving up (FAIL).
    "call_user": lambda _: A.Terminate("failure"),
    "press_home": lambda _: A.SystemButton("home"),
    "press_back": lambda _: A.SystemButton("back"),
    "open_app": _open_app,
}


def reply_text(action: A.Action, grid: Grid, thought: str = "") -> str:
    """What UI-TARS-1.5 writes for `action` (the oracle's wire format); ValueError when the
    action space has no way to say it."""
    return f"Thought: {thought or A.describe(action)}\nAction: {_call(action, grid)}"


def _box(grid: Grid, x: int, y: int) -> str:
    mx, my = grid.from_screen(x, y)
    return f"'({mx},{my})'"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _call(action: A.Action, grid: Grid) -> str:
    if A.points(action):
        return _pointer_call(action, grid)
    if isinstance(action, A.Type):
        return f"type(content={_quote(action.text)})"
    if isinstance(action, A.Key):
        return f"hotkey(key='{' '.join(normalize_key(k) for k in action.keys)}')"
    if isinstance(action, A.Wait):
        return "wait()"
    if isinstance(action, A.Answer):
        return f"finished(content={_quote(action.text)})"
    if isinstance(action, A.Terminate):
        return "finished(content='')" if action.status == "success" else "call_user()"
    if isinstance(action, A.SystemButton) and action.button in ("home", "back"):
        return f"press_{action.button}()"
    if isinstance(action, A.OpenApp):
        return f"open_app(app_name={_quote(action.name)})"
    raise ValueError(f"UI-TARS has no {A.describe(action)}")


def _pointer_call(action: A.Action, grid: Grid) -> str:
    if isinstance(action, A.Click):
        names = {("left", 1): "click", ("left", 2): "left_double", ("right", 1): "right_single"}
        name = names.get((action.button, action.count))
        if name is None:
            raise ValueError(f"UI-TARS has no {A.describe(action)}")
        return f"{name}(start_box={_box(grid, action.x, action.y)})"
    if isinstance(action, A.Move):
        return f"hover(start_box={_box(grid, action.x, action.y)})"
    if isinstance(action, A.LongPress):
        return f"long_press(start_box={_box(grid, action.x, action.y)})"
    if isinstance(action, A.Drag):
        start, end = _box(grid, action.x1, action.y1), _box(grid, action.x2, action.y2)
        return f"drag(start_box={start}, end_box={end})"
    if isinstance(action, A.Scroll):
        direction = (
            ("up" if action.dy > 0 else "down")
            if action.dy
            else ("right" if action.dx > 0 else "left")
        )
        return f"scroll(start_box={_box(grid, action.x, action.y)}, direction='{direction}')"
    raise ValueError(f"UI-TARS has no {A.describe(action)}")
