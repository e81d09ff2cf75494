"""The oracle: a task's reference solution played through the same path a model takes, by a
scripted model server answering with Qwen's wire format. Targets are found at run time: by their
text on the screenshot the model was sent (`click_text`, see tasks/locate.py), or by a window's
geometry, so the solution survives window placement."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent.grid import Grid
from agent.protocols.qwen import QwenTool
from agent.scripted import ScriptedCall, ScriptedTurn
from environments.base import Environment
from environments.desktop import DesktopEnvironment
from tasks.spec import Step, Task

_BUTTONS = {"left": "left_click", "middle": "middle_click", "right": "right_click"}
_COUNTS = {2: "double_click", 3: "triple_click"}


def _use(**arguments: Any) -> ScriptedTurn:
    return ScriptedTurn(
        reasoning=f"Reference solution: {arguments['action']}.",
        calls=(ScriptedCall("computer_use", arguments),),
    )


def _window_turn(step: Step, env: DesktopEnvironment, grid: Grid) -> ScriptedTurn:
    args = step.args
    window = env.wait_for_window(args["title"], float(args.get("timeout", 10)))
    x = window.x + int(args.get("x", window.width // 2))
    y = window.y + int(args.get("y", window.height // 2))
    at = list(grid.from_screen(x, y))
    if step.kind == "scroll_window":
        return _use(action="scroll", coordinate=at, pixels=int(args["clicks"]))
    if step.kind == "drag_window":
        end = grid.from_screen(window.x + int(args["x2"]), window.y + int(args["y2"]))
        return _use(action="left_click_drag", start_coordinate=at, coordinate=list(end))
    count = int(args.get("count", 1))
    name = _COUNTS[count] if count > 1 else _BUTTONS[args.get("button", "left")]
    return _use(action=name, coordinate=at)


def _text_turn(
    step: Step, request: dict[str, Any], env: Environment, grid: Grid, since: float
) -> ScriptedTurn | None:
    """A click on a text found on the screen the model saw; None (wait and look again) while
    the text is not there yet and the step's `timeout` has not run out."""
    from tasks.locate import TargetNotFound, TextTarget, locate

    args = step.args
    within = args.get("within")
    target = TextTarget(
        str(args["text"]), tuple(within) if within else None, int(args.get("nth", 0))
    )
    try:
        x, y = locate(request, env.screen_size, target)
    except TargetNotFound:
        if time.monotonic() - since < float(args.get("timeout", 10)):
            return None
        raise
    dx, dy = args.get("offset", (0, 0))
    at = list(grid.from_screen(x + int(dx), y + int(dy)))
    count = int(args.get("count", 1))
    name = _COUNTS[count] if count > 1 else _BUTTONS[args.get("button", "left")]
    return _use(action=name, coordinate=at)


def _turn(step: Step, env: DesktopEnvironment, grid: Grid) -> ScriptedTurn:
    args = step.args
    value = args.get("value")
    if step.kind.endswith("_window"):
        return _window_turn(step, env, grid)
    if step.kind == "click":
        return _use(action="left_click", coordinate=list(grid.from_screen(args["x"], args["y"])))
    if step.kind == "type":
        return _use(action="type", text=value if value is not None else args["text"])
    if step.kind == "key":
        keys = value if value is not None else args["keys"]
        return _use(action="key", keys=keys if isinstance(keys, list) else [keys])
    if step.kind == "wait":
        return _use(action="wait", time=float(value or 1))
    if step.kind == "answer":
        return _use(action="answer", text=str(value))
    if step.kind == "terminate":
        return _use(action="terminate", status=value or "success")
    return ScriptedTurn(
        reasoning="Reference solution: a tool.",
        calls=(ScriptedCall(args["name"], args.get("arguments", {})),),
    )


def oracle_replies(
    task: Task, env: Environment, protocol: QwenTool
) -> Callable[[dict[str, Any]], ScriptedTurn]:
    """One scripted turn per solution step (a `click_text` step waits, a second at a time, until
    its text shows); after the last, a terminate with failure. A target that never shows makes
    the reply fail with what was looked for and what the screen showed (the run ends with it)."""
    steps = iter(task.solution)
    if task.environment == "android":
        from tasks.android import phone_turn as turn
    else:
        turn = _turn  # type: ignore[assignment]
    looking: dict[str, Any] = {}  # the click_text step being looked for, since when

    def reply(request: dict[str, Any]) -> ScriptedTurn:
        if "failed" in looking:
            raise looking["failed"]
        step = looking.get("step") or next(steps, None)
        if step is not None and step.kind == "click_text":
            looking.setdefault("step", step)
            since = looking.setdefault("since", time.monotonic())
            try:
                found = _text_turn(step, request, env, protocol.grid(env.screen_size), since)
            except Exception as exc:
                looking["failed"] = exc
                raise
            if found is None:
                return _use(action="wait", time=1.0)
            looking.clear()
            return found
        if step is None:
            return ScriptedTurn(
                reasoning="The reference solution is over.",
                calls=(
                    ScriptedCall(protocol.tool_name, {"action": "terminate", "status": "failure"}),
                ),
            )
        return turn(step, env, protocol.grid(env.screen_size))  # type: ignore[arg-type]

    return reply
