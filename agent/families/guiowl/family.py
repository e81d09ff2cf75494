"""GUI-Owl-1.5 as a family: the makers' system prompts (the tool schema is in them), their
message layout, and Qwen's computer_use / mobile_use arguments.

From X-PLUG/MobileAgent at 11cea57 (Mobile-Agent-v3.5/computer_use/utils.py and
mobile_use/utils.py, `SYSTEM_PROMPT` and `build_messages`): the system prompt holds the tool
schema, so no `tools` go with the request and the model writes its call in the text as
`Action: ...` then one `<tool_call>{"name": ..., "arguments": ...}</tool_call>`. The first
user turn of the window carries the instruction and the earlier steps' `Action:` lines
("Previous actions"), then come the last few screenshots each followed by the model's reply,
then the current screenshot. On a phone the instruction starts with today's date, as the makers
write it.
"""

from __future__ import annotations

import ast
import datetime
import json
import re
from dataclasses import replace
from typing import Any

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import (
    AssistantEntry,
    Entry,
    FamilyOption,
    FamilySetup,
    FamilySpec,
    ParsedCall,
    RequestFields,
    UserEntry,
    not_executed,
)
from agent.families.common import TextFamily, prompt, sampling_fields, text_part
from agent.families.presets import claims_word, table_of
from agent.families.qwen.computer_use import QwenComputerUse, QwenTool
from agent.families.qwen.mobile_use import QwenMobileUse
from agent.imaging import EncodedImage
from agent.takeover import HUMAN_NEEDED
from agent.turn import ModelTurn, ToolCall, new_call_id
from environments.base import Observation

PACKAGE = "agent.families.guiowl"
DATE = FamilyOption(
    "date",
    "on a phone, the date the instruction starts with (default: today)",
    type=datetime.date.fromisoformat,
    value="YYYY-MM-DD",
)
_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL | re.IGNORECASE)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Names the makers' executors accept beside the schema's (run_gui_owl_1_5_for_pc.py / _mobile.py).
_DESKTOP_ALIASES = {
    "click": "left_click",
    "right click": "right_click",
    "hotkey": "key",
    "drag": "left_click_drag",
    "computer_double_click": "double_click",
    "stop": "terminate",
    "done": "terminate",
}
_PHONE_ALIASES = {"scroll": "swipe"}


