"""Qwen's `computer_use` tool, and what Qwen's tools share (see qwen_mobile.py for `mobile_use`).

These are the schemas the Qwen3-VL / Qwen3.5 models were trained on. The grid follows the
model family (relative 0..1000 for Qwen3-VL and Qwen3.5, absolute pixels of the smart_resized
image for Qwen2.5-VL). Screenshots are downscaled to a pixel budget on the
family's patch grid so that the server does not resize them again.
"""

from __future__ import annotations

import abc
import math
import re
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import (
    AssistantEntry,
    Entry,
    Family,
    FamilySetup,
    ParsedCall,
    ParseResult,
    RequestFields,
    ToolUse,
    UserEntry,
    WireCall,
    WireTurn,
    not_executed,
)
from agent.families.history import images_to_keep, max_images
from agent.families.qwen import makers
from agent.families.qwen.request import qwen_request_fields, read_text_calls
from agent.grid import Grid, GridKind
from agent.imaging import EncodedImage, ImageFormat, encode, smart_resize
from agent.keys import normalize_chord
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation

TOOL_NAME = "computer_use"
CLICKS = {
    "left_click": ("left", 1),
    "right_click": ("right", 1),
    "middle_click": ("middle", 1),
    "double_click": ("left", 2),
    "triple_click": ("left", 3),
}
ACTIONS = (
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
    "double_click", "triple_click", "scroll", "hscroll", "wait", "terminate", "answer",
)  # fmt: skip
# The makers' executors pass `pixels` straight to pyautogui.scroll, i.e. as wheel clicks
# (OSWorld mm_agents/qwen3vl_agent.py, Mobile-Agent-v3.5 computer_use/utils.py). We do the
# same, bounded so that an answer in screen pixels (-500) cannot spin the wheel for seconds;
# the bound keeps the amount monotonic in what the model asked for.
MAX_SCROLL_CLICKS = 50
OMITTED = "(an earlier screenshot, omitted to save tokens)"


def grid_for_model(model: str) -> GridKind:
    """Qwen2.5-VL answers in absolute pixels, newer Qwens on 0..1000 (from the model's preset)."""
    from agent.families.qwen.family import table

    preset = table().find(model)
    return preset.grid if preset is not None else "relative"


@cache
def prompt(name: str) -> str:
    return (resources.files("agent.families.qwen") / "prompts" / name).read_text().strip()


