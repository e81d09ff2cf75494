"""What a person sees in the terminal while a run goes on.

On a terminal: one status line (step, phase, elapsed time, tokens so far) redrawn in place, with
a line per finished step above it. Piped or redirected: plain lines only, no control characters.
With `verbose`, the model's reasoning streams in as it arrives.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from agent.actions import describe
from agent.records import NullObserver, Phase, RunResult, StepRecord

_CLEAR = "\r\x1b[K"
_TICK = 0.5


class Console(NullObserver):
    def __init__(self, max_steps: int, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.max_steps = max_steps
        self.verbose = verbose
        self.out = stream or sys.stderr
        self.live = self.out.isatty()
        self._started = time.monotonic()
        self._tokens = 0
        self._in_reasoning = False
        self._status = ""
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def _write(self, text: str) -> None:
        """Print a line above the status line (or just a line when not live)."""
        with self._lock:
            prefix = _CLEAR if self.live and self._status else ""
            if self._in_reasoning:
                prefix, self._in_reasoning = "\n", False
            self.out.write(f"{prefix}{text}\n")
            if self.live and self._status:
                self.out.write(self._status_text())
            self.out.flush()

    def _status_text(self) -> str:
        elapsed = time.monotonic() - self._started
        return f"{self._status} · {elapsed:.0f}s · {self._tokens} tokens"

    def say(self, text: str) -> None:
        """A message of the harness (watch URL, takeover prompts), shown above the status."""
        self._write(text)

    def ask(self, question: str) -> bool:
        """A yes/no question to the person at the terminal, with the status line paused so the
        whole question stays on screen; the answer is shown on a line of its own."""
        with self._lock:  # the ticker cannot redraw over the question while it waits
            if self.live and self._status:
                self.out.write(_CLEAR)
            if self._in_reasoning:
                self.out.write("\n")
                self._in_reasoning = False
            self.out.write(question)
            self.out.flush()
            answer = sys.stdin.readline()
        allowed = answer.strip().lower() in ("y", "yes")
        self._write(f"answer: {'yes, allowed' if allowed else 'no, refused'}")
        return allowed

    def _redraw(self) -> None:
        with self._lock:
            if self.live and self._status and not self._in_reasoning:
                self.out.write(_CLEAR + self._status_text())
                self.out.flush()

    def _tick(self) -> None:
        while not self._stop.wait(_TICK):
            self._redraw()

    def on_start(self, task: str, info: dict[str, Any]) -> None:
        self._started = time.monotonic()
        self._write(
            f"task: {task}\nmodel: {info.get('model', '?')} at {info.get('model_url', '?')}"
        )
        if self.live:
            self._ticker = threading.Thread(target=self._tick, name="console", daemon=True)
            self._ticker.start()

    def on_phase(self, step: int, phase: Phase) -> None:
        self._status = f"[step {step}/{self.max_steps}] {phase}"
        if self.verbose and phase == "thinking":
            self._write(f"[step {step}/{self.max_steps}] thinking...")
        self._redraw()

    def on_reasoning(self, text: str) -> None:
        if not self.verbose:
            return
        with self._lock:
            if self.live and not self._in_reasoning:
                self.out.write(_CLEAR)
            self._in_reasoning = True
            self.out.write(text)
            self.out.flush()

    def on_step(self, record: StepRecord) -> None:
        if record.request.get("human"):
            seconds = record.timings.get("human", 0.0)
            reason = record.request.get("reason", "")
            self._write(f"[step {record.index}] a person acted ({reason}) for {seconds:.0f}s")
            return
        usage = record.turn.usage
        self._tokens += usage.prompt_tokens + usage.completion_tokens
        if record.calls:
            done = "; ".join(
                (describe(c.action) if c.action else f"{c.call.name} -> {c.result[:60]!r}")
                + (f" -> {c.error}" if c.error and c.action else "")
                for c in record.calls
            )
        else:
            done = f"not executed: {record.error}"
        if record.turn.truncated_in_thinking:
            tokens = record.request.get("max_tokens")
            done += f" [the reply hit max_tokens={tokens} inside its reasoning: raise --max-tokens]"
        elapsed = time.monotonic() - self._started
        self._write(
            f"[step {record.index}/{self.max_steps}] {done} "
            f"(model {record.timings.get('model', 0):.1f}s, {elapsed:.0f}s, "
            f"{self._tokens} tokens)"
        )

    def on_note(self, text: str) -> None:
        self._write(f"note: {text}")

    def on_end(self, result: RunResult) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        self._status = ""
        if self.live:
            self.out.write(_CLEAR)
        self._write(f"{result.status}: {result.reason.splitlines()[0]}")
