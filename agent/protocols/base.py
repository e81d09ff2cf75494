"""What a model family must provide: tools, prompt, image size, history and a parser.

The conversation is kept as a list of entries that any protocol can render; the loop appends to
it and the recorder stores it, so a run can be resumed with another protocol instance.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from agent.actions import Action
from agent.grid import Grid
from agent.imaging import EncodedImage
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation


@dataclass(frozen=True)
class UserEntry:
    """What the agent tells the model: text (task or feedback) and/or a screenshot."""

    text: str = ""
    image: EncodedImage | None = None


@dataclass(frozen=True)
class AssistantEntry:
    """A model turn as it is sent back: no reasoning; tool calls with their results."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    results: tuple[str, ...] = ()


Entry = UserEntry | AssistantEntry


@dataclass(frozen=True)
class ParsedCall:
    """One tool call and the canonical action it maps to (screen pixels), or None for a call
    of another tool (an MCP tool), which the loop routes to whoever owns it."""

    call: ToolCall
    action: Action | None


@dataclass(frozen=True)
class ParseResult:
    """The actions a turn asks for, or why it cannot be executed (shown to the model)."""

    calls: tuple[ParsedCall, ...] = ()
    error: str | None = None


class Protocol(abc.ABC):
    """A model family's way of seeing the screen and acting on it."""

    name: str

    @abc.abstractmethod
    def grid(self, screen: tuple[int, int]) -> Grid:
        """The grid for a screen: decides the image size sent and how coordinates map back."""

    @abc.abstractmethod
    def encode(self, observation: Observation) -> EncodedImage: ...

    @abc.abstractmethod
    def tools(self, screen: tuple[int, int]) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    def first_entry(self, task: str, image: EncodedImage) -> UserEntry: ...

    @abc.abstractmethod
    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        """Chat messages for the whole conversation so far, history policy applied."""

    @abc.abstractmethod
    def parse(self, turn: ModelTurn, observation: Observation) -> ParseResult: ...

    @abc.abstractmethod
    def feedback(self, error: str) -> str:
        """The corrective message sent after a reply that could not be executed."""