class QwenTool(Family):
    """One Qwen GUI tool (computer_use, mobile_use) plus any MCP tools offered next to it.

    A subclass names the tool, its actions and prompts, and maps one call's arguments to a
    canonical action (and back, for the oracle); screenshots, grids, history, requests and
    the parse loop are shared.
    """

    name = "qwen"
    tool_name: str
    actions: tuple[str, ...]
    system_prompt = "system.txt"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        self.extra_tools = list(setup.extra_tools)
        self._extra_names = {t["function"]["name"] for t in self.extra_tools}
        self.grid_kind: GridKind = setup.preset.grid
        self.factor = setup.preset.factor
        # "action": the makers' conversation (agent.families.qwen.makers); "tool_call": the
        # structured multi-turn one (tools in the request, tool-role results).
        if setup.preset.response_format not in ("action", "tool_call"):
            raise ValueError(
                f"unknown Qwen response format {setup.preset.response_format!r}: "
                "use action (the makers' format) or tool_call"
            )
        self.makers: makers.MakersFormat | None = (
            self.makers_format() if setup.preset.response_format == "action" else None
        )

    def makers_format(self) -> makers.MakersFormat:
        """Which of the makers' conversations this tool speaks (see `makers`)."""
        return "osworld-qwen25vl" if self.grid_kind == "absolute" else "osworld-qwen3vl"

    def request_fields(self) -> RequestFields:
        return qwen_request_fields(self.setup)

    def read_turn(self, turn: ModelTurn, tools: list[dict[str, Any]]) -> ModelTurn:
        if self.setup.thinking and turn.finish_reason == "length" and not turn.reasoning:
            # Cut off before `</think>` on a server without a reasoning parser (the template
            # opened `<think>`): all of it is reasoning, and a call it mentions is not one.
            thought = turn.text or turn.content
            return replace(turn, reasoning=thought, content="", text="", tool_calls=())
        if self.makers is not None:
            tools = makers.schemas(self.makers, self.extra_tools)
        return read_text_calls(turn, tools)

    def parser_for_text(self, text: str) -> str | None:
        if "<function=" in text:
            return "qwen3_coder"
        return "hermes" if "<tool_call>" in text else None

    def max_images(self) -> int:
        if self.makers == "qwen3vl-mobile":
            return 1
        if self.makers is not None:
            return self.preset.history_images + 1
        return max_images(self.preset.history_images, self.preset.history_chunk)

    def image_size(self, screen: tuple[int, int]) -> tuple[int, int]:
        """(width, height) of the image sent for a screen of this size."""
        height, width = smart_resize(
            screen[1], screen[0], self.factor, self.preset.min_pixels, self.preset.max_pixels
        )
        return width, height

    def grid(self, screen: tuple[int, int]) -> Grid:
        return Grid(self.grid_kind, screen, self.image_size(screen), self.preset.divisor)

    def encode(self, observation: Observation) -> EncodedImage:
        size = self.image_size(observation.size)
        fmt: ImageFormat = "png" if self.preset.image_format == "png" else "jpeg"
        return encode(observation.image, size, fmt)

    def wire(self, step: A.Action | ToolUse, screen: tuple[int, int]) -> WireTurn:
        if isinstance(step, ToolUse):
            call = WireCall(step.name, dict(step.arguments))
            return WireTurn(reasoning="Reference solution: a tool.", calls=(call,))
        arguments = self.wire_arguments(step, self.grid(screen))
        said = f"Action: {arguments['action']}." if self.makers is not None else ""
        return WireTurn(
            reasoning=f"Reference solution: {arguments['action']}.",
            content=said,
            calls=(WireCall(self.tool_name, arguments),),
        )

    @abc.abstractmethod
    def wire_arguments(self, action: A.Action, grid: Grid) -> dict[str, Any]:
        """The tool-call arguments that perform a canonical action."""

    def description(self, width: int, height: int) -> str:
        return prompt(f"{self.tool_name}.txt").format(width=width, height=height)

    @abc.abstractmethod
    def properties(self) -> dict[str, Any]:
        """The JSON schema properties of the tool's arguments."""

    @abc.abstractmethod
    def to_action(
        self, action: str, args: dict[str, Any], grid: Grid, pointer: tuple[int, int] | None
    ) -> A.Action:
        """The canonical action for one call whose `action` is one of `self.actions`."""

    def tools(self, screen: tuple[int, int]) -> list[dict[str, Any]]:
        if self.makers is not None:
            return []  # the makers' schema is in the system prompt
        width, height = self.grid(screen).model_size
        return [
            {
                "type": "function",
                "function": {
                    "name": self.tool_name,
                    "description": self.description(width, height),
                    "parameters": {
                        "type": "object",
                        "properties": self.properties(),
                        "required": ["action"],
                    },
                },
            },
            *self.extra_tools,
        ]

    def first_entry(self, task: str, image: EncodedImage) -> UserEntry:
        if self.makers is not None:
            return UserEntry(text=task, image=image)
        return UserEntry(text=f"The task: {task}\nThis is the current screen.", image=image)

    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        if self.makers is not None:
            return self._render_makers(entries)
        keep = images_to_keep(
            [isinstance(e, UserEntry) and e.image is not None for e in entries],
            self.preset.history_images,
            self.preset.history_chunk,
        )
        system = prompt(self.system_prompt)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for index, entry in enumerate(entries):
            if isinstance(entry, AssistantEntry):
                messages.extend(assistant_messages(entry))
            else:
                messages.append(_user_message(entry, index in keep))
        return messages

    def _render_makers(self, entries: list[Entry]) -> list[dict[str, Any]]:
        assert self.makers is not None
        images = [e.image for e in entries if isinstance(e, UserEntry) and e.image is not None]
        width, height = images[-1].size if images else (0, 0)
        screen = "1000x1000" if self.grid_kind == "relative" else f"{width}x{height}"
        system = makers.system_prompt(self.makers, screen, self.extra_tools)
        if self.makers == "qwen3vl-mobile":
            return makers.render_mobile(system, entries)
        history, chunk = self.preset.history_images, self.preset.history_chunk
        return makers.render_osworld(self.makers, system, entries, history, chunk)

    def feedback(self, error: str) -> str:
        return not_executed(
            error,
            f"Reply with a {self.tool_name} tool call whose arguments follow the tool's schema.",
        )

    def parse(self, turn: ModelTurn, observation: Observation) -> ParseResult:
        if turn.truncated_in_thinking:
            return ParseResult(
                error="your reply was cut off while you were still thinking, so no action came "
                "out; think more briefly and call the tool"
            )
        if turn.finish_reason == "length":
            # a reply cut by the output limit did not end as the model meant: a call in it may
            # be one it was only considering, or a type call missing the rest of its text
            return ParseResult(
                error="your reply was cut off by the output limit before it ended, so nothing "
                "in it was done; reply more briefly with one tool call"
            )
        if not turn.tool_calls:
            return ParseResult(error=f"it contained no tool call; call {self.tool_name}")
        grid = self.grid(observation.size)
        parsed = []
        for call in turn.tool_calls:
            try:
                parsed.append(ParsedCall(call, self._action(call, grid, observation.pointer)))
            except InvalidAction as exc:
                return ParseResult(error=str(exc))
        said = turn.text.strip() if self.makers is not None else None
        return ParseResult(calls=tuple(parsed), said=said)

    def _action(
        self, call: ToolCall, grid: Grid, pointer: tuple[int, int] | None
    ) -> A.Action | None:
        if call.arguments is None:
            raise InvalidAction(
                f"the {call.name or 'tool'} call has unusable arguments: {call.error}"
            )
        if call.name in self._extra_names:
            return None
        if call.name != self.tool_name:
            names = ", ".join([self.tool_name, *sorted(self._extra_names)])
            raise InvalidAction(f"unknown tool {call.name!r}: the tools are {names}")
        args = call.arguments
        action = args.get("action")
        if action not in self.accepted_actions:
            raise InvalidAction(
                f"unknown action {action!r}; the actions are: {', '.join(self.actions)}"
            )
        return self.to_action(action, args, grid, pointer)

    @property
    def accepted_actions(self) -> tuple[str, ...]:
        """What a call may ask for: the offered actions, or more where a model family is known
        to use other names."""
        return self.actions


