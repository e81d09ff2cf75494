"""What a person sees in the terminal while a run goes on: one line per step, and with
`verbose` the model's reasoning as it streams in."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from agent.actions import describe
from agent.records import NullObserver, Phase, RunResult, StepRecord


class Console(NullObserver):
    def __init__(self, max_steps: int, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.max_steps = max_steps
        self.verbose = verbose
        self.out = stream or sys.stderr
        self._started = time.monotonic()
        self._tokens = 0
        self._in_reasoning = False

    def _print(self, text: str) -> None:
        self._end_reasoning()
        print(text, file=self.out, flush=True)

    def _end_reasoning(self) -> None:
        if self._in_reasoning:
            print(file=self.out, flush=True)
            self._in_reasoning = False

    def on_start(self, task: str, info: dict[str, Any]) -> None:
        self._started = time.monotonic()
        model = info.get("model", "?")
        self._print(f"task: {task}\nmodel: {model} at {info.get('model_url', '?')}")

    def on_phase(self, step: int, phase: Phase) -> None:
        if self.verbose and phase == "thinking":
            self._print(f"[step {step}/{self.max_steps}] thinking...")

    def on_reasoning(self, text: str) -> None:
        if self.verbose:
            self._in_reasoning = True
            self.out.write(text)
            self.out.flush()

    def on_step(self, record: StepRecord) -> None:
        usage = record.turn.usage
        self._tokens += usage.prompt_tokens + usage.completion_tokens
        if record.calls:
            done = "; ".join(
                describe(c.action) + (f" -> {c.error}" if c.error else "")
                for c in record.calls
                if c.action is not None
            )
        else:
            done = f"not executed: {record.error}"
        if record.turn.truncated_in_thinking:
            tokens = record.request.get("max_tokens")
            done += f" [the reply hit max_tokens={tokens} inside its reasoning: raise --max-tokens]"
        elapsed = time.monotonic() - self._started
        self._print(
            f"[step {record.index}/{self.max_steps}] {done} "
            f"(model {record.timings.get('model', 0):.1f}s, {elapsed:.0f}s, "
            f"{self._tokens} tokens)"
        )

    def on_end(self, result: RunResult) -> None:
        self._print(f"{result.status}: {result.reason.splitlines()[0]}")
