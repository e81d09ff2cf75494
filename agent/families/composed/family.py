"""A planner and a grounding model composed into one agent (as Cua's planner+grounder and
Agent S3 do): the planner sees the screen and writes the next step in words with the target
described (`plan.py`); for a step that points at something, the grounding model is asked where
the target is (`grounder.py`). Both models and the grounding answer are recorded with each
step (in the call's arguments). The planner runs on `--model-url`, the grounder on
`--grounding-url` (the same server may serve both).
"""

from __future__ import annotations

import re
from typing import Any

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import (
    AssistantEntry,
    Entry,
    FamilySetup,
    FamilySpec,
    ParsedCall,
    RequestFields,
    UserEntry,
    WireTurn,
    not_executed,
)
from agent.families.common import (
    TextFamily,
    image_indexes,
    prompt,
    sampling_fields,
    text_part,
    typed,
)
from agent.families.composed.grounder import GROUNDER, Grounder, Grounding, grounder_kind
from agent.families.composed.plan import DESKTOP_ACTIONS, PHONE_ACTIONS, POINTED, Plan, read_plan
from agent.families.presets import table_of
from agent.imaging import EncodedImage
from agent.keys import normalize_chord
from agent.turn import ModelTurn, ToolCall, new_call_id
from environments.base import Observation

PACKAGE = "agent.families.composed"
OMITTED = "(an earlier screenshot, omitted to save tokens)"
SCROLL_CLICKS = 5
WAIT_SECONDS = 2.0
_CLICKS = {
    "click": ("left", 1),
    "tap": ("left", 1),
    "double_click": ("left", 2),
    "triple_click": ("left", 3),
    "right_click": ("right", 1),
    "middle_click": ("middle", 1),
}
_DIRECTIONS = {"up": (1, 0), "down": (-1, 0), "right": (0, 1), "left": (0, -1)}
_POINT = re.compile(r"the point \((\d+), (\d+)\) of the screen")


class Composed(TextFamily):
    name = "composed"
    title = "the composed family"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        if setup.grounding is None:
            raise ValueError(
                "the composed family needs a grounding model: pass --grounding-url (it may be "
                "the same server as --model-url)"
            )
        kind = grounder_kind(setup.grounding.model, self.option(GROUNDER))
        self.options[GROUNDER.name] = kind
        self.grounder = Grounder(setup.grounding, kind)
        self.mobile = setup.environment == "android"
        self.actions = PHONE_ACTIONS if self.mobile else DESKTOP_ACTIONS
        self.protocol = f"composed-{'phone' if self.mobile else 'desktop'}+{kind}"
        self._screen = (1, 1)  # the last screen parsed on, for the oracle's grounding answers

    def request_fields(self) -> RequestFields:
        fields = sampling_fields(self.setup)
        if self.preset.thinking != "optional":
            return fields
        switch = {"chat_template_kwargs": {"enable_thinking": self.setup.thinking}}
        return RequestFields(fields.fields, {**fields.extra_body, **switch})

    def first_entry(self, task: str, image: EncodedImage) -> UserEntry:
        return UserEntry(text=f"The task: {task}\nThis is the current screen.", image=image)

    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        keep = image_indexes(entries, self.preset.history_images)
        system = prompt(PACKAGE, "planner_phone.txt" if self.mobile else "planner_desktop.txt")
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for index, entry in enumerate(entries):
            if isinstance(entry, AssistantEntry):
                messages.append({"role": "assistant", "content": entry.content})
                continue
            parts = [text_part(entry.text)] if entry.text else []
            if entry.image is not None:
                parts.append(entry.image.content_part() if index in keep else text_part(OMITTED))
            messages.append({"role": "user", "content": parts})
        return messages

    def feedback(self, error: str) -> str:
        return not_executed(
            error,
            "Answer with `Thought:`, `Action:` and the lines that action needs.",
        )

    def read(self, turn: ModelTurn, observation: Observation) -> tuple[ParsedCall, ...]:
        plan = read_plan(turn.text, self.actions)
        located = self._locate(plan, observation)
        actions = _actions(plan, located, observation)
        planner = {"model": self.setup.model_id, "url": self.setup.server_url}
        record: dict[str, Any] = {"plan": plan.lines(), "planner": planner}
        if located:
            record["grounding"] = [g.record() for g in located]
        return tuple(
            ParsedCall(ToolCall(new_call_id(), plan.action, record if i == 0 else {}, ""), a)
            for i, a in enumerate(actions)
        )

    def _locate(self, plan: Plan, observation: Observation) -> list[Grounding]:
        self._screen = observation.size
        if plan.action not in POINTED:
            return []
        located = [self.grounder.locate(plan.target, observation)]
        if plan.action in ("drag", "swipe"):
            located.append(self.grounder.locate(plan.to, observation))
        return located

    def reply_text(self, action: A.Action, screen: tuple[int, int]) -> str:
        return f"Thought: {A.describe(action)}\n{plan_for(action, self.mobile).lines()}"

    def grounding_wire(self, request: dict[str, Any]) -> WireTurn:
        """The oracle's grounding answer to a request: the point its target description names
        (`plan_for` writes screen pixels there), on the grounder's own grid and in its words."""
        texts = [
            part.get("text", "") if isinstance(part, dict) else str(part)
            for message in request.get("messages", [])
            for part in (
                message["content"] if isinstance(message["content"], list) else [message["content"]]
            )
        ]
        match = _POINT.search("\n".join(texts))
        if match is None:
            return WireTurn(content="I cannot find it.")
        return WireTurn(content=self.grounder.say(int(match[1]), int(match[2]), self._screen))


