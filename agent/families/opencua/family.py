"""OpenCUA as a family: the makers' prompts and history, code parsed with `ast`.

The prompts are xlang-ai/OpenCUA's L2 system prompt (L1 or L3 with the `level` option) and
instruction template (`evaluation/agentnetbench/agent/opencua.py` at 1d70f20, mirrored by
OSWorld's OpenCUA agent).
Each earlier step comes back as an assistant turn `# Step N:` / `## Action:` with the action it
described, the last few after their screenshots; the current screenshot comes with the
instruction. Feedback on a reply that could not be executed follows as a user turn (the makers
retry instead; a model sees the reason here).
"""

from __future__ import annotations

from typing import Any

from agent import actions as A
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
from agent.families.common import (
    TextFamily,
    fill,
    image_indexes,
    prompt,
    sampling_fields,
    step,
    text_part,
)
from agent.families.opencua.text import (
    Coordinates,
    Reading,
    code_actions,
    code_block,
    reply_text,
    section,
)
from agent.families.presets import claims_word, table_of
from agent.imaging import EncodedImage
from agent.turn import ModelTurn
from environments.base import Observation

PACKAGE = "agent.families.opencua"
LEVEL = FamilyOption(
    "level",
    "the makers' system prompt: l1 (action only), l2 (thought and action) or l3 "
    "(observation, thought and action)",
    choices=("l1", "l2", "l3"),
    default="l2",
)


class OpenCUA(TextFamily):
    name = "opencua"
    title = "OpenCUA"
    protocol = "opencua-pyautogui"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        self.level = self.option(LEVEL)
        coordinates: Coordinates = "relative" if setup.preset.grid == "relative" else "qwen25"
        self.reading = Reading(coordinates, self.screenshot)

    def request_fields(self) -> RequestFields:
        return sampling_fields(self.setup)

    def first_entry(self, task: str, image: EncodedImage) -> UserEntry:
        return UserEntry(
            text=fill(prompt(PACKAGE, "instruction.txt"), instruction=task), image=image
        )

    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        keep = image_indexes(entries, self.preset.history_images)
        system = prompt(PACKAGE, f"system_{self.level}.txt")
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        instruction = next((e.text for e in entries if isinstance(e, UserEntry) and e.text), "")
        current = max(keep, default=-1)
        number, notes = 0, list[str]()
        for index, entry in enumerate(entries):
            if isinstance(entry, AssistantEntry):
                number += 1
                text = f"# Step {number}:\n## Action:\n{section(entry.content, 'Action')}\n"
                messages.append({"role": "assistant", "content": text})
                notes = []
                continue
            if entry.text and entry.text != instruction:
                notes.append(entry.text)
            if entry.image is None or index not in keep:
                continue
            parts = [entry.image.content_part()]
            if index == current:
                parts.append(text_part(instruction))
            messages.append({"role": "user", "content": parts})
        if notes:
            messages.append({"role": "user", "content": "\n".join(notes)})
        return messages

    def feedback(self, error: str) -> str:
        return not_executed(
            error,
            "End your reply with one ```python block of pyautogui calls (or "
            "computer.triple_click, computer.wait, computer.terminate) with literal arguments.",
        )

    def read(self, turn: ModelTurn, observation: Observation) -> tuple[ParsedCall, ...]:
        code = code_block(turn.text)
        return step("pyautogui", code, code_actions(code, observation, self.reading)).calls

    def reply_text(self, action: A.Action, screen: tuple[int, int]) -> str:
        return reply_text(action, self.grid(screen))


table = table_of(PACKAGE)


_claims = claims_word("opencua")


FAMILY = FamilySpec(
    name="opencua",
    create=OpenCUA,
    presets=table,
    environments=("desktop",),
    description="OpenCUA-7B/32B: pyautogui code after a thought/action preamble (never executed)",
    claims=_claims,
    options=(LEVEL,),
)
