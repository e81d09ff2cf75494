"""UI-TARS-1.5 as a family: ByteDance's prompt, conversation and parser.

The prompts are ByteDance's COMPUTER_USE and MOBILE_USE templates (bytedance/UI-TARS,
`codes/prompts.py` at the commit before the ui-tars library replaced them with the Doubao
variants, c46cfd3^). The conversation follows their training example
(`data/training_example.json`): the default system prompt, the template with the instruction as
the first user turn, then screenshots and the model's replies, only the last few replies after
their screenshots; earlier replies go back with their coordinates wrapped in box tokens, as
their deployment guide sends them (`add_box_token`).
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
)
from agent.families.presets import claims_word, table_of
from agent.families.uitars.text import parse_reply, reply_text
from agent.imaging import EncodedImage
from agent.turn import ModelTurn
from environments.base import Observation

PACKAGE = "agent.families.uitars"
SYSTEM = "You are a helpful assistant."
LANGUAGE = FamilyOption(
    "language",
    "the language the prompt asks the model to think in (the template's `Use ... in Thought part`)",
    choices=("English", "Chinese"),
    default="English",
)


class UITars(TextFamily):
    name = "ui-tars"
    title = "UI-TARS"

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        self.mobile = setup.environment == "android"
        self.protocol = "ui-tars-mobile" if self.mobile else "ui-tars-computer"
        self.language = self.option(LANGUAGE)

    def request_fields(self) -> RequestFields:
        return sampling_fields(self.setup)

    def first_entry(self, task: str, image: EncodedImage) -> UserEntry:
        template = prompt(PACKAGE, "mobile.txt" if self.mobile else "computer.txt")
        return UserEntry(text=fill(template, language=self.language, instruction=task), image=image)

    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        from ui_tars.action_parser import add_box_token  # imports jsonschema: 0.2 s

        keep = image_indexes(entries, self.preset.history_images)
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}]
        for index, entry in enumerate(entries):
            if isinstance(entry, AssistantEntry):
                messages.append({"role": "assistant", "content": add_box_token(entry.content)})
                continue
            if entry.text:
                messages.append({"role": "user", "content": entry.text})
            if entry.image is not None and index in keep:
                messages.append({"role": "user", "content": [entry.image.content_part()]})
        return messages

    def feedback(self, error: str) -> str:
        return not_executed(
            error,
            "Reply with `Thought: ...` and one `Action: ...` from the action space.",
        )

    def read(self, turn: ModelTurn, observation: Observation) -> tuple[ParsedCall, ...]:
        return parse_reply(turn.text, observation, self.screenshot).calls

    def reply_text(self, action: A.Action, screen: tuple[int, int]) -> str:
        return reply_text(action, self.grid(screen))


table = table_of(PACKAGE)


_claims = claims_word("tars")


FAMILY = FamilySpec(
    name="ui-tars",
    create=UITars,
    presets=table,
    environments=("desktop", "android"),
    description="UI-TARS-1.5: Thought/Action text replies on Qwen2.5-VL's absolute grid",
    aliases=("uitars",),
    claims=_claims,
    options=(LANGUAGE,),
)