def _actions(plan: Plan, located: list[Grounding], observation: Observation) -> list[A.Action]:
    points = [g.point for g in located]
    name = plan.action
    if name in _CLICKS:
        button, count = _CLICKS[name]
        return [A.Click(*points[0], button, count)]  # type: ignore[arg-type]
    if name == "move":
        return [A.Move(*points[0])]
    if name == "long_press":
        return [A.LongPress(*points[0])]
    if name in ("drag", "swipe"):
        return [A.Drag(*points[0], *points[1])]
    if name == "scroll":
        if plan.direction not in _DIRECTIONS:
            raise InvalidAction("scroll needs `Direction:` up, down, left or right")
        dy, dx = _DIRECTIONS[plan.direction]
        return [A.Scroll(*points[0], dy=dy * SCROLL_CLICKS, dx=dx * SCROLL_CLICKS)]
    return [_unpointed(plan)] if name != "type" else typed(plan.text)


def _unpointed(plan: Plan) -> A.Action:
    name = plan.action
    if name == "key":
        if not plan.keys:
            raise InvalidAction("key needs a `Keys:` line, e.g. Keys: ctrl+s")
        return A.Key(normalize_chord(plan.keys))
    if name in ("back", "home", "recents"):
        return A.SystemButton(name)  # type: ignore[arg-type]
    if name == "open_app":
        return A.OpenApp(plan.text)
    if name == "wait":
        return A.Wait(WAIT_SECONDS)
    if name == "answer":
        if not plan.text:
            raise InvalidAction("answer needs a `Text:` line with the answer")
        return A.Answer(plan.text)
    if plan.status not in ("success", "failure"):
        raise InvalidAction("terminate needs `Status: success` or `Status: failure`")
    return A.Terminate(plan.status)  # type: ignore[arg-type]


def plan_for(action: A.Action, mobile: bool) -> Plan:
    """The plan that performs `action` when the target descriptions are the points themselves
    (the oracle's wire format: its grounding model reads the point back from the description)."""
    where = [f"the point ({x}, {y}) of the screen" for x, y in A.points(action)]
    if isinstance(action, A.Click):
        names = {v: k for k, v in _CLICKS.items() if k != ("click" if mobile else "tap")}
        name = names.get((action.button, action.count))
        if name is None:
            raise ValueError(f"the composed family has no {A.describe(action)}")
        return Plan(name, target=where[0])
    if isinstance(action, A.Move | A.LongPress):
        return Plan("move" if isinstance(action, A.Move) else "long_press", target=where[0])
    if isinstance(action, A.Drag):
        return Plan("swipe" if mobile else "drag", target=where[0], to=where[1])
    if isinstance(action, A.Scroll):
        direction = (
            ("up" if action.dy > 0 else "down")
            if action.dy
            else ("right" if action.dx > 0 else "left")
        )
        return Plan("scroll", target=where[0], direction=direction)
    return _plan_unpointed(action)


def _plan_unpointed(action: A.Action) -> Plan:
    if isinstance(action, A.Type):
        return Plan("type", text=action.text)
    if isinstance(action, A.Key):
        return Plan("key", keys="+".join(action.keys))
    if isinstance(action, A.SystemButton):
        return Plan(action.button)
    if isinstance(action, A.OpenApp):
        return Plan("open_app", text=action.name)
    if isinstance(action, A.Wait):
        return Plan("wait")
    if isinstance(action, A.Answer):
        return Plan("answer", text=action.text)
    if isinstance(action, A.Terminate):
        return Plan("terminate", status=action.status)
    raise ValueError(f"the composed family has no {A.describe(action)}")


table = table_of(PACKAGE)


FAMILY = FamilySpec(
    name="composed",
    create=Composed,
    presets=table,
    environments=("desktop", "android"),
    description="a planner model (any chat model) plus a grounding model (--grounding-url)",
    aliases=("planner-grounder",),
    options=(GROUNDER,),
)