class QwenComputerUse(QwenTool):
    protocol = "qwen-computer-use"
    tool_name = TOOL_NAME
    actions = ACTIONS

    def properties(self) -> dict[str, Any]:
        return _properties()

    def to_action(
        self, action: str, args: dict[str, Any], grid: Grid, pointer: tuple[int, int] | None
    ) -> A.Action:
        return _to_action(action, args, grid, pointer)

    def wire_arguments(self, action: A.Action, grid: Grid) -> dict[str, Any]:
        return computer_use_arguments(action, grid)


_CLICK_NAMES = {(button, count): name for name, (button, count) in CLICKS.items()}


def computer_use_arguments(action: A.Action, grid: Grid) -> dict[str, Any]:
    """The computer_use arguments of a canonical action (the inverse of the parser)."""
    if isinstance(action, A.Click):
        name = _CLICK_NAMES.get((action.button, action.count), "left_click")
        return {"action": name, "coordinate": list(grid.from_screen(action.x, action.y))}
    if isinstance(action, A.Move):
        return {"action": "mouse_move", "coordinate": list(grid.from_screen(action.x, action.y))}
    if isinstance(action, A.Drag):
        return {
            "action": "left_click_drag",
            "start_coordinate": list(grid.from_screen(action.x1, action.y1)),
            "coordinate": list(grid.from_screen(action.x2, action.y2)),
        }
    if isinstance(action, A.Scroll):
        name, amount = ("scroll", action.dy) if action.dy else ("hscroll", action.dx)
        at = list(grid.from_screen(action.x, action.y))
        return {"action": name, "coordinate": at, "pixels": amount}
    if isinstance(action, A.Type):
        return {"action": "type", "text": action.text}
    if isinstance(action, A.Key):
        return {"action": "key", "keys": list(action.keys)}
    if isinstance(action, A.Wait):
        return {"action": "wait", "time": action.seconds}
    if isinstance(action, A.Answer):
        return {"action": "answer", "text": action.text}
    if isinstance(action, A.Terminate):
        return {"action": "terminate", "status": action.status}
    raise InvalidAction(f"computer_use has no action for {action.kind}")


def _to_action(
    action: str, args: dict[str, Any], grid: Grid, pointer: tuple[int, int] | None
) -> A.Action:
    if action in CLICKS:  # no coordinate: at the pointer, as the makers' executors click
        button, count = CLICKS[action]
        x, y = point(args, grid, action) if "coordinate" in args else _pointer(pointer, action)
        return A.Click(x, y, button, count)  # type: ignore[arg-type]
    if action == "mouse_move":
        return A.Move(*point(args, grid, action))
    if action == "left_click_drag":
        x2, y2 = point(args, grid, action)
        x1, y1 = _start(args, grid, pointer, action)
        return A.Drag(x1, y1, x2, y2)
    if action in ("scroll", "hscroll"):
        amount = scroll_clicks(number(args, "pixels", action))
        x, y = point(args, grid, action) if "coordinate" in args else _pointer(pointer, action)
        return A.Scroll(x, y, dy=amount) if action == "scroll" else A.Scroll(x, y, dx=amount)
    if action == "type":
        return A.Type(text_arg(args, action))
    if action == "key":
        return A.Key(normalize_chord(_keys(args)))
    if action == "wait":
        return A.Wait(float(number(args, "time", action, default=1.0)))
    if action == "answer":
        return A.Answer(text_arg(args, action))
    return terminate(args)


