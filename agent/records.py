"""The typed records a run produces; the recorder, the console and reports consume them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from agent.actions import Action
from agent.imaging import EncodedImage
from agent.turn import ModelTurn, ToolCall, Usage
from environments.base import Observation

Status = Literal[
    "success", "failure", "max_steps", "timeout", "interrupted", "parse_failures", "error"
]
Phase = Literal["observing", "thinking", "acting", "settling"]


@dataclass(frozen=True)
class CallRecord:
    """One tool call of a turn: the action it became and what came of it."""

    call: ToolCall
    action: Action | None
    result: str
    error: str | None = None
    act_seconds: float = 0.0
    settle_seconds: float = 0.0
    images: tuple[EncodedImage, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One observe-think-act step, as it happened."""

    index: int
    started_at: float
    observation: Observation | None
    image: EncodedImage | None
    request: dict[str, Any]
    turn: ModelTurn
    calls: tuple[CallRecord, ...] = ()
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    said: str | None = None  # what went back into the history, when not the turn's content


@dataclass(frozen=True)
class RunResult:
    status: Status
    reason: str
    answer: str | None = None
    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    run_dir: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"


class Observer(Protocol):
    """Something that follows a run: the recorder, the console, a UI."""

    def on_start(self, task: str, info: dict[str, Any]) -> None: ...

    def on_phase(self, step: int, phase: Phase) -> None: ...

    def on_reasoning(self, text: str) -> None: ...

    def on_step(self, record: StepRecord) -> None: ...

    def on_note(self, text: str) -> None: ...

    def on_end(self, result: RunResult) -> None: ...


class NullObserver:
    """Base with every hook a no-op, so observers implement only what they need."""

    def on_start(self, task: str, info: dict[str, Any]) -> None:
        return None

    def on_phase(self, step: int, phase: Phase) -> None:
        return None

    def on_reasoning(self, text: str) -> None:
        return None

    def on_step(self, record: StepRecord) -> None:
        return None

    def on_note(self, text: str) -> None:
        return None

    def on_end(self, result: RunResult) -> None:
        return None