class GuiOwl(TextFamily):
    name = "gui-owl"
    title = "GUI-Owl"
    no_tools = "is run here without MCP tools"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        self.mobile = setup.environment == "android"
        self.protocol = "gui-owl-mobile-use" if self.mobile else "gui-owl-computer-use"
        # Qwen's argument mapping, as the structured format reads it (GUI-Owl writes the same
        # calls, in its own reply layout).
        qwen = replace(setup, preset=replace(setup.preset, response_format="tool_call"))
        self.mapper: QwenTool = QwenMobileUse(qwen) if self.mobile else QwenComputerUse(qwen)
        self.aliases = _PHONE_ALIASES if self.mobile else _DESKTOP_ALIASES
        self.today = self.option(DATE) or datetime.date.today()
        if self.mobile:  # the phone prompt names the date: a resumed run keeps it
            self.options[DATE.name] = self.today

    def request_fields(self) -> RequestFields:
        return sampling_fields(self.setup)

    def max_images(self) -> int:
        return self.preset.history_images + 1

    def first_entry(self, task: str, image: EncodedImage) -> UserEntry:
        return UserEntry(text=task, image=image)

    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        task, steps, current, notes = _conversation(entries)
        keep = self.preset.history_images
        window = steps[-keep:] if keep > 0 else []
        earlier = steps[: len(steps) - len(window)]
        system = prompt(PACKAGE, "mobile_system.txt" if self.mobile else "computer_system.txt")
        messages: list[dict[str, Any]] = [{"role": "system", "content": [text_part(system)]}]
        opening = text_part(self._instruction(task, [said for _, said in earlier]))
        for index, (image, said) in enumerate(window):
            parts = [opening, image.content_part()] if index == 0 else [image.content_part()]
            messages.append({"role": "user", "content": parts})
            messages.append({"role": "assistant", "content": [text_part(said)]})
        last = [current.content_part()] if current is not None else []
        head = [] if window else [opening]
        tail = [text_part(note) for note in notes]
        messages.append({"role": "user", "content": [*head, *last, *tail]})
        return messages

    def _instruction(self, task: str, earlier: list[str]) -> str:
        lines = [f"Step {i + 1}: {action_line(said)}" for i, said in enumerate(earlier)]
        date = ""
        if self.mobile:
            weekday = _WEEKDAYS[self.today.weekday()]
            date = f"Today's date is: {self.today.isoformat()} {weekday}."
        return (
            "Please generate the next move according to the UI screenshot, instruction and "
            f"previous actions.\n\nInstruction: {date}{task}\n\n"
            f"Previous actions:\n{chr(10).join(lines) if lines else 'None'}"
        )

    def feedback(self, error: str) -> str:
        return not_executed(
            error,
            f"Reply with `Action: ...` and one <tool_call> of {self.mapper.tool_name}.",
        )

    def read(self, turn: ModelTurn, observation: Observation) -> tuple[ParsedCall, ...]:
        served = len(turn.tool_calls) == 1 and "<tool_call>" not in turn.text
        call = turn.tool_calls[0] if served else self._call(turn.text)
        if call.arguments is None:
            raise InvalidAction(f"its call has unusable arguments: {call.error}")
        return (ParsedCall(call, self._action(call, observation)),)

    def _call(self, text: str) -> ToolCall:
        blocks = _TOOL_CALL.findall(text)
        if len(blocks) != 1:
            found = "no" if not blocks else str(len(blocks))
            raise InvalidAction(f"it has {found} <tool_call> blocks; write exactly one")
        body = blocks[0].strip()
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            try:
                data = ast.literal_eval(body)
            except (ValueError, SyntaxError):
                raise InvalidAction("its <tool_call> is not a JSON object") from None
        if not isinstance(data, dict) or not isinstance(data.get("arguments"), dict):
            raise InvalidAction('its <tool_call> needs {"name": ..., "arguments": {...}}')
        return ToolCall(new_call_id(), str(data.get("name", "")), data["arguments"], body)

    def _action(self, call: ToolCall, observation: Observation) -> A.Action:
        tool = self.mapper.tool_name
        if call.name != tool:
            raise InvalidAction(f"unknown tool {call.name!r}: the tool is {tool}")
        args = dict(call.arguments or {})
        name = self.aliases.get(str(args.get("action")), args.get("action"))
        if name == "interact":
            return A.Answer(f"{HUMAN_NEEDED} {args.get('text') or 'the model asks for a person'}")
        if name == "open app":
            return A.OpenApp(str(args.get("app_name") or args.get("text") or ""))
        if name not in self.mapper.accepted_actions:
            known = ", ".join(self.mapper.actions)
            raise InvalidAction(f"unknown action {name!r}; the actions are: {known}")
        grid = self.grid(observation.size)
        return self.mapper.to_action(str(name), args, grid, observation.pointer)

    def reply_text(self, action: A.Action, screen: tuple[int, int]) -> str:
        arguments = self.mapper.wire_arguments(action, self.grid(screen))
        call = json.dumps(
            {"name": self.mapper.tool_name, "arguments": arguments}, ensure_ascii=False
        )
        return f"Action: {A.describe(action)}\n<tool_call>\n{call}\n</tool_call>"


def action_line(said: str) -> str:
    """What the makers keep of an earlier reply: the text between `Action:` and the call."""
    if "Action:" in said and "<tool_call>" in said:
        return said.split("Action:")[1].split("<tool_call>")[0].strip()
    return said


def _conversation(
    entries: list[Entry],
) -> tuple[str, list[tuple[EncodedImage, str]], EncodedImage | None, list[str]]:
    """The task, each step's (screenshot, reply), the current screenshot and any notes after
    it (feedback on a reply that could not be executed)."""
    task = next((e.text for e in entries if isinstance(e, UserEntry) and e.text), "")
    steps: list[tuple[EncodedImage, str]] = []
    image: EncodedImage | None = None
    notes: list[str] = []
    for entry in entries:
        if isinstance(entry, AssistantEntry):
            if image is not None:
                steps.append((image, entry.content))
            notes = []
        else:
            if entry.image is not None:
                image, notes = entry.image, []
            elif entry.text != task:
                notes.append(entry.text)
    return task, steps, image, notes


table = table_of(PACKAGE)


_claims = claims_word("owl")


FAMILY = FamilySpec(
    name="gui-owl",
    create=GuiOwl,
    presets=table,
    environments=("desktop", "android"),
    description="GUI-Owl-1.5 (Mobile-Agent-v3.5): computer_use / mobile_use calls in the text",
    aliases=("guiowl", "gui-owl-1.5"),
    claims=_claims,
    options=(DATE,),
)
