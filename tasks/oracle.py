"""The oracle: a task's reference solution played through the same path a model takes, by a
scripted model that answers in the run's family's wire format (`Family.wire`). Targets are
found at run time (a window's geometry, a label on the phone), so the solution survives
window placement; each step becomes a canonical action in screen pixels first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent import actions as A
from agent.families.base import Family, ToolUse, WireTurn
from agent.keys import normalize_chord
from agent.scripted import ScriptedCall, ScriptedTurn
from environments.base import Environment
from environments.desktop import DesktopEnvironment
from tasks.spec import Step, Task


def _window_step(step: Step, env: DesktopEnvironment) -> A.Action:
    args = step.args
    window = env.wait_for_window(args["title"], float(args.get("timeout", 10)))
    x = window.x + int(args.get("x", window.width // 2))
    y = window.y + int(args.get("y", window.height // 2))
    if step.kind == "scroll_window":
        return A.Scroll(x, y, dy=int(args["clicks"]))
    if step.kind == "drag_window":
        return A.Drag(x, y, window.x + int(args["x2"]), window.y + int(args["y2"]))
    count = int(args.get("count", 1))
    button: A.Button = "left" if count > 1 else args.get("button", "left")
    return A.Click(x, y, button, count)


def desktop_step(step: Step, env: DesktopEnvironment) -> A.Action | ToolUse:
    """The canonical action (or tool call) of one solution step on a desktop."""
    args = step.args
    value = args.get("value")
    if step.kind.endswith("_window"):
        return _window_step(step, env)
    if step.kind == "click":
        return A.Click(int(args["x"]), int(args["y"]))
    if step.kind == "type":
        return A.Type(value if value is not None else args["text"])
    if step.kind == "key":
        keys = value if value is not None else args["keys"]
        return A.Key(normalize_chord(keys if isinstance(keys, list) else [keys]))
    if step.kind == "wait":
        return A.Wait(float(value or 1))
    if step.kind == "answer":
        return A.Answer(str(value))
    if step.kind == "terminate":
        return A.Terminate(value or "success")
    return ToolUse(args["name"], args.get("arguments", {}))


def scripted(turn: WireTurn) -> ScriptedTurn:
    """A family's wire turn as the scripted server's turn."""
    calls = tuple(
        ScriptedCall(c.name, dict(c.arguments) if not isinstance(c.arguments, str) else c.arguments)
        for c in turn.calls
    )
    if not calls:
        return ScriptedTurn(reasoning=turn.reasoning, raw=turn.content)
    return ScriptedTurn(reasoning=turn.reasoning, content=turn.content, calls=calls)


def oracle_replies(
    task: Task, env: Environment, family: Family
) -> Callable[[dict[str, Any]], ScriptedTurn]:
    """One scripted turn per solution step; after the last, a terminate with failure."""
    steps = iter(task.solution)
    if task.environment == "android":
        from tasks.android import phone_step as to_step
    else:
        to_step = desktop_step  # type: ignore[assignment]

    def reply(request: dict[str, Any]) -> ScriptedTurn:
        step = next(steps, None)
        if step is None:
            return scripted(family.wire(A.Terminate("failure"), env.screen_size))
        return scripted(family.wire(to_step(step, env), env.screen_size))  # type: ignore[arg-type]

    return reply
