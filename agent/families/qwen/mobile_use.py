"""Qwen's `mobile_use` tool: taps, swipes and system buttons on a phone's screen.

Two action sets exist in Qwen's material: the tool schema (key, click, long_press, swipe, type,
system_button, open, wait, terminate) and the Qwen3-VL mobile notebook's (click, long_press,
swipe, type, answer, system_button, wait, terminate). Either can be offered; a call using any
action of either is understood, since a model trained on one may answer with the other. The
tool set gets `answer` added, so that questions can be answered as the system prompt says.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import FamilySetup
from agent.families.qwen import makers
from agent.families.qwen.computer_use import QwenTool, number, point, terminate, text_arg
from agent.grid import Grid
from agent.keys import normalize_key

TOOL_NAME = "mobile_use"
MobileActionSet = Literal["tool", "notebook"]
ACTION_SETS: dict[str, tuple[str, ...]] = {
    "tool": ("key", "click", "long_press", "swipe", "type", "system_button", "open", "wait",
             "answer", "terminate"),
    "notebook": ("click", "long_press", "swipe", "type", "answer", "system_button", "wait",
                 "terminate"),
}  # fmt: skip
ALL_ACTIONS = tuple(dict.fromkeys(ACTION_SETS["tool"] + ACTION_SETS["notebook"]))
_BUTTONS = {"back": "back", "home": "home", "menu": "menu", "recents": "recents",
            "app_switch": "recents", "appswitch": "recents", "overview": "recents"}  # fmt: skip
DEFAULT_PRESS_SECONDS = 1.0


class QwenMobileUse(QwenTool):
    protocol = "qwen-mobile-use"
    tool_name = TOOL_NAME
    system_prompt = "mobile_system.txt"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        from agent.families.qwen.family import MOBILE_ACTIONS

        self.actions = ACTION_SETS[self.option(MOBILE_ACTIONS)]

    def makers_format(self) -> makers.MakersFormat:
        return "qwen3vl-mobile"

    @property
    def accepted_actions(self) -> tuple[str, ...]:
        return ALL_ACTIONS

    def properties(self) -> dict[str, Any]:
        return _properties(self.actions)

    def to_action(
        self, action: str, args: dict[str, Any], grid: Grid, pointer: tuple[int, int] | None
    ) -> A.Action:
        if action == "click":
            return A.Click(*point(args, grid, action))
        if action == "long_press":
            seconds = number(args, "time", action, default=DEFAULT_PRESS_SECONDS)
            return A.LongPress(*point(args, grid, action), seconds=seconds or DEFAULT_PRESS_SECONDS)
        if action == "swipe":
            if "coordinate2" not in args:
                raise InvalidAction("swipe needs coordinate2, the point where the swipe ends")
            x1, y1 = point(args, grid, action)
            x2, y2 = point({"coordinate": args["coordinate2"]}, grid, action)
            return A.Drag(x1, y1, x2, y2)
        if action == "type":
            return A.Type(text_arg(args, action))
        if action == "key":
            return _key(text_arg(args, action))
        if action == "system_button":
            return _system_button(args.get("button"))
        if action == "open":
            return A.OpenApp(text_arg(args, action))
        if action == "wait":
            return A.Wait(number(args, "time", action, default=1.0))
        if action == "answer":
            return A.Answer(text_arg(args, action))
        return terminate(args)

    def wire_arguments(self, action: A.Action, grid: Grid) -> dict[str, Any]:
        return mobile_use_arguments(action, grid)


def mobile_use_arguments(action: A.Action, grid: Grid) -> dict[str, Any]:
    """The mobile_use arguments of a canonical action (the inverse of the parser)."""
    if isinstance(action, A.Click):
        return {"action": "click", "coordinate": list(grid.from_screen(action.x, action.y))}
    if isinstance(action, A.LongPress):
        at = list(grid.from_screen(action.x, action.y))
        return {"action": "long_press", "coordinate": at, "time": action.seconds}
    if isinstance(action, A.Drag):
        return {
            "action": "swipe",
            "coordinate": list(grid.from_screen(action.x1, action.y1)),
            "coordinate2": list(grid.from_screen(action.x2, action.y2)),
        }
    if isinstance(action, A.Type):
        return {"action": "type", "text": action.text}
    if isinstance(action, A.Key):
        return {"action": "key", "text": "+".join(action.keys)}
    if isinstance(action, A.SystemButton):
        return {"action": "system_button", "button": action.button.capitalize()}
    if isinstance(action, A.OpenApp):
        return {"action": "open", "text": action.name}
    if isinstance(action, A.Wait):
        return {"action": "wait", "time": action.seconds}
    if isinstance(action, A.Answer):
        return {"action": "answer", "text": action.text}
    if isinstance(action, A.Terminate):
        return {"action": "terminate", "status": action.status}
    raise InvalidAction(f"mobile_use has no action for {action.kind}")


def _system_button(value: Any) -> A.Action:
    name = value.strip().lower() if isinstance(value, str) else ""
    if name == "enter":
        return A.Key(("enter",))
    if name not in _BUTTONS:
        raise InvalidAction(f"system_button needs button Back, Home, Menu or Enter, got {value!r}")
    return A.SystemButton(_BUTTONS[name])  # type: ignore[arg-type]


def _key(text: str) -> A.Action:
    """adb keyevent names ("KEYCODE_VOLUME_UP", "volume_up", "back") as canonical actions."""
    name = text.strip().lower().removeprefix("keycode_")
    if name in _BUTTONS:
        return A.SystemButton(_BUTTONS[name])  # type: ignore[arg-type]
    try:
        return A.Key((normalize_key(name),))
    except InvalidAction:
        return A.Key((normalize_key(name.replace("_", "")),))


@cache
def _properties(actions: tuple[str, ...]) -> dict[str, Any]:
    listing = "\n".join(f"* `{action}`: {_ACTION_HELP[action]}" for action in actions)
    return {
        "action": {
            "type": "string",
            "enum": list(actions),
            "description": f"The action to perform. The available actions are:\n{listing}",
        },
        "coordinate": {
            "type": "array",
            "description": "(x, y): The x (pixels from the left edge) and y (pixels from the "
            "top edge) coordinates to move the mouse to. Required only by `action=click`, "
            "`action=long_press`, and `action=swipe`.",
        },
        "coordinate2": {
            "type": "array",
            "description": "(x, y): The x (pixels from the left edge) and y (pixels from the "
            "top edge) coordinates to move the mouse to. Required only by `action=swipe`.",
        },
        "text": {
            "type": "string",
            "description": "Required only by `action=key`, `action=type`, `action=open` and "
            "`action=answer`.",
        },
        "time": {
            "type": "number",
            "description": "The seconds to wait. Required only by `action=long_press` and "
            "`action=wait`.",
        },
        "button": {
            "type": "string",
            "enum": ["Back", "Home", "Menu", "Enter"],
            "description": "Back means returning to the previous interface, Home means "
            "returning to the desktop, Menu means opening the application background menu, and "
            "Enter means pressing the enter. Required only by `action=system_button`",
        },
        "status": {
            "type": "string",
            "enum": ["success", "failure"],
            "description": "The status of the task. Required only by `action=terminate`.",
        },
    }


_ACTION_HELP = {
    "key": "Perform a key event on the mobile device.\n    - This supports adb's `keyevent` "
    'syntax.\n    - Examples: "volume_up", "volume_down", "power", "camera", "clear".',
    "click": "Click the point on the screen with coordinate (x, y).",
    "long_press": "Press the point on the screen with coordinate (x, y) for specified seconds.",
    "swipe": "Swipe from the starting point with coordinate (x, y) to the end point with "
    "coordinates2 (x2, y2).",
    "type": "Input the specified text into the activated input box.",
    "system_button": "Press the system button.",
    "open": "Open an app on the device.",
    "wait": "Wait specified seconds for the change to happen.",
    "answer": "Output the answer.",
    "terminate": "Terminate the current task and report its completion status.",
}
