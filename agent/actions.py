"""The canonical actions: one small frozen type per action, always in screen pixels.

Protocols translate a model's own vocabulary and coordinate grid into these; environments
execute them. `validate` rejects an impossible action before anything touches the screen, with a
message the model can act on.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from agent.errors import InvalidAction
from agent.keys import normalize_chord

Button = Literal["left", "right", "middle"]


@dataclass(frozen=True)
class Click:
    x: int
    y: int
    button: Button = "left"
    count: int = 1
    kind: Literal["click"] = "click"


@dataclass(frozen=True)
class Move:
    x: int
    y: int
    kind: Literal["move"] = "move"


@dataclass(frozen=True)
class Drag:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: Literal["drag"] = "drag"


@dataclass(frozen=True)
class Scroll:
    """Wheel clicks at a point: positive `dy` scrolls up, positive `dx` scrolls right."""

    x: int
    y: int
    dy: int = 0
    dx: int = 0
    kind: Literal["scroll"] = "scroll"


@dataclass(frozen=True)
class Type:
    text: str
    kind: Literal["type"] = "type"


@dataclass(frozen=True)
class Key:
    """One key or a chord pressed together, in canonical names (see agent.keys)."""

    keys: tuple[str, ...]
    kind: Literal["key"] = "key"


@dataclass(frozen=True)
class LongPress:
    """Touch and hold (a phone's long press; on a desktop, the left button held down)."""

    x: int
    y: int
    seconds: float = 1.0
    kind: Literal["long_press"] = "long_press"


@dataclass(frozen=True)
class SystemButton:
    """A phone's navigation buttons, which have no keyboard equivalent on a desktop."""

    button: Literal["back", "home", "menu", "recents"]
    kind: Literal["system_button"] = "system_button"


@dataclass(frozen=True)
class OpenApp:
    """Launch an app by its name as a user knows it ("Settings") or by its package id."""

    name: str
    kind: Literal["open_app"] = "open_app"


@dataclass(frozen=True)
class Wait:
    seconds: float
    kind: Literal["wait"] = "wait"


@dataclass(frozen=True)
class Answer:
    text: str
    kind: Literal["answer"] = "answer"


@dataclass(frozen=True)
class Terminate:
    status: Literal["success", "failure"]
    kind: Literal["terminate"] = "terminate"


Action = (
    Click | Move | Drag | Scroll | Type | Key | LongPress | SystemButton | OpenApp | Wait | Answer
    | Terminate
)  # fmt: skip

ACTION_TYPES: dict[str, type[Action]] = {
    cls.__dataclass_fields__["kind"].default: cls for cls in typing.get_args(Action)
}
SYSTEM_BUTTONS = ("back", "home", "menu", "recents")
MAX_PRESS_SECONDS = 10.0

MAX_WAIT_SECONDS = 60.0
MAX_SCROLL_CLICKS = 100


def ends_run(action: Action) -> bool:
    return isinstance(action, Answer | Terminate)


def points(action: Action) -> list[tuple[int, int]]:
    """The screen points an action touches, for validation and for drawing it in a report."""
    if isinstance(action, Click | Move | Scroll | LongPress):
        return [(action.x, action.y)]
    if isinstance(action, Drag):
        return [(action.x1, action.y1), (action.x2, action.y2)]
    return []


def validate(action: Action, screen: tuple[int, int]) -> None:
    """Raise InvalidAction if `action` cannot run on a screen of size `screen` (width, height)."""
    width, height = screen
    for x, y in points(action):
        if not (0 <= x < width and 0 <= y < height):
            raise InvalidAction(f"{action.kind} at ({x}, {y}) is off the {width}x{height} screen")
    check = _CHECKS.get(type(action))
    if check is not None:
        check(action)


def _check_click(action: Click) -> None:
    if action.button not in ("left", "right", "middle"):
        raise InvalidAction(f"unknown mouse button {action.button!r}: use left, right or middle")
    if action.count not in (1, 2, 3):
        raise InvalidAction(f"a click is single, double or triple, not {action.count}")


def _check_scroll(action: Scroll) -> None:
    if action.dx == 0 and action.dy == 0:
        raise InvalidAction("scroll needs a non-zero amount")
    if max(abs(action.dx), abs(action.dy)) > MAX_SCROLL_CLICKS:
        raise InvalidAction(f"scroll by at most {MAX_SCROLL_CLICKS} wheel clicks at once")


def _check_wait(action: Wait) -> None:
    if not 0 <= action.seconds <= MAX_WAIT_SECONDS:
        raise InvalidAction(f"wait takes 0 to {MAX_WAIT_SECONDS:g} seconds, not {action.seconds:g}")


def _check_long_press(action: LongPress) -> None:
    if not 0 < action.seconds <= MAX_PRESS_SECONDS:
        raise InvalidAction(
            f"a long press lasts 0 to {MAX_PRESS_SECONDS:g} seconds, not {action.seconds:g}"
        )


def _check_system_button(action: SystemButton) -> None:
    if action.button not in SYSTEM_BUTTONS:
        raise InvalidAction(
            f"unknown system button {action.button!r}: use {', '.join(SYSTEM_BUTTONS)}"
        )


def _check_open_app(action: OpenApp) -> None:
    if not action.name.strip():
        raise InvalidAction("open_app needs the app's name")


def _check_type(action: Type) -> None:
    if not action.text:
        raise InvalidAction("type needs non-empty text")


def _check_terminate(action: Terminate) -> None:
    if action.status not in ("success", "failure"):
        raise InvalidAction(f"terminate status is 'success' or 'failure', not {action.status!r}")


def _check_key(action: Key) -> None:
    normalize_chord(action.keys)


_CHECKS: dict[type, Callable[[Any], None]] = {
    Click: _check_click,
    Scroll: _check_scroll,
    Key: _check_key,
    Wait: _check_wait,
    LongPress: _check_long_press,
    SystemButton: _check_system_button,
    OpenApp: _check_open_app,
    Type: _check_type,
    Terminate: _check_terminate,
}


def to_dict(action: Action) -> dict[str, Any]:
    """A JSON-ready dict with `kind` first, as recorded in trajectories."""
    data = dataclasses.asdict(action)
    return {
        "kind": data.pop("kind"),
        **{k: list(v) if isinstance(v, tuple) else v for k, v in data.items()},
    }


def from_dict(data: dict[str, Any]) -> Action:
    """Rebuild an action recorded by `to_dict` (used by resume and replays)."""
    fields = dict(data)
    cls = ACTION_TYPES[fields.pop("kind")]
    if cls is Key:
        fields["keys"] = tuple(fields["keys"])
    return cls(**fields)


def describe(action: Action) -> str:
    """A short human-readable line, used in summaries of older steps and in progress output."""
    if isinstance(action, Click):
        names = {1: "click", 2: "double-click", 3: "triple-click"}
        prefix = "" if action.button == "left" else f"{action.button} "
        return f"{prefix}{names.get(action.count, 'click')} at ({action.x}, {action.y})"
    if isinstance(action, Move):
        return f"move to ({action.x}, {action.y})"
    if isinstance(action, Drag):
        return f"drag ({action.x1}, {action.y1}) -> ({action.x2}, {action.y2})"
    if isinstance(action, Scroll):
        return f"scroll dy={action.dy} dx={action.dx} at ({action.x}, {action.y})"
    if isinstance(action, Type):
        return f"type {action.text!r}"
    if isinstance(action, Key):
        return "key " + "+".join(action.keys)
    if isinstance(action, LongPress):
        return f"long press {action.seconds:g}s at ({action.x}, {action.y})"
    if isinstance(action, SystemButton):
        return f"press {action.button.upper()}"
    if isinstance(action, OpenApp):
        return f"open app {action.name!r}"
    if isinstance(action, Wait):
        return f"wait {action.seconds:g}s"
    if isinstance(action, Answer):
        return f"answer {action.text!r}"
    return f"terminate ({action.status})"
