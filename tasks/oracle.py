"""The oracle: a task's reference solution played through the same path a model takes, by a
scripted model that answers in the run's family's wire format (`Family.wire`). Targets are
found at run time: by their text on the screenshot the model was sent (`click_text`, see
tasks/locate.py), by a window's geometry, or by a label on the phone, so the solution
survives window placement; each step becomes a canonical action in screen pixels first."""

from __future__ import annotations

import time
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


def _text_step(
    step: Step, request: dict[str, Any], env: Environment, since: float
) -> A.Action | None:
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
    width, height = env.screen_size
    x = min(max(x + int(dx), 0), width - 1)
    y = min(max(y + int(dy), 0), height - 1)
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
    """One scripted turn per solution step (a `click_text` step waits, a second at a time, until
    its text shows); after the last, a terminate with failure. A target that never shows makes
    the reply fail with what was looked for and what the screen showed (the run ends with it)."""
    steps = iter(task.solution)
    if task.environment == "android":
        from tasks.android import phone_step as to_step
    else:
        to_step = desktop_step  # type: ignore[assignment]
    looking: dict[str, Any] = {}  # the click_text step being looked for, since when

    def reply(request: dict[str, Any]) -> ScriptedTurn:
        if "failed" in looking:
            raise looking["failed"]
        step = looking.get("step") or next(steps, None)
        if step is not None and step.kind == "click_text":
            looking.setdefault("step", step)
            since = looking.setdefault("since", time.monotonic())
            try:
                found = _text_step(step, request, env, since)
            except Exception as exc:
                looking["failed"] = exc
                raise
            if found is None:
                return scripted(family.wire(A.Wait(1.0), env.screen_size))
            looking.clear()
            return scripted(family.wire(found, env.screen_size))
        if step is None:
            return scripted(family.wire(A.Terminate("failure"), env.screen_size))
        return scripted(family.wire(to_step(step, env), env.screen_size))  # type: ignore[arg-type]

    return reply
