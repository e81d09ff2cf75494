"""The record of a run on disk: `<out>/<run-id>/` with run.json, trajectory.jsonl, the
screenshots the model saw, and result.json.

Each step is appended and flushed as soon as it ends, so a crash or Ctrl-C loses nothing that
happened before it.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from agent.actions import to_dict
from agent.errors import AgentError
from agent.imaging import EncodedImage
from agent.records import NullObserver, RunResult, StepRecord
from agent.turn import ToolCall, Usage

# Kept allocated on the disk of the record while the run goes on, and given back when the disk
# fills up, so that the run can still end with a complete result.json.
RESERVE_BYTES = 1 << 20
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class RecordError(AgentError):
    """The record could not be written (a full disk): the run ends, with what it had."""


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class Recorder(NullObserver):
    def __init__(self, out: Path | str, run_id: str | None = None) -> None:
        self.run_id = run_id or new_run_id()
        self.dir = Path(out) / self.run_id
        self.dir.mkdir(parents=True, exist_ok=False)
        self._open(resumed=False)

    @classmethod
    def resume(cls, run_dir: Path | str) -> Recorder:
        """Append to an existing run: its steps stay, new ones follow, result.json is rewritten
        and counts the tokens of the whole run."""
        run_dir = Path(run_dir)
        recorder = cls.__new__(cls)
        recorder.run_id, recorder.dir = run_dir.name, run_dir
        recorder._open(resumed=True)
        return recorder

    def _open(self, resumed: bool) -> None:
        path = self.dir / "trajectory.jsonl"
        self._earlier = _recorded_usage(path) if resumed else Usage()
        self._trajectory = path.open("ab")
        self._started = time.time()
        self._resumed = resumed
        self._reserve = self.dir / ".reserve"
        try:
            with self._reserve.open("wb") as handle:
                os.posix_fallocate(handle.fileno(), 0, RESERVE_BYTES)
        except OSError as exc:
            self._reserve.unlink(missing_ok=True)
            raise AgentError(
                f"cannot write the run record in {self.dir}: {exc.strerror}; "
                "free some space there or choose another --out"
            ) from exc

    def on_start(self, task: str, info: dict[str, Any]) -> None:
        header = self.dir / "run.json"
        if self._resumed:
            data = json.loads(header.read_text())
            data.setdefault("resumed_at", []).append(self._started)
        else:
            data = {"task": task, "started_at": self._started, **info}
        _write_json(header, data)

    def on_step(self, record: StepRecord) -> None:
        """Write the step; on a full disk nothing of it stays half-written and the run ends."""
        written: list[Path] = []
        size = self._trajectory.tell()
        try:
            self._write_step(record, written)
        except OSError as exc:
            if exc.errno not in _FULL:
                raise
            for path in written:
                path.unlink(missing_ok=True)
            self._trajectory.truncate(size)
            self._release()
            raise RecordError(
                f"the disk holding {self.dir} is full ({exc.strerror}): step {record.index} was "
                f"not recorded; free some space, then continue with: agent run --resume {self.dir}"
            ) from exc

    def _write_step(self, record: StepRecord, written: list[Path]) -> None:
        screenshot = None
        if record.image is not None:
            screenshot = f"step-{record.index:04d}.{record.image.format}"
            _write_file(self.dir / screenshot, record.image.data, written)
        turn = record.turn
        line = {
            "step": record.index,
            "started_at": record.started_at,
            "ended_at": time.time(),
            "screenshot": screenshot,
            "observation": _observation(record),
            "request": record.request,
            "reasoning": turn.reasoning,
            "reply": turn.text,
            "content": turn.content,
            "said": record.said,
            "tool_calls": [_call(c) for c in turn.tool_calls],
            "calls_from_text": turn.calls_from_text,
            "finish_reason": turn.finish_reason,
            "actions": [
                {
                    "call_id": c.call.id,
                    "call": {"name": c.call.name, "arguments": c.call.arguments},
                    "action": to_dict(c.action) if c.action else None,
                    "tool": None if c.action else c.call.name,
                    "result": c.result,
                    "error": c.error,
                    "images": self._images(record.index, n, c.images, written),
                    "note": c.note,
                    "act_seconds": round(c.act_seconds, 4),
                    "settle_seconds": round(c.settle_seconds, 4),
                }
                for n, c in enumerate(record.calls, 1)
            ],
            "error": record.error,
            "usage": asdict(turn.usage),
            "attempts": turn.attempts,
            "timings": {k: round(v, 4) for k, v in record.timings.items()},
        }
        self._trajectory.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
        self._trajectory.flush()
        os.fsync(self._trajectory.fileno())

    def _images(
        self, step: int, call: int, images: tuple[EncodedImage, ...], written: list[Path]
    ) -> list[str]:
        names = []
        for n, image in enumerate(images, 1):
            name = f"step-{step:04d}-call{call}-image{n}.{image.format}"
            _write_file(self.dir / name, image.data, written)
            names.append(name)
        return names

    def _release(self) -> None:
        self._reserve.unlink(missing_ok=True)

    def on_end(self, result: RunResult) -> None:
        self._release()  # the room kept for this moment
        self._trajectory.close()
        data = asdict(replace(result, usage=result.usage + self._earlier))
        data["run_dir"] = str(self.dir)
        data["ended_at"] = time.time()
        _write_json(self.dir / "result.json", data)


def _observation(record: StepRecord) -> dict[str, Any] | None:
    obs = record.observation
    if obs is None:
        return None
    return {
        "screen_size": list(obs.size),
        "image_size": list(record.image.size) if record.image else None,
        "pointer": list(obs.pointer) if obs.pointer else None,
        "focused": obs.focused,
        "timestamp": obs.timestamp,
    }


def _call(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "name": call.name,
        "arguments": call.arguments,
        "raw_arguments": call.raw_arguments,
        "error": call.error,
    }


def _write_file(path: Path, data: bytes, written: list[Path]) -> None:
    """Whole or not at all: written beside, then renamed into place."""
    temporary = path.with_name(path.name + ".tmp")
    written.append(temporary)
    temporary.write_bytes(data)
    temporary.replace(path)
    written[-1] = path


def _recorded_usage(path: Path) -> Usage:
    if not path.exists():
        return Usage()
    total = Usage()
    for step in read_trajectory(path.parent):
        usage = step.get("usage") or {}
        total += Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    return total


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_trajectory(run_dir: Path | str) -> list[dict[str, Any]]:
    """The recorded steps of a run, in order."""
    path = Path(run_dir) / "trajectory.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
