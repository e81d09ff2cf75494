"""Our model families behind OSWorld's agent interface, so OSWorld's own harness can run them
on its virtual machines:

    agent = OSWorldAgent(Settings(model=ModelConfig(model_url="http://gpu:8000/v1")))
    agent.reset()
    response, actions = agent.predict(instruction, obs)   # obs["screenshot"]: PNG bytes

`actions` are what OSWorld's `DesktopEnv.step` takes in its `pyautogui` action space: Python
code strings that its VM runs after `import pyautogui; import time; pyautogui.FAILSAFE = False`,
or one of the special actions `WAIT`, `DONE` and `FAIL`. The code is written by us from the
canonical action the family parsed, in screen pixels of the screenshot; the model's own text is
never run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from agent import actions as A
from agent import builder
from agent.families.base import AssistantEntry, Entry, Family, UserEntry
from agent.model import ChatModel
from agent.settings import Settings
from environments.base import Observation

WAIT, DONE, FAIL = "WAIT", "DONE", "FAIL"


def pyautogui_code(action: A.Action) -> str:
    """The code (or special action) OSWorld's executor runs for one canonical action."""
    if isinstance(action, A.Click):
        return (
            f"pyautogui.click({action.x}, {action.y}, clicks={action.count}, "
            f"button={action.button!r})"
        )
    if isinstance(action, A.Move):
        return f"pyautogui.moveTo({action.x}, {action.y})"
    if isinstance(action, A.Drag):
        return (
            f"pyautogui.moveTo({action.x1}, {action.y1}); "
            f"pyautogui.dragTo({action.x2}, {action.y2}, duration=0.5, button='left')"
        )
    if isinstance(action, A.Scroll):
        if action.dx:
            return f"pyautogui.hscroll({action.dx}, x={action.x}, y={action.y})"
        return f"pyautogui.scroll({action.dy}, x={action.x}, y={action.y})"
    if isinstance(action, A.Type):
        return f"pyautogui.write({action.text!r}, interval=0.01)"
    if isinstance(action, A.Key):
        keys = ", ".join(repr(key) for key in action.keys)
        return f"pyautogui.hotkey({keys})" if len(action.keys) > 1 else f"pyautogui.press({keys})"
    if isinstance(action, A.LongPress):
        return (
            f"pyautogui.mouseDown({action.x}, {action.y}); time.sleep({action.seconds:g}); "
            "pyautogui.mouseUp()"
        )
    if isinstance(action, A.Wait):
        return WAIT if action.seconds <= 2 else f"time.sleep({action.seconds:g})"
    if isinstance(action, A.Answer):
        return DONE  # OSWorld has no answer channel: the text stays in the response
    if isinstance(action, A.Terminate):
        return DONE if action.status == "success" else FAIL
    raise ValueError(f"OSWorld's desktop has no {A.describe(action)}")


@dataclass
class _Conversation:
    entries: list[Entry]
    introduced: bool = False


class OSWorldAgent:
    """`predict(instruction, obs) -> (response, actions)` and `reset()`, as OSWorld's agents
    have them, speaking to the model in its family's format (chosen from the model id, or by
    `settings.family`)."""

    def __init__(
        self,
        settings: Settings | None = None,
        model: ChatModel | None = None,
        family: Family | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.model: ChatModel = model or builder.build_model(self.settings.model)
        if family is None:
            model_id = self.model.model
            resolution = builder.resolve_family(self.settings.family, model_id)
            grounding = builder.build_grounding(self.settings.model)
            family = builder.build_family(
                self.settings, model_id, resolution, "desktop", (), grounding
            )
        self.family = family
        self._talk = _Conversation([])

    def reset(self, *args: Any, **kwargs: Any) -> None:
        """A new task: the conversation starts over (OSWorld passes a logger; it is unused)."""
        self._talk = _Conversation([])

    def predict(self, instruction: str, obs: dict[str, Any]) -> tuple[str, list[str]]:
        image = Image.open(io.BytesIO(obs["screenshot"])).convert("RGB")
        observation = Observation(image)
        encoded = self.family.encode(observation)
        talk = self._talk
        entry = None if talk.introduced else self.family.first_entry(instruction, encoded)
        talk.entries.append(entry or UserEntry(image=encoded))
        talk.introduced = True
        messages = self.family.render(talk.entries)
        tools = self.family.tools(observation.size)
        turn = self.model.complete(messages, tools, self.family.request_fields())
        turn = self.family.read_turn(turn, tools)
        parsed = self.family.parse(turn, observation)
        response = turn.text or turn.content
        if parsed.error is not None:  # nothing runs; the model hears why on the next step
            talk.entries.append(AssistantEntry(content=turn.text.strip()))
            talk.entries.append(UserEntry(text=self.family.feedback(parsed.error)))
            return response, []
        actions, results = [], []
        for item in parsed.calls:
            if item.action is None:
                results.append(f"error: {item.call.name} is not available in OSWorld")
                continue
            try:
                actions.append(pyautogui_code(item.action))
                results.append("done")
            except ValueError as exc:
                results.append(f"error: {exc}")
        talk.entries.append(
            AssistantEntry(
                content=turn.content if parsed.said is None else parsed.said,
                tool_calls=tuple(c.call for c in parsed.calls),
                results=tuple(results),
            )
        )
        return response, actions
