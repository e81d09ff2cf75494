"""The observe-think-act loop, and nothing else.

Errors the model caused become feedback on the next turn; errors of the harness end the run with
a reason. Every ending, Ctrl-C included, produces a RunResult that observers record.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from agent import actions as A
from agent.errors import AgentError, EnvironmentFailure, Interrupted, TimeBudgetExceeded
from agent.families.base import (
    AssistantEntry,
    Entry,
    Family,
    ParsedCall,
    ParseResult,
    RequestFields,
    UserEntry,
)
from agent.model import ChatModel
from agent.records import CallRecord, Observer, RunResult, Status, StepRecord
from agent.takeover import Takeover, asks_for_human, human_note
from agent.turn import ModelTurn, Usage
from environments.base import Environment, Observation

SKIPPED = "not executed: an earlier action in this reply failed"
OUT_OF_TIME = "not executed: the time budget ran out before this action"


# What reading an arbitrary reply may raise in a family's code (numbers, literals, nesting).
_UNREADABLE = (ValueError, TypeError, KeyError, IndexError, RecursionError, ArithmeticError)


class ToolRouter(Protocol):
    """Whatever answers tool calls that are not screen actions (tools.hub.ToolHub)."""

    def call(self, name: str, arguments: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class LoopSettings:
    max_steps: int = 30
    timeout: float | None = None
    max_failures: int = 3


class _Finished(Exception):
    def __init__(self, status: Status, reason: str, answer: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.answer = status, reason, answer


class AgentLoop:
    def __init__(
        self,
        env: Environment,
        model: ChatModel,
        family: Family,
        settings: LoopSettings,
        observers: Sequence[Observer] = (),
        history: Sequence[Entry] = (),
        steps_done: int = 0,
        takeover: Takeover | None = None,
        tools: ToolRouter | None = None,
    ) -> None:
        """`history` and `steps_done` continue an earlier run (see agent.resume); with
        `takeover`, a person can pause the run between steps (see agent.takeover)."""
        self.takeover = takeover
        self.tools = tools
        self.env, self.model, self.family = env, model, family
        self.settings = settings
        self.observers = list(observers)
        self.entries: list[Entry] = list(history)
        self.usage = Usage()
        self.steps = steps_done
        self._failures = 0
        self._observation: Observation | None = None
        self._pending_human: str | None = None
        self._human_steps = 0  # a person's steps do not use up the model's step budget
        self._deadline: float | None = None  # the time budget, as a time.monotonic() instant

    def run(self, task: str, info: dict[str, Any] | None = None) -> RunResult:
        started = time.monotonic()
        self._emit("on_start", task, info or {})
        timeout = self.settings.timeout
        self._deadline = None if timeout is None else started + timeout
        set_deadline = getattr(self.model, "set_deadline", None)
        if set_deadline is not None and self._deadline is not None:
            set_deadline(self._deadline)
        try:
            finished = self._steps(task)
        except _Finished as exc:
            finished = exc
        except TimeBudgetExceeded as exc:
            finished = _Finished(
                "timeout", f"the {self.settings.timeout:g} s time budget ran out ({exc})"
            )
        except KeyboardInterrupt as exc:
            finished = _Finished("interrupted", f"stopped by {_how(exc)}")
        except AgentError as exc:
            finished = _Finished("error", str(exc))
        except Exception as exc:  # a harness bug must still leave a complete record
            detail = "".join(traceback.format_exception_only(exc)).strip()
            finished = _Finished("error", f"internal error: {detail}\n{traceback.format_exc()}")
        result = RunResult(
            status=finished.status,
            reason=finished.reason,
            answer=finished.answer,
            steps=self.steps,
            usage=self.usage,
            seconds=time.monotonic() - started,
        )
        self._emit("on_end", result)
        return result

    def _steps(self, task: str) -> _Finished:
        while self.steps - self._human_steps < self.settings.max_steps:
            if self._spent():
                return self._out_of_time()
            self.steps += 1
            if self.takeover is not None and self.takeover.requested():
                self._human_step(self.steps, "a person pressed a key")
            else:
                self._step(task, self.steps)
        return _Finished("max_steps", f"the step budget of {self.settings.max_steps} steps ran out")

    def _step(self, task: str, index: int) -> None:
        timings: dict[str, float] = {}
        started_at = time.time()
        observation = image = None
        if self._observation is None or isinstance(self.entries[-1], AssistantEntry):
            self._emit("on_phase", index, "observing")
            clock = time.monotonic()
            observation = self._observation = self.env.observe()
            timings["observe"] = time.monotonic() - clock
            clock = time.monotonic()
            image = self.family.encode(observation)
            timings["encode"] = time.monotonic() - clock
            introduced = any(isinstance(e, UserEntry) and e.image for e in self.entries)
            entry = None if introduced else self.family.first_entry(task, image)
            entry = entry or UserEntry(image=image)
            if observation.notice:
                entry = replace(entry, text=f"{entry.text}\n{observation.notice}".strip())
            self.entries.append(entry)
        assert self._observation is not None
        self._emit("on_phase", index, "thinking")
        clock = time.monotonic()
        messages = self.family.render(self.entries)
        tools = self.family.tools(self._observation.size)
        fields = self.family.request_fields()
        timings["render"] = time.monotonic() - clock
        turn = self.model.complete(messages, tools, fields, on_reasoning=self._reasoning)
        timings["model"] = turn.seconds
        self.usage += turn.usage
        clock = time.monotonic()
        turn, parsed = self._read(turn, tools)
        timings["parse"] = time.monotonic() - clock
        request = _summary(messages, tools, fields, self.model, self.family)
        if parsed.error is not None:
            self.entries.append(AssistantEntry(content=turn.text.strip()))
            self.entries.append(UserEntry(text=self.family.feedback(parsed.error)))
            record = StepRecord(
                index, started_at, observation, image, request, turn, (), parsed.error, timings
            )
            self._emit("on_step", record)
            self._failed(parsed.error)
            return
        self._emit("on_phase", index, "acting")
        calls, ending, stopped = self._execute(parsed.calls, timings)
        self.entries.append(
            AssistantEntry(
                content=turn.content if parsed.said is None else parsed.said,
                tool_calls=tuple(c.call for c in calls),
                results=tuple(c.result for c in calls),
            )
        )
        for call in calls:
            for image in call.images:
                self.entries.append(UserEntry(text=f"An image from {call.call.name}:", image=image))
        error = next((c.error for c in calls if c.error), None)
        record = StepRecord(
            index, started_at, observation, image, request, turn, tuple(calls), error, timings
        )
        record = replace(record, said=parsed.said)
        self._emit("on_step", record)
        if stopped is not None:
            raise stopped
        if ending is not None:
            raise ending
        if self._pending_human is not None:
            reason, self._pending_human = self._pending_human, None
            self.steps = index + 1
            self._human_step(self.steps, f"the model asked: {reason}")
            return
        if error:
            self._failed(error)
        else:
            self._failures = 0

    def _read(self, turn: ModelTurn, tools: list[dict[str, Any]]) -> tuple[ModelTurn, ParseResult]:
        """The family's reading of a reply. Whatever the reply holds, reading it never ends the
        run: a reply the family's code cannot digest is fed back like any unusable reply."""
        try:
            turn = self.family.read_turn(turn, tools)
            return turn, self.family.parse(turn, self._observation)  # type: ignore[arg-type]
        except AgentError:
            raise
        except _UNREADABLE as exc:
            kind = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            return turn, ParseResult(error=f"the reply could not be read ({kind})")

    def _execute(
        self, parsed: tuple[ParsedCall, ...], timings: dict[str, float]
    ) -> tuple[list[CallRecord], _Finished | None, BaseException | None]:
        """The actions of one reply, in order. The time budget is checked before each (an answer
        or an ending, which take no time, still count) and cuts a long wait; a stop from outside
        (Ctrl-C, SIGTERM) or a harness bug while they run is returned, not raised, so that the
        step is recorded first with what ran and what did not."""
        records: list[CallRecord] = []
        ending: _Finished | None = None
        stopped: BaseException | None = None
        halt: str | None = None  # why the remaining actions do not run
        failed = False
        for item in parsed:
            if halt is not None:
                records.append(CallRecord(item.call, item.action, halt))
                continue
            if failed or ending is not None:
                records.append(CallRecord(item.call, item.action, SKIPPED))
                continue
            if self._spent() and not isinstance(item.action, A.Answer | A.Terminate):
                ending, halt = self._out_of_time(), OUT_OF_TIME
                records.append(CallRecord(item.call, item.action, halt))
                continue
            try:
                record, ending, failed = self._act(item, timings)
            except (KeyboardInterrupt, Exception) as exc:
                stopped, why = exc, _stop_text(exc)
                halt = f"not executed: {why} before this action"
                records.append(
                    CallRecord(item.call, item.action, f"not executed to the end: {why} during it")
                )
                continue
            records.append(record)
            if ending is not None and ending.status == "timeout":
                halt = OUT_OF_TIME
        return records, ending, stopped

    def _act(
        self, item: ParsedCall, timings: dict[str, float]
    ) -> tuple[CallRecord, _Finished | None, bool]:
        """One action: its record, the ending it brings (if any), and whether it failed."""
        action = item.action
        if action is None:
            return self._tool(item), None, False
        needs = asks_for_human(action.text) if isinstance(action, A.Answer) else None
        if needs is not None:
            ending = None
            if self.takeover is None:
                ending = _Finished("failure", f"the model needs a person: {needs}")
            else:
                self._pending_human = needs
            return CallRecord(item.call, action, "a person was asked to act"), ending, False
        if isinstance(action, A.Answer):
            ending = _Finished("success", "the model answered", answer=action.text)
            return CallRecord(item.call, action, "answer recorded"), ending, False
        if isinstance(action, A.Terminate):
            status: Status = "success" if action.status == "success" else "failure"
            ending = _Finished(status, f"the model ended the task ({action.status})")
            return CallRecord(item.call, action, f"terminated ({action.status})"), ending, False
        cut = self._cut_wait(action)
        try:
            result = self.env.perform(cut or action)
            if result.error is None and cut is None:
                self._emit("on_phase", self.steps, "settling")
                result = self.env.settle(result)
        except EnvironmentFailure as exc:  # recorded in this step, then the run ends
            ending = _Finished("error", f"the environment failed: {exc}")
            return CallRecord(item.call, action, f"error: {exc}", str(exc)), ending, True
        timings["act"] = timings.get("act", 0.0) + result.act_seconds
        timings["settle"] = timings.get("settle", 0.0) + result.settle_seconds
        text = f"error: {result.error}" if result.error else (result.output or "done")
        ending = None
        if cut is not None and isinstance(action, A.Wait) and result.error is None:
            text = f"waited {cut.seconds:.1f} s of {action.seconds:g} s: the time budget ran out"
            ending = self._out_of_time()
        record = CallRecord(
            item.call, action, text, result.error, result.act_seconds, result.settle_seconds
        )
        return record, ending, result.error is not None

    def _spent(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _out_of_time(self) -> _Finished:
        return _Finished("timeout", f"the {self.settings.timeout:g} s time budget ran out")

    def _cut_wait(self, action: A.Action) -> A.Wait | None:
        """A wait that would outlast the time budget, shortened to end with it."""
        if not isinstance(action, A.Wait) or self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        return A.Wait(max(0.0, left)) if action.seconds > left else None

    def _tool(self, item: ParsedCall) -> CallRecord:
        """A call of a tool other than the screen's (an MCP tool); its errors go to the model."""
        if self.tools is None:
            return CallRecord(item.call, None, "error: no tool router", "no tool router")
        outcome = self.tools.call(item.call.name, item.call.arguments or {})
        if outcome.note:
            self._emit("on_note", outcome.note)
        text = f"error: {outcome.error}" if outcome.error else (outcome.text or "(no output)")
        if outcome.images:
            text += f"\n({len(outcome.images)} image(s) follow)"
        return CallRecord(item.call, None, text, outcome.error, outcome.seconds, 0.0,
                          outcome.images, outcome.note)  # fmt: skip

    def _human_step(self, index: int, reason: str) -> None:
        """A person uses the screen; the model then sees what changed, as a step of its own."""
        assert self.takeover is not None
        self._human_steps += 1
        started_at, clock = time.time(), time.monotonic()
        self.takeover.hand_over(reason)
        self.entries.append(UserEntry(text=human_note(reason)))
        self._observation = None
        record = StepRecord(
            index,
            started_at,
            None,
            None,
            {"human": True, "reason": reason},
            ModelTurn(content=f"(a person acted: {reason})"),
            timings={"human": time.monotonic() - clock},
        )
        self._emit("on_step", record)

    def _failed(self, error: str) -> None:
        self._failures += 1
        if self._failures >= self.settings.max_failures:
            raise _Finished(
                "parse_failures",
                f"{self._failures} replies in a row could not be executed; last: {error}",
            )

    def _reasoning(self, text: str) -> None:
        self._emit("on_reasoning", text)

    def _emit(self, hook: str, *args: Any) -> None:
        for observer in self.observers:
            getattr(observer, hook)(*args)


def _how(stop: KeyboardInterrupt) -> str:
    return stop.how if isinstance(stop, Interrupted) else Interrupted.how


def _stop_text(exc: BaseException) -> str:
    """Why the actions of a reply stopped, for their record (and the model, on resume)."""
    if isinstance(exc, KeyboardInterrupt):
        return f"the run was stopped by {_how(exc)}"
    return f"the run stopped on an internal error ({type(exc).__name__})"


def _summary(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    fields: RequestFields,
    model: ChatModel,
    family: Family,
) -> dict[str, Any]:
    images = sum(
        1
        for m in messages
        if isinstance(m.get("content"), list)
        for part in m["content"]
        if part.get("type") == "image_url"
    )
    return {
        "model": model.model,
        "messages": len(messages),
        "images": images,
        "tools": [t["function"]["name"] for t in tools],
        "thinking": family.setup.thinking,
        "max_tokens": fields.fields.get("max_tokens"),
        "stream": bool(getattr(getattr(model, "settings", None), "stream", False)),
    }
