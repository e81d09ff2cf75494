"""What the text-reply families share: prompt files, screenshot sizing, requests, parsed steps.

UI-TARS, OpenCUA, GUI-Owl and the composed agent do not use the server's tool calling: the
model writes its action as text (a Python-like call, pyautogui code, or a `<tool_call>` block
inside the reply) and the family parses it. A parsed step is recorded as a call named for the
action the model wrote, with the action's text in `raw_arguments`, so trajectories and reports
keep what the model said next to the canonical actions it became.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from agent import actions as A
from agent.errors import InvalidAction
from agent.families.base import (
    Family,
    FamilySetup,
    ParsedCall,
    ParseResult,
    RequestFields,
    ToolUse,
    UserEntry,
    WireTurn,
)
from agent.families.presets import Preset
from agent.grid import Grid, GridKind
from agent.imaging import EncodedImage, ImageFormat, encode, smart_resize
from agent.turn import ModelTurn, ToolCall, new_call_id
from environments.base import Observation

# Sampling keys vLLM takes only under extra_body (the OpenAI client rejects them at top level).
_EXTRA_BODY_SAMPLING = ("top_k", "min_p", "repetition_penalty")


@cache
def prompt(package: str, name: str) -> str:
    """A prompt file of `package`/prompts exactly as stored: several are the makers' text the
    models were trained on, so not even a trailing newline may change."""
    return (resources.files(package) / "prompts" / name).read_text(encoding="utf-8")


def fill(template: str, **values: str) -> str:
    """Put values into `{name}` slots; other braces (JSON schemas in the prompt) stay as written."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def sampling_fields(setup: FamilySetup) -> RequestFields:
    """The preset's output length and the run's sampling; no template switches (these models
    have no thinking switch: a thinking variant is a model of its own)."""
    sampling = dict(setup.sampling)
    extra: dict[str, Any] = {k: sampling.pop(k) for k in _EXTRA_BODY_SAMPLING if k in sampling}
    return RequestFields({"max_tokens": setup.preset.max_tokens, **sampling}, extra)


@dataclass(frozen=True)
class Screenshot:
    """How a family sizes screenshots and reads coordinates back.

    `factor`, `min_pixels` and `max_pixels` are the makers' smart_resize arguments; the image
    is sent at that size, so the server does not resize it again and an absolute grid means
    pixels of exactly the image the model saw."""

    grid: GridKind
    factor: int
    min_pixels: int
    max_pixels: int
    image_format: ImageFormat = "png"
    divisor: int = 1000

    @classmethod
    def of(cls, preset: Preset) -> Screenshot:
        fmt: ImageFormat = "jpeg" if preset.image_format == "jpeg" else "png"
        grid, size = preset.grid, (preset.min_pixels, preset.max_pixels)
        return cls(grid, preset.factor, *size, image_format=fmt, divisor=preset.divisor)

    def image_size(self, screen: tuple[int, int]) -> tuple[int, int]:
        height, width = smart_resize(
            screen[1], screen[0], self.factor, self.min_pixels, self.max_pixels
        )
        return width, height

    def grid_for(self, screen: tuple[int, int]) -> Grid:
        return Grid(self.grid, screen, self.image_size(screen), self.divisor)

    def encode(self, observation: Observation) -> EncodedImage:
        return encode(observation.image, self.image_size(observation.size), self.image_format)


def step(name: str, written: str, actions: Sequence[A.Action]) -> ParseResult:
    """The parse result of one written action that became one or more canonical actions (a
    `type` ending in a newline is typing, then Enter)."""
    calls = tuple(
        ParsedCall(ToolCall(new_call_id(), name, {}, written if i == 0 else ""), action)
        for i, action in enumerate(actions)
    )
    return ParseResult(calls=calls)


def typed(text: str) -> list[A.Action]:
    """Typing as the makers execute it: a trailing newline submits (Enter), the rest is typed."""
    body = text.removesuffix("\n")
    out: list[A.Action] = [A.Type(body)] if body else []
    if body != text:
        out.append(A.Key(("enter",)))
    if not out:
        raise InvalidAction("type needs non-empty content")
    return out


def image_indexes(entries: Sequence[object], keep: int) -> set[int]:
    """Indexes of the user entries whose screenshot is still sent: the last `keep`."""
    indexes = [i for i, e in enumerate(entries) if isinstance(e, UserEntry) and e.image is not None]
    return set(indexes[-keep:]) if keep > 0 else set()


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


class TextFamily(Family):
    """A family whose model writes its action as text: no tool schemas in the request, the
    screenshot sized by the preset (`Screenshot`), up to the preset's `history_images`.

    A subclass reads a reply in `read` and writes one in `reply_text`; `parse` and `wire` wrap
    them the same way for every such family: a reply that cannot be read becomes the error fed
    back, the reply goes back into the history as the model wrote it, and a step that is an MCP
    tool call is refused (these models write screen actions only)."""

    title: str  # how messages name the family, e.g. "UI-TARS"
    no_tools = "has no tool calls"  # why a tool call cannot be written, after the title

    def __init__(self, setup: FamilySetup) -> None:
        super().__init__(setup)
        self.screenshot = Screenshot.of(setup.preset)

    def grid(self, screen: tuple[int, int]) -> Grid:
        return self.screenshot.grid_for(screen)

    def encode(self, observation: Observation) -> EncodedImage:
        return self.screenshot.encode(observation)

    def tools(self, screen: tuple[int, int]) -> list[dict[str, Any]]:
        return []

    def max_images(self) -> int:
        return self.preset.history_images

    def parse(self, turn: ModelTurn, observation: Observation) -> ParseResult:
        try:
            calls = self.read(turn, observation)
        except InvalidAction as exc:
            return ParseResult(error=str(exc))
        return ParseResult(calls, said=turn.text.strip())

    @abc.abstractmethod
    def read(self, turn: ModelTurn, observation: Observation) -> tuple[ParsedCall, ...]:
        """The calls of a reply; raises InvalidAction with what the model must fix."""

    def wire(self, step: A.Action | ToolUse, screen: tuple[int, int]) -> WireTurn:
        if isinstance(step, ToolUse):
            raise ValueError(f"{self.title} {self.no_tools}: it cannot call {step.name}")
        return WireTurn(content=self.reply_text(step, screen))

    @abc.abstractmethod
    def reply_text(self, action: A.Action, screen: tuple[int, int]) -> str:
        """The reply a model of the family writes to perform `action` (the oracle's)."""
