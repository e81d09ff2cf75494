"""In-process stand-ins for loop and family tests: a scripted model (no HTTP server) and a
fake environment (no display). Integration tests use the HTTP stand-in (`agent.scripted`) and
real displays instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw

from agent.actions import Action, Click, Drag, Move
from agent.families.base import NO_FIELDS, RequestFields
from agent.model import ReasoningSink
from agent.turn import ModelTurn, ToolCall, Usage, new_call_id
from environments.base import ActionResult, Environment, Observation


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(new_call_id(), name, arguments)


def turn(*calls: ToolCall, content: str = "", reasoning: str = "") -> ModelTurn:
    """A turn as a server with a tool-call parser delivers it."""
    return ModelTurn(reasoning, content, content, tuple(calls), "stop", Usage(100, 10))


@dataclass
class Request:
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    fields: RequestFields


class ScriptedModel:
    """A `ChatModel` answering from a list of turns (or a function of the request)."""

    def __init__(
        self,
        replies: Sequence[ModelTurn] | Callable[[Request], ModelTurn],
        model_id: str = "Qwen/Qwen3-VL-8B-Instruct",
    ) -> None:
        self._replies = replies
        self._model = model_id
        self.requests: list[Request] = []
        self._notes: list[str] = []

    @property
    def model(self) -> str:
        return self._model

    @property
    def notes(self) -> list[str]:
        return self._notes

    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        fields: RequestFields = NO_FIELDS,
        on_reasoning: ReasoningSink | None = None,
    ) -> ModelTurn:
        request = Request(messages, tools, fields)
        self.requests.append(request)
        if callable(self._replies):
            reply = self._replies(request)
        else:
            index = len(self.requests) - 1
            if index >= len(self._replies):
                raise AssertionError(f"the script ran out of replies after {index}")
            reply = self._replies[index]
        if on_reasoning and reply.reasoning:
            on_reasoning(reply.reasoning)
        return reply


@dataclass
class FakeEnvironment(Environment):
    """A screen drawn in memory: actions move a pointer and are logged; `fail` makes the
    n-th performed action (1-based) fail; `crash` makes it raise a harness bug."""

    size: tuple[int, int] = (1280, 800)
    fail: set[int] = field(default_factory=set)
    crash: set[int] = field(default_factory=set)
    performed: list[Action] = field(default_factory=list)
    pointer: tuple[int, int] = (0, 0)
    closed: bool = False
    name: str = "fake"

    @property
    def screen_size(self) -> tuple[int, int]:
        return self.size

    def observe(self) -> Observation:
        image = Image.new("RGB", self.size, (30, 30, 40))
        ImageDraw.Draw(image).text((10, 10), f"{len(self.performed)} actions", fill="white")
        return Observation(image, pointer=self.pointer)

    def perform(self, action: Action) -> ActionResult:
        self.performed.append(action)
        count = len(self.performed)
        if count in self.crash:
            raise RuntimeError(f"a harness bug on action {count}")
        if count in self.fail:
            return ActionResult(error=f"action {count} failed")
        if isinstance(action, Click | Move):
            self.pointer = (action.x, action.y)
        elif isinstance(action, Drag):
            self.pointer = (action.x2, action.y2)
        return ActionResult(act_seconds=0.001)

    def settle(self, result: ActionResult) -> ActionResult:
        return result

    def close(self) -> None:
        self.closed = True
