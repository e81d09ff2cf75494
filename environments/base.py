"""The one interface every environment implements: observe, execute, close."""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from PIL import Image

from agent.actions import Action


@dataclass(frozen=True)
class Observation:
    """What the agent sees: the screen in screen pixels plus cheap facts about it."""

    image: Image.Image
    pointer: tuple[int, int] | None = None
    focused: str | None = None
    timestamp: float = field(default_factory=time.time)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


@dataclass(frozen=True)
class ActionResult:
    """Outcome of one action. `error` is shown to the model; the run goes on."""

    error: str | None = None
    output: str = ""
    act_seconds: float = 0.0
    settle_seconds: float = 0.0
    settled: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


class Environment(abc.ABC):
    """A screen the agent can look at and act on.

    `perform` validates the action and carries it out; `settle` waits until the screen stops
    changing; `execute` does both. An action the environment cannot perform returns an
    ActionResult with `error` set. Only failures of the machine itself (display gone, device
    lost) raise EnvironmentFailure.
    """

    name: str = "environment"

    @property
    @abc.abstractmethod
    def screen_size(self) -> tuple[int, int]: ...

    @abc.abstractmethod
    def observe(self) -> Observation: ...

    @abc.abstractmethod
    def perform(self, action: Action) -> ActionResult: ...

    @abc.abstractmethod
    def settle(self, result: ActionResult) -> ActionResult:
        """`result` with the time it took the screen to settle after the action."""

    def execute(self, action: Action) -> ActionResult:
        result = self.perform(action)
        return result if result.error else self.settle(result)

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