def terminate(args: dict[str, Any]) -> A.Terminate:
    status = args.get("status")
    if status not in ("success", "failure"):
        raise InvalidAction(f"terminate needs status 'success' or 'failure', got {status!r}")
    return A.Terminate(status)


def point(args: dict[str, Any], grid: Grid, action: str) -> tuple[int, int]:
    value = args.get("coordinate")
    if isinstance(value, str):
        numbers = re.findall(r"-?\d+(?:\.\d+)?", value)
        value = [float(n) for n in numbers]
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidAction(f"{action} needs coordinate [x, y], got {value!r}")
    width, height = grid.model_size
    x, y = value
    if not (0 <= x <= width and 0 <= y <= height):
        raise InvalidAction(
            f"coordinate [{x:g}, {y:g}] is outside the {width}x{height} screen of the tool"
        )
    return grid.to_screen(x, y)


def _start(
    args: dict[str, Any], grid: Grid, pointer: tuple[int, int] | None, action: str
) -> tuple[int, int]:
    """Where a drag starts: `start_coordinate` if given, else the pointer (Qwen's convention)."""
    if "start_coordinate" in args:
        return point({"coordinate": args["start_coordinate"]}, grid, action)
    return _pointer(pointer, action)


def _pointer(pointer: tuple[int, int] | None, action: str) -> tuple[int, int]:
    if pointer is None:
        raise InvalidAction(f"{action} needs a coordinate here")
    return pointer


def number(args: dict[str, Any], key: str, action: str, default: float | None = None) -> float:
    value = args.get(key, default)
    if isinstance(value, bool):
        raise InvalidAction(f"{action} needs a number in {key!r}, got {value!r}")
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InvalidAction(f"{action} needs a number in {key!r}, got {value!r}") from None
    if not math.isfinite(result):
        raise InvalidAction(f"{action} needs a finite number in {key!r}, got {value!r}")
    return result


def scroll_clicks(pixels: float) -> int:
    """Wheel clicks for Qwen's `pixels`: as given, at least one, at most MAX_SCROLL_CLICKS;
    0 is refused (it says not to scroll, so turning the wheel would do what it did not mean)."""
    if pixels == 0:
        raise InvalidAction("scroll needs a non-zero number in 'pixels'")
    clicks = min(max(round(abs(pixels)), 1), MAX_SCROLL_CLICKS)
    return clicks if pixels > 0 else -clicks


def text_arg(args: dict[str, Any], action: str) -> str:
    value = args.get("text")
    if not isinstance(value, str) or not value:
        raise InvalidAction(f"{action} needs non-empty 'text'")
    return value


def _keys(args: dict[str, Any]) -> list[str] | str:
    value = args.get("keys", args.get("key", args.get("text")))
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(isinstance(k, str) for k in value):
        return value
    raise InvalidAction(f"key needs 'keys', a list of key names, got {value!r}")


def assistant_messages(entry: AssistantEntry) -> list[dict[str, Any]]:
    message: dict[str, Any] = {"role": "assistant", "content": entry.content or None}
    if entry.tool_calls:
        message["tool_calls"] = [call.to_message() for call in entry.tool_calls]
    results = [
        {"role": "tool", "tool_call_id": call.id, "content": result}
        for call, result in zip(entry.tool_calls, entry.results, strict=True)
    ]
    return [message, *results]


def _user_message(entry: UserEntry, with_image: bool) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if entry.text:
        parts.append({"type": "text", "text": entry.text})
    if entry.image is not None:
        parts.append(
            entry.image.content_part() if with_image else {"type": "text", "text": OMITTED}
        )
    return {"role": "user", "content": parts}


@cache
def _properties() -> dict[str, Any]:
    return {
        "action": {
            "type": "string",
            "enum": list(ACTIONS),
            "description": prompt("computer_use_action.txt"),
        },
        "keys": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Required only by `action=key`.",
        },
        "text": {
            "type": "string",
            "description": "Required only by `action=type` and `action=answer`.",
        },
        "coordinate": {
            "type": "array",
            "items": {"type": "number"},
            "description": "(x, y): The x (pixels from the left edge) and y (pixels from the "
            "top edge) coordinates to move the mouse to.",
        },
        "pixels": {
            "type": "number",
            "description": "The amount of scrolling to perform. Positive values scroll up, "
            "negative values scroll down. Required only by `action=scroll` and `action=hscroll`.",
        },
        "time": {
            "type": "number",
            "description": "The seconds to wait. Required only by `action=wait`.",
        },
        "status": {
            "type": "string",
            "enum": ["success", "failure"],
            "description": "The status of the task. Required only by `action=terminate`.",
        },
    }
