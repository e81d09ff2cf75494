"""The oracle: a task's reference solution played through the same path a model takes, by a
scripted model server answering with Qwen's wire format. Targets are found at run time (a
window's geometry), so the solution survives window placement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.protocols.qwen import QwenComputerUse
from agent.scripted import ScriptedCall, ScriptedTurn
from environments.desktop import DesktopEnvironment
from tasks.spec import Step, Task


def _use(**arguments: Any) -> ScriptedTurn:
    return ScriptedTurn(
        reasoning=f"Reference solution: {arguments['action']}.",
        calls=(ScriptedCall("computer_use", arguments),),
    )


def oracle_replies(
    task: Task, env: DesktopEnvironment, protocol: QwenComputerUse
) -> Callable[[dict[str, Any]], ScriptedTurn]:
    grid = protocol.grid(env.screen_size)
    steps = list(task.solution)
    served = 0

    def turn_for(step: Step) -> ScriptedTurn:
        args = step.args
        if step.kind in ("click_window", "drag_window", "scroll_window"):
            window = env.wait_for_window(args["title"], float(args.get("timeout", 10)))
            x = window.x + int(args.get("x", window.width // 2))
            y = window.y + int(args.get("y", window.height // 2))
            at = list(grid.from_screen(x, y))
            if step.kind == "scroll_window":
                return _use(action="scroll", coordinate=at, pixels=int(args["clicks"]))
            if step.kind == "drag_window":
                end = grid.from_screen(window.x + int(args["x2"]), window.y + int(args["y2"]))
                return _use(action="left_click_drag", start_coordinate=at, coordinate=list(end))
            action = {"left": "left_click", "middle": "middle_click", "right": "right_click"}
            name = action[args.get("button", "left")]
            if int(args.get("count", 1)) > 1:
                name = {2: "double_click", 3: "triple_click"}[int(args["count"])]
            return _use(action=name, coordinate=at)
        if step.kind == "click":
            return _use(
                action="left_click", coordinate=list(grid.from_screen(args["x"], args["y"]))
            )
        if step.kind == "type":
            return _use(action="type", text=args["value"] if "value" in args else args["text"])
        if step.kind == "key":
            keys = args.get("value", args.get("keys"))
            return _use(action="key", keys=keys if isinstance(keys, list) else [keys])
        if step.kind == "wait":
            return _use(action="wait", time=float(args.get("value", 1)))
        if step.kind == "answer":
            return _use(action="answer", text=str(args["value"]))
        if step.kind == "terminate":
            return _use(action="terminate", status=args.get("value", "success"))
        return ScriptedTurn(
            reasoning="Reference solution: a tool.",
            calls=(ScriptedCall(args["name"], args.get("arguments", {})),),
        )

    def reply(request: dict[str, Any]) -> ScriptedTurn:
        nonlocal served
        if served >= len(steps):
            return _use(action="terminate", status="failure")
        step = steps[served]
        served += 1
        return turn_for(step)

    return reply
