"""The planner's reply: an action in words, with the target described instead of located.

The format is ours (no planner model was trained on one): `Action:` names the action and
`Target:` / `To:` describe elements for the grounding model; `Text:`, `Keys:`, `Direction:` and
`Status:` carry the rest. One action per reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.errors import InvalidAction

FIELDS = ("Thought", "Action", "Target", "To", "Text", "Keys", "Direction", "Status")
_LINE = re.compile(rf"^\s*({'|'.join(FIELDS)})\s*:\s?(.*)$", re.IGNORECASE)
DESKTOP_ACTIONS = (
    "click",
    "double_click",
    "triple_click",
    "right_click",
    "move",
    "drag",
    "scroll",
    "type",
    "key",
    "wait",
    "answer",
    "terminate",
)
PHONE_ACTIONS = (
    "tap",
    "long_press",
    "swipe",
    "type",
    "back",
    "home",
    "recents",
    "open_app",
    "wait",
    "answer",
    "terminate",
)
POINTED = frozenset(
    {
        "click",
        "double_click",
        "triple_click",
        "right_click",
        "move",
        "drag",
        "scroll",
        "tap",
        "long_press",
        "swipe",
    }
)


@dataclass(frozen=True)
class Plan:
    action: str
    target: str = ""
    to: str = ""
    text: str = ""
    keys: str = ""
    direction: str = ""
    status: str = ""

    def lines(self) -> str:
        """The plan as the planner writes it (without the thought)."""
        values = {
            "Action": self.action,
            "Target": self.target,
            "To": self.to,
            "Text": self.text.replace("\n", "\\n"),
            "Keys": self.keys,
            "Direction": self.direction,
            "Status": self.status,
        }
        return "\n".join(f"{k}: {v}" for k, v in values.items() if v)


def read_plan(text: str, actions: tuple[str, ...]) -> Plan:
    """The plan in a reply; InvalidAction names what is missing."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            found[match.group(1).lower()] = match.group(2).strip()
    action = found.get("action", "").lower().replace(" ", "_").strip("`'\"")
    if not action:
        raise InvalidAction("it has no `Action:` line")
    if action not in actions:
        raise InvalidAction(f"unknown action {action!r}; the actions are: {', '.join(actions)}")
    plan = Plan(
        action,
        target=found.get("target", ""),
        to=found.get("to", ""),
        text=found.get("text", "").replace("\\n", "\n"),
        keys=found.get("keys", ""),
        direction=found.get("direction", "").lower(),
        status=found.get("status", "").lower(),
    )
    if action in POINTED and not plan.target:
        raise InvalidAction(f"{action} needs a `Target:` line describing the element")
    if action in ("drag", "swipe") and not plan.to:
        raise InvalidAction(f"{action} needs a `To:` line describing where it ends")
    return plan
